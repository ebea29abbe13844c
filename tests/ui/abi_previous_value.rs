//! TDH.VP.WR returns the field's previous value in R8, an input register.
use seamcall_core::{seamcall, SeamcallError};

#[seamcall(leaf = 43, in = [rcx, rdx, r8, r9])]
unsafe fn tdh_vp_wr(tdvpr: u64, field: u64, value: u64, mask: u64) -> Result<(), SeamcallError>;

// Either fix compiles: the old value as an output, or R8 as a clobbered input.
#[seamcall(leaf = 43, in = [rcx, rdx, r8, r9], out = [r8])]
unsafe fn tdh_vp_wr_old(tdvpr: u64, field: u64, value: u64, mask: u64) -> Result<u64, SeamcallError>;

#[seamcall(leaf = 43, in = [rcx, rdx, r8, r9], clobber = [r8])]
unsafe fn tdh_vp_wr_clobber(tdvpr: u64, field: u64, value: u64, mask: u64) -> Result<(), SeamcallError>;

fn main() {}
