//! The catalog against the facts, read at test time from
//! `tests/data/tdx-abi/`: `leaves.tsv` (what Linux passes and reads),
//! `writes.tsv` (what TDX module 1.5.01 may write), `writes-2.0.tsv` (what
//! modules 1.5.25, 1.5.34 and 2.0.18 may write, one row per release) and
//! `leaves-2.0.tsv` (the leaves Linux does not know, with the registers the
//! module reads). They are copies of the project's ABI notes, checked
//! against the originals when those sit beside the checkout (see
//! `src/vendored.rs`). For every entry of `seamcall_core::leaves::ALL`:
//! the leaf number and version match, the inputs and outputs cover Linux's
//! (or, for a leaf Linux does not call, the registers the module reads),
//! and outputs ∪ clobbers cover every register that **any** audited release
//! accepting the leaf at that version may write. The ABI table the macro
//! checks against is compared with the TSVs, row by row and release by
//! release.
//!
//! Run with `--features seamcall-core/proposed,seamcall-core/seamldr,seamcall-core/tdx-io`
//! to check the feature-gated leaves as well.

use std::collections::{BTreeMap, BTreeSet};

use seamcall_core::leaves::abi::Release;
use seamcall_core::leaves::{self, LeafInfo, LeafWord, Reg, RegSet, ABI};

use seamcall_tests::vendored::{self, Row};

/// The copies in `tests/data` are the originals, byte for byte, wherever
/// the originals are present.
#[test]
fn vendored_facts_match_the_originals() {
    vendored::assert_copies_match(
        "",
        &[
            "leaves.tsv",
            "writes.tsv",
            "leaves-2.0.tsv",
            "writes-2.0.tsv",
            "module-versions.md",
        ],
    );
}

fn read_tsv(name: &str) -> Vec<Row> {
    vendored::read_tsv(&vendored::data_dir("").join(name))
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

/// Registers module 1.5.01 writes only at version 1 and above (the
/// "version>=1 only" notes of tests/data/tdx-abi/writes.tsv),
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

/// What one audited module release may write for one (leaf, version).
struct ReleaseRow {
    name: String,
    leaf: u16,
    version: u8,
    /// `1.5.01`, `1.5.25`, `1.5.34` or `2.0.18`.
    release: String,
    /// `None` where the row was not audited (`?`, or a row its own notes
    /// call provisional): it settles nothing.
    may_write: Option<RegSet>,
    /// The module may zero XMM0-15 after the leaf (AES-GCM state reset).
    xmm: bool,
}

/// Every (leaf, version, release) row of `writes.tsv` (module 1.5.01: the
/// version-1 rows of the five leaves it versions are split off, and only
/// the versions it accepts are there) and `writes-2.0.tsv` (the release in
/// its `module` column).
fn release_rows() -> Vec<ReleaseRow> {
    let mut out = Vec::new();
    let mut xmm_leaves = BTreeSet::new();
    for row in read_tsv("writes.tsv") {
        let name = row["name"].clone();
        if name.starts_with('(') || name == "TDDEBUGCONFIG" {
            continue;
        }
        let (leaf, _) = leaf_number(&row["leaf"]);
        let xmm = zeroes_xmm(&row) || leaf == 0;
        if xmm {
            xmm_leaves.insert(name.clone());
        }
        let versions: &[u8] = if ONLY_FROM_V1.iter().any(|(n, _)| *n == name) {
            &[0, 1]
        } else {
            &[0]
        };
        for &version in versions {
            out.push(ReleaseRow {
                name: name.clone(),
                leaf,
                version,
                release: "1.5.01".into(),
                may_write: Some(may_write_at(&row, &name, version)),
                xmm,
            });
        }
    }
    let newer = read_tsv("writes-2.0.tsv");
    // A leaf whose writes rest on a helper the audit did not read, and
    // which a row calls provisional (TDH.MEM.SCAN.RESET), is not audited in
    // any release: its rows settle nothing.
    let provisional: BTreeSet<(String, String)> = newer
        .iter()
        .filter(|r| r["notes"].contains("provisional"))
        .map(|r| (r["name"].clone(), r["version"].clone()))
        .collect();
    for row in newer {
        let name = row["name"].clone();
        if name.starts_with('(') || name == "TDDEBUGCONFIG" {
            continue;
        }
        let (leaf, _) = leaf_number(&row["leaf"]);
        let settled = !provisional.contains(&(name.clone(), row["version"].clone()));
        let may_write = regs(&row["may_write"]).filter(|_| settled);
        let xmm = xmm_leaves.contains(&name) || row["notes"].contains("clear_ymms");
        out.push(ReleaseRow {
            xmm,
            leaf,
            version: row["version"].parse().expect("version is a number"),
            release: row["module"].clone(),
            may_write,
            name,
        });
    }
    out
}

/// The registers `regs` names in a prose cell of `leaves-2.0.tsv`
/// (`rcx=IOMMU ID, rdx, r9-r12=wait descriptor`): every register name and
/// every `rA-rB` range.
fn regs_in_prose(cell: &str) -> RegSet {
    let mut set = RegSet::EMPTY;
    for word in cell.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-')) {
        if let Some(r) = Reg::from_name(word) {
            set = set.union(RegSet::of(&[r]));
        } else if let Some((a, b)) = word.split_once('-') {
            let n = |w: &str| w.strip_prefix('r').and_then(|d| d.parse::<u8>().ok());
            if let (Some(a), Some(b)) = (n(a), n(b)) {
                for i in a..=b {
                    if let Some(r) = Reg::from_name(&format!("r{i}")) {
                        set = set.union(RegSet::of(&[r]));
                    }
                }
            }
        }
    }
    set
}

#[test]
fn every_catalog_entry_covers_linux_and_the_module() {
    let leaves_rows = read_tsv("leaves.tsv");
    let new_leaves = read_tsv("leaves-2.0.tsv");
    let releases = release_rows();
    let linux: BTreeMap<&str, &Row> = leaves_rows
        .iter()
        .map(|r| (r["name"].as_str(), r))
        .collect();
    let mut failures = Vec::new();
    let mut fail = |info: &LeafInfo, what: String| failures.push(format!("{info}: {what}"));

    for info in leaves::ALL {
        let inputs = info.input_set();
        let outputs = set(info.outputs);
        let written = info.written_set();
        // The module's rows for this leaf and version, in every release.
        let rows: Vec<&ReleaseRow> = releases
            .iter()
            .filter(|r| r.name == info.name && r.version == info.version)
            .collect();
        for r in &rows {
            if r.leaf != info.leaf || info.seamldr {
                fail(info, format!("leaf {} in the {} row", r.leaf, r.release));
            }
        }
        // Linux's facts, where Linux calls this leaf at this version.
        let linux_row = linux.get(info.name).copied();
        let new_row = new_leaves.iter().find(|r| {
            r["name"] == info.name && r["version"].parse::<u8>().ok() == Some(info.version)
        });
        match (linux_row, new_row) {
            (Some(row), _) => {
                let (leaf, seamldr) = leaf_number(&row["leaf"]);
                if (leaf, seamldr) != (info.leaf, info.seamldr) {
                    fail(
                        info,
                        format!("leaf {leaf} (P-SEAMLDR {seamldr}) in leaves.tsv"),
                    );
                }
                let version: u8 = row["version"].parse().expect("version is a number");
                if version == info.version {
                    let linux_in =
                        regs(&row["inputs"]).expect("declared leaves have known registers");
                    let linux_out =
                        regs(&row["outputs"]).expect("declared leaves have known registers");
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
                } else if rows.is_empty() {
                    fail(
                        info,
                        format!("Linux calls version {version}, and no module release has a row for version {}", info.version),
                    );
                }
                // Retry as Linux's sc_retry does: the calls made through
                // the seamcall*() macros, not VP.ENTER or RDMD
                // (__seamcall_dirty_cache), not the leaves or versions
                // Linux does not call.
                let wrapper = &row["linux_wrapper"];
                let linux_retries = version == info.version && wrapper.contains("via seamcall");
                match (linux_retries, info.retry) {
                    (true, Some(10)) | (false, None) => {}
                    (want, got) => fail(
                        info,
                        format!("retry {got:?}, but Linux retries: {want} ({wrapper})"),
                    ),
                }
            }
            (None, Some(row)) => {
                let (leaf, _) = leaf_number(&row["leaf"]);
                if leaf != info.leaf {
                    fail(info, format!("leaf {leaf} in leaves-2.0.tsv"));
                }
                // The registers the module reads (as v0 plus, for a
                // versioned row that says so).
                let mut reads = regs_in_prose(&row["inputs"]);
                if row["inputs"].starts_with("as v0") {
                    if let Some(v0) = new_leaves
                        .iter()
                        .find(|r| r["name"] == info.name && r["version"] == "0")
                    {
                        reads = reads.union(regs_in_prose(&v0["inputs"]));
                    }
                }
                if !inputs.is_superset(reads) {
                    fail(
                        info,
                        format!(
                            "inputs {inputs} miss {} the module reads",
                            reads.difference(inputs)
                        ),
                    );
                }
                if info.retry.is_some() {
                    fail(info, "retry, but Linux does not call this leaf".into());
                }
            }
            (None, None) if !rows.is_empty() => {
                if info.retry.is_some() {
                    fail(info, "retry, but Linux does not call this version".into());
                }
            }
            (None, None) => fail(info, "not a row of leaves.tsv or leaves-2.0.tsv".into()),
        }
        // Safe on every audited release that accepts the leaf at this
        // version: outputs ∪ clobbers ⊇ the union of their may-write sets.
        let audited: Vec<&ReleaseRow> = rows
            .iter()
            .copied()
            .filter(|r| r.may_write.is_some())
            .collect();
        if audited.is_empty() {
            // No audited release covers it: clobber everything Linux's C
            // call assumes clobbered.
            if !written.is_superset(CALLER_SAVED) {
                fail(info, format!(
                    "not audited, so outputs ∪ clobbers must cover rcx, rdx, rsi, rdi, r8-r11 and xmm0-xmm15; missing {}",
                    CALLER_SAVED.difference(written)
                ));
            }
        }
        for r in &audited {
            let may_write = r.may_write.unwrap_or(RegSet::EMPTY);
            if !written.is_superset(may_write) {
                fail(
                    info,
                    format!(
                        "outputs ∪ clobbers = {written} miss {}, which module {} may write",
                        may_write.difference(written),
                        r.release
                    ),
                );
            }
            if r.xmm && !written.is_superset(XMM) {
                fail(
                    info,
                    format!(
                        "module {} may zero XMM0-15; they are not all clobbered",
                        r.release
                    ),
                );
            }
        }
    }

    // Every leaf of leaves.tsv with known registers is declared, and every
    // leaf leaves-2.0.tsv adds that an audited release covers
    // (feature-gated rows only when their feature is on).
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
    for row in &new_leaves {
        let name = row["name"].as_str();
        let version: u8 = row["version"].parse().expect("version is a number");
        let audited = releases
            .iter()
            .any(|r| r.name == name && r.version == version && r.may_write.is_some());
        if !audited || name == "TDDEBUGCONFIG" {
            continue;
        }
        // Leaves only 2.0 has (TDX Connect) are behind `tdx-io`; the
        // default catalog keeps to what Linux mainline and 1.5.x use.
        let only_2_0 = row["module"] == "2.0.18";
        let declared = leaves::ALL
            .iter()
            .any(|l| l.name == name && l.version == version);
        match (declared, only_2_0 && !leaves::HAS_TDX_IO) {
            (false, false) => failures.push(format!(
                "{name} v{version} is audited (writes-2.0.tsv) but not in the catalog"
            )),
            (true, true) => failures.push(format!(
                "{name} v{version} exists only in module 2.0, but is declared without feature `tdx-io`"
            )),
            _ => {}
        }
    }

    // One entry per leaf and version.
    let mut seen = BTreeSet::new();
    for info in leaves::ALL {
        if !seen.insert((info.leaf, info.version, info.seamldr)) {
            failures.push(format!("{info} is declared twice"));
        }
    }

    assert_no_problems(&failures);
}

/// The ABI table the macro checks against holds, per (leaf, version), an
/// audit per release: each must be a row of `writes.tsv` or
/// `writes-2.0.tsv` with the same registers, and every audited row of the
/// TSVs must be in the table.
#[test]
fn the_abi_table_matches_the_tsvs() {
    let leaves_rows = read_tsv("leaves.tsv");
    let new_leaves = read_tsv("leaves-2.0.tsv");
    let releases = release_rows();
    let mut failures = Vec::new();
    let host = |name: &str, version: u8| {
        ABI.iter()
            .find(|e| e.name == name && e.version == version && !e.seamldr)
    };
    // Every audited TSV row is an audit of the table with the same writes.
    for r in &releases {
        let Some(w) = r.may_write else { continue };
        let Some(e) = host(&r.name, r.version) else {
            failures.push(format!(
                "{} v{} ({}) is not in the ABI table",
                r.name, r.version, r.release
            ));
            continue;
        };
        if e.leaf != r.leaf {
            failures.push(format!(
                "{}: table has leaf {}, the TSV {}",
                r.name, e.leaf, r.leaf
            ));
        }
        let release = Release::from_name(&r.release).expect("a release the table knows");
        match e.writes_in(release) {
            Some(t) if t.difference(XMM) == w => {}
            other => failures.push(format!(
                "{} v{}: module {} writes {w} per the TSV, the table says {other:?}",
                r.name, r.version, r.release
            )),
        }
        if r.xmm != e.zeroes_xmm {
            failures.push(format!("{} v{}: XMM zeroing differs", r.name, r.version));
        }
    }
    // Every audit of the table is a TSV row.
    for e in ABI.iter().filter(|e| !e.seamldr) {
        for a in e.audits {
            for release in a.releases.iter() {
                let row = releases.iter().find(|r| {
                    r.name == e.name && r.version == e.version && r.release == release.name()
                });
                match row.and_then(|r| r.may_write) {
                    Some(w) if w == a.write_set() => {}
                    other => failures.push(format!(
                        "{} v{}: the table's audit of module {} ({}) has no matching TSV row ({other:?})",
                        e.name,
                        e.version,
                        release.name(),
                        a.write_set()
                    )),
                }
            }
        }
    }
    // The registers Linux loads, and those the module reads for the leaves
    // Linux does not know, are among those the table says the leaf reads.
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
    for row in &new_leaves {
        let name = row["name"].as_str();
        let version: u8 = row["version"].parse().expect("version is a number");
        let (leaf, _) = leaf_number(&row["leaf"]);
        if row["module"].contains("enum only") || name == "TDDEBUGCONFIG" {
            continue; // not dispatched; a debug-build leaf
        }
        let mut reads = regs_in_prose(&row["inputs"]);
        if row["inputs"].starts_with("as v0") {
            if let Some(v0) = new_leaves
                .iter()
                .find(|r| r["name"] == name && r["version"] == "0")
            {
                reads = reads.union(regs_in_prose(&v0["inputs"]));
            }
        }
        match host(name, version) {
            Some(e) if e.leaf == leaf && e.reads.is_superset(reads) => {}
            Some(e) => failures.push(format!(
                "{name} v{version}: table row reads {}, the module {reads}",
                e.reads
            )),
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
