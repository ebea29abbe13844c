//! Metadata: TDH.MNG.RD, TDH.VP.RD, TDH.VP.WR, TDH.PHYMEM.PAGE.RDMD.

use super::{with_operand, Model, Out, Td, TdParams, Vcpu, MRTD_FIELD_ID};
use crate::emulate::{Reg, Regs};
use crate::status::{OperandId, TdxStatus};

/// Bits of a field id that describe its encoding rather than name it
/// (element size, last element, last field, increment size, write-mask
/// valid, context: bits 55:32). The model matches ids with these ignored, so
/// both the full ids and Linux's `class << 56 | field` forms are accepted.
const ENCODING_BITS: u64 = 0x00FF_FFFF_0000_0000;

fn same_field(a: u64, b: u64) -> bool {
    a & !ENCODING_BITS == b & !ENCODING_BITS
}

/// TD-scope fields TDH.MNG.RD answers, in the order version 1 walks them.
/// Execution controls are class 17, context TD: CONFIG_FLAGS (0x16) and
/// TD_CTLS (0x17) as Linux names them, TSC_OFFSET (10) and TSC_MULTIPLIER
/// (11) as KVM reads them; ATTRIBUTES (0) and XFAM (1) complete them.
const TD_FIELDS: [u64; 12] = [
    0x1110_0003_0000_0000, // ATTRIBUTES
    0x1110_0003_0000_0001, // XFAM
    0x1110_0003_0000_000A, // TSC_OFFSET
    0x1110_0003_0000_000B, // TSC_MULTIPLIER
    0x1110_0003_0000_0016, // CONFIG_FLAGS
    0x1110_0003_0000_0017, // TD_CTLS
    MRTD_FIELD_ID,
    MRTD_FIELD_ID + 1,
    MRTD_FIELD_ID + 2,
    MRTD_FIELD_ID + 3,
    MRTD_FIELD_ID + 4,
    MRTD_FIELD_ID + 5,
];

/// KVM's TSC multiplier for a TD running at the host's frequency (1.0 in
/// 48-bit fixed point).
const TSC_MULTIPLIER_ONE: u64 = 1 << 48;

fn td_field(td: &Td, index: usize) -> u64 {
    let p: &TdParams = &td.params;
    match index {
        0 => p.attributes,
        1 => p.xfam,
        2 => 0,
        3 => TSC_MULTIPLIER_ONE,
        4 => p.config_flags,
        5 => 0,
        i => td.mrtd.map_or(0, |m| {
            let e = i - 6;
            let mut v = [0u8; 8];
            v.copy_from_slice(&m[8 * e..8 * e + 8]);
            u64::from_le_bytes(v)
        }),
    }
}

/// A vCPU-scope field the model knows.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum VpField {
    /// Guest GPR `n` (class 16, field n = 0..15 in RAX..R15 order): debug TDs
    /// only.
    Gpr(usize),
    /// `VCPU_STATE_DETAILS` (non-architectural, class 17, field 0x100):
    /// read-only, 0 (no interrupt pending).
    StateDetails,
    /// `PEND_NMI` (TDVPS management, class 32, field 11): read-write.
    PendNmi,
}

const VP_STATE_DETAILS: u64 = 0x9100_0000_0000_0100;
const VP_PEND_NMI: u64 = 0x2000_0000_0000_000B;
const VP_GPR_CLASS: u64 = 0x1000_0000_0000_0000;

fn vp_field(id: u64) -> Option<VpField> {
    if same_field(id, VP_STATE_DETAILS) {
        Some(VpField::StateDetails)
    } else if same_field(id, VP_PEND_NMI) {
        Some(VpField::PendNmi)
    } else if id & !ENCODING_BITS & !0xF == VP_GPR_CLASS {
        Some(VpField::Gpr((id & 0xF) as usize))
    } else {
        None
    }
}

impl Model {
    /// TDH.MNG.RD: RCX = TDR, RDX = field id; R8 = value; version 1 also
    /// RDX = the next field id (-1 after the last).
    pub(super) fn mng_rd(
        &mut self,
        inp: &Regs,
        version: u8,
        out: &mut Out,
    ) -> Result<(), TdxStatus> {
        let td = self.td_of(inp.rcx, OperandId::Rcx)?;
        Model::check_build_state(td)?;
        let Some(i) = TD_FIELDS.iter().position(|f| same_field(*f, inp.rdx)) else {
            return Err(TdxStatus::METADATA_FIELD_ID_INCORRECT);
        };
        out.set(Reg::R8, td_field(td, i));
        if version >= 1 {
            out.set(Reg::Rdx, TD_FIELDS.get(i + 1).copied().unwrap_or(u64::MAX));
        }
        Ok(())
    }

    fn vp_of(&self, tdvpr: u64) -> Result<(&Vcpu, &Td), TdxStatus> {
        let tdr = self.vcpu_td(tdvpr, OperandId::Rcx)?;
        let bad = with_operand(TdxStatus::PAGE_METADATA_INCORRECT, OperandId::Rcx);
        let vcpu = self.vcpus.get(&tdvpr).ok_or(bad)?;
        let td = self.tds.get(&tdr).ok_or(bad)?;
        if !vcpu.initialized {
            return Err(TdxStatus::VCPU_STATE_INCORRECT);
        }
        Ok((vcpu, td))
    }

    /// TDH.VP.RD: RCX = TDVPR, RDX = field id; R8 = value; version 1 also
    /// RDX = -1 (the model does not enumerate vCPU fields).
    pub(super) fn vp_rd(
        &mut self,
        inp: &Regs,
        version: u8,
        out: &mut Out,
    ) -> Result<(), TdxStatus> {
        let (vcpu, td) = self.vp_of(inp.rcx)?;
        let value = match vp_field(inp.rdx) {
            None => return Err(TdxStatus::METADATA_FIELD_ID_INCORRECT),
            Some(VpField::Gpr(_)) if td.params.attributes & TdParams::ATTR_DEBUG == 0 => {
                return Err(TdxStatus::METADATA_FIELD_NOT_READABLE);
            }
            Some(VpField::Gpr(n)) => vcpu.gprs[n],
            Some(VpField::StateDetails) => 0,
            Some(VpField::PendNmi) => vcpu.pend_nmi,
        };
        out.set(Reg::R8, value);
        if version >= 1 {
            out.set(Reg::Rdx, u64::MAX);
        }
        Ok(())
    }

    /// TDH.VP.WR: RCX = TDVPR, RDX = field id, R8 = value, R9 = write mask;
    /// R8 = the previous value.
    pub(super) fn vp_wr(&mut self, inp: &Regs, out: &mut Out) -> Result<(), TdxStatus> {
        let (vcpu, td) = self.vp_of(inp.rcx)?;
        let debug = td.params.attributes & TdParams::ATTR_DEBUG != 0;
        let field = match vp_field(inp.rdx) {
            None => return Err(TdxStatus::METADATA_FIELD_ID_INCORRECT),
            Some(VpField::StateDetails) => return Err(TdxStatus::METADATA_FIELD_NOT_WRITABLE),
            Some(VpField::Gpr(_)) if !debug => {
                return Err(TdxStatus::METADATA_FIELD_NOT_WRITABLE);
            }
            Some(f) => f,
        };
        let old = match field {
            VpField::Gpr(n) => vcpu.gprs[n],
            VpField::PendNmi => vcpu.pend_nmi,
            VpField::StateDetails => 0,
        };
        let new = (old & !inp.r9) | (inp.r8 & inp.r9);
        if field == VpField::PendNmi && new > 1 {
            return Err(super::codes::METADATA_FIELD_VALUE_NOT_VALID);
        }
        if let Some(vcpu) = self.vcpus.get_mut(&inp.rcx) {
            match field {
                VpField::Gpr(n) => vcpu.gprs[n] = new,
                VpField::PendNmi => vcpu.pend_nmi = new,
                VpField::StateDetails => {}
            }
        }
        out.set(Reg::R8, old);
        Ok(())
    }

    /// TDH.PHYMEM.PAGE.RDMD: RCX = a page; RCX = its type, RDX = its owner
    /// TDR, R8 = its size (0: 4 KiB), R9 = its blocking epoch (0).
    pub(super) fn phymem_page_rdmd(&mut self, inp: &Regs, out: &mut Out) -> Result<(), TdxStatus> {
        let pa = inp.rcx;
        self.check_tdmr_page(pa, OperandId::Rcx)?;
        let meta = self.pamt.get(&pa).copied();
        out.set(
            Reg::Rcx,
            meta.map_or(super::PageType::Nda as u64, |m| m.pt as u64),
        );
        out.set(Reg::Rdx, meta.map_or(0, |m| m.owner));
        Ok(())
    }
}
