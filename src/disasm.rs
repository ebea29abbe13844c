//! The one place the codegen tests build code and read it back: a `cargo`
//! build with the flags a test chooses ([`Cargo`], [`build_release_example`]),
//! and `objdump`/`nm` over the result ([`function`], [`file()`], [`symbols`]).
//! Used by `tests/codegen.rs`, `tests/codegen_options.rs` and
//! `tests/codegen_catalog.rs`; needs `cargo` and binutils.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// One instruction as objdump prints it in Intel syntax, without raw bytes,
/// comments (`# ...`) or symbolic branch targets (`<sym+0x10>`); runs of
/// whitespace are one space.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Insn {
    /// Its address (section offset in an object file or rlib).
    pub addr: u64,
    /// The first word objdump prints: the mnemonic, or a prefix
    /// (`data16`, `cs`, `rep`) when the instruction has one.
    pub mnemonic: String,
    /// The rest of the line, maybe empty.
    pub operands: String,
}

impl Insn {
    /// Parse one line of `objdump -d --no-show-raw-insn -M intel`:
    /// `"   1234:\tmov    eax,0xb"`. `None` for any other line, and for
    /// `int3` (the padding between functions).
    fn parse(line: &str) -> Option<Insn> {
        let (addr, rest) = line.split_once(":\t")?;
        let addr = u64::from_str_radix(addr.trim(), 16).ok()?;
        let rest = rest.split('#').next().unwrap_or("");
        let rest = rest.split('<').next().unwrap_or("");
        let mut words = rest.split_whitespace();
        let mnemonic = words.next()?;
        if mnemonic == "int3" {
            return None;
        }
        Some(Insn {
            addr,
            mnemonic: mnemonic.to_string(),
            operands: words.collect::<Vec<_>>().join(" "),
        })
    }

    /// A no-op of any length, as the assembler pads with: with prefixes
    /// objdump prints `data16 cs nop WORD PTR [...]`, so any word counts.
    pub fn is_nop(&self) -> bool {
        self.mnemonic.starts_with("nop")
            || self
                .operands
                .split_whitespace()
                .any(|w| w.starts_with("nop"))
            || (self.mnemonic == "xchg" && self.operands == "ax,ax")
    }

    /// `push`/`pop`.
    pub fn is_stack_op(&self) -> bool {
        matches!(self.mnemonic.as_str(), "push" | "pop")
    }

    /// Whether the instruction reads or writes memory through an explicit
    /// operand or the stack (`push`/`pop`/`call`/`ret` count as stack
    /// accesses; `lea` and a no-op with a memory operand only compute an
    /// address).
    pub fn touches_memory(&self) -> bool {
        let m = self.mnemonic.as_str();
        if m == "lea" || self.is_nop() {
            return false;
        }
        self.operands.contains('[') || self.is_stack_op() || m == "ret" || m == "call"
    }

    /// A store: memory is the destination (first operand).
    pub fn is_store(&self) -> bool {
        self.operands.split(',').next().unwrap_or("").contains('[')
    }

    /// The target of a direct jump (`jb 13fe2`), as an address.
    pub fn jump_target(&self) -> Option<u64> {
        if !self.mnemonic.starts_with('j') {
            return None;
        }
        u64::from_str_radix(&self.operands, 16).ok()
    }
}

impl std::fmt::Display for Insn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.operands.is_empty() {
            f.write_str(&self.mnemonic)
        } else {
            write!(f, "{} {}", self.mnemonic, self.operands)
        }
    }
}

/// The macro's instructions and the hand-written ones, one per indented
/// line under `macro:` and `hand-written:`: the listing a codegen test
/// prints when the two differ.
pub fn side_by_side(mac: &[Insn], floor: &[Insn]) -> String {
    let show = |v: &[Insn]| {
        v.iter()
            .map(|i| format!("    {i}"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    format!("macro:\n{}\nhand-written:\n{}", show(mac), show(floor))
}

/// The text of `objdump -d --no-show-raw-insn -M intel` with `args` on
/// `path`.
fn objdump(path: &Path, args: &[String]) -> Result<String, String> {
    let out = Command::new("objdump")
        .args(["-d", "--no-show-raw-insn", "-M", "intel"])
        .args(args)
        .arg(path)
        .output()
        .map_err(|e| format!("cannot run objdump (install binutils): {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "objdump failed on {}: {}",
            path.display(),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The instructions of `symbol` (as objdump names it: the mangled name, or
/// the name itself for `#[no_mangle]`) in `path`, a binary, an object file
/// or an rlib, from its label up to the end of the function (`int3` padding
/// left out); or an error that says what went wrong (objdump missing,
/// symbol absent).
pub fn function(path: &Path, symbol: &str) -> Result<Vec<Insn>, String> {
    let text = objdump(path, &[format!("--disassemble={symbol}")])?;
    let header = format!("<{symbol}>:");
    let mut lines = text.lines().skip_while(|l| !l.ends_with(&header));
    if lines.next().is_none() {
        return Err(format!("symbol {symbol} not found in {}", path.display()));
    }
    let insns: Vec<Insn> = lines
        .take_while(|l| !l.trim().is_empty())
        .filter_map(Insn::parse)
        .collect();
    if insns.is_empty() {
        return Err(format!(
            "symbol {symbol} in {} has no instructions",
            path.display()
        ));
    }
    Ok(insns)
}

/// Every instruction of the code sections of `path`, in the order objdump
/// prints them (`int3` padding left out). In a linked binary each address
/// appears once; in an object file or rlib each section starts at 0.
pub fn file(path: &Path) -> Result<Vec<Insn>, String> {
    Ok(objdump(path, &[])?
        .lines()
        .filter_map(Insn::parse)
        .collect())
}

/// Every defined symbol of `path` with a size, demangled (`nm -S
/// --defined-only -C`): name → (address, size). A name defined twice keeps
/// its first.
pub fn symbols(path: &Path) -> Result<BTreeMap<String, (u64, u64)>, String> {
    let out = Command::new("nm")
        .args(["-S", "--defined-only", "-C"])
        .arg(path)
        .output()
        .map_err(|e| format!("cannot run nm (install binutils): {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "nm failed on {}: {}",
            path.display(),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let mut map = BTreeMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        // "0000000000001234 0000000000000020 T name with spaces"
        let f: Vec<&str> = line.splitn(4, ' ').collect();
        if f.len() == 4 {
            let (Ok(a), Ok(s)) = (u64::from_str_radix(f[0], 16), u64::from_str_radix(f[1], 16))
            else {
                continue;
            };
            map.entry(f[3].to_string()).or_insert((a, s));
        }
    }
    Ok(map)
}

/// The workspace root (the root package's directory).
pub fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The workspace's target directory: `CARGO_TARGET_DIR`, or `target` in
/// the workspace.
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace().join("target"))
}

/// A `cargo` build run by a test: `cargo SUBCOMMAND --release
/// --manifest-path MANIFEST`, then the arguments given. The test's own
/// RUSTFLAGS in any form (`RUSTFLAGS`, `CARGO_ENCODED_RUSTFLAGS`,
/// `CARGO_BUILD_RUSTFLAGS`) do not reach it: the build is a normal one
/// unless [`Cargo::rustflags`] sets flags of its own.
pub struct Cargo {
    cmd: Command,
    /// The command line as reported on failure.
    shown: Vec<String>,
}

impl Cargo {
    /// `cargo SUBCOMMAND --release --manifest-path MANIFEST`.
    pub fn release(subcommand: &str, manifest: &Path) -> Cargo {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut cmd = Command::new(cargo);
        cmd.env_remove("RUSTFLAGS")
            .env_remove("CARGO_ENCODED_RUSTFLAGS")
            .env_remove("CARGO_BUILD_RUSTFLAGS");
        let c = Cargo {
            cmd,
            shown: vec!["cargo".into()],
        };
        c.args([subcommand, "--release", "--manifest-path"])
            .args([manifest])
    }

    /// More arguments.
    pub fn args<I, S>(mut self, args: I) -> Cargo
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        for a in args {
            self.shown.push(a.as_ref().to_string_lossy().into_owned());
            self.cmd.arg(a);
        }
        self
    }

    /// Build in `dir` (`--target-dir`, whatever `CARGO_TARGET_DIR` says).
    pub fn target_dir(mut self, dir: &Path) -> Cargo {
        self.cmd.env_remove("CARGO_TARGET_DIR");
        self.args([Path::new("--target-dir"), dir])
    }

    /// `RUSTFLAGS` for this build.
    pub fn rustflags(mut self, flags: &str) -> Cargo {
        self.cmd.env("RUSTFLAGS", flags);
        self.shown.insert(0, format!("RUSTFLAGS={flags:?}"));
        self
    }

    /// Run it; on failure the error holds the command line, the exit
    /// status and cargo's error output.
    pub fn run(mut self) -> Result<(), String> {
        let shown = self.shown.join(" ");
        let out = self
            .cmd
            .output()
            .map_err(|e| format!("cannot run `{shown}`: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "`{shown}` failed ({}):\n{}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        Ok(())
    }
}

/// Build an example of this package in release mode (a normal build, in
/// the workspace's target directory) and return the path of its binary.
pub fn build_release_example(name: &str) -> Result<PathBuf, String> {
    let target = target_dir();
    Cargo::release("build", &workspace().join("Cargo.toml"))
        .args(["--example", name, "--message-format=short"])
        .target_dir(&target)
        .run()?;
    Ok(target.join("release").join("examples").join(name))
}
