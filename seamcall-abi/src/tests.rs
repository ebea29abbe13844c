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
