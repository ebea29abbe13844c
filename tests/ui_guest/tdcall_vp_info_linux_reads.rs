// TDG.VP.INFO writes RCX, RDX and R8-R11 on every call; a wrapper that
// declares only the registers Linux reads (RCX, RDX) under-declares four.
use seamcall_core::guest::TdcallError;
use seamcall_core::tdcall;

#[tdcall(leaf = 1, out = [rcx, rdx], safe)]
fn vp_info() -> Result<(u64, u64), TdcallError>;

fn main() {}
