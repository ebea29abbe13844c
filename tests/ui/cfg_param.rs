// Parameters bind to `in` registers by position before rustc strips
// `#[cfg]`: a parameter configured away would shift the registers (or, with
// a same-named const in scope, pass the const), so both are refused.
use seamcall_core::{seamcall, SeamcallError};

#[allow(non_upper_case_globals)]
const a: u64 = 7;

#[seamcall(leaf = 300, in = [rcx], unchecked)]
unsafe fn f(#[cfg(any())] a: u64) -> Result<(), SeamcallError>;

#[seamcall(leaf = 300, in = [rcx], unchecked)]
unsafe fn g(#[cfg_attr(all(), allow(unused))] b: u64) -> Result<(), SeamcallError>;

fn main() {}
