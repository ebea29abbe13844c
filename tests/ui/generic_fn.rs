use seamcall_core::{seamcall, SeamcallError};

#[seamcall(leaf = 300, in = [rcx], unchecked)]
unsafe fn f<T: Into<u64>>(a: T) -> Result<(), SeamcallError>;

fn main() {}
