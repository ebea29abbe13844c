//! Names and register sets of the host leaves, for traces and checks, from
//! the ABI table ([`crate::leaves::ABI`]: registers read per
//! `tdx-abi/leaves.tsv`, registers module 1.5.01 may write per
//! `tdx-abi/writes.tsv`) and, for leaves or versions the table lacks, the
//! leaf catalog ([`crate::leaves::ALL`]).

use super::Regs;
use crate::leaves::{self, abi, Reg, RegSet};

/// What the emulator needs to know about one leaf word.
#[derive(Clone, Copy, Debug)]
pub(crate) struct LeafRow {
    pub(crate) name: &'static str,
    /// The registers the leaf reads.
    pub(crate) reads: RegSet,
    /// The registers (besides RAX) the module may write; `None` where no
    /// audit and no catalog declaration says.
    pub(crate) writes: Option<RegSet>,
}

/// The row for a leaf word (leaf in bits 15:0, version in 23:16).
pub(crate) fn row_of(leaf_word: u64) -> Option<LeafRow> {
    let (leaf, version) = (leaf_word as u16, (leaf_word >> 16) as u8);
    let exact = abi::find(leaf, version, false);
    let declared = leaves::find(leaf_word & 0xFF_FFFF);
    let any_version = || leaves::ABI.iter().find(|e| e.leaf == leaf && !e.seamldr);
    let name = exact
        .map(|e| e.name)
        .or(declared.map(|l| l.name))
        .or_else(|| any_version().map(|e| e.name))?;
    Some(LeafRow {
        name,
        reads: declared
            .map(|l| l.input_set())
            .or(exact.map(|e| e.reads))
            .or_else(|| any_version().map(|e| e.reads))
            .unwrap_or(RegSet::of(&[])),
        writes: exact
            .and_then(|e| e.writes)
            .or(declared.map(|l| l.written_set())),
    })
}

/// The registers of a set that [`Regs`] holds (RBP and RSP, which no leaf
/// takes as operands, and the XMM registers left out), in encoding order.
pub(crate) fn gprs(set: RegSet) -> Vec<Reg> {
    set.iter().filter(|r| Regs::REGS.contains(r)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_rows() {
        assert_eq!(row_of(9).map(|r| r.name), Some("TDH.MNG.CREATE"));
        assert!(row_of(1000).is_none());
        let rd = row_of(11).and_then(|r| r.writes).map(gprs);
        assert_eq!(rd, Some(vec![Reg::R8]), "version 0 writes R8 only");
        let rd1 = row_of(11 | 1 << 16).and_then(|r| r.writes).map(gprs);
        assert_eq!(rd1, Some(vec![Reg::Rdx, Reg::R8]));
        // VP.INIT version 1 is not in the 1.5.01 audit: the catalog's
        // declaration names it and its inputs.
        let init = row_of(22 | 1 << 16).map(|r| (r.name, gprs(r.reads)));
        assert_eq!(
            init,
            Some(("TDH.VP.INIT", vec![Reg::Rcx, Reg::Rdx, Reg::R8]))
        );
        // TDH.VP.ENTER may zero the XMM registers, which `Regs` does not
        // hold.
        let enter = row_of(0).and_then(|r| r.writes);
        assert!(enter.is_some_and(|w| w.contains(Reg::Xmm0)));
        let enter = enter.map(gprs).unwrap_or_default();
        assert_eq!(enter, Reg::OPERANDS);
    }
}
