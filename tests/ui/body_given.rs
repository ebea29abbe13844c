use seamcall_core::{seamcall, SeamcallError};

#[seamcall(leaf = 300, in = [rcx], unchecked)]
unsafe fn f(a: u64) -> Result<(), SeamcallError> {
    let _ = a;
}

fn main() {}
