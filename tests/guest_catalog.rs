//! The guest catalog (`seamcall_core::guest::ALL`, cargo feature `guest`)
//! against the guest ABI table and the vendored facts:
//!
//! * every TDG leaf and version of the table but TDG.VP.VMCALL is declared
//!   once with `#[tdcall]`, binds in `in` only registers the leaf reads, in
//!   `out` only registers it may write, and covers every register it may
//!   write with `out` or `clobber` (XMM0-XMM15 where it changes vector
//!   state): the cross-check the macro runs, repeated from the outside;
//! * every GHCI sub-function of `tdvmcall.tsv` with a register contract
//!   (all but MigTD, whose contract only td-shim's source gives, partially)
//!   is declared with `#[tdvmcall]`, passes the registers the TSV names as
//!   inputs and reads back those it names as outputs, and its mask is R10,
//!   R11 and every declared register, computed here independently with
//!   `guest::vmcall::exposure_mask`.
//!
//! Run with `--nocapture` to print every TDG.VP.VMCALL's mask.

use std::collections::BTreeMap;

use seamcall_core::guest::abi::GUEST_ABI;
use seamcall_core::guest::vmcall::exposure_mask;
use seamcall_core::guest::{GuestCall, GuestCallInfo, ALL};
use seamcall_core::leaves::{Reg, RegSet};

mod guest_tsv;
use guest_tsv::*;

fn set(regs: &[Reg]) -> RegSet {
    RegSet::of(regs)
}

fn xmm() -> RegSet {
    let v: Vec<Reg> = Reg::ALL.into_iter().filter(|r| !r.is_gpr()).collect();
    RegSet::of(&v)
}

#[test]
fn every_tdg_leaf_is_declared_and_matches_the_table() {
    let mut problems = Vec::new();
    for e in GUEST_ABI.iter().filter(|e| e.leaf != 0) {
        let decls: Vec<&GuestCallInfo> = ALL
            .iter()
            .filter(|c| {
                c.call
                    == GuestCall::Tdcall {
                        leaf: e.leaf,
                        version: e.version,
                    }
            })
            .collect();
        let [d] = decls[..] else {
            problems.push(format!(
                "{} v{}: {} declarations",
                e.name,
                e.version,
                decls.len()
            ));
            continue;
        };
        assert_eq!(d.name, e.name);
        let writes = e.writes.expect("audited");
        let (i, o, c) = (set(d.inputs), set(d.outputs), set(d.clobbers));
        if !e.reads.is_superset(i) {
            problems.push(format!("{}: in {} but it reads {}", d.function, i, e.reads));
        }
        if !writes.is_superset(o.difference(xmm())) {
            problems.push(format!(
                "{}: out {} but it writes {}",
                d.function, o, writes
            ));
        }
        if !o.union(c).is_superset(writes) {
            problems.push(format!(
                "{}: writes {} not covered by out/clobber",
                d.function,
                writes.difference(o.union(c))
            ));
        }
        if e.zeroes_xmm && !c.is_superset(xmm()) {
            problems.push(format!(
                "{}: changes vector state, clobbers {}",
                d.function, c
            ));
        }
    }
    let tdcalls = ALL
        .iter()
        .filter(|c| matches!(c.call, GuestCall::Tdcall { .. }))
        .count();
    assert_eq!(
        tdcalls,
        GUEST_ABI.len() - 1,
        "one #[tdcall] per row but TDG.VP.VMCALL"
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// `0x1F (31)` → 0x1F; `n/a …` / `-` → None.
fn subfn(cell: &str) -> Option<u64> {
    let word = cell.split_whitespace().next()?;
    u64::from_str_radix(word.strip_prefix("0x")?, 16).ok()
}

/// The declared mask is R10, R11 and every declared register, as the
/// module's GPR_SELECT numbers them.
fn check_mask(c: &GuestCallInfo, problems: &mut Vec<String>) {
    let exposed = set(c.inputs)
        .union(set(c.outputs))
        .union(set(c.clobbers))
        .union(set(&[Reg::R10, Reg::R11]));
    match (exposure_mask(exposed), c.mask()) {
        (Ok(want), Some(got)) if want == got => {}
        (want, got) => problems.push(format!("{}: mask {got:x?}, expected {want:x?}", c.function)),
    }
}

#[test]
fn every_ghci_subfunction_is_declared_with_the_tsv_registers() {
    let rows = read_tsv("tdvmcall.tsv");
    let mut problems = Vec::new();
    let mut seen = 0;
    for row in &rows {
        let name = row["name"].split(" (").next().unwrap_or("").to_string();
        let Some(n) = subfn(&row["r11_subfunction"]) else {
            continue;
        };
        if name == "MigTD" {
            // Only td-shim defines it, and its register use depends on the
            // MigTD sub-function: not declared (see the catalog's module
            // docs).
            continue;
        }
        seen += 1;
        let decls: Vec<&GuestCallInfo> = ALL
            .iter()
            .filter(|c| matches!(c.call, GuestCall::Ghci { subfn, .. } if subfn == n))
            .collect();
        if decls.is_empty() {
            problems.push(format!("{name} ({n:#x}): not declared"));
            continue;
        }
        let tsv_in = all_regs(&row["inputs"]);
        let tsv_out = all_regs(&row["outputs"]);
        let mut all_in = RegSet::EMPTY;
        for c in &decls {
            assert_eq!(c.name, name, "{}", c.function);
            let (i, o) = (set(c.inputs), set(c.outputs));
            all_in = all_in.union(i);
            if !tsv_in.is_superset(i) {
                problems.push(format!("{}: in {i}, the TSV names {tsv_in}", c.function));
            }
            if o != tsv_out {
                problems.push(format!("{}: out {o}, the TSV names {tsv_out}", c.function));
            }
            check_mask(c, &mut problems);
        }
        if all_in != tsv_in {
            problems.push(format!(
                "{name}: inputs {all_in} in all, the TSV names {tsv_in}"
            ));
        }
    }
    assert_eq!(
        seen, 14,
        "GHCI sub-functions with a contract in tdvmcall.tsv"
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn vendor_calls_bind_what_the_vendors_define() {
    let rows = read_tsv("tdvmcall.tsv");
    let mut problems = Vec::new();
    for (tsv, function) in [
        ("KVM hypercall", "tdvmcall_kvm_hypercall"),
        ("Hyper-V hypercall", "tdvmcall_hyperv_hypercall"),
    ] {
        let row = rows
            .iter()
            .find(|r| r["name"].starts_with(tsv))
            .unwrap_or_else(|| panic!("{tsv} not in the TSV"));
        let c = ALL
            .iter()
            .find(|c| c.function == function)
            .unwrap_or_else(|| panic!("{function} not declared"));
        assert!(
            matches!(c.call, GuestCall::Vendor { r10: None, .. }),
            "{function}: R10 is a parameter"
        );
        let (tsv_in, tsv_out) = (all_regs(&row["inputs"]), all_regs(&row["outputs"]));
        if set(c.inputs) != tsv_in || set(c.outputs) != tsv_out {
            problems.push(format!(
                "{function}: in {} out {}, the TSV names in {tsv_in} out {tsv_out}",
                set(c.inputs),
                set(c.outputs)
            ));
        }
        check_mask(c, &mut problems);
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The masks, for the record (`--nocapture`), and a few written out by
/// hand from the GPR_SELECT numbering.
#[test]
fn masks() {
    let mut by_fn = BTreeMap::new();
    for c in ALL {
        if let Some(m) = c.mask() {
            println!("{:<44} {:<28} RCX = {m:#06x}", c.function, c.name);
            by_fn.insert(c.function, m);
        }
    }
    // RDMSR: R10, R11, R12 (bits 10, 11, 12).
    assert_eq!(by_fn["tdvmcall_rdmsr"], 0x1C00);
    // The full message of ReportFatalError: Linux's TDVMCALL_EXPOSE_REGS_MASK.
    assert_eq!(by_fn["tdvmcall_report_fatal_error_message"], 0xFFCC);
    // Hyper-V: RDX (2), R8 (8), R10, R11 — OpenVMM's literal 0x0D04.
    assert_eq!(by_fn["tdvmcall_hyperv_hypercall"], 0x0D04);
}
