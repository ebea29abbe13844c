//! Compile tests of the metadata field types: a field of one scope does not
//! reach a leaf of another (a type error at the argument), and the typed
//! forms compile.

#[test]
fn ui_fields() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui_fields/pass_*.rs");
    for case in [
        "global_field_to_mng_rd",
        "td_field_to_sys_rd",
        "vcpu_field_to_mng_wr",
        "raw_id_to_vp_rd",
        "element_is_not_addition",
    ] {
        t.compile_fail(format!("tests/ui_fields/{case}.rs"));
    }
}
