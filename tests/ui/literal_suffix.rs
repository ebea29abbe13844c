// A number in the attribute takes no suffix: `28672u8` would otherwise be
// read as 28672 with the `u8` dropped, and `0x7000xyz` as 0x7000.
use seamcall_core::{seamcall, SeamcallError};

#[seamcall(leaf = 28672u8, unchecked)]
unsafe fn a() -> Result<(), SeamcallError>;

#[seamcall(leaf = 0x7000xyz, unchecked)]
unsafe fn b() -> Result<(), SeamcallError>;

#[seamcall(leaf = 300, version = 1abc, unchecked)]
unsafe fn c() -> Result<(), SeamcallError>;

#[seamcall(leaf = 300, retry = 10xyz, unchecked)]
unsafe fn d() -> Result<(), SeamcallError>;

fn main() {}
