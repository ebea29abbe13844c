//! Which instruction a build emits: the real `SEAMCALL` (`66 0F 01 CF`) in a
//! normal build, the stand-in (`nop dword ptr [rax]; xor eax, eax`) only in a
//! `RUSTFLAGS="--cfg seamcall_stub"` build. The test reads its own code bytes
//! at the instruction addresses recorded in `seamcall_extable`, so it checks
//! the machine code that runs, for an expanded `#[seamcall]` leaf and for the
//! Linux-style entry points of `seamcall_tests::linux_style`.
//!
//! Run it in both builds (`.ci/run` does):
//!
//! ```text
//! cargo test --test stub_bytes
//! RUSTFLAGS="--cfg seamcall_stub" cargo test --test stub_bytes
//! ```
//!
//! The stub build also runs the calls, which then succeed: the stand-in clears
//! CF and sets status 0. The normal build runs them under the emulator's
//! fault handler and expects a fault recovered through the table.

// `seamcall_stub` is a cfg set by RUSTFLAGS, not declared by this package.
#![allow(unexpected_cfgs)]

use seamcall_core::{extable, seamcall, SeamcallError};
use seamcall_tests::linux_style::{self, TdxModuleArgs};
use seamcall_tests::sites::{site_in, STAND_IN};

/// `SEAMCALL`.
const SEAMCALL: &[u8] = &[0x66, 0x0f, 0x01, 0xcf];

/// What this build must emit.
const EXPECTED: &[u8] = if cfg!(seamcall_stub) {
    STAND_IN
} else {
    SEAMCALL
};

#[seamcall(leaf = 11, in = [rcx, rdx], out = [r8])]
#[inline(never)]
unsafe fn tdh_mng_rd(tdr: u64, field: u64) -> Result<u64, SeamcallError>;

extern "C" {
    // Defined in `seamcall_tests::linux_style`'s `global_asm!`; declared here
    // only to take their addresses.
    fn linux_seamcall_ret(leaf: u64, args: *mut TdxModuleArgs) -> u64;
    fn linux_seamcall_saved_ret(leaf: u64, args: *mut TdxModuleArgs) -> u64;
}

/// `n` code bytes at `addr`.
fn code(addr: usize, n: usize) -> Vec<u8> {
    // SAFETY: `addr` is an instruction address from the exception table of
    // this binary, inside a mapped, readable text section, and the `n` bytes
    // read are the instruction and the branch after it, still inside the
    // same function.
    unsafe { core::slice::from_raw_parts(addr as *const u8, n) }.to_vec()
}

/// The instruction is `EXPECTED`, and a `jc` (`72 rel8` or `0F 82 rel32`)
/// follows it: CF is tested right after the instruction, in both builds.
fn check_site(what: &str, site: usize) {
    let bytes = code(site, EXPECTED.len() + 2);
    assert_eq!(
        &bytes[..EXPECTED.len()],
        EXPECTED,
        "{what}: wrong instruction bytes for a {} build: {bytes:02x?}",
        if cfg!(seamcall_stub) {
            "--cfg seamcall_stub"
        } else {
            "normal"
        }
    );
    let next = &bytes[EXPECTED.len()..];
    assert!(
        next[0] == 0x72 || next == [0x0f, 0x82],
        "{what}: the instruction must be followed by jc, found {next:02x?}"
    );
}

#[test]
fn macro_leaf_emits_the_instruction_of_this_build() {
    let f = tdh_mng_rd as unsafe fn(u64, u64) -> Result<u64, SeamcallError>;
    check_site("#[seamcall] leaf", site_in(f as usize, 64));
}

#[test]
fn linux_style_entry_points_emit_the_instruction_of_this_build() {
    let ret = linux_seamcall_ret as unsafe extern "C" fn(u64, *mut TdxModuleArgs) -> u64;
    let saved = linux_seamcall_saved_ret as unsafe extern "C" fn(u64, *mut TdxModuleArgs) -> u64;
    check_site("linux_seamcall_ret", site_in(ret as usize, 64));
    check_site("linux_seamcall_saved_ret", site_in(saved as usize, 128));
}

/// No entry of the table covers the bytes of the other build's instruction.
#[test]
fn no_site_carries_the_other_instruction() {
    let other = if cfg!(seamcall_stub) {
        SEAMCALL
    } else {
        STAND_IN
    };
    for e in extable::entries().iter().filter(|e| e.vector() != u32::MAX) {
        let bytes = code(e.insn() as usize, other.len());
        assert_ne!(bytes, other, "site {:#x}", e.insn());
    }
}

fn args() -> TdxModuleArgs {
    TdxModuleArgs {
        rcx: 0x11,
        rdx: 0x22,
        r8: 0x33,
        r9: 0x44,
        r10: 0x55,
        r11: 0x66,
        r12: 0x77,
        r13: 0x88,
        r14: 0x99,
        r15: 0xaa,
        rbx: 0xbb,
        rdi: 0xcc,
        rsi: 0xdd,
    }
}

/// Stub build: the stand-in clears CF and returns status 0, and changes no
/// other register, so every call succeeds and the Linux-style entry points
/// store back exactly what they loaded.
#[cfg(seamcall_stub)]
#[test]
fn stub_calls_succeed() {
    // SAFETY: a stub build: the instruction is a NOP and `xor eax, eax`.
    unsafe {
        assert!(tdh_mng_rd(0x1000, 7).is_ok());
        let mut a = args();
        assert_eq!(linux_style::seamcall_ret(11, &mut a), 0);
        assert_eq!(a, args());
        assert_eq!(linux_style::seamcall_saved_ret(0, &mut a), 0);
        assert_eq!(a, args());
    }
}

/// Normal build: with no module on the thread the real instruction faults;
/// the emulator's handler resumes at the fixup pad found in the table. The
/// Linux-style entry points then return Linux's software code and store
/// nothing back, as Linux's do.
#[cfg(not(seamcall_stub))]
#[test]
fn real_instruction_faults_and_recovers() {
    use seamcall_core::{ErrorKind, TdxStatus, Trap};

    seamcall_core::emulate::install();
    let fault = |s: u64| {
        s == Trap::GeneralProtection.status().raw() || s == Trap::InvalidOpcode.status().raw()
    };
    // SAFETY: the instruction faults (no SEAM on this machine) and the
    // installed handler resumes every declared site at its fixup pad.
    unsafe {
        let e = tdh_mng_rd(0x1000, 7).unwrap_err();
        assert!(matches!(e.kind(), ErrorKind::Fault(_)), "{e:?}");
        let mut a = args();
        let s = linux_style::seamcall_ret(11, &mut a);
        assert!(fault(s), "{}", TdxStatus::from_raw(s));
        assert_eq!(a, args());
        let s = linux_style::seamcall_saved_ret(0, &mut a);
        assert!(fault(s), "{}", TdxStatus::from_raw(s));
        assert_eq!(a, args());
    }
}

/// Normal build, under the emulator: the Linux-style entry points hand the
/// module the leaf word and the struct's registers, and store what it
/// returns: all 13 for `__seamcall_saved_ret`, RCX, RDX and R8–R11 only for
/// `__seamcall_ret`. VMfailInvalid stores nothing. (The benchmarks compare
/// against these functions, so they must do Linux's work.)
#[cfg(not(seamcall_stub))]
#[test]
fn linux_style_moves_registers_through_the_struct() {
    use seamcall_core::emulate::{self, Outcome, Regs};
    use seamcall_core::TdxStatus;
    use seamcall_tests::shapes::{args_array, wide_regs};

    // The module writes every register the entry point carries: all 13
    // for leaf word 0 (through `__seamcall_saved_ret`), RCX, RDX and R8–R11
    // otherwise (`__seamcall_ret` saves nothing, and keeps its struct
    // pointer in RSI across the call).
    let mut seen: Vec<(u64, [u64; 13])> = Vec::new();
    let mut m = |r: &mut Regs| {
        seen.push((r.rax, wide_regs(r)));
        let all = r.rax == 0;
        let regs = [
            &mut r.rcx, &mut r.rdx, &mut r.r8, &mut r.r9, &mut r.r10, &mut r.r11, &mut r.r12,
            &mut r.r13, &mut r.r14, &mut r.r15, &mut r.rbx, &mut r.rdi, &mut r.rsi,
        ];
        for v in regs.into_iter().take(if all { 13 } else { 6 }) {
            *v += 0x1000;
        }
        r.rax = 0;
        Outcome::Return
    };
    let (mut saved, mut light) = (args(), args());
    let (s1, s2) = emulate::with_module(&mut m, || {
        // SAFETY: the emulator answers both instructions (they are
        // registered sites); the module changes only the registers each
        // entry point carries.
        unsafe {
            (
                linux_style::seamcall_saved_ret(0, &mut saved),
                linux_style::seamcall_ret(0x1_000b, &mut light),
            )
        }
    });
    assert_eq!((s1, s2), (0, 0));
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0], (0, args_array(&args())), "all 13 registers go in");
    assert_eq!(seen[1].0, 0x1_000b);
    assert_eq!(
        seen[1].1[..6],
        args_array(&args())[..6],
        "RCX, RDX, R8-R11 go in"
    );
    assert_eq!(args_array(&saved), args_array(&args()).map(|v| v + 0x1000));
    let mut want = args_array(&args());
    for v in &mut want[..6] {
        *v += 0x1000;
    }
    assert_eq!(
        args_array(&light),
        want,
        "only RCX, RDX and R8-R11 come back"
    );

    let mut fail = |_: &mut Regs| Outcome::VmFailInvalid;
    let mut a = args();
    let s = emulate::with_module(&mut fail, || {
        // SAFETY: as above.
        unsafe { linux_style::seamcall_saved_ret(0, &mut a) }
    });
    assert_eq!(s, TdxStatus::SEAMCALL_VMFAILINVALID.raw());
    assert_eq!(a, args());
}
