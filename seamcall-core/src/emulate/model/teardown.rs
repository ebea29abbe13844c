//! Teardown: TDH.VP.FLUSH, TDH.MNG.VPFLUSHDONE, TDH.PHYMEM.CACHE.WB,
//! TDH.MNG.KEY.FREEID, TDH.PHYMEM.PAGE.RECLAIM.

use super::{codes, with_operand, KeyState, Lifecycle, Model, Out, PageType};
use crate::emulate::{Reg, Regs};
use crate::status::{OperandId, TdxStatus};

impl Model {
    /// TDH.VP.FLUSH: RCX = TDVPR. Dissociates the vCPU from this logical
    /// processor.
    pub(super) fn vp_flush(&mut self, inp: &Regs) -> Result<(), TdxStatus> {
        self.vcpu_td(inp.rcx, OperandId::Rcx)?;
        match self.vcpus.get_mut(&inp.rcx) {
            Some(v) if v.associated => {
                v.associated = false;
                Ok(())
            }
            _ => Err(TdxStatus::VCPU_NOT_ASSOCIATED),
        }
    }

    /// TDH.MNG.VPFLUSHDONE: RCX = TDR. Every vCPU must be flushed; the TD
    /// becomes blocked and its key waits for a cache write-back.
    pub(super) fn mng_vpflushdone(&mut self, inp: &Regs) -> Result<(), TdxStatus> {
        let td = self.td_of(inp.rcx, OperandId::Rcx)?;
        if td.lifecycle != Lifecycle::KeysConfigured {
            return Err(TdxStatus::LIFECYCLE_STATE_INCORRECT);
        }
        let tdr = inp.rcx;
        if self.vcpus.values().any(|v| v.tdr == tdr && v.associated) {
            return Err(TdxStatus::FLUSHVP_NOT_DONE);
        }
        let hkid = td.hkid;
        if let Some(td) = self.tds.get_mut(&tdr) {
            td.lifecycle = Lifecycle::Blocked;
        }
        self.kot.insert(hkid, KeyState::Blocked);
        Ok(())
    }

    /// TDH.PHYMEM.CACHE.WB: RCX = 0 to start, 1 to resume an interrupted
    /// write-back. Marks every blocked TD's key as written back.
    pub(super) fn phymem_cache_wb(&mut self, inp: &Regs) -> Result<(), TdxStatus> {
        match inp.rcx {
            0 => {}
            1 if self.wbcache_interrupted => {}
            1 => return Err(codes::WBCACHE_RESUME_ERROR),
            _ => return Err(with_operand(TdxStatus::OPERAND_INVALID, OperandId::Rcx)),
        }
        self.wbcache_interrupted = false;
        let mut any = false;
        for state in self.kot.values_mut() {
            if *state == KeyState::Blocked {
                *state = KeyState::Flushed;
                any = true;
            }
        }
        if any {
            Ok(())
        } else {
            Err(TdxStatus::NO_HKID_READY_TO_WBCACHE)
        }
    }

    /// TDH.MNG.KEY.FREEID: RCX = TDR. Frees the key id; the TD enters
    /// teardown, and its pages can be reclaimed.
    pub(super) fn mng_key_freeid(&mut self, inp: &Regs) -> Result<(), TdxStatus> {
        let td = self.td_of(inp.rcx, OperandId::Rcx)?;
        if td.lifecycle != Lifecycle::Blocked {
            return Err(TdxStatus::LIFECYCLE_STATE_INCORRECT);
        }
        let hkid = td.hkid;
        if self.kot.get(&hkid) != Some(&KeyState::Flushed) {
            return Err(TdxStatus::WBCACHE_NOT_COMPLETE);
        }
        self.kot.remove(&hkid);
        if let Some(td) = self.tds.get_mut(&inp.rcx) {
            td.lifecycle = Lifecycle::Teardown;
        }
        Ok(())
    }

    /// TDH.PHYMEM.PAGE.RECLAIM: RCX = a page of a TD in teardown; RCX = its
    /// type, RDX = its owner TDR, R8 = its size (0: 4 KiB), R9–R11 = 0. The
    /// TDR goes last, once all other pages are back.
    pub(super) fn phymem_page_reclaim(
        &mut self,
        inp: &Regs,
        out: &mut Out,
    ) -> Result<(), TdxStatus> {
        let pa = inp.rcx;
        self.check_tdmr_page(pa, OperandId::Rcx)?;
        let bad = with_operand(TdxStatus::PAGE_METADATA_INCORRECT, OperandId::Rcx);
        let meta = self.pamt.get(&pa).copied().ok_or(bad)?;
        out.set(Reg::Rcx, meta.pt as u64);
        out.set(Reg::Rdx, meta.owner);
        let tdr = if meta.pt == PageType::Tdr {
            pa
        } else {
            meta.owner
        };
        let td = self.tds.get(&tdr).ok_or(bad)?;
        if td.lifecycle != Lifecycle::Teardown {
            return Err(TdxStatus::LIFECYCLE_STATE_INCORRECT);
        }
        if meta.pt == PageType::Tdr {
            if td.children != 0 {
                return Err(codes::TD_ASSOCIATED_PAGES_EXIST);
            }
            self.tds.remove(&pa);
        } else {
            if meta.pt == PageType::Tdvpr {
                self.vcpus.remove(&pa);
            }
            if let Some(td) = self.tds.get_mut(&tdr) {
                td.children -= 1;
            }
        }
        self.pamt.remove(&pa);
        self.mem.zero_page(pa);
        Ok(())
    }
}
