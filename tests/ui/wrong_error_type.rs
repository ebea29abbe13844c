use seamcall_core::seamcall;

#[derive(Debug)]
pub struct MyError;

// The error type of the `Result` form is `SeamcallError`: rustc points at
// the one written here.
#[seamcall(leaf = 11, in = [rcx, rdx], out = [r8])]
unsafe fn tdh_mng_rd(tdr: u64, field: u64) -> Result<u64, MyError>;

fn main() {}
