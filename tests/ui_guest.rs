//! Compile tests of the guest side: every misuse of `#[tdcall]` and
//! `#[tdvmcall]` is a compile error at the right span that says what to
//! write instead; every accepted form, and the peers' calls written with
//! the macros, compile.

#[test]
fn ui_guest() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui_guest/pass_*.rs");
    t.compile_fail("tests/ui_guest/tdcall_*.rs");
    t.compile_fail("tests/ui_guest/tdvmcall_*.rs");
}
