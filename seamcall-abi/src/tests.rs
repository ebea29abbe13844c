extern crate std;
use std::string::ToString;

use crate::Reg::*;
use crate::*;

fn w(leaf: u16, version: u8) -> RegSet {
    match lookup(&SEAMCALL, LeafWord::new(leaf, version)) {
        Lookup::Found(e) => e.writes.unwrap_or(RegSet::EMPTY),
        _ => panic!("leaf {leaf} v{version} missing"),
    }
}

#[test]
fn reg_names_and_sets() {
    for (i, r) in Reg::ALL.iter().enumerate() {
        assert_eq!(r.index() as usize, i);
        assert_eq!(Reg::from_name(r.name()), Some(*r));
    }
    assert_eq!(Reg::from_name("xmm16"), None);
    assert_eq!(Reg::from_name("xmm03"), None);
    assert_eq!(Reg::xmm(3), Some(Xmm3));
    assert_eq!(Reg::xmm(16), None);
    let not_operands = [Rax, Rsp, Rbp];
    let gprs = Reg::ALL.into_iter().filter(|r| r.is_gpr());
    assert!(gprs.filter(|r| !not_operands.contains(r)).eq(Reg::OPERANDS));
    let s = RegSet::of(&[R8, Rcx]);
    assert!(s.contains(Rcx) && !s.contains(Rdx));
    assert_eq!(s.to_string(), "rcx, r8");
    assert_eq!(RegSet::EMPTY.to_string(), "-");
    assert!(RegSet::XMM.iter().eq((0..16).filter_map(Reg::xmm)));
}

#[test]
fn leaf_words() {
    let w = LeafWord::new(11, 1);
    assert_eq!(w.raw(), 0x1_000b);
    assert_eq!((w.leaf(), w.version(), w.seamldr()), (11, 1, false));
    let s = LeafWord::new_seamldr(1, 0);
    assert_eq!(s.raw(), 0x8000_0000_0000_0001);
    assert!(s.seamldr());
    assert_eq!(LeafWord::from_parts(1, 0, true), s);
    assert_eq!(LeafWord::from_raw(s.raw()), Some(s));
    assert_eq!(LeafWord::from_raw(0x100_0000), None);
    assert_eq!(w.with_version(2).raw(), 0x2_000b);
    let title = |name, word| Title { name, word }.to_string();
    assert_eq!(title("TDH.MNG.RD", w), "TDH.MNG.RD (leaf 11, version 1)");
    assert_eq!(
        title("TDH.VP.WR", LeafWord::new(43, 0)),
        "TDH.VP.WR (leaf 43)"
    );
    assert_eq!(
        title("P-SEAMLDR.INSTALL", s.with_version(1)),
        "P-SEAMLDR.INSTALL (P-SEAMLDR leaf 1)"
    );
}

#[test]
fn rows_are_unique_and_well_formed() {
    let rows = SEAMCALL.rows;
    for (i, e) in rows.iter().enumerate() {
        assert!(
            rows[..i].iter().all(|o| o.word() != e.word()),
            "duplicate row {}",
            e.name
        );
        assert!(
            e.reads
                .intersection(RegSet::of(&[Rax, Rsp, Rbp]).union(RegSet::XMM))
                .is_empty(),
            "{}",
            e.name
        );
        let w = e.writes.unwrap_or(RegSet::EMPTY);
        assert!(!w.contains(Rax) && !w.contains(Rsp), "{}", e.name);
        assert_eq!(e.writes.is_some(), !e.audits.is_empty(), "{}", e.name);
        assert_eq!(
            w.is_superset(RegSet::XMM),
            e.zeroes_xmm && e.writes.is_some(),
            "{}",
            e.name
        );
        for r in w.iter() {
            assert!(e.note(r).is_some(), "{} {r}", e.name);
        }
    }
}

#[test]
fn versions_differ_where_the_module_says() {
    assert_eq!(w(11, 1).difference(w(11, 0)), RegSet::of(&[Rdx]));
    assert_eq!(w(26, 1).difference(w(26, 0)), RegSet::of(&[Rdx]));
    assert_eq!(w(3, 1).difference(w(3, 0)), RegSet::of(&[R8, R9, R10, R11]));
    assert_eq!(w(23, 1).difference(w(23, 0)), RegSet::of(&[R9, R10, R11]));
    assert_eq!(w(30, 1).difference(w(30, 0)), RegSet::of(&[R9, R10, R11]));
}

#[test]
fn lookups() {
    let at = |leaf, v| lookup(&SEAMCALL, LeafWord::new(leaf, v));
    for leaf in [3, 11, 23, 26, 30] {
        for v in [2, 3, 255] {
            assert!(matches!(at(leaf, v), Lookup::Rejected(e) if e.leaf == leaf && e.version == 1));
        }
        assert!(matches!(at(leaf, 0), Lookup::Found(e) if e.version == 0));
    }
    assert!(matches!(at(9, 1), Lookup::OtherVersions(e) if e.name == "TDH.MNG.CREATE"));
    assert!(matches!(at(22, 2), Lookup::OtherVersions(e) if e.version == 0));
    assert_eq!(at(42, 0), Lookup::Unknown);
    assert_eq!(at(300, 0), Lookup::Unknown);
    let ldr = lookup(&SEAMCALL, LeafWord::new_seamldr(0, 0));
    assert!(matches!(ldr, Lookup::Found(e) if e.name == "P-SEAMLDR.INFO"));
    assert!(ldr.audited().is_none());
    assert!(matches!(
        lookup(&SEAMCALL, LeafWord::new_seamldr(0, 1)),
        Lookup::OtherVersions(_)
    ));
    assert_eq!(find(&SEAMCALL, LeafWord::new(11, 2)), None);
    assert_eq!(
        find(&SEAMCALL, LeafWord::new(11, 0)).map(|e| e.name),
        Some("TDH.MNG.RD")
    );
}

#[test]
fn cross_check_reports_each_kind() {
    let vp_wr = find(&SEAMCALL, LeafWord::new(43, 0)).unwrap();
    let set = RegSet::of;
    let m = cross_check(vp_wr, set(&[Rcx, Rdx, R8, R9, R10]), set(&[R12]), set(&[]));
    assert_eq!(m.not_read, set(&[R10]));
    assert_eq!(m.not_written, set(&[R12]));
    assert_eq!(m.uncovered, set(&[R8]));
    assert!(m.relaxable() && !m.is_empty());
    let ok = cross_check(vp_wr, set(&[Rcx, Rdx, R8, R9]), set(&[R8]), set(&[]));
    assert!(ok.is_empty() && !ok.relaxable());
    // An input the leaf overwrites, clobbered: covered.
    let ok = cross_check(vp_wr, set(&[Rcx, Rdx, R8, R9]), set(&[]), set(&[R8]));
    assert!(ok.is_empty());
    // XMM0-15 after a migration leaf.
    let track = find(&SEAMCALL, LeafWord::new(71, 0)).unwrap();
    let m = cross_check(track, set(&[Rcx, R8, R10]), set(&[]), set(&[Xmm0]));
    assert_eq!(m.uncovered, RegSet::XMM.difference(set(&[Xmm0])));
    // Registers refused before the check are not reported by it.
    let m = cross_check(
        vp_wr,
        set(&[Rax, Rsp, Rbp, Xmm1]),
        set(&[Rax, Rsp]),
        set(&[]),
    );
    assert!(m.not_read.is_empty() && m.not_written.is_empty());
}

#[test]
fn checks_run_in_const_context() {
    const M: Mismatches = match lookup(&SEAMCALL, LeafWord::new(11, 0)).entry() {
        Some(e) => cross_check(e, RegSet::of(&[Rcx, Rdx]), RegSet::EMPTY, RegSet::EMPTY),
        None => panic!(),
    };
    assert_eq!(M.uncovered, RegSet::of(&[R8]));
}

#[test]
fn releases_name_themselves() {
    assert_eq!(Releases::of(Release::V1_5_01).to_string(), "module 1.5.01");
    let two = Release::V1_5_25.and(Release::V2_0_18);
    assert_eq!(two.to_string(), "modules 1.5.25 and 2.0.18");
    let three = Release::V1_5_01.and(Release::V1_5_25).and(Release::V2_0_18);
    assert_eq!(three.to_string(), "modules 1.5.01, 1.5.25 and 2.0.18");
    assert_eq!(three.first(), Some(Release::V1_5_01));
    assert!(!two.contains(Release::V1_5_01) && two.contains(Release::V2_0_18));
    for r in Release::ALL {
        assert_eq!(Release::from_name(r.name()), Some(r));
    }
    assert_eq!(Release::NEWEST, Release::V2_0_18);
}

#[test]
fn promote_writes_the_freed_pamt_pages_from_1_5_20() {
    for v in [0, 1] {
        let e = find(&SEAMCALL, LeafWord::new(23, v)).unwrap();
        let pamt = RegSet::of(&[R12, R13]);
        let old = e.writes_in(Release::V1_5_01).unwrap();
        assert!(old.intersection(pamt).is_empty(), "v{v}");
        for r in [Release::V1_5_25, Release::V2_0_18] {
            assert!(e.writes_in(r).unwrap().is_superset(pamt), "v{v} {r:?}");
        }
        // The cross-check requires the union.
        assert!(e.writes.unwrap().is_superset(pamt.union(old)));
        let m = cross_check(e, RegSet::of(&[Rcx, Rdx]), old, RegSet::EMPTY);
        assert_eq!(m.uncovered, pamt, "v{v}");
        assert_eq!(
            e.note(R12),
            Some("freed PAMT page, module 1.5.20 and later with Dynamic PAMT")
        );
        let writer = e.writer_of(R12).unwrap().releases;
        assert_eq!(writer, Release::V1_5_25.and(Release::V2_0_18));
    }
}

#[test]
fn newer_releases_cover_what_1_5_01_did_not() {
    let at = |leaf, v| lookup(&SEAMCALL, LeafWord::new(leaf, v));
    // TDH.VP.INIT version 1: audited on 1.5.25 and 2.0.18 (RAX alone).
    let init = at(22, 1).audited().unwrap();
    assert_eq!(init.writes, Some(RegSet::EMPTY));
    assert_eq!(init.writes_in(Release::V1_5_01), None, "1.5.01 rejects it");
    assert!(init.reads.contains(R8));
    // New inputs of old leaves.
    assert!(at(21, 0).entry().unwrap().reads.contains(R8), "MNG.INIT");
    let demote = at(15, 0).entry().unwrap();
    assert!(demote.reads.is_superset(RegSet::of(&[R12, R13])));
    // The Dynamic PAMT leaves and the version-1 setup leaves.
    let remove = at(59, 0).audited().unwrap();
    assert_eq!(remove.writes, Some(RegSet::of(&[Rdx, R8])));
    assert!(at(58, 0).audited().is_some() && at(53, 1).audited().is_some());
    assert!(at(45, 1)
        .audited()
        .unwrap()
        .reads
        .is_superset(RegSet::of(&[R9, R10])));
    // TDH.SYS.INIT runs its handler for version 2 and up on 2.0.18.
    assert!(matches!(at(33, 2), Lookup::Rejected(e) if e.version == 1));
    assert!(matches!(at(22, 2), Lookup::OtherVersions(_)));
    // Rows the audits mark `?`: known, not audited.
    assert!(at(68, 1).entry().is_some() && at(68, 1).audited().is_none());
    // DMAR.READ, the first host leaf besides VP.ENTER to write R14/R15.
    let dmar = at(152, 0).audited().unwrap();
    assert!(dmar.writes.unwrap().is_superset(RegSet::of(&[R14, R15])));
    // TDH.SYS.DISABLE: no release has it.
    assert!(at(69, 0).entry().is_some() && at(69, 0).audited().is_none());
}

/// A register module 1.5.01 writes at no version of the leaf says in its
/// note which releases do, so the cross-check's error names them.
#[test]
fn notes_of_newer_writes_name_the_release() {
    for e in SEAMCALL.rows {
        let old = SEAMCALL
            .rows
            .iter()
            .filter(|o| o.leaf == e.leaf && o.seamldr == e.seamldr)
            .filter_map(|o| o.audit_of(Release::V1_5_01))
            .fold(RegSet::EMPTY, |s, a| s.union(a.write_set()));
        for r in e.writes.unwrap_or(RegSet::EMPTY).iter() {
            if r.is_gpr() && !old.contains(r) {
                let note = e.note(r).unwrap_or_default();
                assert!(note.contains("module "), "{} {r}: {note:?}", e.name);
            }
        }
    }
}
