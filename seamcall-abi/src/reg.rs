//! The register model: [`Reg`] and [`RegSet`].

use core::fmt;

/// A register a leaf reads or writes. The discriminant is the x86 encoding
/// for general registers (RAX 0 … R15 15) and 16 + n for XMMn.
#[allow(missing_docs)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub enum Reg {
    Rax = 0,
    Rcx,
    Rdx,
    Rbx,
    Rsp,
    Rbp,
    Rsi,
    Rdi,
    R8,
    R9,
    R10,
    R11,
    R12,
    R13,
    R14,
    R15,
    Xmm0,
    Xmm1,
    Xmm2,
    Xmm3,
    Xmm4,
    Xmm5,
    Xmm6,
    Xmm7,
    Xmm8,
    Xmm9,
    Xmm10,
    Xmm11,
    Xmm12,
    Xmm13,
    Xmm14,
    Xmm15,
}

const REG_NAMES: [&str; 32] = [
    "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13",
    "r14", "r15", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9",
    "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15",
];

impl Reg {
    /// Every register, in encoding order.
    pub const ALL: [Reg; 32] = {
        use Reg::*;
        [
            Rax, Rcx, Rdx, Rbx, Rsp, Rbp, Rsi, Rdi, R8, R9, R10, R11, R12, R13, R14, R15, Xmm0,
            Xmm1, Xmm2, Xmm3, Xmm4, Xmm5, Xmm6, Xmm7, Xmm8, Xmm9, Xmm10, Xmm11, Xmm12, Xmm13,
            Xmm14, Xmm15,
        ]
    };

    /// The general registers a leaf can take or return an operand in, in
    /// encoding order: every GPR but RAX (the leaf word and the status), RSP
    /// and RBP.
    pub const OPERANDS: [Reg; 13] = {
        use Reg::*;
        [
            Rcx, Rdx, Rbx, Rsi, Rdi, R8, R9, R10, R11, R12, R13, R14, R15,
        ]
    };

    /// The register with encoding `i` (0–31).
    pub const fn from_index(i: u8) -> Option<Reg> {
        if i < 32 {
            Some(Reg::ALL[i as usize])
        } else {
            None
        }
    }

    /// The encoding (see the type's documentation).
    pub const fn index(self) -> u8 {
        self as u8
    }

    /// XMMn for n in 0–15.
    pub const fn xmm(n: u8) -> Option<Reg> {
        if n < 16 {
            Reg::from_index(16 + n)
        } else {
            None
        }
    }

    /// The lowercase name, `"rcx"`, `"xmm3"`: how `asm!` operands spell it.
    pub const fn name(self) -> &'static str {
        REG_NAMES[self as usize]
    }

    /// The register named `name` (lowercase, as [`Reg::name`] spells it).
    pub fn from_name(name: &str) -> Option<Reg> {
        REG_NAMES
            .iter()
            .position(|n| *n == name)
            .and_then(|i| Reg::from_index(i as u8))
    }

    /// Whether this is a general-purpose register.
    pub const fn is_gpr(self) -> bool {
        (self as u8) < 16
    }
}

impl fmt::Display for Reg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A set of [`Reg`]s, one bit per register encoding.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct RegSet(u32);

impl RegSet {
    /// No register.
    pub const EMPTY: RegSet = RegSet(0);

    /// XMM0–XMM15.
    pub const XMM: RegSet = RegSet(0xFFFF_0000);

    /// The set with these bits (bit n = the register with encoding n).
    pub const fn from_bits(bits: u32) -> RegSet {
        RegSet(bits)
    }

    /// The set of the registers in `regs`.
    pub const fn of(regs: &[Reg]) -> RegSet {
        let mut bits = 0;
        let mut i = 0;
        while i < regs.len() {
            bits |= 1 << regs[i] as u32;
            i += 1;
        }
        RegSet(bits)
    }

    /// The bits.
    pub const fn bits(self) -> u32 {
        self.0
    }

    /// Whether `r` is in the set.
    pub const fn contains(self, r: Reg) -> bool {
        self.0 & (1 << r as u32) != 0
    }

    /// Whether every register of `other` is in the set.
    pub const fn is_superset(self, other: RegSet) -> bool {
        other.0 & !self.0 == 0
    }

    /// The registers in either set.
    pub const fn union(self, other: RegSet) -> RegSet {
        RegSet(self.0 | other.0)
    }

    /// The registers in both sets.
    pub const fn intersection(self, other: RegSet) -> RegSet {
        RegSet(self.0 & other.0)
    }

    /// The registers in `self` but not in `other`.
    pub const fn difference(self, other: RegSet) -> RegSet {
        RegSet(self.0 & !other.0)
    }

    /// Whether the set is empty.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The registers, in encoding order.
    pub fn iter(self) -> impl Iterator<Item = Reg> {
        Reg::ALL.into_iter().filter(move |r| self.contains(*r))
    }
}

impl fmt::Debug for RegSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

impl fmt::Display for RegSet {
    /// `rcx, rdx, r8`; `-` for the empty set.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.write_str("-");
        }
        for (i, r) in self.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            fmt::Display::fmt(&r, f)?;
        }
        Ok(())
    }
}
