//! The ABI table, [`ABI`]: for each leaf and version the TDX module
//! defines, the registers it reads and the registers it may write.
//!
//! The rows are not written here: `seamcall-macros` holds the one copy (its
//! `abi.rs`, which the `#[seamcall]` attribute checks literal leaves
//! against) and emits it into this constant, so the macro and the runtime
//! cannot disagree. Sources: `tdx-abi/leaves.tsv` for the registers read,
//! `tdx-abi/writes.tsv` (an audit of every register write in TDX module
//! 1.5.01) for the registers written.

use super::{Reg, RegSet};

/// One row of the ABI table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AbiEntry {
    /// The leaf's name, `"TDH.MNG.RD"`.
    pub name: &'static str,
    /// The leaf number (bits 15:0 of RAX).
    pub leaf: u16,
    /// The version this row describes (bits 23:16 of RAX).
    pub version: u8,
    /// A P-SEAMLDR leaf (RAX bit 63 set).
    pub seamldr: bool,
    /// The registers the leaf reads.
    pub reads: RegSet,
    /// Every register the module may write on any path (RAX aside), XMM
    /// registers included; `None` where the module source was not audited
    /// (leaves not in module 1.5.01, P-SEAMLDR).
    pub writes: Option<RegSet>,
    /// The module may zero or replace XMM0–XMM15 (the migration leaves
    /// after AES-GCM; TDH.VP.ENTER with guest state).
    pub zeroes_xmm: bool,
    /// Module 1.5.01 runs this row's handler for every higher version of
    /// the leaf too, and the handler writes this row's registers before it
    /// rejects the version with `TDX_OPERAND_INVALID`: a declaration of a
    /// higher version is checked against this row (the version-1 rows of
    /// TDH.MNG.RD, TDH.VP.RD, TDH.MEM.SEPT.ADD, TDH.MEM.SEPT.REMOVE and
    /// TDH.MEM.PAGE.PROMOTE). Any other leaf at a version the table lacks is
    /// rejected by the module's dispatcher with RAX alone, and is for a
    /// later module whose writes were not audited.
    pub covers_higher_versions: bool,
    /// What the module leaves in each general register it may write.
    pub notes: &'static [(Reg, &'static str)],
}

/// The table. Rows are unique per (leaf, version, P-SEAMLDR); a leaf whose
/// behaviour depends on the version has one row per version (TDH.MNG.RD and
/// TDH.VP.RD write RDX only from version 1; TDH.MEM.SEPT.ADD,
/// TDH.MEM.PAGE.PROMOTE and TDH.MEM.SEPT.REMOVE write R9–R11 only from
/// version 1).
pub const ABI: &[AbiEntry] = seamcall_macros::__abi_table!(crate::leaves);

/// The row for a leaf and version.
pub const fn find(leaf: u16, version: u8, seamldr: bool) -> Option<&'static AbiEntry> {
    let mut i = 0;
    while i < ABI.len() {
        let e = &ABI[i];
        if e.leaf == leaf && e.version == version && e.seamldr == seamldr {
            return Some(e);
        }
        i += 1;
    }
    None
}

/// The row a declaration of `leaf` at `version` is checked against: the
/// row for that version, or, above the highest row of a leaf whose row
/// [covers higher versions](AbiEntry::covers_higher_versions), that row.
/// `None` where the table does not know the leaf at that version.
pub const fn find_checked(leaf: u16, version: u8, seamldr: bool) -> Option<&'static AbiEntry> {
    if let Some(e) = find(leaf, version, seamldr) {
        return Some(e);
    }
    let mut below: Option<&'static AbiEntry> = None;
    let mut i = 0;
    while i < ABI.len() {
        let e = &ABI[i];
        if e.leaf == leaf && e.seamldr == seamldr && e.version < version {
            below = match below {
                Some(b) if b.version >= e.version => Some(b),
                _ => Some(e),
            };
        }
        i += 1;
    }
    match below {
        Some(e) if e.covers_higher_versions => Some(e),
        _ => None,
    }
}

/// Whether the table has a row for the leaf at any version.
pub const fn knows(leaf: u16, seamldr: bool) -> bool {
    let mut i = 0;
    while i < ABI.len() {
        if ABI[i].leaf == leaf && ABI[i].seamldr == seamldr {
            return true;
        }
        i += 1;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn higher_versions_of_the_versioned_leaves_use_version_1() {
        for leaf in [3, 11, 23, 26, 30] {
            for version in [2, 3, 255] {
                let e = find_checked(leaf, version, false).expect("checked against a row");
                assert_eq!((e.leaf, e.version), (leaf, 1));
            }
            assert_eq!(find_checked(leaf, 0, false).map(|e| e.version), Some(0));
        }
        // Other leaves at a version the table lacks: no row.
        assert!(find_checked(9, 1, false).is_none());
        assert!(find_checked(22, 2, false).is_none());
        assert!(find_checked(0, 1, true).is_none());
        assert!(find_checked(300, 0, false).is_none());
    }
}
