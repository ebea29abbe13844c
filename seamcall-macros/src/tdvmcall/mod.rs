//! `#[tdvmcall]`: one TDG.VP.VMCALL (TDCALL leaf 0) per declaration, with
//! the exposure mask in RCX computed from the declared registers.
//!
//! ```text
//! #[tdvmcall(subfn = 0x1F, in = [r12], out = [r11])]
//! pub unsafe fn tdvmcall_rdmsr(msr: u32) -> Result<u64, TdvmcallError>;
//! ```
//!
//! The rule that replaces the ABI cross-check of `#[tdcall]` is the mask
//! itself: every register the VMM sees (R10, R11 and each declared
//! register) is in RCX's GPR_SELECT and is, by construction, either an
//! output or a clobber, and goes in with a defined value (its input, or 0).
//!
//! The stages, as for `#[seamcall]`, each module importing only earlier
//! ones: [`attr`] reads the arguments, [`valid`] applies every rule (all of
//! them, so one build shows every mistake), [`expand`] emits the function
//! and [`docs`] its `# ABI` section. The block itself is a TDCALL
//! leaf-0 declaration of the raw form, handed to the same block builder as
//! `#[tdcall]` through the hidden attribute `__tdvmcall_block`, so RBX, the
//! fixup pads, the exception-table entries and `scrub` are written once.

use proc_macro2::TokenStream;
use syn::Path;

use crate::ast::Item;
use crate::ctxt::Ctxt;
use crate::decl::fallback;

mod attr;
mod docs;
mod expand;
mod valid;

pub use expand::{call_info, expand};
pub use valid::Decl;

/// The attribute on `proc_macro2` tokens.
pub fn tdvmcall_impl(args: TokenStream, item: TokenStream) -> TokenStream {
    match declare(args, item) {
        Ok(decl) => expand(&decl),
        Err(tokens) => tokens,
    }
}

/// Parse and validate one declaration: the checked tree, or the errors and
/// a stand-in function.
pub fn declare(args: TokenStream, item: TokenStream) -> Result<Decl, TokenStream> {
    let cx = Ctxt::new();
    let parsed = attr::parse(&cx, args);
    let decl = match syn::parse2::<Item>(item.clone()) {
        Ok(it) => valid::validate(&cx, parsed, it),
        Err(e) => {
            cx.error_at(e.span(), format!("#[tdvmcall] applies to a function declaration without a body, like `pub unsafe fn tdvmcall_rdmsr(msr: u32) -> Result<u64, TdvmcallError>;` ({e})"));
            None
        }
    };
    match (cx.check(), decl) {
        (Ok(()), Some(decl)) => Ok(decl),
        (Err(mut errors), _) => {
            errors.extend(fallback(item));
            Err(errors)
        }
        (Ok(()), None) => Err(fallback(item)),
    }
}

/// The declaration's crate path (`crate = ..`).
pub fn krate(decl: &Decl) -> &Path {
    &decl.krate
}

#[cfg(test)]
mod tests {
    use super::*;
    use proc_macro2::TokenStream;
    use quote::quote;

    fn decl(args: TokenStream, item: TokenStream) -> Result<Decl, String> {
        let cx = Ctxt::new();
        let a = attr::parse(&cx, args);
        let d = valid::validate(&cx, a, syn::parse2(item).map_err(|e| e.to_string())?);
        match cx.check() {
            Ok(()) => d.ok_or_else(|| "no decl".into()),
            Err(e) => Err(e.to_string()),
        }
    }

    #[test]
    fn masks_from_declarations() {
        let rdmsr = decl(
            quote!(subfn = 0x1F, in = [r12], out = [r11]),
            quote!(
                unsafe fn f(msr: u32) -> Result<u64, TdvmcallError>;
            ),
        )
        .unwrap();
        assert_eq!(rdmsr.mask(), 0x1C00);
        let hv = decl(
            quote!(in = [r10, rdx, r8], out = [r11]),
            quote!(
                unsafe fn f(c: u64, i: u64, o: u64) -> Result<u64, TdvmcallError>;
            ),
        )
        .unwrap();
        assert_eq!(hv.mask(), 0x0D04);
        let full = decl(
            quote!(subfn = 0x10003, in = [r12, r13, r14, r15, rbx, rdi, rsi, r8, r9, rdx]),
            quote!(
                unsafe fn f(
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
                ) -> Result<(), TdvmcallError>;
            ),
        )
        .unwrap();
        assert_eq!(full.mask(), 0xFFCC);
    }

    #[test]
    fn refused_registers_say_why() {
        for (list, why) in [
            (quote!(in = [rax]), "leaf (0"),
            (quote!(in = [rcx]), "exposure mask"),
            (quote!(out = [rsp]), "bit 4"),
            (quote!(clobber = [rbp]), "NO_RBP_MOD"),
            (quote!(clobber = [xmm0]), "vector"),
        ] {
            let err = decl(
                quote!(subfn = 1, #list),
                quote!(
                    unsafe fn f(a: u64) -> Result<(), TdvmcallError>;
                ),
            )
            .err()
            .unwrap_or_default();
            assert!(err.contains(why), "{list}: {err}");
        }
    }
}

#[cfg(test)]
mod docs_tests {
    use quote::quote;

    use crate::tests_docs::doc_strings as docs;

    /// The README shows these lines for this declaration.
    #[test]
    fn rdmsr_docs_show_the_mask_in_hex_with_the_registers() {
        let d = docs(super::tdvmcall_impl(
            quote!(subfn = 0x1F, in = [r12], out = [r11]),
            quote!(
                pub unsafe fn tdvmcall_rdmsr(msr: u32) -> Result<u64, TdvmcallError>;
            ),
        ));
        println!("{d}");
        for line in [
            "- TDG.VP.VMCALL (TDCALL leaf 0, RAX = 0), a standard GHCI call: Instruction.RDMSR, sub-function `0x1f` in R11, R10 = 0",
            "- exposes to the VMM: RCX = `0x1c00` (R10, R11, R12)",
            "- in: R12 ← `msr`",
            "- out: R11 → the value",
            "- the VMM may change, not read back (clobbered): R12",
        ] {
            assert!(d.contains(line), "missing {line:?} in:\n{d}");
        }
        // Every exposed register is zeroed once read, unless `no_scrub`.
        assert!(d.contains("R10, R11, R12 are zeroed"), "{d}");
        let d = docs(super::tdvmcall_impl(
            quote!(subfn = 0x1F, in = [r12], out = [r11], no_scrub),
            quote!(
                pub unsafe fn f(msr: u32) -> Result<u64, TdvmcallError>;
            ),
        ));
        assert!(!d.contains("are zeroed"), "{d}");
    }

    /// R10 and R11 are in every mask, so the "R10 trap" (a caller that does
    /// not expose R10 reads its own 0 back as success) cannot be written.
    #[test]
    fn r10_and_r11_are_always_exposed() {
        for (args, item) in [
            (
                quote!(subfn = 0xC, in = [r12], safe),
                quote!(
                    fn f(a: bool) -> Result<(), TdvmcallError>;
                ),
            ),
            (
                quote!(vendor = 5, in = [rdx]),
                quote!(
                    unsafe fn f(a: u64) -> Result<(), TdvmcallError>;
                ),
            ),
            (
                quote!(in = [r10]),
                quote!(
                    unsafe fn f(a: u64) -> Result<(), TdvmcallError>;
                ),
            ),
        ] {
            let decl = super::declare(args, item)
                .map_err(|e| e.to_string())
                .unwrap();
            assert_eq!(decl.mask() & 0xC00, 0xC00, "{:#x}", decl.mask());
        }
    }
}
