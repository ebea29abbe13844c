use seamcall_core::{seamcall, SeamcallError};

#[seamcall(leaf = 300, in = [rcx], unchecked)]
async unsafe fn f(a: u64) -> Result<(), SeamcallError>;

fn main() {}
