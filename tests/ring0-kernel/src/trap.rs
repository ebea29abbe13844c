//! The IDT (built with the `x86_64` crate) and the exception entry stubs.
//!
//! The `x86-interrupt` ABI is unstable, so each vector gets a small
//! `global_asm!` stub, installed by address with `set_handler_addr`. A stub
//! pushes a zero error code where the CPU pushes none and the vector number,
//! so that every exception reaches `ring0_trap_common` with one layout,
//! [`TrapFrame`]. `ring0_trap_common` saves every register the Rust handler may
//! change (the caller-saved GPRs; the handler preserves the callee-saved ones
//! by the C ABI, and `fxsave64` covers x87/SSE state and MXCSR), calls
//! `trap_dispatch`, restores them and returns with `iretq`. The fixup pads
//! of `#[seamcall]` rely on every register holding its value at the fault,
//! so nothing but RIP (moved by `fixup_frame`) may differ after the `iretq`.
//!
//! Exceptions here are taken in ring 0 without a stack switch, right below
//! the interrupted RSP: the kernel is built with `-C no-redzone=yes` (see
//! `.cargo/config.toml`).

use core::arch::global_asm;
use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use x86_64::structures::idt::{InterruptDescriptorTable, InterruptStackFrame};
use x86_64::VirtAddr;

use crate::exit::{exit, Exit};
use crate::println;

/// What the stubs leave on the stack: the saved caller-saved GPRs (last
/// pushed first), the vector, the error code (0 where the CPU pushes none),
/// and the frame the CPU pushed.
#[repr(C)]
pub struct TrapFrame {
    pub r11: u64,
    pub r10: u64,
    pub r9: u64,
    pub r8: u64,
    pub rdi: u64,
    pub rsi: u64,
    pub rdx: u64,
    pub rcx: u64,
    pub rax: u64,
    pub vector: u64,
    pub error_code: u64,
    frame: InterruptStackFrame,
}

// The layout `ring0_trap_common` builds: 9 saved registers, vector and error code
// (11 words), then the CPU's 5-word frame (RIP, CS, RFLAGS, RSP, SS).
const _: () = assert!(core::mem::size_of::<InterruptStackFrame>() == 40);
const _: () = assert!(core::mem::offset_of!(TrapFrame, vector) == 72);
const _: () = assert!(core::mem::offset_of!(TrapFrame, frame) == 88);
const _: () = assert!(core::mem::size_of::<TrapFrame>() == 128);

impl TrapFrame {
    /// The frame helper: the CPU-pushed part of the trap frame, as the
    /// `x86_64` crate's [`InterruptStackFrame`].
    pub fn interrupt_frame(&mut self) -> &mut InterruptStackFrame {
        &mut self.frame
    }
}

global_asm!(
    // One stub per vector. Without a CPU error code a 0 is pushed in its
    // place; then the vector.
    ".macro RING0_TRAP_NOERR vec",
    ".pushsection .text.ring0_trap, \"ax\", @progbits",
    ".globl ring0_trap_\\vec",
    ".hidden ring0_trap_\\vec",
    ".balign 16",
    "ring0_trap_\\vec:",
    "pushq $0",
    "pushq $\\vec",
    "jmp ring0_trap_common",
    ".popsection",
    ".endm",
    ".macro RING0_TRAP_ERR vec",
    ".pushsection .text.ring0_trap, \"ax\", @progbits",
    ".globl ring0_trap_\\vec",
    ".hidden ring0_trap_\\vec",
    ".balign 16",
    "ring0_trap_\\vec:",
    "pushq $\\vec",
    "jmp ring0_trap_common",
    ".popsection",
    ".endm",
    "RING0_TRAP_NOERR 0",  // #DE
    "RING0_TRAP_NOERR 1",  // #DB
    "RING0_TRAP_NOERR 2",  // NMI
    "RING0_TRAP_NOERR 3",  // #BP
    "RING0_TRAP_NOERR 4",  // #OF
    "RING0_TRAP_NOERR 5",  // #BR
    "RING0_TRAP_NOERR 6",  // #UD
    "RING0_TRAP_NOERR 7",  // #NM
    "RING0_TRAP_ERR 8",    // #DF
    "RING0_TRAP_ERR 10",   // #TS
    "RING0_TRAP_ERR 11",   // #NP
    "RING0_TRAP_ERR 12",   // #SS
    "RING0_TRAP_ERR 13",   // #GP
    "RING0_TRAP_ERR 14",   // #PF
    "RING0_TRAP_NOERR 16", // #MF
    "RING0_TRAP_ERR 17",   // #AC
    "RING0_TRAP_NOERR 18", // #MC
    "RING0_TRAP_NOERR 19", // #XM
    //
    // The common part. On entry the stack holds, from RSP up: vector, error
    // code, RIP, CS, RFLAGS, RSP, SS. In 64-bit mode the CPU aligns RSP to 16
    // before pushing its 5 words; with the 2 words above and the 9 registers
    // pushed here that is 16 words, so RSP is 16-aligned again for fxsave64
    // (512 bytes) and for the call.
    ".pushsection .text.ring0_trap, \"ax\", @progbits",
    ".balign 16",
    "ring0_trap_common:",
    "pushq %rax",
    "pushq %rcx",
    "pushq %rdx",
    "pushq %rsi",
    "pushq %rdi",
    "pushq %r8",
    "pushq %r9",
    "pushq %r10",
    "pushq %r11",
    "movq %rsp, %rdi", // &mut TrapFrame
    "subq $512, %rsp",
    "fxsave64 (%rsp)",
    "cld", // the C ABI wants DF=0; iretq restores the interrupted RFLAGS
    "call {dispatch}",
    "fxrstor64 (%rsp)",
    "addq $512, %rsp",
    "popq %r11",
    "popq %r10",
    "popq %r9",
    "popq %r8",
    "popq %rdi",
    "popq %rsi",
    "popq %rdx",
    "popq %rcx",
    "popq %rax",
    "addq $16, %rsp", // vector, error code
    "iretq",
    ".popsection",
    dispatch = sym trap_dispatch,
    options(att_syntax),
);

extern "C" {
    fn ring0_trap_0();
    fn ring0_trap_1();
    fn ring0_trap_2();
    fn ring0_trap_3();
    fn ring0_trap_4();
    fn ring0_trap_5();
    fn ring0_trap_6();
    fn ring0_trap_7();
    fn ring0_trap_8();
    fn ring0_trap_10();
    fn ring0_trap_11();
    fn ring0_trap_12();
    fn ring0_trap_13();
    fn ring0_trap_14();
    fn ring0_trap_16();
    fn ring0_trap_17();
    fn ring0_trap_18();
    fn ring0_trap_19();
}

struct Idt(UnsafeCell<InterruptDescriptorTable>);

// SAFETY: one CPU, interrupts disabled; the table is written only by `init`,
// once, before it is loaded, and read afterwards only by the CPU.
unsafe impl Sync for Idt {}

static IDT: Idt = Idt(UnsafeCell::new(InterruptDescriptorTable::new()));

/// Fill the IDT with the stubs and load it.
pub fn init() {
    fn addr(stub: unsafe extern "C" fn()) -> VirtAddr {
        VirtAddr::new(stub as *const () as u64)
    }
    // SAFETY: `init` runs once, on the only CPU, before the IDT is loaded and
    // before any exception can use it, so this is the only reference.
    let idt = unsafe { &mut *IDT.0.get() };
    // SAFETY: each address is a stub above, in the kernel's 64-bit code
    // segment (the current CS, which `set_handler_addr` uses). Every stub
    // matches its vector's frame: the `_ERR` stubs are installed exactly on
    // the vectors for which the CPU pushes an error code.
    unsafe {
        idt.divide_error.set_handler_addr(addr(ring0_trap_0));
        idt.debug.set_handler_addr(addr(ring0_trap_1));
        idt.non_maskable_interrupt
            .set_handler_addr(addr(ring0_trap_2));
        idt.breakpoint.set_handler_addr(addr(ring0_trap_3));
        idt.overflow.set_handler_addr(addr(ring0_trap_4));
        idt.bound_range_exceeded
            .set_handler_addr(addr(ring0_trap_5));
        idt.invalid_opcode.set_handler_addr(addr(ring0_trap_6));
        idt.device_not_available
            .set_handler_addr(addr(ring0_trap_7));
        idt.double_fault.set_handler_addr(addr(ring0_trap_8));
        idt.invalid_tss.set_handler_addr(addr(ring0_trap_10));
        idt.segment_not_present
            .set_handler_addr(addr(ring0_trap_11));
        idt.stack_segment_fault
            .set_handler_addr(addr(ring0_trap_12));
        idt.general_protection_fault
            .set_handler_addr(addr(ring0_trap_13));
        idt.page_fault.set_handler_addr(addr(ring0_trap_14));
        idt.x87_floating_point.set_handler_addr(addr(ring0_trap_16));
        idt.alignment_check.set_handler_addr(addr(ring0_trap_17));
        idt.machine_check.set_handler_addr(addr(ring0_trap_18));
        idt.simd_floating_point
            .set_handler_addr(addr(ring0_trap_19));
    }
    // SAFETY: as above, nothing else refers to the table; from here on it is
    // only read, and it is a `static`, so it outlives its use by the CPU.
    unsafe { &*IDT.0.get() }.load();
}

/// The faults the exception table turned into fixups, with the last one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fixups {
    /// How many faults were resumed at a fixup pad so far.
    pub count: u64,
    /// RIP of the last such fault (the faulting instruction).
    pub rip: u64,
    /// Vector of the last such fault.
    pub vector: u64,
    /// Where it resumed (the fixup pad).
    pub fixup: u64,
}

static FIXUP_COUNT: AtomicU64 = AtomicU64::new(0);
static FIXUP_RIP: AtomicU64 = AtomicU64::new(0);
static FIXUP_VECTOR: AtomicU64 = AtomicU64::new(0);
static FIXUP_TARGET: AtomicU64 = AtomicU64::new(0);
static IN_HANDLER: AtomicBool = AtomicBool::new(false);

/// The fixups so far.
pub fn fixups() -> Fixups {
    Fixups {
        count: FIXUP_COUNT.load(Ordering::SeqCst),
        rip: FIXUP_RIP.load(Ordering::SeqCst),
        vector: FIXUP_VECTOR.load(Ordering::SeqCst),
        fixup: FIXUP_TARGET.load(Ordering::SeqCst),
    }
}

fn mnemonic(vector: u64) -> &'static str {
    match vector {
        0 => "#DE",
        1 => "#DB",
        2 => "NMI",
        3 => "#BP",
        4 => "#OF",
        5 => "#BR",
        6 => "#UD",
        7 => "#NM",
        8 => "#DF",
        10 => "#TS",
        11 => "#NP",
        12 => "#SS",
        13 => "#GP",
        14 => "#PF",
        16 => "#MF",
        17 => "#AC",
        18 => "#MC",
        19 => "#XM",
        _ => "exception",
    }
}

/// Every exception comes here, from `ring0_trap_common`.
///
/// #UD and #GP at a declared `SEAMCALL` are resumed at its fixup pad through
/// `seamcall_core::extable::fixup_frame`, which changes RIP and nothing else.
/// Anything else is reported as `unhandled <name> at <rip>` and the kernel
/// exits with [`Exit::Unhandled`].
extern "C" fn trap_dispatch(tf: &mut TrapFrame) {
    if IN_HANDLER.swap(true, Ordering::SeqCst) {
        println!(
            "ring0: nested exception in the handler (vector {})",
            tf.vector
        );
        exit(Exit::Unhandled);
    }
    let vector = tf.vector;
    let rip = tf.interrupt_frame().instruction_pointer.as_u64();
    if (vector == 6 || vector == 13)
        && seamcall_core::extable::fixup_frame(tf.interrupt_frame(), vector as u8)
    {
        FIXUP_COUNT.fetch_add(1, Ordering::SeqCst);
        FIXUP_RIP.store(rip, Ordering::SeqCst);
        FIXUP_VECTOR.store(vector, Ordering::SeqCst);
        let fixup = tf.interrupt_frame().instruction_pointer.as_u64();
        FIXUP_TARGET.store(fixup, Ordering::SeqCst);
        IN_HANDLER.store(false, Ordering::SeqCst);
        return;
    }
    println!("unhandled {} at {:#x}", mnemonic(vector), rip);
    let error_code = tf.error_code;
    let frame = tf.interrupt_frame();
    println!(
        "  vector {} error code {:#x} cs {:#x} rflags {:#x} rsp {:#x}",
        vector,
        error_code,
        frame.code_segment.0,
        frame.cpu_flags.bits(),
        frame.stack_pointer.as_u64()
    );
    if vector == 14 {
        println!("  cr2 {:#x}", x86_64::registers::control::Cr2::read_raw());
    }
    exit(Exit::Unhandled);
}
