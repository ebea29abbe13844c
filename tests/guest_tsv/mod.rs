//! Reading the vendored guest ABI facts (`tests/data/tdx-abi/guest/*.tsv`),
//! shared by `tests/guest_abi.rs` and `tests/guest_catalog.rs`. The cells
//! are prose; each reader below takes the registers out of them by a fixed
//! rule and panics on a cell it cannot read, so a rewritten row fails the
//! tests instead of being skipped.

#![allow(dead_code)]

use std::path::PathBuf;

use seamcall_core::leaves::{Reg, RegSet};

pub use seamcall_tests::vendored::Row;

pub fn data_dir() -> PathBuf {
    seamcall_tests::vendored::data_dir("guest")
}

pub fn read_tsv(name: &str) -> Vec<Row> {
    seamcall_tests::vendored::read_tsv(&data_dir().join(name))
}

/// The text with every parenthesized part removed (not nested in the TSV).
pub fn strip_parens(cell: &str) -> String {
    let mut out = String::new();
    let mut depth = 0u32;
    for c in cell.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// A register (`RCX`) or a range (`R10-R13`) at the start of `s`, with the
/// rest of `s`.
pub fn leading_regs(s: &str) -> Option<(RegSet, &str)> {
    let end = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .unwrap_or(s.len());
    let (word, rest) = s.split_at(end);
    let one = |w: &str| Reg::from_name(&w.to_ascii_lowercase()).filter(|r| r.is_gpr());
    let set = match word.split_once('-') {
        Some((a, b)) => {
            let (a, b) = (one(a)?, one(b)?);
            let set: Vec<Reg> = Reg::ALL
                .into_iter()
                .filter(|r| r.index() >= a.index() && r.index() <= b.index())
                .collect();
            RegSet::of(&set)
        }
        None => RegSet::of(&[one(word)?]),
    };
    Some((set, rest))
}

/// The registers an `inputs` cell names as read: each `;`/`,` piece that
/// starts with a register followed by `=`, `:` or `must`.
pub fn inputs(cell: &str) -> RegSet {
    let text = strip_parens(cell);
    if text.trim() == "none" {
        return RegSet::EMPTY;
    }
    let mut set = RegSet::EMPTY;
    for piece in text.split([';', ',']) {
        if let Some((regs, rest)) = leading_regs(piece.trim()) {
            let rest = rest.trim_start();
            if rest.starts_with('=') || rest.starts_with(':') || rest.starts_with("must") {
                set = set.union(regs);
            }
        }
    }
    assert!(!set.is_empty(), "no input register read from {cell:?}");
    set
}

/// The registers a `may_write` cell names, RAX removed, at `version`: each
/// piece that starts with a register; a piece saying `only for version N`
/// applies from version N; `every GPR except RSP` is every GPR but RSP.
pub fn may_write(cell: &str, version: u8) -> RegSet {
    let text = strip_parens(cell);
    let mut set = RegSet::EMPTY;
    if text.contains("every GPR except RSP") {
        let all: Vec<Reg> = Reg::ALL
            .into_iter()
            .filter(|r| r.is_gpr() && *r != Reg::Rsp)
            .collect();
        set = RegSet::of(&all);
    }
    let mut read_any = false;
    for piece in text.split([';', ',']) {
        let piece = piece.trim();
        let piece = piece.strip_prefix("and ").unwrap_or(piece);
        let Some((regs, rest)) = leading_regs(piece) else {
            continue;
        };
        read_any = true;
        if let Some(v) = rest.split("only for version ").nth(1) {
            let from: u8 = v.trim().parse().unwrap_or_else(|_| panic!("{cell:?}"));
            if version < from {
                continue;
            }
        }
        set = set.union(regs);
    }
    assert!(read_any, "no register read from {cell:?}");
    set.difference(RegSet::of(&[Reg::Rax]))
}

/// The versions module 1.5.01 accepts: the first `;` part of the cell.
pub fn versions(cell: &str) -> Vec<u8> {
    strip_parens(cell)
        .split(';')
        .next()
        .unwrap_or("")
        .split(',')
        .map(|v| {
            v.trim()
                .parse()
                .unwrap_or_else(|_| panic!("bad version {v:?} in {cell:?}"))
        })
        .collect()
}

/// Whether the row is a leaf the 1.5.01 dispatcher accepts with an audited
/// register set (the other rows say where else they were seen).
pub fn audited_in_1_5_01(row: &Row) -> bool {
    let v = &row["versions"];
    let w = &row["may_write"];
    let unaudited = ["not audited", "unknown", "not settled"];
    !(v.contains("absent in 1.5.01")
        || v.contains(" only")
        || v.contains("unknown")
        || unaudited
            .iter()
            .any(|u| w.contains(u) || row["outputs"].contains(u)))
}

pub fn name(row: &Row) -> &str {
    row["name"].split(" (").next().unwrap_or("")
}

/// Every register named anywhere outside parentheses, ranges (`R13-R15`)
/// included: the reader for `tdvmcall.tsv`'s `inputs` and `outputs` cells.
pub fn all_regs(cell: &str) -> RegSet {
    let text = strip_parens(cell);
    let mut set = RegSet::EMPTY;
    for word in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-')) {
        if let Some((regs, rest)) = leading_regs(word) {
            if rest.is_empty() {
                set = set.union(regs);
            }
        }
    }
    set
}
