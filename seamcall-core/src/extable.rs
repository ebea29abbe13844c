//! The exception table: how a fault on `SEAMCALL` becomes an error value.
//!
//! `SEAMCALL` raises #UD when the CPU is not in VMX operation and #GP when TDX
//! is not enabled; `TDCALL` (the guest side) raises #UD outside a TD and #GP
//! at CPL > 0, and its expansions use the same table and the same pads. Every
//! expansion of `#[seamcall]` records, for its one
//! instruction, two entries in the ELF section `seamcall_extable`: one for
//! vector 6 (#UD) and one for vector 13 (#GP). Each entry names the address of
//! the instruction and a *fixup pad*: a few cold instructions that load the
//! matching error status into RAX (Linux's `TDX_SEAMCALL_UD` /
//! `TDX_SEAMCALL_GP`), restore RBX where the leaf uses it, and jump back to the
//! code after the instruction. A fault handler therefore only has to move RIP:
//!
//! 1. the #UD or #GP handler takes the faulting RIP and its vector;
//! 2. [`search`] returns the fixup address, or `None` for any other RIP;
//! 3. the handler sets RIP to that address and returns (`iretq`).
//!
//! [`fixup_frame`] does steps 2 and 3 for an `x86_64` crate
//! [`InterruptStackFrame`], which lets a handler change RIP and nothing else.
//!
//! # Lookup cost: the index
//!
//! [`search`] scans the table linearly: one comparison per entry, two
//! entries per `SEAMCALL` site, so a fault costs more the more leaves the
//! image declares (about a nanosecond per entry). An image that takes many
//! such faults builds an [`Index`] once, at boot, into a buffer it provides
//! (no allocation: `no_std`), and looks faults up in it by binary search:
//!
//! ```
//! use seamcall_core::extable::{self, Index, IndexEntry};
//!
//! // At boot: a buffer with room for every entry (`index_len()`), e.g. a
//! // static array sized for the image, or memory from the boot allocator.
//! let mut buf = [IndexEntry::EMPTY; 64];
//! assert!(extable::index_len() <= buf.len());
//! let index = Index::build(&mut buf).expect("buffer sized for the table");
//!
//! // In the #UD (6) / #GP (13) handler: the same answers as `search`.
//! let rip = 0x1234_5678;
//! assert_eq!(index.search(rip, 6), extable::search(rip, 6));
//! ```
//!
//! In a handler, reach the index through a `static` written once at boot
//! (for example a spin-lock-free once cell, or a `static mut` set before
//! interrupts are enabled); [`Index::fixup_frame`] is the indexed
//! [`fixup_frame`]. The table section itself is read-only (`"aR"`), so it is
//! never sorted in place.
//!
//! # Format
//!
//! The section is named `seamcall_extable` (a C identifier, so GNU ld and lld
//! define `__start_seamcall_extable` and `__stop_seamcall_extable`) and has
//! flags `"aR"`: allocated, read-only, and `SHF_GNU_RETAIN`, so
//! `--gc-sections` keeps it although no code refers to it. It is an array of
//! 12-byte, 4-aligned entries:
//!
//! | offset | type  | meaning |
//! |--------|-------|---------|
//! | 0      | `i32` | address of the `SEAMCALL` instruction, minus the address of this field |
//! | 4      | `i32` | address of the fixup pad, minus the address of this field |
//! | 8      | `u32` | exception vector: 6 (#UD) or 13 (#GP); other values never match |
//!
//! Self-relative offsets need no run-time relocation, so the table works in a
//! kernel before relocation and in position-independent executables alike. A
//! kernel that brings its own handler can read the table without this crate.
//! This crate adds one entry of its own, with vector `0xFFFF_FFFF`, so that the
//! section (and its bounds) exists in every binary that links [`search`].
//!
//! The bounds come from the final link. A relocatable link (`ld -r`, as for
//! a Linux loadable module) defines no `__start_`/`__stop_` symbols, so
//! [`entries`] and [`search`] are for fully linked images (a kernel, a
//! hypervisor, a user-mode test binary); a module loader that wants the
//! table reads the `seamcall_extable` section of the object itself, with
//! the layout above.

use x86_64::structures::idt::InterruptStackFrame;
use x86_64::VirtAddr;

/// One exception-table entry, as laid out in the section (see the
/// [module docs](self)).
#[derive(Debug)]
#[repr(C, align(4))]
pub struct Entry {
    insn: i32,
    fixup: i32,
    vector: u32,
}

const _: () = assert!(core::mem::size_of::<Entry>() == 12);

impl Entry {
    /// Address of the `SEAMCALL` instruction this entry covers.
    pub fn insn(&self) -> u64 {
        (core::ptr::addr_of!(self.insn) as u64).wrapping_add(self.insn as i64 as u64)
    }

    /// Address of the fixup pad.
    pub fn fixup(&self) -> u64 {
        (core::ptr::addr_of!(self.fixup) as u64).wrapping_add(self.fixup as i64 as u64)
    }

    /// Exception vector the entry covers (6 or 13).
    pub fn vector(&self) -> u32 {
        self.vector
    }
}

// The crate's own entry: it makes the section exist in every binary that
// links this module, so the linker always defines its bounds. It points at
// itself with a vector no exception has, so it never matches.
core::arch::global_asm!(
    ".pushsection seamcall_extable, \"aR\", @progbits",
    ".balign 4",
    // Weak: two copies of this crate (two semver-incompatible versions in
    // one graph) each bring an anchor; both are harmless entries, and a
    // weak definition lets the linker keep them without a duplicate-symbol
    // error.
    ".weak __seamcall_extable_anchor",
    ".hidden __seamcall_extable_anchor",
    "__seamcall_extable_anchor:",
    ".long 0, 0, 0xffffffff",
    ".popsection",
);

extern "C" {
    static __start_seamcall_extable: Entry;
    static __stop_seamcall_extable: Entry;
    static __seamcall_extable_anchor: Entry;
}

/// Every entry of the table linked into this binary (including the crate's
/// own, which never matches).
pub fn entries() -> &'static [Entry] {
    // SAFETY: the linker defines both bounds around the `seamcall_extable`
    // output section. The anchor above guarantees that section exists in any
    // binary that links this function (it refers to the anchor, so the object
    // holding it is linked). All entries are written by `#[seamcall]`
    // expansions or the anchor, each 12 bytes and 4-aligned, so the section is
    // an array of `Entry`; it is read-only for the life of the program.
    unsafe {
        let anchor = core::ptr::addr_of!(__seamcall_extable_anchor);
        core::hint::black_box(anchor);
        let start = core::ptr::addr_of!(__start_seamcall_extable);
        let stop = core::ptr::addr_of!(__stop_seamcall_extable);
        let len = (stop as usize - start as usize) / core::mem::size_of::<Entry>();
        core::slice::from_raw_parts(start, len)
    }
}

/// The fixup address for a fault at `rip` with exception `vector`, or `None`
/// when `rip` is not the exact address of a declared `SEAMCALL` instruction.
pub fn search(rip: u64, vector: u8) -> Option<u64> {
    entries()
        .iter()
        .find(|e| e.vector == u32::from(vector) && e.insn() == rip)
        .map(Entry::fixup)
}

/// Whether `rip` is the exact address of a declared `SEAMCALL` instruction.
pub fn is_seamcall_site(rip: u64) -> bool {
    entries()
        .iter()
        .any(|e| e.vector != u32::MAX && e.insn() == rip)
}

/// The bytes of `TDCALL`, which `#[tdcall]` and `#[tdvmcall]` expansions
/// emit and record in the same table.
pub const TDCALL_BYTES: [u8; 4] = [0x66, 0x0f, 0x01, 0xcc];

/// Whether `rip` is a declared site (an entry of the table) whose
/// instruction is `TDCALL` rather than `SEAMCALL`.
pub fn is_tdcall_site(rip: u64) -> bool {
    if !is_seamcall_site(rip) {
        return false;
    }
    // SAFETY: `rip` is the address of an instruction an expansion emitted
    // into this binary's text (an entry of the table names it), and every
    // such instruction is at least 4 bytes long (SEAMCALL, TDCALL, or the
    // longer stand-in of a `seamcall_stub` build); text is readable.
    let bytes = unsafe { core::ptr::read_unaligned(rip as *const [u8; 4]) };
    bytes == TDCALL_BYTES
}

/// Resume a faulting `SEAMCALL` at its fixup pad.
///
/// Call it from a #UD (`vector` 6) or #GP (`vector` 13) handler. When the
/// frame's RIP is a declared `SEAMCALL` instruction, RIP is moved to the fixup
/// pad, which loads the error status itself, and `true` is returned: return
/// from the handler. Otherwise the frame is left untouched and `false` is
/// returned: the fault is someone else's.
pub fn fixup_frame(frame: &mut InterruptStackFrame, vector: u8) -> bool {
    let Some(fixup) = search(frame.instruction_pointer.as_u64(), vector) else {
        return false;
    };
    // SAFETY: `fixup` is a pad emitted by the `#[seamcall]` expansion for the
    // very instruction that faulted. The pad expects exactly the register
    // state at the fault (the instruction changed nothing before faulting)
    // and the same stack, privilege level and flags, which `iretq` restores
    // from the rest of the frame; only RIP changes.
    unsafe {
        frame
            .as_mut()
            .update(|f| f.instruction_pointer = VirtAddr::new_truncate(fixup));
    }
    true
}

/// One entry of an [`Index`]: the absolute addresses of a table [`Entry`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct IndexEntry {
    insn: u64,
    fixup: u64,
    vector: u32,
}

impl IndexEntry {
    /// A placeholder to fill a buffer with before [`Index::build`].
    pub const EMPTY: IndexEntry = IndexEntry {
        insn: 0,
        fixup: 0,
        vector: u32::MAX,
    };

    /// Address of the instruction the entry covers.
    pub fn insn(&self) -> u64 {
        self.insn
    }

    /// Address of the fixup pad.
    pub fn fixup(&self) -> u64 {
        self.fixup
    }

    /// Exception vector the entry covers.
    pub fn vector(&self) -> u32 {
        self.vector
    }

    /// An entry with these fields, for tests of code built on the index.
    #[cfg(test)]
    pub(crate) fn from_parts(insn: u64, fixup: u64, vector: u32) -> IndexEntry {
        IndexEntry {
            insn,
            fixup,
            vector,
        }
    }

    fn key(&self) -> (u64, u32) {
        (self.insn, self.vector)
    }
}

/// The buffer given to [`Index::build`] cannot hold every entry of the
/// table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BufferTooSmall {
    /// Entries the index needs ([`index_len`]).
    pub needed: usize,
    /// Entries the buffer holds.
    pub given: usize,
}

impl core::fmt::Display for BufferTooSmall {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "the exception-table index needs {} entries, the buffer holds {}",
            self.needed, self.given
        )
    }
}

impl core::error::Error for BufferTooSmall {}

/// The number of entries an [`Index`] of this image's table holds: every
/// entry but the crate's own anchors.
pub fn index_len() -> usize {
    entries().iter().filter(|e| e.vector != u32::MAX).count()
}

/// The exception table sorted by instruction address, for lookups in
/// O(log n): build it once (at boot, or when a fault handler is installed)
/// into a caller-provided buffer; see the [module docs](self#lookup-cost-the-index).
///
/// It answers exactly as [`search`] and [`is_seamcall_site`] do.
#[derive(Clone, Copy, Debug)]
pub struct Index<'a> {
    entries: &'a [IndexEntry],
}

impl Index<'static> {
    /// An index that finds nothing (a placeholder before [`Index::build`]).
    pub const EMPTY: Index<'static> = Index { entries: &[] };
}

impl<'a> Index<'a> {
    /// Index this image's table ([`entries`]) in `buf`, which must hold at
    /// least [`index_len`] entries; the rest of `buf` is left unused.
    pub fn build(buf: &'a mut [IndexEntry]) -> Result<Index<'a>, BufferTooSmall> {
        Index::from_entries(entries(), buf)
    }

    /// Index the given table entries (for example a module's
    /// `seamcall_extable` section, read by a loader) in `buf`.
    pub fn from_entries(
        table: &[Entry],
        buf: &'a mut [IndexEntry],
    ) -> Result<Index<'a>, BufferTooSmall> {
        let needed = table.iter().filter(|e| e.vector != u32::MAX).count();
        if buf.len() < needed {
            return Err(BufferTooSmall {
                needed,
                given: buf.len(),
            });
        }
        let buf = &mut buf[..needed];
        for (slot, e) in buf
            .iter_mut()
            .zip(table.iter().filter(|e| e.vector != u32::MAX))
        {
            *slot = IndexEntry {
                insn: e.insn(),
                fixup: e.fixup(),
                vector: e.vector,
            };
        }
        buf.sort_unstable_by_key(IndexEntry::key);
        Ok(Index { entries: buf })
    }

    /// The indexed entries, sorted by instruction address, then vector.
    pub fn entries(&self) -> &'a [IndexEntry] {
        self.entries
    }

    /// The fixup address for a fault at `rip` with exception `vector`, or
    /// `None`; what [`search`] returns, by binary search.
    pub fn search(&self, rip: u64, vector: u8) -> Option<u64> {
        let key = (rip, u32::from(vector));
        self.entries
            .binary_search_by(|e| e.key().cmp(&key))
            .ok()
            .map(|i| self.entries[i].fixup)
    }

    /// Whether `rip` is the exact address of an instruction in the table;
    /// what [`is_seamcall_site`] returns, by binary search.
    pub fn contains(&self, rip: u64) -> bool {
        let i = self.entries.partition_point(|e| e.insn < rip);
        self.entries.get(i).is_some_and(|e| e.insn == rip)
    }

    /// [`fixup_frame`], looking the instruction up in this index.
    pub fn fixup_frame(&self, frame: &mut InterruptStackFrame, vector: u8) -> bool {
        let Some(fixup) = self.search(frame.instruction_pointer.as_u64(), vector) else {
            return false;
        };
        // SAFETY: as in `fixup_frame`: `fixup` is the pad the expansion
        // emitted for this very instruction and vector; only RIP changes.
        unsafe {
            frame
                .as_mut()
                .update(|f| f.instruction_pointer = VirtAddr::new_truncate(fixup));
        }
        true
    }
}
