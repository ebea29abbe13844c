//! The generated machine code, run for real: every shape of declaration
//! faults through `seamcall_extable`, returns VMfailInvalid when CF is set,
//! and delivers the values a module writes, with RBX, RBP and the other
//! callee-saved registers intact in the caller.
//!
//! `.ci/run` runs this file in debug, release, and release with fat LTO and
//! one codegen unit (`--profile release-lto`), so inlining cannot hide a
//! wrong binding.

use seamcall_core::emulate::{self, Outcome, Regs};
use seamcall_core::{seamcall, ErrorKind, SeamcallError, TdxStatus, Trap};
use seamcall_tests::shapes::{tuple13, wide_regs, wide_set};
use seamcall_tests::{call13, callee_saved};
use x86_64::PhysAddr;

#[seamcall(leaf = 11, in = [rcx, rdx], out = [r8])]
unsafe fn mng_rd(tdr: PhysAddr, field: u64) -> Result<u64, SeamcallError>;

#[seamcall(leaf = 11, in = [rcx, rdx], out = [r8])]
#[inline(never)]
unsafe fn mng_rd_outlined(tdr: PhysAddr, field: u64) -> Result<u64, SeamcallError>;

// In/out registers and RBX (through a scratch register). Leaves 300-304 are
// unknown to the ABI table, so they say `unchecked`.
#[seamcall(leaf = 300, unchecked, in = [rcx, rbx, r12], out = [rbx, rcx, r13])]
unsafe fn rbx_leaf(a: u64, b: u64, c: u64) -> Result<(u64, u64, u64), SeamcallError>;

#[seamcall(leaf = 301, unchecked, out = [rbx])]
unsafe fn rbx_out_only() -> Result<u64, SeamcallError>;

#[seamcall(leaf = 302, unchecked, in = [rbx], clobber = [rsi])]
unsafe fn rbx_in_only(b: u64) -> Result<(), SeamcallError>;

// Every allocatable register bound: RBX travels through RAX and a stack
// slot, RBP is saved and restored inside the block.
seamcall_tests::wide_leaf! {
    unsafe fn wide(leaf = 303, unchecked, clobber = [rbp]);
}

// RBX out with one register left for the scratch: the scratch is written
// before the instruction, so it must not share a register with the input in
// RCX (an `out`, not a `lateout`, operand).
#[seamcall(
    leaf = 304,
    unchecked,
    in = [rcx],
    out = [rbx],
    clobber = [rdx, rsi, rdi, r8, r9, r10, r11, r12, r13, r14]
)]
unsafe fn rbx_out_tight(a: u64) -> Result<u64, SeamcallError>;

/// Leaf 0 (TDH.VP.ENTER) from the catalog: its leaf word is 0, so without
/// the CF check VMfailInvalid would read as success.
unsafe fn leaf_zero(a: u64) -> (TdxStatus, u64) {
    // SAFETY: forwarded to the caller; the emulated module or the fixup
    // answers the instruction.
    let (status, out) = unsafe {
        seamcall_core::leaves::tdh_vp_enter(PhysAddr::new(a), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    };
    (status, out.0)
}

/// `wide` with its 13 values as an array, in and out.
unsafe fn call_wide(v: [u64; 13]) -> Result<[u64; 13], SeamcallError> {
    // SAFETY: forwarded to the caller; the emulated module or the fixup
    // answers the instruction.
    unsafe { call13!(wide, v).map(tuple13) }
}

/// With no module on the thread the instruction faults for real (SIGILL,
/// #UD, on AMD machines, Intel bare metal outside VMX operation and QEMU
/// user mode; SIGSEGV, #GP, in Intel VMX guests) and resumes at the fixup
/// pad found through the exception table.
#[test]
fn real_fault_resumes_at_the_fixup_in_every_shape() {
    emulate::install();
    let expect = |e: SeamcallError| match e.kind() {
        ErrorKind::Fault(Trap::GeneralProtection) | ErrorKind::Fault(Trap::InvalidOpcode) => {}
        other => panic!("expected a fault, got {other:?}"),
    };
    unsafe {
        expect(mng_rd(PhysAddr::new(0x1000), 7).unwrap_err());
        expect(mng_rd_outlined(PhysAddr::new(0x1000), 7).unwrap_err());
        expect(rbx_leaf(1, 2, 3).unwrap_err());
        expect(rbx_out_only().unwrap_err());
        expect(rbx_in_only(5).unwrap_err());
        expect(call_wide([9; 13]).unwrap_err());
        let (status, out) = leaf_zero(1);
        assert!(status.is_sw_error(), "{status}");
        assert_eq!(out, 0, "outputs read as 0 when the module did not run");
    }
}

#[test]
fn injected_ud_and_gp_map_to_their_trap() {
    for trap in [Trap::InvalidOpcode, Trap::GeneralProtection] {
        let mut m = |_: &mut Regs| Outcome::Fault(trap);
        emulate::with_module(&mut m, || unsafe {
            assert_eq!(
                mng_rd(PhysAddr::new(0), 0).unwrap_err().kind(),
                ErrorKind::Fault(trap)
            );
            assert_eq!(
                rbx_leaf(1, 2, 3).unwrap_err().kind(),
                ErrorKind::Fault(trap)
            );
            assert_eq!(
                call_wide([1; 13]).unwrap_err().kind(),
                ErrorKind::Fault(trap)
            );
            assert_eq!(leaf_zero(0).0, trap.status());
        });
    }
}

/// CF=1 leaves RAX holding the leaf word; for leaf 0 that word is 0, which
/// would read as success without the `jc`.
#[test]
fn vmfailinvalid_is_caught_for_leaf_zero() {
    let mut m = |_: &mut Regs| Outcome::VmFailInvalid;
    emulate::with_module(&mut m, || unsafe {
        let (status, out) = leaf_zero(0x55);
        assert_eq!(status, TdxStatus::SEAMCALL_VMFAILINVALID);
        assert_eq!(out, 0);
        assert_eq!(
            mng_rd(PhysAddr::new(0), 0).unwrap_err().kind(),
            ErrorKind::VmFailInvalid
        );
        assert_eq!(
            call_wide([3; 13]).unwrap_err().kind(),
            ErrorKind::VmFailInvalid
        );
        assert_eq!(rbx_out_only().unwrap_err().kind(), ErrorKind::VmFailInvalid);
    });
}

#[test]
fn leaf_word_and_inputs_arrive() {
    let mut seen = Vec::new();
    let mut m = |r: &mut Regs| {
        seen.push(*r);
        r.rax = 0;
        Outcome::Return
    };
    emulate::with_module(&mut m, || unsafe {
        mng_rd(PhysAddr::new(0xabc000), 0x9100_0001_0000_0008).unwrap();
        rbx_leaf(0x11, 0x22, 0x33).unwrap();
        call_wide(std::array::from_fn(|i| 0x100 + i as u64)).unwrap();
    });
    assert_eq!(seen[0].rax, 11);
    assert_eq!(
        (seen[0].rcx, seen[0].rdx),
        (0xabc000, 0x9100_0001_0000_0008)
    );
    assert_eq!(seen[1].rax, 300);
    assert_eq!((seen[1].rcx, seen[1].rbx, seen[1].r12), (0x11, 0x22, 0x33));
    assert_eq!(seen[2].rax, 303);
    assert_eq!(
        wide_regs(&seen[2]),
        std::array::from_fn(|i| 0x100 + i as u64)
    );
}

#[test]
fn outputs_arrive_where_declared() {
    let mut m = |r: &mut Regs| {
        match r.rax {
            11 => r.r8 = 0x8888,
            300 => {
                r.rbx = r.rbx.wrapping_mul(3);
                r.rcx = !r.rcx;
                r.r13 = 0x1313;
            }
            301 => r.rbx = 0xb0b0,
            303 => {
                let v = wide_regs(r).map(|x| x ^ 0xffff_0000);
                wide_set(r, v);
            }
            _ => {}
        }
        r.rax = 0;
        Outcome::Return
    };
    emulate::with_module(&mut m, || unsafe {
        assert_eq!(mng_rd(PhysAddr::new(0), 0), Ok(0x8888));
        assert_eq!(rbx_leaf(1, 7, 0), Ok((21, !1, 0x1313)));
        assert_eq!(rbx_out_only(), Ok(0xb0b0));
        let v: [u64; 13] = std::array::from_fn(|i| i as u64 * 0x1_0001);
        assert_eq!(call_wide(v), Ok(v.map(|x| x ^ 0xffff_0000)));
    });
}

#[test]
fn rbx_scratch_does_not_take_an_input_register() {
    let mut m = |r: &mut Regs| {
        // The input must arrive intact; answer with it in RBX.
        r.rax = if r.rcx == 0x1234 {
            0
        } else {
            TdxStatus::OPERAND_INVALID.raw() | 1
        };
        r.rbx = r.rcx + 1;
        Outcome::Return
    };
    emulate::with_module(&mut m, || unsafe {
        let first = rbx_out_tight(0x1234).expect("RCX arrived intact");
        assert_eq!(first, 0x1235);
        // Feed the result into another call's RCX: live values around it.
        assert_eq!(rbx_out_tight(first - 1), Ok(0x1235));
    });
}

#[test]
fn status_is_returned_with_its_operand() {
    let busy = TdxStatus::OPERAND_BUSY.raw() | 1;
    let mut m = |r: &mut Regs| {
        r.rax = busy;
        r.r8 = 42;
        Outcome::Return
    };
    emulate::with_module(&mut m, || unsafe {
        let e = mng_rd(PhysAddr::new(0), 0).unwrap_err();
        assert_eq!(e.raw(), busy);
        assert_eq!(e.kind(), ErrorKind::Status(TdxStatus::from_raw(busy)));
    });
}

// ---------------------------------------------------------------------------
// Callee-saved registers across a whole leaf call.
//
// `callee_saved::check(f, arg)` (shared harness in `seamcall_tests`) loads
// known patterns into RBX, RBP and R12–R15, calls `f(arg)` (an `extern "C"`
// function that makes the leaf call with the leaf inlined), and returns a bit
// mask of the registers whose value changed (bit 0 RBX, 1 RBP, 2 R12, …, 5
// R15). The module in these tests writes garbage into every register the
// leaf declares, so a missing restore shows up here.
// ---------------------------------------------------------------------------

extern "C" fn via_rbx_leaf(io: *mut [u64; 13]) {
    // SAFETY: `io` points at the caller's live array for this call.
    let io = unsafe { &mut *io };
    // SAFETY: the test's module answers the instruction.
    if let Ok((a, b, c)) = unsafe { rbx_leaf(io[0], io[1], io[2]) } {
        io[..3].copy_from_slice(&[a, b, c]);
    }
}

extern "C" fn via_wide(io: *mut [u64; 13]) {
    // SAFETY: `io` points at the caller's live array for this call.
    let io = unsafe { &mut *io };
    // SAFETY: the test's module answers the instruction.
    if let Ok(v) = unsafe { call_wide(*io) } {
        *io = v;
    }
}

extern "C" fn via_mng_rd(io: *mut [u64; 13]) {
    // SAFETY: `io` points at the caller's live array for this call.
    let io = unsafe { &mut *io };
    // SAFETY: the test's module answers the instruction.
    if let Ok(v) = unsafe { mng_rd(PhysAddr::new_truncate(io[0]), io[1]) } {
        io[0] = v;
    }
}

/// A module that writes a distinct junk value into every register the leaf
/// declares it writes (for the wide leaf, all 13, as TDH.VP.ENTER may), and
/// leaves the others alone, as the TDX module does.
fn trash_declared(r: &mut Regs) -> Outcome {
    let leaf = r.rax;
    let junk = |i: u64| 0xdead_0000 + leaf * 0x100 + i;
    match leaf {
        11 => r.r8 = junk(0),
        300 => (r.rbx, r.rcx, r.r13) = (junk(0), junk(1), junk(2)),
        303 => wide_set(r, std::array::from_fn(|i| junk(i as u64))),
        other => panic!("unexpected leaf {other}"),
    }
    r.rax = 0;
    Outcome::Return
}

#[test]
fn callee_saved_registers_survive_every_shape() {
    for (name, f) in [
        ("narrow", via_mng_rd as extern "C" fn(*mut [u64; 13])),
        ("rbx via scratch", via_rbx_leaf),
        ("wide via rax and rbp clobber", via_wide),
    ] {
        let mut io = [7u64; 13];
        let mut m = trash_declared;
        // SAFETY: `f` is an `extern "C" fn(*mut [u64; 13])` and `io` lives
        // across the call.
        let changed = emulate::with_module(&mut m, || unsafe { callee_saved::check(f, &mut io) });
        assert_eq!(changed, 0, "{name}: callee-saved registers changed (mask {changed:#b}: bit 0 rbx, 1 rbp, 2 r12 .. 5 r15)");
        assert_ne!(
            io, [7u64; 13],
            "{name}: the module's outputs did not arrive"
        );
        // The faulting path too (no module: real fault, fixup pad).
        let mut io = [7u64; 13];
        emulate::install();
        // SAFETY: as above.
        let changed = unsafe { callee_saved::check(f, &mut io) };
        assert_eq!(changed, 0, "{name} (fault path): mask {changed:#b}");
    }
}
