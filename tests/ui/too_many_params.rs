use seamcall_core::{seamcall, SeamcallError};

#[seamcall(leaf = 300, in = [rcx], unchecked)]
unsafe fn f(a: u64, b: u64) -> Result<(), SeamcallError>;

fn main() {}
