//! COM1 (I/O port 0x3f8), which `-serial stdio` carries to the host test.

use core::fmt;

use x86_64::instructions::port::Port;

const COM1: u16 = 0x3f8;
/// Line status register; bit 5: transmit holding register empty.
const LSR: u16 = COM1 + 5;

/// Program COM1 for 115200 baud, 8N1, FIFO on, interrupts off.
pub fn init() {
    let settings: [(u16, u8); 7] = [
        (COM1 + 1, 0x00), // interrupt enable: none
        (COM1 + 3, 0x80), // line control: DLAB, to set the divisor
        (COM1, 0x01),     // divisor low: 115200 baud
        (COM1 + 1, 0x00), // divisor high
        (COM1 + 3, 0x03), // line control: 8 bits, no parity, 1 stop bit
        (COM1 + 2, 0xc7), // FIFO control: enable, clear, 14-byte threshold
        (COM1 + 4, 0x03), // modem control: DTR, RTS
    ];
    for (port, value) in settings {
        // SAFETY: ports 0x3f8–0x3ff are the 16550 UART of COM1 on the PC
        // and Q35 machines; programming it has no effect on memory.
        unsafe { Port::<u8>::new(port).write(value) };
    }
}

fn write_byte(byte: u8) {
    let mut lsr = Port::<u8>::new(LSR);
    let mut data = Port::<u8>::new(COM1);
    // SAFETY: reading the UART's line status and writing its data register
    // touch only the device. The wait is bounded: with no UART the port
    // reads 0xff, which has bit 5 set.
    unsafe {
        for _ in 0..1_000_000 {
            if lsr.read() & 0x20 != 0 {
                break;
            }
            core::hint::spin_loop();
        }
        data.write(byte);
    }
}

/// Writes to COM1. One CPU, interrupts off: no lock needed.
pub struct Serial;

impl fmt::Write for Serial {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        s.bytes().for_each(write_byte);
        Ok(())
    }
}

/// `println!` to COM1.
#[macro_export]
macro_rules! println {
    () => {
        $crate::println!("")
    };
    ($($arg:tt)*) => {{
        use ::core::fmt::Write as _;
        let _ = ::core::writeln!($crate::serial::Serial, $($arg)*);
    }};
}

/// `print!` to COM1.
#[macro_export]
macro_rules! print {
    ($($arg:tt)*) => {{
        use ::core::fmt::Write as _;
        let _ = ::core::write!($crate::serial::Serial, $($arg)*);
    }};
}
