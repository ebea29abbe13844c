use seamcall_core::{seamcall, SeamcallError};

#[seamcall(leaf = 300, in = [rcx, rdx, rcx], unchecked)]
unsafe fn f(a: u64, b: u64, c: u64) -> Result<(), SeamcallError>;

fn main() {}
