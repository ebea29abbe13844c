use seamcall_core::{seamcall, SeamcallError};

#[seamcall(leaf = 300, out = [rcx, rdx])]
unsafe fn two(  ) -> Result<u64, SeamcallError>;

#[seamcall(leaf = 301, out = [rcx])]
unsafe fn one() -> Result<(u64, u64), SeamcallError>;

#[seamcall(leaf = 302)]
unsafe fn none() -> Result<u64, SeamcallError>;

fn main() {}
