//! The ABI rule of `valid.rs`, driven through the whole front end
//! (`decl::declare`): the messages a declaration gets.

use proc_macro2::TokenStream;
use quote::quote;

/// The messages of the `compile_error!`s a declaration expands to.
fn errors(args: TokenStream, item: TokenStream) -> Vec<String> {
    fn walk(ts: TokenStream, out: &mut Vec<String>) {
        let tts: Vec<proc_macro2::TokenTree> = ts.into_iter().collect();
        for (i, tt) in tts.iter().enumerate() {
            match tt {
                proc_macro2::TokenTree::Ident(id) if id == "compile_error" => {
                    if let Some(proc_macro2::TokenTree::Group(g)) = tts.get(i + 2) {
                        if let Ok(lit) = syn::parse2::<syn::LitStr>(g.stream()) {
                            out.push(lit.value());
                        }
                    }
                }
                proc_macro2::TokenTree::Group(g) => walk(g.stream(), out),
                _ => {}
            }
        }
    }
    let mut out = Vec::new();
    if let Err(tokens) = crate::decl::declare(args, item) {
        walk(tokens, &mut out);
    }
    out
}

fn unit() -> TokenStream {
    quote!(
        unsafe fn f() -> Result<(), SeamcallError>;
    )
}

#[test]
fn unchecked_never_excuses_an_audited_write() {
    // TDH.VP.WR writes R8: `unchecked` must not let the declaration
    // leave it out (the compiler would go on using R8 as `value`).
    let e = errors(
        quote!(leaf = 43, in = [rcx, rdx, r8, r9], unchecked),
        quote!(
            unsafe fn f(a: u64, b: u64, c: u64, d: u64) -> Result<(), SeamcallError>;
        ),
    );
    assert!(
        e.iter()
            .any(|m| m.starts_with("TDH.VP.WR (leaf 43) writes R8")),
        "{e:#?}"
    );
    // XMM0-15 after a migration leaf, likewise.
    let e = errors(
        quote!(leaf = 71, in = [rcx, r8, r10], unchecked),
        quote!(
            unsafe fn f(a: u64, b: u64, c: u64) -> Result<(), SeamcallError>;
        ),
    );
    assert!(
        e.iter().any(|m| m.contains("may change XMM0-XMM15")),
        "{e:#?}"
    );
    // What `unchecked` relaxes: inputs not read, outputs never written.
    let e = errors(
        quote!(leaf = 43, in = [rcx, rdx, r8, r9, r10], out = [r8, r12], unchecked),
        quote!(
            unsafe fn f(
                a: u64,
                b: u64,
                c: u64,
                d: u64,
                e: u64,
            ) -> Result<(u64, u64), SeamcallError>;
        ),
    );
    assert!(e.is_empty(), "{e:#?}");
}

#[test]
fn unknown_leaves_need_unchecked() {
    let e = errors(
        quote!(leaf = 300, in = [rcx]),
        quote!(
            unsafe fn f(a: u64) -> Result<(), SeamcallError>;
        ),
    );
    assert_eq!(
        e,
        ["leaf 300 is not in the ABI table (audits of modules 1.5.01, 1.5.25, 1.5.34 and 2.0.18): the macro cannot check which registers it writes; add `unchecked` and list in `clobber` every register it may write (Linux's out-of-line call treats rcx, rdx, rsi, rdi, r8-r11 and all xmm as clobbered)"]
    );
    let e = errors(quote!(leaf = 7, seamldr), unit());
    assert!(
        e.len() == 1 && e[0].starts_with("P-SEAMLDR leaf 7 is not in the ABI table"),
        "{e:#?}"
    );
    let e = errors(
        quote!(leaf = 300, in = [rcx], unchecked),
        quote!(
            unsafe fn f(a: u64) -> Result<(), SeamcallError>;
        ),
    );
    assert!(e.is_empty(), "{e:#?}");
}

#[test]
fn unaudited_help_names_every_register_linux_treats_as_clobbered() {
    let e = errors(quote!(leaf = 69), unit());
    assert!(
        e.len() == 1 && e[0].ends_with("(Linux's out-of-line call treats rcx, rdx, rsi, rdi, r8-r11 and all xmm as clobbered)"),
        "{e:#?}"
    );
}

#[test]
fn higher_versions_are_checked_against_version_1() {
    // Module 1.5.01 runs the version-1 handler for version 2 and up; it
    // writes RDX and R8 before returning TDX_OPERAND_INVALID.
    let item = quote!(
        unsafe fn f(a: u64, b: u64) -> Result<u64, SeamcallError>;
    );
    let e = errors(
        quote!(leaf = 11, version = 2, in = [rcx, rdx], out = [r8]),
        item.clone(),
    );
    assert!(
        e.len() == 1 && e[0].starts_with("TDH.MNG.RD (leaf 11, version 2) writes RDX"),
        "{e:#?}"
    );
    let ok = quote!(leaf = 11, version = 2, in = [rcx, rdx], out = [r8], clobber = [rdx]);
    assert!(errors(ok, item.clone()).is_empty());
    // Matching it, `unchecked` is refused as for any checked leaf.
    let e = errors(
        quote!(leaf = 11, version = 9, in = [rcx, rdx], out = [r8], clobber = [rdx], unchecked),
        item,
    );
    assert!(
        e.len() == 1 && e[0].starts_with("`unchecked` is not needed"),
        "{e:#?}"
    );
}

#[test]
fn the_five_versioned_leaves_at_version_2_need_version_1_covered() {
    // Version 1's registers covered is accepted without `unchecked`;
    // one fewer is refused.
    let cases: [(u16, TokenStream, TokenStream, TokenStream); 5] = [
        (
            3,
            quote!([rcx, rdx, r8]),
            quote!([rcx, rdx]),
            quote!([r8, r9, r10, r11]),
        ),
        (11, quote!([rcx, rdx]), quote!([r8]), quote!([rdx])),
        // PROMOTE: from 1.5.20 the version-1 handler also writes R12/R13.
        (
            23,
            quote!([rcx, rdx]),
            quote!([rcx, rdx]),
            quote!([r9, r10, r11, r12, r13]),
        ),
        (26, quote!([rcx, rdx]), quote!([r8]), quote!([rdx])),
        (
            30,
            quote!([rcx, rdx]),
            quote!([rcx, rdx]),
            quote!([r9, r10, r11]),
        ),
    ];
    for (leaf, ins, outs, clobbers) in cases {
        let n_in = ins.to_string().matches(',').count() + 1;
        // Unsuffixed: the macro refuses `3u16`.
        let leaf = proc_macro2::Literal::u16_unsuffixed(leaf);
        let args = quote!(leaf = #leaf, version = 2, in = #ins, out = #outs, clobber = #clobbers);
        let item = if outs.to_string().contains(',') {
            let n = outs.to_string().matches(',').count() + 1;
            let tys = (0..n).map(|_| quote!(u64));
            let params = (0..n_in).map(|i| quote::format_ident!("p{i}"));
            quote!(unsafe fn f(#(#params: u64),*) -> (TdxStatus, (#(#tys),*));)
        } else {
            let params = (0..n_in).map(|i| quote::format_ident!("p{i}"));
            quote!(unsafe fn f(#(#params: u64),*) -> (TdxStatus, u64);)
        };
        let e = errors(args, item.clone());
        assert!(e.is_empty(), "leaf {leaf} version 2: {e:#?}");
        let short = quote!(leaf = #leaf, version = 2, in = #ins, out = #outs);
        let e = errors(short, item);
        assert!(
            !e.is_empty() && e.iter().all(|m| m.contains("version 2) writes")),
            "leaf {leaf} version 2 without clobbers: {e:#?}"
        );
    }
}

#[test]
fn versions_of_unversioned_leaves_need_unchecked() {
    // The dispatcher of module 1.5.01 rejects them writing RAX alone:
    // the version is for a later module, which the audit does not cover.
    let e = errors(
        quote!(leaf = 9, version = 1, in = [rcx, rdx]),
        quote!(
            unsafe fn f(a: u64, b: u64) -> Result<(), SeamcallError>;
        ),
    );
    assert!(
        e.len() == 1 && e[0].starts_with("TDH.MNG.CREATE (leaf 9) has no version 1"),
        "{e:#?}"
    );
    let e = errors(
        quote!(leaf = 9, version = 1, in = [rcx, rdx], unchecked),
        quote!(
            unsafe fn f(a: u64, b: u64) -> Result<(), SeamcallError>;
        ),
    );
    assert!(e.is_empty(), "{e:#?}");
}

#[test]
fn newer_releases_are_checked_too() {
    // TDH.MEM.PAGE.PROMOTE as module 1.5.01's audit allowed: refused, with
    // the release named.
    let item = quote!(
        unsafe fn f(a: u64, b: u64) -> (TdxStatus, (u64, u64));
    );
    let e = errors(quote!(leaf = 23, in = [rcx, rdx], out = [rcx, rdx]), item);
    assert_eq!(
        e,
        [
            "TDH.MEM.PAGE.PROMOTE (leaf 23) writes R12 (freed PAMT page, module 1.5.20 and later with Dynamic PAMT); add r12 to `out` or `clobber`",
            "TDH.MEM.PAGE.PROMOTE (leaf 23) writes R13 (freed PAMT page, module 1.5.20 and later with Dynamic PAMT); add r13 to `out` or `clobber`",
        ]
    );
    // Linux mainline's TDH.VP.INIT: no `unchecked` needed, and refused.
    let init = quote!(
        unsafe fn f(a: u64, b: u64, c: u64) -> Result<(), SeamcallError>;
    );
    let ok = quote!(leaf = 22, version = 1, in = [rcx, rdx, r8]);
    assert!(errors(ok, init.clone()).is_empty());
    let e = errors(
        quote!(leaf = 22, version = 1, in = [rcx, rdx, r8], unchecked),
        init,
    );
    assert!(
        e.len() == 1 && e[0].starts_with("`unchecked` is not needed"),
        "{e:#?}"
    );
    // An input only a newer release reads is accepted (MNG.INIT's R8).
    let e = errors(
        quote!(leaf = 21, in = [rcx, rdx, r8], out = [rcx]),
        quote!(
            unsafe fn f(a: u64, b: u64, c: u64) -> (TdxStatus, u64);
        ),
    );
    assert!(e.is_empty(), "{e:#?}");
}
