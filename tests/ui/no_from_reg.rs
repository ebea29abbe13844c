use seamcall_core::{seamcall, SeamcallError};

struct Handle(u64);

#[seamcall(leaf = 300, out = [r8], unchecked)]
unsafe fn f() -> Result<Handle, SeamcallError>;

fn main() {}
