use seamcall_core::{seamcall, SeamcallError};

#[seamcall(leaf = 300, in = [rcx], unchecked)]
pub fn f(a: u64) -> Result<(), SeamcallError>;

fn main() {}
