// No GHCI call passes vector registers.
use seamcall_core::guest::TdvmcallError;
use seamcall_core::tdvmcall;

#[tdvmcall(subfn = 0x10005, in = [r12], clobber = [xmm0])]
unsafe fn service(cmd: u64) -> Result<(), TdvmcallError>;

fn main() {}
