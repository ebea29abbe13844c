//! Under feature `emulate`, the trap handler answers SEAMCALL sites from
//! the thread's software module; a TDCALL site (same exception table) is not
//! a SEAMCALL and faults through its fixup, with or without a module, while
//! the SEAMCALL beside it is still emulated. (Emulating the guest side is
//! not built yet.)

use seamcall_core::emulate::{self, Module, Outcome, Regs};
use seamcall_core::guest::{self as g, TdcallErrorKind, TdvmcallErrorKind};
use seamcall_core::{seamcall, SeamcallError, Trap};

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
