// RBP is never an operand of a TDG leaf; TDG.VP.ENTER, which returns the
// L2's RBP, clobbers it and the block saves it.
use seamcall_core::guest::TdcallError;
use seamcall_core::tdcall;

#[tdcall(leaf = 3, out = [rcx, rdx, r8, r9, r10, rbp, xmm0], safe)]
fn veinfo() -> Result<(u64, u64, u64, u64, u64, u64, u64), TdcallError>;

fn main() {}
