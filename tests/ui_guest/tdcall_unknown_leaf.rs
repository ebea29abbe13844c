// Leaf 29 (TDG.MR.KEY.GET) is not in module 1.5.01: no audited register set.
use seamcall_core::guest::TdcallError;
use seamcall_core::tdcall;

#[tdcall(leaf = 29, in = [rcx, rdx, r8], out = [r9])]
unsafe fn key_get(req: u64, key: u64, info: u64) -> Result<u64, TdcallError>;

fn main() {}
