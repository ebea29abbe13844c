use seamcall_core::{seamcall, SeamcallError};

#[seamcall(leaf = 300, in = rcx, out = (r8), unchecked)]
unsafe fn f(a: u64) -> Result<u64, SeamcallError>;

fn main() {}
