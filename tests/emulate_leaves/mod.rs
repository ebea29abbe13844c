//! Host leaves the model implements, declared with `#[seamcall]` for the
//! emulation tests, with the registers module 1.5.01 may write
//! (`tests/data/tdx-abi/writes.tsv`) in `out` or `clobber`.
//!
//! To be replaced by the leaf catalog (`seamcall_core::leaves`) once it
//! exists.
#![allow(dead_code)]

use seamcall_core::{seamcall, SeamcallError, TdxStatus};

#[seamcall(leaf = 33, in = [rcx], clobber = [rcx, rdx, r8, r9, r10])]
pub unsafe fn sys_init(attributes: u64) -> Result<(), SeamcallError>;
#[seamcall(leaf = 35, clobber = [rcx, rdx, r8])]
pub unsafe fn sys_lp_init() -> Result<(), SeamcallError>;
#[seamcall(leaf = 45, in = [rcx, rdx, r8])]
pub unsafe fn sys_config(tdmr_list: u64, count: u64, global_hkid: u64)
    -> Result<(), SeamcallError>;
#[seamcall(leaf = 31)]
pub unsafe fn sys_key_config() -> Result<(), SeamcallError>;
#[seamcall(leaf = 36, in = [rcx], out = [rdx])]
pub unsafe fn sys_tdmr_init(tdmr: u64) -> Result<u64, SeamcallError>;
#[seamcall(leaf = 34, in = [rdx], out = [r8, rdx])]
pub unsafe fn sys_rd(field: u64) -> Result<(u64, u64), SeamcallError>;

#[seamcall(leaf = 9, in = [rcx, rdx])]
pub unsafe fn mng_create(tdr: u64, hkid: u64) -> Result<(), SeamcallError>;
#[seamcall(leaf = 8, in = [rcx])]
pub unsafe fn mng_key_config(tdr: u64) -> Result<(), SeamcallError>;
#[seamcall(leaf = 1, in = [rcx, rdx])]
pub unsafe fn mng_addcx(page: u64, tdr: u64) -> Result<(), SeamcallError>;
#[seamcall(leaf = 21, in = [rcx, rdx], out = [rcx])]
pub unsafe fn mng_init(tdr: u64, td_params: u64) -> Result<u64, SeamcallError>;
#[seamcall(leaf = 10, in = [rcx, rdx])]
pub unsafe fn vp_create(tdvpr: u64, tdr: u64) -> Result<(), SeamcallError>;
#[seamcall(leaf = 4, in = [rcx, rdx])]
pub unsafe fn vp_addcx(page: u64, tdvpr: u64) -> Result<(), SeamcallError>;
#[seamcall(leaf = 22, version = 1, in = [rcx, rdx, r8])]
pub unsafe fn vp_init(tdvpr: u64, rcx: u64, x2apic_id: u64) -> Result<(), SeamcallError>;
#[seamcall(leaf = 22, in = [rcx, rdx])]
pub unsafe fn vp_init_v0(tdvpr: u64, rcx: u64) -> Result<(), SeamcallError>;
#[seamcall(leaf = 3, in = [rcx, rdx, r8], clobber = [rcx, rdx, r8, r9, r10, r11])]
pub unsafe fn mem_sept_add(gpa_level: u64, tdr: u64, page: u64) -> Result<(), SeamcallError>;
#[seamcall(leaf = 3, in = [rcx, rdx, r8], out = [rcx, rdx], clobber = [r8, r9, r10, r11])]
pub unsafe fn mem_sept_add_raw(gpa_level: u64, tdr: u64, page: u64) -> (TdxStatus, (u64, u64));
#[seamcall(leaf = 2, in = [rcx, rdx, r8, r9], clobber = [rcx, rdx])]
pub unsafe fn mem_page_add(gpa: u64, tdr: u64, page: u64, source: u64)
    -> Result<(), SeamcallError>;
#[seamcall(leaf = 2, in = [rcx, rdx, r8, r9], out = [rcx, rdx])]
pub unsafe fn mem_page_add_raw(
    gpa: u64,
    tdr: u64,
    page: u64,
    source: u64,
) -> (TdxStatus, (u64, u64));
#[seamcall(leaf = 16, in = [rcx, rdx], clobber = [rcx, rdx])]
pub unsafe fn mr_extend(gpa: u64, tdr: u64) -> Result<(), SeamcallError>;
#[seamcall(leaf = 17, in = [rcx])]
pub unsafe fn mr_finalize(tdr: u64) -> Result<(), SeamcallError>;

#[seamcall(leaf = 6, in = [rcx, rdx, r8], clobber = [rcx, rdx])]
pub unsafe fn mem_page_aug(gpa_level: u64, tdr: u64, page: u64) -> Result<(), SeamcallError>;
#[seamcall(leaf = 7, in = [rcx, rdx], clobber = [rcx, rdx])]
pub unsafe fn mem_range_block(gpa_level: u64, tdr: u64) -> Result<(), SeamcallError>;
#[seamcall(leaf = 38, in = [rcx])]
pub unsafe fn mem_track(tdr: u64) -> Result<(), SeamcallError>;
#[seamcall(leaf = 29, in = [rcx, rdx], out = [rcx], clobber = [rdx])]
pub unsafe fn mem_page_remove(gpa_level: u64, tdr: u64) -> Result<u64, SeamcallError>;

#[seamcall(leaf = 11, in = [rcx, rdx], out = [r8], clobber = [rdx])]
pub unsafe fn mng_rd(tdr: u64, field: u64) -> Result<u64, SeamcallError>;
#[seamcall(leaf = 11, version = 1, in = [rcx, rdx], out = [r8, rdx])]
pub unsafe fn mng_rd_v1(tdr: u64, field: u64) -> Result<(u64, u64), SeamcallError>;
#[seamcall(leaf = 26, in = [rcx, rdx], out = [r8], clobber = [rdx])]
pub unsafe fn vp_rd(tdvpr: u64, field: u64) -> Result<u64, SeamcallError>;
#[seamcall(leaf = 43, in = [rcx, rdx, r8, r9], out = [r8])]
pub unsafe fn vp_wr(tdvpr: u64, field: u64, value: u64, mask: u64) -> Result<u64, SeamcallError>;
#[seamcall(leaf = 24, in = [rcx], out = [rcx, rdx], clobber = [r8, r9, r10, r11])]
pub unsafe fn phymem_page_rdmd(page: u64) -> Result<(u64, u64), SeamcallError>;

#[seamcall(leaf = 18, in = [rcx])]
pub unsafe fn vp_flush(tdvpr: u64) -> Result<(), SeamcallError>;
#[seamcall(leaf = 19, in = [rcx])]
pub unsafe fn mng_vpflushdone(tdr: u64) -> Result<(), SeamcallError>;
#[seamcall(leaf = 40, in = [rcx])]
pub unsafe fn phymem_cache_wb(resume: u64) -> Result<(), SeamcallError>;
#[seamcall(leaf = 20, in = [rcx])]
pub unsafe fn mng_key_freeid(tdr: u64) -> Result<(), SeamcallError>;
#[seamcall(leaf = 28, in = [rcx], out = [rcx, rdx, r8], clobber = [r9, r10, r11])]
pub unsafe fn phymem_page_reclaim(page: u64) -> Result<(u64, u64, u64), SeamcallError>;

/// TDH.VP.ENTER through the catalog's declaration
/// (`seamcall_core::leaves::tdh_vp_enter`), passing the host's answer to the
/// last TDG.VP.VMCALL from `answer` (RDX, RBX, RSI, RDI, R8–R15, the
/// registers TDG.VP.VMCALL can expose); the exit's status and registers,
/// in a `Regs`.
pub unsafe fn vp_enter(
    tdvpr: u64,
    answer: &seamcall_core::emulate::Regs,
) -> seamcall_core::emulate::Regs {
    let a = answer;
    let (status, (rcx, rdx, r8, r9, r10, r11, r12, r13, r14, r15, rbx, rdi, rsi)) =
        seamcall_core::leaves::tdh_vp_enter(
            seamcall_core::x86_64::PhysAddr::new(tdvpr),
            a.rdx,
            a.r8,
            a.r9,
            a.r10,
            a.r11,
            a.r12,
            a.r13,
            a.r14,
            a.r15,
            a.rbx,
            a.rdi,
            a.rsi,
        );
    seamcall_core::emulate::Regs {
        rax: status.raw(),
        rcx,
        rdx,
        rbx,
        rsi,
        rdi,
        r8,
        r9,
        r10,
        r11,
        r12,
        r13,
        r14,
        r15,
    }
}
