//! Out-of-line wrappers for the guest codegen test (`tests/guest_codegen.rs`):
//! the catalog's shapes next to the hand-written `asm!` a careful engineer
//! would write for the same registers, with the same fault pads, table
//! entries and (for TDG.VP.VMCALL) the same zeroing. Not a demo; run
//! `cargo test --test guest_codegen`.

use core::arch::asm;

use seamcall_core::guest::{TdcallError, TdvmcallError};
use seamcall_core::{tdcall, tdvmcall};

/// The macro's TDG.VP.INFO.
#[tdcall(leaf = 1, out = [rcx, rdx, r8, r9, r10, r11], safe)]
#[no_mangle]
#[inline(never)]
pub fn guest_codegen_vp_info_macro() -> Result<(u64, u64, u64, u64, u64, u64), TdcallError>;

/// TDG.VP.INFO by hand: TDCALL, #UD/#GP pads that load the fault codes and
/// zero the outputs, two table entries, the status test.
#[no_mangle]
#[inline(never)]
pub fn guest_codegen_vp_info_floor() -> Result<(u64, u64, u64, u64, u64, u64), TdcallError> {
    let rax: u64;
    let (rcx, rdx, r8, r9, r10, r11): (u64, u64, u64, u64, u64, u64);
    // SAFETY: binds every register TDG.VP.INFO writes; faults resume at the
    // pads through the table.
    unsafe {
        asm!(
            "2:",
            ".byte 0x66, 0x0f, 0x01, 0xcc",
            "3:",
            ".pushsection .text.unlikely.seamcall_fixup, \"ax\", @progbits",
            "7:", "mov rax, 0x8000ff0000000006", "jmp 5f",
            "8:", "mov rax, 0x8000ff000000000d",
            "5:",
            "xor ecx, ecx", "xor edx, edx", "xor r8d, r8d", "xor r9d, r9d", "xor r10d, r10d",
            "xor r11d, r11d",
            "jmp 3b",
            ".popsection",
            ".pushsection seamcall_extable, \"aR\", @progbits",
            ".balign 4",
            ".long 2b - .", ".long 7b - .", ".long 6",
            ".long 2b - .", ".long 8b - .", ".long 13",
            ".popsection",
            inlateout("rax") 1u64 => rax,
            lateout("rcx") rcx, lateout("rdx") rdx, lateout("r8") r8, lateout("r9") r9,
            lateout("r10") r10, lateout("r11") r11,
            options(nostack),
        );
    }
    match TdcallError::from_status(rax) {
        None => Ok((rcx, rdx, r8, r9, r10, r11)),
        Some(e) => Err(e),
    }
}

/// The macro's Instruction.RDMSR.
#[tdvmcall(subfn = 0x1F, in = [r12], out = [r11])]
#[no_mangle]
#[inline(never)]
pub unsafe fn guest_codegen_rdmsr_macro(msr: u32) -> Result<u64, TdvmcallError>;

/// Instruction.RDMSR by hand: RAX = 0, RCX = 0x1C00, R10 = 0, R11 = 0x1F,
/// R12 = the MSR, the pads and entries, R10-R12 zeroed once read, then RAX
/// and R10 tested.
///
/// # Safety
///
/// The value comes from the VMM.
#[no_mangle]
#[inline(never)]
pub unsafe fn guest_codegen_rdmsr_floor(msr: u32) -> Result<u64, TdvmcallError> {
    let (rax, r10, r11): (u64, u64, u64);
    // SAFETY: every register the mask exposes is bound and declared
    // changed; faults resume at the pads through the table; the second
    // block only zeroes registers it declares.
    unsafe {
        asm!(
            "2:",
            ".byte 0x66, 0x0f, 0x01, 0xcc",
            "3:",
            ".pushsection .text.unlikely.seamcall_fixup, \"ax\", @progbits",
            "7:", "mov rax, 0x8000ff0000000006", "jmp 5f",
            "8:", "mov rax, 0x8000ff000000000d",
            "5:", "xor r10d, r10d", "xor r11d, r11d", "jmp 3b",
            ".popsection",
            ".pushsection seamcall_extable, \"aR\", @progbits",
            ".balign 4",
            ".long 2b - .", ".long 7b - .", ".long 6",
            ".long 2b - .", ".long 8b - .", ".long 13",
            ".popsection",
            inlateout("rax") 0u64 => rax,
            in("rcx") 0x1C00u64,
            inlateout("r10") 0u64 => r10,
            inlateout("r11") 0x1Fu64 => r11,
            inlateout("r12") u64::from(msr) => _,
            options(nostack),
        );
        asm!(
            "xor r10d, r10d", "xor r11d, r11d", "xor r12d, r12d",
            lateout("r10") _, lateout("r11") _, lateout("r12") _,
            options(nomem, nostack),
        );
    }
    match TdvmcallError::from_module(rax) {
        Some(e) => Err(e),
        None => match TdvmcallError::from_vmm(r10) {
            Some(e) => Err(e),
            None => Ok(r11),
        },
    }
}

fn main() {
    // Keep the symbols referenced; never called (TDCALL faults outside a TD).
    let a = guest_codegen_vp_info_macro as fn() -> _;
    let b = guest_codegen_vp_info_floor as fn() -> _;
    let c = guest_codegen_rdmsr_macro as unsafe fn(u32) -> _;
    let d = guest_codegen_rdmsr_floor as unsafe fn(u32) -> _;
    println!(
        "{:p} {:p} {:p} {:p}",
        a as *const (), b as *const (), c as *const (), d as *const ()
    );
}
