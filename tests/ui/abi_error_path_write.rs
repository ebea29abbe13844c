//! TDH.SYS.INIT zeroes RCX, RDX and R8-R10 on every run and fills them with
//! CPUID details when its check fails. Linux passes RCX and reads nothing;
//! forgetting that the module overwrites the input RCX is an error.
use seamcall_core::{seamcall, SeamcallError};

#[seamcall(leaf = 33, in = [rcx], clobber = [rdx, r8, r9, r10])]
unsafe fn tdh_sys_init(attributes: u64) -> Result<(), SeamcallError>;

fn main() {}
