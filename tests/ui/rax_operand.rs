use seamcall_core::{seamcall, SeamcallError};

#[seamcall(leaf = 300, in = [rax], unchecked)]
unsafe fn f(a: u64) -> Result<(), SeamcallError>;

fn main() {}
