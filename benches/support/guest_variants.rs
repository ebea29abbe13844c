//! The guest-side variants measured by `benches/guest.rs` (criterion, time)
//! and `examples/bench_guest_callgrind.rs` (callgrind, instructions). Both
//! include this file, so both run the very same loops: each variant is one
//! `#[inline(never)] fn(iters)` that issues the call `iters` times.
//!
//! Two shapes:
//!
//! * **rdmsr**, TDG.VP.VMCALL Instruction.RDMSR: R12 in, R11 out, R10 the
//!   VMM's status, RCX = 0x1C00;
//! * **vp_info**, TDG.VP.INFO: no input, six outputs (RCX, RDX, R8-R11).
//!
//! Each inlined into the loop (**inline**) and behind a call (**outline**),
//! and these variants, all returning the same `Result`:
//!
//! | name | what |
//! |---|---|
//! | `macro` | the catalog's `#[tdvmcall]`/`#[tdcall]` declaration (RDMSR zeroes R10-R12 afterwards) |
//! | `floor` | hand-written minimal `asm!` with the same registers and the same zeroing |
//! | `macro_no_scrub`, `floor_no_scrub` | (RDMSR) both without the zeroing |
//! | `tdshim` | td-shim's style: a register struct in memory, an out-of-line `extern "win64"` function that pushes every callee-saved register |
//! | `linux_saved_ret` | Linux's `__tdcall_saved_ret` through `struct tdx_module_args` (for RDMSR with Linux's fixed mask 0xFFCC, as `__tdx_hypercall` sends it) |
//! | `loop_only` | (inline) no call at all: what the loop itself costs, for net ratios |
//!
//! Everything here runs only in a `RUSTFLAGS="--cfg seamcall_stub"` build:
//! the real instruction faults outside a TD, and the floors carry no
//! exception-table entry.

#![allow(unexpected_cfgs)]
#![allow(dead_code)]

use core::arch::asm;
use core::hint::black_box;

use seamcall_core::guest::{TdcallError, TdvmcallError};
use seamcall_core::{tdcall, tdvmcall};
use seamcall_tests::guest_style::{self, TdVmcallArgs, TdcallArgs, TdxModuleArgs};

/// Whether this build replaces the instruction with the stand-in.
pub const STUB: bool = cfg!(seamcall_stub);

/// What to tell someone who ran a benchmark in a normal build.
pub const NEED_STUB: &str = "the guest benchmarks run only with the stand-in instruction: \
build with RUSTFLAGS=\"--cfg seamcall_stub\" (for example `RUSTFLAGS=\"--cfg seamcall_stub\" \
cargo bench --bench guest`, or scripts/bench.sh). A normal build emits the real TDCALL, \
which faults outside a TD.";

/// TDG.VP.INFO's outputs.
pub type Info = (u64, u64, u64, u64, u64, u64);

// ------------------------------------------------------------- the macros

#[tdvmcall(subfn = 0x1F, in = [r12], out = [r11])]
#[inline(always)]
pub unsafe fn rdmsr_macro_inline(msr: u32) -> Result<u64, TdvmcallError>;

#[tdvmcall(subfn = 0x1F, in = [r12], out = [r11])]
#[inline(never)]
pub unsafe fn rdmsr_macro_outline(msr: u32) -> Result<u64, TdvmcallError>;

#[tdvmcall(subfn = 0x1F, in = [r12], out = [r11], no_scrub)]
#[inline(always)]
pub unsafe fn rdmsr_macro_no_scrub_inline(msr: u32) -> Result<u64, TdvmcallError>;

#[tdvmcall(subfn = 0x1F, in = [r12], out = [r11], no_scrub)]
#[inline(never)]
pub unsafe fn rdmsr_macro_no_scrub_outline(msr: u32) -> Result<u64, TdvmcallError>;

#[tdcall(leaf = 1, out = [rcx, rdx, r8, r9, r10, r11], safe)]
#[inline(always)]
pub fn vp_info_macro_inline() -> Result<(u64, u64, u64, u64, u64, u64), TdcallError>;

#[tdcall(leaf = 1, out = [rcx, rdx, r8, r9, r10, r11], safe)]
#[inline(never)]
pub fn vp_info_macro_outline() -> Result<(u64, u64, u64, u64, u64, u64), TdcallError>;

// ------------------------------------------------------------- the floors

/// RDMSR by hand: RAX = 0, RCX = 0x1C00, R10 = 0, R11 = 0x1F, R12 = the
/// MSR; the VMM may change R10-R12. With `SCRUB`, R10-R12 are zeroed once
/// read, as the macro does by default.
///
/// # Safety
///
/// Stub builds only (no exception-table entry).
#[inline(always)]
unsafe fn rdmsr_floor<const SCRUB: bool>(msr: u32) -> Result<u64, TdvmcallError> {
    let rax: u64;
    let r10: u64;
    let r11: u64;
    // SAFETY: the caller guarantees a stub build. Every register the call
    // exposes is bound and declared changed; nothing is pushed.
    unsafe {
        asm!(
            seamcall_core::__tdcall_insn!(),
            inlateout("rax") 0u64 => rax,
            in("rcx") 0x1C00u64,
            inlateout("r10") 0u64 => r10,
            inlateout("r11") 0x1Fu64 => r11,
            inlateout("r12") u64::from(msr) => _,
            options(nostack),
        );
        if SCRUB {
            asm!(
                "xor r10d, r10d",
                "xor r11d, r11d",
                "xor r12d, r12d",
                lateout("r10") _,
                lateout("r11") _,
                lateout("r12") _,
                options(nomem, nostack),
            );
        }
    }
    match TdvmcallError::from_module(rax) {
        Some(e) => Err(e),
        None => match TdvmcallError::from_vmm(r10) {
            Some(e) => Err(e),
            None => Ok(r11),
        },
    }
}

/// TDG.VP.INFO by hand: six outputs.
///
/// # Safety
///
/// Stub builds only.
#[inline(always)]
unsafe fn vp_info_floor() -> Result<Info, TdcallError> {
    let rax: u64;
    let (rcx, rdx, r8, r9, r10, r11): Info;
    // SAFETY: the caller guarantees a stub build; every register the leaf
    // writes is bound.
    unsafe {
        asm!(
            seamcall_core::__tdcall_insn!(),
            inlateout("rax") 1u64 => rax,
            lateout("rcx") rcx,
            lateout("rdx") rdx,
            lateout("r8") r8,
            lateout("r9") r9,
            lateout("r10") r10,
            lateout("r11") r11,
            options(nostack),
        );
    }
    match TdcallError::from_status(rax) {
        None => Ok((rcx, rdx, r8, r9, r10, r11)),
        Some(e) => Err(e),
    }
}

macro_rules! placed {
    ($inline:ident, $outline:ident, $f:expr, ($($p:ident: $t:ty),*) -> $r:ty) => {
        /// Inlined.
        ///
        /// # Safety
        ///
        /// Stub builds only.
        #[inline(always)]
        pub unsafe fn $inline($($p: $t),*) -> $r {
            // SAFETY: forwarded contract.
            unsafe { $f($($p),*) }
        }
        /// Out of line.
        ///
        /// # Safety
        ///
        /// Stub builds only.
        #[inline(never)]
        pub unsafe fn $outline($($p: $t),*) -> $r {
            // SAFETY: forwarded contract.
            unsafe { $f($($p),*) }
        }
    };
}

placed!(rdmsr_floor_inline, rdmsr_floor_outline, rdmsr_floor::<true>, (msr: u32) -> Result<u64, TdvmcallError>);
placed!(rdmsr_floor_no_scrub_inline, rdmsr_floor_no_scrub_outline, rdmsr_floor::<false>, (msr: u32) -> Result<u64, TdvmcallError>);
placed!(vp_info_floor_inline, vp_info_floor_outline, vp_info_floor, () -> Result<Info, TdcallError>);

// ------------------------------------------------------- the peers' style

/// td-shim's `tdvmcall_rdmsr`: the register struct, `td_vmcall`, then RAX
/// and R10 checked and R11 read back from memory.
///
/// # Safety
///
/// Stub builds only.
#[inline(always)]
unsafe fn rdmsr_tdshim(msr: u32) -> Result<u64, TdvmcallError> {
    let mut args = TdVmcallArgs {
        r11: 0x1F,
        r12: u64::from(msr),
        ..TdVmcallArgs::default()
    };
    // SAFETY: forwarded contract; the call exposes R10-R15 only.
    let ret = unsafe { guest_style::td_vmcall(&mut args) };
    match TdvmcallError::from_module(ret) {
        Some(e) => Err(e),
        None => match TdvmcallError::from_vmm(args.r10) {
            Some(e) => Err(e),
            None => Ok(args.r11),
        },
    }
}

/// Linux's `read_msr()`: `struct tdx_module_args` with RCX = 0xFFCC (set by
/// `__tdx_hypercall`), R11 = sub-function, R12 = MSR, through
/// `__tdcall_saved_ret`.
///
/// # Safety
///
/// Stub builds only.
#[inline(always)]
unsafe fn rdmsr_linux(msr: u32) -> Result<u64, TdvmcallError> {
    let mut args = TdxModuleArgs {
        rcx: 0xFFCC,
        r11: 0x1F,
        r12: u64::from(msr),
        ..TdxModuleArgs::default()
    };
    // SAFETY: forwarded contract.
    let ret = unsafe { guest_style::tdcall_saved_ret(0, &mut args) };
    match TdvmcallError::from_module(ret) {
        Some(e) => Err(e),
        None => match TdvmcallError::from_vmm(args.r10) {
            Some(e) => Err(e),
            None => Ok(args.r11),
        },
    }
}

/// td-shim's `tdcall_get_td_info`: RAX = 1 in the struct, `td_call`, the
/// outputs from memory.
///
/// # Safety
///
/// Stub builds only.
#[inline(always)]
unsafe fn vp_info_tdshim() -> Result<Info, TdcallError> {
    let mut a = TdcallArgs {
        rax: 1,
        ..TdcallArgs::default()
    };
    // SAFETY: forwarded contract.
    let ret = unsafe { guest_style::td_call(&mut a) };
    match TdcallError::from_status(ret) {
        None => Ok((a.rcx, a.rdx, a.r8, a.r9, a.r10, a.r11)),
        Some(e) => Err(e),
    }
}

/// TDG.VP.INFO through `__tdcall_saved_ret`.
///
/// # Safety
///
/// Stub builds only.
#[inline(always)]
unsafe fn vp_info_linux() -> Result<Info, TdcallError> {
    let mut a = TdxModuleArgs::default();
    // SAFETY: forwarded contract.
    let ret = unsafe { guest_style::tdcall_saved_ret(1, &mut a) };
    match TdcallError::from_status(ret) {
        None => Ok((a.rcx, a.rdx, a.r8, a.r9, a.r10, a.r11)),
        Some(e) => Err(e),
    }
}

placed!(rdmsr_tdshim_inline, rdmsr_tdshim_outline, rdmsr_tdshim, (msr: u32) -> Result<u64, TdvmcallError>);
placed!(rdmsr_linux_inline, rdmsr_linux_outline, rdmsr_linux, (msr: u32) -> Result<u64, TdvmcallError>);
placed!(vp_info_tdshim_inline, vp_info_tdshim_outline, vp_info_tdshim, () -> Result<Info, TdcallError>);
placed!(vp_info_linux_inline, vp_info_linux_outline, vp_info_linux, () -> Result<Info, TdcallError>);

// ------------------------------------------------------------- the loops

/// No call: the loop's own cost (the input through `black_box`, a `Result`
/// built and kept), subtracted in the report's net ratios.
///
/// # Safety
///
/// None needed; `unsafe` for the loop macros' sake.
#[inline(always)]
unsafe fn rdmsr_loop_only(msr: u32) -> Result<u64, TdvmcallError> {
    Ok(u64::from(msr))
}

/// As [`rdmsr_loop_only`], for the six-value shape.
///
/// # Safety
///
/// None needed.
#[inline(always)]
unsafe fn vp_info_loop_only() -> Result<Info, TdcallError> {
    Ok((1, 2, 3, 4, 5, 6))
}

macro_rules! rdmsr_loop {
    ($name:ident, $f:path) => {
        #[inline(never)]
        fn $name(iters: u64) {
            for i in 0..iters {
                let msr = black_box(0xC000_0080u32 ^ (i as u32 & 1));
                // SAFETY: stub builds only (`run` checks).
                let r = unsafe { $f(msr) };
                let _ = black_box(r);
            }
        }
    };
}

macro_rules! info_loop {
    ($name:ident, $f:path) => {
        #[inline(never)]
        fn $name(iters: u64) {
            for _ in 0..iters {
                // SAFETY: stub builds only (`run` checks).
                #[allow(unused_unsafe)]
                let r = unsafe { $f() };
                let _ = black_box(r);
            }
        }
    };
}

rdmsr_loop!(rdmsr_inline_loop_only, rdmsr_loop_only);
rdmsr_loop!(rdmsr_inline_macro, rdmsr_macro_inline);
rdmsr_loop!(rdmsr_inline_floor, rdmsr_floor_inline);
rdmsr_loop!(rdmsr_inline_macro_no_scrub, rdmsr_macro_no_scrub_inline);
rdmsr_loop!(rdmsr_inline_floor_no_scrub, rdmsr_floor_no_scrub_inline);
rdmsr_loop!(rdmsr_inline_tdshim, rdmsr_tdshim_inline);
rdmsr_loop!(rdmsr_inline_linux_saved_ret, rdmsr_linux_inline);
rdmsr_loop!(rdmsr_outline_macro, rdmsr_macro_outline);
rdmsr_loop!(rdmsr_outline_floor, rdmsr_floor_outline);
rdmsr_loop!(rdmsr_outline_macro_no_scrub, rdmsr_macro_no_scrub_outline);
rdmsr_loop!(rdmsr_outline_floor_no_scrub, rdmsr_floor_no_scrub_outline);
rdmsr_loop!(rdmsr_outline_tdshim, rdmsr_tdshim_outline);
rdmsr_loop!(rdmsr_outline_linux_saved_ret, rdmsr_linux_outline);
info_loop!(vp_info_inline_loop_only, vp_info_loop_only);
info_loop!(vp_info_inline_macro, vp_info_macro_inline);
info_loop!(vp_info_inline_floor, vp_info_floor_inline);
info_loop!(vp_info_inline_tdshim, vp_info_tdshim_inline);
info_loop!(vp_info_inline_linux_saved_ret, vp_info_linux_inline);
info_loop!(vp_info_outline_macro, vp_info_macro_outline);
info_loop!(vp_info_outline_floor, vp_info_floor_outline);
info_loop!(vp_info_outline_tdshim, vp_info_tdshim_outline);
info_loop!(vp_info_outline_linux_saved_ret, vp_info_linux_outline);

// Names: `loop_only`, `macro`, `floor`, `macro_no_scrub`, `floor_no_scrub`,
// `tdshim`, `linux_saved_ret`.
seamcall_tests::bench_variants! {
    rdmsr inline loop_only => rdmsr_inline_loop_only,
    rdmsr inline macro => rdmsr_inline_macro,
    rdmsr inline floor => rdmsr_inline_floor,
    rdmsr inline macro_no_scrub => rdmsr_inline_macro_no_scrub,
    rdmsr inline floor_no_scrub => rdmsr_inline_floor_no_scrub,
    rdmsr inline tdshim => rdmsr_inline_tdshim,
    rdmsr inline linux_saved_ret => rdmsr_inline_linux_saved_ret,
    rdmsr outline macro => rdmsr_outline_macro,
    rdmsr outline floor => rdmsr_outline_floor,
    rdmsr outline macro_no_scrub => rdmsr_outline_macro_no_scrub,
    rdmsr outline floor_no_scrub => rdmsr_outline_floor_no_scrub,
    rdmsr outline tdshim => rdmsr_outline_tdshim,
    rdmsr outline linux_saved_ret => rdmsr_outline_linux_saved_ret,
    vp_info inline loop_only => vp_info_inline_loop_only,
    vp_info inline macro => vp_info_inline_macro,
    vp_info inline floor => vp_info_inline_floor,
    vp_info inline tdshim => vp_info_inline_tdshim,
    vp_info inline linux_saved_ret => vp_info_inline_linux_saved_ret,
    vp_info outline macro => vp_info_outline_macro,
    vp_info outline floor => vp_info_outline_floor,
    vp_info outline tdshim => vp_info_outline_tdshim,
    vp_info outline linux_saved_ret => vp_info_outline_linux_saved_ret,
}
