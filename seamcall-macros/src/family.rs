//! Which attribute a declaration belongs to, and what the stages take from
//! that: `#[seamcall]` (SEAMCALL, the host table), `#[tdcall]` (TDCALL, the
//! guest table) and the TDG.VP.VMCALL block behind `#[tdvmcall]` (TDCALL
//! leaf 0, whose registers come from the exposure mask, not from a table).
//! The expander maps a family to its `Insn`.

use seamcall_abi::{Table, SEAMCALL, TDCALL};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    /// `#[seamcall]`.
    Seamcall,
    /// `#[tdcall]`: a TDG leaf.
    Tdcall,
    /// The leaf-0 block a `#[tdvmcall]` expansion declares.
    Vmcall,
}

impl Family {
    /// The instruction's mnemonic, as messages and docs name it.
    pub fn insn(self) -> &'static str {
        match self {
            Family::Seamcall => "SEAMCALL",
            Family::Tdcall | Family::Vmcall => "TDCALL",
        }
    }

    /// The attribute's name.
    pub fn attr(self) -> &'static str {
        match self {
            Family::Seamcall => "seamcall",
            Family::Tdcall => "tdcall",
            Family::Vmcall => "tdvmcall",
        }
    }

    /// The error type of the `Result` form.
    pub fn error_type(self) -> &'static str {
        match self {
            Family::Seamcall => "SeamcallError",
            Family::Tdcall | Family::Vmcall => "TdcallError",
        }
    }

    /// The ABI table a literal leaf is checked against.
    pub fn table(self) -> &'static Table {
        match self {
            Family::Seamcall => &SEAMCALL,
            Family::Tdcall | Family::Vmcall => &TDCALL,
        }
    }

    /// That table's name in `seamcall_abi`, for the generated assertion.
    pub fn table_name(self) -> &'static str {
        match self {
            Family::Seamcall => "SEAMCALL",
            Family::Tdcall | Family::Vmcall => "TDCALL",
        }
    }
}
