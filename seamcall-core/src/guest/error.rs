//! [`TdcallError`] and [`TdvmcallError`]: what a declared guest call
//! returns when it did not succeed. Both are one register wide, so
//! `Result<(), _>` is 8 bytes and `Result<u64, _>` comes back in RAX:RDX.

use core::fmt;
use core::num::NonZeroU64;

use super::status::{self, Info, TdvmcallStatus};
use crate::error::Trap;
use crate::status::TdxStatus;

/// Linux's software codes for an instruction that raised #UD / #GP instead
/// of reaching the TDX module. Class 0xFF, which the module never returns;
/// the same values as on the host side, so the fixup pads are shared.
const FAULT_UD: u64 = TdxStatus::SEAMCALL_UD.raw();
const FAULT_GP: u64 = TdxStatus::SEAMCALL_GP.raw();

/// What went wrong, decoded from a [`TdcallError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TdcallErrorKind {
    /// The TDX module ran and returned a status other than 0. This includes
    /// the success-with-information statuses (bit 63 clear), which
    /// [`TdcallError::info`] decodes.
    Status(TdxStatus),
    /// `TDCALL` faulted and the exception table resumed at its fixup: #UD
    /// when the CPU is not in a TD (bare metal, VMX root, an ordinary
    /// guest under a hypervisor that injects #UD), #GP at CPL > 0.
    Fault(Trap),
}

/// The error of a declared `TDCALL` leaf: the non-zero raw status, 8 bytes.
///
/// A fault is stored as Linux's software code (`0x8000_FF00_0000_0006` for
/// #UD, `…_000D` for #GP), a class the TDX module never uses, so every value
/// has one meaning.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(transparent)]
pub struct TdcallError(NonZeroU64);

crate::error::raw_status_error!(TdcallError);

impl TdcallError {
    /// Decode the error.
    pub const fn kind(self) -> TdcallErrorKind {
        match self.0.get() {
            FAULT_UD => TdcallErrorKind::Fault(Trap::InvalidOpcode),
            FAULT_GP => TdcallErrorKind::Fault(Trap::GeneralProtection),
            raw => TdcallErrorKind::Status(TdxStatus::from_raw(raw)),
        }
    }

    /// The status code to compare: bits 63:32 without bit 60 (the host
    /// recoverability hint, which the module may copy into the TD's RAX
    /// after a trap-like TD exit). See [`status::code`].
    pub const fn code(self) -> TdxStatus {
        status::code(self.status())
    }

    /// Whether the module returned `code`, whatever the details (bits 31:0)
    /// and bit 60: `e.is(TdxStatus::PAGE_ALREADY_ACCEPTED)`.
    pub const fn is(self, code: TdxStatus) -> bool {
        status::same_code(self.status(), code)
    }

    /// The success-with-information status this error carries, if it is
    /// one (bit 63 clear): an already accepted page with its level, the
    /// first field ID of a metadata read, …
    pub const fn info(self) -> Option<Info> {
        Info::of(self.status())
    }
}

impl fmt::Display for TdcallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind() {
            TdcallErrorKind::Fault(Trap::InvalidOpcode) => {
                f.write_str("TDCALL raised #UD (not running inside a TD)")
            }
            TdcallErrorKind::Fault(Trap::GeneralProtection) => {
                f.write_str("TDCALL raised #GP (issued at CPL > 0, or not in 64-bit mode)")
            }
            TdcallErrorKind::Status(s) => status::fmt_status(s, f),
        }
    }
}

/// What went wrong in a TDG.VP.VMCALL, decoded from a [`TdvmcallError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TdvmcallErrorKind {
    /// The TDX module refused the call (RAX != 0) and nothing reached the
    /// VMM: a bad exposure mask gives `TDX_OPERAND_INVALID` with operand
    /// RCX (`0xC000_0100_0000_0001`).
    Rejected(TdxStatus),
    /// `TDCALL` faulted and the exception table resumed at its fixup (see
    /// [`TdcallErrorKind::Fault`]).
    Fault(Trap),
    /// The VMM handled the call and returned a non-zero status in R10.
    Vmm(TdvmcallStatus),
}

/// The error of a declared TDG.VP.VMCALL, 8 bytes: either the module
/// rejected the call (RAX, a TDX status) or the VMM answered with a
/// non-zero GHCI status (R10).
///
/// # Encoding
///
/// One `u64`, never 0. Bits 59:48 of a TDX status are reserved and 0 in
/// every status the module (or a fixup pad) produces, so a module status is
/// stored with those bits set to `0x800` (bit 59 alone) and a VMM status is
/// stored as R10 held it. R10 comes from the untrusted VMM and can hold any
/// value; the one collision, an R10 whose bits 59:48 are exactly `0x800`
/// (no GHCI status, no small positive or negative number), is stored with
/// bit 48 also set, so it stays a VMM status and differs from the original
/// in that bit only.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(transparent)]
pub struct TdvmcallError(NonZeroU64);

const _: () = assert!(core::mem::size_of::<TdvmcallError>() == 8);
const _: () = assert!(core::mem::size_of::<Result<(), TdvmcallError>>() == 8);
const _: () = assert!(core::mem::size_of::<Result<u64, TdvmcallError>>() == 16);

/// Bits 59:48: reserved in a TDX status, the tag of [`TdvmcallError`].
const TAG_MASK: u64 = 0x0FFF_0000_0000_0000;
/// The tag of a module status (bit 59).
const TAG_MODULE: u64 = 0x0800_0000_0000_0000;
/// Added to an R10 value that carries [`TAG_MODULE`] by itself.
const TAG_COLLISION: u64 = 0x0001_0000_0000_0000;

impl TdvmcallError {
    /// The error for a module status (RAX after the call), or `None` for 0.
    /// A non-zero status is stored with its reserved bits 59:48 cleared (no
    /// status the module defines sets them).
    #[inline(always)]
    pub const fn from_module(rax: u64) -> Option<TdvmcallError> {
        // Tested before anything is computed: the success path is one
        // `test` and a branch.
        if rax == 0 {
            return None;
        }
        match NonZeroU64::new((rax & !TAG_MASK) | TAG_MODULE) {
            Some(v) => Some(TdvmcallError(v)),
            None => None,
        }
    }

    /// The error for the VMM's R10 after a standard GHCI call, or `None`
    /// for 0 (`TDG.VP.VMCALL_SUCCESS`). See the type's documentation for
    /// the one value stored with a bit changed.
    #[inline(always)]
    pub const fn from_vmm(r10: u64) -> Option<TdvmcallError> {
        if r10 == 0 {
            return None;
        }
        let stored = if r10 & TAG_MASK == TAG_MODULE {
            r10 | TAG_COLLISION
        } else {
            r10
        };
        match NonZeroU64::new(stored) {
            Some(v) => Some(TdvmcallError(v)),
            None => None,
        }
    }

    /// The error a fixup pad reports for `trap`.
    pub const fn fault(trap: Trap) -> TdvmcallError {
        match TdvmcallError::from_module(trap.status().raw()) {
            Some(e) => e,
            None => unreachable!(),
        }
    }

    /// The stored value (see the type's documentation); use
    /// [`kind`](TdvmcallError::kind) to read it.
    #[inline(always)]
    pub const fn to_bits(self) -> u64 {
        self.0.get()
    }

    /// Decode the error.
    pub const fn kind(self) -> TdvmcallErrorKind {
        let v = self.0.get();
        if v & TAG_MASK != TAG_MODULE {
            return TdvmcallErrorKind::Vmm(TdvmcallStatus::from_raw(v));
        }
        match v & !TAG_MASK {
            FAULT_UD => TdvmcallErrorKind::Fault(Trap::InvalidOpcode),
            FAULT_GP => TdvmcallErrorKind::Fault(Trap::GeneralProtection),
            raw => TdvmcallErrorKind::Rejected(TdxStatus::from_raw(raw)),
        }
    }

    /// The VMM's status, when the VMM answered.
    pub const fn vmm_status(self) -> Option<TdvmcallStatus> {
        match self.kind() {
            TdvmcallErrorKind::Vmm(s) => Some(s),
            _ => None,
        }
    }

    /// Whether the VMM asked the guest to try again (`TDVMCALL_STATUS_RETRY`;
    /// for MapGPA, R11 then holds the GPA to resume at).
    pub const fn is_retry(self) -> bool {
        matches!(self.vmm_status(), Some(s) if s.raw() == TdvmcallStatus::RETRY.raw())
    }
}

impl fmt::Debug for TdvmcallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind() {
            TdvmcallErrorKind::Vmm(s) => {
                write!(f, "TdvmcallError(R10 = {:#018x}: {self})", s.raw())
            }
            TdvmcallErrorKind::Rejected(s) => {
                write!(f, "TdvmcallError(RAX = {:#018x}: {self})", s.raw())
            }
            TdvmcallErrorKind::Fault(_) => write!(f, "TdvmcallError({self})"),
        }
    }
}

impl fmt::Display for TdvmcallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind() {
            TdvmcallErrorKind::Vmm(s) => write!(f, "the VMM returned {s}"),
            TdvmcallErrorKind::Rejected(s) => {
                f.write_str("the TDX module rejected the TDG.VP.VMCALL: ")?;
                status::fmt_status(s, f)
            }
            TdvmcallErrorKind::Fault(t) => fmt::Display::fmt(&TdcallError::fault(t), f),
        }
    }
}

impl core::error::Error for TdvmcallError {}

#[cfg(test)]
mod tests {
    extern crate std;
    use std::format;
    use std::string::ToString;

    use super::*;

    #[test]
    fn tdcall_faults_and_statuses_decode() {
        let ud = TdcallError::fault(Trap::InvalidOpcode);
        assert_eq!(ud.raw(), 0x8000_FF00_0000_0006);
        assert_eq!(ud.kind(), TdcallErrorKind::Fault(Trap::InvalidOpcode));
        let gp = TdcallError::from_status(0x8000_FF00_0000_000D).unwrap();
        assert_eq!(gp.kind(), TdcallErrorKind::Fault(Trap::GeneralProtection));
        assert!(TdcallError::from_status(0).is_none());
        // TDX_OPERAND_INVALID on RAX (a bad leaf): a module status.
        let e = TdcallError::from_status(0xC000_0100_0000_0000).unwrap();
        assert_eq!(
            e.kind(),
            TdcallErrorKind::Status(TdxStatus::from_raw(0xC000_0100_0000_0000))
        );
        assert!(e.is(TdxStatus::OPERAND_INVALID));
        assert_eq!(e.to_string(), "TDX_OPERAND_INVALID (operand RAX)");
        assert_eq!(
            ud.to_string(),
            "TDCALL raised #UD (not running inside a TD)"
        );
        let e = TdcallError::from_status(0x9000_0200_0000_00A8).unwrap();
        assert!(e.to_string().starts_with("TDX_OPERAND_BUSY"), "{e}");
        assert!(
            e.to_string().ends_with("(host recoverability hint set)"),
            "{e}"
        );
        let e = TdcallError::from_status(0x0000_0B0A_0000_0001).unwrap();
        assert_eq!(e.to_string(), "TDX_PAGE_ALREADY_ACCEPTED (2 MiB)");
    }

    #[test]
    fn bit_60_does_not_change_the_code() {
        // OPERAND_BUSY on RCX with the host recoverability hint copied in.
        let e = TdcallError::from_status(0x9000_0200_0000_0001).unwrap();
        assert!(e.is(TdxStatus::OPERAND_BUSY));
        assert_eq!(e.code(), TdxStatus::OPERAND_BUSY);
        assert!(!TdcallError::from_status(0x8000_0201_0000_0000)
            .unwrap()
            .is(TdxStatus::OPERAND_BUSY));
    }

    #[test]
    fn tdvmcall_module_and_vmm_statuses_stay_apart() {
        let rejected = TdvmcallError::from_module(0xC000_0100_0000_0001).unwrap();
        assert_eq!(
            rejected.kind(),
            TdvmcallErrorKind::Rejected(TdxStatus::from_raw(0xC000_0100_0000_0001))
        );
        assert_eq!(
            TdvmcallError::fault(Trap::GeneralProtection).kind(),
            TdvmcallErrorKind::Fault(Trap::GeneralProtection)
        );
        assert_eq!(
            TdvmcallError::fault(Trap::InvalidOpcode).kind(),
            TdvmcallErrorKind::Fault(Trap::InvalidOpcode)
        );
        for r10 in [
            1,
            0x8000_0000_0000_0000,
            0x8000_0000_0000_0001,
            0x8000_0000_0000_0002,
            0x8000_0000_0000_0003,
            0x8000_0000_0000_0004,
            u64::MAX,
            0xC000_0100_0000_0001, // a VMM that answers with a TDX-looking value
            0x8000_FF00_0000_0006,
        ] {
            let e = TdvmcallError::from_vmm(r10).unwrap();
            assert_eq!(
                e.kind(),
                TdvmcallErrorKind::Vmm(TdvmcallStatus::from_raw(r10)),
                "{r10:#x}"
            );
        }
        assert!(TdvmcallError::from_vmm(0).is_none());
        assert!(TdvmcallError::from_module(0).is_none());
        // The one collision stays a VMM status, one bit apart.
        let odd = 0x0800_0000_0000_0000;
        let e = TdvmcallError::from_vmm(odd).unwrap();
        assert_eq!(
            e.kind(),
            TdvmcallErrorKind::Vmm(TdvmcallStatus::from_raw(odd | 1 << 48))
        );
        assert!(TdvmcallError::from_vmm(1).unwrap().is_retry());
        assert!(!rejected.is_retry());
    }

    #[test]
    fn tdvmcall_display_names_both_sides() {
        let e = TdvmcallError::from_vmm(0x8000_0000_0000_0003).unwrap();
        assert_eq!(
            e.to_string(),
            "the VMM returned TDVMCALL_STATUS_SUBFUNC_UNSUPPORTED"
        );
        let e = TdvmcallError::from_vmm(0x8000_0000_0000_0042).unwrap();
        assert_eq!(
            e.to_string(),
            "the VMM returned TDVMCALL status 0x8000000000000042"
        );
        let e = TdvmcallError::from_module(0xC000_0100_0000_0001).unwrap();
        assert_eq!(
            e.to_string(),
            "the TDX module rejected the TDG.VP.VMCALL: TDX_OPERAND_INVALID (operand RCX)"
        );
        assert!(format!("{e:?}").contains("RAX = 0xc000010000000001"));
        let e = TdvmcallError::fault(Trap::InvalidOpcode);
        assert_eq!(e.to_string(), "TDCALL raised #UD (not running inside a TD)");
    }

    #[test]
    fn tdcall_debug_is_the_name_the_raw_value_and_display() {
        assert_eq!(
            format!("{:?}", TdcallError::fault(Trap::InvalidOpcode)),
            "TdcallError(0x8000ff0000000006: TDCALL raised #UD (not running inside a TD))"
        );
    }

    #[test]
    fn errors_are_error_trait_objects() {
        fn takes(_: &dyn core::error::Error) {}
        takes(&TdcallError::fault(Trap::InvalidOpcode));
        takes(&TdvmcallError::from_vmm(1).unwrap());
    }
}
