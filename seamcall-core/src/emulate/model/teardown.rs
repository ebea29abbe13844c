//! Teardown: TDH.VP.FLUSH, TDH.MNG.VPFLUSHDONE, TDH.PHYMEM.CACHE.WB,
//! TDH.MNG.KEY.FREEID, TDH.PHYMEM.PAGE.RECLAIM.

use super::{codes, with_operand, KeyState, Lifecycle, Model, Out, PageType, MAX_PA_BITS};
use crate::emulate::{Reg, Regs};
use crate::status::{OperandId, TdxStatus};

impl Model {
    /// TDH.VP.FLUSH: RCX = TDVPR. Dissociates the vCPU from this logical
    /// processor.
    pub(super) fn vp_flush(&mut self, inp: &Regs) -> u64 {
        if let Err(e) = self.vcpu_td(inp.rcx, OperandId::Rcx) {
            return e;
        }
        match self.vcpus.get_mut(&inp.rcx) {
            Some(v) if v.associated => {
                v.associated = false;
                0
            }
            _ => TdxStatus::VCPU_NOT_ASSOCIATED.raw(),
        }
    }

    /// TDH.MNG.VPFLUSHDONE: RCX = TDR. Every vCPU must be flushed; the TD
    /// becomes blocked and its key waits for a cache write-back.
    pub(super) fn mng_vpflushdone(&mut self, inp: &Regs) -> u64 {
        let td = match self.td_of(inp.rcx, OperandId::Rcx) {
            Ok(td) => td,
            Err(e) => return e,
        };
        if td.lifecycle != Lifecycle::KeysConfigured {
            return TdxStatus::LIFECYCLE_STATE_INCORRECT.raw();
        }
        let tdr = inp.rcx;
        if self.vcpus.values().any(|v| v.tdr == tdr && v.associated) {
            return TdxStatus::FLUSHVP_NOT_DONE.raw();
        }
        let hkid = td.hkid;
        if let Some(td) = self.tds.get_mut(&tdr) {
            td.lifecycle = Lifecycle::Blocked;
        }
        self.kot.insert(hkid, KeyState::Blocked);
        0
    }

    /// TDH.PHYMEM.CACHE.WB: RCX = 0 to start, 1 to resume an interrupted
    /// write-back. Marks every blocked TD's key as written back.
    pub(super) fn phymem_cache_wb(&mut self, inp: &Regs) -> u64 {
        match inp.rcx {
            0 => {}
            1 if self.wbcache_interrupted => {}
            1 => return codes::WBCACHE_RESUME_ERROR.raw(),
            _ => return with_operand(TdxStatus::OPERAND_INVALID, OperandId::Rcx),
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
            0
        } else {
            TdxStatus::NO_HKID_READY_TO_WBCACHE.raw()
        }
    }

    /// TDH.MNG.KEY.FREEID: RCX = TDR. Frees the key id; the TD enters
    /// teardown, and its pages can be reclaimed.
    pub(super) fn mng_key_freeid(&mut self, inp: &Regs) -> u64 {
        let td = match self.td_of(inp.rcx, OperandId::Rcx) {
            Ok(td) => td,
            Err(e) => return e,
        };
        if td.lifecycle != Lifecycle::Blocked {
            return TdxStatus::LIFECYCLE_STATE_INCORRECT.raw();
        }
        let hkid = td.hkid;
        if self.kot.get(&hkid) != Some(&KeyState::Flushed) {
            return TdxStatus::WBCACHE_NOT_COMPLETE.raw();
        }
        self.kot.remove(&hkid);
        if let Some(td) = self.tds.get_mut(&inp.rcx) {
            td.lifecycle = Lifecycle::Teardown;
        }
        0
    }

    /// TDH.PHYMEM.PAGE.RECLAIM: RCX = a page of a TD in teardown; RCX = its
    /// type, RDX = its owner TDR, R8 = its size (0: 4 KiB), R9–R11 = 0. The
    /// TDR goes last, once all other pages are back.
    pub(super) fn phymem_page_reclaim(&mut self, inp: &Regs, out: &mut Out) -> u64 {
        let pa = inp.rcx;
        if pa % 4096 != 0 || pa >> MAX_PA_BITS != 0 {
            return with_operand(TdxStatus::OPERAND_INVALID, OperandId::Rcx);
        }
        if !self.in_initialized_tdmr(pa) {
            return with_operand(TdxStatus::OPERAND_ADDR_RANGE_ERROR, OperandId::Rcx);
        }
        let Some(meta) = self.pamt.get(&pa).copied() else {
            return with_operand(TdxStatus::PAGE_METADATA_INCORRECT, OperandId::Rcx);
        };
        out.set(Reg::Rcx, meta.pt as u64);
        out.set(Reg::Rdx, meta.owner);
        let tdr = if meta.pt == PageType::Tdr {
            pa
        } else {
            meta.owner
        };
        let Some(td) = self.tds.get(&tdr) else {
            return with_operand(TdxStatus::PAGE_METADATA_INCORRECT, OperandId::Rcx);
        };
        if td.lifecycle != Lifecycle::Teardown {
            return TdxStatus::LIFECYCLE_STATE_INCORRECT.raw();
        }
        if meta.pt == PageType::Tdr {
            if td.children != 0 {
                return codes::TD_ASSOCIATED_PAGES_EXIST.raw();
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
        0
    }
}
