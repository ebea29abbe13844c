//! TD and vCPU creation: TDH.MNG.CREATE, KEY.CONFIG, ADDCX, INIT,
//! TDH.VP.CREATE, ADDCX, INIT, and TDH.MR.FINALIZE.

use std::collections::BTreeMap;

use sha2::Digest;

use super::{
    codes, new_measurement, with_operand, KeyState, Lifecycle, Model, OpState, PageType, Td,
    TdParams, Vcpu, PRIVATE_HKIDS, TDCS_PAGES, TDVPS_PAGES,
};
use crate::emulate::Regs;
use crate::status::{OperandId, TdxStatus};

/// `ATTRIBUTES` bits the model accepts: DEBUG (0), SEPT_VE_DISABLE (28),
/// PKS (30), KL (31), PERFMON (63).
const ATTRIBUTES_ALLOWED: u64 = (1 << 0) | (1 << 28) | (1 << 30) | (1 << 31) | (1 << 63);
/// `CONFIG_FLAGS` bits the model accepts: GPAW, FLEXIBLE_PENDING_VE,
/// NO_RBP_MOD.
const CONFIG_FLAGS_ALLOWED: u64 = 0b111;

impl Model {
    /// TDH.MNG.CREATE: RCX = the new TDR page, RDX = the TD's private key id.
    pub(super) fn mng_create(&mut self, inp: &Regs) -> u64 {
        let hkid = inp.rdx as u16;
        if inp.rdx >> 16 != 0 || !PRIVATE_HKIDS.contains(&hkid) {
            return with_operand(TdxStatus::OPERAND_INVALID, OperandId::Rdx);
        }
        if let Err(e) = self.check_page(inp.rcx, OperandId::Rcx, PageType::Nda) {
            return e;
        }
        if self.kot.contains_key(&hkid) {
            return codes::HKID_NOT_FREE.raw();
        }
        self.mem.zero_page(inp.rcx);
        self.assign(inp.rcx, PageType::Tdr, 0);
        self.kot.insert(hkid, KeyState::Assigned);
        self.tds.insert(
            inp.rcx,
            Td {
                hkid,
                lifecycle: Lifecycle::HkidAssigned,
                tdcx: Vec::new(),
                op: OpState::Uninitialized,
                params: TdParams::default(),
                vcpus: 0,
                sha: new_measurement(),
                mrtd: None,
                sept: BTreeMap::new(),
                epoch: 0,
                children: 0,
            },
        );
        0
    }

    /// TDH.MNG.KEY.CONFIG: RCX = TDR. Programs the key on the one package.
    pub(super) fn mng_key_config(&mut self, inp: &Regs) -> u64 {
        let td = match self.td_mut(inp.rcx, OperandId::Rcx) {
            Ok(td) => td,
            Err(e) => return e,
        };
        match td.lifecycle {
            Lifecycle::HkidAssigned => {}
            _ => return TdxStatus::LIFECYCLE_STATE_INCORRECT.raw(),
        }
        td.lifecycle = Lifecycle::KeysConfigured;
        let hkid = td.hkid;
        self.kot.insert(hkid, KeyState::Configured);
        0
    }

    /// TDH.MNG.ADDCX: RCX = the new TDCS page, RDX = TDR.
    pub(super) fn mng_addcx(&mut self, inp: &Regs) -> u64 {
        let td = match self.td_of(inp.rdx, OperandId::Rdx) {
            Ok(td) => td,
            Err(e) => return e,
        };
        if td.lifecycle != Lifecycle::KeysConfigured {
            return TdxStatus::TD_KEYS_NOT_CONFIGURED.raw();
        }
        if td.tdcx.len() >= TDCS_PAGES {
            return codes::TDCX_NUM_INCORRECT.raw();
        }
        if let Err(e) = self.check_page(inp.rcx, OperandId::Rcx, PageType::Nda) {
            return e;
        }
        self.mem.zero_page(inp.rcx);
        self.assign(inp.rcx, PageType::Tdcx, inp.rdx);
        if let Some(td) = self.tds.get_mut(&inp.rdx) {
            td.tdcx.push(inp.rcx);
            td.children += 1;
        }
        0
    }

    /// TDH.MNG.INIT: RCX = TDR, RDX = `TD_PARAMS` (1024-byte aligned, shared).
    pub(super) fn mng_init(&mut self, inp: &Regs) -> u64 {
        let td = match self.td_of(inp.rcx, OperandId::Rcx) {
            Ok(td) => td,
            Err(e) => return e,
        };
        if let Err(e) = Model::check_build_state(td) {
            return e;
        }
        if td.op != OpState::Uninitialized {
            return TdxStatus::OP_STATE_INCORRECT.raw();
        }
        let pa = match Model::check_shared(inp.rdx, TdParams::SIZE as u64, OperandId::Rdx) {
            Ok(pa) => pa,
            Err(e) => return e,
        };
        let params = TdParams::read(&self.mem, pa);
        let invalid = |op| Err(with_operand(TdxStatus::OPERAND_INVALID, op));
        let check = if params.attributes & !ATTRIBUTES_ALLOWED != 0 {
            invalid(OperandId::Attributes)
        } else if params.xfam & 0b11 != 0b11 {
            invalid(OperandId::Xfam)
        } else if params.max_vcpus == 0 {
            invalid(OperandId::MaxVcpus)
        } else if params.eptp_controls & 7 != 6
            || params.eptp_controls >> 6 != 0
            || !matches!(params.levels(), 4 | 5)
        {
            invalid(OperandId::EptpControls)
        } else if params.config_flags & !CONFIG_FLAGS_ALLOWED != 0
            || (params.config_flags & 1 != 0 && params.levels() != 5)
        {
            invalid(OperandId::ExecControls)
        } else {
            Ok(())
        };
        if let Err(e) = check {
            return e;
        }
        if let Some(td) = self.tds.get_mut(&inp.rcx) {
            td.params = params;
            td.op = OpState::Initialized;
            td.sha = new_measurement();
        }
        0
    }

    /// TDH.VP.CREATE: RCX = the new TDVPR page, RDX = TDR.
    pub(super) fn vp_create(&mut self, inp: &Regs) -> u64 {
        let td = match self.td_of(inp.rdx, OperandId::Rdx) {
            Ok(td) => td,
            Err(e) => return e,
        };
        if let Err(e) = Model::check_build_state(td) {
            return e;
        }
        if td.op == OpState::Uninitialized {
            return TdxStatus::OP_STATE_INCORRECT.raw();
        }
        if td.vcpus >= u32::from(td.params.max_vcpus) {
            return codes::MAX_VCPUS_EXCEEDED.raw();
        }
        if let Err(e) = self.check_page(inp.rcx, OperandId::Rcx, PageType::Nda) {
            return e;
        }
        self.mem.zero_page(inp.rcx);
        self.assign(inp.rcx, PageType::Tdvpr, inp.rdx);
        if let Some(td) = self.tds.get_mut(&inp.rdx) {
            td.vcpus += 1;
            td.children += 1;
        }
        self.vcpus.insert(
            inp.rcx,
            Vcpu {
                tdr: inp.rdx,
                tdcx: Vec::new(),
                initialized: false,
                associated: false,
                x2apic_id: None,
                pend_nmi: 0,
                gprs: [0; 16],
            },
        );
        0
    }

    /// Checks the TDVPR operand, and its TD's state; returns the TDR.
    pub(super) fn vcpu_td(&self, tdvpr: u64, op: OperandId) -> Result<u64, u64> {
        self.check_page(tdvpr, op, PageType::Tdvpr)?;
        let vcpu = self
            .vcpus
            .get(&tdvpr)
            .ok_or(with_operand(TdxStatus::PAGE_METADATA_INCORRECT, op))?;
        let td = self
            .tds
            .get(&vcpu.tdr)
            .ok_or(with_operand(TdxStatus::PAGE_METADATA_INCORRECT, op))?;
        Model::check_build_state(td)?;
        Ok(vcpu.tdr)
    }

    /// TDH.VP.ADDCX: RCX = the new TDVPS page, RDX = TDVPR.
    pub(super) fn vp_addcx(&mut self, inp: &Regs) -> u64 {
        let tdr = match self.vcpu_td(inp.rdx, OperandId::Rdx) {
            Ok(tdr) => tdr,
            Err(e) => return e,
        };
        let Some(vcpu) = self.vcpus.get(&inp.rdx) else {
            return with_operand(TdxStatus::PAGE_METADATA_INCORRECT, OperandId::Rdx);
        };
        if vcpu.initialized {
            return TdxStatus::VCPU_STATE_INCORRECT.raw();
        }
        if vcpu.tdcx.len() >= TDVPS_PAGES - 1 {
            return codes::TDCX_NUM_INCORRECT.raw();
        }
        if let Err(e) = self.check_page(inp.rcx, OperandId::Rcx, PageType::Nda) {
            return e;
        }
        self.mem.zero_page(inp.rcx);
        self.assign(inp.rcx, PageType::Tdcx, tdr);
        if let Some(vcpu) = self.vcpus.get_mut(&inp.rdx) {
            vcpu.tdcx.push(inp.rcx);
        }
        if let Some(td) = self.tds.get_mut(&tdr) {
            td.children += 1;
        }
        0
    }

    /// TDH.VP.INIT: RCX = TDVPR, RDX = the guest's initial RCX; version 1
    /// adds R8 = the vCPU's x2APIC id, unique in the TD. Associates the vCPU
    /// with this logical processor.
    pub(super) fn vp_init(&mut self, inp: &Regs, version: u8) -> u64 {
        let tdr = match self.vcpu_td(inp.rcx, OperandId::Rcx) {
            Ok(tdr) => tdr,
            Err(e) => return e,
        };
        let Some(vcpu) = self.vcpus.get(&inp.rcx) else {
            return with_operand(TdxStatus::PAGE_METADATA_INCORRECT, OperandId::Rcx);
        };
        if vcpu.initialized {
            return TdxStatus::VCPU_STATE_INCORRECT.raw();
        }
        if vcpu.tdcx.len() != TDVPS_PAGES - 1 {
            return codes::TDCX_NUM_INCORRECT.raw();
        }
        let x2apic_id = if version >= 1 {
            if inp.r8 >> 32 != 0 {
                return with_operand(TdxStatus::OPERAND_INVALID, OperandId::R8);
            }
            let id = inp.r8 as u32;
            let taken = self
                .vcpus
                .values()
                .any(|v| v.tdr == tdr && v.x2apic_id == Some(id));
            if taken {
                return TdxStatus::X2APIC_ID_NOT_UNIQUE.raw();
            }
            Some(id)
        } else {
            None
        };
        if let Some(vcpu) = self.vcpus.get_mut(&inp.rcx) {
            vcpu.initialized = true;
            vcpu.associated = true;
            vcpu.x2apic_id = x2apic_id;
            vcpu.gprs[1] = inp.rdx;
        }
        0
    }

    /// TDH.MR.FINALIZE: RCX = TDR. Closes MRTD; the TD becomes runnable.
    pub(super) fn mr_finalize(&mut self, inp: &Regs) -> u64 {
        let td = match self.td_mut(inp.rcx, OperandId::Rcx) {
            Ok(td) => td,
            Err(e) => return e,
        };
        if let Err(e) = Model::check_build_state(td) {
            return e;
        }
        if td.op != OpState::Initialized {
            return TdxStatus::OP_STATE_INCORRECT.raw();
        }
        if td.vcpus == 0 {
            return codes::NO_VCPUS.raw();
        }
        let digest = td.sha.clone().finalize();
        let mut mrtd = [0u8; 48];
        mrtd.copy_from_slice(&digest);
        td.mrtd = Some(mrtd);
        td.op = OpState::Runnable;
        0
    }
}
