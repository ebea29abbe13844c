//! Parses the attribute's arguments, `#[seamcall(leaf = 11, in = [..], ..)]`,
//! and nothing else. Every problem is reported into the context and parsing
//! goes on, so one build shows all of them.

use proc_macro2::{Delimiter, Span, TokenStream, TokenTree};
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::{Ident, LitInt, Path, Token};

use crate::ctxt::Ctxt;
use crate::regs::{self, Reg, ACCEPTED};

/// The leaf number: a literal, checked in the macro, or a path to a constant,
/// checked by a generated `const` assertion.
pub enum Leaf {
    Lit {
        value: u64,
        span: Span,
    },
    Path(Path),
    /// Written, but not readable; its error is already reported (so no
    /// second "missing `leaf`").
    Invalid,
}

/// A register list as written, `[rcx, rdx]`; each register keeps its span.
pub struct RegList {
    pub span: Span,
    pub regs: Vec<(Reg, Span)>,
    /// False when part of the list could not be read (an unknown register,
    /// a value that is not a list): rules that count the registers skip it,
    /// so one mistake is reported once.
    pub complete: bool,
}

impl RegList {
    pub fn contains(&self, reg: Reg) -> bool {
        self.regs.iter().any(|(r, _)| *r == reg)
    }

    /// The span of `reg` as written, if the list has it.
    pub fn span_of(&self, reg: Reg) -> Option<Span> {
        self.regs.iter().find(|(r, _)| *r == reg).map(|(_, s)| *s)
    }

    /// A list the declaration did not write.
    pub fn empty(span: Span) -> RegList {
        RegList {
            span,
            regs: Vec::new(),
            complete: true,
        }
    }
}

/// A numeric argument with its span.
pub struct Num {
    pub value: u64,
    pub span: Span,
}

/// The parsed arguments. `None` means the key was not written.
pub struct Args {
    pub leaf: Option<Leaf>,
    pub version: Option<Num>,
    pub inputs: Option<RegList>,
    pub outputs: Option<RegList>,
    pub clobbers: Option<RegList>,
    pub krate: Option<Path>,
    pub safe: Option<Span>,
    /// `seamldr`: a P-SEAMLDR leaf (RAX bit 63 set).
    pub seamldr: Option<Span>,
    /// `unchecked`: skip the ABI cross-check.
    pub unchecked: Option<Span>,
    /// `retry = N`: re-issue while the status is RND_NO_ENTROPY.
    pub retry: Option<Num>,
    /// `retry_busy`: also re-issue on OPERAND_BUSY (needs `retry`).
    pub retry_busy: Option<Span>,
    /// `scrub`: zero the output registers after the caller read them.
    pub scrub: Option<Span>,
    /// Span of the whole argument list, for errors about missing keys.
    pub span: Span,
}

const KEYS: &str =
    "leaf, version, in, out, clobber, crate, safe, seamldr, unchecked, retry, retry_busy, scrub";

/// What the messages of an attribute's parser name: its keys, an example
/// key, and how a key is shown (as written, or without `r#`).
pub struct Grammar {
    pub keys: &'static str,
    pub example: &'static str,
    pub unraw: bool,
}

impl Grammar {
    fn show(&self, key: &Ident) -> String {
        if self.unraw {
            key.unraw().to_string()
        } else {
            key.to_string()
        }
    }
}

const SEAMCALL: Grammar = Grammar {
    keys: KEYS,
    example: "leaf = 11",
    unraw: false,
};

/// The span of the first token, for errors about the whole list.
pub fn first_span(tokens: &TokenStream) -> Span {
    tokens
        .clone()
        .into_iter()
        .next()
        .map_or_else(Span::call_site, |t| t.span())
}

/// The crate path the expansion names: `crate = ..`, or `::seamcall_core`.
pub fn krate_or_default(krate: Option<Path>) -> Path {
    krate.unwrap_or_else(|| syn::parse_quote!(::seamcall_core))
}

pub fn parse(cx: &Ctxt, tokens: TokenStream) -> Args {
    let span = first_span(&tokens);
    let mut args = Args {
        leaf: None,
        version: None,
        inputs: None,
        outputs: None,
        clobbers: None,
        krate: None,
        safe: None,
        seamldr: None,
        unchecked: None,
        retry: None,
        retry_busy: None,
        scrub: None,
        span,
    };
    let parser = |input: ParseStream| -> syn::Result<()> {
        parse_args(cx, input, &mut args);
        Ok(())
    };
    if let Err(e) = parser.parse2(tokens) {
        cx.syn_error(e);
    }
    args
}

fn parse_args(cx: &Ctxt, input: ParseStream, args: &mut Args) {
    while !input.is_empty() {
        // One argument: everything up to the next top-level comma.
        let mut arg = Vec::new();
        while !input.is_empty() && !input.peek(Token![,]) {
            match input.parse::<TokenTree>() {
                Ok(tt) => arg.push(tt),
                Err(e) => {
                    cx.syn_error(e);
                    return;
                }
            }
        }
        if input.peek(Token![,]) {
            match input.parse::<Token![,]>() {
                Ok(comma) if arg.is_empty() => empty_entry(cx, comma.span),
                _ => {}
            }
        }
        if !arg.is_empty() {
            parse_one(cx, arg.into_iter().collect(), args);
        }
    }
}

/// `,,` or a leading `,`: an entry with nothing in it.
fn empty_entry(cx: &Ctxt, comma: Span) {
    cx.error_at(
        comma,
        "an empty entry: two commas in a row, or a comma before the first key; remove this `,`",
    );
}

fn parse_one(cx: &Ctxt, tokens: TokenStream, args: &mut Args) {
    let names_leaf =
        matches!(tokens.clone().into_iter().next(), Some(TokenTree::Ident(id)) if id == "leaf");
    let had_leaf = args.leaf.is_some();
    parse_entry(cx, tokens, args);
    // `leaf` written but unreadable: its error is out; no "missing `leaf`".
    if names_leaf && !had_leaf && args.leaf.is_none() {
        args.leaf = Some(Leaf::Invalid);
    }
}

fn parse_entry(cx: &Ctxt, tokens: TokenStream, args: &mut Args) {
    let Some((key, value)) = split_key(cx, tokens, &SEAMCALL) else {
        return;
    };
    let name = key.unraw().to_string();
    match name.as_str() {
        "leaf" | "version" | "retry" | "in" | "out" | "clobber" | "crate" => {
            set_value(cx, args, &key, &name, value)
        }
        "safe" | "seamldr" | "unchecked" | "retry_busy" | "scrub" => {
            set_flag(cx, args, &key, &name, value)
        }
        _ => cx.error_at(
            key.span(),
            format!("unknown key `{name}`; the keys are: {KEYS}"),
        ),
    }
}

/// `key`, `key = value`: the key and the value's tokens.
pub fn split_key(
    cx: &Ctxt,
    tokens: TokenStream,
    grammar: &Grammar,
) -> Option<(Ident, Option<TokenStream>)> {
    let mut iter = tokens.into_iter();
    let key = match iter.next() {
        Some(TokenTree::Ident(id)) => id,
        Some(other) => {
            cx.error_at(
                other.span(),
                format!(
                    "expected a key such as `{}`; the keys are: {}",
                    grammar.example, grammar.keys
                ),
            );
            return None;
        }
        None => return None,
    };
    let shown = grammar.show(&key);
    let rest: Vec<TokenTree> = iter.collect();
    let value = match rest.first() {
        None => None,
        Some(TokenTree::Punct(p)) if p.as_char() == '=' => {
            let v: TokenStream = rest[1..].iter().cloned().collect();
            if v.is_empty() {
                cx.error_at(p.span(), format!("`{shown} =` needs a value after `=`"));
                return None;
            }
            Some(v)
        }
        Some(other) => {
            cx.error_at(
                other.span(),
                format!("expected `=` or `,` after `{shown}`; write `{shown} = value`"),
            );
            return None;
        }
    };
    Some((key, value))
}

/// A key that takes a value: `leaf`, `version`, `retry`, the register
/// lists, `crate`.
fn set_value(cx: &Ctxt, args: &mut Args, key: &Ident, name: &str, value: Option<TokenStream>) {
    let given = match name {
        "leaf" => args.leaf.is_some(),
        "version" => args.version.is_some(),
        "retry" => args.retry.is_some(),
        "in" => args.inputs.is_some(),
        "out" => args.outputs.is_some(),
        "clobber" => args.clobbers.is_some(),
        _ => args.krate.is_some(),
    };
    if given {
        cx.error_at(key.span(), format!("`{name}` is given twice; keep one"));
        return;
    }
    let Some(v) = need_value(cx, key, value) else {
        return;
    };
    match name {
        "leaf" => args.leaf = parse_leaf(cx, v),
        "version" => args.version = parse_num(cx, key, v),
        "retry" => args.retry = parse_num(cx, key, v),
        "in" => args.inputs = Some(parse_regs(cx, key, v)),
        "out" => args.outputs = Some(parse_regs(cx, key, v)),
        "clobber" => args.clobbers = Some(parse_regs(cx, key, v)),
        _ => args.krate = parse_crate(cx, v, "my_hv::seamcall_core"),
    }
}

/// `crate = path`; `example` is the path the error shows.
pub fn parse_crate(cx: &Ctxt, v: TokenStream, example: &str) -> Option<Path> {
    match syn::parse2::<Path>(v) {
        Ok(p) => Some(p),
        Err(e) => {
            cx.error_at(
                e.span(),
                format!("`crate` takes a path, like `crate = {example}`"),
            );
            None
        }
    }
}

/// A flag: `safe`, `seamldr`, `unchecked`, `retry_busy`, `scrub`.
fn set_flag(cx: &Ctxt, args: &mut Args, key: &Ident, name: &str, value: Option<TokenStream>) {
    let slot = match name {
        "safe" => &mut args.safe,
        "seamldr" => &mut args.seamldr,
        "unchecked" => &mut args.unchecked,
        "retry_busy" => &mut args.retry_busy,
        _ => &mut args.scrub,
    };
    set_flag_slot(cx, slot, key, name, value);
}

/// A flag into its slot: refused when given twice or with a value.
pub fn set_flag_slot(
    cx: &Ctxt,
    slot: &mut Option<Span>,
    key: &Ident,
    name: &str,
    value: Option<TokenStream>,
) {
    if slot.is_some() {
        cx.error_at(key.span(), format!("`{name}` is given twice; keep one"));
        return;
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

fn need_value(cx: &Ctxt, key: &Ident, value: Option<TokenStream>) -> Option<TokenStream> {
    let hint = match key.unraw().to_string().as_str() {
        "leaf" => "leaf = 11",
        "version" => "version = 1",
        "retry" => "retry = 10",
        "crate" => "crate = seamcall_core",
        _ => "in = [rcx, rdx]",
    };
    need_value_like(cx, key, &key.to_string(), hint, value)
}

/// The value of a key that takes one, or the error naming `hint`.
pub fn need_value_like(
    cx: &Ctxt,
    key: &Ident,
    shown: &str,
    hint: &str,
    value: Option<TokenStream>,
) -> Option<TokenStream> {
    if value.is_none() {
        cx.error_at(
            key.span(),
            format!("`{shown}` needs a value, like `{hint}`"),
        );
    }
    value
}

fn parse_leaf(cx: &Ctxt, v: TokenStream) -> Option<Leaf> {
    if !plain_literal(cx, "leaf", "11", &v) {
        return Some(Leaf::Invalid);
    }
    if let Ok(lit) = syn::parse2::<LitInt>(v.clone()) {
        return match lit.base10_parse::<u64>() {
            Ok(value) => Some(Leaf::Lit {
                value,
                span: lit.span(),
            }),
            Err(_) => {
                // Negative, or past u64.
                cx.error_spanned_by(
                    &v,
                    "the leaf number must fit in 16 bits (0..=0xFFFF); write it like `leaf = 11`",
                );
                None
            }
        };
    }
    match syn::parse2::<Path>(v.clone()) {
        Ok(p) => Some(Leaf::Path(p)),
        Err(_) => {
            cx.error_spanned_by(
                v,
                "`leaf` takes an integer literal (`leaf = 11`) or a path to a u16/u64 constant (`leaf = TDH_MNG_RD`)",
            );
            None
        }
    }
}

fn parse_num(cx: &Ctxt, key: &Ident, v: TokenStream) -> Option<Num> {
    let name = key.unraw().to_string();
    let (range, example) = match name.as_str() {
        "version" => ("0..=255", "1"),
        _ => ("the number of attempts in all, 1..=4294967295", "10"),
    };
    if !plain_literal(cx, &name, example, &v) {
        return None;
    }
    match syn::parse2::<LitInt>(v.clone()) {
        Ok(lit) => match lit.base10_parse::<u64>() {
            Ok(value) => Some(Num {
                value,
                span: lit.span(),
            }),
            Err(_) => {
                // A negative number, or one past u64.
                cx.error_spanned_by(
                    &v,
                    format!("`{name}` is {range}; write `{name} = {example}`"),
                );
                None
            }
        },
        Err(_) => {
            cx.error_spanned_by(
                v,
                format!("`{key}` takes an integer literal, like `{key} = 1`"),
            );
            None
        }
    }
}

fn parse_regs(cx: &Ctxt, key: &Ident, v: TokenStream) -> RegList {
    parse_reg_list(cx, &key.to_string(), v, "[rcx, rdx]", ACCEPTED)
}

/// `key = [a, b]`: the registers with their spans; `example` is the list
/// the errors show, `accepted` the registers an unknown one is told of.
pub fn parse_reg_list(
    cx: &Ctxt,
    key: &str,
    v: TokenStream,
    example: &str,
    accepted: &str,
) -> RegList {
    let mut iter = v.clone().into_iter();
    let group = match (iter.next(), iter.next()) {
        (Some(TokenTree::Group(g)), None) if g.delimiter() == Delimiter::Bracket => g,
        _ => return not_a_list(cx, key, v, example),
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
                        format!("unknown register `{id}`; expected one of {accepted}"),
                    )
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
            format!("`{key}` takes register names separated by commas, like `{example}`"),
        );
        list.complete = false;
    }
    list
}

/// A register list's value that is not `[..]`: the error, and an
/// incomplete list so the counting rules stay quiet.
fn not_a_list(cx: &Ctxt, key: &str, v: TokenStream, example: &str) -> RegList {
    let span = first_span(&v);
    cx.error_spanned_by(
        v,
        format!("`{key}` takes a list of registers in brackets, like `{key} = {example}`"),
    );
    RegList {
        span,
        regs: Vec::new(),
        complete: false,
    }
}

/// The longest number literal read: `u64::MAX` in binary with a digit
/// separator between every two digits is 2 + 127 characters. Longer ones are
/// refused before any parsing (syn's literal parser takes time quadratic in
/// the length).
pub const MAX_LITERAL: usize = 130;

/// Checks a number value before it is parsed: no type suffix (`11u8`,
/// `0x7000xyz`: a suffix says nothing about a register word, and syn would
/// drop it silently), not over-long. False (and the error reported) when
/// the value is refused; true for anything else, which the caller parses.
fn plain_literal(cx: &Ctxt, key: &str, example: &str, v: &TokenStream) -> bool {
    let mut iter = v.clone().into_iter();
    let lit = match (iter.next(), iter.next()) {
        (Some(TokenTree::Literal(l)), None) => l,
        // `-1`: the sign, then the literal.
        (Some(TokenTree::Punct(p)), Some(TokenTree::Literal(l))) if p.as_char() == '-' => l,
        _ => return true,
    };
    let text = lit.to_string();
    if !text.starts_with(|c: char| c.is_ascii_digit()) {
        return true;
    }
    if text.len() > MAX_LITERAL {
        cx.error_at(
            lit.span(),
            format!(
                "this number is {} characters long; `{key}` takes a short integer literal, like `{key} = {example}`",
                text.len()
            ),
        );
        return false;
    }
    match syn::parse2::<LitInt>(TokenStream::from(TokenTree::Literal(lit.clone()))) {
        Ok(l) if !l.suffix().is_empty() => {
            let digits = &text[..text.len() - l.suffix().len()];
            cx.error_at(
                lit.span(),
                format!(
                    "`{key} = {text}`: the suffix `{}` is not part of the number, and the macro takes none; write `{key} = {digits}`",
                    l.suffix()
                ),
            );
            false
        }
        _ => true,
    }
}
