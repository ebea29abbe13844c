//! Typed operands of the leaf catalog: values that have structure in the
//! TDX ABI travel as these types instead of bare `u64`s, so that a field ID
//! cannot be passed where a GPA is expected. Physical addresses use
//! [`x86_64::PhysAddr`].
//!
//! Every type is a thin wrapper over the 64-bit register value, converts
//! with [`IntoReg`]/[`FromReg`] at no cost, and keeps the raw value reachable.
//! Each one is `Copy`, `Eq` and `Hash`, and prints with `Display` in the
//! terms the TDX documentation uses (`GPA 0x2000 at level 0 (4 KiB)`); the
//! ones with a natural order (levels, sizes, HKIDs, and the raw values of
//! field IDs and S-EPT operands, for sorted maps) are `Ord` too.

use core::fmt;

use crate::reg::{FromReg, IntoReg};

/// A level of the secure EPT, as the TDX module numbers it: 0 is a 4 KiB
/// leaf, 1 a 2 MiB mapping (or the table that maps 4 KiB pages), and so on
/// up to 4 with five-level paging.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SeptLevel(u8);

impl SeptLevel {
    /// 4 KiB pages (Linux's `PG_LEVEL_4K`).
    pub const L4K: SeptLevel = SeptLevel(0);
    /// 2 MiB pages.
    pub const L2M: SeptLevel = SeptLevel(1);
    /// 1 GiB pages.
    pub const L1G: SeptLevel = SeptLevel(2);

    /// The level `n`, 0 to 4.
    pub const fn new(n: u8) -> Option<SeptLevel> {
        if n <= 4 {
            Some(SeptLevel(n))
        } else {
            None
        }
    }

    /// The level as the module encodes it (bits 2:0 of the operand).
    pub const fn get(self) -> u8 {
        self.0
    }

    /// Bytes mapped by one entry at this level: 4 KiB × 512^level.
    pub const fn page_size(self) -> u64 {
        4096 << (9 * self.0 as u32)
    }
}

/// `4 KiB`, `2 MiB`, `1 GiB`, … : a byte count that is a power of two of at
/// least 1 KiB.
fn write_size(f: &mut fmt::Formatter<'_>, bytes: u64) -> fmt::Result {
    const UNITS: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut value = bytes >> 10;
    let mut unit = 0;
    while value >= 1024 && value % 1024 == 0 && unit + 1 < UNITS.len() {
        value >>= 10;
        unit += 1;
    }
    write!(f, "{value} {}", UNITS[unit])
}

impl fmt::Display for SeptLevel {
    /// `level 1 (2 MiB)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "level {} (", self.0)?;
        write_size(f, self.page_size())?;
        f.write_str(")")
    }
}

/// A guest physical address with a secure-EPT level, the operand of the
/// S-EPT leaves (TDH.MEM.PAGE.AUG, TDH.MEM.SEPT.ADD, TDH.MEM.RANGE.BLOCK …):
/// RCX = GPA (bits 51:12) | level (bits 2:0), as Linux builds it with
/// `gpa | level`.
///
/// Ordered by register value, so by GPA first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GpaLevel(u64);

impl GpaLevel {
    const GPA_MASK: u64 = ((1 << 52) - 1) & !0xFFF;

    /// `gpa` at `level`; `None` unless `gpa` is 4 KiB aligned and below
    /// 2^52. (The module checks the alignment the level needs.)
    pub const fn new(gpa: u64, level: SeptLevel) -> Option<GpaLevel> {
        if gpa & !Self::GPA_MASK != 0 {
            return None;
        }
        Some(GpaLevel(gpa | level.0 as u64))
    }

    /// The operand with this register value, as is (bits 11:3 are
    /// reserved; the module rejects them set).
    pub const fn from_raw(raw: u64) -> GpaLevel {
        GpaLevel(raw)
    }

    /// The operand in `raw` as the module decodes it: `None` if a reserved
    /// bit (11:3 or 63:52) is set or the level is above 4.
    pub const fn decode(raw: u64) -> Option<GpaLevel> {
        if raw & !(Self::GPA_MASK | 7) != 0 || raw & 7 > 4 {
            return None;
        }
        Some(GpaLevel(raw))
    }

    /// A 4 KiB-level operand for `gpa`, which must be 4 KiB aligned.
    pub const fn page(gpa: u64) -> Option<GpaLevel> {
        GpaLevel::new(gpa, SeptLevel::L4K)
    }

    /// The guest physical address.
    pub const fn gpa(self) -> u64 {
        self.0 & Self::GPA_MASK
    }

    /// The level.
    pub const fn level(self) -> SeptLevel {
        SeptLevel((self.0 & 7) as u8)
    }

    /// The register value.
    pub const fn raw(self) -> u64 {
        self.0
    }
}

impl IntoReg for GpaLevel {
    #[inline(always)]
    fn into_reg(self) -> u64 {
        self.0
    }
}

impl fmt::Display for GpaLevel {
    /// `GPA 0x12345000 at level 1 (2 MiB)`, then the register value if a
    /// reserved bit (11:3) is set: `(raw 0x12345009)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "GPA {:#x} at {}", self.gpa(), self.level())?;
        if self.0 & !(Self::GPA_MASK | 7) != 0 {
            write!(f, " (raw {:#x})", self.0)?;
        }
        Ok(())
    }
}

/// The S-EPT entry an S-EPT leaf reports in RCX when it fails on an entry
/// (Linux's `ext_err1`). Kept raw: its layout is the architectural EPT entry.
/// `Display` prints it in hex, all 16 digits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SeptEntry(pub u64);

impl fmt::Display for SeptEntry {
    /// `0x0000000040001007`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#018x}", self.0)
    }
}

impl FromReg for SeptEntry {
    #[inline(always)]
    fn from_reg(reg: u64) -> Self {
        SeptEntry(reg)
    }
}

/// The level and state of that S-EPT entry, in RDX (Linux's `ext_err2`,
/// KVM's `union tdx_sept_level_state`): level in bits 2:0, state in bits
/// 15:8.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SeptLevelState(pub u64);

impl SeptLevelState {
    /// Bits 2:0: the level of the entry.
    pub const fn level(self) -> SeptLevel {
        SeptLevel((self.0 & 7) as u8)
    }

    /// Bits 15:8: the entry's state (KVM names 0 free, 1 blocked,
    /// 2 pending, 3 pending-blocked, 4 present).
    pub const fn state(self) -> u8 {
        (self.0 >> 8) as u8
    }
}

impl FromReg for SeptLevelState {
    #[inline(always)]
    fn from_reg(reg: u64) -> Self {
        SeptLevelState(reg)
    }
}

impl fmt::Display for SeptLevelState {
    /// `level 1 (2 MiB), state 4 (present)`, with KVM's names for the
    /// states it knows and the number alone for others.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self.state() {
            0 => Some("free"),
            1 => Some("blocked"),
            2 => Some("pending"),
            3 => Some("pending-blocked"),
            4 => Some("present"),
            _ => None,
        };
        write!(f, "{}, state {}", self.level(), self.state())?;
        match name {
            Some(name) => write!(f, " ({name})"),
            None => Ok(()),
        }
    }
}

/// A host key ID (HKID): the memory-encryption key a TD, or the module's
/// global data, is bound to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Hkid(pub u16);

impl IntoReg for Hkid {
    #[inline(always)]
    fn into_reg(self) -> u64 {
        u64::from(self.0)
    }
}

impl fmt::Display for Hkid {
    /// `HKID 40`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HKID {}", self.0)
    }
}

/// A page size as TDX reports it (`TDX_PS_*`): 0 for 4 KiB, 1 for 2 MiB, 2
/// for 1 GiB. Any other value is kept as read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PageSize(pub u64);

impl PageSize {
    /// `TDX_PS_4K`.
    pub const K4: PageSize = PageSize(0);
    /// `TDX_PS_2M`.
    pub const M2: PageSize = PageSize(1);
    /// `TDX_PS_1G`.
    pub const G1: PageSize = PageSize(2);

    /// The size in bytes, for the three sizes TDX defines.
    pub const fn bytes(self) -> Option<u64> {
        match self.0 {
            0..=2 => Some(4096 << (9 * self.0 as u32)),
            _ => None,
        }
    }
}

impl FromReg for PageSize {
    #[inline(always)]
    fn from_reg(reg: u64) -> Self {
        PageSize(reg)
    }
}

impl IntoReg for PageSize {
    #[inline(always)]
    fn into_reg(self) -> u64 {
        self.0
    }
}

impl fmt::Display for PageSize {
    /// `2 MiB`, or `page size code 7` for a code TDX does not define.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.bytes() {
            Some(bytes) => write_size(f, bytes),
            None => write!(f, "page size code {}", self.0),
        }
    }
}

/// The context a metadata field belongs to (bits 54:52 of a [`FieldId`]).
///
/// `#[non_exhaustive]`: a code that gets a name in a later release becomes
/// its own variant instead of [`Other`](FieldContext::Other), so a `match`
/// needs a `_` arm:
///
/// ```compile_fail,E0004
/// use seamcall_core::FieldContext;
///
/// fn code(c: FieldContext) -> u8 {
///     match c {
///         FieldContext::Global => 0,
///         FieldContext::Td => 1,
///         FieldContext::Vcpu => 2,
///         FieldContext::Other(n) => n,
///     }
/// }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum FieldContext {
    /// 0: the module itself (TDH.SYS.RD).
    Global,
    /// 1: a TD (TDR/TDCS; TDH.MNG.RD/WR).
    Td,
    /// 2: a vCPU (TDVPS/TD-VMCS; TDH.VP.RD/WR).
    Vcpu,
    /// Any other code, as read.
    Other(u8),
}

/// The size of each element of a metadata field (bits 33:32 of a
/// [`FieldId`]).
///
/// Exhaustive on purpose: the field is two bits wide and all four codes are
/// here.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ElementSize {
    /// Code 0: 8 bits.
    Bits8,
    /// Code 1: 16 bits.
    Bits16,
    /// Code 2: 32 bits.
    Bits32,
    /// Code 3: 64 bits.
    Bits64,
}

impl ElementSize {
    /// The element size in bits: 8, 16, 32 or 64.
    pub const fn bits(self) -> u32 {
        match self {
            ElementSize::Bits8 => 8,
            ElementSize::Bits16 => 16,
            ElementSize::Bits32 => 32,
            ElementSize::Bits64 => 64,
        }
    }
}

impl fmt::Display for ElementSize {
    /// `64-bit`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-bit", self.bits())
    }
}

impl fmt::Display for FieldContext {
    /// `global`, `TD`, `vCPU`, or `context 5`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldContext::Global => f.write_str("global"),
            FieldContext::Td => f.write_str("TD"),
            FieldContext::Vcpu => f.write_str("vCPU"),
            FieldContext::Other(code) => write!(f, "context {code}"),
        }
    }
}

/// A metadata field identifier, the operand of TDH.SYS.RD, TDH.MNG.RD/WR and
/// TDH.VP.RD/WR (module `md_field_id_t`):
///
/// | bits | field |
/// |---|---|
/// | 23:0 | field code |
/// | 33:32 | element size code |
/// | 37:34 | last element in field |
/// | 46:38 | last field in sequence |
/// | 50 | increment size |
/// | 51 | write mask valid |
/// | 54:52 | context code |
/// | 61:56 | class code |
/// | 63 | non-architectural |
///
/// Reserved bits are kept as given. `FieldId::NONE` (all ones) is what the
/// module returns as "next field" after the last one, or on error.
///
/// `Display` gives the register value in hex, the form field IDs have in
/// the TDX documentation and in Linux (`0x9010000300000000`); `Debug`
/// decodes it. Ordered by register value.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FieldId(u64);

impl FieldId {
    /// `MD_FIELD_ID_NA`: no field (-1).
    pub const NONE: FieldId = FieldId(u64::MAX);

    /// The ID with this raw value.
    pub const fn from_raw(raw: u64) -> FieldId {
        FieldId(raw)
    }

    /// An ID from its class, field code and element size, with every other
    /// bit 0 (the form Linux's `tdx_arch.h` builders produce);
    /// `non_arch` sets bit 63.
    pub const fn new(non_arch: bool, class: u8, size: ElementSize, field_code: u32) -> FieldId {
        let size = match size {
            ElementSize::Bits8 => 0,
            ElementSize::Bits16 => 1,
            ElementSize::Bits32 => 2,
            ElementSize::Bits64 => 3,
        };
        FieldId(
            (non_arch as u64) << 63
                | ((class & 0x3F) as u64) << 56
                | size << 32
                | (field_code & 0xFF_FFFF) as u64,
        )
    }

    /// The register value.
    pub const fn raw(self) -> u64 {
        self.0
    }

    /// Whether this is [`FieldId::NONE`].
    pub const fn is_none(self) -> bool {
        self.0 == u64::MAX
    }

    /// Bits 23:0.
    pub const fn field_code(self) -> u32 {
        (self.0 & 0xFF_FFFF) as u32
    }

    /// Bits 33:32, decoded.
    pub const fn element_size(self) -> ElementSize {
        match (self.0 >> 32) & 3 {
            0 => ElementSize::Bits8,
            1 => ElementSize::Bits16,
            2 => ElementSize::Bits32,
            _ => ElementSize::Bits64,
        }
    }

    /// Bits 37:34.
    pub const fn last_element_in_field(self) -> u8 {
        ((self.0 >> 34) & 0xF) as u8
    }

    /// Bits 46:38.
    pub const fn last_field_in_sequence(self) -> u16 {
        ((self.0 >> 38) & 0x1FF) as u16
    }

    /// Bit 50.
    pub const fn inc_size(self) -> bool {
        self.0 & (1 << 50) != 0
    }

    /// Bit 51.
    pub const fn write_mask_valid(self) -> bool {
        self.0 & (1 << 51) != 0
    }

    /// Bits 54:52, decoded.
    pub const fn context(self) -> FieldContext {
        match ((self.0 >> 52) & 7) as u8 {
            0 => FieldContext::Global,
            1 => FieldContext::Td,
            2 => FieldContext::Vcpu,
            other => FieldContext::Other(other),
        }
    }

    /// Bits 61:56.
    pub const fn class_code(self) -> u8 {
        ((self.0 >> 56) & 0x3F) as u8
    }

    /// Bit 63.
    pub const fn is_non_arch(self) -> bool {
        self.0 & (1 << 63) != 0
    }
}

impl fmt::Debug for FieldId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_none() {
            return f.write_str("FieldId::NONE");
        }
        f.debug_struct("FieldId")
            .field("raw", &format_args!("{:#018x}", self.0))
            .field("class", &self.class_code())
            .field("context", &self.context())
            .field("size", &self.element_size())
            .field("field_code", &format_args!("{:#x}", self.field_code()))
            .field("non_arch", &self.is_non_arch())
            .finish()
    }
}

impl fmt::Display for FieldId {
    /// `0x0a00000300000008`; `NONE (0xffffffffffffffff)` for
    /// [`FieldId::NONE`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_none() {
            f.write_str("NONE (")?;
        }
        write!(f, "{:#018x}", self.0)?;
        if self.is_none() {
            f.write_str(")")?;
        }
        Ok(())
    }
}

impl IntoReg for FieldId {
    #[inline(always)]
    fn into_reg(self) -> u64 {
        self.0
    }
}

impl FromReg for FieldId {
    #[inline(always)]
    fn from_reg(reg: u64) -> Self {
        FieldId(reg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_ids_from_the_notes_decode() {
        // TDX_FEATURES0: class 10, 64-bit, field 8, architectural.
        let f = FieldId::from_raw(0x0A00_0003_0000_0008);
        assert_eq!(f.class_code(), 0x0A);
        assert_eq!(f.element_size(), ElementSize::Bits64);
        assert_eq!(f.field_code(), 8);
        assert!(!f.is_non_arch());
        assert_eq!(f.context(), FieldContext::Global);
        assert_eq!(FieldId::new(false, 0x0A, ElementSize::Bits64, 8), f);
        // MAX_TDMRS: non-arch, class 0x11, 16-bit, field 8.
        let f = FieldId::from_raw(0x9100_0001_0000_0008);
        assert!(f.is_non_arch());
        assert_eq!(f.class_code(), 0x11);
        assert_eq!(f.element_size(), ElementSize::Bits16);
        assert_eq!(FieldId::new(true, 0x11, ElementSize::Bits16, 8), f);
        // TDCS_TD_CTLS: TD context.
        let f = FieldId::from_raw(0x1110_0003_0000_0017);
        assert_eq!(f.context(), FieldContext::Td);
        assert_eq!(f.class_code(), 0x11);
        // KVM's CPUID-values base: context TD, class 0x14, non-arch.
        let f = FieldId::from_raw(0x9410_0003_0000_0000);
        assert_eq!(f.context(), FieldContext::Td);
        assert_eq!(f.class_code(), 0x14);
        assert!(FieldId::NONE.is_none());
        assert_eq!(FieldId::from_reg(u64::MAX), FieldId::NONE);
    }

    #[test]
    fn gpa_level_packs_like_linux() {
        let g = GpaLevel::new(0x1234_5000, SeptLevel::L2M).unwrap();
        assert_eq!(g.into_reg(), 0x1234_5001);
        assert_eq!(g.gpa(), 0x1234_5000);
        assert_eq!(g.level(), SeptLevel::L2M);
        assert!(GpaLevel::new(0x1234_5008, SeptLevel::L4K).is_none());
        assert!(GpaLevel::new(1 << 52, SeptLevel::L4K).is_none());
        assert!(SeptLevel::new(5).is_none());
        assert_eq!(SeptLevel::L1G.page_size(), 1 << 30);
        assert_eq!(PageSize::M2.bytes(), Some(2 << 20));
        assert_eq!(PageSize(7).bytes(), None);
        let s = SeptLevelState::from_reg(0x0402);
        assert_eq!((s.level(), s.state()), (SeptLevel::L1G, 4));
    }

    #[test]
    fn operands_display() {
        extern crate std;
        use std::string::ToString;

        assert_eq!(SeptLevel::L4K.to_string(), "level 0 (4 KiB)");
        assert_eq!(SeptLevel::L2M.to_string(), "level 1 (2 MiB)");
        assert_eq!(SeptLevel::L1G.to_string(), "level 2 (1 GiB)");
        assert_eq!(SeptLevel::new(3).unwrap().to_string(), "level 3 (512 GiB)");
        assert_eq!(SeptLevel::new(4).unwrap().to_string(), "level 4 (256 TiB)");
        let g = GpaLevel::new(0x1234_5000, SeptLevel::L2M).unwrap();
        assert_eq!(g.to_string(), "GPA 0x12345000 at level 1 (2 MiB)");
        assert_eq!(
            GpaLevel::from_raw(0x2008).to_string(),
            "GPA 0x2000 at level 0 (4 KiB) (raw 0x2008)"
        );
        assert_eq!(Hkid(40).to_string(), "HKID 40");
        assert_eq!(PageSize::K4.to_string(), "4 KiB");
        assert_eq!(PageSize::G1.to_string(), "1 GiB");
        assert_eq!(PageSize(7).to_string(), "page size code 7");
        assert_eq!(SeptEntry(0x4000_1007).to_string(), "0x0000000040001007");
        assert_eq!(
            SeptLevelState(0x0401).to_string(),
            "level 1 (2 MiB), state 4 (present)"
        );
        assert_eq!(
            SeptLevelState(0x0900).to_string(),
            "level 0 (4 KiB), state 9"
        );
        assert_eq!(
            FieldId::from_raw(0x9010_0003_0000_0000).to_string(),
            "0x9010000300000000"
        );
        assert_eq!(FieldId::NONE.to_string(), "NONE (0xffffffffffffffff)");
        assert_eq!(ElementSize::Bits16.to_string(), "16-bit");
        assert_eq!(FieldContext::Vcpu.to_string(), "vCPU");
        assert_eq!(FieldContext::Other(5).to_string(), "context 5");
    }

    #[test]
    fn operands_order() {
        assert!(SeptLevel::L4K < SeptLevel::L2M);
        assert!(GpaLevel::page(0x1000).unwrap() < GpaLevel::page(0x2000).unwrap());
        assert!(FieldId::from_raw(1) < FieldId::NONE);
        assert!(Hkid(1) < Hkid(2));
        assert!(PageSize::K4 < PageSize::M2);
        assert!(ElementSize::Bits8 < ElementSize::Bits64);
    }
}
