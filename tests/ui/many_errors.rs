use seamcall_core::{seamcall, SeamcallError};

// Three mistakes in one declaration: all three are reported in one build.
#[seamcall(leaf = 70000, in = [rcx, rsp], out = [r8])]
fn f(a: u64, b: u64) -> Result<(), SeamcallError>;

fn main() {}
