//! The `no_std` runtime for Intel TDX `SEAMCALL`.
//!
//! A host hypervisor talks to the TDX module with the `SEAMCALL` instruction
//! (`66 0F 01 CF`): the leaf word in RAX, operands and results in a
//! leaf-specific set of general registers, a status back in RAX, CF=1 when no
//! module is loaded, and #UD/#GP when TDX is off. This crate holds everything a
//! declared leaf needs at run time:
//!
//! * [`seamcall`]: the attribute that turns one declaration into one inline
//!   `asm!` block (re-exported from `seamcall-macros`; depend on this crate only);
//! * [`TdxStatus`], [`SeamcallError`], [`ErrorKind`], [`Trap`]: the status and
//!   its typed decoding;
//! * [`IntoReg`] / [`FromReg`]: how values travel in registers;
//! * [`extable`]: the exception table that turns #UD/#GP into error values;
//! * [`guest`], with the attributes [`tdcall`] and [`tdvmcall`]: the same
//!   language for the TD's side (`TDCALL`, TDG.VP.VMCALL with its exposure
//!   mask computed from the declaration).
//!
//! ```
//! use seamcall_core::{seamcall, SeamcallError};
//! use x86_64::PhysAddr;
//!
//! /// Read a TD-scope metadata field.
//! #[seamcall(leaf = 11, in = [rcx, rdx], out = [r8])]
//! pub unsafe fn tdh_mng_rd(tdr: PhysAddr, field: u64) -> Result<u64, SeamcallError>;
//! ```
#![cfg_attr(not(feature = "std"), no_std)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![deny(missing_docs)]
#![deny(unsafe_op_in_unsafe_fn)]

#[cfg(not(target_arch = "x86_64"))]
compile_error!("seamcall-core supports x86_64 only: SEAMCALL exists only on x86-64.");

#[cfg(feature = "emulate")]
pub mod emulate;
mod error;
pub mod extable;
pub mod fields;
pub mod guest;
pub mod leaves;
mod reg;
mod status;
mod types;

pub use error::{ErrorKind, SeamcallError, Trap};
pub use reg::{FromReg, IntoReg};
pub use seamcall_macros::{seamcall, tdcall, tdvmcall};
pub use status::{OperandId, TdxStatus};
pub use types::{
    ElementSize, FieldContext, FieldId, GpaLevel, Hkid, PageSize, SeptEntry, SeptLevel,
    SeptLevelState,
};

/// The instruction the expansion emits: `SEAMCALL` (`66 0F 01 CF`).
///
/// Only `RUSTFLAGS="--cfg seamcall_stub"` replaces it, for benchmarks on
/// machines without TDX, with a stand-in of the same length or longer that
/// sets status 0 and clears CF (a 4-byte NOP, then `xor eax, eax`). No cargo
/// feature can select the stand-in: any crate in a dependency graph can turn
/// a feature on, which would silently remove SEAMCALL from a real kernel.
#[cfg(not(seamcall_stub))]
#[doc(hidden)]
#[macro_export]
macro_rules! __seamcall_insn {
    () => {
        ".byte 0x66, 0x0f, 0x01, 0xcf"
    };
}

#[cfg(seamcall_stub)]
#[doc(hidden)]
#[macro_export]
macro_rules! __seamcall_insn {
    () => {
        "nop dword ptr [rax]\nxor eax, eax"
    };
}

/// The instruction the guest-side expansions emit: `TDCALL` (`66 0F 01 CC`).
///
/// As for [`__seamcall_insn`], only `RUSTFLAGS="--cfg seamcall_stub"`
/// replaces it with the same stand-in (a NOP, then `xor eax, eax`): status 0,
/// and R10 keeps the 0 a standard TDG.VP.VMCALL puts there, which reads as
/// the VMM's success.
#[cfg(not(seamcall_stub))]
#[doc(hidden)]
#[macro_export]
macro_rules! __tdcall_insn {
    () => {
        ".byte 0x66, 0x0f, 0x01, 0xcc"
    };
}

#[cfg(seamcall_stub)]
#[doc(hidden)]
#[macro_export]
macro_rules! __tdcall_insn {
    () => {
        "nop dword ptr [rax]\nxor eax, eax"
    };
}

/// Items the `#[seamcall]` expansion refers to. Not a public API: names and
/// signatures may change in any release.
#[doc(hidden)]
pub mod __private {
    pub use crate::error::SeamcallError;
    pub use crate::leaves::abi::{find_checked as abi_find_checked, knows as abi_knows};
    pub use crate::leaves::Reg;
    pub use crate::reg::{FromReg, IntoReg};
    pub use crate::status::TdxStatus;
    pub use core;

    /// Status loaded by the fixup pad when the instruction raised #UD.
    pub const SEAMCALL_UD: u64 = crate::error::TDX_SEAMCALL_UD;
    /// Status loaded by the fixup pad when the instruction raised #GP.
    pub const SEAMCALL_GP: u64 = crate::error::TDX_SEAMCALL_GP;
    /// Status loaded when the instruction returned with CF=1.
    pub const SEAMCALL_VMFAILINVALID: u64 = crate::error::TDX_SEAMCALL_VMFAILINVALID;

    /// `TDX_SEAMCALL_STATUS_MASK`: the status without its operand id/details.
    pub const STATUS_MASK: u64 = TdxStatus::STATUS_MASK;
    /// `TDX_RND_NO_ENTROPY`, the status `retry = N` re-issues on.
    pub const RND_NO_ENTROPY: u64 = TdxStatus::RND_NO_ENTROPY.raw();
    /// `TDX_OPERAND_BUSY` (masked), the status `retry_busy` re-issues on.
    pub const OPERAND_BUSY: u64 = TdxStatus::OPERAND_BUSY.raw();

    pub use crate::guest::abi::{find_checked as guest_abi_find_checked, knows as guest_abi_knows};
    pub use crate::guest::{TdcallError, TdvmcallError};
    pub use seamcall_macros::__tdvmcall_block;

    /// The outcome of a TDG.VP.VMCALL from RAX (the module's status, or the
    /// fault a fixup pad loaded) and R10 (the VMM's status; 0 for a
    /// vendor-specific call, whose R10 is no status).
    #[inline(always)]
    pub const fn tdvmcall_outcome(rax: u64, r10: u64) -> Result<(), TdvmcallError> {
        if let Some(e) = TdvmcallError::from_module(rax) {
            return Err(e);
        }
        match TdvmcallError::from_vmm(r10) {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}
