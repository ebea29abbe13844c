//! Every rule a declaration must satisfy, in one list, the ABI cross-check
//! included. Each failure points at the tokens at fault and says what to
//! write instead. All rules run, so one build reports every mistake of a
//! declaration.
//!
//! The cross-check itself is `seamcall_abi::cross_check`, the same `const fn`
//! the expansion's assertion for a leaf given as a path evaluates; here each
//! bit of its `Mismatches` becomes an error at the register's span.

use proc_macro2::Span;
use seamcall_abi::{cross_check, lookup, Entry, Lookup, RegSet, Release, Releases, Table};
use syn::spanned::Spanned;
use syn::Path;

use crate::ast::{self, Func, Param, Ret};
use crate::attr::{Args, Leaf, RegList};
use crate::ctxt::Ctxt;
use crate::family::Family;
use crate::regs::{upper, Reg};

/// The leaf word's source, once validated.
pub enum LeafWord {
    /// A literal leaf, range-checked here: the whole RAX word (version and
    /// P-SEAMLDR bit included).
    Lit(seamcall_abi::LeafWord),
    /// Leaf number from a constant; the expansion asserts its range.
    Path(Path),
}

/// A declaration that passed every rule: what the expansion works from.
pub struct Decl {
    /// The attribute: which instruction, table and error type.
    pub family: Family,
    pub func: Func,
    pub leaf: LeafWord,
    pub version: u8,
    pub seamldr: bool,
    /// In the order of the parameters.
    pub inputs: Vec<Reg>,
    /// In the order of the success value's elements.
    pub outputs: Vec<Reg>,
    pub clobbers: Vec<Reg>,
    pub krate: Path,
    pub retry: Option<u32>,
    pub retry_busy: bool,
    pub scrub: bool,
    /// `unchecked`: no ABI cross-check (for a path leaf, no generated
    /// assertion).
    pub unchecked: bool,
}

impl Decl {
    pub fn ret(&self) -> &Ret {
        // `validate` only builds a `Decl` when the return type was read.
        self.func.ret.as_ref().unwrap_or(&Ret::RawStatus)
    }

    pub fn params(&self) -> &[Param] {
        &self.func.params
    }
}

pub fn validate(cx: &Ctxt, family: Family, mut args: Args, func: Func) -> Option<Decl> {
    let leaf = check_leaf(cx, family, &args);
    if family != Family::Seamcall {
        check_guest(cx, family, &args);
    }
    let version = check_version(cx, &args);
    let seamldr = args.seamldr.is_some() && family == Family::Seamcall;
    let leaf = leaf.map(|l| l.at(version, seamldr));
    let lists = Lists::take(&mut args);
    check_lists(cx, family, &lists);
    // TDG.VP.VMCALL is checked by its mask (and refused by `#[tdcall]`).
    let vmcall =
        family != Family::Seamcall && matches!(&leaf, Some(LeafWord::Lit(w)) if w.leaf() == 0);
    if let (Some(Leaf::Lit { span, .. }), Some(LeafWord::Lit(word)), false) =
        (&args.leaf, &leaf, vmcall)
    {
        check_abi(
            cx,
            &Declared {
                table: family.table(),
                word: *word,
                leaf_span: *span,
                inputs: &lists.inputs,
                outputs: &lists.outputs,
                clobbers: &lists.clobbers,
                write_span: lists.write_span.unwrap_or(*span),
                unchecked: args.unchecked,
            },
        );
    }
    check_params(cx, &func, &lists.inputs);
    check_value(cx, &func, &lists.outputs);
    check_signature(cx, family, &func, args.safe);
    let retry = check_retry(cx, &args);
    if cx.has_errors() {
        return None;
    }
    let regs = |l: &RegList| l.regs.iter().map(|(r, _)| *r).collect();
    Some(Decl {
        family,
        leaf: leaf?,
        version,
        seamldr,
        inputs: regs(&lists.inputs),
        outputs: regs(&lists.outputs),
        clobbers: regs(&lists.clobbers),
        krate: crate::attr::krate_or_default(args.krate),
        retry,
        retry_busy: args.retry_busy.is_some(),
        scrub: args.scrub.is_some(),
        unchecked: args.unchecked.is_some(),
        func,
    })
}

/// The three register lists, empty where not written.
struct Lists {
    inputs: RegList,
    outputs: RegList,
    clobbers: RegList,
    /// Where the cross-check reports a missing write: the `out` list, else
    /// the `clobber` list (else the leaf).
    write_span: Option<Span>,
}

impl Lists {
    fn take(args: &mut Args) -> Lists {
        let write_span = args
            .outputs
            .as_ref()
            .or(args.clobbers.as_ref())
            .map(|l| l.span);
        let span = args.span;
        let list = |l: Option<RegList>| {
            l.unwrap_or(RegList {
                span,
                regs: Vec::new(),
                complete: true,
            })
        };
        Lists {
            inputs: list(args.inputs.take()),
            outputs: list(args.outputs.take()),
            clobbers: list(args.clobbers.take()),
            write_span,
        }
    }
}

fn check_lists(cx: &Ctxt, family: Family, lists: &Lists) {
    check_list(cx, family, "in", &lists.inputs, false);
    check_list(cx, family, "out", &lists.outputs, false);
    check_list(cx, family, "clobber", &lists.clobbers, true);
    // A register in `in` and `clobber` is an input the leaf may overwrite
    // (TDH.VP.WR's R8); one in `out` and `clobber` says two things at once.
    for (r, span) in &lists.clobbers.regs {
        if lists.outputs.contains(*r) {
            cx.error_at(
                *span,
                format!("`{r}` is already in `out`; remove it from `clobber`: `clobber` lists registers the leaf may change that the caller does not read"),
            );
        }
    }
}

fn check_retry(cx: &Ctxt, args: &Args) -> Option<u32> {
    let retry = match &args.retry {
        Some(n) if n.value == 0 || n.value > u64::from(u32::MAX) => {
            cx.error_at(n.span, "`retry` is the number of attempts in all, from 1 to 4294967295; Linux uses `retry = 10`");
            None
        }
        Some(n) => Some(n.value as u32),
        None => None,
    };
    if let (Some(span), None) = (args.retry_busy, &args.retry) {
        cx.error_at(
            span,
            "`retry_busy` sets what `retry` re-issues on; add `retry = N` (attempts in all)",
        );
    }
    retry
}

impl LeafWord {
    /// A literal leaf at the declaration's version and P-SEAMLDR flag.
    fn at(self, version: u8, seamldr: bool) -> LeafWord {
        match self {
            LeafWord::Lit(w) => LeafWord::Lit(seamcall_abi::LeafWord::from_parts(
                w.leaf(),
                version,
                seamldr,
            )),
            path => path,
        }
    }
}

fn check_leaf(cx: &Ctxt, family: Family, args: &Args) -> Option<LeafWord> {
    match &args.leaf {
        None => {
            let example = match family {
                Family::Seamcall => "#[seamcall(leaf = 11, in = [rcx, rdx], out = [r8])]",
                _ => "#[tdcall(leaf = 1, out = [rcx, rdx, r8, r9, r10, r11])]",
            };
            cx.error_at(
                args.span,
                format!(
                    "missing `leaf`: every {} names its leaf number, like `{example}`",
                    family.insn()
                ),
            );
            None
        }
        Some(Leaf::Lit { value, span }) => match u16::try_from(*value) {
            // Version and P-SEAMLDR bit are set once they are checked.
            Ok(v) => Some(LeafWord::Lit(seamcall_abi::LeafWord::new(v, 0))),
            Err(_) => {
                cx.error_at(
                    *span,
                    format!("leaf {value} ({value:#x}) does not fit in bits 15:0 of RAX; leaf numbers are 0..=0xFFFF{}", if family == Family::Seamcall { " (P-SEAMLDR leaves: write the leaf number and the `seamldr` flag)" } else { "" }),
                );
                None
            }
        },
        Some(Leaf::Path(p)) => Some(LeafWord::Path(p.clone())),
        // Reported where it was read.
        Some(Leaf::Invalid) => None,
    }
}

fn check_version(cx: &Ctxt, args: &Args) -> u8 {
    match &args.version {
        None => 0,
        Some(n) => match u8::try_from(n.value) {
            Ok(v) => v,
            Err(_) => {
                cx.error_at(
                    n.span,
                    format!(
                        "version {} does not fit in bits 23:16 of RAX; versions are 0..=255",
                        n.value
                    ),
                );
                0
            }
        },
    }
}

fn check_list(cx: &Ctxt, family: Family, key: &str, list: &RegList, clobber: bool) {
    let (n, enter) = match family {
        Family::Seamcall => ("SEAMCALL", "TDH.VP.ENTER on module 1.5.01"),
        _ => ("TDCALL", "TDG.VP.ENTER, which returns the L2's RBP"),
    };
    for (i, (r, span)) in list.regs.iter().enumerate() {
        match r {
            Reg::Rax => cx.error_at(
                *span,
                "`rax` carries the leaf word in and the status out, so it cannot be listed; the status is the function's return value (`Result` or `TdxStatus`)",
            ),
            Reg::Rsp => cx.error_at(
                *span,
                "`rsp` is the stack pointer: the TDX module never takes or returns a value in it; remove it",
            ),
            Reg::Rbp if !clobber => cx.error_at(
                *span,
                format!("`rbp` is never a {n} operand; remove it from `{key}`. If the module may overwrite it ({enter}), write `clobber = [rbp]` and the expansion saves and restores it"),
            ),
            _ if !r.is_gpr() && !clobber => cx.error_at(
                *span,
                format!("vector registers are never {n} operands; `{r}` can only be listed in `clobber`"),
            ),
            _ => {}
        }
        if list.regs[..i].iter().any(|(other, _)| other == r) {
            cx.error_at(
                *span,
                format!("`{r}` appears twice in `{key}`; list each register once"),
            );
        }
    }
}

fn check_params(cx: &Ctxt, func: &Func, inputs: &RegList) {
    if !inputs.complete {
        return;
    }
    let n_in = inputs.regs.len();
    let n_params = func.item.sig.inputs.len();
    if n_in == n_params {
        return;
    }
    let list: Vec<&str> = inputs.regs.iter().map(|(r, _)| r.name()).collect();
    let msg = format!(
        "`in = [{}]` binds {n_in} register{} to the parameters in order, but the function has {n_params} parameter{}; write one parameter per `in` register",
        list.join(", "),
        plural(n_in),
        plural(n_params),
    );
    if n_params > n_in {
        // Point at the first parameter without a register.
        let extra = &func.item.sig.inputs[n_in];
        cx.error_spanned_by(extra, msg);
    } else {
        let span = if n_params == 0 {
            inputs.span
        } else {
            func.item.sig.inputs.span()
        };
        cx.error_at(span, msg);
    }
}

fn check_value(cx: &Ctxt, func: &Func, outputs: &RegList) {
    if !outputs.complete {
        return;
    }
    let n_out = outputs.regs.len();
    let Some(ret) = &func.ret else { return };
    // An alias: the expansion's `const` assertion checks the arity.
    if matches!(ret, Ret::Alias { .. }) {
        return;
    }
    let list: Vec<&str> = outputs.regs.iter().map(|(r, _)| r.name()).collect();
    let list = list.join(", ");
    let Some(value) = ret.value() else {
        if n_out > 0 {
            cx.error_spanned_by(
                &func.item.sig.output,
                format!("`out = [{list}]` returns {n_out} value{}; the raw form is `(TdxStatus, T)` with T one value per `out` register", plural(n_out)),
            );
        }
        return;
    };
    let elems = ast::value_elems(value);
    let ok = match n_out {
        0 => ast::is_tuple(value) && elems.is_empty(),
        1 => !(ast::is_tuple(value) && elems.len() != 1),
        n => ast::is_tuple(value) && elems.len() == n,
    };
    if ok {
        return;
    }
    let want = match n_out {
        0 => "`()`, since the declaration has no `out` registers".to_string(),
        1 => format!("a single value for `out = [{list}]`, like `u64`"),
        n => format!(
            "a {n}-tuple, one element per register of `out = [{list}]`, like `({})`",
            vec!["u64"; n].join(", ")
        ),
    };
    cx.error_spanned_by(value, format!("the success value must be {want}"));
}

fn check_signature(cx: &Ctxt, family: Family, func: &Func, safe: Option<Span>) {
    let sig = &func.item.sig;
    let n = family.insn();
    match (&sig.unsafety, safe) {
        (None, None) => cx.error_spanned_by(
            sig.fn_token,
            format!("a {n} hands physical addresses to the TDX module, so the leaf must be `unsafe fn`; write `unsafe fn`, or add `safe` to the attribute if this leaf takes nothing the caller must vouch for"),
        ),
        (Some(u), Some(_)) => cx.error_spanned_by(
            u,
            "`safe` in the attribute declares a safe function; remove `unsafe` here or `safe` there",
        ),
        _ => {}
    }
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        cx.error_spanned_by(
            &sig.generics,
            format!("a {n} leaf cannot be generic: each register has a fixed 64-bit meaning; use concrete parameter types"),
        );
    }
    if let Some(a) = &sig.asyncness {
        cx.error_spanned_by(a, format!("a {n} leaf cannot be `async`: the instruction completes before it returns; remove `async`"));
    }
    if let Some(c) = &sig.constness {
        cx.error_spanned_by(
            c,
            format!("a {n} leaf cannot be `const`: it executes an instruction; remove `const`"),
        );
    }
    if let Some(abi) = &sig.abi {
        cx.error_spanned_by(
            abi,
            format!("a {n} leaf is inlined Rust code; remove the `extern` ABI"),
        );
    }
    if let Some(v) = &sig.variadic {
        cx.error_spanned_by(
            v,
            format!("a {n} leaf cannot be variadic; write one parameter per `in` register"),
        );
    }
    if let Some(body) = &func.item.body {
        if !body.stmts.is_empty() {
            cx.error_spanned_by(
                body,
                "the body is generated from the attribute; end the declaration with `;` (or an empty `{}`)",
            );
        }
    }
}

/// A declaration with a literal leaf, as the cross-check sees it.
struct Declared<'a> {
    /// The instruction's table.
    table: &'static Table,
    word: seamcall_abi::LeafWord,
    leaf_span: Span,
    inputs: &'a RegList,
    outputs: &'a RegList,
    clobbers: &'a RegList,
    /// Where a missing write is reported: the `out` list, else the
    /// `clobber` list, else the leaf.
    write_span: Span,
    unchecked: Option<Span>,
}

/// What a declaration without the cross-check should clobber.
pub const LINUX_CLOBBERS: &str =
    "(Linux's out-of-line call treats rcx, rdx, rsi, rdi, r8-r11 and all xmm as clobbered)";

/// The help of every "needs `unchecked`" error but the unknown leaf's.
const UNKNOWN_HELP: &str = "add `unchecked` to declare it without the cross-check, and list in `clobber` every register the module may write (Linux's out-of-line call treats rcx, rdx, rsi, rdi, r8-r11 and all xmm as clobbered)";

/// `TDH.VP.WR (leaf 43)`, with `version` when it is not 0 (the
/// declaration's version, which may be above the row's).
pub fn title(e: &Entry, version: u8) -> String {
    let word = e.word().with_version(version);
    seamcall_abi::Title { name: e.name, word }.to_string()
}

fn set(list: &RegList) -> RegSet {
    list.regs
        .iter()
        .fold(RegSet::EMPTY, |s, (r, _)| s.union(RegSet::of(&[*r])))
}

/// The ABI rule for a literal leaf: every `in` register is one the leaf
/// reads, every `out` register one it may write, and every register it may
/// write is in `out` or `clobber`. A leaf the table does not know, knows
/// without an audit of its writes, or knows only at other versions needs
/// `unchecked`. `unchecked` relaxes the `in` and `out` rules; it never
/// excuses a register the audit says the module may write.
fn check_abi(cx: &Ctxt, d: &Declared) {
    let found = lookup(d.table, d.word);
    let Some(entry) = found.audited() else {
        if d.unchecked.is_none() {
            cx.error_at(d.leaf_span, needs_unchecked(d, found));
        }
        return;
    };
    let title = title(entry, d.word.version());
    let m = cross_check(entry, set(d.inputs), set(d.outputs), set(d.clobbers));
    // `unchecked` relaxes these two; a write not covered is an error
    // whatever the declaration says: the compiler would keep a live value
    // in it across the instruction.
    if d.unchecked.is_none() {
        for (r, span) in &d.inputs.regs {
            if m.not_read.contains(*r) {
                cx.error_at(*span, not_read(entry, &title, *r));
            }
        }
        for (r, span) in &d.outputs.regs {
            if m.not_written.contains(*r) {
                cx.error_at(*span, format!("{title} does not write {}, so the value read back would be the input, not a result; remove {r} from `out`", upper(*r)));
            }
        }
    }
    for r in m.uncovered.iter().filter(|r| r.is_gpr()) {
        let note = entry.note(r).unwrap_or_default();
        let rejected = rejected_note(entry, r, d.word.version());
        cx.error_at(
            d.write_span,
            format!(
                "{title} writes {} ({note}{rejected}); add {r} to `out` or `clobber`",
                upper(r)
            ),
        );
    }
    let xmm = m.uncovered.intersection(RegSet::XMM);
    if !xmm.is_empty() {
        let why = if entry.name == "TDG.VP.ENTER" {
            "the L2's vector state"
        } else if entry.leaf == 0 {
            "guest vector state, per the RCX bitmap"
        } else {
            "the module resets them after AES-GCM"
        };
        let missing: Vec<&str> = xmm.iter().map(|r| r.name()).collect();
        cx.error_at(
            d.write_span,
            format!(
                "{title} may change XMM0-XMM15 ({why}); add {} to `clobber`",
                missing.join(", ")
            ),
        );
    }
    if let (Some(span), false) = (d.unchecked, m.relaxable()) {
        cx.error_at(
            span,
            format!("`unchecked` is not needed: {title} is in the ABI table and this declaration's `in` and `out` match it (`unchecked` relaxes only those, never a register the module writes); remove `unchecked` so that later edits stay checked"),
        );
    }
}

fn not_read(entry: &Entry, title: &str, r: Reg) -> String {
    let reads: Vec<&str> = entry.reads.iter().map(|r| r.name()).collect();
    let reads = if reads.is_empty() {
        "it reads no register but RAX".to_string()
    } else {
        format!("it reads {}", reads.join(", "))
    };
    format!(
        "{title} does not read {}; remove {r} from `in` ({reads})",
        upper(r)
    )
}

/// Why register `r` of the version-1 row counts for a higher version: the
/// releases whose audit first names it run that handler first (module
/// 1.5.01 wherever it writes the register, as it always did).
fn rejected_note(entry: &Entry, r: Reg, version: u8) -> String {
    if entry.version == version {
        return String::new();
    }
    let who = match entry.writer_of(r).map(|a| a.releases) {
        Some(rs) if rs.contains(Release::V1_5_01) || rs.is_empty() => {
            Releases::of(Release::V1_5_01)
        }
        Some(rs) => rs,
        None => Releases::of(Release::V1_5_01),
    };
    let (runs, it) = if who.iter().count() == 1 {
        ("runs", "it rejects")
    } else {
        ("run", "they reject")
    };
    format!(
        "; {who} {runs} the version-{} handler, which may write it, before {it} version {version} with TDX_OPERAND_INVALID",
        entry.version
    )
}

/// The error for a leaf word whose writes the table cannot check.
fn needs_unchecked(d: &Declared, found: Lookup) -> String {
    let version = d.word.version();
    match found {
        Lookup::Found(e) | Lookup::Rejected(e) => format!("{} is not covered by the audits of TDX {} ({}), so the registers it may write are unknown; {UNKNOWN_HELP}", title(e, version), d.table.audited, d.table.facts),
        Lookup::OtherVersions(first) => {
            let known: Vec<String> = d
                .table
                .rows
                .iter()
                .filter(|e| e.leaf == first.leaf && e.seamldr == first.seamldr)
                .map(|e| e.version.to_string())
                .collect();
            let why = if d.word.seamldr() {
                String::new()
            } else {
                format!(": no audited module release ({}) accepts version {version} of this leaf, each rejects it writing RAX alone, and what a module that accepts it writes was not audited", audited_names(d.table))
            };
            format!("{} has no version {version} in the ABI table (known: {}){why}; {UNKNOWN_HELP}", title(first, 0), known.join(", "))
        }
        Lookup::Unknown => {
            let who = if d.word.seamldr() { "P-SEAMLDR leaf" } else { "leaf" };
            format!("{who} {} is not in the ABI table (audits of {}): the macro cannot check which registers it writes; add `unchecked` and list in `clobber` every register it may write {LINUX_CLOBBERS}", d.word.leaf(), d.table.audited)
        }
    }
}

/// The releases `table` was audited on: `1.5.01, 1.5.25, 1.5.34, 2.0.18`.
pub(crate) fn audited_names(table: &Table) -> String {
    let names: Vec<&str> = table.audited.iter().map(|r| r.name()).collect();
    names.join(", ")
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// The rules `#[tdcall]` adds: no P-SEAMLDR flag, no `retry` (no TDG leaf
/// returns `TDX_RND_NO_ENTROPY`), and leaf 0 only through `#[tdvmcall]`.
fn check_guest(cx: &Ctxt, family: Family, args: &Args) {
    if let Some(span) = args.seamldr {
        cx.error_at(
            span,
            "`seamldr` selects a P-SEAMLDR leaf of SEAMCALL; TDCALL has none: remove it",
        );
    }
    if let Some(n) = &args.retry {
        cx.error_at(n.span, "`retry` re-issues on `TDX_RND_NO_ENTROPY`, which no TDG leaf returns; remove it (re-issue a `TDX_OPERAND_BUSY` leaf in the caller, bounded)");
    }
    if let Some(span) = args.retry_busy {
        cx.error_at(
            span,
            "`retry_busy` goes with `retry`, which TDCALL leaves do not take; remove it",
        );
    }
    if let (Family::Tdcall, Some(Leaf::Lit { value: 0, span })) = (family, &args.leaf) {
        cx.error_at(
            *span,
            "leaf 0 is TDG.VP.VMCALL, whose registers are whatever the RCX mask exposes to the VMM; declare it with `#[tdvmcall(subfn = N, in = [..], out = [..])]`, which computes the mask from the registers",
        );
    }
}
