//! The TDG.VP.VMCALL exposure mask: which registers the VMM sees and may
//! change, as RCX encodes it.
//!
//! RCX bits 15:0 are GPR_SELECT, bit n for GPR n in the order RAX = 0,
//! RCX = 1, RDX = 2, RBX = 3, RSP = 4, RBP = 5, RSI = 6, RDI = 7, R8-R15 =
//! 8-15; bits 31:16 are XMM_SELECT, bit 16 + n for XMMn; bits 63:32 are
//! reserved (intel/tdx-module `include/tdx_api_defs.h` at 72d8cffb,
//! `tdvmcall_control_t` and `gprs_state_t`). The module refuses the call
//! with `TDX_OPERAND_INVALID` on RCX when bit 0, 1 or 4 is set, or bit 5
//! while the TD runs with `NO_RBP_MOD` (which KVM always sets).
//!
//! `#[tdvmcall]` computes its mask with [`exposure_mask`] while it expands
//! (R10, R11 and every declared register); `seamcall-core` re-exports the
//! module as `guest::vmcall`.

use crate::{Reg, RegSet};

/// Why a register cannot be exposed to the VMM.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MaskError {
    /// RAX carries the leaf (0) in and the module's status out.
    Rax,
    /// RCX carries the mask itself.
    Rcx,
    /// RSP is never exposed (GPR_SELECT bit 4 must be 0).
    Rsp,
    /// RBP cannot be exposed in a TD with `NO_RBP_MOD`: the module rejects
    /// the call.
    Rbp,
}

/// GPR_SELECT bit of a general register (RAX 0 … R15 15), or `None` for a
/// vector register.
pub const fn gpr_select_bit(r: Reg) -> Option<u32> {
    use Reg::*;
    Some(match r {
        Rax => 0,
        Rcx => 1,
        Rdx => 2,
        Rbx => 3,
        Rsp => 4,
        Rbp => 5,
        Rsi => 6,
        Rdi => 7,
        R8 => 8,
        R9 => 9,
        R10 => 10,
        R11 => 11,
        R12 => 12,
        R13 => 13,
        R14 => 14,
        R15 => 15,
        _ => return None,
    })
}

/// XMM_SELECT bit (16 + n) of XMMn, or `None` for a general register.
pub const fn xmm_select_bit(r: Reg) -> Option<u32> {
    if r.is_gpr() {
        None
    } else {
        Some(16 + (r.index() as u32 - Reg::Xmm0.index() as u32))
    }
}

/// The RCX value that exposes exactly `regs`: one GPR_SELECT bit per
/// general register, one XMM_SELECT bit per vector register. Refuses the
/// registers the module refuses (and RBP, see [`MaskError::Rbp`]); the
/// first refused register in encoding order is reported.
pub const fn exposure_mask(regs: RegSet) -> Result<u64, MaskError> {
    let mut mask = 0u64;
    let mut i = 0;
    while i < Reg::ALL.len() {
        let r = Reg::ALL[i];
        i += 1;
        if !regs.contains(r) {
            continue;
        }
        match r {
            Reg::Rax => return Err(MaskError::Rax),
            Reg::Rcx => return Err(MaskError::Rcx),
            Reg::Rsp => return Err(MaskError::Rsp),
            Reg::Rbp => return Err(MaskError::Rbp),
            _ => {}
        }
        let bit = match (gpr_select_bit(r), xmm_select_bit(r)) {
            (Some(b), _) | (None, Some(b)) => b,
            (None, None) => unreachable!(),
        };
        mask |= 1 << bit;
    }
    Ok(mask)
}

/// The registers a mask exposes (bits 63:32 ignored).
pub const fn exposed(mask: u64) -> RegSet {
    let mut set = RegSet::EMPTY;
    let mut i = 0;
    while i < Reg::ALL.len() {
        let r = Reg::ALL[i];
        i += 1;
        let bit = match (gpr_select_bit(r), xmm_select_bit(r)) {
            (Some(b), _) | (None, Some(b)) => b,
            (None, None) => unreachable!(),
        };
        if mask & (1 << bit) != 0 {
            set = set.union(RegSet::of(&[r]));
        }
    }
    set
}

#[cfg(test)]
mod tests {
    use super::*;
    use Reg::*;

    #[test]
    fn masks_of_the_peers() {
        // Linux's TDVMCALL_EXPOSE_REGS_MASK: RDX, RBX, RSI, RDI, R8-R15.
        let linux = RegSet::of(&[Rdx, Rbx, Rsi, Rdi, R8, R9, R10, R11, R12, R13, R14, R15]);
        assert_eq!(exposure_mask(linux), Ok(0xFFCC));
        // R10-R15 (td-shim's asm_td_vmcall).
        assert_eq!(
            exposure_mask(RegSet::of(&[R10, R11, R12, R13, R14, R15])),
            Ok(0xFC00)
        );
        // OpenVMM's RDMSR (R10, R11, R12) and Hyper-V (RDX, R8, R10, R11).
        assert_eq!(exposure_mask(RegSet::of(&[R10, R11, R12])), Ok(0x1C00));
        assert_eq!(exposure_mask(RegSet::of(&[Rdx, R8, R10, R11])), Ok(0x0D04));
        assert_eq!(exposure_mask(RegSet::EMPTY), Ok(0));
        assert_eq!(
            exposure_mask(RegSet::of(&[Xmm0, Xmm15, R10])),
            Ok(0x8001_0400)
        );
    }

    #[test]
    fn refused_registers() {
        assert_eq!(exposure_mask(RegSet::of(&[Rax, R10])), Err(MaskError::Rax));
        assert_eq!(exposure_mask(RegSet::of(&[R12, Rcx])), Err(MaskError::Rcx));
        assert_eq!(exposure_mask(RegSet::of(&[Rsp])), Err(MaskError::Rsp));
        // edk2's old 0xFFEC exposed RBP (bit 5).
        assert!(exposed(0xFFEC).contains(Rbp));
        assert_eq!(exposure_mask(exposed(0xFFEC)), Err(MaskError::Rbp));
    }

    #[test]
    fn every_bit_round_trips() {
        for r in Reg::ALL {
            let bit = gpr_select_bit(r).or(xmm_select_bit(r)).unwrap();
            assert_eq!(exposed(1 << bit), RegSet::of(&[r]), "{r}");
            if matches!(r, Rax | Rcx | Rsp | Rbp) {
                assert!(exposure_mask(RegSet::of(&[r])).is_err());
            } else {
                assert_eq!(exposure_mask(RegSet::of(&[r])), Ok(1 << bit));
            }
        }
    }
}
