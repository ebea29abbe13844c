//! TDH.MNG.RD writes RDX (the next field ID) only from version 1; version 0
//! with the same registers is fine.
use seamcall_core::{seamcall, SeamcallError};

#[seamcall(leaf = 11, version = 1, in = [rcx, rdx], out = [r8])]
unsafe fn tdh_mng_rd_v1(tdr: u64, field: u64) -> Result<u64, SeamcallError>;

#[seamcall(leaf = 11, in = [rcx, rdx], out = [r8])]
unsafe fn tdh_mng_rd(tdr: u64, field: u64) -> Result<u64, SeamcallError>;

// A version the table does not know needs `unchecked`.
#[seamcall(leaf = 11, version = 2, in = [rcx, rdx], out = [r8])]
unsafe fn tdh_mng_rd_v2(tdr: u64, field: u64) -> Result<u64, SeamcallError>;

fn main() {}
