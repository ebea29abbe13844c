//! TDG.VP.VMCALL as the TDX module carries it out, and the VMM behind it.
//!
//! The module checks the TD's exposure mask (RCX), shows the VMM exactly
//! the exposed registers, and on resume copies back only those
//! (`tests/data/tdx-abi/guest/NOTES.md` §(a); intel/tdx-module
//! `src/td_dispatcher/vm_exits/tdg_vp_vmcall.c` and
//! `src/td_transitions/tdh_vp_enter.c`, `save_regs_after_tdvmcall`).
//! [`vp_vmcall`] is that leaf; a [`Vmm`] answers what reaches the host.

use super::{Outcome, Regs};

/// The VMX exit reason of a TDCALL, which the VMM finds in RAX.
pub const EXIT_REASON_TDCALL: u64 = 77;

/// `TDX_OPERAND_INVALID` with operand id RCX: a mask the module rejects.
pub const MASK_REJECTED: u64 = 0xC000_0100_0000_0001;

/// What the VMM sees of one TDG.VP.VMCALL, and what it answers.
///
/// `gprs` holds the general registers by number (RAX = 0, RCX = 1, RDX = 2,
/// RBX = 3, RSP = 4, RBP = 5, RSI = 6, RDI = 7, R8–R15 = 8–15), as the
/// module hands them to the VMM: RAX the exit reason 77, RCX the exit
/// qualification (GPR_SELECT in bits 15:0, XMM_SELECT in bits 31:16), every
/// exposed register the TD's value, every other one 0. The VMM writes its
/// answers into `gprs`; only the exposed registers reach the TD.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VmcallExit {
    /// The registers by GPR number.
    pub gprs: [u64; 16],
}

/// A host that answers the TD's TDG.VP.VMCALLs.
pub trait Vmm {
    /// Answer one call; see [`VmcallExit`].
    fn tdvmcall(&mut self, exit: &mut VmcallExit);
}

/// TDG.VP.VMCALL (leaf 0) on the TD registers `regs` and `rbp`, for a TD
/// whose `CONFIG_FLAGS.NO_RBP_MOD` is `no_rbp_mod`.
pub fn vp_vmcall(regs: &mut Regs, rbp: &mut u64, no_rbp_mod: bool, vmm: &mut dyn Vmm) -> Outcome {
    let _ = (regs, rbp, no_rbp_mod, vmm);
    unimplemented!("skeleton: replaced by the VMM work")
}
