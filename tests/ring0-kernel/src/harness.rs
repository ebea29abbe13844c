//! The register-preservation harness.
//!
//! Each check runs a *probe*: an `extern "C"` function, never inlined, that
//! makes one `#[seamcall]` call. Two things are verified around it:
//!
//! * [`call_with_canaries`] calls the probe from an `asm!` block that first
//!   loads known values into RBX, RBP and R12–R15 and records RSP, and after
//!   the return stores what those registers hold. The C ABI requires the
//!   probe to give all of them back unchanged, whatever the `SEAMCALL`, the
//!   #UD, the handler and the fixup pad did in between; the generated code
//!   meets that only if its clobbers are right and the pad restores RBX.
//! * Inside the probe, [`Live`] keeps 14 values alive across the call, each
//!   produced and later consumed by an opaque `asm!` statement, so the
//!   compiler must hold them in registers the call does not clobber (or in
//!   its stack frame) and cannot recompute them. A register the expansion
//!   (or the fault path) changes without declaring it shows up as a wrong
//!   value.

use core::arch::asm;
use core::cell::UnsafeCell;

use seamcall_core::{ErrorKind, SeamcallError, Trap};

/// What a probe reports: returned in RAX:RDX by the C ABI.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct ProbeOut {
    /// The raw status: 0 for `Ok`, else the error's raw value.
    pub status: u64,
    /// [`ProbeOut::FAULT_UD`], [`ProbeOut::LIVE_CORRUPT`] and
    /// [`ProbeOut::OUTPUT_NOT_ZERO`].
    pub flags: u64,
}

impl ProbeOut {
    /// The result was `Err(e)` with `e.kind() == Fault(InvalidOpcode)`.
    pub const FAULT_UD: u64 = 1;
    /// A value live across the call changed.
    pub const LIVE_CORRUPT: u64 = 2;
    /// The raw form returned a non-zero output although the leaf faulted
    /// (outputs read as 0 when the module did not run).
    pub const OUTPUT_NOT_ZERO: u64 = 4;

    /// Summarize a guest call's result: its raw status (or, for a
    /// TDG.VP.VMCALL fault, the fault's status) and whether it is
    /// `Fault(InvalidOpcode)`.
    #[inline(always)]
    pub fn guest(status: u64, ud: bool, live_intact: bool) -> Self {
        let mut flags = 0;
        if ud {
            flags |= Self::FAULT_UD;
        }
        if !live_intact {
            flags |= Self::LIVE_CORRUPT;
        }
        ProbeOut { status, flags }
    }

    /// Summarize a leaf's result (outputs dropped) and the live-value check.
    #[inline(always)]
    pub fn new(result: Result<(), SeamcallError>, live_intact: bool) -> Self {
        let (status, ud) = match result {
            Ok(()) => (0, false),
            Err(e) => (e.raw(), e.kind() == ErrorKind::Fault(Trap::InvalidOpcode)),
        };
        let mut flags = 0;
        if ud {
            flags |= Self::FAULT_UD;
        }
        if !live_intact {
            flags |= Self::LIVE_CORRUPT;
        }
        ProbeOut { status, flags }
    }
}

/// A probe: one `#[seamcall]` call, never inlined.
pub type Probe = extern "C" fn() -> ProbeOut;

/// The values [`call_with_canaries`] puts in RBX, RBP, R12, R13, R14, R15.
pub const CANARIES: [u64; 6] = [
    0x0bb0_1111_2222_3bb3,
    0x0bb0_4444_5555_6bb6,
    0x0cc0_1212_1212_1cc1,
    0x0cc0_1313_1313_1cc1,
    0x0cc0_1414_1414_1cc1,
    0x0cc0_1515_1515_1cc1,
];

/// The names of the registers in [`CANARIES`] order.
pub const CANARY_NAMES: [&str; 6] = ["rbx", "rbp", "r12", "r13", "r14", "r15"];

/// What [`call_with_canaries`] saw.
#[derive(Clone, Copy, Debug)]
pub struct Observed {
    /// What the probe returned.
    pub out: ProbeOut,
    /// RBX, RBP, R12–R15 after the probe returned.
    pub regs: [u64; 6],
    /// RSP just before the `call`.
    pub rsp_before: u64,
    /// RSP just after it returned.
    pub rsp_after: u64,
}

impl Observed {
    /// A bit per register of [`CANARIES`] that did not come back.
    pub fn clobbered(&self) -> u32 {
        let mut mask = 0;
        for (i, (got, want)) in self.regs.iter().zip(CANARIES).enumerate() {
            if *got != want {
                mask |= 1 << i;
            }
        }
        mask
    }
}

/// Words the canary `asm!` block saves and observes, addressed RIP-relative.
/// 0: RSP after saving RBX/RBP; 1: RSP at the call; 2–7: RBX, RBP, R12–R15
/// after the call; 8: RSP after the call.
struct Scratch(UnsafeCell<[u64; 9]>);

// SAFETY: one CPU, interrupts off; only `call_with_canaries` touches it, and
// it is not reentrant (probes do not call it).
unsafe impl Sync for Scratch {}

static SCRATCH: Scratch = Scratch(UnsafeCell::new([0; 9]));

/// Call `probe` with [`CANARIES`] in RBX, RBP, R12–R15 and report what those
/// registers and RSP hold when it returns.
pub fn call_with_canaries(probe: Probe) -> Observed {
    let status: u64;
    let flags: u64;
    // SAFETY: the block saves RBX and RBP (which cannot be operands) on the
    // stack and restores them, together with RSP, from `SCRATCH` before it
    // ends, so RSP, RBX and RBP are as on entry even if the probe broke
    // them; R12–R15 are declared clobbered, and `clobber_abi("C")` covers
    // every register a C function may change. The stack is 16-aligned at
    // the `call` as the ABI requires; the block is not `nostack` (it pushes),
    // and the kernel has no red zone. `SCRATCH` is a static this block alone
    // writes; `probe` is an `extern "C"` function taking no arguments and
    // returning a 16-byte `ProbeOut` in RAX:RDX.
    unsafe {
        asm!(
            "push rbx",
            "push rbp",
            "mov qword ptr [rip + {s}], rsp",
            "and rsp, -16",
            "mov qword ptr [rip + {s} + 8], rsp",
            "movabs rbx, {k0}",
            "movabs rbp, {k1}",
            "movabs r12, {k2}",
            "movabs r13, {k3}",
            "movabs r14, {k4}",
            "movabs r15, {k5}",
            "call rax",
            "mov qword ptr [rip + {s} + 16], rbx",
            "mov qword ptr [rip + {s} + 24], rbp",
            "mov qword ptr [rip + {s} + 32], r12",
            "mov qword ptr [rip + {s} + 40], r13",
            "mov qword ptr [rip + {s} + 48], r14",
            "mov qword ptr [rip + {s} + 56], r15",
            "mov qword ptr [rip + {s} + 64], rsp",
            "mov rsp, qword ptr [rip + {s}]",
            "pop rbp",
            "pop rbx",
            s = sym SCRATCH,
            k0 = const CANARIES[0],
            k1 = const CANARIES[1],
            k2 = const CANARIES[2],
            k3 = const CANARIES[3],
            k4 = const CANARIES[4],
            k5 = const CANARIES[5],
            inout("rax") probe as *const () as u64 => status,
            lateout("rdx") flags,
            out("r12") _,
            out("r13") _,
            out("r14") _,
            out("r15") _,
            clobber_abi("C"),
        );
    }
    // SAFETY: the block above has finished writing `SCRATCH`; nothing else
    // refers to it. A volatile read, because only the asm wrote it.
    let s = unsafe { core::ptr::read_volatile(SCRATCH.0.get()) };
    Observed {
        out: ProbeOut { status, flags },
        regs: [s[2], s[3], s[4], s[5], s[6], s[7]],
        rsp_before: s[1],
        rsp_after: s[8],
    }
}

/// How many values [`Live`] keeps alive.
pub const LIVE: usize = 14;

/// Pass `x` through an `asm!` statement the compiler cannot see into or
/// move across other such statements (it is not `pure`).
#[inline(always)]
fn opaque(mut x: u64) -> u64 {
    // SAFETY: the template is a comment: the statement does nothing, but the
    // compiler must treat `x` as rewritten and keep the statement in order
    // with the other side-effecting `asm!` (the SEAMCALL's).
    unsafe { asm!("/* {0} */", inout(reg) x, options(nostack, preserves_flags)) };
    x
}

const fn live_value(i: usize) -> u64 {
    0x1ff0_0000_0000_0001 ^ ((i as u64) << 40) ^ ((i as u64) * 0x0101_0101)
}

/// [`LIVE`] values kept alive across a call (see the module docs).
pub struct Live([u64; LIVE]);

impl Live {
    /// Produce the values (before the call).
    #[inline(always)]
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        Live(core::array::from_fn(|i| opaque(live_value(i))))
    }

    /// Consume them (after the call): whether all are unchanged.
    #[inline(always)]
    pub fn intact(self) -> bool {
        let mut diff = 0;
        for (i, v) in self.0.into_iter().enumerate() {
            diff |= opaque(v) ^ live_value(i);
        }
        diff == 0
    }
}

/// Define a probe: `probe!(name, expr)` where `expr` makes the call and
/// evaluates to a `Result<_, SeamcallError>`; `probe!(raw name, expr)` where
/// it evaluates to the raw form `(TdxStatus, u64)`; `probe!(tdcall name,
/// expr)` and `probe!(tdvmcall name, expr)` for the guest side's
/// `Result<_, TdcallError>` and `Result<_, TdvmcallError>`.
#[macro_export]
macro_rules! probe {
    ($name:ident, $call:expr) => {
        #[inline(never)]
        extern "C" fn $name() -> $crate::harness::ProbeOut {
            let live = $crate::harness::Live::new();
            let result = $call;
            let intact = live.intact();
            $crate::harness::ProbeOut::new(result.map(drop), intact)
        }
    };
    (tdcall $name:ident, $call:expr) => {
        #[inline(never)]
        extern "C" fn $name() -> $crate::harness::ProbeOut {
            let live = $crate::harness::Live::new();
            let result = $call;
            let intact = live.intact();
            let (status, ud) = match result {
                Ok(_) => (0, false),
                Err(e) => (
                    e.raw(),
                    e.kind()
                        == ::seamcall_core::guest::TdcallErrorKind::Fault(
                            ::seamcall_core::Trap::InvalidOpcode,
                        ),
                ),
            };
            $crate::harness::ProbeOut::guest(status, ud, intact)
        }
    };
    (tdvmcall $name:ident, $call:expr) => {
        #[inline(never)]
        extern "C" fn $name() -> $crate::harness::ProbeOut {
            let live = $crate::harness::Live::new();
            let result = $call;
            let intact = live.intact();
            let (status, ud) = match result.map(drop).map_err(|e| e.kind()) {
                Ok(()) => (0, false),
                Err(::seamcall_core::guest::TdvmcallErrorKind::Fault(t)) => {
                    (t.status().raw(), t == ::seamcall_core::Trap::InvalidOpcode)
                }
                Err(_) => (1, false),
            };
            $crate::harness::ProbeOut::guest(status, ud, intact)
        }
    };
    (raw $name:ident, $call:expr) => {
        #[inline(never)]
        extern "C" fn $name() -> $crate::harness::ProbeOut {
            let live = $crate::harness::Live::new();
            let (status, value): (::seamcall_core::TdxStatus, u64) = $call;
            let intact = live.intact();
            let result = match ::seamcall_core::SeamcallError::from_status(status.raw()) {
                None => Ok(()),
                Some(e) => Err(e),
            };
            let mut out = $crate::harness::ProbeOut::new(result, intact);
            if value != 0 {
                out.flags |= $crate::harness::ProbeOut::OUTPUT_NOT_ZERO;
            }
            out
        }
    };
}
