//! Secure EPT and TD memory: TDH.MEM.SEPT.ADD, PAGE.ADD, TDH.MR.EXTEND,
//! TDH.MEM.PAGE.AUG, RANGE.BLOCK, TRACK and PAGE.REMOVE.
//!
//! The S-EPT is kept as a map from (level, GPA aligned to the level) to an
//! entry. Level 0 entries map 4 KiB pages; an entry at level `l` ≥ 1 maps the
//! S-EPT page holding the level `l - 1` entries of its range. The root table
//! (level 3 with 4 levels, 4 with 5) is part of the TDCS and always exists.

use sha2::Digest;

use super::{
    measurement_block, with_operand, Fail, LeafState, Model, OpState, Out, PageType, Sept, Td, PAGE,
};
use crate::emulate::{Reg, Regs};
use crate::status::{OperandId, TdxStatus};
use crate::types::{GpaLevel, SeptEntry, SeptLevel};

const L4K: SeptLevel = SeptLevel::L4K;

/// The key of the entry at `level` that maps `gpa`.
fn entry_key(level: SeptLevel, gpa: u64) -> (SeptLevel, u64) {
    (level, gpa & !(level.page_size() - 1))
}

/// A private GPA of the TD: below the GPA width, shared bit clear.
fn gpa_is_private(td: &Td, gpa: u64) -> bool {
    let width = td.params.gpa_width();
    gpa >> width == 0 && gpa & (1 << (width - 1)) == 0
}

/// `code` against the GPA operand (RCX).
fn rcx_error(code: TdxStatus) -> Fail {
    with_operand(code, OperandId::Rcx).into()
}

/// The GPA-and-level operand in RCX, if [`GpaLevel::decode`] accepts it
/// and `valid` holds for it; else `TDX_OPERAND_INVALID` (RCX).
fn gpa_level(rcx: u64, valid: impl FnOnce(GpaLevel) -> bool) -> Result<GpaLevel, Fail> {
    GpaLevel::decode(rcx)
        .filter(|operand| valid(*operand))
        .ok_or(rcx_error(TdxStatus::OPERAND_INVALID))
}

/// `code` against RCX for the entry at `level` for `gpa`, with the module's
/// extended error information (its `set_arch_septe_details_in_vmm_regs`), as
/// the model renders it: RCX = the entry (page address | RWX for a present
/// entry, 0 for a free one), RDX = its level.
fn entry_error(td: &Td, gpa: u64, level: SeptLevel, code: TdxStatus) -> Fail {
    let entry = match td.sept.get(&entry_key(level, gpa)) {
        Some(Sept::Table { hpa }) | Some(Sept::Leaf { hpa, .. }) => hpa | 7,
        None => 0,
    };
    Fail::on_entry(with_operand(code, OperandId::Rcx), SeptEntry(entry), level)
}

/// Walk from the root to the entry at `level` for `gpa`: every table above
/// it must exist, else `TDX_EPT_WALK_FAILED` at the level the walk reached.
fn walk(td: &Td, gpa: u64, level: SeptLevel) -> Result<(), Fail> {
    // The root is level 3 or 4 (MNG.INIT accepts 4 or 5 levels), so
    // `SeptLevel::new` takes every level walked.
    let above = (level.get() + 1..=td.params.root_level()).rev();
    for l in above.filter_map(SeptLevel::new) {
        match td.sept.get(&entry_key(l, gpa)) {
            Some(Sept::Table { .. }) => {}
            _ => return Err(entry_error(td, gpa, l, TdxStatus::EPT_WALK_FAILED)),
        }
    }
    Ok(())
}

impl Model {
    /// The TDR operand in RDX, in a build-or-run state that is not
    /// `Uninitialized`; `allowed` lists the operation states the leaf runs in.
    fn mem_td(&self, tdr: u64, op: OperandId, allowed: &[OpState]) -> Result<&Td, TdxStatus> {
        let td = self.td_of(tdr, op)?;
        Model::check_build_state(td)?;
        if !allowed.contains(&td.op) {
            return Err(TdxStatus::OP_STATE_INCORRECT);
        }
        Ok(td)
    }

    /// The GPA operand of a 4 KiB leaf (level 0 only in the model) whose
    /// tables exist.
    fn leaf_gpa(td: &Td, rcx: u64) -> Result<u64, Fail> {
        let gpa = gpa_level(rcx, |op| op.level() == L4K && gpa_is_private(td, op.gpa()))?.gpa();
        walk(td, gpa, L4K)?;
        Ok(gpa)
    }

    /// The operands of a leaf on one 4 KiB page: the TDR in RDX (as
    /// [`Model::mem_td`], in one of the `allowed` states) and the GPA in RCX
    /// (as [`Model::leaf_gpa`]).
    fn mem_leaf(&self, inp: &Regs, allowed: &[OpState]) -> Result<(&Td, u64), Fail> {
        let td = self.mem_td(inp.rdx, OperandId::Rdx, allowed)?;
        let gpa = Model::leaf_gpa(td, inp.rcx)?;
        Ok((td, gpa))
    }

    /// `Err` unless the 4 KiB entry for `gpa` is free.
    fn leaf_free(td: &Td, gpa: u64) -> Result<(), Fail> {
        if td.sept.contains_key(&(L4K, gpa)) {
            return Err(entry_error(
                td,
                gpa,
                L4K,
                TdxStatus::EPT_ENTRY_STATE_INCORRECT,
            ));
        }
        Ok(())
    }

    /// Map the new page `hpa` at `gpa` (level 0) in `state` in the TD whose
    /// TDR is `tdr`, and count it as one of the TD's pages.
    fn map_leaf(&mut self, tdr: u64, gpa: u64, hpa: u64, state: LeafState) {
        if let Some(td) = self.tds.get_mut(&tdr) {
            td.sept.insert((L4K, gpa), Sept::Leaf { hpa, state });
            td.children += 1;
        }
    }

    /// TDH.MEM.SEPT.ADD: RCX = GPA | level of the entry that will map the
    /// new S-EPT page, RDX = TDR, R8 = the new S-EPT page.
    pub(super) fn mem_sept_add(&mut self, inp: &Regs) -> Result<(), Fail> {
        let runs_in = [OpState::Initialized, OpState::Runnable];
        let td = self.mem_td(inp.rdx, OperandId::Rdx, &runs_in)?;
        let operand = gpa_level(inp.rcx, |op| {
            let level = op.level();
            level != L4K
                && level.get() <= td.params.root_level()
                && op.gpa() % level.page_size() == 0
                && gpa_is_private(td, op.gpa())
        })?;
        let (level, gpa) = (operand.level(), operand.gpa());
        walk(td, gpa, level)?;
        if td.sept.contains_key(&(level, gpa)) {
            return Err(entry_error(td, gpa, level, TdxStatus::EPT_ENTRY_NOT_FREE));
        }
        self.check_page(inp.r8, OperandId::R8, PageType::Nda)?;
        self.mem.zero_page(inp.r8);
        self.assign(inp.r8, PageType::Ept, inp.rdx);
        if let Some(td) = self.tds.get_mut(&inp.rdx) {
            td.sept.insert((level, gpa), Sept::Table { hpa: inp.r8 });
            td.children += 1;
        }
        Ok(())
    }

    /// TDH.MEM.PAGE.ADD: RCX = GPA (level 0), RDX = TDR, R8 = the new TD
    /// page, R9 = the source page (shared). Copies the source, maps it, and
    /// extends MRTD with `"MEM.PAGE.ADD"` and the GPA.
    pub(super) fn mem_page_add(&mut self, inp: &Regs) -> Result<(), Fail> {
        let (td, gpa) = self.mem_leaf(inp, &[OpState::Initialized])?;
        Model::leaf_free(td, gpa)?;
        let source = Model::check_shared(inp.r9, PAGE, OperandId::R9)?;
        self.check_page(inp.r8, OperandId::R8, PageType::Nda)?;
        self.mem.copy_page(source, inp.r8)?;
        self.assign(inp.r8, PageType::Reg, inp.rdx);
        self.map_leaf(inp.rdx, gpa, inp.r8, LeafState::Mapped);
        if let Some(td) = self.tds.get_mut(&inp.rdx) {
            td.sha.update(measurement_block(b"MEM.PAGE.ADD", gpa));
        }
        Ok(())
    }

    /// TDH.MR.EXTEND: RCX = GPA of a 256-byte chunk of a page added by
    /// MEM.PAGE.ADD, RDX = TDR. Extends MRTD with `"MR.EXTEND"` and the GPA,
    /// then the chunk.
    pub(super) fn mr_extend(&mut self, inp: &Regs) -> Result<(), Fail> {
        let td = self.mem_td(inp.rdx, OperandId::Rdx, &[OpState::Initialized])?;
        let gpa = inp.rcx;
        if gpa % 256 != 0 || !gpa_is_private(td, gpa) {
            return Err(rcx_error(TdxStatus::OPERAND_INVALID));
        }
        let page = gpa & !(PAGE - 1);
        walk(td, page, L4K)?;
        let hpa = match td.sept.get(&(L4K, page)) {
            Some(Sept::Leaf {
                hpa,
                state: LeafState::Mapped,
            }) => *hpa,
            Some(_) => {
                let code = TdxStatus::EPT_ENTRY_STATE_INCORRECT;
                return Err(entry_error(td, page, L4K, code));
            }
            None => return Err(entry_error(td, page, L4K, TdxStatus::EPT_WALK_FAILED)),
        };
        let mut chunk = [0u8; 256];
        self.mem.read(hpa + (gpa - page), &mut chunk)?;
        if let Some(td) = self.tds.get_mut(&inp.rdx) {
            td.sha.update(measurement_block(b"MR.EXTEND", gpa));
            td.sha.update(chunk);
        }
        Ok(())
    }

    /// TDH.MEM.PAGE.AUG: RCX = GPA | level (0 in the model), RDX = TDR, R8 =
    /// the new page. Maps it pending, for the guest to accept.
    pub(super) fn mem_page_aug(&mut self, inp: &Regs) -> Result<(), Fail> {
        let (td, gpa) = self.mem_leaf(inp, &[OpState::Runnable])?;
        Model::leaf_free(td, gpa)?;
        self.check_page(inp.r8, OperandId::R8, PageType::Nda)?;
        self.mem.zero_page(inp.r8);
        self.assign(inp.r8, PageType::Reg, inp.rdx);
        self.map_leaf(inp.rdx, gpa, inp.r8, LeafState::Pending);
        Ok(())
    }

    /// TDH.MEM.RANGE.BLOCK: RCX = GPA | level (0 in the model), RDX = TDR.
    pub(super) fn mem_range_block(&mut self, inp: &Regs) -> Result<(), Fail> {
        let (td, gpa) = self.mem_leaf(inp, &[OpState::Initialized, OpState::Runnable])?;
        let epoch = td.epoch;
        let (hpa, pending) = match td.sept.get(&(L4K, gpa)) {
            None => return Err(entry_error(td, gpa, L4K, TdxStatus::EPT_ENTRY_NOT_PRESENT)),
            Some(Sept::Leaf {
                state: LeafState::Blocked { .. },
                ..
            }) => return Err(rcx_error(TdxStatus::GPA_RANGE_ALREADY_BLOCKED)),
            Some(Sept::Leaf { hpa, state }) => (*hpa, *state == LeafState::Pending),
            Some(Sept::Table { .. }) => {
                let code = TdxStatus::EPT_ENTRY_STATE_INCORRECT;
                return Err(entry_error(td, gpa, L4K, code));
            }
        };
        if let Some(td) = self.tds.get_mut(&inp.rdx) {
            td.sept.insert(
                (L4K, gpa),
                Sept::Leaf {
                    hpa,
                    state: LeafState::Blocked { pending, epoch },
                },
            );
        }
        Ok(())
    }

    /// TDH.MEM.TRACK: RCX = TDR. Advances the TD's TLB epoch (no vCPU runs in
    /// the model, so the previous epoch is always done).
    pub(super) fn mem_track(&mut self, inp: &Regs) -> Result<(), TdxStatus> {
        let runs_in = [OpState::Initialized, OpState::Runnable];
        self.mem_td(inp.rcx, OperandId::Rcx, &runs_in)?;
        if let Some(td) = self.tds.get_mut(&inp.rcx) {
            td.epoch += 1;
        }
        Ok(())
    }

    /// TDH.MEM.PAGE.REMOVE: RCX = GPA | level (0 in the model), RDX = TDR.
    /// The range must be blocked and a TDH.MEM.TRACK done since; the page
    /// becomes free and its address comes back in RCX.
    pub(super) fn mem_page_remove(&mut self, inp: &Regs, out: &mut Out) -> Result<(), Fail> {
        let (td, gpa) = self.mem_leaf(inp, &[OpState::Initialized, OpState::Runnable])?;
        let hpa = match td.sept.get(&(L4K, gpa)) {
            None => return Err(entry_error(td, gpa, L4K, TdxStatus::EPT_ENTRY_NOT_PRESENT)),
            Some(Sept::Leaf {
                hpa,
                state: LeafState::Blocked { epoch, .. },
            }) => {
                if *epoch >= td.epoch {
                    return Err(rcx_error(TdxStatus::TLB_TRACKING_NOT_DONE));
                }
                *hpa
            }
            Some(_) => return Err(entry_error(td, gpa, L4K, TdxStatus::GPA_RANGE_NOT_BLOCKED)),
        };
        if let Some(td) = self.tds.get_mut(&inp.rdx) {
            td.sept.remove(&(L4K, gpa));
            td.children -= 1;
        }
        self.pamt.remove(&hpa);
        self.mem.zero_page(hpa);
        out.set(Reg::Rcx, hpa);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gpa_level_operand_decodes_as_the_module_reads_it() {
        let op = |raw| GpaLevel::decode(raw).map(|g| (g.level().get(), g.gpa()));
        assert_eq!(op(0x20_0001), Some((1, 0x20_0000)));
        assert_eq!(op(0x1000), Some((0, 0x1000)));
        assert_eq!(op(0x1004), Some((4, 0x1000)));
        // Reserved bits 11:3 and 63:52, and levels above 4.
        assert_eq!(op(0x1008), None);
        assert_eq!(op(0x1800), None);
        assert_eq!(op(1 << 52), None);
        assert_eq!(op(1 << 63), None);
        assert_eq!(op(0x1005), None);
        assert_eq!(op(0x1007), None);
        assert_eq!(
            entry_key(SeptLevel::L2M, 0x20_3000),
            (SeptLevel::L2M, 0x20_0000)
        );
        assert_eq!(entry_key(L4K, 0x20_3000), (L4K, 0x20_3000));
    }
}
