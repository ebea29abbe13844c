use seamcall_core::{seamcall, SeamcallError};

#[seamcall(leaf = 300, out = [rcx, rdx], unchecked)]
unsafe fn two(  ) -> Result<u64, SeamcallError>;

#[seamcall(leaf = 301, out = [rcx], unchecked)]
unsafe fn one() -> Result<(u64, u64), SeamcallError>;

#[seamcall(leaf = 302, unchecked)]
unsafe fn none() -> Result<u64, SeamcallError>;

fn main() {}
