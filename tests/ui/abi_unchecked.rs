//! `unchecked`: required for a leaf whose writes were not audited, refused
//! where the table knows the leaf and the declaration matches it.
use seamcall_core::{seamcall, SeamcallError};

#[seamcall(leaf = 69)]
unsafe fn tdh_sys_disable() -> Result<(), SeamcallError>;

#[seamcall(leaf = 69, clobber = [rcx, rdx, r8, r9, r10, r11], unchecked)]
unsafe fn tdh_sys_disable_ok() -> Result<(), SeamcallError>;

#[seamcall(leaf = 11, in = [rcx, rdx], out = [r8], unchecked)]
unsafe fn tdh_mng_rd(tdr: u64, field: u64) -> Result<u64, SeamcallError>;

// A leaf number the table does not know is not checked.
#[seamcall(leaf = 300, in = [rcx])]
unsafe fn private_leaf(a: u64) -> Result<(), SeamcallError>;

fn main() {}
