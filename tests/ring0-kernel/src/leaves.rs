//! The leaves the kernel calls, declared with `#[seamcall]` exactly as a
//! hypervisor would. Under TCG every one of them raises #UD.
//!
//! They cover the expansion's register shapes: a narrow leaf, in/out
//! registers, RBX through a scratch register, RBX when every other register
//! is bound (the TDH.VP.ENTER shape, with and without `clobber = [rbp]`), a
//! versioned leaf without outputs, and the raw `(TdxStatus, T)` form.

use seamcall_core::{seamcall, SeamcallError, TdxStatus};

/// TDH.MNG.RD: the narrow one.
#[seamcall(leaf = 11, in = [rcx, rdx], out = [r8])]
pub unsafe fn mng_rd(tdr: u64, field: u64) -> Result<u64, SeamcallError>;

/// TDH.MNG.RD in the raw form: status and outputs whatever happened.
#[seamcall(leaf = 11, in = [rcx, rdx], out = [r8])]
pub unsafe fn mng_rd_raw(tdr: u64, field: u64) -> (TdxStatus, u64);

/// TDH.MEM.PAGE.ADD: RCX and RDX are in/out.
#[seamcall(leaf = 2, in = [rcx, rdx, r8, r9], out = [rcx, rdx])]
pub unsafe fn mem_page_add(
    gpa_level: u64,
    tdr: u64,
    hpa: u64,
    source: u64,
) -> Result<(u64, u64), SeamcallError>;

/// TDH.VP.WR: R8 is in/out (value in, old value out).
#[seamcall(leaf = 43, in = [rcx, rdx, r8, r9], out = [r8])]
pub unsafe fn vp_wr(tdvpr: u64, field: u64, value: u64, mask: u64) -> Result<u64, SeamcallError>;

/// TDH.VP.INIT version 1: a versioned leaf with no outputs.
#[seamcall(leaf = 22, version = 1, in = [rcx, rdx, r8])]
pub unsafe fn vp_init_v1(tdvpr: u64, initial_rcx: u64, x2apic_id: u64)
    -> Result<(), SeamcallError>;

/// RBX in/out, with registers to spare (RBX goes through a scratch register).
#[seamcall(leaf = 0, in = [rcx, rbx], out = [rbx])]
pub unsafe fn rbx_inout(rcx: u64, rbx: u64) -> Result<u64, SeamcallError>;

/// Every register in, all but RBX out: RBX's input travels through RAX and
/// the leaf word is an immediate.
#[seamcall(
    leaf = 0,
    in = [rcx, rdx, r8, r9, r10, r11, r12, r13, r14, r15, rbx, rdi, rsi],
    out = [rcx, rdx, r8, r9, r10, r11, r12, r13, r14, r15, rdi, rsi]
)]
#[allow(clippy::too_many_arguments, clippy::type_complexity)]
pub unsafe fn wide_rbx_in(
    rcx: u64,
    rdx: u64,
    r8: u64,
    r9: u64,
    r10: u64,
    r11: u64,
    r12: u64,
    r13: u64,
    r14: u64,
    r15: u64,
    rbx: u64,
    rdi: u64,
    rsi: u64,
) -> Result<(u64, u64, u64, u64, u64, u64, u64, u64, u64, u64, u64, u64), SeamcallError>;
