//! [`LeafWord`]: the RAX word that selects a leaf.

use core::fmt;

/// The RAX value a leaf is issued with: the leaf number in bits 15:0, the
/// version in bits 23:16 and, for a P-SEAMLDR leaf, bit 63. Bits 62:24 are 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LeafWord(u64);

const VERSION_SHIFT: u32 = 16;
const SEAMLDR_BIT: u64 = 1 << 63;
/// Bits 62:24, which no leaf word sets.
const RESERVED: u64 = !(SEAMLDR_BIT | 0xFF_FFFF);

impl LeafWord {
    /// How the word is built, as the generated docs spell it for a leaf
    /// given as a path (bit 63 aside).
    pub const FORMULA: &'static str = "leaf | version << 16";

    /// A TDX module leaf at a version.
    pub const fn new(leaf: u16, version: u8) -> LeafWord {
        LeafWord(leaf as u64 | (version as u64) << VERSION_SHIFT)
    }

    /// A P-SEAMLDR leaf (bit 63 set) at a version.
    pub const fn new_seamldr(leaf: u16, version: u8) -> LeafWord {
        LeafWord(LeafWord::new(leaf, version).0 | SEAMLDR_BIT)
    }

    /// [`LeafWord::new`] or, with `seamldr`, [`LeafWord::new_seamldr`].
    pub const fn from_parts(leaf: u16, version: u8, seamldr: bool) -> LeafWord {
        if seamldr {
            LeafWord::new_seamldr(leaf, version)
        } else {
            LeafWord::new(leaf, version)
        }
    }

    /// The word a RAX value holds, `None` if it sets any of bits 62:24.
    pub const fn from_raw(rax: u64) -> Option<LeafWord> {
        if rax & RESERVED != 0 {
            None
        } else {
            Some(LeafWord(rax))
        }
    }

    /// The leaf word in a RAX value with bits 62:24 dropped (what the
    /// dispatcher decodes before it checks them).
    pub const fn from_rax(rax: u64) -> LeafWord {
        LeafWord(rax & !RESERVED)
    }

    /// The leaf number, bits 15:0.
    pub const fn leaf(self) -> u16 {
        self.0 as u16
    }

    /// The version, bits 23:16.
    pub const fn version(self) -> u8 {
        (self.0 >> VERSION_SHIFT) as u8
    }

    /// Whether this is a P-SEAMLDR leaf (bit 63).
    pub const fn seamldr(self) -> bool {
        self.0 & SEAMLDR_BIT != 0
    }

    /// The same leaf at another version.
    pub const fn with_version(self, version: u8) -> LeafWord {
        LeafWord::from_parts(self.leaf(), version, self.seamldr())
    }

    /// The 64-bit RAX value.
    pub const fn raw(self) -> u64 {
        self.0
    }
}

/// A leaf as messages and logs name it: `TDH.VP.WR (leaf 43)`, with the
/// version when it is not 0 (`TDH.MNG.RD (leaf 11, version 1)`), and
/// `P-SEAMLDR.INFO (P-SEAMLDR leaf 0)` for a P-SEAMLDR leaf.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Title {
    /// The leaf's name.
    pub name: &'static str,
    /// Its word (the version shown is the word's).
    pub word: LeafWord,
}

impl fmt::Display for Title {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (name, leaf) = (self.name, self.word.leaf());
        match (self.word.seamldr(), self.word.version()) {
            (true, _) => write!(f, "{name} (P-SEAMLDR leaf {leaf})"),
            (false, 0) => write!(f, "{name} (leaf {leaf})"),
            (false, v) => write!(f, "{name} (leaf {leaf}, version {v})"),
        }
    }
}
