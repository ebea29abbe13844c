//! Declarations of what newer modules accept compile without `unchecked`:
//! an input is accepted if any audited release reads it.
use seamcall_core::{seamcall, SeamcallError, TdxStatus};

// Linux mainline's TDH.VP.INIT (arch/x86/virt/vmx/tdx/tdx.c: version 1,
// R8 = x2APIC ID).
#[seamcall(leaf = 22, version = 1, in = [rcx, rdx, r8])]
pub unsafe fn tdh_vp_init(tdvpr: u64, initial_rcx: u64, x2apic_id: u64) -> Result<(), SeamcallError>;

// TDH.MNG.INIT reads R8 (perfmon event filters) from module 1.5.09 on.
#[seamcall(leaf = 21, in = [rcx, rdx, r8], out = [rcx])]
pub unsafe fn tdh_mng_init(tdr: u64, td_params: u64, event_filters: u64) -> (TdxStatus, u64);

// TDH.MEM.PAGE.DEMOTE reads two PAMT pages in R12/R13 from 1.5.16 on.
#[seamcall(
    leaf = 15, in = [rcx, rdx, r8, r9, r10, r11, r12, r13], out = [rcx, rdx],
    clobber = [r9, r10, r11]
)]
pub unsafe fn tdh_mem_page_demote(
    gpa: u64, tdr: u64, sept: u64, l2a: u64, l2b: u64, l2c: u64, pamt1: u64, pamt2: u64,
) -> (TdxStatus, (u64, u64));

// TDH.MEM.PAGE.PROMOTE with the freed PAMT pages.
#[seamcall(leaf = 23, in = [rcx, rdx], out = [rcx, rdx, r12, r13])]
pub unsafe fn tdh_mem_page_promote(gpa: u64, tdr: u64) -> (TdxStatus, (u64, u64, u64, u64));

// Dynamic PAMT leaves (1.5.20 and later).
#[seamcall(leaf = 58, in = [rcx, rdx, r8])]
pub unsafe fn tdh_phymem_pamt_add(hpa: u64, p1: u64, p2: u64) -> Result<(), SeamcallError>;

#[seamcall(leaf = 59, in = [rcx], out = [rdx, r8])]
pub unsafe fn tdh_phymem_pamt_remove(hpa: u64) -> Result<(u64, u64), SeamcallError>;

// The version-1 forms of the setup leaves.
#[seamcall(leaf = 33, version = 1, in = [rcx, r8], out = [rcx, rdx, r8, r9, r10])]
pub unsafe fn tdh_sys_init_v1(attributes: u64, diag: u64) -> (TdxStatus, (u64, u64, u64, u64, u64));

#[seamcall(leaf = 45, version = 1, in = [rcx, rdx, r8, r9, r10])]
pub unsafe fn tdh_sys_config_v1(a: u64, n: u64, opts: u64, flags: u64, rsvd: u64) -> Result<(), SeamcallError>;

#[seamcall(leaf = 53, version = 1, in = [r9, r10])]
pub unsafe fn tdh_sys_update_v1(flags: u64, rsvd: u64) -> Result<(), SeamcallError>;

fn main() {}
