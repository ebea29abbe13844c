//! Metadata fields as types: one constant per field of the TDX module's
//! metadata tables, with the scope in the type, so that a field reaches only
//! the leaf that can read it.
//!
//! ```
//! use seamcall_core::fields::{self, TdField};
//!
//! // MRTD: six 8-byte elements of the TD's measurement.
//! let mrtd: TdField = fields::td::MRTD;
//! assert_eq!(mrtd.raw(), 0x1310_0003_0000_0000);
//! assert_eq!((mrtd.elements(), mrtd.element_bytes()), (6, 8));
//! assert_eq!(mrtd.element(5).map(TdField::raw), Ok(0x1310_0003_0000_0005));
//! assert!(mrtd.element(6).is_err());
//!
//! // Linux's cpuid_config_values[i][j]: field i, element j.
//! let v = fields::sys::CPUID_CONFIG_VALUES.field(3).and_then(|f| f.element(1));
//! assert_eq!(v.map(|f| f.raw()), Ok(0x9900_0003_0000_0507));
//! ```
//!
//! A TD field given to `TDH.SYS.RD`, or a module-global one to `TDH.MNG.RD`,
//! is a type error at the argument (`expected Field<Global>, found
//! Field<Td>`). Fields the tables lack stay reachable through
//! [`Field::from_raw`], which names the scope explicitly:
//! `TdField::from_raw(FieldId::from_raw(..))`.
//!
//! # Where the constants come from
//!
//! [`sys`], [`td`], [`vcpu`], [`vmcs`] and [`l2vmcs`] are generated from
//! `tests/data/tdx-abi/fields.tsv`, one row per entry of the module's lookup
//! tables (intel/tdx-module `include/auto_gen/*_fields_lookup.c` of 1.5.01
//! at 72d8cffb and 1.5.06 at 1e636985, `include/auto_gen_2_0/` of 2.0.08 and
//! 2.0.14), by `tests/fields_abi.rs`; nothing in them is written by hand.
//! Where a field differs between module versions the constant takes the
//! newest table and its documentation lists the others. Each constant's
//! documentation gives the module's access masks: host read and write
//! (production/debug TD for TD and vCPU fields), guest read and write.
//!
//! # Addressing elements
//!
//! A table entry is `fields()` fields of `elements()` elements each; element
//! `i` of field `f` has field code `base + (f * elements + i) * stride`,
//! where the stride is 2 when the ID's increment-size bit (50) is set and 1
//! otherwise (`tests/data/tdx-abi/fields.md`, section 3.1). [`Field::field`]
//! and [`Field::element`] compute those IDs and refuse an index outside the
//! entry with a [`FieldIndexError`].
//!
//! The TSVs record the 1.5 tables completely and the 2.0 ones only for the
//! IDs 1.5.06 lacks; a 2.0 module may have more fields in an entry (its
//! `TDCX_PA` has 12, 1.5.06's 9). Read such elements with
//! [`Field::from_raw`].

use core::fmt;
use core::marker::PhantomData;

use crate::reg::IntoReg;
use crate::types::{ElementSize, FieldContext, FieldId};

#[rustfmt::skip]
mod generated;

pub use generated::{l2vmcs, sys, td, vcpu, vmcs};

mod sealed {
    pub trait Sealed {}
}

/// The context a [`Field`] belongs to: [`Global`], [`Td`] or [`Vcpu`].
/// Sealed: the TDX module has exactly these three.
pub trait Scope: sealed::Sealed + 'static {
    /// The context code of the ID (bits 54:52).
    const CONTEXT: FieldContext;
    /// The marker's name, as `Debug` prints it: `"Global"`, `"Td"`, `"Vcpu"`.
    const NAME: &'static str;
}

/// The module-global scope: `TDH.SYS.RD` and `TDH.SYS.RDALL`.
#[derive(Debug)]
pub enum Global {}

/// The TD scope (TDR and TDCS): `TDH.MNG.RD` and `TDH.MNG.WR`.
#[derive(Debug)]
pub enum Td {}

/// The vCPU scope (TDVPS, the TD VMCS and the L2 VMCSs): `TDH.VP.RD` and
/// `TDH.VP.WR`.
#[derive(Debug)]
pub enum Vcpu {}

impl sealed::Sealed for Global {}
impl sealed::Sealed for Td {}
impl sealed::Sealed for Vcpu {}

impl Scope for Global {
    const CONTEXT: FieldContext = FieldContext::Global;
    const NAME: &'static str = "Global";
}

impl Scope for Td {
    const CONTEXT: FieldContext = FieldContext::Td;
    const NAME: &'static str = "Td";
}

impl Scope for Vcpu {
    const CONTEXT: FieldContext = FieldContext::Vcpu;
    const NAME: &'static str = "Vcpu";
}

/// A module-global field, the operand of `TDH.SYS.RD` and `TDH.SYS.RDALL`.
pub type GlobalField = Field<Global>;
/// A TD field, the operand of `TDH.MNG.RD` and `TDH.MNG.WR`.
pub type TdField = Field<Td>;
/// A vCPU field, the operand of `TDH.VP.RD` and `TDH.VP.WR`.
pub type VcpuField = Field<Vcpu>;

/// A metadata field of scope `S`: its ID (element 0 of field 0) and how
/// many fields of how many elements the table entry holds.
///
/// Goes in a register as its ID ([`IntoReg`]). Two scalars (the ID and the
/// shape), so a `Field` travels in registers like a `u64` and its shape
/// costs nothing once the leaf is inlined.
pub struct Field<S: Scope> {
    id: FieldId,
    shape: Shape,
    scope: PhantomData<fn() -> S>,
}

/// Elements per field in bits 31:16, fields in bits 15:0.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct Shape(u32);

impl Shape {
    const ONE: Shape = Shape::new(1, 1);

    const fn new(elements: u16, fields: u16) -> Shape {
        Shape((elements as u32) << 16 | fields as u32)
    }

    const fn elements(self) -> u16 {
        (self.0 >> 16) as u16
    }

    const fn fields(self) -> u16 {
        self.0 as u16
    }
}

/// Why [`Field::element`] or [`Field::field`] gave no field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FieldIndexError {
    /// The element index is not below the field's element count.
    Element {
        /// The index asked for.
        index: usize,
        /// The field's element count.
        elements: usize,
    },
    /// The field index is not below the entry's field count.
    Field {
        /// The index asked for.
        index: usize,
        /// The entry's field count.
        fields: usize,
    },
}

impl fmt::Display for FieldIndexError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            FieldIndexError::Element { index, elements } => write!(
                f,
                "element {index} of a metadata field with {elements} element(s) (0..{elements})"
            ),
            FieldIndexError::Field { index, fields } => write!(
                f,
                "field {index} of a metadata entry with {fields} field(s) (0..{fields})"
            ),
        }
    }
}

impl core::error::Error for FieldIndexError {}

/// Bits 23:0 of an ID: the field code.
const FIELD_CODE_MASK: u64 = 0xFF_FFFF;
/// Bits 61:56: the class code.
const CLASS_MASK: u64 = 0x3F << 56;
/// Bit 50: consecutive elements are two field codes apart.
const INC_SIZE_BIT: u64 = 1 << 50;

impl<S: Scope> Field<S> {
    /// The null ID (all ones): as the input of `TDH.SYS.RDALL` (or of
    /// version 1 of `TDH.MNG.RD`/`TDH.VP.RD`) it asks for the first field of
    /// the context; as a next-field ID it means "no more fields".
    pub const NONE: Field<S> = Field::from_raw(FieldId::NONE);

    /// An entry of the module's table; only the generated constants use it.
    pub(crate) const fn table(id: u64, elements: u16, fields: u16) -> Field<S> {
        Field {
            id: FieldId::from_raw(id),
            shape: Shape::new(elements, fields),
            scope: PhantomData,
        }
    }

    /// A field of scope `S` by its raw ID, for fields the tables here lack:
    /// one element, one field. The scope is the caller's claim; the
    /// module overwrites the ID's context bits with the leaf's context, and
    /// looks the field up by class and field code only.
    pub const fn from_raw(id: FieldId) -> Field<S> {
        Field {
            id,
            shape: Shape::ONE,
            scope: PhantomData,
        }
    }

    /// The ID: element 0 of field 0 of this field.
    #[inline(always)]
    pub const fn id(self) -> FieldId {
        self.id
    }

    /// The ID's register value.
    #[inline(always)]
    pub const fn raw(self) -> u64 {
        self.id.raw()
    }

    /// The size of each element (bits 33:32 of the ID).
    pub const fn element_size(self) -> ElementSize {
        self.id.element_size()
    }

    /// The size of each element in bytes: 1, 2, 4 or 8.
    pub const fn element_bytes(self) -> usize {
        match self.element_size() {
            ElementSize::Bits8 => 1,
            ElementSize::Bits16 => 2,
            ElementSize::Bits32 => 4,
            ElementSize::Bits64 => 8,
        }
    }

    /// How many elements each field has (MRTD: 6).
    pub const fn elements(self) -> usize {
        self.shape.elements() as usize
    }

    /// How many fields of [`elements`](Field::elements) elements this holds
    /// (RTMR: 4; most entries 1).
    pub const fn fields(self) -> usize {
        self.shape.fields() as usize
    }

    /// Field codes between consecutive elements: 2 with the ID's
    /// increment-size bit, else 1.
    const fn stride(self) -> u64 {
        if self.id.raw() & INC_SIZE_BIT != 0 {
            2
        } else {
            1
        }
    }

    /// This ID with `offset` elements added to its field code.
    const fn offset(self, offset: u64) -> FieldId {
        let raw = self.id.raw();
        let code = (raw & FIELD_CODE_MASK) + offset * self.stride();
        FieldId::from_raw((raw & !FIELD_CODE_MASK) | (code & FIELD_CODE_MASK))
    }

    /// Element `index` (of field 0): a single-element field, the operand
    /// that reads or writes that element. `MRTD.element(5)` is
    /// `0x1310000300000005`; `MRTD.element(6)` is an error.
    pub const fn element(self, index: usize) -> Result<Field<S>, FieldIndexError> {
        if index >= self.elements() {
            return Err(FieldIndexError::Element {
                index,
                elements: self.elements(),
            });
        }
        Ok(Field {
            id: self.offset(index as u64),
            shape: Shape::ONE,
            scope: PhantomData,
        })
    }

    /// Field `index` of the entry, with its [`elements`](Field::elements)
    /// elements: `RTMR.field(2)` is `RTMR[2]`, whose
    /// [`element(3)`](Field::element) is `0x131000030000004F`.
    pub const fn field(self, index: usize) -> Result<Field<S>, FieldIndexError> {
        if index >= self.fields() {
            return Err(FieldIndexError::Field {
                index,
                fields: self.fields(),
            });
        }
        Ok(Field {
            id: self.offset(index as u64 * self.elements() as u64),
            shape: Shape::new(self.shape.elements(), 1),
            scope: PhantomData,
        })
    }

    /// Whether the module, looking `id` up as `TDH.*.RD/WR` do (by class
    /// and field code; size, context, increment-size and bit 63 ignored),
    /// reaches the first element of this field. True for Linux's and KVM's
    /// short IDs (`0x110000000000000A` for TSC_OFFSET) as for the full ones.
    pub const fn is_addressed_by(self, id: FieldId) -> bool {
        const KEY: u64 = CLASS_MASK | FIELD_CODE_MASK;
        self.id.raw() & KEY == id.raw() & KEY
    }
}

impl<S: Scope> Clone for Field<S> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<S: Scope> Copy for Field<S> {}

/// Fields are equal when their IDs and shapes are.
impl<S: Scope> PartialEq for Field<S> {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id && self.shape == other.shape
    }
}

impl<S: Scope> Eq for Field<S> {}

impl<S: Scope> core::hash::Hash for Field<S> {
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        self.id.hash(state);
        self.shape.hash(state);
    }
}

/// `Field<Td>(0x1310000300000000, 1 x 6 x 8 bytes)`: the ID, then fields x
/// elements x element size.
impl<S: Scope> fmt::Debug for Field<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Field<{}>({:#018x}, {} x {} x {} bytes)",
            S::NAME,
            self.id.raw(),
            self.fields(),
            self.elements(),
            self.element_bytes()
        )
    }
}

impl<S: Scope> IntoReg for Field<S> {
    #[inline(always)]
    fn into_reg(self) -> u64 {
        self.id.raw()
    }
}

impl<S: Scope> From<Field<S>> for FieldId {
    fn from(field: Field<S>) -> FieldId {
        field.id
    }
}

#[cfg(test)]
mod tests {
    extern crate std;

    use super::*;
    use std::format;

    #[test]
    fn elements_and_fields_address_like_the_module() {
        let mrtd = td::MRTD;
        assert_eq!(mrtd.raw(), 0x1310_0003_0000_0000);
        assert_eq!(
            mrtd.element(0),
            Ok(TdField::table(0x1310_0003_0000_0000, 1, 1))
        );
        assert_eq!(mrtd.element(5).map(Field::raw), Ok(0x1310_0003_0000_0005));
        assert_eq!(
            mrtd.element(6),
            Err(FieldIndexError::Element {
                index: 6,
                elements: 6
            })
        );
        assert_eq!(
            mrtd.field(1),
            Err(FieldIndexError::Field {
                index: 1,
                fields: 1
            })
        );
        // RTMR field 2 element 3 (4 fields of 6 elements).
        let rtmr = td::RTMR.field(2).and_then(|f| f.element(3));
        assert_eq!(rtmr.map(Field::raw), Ok(0x1310_0003_0000_004F));
        assert!(td::RTMR.field(4).is_err());
        // An element has one element.
        assert!(mrtd.element(2).and_then(|e| e.element(1)).is_err());
        // VMCS rows step by 2 (increment-size bit).
        let cr3 = vmcs::CR3_TARGET_VALUES.field(3).map(Field::raw);
        assert_eq!(cr3, Ok(0x0024_0003_0000_600E));
        // Offsets never leave the field code.
        let raw = VcpuField::from_raw(FieldId::from_raw(0x0024_0003_00FF_FFFF));
        assert_eq!(raw.element(0).map(Field::raw), Ok(0x0024_0003_00FF_FFFF));
        assert!(raw.element(1).is_err());
    }

    #[test]
    fn lookup_rule_and_registers() {
        assert!(td::TSC_OFFSET.is_addressed_by(FieldId::from_raw(0x1100_0000_0000_000A)));
        assert!(!td::TSC_OFFSET.is_addressed_by(FieldId::from_raw(0x1100_0000_0000_000B)));
        assert!(!td::TSC_OFFSET.is_addressed_by(FieldId::from_raw(0x1200_0000_0000_000A)));
        assert_eq!(sys::MAX_TDMRS.into_reg(), 0x9100_0001_0000_0008);
        assert_eq!(GlobalField::from_raw(FieldId::NONE), GlobalField::NONE);
        assert!(GlobalField::NONE.id().is_none());
        assert_eq!(
            FieldId::from(td::MRTD),
            FieldId::from_raw(0x1310_0003_0000_0000)
        );
        assert_eq!(td::MRTD.element_size(), ElementSize::Bits64);
        assert_eq!(vmcs::ALL[0].0, "VPID");
        assert_eq!(core::mem::size_of::<TdField>(), 16);
    }

    #[test]
    fn debug_and_errors_read_well() {
        assert_eq!(
            format!("{:?}", td::MRTD),
            "Field<Td>(0x1310000300000000, 1 x 6 x 8 bytes)"
        );
        assert_eq!(
            format!(
                "{:?}",
                GlobalField::from_raw(FieldId::from_raw(0x0A00_0003_0000_0008))
            ),
            "Field<Global>(0x0a00000300000008, 1 x 1 x 8 bytes)"
        );
        let e = td::MRTD.element(9).unwrap_err();
        assert_eq!(
            format!("{e}"),
            "element 9 of a metadata field with 6 element(s) (0..6)"
        );
    }
}
