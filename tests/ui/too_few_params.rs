use seamcall_core::{seamcall, SeamcallError};

#[seamcall(leaf = 300, in = [rcx, rdx, r8], unchecked)]
unsafe fn f(a: u64) -> Result<(), SeamcallError>;

fn main() {}
