// A negative or too large number says which range the key takes.
use seamcall_core::{seamcall, SeamcallError};

#[seamcall(leaf = 300, version = -1, unchecked)]
unsafe fn f() -> Result<(), SeamcallError>;

#[seamcall(leaf = 300, retry = -1, unchecked)]
unsafe fn g() -> Result<(), SeamcallError>;

#[seamcall(leaf = 300, version = 99999999999999999999999, unchecked)]
unsafe fn h() -> Result<(), SeamcallError>;

fn main() {}
