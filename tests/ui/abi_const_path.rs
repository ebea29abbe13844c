//! A leaf given as a path is checked by a generated `const` assertion.
use seamcall_core::{seamcall, SeamcallError};

const TDH_VP_WR: u16 = 43;

#[seamcall(leaf = TDH_VP_WR, in = [rcx, rdx, r8, r9])]
unsafe fn tdh_vp_wr(tdvpr: u64, field: u64, value: u64, mask: u64) -> Result<(), SeamcallError>;

const TDH_MNG_KEY_CONFIG: u64 = 8;

#[seamcall(leaf = TDH_MNG_KEY_CONFIG, in = [rcx, rdx])]
unsafe fn tdh_mng_key_config(tdr: u64, hkid: u64) -> Result<(), SeamcallError>;

// `unchecked` relaxes the `in`/`out` checks (this one compiles)...
#[seamcall(leaf = TDH_MNG_KEY_CONFIG, in = [rcx, rdx], unchecked)]
unsafe fn tdh_mng_key_config_unchecked(tdr: u64, hkid: u64) -> Result<(), SeamcallError>;

// ...but not a register the audit says the module writes (R8 here).
#[seamcall(leaf = TDH_VP_WR, in = [rcx, rdx, r8, r9], unchecked)]
unsafe fn tdh_vp_wr_unchecked(tdvpr: u64, field: u64, value: u64, mask: u64) -> Result<(), SeamcallError>;

// A value the table does not know needs `unchecked`.
const PRIVATE_LEAF: u16 = 300;

#[seamcall(leaf = PRIVATE_LEAF, in = [rcx])]
unsafe fn private_leaf(a: u64) -> Result<(), SeamcallError>;

#[seamcall(leaf = PRIVATE_LEAF, in = [rcx], clobber = [rcx, rdx, rsi, rdi, r8, r9, r10, r11], unchecked)]
unsafe fn private_leaf_ok(a: u64) -> Result<(), SeamcallError>;

// Version 2 of TDH.MNG.RD is checked against version 1's writes (module
// 1.5.01 writes RDX and R8 before it rejects the version).
const TDH_MNG_RD: u16 = 11;

#[seamcall(leaf = TDH_MNG_RD, version = 2, in = [rcx, rdx], out = [r8])]
unsafe fn tdh_mng_rd_v2(tdr: u64, field: u64) -> Result<u64, SeamcallError>;

#[seamcall(leaf = TDH_MNG_RD, version = 2, in = [rcx, rdx], out = [r8], clobber = [rdx])]
unsafe fn tdh_mng_rd_v2_ok(tdr: u64, field: u64) -> Result<u64, SeamcallError>;

fn main() {}
