//! The guest ABI table against the facts, read at test time from
//! `tests/data/tdx-abi/guest/tdcall-leaves.tsv` (every TDG leaf, the
//! registers TDX module 1.5.01 reads and may write), a copy of the
//! project's guest ABI notes checked against the original when that sits
//! beside the checkout (see `src/vendored.rs`).
//!
//! The TSV's cells are prose (`RCX = GPA of …; RDX = RTMR index (0-3)`); the
//! parser below reads the registers out of them with a few fixed rules and
//! refuses a cell it cannot read, so a rewritten row fails here instead of
//! being skipped.

use std::collections::BTreeSet;

use seamcall_core::guest::abi::GUEST_ABI;
use seamcall_core::leaves::{Reg, RegSet};

mod guest_tsv;
use guest_tsv::*;

#[test]
fn vendored_facts_match_the_originals() {
    seamcall_tests::vendored::assert_copies_match("guest", &["tdcall-leaves.tsv", "tdvmcall.tsv"]);
}

#[test]
fn the_table_is_the_audit() {
    let rows = read_tsv("tdcall-leaves.tsv");
    let mut problems = Vec::new();
    let mut seen = BTreeSet::new();
    let mut leaves = BTreeSet::new();
    for row in &rows {
        if !audited_in_1_5_01(row) {
            // No row for a leaf the audit does not cover.
            for leaf in row["leaf"].split(',') {
                let leaf: u16 = leaf.trim().parse().expect("leaf number");
                if GUEST_ABI.iter().any(|e| e.leaf == leaf) {
                    problems.push(format!(
                        "{} (leaf {leaf}) is not audited but has a row",
                        name(row)
                    ));
                }
            }
            continue;
        }
        let leaf: u16 = row["leaf"].trim().parse().expect("leaf number");
        leaves.insert(leaf);
        for version in versions(&row["versions"]) {
            let Some(e) = GUEST_ABI
                .iter()
                .find(|e| e.leaf == leaf && e.version == version)
            else {
                problems.push(format!(
                    "{} (leaf {leaf}) version {version}: no row",
                    name(row)
                ));
                continue;
            };
            seen.insert((leaf, version));
            if e.name != name(row) {
                problems.push(format!(
                    "leaf {leaf}: named {:?}, the TSV says {:?}",
                    e.name,
                    name(row)
                ));
            }
            let reads = inputs(&row["inputs"]);
            if e.reads != reads {
                problems.push(format!(
                    "{}: reads {} in the table, {} in the TSV",
                    e.name, e.reads, reads
                ));
            }
            if leaf == 0 {
                // TDG.VP.VMCALL: the mask decides; #[tdvmcall] derives it.
                if e.writes.is_some() {
                    problems.push("TDG.VP.VMCALL must have no fixed write set".into());
                }
                continue;
            }
            let writes = may_write(&row["may_write"], version);
            let xmm = row["xmm"].starts_with("yes");
            // A row that changes vector state lists XMM0-XMM15 as written.
            let vector: Vec<Reg> = Reg::ALL.into_iter().filter(|r| !r.is_gpr()).collect();
            let expected = if xmm {
                writes.union(RegSet::of(&vector))
            } else {
                writes
            };
            if e.writes != Some(expected) {
                problems.push(format!(
                    "{} v{version}: writes {:?} in the table, {} in the TSV",
                    e.name, e.writes, expected
                ));
            }
            if e.zeroes_xmm != xmm {
                problems.push(format!(
                    "{}: vector state changed is {} in the table, {xmm} in the TSV",
                    e.name, e.zeroes_xmm
                ));
            }
            for r in writes.iter().filter(|r| r.is_gpr()) {
                if e.note(r).is_none() {
                    problems.push(format!("{}: no note for {r}, which it writes", e.name));
                }
            }
        }
    }
    for e in GUEST_ABI {
        if !seen.contains(&(e.leaf, e.version)) {
            problems.push(format!(
                "{} (leaf {}, version {}) is not in the TSV",
                e.name, e.leaf, e.version
            ));
        }
    }
    assert_eq!(
        leaves.len(),
        21,
        "the 1.5.01 dispatcher accepts 21 TDG leaves: {leaves:?}"
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The parser itself, on cells of the shapes the TSV uses.
#[test]
fn the_parser_reads_the_cell_shapes() {
    use Reg::*;
    assert_eq!(
        inputs("RDX = field ID (CONTEXT_CODE ignored; v1: 0); RCX must be 0"),
        RegSet::of(&[Rcx, Rdx])
    );
    assert_eq!(
        inputs("RCX = binding handle, RDX = field ID, R10-R13 = target TD UUID"),
        RegSet::of(&[Rcx, Rdx, R10, R11, R12, R13])
    );
    assert_eq!(inputs("RCX: bit 0 = #VE, bit 1 = x"), RegSet::of(&[Rcx]));
    assert_eq!(
        inputs("RDX = GPA, which holds the L2 GPRs, RSP, RFLAGS"),
        RegSet::of(&[Rdx])
    );
    assert_eq!(
        may_write("RAX only (not even RAX when …)", 0),
        RegSet::EMPTY
    );
    assert_eq!(
        may_write(
            "RAX, R8 (set to 0 first); RDX only for version 1 (set to -1)",
            0
        ),
        RegSet::of(&[R8])
    );
    assert_eq!(
        may_write(
            "RAX, R8 (set to 0 first); RDX only for version 1 (set to -1)",
            1
        ),
        RegSet::of(&[Rdx, R8])
    );
    assert_eq!(
        may_write("RAX; RDX in list mode (updated)", 0),
        RegSet::of(&[Rdx])
    );
    assert_eq!(
        may_write("RAX, RCX, RDX, R8, R9, R10 on every path (zeroed first)", 0),
        RegSet::of(&[Rcx, Rdx, R8, R9, R10])
    );
    assert_eq!(versions("0 (1.5.01); 0,1 (1.5.34)"), vec![0]);
    assert_eq!(versions("0,1"), vec![0, 1]);
}
