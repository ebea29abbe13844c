//! TD and vCPU creation: TDH.MNG.CREATE, KEY.CONFIG, ADDCX, INIT,
//! TDH.VP.CREATE, ADDCX, INIT, and TDH.MR.FINALIZE.

use std::collections::BTreeMap;

use sha2::Digest;

use super::{
    codes, new_measurement, with_operand, Fail, KeyState, Lifecycle, Model, OpState, PageType, Td,
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
    pub(super) fn mng_create(&mut self, inp: &Regs) -> Result<(), TdxStatus> {
        let hkid = inp.rdx as u16;
        if inp.rdx >> 16 != 0 || !PRIVATE_HKIDS.contains(&hkid) {
            return Err(with_operand(TdxStatus::OPERAND_INVALID, OperandId::Rdx));
        }
        self.check_page(inp.rcx, OperandId::Rcx, PageType::Nda)?;
        if self.kot.contains_key(&hkid) {
            return Err(codes::HKID_NOT_FREE);
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
        Ok(())
    }

    /// TDH.MNG.KEY.CONFIG: RCX = TDR. Programs the key on the one package.
    pub(super) fn mng_key_config(&mut self, inp: &Regs) -> Result<(), TdxStatus> {
        let td = self.td_mut(inp.rcx, OperandId::Rcx)?;
        if td.lifecycle != Lifecycle::HkidAssigned {
            return Err(TdxStatus::LIFECYCLE_STATE_INCORRECT);
        }
        td.lifecycle = Lifecycle::KeysConfigured;
        let hkid = td.hkid;
        self.kot.insert(hkid, KeyState::Configured);
        Ok(())
    }

    /// TDH.MNG.ADDCX: RCX = the new TDCS page, RDX = TDR.
    pub(super) fn mng_addcx(&mut self, inp: &Regs) -> Result<(), TdxStatus> {
        let td = self.td_of(inp.rdx, OperandId::Rdx)?;
        if td.lifecycle != Lifecycle::KeysConfigured {
            return Err(TdxStatus::TD_KEYS_NOT_CONFIGURED);
        }
        if td.tdcx.len() >= TDCS_PAGES {
            return Err(codes::TDCX_NUM_INCORRECT);
        }
        self.check_page(inp.rcx, OperandId::Rcx, PageType::Nda)?;
        self.mem.zero_page(inp.rcx);
        self.assign(inp.rcx, PageType::Tdcx, inp.rdx);
        if let Some(td) = self.tds.get_mut(&inp.rdx) {
            td.tdcx.push(inp.rcx);
            td.children += 1;
        }
        Ok(())
    }

    /// TDH.MNG.INIT: RCX = TDR, RDX = `TD_PARAMS` (1024-byte aligned, shared).
    pub(super) fn mng_init(&mut self, inp: &Regs) -> Result<(), Fail> {
        let td = self.td_of(inp.rcx, OperandId::Rcx)?;
        Model::check_build_state(td)?;
        if td.op != OpState::Uninitialized {
            return Err(TdxStatus::OP_STATE_INCORRECT.into());
        }
        let pa = Model::check_shared(inp.rdx, TdParams::SIZE as u64, OperandId::Rdx)?;
        let mut image = [0u8; 64];
        self.mem.read(pa, &mut image)?;
        let params = TdParams::from_bytes(&image);
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
        check?;
        if let Some(td) = self.tds.get_mut(&inp.rcx) {
            td.params = params;
            td.op = OpState::Initialized;
            td.sha = new_measurement();
        }
        Ok(())
    }

    /// TDH.VP.CREATE: RCX = the new TDVPR page, RDX = TDR.
    pub(super) fn vp_create(&mut self, inp: &Regs) -> Result<(), TdxStatus> {
        let td = self.td_of(inp.rdx, OperandId::Rdx)?;
        Model::check_build_state(td)?;
        if td.op == OpState::Uninitialized {
            return Err(TdxStatus::OP_STATE_INCORRECT);
        }
        if td.vcpus >= u32::from(td.params.max_vcpus) {
            return Err(codes::MAX_VCPUS_EXCEEDED);
        }
        self.check_page(inp.rcx, OperandId::Rcx, PageType::Nda)?;
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
                guest: Default::default(),
            },
        );
        Ok(())
    }

    /// Checks the TDVPR operand, and its TD's state; returns the TDR.
    pub(super) fn vcpu_td(&self, tdvpr: u64, op: OperandId) -> Result<u64, TdxStatus> {
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
    pub(super) fn vp_addcx(&mut self, inp: &Regs) -> Result<(), TdxStatus> {
        let tdr = self.vcpu_td(inp.rdx, OperandId::Rdx)?;
        let vcpu = self.vcpus.get(&inp.rdx).ok_or(with_operand(
            TdxStatus::PAGE_METADATA_INCORRECT,
            OperandId::Rdx,
        ))?;
        if vcpu.initialized {
            return Err(TdxStatus::VCPU_STATE_INCORRECT);
        }
        if vcpu.tdcx.len() >= TDVPS_PAGES - 1 {
            return Err(codes::TDCX_NUM_INCORRECT);
        }
        self.check_page(inp.rcx, OperandId::Rcx, PageType::Nda)?;
        self.mem.zero_page(inp.rcx);
        self.assign(inp.rcx, PageType::Tdcx, tdr);
        if let Some(vcpu) = self.vcpus.get_mut(&inp.rdx) {
            vcpu.tdcx.push(inp.rcx);
        }
        if let Some(td) = self.tds.get_mut(&tdr) {
            td.children += 1;
        }
        Ok(())
    }

    /// TDH.VP.INIT: RCX = TDVPR, RDX = the guest's initial RCX; version 1
    /// adds R8 = the vCPU's x2APIC id, unique in the TD. Associates the vCPU
    /// with this logical processor.
    pub(super) fn vp_init(&mut self, inp: &Regs, version: u8) -> Result<(), TdxStatus> {
        let tdr = self.vcpu_td(inp.rcx, OperandId::Rcx)?;
        let vcpu = self.vcpus.get(&inp.rcx).ok_or(with_operand(
            TdxStatus::PAGE_METADATA_INCORRECT,
            OperandId::Rcx,
        ))?;
        if vcpu.initialized {
            return Err(TdxStatus::VCPU_STATE_INCORRECT);
        }
        if vcpu.tdcx.len() != TDVPS_PAGES - 1 {
            return Err(codes::TDCX_NUM_INCORRECT);
        }
        let x2apic_id = if version >= 1 {
            if inp.r8 >> 32 != 0 {
                return Err(with_operand(TdxStatus::OPERAND_INVALID, OperandId::R8));
            }
            let id = inp.r8 as u32;
            let taken = self
                .vcpus
                .values()
                .any(|v| v.tdr == tdr && v.x2apic_id == Some(id));
            if taken {
                return Err(TdxStatus::X2APIC_ID_NOT_UNIQUE);
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
        Ok(())
    }

    /// TDH.MR.FINALIZE: RCX = TDR. Closes MRTD; the TD becomes runnable.
    pub(super) fn mr_finalize(&mut self, inp: &Regs) -> Result<(), TdxStatus> {
        let td = self.td_mut(inp.rcx, OperandId::Rcx)?;
        Model::check_build_state(td)?;
        if td.op != OpState::Initialized {
            return Err(TdxStatus::OP_STATE_INCORRECT);
        }
        if td.vcpus == 0 {
            return Err(codes::NO_VCPUS);
        }
        let digest = td.sha.clone().finalize();
        let mut mrtd = [0u8; 48];
        mrtd.copy_from_slice(&digest);
        td.mrtd = Some(mrtd);
        td.op = OpState::Runnable;
        Ok(())
    }
}
