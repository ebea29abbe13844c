use seamcall_core::{seamcall, SeamcallError};

struct Handle(u64);

#[seamcall(leaf = 300, in = [rcx, rdx], unchecked)]
unsafe fn f(a: u64, h: Handle) -> Result<(), SeamcallError>;

fn main() {}
