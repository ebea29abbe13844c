use seamcall_core::{seamcall, SeamcallError};

#[seamcall(leaf = 300, out = [rsp], unchecked)]
unsafe fn f() -> Result<u64, SeamcallError>;

fn main() {}
