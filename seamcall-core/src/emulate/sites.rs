//! The emulator's lookup of a faulting RIP: a hash map over the sorted
//! [`Index`], built once by [`install`](super::install).
//!
//! A binary search over the index touches one cache line per step, about
//! 15 for 10,000 sites, and in a signal handler those lines are mostly cold;
//! the map answers "is this a declared site?" (every emulated call asks)
//! from one slot, usually one cache line, and "where is its fixup for this
//! vector?" (a fault) from that slot and the index entries it points at.

use crate::extable::{Index, IndexEntry};

/// One slot of the open-addressing table: an instruction address (0: empty)
/// and the run of index entries for it.
#[derive(Clone, Copy)]
struct Slot {
    insn: u64,
    first: u32,
    len: u32,
}

const EMPTY: Slot = Slot {
    insn: 0,
    first: 0,
    len: 0,
};

/// Every instruction of an [`Index`], hashed.
pub(super) struct SiteMap {
    entries: &'static [IndexEntry],
    slots: Box<[Slot]>,
    /// `64 - log2(slots.len())`: the hash keeps the top bits.
    shift: u32,
}

impl SiteMap {
    /// The map of `index`; the table has at least twice as many slots as
    /// there are instructions, so a probe sequence is short.
    pub(super) fn new(index: Index<'static>) -> SiteMap {
        SiteMap::from_sorted(index.entries())
    }

    /// The map of `entries`, sorted by instruction address.
    fn from_sorted(entries: &'static [IndexEntry]) -> SiteMap {
        let sites = entries
            .windows(2)
            .filter(|w| w[0].insn() != w[1].insn())
            .count()
            + usize::from(!entries.is_empty());
        let size = (2 * sites).next_power_of_two().max(16);
        let mut map = SiteMap {
            entries,
            slots: vec![EMPTY; size].into_boxed_slice(),
            shift: 64 - size.trailing_zeros(),
        };
        let mut first = 0;
        while first < entries.len() {
            let insn = entries[first].insn();
            let len = entries[first..]
                .iter()
                .take_while(|e| e.insn() == insn)
                .count();
            if insn != 0 {
                let mut i = map.home(insn);
                while map.slots[i].insn != 0 {
                    i = (i + 1) & (size - 1);
                }
                map.slots[i] = Slot {
                    insn,
                    // The index of a table in a binary's section: far fewer
                    // than 2^32 entries.
                    first: first as u32,
                    len: len as u32,
                };
            }
            first += len;
        }
        map
    }

    fn home(&self, insn: u64) -> usize {
        (insn.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> self.shift) as usize
    }

    fn slot(&self, rip: u64) -> Option<Slot> {
        if rip == 0 {
            return None;
        }
        let mask = self.slots.len() - 1;
        let mut i = self.home(rip);
        loop {
            let s = self.slots[i];
            if s.insn == rip {
                return Some(s);
            }
            if s.insn == 0 {
                return None;
            }
            i = (i + 1) & mask;
        }
    }

    /// Whether the map holds no instruction at all.
    pub(super) fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Whether `rip` is an instruction of the index.
    pub(super) fn contains(&self, rip: u64) -> bool {
        self.slot(rip).is_some()
    }

    /// The fixup for a fault at `rip` with `vector`, as
    /// [`Index::search`] answers.
    pub(super) fn search(&self, rip: u64, vector: u8) -> Option<u64> {
        let s = self.slot(rip)?;
        self.entries[s.first as usize..][..s.len as usize]
            .iter()
            .find(|e| e.vector() == u32::from(vector))
            .map(IndexEntry::fixup)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colliding_and_many_sites() {
        // Synthetic entries: 5,000 pseudo-random instruction addresses (in
        // 16,384 slots, hundreds share a home slot), two vectors each.
        let mut x = 0x1234_5678_9abc_def1u64;
        let mut insns: Vec<u64> = (0..5_000)
            .map(|_| {
                x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                (x >> 16) | 1
            })
            .collect();
        insns.sort_unstable();
        insns.dedup();
        let mut v = Vec::new();
        for &insn in &insns {
            for vector in [6u32, 13] {
                v.push((insn, insn ^ (0xf000 + u64::from(vector)), vector));
            }
        }
        let entries: Vec<IndexEntry> = v
            .iter()
            .map(|&(insn, fixup, vector)| IndexEntry::from_parts(insn, fixup, vector))
            .collect();
        let map = SiteMap::from_sorted(entries.leak());
        let homes: std::collections::HashSet<usize> = insns.iter().map(|&i| map.home(i)).collect();
        assert!(homes.len() < insns.len(), "the test has collisions");
        for &(insn, fixup, vector) in &v {
            assert!(map.contains(insn), "{insn:#x}");
            assert_eq!(map.search(insn, vector as u8), Some(fixup));
            assert_eq!(map.search(insn, 14), None);
            assert!(!map.contains(insn + 1));
        }
        assert!(!map.contains(0) && !map.contains(2));
    }
}
