//! The catalog against the facts, read at test time from
//! `tests/data/tdx-abi/leaves.tsv` (what Linux passes and reads) and
//! `writes.tsv` (what TDX module 1.5.01 may write), copies of the project's
//! ABI notes checked against the originals when those sit beside the
//! repository (`../shared/tdx-abi`): for every entry of
//! `seamcall_core::leaves::ALL`, the leaf number and version match, the
//! inputs and outputs cover Linux's, and outputs ∪ clobbers cover every
//! register the module may write. The ABI table the macro checks against is
//! compared with `writes.tsv` too.
//!
//! Run with `--features seamcall-core/proposed,seamcall-core/seamldr` to
//! check the feature-gated leaves as well.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use seamcall_core::leaves::{self, LeafInfo, LeafWord, Reg, RegSet, ABI};

/// A row of a TSV file, by column name.
type Row = BTreeMap<String, String>;

fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/tdx-abi")
}

/// The copies in `tests/data` are the originals, byte for byte, wherever
/// the originals are present.
#[test]
fn vendored_facts_match_the_originals() {
    let shared = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/tdx-abi");
    if !shared.is_dir() {
        println!("{} not present: nothing to compare", shared.display());
        return;
    }
    for name in [
        "leaves.tsv",
        "writes.tsv",
        "leaves-2.0.tsv",
        "writes-2.0.tsv",
        "module-versions.md",
    ] {
        let read = |p: PathBuf| {
            std::fs::read(&p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()))
        };
        assert!(
            read(data_dir().join(name)) == read(shared.join(name)),
            "tests/data/tdx-abi/{name} differs from {}: copy the original over it",
            shared.join(name).display()
        );
    }
}

fn read_tsv(name: &str) -> Vec<Row> {
    let path = data_dir().join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let header: Vec<String> = lines
        .next()
        .unwrap_or_else(|| panic!("{name} is empty"))
        .split('\t')
        .map(str::to_owned)
        .collect();
    lines
        .map(|line| {
            let cells: Vec<&str> = line.split('\t').collect();
            header
                .iter()
                .cloned()
                .zip(
                    cells
                        .iter()
                        .map(|c| c.to_string())
                        .chain(std::iter::repeat(String::new())),
                )
                .collect()
        })
        .collect()
}

/// `rcx,rdx,r8 (module also …)` → {rcx, rdx, r8}; `-` → {}; `?` → None.
fn regs(cell: &str) -> Option<RegSet> {
    let list = cell.split(" (").next().unwrap_or("").trim();
    match list {
        "?" => None,
        "-" | "" => Some(RegSet::EMPTY),
        _ => {
            let mut set = RegSet::EMPTY;
            for name in list.split(',') {
                let r = Reg::from_name(name.trim())
                    .unwrap_or_else(|| panic!("unknown register {name:?} in {cell:?}"));
                set = set.union(RegSet::of(&[r]));
            }
            Some(set)
        }
    }
}

/// `11` → (11, false); `0x8000000000000001` → (1, true).
fn leaf_number(cell: &str) -> (u16, bool) {
    let value = match cell.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => cell.parse(),
    }
    .unwrap_or_else(|e| panic!("bad leaf {cell:?}: {e}"));
    let word = LeafWord::from_raw(value)
        .filter(|w| w.version() == 0)
        .expect("leaf fits in 16 bits");
    (word.leaf(), word.seamldr())
}

/// Registers module 1.5.01 writes only at version 1 and above (NOTES.md §6),
/// so a version-0 declaration need not cover them.
const ONLY_FROM_V1: &[(&str, &[Reg])] = &[
    ("TDH.MNG.RD", &[Reg::Rdx]),
    ("TDH.VP.RD", &[Reg::Rdx]),
    ("TDH.MEM.SEPT.ADD", &[Reg::R8, Reg::R9, Reg::R10, Reg::R11]),
    ("TDH.MEM.PAGE.PROMOTE", &[Reg::R9, Reg::R10, Reg::R11]),
    ("TDH.MEM.SEPT.REMOVE", &[Reg::R9, Reg::R10, Reg::R11]),
];

fn may_write_at(row: &Row, name: &str, version: u8) -> RegSet {
    let all = regs(&row["may_write"]).expect("may_write is known");
    let gated = ONLY_FROM_V1
        .iter()
        .find(|(n, _)| *n == name)
        .map_or(RegSet::EMPTY, |(_, r)| RegSet::of(r));
    if version == 0 {
        all.difference(gated)
    } else {
        all
    }
}

/// The migration leaves after which the module may zero XMM0-15.
fn zeroes_xmm(row: &Row) -> bool {
    row["notes"].contains("clear_xmms")
}

const XMM: RegSet = RegSet::from_bits(0xFFFF_0000);
/// What Linux's out-of-line call treats as clobbered: every register the
/// x86-64 SysV ABI makes caller-saved but RAX (the status), the XMM
/// registers included.
const CALLER_SAVED: RegSet = RegSet::of(&[
    Reg::Rcx,
    Reg::Rdx,
    Reg::Rsi,
    Reg::Rdi,
    Reg::R8,
    Reg::R9,
    Reg::R10,
    Reg::R11,
])
.union(XMM);

fn set(regs: &[Reg]) -> RegSet {
    RegSet::of(regs)
}

#[test]
fn every_catalog_entry_covers_linux_and_the_module() {
    let leaves_rows = read_tsv("leaves.tsv");
    let writes_rows = read_tsv("writes.tsv");
    let linux: BTreeMap<&str, &Row> = leaves_rows
        .iter()
        .map(|r| (r["name"].as_str(), r))
        .collect();
    let module: BTreeMap<&str, &Row> = writes_rows
        .iter()
        .map(|r| (r["name"].as_str(), r))
        .collect();
    let mut failures = Vec::new();
    let mut fail = |info: &LeafInfo, what: String| failures.push(format!("{info}: {what}"));

    for info in leaves::ALL {
        let Some(row) = linux.get(info.name) else {
            fail(info, "not a row of leaves.tsv".into());
            continue;
        };
        let (leaf, seamldr) = leaf_number(&row["leaf"]);
        if (leaf, seamldr) != (info.leaf, info.seamldr) {
            fail(
                info,
                format!("leaf {leaf} (P-SEAMLDR {seamldr}) in leaves.tsv"),
            );
        }
        let version: u8 = row["version"].parse().expect("version is a number");
        if version != info.version {
            fail(info, format!("version {version} in leaves.tsv"));
        }
        let inputs = info.input_set();
        let outputs = set(info.outputs);
        let written = info.written_set();
        let linux_in = regs(&row["inputs"]).expect("declared leaves have known registers");
        let linux_out = regs(&row["outputs"]).expect("declared leaves have known registers");
        if !inputs.is_superset(linux_in) {
            fail(
                info,
                format!(
                    "inputs {inputs} miss Linux's {}",
                    linux_in.difference(inputs)
                ),
            );
        }
        if !outputs.is_superset(linux_out) {
            fail(
                info,
                format!(
                    "outputs {outputs} miss Linux's {}",
                    linux_out.difference(outputs)
                ),
            );
        }
        // The audit covers this leaf at this version only when the ABI
        // table says so (module 1.5.01 rejects TDH.VP.INIT version 1, so
        // writes.tsv's row for it says nothing about version 1).
        let audited = info.abi().is_some_and(|e| e.writes.is_some());
        match module.get(info.name).filter(|_| audited) {
            Some(mrow) => {
                let may_write = may_write_at(mrow, info.name, info.version);
                if !written.is_superset(may_write) {
                    fail(
                        info,
                        format!(
                            "outputs ∪ clobbers = {written} miss {} the module may write",
                            may_write.difference(written)
                        ),
                    );
                }
                if zeroes_xmm(mrow) && !written.is_superset(XMM) {
                    fail(
                        info,
                        "the module may zero XMM0-15; they are not all clobbered".into(),
                    );
                }
            }
            // Not audited: clobber everything Linux's C call assumes clobbered.
            None => {
                if !written.is_superset(CALLER_SAVED) {
                    fail(info, format!(
                        "not audited, so outputs ∪ clobbers must cover rcx, rdx, rsi, rdi, r8-r11 and xmm0-xmm15; missing {}",
                        CALLER_SAVED.difference(written)
                    ));
                }
            }
        }
        // Retry as Linux's sc_retry does: the calls made through the
        // seamcall*() macros, not VP.ENTER or RDMD (__seamcall_dirty_cache),
        // not the leaves Linux does not call.
        let wrapper = &row["linux_wrapper"];
        let linux_retries = wrapper.contains("via seamcall");
        match (linux_retries, info.retry) {
            (true, Some(10)) | (false, None) => {}
            (want, got) => fail(
                info,
                format!("retry {got:?}, but Linux retries: {want} ({wrapper})"),
            ),
        }
    }

    // Every row with known registers is declared (feature-gated rows only
    // when their feature is on).
    for row in &leaves_rows {
        let name = row["name"].as_str();
        if regs(&row["inputs"]).is_none() {
            continue; // leaf 42: registers unknown
        }
        let gated = if row["linux_wrapper"].starts_with("PROPOSED") {
            !leaves::HAS_PROPOSED
        } else if name.starts_with("P-SEAMLDR") {
            !leaves::HAS_SEAMLDR
        } else {
            false
        };
        if !gated && leaves::by_name(name).is_none() {
            failures.push(format!("{name} is in leaves.tsv but not in the catalog"));
        }
    }

    // One entry per leaf.
    let mut seen = BTreeSet::new();
    for info in leaves::ALL {
        if !seen.insert((info.leaf, info.version, info.seamldr)) {
            failures.push(format!("{info} is declared twice"));
        }
    }

    assert_no_problems(&failures);
}

#[test]
fn the_abi_table_matches_writes_tsv() {
    let leaves_rows = read_tsv("leaves.tsv");
    let writes_rows = read_tsv("writes.tsv");
    let mut failures = Vec::new();
    for row in &writes_rows {
        let name = row["name"].as_str();
        if name.starts_with('(') || name == "TDDEBUGCONFIG" {
            continue; // the dispatcher's row; a debug-build leaf
        }
        let rows: Vec<_> = ABI.iter().filter(|e| e.name == name).collect();
        if rows.is_empty() {
            failures.push(format!("{name} is in writes.tsv but not in the ABI table"));
            continue;
        }
        let (leaf, _) = leaf_number(&row["leaf"]);
        for e in &rows {
            if e.leaf != leaf {
                failures.push(format!(
                    "{name}: table has leaf {}, writes.tsv {leaf}",
                    e.leaf
                ));
            }
            let want = may_write_at(row, name, e.version).union(if zeroes_xmm(row) || leaf == 0 {
                XMM
            } else {
                RegSet::EMPTY
            });
            // Module 1.5.01 accepts version 1 only for the leaves of
            // ONLY_FROM_V1 (NOTES.md §4); it rejects any other versioned
            // call with RAX alone, so the audit says nothing about what a
            // later module does there: the table must not claim to know.
            let accepted = e.version == 0 || ONLY_FROM_V1.iter().any(|(n, _)| *n == name);
            match e.writes {
                None if !accepted => {}
                Some(_) if !accepted => failures.push(format!(
                    "{name} v{}: module 1.5.01 rejects this version, the table should not claim its writes",
                    e.version
                )),
                Some(w) if w == want => {}
                other => failures.push(format!("{name} v{}: table writes {other:?}, writes.tsv says {want}", e.version)),
            }
        }
    }
    // Every leaf of leaves.tsv with known registers is in the table, with
    // the registers Linux loads among those it reads.
    for row in &leaves_rows {
        let name = row["name"].as_str();
        let Some(linux_in) = regs(&row["inputs"]) else {
            continue;
        };
        let (leaf, seamldr) = leaf_number(&row["leaf"]);
        let version: u8 = row["version"].parse().expect("version is a number");
        match leaves::abi::find(leaf, version, seamldr) {
            Some(e) if e.name == name && e.reads.is_superset(linux_in) => {}
            Some(e) => failures.push(format!("{name}: table row {} reads {}", e.name, e.reads)),
            None => failures.push(format!("{name} v{version} is not in the ABI table")),
        }
    }
    assert_no_problems(&failures);
}

#[test]
fn vp_enter_binds_every_register_and_saves_rbp() {
    let info = leaves::by_name("TDH.VP.ENTER").expect("declared");
    assert_eq!(info.inputs.len(), 13);
    assert_eq!(info.outputs.len(), 13);
    assert!(info.inputs.contains(&Reg::Rbx) && info.outputs.contains(&Reg::Rbx));
    assert!(info.clobbers.contains(&Reg::Rbp));
    assert!(info.written_set().is_superset(XMM));
    assert_eq!(info.retry, None);
    let rdmd = leaves::by_name("TDH.PHYMEM.PAGE.RDMD").expect("declared");
    assert_eq!(rdmd.retry, None);
}

#[test]
fn reg_displays_lowercase() {
    assert_eq!(Reg::R8.to_string(), "r8");
    assert_eq!(Reg::Rcx.to_string(), "rcx");
    assert_eq!(Reg::Xmm12.to_string(), "xmm12");
    let info = leaves::by_name("TDH.MNG.RD").expect("declared");
    assert_eq!((info.leaf, info.version), (11, 0));
    assert_eq!(
        info.outputs
            .iter()
            .map(|r| r.to_string())
            .collect::<Vec<_>>(),
        ["r8"]
    );
    assert_eq!(leaves::find(11).map(|l| l.name), Some("TDH.MNG.RD"));
}

/// Fails with every problem in `failures`, one a line, if there is any.
#[track_caller]
fn assert_no_problems(failures: &[String]) {
    assert!(
        failures.is_empty(),
        "{} problems:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
