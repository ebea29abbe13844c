//! A harness that checks the callee-saved registers across a whole call.
//!
//! [`check`] loads known patterns into RBX, RBP and R12–R15, calls `f(arg)`
//! (an `extern "C"` function that makes a leaf call, with the leaf inlined
//! into it), and returns a bit mask of the registers whose value changed.
//! The caller's frame is built in assembly, so RBP holds the pattern across
//! the call whatever frame-pointer setting the Rust code is compiled with,
//! and a block that loses RBP (or any other callee-saved register) shows up
//! in the mask instead of going unnoticed.

use core::ffi::c_void;

/// Bit of RBX in the mask [`check`] returns.
pub const RBX: u64 = 1 << 0;
/// Bit of RBP in the mask [`check`] returns.
pub const RBP: u64 = 1 << 1;
/// Bit of R12 in the mask [`check`] returns.
pub const R12: u64 = 1 << 2;
/// Bit of R13 in the mask [`check`] returns.
pub const R13: u64 = 1 << 3;
/// Bit of R14 in the mask [`check`] returns.
pub const R14: u64 = 1 << 4;
/// Bit of R15 in the mask [`check`] returns.
pub const R15: u64 = 1 << 5;

// `seamcall_check_callee_saved(f, arg)`: save the six callee-saved
// registers, load patterns into them, call `f(arg)` with RSP 16-byte
// aligned, compare, restore. Returns the mask in RAX.
core::arch::global_asm!(
    ".pushsection .text.seamcall_check_callee_saved, \"ax\", @progbits",
    ".p2align 4",
    ".globl seamcall_check_callee_saved",
    ".hidden seamcall_check_callee_saved",
    ".type seamcall_check_callee_saved, @function",
    "seamcall_check_callee_saved:",
    "push rbx",
    "push rbp",
    "push r12",
    "push r13",
    "push r14",
    "push r15",
    "sub rsp, 8",
    "mov rax, rdi",
    "mov rdi, rsi",
    "mov rbx, 0x1111111111111111",
    "mov rbp, 0x2222222222222222",
    "mov r12, 0x3333333333333333",
    "mov r13, 0x4444444444444444",
    "mov r14, 0x5555555555555555",
    "mov r15, 0x6666666666666666",
    "call rax",
    "xor eax, eax",
    "mov rcx, 0x1111111111111111",
    "cmp rbx, rcx",
    "setne dl",
    "or al, dl",
    "mov rcx, 0x2222222222222222",
    "cmp rbp, rcx",
    "setne dl",
    "shl dl, 1",
    "or al, dl",
    "mov rcx, 0x3333333333333333",
    "cmp r12, rcx",
    "setne dl",
    "shl dl, 2",
    "or al, dl",
    "mov rcx, 0x4444444444444444",
    "cmp r13, rcx",
    "setne dl",
    "shl dl, 3",
    "or al, dl",
    "mov rcx, 0x5555555555555555",
    "cmp r14, rcx",
    "setne dl",
    "shl dl, 4",
    "or al, dl",
    "mov rcx, 0x6666666666666666",
    "cmp r15, rcx",
    "setne dl",
    "shl dl, 5",
    "or al, dl",
    "add rsp, 8",
    "pop r15",
    "pop r14",
    "pop r13",
    "pop r12",
    "pop rbp",
    "pop rbx",
    "ret",
    ".size seamcall_check_callee_saved, . - seamcall_check_callee_saved",
    ".popsection",
);

extern "C" {
    fn seamcall_check_callee_saved(f: *const (), arg: *mut c_void) -> u64;
}

/// Call `f(arg)` with known values in RBX, RBP and R12–R15 and return the
/// mask of those that differ afterwards ([`RBX`], [`RBP`], [`R12`] …
/// [`R15`]); 0 when all six survived.
///
/// # Safety
///
/// Calling `f(arg)` must be sound. `f` must not unwind (an `extern "C"`
/// function aborts instead).
pub unsafe fn check<T>(f: extern "C" fn(*mut T), arg: *mut T) -> u64 {
    // SAFETY: the assembly above is a C-ABI function that preserves every
    // callee-saved register and RSP, keeps RSP aligned at the call, and calls
    // `f` with `arg` as its only argument, which the caller says is sound.
    // `extern "C" fn(*mut T)` takes its pointer argument in RDI whatever `T`
    // is, which is how the assembly passes it.
    unsafe { seamcall_check_callee_saved(f as *const (), arg.cast()) }
}
