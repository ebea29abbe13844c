//! The `# ABI` section appended to a `#[tdvmcall]` function's docs, one
//! function per line (or group of lines), in the order they appear.

use proc_macro2::TokenStream;
use quote::quote;

use super::valid::{Decl, R10};
use crate::regs::Reg;

/// The GHCI sub-functions the TD-side documentation names (GHCI, as read
/// from Linux, KVM, QEMU, td-shim and tdx-guest; vendored in
/// `tests/data/tdx-abi/guest/tdvmcall.tsv`).
const SUBFUNCTIONS: &[(u64, &str)] = &[
    (0xA, "Instruction.CPUID"),
    (0xC, "Instruction.HLT"),
    (0x1E, "Instruction.IO"),
    (0x1F, "Instruction.RDMSR"),
    (0x20, "Instruction.WRMSR"),
    (0x30, "#VE.RequestMMIO"),
    (0x36, "Instruction.WBINVD"),
    (0x41, "Instruction.PCONFIG"),
    (0x10000, "GetTdVmCallInfo"),
    (0x10001, "MapGPA"),
    (0x10002, "GetQuote"),
    (0x10003, "ReportFatalError"),
    (0x10004, "SetupEventNotifyInterrupt"),
    (0x10005, "Service"),
    (0x10006, "MigTD"),
];

/// The GHCI name of a sub-function, if it has one.
pub fn subfunction_name(subfn: u64) -> Option<&'static str> {
    SUBFUNCTIONS
        .iter()
        .find(|(n, _)| *n == subfn)
        .map(|(_, name)| *name)
}

/// `R10, R11, R12`.
fn upper(l: &[Reg]) -> String {
    l.iter()
        .map(|r| r.name().to_uppercase())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The whole section, as `#[doc]` attributes.
pub fn docs(decl: &Decl) -> TokenStream {
    let exposed = decl.exposed();
    let mut lines: Vec<String> = vec![String::new(), "# ABI".into(), String::new()];
    lines.push(call_line(decl));
    lines.push(format!(
        "- exposes to the VMM: RCX = `{:#06x}` ({})",
        decl.mask(),
        upper(&exposed)
    ));
    lines.push(in_line(decl));
    lines.push(out_line(decl));
    lines.extend(zeroed_line(decl, &exposed));
    lines.extend(discarded_line(decl, &exposed));
    lines.push(status_line(decl));
    lines.extend(scrub_line(decl, &exposed));
    lines.push("- #UD (not in a TD) and #GP (CPL > 0) return `TdvmcallErrorKind::Fault` through `seamcall_extable`; outputs read as 0 then".into());
    let lines = lines.into_iter().map(|l| quote!(#[doc = #l]));
    quote!(#(#lines)*)
}

/// Which call: the sub-function, or the vendor-specific R10.
fn call_line(decl: &Decl) -> String {
    let call = match decl.r10 {
        R10::Ghci => {
            let s = decl.subfn.unwrap_or(0);
            let name = subfunction_name(s).map_or(String::new(), |n| format!("{n}, "));
            format!("a standard GHCI call: {name}sub-function `{s:#x}` in R11, R10 = 0")
        }
        R10::Vendor(v) => format!("a vendor-specific call: R10 = `{v:#x}`"),
        R10::Param => "a vendor-specific call: R10 is the first parameter".into(),
    };
    format!("- TDG.VP.VMCALL (TDCALL leaf 0, RAX = 0), {call}")
}

/// `- in: R12 ← `msr``.
fn in_line(decl: &Decl) -> String {
    if decl.inputs.is_empty() {
        return "- in: none".into();
    }
    let ins: Vec<String> = decl
        .inputs
        .iter()
        .zip(&decl.params)
        .map(|(r, (n, _))| format!("{} ← `{n}`", r.name().to_uppercase()))
        .collect();
    format!("- in: {}", ins.join(", "))
}

/// `- out: R11 → the value`, or one tuple element per register.
fn out_line(decl: &Decl) -> String {
    match decl.outputs.len() {
        0 => "- out: none".into(),
        1 => format!(
            "- out: {} → the value",
            decl.outputs[0].name().to_uppercase()
        ),
        _ => {
            let outs: Vec<String> = decl
                .outputs
                .iter()
                .enumerate()
                .map(|(i, r)| format!("{} → `.{i}`", r.name().to_uppercase()))
                .collect();
            format!("- out: {}", outs.join(", "))
        }
    }
}

/// The exposed registers that go in as 0.
fn zeroed_line(decl: &Decl, exposed: &[Reg]) -> Option<String> {
    let zeroed: Vec<Reg> = exposed
        .iter()
        .copied()
        .filter(|r| !(decl.inputs.contains(r) || decl.is_ghci() && *r == Reg::R11))
        .filter(|r| !(*r == Reg::R10 && decl.r10 != R10::Param))
        .collect();
    (!zeroed.is_empty())
        .then(|| format!("- sent as 0 (exposed, no input value): {}", upper(&zeroed)))
}

/// The exposed registers not read back.
fn discarded_line(decl: &Decl, exposed: &[Reg]) -> Option<String> {
    let discarded: Vec<Reg> = exposed
        .iter()
        .copied()
        .filter(|r| !(decl.outputs.contains(r) || decl.is_ghci() && *r == Reg::R10))
        .collect();
    (!discarded.is_empty()).then(|| {
        format!(
            "- the VMM may change, not read back (clobbered): {}",
            upper(&discarded)
        )
    })
}

/// How RAX and R10 become `Err`.
fn status_line(decl: &Decl) -> String {
    if decl.is_ghci() {
        "- RAX != 0: the TDX module rejected the call, `Err` with `TdvmcallErrorKind::Rejected`; R10 != 0: the VMM's status, `Err` with `TdvmcallErrorKind::Vmm`".into()
    } else {
        "- RAX != 0: the TDX module rejected the call, `Err` with `TdvmcallErrorKind::Rejected`; R10 is not a GHCI status in a vendor-specific call".into()
    }
}

/// What `scrub` zeroes, unless `no_scrub`.
fn scrub_line(decl: &Decl, exposed: &[Reg]) -> Option<String> {
    if !decl.scrub {
        return None;
    }
    let scrubbed: Vec<Reg> = exposed.iter().copied().filter(|r| *r != Reg::Rbx).collect();
    Some(format!(
        "- once their values were read, {} are zeroed against speculative use of VMM-chosen values (`no_scrub` keeps them){}",
        upper(&scrubbed),
        if exposed.contains(&Reg::Rbx) {
            "; RBX holds the caller's value again after the block"
        } else {
            ""
        }
    ))
}
