//! The row type, the table type, [`lookup`] and [`cross_check`].

use core::fmt;

use crate::{LeafWord, Reg, RegSet};

/// A TDX module release whose source was audited for register writes
/// (which commit is which release, and how each file was read:
/// `tests/data/tdx-abi/module-versions.md`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Release {
    /// TDX module 1.5.01 (signed October 2023; intel/tdx-module 72d8cffb,
    /// tag TDX_1.5.01): `writes.tsv`.
    V1_5_01,
    /// TDX module 1.5.25, the newest full 1.5 tree (murrowow/tdx-concurrency
    /// c71d4f63, a faithful copy of Intel's 1.5 releases): the `1.5.25`
    /// rows of `writes-2.0.tsv`. It has what 1.5.05 to 1.5.25 added
    /// (TDH.VP.INIT version 1, Dynamic PAMT, …).
    V1_5_25,
    /// TDX module 1.5.34, the newest readable 1.5 release (intel/tdx-module
    /// 9fd3c8b1, read file by file): the `1.5.34` rows.
    V1_5_34,
    /// TDX module 2.0.18, the newest readable 2.0 release (intel/tdx-module
    /// e69a4391): the `2.0.18` rows.
    V2_0_18,
}

impl Release {
    /// Every audited release, oldest first.
    pub const ALL: [Release; 4] = [
        Release::V1_5_01,
        Release::V1_5_25,
        Release::V1_5_34,
        Release::V2_0_18,
    ];

    /// The newest audited release.
    pub const NEWEST: Release = Release::V2_0_18;

    /// `"1.5.01"`.
    pub const fn name(self) -> &'static str {
        match self {
            Release::V1_5_01 => "1.5.01",
            Release::V1_5_25 => "1.5.25",
            Release::V1_5_34 => "1.5.34",
            Release::V2_0_18 => "2.0.18",
        }
    }

    /// The release named `name` (`"2.0.18"`).
    pub fn from_name(name: &str) -> Option<Release> {
        Release::ALL.into_iter().find(|r| r.name() == name)
    }

    /// This release and `other`: `V1_5_01.and(V2_0_18).audit(..)`.
    pub const fn and(self, other: Release) -> Releases {
        Releases::of(self).and(other)
    }

    /// What this release may write for a row: `V1_5_01.audit(&[(R8, "..")])`.
    pub const fn audit(self, writes: &'static [(Reg, &'static str)]) -> Audit {
        Audit::new(Releases::of(self), writes)
    }
}

/// A set of [`Release`]s: the releases an [`Audit`] found writing the same
/// registers.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Releases(u8);

impl Releases {
    /// No release.
    pub const EMPTY: Releases = Releases(0);

    /// Every audited release ([`Release::ALL`]).
    pub const AUDITED: Releases = Releases((1 << Release::ALL.len()) - 1);

    /// `release` alone.
    pub const fn of(release: Release) -> Releases {
        Releases(1 << release as u8)
    }

    /// These releases and `release`.
    pub const fn and(self, release: Release) -> Releases {
        Releases(self.0 | 1 << release as u8)
    }

    /// Whether `release` is in the set.
    pub const fn contains(self, release: Release) -> bool {
        self.0 & 1 << release as u8 != 0
    }

    /// Whether the set is empty.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The oldest release of the set.
    pub const fn first(self) -> Option<Release> {
        let mut i = 0;
        while i < Release::ALL.len() {
            if self.contains(Release::ALL[i]) {
                return Some(Release::ALL[i]);
            }
            i += 1;
        }
        None
    }

    /// The releases, oldest first.
    pub fn iter(self) -> impl Iterator<Item = Release> {
        Release::ALL.into_iter().filter(move |r| self.contains(*r))
    }

    /// These releases and those of `other`.
    pub const fn union(self, other: Releases) -> Releases {
        Releases(self.0 | other.0)
    }

    /// What these releases may write for a row.
    pub const fn audit(self, writes: &'static [(Reg, &'static str)]) -> Audit {
        Audit::new(self, writes)
    }
}

impl fmt::Debug for Releases {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

impl fmt::Display for Releases {
    /// `module 1.5.01`, `modules 1.5.25 and 2.0.18`,
    /// `modules 1.5.01, 1.5.25 and 2.0.18`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.iter().count();
        f.write_str(if n == 1 { "module " } else { "modules " })?;
        for (i, r) in self.iter().enumerate() {
            let sep = match (i, n - i) {
                (0, _) => "",
                (_, 1) => " and ",
                _ => ", ",
            };
            write!(f, "{sep}{}", r.name())?;
        }
        Ok(())
    }
}

/// What the audited releases may write for a row's leaf and version: each
/// register (RAX aside) with what it holds afterwards, and the releases
/// whose source was read and found writing exactly those registers. One
/// audit lists several releases where they agree, so that a register set
/// (and what each register holds) is written once however many releases
/// share it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Audit {
    /// The releases the module source was read at.
    pub releases: Releases,
    /// Every general register the module may write on any path, with what
    /// it leaves there.
    pub writes: &'static [(Reg, &'static str)],
}

impl Audit {
    /// An audit of `releases`.
    pub const fn new(releases: Releases, writes: &'static [(Reg, &'static str)]) -> Audit {
        Audit { releases, writes }
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
    /// audited release that accepts the leaf at this version, XMM registers
    /// included: the union over [`Entry::audits`], the set a declaration
    /// must cover to be safe on all of them; `None` where no release was
    /// audited for this row (P-SEAMLDR, leaves no readable source has,
    /// rows the audits mark not audited).
    pub writes: Option<RegSet>,
    /// The module may zero or replace XMM0–XMM15 (the migration leaves
    /// after AES-GCM; TDH.VP.ENTER with guest state).
    pub zeroes_xmm: bool,
    /// The audited releases run this row's handler for every higher version
    /// of the leaf too, and the handler may write this row's registers
    /// before it rejects the version with `TDX_OPERAND_INVALID`: a
    /// declaration of a higher version is checked against this row (the
    /// version-1 rows of TDH.MNG.RD, TDH.VP.RD, TDH.MEM.SEPT.ADD,
    /// TDH.MEM.SEPT.REMOVE and TDH.MEM.PAGE.PROMOTE, which module 1.5.01
    /// already versions, and of TDH.SYS.INIT and TDH.MEM.SHARED.SEPT.WR).
    /// Any other leaf at a version the table lacks is rejected writing RAX
    /// alone by every audited release, and is for a later module whose
    /// writes were not audited.
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

    /// The releases audited for this row: those that accept the leaf at
    /// this version and whose source was read.
    pub const fn releases(&self) -> Releases {
        let mut all = Releases::EMPTY;
        let mut i = 0;
        while i < self.audits.len() {
            all = all.union(self.audits[i].releases);
            i += 1;
        }
        all
    }

    /// The audit of `release`, if it was audited for this row.
    pub const fn audit_of(&self, release: Release) -> Option<&'static Audit> {
        let mut i = 0;
        while i < self.audits.len() {
            if self.audits[i].releases.contains(release) {
                return Some(&self.audits[i]);
            }
            i += 1;
        }
        None
    }

    /// What `release` may write for this row (XMM0–XMM15 included where
    /// the row [zeroes XMM](Entry::zeroes_xmm)); `None` where that release
    /// was not audited for it (or does not accept the leaf at this
    /// version).
    pub const fn writes_in(&self, release: Release) -> Option<RegSet> {
        match self.audit_of(release) {
            Some(a) if self.zeroes_xmm => Some(a.write_set().union(RegSet::XMM)),
            Some(a) => Some(a.write_set()),
            None => None,
        }
    }

    /// The first audit that names `r` among its writes: the oldest releases
    /// that write it, and what they leave there.
    pub const fn writer_of(&self, r: Reg) -> Option<&'static Audit> {
        let mut i = 0;
        while i < self.audits.len() {
            let w = self.audits[i].writes;
            let mut j = 0;
            while j < w.len() {
                if w[j].0 as u8 == r as u8 {
                    return Some(&self.audits[i]);
                }
                j += 1;
            }
            i += 1;
        }
        None
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
    /// The module releases whose source the rows were audited against.
    pub audited: Releases,
    /// Where the facts of the rows are vendored in the repository.
    pub facts: &'static str,
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
