// A `leaf` that cannot be read gets one error, not a second "missing `leaf`".
use seamcall_core::{seamcall, SeamcallError};

#[seamcall(leaf = "11", unchecked)]
unsafe fn f() -> Result<(), SeamcallError>;

#[seamcall(leaf, unchecked)]
unsafe fn g() -> Result<(), SeamcallError>;

#[seamcall(leaf = -1, unchecked)]
unsafe fn h() -> Result<(), SeamcallError>;

fn main() {}
