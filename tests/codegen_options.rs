//! Codegen of declaration options (`retry`, `scrub`, RBP and XMM clobbers):
//! machine-code checks of catalog leaves, on `tests/catalog_probe`, a small
//! crate of non-inlined callers built here with the flags each check needs
//! (in target directories under `CARGO_TARGET_TMPDIR`, one per set of flags):
//!
//! * retry: with `retry = 10` the code up to the SEAMCALL's CF branch is the
//!   code without it, and the first thing after it is the status test;
//! * TDH.VP.ENTER compiles with `-C force-frame-pointers=yes`, and keeps RBP
//!   the frame pointer around the instruction;
//! * `scrub` zeroes the registers after the outputs were stored;
//! * XMM clobbers reach the `asm!` only where the target has SSE (checked in
//!   the LLVM IR, where XMM clobbers show as discarded outputs `={xmm0}`);
//! * without SSE, a leaf that clobbers XMM inlined into a
//!   `#[target_feature(enable = "sse2")]` caller leaves no XMM register live
//!   across the SEAMCALL (the block sits in a function of its own, and the
//!   caller saves its XMM values around the call as the ABI requires).
//!
//! Needs `cargo` and binutils' `objdump` (run through `seamcall_tests::disasm`).

use seamcall_tests::disasm::{self, Cargo};
use std::path::PathBuf;
use std::sync::Mutex;

/// One build directory, one build at a time.
static BUILD: Mutex<()> = Mutex::new(());

const TRIPLE: &str = "x86_64-unknown-linux-gnu";

struct Build {
    deps: PathBuf,
}

impl Build {
    /// Build the probe crate (release) with `rustflags` for every crate of
    /// the target (naming the target keeps them off the proc macros), and
    /// `--emit=link,llvm-ir` for the probe crate itself.
    fn new(config: &str, rustflags: &str) -> Build {
        // One target directory per configuration, so no build's artifacts
        // can be mistaken for another's.
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .join("catalog_probe")
            .join(config);
        Cargo::release(
            "rustc",
            &disasm::workspace().join("tests/catalog_probe/Cargo.toml"),
        )
        .args(["--locked", "--lib", "--target", TRIPLE])
        .target_dir(&dir)
        .args(["--", "--emit=link,llvm-ir"])
        .rustflags(rustflags)
        .run()
        .unwrap_or_else(|e| panic!("building tests/catalog_probe: {e}"));
        Build {
            deps: dir.join(TRIPLE).join("release").join("deps"),
        }
    }

    /// The one file of the probe crate in `deps` with this extension.
    fn artifact(&self, prefix: &str, ext: &str) -> PathBuf {
        let found: Vec<PathBuf> = std::fs::read_dir(&self.deps)
            .expect("deps directory")
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| {
                p.extension().is_some_and(|x| x == ext)
                    && p.file_name()
                        .is_some_and(|n| n.to_string_lossy().starts_with(prefix))
            })
            .collect();
        assert_eq!(
            found.len(),
            1,
            "one {prefix}*.{ext} in {}",
            self.deps.display()
        );
        found[0].clone()
    }

    /// The disassembly of `function`, one normalized instruction a line.
    fn disassemble(&self, function: &str) -> Vec<String> {
        let rlib = self.artifact("libcatalog_probe-", "rlib");
        disasm::function(&rlib, function)
            .unwrap_or_else(|e| panic!("{e}"))
            .iter()
            .map(normalize)
            .collect()
    }

    /// The LLVM IR of the probe crate.
    fn llvm_ir(&self) -> String {
        std::fs::read_to_string(self.artifact("catalog_probe-", "ll")).expect("read the .ll file")
    }
}

/// `jb 15` → `jb` (branch targets differ between functions); anything
/// else as `mnemonic operands`.
fn normalize(insn: &disasm::Insn) -> String {
    if insn.mnemonic.starts_with('j') || insn.mnemonic == "call" {
        return insn.mnemonic.clone();
    }
    insn.to_string()
}

/// The instructions up to and including the SEAMCALL's CF branch (`jb`),
/// and the rest.
fn split_at_cf_branch(code: &[String]) -> (&[String], &[String]) {
    let at = code
        .iter()
        .position(|i| i == "seamcall")
        .expect("the function holds a SEAMCALL");
    assert_eq!(code[at + 1], "jb", "the CF test follows the instruction");
    code.split_at(at + 2)
}

fn sorted(code: &[String]) -> Vec<String> {
    let mut v = code.to_vec();
    v.sort();
    v
}

fn lock() -> std::sync::MutexGuard<'static, ()> {
    BUILD.lock().unwrap_or_else(|e| e.into_inner())
}

#[test]
fn retry_adds_nothing_before_the_first_status_test() {
    let _guard = lock();
    let build = Build::new("default", "");
    // (probe, inputs the module overwrites): a re-issue must pass those
    // again, so where the caller's register holding one is itself needed
    // for another operand, keeping the original costs one copy.
    let probes: [(&str, usize); 6] = [
        ("mng_create", 0),
        ("mng_rd", 0),
        ("sys_rd", 0),
        ("mem_page_aug", 2),
        ("mng_init", 1),
        ("vp_wr", 1),
    ];
    let mut report = Vec::new();
    for (probe, overwritten) in probes {
        let once = build.disassemble(&format!("probe_{probe}_once"));
        let retry = build.disassemble(&format!("probe_{probe}_retry"));
        let (once_pre, _) = split_at_cf_branch(&once);
        let (retry_pre, retry_rest) = split_at_cf_branch(&retry);
        // The first instruction after the branch starts the status test:
        // it loads TDX_RND_NO_ENTROPY or compares RAX.
        let next = &retry_rest[0];
        assert!(
            next.ends_with(",0x8000020300000000") || next.starts_with("cmp rax,"),
            "{probe}: `{next}` comes between the SEAMCALL and the retry's status test:\n{retry:#?}"
        );
        if overwritten == 0 {
            assert_eq!(
                once_pre, retry_pre,
                "{probe}: retry changed the code before the first status test"
            );
            report.push(format!(
                "{probe}: identical ({} instructions)",
                once_pre.len()
            ));
            continue;
        }
        // Same instructions, maybe scheduled differently, except register
        // copies: at most one more per overwritten input.
        let is_copy = |i: &String| {
            i.strip_prefix("mov ").is_some_and(|ops| {
                let ops: Vec<&str> = ops.split(',').collect();
                ops.len() == 2 && ops.iter().all(|o| o.starts_with('r') && !o.contains(' '))
            })
        };
        let work = |code: &[String]| {
            sorted(
                &code
                    .iter()
                    .filter(|i| !is_copy(i))
                    .cloned()
                    .collect::<Vec<_>>(),
            )
        };
        let copies = |code: &[String]| code.iter().filter(|i| is_copy(i)).count();
        assert_eq!(
            work(once_pre),
            work(retry_pre),
            "{probe}: retry changed the work before the first status test:\nplain {once_pre:#?}\nretry {retry_pre:#?}"
        );
        let extra = copies(retry_pre).saturating_sub(copies(once_pre));
        assert!(
            copies(retry_pre) <= copies(once_pre) + overwritten,
            "{probe}: retry adds {extra} register copies before the first status test:\nplain {once_pre:#?}\nretry {retry_pre:#?}"
        );
        report.push(format!(
            "{probe}: {} instructions without retry, {} with ({extra} register copies more)",
            once_pre.len(),
            retry_pre.len()
        ));
    }
    println!("{}", report.join("\n"));
}

#[test]
fn vp_enter_builds_with_frame_pointers_and_scrubs_after_storing() {
    let _guard = lock();
    let build = Build::new("frame-pointers", "-C force-frame-pointers=yes");
    let code = build.disassemble("probe_vp_enter");
    // The function keeps a frame pointer...
    assert_eq!(code[..2], ["push rbp", "mov rbp,rsp"], "{code:#?}");
    // ...which the block saves right before the instruction and restores
    // right after it, on the path every outcome rejoins.
    let at = code.iter().position(|i| i == "seamcall").expect("SEAMCALL");
    assert_eq!(code[at - 1], "push rbp", "{code:#?}");
    assert_eq!(code[at + 2], "pop rbp", "{code:#?}");
    // RBX is swapped through RAX and restored.
    assert!(code[..at].contains(&"push rbx".to_string()), "{code:#?}");
    // `scrub`: after the block, each of the 12 registers is zeroed, and
    // none of them is read as an output afterwards (they were stored first).
    let scrubbed = [
        "ecx", "edx", "esi", "edi", "r8d", "r9d", "r10d", "r11d", "r12d", "r13d", "r14d", "r15d",
    ];
    let after = &code[at..];
    let first_xor = after
        .iter()
        .position(|i| i == "xor ecx,ecx")
        .expect("scrub zeroes RCX");
    for r in scrubbed {
        assert!(
            after[first_xor..first_xor + 12].contains(&format!("xor {r},{r}")),
            "scrub misses {r}: {after:#?}"
        );
    }
    let stores_before = after[..first_xor]
        .iter()
        .filter(|i| i.starts_with("mov QWORD PTR [") || i.starts_with("mov qword ptr ["))
        .count();
    assert!(
        stores_before >= 12,
        "outputs are stored before the scrub: {after:#?}"
    );
}

#[test]
fn xmm_clobbers_only_with_sse() {
    let _guard = lock();
    let with = Build::new("default", "").llvm_ir();
    let without = Build::new("no-sse", "-C target-feature=-sse,-sse2").llvm_ir();
    // The body of probe_export_track (TDH.EXPORT.TRACK).
    let body_of = |ir: &str| -> String {
        ir.split("define ")
            .find(|f| f.contains("@probe_export_track("))
            .expect("probe_export_track in the IR")
            .to_string()
    };
    let asm_of = |body: &str| -> Vec<String> {
        body.lines()
            .filter(|l| l.contains("asm sideeffect") || l.contains("asm \""))
            .map(str::to_owned)
            .collect()
    };
    let (with, without) = (body_of(&with), body_of(&without));
    let with_asm = asm_of(&with);
    assert!(
        with_asm
            .iter()
            .any(|l| l.contains("{xmm0}") && l.contains("{xmm15}")),
        "with SSE, the block is inline and clobbers XMM0-15: {with_asm:#?}"
    );
    // Without SSE, the block names no XMM register and is a function of
    // its own (in seamcall-core), called here.
    assert!(
        asm_of(&without).iter().all(|l| !l.contains("xmm")),
        "without SSE, no XMM register is named: {without}"
    );
    assert!(
        without
            .lines()
            .any(|l| (l.contains("call ") || l.contains("invoke "))
                && l.contains("__seamcall_block")),
        "without SSE, the block is called out of line: {without}"
    );
}

/// The XMM registers an instruction names.
fn xmm_regs(insn: &str) -> Vec<String> {
    let mut regs = Vec::new();
    let mut rest = insn;
    while let Some(i) = rest.find("xmm") {
        let digits: String = rest[i + 3..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        if !digits.is_empty() {
            regs.push(format!("xmm{digits}"));
        }
        rest = &rest[i + 3 + digits.len()..];
    }
    regs
}

/// Whether `insn` writes `reg` without reading it first (a load, a move
/// from another register, a zeroing idiom).
fn overwrites(insn: &str, reg: &str) -> bool {
    let Some((op, operands)) = insn.split_once(' ') else {
        return false;
    };
    let operands: Vec<&str> = operands.split(',').collect();
    if operands.first() != Some(&reg) || operands.len() < 2 {
        return false;
    }
    let src = operands[1..].join(",");
    match op {
        "movdqa" | "movdqu" | "movaps" | "movups" | "movapd" | "movupd" | "movq" | "movd"
        | "pshufd" | "lddqu" => !xmm_regs(&src).iter().any(|r| r == reg),
        // The register forms merge into the destination.
        "movss" | "movsd" => src.contains("PTR") || src.contains("ptr"),
        "pxor" | "xorps" | "xorpd" | "pcmpeqd" | "pcmpeqb" => src == reg,
        _ => false,
    }
}

/// The XMM registers holding a value from before `code[at]` that is read
/// after it: the first instruction after it that names the register reads it.
/// Straight-line approximation, enough for a probe without loops.
fn xmm_live_across(code: &[String], at: usize) -> Vec<String> {
    let before: std::collections::BTreeSet<String> =
        code[..at].iter().flat_map(|i| xmm_regs(i)).collect();
    before
        .into_iter()
        .filter(|r| {
            code[at + 1..]
                .iter()
                .find(|i| xmm_regs(i).contains(r))
                .is_some_and(|i| !overwrites(i, r))
        })
        .collect()
}

#[test]
fn xmm_clobbers_hold_in_an_sse_caller_without_sse() {
    let _guard = lock();
    let build = Build::new("no-sse", "-C target-feature=-sse,-sse2");
    let code = build.disassemble("probe_sse_caller");
    assert!(
        code.iter()
            .any(|i| i.starts_with("movdq") || i.starts_with("movup")),
        "the probe keeps a vector in an XMM register: {code:#?}"
    );
    match code.iter().position(|i| i == "seamcall") {
        // Inlined: no XMM value of the caller may live across it.
        Some(at) => {
            let live = xmm_live_across(&code, at);
            assert!(
                live.is_empty(),
                "{live:?} live across the SEAMCALL, which zeroes XMM0-15 (no XMM clobbers in a build without SSE): {code:#?}"
            );
        }
        // In a function of its own: a call, around which the caller keeps
        // nothing in XMM registers (all caller-saved in the SysV ABI).
        None => {
            let calls: Vec<usize> = (0..code.len()).filter(|i| code[*i] == "call").collect();
            assert!(
                !calls.is_empty(),
                "the leaf is neither inlined nor called: {code:#?}"
            );
            for at in calls {
                let live = xmm_live_across(&code, at);
                assert!(live.is_empty(), "{live:?} live across a call: {code:#?}");
            }
        }
    }
}
