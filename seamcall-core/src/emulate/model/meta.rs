//! Metadata: TDH.MNG.RD, TDH.VP.RD, TDH.VP.WR, TDH.PHYMEM.PAGE.RDMD.

use super::lookup;
use super::{with_operand, Lifecycle, Model, OpState, Out, Td, TdParams, Vcpu};
use crate::emulate::{Reg, Regs};
use crate::fields::{td, TdField};
use crate::status::{OperandId, TdxStatus};

/// Bits of a field id that describe its encoding rather than name it
/// (element size, last element, last field, increment size, write-mask
/// valid, context: bits 55:32). The model matches ids with these ignored, so
/// both the full ids and Linux's `class << 56 | field` forms are accepted.
const ENCODING_BITS: u64 = 0x00FF_FFFF_0000_0000;

fn same_field(a: u64, b: u64) -> bool {
    a & !ENCODING_BITS == b & !ENCODING_BITS
}

/// KVM's TSC multiplier for a TD running at the host's frequency (1.0 in
/// 48-bit fixed point).
const TSC_MULTIPLIER_ONE: u64 = 1 << 48;

/// Element `element` of the TD field `f`, from the model's state: the
/// fields the model keeps (the TDR's and TDCS management fields, the
/// TD_PARAMS values, MRTD); 0 for the others, whose state the model does
/// not keep. Lifecycle and operation states are the module's encodings
/// (`td_lifecycle_state_t`, `op_state_e`: murrowow/tdx-concurrency
/// `src/common/data_structures/td_control_structures.h` and
/// `include/auto_gen/op_state_lookup.h` at c6f9877, release 1.5.01).
pub(super) fn td_value(td: &Td, f: TdField, element: u64) -> u64 {
    let p: &TdParams = &td.params;
    let e = element as usize;
    if let Some(v) = td.guest.fields.get(&(f.raw(), element)) {
        // Written by the guest (TDG.VM.WR).
        return *v;
    }
    if f == td::RTMR {
        // 4 fields of 6 elements: element e is bytes 8(e%6).. of RTMR e/6.
        let rtmr = &td.guest.rtmr[(e / 6) % 4];
        let mut v = [0u8; 8];
        v.copy_from_slice(&rtmr[8 * (e % 6)..8 * (e % 6) + 8]);
        return u64::from_le_bytes(v);
    }
    if f == td::MRTD {
        return td.mrtd.map_or(0, |m| {
            let mut v = [0u8; 8];
            v.copy_from_slice(&m[8 * e..8 * e + 8]);
            u64::from_le_bytes(v)
        });
    }
    let values: [(TdField, u64); 16] = [
        (td::NUM_TDCX, td.tdcx.len() as u64),
        (td::CHLDCNT, td.children),
        (
            td::LIFECYCLE_STATE,
            match td.lifecycle {
                Lifecycle::HkidAssigned => 0,
                Lifecycle::KeysConfigured => 1,
                Lifecycle::Blocked => 2,
                Lifecycle::Teardown => 3,
            },
        ),
        (td::TDCX_PA, td.tdcx.get(e).copied().unwrap_or(0)),
        (td::HKID, u64::from(td.hkid)),
        (td::NUM_VCPUS, u64::from(td.vcpus)),
        (
            td::OP_STATE,
            match td.op {
                OpState::Uninitialized => 0,
                OpState::Initialized => 1,
                OpState::Runnable => 2,
            },
        ),
        (td::ATTRIBUTES, p.attributes),
        (td::XFAM, p.xfam),
        (td::MAX_VCPUS, u64::from(p.max_vcpus)),
        (td::GPAW, p.config_flags & 1),
        (td::TSC_MULTIPLIER, TSC_MULTIPLIER_ONE),
        (td::TSC_FREQUENCY, u64::from(p.tsc_frequency)),
        (td::CONFIG_FLAGS, p.config_flags),
        (td::TD_EPOCH, td.epoch),
        // PENDING_VE_DISABLE (bit 0) starts as ATTRIBUTES.SEPT_VE_DISABLE.
        (td::TD_CTLS, (p.attributes >> 28) & 1),
    ];
    values
        .iter()
        .find(|(field, _)| *field == f)
        .map_or(0, |(_, v)| *v)
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
    /// TDH.MNG.RD: RCX = TDR, RDX = field id, looked up in the TD table
    /// of `fields.tsv` as the module does ([`lookup`]); R8 = value; version
    /// 1 also RDX = the next readable field id (-1 after the last), or, for
    /// the null id, the first one with `TDX_METADATA_FIRST_FIELD_ID_IN_CONTEXT`.
    pub(super) fn mng_rd(
        &mut self,
        inp: &Regs,
        version: u8,
        out: &mut Out,
    ) -> Result<(), TdxStatus> {
        let td = self.td_of(inp.rcx, OperandId::Rcx)?;
        Model::check_build_state(td)?;
        let table = td::HOST_READ;
        let debug = td.params.attributes & TdParams::ATTR_DEBUG != 0;
        if version >= 1 && lookup::is_null(inp.rdx) {
            let first = lookup::first_from(table, 0, self.release, debug);
            out.set(
                Reg::Rdx,
                first.map_or(u64::MAX, |h| lookup::id_of(table, h)),
            );
            return Err(TdxStatus::METADATA_FIRST_FIELD_ID_IN_CONTEXT);
        }
        let hit = lookup::find(table, inp.rdx, self.release)?;
        let row = &table[hit.entry];
        if lookup::read_mask(row, debug) == 0 {
            return Err(TdxStatus::METADATA_FIELD_NOT_READABLE);
        }
        let value = td_value(td, row.0, hit.element);
        out.set(Reg::R8, lookup::masked(row, debug, value));
        if version >= 1 {
            let next = lookup::next(table, hit, self.release, debug);
            out.set(Reg::Rdx, next.map_or(u64::MAX, |h| lookup::id_of(table, h)));
        }
        Ok(())
    }

    /// The vCPU at `tdvpr` and its TD, for TDH.VP.RD (`write` false) and
    /// VP.WR (`write` true): an uninitialized vCPU is
    /// `TDX_VCPU_STATE_INCORRECT`, and so is one a fatal exit disabled for
    /// VP.WR only (`check_and_associate_vcpu(.., allow_disabled: !write)`,
    /// `tdh_vp_rd_wr.c` line 146 at 72d8cffb); from 1.5.06 on with the
    /// vCPU's state as operand id, as TDH.VP.ENTER.
    fn vp_of(&self, tdvpr: u64, write: bool) -> Result<(&Vcpu, &Td), TdxStatus> {
        let tdr = self.vcpu_td(tdvpr, OperandId::Rcx)?;
        let bad = with_operand(TdxStatus::PAGE_METADATA_INCORRECT, OperandId::Rcx);
        let vcpu = self.vcpus.get(&tdvpr).ok_or(bad)?;
        let td = self.tds.get(&tdr).ok_or(bad)?;
        if !vcpu.initialized || (write && vcpu.run.disabled) {
            return Err(self.vcpu_state_incorrect(vcpu));
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
        let (vcpu, td) = self.vp_of(inp.rcx, false)?;
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
        let (vcpu, td) = self.vp_of(inp.rcx, true)?;
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
