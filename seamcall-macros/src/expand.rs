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
//!   [`abi_assert`]).

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Ident, Type};

use seamcall_abi::{lookup, Lookup, RegSet, SEAMCALL};

use crate::ast::{self, Ret};
use crate::regs::{self, upper, Reg, ALLOCATABLE};
use crate::valid::{self, Decl, LeafWord};

/// Every general-purpose register that can be an operand, in encoding order.
const OPERAND_GPRS: [Reg; 13] = Reg::OPERANDS;

/// How RBX, which LLVM reserves and `asm!` cannot bind, reaches the module.
enum RbxMode {
    /// The leaf neither reads nor writes RBX.
    Unused,
    /// Through a scratch register swapped with RBX inside the block.
    Scratch,
    /// Every allocatable register is an operand (TDH.VP.ENTER): RAX carries
    /// RBX's input (or a pointer to a slot holding it and receiving its
    /// output), and the leaf word is loaded as an immediate.
    ViaRax,
}

fn in_ident(r: Reg) -> Ident {
    format_ident!("__seamcall_in_{}", r.name(), span = Span::mixed_site())
}

fn out_ident(r: Reg) -> Ident {
    format_ident!("__seamcall_out_{}", r.name(), span = Span::mixed_site())
}

pub fn expand(decl: &Decl) -> TokenStream {
    let krate = &decl.krate;
    let private = quote!(#krate::__private);
    let item = &decl.func.item;
    let vis = &item.vis;
    let sig = &item.sig;
    let attrs = &item.attrs;
    let has_inline = attrs.iter().any(|a| a.path().is_ident("inline"));
    let inline = (!has_inline).then(|| quote!(#[inline]));
    let docs = abi_docs(decl);

    let reads = |r: Reg| decl.inputs.contains(&r);
    let writes = |r: Reg| decl.outputs.contains(&r);
    let clobbers = |r: Reg| decl.clobbers.contains(&r);

    // Parameters → register values, each conversion spanned at its type so a
    // missing `IntoReg` points at the parameter.
    let conversions = decl.inputs.iter().zip(decl.params()).map(|(r, p)| {
        let id = in_ident(*r);
        let name = &p.ident;
        let ty = &p.ty;
        quote_spanned! {ty.span()=>
            let #id: u64 = <#ty as #private::IntoReg>::into_reg(#name);
        }
    });

    // Which registers the compiler can surely still pick for the RBX
    // scratch (see `regs::ALLOCATABLE`). It may also pick RBX itself, or
    // RBP when the function has no frame pointer: with RBX the swap is a
    // no-op and the operand tells LLVM that RBX changes, which it then
    // saves in the function's prologue; with RBP see the RBP save below.
    let gprs_bound = OPERAND_GPRS
        .iter()
        .filter(|r| **r != Reg::Rbx && (reads(**r) || writes(**r) || clobbers(**r)))
        .count();
    let free = ALLOCATABLE - 1 - gprs_bound;
    let rbx_used = reads(Reg::Rbx) || writes(Reg::Rbx) || clobbers(Reg::Rbx);
    let rbx = match (rbx_used, free) {
        (false, _) => RbxMode::Unused,
        (true, 0) => RbxMode::ViaRax,
        (true, _) => RbxMode::Scratch,
    };
    let save_rbp = clobbers(Reg::Rbp);

    let mut pro: Vec<String> = Vec::new();
    let mut epi: Vec<String> = Vec::new();
    let mut operands: Vec<TokenStream> = Vec::new();
    let mut pre: Vec<TokenStream> = Vec::new();
    let mut post: Vec<TokenStream> = Vec::new();
    let status = format_ident!("__seamcall_status", span = Span::mixed_site());
    let slot = format_ident!("__seamcall_rbx_slot", span = Span::mixed_site());
    let leaf_word = format_ident!("__SEAMCALL_LEAF_WORD", span = Span::mixed_site());

    match rbx {
        RbxMode::Unused => {
            operands.push(quote!(inlateout("rax") #leaf_word => #status));
        }
        RbxMode::Scratch => {
            operands.push(quote!(inlateout("rax") #leaf_word => #status));
            let (i, o) = (in_ident(Reg::Rbx), out_ident(Reg::Rbx));
            match (reads(Reg::Rbx), writes(Reg::Rbx)) {
                (true, true) => operands.push(quote!(rbx = inout(reg) #i => #o)),
                (true, false) => operands.push(quote!(rbx = inout(reg) #i => _)),
                (false, true) => operands.push(quote!(rbx = out(reg) #o)),
                (false, false) => operands.push(quote!(rbx = out(reg) _)),
            }
            if reads(Reg::Rbx) {
                pro.push("xchg {rbx}, rbx".into());
            } else {
                pro.push("mov {rbx}, rbx".into());
            }
            if writes(Reg::Rbx) {
                epi.push("xchg {rbx}, rbx".into());
            } else {
                epi.push("mov rbx, {rbx}".into());
            }
        }
        RbxMode::ViaRax => {
            // The leaf word is below 2^32 (leaf 15:0, version 23:16) unless
            // it is a P-SEAMLDR leaf (bit 63): a 32-bit move, which
            // zero-extends, is two bytes shorter than the 64-bit one.
            let load_leaf = if decl.seamldr {
                "mov rax, {leaf}"
            } else {
                "mov eax, {leaf}"
            };
            pro.push("push rbx".into());
            operands.push(quote!(leaf = const #leaf_word));
            if writes(Reg::Rbx) {
                // RAX points at a slot that holds RBX's input and receives its
                // output; the pointer is kept on the stack across the call.
                let init = if reads(Reg::Rbx) {
                    let i = in_ident(Reg::Rbx);
                    quote!(#i)
                } else {
                    quote!(0u64)
                };
                pre.push(quote!(let mut #slot: u64 = #init;));
                let o = out_ident(Reg::Rbx);
                post.push(quote!(#o = #slot;));
                operands.push(quote!(
                    inlateout("rax") ::core::ptr::addr_of_mut!(#slot) => #status
                ));
                pro.push("push rax".into());
                if reads(Reg::Rbx) {
                    pro.push("mov rbx, qword ptr [rax]".into());
                }
                pro.push(load_leaf.into());
                epi.push("push rax".into());
                epi.push("mov rax, qword ptr [rsp + 8]".into());
                epi.push("mov qword ptr [rax], rbx".into());
                epi.push("pop rax".into());
                epi.push("pop rbx".into());
                epi.push("pop rbx".into());
            } else {
                if reads(Reg::Rbx) {
                    let i = in_ident(Reg::Rbx);
                    operands.push(quote!(inlateout("rax") #i => #status));
                    pro.push("mov rbx, rax".into());
                } else {
                    operands.push(quote!(lateout("rax") #status));
                }
                pro.push(load_leaf.into());
                epi.push("pop rbx".into());
            }
        }
    }
    // RBP is saved after the RBX prologue and restored before the RBX
    // epilogue, and correctness rests on that order: LLVM may pick RBP
    // itself as the `reg` scratch above (it can when the function keeps no
    // frame pointer), and then `push rbp` stores the scratch's value (the
    // caller's RBX, or RBX's output slot) and `pop rbp` brings it back
    // before the epilogue reads it. Pushed before the prologue, the saved
    // RBP would be stale and the scratch lost to the module.
    if save_rbp {
        pro.push("push rbp".into());
        epi.insert(0, "pop rbp".into());
    }

    // Named registers other than RBX and RBP: bound exactly as declared.
    for r in OPERAND_GPRS.iter().copied().filter(|r| *r != Reg::Rbx) {
        let name = r.name();
        let (i, o) = (in_ident(r), out_ident(r));
        match (reads(r), writes(r), clobbers(r)) {
            (true, true, _) => operands.push(quote!(inlateout(#name) #i => #o)),
            // An input the leaf may overwrite: its new value is discarded.
            (true, false, true) => operands.push(quote!(inlateout(#name) #i => _)),
            (true, false, false) => operands.push(quote!(in(#name) #i)),
            (false, true, _) => operands.push(quote!(lateout(#name) #o)),
            (false, false, true) => operands.push(quote!(lateout(#name) _)),
            (false, false, false) => {}
        }
    }
    // Vector clobbers exist only where the target has SSE (a kernel built
    // without it has no XMM registers to bind); see `asm` below.
    let vector: Vec<TokenStream> = decl
        .clobbers
        .iter()
        .filter(|r| !r.is_gpr())
        .map(|r| {
            let name = r.name();
            quote!(lateout(#name) _)
        })
        .collect();

    // The cold pads and the exception-table entries.
    let mut pads = vec![
        ".pushsection .text.unlikely.seamcall_fixup, \"ax\", @progbits".to_string(),
        "6:".into(),
        "mov rax, {vmfail}".into(),
        "jmp 5f".into(),
        "7:".into(),
        "mov rax, {ud}".into(),
        "jmp 5f".into(),
        "8:".into(),
        "mov rax, {gp}".into(),
        "5:".into(),
    ];
    // Outputs read as 0 when the module did not run. RBX is zeroed in
    // place: the epilogue moves it out as on the normal path.
    for r in decl.outputs.iter() {
        let d = regs::dword_name(*r);
        pads.push(format!("xor {d}, {d}"));
    }
    pads.extend(
        [
            "jmp 3b",
            ".popsection",
            ".pushsection seamcall_extable, \"aR\", @progbits",
            ".balign 4",
            ".long 2b - .",
            ".long 7b - .",
            ".long 6",
            ".long 2b - .",
            ".long 8b - .",
            ".long 13",
            ".popsection",
        ]
        .map(String::from),
    );
    operands.push(quote!(vmfail = const #private::SEAMCALL_VMFAILINVALID));
    operands.push(quote!(ud = const #private::SEAMCALL_UD));
    operands.push(quote!(gp = const #private::SEAMCALL_GP));

    let options = if save_rbp || matches!(rbx, RbxMode::ViaRax) {
        // The block pushes: the compiler must leave room below RSP.
        quote!(options())
    } else {
        quote!(options(nostack))
    };

    let pro = pro.iter();
    let epi = epi.iter();
    let pads = pads.iter();
    let out_decls: Vec<TokenStream> = decl
        .outputs
        .iter()
        .map(|r| {
            let o = out_ident(*r);
            quote!(let #o: u64;)
        })
        .collect();
    let block = |vector: &[TokenStream]| {
        let (pro, epi, pads) = (pro.clone(), epi.clone(), pads.clone());
        quote! {
            // SAFETY: the caller upholds the leaf's contract (this function is
            // `unsafe` unless declared `safe`). The block binds every register
            // the declaration says the module reads or writes; the module
            // preserves all others. RBX and RBP are saved and restored inside
            // the block on every path. Faults resume at the pads through
            // `seamcall_extable`, which rejoin the code after the instruction.
            unsafe {
                ::core::arch::asm!(
                    #(#pro,)*
                    "2:",
                    #krate::__seamcall_insn!(),
                    "jc 6f",
                    "3:",
                    #(#epi,)*
                    #(#pads,)*
                    #(#operands,)*
                    #(#vector,)*
                    #options
                );
            }
        }
    };
    let outs: Vec<Ident> = decl.outputs.iter().map(|r| out_ident(*r)).collect();
    // With vector clobbers, two copies of the block, one per SSE setting
    // (`#[cfg]` on a single operand needs Rust 1.93; the MSRV is older).
    //
    // Without SSE the block names no XMM register, yet the module still
    // zeroes XMM0-15, and a caller compiled with SSE enabled
    // (`#[target_feature(enable = "sse2")]`) would inline the block and keep
    // its own XMM values there across it. So that copy sits in an
    // `#[inline(never)]` function of its own: every XMM register is
    // caller-saved in the SysV ABI, so a caller with SSE keeps nothing in
    // them across the call, and a caller without SSE has nothing there to
    // keep (tests/codegen_options.rs checks both). In a kernel, the XMM
    // registers may still hold the interrupted user task's FPU state, which
    // the compiler knows nothing about: the caller must save it first
    // (Linux's `kernel_fpu_begin()`/`kernel_fpu_end()`).
    let asm = if vector.is_empty() {
        let the_block = block(&[]);
        quote! {
            #(#pre)*
            let #status: u64;
            #(#out_decls)*
            #the_block
            #(#post)*
        }
    } else {
        let with = block(&vector);
        let without = block(&[]);
        let ins: Vec<Ident> = decl.inputs.iter().map(|r| in_ident(*r)).collect();
        let out_tys = outs.iter().map(|_| quote!(u64));
        let inner = format_ident!("__seamcall_block", span = Span::mixed_site());
        quote! {
            #[cfg(target_feature = "sse")]
            let (#status, #(#outs,)*) = {
                #(#pre)*
                let #status: u64;
                #(#out_decls)*
                #with
                #(#post)*
                (#status, #(#outs,)*)
            };
            #[cfg(not(target_feature = "sse"))]
            let (#status, #(#outs,)*) = {
                #[inline(never)]
                #[allow(clippy::too_many_arguments)]
                unsafe fn #inner(#(#ins: u64),*) -> (u64, #(#out_tys,)*) {
                    #(#pre)*
                    let #status: u64;
                    #(#out_decls)*
                    #without
                    #(#post)*
                    (#status, #(#outs,)*)
                }
                // SAFETY: the block with the caller's operands, as above.
                unsafe { #inner(#(#ins),*) }
            };
        }
    };

    // Outputs → the success value, each conversion spanned at its type.
    let value = match decl.ret().value() {
        None => quote!(()),
        Some(ty) => {
            let elems = ast::value_elems(ty);
            let convs: Vec<TokenStream> = decl
                .outputs
                .iter()
                .zip(elems.iter())
                .map(|(r, t)| from_reg(&private, *r, t))
                .collect();
            if decl.outputs.len() == 1 && !ast::is_tuple(ty) {
                convs.into_iter().next().unwrap_or_else(|| quote!(()))
            } else {
                quote!((#(#convs,)*))
            }
        }
    };

    let call = match decl.retry {
        // One attempt in all is no retry.
        None | Some(1) => quote! {
            #asm
        },
        Some(n) => {
            let busy = decl
                .retry_busy
                .then(|| quote!(|| (#status & #private::STATUS_MASK) == #private::OPERAND_BUSY));
            // The first attempt is the plain block; only a status that asks
            // for a retry enters the loop, which holds a second copy of the
            // block. One loop around one block lets the compiler set up the
            // attempt counter and the status constant before the first
            // SEAMCALL, on the success path (tests/codegen_options.rs
            // compares the two).
            //
            // The status constant is loaded by a tiny block of its own, right
            // where it is compared: left to itself the compiler materializes
            // it once, before the first attempt, for both comparisons.
            let rnd = format_ident!("__seamcall_rnd", span = Span::mixed_site());
            let again = quote!({
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
            });
            quote! {
                let (#status, #(#outs,)*) = {
                    #asm
                    (#status, #(#outs,)*)
                };
                let (#status, #(#outs,)*) = if #again {
                    let mut __seamcall_attempt: u32 = 1;
                    loop {
                        __seamcall_attempt += 1;
                        let (#status, #(#outs,)*) = {
                            #asm
                            (#status, #(#outs,)*)
                        };
                        if #again && __seamcall_attempt < #n {
                            continue;
                        }
                        break (#status, #(#outs,)*);
                    }
                } else {
                    (#status, #(#outs,)*)
                };
            }
        }
    };

    let body_result = match decl.ret() {
        Ret::Result { err, .. } => {
            // The error arm at the span of the error type as written, so an
            // error type other than `SeamcallError` gets rustc's "mismatched
            // types" there rather than on the attribute.
            let e = Ident::new("__seamcall_err", *err);
            let err_arm = quote_spanned! {*err=>
                ::core::option::Option::Some(#e) => ::core::result::Result::Err(#e),
            };
            quote! {
                match #private::SeamcallError::from_status(#status) {
                    ::core::option::Option::None => ::core::result::Result::Ok(#value),
                    #err_arm
                }
            }
        }
        Ret::Raw { .. } => quote! {
            (#private::TdxStatus::from_raw(#status), #value)
        },
        Ret::RawStatus => quote! {
            #private::TdxStatus::from_raw(#status)
        },
    };

    let leaf_const = leaf_const(decl, &leaf_word, &private);
    let abi_assert = abi_assert(decl, &private);
    let scrub = scrub(decl);
    let conversions = conversions.collect::<Vec<_>>();
    quote! {
        #(#attrs)*
        #docs
        #inline
        #vis #sig {
            #leaf_const
            #abi_assert
            #(#conversions)*
            #call
            #scrub
            #body_result
        }
    }
}

/// The registers `scrub` zeroes: every output and clobbered general
/// register but RBX (the block hands the caller's RBX back; RBP likewise).
fn scrubbed(decl: &Decl) -> Vec<Reg> {
    OPERAND_GPRS
        .iter()
        .copied()
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
fn scrub(decl: &Decl) -> TokenStream {
    if !decl.scrub {
        return TokenStream::new();
    }
    let regs = scrubbed(decl);
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

/// For a leaf given as a path, the cross-check as a `const` assertion: the
/// same `seamcall_abi::lookup` and `cross_check` that `valid.rs` runs on a
/// literal leaf, evaluated at compile time; the expansion only carries the
/// messages. Where the table has audited writes for the leaf and version (a
/// version above the version-1 row of the five versioned leaves is checked
/// against that row), every register the module may write must be in `out`
/// or `clobber`, `unchecked` or not; `unchecked` relaxes the `in`/`out`
/// rules and is required for a leaf the table does not know, knows without
/// an audit, or knows only at other versions. Const panics print a fixed
/// string, so each register gets its own test and message.
fn abi_assert(decl: &Decl, private: &TokenStream) -> TokenStream {
    let LeafWord::Path(p) = &decl.leaf else {
        return TokenStream::new();
    };
    let abi = quote!(#private::abi);
    let shown = quote!(#p).to_string().replace(' ', "");
    let version = decl.version;
    let seamldr = decl.seamldr;
    let who = format!("`#[seamcall]` cross-check: the leaf `{shown}` (version {version})");
    let reg = |r: Reg| {
        let v = regs::variant(r);
        quote!(#abi::Reg::#v)
    };
    let set = |list: &[Reg]| {
        let bits = RegSet::of(list).bits();
        quote!(#abi::RegSet::from_bits(#bits))
    };
    let mut tests = Vec::new();
    if !decl.unchecked {
        for r in &decl.inputs {
            let msg = format!("{who} does not read {}; remove {r} from `in`", upper(*r));
            let rr = reg(*r);
            tests.push(quote!(if m.not_read.contains(#rr) { ::core::panic!("{}", #msg) }));
        }
        for r in &decl.outputs {
            let msg = format!("{who} does not write {}; remove {r} from `out`", upper(*r));
            let rr = reg(*r);
            tests.push(quote!(if m.not_written.contains(#rr) { ::core::panic!("{}", #msg) }));
        }
    }
    // Never relaxed: a register the module may write that the declaration
    // does not cover. Only the registers it leaves out can be reported.
    let covered = RegSet::of(&decl.outputs).union(RegSet::of(&decl.clobbers));
    for r in Reg::ALL
        .into_iter()
        .filter(|r| r.is_gpr() && !matches!(r, Reg::Rax | Reg::Rsp) && !covered.contains(*r))
    {
        let msg = format!("{who} writes {}; add {r} to `out` or `clobber`", upper(r));
        let rr = reg(r);
        tests.push(quote!(if m.uncovered.contains(#rr) { ::core::panic!("{}", #msg) }));
    }
    let missing: Vec<&str> = RegSet::XMM
        .difference(covered)
        .iter()
        .map(|r| r.name())
        .collect();
    if !missing.is_empty() {
        let msg = format!(
            "{who} may change XMM0-XMM15; add {} to `clobber`",
            missing.join(", ")
        );
        tests.push(
            quote!(if !m.uncovered.intersection(#abi::RegSet::XMM).is_empty() {
                ::core::panic!("{}", #msg)
            }),
        );
    }
    let needs_unchecked = |msg: String| {
        if decl.unchecked {
            quote!({})
        } else {
            quote!(::core::panic!("{}", #msg))
        }
    };
    let clobbers = valid::LINUX_CLOBBERS;
    let unaudited = needs_unchecked(format!("{who} is in the ABI table but its writes were not audited; add `unchecked` and list in `clobber` every register it may write {clobbers}"));
    let other = needs_unchecked(format!("{who}: the ABI table knows this leaf only at other versions (module 1.5.01 rejects this one in its dispatcher, writing RAX alone; a module that accepts it was not audited); add `unchecked` and list in `clobber` every register it may write {clobbers}"));
    let unknown = needs_unchecked(format!("{who} is not in the ABI table (module 1.5.01 audit): the macro cannot check which registers it writes; add `unchecked` and list in `clobber` every register it may write {clobbers}"));
    let (ins, outs, clob) = (set(&decl.inputs), set(&decl.outputs), set(&decl.clobbers));
    quote_spanned! {p.span()=>
        #[allow(unused_variables)]
        const _: () = {
            let leaf = #p as u64;
            if leaf <= 0xFFFF {
                let word = #abi::LeafWord::from_parts(leaf as u16, #version, #seamldr);
                match #abi::lookup(&#abi::SEAMCALL, word) {
                    #abi::Lookup::Found(e) | #abi::Lookup::Rejected(e) => match e.writes {
                        ::core::option::Option::Some(_) => {
                            let m = #abi::cross_check(e, #ins, #outs, #clob);
                            #(#tests)*
                        }
                        ::core::option::Option::None => #unaudited,
                    },
                    #abi::Lookup::OtherVersions(_) => #other,
                    #abi::Lookup::Unknown => #unknown,
                }
            }
        };
    }
}

/// The `LeafInfo` the catalog lists for this declaration.
pub fn leaf_info(decl: &Decl, name: &str) -> TokenStream {
    let krate = &decl.krate;
    let regs = |list: &[Reg]| {
        let vs = list.iter().map(|r| regs::variant(*r));
        quote!(&[#(#krate::leaves::Reg::#vs),*])
    };
    let leaf = match &decl.leaf {
        LeafWord::Lit(w) => {
            let l = w.leaf();
            quote!(#l)
        }
        LeafWord::Path(p) => quote!((#p) as u16),
    };
    let version = decl.version;
    let seamldr = decl.seamldr;
    let (inputs, outputs, clobbers) = (
        regs(&decl.inputs),
        regs(&decl.outputs),
        regs(&decl.clobbers),
    );
    let retry = match decl.retry {
        Some(n) => quote!(::core::option::Option::Some(#n)),
        None => quote!(::core::option::Option::None),
    };
    quote! {
        #krate::leaves::LeafInfo {
            name: #name,
            leaf: #leaf,
            version: #version,
            seamldr: #seamldr,
            inputs: #inputs,
            outputs: #outputs,
            clobbers: #clobbers,
            retry: #retry,
        }
    }
}

fn from_reg(private: &TokenStream, r: Reg, ty: &Type) -> TokenStream {
    let o = out_ident(r);
    quote_spanned! {ty.span()=>
        <#ty as #private::FromReg>::from_reg(#o)
    }
}

/// The leaf word as a constant: for a literal leaf the word `valid.rs`
/// built; for a leaf given as a path, `seamcall_abi::LeafWord` evaluated at
/// compile time after a range check.
fn leaf_const(decl: &Decl, name: &Ident, private: &TokenStream) -> TokenStream {
    let (version, seamldr) = (decl.version, decl.seamldr);
    match &decl.leaf {
        LeafWord::Lit(word) => {
            let word = word.raw();
            quote!(const #name: u64 = #word;)
        }
        LeafWord::Path(p) => quote_spanned! {p.span()=>
            const #name: u64 = {
                let leaf = #p as u64;
                ::core::assert!(leaf <= 0xFFFF, "the leaf constant does not fit in bits 15:0 of RAX (0..=0xFFFF)");
                #private::abi::LeafWord::from_parts(leaf as u16, #version, #seamldr).raw()
            };
        },
    }
}

/// The `# ABI` section appended to the function's docs.
fn abi_docs(decl: &Decl) -> TokenStream {
    let mut lines: Vec<String> = vec![String::new(), "# ABI".into(), String::new()];
    let leaf = match &decl.leaf {
        LeafWord::Lit(w) => {
            let (l, word) = (w.leaf(), w.raw());
            let name = match lookup(&SEAMCALL, *w).entry() {
                Some(e) => format!("{}: ", e.name),
                None => String::new(),
            };
            format!(
                "{name}leaf {l} (`{l:#x}`), version {}: RAX = `{word:#x}` on entry",
                decl.version
            )
        }
        LeafWord::Path(p) => format!(
            "leaf `{}`, version {}: RAX = {} on entry",
            quote!(#p).to_string().replace(' ', ""),
            decl.version,
            seamcall_abi::LeafWord::FORMULA,
        ),
    };
    lines.push(format!(
        "- SEAMCALL {leaf}{}; status in RAX on return",
        if decl.seamldr {
            " (P-SEAMLDR: bit 63 set)"
        } else {
            ""
        }
    ));
    if decl.inputs.is_empty() {
        lines.push("- in: none".into());
    } else {
        let ins: Vec<String> = decl
            .inputs
            .iter()
            .zip(decl.params())
            .map(|(r, p)| format!("{} ← `{}`", r.name().to_uppercase(), p.ident))
            .collect();
        lines.push(format!("- in: {}", ins.join(", ")));
    }
    if decl.outputs.is_empty() {
        lines.push("- out: none".into());
    } else if decl.outputs.len() == 1 {
        lines.push(format!(
            "- out: {} → the value",
            decl.outputs[0].name().to_uppercase()
        ));
    } else {
        let outs: Vec<String> = decl
            .outputs
            .iter()
            .enumerate()
            .map(|(i, r)| format!("{} → `.{i}`", r.name().to_uppercase()))
            .collect();
        lines.push(format!("- out: {}", outs.join(", ")));
    }
    if !decl.clobbers.is_empty() {
        let cl: Vec<String> = decl
            .clobbers
            .iter()
            .map(|r| r.name().to_uppercase())
            .collect();
        lines.push(format!(
            "- clobbered (written by the module, not returned): {}",
            cl.join(", ")
        ));
    }
    if let LeafWord::Lit(w) = &decl.leaf {
        let found = lookup(&SEAMCALL, *w);
        let rejected = match &found {
            Lookup::Rejected(e) => format!(
                "; module 1.5.01 runs the version-{} handler, then rejects version {} with `TDX_OPERAND_INVALID`",
                e.version, decl.version
            ),
            _ => String::new(),
        };
        if let Some(e) = found.audited() {
            let notes: Vec<String> = e
                .writes
                .unwrap_or_default()
                .iter()
                .filter(|r| r.is_gpr())
                .filter_map(|r| Some(format!("{} ({})", upper(r), e.note(r)?)))
                .collect();
            match (e.writes, notes.is_empty()) {
                (None, _) => {}
                (Some(_), true) => lines.push(format!(
                    "- the module writes no register but RAX (audit of module 1.5.01{rejected})"
                )),
                (Some(_), false) => lines.push(format!(
                    "- the module may write (audit of module 1.5.01{rejected}): {}{}",
                    notes.join(", "),
                    if e.zeroes_xmm { ", XMM0-XMM15" } else { "" }
                )),
            }
        }
    }
    if let Some(n) = decl.retry {
        lines.push(format!(
            "- re-issued while the status is `TDX_RND_NO_ENTROPY`{}, at most {n} attempts in all",
            if decl.retry_busy {
                " or `TDX_OPERAND_BUSY`"
            } else {
                ""
            }
        ));
    }
    if decl.scrub {
        let regs: Vec<String> = scrubbed(decl)
            .iter()
            .map(|r| r.name().to_uppercase())
            .collect();
        if regs.is_empty() {
            lines.push("- `scrub`: the leaf writes no general register to zero".into());
        } else {
            lines.push(format!(
                "- `scrub`: once their values have been read, {} are zeroed: the architectural registers the leaf wrote (RBX and RBP hold the caller's values again after the block). Copies the compiler made of those values before that, in other registers (a callee-saved one, say) or on the stack, are not",
                regs.join(", ")
            ));
        }
    }
    lines.push("- CF=1 returns `TDX_SEAMCALL_VMFAILINVALID`; #UD and #GP return `TDX_SEAMCALL_UD` / `TDX_SEAMCALL_GP` through `seamcall_extable`; outputs read as 0 on those paths".into());
    let lines = lines.into_iter().map(|l| quote!(#[doc = #l]));
    quote!(#(#lines)*)
}

#[cfg(test)]
mod tests {
    use proc_macro2::{TokenStream, TokenTree};
    use quote::quote;

    /// Every `#[doc = ".."]` string of an expansion, joined by newlines.
    fn docs(args: TokenStream, item: TokenStream) -> String {
        fn walk(ts: TokenStream, out: &mut Vec<String>) {
            let tts: Vec<TokenTree> = ts.into_iter().collect();
            for (i, tt) in tts.iter().enumerate() {
                match tt {
                    TokenTree::Ident(id) if id == "doc" => {
                        if let Some(TokenTree::Literal(l)) = tts.get(i + 2) {
                            if let Ok(s) = syn::parse_str::<syn::LitStr>(&l.to_string()) {
                                out.push(s.value());
                            }
                        }
                    }
                    TokenTree::Group(g) => walk(g.stream(), out),
                    _ => {}
                }
            }
        }
        let mut out = Vec::new();
        let expansion = crate::seamcall_impl(args, item);
        walk(expansion.clone(), &mut out);
        assert!(!out.is_empty(), "no docs in {expansion}");
        out.join("\n")
    }

    #[test]
    fn scrub_docs_say_exactly_what_is_zeroed() {
        let d = docs(
            quote!(leaf = 300, in = [rcx], out = [rcx, rsi], clobber = [rdx, r12], scrub, unchecked),
            quote!(
                unsafe fn f(a: u64) -> Result<(u64, u64), SeamcallError>;
            ),
        );
        // The architectural registers the leaf wrote, after their values
        // were read; not the copies the compiler made of them.
        assert!(
            d.contains("RCX, RDX, RSI, R12 are zeroed"),
            "scrub names the registers it zeroes: {d}"
        );
        assert!(
            d.contains("Copies the compiler made") && d.contains("are not"),
            "scrub says what it does not zero: {d}"
        );
        assert!(!d.contains("do not linger"), "{d}");
    }
}
