//! The Intel TDX `SEAMCALL` ABI as plain data, written once for the
//! `#[seamcall]` attribute (`seamcall-macros`, which checks declarations
//! while it expands them) and the runtime (`seamcall-core`, which re-exports
//! it and checks leaves given as paths with a `const` assertion):
//!
//! * [`Reg`] and [`RegSet`]: the register model, general registers and
//!   XMM0–XMM15, one bit per register encoding;
//! * [`LeafWord`]: the RAX word that selects a leaf (number, version,
//!   P-SEAMLDR bit);
//! * [`Entry`] and [`Table`]: the ABI rows, and [`SEAMCALL`], the host table,
//!   and [`TDCALL`], the guest's (TDG leaves);
//! * [`vmcall`]: the TDG.VP.VMCALL exposure mask (RCX) for a set of registers;
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
//! A row is a leaf at one version: its name, the registers any audited
//! release reads (an input is accepted if one of them reads it), and its
//! [`Audit`]s: each lists every register some releases may write, with
//! what it holds, and the [`Releases`] whose source was read and found
//! writing exactly those. [`Entry::writes`] is the union over the audits
//! (plus XMM0–XMM15 where [`Entry::zeroes_xmm`]), the set the cross-check
//! compares against, so a declaration is accepted only if it is safe on
//! every audited release that accepts the leaf at that version. A release
//! that rejects the leaf or version (module 1.5.01 and version 1 of
//! TDH.VP.INIT) writes RAX alone and has no audit in the row. The audited
//! releases are 1.5.01 (`tests/data/tdx-abi/writes.tsv`) and 1.5.25, 1.5.34
//! and 2.0.18 (`writes-2.0.tsv`, its `module` column);
//! [`Entry::writes_in`] gives one release's set.
//!
//! Why an audit holds a set of releases rather than one: most rows of the
//! newer releases repeat 1.5.01's registers exactly, so the registers and
//! what each holds are written once, `V1_5_01.and(V2_0_18).audit(..)`,
//! and only a row that changed gets a second audit
//! (TDH.MEM.PAGE.PROMOTE: `V1_5_01.audit(..)` and
//! `V1_5_25.and(V2_0_18).audit(..)` with R12 and R13). Adding a release is
//! data: a [`Release`] variant, and the release named in the audits it
//! agrees with or a new audit where it differs.
//!
//! Versions: module 1.5.01 accepts a version above 0 only for TDH.MNG.RD,
//! TDH.VP.RD, TDH.MEM.SEPT.ADD, TDH.MEM.SEPT.REMOVE and
//! TDH.MEM.PAGE.PROMOTE; newer releases add TDH.VP.INIT, TDH.SYS.INIT,
//! TDH.SYS.UPDATE, TDH.SYS.CONFIG, four migration leaves and
//! TDH.MEM.SHARED.SEPT.WR. Where a version above the highest row (2 and
//! up) still runs the version-1 handler, which may write its registers
//! before it returns `TDX_OPERAND_INVALID`, the version-1 row
//! [covers higher versions](Entry::covers_higher_versions) and such a word
//! looks up as [`Lookup::Rejected`]. Any other version a row lacks is
//! rejected writing RAX alone by every audited release; a declaration of it
//! is for a later module whose writes were not audited
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
mod tdcall;
pub mod vmcall;
mod word;

pub use reg::{Reg, RegSet};
pub use seamcall::SEAMCALL;
pub use table::{
    cross_check, find, lookup, Audit, Entry, Lookup, Mismatches, Release, Releases, Table,
};
pub use tdcall::TDCALL;
pub use word::{LeafWord, Title};

#[cfg(test)]
mod tests;
