use seamcall_core::{seamcall, SeamcallError};

struct Td;

impl Td {
    #[seamcall(leaf = 300, in = [rcx], unchecked)]
    unsafe fn f(&self) -> Result<(), SeamcallError>;
}

fn main() {}
