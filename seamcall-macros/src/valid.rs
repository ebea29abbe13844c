//! Every rule a declaration must satisfy, in one list. Each failure points at
//! the tokens at fault and says what to write instead. All rules run, so one
//! build reports every mistake of a declaration.

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::Path;

use crate::abi;
use crate::ast::{self, Func, Param, Ret};
use crate::attr::{Args, Leaf, RegList};
use crate::ctxt::Ctxt;
use crate::insn::Insn;
use crate::regs::Reg;

/// The leaf word's source, once validated.
pub enum LeafWord {
    /// Leaf number from a literal, range-checked here.
    Lit(u16),
    /// Leaf number from a constant; the expansion asserts its range.
    Path(Path),
}

/// A declaration that passed every rule: what the expansion works from.
pub struct Decl {
    /// The instruction the block issues.
    pub insn: Insn,
    pub func: Func,
    pub leaf: LeafWord,
    pub version: u8,
    pub seamldr: bool,
    /// In the order of the parameters.
    pub inputs: Vec<Reg>,
    /// In the order of the success value's elements.
    pub outputs: Vec<Reg>,
    pub clobbers: Vec<Reg>,
    pub krate: Path,
    pub retry: Option<u32>,
    pub retry_busy: bool,
    pub scrub: bool,
    /// `unchecked`: no ABI cross-check (for a path leaf, no generated
    /// assertion).
    pub unchecked: bool,
}

impl Decl {
    pub fn ret(&self) -> &Ret {
        // `validate` only builds a `Decl` when the return type was read.
        self.func.ret.as_ref().unwrap_or(&Ret::RawStatus)
    }

    pub fn params(&self) -> &[Param] {
        &self.func.params
    }
}

pub fn validate(cx: &Ctxt, insn: Insn, args: Args, func: Func) -> Option<Decl> {
    let leaf = check_leaf(cx, insn, &args);
    if insn != Insn::Seamcall {
        check_guest(cx, insn, &args);
    }
    let version = check_version(cx, &args);

    let empty = |span| RegList {
        span,
        regs: Vec::new(),
        complete: true,
    };
    // Where the cross-check reports a missing write: the `out` list, else
    // the `clobber` list, else the leaf.
    let write_span = args
        .outputs
        .as_ref()
        .or(args.clobbers.as_ref())
        .map(|l| l.span);
    let inputs = args.inputs.unwrap_or_else(|| empty(args.span));
    let outputs = args.outputs.unwrap_or_else(|| empty(args.span));
    let clobbers = args.clobbers.unwrap_or_else(|| empty(args.span));
    check_list(cx, "in", &inputs, false);
    check_list(cx, "out", &outputs, false);
    check_list(cx, "clobber", &clobbers, true);
    // A register in `in` and `clobber` is an input the leaf may overwrite
    // (TDH.VP.WR's R8); one in `out` and `clobber` says two things at once.
    for (r, span) in &clobbers.regs {
        if outputs.contains(*r) {
            cx.error_at(
                *span,
                format!("`{r}` is already in `out`; remove it from `clobber`: `clobber` lists registers the leaf may change that the caller does not read"),
            );
        }
    }
    // TDG.VP.VMCALL is checked by its mask (and refused by `#[tdcall]`).
    let vmcall = insn != Insn::Seamcall && matches!(leaf, Some(LeafWord::Lit(0)));
    if let (Some(Leaf::Lit { span, .. }), Some(LeafWord::Lit(n)), false) =
        (&args.leaf, &leaf, vmcall)
    {
        abi::check(
            cx,
            &abi::Declared {
                leaf: *n,
                version,
                seamldr: args.seamldr.is_some() && insn == Insn::Seamcall,
                leaf_span: *span,
                inputs: &inputs,
                outputs: &outputs,
                clobbers: &clobbers,
                write_span: write_span.unwrap_or(*span),
                unchecked: args.unchecked,
                table: insn.table(),
            },
        );
    }

    check_params(cx, &func, &inputs);
    check_value(cx, &func, &outputs);
    check_signature(cx, insn, &func, args.safe);

    let retry = match &args.retry {
        Some(n) if n.value == 0 || n.value > u64::from(u32::MAX) => {
            cx.error_at(n.span, "`retry` is the number of attempts in all, from 1 to 4294967295; Linux uses `retry = 10`");
            None
        }
        Some(n) => Some(n.value as u32),
        None => None,
    };
    if let (Some(span), None) = (args.retry_busy, &args.retry) {
        cx.error_at(
            span,
            "`retry_busy` sets what `retry` re-issues on; add `retry = N` (attempts in all)",
        );
    }

    if cx.has_errors() {
        return None;
    }
    Some(Decl {
        insn,
        leaf: leaf?,
        version,
        seamldr: args.seamldr.is_some(),
        inputs: inputs.regs.iter().map(|(r, _)| *r).collect(),
        outputs: outputs.regs.iter().map(|(r, _)| *r).collect(),
        clobbers: clobbers.regs.iter().map(|(r, _)| *r).collect(),
        krate: args
            .krate
            .unwrap_or_else(|| syn::parse_quote!(::seamcall_core)),
        retry,
        retry_busy: args.retry_busy.is_some(),
        scrub: args.scrub.is_some(),
        unchecked: args.unchecked.is_some(),
        func,
    })
}

fn check_leaf(cx: &Ctxt, insn: Insn, args: &Args) -> Option<LeafWord> {
    match &args.leaf {
        None => {
            let example = match insn {
                Insn::Seamcall => "#[seamcall(leaf = 11, in = [rcx, rdx], out = [r8])]",
                _ => "#[tdcall(leaf = 1, out = [rcx, rdx, r8, r9, r10, r11])]",
            };
            cx.error_at(
                args.span,
                format!(
                    "missing `leaf`: every {} names its leaf number, like `{example}`",
                    insn.name()
                ),
            );
            None
        }
        Some(Leaf::Lit { value, span }) => match u16::try_from(*value) {
            Ok(v) => Some(LeafWord::Lit(v)),
            Err(_) => {
                cx.error_at(
                    *span,
                    format!("leaf {value} ({value:#x}) does not fit in bits 15:0 of RAX; leaf numbers are 0..=0xFFFF{}", if insn == Insn::Seamcall { " (P-SEAMLDR leaves: write the leaf number and the `seamldr` flag)" } else { "" }),
                );
                None
            }
        },
        Some(Leaf::Path(p)) => Some(LeafWord::Path(p.clone())),
    }
}

fn check_version(cx: &Ctxt, args: &Args) -> u8 {
    match &args.version {
        None => 0,
        Some(n) => match u8::try_from(n.value) {
            Ok(v) => v,
            Err(_) => {
                cx.error_at(
                    n.span,
                    format!(
                        "version {} does not fit in bits 23:16 of RAX; versions are 0..=255",
                        n.value
                    ),
                );
                0
            }
        },
    }
}

fn check_list(cx: &Ctxt, key: &str, list: &RegList, clobber: bool) {
    for (i, (r, span)) in list.regs.iter().enumerate() {
        match r {
            Reg::Rax => cx.error_at(
                *span,
                "`rax` carries the leaf word in and the status out, so it cannot be listed; the status is the function's return value (`Result` or `TdxStatus`)",
            ),
            Reg::Rsp => cx.error_at(
                *span,
                "`rsp` is the stack pointer: the TDX module never takes or returns a value in it; remove it",
            ),
            Reg::Rbp if !clobber => cx.error_at(
                *span,
                format!("`rbp` is never a SEAMCALL operand; remove it from `{key}`. If the module may overwrite it (TDH.VP.ENTER on module 1.5.01), write `clobber = [rbp]` and the expansion saves and restores it"),
            ),
            Reg::Xmm(_) if !clobber => cx.error_at(
                *span,
                format!("vector registers are never SEAMCALL operands; `{r}` can only be listed in `clobber`"),
            ),
            _ => {}
        }
        if list.regs[..i].iter().any(|(other, _)| other == r) {
            cx.error_at(
                *span,
                format!("`{r}` appears twice in `{key}`; list each register once"),
            );
        }
    }
}

fn check_params(cx: &Ctxt, func: &Func, inputs: &RegList) {
    if !inputs.complete {
        return;
    }
    let n_in = inputs.regs.len();
    let n_params = func.item.sig.inputs.len();
    if n_in == n_params {
        return;
    }
    let list: Vec<String> = inputs.regs.iter().map(|(r, _)| r.name()).collect();
    let msg = format!(
        "`in = [{}]` binds {n_in} register{} to the parameters in order, but the function has {n_params} parameter{}; write one parameter per `in` register",
        list.join(", "),
        plural(n_in),
        plural(n_params),
    );
    if n_params > n_in {
        // Point at the first parameter without a register.
        let extra = &func.item.sig.inputs[n_in];
        cx.error_spanned_by(extra, msg);
    } else {
        let span = if n_params == 0 {
            inputs.span
        } else {
            func.item.sig.inputs.span()
        };
        cx.error_at(span, msg);
    }
}

fn check_value(cx: &Ctxt, func: &Func, outputs: &RegList) {
    if !outputs.complete {
        return;
    }
    let n_out = outputs.regs.len();
    let Some(ret) = &func.ret else { return };
    let list: Vec<String> = outputs.regs.iter().map(|(r, _)| r.name()).collect();
    let list = list.join(", ");
    let Some(value) = ret.value() else {
        if n_out > 0 {
            cx.error_spanned_by(
                &func.item.sig.output,
                format!("`out = [{list}]` returns {n_out} value{}; the raw form is `(TdxStatus, T)` with T one value per `out` register", plural(n_out)),
            );
        }
        return;
    };
    let elems = ast::value_elems(value);
    let ok = match n_out {
        0 => ast::is_tuple(value) && elems.is_empty(),
        1 => !(ast::is_tuple(value) && elems.len() != 1),
        n => ast::is_tuple(value) && elems.len() == n,
    };
    if ok {
        return;
    }
    let want = match n_out {
        0 => "`()`, since the declaration has no `out` registers".to_string(),
        1 => format!("a single value for `out = [{list}]`, like `u64`"),
        n => format!(
            "a {n}-tuple, one element per register of `out = [{list}]`, like `({})`",
            vec!["u64"; n].join(", ")
        ),
    };
    cx.error_spanned_by(value, format!("the success value must be {want}"));
}

fn check_signature(cx: &Ctxt, insn: Insn, func: &Func, safe: Option<Span>) {
    let sig = &func.item.sig;
    let n = insn.name();
    match (&sig.unsafety, safe) {
        (None, None) => cx.error_spanned_by(
            sig.fn_token,
            format!("a {n} hands physical addresses to the TDX module, so the leaf must be `unsafe fn`; write `unsafe fn`, or add `safe` to the attribute if this leaf takes nothing the caller must vouch for"),
        ),
        (Some(u), Some(_)) => cx.error_spanned_by(
            u,
            "`safe` in the attribute declares a safe function; remove `unsafe` here or `safe` there",
        ),
        _ => {}
    }
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        cx.error_spanned_by(
            &sig.generics,
            format!("a {n} leaf cannot be generic: each register has a fixed 64-bit meaning; use concrete parameter types"),
        );
    }
    if let Some(a) = &sig.asyncness {
        cx.error_spanned_by(a, format!("a {n} leaf cannot be `async`: the instruction completes before it returns; remove `async`"));
    }
    if let Some(c) = &sig.constness {
        cx.error_spanned_by(
            c,
            format!("a {n} leaf cannot be `const`: it executes an instruction; remove `const`"),
        );
    }
    if let Some(abi) = &sig.abi {
        cx.error_spanned_by(
            abi,
            format!("a {n} leaf is inlined Rust code; remove the `extern` ABI"),
        );
    }
    if let Some(v) = &sig.variadic {
        cx.error_spanned_by(
            v,
            format!("a {n} leaf cannot be variadic; write one parameter per `in` register"),
        );
    }
    if let Some(body) = &func.item.body {
        if !body.stmts.is_empty() {
            cx.error_spanned_by(
                body,
                "the body is generated from the attribute; end the declaration with `;` (or an empty `{}`)",
            );
        }
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// The rules `#[tdcall]` adds: no P-SEAMLDR flag, no `retry` (no TDG leaf
/// returns `TDX_RND_NO_ENTROPY`), and leaf 0 only through `#[tdvmcall]`.
fn check_guest(cx: &Ctxt, insn: Insn, args: &Args) {
    if let Some(span) = args.seamldr {
        cx.error_at(
            span,
            "`seamldr` selects a P-SEAMLDR leaf of SEAMCALL; TDCALL has none: remove it",
        );
    }
    if let Some(n) = &args.retry {
        cx.error_at(n.span, "`retry` re-issues on `TDX_RND_NO_ENTROPY`, which no TDG leaf returns; remove it (re-issue a `TDX_OPERAND_BUSY` leaf in the caller, bounded)");
    }
    if let Some(span) = args.retry_busy {
        cx.error_at(
            span,
            "`retry_busy` goes with `retry`, which TDCALL leaves do not take; remove it",
        );
    }
    if let (Insn::Tdcall, Some(Leaf::Lit { value: 0, span })) = (insn, &args.leaf) {
        cx.error_at(
            *span,
            "leaf 0 is TDG.VP.VMCALL, whose registers are whatever the RCX mask exposes to the VMM; declare it with `#[tdvmcall(subfn = N, in = [..], out = [..])]`, which computes the mask from the registers",
        );
    }
}
