//! Secure EPT and TD memory: TDH.MEM.SEPT.ADD, PAGE.ADD, TDH.MR.EXTEND,
//! TDH.MEM.PAGE.AUG, RANGE.BLOCK, TRACK and PAGE.REMOVE.
//!
//! The S-EPT is kept as a map from (level, GPA aligned to the level) to an
//! entry. Level 0 entries map 4 KiB pages; an entry at level `l` ≥ 1 maps the
//! S-EPT page holding the level `l - 1` entries of its range. The root table
//! (level 3 with 4 levels, 4 with 5) is part of the TDCS and always exists.

use sha2::Digest;

use super::{measurement_block, LeafState, Model, OpState, Out, PageType, Sept, Td, PAGE};
use crate::emulate::{Reg, Regs};
use crate::status::{OperandId, TdxStatus};

/// Bytes mapped by one entry at `level`.
fn level_size(level: u8) -> u64 {
    PAGE << (9 * u32::from(level))
}

/// Decode the GPA-and-level operand (RCX): level in bits 2:0, bits 11:3
/// and 63:52 reserved.
fn page_info(rcx: u64) -> Option<(u8, u64)> {
    if rcx & 0xff8 != 0 || rcx >> 52 != 0 {
        return None;
    }
    Some(((rcx & 7) as u8, rcx & !0xfff))
}

/// A private GPA of the TD: below the GPA width, shared bit clear.
fn gpa_is_private(td: &Td, gpa: u64) -> bool {
    let width = td.params.gpa_width();
    gpa >> width == 0 && gpa & (1 << (width - 1)) == 0
}

/// Walk from the root to the entry at `level` for `gpa`: `Ok` if every
/// table above it exists, else `Err(level reached)`.
fn walk(td: &Td, gpa: u64, level: u8) -> Result<(), u8> {
    for l in (level + 1..=td.params.root_level()).rev() {
        let key = (l, gpa & !(level_size(l) - 1));
        match td.sept.get(&key) {
            Some(Sept::Table { .. }) => {}
            _ => return Err(l),
        }
    }
    Ok(())
}

/// The module's extended error information for an S-EPT failure (its
/// `set_arch_septe_details_in_vmm_regs`), as the model renders it: RCX = the
/// entry where the walk stopped (page address | RWX for a present entry, 0
/// for a free one), RDX = that entry's level.
fn septe_details(td: &Td, gpa: u64, level: u8, out: &mut Out) {
    let entry = match td.sept.get(&(level, gpa & !(level_size(level) - 1))) {
        Some(Sept::Table { hpa }) | Some(Sept::Leaf { hpa, .. }) => hpa | 7,
        None => 0,
    };
    out.set(Reg::Rcx, entry);
    out.set(Reg::Rdx, u64::from(level));
}

const fn rcx_error(code: TdxStatus) -> u64 {
    code.raw() | OperandId::Rcx.raw() as u64
}

impl Model {
    /// The TDR operand in RDX, in a build-or-run state that is not
    /// `Uninitialized`; `allowed` lists the operation states the leaf runs in.
    fn mem_td(&self, tdr: u64, op: OperandId, allowed: &[OpState]) -> Result<&Td, u64> {
        let td = self.td_of(tdr, op)?;
        Model::check_build_state(td)?;
        if !allowed.contains(&td.op) {
            return Err(TdxStatus::OP_STATE_INCORRECT.raw());
        }
        Ok(td)
    }

    /// The GPA operand of a 4 KiB leaf (level 0 only in the model) whose
    /// tables exist; `Err` has the status and writes the error details.
    fn leaf_gpa(td: &Td, rcx: u64, out: &mut Out) -> Result<u64, u64> {
        let Some((level, gpa)) = page_info(rcx) else {
            return Err(rcx_error(TdxStatus::OPERAND_INVALID));
        };
        if level != 0 || !gpa_is_private(td, gpa) {
            return Err(rcx_error(TdxStatus::OPERAND_INVALID));
        }
        if let Err(reached) = walk(td, gpa, 0) {
            septe_details(td, gpa, reached, out);
            return Err(rcx_error(TdxStatus::EPT_WALK_FAILED));
        }
        Ok(gpa)
    }

    /// The operands of a leaf on one 4 KiB page: the TDR in RDX (as
    /// [`Model::mem_td`], in one of the `allowed` states) and the GPA in RCX
    /// (as [`Model::leaf_gpa`]).
    fn mem_leaf(&self, inp: &Regs, allowed: &[OpState], out: &mut Out) -> Result<(&Td, u64), u64> {
        let td = self.mem_td(inp.rdx, OperandId::Rdx, allowed)?;
        let gpa = Model::leaf_gpa(td, inp.rcx, out)?;
        Ok((td, gpa))
    }

    /// `Err` (with the error details written) unless the 4 KiB entry for
    /// `gpa` is free.
    fn leaf_free(td: &Td, gpa: u64, out: &mut Out) -> Result<(), u64> {
        if td.sept.contains_key(&(0, gpa)) {
            septe_details(td, gpa, 0, out);
            return Err(rcx_error(TdxStatus::EPT_ENTRY_STATE_INCORRECT));
        }
        Ok(())
    }

    /// Map the new page `hpa` at `gpa` (level 0) in `state` in the TD whose
    /// TDR is `tdr`, and count it as one of the TD's pages.
    fn map_leaf(&mut self, tdr: u64, gpa: u64, hpa: u64, state: LeafState) {
        if let Some(td) = self.tds.get_mut(&tdr) {
            td.sept.insert((0, gpa), Sept::Leaf { hpa, state });
            td.children += 1;
        }
    }

    /// TDH.MEM.SEPT.ADD: RCX = GPA | level of the entry that will map the
    /// new S-EPT page, RDX = TDR, R8 = the new S-EPT page.
    pub(super) fn mem_sept_add(&mut self, inp: &Regs, out: &mut Out) -> u64 {
        let td = match self.mem_td(
            inp.rdx,
            OperandId::Rdx,
            &[OpState::Initialized, OpState::Runnable],
        ) {
            Ok(td) => td,
            Err(e) => return e,
        };
        let Some((level, gpa)) = page_info(inp.rcx) else {
            return rcx_error(TdxStatus::OPERAND_INVALID);
        };
        if level == 0
            || level > td.params.root_level()
            || gpa % level_size(level) != 0
            || !gpa_is_private(td, gpa)
        {
            return rcx_error(TdxStatus::OPERAND_INVALID);
        }
        if let Err(reached) = walk(td, gpa, level) {
            septe_details(td, gpa, reached, out);
            return rcx_error(TdxStatus::EPT_WALK_FAILED);
        }
        if td.sept.contains_key(&(level, gpa)) {
            septe_details(td, gpa, level, out);
            return rcx_error(TdxStatus::EPT_ENTRY_NOT_FREE);
        }
        if let Err(e) = self.check_page(inp.r8, OperandId::R8, PageType::Nda) {
            return e;
        }
        self.mem.zero_page(inp.r8);
        self.assign(inp.r8, PageType::Ept, inp.rdx);
        if let Some(td) = self.tds.get_mut(&inp.rdx) {
            td.sept.insert((level, gpa), Sept::Table { hpa: inp.r8 });
            td.children += 1;
        }
        0
    }

    /// TDH.MEM.PAGE.ADD: RCX = GPA (level 0), RDX = TDR, R8 = the new TD
    /// page, R9 = the source page (shared). Copies the source, maps it, and
    /// extends MRTD with `"MEM.PAGE.ADD"` and the GPA.
    pub(super) fn mem_page_add(&mut self, inp: &Regs, out: &mut Out) -> u64 {
        let (td, gpa) = match self.mem_leaf(inp, &[OpState::Initialized], out) {
            Ok(operands) => operands,
            Err(e) => return e,
        };
        if let Err(e) = Model::leaf_free(td, gpa, out) {
            return e;
        }
        let source = match Model::check_shared(inp.r9, PAGE, OperandId::R9) {
            Ok(pa) => pa,
            Err(e) => return e,
        };
        if let Err(e) = self.check_page(inp.r8, OperandId::R8, PageType::Nda) {
            return e;
        }
        self.mem.copy_page(source, inp.r8);
        self.assign(inp.r8, PageType::Reg, inp.rdx);
        self.map_leaf(inp.rdx, gpa, inp.r8, LeafState::Mapped);
        if let Some(td) = self.tds.get_mut(&inp.rdx) {
            td.sha.update(measurement_block(b"MEM.PAGE.ADD", gpa));
        }
        0
    }

    /// TDH.MR.EXTEND: RCX = GPA of a 256-byte chunk of a page added by
    /// MEM.PAGE.ADD, RDX = TDR. Extends MRTD with `"MR.EXTEND"` and the GPA,
    /// then the chunk.
    pub(super) fn mr_extend(&mut self, inp: &Regs, out: &mut Out) -> u64 {
        let td = match self.mem_td(inp.rdx, OperandId::Rdx, &[OpState::Initialized]) {
            Ok(td) => td,
            Err(e) => return e,
        };
        let gpa = inp.rcx;
        if gpa % 256 != 0 || !gpa_is_private(td, gpa) {
            return rcx_error(TdxStatus::OPERAND_INVALID);
        }
        let page = gpa & !(PAGE - 1);
        if let Err(reached) = walk(td, page, 0) {
            septe_details(td, page, reached, out);
            return rcx_error(TdxStatus::EPT_WALK_FAILED);
        }
        let hpa = match td.sept.get(&(0, page)) {
            Some(Sept::Leaf {
                hpa,
                state: LeafState::Mapped,
            }) => *hpa,
            Some(_) => {
                septe_details(td, page, 0, out);
                return rcx_error(TdxStatus::EPT_ENTRY_STATE_INCORRECT);
            }
            None => {
                septe_details(td, page, 0, out);
                return rcx_error(TdxStatus::EPT_WALK_FAILED);
            }
        };
        let mut chunk = [0u8; 256];
        self.mem.read(hpa + (gpa - page), &mut chunk);
        if let Some(td) = self.tds.get_mut(&inp.rdx) {
            td.sha.update(measurement_block(b"MR.EXTEND", gpa));
            td.sha.update(chunk);
        }
        0
    }

    /// TDH.MEM.PAGE.AUG: RCX = GPA | level (0 in the model), RDX = TDR, R8 =
    /// the new page. Maps it pending, for the guest to accept.
    pub(super) fn mem_page_aug(&mut self, inp: &Regs, out: &mut Out) -> u64 {
        let (td, gpa) = match self.mem_leaf(inp, &[OpState::Runnable], out) {
            Ok(operands) => operands,
            Err(e) => return e,
        };
        if let Err(e) = Model::leaf_free(td, gpa, out) {
            return e;
        }
        if let Err(e) = self.check_page(inp.r8, OperandId::R8, PageType::Nda) {
            return e;
        }
        self.mem.zero_page(inp.r8);
        self.assign(inp.r8, PageType::Reg, inp.rdx);
        self.map_leaf(inp.rdx, gpa, inp.r8, LeafState::Pending);
        0
    }

    /// TDH.MEM.RANGE.BLOCK: RCX = GPA | level (0 in the model), RDX = TDR.
    pub(super) fn mem_range_block(&mut self, inp: &Regs, out: &mut Out) -> u64 {
        let (td, gpa) = match self.mem_leaf(inp, &[OpState::Initialized, OpState::Runnable], out) {
            Ok(operands) => operands,
            Err(e) => return e,
        };
        let epoch = td.epoch;
        let (hpa, pending) = match td.sept.get(&(0, gpa)) {
            None => {
                septe_details(td, gpa, 0, out);
                return rcx_error(TdxStatus::EPT_ENTRY_NOT_PRESENT);
            }
            Some(Sept::Leaf {
                state: LeafState::Blocked { .. },
                ..
            }) => return rcx_error(TdxStatus::GPA_RANGE_ALREADY_BLOCKED),
            Some(Sept::Leaf { hpa, state }) => (*hpa, *state == LeafState::Pending),
            Some(Sept::Table { .. }) => {
                septe_details(td, gpa, 0, out);
                return rcx_error(TdxStatus::EPT_ENTRY_STATE_INCORRECT);
            }
        };
        if let Some(td) = self.tds.get_mut(&inp.rdx) {
            td.sept.insert(
                (0, gpa),
                Sept::Leaf {
                    hpa,
                    state: LeafState::Blocked { pending, epoch },
                },
            );
        }
        0
    }

    /// TDH.MEM.TRACK: RCX = TDR. Advances the TD's TLB epoch (no vCPU runs in
    /// the model, so the previous epoch is always done).
    pub(super) fn mem_track(&mut self, inp: &Regs) -> u64 {
        let td = match self.mem_td(
            inp.rcx,
            OperandId::Rcx,
            &[OpState::Initialized, OpState::Runnable],
        ) {
            Ok(td) => td,
            Err(e) => return e,
        };
        let _ = td;
        if let Some(td) = self.tds.get_mut(&inp.rcx) {
            td.epoch += 1;
        }
        0
    }

    /// TDH.MEM.PAGE.REMOVE: RCX = GPA | level (0 in the model), RDX = TDR.
    /// The range must be blocked and a TDH.MEM.TRACK done since; the page
    /// becomes free and its address comes back in RCX.
    pub(super) fn mem_page_remove(&mut self, inp: &Regs, out: &mut Out) -> u64 {
        let (td, gpa) = match self.mem_leaf(inp, &[OpState::Initialized, OpState::Runnable], out) {
            Ok(operands) => operands,
            Err(e) => return e,
        };
        let hpa = match td.sept.get(&(0, gpa)) {
            None => {
                septe_details(td, gpa, 0, out);
                return rcx_error(TdxStatus::EPT_ENTRY_NOT_PRESENT);
            }
            Some(Sept::Leaf {
                hpa,
                state: LeafState::Blocked { epoch, .. },
            }) => {
                if *epoch >= td.epoch {
                    return rcx_error(TdxStatus::TLB_TRACKING_NOT_DONE);
                }
                *hpa
            }
            Some(_) => {
                septe_details(td, gpa, 0, out);
                return rcx_error(TdxStatus::GPA_RANGE_NOT_BLOCKED);
            }
        };
        if let Some(td) = self.tds.get_mut(&inp.rdx) {
            td.sept.remove(&(0, gpa));
            td.children -= 1;
        }
        self.pamt.remove(&hpa);
        self.mem.zero_page(hpa);
        out.set(Reg::Rcx, hpa);
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_info_decodes_level_and_gpa() {
        assert_eq!(page_info(0x20_0001), Some((1, 0x20_0000)));
        assert_eq!(page_info(0x1000), Some((0, 0x1000)));
        assert_eq!(page_info(0x1008), None);
        assert_eq!(page_info(1 << 52), None);
        assert_eq!(level_size(0), 4096);
        assert_eq!(level_size(1), 2 << 20);
        assert_eq!(level_size(2), 1 << 30);
    }
}
