//! The leaf word: the `const` the block loads, the compile-time
//! cross-check of a leaf given as a path, and the catalog's `LeafInfo`.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use seamcall_abi::RegSet;
use syn::spanned::Spanned;
use syn::{Ident, Path};

use super::block::Names;
use crate::regs::{self, upper, Reg};
use crate::valid::{self, Decl, LeafWord};

/// The leaf word as a constant: for a literal leaf the word `valid.rs`
/// built; for a leaf given as a path, `seamcall_abi::LeafWord` evaluated at
/// compile time after a range check.
pub fn leaf_const(decl: &Decl, n: &Names) -> TokenStream {
    let (name, private) = (&n.leaf_word, &n.private);
    let (version, seamldr) = (decl.version, decl.seamldr);
    match &decl.leaf {
        LeafWord::Lit(word) => {
            let word = word.raw();
            quote!(const #name: u64 = #word;)
        }
        // `as u64` takes a constant of any integer type; for a `u64` one
        // clippy calls the cast unnecessary, in the user's crate.
        LeafWord::Path(p) => quote_spanned! {p.span()=>
            #[allow(clippy::unnecessary_cast)]
            const #name: u64 = {
                let leaf = #p as u64;
                ::core::assert!(leaf <= 0xFFFF, "the leaf constant does not fit in bits 15:0 of RAX (0..=0xFFFF)");
                #private::abi::LeafWord::from_parts(leaf as u16, #version, #seamldr).raw()
            };
        },
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
/// an audit, or knows only at other versions.
pub fn abi_assert(decl: &Decl, n: &Names) -> TokenStream {
    let LeafWord::Path(p) = &decl.leaf else {
        return TokenStream::new();
    };
    let abi = {
        let private = &n.private;
        quote!(#private::abi)
    };
    let (version, seamldr) = (decl.version, decl.seamldr);
    let who = who(decl, p, version);
    let table = syn::Ident::new(decl.family.table_name(), proc_macro2::Span::call_site());
    let tests = mismatch_tests(decl, &who, &abi);
    let [unaudited, other, unknown] = unchecked_panics(decl, &who);
    let set = |list: &[Reg]| {
        let bits = RegSet::of(list).bits();
        quote!(#abi::RegSet::from_bits(#bits))
    };
    let (ins, outs, clob) = (set(&decl.inputs), set(&decl.outputs), set(&decl.clobbers));
    quote_spanned! {p.span()=>
        #[allow(unused_variables, clippy::unnecessary_cast)]
        const _: () = {
            let leaf = #p as u64;
            if leaf <= 0xFFFF {
                let word = #abi::LeafWord::from_parts(leaf as u16, #version, #seamldr);
                match #abi::lookup(&#abi::#table, word) {
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

/// The subject of every message: `` `#[seamcall]` cross-check: the leaf `X` (version 0) ``.
fn who(decl: &Decl, p: &Path, version: u8) -> String {
    let shown = quote!(#p).to_string().replace(' ', "");
    let attr = decl.family.attr();
    format!("`#[{attr}]` cross-check: the leaf `{shown}` (version {version})")
}

/// One test per bit of `Mismatches` the declaration could set: each
/// declared input, each declared output, each register it leaves out, the
/// XMM registers. Const panics print a fixed string, so each register gets
/// its own test and message.
fn mismatch_tests(decl: &Decl, who: &str, abi: &TokenStream) -> Vec<TokenStream> {
    let test = |field: &str, r: Reg, msg: String| {
        let field = Ident::new(field, proc_macro2::Span::call_site());
        let v = regs::variant(r);
        quote!(if m.#field.contains(#abi::Reg::#v) { ::core::panic!("{}", #msg) })
    };
    let mut tests = Vec::new();
    if !decl.unchecked {
        for r in &decl.inputs {
            let msg = format!("{who} does not read {}; remove {r} from `in`", upper(*r));
            tests.push(test("not_read", *r, msg));
        }
        for r in &decl.outputs {
            let msg = format!("{who} does not write {}; remove {r} from `out`", upper(*r));
            tests.push(test("not_written", *r, msg));
        }
    }
    // Never relaxed: a register the module may write that the declaration
    // does not cover. Only the registers it leaves out can be reported.
    let covered = RegSet::of(&decl.outputs).union(RegSet::of(&decl.clobbers));
    let checked = |r: &Reg| r.is_gpr() && !matches!(r, Reg::Rax | Reg::Rsp);
    for r in Reg::ALL
        .into_iter()
        .filter(|r| checked(r) && !covered.contains(*r))
    {
        let msg = format!("{who} writes {}; add {r} to `out` or `clobber`", upper(r));
        tests.push(test("uncovered", r, msg));
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
    tests
}

/// What a leaf the table cannot check expands to: nothing with
/// `unchecked`, else a panic saying why (not audited, only other versions,
/// not in the table).
fn unchecked_panics(decl: &Decl, who: &str) -> [TokenStream; 3] {
    let clobbers = valid::LINUX_CLOBBERS;
    let add =
        format!("add `unchecked` and list in `clobber` every register it may write {clobbers}");
    [
        format!("{who} is in the ABI table but its writes were not audited; {add}"),
        format!("{who}: the ABI table knows this leaf only at other versions (no audited module release, {}, accepts this one: each rejects it writing RAX alone; a module that accepts it was not audited); {add}", valid::audited_names(decl.family.table())),
        format!("{who} is not in the ABI table (audits of {}): the macro cannot check which registers it writes; {add}", decl.family.table().audited),
    ]
    .map(|msg| {
        if decl.unchecked {
            quote!({})
        } else {
            quote!(::core::panic!("{}", #msg))
        }
    })
}

/// The `LeafInfo` the catalog lists for this declaration.
pub fn leaf_info(decl: &Decl, name: &str) -> TokenStream {
    let krate = &decl.krate;
    let regs = |list: &[Reg]| regs::variant_slice(krate, list);
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
