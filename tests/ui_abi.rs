//! Compile tests of the ABI cross-check: a declaration of a leaf the ABI
//! table knows must bind only registers the leaf reads and must list every
//! register it may write in `out` or `clobber`.

#[test]
fn ui_abi() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/abi_*.rs");
}
