//! Module-global leaves: TDH.SYS.INIT, LP.INIT, CONFIG, KEY.CONFIG,
//! TDMR.INIT and RD.

use super::{
    codes, with_operand, KeyState, Model, Out, SysState, Tdmr, MAX_TDMRS, PRIVATE_HKIDS,
    TDCS_PAGES, TDMR_INIT_CHUNK, TDVPS_PAGES,
};
use crate::emulate::{Reg, Regs};
use crate::status::{OperandId, TdxStatus};

/// Global metadata fields TDH.SYS.RD answers, sorted by id: the module's
/// features and TDMR/PAMT limits under the ids `tdx-abi/NOTES.md` §4 lists
/// (Linux's `tdx_global_metadata.c`), and the control-structure sizes (TDR,
/// TDCS, TDVPS base size) under the ids this model gives them, in the same
/// class as Linux's TD-control fields.
const SYS_FIELDS: [(u64, u64); 9] = [
    // TDX_FEATURES0: bit 18, NO_RBP_MOD, which Linux requires.
    (0x0A00_0003_0000_0008, 1 << 18),
    // MAX_TDMRS, MAX_RESERVED_PER_TDMR, PAMT_4K/2M/1G_ENTRY_SIZE.
    (0x9100_0001_0000_0008, MAX_TDMRS),
    (0x9100_0001_0000_0009, 16),
    (0x9100_0001_0000_0010, 16),
    (0x9100_0001_0000_0011, 16),
    (0x9100_0001_0000_0012, 16),
    // TDR_BASE_SIZE, TDCS_BASE_SIZE, TDVPS_BASE_SIZE.
    (0x9800_0001_0000_0000, 4096),
    (0x9800_0001_0000_0100, TDCS_PAGES as u64 * 4096),
    (0x9800_0001_0000_0200, TDVPS_PAGES as u64 * 4096),
];

/// Byte offsets in a `TDMR_INFO` entry.
const TDMR_INFO_BASE: u64 = 0;
const TDMR_INFO_SIZE: u64 = 8;
/// Alignment of the TDMR list and of each `TDMR_INFO`.
const TDMR_INFO_ALIGN: u64 = 512;

impl Model {
    /// TDH.SYS.INIT: RCX (attributes) must be 0.
    pub(super) fn sys_init(&mut self, inp: &Regs) -> u64 {
        if self.sys != SysState::InitPending {
            return codes::SYS_INIT_NOT_PENDING.raw();
        }
        if inp.rcx != 0 {
            return with_operand(TdxStatus::OPERAND_INVALID, OperandId::Rcx);
        }
        self.sys = SysState::InitDone;
        0
    }

    /// TDH.SYS.LP.INIT on the one logical processor the model has.
    pub(super) fn sys_lp_init(&mut self) -> u64 {
        if self.sys != SysState::InitDone {
            return codes::SYS_LP_INIT_NOT_PENDING.raw();
        }
        if self.lp_initialized {
            return codes::SYS_LP_INIT_DONE.raw();
        }
        self.lp_initialized = true;
        0
    }

    /// TDH.SYS.CONFIG: RCX = PA of an array of `TDMR_INFO` PAs, RDX = their
    /// number, R8 = the global private key id.
    pub(super) fn sys_config(&mut self, inp: &Regs) -> u64 {
        if self.sys != SysState::InitDone {
            return codes::SYS_CONFIG_NOT_PENDING.raw();
        }
        if !self.lp_initialized {
            return codes::SYS_LP_INIT_NOT_DONE.raw();
        }
        if inp.rdx == 0 || inp.rdx > MAX_TDMRS {
            return with_operand(TdxStatus::OPERAND_INVALID, OperandId::Rdx);
        }
        let list = match Model::check_shared(inp.rcx, TDMR_INFO_ALIGN, OperandId::Rcx) {
            Ok(pa) => pa,
            Err(e) => return e,
        };
        let hkid = inp.r8;
        if hkid > u64::from(u16::MAX) || !PRIVATE_HKIDS.contains(&(hkid as u16)) {
            return with_operand(TdxStatus::OPERAND_INVALID, OperandId::R8);
        }
        let mut tdmrs = Vec::new();
        for i in 0..inp.rdx {
            let info = self.mem.read_u64(list + 8 * i);
            let info = match Model::check_shared(info, TDMR_INFO_ALIGN, OperandId::Rcx) {
                Ok(pa) => pa,
                Err(e) => return e,
            };
            let base = self.mem.read_u64(info + TDMR_INFO_BASE);
            let size = self.mem.read_u64(info + TDMR_INFO_SIZE);
            if size == 0 || base % TDMR_INIT_CHUNK != 0 || size % TDMR_INIT_CHUNK != 0 {
                return codes::INVALID_TDMR.raw() | i;
            }
            if let Some(prev) = tdmrs.last().map(|t: &Tdmr| t.base + t.size) {
                if base < prev {
                    return codes::NON_ORDERED_TDMR.raw() | i;
                }
            }
            if !self.in_cmrs(base, size) {
                return codes::TDMR_OUTSIDE_CMRS.raw() | i;
            }
            tdmrs.push(Tdmr {
                base,
                size,
                initialized: 0,
            });
        }
        self.tdmrs = tdmrs;
        self.kot.insert(hkid as u16, KeyState::Global);
        self.sys = SysState::ConfigDone;
        0
    }

    /// TDH.SYS.KEY.CONFIG on the one package the model has.
    pub(super) fn sys_key_config(&mut self) -> u64 {
        match self.sys {
            SysState::ConfigDone => {
                self.sys = SysState::Ready;
                0
            }
            SysState::Ready => TdxStatus::KEY_CONFIGURED.raw(),
            _ => codes::SYS_KEY_CONFIG_NOT_PENDING.raw(),
        }
    }

    /// TDH.SYS.TDMR.INIT: RCX = a TDMR's base; initializes up to
    /// [`TDMR_INIT_CHUNK`] bytes and returns the next address to initialize
    /// in RDX.
    pub(super) fn sys_tdmr_init(&mut self, inp: &Regs, out: &mut Out) -> u64 {
        let Some(t) = self.tdmrs.iter_mut().find(|t| t.base == inp.rcx) else {
            return with_operand(TdxStatus::OPERAND_INVALID, OperandId::Rcx);
        };
        if t.initialized == t.size {
            return TdxStatus::TDMR_ALREADY_INITIALIZED.raw();
        }
        t.initialized += TDMR_INIT_CHUNK.min(t.size - t.initialized);
        out.set(Reg::Rdx, t.base + t.initialized);
        0
    }

    /// TDH.SYS.RD: RDX = field id; R8 = value, RDX = next field id (-1 after
    /// the last).
    pub(super) fn sys_rd(&mut self, inp: &Regs, out: &mut Out) -> u64 {
        let Some(i) = SYS_FIELDS.iter().position(|(id, _)| *id == inp.rdx) else {
            if inp.rdx == 0 {
                out.set(Reg::Rdx, SYS_FIELDS[0].0);
            }
            return TdxStatus::METADATA_FIELD_ID_INCORRECT.raw();
        };
        out.set(Reg::R8, SYS_FIELDS[i].1);
        out.set(Reg::Rdx, SYS_FIELDS.get(i + 1).map_or(u64::MAX, |f| f.0));
        0
    }
}
