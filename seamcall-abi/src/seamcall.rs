//! The SEAMCALL table: every host-side leaf of TDX modules 1.5.01, 1.5.25,
//! 1.5.34 and 2.0.18.
//!
//! Registers read come from `leaves.tsv` (what Linux loads, or what the
//! module's handler reads for leaves Linux does not call), `leaves-2.0.tsv`
//! (the leaves Linux does not know) and the newer releases' new inputs
//! (the notes of `writes-2.0.tsv`: TDH.MNG.INIT's R8 from 1.5.09,
//! TDH.MEM.PAGE.DEMOTE's R12/R13 from 1.5.16, the version-1 forms);
//! registers written come from `writes.tsv`, the audit of every register
//! write in TDX module 1.5.01, and `writes-2.0.tsv`, the same audit for
//! 1.5.25, 1.5.34 and 2.0.18, one row per release. All are vendored in this
//! repository under `tests/data/tdx-abi/` (`tests/catalog_abi.rs` checks the
//! rows against them, release by release). Where the module's behaviour
//! depends on the version, each version has its own row. Rows no release
//! was audited for (leaves no readable module source has, the rows the
//! audits mark `?` or provisional, P-SEAMLDR) have no audit
//! ([`NOT_AUDITED`]). A register only newer releases write says so in its
//! note, which the cross-check's error quotes: "freed PAMT page, module
//! 1.5.20 and later with Dynamic PAMT".

use crate::Reg::*;
use crate::Release::{V1_5_01, V1_5_25, V1_5_34, V2_0_18};
use crate::{Audit, Entry, Releases, Table};

/// The audits of a row no release was audited for.
const NOT_AUDITED: &[Audit] = &[];

/// The host side: every leaf `SEAMCALL` selects through RAX.
pub const SEAMCALL: Table = Table {
    insn: "SEAMCALL",
    rows: ROWS,
    audited: Releases::AUDITED,
    facts: "tests/data/tdx-abi/writes.tsv, writes-2.0.tsv",
};

const SEPT_ENTRY: &str = "S-EPT entry on error";
const SEPT_LEVEL: &str = "S-EPT level and state on error";
const GUEST: &str = "guest value or 0";
const GPA_LIST: &str = "updated GPA list info";
const FIELD_DETAILS: &str = "failing metadata field on error";
const PAGES_WRITTEN: &str = "number of pages written";
const SEPT_ENTRY_2_0: &str = "S-EPT entry on error (module 2.0)";
const SEPT_LEVEL_2_0: &str = "S-EPT level and state on error (module 2.0)";
const FREED_PAMT_PAGE: &str = "freed PAMT page, module 1.5.20 and later with Dynamic PAMT";

/// Every leaf of `leaves.tsv` and `leaves-2.0.tsv` whose registers are
/// known (leaf 42 is not: the module defines the number and dispatches
/// nothing; nor is 97, an enum value without a dispatcher case).
#[rustfmt::skip]
const ROWS: &[Entry] = &[
    Entry::new("TDH.VP.ENTER", 0,
        &[Rcx, Rdx, R8, R9, R10, R11, R12, R13, R14, R15, Rbx, Rdi, Rsi],
        &[V1_5_01.and(V1_5_25).and(V2_0_18).audit(&[(Rcx, "exit qualification"), (Rdx, "extended exit qualification or guest value"),
          (Rbx, GUEST), (Rbp, "zeroed by an asynchronous exit on module 1.5.01"),
          (Rsi, GUEST), (Rdi, GUEST), (R8, "faulting GPA or guest value"),
          (R9, "interruption information or guest value"), (R10, GUEST), (R11, GUEST),
          (R12, GUEST), (R13, GUEST), (R14, GUEST), (R15, GUEST)])]).xmm(),
    Entry::new("TDH.MNG.ADDCX", 1, &[Rcx, Rdx], &[V1_5_01.and(V2_0_18).audit(&[])]),
    Entry::new("TDH.MEM.PAGE.ADD", 2, &[Rcx, Rdx, R8, R9], &[V1_5_01.and(V2_0_18).audit(&[(Rcx, SEPT_ENTRY), (Rdx, SEPT_LEVEL)])]),
    Entry::new("TDH.MEM.SEPT.ADD", 3, &[Rcx, Rdx, R8], &[V1_5_01.and(V2_0_18).audit(&[(Rcx, SEPT_ENTRY), (Rdx, SEPT_LEVEL)])]),
    Entry::new("TDH.MEM.SEPT.ADD", 3, &[Rcx, Rdx, R8, R9, R10, R11],
        &[V1_5_01.and(V2_0_18).audit(&[(Rcx, SEPT_ENTRY), (Rdx, SEPT_LEVEL), (R8, "L1 S-EPT page, echoed back"),
          (R9, "L2 S-EPT page, echoed back"), (R10, "L2 S-EPT page, echoed back"),
          (R11, "L2 S-EPT page, echoed back")])]).v(1).covers_higher(),
    Entry::new("TDH.VP.ADDCX", 4, &[Rcx, Rdx], &[V1_5_01.and(V2_0_18).audit(&[])]),
    Entry::new("TDH.MEM.PAGE.RELOCATE", 5, &[Rcx, Rdx, R8],
        &[V1_5_01.and(V1_5_25).and(V2_0_18).audit(&[(Rcx, "old page HPA, or S-EPT entry on error"), (Rdx, SEPT_LEVEL)])]),
    Entry::new("TDH.MEM.PAGE.AUG", 6, &[Rcx, Rdx, R8], &[V1_5_01.and(V2_0_18).audit(&[(Rcx, SEPT_ENTRY), (Rdx, SEPT_LEVEL)])]),
    Entry::new("TDH.MEM.RANGE.BLOCK", 7, &[Rcx, Rdx], &[V1_5_01.and(V2_0_18).audit(&[(Rcx, SEPT_ENTRY), (Rdx, SEPT_LEVEL)])]),
    Entry::new("TDH.MNG.KEY.CONFIG", 8, &[Rcx], &[V1_5_01.and(V2_0_18).audit(&[])]),
    Entry::new("TDH.MNG.CREATE", 9, &[Rcx, Rdx], &[V1_5_01.and(V2_0_18).audit(&[])]),
    Entry::new("TDH.VP.CREATE", 10, &[Rcx, Rdx], &[V1_5_01.and(V2_0_18).audit(&[])]),
    Entry::new("TDH.MNG.RD", 11, &[Rcx, Rdx], &[V1_5_01.and(V2_0_18).audit(&[(R8, "field value, 0 on error")])]),
    Entry::new("TDH.MNG.RD", 11, &[Rcx, Rdx],
        &[V1_5_01.and(V2_0_18).audit(&[(Rdx, "next field ID"), (R8, "field value, 0 on error")])]).v(1).covers_higher(),
    Entry::new("TDH.MEM.RD", 12, &[Rcx, Rdx],
        &[V1_5_01.and(V2_0_18).audit(&[(Rcx, SEPT_ENTRY), (Rdx, SEPT_LEVEL), (R8, "the 8 bytes read")])]),
    Entry::new("TDH.MNG.WR", 13, &[Rcx, Rdx, R8, R9], &[V1_5_01.and(V2_0_18).audit(&[(R8, "previous value")])]),
    Entry::new("TDH.MEM.WR", 14, &[Rcx, Rdx, R8],
        &[V1_5_01.and(V2_0_18).audit(&[(Rcx, SEPT_ENTRY), (Rdx, SEPT_LEVEL), (R8, "previous value")])]),
    // R12/R13: the two PAMT pages for the split, read from 1.5.16 on.
    Entry::new("TDH.MEM.PAGE.DEMOTE", 15, &[Rcx, Rdx, R8, R9, R10, R11, R12, R13],
        &[V1_5_01.and(V1_5_25).and(V2_0_18).audit(&[(Rcx, SEPT_ENTRY), (Rdx, SEPT_LEVEL), (R9, "L2 S-EPT page, echoed back"),
          (R10, "L2 S-EPT page, echoed back"), (R11, "L2 S-EPT page, echoed back")])]),
    Entry::new("TDH.MR.EXTEND", 16, &[Rcx, Rdx], &[V1_5_01.and(V2_0_18).audit(&[(Rcx, SEPT_ENTRY), (Rdx, SEPT_LEVEL)])]),
    Entry::new("TDH.MR.FINALIZE", 17, &[Rcx], &[V1_5_01.and(V2_0_18).audit(&[])]),
    Entry::new("TDH.VP.FLUSH", 18, &[Rcx], &[V1_5_01.and(V2_0_18).audit(&[])]),
    Entry::new("TDH.MNG.VPFLUSHDONE", 19, &[Rcx], &[V1_5_01.and(V2_0_18).audit(&[])]),
    Entry::new("TDH.MNG.KEY.FREEID", 20, &[Rcx], &[V1_5_01.and(V2_0_18).audit(&[])]),
    // R8: the perfmon event filters, read from 1.5.09 on.
    Entry::new("TDH.MNG.INIT", 21, &[Rcx, Rdx, R8], &[V1_5_01.and(V1_5_25).and(V2_0_18).audit(&[(Rcx, "rejected CPUID leaf and sub-leaf, else 0")])]),
    Entry::new("TDH.VP.INIT", 22, &[Rcx, Rdx], &[V1_5_01.and(V2_0_18).audit(&[])]),
    // Version 1 (x2APIC ID in R8) is what Linux calls: module 1.5.01
    // rejects it in its dispatcher (RAX alone); 1.5.05 and later accept it
    // and write RAX alone.
    Entry::new("TDH.VP.INIT", 22, &[Rcx, Rdx, R8], &[V1_5_25.and(V2_0_18).audit(&[])]).v(1),
    // From 1.5.20, with Dynamic PAMT on and a merge to 2 MiB, the handler
    // stores the two freed PAMT pages in R12 and R13 (intel/tdx-module
    // src/vmm_dispatcher/api_calls/tdh_mem_page_promote.c at e69a4391).
    Entry::new("TDH.MEM.PAGE.PROMOTE", 23, &[Rcx, Rdx],
        &[V1_5_01.audit(&[(Rcx, "merged S-EPT page HPA, or S-EPT entry on error"), (Rdx, SEPT_LEVEL)]),
          V1_5_25.and(V2_0_18).audit(&[(Rcx, "merged S-EPT page HPA, or S-EPT entry on error"), (Rdx, SEPT_LEVEL),
          (R12, FREED_PAMT_PAGE), (R13, FREED_PAMT_PAGE)])]),
    Entry::new("TDH.MEM.PAGE.PROMOTE", 23, &[Rcx, Rdx],
        &[V1_5_01.audit(&[(Rcx, "merged S-EPT page HPA, or S-EPT entry on error"), (Rdx, SEPT_LEVEL),
          (R9, "freed L2 S-EPT page"), (R10, "freed L2 S-EPT page"),
          (R11, "freed L2 S-EPT page")]),
          V1_5_25.and(V2_0_18).audit(&[(Rcx, "merged S-EPT page HPA, or S-EPT entry on error"), (Rdx, SEPT_LEVEL),
          (R9, "freed L2 S-EPT page"), (R10, "freed L2 S-EPT page"),
          (R11, "freed L2 S-EPT page"), (R12, FREED_PAMT_PAGE), (R13, FREED_PAMT_PAGE)])]).v(1).covers_higher(),
    Entry::new("TDH.PHYMEM.PAGE.RDMD", 24, &[Rcx],
        &[V1_5_01.and(V1_5_25).and(V2_0_18).audit(&[(Rcx, "page type"), (Rdx, "owner (TDR PA)"), (R8, "page size"),
          (R9, "BEPOCH, or 0"), (R10, "zeroed"), (R11, "zeroed")])]),
    Entry::new("TDH.MEM.SEPT.RD", 25, &[Rcx, Rdx],
        &[V1_5_01.and(V2_0_18).audit(&[(Rcx, "S-EPT entry"), (Rdx, "S-EPT level and state"),
          (R8, "L2 attributes, when requested")])]),
    Entry::new("TDH.VP.RD", 26, &[Rcx, Rdx], &[V1_5_01.and(V2_0_18).audit(&[(R8, "field value, 0 on error")])]),
    Entry::new("TDH.VP.RD", 26, &[Rcx, Rdx],
        &[V1_5_01.and(V2_0_18).audit(&[(Rdx, "next field ID"), (R8, "field value, 0 on error")])]).v(1).covers_higher(),
    Entry::new("TDH.MNG.KEY.RECLAIMID", 27, &[Rcx], &[V1_5_01.and(V2_0_18).audit(&[])]),
    Entry::new("TDH.PHYMEM.PAGE.RECLAIM", 28, &[Rcx],
        &[V1_5_01.and(V1_5_25).and(V2_0_18).audit(&[(Rcx, "page type"), (Rdx, "owner (TDR PA)"), (R8, "page size"),
          (R9, "zeroed"), (R10, "zeroed"), (R11, "zeroed")])]),
    Entry::new("TDH.MEM.PAGE.REMOVE", 29, &[Rcx, Rdx],
        &[V1_5_01.and(V1_5_25).and(V2_0_18).audit(&[(Rcx, "removed page HPA, or S-EPT entry on error"), (Rdx, SEPT_LEVEL)])]),
    Entry::new("TDH.MEM.SEPT.REMOVE", 30, &[Rcx, Rdx],
        &[V1_5_01.and(V2_0_18).audit(&[(Rcx, "removed S-EPT page HPA, or S-EPT entry on error"), (Rdx, SEPT_LEVEL)])]),
    Entry::new("TDH.MEM.SEPT.REMOVE", 30, &[Rcx, Rdx],
        &[V1_5_01.and(V1_5_25).and(V2_0_18).audit(&[(Rcx, "removed S-EPT page HPA, or S-EPT entry on error"), (Rdx, SEPT_LEVEL),
          (R9, "removed L2 S-EPT page"), (R10, "removed L2 S-EPT page"),
          (R11, "removed L2 S-EPT page")])]).v(1).covers_higher(),
    Entry::new("TDH.SYS.KEY.CONFIG", 31, &[], &[V1_5_01.and(V2_0_18).audit(&[])]),
    Entry::new("TDH.SYS.INFO", 32, &[Rcx, Rdx, R8, R9],
        &[V1_5_01.and(V2_0_18).audit(&[(Rdx, "bytes written to TDSYSINFO"), (R9, "CMR entries written")])]),
    Entry::new("TDH.SYS.INIT", 33, &[Rcx],
        &[V1_5_01.and(V2_0_18).audit(&[(Rcx, "CPUID leaf and sub-leaf that failed the check, else 0"),
          (Rdx, "CPUID verify mask, else 0"), (R8, "CPUID verify mask, else 0"),
          (R9, "expected CPUID value, else 0"), (R10, "expected CPUID value, else 0")])]),
    Entry::new("TDH.SYS.RD", 34, &[Rdx],
        &[V1_5_01.and(V2_0_18).audit(&[(Rdx, "next field ID, -1 on error"), (R8, "field value")])]),
    Entry::new("TDH.SYS.LP.INIT", 35, &[],
        &[V1_5_01.and(V2_0_18).audit(&[(Rcx, "CPUID leaf and sub-leaf that differs, else 0"),
          (Rdx, "CPUID compare mask, else 0"), (R8, "CPUID compare mask, else 0")])]),
    Entry::new("TDH.SYS.TDMR.INIT", 36, &[Rcx], &[V1_5_01.and(V2_0_18).audit(&[(Rdx, "next address to initialize")])]),
    Entry::new("TDH.SYS.RDALL", 37, &[Rdx, R8], &[V1_5_01.and(V2_0_18).audit(&[(R8, "next field ID")])]),
    Entry::new("TDH.MEM.TRACK", 38, &[Rcx], &[V1_5_01.and(V2_0_18).audit(&[])]),
    Entry::new("TDH.MEM.RANGE.UNBLOCK", 39, &[Rcx, Rdx], &[V1_5_01.and(V2_0_18).audit(&[(Rcx, SEPT_ENTRY), (Rdx, SEPT_LEVEL)])]),
    Entry::new("TDH.PHYMEM.CACHE.WB", 40, &[Rcx], &[V1_5_01.and(V2_0_18).audit(&[])]),
    Entry::new("TDH.PHYMEM.PAGE.WBINVD", 41, &[Rcx], &[V1_5_01.and(V2_0_18).audit(&[])]),
    Entry::new("TDH.VP.WR", 43, &[Rcx, Rdx, R8, R9], &[V1_5_01.and(V2_0_18).audit(&[(R8, "previous value")])]),
    Entry::new("TDH.SYS.LP.SHUTDOWN", 44, &[], &[V1_5_01.and(V2_0_18).audit(&[])]),
    Entry::new("TDH.SYS.CONFIG", 45, &[Rcx, Rdx, R8], &[V1_5_01.and(V1_5_25).and(V2_0_18).audit(&[])]),
    Entry::new("TDH.SERVTD.BIND", 48, &[Rcx, Rdx, R8, R9, R10],
        &[V1_5_01.and(V2_0_18).audit(&[(Rcx, "binding handle"), (R10, "target TD UUID"), (R11, "target TD UUID"),
          (R12, "target TD UUID"), (R13, "target TD UUID")])]),
    Entry::new("TDH.SERVTD.PREBIND", 49, &[Rcx, Rdx, R8, R9, R10], &[V1_5_01.and(V2_0_18).audit(&[])]),
    Entry::new("TDH.SYS.SHUTDOWN", 52, &[Rcx], &[V1_5_01.and(V1_5_25).and(V2_0_18).audit(&[])]),
    Entry::new("TDH.SYS.UPDATE", 53, &[], &[V1_5_01.and(V2_0_18).audit(&[])]),
    // Dynamic PAMT, from 1.5.20.
    Entry::new("TDH.PHYMEM.PAMT.ADD", 58, &[Rcx, Rdx, R8], &[V1_5_25.and(V2_0_18).audit(&[])]),
    Entry::new("TDH.PHYMEM.PAMT.REMOVE", 59, &[Rcx],
        &[V1_5_25.and(V2_0_18).audit(&[(Rdx, "freed PAMT page on success, module 1.5.20 and later"),
          (R8, "freed PAMT page on success, module 1.5.20 and later")])]),
    Entry::new("TDH.EXT.INIT", 60, &[], NOT_AUDITED),
    Entry::new("TDH.EXT.MEM.ADD", 61, &[Rcx], NOT_AUDITED),
    Entry::new("TDH.EXPORT.ABORT", 64, &[Rcx, R8, R10], &[V1_5_01.and(V2_0_18).audit(&[])]).xmm(),
    Entry::new("TDH.EXPORT.BLOCKW", 65, &[Rcx, Rdx], &[V1_5_01.and(V2_0_18).audit(&[(Rcx, GPA_LIST)])]),
    Entry::new("TDH.EXPORT.RESTORE", 66, &[Rcx, Rdx], &[V1_5_01.and(V2_0_18).audit(&[(Rcx, GPA_LIST)])]),
    Entry::new("TDH.EXPORT.MEM", 68, &[Rcx, Rdx, R8, R9, R10, R11, R12],
        &[V1_5_01.and(V2_0_18).audit(&[(Rcx, GPA_LIST), (Rdx, "number of pages processed")])]).xmm(),
    // No module source read has it (1.5.01 to 1.5.34, 2.0.18): each answers
    // TDX_OPERAND_INVALID (RAX) from its dispatcher's default case.
    Entry::new("TDH.SYS.DISABLE", 69, &[], NOT_AUDITED),
    Entry::new("TDH.EXPORT.PAUSE", 70, &[Rcx], &[V1_5_01.and(V2_0_18).audit(&[])]),
    Entry::new("TDH.EXPORT.TRACK", 71, &[Rcx, R8, R10], &[V1_5_01.and(V2_0_18).audit(&[])]).xmm(),
    Entry::new("TDH.EXPORT.STATE.IMMUTABLE", 72, &[Rcx, R8, R9, R10], &[V1_5_01.and(V2_0_18).audit(&[(Rdx, PAGES_WRITTEN)])]).xmm(),
    Entry::new("TDH.EXPORT.STATE.TD", 73, &[Rcx, R8, R9, R10], &[V1_5_01.and(V2_0_18).audit(&[(Rdx, PAGES_WRITTEN)])]).xmm(),
    Entry::new("TDH.EXPORT.STATE.VP", 74, &[Rcx, R8, R9, R10], &[V1_5_01.and(V2_0_18).audit(&[(Rdx, PAGES_WRITTEN)])]).xmm(),
    Entry::new("TDH.EXPORT.UNBLOCKW", 75, &[Rcx, Rdx], &[V1_5_01.and(V2_0_18).audit(&[(Rcx, SEPT_ENTRY), (Rdx, SEPT_LEVEL)])]),
    Entry::new("TDH.IMPORT.ABORT", 80, &[Rcx, R8, R10], &[V1_5_01.and(V2_0_18).audit(&[])]).xmm(),
    Entry::new("TDH.IMPORT.END", 81, &[Rcx], &[V1_5_01.and(V2_0_18).audit(&[])]),
    Entry::new("TDH.IMPORT.COMMIT", 82, &[Rcx], &[V1_5_01.and(V2_0_18).audit(&[])]),
    Entry::new("TDH.IMPORT.MEM", 83, &[Rcx, Rdx, R8, R9, R10, R11, R12, R13], &[V1_5_01.and(V2_0_18).audit(&[(Rcx, GPA_LIST)])]).xmm(),
    Entry::new("TDH.IMPORT.TRACK", 84, &[Rcx, R8, R10], &[V1_5_01.and(V2_0_18).audit(&[])]).xmm(),
    Entry::new("TDH.IMPORT.STATE.IMMUTABLE", 85, &[Rcx, R8, R9, R10],
        &[V1_5_01.and(V2_0_18).audit(&[(Rcx, FIELD_DETAILS), (Rdx, FIELD_DETAILS)])]).xmm(),
    Entry::new("TDH.IMPORT.STATE.TD", 86, &[Rcx, R8, R9, R10],
        &[V1_5_01.and(V2_0_18).audit(&[(Rcx, FIELD_DETAILS), (Rdx, FIELD_DETAILS)])]).xmm(),
    Entry::new("TDH.IMPORT.STATE.VP", 87, &[Rcx, R8, R9, R10],
        &[V1_5_01.and(V2_0_18).audit(&[(Rcx, FIELD_DETAILS), (Rdx, FIELD_DETAILS)])]).xmm(),
    Entry::new("TDH.MIG.STREAM.CREATE", 96, &[Rcx, Rdx], &[V1_5_01.and(V2_0_18).audit(&[])]),
    Entry::new("TDH.QUOTE.INIT", 100, &[], NOT_AUDITED),
    // ---- Versions and leaves of newer releases (`writes-2.0.tsv`). ----
    Entry::new("TDH.SYS.INIT", 33, &[Rcx, R8],
        &[V1_5_25.and(V2_0_18).audit(&[(Rcx, "CPUID leaf and sub-leaf that failed the check, else 0"),
          (Rdx, "CPUID verify mask, else 0"), (R8, "CPUID verify mask, else 0"),
          (R9, "expected CPUID value, else 0"), (R10, "expected CPUID value, else 0")])]).v(1).covers_higher(),
    Entry::new("TDH.SYS.CONFIG", 45, &[Rcx, Rdx, R8, R9, R10], &[V2_0_18.audit(&[])]).v(1),
    Entry::new("TDH.SYS.UPDATE", 53, &[R9, R10], &[V1_5_25.and(V2_0_18).audit(&[])]).v(1),
    // Version 1 of the migration leaves: dispatched by 1.5.34 and 2.0.18,
    // handlers not audited.
    Entry::new("TDH.EXPORT.BLOCKW", 65, &[Rcx, Rdx], NOT_AUDITED).v(1),
    Entry::new("TDH.EXPORT.RESTORE", 66, &[Rcx, Rdx], NOT_AUDITED).v(1),
    Entry::new("TDH.EXPORT.MEM", 68, &[Rcx, Rdx, R8, R9, R10, R11, R12], NOT_AUDITED).v(1).xmm(),
    Entry::new("TDH.IMPORT.MEM", 83, &[Rcx, Rdx, R8, R9, R10, R11, R12, R13], NOT_AUDITED).v(1).xmm(),
    Entry::new("TDH.MEM.SCAN.RANGE", 92, &[Rcx, Rdx, R8, R9, R10, R11],
        &[V1_5_34.and(V2_0_18).audit(&[(R9, "next GPA to scan (module 1.5.34 and later)"),
          (R10, "size left to scan (module 1.5.34 and later)"),
          (R11, "next GPA-list entry of a DSCAN (module 1.5.34 and later)")])]),
    Entry::new("TDH.MEM.SCAN.COMP", 93, &[Rcx, Rdx, R8, R11], NOT_AUDITED),
    Entry::new("TDH.MEM.SCAN.CONFIG", 94, &[Rcx, Rdx, R8, R9, R10, R11], NOT_AUDITED),
    // No direct write, but the helper it calls (mem_scan_reset) was not
    // read: the row calls itself provisional.
    Entry::new("TDH.MEM.SCAN.RESET", 95, &[Rdx], NOT_AUDITED),
    // ---- TDX Connect (module 2.0 only), numbered as 2.0.18 numbers them. ----
    Entry::new("TDH.IOMMU.SETREG", 128, &[Rcx, Rdx, R8], NOT_AUDITED),
    Entry::new("TDH.IOMMU.GETREG", 129, &[Rcx, Rdx],
        &[V2_0_18.audit(&[(R8, "register value, 0 on error (module 2.0)")])]),
    Entry::new("TDH.SPDM.CREATE", 130, &[Rcx, Rdx, R8], NOT_AUDITED),
    Entry::new("TDH.SPDM.DELETE", 131, &[Rcx, Rdx], NOT_AUDITED),
    Entry::new("TDH.IDE.STREAM.CREATE", 132, &[Rcx, Rdx, R8, R9, R10, R11, R12, R13, R14, R15], NOT_AUDITED),
    Entry::new("TDH.IDE.STREAM.BLOCK", 133, &[Rcx, Rdx], NOT_AUDITED),
    Entry::new("TDH.IDE.STREAM.DELETE", 134, &[Rcx, Rdx], NOT_AUDITED),
    Entry::new("TDH.IDE.STREAM.IDEKMREQ", 135, &[Rcx, Rdx, R8, R9, R10, R11], NOT_AUDITED),
    Entry::new("TDH.IDE.STREAM.IDEKMRSP", 136, &[Rcx, Rdx, R8], NOT_AUDITED),
    Entry::new("TDH.DEVIF.CREATE", 137, &[Rcx, Rdx, R8, R9, R10], NOT_AUDITED),
    Entry::new("TDH.DEVIF.REMOVE", 138, &[Rcx], NOT_AUDITED),
    Entry::new("TDH.DEVIF.REQUEST", 139, &[Rcx, Rdx, R8, R9], NOT_AUDITED),
    Entry::new("TDH.DEVIF.RESPONSE", 140, &[Rcx, Rdx, R8, R9], NOT_AUDITED),
    Entry::new("TDH.DMAR.ADD", 150, &[Rcx, Rdx, R8, R9, R10, R11, R12, R13, R14], NOT_AUDITED),
    Entry::new("TDH.DMAR.BLOCK", 151, &[Rcx], NOT_AUDITED),
    Entry::new("TDH.DMAR.READ", 152, &[Rcx],
        &[V2_0_18.audit(&[(Rdx, "DMAR state (module 2.0)"), (R8, "DMAR entry (module 2.0)"),
          (R9, "DMAR entry (module 2.0)"), (R10, "DMAR entry (module 2.0)"),
          (R11, "DMAR entry (module 2.0)"), (R12, "PASID-table entry (module 2.0)"),
          (R13, "PASID-table entry (module 2.0)"), (R14, "PASID-table entry (module 2.0)"),
          (R15, "PASID-table entry (module 2.0)")])]),
    Entry::new("TDH.DMAR.REMOVE", 153, &[Rcx],
        &[V2_0_18.audit(&[(Rcx, "removed table page (module 2.0)")])]),
    Entry::new("TDH.MMIO.MT.ADD", 154, &[Rcx, Rdx], NOT_AUDITED),
    Entry::new("TDH.MMIO.MT.SET", 155, &[Rcx, Rdx], NOT_AUDITED),
    Entry::new("TDH.MMIO.MT.RD", 156, &[Rcx],
        &[V2_0_18.audit(&[(Rcx, "MMIOMT entry (module 2.0)"), (Rdx, "MMIOMT entry (module 2.0)"),
          (R8, "MMIOMT entry (module 2.0)"), (R9, "MMIOMT entry (module 2.0)")])]),
    Entry::new("TDH.MMIO.MT.REMOVE", 157, &[Rcx], NOT_AUDITED),
    Entry::new("TDH.MMIO.MAP", 158, &[Rcx, Rdx, R8], &[V2_0_18.audit(&[(Rcx, SEPT_ENTRY_2_0), (Rdx, SEPT_LEVEL_2_0)])]),
    Entry::new("TDH.MMIO.BLOCK", 159, &[Rcx, Rdx], &[V2_0_18.audit(&[(Rcx, SEPT_ENTRY_2_0), (Rdx, SEPT_LEVEL_2_0)])]),
    Entry::new("TDH.MMIO.UNMAP", 160, &[Rcx, Rdx],
        &[V2_0_18.audit(&[(Rcx, SEPT_ENTRY_2_0), (Rdx, SEPT_LEVEL_2_0),
          (R8, "unmapped MMIO page (module 2.0)")])]),
    Entry::new("TDH.IQ.INV.REQUEST", 161, &[Rcx, Rdx, R8, R9, R10, R11, R12],
        &[V2_0_18.audit(&[(Rcx, "pending invalidations, or 0 (module 2.0)")])]),
    Entry::new("TDH.IQ.INV.PROCESS", 162, &[Rcx], NOT_AUDITED),
    Entry::new("TDH.MEM.SHARED.SEPT.WR", 163, &[Rcx, Rdx, R8],
        &[V2_0_18.audit(&[(Rcx, SEPT_ENTRY_2_0), (Rdx, SEPT_LEVEL_2_0)])]),
    Entry::new("TDH.MEM.SHARED.SEPT.WR", 163, &[Rcx, Rdx, R8, R9, R10, R11],
        &[V2_0_18.audit(&[(Rcx, SEPT_ENTRY_2_0), (Rdx, SEPT_LEVEL_2_0)])]).v(1).covers_higher(),
    Entry::new("TDH.DEVIF.MT.ADD", 164, &[Rcx, Rdx], NOT_AUDITED),
    Entry::new("TDH.DEVIF.MT.REMOVE", 165, &[Rcx], NOT_AUDITED),
    Entry::new("TDH.DEVIF.MT.RD", 166, &[Rcx], &[V2_0_18.audit(&[(Rcx, "DEVIFMT entry (module 2.0)")])]),
    Entry::new("P-SEAMLDR.INFO", 0, &[Rcx], NOT_AUDITED).seamldr(),
    Entry::new("P-SEAMLDR.INSTALL", 1, &[Rcx], NOT_AUDITED).seamldr(),
];
