//! `unchecked`: required for a leaf whose writes were not audited and for a
//! leaf number the ABI table does not know; refused where the table knows
//! the leaf and the declaration matches it; and never an excuse for leaving
//! out a register the audit says the module writes.
use seamcall_core::{seamcall, SeamcallError};

#[seamcall(leaf = 69)]
unsafe fn tdh_sys_disable() -> Result<(), SeamcallError>;

#[seamcall(leaf = 69, clobber = [rcx, rdx, rsi, rdi, r8, r9, r10, r11], unchecked)]
unsafe fn tdh_sys_disable_ok() -> Result<(), SeamcallError>;

#[seamcall(leaf = 11, in = [rcx, rdx], out = [r8], unchecked)]
unsafe fn tdh_mng_rd(tdr: u64, field: u64) -> Result<u64, SeamcallError>;

// A leaf number the table does not know needs `unchecked` as well, for
// TDX-module and P-SEAMLDR leaves alike.
#[seamcall(leaf = 300, in = [rcx])]
unsafe fn private_leaf(a: u64) -> Result<(), SeamcallError>;

#[seamcall(leaf = 300, in = [rcx], clobber = [rcx, rdx, rsi, rdi, r8, r9, r10, r11], unchecked)]
unsafe fn private_leaf_ok(a: u64) -> Result<(), SeamcallError>;

#[seamcall(leaf = 7, seamldr, in = [rcx])]
unsafe fn private_seamldr_leaf(a: u64) -> Result<(), SeamcallError>;

// `unchecked` does not excuse a register the audit says the module writes:
// TDH.VP.WR returns the previous value in R8, and the compiler would keep
// using R8 as if it still held `value`.
#[seamcall(leaf = 43, in = [rcx, rdx, r8, r9], unchecked)]
unsafe fn tdh_vp_wr(tdvpr: u64, field: u64, value: u64, mask: u64) -> Result<(), SeamcallError>;

// What it does relax: an input the leaf does not read, an output it never
// writes. Every register the module writes is still covered: this compiles.
#[seamcall(leaf = 43, in = [rcx, rdx, r8, r9, r10], out = [r8, r12], unchecked)]
unsafe fn tdh_vp_wr_relaxed(
    tdvpr: u64,
    field: u64,
    value: u64,
    mask: u64,
    extra: u64,
) -> Result<(u64, u64), SeamcallError>;

fn main() {}
