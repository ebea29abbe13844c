//! Reading back a register the leaf never writes returns its input, not a
//! result.
use seamcall_core::{seamcall, SeamcallError};

#[seamcall(leaf = 11, in = [rcx, rdx], out = [r8, r12])]
unsafe fn tdh_mng_rd(tdr: u64, field: u64) -> Result<(u64, u64), SeamcallError>;

fn main() {}
