//! Around the block: the parameters into registers, the SSE split, the
//! retry loop, `scrub`, and the registers back into the function's result.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::Ident;

use super::block::{in_ident, out_ident, Block, Names};
use super::insn::Insn;
use crate::ast::{self, Ret};
use crate::family::Family;
use crate::regs::{self, Reg};
use crate::valid::Decl;

/// Parameters → register values, each conversion spanned at its type so a
/// missing `IntoReg` points at the parameter.
pub fn conversions(decl: &Decl, n: &Names) -> Vec<TokenStream> {
    let private = &n.private;
    decl.inputs
        .iter()
        .zip(decl.params())
        .map(|(r, p)| {
            let id = in_ident(*r);
            let (name, ty) = (&p.ident, &p.ty);
            quote_spanned! {ty.span()=>
                let #id: u64 = <#ty as #private::IntoReg>::into_reg(#name);
            }
        })
        .collect()
}

/// One attempt: the block with its statements, binding the status and the
/// outputs.
///
/// With vector clobbers, two copies of the block, one per SSE setting
/// (`#[cfg]` on a single operand needs Rust 1.93; the MSRV is older).
/// Without SSE the block names no XMM register, yet the module still
/// zeroes XMM0-15, and a caller compiled with SSE enabled
/// (`#[target_feature(enable = "sse2")]`) would inline the block and keep
/// its own XMM values there across it. So that copy sits in an
/// `#[inline(never)]` function of its own: every XMM register is
/// caller-saved in the SysV ABI, so a caller with SSE keeps nothing in
/// them across the call, and a caller without SSE has nothing there to
/// keep (tests/codegen_options.rs checks both). In a kernel, the XMM
/// registers may still hold the interrupted user task's FPU state, which
/// the compiler knows nothing about: the caller must save it first
/// (Linux's `kernel_fpu_begin()`/`kernel_fpu_end()`).
pub fn attempt(decl: &Decl, insn: &Insn, n: &Names, b: &Block) -> TokenStream {
    let (pre, post, status) = (&b.pre, &b.post, &n.status);
    let outs: Vec<Ident> = decl.outputs.iter().map(|r| out_ident(*r)).collect();
    let statements = |with_vector: bool| {
        let block = b.asm(insn, &n.krate, with_vector);
        quote! {
            #(#pre)*
            let #status: u64;
            #(let #outs: u64;)*
            #block
            #(#post)*
        }
    };
    if b.vector.is_empty() {
        return statements(false);
    }
    let (with, without) = (statements(true), statements(false));
    let ins: Vec<Ident> = decl.inputs.iter().map(|r| in_ident(*r)).collect();
    let out_tys = outs.iter().map(|_| quote!(u64));
    let inner = format_ident!("__seamcall_block", span = Span::mixed_site());
    quote! {
        #[cfg(target_feature = "sse")]
        let (#status, #(#outs,)*) = {
            #with
            (#status, #(#outs,)*)
        };
        #[cfg(not(target_feature = "sse"))]
        let (#status, #(#outs,)*) = {
            #[inline(never)]
            #[allow(clippy::too_many_arguments)]
            unsafe fn #inner(#(#ins: u64),*) -> (u64, #(#out_tys,)*) {
                #without
                (#status, #(#outs,)*)
            }
            // SAFETY: the block with the caller's operands, as above.
            unsafe { #inner(#(#ins),*) }
        };
    }
}

/// `retry = N`: the first attempt is the plain block; only a status that
/// asks for a retry enters the loop, which holds a second copy of the
/// block. One loop around one block lets the compiler set up the attempt
/// counter and the status constant before the first instruction, on the
/// success path (tests/codegen_options.rs compares the two).
pub fn retry(decl: &Decl, n: &Names, attempt: TokenStream) -> TokenStream {
    let limit = match decl.retry {
        // One attempt in all is no retry.
        None | Some(1) => return attempt,
        Some(limit) => limit,
    };
    let status = &n.status;
    let outs: Vec<Ident> = decl.outputs.iter().map(|r| out_ident(*r)).collect();
    let again = retry_status(decl, n);
    quote! {
        let (#status, #(#outs,)*) = {
            #attempt
            (#status, #(#outs,)*)
        };
        let (#status, #(#outs,)*) = if #again {
            let mut __seamcall_attempt: u32 = 1;
            loop {
                __seamcall_attempt += 1;
                let (#status, #(#outs,)*) = {
                    #attempt
                    (#status, #(#outs,)*)
                };
                if #again && __seamcall_attempt < #limit {
                    continue;
                }
                break (#status, #(#outs,)*);
            }
        } else {
            (#status, #(#outs,)*)
        };
    }
}

/// Whether the status asks for another attempt. The status constant is
/// loaded by a tiny block of its own, right where it is compared: left to
/// itself the compiler materializes it once, before the first attempt, for
/// both comparisons.
fn retry_status(decl: &Decl, n: &Names) -> TokenStream {
    let (private, status) = (&n.private, &n.status);
    let busy = decl
        .retry_busy
        .then(|| quote!(|| (#status & #private::STATUS_MASK) == #private::OPERAND_BUSY));
    let rnd = format_ident!("__seamcall_rnd", span = Span::mixed_site());
    quote!({
        let #rnd: u64;
        // SAFETY: loads a constant into a register; touches nothing else.
        unsafe {
            ::core::arch::asm!(
                "mov {}, {}",
                out(reg) #rnd,
                const #private::RND_NO_ENTROPY,
                options(nomem, nostack, preserves_flags)
            );
        }
        (#status == #rnd #busy)
    })
}

/// Outputs → the success value, each conversion spanned at its type.
fn value(decl: &Decl, n: &Names) -> TokenStream {
    let Some(ty) = decl.ret().value() else {
        return quote!(());
    };
    let private = &n.private;
    let convs: Vec<TokenStream> = decl
        .outputs
        .iter()
        .zip(ast::value_elems(ty))
        .map(|(r, t)| {
            let o = out_ident(*r);
            quote_spanned! {t.span()=> <#t as #private::FromReg>::from_reg(#o) }
        })
        .collect();
    if decl.outputs.len() == 1 && !ast::is_tuple(ty) {
        convs.into_iter().next().unwrap_or_else(|| quote!(()))
    } else {
        quote!((#(#convs,)*))
    }
}

/// The function's result from the status and the outputs, as the
/// instruction's status maps.
pub fn result(decl: &Decl, insn: &Insn, n: &Names) -> TokenStream {
    let (private, status) = (&n.private, &n.status);
    let value = value(decl, n);
    let status_ty = format_ident!("{}", insn.status);
    match decl.ret() {
        Ret::Result { err, .. } => {
            // The error arm at the span of the error type as written, so an
            // error type other than `SeamcallError` gets rustc's "mismatched
            // types" there rather than on the attribute.
            let error_ty = format_ident!("{}", insn.error);
            let e = Ident::new("__seamcall_err", *err);
            let failed = failed_err(decl, n, &e);
            let err_arm = quote_spanned! {*err=>
                ::core::option::Option::Some(#e) => {
                    #failed
                    ::core::result::Result::Err(#e)
                }
            };
            quote! {
                match #private::#error_ty::from_status(#status) {
                    ::core::option::Option::None => ::core::result::Result::Ok(#value),
                    #err_arm
                }
            }
        }
        Ret::Raw { .. } | Ret::RawStatus => {
            let failed = failed(decl, n)
                .map(|failed| quote!(let #status = if #status != 0 { #failed } else { #status };));
            let raw = quote!(#private::#status_ty::from_raw(#status));
            let raw = match decl.ret() {
                Ret::RawStatus => raw,
                _ => quote!((#raw, #value)),
            };
            quote! {{
                #failed
                #raw
            }}
        }
        Ret::Alias { ty } => alias_result(decl, insn, n, ty),
    }
}

/// The result for a return type only the type checker resolves: the
/// `Result` and its value built through `__private::LeafResult` and
/// `Outputs`, spanned at the type, and a `const` assertion that the value
/// takes as many registers as `out` lists (its message names them).
fn alias_result(decl: &Decl, insn: &Insn, n: &Names, ty: &syn::Type) -> TokenStream {
    let (private, status) = (&n.private, &n.status);
    let error_ty = format_ident!("{}", insn.error);
    let outs: Vec<Ident> = decl.outputs.iter().map(|r| out_ident(*r)).collect();
    let count = decl.outputs.len();
    let list: Vec<&str> = decl.outputs.iter().map(|r| r.name()).collect();
    let want = match count {
        0 => "`()`, since the declaration has no `out` registers".to_string(),
        1 => format!("a single value for `out = [{}]`, like `u64`", list[0]),
        k => format!(
            "a {k}-tuple, one element per register of `out = [{}]`, like `({})`",
            list.join(", "),
            vec!["u64"; k].join(", ")
        ),
    };
    let msg = format!(
        "the return type is an alias whose success value does not fit the `out` registers: it must be {want}"
    );
    let e = Ident::new("__seamcall_err", Span::mixed_site());
    let failed = failed_err(decl, n, &e);
    // One name for the type, spanned at it, so that a trait the type lacks
    // is reported once (rustc merges equal errors at one span).
    let ret = Ident::new("__SeamcallRet", ty.span());
    let arity = quote_spanned! {ty.span()=>
        const _: () = if <<#ret as #private::LeafResult<#private::#error_ty>>::Value as #private::Outputs>::COUNT != #count {
            ::core::panic!(#msg)
        };
    };
    let ok = quote_spanned! {ty.span()=>
        <#ret as #private::LeafResult<#private::#error_ty>>::ok(
            <<#ret as #private::LeafResult<#private::#error_ty>>::Value as #private::Outputs>::from_outputs([#(#outs),*])
        )
    };
    let err =
        quote_spanned! {ty.span()=> <#ret as #private::LeafResult<#private::#error_ty>>::err(#e) };
    quote! {{
        #[allow(non_camel_case_types)]
        type #ret = #ty;
        #arity
        match #private::#error_ty::from_status(#status) {
            ::core::option::Option::None => #ok,
            ::core::option::Option::Some(#e) => {
                #failed
                #err
            }
        }
    }}
}

/// The call of `__private::failed` on the error path: the function's name,
/// the leaf word, the status and every output register (feature
/// `error-hook` of seamcall-core; without it the call is empty). SEAMCALL
/// leaves only: the hook reports host leaves by their ABI-table name.
fn failed(decl: &Decl, n: &Names) -> Option<TokenStream> {
    if decl.family != Family::Seamcall {
        return None;
    }
    let (private, status, word) = (&n.private, &n.status, &n.leaf_word);
    let name = decl.func.item.sig.ident.to_string();
    let outs = decl.outputs.iter().map(|r| {
        let (v, o) = (regs::variant(*r), out_ident(*r));
        quote!((#private::abi::Reg::#v, #o))
    });
    Some(quote!(#private::failed(#name, #word, #status, &[#(#outs),*])))
}

/// [`failed`] on a `Result` leaf's error arm: rebinds the error `e`.
fn failed_err(decl: &Decl, n: &Names, e: &Ident) -> TokenStream {
    if decl.family != Family::Seamcall {
        return TokenStream::new();
    }
    let (private, word) = (&n.private, &n.leaf_word);
    let name = decl.func.item.sig.ident.to_string();
    let outs = decl.outputs.iter().map(|r| {
        let (v, o) = (regs::variant(*r), out_ident(*r));
        quote!((#private::abi::Reg::#v, #o))
    });
    quote!(let #e = #private::failed_err(#name, #word, #e, &[#(#outs),*]);)
}

/// The registers `scrub` zeroes: every output and clobbered general
/// register but RBX (the block hands the caller's RBX back; RBP likewise).
pub fn scrubbed(decl: &Decl) -> Vec<Reg> {
    Reg::OPERANDS
        .into_iter()
        .filter(|r| *r != Reg::Rbx)
        .filter(|r| decl.outputs.contains(r) || decl.clobbers.contains(r))
        .collect()
}

/// `scrub`: once the outputs have been read, zero the architectural
/// registers the leaf wrote (the outputs and the general-purpose clobbers),
/// as Linux does after TDH.VP.ENTER (the vmenter.S pattern).
///
/// A second, tiny block does it. It declares each of those registers as an
/// output it discards, so the compiler first moves every live output out of
/// them (into the result, or the stack) and only then runs the `xor`s. RBX and
/// RBP are left out: the first block already restored the caller's values.
/// RAX holds the status, not guest data.
///
/// What it does not do: zero the copies the compiler made. Before the
/// `xor`s run, the compiler may have copied a guest value anywhere it likes
/// (into a callee-saved register, `mov rbx, rsi`; onto the stack; into the
/// return value), and those copies stay. `scrub` guarantees only that the
/// registers the leaf wrote no longer hold what the module left there.
pub fn scrub(decl: &Decl) -> TokenStream {
    let regs = if decl.scrub {
        scrubbed(decl)
    } else {
        Vec::new()
    };
    if regs.is_empty() {
        return TokenStream::new();
    }
    let xors = regs.iter().map(|r| {
        let d = regs::dword_name(*r);
        format!("xor {d}, {d}")
    });
    let names = regs.iter().map(|r| r.name());
    quote! {
        // SAFETY: the block only zeroes registers it declares as outputs;
        // it touches no memory and no stack.
        unsafe {
            ::core::arch::asm!(
                #(#xors,)*
                #(lateout(#names) _,)*
                options(nomem, nostack)
            );
        }
    }
}
