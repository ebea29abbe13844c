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
}

impl Ret {
    /// The success value's type, `None` for `TdxStatus` alone.
    pub fn value(&self) -> Option<&Type> {
        match self {
            Ret::Result { ok, .. } => Some(ok),
            Ret::Raw { value } => Some(value),
            Ret::RawStatus => None,
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
            if last.ident == "Result" {
                if let PathArguments::AngleBracketed(ab) = &last.arguments {
                    let types: Vec<&Type> = ab
                        .args
                        .iter()
                        .filter_map(|a| match a {
                            GenericArgument::Type(t) => Some(t),
                            _ => None,
                        })
                        .collect();
                    if types.len() == 2 && ab.args.len() == 2 {
                        return Some(Ret::Result {
                            ok: types[0].clone(),
                            err: types[1].span(),
                        });
                    }
                }
                cx.error_spanned_by(
                    ty,
                    format!("write the error type out: `Result<T, {err_ty}>`; {help}"),
                );
                return None;
            }
            if last.ident == "TdxStatus" && last.arguments.is_empty() {
                return Some(Ret::RawStatus);
            }
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

fn is_status(ty: &Type) -> bool {
    matches!(strip_parens(ty), Type::Path(tp) if tp.qself.is_none()
        && tp.path.segments.last().is_some_and(|s| s.ident == "TdxStatus" && s.arguments.is_empty()))
}

fn strip_parens(ty: &Type) -> &Type {
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
