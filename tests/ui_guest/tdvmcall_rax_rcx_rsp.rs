// RAX carries leaf 0 and the status, RCX the mask, RSP is never exposed.
use seamcall_core::guest::TdvmcallError;
use seamcall_core::tdvmcall;

#[tdvmcall(subfn = 0x1F, in = [rax, rcx], out = [rsp])]
unsafe fn f(a: u64, b: u64) -> Result<u64, TdvmcallError>;

fn main() {}
