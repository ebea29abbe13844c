//! Module-global leaves: TDH.SYS.INIT, LP.INIT, CONFIG, KEY.CONFIG,
//! TDMR.INIT and RD.

use super::lookup;
use super::{
    codes, with_operand, Fail, KeyState, Model, Out, Release, SysState, Tdmr, MAX_TDMRS,
    PRIVATE_HKIDS, TDCS_PAGES, TDMR_INIT_CHUNK, TDVPS_PAGES,
};
use crate::emulate::{Reg, Regs};
use crate::fields::{sys, GlobalField};
use crate::status::{OperandId, TdxStatus};

/// TDX_FEATURES0 as the model reports it (TDH.SYS.RD): bit 18, NO_RBP_MOD.
const TDX_FEATURES0: u64 = 1 << 18;
/// Bit 16 of TDH.SYS.CONFIG's option word: Dynamic PAMT.
const DYNAMIC_PAMT: u64 = 1 << 16;

/// Byte offsets in a `TDMR_INFO` entry.
const TDMR_INFO_BASE: u64 = 0;
const TDMR_INFO_SIZE: u64 = 8;
/// Alignment of the TDMR list and of each `TDMR_INFO`.
const TDMR_INFO_ALIGN: u64 = 512;

/// `code` with the index of the offending TDMR in its low bits.
fn tdmr_error(code: TdxStatus, index: u64) -> TdxStatus {
    TdxStatus::from_raw(code.raw() | index)
}

impl Model {
    /// TDH.SYS.INIT: RCX (attributes) must be 0.
    pub(super) fn sys_init(&mut self, inp: &Regs) -> Result<(), TdxStatus> {
        if self.sys != SysState::InitPending {
            return Err(codes::SYS_INIT_NOT_PENDING);
        }
        if inp.rcx != 0 {
            return Err(with_operand(TdxStatus::OPERAND_INVALID, OperandId::Rcx));
        }
        self.sys = SysState::InitDone;
        Ok(())
    }

    /// TDH.SYS.LP.INIT on the one logical processor the model has.
    pub(super) fn sys_lp_init(&mut self) -> Result<(), TdxStatus> {
        if self.sys != SysState::InitDone {
            return Err(codes::SYS_LP_INIT_NOT_PENDING);
        }
        if self.lp_initialized {
            return Err(codes::SYS_LP_INIT_DONE);
        }
        self.lp_initialized = true;
        Ok(())
    }

    /// TDH.SYS.CONFIG: RCX = PA of an array of `TDMR_INFO` PAs, RDX = their
    /// number, R8 = the global private key id; from release 1.5.20 on R8 is
    /// the option word, HKID in bits 15:0 and Dynamic PAMT in bit 16 (bits
    /// 63:17 reserved; `sys_config_options_t`, intel/tdx-module
    /// `include/tdx_api_defs.h` at e69a4391), which 1.5.01 refuses as an
    /// HKID out of range. Version 1 (1.5.34 and later) adds R9, the
    /// TDX_FEATURES0 bits of optional features to enable, which must be
    /// features the module reports, and R10, reserved (0).
    pub(super) fn sys_config(&mut self, inp: &Regs, version: u8) -> Result<(), Fail> {
        if self.sys != SysState::InitDone {
            return Err(codes::SYS_CONFIG_NOT_PENDING.into());
        }
        // Every LP must have run TDH.SYS.LP.INIT; the module answers
        // otherwise as for a wrong state (intel/tdx-module
        // `src/vmm_dispatcher/api_calls/tdh_sys_config.c` lines 768-775 at
        // 72d8cffb; murrowow/tdx-concurrency lines 780-786 at c71d4f63).
        if !self.lp_initialized {
            return Err(codes::SYS_CONFIG_NOT_PENDING.into());
        }
        if inp.rdx == 0 || inp.rdx > MAX_TDMRS {
            return Err(with_operand(TdxStatus::OPERAND_INVALID, OperandId::Rdx).into());
        }
        let list = Model::check_shared(inp.rcx, TDMR_INFO_ALIGN, OperandId::Rcx)?;
        let options = if self.release >= Release::V1_5_25 {
            DYNAMIC_PAMT
        } else {
            0
        };
        let hkid = inp.r8 & 0xFFFF;
        if inp.r8 & !(0xFFFF | options) != 0 || !PRIVATE_HKIDS.contains(&(hkid as u16)) {
            return Err(with_operand(TdxStatus::OPERAND_INVALID, OperandId::R8).into());
        }
        if version >= 1 {
            if inp.r9 & !TDX_FEATURES0 != 0 {
                return Err(with_operand(TdxStatus::OPERAND_INVALID, OperandId::R9).into());
            }
            if inp.r10 != 0 {
                return Err(with_operand(TdxStatus::OPERAND_INVALID, OperandId::R10).into());
            }
        }
        let mut tdmrs = Vec::new();
        for i in 0..inp.rdx {
            let info = self.mem.read_u64(list + 8 * i)?;
            let info = Model::check_shared(info, TDMR_INFO_ALIGN, OperandId::Rcx)?;
            let base = self.mem.read_u64(info + TDMR_INFO_BASE)?;
            let size = self.mem.read_u64(info + TDMR_INFO_SIZE)?;
            if size == 0 || base % TDMR_INIT_CHUNK != 0 || size % TDMR_INIT_CHUNK != 0 {
                return Err(tdmr_error(codes::INVALID_TDMR, i).into());
            }
            if let Some(prev) = tdmrs.last().map(|t: &Tdmr| t.base + t.size) {
                if base < prev {
                    return Err(tdmr_error(codes::NON_ORDERED_TDMR, i).into());
                }
            }
            if !self.in_cmrs(base, size) {
                return Err(tdmr_error(codes::TDMR_OUTSIDE_CMRS, i).into());
            }
            tdmrs.push(Tdmr {
                base,
                size,
                initialized: 0,
            });
        }
        self.tdmrs = tdmrs;
        self.dynamic_pamt = inp.r8 & DYNAMIC_PAMT != 0;
        self.kot.insert(hkid as u16, KeyState::Global);
        self.sys = SysState::ConfigDone;
        Ok(())
    }

    /// TDH.SYS.KEY.CONFIG on the one package the model has.
    pub(super) fn sys_key_config(&mut self) -> Result<(), TdxStatus> {
        match self.sys {
            SysState::ConfigDone => {
                self.sys = SysState::Ready;
                Ok(())
            }
            SysState::Ready => Err(TdxStatus::KEY_CONFIGURED),
            _ => Err(codes::SYS_KEY_CONFIG_NOT_PENDING),
        }
    }

    /// TDH.SYS.TDMR.INIT: RCX = a TDMR's base; initializes up to
    /// [`TDMR_INIT_CHUNK`] bytes and returns the next address to initialize
    /// in RDX.
    pub(super) fn sys_tdmr_init(&mut self, inp: &Regs, out: &mut Out) -> Result<(), TdxStatus> {
        let Some(t) = self.tdmrs.iter_mut().find(|t| t.base == inp.rcx) else {
            return Err(with_operand(TdxStatus::OPERAND_INVALID, OperandId::Rcx));
        };
        if t.initialized == t.size {
            return Err(TdxStatus::TDMR_ALREADY_INITIALIZED);
        }
        t.initialized += TDMR_INIT_CHUNK.min(t.size - t.initialized);
        out.set(Reg::Rdx, t.base + t.initialized);
        Ok(())
    }

    /// TDH.SYS.RD: RDX = field id, looked up in the global table of
    /// `fields.tsv` as the module does ([`lookup`]); R8 = value, RDX = the
    /// next readable field id (-1 after the last), or, for the null id, the
    /// first one with `TDX_METADATA_FIRST_FIELD_ID_IN_CONTEXT`.
    pub(super) fn sys_rd(&mut self, inp: &Regs, out: &mut Out) -> Result<(), TdxStatus> {
        let table = sys::HOST_READ;
        if lookup::is_null(inp.rdx) {
            let first = lookup::first_from(table, 0, self.release, false);
            out.set(
                Reg::Rdx,
                first.map_or(u64::MAX, |h| lookup::id_of(table, h)),
            );
            return Err(TdxStatus::METADATA_FIRST_FIELD_ID_IN_CONTEXT);
        }
        let hit = lookup::find(table, inp.rdx, self.release)?;
        let row = &table[hit.entry];
        if lookup::read_mask(row, false) == 0 {
            return Err(TdxStatus::METADATA_FIELD_NOT_READABLE);
        }
        let value = self.sys_value(row.0, hit.element);
        out.set(Reg::R8, lookup::masked(row, false, value));
        let next = lookup::next(table, hit, self.release, false);
        out.set(Reg::Rdx, next.map_or(u64::MAX, |h| lookup::id_of(table, h)));
        Ok(())
    }

    /// Element `element` of the global field `f`: the module's version as
    /// the release numbers it, the features and limits the model has (the
    /// values Linux's `tdx_global_metadata.c` reads), its CMRs; 0 for the
    /// fields whose state the model does not keep.
    pub(super) fn sys_value(&self, f: GlobalField, element: u64) -> u64 {
        let (major, minor, update) = match self.release {
            Release::V1_5_01 => (1, 5, 1),
            Release::V1_5_25 => (1, 5, 25),
            Release::V1_5_34 => (1, 5, 34),
            _ => (2, 0, 18),
        };
        let cmr = self.cmrs.get(element as usize).copied().unwrap_or((0, 0));
        let values: [(GlobalField, u64); 17] = [
            (sys::NUM_PKGS, 1),
            (sys::VENDOR_ID, 0x8086),
            (sys::MAJOR_VERSION, major),
            (sys::MINOR_VERSION, minor),
            (sys::UPDATE_VERSION, update),
            (sys::TDX_FEATURES0, TDX_FEATURES0),
            (sys::NUM_CMRS, self.cmrs.len() as u64),
            (sys::CMR_BASE, cmr.0),
            (sys::CMR_SIZE, cmr.1),
            (sys::MAX_TDMRS, MAX_TDMRS),
            (sys::MAX_RESERVED_PER_TDMR, 16),
            (sys::PAMT_4K_ENTRY_SIZE, 16),
            (sys::PAMT_2M_ENTRY_SIZE, 16),
            (sys::PAMT_1G_ENTRY_SIZE, 16),
            (sys::TDR_BASE_SIZE, 4096),
            (sys::TDCS_BASE_SIZE, TDCS_PAGES as u64 * 4096),
            (sys::TDVPS_BASE_SIZE, TDVPS_PAGES as u64 * 4096),
        ];
        values
            .iter()
            .find(|(field, _)| *field == f)
            .map_or(0, |(_, v)| *v)
    }
}
