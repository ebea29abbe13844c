//! Every accepted form of `#[tdcall]` and `#[tdvmcall]` compiles.

use seamcall_core::guest::{TdcallError, TdvmcallError};
use seamcall_core::{tdcall, tdvmcall, TdxStatus};

#[tdcall(leaf = 1, out = [rcx, rdx, r8, r9, r10, r11], safe)]
pub fn vp_info() -> Result<(u64, u64, u64, u64, u64, u64), TdcallError>;

#[tdcall(leaf = 7, version = 1, in = [rcx, rdx], out = [rdx, r8])]
pub unsafe fn vm_rd_v1(vm: u64, field: u64) -> (TdxStatus, (u64, u64));

#[tdcall(leaf = 6, in = [rcx])]
pub unsafe fn accept(page: u64) -> Result<(), TdcallError>;

const PAGE_ACCEPT: u16 = 6;

#[tdcall(leaf = PAGE_ACCEPT, in = [rcx])]
pub unsafe fn accept_path(page: u64) -> Result<(), TdcallError>;

#[tdcall(leaf = 25, in = [rcx, rdx],
         out = [rcx, rdx, rbx, rsi, rdi, r8, r9, r10, r11, r12, r13, r14, r15],
         clobber = [rbp, xmm0, xmm1, xmm2, xmm3, xmm4, xmm5, xmm6, xmm7, xmm8, xmm9, xmm10,
                    xmm11, xmm12, xmm13, xmm14, xmm15],
         scrub)]
#[allow(clippy::type_complexity)]
pub unsafe fn vp_enter(
    flags: u64,
    state: u64,
) -> (TdxStatus, (u64, u64, u64, u64, u64, u64, u64, u64, u64, u64, u64, u64, u64));

#[tdvmcall(subfn = 0x1F, in = [r12], out = [r11])]
pub unsafe fn rdmsr(msr: u32) -> Result<u64, TdvmcallError>;

#[tdvmcall(subfn = 0x10001, in = [r12, r13], out = [r11])]
pub unsafe fn map_gpa(gpa: u64, size: u64) -> (Result<(), TdvmcallError>, u64);

#[tdvmcall(subfn = 0x10003, in = [r12, r13, r14, r15, rbx, rdi, rsi, r8, r9, rdx], safe, no_scrub)]
#[allow(clippy::too_many_arguments)]
pub fn fatal(a: u64, b: u64, c: u64, d: u64, e: u64, f: u64, g: u64, h: u64, i: u64, j: u64)
    -> Result<(), TdvmcallError>;

#[tdvmcall(vendor = 5, in = [r11, r12])]
pub unsafe fn kvm_kick(flags: u64, apic: u64) -> Result<(), TdvmcallError>;

#[tdvmcall(in = [r10, rdx, r8], out = [r11])]
pub unsafe fn hyperv(control: u64, input: u64, output: u64) -> Result<u64, TdvmcallError>;

#[tdvmcall(subfn = 0x10000, in = [r12], out = [r11, r12, r13, r14], clobber = [rbx], safe)]
pub fn info(leaf: u64) -> Result<(u64, u64, u64, u64), TdvmcallError>;

fn main() {}
