// TDG.VP.VMCALL is leaf 0, but its registers are whatever the RCX mask
// exposes: #[tdcall] refuses it and points at #[tdvmcall].
use seamcall_core::guest::TdcallError;
use seamcall_core::tdcall;

#[tdcall(leaf = 0, in = [rcx, r10, r11, r12], out = [r11])]
unsafe fn vmcall(mask: u64, r10: u64, r11: u64, r12: u64) -> Result<u64, TdcallError>;

fn main() {}
