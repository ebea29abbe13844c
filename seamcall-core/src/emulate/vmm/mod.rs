//! TDG.VP.VMCALL as the TDX module carries it out, and the VMM behind it.
//!
//! The module checks the TD's exposure mask (RCX), shows the VMM exactly
//! the exposed registers, and on resume copies back only those
//! (`tests/data/tdx-abi/guest/tdvmcall.tsv`, row "TDG.VP.VMCALL"; intel/tdx-module
//! `src/td_dispatcher/vm_exits/tdg_vp_vmcall.c` at 72d8cffb, lines 45-97, and
//! `src/td_transitions/tdh_vp_enter.c`, `save_regs_after_tdvmcall`, lines
//! 189-216). [`vp_vmcall`] is that leaf; a [`Vmm`] answers what reaches the
//! host.
//!
//! # XMM registers
//!
//! The emulator holds no vector state ([`Regs`] has none): a mask whose
//! XMM_SELECT (RCX bits 31:16) is not zero is accepted, as the module
//! accepts it, and the VMM finds XMM_SELECT in the qualification
//! ([`VmcallExit::xmm_select`]), but no XMM value travels either way: the
//! TD's XMM registers are neither shown nor changed. No declaration of this
//! crate exposes an XMM register.
//!
//! # A VMM that stops the TD
//!
//! A VMM may end the TD instead of resuming it ([`VmcallExit::stop`]), as
//! KVM's user space does after ReportFatalError. A stopped TD never returns
//! from its `TDCALL`; the emulator cannot leave the thread hanging, so the
//! `TDCALL` raises #UD instead (as outside a TD): the declared call returns
//! its fault error with every register unchanged. [`VmcallOnly`] also
//! remembers the stop and faults every later `TDCALL` of that TD without
//! asking the VMM.
//!
//! # What is here
//!
//! * [`vp_vmcall`]: the leaf, for a guest model's dispatcher;
//! * [`Vmm`], [`VmcallExit`]: what a test implements and what it sees;
//! * [`GhciVmm`]: a default VMM with the GHCI calls a guest kernel makes at
//!   boot (MapGPA with RETRY, Instruction.CPUID/RDMSR/WRMSR/HLT/IO,
//!   ReportFatalError, GetTdVmCallInfo, GetQuote);
//! * [`Recorder`]: wraps any VMM and keeps every call with the mask the VMM
//!   saw (the VMM-side counterpart of [`emulate::Recorder`](super::Recorder));
//! * [`VmcallOnly`]: a guest module with only TDG.VP.VMCALL, for testing
//!   TDVMCALL code without a TD.
//!
//! ```
//! use seamcall_core::emulate::{self, vmm};
//! use seamcall_core::guest;
//!
//! // A VMM that changes every register it is shown.
//! let hostile = |exit: &mut vmm::VmcallExit| {
//!     for g in exit.gprs.iter_mut() {
//!         *g = 0xBAD;
//!     }
//!     exit.gprs[10] = 0; // SUCCESS
//! };
//! let mut td = vmm::VmcallOnly::new(vmm::Recorder::new(hostile));
//! let r = emulate::with_guest(&mut td, || unsafe { guest::tdvmcall_rdmsr(0x10) });
//! assert_eq!(r, Ok(0xBAD), "R11, exposed");
//! let call = td.vmm().last().unwrap();
//! assert_eq!((call.mask(), call.name()), (0x1C00, Some("Instruction.RDMSR")));
//! assert_eq!(call.seen.gprs[12], 0x10);
//! ```

mod ghci;
mod only;
mod recorder;

pub use ghci::{
    FatalError, GhciVmm, GuestMemory, PortIo, QuoteRequest, SharedWindow, MAP_GPA_CHUNK,
    QUOTE_SERVICE_UNAVAILABLE,
};
pub use only::VmcallOnly;
pub use recorder::{Call, Recorder};

use super::{Outcome, Regs, Trap};

/// The GHCI sub-functions (R11 of a standard call, R10 = 0), as
/// `tests/data/tdx-abi/guest/tdvmcall.tsv` lists them.
pub mod subfn {
    /// Instruction.CPUID.
    pub const CPUID: u64 = 0xA;
    /// Instruction.HLT.
    pub const HLT: u64 = 0xC;
    /// Instruction.IO.
    pub const IO: u64 = 0x1E;
    /// Instruction.RDMSR.
    pub const RDMSR: u64 = 0x1F;
    /// Instruction.WRMSR.
    pub const WRMSR: u64 = 0x20;
    /// #VE.RequestMMIO.
    pub const REQUEST_MMIO: u64 = 0x30;
    /// Instruction.WBINVD.
    pub const WBINVD: u64 = 0x36;
    /// Instruction.PCONFIG.
    pub const PCONFIG: u64 = 0x41;
    /// GetTdVmCallInfo.
    pub const GET_TD_VM_CALL_INFO: u64 = 0x1_0000;
    /// MapGPA.
    pub const MAP_GPA: u64 = 0x1_0001;
    /// GetQuote.
    pub const GET_QUOTE: u64 = 0x1_0002;
    /// ReportFatalError.
    pub const REPORT_FATAL_ERROR: u64 = 0x1_0003;
    /// SetupEventNotifyInterrupt.
    pub const SETUP_EVENT_NOTIFY_INTERRUPT: u64 = 0x1_0004;
    /// Service.
    pub const SERVICE: u64 = 0x1_0005;
    /// MigTD.
    pub const MIGTD: u64 = 0x1_0006;
}

/// The GHCI name of a sub-function (`"MapGPA"`), where known.
pub const fn ghci_name(subfunction: u64) -> Option<&'static str> {
    Some(match subfunction {
        subfn::CPUID => "Instruction.CPUID",
        subfn::HLT => "Instruction.HLT",
        subfn::IO => "Instruction.IO",
        subfn::RDMSR => "Instruction.RDMSR",
        subfn::WRMSR => "Instruction.WRMSR",
        subfn::REQUEST_MMIO => "#VE.RequestMMIO",
        subfn::WBINVD => "Instruction.WBINVD",
        subfn::PCONFIG => "Instruction.PCONFIG",
        subfn::GET_TD_VM_CALL_INFO => "GetTdVmCallInfo",
        subfn::MAP_GPA => "MapGPA",
        subfn::GET_QUOTE => "GetQuote",
        subfn::REPORT_FATAL_ERROR => "ReportFatalError",
        subfn::SETUP_EVENT_NOTIFY_INTERRUPT => "SetupEventNotifyInterrupt",
        subfn::SERVICE => "Service",
        subfn::MIGTD => "MigTD",
        _ => return None,
    })
}

/// The VMX exit reason of a TDCALL, which the VMM finds in RAX.
pub const EXIT_REASON_TDCALL: u64 = 77;

/// `TDX_OPERAND_INVALID` with operand id RCX: a mask the module rejects.
pub const MASK_REJECTED: u64 = 0xC000_0100_0000_0001;

/// `TDX_OPERAND_INVALID` with operand id RAX: the dispatcher's answer to
/// reserved RAX bits, a version above 0 or an unknown leaf.
pub const RAX_REJECTED: u64 = 0xC000_0100_0000_0000;

/// GPR_SELECT bits the module refuses in every TD: RAX (0), RCX (1), RSP (4).
const ALWAYS_REFUSED: u64 = 1 << 0 | 1 << 1 | 1 << 4;
/// GPR_SELECT bit of RBP, refused when the TD has `NO_RBP_MOD`.
const RBP_BIT: u64 = 1 << 5;
/// RCX bits 63:32, reserved.
const RESERVED: u64 = 0xFFFF_FFFF_0000_0000;

/// GPR numbers (the order of GPR_SELECT) of the registers [`Regs`] holds,
/// in `Regs::REGS` order: RAX, RCX, RDX, RBX, RSI, RDI, R8-R15.
const REGS_GPR: [usize; 14] = [0, 1, 2, 3, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];
/// GPR number of RBP.
const RBP: usize = 5;

/// What the VMM sees of one TDG.VP.VMCALL, and what it answers.
///
/// `gprs` holds the general registers by number (RAX = 0, RCX = 1, RDX = 2,
/// RBX = 3, RSP = 4, RBP = 5, RSI = 6, RDI = 7, R8–R15 = 8–15), as the
/// module hands them to the VMM: RAX the exit reason 77, RCX the exit
/// qualification (GPR_SELECT in bits 15:0, XMM_SELECT in bits 31:16, VM
/// index 0 in bits 33:32), every exposed register the TD's value, every
/// other one 0. The VMM writes its answers into `gprs`; only the exposed
/// registers reach the TD.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VmcallExit {
    /// The registers by GPR number.
    pub gprs: [u64; 16],
    stopped: bool,
}

impl VmcallExit {
    /// An exit with these registers, which the VMM has not stopped.
    pub const fn new(gprs: [u64; 16]) -> VmcallExit {
        VmcallExit {
            gprs,
            stopped: false,
        }
    }

    /// GPR_SELECT: bit n set when GPR n is exposed (RCX bits 15:0).
    pub const fn gpr_select(&self) -> u16 {
        self.gprs[1] as u16
    }

    /// XMM_SELECT: bit n set when XMMn is exposed (RCX bits 31:16). See the
    /// module docs: no XMM value is carried.
    pub const fn xmm_select(&self) -> u16 {
        (self.gprs[1] >> 16) as u16
    }

    /// Whether GPR number `gpr` (0-15) is exposed.
    pub const fn exposed(&self, gpr: usize) -> bool {
        gpr < 16 && self.gpr_select() & (1 << gpr) != 0
    }

    /// R10: 0 for a standard GHCI call, on return the GHCI status.
    pub const fn r10(&self) -> u64 {
        self.gprs[10]
    }

    /// R11: the GHCI sub-function, on return its main output.
    pub const fn r11(&self) -> u64 {
        self.gprs[11]
    }

    /// End the TD instead of resuming it (see the module docs: the `TDCALL`
    /// raises #UD and no register changes).
    pub fn stop(&mut self) {
        self.stopped = true;
    }

    /// Whether the VMM stopped the TD.
    pub const fn is_stopped(&self) -> bool {
        self.stopped
    }
}

/// A host that answers the TD's TDG.VP.VMCALLs.
pub trait Vmm {
    /// Answer one call; see [`VmcallExit`]. Call [`VmcallExit::stop`] to
    /// end the TD instead of resuming it.
    fn tdvmcall(&mut self, exit: &mut VmcallExit);
}

/// Any `FnMut(&mut VmcallExit)` is a VMM, for one-off tests.
impl<F: FnMut(&mut VmcallExit)> Vmm for F {
    fn tdvmcall(&mut self, exit: &mut VmcallExit) {
        self(exit)
    }
}

/// Why the module refuses a TDG.VP.VMCALL before the VMM sees it, if it
/// does: [`RAX_REJECTED`] for anything but RAX = 0 (the dispatcher's
/// check for leaf 0: reserved bits or a version), [`MASK_REJECTED`] for a
/// mask with RAX, RCX or RSP, with RBP when `no_rbp_mod`, or with bits
/// 63:32 set (`tdg_vp_vmcall.c` at 72d8cffb, lines 83-97).
pub const fn check(rax: u64, rcx: u64, no_rbp_mod: bool) -> Option<u64> {
    let refused = if no_rbp_mod {
        ALWAYS_REFUSED | RBP_BIT
    } else {
        ALWAYS_REFUSED
    };
    if rax != 0 {
        Some(RAX_REJECTED)
    } else if rcx & (RESERVED | refused) != 0 {
        Some(MASK_REJECTED)
    } else {
        None
    }
}

/// TDG.VP.VMCALL (leaf 0) on the TD registers `regs` and `rbp`, for a TD
/// whose `CONFIG_FLAGS.NO_RBP_MOD` is `no_rbp_mod`.
///
/// * A refused call (see [`check`]) writes only RAX and never reaches `vmm`.
///   The RAX check repeats the dispatcher's, so a dispatcher that has made
///   it already loses nothing.
/// * Otherwise `vmm` sees a [`VmcallExit`] with RAX = 77, RCX = the
///   qualification, the exposed registers (RBP among them when exposed) and
///   zeros; on resume each exposed register takes the VMM's value, RAX = 0
///   and RCX its own value again; no other register changes. (The module
///   leaves the VMM its own RBP when RBP is not exposed, and may set the
///   bus-lock bit in RAX; the emulation shows 0 and 77. XMM: see the
///   module docs.)
/// * A VMM that stops the TD: [`Outcome::Fault`] (#UD), nothing written.
pub fn vp_vmcall(regs: &mut Regs, rbp: &mut u64, no_rbp_mod: bool, vmm: &mut dyn Vmm) -> Outcome {
    if let Some(status) = check(regs.rax, regs.rcx, no_rbp_mod) {
        regs.rax = status;
        return Outcome::Return;
    }
    let select = regs.rcx & 0xFFFF;
    let td = regs.values();
    let mut gprs = [0u64; 16];
    for (i, &gpr) in REGS_GPR.iter().enumerate() {
        if select & (1 << gpr) != 0 {
            gprs[gpr] = td[i];
        }
    }
    if select & RBP_BIT != 0 {
        gprs[RBP] = *rbp;
    }
    gprs[0] = EXIT_REASON_TDCALL;
    // Qualification: GPR_SELECT and XMM_SELECT as the TD wrote them, VM
    // index 0 (bits 33:32: the TD itself, not an L2).
    gprs[1] = regs.rcx & 0xFFFF_FFFF;
    let mut exit = VmcallExit::new(gprs);
    vmm.tdvmcall(&mut exit);
    if exit.stopped {
        return Outcome::Fault(Trap::InvalidOpcode);
    }
    let mut back = td;
    for (i, &gpr) in REGS_GPR.iter().enumerate().skip(2) {
        if select & (1 << gpr) != 0 {
            back[i] = exit.gprs[gpr];
        }
    }
    if select & RBP_BIT != 0 {
        *rbp = exit.gprs[RBP];
    }
    back[0] = 0;
    back[1] = regs.rcx;
    *regs = Regs::from_values(back);
    Outcome::Return
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A TD register file with a distinct value in every register.
    fn td(rcx: u64) -> (Regs, u64) {
        let mut v: [u64; 14] = core::array::from_fn(|i| 0x1000 + i as u64);
        v[0] = 0;
        v[1] = rcx;
        (Regs::from_values(v), 0xB0B0)
    }

    /// Writes `!value` into all 16 registers, remembering what it saw.
    #[derive(Default)]
    struct Hostile {
        seen: Option<VmcallExit>,
    }
    impl Vmm for Hostile {
        fn tdvmcall(&mut self, exit: &mut VmcallExit) {
            self.seen = Some(*exit);
            for (n, g) in exit.gprs.iter_mut().enumerate() {
                *g = 0xDEAD_0000 + n as u64;
            }
        }
    }

    #[test]
    fn exposed_registers_only() {
        // RDX, RBX, RBP, RDI, R10-R12, and XMM_SELECT bit 3.
        let mask = 1 << 2 | 1 << 3 | 1 << 5 | 1 << 7 | 0x1C00 | 1 << 19;
        let (mut regs, mut rbp) = td(mask);
        let before = regs;
        let mut vmm = Hostile::default();
        assert_eq!(
            vp_vmcall(&mut regs, &mut rbp, false, &mut vmm),
            Outcome::Return
        );
        let seen = vmm.seen.expect("the VMM was called");
        let mut want = [0u64; 16];
        want[0] = 77;
        want[1] = mask;
        want[2] = before.rdx;
        want[3] = before.rbx;
        want[5] = 0xB0B0;
        want[7] = before.rdi;
        want[10] = before.r10;
        want[11] = before.r11;
        want[12] = before.r12;
        assert_eq!(seen.gprs, want);
        assert_eq!(seen.xmm_select(), 1 << 3);
        let mut after = before;
        after.rdx = 0xDEAD_0002;
        after.rbx = 0xDEAD_0003;
        after.rdi = 0xDEAD_0007;
        after.r10 = 0xDEAD_000A;
        after.r11 = 0xDEAD_000B;
        after.r12 = 0xDEAD_000C;
        assert_eq!(regs, after, "RAX 0, RCX kept, only exposed registers");
        assert_eq!(rbp, 0xDEAD_0005);
    }

    #[test]
    fn refused_masks_reach_no_vmm() {
        for (mask, no_rbp_mod) in [
            (1u64 | 0x1C00, false),
            (1 << 1 | 0x1C00, false),
            (1 << 4 | 0x1C00, false),
            (1 << 5 | 0x1C00, true),
            (1 << 32 | 0x1C00, false),
            (1 << 63, false),
        ] {
            let (mut regs, mut rbp) = td(mask);
            let before = regs;
            let mut called = false;
            let mut vmm = |_: &mut VmcallExit| called = true;
            assert_eq!(
                vp_vmcall(&mut regs, &mut rbp, no_rbp_mod, &mut vmm),
                Outcome::Return
            );
            assert!(!called, "{mask:#x}");
            assert_eq!(regs.rax, MASK_REJECTED, "{mask:#x}");
            assert_eq!(Regs { rax: 0, ..regs }, before, "{mask:#x}");
            assert_eq!(rbp, 0xB0B0);
        }
        let (mut regs, mut rbp) = td(0x1C00);
        regs.rax = 1 << 16;
        let mut vmm = |_: &mut VmcallExit| panic!("reached the VMM");
        vp_vmcall(&mut regs, &mut rbp, true, &mut vmm);
        assert_eq!(regs.rax, RAX_REJECTED);
    }

    #[test]
    fn rbp_unexposed_is_zero_and_kept() {
        let (mut regs, mut rbp) = td(0xFFCC);
        let mut vmm = Hostile::default();
        vp_vmcall(&mut regs, &mut rbp, true, &mut vmm);
        assert_eq!(vmm.seen.map(|e| e.gprs[5]), Some(0));
        assert_eq!(rbp, 0xB0B0);
        assert_eq!(regs.rcx, 0xFFCC);
        assert_eq!(regs.rax, 0);
    }

    #[test]
    fn stopped_td_faults_unchanged() {
        let (mut regs, mut rbp) = td(0x1C00);
        let before = regs;
        let mut vmm = |e: &mut VmcallExit| {
            e.gprs[10] = 5;
            e.stop();
        };
        assert_eq!(
            vp_vmcall(&mut regs, &mut rbp, true, &mut vmm),
            Outcome::Fault(Trap::InvalidOpcode)
        );
        assert_eq!(regs, before);
    }
}
