//! The vendored ABI facts under `tests/data/tdx-abi/`: where they are, the
//! byte-for-byte check against the originals, and a reader for their TSVs.
//!
//! The copies under `tests/data/tdx-abi/` are copies of the project's ABI
//! notes; the originals sit beside the repository on the machines that have
//! them ([`originals_dir`]). Where they are present, [`assert_copies_match`]
//! fails on any copy that differs; where they are absent it says so and
//! checks nothing.
//!
//! This is test support: a file that cannot be read, or a copy that
//! differs, panics with a message naming the file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A row of a TSV file, by column name.
pub type Row = BTreeMap<String, String>;

/// The root package's directory (the workspace root).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `tests/data/tdx-abi/<sub>` (`sub` empty: `tests/data/tdx-abi`).
pub fn data_dir(sub: &str) -> PathBuf {
    root().join("tests/data/tdx-abi").join(sub)
}

/// Where the originals of `data_dir(sub)` sit when they are present: the
/// project's facts directory (`shared/tdx-abi`) next to the checkout, as the
/// developers' machines and CI lay it out. A published checkout has none,
/// and the byte check is then skipped.
pub fn originals_dir(sub: &str) -> PathBuf {
    root().join("..").join("shared").join("tdx-abi").join(sub)
}

fn bytes(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// Each of `names` under `data_dir(sub)` equals its original byte for byte,
/// when the originals are present; prints a line and checks nothing when
/// they are not. A copy named in lower case whose original is not there
/// under that name stands for the original named in upper case before the
/// extension (the notes files: `notes-2.0.md`).
///
/// # Panics
/// On a copy that differs from its original (the message says to copy the
/// original over it), or on a file that cannot be read.
pub fn assert_copies_match(sub: &str, names: &[&str]) {
    let originals = originals_dir(sub);
    if !originals.is_dir() {
        println!("{} not present: nothing to compare", originals.display());
        return;
    }
    let copies = data_dir(sub);
    for name in names {
        let copy = copies.join(name);
        let original = original_of(&originals, name);
        assert!(
            bytes(&copy) == bytes(&original),
            "{} differs from {}: copy the original over it",
            copy.strip_prefix(root()).unwrap_or(&copy).display(),
            original.display()
        );
    }
}

/// The original of the copy `name` in `originals`: the same name, else the
/// name upper-cased before its extension.
fn original_of(originals: &Path, name: &str) -> PathBuf {
    let same = originals.join(name);
    match name.rsplit_once('.') {
        Some((stem, ext)) if !same.exists() => {
            originals.join(format!("{}.{ext}", stem.to_uppercase()))
        }
        _ => same,
    }
}

/// The rows of a tab-separated file whose first non-blank line is the
/// header; blank lines are skipped, and a short row reads as empty cells.
///
/// # Panics
/// On a file that cannot be read or has no header.
pub fn read_tsv(path: &Path) -> Vec<Row> {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let header: Vec<String> = lines
        .next()
        .unwrap_or_else(|| panic!("{} is empty", path.display()))
        .split('\t')
        .map(str::to_owned)
        .collect();
    lines
        .map(|line| {
            let cells = line.split('\t').map(str::to_owned);
            header
                .iter()
                .cloned()
                .zip(cells.chain(std::iter::repeat(String::new())))
                .collect()
        })
        .collect()
}
