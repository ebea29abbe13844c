//! The generated `# ABI` docs, read back from a whole expansion.

use proc_macro2::{TokenStream, TokenTree};
use quote::quote;

/// Every `#[doc = ".."]` string of `ts`, joined by newlines.
pub fn doc_strings(ts: TokenStream) -> String {
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

/// The docs of `#[seamcall(args)] item`'s expansion.
fn docs(args: TokenStream, item: TokenStream) -> String {
    let expansion = crate::seamcall_impl(args, item);
    let d = doc_strings(expansion.clone());
    assert!(!d.is_empty(), "no docs in {expansion}");
    d
}

#[test]
fn scrub_docs_say_exactly_what_is_zeroed() {
    let d = docs(
        quote!(leaf = 300, in = [rcx], out = [rcx, rsi], clobber = [rdx, r12], scrub, unchecked),
        quote!(
            unsafe fn f(a: u64) -> Result<(u64, u64), SeamcallError>;
        ),
    );
    // The architectural registers the leaf wrote, after their values
    // were read; not the copies the compiler made of them.
    assert!(
        d.contains("RCX, RDX, RSI, R12 are zeroed"),
        "scrub names the registers it zeroes: {d}"
    );
    assert!(
        d.contains("Copies the compiler made") && d.contains("are not"),
        "scrub says what it does not zero: {d}"
    );
    assert!(!d.contains("do not linger"), "{d}");
}
