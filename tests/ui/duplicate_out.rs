use seamcall_core::{seamcall, SeamcallError};

#[seamcall(leaf = 300, out = [r8, r8], unchecked)]
unsafe fn f() -> Result<(u64, u64), SeamcallError>;

fn main() {}
