//! The `# ABI` section appended to the function's docs.

use proc_macro2::TokenStream;
use quote::quote;
use seamcall_abi::{lookup, Entry, Lookup};

use super::call::scrubbed;
use crate::family::Family;
use crate::regs::{upper, Reg};
use crate::valid::{Decl, LeafWord};

pub fn abi_docs(decl: &Decl) -> TokenStream {
    let mut lines: Vec<String> = vec![String::new(), "# ABI".into(), String::new()];
    lines.push(leaf_line(decl));
    lines.extend(operand_lines(decl));
    lines.extend(writes_line(decl));
    lines.extend(option_lines(decl));
    lines.push(match decl.family {
        Family::Seamcall => "- CF=1 returns `TDX_SEAMCALL_VMFAILINVALID`; #UD and #GP return `TDX_SEAMCALL_UD` / `TDX_SEAMCALL_GP` through `seamcall_extable`; outputs read as 0 on those paths".into(),
        _ => "- #UD (not in a TD) and #GP (CPL > 0) return `TdcallErrorKind::Fault` through `seamcall_extable`; outputs read as 0 on those paths".into(),
    });
    let lines = lines.into_iter().map(|l| quote!(#[doc = #l]));
    quote!(#(#lines)*)
}

/// `- SEAMCALL TDH.MNG.RD: leaf 11 (`0xb`), version 0: RAX = `0xb` on entry; ..`
fn leaf_line(decl: &Decl) -> String {
    let leaf = match &decl.leaf {
        LeafWord::Lit(w) => {
            let (l, word) = (w.leaf(), w.raw());
            let name = match lookup(decl.family.table(), *w).entry() {
                Some(e) => format!("{}: ", e.name),
                None => String::new(),
            };
            format!(
                "{name}leaf {l} (`{l:#x}`), version {}: RAX = `{word:#x}` on entry",
                decl.version
            )
        }
        LeafWord::Path(p) => format!(
            "leaf `{}`, version {}: RAX = {} on entry",
            quote!(#p).to_string().replace(' ', ""),
            decl.version,
            seamcall_abi::LeafWord::FORMULA,
        ),
    };
    let seamldr = if decl.seamldr {
        " (P-SEAMLDR: bit 63 set)"
    } else {
        ""
    };
    format!(
        "- {} {leaf}{seamldr}; status in RAX on return",
        decl.family.insn()
    )
}

/// `- in: ..`, `- out: ..` and the clobbers.
fn operand_lines(decl: &Decl) -> Vec<String> {
    let mut lines = Vec::new();
    if decl.inputs.is_empty() {
        lines.push("- in: none".into());
    } else {
        let ins: Vec<String> = decl
            .inputs
            .iter()
            .zip(decl.params())
            .map(|(r, p)| format!("{} ← `{}`", upper(*r), p.ident))
            .collect();
        lines.push(format!("- in: {}", ins.join(", ")));
    }
    match decl.outputs.as_slice() {
        [] => lines.push("- out: none".into()),
        [r] => lines.push(format!("- out: {} → the value", upper(*r))),
        outputs => {
            let outs: Vec<String> = outputs
                .iter()
                .enumerate()
                .map(|(i, r)| format!("{} → `.{i}`", upper(*r)))
                .collect();
            lines.push(format!("- out: {}", outs.join(", ")));
        }
    }
    if !decl.clobbers.is_empty() {
        let cl: Vec<String> = decl.clobbers.iter().map(|r| upper(*r)).collect();
        lines.push(format!(
            "- clobbered (written by the module, not returned): {}",
            cl.join(", ")
        ));
    }
    lines
}

/// What the audit says the module may write, for a literal leaf the table
/// has audited.
fn writes_line(decl: &Decl) -> Option<String> {
    let LeafWord::Lit(w) = &decl.leaf else {
        return None;
    };
    let found = lookup(decl.family.table(), *w);
    let e: &Entry = found.audited()?;
    let rejected = match found {
        Lookup::Rejected(e) => format!(
            "; the module runs the version-{} handler, then rejects version {} with `TDX_OPERAND_INVALID`",
            e.version, decl.version
        ),
        _ => String::new(),
    };
    let audits = e.releases();
    let audit = if audits.iter().count() == 1 {
        "audit"
    } else {
        "audits"
    };
    let notes: Vec<String> = e
        .writes
        .unwrap_or_default()
        .iter()
        .filter(|r| r.is_gpr())
        .filter_map(|r: Reg| Some(format!("{} ({})", upper(r), e.note(r)?)))
        .collect();
    if notes.is_empty() {
        return Some(format!(
            "- the module writes no register but RAX ({audit} of {audits}{rejected})"
        ));
    }
    Some(format!(
        "- the module may write ({audit} of {audits}{rejected}): {}{}",
        notes.join(", "),
        if e.zeroes_xmm { ", XMM0-XMM15" } else { "" }
    ))
}

/// `retry` and `scrub`.
fn option_lines(decl: &Decl) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some(n) = decl.retry {
        let busy = if decl.retry_busy {
            " or `TDX_OPERAND_BUSY`"
        } else {
            ""
        };
        lines.push(format!(
            "- re-issued while the status is `TDX_RND_NO_ENTROPY`{busy}, at most {n} attempts in all"
        ));
    }
    if decl.scrub {
        let regs: Vec<String> = scrubbed(decl).iter().map(|r| upper(*r)).collect();
        if regs.is_empty() {
            lines.push("- `scrub`: the leaf writes no general register to zero".into());
        } else {
            lines.push(format!(
                "- `scrub`: once their values have been read, {} are zeroed: the architectural registers the leaf wrote (RBX and RBP hold the caller's values again after the block). Copies the compiler made of those values before that, in other registers (a callee-saved one, say) or on the stack, are not",
                regs.join(", ")
            ));
        }
    }
    lines
}
