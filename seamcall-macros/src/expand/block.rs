//! The `asm!` block: register binding and the RBX mode, the RBP save, the
//! fixup pads and table entries (from the [`Insn`]), and the vector clobbers.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};
use syn::Ident;

use super::insn::Insn;
use crate::regs::{Reg, ALLOCATABLE};
use crate::valid::Decl;

/// The names the expansion declares, hygienic (`mixed_site`), and the paths
/// it refers to.
pub struct Names {
    pub krate: syn::Path,
    pub private: TokenStream,
    pub status: Ident,
    pub slot: Ident,
    pub leaf_word: Ident,
}

impl Names {
    pub fn new(decl: &Decl) -> Names {
        let krate = decl.krate.clone();
        let ident = |name: &str| format_ident!("{}", name, span = Span::mixed_site());
        Names {
            private: quote!(#krate::__private),
            krate,
            status: ident("__seamcall_status"),
            slot: ident("__seamcall_rbx_slot"),
            leaf_word: ident("__SEAMCALL_LEAF_WORD"),
        }
    }
}

pub fn in_ident(r: Reg) -> Ident {
    format_ident!("__seamcall_in_{}", r.name(), span = Span::mixed_site())
}

pub fn out_ident(r: Reg) -> Ident {
    format_ident!("__seamcall_out_{}", r.name(), span = Span::mixed_site())
}

/// How RBX, which LLVM reserves and `asm!` cannot bind, reaches the module.
#[derive(Clone, Copy, PartialEq, Eq)]
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

/// One block's pieces: template lines around the instruction, operands,
/// and the statements before and after it.
#[derive(Default)]
pub struct Block {
    /// Before the instruction (RBX in, RBP saved).
    pro: Vec<String>,
    /// After `3:`, on every path (RBX out and restored, RBP restored).
    epi: Vec<String>,
    /// The cold pads and the exception-table entries.
    pads: Vec<String>,
    operands: Vec<TokenStream>,
    /// XMM clobbers, bound only where the target has SSE.
    pub vector: Vec<TokenStream>,
    /// Statements before the block (the RBX slot) and after it.
    pub pre: Vec<TokenStream>,
    pub post: Vec<TokenStream>,
    /// The block pushes, so it cannot be `nostack`.
    pushes: bool,
}

impl Block {
    pub fn new(decl: &Decl, insn: &Insn, n: &Names) -> Block {
        let mut b = Block::default();
        let mode = rbx_mode(decl);
        match mode {
            RbxMode::Unused => b.rax(n),
            RbxMode::Scratch => b.rbx_scratch(decl, n),
            RbxMode::ViaRax => b.rbx_via_rax(decl, n),
        }
        b.save_rbp(decl);
        b.bind_named(decl);
        b.pads = insn.pads(&decl.outputs);
        b.operands.extend(insn.pad_operands(&n.private));
        b.vector = vector_clobbers(decl);
        b.pushes = mode == RbxMode::ViaRax || decl.clobbers.contains(&Reg::Rbp);
        b
    }

    /// RAX: the leaf word in, the status out.
    fn rax(&mut self, n: &Names) {
        let (word, status) = (&n.leaf_word, &n.status);
        self.operands
            .push(quote!(inlateout("rax") #word => #status));
    }

    fn rbx_scratch(&mut self, decl: &Decl, n: &Names) {
        self.rax(n);
        let (reads, writes) = (
            decl.inputs.contains(&Reg::Rbx),
            decl.outputs.contains(&Reg::Rbx),
        );
        let (i, o) = (in_ident(Reg::Rbx), out_ident(Reg::Rbx));
        self.operands.push(match (reads, writes) {
            (true, true) => quote!(rbx = inout(reg) #i => #o),
            (true, false) => quote!(rbx = inout(reg) #i => _),
            (false, true) => quote!(rbx = out(reg) #o),
            (false, false) => quote!(rbx = out(reg) _),
        });
        self.pro.push(
            if reads {
                "xchg {rbx}, rbx"
            } else {
                "mov {rbx}, rbx"
            }
            .into(),
        );
        self.epi.push(
            if writes {
                "xchg {rbx}, rbx"
            } else {
                "mov rbx, {rbx}"
            }
            .into(),
        );
    }

    fn rbx_via_rax(&mut self, decl: &Decl, n: &Names) {
        // The leaf word is below 2^32 (leaf 15:0, version 23:16) unless it
        // is a P-SEAMLDR leaf (bit 63): a 32-bit move, which zero-extends,
        // is two bytes shorter than the 64-bit one.
        let load_leaf = if decl.seamldr {
            "mov rax, {leaf}"
        } else {
            "mov eax, {leaf}"
        };
        let (word, status) = (&n.leaf_word, &n.status);
        let reads = decl.inputs.contains(&Reg::Rbx);
        self.pro.push("push rbx".into());
        self.operands.push(quote!(leaf = const #word));
        if !decl.outputs.contains(&Reg::Rbx) {
            if reads {
                let i = in_ident(Reg::Rbx);
                self.operands.push(quote!(inlateout("rax") #i => #status));
                self.pro.push("mov rbx, rax".into());
            } else {
                self.operands.push(quote!(lateout("rax") #status));
            }
            self.pro.push(load_leaf.into());
            self.epi.push("pop rbx".into());
            return;
        }
        // RAX points at a slot that holds RBX's input and receives its
        // output; the pointer is kept on the stack across the call.
        let slot = &n.slot;
        let init = if reads {
            let i = in_ident(Reg::Rbx);
            quote!(#i)
        } else {
            quote!(0u64)
        };
        self.pre.push(quote!(let mut #slot: u64 = #init;));
        let o = out_ident(Reg::Rbx);
        self.post.push(quote!(#o = #slot;));
        self.operands.push(quote!(
            inlateout("rax") ::core::ptr::addr_of_mut!(#slot) => #status
        ));
        self.pro.push("push rax".into());
        if reads {
            self.pro.push("mov rbx, qword ptr [rax]".into());
        }
        self.pro.push(load_leaf.into());
        self.epi.extend(
            [
                "push rax",
                "mov rax, qword ptr [rsp + 8]",
                "mov qword ptr [rax], rbx",
                "pop rax",
                "pop rbx",
                "pop rbx",
            ]
            .map(String::from),
        );
    }

    /// RBP is saved after the RBX prologue and restored before the RBX
    /// epilogue, and correctness rests on that order: LLVM may pick RBP
    /// itself as the `reg` scratch above (it can when the function keeps no
    /// frame pointer), and then `push rbp` stores the scratch's value (the
    /// caller's RBX, or RBX's output slot) and `pop rbp` brings it back
    /// before the epilogue reads it. Pushed before the prologue, the saved
    /// RBP would be stale and the scratch lost to the module.
    fn save_rbp(&mut self, decl: &Decl) {
        if decl.clobbers.contains(&Reg::Rbp) {
            self.pro.push("push rbp".into());
            self.epi.insert(0, "pop rbp".into());
        }
    }

    /// Named registers other than RBX and RBP: bound exactly as declared.
    fn bind_named(&mut self, decl: &Decl) {
        for r in Reg::OPERANDS.into_iter().filter(|r| *r != Reg::Rbx) {
            let name = r.name();
            let (i, o) = (in_ident(r), out_ident(r));
            let ins = decl.inputs.contains(&r);
            let outs = decl.outputs.contains(&r);
            let clobbered = decl.clobbers.contains(&r);
            self.operands.push(match (ins, outs, clobbered) {
                (true, true, _) => quote!(inlateout(#name) #i => #o),
                // An input the leaf may overwrite: its new value is discarded.
                (true, false, true) => quote!(inlateout(#name) #i => _),
                (true, false, false) => quote!(in(#name) #i),
                (false, true, _) => quote!(lateout(#name) #o),
                (false, false, true) => quote!(lateout(#name) _),
                (false, false, false) => continue,
            });
        }
    }

    /// The block as an `unsafe { asm!(..) }` statement, with or without the
    /// vector clobbers.
    pub fn asm(&self, insn: &Insn, krate: &syn::Path, with_vector: bool) -> TokenStream {
        let (pro, epi, pads, operands) = (&self.pro, &self.epi, &self.pads, &self.operands);
        let vector: &[TokenStream] = if with_vector { &self.vector } else { &[] };
        let text = insn.text(krate);
        let check = insn.check();
        let options = if self.pushes {
            // The block pushes: the compiler must leave room below RSP.
            quote!(options())
        } else {
            quote!(options(nostack))
        };
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
                    #text,
                    #(#check,)*
                    "3:",
                    #(#epi,)*
                    #(#pads,)*
                    #(#operands,)*
                    #(#vector,)*
                    #options
                );
            }
        }
    }
}

/// Which registers the compiler can surely still pick for the RBX scratch
/// (see `regs::ALLOCATABLE`). It may also pick RBX itself, or RBP when the
/// function has no frame pointer: with RBX the swap is a no-op and the
/// operand tells LLVM that RBX changes, which it then saves in the
/// function's prologue; with RBP see [`Block::save_rbp`].
fn rbx_mode(decl: &Decl) -> RbxMode {
    let bound =
        |r: &Reg| decl.inputs.contains(r) || decl.outputs.contains(r) || decl.clobbers.contains(r);
    let gprs_bound = Reg::OPERANDS
        .iter()
        .filter(|r| **r != Reg::Rbx && bound(r))
        .count();
    match (bound(&Reg::Rbx), ALLOCATABLE - 1 - gprs_bound) {
        (false, _) => RbxMode::Unused,
        (true, 0) => RbxMode::ViaRax,
        (true, _) => RbxMode::Scratch,
    }
}

/// Vector clobbers exist only where the target has SSE (a kernel built
/// without it has no XMM registers to bind); see `call::attempt`.
fn vector_clobbers(decl: &Decl) -> Vec<TokenStream> {
    decl.clobbers
        .iter()
        .filter(|r| !r.is_gpr())
        .map(|r| {
            let name = r.name();
            quote!(lateout(#name) _)
        })
        .collect()
}
