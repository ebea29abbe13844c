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
//! * [`leaves`]: every host leaf, declared with it, and the ABI table the
//!   declarations are checked against;
//! * [`TdxStatus`], [`SeamcallError`], [`ErrorKind`], [`Trap`]: the status and
//!   its typed decoding; [`RawResult`] turns a leaf's raw form into a `Result`;
//! * [`IntoReg`] / [`FromReg`]: how values travel in registers, and the typed
//!   operands ([`FieldId`], [`GpaLevel`], [`Hkid`], …);
//! * [`extable`]: the exception table that turns #UD/#GP into error values;
//! * [`guest`], with the attributes [`tdcall`] and [`tdvmcall`]: the same
//!   language for the TD's side (`TDCALL`, TDG.VP.VMCALL with its exposure
//!   mask computed from the declaration);
//! * `emulate` (feature): trap-and-emulate and a software TDX module, to run
//!   all of it on a machine without TDX.
//!
//! # The `#[seamcall]` declaration
//!
//! The grammar of the attribute (the same text as the README's "A
//! declaration"):
//!
#![doc = include_str!("../docs/declaration.md")]
//!
//! # Calling a leaf
//!
//! A leaf returns `Result<T, SeamcallError>`, or the raw form
//! `(TdxStatus, T)` where its outputs mean something on failure too;
//! [`RawResult::into_result`] turns the raw form into a `Result`.
//! [`SeamcallError`] implements [`core::error::Error`], so `?` carries it
//! into `Box<dyn Error>` or `anyhow::Error`. On a machine without TDX the
//! instruction faults, so this example is only compiled (the same code runs
//! under the `emulate` feature, below):
//!
//! ```no_run
//! use seamcall_core::fields;
//! use seamcall_core::leaves::{tdh_mng_init, tdh_mng_rd};
//! use seamcall_core::x86_64::PhysAddr;
//! use seamcall_core::RawResult;
//!
//! fn build(tdr: PhysAddr, params: PhysAddr) -> Result<u64, Box<dyn std::error::Error>> {
//!     // SAFETY (of the example): `tdr` is a TDR page and `params` a TD_PARAMS
//!     // page this host handed to the module.
//!     unsafe {
//!         tdh_mng_init(tdr, params, 0).into_result()?;
//!         Ok(tdh_mng_rd(tdr, fields::td::MRTD)?)
//!     }
//! }
//! # let _ = build(PhysAddr::new(0x1000), PhysAddr::new(0x2000));
//! ```
//!
//! # Decoding a status
//!
//! These run anywhere:
//!
//! ```
//! use seamcall_core::{ErrorKind, OperandId, SeamcallError, TdxStatus, Trap};
//!
//! // What the module returned in RAX: TDX_OPERAND_BUSY on the S-EPT.
//! let status = TdxStatus::from_raw(0x8000_0200_0000_0092);
//! assert_eq!(status.code(), TdxStatus::OPERAND_BUSY);
//! assert_eq!(status.operand(), Some(OperandId::Sept));
//! assert_eq!(status.to_string(), "TDX_OPERAND_BUSY (operand SEPT)");
//!
//! let e = status.into_result().unwrap_err();
//! let retry = match e.kind() {
//!     ErrorKind::Status(s) => s.code() == TdxStatus::OPERAND_BUSY,
//!     ErrorKind::VmFailInvalid => false, // no TDX module loaded
//!     ErrorKind::Fault(Trap::InvalidOpcode) => false, // not in VMX operation
//!     ErrorKind::Fault(_) => false,                   // TDX not enabled
//!     _ => false, // `ErrorKind` is #[non_exhaustive]
//! };
//! assert!(retry);
//!
//! // Faults and VMfailInvalid carry Linux's software codes.
//! let ud = SeamcallError::fault(Trap::InvalidOpcode);
//! assert_eq!(ud.raw(), 0x8000_FF00_0000_0006);
//! assert_eq!(ud.status(), TdxStatus::SEAMCALL_UD);
//! ```
//!
//! # Testing without TDX hardware
//!
//! With the `emulate` feature the instruction's fault is caught in user mode
//! and answered by a software module; `emulate::model` is
//! a model of the TDX module's TD build and teardown flow. This example runs
//! when the feature is on (`cargo test --all-features`) and is empty
//! otherwise:
//!
//! ```
//! # #[cfg(feature = "emulate")]
//! # fn main() {
//! use seamcall_core::emulate::{self, Outcome, Regs};
//! use seamcall_core::fields;
//! use seamcall_core::leaves::tdh_mng_rd;
//! use seamcall_core::x86_64::PhysAddr;
//!
//! // A module that answers every call with R8 = 42.
//! let mut module = |regs: &mut Regs| {
//!     regs.r8 = 42;
//!     regs.rax = 0;
//!     Outcome::Return
//! };
//! // SAFETY (of the example): the emulated module touches no memory.
//! let v = emulate::with_module(&mut module, || unsafe {
//!     tdh_mng_rd(PhysAddr::new(0x1000), fields::td::MRTD)
//! });
//! assert_eq!(v, Ok(42));
//! # }
//! # #[cfg(not(feature = "emulate"))]
//! # fn main() {}
//! ```
//!
//! # Features
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | `leaves` | yes | the leaf catalog, `leaves::{tdh_*, ALL, find, by_name}` (the ABI table, `leaves::ABI`, and `LeafInfo` are always there) |
//! | `proposed` | no | the leaves only proposed for Linux (Dynamic PAMT, page demotion, …); implies `leaves` |
//! | `seamldr` | no | the P-SEAMLDR leaves (RAX bit 63); implies `leaves` |
//! | `std` | no | links the standard library; nothing else in this crate needs it |
//! | `error-hook` | no | [`hook`]: a function you register sees every failed SEAMCALL (leaf, status, output registers), `no_std`, called from the error path only |
//! | `emulate` | no | `emulate`: trap-and-emulate and the software TDX module, for tests on Linux x86-64 without TDX; implies `std` and `leaves`, never for a kernel |
//!
//! Without `std` the crate is `no_std` and needs no allocator. The
//! documentation on docs.rs is built with every feature and marks what each
//! one gates.
#![cfg_attr(not(feature = "std"), no_std)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![deny(missing_docs)]
#![deny(unsafe_op_in_unsafe_fn)]

#[cfg(not(target_arch = "x86_64"))]
compile_error!("seamcall-core supports x86_64 only: SEAMCALL exists only on x86-64.");

#[cfg(feature = "emulate")]
#[cfg_attr(docsrs, doc(cfg(feature = "emulate")))]
pub mod emulate;
mod error;
pub mod extable;
pub mod fields;
pub mod guest;
#[cfg(feature = "error-hook")]
#[cfg_attr(docsrs, doc(cfg(feature = "error-hook")))]
pub mod hook;
pub mod leaves;
mod reg;
mod ret;
mod status;
mod types;

pub use error::{ErrorKind, RawResult, SeamcallError, Trap};

/// `Result<T, SeamcallError>`, what a declared leaf returns. A declaration
/// may name it (or a crate's own alias of it) as its return type:
///
/// ```
/// use seamcall_core::seamcall;
///
/// #[seamcall(leaf = 11, in = [rcx, rdx], out = [r8])]
/// pub unsafe fn tdh_mng_rd(tdr: u64, field: u64) -> seamcall_core::Result<u64>;
/// ```
pub type Result<T> = core::result::Result<T, SeamcallError>;
pub use reg::{FromReg, IntoReg};
/// The grammar of the attribute is in [the crate
/// documentation](crate#the-seamcall-declaration).
pub use seamcall_macros::{seamcall, tdcall, tdvmcall};
pub use status::{OperandId, TdxStatus};

pub use types::{
    ElementSize, FieldContext, FieldId, GpaLevel, Hkid, PageSize, SeptEntry, SeptLevel,
    SeptLevelState,
};
/// The [`x86_64`](https://docs.rs/x86_64) crate this crate's API is written
/// in: [`PhysAddr`](x86_64::PhysAddr), [`VirtAddr`](x86_64::VirtAddr) and
/// [`PhysFrame`](x86_64::structures::paging::PhysFrame) travel in registers
/// ([`IntoReg`]), and [`extable::fixup_frame`] takes its
/// `InterruptStackFrame`.
///
/// Name those types through this path, `seamcall_core::x86_64::PhysAddr`,
/// rather than through a dependency of your own on `x86_64`: a crate that
/// depends on another version (0.14, say) otherwise has two distinct
/// `PhysAddr` types, and the one it passes does not implement [`IntoReg`].
///
/// ```
/// use seamcall_core::x86_64::PhysAddr;
/// use seamcall_core::IntoReg;
///
/// assert_eq!(PhysAddr::new(0x1000).into_reg(), 0x1000);
/// ```
pub use x86_64;

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
    pub use crate::reg::{FromReg, IntoReg};
    pub use crate::ret::{LeafResult, Outputs};
    pub use crate::status::TdxStatus;
    pub use core;
    pub use seamcall_abi as abi;

    /// Called by the expansion when the status is not 0, on the error path
    /// only: with feature `error-hook`, a call of the registered hook
    /// ([`crate::hook`]); without it, nothing. It hands the status back, so
    /// the caller need not keep it in a callee-saved register across the
    /// call (which would cost a push on the success path too).
    #[inline(always)]
    pub fn failed(
        function: &'static str,
        leaf_word: u64,
        status: u64,
        outputs: &[(crate::leaves::Reg, u64)],
    ) -> u64 {
        #[cfg(feature = "error-hook")]
        return crate::hook::report(function, leaf_word, status, outputs);
        #[cfg(not(feature = "error-hook"))]
        {
            let _ = (function, leaf_word, outputs);
            status
        }
    }

    /// [`failed`] for a `Result` leaf: the error back.
    #[inline(always)]
    pub fn failed_err(
        function: &'static str,
        leaf_word: u64,
        e: SeamcallError,
        outputs: &[(crate::leaves::Reg, u64)],
    ) -> SeamcallError {
        #[cfg(feature = "error-hook")]
        {
            let raw = failed(function, leaf_word, e.raw(), outputs);
            SeamcallError::from_status(raw).unwrap_or(e)
        }
        #[cfg(not(feature = "error-hook"))]
        {
            let _ = (function, leaf_word, outputs);
            e
        }
    }

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

    pub use crate::guest::{TdcallError, TdvmcallError};
    pub use seamcall_macros::__tdvmcall_block;
}
