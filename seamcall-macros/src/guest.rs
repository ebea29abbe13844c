//! The guest side: `#[tdcall]` (TDG leaves through the `#[seamcall]`
//! stages with [`Insn::Tdcall`]), the guest ABI table, the hidden
//! TDG.VP.VMCALL block `#[tdvmcall]` expands to, and the guest catalog
//! driver.
//!
//! The table: for each TDG leaf and version the TDX module 1.5.01
//! dispatcher accepts, the registers it reads and every register it may
//! write on any path. Source: `tests/data/tdx-abi/guest/tdcall-leaves.tsv`
//! (an audit of intel/tdx-module at tag TDX_1.5.01, commit 72d8cffb), which
//! `tests/guest_abi.rs` compares with this table as `seamcall_core` emits
//! it. Leaves seen only in later module source or only in peers
//! (TDG.MR.KEY.GET, the TDX Connect leaves, TDG.MEM.PAGE.RELEASE,
//! TDG.SERVTD.REBIND.APPROVE, TDG.DEBUG) have no audited register set and
//! no row. TDG.VP.VMCALL (leaf 0) writes what its RCX mask exposes, so its
//! row has no write set: `#[tdcall]` refuses it and `#[tdvmcall]` derives
//! the registers from the declaration.

use proc_macro2::TokenStream;
use quote::quote;

use crate::abi::{self, Entry};
use crate::insn::Insn;
use crate::regs::Reg::{self, *};

const fn row(
    name: &'static str,
    leaf: u16,
    version: u8,
    reads: &'static [Reg],
    writes: &'static [(Reg, &'static str)],
) -> Entry {
    Entry {
        name,
        leaf,
        version,
        seamldr: false,
        reads,
        writes: Some(writes),
        xmm: false,
        covers_higher: false,
    }
}

const NEXT_FIELD: &str = "next field ID, -1 if none";
const FIELD_VALUE: &str = "field value, 0 on error";
const UUID: &str = "target TD UUID on TDX_TARGET_UUID_UPDATED";

/// The guest ABI table (module 1.5.01).
#[rustfmt::skip]
pub const TABLE: &[Entry] = &[
    Entry { writes: None, ..row("TDG.VP.VMCALL", 0, 0, &[Rcx], &[]) },
    row("TDG.VP.INFO", 1, 0, &[], &[
        (Rcx, "GPA width"), (Rdx, "TD attributes"), (R8, "NUM_VCPUS | MAX_VCPUS << 32"),
        (R9, "vCPU index"), (R10, "available-leaves bitmap"), (R11, "reserved, 0")]),
    row("TDG.MR.RTMR.EXTEND", 2, 0, &[Rcx, Rdx], &[]),
    row("TDG.VP.VEINFO.GET", 3, 0, &[], &[
        (Rcx, "exit reason"), (Rdx, "exit qualification"), (R8, "guest linear address"),
        (R9, "guest physical address"), (R10, "instruction length | info << 32")]),
    row("TDG.MR.REPORT", 4, 0, &[Rcx, Rdx, R8], &[]),
    row("TDG.VP.CPUIDVE.SET", 5, 0, &[Rcx], &[]),
    row("TDG.MEM.PAGE.ACCEPT", 6, 0, &[Rcx], &[]),
    row("TDG.VM.RD", 7, 0, &[Rcx, Rdx], &[(R8, FIELD_VALUE)]),
    row("TDG.VM.RD", 7, 1, &[Rcx, Rdx], &[(Rdx, NEXT_FIELD), (R8, FIELD_VALUE)]),
    row("TDG.VM.WR", 8, 0, &[Rcx, Rdx, R8, R9], &[(R8, "previous value, 0 on error")]),
    row("TDG.VP.RD", 9, 0, &[Rcx, Rdx], &[(Rdx, NEXT_FIELD), (R8, FIELD_VALUE)]),
    row("TDG.VP.WR", 10, 0, &[Rcx, Rdx, R8, R9], &[(R8, "previous value")]),
    row("TDG.SYS.RD", 11, 0, &[Rdx], &[(Rdx, NEXT_FIELD), (R8, FIELD_VALUE)]),
    row("TDG.SYS.RDALL", 12, 0, &[Rdx, R8], &[(R8, "next field ID, -1 when done")]),
    row("TDG.SERVTD.RD", 18, 0, &[Rcx, Rdx, R10, R11, R12, R13], &[
        (Rdx, NEXT_FIELD), (R8, FIELD_VALUE), (R10, UUID), (R11, UUID), (R12, UUID),
        (R13, UUID)]),
    row("TDG.SERVTD.WR", 20, 0, &[Rcx, Rdx, R8, R9, R10, R11, R12, R13], &[
        (R8, "previous value, 0 on error"), (R10, UUID), (R11, UUID), (R12, UUID),
        (R13, UUID)]),
    row("TDG.MR.VERIFYREPORT", 22, 0, &[Rcx], &[]),
    row("TDG.MEM.PAGE.ATTR.RD", 23, 0, &[Rcx], &[
        (Rcx, "GPA mapping with level and PENDING, 0 on error"),
        (Rdx, "attributes per VM, 0 on error")]),
    row("TDG.MEM.PAGE.ATTR.WR", 24, 0, &[Rcx, Rdx, R8], &[
        (Rcx, "GPA mapping, 0 on error"),
        (Rdx, "resulting attributes, current ones on TDX_PAGE_ATTR_INVALID")]),
    Entry { xmm: true, ..row("TDG.VP.ENTER", 25, 0, &[Rcx, Rdx], &[
        (Rcx, "exit qualification"), (Rdx, "guest linear address"), (Rbx, "0"),
        (Rbp, "the L2's RBP"), (Rsi, "CS selector, attributes, limit"), (Rdi, "CS base"),
        (R8, "guest physical address"), (R9, "interruption information"),
        (R10, "IDT vectoring information"), (R11, "instruction length and information"),
        (R12, "extra information (CPL)"), (R13, "extended exit qualification"),
        (R14, "0"), (R15, "0")]) },
    row("TDG.VP.INVEPT", 26, 0, &[Rcx], &[]),
    row("TDG.VP.INVVPID", 27, 0, &[Rcx, Rdx], &[(Rdx, "list info advanced (list mode)")]),
];

/// `#[tdcall]` on `proc_macro2` tokens.
pub fn tdcall_impl(args: TokenStream, item: TokenStream) -> TokenStream {
    match crate::declare(Insn::Tdcall, args, item) {
        Ok(decl) => crate::expand::expand(&decl),
        Err(tokens) => tokens,
    }
}

/// The hidden block attribute `#[tdvmcall]` emits: TDCALL leaf 0 with the
/// registers the exposure mask selects, already validated.
pub fn tdvmcall_block_impl(args: TokenStream, item: TokenStream) -> TokenStream {
    let args = quote!(leaf = 0, #args);
    match crate::declare(Insn::Vmcall, args, item) {
        Ok(decl) => crate::expand::expand(&decl),
        Err(tokens) => tokens,
    }
}

/// The table as `&'static [AbiEntry]` for `seamcall_core::guest::abi`.
pub fn emit_table(path: TokenStream) -> TokenStream {
    abi::emit_rows(path, TABLE)
}

/// The catalog's items: `#[tdcall]` and `#[tdvmcall]` declarations.
struct Items(Vec<crate::ast::Item>);

impl syn::parse::Parse for Items {
    fn parse(input: syn::parse::ParseStream) -> syn::Result<Self> {
        let mut items = Vec::new();
        while !input.is_empty() {
            items.push(input.parse()?);
        }
        Ok(Items(items))
    }
}

/// `__guest_catalog! { .. }`: each declaration expanded exactly as its
/// attribute expands it, then `ALL`, one `GuestCallInfo` per declaration
/// built from the same validated tree. A `#[tdcall]` of the catalog is a
/// literal leaf the guest table knows (the table names it).
pub fn catalog(tokens: TokenStream) -> TokenStream {
    let items = match syn::parse2::<Items>(tokens) {
        Ok(items) => items.0,
        Err(e) => return e.to_compile_error(),
    };
    let mut out = TokenStream::new();
    let mut infos = Vec::new();
    let mut krate: Option<syn::Path> = None;
    for mut item in items {
        let ident = item.sig.ident.clone();
        let Some(pos) = item
            .attrs
            .iter()
            .position(|a| a.path().is_ident("tdcall") || a.path().is_ident("tdvmcall"))
        else {
            out.extend(
                syn::Error::new(
                    ident.span(),
                    "every guest catalog item is a `#[tdcall(..)]` or `#[tdvmcall(..)]` declaration",
                )
                .to_compile_error(),
            );
            continue;
        };
        let attr = item.attrs.remove(pos);
        let args = match attr.meta.require_list() {
            Ok(list) => list.tokens.clone(),
            Err(e) => {
                out.extend(e.to_compile_error());
                continue;
            }
        };
        let cfgs: Vec<syn::Attribute> = item
            .attrs
            .iter()
            .filter(|a| a.path().is_ident("cfg"))
            .cloned()
            .collect();
        let (attrs, vis, sig) = (&item.attrs, &item.vis, &item.sig);
        let body = match &item.body {
            Some(b) => quote!(#b),
            None => quote!(;),
        };
        let tokens = quote!(#(#attrs)* #vis #sig #body);
        if attr.path().is_ident("tdvmcall") {
            match crate::tdvmcall::declare(args, tokens) {
                Ok(decl) => {
                    out.extend(crate::tdvmcall::expand(&decl));
                    let info = crate::tdvmcall::call_info(&decl);
                    infos.push(quote!(#(#cfgs)* #info));
                    krate.get_or_insert(crate::tdvmcall::krate(&decl).clone());
                }
                Err(errors) => out.extend(errors),
            }
            continue;
        }
        let decl = match crate::declare(Insn::Tdcall, args, tokens) {
            Ok(decl) => decl,
            Err(errors) => {
                out.extend(errors);
                continue;
            }
        };
        let name = match &decl.leaf {
            crate::valid::LeafWord::Lit(l) => {
                match abi::lookup_in(TABLE, *l, decl.version, false) {
                    abi::Lookup::Found(e) => Some(e.name),
                    _ => None,
                }
            }
            crate::valid::LeafWord::Path(_) => None,
        };
        out.extend(crate::expand::expand(&decl));
        match (name, &decl.leaf) {
            (Some(name), crate::valid::LeafWord::Lit(leaf)) => {
                let k = &decl.krate;
                let function = ident.to_string();
                let version = decl.version;
                let regs = |list: &[crate::regs::Reg]| {
                    let vs = list.iter().map(|r| abi::variant(*r));
                    quote!(&[#(#k::leaves::Reg::#vs),*])
                };
                let (i, o, c) = (
                    regs(&decl.inputs),
                    regs(&decl.outputs),
                    regs(&decl.clobbers),
                );
                infos.push(quote! {
                    #(#cfgs)*
                    #k::guest::GuestCallInfo {
                        name: #name,
                        function: #function,
                        call: #k::guest::GuestCall::Tdcall { leaf: #leaf, version: #version },
                        inputs: #i,
                        outputs: #o,
                        clobbers: #c,
                    }
                });
            }
            _ => out.extend(
                syn::Error::new(ident.span(), "a guest catalog leaf is a literal leaf and version the guest ABI table knows (the table names it)")
                    .to_compile_error(),
            ),
        }
        krate.get_or_insert(decl.krate);
    }
    let krate = krate.unwrap_or_else(|| syn::parse_quote!(crate));
    out.extend(quote! {
        /// Every call of the guest catalog, in declaration order: its name,
        /// the function, the TDG leaf or the GHCI sub-function with its
        /// exposure mask, and the registers it binds. Built from the
        /// declarations themselves, so it cannot drift from them.
        pub static ALL: &[#krate::guest::GuestCallInfo] = &[#(#infos),*];
    });
    out
}

#[cfg(test)]
mod tests {
    use proc_macro2::{TokenStream, TokenTree};
    use quote::quote;

    fn docs(ts: TokenStream) -> String {
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
        walk(ts, &mut out);
        out.join("\n")
    }

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
