//! TDH.VP.ENTER: run the vCPU's guest ([`GuestScript`](super::GuestScript))
//! until it exits, and answer with the registers of that exit path.
//!
//! A vCPU without a script exits at once on an external interrupt (VMX exit
//! reason 1) with RCX, RDX, R8, R9 and the other GPRs 0, as the module does
//! when an interrupt is pending right at entry. With a script, each entry
//! first does what the module does on the way back into the guest, then asks
//! the script for exits until one leaves the TD.
//!
//! Sources: the `TDH.VP.ENTER` rows of `tests/data/tdx-abi/writes.tsv`
//! (module 1.5.01, intel/tdx-module 72d8cffb) and `writes-2.0.tsv` (1.5.25
//! and 2.0.18), and the module code they cite, at intel/tdx-module 72d8cffb
//! (1.5.01) and murrowow/tdx-concurrency c71d4f63 (1.5.25):
//!
//! * **Asynchronous exits** (external interrupt, EPT violation, triple
//!   fault): `async_tdexit_internal` (`src/td_transitions/td_exit.c`,
//!   72d8cffb lines 373–392): RAX = the status with the VMX exit reason in
//!   bits 31:0, RCX = the exit qualification with the VM index (0) in bits
//!   33:32, RDX = the extended exit qualification, R8 = the GPA, R9 = the
//!   VM-exit interruption information, RBX, RSI, RDI and R10–R15 = 0. RBP =
//!   0 on 1.5.01 (line 390); from 1.5.06 on only when the TD's
//!   `CONFIG_FLAGS.NO_RBP_MOD` (bit 2) is 0 (c71d4f63 lines 459–462). From
//!   1.5.24 on RCX bit 63 is the IMM_RESUME_HINT (c71d4f63 lines 547–549),
//!   set only when the host enabled a hint control (TDCS `VM_CTLS`), which
//!   the model never does: it stays 0.
//! * **External interrupt**: status 0, reason 1, RCX 0, R9 = the
//!   interruption information (`tdx_td_dispatcher.c`, 72d8cffb, case
//!   `VMEXIT_REASON_INTERRUPT`): valid (bit 31), type 0, the vector, since
//!   the TD VMCS acknowledges interrupts on exit (`EXIT_CTLS_INIT` =
//!   0x1F3C8204, bit 15, `src/common/x86_defs/vmcs_defs.h` line 62).
//! * **EPT violation** (reason 48): `td_ept_violation_exit`
//!   (`src/td_dispatcher/vm_exits/td_ept_violation.c`, 72d8cffb lines
//!   43–134) and `tdx_ept_violation_exit_to_vmm` (`td_other_exits.c`, lines
//!   212–233): status 0, RCX = the qualification with bits 12:7 cleared, RDX
//!   = extended qualification type 6 (`VMX_EEQ_PENDING_EPT_VIOLATION`) for a
//!   pending page when the TD's `TD_CTLS.PENDING_VE_DISABLE` is set (it
//!   starts as `ATTRIBUTES.SEPT_VE_DISABLE`, bit 28, and a guest with
//!   `CONFIG_FLAGS.FLEXIBLE_PENDING_VE` may change it; the module reads
//!   TD_CTLS, `td_ept_violation.c` line 114), else 0, R8 = the GPA with
//!   bits 11:0 cleared, R9 = 0. A mapped private page takes no fault; a
//!   pending one raises #VE in the guest when PENDING_VE_DISABLE is 0
//!   (`tdx_inject_ve`), with no exit.
//! * **Triple fault** (reason 2): status `TDX_NON_RECOVERABLE_VCPU`
//!   (0x4000000100000000), RCX 0, R9 0 (`tdx_td_dispatcher.c`, 72d8cffb,
//!   case `VMEXIT_REASON_TRIPLE_FAULT`); the vCPU becomes `VCPU_DISABLED`
//!   (td_exit.c, 72d8cffb lines 348–351) and every later TDH.VP.ENTER fails
//!   with `TDX_VCPU_STATE_INCORRECT` (`check_and_associate_vcpu`,
//!   `src/common/helpers/helpers.c`, lines 1016–1036), RAX only.
//! * **TDG.VP.VMCALL** (reason 77), `tdg_vp_vmcall`
//!   (`src/td_dispatcher/vm_exits/tdg_vp_vmcall.c`, 72d8cffb lines 45–113):
//!   GPR_SELECT bits 0, 1 and 4, bit 5 under NO_RBP_MOD, or RCX bits 63:32
//!   set: the guest gets `TDX_OPERAND_INVALID` (RCX) and no exit happens
//!   (lines 83–97). Otherwise RAX = 77, RCX = GPR_SELECT | XMM_SELECT << 16
//!   (VM index 0), and each of RDX … R15 the guest's value if selected, else
//!   0, except RBP, which keeps the host's value when NO_RBP_MOD is set
//!   (lines 58–73); the same on every release.
//! * **The way back** after a TDG.VP.VMCALL, `save_regs_after_tdvmcall`
//!   (`src/td_transitions/tdh_vp_enter.c`, 72d8cffb lines 189–216): each
//!   selected GPR (bits 2–15) takes the value the host passes to
//!   TDH.VP.ENTER, RAX = 0, RCX = the guest's control value; the others
//!   keep the guest's values. The emulator does not hand the host's RBP to
//!   a module, so a guest that exposed RBP keeps its own.
//! * **The zero-step filter**: after 6 EPT-violation exits at one
//!   instruction, the GPAs of further ones are logged
//!   (`td_exit_epf_stepping_log`, `src/td_transitions/td_exit_stepping.c`,
//!   72d8cffb lines 362–405), and while one of them would fault again,
//!   TDH.VP.ENTER does not run the guest but emulates an EPT-violation exit
//!   (`emulate_ept_violation_td_exit`, `tdh_vp_enter.c` lines 126–161, 776–787):
//!   RAX = 48, RCX = 2 (a write), R8 = the GPA, RDX, R9, RBX, RSI, RDI,
//!   R10–R15 = 0, RBP untouched on 1.5.01 and, from 1.5.06 on, zeroed
//!   unless NO_RBP_MOD (c71d4f63 lines 147–165). The model has no RIP: an
//!   exit is "at the same instruction" when it is the guest's first action
//!   after an EPT-violation exit (the retry of the faulting access).
//!
//! XMM registers are not modelled: XMM_SELECT is reported in RCX, no XMM
//! value travels. The bus-lock-preempted bit of the exit reason, the
//! zero-step filter's #VE notification (`NOTIFY_ENABLES`) and L2 VMs do
//! not occur.
//!
//! A guest that runs 1024 times without leaving the TD (accesses to mapped
//! pages, rejected calls, #VEs) is interrupted by the host: an external
//! interrupt exit, as when its script has nothing more to do.

use super::script::{Cause, Exit, GpaState, Gprs, LastExit, Resume};
use super::{with_operand, Fail, LeafState, Model, OpState, Out, PageType, Release, Sept, Vcpu};
use crate::emulate::{vmm, Reg, Regs};
use crate::status::{OperandId, TdxStatus};
use crate::types::SeptLevel;

/// `CONFIG_FLAGS.NO_RBP_MOD`.
pub(crate) const NO_RBP_MOD: u64 = 1 << 2;
/// TDVPS `VCPU_STATE` of a vCPU a fatal exit disabled.
const VCPU_DISABLED: u64 = 0x8;
/// VMX basic exit reasons.
const EXIT_REASON_EXTERNAL_INTERRUPT: u64 = 1;
const EXIT_REASON_TRIPLE_FAULT: u64 = 2;
const EXIT_REASON_HLT: u64 = 12;
const EXIT_REASON_EPT_VIOLATION: u64 = 48;
/// Extended exit qualification type `VMX_EEQ_PENDING_EPT_VIOLATION`.
const EEQ_PENDING_EPT_VIOLATION: u64 = 6;
/// EPT-violation qualification bits 12:7, which the module clears.
const EPT_QUAL_CLEARED: u64 = 0x3F << 7;
/// GPR_SELECT of TDG.VP.VMCALL<Instruction.HLT>: R10, R11, R12.
const HLT_GPR_SELECT: u16 = (1 << 10) | (1 << 11) | (1 << 12);
/// Runs without a TD exit after which the host's interrupt ends the run.
const MAX_RUNS: u32 = 1024;

/// How a run of the guest ended.
enum Left {
    /// An asynchronous exit: status (with the reason), RCX, RDX, R8, R9.
    Async {
        status: u64,
        rcx: u64,
        rdx: u64,
        r8: u64,
        r9: u64,
    },
    /// A TDG.VP.VMCALL exit with this control value.
    Vmcall(u64),
    /// The zero-step filter's emulated EPT violation at this GPA: the
    /// guest did not run.
    EmulatedEpt(u64),
}

impl Left {
    /// The asynchronous exit on an external interrupt with interruption
    /// information `r9`.
    fn interrupt(r9: u64) -> Left {
        Left::Async {
            status: EXIT_REASON_EXTERNAL_INTERRUPT,
            rcx: 0,
            rdx: 0,
            r8: 0,
            r9,
        }
    }
}

impl Model {
    /// `TDX_VCPU_STATE_INCORRECT` for `vcpu`, as its release reports it:
    /// from 1.5.06 on with the vCPU's state as the operand id
    /// (`check_and_associate_vcpu`, murrowow/tdx-concurrency
    /// `src/common/helpers/helpers.c` line 1088 at c71d4f63: VCPU_DISABLED
    /// 8, VCPU_UNINITIALIZED 0), the bare code on 1.5.01 (`helpers.c` line
    /// 1031 at 72d8cffb).
    pub(super) fn vcpu_state_incorrect(&self, vcpu: &Vcpu) -> TdxStatus {
        let state = if vcpu.run.disabled { VCPU_DISABLED } else { 0 };
        if self.release() >= Release::V1_5_25 {
            TdxStatus::from_raw(TdxStatus::VCPU_STATE_INCORRECT.raw() | state)
        } else {
            TdxStatus::VCPU_STATE_INCORRECT
        }
    }

    /// TDH.VP.ENTER: RCX = TDVPR (bits 11:0 must be 0); the other GPRs the
    /// host's answer to a TDG.VP.VMCALL exit.
    pub(super) fn vp_enter(&mut self, inp: &Regs, out: &mut Out) -> Result<(), Fail> {
        let tdvpr = inp.rcx;
        if tdvpr & 0xFFF != 0 {
            return Err(with_operand(TdxStatus::OPERAND_INVALID, OperandId::Rcx).into());
        }
        self.check_page(tdvpr, OperandId::Rcx, PageType::Tdvpr)?;
        let bad = with_operand(TdxStatus::PAGE_METADATA_INCORRECT, OperandId::Rcx);
        let vcpu = self.vcpus.get(&tdvpr).ok_or(bad)?;
        let td = self.tds.get(&vcpu.tdr).ok_or(bad)?;
        Model::check_build_state(td)?;
        if td.op != OpState::Runnable {
            return Err(TdxStatus::OP_STATE_INCORRECT.into());
        }
        if !vcpu.initialized || vcpu.run.disabled {
            // From 1.5.06 on the status carries the vCPU's state as its
            // operand id (`check_and_associate_vcpu`, murrowow/tdx-concurrency
            // `src/common/helpers/helpers.c` line 1088 at c71d4f63;
            // VCPU_DISABLED is 8, VCPU_UNINITIALIZED 0); 1.5.01 returns the
            // bare code (`helpers.c` line 1031 at 72d8cffb).
            return Err(self.vcpu_state_incorrect(vcpu).into());
        }
        let no_rbp_mod = td.params.config_flags & NO_RBP_MOD != 0;
        let sept_ve_disable = super::guest::pending_ve_disabled(td);
        let has_script = vcpu.run.has_script();
        let tdr = vcpu.tdr;
        let Some(vcpu) = self.vcpus.get_mut(&tdvpr) else {
            return Err(bad.into());
        };
        vcpu.associated = true;

        let left = if has_script {
            self.run_guest(tdvpr, tdr, inp, no_rbp_mod, sept_ve_disable)
        } else {
            vcpu.run.entries += 1;
            vcpu.run.last = LastExit::Interrupt;
            Left::interrupt(0)
        };

        // The registers of the exit path, RBP through `rbp_after`.
        let keeps_rbp_async = self.release >= Release::V1_5_25 && no_rbp_mod;
        let status = match left {
            Left::Async {
                status,
                rcx,
                rdx,
                r8,
                r9,
            } => {
                for r in Reg::OPERANDS {
                    out.set(r, 0);
                }
                out.set(Reg::Rcx, rcx);
                out.set(Reg::Rdx, rdx);
                out.set(Reg::R8, r8);
                out.set(Reg::R9, r9);
                self.rbp_out = (!keeps_rbp_async).then_some(0);
                status
            }
            Left::EmulatedEpt(gpa) => {
                for r in Reg::OPERANDS {
                    out.set(r, 0);
                }
                out.set(Reg::Rcx, Exit::EPT_WRITE);
                out.set(Reg::R8, gpa & !0xFFF);
                // 1.5.01 leaves RBP alone here; 1.5.06 on zero it unless
                // NO_RBP_MOD.
                self.rbp_out = (self.release >= Release::V1_5_25 && !no_rbp_mod).then_some(0);
                EXIT_REASON_EPT_VIOLATION
            }
            Left::Vmcall(control) => {
                let gprs = self.vcpus.get(&tdvpr).map_or([0; 16], |v| v.gprs);
                let selected = |r: Reg| control & (1 << r.index()) != 0;
                // Bits 15:0 GPR_SELECT, 31:16 XMM_SELECT, 33:32 the VM (0).
                out.set(Reg::Rcx, control & 0xFFFF_FFFF);
                for r in Reg::OPERANDS.into_iter().filter(|r| *r != Reg::Rcx) {
                    let value = if selected(r) {
                        gprs[usize::from(r.index())]
                    } else {
                        0
                    };
                    out.set(r, value);
                }
                self.rbp_out = if selected(Reg::Rbp) {
                    Some(gprs[usize::from(Reg::Rbp.index())])
                } else {
                    (!no_rbp_mod).then_some(0)
                };
                vmm::EXIT_REASON_TDCALL
            }
        };
        // A TD exit is a success (class 0) with the exit reason in bits
        // 31:0, or a non-recoverable status with it: not 0 either way, so it
        // travels as a status.
        Err(TdxStatus::from_raw(status).into())
    }

    /// Enter the guest of `tdvpr` (of the TD `tdr`) and run it until it
    /// leaves the TD.
    fn run_guest(
        &mut self,
        tdvpr: u64,
        tdr: u64,
        inp: &Regs,
        no_rbp_mod: bool,
        sept_ve_disable: bool,
    ) -> Left {
        let emulated = self.epf_expected(tdvpr, tdr, sept_ve_disable);
        let Some(vcpu) = self.vcpus.get_mut(&tdvpr) else {
            return Left::interrupt(0);
        };
        if let Some(gpa) = emulated {
            // Before the way back: a pending VMCALL answer is dropped, the
            // last exit is this one (`LAST_EXIT_ASYNC_FAULT`).
            vcpu.run.last = LastExit::Ept(gpa & !0xFFF);
            return Left::EmulatedEpt(gpa);
        }
        vcpu.run.entries += 1;
        // The way back into the guest.
        let mut cause = match vcpu.run.last {
            LastExit::None => Cause::Start,
            LastExit::Interrupt => Cause::Interrupted,
            LastExit::Vmcall(_) => {
                // The module takes the control value from the guest's RCX
                // now (`tdh_vp_enter.c`, 72d8cffb line 855).
                let control = vcpu.gprs[1];
                for i in 2..16u8 {
                    let from_host = Reg::from_index(i).and_then(|r| inp.get(r));
                    if let (true, Some(v)) = (control & (1 << i) != 0, from_host) {
                        vcpu.gprs[usize::from(i)] = v;
                    }
                }
                vcpu.gprs[0] = 0;
                vcpu.gprs[1] = control;
                Cause::VmcallReturned { control }
            }
            LastExit::Ept(gpa) => Cause::EptRetry {
                gpa,
                state: GpaState::NotMapped,
            },
        };
        let entries = vcpu.run.entries;
        let guest = vcpu.run.clone();
        // The guest's first action after an EPT-violation exit re-executes
        // the faulting instruction: its RIP is the RIP of this entry.
        let mut same_rip = matches!(cause, Cause::EptRetry { .. });
        for _ in 0..MAX_RUNS {
            if let Cause::EptRetry { gpa, .. } = cause {
                cause = Cause::EptRetry {
                    gpa,
                    state: self.gpa_state(tdr, gpa),
                };
            }
            let gprs = self.vcpus.get(&tdvpr).map_or([0; 16], |v| v.gprs);
            let resume = Resume {
                gprs: Gprs(gprs),
                cause,
                entries,
            };
            let Some(exit) = guest.next_exit(&resume) else {
                break;
            };
            let flags = (no_rbp_mod, sept_ve_disable, same_rip);
            let (next, left) = self.guest_exit(tdvpr, tdr, exit, flags);
            if let Some(left) = left {
                return left;
            }
            cause = next;
            same_rip = false;
        }
        // Nothing more to do, or no exit for long: the host's interrupt.
        if let Some(vcpu) = self.vcpus.get_mut(&tdvpr) {
            vcpu.run.last = LastExit::Interrupt;
        }
        Left::interrupt(0)
    }

    /// Carry out `exit` of the guest of `tdvpr`: how the run ends, or, for
    /// an exit the module answers inside the TD, why the guest goes on.
    fn guest_exit(
        &mut self,
        tdvpr: u64,
        tdr: u64,
        exit: Exit,
        (no_rbp_mod, sept_ve_disable, same_rip): (bool, bool, bool),
    ) -> (Cause, Option<Left>) {
        let state = match &exit {
            Exit::EptViolation { gpa, .. } => self.gpa_state(tdr, *gpa),
            _ => GpaState::NotMapped,
        };
        let Some(vcpu) = self.vcpus.get_mut(&tdvpr) else {
            return (Cause::Interrupted, Some(Left::interrupt(0)));
        };
        let (control, set) = match exit {
            Exit::Vmcall { control, set } => (control, set),
            Exit::Hlt { interrupt_blocked } => (
                u64::from(HLT_GPR_SELECT),
                vec![
                    (Reg::R10, 0),
                    (Reg::R11, EXIT_REASON_HLT),
                    (Reg::R12, u64::from(interrupt_blocked)),
                ],
            ),
            Exit::ExternalInterrupt { vector } => {
                vcpu.run.last = LastExit::Interrupt;
                // Valid (bit 31), type external interrupt (bits 10:8 = 0).
                return (
                    Cause::Interrupted,
                    Some(Left::interrupt(1 << 31 | u64::from(vector))),
                );
            }
            Exit::TripleFault => {
                vcpu.run.disabled = true;
                let status = TdxStatus::NON_RECOVERABLE_VCPU.raw() | EXIT_REASON_TRIPLE_FAULT;
                let left = Left::Async {
                    status,
                    rcx: 0,
                    rdx: 0,
                    r8: 0,
                    r9: 0,
                };
                return (Cause::Interrupted, Some(left));
            }
            Exit::EptViolation { gpa, qualification } => {
                let rdx = match state {
                    GpaState::Mapped => return (Cause::Accessed { gpa }, None),
                    GpaState::Pending if !sept_ve_disable => return (Cause::Ve { gpa }, None),
                    GpaState::Pending => EEQ_PENDING_EPT_VIOLATION,
                    _ => 0,
                };
                if state != GpaState::Shared {
                    vcpu.run.log_epf(gpa, same_rip);
                }
                let gpa = gpa & !0xFFF;
                vcpu.run.last = LastExit::Ept(gpa);
                let left = Left::Async {
                    status: EXIT_REASON_EPT_VIOLATION,
                    rcx: qualification & 0xFFFF_FFFF & !EPT_QUAL_CLEARED,
                    rdx,
                    r8: gpa,
                    r9: 0,
                };
                return (Cause::Interrupted, Some(left));
            }
        };
        // TDG.VP.VMCALL: the guest's registers, then TDCALL leaf 0.
        for (r, v) in set {
            // A bug in the script, not a state of the guest: no answer of
            // the module's would be right.
            assert!(
                r.is_gpr(),
                "seamcall model: Exit::Vmcall sets {r}; the model keeps no XMM state"
            );
            vcpu.gprs[usize::from(r.index())] = v;
        }
        vcpu.gprs[0] = 0;
        vcpu.gprs[1] = control;
        // The module's mask rule, the one the guest side's TDG.VP.VMCALL
        // applies (`vmm::check`: RAX, RCX, RSP, RBP under NO_RBP_MOD,
        // RCX[63:32]).
        if let Some(status) = vmm::check(0, control, no_rbp_mod) {
            vcpu.gprs[0] = status;
            return (Cause::VmcallRejected { control }, None);
        }
        vcpu.run.last = LastExit::Vmcall(control);
        (Cause::Interrupted, Some(Left::Vmcall(control)))
    }

    /// The zero-step filter of TDH.VP.ENTER (`td_entry_stepping_filter`):
    /// the first GPA the vCPU logged whose access would fault again (not
    /// mapped, blocked, or pending without a #VE; on 1.5.01 a pending page
    /// always, since its `is_epf_expected` has no #VE exception:
    /// `td_exit_stepping.c` lines 144-158 at 72d8cffb, where every S-EPT
    /// leaf carries `supp_ve` and a pending one is a walk violation), if any.
    fn epf_expected(&self, tdvpr: u64, tdr: u64, sept_ve_disable: bool) -> Option<u64> {
        let vcpu = self.vcpus.get(&tdvpr)?;
        vcpu.run
            .epf_gpas
            .iter()
            .copied()
            .find(|gpa| match self.gpa_state(tdr, *gpa) {
                GpaState::Mapped | GpaState::Shared => false,
                GpaState::Pending => sept_ve_disable || self.release() < Release::V1_5_25,
                GpaState::NotMapped | GpaState::Blocked => true,
            })
    }

    /// The S-EPT state of the page of `gpa` in the TD of `tdr`.
    fn gpa_state(&self, tdr: u64, gpa: u64) -> GpaState {
        let Some(td) = self.tds.get(&tdr) else {
            return GpaState::NotMapped;
        };
        let width = td.params.gpa_width();
        if gpa & (1 << (width - 1)) != 0 {
            return GpaState::Shared;
        }
        match td.sept.get(&(SeptLevel::L4K, gpa & !0xFFF)) {
            Some(Sept::Leaf { state, .. }) => match state {
                LeafState::Mapped => GpaState::Mapped,
                LeafState::Pending => GpaState::Pending,
                LeafState::Blocked { .. } => GpaState::Blocked,
            },
            _ => GpaState::NotMapped,
        }
    }
}
