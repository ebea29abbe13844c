//! Compile tests: every misuse of `#[seamcall]` is a compile error at the
//! right span that says what to write instead; every accepted form compiles.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass_*.rs");
    for case in [
        "missing_leaf",
        "leaf_too_big",
        "leaf_const_too_big",
        "version_too_big",
        "unknown_register",
        "rax_operand",
        "rsp_operand",
        "rbp_operand",
        "duplicate_in",
        "duplicate_out",
        "clobber_overlap",
        "too_many_params",
        "too_few_params",
        "value_mismatch",
        "bad_return",
        "wrong_error_type",
        "not_unsafe",
        "generic_fn",
        "async_fn",
        "self_receiver",
        "unknown_key",
        "duplicate_key",
        "not_a_list",
        "no_into_reg",
        "no_from_reg",
        "body_given",
        "many_errors",
    ] {
        t.compile_fail(format!("tests/ui/{case}.rs"));
    }
    // Issue 13: a dropped result, return types the type checker reads,
    // bad literals and parameter attributes.
    for case in [
        "must_use_dropped",
        "literal_suffix",
        "cfg_param",
        "deep_type",
        "long_literal",
        "bad_leaf_value",
        "version_negative",
        "empty_entry",
        "alias_arity",
        "alias_not_result",
    ] {
        t.compile_fail(format!("tests/ui/{case}.rs"));
    }
}
