//! The Intel TDX `SEAMCALL` ABI as plain data, written once for the
//! `#[seamcall]` attribute (`seamcall-macros`, which checks declarations
//! while it expands them) and the runtime (`seamcall-core`, which re-exports
//! it and checks leaves given as paths with a `const` assertion):
//!
//! * [`Reg`] and [`RegSet`]: the register model, general registers and
//!   XMM0–XMM15, one bit per register encoding;
//! * [`LeafWord`]: the RAX word that selects a leaf (number, version,
//!   P-SEAMLDR bit);
//! * [`Entry`] and [`Table`]: the ABI rows, and [`SEAMCALL`], the host table;
//! * [`lookup`] and [`cross_check`]: which row a leaf word is checked
//!   against, and where a declaration disagrees with it.
//!
//! Everything is `const`, so a generated `const` item can run the same
//! check at compile time that the macro runs on literal leaves.
//!
//! # The shape of the rows, and what it leaves room for
//!
//! A [`Table`] is one instruction's rows (`insn` names it); the functions
//! take the table, so a second instruction (TDCALL's guest leaves) is a
//! second `Table` of the same [`Entry`] type, not a new type.
//!
//! A row is a leaf at one version: its name, the registers it reads, and
//! per audited module release an [`Audit`] listing every register that
//! release may write with what it holds. [`Entry::writes`] is the union over
//! the audits (plus XMM0–XMM15 where [`Entry::zeroes_xmm`]), the set the
//! cross-check compares against, so a declaration is accepted only if it is
//! safe on every audited release. Today every row carries one audit,
//! [`Release::V1_5_01`]; adding a release is data: a [`Release`] variant and
//! one more `Audit` in the rows it changes.
//!
//! Versions: module 1.5.01 accepts a version above 0 only for TDH.MNG.RD,
//! TDH.VP.RD, TDH.MEM.SEPT.ADD, TDH.MEM.SEPT.REMOVE and
//! TDH.MEM.PAGE.PROMOTE. For those five, a version above the highest row (2
//! and up) still runs the version-1 handler, which writes its registers
//! before it returns `TDX_OPERAND_INVALID`: the version-1 row
//! [covers higher versions](Entry::covers_higher_versions) and such a word
//! looks up as [`Lookup::Rejected`]. For every other leaf the dispatcher
//! rejects a version above 0 writing RAX alone; a declaration of such a
//! version is for a later module whose writes were not audited
//! ([`Lookup::OtherVersions`]). Checking it against "RAX only" would accept a
//! declaration that clobbers nothing, the very miscompile the check exists
//! to prevent.
//!
//! ```
//! use seamcall_abi::{cross_check, lookup, LeafWord, Reg, RegSet, SEAMCALL};
//!
//! let row = lookup(&SEAMCALL, LeafWord::new(43, 0)).entry().unwrap();
//! assert_eq!(row.name, "TDH.VP.WR");
//! let ins = RegSet::of(&[Reg::Rcx, Reg::Rdx, Reg::R8, Reg::R9]);
//! let m = cross_check(row, ins, RegSet::EMPTY, RegSet::EMPTY);
//! assert_eq!(m.uncovered, RegSet::of(&[Reg::R8])); // the previous value
//! ```
#![no_std]
#![deny(missing_docs)]

mod reg;
mod seamcall;
mod table;
mod word;

pub use reg::{Reg, RegSet};
pub use seamcall::SEAMCALL;
pub use table::{cross_check, find, lookup, Audit, Entry, Lookup, Mismatches, Release, Table};
pub use word::{LeafWord, Title};

#[cfg(test)]
mod tests;
