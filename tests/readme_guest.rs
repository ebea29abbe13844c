//! The README's guest section shows what the compiler prints for an exposed
//! RBP; this keeps that excerpt identical to the checked-in output of the UI
//! test it comes from.

#[test]
fn readme_guest_error_excerpt_is_the_ui_test_output() {
    let root = env!("CARGO_MANIFEST_DIR");
    let readme = std::fs::read_to_string(format!("{root}/README.md")).expect("README.md");
    let stderr = std::fs::read_to_string(format!("{root}/tests/ui_guest/tdvmcall_rbp.stderr"))
        .expect("tests/ui_guest/tdvmcall_rbp.stderr");
    let section = readme
        .split("## The guest side")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .expect("the README has a section 'The guest side'");
    let block = section
        .split("```text\n")
        .find(|b| b.starts_with("error: `rbp`"))
        .and_then(|b| b.split("```").next())
        .expect("the rbp error excerpt in that section");
    assert_eq!(
        block.trim_end(),
        stderr.trim_end(),
        "README.md's guest error excerpt differs from tests/ui_guest/tdvmcall_rbp.stderr: copy it over"
    );
}
