use seamcall_core::{seamcall, SeamcallError};

#[seamcall(leaf = 0x10000, in = [rcx])]
unsafe fn big(a: u64) -> Result<(), SeamcallError>;

fn main() {}
