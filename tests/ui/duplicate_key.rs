use seamcall_core::{seamcall, SeamcallError};

#[seamcall(leaf = 300, leaf = 301, unchecked)]
unsafe fn f() -> Result<(), SeamcallError>;

fn main() {}
