//! The instruction a declaration issues, and what the stages need to know
//! about it: `SEAMCALL` for `#[seamcall]`, `TDCALL` for `#[tdcall]` and the
//! TDG.VP.VMCALL block behind `#[tdvmcall]`.

use proc_macro2::Span;
use syn::Ident;

use crate::abi;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Insn {
    /// `SEAMCALL` (`66 0F 01 CF`): CF=1 reports VMfailInvalid.
    Seamcall,
    /// `TDCALL` (`66 0F 01 CC`) for a TDG leaf: no CF report.
    Tdcall,
    /// `TDCALL` leaf 0 (TDG.VP.VMCALL), the block `#[tdvmcall]` builds:
    /// its registers come from the exposure mask, not from the table.
    Vmcall,
}

impl Insn {
    /// The mnemonic, as messages and docs name it.
    pub fn name(self) -> &'static str {
        match self {
            Insn::Seamcall => "SEAMCALL",
            Insn::Tdcall | Insn::Vmcall => "TDCALL",
        }
    }

    /// The attribute, as messages name it.
    pub fn attr(self) -> &'static str {
        match self {
            Insn::Seamcall => "seamcall",
            Insn::Tdcall => "tdcall",
            Insn::Vmcall => "tdvmcall",
        }
    }

    /// The `macro_rules!` of `seamcall-core` that spells the instruction
    /// (or its stand-in in a `seamcall_stub` build).
    pub fn bytes_macro(self) -> Ident {
        match self {
            Insn::Seamcall => Ident::new("__seamcall_insn", Span::call_site()),
            Insn::Tdcall | Insn::Vmcall => Ident::new("__tdcall_insn", Span::call_site()),
        }
    }

    /// Whether CF=1 after the instruction reports VMfailInvalid (RAX
    /// unchanged), which the block tests.
    pub fn reports_vmfail(self) -> bool {
        self == Insn::Seamcall
    }

    /// The error type of the `Result` form.
    pub fn error_type(self) -> &'static str {
        match self {
            Insn::Seamcall => "SeamcallError",
            Insn::Tdcall | Insn::Vmcall => "TdcallError",
        }
    }

    /// The ABI table declarations are checked against.
    pub fn table(self) -> &'static [abi::Entry] {
        match self {
            Insn::Seamcall => abi::TABLE,
            Insn::Tdcall | Insn::Vmcall => crate::guest::TABLE,
        }
    }
}
