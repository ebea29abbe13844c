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
//! The crate is three stages with a typed tree between them, each module
//! importing only earlier ones:
//!
//! ```text
//! lib ─┬─ decl ─┬─ attr, ast     parse (into ctxt; registers spelled by regs)
//!      │        └─ valid         every rule, the ABI cross-check included
//!      ├─ expand                 tokens from the validated tree:
//!      │    insn ← block ← call ← docs; leaf     (one function per job)
//!      ├─ catalog                `__catalog!`: decl + expand per item, then ALL
//!      ├─ guest                  `#[tdcall]`, the `#[tdvmcall]` block, `__guest_catalog!`
//!      │                         (items taken apart as `catalog` does)
//!      └─ tdvmcall               `#[tdvmcall]`: attr → valid → docs → expand (its
//!                                own keys and rules, the mask; attr's value
//!                                parsers), then a leaf-0 block through `guest`
//! (family: which attribute, read by ast, valid and expand)
//! ```
//!
//! The ABI facts (registers, the leaf word, the table, the cross-check)
//! are not here: they are the `seamcall-abi` crate, which `seamcall-core`
//! re-exports for the expansion's `const` assertions.

use proc_macro::TokenStream;

mod ast;
mod attr;
mod catalog;
mod ctxt;
mod decl;
mod expand;
mod family;
mod guest;
mod limits;
mod regs;
mod tdvmcall;
mod valid;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_docs;
#[cfg(test)]
mod tests_rules;

/// Declare a SEAMCALL leaf: one declaration becomes one inline `asm!` block
/// that binds exactly the registers it lists.
///
/// ```ignore
/// #[seamcall(leaf = 11, in = [rcx, rdx], out = [r8])]
/// pub unsafe fn tdh_mng_rd(tdr: PhysAddr, field: u64) -> Result<u64, SeamcallError>;
/// ```
///
/// The grammar (every key, the return forms, what `unchecked`, `retry` and
/// `scrub` do) is in the `seamcall-core` crate documentation, section
/// ["The `#[seamcall]` declaration"](https://docs.rs/seamcall-core/0.1/seamcall_core/#the-seamcall-declaration).
/// Use the attribute through `seamcall_core::seamcall`: the expansion refers
/// to `seamcall_core`'s runtime (or to the path given with `crate = ..`).
#[proc_macro_attribute]
pub fn seamcall(args: TokenStream, item: TokenStream) -> TokenStream {
    seamcall_impl(args.into(), item.into()).into()
}

/// The whole macro on `proc_macro2` tokens, so tests can drive it.
fn seamcall_impl(
    args: proc_macro2::TokenStream,
    item: proc_macro2::TokenStream,
) -> proc_macro2::TokenStream {
    match decl::declare(args, item) {
        Ok(decl) => expand::expand(&decl),
        Err(tokens) => tokens,
    }
}

/// Declare a TDG leaf (the guest side's `TDCALL`, `66 0F 01 CC`): the
/// `#[seamcall]` language for a TD. See the `seamcall-core` crate
/// documentation (`guest`) for the grammar.
#[proc_macro_attribute]
pub fn tdcall(args: TokenStream, item: TokenStream) -> TokenStream {
    guest::tdcall_impl(args.into(), item.into()).into()
}

/// Declare a TDG.VP.VMCALL (TDCALL leaf 0) with its GHCI sub-function: the
/// exposure mask in RCX is computed from the declared registers. See the
/// `seamcall-core` crate documentation (`guest`) for the grammar.
#[proc_macro_attribute]
pub fn tdvmcall(args: TokenStream, item: TokenStream) -> TokenStream {
    tdvmcall::tdvmcall_impl(args.into(), item.into()).into()
}

/// The TDG.VP.VMCALL block a `#[tdvmcall]` expansion declares. Not a
/// public API.
#[doc(hidden)]
#[proc_macro_attribute]
pub fn __tdvmcall_block(args: TokenStream, item: TokenStream) -> TokenStream {
    guest::tdvmcall_block_impl(args.into(), item.into()).into()
}

/// The guest catalog: `#[tdcall]` and `#[tdvmcall]` declarations, each
/// expanded as its attribute does, then `pub static ALL:
/// &[GuestCallInfo]`. Used by `seamcall_core::guest`; not a public API.
#[doc(hidden)]
#[proc_macro]
pub fn __guest_catalog(items: TokenStream) -> TokenStream {
    guest::catalog(items.into()).into()
}

/// The leaf catalog: a list of `#[seamcall]` declarations, each expanded as
/// the attribute does, followed by `pub static ALL: &[LeafInfo]` built from
/// the same validated declarations. Used by `seamcall_core::leaves`; not a
/// public API.
#[doc(hidden)]
#[proc_macro]
pub fn __catalog(items: TokenStream) -> TokenStream {
    catalog::catalog(items.into()).into()
}
