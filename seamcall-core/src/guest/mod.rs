//! The guest side of TDX: what a TD calls with `TDCALL` (`66 0F 01 CC`).
//!
//! * [`TdcallError`] and [`TdvmcallError`], with [`TdcallErrorKind`] and
//!   [`TdvmcallErrorKind`]: what a declared TDG leaf or TDG.VP.VMCALL
//!   returns when it did not succeed, one register wide each;
//! * [`status`]: the codes a TD meets, compared without bit 60, the
//!   success-with-information statuses ([`status::Info`]) and the VMM's GHCI
//!   status ([`status::TdvmcallStatus`]);
//! * [`vmcall`]: the TDG.VP.VMCALL exposure mask;
//! * [`abi`]: the guest ABI table, per TDG leaf the registers read and
//!   written (audit of TDX module 1.5.01);
//! * with the cargo feature `guest`: the guest catalog, every TDG leaf the
//!   1.5.01 dispatcher accepts (`tdg_vp_info`, `tdg_mem_page_accept`, …) and
//!   the GHCI sub-functions of TDG.VP.VMCALL (`tdvmcall_rdmsr`,
//!   `tdvmcall_map_gpa`, …), declared with [`tdcall`](crate::tdcall) and
//!   [`tdvmcall`](crate::tdvmcall), and `ALL`, a [`GuestCallInfo`] per
//!   declaration; and `map_gpa`, MapGPA over a whole range with a bounded
//!   RETRY loop.
//!
//! A `TDCALL` outside a TD raises #UD, and inside a TD at CPL > 0 #GP; the
//! declared calls recover both through the same exception table as
//! `SEAMCALL` ([`crate::extable`]) and return
//! [`TdcallErrorKind::Fault`]. In a user-mode test on Linux that is a
//! SIGILL (bare metal, AMD, VMX root) or a SIGSEGV (an Intel VMX guest):
//! with feature `emulate` the trap handler resumes either at the fixup.

pub mod abi;
#[cfg(feature = "guest")]
mod catalog;
mod error;
#[cfg(feature = "guest")]
mod map_gpa;
pub mod status;
pub mod vmcall;

pub use error::{TdcallError, TdcallErrorKind, TdvmcallError, TdvmcallErrorKind};
pub use status::{Info, TdvmcallStatus};

#[cfg(feature = "guest")]
pub use catalog::*;
#[cfg(feature = "guest")]
pub use map_gpa::{map_gpa, MapGpaError, MAP_GPA_RETRIES};

use crate::leaves::{Reg, RegSet};

/// What a guest catalog entry issues.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GuestCall {
    /// A TDG leaf: RAX = `LeafWord::new(leaf, version)`.
    Tdcall {
        /// The leaf number.
        leaf: u16,
        /// The leaf version.
        version: u8,
    },
    /// A standard GHCI TDG.VP.VMCALL: R10 = 0, R11 = `subfn`, RCX = `mask`.
    Ghci {
        /// The GHCI sub-function.
        subfn: u64,
        /// The exposure mask (RCX).
        mask: u64,
    },
    /// A vendor-specific TDG.VP.VMCALL: R10 = `r10` (a parameter where
    /// `None`), RCX = `mask`.
    Vendor {
        /// R10, when it is a constant.
        r10: Option<u64>,
        /// The exposure mask (RCX).
        mask: u64,
    },
}

/// One call of the guest catalog, as declared: generated from the
/// declaration itself, for tools, logs and tests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GuestCallInfo {
    /// The leaf's or sub-function's name: `"TDG.VP.INFO"`,
    /// `"Instruction.RDMSR"`.
    pub name: &'static str,
    /// The function's name: `"tdg_vp_info"`.
    pub function: &'static str,
    /// What it issues.
    pub call: GuestCall,
    /// The registers the declaration passes, in parameter order.
    pub inputs: &'static [Reg],
    /// The registers it reads back, in the order of the success value.
    pub outputs: &'static [Reg],
    /// The registers declared clobbered.
    pub clobbers: &'static [Reg],
}

impl GuestCallInfo {
    /// The TDG.VP.VMCALL exposure mask, `None` for a TDG leaf.
    pub const fn mask(&self) -> Option<u64> {
        match self.call {
            GuestCall::Tdcall { .. } => None,
            GuestCall::Ghci { mask, .. } | GuestCall::Vendor { mask, .. } => Some(mask),
        }
    }

    /// Registers the declaration lets the module (or the VMM) change:
    /// outputs and clobbers, and for a TDG.VP.VMCALL every exposed register.
    pub const fn written_set(&self) -> RegSet {
        let declared = RegSet::of(self.outputs).union(RegSet::of(self.clobbers));
        match self.mask() {
            Some(m) => declared.union(vmcall::exposed(m)),
            None => declared,
        }
    }
}
