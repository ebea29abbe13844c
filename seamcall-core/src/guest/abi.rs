//! The guest ABI table, [`GUEST_ABI`]: for each TDG leaf and version that
//! the TDX module 1.5.01 dispatcher accepts, the registers the leaf reads and
//! every register it may write on any path (RAX aside).
//!
//! The rows live in the `seamcall-abi` crate (`seamcall_abi::TDCALL`), the
//! one copy `#[tdcall]` checks literal leaves against and the generated
//! `const` assertion for a leaf given as a path evaluates. Source:
//! `tests/data/tdx-abi/guest/tdcall-leaves.tsv`, an audit of intel/tdx-module
//! at tag TDX_1.5.01 (commit 72d8cffb); `tests/guest_abi.rs` compares the
//! rows with that file. Leaves seen only in later module source or only in
//! peers (TDG.MR.KEY.GET, the TDX Connect leaves, TDG.MEM.PAGE.RELEASE,
//! TDG.SERVTD.REBIND.APPROVE, TDG.DEBUG) have no audited register set and no
//! row.
//!
//! Two rows are special:
//!
//! * TDG.VP.VMCALL (leaf 0) writes whatever its RCX mask exposes, so it has
//!   no audit (`writes: None`): `#[tdvmcall]` derives its registers from the
//!   declaration instead ([`super::vmcall`]), and `#[tdcall]` refuses leaf 0.
//! * TDG.VP.ENTER (leaf 25) returns the L2's registers in every GPR but RSP,
//!   RBP included, and leaves the L2's vector state in the registers.
//!
//! The leaves that hash (TDG.MR.RTMR.EXTEND, TDG.MR.REPORT, TDG.SERVTD.RD,
//! TDG.SERVTD.WR) save XMM0-15 before the SHA-384 and restore them after;
//! whether the crypto code can change the upper YMM halves or MXCSR was not
//! checked, so the catalog declares XMM0-15 clobbered for them although the
//! table does not require it.

use seamcall_abi::{lookup, LeafWord, TDCALL};

use crate::leaves::AbiEntry;

/// The table: one row per (leaf, version), in leaf order.
pub const GUEST_ABI: &[AbiEntry] = TDCALL.rows;

/// The row for a leaf and version.
pub const fn find(leaf: u16, version: u8) -> Option<&'static AbiEntry> {
    seamcall_abi::find(&TDCALL, LeafWord::new(leaf, version))
}

/// The name of the TDG leaf a RAX value selects (`Some("TDG.VP.INFO")` for
/// 1); bits 63:24 must be 0, as the module requires.
pub const fn name_of(leaf_word: u64) -> Option<&'static str> {
    if leaf_word >> 24 != 0 {
        return None;
    }
    match lookup(&TDCALL, LeafWord::from_rax(leaf_word)).entry() {
        Some(e) => Some(e.name),
        None => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_from_the_table() {
        assert_eq!(name_of(1), Some("TDG.VP.INFO"));
        assert_eq!(name_of(LeafWord::new(7, 1).raw()), Some("TDG.VM.RD"));
        assert_eq!(name_of(LeafWord::new(9, 1).raw()), None);
        assert_eq!(name_of(13), None);
        assert_eq!(name_of(1 | 1 << 24), None);
        assert_eq!(find(0, 0).map(|e| e.writes), Some(None));
    }
}
