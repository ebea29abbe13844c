//! The guest ABI table, [`GUEST_ABI`]: for each TDG leaf and version that
//! the TDX module 1.5.01 dispatcher accepts, the registers the leaf reads and
//! every register it may write on any path (RAX aside).
//!
//! Source: `tests/data/tdx-abi/guest/tdcall-leaves.tsv`, an audit of
//! intel/tdx-module at tag TDX_1.5.01 (commit 72d8cffb); `tests/guest_abi.rs`
//! compares this table with that file. Leaves seen only in later module
//! source or only in peers (TDG.MR.KEY.GET, the TDX Connect leaves,
//! TDG.MEM.PAGE.RELEASE, TDG.SERVTD.REBIND.APPROVE, TDG.DEBUG) have no
//! audited register set and no row.
//!
//! Two rows are special:
//!
//! * TDG.VP.VMCALL (leaf 0) writes whatever its RCX mask exposes, so its
//!   writes are `None` here: `#[tdvmcall]` derives them from the declaration
//!   instead, and `#[tdcall]` refuses leaf 0.
//! * TDG.VP.ENTER (leaf 25) returns the L2's registers in every GPR but RSP,
//!   RBP included, and leaves the L2's vector state in the registers.
//!
//! The leaves that hash (TDG.MR.RTMR.EXTEND, TDG.MR.REPORT, TDG.SERVTD.RD,
//! TDG.SERVTD.WR) save XMM0-15 before the SHA-384 and restore them after;
//! whether the crypto code can change the upper YMM halves or MXCSR was not
//! checked, so the catalog declares XMM0-15 clobbered for them although the
//! table does not require it.

use crate::leaves::{AbiEntry, Reg, RegSet};

use Reg::*;

const fn row(
    name: &'static str,
    leaf: u16,
    version: u8,
    reads: &[Reg],
    writes: Option<&[Reg]>,
    zeroes_xmm: bool,
    notes: &'static [(Reg, &'static str)],
) -> AbiEntry {
    AbiEntry {
        name,
        leaf,
        version,
        seamldr: false,
        reads: RegSet::of(reads),
        writes: match writes {
            Some(w) => Some(RegSet::of(w)),
            None => None,
        },
        zeroes_xmm,
        covers_higher_versions: false,
        notes,
    }
}

const ALL_GPRS_BUT_RSP: &[Reg] = &[
    Rcx, Rdx, Rbx, Rbp, Rsi, Rdi, R8, R9, R10, R11, R12, R13, R14, R15,
];

/// The table: one row per (leaf, version), in leaf order.
pub const GUEST_ABI: &[AbiEntry] = &[
    row("TDG.VP.VMCALL", 0, 0, &[Rcx], None, false, &[]),
    row(
        "TDG.VP.INFO",
        1,
        0,
        &[],
        Some(&[Rcx, Rdx, R8, R9, R10, R11]),
        false,
        &[
            (Rcx, "GPA width"),
            (Rdx, "TD attributes"),
            (R8, "NUM_VCPUS | MAX_VCPUS << 32"),
            (R9, "vCPU index"),
            (R10, "available-leaves bitmap"),
            (R11, "reserved, 0"),
        ],
    ),
    row(
        "TDG.MR.RTMR.EXTEND",
        2,
        0,
        &[Rcx, Rdx],
        Some(&[]),
        false,
        &[],
    ),
    row(
        "TDG.VP.VEINFO.GET",
        3,
        0,
        &[],
        Some(&[Rcx, Rdx, R8, R9, R10]),
        false,
        &[
            (Rcx, "exit reason"),
            (Rdx, "exit qualification"),
            (R8, "guest linear address"),
            (R9, "guest physical address"),
            (R10, "instruction length | info << 32"),
        ],
    ),
    row(
        "TDG.MR.REPORT",
        4,
        0,
        &[Rcx, Rdx, R8],
        Some(&[]),
        false,
        &[],
    ),
    row("TDG.VP.CPUIDVE.SET", 5, 0, &[Rcx], Some(&[]), false, &[]),
    row("TDG.MEM.PAGE.ACCEPT", 6, 0, &[Rcx], Some(&[]), false, &[]),
    row(
        "TDG.VM.RD",
        7,
        0,
        &[Rcx, Rdx],
        Some(&[R8]),
        false,
        &[(R8, "field value, 0 on error")],
    ),
    row(
        "TDG.VM.RD",
        7,
        1,
        &[Rcx, Rdx],
        Some(&[Rdx, R8]),
        false,
        &[
            (Rdx, "next field ID, -1 if none"),
            (R8, "field value, 0 on error"),
        ],
    ),
    row(
        "TDG.VM.WR",
        8,
        0,
        &[Rcx, Rdx, R8, R9],
        Some(&[R8]),
        false,
        &[(R8, "previous value, 0 on error")],
    ),
    row(
        "TDG.VP.RD",
        9,
        0,
        &[Rcx, Rdx],
        Some(&[Rdx, R8]),
        false,
        &[
            (Rdx, "next field ID, -1 if none"),
            (R8, "field value, 0 on error"),
        ],
    ),
    row(
        "TDG.VP.WR",
        10,
        0,
        &[Rcx, Rdx, R8, R9],
        Some(&[R8]),
        false,
        &[(R8, "previous value")],
    ),
    row(
        "TDG.SYS.RD",
        11,
        0,
        &[Rdx],
        Some(&[Rdx, R8]),
        false,
        &[
            (Rdx, "next field ID, -1 if none"),
            (R8, "field value, 0 on error"),
        ],
    ),
    row(
        "TDG.SYS.RDALL",
        12,
        0,
        &[Rdx, R8],
        Some(&[R8]),
        false,
        &[(R8, "next field ID, -1 when done")],
    ),
    row(
        "TDG.SERVTD.RD",
        18,
        0,
        &[Rcx, Rdx, R10, R11, R12, R13],
        Some(&[Rdx, R8, R10, R11, R12, R13]),
        false,
        &[
            (Rdx, "next field ID, -1 if none"),
            (R8, "field value, 0 on error"),
            (R10, "target UUID on TDX_TARGET_UUID_UPDATED"),
            (R11, "target UUID on TDX_TARGET_UUID_UPDATED"),
            (R12, "target UUID on TDX_TARGET_UUID_UPDATED"),
            (R13, "target UUID on TDX_TARGET_UUID_UPDATED"),
        ],
    ),
    row(
        "TDG.SERVTD.WR",
        20,
        0,
        &[Rcx, Rdx, R8, R9, R10, R11, R12, R13],
        Some(&[R8, R10, R11, R12, R13]),
        false,
        &[
            (R8, "previous value, 0 on error"),
            (R10, "target UUID on TDX_TARGET_UUID_UPDATED"),
            (R11, "target UUID on TDX_TARGET_UUID_UPDATED"),
            (R12, "target UUID on TDX_TARGET_UUID_UPDATED"),
            (R13, "target UUID on TDX_TARGET_UUID_UPDATED"),
        ],
    ),
    row("TDG.MR.VERIFYREPORT", 22, 0, &[Rcx], Some(&[]), false, &[]),
    row(
        "TDG.MEM.PAGE.ATTR.RD",
        23,
        0,
        &[Rcx],
        Some(&[Rcx, Rdx]),
        false,
        &[
            (Rcx, "GPA mapping: level, GPA, PENDING; 0 on error"),
            (Rdx, "attributes per VM, 0 on error"),
        ],
    ),
    row(
        "TDG.MEM.PAGE.ATTR.WR",
        24,
        0,
        &[Rcx, Rdx, R8],
        Some(&[Rcx, Rdx]),
        false,
        &[
            (Rcx, "GPA mapping, 0 on error"),
            (
                Rdx,
                "resulting attributes, current ones on TDX_PAGE_ATTR_INVALID",
            ),
        ],
    ),
    row(
        "TDG.VP.ENTER",
        25,
        0,
        &[Rcx, Rdx],
        Some(ALL_GPRS_BUT_RSP),
        true,
        &[
            (Rcx, "exit qualification"),
            (Rdx, "guest linear address"),
            (Rbx, "0"),
            (Rbp, "the L2's RBP"),
            (Rsi, "CS selector, attributes, limit"),
            (Rdi, "CS base"),
            (R8, "guest physical address"),
            (R9, "interruption information"),
            (R10, "IDT vectoring information"),
            (R11, "instruction length and information"),
            (R12, "extra information (CPL)"),
            (R13, "extended exit qualification"),
            (R14, "0"),
            (R15, "0"),
        ],
    ),
    row("TDG.VP.INVEPT", 26, 0, &[Rcx], Some(&[]), false, &[]),
    row(
        "TDG.VP.INVVPID",
        27,
        0,
        &[Rcx, Rdx],
        Some(&[Rdx]),
        false,
        &[(Rdx, "list info advanced (list mode)")],
    ),
];

/// The row for a leaf and version.
pub const fn find(leaf: u16, version: u8) -> Option<&'static AbiEntry> {
    let mut i = 0;
    while i < GUEST_ABI.len() {
        let e = &GUEST_ABI[i];
        if e.leaf == leaf && e.version == version {
            return Some(e);
        }
        i += 1;
    }
    None
}

/// The name of the TDG leaf a RAX value selects (`Some("TDG.VP.INFO")` for
/// 1); bits 63:24 must be 0, as the module requires.
pub const fn name_of(leaf_word: u64) -> Option<&'static str> {
    if leaf_word >> 24 != 0 {
        return None;
    }
    match find(leaf_word as u16, (leaf_word >> 16) as u8) {
        Some(e) => Some(e.name),
        None => None,
    }
}
