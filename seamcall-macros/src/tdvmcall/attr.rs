//! Reads `#[tdvmcall(..)]`'s arguments, and nothing else: each `key = value`
//! or flag into [`Args`], every problem reported and parsing going on. The
//! value parsers `#[seamcall]` has for the same kinds (register lists,
//! `crate`, flags) are `crate::attr`'s, with this attribute's examples.

use proc_macro2::{Span, TokenStream, TokenTree};
use syn::ext::IdentExt;
use syn::{Ident, LitInt, Path};

use crate::attr::{self as host, Grammar, Num, RegList};
use crate::ctxt::Ctxt;

const GRAMMAR: Grammar = Grammar {
    keys: "subfn, vendor, in, out, clobber, crate, safe, no_scrub",
    example: "subfn = 0x1F",
    unraw: true,
};

/// The registers an "unknown register" error offers.
pub const ACCEPTED: &str = "rdx, rbx, rsi, rdi, r8, r9, r10, r11, r12, r13, r14, r15";

/// The parsed arguments; `None`: not written.
pub struct Args {
    pub subfn: Option<Num>,
    pub vendor: Option<Num>,
    pub inputs: Option<RegList>,
    pub outputs: Option<RegList>,
    pub clobbers: Option<RegList>,
    pub krate: Option<Path>,
    pub safe: Option<Span>,
    pub no_scrub: Option<Span>,
    pub span: Span,
}

pub fn parse(cx: &Ctxt, tokens: TokenStream) -> Args {
    let span = host::first_span(&tokens);
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
    for arg in split_commas(tokens) {
        parse_one(cx, arg, &mut args);
    }
    args
}

/// The arguments between top-level commas, empty ones dropped.
fn split_commas(tokens: TokenStream) -> Vec<TokenStream> {
    let mut current: Vec<TokenTree> = Vec::new();
    let mut all = Vec::new();
    for tt in tokens {
        match &tt {
            TokenTree::Punct(p) if p.as_char() == ',' => all.push(std::mem::take(&mut current)),
            _ => current.push(tt),
        }
    }
    all.push(current);
    all.into_iter()
        .filter(|a| !a.is_empty())
        .map(|a| a.into_iter().collect())
        .collect()
}

/// One `key = value` or flag, handed to the setter of its kind.
fn parse_one(cx: &Ctxt, arg: TokenStream, args: &mut Args) {
    let Some((key, value)) = host::split_key(cx, arg, &GRAMMAR) else {
        return;
    };
    let name = key.unraw().to_string();
    match name.as_str() {
        "subfn" | "vendor" => set_num(cx, args, &key, &name, value),
        "in" | "out" | "clobber" => set_regs(cx, args, &key, &name, value),
        "crate" => set_crate(cx, args, &key, &name, value),
        "safe" | "no_scrub" => {
            let slot = if name == "safe" {
                &mut args.safe
            } else {
                &mut args.no_scrub
            };
            host::set_flag_slot(cx, slot, &key, &name, value);
        }
        _ => refuse_key(cx, &key, &name),
    }
}

fn twice(cx: &Ctxt, key: &Ident, name: &str) {
    cx.error_at(key.span(), format!("`{name}` is given twice; keep one"));
}

/// `subfn = N`, `vendor = N`.
fn set_num(cx: &Ctxt, args: &mut Args, key: &Ident, name: &str, value: Option<TokenStream>) {
    let (slot, hint) = if name == "subfn" {
        (&mut args.subfn, "subfn = 0x1F")
    } else {
        (&mut args.vendor, "vendor = 12")
    };
    if slot.is_some() {
        return twice(cx, key, name);
    }
    *slot = host::need_value_like(cx, key, name, hint, value).and_then(|v| parse_num(cx, name, v));
}

/// `in`, `out`, `clobber`.
fn set_regs(cx: &Ctxt, args: &mut Args, key: &Ident, name: &str, value: Option<TokenStream>) {
    let slot = match name {
        "in" => &mut args.inputs,
        "out" => &mut args.outputs,
        _ => &mut args.clobbers,
    };
    if slot.is_some() {
        return twice(cx, key, name);
    }
    *slot = host::need_value_like(cx, key, name, "in = [r12, r13]", value)
        .map(|v| host::parse_reg_list(cx, name, v, "[r12, r13]", ACCEPTED));
}

/// `crate = path`.
fn set_crate(cx: &Ctxt, args: &mut Args, key: &Ident, name: &str, value: Option<TokenStream>) {
    if args.krate.is_some() {
        return twice(cx, key, name);
    }
    args.krate = host::need_value_like(cx, key, name, "crate = seamcall_core", value)
        .and_then(|v| host::parse_crate(cx, v, "my_td::seamcall_core"));
}

/// A key this attribute does not take, with what to write instead.
fn refuse_key(cx: &Ctxt, key: &Ident, name: &str) {
    match name {
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
            format!("unknown key `{name}`; the keys are: {}", GRAMMAR.keys),
        ),
    }
}

/// An integer literal: `subfn` and `vendor` take any u64.
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
