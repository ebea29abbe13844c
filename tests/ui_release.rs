//! Compile tests of the cross-check across module releases: a declaration
//! is accepted only if it is safe on every audited TDX module release that
//! accepts the leaf at that version (1.5.01, 1.5.25, 1.5.34, 2.0.18), and
//! an error for a register only a newer release writes names that release.

#[test]
fn ui_release() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui_release/pass_*.rs");
    t.compile_fail("tests/ui_release/fail_*.rs");
}
