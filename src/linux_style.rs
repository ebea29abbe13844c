//! Linux's out-of-line SEAMCALL entry points, rewritten here so that the
//! benchmarks can compare `#[seamcall]` with what a Rust hypervisor would
//! otherwise do: call a function that moves registers through the 13-register
//! `struct tdx_module_args`.
//!
//! Linux generates its three host entry points from one assembler macro,
//! `TDX_MODULE_CALL` (`arch/x86/virt/vmx/tdx/tdxcall.S`, `seamcall.S`). Two are
//! reproduced, step by step, with the same loads, stores, pushes and register
//! scrubbing:
//!
//! * [`seamcall_ret`] (Linux's `__seamcall_ret`): loads RCX, RDX and R8–R11
//!   from the struct, and stores the same six back after the call;
//! * [`seamcall_saved_ret`] (Linux's `__seamcall_saved_ret`, used for
//!   TDH.VP.ENTER): also pushes the callee-saved RBX and R12–R15, moves all 13
//!   registers in and out, and XORs the guest-visible ones before returning.
//!
//! Three things of Linux's are left out, each of which would only make these
//! functions slower: `FRAME_BEGIN`/`FRAME_END` (a frame-pointer kernel's
//! `push rbp; mov rbp, rsp`), the `endbr64` an IBT kernel puts at each entry,
//! and the return thunk a retpoline/rethunk kernel jumps to instead of `ret`.
//! The numbers measured with these functions are therefore a lower bound of
//! Linux's cost.
//!
//! The instruction is `seamcall_core::__seamcall_insn!()`, so the stand-in of
//! a `--cfg seamcall_stub` build replaces it here exactly as in the macro's
//! expansion. Both functions record `seamcall_extable` entries in the
//! crate's format (the fixup pads load the error status), so in a normal build
//! a fault handler that searches the table (a kernel's, or
//! `seamcall_core::emulate`'s) turns #UD/#GP into `TDX_SEAMCALL_UD` /
//! `TDX_SEAMCALL_GP`, as Linux's `.Lseamcall_trap` does, and the emulator can
//! answer them like any declared leaf.

use core::arch::global_asm;

/// Linux's `struct tdx_module_args` (`arch/x86/include/asm/shared/tdx.h`):
/// every register a leaf can take or return, in Linux's order.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TdxModuleArgs {
    /// RCX.
    pub rcx: u64,
    /// RDX.
    pub rdx: u64,
    /// R8.
    pub r8: u64,
    /// R9.
    pub r9: u64,
    /// R10.
    pub r10: u64,
    /// R11.
    pub r11: u64,
    /// R12.
    pub r12: u64,
    /// R13.
    pub r13: u64,
    /// R14.
    pub r14: u64,
    /// R15.
    pub r15: u64,
    /// RBX.
    pub rbx: u64,
    /// RDI.
    pub rdi: u64,
    /// RSI.
    pub rsi: u64,
}

// The assembly below addresses the fields by these offsets.
const _: () = {
    assert!(core::mem::offset_of!(TdxModuleArgs, rcx) == 0);
    assert!(core::mem::offset_of!(TdxModuleArgs, r11) == 40);
    assert!(core::mem::offset_of!(TdxModuleArgs, r12) == 48);
    assert!(core::mem::offset_of!(TdxModuleArgs, r15) == 72);
    assert!(core::mem::offset_of!(TdxModuleArgs, rbx) == 80);
    assert!(core::mem::offset_of!(TdxModuleArgs, rdi) == 88);
    assert!(core::mem::offset_of!(TdxModuleArgs, rsi) == 96);
    assert!(core::mem::size_of::<TdxModuleArgs>() == 104);
};

// `u64 linux_seamcall_ret(u64 leaf /* rdi */, struct tdx_module_args *args /* rsi */)`
//
// Linux's `__seamcall_ret` (`TDX_MODULE_CALL host=1 ret=1`): every register
// it touches is caller-saved under the SysV ABI, so it saves nothing, and the
// struct pointer stays in RSI across the call (no leaf of this form writes
// RSI).
global_asm!(
    ".pushsection .text.linux_seamcall_ret, \"ax\", @progbits",
    ".globl linux_seamcall_ret",
    ".type linux_seamcall_ret, @function",
    ".p2align 4",
    "linux_seamcall_ret:",
    "mov rax, rdi",                 // leaf word: 1st argument → RAX
    "mov rcx, qword ptr [rsi]",     // inputs from the struct
    "mov rdx, qword ptr [rsi + 8]",
    "mov r8, qword ptr [rsi + 16]",
    "mov r9, qword ptr [rsi + 24]",
    "mov r10, qword ptr [rsi + 32]",
    "mov r11, qword ptr [rsi + 40]",
    ".Llinux_ret_insn:",
    seamcall_core::__seamcall_insn!(),
    "jc .Llinux_ret_vmfail",        // CF=1: VMfailInvalid, RAX unchanged
    "mov qword ptr [rsi], rcx",     // outputs back to the struct
    "mov qword ptr [rsi + 8], rdx",
    "mov qword ptr [rsi + 16], r8",
    "mov qword ptr [rsi + 24], r9",
    "mov qword ptr [rsi + 32], r10",
    "mov qword ptr [rsi + 40], r11",
    ".Llinux_ret_out:",
    "ret",
    // Failure paths store nothing, as Linux's do.
    ".Llinux_ret_vmfail:",
    "mov rax, {vmfail}",
    "jmp .Llinux_ret_out",
    ".Llinux_ret_ud:",
    "mov rax, {ud}",
    "jmp .Llinux_ret_out",
    ".Llinux_ret_gp:",
    "mov rax, {gp}",
    "jmp .Llinux_ret_out",
    ".size linux_seamcall_ret, . - linux_seamcall_ret",
    ".popsection",
    ".pushsection seamcall_extable, \"aR\", @progbits",
    ".balign 4",
    ".long .Llinux_ret_insn - .",
    ".long .Llinux_ret_ud - .",
    ".long 6",
    ".long .Llinux_ret_insn - .",
    ".long .Llinux_ret_gp - .",
    ".long 13",
    ".popsection",
    vmfail = const seamcall_core::__private::SEAMCALL_VMFAILINVALID,
    ud = const seamcall_core::__private::SEAMCALL_UD,
    gp = const seamcall_core::__private::SEAMCALL_GP,
);

// `u64 linux_seamcall_saved_ret(u64 leaf /* rdi */, struct tdx_module_args *args /* rsi */)`
//
// Linux's `__seamcall_saved_ret` (`TDX_MODULE_CALL host=1 ret=1 saved=1`).
// After the instruction every GPR but RAX, RSP and RBP may hold a result, so
// the struct pointer lives on the stack across it.
global_asm!(
    ".pushsection .text.linux_seamcall_saved_ret, \"ax\", @progbits",
    ".globl linux_seamcall_saved_ret",
    ".type linux_seamcall_saved_ret, @function",
    ".p2align 4",
    "linux_seamcall_saved_ret:",
    "mov rax, rdi",                 // leaf word: 1st argument → RAX
    "mov rcx, qword ptr [rsi]",     // caller-saved inputs
    "mov rdx, qword ptr [rsi + 8]",
    "mov r8, qword ptr [rsi + 16]",
    "mov r9, qword ptr [rsi + 24]",
    "mov r10, qword ptr [rsi + 32]",
    "mov r11, qword ptr [rsi + 40]",
    "push rbx",                     // callee-saved: the SysV ABI wants them back
    "push r12",
    "push r13",
    "push r14",
    "push r15",
    "mov r12, qword ptr [rsi + 48]", // callee-saved inputs
    "mov r13, qword ptr [rsi + 56]",
    "mov r14, qword ptr [rsi + 64]",
    "mov r15, qword ptr [rsi + 72]",
    "mov rbx, qword ptr [rsi + 80]",
    "push rsi",                     // the struct pointer, for after the call
    "mov rdi, qword ptr [rsi + 88]",
    "mov rsi, qword ptr [rsi + 96]", // RSI last: it held the pointer
    ".Llinux_saved_insn:",
    seamcall_core::__seamcall_insn!(),
    "jc .Llinux_saved_vmfail",      // CF=1: VMfailInvalid, RAX unchanged
    "push rax",                     // no register is free: park the status,
    "mov rax, qword ptr [rsp + 8]", // fetch the pointer,
    "mov qword ptr [rax + 96], rsi", // store RSI,
    "pop rax",                      // and take the status back
    "pop rsi",                      // the pointer
    "mov qword ptr [rsi], rcx",     // the other twelve outputs
    "mov qword ptr [rsi + 8], rdx",
    "mov qword ptr [rsi + 16], r8",
    "mov qword ptr [rsi + 24], r9",
    "mov qword ptr [rsi + 32], r10",
    "mov qword ptr [rsi + 40], r11",
    "mov qword ptr [rsi + 48], r12",
    "mov qword ptr [rsi + 56], r13",
    "mov qword ptr [rsi + 64], r14",
    "mov qword ptr [rsi + 72], r15",
    "mov qword ptr [rsi + 80], rbx",
    "mov qword ptr [rsi + 88], rdi",
    // Scrub guest-controlled values so that they cannot feed speculation
    // after the return (Linux follows vmenter.S here). The callee-saved
    // ones are overwritten by the pops below anyway; Linux clears them too.
    "xor ecx, ecx",
    "xor edx, edx",
    "xor r8d, r8d",
    "xor r9d, r9d",
    "xor r10d, r10d",
    "xor r11d, r11d",
    "xor r12d, r12d",
    "xor r13d, r13d",
    "xor r14d, r14d",
    "xor r15d, r15d",
    "xor ebx, ebx",
    "xor edi, edi",
    ".Llinux_saved_out:",
    "pop r15",
    "pop r14",
    "pop r13",
    "pop r12",
    "pop rbx",
    "ret",
    // Failure paths store nothing; they drop the parked pointer.
    ".Llinux_saved_vmfail:",
    "mov rax, {vmfail}",
    "jmp .Llinux_saved_fail",
    ".Llinux_saved_ud:",
    "mov rax, {ud}",
    "jmp .Llinux_saved_fail",
    ".Llinux_saved_gp:",
    "mov rax, {gp}",
    ".Llinux_saved_fail:",
    "pop rsi",
    "jmp .Llinux_saved_out",
    ".size linux_seamcall_saved_ret, . - linux_seamcall_saved_ret",
    ".popsection",
    ".pushsection seamcall_extable, \"aR\", @progbits",
    ".balign 4",
    ".long .Llinux_saved_insn - .",
    ".long .Llinux_saved_ud - .",
    ".long 6",
    ".long .Llinux_saved_insn - .",
    ".long .Llinux_saved_gp - .",
    ".long 13",
    ".popsection",
    vmfail = const seamcall_core::__private::SEAMCALL_VMFAILINVALID,
    ud = const seamcall_core::__private::SEAMCALL_UD,
    gp = const seamcall_core::__private::SEAMCALL_GP,
);

extern "C" {
    fn linux_seamcall_ret(leaf: u64, args: *mut TdxModuleArgs) -> u64;
    fn linux_seamcall_saved_ret(leaf: u64, args: *mut TdxModuleArgs) -> u64;
}

/// Linux's `__seamcall_ret`: issue leaf word `leaf` with RCX, RDX and R8–R11
/// from `args`, and store the same six back. Returns the status (0 for
/// success, Linux's software codes for VMfailInvalid, #UD and #GP).
///
/// # Safety
///
/// As for any SEAMCALL: the caller upholds the leaf's contract (physical
/// addresses it hands to the module, and so on). The leaf must read and write
/// no register outside RCX, RDX and R8–R11 (the function saves nothing else).
/// Outside a `--cfg seamcall_stub` build, #UD/#GP must be handled through
/// `seamcall_extable` (a kernel's handler, or `seamcall_core::emulate`'s).
#[inline]
pub unsafe fn seamcall_ret(leaf: u64, args: &mut TdxModuleArgs) -> u64 {
    // SAFETY: `args` is a valid, exclusive `struct tdx_module_args`; the
    // function follows the SysV ABI (it changes only caller-saved registers)
    // and the leaf's contract is the caller's, as documented above.
    unsafe { linux_seamcall_ret(leaf, args) }
}

/// Linux's `__seamcall_saved_ret`: issue leaf word `leaf` with all 13
/// registers of `args`, store all 13 back, and scrub them. Returns the status
/// as [`seamcall_ret`] does.
///
/// # Safety
///
/// As for any SEAMCALL: the caller upholds the leaf's contract. The leaf must
/// not change RBP or RSP. Outside a `--cfg seamcall_stub` build, #UD/#GP must
/// be handled through `seamcall_extable`.
#[inline]
pub unsafe fn seamcall_saved_ret(leaf: u64, args: &mut TdxModuleArgs) -> u64 {
    // SAFETY: `args` is a valid, exclusive `struct tdx_module_args`; the
    // function saves and restores RBX and R12–R15 and otherwise changes only
    // caller-saved registers, as the SysV ABI requires; the leaf's contract is
    // the caller's, as documented above.
    unsafe { linux_seamcall_saved_ret(leaf, args) }
}
