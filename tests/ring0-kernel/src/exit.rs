//! Leaving QEMU through `-device isa-debug-exit,iobase=0xf4,iosize=0x04`.
//!
//! Writing `v` to port 0xf4 ends QEMU with exit status `(v << 1) | 1`, so no
//! value this kernel writes can look like QEMU's own 0 (for example after a
//! triple fault with `-no-reboot`). `tests/ring0.rs` expects these statuses.

use x86_64::instructions::port::Port;

/// Why the kernel stops. The comment on each gives QEMU's exit status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum Exit {
    /// Every check passed: status 33.
    Pass = 0x10,
    /// At least one check failed: status 35.
    Fail = 0x11,
    /// An exception the exception table does not cover was reported on the
    /// serial line: status 37.
    Unhandled = 0x12,
    /// A Rust panic: status 39.
    Panic = 0x13,
}

/// Stop QEMU with `code`.
pub fn exit(code: Exit) -> ! {
    // SAFETY: port 0xf4 is the isa-debug-exit device the test adds; writing
    // it ends the virtual machine. Without the device the write is ignored
    // and the loop below halts the CPU for good.
    unsafe { Port::<u32>::new(0xf4).write(code as u32) };
    loop {
        x86_64::instructions::interrupts::disable();
        x86_64::instructions::hlt();
    }
}
