//! The variants measured by `benches/seamcall.rs` (criterion, time) and
//! `examples/bench_callgrind.rs` (callgrind, instructions). Both include this
//! file, so both run the very same loops: each variant is one
//! `#[inline(never)] fn(iters)` that issues the call `iters` times.
//!
//! Two leaf shapes:
//!
//! * **narrow**, TDH.MNG.RD: RCX, RDX in; R8 out;
//! * **wide**, TDH.VP.ENTER: RCX, RDX, R8–R15, RBX, RDI, RSI in and out.
//!
//! Each in two placements: **inline** (the leaf is inlined into the loop) and
//! **outline** (the loop calls a function that is not inlined). And these
//! variants:
//!
//! | name | what |
//! |---|---|
//! | `macro` | (a) the `#[seamcall]` leaf; the caller keeps the `Result` |
//! | `floor` | (b) hand-written minimal `asm!`, same registers, same `Result` |
//! | `linux_saved_ret` | (c) Linux's `__seamcall_saved_ret` through `struct tdx_module_args` |
//! | `linux_ret` | (d) Linux's `__seamcall_ret` (RCX, RDX, R8–R11 only) |
//! | `macro_match` | (a), and the caller matches on the `Result` |
//! | `floor_match` | (b), and the caller matches on the `Result` |
//!
//! For the wide leaf (d) is not a correct call (it moves 6 of the 13
//! registers): it is measured as the least any struct-based call costs.
//!
//! Where the values live: in the variants above, as in the narrow ones, the
//! caller has its inputs in registers and keeps the outputs in registers;
//! the Linux-style calls must go through the struct. Two more pairs, macro
//! against (c), put the wide leaf's values in a `struct tdx_module_args` in
//! memory on both sides, as KVM's vCPU state is:
//!
//! | name | what |
//! |---|---|
//! | `struct_macro`, `struct_linux_saved_ret` | the struct is filled afresh before each call (calls independent) |
//! | `chained_macro`, `chained_linux_saved_ret` | each call's inputs are the previous call's outputs, in the struct |
//! | `struct_macro_ptr`, `chained_macro_ptr` (out of line only) | as above, (a) inlined into a function that takes the struct by pointer, like Linux's `tdh_vp_enter()` |
//!
//! Everything here runs only in a `RUSTFLAGS="--cfg seamcall_stub"` build:
//! the real instruction faults outside SEAM root, and the floor carries no
//! exception-table entry.

// `seamcall_stub` is a cfg set by RUSTFLAGS, not declared by this package.
#![allow(unexpected_cfgs)]
// Each includer uses all of it; this keeps a partial user warning-free.
#![allow(dead_code)]

use core::arch::asm;
use core::hint::black_box;

use seamcall_core::{seamcall, SeamcallError};
use seamcall_tests::call13;
use seamcall_tests::linux_style::{self, TdxModuleArgs};
use seamcall_tests::shapes::{args_array, args_from_array, tuple13};

/// TDH.MNG.RD's leaf number.
pub const TDH_MNG_RD: u64 = 11;
/// TDH.VP.ENTER's leaf number.
pub const TDH_VP_ENTER: u64 = 0;

/// Whether this build replaces the instruction with the stand-in.
pub const STUB: bool = cfg!(seamcall_stub);

/// What to tell someone who ran a benchmark in a normal build.
pub const NEED_STUB: &str = "the SEAMCALL benchmarks run only with the stand-in instruction: \
build with RUSTFLAGS=\"--cfg seamcall_stub\" (for example `RUSTFLAGS=\"--cfg seamcall_stub\" \
cargo bench --bench seamcall`, or scripts/bench.sh). A normal build emits the real SEAMCALL, \
which faults on this machine.";

/// Stop with [`NEED_STUB`] unless this is a stub build.
#[track_caller]
pub fn require_stub() {
    if !STUB {
        panic!("{NEED_STUB}");
    }
}

/// The success value of the wide leaf: the 13 registers, in Linux's order.
pub use seamcall_tests::shapes::Wide;

// ---------------------------------------------------------------- (a) macro

#[seamcall(leaf = 11, in = [rcx, rdx], out = [r8])]
#[inline(always)]
pub unsafe fn mng_rd_macro_inline(tdr: u64, field: u64) -> Result<u64, SeamcallError>;

#[seamcall(leaf = 11, in = [rcx, rdx], out = [r8])]
#[inline(never)]
pub unsafe fn mng_rd_macro_outline(tdr: u64, field: u64) -> Result<u64, SeamcallError>;

// TDH.VP.ENTER as Linux calls it, under a stand-in leaf number (0xFF00,
// unknown to the ABI table, hence `unchecked`): the table's TDH.VP.ENTER
// also writes RBP and XMM0–15, which `unchecked` no longer excuses. Linux's
// `__seamcall_saved_ret` saves neither (it requires NO_RBP_MOD, and KVM
// handles guest vector state itself), so the comparison binds the same 13
// registers on both sides. Stub builds only: the number never reaches a
// module, and the code is leaf 0's but for the immediate.
seamcall_tests::wide_leaf! {
    #[inline(always)]
    pub unsafe fn vp_enter_macro_inline(leaf = 0xFF00, unchecked);
}
seamcall_tests::wide_leaf! {
    #[inline(never)]
    pub unsafe fn vp_enter_macro_outline(leaf = 0xFF00, unchecked);
}

// ---------------------------------------------------------------- (b) floor

/// The least a hand-written `asm!` can do for TDH.MNG.RD and still mean what
/// the macro means: status in RAX, CF checked, RCX/RDX in, R8 out, nothing
/// else bound. Hot path: the instruction and one not-taken branch.
///
/// # Safety
///
/// Stub builds only (no exception-table entry: a fault would kill the
/// process).
#[inline(always)]
unsafe fn mng_rd_floor(tdr: u64, field: u64) -> Result<u64, SeamcallError> {
    let status: u64;
    let r8: u64;
    // SAFETY: the caller guarantees a stub build, where the instruction is a
    // NOP and `xor eax, eax`. The block binds every register the leaf reads
    // (RAX, RCX, RDX) or writes (RAX, R8); it does not push (`nostack`).
    unsafe {
        asm!(
            // The instruction: leaf word in RAX, status back in RAX.
            seamcall_core::__seamcall_insn!(),
            // CF=1 is VMfailInvalid and leaves RAX = leaf word, which for
            // some leaves reads as success: it must be tested. A forward
            // branch to a cold pad is predicted not taken and costs one
            // fused µop on the hot path; `cmovc` would need a scratch
            // register and two instructions.
            "jc 7f",
            "6:",
            ".pushsection .text.unlikely.seamcall_floor, \"ax\", @progbits",
            "7:",
            "mov rax, {vmfail}",
            "jmp 6b",
            ".popsection",
            inlateout("rax") TDH_MNG_RD => status,
            in("rcx") tdr,
            in("rdx") field,
            lateout("r8") r8,
            vmfail = const seamcall_core::__private::SEAMCALL_VMFAILINVALID,
            options(nostack),
        );
    }
    match SeamcallError::from_status(status) {
        None => Ok(r8),
        Some(e) => Err(e),
    }
}

/// The least a hand-written `asm!` can do for TDH.VP.ENTER: 13 registers in
/// and out, RBX among them.
///
/// Why each instruction is there: `asm!` can bind 13 registers (RAX, RCX,
/// RDX, RSI, RDI, R8–R15), but RBX is LLVM's and must come back unchanged.
/// Going in, 13 values (12 bound registers plus RBX's input, which travels in
/// memory) and the leaf word, an immediate, fit. Coming out there are 14
/// values (status and 13 outputs) for 13 registers, so one goes to memory,
/// and storing needs its address in a register after the call, when none is
/// free: it is parked on the stack. That makes 10 instructions around the
/// one `SEAMCALL`, each needed.
///
/// # Safety
///
/// Stub builds only, as [`mng_rd_floor`].
#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn vp_enter_floor(
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
) -> Result<Wide, SeamcallError> {
    let mut rbx_slot: u64 = rbx;
    let status: u64;
    let (o_rcx, o_rdx, o_r8, o_r9, o_r10, o_r11): (u64, u64, u64, u64, u64, u64);
    let (o_r12, o_r13, o_r14, o_r15, o_rdi, o_rsi): (u64, u64, u64, u64, u64, u64);
    // SAFETY: the caller guarantees a stub build. Every register the leaf
    // reads or writes is bound, RBX is saved and restored around it, and the
    // pushes are balanced on both paths (the block is not `nostack`).
    unsafe {
        asm!(
            "push rbx",                      // RBX is LLVM's: keep it
            "push rax",                      // slot address, needed after the call
            "mov rbx, qword ptr [rax]",      // RBX's input
            "mov eax, {leaf}",               // leaf word (< 2^32; zero-extends)
            seamcall_core::__seamcall_insn!(),
            "jc 7f",                         // CF=1: VMfailInvalid
            "6:",
            "push rax",                      // park the status: RAX takes the address
            "mov rax, qword ptr [rsp + 8]",  // slot address
            "mov qword ptr [rax], rbx",      // RBX's output
            "pop rax",                       // status
            "pop rbx",                       // drop the address (stack engine, no flags)
            "pop rbx",                       // LLVM's RBX
            ".pushsection .text.unlikely.seamcall_floor, \"ax\", @progbits",
            "7:",
            "mov rax, {vmfail}",
            "jmp 6b",
            ".popsection",
            leaf = const TDH_VP_ENTER,
            vmfail = const seamcall_core::__private::SEAMCALL_VMFAILINVALID,
            inlateout("rax") core::ptr::addr_of_mut!(rbx_slot) => status,
            inlateout("rcx") rcx => o_rcx,
            inlateout("rdx") rdx => o_rdx,
            inlateout("r8") r8 => o_r8,
            inlateout("r9") r9 => o_r9,
            inlateout("r10") r10 => o_r10,
            inlateout("r11") r11 => o_r11,
            inlateout("r12") r12 => o_r12,
            inlateout("r13") r13 => o_r13,
            inlateout("r14") r14 => o_r14,
            inlateout("r15") r15 => o_r15,
            inlateout("rdi") rdi => o_rdi,
            inlateout("rsi") rsi => o_rsi,
        );
    }
    match SeamcallError::from_status(status) {
        None => Ok((
            o_rcx, o_rdx, o_r8, o_r9, o_r10, o_r11, o_r12, o_r13, o_r14, o_r15, rbx_slot, o_rdi,
            o_rsi,
        )),
        Some(e) => Err(e),
    }
}

/// (b), inlined.
///
/// # Safety
///
/// Stub builds only.
#[inline(always)]
pub unsafe fn mng_rd_floor_inline(tdr: u64, field: u64) -> Result<u64, SeamcallError> {
    // SAFETY: forwarded contract.
    unsafe { mng_rd_floor(tdr, field) }
}

/// (b), out of line.
///
/// # Safety
///
/// Stub builds only.
#[inline(never)]
pub unsafe fn mng_rd_floor_outline(tdr: u64, field: u64) -> Result<u64, SeamcallError> {
    // SAFETY: forwarded contract.
    unsafe { mng_rd_floor(tdr, field) }
}

macro_rules! wide_floor {
    ($(#[$m:meta])* $name:ident) => {
        /// (b) for the wide leaf.
        ///
        /// # Safety
        ///
        /// Stub builds only.
        $(#[$m])*
        #[allow(clippy::too_many_arguments)]
        pub unsafe fn $name(
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
        ) -> Result<Wide, SeamcallError> {
            // SAFETY: forwarded contract.
            unsafe {
                vp_enter_floor(rcx, rdx, r8, r9, r10, r11, r12, r13, r14, r15, rbx, rdi, rsi)
            }
        }
    };
}
wide_floor!(
    #[inline(always)]
    vp_enter_floor_inline
);
wide_floor!(
    #[inline(never)]
    vp_enter_floor_outline
);

// ------------------------------------------------- (c), (d) Linux-style calls

/// Linux's `tdh_mng_rd()`: fill a zeroed `struct tdx_module_args`, call,
/// read R8 back from the struct.
///
/// # Safety
///
/// Stub builds only.
#[inline(always)]
unsafe fn mng_rd_linux(saved: bool, tdr: u64, field: u64, data: &mut u64) -> u64 {
    let mut args = TdxModuleArgs {
        rcx: tdr,
        rdx: field,
        ..TdxModuleArgs::default()
    };
    // SAFETY: forwarded contract; TDH.MNG.RD touches only RCX, RDX, R8, so
    // both entry points can carry it.
    let ret = unsafe {
        if saved {
            linux_style::seamcall_saved_ret(TDH_MNG_RD, &mut args)
        } else {
            linux_style::seamcall_ret(TDH_MNG_RD, &mut args)
        }
    };
    *data = args.r8;
    ret
}

macro_rules! narrow_linux {
    ($(#[$m:meta])* $name:ident, $saved:expr) => {
        /// (c) or (d) for the narrow leaf.
        ///
        /// # Safety
        ///
        /// Stub builds only.
        $(#[$m])*
        pub unsafe fn $name(tdr: u64, field: u64, data: &mut u64) -> u64 {
            // SAFETY: forwarded contract.
            unsafe { mng_rd_linux($saved, tdr, field, data) }
        }
    };
}
narrow_linux!(
    #[inline(always)]
    mng_rd_linux_saved_inline,
    true
);
narrow_linux!(
    #[inline(never)]
    mng_rd_linux_saved_outline,
    true
);
narrow_linux!(
    #[inline(always)]
    mng_rd_linux_ret_inline,
    false
);
narrow_linux!(
    #[inline(never)]
    mng_rd_linux_ret_outline,
    false
);

macro_rules! wide_linux {
    ($(#[$m:meta])* $name:ident, $entry:path) => {
        /// (c) or (d) for the wide leaf: KVM's `tdh_vp_enter()` shape, the
        /// registers live in the caller's `struct tdx_module_args`.
        ///
        /// # Safety
        ///
        /// Stub builds only.
        $(#[$m])*
        pub unsafe fn $name(args: &mut TdxModuleArgs) -> u64 {
            // SAFETY: forwarded contract.
            unsafe { $entry(TDH_VP_ENTER, args) }
        }
    };
}
wide_linux!(
    #[inline(always)]
    vp_enter_linux_saved_inline,
    linux_style::seamcall_saved_ret
);
wide_linux!(
    #[inline(never)]
    vp_enter_linux_saved_outline,
    linux_style::seamcall_saved_ret
);
wide_linux!(
    #[inline(always)]
    vp_enter_linux_ret_inline,
    linux_style::seamcall_ret
);
wide_linux!(
    #[inline(never)]
    vp_enter_linux_ret_outline,
    linux_style::seamcall_ret
);

// ------------------------------------------------------------------- loops

const TDR: u64 = 0x1_0000;
const FIELD: u64 = 0x9010_0003_0000_0010;

/// The error branch of the `_match` variants: cold and out of line, as a
/// caller's logging path would be.
#[cold]
#[inline(never)]
fn on_error(e: SeamcallError) -> u64 {
    black_box(e.raw())
}

// The loops hide their inputs from the optimizer and keep their outputs
// with empty `asm!` blocks on registers, not with `black_box`, which goes
// through memory: a store and a load per value would be harness cost in
// every iteration, as large as the call being measured.

/// `x`, unknown to the optimizer, still in a register.
#[inline(always)]
fn opaque(mut x: u64) -> u64 {
    // SAFETY: the template is empty (a comment); it claims to change `x`
    // and touches nothing else.
    unsafe { asm!("/* {0} */", inout(reg) x, options(nomem, nostack, preserves_flags)) };
    x
}

/// Keep two values: the optimizer must compute them.
#[inline(always)]
fn keep(a: u64, b: u64) {
    // SAFETY: the template is empty (a comment); it reads two registers.
    unsafe {
        asm!("/* {0} {1} */", in(reg) a, in(reg) b, options(nomem, nostack, preserves_flags))
    };
}

/// The `Result` as data, without a branch of the caller's own: its tag and
/// its payload, as they are laid out.
#[inline(always)]
fn parts(r: Result<u64, SeamcallError>) -> (u64, u64) {
    match r {
        Ok(v) => (0, v),
        Err(e) => (1, e.raw()),
    }
}

/// The `Result` as a caller matches on it: the value, or the error handled
/// on a cold path.
#[inline(always)]
fn matched(r: Result<u64, SeamcallError>) -> (u64, u64) {
    match r {
        Ok(v) => (0, v),
        Err(e) => (1, on_error(e)),
    }
}

/// `p`, which the optimizer must assume read and written through by
/// unknown code (so the struct is in memory, and is loaded again after).
#[inline(always)]
fn opaque_mut<T>(p: &mut T) -> &mut T {
    let mut raw: *mut T = p;
    // SAFETY: the template is empty (a comment): the pointer comes back
    // unchanged and nothing is written.
    unsafe { asm!("/* {0} */", inout(reg) raw, options(nostack, preserves_flags)) };
    // SAFETY: `raw` is `p`, valid and exclusive for the returned lifetime.
    unsafe { &mut *raw }
}

/// Store the 13 outputs of a wide leaf back into `a`.
#[inline(always)]
fn store_wide(a: &mut TdxModuleArgs, o: Wide) {
    *a = args_from_array(tuple13(o));
}

fn wide_state() -> TdxModuleArgs {
    TdxModuleArgs {
        rcx: 0x2_0000,
        rdx: 1,
        r8: 2,
        r9: 3,
        r10: 4,
        r11: 5,
        r12: 6,
        r13: 7,
        r14: 8,
        r15: 9,
        rbx: 10,
        rdi: 11,
        rsi: 12,
    }
}

/// A narrow loop: `$body` sees fresh opaque `tdr`, `field` each iteration
/// and gives two values, which are kept.
macro_rules! narrow_loop {
    ($name:ident, |$tdr:ident, $field:ident| $body:expr) => {
        #[inline(never)]
        fn $name(iters: u64) {
            require_stub();
            for _ in 0..iters {
                let $tdr = opaque(TDR);
                let $field = opaque(FIELD);
                // SAFETY: a stub build (checked above): the instruction is a
                // NOP and `xor eax, eax`; no module runs.
                let (a, b): (u64, u64) = unsafe { $body };
                keep(a, b);
            }
        }
    };
}

/// A wide loop: `$body` sees the caller's register struct, opaque to the
/// optimizer, and gives two values, which are kept.
///
/// The struct is filled afresh before each call (13 stores of constants, in
/// every variant alike), as an exit handler fills it before the next
/// TDH.VP.ENTER: so one call's inputs do not wait for the previous call's
/// outputs, and the loop measures the calls' cost, not the latency of a
/// store-to-load chain through the struct. `wide_chained_loop` measures
/// that chain.
macro_rules! wide_loop {
    ($name:ident, |$a:ident| $body:expr) => {
        #[inline(never)]
        fn $name(iters: u64) {
            require_stub();
            for _ in 0..iters {
                let mut state = wide_state();
                let $a: &mut TdxModuleArgs = opaque_mut(&mut state);
                // SAFETY: a stub build (checked above): the instruction is a
                // NOP and `xor eax, eax`; no module runs.
                let (x, y): (u64, u64) = unsafe { $body };
                keep(x, y);
            }
        }
    };
}

/// As `wide_loop`, but each call takes the previous call's outputs as its
/// inputs, through the struct: every iteration waits for the previous one's
/// stores to reach its loads.
macro_rules! wide_chained_loop {
    ($name:ident, |$a:ident| $body:expr) => {
        #[inline(never)]
        fn $name(iters: u64) {
            require_stub();
            let mut state = wide_state();
            for _ in 0..iters {
                let $a: &mut TdxModuleArgs = opaque_mut(&mut state);
                // SAFETY: a stub build (checked above): the instruction is a
                // NOP and `xor eax, eax`; no module runs.
                let (x, y): (u64, u64) = unsafe { $body };
                keep(x, y);
            }
        }
    };
}

/// The wide `Result` as the caller uses it: on success the 13 outputs go
/// back to the caller's struct (where Linux's entry point puts them too).
#[inline(always)]
fn wide_parts(a: &mut TdxModuleArgs, r: Result<Wide, SeamcallError>) -> (u64, u64) {
    match r {
        Ok(o) => {
            store_wide(a, o);
            (0, 0)
        }
        Err(e) => (1, e.raw()),
    }
}

/// As [`wide_parts`], with the error handled on a cold path.
#[inline(always)]
fn wide_matched(a: &mut TdxModuleArgs, r: Result<Wide, SeamcallError>) -> (u64, u64) {
    match r {
        Ok(o) => {
            store_wide(a, o);
            (0, 0)
        }
        Err(e) => (1, on_error(e)),
    }
}

narrow_loop!(narrow_inline_macro, |t, f| parts(mng_rd_macro_inline(t, f)));
narrow_loop!(narrow_inline_floor, |t, f| parts(mng_rd_floor_inline(t, f)));
narrow_loop!(narrow_inline_linux_saved_ret, |t, f| {
    let mut data = 0;
    let ret = mng_rd_linux_saved_inline(t, f, &mut data);
    (ret, data)
});
narrow_loop!(narrow_inline_linux_ret, |t, f| {
    let mut data = 0;
    let ret = mng_rd_linux_ret_inline(t, f, &mut data);
    (ret, data)
});
narrow_loop!(narrow_inline_macro_match, |t, f| matched(
    mng_rd_macro_inline(t, f)
));
narrow_loop!(narrow_inline_floor_match, |t, f| matched(
    mng_rd_floor_inline(t, f)
));

narrow_loop!(narrow_outline_macro, |t, f| parts(mng_rd_macro_outline(
    t, f
)));
narrow_loop!(narrow_outline_floor, |t, f| parts(mng_rd_floor_outline(
    t, f
)));
narrow_loop!(narrow_outline_linux_saved_ret, |t, f| {
    let mut data = 0;
    let ret = mng_rd_linux_saved_outline(t, f, &mut data);
    (ret, data)
});
narrow_loop!(narrow_outline_linux_ret, |t, f| {
    let mut data = 0;
    let ret = mng_rd_linux_ret_outline(t, f, &mut data);
    (ret, data)
});
narrow_loop!(narrow_outline_macro_match, |t, f| matched(
    mng_rd_macro_outline(t, f)
));
narrow_loop!(narrow_outline_floor_match, |t, f| matched(
    mng_rd_floor_outline(t, f)
));

wide_loop!(wide_inline_struct_macro, |a| {
    let r = call13!(vp_enter_macro_inline, args_array(a));
    wide_parts(a, r)
});
wide_loop!(wide_inline_struct_linux_saved_ret, |a| (
    vp_enter_linux_saved_inline(a),
    0
));

wide_loop!(wide_outline_struct_macro, |a| {
    let r = call13!(vp_enter_macro_outline, args_array(a));
    wide_parts(a, r)
});
wide_loop!(wide_outline_struct_linux_saved_ret, |a| (
    vp_enter_linux_saved_outline(a),
    0
));

/// The wide leaf with its values in registers, as the narrow loops have
/// them: 13 opaque inputs; the status and 13 outputs kept. The Linux-style
/// calls fill a `struct tdx_module_args` from the inputs and read the
/// outputs back from it, as their callers must.
macro_rules! wide_reg_loop {
    ($name:ident, |$v:ident| $body:expr) => {
        #[inline(never)]
        fn $name(iters: u64) {
            require_stub();
            for _ in 0..iters {
                let $v: [u64; 13] = core::array::from_fn(|i| opaque(i as u64 + 1));
                // SAFETY: a stub build (checked above): the instruction is a
                // NOP and `xor eax, eax`; no module runs.
                unsafe { $body };
            }
        }
    };
}

/// Keep a status and 13 values (two blocks: `asm!` can take at most 13
/// general registers).
#[inline(always)]
fn keep_wide(status: u64, o: [u64; 13]) {
    // SAFETY: the templates are empty (comments); they read registers.
    unsafe {
        asm!(
            "/* {0} {1} {2} {3} {4} {5} {6} */",
            in(reg) status, in(reg) o[0], in(reg) o[1], in(reg) o[2], in(reg) o[3],
            in(reg) o[4], in(reg) o[5],
            options(nomem, nostack, preserves_flags)
        );
        asm!(
            "/* {0} {1} {2} {3} {4} {5} {6} */",
            in(reg) o[6], in(reg) o[7], in(reg) o[8], in(reg) o[9], in(reg) o[10],
            in(reg) o[11], in(reg) o[12],
            options(nomem, nostack, preserves_flags)
        );
    }
}

/// The wide `Result` kept as it comes: the 13 values, or the error.
#[inline(always)]
fn keep_wide_result(r: Result<Wide, SeamcallError>) {
    match r {
        Ok(o) => keep_wide(0, tuple13(o)),
        Err(e) => keep(1, e.raw()),
    }
}

/// As [`keep_wide_result`], with the error handled on a cold path.
#[inline(always)]
fn keep_wide_matched(r: Result<Wide, SeamcallError>) {
    match r {
        Ok(o) => keep_wide(0, tuple13(o)),
        Err(e) => keep(1, on_error(e)),
    }
}

/// A Linux-style call from registers: fill the struct, call, read it back.
#[inline(always)]
fn linux_from_regs(v: [u64; 13], call: impl FnOnce(&mut TdxModuleArgs) -> u64) {
    let mut a = args_from_array(v);
    let ret = call(&mut a);
    let o = args_array(&a);
    keep_wide(ret, o);
}

wide_reg_loop!(wide_inline_macro, |v| keep_wide_result(call13!(
    vp_enter_macro_inline,
    v
)));
wide_reg_loop!(wide_inline_floor, |v| keep_wide_result(call13!(
    vp_enter_floor_inline,
    v
)));
wide_reg_loop!(wide_inline_linux_saved_ret, |v| linux_from_regs(v, |a| {
    vp_enter_linux_saved_inline(a)
}));
wide_reg_loop!(wide_inline_linux_ret, |v| linux_from_regs(v, |a| {
    vp_enter_linux_ret_inline(a)
}));
wide_reg_loop!(wide_inline_macro_match, |v| keep_wide_matched(call13!(
    vp_enter_macro_inline,
    v
)));
wide_reg_loop!(wide_inline_floor_match, |v| keep_wide_matched(call13!(
    vp_enter_floor_inline,
    v
)));

wide_reg_loop!(wide_outline_macro, |v| keep_wide_result(call13!(
    vp_enter_macro_outline,
    v
)));
wide_reg_loop!(wide_outline_floor, |v| keep_wide_result(call13!(
    vp_enter_floor_outline,
    v
)));
wide_reg_loop!(wide_outline_linux_saved_ret, |v| linux_from_regs(v, |a| {
    vp_enter_linux_saved_outline(a)
}));
wide_reg_loop!(wide_outline_linux_ret, |v| linux_from_regs(v, |a| {
    vp_enter_linux_ret_outline(a)
}));
wide_reg_loop!(wide_outline_macro_match, |v| keep_wide_matched(call13!(
    vp_enter_macro_outline,
    v
)));
wide_reg_loop!(wide_outline_floor_match, |v| keep_wide_matched(call13!(
    vp_enter_floor_outline,
    v
)));

wide_chained_loop!(wide_inline_chained_macro, |a| {
    let r = call13!(vp_enter_macro_inline, args_array(a));
    wide_parts(a, r)
});
wide_chained_loop!(wide_inline_chained_linux_saved_ret, |a| (
    vp_enter_linux_saved_inline(a),
    0
));

wide_chained_loop!(wide_outline_chained_macro, |a| {
    let r = call13!(vp_enter_macro_outline, args_array(a));
    wide_parts(a, r)
});
wide_chained_loop!(wide_outline_chained_linux_saved_ret, |a| (
    vp_enter_linux_saved_outline(a),
    0
));

/// (a) out of line as a caller whose values live in the struct writes it:
/// the leaf inlined into a function that takes the struct by pointer and
/// returns the status, the signature of Linux's `tdh_vp_enter()`.
///
/// # Safety
///
/// Stub builds only.
#[inline(never)]
pub unsafe fn vp_enter_macro_ptr(a: &mut TdxModuleArgs) -> u64 {
    // SAFETY: forwarded contract.
    match unsafe { call13!(vp_enter_macro_inline, args_array(a)) } {
        Ok(o) => {
            store_wide(a, o);
            0
        }
        Err(e) => e.raw(),
    }
}

wide_loop!(wide_outline_struct_macro_ptr, |a| (
    vp_enter_macro_ptr(a),
    0
));
wide_chained_loop!(wide_outline_chained_macro_ptr, |a| (
    vp_enter_macro_ptr(a),
    0
));

// Names: `macro`, `floor`, `linux_saved_ret`, `linux_ret`, `macro_match`,
// `floor_match`; for the wide leaf also `struct_macro`,
// `struct_linux_saved_ret`, `chained_macro`, `chained_linux_saved_ret`, and
// out of line `struct_macro_ptr`, `chained_macro_ptr`.
seamcall_tests::bench_variants! {
    narrow inline macro => narrow_inline_macro,
    narrow inline floor => narrow_inline_floor,
    narrow inline linux_saved_ret => narrow_inline_linux_saved_ret,
    narrow inline linux_ret => narrow_inline_linux_ret,
    narrow inline macro_match => narrow_inline_macro_match,
    narrow inline floor_match => narrow_inline_floor_match,
    narrow outline macro => narrow_outline_macro,
    narrow outline floor => narrow_outline_floor,
    narrow outline linux_saved_ret => narrow_outline_linux_saved_ret,
    narrow outline linux_ret => narrow_outline_linux_ret,
    narrow outline macro_match => narrow_outline_macro_match,
    narrow outline floor_match => narrow_outline_floor_match,
    wide inline macro => wide_inline_macro,
    wide inline floor => wide_inline_floor,
    wide inline linux_saved_ret => wide_inline_linux_saved_ret,
    wide inline linux_ret => wide_inline_linux_ret,
    wide inline macro_match => wide_inline_macro_match,
    wide inline floor_match => wide_inline_floor_match,
    wide inline struct_macro => wide_inline_struct_macro,
    wide inline struct_linux_saved_ret => wide_inline_struct_linux_saved_ret,
    wide inline chained_macro => wide_inline_chained_macro,
    wide inline chained_linux_saved_ret => wide_inline_chained_linux_saved_ret,
    wide outline macro => wide_outline_macro,
    wide outline floor => wide_outline_floor,
    wide outline linux_saved_ret => wide_outline_linux_saved_ret,
    wide outline linux_ret => wide_outline_linux_ret,
    wide outline macro_match => wide_outline_macro_match,
    wide outline floor_match => wide_outline_floor_match,
    wide outline struct_macro => wide_outline_struct_macro,
    wide outline struct_linux_saved_ret => wide_outline_struct_linux_saved_ret,
    wide outline chained_macro => wide_outline_chained_macro,
    wide outline struct_macro_ptr => wide_outline_struct_macro_ptr,
    wide outline chained_macro_ptr => wide_outline_chained_macro_ptr,
    wide outline chained_linux_saved_ret => wide_outline_chained_linux_saved_ret,
}
