//! Out-of-line wrappers for the codegen test (`tests/codegen.rs`): the
//! macro's TDH.MNG.RD-shaped leaf next to the hand-written `asm!` a careful
//! engineer would write for the same registers. Not a demo; run
//! `cargo test --test codegen`.

use core::arch::asm;

use seamcall_core::{seamcall, SeamcallError};

/// The macro's leaf: `in = [rcx, rdx], out = [r8]`.
#[seamcall(leaf = 11, in = [rcx, rdx], out = [r8])]
#[no_mangle]
#[inline(never)]
pub unsafe fn codegen_mng_rd_macro(tdr: u64, field: u64) -> Result<u64, SeamcallError>;

/// The same leaf by hand: the instruction, the CF check every correct
/// wrapper needs (RAX keeps the leaf word on VMfailInvalid), cold pads for
/// CF=1, #UD and #GP with their two table entries, and the status test.
/// Nothing can be left out without losing a behaviour the macro has.
///
/// # Safety
///
/// As for any SEAMCALL: the arguments are what TDH.MNG.RD expects.
#[no_mangle]
#[inline(never)]
pub unsafe fn codegen_mng_rd_floor(tdr: u64, field: u64) -> Result<u64, SeamcallError> {
    let status: u64;
    let value: u64;
    // SAFETY: binds exactly the registers TDH.MNG.RD reads (RCX, RDX) and
    // writes (RAX, R8); faults resume at the pads through the table.
    unsafe {
        asm!(
            "2:",
            ".byte 0x66, 0x0f, 0x01, 0xcf",
            "jc 6f",
            "3:",
            ".pushsection .text.unlikely.seamcall_fixup, \"ax\", @progbits",
            "6:",
            "mov rax, 0x8000ff00ffff0000",
            "jmp 5f",
            "7:",
            "mov rax, 0x8000ff0000000006",
            "jmp 5f",
            "8:",
            "mov rax, 0x8000ff000000000d",
            "5:",
            "xor r8d, r8d",
            "jmp 3b",
            ".popsection",
            ".pushsection seamcall_extable, \"aR\", @progbits",
            ".balign 4",
            ".long 2b - .", ".long 7b - .", ".long 6",
            ".long 2b - .", ".long 8b - .", ".long 13",
            ".popsection",
            inlateout("rax") 11u64 => status,
            in("rcx") tdr,
            in("rdx") field,
            lateout("r8") value,
            options(nostack),
        );
    }
    match SeamcallError::from_status(status) {
        None => Ok(value),
        Some(e) => Err(e),
    }
}

fn main() {
    // Keep both symbols referenced; never called (the instruction faults
    // outside SEAM).
    type Leaf = unsafe fn(u64, u64) -> Result<u64, SeamcallError>;
    let f: [Leaf; 2] = [codegen_mng_rd_macro, codegen_mng_rd_floor];
    println!("{:p} {:p}", f[0] as *const (), f[1] as *const ());
}
