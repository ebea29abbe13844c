//! Metadata field IDs looked up as the module looks them up for TDH.SYS.RD
//! and TDH.MNG.RD, in the tables generated from
//! `tests/data/tdx-abi/fields.tsv` ([`crate::fields`]).
//!
//! The rule (`tests/data/tdx-abi/fields.md`, sections 3 and 4; intel/tdx-module
//! `src/common/metadata_handlers/metadata_generic.c` at 72d8cffb): an ID
//! with a reserved bit (31:24, 49:47, 55, 62) or a non-zero last-element or
//! last-field code (37:34, 46:38) is `TDX_METADATA_FIELD_ID_INCORRECT`; the
//! element size, increment size, write-mask-valid, context and bit 63 are
//! ignored, and the entry is found by class code and field code alone, the
//! field code anywhere among the entry's elements. An entry the release's
//! table lacks is `TDX_METADATA_FIELD_ID_INCORRECT` too; one whose host read
//! mask is 0 (for the TD's debug attribute) is
//! `TDX_METADATA_FIELD_NOT_READABLE`. The value is the element masked by its
//! size and its read mask.
//!
//! Which table a release has: 1.5.01 its own; 1.5.25 and 1.5.34 the 1.5.06
//! one (the newest complete 1.5 table the facts hold); 2.0.18 the 1.5.06
//! one and the IDs the 2.0 tables add. The next-ID walk follows the order of
//! the generated constants, which is the module's table order for the
//! 1.5.01 entries, with later entries after them.

use super::Release;
use crate::fields::{Field, Scope};
use crate::status::TdxStatus;

/// Bits that must be 0 in an ID for a single-element read: reserved bits
/// 31:24, 49:47, 55 and 62, last element 37:34, last field 46:38.
const MUST_BE_ZERO: u64 = 0xFF00_0000 | 0xF << 34 | 0x1FF << 38 | 0x7 << 47 | 1 << 55 | 1 << 62;
const CLASS: u64 = 0x3F << 56;
const CODE: u64 = 0xFF_FFFF;
const CONTEXT: u64 = 0x7 << 52;

/// A row of a generated `HOST_READ` table: the field, its host read mask
/// for a production and a debug TD, and the tables that hold it.
pub(crate) type Row<S> = (Field<S>, u64, u64, u8);

/// A field code found: the entry (its index in the table) and the element
/// among all of its fields' elements.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Hit {
    pub(crate) entry: usize,
    pub(crate) element: u64,
}

fn in_release(tables: u8, release: Release) -> bool {
    if release == Release::V1_5_01 {
        tables & 1 != 0
    } else if release < Release::V2_0_18 {
        tables & 2 != 0
    } else {
        tables & 6 != 0
    }
}

fn stride<S: Scope>(f: Field<S>) -> u64 {
    if f.raw() & 1 << 50 != 0 {
        2
    } else {
        1
    }
}

fn count<S: Scope>(f: Field<S>) -> u64 {
    (f.elements() * f.fields()) as u64
}

/// The read mask of `row` for a TD with or without the debug attribute.
pub(crate) fn read_mask<S: Scope>(row: &Row<S>, debug: bool) -> u64 {
    if debug {
        row.2
    } else {
        row.1
    }
}

/// Whether `id` is the null ID that asks for the first field of the
/// context (all ones, context bits aside).
pub(crate) fn is_null(id: u64) -> bool {
    id | CONTEXT == u64::MAX
}

/// Find `id` in `table` as `release` does.
pub(crate) fn find<S: Scope>(
    table: &[Row<S>],
    id: u64,
    release: Release,
) -> Result<Hit, TdxStatus> {
    let incorrect = TdxStatus::METADATA_FIELD_ID_INCORRECT;
    if id & MUST_BE_ZERO != 0 {
        return Err(incorrect);
    }
    let code = id & CODE;
    table
        .iter()
        .enumerate()
        .filter(|(_, row)| in_release(row.3, release))
        .find_map(|(entry, row)| {
            let f = row.0;
            let base = f.raw() & CODE;
            let s = stride(f);
            let hit = f.raw() & CLASS == id & CLASS
                && code >= base
                && code < base + count(f) * s
                && (code - base) % s == 0;
            hit.then(|| Hit {
                entry,
                element: (code - base) / s,
            })
        })
        .ok_or(incorrect)
}

/// The full ID of element `element` of entry `entry` (the table's form:
/// size, context, increment size and bit 63 as the table has them).
pub(crate) fn id_of<S: Scope>(table: &[Row<S>], hit: Hit) -> u64 {
    let f = table[hit.entry].0;
    f.raw() + hit.element * stride(f)
}

/// The element after `hit` that a host read can reach: the next element of
/// the entry, else the first element of the next entry of the release
/// whose read mask is not 0; `None` after the last.
pub(crate) fn next<S: Scope>(
    table: &[Row<S>],
    hit: Hit,
    release: Release,
    debug: bool,
) -> Option<Hit> {
    if hit.element + 1 < count(table[hit.entry].0) {
        return Some(Hit {
            entry: hit.entry,
            element: hit.element + 1,
        });
    }
    first_from(table, hit.entry + 1, release, debug)
}

/// The first readable element of an entry at or after `entry`.
pub(crate) fn first_from<S: Scope>(
    table: &[Row<S>],
    entry: usize,
    release: Release,
    debug: bool,
) -> Option<Hit> {
    (entry..table.len())
        .find(|&e| in_release(table[e].3, release) && read_mask(&table[e], debug) != 0)
        .map(|entry| Hit { entry, element: 0 })
}

/// `value` as an element of `row`'s field reads: cut to the element size
/// and the read mask.
pub(crate) fn masked<S: Scope>(row: &Row<S>, debug: bool, value: u64) -> u64 {
    let bits = 8 * row.0.element_bytes() as u32;
    let size = if bits >= 64 {
        u64::MAX
    } else {
        (1 << bits) - 1
    };
    value & size & read_mask(row, debug)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fields::td;

    #[test]
    fn the_lookup_rule() {
        let t = td::HOST_READ;
        let r = Release::V2_0_18;
        let mrtd = find(t, td::MRTD.raw(), r).unwrap();
        assert_eq!(t[mrtd.entry].0, td::MRTD);
        // Element 5; size, context and bit 63 ignored.
        let e5 = find(t, 0x1310_0003_0000_0005, r).unwrap();
        assert_eq!(e5.element, 5);
        assert_eq!(find(t, 0x9300_0000_0000_0005, r), Ok(e5));
        assert_eq!(id_of(t, e5), 0x1310_0003_0000_0005);
        // Reserved and last-element bits, and a code past the entry.
        let incorrect = Err(TdxStatus::METADATA_FIELD_ID_INCORRECT);
        assert_eq!(find(t, td::MRTD.raw() | 1 << 24, r), incorrect);
        assert_eq!(find(t, td::MRTD.raw() | 5 << 34, r), incorrect);
        assert_eq!(find(t, td::MRTD.raw() | 1 << 62, r), incorrect);
        assert_eq!(find(t, 0x1310_0003_0000_0006, r), incorrect);
        // The model's old invented ID reaches nothing.
        assert_eq!(find(t, 0x9010_0003_0000_0000, r), incorrect);
        // A field 1.5.06 added is not in 1.5.01's table.
        let virt_maxpa = td::VIRT_MAXPA.raw();
        assert!(find(t, virt_maxpa, r).is_ok());
        assert_eq!(find(t, virt_maxpa, Release::V1_5_01), incorrect);
        // The walk: element 5 of MRTD, then MRCONFIGID.
        let n = next(t, e5, r, false).unwrap();
        assert_eq!(id_of(t, n), td::MRCONFIGID.raw());
        assert!(is_null(u64::MAX) && is_null(!CONTEXT) && !is_null(td::MRTD.raw()));
    }
}
