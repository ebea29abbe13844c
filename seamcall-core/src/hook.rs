//! Feature `error-hook`: see every failed SEAMCALL, on real hardware too.
//!
//! Register one function with [`set`]; every declared leaf (the catalog's
//! and your own) calls it when the status it returns is not 0, with the
//! leaf, the status and the output registers as they came back: what
//! Linux's `seamcall_prerr` prints. Forward it to your logger (`log`,
//! `printk`, a ring buffer): the hook is a plain `fn` pointer in an atomic,
//! so it needs no allocator, no `std` and no logging crate.
//!
//! ```
//! use seamcall_core::hook::{self, Failure};
//!
//! fn report(f: &Failure<'_>) {
//!     // e.g. log::warn!("{f}") in a kernel with a logger
//!     let _ = f.to_string();
//! }
//! hook::set(report);
//! # hook::clear();
//! ```
//!
//! Without the feature the expansion's call compiles to nothing: the
//! machine code is what it was (`tests/codegen.rs` and
//! `tests/codegen_catalog.rs` compare it instruction for instruction with
//! hand-written `asm!`). With it, the call sits on the error path only, in a
//! `#[cold]`, never-inlined function, and a successful call runs no call
//! (`tests/codegen_catalog.rs` checks every catalog leaf); it is not free
//! there, though: where the compiler otherwise builds the `Result`
//! branch-free, a status test and a branch not taken are added, and in
//! about two thirds of the catalog's out-of-line leaves a callee-saved
//! register is pushed to carry a value across the call. Turn it on for
//! diagnosis, not on a hot path whose every instruction counts.
//!
//! With `retry = N` the hook sees the final status only; a leaf's raw form
//! `(TdxStatus, T)` reports a non-zero status too (the caller may expect
//! it, as `TDX_OPERAND_BUSY` for a retry of its own: filter in the hook).

use core::fmt;
use core::sync::atomic::{AtomicPtr, Ordering};

use seamcall_abi::{LeafWord, Reg, Title, SEAMCALL};

use crate::status::TdxStatus;

/// One failed SEAMCALL, as the hook sees it.
#[derive(Debug, Clone, Copy)]
pub struct Failure<'a> {
    /// The Rust function that issued it (`tdh_mng_rd`).
    pub function: &'static str,
    /// RAX on entry: leaf number, version, P-SEAMLDR bit.
    pub leaf_word: u64,
    /// RAX on return (for #UD, #GP and VMfailInvalid, Linux's software
    /// codes).
    pub status: TdxStatus,
    /// The declaration's `out` registers as the instruction left them, in
    /// `out` order (0 on #UD, #GP and VMfailInvalid).
    pub outputs: &'a [(Reg, u64)],
}

impl Failure<'_> {
    /// The ABI table's name for the leaf (`TDH.MNG.RD`), when it knows it.
    pub fn leaf_name(&self) -> Option<&'static str> {
        let word = LeafWord::from_raw(self.leaf_word)?;
        seamcall_abi::find(&SEAMCALL, word).map(|e| e.name)
    }
}

impl fmt::Display for Failure<'_> {
    /// `tdh_mng_rd: TDH.MNG.RD (leaf 11) failed: TDX_OPERAND_INVALID
    /// (operand RCX); r8=0x0`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.function)?;
        match (self.leaf_name(), LeafWord::from_raw(self.leaf_word)) {
            (Some(name), Some(word)) => write!(f, "{}", Title { name, word })?,
            _ => write!(f, "leaf word {:#x}", self.leaf_word)?,
        }
        write!(f, " failed: {}", self.status)?;
        for (i, (r, v)) in self.outputs.iter().enumerate() {
            let sep = if i == 0 { "; " } else { ", " };
            write!(f, "{sep}{r}={v:#x}")?;
        }
        Ok(())
    }
}

/// The registered hook, a `fn(&Failure)` as a data pointer (null: none).
static HOOK: AtomicPtr<()> = AtomicPtr::new(core::ptr::null_mut());

/// Register `hook`, replacing the one before. It runs on the thread (CPU)
/// that issued the call, right after the instruction: keep it short and
/// make it safe to run wherever a leaf is called (interrupts off, say).
pub fn set(hook: fn(&Failure<'_>)) {
    HOOK.store(hook as *mut (), Ordering::Release);
}

/// Remove the hook.
pub fn clear() {
    HOOK.store(core::ptr::null_mut(), Ordering::Release);
}

/// Called by the expansion when a status is not 0.
#[cold]
#[inline(never)]
pub(crate) fn report(
    function: &'static str,
    leaf_word: u64,
    status: u64,
    outputs: &[(Reg, u64)],
) -> u64 {
    let p = HOOK.load(Ordering::Acquire);
    if p.is_null() {
        return status;
    }
    // SAFETY: the only non-null values stored in HOOK are `fn(&Failure)`
    // pointers (`set`), cast to a data pointer of the same size.
    let hook: fn(&Failure<'_>) = unsafe { core::mem::transmute::<*mut (), fn(&Failure<'_>)>(p) };
    hook(&Failure {
        function,
        leaf_word,
        status: TdxStatus::from_raw(status),
        outputs,
    });
    status
}

#[cfg(all(test, feature = "emulate"))]
mod tests {
    use super::*;
    use crate::emulate::{self, Outcome, Regs};
    use crate::leaves::tdh_mng_rd;
    use std::string::{String, ToString};
    use std::sync::Mutex;
    use std::vec::Vec;
    use x86_64::PhysAddr;

    static SEEN: Mutex<Vec<String>> = Mutex::new(Vec::new());

    fn record(f: &Failure<'_>) {
        SEEN.lock().unwrap().push(f.to_string());
    }

    #[test]
    fn the_hook_sees_failures_and_only_failures() {
        set(record);
        let mut module = |regs: &mut Regs| {
            regs.r8 = 0x1234;
            // TDX_OPERAND_INVALID on RCX for one field, success for another.
            regs.rax = if regs.rdx == 7 {
                0xC000_0100_0000_0000
            } else {
                0
            };
            Outcome::Return
        };
        let (bad, good) = emulate::with_module(&mut module, || unsafe {
            (
                tdh_mng_rd(
                    PhysAddr::new(0x1000),
                    crate::fields::TdField::from_raw(crate::FieldId::from_raw(7)),
                ),
                tdh_mng_rd(
                    PhysAddr::new(0x1000),
                    crate::fields::TdField::from_raw(crate::FieldId::from_raw(8)),
                ),
            )
        });
        clear();
        assert!(bad.is_err());
        assert_eq!(good, Ok(0x1234));
        // Other tests of this crate run at the same time: keep this one's.
        let seen: Vec<String> = SEEN
            .lock()
            .unwrap()
            .iter()
            .filter(|s| s.contains("r8=0x1234"))
            .cloned()
            .collect();
        assert_eq!(seen.len(), 1, "{seen:?}");
        assert!(
            seen[0].starts_with("tdh_mng_rd: TDH.MNG.RD (leaf 11) failed: ")
                && seen[0].ends_with("; r8=0x1234"),
            "{}",
            seen[0]
        );
    }
}
