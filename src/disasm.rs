//! Reading a function's machine code back with `objdump`, for the codegen
//! tests: they build a release binary, disassemble one symbol, and count
//! instructions and memory accesses.

use std::path::Path;
use std::process::Command;

/// One instruction as objdump prints it in Intel syntax.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Insn {
    pub mnemonic: String,
    pub operands: String,
}

impl Insn {
    /// Whether the instruction reads or writes memory through an explicit
    /// operand or the stack (`push`/`pop`/`call`/`ret` count as stack
    /// accesses; `lea` and multi-byte `nop` only compute an address).
    pub fn touches_memory(&self) -> bool {
        let m = self.mnemonic.as_str();
        if m == "lea" || m.starts_with("nop") {
            return false;
        }
        self.operands.contains('[') || self.is_stack_op()
    }

    /// `push`/`pop`.
    pub fn is_stack_op(&self) -> bool {
        matches!(self.mnemonic.as_str(), "push" | "pop")
    }
}

impl std::fmt::Display for Insn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.mnemonic, self.operands)
    }
}

/// The instructions of `symbol` in `binary`, or an error that says what went
/// wrong (objdump missing, symbol absent).
pub fn function(binary: &Path, symbol: &str) -> Result<Vec<Insn>, String> {
    let out = Command::new("objdump")
        .args(["-d", "--no-show-raw-insn", "-M", "intel"])
        .arg(format!("--disassemble={symbol}"))
        .arg(binary)
        .output()
        .map_err(|e| format!("cannot run objdump (install binutils): {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "objdump failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut insns = Vec::new();
    let mut inside = false;
    for line in text.lines() {
        if line.ends_with(&format!("<{symbol}>:")) {
            inside = true;
            continue;
        }
        if !inside {
            continue;
        }
        if line.trim().is_empty() {
            break;
        }
        // "   1234:\tmov    eax,0xb"
        let Some((_, rest)) = line.split_once(":\t") else {
            continue;
        };
        let rest = rest.split('#').next().unwrap_or("").trim();
        let rest = rest.split('<').next().unwrap_or("").trim();
        if rest.is_empty() || rest == "int3" {
            continue;
        }
        let (mnemonic, operands) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
        insns.push(Insn {
            mnemonic: mnemonic.to_string(),
            operands: operands.trim().to_string(),
        });
    }
    if insns.is_empty() {
        return Err(format!("symbol {symbol} not found in {}", binary.display()));
    }
    Ok(insns)
}

/// Build an example of this package in release mode and return the path of
/// its binary.
pub fn build_release_example(name: &str) -> Result<std::path::PathBuf, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml");
    let out = Command::new(cargo)
        .args([
            "build",
            "--release",
            "--example",
            name,
            "--manifest-path",
            manifest,
        ])
        .args(["--message-format=short"])
        .env_remove("RUSTFLAGS")
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "cargo build --release --example {name} failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    Ok(target.join("release").join("examples").join(name))
}
