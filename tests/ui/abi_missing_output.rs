//! TDH.MNG.RD returns the field in R8: a declaration without it in `out`
//! (or `clobber`) would let the compiler keep a live value in R8.
use seamcall_core::{seamcall, SeamcallError};

#[seamcall(leaf = 11, in = [rcx, rdx])]
unsafe fn tdh_mng_rd(tdr: u64, field: u64) -> Result<(), SeamcallError>;

fn main() {}
