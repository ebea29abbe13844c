//! `seamcall_core::fields` against the facts.
//!
//! * The generator: `seamcall-core/src/fields/generated.rs` is what
//!   [`generate`] makes of `tests/data/tdx-abi/fields.tsv` (the module's
//!   metadata lookup tables). To regenerate after changing the TSV or the
//!   generator: `SEAMCALL_REGENERATE=1 cargo test --test fields_abi`.
//! * The compiled constants: every field of the TSV is a constant with the
//!   ID, shape and scope of its newest table row.
//! * The IDs Linux's global-metadata reader and KVM use (listed in
//!   `tests/data/tdx-abi/fields.md`, section 7), written here as Linux and
//!   KVM write them, are all reachable through the constants.
//! * The vendored copies equal the originals when those sit beside the
//!   repository.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;

use seamcall_core::fields::{self, Field, GlobalField, Scope, TdField, VcpuField};
use seamcall_core::{FieldContext, FieldId};

use seamcall_tests::vendored::{data_dir as vendored_dir, root};

fn data_dir() -> PathBuf {
    vendored_dir("")
}

const GENERATED: &str = "seamcall-core/src/fields/generated.rs";

fn read(path: PathBuf) -> String {
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

#[test]
fn vendored_facts_match_the_originals() {
    seamcall_tests::vendored::assert_copies_match("", &["fields.tsv", "fields.md"]);
}

// ---------------------------------------------------------------------
// The generator.

/// One row of fields.tsv.
#[derive(Clone, Debug)]
struct Row {
    scope: String,
    class_name: String,
    name: String,
    id: u64,
    size: u64,
    elements: u64,
    fields: u64,
    host_read: String,
    host_write: String,
    guest_read: String,
    guest_write: String,
    module: String,
    source: String,
}

fn parse_tsv(text: &str) -> Vec<Row> {
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("header").split('\t').collect();
    assert_eq!(
        header,
        [
            "scope",
            "class_name",
            "name",
            "field_id",
            "element_size_bytes",
            "num_elements",
            "num_fields",
            "host_read",
            "host_write",
            "guest_read",
            "guest_write",
            "module",
            "source"
        ],
        "fields.tsv columns changed: update the generator"
    );
    lines
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let c: Vec<&str> = line.split('\t').collect();
            assert_eq!(c.len(), 13, "{line}");
            let num = |s: &str| {
                s.parse::<u64>()
                    .unwrap_or_else(|e| panic!("{s}: {e} in {line}"))
            };
            let id = c[3]
                .strip_prefix("0x")
                .filter(|d| d.len() == 16)
                .and_then(|d| u64::from_str_radix(d, 16).ok())
                .unwrap_or_else(|| panic!("bad field_id {} in {line}", c[3]));
            Row {
                scope: c[0].into(),
                class_name: c[1].into(),
                name: c[2].into(),
                id,
                size: num(c[4]),
                elements: num(c[5]),
                fields: num(c[6]),
                host_read: c[7].into(),
                host_write: c[8].into(),
                guest_read: c[9].into(),
                guest_write: c[10].into(),
                module: c[11].into(),
                source: c[12].into(),
            }
        })
        .collect()
}

/// `"Guest CS access rights"` → `GUEST_CS_ACCESS_RIGHTS`, `"IA32_A_PMCx"` →
/// `IA32_A_PMCX`, `"I/O RCX"` → `I_O_RCX`.
fn ident(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_uppercase());
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    let out = out.trim_matches('_').to_owned();
    assert!(
        out.chars().next().is_some_and(|c| c.is_ascii_alphabetic()),
        "{name}: no identifier"
    );
    out
}

fn version_key(module: &str) -> Vec<u32> {
    module
        .split('.')
        .map(|p| p.parse().unwrap_or_else(|e| panic!("module {module}: {e}")))
        .collect()
}

/// The generated modules, in order: (TSV scope, module, type, context code,
/// what it documents).
const SCOPES: &[(&str, &str, &str, u64, &str)] = &[
    (
        "sys",
        "sys",
        "GlobalField",
        0,
        "Module-global fields, read with `TDH.SYS.RD` and `TDH.SYS.RDALL`: the module's `global_sys` table.",
    ),
    (
        "td",
        "td",
        "TdField",
        1,
        "TD fields, read and written with `TDH.MNG.RD` and `TDH.MNG.WR`: the module's TDR and TDCS table.",
    ),
    (
        "vp",
        "vcpu",
        "VcpuField",
        2,
        "vCPU fields, read and written with `TDH.VP.RD` and `TDH.VP.WR`: the module's TDVPS table.",
    ),
    (
        "vmcs",
        "vmcs",
        "VcpuField",
        2,
        "Fields of a vCPU's TD VMCS (class 0), read and written with `TDH.VP.RD` and `TDH.VP.WR`; the field code is the VMCS encoding.",
    ),
    (
        "l2vmcs",
        "l2vmcs",
        "VcpuField",
        2,
        "Fields of the L2 VMCS of a vCPU's L2 VM 1 (class 36), read and written with `TDH.VP.RD` and `TDH.VP.WR`. For L2 VM 2 and 3 replace bits 61:56 of the ID with 44 (0x2C) or 52 (0x34), through `VcpuField::from_raw`.",
    ),
];

/// Entries whose field code is not an element index: the TDCS CPUID values
/// encode the CPUID leaf and sub-leaf in the field code (fields.md, 3.3), so
/// `field(i)` must not step through them.
fn field_code_is_not_an_index(row: &Row) -> bool {
    row.scope == "td" && row.name == "CPUID_VALUES"
}

fn shape(elements: u64, fields: u64, size: u64) -> String {
    let el = |n: u64| {
        if n == 1 {
            format!(
                "1 element of {size} byte{}",
                if size == 1 { "" } else { "s" }
            )
        } else {
            format!(
                "{n} elements of {size} byte{}",
                if size == 1 { "" } else { "s" }
            )
        }
    };
    if fields == 1 {
        el(elements)
    } else {
        format!("{fields} fields of {}", el(elements))
    }
}

fn access(row: &Row) -> String {
    if row.scope == "sys" {
        format!(
            "Host read mask {}, host write mask {}; guest read mask (TDG.SYS.RD) {}.",
            row.host_read, row.host_write, row.guest_read
        )
    } else {
        format!(
            "Host read mask {}, host write mask {} (production/debug TD); guest read mask {}, guest write mask {}.",
            row.host_read, row.host_write, row.guest_read, row.guest_write
        )
    }
}

/// What differs in `old` from `new`, for the documentation.
fn differences(new: &Row, old: &Row) -> Vec<String> {
    let mut d = Vec::new();
    if old.id != new.id {
        d.push(format!("ID `{:#018X}`", old.id).replace("0X", "0x"));
    }
    if (old.elements, old.fields, old.size) != (new.elements, new.fields, new.size) {
        d.push(shape(old.elements, old.fields, old.size));
    }
    for (what, o, n) in [
        ("host read mask", &old.host_read, &new.host_read),
        ("host write mask", &old.host_write, &new.host_write),
        ("guest read mask", &old.guest_read, &new.guest_read),
        ("guest write mask", &old.guest_write, &new.guest_write),
        ("class", &old.class_name, &new.class_name),
    ] {
        if o != n {
            d.push(format!("{what} {o}"));
        }
    }
    d
}

/// The text of `seamcall-core/src/fields/generated.rs` for `tsv`.
fn generate(tsv: &str) -> String {
    let rows = parse_tsv(tsv);
    let mut out = String::new();
    out.push_str(
        "//! Generated by `tests/fields_abi.rs` from `tests/data/tdx-abi/fields.tsv`;\n\
         //! do not edit. Regenerate with\n\
         //! `SEAMCALL_REGENERATE=1 cargo test --test fields_abi`.\n\n",
    );
    for &(scope, module, ty, context, doc) in SCOPES {
        // Rows of this scope by identifier, newest module first; the order of
        // the constants is the table order of the first row seen.
        let mut order: Vec<String> = Vec::new();
        let mut by_ident: BTreeMap<String, Vec<&Row>> = BTreeMap::new();
        for row in rows.iter().filter(|r| r.scope == scope) {
            let id = ident(&row.name);
            let list = by_ident.entry(id.clone()).or_default();
            if list.is_empty() {
                order.push(id);
            }
            assert!(
                list.iter().all(|r| r.module != row.module),
                "{scope} {}: two rows for module {}",
                row.name,
                row.module
            );
            list.push(row);
        }
        for list in by_ident.values_mut() {
            list.sort_by_key(|r| std::cmp::Reverse(version_key(&r.module)));
        }
        writeln!(out, "#[doc = {doc:?}]").unwrap();
        writeln!(out, "pub mod {module} {{").unwrap();
        writeln!(out, "    use crate::fields::{{Field, {ty}}};").unwrap();
        for id in &order {
            let list = &by_ident[id];
            let new = list[0];
            assert_eq!(
                (new.id >> 52) & 7,
                context,
                "{scope} {}: context bits of {:#x}",
                new.name,
                new.id
            );
            assert_eq!(
                1u64 << ((new.id >> 32) & 3),
                new.size,
                "{scope} {}: size bits of {:#x}",
                new.name,
                new.id
            );
            let fields = if field_code_is_not_an_index(new) {
                1
            } else {
                new.fields
            };
            let stride = if new.id & (1 << 50) != 0 { 2 } else { 1 };
            let last = (new.id & 0xFF_FFFF) + (new.elements * fields - 1) * stride;
            assert!(
                last <= 0xFF_FFFF,
                "{scope} {}: field codes overflow",
                new.name
            );
            let versions: Vec<&str> = list.iter().rev().map(|r| r.module.as_str()).collect();
            writeln!(out).unwrap();
            writeln!(
                out,
                "    /// `{}` (class `{}`): {}.",
                new.name,
                new.class_name,
                shape(new.elements, new.fields, new.size)
            )
            .unwrap();
            writeln!(out, "    ///").unwrap();
            writeln!(out, "    /// {}", access(new)).unwrap();
            writeln!(out, "    ///").unwrap();
            writeln!(
                out,
                "    /// In the table{} of module{} {} (`{}`).",
                if versions.len() == 1 { "" } else { "s" },
                if versions.len() == 1 { "" } else { "s" },
                versions.join(", "),
                new.source
            )
            .unwrap();
            // 1.5.01 and 1.5.06 are complete tables: a field missing there is
            // not in that module (the lookup fails).
            let missing: Vec<&str> = ["1.5.01", "1.5.06"]
                .into_iter()
                .filter(|v| !versions.contains(v))
                .collect();
            if !missing.is_empty() {
                writeln!(
                    out,
                    "    /// Not in the table of module {}: there the read fails with `TDX_METADATA_FIELD_ID_INCORRECT`.",
                    missing.join(" or ")
                )
                .unwrap();
            }
            for old in &list[1..] {
                let d = differences(new, old);
                if !d.is_empty() {
                    writeln!(out, "    ///").unwrap();
                    writeln!(out, "    /// Module {}: {}.", old.module, d.join(", ")).unwrap();
                }
            }
            if field_code_is_not_an_index(new) {
                writeln!(out, "    ///").unwrap();
                writeln!(
                    out,
                    "    /// The field code encodes the CPUID leaf and sub-leaf (bit 0 the element, \
                     bits 7:1 sub-leaf bits 6:0, bit 8 \"no sub-leaf\", bits 15:9 leaf bits 6:0, \
                     bit 16 leaf bit 31): the {} fields of the table are not consecutive codes, so \
                     this constant has one field; build other IDs from this one's raw value.",
                    new.fields
                )
                .unwrap();
            }
            writeln!(
                out,
                "    pub const {id}: {ty} = Field::table(0x{:016X}, {}, {fields});",
                new.id, new.elements
            )
            .unwrap();
        }
        writeln!(out).unwrap();
        writeln!(
            out,
            "    /// Every constant of this module with the name the module's table gives it, in table order."
        )
        .unwrap();
        writeln!(out, "    pub const ALL: &[(&str, {ty})] = &[").unwrap();
        for id in &order {
            writeln!(out, "        ({:?}, {id}),", by_ident[id][0].name).unwrap();
        }
        writeln!(out, "    ];").unwrap();
        if matches!(scope, "sys" | "td") {
            write_host_read(&mut out, ty, &order, &by_ident);
        }
        if matches!(scope, "sys" | "td" | "vp" | "vmcs") {
            write_guest(&mut out, ty, &order, &by_ident);
        }
        writeln!(out, "}}").unwrap();
        writeln!(out).unwrap();
    }
    out.pop();
    out
}

/// A mask cell (`all`, `none`, or hex already cut to the element size) as
/// a value for an element of `size` bytes.
fn mask_value(cell: &str, size: u64) -> u64 {
    match cell {
        "all" => u64::MAX >> (64 - 8 * size),
        "none" => 0,
        hex => u64::from_str_radix(hex.trim_start_matches("0x"), 16)
            .unwrap_or_else(|e| panic!("bad mask {hex:?}: {e}")),
    }
}

/// The table the software module (`emulate`) looks host reads up in: per
/// constant its host read mask for a production and a debug TD (the sys
/// table has one), and which module tables hold it (bit 0: 1.5.01, bit 1:
/// 1.5.06, bit 2: a 2.0 table).
fn write_host_read(
    out: &mut String,
    ty: &str,
    order: &[String],
    by_ident: &BTreeMap<String, Vec<&Row>>,
) {
    writeln!(out).unwrap();
    writeln!(
        out,
        "    /// For the software module: each constant, its host read mask for a production and a debug TD, and the module tables that hold it (bit 0: 1.5.01, bit 1: 1.5.06, bit 2: 2.0)."
    )
    .unwrap();
    writeln!(out, "    #[cfg(feature = \"emulate\")]").unwrap();
    writeln!(
        out,
        "    pub(crate) const HOST_READ: &[({ty}, u64, u64, u8)] = &["
    )
    .unwrap();
    for id in order {
        let list = &by_ident[id];
        let new = list[0];
        let (prod, debug) = new
            .host_read
            .split_once('/')
            .unwrap_or((&new.host_read, &new.host_read));
        let tables = list.iter().fold(0u8, |t, r| {
            t | match r.module.as_str() {
                "1.5.01" => 1,
                "1.5.06" => 2,
                _ => 4,
            }
        });
        writeln!(
            out,
            "        ({id}, 0x{:X}, 0x{:X}, {tables}),",
            mask_value(prod, new.size),
            mask_value(debug, new.size)
        )
        .unwrap();
    }
    writeln!(out, "    ];").unwrap();
}

/// The table the software module's guest side (`emulate`) looks TDG.SYS.RD,
/// TDG.VM.RD/WR and TDG.VP.RD/WR up in: per constant its guest read mask,
/// its guest write mask, and which module tables hold it (as for
/// [`write_host_read`]).
fn write_guest(
    out: &mut String,
    ty: &str,
    order: &[String],
    by_ident: &BTreeMap<String, Vec<&Row>>,
) {
    writeln!(out).unwrap();
    writeln!(
        out,
        "    /// For the software module's guest side: each constant, its guest read and write masks, and the module tables that hold it (bit 0: 1.5.01, bit 1: 1.5.06, bit 2: 2.0)."
    )
    .unwrap();
    writeln!(out, "    #[cfg(feature = \"emulate\")]").unwrap();
    writeln!(
        out,
        "    pub(crate) const GUEST: &[({ty}, u64, u64, u8)] = &["
    )
    .unwrap();
    for id in order {
        let list = &by_ident[id];
        let new = list[0];
        let tables = list.iter().fold(0u8, |t, r| {
            t | match r.module.as_str() {
                "1.5.01" => 1,
                "1.5.06" => 2,
                _ => 4,
            }
        });
        writeln!(
            out,
            "        ({id}, 0x{:X}, 0x{:X}, {tables}),",
            mask_value(&new.guest_read, new.size),
            mask_value(&new.guest_write, new.size)
        )
        .unwrap();
    }
    writeln!(out, "    ];").unwrap();
}

#[test]
fn generated_file_is_current() {
    let tsv = read(data_dir().join("fields.tsv"));
    let text = generate(&tsv);
    let path = root().join(GENERATED);
    if std::env::var_os("SEAMCALL_REGENERATE").is_some() {
        std::fs::write(&path, &text)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
        return;
    }
    let committed = read(path);
    if committed != text {
        let line = committed
            .lines()
            .zip(text.lines())
            .position(|(a, b)| a != b)
            .map_or(committed.lines().count().min(text.lines().count()), |i| i)
            + 1;
        panic!(
            "{GENERATED} is not what tests/data/tdx-abi/fields.tsv generates (first difference at line {line}); \
             regenerate with `SEAMCALL_REGENERATE=1 cargo test --test fields_abi`"
        );
    }
}

// ---------------------------------------------------------------------
// The compiled constants against the TSV.

fn check_scope<S: Scope>(
    rows: &[Row],
    scope: &str,
    all: &[(&str, Field<S>)],
    context: FieldContext,
) {
    let mut newest: BTreeMap<String, &Row> = BTreeMap::new();
    for row in rows.iter().filter(|r| r.scope == scope) {
        let e = newest.entry(row.name.clone()).or_insert(row);
        if version_key(&row.module) > version_key(&e.module) {
            *e = row;
        }
    }
    assert_eq!(all.len(), newest.len(), "{scope}: one constant per field");
    for (name, row) in &newest {
        let field = all
            .iter()
            .find(|(n, _)| n == name)
            .map(|&(_, f)| f)
            .unwrap_or_else(|| panic!("{scope} {name}: no constant"));
        assert_eq!(field.raw(), row.id, "{scope} {name}");
        assert_eq!(field.elements() as u64, row.elements, "{scope} {name}");
        let fields = if field_code_is_not_an_index(row) {
            1
        } else {
            row.fields
        };
        assert_eq!(field.fields() as u64, fields, "{scope} {name}");
        assert_eq!(field.element_bytes() as u64, row.size, "{scope} {name}");
        assert_eq!(field.id().context(), context, "{scope} {name}");
        assert_eq!(S::CONTEXT, context);
        // The last element of the last field is addressable, one more is not.
        let last = field
            .field(field.fields() - 1)
            .and_then(|f| f.element(f.elements() - 1));
        assert!(last.is_ok(), "{scope} {name}");
        assert!(field.field(field.fields()).is_err(), "{scope} {name}");
        assert!(field.element(field.elements()).is_err(), "{scope} {name}");
    }
}

#[test]
fn every_field_of_the_tsv_is_a_constant() {
    let rows = parse_tsv(&read(data_dir().join("fields.tsv")));
    check_scope(&rows, "sys", fields::sys::ALL, FieldContext::Global);
    check_scope(&rows, "td", fields::td::ALL, FieldContext::Td);
    check_scope(&rows, "vp", fields::vcpu::ALL, FieldContext::Vcpu);
    check_scope(&rows, "vmcs", fields::vmcs::ALL, FieldContext::Vcpu);
    check_scope(&rows, "l2vmcs", fields::l2vmcs::ALL, FieldContext::Vcpu);
}

// ---------------------------------------------------------------------
// Linux and KVM.

/// Linux's `tdx_global_metadata.c` (torvalds/linux
/// arch/x86/virt/vmx/tdx/tdx_global_metadata.c at 01f492e1): the IDs it
/// passes to TDH.SYS.RD, full table IDs, so equal as they are.
#[test]
fn linux_global_metadata_ids() {
    use fields::sys::*;
    let exact: &[(GlobalField, u64)] = &[
        (MINOR_VERSION, 0x0800000100000003),
        (MAJOR_VERSION, 0x0800000100000004),
        (UPDATE_VERSION, 0x0800000100000005),
        (TDX_FEATURES0, 0x0A00000300000008),
        (MAX_TDMRS, 0x9100000100000008),
        (MAX_RESERVED_PER_TDMR, 0x9100000100000009),
        (PAMT_4K_ENTRY_SIZE, 0x9100000100000010),
        (PAMT_2M_ENTRY_SIZE, 0x9100000100000011),
        (PAMT_1G_ENTRY_SIZE, 0x9100000100000012),
        (TDR_BASE_SIZE, 0x9800000100000000),
        (TDCS_BASE_SIZE, 0x9800000100000100),
        (TDVPS_BASE_SIZE, 0x9800000100000200),
        (ATTRIBUTES_FIXED0, 0x1900000300000000),
        (ATTRIBUTES_FIXED1, 0x1900000300000001),
        (XFAM_FIXED0, 0x1900000300000002),
        (XFAM_FIXED1, 0x1900000300000003),
        (NUM_CPUID_CONFIG, 0x9900000100000004),
        (MAX_VCPUS_PER_TD, 0x9900000100000008),
    ];
    for &(field, linux) in exact {
        assert_eq!(field.raw(), linux, "{field:?}");
    }
    // cpuid_config_leaves[i] = 0x9900000300000400 + i,
    // cpuid_config_values[i][j] = 0x9900000300000500 + 2i + j.
    for i in 0..32u64 {
        let leaf = CPUID_CONFIG_LEAVES
            .field(i as usize)
            .and_then(|f| f.element(0));
        assert_eq!(leaf.map(Field::raw), Ok(0x9900000300000400 + i));
        for j in 0..2u64 {
            let value = CPUID_CONFIG_VALUES
                .field(i as usize)
                .and_then(|f| f.element(j as usize));
            assert_eq!(value.map(Field::raw), Ok(0x9900000300000500 + 2 * i + j));
        }
    }
    assert!(CPUID_CONFIG_LEAVES.field(32).is_err());
}

/// KVM (torvalds/linux arch/x86/kvm/vmx/tdx.c at 3829d81b, tdx.h at
/// 012426d6, tdx_arch.h at aedc8fa5) builds IDs as bit 63 | class << 56 |
/// field code: the module finds the same entry by class and field code, so
/// each must address the constant, and where KVM uses the full ID it must
/// equal it.
#[test]
fn kvm_metadata_ids() {
    let td: &[(TdField, u64)] = &[
        (fields::td::TSC_OFFSET, 0x110000000000000A),
        (fields::td::TSC_MULTIPLIER, 0x110000000000000B),
    ];
    for &(field, kvm) in td {
        assert!(
            field.is_addressed_by(FieldId::from_raw(kvm)),
            "{field:?} vs {kvm:#x}"
        );
    }
    // KVM_TDX_GET_CPUID starts from the full base ID.
    assert_eq!(fields::td::CPUID_VALUES.raw(), 0x9410000300000000);
    let vcpu: &[(VcpuField, u64)] = &[
        (fields::vcpu::VCPU_STATE_DETAILS, 0x9100000000000100),
        (fields::vcpu::PEND_NMI, 0x200000000000000B),
        (
            fields::vmcs::POSTED_INTERRUPT_NOTIFICATION_VECTOR,
            0x0000000000000002,
        ),
        (
            fields::vmcs::POSTED_INTERRUPT_DESCRIPTOR_ADDRESS,
            0x0000000000002016,
        ),
        (
            fields::vmcs::PIN_BASED_VM_EXECTION_CONTROLS,
            0x0000000000004000,
        ),
        (fields::vmcs::SHARED_EPTP, 0x000000000000203C),
    ];
    for &(field, kvm) in vcpu {
        assert!(
            field.is_addressed_by(FieldId::from_raw(kvm)),
            "{field:?} vs {kvm:#x}"
        );
    }
    // The full IDs the module's tables hold for them (fields.md, section 7).
    assert_eq!(fields::td::TSC_OFFSET.raw(), 0x111000030000000A);
    assert_eq!(fields::vcpu::VCPU_STATE_DETAILS.raw(), 0x9120000300000100);
    assert_eq!(fields::vcpu::PEND_NMI.raw(), 0x202000000000000B);
    assert_eq!(fields::vmcs::SHARED_EPTP.raw(), 0x002400030000203C);
}

/// The MRTD the module's table holds, six 8-byte elements.
#[test]
fn mrtd() {
    let mrtd = fields::td::MRTD;
    assert_eq!(mrtd.raw(), 0x1310000300000000);
    assert_eq!(
        (mrtd.elements(), mrtd.fields(), mrtd.element_bytes()),
        (6, 1, 8)
    );
    let ids: Vec<u64> = (0..6)
        .map(|i| mrtd.element(i).map(Field::raw).unwrap())
        .collect();
    assert_eq!(
        ids,
        (0x1310000300000000..0x1310000300000006).collect::<Vec<_>>()
    );
    assert!(mrtd.element(6).is_err());
}
