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
///
/// `#[non_exhaustive]`: a `match` needs a `_` arm, so that a vector added in
/// a later release is not a breaking change:
///
/// ```compile_fail,E0004
/// use seamcall_core::Trap;
///
/// fn vector(t: Trap) -> u8 {
///     match t {
///         Trap::InvalidOpcode => 6,
///         Trap::GeneralProtection => 13,
///     }
/// }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
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
///
/// `#[non_exhaustive]`: a `match` needs a `_` arm, so that a kind added in a
/// later release is not a breaking change:
///
/// ```compile_fail,E0004
/// use seamcall_core::ErrorKind;
///
/// fn fault(k: ErrorKind) -> bool {
///     match k {
///         ErrorKind::Status(_) | ErrorKind::VmFailInvalid => false,
///         ErrorKind::Fault(_) => true,
///     }
/// }
/// ```
///
/// With the `_` arm:
///
/// ```
/// use seamcall_core::{ErrorKind, SeamcallError, TdxStatus, Trap};
///
/// fn explain(e: SeamcallError) -> &'static str {
///     match e.kind() {
///         ErrorKind::Status(s) if s.code() == TdxStatus::OPERAND_BUSY => "busy: try again",
///         ErrorKind::Status(_) => "the module refused the call",
///         ErrorKind::VmFailInvalid => "no TDX module is loaded",
///         ErrorKind::Fault(Trap::InvalidOpcode) => "not in VMX operation",
///         ErrorKind::Fault(_) => "TDX is not enabled",
///         _ => "something this version does not know",
///     }
/// }
///
/// let busy = SeamcallError::from_status(0x8000_0200_0000_0001).unwrap();
/// assert_eq!(explain(busy), "busy: try again");
/// assert_eq!(explain(SeamcallError::VM_FAIL_INVALID), "no TDX module is loaded");
/// assert_eq!(explain(SeamcallError::fault(Trap::GeneralProtection)), "TDX is not enabled");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
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
///
/// It implements [`core::error::Error`] (without `std`), so `?` converts it
/// into `Box<dyn Error>`, `anyhow::Error` and the like:
///
/// ```
/// use seamcall_core::{SeamcallError, TdxStatus};
///
/// fn check(raw: u64) -> Result<(), Box<dyn std::error::Error>> {
///     TdxStatus::from_raw(raw).into_result()?;
///     Ok(())
/// }
///
/// let e = check(0x8000_0203_0000_0000).unwrap_err();
/// assert_eq!(e.to_string(), "TDX_RND_NO_ENTROPY");
/// assert!(e.downcast_ref::<SeamcallError>().is_some());
/// assert!(check(0).is_ok());
/// ```
///
/// Ordering and hashing are those of the raw status.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(transparent)]
#[must_use]
pub struct SeamcallError(NonZeroU64);

/// What an error type that is the non-zero raw status (one `NonZeroU64`
/// field) has in common: the size checks, `from_status`, `fault`, `raw`,
/// `status`, `Debug` (`Name(0x…: Display)`) and [`core::error::Error`].
/// Used by [`SeamcallError`] and the guest's `TdcallError`.
macro_rules! raw_status_error {
    ($name:ident) => {
        const _: () = assert!(core::mem::size_of::<$name>() == 8);
        const _: () = assert!(core::mem::size_of::<Result<(), $name>>() == 8);
        // Two registers (RAX:RDX in the SysV ABI), never memory.
        const _: () = assert!(core::mem::size_of::<Result<u64, $name>>() == 16);

        impl $name {
            /// The error for a raw status, or `None` for 0 (success).
            #[inline(always)]
            pub const fn from_status(status: u64) -> Option<$name> {
                match core::num::NonZeroU64::new(status) {
                    Some(v) => Some($name(v)),
                    None => None,
                }
            }

            /// The error a fixup pad reports for `trap`.
            pub const fn fault(trap: $crate::error::Trap) -> $name {
                $name(match core::num::NonZeroU64::new(trap.status().raw()) {
                    Some(v) => v,
                    None => unreachable!(),
                })
            }

            /// The raw 64-bit status, as RAX held it (or as the fixup pad
            /// loaded it).
            #[inline(always)]
            pub const fn raw(self) -> u64 {
                self.0.get()
            }

            /// The raw status as a [`TdxStatus`](crate::TdxStatus).
            #[inline(always)]
            pub const fn status(self) -> $crate::status::TdxStatus {
                $crate::status::TdxStatus::from_raw(self.0.get())
            }
        }

        impl core::fmt::Debug for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                write!(
                    f,
                    concat!(stringify!($name), "({:#018x}: {})"),
                    self.raw(),
                    self
                )
            }
        }

        impl core::error::Error for $name {}
    };
}
pub(crate) use raw_status_error;

raw_status_error!(SeamcallError);

impl SeamcallError {
    /// The error for VMfailInvalid (CF=1).
    pub const VM_FAIL_INVALID: SeamcallError =
        SeamcallError(match NonZeroU64::new(TDX_SEAMCALL_VMFAILINVALID) {
            Some(v) => v,
            None => unreachable!(),
        });

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

impl fmt::Display for Trap {
    /// `#UD` or `#GP`, the mnemonic of the exception.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Trap::InvalidOpcode => "#UD",
            Trap::GeneralProtection => "#GP",
        })
    }
}

impl fmt::Display for ErrorKind {
    /// The status's `Display` for [`ErrorKind::Status`]; `VMfailInvalid`,
    /// or `#UD`/`#GP` otherwise.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorKind::Status(s) => fmt::Display::fmt(s, f),
            ErrorKind::VmFailInvalid => f.write_str("VMfailInvalid"),
            ErrorKind::Fault(t) => fmt::Display::fmt(t, f),
        }
    }
}

/// The raw form of a leaf, `(TdxStatus, T)`, as a `Result`.
///
/// The catalog declares some leaves in the raw form because their outputs
/// mean something on failure too (the S-EPT entry an S-EPT leaf objected
/// to, say). Where only the success value matters, `.into_result()` turns
/// the pair into `Result<T, SeamcallError>`: `Ok(value)` for status 0 and
/// `Err` for anything else, informational statuses included, as
/// [`TdxStatus::into_result`] does.
///
/// ```
/// use seamcall_core::{RawResult, SeamcallError, TdxStatus};
///
/// let done: (TdxStatus, u64) = (TdxStatus::SUCCESS, 7);
/// assert_eq!(done.into_result(), Ok(7));
///
/// let busy = (TdxStatus::OPERAND_BUSY, 0u64);
/// let e: SeamcallError = busy.into_result().unwrap_err();
/// assert!(e.is(TdxStatus::OPERAND_BUSY));
/// ```
///
/// [`TdxStatus`] is `#[must_use]`, and the lint looks into tuples: a raw
/// result dropped on the floor warns (`unused_must_use`), here denied:
///
/// ```compile_fail
/// #![deny(unused_must_use)]
/// use seamcall_core::TdxStatus;
///
/// fn tdh_mng_init_raw() -> (TdxStatus, u64) {
///     (TdxStatus::OPERAND_BUSY, 0)
/// }
/// tdh_mng_init_raw();
/// ```
///
/// while using it (or `let _ =`) compiles:
///
/// ```
/// #![deny(unused_must_use)]
/// use seamcall_core::{RawResult, TdxStatus};
///
/// fn tdh_mng_init_raw() -> (TdxStatus, u64) {
///     (TdxStatus::OPERAND_BUSY, 0)
/// }
/// assert!(tdh_mng_init_raw().into_result().is_err());
/// let _ = tdh_mng_init_raw();
/// ```
///
/// The trait is sealed: it is implemented for `(TdxStatus, T)` only.
pub trait RawResult<T>: sealed::Sealed {
    /// `Ok(value)` when the status is 0, `Err` with the status otherwise.
    #[must_use = "the `Result` says whether the SEAMCALL succeeded"]
    fn into_result(self) -> Result<T, SeamcallError>;
}

impl<T> RawResult<T> for (TdxStatus, T) {
    #[inline(always)]
    fn into_result(self) -> Result<T, SeamcallError> {
        let (status, value) = self;
        status.into_result().map(|()| value)
    }
}

mod sealed {
    /// Keeps [`RawResult`](super::RawResult) implemented only here.
    pub trait Sealed {}
    impl<T> Sealed for (crate::status::TdxStatus, T) {}
}

#[cfg(test)]
mod tests {
    extern crate std;

    use super::*;
    use std::boxed::Box;
    use std::collections::BTreeSet;
    use std::string::ToString;

    #[test]
    fn debug_is_the_name_the_raw_value_and_display() {
        assert_eq!(
            std::format!("{:?}", SeamcallError::VM_FAIL_INVALID),
            "SeamcallError(0x8000ff00ffff0000: SEAMCALL VMfailInvalid (no TDX module loaded))"
        );
        let e = SeamcallError::from_status(0x8000_0203_0000_0000).unwrap();
        assert_eq!(
            std::format!("{e:?}"),
            "SeamcallError(0x8000020300000000: TDX_RND_NO_ENTROPY)"
        );
    }

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

    #[test]
    fn is_a_core_error_with_the_same_display() {
        fn as_error(e: &dyn core::error::Error) -> std::string::String {
            assert!(e.source().is_none());
            e.to_string()
        }
        let e = SeamcallError::from_status(0x8000_0200_0000_0001).unwrap();
        assert_eq!(as_error(&e), "TDX_OPERAND_BUSY (operand RCX)");
        assert_eq!(as_error(&e), e.to_string());
        // `?` into a boxed error keeps the value.
        fn boxed(raw: u64) -> Result<(), Box<dyn core::error::Error>> {
            TdxStatus::from_raw(raw).into_result()?;
            Ok(())
        }
        let b = boxed(e.raw()).unwrap_err();
        assert_eq!(b.downcast_ref::<SeamcallError>(), Some(&e));
        assert!(boxed(0).is_ok());
    }

    #[test]
    fn status_and_raw_form_into_result() {
        assert_eq!(TdxStatus::SUCCESS.into_result(), Ok(()));
        let busy = TdxStatus::from_raw(0x8000_0200_0000_0080);
        assert_eq!(busy.into_result().map_err(|e| e.raw()), Err(busy.raw()));
        // Informational statuses are not success.
        assert!(TdxStatus::KEY_CONFIGURED.into_result().is_err());
        assert_eq!((TdxStatus::SUCCESS, 42u8).into_result(), Ok(42));
        let e = (busy, 42u8).into_result().unwrap_err();
        assert_eq!(e.status(), busy);
        assert_eq!(
            (TdxStatus::SEAMCALL_UD, ())
                .into_result()
                .map_err(|e| e.kind()),
            Err(ErrorKind::Fault(Trap::InvalidOpcode))
        );
        const OK: bool = TdxStatus::SUCCESS.into_result().is_ok();
        const { assert!(OK) };
    }

    #[test]
    fn display_of_kinds_and_traps() {
        assert_eq!(Trap::InvalidOpcode.to_string(), "#UD");
        assert_eq!(Trap::GeneralProtection.to_string(), "#GP");
        assert_eq!(ErrorKind::VmFailInvalid.to_string(), "VMfailInvalid");
        assert_eq!(ErrorKind::Fault(Trap::GeneralProtection).to_string(), "#GP");
        assert_eq!(
            ErrorKind::Status(TdxStatus::from_raw(0xC000_0100_0000_0001)).to_string(),
            "TDX_OPERAND_INVALID (operand RCX)"
        );
    }

    #[test]
    fn errors_order_and_hash_by_raw_status() {
        let a = SeamcallError::from_status(1).unwrap();
        let b = SeamcallError::VM_FAIL_INVALID;
        assert!(a < b);
        let set: BTreeSet<SeamcallError> = [b, a, b].into_iter().collect();
        assert_eq!(set.into_iter().collect::<std::vec::Vec<_>>(), [a, b]);
        let set: std::collections::HashSet<SeamcallError> = [a, b, a].into_iter().collect();
        assert_eq!(set.len(), 2);
        assert!(Trap::InvalidOpcode < Trap::GeneralProtection);
    }
}
