//! Status helpers for the guest side: how a TD compares the codes it meets
//! (the constants are [`TdxStatus`]'s: `TdxStatus::PAGE_ALREADY_ACCEPTED`,
//! …), the success-with-information statuses, and the VMM's GHCI status.
//!
//! A `TDCALL` status has the layout of a `SEAMCALL` status ([`TdxStatus`]):
//! code in bits 63:32, details in bits 31:0. Two things differ for a guest:
//!
//! * Bit 60, the host recoverability hint, can appear in the TD's RAX: after
//!   a trap-like TD exit (a cross-TD failure, a host-priority lock timeout)
//!   the module copies the host's hint into it on the next TDH.VP.ENTER
//!   (intel/tdx-module `src/td_transitions/tdh_vp_enter.c` at 72d8cffb,
//!   lines 859-867). [`code`] and [`same_code`] mask it before comparing.
//! * Some statuses with bit 63 clear are not plain success but are not
//!   failures either ([`Info`]): `TDX_PAGE_ALREADY_ACCEPTED` carries the
//!   S-EPT level in bits 31:0 (`tdg_mem_page_accept.c` at 72d8cffb, lines
//!   197-206), so it must not be compared by exact value: an already
//!   accepted 2 MiB page returns `0x0000_0B0A_0000_0001`.
//!
//! The register facts are vendored under `tests/data/tdx-abi/guest/`.

use core::fmt;

use crate::status::TdxStatus;
use crate::types::SeptLevel;

/// Bit 60, the host recoverability hint.
const HINT: u64 = TdxStatus::HOST_RECOVERABILITY_HINT_BIT;

/// The code of a status as a guest compares it: bits 63:32 without bit 60.
#[inline]
pub const fn code(status: TdxStatus) -> TdxStatus {
    TdxStatus::from_raw(status.raw() & TdxStatus::STATUS_MASK & !HINT)
}

/// Whether two statuses have the same code, ignoring the details (bits
/// 31:0) and the host recoverability hint (bit 60).
#[inline]
pub const fn same_code(a: TdxStatus, b: TdxStatus) -> bool {
    code(a).raw() == code(b).raw()
}

/// The name of a status code as a guest compares it
/// (`"TDX_PAGE_ALREADY_ACCEPTED"`): [`TdxStatus::name`] of the status
/// without bit 60.
pub const fn name(status: TdxStatus) -> Option<&'static str> {
    TdxStatus::from_raw(status.raw() & !HINT).name()
}

/// A success-with-information status: bit 63 clear, not 0, and a code that
/// says the call did what was asked (or what it means instead).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Info {
    /// `TDX_PAGE_ALREADY_ACCEPTED`: the page was accepted before, at this
    /// S-EPT level (bits 31:0; [`SeptLevel::L2M`] for a 2 MiB page).
    PageAlreadyAccepted {
        /// The level of the existing mapping.
        level: SeptLevel,
    },
    /// `TDX_METADATA_FIRST_FIELD_ID_IN_CONTEXT`: a read with the null field
    /// ID returned the first field ID (in RDX) instead of a value.
    MetadataFirstFieldId,
    /// `TDX_METADATA_FIELD_SKIP`.
    MetadataFieldSkip,
    /// A TDG.VP.ENTER exit: the L2 or TD-exit case (class 0x11, or class 0
    /// for an ordinary L2-to-L1 exit) with the L2 exit reason in bits 31:0.
    L2Exit {
        /// The status code (bits 63:32), e.g.
        /// [`TdxStatus::L2_EXIT_HOST_ROUTED_TDVMCALL`].
        case: TdxStatus,
        /// The L2 VM-exit reason.
        exit_reason: u32,
    },
}

impl Info {
    /// The information a status carries, or `None` for success (0), an
    /// error (bit 63 set) and codes not listed here.
    pub const fn of(status: TdxStatus) -> Option<Info> {
        let raw = status.raw();
        if raw == 0 || status.is_error() {
            return None;
        }
        let c = code(status).raw();
        let details = raw as u32;
        if c == TdxStatus::PAGE_ALREADY_ACCEPTED.raw() {
            if details > u8::MAX as u32 {
                return None;
            }
            return match SeptLevel::new(details as u8) {
                Some(level) => Some(Info::PageAlreadyAccepted { level }),
                None => None,
            };
        }
        if c == TdxStatus::METADATA_FIRST_FIELD_ID_IN_CONTEXT.raw() {
            return Some(Info::MetadataFirstFieldId);
        }
        if c == TdxStatus::METADATA_FIELD_SKIP.raw() {
            return Some(Info::MetadataFieldSkip);
        }
        // Class 0 with bits 63:32 all clear (an ordinary L2-to-L1 exit), or
        // class 0x11.
        if c == 0 || (c >> 40) as u8 == 0x11 {
            return Some(Info::L2Exit {
                case: TdxStatus::from_raw(c),
                exit_reason: details,
            });
        }
        None
    }
}

/// Whether `status` is `TDX_PAGE_ALREADY_ACCEPTED`, at any level, with or
/// without bit 60: the level it reports, or `None` for any other status.
pub const fn already_accepted(status: TdxStatus) -> Option<SeptLevel> {
    match Info::of(status) {
        Some(Info::PageAlreadyAccepted { level }) => Some(level),
        _ => None,
    }
}

/// Display a guest status: as [`TdxStatus`] does, bit 60 masked (and said),
/// the level for the page codes.
pub(crate) fn fmt_status(s: TdxStatus, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let details = s.raw() as u32;
    match name(s) {
        Some(n)
            if same_code(s, TdxStatus::PAGE_ALREADY_ACCEPTED)
                || same_code(s, TdxStatus::PAGE_SIZE_MISMATCH) =>
        {
            match details {
                0 => write!(f, "{n} (4 KiB)"),
                1 => write!(f, "{n} (2 MiB)"),
                2 => write!(f, "{n} (1 GiB)"),
                l => write!(f, "{n} (level {l})"),
            }
        }
        _ => {
            fmt::Display::fmt(&TdxStatus::from_raw(s.raw() & !HINT), f)?;
            if s.raw() & HINT != 0 {
                f.write_str(" (host recoverability hint set)")?;
            }
            Ok(())
        }
    }
}

/// The GHCI status the VMM returns in R10 after a standard TDG.VP.VMCALL
/// (R10 = 0 on input). Bit 63 set means an error. The values come from the
/// guests and VMMs that define them (Linux KVM `arch/x86/kvm/vmx/tdx.c` at
/// 3829d81b, td-shim, QEMU); any other value a VMM writes is kept as it is.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(transparent)]
pub struct TdvmcallStatus(u64);

impl TdvmcallStatus {
    /// `TDG.VP.VMCALL_SUCCESS`.
    pub const SUCCESS: TdvmcallStatus = TdvmcallStatus(0);
    /// `TDG.VP.VMCALL_RETRY`: try again (MapGPA: R11 holds the GPA to
    /// resume at).
    pub const RETRY: TdvmcallStatus = TdvmcallStatus(1);
    /// `TDG.VP.VMCALL_INVALID_OPERAND`.
    pub const INVALID_OPERAND: TdvmcallStatus = TdvmcallStatus(0x8000_0000_0000_0000);
    /// `TDG.VP.VMCALL_GPA_INUSE` (defined by td-shim, QEMU and others; not
    /// returned by KVM).
    pub const GPA_INUSE: TdvmcallStatus = TdvmcallStatus(0x8000_0000_0000_0001);
    /// `TDG.VP.VMCALL_ALIGN_ERROR`.
    pub const ALIGN_ERROR: TdvmcallStatus = TdvmcallStatus(0x8000_0000_0000_0002);
    /// `TDG.VP.VMCALL_SUBFUNC_UNSUPPORTED`: KVM's answer to a sub-function
    /// it does not handle.
    pub const SUBFUNC_UNSUPPORTED: TdvmcallStatus = TdvmcallStatus(0x8000_0000_0000_0003);

    const NAMED: [(TdvmcallStatus, &'static str); 6] = [
        (Self::SUCCESS, "TDVMCALL_STATUS_SUCCESS"),
        (Self::RETRY, "TDVMCALL_STATUS_RETRY"),
        (Self::INVALID_OPERAND, "TDVMCALL_STATUS_INVALID_OPERAND"),
        (Self::GPA_INUSE, "TDVMCALL_STATUS_GPA_INUSE"),
        (Self::ALIGN_ERROR, "TDVMCALL_STATUS_ALIGN_ERROR"),
        (
            Self::SUBFUNC_UNSUPPORTED,
            "TDVMCALL_STATUS_SUBFUNC_UNSUPPORTED",
        ),
    ];

    /// Wrap R10.
    #[inline(always)]
    pub const fn from_raw(raw: u64) -> TdvmcallStatus {
        TdvmcallStatus(raw)
    }

    /// The raw value.
    #[inline(always)]
    pub const fn raw(self) -> u64 {
        self.0
    }

    /// Bit 63: an error.
    pub const fn is_error(self) -> bool {
        self.0 >> 63 != 0
    }

    /// The GHCI name (`"TDVMCALL_STATUS_RETRY"`), or `None` for a value no
    /// GHCI implementation defines.
    pub const fn name(self) -> Option<&'static str> {
        let mut i = 0;
        while i < Self::NAMED.len() {
            if Self::NAMED[i].0 .0 == self.0 {
                return Some(Self::NAMED[i].1);
            }
            i += 1;
        }
        None
    }
}

impl fmt::Display for TdvmcallStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => f.write_str(n),
            None => write!(f, "TDVMCALL status {:#018x}", self.0),
        }
    }
}

impl fmt::Debug for TdvmcallStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TdvmcallStatus({:#018x}: {self})", self.0)
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use std::string::ToString;

    use super::*;

    #[test]
    fn already_accepted_is_recognised_at_every_level() {
        // td-shim compares 0x00000B0A00000000 exactly: level 1 (2 MiB) is
        // what it misses.
        assert_eq!(
            already_accepted(TdxStatus::from_raw(0x0000_0B0A_0000_0001)),
            Some(SeptLevel::L2M)
        );
        assert_eq!(
            already_accepted(TdxStatus::from_raw(0x0000_0B0A_0000_0000)),
            Some(SeptLevel::L4K)
        );
        // With the host recoverability hint.
        assert_eq!(
            already_accepted(TdxStatus::from_raw(0x1000_0B0A_0000_0001)),
            Some(SeptLevel::L2M)
        );
        assert_eq!(already_accepted(TdxStatus::PAGE_SIZE_MISMATCH), None);
        assert_eq!(already_accepted(TdxStatus::SUCCESS), None);
        assert_eq!(
            already_accepted(TdxStatus::from_raw(0x0000_0B0A_0000_0009)),
            None
        );
    }

    #[test]
    fn info_decodes_without_exact_values() {
        assert_eq!(
            Info::of(TdxStatus::from_raw(0x0000_0C0B_0000_0000)),
            Some(Info::MetadataFirstFieldId)
        );
        assert_eq!(
            Info::of(TdxStatus::METADATA_FIELD_SKIP),
            Some(Info::MetadataFieldSkip)
        );
        assert_eq!(
            Info::of(TdxStatus::from_raw(0x0000_1101_0000_0030)),
            Some(Info::L2Exit {
                case: TdxStatus::L2_EXIT_HOST_ROUTED_TDVMCALL,
                exit_reason: 0x30
            })
        );
        assert_eq!(
            Info::of(TdxStatus::from_raw(0x0000_0000_0000_000C)),
            Some(Info::L2Exit {
                case: TdxStatus::SUCCESS,
                exit_reason: 12
            })
        );
        assert_eq!(Info::of(TdxStatus::SUCCESS), None);
        assert_eq!(Info::of(TdxStatus::PAGE_SIZE_MISMATCH), None);
        assert_eq!(Info::of(TdxStatus::OPERAND_INVALID), None);
    }

    #[test]
    fn codes_mask_the_hint_and_the_details() {
        let busy_hint = TdxStatus::from_raw(0x9000_0200_0000_00A8);
        assert_eq!(code(busy_hint), TdxStatus::OPERAND_BUSY);
        assert!(same_code(busy_hint, TdxStatus::OPERAND_BUSY));
        assert!(!same_code(busy_hint, TdxStatus::SYS_BUSY));
        assert_eq!(
            name(TdxStatus::from_raw(0x0000_0B0A_0000_0001)),
            Some("TDX_PAGE_ALREADY_ACCEPTED")
        );
        // Bit 60 does not hide the name.
        assert_eq!(name(busy_hint), Some("TDX_OPERAND_BUSY"));
        assert_eq!(busy_hint.name(), None, "TdxStatus::name looks at bit 60");
    }

    #[test]
    fn vmm_status_names() {
        assert_eq!(TdvmcallStatus::RETRY.to_string(), "TDVMCALL_STATUS_RETRY");
        assert_eq!(
            TdvmcallStatus::from_raw(0x8000_0000_0000_0002).to_string(),
            "TDVMCALL_STATUS_ALIGN_ERROR"
        );
        assert!(TdvmcallStatus::GPA_INUSE.is_error());
        assert!(!TdvmcallStatus::RETRY.is_error());
        assert_eq!(TdvmcallStatus::from_raw(7).name(), None);
    }
}
