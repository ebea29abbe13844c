//! How registers are spelled: in a declaration's register lists, in `asm!`
//! operands and templates, and as tokens naming `seamcall_abi::Reg`. The
//! register model itself is `seamcall_abi`'s.

use proc_macro2::Span;

pub use seamcall_abi::Reg;

/// Registers the compiler can always allocate for a `reg` operand on
/// x86-64: every GPR but RBX, RBP and RSP. The expansion counts only these
/// when it decides whether a scratch register is left for RBX. They are not
/// the only candidates: RBX and RBP cannot be *named* as operands (LLVM may
/// use RBX as a base pointer, RBP as the frame pointer), but LLVM's register
/// allocator may still pick RBX, or RBP in a function without a frame
/// pointer, for a `reg` operand such as the RBX scratch. The block is
/// correct whichever it picks (see the RBX and RBP handling in `expand.rs`);
/// the count just does not rely on them, since neither is available in every
/// function.
pub const ALLOCATABLE: usize = 13;

/// The register a declaration names, `rcx` or `xmm3`.
pub fn parse(name: &str) -> Option<Reg> {
    Reg::from_name(name)
}

/// The 32-bit name, for the zeroing `xor`s (writing the 32-bit register
/// clears the upper half and is one byte shorter).
pub fn dword_name(r: Reg) -> String {
    match r {
        Reg::Rax => "eax".into(),
        Reg::Rcx => "ecx".into(),
        Reg::Rdx => "edx".into(),
        Reg::Rbx => "ebx".into(),
        Reg::Rsi => "esi".into(),
        Reg::Rdi => "edi".into(),
        Reg::Rbp => "ebp".into(),
        Reg::Rsp => "esp".into(),
        other => format!("{}d", other.name()),
    }
}

/// The uppercase name the messages and docs use, `R8`.
pub fn upper(r: Reg) -> String {
    r.name().to_uppercase()
}

/// The identifier of the `seamcall_abi::Reg` variant: `Rcx`, `R8`, `Xmm3`.
pub fn variant(r: Reg) -> syn::Ident {
    let n = r.name();
    let v = n[..1].to_uppercase() + &n[1..];
    syn::Ident::new(&v, Span::call_site())
}

/// `&[krate::leaves::Reg::Rcx, ..]`: a register list as a slice of the
/// runtime's `Reg`, for the catalogs' metadata.
pub fn variant_slice(krate: &syn::Path, list: &[Reg]) -> proc_macro2::TokenStream {
    let vs = list.iter().map(|r| variant(*r));
    quote::quote!(&[#(#krate::leaves::Reg::#vs),*])
}

/// The list shown in "unknown register" errors.
pub const ACCEPTED: &str =
    "rcx, rdx, rbx, rsi, rdi, r8, r9, r10, r11, r12, r13, r14, r15 (and rbp, xmm0-xmm15 in `clobber`)";
