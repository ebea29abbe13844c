//! Under feature `emulate`, the trap handler answers SEAMCALL sites from
//! the thread's module (`with_module`) and TDCALL sites (same exception
//! table) from the thread's guest module (`with_guest`); each kind of site
//! without its module faults through its fixup.

use seamcall_core::emulate::{self, GuestModule, Module, Outcome, Regs};
use seamcall_core::guest::{self as g, TdcallErrorKind, TdvmcallErrorKind};
use seamcall_core::{seamcall, tdcall, tdvmcall, SeamcallError, Trap};

#[seamcall(leaf = 11, in = [rcx, rdx], out = [r8])]
unsafe fn tdh_mng_rd(tdr: u64, field: u64) -> Result<u64, SeamcallError>;

/// Answers every SEAMCALL with R8 = 7 and counts the calls it sees.
struct Counting(u32);

impl Module for Counting {
    fn seamcall(&mut self, regs: &mut Regs) -> Outcome {
        self.0 += 1;
        regs.r8 = 7;
        regs.rax = 0;
        Outcome::Return
    }
}

fn is_fault(kind: TdcallErrorKind) -> bool {
    matches!(
        kind,
        TdcallErrorKind::Fault(Trap::InvalidOpcode | Trap::GeneralProtection)
    )
}

#[test]
fn tdcall_sites_fault_through_their_fixup_under_emulate() {
    let mut m = Counting(0);
    let (host, guest, vmcall) = emulate::with_module(&mut m, || {
        (unsafe { tdh_mng_rd(1, 2) }, g::tdg_vp_info(), unsafe {
            g::tdvmcall_rdmsr(0x10)
        })
    });
    assert_eq!(host, Ok(7), "the SEAMCALL is emulated");
    assert!(is_fault(guest.unwrap_err().kind()), "the TDCALL faults");
    assert!(matches!(
        vmcall.unwrap_err().kind(),
        TdvmcallErrorKind::Fault(Trap::InvalidOpcode | Trap::GeneralProtection)
    ));
    assert_eq!(m.0, 1, "the module saw the SEAMCALL only");
}

/// A guest module that answers TDG.VP.INFO with fixed values and every
/// TDG.VP.VMCALL by adding 1 to R12, and records the registers it saw.
#[derive(Default)]
struct Td {
    seen: Vec<(Regs, u64)>,
}

impl GuestModule for Td {
    fn tdcall(&mut self, regs: &mut Regs, rbp: &mut u64) -> Outcome {
        self.seen.push((*regs, *rbp));
        match regs.rax {
            1 => {
                (regs.rcx, regs.rdx, regs.r8, regs.r9, regs.r10, regs.r11) = (48, 2, 3, 4, 5, 0);
            }
            0 => regs.r12 += 1,
            _ => regs.rax = 0xC000_0100_0000_0000,
        }
        if regs.rax <= 1 {
            regs.rax = 0;
        }
        Outcome::Return
    }
}

#[tdcall(leaf = 1, out = [rcx, rdx, r8, r9, r10, r11], safe)]
fn vp_info() -> Result<(u64, u64, u64, u64, u64, u64), g::TdcallError>;

/// A hand-made GHCI call exposing R12 only (mask bit 12).
#[tdvmcall(vendor = 0x1_0000, in = [r12], out = [r12])]
unsafe fn vendor_r12(v: u64) -> Result<u64, g::TdvmcallError>;

#[test]
fn with_guest_answers_tdcall_sites_and_only_those() {
    let mut td = Td::default();
    let mut host = Counting(0);
    let (info, echoed, seam) = emulate::with_guest(&mut td, || {
        (vp_info(), unsafe { vendor_r12(41) }, unsafe {
            tdh_mng_rd(1, 2)
        })
    });
    assert_eq!(info, Ok((48, 2, 3, 4, 5, 0)));
    assert_eq!(echoed, Ok(42), "the guest module's R12 reached the caller");
    assert!(
        matches!(seam.unwrap_err().kind(), seamcall_core::ErrorKind::Fault(_)),
        "a SEAMCALL inside with_guest alone has no module: it faults"
    );
    assert_eq!(
        td.seen.len(),
        2,
        "the SEAMCALL never reached the guest module"
    );
    let (vmcall, _) = td.seen[1];
    assert_eq!(
        (vmcall.rax, vmcall.rcx, vmcall.r10, vmcall.r12),
        (0, 0x1C00, 0x1_0000, 41),
        "R10, R11 and R12 exposed"
    );

    // Both modules at once: each answers its own instruction.
    let (seam, info) = emulate::with_module(&mut host, || {
        emulate::with_guest(&mut td, || (unsafe { tdh_mng_rd(1, 2) }, vp_info()))
    });
    assert_eq!((seam, info.map(|i| i.0)), (Ok(7), Ok(48)));
    assert_eq!((host.0, td.seen.len()), (1, 3));
}

#[test]
fn guest_module_writes_rbp_and_the_declaration_restores_it() {
    use core::arch::asm;
    // TDG.VP.ENTER returns the L2's RBP; the catalog declares RBP clobbered
    // and saves the caller's. A guest module that writes RBP shows both
    // that the write reaches the instruction and that the save works.
    let mut seen = 0;
    let mut l2 = |regs: &mut Regs, rbp: &mut u64| {
        seen = *rbp;
        *rbp = 0xdead_0000;
        regs.rbx = 0x1234;
        regs.rax = 0;
        Outcome::Return
    };
    let before: u64;
    // SAFETY: reads RBP only.
    unsafe { asm!("mov {}, rbp", out(reg) before) };
    let (status, out) = emulate::with_guest(&mut l2, || unsafe {
        g::tdg_vp_enter(0, x86_64::PhysAddr::new(0x1000))
    });
    let after: u64;
    // SAFETY: reads RBP only.
    unsafe { asm!("mov {}, rbp", out(reg) after) };
    assert!(status.is_success());
    assert_eq!(out.2, 0x1234, "RBX came back through the module");
    assert_ne!(
        seen, 0xdead_0000,
        "the module saw the caller's RBP, not its own value"
    );
    assert_eq!(before, after, "the declaration restored the caller's RBP");
}

#[test]
fn tdcall_has_no_vmfail_a_refusing_or_panicking_guest_module_raises_ud() {
    let mut refuse = |_: &mut Regs, _: &mut u64| Outcome::VmFailInvalid;
    let r = emulate::with_guest(&mut refuse, vp_info);
    assert_eq!(
        r.unwrap_err().kind(),
        TdcallErrorKind::Fault(Trap::InvalidOpcode)
    );

    let mut gp = |_: &mut Regs, _: &mut u64| Outcome::Fault(Trap::GeneralProtection);
    let r = emulate::with_guest(&mut gp, vp_info);
    assert_eq!(
        r.unwrap_err().kind(),
        TdcallErrorKind::Fault(Trap::GeneralProtection)
    );

    let caught = std::panic::catch_unwind(|| {
        let mut boom = |_: &mut Regs, _: &mut u64| -> Outcome { panic!("guest module bug") };
        emulate::with_guest(&mut boom, || {
            let first = vp_info();
            assert_eq!(
                first.unwrap_err().kind(),
                TdcallErrorKind::Fault(Trap::InvalidOpcode)
            );
            "closure finished"
        })
    });
    let payload = caught.expect_err("the module's panic is resumed after the closure");
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"guest module bug"));
}
