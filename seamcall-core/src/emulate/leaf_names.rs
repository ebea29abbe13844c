//! Names and register sets of the host leaves, for traces and checks.
//!
//! A private table until the leaf catalog (`seamcall_core::leaves`) lands:
//! names, numbers and input registers as `tdx-abi/leaves.tsv` lists them,
//! and the registers module 1.5.01 may write on any path (`may_write` of
//! `tdx-abi/writes.tsv`; RBP, which only TDH.VP.ENTER may write and which
//! [`Regs`](super::Regs) does not carry, left out). `writes` is `None` for
//! leaves that module does not have.

use super::Gpr as Rr;

/// One host leaf.
#[derive(Debug)]
pub(crate) struct LeafRow {
    pub(crate) leaf: u16,
    pub(crate) name: &'static str,
    pub(crate) inputs: &'static [Rr],
    pub(crate) writes: Option<&'static [Rr]>,
}

const fn row(
    leaf: u16,
    name: &'static str,
    inputs: &'static [Rr],
    writes: Option<&'static [Rr]>,
) -> LeafRow {
    LeafRow {
        leaf,
        name,
        inputs,
        writes,
    }
}

/// Every host leaf with a number below 0x10000, by leaf number.
pub(crate) static LEAVES: &[LeafRow] = &[
    row(
        0,
        "TDH.VP.ENTER",
        &[
            Rr::Rcx,
            Rr::Rdx,
            Rr::R8,
            Rr::R9,
            Rr::R10,
            Rr::R11,
            Rr::R12,
            Rr::R13,
            Rr::R14,
            Rr::R15,
            Rr::Rbx,
            Rr::Rdi,
            Rr::Rsi,
        ],
        Some(&[
            Rr::Rcx,
            Rr::Rdx,
            Rr::Rbx,
            Rr::Rsi,
            Rr::Rdi,
            Rr::R8,
            Rr::R9,
            Rr::R10,
            Rr::R11,
            Rr::R12,
            Rr::R13,
            Rr::R14,
            Rr::R15,
        ]),
    ),
    row(1, "TDH.MNG.ADDCX", &[Rr::Rcx, Rr::Rdx], Some(&[])),
    row(
        2,
        "TDH.MEM.PAGE.ADD",
        &[Rr::Rcx, Rr::Rdx, Rr::R8, Rr::R9],
        Some(&[Rr::Rcx, Rr::Rdx]),
    ),
    row(
        3,
        "TDH.MEM.SEPT.ADD",
        &[Rr::Rcx, Rr::Rdx, Rr::R8],
        Some(&[Rr::Rcx, Rr::Rdx, Rr::R8, Rr::R9, Rr::R10, Rr::R11]),
    ),
    row(4, "TDH.VP.ADDCX", &[Rr::Rcx, Rr::Rdx], Some(&[])),
    row(
        5,
        "TDH.MEM.PAGE.RELOCATE",
        &[Rr::Rcx, Rr::Rdx, Rr::R8],
        Some(&[Rr::Rcx, Rr::Rdx]),
    ),
    row(
        6,
        "TDH.MEM.PAGE.AUG",
        &[Rr::Rcx, Rr::Rdx, Rr::R8],
        Some(&[Rr::Rcx, Rr::Rdx]),
    ),
    row(
        7,
        "TDH.MEM.RANGE.BLOCK",
        &[Rr::Rcx, Rr::Rdx],
        Some(&[Rr::Rcx, Rr::Rdx]),
    ),
    row(8, "TDH.MNG.KEY.CONFIG", &[Rr::Rcx], Some(&[])),
    row(9, "TDH.MNG.CREATE", &[Rr::Rcx, Rr::Rdx], Some(&[])),
    row(10, "TDH.VP.CREATE", &[Rr::Rcx, Rr::Rdx], Some(&[])),
    row(
        11,
        "TDH.MNG.RD",
        &[Rr::Rcx, Rr::Rdx],
        Some(&[Rr::Rdx, Rr::R8]),
    ),
    row(
        12,
        "TDH.MEM.RD",
        &[Rr::Rcx, Rr::Rdx],
        Some(&[Rr::Rcx, Rr::Rdx, Rr::R8]),
    ),
    row(
        13,
        "TDH.MNG.WR",
        &[Rr::Rcx, Rr::Rdx, Rr::R8, Rr::R9],
        Some(&[Rr::R8]),
    ),
    row(
        14,
        "TDH.MEM.WR",
        &[Rr::Rcx, Rr::Rdx, Rr::R8],
        Some(&[Rr::Rcx, Rr::Rdx, Rr::R8]),
    ),
    row(
        15,
        "TDH.MEM.PAGE.DEMOTE",
        &[Rr::Rcx, Rr::Rdx, Rr::R8],
        Some(&[Rr::Rcx, Rr::Rdx, Rr::R9, Rr::R10, Rr::R11]),
    ),
    row(
        16,
        "TDH.MR.EXTEND",
        &[Rr::Rcx, Rr::Rdx],
        Some(&[Rr::Rcx, Rr::Rdx]),
    ),
    row(17, "TDH.MR.FINALIZE", &[Rr::Rcx], Some(&[])),
    row(18, "TDH.VP.FLUSH", &[Rr::Rcx], Some(&[])),
    row(19, "TDH.MNG.VPFLUSHDONE", &[Rr::Rcx], Some(&[])),
    row(20, "TDH.MNG.KEY.FREEID", &[Rr::Rcx], Some(&[])),
    row(21, "TDH.MNG.INIT", &[Rr::Rcx, Rr::Rdx], Some(&[Rr::Rcx])),
    row(22, "TDH.VP.INIT", &[Rr::Rcx, Rr::Rdx, Rr::R8], Some(&[])),
    row(
        23,
        "TDH.MEM.PAGE.PROMOTE",
        &[Rr::Rcx, Rr::Rdx],
        Some(&[Rr::Rcx, Rr::Rdx, Rr::R9, Rr::R10, Rr::R11]),
    ),
    row(
        24,
        "TDH.PHYMEM.PAGE.RDMD",
        &[Rr::Rcx],
        Some(&[Rr::Rcx, Rr::Rdx, Rr::R8, Rr::R9, Rr::R10, Rr::R11]),
    ),
    row(
        25,
        "TDH.MEM.SEPT.RD",
        &[Rr::Rcx, Rr::Rdx],
        Some(&[Rr::Rcx, Rr::Rdx, Rr::R8]),
    ),
    row(
        26,
        "TDH.VP.RD",
        &[Rr::Rcx, Rr::Rdx],
        Some(&[Rr::Rdx, Rr::R8]),
    ),
    row(27, "TDH.MNG.KEY.RECLAIMID", &[Rr::Rcx], Some(&[])),
    row(
        28,
        "TDH.PHYMEM.PAGE.RECLAIM",
        &[Rr::Rcx],
        Some(&[Rr::Rcx, Rr::Rdx, Rr::R8, Rr::R9, Rr::R10, Rr::R11]),
    ),
    row(
        29,
        "TDH.MEM.PAGE.REMOVE",
        &[Rr::Rcx, Rr::Rdx],
        Some(&[Rr::Rcx, Rr::Rdx]),
    ),
    row(
        30,
        "TDH.MEM.SEPT.REMOVE",
        &[Rr::Rcx, Rr::Rdx],
        Some(&[Rr::Rcx, Rr::Rdx, Rr::R9, Rr::R10, Rr::R11]),
    ),
    row(31, "TDH.SYS.KEY.CONFIG", &[], Some(&[])),
    row(
        32,
        "TDH.SYS.INFO",
        &[Rr::Rcx, Rr::Rdx, Rr::R8, Rr::R9],
        Some(&[Rr::Rdx, Rr::R9]),
    ),
    row(
        33,
        "TDH.SYS.INIT",
        &[Rr::Rcx],
        Some(&[Rr::Rcx, Rr::Rdx, Rr::R8, Rr::R9, Rr::R10]),
    ),
    row(34, "TDH.SYS.RD", &[Rr::Rdx], Some(&[Rr::Rdx, Rr::R8])),
    row(
        35,
        "TDH.SYS.LP.INIT",
        &[],
        Some(&[Rr::Rcx, Rr::Rdx, Rr::R8]),
    ),
    row(36, "TDH.SYS.TDMR.INIT", &[Rr::Rcx], Some(&[Rr::Rdx])),
    row(37, "TDH.SYS.RDALL", &[Rr::Rdx, Rr::R8], Some(&[Rr::R8])),
    row(38, "TDH.MEM.TRACK", &[Rr::Rcx], Some(&[])),
    row(
        39,
        "TDH.MEM.RANGE.UNBLOCK",
        &[Rr::Rcx, Rr::Rdx],
        Some(&[Rr::Rcx, Rr::Rdx]),
    ),
    row(40, "TDH.PHYMEM.CACHE.WB", &[Rr::Rcx], Some(&[])),
    row(41, "TDH.PHYMEM.PAGE.WBINVD", &[Rr::Rcx], Some(&[])),
    row(42, "TDH.MEM.SEPT.WR", &[], None),
    row(
        43,
        "TDH.VP.WR",
        &[Rr::Rcx, Rr::Rdx, Rr::R8, Rr::R9],
        Some(&[Rr::R8]),
    ),
    row(44, "TDH.SYS.LP.SHUTDOWN", &[], Some(&[])),
    row(45, "TDH.SYS.CONFIG", &[Rr::Rcx, Rr::Rdx, Rr::R8], Some(&[])),
    row(
        48,
        "TDH.SERVTD.BIND",
        &[Rr::Rcx, Rr::Rdx, Rr::R8, Rr::R9, Rr::R10],
        Some(&[Rr::Rcx, Rr::R10, Rr::R11, Rr::R12, Rr::R13]),
    ),
    row(
        49,
        "TDH.SERVTD.PREBIND",
        &[Rr::Rcx, Rr::Rdx, Rr::R8, Rr::R9, Rr::R10],
        Some(&[]),
    ),
    row(52, "TDH.SYS.SHUTDOWN", &[Rr::Rcx], Some(&[])),
    row(53, "TDH.SYS.UPDATE", &[], Some(&[])),
    row(58, "TDH.PHYMEM.PAMT.ADD", &[Rr::Rcx, Rr::Rdx, Rr::R8], None),
    row(59, "TDH.PHYMEM.PAMT.REMOVE", &[Rr::Rcx], None),
    row(60, "TDH.EXT.INIT", &[], None),
    row(61, "TDH.EXT.MEM.ADD", &[Rr::Rcx], None),
    row(
        64,
        "TDH.EXPORT.ABORT",
        &[Rr::Rcx, Rr::R8, Rr::R10],
        Some(&[]),
    ),
    row(
        65,
        "TDH.EXPORT.BLOCKW",
        &[Rr::Rcx, Rr::Rdx],
        Some(&[Rr::Rcx]),
    ),
    row(
        66,
        "TDH.EXPORT.RESTORE",
        &[Rr::Rcx, Rr::Rdx],
        Some(&[Rr::Rcx]),
    ),
    row(
        68,
        "TDH.EXPORT.MEM",
        &[Rr::Rcx, Rr::Rdx, Rr::R8, Rr::R9, Rr::R10, Rr::R11, Rr::R12],
        Some(&[Rr::Rcx, Rr::Rdx]),
    ),
    row(69, "TDH.SYS.DISABLE", &[], None),
    row(70, "TDH.EXPORT.PAUSE", &[Rr::Rcx], Some(&[])),
    row(
        71,
        "TDH.EXPORT.TRACK",
        &[Rr::Rcx, Rr::R8, Rr::R10],
        Some(&[]),
    ),
    row(
        72,
        "TDH.EXPORT.STATE.IMMUTABLE",
        &[Rr::Rcx, Rr::R8, Rr::R9, Rr::R10],
        Some(&[Rr::Rdx]),
    ),
    row(
        73,
        "TDH.EXPORT.STATE.TD",
        &[Rr::Rcx, Rr::R8, Rr::R9, Rr::R10],
        Some(&[Rr::Rdx]),
    ),
    row(
        74,
        "TDH.EXPORT.STATE.VP",
        &[Rr::Rcx, Rr::R8, Rr::R9, Rr::R10],
        Some(&[Rr::Rdx]),
    ),
    row(
        75,
        "TDH.EXPORT.UNBLOCKW",
        &[Rr::Rcx, Rr::Rdx],
        Some(&[Rr::Rcx, Rr::Rdx]),
    ),
    row(
        80,
        "TDH.IMPORT.ABORT",
        &[Rr::Rcx, Rr::R8, Rr::R10],
        Some(&[]),
    ),
    row(81, "TDH.IMPORT.END", &[Rr::Rcx], Some(&[])),
    row(82, "TDH.IMPORT.COMMIT", &[Rr::Rcx], Some(&[])),
    row(
        83,
        "TDH.IMPORT.MEM",
        &[
            Rr::Rcx,
            Rr::Rdx,
            Rr::R8,
            Rr::R9,
            Rr::R10,
            Rr::R11,
            Rr::R12,
            Rr::R13,
        ],
        Some(&[Rr::Rcx]),
    ),
    row(
        84,
        "TDH.IMPORT.TRACK",
        &[Rr::Rcx, Rr::R8, Rr::R10],
        Some(&[]),
    ),
    row(
        85,
        "TDH.IMPORT.STATE.IMMUTABLE",
        &[Rr::Rcx, Rr::R8, Rr::R9, Rr::R10],
        Some(&[Rr::Rcx, Rr::Rdx]),
    ),
    row(
        86,
        "TDH.IMPORT.STATE.TD",
        &[Rr::Rcx, Rr::R8, Rr::R9, Rr::R10],
        Some(&[Rr::Rcx, Rr::Rdx]),
    ),
    row(
        87,
        "TDH.IMPORT.STATE.VP",
        &[Rr::Rcx, Rr::R8, Rr::R9, Rr::R10],
        Some(&[Rr::Rcx, Rr::Rdx]),
    ),
    row(96, "TDH.MIG.STREAM.CREATE", &[Rr::Rcx, Rr::Rdx], Some(&[])),
    row(100, "TDH.QUOTE.INIT", &[], None),
];

/// The table row of a leaf number.
pub(crate) fn row_of(leaf: u16) -> Option<&'static LeafRow> {
    LEAVES.iter().find(|r| r.leaf == leaf)
}

/// The name of a host leaf (`"TDH.MNG.CREATE"` for 9), or `None` for a
/// number no known leaf has.
pub fn leaf_name(leaf: u16) -> Option<&'static str> {
    row_of(leaf).map(|r| r.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_unique() {
        for w in LEAVES.windows(2) {
            assert!(w[0].leaf < w[1].leaf, "{} then {}", w[0].name, w[1].name);
        }
    }

    #[test]
    fn known_rows() {
        assert_eq!(leaf_name(9), Some("TDH.MNG.CREATE"));
        assert_eq!(leaf_name(1000), None);
        let rd = row_of(11).map(|r| r.writes);
        assert_eq!(rd, Some(Some(&[Rr::Rdx, Rr::R8][..])));
    }
}
