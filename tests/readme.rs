//! The README shows what the compiler prints for a misuse; this keeps that
//! excerpt identical to the checked-in output of the UI test it comes from.

#[test]
fn readme_error_excerpt_is_the_ui_test_output() {
    let root = env!("CARGO_MANIFEST_DIR");
    let readme = std::fs::read_to_string(format!("{root}/README.md")).expect("README.md");
    let stderr = std::fs::read_to_string(format!("{root}/tests/ui/many_errors.stderr"))
        .expect("tests/ui/many_errors.stderr");
    let section = readme
        .split("### What a misuse gets")
        .nth(1)
        .expect("the README has a section 'What a misuse gets'");
    let block = section
        .split("```text\n")
        .nth(1)
        .and_then(|b| b.split("```").next())
        .expect("a text block in that section");
    assert_eq!(
        block.trim_end(),
        stderr.trim_end(),
        "README.md's error excerpt differs from tests/ui/many_errors.stderr: copy it over"
    );
}
