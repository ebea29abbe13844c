//! A typed view of the declared function. Every node keeps the syntax it
//! came from, so later errors can point at the exact tokens.

use proc_macro2::{Span, TokenStream};
use syn::parse::{Parse, ParseStream};
use syn::spanned::Spanned;
use syn::{
    Attribute, Block, FnArg, GenericArgument, Ident, Pat, PathArguments, ReturnType, Signature,
    Token, Type, Visibility,
};

use crate::ctxt::Ctxt;
use crate::family::Family;

/// `fn name(..) -> ..;` or `fn name(..) -> .. {}`: an item without a body of
/// its own.
pub struct Item {
    pub attrs: Vec<Attribute>,
    pub vis: Visibility,
    pub sig: Signature,
    /// The body as written, when there is one.
    pub body: Option<Block>,
}

impl Parse for Item {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let attrs = input.call(Attribute::parse_outer)?;
        let vis: Visibility = input.parse()?;
        let sig: Signature = input.parse()?;
        let body = if input.peek(Token![;]) {
            input.parse::<Token![;]>()?;
            None
        } else {
            Some(input.parse::<Block>()?)
        };
        Ok(Item {
            attrs,
            vis,
            sig,
            body,
        })
    }
}

/// One parameter: a plain name and its type.
pub struct Param {
    pub ident: Ident,
    pub ty: Type,
}

/// What the function returns.
pub enum Ret {
    /// `Result<T, SeamcallError>`: `T` on status 0, else the error. `err`
    /// is the span of the error type as written: the expansion builds the
    /// `Err` there, so a type other than `SeamcallError` is reported there.
    Result { ok: Type, err: Span },
    /// `(TdxStatus, T)`: the status and every output, whatever happened.
    Raw { value: Type },
    /// `TdxStatus` alone: the raw form of a leaf without outputs.
    RawStatus,
    /// Any other path, `seamcall_core::Result<u64>` or a crate's `R<u64>`:
    /// an alias only the type checker resolves. The expansion has it check,
    /// through `__private::{LeafResult, Outputs}`, that it is
    /// `Result<T, SeamcallError>` and that `T` fits the `out` registers.
    Alias { ty: Type },
}

impl Ret {
    /// The success value's type, `None` for `TdxStatus` alone.
    pub fn value(&self) -> Option<&Type> {
        match self {
            Ret::Result { ok, .. } => Some(ok),
            Ret::Raw { value } => Some(value),
            Ret::RawStatus | Ret::Alias { .. } => None,
        }
    }
}

/// The declaration's function, read into the parts the expansion needs.
pub struct Func {
    pub item: Item,
    pub params: Vec<Param>,
    pub ret: Option<Ret>,
}

/// Read the signature. Problems are reported into `cx`; what could be read is
/// returned so that the remaining rules still run.
pub fn read(cx: &Ctxt, family: Family, item: Item) -> Func {
    let n = family.insn();
    let mut params = Vec::new();
    for arg in &item.sig.inputs {
        match arg {
            FnArg::Receiver(r) => cx.error_spanned_by(
                r,
                format!("a {n} leaf takes no `self`; declare a free function and pass the value as a parameter"),
            ),
            FnArg::Typed(pt) if cfg_attr(cx, &pt.attrs) => {}
            FnArg::Typed(pt) => match &*pt.pat {
                Pat::Ident(pi) if pi.by_ref.is_none() && pi.subpat.is_none() => params.push(Param {
                    ident: pi.ident.clone(),
                    ty: (*pt.ty).clone(),
                }),
                other => cx.error_spanned_by(
                    other,
                    format!("parameters of a {n} leaf must be plain names, like `tdr: PhysAddr`"),
                ),
            },
        }
    }
    let ret = read_ret(cx, family, &item.sig);
    Func { item, params, ret }
}

/// Refuses `#[cfg]` and `#[cfg_attr]` on a parameter: the macro binds
/// parameters to `in` registers by position before rustc strips anything,
/// so a parameter configured away would shift every register after it.
/// True when one was found (and reported).
fn cfg_attr(cx: &Ctxt, attrs: &[Attribute]) -> bool {
    let mut found = false;
    for a in attrs {
        if a.path().is_ident("cfg") || a.path().is_ident("cfg_attr") {
            found = true;
            cx.error_spanned_by(
                a,
                "`#[cfg]` and `#[cfg_attr]` cannot be used on a parameter of a leaf: parameters bind to the `in` registers in order, before rustc removes anything; put the `#[cfg]` on whole declarations, one per configuration",
            );
        }
    }
    found
}

/// What a leaf of `family` returns.
fn ret_help(family: Family) -> String {
    let (n, e) = (family.insn(), family.error_type());
    format!("a {n} leaf returns `Result<T, {e}>` (T = `()`, one value, or a tuple, one per `out` register) or the raw form `(TdxStatus, T)`")
}

fn read_ret(cx: &Ctxt, family: Family, sig: &Signature) -> Option<Ret> {
    let help = ret_help(family);
    let err_ty = family.error_type();
    let ty = match &sig.output {
        ReturnType::Default => {
            cx.error_at(
                sig.paren_token.span.close(),
                format!("missing return type: {help}; a leaf without outputs returns `Result<(), {err_ty}>`"),
            );
            return None;
        }
        ReturnType::Type(_, ty) => &**ty,
    };
    match strip_parens(ty) {
        Type::Path(tp) if tp.qself.is_none() => {
            let last = tp.path.segments.last()?;
            if let Some(alias) = alias(tp) {
                return Some(alias);
            }
            if last.ident == "Result" {
                if let PathArguments::AngleBracketed(ab) = &last.arguments {
                    let types = type_args(ab);
                    if types.len() == 2 && ab.args.len() == 2 {
                        return Some(Ret::Result {
                            ok: types[0].clone(),
                            err: types[1].span(),
                        });
                    }
                }
                return Some(Ret::Alias {
                    ty: Type::Path(tp.clone()),
                });
            }
            if last.ident == "TdxStatus" && last.arguments.is_empty() {
                return Some(Ret::RawStatus);
            }
        }
        // `<T as Trait>::Ret`: only the type checker knows.
        Type::Path(tp) => {
            return Some(Ret::Alias {
                ty: Type::Path(tp.clone()),
            })
        }
        Type::Tuple(t) if t.elems.len() == 2 && is_status(&t.elems[0]) => {
            return Some(Ret::Raw {
                value: t.elems[1].clone(),
            });
        }
        _ => {}
    }
    cx.error_spanned_by(ty, help);
    None
}

/// The types whose name says they are not a `Result` (so the macro's own
/// error, with the forms to write, beats the type checker's).
const NOT_RESULT: &[&str] = &[
    "u8",
    "u16",
    "u32",
    "u64",
    "u128",
    "usize",
    "i8",
    "i16",
    "i32",
    "i64",
    "i128",
    "isize",
    "bool",
    "char",
    "str",
    "f32",
    "f64",
    "Option",
    "PhysAddr",
    "VirtAddr",
    "TdxStatus",
    "Result",
];

/// A path the macro leaves to the type checker: not `Result<T, E>` as
/// written, not `TdxStatus`, not a name that is plainly something else.
fn alias(tp: &syn::TypePath) -> Option<Ret> {
    let last = tp.path.segments.last()?;
    if NOT_RESULT.iter().any(|n| last.ident == n) {
        return None;
    }
    Some(Ret::Alias {
        ty: Type::Path(tp.clone()),
    })
}

fn is_status(ty: &Type) -> bool {
    matches!(strip_parens(ty), Type::Path(tp) if tp.qself.is_none()
        && tp.path.segments.last().is_some_and(|s| s.ident == "TdxStatus" && s.arguments.is_empty()))
}

/// The type arguments of `<..>`, lifetimes and constants left out.
pub fn type_args(ab: &syn::AngleBracketedGenericArguments) -> Vec<&Type> {
    ab.args
        .iter()
        .filter_map(|a| match a {
            GenericArgument::Type(t) => Some(t),
            _ => None,
        })
        .collect()
}

/// `ty` without the parentheses and invisible groups around it.
pub fn strip_parens(ty: &Type) -> &Type {
    match ty {
        Type::Paren(p) => strip_parens(&p.elem),
        Type::Group(g) => strip_parens(&g.elem),
        other => other,
    }
}

/// The element types of the success value: none for `()`, the elements of a
/// tuple, or the value itself.
pub fn value_elems(ty: &Type) -> Vec<&Type> {
    match strip_parens(ty) {
        Type::Tuple(t) => t.elems.iter().collect(),
        other => vec![other],
    }
}

/// Whether `ty` is written as a tuple (including `()`).
pub fn is_tuple(ty: &Type) -> bool {
    matches!(strip_parens(ty), Type::Tuple(_))
}

/// Parse the item, or explain what the attribute applies to.
pub fn parse_item(cx: &Ctxt, family: Family, tokens: TokenStream) -> Option<Item> {
    let example = match family {
        Family::Seamcall => {
            "pub unsafe fn tdh_mng_rd(tdr: PhysAddr, field: u64) -> Result<u64, SeamcallError>;"
        }
        _ => "pub fn tdg_vp_info() -> Result<(u64, u64, u64, u64, u64, u64), TdcallError>;",
    };
    let attr = family.attr();
    match syn::parse2::<Item>(tokens) {
        Ok(item) => Some(item),
        Err(e) => {
            cx.error_at(
                e.span(),
                format!("#[{attr}] applies to a function declaration without a body, like `{example}` ({e})"),
            );
            None
        }
    }
}
