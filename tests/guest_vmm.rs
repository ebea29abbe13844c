//! TDG.VP.VMCALL through the emulator's module side (`emulate::vmm`): the
//! mask rules, a VMM that changes every register it is shown (and tries the
//! others), the catalog's declarations against it, a hand-written
//! COCONUT-style call that exposes a register it declares as an input only,
//! and the default VMM's GHCI calls (MapGPA with RETRY, ReportFatalError,
//! GetQuote, the Instruction.* calls).
//!
//! The register check is [`Guard`]: a guest module around the TD that
//! compares every register before and after each TDCALL with what the
//! calling code declares it lets the TDCALL change (the catalog's
//! declarations: `guest::ALL`; the hand-written forms: their `asm!`
//! operand lists). A change outside that set is recorded and undone, so the
//! hand-written form's undeclared change is reported without ever reaching
//! code that relies on the register.

use std::hint::black_box;

use seamcall_core::emulate::vmm::{
    self, subfn, GhciVmm, Recorder, SharedWindow, VmcallExit, VmcallOnly, MASK_REJECTED,
    QUOTE_SERVICE_UNAVAILABLE, RAX_REJECTED,
};
use seamcall_core::emulate::{self, GuestModule, Outcome, Regs};
use seamcall_core::guest::{
    self as g, MapGpaError, TdcallErrorKind, TdvmcallErrorKind, TdvmcallStatus,
};
use seamcall_core::leaves::{Reg, RegSet};
use seamcall_core::{TdxStatus, Trap};

const SHARED: u64 = 1 << 47;
const MIB2: u64 = 2 << 20;

/// A guest module around `inner` that checks each TDCALL against the
/// registers the caller declared: changes outside `declared` (and RAX, the
/// status) are recorded in `undeclared` and undone.
struct Guard<G> {
    inner: G,
    declared: RegSet,
    /// Per TDCALL, every register whose value the TDCALL changed.
    changed: Vec<Vec<Reg>>,
    /// Registers changed outside the declaration.
    undeclared: Vec<Reg>,
}

impl<G> Guard<G> {
    fn new(inner: G, declared: RegSet) -> Guard<G> {
        Guard {
            inner,
            declared: declared.union(RegSet::of(&[Reg::Rax])),
            changed: Vec::new(),
            undeclared: Vec::new(),
        }
    }
}

impl<G: GuestModule> GuestModule for Guard<G> {
    fn tdcall(&mut self, regs: &mut Regs, rbp: &mut u64) -> Outcome {
        let (mut r, mut b) = (*regs, *rbp);
        let outcome = self.inner.tdcall(&mut r, &mut b);
        if outcome != Outcome::Return {
            return outcome;
        }
        let mut changed: Vec<Reg> = regs.changed(&r).collect();
        if b != *rbp {
            changed.push(Reg::Rbp);
        }
        for &reg in &changed {
            if !self.declared.contains(reg) {
                self.undeclared.push(reg);
                if reg == Reg::Rbp {
                    b = *rbp;
                } else {
                    r.set(
                        reg,
                        regs.get(reg).expect("Regs holds every GPR but RSP and RBP"),
                    );
                }
            }
        }
        self.changed.push(changed);
        (*regs, *rbp) = (r, b);
        outcome
    }
}

/// The value the hostile VMM writes into GPR `n`.
const fn bad(n: usize) -> u64 {
    0xBAD0_0000_0000_0000 | n as u64
}

/// A VMM that writes every one of the 16 registers (exposed or not, RAX,
/// RCX and RSP included) and answers R10 = 0 (SUCCESS).
fn hostile(exit: &mut VmcallExit) {
    for (n, v) in exit.gprs.iter_mut().enumerate() {
        *v = bad(n);
    }
    exit.gprs[10] = 0;
}

type Hostile = fn(&mut VmcallExit);

fn hostile_td() -> VmcallOnly<Recorder<Hostile>> {
    VmcallOnly::new(Recorder::new(hostile as Hostile))
}

/// Eight values live across `f`, which the compiler keeps in callee-saved
/// registers or on the stack; all must survive.
fn live_across<T>(f: impl FnOnce() -> T) -> T {
    let v: [u64; 8] = std::array::from_fn(|i| black_box(0x1111_1111_1111_1111 * (i as u64 + 1)));
    let (a, b, c, d, e, f2, g2, h) = (v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]);
    let out = f();
    for (i, x) in [a, b, c, d, e, f2, g2, h].iter().enumerate() {
        assert_eq!(
            black_box(*x),
            0x1111_1111_1111_1111 * (i as u64 + 1),
            "value {i} changed"
        );
    }
    out
}

/// What the catalog declaration `function` lets the TDCALL change, as the
/// macro generated it from the declaration: its outputs, its clobbers and
/// every register its mask exposes (which the expansion binds as outputs;
/// `GuestCallInfo::written_set`). Every other register is one the compiler
/// may keep a live value in across the call.
fn declared(function: &str) -> RegSet {
    g::ALL
        .iter()
        .find(|i| i.function == function)
        .unwrap_or_else(|| panic!("{function} is not in the catalog"))
        .written_set()
}

fn exposed_gprs(mask: u64) -> Vec<Reg> {
    g::vmcall::exposed(mask)
        .iter()
        .filter(|r| r.is_gpr())
        .collect()
}

/// Run `call` (the catalog's `function`) against the hostile VMM, under
/// the guard with the declaration's register set; checks the mask rules at
/// run time and returns the call's result.
fn against_hostile<T>(function: &str, call: impl FnOnce() -> T) -> T {
    let mut guard = Guard::new(hostile_td(), declared(function));
    let out = emulate::with_guest(&mut guard, || live_across(call));
    assert_eq!(guard.undeclared, [], "{function}: undeclared changes");
    let calls = guard.inner.vmm().calls();
    assert_eq!(calls.len(), 1, "{function}");
    let call = calls[0];
    let mask = call.mask();
    let exposed = exposed_gprs(mask);
    // The VMM saw the exposed registers, RAX = 77, RCX = the mask, and
    // zeros elsewhere.
    for (n, &v) in call.seen.gprs.iter().enumerate() {
        let reg = Reg::from_index(n as u8).unwrap();
        match n {
            0 => assert_eq!(v, 77, "{function}: RAX"),
            1 => assert_eq!(v, mask, "{function}: RCX"),
            _ if !exposed.contains(&reg) => assert_eq!(v, 0, "{function}: {reg} not exposed"),
            _ => {}
        }
    }
    // Only the exposed registers came back, RAX 0, RCX the caller's. The
    // VMM wrote a value no caller passes into each, except R10 = 0, which
    // a standard call also sends.
    let want: Vec<Reg> = exposed
        .iter()
        .copied()
        .filter(|&r| r != Reg::R10 || call.seen.gprs[10] != 0)
        .collect();
    assert_eq!(call.changed(), want, "{function}: the recorder's view");
    assert_eq!(guard.changed, [want], "{function}: what the TDCALL changed");
    out
}

#[test]
fn catalog_tdvmcalls_declare_every_register_a_hostile_vmm_changes() {
    let bad11 = bad(11);
    assert_eq!(
        against_hostile("tdvmcall_rdmsr", || unsafe { g::tdvmcall_rdmsr(0x1B) }),
        Ok(bad11)
    );
    assert_eq!(
        against_hostile("tdvmcall_wrmsr", || unsafe { g::tdvmcall_wrmsr(0x1B, 5) }),
        Ok(())
    );
    assert_eq!(
        against_hostile("tdvmcall_cpuid", || unsafe { g::tdvmcall_cpuid(1, 0) }),
        Ok((12, 13, 14, 15))
    );
    assert_eq!(
        against_hostile("tdvmcall_hlt", || g::tdvmcall_hlt(true)),
        Ok(())
    );
    assert_eq!(
        against_hostile("tdvmcall_io", || unsafe { g::tdvmcall_io(1, 0, 0x3F8, 0) }),
        Ok(bad11)
    );
    assert_eq!(
        against_hostile("tdvmcall_mmio", || unsafe {
            g::tdvmcall_mmio(4, 1, SHARED | 0x1000, 7)
        }),
        Ok(bad11)
    );
    let (r, resume) = against_hostile("tdvmcall_map_gpa", || unsafe {
        g::tdvmcall_map_gpa(SHARED | 0x20_0000, MIB2)
    });
    assert_eq!((r, resume), (Ok(()), bad11));
    assert_eq!(
        against_hostile("tdvmcall_get_quote", || unsafe {
            g::tdvmcall_get_quote(SHARED | 0x1000, 0x1000)
        }),
        Ok(())
    );
    assert_eq!(
        against_hostile("tdvmcall_get_td_vm_call_info", || {
            g::tdvmcall_get_td_vm_call_info(0)
        }),
        Ok((bad11, bad(12), bad(13), bad(14)))
    );
    assert_eq!(
        against_hostile("tdvmcall_report_fatal_error", || {
            g::tdvmcall_report_fatal_error(1, 0)
        }),
        Ok(())
    );
    // 0xFFCC: RBX, RSI, RDI, RDX, R8, R9 exposed too.
    assert_eq!(
        against_hostile("tdvmcall_report_fatal_error_message", || {
            g::tdvmcall_report_fatal_error_message(1, 2, 3, 4, 5, 6, 7, 8, 9, 10)
        }),
        Ok(())
    );
    assert_eq!(
        against_hostile("tdvmcall_setup_event_notify_interrupt", || unsafe {
            g::tdvmcall_setup_event_notify_interrupt(0x40)
        }),
        Ok(())
    );
    assert_eq!(
        against_hostile("tdvmcall_service", || unsafe {
            g::tdvmcall_service(SHARED | 0x1000, SHARED | 0x2000, 0, 0)
        }),
        Ok(())
    );
    assert_eq!(
        against_hostile("tdvmcall_wbinvd", || unsafe { g::tdvmcall_wbinvd(0) }),
        Ok(())
    );
    assert_eq!(
        against_hostile("tdvmcall_pconfig", || unsafe {
            g::tdvmcall_pconfig(1, 2, 3, 4)
        }),
        Ok(bad11)
    );
    assert!(against_hostile("tdvmcall_kvm_hypercall", || unsafe {
        g::tdvmcall_kvm_hypercall(1, 2, 3, 4, 5)
    })
    .is_ok());
    assert_eq!(
        against_hostile("tdvmcall_hyperv_hypercall", || unsafe {
            g::tdvmcall_hyperv_hypercall(0x1_0002, 0xA, 0xB)
        }),
        Ok(bad11)
    );
}

/// A TDG.VP.VMCALL written by hand with `asm!`: the TDCALL at a site with
/// both exception-table entries (so the emulator traps it, as it traps a
/// declaration's), `$pre` and `$post` around it, then the operands.
macro_rules! tdcall_by_hand {
    ([$($pre:literal),*], [$($post:literal),*], $($operands:tt)*) => {
        core::arch::asm!(
            $($pre,)*
            "2:",
            seamcall_core::__tdcall_insn!(),
            "3:",
            $($post,)*
            ".pushsection .text.unlikely.guest_vmm_fixup, \"ax\", @progbits",
            "4:",
            "mov rax, {ud}",
            "jmp 3b",
            "5:",
            "mov rax, {gp}",
            "jmp 3b",
            ".popsection",
            ".pushsection seamcall_extable, \"aR\", @progbits",
            ".balign 4",
            ".long 2b - .",
            ".long 4b - .",
            ".long 6",
            ".long 2b - .",
            ".long 5b - .",
            ".long 13",
            ".popsection",
            ud = const seamcall_core::__private::SEAMCALL_UD,
            gp = const seamcall_core::__private::SEAMCALL_GP,
            $($operands)*
        )
    };
}

/// COCONUT's `tdvmcall_rdmsr` (coconut-svsm/svsm `kernel/src/tdx/tdcall.rs`
/// at f4bc4bcd, lines 427-452): mask R10-R12, but R12 (the MSR index) is
/// an input only and the code declares only RAX, R10 and R11 written.
/// Returns (RAX, R10, R11).
#[inline(never)]
fn coconut_rdmsr(msr: u32) -> (u64, u64, u64) {
    let (rax, r10, r11): (u64, u64, u64);
    // SAFETY: under the guard below, which undoes the change of R12 that
    // this operand list does not declare; outside a TD the TDCALL faults
    // to the fixup.
    unsafe {
        tdcall_by_hand!(
            [],
            [],
            inout("rax") 0u64 => rax,
            in("rcx") 0x1C00u64,
            inout("r10") 0u64 => r10,
            inout("r11") 0x1Fu64 => r11,
            in("r12") u64::from(msr),
            options(nostack),
        );
    }
    (rax, r10, r11)
}

/// The registers `coconut_rdmsr`'s operand list declares written.
const COCONUT_RDMSR_WRITES: [Reg; 3] = [Reg::Rax, Reg::R10, Reg::R11];

#[test]
fn a_coconut_style_undeclared_exposure_fails_the_check_and_the_catalog_passes() {
    let mut guard = Guard::new(hostile_td(), RegSet::of(&COCONUT_RDMSR_WRITES));
    let (rax, r10, r11) = emulate::with_guest(&mut guard, || coconut_rdmsr(0x1B));
    assert_eq!((rax, r10, r11), (0, 0, bad(11)));
    assert_eq!(
        guard.undeclared,
        [Reg::R12],
        "the VMM changed R12, which the hand-written call exposes but does not declare"
    );
    assert_eq!(guard.inner.vmm().calls()[0].seen.gprs[12], 0x1B);

    // The catalog's RDMSR exposes the same registers and passes.
    let mut guard = Guard::new(hostile_td(), declared("tdvmcall_rdmsr"));
    let r = emulate::with_guest(&mut guard, || unsafe { g::tdvmcall_rdmsr(0x1B) });
    assert_eq!(r, Ok(bad(11)));
    assert_eq!(guard.undeclared, []);
    assert_eq!(guard.changed, [[Reg::R11, Reg::R12]]);
}

/// A TDG.VP.VMCALL with any RCX and RAX, R12 = `r12`, RBP = `rbp` during
/// the call (saved and restored around it); returns (RAX, RCX, R12, RBP
/// after the call).
#[inline(never)]
fn raw_vmcall(rax: u64, rcx: u64, r12: u64, rbp: u64) -> (u64, u64, u64, u64) {
    let (rax_out, rcx_out, r12_out, rbp_out): (u64, u64, u64, u64);
    // SAFETY: RBP is pushed and popped inside the block (no `nostack`: the
    // block may use the stack); every GPR but RBX, RSP and RBP is an
    // operand, written or clobbered, and the masks the tests pass never
    // expose RBX.
    unsafe {
        tdcall_by_hand!(
            ["push rbp", "mov rbp, r14"],
            ["mov r15, rbp", "pop rbp"],
            // RBP's value in and out through fixed registers: a `reg`
            // operand could be given RBP itself in a function that saves
            // it.
            inout("r14") rbp => _,
            lateout("r15") rbp_out,
            inout("rax") rax => rax_out,
            inout("rcx") rcx => rcx_out,
            inout("r12") r12 => r12_out,
            lateout("rdx") _, lateout("rsi") _, lateout("rdi") _,
            lateout("r8") _, lateout("r9") _, lateout("r10") _, lateout("r11") _,
            lateout("r13") _,
        );
    }
    (rax_out, rcx_out, r12_out, rbp_out)
}

#[test]
fn rbp_under_no_rbp_mod_is_rejected_before_the_vmm() {
    // RBP (bit 5) and R12 exposed.
    let mask = 1 << 5 | 1 << 12;
    let mut td = hostile_td();
    let (rax, rcx, r12, rbp) = emulate::with_guest(&mut td, || raw_vmcall(0, mask, 7, 0x5555));
    assert_eq!(rax, MASK_REJECTED);
    assert_eq!((rcx, r12, rbp), (mask, 7, 0x5555), "nothing else written");
    assert!(td.vmm().calls().is_empty(), "nothing reached the VMM");

    // Without NO_RBP_MOD the VMM sees RBP and its answer comes back.
    td.set_no_rbp_mod(false);
    let (rax, rcx, r12, rbp) = emulate::with_guest(&mut td, || raw_vmcall(0, mask, 7, 0x5555));
    assert_eq!((rax, rcx, r12, rbp), (0, mask, bad(12), bad(5)));
    assert_eq!(td.vmm().last().unwrap().seen.gprs[5], 0x5555);

    // The other refused masks and RAX words, each with NO_RBP_MOD off.
    for (rax_in, rcx_in, want) in [
        (0, 1 | 1 << 12, MASK_REJECTED),
        (0, 1 << 1 | 1 << 12, MASK_REJECTED),
        (0, 1 << 4 | 1 << 12, MASK_REJECTED),
        (0, 1 << 32 | 1 << 12, MASK_REJECTED),
        (1 << 16, 1 << 12, RAX_REJECTED),
        (1 << 24, 1 << 12, RAX_REJECTED),
        (1 << 40, 1 << 12, RAX_REJECTED),
    ] {
        let before = td.vmm().calls().len();
        let out = emulate::with_guest(&mut td, || raw_vmcall(rax_in, rcx_in, 7, 0x5555));
        assert_eq!(out, (want, rcx_in, 7, 0x5555), "{rax_in:#x} {rcx_in:#x}");
        assert_eq!(td.vmm().calls().len(), before, "{rax_in:#x} {rcx_in:#x}");
    }
}

#[test]
fn xmm_select_is_accepted_and_shown_but_no_xmm_value_travels() {
    let mask = 1 << 12 | 1 << 16 | 1 << 31; // R12, XMM0, XMM15
    let mut td = hostile_td();
    let (rax, rcx, r12, _) = emulate::with_guest(&mut td, || raw_vmcall(0, mask, 7, 0));
    assert_eq!((rax, rcx, r12), (0, mask, bad(12)));
    let call = td.vmm().last().unwrap();
    assert_eq!(call.seen.xmm_select(), 0x8001);
    assert_eq!(call.seen.gprs[1], mask);
    assert!(call.exposed().contains(&Reg::Xmm15));
}

#[test]
fn vmcall_only_rejects_every_other_leaf_with_rax() {
    let mut td = hostile_td();
    let info = emulate::with_guest(&mut td, g::tdg_vp_info);
    assert_eq!(
        info.unwrap_err().kind(),
        TdcallErrorKind::Status(TdxStatus::from_raw(RAX_REJECTED))
    );
    assert!(td.vmm().calls().is_empty());
}

fn ghci_td() -> VmcallOnly<Recorder<GhciVmm>> {
    VmcallOnly::new(Recorder::new(GhciVmm::new()))
}

#[test]
fn map_gpa_converts_in_2m_chunks_with_retry_and_the_helper_follows() {
    let mut td = ghci_td();
    td.vmm_mut().inner_mut().set_events_pending(true);
    let start = 0x1_0000_0000u64;
    // 8 MiB to shared: KVM stops after each 2 MiB with RETRY.
    let r = emulate::with_guest(&mut td, || unsafe {
        g::map_gpa(SHARED | start, 4 * MIB2, g::MAP_GPA_RETRIES)
    });
    assert_eq!(r, Ok(()));
    let calls = td.vmm_mut().take();
    assert_eq!(calls.len(), 4);
    for (i, c) in calls.iter().enumerate() {
        let at = SHARED | (start + i as u64 * MIB2);
        assert_eq!(c.name(), Some("MapGPA"));
        assert_eq!(
            (c.seen.gprs[12], c.seen.gprs[13]),
            (at, 4 * MIB2 - i as u64 * MIB2)
        );
        if i < 3 {
            assert_eq!(c.status(), Some(TdvmcallStatus::RETRY));
            assert_eq!(c.answer.gprs[11], at + MIB2, "R11: where to resume");
        } else {
            assert_eq!(c.status(), Some(TdvmcallStatus::SUCCESS));
        }
    }
    let vmm = td.vmm().inner();
    assert_eq!(vmm.shared_ranges(), [(start, start + 4 * MIB2)]);
    assert!(vmm.is_shared(start + 3 * MIB2) && !vmm.is_shared(start + 4 * MIB2));

    // One 2 MiB chunk back to private: no RETRY for a single chunk.
    let (r, _) = emulate::with_guest(&mut td, || unsafe {
        g::tdvmcall_map_gpa(start + MIB2, MIB2)
    });
    assert_eq!(r, Ok(()));
    assert_eq!(
        td.vmm().inner().shared_ranges(),
        [(start, start + MIB2), (start + 2 * MIB2, start + 4 * MIB2)]
    );

    // Without pending events: one call.
    td.vmm_mut().inner_mut().set_events_pending(false);
    td.vmm_mut().take();
    let r = emulate::with_guest(&mut td, || unsafe { g::map_gpa(start, 4 * MIB2, 3) });
    assert_eq!(r, Ok(()));
    assert_eq!(td.vmm().calls().len(), 1);
    assert_eq!(td.vmm().inner().shared_ranges(), []);
}

#[test]
fn map_gpa_errors_are_kvms_with_r11_the_gpa() {
    let mut td = ghci_td();
    for (gpa, size, want) in [
        (0x1000u64, 0x800u64, TdvmcallStatus::ALIGN_ERROR),
        (0x800, 0x1000, TdvmcallStatus::ALIGN_ERROR),
        (SHARED - 0x1000, 0x2000, TdvmcallStatus::INVALID_OPERAND), // both sides
        (1 << 48, 0x1000, TdvmcallStatus::INVALID_OPERAND),         // beyond GPAW
        (0x1000, 0, TdvmcallStatus::INVALID_OPERAND),
    ] {
        let (r, r11) = emulate::with_guest(&mut td, || unsafe { g::tdvmcall_map_gpa(gpa, size) });
        assert_eq!(
            r.unwrap_err().kind(),
            TdvmcallErrorKind::Vmm(want),
            "{gpa:#x}+{size:#x}"
        );
        assert_eq!(r11, gpa);
    }
    assert_eq!(td.vmm().inner().shared_ranges(), []);
    // The helper reports the VMM's error with where it happened.
    let r = emulate::with_guest(&mut td, || unsafe { g::map_gpa(0x800, 0x1000, 3) });
    assert!(matches!(
        r,
        Err(MapGpaError::Call { at: 0x800, error }) if error.vmm_status() == Some(TdvmcallStatus::ALIGN_ERROR)
    ));
}

#[test]
fn map_gpa_retry_loops_against_a_hostile_vmm_are_bounded() {
    // RETRY forever, without progress: R11 = R12. (After 100 calls it
    // stops the TD, so that a helper without a bound fails here instead of
    // looping.)
    let mut n = 0;
    let stuck = move |e: &mut VmcallExit| {
        n += 1;
        if n > 100 {
            e.stop();
        }
        e.gprs[11] = e.gprs[12];
        e.gprs[10] = TdvmcallStatus::RETRY.raw();
    };
    let mut td = VmcallOnly::new(Recorder::new(stuck));
    let r = emulate::with_guest(&mut td, || unsafe { g::map_gpa(0x1000, 0x4000, 3) });
    assert_eq!(
        r,
        Err(MapGpaError::NoProgress {
            at: 0x1000,
            retries: 3
        })
    );
    assert_eq!(
        td.vmm().calls().len(),
        3,
        "three calls without progress, as Linux makes"
    );
    assert!(r.unwrap_err().to_string().contains("RETRY 3 times"));

    // RETRY with a resume address outside [start, end) (stopping the TD
    // after 100 calls, as above).
    for resume in [0x0, 0xFFF, 0x5000, u64::MAX] {
        let mut n = 0;
        let outside = move |e: &mut VmcallExit| {
            n += 1;
            if n > 100 {
                e.stop();
            }
            e.gprs[11] = resume;
            e.gprs[10] = TdvmcallStatus::RETRY.raw();
        };
        let mut td = VmcallOnly::new(outside);
        let r = emulate::with_guest(&mut td, || unsafe { g::map_gpa(0x1000, 0x4000, 3) });
        assert_eq!(
            r,
            Err(MapGpaError::ResumeOutOfRange {
                at: 0x1000,
                end: 0x5000,
                resume
            }),
            "{resume:#x}"
        );
    }

    // RETRY forever but 4 KiB further each time: ends, in order.
    let creep = |e: &mut VmcallExit| {
        if e.gprs[13] > 0x1000 {
            e.gprs[11] = e.gprs[12] + 0x1000;
            e.gprs[10] = TdvmcallStatus::RETRY.raw();
        } else {
            e.gprs[10] = 0;
        }
    };
    let mut td = VmcallOnly::new(Recorder::new(creep));
    let r = emulate::with_guest(&mut td, || unsafe { g::map_gpa(0x1000, 0x4000, 0) });
    assert_eq!(r, Ok(()));
    let starts: Vec<u64> = td.vmm().calls().iter().map(|c| c.seen.gprs[12]).collect();
    assert_eq!(starts, [0x1000, 0x2000, 0x3000, 0x4000]);
}

#[test]
fn report_fatal_error_stops_the_td() {
    let mut td = ghci_td();
    let msg = *b"guest panicked: out of memory at boot, cannot continue.........\0";
    let words: Vec<u64> = msg
        .chunks_exact(8)
        .map(|c| u64::from_le_bytes(c.try_into().unwrap()))
        .collect();
    let (r, after) = emulate::with_guest(&mut td, || {
        let r = g::tdvmcall_report_fatal_error_message(
            1 << 63 | 0x42,
            SHARED | 0x9000,
            words[0],
            words[1],
            words[2],
            words[3],
            words[4],
            words[5],
            words[6],
            words[7],
        );
        (r, g::tdvmcall_hlt(false))
    });
    assert_eq!(
        r.unwrap_err().kind(),
        TdvmcallErrorKind::Fault(Trap::InvalidOpcode),
        "a stopped TD does not return from the TDCALL: the emulator raises #UD"
    );
    assert_eq!(
        after.unwrap_err().kind(),
        TdvmcallErrorKind::Fault(Trap::InvalidOpcode),
        "nor does any later one"
    );
    assert!(td.is_stopped());
    assert_eq!(td.vmm().calls().len(), 1, "the HLT never reached the VMM");
    assert!(td.vmm().last().unwrap().stopped());
    let fatal = td.vmm().inner().fatal_error().copied().unwrap();
    assert_eq!(
        (fatal.code, fatal.data_gpa),
        (1 << 63 | 0x42, SHARED | 0x9000)
    );
    assert_eq!(fatal.message, msg);
    assert_eq!(
        fatal.message_str(),
        Some("guest panicked: out of memory at boot, cannot continue.........")
    );

    // Resumed instead: SUCCESS; the short form sends no message.
    let mut td = ghci_td();
    td.vmm_mut().inner_mut().set_resume_after_fatal(true);
    let r = emulate::with_guest(&mut td, || g::tdvmcall_report_fatal_error(7, 0));
    assert_eq!(r, Ok(()));
    assert!(!td.is_stopped());
    let fatal = td.vmm().inner().fatal_error().copied().unwrap();
    assert_eq!((fatal.code, fatal.message), (7, [0; 64]));
}

#[test]
fn get_quote_answers_the_buffer_with_a_fixed_status() {
    let base = 0x8_0000u64;
    let mut mem = SharedWindow::new(base, 0x2000);
    mem.bytes[0..8].copy_from_slice(&1u64.to_le_bytes()); // version
    mem.bytes[16..20].copy_from_slice(&1024u32.to_le_bytes()); // in_len
    mem.bytes[20..24].copy_from_slice(&0xFFFFu32.to_le_bytes()); // out_len
    let mut td = ghci_td();
    td.vmm_mut().inner_mut().set_memory(Box::new(mem));
    let r = emulate::with_guest(&mut td, || unsafe {
        g::tdvmcall_get_quote(SHARED | base, 0x2000)
    });
    assert_eq!(r, Ok(()));
    let mut header = [0u8; 24];
    assert!(td.vmm().inner().memory().unwrap().read(base, &mut header));
    assert_eq!(header[0..8], 1u64.to_le_bytes(), "version kept");
    assert_eq!(header[8..16], QUOTE_SERVICE_UNAVAILABLE.to_le_bytes());
    assert_eq!(header[16..20], 1024u32.to_le_bytes(), "in_len kept");
    assert_eq!(header[20..24], [0; 4], "out_len: no quote");

    td.vmm_mut().inner_mut().set_quote_status(0);
    let r = emulate::with_guest(&mut td, || unsafe {
        g::tdvmcall_get_quote(SHARED | base, 0x1000)
    });
    assert_eq!(r, Ok(()));
    assert!(td.vmm().inner().memory().unwrap().read(base, &mut header));
    assert_eq!(header[8..16], [0; 8]);

    for (gpa, size, want) in [
        (base, 0x1000, TdvmcallStatus::INVALID_OPERAND), // private
        (SHARED | base | 0x10, 0x1000, TdvmcallStatus::ALIGN_ERROR),
        (SHARED | 0x10_0000, 0x1000, TdvmcallStatus::INVALID_OPERAND), // not in memory
    ] {
        let r = emulate::with_guest(&mut td, || unsafe { g::tdvmcall_get_quote(gpa, size) });
        assert_eq!(
            r.unwrap_err().kind(),
            TdvmcallErrorKind::Vmm(want),
            "{gpa:#x}"
        );
    }
    assert_eq!(td.vmm().inner().quotes().len(), 5);
}

#[test]
fn instruction_calls_info_and_the_rest() {
    let mut td = ghci_td();
    let vmm = td.vmm_mut().inner_mut();
    vmm.set_cpuid(
        0x4000_0000,
        0,
        [0x4000_0001, 0x4B4D_564B, 0x564B_4D56, 0x4D],
    )
    .set_msr(0x1B, 0xFEE0_0900)
    .set_msr_readonly(0x10)
    .set_port(0x3FD, 0x60)
    .set_td_vm_call_info([2, 0, 0, 0]);
    emulate::with_guest(&mut td, || unsafe {
        assert_eq!(
            g::tdvmcall_cpuid(0x4000_0000, 0),
            Ok((0x4000_0001, 0x4B4D_564B, 0x564B_4D56, 0x4D))
        );
        assert_eq!(g::tdvmcall_cpuid(0x4000_0001, 0), Ok((0, 0, 0, 0)));
        assert_eq!(g::tdvmcall_rdmsr(0x1B), Ok(0xFEE0_0900));
        assert_eq!(g::tdvmcall_wrmsr(0x1B, 0xFEE0_0800), Ok(()));
        assert_eq!(g::tdvmcall_rdmsr(0x1B), Ok(0xFEE0_0800));
        let vmm_err = TdvmcallErrorKind::Vmm;
        assert_eq!(
            g::tdvmcall_rdmsr(0x99).unwrap_err().kind(),
            vmm_err(TdvmcallStatus::INVALID_OPERAND)
        );
        assert_eq!(
            g::tdvmcall_wrmsr(0x10, 1).unwrap_err().kind(),
            vmm_err(TdvmcallStatus::INVALID_OPERAND)
        );
        assert_eq!(g::tdvmcall_io(1, 0, 0x3FD, 0), Ok(0x60));
        assert_eq!(g::tdvmcall_io(2, 0, 0x80, 0), Ok(0xFFFF), "no device");
        // A write: the VMM leaves R11 alone, so the TD reads back its own
        // R11, the sub-function.
        assert_eq!(g::tdvmcall_io(1, 1, 0x3F8, 0x1_41), Ok(subfn::IO));
        assert_eq!(
            g::tdvmcall_io(3, 0, 0x80, 0).unwrap_err().kind(),
            vmm_err(TdvmcallStatus::INVALID_OPERAND)
        );
        assert_eq!(
            g::tdvmcall_io(1, 2, 0x80, 0).unwrap_err().kind(),
            vmm_err(TdvmcallStatus::INVALID_OPERAND)
        );
        assert_eq!(g::tdvmcall_hlt(true), Ok(()));
        assert_eq!(g::tdvmcall_get_td_vm_call_info(0), Ok((0, 0, 0, 0)));
        assert_eq!(g::tdvmcall_get_td_vm_call_info(1), Ok((2, 0, 0, 0)));
        assert_eq!(
            g::tdvmcall_get_td_vm_call_info(2).unwrap_err().kind(),
            vmm_err(TdvmcallStatus::INVALID_OPERAND)
        );
        for r in [
            g::tdvmcall_setup_event_notify_interrupt(0x40),
            g::tdvmcall_wbinvd(0),
            g::tdvmcall_service(SHARED, SHARED | 0x1000, 0, 0),
        ] {
            assert_eq!(
                r.unwrap_err().kind(),
                vmm_err(TdvmcallStatus::SUBFUNC_UNSUPPORTED)
            );
        }
        assert_eq!(
            g::tdvmcall_kvm_hypercall(1, 0, 0, 0, 0),
            Ok(TdvmcallStatus::SUBFUNC_UNSUPPORTED.raw()),
            "a vendor call: R10 is the answer"
        );
    });
    let vmm = td.vmm().inner();
    assert_eq!(vmm.halts(), [true]);
    assert_eq!(
        vmm.io_log()
            .iter()
            .map(|io| (io.port, io.size, io.write, io.value))
            .collect::<Vec<_>>(),
        [
            (0x3FD, 1, false, 0x60),
            (0x80, 2, false, 0xFFFF),
            (0x3F8, 1, true, 0x41)
        ]
    );
    let names: Vec<_> = td.vmm().calls().iter().filter_map(|c| c.name()).collect();
    assert_eq!(
        names[..3],
        [
            "Instruction.CPUID",
            "Instruction.CPUID",
            "Instruction.RDMSR"
        ]
    );
    assert_eq!(
        td.vmm().calls()[2].to_string(),
        "Instruction.RDMSR(mask=0x1c00, r12=0x1b) -> r11=0xfee00900"
    );
    assert_eq!(vmm::ghci_name(subfn::MAP_GPA), Some("MapGPA"));
}
