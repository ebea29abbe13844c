//! The TDCALL table: every TDG leaf the TDX module 1.5.01 dispatcher
//! accepts, with the registers it reads and every register it may write on
//! any path.
//!
//! Source: `tdcall-leaves.tsv`, an audit of intel/tdx-module at tag
//! TDX_1.5.01 (commit 72d8cffb), vendored in this repository under
//! `tests/data/tdx-abi/guest/` (`tests/guest_abi.rs` checks the rows
//! against it). Leaves seen only in later module source or only in peers
//! (TDG.MR.KEY.GET, the TDX Connect leaves, TDG.MEM.PAGE.RELEASE,
//! TDG.SERVTD.REBIND.APPROVE, TDG.DEBUG) have no audited register set and no
//! row. TDG.VP.VMCALL (leaf 0) writes what its RCX mask exposes, so its row
//! has no audit: `#[tdcall]` refuses it and `#[tdvmcall]` derives the
//! registers from the declaration ([`crate::vmcall`]).

use crate::Reg::*;
use crate::Release::V1_5_01;
use crate::{Entry, Releases, Table};

/// The guest side: every leaf `TDCALL` selects through RAX.
pub const TDCALL: Table = Table {
    insn: "TDCALL",
    rows: ROWS,
    audited: Releases::of(V1_5_01),
    facts: "tests/data/tdx-abi/guest/tdcall-leaves.tsv",
};

const NEXT_FIELD: &str = "next field ID, -1 if none";
const FIELD_VALUE: &str = "field value, 0 on error";
const UUID: &str = "target TD UUID on TDX_TARGET_UUID_UPDATED";

#[rustfmt::skip]
const ROWS: &[Entry] = &[
    Entry::new("TDG.VP.VMCALL", 0, &[Rcx], &[]),
    Entry::new("TDG.VP.INFO", 1, &[], &[V1_5_01.audit(&[
        (Rcx, "GPA width"), (Rdx, "TD attributes"), (R8, "NUM_VCPUS | MAX_VCPUS << 32"),
        (R9, "vCPU index"), (R10, "available-leaves bitmap"), (R11, "reserved, 0")])]),
    Entry::new("TDG.MR.RTMR.EXTEND", 2, &[Rcx, Rdx], &[V1_5_01.audit(&[])]),
    Entry::new("TDG.VP.VEINFO.GET", 3, &[], &[V1_5_01.audit(&[
        (Rcx, "exit reason"), (Rdx, "exit qualification"), (R8, "guest linear address"),
        (R9, "guest physical address"), (R10, "instruction length | info << 32")])]),
    Entry::new("TDG.MR.REPORT", 4, &[Rcx, Rdx, R8], &[V1_5_01.audit(&[])]),
    Entry::new("TDG.VP.CPUIDVE.SET", 5, &[Rcx], &[V1_5_01.audit(&[])]),
    Entry::new("TDG.MEM.PAGE.ACCEPT", 6, &[Rcx], &[V1_5_01.audit(&[])]),
    Entry::new("TDG.VM.RD", 7, &[Rcx, Rdx], &[V1_5_01.audit(&[(R8, FIELD_VALUE)])]),
    Entry::new("TDG.VM.RD", 7, &[Rcx, Rdx],
        &[V1_5_01.audit(&[(Rdx, NEXT_FIELD), (R8, FIELD_VALUE)])]).v(1),
    Entry::new("TDG.VM.WR", 8, &[Rcx, Rdx, R8, R9], &[V1_5_01.audit(&[(R8, "previous value, 0 on error")])]),
    Entry::new("TDG.VP.RD", 9, &[Rcx, Rdx], &[V1_5_01.audit(&[(Rdx, NEXT_FIELD), (R8, FIELD_VALUE)])]),
    Entry::new("TDG.VP.WR", 10, &[Rcx, Rdx, R8, R9], &[V1_5_01.audit(&[(R8, "previous value")])]),
    Entry::new("TDG.SYS.RD", 11, &[Rdx], &[V1_5_01.audit(&[(Rdx, NEXT_FIELD), (R8, FIELD_VALUE)])]),
    Entry::new("TDG.SYS.RDALL", 12, &[Rdx, R8], &[V1_5_01.audit(&[(R8, "next field ID, -1 when done")])]),
    Entry::new("TDG.SERVTD.RD", 18, &[Rcx, Rdx, R10, R11, R12, R13], &[V1_5_01.audit(&[
        (Rdx, NEXT_FIELD), (R8, FIELD_VALUE), (R10, UUID), (R11, UUID), (R12, UUID),
        (R13, UUID)])]),
    Entry::new("TDG.SERVTD.WR", 20, &[Rcx, Rdx, R8, R9, R10, R11, R12, R13], &[V1_5_01.audit(&[
        (R8, "previous value, 0 on error"), (R10, UUID), (R11, UUID), (R12, UUID),
        (R13, UUID)])]),
    Entry::new("TDG.MR.VERIFYREPORT", 22, &[Rcx], &[V1_5_01.audit(&[])]),
    Entry::new("TDG.MEM.PAGE.ATTR.RD", 23, &[Rcx], &[V1_5_01.audit(&[
        (Rcx, "GPA mapping with level and PENDING, 0 on error"),
        (Rdx, "attributes per VM, 0 on error")])]),
    Entry::new("TDG.MEM.PAGE.ATTR.WR", 24, &[Rcx, Rdx, R8], &[V1_5_01.audit(&[
        (Rcx, "GPA mapping, 0 on error"),
        (Rdx, "resulting attributes, current ones on TDX_PAGE_ATTR_INVALID")])]),
    Entry::new("TDG.VP.ENTER", 25, &[Rcx, Rdx], &[V1_5_01.audit(&[
        (Rcx, "exit qualification"), (Rdx, "guest linear address"), (Rbx, "0"),
        (Rbp, "the L2's RBP"), (Rsi, "CS selector, attributes, limit"), (Rdi, "CS base"),
        (R8, "guest physical address"), (R9, "interruption information"),
        (R10, "IDT vectoring information"), (R11, "instruction length and information"),
        (R12, "extra information (CPL)"), (R13, "extended exit qualification"),
        (R14, "0"), (R15, "0")])]).xmm(),
    Entry::new("TDG.VP.INVEPT", 26, &[Rcx], &[V1_5_01.audit(&[])]),
    Entry::new("TDG.VP.INVVPID", 27, &[Rcx, Rdx], &[V1_5_01.audit(&[(Rdx, "list info advanced (list mode)")])]),
];
