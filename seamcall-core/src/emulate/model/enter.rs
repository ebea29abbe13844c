//! TDH.VP.ENTER, with no guest to run: the TD exits at once.
//!
//! The model answers an entry of an initialized vCPU of a runnable TD with
//! an asynchronous TD exit on an external interrupt (VMX exit reason 1), as
//! the module does when an interrupt is pending right at entry. The
//! registers are those of the module's asynchronous exit
//! (`async_tdexit_internal`, `src/td_transitions/td_exit.c`; the
//! `TDH.VP.ENTER` rows of `tests/data/tdx-abi/writes.tsv` and
//! `writes-2.0.tsv`): RCX, RDX, R8 and R9 carry the exit qualification,
//! extended qualification, GPA and interruption information (all 0 for this
//! exit), and R10–R15, RBX, RSI and RDI are zeroed. RBP depends on the
//! release: module 1.5.01 zeroes it on every asynchronous exit (td_exit.c
//! line 390 at 72d8cffb); from 1.5.06 on it is zeroed only when the TD's
//! `CONFIG_FLAGS.NO_RBP_MOD` (bit 2) is 0 (murrowow/tdx-concurrency
//! `src/td_transitions/td_exit.c` at c71d4f63, lines 459–462). The model
//! reports that through [`Module::rbp_after`](crate::emulate::Module::rbp_after).

use super::{with_operand, Fail, Model, OpState, Out, PageType, Release};
use crate::emulate::{Reg, Regs};
use crate::status::{OperandId, TdxStatus};

/// `CONFIG_FLAGS.NO_RBP_MOD`.
pub(crate) const NO_RBP_MOD: u64 = 1 << 2;
/// VMX basic exit reason 1: external interrupt.
const EXIT_REASON_EXTERNAL_INTERRUPT: u64 = 1;

impl Model {
    /// TDH.VP.ENTER: RCX = TDVPR (bits 11:0 must be 0).
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
        if !vcpu.initialized {
            return Err(TdxStatus::VCPU_STATE_INCORRECT.into());
        }
        let keeps_rbp =
            self.release >= Release::V1_5_25 && td.params.config_flags & NO_RBP_MOD != 0;
        if let Some(vcpu) = self.vcpus.get_mut(&tdvpr) {
            vcpu.associated = true;
        }
        for r in Reg::OPERANDS {
            out.set(r, 0);
        }
        self.rbp_zeroed = !keeps_rbp;
        // A TD exit is a success (class 0) with the exit reason in bits
        // 31:0: not an error, but not 0 either, so it travels as a status.
        Err(TdxStatus::from_raw(EXIT_REASON_EXTERNAL_INTERRUPT).into())
    }
}
