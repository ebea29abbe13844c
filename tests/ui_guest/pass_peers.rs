//! The peers' calls written with `#[tdvmcall]`: the register contracts of
//! coconut-svsm/svsm kernel/src/tdx/tdcall.rs@f4bc4bcd, td-shim
//! tdx-tdcall/src/asm and td-shim/src/bin/td-shim/asm/ap_loop.asm@125eeab,
//! and microsoft/openvmm vm/x86/tdcall/src/lib.rs@1488a37b, where the mask
//! and the operand list disagree. Each compiles, and each binds what the
//! peer missed by construction.

use seamcall_core::guest::TdvmcallError;
use seamcall_core::tdvmcall;

// COCONUT tdvmcall_rdmsr exposed R12 but declared it input only: here R12
// is exposed (mask 0x1C00) and, as every exposed input, clobbered.
#[tdvmcall(subfn = 0x1F, in = [r12], out = [r11])]
pub unsafe fn rdmsr(msr: u32) -> Result<u64, TdvmcallError>;

// COCONUT tdvmcall_wrmsr exposed R10-R13 and declared R10 only.
#[tdvmcall(subfn = 0x20, in = [r12, r13])]
pub unsafe fn wrmsr(msr: u32, value: u64) -> Result<(), TdvmcallError>;

// COCONUT tdvmcall_map_gpa left R12/R13 undeclared in its loop; the raw
// form keeps R11 (the resume GPA on RETRY).
#[tdvmcall(subfn = 0x10001, in = [r12, r13], out = [r11])]
pub unsafe fn map_gpa(gpa: u64, size: u64) -> (Result<(), TdvmcallError>, u64);

// COCONUT tdvmcall_report_fatal_error declared no output, not even RAX.
#[tdvmcall(subfn = 0x10003, in = [r12, r13], safe)]
pub fn report_fatal_error(code: u64, gpa: u64) -> Result<(), TdvmcallError>;

// COCONUT's Hyper-V call sent an uninitialised R11: here R11 is exposed
// and, with no input value, goes in as 0; RDX and R8 are clobbered.
#[tdvmcall(in = [r10, rdx, r8], out = [r11])]
pub unsafe fn hyperv(control: u64, input: u64, output: u64) -> Result<u64, TdvmcallError>;

// td-shim's AP loop exposed RBX (0xFFCC) and then used RBX: an exposed RBX
// is handed back with the caller's value by the block.
#[tdvmcall(subfn = 0xA, in = [r12, r13], out = [r12, r13, r14, r15], clobber = [rbx])]
pub unsafe fn cpuid(leaf: u32, subleaf: u32) -> Result<(u32, u32, u32, u32), TdvmcallError>;

// OpenVMM's I/O mask 0xFF00 exposed R8-R15 against its comment: the mask
// is computed, R10-R15 (0xFC00).
#[tdvmcall(subfn = 0x1E, in = [r12, r13, r14, r15], out = [r11])]
pub unsafe fn io(size: u64, write: u64, port: u16, value: u64) -> Result<u64, TdvmcallError>;

fn main() {}
