//! Build a TD end to end on the emulated TDX module, then show the ways a
//! SEAMCALL fails.
//!
//! ```sh
//! cargo run --example td_lifecycle
//! ```
//!
//! Every leaf is a declaration of the catalog (`seamcall_core::leaves`),
//! an ordinary `#[seamcall]` declaration: one inline
//! `asm!` block with the real instruction (`66 0F 01 CF`). On this machine
//! the instruction faults; `seamcall_core::emulate` catches the fault,
//! hands the registers to the software TDX module (`emulate::model`),
//! writes its answer back and steps over the instruction. The same machine
//! code would run unchanged in a kernel with TDX.
//!
//! Each line of the trace is one SEAMCALL: leaf, the registers it took, the
//! registers it changed, the status, and the time of the whole emulated
//! round trip (fault, signal handler, model, return). The 16 TDH.MR.EXTEND
//! calls that measure the guest image share one summary line instead; the
//! last line counts both, and the program checks that every call the module
//! answered was shown one way or the other.

use std::time::{Duration, Instant};

use seamcall_core::emulate::model::{Inject, Model, TdParams, When};
use seamcall_core::emulate::{self, Recorder};
use seamcall_core::fields::{self, TdField};
use seamcall_core::leaves::*;
use seamcall_core::{ErrorKind, OperandId, RawResult, SeamcallError, TdxStatus};

fn page(gpa: u64) -> GpaLevel {
    GpaLevel::page(gpa).expect("4 KiB aligned")
}

/// Element `i` (0..6) of the TD's MRTD: `fields::td::MRTD`, the module's
/// architectural field (0x1310000300000000, six 8-byte elements).
fn mrtd_element(i: usize) -> TdField {
    fields::td::MRTD.element(i).expect("MRTD has six elements")
}

// ---- the machine ----------------------------------------------------------

/// One 1 GiB TDMR at 1 GiB; the TD's pages are carved from its start.
const TDMR: u64 = 1 << 30;
const TDMR_SIZE: u64 = 1 << 30;
/// Host memory the module reads by physical address.
const TDMR_LIST: u64 = 0x10_0000;
const TDMR_INFO: u64 = 0x10_1000;
const TD_PARAMS: u64 = 0x10_2000;
const IMAGE: u64 = 0x20_0000;
/// The TD's private key id.
const HKID: u16 = 40;

fn pa(addr: u64) -> PhysAddr {
    PhysAddr::new(addr)
}

/// Hands out 4 KiB pages of the TDMR.
struct Pages(u64);

impl Pages {
    fn next(&mut self) -> PhysAddr {
        let p = self.0;
        self.0 += 4096;
        pa(p)
    }
}

/// Runs each SEAMCALL on the recorded model and prints its trace line.
struct Host {
    rec: Recorder<Model>,
    /// Calls of `rec` already shown.
    calls: usize,
    /// Calls shown one trace line each.
    traced: usize,
    /// Calls shown in a summary line.
    summarized: usize,
}

impl Host {
    fn new(model: Model) -> Host {
        Host {
            rec: Recorder::new(model),
            calls: 0,
            traced: 0,
            summarized: 0,
        }
    }

    /// One line for the calls made since the last line shown, all of one
    /// leaf: how many, the first and last RCX, the status they share.
    fn summarize(&mut self, what: &str, elapsed: Duration) {
        let new = &self.rec.calls()[self.calls..];
        let (first, last) = (new.first().expect("calls"), new.last().expect("calls"));
        assert!(
            new.iter()
                .all(|c| c.leaf == first.leaf && c.status == first.status),
            "a summary line stands for calls of one leaf with one status"
        );
        println!(
            "  {} x {}, {what} (rcx=0x{:x}..0x{:x}) -> {} each  [{} each]",
            new.len(),
            first.name.unwrap_or("?"),
            first.inputs.rcx,
            last.inputs.rcx,
            first.status,
            micros(elapsed / new.len() as u32)
        );
        self.summarized += new.len();
        self.calls = self.rec.calls().len();
    }

    /// Make one leaf call (or a few: a declared retry) on the emulated
    /// module and print what happened.
    fn call<T>(
        &mut self,
        f: impl FnOnce() -> Result<T, SeamcallError>,
    ) -> Result<T, SeamcallError> {
        let start = Instant::now();
        let r = emulate::with_module(&mut self.rec, f);
        let elapsed = start.elapsed();
        let new = &self.rec.calls()[self.calls..];
        let each = elapsed / new.len().max(1) as u32;
        for c in new {
            println!("  {c}  [{}]", micros(each));
        }
        self.traced += new.len();
        self.calls = self.rec.calls().len();
        r
    }

    fn model(&mut self) -> &mut Model {
        self.rec.inner_mut()
    }
}

fn micros(d: Duration) -> String {
    format!("{:.1} µs", d.as_secs_f64() * 1e6)
}

fn main() -> Result<(), SeamcallError> {
    let mut model = Model::new();
    prepare_memory(&mut model);
    // Scripted failures, on chosen calls: the first TDH.MNG.CREATE finds no
    // entropy, the first TDH.MEM.RANGE.BLOCK finds the S-EPT busy.
    model.inject(
        When::Leaf { leaf: 9, nth: 0 },
        Inject::Status(TdxStatus::RND_NO_ENTROPY),
    );
    model.inject(
        When::Leaf { leaf: 7, nth: 0 },
        Inject::Status(TdxStatus::from_raw(
            TdxStatus::OPERAND_BUSY.raw() | u64::from(OperandId::Sept.raw()),
        )),
    );
    let mut host = Host::new(model);
    let mut pages = Pages(TDMR);

    println!("TDX module initialization");
    unsafe {
        host.call(|| tdh_sys_rd(fields::sys::TDX_FEATURES0))?;
        host.call(|| tdh_sys_init(0).into_result())?;
        host.call(|| tdh_sys_lp_init().into_result())?;
        host.call(|| tdh_sys_config(pa(TDMR_LIST), 1, Hkid(32).into()))?;
        host.call(|| tdh_sys_key_config())?;
        let mut next = TDMR;
        while next < TDMR + TDMR_SIZE {
            next = host.call(|| tdh_sys_tdmr_init(pa(TDMR)))?.as_u64();
        }
    }

    println!("\nTD build (the first MNG.CREATE is retried: no entropy)");
    let tdr = pages.next();
    let tdvpr;
    let sept: Vec<PhysAddr> = (0..3).map(|_| pages.next()).collect();
    let guest: Vec<PhysAddr> = (0..2).map(|_| pages.next()).collect();
    unsafe {
        host.call(|| tdh_mng_create(tdr, Hkid(HKID)))?;
        host.call(|| tdh_mng_key_config(tdr))?;
        for _ in 0..seamcall_core::emulate::model::TDCS_PAGES {
            let p = pages.next();
            host.call(|| tdh_mng_addcx(p, tdr))?;
        }
        host.call(|| tdh_mng_init(tdr, pa(TD_PARAMS), 0).into_result())?;
        tdvpr = pages.next();
        host.call(|| tdh_vp_create(tdvpr, tdr))?;
        for _ in 1..seamcall_core::emulate::model::TDVPS_PAGES {
            let p = pages.next();
            host.call(|| tdh_vp_addcx(p, tdvpr))?;
        }
        host.call(|| tdh_vp_init(tdvpr, 0, 0))?;
        // S-EPT pages for GPA 0: levels 3 (PDPT), 2 (PD), 1 (PT).
        for (level, sept_page) in (1..=3u8).rev().zip(&sept) {
            let gpa = GpaLevel::new(0, SeptLevel::new(level).expect("level 1-3")).expect("GPA 0");
            host.call(|| tdh_mem_sept_add(gpa, tdr, *sept_page).into_result())?;
        }
        // Two pages of guest image at GPA 0 and 0x1000; the first measured.
        for (i, target) in guest.iter().enumerate() {
            let gpa = i as u64 * 4096;
            host.call(|| tdh_mem_page_add(page(gpa), tdr, *target, pa(IMAGE + gpa)).into_result())?;
        }
        // Sixteen near-identical calls: one summary line instead of sixteen.
        let start = Instant::now();
        for chunk in 0..16u64 {
            emulate::with_module(&mut host.rec, || tdh_mr_extend(chunk * 256, tdr))
                .into_result()?;
        }
        host.summarize("the 256-byte chunks of GPA 0x0-0xfff", start.elapsed());
        host.call(|| tdh_mr_finalize(tdr))?;
    }
    let mut mrtd = Vec::new();
    for i in 0..fields::td::MRTD.elements() {
        let v = unsafe { host.call(|| tdh_mng_rd(tdr, mrtd_element(i)))? };
        mrtd.extend(v.to_le_bytes());
    }
    // What TDH.MNG.RD returned is the SHA-384 the module computed over the
    // measured pages.
    let computed = host.model().mrtd(tdr.as_u64()).expect("finalized");
    assert_eq!(mrtd, computed, "MRTD read through fields::td::MRTD");
    let hex: String = mrtd.iter().map(|b| format!("{b:02x}")).collect();
    println!(
        "\nMRTD = {hex}  (fields::td::MRTD, {:#x})",
        fields::td::MRTD.raw()
    );

    println!("\nRuntime memory (the first RANGE.BLOCK is busy: retried once, as KVM does)");
    let aug = pages.next();
    unsafe {
        host.call(|| tdh_mem_page_aug(page(0x2000), tdr, aug).into_result())?;
        if let Err(e) = host.call(|| tdh_mem_range_block(page(0x2000), tdr).into_result()) {
            assert_eq!(e.status().code(), TdxStatus::OPERAND_BUSY);
            host.call(|| tdh_mem_range_block(page(0x2000), tdr).into_result())?;
        }
        host.call(|| tdh_mem_track(tdr))?;
        host.call(|| tdh_mem_page_remove(page(0x2000), tdr).into_result())?;
    }

    println!("\nFailure cases");
    unsafe {
        // Out of order: measuring after the TD is finalized.
        let e = host
            .call(|| tdh_mr_extend(0, tdr).into_result())
            .expect_err("MR.EXTEND after MR.FINALIZE must fail");
        println!("    out of order -> {e}");
        // Another TD takes a page that is already the first TD's TDR.
        let e = host
            .call(|| tdh_mng_create(tdr, Hkid(HKID + 1)))
            .expect_err("a page belongs to one TD object");
        println!("    page in use -> {e}");
    }
    // No module on this thread: the instruction faults for real and the
    // exception table turns the fault into an error.
    let start = Instant::now();
    let e = unsafe { tdh_mng_rd(tdr, mrtd_element(0)) }.expect_err("no module, no TDX");
    println!(
        "  TDH.MNG.RD without a module -> {e} ({:?})  [{}]",
        e.kind(),
        micros(start.elapsed())
    );
    // VMfailInvalid: the module is not loaded (CF=1).
    let next_call = host.rec.inner().calls();
    host.model()
        .inject(When::Call(next_call), Inject::VmFailInvalid);
    let e = unsafe { host.call(|| tdh_mng_rd(tdr, mrtd_element(0))) }.expect_err("injected");
    assert_eq!(e.kind(), ErrorKind::VmFailInvalid);
    println!("    -> {e}");

    println!("\nTeardown");
    unsafe {
        host.call(|| tdh_vp_flush(tdvpr))?;
        host.call(|| tdh_mng_vpflushdone(tdr))?;
        host.call(|| tdh_phymem_cache_wb(false))?;
        host.call(|| tdh_mng_key_freeid(tdr))?;
        let mut used: Vec<PhysAddr> = (TDMR + 4096..pages.0)
            .step_by(4096)
            .map(pa)
            .filter(|p| *p != aug)
            .collect();
        used.push(tdr);
        for p in used {
            host.call(|| tdh_phymem_page_reclaim(p).into_result())?;
        }
    }
    let model = host.rec.inner();
    // What the README says this prints: every answered SEAMCALL is shown,
    // on a trace line of its own or in a summary line.
    assert_eq!(host.calls, host.rec.calls().len(), "calls not shown");
    assert_eq!((host.traced + host.summarized) as u64, model.calls());
    println!(
        "\n{} SEAMCALLs answered ({} traced one per line, {} in a summary line); \
         {} pages still assigned to a TD.",
        model.calls(),
        host.traced,
        host.summarized,
        model.assigned_pages()
    );
    Ok(())
}

/// What the host puts in memory before the calls that read it: the TDMR
/// list (one `TDMR_INFO`), `TD_PARAMS`, and the guest image.
fn prepare_memory(model: &mut Model) {
    let mem = model.memory_mut();
    mem.write_u64(TDMR_LIST, TDMR_INFO);
    mem.write_u64(TDMR_INFO, TDMR);
    mem.write_u64(TDMR_INFO + 8, TDMR_SIZE);
    mem.write(TD_PARAMS, &TdParams::default().to_bytes());
    let mut image = vec![0u8; 8192];
    let text = b"\xf4 seamcall demo guest: this page is measured into MRTD ";
    for (i, b) in image.iter_mut().enumerate() {
        *b = text[i % text.len()];
    }
    mem.write(IMAGE, &image);
}
