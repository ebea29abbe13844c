//! The ABI table: for each (leaf, version), the leaf's name, the registers
//! the TDX module reads, and the registers it may write on any path. It is
//! the one source of the cross-check:
//!
//! * `#[seamcall]` with a literal leaf looks the leaf up here while it
//!   expands ([`check`]);
//! * `seamcall_core::leaves::ABI` is this same table, emitted into the
//!   runtime as a `const` by the hidden `__abi_table!` macro ([`emit_table`]),
//!   so a leaf given as a path is checked by a generated `const` assertion.
//!
//! Facts: registers read come from `tdx-abi/leaves.tsv` (what Linux loads,
//! or what the module's handler reads for leaves Linux does not call);
//! registers written come from `tdx-abi/writes.tsv`, the audit of TDX module
//! 1.5.01. Where the module's behaviour depends on the version (NOTES.md §6),
//! each version has its own row. Leaves the audit does not cover (not in
//! module 1.5.01, proposed, P-SEAMLDR) have `writes: None`: a declaration
//! must say `unchecked` for them, as for a leaf number the table does not
//! know at all.
//!
//! Versions: module 1.5.01 accepts a version above 0 only for TDH.MNG.RD,
//! TDH.VP.RD, TDH.MEM.SEPT.ADD, TDH.MEM.SEPT.REMOVE and
//! TDH.MEM.PAGE.PROMOTE. For those five, a version above the highest row
//! (2 and up) still runs the version-1 handler, which writes its registers
//! before it returns `TDX_OPERAND_INVALID`: such a declaration is checked
//! against the version-1 row ([`Lookup::Rejected`]). For every other leaf
//! the dispatcher rejects a version above 0 writing RAX alone, so on 1.5.01
//! the call cannot do anything; a declaration of such a version is for a
//! later module, whose writes at that version the audit does not cover, so
//! it needs `unchecked` like an unaudited leaf ([`Lookup::OtherVersions`]).
//! Checking it against "RAX only" would accept a declaration that clobbers
//! nothing, the very miscompile the check exists to prevent.
//!
//! `unchecked` relaxes only what cannot miscompile: an `in` register the
//! leaf does not read, an `out` register it never writes, and the leaves
//! whose writes are not known. Where the table has audited writes, a
//! register the module may write that is in neither `out` nor `clobber` is
//! an error with or without it.

use proc_macro2::{Span, TokenStream};
use quote::quote;

use crate::attr::RegList;
use crate::ctxt::Ctxt;
use crate::regs::Reg::{self, *};

/// One row of the table.
pub struct Entry {
    /// The leaf's name, `TDH.MNG.RD`.
    pub name: &'static str,
    /// Bits 15:0 of RAX.
    pub leaf: u16,
    /// Bits 23:16 of RAX.
    pub version: u8,
    /// A P-SEAMLDR leaf (RAX bit 63 set).
    pub seamldr: bool,
    /// The registers the leaf reads.
    pub reads: &'static [Reg],
    /// The registers the module may write, each with what it holds, or
    /// `None` when the module source was not audited for this leaf.
    pub writes: Option<&'static [(Reg, &'static str)]>,
    /// The module may zero XMM0–XMM15 after the call (AES-GCM state reset
    /// for the migration leaves; guest state for TDH.VP.ENTER).
    pub xmm: bool,
    /// Module 1.5.01 runs this row's handler for every higher version too,
    /// and the handler writes this row's registers before it rejects the
    /// version with `TDX_OPERAND_INVALID` (NOTES.md §6): a declaration of a
    /// higher version is checked against this row.
    pub covers_higher: bool,
}

impl Entry {
    const fn new(
        name: &'static str,
        leaf: u16,
        reads: &'static [Reg],
        writes: &'static [(Reg, &'static str)],
    ) -> Entry {
        Entry {
            name,
            leaf,
            version: 0,
            seamldr: false,
            reads,
            writes: Some(writes),
            xmm: false,
            covers_higher: false,
        }
    }

    const fn v(mut self, version: u8) -> Entry {
        self.version = version;
        self
    }

    const fn xmm(mut self) -> Entry {
        self.xmm = true;
        self
    }

    /// Higher versions run this row's handler (see [`Entry::covers_higher`]).
    const fn covers_higher(mut self) -> Entry {
        self.covers_higher = true;
        self
    }

    /// Not covered by the module 1.5.01 audit.
    const fn unaudited(mut self) -> Entry {
        self.writes = None;
        self
    }

    const fn seamldr(mut self) -> Entry {
        self.seamldr = true;
        self
    }

    pub fn reads(&self, r: Reg) -> bool {
        self.reads.contains(&r)
    }

    /// What the module leaves in `r`, if it may write it.
    pub fn write_note(&self, r: Reg) -> Option<&'static str> {
        if r == Reg::Rax {
            return None;
        }
        if let Reg::Xmm(_) = r {
            return self.xmm.then_some("zeroed or guest state");
        }
        self.writes?
            .iter()
            .find(|(w, _)| *w == r)
            .map(|(_, note)| *note)
    }

    /// `TDH.VP.WR (leaf 43)`, with `version` when it is not 0 (the
    /// declaration's version, which may be above this row's).
    pub fn title_at(&self, version: u8) -> String {
        match (self.seamldr, version) {
            (true, _) => format!("{} (P-SEAMLDR leaf {})", self.name, self.leaf),
            (false, 0) => format!("{} (leaf {})", self.name, self.leaf),
            (false, v) => format!("{} (leaf {}, version {v})", self.name, self.leaf),
        }
    }
}

const SEPT_ENTRY: &str = "S-EPT entry on error";
const SEPT_LEVEL: &str = "S-EPT level and state on error";
const GUEST: &str = "guest value or 0";
const GPA_LIST: &str = "updated GPA list info";
const FIELD_DETAILS: &str = "failing metadata field on error";
const PAGES_WRITTEN: &str = "number of pages written";

/// Every leaf of `leaves.tsv` whose registers are known (leaf 42 is not:
/// the module defines the number and dispatches nothing).
#[rustfmt::skip]
pub const TABLE: &[Entry] = &[
    Entry::new("TDH.VP.ENTER", 0,
        &[Rcx, Rdx, R8, R9, R10, R11, R12, R13, R14, R15, Rbx, Rdi, Rsi],
        &[(Rcx, "exit qualification"), (Rdx, "extended exit qualification or guest value"),
          (Rbx, GUEST), (Rbp, "zeroed by an asynchronous exit on module 1.5.01"),
          (Rsi, GUEST), (Rdi, GUEST), (R8, "faulting GPA or guest value"),
          (R9, "interruption information or guest value"), (R10, GUEST), (R11, GUEST),
          (R12, GUEST), (R13, GUEST), (R14, GUEST), (R15, GUEST)]).xmm(),
    Entry::new("TDH.MNG.ADDCX", 1, &[Rcx, Rdx], &[]),
    Entry::new("TDH.MEM.PAGE.ADD", 2, &[Rcx, Rdx, R8, R9], &[(Rcx, SEPT_ENTRY), (Rdx, SEPT_LEVEL)]),
    Entry::new("TDH.MEM.SEPT.ADD", 3, &[Rcx, Rdx, R8], &[(Rcx, SEPT_ENTRY), (Rdx, SEPT_LEVEL)]),
    Entry::new("TDH.MEM.SEPT.ADD", 3, &[Rcx, Rdx, R8, R9, R10, R11],
        &[(Rcx, SEPT_ENTRY), (Rdx, SEPT_LEVEL), (R8, "L1 S-EPT page, echoed back"),
          (R9, "L2 S-EPT page, echoed back"), (R10, "L2 S-EPT page, echoed back"),
          (R11, "L2 S-EPT page, echoed back")]).v(1).covers_higher(),
    Entry::new("TDH.VP.ADDCX", 4, &[Rcx, Rdx], &[]),
    Entry::new("TDH.MEM.PAGE.RELOCATE", 5, &[Rcx, Rdx, R8],
        &[(Rcx, "old page HPA, or S-EPT entry on error"), (Rdx, SEPT_LEVEL)]),
    Entry::new("TDH.MEM.PAGE.AUG", 6, &[Rcx, Rdx, R8], &[(Rcx, SEPT_ENTRY), (Rdx, SEPT_LEVEL)]),
    Entry::new("TDH.MEM.RANGE.BLOCK", 7, &[Rcx, Rdx], &[(Rcx, SEPT_ENTRY), (Rdx, SEPT_LEVEL)]),
    Entry::new("TDH.MNG.KEY.CONFIG", 8, &[Rcx], &[]),
    Entry::new("TDH.MNG.CREATE", 9, &[Rcx, Rdx], &[]),
    Entry::new("TDH.VP.CREATE", 10, &[Rcx, Rdx], &[]),
    Entry::new("TDH.MNG.RD", 11, &[Rcx, Rdx], &[(R8, "field value, 0 on error")]),
    Entry::new("TDH.MNG.RD", 11, &[Rcx, Rdx],
        &[(Rdx, "next field ID"), (R8, "field value, 0 on error")]).v(1).covers_higher(),
    Entry::new("TDH.MEM.RD", 12, &[Rcx, Rdx],
        &[(Rcx, SEPT_ENTRY), (Rdx, SEPT_LEVEL), (R8, "the 8 bytes read")]),
    Entry::new("TDH.MNG.WR", 13, &[Rcx, Rdx, R8, R9], &[(R8, "previous value")]),
    Entry::new("TDH.MEM.WR", 14, &[Rcx, Rdx, R8],
        &[(Rcx, SEPT_ENTRY), (Rdx, SEPT_LEVEL), (R8, "previous value")]),
    Entry::new("TDH.MEM.PAGE.DEMOTE", 15, &[Rcx, Rdx, R8, R9, R10, R11],
        &[(Rcx, SEPT_ENTRY), (Rdx, SEPT_LEVEL), (R9, "L2 S-EPT page, echoed back"),
          (R10, "L2 S-EPT page, echoed back"), (R11, "L2 S-EPT page, echoed back")]),
    Entry::new("TDH.MR.EXTEND", 16, &[Rcx, Rdx], &[(Rcx, SEPT_ENTRY), (Rdx, SEPT_LEVEL)]),
    Entry::new("TDH.MR.FINALIZE", 17, &[Rcx], &[]),
    Entry::new("TDH.VP.FLUSH", 18, &[Rcx], &[]),
    Entry::new("TDH.MNG.VPFLUSHDONE", 19, &[Rcx], &[]),
    Entry::new("TDH.MNG.KEY.FREEID", 20, &[Rcx], &[]),
    Entry::new("TDH.MNG.INIT", 21, &[Rcx, Rdx], &[(Rcx, "rejected CPUID leaf and sub-leaf, else 0")]),
    Entry::new("TDH.VP.INIT", 22, &[Rcx, Rdx], &[]),
    // Version 1 (x2APIC ID in R8) is what Linux calls; module 1.5.01
    // rejects it, and no handler that accepts it was audited.
    Entry::new("TDH.VP.INIT", 22, &[Rcx, Rdx, R8], &[]).v(1).unaudited(),
    Entry::new("TDH.MEM.PAGE.PROMOTE", 23, &[Rcx, Rdx],
        &[(Rcx, "merged S-EPT page HPA, or S-EPT entry on error"), (Rdx, SEPT_LEVEL)]),
    Entry::new("TDH.MEM.PAGE.PROMOTE", 23, &[Rcx, Rdx],
        &[(Rcx, "merged S-EPT page HPA, or S-EPT entry on error"), (Rdx, SEPT_LEVEL),
          (R9, "freed L2 S-EPT page"), (R10, "freed L2 S-EPT page"),
          (R11, "freed L2 S-EPT page")]).v(1).covers_higher(),
    Entry::new("TDH.PHYMEM.PAGE.RDMD", 24, &[Rcx],
        &[(Rcx, "page type"), (Rdx, "owner (TDR PA)"), (R8, "page size"),
          (R9, "BEPOCH, or 0"), (R10, "zeroed"), (R11, "zeroed")]),
    Entry::new("TDH.MEM.SEPT.RD", 25, &[Rcx, Rdx],
        &[(Rcx, "S-EPT entry"), (Rdx, "S-EPT level and state"),
          (R8, "L2 attributes, when requested")]),
    Entry::new("TDH.VP.RD", 26, &[Rcx, Rdx], &[(R8, "field value, 0 on error")]),
    Entry::new("TDH.VP.RD", 26, &[Rcx, Rdx],
        &[(Rdx, "next field ID"), (R8, "field value, 0 on error")]).v(1).covers_higher(),
    Entry::new("TDH.MNG.KEY.RECLAIMID", 27, &[Rcx], &[]),
    Entry::new("TDH.PHYMEM.PAGE.RECLAIM", 28, &[Rcx],
        &[(Rcx, "page type"), (Rdx, "owner (TDR PA)"), (R8, "page size"),
          (R9, "zeroed"), (R10, "zeroed"), (R11, "zeroed")]),
    Entry::new("TDH.MEM.PAGE.REMOVE", 29, &[Rcx, Rdx],
        &[(Rcx, "removed page HPA, or S-EPT entry on error"), (Rdx, SEPT_LEVEL)]),
    Entry::new("TDH.MEM.SEPT.REMOVE", 30, &[Rcx, Rdx],
        &[(Rcx, "removed S-EPT page HPA, or S-EPT entry on error"), (Rdx, SEPT_LEVEL)]),
    Entry::new("TDH.MEM.SEPT.REMOVE", 30, &[Rcx, Rdx],
        &[(Rcx, "removed S-EPT page HPA, or S-EPT entry on error"), (Rdx, SEPT_LEVEL),
          (R9, "removed L2 S-EPT page"), (R10, "removed L2 S-EPT page"),
          (R11, "removed L2 S-EPT page")]).v(1).covers_higher(),
    Entry::new("TDH.SYS.KEY.CONFIG", 31, &[], &[]),
    Entry::new("TDH.SYS.INFO", 32, &[Rcx, Rdx, R8, R9],
        &[(Rdx, "bytes written to TDSYSINFO"), (R9, "CMR entries written")]),
    Entry::new("TDH.SYS.INIT", 33, &[Rcx],
        &[(Rcx, "CPUID leaf and sub-leaf that failed the check, else 0"),
          (Rdx, "CPUID verify mask, else 0"), (R8, "CPUID verify mask, else 0"),
          (R9, "expected CPUID value, else 0"), (R10, "expected CPUID value, else 0")]),
    Entry::new("TDH.SYS.RD", 34, &[Rdx],
        &[(Rdx, "next field ID, -1 on error"), (R8, "field value")]),
    Entry::new("TDH.SYS.LP.INIT", 35, &[],
        &[(Rcx, "CPUID leaf and sub-leaf that differs, else 0"),
          (Rdx, "CPUID compare mask, else 0"), (R8, "CPUID compare mask, else 0")]),
    Entry::new("TDH.SYS.TDMR.INIT", 36, &[Rcx], &[(Rdx, "next address to initialize")]),
    Entry::new("TDH.SYS.RDALL", 37, &[Rdx, R8], &[(R8, "next field ID")]),
    Entry::new("TDH.MEM.TRACK", 38, &[Rcx], &[]),
    Entry::new("TDH.MEM.RANGE.UNBLOCK", 39, &[Rcx, Rdx], &[(Rcx, SEPT_ENTRY), (Rdx, SEPT_LEVEL)]),
    Entry::new("TDH.PHYMEM.CACHE.WB", 40, &[Rcx], &[]),
    Entry::new("TDH.PHYMEM.PAGE.WBINVD", 41, &[Rcx], &[]),
    Entry::new("TDH.VP.WR", 43, &[Rcx, Rdx, R8, R9], &[(R8, "previous value")]),
    Entry::new("TDH.SYS.LP.SHUTDOWN", 44, &[], &[]),
    Entry::new("TDH.SYS.CONFIG", 45, &[Rcx, Rdx, R8], &[]),
    Entry::new("TDH.SERVTD.BIND", 48, &[Rcx, Rdx, R8, R9, R10],
        &[(Rcx, "binding handle"), (R10, "target TD UUID"), (R11, "target TD UUID"),
          (R12, "target TD UUID"), (R13, "target TD UUID")]),
    Entry::new("TDH.SERVTD.PREBIND", 49, &[Rcx, Rdx, R8, R9, R10], &[]),
    Entry::new("TDH.SYS.SHUTDOWN", 52, &[Rcx], &[]),
    Entry::new("TDH.SYS.UPDATE", 53, &[], &[]),
    Entry::new("TDH.PHYMEM.PAMT.ADD", 58, &[Rcx, Rdx, R8], &[]).unaudited(),
    Entry::new("TDH.PHYMEM.PAMT.REMOVE", 59, &[Rcx], &[]).unaudited(),
    Entry::new("TDH.EXT.INIT", 60, &[], &[]).unaudited(),
    Entry::new("TDH.EXT.MEM.ADD", 61, &[Rcx], &[]).unaudited(),
    Entry::new("TDH.EXPORT.ABORT", 64, &[Rcx, R8, R10], &[]).xmm(),
    Entry::new("TDH.EXPORT.BLOCKW", 65, &[Rcx, Rdx], &[(Rcx, GPA_LIST)]),
    Entry::new("TDH.EXPORT.RESTORE", 66, &[Rcx, Rdx], &[(Rcx, GPA_LIST)]),
    Entry::new("TDH.EXPORT.MEM", 68, &[Rcx, Rdx, R8, R9, R10, R11, R12],
        &[(Rcx, GPA_LIST), (Rdx, "number of pages processed")]).xmm(),
    Entry::new("TDH.SYS.DISABLE", 69, &[], &[]).unaudited(),
    Entry::new("TDH.EXPORT.PAUSE", 70, &[Rcx], &[]),
    Entry::new("TDH.EXPORT.TRACK", 71, &[Rcx, R8, R10], &[]).xmm(),
    Entry::new("TDH.EXPORT.STATE.IMMUTABLE", 72, &[Rcx, R8, R9, R10], &[(Rdx, PAGES_WRITTEN)]).xmm(),
    Entry::new("TDH.EXPORT.STATE.TD", 73, &[Rcx, R8, R9, R10], &[(Rdx, PAGES_WRITTEN)]).xmm(),
    Entry::new("TDH.EXPORT.STATE.VP", 74, &[Rcx, R8, R9, R10], &[(Rdx, PAGES_WRITTEN)]).xmm(),
    Entry::new("TDH.EXPORT.UNBLOCKW", 75, &[Rcx, Rdx], &[(Rcx, SEPT_ENTRY), (Rdx, SEPT_LEVEL)]),
    Entry::new("TDH.IMPORT.ABORT", 80, &[Rcx, R8, R10], &[]).xmm(),
    Entry::new("TDH.IMPORT.END", 81, &[Rcx], &[]),
    Entry::new("TDH.IMPORT.COMMIT", 82, &[Rcx], &[]),
    Entry::new("TDH.IMPORT.MEM", 83, &[Rcx, Rdx, R8, R9, R10, R11, R12, R13], &[(Rcx, GPA_LIST)]).xmm(),
    Entry::new("TDH.IMPORT.TRACK", 84, &[Rcx, R8, R10], &[]).xmm(),
    Entry::new("TDH.IMPORT.STATE.IMMUTABLE", 85, &[Rcx, R8, R9, R10],
        &[(Rcx, FIELD_DETAILS), (Rdx, FIELD_DETAILS)]).xmm(),
    Entry::new("TDH.IMPORT.STATE.TD", 86, &[Rcx, R8, R9, R10],
        &[(Rcx, FIELD_DETAILS), (Rdx, FIELD_DETAILS)]).xmm(),
    Entry::new("TDH.IMPORT.STATE.VP", 87, &[Rcx, R8, R9, R10],
        &[(Rcx, FIELD_DETAILS), (Rdx, FIELD_DETAILS)]).xmm(),
    Entry::new("TDH.MIG.STREAM.CREATE", 96, &[Rcx, Rdx], &[]),
    Entry::new("TDH.QUOTE.INIT", 100, &[], &[]).unaudited(),
    Entry::new("P-SEAMLDR.INFO", 0, &[Rcx], &[]).unaudited().seamldr(),
    Entry::new("P-SEAMLDR.INSTALL", 1, &[Rcx], &[]).unaudited().seamldr(),
];

/// What the table says about a leaf word.
pub enum Lookup {
    /// The row for this leaf and version.
    Found(&'static Entry),
    /// A version above the highest row of a leaf whose handler module
    /// 1.5.01 runs for every version (see [`Entry::covers_higher`]): the
    /// handler writes that row's registers, then rejects the version. The
    /// declaration is checked against that row.
    Rejected(&'static Entry),
    /// The leaf is known, but not at this version: module 1.5.01 rejects
    /// the version in its dispatcher (RAX alone), and what a later module
    /// writes there was not audited.
    OtherVersions(Vec<&'static Entry>),
    /// A leaf number the table does not know.
    Unknown,
}

impl Lookup {
    /// The row whose audited writes a declaration must cover, if any.
    pub fn audited(&self) -> Option<&'static Entry> {
        match self {
            Lookup::Found(e) | Lookup::Rejected(e) if e.writes.is_some() => Some(e),
            _ => None,
        }
    }
}

pub fn lookup(leaf: u16, version: u8, seamldr: bool) -> Lookup {
    lookup_in(TABLE, leaf, version, seamldr)
}

/// [`lookup`] in another instruction's table (`guest::TABLE`).
pub fn lookup_in(table: &'static [Entry], leaf: u16, version: u8, seamldr: bool) -> Lookup {
    let rows: Vec<&'static Entry> = table
        .iter()
        .filter(|e| e.leaf == leaf && e.seamldr == seamldr)
        .collect();
    if let Some(e) = rows.iter().find(|e| e.version == version) {
        return Lookup::Found(e);
    }
    let below = rows
        .iter()
        .filter(|e| e.version < version)
        .max_by_key(|e| e.version);
    match below {
        Some(e) if e.covers_higher => Lookup::Rejected(e),
        _ if rows.is_empty() => Lookup::Unknown,
        _ => Lookup::OtherVersions(rows),
    }
}

/// A declaration with a literal leaf, as the cross-check sees it.
pub struct Declared<'a> {
    pub leaf: u16,
    pub version: u8,
    pub seamldr: bool,
    pub leaf_span: Span,
    pub inputs: &'a RegList,
    pub outputs: &'a RegList,
    pub clobbers: &'a RegList,
    /// Where a missing write is reported: the `out` list, else the
    /// `clobber` list, else the leaf.
    pub write_span: Span,
    pub unchecked: Option<Span>,
    /// The table to check against: [`TABLE`], or the guest table.
    pub table: &'static [Entry],
}

/// What a declaration without the cross-check should clobber.
pub const LINUX_CLOBBERS: &str =
    "(Linux's out-of-line call treats rcx, rdx, rsi, rdi, r8-r11 and all xmm as clobbered)";

/// The help of every "needs `unchecked`" error but the unknown leaf's.
const UNKNOWN_HELP: &str = "add `unchecked` to declare it without the cross-check, and list in `clobber` every register the module may write (Linux's out-of-line call treats rcx, rdx, rsi, rdi, r8-r11 and all xmm as clobbered)";

/// The cross-check for a literal leaf: every `in` register is one the leaf
/// reads, every `out` register one it may write, and every register it may
/// write is in `out` or `clobber`. A leaf the table does not know, knows
/// without an audit of its writes, or knows only at other versions needs
/// `unchecked`. `unchecked` relaxes the `in` and `out` rules; it never
/// excuses a register the audit says the module may write.
pub fn check(cx: &Ctxt, d: &Declared) {
    let relaxed = d.unchecked.is_some();
    let found = lookup_in(d.table, d.leaf, d.version, d.seamldr);
    let entry = match (&found, found.audited()) {
        (_, Some(e)) => e,
        (Lookup::Found(e) | Lookup::Rejected(e), None) => {
            if !relaxed {
                cx.error_at(
                    d.leaf_span,
                    format!("{} is not covered by the audit of TDX module 1.5.01 (tdx-abi/writes.tsv), so the registers it may write are unknown; {UNKNOWN_HELP}", e.title_at(d.version)),
                );
            }
            return;
        }
        (Lookup::OtherVersions(rows), None) => {
            if !relaxed {
                let known: Vec<String> = rows.iter().map(|e| e.version.to_string()).collect();
                let leaf = rows.first().map(|e| e.title_at(0)).unwrap_or_default();
                let why = if d.seamldr {
                    String::new()
                } else {
                    format!(": module 1.5.01 rejects version {} of this leaf in its dispatcher, writing RAX alone, and what a module that accepts it writes was not audited", d.version)
                };
                cx.error_at(
                    d.leaf_span,
                    format!("{leaf} has no version {} in the ABI table (known: {}){why}; {UNKNOWN_HELP}", d.version, known.join(", ")),
                );
            }
            return;
        }
        (Lookup::Unknown, None) => {
            if !relaxed {
                let who = if d.seamldr { "P-SEAMLDR leaf" } else { "leaf" };
                cx.error_at(
                    d.leaf_span,
                    format!("{who} {} is not in the ABI table (module 1.5.01 audit): the macro cannot check which registers it writes; add `unchecked` and list in `clobber` every register it may write {LINUX_CLOBBERS}", d.leaf),
                );
            }
            return;
        }
    };
    let title = entry.title_at(d.version);
    // Why a register of the version-1 row counts for a higher version.
    let rejected = if entry.version == d.version {
        String::new()
    } else {
        format!(
            "; module 1.5.01 runs the version-{} handler, which may write it, before it rejects version {} with TDX_OPERAND_INVALID",
            entry.version, d.version
        )
    };
    // (span, message, whether `unchecked` relaxes it)
    let mut mismatches: Vec<(Span, String, bool)> = Vec::new();
    for (r, span) in &d.inputs.regs {
        if r.is_gpr() && !entry.reads(*r) && !matches!(r, Rax | Rsp | Rbp) {
            let reads: Vec<String> = entry.reads.iter().map(|r| r.name()).collect();
            let reads = if reads.is_empty() {
                "it reads no register but RAX".to_string()
            } else {
                format!("it reads {}", reads.join(", "))
            };
            mismatches.push((
                *span,
                format!(
                    "{title} does not read {}; remove {r} from `in` ({reads})",
                    upper(*r)
                ),
                true,
            ));
        }
    }
    for (r, span) in &d.outputs.regs {
        if entry.write_note(*r).is_none() && !matches!(r, Rax | Rsp) {
            mismatches.push((*span, format!("{title} does not write {}, so the value read back would be the input, not a result; remove {r} from `out`", upper(*r)), true));
        }
    }
    let covered = |r: Reg| d.outputs.contains(r) || d.clobbers.contains(r);
    for r in checked_regs().filter(|r| r.is_gpr()) {
        if let Some(note) = entry.write_note(r) {
            if !covered(r) {
                mismatches.push((
                    d.write_span,
                    format!(
                        "{title} writes {} ({note}{rejected}); add {r} to `out` or `clobber`",
                        upper(r)
                    ),
                    false,
                ));
            }
        }
    }
    if entry.xmm {
        let missing: Vec<String> = (0..16)
            .map(Reg::Xmm)
            .filter(|r| !covered(*r))
            .map(|r| r.name())
            .collect();
        if !missing.is_empty() {
            let why = if entry.name == "TDG.VP.ENTER" {
                "the L2's vector state"
            } else if entry.leaf == 0 {
                "guest vector state, per the RCX bitmap"
            } else {
                "the module resets them after AES-GCM"
            };
            mismatches.push((
                d.write_span,
                format!(
                    "{title} may change XMM0-XMM15 ({why}); add {} to `clobber`",
                    missing.join(", ")
                ),
                false,
            ));
        }
    }
    // A register the module may write and the declaration does not cover
    // is an error whatever the declaration says: the compiler would keep a
    // live value in it across the instruction.
    let relaxable = mismatches.iter().any(|(_, _, soft)| *soft);
    for (span, msg, soft) in mismatches {
        if !(soft && relaxed) {
            cx.error_at(span, msg);
        }
    }
    if let (Some(span), false) = (d.unchecked, relaxable) {
        cx.error_at(
            span,
            format!("`unchecked` is not needed: {title} is in the ABI table and this declaration's `in` and `out` match it (`unchecked` relaxes only those, never a register the module writes); remove `unchecked` so that later edits stay checked"),
        );
    }
}

fn upper(r: Reg) -> String {
    r.name().to_uppercase()
}

/// The bit of a register in `seamcall_core::leaves::RegSet`: the x86
/// encoding for general registers (RAX 0 … R15 15), 16 + n for XMMn.
pub fn bit(r: Reg) -> u32 {
    match r {
        Rax => 0,
        Rcx => 1,
        Rdx => 2,
        Rbx => 3,
        Rsp => 4,
        Rbp => 5,
        Rsi => 6,
        Rdi => 7,
        R8 => 8,
        R9 => 9,
        R10 => 10,
        R11 => 11,
        R12 => 12,
        R13 => 13,
        R14 => 14,
        R15 => 15,
        Xmm(n) => 16 + u32::from(n & 15),
    }
}

/// The `seamcall_core::leaves::Reg` variant of a register: `R8`, `Rcx`, `Xmm3`.
pub fn variant(r: Reg) -> syn::Ident {
    syn::Ident::new(&r.variant(), Span::call_site())
}

pub fn mask(regs: impl IntoIterator<Item = Reg>) -> u32 {
    regs.into_iter().fold(0, |m, r| m | 1 << bit(r))
}

/// The registers a leaf may write that the cross-check compares against
/// `out` ∪ `clobber`: every general register but RAX and RSP, then XMM0–15.
pub fn checked_regs() -> impl Iterator<Item = Reg> {
    [
        Rcx, Rdx, Rbx, Rbp, Rsi, Rdi, R8, R9, R10, R11, R12, R13, R14, R15,
    ]
    .into_iter()
    .chain((0..16).map(Reg::Xmm))
}

/// The table as an expression of type `&'static [AbiEntry]`, the types
/// found under `path` (`crate::leaves` in `seamcall-core`).
pub fn emit_table(path: TokenStream) -> TokenStream {
    emit_rows(path, TABLE)
}

/// [`emit_table`] for another instruction's table.
pub fn emit_rows(path: TokenStream, table: &'static [Entry]) -> TokenStream {
    let rows = table.iter().map(|e| {
        let name = e.name;
        let leaf = e.leaf;
        let version = e.version;
        let seamldr = e.seamldr;
        let reads = mask(e.reads.iter().copied());
        let xmm = e.xmm;
        let covers_higher = e.covers_higher;
        let writes = match e.writes {
            None => quote!(::core::option::Option::None),
            Some(w) => {
                let mut m = mask(w.iter().map(|(r, _)| *r));
                if e.xmm {
                    m |= mask((0..16).map(Reg::Xmm));
                }
                quote!(::core::option::Option::Some(#path::RegSet::from_bits(#m)))
            }
        };
        let notes = e.writes.unwrap_or(&[]).iter().map(|(r, note)| {
            let v = variant(*r);
            quote!((#path::Reg::#v, #note))
        });
        quote! {
            #path::AbiEntry {
                name: #name,
                leaf: #leaf,
                version: #version,
                seamldr: #seamldr,
                reads: #path::RegSet::from_bits(#reads),
                writes: #writes,
                zeroes_xmm: #xmm,
                covers_higher_versions: #covers_higher,
                notes: &[#(#notes),*],
            }
        }
    });
    quote!(&[#(#rows),*])
}

/// The catalog's items: `#[seamcall]` declarations, one after another.
struct Items(Vec<crate::ast::Item>);

impl syn::parse::Parse for Items {
    fn parse(input: syn::parse::ParseStream) -> syn::Result<Self> {
        let mut items = Vec::new();
        while !input.is_empty() {
            items.push(input.parse()?);
        }
        Ok(Items(items))
    }
}

/// `__catalog! { .. }`: each declaration expanded exactly as the attribute
/// expands it, then `ALL`, one `LeafInfo` per declaration built from the
/// same validated tree (carrying the declaration's `#[cfg]`s), so the
/// functions and the metadata cannot disagree. Every catalog leaf is a
/// literal leaf the ABI table knows; the table gives its name.
pub fn catalog(tokens: TokenStream) -> TokenStream {
    let items = match syn::parse2::<Items>(tokens) {
        Ok(items) => items.0,
        Err(e) => return e.to_compile_error(),
    };
    let mut out = TokenStream::new();
    let mut infos = Vec::new();
    let mut krate = None;
    for mut item in items {
        let ident = item.sig.ident.clone();
        let Some(pos) = item
            .attrs
            .iter()
            .position(|a| a.path().is_ident("seamcall"))
        else {
            out.extend(
                syn::Error::new(
                    ident.span(),
                    "every catalog item is a `#[seamcall(..)]` declaration",
                )
                .to_compile_error(),
            );
            continue;
        };
        let attr = item.attrs.remove(pos);
        let args = match attr.meta.require_list() {
            Ok(list) => list.tokens.clone(),
            Err(e) => {
                out.extend(e.to_compile_error());
                continue;
            }
        };
        let cfgs: Vec<syn::Attribute> = item
            .attrs
            .iter()
            .filter(|a| a.path().is_ident("cfg"))
            .cloned()
            .collect();
        let (attrs, vis, sig) = (&item.attrs, &item.vis, &item.sig);
        let body = match &item.body {
            Some(b) => quote!(#b),
            None => quote!(;),
        };
        let decl = match crate::declare(
            crate::insn::Insn::Seamcall,
            args,
            quote!(#(#attrs)* #vis #sig #body),
        ) {
            Ok(decl) => decl,
            Err(errors) => {
                out.extend(errors);
                continue;
            }
        };
        let name = match &decl.leaf {
            crate::valid::LeafWord::Lit(l) => match lookup(*l, decl.version, decl.seamldr) {
                Lookup::Found(e) => Some(e.name),
                _ => None,
            },
            crate::valid::LeafWord::Path(_) => None,
        };
        out.extend(crate::expand::expand(&decl));
        match name {
            Some(name) => {
                let info = crate::expand::leaf_info(&decl, name);
                infos.push(quote!(#(#cfgs)* #info));
            }
            None => out.extend(
                syn::Error::new(ident.span(), "a catalog leaf is a literal leaf and version the ABI table knows (the table names it)")
                    .to_compile_error(),
            ),
        }
        krate.get_or_insert(decl.krate);
    }
    let krate = krate.unwrap_or_else(|| syn::parse_quote!(crate));
    out.extend(quote! {
        /// Every leaf of the catalog, in declaration order: name, leaf
        /// number, version and the registers each declaration binds. Built
        /// from the declarations themselves, so it cannot drift from them.
        pub static ALL: &[#krate::leaves::LeafInfo] = &[#(#infos),*];
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The messages of the `compile_error!`s a declaration expands to.
    fn errors(args: TokenStream, item: TokenStream) -> Vec<String> {
        fn walk(ts: TokenStream, out: &mut Vec<String>) {
            let tts: Vec<proc_macro2::TokenTree> = ts.into_iter().collect();
            for (i, tt) in tts.iter().enumerate() {
                match tt {
                    proc_macro2::TokenTree::Ident(id) if id == "compile_error" => {
                        if let Some(proc_macro2::TokenTree::Group(g)) = tts.get(i + 2) {
                            if let Ok(lit) = syn::parse2::<syn::LitStr>(g.stream()) {
                                out.push(lit.value());
                            }
                        }
                    }
                    proc_macro2::TokenTree::Group(g) => walk(g.stream(), out),
                    _ => {}
                }
            }
        }
        let mut out = Vec::new();
        if let Err(tokens) = crate::declare(crate::insn::Insn::Seamcall, args, item) {
            walk(tokens, &mut out);
        }
        out
    }

    fn unit() -> TokenStream {
        quote!(
            unsafe fn f() -> Result<(), SeamcallError>;
        )
    }

    #[test]
    fn unchecked_never_excuses_an_audited_write() {
        // TDH.VP.WR writes R8: `unchecked` must not let the declaration
        // leave it out (the compiler would go on using R8 as `value`).
        let e = errors(
            quote!(leaf = 43, in = [rcx, rdx, r8, r9], unchecked),
            quote!(
                unsafe fn f(a: u64, b: u64, c: u64, d: u64) -> Result<(), SeamcallError>;
            ),
        );
        assert!(
            e.iter()
                .any(|m| m.starts_with("TDH.VP.WR (leaf 43) writes R8")),
            "{e:#?}"
        );
        // XMM0-15 after a migration leaf, likewise.
        let e = errors(
            quote!(leaf = 71, in = [rcx, r8, r10], unchecked),
            quote!(
                unsafe fn f(a: u64, b: u64, c: u64) -> Result<(), SeamcallError>;
            ),
        );
        assert!(
            e.iter().any(|m| m.contains("may change XMM0-XMM15")),
            "{e:#?}"
        );
        // What `unchecked` relaxes: inputs not read, outputs never written.
        let e = errors(
            quote!(leaf = 43, in = [rcx, rdx, r8, r9, r10], out = [r8, r12], unchecked),
            quote!(
                unsafe fn f(
                    a: u64,
                    b: u64,
                    c: u64,
                    d: u64,
                    e: u64,
                ) -> Result<(u64, u64), SeamcallError>;
            ),
        );
        assert!(e.is_empty(), "{e:#?}");
    }

    #[test]
    fn unknown_leaves_need_unchecked() {
        let e = errors(
            quote!(leaf = 300, in = [rcx]),
            quote!(
                unsafe fn f(a: u64) -> Result<(), SeamcallError>;
            ),
        );
        assert_eq!(
            e,
            ["leaf 300 is not in the ABI table (module 1.5.01 audit): the macro cannot check which registers it writes; add `unchecked` and list in `clobber` every register it may write (Linux's out-of-line call treats rcx, rdx, rsi, rdi, r8-r11 and all xmm as clobbered)"]
        );
        let e = errors(quote!(leaf = 7, seamldr), unit());
        assert!(
            e.len() == 1 && e[0].starts_with("P-SEAMLDR leaf 7 is not in the ABI table"),
            "{e:#?}"
        );
        let e = errors(
            quote!(leaf = 300, in = [rcx], unchecked),
            quote!(
                unsafe fn f(a: u64) -> Result<(), SeamcallError>;
            ),
        );
        assert!(e.is_empty(), "{e:#?}");
    }

    #[test]
    fn unaudited_help_names_every_register_linux_treats_as_clobbered() {
        let e = errors(quote!(leaf = 69), unit());
        assert!(
            e.len() == 1 && e[0].ends_with("(Linux's out-of-line call treats rcx, rdx, rsi, rdi, r8-r11 and all xmm as clobbered)"),
            "{e:#?}"
        );
    }

    #[test]
    fn higher_versions_are_checked_against_version_1() {
        // Module 1.5.01 runs the version-1 handler for version 2 and up; it
        // writes RDX and R8 before returning TDX_OPERAND_INVALID.
        let item = quote!(
            unsafe fn f(a: u64, b: u64) -> Result<u64, SeamcallError>;
        );
        let e = errors(
            quote!(leaf = 11, version = 2, in = [rcx, rdx], out = [r8]),
            item.clone(),
        );
        assert!(
            e.len() == 1 && e[0].starts_with("TDH.MNG.RD (leaf 11, version 2) writes RDX"),
            "{e:#?}"
        );
        let ok = quote!(leaf = 11, version = 2, in = [rcx, rdx], out = [r8], clobber = [rdx]);
        assert!(errors(ok, item.clone()).is_empty());
        // Matching it, `unchecked` is refused as for any checked leaf.
        let e = errors(
            quote!(leaf = 11, version = 9, in = [rcx, rdx], out = [r8], clobber = [rdx], unchecked),
            item,
        );
        assert!(
            e.len() == 1 && e[0].starts_with("`unchecked` is not needed"),
            "{e:#?}"
        );
        // The five versioned leaves at version 2: version 1's registers
        // covered is accepted without `unchecked`; one fewer is refused.
        let cases: [(u16, TokenStream, TokenStream, TokenStream); 5] = [
            (
                3,
                quote!([rcx, rdx, r8]),
                quote!([rcx, rdx]),
                quote!([r8, r9, r10, r11]),
            ),
            (11, quote!([rcx, rdx]), quote!([r8]), quote!([rdx])),
            (
                23,
                quote!([rcx, rdx]),
                quote!([rcx, rdx]),
                quote!([r9, r10, r11]),
            ),
            (26, quote!([rcx, rdx]), quote!([r8]), quote!([rdx])),
            (
                30,
                quote!([rcx, rdx]),
                quote!([rcx, rdx]),
                quote!([r9, r10, r11]),
            ),
        ];
        for (leaf, ins, outs, clobbers) in cases {
            let n_in = ins.to_string().matches(',').count() + 1;
            let args =
                quote!(leaf = #leaf, version = 2, in = #ins, out = #outs, clobber = #clobbers);
            let item = if outs.to_string().contains(',') {
                let n = outs.to_string().matches(',').count() + 1;
                let tys = (0..n).map(|_| quote!(u64));
                let params = (0..n_in).map(|i| quote::format_ident!("p{i}"));
                quote!(unsafe fn f(#(#params: u64),*) -> (TdxStatus, (#(#tys),*));)
            } else {
                let params = (0..n_in).map(|i| quote::format_ident!("p{i}"));
                quote!(unsafe fn f(#(#params: u64),*) -> (TdxStatus, u64);)
            };
            let e = errors(args, item.clone());
            assert!(e.is_empty(), "leaf {leaf} version 2: {e:#?}");
            let short = quote!(leaf = #leaf, version = 2, in = #ins, out = #outs);
            let e = errors(short, item);
            assert!(
                !e.is_empty() && e.iter().all(|m| m.contains("version 2) writes")),
                "leaf {leaf} version 2 without clobbers: {e:#?}"
            );
        }
    }

    #[test]
    fn versions_of_unversioned_leaves_need_unchecked() {
        // The dispatcher of module 1.5.01 rejects them writing RAX alone:
        // the version is for a later module, which the audit does not cover.
        let e = errors(
            quote!(leaf = 9, version = 1, in = [rcx, rdx]),
            quote!(
                unsafe fn f(a: u64, b: u64) -> Result<(), SeamcallError>;
            ),
        );
        assert!(
            e.len() == 1 && e[0].starts_with("TDH.MNG.CREATE (leaf 9) has no version 1"),
            "{e:#?}"
        );
        assert!(matches!(lookup(22, 2, false), Lookup::OtherVersions(_)));
        let e = errors(
            quote!(leaf = 9, version = 1, in = [rcx, rdx], unchecked),
            quote!(
                unsafe fn f(a: u64, b: u64) -> Result<(), SeamcallError>;
            ),
        );
        assert!(e.is_empty(), "{e:#?}");
    }

    #[test]
    fn rows_are_unique_and_well_formed() {
        for (i, e) in TABLE.iter().enumerate() {
            for other in &TABLE[..i] {
                assert!(
                    !(other.leaf == e.leaf
                        && other.version == e.version
                        && other.seamldr == e.seamldr),
                    "duplicate row {}",
                    e.title_at(e.version)
                );
            }
            for r in e.reads {
                assert!(
                    r.is_gpr() && *r != Rax && *r != Rsp && *r != Rbp,
                    "{}",
                    e.title_at(e.version)
                );
            }
            for (r, _) in e.writes.unwrap_or(&[]) {
                assert!(
                    r.is_gpr() && *r != Rax && *r != Rsp,
                    "{}",
                    e.title_at(e.version)
                );
            }
        }
    }

    #[test]
    fn versions_differ_where_notes_say() {
        let w = |leaf, v| match lookup(leaf, v, false) {
            Lookup::Found(e) => mask(e.writes.unwrap_or(&[]).iter().map(|(r, _)| *r)),
            _ => panic!("leaf {leaf} v{v} missing"),
        };
        assert_eq!(w(11, 1) & !w(11, 0), mask([Rdx]));
        assert_eq!(w(26, 1) & !w(26, 0), mask([Rdx]));
        assert_eq!(w(3, 1) & !w(3, 0), mask([R8, R9, R10, R11]));
        assert_eq!(w(23, 1) & !w(23, 0), mask([R9, R10, R11]));
        assert_eq!(w(30, 1) & !w(30, 0), mask([R9, R10, R11]));
        assert!(matches!(lookup(11, 2, false), Lookup::Rejected(e) if e.version == 1));
        assert!(matches!(lookup(30, 255, false), Lookup::Rejected(e) if e.version == 1));
        assert!(matches!(lookup(9, 1, false), Lookup::OtherVersions(_)));
        assert!(matches!(lookup(22, 2, false), Lookup::OtherVersions(_)));
        assert!(matches!(lookup(42, 0, false), Lookup::Unknown));
        assert!(matches!(lookup(0, 0, true), Lookup::Found(e) if e.name == "P-SEAMLDR.INFO"));
    }
}
