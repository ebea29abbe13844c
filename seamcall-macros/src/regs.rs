//! The registers a declaration can name, and what the expansion needs to
//! know about each.

use std::fmt;

/// A register name accepted (or rejected with a reason) in a register list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Reg {
    Rax,
    Rcx,
    Rdx,
    Rbx,
    Rsi,
    Rdi,
    Rbp,
    Rsp,
    R8,
    R9,
    R10,
    R11,
    R12,
    R13,
    R14,
    R15,
    Xmm(u8),
}

/// Every general-purpose register that can be an operand, in the order the
/// generated docs and tables list them.
pub const OPERAND_GPRS: [Reg; 13] = [
    Reg::Rcx,
    Reg::Rdx,
    Reg::Rbx,
    Reg::Rsi,
    Reg::Rdi,
    Reg::R8,
    Reg::R9,
    Reg::R10,
    Reg::R11,
    Reg::R12,
    Reg::R13,
    Reg::R14,
    Reg::R15,
];

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

impl Reg {
    pub fn parse(name: &str) -> Option<Reg> {
        Some(match name {
            "rax" => Reg::Rax,
            "rcx" => Reg::Rcx,
            "rdx" => Reg::Rdx,
            "rbx" => Reg::Rbx,
            "rsi" => Reg::Rsi,
            "rdi" => Reg::Rdi,
            "rbp" => Reg::Rbp,
            "rsp" => Reg::Rsp,
            "r8" => Reg::R8,
            "r9" => Reg::R9,
            "r10" => Reg::R10,
            "r11" => Reg::R11,
            "r12" => Reg::R12,
            "r13" => Reg::R13,
            "r14" => Reg::R14,
            "r15" => Reg::R15,
            _ => {
                let n: u8 = name.strip_prefix("xmm")?.parse().ok()?;
                if n < 16 && name == format!("xmm{n}") {
                    Reg::Xmm(n)
                } else {
                    return None;
                }
            }
        })
    }

    pub fn is_gpr(self) -> bool {
        !matches!(self, Reg::Xmm(_))
    }

    /// The 64-bit name, as `asm!` operands and the docs spell it.
    pub fn name(self) -> String {
        let gpr = match self {
            Reg::Xmm(n) => return format!("xmm{n}"),
            Reg::Rax => "rax",
            Reg::Rcx => "rcx",
            Reg::Rdx => "rdx",
            Reg::Rbx => "rbx",
            Reg::Rsi => "rsi",
            Reg::Rdi => "rdi",
            Reg::Rbp => "rbp",
            Reg::Rsp => "rsp",
            Reg::R8 => "r8",
            Reg::R9 => "r9",
            Reg::R10 => "r10",
            Reg::R11 => "r11",
            Reg::R12 => "r12",
            Reg::R13 => "r13",
            Reg::R14 => "r14",
            Reg::R15 => "r15",
        };
        gpr.to_string()
    }

    /// The 32-bit name, for the zeroing `xor` in the fixup pads (writing the
    /// 32-bit register clears the upper half and is one byte shorter).
    pub fn dword_name(self) -> String {
        match self {
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
}

impl Reg {
    /// The identifier of the `seamcall_core::leaves::Reg` variant (`Rcx`, `R8`, `Xmm3`).
    pub fn variant(self) -> String {
        let n = self.name();
        let mut c = n.chars();
        match c.next() {
            Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
            None => n,
        }
    }
}

impl fmt::Display for Reg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

/// The list shown in "unknown register" errors.
pub const ACCEPTED: &str =
    "rcx, rdx, rbx, rsi, rdi, r8, r9, r10, r11, r12, r13, r14, r15 (and rbp, xmm0-xmm15 in `clobber`)";
