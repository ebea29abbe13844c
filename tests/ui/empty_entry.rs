// An entry with nothing in it is refused; one trailing comma is fine.
use seamcall_core::{seamcall, SeamcallError};

#[seamcall(,,leaf = 0x7000,, unchecked)]
unsafe fn f() -> Result<(), SeamcallError>;

#[seamcall(leaf = 300, unchecked,)]
unsafe fn g() -> Result<(), SeamcallError>;

fn main() {}
