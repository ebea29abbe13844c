//! Turns a validated declaration into tokens, top to bottom. Nothing here
//! re-checks the declaration: `valid.rs` has done that.
//!
//! The shape of every expansion (numeric local labels, so the block can be
//! inlined any number of times; labels made of 0s and 1s only are avoided
//! because Intel syntax reads `1b` as a binary number):
//!
//! ```text
//!     <prologue: move RBX in, save RBP>      only where the leaf needs it
//! 2:  seamcall                               66 0F 01 CF
//!     jc 6f                                  CF=1: VMfailInvalid, RAX unchanged
//! 3:  <epilogue: RBX out and restored, RBP restored>
//!
//!     .pushsection .text.unlikely.seamcall_fixup     cold pads
//! 6:  mov rax, TDX_SEAMCALL_VMFAILINVALID ; jmp 5f
//! 7:  mov rax, TDX_SEAMCALL_UD            ; jmp 5f   (#UD fixup)
//! 8:  mov rax, TDX_SEAMCALL_GP                       (#GP fixup)
//! 5:  xor <each output register> ; jmp 3b
//!     .pushsection seamcall_extable                  two entries
//!     { 2b - ., 7b - ., 6 }  { 2b - ., 8b - ., 13 }
//! ```
//!
//! Every path (success, CF=1, #UD, #GP) rejoins at `3:`, so the epilogue
//! restores RBX and RBP on all of them.
//!
//! Around the block, where the declaration asks:
//!
//! * `retry = N`: the block once; if the status asks for it, a loop with a
//!   second copy of the block, N - 1 attempts more. The success path is the
//!   single block's (no counter, no constant loaded before the call).
//! * `scrub`: once the outputs were read, a second block that zeroes the
//!   architectural registers the leaf wrote, every output and clobbered
//!   general register; not the copies the compiler may have made of their
//!   values before that (see [`scrub`]).
//! * `xmm` clobbers: two copies of the block, with and without them, chosen
//!   by `cfg(target_feature = "sse")`; the copy without SSE sits in an
//!   `#[inline(never)]` function of its own, so a caller with SSE enabled
//!   by `#[target_feature]` keeps no value in an XMM register across it. In
//!   a kernel the module zeroing XMM also destroys the user task's FPU
//!   state still in those registers, which no clobber can describe: the
//!   caller saves it first (Linux's `kernel_fpu_begin()`).
//! * a leaf given as a path: a `const` assertion against the ABI table (see
//!   [`leaf::abi_assert`]).
//!
//! [`expand`] reads in that order, one step per submodule function:
//!
//! ```text
//! block::Block::new      RBX mode, RBP save, named registers, pads + table (from the Insn)
//! call::attempt          the block with its statements; two copies for the SSE split
//! call::retry            the loop around a second copy, when `retry = N`
//! call::result           status and outputs into the declared return type
//! function               docs, leaf word, path assertion, conversions, call, scrub, result
//! ```
//!
//! The instruction is a parameter ([`Insn`]): its bytes, whether it reports
//! VMfailInvalid through CF, its faults and table entries, and the types its
//! status maps to: [`Insn::SEAMCALL`] for `#[seamcall]`, [`Insn::TDCALL`]
//! for `#[tdcall]` and the TDG.VP.VMCALL block of `#[tdvmcall]`.

mod block;
mod call;
mod docs;
mod insn;
mod leaf;

use proc_macro2::TokenStream;
use quote::quote;

use self::block::{Block, Names};
pub use self::insn::Insn;
pub use self::leaf::leaf_info;
use crate::family::Family;
use crate::valid::Decl;

/// The function a declaration expands to.
pub fn expand(decl: &Decl) -> TokenStream {
    let insn = match decl.family {
        Family::Seamcall => &Insn::SEAMCALL,
        Family::Tdcall | Family::Vmcall => &Insn::TDCALL,
    };
    let n = Names::new(decl);
    let block = Block::new(decl, insn, &n);
    let attempt = call::attempt(decl, insn, &n, &block);
    let call = call::retry(decl, &n, attempt);
    let result = call::result(decl, insn, &n);
    function(decl, &n, call, result)
}

/// The declared function with the generated body.
fn function(decl: &Decl, n: &Names, call: TokenStream, result: TokenStream) -> TokenStream {
    let item = &decl.func.item;
    let (attrs, vis, sig) = (&item.attrs, &item.vis, &item.sig);
    let has_inline = attrs.iter().any(|a| a.path().is_ident("inline"));
    let inline = (!has_inline).then(|| quote!(#[inline]));
    let must_use = must_use(decl);
    let docs = match decl.family {
        Family::Vmcall => TokenStream::new(),
        _ => docs::abi_docs(decl),
    };
    let leaf_const = leaf::leaf_const(decl, n);
    let abi_assert = leaf::abi_assert(decl, n);
    let conversions = call::conversions(decl, n);
    let scrub = call::scrub(decl);
    quote! {
        #(#attrs)*
        #docs
        #inline
        #must_use
        #vis #sig {
            #leaf_const
            #abi_assert
            #(#conversions)*
            #call
            #scrub
            #result
        }
    }
}

/// `#[must_use]` with what a dropped call loses, unless the declaration
/// carries its own `#[must_use]`.
fn must_use(decl: &Decl) -> Option<TokenStream> {
    let attrs = &decl.func.item.attrs;
    if attrs.iter().any(|a| a.path().is_ident("must_use")) {
        return None;
    }
    let insn = decl.family.insn();
    let msg = match decl.ret() {
        crate::ast::Ret::Raw { .. } | crate::ast::Ret::RawStatus => format!(
            "the {insn}'s status is in the returned `TdxStatus`; ignoring it drops a failure (`.into_result()` gives a `Result`)"
        ),
        _ => format!("the {insn}'s status is in the `Result`; ignoring it drops a failure"),
    };
    Some(quote!(#[must_use = #msg]))
}
