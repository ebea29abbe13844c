//! The guest side: `#[tdcall]` (TDG leaves through the `#[seamcall]`
//! stages as [`Family::Tdcall`]), the hidden
//! TDG.VP.VMCALL block `#[tdvmcall]` expands to, and the guest catalog
//! driver.
//!
//! The guest table is `seamcall_abi::TDCALL`; `valid.rs` checks `#[tdcall]`
//! declarations against it as it checks `#[seamcall]` against the host's.

use proc_macro2::TokenStream;
use quote::quote;
use seamcall_abi::TDCALL;

use crate::decl::declare_as;
use crate::family::Family;
use crate::regs;

/// `#[tdcall]` on `proc_macro2` tokens.
pub fn tdcall_impl(args: TokenStream, item: TokenStream) -> TokenStream {
    match declare_as(Family::Tdcall, args, item) {
        Ok(decl) => crate::expand::expand(&decl),
        Err(tokens) => tokens,
    }
}

/// The hidden block attribute `#[tdvmcall]` emits: TDCALL leaf 0 with the
/// registers the exposure mask selects, already validated.
pub fn tdvmcall_block_impl(args: TokenStream, item: TokenStream) -> TokenStream {
    let args = quote!(leaf = 0, #args);
    match declare_as(Family::Vmcall, args, item) {
        Ok(decl) => crate::expand::expand(&decl),
        Err(tokens) => tokens,
    }
}

/// The catalog's items: `#[tdcall]` and `#[tdvmcall]` declarations.
struct Items(Vec<crate::ast::Item>);

impl syn::parse::Parse for Items {
    fn parse(input: syn::parse::ParseStream) -> syn::Result<Self> {
        let mut items = Vec::new();
        while !input.is_empty() {
            items.push(input.parse()?);
        }
        Ok(Items(items))
    }
}

/// `__guest_catalog! { .. }`: each declaration expanded exactly as its
/// attribute expands it, then `ALL`, one `GuestCallInfo` per declaration
/// built from the same validated tree. A `#[tdcall]` of the catalog is a
/// literal leaf the guest table knows (the table names it).
pub fn catalog(tokens: TokenStream) -> TokenStream {
    let items = match syn::parse2::<Items>(tokens) {
        Ok(items) => items.0,
        Err(e) => return e.to_compile_error(),
    };
    let mut out = TokenStream::new();
    let mut infos = Vec::new();
    let mut krate: Option<syn::Path> = None;
    for mut item in items {
        let ident = item.sig.ident.clone();
        let Some(pos) = item
            .attrs
            .iter()
            .position(|a| a.path().is_ident("tdcall") || a.path().is_ident("tdvmcall"))
        else {
            out.extend(
                syn::Error::new(
                    ident.span(),
                    "every guest catalog item is a `#[tdcall(..)]` or `#[tdvmcall(..)]` declaration",
                )
                .to_compile_error(),
            );
            continue;
        };
        let attr = item.attrs.remove(pos);
        let args = match attr.meta.require_list() {
            Ok(list) => list.tokens.clone(),
            Err(e) => {
                out.extend(e.to_compile_error());
                continue;
            }
        };
        let cfgs: Vec<syn::Attribute> = item
            .attrs
            .iter()
            .filter(|a| a.path().is_ident("cfg"))
            .cloned()
            .collect();
        let (attrs, vis, sig) = (&item.attrs, &item.vis, &item.sig);
        let body = match &item.body {
            Some(b) => quote!(#b),
            None => quote!(;),
        };
        let tokens = quote!(#(#attrs)* #vis #sig #body);
        if attr.path().is_ident("tdvmcall") {
            match crate::tdvmcall::declare(args, tokens) {
                Ok(decl) => {
                    out.extend(crate::tdvmcall::expand(&decl));
                    let info = crate::tdvmcall::call_info(&decl);
                    infos.push(quote!(#(#cfgs)* #info));
                    krate.get_or_insert(crate::tdvmcall::krate(&decl).clone());
                }
                Err(errors) => out.extend(errors),
            }
            continue;
        }
        let decl = match declare_as(Family::Tdcall, args, tokens) {
            Ok(decl) => decl,
            Err(errors) => {
                out.extend(errors);
                continue;
            }
        };
        let name = match &decl.leaf {
            crate::valid::LeafWord::Lit(w) => seamcall_abi::find(&TDCALL, *w).map(|e| e.name),
            crate::valid::LeafWord::Path(_) => None,
        };
        out.extend(crate::expand::expand(&decl));
        match (name, &decl.leaf) {
            (Some(name), crate::valid::LeafWord::Lit(w)) => {
                let leaf = w.leaf();
                let k = &decl.krate;
                let function = ident.to_string();
                let version = decl.version;
                let regs = |list: &[regs::Reg]| {
                    let vs = list.iter().map(|r| regs::variant(*r));
                    quote!(&[#(#k::leaves::Reg::#vs),*])
                };
                let (i, o, c) = (
                    regs(&decl.inputs),
                    regs(&decl.outputs),
                    regs(&decl.clobbers),
                );
                infos.push(quote! {
                    #(#cfgs)*
                    #k::guest::GuestCallInfo {
                        name: #name,
                        function: #function,
                        call: #k::guest::GuestCall::Tdcall { leaf: #leaf, version: #version },
                        inputs: #i,
                        outputs: #o,
                        clobbers: #c,
                    }
                });
            }
            _ => out.extend(
                syn::Error::new(ident.span(), "a guest catalog leaf is a literal leaf and version the guest ABI table knows (the table names it)")
                    .to_compile_error(),
            ),
        }
        krate.get_or_insert(decl.krate);
    }
    let krate = krate.unwrap_or_else(|| syn::parse_quote!(crate));
    out.extend(quote! {
        /// Every call of the guest catalog, in declaration order: its name,
        /// the function, the TDG leaf or the GHCI sub-function with its
        /// exposure mask, and the registers it binds. Built from the
        /// declarations themselves, so it cannot drift from them.
        pub static ALL: &[#krate::guest::GuestCallInfo] = &[#(#infos),*];
    });
    out
}

#[cfg(test)]
mod tests {
    use proc_macro2::{TokenStream, TokenTree};
    use quote::quote;

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

    #[test]
    fn tdcall_docs_name_the_instruction_and_the_guest_table() {
        let ts = super::tdcall_impl(
            quote!(leaf = 1, out = [rcx, rdx, r8, r9, r10, r11], safe),
            quote!(
                pub fn tdg_vp_info() -> Result<(u64, u64, u64, u64, u64, u64), TdcallError>;
            ),
        );
        let d = docs(ts.clone());
        for line in [
            "- TDCALL TDG.VP.INFO: leaf 1 (`0x1`), version 0: RAX = `0x1` on entry; status in RAX on return",
            "R8 (NUM_VCPUS | MAX_VCPUS << 32)",
            "- #UD (not in a TD) and #GP (CPL > 0) return `TdcallErrorKind::Fault`",
        ] {
            assert!(d.contains(line), "missing {line:?} in:\n{d}");
        }
        assert!(!d.contains("SEAMCALL"), "{d}");
        // The instruction is TDCALL and nothing tests CF after it.
        let code = ts.to_string();
        assert!(code.contains("__tdcall_insn"), "{code}");
        assert!(
            !code.contains("jc 6f") && !code.contains("vmfail"),
            "{code}"
        );
    }
}
