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
//! * [`extable`]: the exception table that turns #UD/#GP into error values.
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
pub mod leaves;
mod reg;
mod status;
mod types;

pub use error::{ErrorKind, SeamcallError, Trap};
pub use reg::{FromReg, IntoReg};
pub use seamcall_macros::seamcall;
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

/// Items the `#[seamcall]` expansion refers to. Not a public API: names and
/// signatures may change in any release.
#[doc(hidden)]
pub mod __private {
    pub use crate::error::SeamcallError;
    pub use crate::reg::{FromReg, IntoReg};
    pub use crate::status::TdxStatus;
    pub use core;
    pub use seamcall_abi as abi;

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
}
