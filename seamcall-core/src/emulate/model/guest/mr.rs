//! TDG.MR.RTMR.EXTEND and TDG.MR.REPORT.
//!
//! The TDREPORT_STRUCT has the architectural layout (intel/tdx-module
//! `include/tdx_api_defs.h` at 72d8cffb, lines 653–802: `td_report_t`,
//! `report_mac_struct_t`, `tee_tcb_info_t`, `td_info_t`), 1024 bytes:
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 256 | REPORTMACSTRUCT: REPORTTYPE (0x81, sub-type 0, version 0) at 0, CPUSVN at 16, TEE_TCB_INFO_HASH at 32, TEE_INFO_HASH at 80, REPORTDATA at 128, MAC at 224 |
//! | 256 | 256 | TEE_TCB_INFO: VALID at 256, TEE_TCB_SVN at 264, MRSEAM at 280, MRSIGNERSEAM at 328, ATTRIBUTES at 376 |
//! | 512 | 512 | TDINFO: ATTRIBUTES at 512, XFAM at 520, MRTD at 528, MRCONFIGID at 576, MROWNER at 624, MROWNERCONFIG at 672, RTMR0–3 at 720, 768, 816, 864, SERVTD_HASH at 912 |
//!
//! What is the model's own: TEE_TCB_INFO_HASH is the SHA-384 of the 256
//! bytes of TEE_TCB_INFO and TEE_INFO_HASH that of the 512 bytes of
//! TDINFO; the CPU's SEAMREPORT MAC is replaced by the first 32 bytes of
//! SHA-384([`TDREPORT_MAC_KEY`] ‖ REPORTMACSTRUCT bytes 0–223), a key that
//! is public, so the report proves nothing and is for tests only; CPUSVN,
//! MRSIGNERSEAM, MRCONFIGID, MROWNER, MROWNERCONFIG (the host model keeps
//! only the first 64 bytes of TD_PARAMS) and SERVTD_HASH (no service TDs)
//! are zero; TEE_TCB_INFO holds VALID = 0x1FF (VALID, TEE_TCB_SVN and MRSEAM
//! populated), the release's major and update numbers as TEE_TCB_SVN bytes
//! 1 and 0, and MRSEAM = SHA-384 of `"seamcall emulate::model"`.

use sha2::{Digest, Sha384};

use super::super::{with_operand, Model};
use super::{invalid, leaf, GuestFail};
use crate::emulate::Regs;
use crate::fields::sys;
use crate::status::OperandId;

/// The key of the model's TDREPORT MAC (see the [model docs](crate::emulate::model#the-guest-side)):
/// public, so a report the model writes authenticates nothing.
pub const TDREPORT_MAC_KEY: &[u8] =
    b"seamcall emulate::model TDREPORT MAC key (public, tests only)";

/// A status from a GPA check, against operand `op`.
fn against(op: OperandId) -> impl Fn(GuestFail) -> GuestFail {
    move |f| match f {
        GuestFail::Status(s) => GuestFail::Status(with_operand(s, op)),
        other => other,
    }
}

/// The model's MAC over a REPORTMACSTRUCT (its first 224 bytes).
pub(crate) fn report_mac(report_mac_struct: &[u8]) -> [u8; 32] {
    let mut h = Sha384::new();
    h.update(TDREPORT_MAC_KEY);
    h.update(&report_mac_struct[..224]);
    let mut mac = [0u8; 32];
    mac.copy_from_slice(&h.finalize()[..32]);
    mac
}

impl Model {
    /// TDG.MR.RTMR.EXTEND: RCX = the 64-byte-aligned private GPA of 48 bytes
    /// of extension data, RDX = the RTMR index; RTMR[index] = SHA-384(RTMR ‖
    /// data). Checks in the module's order (`tdg_mr_rtmr_extend.c` lines
    /// 53–106 at 72d8cffb): alignment (RCX), the GPA (RCX, or the
    /// TDCALL does not complete), the index (RDX). The RTMR lock the module
    /// takes next (busy: `TDX_OPERAND_BUSY` with operand 0xA8) is contended
    /// only by another vCPU running at the same time: on a shared model
    /// [`SharedVcpu`](super::super::SharedVcpu) takes it before this runs.
    pub(super) fn tdg_mr_rtmr_extend(
        &mut self,
        tdr: u64,
        tdvpr: u64,
        inp: &Regs,
    ) -> Result<(), GuestFail> {
        if inp.rcx % 64 != 0 {
            return Err(invalid(OperandId::Rcx));
        }
        let hpa = self
            .guest_hpa(tdr, tdvpr, leaf::MR_RTMR_EXTEND, inp.rcx, true, false)
            .map_err(against(OperandId::Rcx))?;
        let mut data = [0u8; 48];
        self.mem.read(hpa, &mut data)?;
        let index = usize::try_from(inp.rdx).ok().filter(|i| *i < 4);
        let Some(index) = index else {
            return Err(invalid(OperandId::Rdx));
        };
        if let Some(td) = self.tds.get_mut(&tdr) {
            let rtmr = &mut td.guest.rtmr[index];
            let mut h = Sha384::new();
            h.update(*rtmr);
            h.update(data);
            rtmr.copy_from_slice(&h.finalize());
        }
        Ok(())
    }

    /// TDG.MR.REPORT: RCX = the 1024-byte-aligned GPA of the TDREPORT_STRUCT
    /// to write, RDX = the 64-byte-aligned GPA of REPORTDATA, R8 = the
    /// sub-type (0); both GPAs private or shared. Checks in the module's
    /// order (`tdg_mr_report.c` lines 76–162 at 72d8cffb): RCX alignment,
    /// RDX alignment, the REPORTDATA GPA (RDX), the sub-type (R8), then the
    /// report is built and written at RCX (RCX).
    pub(super) fn tdg_mr_report(
        &mut self,
        tdr: u64,
        tdvpr: u64,
        inp: &Regs,
    ) -> Result<(), GuestFail> {
        if inp.rcx % 1024 != 0 {
            return Err(invalid(OperandId::Rcx));
        }
        if inp.rdx % 64 != 0 {
            return Err(invalid(OperandId::Rdx));
        }
        let data_hpa = self
            .guest_hpa(tdr, tdvpr, leaf::MR_REPORT, inp.rdx, false, false)
            .map_err(against(OperandId::Rdx))?;
        let mut report_data = [0u8; 64];
        self.mem.read(data_hpa, &mut report_data)?;
        if inp.r8 != 0 {
            return Err(invalid(OperandId::R8));
        }
        let report = self.td_report(tdr, &report_data);
        let out_hpa = self
            .guest_hpa(tdr, tdvpr, leaf::MR_REPORT, inp.rcx, false, true)
            .map_err(against(OperandId::Rcx))?;
        self.mem.write(out_hpa, &report);
        Ok(())
    }

    /// The TDREPORT_STRUCT of the TD at `tdr` with `report_data`.
    fn td_report(&self, tdr: u64, report_data: &[u8; 64]) -> [u8; 1024] {
        let mut r = [0u8; 1024];
        let Some(td) = self.tds.get(&tdr) else {
            return r;
        };
        // TEE_TCB_INFO.
        r[256..264].copy_from_slice(&0x1FFu64.to_le_bytes());
        r[264] = self.sys_value(sys::UPDATE_VERSION, 0) as u8;
        r[265] = self.sys_value(sys::MAJOR_VERSION, 0) as u8;
        r[280..328].copy_from_slice(&Sha384::digest(b"seamcall emulate::model"));
        // TDINFO.
        r[512..520].copy_from_slice(&td.params.attributes.to_le_bytes());
        r[520..528].copy_from_slice(&td.params.xfam.to_le_bytes());
        r[528..576].copy_from_slice(&td.mrtd.unwrap_or([0; 48]));
        for (i, rtmr) in td.guest.rtmr.iter().enumerate() {
            r[720 + 48 * i..768 + 48 * i].copy_from_slice(rtmr);
        }
        // REPORTMACSTRUCT.
        r[0] = 0x81;
        let tcb_hash = Sha384::digest(&r[256..512]);
        let info_hash = Sha384::digest(&r[512..1024]);
        r[32..80].copy_from_slice(&tcb_hash);
        r[80..128].copy_from_slice(&info_hash);
        r[128..192].copy_from_slice(report_data);
        let mac = report_mac(&r[..256]);
        r[224..256].copy_from_slice(&mac);
        r
    }
}
