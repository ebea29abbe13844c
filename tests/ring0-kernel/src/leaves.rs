//! The leaves the kernel calls, declared with `#[seamcall]` exactly as a
//! hypervisor would. Under TCG every one of them raises #UD.
//!
//! They cover the expansion's register shapes: a narrow leaf, in/out
//! registers, a versioned leaf, a leaf without outputs, RBX through a
//! scratch register, RBX when every other register is bound (the
//! TDH.VP.ENTER shape, with RBP and XMM0-15 clobbered as the real leaf
//! needs, and without), and the raw `(TdxStatus, T)` form.
//!
//! Real leaves are declared as the ABI table (`tests/data/tdx-abi/writes.tsv`) says,
//! so the attribute's cross-check accepts them. The shapes no real leaf has
//! use private leaf numbers (1000 and up), which the table does not know and
//! therefore does not check.

use seamcall_core::{seamcall, SeamcallError, TdxStatus};

/// TDH.MNG.RD: the narrow one.
#[seamcall(leaf = 11, in = [rcx, rdx], out = [r8])]
pub unsafe fn mng_rd(tdr: u64, field: u64) -> Result<u64, SeamcallError>;

/// TDH.MNG.RD in the raw form: status and outputs whatever happened.
#[seamcall(leaf = 11, in = [rcx, rdx], out = [r8])]
pub unsafe fn mng_rd_raw(tdr: u64, field: u64) -> (TdxStatus, u64);

/// TDH.MNG.RD version 1: RDX is in/out (field ID in, next field ID out).
#[seamcall(leaf = 11, version = 1, in = [rcx, rdx], out = [rdx, r8])]
pub unsafe fn mng_rd_v1(tdr: u64, field: u64) -> Result<(u64, u64), SeamcallError>;

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

/// TDH.MNG.ADDCX: no outputs.
#[seamcall(leaf = 1, in = [rcx, rdx])]
pub unsafe fn mng_addcx(tdcs_page: u64, tdr: u64) -> Result<(), SeamcallError>;

/// A private leaf with RBX in/out and registers to spare: RBX goes through a
/// scratch register. (Leaves 1000-1002 are unknown to the ABI table, so
/// they say `unchecked`.)
#[seamcall(leaf = 1000, unchecked, in = [rcx, rbx], out = [rbx])]
pub unsafe fn rbx_inout(rcx: u64, rbx: u64) -> Result<u64, SeamcallError>;

/// Declare a leaf that takes every operand register in, in Linux's order
/// (RCX, RDX, R8-R15, RBX, RDI, RSI): the keys in parentheses go to
/// `#[seamcall]` before `in`, `out` among them, and the success type follows
/// `->` written out (the attribute counts a tuple's elements, so it cannot be
/// an alias).
macro_rules! all_in {
    ($(#[$m:meta])* pub unsafe fn $name:ident($($key:tt)*) -> $($ok:tt)*) => {
        #[seamcall(
            $($key)*,
            in = [rcx, rdx, r8, r9, r10, r11, r12, r13, r14, r15, rbx, rdi, rsi]
        )]
        $(#[$m])*
        #[allow(clippy::too_many_arguments, clippy::type_complexity)]
        pub unsafe fn $name(
            rcx: u64, rdx: u64, r8: u64, r9: u64, r10: u64, r11: u64, r12: u64, r13: u64,
            r14: u64, r15: u64, rbx: u64, rdi: u64, rsi: u64,
        ) -> Result<$($ok)*, SeamcallError>;
    };
}

all_in! {
    /// The wide one, a private leaf: every operand register in and out, so
    /// RBX travels through RAX and a stack slot.
    pub unsafe fn wide(
        leaf = 1001,
        unchecked,
        out = [rcx, rdx, r8, r9, r10, r11, r12, r13, r14, r15, rbx, rdi, rsi]
    ) -> (u64, u64, u64, u64, u64, u64, u64, u64, u64, u64, u64, u64, u64)
}

all_in! {
    /// TDH.VP.ENTER as module 1.5.01 needs it: the wide shape, plus RBP
    /// (saved and restored inside the block) and XMM0-15 clobbered.
    pub unsafe fn vp_enter(
        leaf = 0,
        out = [rcx, rdx, r8, r9, r10, r11, r12, r13, r14, r15, rbx, rdi, rsi],
        clobber = [
            rbp, xmm0, xmm1, xmm2, xmm3, xmm4, xmm5, xmm6, xmm7, xmm8, xmm9, xmm10, xmm11, xmm12,
            xmm13, xmm14, xmm15
        ]
    ) -> (u64, u64, u64, u64, u64, u64, u64, u64, u64, u64, u64, u64, u64)
}

all_in! {
    /// A private leaf with every register in and all but RBX out: RBX's
    /// input travels through RAX and the leaf word is an immediate.
    pub unsafe fn wide_rbx_in(
        leaf = 1002,
        unchecked,
        out = [rcx, rdx, r8, r9, r10, r11, r12, r13, r14, r15, rdi, rsi]
    ) -> (u64, u64, u64, u64, u64, u64, u64, u64, u64, u64, u64, u64)
}
