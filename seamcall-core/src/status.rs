//! [`TdxStatus`]: the 64-bit status the TDX module returns in RAX.

/// The 64-bit status the TDX module returns in RAX.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
#[repr(transparent)]
pub struct TdxStatus(u64);

impl TdxStatus {
    /// Wrap a raw status.
    #[inline(always)]
    pub const fn from_raw(raw: u64) -> TdxStatus {
        TdxStatus(raw)
    }

    /// The raw 64-bit value.
    #[inline(always)]
    pub const fn raw(self) -> u64 {
        self.0
    }
}

impl core::fmt::Debug for TdxStatus {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "TdxStatus({:#018x})", self.0)
    }
}

impl core::fmt::Display for TdxStatus {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{:#018x}", self.0)
    }
}
