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
//!   written (audit of TDX module 1.5.01).
//!
//! A `TDCALL` outside a TD raises #UD, and inside a TD at CPL > 0 #GP; the
//! declared calls recover both through the same exception table as
//! `SEAMCALL` ([`crate::extable`]) and return
//! [`TdcallErrorKind::Fault`]. In a user-mode test on Linux that is a
//! SIGILL (bare metal, AMD, VMX root) or a SIGSEGV (an Intel VMX guest):
//! with feature `emulate` the trap handler resumes either at the fixup.

pub mod abi;
mod error;
pub mod status;
pub mod vmcall;

pub use error::{TdcallError, TdcallErrorKind, TdvmcallError, TdvmcallErrorKind};
pub use status::{Info, TdvmcallStatus};
