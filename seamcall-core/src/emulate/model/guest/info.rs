//! TDG.VP.INFO and TDG.VP.VEINFO.GET.

use super::super::{Model, Out};
use super::GuestFail;
use crate::emulate::Reg;
use crate::status::TdxStatus;

impl Model {
    /// TDG.VP.INFO: RCX = GPA width (52 with `CONFIG_FLAGS.GPAW`, else 48),
    /// RDX = ATTRIBUTES, R8 = NUM_VCPUS | MAX_VCPUS << 32, R9 = VCPU_INDEX,
    /// R10 = the commands-available bitmap (bit 0: TDG.SYS.RD), R11 = 0;
    /// no error path (intel/tdx-module `src/td_dispatcher/vm_exits/tdg_vp_info.c`
    /// lines 52–73 at 72d8cffb).
    pub(super) fn tdg_vp_info(
        &mut self,
        tdr: u64,
        tdvpr: u64,
        out: &mut Out,
    ) -> Result<(), GuestFail> {
        let (Some(td), Some(vcpu)) = (self.tds.get(&tdr), self.vcpus.get(&tdvpr)) else {
            return Err(TdxStatus::OPERAND_INVALID.into());
        };
        let p = &td.params;
        out.set(Reg::Rcx, u64::from(p.gpa_width()));
        out.set(Reg::Rdx, p.attributes);
        out.set(Reg::R8, u64::from(td.vcpus) | u64::from(p.max_vcpus) << 32);
        out.set(Reg::R9, u64::from(vcpu.guest.index));
        out.set(Reg::R10, 1);
        out.set(Reg::R11, 0);
        Ok(())
    }

    /// TDG.VP.VEINFO.GET: RCX, RDX, R8, R9 and R10 zeroed first; without
    /// valid #VE information `TDX_NO_VALID_VE_INFO`, else RCX = exit
    /// reason, RDX = exit qualification, R8 = GLA, R9 = GPA, R10 =
    /// instruction length and information (0 for an EPT violation), and
    /// the information is no longer valid (`tdg_vp_veinfo_get.c` lines
    /// 44–66 at 72d8cffb). Version 1 puts the #VE category in RCX bits
    /// 63:32; the model does not keep categories and reports 0.
    pub(super) fn tdg_vp_veinfo_get(&mut self, tdvpr: u64, out: &mut Out) -> Result<(), GuestFail> {
        for r in [Reg::Rcx, Reg::Rdx, Reg::R8, Reg::R9, Reg::R10] {
            out.set(r, 0);
        }
        let ve = self.vcpus.get_mut(&tdvpr).and_then(|v| v.guest.ve.take());
        let Some(ve) = ve else {
            return Err(TdxStatus::NO_VALID_VE_INFO.into());
        };
        out.set(Reg::Rcx, ve.exit_reason);
        out.set(Reg::Rdx, ve.qualification);
        out.set(Reg::R8, ve.gla);
        out.set(Reg::R9, ve.gpa);
        Ok(())
    }
}
