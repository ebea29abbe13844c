use seamcall_core::{seamcall, SeamcallError};

#[seamcall(leaf = 300, in = [rcx, r16], out = [eax], unchecked)]
unsafe fn f(a: u64, b: u64) -> Result<u64, SeamcallError>;

fn main() {}
