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

use crate::leaves::AbiEntry;

/// The table: one row per (leaf, version), in leaf order. The rows are
/// written once, in `seamcall-macros` (its `guest.rs`, which `#[tdcall]`
/// checks literal leaves against), and emitted here.
pub const GUEST_ABI: &[AbiEntry] = seamcall_macros::__guest_abi_table!(crate::leaves);

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

/// The row a declaration of `leaf` at `version` is checked against (the
/// guest table has no row that covers higher versions).
pub const fn find_checked(leaf: u16, version: u8, _seamldr: bool) -> Option<&'static AbiEntry> {
    find(leaf, version)
}

/// Whether the table has a row for the leaf at any version.
pub const fn knows(leaf: u16, _seamldr: bool) -> bool {
    let mut i = 0;
    while i < GUEST_ABI.len() {
        if GUEST_ABI[i].leaf == leaf {
            return true;
        }
        i += 1;
    }
    false
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
