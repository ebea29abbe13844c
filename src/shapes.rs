//! The 13-register "wide" leaf shape (TDH.VP.ENTER's: RCX, RDX, R8–R15,
//! RBX, RDI, RSI in and out), shared by `tests/runtime.rs` and the
//! benchmarks: the declaration, its success value, and the conversions
//! between that value, arrays and [`Regs`].
//!
//! The order is Linux's `struct tdx_module_args` order throughout.

use seamcall_core::emulate::Regs;

use crate::linux_style::TdxModuleArgs;

/// The wide leaf's success value: the 13 registers, in Linux's order.
pub type Wide = (
    u64,
    u64,
    u64,
    u64,
    u64,
    u64,
    u64,
    u64,
    u64,
    u64,
    u64,
    u64,
    u64,
);

/// The 13 values of a [`Wide`], in order.
#[inline(always)]
pub fn tuple13(t: Wide) -> [u64; 13] {
    [
        t.0, t.1, t.2, t.3, t.4, t.5, t.6, t.7, t.8, t.9, t.10, t.11, t.12,
    ]
}

/// The 13 operand registers of `r`, in the order a wide leaf binds them.
pub fn wide_regs(r: &Regs) -> [u64; 13] {
    [
        r.rcx, r.rdx, r.r8, r.r9, r.r10, r.r11, r.r12, r.r13, r.r14, r.r15, r.rbx, r.rdi, r.rsi,
    ]
}

/// Set the 13 operand registers of `r` from `v`, in [`wide_regs`]' order.
pub fn wide_set(r: &mut Regs, v: [u64; 13]) {
    [
        r.rcx, r.rdx, r.r8, r.r9, r.r10, r.r11, r.r12, r.r13, r.r14, r.r15, r.rbx, r.rdi, r.rsi,
    ] = v;
}

/// The 13 registers of `a`, in order.
#[inline(always)]
pub fn args_array(a: &TdxModuleArgs) -> [u64; 13] {
    [
        a.rcx, a.rdx, a.r8, a.r9, a.r10, a.r11, a.r12, a.r13, a.r14, a.r15, a.rbx, a.rdi, a.rsi,
    ]
}

/// The `struct tdx_module_args` holding `v`, in [`args_array`]'s order.
#[inline(always)]
pub fn args_from_array(v: [u64; 13]) -> TdxModuleArgs {
    let [rcx, rdx, r8, r9, r10, r11, r12, r13, r14, r15, rbx, rdi, rsi] = v;
    TdxModuleArgs {
        rcx,
        rdx,
        r8,
        r9,
        r10,
        r11,
        r12,
        r13,
        r14,
        r15,
        rbx,
        rdi,
        rsi,
    }
}

/// Call a function of the wide shape (13 `u64` parameters) with the 13
/// values of an array: `call13!(f, v)` is `f(v[0], …, v[12])`.
#[macro_export]
macro_rules! call13 {
    ($f:path, $v:expr) => {{
        let v: [u64; 13] = $v;
        $f(
            v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12],
        )
    }};
}

/// Declare a leaf of the wide shape: every operand register in and out.
///
/// ```ignore
/// seamcall_tests::wide_leaf! {
///     /// Docs.
///     #[inline(never)]
///     pub unsafe fn name(leaf = 303, unchecked, clobber = [rbp]);
/// }
/// ```
///
/// The keys in parentheses go to `#[seamcall]` before `in` and `out`; the
/// success value is written out as a 13-tuple (the attribute counts its
/// elements, so it cannot be the [`Wide`] alias).
#[macro_export]
macro_rules! wide_leaf {
    ($(#[$m:meta])* $vis:vis unsafe fn $name:ident($($key:tt)*);) => {
        #[::seamcall_core::seamcall(
            $($key)*,
            in = [rcx, rdx, r8, r9, r10, r11, r12, r13, r14, r15, rbx, rdi, rsi],
            out = [rcx, rdx, r8, r9, r10, r11, r12, r13, r14, r15, rbx, rdi, rsi]
        )]
        $(#[$m])*
        #[allow(clippy::too_many_arguments, clippy::type_complexity)]
        $vis unsafe fn $name(
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
        ) -> Result<
            (u64, u64, u64, u64, u64, u64, u64, u64, u64, u64, u64, u64, u64),
            ::seamcall_core::SeamcallError,
        >;
    };
}
