//! The module may zero XMM0-15 after the migration leaves.
use seamcall_core::{seamcall, SeamcallError};

#[seamcall(leaf = 71, in = [rcx, r8, r10], clobber = [xmm0, xmm1])]
unsafe fn tdh_export_track(a: u64, b: u64, c: u64) -> Result<(), SeamcallError>;

fn main() {}
