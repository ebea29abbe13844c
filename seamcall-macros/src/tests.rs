//! The macro never panics: every single-token deletion and substitution of a
//! set of valid declarations gives either an expansion or compile errors.

use std::panic::{catch_unwind, AssertUnwindSafe};

use proc_macro2::{Delimiter, Group, Ident, Literal, Punct, Spacing, Span, TokenStream, TokenTree};
use quote::quote;

use crate::seamcall_impl;

/// Valid declarations: (attribute arguments, item).
fn seeds() -> Vec<(TokenStream, TokenStream)> {
    vec![
        (
            quote!(leaf = 11, in = [rcx, rdx], out = [r8]),
            quote!(
                pub unsafe fn tdh_mng_rd(tdr: PhysAddr, field: u64) -> Result<u64, SeamcallError>;
            ),
        ),
        (
            quote!(leaf = 300, version = 1, in = [rcx, rbx], out = [rbx, rsi], clobber = [r9], unchecked),
            quote!(
                #[inline(never)]
                unsafe fn f(a: u64, b: u64) -> (TdxStatus, (u64, u64)) {}
            ),
        ),
        (
            quote!(leaf = LEAF, in = [rdi], retry = 10, retry_busy, crate = my::rt),
            quote!(
                unsafe fn g(a: u8) -> Result<(), my::rt::SeamcallError>;
            ),
        ),
        (
            quote!(leaf = 301, safe, seamldr, clobber = [rbp, xmm3], unchecked),
            quote!(
                fn h() -> TdxStatus;
            ),
        ),
        (
            quote!(
                leaf = 302,
                in = [rcx, rdx, r8, r9, r10, r11, r12, r13, r14, r15, rbx, rdi, rsi],
                out = [rbx],
                clobber = [rbp],
                unchecked
            ),
            quote!(
                unsafe fn w(
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
                    k: u64,
                    l: u64,
                    m: u64,
                ) -> Result<u64, SeamcallError>;
            ),
        ),
    ]
}

/// Replacement tokens tried at every position.
fn substitutes() -> Vec<TokenTree> {
    let s = Span::call_site();
    vec![
        TokenTree::Ident(Ident::new("rax", s)),
        TokenTree::Ident(Ident::new("rbp", s)),
        TokenTree::Ident(Ident::new("xmm16", s)),
        TokenTree::Ident(Ident::new("leaf", s)),
        TokenTree::Ident(Ident::new("fn", s)),
        TokenTree::Ident(Ident::new("unsafe", s)),
        TokenTree::Ident(Ident::new("self", s)),
        TokenTree::Punct(Punct::new(',', Spacing::Alone)),
        TokenTree::Punct(Punct::new('=', Spacing::Alone)),
        TokenTree::Punct(Punct::new(';', Spacing::Alone)),
        TokenTree::Punct(Punct::new('<', Spacing::Alone)),
        TokenTree::Literal(Literal::u64_unsuffixed(0)),
        TokenTree::Literal(Literal::u64_unsuffixed(u64::MAX)),
        TokenTree::Literal(Literal::string("x")),
        TokenTree::Group(Group::new(Delimiter::Bracket, TokenStream::new())),
        TokenTree::Group(Group::new(Delimiter::Parenthesis, TokenStream::new())),
    ]
}

/// Number of token positions in `ts`, counting into groups (a group is one
/// position, and so is each token inside it).
fn positions(ts: &TokenStream) -> usize {
    ts.clone()
        .into_iter()
        .map(|tt| match tt {
            TokenTree::Group(g) => 1 + positions(&g.stream()),
            _ => 1,
        })
        .sum()
}

/// `ts` with the token at `target` (numbered as in [`positions`]) deleted
/// (`with` = None) or replaced.
fn mutate(ts: &TokenStream, target: usize, with: Option<&TokenTree>) -> TokenStream {
    fn walk(
        ts: TokenStream,
        target: usize,
        pos: &mut usize,
        with: Option<&TokenTree>,
    ) -> TokenStream {
        let mut out = Vec::new();
        for tt in ts {
            let here = *pos;
            *pos += 1;
            if here == target {
                if let Some(w) = with {
                    out.push(w.clone());
                }
                if let TokenTree::Group(g) = &tt {
                    *pos += positions(&g.stream());
                }
                continue;
            }
            match tt {
                TokenTree::Group(g) => {
                    let inner = walk(g.stream(), target, pos, with);
                    out.push(TokenTree::Group(Group::new(g.delimiter(), inner)));
                }
                other => out.push(other),
            }
        }
        out.into_iter().collect()
    }
    walk(ts.clone(), target, &mut 0, with)
}

fn run(args: TokenStream, item: TokenStream) -> Result<TokenStream, String> {
    catch_unwind(AssertUnwindSafe(|| {
        seamcall_impl(args.clone(), item.clone())
    }))
    .map_err(|_| format!("panicked on #[seamcall({args})] {item}"))
}

#[test]
fn seeds_expand_without_errors() {
    for (args, item) in seeds() {
        let out = run(args.clone(), item.clone()).unwrap_or_else(|e| panic!("{e}"));
        let text = out.to_string();
        assert!(
            !text.contains("compile_error"),
            "#[seamcall({args})] {item} gave errors: {text}"
        );
        syn::parse2::<syn::File>(out).expect("the expansion parses as items");
    }
}

#[test]
fn mutated_declarations_never_panic() {
    let subs = substitutes();
    let mut cases = 0usize;
    let mut errors = 0usize;
    for (args, item) in seeds() {
        for (which, ts) in [(0, &args), (1, &item)] {
            for pos in 0..positions(ts) {
                for with in std::iter::once(None).chain(subs.iter().map(Some)) {
                    let m = mutate(ts, pos, with);
                    let (a, i) = if which == 0 {
                        (m, item.clone())
                    } else {
                        (args.clone(), m)
                    };
                    let out = run(a, i).unwrap_or_else(|e| panic!("{e}"));
                    cases += 1;
                    let text = out.to_string();
                    if text.contains("compile_error") {
                        errors += 1;
                    } else {
                        // No error: the expansion must at least be items.
                        assert!(
                            syn::parse2::<syn::File>(out).is_ok(),
                            "mutation {which}/{pos} gave unparsable tokens: {text}"
                        );
                    }
                }
            }
        }
    }
    println!("{cases} mutated declarations, {errors} rejected with compile errors, none panicked");
    assert!(cases > 2000, "only {cases} cases ran");
    assert!(
        errors > cases / 4,
        "suspiciously few rejections: {errors} of {cases}"
    );
}
