// The "R10 trap": in a standard GHCI call R10 goes in as 0 and comes back
// as the VMM's status, which the function turns into `Err`. It is not an
// input, not an output, and cannot be left unexposed; R11 carries the
// sub-function.
use seamcall_core::guest::TdvmcallError;
use seamcall_core::tdvmcall;

#[tdvmcall(subfn = 0x1F, in = [r11, r12], out = [r10])]
unsafe fn rdmsr(subfn: u64, msr: u32) -> Result<u64, TdvmcallError>;

fn main() {}
