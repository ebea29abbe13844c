//! TDG.MEM.PAGE.ACCEPT.
//!
//! The host model maps 4 KiB leaves only (TDH.MEM.PAGE.AUG at level 0), so
//! a 2 MiB page is what a 2 MiB accept finds when all 512 4 KiB leaves of
//! its range are in one state: all pending stands for a pending 2 MiB leaf
//! (the accept zeroes and maps all 512 at once), and a range accepted that
//! way stands for a mapped 2 MiB leaf until one of its pages leaves the
//! mapped state (a 2 MiB accept of it, or a 4 KiB accept of one of its
//! pages, is `TDX_PAGE_ALREADY_ACCEPTED` at level 1, as the module
//! answers for a mapped 2 MiB leaf). Any other range the host mapped at
//! 4 KiB (some pages accepted one by one, some missing or blocked) is what
//! the module finds when a 2 MiB accept meets a table of 4 KiB entries:
//! `TDX_PAGE_SIZE_MISMATCH` at level 1.
//!
//! The module's rules (intel/tdx-module
//! `src/td_dispatcher/vm_exits/tdg_mem_page_accept.c` at 72d8cffb):
//! RCX = GPA | level, reserved bits 11:3 and 63:52 zero, level 0 (4 KiB) or
//! 1 (2 MiB) only (1 GiB, level 2, and above are `TDX_OPERAND_INVALID`
//! with operand RCX, lines 162–167), the GPA aligned to the level and a
//! private GPA of the TD (lines 177–182). A guest-accessible leaf at or
//! above the level is `TDX_PAGE_ALREADY_ACCEPTED` and a non-leaf entry at
//! the level `TDX_PAGE_SIZE_MISMATCH`, each with the S-EPT level in bits
//! 31:0 (lines 197–206); a pending leaf is zeroed and mapped; anything
//! else (a free or blocked entry, a missing table) is an EPT-violation TD
//! exit (lines 207–216), a [`GuestStop`](super::GuestStop). The S-EPT
//! entry lock (busy: `TDX_OPERAND_BUSY` with operand RCX) is only
//! contended by a concurrent host call, and a 2 MiB accept is interrupted
//! only by a pending interrupt; the model has neither.

use super::super::{LeafState, Model, Sept};
use super::{invalid, is_shared, leaf, GuestFail, GuestStop};
use crate::emulate::Regs;
use crate::status::{OperandId, TdxStatus};
use crate::types::{GpaLevel, SeptLevel};

const L4K: SeptLevel = SeptLevel::L4K;
const L2M: SeptLevel = SeptLevel::L2M;
const PAGE: u64 = 4096;

/// `code` with the S-EPT level in bits 31:0.
fn at_level(code: TdxStatus, level: SeptLevel) -> GuestFail {
    GuestFail::Status(TdxStatus::from_raw(code.raw() | u64::from(level.get())))
}

impl Model {
    /// TDG.MEM.PAGE.ACCEPT: RCX = GPA | level (see the [model docs](crate::emulate::model#the-guest-side)).
    pub(super) fn tdg_mem_page_accept(&mut self, tdr: u64, inp: &Regs) -> Result<(), GuestFail> {
        let operand = GpaLevel::decode(inp.rcx)
            .filter(|op| op.level().get() <= 1 && op.gpa() % op.level().page_size() == 0);
        let Some(operand) = operand else {
            return Err(invalid(OperandId::Rcx));
        };
        let (gpa, level) = (operand.gpa(), operand.level());
        let Some(td) = self.tds.get(&tdr) else {
            return Err(invalid(OperandId::Rcx));
        };
        if gpa >> td.params.gpa_width() != 0 || is_shared(td, gpa) {
            return Err(invalid(OperandId::Rcx));
        }
        let violation = GuestFail::Stop(GuestStop::EptViolation {
            leaf: leaf::MEM_PAGE_ACCEPT,
            gpa,
        });
        // The tables above the level-1 entry must exist, else the walk
        // stops at a missing entry.
        let root = td.params.root_level();
        let tables = (2..=root).filter_map(SeptLevel::new).all(|l| {
            matches!(
                td.sept.get(&(l, gpa & !(l.page_size() - 1))),
                Some(Sept::Table { .. })
            )
        });
        let range = gpa & !(L2M.page_size() - 1);
        let has_l1_table = matches!(td.sept.get(&(L2M, range)), Some(Sept::Table { .. }));
        if !tables || !has_l1_table {
            return Err(violation);
        }
        let whole_2m =
            td.guest.accepted_2m.contains(&range) && self.range_all(tdr, range, LeafState::Mapped);
        if whole_2m {
            // A mapped 2 MiB page (see the module docs), at or above the level.
            return Err(at_level(TdxStatus::PAGE_ALREADY_ACCEPTED, L2M));
        }
        if level == L2M {
            if !self.range_all(tdr, range, LeafState::Pending) {
                return Err(at_level(TdxStatus::PAGE_SIZE_MISMATCH, L2M));
            }
            for i in 0..512 {
                self.accept_leaf(tdr, range + i * PAGE);
            }
            if let Some(td) = self.tds.get_mut(&tdr) {
                td.guest.accepted_2m.insert(range);
            }
            return Ok(());
        }
        let state = match td.sept.get(&(L4K, gpa)) {
            Some(Sept::Leaf { state, .. }) => Some(*state),
            _ => None,
        };
        match state {
            Some(LeafState::Mapped) => Err(at_level(TdxStatus::PAGE_ALREADY_ACCEPTED, L4K)),
            Some(LeafState::Pending) => {
                self.accept_leaf(tdr, gpa);
                Ok(())
            }
            _ => Err(violation),
        }
    }

    /// Whether all 512 4 KiB leaves of the 2 MiB range at `range` exist and
    /// are in `state`.
    fn range_all(&self, tdr: u64, range: u64, state: LeafState) -> bool {
        let Some(td) = self.tds.get(&tdr) else {
            return false;
        };
        (0..512).all(|i| {
            matches!(td.sept.get(&(L4K, range + i * PAGE)),
                Some(Sept::Leaf { state: s, .. }) if *s == state)
        })
    }

    /// Zero the pending page at `gpa` and map it.
    fn accept_leaf(&mut self, tdr: u64, gpa: u64) {
        let Some(td) = self.tds.get_mut(&tdr) else {
            return;
        };
        if let Some(Sept::Leaf { hpa, state }) = td.sept.get_mut(&(L4K, gpa)) {
            *state = LeafState::Mapped;
            let hpa = *hpa;
            self.mem.zero_page(hpa);
        }
    }
}
