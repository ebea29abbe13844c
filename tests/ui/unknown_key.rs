use seamcall_core::{seamcall, SeamcallError};

#[seamcall(leaf = 300, inputs = [rcx], unchecked)]
unsafe fn f() -> Result<(), SeamcallError>;

fn main() {}
