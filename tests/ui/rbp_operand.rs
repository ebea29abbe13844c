use seamcall_core::{seamcall, SeamcallError};

#[seamcall(leaf = 300, in = [rbp], unchecked)]
unsafe fn f(a: u64) -> Result<(), SeamcallError>;

fn main() {}
