// Signature rules: unsafe unless `safe`, one parameter per `in` register,
// the success value per `out`, and a TdvmcallError result.
use seamcall_core::guest::TdvmcallError;
use seamcall_core::tdvmcall;

#[tdvmcall(subfn = 0x1F, in = [r12], out = [r11])]
fn rdmsr(msr: u32, extra: u64) -> Result<(u64, u64), TdvmcallError>;

#[tdvmcall(subfn = 0xC, in = [r12], safe)]
fn hlt(blocked: bool) -> u64;

fn main() {}
