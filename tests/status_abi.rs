//! `TdxStatus` against the facts, read at test time from the copies under
//! `tests/data/tdx-abi/`: `status.tsv` (the codes Linux and module 1.5.01
//! use) and section 2 of the vendored notes on the newer modules (the
//! module-header codes status.tsv lacks, from 1.5.01, 1.5.25 and 2.0.18;
//! `tests/data/tdx-abi/README.md` names the file).
//! Every code listed there is a constant with that name and value, and
//! every constant is listed there. The copies are checked byte for byte
//! against the originals when those sit beside the repository.

use std::collections::BTreeMap;
use std::path::PathBuf;

use seamcall_core::TdxStatus;

fn data_dir() -> PathBuf {
    seamcall_tests::vendored::data_dir("")
}

fn read(name: &str) -> String {
    let path = data_dir().join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// The copies this test reads are the originals, byte for byte, wherever
/// the originals are present.
#[test]
fn vendored_facts_match_the_originals() {
    seamcall_tests::vendored::assert_copies_match("", &["status.tsv", "notes-2.0.md"]);
}

fn hex(cell: &str) -> Option<u64> {
    let digits = cell.strip_prefix("0x")?;
    if digits.len() != 16 {
        return None;
    }
    u64::from_str_radix(digits, 16).ok()
}

/// status.tsv rows that name a status: `TDX_` names with a 16-digit value,
/// without the masks and flag bits. `NAME(module)` rows are the module-header
/// values of the codes Linux and the module disagree on: the constant is
/// `NAME_MODULE`.
fn status_tsv() -> BTreeMap<String, u64> {
    const NOT_CODES: &[&str] = &[
        "TDX_SEAMCALL_STATUS_MASK",
        "TDX_STATUS_MASK",
        "TDX_ERROR",
        "TDX_NON_RECOVERABLE",
        "TDX_SW_ERROR",
    ];
    let text = read("status.tsv");
    let mut rows = BTreeMap::new();
    for line in text.lines().skip(1) {
        let mut cells = line.split('\t');
        let (Some(name), Some(value)) = (cells.next(), cells.next()) else {
            continue;
        };
        let Some(value) = hex(value) else { continue };
        if !name.starts_with("TDX_") || NOT_CODES.contains(&name) {
            continue;
        }
        let name = match name.strip_suffix("(module)") {
            Some(base) => format!("{base}_MODULE"),
            None => name.to_owned(),
        };
        assert!(rows.insert(name.clone(), value).is_none(), "{name} twice");
    }
    rows
}

/// Section 2 of the notes: the two tables (`| TDX_NAME | 0x… |`) and the
/// "name value; name value" list, up to the operand ids.
fn notes_codes() -> BTreeMap<String, u64> {
    let text = read("notes-2.0.md");
    let start = text
        .find("### 2. New status codes")
        .expect("section 2 of the notes");
    let section = &text[start..];
    let section = &section[..section.find("\n### 3.").expect("section 3 follows")];
    let section = &section[..section
        .find("The 2.0.18 header also adds operand IDs")
        .expect("operand ids follow the codes")];
    let mut codes = BTreeMap::new();
    let mut add = |name: &str, value: &str| {
        let value = hex(value).unwrap_or_else(|| panic!("{name}: bad value {value}"));
        assert!(
            codes.insert(name.to_owned(), value).is_none(),
            "{name} twice"
        );
    };
    for line in section.lines() {
        if let Some(row) = line.strip_prefix("| TDX_") {
            let cells: Vec<&str> = row.split('|').map(str::trim).collect();
            add(&format!("TDX_{}", cells[0]), cells[1]);
        } else if line.starts_with("TDX_") {
            for item in line.split(';') {
                let mut words = item.split_whitespace();
                if let (Some(name), Some(value), None) = (words.next(), words.next(), words.next())
                {
                    add(name, value);
                }
            }
        }
    }
    codes
}

#[test]
fn the_notes_list_what_they_say() {
    // 15 new since 1.5.01, 106 new in 2.0.18, 121 present since 1.5.01.
    assert_eq!(notes_codes().len(), 15 + 106 + 121);
    assert_eq!(status_tsv().len(), 51);
}

#[test]
fn every_listed_code_is_a_constant() {
    let mut listed = status_tsv();
    listed.extend(notes_codes());
    for (name, &value) in &listed {
        let status = TdxStatus::from_name(name)
            .unwrap_or_else(|| panic!("{name} ({value:#018x}) is not a TdxStatus constant"));
        assert_eq!(status.raw(), value, "{name}");
        // Display names it: its own name, or the one other name of its value.
        let shown = status
            .name()
            .unwrap_or_else(|| panic!("{name} has no name"));
        assert!(
            shown == name
                || (name == "TDX_UPDATE_COMPATIBILITY_SENSITIVE"
                    && shown == "TDX_UPDATE_COMPAT_SENSITIVE"),
            "{name} is shown as {shown}"
        );
        assert!(format!("{status}").starts_with(shown), "{name}: {status}");
        // Whatever the details, the code is named.
        let with_details = TdxStatus::from_raw(value | 0x1234);
        if !(status.is_success() || status.is_sw_error()) {
            assert_eq!(with_details.name(), Some(shown), "{name}");
        }
    }
}

#[test]
fn every_constant_is_listed() {
    let mut listed = status_tsv();
    listed.extend(notes_codes());
    let by_value: BTreeMap<u64, &String> = listed.iter().map(|(n, &v)| (v, n)).collect();
    let mut count = 0;
    for status in TdxStatus::known() {
        let name = status.name().expect("known statuses are named");
        assert!(
            by_value.contains_key(&status.raw()),
            "{name} ({:#018x}) is in neither status.tsv nor the notes",
            status.raw()
        );
        count += 1;
    }
    // One value has two names (UPDATE_COMPAT_SENSITIVE, the module's
    // UPDATE_COMPATIBILITY_SENSITIVE): one constant in the table.
    assert_eq!(count, listed.len() - 1);
}

#[test]
fn selected_new_codes() {
    assert_eq!(
        TdxStatus::METADATA_FIRST_FIELD_ID_IN_CONTEXT.raw(),
        0x0000_0C0B_0000_0000
    );
    assert!(TdxStatus::METADATA_FIRST_FIELD_ID_IN_CONTEXT.is_informational());
    assert_eq!(
        format!("{}", TdxStatus::from_raw(0xC000_0C03_0000_0000)),
        "TDX_METADATA_FIELD_VALUE_NOT_VALID"
    );
    assert_eq!(
        format!("{}", TdxStatus::from_raw(0x8000_0307_0000_0000)),
        "TDX_INTERRUPTED_PAMT"
    );
    assert_eq!(
        TdxStatus::from_name("TDX_UPDATE_COMPATIBILITY_SENSITIVE"),
        Some(TdxStatus::UPDATE_COMPAT_SENSITIVE)
    );
    assert_eq!(
        TdxStatus::UPDATE_COMPATIBILITY_SENSITIVE,
        TdxStatus::UPDATE_COMPAT_SENSITIVE
    );
    assert_eq!(TdxStatus::IOMMU_IQ_FULL.raw(), 0x8000_0F01_0000_0000);
}
