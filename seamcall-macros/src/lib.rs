//! The `#[seamcall]` attribute. Use it through `seamcall-core`, which
//! re-exports it and holds the runtime the expansion refers to.
//!
//! The attribute turns one declaration into one inline `asm!` block:
//!
//! ```ignore
//! #[seamcall(leaf = 11, in = [rcx, rdx], out = [r8])]
//! pub unsafe fn tdh_mng_rd(tdr: PhysAddr, field: u64) -> Result<u64, SeamcallError>;
//! ```
//!
//! The crate is three stages with a typed tree between them: `attr.rs` and
//! `ast.rs` parse, `valid.rs` holds every rule, `expand.rs` emits the tokens.

use proc_macro::TokenStream;

mod abi;
mod ast;
mod attr;
mod ctxt;
mod expand;
mod guest;
mod insn;
mod regs;
mod tdvmcall;
mod valid;

#[cfg(test)]
mod tests;

/// Declare a SEAMCALL leaf. See the `seamcall-core` crate documentation for
/// the grammar.
#[proc_macro_attribute]
pub fn seamcall(args: TokenStream, item: TokenStream) -> TokenStream {
    seamcall_impl(args.into(), item.into()).into()
}

/// The whole macro on `proc_macro2` tokens, so tests can drive it.
fn seamcall_impl(
    args: proc_macro2::TokenStream,
    item: proc_macro2::TokenStream,
) -> proc_macro2::TokenStream {
    match declare(insn::Insn::Seamcall, args, item) {
        Ok(decl) => expand::expand(&decl),
        Err(tokens) => tokens,
    }
}

/// Parse and validate one declaration: the checked tree, or the errors and
/// a stand-in function.
fn declare(
    insn: insn::Insn,
    args: proc_macro2::TokenStream,
    item: proc_macro2::TokenStream,
) -> Result<valid::Decl, proc_macro2::TokenStream> {
    let cx = ctxt::Ctxt::new();
    let args = attr::parse(&cx, args);
    let decl = ast::parse_item(&cx, insn, item.clone())
        .map(|item| ast::read(&cx, insn, item))
        .and_then(|func| valid::validate(&cx, insn, args, func));
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

/// Declare a TDG leaf (the guest side's `TDCALL`, `66 0F 01 CC`): the
/// `#[seamcall]` language for a TD. See the `seamcall-core` crate
/// documentation (`guest`) for the grammar.
#[proc_macro_attribute]
pub fn tdcall(args: TokenStream, item: TokenStream) -> TokenStream {
    guest::tdcall_impl(args.into(), item.into()).into()
}

/// The TDG.VP.VMCALL block a `#[tdvmcall]` expansion declares. Not a
/// public API.
#[doc(hidden)]
#[proc_macro_attribute]
pub fn __tdvmcall_block(args: TokenStream, item: TokenStream) -> TokenStream {
    guest::tdvmcall_block_impl(args.into(), item.into()).into()
}

/// The guest ABI table as a `&'static [AbiEntry]` expression, for
/// `seamcall_core::guest::abi`. Not a public API.
#[doc(hidden)]
#[proc_macro]
pub fn __guest_abi_table(path: TokenStream) -> TokenStream {
    guest::emit_table(path.into()).into()
}

/// The guest catalog: `#[tdcall]` and `#[tdvmcall]` declarations, each
/// expanded as its attribute does, then `pub static ALL:
/// &[GuestCallInfo]`. Used by `seamcall_core::guest`; not a public API.
#[doc(hidden)]
#[proc_macro]
pub fn __guest_catalog(items: TokenStream) -> TokenStream {
    guest::catalog(items.into()).into()
}

/// Declare a TDG.VP.VMCALL (TDCALL leaf 0) with its GHCI sub-function: the
/// exposure mask in RCX is computed from the declared registers. See the
/// `seamcall-core` crate documentation (`guest`) for the grammar.
#[proc_macro_attribute]
pub fn tdvmcall(args: TokenStream, item: TokenStream) -> TokenStream {
    tdvmcall::tdvmcall_impl(args.into(), item.into()).into()
}

/// The ABI table as a `&'static [AbiEntry]` expression, for
/// `seamcall_core::leaves::ABI`; the argument is the path of the module that
/// defines `AbiEntry`, `RegSet` and `Reg`. Not a public API.
#[doc(hidden)]
#[proc_macro]
pub fn __abi_table(path: TokenStream) -> TokenStream {
    abi::emit_table(path.into()).into()
}

/// The leaf catalog: a list of `#[seamcall]` declarations, each expanded as
/// the attribute does, followed by `pub static ALL: &[LeafInfo]` built from
/// the same validated declarations. Used by `seamcall_core::leaves`; not a
/// public API.
#[doc(hidden)]
#[proc_macro]
pub fn __catalog(items: TokenStream) -> TokenStream {
    abi::catalog(items.into()).into()
}

/// The function with a body that never runs, emitted next to the errors.
fn fallback(item: proc_macro2::TokenStream) -> proc_macro2::TokenStream {
    match syn::parse2::<ast::Item>(item) {
        Ok(item) => {
            let attrs = item.attrs;
            let vis = item.vis;
            let sig = item.sig;
            quote::quote!(#(#attrs)* #[allow(unused_variables)] #vis #sig { ::core::unimplemented!() })
        }
        Err(_) => proc_macro2::TokenStream::new(),
    }
}
