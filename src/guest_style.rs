//! The guest-side peers' out-of-line TDCALL entry points, rewritten so that
//! the benchmarks can compare `#[tdcall]`/`#[tdvmcall]` with them:
//!
//! * [`td_call`] and [`td_vmcall`]: td-shim's `asm_td_call`
//!   and `asm_td_vmcall` (confidential-containers/td-shim
//!   `tdx-tdcall/src/asm/tdcall.asm` and `tdvmcall.asm` at 125eeab): an
//!   `extern "win64"` function that pushes every callee-saved register of
//!   that ABI (RBP, R15-R12, RBX, RSI, RDI), loads the registers from a
//!   struct in memory, issues TDCALL (for TDG.VP.VMCALL with the fixed mask
//!   0xFC00, R10-R15), stores them back on success and pops;
//! * [`tdcall_saved_ret`]: Linux's `__tdcall_saved_ret`
//!   (`TDX_MODULE_CALL host=0 ret=1 saved=1`, torvalds/linux
//!   `arch/x86/virt/vmx/tdx/tdxcall.S` at 3bf3e21c), the path of every
//!   `__tdx_hypercall()`: all 13 registers of `struct tdx_module_args` in
//!   and out, RBX and R12-R15 saved, the shared registers XORed after.
//!
//! The steps are the peers'; the text is written here. Left out, as in
//! `linux_style`: IBT's `endbr64` and return thunks; td-shim's optional
//! `sti` is kept but never taken here. Each function records
//! `seamcall_extable` entries, so in a normal build its #UD/#GP returns the
//! fault codes.
//!
//! The instruction is `seamcall_core::__tdcall_insn!()`: the stand-in of a
//! `--cfg seamcall_stub` build replaces it as in the macros' expansions.

use core::arch::global_asm;

pub use crate::linux_style::TdxModuleArgs;

/// td-shim's `TdcallArgs`: RAX, RCX, RDX, R8-R14, in that order.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct TdcallArgs {
    pub rax: u64,
    pub rcx: u64,
    pub rdx: u64,
    pub r8: u64,
    pub r9: u64,
    pub r10: u64,
    pub r11: u64,
    pub r12: u64,
    pub r13: u64,
    pub r14: u64,
}

/// td-shim's `TdVmcallArgs`: R10-R15, in that order.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct TdVmcallArgs {
    pub r10: u64,
    pub r11: u64,
    pub r12: u64,
    pub r13: u64,
    pub r14: u64,
    pub r15: u64,
}

const _: () = {
    assert!(core::mem::size_of::<TdcallArgs>() == 80);
    assert!(core::mem::size_of::<TdVmcallArgs>() == 48);
};

// `u64 tdshim_td_call(TdcallArgs *args /* rcx, win64 */)`
global_asm!(
    ".pushsection .text.tdshim_td_call, \"ax\", @progbits",
    ".globl tdshim_td_call",
    ".type tdshim_td_call, @function",
    ".p2align 4",
    "tdshim_td_call:",
    "push rbp",
    "mov rbp, rsp",
    "push r15",
    "push r14",
    "push r13",
    "push r12",
    "push rbx",
    "push rsi",
    "push rdi",
    "mov rdi, rcx", // the struct pointer, kept in RDI
    "mov rax, qword ptr [rdi]",
    "mov rcx, qword ptr [rdi + 8]",
    "mov rdx, qword ptr [rdi + 16]",
    "mov r8, qword ptr [rdi + 24]",
    "mov r9, qword ptr [rdi + 32]",
    "mov r10, qword ptr [rdi + 40]",
    "mov r11, qword ptr [rdi + 48]",
    "mov r12, qword ptr [rdi + 56]",
    "mov r13, qword ptr [rdi + 64]",
    "mov r14, qword ptr [rdi + 72]",
    ".Ltdshim_call_insn:",
    seamcall_core::__tdcall_insn!(),
    "test rax, rax", // a failure stores nothing
    "jnz .Ltdshim_call_out",
    "mov qword ptr [rdi], rax",
    "mov qword ptr [rdi + 8], rcx",
    "mov qword ptr [rdi + 16], rdx",
    "mov qword ptr [rdi + 24], r8",
    "mov qword ptr [rdi + 32], r9",
    "mov qword ptr [rdi + 40], r10",
    "mov qword ptr [rdi + 48], r11",
    "mov qword ptr [rdi + 56], r12",
    "mov qword ptr [rdi + 64], r13",
    "mov qword ptr [rdi + 72], r14",
    ".Ltdshim_call_out:",
    "pop rdi",
    "pop rsi",
    "pop rbx",
    "pop r12",
    "pop r13",
    "pop r14",
    "pop r15",
    "pop rbp",
    "ret",
    ".Ltdshim_call_ud:",
    "mov rax, {ud}",
    "jmp .Ltdshim_call_out",
    ".Ltdshim_call_gp:",
    "mov rax, {gp}",
    "jmp .Ltdshim_call_out",
    ".size tdshim_td_call, . - tdshim_td_call",
    ".popsection",
    ".pushsection seamcall_extable, \"aR\", @progbits",
    ".balign 4",
    ".long .Ltdshim_call_insn - .",
    ".long .Ltdshim_call_ud - .",
    ".long 6",
    ".long .Ltdshim_call_insn - .",
    ".long .Ltdshim_call_gp - .",
    ".long 13",
    ".popsection",
    ud = const seamcall_core::__private::SEAMCALL_UD,
    gp = const seamcall_core::__private::SEAMCALL_GP,
);

// `u64 tdshim_td_vmcall(TdVmcallArgs *args /* rcx */, u64 do_sti /* rdx */)` (win64)
global_asm!(
    ".pushsection .text.tdshim_td_vmcall, \"ax\", @progbits",
    ".globl tdshim_td_vmcall",
    ".type tdshim_td_vmcall, @function",
    ".p2align 4",
    "tdshim_td_vmcall:",
    "push rbp",
    "mov rbp, rsp",
    "push r15",
    "push r14",
    "push r13",
    "push r12",
    "push rbx",
    "push rsi",
    "push rdi",
    "mov rdi, rcx", // the struct pointer, kept in RDI
    "mov r10, qword ptr [rdi]",
    "mov r11, qword ptr [rdi + 8]",
    "mov r12, qword ptr [rdi + 16]",
    "mov r13, qword ptr [rdi + 24]",
    "mov r14, qword ptr [rdi + 32]",
    "mov r15, qword ptr [rdi + 40]",
    "mov ecx, 0xfc00", // the fixed mask: R10-R15
    "xor eax, eax",    // TDG.VP.VMCALL
    "test rdx, rdx",   // do_sti: td-shim enables interrupts first (0 here)
    "jz .Ltdshim_vmcall_nosti",
    "sti",
    ".Ltdshim_vmcall_nosti:",
    ".Ltdshim_vmcall_insn:",
    seamcall_core::__tdcall_insn!(),
    "test rax, rax",
    "jnz .Ltdshim_vmcall_out",
    "mov qword ptr [rdi], r10",
    "mov qword ptr [rdi + 8], r11",
    "mov qword ptr [rdi + 16], r12",
    "mov qword ptr [rdi + 24], r13",
    "mov qword ptr [rdi + 32], r14",
    "mov qword ptr [rdi + 40], r15",
    ".Ltdshim_vmcall_out:",
    "pop rdi",
    "pop rsi",
    "pop rbx",
    "pop r12",
    "pop r13",
    "pop r14",
    "pop r15",
    "pop rbp",
    "ret",
    ".Ltdshim_vmcall_ud:",
    "mov rax, {ud}",
    "jmp .Ltdshim_vmcall_out",
    ".Ltdshim_vmcall_gp:",
    "mov rax, {gp}",
    "jmp .Ltdshim_vmcall_out",
    ".size tdshim_td_vmcall, . - tdshim_td_vmcall",
    ".popsection",
    ".pushsection seamcall_extable, \"aR\", @progbits",
    ".balign 4",
    ".long .Ltdshim_vmcall_insn - .",
    ".long .Ltdshim_vmcall_ud - .",
    ".long 6",
    ".long .Ltdshim_vmcall_insn - .",
    ".long .Ltdshim_vmcall_gp - .",
    ".long 13",
    ".popsection",
    ud = const seamcall_core::__private::SEAMCALL_UD,
    gp = const seamcall_core::__private::SEAMCALL_GP,
);

// `u64 linux_tdcall_saved_ret(u64 leaf /* rdi */, struct tdx_module_args *args /* rsi */)`
//
// As `linux_seamcall_saved_ret`, with TDCALL, which reports no
// VMfailInvalid: no CF test.
global_asm!(
    ".pushsection .text.linux_tdcall_saved_ret, \"ax\", @progbits",
    ".globl linux_tdcall_saved_ret",
    ".type linux_tdcall_saved_ret, @function",
    ".p2align 4",
    "linux_tdcall_saved_ret:",
    "mov rax, rdi",
    "mov rcx, qword ptr [rsi]",
    "mov rdx, qword ptr [rsi + 8]",
    "mov r8, qword ptr [rsi + 16]",
    "mov r9, qword ptr [rsi + 24]",
    "mov r10, qword ptr [rsi + 32]",
    "mov r11, qword ptr [rsi + 40]",
    "push rbx",
    "push r12",
    "push r13",
    "push r14",
    "push r15",
    "mov r12, qword ptr [rsi + 48]",
    "mov r13, qword ptr [rsi + 56]",
    "mov r14, qword ptr [rsi + 64]",
    "mov r15, qword ptr [rsi + 72]",
    "mov rbx, qword ptr [rsi + 80]",
    "push rsi",
    "mov rdi, qword ptr [rsi + 88]",
    "mov rsi, qword ptr [rsi + 96]",
    ".Llinux_tdcall_insn:",
    seamcall_core::__tdcall_insn!(),
    "push rax",
    "mov rax, qword ptr [rsp + 8]",
    "mov qword ptr [rax + 96], rsi",
    "pop rax",
    "pop rsi",
    "mov qword ptr [rsi], rcx",
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
    ".Llinux_tdcall_out:",
    "pop r15",
    "pop r14",
    "pop r13",
    "pop r12",
    "pop rbx",
    "ret",
    ".Llinux_tdcall_ud:",
    "mov rax, {ud}",
    "jmp .Llinux_tdcall_fail",
    ".Llinux_tdcall_gp:",
    "mov rax, {gp}",
    ".Llinux_tdcall_fail:",
    "pop rsi",
    "jmp .Llinux_tdcall_out",
    ".size linux_tdcall_saved_ret, . - linux_tdcall_saved_ret",
    ".popsection",
    ".pushsection seamcall_extable, \"aR\", @progbits",
    ".balign 4",
    ".long .Llinux_tdcall_insn - .",
    ".long .Llinux_tdcall_ud - .",
    ".long 6",
    ".long .Llinux_tdcall_insn - .",
    ".long .Llinux_tdcall_gp - .",
    ".long 13",
    ".popsection",
    ud = const seamcall_core::__private::SEAMCALL_UD,
    gp = const seamcall_core::__private::SEAMCALL_GP,
);

extern "win64" {
    fn tdshim_td_call(args: *mut TdcallArgs) -> u64;
    fn tdshim_td_vmcall(args: *mut TdVmcallArgs, do_sti: u64) -> u64;
}

extern "C" {
    fn linux_tdcall_saved_ret(leaf: u64, args: *mut TdxModuleArgs) -> u64;
}

/// td-shim's `td_call`: issue the TDCALL described by `args` (RAX = leaf),
/// store the registers back on success. Returns RAX.
///
/// # Safety
///
/// As for any TDCALL: the caller upholds the leaf's contract, and the leaf
/// writes no register outside RAX, RCX, RDX and R8-R14. Outside a
/// `--cfg seamcall_stub` build, #UD/#GP must be handled through
/// `seamcall_extable`.
#[inline]
pub unsafe fn td_call(args: &mut TdcallArgs) -> u64 {
    // SAFETY: `args` is a valid, exclusive struct; the function follows the
    // win64 ABI (it saves every register that ABI calls callee-saved).
    unsafe { tdshim_td_call(args) }
}

/// td-shim's `td_vmcall`: TDG.VP.VMCALL exposing R10-R15 from `args`,
/// stored back on success. Returns RAX.
///
/// # Safety
///
/// As [`td_call`].
#[inline]
pub unsafe fn td_vmcall(args: &mut TdVmcallArgs) -> u64 {
    // SAFETY: as in `td_call`; `do_sti` = 0 (no `sti`).
    unsafe { tdshim_td_vmcall(args, 0) }
}

/// Linux's `__tdcall_saved_ret`: issue leaf word `leaf` with all 13
/// registers of `args`, store all 13 back, and scrub them. Returns RAX.
///
/// # Safety
///
/// As [`td_call`]; the leaf must not change RBP or RSP.
#[inline]
pub unsafe fn tdcall_saved_ret(leaf: u64, args: &mut TdxModuleArgs) -> u64 {
    // SAFETY: `args` is a valid, exclusive `struct tdx_module_args`; the
    // function saves and restores RBX and R12-R15 (SysV ABI).
    unsafe { linux_tdcall_saved_ret(leaf, args) }
}
