//! [`VmcallOnly`]: a guest module that answers TDG.VP.VMCALL through a
//! [`Vmm`] and nothing else, so that TDVMCALL code runs without a TD.

#[cfg(doc)]
use super::RAX_REJECTED;
use super::{vp_vmcall, Vmm};
use crate::emulate::{GuestModule, Outcome, Regs, Trap};

/// A guest module with only TDG.VP.VMCALL (leaf 0), carried out by
/// [`vp_vmcall`] with the VMM `V` behind it.
///
/// Every other leaf word (another leaf, a version, reserved RAX bits)
/// answers `TDX_OPERAND_INVALID` with operand id RAX ([`RAX_REJECTED`]) and
/// writes nothing else; so does a TDG.VP.VMCALL with RAX bits set. The TD
/// runs with `NO_RBP_MOD` unless [`VmcallOnly::set_no_rbp_mod`] says
/// otherwise (KVM always sets it). Once the VMM has stopped the TD, every
/// `TDCALL` raises #UD without reaching the VMM (see the [`vmm`](super)
/// docs).
///
/// ```
/// use seamcall_core::emulate::{self, vmm};
/// use seamcall_core::guest;
///
/// let mut ghci = vmm::GhciVmm::new();
/// ghci.set_msr(0x1B, 0xFEE0_0900);
/// let mut td = vmm::VmcallOnly::new(ghci);
/// let apic = emulate::with_guest(&mut td, || unsafe { guest::tdvmcall_rdmsr(0x1B) });
/// assert_eq!(apic, Ok(0xFEE0_0900));
/// ```
#[derive(Debug, Default)]
pub struct VmcallOnly<V> {
    vmm: V,
    no_rbp_mod: bool,
    stopped: bool,
}

impl<V> VmcallOnly<V> {
    /// A TD with `NO_RBP_MOD` whose TDG.VP.VMCALLs `vmm` answers.
    pub fn new(vmm: V) -> VmcallOnly<V> {
        VmcallOnly {
            vmm,
            no_rbp_mod: true,
            stopped: false,
        }
    }

    /// The TD's `CONFIG_FLAGS.NO_RBP_MOD`: whether a mask exposing RBP is
    /// refused.
    pub fn set_no_rbp_mod(&mut self, no_rbp_mod: bool) -> &mut Self {
        self.no_rbp_mod = no_rbp_mod;
        self
    }

    /// Whether the VMM has stopped the TD.
    pub fn is_stopped(&self) -> bool {
        self.stopped
    }

    /// The VMM.
    pub fn vmm(&self) -> &V {
        &self.vmm
    }

    /// The VMM, mutably (to script it between calls).
    pub fn vmm_mut(&mut self) -> &mut V {
        &mut self.vmm
    }

    /// The VMM, dropping the TD.
    pub fn into_inner(self) -> V {
        self.vmm
    }
}

impl<V: Vmm> GuestModule for VmcallOnly<V> {
    fn tdcall(&mut self, regs: &mut Regs, rbp: &mut u64) -> Outcome {
        if self.stopped {
            return Outcome::Fault(Trap::InvalidOpcode);
        }
        // Any other leaf word gets `vp_vmcall`'s RAX check: RAX_REJECTED.
        let outcome = vp_vmcall(regs, rbp, self.no_rbp_mod, &mut self.vmm);
        self.stopped = outcome == Outcome::Fault(Trap::InvalidOpcode);
        outcome
    }
}
