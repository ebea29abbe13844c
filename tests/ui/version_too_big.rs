use seamcall_core::{seamcall, SeamcallError};

#[seamcall(leaf = 300, version = 256, in = [rcx], unchecked)]
unsafe fn v(a: u64) -> Result<(), SeamcallError>;

fn main() {}
