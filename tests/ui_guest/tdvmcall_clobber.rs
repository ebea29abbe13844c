// Every exposed input and R10/R11 are clobbered by construction; a register
// in `out` is not also a clobber.
use seamcall_core::guest::TdvmcallError;
use seamcall_core::tdvmcall;

#[tdvmcall(subfn = 0x20, in = [r12, r13], out = [r14], clobber = [r12, r11, r14])]
unsafe fn wrmsr(msr: u32, value: u64) -> Result<u64, TdvmcallError>;

fn main() {}
