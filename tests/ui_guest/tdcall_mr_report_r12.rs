// OpenVMM's tdcall_mr_report (vm/x86/tdcall/src/lib.rs@1488a37b:902-928)
// puts the REPORTDATA pointer in R12; the module reads it from RDX.
use seamcall_core::guest::TdcallError;
use seamcall_core::tdcall;

#[tdcall(leaf = 4, in = [rcx, r12, r8])]
unsafe fn mr_report(report: u64, report_data: u64, subtype: u64) -> Result<(), TdcallError>;

fn main() {}
