//! The `__catalog!` driver: a list of `#[seamcall]` declarations, each
//! parsed, validated and expanded exactly as the attribute does it, then
//! `ALL`, the metadata of every declaration, built from the same validated
//! trees.

use proc_macro2::TokenStream;
use quote::quote;

use crate::ast::Item;
use crate::valid::{Decl, LeafWord};
use crate::{decl, expand};

/// A catalog's items: declarations, one after another.
pub struct Items(pub Vec<Item>);

impl syn::parse::Parse for Items {
    fn parse(input: syn::parse::ParseStream) -> syn::Result<Self> {
        let mut items = Vec::new();
        while !input.is_empty() {
            items.push(input.parse()?);
        }
        Ok(Items(items))
    }
}

/// `__catalog! { .. }`: each declaration expanded exactly as the attribute
/// expands it, then `ALL`, one `LeafInfo` per declaration built from the
/// same validated tree (carrying the declaration's `#[cfg]`s), so the
/// functions and the metadata cannot disagree. Every catalog leaf is a
/// literal leaf the ABI table knows; the table gives its name.
pub fn catalog(tokens: TokenStream) -> TokenStream {
    let items = match syn::parse2::<Items>(tokens) {
        Ok(items) => items.0,
        Err(e) => return e.to_compile_error(),
    };
    let mut out = TokenStream::new();
    let mut infos = Vec::new();
    let mut krate = None;
    for item in items {
        match one(item) {
            Ok((decl, cfgs, tokens)) => {
                out.extend(tokens);
                match catalog_name(&decl) {
                    Some(name) => {
                        let info = expand::leaf_info(&decl, name);
                        infos.push(quote!(#(#cfgs)* #info));
                    }
                    None => out.extend(
                        syn::Error::new(decl.func.item.sig.ident.span(), "a catalog leaf is a literal leaf and version the ABI table knows (the table names it)")
                            .to_compile_error(),
                    ),
                }
                krate.get_or_insert(decl.krate);
            }
            Err(errors) => out.extend(errors),
        }
    }
    let krate = krate.unwrap_or_else(|| syn::parse_quote!(crate));
    out.extend(quote! {
        /// Every leaf of the catalog, in declaration order: name, leaf
        /// number, version and the registers each declaration binds. Built
        /// from the declarations themselves, so it cannot drift from them.
        pub static ALL: &[#krate::leaves::LeafInfo] = &[#(#infos),*];
    });
    out
}

/// One item: its validated declaration, its `#[cfg]`s and its expansion,
/// or the errors.
fn one(item: Item) -> Result<(Decl, Vec<syn::Attribute>, TokenStream), TokenStream> {
    let split = split_item(
        item,
        &["seamcall"],
        "every catalog item is a `#[seamcall(..)]` declaration",
    )?;
    let decl = decl::declare(split.args, split.tokens)?;
    let tokens = expand::expand(&decl);
    Ok((decl, split.cfgs, tokens))
}

/// A catalog item taken apart: which of the catalog's attributes it
/// carries, that attribute's arguments, its `#[cfg]`s, and the item
/// without that attribute.
pub struct Split {
    pub attr: syn::Attribute,
    pub args: TokenStream,
    pub cfgs: Vec<syn::Attribute>,
    pub tokens: TokenStream,
}

/// Takes the first attribute named one of `names` off `item`; `missing` is
/// the error when it has none.
pub fn split_item(mut item: Item, names: &[&str], missing: &str) -> Result<Split, TokenStream> {
    let ident = item.sig.ident.clone();
    let Some(pos) = item
        .attrs
        .iter()
        .position(|a| names.iter().any(|n| a.path().is_ident(n)))
    else {
        return Err(syn::Error::new(ident.span(), missing).to_compile_error());
    };
    let attr = item.attrs.remove(pos);
    let args = match attr.meta.require_list() {
        Ok(list) => list.tokens.clone(),
        Err(e) => return Err(e.to_compile_error()),
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
    Ok(Split {
        attr,
        args,
        cfgs,
        tokens,
    })
}

/// The table's name for a catalog leaf: every catalog leaf is a literal
/// leaf and version the ABI table knows.
fn catalog_name(decl: &Decl) -> Option<&'static str> {
    match &decl.leaf {
        LeafWord::Lit(w) => seamcall_abi::find(&seamcall_abi::SEAMCALL, *w).map(|e| e.name),
        LeafWord::Path(_) => None,
    }
}
