//! Run declared leaves without TDX hardware: trap the instruction and answer
//! it in software.
//!
//! In user mode `SEAMCALL` raises a signal at the instruction itself:
//! SIGSEGV (#GP) on the x86 machines this project runs on, SIGILL (#UD)
//! under QEMU's user-mode emulator. A signal handler sees every general
//! register and RFLAGS through the `ucontext` and may change them and RIP,
//! so the *same machine code* a kernel would run can be tested here:
//!
//! 1. the handler checks that the faulting RIP is a `SEAMCALL` instruction
//!    recorded in `seamcall_extable` (never trusting the bytes alone);
//! 2. with a [`Module`] installed on the thread by [`with_module`], it hands
//!    the registers to the module, writes back what the module answered,
//!    sets or clears CF and steps over the 4-byte instruction, or resumes at
//!    the #UD/#GP fixup when the module says the instruction faults;
//! 3. with no module on the thread it does what the hardware here does: the
//!    fault goes to the fixup, so the leaf returns
//!    [`ErrorKind::Fault`](crate::ErrorKind::Fault) (#GP for SIGSEGV, #UD for
//!    SIGILL);
//! 4. any other fault goes to the handler that was installed before this
//!    one, or to the default action: a real null-pointer dereference still
//!    kills the process with SIGSEGV.
//!
//! The handlers are installed once per process, before `main` runs (and
//! again, idempotently, by [`install`] and [`with_module`]). Modules are per
//! thread: tests running in parallel do not see each other's state.
//!
//! [`model`] is a software TDX module that implements the host-side flow
//! (module initialization, TD build, runtime memory, teardown) with the real
//! state checks and status codes; [`Recorder`] wraps any module and keeps a
//! trace of every call.
//!
//! ```
//! use seamcall_core::emulate::{self, Module, Outcome, Regs};
//! use seamcall_core::{seamcall, SeamcallError};
//!
//! #[seamcall(leaf = 11, in = [rcx, rdx], out = [r8])]
//! unsafe fn tdh_mng_rd(tdr: u64, field: u64) -> Result<u64, SeamcallError>;
//!
//! /// Answers every call with success and R8 = RCX + RDX.
//! struct Adder;
//! impl Module for Adder {
//!     fn seamcall(&mut self, regs: &mut Regs) -> Outcome {
//!         regs.r8 = regs.rcx + regs.rdx;
//!         regs.rax = 0;
//!         Outcome::Return
//!     }
//! }
//!
//! let v = emulate::with_module(&mut Adder, || unsafe { tdh_mng_rd(40, 2) });
//! assert_eq!(v, Ok(42));
//! ```
//!
//! # Limits
//!
//! * Linux on x86-64 only; the feature is for tests and development, never
//!   for a kernel.
//! * A module must not itself execute `SEAMCALL`: it runs inside the
//!   handler of that very signal, which is blocked until the handler returns,
//!   so a nested fault kills the process.
//! * The handlers are in place before `main`, so the standard library does
//!   not install its own SIGSEGV handler and a stack overflow dies with a
//!   plain SIGSEGV, without its "has overflowed its stack" message.

#[cfg(not(target_os = "linux"))]
compile_error!("the `emulate` feature needs Linux: it answers SEAMCALL from a signal handler.");

mod leaf_names;
pub mod model;
mod recorder;
mod trap;

use core::fmt;

pub use crate::error::Trap;
pub use leaf_names::leaf_name;
pub use recorder::{Call, Recorder};
pub use trap::{install, with_module};

/// The general registers a `SEAMCALL` can read or write, as the module sees
/// them on entry and leaves them on return.
///
/// RSP and RBP are not here: no leaf takes an operand in them, and the
/// emulator never changes them.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
#[allow(missing_docs)] // the fields are the registers they are named after
pub struct Regs {
    pub rax: u64,
    pub rcx: u64,
    pub rdx: u64,
    pub rbx: u64,
    pub rsi: u64,
    pub rdi: u64,
    pub r8: u64,
    pub r9: u64,
    pub r10: u64,
    pub r11: u64,
    pub r12: u64,
    pub r13: u64,
    pub r14: u64,
    pub r15: u64,
}

/// One of the registers of [`Regs`], to name a register in tables and
/// assertions.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
#[allow(missing_docs)]
pub enum Gpr {
    Rax,
    Rcx,
    Rdx,
    Rbx,
    Rsi,
    Rdi,
    R8,
    R9,
    R10,
    R11,
    R12,
    R13,
    R14,
    R15,
}

impl Gpr {
    /// Every register of [`Regs`], in field order.
    pub const ALL: [Gpr; 14] = [
        Gpr::Rax,
        Gpr::Rcx,
        Gpr::Rdx,
        Gpr::Rbx,
        Gpr::Rsi,
        Gpr::Rdi,
        Gpr::R8,
        Gpr::R9,
        Gpr::R10,
        Gpr::R11,
        Gpr::R12,
        Gpr::R13,
        Gpr::R14,
        Gpr::R15,
    ];

    /// The lower-case name, as `asm!` and the declarations spell it.
    pub const fn name(self) -> &'static str {
        match self {
            Gpr::Rax => "rax",
            Gpr::Rcx => "rcx",
            Gpr::Rdx => "rdx",
            Gpr::Rbx => "rbx",
            Gpr::Rsi => "rsi",
            Gpr::Rdi => "rdi",
            Gpr::R8 => "r8",
            Gpr::R9 => "r9",
            Gpr::R10 => "r10",
            Gpr::R11 => "r11",
            Gpr::R12 => "r12",
            Gpr::R13 => "r13",
            Gpr::R14 => "r14",
            Gpr::R15 => "r15",
        }
    }

    /// The register with that lower-case name.
    pub fn from_name(name: &str) -> Option<Gpr> {
        Gpr::ALL.into_iter().find(|g| g.name() == name)
    }
}

impl fmt::Display for Gpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Regs {
    /// The value of one register.
    pub const fn get(&self, r: Gpr) -> u64 {
        match r {
            Gpr::Rax => self.rax,
            Gpr::Rcx => self.rcx,
            Gpr::Rdx => self.rdx,
            Gpr::Rbx => self.rbx,
            Gpr::Rsi => self.rsi,
            Gpr::Rdi => self.rdi,
            Gpr::R8 => self.r8,
            Gpr::R9 => self.r9,
            Gpr::R10 => self.r10,
            Gpr::R11 => self.r11,
            Gpr::R12 => self.r12,
            Gpr::R13 => self.r13,
            Gpr::R14 => self.r14,
            Gpr::R15 => self.r15,
        }
    }

    /// A mutable reference to one register.
    pub fn get_mut(&mut self, r: Gpr) -> &mut u64 {
        match r {
            Gpr::Rax => &mut self.rax,
            Gpr::Rcx => &mut self.rcx,
            Gpr::Rdx => &mut self.rdx,
            Gpr::Rbx => &mut self.rbx,
            Gpr::Rsi => &mut self.rsi,
            Gpr::Rdi => &mut self.rdi,
            Gpr::R8 => &mut self.r8,
            Gpr::R9 => &mut self.r9,
            Gpr::R10 => &mut self.r10,
            Gpr::R11 => &mut self.r11,
            Gpr::R12 => &mut self.r12,
            Gpr::R13 => &mut self.r13,
            Gpr::R14 => &mut self.r14,
            Gpr::R15 => &mut self.r15,
        }
    }

    /// Set one register.
    pub fn set(&mut self, r: Gpr, value: u64) {
        *self.get_mut(r) = value;
    }

    /// The registers whose values differ between `self` and `other`.
    pub fn changed(&self, other: &Regs) -> impl Iterator<Item = Gpr> + '_ {
        let other = *other;
        Gpr::ALL
            .into_iter()
            .filter(move |r| self.get(*r) != other.get(*r))
    }

    /// The leaf number (RAX bits 15:0) of a leaf word.
    pub const fn leaf(&self) -> u16 {
        self.rax as u16
    }

    /// The leaf version (RAX bits 23:16) of a leaf word.
    pub const fn version(&self) -> u8 {
        (self.rax >> 16) as u8
    }
}

impl fmt::Debug for Regs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("Regs");
        for r in Gpr::ALL {
            s.field(r.name(), &format_args!("{:#x}", self.get(r)));
        }
        s.finish()
    }
}

/// What the instruction did, as the module decides.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Outcome {
    /// The module ran and returned (SEAMRET): the registers the module left
    /// in [`Regs`] are written back, RAX holds the status, and CF is clear.
    Return,
    /// The instruction failed with VMfailInvalid: CF is set and no register
    /// changes (RAX still holds the leaf word), as when no module is loaded.
    VmFailInvalid,
    /// The instruction raised an exception: execution resumes at the fixup
    /// for that vector and no register changes.
    Fault(Trap),
}

/// A software TDX module: answers the `SEAMCALL`s of one thread.
///
/// On entry `regs.rax` holds the leaf word (leaf in bits 15:0, version in
/// bits 23:16) and the other registers what the caller left in them. For
/// [`Outcome::Return`] the module writes the status into `regs.rax` and its
/// outputs into the registers the leaf defines; every register it leaves
/// alone comes back unchanged, as the real module guarantees. For the other
/// outcomes the registers are not written back.
///
/// The call runs inside a signal handler, but synchronously, at an
/// instruction of this thread that holds no lock: the module may allocate
/// and lock like ordinary code. It must not execute `SEAMCALL` itself.
pub trait Module {
    /// Answer one `SEAMCALL`.
    fn seamcall(&mut self, regs: &mut Regs) -> Outcome;
}

/// Any `FnMut(&mut Regs) -> Outcome` is a module, for one-off tests.
impl<F: FnMut(&mut Regs) -> Outcome> Module for F {
    fn seamcall(&mut self, regs: &mut Regs) -> Outcome {
        self(regs)
    }
}
