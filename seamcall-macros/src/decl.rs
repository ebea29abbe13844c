//! One declaration from tokens to the validated tree: parse the arguments
//! (`attr.rs`) and the function (`ast.rs`), then run every rule
//! (`valid.rs`). The attribute and the catalog driver both start here.

use proc_macro2::TokenStream;

use crate::family::Family;
use crate::{ast, attr, ctxt, limits, valid};

/// Parse and validate one declaration: the checked tree, or the errors and
/// a stand-in function.
pub fn declare(args: TokenStream, item: TokenStream) -> Result<valid::Decl, TokenStream> {
    declare_as(Family::Seamcall, args, item)
}

/// [`declare`] for the attribute `family` (`#[tdcall]`, the `#[tdvmcall]`
/// block).
pub fn declare_as(
    family: Family,
    args: TokenStream,
    item: TokenStream,
) -> Result<valid::Decl, TokenStream> {
    let cx = ctxt::Ctxt::new();
    // Input syn cannot parse safely gets its errors and no stand-in (which
    // would be parsed too).
    let (args_ok, item_ok) = (limits::check(&cx, &args), limits::check(&cx, &item));
    if !(args_ok && item_ok) {
        return Err(cx.check().err().unwrap_or_default());
    }
    let args = attr::parse(&cx, args);
    let decl = ast::parse_item(&cx, family, item.clone())
        .map(|item| ast::read(&cx, family, item))
        .and_then(|func| valid::validate(&cx, family, args, func));
    match (cx.check(), decl) {
        (Ok(()), Some(decl)) => Ok(decl),
        (Err(errors), _) => {
            // Keep the function visible to the rest of the crate so one
            // mistake does not cascade into "cannot find function" errors.
            let mut out = errors;
            out.extend(fallback(item));
            Err(out)
        }
        (Ok(()), None) => Err(fallback(item)),
    }
}

/// The function with a body that never runs, emitted next to the errors.
pub fn fallback(item: TokenStream) -> TokenStream {
    match syn::parse2::<ast::Item>(item) {
        Ok(item) => {
            let attrs = item.attrs;
            let vis = item.vis;
            let sig = item.sig;
            quote::quote!(#(#attrs)* #[allow(unused_variables)] #vis #sig { ::core::unimplemented!() })
        }
        Err(_) => TokenStream::new(),
    }
}
