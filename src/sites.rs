//! This binary's own instruction sites, found through its exception table
//! (`seamcall_extable`): used by `tests/stub_bytes.rs` and
//! `tests/guest_stub_bytes.rs` to read the machine code that runs.

use seamcall_core::extable;

/// The stand-in instruction of a `--cfg seamcall_stub` build:
/// `nop dword ptr [rax]` (`0F 1F 00`), `xor eax, eax` (`31 C0`).
pub const STAND_IN: &[u8] = &[0x0f, 0x1f, 0x00, 0x31, 0xc0];

/// The instruction address of the table entries that lie in the `len`
/// bytes from `start`, checked to be exactly one instruction with its #UD
/// and #GP entries.
///
/// # Panics
/// When the range holds anything else (no entry, more than one site, or a
/// site without both entries): the message lists what it found.
pub fn site_in(start: usize, len: usize) -> usize {
    let range = start as u64..(start + len) as u64;
    let mut hits: Vec<(u64, u32)> = extable::entries()
        .iter()
        .filter(|e| e.vector() != u32::MAX && range.contains(&e.insn()))
        .map(|e| (e.insn(), e.vector()))
        .collect();
    hits.sort_unstable();
    assert_eq!(
        hits.len(),
        2,
        "expected one #UD and one #GP entry in {range:x?}, found {hits:x?}"
    );
    assert_eq!(
        hits[0].0, hits[1].0,
        "both entries must cover the same instruction"
    );
    assert_eq!([hits[0].1, hits[1].1], [6, 13], "the vectors: {hits:x?}");
    hits[0].0 as usize
}
