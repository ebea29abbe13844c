// Exposing RBP under NO_RBP_MOD makes the module reject the call (td-shim
// PR #861: an AP's CPUID TDVMCALL with mask 0xFFEC, then a triple fault;
// edk2 PR #5479 removed the bit).
use seamcall_core::guest::TdvmcallError;
use seamcall_core::tdvmcall;

#[tdvmcall(subfn = 0xA, in = [r12, r13], out = [r12, r13, r14, r15], clobber = [rbp])]
unsafe fn cpuid(leaf: u32, subleaf: u32) -> Result<(u32, u32, u32, u32), TdvmcallError>;

fn main() {}
