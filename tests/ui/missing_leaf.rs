use seamcall_core::{seamcall, SeamcallError};

#[seamcall(in = [rcx], out = [r8])]
unsafe fn no_leaf(a: u64) -> Result<u64, SeamcallError>;

fn main() {}
