//! Boot: the Xen PVH entry note, and the 32→64-bit trampoline.
//!
//! `qemu-system-x86_64 -kernel` loads an ELF64 that carries a PVH note (type
//! 18, `XEN_ELFNOTE_PHYS32_ENTRY`, whose descriptor is the 32-bit physical
//! entry address) and enters it in 32-bit protected mode, paging off, flat
//! segments, interrupts off, with EBX = physical address of the
//! `hvm_start_info` structure. The trampoline below:
//!
//! 1. zeroes `.bss` (the boot stack lives there);
//! 2. enables PAE and SSE (CR4.PAE, CR4.OSFXSR, CR4.OSXMMEXCPT; CR0.MP set,
//!    CR0.EM and CR0.TS clear): the host target's code uses SSE freely;
//! 3. loads CR3 with page tables that identity-map the first GiB with 2 MiB
//!    pages, sets EFER.LME, then CR0.PG, which activates long mode;
//! 4. loads its own GDT (null, 64-bit code 0x08, data 0x10) and far-jumps
//!    to 64-bit code, which loads the data segments and a stack and calls
//!    [`crate::kernel_main`] with the `hvm_start_info` address.

use core::arch::global_asm;

global_asm!(
    // --- The PVH note. SHT_NOTE, 4-aligned: QEMU walks the PT_NOTE segment
    // with the segment's alignment, so the name is padded to 4 bytes.
    ".pushsection .note.Xen, \"a\", @note",
    ".balign 4",
    ".long 4",  // namesz: "Xen\0"
    ".long 4",  // descsz: a 32-bit physical address
    ".long 18", // XEN_ELFNOTE_PHYS32_ENTRY
    ".asciz \"Xen\"",
    ".balign 4",
    ".long pvh_start32",
    ".balign 4",
    ".popsection",
    //
    // --- 32-bit entry.
    ".pushsection .text.boot32, \"ax\", @progbits",
    ".code32",
    ".globl pvh_start32",
    "pvh_start32:",
    "cli",
    "cld",
    "movl %ebx, %esi", // hvm_start_info, kept in ESI until kernel_main
    // 1. Zero .bss.
    "movl $__bss_start, %edi",
    "movl $__bss_end, %ecx",
    "subl %edi, %ecx",
    "xorl %eax, %eax",
    "rep stosb",
    // 2. CR4: PAE (5), OSFXSR (9), OSXMMEXCPT (10).
    "movl %cr4, %eax",
    "orl $0x620, %eax",
    "movl %eax, %cr4",
    // 3. Page tables, long mode enable, paging.
    "movl $boot_pml4, %eax",
    "movl %eax, %cr3",
    "movl $0xc0000080, %ecx", // IA32_EFER
    "rdmsr",
    "orl $0x100, %eax", // LME
    "wrmsr",
    "movl %cr0, %eax",
    "andl $0xfffffff3, %eax", // clear EM (2), TS (3)
    "orl $0x80000003, %eax",  // PG (31), MP (1), PE (0)
    "movl %eax, %cr0",
    // 4. GDT and the far jump into 64-bit code.
    "lgdt boot_gdt_ptr",
    "ljmp $0x08, $pvh_start64",
    //
    ".code64",
    "pvh_start64:",
    "movl $0x10, %eax",
    "movl %eax, %ds",
    "movl %eax, %es",
    "movl %eax, %ss",
    "movl %eax, %fs",
    "movl %eax, %gs",
    "leaq boot_stack_top(%rip), %rsp", // 16-aligned
    "xorl %ebp, %ebp",
    "movl %esi, %edi", // zero-extends: the first argument
    "call {kernel_main}",
    "2:",
    "hlt",
    "jmp 2b",
    ".popsection",
    //
    // --- GDT and page tables.
    ".pushsection .data.boot, \"aw\", @progbits",
    ".balign 16",
    "boot_gdt:",
    ".quad 0",
    ".quad 0x00af9b000000ffff", // 0x08: code, DPL 0, L=1, present, accessed
    ".quad 0x00cf93000000ffff", // 0x10: data, DPL 0, writable, present, accessed
    "boot_gdt_end:",
    ".balign 16",
    "boot_gdt_ptr:",
    ".word boot_gdt_end - boot_gdt - 1",
    ".quad boot_gdt",
    ".balign 4096",
    "boot_pml4:",
    ".quad boot_pdpt + 0x3", // present, writable
    ".fill 511, 8, 0",
    "boot_pdpt:",
    ".quad boot_pd + 0x3",
    ".fill 511, 8, 0",
    "boot_pd:",
    ".set boot_pd_index, 0",
    ".rept 512",
    ".quad (boot_pd_index << 21) | 0x83", // present, writable, 2 MiB page
    ".set boot_pd_index, boot_pd_index + 1",
    ".endr",
    ".popsection",
    //
    // --- Boot stack (zeroed with the rest of .bss).
    ".pushsection .bss.boot_stack, \"aw\", @nobits",
    ".balign 16",
    "boot_stack:",
    ".skip 65536",
    "boot_stack_top:",
    ".popsection",
    kernel_main = sym crate::kernel_main,
    options(att_syntax),
);

/// The boot mode, from the kernel command line (`-append`).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Run every check; exit [`crate::exit::Exit::Pass`] only if all pass.
    Checks,
    /// Execute a `ud2` outside the exception table, which must be reported
    /// as unhandled ([`crate::exit::Exit::Unhandled`]).
    StrayUd2,
}

/// `hvm_start_info.magic`.
const HVM_START_MAGIC: u32 = 0x336e_c578;

/// The kernel command line QEMU put in `hvm_start_info`, if any.
pub fn cmdline(start_info: u64) -> Option<&'static [u8]> {
    if start_info == 0 {
        return None;
    }
    let base = start_info as *const u8;
    // SAFETY: `start_info` is the physical address the PVH loader passed in
    // EBX; the first GiB is identity-mapped, so it is also the virtual
    // address. The structure starts with a u32 magic and has `cmdline_paddr`
    // (u64) at byte 24 (after magic, version, flags, nr_modules: 4 × u32, and
    // modlist_paddr: u64). Unaligned reads make no alignment assumption.
    let (magic, cmdline) = unsafe {
        (
            core::ptr::read_unaligned(base.cast::<u32>()),
            core::ptr::read_unaligned(base.add(24).cast::<u64>()),
        )
    };
    if magic != HVM_START_MAGIC || cmdline == 0 || cmdline >= 1 << 30 {
        return None;
    }
    let p = cmdline as *const u8;
    let mut len = 0;
    // SAFETY: `cmdline_paddr` points at a NUL-terminated string the loader
    // wrote below 1 GiB (checked above), which is identity-mapped memory.
    // The scan is capped at 4 KiB.
    unsafe {
        while len < 4096 && *p.add(len) != 0 {
            len += 1;
        }
        Some(core::slice::from_raw_parts(p, len))
    }
}

/// The mode the command line asks for: `stray-ud2` anywhere in it selects
/// [`Mode::StrayUd2`]; anything else (or none) means [`Mode::Checks`].
pub fn mode(cmdline: Option<&[u8]>) -> Mode {
    match cmdline {
        Some(c) if c.split(|b| *b == b' ').any(|w| w == b"stray-ud2") => Mode::StrayUd2,
        _ => Mode::Checks,
    }
}
