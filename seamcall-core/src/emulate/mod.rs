//! Run declared leaves without TDX hardware: trap the instruction and answer
//! it in software.
//!
//! In user mode `SEAMCALL` raises a signal at the instruction itself, and
//! which one depends on the machine: SIGILL (#UD) on AMD machines, on Intel
//! bare metal outside VMX operation and under QEMU's user-mode emulator;
//! SIGSEGV (#GP) in Intel VMX guests. The emulator takes both, and so do the
//! tests. A signal handler sees every general register and RFLAGS through
//! the `ucontext` and may change them and RIP, so the *same machine code* a
//! kernel would run can be tested here:
//!
//! 1. the handler checks that the faulting RIP is a `SEAMCALL` instruction
//!    recorded in `seamcall_extable` (never trusting the bytes alone);
//! 2. with a [`Module`] installed on the thread by [`with_module`], it hands
//!    the registers to the module, writes back what the module answered,
//!    sets or clears CF and steps over the 4-byte instruction, or resumes at
//!    the #UD/#GP fixup when the module says the instruction faults;
//! 3. with no module on the thread it does what the machine's hardware did:
//!    the fault goes to the fixup, so the leaf returns
//!    [`ErrorKind::Fault`](crate::ErrorKind::Fault) (#UD for SIGILL, #GP for
//!    SIGSEGV), once the handlers are installed (below);
//! 4. any other fault goes to the handler that was installed before this
//!    one, or to the default action: a real null-pointer dereference still
//!    kills the process with SIGSEGV.
//!
//! The handlers are installed once per process, by the first [`with_module`]
//! or [`install`], never before `main`, so that the standard library's
//! stack-overflow handler is in place first and ours chains to it. Call
//! [`emulate::install()`](install) at start-up to get the hardware behaviour
//! on threads without a module before any [`with_module`]. Modules are per
//! thread: tests running in parallel do not see each other's state.
//!
//! `TDCALL` (`66 0F 01 CC`, the guest side) traps the same way, at the
//! sites of `#[tdcall]` and `#[tdvmcall]` declarations and the guest
//! catalog, and [`with_guest`] installs the thread's [`GuestModule`] that
//! answers it; the handler tells the two instructions apart by their bytes
//! at a declared site. Without a guest module a `TDCALL` faults through its
//! fixup, as outside a TD.
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
//!   handler of that very signal; the nested fault prints a message and
//!   kills the process with the signal. A thread the module spawns may
//!   (with a module of its own, or none); it starts with the asynchronous
//!   signals blocked, as they are while the module runs.
//! * Asynchronous signals (timers, `tgkill`) stay pending while a module
//!   runs and are delivered when the emulated instruction completes.
//! * Until [`install`] or [`with_module`] has run, a `SEAMCALL` is a real
//!   fault that kills the process.
//! * A stack overflow is reported by the standard library's handler ("has
//!   overflowed its stack") on threads it gave an alternate signal stack
//!   (the main thread and `std::thread`s), except inside a module, where the
//!   kernel kills the process with SIGSEGV; a handler installed for SIGSEGV
//!   or SIGILL after ours replaces it, and [`with_module`] then panics
//!   saying so.

#[cfg(not(target_os = "linux"))]
compile_error!("the `emulate` feature needs Linux: it answers SEAMCALL from a signal handler.");

mod leaf_names;
pub mod model;
mod recorder;
mod sites;
mod trap;
pub mod vmm;

use core::fmt;

pub use crate::error::Trap;
pub use crate::leaves::Reg;
pub use recorder::{Call, Recorder};
pub use trap::{install, with_guest, with_module};

/// The general registers a `SEAMCALL` can read or write, as the module sees
/// them on entry and leaves them on return.
///
/// RSP and RBP are not here: no leaf takes an operand in them; the emulator
/// never changes RSP, and changes RBP only when [`Module::rbp_after`] asks
/// (module 1.5.01 zeroes it on an asynchronous exit from TDH.VP.ENTER); nor
/// are the XMM registers. To name a
/// register, as in tables and assertions, use [`Reg`] (the catalog's
/// register type, [`crate::leaves::Reg`]): [`Regs::get`], [`Regs::get_mut`]
/// and [`Regs::set`] take one and answer `None` (or `false`) for a register
/// `Regs` does not hold; [`Regs::REGS`] lists those it holds.
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

impl Regs {
    /// The registers `Regs` holds, in field order (which is encoding order):
    /// RAX, then [`Reg::OPERANDS`].
    pub const REGS: [Reg; 14] = {
        let mut all = [Reg::Rax; 14];
        let mut i = 0;
        while i < Reg::OPERANDS.len() {
            all[i + 1] = Reg::OPERANDS[i];
            i += 1;
        }
        all
    };

    /// The value of register `r`, or `None` for a register `Regs` does not
    /// hold (RSP, RBP and the XMM registers; see [`Regs::REGS`]).
    pub const fn get(&self, r: Reg) -> Option<u64> {
        Some(match r {
            Reg::Rax => self.rax,
            Reg::Rcx => self.rcx,
            Reg::Rdx => self.rdx,
            Reg::Rbx => self.rbx,
            Reg::Rsi => self.rsi,
            Reg::Rdi => self.rdi,
            Reg::R8 => self.r8,
            Reg::R9 => self.r9,
            Reg::R10 => self.r10,
            Reg::R11 => self.r11,
            Reg::R12 => self.r12,
            Reg::R13 => self.r13,
            Reg::R14 => self.r14,
            Reg::R15 => self.r15,
            _ => return None,
        })
    }

    /// A mutable reference to register `r`, or `None` for a register `Regs`
    /// does not hold (RSP, RBP and the XMM registers).
    pub fn get_mut(&mut self, r: Reg) -> Option<&mut u64> {
        Some(match r {
            Reg::Rax => &mut self.rax,
            Reg::Rcx => &mut self.rcx,
            Reg::Rdx => &mut self.rdx,
            Reg::Rbx => &mut self.rbx,
            Reg::Rsi => &mut self.rsi,
            Reg::Rdi => &mut self.rdi,
            Reg::R8 => &mut self.r8,
            Reg::R9 => &mut self.r9,
            Reg::R10 => &mut self.r10,
            Reg::R11 => &mut self.r11,
            Reg::R12 => &mut self.r12,
            Reg::R13 => &mut self.r13,
            Reg::R14 => &mut self.r14,
            Reg::R15 => &mut self.r15,
            _ => return None,
        })
    }

    /// Set register `r` to `value`. Returns whether `Regs` holds `r`: for
    /// RSP, RBP and the XMM registers nothing changes and it returns `false`
    /// (the emulator never writes those back to the caller).
    pub fn set(&mut self, r: Reg, value: u64) -> bool {
        match self.get_mut(r) {
            Some(slot) => {
                *slot = value;
                true
            }
            None => false,
        }
    }

    /// The registers whose values differ between `self` and `other`, in
    /// encoding order.
    pub fn changed(&self, other: &Regs) -> impl Iterator<Item = Reg> {
        let other = other.values();
        Regs::REGS
            .into_iter()
            .zip(self.values().into_iter().zip(other))
            .filter_map(|(r, (a, b))| (a != b).then_some(r))
    }

    /// The values of [`Regs::REGS`], in that order.
    pub(crate) const fn values(&self) -> [u64; 14] {
        [
            self.rax, self.rcx, self.rdx, self.rbx, self.rsi, self.rdi, self.r8, self.r9, self.r10,
            self.r11, self.r12, self.r13, self.r14, self.r15,
        ]
    }

    /// The registers with the values of [`Regs::REGS`], in that order.
    pub(crate) const fn from_values(v: [u64; 14]) -> Regs {
        let [rax, rcx, rdx, rbx, rsi, rdi, r8, r9, r10, r11, r12, r13, r14, r15] = v;
        Regs {
            rax,
            rcx,
            rdx,
            rbx,
            rsi,
            rdi,
            r8,
            r9,
            r10,
            r11,
            r12,
            r13,
            r14,
            r15,
        }
    }

    /// The leaf number (RAX bits 15:0) of a leaf word.
    pub const fn leaf(&self) -> u16 {
        crate::leaves::LeafWord::from_rax(self.rax).leaf()
    }

    /// The leaf version (RAX bits 23:16) of a leaf word.
    pub const fn version(&self) -> u8 {
        crate::leaves::LeafWord::from_rax(self.rax).version()
    }
}

impl fmt::Debug for Regs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("Regs");
        for (r, v) in Regs::REGS.into_iter().zip(self.values()) {
            s.field(r.name(), &format_args!("{v:#x}"));
        }
        s.finish()
    }
}

/// What the instruction did, as the module decides.
///
/// `#[non_exhaustive]`: a `match` on an outcome needs a `_` arm, so that an
/// outcome added later (another way the instruction can end) is not a
/// breaking change. Modules construct the variants as usual.
///
/// ```compile_fail,E0004
/// use seamcall_core::emulate::Outcome;
///
/// fn returned(o: Outcome) -> bool {
///     match o {
///         Outcome::Return => true,
///         Outcome::VmFailInvalid | Outcome::Fault(_) => false,
///     }
/// }
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[non_exhaustive]
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
/// alone comes back unchanged, as the real module guarantees, and RBP too
/// unless [`Module::rbp_after`] says otherwise. For the other outcomes the
/// registers are not written back.
///
/// The call runs inside a signal handler, but synchronously, at an
/// instruction of this thread that holds no lock: the module may allocate
/// and lock like ordinary code. It must not execute `SEAMCALL` itself.
pub trait Module {
    /// Answer one `SEAMCALL`.
    fn seamcall(&mut self, regs: &mut Regs) -> Outcome;

    /// The value RBP holds when the `SEAMCALL` just answered returns, or
    /// `None` (the default) to leave RBP unchanged.
    ///
    /// The emulator calls this right after [`Module::seamcall`] has answered
    /// [`Outcome::Return`] (never for the other outcomes, which change no
    /// register), with `leaf_word` the RAX the caller passed (leaf in bits
    /// 15:0, version in bits 23:16). [`Regs`] does not hold RBP, so this is
    /// how a module changes it.
    ///
    /// It models TDH.VP.ENTER, the one leaf that writes RBP: module 1.5.01
    /// zeroes it on every asynchronous TD exit (`td_exit.c`), although
    /// TDH.SYS.RD reports `TDX_FEATURES0.NO_RBP_MOD`; later modules leave it
    /// alone there when the TD set `CONFIG_FLAGS.NO_RBP_MOD`, and a
    /// TDG.VP.VMCALL exit hands the host the guest's RBP when the guest
    /// exposes it. A module that returns `Some(0)` for leaf 0 therefore
    /// checks that a declaration with `clobber = [rbp]` saves and restores
    /// the caller's RBP. [`model`] answers TDH.VP.ENTER this way on each
    /// exit path, as its release and the TD's `NO_RBP_MOD` say.
    fn rbp_after(&mut self, leaf_word: u64) -> Option<u64> {
        let _ = leaf_word;
        None
    }
}

/// The guest side of a software TDX module: answers the `TDCALL`s of one
/// thread, as the module answers a TD's vCPU.
///
/// On entry `regs.rax` holds the leaf word (leaf in bits 15:0, version in
/// bits 23:16, and whatever the caller left in bits 63:24, which the module
/// rejects) and every other register, RBP included, what the caller left in
/// it. For [`Outcome::Return`] the module writes the status into
/// `regs.rax` and its outputs where the leaf defines them; every register it
/// leaves alone comes back unchanged, as the module guarantees a TD
/// (intel/tdx-module at 72d8cffb: `tdx_return_to_td` reloads the TD's
/// registers from the TDVPS image the leaf wrote into,
/// `src/td_dispatcher/tdx_td_transitions.S` lines 108-139, and RSP comes
/// from the TD's VMCS). RBP is
/// written back too: TDG.VP.VMCALL hands it to the VMM when the mask
/// exposes it and the TD allows that.
///
/// `TDCALL` has no VMfailInvalid: a module that answers
/// [`Outcome::VmFailInvalid`], or panics, makes the instruction raise #UD,
/// as it does outside a TD, and [`Outcome::Fault`] raises the fault it
/// names; either resumes at the declaration's fixup.
///
/// The call runs inside a signal handler, synchronously, as for
/// [`Module`]: the module may allocate and lock, and must not execute
/// `TDCALL` or `SEAMCALL` itself.
pub trait GuestModule {
    /// Answer one `TDCALL`. `rbp` is the caller's RBP, which [`Regs`] does
    /// not hold.
    fn tdcall(&mut self, regs: &mut Regs, rbp: &mut u64) -> Outcome;
}

/// Any `FnMut(&mut Regs, &mut u64) -> Outcome` is a guest module, for
/// one-off tests; the second argument is RBP.
impl<F: FnMut(&mut Regs, &mut u64) -> Outcome> GuestModule for F {
    fn tdcall(&mut self, regs: &mut Regs, rbp: &mut u64) -> Outcome {
        self(regs, rbp)
    }
}

/// Any `FnMut(&mut Regs) -> Outcome` is a module, for one-off tests.
impl<F: FnMut(&mut Regs) -> Outcome> Module for F {
    fn seamcall(&mut self, regs: &mut Regs) -> Outcome {
        self(regs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regs_by_register() {
        let mut r = Regs::default();
        for (i, reg) in Regs::REGS.into_iter().enumerate() {
            assert!(r.set(reg, i as u64 + 1));
        }
        assert_eq!(r.values(), core::array::from_fn(|i| i as u64 + 1));
        assert_eq!(Regs::from_values(r.values()), r);
        assert_eq!((r.rax, r.rdi, r.r15), (1, 6, 14), "REGS is in field order");
        for reg in Reg::ALL {
            assert_eq!(r.get(reg).is_some(), Regs::REGS.contains(&reg), "{reg}");
        }
        for reg in [Reg::Rsp, Reg::Rbp, Reg::Xmm0, Reg::Xmm15] {
            let before = r;
            assert_eq!(r.get(reg), None);
            assert_eq!(r.get_mut(reg), None);
            assert!(!r.set(reg, 0xdead), "{reg}");
            assert_eq!(r, before, "{reg}");
        }
        *r.get_mut(Reg::R9).expect("R9 is in Regs") = 0x99;
        let mut other = r;
        other.rcx = 0;
        other.r9 = 0;
        assert_eq!(r.changed(&other).collect::<Vec<_>>(), [Reg::Rcx, Reg::R9]);
        assert!(format!("{r:?}").starts_with("Regs { rax: 0x1, rcx: 0x2,"));
    }
}
