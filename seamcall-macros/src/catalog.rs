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
struct Items(Vec<Item>);

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
    let (mut out, infos, krate) = match drive(tokens, one) {
        Ok(driven) => driven,
        Err(errors) => return errors,
    };
    out.extend(quote! {
        /// Every leaf of the catalog, in declaration order: name, leaf
        /// number, version and the registers each declaration binds. Built
        /// from the declarations themselves, so it cannot drift from them.
        pub static ALL: &[#krate::leaves::LeafInfo] = &[#(#infos),*];
    });
    out
}

/// One catalog item expanded: its tokens (with any error about its
/// metadata), its metadata under its `#[cfg]`s, its crate path.
pub struct Entry {
    pub tokens: TokenStream,
    pub info: Option<TokenStream>,
    pub krate: syn::Path,
}

/// A catalog's items, each through `one`: every item's tokens or errors in
/// order, every metadata entry, and the first crate path (`crate` when no
/// item gives one).
pub fn drive(
    tokens: TokenStream,
    one: impl Fn(Item) -> Result<Entry, TokenStream>,
) -> Result<(TokenStream, Vec<TokenStream>, syn::Path), TokenStream> {
    let items = syn::parse2::<Items>(tokens).map_err(|e| e.to_compile_error())?;
    let mut out = TokenStream::new();
    let mut infos = Vec::new();
    let mut krate = None;
    for item in items.0 {
        match one(item) {
            Ok(entry) => {
                out.extend(entry.tokens);
                infos.extend(entry.info);
                krate.get_or_insert(entry.krate);
            }
            Err(errors) => out.extend(errors),
        }
    }
    let krate = krate.unwrap_or_else(|| syn::parse_quote!(crate));
    Ok((out, infos, krate))
}

/// One item: its expansion and its `LeafInfo`, or the errors.
fn one(item: Item) -> Result<Entry, TokenStream> {
    let split = split_item(
        item,
        &["seamcall"],
        "every catalog item is a `#[seamcall(..)]` declaration",
    )?;
    let decl = decl::declare(split.args, split.tokens)?;
    let mut tokens = expand::expand(&decl);
    let cfgs = &split.cfgs;
    let info = catalog_name(&decl).map(|name| {
        let info = expand::leaf_info(&decl, name);
        quote!(#(#cfgs)* #info)
    });
    if info.is_none() {
        tokens.extend(
            syn::Error::new(decl.func.item.sig.ident.span(), "a catalog leaf is a literal leaf and version the ABI table knows (the table names it)")
                .to_compile_error(),
        );
    }
    Ok(Entry {
        tokens,
        info,
        krate: decl.krate,
    })
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
