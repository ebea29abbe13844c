//! Every rule of `#[tdvmcall]`, applied all at once so one build shows every
//! mistake: R10's mode, the registers each list may hold, the signature and
//! the counts. What passes is a [`Decl`].

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{FnArg, Ident, Pat, Path, PathArguments, ReturnType, Signature, Type};

use super::attr::{Args, ACCEPTED};
use crate::ast::{is_tuple, strip_parens, type_args, value_elems, Item};
use crate::attr::RegList;
use crate::ctxt::Ctxt;
use crate::regs::Reg;
use seamcall_abi::vmcall::exposure_mask;
use seamcall_abi::RegSet;

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

/// What R10 holds on entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum R10 {
    /// 0: a standard GHCI call; R10 comes back as the VMM's status.
    Ghci,
    /// `vendor = V`: a vendor-specific call selected by a constant.
    Vendor(u64),
    /// A vendor-specific call whose R10 is a parameter (`in = [r10, ..]`).
    Param,
}

/// What the function returns.
pub enum Ret {
    /// `Result<T, TdvmcallError>`; `err` spans the error type as written.
    Result { ok: Type, err: Span },
    /// `(Result<(), TdvmcallError>, T)`: the outcome and every output,
    /// whatever happened (MapGPA's resume address on RETRY).
    Raw { value: Type, err: Span },
}

impl Ret {
    pub fn value(&self) -> &Type {
        match self {
            Ret::Result { ok, .. } => ok,
            Ret::Raw { value, .. } => value,
        }
    }

    pub fn err(&self) -> Span {
        match self {
            Ret::Result { err, .. } | Ret::Raw { err, .. } => *err,
        }
    }
}

/// A declaration that passed every rule.
pub struct Decl {
    pub item: Item,
    pub params: Vec<(Ident, Type)>,
    pub ret: Ret,
    pub r10: R10,
    /// R11 on entry for a GHCI call.
    pub subfn: Option<u64>,
    pub inputs: Vec<Reg>,
    pub outputs: Vec<Reg>,
    pub clobbers: Vec<Reg>,
    pub krate: Path,
    pub scrub: bool,
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

    pub fn is_ghci(&self) -> bool {
        self.r10 == R10::Ghci
    }
}

/// The three register lists, each as written or empty.
struct Lists {
    inputs: RegList,
    outputs: RegList,
    clobbers: RegList,
}

pub fn validate(cx: &Ctxt, args: Args, item: Item) -> Option<Decl> {
    let lists = Lists {
        inputs: args.inputs.unwrap_or_else(|| RegList::empty(args.span)),
        outputs: args.outputs.unwrap_or_else(|| RegList::empty(args.span)),
        clobbers: args.clobbers.unwrap_or_else(|| RegList::empty(args.span)),
    };
    let r10 = r10_mode(cx, &args.subfn, &args.vendor, &lists.inputs, args.span);
    check_lists(cx, &lists);
    if r10 == Some(R10::Ghci) {
        check_ghci(cx, &lists);
    }
    check_clobbers(cx, &lists, r10 == Some(R10::Ghci));
    let (params, ret) = read_sig(cx, &item, args.safe);
    check_counts(cx, &item, ret.as_ref(), &lists.inputs, &lists.outputs);

    if cx.has_errors() {
        return None;
    }
    let regs = |l: &RegList| l.regs.iter().map(|(r, _)| *r).collect::<Vec<_>>();
    Some(Decl {
        params,
        ret: ret?,
        r10: r10?,
        subfn: args.subfn.map(|n| n.value),
        inputs: regs(&lists.inputs),
        outputs: regs(&lists.outputs),
        clobbers: regs(&lists.clobbers),
        krate: crate::attr::krate_or_default(args.krate),
        scrub: args.no_scrub.is_none(),
        item,
    })
}

/// R10's mode from `subfn`, `vendor` and whether `in` lists `r10`.
fn r10_mode(
    cx: &Ctxt,
    subfn: &Option<crate::attr::Num>,
    vendor: &Option<crate::attr::Num>,
    inputs: &RegList,
    span: Span,
) -> Option<R10> {
    match (subfn, vendor, inputs.span_of(Reg::R10)) {
        (Some(_), None, None) => Some(R10::Ghci),
        (None, Some(v), None) if v.value == 0 => {
            cx.error_at(v.span, "`vendor = 0` is a standard GHCI call (R10 = 0); write `subfn = N` with the sub-function instead");
            None
        }
        (None, Some(v), None) => Some(R10::Vendor(v.value)),
        (None, None, Some(_)) => Some(R10::Param),
        (None, None, None) => {
            cx.error_at(
                span,
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

/// Each list: only exposable registers, each once.
fn check_lists(cx: &Ctxt, lists: &Lists) {
    for (key, list) in [
        ("in", &lists.inputs),
        ("out", &lists.outputs),
        ("clobber", &lists.clobbers),
    ] {
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
}

/// A standard GHCI call: R11 is the sub-function, R10 the VMM's status.
fn check_ghci(cx: &Ctxt, lists: &Lists) {
    if let Some(s) = lists.inputs.span_of(Reg::R11) {
        cx.error_at(s, "`r11` carries the GHCI sub-function (`subfn = ..`) in; remove it from `in` (it may be in `out`: R11 is the main value a GHCI call returns)");
    }
    for list in [&lists.outputs, &lists.clobbers] {
        if let Some(s) = list.span_of(Reg::R10) {
            cx.error_at(s, "`r10` brings the VMM's status back, which the function returns as `Err(TdvmcallError)` when it is not 0; remove it");
        }
    }
}

/// `clobber` lists only exposed registers nothing else accounts for.
fn check_clobbers(cx: &Ctxt, lists: &Lists, ghci: bool) {
    for (r, span) in &lists.clobbers.regs {
        if matches!(r, Reg::R10 | Reg::R11) && !(ghci && *r == Reg::R10) {
            cx.error_at(*span, format!("`{r}` is exposed by every TDG.VP.VMCALL and discarded unless it is in `out`; remove it from `clobber`"));
        } else if lists.outputs.contains(*r) {
            cx.error_at(*span, format!("`{r}` is already in `out`; remove it from `clobber`: `clobber` lists registers exposed to the VMM that the caller does not read back"));
        } else if lists.inputs.contains(*r) {
            cx.error_at(*span, format!("`{r}` is an input, and every exposed input is clobbered already (the VMM may change it); remove it from `clobber`"));
        }
    }
}

const RET_HELP: &str = "a TDG.VP.VMCALL returns `Result<T, TdvmcallError>` (T = `()`, one value, or a tuple, one per `out` register) or the raw form `(Result<(), TdvmcallError>, T)`, which keeps the outputs whatever happened";

/// The parameters and the return type, with every rule on the signature.
fn read_sig(cx: &Ctxt, item: &Item, safe: Option<Span>) -> (Vec<(Ident, Type)>, Option<Ret>) {
    let sig = &item.sig;
    let params = read_params(cx, sig);
    check_safety(cx, sig, safe);
    check_qualifiers(cx, sig);
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

/// Plain named parameters, no `self`.
fn read_params(cx: &Ctxt, sig: &Signature) -> Vec<(Ident, Type)> {
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
    params
}

/// `unsafe fn` unless the attribute says `safe`, never both.
fn check_safety(cx: &Ctxt, sig: &Signature, safe: Option<Span>) {
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
}

/// No generics, `async`, `const` or `extern`.
fn check_qualifiers(cx: &Ctxt, sig: &Signature) {
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
}

/// `Result<A, B>` → (A, span of B).
fn result_args(ty: &Type) -> Option<(Type, Span)> {
    let Type::Path(tp) = strip_parens(ty) else {
        return None;
    };
    let last = tp.path.segments.last()?;
    if last.ident != "Result" {
        return None;
    }
    let PathArguments::AngleBracketed(ab) = &last.arguments else {
        return None;
    };
    let types = type_args(ab);
    (types.len() == 2).then(|| (types[0].clone(), types[1].span()))
}

fn read_ret(cx: &Ctxt, ty: &Type) -> Option<Ret> {
    if let Some((ok, err)) = result_args(ty) {
        return Some(Ret::Result { ok, err });
    }
    if let Type::Tuple(t) = strip_parens(ty) {
        if t.elems.len() == 2 {
            if let Some((unit, err)) = result_args(&t.elems[0]) {
                if matches!(strip_parens(&unit), Type::Tuple(u) if u.elems.is_empty()) {
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

fn names(l: &RegList) -> String {
    l.regs
        .iter()
        .map(|(r, _)| r.name())
        .collect::<Vec<_>>()
        .join(", ")
}

/// One parameter per `in` register, one success element per `out` one.
fn check_counts(cx: &Ctxt, item: &Item, ret: Option<&Ret>, inputs: &RegList, outputs: &RegList) {
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
    if let (Some(ret), true) = (ret, outputs.complete) {
        check_value(cx, ret.value(), outputs);
    }
}

/// The success value's shape against `out`.
fn check_value(cx: &Ctxt, value: &Type, outputs: &RegList) {
    let n = outputs.regs.len();
    let es = value_elems(value);
    let tuple = is_tuple(value);
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
