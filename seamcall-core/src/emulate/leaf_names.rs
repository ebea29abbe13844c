//! Names and register sets of the host leaves, for traces and checks, from
//! the ABI table (`seamcall_abi::SEAMCALL`, re-exported as
//! [`crate::leaves::ABI`]) and, for leaves or versions the table lacks, the
//! leaf catalog ([`crate::leaves::ALL`]).

use super::Regs;
use crate::leaves::{self, LeafWord, Reg, RegSet};

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

/// The row for a host leaf word (the P-SEAMLDR bit is ignored).
pub(crate) fn row_of(word: LeafWord) -> Option<LeafRow> {
    let word = LeafWord::new(word.leaf(), word.version());
    let table = &seamcall_abi::SEAMCALL;
    let exact = seamcall_abi::find(table, word);
    let declared = leaves::find(word.raw());
    // A version the table lacks: the leaf's name and reads at version 0.
    let any_version = match seamcall_abi::lookup(table, word.with_version(0)) {
        seamcall_abi::Lookup::Found(e) | seamcall_abi::Lookup::OtherVersions(e) => Some(e),
        _ => None,
    };
    let name = exact
        .map(|e| e.name)
        .or(declared.map(|l| l.name))
        .or(any_version.map(|e| e.name))?;
    Some(LeafRow {
        name,
        reads: declared
            .map(|l| l.input_set())
            .or(exact.map(|e| e.reads))
            .or(any_version.map(|e| e.reads))
            .unwrap_or(RegSet::EMPTY),
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
        assert_eq!(
            row_of(LeafWord::new(9, 0)).map(|r| r.name),
            Some("TDH.MNG.CREATE")
        );
        assert!(row_of(LeafWord::new(1000, 0)).is_none());
        let rd = row_of(LeafWord::new(11, 0))
            .and_then(|r| r.writes)
            .map(gprs);
        assert_eq!(rd, Some(vec![Reg::R8]), "version 0 writes R8 only");
        let rd1 = row_of(LeafWord::new(11, 1))
            .and_then(|r| r.writes)
            .map(gprs);
        assert_eq!(rd1, Some(vec![Reg::Rdx, Reg::R8]));
        // VP.INIT version 1 is not in the 1.5.01 audit: the catalog's
        // declaration names it and its inputs.
        let init = row_of(LeafWord::new(22, 1)).map(|r| (r.name, gprs(r.reads)));
        assert_eq!(
            init,
            Some(("TDH.VP.INIT", vec![Reg::Rcx, Reg::Rdx, Reg::R8]))
        );
        // TDH.VP.ENTER may zero the XMM registers, which `Regs` does not
        // hold.
        let enter = row_of(LeafWord::new(0, 0)).and_then(|r| r.writes);
        assert!(enter.is_some_and(|w| w.contains(Reg::Xmm0)));
        let enter = enter.map(gprs).unwrap_or_default();
        assert_eq!(enter, Reg::OPERANDS);
    }
}
