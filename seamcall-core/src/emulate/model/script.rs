//! The guest a vCPU runs: a [`GuestScript`] the test attaches with
//! [`Model::set_guest`], which decides, each time the guest runs, how it
//! next exits to the host ([`Exit`]), seeing the vCPU's registers and why it
//! runs again ([`Resume`]).

use std::collections::VecDeque;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use super::Model;
use crate::emulate::Reg;

/// A guest's behaviour: the exits a vCPU takes, one per run.
///
/// Each time TDH.VP.ENTER runs the vCPU (and each time the guest goes on
/// without a TD exit, after a rejected TDG.VP.VMCALL or a #VE), the model
/// asks the script for the guest's next exit, with the vCPU's registers and
/// the reason it runs ([`Resume`]). `None` means the guest has nothing more
/// to do: it runs on until the host's next interrupt, an asynchronous exit
/// on an external interrupt (as a vCPU without a script does at once).
///
/// Implemented for closures `FnMut(&Resume) -> Exit` (never `None`), for
/// `Vec<Exit>` and `VecDeque<Exit>` (taken from the front, `None` once
/// empty) and, through [`Sequence`], for any iterator of [`Exit`]s.
/// A script runs inside the emulated `SEAMCALL` on the thread that entered
/// the vCPU; a panic in it (a failed assertion) makes that `SEAMCALL` fail
/// with VMfailInvalid and reaches the test when
/// [`with_module`](crate::emulate::with_module) returns. With
/// `RUST_BACKTRACE` set, its backtrace ends at the module's call: the
/// emulator stops unwinders there rather than let them walk into
/// TDH.VP.ENTER's `asm!` block, whose pushes carry no unwind information.
///
/// ```
/// use seamcall_core::emulate::model::{Cause, Exit, Model, NoVcpu, Resume};
/// use seamcall_core::emulate::Reg;
///
/// /// Attach guests to the vCPU at `tdvpr` of a TD built on `model`.
/// fn attach(model: &mut Model, tdvpr: u64) -> Result<(), NoVcpu> {
///     // A guest that asks the host for CPUID leaf 0x4000_0000 through
///     // TDG.VP.VMCALL<Instruction.CPUID> (R10 = 0, R11 = 10, R12 = leaf;
///     // GPR_SELECT exposes R10–R15), then halts.
///     let cpuid = Exit::vmcall(0xFC00, &[(Reg::R10, 0), (Reg::R11, 10), (Reg::R12, 0x4000_0000)]);
///     model.set_guest(tdvpr, vec![cpuid, Exit::Hlt { interrupt_blocked: false }])?;
///     // A closure sees each resume: this guest halts once the host has
///     // answered a VMCALL with R10 = 0 (GHCI success), else retries it.
///     model.set_guest(tdvpr, |r: &Resume| match r.cause {
///         Cause::VmcallReturned { .. } if r.gprs.get(Reg::R10) == Some(0) => {
///             Exit::Hlt { interrupt_blocked: false }
///         }
///         _ => Exit::vmcall(0x1C00, &[(Reg::R10, 0), (Reg::R11, 10)]),
///     })?;
///     Ok(())
/// }
/// ```
pub trait GuestScript: Send {
    /// The guest's next exit, or `None`: nothing more to do.
    fn next_exit(&mut self, resume: &Resume) -> Option<Exit>;
}

impl<F: FnMut(&Resume) -> Exit + Send> GuestScript for F {
    fn next_exit(&mut self, resume: &Resume) -> Option<Exit> {
        Some(self(resume))
    }
}

impl GuestScript for Vec<Exit> {
    fn next_exit(&mut self, _: &Resume) -> Option<Exit> {
        (!self.is_empty()).then(|| self.remove(0))
    }
}

impl GuestScript for VecDeque<Exit> {
    fn next_exit(&mut self, _: &Resume) -> Option<Exit> {
        self.pop_front()
    }
}

/// An iterator of [`Exit`]s as a [`GuestScript`]: see [`sequence`].
#[derive(Clone, Debug)]
pub struct Sequence<I>(pub I);

impl<I: Iterator<Item = Exit> + Send> GuestScript for Sequence<I> {
    fn next_exit(&mut self, _: &Resume) -> Option<Exit> {
        self.0.next()
    }
}

/// The exits `exits` yields, in order, as a [`GuestScript`].
pub fn sequence<I: IntoIterator<Item = Exit>>(exits: I) -> Sequence<I::IntoIter> {
    Sequence(exits.into_iter())
}

/// What the guest does that ends its run (or, for some, is answered inside
/// the TD; see each variant).
#[derive(Clone, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub enum Exit {
    /// TDG.VP.VMCALL (TDCALL leaf 0): the guest writes `set` into its
    /// registers, RCX = `control` (GPR_SELECT in bits 15:0, XMM_SELECT in
    /// bits 31:16) and RAX = 0, and executes TDCALL. A valid `control`
    /// exits to the host with the selected registers; an invalid one
    /// (GPR_SELECT bit 0, 1 or 4, bit 5 when the TD set
    /// `CONFIG_FLAGS.NO_RBP_MOD`, or any of bits 63:32) is refused inside
    /// the TD: the guest goes on with RAX = `TDX_OPERAND_INVALID` (RCX) and
    /// nothing reaches the host ([`Cause::VmcallRejected`]).
    Vmcall {
        /// The guest's RCX.
        control: u64,
        /// General registers the guest sets before the TDCALL, in order
        /// (RAX and RCX are then overwritten as above). The model keeps no
        /// XMM state: an XMM register here makes TDH.VP.ENTER panic (a bug
        /// in the script; the `SEAMCALL` fails with VMfailInvalid and the
        /// panic reaches the test when
        /// [`with_module`](crate::emulate::with_module) returns).
        set: Vec<(Reg, u64)>,
    },
    /// An access to `gpa` that the CPU reports as an EPT violation with
    /// VMX exit qualification `qualification` (bit 0 read, 1 write, 2
    /// instruction fetch; see [`Exit::EPT_WRITE`]). The module decides from
    /// the S-EPT what happens: a private page that is mapped takes no fault
    /// ([`Cause::Accessed`]); a pending one raises #VE in the guest unless
    /// the TD's `TD_CTLS.PENDING_VE_DISABLE` is set ([`Cause::Ve`]); anything
    /// else, and every shared GPA, exits to the host.
    EptViolation {
        /// The guest-physical address accessed.
        gpa: u64,
        /// The VMX exit qualification of the access.
        qualification: u64,
    },
    /// HLT. A TD's HLT does not exit to the host (the module turns it into
    /// a #VE); the guest asks the host to halt it through
    /// TDG.VP.VMCALL<Instruction.HLT>: R10 = 0, R11 = 12 (VMX exit reason
    /// HLT), R12 = 1 if interrupts are blocked (GPR_SELECT = R10–R12), the
    /// sub-function of `tests/data/tdx-abi/guest/tdvmcall.tsv`.
    Hlt {
        /// RFLAGS.IF was 0 at the halt.
        interrupt_blocked: bool,
    },
    /// An external interrupt arrives while the guest runs: an asynchronous
    /// exit, VMX exit reason 1, with the interrupt's VM-exit interruption
    /// information in R9 (valid, external interrupt, `vector`).
    ExternalInterrupt {
        /// The interrupt vector.
        vector: u8,
    },
    /// A triple fault: an asynchronous exit (VMX exit reason 2) with status
    /// `TDX_NON_RECOVERABLE_VCPU`; the vCPU cannot be entered again.
    TripleFault,
}

impl Exit {
    /// EPT-violation qualification bit 0: a data read.
    pub const EPT_READ: u64 = 1 << 0;
    /// EPT-violation qualification bit 1: a data write.
    pub const EPT_WRITE: u64 = 1 << 1;
    /// EPT-violation qualification bit 2: an instruction fetch.
    pub const EPT_FETCH: u64 = 1 << 2;

    /// A TDG.VP.VMCALL exposing the registers of `gpr_select` (bit n stands
    /// for the register with encoding n, [`Reg::index`]) and no XMM
    /// register, the guest setting the registers of `set` first.
    pub fn vmcall(gpr_select: u16, set: &[(Reg, u64)]) -> Exit {
        Exit::Vmcall {
            control: u64::from(gpr_select),
            set: set.to_vec(),
        }
    }
}

/// The 16 general registers of a vCPU as the guest sees them, by encoding
/// (RAX = 0 … R15 = 15, [`Reg::index`]).
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Gprs(pub [u64; 16]);

impl Gprs {
    /// The value of general register `reg`, or `None` for an XMM register
    /// (the model keeps no XMM state).
    pub fn get(&self, reg: Reg) -> Option<u64> {
        self.0.get(usize::from(reg.index())).copied()
    }

    /// Set general register `reg`; returns whether it is one (for an XMM
    /// register nothing changes and it returns `false`).
    pub fn set(&mut self, reg: Reg, value: u64) -> bool {
        match self.0.get_mut(usize::from(reg.index())) {
            Some(slot) => {
                *slot = value;
                true
            }
            None => false,
        }
    }
}

impl fmt::Debug for Gprs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("Gprs");
        for (i, v) in self.0.iter().enumerate() {
            let name = Reg::from_index(i as u8).map_or("?", Reg::name);
            s.field(name, &format_args!("{v:#x}"));
        }
        s.finish()
    }
}

/// What a [`GuestScript`] is told when the guest runs.
#[derive(Clone, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub struct Resume {
    /// The vCPU's general registers now, as the module restored them (after
    /// a TDG.VP.VMCALL: the registers the guest selected hold what the host
    /// passed to TDH.VP.ENTER, RAX = 0, RCX = the guest's control value).
    pub gprs: Gprs,
    /// Why the guest runs.
    pub cause: Cause,
    /// The number of TDH.VP.ENTER calls that ran this vCPU, this one
    /// included.
    pub entries: u64,
}

/// Why the guest runs again, see [`Resume`].
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub enum Cause {
    /// The vCPU's first entry: the guest starts (RCX holds TDH.VP.INIT's
    /// RDX).
    Start,
    /// Entered again after an asynchronous exit on an external interrupt:
    /// the guest goes on where it was.
    Interrupted,
    /// Entered again after a TDG.VP.VMCALL exit: the call returned with the
    /// host's answer in the selected registers.
    VmcallReturned {
        /// The guest's RCX at this entry, which selected them: the call's
        /// control value, unless the host changed RCX with TDH.VP.WR (a
        /// debug TD), as the module reads it then.
        control: u64,
    },
    /// The module refused the TDG.VP.VMCALL's `control` without exiting:
    /// RAX holds `TDX_OPERAND_INVALID` (RCX), 0xC000010000000001.
    VmcallRejected {
        /// The refused RCX.
        control: u64,
    },
    /// Entered again after an EPT-violation exit: the guest retries the
    /// access to `gpa`, whose page is now in `state`.
    EptRetry {
        /// The GPA of the exit (bits 11:0 cleared).
        gpa: u64,
        /// The S-EPT state of its page now.
        state: GpaState,
    },
    /// The access to `gpa` found its page mapped: no fault, no exit.
    Accessed {
        /// The GPA accessed.
        gpa: u64,
    },
    /// The access to `gpa` found its page pending: the module raised a #VE
    /// in the guest (`TD_CTLS.PENDING_VE_DISABLE` is clear), no
    /// exit.
    Ve {
        /// The GPA accessed.
        gpa: u64,
    },
}

/// The state of a guest-physical page in the TD's S-EPT (4 KiB leaves).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum GpaState {
    /// No leaf maps it.
    NotMapped,
    /// Added by TDH.MEM.PAGE.AUG, not yet accepted by the guest.
    Pending,
    /// Mapped and usable.
    Mapped,
    /// Blocked by TDH.MEM.RANGE.BLOCK.
    Blocked,
    /// A shared GPA (shared bit set): the host's EPT maps it, which the
    /// model does not keep.
    Shared,
}

/// [`Model::set_guest`] found no vCPU at that address.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct NoVcpu {
    /// The address given.
    pub tdvpr: u64,
}

impl fmt::Display for NoVcpu {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "no vCPU has its TDVPR page at {:#x}", self.tdvpr)
    }
}

impl std::error::Error for NoVcpu {}

/// How the vCPU last left the guest, for the next TDH.VP.ENTER.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub(crate) enum LastExit {
    /// Never entered.
    #[default]
    None,
    /// An asynchronous exit on an external interrupt.
    Interrupt,
    /// A TDG.VP.VMCALL with this control value.
    Vmcall(u64),
    /// An EPT violation at this GPA (bits 11:0 cleared).
    Ept(u64),
}

/// The guest side of one vCPU: its script, how it last exited, whether a
/// fatal exit disabled it.
#[derive(Clone, Default)]
pub(crate) struct Guest {
    /// Shared by clones of the model, as two views of one machine would
    /// share the guest; `None`: no script.
    script: Option<Arc<Mutex<Box<dyn GuestScript>>>>,
    pub(crate) last: LastExit,
    /// Disabled by a `TDX_NON_RECOVERABLE_VCPU` exit (the module's
    /// `VCPU_DISABLED`).
    pub(crate) disabled: bool,
    /// TDH.VP.ENTER calls that ran the vCPU.
    pub(crate) entries: u64,
    /// The zero-step filter: EPT-violation exits at one instruction
    /// (`possibly_epf_stepping`) and the private GPAs they faulted on once
    /// past the threshold (`last_epf_gpa_list`).
    pub(crate) epf_stepping: u8,
    pub(crate) epf_gpas: Vec<u64>,
}

impl fmt::Debug for Guest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Guest")
            .field("script", &self.script.as_ref().map(|_| "GuestScript"))
            .field("last", &self.last)
            .field("disabled", &self.disabled)
            .field("entries", &self.entries)
            .field("epf_stepping", &self.epf_stepping)
            .field("epf_gpas", &self.epf_gpas)
            .finish()
    }
}

/// EPT-violation exits at one instruction after which the module suspects
/// zero-stepping (`STEPPING_EPF_THRESHOLD`, `src/td_transitions/td_exit_stepping.h`
/// line 43), and the GPAs it then keeps (`EPF_GPA_LIST_SIZE`,
/// `src/common/data_structures/tdx_tdvps.h` line 204), at intel/tdx-module
/// 72d8cffb; the same values at murrowow/tdx-concurrency c71d4f63.
const EPF_THRESHOLD: u8 = 6;
const EPF_GPAS: usize = 32;

impl Guest {
    /// An EPT-violation exit on private `gpa`, as `td_exit_epf_stepping_log`
    /// (`src/td_transitions/td_exit_stepping.c`, 72d8cffb lines 362–405)
    /// counts it; `same_rip`: the guest did nothing since the entry but
    /// retry the instruction of the previous EPT-violation exit (the module
    /// compares RIP at the exit with RIP at the entry).
    pub(crate) fn log_epf(&mut self, gpa: u64, same_rip: bool) {
        if !same_rip {
            self.epf_stepping = 0;
            self.epf_gpas.clear();
        }
        if self.epf_stepping < EPF_THRESHOLD {
            self.epf_stepping += 1;
        } else if self.epf_gpas.len() < EPF_GPAS && !self.epf_gpas.contains(&gpa) {
            self.epf_gpas.push(gpa);
        }
    }

    pub(crate) fn has_script(&self) -> bool {
        self.script.is_some()
    }

    /// Ask the script for the guest's next exit.
    pub(crate) fn next_exit(&self, resume: &Resume) -> Option<Exit> {
        let script = self.script.as_ref()?;
        // A script that panicked poisoned the lock; the panic reached the
        // test already, and the script's state is what it left.
        let mut script = script.lock().unwrap_or_else(PoisonError::into_inner);
        script.next_exit(resume)
    }
}

impl Model {
    /// Run `script` as the guest of the vCPU whose TDVPR page is `tdvpr`,
    /// from its next TDH.VP.ENTER on (replacing any script it had). A vCPU
    /// without a script exits on an external interrupt at once, every
    /// time. A clone of the model shares the script.
    pub fn set_guest(
        &mut self,
        tdvpr: u64,
        script: impl GuestScript + 'static,
    ) -> Result<&mut Model, NoVcpu> {
        let vcpu = self.vcpus.get_mut(&tdvpr).ok_or(NoVcpu { tdvpr })?;
        vcpu.run.script = Some(Arc::new(Mutex::new(Box::new(script))));
        Ok(self)
    }

    /// The general registers of the vCPU whose TDVPR page is `tdvpr`, as
    /// the guest last left them (RCX = TDH.VP.INIT's RDX before the first
    /// entry).
    pub fn guest_gprs(&self, tdvpr: u64) -> Option<Gprs> {
        self.vcpus.get(&tdvpr).map(|v| Gprs(v.gprs))
    }
}
