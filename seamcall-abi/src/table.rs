//! The row type, the table type, [`lookup`] and [`cross_check`].

use crate::{LeafWord, Reg, RegSet};

/// A TDX module release whose source was audited for register writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Release {
    /// TDX module 1.5.01 (signed October 2023), the release every row of
    /// [`SEAMCALL`](crate::SEAMCALL) was audited on.
    V1_5_01,
}

impl Release {
    /// `"1.5.01"`.
    pub const fn name(self) -> &'static str {
        match self {
            Release::V1_5_01 => "1.5.01",
        }
    }

    /// What this release may write for a row: `V1_5_01.audit(&[(R8, "..")])`.
    pub const fn audit(self, writes: &'static [(Reg, &'static str)]) -> Audit {
        Audit::new(self, writes)
    }
}

/// What one audited release may write for a row's leaf and version: each
/// register (RAX aside) with what it holds afterwards.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Audit {
    /// The release the module source was read at.
    pub release: Release,
    /// Every general register the module may write on any path, with what
    /// it leaves there.
    pub writes: &'static [(Reg, &'static str)],
}

impl Audit {
    /// An audit of `release`.
    pub const fn new(release: Release, writes: &'static [(Reg, &'static str)]) -> Audit {
        Audit { release, writes }
    }

    /// The registers of [`Audit::writes`].
    pub const fn write_set(&self) -> RegSet {
        let mut set = RegSet::EMPTY;
        let mut i = 0;
        while i < self.writes.len() {
            set = set.union(RegSet::of(&[self.writes[i].0]));
            i += 1;
        }
        set
    }
}

/// One row of an ABI table: a leaf at one version.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The leaf's name, `"TDH.MNG.RD"`.
    pub name: &'static str,
    /// The leaf number (bits 15:0 of RAX).
    pub leaf: u16,
    /// The version this row describes (bits 23:16 of RAX).
    pub version: u8,
    /// A P-SEAMLDR leaf (RAX bit 63 set).
    pub seamldr: bool,
    /// The registers the leaf reads.
    pub reads: RegSet,
    /// Every register the module may write on any path (RAX aside) on any
    /// audited release, XMM registers included: the union over
    /// [`Entry::audits`]; `None` where no release was audited for this row
    /// (leaves not in module 1.5.01, P-SEAMLDR).
    pub writes: Option<RegSet>,
    /// The module may zero or replace XMM0–XMM15 (the migration leaves
    /// after AES-GCM; TDH.VP.ENTER with guest state).
    pub zeroes_xmm: bool,
    /// Module 1.5.01 runs this row's handler for every higher version of
    /// the leaf too, and the handler writes this row's registers before it
    /// rejects the version with `TDX_OPERAND_INVALID`: a declaration of a
    /// higher version is checked against this row (the version-1 rows of
    /// TDH.MNG.RD, TDH.VP.RD, TDH.MEM.SEPT.ADD, TDH.MEM.SEPT.REMOVE and
    /// TDH.MEM.PAGE.PROMOTE). Any other leaf at a version the table lacks is
    /// rejected by the module's dispatcher with RAX alone, and is for a
    /// later module whose writes were not audited.
    pub covers_higher_versions: bool,
    /// The write set of each audited release; empty where none was audited.
    pub audits: &'static [Audit],
}

impl Entry {
    /// A row at version 0 with the given audits (`&[]`: not audited).
    pub const fn new(
        name: &'static str,
        leaf: u16,
        reads: &'static [Reg],
        audits: &'static [Audit],
    ) -> Entry {
        let mut writes = RegSet::EMPTY;
        let mut i = 0;
        while i < audits.len() {
            writes = writes.union(audits[i].write_set());
            i += 1;
        }
        Entry {
            name,
            leaf,
            version: 0,
            seamldr: false,
            reads: RegSet::of(reads),
            writes: if audits.is_empty() {
                None
            } else {
                Some(writes)
            },
            zeroes_xmm: false,
            covers_higher_versions: false,
            audits,
        }
    }

    /// The row at `version`.
    pub const fn v(mut self, version: u8) -> Entry {
        self.version = version;
        self
    }

    /// The module may change XMM0–XMM15.
    pub const fn xmm(mut self) -> Entry {
        self.zeroes_xmm = true;
        if let Some(w) = self.writes {
            self.writes = Some(w.union(RegSet::XMM));
        }
        self
    }

    /// Higher versions run this row's handler.
    pub const fn covers_higher(mut self) -> Entry {
        self.covers_higher_versions = true;
        self
    }

    /// A P-SEAMLDR leaf.
    pub const fn seamldr(mut self) -> Entry {
        self.seamldr = true;
        self
    }

    /// The leaf word of this row.
    pub const fn word(&self) -> LeafWord {
        LeafWord::from_parts(self.leaf, self.version, self.seamldr)
    }

    /// What the module leaves in `r`, if an audited release may write it
    /// (the first audit that names it; `"zeroed or guest state"` for an XMM
    /// register of a row that [zeroes XMM](Entry::zeroes_xmm)).
    pub const fn note(&self, r: Reg) -> Option<&'static str> {
        if !r.is_gpr() {
            return if self.zeroes_xmm && !self.audits.is_empty() {
                Some("zeroed or guest state")
            } else {
                None
            };
        }
        let mut i = 0;
        while i < self.audits.len() {
            let w = self.audits[i].writes;
            let mut j = 0;
            while j < w.len() {
                if w[j].0 as u8 == r as u8 {
                    return Some(w[j].1);
                }
                j += 1;
            }
            i += 1;
        }
        None
    }
}

/// The ABI table of one instruction: the rows for every leaf it selects
/// through RAX.
#[derive(Clone, Copy, Debug)]
pub struct Table {
    /// The instruction's mnemonic, `"SEAMCALL"`.
    pub insn: &'static str,
    /// The rows, unique per (leaf, version, P-SEAMLDR).
    pub rows: &'static [Entry],
}

/// What a table says about a leaf word.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lookup {
    /// The row for this leaf and version.
    Found(&'static Entry),
    /// A version above the highest row of a leaf whose row
    /// [covers higher versions](Entry::covers_higher_versions): the
    /// handler writes that row's registers, then rejects the version. A
    /// declaration is checked against that row.
    Rejected(&'static Entry),
    /// The leaf is known, but not at this version (the row given is the
    /// leaf's first): module 1.5.01 rejects the version in its dispatcher
    /// (RAX alone), and what a later module writes there was not audited.
    OtherVersions(&'static Entry),
    /// A leaf number the table does not know.
    Unknown,
}

impl Lookup {
    /// The row a declaration is checked against, audited or not.
    pub const fn entry(self) -> Option<&'static Entry> {
        match self {
            Lookup::Found(e) | Lookup::Rejected(e) => Some(e),
            _ => None,
        }
    }

    /// The row whose audited writes a declaration must cover, if any.
    pub const fn audited(self) -> Option<&'static Entry> {
        match self.entry() {
            Some(e) if e.writes.is_some() => Some(e),
            _ => None,
        }
    }
}

/// What `table` says about `word` (see [`Lookup`]).
pub const fn lookup(table: &'static Table, word: LeafWord) -> Lookup {
    let rows = table.rows;
    let mut first: Option<&'static Entry> = None;
    let mut below: Option<&'static Entry> = None;
    let mut i = 0;
    while i < rows.len() {
        let e = &rows[i];
        i += 1;
        if e.leaf != word.leaf() || e.seamldr != word.seamldr() {
            continue;
        }
        if e.version == word.version() {
            return Lookup::Found(e);
        }
        if first.is_none() {
            first = Some(e);
        }
        if e.version < word.version() {
            below = match below {
                Some(b) if b.version >= e.version => Some(b),
                _ => Some(e),
            };
        }
    }
    match (below, first) {
        (Some(e), _) if e.covers_higher_versions => Lookup::Rejected(e),
        (_, Some(e)) => Lookup::OtherVersions(e),
        (_, None) => Lookup::Unknown,
    }
}

/// The row for exactly this leaf word.
pub const fn find(table: &'static Table, word: LeafWord) -> Option<&'static Entry> {
    match lookup(table, word) {
        Lookup::Found(e) => Some(e),
        _ => None,
    }
}

/// Where a declaration and a row disagree; see [`cross_check`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Mismatches {
    /// Declared inputs the leaf does not read.
    pub not_read: RegSet,
    /// Declared outputs the leaf never writes.
    pub not_written: RegSet,
    /// Registers the module may write that are neither an output nor a
    /// clobber. Unlike the other two, never excused: the compiler would
    /// keep a live value there across the instruction.
    pub uncovered: RegSet,
}

impl Mismatches {
    /// No mismatch at all.
    pub const fn is_empty(&self) -> bool {
        self.not_read.is_empty() && self.not_written.is_empty() && self.uncovered.is_empty()
    }

    /// Whether there is a mismatch that `unchecked` relaxes: an input the
    /// leaf does not read, or an output it never writes.
    pub const fn relaxable(&self) -> bool {
        !(self.not_read.is_empty() && self.not_written.is_empty())
    }
}

/// RAX carries the leaf word and the status; RSP and RBP are never operands.
/// Declaring them is refused before the cross-check, which ignores them.
const NOT_CHECKED_IN: RegSet = RegSet::of(&[Reg::Rax, Reg::Rsp, Reg::Rbp]).union(RegSet::XMM);
const NOT_CHECKED_OUT: RegSet = RegSet::of(&[Reg::Rax, Reg::Rsp]);

/// Compare a declaration (`inputs`, `outputs`, `clobbers`) with a row. An
/// unaudited row (`writes: None`) counts as writing nothing: the caller
/// decides what such a row requires (`unchecked`, in the macro).
pub const fn cross_check(
    entry: &Entry,
    inputs: RegSet,
    outputs: RegSet,
    clobbers: RegSet,
) -> Mismatches {
    let writes = match entry.writes {
        Some(w) => w,
        None => RegSet::EMPTY,
    };
    Mismatches {
        not_read: inputs.difference(entry.reads).difference(NOT_CHECKED_IN),
        not_written: outputs.difference(writes).difference(NOT_CHECKED_OUT),
        uncovered: writes
            .difference(outputs.union(clobbers))
            .difference(NOT_CHECKED_OUT),
    }
}
