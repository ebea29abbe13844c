//! [`SeamcallError`]: what a declared leaf returns when the status is not 0.

use core::fmt;
use core::num::NonZeroU64;

use crate::status::TdxStatus;

// Linux's software codes, as `u64` for `match` patterns; the values are
// `TdxStatus`'s (one table of codes).
pub(crate) const TDX_SEAMCALL_VMFAILINVALID: u64 = TdxStatus::SEAMCALL_VMFAILINVALID.raw();
pub(crate) const TDX_SEAMCALL_UD: u64 = TdxStatus::SEAMCALL_UD.raw();
pub(crate) const TDX_SEAMCALL_GP: u64 = TdxStatus::SEAMCALL_GP.raw();

/// The exception `SEAMCALL` raised instead of reaching the TDX module.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Trap {
    /// #UD (vector 6): the CPU is not in VMX operation.
    InvalidOpcode,
    /// #GP (vector 13): TDX is not enabled, or SEAMCALL was issued outside
    /// VMX root operation at CPL 0.
    GeneralProtection,
}

impl Trap {
    /// The x86 exception vector: 6 for #UD, 13 for #GP.
    pub const fn vector(self) -> u8 {
        match self {
            Trap::InvalidOpcode => 6,
            Trap::GeneralProtection => 13,
        }
    }

    /// The trap for an exception vector, if SEAMCALL can raise it.
    pub const fn from_vector(vector: u8) -> Option<Trap> {
        match vector {
            6 => Some(Trap::InvalidOpcode),
            13 => Some(Trap::GeneralProtection),
            _ => None,
        }
    }

    /// The status the fixup pad loads for this trap (Linux's
    /// `TDX_SEAMCALL_UD` / `TDX_SEAMCALL_GP`).
    pub const fn status(self) -> TdxStatus {
        TdxStatus::from_raw(match self {
            Trap::InvalidOpcode => TDX_SEAMCALL_UD,
            Trap::GeneralProtection => TDX_SEAMCALL_GP,
        })
    }
}

/// What went wrong, decoded from a [`SeamcallError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The TDX module ran and returned a status other than 0. This includes
    /// informational statuses (bit 63 clear); see [`TdxStatus::is_error`].
    Status(TdxStatus),
    /// The instruction returned with CF=1 (VMfailInvalid): no TDX module is
    /// loaded, it was shut down, or P-SEAMLDR is busy.
    VmFailInvalid,
    /// The instruction faulted and the exception table resumed at its fixup.
    Fault(Trap),
}

/// The error of a declared leaf: the non-zero raw status, 8 bytes.
///
/// Faults and VMfailInvalid are stored as Linux's software codes
/// (`TDX_SEAMCALL_UD`, `TDX_SEAMCALL_GP`, `TDX_SEAMCALL_VMFAILINVALID`), so a
/// logged value compares directly with a Linux host's. The type is one
/// register wide on purpose: a wider error makes `Result<u64, _>` return
/// through memory.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
#[repr(transparent)]
pub struct SeamcallError(NonZeroU64);

const _: () = assert!(core::mem::size_of::<SeamcallError>() == 8);
const _: () = assert!(core::mem::size_of::<Result<(), SeamcallError>>() == 8);

impl SeamcallError {
    /// The error for a raw status, or `None` for 0 (success).
    #[inline(always)]
    pub const fn from_status(status: u64) -> Option<SeamcallError> {
        match NonZeroU64::new(status) {
            Some(v) => Some(SeamcallError(v)),
            None => None,
        }
    }

    /// The error for a trap, as the fixup pad reports it.
    pub const fn fault(trap: Trap) -> SeamcallError {
        SeamcallError(match NonZeroU64::new(trap.status().raw()) {
            Some(v) => v,
            None => unreachable!(),
        })
    }

    /// The error for VMfailInvalid (CF=1).
    pub const VM_FAIL_INVALID: SeamcallError =
        SeamcallError(match NonZeroU64::new(TDX_SEAMCALL_VMFAILINVALID) {
            Some(v) => v,
            None => unreachable!(),
        });

    /// The raw 64-bit status, as RAX held it (or as the fixup pad loaded it).
    #[inline(always)]
    pub const fn raw(self) -> u64 {
        self.0.get()
    }

    /// The raw status as a [`TdxStatus`].
    #[inline(always)]
    pub const fn status(self) -> TdxStatus {
        TdxStatus::from_raw(self.0.get())
    }

    /// Decode the error.
    pub const fn kind(self) -> ErrorKind {
        match self.0.get() {
            TDX_SEAMCALL_VMFAILINVALID => ErrorKind::VmFailInvalid,
            TDX_SEAMCALL_UD => ErrorKind::Fault(Trap::InvalidOpcode),
            TDX_SEAMCALL_GP => ErrorKind::Fault(Trap::GeneralProtection),
            raw => ErrorKind::Status(TdxStatus::from_raw(raw)),
        }
    }

    /// Whether the module ran and returned exactly `status` (the whole 64
    /// bits). Use [`TdxStatus::code`] to compare without the operand id.
    pub const fn is(self, status: TdxStatus) -> bool {
        self.0.get() == status.raw()
    }
}

impl fmt::Debug for SeamcallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SeamcallError({:#018x}: {})", self.raw(), self)
    }
}

impl fmt::Display for SeamcallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind() {
            ErrorKind::VmFailInvalid => {
                f.write_str("SEAMCALL VMfailInvalid (no TDX module loaded)")
            }
            ErrorKind::Fault(Trap::InvalidOpcode) => {
                f.write_str("SEAMCALL raised #UD (CPU not in VMX operation)")
            }
            ErrorKind::Fault(Trap::GeneralProtection) => {
                f.write_str("SEAMCALL raised #GP (TDX not enabled)")
            }
            ErrorKind::Status(s) => fmt::Display::fmt(&s, f),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn software_codes_decode() {
        let e = SeamcallError::from_status(0x8000_FF00_FFFF_0000).unwrap();
        assert_eq!(e.kind(), ErrorKind::VmFailInvalid);
        assert_eq!(e, SeamcallError::VM_FAIL_INVALID);
        let e = SeamcallError::from_status(0x8000_FF00_0000_0006).unwrap();
        assert_eq!(e.kind(), ErrorKind::Fault(Trap::InvalidOpcode));
        let e = SeamcallError::from_status(0x8000_FF00_0000_000D).unwrap();
        assert_eq!(e.kind(), ErrorKind::Fault(Trap::GeneralProtection));
        assert_eq!(SeamcallError::fault(Trap::GeneralProtection), e);
        assert!(SeamcallError::from_status(0).is_none());
    }

    #[test]
    fn module_status_decodes_as_status() {
        // TDX_OPERAND_BUSY with operand id RCX (1).
        let raw = 0x8000_0200_0000_0001;
        let e = SeamcallError::from_status(raw).unwrap();
        assert_eq!(e.kind(), ErrorKind::Status(TdxStatus::from_raw(raw)));
        assert_eq!(e.raw(), raw);
        // Informational status (bit 63 clear) is still an error of kind Status.
        let e = SeamcallError::from_status(0x0000_0B0A_0000_0000).unwrap();
        assert!(matches!(e.kind(), ErrorKind::Status(_)));
    }

    #[test]
    fn trap_vectors_round_trip() {
        for t in [Trap::InvalidOpcode, Trap::GeneralProtection] {
            assert_eq!(Trap::from_vector(t.vector()), Some(t));
        }
        assert_eq!(Trap::from_vector(14), None);
    }
}
