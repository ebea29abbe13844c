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

/// xorshift64*: a fixed sequence, so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// `ts` with the token at `target` kept and `with` inserted before it.
fn insert(ts: &TokenStream, target: usize, with: &TokenTree) -> TokenStream {
    fn walk(ts: TokenStream, target: usize, pos: &mut usize, with: &TokenTree) -> TokenStream {
        let mut out = Vec::new();
        for tt in ts {
            if *pos == target {
                out.push(with.clone());
            }
            *pos += 1;
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

/// One random edit: delete, replace or insert a token at a random position.
fn random_edit(rng: &mut Rng, ts: &TokenStream, subs: &[TokenTree]) -> TokenStream {
    let n = positions(ts);
    if n == 0 {
        return subs[rng.below(subs.len())].clone().into();
    }
    let pos = rng.below(n);
    let with = &subs[rng.below(subs.len())];
    match rng.below(3) {
        0 => mutate(ts, pos, None),
        1 => mutate(ts, pos, Some(with)),
        _ => insert(ts, pos, with),
    }
}

#[test]
fn random_multi_token_edits_never_panic() {
    let mut subs = substitutes();
    let s = Span::call_site();
    subs.extend([
        TokenTree::Ident(Ident::new("cfg", s)),
        TokenTree::Ident(Ident::new("version", s)),
        TokenTree::Ident(Ident::new("Result", s)),
        TokenTree::Punct(Punct::new('-', Spacing::Alone)),
        TokenTree::Punct(Punct::new('#', Spacing::Alone)),
        TokenTree::Punct(Punct::new('>', Spacing::Alone)),
        TokenTree::Punct(Punct::new('&', Spacing::Alone)),
        TokenTree::Literal("28672u8".parse().expect("a literal")),
        TokenTree::Literal(Literal::i64_unsuffixed(-1)),
        TokenTree::Group(Group::new(Delimiter::Brace, TokenStream::new())),
    ]);
    let seeds = seeds();
    let mut rng = Rng(0x5EA_CA11_1337_2026);
    let (mut cases, mut errors) = (0usize, 0usize);
    for _ in 0..3000 {
        let (args, item) = &seeds[rng.below(seeds.len())];
        let (mut a, mut i) = (args.clone(), item.clone());
        // 2 to 6 edits, each in the arguments or the item.
        for _ in 0..2 + rng.below(5) {
            if rng.below(2) == 0 {
                a = random_edit(&mut rng, &a, &subs);
            } else {
                i = random_edit(&mut rng, &i, &subs);
            }
        }
        let out = run(a.clone(), i.clone()).unwrap_or_else(|e| panic!("{e}"));
        cases += 1;
        let text = out.to_string();
        if text.contains("compile_error") {
            errors += 1;
        } else {
            assert!(
                syn::parse2::<syn::File>(out).is_ok(),
                "#[seamcall({a})] {i} gave unparsable tokens: {text}"
            );
        }
    }
    println!("{cases} declarations with 2-6 random edits, {errors} rejected, none panicked");
    assert!(
        errors > cases / 2,
        "suspiciously few rejections: {errors} of {cases}"
    );
}

/// The messages of the errors a declaration expands to.
fn messages(args: TokenStream, item: TokenStream) -> Vec<String> {
    let text = seamcall_impl(args, item).to_string();
    text.split("compile_error !")
        .skip(1)
        .filter_map(|s| s.split('"').nth(1).map(str::to_string))
        .collect()
}

#[test]
fn an_over_long_literal_is_refused_before_parsing() {
    let long: TokenStream = "1".repeat(30_000).parse().expect("a literal");
    let e = messages(
        quote!(leaf = #long, unchecked),
        quote!(
            unsafe fn f() -> Result<(), SeamcallError>;
        ),
    );
    assert_eq!(e.len(), 1, "{e:#?}");
    assert!(
        e[0].starts_with("this number is 30000 characters long"),
        "{e:#?}"
    );
    // In the item too (an array length), where syn would parse it.
    let e = messages(
        quote!(leaf = 300, in = [rcx], unchecked),
        quote!(
            unsafe fn f(a: [u8; #long]) -> Result<(), SeamcallError>;
        ),
    );
    assert_eq!(e.len(), 1, "{e:#?}");
}

/// `f` on a thread with the 8 MiB stack rustc runs proc macros on (a test
/// thread has 2 MiB, too little for a debug build of the parser, and for
/// the deep token trees of these tests under older compilers).
fn on_rustc_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(8 << 20)
        .spawn(f)
        .expect("spawn")
        .join()
        .expect("no panic")
}

#[test]
fn nesting_past_the_bound_is_refused_before_parsing() {
    on_rustc_stack(nesting_past_the_bound);
}

fn nesting_past_the_bound() {
    let mut ty = quote!(u64);
    for _ in 0..1000 {
        ty = quote!(Option<#ty>);
    }
    let e = messages(
        quote!(leaf = 300, in = [rcx], unchecked),
        quote!(
            unsafe fn f(a: #ty) -> Result<(), SeamcallError>;
        ),
    );
    assert_eq!(e.len(), 1, "{e:#?}");
    assert!(e[0].contains("nests more than 64 levels"), "{e:#?}");
    // Just inside the bound it parses and expands.
    let mut ty = quote!(u64);
    for _ in 0..crate::limits::MAX_DEPTH - 4 {
        ty = quote!(Option<#ty>);
    }
    let inside = messages(
        quote!(leaf = 300, in = [rcx], unchecked),
        quote!(
            unsafe fn f(a: #ty) -> Result<(), SeamcallError>;
        ),
    );
    assert!(inside.is_empty(), "{inside:#?}");
}
