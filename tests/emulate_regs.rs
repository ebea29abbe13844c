//! Register-level tests through the emulator: every allowed register as
//! input, output and in/out; registers outside a declaration unchanged; a
//! module that scribbles over every declared output and clobber; threads
//! with separate modules; faults and VMfailInvalid injected by the module;
//! a module that zeroes RBP, as module 1.5.01 does on an asynchronous exit
//! from TDH.VP.ENTER.

use std::hint::black_box;

use seamcall_core::emulate::{self, Module, Outcome, Recorder, Reg, Regs};
use seamcall_core::{seamcall, ErrorKind, SeamcallError, TdxStatus, Trap};
use seamcall_tests::callee_saved;
use seamcall_tests::shapes::tuple13;
use x86_64::PhysAddr;

/// How a test leaf uses its register.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Mode {
    In,
    Out,
    InOut,
}

/// Leaf numbers: 1000 + 3 * (index in [`Reg::OPERANDS`]) + mode. No real
/// leaf has them, so the declarations say `unchecked`.
const FIRST: u16 = 1000;

fn decode(leaf: u16) -> Option<(Reg, Mode)> {
    let i = leaf.checked_sub(FIRST)? as usize;
    let reg = *Reg::OPERANDS.get(i / 3)?;
    let mode = [Mode::In, Mode::Out, Mode::InOut][i % 3];
    Some((reg, mode))
}

macro_rules! reg_leaves {
    ($($r:ident = $i:literal, $o:literal, $io:literal;)*) => {$(
        #[allow(dead_code)]
        mod $r {
            use super::*;
            #[seamcall(leaf = $i, unchecked, in = [$r])]
            pub unsafe fn input(v: u64) -> Result<(), SeamcallError>;
            #[seamcall(leaf = $o, unchecked, out = [$r])]
            pub unsafe fn output() -> Result<u64, SeamcallError>;
            #[seamcall(leaf = $io, unchecked, in = [$r], out = [$r])]
            pub unsafe fn inout(v: u64) -> Result<u64, SeamcallError>;
            #[seamcall(leaf = $io, unchecked, in = [$r], out = [$r])]
            pub unsafe fn inout_raw(v: u64) -> (TdxStatus, u64);
        }
    )*};
}

reg_leaves! {
    rcx = 1000, 1001, 1002;
    rdx = 1003, 1004, 1005;
    rbx = 1006, 1007, 1008;
    rsi = 1009, 1010, 1011;
    rdi = 1012, 1013, 1014;
    r8 = 1015, 1016, 1017;
    r9 = 1018, 1019, 1020;
    r10 = 1021, 1022, 1023;
    r11 = 1024, 1025, 1026;
    r12 = 1027, 1028, 1029;
    r13 = 1030, 1031, 1032;
    r14 = 1033, 1034, 1035;
    r15 = 1036, 1037, 1038;
}

/// The value an output leaf returns for register `r`.
fn out_value(r: Reg) -> u64 {
    0x0123_4567_89ab_cd00 | r as u64
}

/// Answers the per-register leaves: checks that an input arrived in its
/// register, writes outputs, and for in/out returns the input with all bits
/// flipped. Writes nothing else. Records what it saw.
#[derive(Default)]
struct RegModule {
    expect: u64,
    seen: Vec<(Reg, Mode, u64)>,
    tag: u64,
}

impl Module for RegModule {
    fn seamcall(&mut self, regs: &mut Regs) -> Outcome {
        let Some((r, mode)) = decode(regs.leaf()) else {
            regs.rax = TdxStatus::OPERAND_INVALID.raw();
            return Outcome::Return;
        };
        let v = regs.get(r).expect("an operand register is in Regs");
        self.seen.push((r, mode, v));
        let held = match mode {
            Mode::In => true,
            Mode::Out => regs.set(r, out_value(r) ^ self.tag),
            Mode::InOut => regs.set(r, !v ^ self.tag),
        };
        assert!(held, "an operand register is in Regs");
        regs.rax = if mode == Mode::In && v != self.expect {
            TdxStatus::OPERAND_INVALID.raw() | 1
        } else {
            0
        };
        Outcome::Return
    }
}

type In = unsafe fn(u64) -> Result<(), SeamcallError>;
type OutF = unsafe fn() -> Result<u64, SeamcallError>;
type InOut = unsafe fn(u64) -> Result<u64, SeamcallError>;

const FNS: [(Reg, In, OutF, InOut); 13] = [
    (Reg::Rcx, rcx::input, rcx::output, rcx::inout),
    (Reg::Rdx, rdx::input, rdx::output, rdx::inout),
    (Reg::Rbx, rbx::input, rbx::output, rbx::inout),
    (Reg::Rsi, rsi::input, rsi::output, rsi::inout),
    (Reg::Rdi, rdi::input, rdi::output, rdi::inout),
    (Reg::R8, r8::input, r8::output, r8::inout),
    (Reg::R9, r9::input, r9::output, r9::inout),
    (Reg::R10, r10::input, r10::output, r10::inout),
    (Reg::R11, r11::input, r11::output, r11::inout),
    (Reg::R12, r12::input, r12::output, r12::inout),
    (Reg::R13, r13::input, r13::output, r13::inout),
    (Reg::R14, r14::input, r14::output, r14::inout),
    (Reg::R15, r15::input, r15::output, r15::inout),
];

#[test]
fn every_register_as_input_output_and_inout() {
    assert_eq!(
        FNS.map(|f| f.0),
        Reg::OPERANDS,
        "FNS in the order of decode"
    );
    let mut m = Recorder::new(RegModule {
        expect: 0xfeed_f00d_0000_0001,
        ..RegModule::default()
    });
    emulate::with_module(&mut m, || {
        for (r, input, output, inout) in FNS {
            unsafe {
                assert_eq!(input(0xfeed_f00d_0000_0001), Ok(()), "{r} as input");
                assert_eq!(output(), Ok(out_value(r)), "{r} as output");
                assert_eq!(
                    inout(0x1111_2222_3333_4444),
                    Ok(!0x1111_2222_3333_4444),
                    "{r} in/out"
                );
            }
        }
    });
    // The module saw each value in the declared register, and the inputs
    // the instruction got differ from the outputs only there.
    let calls = m.calls();
    assert_eq!(calls.len(), 13 * 3);
    for (call, (r, mode, v)) in calls.iter().zip(&m.inner().seen) {
        assert_eq!(decode(call.leaf), Some((*r, *mode)));
        match mode {
            Mode::In => assert_eq!(*v, 0xfeed_f00d_0000_0001),
            Mode::Out => {}
            Mode::InOut => assert_eq!(*v, 0x1111_2222_3333_4444),
        }
        let expected: Vec<Reg> = if *mode == Mode::In { vec![] } else { vec![*r] };
        assert_eq!(call.changed(), expected, "{call}");
    }
}

/// Values that stay live across a call: if the emulator (or the
/// expansion) changed a register it did not declare, one of them breaks.
#[inline(never)]
fn live_values_survive(call: impl Fn(u64) -> u64) {
    let seeds: [u64; 12] = black_box([
        0x1001, 0x2002, 0x3003, 0x4004, 0x5005, 0x6006, 0x7007, 0x8008, 0x9009, 0xa00a, 0xb00b,
        0xc00c,
    ]);
    let [a, b, c, d, e, f, g, h, i, j, k, l] = seeds;
    for n in 0..64u64 {
        let out = call(n);
        assert_eq!(out, !n, "call {n}");
        // Every value used after the call, so the compiler keeps them live
        // (in registers where it can).
        let sum = a
            ^ b.rotate_left(1)
            ^ c.rotate_left(2)
            ^ d.rotate_left(3)
            ^ e.rotate_left(4)
            ^ f.rotate_left(5)
            ^ g.rotate_left(6)
            ^ h.rotate_left(7)
            ^ i.rotate_left(8)
            ^ j.rotate_left(9)
            ^ k.rotate_left(10)
            ^ l.rotate_left(11);
        let expect = seeds
            .iter()
            .enumerate()
            .fold(0, |acc, (s, v)| acc ^ v.rotate_left(s as u32));
        assert_eq!(sum, black_box(expect));
    }
}

#[test]
fn registers_outside_the_declaration_are_unchanged() {
    let mut m = RegModule::default();
    emulate::with_module(&mut m, || {
        for (r, _, _, inout) in FNS {
            live_values_survive(|n| unsafe { inout(n) }.unwrap_or_else(|e| panic!("{r}: {e}")));
        }
    });
}

// ---- the emulator itself: every GPR before and after ---------------------

/// `asm!` template text: a SEAMCALL registered in the table (its own two
/// entries, like an expansion's), #UD and #GP both resuming at a pad that
/// rejoins right after the instruction. Uses the local labels 2, 3 and 4.
macro_rules! registered_seamcall {
    () => {
        concat!(
            "2:\n",
            ".byte 0x66, 0x0f, 0x01, 0xcf\n",
            ".pushsection .text.unlikely, \"ax\", @progbits\n",
            "4:\n",
            "jmp 3f\n",
            ".popsection\n",
            ".pushsection seamcall_extable, \"aR\", @progbits\n",
            ".balign 4\n",
            ".long 2b - .\n",
            ".long 4b - .\n",
            ".long 6\n",
            ".long 2b - .\n",
            ".long 4b - .\n",
            ".long 13\n",
            ".popsection\n",
            "3:",
        )
    };
}

/// Loads all 14 GPRs from `regs`, runs a SEAMCALL registered in the table
/// (its own two entries, like an expansion's), stores all 14 back, and
/// returns RFLAGS after the instruction. RBX is saved around the block.
fn raw_seamcall(regs: &mut Regs) -> u64 {
    let p = regs as *mut Regs;
    let flags: u64;
    // SAFETY: the block saves RBX and RBP (pushed, and `options()` without
    // `nostack` lets it use the stack), loads every other register from
    // `*p`, runs the instruction with both fault entries pointing at a pad
    // that rejoins after it, stores every register back to `*p` (whose
    // address is kept on the stack) and restores RBX and RBP. All other
    // registers are declared clobbered.
    unsafe {
        core::arch::asm!(
            "push rbx",
            "push rbp",
            "push rdi",
            "mov rax, [rdi + 0]",
            "mov rcx, [rdi + 8]",
            "mov rdx, [rdi + 16]",
            "mov rbx, [rdi + 24]",
            "mov rsi, [rdi + 32]",
            "mov r8, [rdi + 48]",
            "mov r9, [rdi + 56]",
            "mov r10, [rdi + 64]",
            "mov r11, [rdi + 72]",
            "mov r12, [rdi + 80]",
            "mov r13, [rdi + 88]",
            "mov r14, [rdi + 96]",
            "mov r15, [rdi + 104]",
            "mov rdi, [rdi + 40]",
            registered_seamcall!(),
            "pushfq",
            "push rdi",
            "mov rdi, [rsp + 16]",
            "mov [rdi + 0], rax",
            "mov [rdi + 8], rcx",
            "mov [rdi + 16], rdx",
            "mov [rdi + 24], rbx",
            "mov [rdi + 32], rsi",
            "pop rax",
            "mov [rdi + 40], rax",
            "mov [rdi + 48], r8",
            "mov [rdi + 56], r9",
            "mov [rdi + 64], r10",
            "mov [rdi + 72], r11",
            "mov [rdi + 80], r12",
            "mov [rdi + 88], r13",
            "mov [rdi + 96], r14",
            "mov [rdi + 104], r15",
            "pop rax",
            "pop rdi",
            "pop rbp",
            "pop rbx",
            inout("rdi") p => _,
            out("rax") flags,
            out("rcx") _, out("rdx") _, out("rsi") _,
            out("r8") _, out("r9") _, out("r10") _, out("r11") _,
            out("r12") _, out("r13") _, out("r14") _, out("r15") _,
        );
    }
    flags
}

fn distinct_regs() -> Regs {
    let mut r = Regs::default();
    for (i, g) in Regs::REGS.into_iter().enumerate() {
        assert!(r.set(g, 0xa5a5_0000_0000_0000 | (i as u64) << 8 | 0x11));
    }
    r.rax = 2000; // the leaf word: leaf 2000, version 0
    r
}

#[test]
fn emulator_changes_only_what_the_module_changed() {
    let before = distinct_regs();
    let mut seen = Regs::default();
    let mut m = |regs: &mut Regs| {
        seen = *regs;
        regs.r9 = 0x99;
        regs.rax = 0;
        Outcome::Return
    };
    let mut after = before;
    let flags = emulate::with_module(&mut m, || raw_seamcall(&mut after));
    assert_eq!(seen, before, "the module sees every register as loaded");
    let mut expect = before;
    expect.rax = 0;
    expect.r9 = 0x99;
    assert_eq!(after, expect);
    assert_eq!(flags & 1, 0, "CF clear after a return");
}

#[test]
fn emulator_vmfailinvalid_and_faults_change_no_register() {
    for outcome in [
        Outcome::VmFailInvalid,
        Outcome::Fault(Trap::InvalidOpcode),
        Outcome::Fault(Trap::GeneralProtection),
    ] {
        let before = distinct_regs();
        let mut m = |regs: &mut Regs| {
            *regs = Regs::default();
            outcome
        };
        let mut after = before;
        let flags = emulate::with_module(&mut m, || raw_seamcall(&mut after));
        assert_eq!(after, before, "{outcome:?}");
        if outcome == Outcome::VmFailInvalid {
            assert_eq!(flags & 1, 1, "CF set");
        }
    }
}

// ---- a module that writes every register it may --------------------------

#[seamcall(leaf = 1100, unchecked, in = [rcx, rdx], out = [r8, r9, rbx], clobber = [rcx, rdx, r10, r11, rsi, rdi, r12, r13, r14, r15])]
unsafe fn wide(a: u64, b: u64) -> Result<(u64, u64, u64), SeamcallError>;

#[seamcall(leaf = 1101, unchecked, in = [rdx], out = [r8, rdx], clobber = [rcx, r9, r10, r11])]
unsafe fn sys_rd_like(field: u64) -> Result<(u64, u64), SeamcallError>;

/// Writes a fresh pseudo-random value into every register the leaf
/// declares as output or clobber, and nothing else.
struct Scribbler {
    state: u64,
}

impl Scribbler {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.state ^= self.state >> 12;
        self.state ^= self.state << 25;
        self.state ^= self.state >> 27;
        self.state.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

impl Module for Scribbler {
    fn seamcall(&mut self, regs: &mut Regs) -> Outcome {
        use Reg::*;
        let writes: &[Reg] = match regs.leaf() {
            1100 => &[
                R8, R9, Rbx, Rcx, Rdx, R10, R11, Rsi, Rdi, R12, R13, R14, R15,
            ],
            1101 => &[R8, Rdx, Rcx, R9, R10, R11],
            _ => &[],
        };
        for &r in writes {
            let v = self.next();
            assert!(regs.set(r, v), "{r} is not in Regs");
        }
        regs.rax = 0;
        Outcome::Return
    }
}

#[test]
fn scribbled_outputs_and_clobbers_do_not_leak() {
    let mut m = Recorder::new(Scribbler { state: 0x9e37_79b9 });
    emulate::with_module(&mut m, || {
        live_values_survive(|n| {
            let (r8, r9, rbx) = unsafe { wide(n, n + 1) }.unwrap();
            black_box((r8, r9, rbx));
            let (v, next) = unsafe { sys_rd_like(n) }.unwrap();
            black_box((v, next));
            !n
        });
    });
    // Each declared output came back as the module wrote it.
    for call in m.calls() {
        let (r8, rdx) = (call.outputs.r8, call.outputs.rdx);
        assert_ne!(r8, call.inputs.r8);
        if call.leaf == 1101 {
            assert_ne!(rdx, call.inputs.rdx);
        }
    }
    assert_eq!(m.calls().len(), 128);
}

#[test]
fn scribbled_values_are_the_returned_values() {
    let mut m = Recorder::new(Scribbler { state: 7 });
    let got = emulate::with_module(&mut m, || unsafe { wide(1, 2) }).unwrap();
    let c = m.calls()[0];
    assert_eq!(got, (c.outputs.r8, c.outputs.r9, c.outputs.rbx));
}

// ---- threads ------------------------------------------------------------

#[test]
fn eight_threads_with_separate_modules() {
    const CALLS: u64 = 4000;
    let handles: Vec<_> = (0..8u64)
        .map(|t| {
            std::thread::spawn(move || {
                let tag = (t + 1) << 56;
                let mut m = RegModule {
                    tag,
                    ..RegModule::default()
                };
                emulate::with_module(&mut m, || {
                    for n in 0..CALLS {
                        let (r, _, _, inout) = FNS[(n % 13) as usize];
                        let v = (t << 32) | n;
                        let got = unsafe { inout(v) }.unwrap();
                        assert_eq!(got, !v ^ tag, "thread {t} call {n} via {r}");
                    }
                });
                assert_eq!(m.seen.len() as u64, CALLS);
                assert!(m.seen.iter().all(|(_, _, v)| v >> 32 == t));
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
}

// ---- injected outcomes ---------------------------------------------------

#[test]
fn injected_faults_and_vmfailinvalid_through_the_module() {
    for (outcome, kind, status) in [
        (
            Outcome::Fault(Trap::InvalidOpcode),
            ErrorKind::Fault(Trap::InvalidOpcode),
            TdxStatus::SEAMCALL_UD,
        ),
        (
            Outcome::Fault(Trap::GeneralProtection),
            ErrorKind::Fault(Trap::GeneralProtection),
            TdxStatus::SEAMCALL_GP,
        ),
        (
            Outcome::VmFailInvalid,
            ErrorKind::VmFailInvalid,
            TdxStatus::SEAMCALL_VMFAILINVALID,
        ),
    ] {
        let mut m = |regs: &mut Regs| {
            regs.r12 = 0xbad;
            outcome
        };
        emulate::with_module(&mut m, || {
            for (r, _, _, inout) in FNS {
                assert_eq!(unsafe { inout(5) }.unwrap_err().kind(), kind, "{r}");
            }
            let (s, v) = unsafe { r12::inout_raw(5) };
            assert_eq!((s, v), (status, 0), "the pad zeroes the output");
        });
    }
}

// ---- RBP: zeroed by module 1.5.01 on an asynchronous TD exit -------------

#[seamcall(leaf = 1200, unchecked, in = [rcx], out = [r8], clobber = [rbp])]
unsafe fn rbp_leaf(a: u64) -> Result<u64, SeamcallError>;

/// TDH.VP.ENTER's exit details in RCX, RDX, R8 and R9 for an asynchronous
/// exit; module 1.5.01 zeroes every other register, RBP included.
const EXIT_DETAILS: [u64; 4] = [0x11, 0x22, 0x88, 0x99];

/// Answers with `outcome` and, through [`Module::rbp_after`], sets RBP to
/// `rbp` on return. Leaf 0 (TDH.VP.ENTER) exits asynchronously as module
/// 1.5.01 does; leaf 1200 returns R8 = RCX + 1; other leaves write RAX
/// only. Records the leaf words `rbp_after` was called with.
struct SetsRbp {
    outcome: Outcome,
    rbp: u64,
    words: Vec<u64>,
}

impl SetsRbp {
    fn new(outcome: Outcome, rbp: u64) -> SetsRbp {
        SetsRbp {
            outcome,
            rbp,
            words: Vec::new(),
        }
    }
}

impl Module for SetsRbp {
    fn seamcall(&mut self, regs: &mut Regs) -> Outcome {
        match regs.leaf() {
            0 => {
                let mut exit = Regs::default();
                [exit.rcx, exit.rdx, exit.r8, exit.r9] = EXIT_DETAILS;
                *regs = exit;
            }
            1200 => regs.r8 = regs.rcx + 1,
            _ => {}
        }
        regs.rax = 0;
        self.outcome
    }

    fn rbp_after(&mut self, leaf_word: u64) -> Option<u64> {
        self.words.push(leaf_word);
        Some(self.rbp)
    }
}

/// Runs a SEAMCALL registered in the table with RAX = `leaf_word` and RBP =
/// `rbp`, and returns RBP as the instruction left it.
fn rbp_across_raw_seamcall(leaf_word: u64, rbp: u64) -> u64 {
    let after: u64;
    // SAFETY: the block saves the caller's RBP on the stack (so it is not
    // `nostack`) and restores it before it ends; the instruction is recorded
    // in the table with both fault entries pointing at a pad that rejoins
    // after it. The modules used with it write RAX only, an operand.
    unsafe {
        core::arch::asm!(
            "push rbp",
            "mov rbp, {v}",
            registered_seamcall!(),
            "mov {v}, rbp",
            "pop rbp",
            v = inout(reg) rbp => after,
            inout("rax") leaf_word => _,
        );
    }
    after
}

#[test]
fn emulator_sets_rbp_on_return_only_when_the_module_asks() {
    const RBP: u64 = 0x5eed_0000_0000_b0b0;
    const WORD: u64 = 0x0001_07d0; // leaf 2000, version 1
    for value in [0, 0x1234_5678] {
        let mut m = Recorder::new(SetsRbp::new(Outcome::Return, value));
        let got = emulate::with_module(&mut m, || rbp_across_raw_seamcall(WORD, RBP));
        assert_eq!(got, value, "RBP as the module set it (through a Recorder)");
        assert_eq!(m.inner().words, [WORD], "asked once, with the leaf word");
    }
    for outcome in [
        Outcome::VmFailInvalid,
        Outcome::Fault(Trap::InvalidOpcode),
        Outcome::Fault(Trap::GeneralProtection),
    ] {
        let mut m = SetsRbp::new(outcome, 0);
        let got = emulate::with_module(&mut m, || rbp_across_raw_seamcall(WORD, RBP));
        assert_eq!(got, RBP, "{outcome:?} changes no register");
        assert!(m.words.is_empty(), "{outcome:?}: not asked");
    }
    // A module that does not override `rbp_after` leaves RBP alone.
    let mut m = |regs: &mut Regs| {
        regs.rax = 0;
        Outcome::Return
    };
    assert_eq!(
        emulate::with_module(&mut m, || rbp_across_raw_seamcall(WORD, RBP)),
        RBP
    );
}

/// Arguments and results of a leaf call made through
/// [`callee_saved::check`].
struct Io {
    regs: [u64; 13],
    status: u64,
}

extern "C" fn via_vp_enter(io: *mut Io) {
    // SAFETY: `io` points at the caller's live `Io` for this call.
    let io = unsafe { &mut *io };
    let [a, b, c, d, e, f, g, h, i, j, k, l, m] = io.regs;
    // SAFETY: the test's module answers the instruction.
    let (status, out) = unsafe {
        seamcall_core::leaves::tdh_vp_enter(PhysAddr::new(a), b, c, d, e, f, g, h, i, j, k, l, m)
    };
    io.status = status.raw();
    io.regs = tuple13(out);
}

extern "C" fn via_rbp_leaf(io: *mut Io) {
    // SAFETY: `io` points at the caller's live `Io` for this call.
    let io = unsafe { &mut *io };
    // SAFETY: the test's module answers the instruction.
    match unsafe { rbp_leaf(io.regs[0]) } {
        Ok(v) => (io.status, io.regs[0]) = (0, v),
        Err(e) => io.status = e.raw(),
    }
}

/// The module zeroes RBP, as module 1.5.01 does on an asynchronous exit;
/// the declarations say `clobber = [rbp]`, so the caller's RBP survives.
///
/// The private leaf is what catches a block that does not save RBP: its
/// enclosing function does not use RBP, so the zero reaches the harness.
/// The catalog's TDH.VP.ENTER binds every other register, and LLVM then
/// allocates RBP in the enclosing function and saves it in the prologue
/// (debug and release alike), so that case shows RBP intact and the
/// outputs right, but would not see a missing save by itself.
#[test]
fn rbp_clobber_keeps_the_callers_rbp_when_the_module_zeroes_it() {
    let mut expect_vp = [0u64; 13];
    expect_vp[..4].copy_from_slice(&EXIT_DETAILS);
    let mut expect_leaf = [0x1000u64; 13];
    expect_leaf[0] = 0x1001;
    for (name, f, word, expect) in [
        (
            "TDH.VP.ENTER (catalog)",
            via_vp_enter as extern "C" fn(*mut Io),
            0,
            expect_vp,
        ),
        ("unchecked leaf 1200", via_rbp_leaf, 1200, expect_leaf),
    ] {
        let mut io = Io {
            regs: [0x1000; 13],
            status: u64::MAX,
        };
        let mut m = SetsRbp::new(Outcome::Return, 0);
        // SAFETY: `f` takes a pointer to an `Io`, and `io` lives across the
        // call.
        let changed = emulate::with_module(&mut m, || unsafe { callee_saved::check(f, &mut io) });
        assert_eq!(
            changed, 0,
            "{name}: callee-saved registers changed (mask {changed:#b}; bit 1 is RBP)"
        );
        assert_eq!(m.words, [word], "{name}: the module zeroed RBP once");
        assert_eq!(io.status, 0, "{name}");
        assert_eq!(io.regs, expect, "{name}: outputs");
    }
}
