// Keys of #[tdcall] that TDG.VP.VMCALL has no use for, and unknown ones.
use seamcall_core::guest::TdvmcallError;
use seamcall_core::tdvmcall;

#[tdvmcall(leaf = 0, subfn = 0x1F, scrub, retry = 3, in = [r12], out = [r11])]
unsafe fn rdmsr(msr: u32) -> Result<u64, TdvmcallError>;

fn main() {}
