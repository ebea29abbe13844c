// tdx-guest's TDG.VP.ENTER stub stores its outputs through RDI, which the
// module sets to the L2's CS base. With the macro the outputs are values,
// and a declaration that leaves RDI (or any other register the leaf
// writes, RBP and the vector registers included) undeclared is refused.
use seamcall_core::tdcall;
use seamcall_core::TdxStatus;

#[tdcall(leaf = 25, in = [rcx, rdx], out = [rcx, rdx, r8, r9, r10, r11, r12, r13, r14, r15])]
#[allow(clippy::type_complexity)]
unsafe fn vp_enter(
    flags: u64,
    state: u64,
) -> (TdxStatus, (u64, u64, u64, u64, u64, u64, u64, u64, u64, u64));

fn main() {}
