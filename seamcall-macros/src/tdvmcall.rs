//! `#[tdvmcall]`: one TDG.VP.VMCALL (TDCALL leaf 0) per declaration, with
//! the exposure mask in RCX computed from the declared registers.
//!
//! ```text
//! #[tdvmcall(subfn = 0x1F, in = [r12], out = [r11])]
//! pub unsafe fn tdvmcall_rdmsr(msr: u32) -> Result<u64, TdvmcallError>;
//! ```
//!
//! The rule that replaces the ABI cross-check of `#[tdcall]` is the mask
//! itself: every register the VMM sees (R10, R11 and each declared
//! register) is in RCX's GPR_SELECT and is, by construction, either an
//! output or a clobber, and goes in with a defined value (its input, or 0).
//!
//! The stages, as for `#[seamcall]`: [`parse`] reads the arguments,
//! [`validate`] applies every rule (all of them, so one build shows every
//! mistake), [`expand`] emits the function. The block itself is a TDCALL
//! leaf-0 declaration of the raw form, handed to the same block builder as
//! `#[tdcall]` through the hidden attribute `__tdvmcall_block`, so RBX, the
//! fixup pads, the exception-table entries and `scrub` are written once.

use proc_macro2::{Delimiter, Span, TokenStream, TokenTree};
use quote::{format_ident, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::spanned::Spanned;
use syn::{
    FnArg, GenericArgument, Ident, LitInt, Pat, Path, PathArguments, ReturnType, Token, Type,
};

use crate::ast::Item;
use crate::ctxt::Ctxt;
use seamcall_abi::vmcall::exposure_mask;
use seamcall_abi::RegSet;

use crate::decl::fallback;
use crate::regs::{self, Reg};

/// The registers a TDG.VP.VMCALL can expose, in GPR_SELECT order.
const EXPOSABLE: [Reg; 12] = [
    Reg::Rdx,
    Reg::Rbx,
    Reg::Rsi,
    Reg::Rdi,
    Reg::R8,
    Reg::R9,
    Reg::R10,
    Reg::R11,
    Reg::R12,
    Reg::R13,
    Reg::R14,
    Reg::R15,
];

const KEYS: &str = "subfn, vendor, in, out, clobber, crate, safe, no_scrub";

const ACCEPTED: &str = "rdx, rbx, rsi, rdi, r8, r9, r10, r11, r12, r13, r14, r15";

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

/// A numeric argument with its span.
struct Num {
    value: u64,
    span: Span,
}

/// A register list as written; each register keeps its span.
struct RegList {
    span: Span,
    regs: Vec<(Reg, Span)>,
    complete: bool,
}

impl RegList {
    fn contains(&self, r: Reg) -> bool {
        self.regs.iter().any(|(x, _)| *x == r)
    }

    fn span_of(&self, r: Reg) -> Option<Span> {
        self.regs.iter().find(|(x, _)| *x == r).map(|(_, s)| *s)
    }
}

/// The parsed arguments; `None`: not written.
struct Args {
    subfn: Option<Num>,
    vendor: Option<Num>,
    inputs: Option<RegList>,
    outputs: Option<RegList>,
    clobbers: Option<RegList>,
    krate: Option<Path>,
    safe: Option<Span>,
    no_scrub: Option<Span>,
    span: Span,
}

fn parse(cx: &Ctxt, tokens: TokenStream) -> Args {
    let span = tokens
        .clone()
        .into_iter()
        .next()
        .map_or_else(Span::call_site, |t| t.span());
    let mut args = Args {
        subfn: None,
        vendor: None,
        inputs: None,
        outputs: None,
        clobbers: None,
        krate: None,
        safe: None,
        no_scrub: None,
        span,
    };
    // Split at top-level commas, then read each `key = value` or flag.
    let mut current: Vec<TokenTree> = Vec::new();
    let mut all = Vec::new();
    for tt in tokens {
        match &tt {
            TokenTree::Punct(p) if p.as_char() == ',' => all.push(std::mem::take(&mut current)),
            _ => current.push(tt),
        }
    }
    all.push(current);
    for arg in all.into_iter().filter(|a| !a.is_empty()) {
        parse_one(cx, arg, &mut args);
    }
    args
}

fn parse_one(cx: &Ctxt, arg: Vec<TokenTree>, args: &mut Args) {
    let key = match &arg[0] {
        TokenTree::Ident(id) => id.clone(),
        other => {
            cx.error_at(
                other.span(),
                format!("expected a key such as `subfn = 0x1F`; the keys are: {KEYS}"),
            );
            return;
        }
    };
    let name = key.unraw().to_string();
    let value: Option<TokenStream> = match arg.get(1) {
        None => None,
        Some(TokenTree::Punct(p)) if p.as_char() == '=' => {
            let v: TokenStream = arg[2..].iter().cloned().collect();
            if v.is_empty() {
                cx.error_at(p.span(), format!("`{name} =` needs a value after `=`"));
                return;
            }
            Some(v)
        }
        Some(other) => {
            cx.error_at(
                other.span(),
                format!("expected `=` or `,` after `{name}`; write `{name} = value`"),
            );
            return;
        }
    };
    let twice = |cx: &Ctxt| cx.error_at(key.span(), format!("`{name}` is given twice; keep one"));
    let need = |cx: &Ctxt, hint: &str| -> Option<TokenStream> {
        if value.is_none() {
            cx.error_at(key.span(), format!("`{name}` needs a value, like `{hint}`"));
        }
        value.clone()
    };
    match name.as_str() {
        "subfn" | "vendor" => {
            let hint = if name == "subfn" {
                "subfn = 0x1F"
            } else {
                "vendor = 12"
            };
            let slot = if name == "subfn" {
                &mut args.subfn
            } else {
                &mut args.vendor
            };
            if slot.is_some() {
                return twice(cx);
            }
            *slot = need(cx, hint).and_then(|v| parse_num(cx, &name, v));
        }
        "in" | "out" | "clobber" => {
            let slot = match name.as_str() {
                "in" => &mut args.inputs,
                "out" => &mut args.outputs,
                _ => &mut args.clobbers,
            };
            if slot.is_some() {
                return twice(cx);
            }
            *slot = need(cx, "in = [r12, r13]").map(|v| parse_regs(cx, &name, v));
        }
        "crate" => {
            if args.krate.is_some() {
                return twice(cx);
            }
            args.krate = need(cx, "crate = seamcall_core").and_then(|v| {
                match syn::parse2::<Path>(v) {
                    Ok(p) => Some(p),
                    Err(e) => {
                        cx.error_at(
                            e.span(),
                            "`crate` takes a path, like `crate = my_td::seamcall_core`",
                        );
                        None
                    }
                }
            });
        }
        "safe" | "no_scrub" => {
            let slot = if name == "safe" {
                &mut args.safe
            } else {
                &mut args.no_scrub
            };
            if slot.is_some() {
                return twice(cx);
            }
            if let Some(v) = value {
                cx.error_spanned_by(
                    v,
                    format!("`{name}` is a flag and takes no value; write just `{name}`"),
                );
                return;
            }
            *slot = Some(key.span());
        }
        "leaf" | "version" => cx.error_at(
            key.span(),
            format!("`#[tdvmcall]` is TDCALL leaf 0, version 0: RAX is fixed; name the GHCI sub-function with `subfn = N` (R11) instead of `{name}`"),
        ),
        "scrub" => cx.error_at(
            key.span(),
            "`#[tdvmcall]` always zeroes the exposed registers after their values were read; remove `scrub` (write `no_scrub` to keep them)",
        ),
        _ => cx.error_at(
            key.span(),
            format!("unknown key `{name}`; the keys are: {KEYS}"),
        ),
    }
}

fn parse_num(cx: &Ctxt, key: &str, v: TokenStream) -> Option<Num> {
    match syn::parse2::<LitInt>(v.clone()) {
        Ok(lit) => match lit.base10_parse::<u64>() {
            Ok(value) => Some(Num {
                value,
                span: lit.span(),
            }),
            Err(e) => {
                cx.error_at(lit.span(), format!("`{key}`: {e}"));
                None
            }
        },
        Err(_) => {
            cx.error_spanned_by(
                v,
                format!("`{key}` takes an integer literal, like `{key} = 0x1F`"),
            );
            None
        }
    }
}

fn parse_regs(cx: &Ctxt, key: &str, v: TokenStream) -> RegList {
    let first_span = v
        .clone()
        .into_iter()
        .next()
        .map_or_else(Span::call_site, |t| t.span());
    let mut iter = v.clone().into_iter();
    let group = match (iter.next(), iter.next()) {
        (Some(TokenTree::Group(g)), None) if g.delimiter() == Delimiter::Bracket => g,
        _ => {
            cx.error_spanned_by(
                v,
                format!("`{key}` takes a list of registers in brackets, like `{key} = [r12, r13]`"),
            );
            return RegList {
                span: first_span,
                regs: Vec::new(),
                complete: false,
            };
        }
    };
    let mut list = RegList {
        span: group.span(),
        regs: Vec::new(),
        complete: true,
    };
    let parser = |input: ParseStream| -> syn::Result<()> {
        while !input.is_empty() {
            let id = Ident::parse_any(input)?;
            match regs::parse(&id.to_string()) {
                Some(r) => list.regs.push((r, id.span())),
                None => {
                    list.complete = false;
                    cx.error_at(
                        id.span(),
                        format!("unknown register `{id}`; expected one of {ACCEPTED}"),
                    );
                }
            }
            if input.is_empty() {
                break;
            }
            input.parse::<Token![,]>()?;
        }
        Ok(())
    };
    if let Err(e) = parser.parse2(group.stream()) {
        cx.error_at(
            e.span(),
            format!("`{key}` takes register names separated by commas, like `[r12, r13]`"),
        );
        list.complete = false;
    }
    list
}

/// What R10 holds on entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum R10 {
    /// 0: a standard GHCI call; R10 comes back as the VMM's status.
    Ghci,
    /// `vendor = V`: a vendor-specific call selected by a constant.
    Vendor(u64),
    /// A vendor-specific call whose R10 is a parameter (`in = [r10, ..]`).
    Param,
}

/// What the function returns.
enum Ret {
    /// `Result<T, TdvmcallError>`; `err` spans the error type as written.
    Result { ok: Type, err: Span },
    /// `(Result<(), TdvmcallError>, T)`: the outcome and every output,
    /// whatever happened (MapGPA's resume address on RETRY).
    Raw { value: Type, err: Span },
}

impl Ret {
    fn value(&self) -> &Type {
        match self {
            Ret::Result { ok, .. } => ok,
            Ret::Raw { value, .. } => value,
        }
    }

    fn err(&self) -> Span {
        match self {
            Ret::Result { err, .. } | Ret::Raw { err, .. } => *err,
        }
    }
}

/// A declaration that passed every rule.
pub struct Decl {
    item: Item,
    params: Vec<(Ident, Type)>,
    ret: Ret,
    r10: R10,
    /// R11 on entry for a GHCI call.
    subfn: Option<u64>,
    inputs: Vec<Reg>,
    outputs: Vec<Reg>,
    clobbers: Vec<Reg>,
    krate: Path,
    scrub: bool,
}

impl Decl {
    /// Every register the VMM sees, in GPR_SELECT order: R10, R11 and each
    /// declared register.
    pub fn exposed(&self) -> Vec<Reg> {
        EXPOSABLE
            .iter()
            .copied()
            .filter(|r| {
                matches!(r, Reg::R10 | Reg::R11)
                    || self.inputs.contains(r)
                    || self.outputs.contains(r)
                    || self.clobbers.contains(r)
            })
            .collect()
    }

    /// RCX: one GPR_SELECT bit per exposed register
    /// (`seamcall_abi::vmcall::exposure_mask`; `validate` refused every
    /// register it refuses).
    pub fn mask(&self) -> u64 {
        exposure_mask(RegSet::of(&self.exposed())).unwrap_or(0)
    }

    fn is_ghci(&self) -> bool {
        self.r10 == R10::Ghci
    }
}

fn why_not(r: Reg) -> Option<String> {
    Some(match r {
        Reg::Rax => "`rax` carries the TDCALL leaf (0, TDG.VP.VMCALL) in and the TDX module's status out, so it cannot be listed; a rejected call is `Err` (`TdvmcallErrorKind::Rejected`)".to_string(),
        Reg::Rcx => "`rcx` carries the exposure mask, which the macro computes from the declared registers; remove it (the mask is in the function's docs)".to_string(),
        Reg::Rsp => "`rsp` is never exposed to the VMM: the TDX module refuses GPR_SELECT bit 4 with TDX_OPERAND_INVALID; remove it".to_string(),
        Reg::Rbp => "`rbp` cannot be exposed: TDs run with NO_RBP_MOD (KVM always sets it), and the TDX module then rejects a mask with bit 5 (RBP) with TDX_OPERAND_INVALID; remove it".to_string(),
        _ if !r.is_gpr() => format!("`{r}`: no GHCI sub-function passes vector registers, and an exposed one would hand the TD's vector state to the VMM; TDG.VP.VMCALL declarations take general registers only ({ACCEPTED})"),
        _ => return None,
    })
}

fn validate(cx: &Ctxt, args: Args, item: Item) -> Option<Decl> {
    let empty = |span| RegList {
        span,
        regs: Vec::new(),
        complete: true,
    };
    let inputs = args.inputs.unwrap_or_else(|| empty(args.span));
    let outputs = args.outputs.unwrap_or_else(|| empty(args.span));
    let clobbers = args.clobbers.unwrap_or_else(|| empty(args.span));

    // R10's mode.
    let r10 = match (&args.subfn, &args.vendor, inputs.span_of(Reg::R10)) {
        (Some(_), None, None) => Some(R10::Ghci),
        (None, Some(v), None) if v.value == 0 => {
            cx.error_at(v.span, "`vendor = 0` is a standard GHCI call (R10 = 0); write `subfn = N` with the sub-function instead");
            None
        }
        (None, Some(v), None) => Some(R10::Vendor(v.value)),
        (None, None, Some(_)) => Some(R10::Param),
        (None, None, None) => {
            cx.error_at(
                args.span,
                "missing `subfn`: a standard GHCI call names its sub-function (R11), like `#[tdvmcall(subfn = 0x1F, in = [r12], out = [r11])]` (Instruction.RDMSR); a vendor-specific call writes `vendor = N` (R10) or takes R10 as its first parameter (`in = [r10, ..]`)",
            );
            None
        }
        (Some(_), Some(v), _) => {
            cx.error_at(v.span, "`vendor` puts a non-zero value in R10, which makes the call vendor-specific and R11 no GHCI sub-function; write `subfn` or `vendor`, not both");
            None
        }
        (Some(_), None, Some(s)) => {
            cx.error_at(s, "`r10` is 0 in a standard GHCI call (`subfn = ..`) and brings the VMM's status back; remove it from `in` (a vendor-specific call drops `subfn`)");
            None
        }
        (None, Some(_), Some(s)) => {
            cx.error_at(
                s,
                "`r10` holds `vendor = ..`; remove it from `in`, or drop `vendor` to pass R10 as a parameter",
            );
            None
        }
    };
    let ghci = r10 == Some(R10::Ghci);

    for (key, list) in [("in", &inputs), ("out", &outputs), ("clobber", &clobbers)] {
        for (i, (r, span)) in list.regs.iter().enumerate() {
            if let Some(msg) = why_not(*r) {
                cx.error_at(*span, msg);
            }
            if list.regs[..i].iter().any(|(x, _)| x == r) {
                cx.error_at(
                    *span,
                    format!("`{r}` appears twice in `{key}`; list each register once"),
                );
            }
        }
    }
    if ghci {
        if let Some(s) = inputs.span_of(Reg::R11) {
            cx.error_at(s, "`r11` carries the GHCI sub-function (`subfn = ..`) in; remove it from `in` (it may be in `out`: R11 is the main value a GHCI call returns)");
        }
        for list in [&outputs, &clobbers] {
            if let Some(s) = list.span_of(Reg::R10) {
                cx.error_at(s, "`r10` brings the VMM's status back, which the function returns as `Err(TdvmcallError)` when it is not 0; remove it");
            }
        }
    }
    for (r, span) in &clobbers.regs {
        if matches!(r, Reg::R10 | Reg::R11) && !(ghci && *r == Reg::R10) {
            cx.error_at(*span, format!("`{r}` is exposed by every TDG.VP.VMCALL and discarded unless it is in `out`; remove it from `clobber`"));
        } else if outputs.contains(*r) {
            cx.error_at(*span, format!("`{r}` is already in `out`; remove it from `clobber`: `clobber` lists registers exposed to the VMM that the caller does not read back"));
        } else if inputs.contains(*r) {
            cx.error_at(*span, format!("`{r}` is an input, and every exposed input is clobbered already (the VMM may change it); remove it from `clobber`"));
        }
    }

    let (params, ret) = read_sig(cx, &item, args.safe);
    check_counts(cx, &item, &params, ret.as_ref(), &inputs, &outputs);

    if cx.has_errors() {
        return None;
    }
    let ret = ret?;
    let regs = |l: &RegList| l.regs.iter().map(|(r, _)| *r).collect::<Vec<_>>();
    Some(Decl {
        params,
        ret,
        r10: r10?,
        subfn: args.subfn.map(|n| n.value),
        inputs: regs(&inputs),
        outputs: regs(&outputs),
        clobbers: regs(&clobbers),
        krate: args
            .krate
            .unwrap_or_else(|| syn::parse_quote!(::seamcall_core)),
        scrub: args.no_scrub.is_none(),
        item,
    })
}

const RET_HELP: &str = "a TDG.VP.VMCALL returns `Result<T, TdvmcallError>` (T = `()`, one value, or a tuple, one per `out` register) or the raw form `(Result<(), TdvmcallError>, T)`, which keeps the outputs whatever happened";

fn read_sig(cx: &Ctxt, item: &Item, safe: Option<Span>) -> (Vec<(Ident, Type)>, Option<Ret>) {
    let sig = &item.sig;
    let mut params = Vec::new();
    for arg in &sig.inputs {
        match arg {
            FnArg::Receiver(r) => cx.error_spanned_by(
                r,
                "a TDG.VP.VMCALL takes no `self`; declare a free function",
            ),
            FnArg::Typed(pt) => match &*pt.pat {
                Pat::Ident(pi) if pi.by_ref.is_none() && pi.subpat.is_none() => {
                    params.push((pi.ident.clone(), (*pt.ty).clone()))
                }
                other => {
                    cx.error_spanned_by(other, "parameters must be plain names, like `msr: u32`")
                }
            },
        }
    }
    match (&sig.unsafety, safe) {
        (None, None) => cx.error_spanned_by(
            sig.fn_token,
            "a TDG.VP.VMCALL hands values to the untrusted VMM and takes its answers, so the function must be `unsafe fn`; write `unsafe fn`, or add `safe` to the attribute if nothing the caller passes or gets back needs its care",
        ),
        (Some(u), Some(_)) => cx.error_spanned_by(
            u,
            "`safe` in the attribute declares a safe function; remove `unsafe` here or `safe` there",
        ),
        _ => {}
    }
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        cx.error_spanned_by(&sig.generics, "a TDG.VP.VMCALL cannot be generic: each register has a fixed 64-bit meaning; use concrete parameter types");
    }
    if let Some(a) = &sig.asyncness {
        cx.error_spanned_by(a, "a TDG.VP.VMCALL cannot be `async`; remove `async`");
    }
    if let Some(c) = &sig.constness {
        cx.error_spanned_by(
            c,
            "a TDG.VP.VMCALL cannot be `const`: it executes an instruction; remove `const`",
        );
    }
    if let Some(abi) = &sig.abi {
        cx.error_spanned_by(
            abi,
            "a TDG.VP.VMCALL is inlined Rust code; remove the `extern` ABI",
        );
    }
    if let Some(body) = &item.body {
        if !body.stmts.is_empty() {
            cx.error_spanned_by(
                body,
                "the body is generated from the attribute; end the declaration with `;`",
            );
        }
    }
    let ret = match &sig.output {
        ReturnType::Default => {
            cx.error_at(
                sig.paren_token.span.close(),
                format!("missing return type: {RET_HELP}"),
            );
            None
        }
        ReturnType::Type(_, ty) => read_ret(cx, ty),
    };
    (params, ret)
}

/// `Result<A, B>` → (A, span of B).
fn result_args(ty: &Type) -> Option<(Type, Span)> {
    let Type::Path(tp) = strip(ty) else {
        return None;
    };
    let last = tp.path.segments.last()?;
    if last.ident != "Result" {
        return None;
    }
    let PathArguments::AngleBracketed(ab) = &last.arguments else {
        return None;
    };
    let types: Vec<&Type> = ab
        .args
        .iter()
        .filter_map(|a| match a {
            GenericArgument::Type(t) => Some(t),
            _ => None,
        })
        .collect();
    (types.len() == 2).then(|| (types[0].clone(), types[1].span()))
}

fn read_ret(cx: &Ctxt, ty: &Type) -> Option<Ret> {
    if let Some((ok, err)) = result_args(ty) {
        return Some(Ret::Result { ok, err });
    }
    if let Type::Tuple(t) = strip(ty) {
        if t.elems.len() == 2 {
            if let Some((unit, err)) = result_args(&t.elems[0]) {
                if matches!(strip(&unit), Type::Tuple(u) if u.elems.is_empty()) {
                    return Some(Ret::Raw {
                        value: t.elems[1].clone(),
                        err,
                    });
                }
            }
        }
    }
    cx.error_spanned_by(ty, RET_HELP);
    None
}

fn strip(ty: &Type) -> &Type {
    match ty {
        Type::Paren(p) => strip(&p.elem),
        Type::Group(g) => strip(&g.elem),
        other => other,
    }
}

fn elems(ty: &Type) -> Vec<&Type> {
    match strip(ty) {
        Type::Tuple(t) => t.elems.iter().collect(),
        other => vec![other],
    }
}

fn check_counts(
    cx: &Ctxt,
    item: &Item,
    params: &[(Ident, Type)],
    ret: Option<&Ret>,
    inputs: &RegList,
    outputs: &RegList,
) {
    let names = |l: &RegList| {
        l.regs
            .iter()
            .map(|(r, _)| r.name())
            .collect::<Vec<_>>()
            .join(", ")
    };
    if inputs.complete && inputs.regs.len() != item.sig.inputs.len() {
        let (n, p) = (inputs.regs.len(), item.sig.inputs.len());
        let s = |n: usize| if n == 1 { "" } else { "s" };
        let msg = format!("`in = [{}]` binds {n} register{} to the parameters in order, but the function has {p} parameter{}; write one parameter per `in` register", names(inputs), s(n), s(p));
        match item.sig.inputs.iter().nth(n) {
            Some(extra) => cx.error_spanned_by(extra, msg),
            None if p == 0 => cx.error_at(inputs.span, msg),
            None => cx.error_spanned_by(&item.sig.inputs, msg),
        }
    }
    let _ = params;
    let (Some(ret), true) = (ret, outputs.complete) else {
        return;
    };
    let value = ret.value();
    let n = outputs.regs.len();
    let es = elems(value);
    let tuple = matches!(strip(value), Type::Tuple(_));
    let ok = match n {
        0 => tuple && es.is_empty(),
        1 => !(tuple && es.len() != 1),
        n => tuple && es.len() == n,
    };
    if !ok {
        let want = match n {
            0 => "`()`, since the declaration has no `out` registers".to_string(),
            1 => format!(
                "a single value for `out = [{}]`, like `u64`",
                names(outputs)
            ),
            n => format!(
                "a {n}-tuple, one element per register of `out = [{}]`",
                names(outputs)
            ),
        };
        cx.error_spanned_by(value, format!("the success value must be {want}"));
    }
}

/// The attribute on `proc_macro2` tokens.
pub fn tdvmcall_impl(args: TokenStream, item: TokenStream) -> TokenStream {
    match declare(args, item) {
        Ok(decl) => expand(&decl),
        Err(tokens) => tokens,
    }
}

/// Parse and validate one declaration: the checked tree, or the errors and
/// a stand-in function.
pub fn declare(args: TokenStream, item: TokenStream) -> Result<Decl, TokenStream> {
    let cx = Ctxt::new();
    let parsed = parse(&cx, args);
    let decl = match syn::parse2::<Item>(item.clone()) {
        Ok(it) => validate(&cx, parsed, it),
        Err(e) => {
            cx.error_at(e.span(), format!("#[tdvmcall] applies to a function declaration without a body, like `pub unsafe fn tdvmcall_rdmsr(msr: u32) -> Result<u64, TdvmcallError>;` ({e})"));
            None
        }
    };
    match (cx.check(), decl) {
        (Ok(()), Some(decl)) => Ok(decl),
        (Err(mut errors), _) => {
            errors.extend(fallback(item));
            Err(errors)
        }
        (Ok(()), None) => Err(fallback(item)),
    }
}

/// The `GuestCallInfo` the guest catalog lists for this declaration.
pub fn call_info(decl: &Decl) -> TokenStream {
    let krate = &decl.krate;
    let regs = |list: &[Reg]| {
        let vs = list.iter().map(|r| regs::variant(*r));
        quote!(&[#(#krate::leaves::Reg::#vs),*])
    };
    let (inputs, outputs, clobbers) = (
        regs(&decl.inputs),
        regs(&decl.outputs),
        regs(&decl.clobbers),
    );
    let mask = decl.mask();
    let function = decl.item.sig.ident.to_string();
    let (name, call) = match decl.r10 {
        R10::Ghci => {
            let s = decl.subfn.unwrap_or(0);
            (
                subfunction_name(s)
                    .unwrap_or("GHCI sub-function")
                    .to_string(),
                quote!(#krate::guest::GuestCall::Ghci { subfn: #s, mask: #mask }),
            )
        }
        R10::Vendor(v) => (
            "vendor-specific TDG.VP.VMCALL".to_string(),
            quote!(#krate::guest::GuestCall::Vendor { r10: ::core::option::Option::Some(#v), mask: #mask }),
        ),
        R10::Param => (
            "vendor-specific TDG.VP.VMCALL".to_string(),
            quote!(#krate::guest::GuestCall::Vendor { r10: ::core::option::Option::None, mask: #mask }),
        ),
    };
    quote! {
        #krate::guest::GuestCallInfo {
            name: #name,
            function: #function,
            call: #call,
            inputs: #inputs,
            outputs: #outputs,
            clobbers: #clobbers,
        }
    }
}

/// The declaration's crate path (`crate = ..`).
pub fn krate(decl: &Decl) -> &Path {
    &decl.krate
}

fn arg_ident(r: Reg) -> Ident {
    format_ident!("__tdvmcall_{}", r.name(), span = Span::mixed_site())
}

/// The function: the raw leaf-0 block (as a nested declaration of the
/// hidden `__tdvmcall_block` attribute), then the result mapping.
pub fn expand(decl: &Decl) -> TokenStream {
    let krate = &decl.krate;
    let private = quote!(#krate::__private);
    let item = &decl.item;
    let (attrs, vis, sig) = (&item.attrs, &item.vis, &item.sig);
    let has_inline = attrs.iter().any(|a| a.path().is_ident("inline"));
    let inline = (!has_inline).then(|| quote!(#[inline]));
    let docs = docs(decl);

    let exposed = decl.exposed();
    let mask = decl.mask();
    // The block's registers: RCX (the mask), then every exposed register as
    // an input (its value, or 0: the VMM never sees a stale register), R10
    // and the declared outputs read back, the rest clobbered.
    let mut block_in = vec![Reg::Rcx];
    block_in.extend(exposed.iter().copied());
    let mut block_out = vec![Reg::R10];
    block_out.extend(decl.outputs.iter().copied().filter(|r| *r != Reg::R10));
    let block_clobber: Vec<Reg> = exposed
        .iter()
        .copied()
        .filter(|r| !block_out.contains(r))
        .collect();

    let names = |l: &[Reg]| {
        l.iter()
            .map(|r| format_ident!("{}", r.name()))
            .collect::<Vec<_>>()
    };
    let (bi, bo, bc) = (names(&block_in), names(&block_out), names(&block_clobber));
    let scrub = decl.scrub.then(|| quote!(scrub,));
    let inner = format_ident!("__tdvmcall_block", span = Span::mixed_site());
    let block_params: Vec<Ident> = block_in.iter().map(|r| arg_ident(*r)).collect();
    let out_tys = block_out.iter().map(|_| quote!(u64));

    // The value of each block input.
    let mut lets = Vec::new();
    let user_in: Vec<(Reg, &(Ident, Type))> = decl
        .inputs
        .iter()
        .copied()
        .zip(decl.params.iter())
        .collect();
    for r in &block_in {
        let id = arg_ident(*r);
        let value = if *r == Reg::Rcx {
            quote!(#mask)
        } else if let Some((_, (name, ty))) = user_in.iter().find(|(x, _)| x == r) {
            quote_spanned! {ty.span()=> <#ty as #private::IntoReg>::into_reg(#name) }
        } else if *r == Reg::R10 {
            match decl.r10 {
                R10::Vendor(v) => quote!(#v),
                _ => quote!(0u64),
            }
        } else if *r == Reg::R11 && decl.is_ghci() {
            let s = decl.subfn.unwrap_or(0);
            quote!(#s)
        } else {
            quote!(0u64)
        };
        lets.push(quote!(let #id: u64 = #value;));
    }

    let outs: Vec<Ident> = block_out
        .iter()
        .map(|r| format_ident!("__tdvmcall_out_{}", r.name(), span = Span::mixed_site()))
        .collect();
    let status = format_ident!("__tdvmcall_rax", span = Span::mixed_site());
    let r10_out = &outs[0];
    let value_elems = elems(decl.ret.value());
    let convs: Vec<TokenStream> = decl
        .outputs
        .iter()
        .zip(value_elems.iter())
        .map(|(r, ty)| {
            let i = block_out.iter().position(|x| x == r).unwrap_or(0);
            let o = &outs[i];
            quote_spanned! {ty.span()=> <#ty as #private::FromReg>::from_reg(#o) }
        })
        .collect();
    let value = if decl.outputs.len() == 1 && !matches!(strip(decl.ret.value()), Type::Tuple(_)) {
        convs[0].clone()
    } else {
        quote!((#(#convs,)*))
    };
    // RAX first (the module's status, or the fault a pad loaded), then, for
    // a standard call, R10 (the VMM's). Written as nested matches, so the
    // success path is two tests and the `Result` is built once.
    let err = Ident::new("__tdvmcall_err", decl.ret.err());
    let err_arm = quote_spanned! {decl.ret.err()=>
        ::core::option::Option::Some(#err) => ::core::result::Result::Err(#err),
    };
    let outcome = |ok: TokenStream| {
        let inner = if decl.is_ghci() {
            quote! {
                match #private::TdvmcallError::from_vmm(#r10_out) {
                    #err_arm
                    ::core::option::Option::None => #ok,
                }
            }
        } else {
            ok
        };
        quote! {
            match #private::TdvmcallError::from_module(#status.raw()) {
                #err_arm
                ::core::option::Option::None => #inner,
            }
        }
    };
    let result = match &decl.ret {
        Ret::Result { .. } => outcome(quote!(::core::result::Result::Ok(#value))),
        Ret::Raw { .. } => {
            let o = outcome(quote!(::core::result::Result::Ok(())));
            quote!((#o, #value))
        }
    };
    quote! {
        #(#attrs)*
        #docs
        #inline
        #vis #sig {
            #[#private::__tdvmcall_block(
                in = [#(#bi),*],
                out = [#(#bo),*],
                clobber = [#(#bc),*],
                #scrub
                crate = #krate
            )]
            #[allow(clippy::too_many_arguments)]
            unsafe fn #inner(#(#block_params: u64),*)
                -> (#private::TdxStatus, (#(#out_tys,)*));

            #(#lets)*
            // SAFETY: the block exposes to the VMM exactly the registers in
            // RCX's mask, all bound as inputs and read back or clobbered;
            // the caller upholds the call's contract (this function is
            // `unsafe` unless declared `safe`).
            let (#status, (#(#outs,)*)) = unsafe { #inner(#(#block_params),*) };
            #result
        }
    }
}

/// The `# ABI` section appended to the function's docs.
fn docs(decl: &Decl) -> TokenStream {
    let upper = |l: &[Reg]| {
        l.iter()
            .map(|r| r.name().to_uppercase())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let exposed = decl.exposed();
    let mut lines: Vec<String> = vec![String::new(), "# ABI".into(), String::new()];
    let call = match decl.r10 {
        R10::Ghci => {
            let s = decl.subfn.unwrap_or(0);
            let name = subfunction_name(s).map_or(String::new(), |n| format!("{n}, "));
            format!("a standard GHCI call: {name}sub-function `{s:#x}` in R11, R10 = 0")
        }
        R10::Vendor(v) => format!("a vendor-specific call: R10 = `{v:#x}`"),
        R10::Param => "a vendor-specific call: R10 is the first parameter".into(),
    };
    lines.push(format!("- TDG.VP.VMCALL (TDCALL leaf 0, RAX = 0), {call}"));
    lines.push(format!(
        "- exposes to the VMM: RCX = `{:#06x}` ({})",
        decl.mask(),
        upper(&exposed)
    ));
    if decl.inputs.is_empty() {
        lines.push("- in: none".into());
    } else {
        let ins: Vec<String> = decl
            .inputs
            .iter()
            .zip(&decl.params)
            .map(|(r, (n, _))| format!("{} ← `{n}`", r.name().to_uppercase()))
            .collect();
        lines.push(format!("- in: {}", ins.join(", ")));
    }
    match decl.outputs.len() {
        0 => lines.push("- out: none".into()),
        1 => lines.push(format!(
            "- out: {} → the value",
            decl.outputs[0].name().to_uppercase()
        )),
        _ => {
            let outs: Vec<String> = decl
                .outputs
                .iter()
                .enumerate()
                .map(|(i, r)| format!("{} → `.{i}`", r.name().to_uppercase()))
                .collect();
            lines.push(format!("- out: {}", outs.join(", ")));
        }
    }
    let zeroed: Vec<Reg> = exposed
        .iter()
        .copied()
        .filter(|r| !(decl.inputs.contains(r) || decl.is_ghci() && *r == Reg::R11))
        .filter(|r| !(*r == Reg::R10 && decl.r10 != R10::Param))
        .collect();
    if !zeroed.is_empty() {
        lines.push(format!(
            "- sent as 0 (exposed, no input value): {}",
            upper(&zeroed)
        ));
    }
    let discarded: Vec<Reg> = exposed
        .iter()
        .copied()
        .filter(|r| !(decl.outputs.contains(r) || decl.is_ghci() && *r == Reg::R10))
        .collect();
    if !discarded.is_empty() {
        lines.push(format!(
            "- the VMM may change, not read back (clobbered): {}",
            upper(&discarded)
        ));
    }
    if decl.is_ghci() {
        lines.push("- RAX != 0: the TDX module rejected the call, `Err` with `TdvmcallErrorKind::Rejected`; R10 != 0: the VMM's status, `Err` with `TdvmcallErrorKind::Vmm`".into());
    } else {
        lines.push("- RAX != 0: the TDX module rejected the call, `Err` with `TdvmcallErrorKind::Rejected`; R10 is not a GHCI status in a vendor-specific call".into());
    }
    if decl.scrub {
        let scrubbed: Vec<Reg> = exposed.iter().copied().filter(|r| *r != Reg::Rbx).collect();
        lines.push(format!(
            "- once their values were read, {} are zeroed against speculative use of VMM-chosen values (`no_scrub` keeps them){}",
            upper(&scrubbed),
            if exposed.contains(&Reg::Rbx) {
                "; RBX holds the caller's value again after the block"
            } else {
                ""
            }
        ));
    }
    lines.push("- #UD (not in a TD) and #GP (CPL > 0) return `TdvmcallErrorKind::Fault` through `seamcall_extable`; outputs read as 0 then".into());
    let lines = lines.into_iter().map(|l| quote!(#[doc = #l]));
    quote!(#(#lines)*)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decl(args: TokenStream, item: TokenStream) -> Result<Decl, String> {
        let cx = Ctxt::new();
        let a = parse(&cx, args);
        let d = validate(&cx, a, syn::parse2(item).map_err(|e| e.to_string())?);
        match cx.check() {
            Ok(()) => d.ok_or_else(|| "no decl".into()),
            Err(e) => Err(e.to_string()),
        }
    }

    #[test]
    fn masks_from_declarations() {
        let rdmsr = decl(
            quote!(subfn = 0x1F, in = [r12], out = [r11]),
            quote!(
                unsafe fn f(msr: u32) -> Result<u64, TdvmcallError>;
            ),
        )
        .unwrap();
        assert_eq!(rdmsr.mask(), 0x1C00);
        let hv = decl(
            quote!(in = [r10, rdx, r8], out = [r11]),
            quote!(
                unsafe fn f(c: u64, i: u64, o: u64) -> Result<u64, TdvmcallError>;
            ),
        )
        .unwrap();
        assert_eq!(hv.mask(), 0x0D04);
        let full = decl(
            quote!(subfn = 0x10003, in = [r12, r13, r14, r15, rbx, rdi, rsi, r8, r9, rdx]),
            quote!(
                unsafe fn f(
                    a: u64,
                    b: u64,
                    c: u64,
                    d: u64,
                    e: u64,
                    f: u64,
                    g: u64,
                    h: u64,
                    i: u64,
                    j: u64,
                ) -> Result<(), TdvmcallError>;
            ),
        )
        .unwrap();
        assert_eq!(full.mask(), 0xFFCC);
    }

    #[test]
    fn refused_registers_say_why() {
        for (list, why) in [
            (quote!(in = [rax]), "leaf (0"),
            (quote!(in = [rcx]), "exposure mask"),
            (quote!(out = [rsp]), "bit 4"),
            (quote!(clobber = [rbp]), "NO_RBP_MOD"),
            (quote!(clobber = [xmm0]), "vector"),
        ] {
            let err = decl(
                quote!(subfn = 1, #list),
                quote!(
                    unsafe fn f(a: u64) -> Result<(), TdvmcallError>;
                ),
            )
            .err()
            .unwrap_or_default();
            assert!(err.contains(why), "{list}: {err}");
        }
    }
}

#[cfg(test)]
mod docs_tests {
    use proc_macro2::{TokenStream, TokenTree};
    use quote::quote;

    /// Every `#[doc = ".."]` string of an expansion, joined by newlines.
    fn docs(ts: TokenStream) -> String {
        fn walk(ts: TokenStream, out: &mut Vec<String>) {
            let tts: Vec<TokenTree> = ts.into_iter().collect();
            for (i, tt) in tts.iter().enumerate() {
                match tt {
                    TokenTree::Ident(id) if id == "doc" => {
                        if let Some(TokenTree::Literal(l)) = tts.get(i + 2) {
                            if let Ok(s) = syn::parse_str::<syn::LitStr>(&l.to_string()) {
                                out.push(s.value());
                            }
                        }
                    }
                    TokenTree::Group(g) => walk(g.stream(), out),
                    _ => {}
                }
            }
        }
        let mut out = Vec::new();
        walk(ts, &mut out);
        out.join("\n")
    }

    /// The README shows these lines for this declaration.
    #[test]
    fn rdmsr_docs_show_the_mask_in_hex_with_the_registers() {
        let d = docs(super::tdvmcall_impl(
            quote!(subfn = 0x1F, in = [r12], out = [r11]),
            quote!(
                pub unsafe fn tdvmcall_rdmsr(msr: u32) -> Result<u64, TdvmcallError>;
            ),
        ));
        println!("{d}");
        for line in [
            "- TDG.VP.VMCALL (TDCALL leaf 0, RAX = 0), a standard GHCI call: Instruction.RDMSR, sub-function `0x1f` in R11, R10 = 0",
            "- exposes to the VMM: RCX = `0x1c00` (R10, R11, R12)",
            "- in: R12 ← `msr`",
            "- out: R11 → the value",
            "- the VMM may change, not read back (clobbered): R12",
        ] {
            assert!(d.contains(line), "missing {line:?} in:\n{d}");
        }
        // Every exposed register is zeroed once read, unless `no_scrub`.
        assert!(d.contains("R10, R11, R12 are zeroed"), "{d}");
        let d = docs(super::tdvmcall_impl(
            quote!(subfn = 0x1F, in = [r12], out = [r11], no_scrub),
            quote!(
                pub unsafe fn f(msr: u32) -> Result<u64, TdvmcallError>;
            ),
        ));
        assert!(!d.contains("are zeroed"), "{d}");
    }

    /// R10 and R11 are in every mask, so the "R10 trap" (a caller that does
    /// not expose R10 reads its own 0 back as success) cannot be written.
    #[test]
    fn r10_and_r11_are_always_exposed() {
        for (args, item) in [
            (
                quote!(subfn = 0xC, in = [r12], safe),
                quote!(
                    fn f(a: bool) -> Result<(), TdvmcallError>;
                ),
            ),
            (
                quote!(vendor = 5, in = [rdx]),
                quote!(
                    unsafe fn f(a: u64) -> Result<(), TdvmcallError>;
                ),
            ),
            (
                quote!(in = [r10]),
                quote!(
                    unsafe fn f(a: u64) -> Result<(), TdvmcallError>;
                ),
            ),
        ] {
            let decl = super::declare(args, item)
                .map_err(|e| e.to_string())
                .unwrap();
            assert_eq!(decl.mask() & 0xC00, 0xC00, "{:#x}", decl.mask());
        }
    }
}
