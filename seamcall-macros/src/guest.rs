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

use crate::ast::Item;
use crate::catalog::{drive, split_item, Entry};
use crate::decl::declare_as;
use crate::family::Family;
use crate::regs;
use crate::valid::{Decl, LeafWord};

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

/// `__guest_catalog! { .. }`: each declaration expanded exactly as its
/// attribute expands it, then `ALL`, one `GuestCallInfo` per declaration
/// built from the same validated tree. A `#[tdcall]` of the catalog is a
/// literal leaf the guest table knows (the table names it).
pub fn catalog(tokens: TokenStream) -> TokenStream {
    let (mut out, infos, krate) = match drive(tokens, one) {
        Ok(driven) => driven,
        Err(errors) => return errors,
    };
    out.extend(quote! {
        /// Every call of the guest catalog, in declaration order: its name,
        /// the function, the TDG leaf or the GHCI sub-function with its
        /// exposure mask, and the registers it binds. Built from the
        /// declarations themselves, so it cannot drift from them.
        pub static ALL: &[#krate::guest::GuestCallInfo] = &[#(#infos),*];
    });
    out
}

/// One item through its attribute's stages, or the errors.
fn one(item: Item) -> Result<Entry, TokenStream> {
    let split = split_item(
        item,
        &["tdcall", "tdvmcall"],
        "every guest catalog item is a `#[tdcall(..)]` or `#[tdvmcall(..)]` declaration",
    )?;
    let cfgs = &split.cfgs;
    if split.attr.path().is_ident("tdvmcall") {
        let decl = crate::tdvmcall::declare(split.args, split.tokens)?;
        let info = crate::tdvmcall::call_info(&decl);
        return Ok(Entry {
            tokens: crate::tdvmcall::expand(&decl),
            info: Some(quote!(#(#cfgs)* #info)),
            krate: crate::tdvmcall::krate(&decl).clone(),
        });
    }
    let decl = declare_as(Family::Tdcall, split.args, split.tokens)?;
    let mut tokens = crate::expand::expand(&decl);
    let info = tdcall_info(&decl);
    if info.is_none() {
        tokens.extend(
            syn::Error::new(decl.func.item.sig.ident.span(), "a guest catalog leaf is a literal leaf and version the guest ABI table knows (the table names it)")
                .to_compile_error(),
        );
    }
    Ok(Entry {
        tokens,
        info: info.map(|info| quote!(#(#cfgs)* #info)),
        krate: decl.krate,
    })
}

/// The `GuestCallInfo` of a `#[tdcall]`: only a literal leaf the guest
/// table names has one.
fn tdcall_info(decl: &Decl) -> Option<TokenStream> {
    let LeafWord::Lit(w) = &decl.leaf else {
        return None;
    };
    let name = seamcall_abi::find(&TDCALL, *w)?.name;
    let leaf = w.leaf();
    let k = &decl.krate;
    let function = decl.func.item.sig.ident.to_string();
    let version = decl.version;
    let regs = |list: &[regs::Reg]| regs::variant_slice(k, list);
    let (i, o, c) = (
        regs(&decl.inputs),
        regs(&decl.outputs),
        regs(&decl.clobbers),
    );
    Some(quote! {
        #k::guest::GuestCallInfo {
            name: #name,
            function: #function,
            call: #k::guest::GuestCall::Tdcall { leaf: #leaf, version: #version },
            inputs: #i,
            outputs: #o,
            clobbers: #c,
        }
    })
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use crate::tests_docs::doc_strings as docs;

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
