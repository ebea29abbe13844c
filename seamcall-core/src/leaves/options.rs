//! Typed operands of the leaves whose register layout newer module releases
//! changed: the TDH.SYS.CONFIG option word, and the reserved registers of
//! the version-1 setup leaves.

use crate::reg::IntoReg;
use crate::types::Hkid;

/// R8 of TDH.SYS.CONFIG: the global private HKID in bits 15:0 and, from
/// module 1.5.20 on, Dynamic PAMT in bit 16 (`sys_config_options_t`,
/// intel/tdx-module `include/tdx_api_defs.h` at e69a4391, release 2.0.18;
/// the `TDH.SYS.CONFIG` rows of `tests/data/tdx-abi/writes-2.0.tsv`). Bits
/// 63:17 are reserved: the module answers `TDX_OPERAND_INVALID` (operand
/// R8) when one is set, and so does a module older than 1.5.20 for bit 16,
/// which it reads as part of an out-of-range HKID.
///
/// Built from an [`Hkid`] alone it is the value Linux passes (the KeyID
/// with nothing else set), so `Hkid(32).into()` is the 1.5.01 call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SysConfigOptions(u64);

impl SysConfigOptions {
    /// Bit 16: turn Dynamic PAMT on (PAMT pages for 4 KiB mappings are then
    /// added with TDH.PHYMEM.PAMT.ADD and freed by TDH.MEM.PAGE.PROMOTE and
    /// TDH.PHYMEM.PAMT.REMOVE instead of being reserved up front).
    pub const DYNAMIC_PAMT: u64 = 1 << 16;

    /// The global private key `hkid`, nothing else.
    pub const fn new(hkid: Hkid) -> SysConfigOptions {
        SysConfigOptions(hkid.0 as u64)
    }

    /// The same options with Dynamic PAMT turned on (modules 1.5.20 and
    /// later).
    pub const fn with_dynamic_pamt(self) -> SysConfigOptions {
        SysConfigOptions(self.0 | Self::DYNAMIC_PAMT)
    }

    /// The HKID (bits 15:0).
    pub const fn hkid(self) -> Hkid {
        Hkid(self.0 as u16)
    }

    /// Whether bit 16 asks for Dynamic PAMT.
    pub const fn dynamic_pamt(self) -> bool {
        self.0 & Self::DYNAMIC_PAMT != 0
    }

    /// The register value.
    pub const fn raw(self) -> u64 {
        self.0
    }
}

impl From<Hkid> for SysConfigOptions {
    fn from(hkid: Hkid) -> SysConfigOptions {
        SysConfigOptions::new(hkid)
    }
}

impl IntoReg for SysConfigOptions {
    #[inline(always)]
    fn into_reg(self) -> u64 {
        self.0
    }
}

/// A register the leaf reads and requires to be 0 (R10 of the version-1
/// forms of TDH.SYS.CONFIG and TDH.SYS.UPDATE: the module answers
/// `TDX_OPERAND_INVALID` with operand R10 otherwise). Declared as an input
/// so that the register is 0 rather than whatever the compiler left there;
/// the only value of the type is `Reserved`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Reserved;

impl IntoReg for Reserved {
    #[inline(always)]
    fn into_reg(self) -> u64 {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn option_word_layout() {
        let o = SysConfigOptions::new(Hkid(0x1234));
        assert_eq!(o.raw(), 0x1234);
        assert!(!o.dynamic_pamt());
        let d = o.with_dynamic_pamt();
        assert_eq!(d.raw(), 0x1_1234);
        assert!(d.dynamic_pamt());
        assert_eq!(d.hkid(), Hkid(0x1234));
        assert_eq!(SysConfigOptions::from(Hkid(32)).into_reg(), 32);
        assert_eq!(Reserved.into_reg(), 0);
    }
}
