// A call is standard (`subfn`) or vendor-specific (`vendor`, or R10 as a
// parameter), never both; `vendor = 0` is a standard call.
use seamcall_core::guest::TdvmcallError;
use seamcall_core::tdvmcall;

#[tdvmcall(in = [r12])]
unsafe fn none(a: u64) -> Result<(), TdvmcallError>;

#[tdvmcall(subfn = 1, vendor = 12, in = [r12])]
unsafe fn both(a: u64) -> Result<(), TdvmcallError>;

#[tdvmcall(vendor = 0, in = [r12])]
unsafe fn zero(a: u64) -> Result<(), TdvmcallError>;

#[tdvmcall(vendor = 12, in = [r10, r12])]
unsafe fn twice(nr: u64, a: u64) -> Result<(), TdvmcallError>;

fn main() {}
