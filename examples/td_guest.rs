//! One platform, both sides: the host builds and measures a TD on the
//! emulated TDX module, then a guest thread runs as the TD's vCPU on the
//! same module, accepts its memory, extends an RTMR and asks for a
//! TDREPORT, whose MRTD is the one the host's build produced.
//!
//! ```sh
//! cargo run --example td_guest
//! ```
//!
//! The host side is the catalog's SEAMCALL leaves (`seamcall_core::leaves`)
//! under `emulate::with_module`; the guest side is the guest catalog's
//! TDCALL leaves (`seamcall_core::guest::tdg_*`) under `emulate::with_guest`
//! with the model's vCPU (`Model::vcpu`) as the guest module. Both are the
//! real machine code a kernel and a TD would run; here the instruction
//! faults, and the emulator answers it from the one `emulate::model::Model`.
//!
//! TDG.VP.VMCALL goes to the default VMM model (`emulate::vmm::GhciVmm`,
//! KVM's answers to the boot-time GHCI calls) behind a recorder: the guest
//! converts 4 MiB to shared with MapGPA (`guest::map_gpa`), and the VMM,
//! with events pending, stops after the first 2 MiB with RETRY and the
//! resume address in R11, as KVM does.

use seamcall_core::emulate::model::{Model, PhysWindow, TdParams, TDCS_PAGES, TDVPS_PAGES};
use seamcall_core::emulate::vmm::{self, GhciVmm, VmcallExit, Vmm};
use seamcall_core::emulate::{with_guest, with_module};
use seamcall_core::fields::td;
use seamcall_core::guest::{self as g, status, TdcallError};
use seamcall_core::leaves::*;
use seamcall_core::{Hkid, TdxStatus};

/// One 1 GiB TDMR at 1 GiB; the window is its first 8 MiB.
const TDMR: u64 = 1 << 30;
const WINDOW: usize = 8 << 20;
/// The TD's private key id.
const HKID: u16 = 40;
/// GPAs: the measured image page, a page added unmeasured, a 2 MiB range
/// the host augments whole, and four pages of the next range.
const IMAGE_GPA: u64 = 0;
const DATA_GPA: u64 = 0x1000;
const RANGE_2M: u64 = 0x20_0000;
const SMALL: u64 = 0x40_0000;
const SMALL_PAGES: u64 = 4;
/// The range the guest converts to shared (GPA, shared bit clear).
const TO_SHARED: u64 = 0x80_0000;
const TO_SHARED_LEN: u64 = 4 << 20;

/// What the run produced, for the test that runs this example.
pub struct Summary {
    /// MRTD as the host read it with TDH.MNG.RD.
    pub host_mrtd: Vec<u8>,
    /// The guest's TDREPORT_STRUCT.
    pub report: Vec<u8>,
    /// 2 MiB accepts that succeeded, and 4 KiB ones.
    pub accepted: (u64, u64),
    /// The RTMR the guest extended, as the model keeps it.
    pub rtmr2: [u8; 48],
    /// Pages the host augmented that the host sees mapped afterwards.
    pub mapped_after: u64,
    /// MapGPA calls the VMM saw, and how many it answered with RETRY.
    pub map_gpa: (usize, usize),
    /// The shared ranges the VMM holds afterwards.
    pub shared: Vec<(u64, u64)>,
}

fn pa(a: u64) -> PhysAddr {
    PhysAddr::new(a)
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// The VMM behind the TDG.MR.REPORT call, which makes no TDG.VP.VMCALL.
struct NoVmm;

impl Vmm for NoVmm {
    fn tdvmcall(&mut self, _: &mut VmcallExit) {
        unreachable!("TDG.MR.REPORT makes no TDG.VP.VMCALL");
    }
}

fn alloc(w: &PhysWindow) -> PhysAddr {
    pa(w.alloc_page().expect("the window has room"))
}

fn ok(s: TdxStatus) -> Result<(), Box<dyn std::error::Error>> {
    s.into_result().map(|_| ()).map_err(Into::into)
}

/// The host side: build, measure, finalize, augment; the TDR, the TDVPR
/// and the MRTD read back with TDH.MNG.RD.
fn host(
    model: &mut Model,
    w: &PhysWindow,
) -> Result<(u64, u64, Vec<u8>), Box<dyn std::error::Error>> {
    let params = alloc(w);
    w.write(params.as_u64(), &TdParams::default().to_bytes())?;
    let source = alloc(w);
    let text = b"seamcall td_guest example: this page is measured into MRTD. ";
    let image: Vec<u8> = (0..4096).map(|i| text[i % text.len()]).collect();
    w.write(source.as_u64(), &image)?;
    let tdr = alloc(w);
    let tdvpr = alloc(w);
    with_module(model, || -> Result<_, Box<dyn std::error::Error>> {
        unsafe {
            tdh_mng_create(tdr, Hkid(HKID))?;
            tdh_mng_key_config(tdr)?;
            for _ in 0..TDCS_PAGES {
                tdh_mng_addcx(alloc(w), tdr)?;
            }
            ok(tdh_mng_init(tdr, params, 0).0)?;
            tdh_vp_create(tdvpr, tdr)?;
            for _ in 1..TDVPS_PAGES {
                tdh_vp_addcx(alloc(w), tdvpr)?;
            }
            tdh_vp_init(tdvpr, 0, 0)?;
            // S-EPT: the PDPT and PD for GPA 0, a PT per 2 MiB range used.
            for (gpa, level) in [(0, 3), (0, 2), (0, 1), (RANGE_2M, 1), (SMALL, 1)] {
                let l = SeptLevel::new(level).expect("level 1-3");
                ok(tdh_mem_sept_add(GpaLevel::new(gpa, l).expect("aligned"), tdr, alloc(w)).0)?;
            }
            let page = |gpa| GpaLevel::page(gpa).expect("aligned");
            ok(tdh_mem_page_add(page(IMAGE_GPA), tdr, alloc(w), source).0)?;
            for chunk in 0..16 {
                ok(tdh_mr_extend(IMAGE_GPA + chunk * 256, tdr).0)?;
            }
            w.write(source.as_u64(), &[0; 4096])?;
            ok(tdh_mem_page_add(page(DATA_GPA), tdr, alloc(w), source).0)?;
            tdh_mr_finalize(tdr)?;
            let mut mrtd = Vec::new();
            for i in 0..6 {
                let f = td::MRTD.element(i).expect("six elements");
                mrtd.extend(tdh_mng_rd(tdr, f)?.to_le_bytes());
            }
            // Runtime memory the guest must accept: a whole 2 MiB range,
            // and four pages of the next one.
            for i in 0..512 {
                ok(tdh_mem_page_aug(page(RANGE_2M + i * 4096), tdr, alloc(w)).0)?;
            }
            for i in 0..SMALL_PAGES {
                ok(tdh_mem_page_aug(page(SMALL + i * 4096), tdr, alloc(w)).0)?;
            }
            Ok((tdr.as_u64(), tdvpr.as_u64(), mrtd))
        }
    })
}

/// One accept; `Ok(false)` for a page already accepted, at any level
/// (`status::already_accepted`: the level is in bits 31:0, so an exact
/// compare with the 4 KiB value misses a 2 MiB page).
fn accept(gpa: u64, level: SeptLevel) -> Result<bool, TdcallError> {
    let op = GpaLevel::new(gpa, level).expect("aligned");
    match unsafe { g::tdg_mem_page_accept(op) } {
        Err(e) if status::already_accepted(e.status()).is_some() => Ok(false),
        r => r.map(|()| true),
    }
}

/// Accept `[start, start + len)` as Linux does: 2 MiB where the range
/// allows it, 4 KiB pages where the module answers TDX_PAGE_SIZE_MISMATCH
/// or the range is shorter; counts the fresh accepts.
fn accept_range(start: u64, len: u64, counts: &mut (u64, u64)) -> Result<(), TdcallError> {
    const M2: u64 = 2 << 20;
    let end = start + len;
    let mut gpa = start;
    while gpa < end {
        if gpa % M2 == 0 && end - gpa >= M2 {
            match accept(gpa, SeptLevel::L2M) {
                Ok(fresh) => {
                    counts.0 += u64::from(fresh);
                    gpa += M2;
                    continue;
                }
                Err(e) if e.is(TdxStatus::PAGE_SIZE_MISMATCH) => {}
                Err(e) => return Err(e),
            }
        }
        let stop = ((gpa / M2 + 1) * M2).min(end);
        while gpa < stop {
            counts.1 += u64::from(accept(gpa, SeptLevel::L4K)?);
            gpa += 4096;
        }
    }
    Ok(())
}

/// Run the example; what it printed is also returned.
pub fn run() -> Result<Summary, Box<dyn std::error::Error>> {
    let window = PhysWindow::new(TDMR, WINDOW)?;
    let mut model = Model::ready(TDMR, 1 << 30).with_window(&window)?;
    println!(
        "host: build and measure the TD (TDH.MNG.CREATE .. TDH.MR.FINALIZE, 516 TDH.MEM.PAGE.AUG)"
    );
    let (tdr, tdvpr, host_mrtd) = host(&mut model, &window)?;
    println!("host: MRTD = {}", hex(&host_mrtd));

    // The guest's private memory: its GPAs through the S-EPT to the window
    // (what the TD's own page tables would give it).
    let hpa_of = |m: &Model, gpa: u64| m.mapping(tdr, gpa).map(|(hpa, _)| hpa + gpa % 4096);
    let data = hpa_of(&model, DATA_GPA).ok_or("data page")?;
    let report_gpa = RANGE_2M;
    let report_data_gpa = RANGE_2M + 0x1000;

    // The guest runs on its own thread, as the vCPU `tdvpr`.
    let mut counts = (0, 0);
    let guest_result = std::thread::scope(|s| {
        s.spawn(|| {
            let mut ghci = GhciVmm::new();
            ghci.set_events_pending(true);
            let mut vmm = vmm::Recorder::new(ghci);
            let mut vcpu = model.vcpu(tdvpr, &mut vmm);
            let r = with_guest(&mut vcpu, || -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
                let (gpaw, attrs, vcpus, index, _, _) = g::tdg_vp_info()?;
                println!(
                    "guest: TDG.VP.INFO: GPA width {gpaw}, ATTRIBUTES {attrs:#x}, {} of {} vCPUs, index {index}",
                    vcpus as u32,
                    vcpus >> 32
                );
                accept_range(RANGE_2M, 2 << 20, &mut counts)?;
                // The next range holds four 4 KiB pages, not a 2 MiB page.
                let e = accept(SMALL, SeptLevel::L2M).expect_err("four pages only");
                println!("guest: 2 MiB accept at {SMALL:#x} -> {e}");
                accept_range(SMALL, SMALL_PAGES * 4096, &mut counts)?;
                // Again: already accepted at level 1 and 0, taken as done.
                accept_range(RANGE_2M, 2 << 20, &mut counts)?;
                println!(
                    "guest: TDG.MEM.PAGE.ACCEPT: {} x 2 MiB, {} x 4 KiB; the second pass found them accepted",
                    counts.0, counts.1
                );
                // Extend RTMR2 with 48 bytes of the guest's own memory.
                let digest: Vec<u8> = (0..48u8).map(|i| i.wrapping_mul(37)).collect();
                window.write(data, &digest).expect("the page is in the window");
                unsafe { g::tdg_mr_rtmr_extend(pa(DATA_GPA), 2)? };
                println!("guest: TDG.MR.RTMR.EXTEND RTMR2");
                // Convert 4 MiB to shared: the shared bit (47) set.
                unsafe { g::map_gpa(TO_SHARED | 1 << 47, TO_SHARED_LEN, 3)? };
                Ok(())
            });
            let calls = vmm.calls();
            let retries = calls
                .iter()
                .filter(|c| c.status() == Some(g::TdvmcallStatus::RETRY))
                .count();
            for c in calls {
                let status = c.status().and_then(|s| s.name()).unwrap_or("?");
                let resume = if c.status() == Some(g::TdvmcallStatus::RETRY) {
                    format!(", resume at R11 = {:#x}", c.answer.gprs[11])
                } else {
                    String::new()
                };
                println!(
                    "guest: TDG.VP.VMCALL<{}> GPA {:#x}, {:#x} bytes -> {status}{resume}",
                    c.name().unwrap_or("?"),
                    c.seen.gprs[12],
                    c.seen.gprs[13],
                );
            }
            r.map(|()| ((calls.len(), retries), vmm.inner().shared_ranges()))
        })
        .join()
    });
    let (map_gpa, shared) = guest_result
        .map_err(|_| "the guest thread panicked")?
        .map_err(|e| e.to_string())?;
    println!("VMM: shared ranges {shared:x?}");

    // REPORTDATA, then TDG.MR.REPORT (on this thread, the same vCPU).
    let mut report_data = [0u8; 64];
    report_data[..25].copy_from_slice(b"seamcall td_guest example");
    window.write(
        hpa_of(&model, report_data_gpa).ok_or("REPORTDATA page")?,
        &report_data,
    )?;
    let mut vmm = NoVmm;
    with_guest(&mut model.vcpu(tdvpr, &mut vmm), || unsafe {
        g::tdg_mr_report(pa(report_gpa), pa(report_data_gpa), 0)
    })?;
    let mut report = vec![0u8; 1024];
    let (hpa, _) = model.mapping(tdr, report_gpa).ok_or("report page")?;
    model.read_phys(hpa, &mut report)?;
    println!("guest: TDG.MR.REPORT:");
    println!("  REPORTTYPE   {}", hex(&report[0..4]));
    println!(
        "  REPORTDATA   {}",
        String::from_utf8_lossy(&report[128..153])
    );
    println!("  ATTRIBUTES   {}", hex(&report[512..520]));
    println!("  XFAM         {}", hex(&report[520..528]));
    println!("  MRTD         {}", hex(&report[528..576]));
    println!("  RTMR2        {}", hex(&report[816..864]));
    println!("  MAC (model)  {}", hex(&report[224..256]));
    let same = report[528..576] == host_mrtd[..];
    println!(
        "TDREPORT MRTD {} the host's TDH.MNG.RD MRTD",
        if same { "equals" } else { "DIFFERS FROM" }
    );
    let mapped_after = (0..512)
        .map(|i| RANGE_2M + i * 4096)
        .chain((0..SMALL_PAGES).map(|i| SMALL + i * 4096))
        .filter(|gpa| model.mapping(tdr, *gpa).is_some_and(|m| m.1))
        .count() as u64;
    println!("host: {mapped_after} augmented pages now mapped in the S-EPT");
    Ok(Summary {
        host_mrtd,
        rtmr2: model.rtmr(tdr, 2).ok_or("RTMR2")?,
        report,
        accepted: counts,
        mapped_after,
        map_gpa,
        shared,
    })
}

#[allow(dead_code)]
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let s = run()?;
    if s.report[528..576] != s.host_mrtd[..] {
        return Err("the TDREPORT's MRTD is not the host's".into());
    }
    Ok(())
}
