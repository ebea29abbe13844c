//! The ABI table, [`ABI`]: for each leaf and version the TDX module
//! defines, the registers it reads and the registers it may write.
//!
//! The rows live in the `seamcall-abi` crate, the one copy that the
//! `#[seamcall]` attribute checks literal leaves against and that the
//! generated `const` assertion for a leaf given as a path evaluates, so the
//! macro and the runtime cannot disagree. Sources: `leaves.tsv` and
//! `leaves-2.0.tsv` for the registers read, `writes.tsv` (an audit of every
//! register write in TDX module 1.5.01) and `writes-2.0.tsv` (the same for
//! 1.5.25, 1.5.34 and 2.0.18) for the registers written, per release, all
//! vendored under `tests/data/tdx-abi/`.

use seamcall_abi::{lookup, LeafWord, SEAMCALL};

/// One row of the ABI table (`seamcall_abi::Entry`).
pub use seamcall_abi::Entry as AbiEntry;
pub use seamcall_abi::{Audit, Release, Releases};

/// The table. Rows are unique per (leaf, version, P-SEAMLDR); a leaf whose
/// behaviour depends on the version has one row per version (TDH.MNG.RD and
/// TDH.VP.RD write RDX only from version 1; TDH.MEM.SEPT.ADD,
/// TDH.MEM.PAGE.PROMOTE and TDH.MEM.SEPT.REMOVE write R9–R11 only from
/// version 1).
pub const ABI: &[AbiEntry] = SEAMCALL.rows;

/// The row for a leaf and version.
pub const fn find(leaf: u16, version: u8, seamldr: bool) -> Option<&'static AbiEntry> {
    seamcall_abi::find(&SEAMCALL, LeafWord::from_parts(leaf, version, seamldr))
}

/// The row a declaration of `leaf` at `version` is checked against: the
/// row for that version, or, above the highest row of a leaf whose row
/// [covers higher versions](AbiEntry::covers_higher_versions), that row.
/// `None` where the table does not know the leaf at that version.
pub const fn find_checked(leaf: u16, version: u8, seamldr: bool) -> Option<&'static AbiEntry> {
    lookup(&SEAMCALL, LeafWord::from_parts(leaf, version, seamldr)).entry()
}

/// Whether the table has a row for the leaf at any version.
pub const fn knows(leaf: u16, seamldr: bool) -> bool {
    let word = LeafWord::from_parts(leaf, 0, seamldr);
    !matches!(lookup(&SEAMCALL, word), seamcall_abi::Lookup::Unknown)
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
        assert!(knows(22, false) && knows(0, true) && !knows(42, false));
    }
}
