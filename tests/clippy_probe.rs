//! The expansion is clippy-clean in a user's crate: `tests/clippy_probe`
//! declares every form of the grammar (the leaf as a constant of every
//! integer type included) and this test lints it with
//! `cargo clippy -- -D warnings` (default lints), in a target directory
//! under `CARGO_TARGET_TMPDIR`.
//!
//! Without clippy installed (`rustup component add clippy`) the test says
//! so on stderr and passes, except under `CI`, where it fails.

use seamcall_tests::disasm::{self, Cargo};
use std::path::PathBuf;
use std::process::Command;

fn clippy_installed() -> bool {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    Command::new(cargo)
        .args(["clippy", "--version"])
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn every_form_is_clippy_clean_in_a_user_crate() {
    if !clippy_installed() {
        let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty());
        assert!(!ci, "CI is set and `cargo clippy` is not installed");
        eprintln!(
            "==== clippy_probe SKIPPED: `cargo clippy` is not installed (rustup component add clippy) ===="
        );
        return;
    }
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("clippy_probe");
    let manifest = disasm::workspace().join("tests/clippy_probe/Cargo.toml");
    let source = std::fs::read_to_string(manifest.with_file_name("src/lib.rs"))
        .expect("read tests/clippy_probe/src/lib.rs");
    // The forms that tripped clippy once stay in the probe.
    for form in [
        "leaf = LEAF_U64",
        "leaf = LEAF_U16",
        "-> Result<u64>",
        "scrub",
    ] {
        assert!(source.contains(form), "the probe lost `{form}`");
    }
    Cargo::release("clippy", &manifest)
        .args(["--locked", "--lib", "--message-format=short"])
        .target_dir(&dir)
        .args(["--", "-D", "warnings"])
        .run()
        .unwrap_or_else(|e| panic!("clippy on the expansion in tests/clippy_probe: {e}"));
}
