//! Dynamic PAMT (modules 1.5.20 and later): TDH.PHYMEM.PAMT.ADD and
//! TDH.PHYMEM.PAMT.REMOVE, and the check every leaf that takes a free page
//! makes when it is on.
//!
//! Source: murrowow/tdx-concurrency (Intel's 1.5 releases, one commit each)
//! at c71d4f63, release 1.5.25: `src/vmm_dispatcher/api_calls/tdh_phymem_pamt_add.c`,
//! `tdh_phymem_pamt_remove.c`, and `src/common/helpers/helpers.c`
//! (`non_shared_hpa_metadata_check_and_lock`); register use as in the
//! `TDH.PHYMEM.PAMT.*` rows of `tests/data/tdx-abi/writes-2.0.tsv`.
//!
//! With Dynamic PAMT on (TDH.SYS.CONFIG R8 bit 16), the PAMT entries of the
//! 4 KiB pages of a 2 MiB range live in two pages the host adds for that
//! range; a 4 KiB page of a range without them cannot be assigned
//! (`TDX_MISSING_PAMT_PAGE_PAIR`), and a page serving as PAMT page is not
//! free.

use super::{codes, with_operand, Model, Out, PAGE};
use crate::emulate::{Reg, Regs};
use crate::status::{OperandId, TdxStatus};

/// 2 MiB.
const RANGE: u64 = 2 << 20;
/// 4 KiB PAMT entries per PAMT page (16 bytes each).
const ENTRIES_PER_PAGE: u64 = PAGE / 16;

impl Model {
    /// The free-page checks Dynamic PAMT adds: the page's 2 MiB range has
    /// its PAMT pages, and the page is not one of them.
    pub(crate) fn check_dpamt_free(&self, pa: u64, op: OperandId) -> Result<(), TdxStatus> {
        if !self.dynamic_pamt {
            return Ok(());
        }
        if !self.pamt_pairs.contains_key(&(pa & !(RANGE - 1))) {
            return Err(with_operand(codes::MISSING_PAMT_PAGE_PAIR, op));
        }
        if self.dpamt_pages.contains(&pa) {
            return Err(with_operand(TdxStatus::PAGE_METADATA_INCORRECT, op));
        }
        Ok(())
    }

    /// RCX of both leaves: a 2 MiB-aligned HPA without key id bits, with
    /// `TDX_PS_2M` (1) in bits 2:0 and bits 11:3 clear; the range base.
    fn pamt_range(rcx: u64) -> Result<u64, TdxStatus> {
        let base = rcx & !(PAGE - 1);
        if rcx & (PAGE - 1) != 1 || base % RANGE != 0 || base >> super::MAX_PA_BITS != 0 {
            return Err(with_operand(TdxStatus::OPERAND_INVALID, OperandId::Rcx));
        }
        Ok(base)
    }

    /// A new PAMT page operand: 4 KiB aligned, no key id bits, in a TDMR.
    fn pamt_page(&self, pa: u64, op: OperandId) -> Result<(), TdxStatus> {
        if pa % PAGE != 0 || pa >> super::MAX_PA_BITS != 0 {
            return Err(with_operand(TdxStatus::OPERAND_INVALID, op));
        }
        if !self.in_initialized_tdmr(pa) {
            return Err(with_operand(TdxStatus::OPERAND_ADDR_RANGE_ERROR, op));
        }
        Ok(())
    }

    /// TDH.PHYMEM.PAMT.ADD: RCX = 2 MiB range | `TDX_PS_2M`, RDX and R8 =
    /// the two pages that hold its 4 KiB PAMT entries. Writes RAX alone.
    pub(super) fn phymem_pamt_add(&mut self, inp: &Regs) -> Result<(), TdxStatus> {
        if !self.dynamic_pamt {
            return Err(with_operand(TdxStatus::OPERAND_INVALID, OperandId::Rax));
        }
        let base = Model::pamt_range(inp.rcx)?;
        self.pamt_page(inp.rdx, OperandId::Rdx)?;
        self.pamt_page(inp.r8, OperandId::R8)?;
        if !self.in_initialized_tdmr(base) {
            return Err(with_operand(
                TdxStatus::OPERAND_ADDR_RANGE_ERROR,
                OperandId::Rcx,
            ));
        }
        if self.pamt_pairs.contains_key(&base) {
            return Err(with_operand(codes::HPA_RANGE_NOT_FREE, OperandId::Rcx));
        }
        for (pa, op) in [(inp.rdx, OperandId::Rdx), (inp.r8, OperandId::R8)] {
            // A page in the range itself is not walked (its entry is one
            // the pair is about to hold).
            if pa & !(RANGE - 1) != base && self.pamt.contains_key(&pa) {
                return Err(with_operand(codes::PAGE_NOT_FREE, op));
            }
        }
        // Then each page's bit in the PAMT-page bitmap, set in turn.
        if self.dpamt_pages.contains(&inp.rdx) {
            return Err(with_operand(codes::PAGE_NOT_FREE, OperandId::Rdx));
        }
        if self.dpamt_pages.contains(&inp.r8) || inp.r8 == inp.rdx {
            return Err(with_operand(codes::PAGE_NOT_FREE, OperandId::R8));
        }
        self.dpamt_pages.insert(inp.rdx);
        self.dpamt_pages.insert(inp.r8);
        self.pamt_pairs.insert(base, [inp.rdx, inp.r8]);
        Ok(())
    }

    /// TDH.PHYMEM.PAMT.REMOVE: RCX = 2 MiB range | `TDX_PS_2M`, none of
    /// whose 4 KiB pages is assigned; RDX and R8 = the two PAMT pages it
    /// frees (on success only).
    pub(super) fn phymem_pamt_remove(
        &mut self,
        inp: &Regs,
        out: &mut Out,
    ) -> Result<(), TdxStatus> {
        if !self.dynamic_pamt {
            return Err(with_operand(TdxStatus::OPERAND_INVALID, OperandId::Rax));
        }
        let base = Model::pamt_range(inp.rcx)?;
        if !self.in_initialized_tdmr(base) {
            return Err(with_operand(
                TdxStatus::OPERAND_ADDR_RANGE_ERROR,
                OperandId::Rcx,
            ));
        }
        let Some(pages) = self.pamt_pairs.get(&base).copied() else {
            return Err(with_operand(codes::NO_PAMT_PAGE_PAIR, OperandId::Rcx));
        };
        // The first PAMT page holds the entries of the range's first 256
        // pages, the second those of the rest; the operand id says which
        // page still has an entry in use.
        if let Some((pa, _)) = self.pamt.range(base..base + RANGE).next() {
            let page = (pa - base) / PAGE / ENTRIES_PER_PAGE;
            return Err(TdxStatus::from_raw(codes::PAMT_PAGE_NOT_EMPTY.raw() | page));
        }
        self.pamt_pairs.remove(&base);
        for pa in pages {
            self.dpamt_pages.remove(&pa);
        }
        out.set(Reg::Rdx, pages[0]);
        out.set(Reg::R8, pages[1]);
        Ok(())
    }
}
