// TDG.VM.RD version 1 also returns the next field ID in RDX.
use seamcall_core::guest::TdcallError;
use seamcall_core::tdcall;

#[tdcall(leaf = 7, version = 1, in = [rcx, rdx], out = [r8], safe)]
fn vm_rd(vm: u64, field: u64) -> Result<u64, TdcallError>;

fn main() {}
