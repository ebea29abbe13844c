// The error type is TdvmcallError: another is reported at its span.
use seamcall_core::guest::TdcallError;
use seamcall_core::tdvmcall;

#[tdvmcall(subfn = 0x1F, in = [r12], out = [r11])]
unsafe fn rdmsr(msr: u32) -> Result<u64, TdcallError>;

fn main() {}
