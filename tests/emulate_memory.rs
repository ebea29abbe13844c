//! The model on the process's own memory: host code that allocates its
//! pages from a [`PhysWindow`], fills them through ordinary pointers and
//! passes their physical addresses runs against the model unchanged; a read
//! of physical memory nothing backs is an error naming the address, never
//! zeros.

mod emulate_leaves;

use std::panic::{catch_unwind, AssertUnwindSafe};

use emulate_leaves::*;
use seamcall_core::emulate::model::{
    MemError, Model, OpState, PageType, PhysWindow, SysState, WindowError, TDCS_PAGES, TDVPS_PAGES,
};
use seamcall_core::emulate::with_module;
use seamcall_core::fields::td;
use seamcall_core::{OperandId, TdxStatus};

/// The one TDMR: 1 GiB at 4 GiB.
const TDMR: u64 = 4 << 30;
const TDMR_SIZE: u64 = 1 << 30;
/// The window: the first 8 MiB of the TDMR.
const WINDOW: usize = 8 << 20;
const PAGE: usize = 4096;

/// `TDMR_INFO` as the host lays it out (the fields TDH.SYS.CONFIG reads
/// first; the reserved areas follow in the real structure).
#[repr(C, align(512))]
struct TdmrInfo {
    base: u64,
    size: u64,
    pamt_1g_base: u64,
    pamt_1g_size: u64,
}

/// `TD_PARAMS` as the host lays it out, up to the last field the model
/// checks; the rest of the 1024 bytes is zero.
#[repr(C, align(1024))]
struct TdParamsRaw {
    attributes: u64,
    xfam: u64,
    max_vcpus: u16,
    reserved0: [u8; 14],
    eptp_controls: u64,
    config_flags: u64,
    tsc_frequency: u16,
    reserved1: [u8; 1024 - 50],
}

/// The content of the first page loaded into the TD (as in
/// tests/emulate_model.rs, whose MRTD the same build reproduces).
fn image0() -> Vec<u8> {
    (0..4096u32).map(|i| ((i * 7 + 3) % 251) as u8).collect()
}

/// MRTD of a TD with `image0` at GPA 0 (measured) and a page at 0x1000
/// (added, not extended): tests/emulate_model.rs, computed independently.
const MRTD_HEX: &str = "ee9672ae21184e8746593bf248d4f2ad11cb98dd9b2dbdfa9d60534adf18495a424cf42fca752abe323a8ab2444ad213";

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The process address of `pa`, as a `T`.
fn at<T>(w: &PhysWindow, pa: u64) -> *mut T {
    w.virt_of(pa).expect("inside the window").cast()
}

/// Host code: allocate the TDMR list from `w`, fill it through pointers,
/// and bring the module up.
unsafe fn init_module(w: &PhysWindow) {
    let list = w.alloc_page().unwrap();
    let info = w.alloc_page().unwrap();
    at::<TdmrInfo>(w, info).write(TdmrInfo {
        base: TDMR,
        size: TDMR_SIZE,
        pamt_1g_base: 0,
        pamt_1g_size: 0,
    });
    // The list holds the TDMR_INFO's physical address, which the host
    // takes from the pointer it wrote through.
    let info_ptr = at::<TdmrInfo>(w, info);
    at::<u64>(w, list).write(w.phys_of(info_ptr).unwrap());
    sys_init(0).unwrap();
    sys_lp_init().unwrap();
    sys_config(list, 1, 32).unwrap();
    sys_key_config().unwrap();
    let mut next = TDMR;
    while next < TDMR + TDMR_SIZE {
        next = sys_tdmr_init(TDMR).unwrap();
    }
    w.free_page(list).unwrap();
    w.free_page(info).unwrap();
}

/// The pages of one TD, all from the window.
struct Td {
    tdr: u64,
    tdcs: Vec<u64>,
    tdvpr: u64,
    tdvpx: Vec<u64>,
    sept: Vec<u64>,
    pages: Vec<u64>,
}

impl Td {
    fn alloc(w: &PhysWindow) -> Td {
        let n = |k: usize| (0..k).map(|_| w.alloc_page().unwrap()).collect::<Vec<_>>();
        Td {
            tdr: n(1)[0],
            tdcs: n(TDCS_PAGES),
            tdvpr: n(1)[0],
            tdvpx: n(TDVPS_PAGES - 1),
            sept: n(3),
            pages: n(2),
        }
    }
}

fn params() -> TdParamsRaw {
    TdParamsRaw {
        attributes: 0,
        xfam: 0b11,
        max_vcpus: 1,
        reserved0: [0; 14],
        eptp_controls: (3 << 3) | 6,
        config_flags: 0,
        tsc_frequency: 0,
        reserved1: [0; 1024 - 50],
    }
}

#[test]
fn hypervisor_flow_on_window_memory() {
    let w = PhysWindow::new(TDMR, WINDOW).unwrap();
    let mut m = Model::new().with_window(&w).unwrap();
    let td = Td::alloc(&w);
    // Stale host data in the TDR page: TDH.MNG.CREATE must clear it in the
    // process's memory.
    // SAFETY: the page was just allocated from the window.
    unsafe { at::<u8>(&w, td.tdr).write_bytes(0xaa, PAGE) };
    let src = w.alloc_pages(2).unwrap();
    let img = image0();
    // SAFETY: the two source pages were just allocated from the window.
    unsafe {
        std::ptr::copy_nonoverlapping(img.as_ptr(), at(&w, src), PAGE);
        at::<u8>(&w, src + PAGE as u64).write_bytes(0x5a, PAGE);
    }
    let tdp = w.alloc_page().unwrap();
    // SAFETY: as above; the page is 4 KiB aligned, so 1024-byte aligned.
    unsafe { at::<TdParamsRaw>(&w, tdp).write(params()) };

    let mrtd = with_module(&mut m, || unsafe {
        init_module(&w);
        mng_create(td.tdr, 40).unwrap();
        mng_key_config(td.tdr).unwrap();
        for &p in &td.tdcs {
            mng_addcx(p, td.tdr).unwrap();
        }
        // The model reads TD_PARAMS from the window: with zeros it would
        // refuse XFAM (TDX_OPERAND_INVALID, operand XFAM).
        assert_eq!(mng_init(td.tdr, tdp), Ok(0));
        vp_create(td.tdvpr, td.tdr).unwrap();
        for &p in &td.tdvpx {
            vp_addcx(p, td.tdvpr).unwrap();
        }
        vp_init(td.tdvpr, 0, 0).unwrap();
        for (level, &p) in (1..=3).rev().zip(&td.sept) {
            mem_sept_add(level, td.tdr, p).unwrap();
        }
        mem_page_add(0, td.tdr, td.pages[0], src).unwrap();
        for chunk in 0..16 {
            mr_extend(chunk * 256, td.tdr).unwrap();
        }
        mem_page_add(0x1000, td.tdr, td.pages[1], src + PAGE as u64).unwrap();
        mr_finalize(td.tdr).unwrap();
        (0..6)
            .flat_map(|i| {
                let id = td::MRTD.element(i).unwrap().raw();
                mng_rd(td.tdr, id).unwrap().to_le_bytes()
            })
            .collect::<Vec<u8>>()
    });
    assert_eq!(m.sys_state(), SysState::Ready);
    assert_eq!(m.op_state(td.tdr), Some(OpState::Runnable));
    assert_eq!(m.page_type(td.tdr), PageType::Tdr);
    // MR.EXTEND measured the bytes PAGE.ADD copied from the window.
    assert_eq!(hex(&mrtd), MRTD_HEX);
    // The TD pages the model wrote are in the process's memory.
    // SAFETY: pages of the window, which the model no longer writes.
    unsafe {
        let page0 = std::slice::from_raw_parts(at::<u8>(&w, td.pages[0]), PAGE);
        assert_eq!(page0, &img[..]);
        let page1 = std::slice::from_raw_parts(at::<u8>(&w, td.pages[1]), PAGE);
        assert!(page1.iter().all(|b| *b == 0x5a));
        let tdr = std::slice::from_raw_parts(at::<u8>(&w, td.tdr), PAGE);
        assert!(tdr.iter().all(|b| *b == 0), "MNG.CREATE zeroed the TDR");
    }
    let mut b = [0; 8];
    m.read_phys(td.pages[0], &mut b).unwrap();
    assert_eq!(b[..], img[..8]);
}

/// The payload of a panic, as text.
fn message(p: Box<dyn std::any::Any + Send>) -> String {
    p.downcast_ref::<String>()
        .cloned()
        .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

#[test]
fn a_read_outside_every_window_is_an_error_naming_the_address() {
    let w = PhysWindow::new(TDMR, WINDOW).unwrap();
    let mut m = Model::new().with_window(&w).unwrap();
    // A TDMR list the host forgot to put in the window: never written.
    let outside = TDMR + WINDOW as u64;
    let r = catch_unwind(AssertUnwindSafe(|| {
        with_module(&mut m, || unsafe {
            sys_init(0).unwrap();
            sys_lp_init().unwrap();
            // No unwrap: the call fails (VMfailInvalid) and the model's
            // panic reaches us when the closure returns.
            let _ = sys_config(outside, 1, 32);
        })
    }));
    let msg = message(r.expect_err("the model must not answer from zeros"));
    assert!(msg.contains("TDH.SYS.CONFIG"), "{msg}");
    assert!(msg.contains(&format!("{outside:#x}")), "{msg}");
    assert!(msg.contains("outside every memory window"), "{msg}");
    assert_eq!(m.sys_state(), SysState::InitDone, "nothing configured");
    let e: MemError = m.read_phys(outside + 8, &mut [0; 8]).unwrap_err();
    assert_eq!(e.pa(), outside + 8);

    // A list inside the window naming a TDMR_INFO outside it.
    let list = w.alloc_page().unwrap();
    let far = 1u64 << 40;
    // SAFETY: a page of the window.
    unsafe { at::<u64>(&w, list).write(far) };
    let r = catch_unwind(AssertUnwindSafe(|| {
        with_module(&mut m, || unsafe {
            let _ = sys_config(list, 1, 32);
        })
    }));
    let msg = message(r.expect_err("TDMR_INFO outside every window"));
    assert!(msg.contains(&format!("{far:#x}")), "{msg}");

    // Bytes of the model's HostMemory never written are an error too.
    m.memory_mut().write_u64(far, TDMR);
    let mut b = [0; 16];
    assert_eq!(m.read_phys(far, &mut b).map_err(|e| e.pa()), Err(far + 8));
    assert_eq!(m.read_phys(far, &mut b[..8]), Ok(()));
}

#[test]
fn a_window_page_never_written_reads_as_the_zeroed_memory_it_is() {
    // Window memory is initialized: `new` zeroes it. A TD_PARAMS page the
    // host allocated but never filled is all zeros, and the model answers
    // as the module would (XFAM refused), not with a memory error.
    let w = PhysWindow::new(TDMR, WINDOW).unwrap();
    let mut m = Model::ready(TDMR, TDMR_SIZE).with_window(&w).unwrap();
    let td = Td::alloc(&w);
    let tdp = w.alloc_page().unwrap();
    let r = with_module(&mut m, || unsafe {
        mng_create(td.tdr, 40).unwrap();
        mng_key_config(td.tdr).unwrap();
        for &p in &td.tdcs {
            mng_addcx(p, td.tdr).unwrap();
        }
        mng_init(td.tdr, tdp)
    });
    let xfam = TdxStatus::OPERAND_INVALID.raw() | u64::from(OperandId::Xfam.raw());
    assert_eq!(r.unwrap_err().raw(), xfam);
}

#[test]
fn allocator_pages_are_distinct_zeroed_and_inside_the_tdmr() {
    let len = 64 * PAGE;
    let base = TDMR + (1 << 20);
    let w = PhysWindow::new(base, len).unwrap();
    // One more than the window holds: the last must fail.
    let pages: Vec<u64> = (0..65).map_while(|_| w.alloc_page()).collect();
    assert_eq!(pages.len(), 64);
    assert_eq!(w.allocated_pages(), 64);
    let mut sorted = pages.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(sorted.len(), pages.len(), "distinct pages");
    for &pa in &pages {
        assert_eq!(pa % PAGE as u64, 0);
        assert!(pa >= base && pa + PAGE as u64 <= base + len as u64);
        assert!(pa >= TDMR && pa + PAGE as u64 <= TDMR + TDMR_SIZE);
        assert_eq!(w.phys_of(w.virt_of(pa).unwrap()), Some(pa));
    }
    // A page handed back and out again is zeroed again.
    let p = pages[10];
    // SAFETY: a page of the window.
    unsafe { at::<u8>(&w, p).write_bytes(0xee, PAGE) };
    w.free_page(p).unwrap();
    assert_eq!(w.free_page(p), Err(WindowError::NotAllocated { pa: p }));
    assert_eq!(w.alloc_page(), Some(p));
    let mut b = [0xff; PAGE];
    w.read(p, &mut b).unwrap();
    assert!(b.iter().all(|x| *x == 0));
    // Contiguous runs: free 3 pages, not adjacent, then a run of 2 needs
    // two adjacent ones.
    for i in [3, 4, 20] {
        w.free_page(pages[i]).unwrap();
    }
    assert_eq!(w.alloc_pages(3), None);
    assert_eq!(w.alloc_pages(2), Some(pages[3]));
    assert_eq!(w.alloc_page(), Some(pages[20]));
    assert_eq!(w.alloc_page(), None);
    // Out of the window, unaligned: not this window's pages.
    assert!(w.free_page(base + len as u64).is_err());
    assert!(w.free_page(base + 8).is_err());
    assert_eq!(w.free_pages(pages[0], 0), Ok(()));
    // A run past the window's end frees nothing.
    let last = base + len as u64 - PAGE as u64;
    assert_eq!(
        w.free_pages(last, usize::MAX),
        Err(WindowError::NotAllocated {
            pa: last + PAGE as u64
        })
    );
    assert_eq!(w.allocated_pages(), 64);
}

#[test]
fn windows_reject_bad_input_and_overlap() {
    assert_eq!(
        PhysWindow::new(TDMR + 8, PAGE).unwrap_err(),
        WindowError::Misaligned { base: TDMR + 8 }
    );
    assert_eq!(
        PhysWindow::new(TDMR, 100).unwrap_err(),
        WindowError::BadLength { len: 100 }
    );
    assert_eq!(
        PhysWindow::new(TDMR, 0).unwrap_err(),
        WindowError::BadLength { len: 0 }
    );
    let top = (1u64 << 46) - PAGE as u64;
    assert!(PhysWindow::new(top, PAGE).is_ok());
    assert_eq!(
        PhysWindow::new(top, 2 * PAGE).unwrap_err(),
        WindowError::OutOfRange {
            base: top,
            len: 2 * PAGE
        }
    );
    let a = PhysWindow::new(TDMR, 4 * PAGE).unwrap();
    let b = PhysWindow::new(TDMR + 3 * PAGE as u64, 4 * PAGE).unwrap();
    let c = PhysWindow::new(TDMR + 4 * PAGE as u64, 4 * PAGE).unwrap();
    let mut m = Model::new();
    m.map_window(&a).unwrap();
    assert_eq!(
        m.map_window(&b).unwrap_err(),
        WindowError::Overlap {
            base: b.base(),
            mapped: a.base()
        }
    );
    m.map_window(&c).unwrap();
    assert_eq!(m.windows().len(), 2);
    assert!(m.unmap_window(a.base()).is_some());
    assert_eq!(
        m.map_window(&b).unwrap_err(),
        WindowError::Overlap {
            base: b.base(),
            mapped: c.base()
        }
    );
    assert!(m.unmap_window(c.base()).is_some());
    assert!(m.unmap_window(c.base()).is_none());
    m.map_window(&b).unwrap();
    assert_eq!(m.windows()[0].base(), b.base());
}

#[test]
fn windows_over_memory_the_test_owns() {
    // A Vec the test filled before handing it over.
    let mut v = vec![0u8; 2 * PAGE];
    v[PAGE..PAGE + 8].copy_from_slice(&TDMR.to_le_bytes());
    let boxed = PhysWindow::from_boxed(TDMR, v.into_boxed_slice()).unwrap();
    // Memory lent for good.
    let leaked: &'static mut [u8] = Box::leak(vec![7u8; PAGE].into_boxed_slice());
    let leaked_ptr = leaked.as_mut_ptr();
    let lent = PhysWindow::from_static(TDMR + 2 * PAGE as u64, leaked).unwrap();
    // Raw memory of another allocator.
    let layout = std::alloc::Layout::from_size_align(PAGE, PAGE).unwrap();
    // SAFETY: non-zero size.
    let raw = unsafe { std::alloc::alloc_zeroed(layout) };
    assert!(!raw.is_null());
    // SAFETY: `raw` is valid for PAGE bytes until freed below, after the
    // window and the model holding it are dropped; nothing else touches it.
    let rawin = unsafe { PhysWindow::from_raw(TDMR + 3 * PAGE as u64, raw, PAGE) }.unwrap();
    assert_eq!(rawin.virt_of(rawin.base()), Some(raw));
    assert_eq!(
        lent.phys_of(leaked_ptr.wrapping_add(5)),
        Some(lent.base() + 5)
    );
    assert_eq!(lent.phys_of(raw), None);
    {
        let mut m = Model::new();
        for w in [&boxed, &lent, &rawin] {
            m.map_window(w).unwrap();
        }
        // One read across three windows, each piece from its own memory.
        let mut b = [0u8; 16];
        m.read_phys(TDMR + PAGE as u64, &mut b[..8]).unwrap();
        assert_eq!(u64::from_le_bytes(b[..8].try_into().unwrap()), TDMR);
        let mut two = vec![0u8; 2 * PAGE];
        m.read_phys(TDMR + 2 * PAGE as u64 - 4, &mut two[..8])
            .unwrap();
        assert_eq!(&two[..8], &[0, 0, 0, 0, 7, 7, 7, 7]);
        m.write_phys(TDMR + 3 * PAGE as u64 - 1, &[9, 9]);
        // SAFETY: `raw` is the window's memory, written just above.
        assert_eq!(unsafe { raw.read() }, 9);
        assert!(!m.memory().is_written(TDMR, 1));
    }
    drop(rawin);
    // SAFETY: allocated above with `layout`; every window over it is gone.
    unsafe { std::alloc::dealloc(raw, layout) };
}
