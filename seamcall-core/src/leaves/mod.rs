//! Every host-side SEAMCALL leaf, declared with [`seamcall`](crate::seamcall),
//! and the ABI table the declarations are checked against.
//!
//! * The functions (`tdh_mng_rd`, `tdh_vp_enter`, …) follow Linux's names and
//!   argument order. Each one's documentation ends with its ABI: the
//!   registers it binds and what the module leaves in each register it may
//!   write. Mainline-Linux leaves come first, then the leaves only the TDX
//!   module defines, then the versions and leaves newer 1.5.x modules
//!   accept; leaves that are only proposed for Linux need the cargo feature
//!   `proposed`, the P-SEAMLDR leaves the feature `seamldr`, and the TDX
//!   Connect (TDX-IO) leaves only module 2.0 has the feature `tdx-io`. The
//!   whole catalog is behind the default feature `leaves`.
//! * [`ALL`] lists a [`LeafInfo`] per declared leaf, generated from the same
//!   declarations.
//! * [`ABI`] is the ABI table: per leaf and version, the registers the leaf
//!   reads and, per audited module release (1.5.01, 1.5.25, 1.5.34,
//!   2.0.18), the registers it may write. `#[seamcall]` checks every
//!   declaration of a leaf the table knows against it, in the macro for a
//!   literal leaf and with a generated `const` assertion for a leaf given as
//!   a path, and accepts it only if it is safe on every audited release
//!   that accepts the leaf at that version.
//!
//! Conventions of the catalog:
//!
//! * A leaf whose outputs are results returns `Result<T, SeamcallError>`.
//!   A leaf whose outputs explain a failure (the S-EPT entry and its level
//!   after a failed S-EPT operation, the CPUID leaf that failed a check)
//!   returns the raw form `(TdxStatus, T)`, so they are reachable whatever
//!   the status.
//! * Every register any audited release may write is an output or a
//!   clobber; the macro refuses the declaration otherwise. A leaf no
//!   audited release covers (TDH.SYS.DISABLE, which no readable module
//!   implements; the proposed TDH.EXT.* and TDH.QUOTE.INIT; P-SEAMLDR) is
//!   declared `unchecked` and clobbers RCX, RDX, RSI, RDI, R8–R11 and
//!   XMM0–XMM15: every register Linux's out-of-line C call treats as
//!   clobbered (the SysV caller-saved registers but RAX, which holds the
//!   status).
//! * Where Linux's TDX Connect patches number a leaf differently from
//!   module 2.0.18 (129, 135), the catalog follows the module.
//! * XMM0–XMM15 are clobbers of TDH.VP.ENTER, the migration leaves and the
//!   unaudited leaves. Built without SSE (a kernel), the block names no XMM
//!   register and sits in an `#[inline(never)]` function of its own, so a
//!   caller that enables SSE with `#[target_feature]` keeps nothing in XMM
//!   registers across it. What no clobber can describe is state the
//!   compiler does not own: in a kernel the XMM registers may still hold the
//!   interrupted user task's FPU state, which the module's zeroing destroys.
//!   Save it around these calls, as Linux does with
//!   `kernel_fpu_begin()`/`kernel_fpu_end()` (or KVM with the guest FPU
//!   swap around TDH.VP.ENTER).
//! * Leaves Linux calls through `sc_retry` are re-issued while the status is
//!   `TDX_RND_NO_ENTROPY`, at most 10 attempts in all (`retry = 10`);
//!   TDH.VP.ENTER and TDH.PHYMEM.PAGE.RDMD are not, as in Linux, nor are the
//!   leaves Linux does not call.
//!
//! # The cross-check, and the keys it adds to `#[seamcall]`
//!
//! For a leaf and version the table knows, a declaration must bind in `in`
//! only registers the leaf reads, in `out` only registers it may write, and
//! must name every register it may write (XMM0–XMM15 included where the
//! module may zero them) in `out` or `clobber`. The error names the leaf and
//! the register: "TDH.VP.WR (leaf 43) writes R8 (previous value); add r8 to
//! `out` or `clobber`". A register may be in both `in` and `clobber`: an
//! input the leaf overwrites, whose new value is discarded.
//!
//! * `unchecked` relaxes the check: it allows an `in` register the leaf
//!   does not read and an `out` register it never writes, and it is required
//!   where the macro cannot check the writes: a leaf number the table does
//!   not know, a leaf it knows without an audit of its writes (no audited
//!   release covers it), or one it knows only at other versions. Such a declaration
//!   lists in `clobber` every register the leaf may write (Linux's
//!   out-of-line call treats RCX, RDX, RSI, RDI, R8–R11 and all XMM
//!   registers as clobbered). It never excuses a register the audit says
//!   the module writes: that stays an error, `unchecked` or not. It is
//!   refused where the declaration matches the table anyway.
//! * Versions: module 1.5.01 accepts a version above 0 only for TDH.MNG.RD,
//!   TDH.VP.RD, TDH.MEM.SEPT.ADD, TDH.MEM.SEPT.REMOVE and
//!   TDH.MEM.PAGE.PROMOTE; newer releases add TDH.VP.INIT, TDH.SYS.INIT,
//!   TDH.SYS.UPDATE and TDH.SYS.CONFIG version 1 (and version 1 of four
//!   migration leaves, whose handlers were not audited). Where version 2
//!   and above run the version-1 handler, which may write its registers
//!   before returning `TDX_OPERAND_INVALID`, such a declaration is checked
//!   against version 1 ([`AbiEntry::covers_higher_versions`]). Any other
//!   leaf at a version the table lacks is rejected by every audited release
//!   writing RAX alone: a declaration of it targets a later module whose
//!   writes were not audited, so it needs `unchecked` (checking it against
//!   "RAX only" would accept a declaration that clobbers nothing).
//! * A leaf given as a path (`leaf = MY_LEAF`) is checked by a generated
//!   `const` assertion against [`ABI`], with the same rules.
//! * `retry = N`: re-issue while the status is exactly `TDX_RND_NO_ENTROPY`,
//!   N attempts in all; `retry_busy` also re-issues on `TDX_OPERAND_BUSY`
//!   (any operand). The first attempt is the plain block; the loop is a
//!   second copy of it entered only on those statuses, so the success path
//!   is what it is without `retry`.
//! * `scrub`: once the outputs were read, zero the architectural registers
//!   the leaf wrote: every output and clobbered general register (RBX and
//!   RBP are restored by the block itself), as Linux does after
//!   TDH.VP.ENTER. A second small `asm!` block does it; it declares those
//!   registers as its own outputs, so the compiler moves every result out of
//!   them (into the return value, or the stack) before it runs. That is all
//!   it zeroes: copies of guest values the compiler made before it (into a
//!   callee-saved register, `mov rbx, rsi`; onto the stack; into XMM
//!   registers with SSE enabled; the return value) are not zeroed, and
//!   values the caller goes on to use are, of course, still somewhere.

use core::fmt;

pub mod abi;
#[cfg(feature = "leaves")]
mod catalog;
mod options;

pub use abi::{AbiEntry, ABI};
#[cfg(feature = "leaves")]
pub use catalog::*;
pub use options::{Reserved, SysConfigOptions};
pub use seamcall_abi::{LeafWord, Reg, RegSet};
pub use x86_64::PhysAddr;

pub use crate::fields::{GlobalField, TdField, VcpuField};
pub use crate::types::{
    ElementSize, FieldContext, FieldId, GpaLevel, Hkid, PageSize, SeptEntry, SeptLevel,
    SeptLevelState,
};

/// Whether this build declares the leaves only proposed for Linux (cargo
/// feature `proposed`).
pub const HAS_PROPOSED: bool = cfg!(feature = "proposed");

/// Whether this build declares the P-SEAMLDR leaves (cargo feature
/// `seamldr`).
pub const HAS_SEAMLDR: bool = cfg!(feature = "seamldr");

/// Whether this build declares the TDX Connect (TDX-IO) leaves only module
/// 2.0 has (cargo feature `tdx-io`).
pub const HAS_TDX_IO: bool = cfg!(feature = "tdx-io");

/// One leaf of the catalog, as declared: generated from the `#[seamcall]`
/// declaration itself, for tools, logs and tests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LeafInfo {
    /// The leaf's name, `"TDH.MNG.RD"`.
    pub name: &'static str,
    /// The leaf number (bits 15:0 of RAX).
    pub leaf: u16,
    /// The leaf version (bits 23:16 of RAX).
    pub version: u8,
    /// A P-SEAMLDR leaf: RAX bit 63 is set.
    pub seamldr: bool,
    /// The registers the declaration passes, in parameter order.
    pub inputs: &'static [Reg],
    /// The registers it reads back, in the order of the success value.
    pub outputs: &'static [Reg],
    /// The registers the module may change that are not read back.
    pub clobbers: &'static [Reg],
    /// Attempts in all while the status is `TDX_RND_NO_ENTROPY`, when the
    /// declaration re-issues the leaf (`retry = N`).
    pub retry: Option<u32>,
}

impl LeafInfo {
    /// The RAX value the leaf is issued with.
    pub const fn leaf_word(&self) -> u64 {
        self.word().raw()
    }

    /// The leaf word, typed.
    pub const fn word(&self) -> LeafWord {
        LeafWord::from_parts(self.leaf, self.version, self.seamldr)
    }

    /// Registers passed in.
    pub const fn input_set(&self) -> RegSet {
        RegSet::of(self.inputs)
    }

    /// Registers the declaration lets the module change: outputs and
    /// clobbers.
    pub const fn written_set(&self) -> RegSet {
        RegSet::of(self.outputs).union(RegSet::of(self.clobbers))
    }

    /// The ABI table's row for this leaf and version.
    pub const fn abi(&self) -> Option<&'static AbiEntry> {
        seamcall_abi::find(&seamcall_abi::SEAMCALL, self.word())
    }
}

impl fmt::Display for LeafInfo {
    /// `TDH.MNG.RD (leaf 11)`, with the version when it is not 0.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let title = seamcall_abi::Title {
            name: self.name,
            word: self.word(),
        };
        fmt::Display::fmt(&title, f)
    }
}

/// RAX for a leaf: number in bits 15:0, version in bits 23:16, bit 63 for
/// P-SEAMLDR ([`LeafWord::from_parts`], as a `u64`).
pub const fn leaf_word(leaf: u16, version: u8, seamldr: bool) -> u64 {
    LeafWord::from_parts(leaf, version, seamldr).raw()
}

/// The name of the leaf a RAX value selects, from the ABI table (available
/// without the catalog): `Some("TDH.MNG.RD")` for 11. Bits 62:24 must be 0.
pub const fn name_of(leaf_word: u64) -> Option<&'static str> {
    match LeafWord::from_raw(leaf_word) {
        Some(word) => match seamcall_abi::find(&seamcall_abi::SEAMCALL, word) {
            Some(e) => Some(e.name),
            None => None,
        },
        None => None,
    }
}

/// The catalog entry a RAX value selects.
#[cfg(feature = "leaves")]
pub fn find(leaf_word: u64) -> Option<&'static LeafInfo> {
    ALL.iter().find(|l| l.leaf_word() == leaf_word)
}

/// The catalog entry named `name` (`"TDH.MNG.RD"`).
#[cfg(feature = "leaves")]
pub fn by_name(name: &str) -> Option<&'static LeafInfo> {
    ALL.iter().find(|l| l.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_from_the_table() {
        assert_eq!(name_of(11), Some("TDH.MNG.RD"));
        assert_eq!(name_of(LeafWord::new(11, 1).raw()), Some("TDH.MNG.RD"));
        assert_eq!(
            name_of(LeafWord::new_seamldr(0, 0).raw()),
            Some("P-SEAMLDR.INFO")
        );
        assert_eq!(name_of(42), None);
        assert_eq!(name_of(11 | 1 << 40), None);
    }
}
