//! How values travel in general-purpose registers.
//!
//! Every parameter of a declared leaf implements [`IntoReg`] and every output
//! [`FromReg`]. Both are plain conversions to and from the 64-bit register
//! value; implement them for your own newtypes (a TDR handle, a field id) so
//! that the wrong kind of value cannot be passed.

use x86_64::structures::paging::{PhysFrame, Size4KiB};
use x86_64::{PhysAddr, VirtAddr};

/// A value that can be passed to the TDX module in a 64-bit register.
pub trait IntoReg {
    /// The register value.
    fn into_reg(self) -> u64;
}

/// A value that can be read from a 64-bit register the TDX module wrote.
///
/// The conversion must not fail and must not panic: it runs on whatever the
/// module returned. Narrow integer types keep the low bits, as the module
/// defines for those outputs.
pub trait FromReg: Sized {
    /// Build the value from the register.
    fn from_reg(reg: u64) -> Self;
}

macro_rules! int_regs {
    ($($t:ty),*) => {$(
        impl IntoReg for $t {
            #[inline(always)]
            fn into_reg(self) -> u64 {
                self as u64
            }
        }
        impl FromReg for $t {
            /// Keeps the low bits of the register.
            #[inline(always)]
            fn from_reg(reg: u64) -> Self {
                reg as $t
            }
        }
    )*};
}
int_regs!(u64, u32, u16, u8, usize);

impl IntoReg for bool {
    #[inline(always)]
    fn into_reg(self) -> u64 {
        self as u64
    }
}

impl FromReg for bool {
    /// Any non-zero register value is `true`.
    #[inline(always)]
    fn from_reg(reg: u64) -> Self {
        reg != 0
    }
}

impl IntoReg for PhysAddr {
    #[inline(always)]
    fn into_reg(self) -> u64 {
        self.as_u64()
    }
}

impl FromReg for PhysAddr {
    /// Bits 63:52 are cleared (a physical address has at most 52 bits).
    #[inline(always)]
    fn from_reg(reg: u64) -> Self {
        PhysAddr::new_truncate(reg)
    }
}

/// A 4 KiB frame travels as its start address, so a leaf that takes a page
/// (a TDR, a TDCS page, a page to reclaim) can be declared with the type that
/// says it is page-aligned:
///
/// ```
/// use seamcall_core::x86_64::structures::paging::PhysFrame;
/// use seamcall_core::x86_64::PhysAddr;
/// use seamcall_core::{seamcall, IntoReg, SeamcallError};
///
/// /// TDH.MEM.TRACK: RCX = the TD's TDR page.
/// #[seamcall(leaf = 38, in = [rcx])]
/// pub unsafe fn tdh_mem_track(tdr: PhysFrame) -> Result<(), SeamcallError>;
///
/// let tdr: PhysFrame = PhysFrame::containing_address(PhysAddr::new(0x4000_0000));
/// assert_eq!(tdr.into_reg(), 0x4000_0000);
/// ```
///
/// Only 4 KiB frames: where a leaf works on a larger page it takes the level
/// or size as an operand of its own ([`GpaLevel`](crate::GpaLevel),
/// [`PageSize`](crate::PageSize)) beside a [`PhysAddr`].
impl IntoReg for PhysFrame<Size4KiB> {
    #[inline(always)]
    fn into_reg(self) -> u64 {
        self.start_address().as_u64()
    }
}

impl IntoReg for VirtAddr {
    #[inline(always)]
    fn into_reg(self) -> u64 {
        self.as_u64()
    }
}

impl FromReg for VirtAddr {
    /// Bits 63:48 are sign-extended from bit 47 (canonical form).
    #[inline(always)]
    fn from_reg(reg: u64) -> Self {
        VirtAddr::new_truncate(reg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn narrow_types_keep_low_bits() {
        assert_eq!(u8::from_reg(0x1234), 0x34);
        assert_eq!(u16::from_reg(0x1_2345), 0x2345);
        assert_eq!(u32::from_reg(0x1_0000_0002), 2);
        assert!(bool::from_reg(0x100));
        assert!(!bool::from_reg(0));
        assert_eq!(true.into_reg(), 1);
        assert_eq!(0xffu8.into_reg(), 0xff);
    }

    #[test]
    fn addresses_never_panic() {
        assert_eq!(PhysAddr::from_reg(u64::MAX).as_u64(), (1 << 52) - 1);
        assert_eq!(
            VirtAddr::from_reg(0x0000_8000_0000_0000).as_u64(),
            0xffff_8000_0000_0000
        );
        assert_eq!(PhysAddr::new(0x1000).into_reg(), 0x1000);
    }

    #[test]
    fn a_4k_frame_is_its_start_address() {
        let frame: PhysFrame<Size4KiB> = PhysFrame::containing_address(PhysAddr::new(0x5fff));
        assert_eq!(frame.into_reg(), 0x5000);
        let top = PhysFrame::<Size4KiB>::containing_address(PhysAddr::new((1 << 52) - 1));
        assert_eq!(top.into_reg(), (1 << 52) - 0x1000);
    }
}
