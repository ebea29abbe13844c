//! Tokens from a validated `#[tdvmcall]` declaration: the block's registers
//! from the mask, the raw leaf-0 block as a nested `__tdvmcall_block`
//! declaration, the value of each block input, the result mapping, and the
//! guest catalog's `GuestCallInfo`.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Ident, Type};

use super::docs::{docs, subfunction_name};
use super::valid::{Decl, Ret, R10};
use crate::ast::{is_tuple, value_elems};
use crate::regs::{self, Reg};

/// The block's registers: RCX (the mask), then every exposed register as
/// an input (its value, or 0: the VMM never sees a stale register), R10
/// and the declared outputs read back, the rest clobbered.
struct Block {
    inputs: Vec<Reg>,
    outputs: Vec<Reg>,
    clobbers: Vec<Reg>,
}

impl Block {
    fn of(decl: &Decl) -> Block {
        let exposed = decl.exposed();
        let mut inputs = vec![Reg::Rcx];
        inputs.extend(exposed.iter().copied());
        let mut outputs = vec![Reg::R10];
        outputs.extend(decl.outputs.iter().copied().filter(|r| *r != Reg::R10));
        let clobbers = exposed
            .iter()
            .copied()
            .filter(|r| !outputs.contains(r))
            .collect();
        Block {
            inputs,
            outputs,
            clobbers,
        }
    }
}

fn arg_ident(r: Reg) -> Ident {
    format_ident!("__tdvmcall_{}", r.name(), span = Span::mixed_site())
}

fn out_ident(r: Reg) -> Ident {
    format_ident!("__tdvmcall_out_{}", r.name(), span = Span::mixed_site())
}

/// The function: the raw leaf-0 block (as a nested declaration of the
/// hidden `__tdvmcall_block` attribute), then the result mapping.
pub fn expand(decl: &Decl) -> TokenStream {
    let private = {
        let krate = &decl.krate;
        quote!(#krate::__private)
    };
    let item = &decl.item;
    let (attrs, vis, sig) = (&item.attrs, &item.vis, &item.sig);
    let has_inline = attrs.iter().any(|a| a.path().is_ident("inline"));
    let inline = (!has_inline).then(|| quote!(#[inline]));
    let docs = docs(decl);
    let block = Block::of(decl);
    let inner = format_ident!("__tdvmcall_block", span = Span::mixed_site());
    let block_decl = block_decl(decl, &block, &inner);
    let lets = input_lets(decl, &block, &private);
    let block_params: Vec<Ident> = block.inputs.iter().map(|r| arg_ident(*r)).collect();
    let outs: Vec<Ident> = block.outputs.iter().map(|r| out_ident(*r)).collect();
    let status = format_ident!("__tdvmcall_rax", span = Span::mixed_site());
    let result = result(decl, &block, &private, &status);
    quote! {
        #(#attrs)*
        #docs
        #inline
        #vis #sig {
            #block_decl

            #(#lets)*
            // SAFETY: the block exposes to the VMM exactly the registers in
            // RCX's mask, all bound as inputs and read back or clobbered;
            // the caller upholds the call's contract (this function is
            // `unsafe` unless declared `safe`).
            let (#status, (#(#outs,)*)) = unsafe { #inner(#(#block_params),*) };
            #result
        }
    }
}

/// The nested declaration of the block, `#[__tdvmcall_block(..)] unsafe fn`.
fn block_decl(decl: &Decl, block: &Block, inner: &Ident) -> TokenStream {
    let krate = &decl.krate;
    let private = quote!(#krate::__private);
    let names = |l: &[Reg]| {
        l.iter()
            .map(|r| format_ident!("{}", r.name()))
            .collect::<Vec<_>>()
    };
    let (bi, bo, bc) = (
        names(&block.inputs),
        names(&block.outputs),
        names(&block.clobbers),
    );
    let scrub = decl.scrub.then(|| quote!(scrub,));
    let block_params: Vec<Ident> = block.inputs.iter().map(|r| arg_ident(*r)).collect();
    let out_tys = block.outputs.iter().map(|_| quote!(u64));
    quote! {
        #[#private::__tdvmcall_block(
            in = [#(#bi),*],
            out = [#(#bo),*],
            clobber = [#(#bc),*],
            #scrub
            crate = #krate
        )]
        #[allow(clippy::too_many_arguments)]
        unsafe fn #inner(#(#block_params: u64),*)
            -> (#private::TdxStatus, (#(#out_tys,)*));
    }
}

/// `let __tdvmcall_<reg>: u64 = ..;` for each block input: the mask, a
/// parameter, R10's vendor value, R11's sub-function, or 0.
fn input_lets(decl: &Decl, block: &Block, private: &TokenStream) -> Vec<TokenStream> {
    let mask = decl.mask();
    let user_in: Vec<(Reg, &(Ident, Type))> = decl
        .inputs
        .iter()
        .copied()
        .zip(decl.params.iter())
        .collect();
    let mut lets = Vec::new();
    for r in &block.inputs {
        let id = arg_ident(*r);
        let value = if *r == Reg::Rcx {
            quote!(#mask)
        } else if let Some((_, (name, ty))) = user_in.iter().find(|(x, _)| x == r) {
            quote_spanned! {ty.span()=> <#ty as #private::IntoReg>::into_reg(#name) }
        } else if *r == Reg::R10 {
            match decl.r10 {
                R10::Vendor(v) => quote!(#v),
                _ => quote!(0u64),
            }
        } else if *r == Reg::R11 && decl.is_ghci() {
            let s = decl.subfn.unwrap_or(0);
            quote!(#s)
        } else {
            quote!(0u64)
        };
        lets.push(quote!(let #id: u64 = #value;));
    }
    lets
}

/// The success value: each declared output through `FromReg`, one value or
/// a tuple as the declaration returns it.
fn value(decl: &Decl, block: &Block, private: &TokenStream) -> TokenStream {
    let convs: Vec<TokenStream> = decl
        .outputs
        .iter()
        .zip(value_elems(decl.ret.value()))
        .map(|(r, ty)| {
            let i = block.outputs.iter().position(|x| x == r).unwrap_or(0);
            let o = out_ident(block.outputs[i]);
            quote_spanned! {ty.span()=> <#ty as #private::FromReg>::from_reg(#o) }
        })
        .collect();
    if decl.outputs.len() == 1 && !is_tuple(decl.ret.value()) {
        convs[0].clone()
    } else {
        quote!((#(#convs,)*))
    }
}

/// RAX first (the module's status, or the fault a pad loaded), then, for
/// a standard call, R10 (the VMM's). Written as nested matches, so the
/// success path is two tests and the `Result` is built once.
fn result(decl: &Decl, block: &Block, private: &TokenStream, status: &Ident) -> TokenStream {
    let value = value(decl, block, private);
    let r10_out = out_ident(block.outputs[0]);
    let err = Ident::new("__tdvmcall_err", decl.ret.err());
    let err_arm = quote_spanned! {decl.ret.err()=>
        ::core::option::Option::Some(#err) => ::core::result::Result::Err(#err),
    };
    let outcome = |ok: TokenStream| {
        let inner = if decl.is_ghci() {
            quote! {
                match #private::TdvmcallError::from_vmm(#r10_out) {
                    #err_arm
                    ::core::option::Option::None => #ok,
                }
            }
        } else {
            ok
        };
        quote! {
            match #private::TdvmcallError::from_module(#status.raw()) {
                #err_arm
                ::core::option::Option::None => #inner,
            }
        }
    };
    match &decl.ret {
        Ret::Result { .. } => outcome(quote!(::core::result::Result::Ok(#value))),
        Ret::Raw { .. } => {
            let o = outcome(quote!(::core::result::Result::Ok(())));
            quote!((#o, #value))
        }
    }
}

/// The `GuestCallInfo` the guest catalog lists for this declaration.
pub fn call_info(decl: &Decl) -> TokenStream {
    let krate = &decl.krate;
    let regs = |list: &[Reg]| regs::variant_slice(krate, list);
    let (inputs, outputs, clobbers) = (
        regs(&decl.inputs),
        regs(&decl.outputs),
        regs(&decl.clobbers),
    );
    let function = decl.item.sig.ident.to_string();
    let (name, call) = call_kind(decl);
    quote! {
        #krate::guest::GuestCallInfo {
            name: #name,
            function: #function,
            call: #call,
            inputs: #inputs,
            outputs: #outputs,
            clobbers: #clobbers,
        }
    }
}

/// The catalog's name for the call and its `GuestCall`.
fn call_kind(decl: &Decl) -> (String, TokenStream) {
    let krate = &decl.krate;
    let mask = decl.mask();
    match decl.r10 {
        R10::Ghci => {
            let s = decl.subfn.unwrap_or(0);
            (
                subfunction_name(s)
                    .unwrap_or("GHCI sub-function")
                    .to_string(),
                quote!(#krate::guest::GuestCall::Ghci { subfn: #s, mask: #mask }),
            )
        }
        R10::Vendor(v) => (
            "vendor-specific TDG.VP.VMCALL".to_string(),
            quote!(#krate::guest::GuestCall::Vendor { r10: ::core::option::Option::Some(#v), mask: #mask }),
        ),
        R10::Param => (
            "vendor-specific TDG.VP.VMCALL".to_string(),
            quote!(#krate::guest::GuestCall::Vendor { r10: ::core::option::Option::None, mask: #mask }),
        ),
    }
}
