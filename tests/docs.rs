//! The grammar of `#[seamcall]` is written once, in
//! `seamcall-core/docs/declaration.md`: the crate documentation includes
//! that file (`#![doc = include_str!(..)]` in `seamcall-core/src/lib.rs`),
//! and the README's "A declaration" section must be the same text, so
//! crates.io and docs.rs readers see what the repository's readers see.

use std::fs;

fn read(path: &str) -> String {
    let root = env!("CARGO_MANIFEST_DIR");
    fs::read_to_string(format!("{root}/{path}")).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The text under the heading line `heading`, up to the next heading of
/// any level (the README goes on with "What it expands to", which is not
/// grammar). Lines inside code fences are never headings.
fn section<'a>(doc: &'a str, heading: &str) -> &'a str {
    let at = doc
        .find(&format!("\n{heading}\n"))
        .unwrap_or_else(|| panic!("no `{heading}` heading"));
    let body = &doc[at + heading.len() + 2..];
    let mut in_fence = false;
    let mut offset = 0;
    for line in body.split_inclusive('\n') {
        if line.starts_with("```") {
            in_fence = !in_fence;
        } else if !in_fence && line.starts_with('#') {
            return &body[..offset];
        }
        offset += line.len();
    }
    body
}

#[test]
fn readme_declaration_section_is_the_crate_docs_grammar() {
    let readme = read("README.md");
    let grammar = read("seamcall-core/docs/declaration.md");
    let in_readme = section(&readme, "## A declaration");
    assert_eq!(
        in_readme.trim(),
        grammar.trim(),
        "README.md's \"A declaration\" section differs from seamcall-core/docs/declaration.md \
         (the text the crate documentation includes): change both"
    );
    let lib = read("seamcall-core/src/lib.rs");
    assert!(
        lib.contains("#![doc = include_str!(\"../docs/declaration.md\")]"),
        "seamcall-core/src/lib.rs no longer includes docs/declaration.md"
    );
}

/// The `#[seamcall]` docs link to `seamcall_core/#the-seamcall-declaration`
/// (the re-export in `seamcall-core/src/lib.rs` with an intra-doc link, the
/// macro crate with a docs.rs URL); rustdoc derives that anchor from this
/// heading, so renaming it breaks those links.
#[test]
fn grammar_heading_is_the_link_target() {
    let lib = read("seamcall-core/src/lib.rs");
    assert!(
        lib.contains("\n//! # The `#[seamcall]` declaration\n"),
        "the heading `# The `#[seamcall]` declaration` (anchor the-seamcall-declaration) is gone"
    );
    assert!(
        lib.contains("(crate#the-seamcall-declaration)"),
        "the re-export of `seamcall` no longer links to the grammar"
    );
}
