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
//! must say `unchecked` for them.

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

    /// `TDH.VP.WR (leaf 43)`, with the version when it is not 0.
    pub fn title(&self) -> String {
        match (self.seamldr, self.version) {
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
          (R11, "L2 S-EPT page, echoed back")]).v(1),
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
        &[(Rdx, "next field ID"), (R8, "field value, 0 on error")]).v(1),
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
          (R11, "freed L2 S-EPT page")]).v(1),
    Entry::new("TDH.PHYMEM.PAGE.RDMD", 24, &[Rcx],
        &[(Rcx, "page type"), (Rdx, "owner (TDR PA)"), (R8, "page size"),
          (R9, "BEPOCH, or 0"), (R10, "zeroed"), (R11, "zeroed")]),
    Entry::new("TDH.MEM.SEPT.RD", 25, &[Rcx, Rdx],
        &[(Rcx, "S-EPT entry"), (Rdx, "S-EPT level and state"),
          (R8, "L2 attributes, when requested")]),
    Entry::new("TDH.VP.RD", 26, &[Rcx, Rdx], &[(R8, "field value, 0 on error")]),
    Entry::new("TDH.VP.RD", 26, &[Rcx, Rdx],
        &[(Rdx, "next field ID"), (R8, "field value, 0 on error")]).v(1),
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
          (R11, "removed L2 S-EPT page")]).v(1),
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
    Found(&'static Entry),
    /// The leaf is known, but not at this version.
    OtherVersions(Vec<&'static Entry>),
    Unknown,
}

pub fn lookup(leaf: u16, version: u8, seamldr: bool) -> Lookup {
    let rows: Vec<&'static Entry> = TABLE
        .iter()
        .filter(|e| e.leaf == leaf && e.seamldr == seamldr)
        .collect();
    match rows.iter().find(|e| e.version == version) {
        Some(e) => Lookup::Found(e),
        None if rows.is_empty() => Lookup::Unknown,
        None => Lookup::OtherVersions(rows),
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
}

const UNKNOWN_HELP: &str = "add `unchecked` to declare it without the cross-check, and list in `clobber` every register the module may write (Linux's out-of-line call treats rcx, rdx and r8-r11 as clobbered)";

/// The cross-check for a literal leaf: every `in` register is one the leaf
/// reads, every `out` register one it may write, and every register it may
/// write is in `out` or `clobber`. A leaf the table knows without an audit
/// of its writes, or at another version, needs `unchecked`; a leaf number
/// the table does not know at all is not checked.
pub fn check(cx: &Ctxt, d: &Declared) {
    let entry = match lookup(d.leaf, d.version, d.seamldr) {
        Lookup::Found(e) if e.writes.is_some() => e,
        Lookup::Found(e) => {
            if d.unchecked.is_none() {
                cx.error_at(
                    d.leaf_span,
                    format!("{} is not covered by the audit of TDX module 1.5.01 (tdx-abi/writes.tsv), so the registers it may write are unknown; {UNKNOWN_HELP}", e.title()),
                );
            }
            return;
        }
        Lookup::OtherVersions(rows) => {
            if d.unchecked.is_none() {
                let known: Vec<String> = rows.iter().map(|e| e.version.to_string()).collect();
                cx.error_at(
                    d.leaf_span,
                    format!("{} (leaf {}) has no version {} in the ABI table (known: {}); {UNKNOWN_HELP}", rows[0].name, d.leaf, d.version, known.join(", ")),
                );
            }
            return;
        }
        // A number the table has never heard of (a private test leaf, a
        // leaf of a later module) is the declaration's responsibility.
        Lookup::Unknown => return,
    };
    let title = entry.title();
    let mut mismatches = Vec::new();
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
            ));
        }
    }
    for (r, span) in &d.outputs.regs {
        if entry.write_note(*r).is_none() && !matches!(r, Rax | Rsp) {
            mismatches.push((*span, format!("{title} does not write {}, so the value read back would be the input, not a result; remove {r} from `out`", upper(*r))));
        }
    }
    let covered = |r: Reg| d.outputs.contains(r) || d.clobbers.contains(r);
    for r in checked_regs().filter(|r| r.is_gpr()) {
        if let Some(note) = entry.write_note(r) {
            if !covered(r) {
                mismatches.push((
                    d.write_span,
                    format!(
                        "{title} writes {} ({note}); add {r} to `out` or `clobber`",
                        upper(r)
                    ),
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
            let why = if entry.leaf == 0 {
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
            ));
        }
    }
    match d.unchecked {
        Some(span) if mismatches.is_empty() => cx.error_at(
            span,
            format!("`unchecked` is not needed: {title} is in the ABI table and this declaration matches it; remove `unchecked` so that later edits stay checked"),
        ),
        Some(_) => {}
        None => {
            for (span, msg) in mismatches {
                cx.error_at(span, msg);
            }
        }
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
    let rows = TABLE.iter().map(|e| {
        let name = e.name;
        let leaf = e.leaf;
        let version = e.version;
        let seamldr = e.seamldr;
        let reads = mask(e.reads.iter().copied());
        let xmm = e.xmm;
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
        let decl = match crate::declare(args, quote!(#(#attrs)* #vis #sig #body)) {
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

    #[test]
    fn rows_are_unique_and_well_formed() {
        for (i, e) in TABLE.iter().enumerate() {
            for other in &TABLE[..i] {
                assert!(
                    !(other.leaf == e.leaf
                        && other.version == e.version
                        && other.seamldr == e.seamldr),
                    "duplicate row {}",
                    e.title()
                );
            }
            for r in e.reads {
                assert!(
                    r.is_gpr() && *r != Rax && *r != Rsp && *r != Rbp,
                    "{}",
                    e.title()
                );
            }
            for (r, _) in e.writes.unwrap_or(&[]) {
                assert!(r.is_gpr() && *r != Rax && *r != Rsp, "{}", e.title());
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
        assert!(matches!(lookup(11, 2, false), Lookup::OtherVersions(_)));
        assert!(matches!(lookup(42, 0, false), Lookup::Unknown));
        assert!(matches!(lookup(0, 0, true), Lookup::Found(e) if e.name == "P-SEAMLDR.INFO"));
    }
}
