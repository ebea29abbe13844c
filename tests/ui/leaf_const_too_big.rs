use seamcall_core::{seamcall, SeamcallError};

const MY_LEAF: u64 = 0x1_0000;

#[seamcall(leaf = MY_LEAF, in = [rcx])]
unsafe fn f(a: u64) -> Result<(), SeamcallError>;

fn main() {
    let _ = unsafe { f(0) };
}
