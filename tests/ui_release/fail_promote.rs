//! TDH.MEM.PAGE.PROMOTE writes R12 and R13 (the two PAMT pages it frees) on
//! modules 1.5.20 and later when Dynamic PAMT is on: a declaration with
//! RCX and RDX only, which module 1.5.01's audit allowed, is refused at
//! both versions, with or without `unchecked`.
use seamcall_core::{seamcall, TdxStatus};

#[seamcall(leaf = 23, in = [rcx, rdx], out = [rcx, rdx])]
unsafe fn tdh_mem_page_promote(gpa: u64, tdr: u64) -> (TdxStatus, (u64, u64));

#[seamcall(leaf = 23, version = 1, in = [rcx, rdx], out = [rcx, rdx], clobber = [r9, r10, r11])]
unsafe fn tdh_mem_page_promote_v1(gpa: u64, tdr: u64) -> (TdxStatus, (u64, u64));

#[seamcall(leaf = 23, in = [rcx, rdx], out = [rcx, rdx], clobber = [r12], unchecked)]
unsafe fn tdh_mem_page_promote_unchecked(gpa: u64, tdr: u64) -> (TdxStatus, (u64, u64));

// Version 2 runs the version-1 handler: checked against the union of the
// version-1 rows, R12 and R13 included.
#[seamcall(leaf = 23, version = 2, in = [rcx, rdx], out = [rcx, rdx], clobber = [r9, r10, r11])]
unsafe fn tdh_mem_page_promote_v2(gpa: u64, tdr: u64) -> (TdxStatus, (u64, u64));

fn main() {}
