//! The guest side of the software module (`emulate::model`, `Model::vcpu`)
//! through the real guest catalog under `with_guest`: every TDG leaf the
//! model implements, its errors with the module's statuses, the
//! dispatcher's rejects, the registers each leaf must leave alone,
//! TDG.VP.VMCALL handed to the VMM with the TD's NO_RBP_MOD (a hostile VMM
//! reaches only the exposed registers; MapGPA RETRY loops stay bounded),
//! and the platform the host and the guest share (host AUG → guest ACCEPT
//! → host sees it mapped; the guest's TDREPORT carries the host's MRTD).

use std::panic::{catch_unwind, AssertUnwindSafe};

use seamcall_core::emulate::model::{
    BuiltTd, GuestStop, Release, TdConfig, TdParams, TDREPORT_MAC_KEY,
};
use seamcall_core::emulate::vmm::{self, GhciVmm, VmcallExit, Vmm};
use seamcall_core::emulate::{with_guest, with_module, Outcome, Regs};
use seamcall_core::fields::{sys, td, vcpu, vmcs, TdField};
use seamcall_core::guest::{self as g, TdcallError};
use seamcall_core::x86_64::PhysAddr;
use seamcall_core::{tdcall, FieldId, TdxStatus};
use seamcall_core::{GpaLevel, SeptLevel};
use sha2::{Digest, Sha384};

/// A VMM the leaves other than TDG.VP.VMCALL never reach.
struct NoVmm;

impl Vmm for NoVmm {
    fn tdvmcall(&mut self, _: &mut VmcallExit) {
        panic!("no TDG.VP.VMCALL expected");
    }
}

const PENDING: u64 = BuiltTd::PENDING_BASE;
/// An unmeasured private page (the image is page 0).
const DATA: u64 = 0x1000;
const REPORT: u64 = 0x2000;
const REPORT_DATA: u64 = 0x3000;
const SEPT_VE_DISABLE: u64 = 1 << 28;

fn built(cfg: TdConfig) -> BuiltTd {
    cfg.build()
        .unwrap_or_else(|e| panic!("building the TD: {e}"))
}

fn td() -> BuiltTd {
    built(TdConfig::default())
}

/// Run `f` as the TD's vCPU number `n`.
fn on_vcpu<R>(t: &mut BuiltTd, n: usize, f: impl FnOnce() -> R) -> R {
    let tdvpr = t.tdvprs[n];
    let mut vmm = NoVmm;
    let mut vcpu = t.model.vcpu(tdvpr, &mut vmm);
    with_guest(&mut vcpu, f)
}

fn guest<R>(t: &mut BuiltTd, f: impl FnOnce() -> R) -> R {
    on_vcpu(t, 0, f)
}

/// The raw status of a failed call.
fn raw<T: std::fmt::Debug>(r: Result<T, TdcallError>) -> u64 {
    r.expect_err("the call should fail").raw()
}

fn pa(gpa: u64) -> PhysAddr {
    PhysAddr::new(gpa)
}

fn accept(gpa: u64, level: SeptLevel) -> Result<(), TdcallError> {
    let op = GpaLevel::new(gpa, level).expect("aligned GPA");
    unsafe { g::tdg_mem_page_accept(op) }
}

const OPERAND_INVALID: u64 = 0xC000_0100_0000_0000;
const RCX: u64 = 1;
const RDX: u64 = 2;
const R8: u64 = 8;

#[test]
fn vp_info_is_the_hosts_td_params() {
    let params = TdParams {
        attributes: SEPT_VE_DISABLE,
        max_vcpus: 2,
        eptp_controls: (4 << 3) | 6,
        config_flags: 1,
        ..TdParams::default()
    };
    let mut t = built(TdConfig {
        params,
        ..TdConfig::default()
    });
    let info0 = on_vcpu(&mut t, 0, g::tdg_vp_info);
    let info1 = on_vcpu(&mut t, 1, g::tdg_vp_info);
    assert_eq!(info0, Ok((52, SEPT_VE_DISABLE, 2 | 2 << 32, 0, 1, 0)));
    assert_eq!(info1.map(|i| i.3), Ok(1), "the second vCPU's index");
    let mut t = td();
    assert_eq!(
        guest(&mut t, g::tdg_vp_info),
        Ok((48, 0, 1 | 1 << 32, 0, 1, 0))
    );
}

#[test]
fn rtmr_extend_is_sha384_of_the_old_value_and_the_data() {
    let mut t = td();
    let data: Vec<u8> = (0..48).map(|i| i as u8 ^ 0x5a).collect();
    t.write_gpa(DATA + 64, &data).unwrap();
    let r = guest(&mut t, || unsafe {
        g::tdg_mr_rtmr_extend(pa(DATA + 64), 2)?;
        g::tdg_mr_rtmr_extend(pa(DATA + 64), 2)
    });
    assert_eq!(r, Ok(()));
    let once: [u8; 48] = Sha384::new()
        .chain_update([0u8; 48])
        .chain_update(&data)
        .finalize()
        .into();
    let twice: [u8; 48] = Sha384::new()
        .chain_update(once)
        .chain_update(&data)
        .finalize()
        .into();
    assert_eq!(t.model.rtmr(t.tdr, 2), Some(twice));
    assert_eq!(t.model.rtmr(t.tdr, 0), Some([0; 48]), "only RTMR2 changed");

    let errors = guest(&mut t, || unsafe {
        [
            raw(g::tdg_mr_rtmr_extend(pa(DATA + 32), 0)),
            raw(g::tdg_mr_rtmr_extend(pa(DATA), 4)),
            raw(g::tdg_mr_rtmr_extend(pa(t_shared(DATA)), 0)),
            raw(g::tdg_mr_rtmr_extend(pa(1 << 48), 0)),
        ]
    });
    assert_eq!(
        errors,
        [
            OPERAND_INVALID | RCX,
            OPERAND_INVALID | RDX,
            OPERAND_INVALID | RCX,
            OPERAND_INVALID | RCX
        ],
        "misaligned, index 4, shared GPA, beyond the GPA width"
    );
    assert_eq!(
        t.model.rtmr(t.tdr, 2),
        Some(twice),
        "failed calls change nothing"
    );
}

/// The shared alias (bit 47) of a GPA of a 48-bit TD.
fn t_shared(gpa: u64) -> u64 {
    gpa | 1 << 47
}

fn report_of(t: &BuiltTd, gpa: u64) -> Vec<u8> {
    let mut r = vec![0u8; 1024];
    t.read_gpa(gpa, &mut r).unwrap();
    r
}

#[test]
fn report_has_the_architectural_layout() {
    let mut t = td();
    let report_data: Vec<u8> = (0..64).map(|i| 0xA0 ^ i as u8).collect();
    t.write_gpa(REPORT_DATA, &report_data).unwrap();
    t.write_gpa(DATA, &[7; 48]).unwrap();
    let r = guest(&mut t, || unsafe {
        g::tdg_mr_rtmr_extend(pa(DATA), 1)?;
        g::tdg_mr_report(pa(REPORT), pa(REPORT_DATA), 0)
    });
    assert_eq!(r, Ok(()));
    let rep = report_of(&t, REPORT);
    assert_eq!(
        &rep[0..4],
        &[0x81, 0, 0, 0],
        "REPORTTYPE: TDX, sub-type 0, version 0"
    );
    assert_eq!(&rep[128..192], &report_data[..], "REPORTDATA");
    assert_eq!(&rep[512..520], &0u64.to_le_bytes(), "ATTRIBUTES");
    assert_eq!(&rep[520..528], &3u64.to_le_bytes(), "XFAM");
    assert_eq!(&rep[528..576], &t.mrtd[..], "MRTD");
    assert_ne!(t.mrtd, [0; 48]);
    let rtmr1 = t.model.rtmr(t.tdr, 1).unwrap();
    assert_eq!(&rep[768..816], &rtmr1[..], "RTMR1");
    assert_eq!(&rep[720..768], &[0; 48][..], "RTMR0");
    let tcb: [u8; 48] = Sha384::digest(&rep[256..512]).into();
    let info: [u8; 48] = Sha384::digest(&rep[512..1024]).into();
    assert_eq!(&rep[32..80], &tcb[..], "TEE_TCB_INFO_HASH");
    assert_eq!(&rep[80..128], &info[..], "TEE_INFO_HASH");
    let mac = Sha384::new()
        .chain_update(TDREPORT_MAC_KEY)
        .chain_update(&rep[..224])
        .finalize();
    assert_eq!(&rep[224..256], &mac[..32], "the model's MAC");
    assert_eq!(
        &rep[256..264],
        &0x1FFu64.to_le_bytes(),
        "TEE_TCB_INFO.VALID"
    );

    // A shared output buffer (the VMM's memory), and the errors.
    let shared = t.alloc_shared().unwrap();
    let r = guest(&mut t, || unsafe {
        g::tdg_mr_report(pa(shared), pa(REPORT_DATA), 0)?;
        Ok::<_, TdcallError>([
            raw(g::tdg_mr_report(pa(REPORT + 512), pa(REPORT_DATA), 0)),
            raw(g::tdg_mr_report(pa(REPORT), pa(REPORT_DATA + 32), 0)),
            raw(g::tdg_mr_report(pa(REPORT), pa(REPORT_DATA), 1)),
            raw(g::tdg_mr_report(pa(REPORT), pa(1 << 48), 0)),
        ])
    });
    assert_eq!(
        r,
        Ok([
            OPERAND_INVALID | RCX,
            OPERAND_INVALID | RDX,
            OPERAND_INVALID | R8,
            OPERAND_INVALID | RDX
        ])
    );
    assert_eq!(
        report_of(&t, shared),
        rep,
        "the same report in shared memory"
    );
}

#[test]
fn accept_4k_zeroes_the_page_and_maps_it_for_the_host() {
    let mut t = td();
    let (hpa, usable) = t.model.mapping(t.tdr, PENDING).unwrap();
    assert!(!usable, "AUG leaves it pending");
    // Dirty the page behind the model's back: the accept zeroes it.
    let p = t.window.virt_of(hpa).unwrap();
    // SAFETY: `p` is the start of a 4 KiB page of the window.
    unsafe { p.write_bytes(0xEE, 4096) };
    let r = guest(&mut t, || {
        (
            accept(PENDING, SeptLevel::L4K),
            raw(accept(PENDING, SeptLevel::L4K)),
        )
    });
    assert_eq!(
        r,
        (Ok(()), 0x0000_0B0A_0000_0000),
        "then already accepted, level 0"
    );
    assert_eq!(t.model.mapping(t.tdr, PENDING), Some((hpa, true)));
    let mut page = vec![1u8; 4096];
    t.read_gpa(PENDING, &mut page).unwrap();
    assert!(page.iter().all(|b| *b == 0), "accepted pages are zeroed");
    let info = guest(&mut t, || {
        accept(PENDING, SeptLevel::L4K).unwrap_err().info()
    });
    assert_eq!(
        info,
        Some(g::Info::PageAlreadyAccepted {
            level: SeptLevel::L4K
        })
    );
}

#[test]
fn accept_2m_an_already_accepted_2m_page_and_size_mismatch() {
    let mut t = td();
    let r = guest(&mut t, || {
        [
            accept(PENDING, SeptLevel::L2M).map_or_else(|e| e.raw(), |()| 0),
            raw(accept(PENDING, SeptLevel::L2M)),
            raw(accept(PENDING + 0x5000, SeptLevel::L4K)),
        ]
    });
    // The already accepted 2 MiB page carries level 1: td-shim's exact
    // compare with ...0000 misses it, OpenVMM panics on it.
    assert_eq!(r, [0, 0x0000_0B0A_0000_0001, 0x0000_0B0A_0000_0001]);
    for i in 0..512 {
        assert_eq!(
            t.model.mapping(t.tdr, PENDING + i * 4096).map(|m| m.1),
            Some(true),
            "page {i}"
        );
    }
    assert_eq!(
        guest(&mut t, || accept(PENDING, SeptLevel::L2M)
            .unwrap_err()
            .info()),
        Some(g::Info::PageAlreadyAccepted {
            level: SeptLevel::L2M
        })
    );

    // Part of a 2 MiB range accepted at 4 KiB: a 2 MiB accept is a size
    // mismatch at level 1, as on a range the host mapped with 4 KiB pages.
    let mut t = td();
    let r = guest(&mut t, || {
        accept(PENDING + 0x1000, SeptLevel::L4K).unwrap();
        raw(accept(PENDING, SeptLevel::L2M))
    });
    assert_eq!(r, 0xC000_0B0B_0000_0001);
    assert_eq!(
        t.model.mapping(t.tdr, PENDING).map(|m| m.1),
        Some(false),
        "nothing accepted"
    );
}

#[test]
fn accept_rejects_1g_bad_operands_and_stops_on_unmapped_gpas() {
    let mut t = td();
    let r = guest(&mut t, || unsafe {
        [
            raw(accept(0, SeptLevel::L1G)),
            raw(g::tdg_mem_page_accept(GpaLevel::from_raw(PENDING | 0x8))),
            raw(g::tdg_mem_page_accept(GpaLevel::from_raw(
                (PENDING + 0x1000) | 1,
            ))),
            raw(accept(t_shared(PENDING), SeptLevel::L4K)),
        ]
    });
    assert_eq!(
        r,
        [OPERAND_INVALID | RCX; 4],
        "1 GiB, reserved bit, 2 MiB misaligned, shared"
    );
    // A GPA with no S-EPT leaf: an EPT-violation TD exit, not a status.
    let tdvpr = t.tdvpr();
    let stop = catch_unwind(AssertUnwindSafe(|| {
        guest(&mut t, || accept(PENDING + (4 << 20), SeptLevel::L4K))
    }));
    let msg = stop.expect_err("the TDCALL does not complete");
    let msg = msg.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(msg.contains("EPT-violation TD exit"), "{msg}");
    assert_eq!(
        t.model.guest_stop(tdvpr),
        Some(GuestStop::EptViolation {
            leaf: 6,
            gpa: PENDING + (4 << 20)
        })
    );
}

#[test]
fn pending_page_access_raises_ve_or_exits_as_td_ctls_says() {
    // CONFIG_FLAGS.FLEXIBLE_PENDING_VE (bit 1): the guest may change
    // TD_CTLS.PENDING_VE_DISABLE.
    let mut t = built(TdConfig {
        params: TdParams {
            config_flags: 1 << 1,
            ..TdParams::default()
        },
        ..TdConfig::default()
    });
    let tdvpr = t.tdvpr();
    let before = guest(&mut t, || {
        (raw(g::tdg_vp_veinfo_get()), g::tdg_vp_veinfo_get())
    });
    let no_info = TdxStatus::NO_VALID_VE_INFO.raw();
    assert_eq!(before.0, no_info);
    let stop = catch_unwind(AssertUnwindSafe(|| {
        guest(&mut t, || unsafe { g::tdg_mr_rtmr_extend(pa(PENDING), 0) })
    }));
    assert!(stop.is_err());
    assert_eq!(
        t.model.guest_stop(tdvpr),
        Some(GuestStop::VirtualizationException {
            leaf: 2,
            gpa: PENDING
        })
    );
    let info = guest(&mut t, || {
        (g::tdg_vp_veinfo_get(), raw(g::tdg_vp_veinfo_get()))
    });
    assert_eq!(
        info.0,
        Ok((48, 1, 0, PENDING, 0)),
        "EPT violation, read, at the GPA"
    );
    assert_eq!(info.1, no_info, "reading it consumed it");

    // Without FLEXIBLE_PENDING_VE the guest may not change the bit.
    let mut rigid = td();
    let refused = guest(&mut rigid, || unsafe { g::tdg_vm_wr(0, td::TD_CTLS, 1, 1) });
    assert_eq!(
        raw(refused),
        0xC000_0C03_0000_0000,
        "METADATA_FIELD_VALUE_NOT_VALID"
    );
    // TD_CTLS.PENDING_VE_DISABLE (set here by the guest) turns it into a TD exit.
    let prev = guest(&mut t, || unsafe { g::tdg_vm_wr(0, td::TD_CTLS, 1, 1) });
    assert_eq!(prev, Ok(0));
    let stop = catch_unwind(AssertUnwindSafe(|| {
        guest(&mut t, || unsafe {
            g::tdg_mr_report(pa(PENDING), pa(REPORT_DATA), 0)
        })
    }));
    assert!(stop.is_err());
    assert_eq!(
        t.model.guest_stop(tdvpr),
        Some(GuestStop::EptViolation {
            leaf: 4,
            gpa: PENDING
        })
    );
    // And from TD_PARAMS: ATTRIBUTES.SEPT_VE_DISABLE.
    let mut t = built(TdConfig {
        params: TdParams {
            attributes: SEPT_VE_DISABLE,
            ..TdParams::default()
        },
        ..TdConfig::default()
    });
    assert_eq!(guest(&mut t, || g::tdg_vm_rd(0, td::TD_CTLS)), Ok(1));
}

#[test]
fn metadata_through_the_guest_masks() {
    let mut t = td();
    let (mrtd, attrs, hkid, bad, vm1) = guest(&mut t, || {
        let mut mrtd = Vec::new();
        for i in 0..6 {
            mrtd.extend(
                g::tdg_vm_rd(0, td::MRTD.element(i).unwrap())
                    .unwrap()
                    .to_le_bytes(),
            );
        }
        (
            mrtd,
            g::tdg_vm_rd(0, td::XFAM),
            raw(g::tdg_vm_rd(0, td::HKID)),
            raw(g::tdg_vm_rd(
                0,
                TdField::from_raw(FieldId::from_raw(0x1310_0003_0000_0100)),
            )),
            raw(g::tdg_vm_rd(1, td::XFAM)),
        )
    });
    assert_eq!(mrtd, t.mrtd);
    assert_eq!(attrs, Ok(3));
    assert_eq!(
        hkid,
        TdxStatus::METADATA_FIELD_NOT_READABLE.raw(),
        "guest read mask 0"
    );
    assert_eq!(bad, TdxStatus::METADATA_FIELD_ID_INCORRECT.raw());
    assert_eq!(vm1, OPERAND_INVALID | RCX, "VM index 1");

    // Version 1: the next field, and the null ID.
    let (next, first) = guest(&mut t, || {
        (
            g::tdg_vm_rd_v1(0, td::MRTD.element(5).unwrap()),
            g::tdg_vm_rd_v1(0, TdField::NONE),
        )
    });
    assert!(next.0.is_success());
    assert_eq!(next.1 .0, td::MRCONFIGID.id(), "after MRTD's last element");
    assert_eq!(first.0, TdxStatus::METADATA_FIRST_FIELD_ID_IN_CONTEXT);
    assert_ne!(first.1 .0, FieldId::NONE);

    // Writes: TD_CTLS has a guest write mask, ATTRIBUTES none.
    let w = guest(&mut t, || unsafe {
        (
            raw(g::tdg_vm_wr(0, td::ATTRIBUTES, 1, 1)),
            raw(g::tdg_vm_wr(0, td::TD_CTLS, 0xFF, 0xFF)),
            g::tdg_vm_wr(0, td::TD_CTLS, 0b10, 0b10),
            g::tdg_vm_rd(0, td::TD_CTLS),
        )
    });
    assert_eq!(w.0, TdxStatus::METADATA_FIELD_NOT_WRITABLE.raw());
    assert_eq!(
        w.1,
        TdxStatus::METADATA_FIELD_VALUE_NOT_VALID.raw(),
        "bits outside the mask"
    );
    assert_eq!((w.2, w.3), (Ok(0), Ok(0b10)));

    // vCPU fields: VCPU_INDEX, a writable one, the TD VMCS (not the guest's).
    let v = guest(&mut t, || unsafe {
        (
            g::tdg_vp_rd(0, vcpu::VCPU_INDEX),
            g::tdg_vp_wr(0, vcpu::TSC_DEADLINE, 0x1234, u64::MAX),
            g::tdg_vp_rd(0, vcpu::TSC_DEADLINE),
            g::tdg_vp_rd(0, vmcs::GUEST_RIP).0,
            raw(g::tdg_vp_wr(0, vcpu::VCPU_INDEX, 1, 1)),
            g::tdg_vp_rd(1, vcpu::VCPU_INDEX).0,
        )
    });
    assert!(v.0 .0.is_success());
    assert_eq!(v.0 .1 .1, 0);
    assert_eq!(v.1, Ok(0));
    assert_eq!(v.2 .1 .1, 0x1234);
    assert_eq!(v.3, TdxStatus::METADATA_FIELD_NOT_READABLE);
    assert_eq!(v.4, TdxStatus::METADATA_FIELD_NOT_WRITABLE.raw());
    assert_eq!(v.5.raw(), OPERAND_INVALID | RCX);

    // Global fields.
    let s = guest(&mut t, || {
        (
            g::tdg_sys_rd(sys::VENDOR_ID),
            g::tdg_sys_rd(sys::MAJOR_VERSION).1 .1,
            g::tdg_sys_rd(sys::NUM_PKGS).0,
        )
    });
    assert!(s.0 .0.is_success());
    assert_eq!(s.0 .1 .1, 0x8086);
    assert_ne!(s.0 .1 .0, FieldId::NONE, "the next guest-readable field");
    assert_eq!(s.1, 2, "module 2.0.18");
    assert_eq!(s.2, TdxStatus::METADATA_FIELD_NOT_READABLE);
}

// ---------------------------------------------------------------------
// The dispatcher and the registers each leaf leaves alone.

/// Declares a probe of TDCALL leaf `$leaf` at `$v` passing and reading back
/// every register but RAX and RSP.
macro_rules! probe {
    ($name:ident, $leaf:tt, $v:tt) => {
        #[tdcall(leaf = $leaf, version = $v,
                         in = [rcx, rdx, rbx, rsi, rdi, r8, r9, r10, r11, r12, r13, r14, r15],
                         out = [rcx, rdx, rbx, rsi, rdi, r8, r9, r10, r11, r12, r13, r14, r15],
                         clobber = [xmm0, xmm1, xmm2, xmm3, xmm4, xmm5, xmm6, xmm7, xmm8, xmm9,
                                    xmm10, xmm11, xmm12, xmm13, xmm14, xmm15],
                         unchecked)]
        #[allow(clippy::too_many_arguments)]
        unsafe fn $name(
            rcx: u64,
            rdx: u64,
            rbx: u64,
            rsi: u64,
            rdi: u64,
            r8: u64,
            r9: u64,
            r10: u64,
            r11: u64,
            r12: u64,
            r13: u64,
            r14: u64,
            r15: u64,
        ) -> (
            TdxStatus,
            (
                u64,
                u64,
                u64,
                u64,
                u64,
                u64,
                u64,
                u64,
                u64,
                u64,
                u64,
                u64,
                u64,
            ),
        );
    };
}

probe!(p_info, 1, 0);
probe!(p_rtmr, 2, 0);
probe!(p_veinfo, 3, 0);
probe!(p_report, 4, 0);
probe!(p_accept, 6, 0);
probe!(p_vm_rd, 7, 0);
probe!(p_vm_rd1, 7, 1);
probe!(p_vm_wr, 8, 0);
probe!(p_vp_rd, 9, 0);
probe!(p_vp_wr, 10, 0);
probe!(p_sys_rd, 11, 0);
probe!(p_unknown, 13, 0);
probe!(p_info_v1, 1, 1);
probe!(p_cpuidve_v1, 5, 1);

type Probe = unsafe fn(
    u64,
    u64,
    u64,
    u64,
    u64,
    u64,
    u64,
    u64,
    u64,
    u64,
    u64,
    u64,
    u64,
) -> (
    TdxStatus,
    (
        u64,
        u64,
        u64,
        u64,
        u64,
        u64,
        u64,
        u64,
        u64,
        u64,
        u64,
        u64,
        u64,
    ),
);

/// The registers a probe passes, by name, in its parameter order.
const NAMES: [&str; 13] = [
    "RCX", "RDX", "RBX", "RSI", "RDI", "R8", "R9", "R10", "R11", "R12", "R13", "R14", "R15",
];

fn run(p: Probe, v: [u64; 13]) -> (TdxStatus, [u64; 13]) {
    let (s, o) = unsafe {
        p(
            v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12],
        )
    };
    (
        s,
        [
            o.0, o.1, o.2, o.3, o.4, o.5, o.6, o.7, o.8, o.9, o.10, o.11, o.12,
        ],
    )
}

/// Sentinel inputs, with the leaf's operands put in (register index,
/// value).
fn inputs(operands: &[(usize, u64)]) -> [u64; 13] {
    let mut v: [u64; 13] = core::array::from_fn(|i| 0x5EED_0000_0000_0000 | (i as u64) << 8);
    for &(i, x) in operands {
        v[i] = x;
    }
    v
}

/// Which registers of `NAMES` the guest ABI table lets `leaf`/`version` write.
fn may_write(leaf: u16, version: u8) -> Vec<&'static str> {
    let e = g::abi::find(leaf, version).or_else(|| g::abi::find(leaf, 0));
    let w = e.and_then(|e| e.writes).unwrap_or_default();
    NAMES
        .iter()
        .copied()
        .filter(|n| w.iter().any(|r| r.name().eq_ignore_ascii_case(n)))
        .collect()
}

/// A probe call: name, probe, leaf, version, operands (register index,
/// value), the status expected.
type Case = (&'static str, Probe, u16, u8, Vec<(usize, u64)>, u64);

#[test]
fn every_leaf_leaves_the_registers_outside_its_write_set_intact() {
    let mut t = td();
    t.write_gpa(DATA, &[1; 48]).unwrap();
    let (rcx, rdx, r8, r9) = (0, 1, 5, 6);
    let cases: Vec<Case> = vec![
        ("VP.INFO", p_info, 1, 0, vec![], 0),
        ("RTMR.EXTEND", p_rtmr, 2, 0, vec![(rcx, DATA), (rdx, 3)], 0),
        (
            "VEINFO.GET",
            p_veinfo,
            3,
            0,
            vec![],
            TdxStatus::NO_VALID_VE_INFO.raw(),
        ),
        (
            "MR.REPORT",
            p_report,
            4,
            0,
            vec![(rcx, REPORT), (rdx, REPORT_DATA), (r8, 0)],
            0,
        ),
        ("PAGE.ACCEPT", p_accept, 6, 0, vec![(rcx, PENDING)], 0),
        (
            "VM.RD",
            p_vm_rd,
            7,
            0,
            vec![(rcx, 0), (rdx, td::XFAM.raw())],
            0,
        ),
        (
            "VM.RD v1",
            p_vm_rd1,
            7,
            1,
            vec![(rcx, 0), (rdx, td::XFAM.raw())],
            0,
        ),
        (
            "VM.WR",
            p_vm_wr,
            8,
            0,
            vec![(rcx, 0), (rdx, td::TD_CTLS.raw()), (r8, 0), (r9, 1)],
            0,
        ),
        (
            "VP.RD",
            p_vp_rd,
            9,
            0,
            vec![(rcx, 0), (rdx, vcpu::VCPU_INDEX.raw())],
            0,
        ),
        (
            "VP.WR",
            p_vp_wr,
            10,
            0,
            vec![
                (rcx, 0),
                (rdx, vcpu::TSC_DEADLINE.raw()),
                (r8, 9),
                (r9, u64::MAX),
            ],
            0,
        ),
        (
            "SYS.RD",
            p_sys_rd,
            11,
            0,
            vec![(rdx, sys::VENDOR_ID.raw())],
            0,
        ),
        // Error paths write what they write, and nothing else either.
        (
            "VM.RD error",
            p_vm_rd,
            7,
            0,
            vec![(rcx, 1)],
            OPERAND_INVALID | RCX,
        ),
        (
            "RTMR.EXTEND error",
            p_rtmr,
            2,
            0,
            vec![(rcx, DATA + 8)],
            OPERAND_INVALID | RCX,
        ),
    ];
    for (name, p, leaf, version, operands, status) in cases {
        let v = inputs(&operands);
        let (s, out) = guest(&mut t, || run(p, v));
        assert_eq!(s.raw(), status, "{name}: {s}");
        let writes = may_write(leaf, version);
        for i in 0..13 {
            if !writes.contains(&NAMES[i]) {
                assert_eq!(out[i], v[i], "{name} changed {}", NAMES[i]);
            }
        }
        if name == "VP.INFO" {
            assert_eq!(&out[..2], &[48, 0], "{name} wrote its outputs");
        }
    }
}

#[test]
fn dispatcher_rejects_write_rax_only() {
    let mut t = td();
    let v = inputs(&[]);
    for (name, p) in [
        ("unknown leaf 13", p_unknown as Probe),
        ("TDG.VP.INFO version 1", p_info_v1),
        ("TDG.VP.CPUIDVE.SET version 1", p_cpuidve_v1),
    ] {
        let (s, out) = guest(&mut t, || run(p, v));
        assert_eq!(s.raw(), OPERAND_INVALID, "{name}");
        assert_eq!(out, v, "{name}: RAX only");
    }
    // RAX bits 63:24: no declaration can set them, so straight to the model.
    for rax in [1 | 1 << 24, 1 | 1 << 32, 7 | 1 << 63] {
        let mut regs = Regs {
            rax,
            rcx: 0xC,
            r8: 0x8,
            ..Regs::default()
        };
        let before = regs;
        let mut rbp = 0xB;
        let tdvpr = t.tdvpr();
        let o = t.model.tdcall(tdvpr, &mut regs, &mut rbp, &mut NoVmm);
        assert_eq!(o, Ok(Outcome::Return));
        assert_eq!(
            regs,
            Regs {
                rax: OPERAND_INVALID,
                ..before
            },
            "{rax:#x}"
        );
        assert_eq!(rbp, 0xB);
    }
    // VEINFO.GET version 1: 1.5.34 and later only.
    for (release, rax) in [
        (Release::V2_0_18, TdxStatus::NO_VALID_VE_INFO.raw()),
        (Release::V1_5_34, TdxStatus::NO_VALID_VE_INFO.raw()),
        (Release::V1_5_25, OPERAND_INVALID),
        (Release::V1_5_01, OPERAND_INVALID),
    ] {
        let mut t = built(TdConfig {
            release,
            ..TdConfig::default()
        });
        let mut regs = Regs {
            rax: 3 | 1 << 16,
            ..Regs::default()
        };
        let tdvpr = t.tdvpr();
        let o = t.model.tdcall(tdvpr, &mut regs, &mut 0, &mut NoVmm);
        assert_eq!(o, Ok(Outcome::Return), "{release:?}");
        assert_eq!(regs.rax, rax, "{release:?}");
    }
}

#[test]
fn cpuidve_set_takes_two_bits_and_writes_rax_only() {
    let mut t = td();
    let tdvpr = t.tdvpr();
    let r = guest(&mut t, || unsafe {
        (g::tdg_vp_cpuidve_set(0b11), g::tdg_vp_cpuidve_set(0b100))
    });
    assert_eq!(r.0, Ok(()));
    assert_eq!(raw(r.1), OPERAND_INVALID | RCX, "bits 63:2 are reserved");
    assert_eq!(
        t.model.cpuid_ve(tdvpr),
        Some(0b11),
        "the refused call changed nothing"
    );
}

#[test]
fn a_vcpu_that_cannot_run_gets_ud() {
    let mut t = td();
    let tdvpr = t.tdvpr();
    // No vCPU at that address.
    let mut regs = Regs {
        rax: 1,
        ..Regs::default()
    };
    let o = t
        .model
        .tdcall(tdvpr + 0x1000, &mut regs, &mut 0, &mut NoVmm);
    assert_eq!(o, Ok(Outcome::Fault(seamcall_core::Trap::InvalidOpcode)));
    assert_eq!(regs.rax, 1, "nothing answered");
    // A TD whose teardown started (TDH.VP.FLUSH, TDH.MNG.VPFLUSHDONE).
    t.host(18, tdvpr, 0, 0, 0).unwrap();
    t.host(19, t.tdr, 0, 0, 0).unwrap();
    let r = guest(&mut t, g::tdg_vp_info);
    assert!(matches!(
        r.unwrap_err().kind(),
        g::TdcallErrorKind::Fault(seamcall_core::Trap::InvalidOpcode)
    ));
}

#[test]
fn a_vcpu_a_triple_fault_disabled_gets_ud() {
    use seamcall_core::emulate::model::Exit;
    let mut t = td();
    let tdvpr = t.tdvpr();
    t.model.set_guest(tdvpr, vec![Exit::TripleFault]).unwrap();
    // TDH.VP.ENTER (leaf 0): the script's triple fault disables the vCPU.
    let entered = t.host(0, tdvpr, 0, 0, 0);
    assert!(
        entered.is_err(),
        "the entry ends in a fatal exit: {entered:?}"
    );
    let r = guest(&mut t, g::tdg_vp_info);
    assert!(matches!(
        r.unwrap_err().kind(),
        g::TdcallErrorKind::Fault(seamcall_core::Trap::InvalidOpcode)
    ));
}

#[test]
fn a_second_ve_before_veinfo_get_keeps_the_first_information() {
    let mut t = td();
    for gpa in [PENDING, PENDING + 0x1000] {
        let stop = catch_unwind(AssertUnwindSafe(|| {
            guest(&mut t, || unsafe { g::tdg_mr_rtmr_extend(pa(gpa), 0) })
        }));
        assert!(stop.is_err(), "a #VE on the pending page at {gpa:#x}");
    }
    let info = guest(&mut t, g::tdg_vp_veinfo_get);
    assert_eq!(info.map(|i| i.3), Ok(PENDING), "the first #VE's GPA");
}

// ---------------------------------------------------------------------
// One platform: the host's leaves and the guest's on the same model.

#[test]
fn host_aug_guest_accept_host_sees_it_and_the_report_carries_the_hosts_mrtd() {
    use seamcall_core::leaves;
    let mut t = built(TdConfig {
        params: TdParams {
            attributes: TdParams::ATTR_DEBUG,
            ..TdParams::default()
        },
        pending_pages: 0,
        ..TdConfig::default()
    });
    let gpa = 0x40_0000;
    let (tdr, tdvpr) = (t.tdr, t.tdvpr());
    // S-EPT tables for the new range, then the page, through the catalog.
    let sept = t.window.alloc_page().unwrap();
    let page = t.window.alloc_page().unwrap();
    let host_mrtd = with_module(&mut t.model, || unsafe {
        let s = leaves::tdh_mem_sept_add(
            GpaLevel::new(gpa, SeptLevel::L2M).unwrap(),
            pa(tdr),
            pa(sept),
        );
        assert!(s.0.is_success(), "{}", s.0);
        let s = leaves::tdh_mem_page_aug(GpaLevel::page(gpa).unwrap(), pa(tdr), pa(page));
        assert!(s.0.is_success(), "{}", s.0);
        let mut mrtd = Vec::new();
        for i in 0..6 {
            mrtd.extend(
                leaves::tdh_mng_rd(pa(tdr), td::MRTD.element(i).unwrap())
                    .unwrap()
                    .to_le_bytes(),
            );
        }
        mrtd
    });
    assert_eq!(t.model.mapping(tdr, gpa), Some((page, false)), "pending");
    t.write_gpa(DATA, &[9; 48]).unwrap();
    let r = guest(&mut t, || unsafe {
        accept(gpa, SeptLevel::L4K)?;
        g::tdg_mr_rtmr_extend(pa(DATA), 3)?;
        g::tdg_mr_report(pa(REPORT), pa(REPORT_DATA), 0)
    });
    assert_eq!(r, Ok(()));
    assert_eq!(
        t.model.mapping(tdr, gpa),
        Some((page, true)),
        "the host sees it mapped"
    );
    let rep = report_of(&t, REPORT);
    assert_eq!(
        &rep[528..576],
        &host_mrtd[..],
        "REPORT's MRTD is the host's MNG.RD MRTD"
    );
    // The RTMR the guest extended, through the host's TDH.MNG.RD (a debug
    // TD: RTMR's production read mask is 0).
    let host_rtmr3 = with_module(&mut t.model, || unsafe {
        let mut v = Vec::new();
        let rtmr3 = td::RTMR.field(3).unwrap();
        for i in 0..6 {
            v.extend(
                leaves::tdh_mng_rd(pa(tdr), rtmr3.element(i).unwrap())
                    .unwrap()
                    .to_le_bytes(),
            );
        }
        v
    });
    assert_eq!(&rep[864..912], &host_rtmr3[..]);
    assert_eq!(t.model.rtmr(tdr, 3).map(|r| r.to_vec()), Some(host_rtmr3));
    let _ = tdvpr;
}

// ---------------------------------------------------------------------
// TDG.VP.VMCALL: the model hands leaf 0 to `vmm::vp_vmcall` with the TD's
// CONFIG_FLAGS.NO_RBP_MOD, and the VMM given answers it.

const NO_RBP_MOD: u64 = 1 << 2;

#[test]
fn vmcall_reaches_the_vmm_with_the_tds_no_rbp_mod() {
    let mut t = td();
    let mut ghci = GhciVmm::new();
    ghci.set_msr(0x1B, 0xFEE0_0900);
    let mut vmm = vmm::Recorder::new(ghci);
    let tdvpr = t.tdvpr();
    let r = with_guest(&mut t.model.vcpu(tdvpr, &mut vmm), || unsafe {
        g::tdvmcall_rdmsr(0x1B)
    });
    assert_eq!(r, Ok(0xFEE0_0900));
    assert_eq!(vmm.calls().len(), 1);
    assert_eq!(vmm.last().map(|c| c.mask()), Some(0x1C00));

    // A mask exposing RBP: refused for a TD with NO_RBP_MOD (nothing
    // reaches the VMM), shown to the VMM for one without. No declaration
    // can expose RBP, so straight to the model.
    for (flags, rejected) in [(NO_RBP_MOD, true), (0, false)] {
        let mut t = built(TdConfig {
            params: TdParams {
                config_flags: flags,
                ..TdParams::default()
            },
            pending_pages: 0,
            ..TdConfig::default()
        });
        let mut vmm = vmm::Recorder::new(GhciVmm::new());
        let mut regs = Regs {
            rax: 0,
            rcx: 0x1C20,
            r11: 0x1F,
            r12: 0x1B,
            ..Regs::default()
        };
        let tdvpr = t.tdvpr();
        let o = t.model.tdcall(tdvpr, &mut regs, &mut 0x1234, &mut vmm);
        assert_eq!(o, Ok(Outcome::Return));
        if rejected {
            assert_eq!(regs.rax, OPERAND_INVALID | RCX, "NO_RBP_MOD");
            assert!(vmm.calls().is_empty());
        } else {
            assert_eq!(regs.rax, 0);
            assert_eq!(
                vmm.last().map(|c| c.seen.gprs[5]),
                Some(0x1234),
                "RBP shown"
            );
        }
    }
}

#[test]
fn map_gpa_retry_loops_are_bounded() {
    // A VMM that answers RETRY forever without progress: guest::map_gpa
    // gives up after its bound instead of looping.
    let mut t = td();
    let stuck = |exit: &mut VmcallExit| {
        exit.gprs[10] = 1; // TDVMCALL_STATUS_RETRY
        exit.gprs[11] = exit.gprs[12]; // resume where it started
    };
    let mut vmm = vmm::Recorder::new(stuck);
    let tdvpr = t.tdvpr();
    let r = with_guest(&mut t.model.vcpu(tdvpr, &mut vmm), || unsafe {
        g::map_gpa(t_shared(0x80_0000), 4 << 20, 3)
    });
    assert!(
        matches!(r, Err(g::MapGpaError::NoProgress { retries: 3, .. })),
        "{r:?}"
    );
    assert_eq!(
        vmm.calls().len(),
        3,
        "three calls without progress, as Linux makes"
    );
    // KVM's answer with events pending: RETRY between 2 MiB chunks, with
    // progress, to the end.
    let mut ghci = GhciVmm::new();
    ghci.set_events_pending(true);
    let mut vmm = vmm::Recorder::new(ghci);
    let r = with_guest(&mut t.model.vcpu(tdvpr, &mut vmm), || unsafe {
        g::map_gpa(t_shared(0x80_0000), 8 << 20, 3)
    });
    assert_eq!(r, Ok(()));
    assert_eq!(vmm.calls().len(), 4, "four 2 MiB steps");
    assert_eq!(vmm.inner().shared_ranges(), [(0x80_0000, 0x100_0000)]);
}

#[test]
fn gpa_helpers_translate_both_ways_and_span_pages() {
    let mut t = td();
    // Two pages of unmeasured private memory, written across the boundary.
    let data: Vec<u8> = (0..200u8).collect();
    t.write_gpa(DATA + 4096 - 100, &data).unwrap();
    let mut back = vec![0u8; 200];
    t.read_gpa(DATA + 4096 - 100, &mut back).unwrap();
    assert_eq!(back, data);
    let p = t.ptr(DATA + 0x123).unwrap();
    assert_eq!(t.gpa_of(p), Some(DATA + 0x123));
    assert_eq!(
        t.gpa_of(t.ptr(PENDING + 8).unwrap()),
        Some(PENDING + 8),
        "pending too"
    );
    // The page after the unmeasured ones is not mapped: nothing written.
    let end = 17 * 4096;
    assert_eq!(
        t.write_gpa(end - 4, &[1; 8]),
        Err(seamcall_core::emulate::model::GpaError { gpa: end })
    );
    let mut last = [9u8; 4];
    t.read_gpa(end - 4, &mut last).unwrap();
    assert_eq!(last, [0; 4]);
    // A shared GPA is the host physical address with the shared bit.
    let s = t.alloc_shared().unwrap();
    assert_eq!(t.hpa_of(s), Some(s & !(1 << 47)));
    assert_eq!(t.shared_gpa(s & !(1 << 47)), s);
}

#[test]
fn a_hostile_vmm_reaches_only_the_exposed_registers() {
    let mut t = td();
    let hostile = |exit: &mut VmcallExit| {
        for g in exit.gprs.iter_mut() {
            *g = 0xBAD;
        }
    };
    let mut vmm = vmm::Recorder::new(hostile);
    // Every register a sentinel; the mask exposes R10, R11, R12.
    let mut regs = Regs::from_values_for_test();
    regs.rax = 0;
    regs.rcx = 0x1C00;
    let before = regs;
    let mut rbp = 0xB0B0;
    let tdvpr = t.tdvpr();
    let o = t.model.tdcall(tdvpr, &mut regs, &mut rbp, &mut vmm);
    assert_eq!(o, Ok(Outcome::Return));
    let changed: Vec<_> = regs.changed(&before).map(|r| r.name()).collect();
    assert_eq!(changed, ["r10", "r11", "r12"], "RAX was 0 and stays 0");
    assert_eq!(
        (regs.rax, regs.rcx, regs.r10, regs.r12),
        (0, 0x1C00, 0xBAD, 0xBAD)
    );
    assert_eq!(rbp, 0xB0B0);
    let seen = vmm.last().unwrap().seen.gprs;
    assert_eq!(seen[2], 0, "RDX not exposed: the VMM sees 0");
    assert_eq!(
        seen[12], before.r12,
        "R12 exposed: the VMM sees the TD's value"
    );
}

trait Sentinels {
    fn from_values_for_test() -> Regs;
}

impl Sentinels for Regs {
    fn from_values_for_test() -> Regs {
        let mut r = Regs::default();
        for (i, reg) in Regs::REGS.into_iter().enumerate() {
            r.set(reg, 0x5EED_0000 + i as u64);
        }
        r
    }
}

/// One platform across threads: the model shared by two host logical
/// processors and a guest thread playing the TD's vCPU
/// (`Shared::vcpu`). The guest accepts the pending 2 MiB range and reads
/// TDG.VP.INFO while both host LPs keep reading the TD's metadata; the
/// host then sees the range mapped.
#[test]
fn a_guest_thread_runs_beside_host_threads_on_a_shared_model() {
    use seamcall_core::leaves::tdh_mng_rd;
    let t = td();
    let (tdr, tdvpr, window) = (t.tdr, t.tdvprs[0], t.window);
    let shared = t.model.into_shared(2).expect("two LPs");
    let mrtd0 = td::MRTD.element(0).expect("element 0");
    std::thread::scope(|s| {
        let hosts: Vec<_> = (0..2)
            .map(|id| {
                let mut lp = shared.lp(id).expect("a free LP");
                s.spawn(move || {
                    with_module(&mut lp, || {
                        (0..200)
                            .map(|_| unsafe { tdh_mng_rd(pa(tdr), mrtd0) })
                            .filter(Result::is_ok)
                            .count()
                    })
                })
            })
            .collect();
        let mut vcpu = shared.vcpu(tdvpr, GhciVmm::new());
        let guest = s.spawn(move || {
            with_guest(&mut vcpu, || {
                let info = g::tdg_vp_info().expect("TDG.VP.INFO");
                (info.3, accept(BuiltTd::PENDING_BASE, SeptLevel::L2M))
            })
        });
        assert_eq!(
            guest.join().unwrap(),
            (0, Ok(())),
            "VCPU_INDEX 0, the 2 MiB accept"
        );
        for h in hosts {
            assert_eq!(h.join().unwrap(), 200, "every host MNG.RD succeeded");
        }
    });
    for i in 0..512 {
        let gpa = BuiltTd::PENDING_BASE + i * 4096;
        let mapping = shared.with(|m| m.mapping(tdr, gpa));
        assert!(
            matches!(mapping, Some((_, true))),
            "{gpa:#x} usable: {mapping:?}"
        );
    }
    drop(window);
}

/// The RTMR lock on a shared model: TDG.MR.RTMR.EXTEND takes it
/// exclusively and TDG.MR.REPORT shared, so a vCPU that finds it held gets
/// `TDX_OPERAND_BUSY` with operand id RTMR (0xA8) and nothing else changes.
#[test]
fn rtmr_extend_and_report_find_the_rtmr_lock_busy_on_a_shared_model() {
    use seamcall_core::emulate::model::Lock;
    const BUSY_RTMR: u64 = 0x8000_0200_0000_00A8;
    let t = td();
    let (tdr, tdvpr) = (t.tdr, t.tdvprs[0]);
    let window = t.window;
    let shared = t.model.into_shared(1).expect("one LP");
    let before = shared.with(|m| m.rtmr(tdr, 1)).expect("RTMR1");
    let mut vcpu = shared.vcpu(tdvpr, NoVmm);
    let report_gpa = 0x2000;
    let extend = || unsafe { g::tdg_mr_rtmr_extend(pa(0), 1) };
    let report = || unsafe { g::tdg_mr_report(pa(report_gpa), pa(0), 0) };

    let hold = shared
        .hold(Lock::Rtmr(tdr), true)
        .expect("the lock is free");
    let (e, r) = with_guest(&mut vcpu, || (extend(), report()));
    assert_eq!((raw(e), raw(r)), (BUSY_RTMR, BUSY_RTMR), "exclusive hold");
    assert_eq!(
        shared.with(|m| m.rtmr(tdr, 1)),
        Some(before),
        "no extend happened"
    );
    drop(hold);

    let hold = shared
        .hold(Lock::Rtmr(tdr), false)
        .expect("the lock is free");
    let (e, r) = with_guest(&mut vcpu, || (extend(), report()));
    assert_eq!(raw(e), BUSY_RTMR, "EXTEND needs the lock exclusively");
    assert!(r.is_ok(), "REPORT shares it: {r:?}");
    drop(hold);

    let e = with_guest(&mut vcpu, extend);
    assert!(e.is_ok(), "free again: {e:?}");
    let after = shared.with(|m| m.rtmr(tdr, 1)).expect("RTMR1");
    assert_ne!(after, before, "the extend happened");
    assert!(shared.busy().contains_key(&TdxStatus::from_raw(BUSY_RTMR)));
    drop(window);
}

#[test]
fn a_td_too_large_for_the_tdmr_is_a_typed_error() {
    use seamcall_core::emulate::model::TdBuildError;
    for cfg in [
        TdConfig {
            pending_pages: u64::MAX,
            ..TdConfig::default()
        },
        TdConfig {
            unmeasured_pages: u64::MAX - 1,
            ..TdConfig::default()
        },
        TdConfig {
            pending_pages: 1 << 18,
            ..TdConfig::default()
        },
    ] {
        assert_eq!(
            cfg.build().err(),
            Some(TdBuildError::OutOfMemory),
            "{cfg:?}"
        );
    }
}
