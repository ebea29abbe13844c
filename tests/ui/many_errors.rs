use seamcall_core::{seamcall, SeamcallError};

// Four mistakes in one declaration (the leaf number, `rsp`, the success
// value, the missing `unsafe`): all four are reported in one build.
#[seamcall(leaf = 70000, in = [rcx, rsp], out = [r8])]
fn f(a: u64, b: u64) -> Result<(), SeamcallError>;

fn main() {}
