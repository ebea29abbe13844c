//! The guest catalog's machine code run against a stand-in TDX module and
//! VMM: a SIGILL/SIGSEGV handler of this test binary (TDCALL faults in user
//! mode: #UD → SIGILL on bare metal, AMD and VMX root, #GP → SIGSEGV in an
//! Intel VMX guest) that, at a declared TDCALL site, hands the registers to
//! the answer the test installed for its thread and steps over the
//! instruction, or, without an answer, resumes at the site's fixup as a
//! kernel's #UD/#GP handler would.
//!
//! The answers play the module for TDG leaves and the VMM for
//! TDG.VP.VMCALL. The VMM answers change every register the RCX mask
//! exposes, so a wrapper that exposes a register without treating it as
//! changed (COCONUT's rdmsr/wrmsr/map_gpa, td-shim's RBX) lets the
//! compiler see a value it did not expect; the tests keep many values live
//! across each call and check them afterwards.

use std::cell::{Cell, RefCell};
use std::hint::black_box;
use std::sync::Once;

use libc::{c_int, c_void, siginfo_t, ucontext_t};
use seamcall_core::fields::GlobalField;
use seamcall_core::guest::status::{self, Info, TdvmcallStatus};
use seamcall_core::guest::{self as g, TdcallErrorKind, TdvmcallErrorKind};
use seamcall_core::{extable, FieldId, GpaLevel, SeptLevel, TdxStatus, Trap};
use x86_64::PhysAddr;

/// The general registers of an interrupted context, by GPR_SELECT index
/// (RAX 0 … R15 15).
type Gprs = [u64; 16];

/// `ucontext` register slots in GPR_SELECT order.
const SLOTS: [c_int; 16] = [
    libc::REG_RAX,
    libc::REG_RCX,
    libc::REG_RDX,
    libc::REG_RBX,
    libc::REG_RSP,
    libc::REG_RBP,
    libc::REG_RSI,
    libc::REG_RDI,
    libc::REG_R8,
    libc::REG_R9,
    libc::REG_R10,
    libc::REG_R11,
    libc::REG_R12,
    libc::REG_R13,
    libc::REG_R14,
    libc::REG_R15,
];

const RAX: usize = 0;
const RCX: usize = 1;
const RDX: usize = 2;
const RBX: usize = 3;
const RSP: usize = 4;
const RBP: usize = 5;
const RDI: usize = 7;
const R8: usize = 8;
const R9: usize = 9;
const R10: usize = 10;
const R11: usize = 11;
const R12: usize = 12;
const R13: usize = 13;

thread_local! {
    /// What answers this thread's TDCALLs; `None`: fault through the fixup.
    static ANSWER: Cell<Option<fn(&mut Gprs)>> = const { Cell::new(None) };
    /// Every call's registers on entry, as the answer saw them.
    static SEEN: RefCell<Vec<Gprs>> = const { RefCell::new(Vec::new()) };
    /// The signal each fault came as.
    static SIGNAL: Cell<c_int> = const { Cell::new(0) };
}

extern "C" fn on_fault(sig: c_int, _info: *mut siginfo_t, ctx: *mut c_void) {
    // SAFETY: the kernel passes a valid `ucontext_t` to an SA_SIGINFO
    // handler; it is ours until we return.
    let uc = unsafe { &mut *ctx.cast::<ucontext_t>() };
    let greg = &mut uc.uc_mcontext.gregs;
    let rip = greg[libc::REG_RIP as usize] as u64;
    if !extable::is_tdcall_site(rip) {
        // Not ours: default action, raised again when we return.
        // SAFETY: resetting a disposition to SIG_DFL is always valid.
        unsafe { libc::signal(sig, libc::SIG_DFL) };
        return;
    }
    SIGNAL.with(|s| s.set(sig));
    match ANSWER.with(Cell::get) {
        Some(answer) => {
            let mut r: Gprs = [0; 16];
            for (v, slot) in r.iter_mut().zip(SLOTS) {
                *v = greg[slot as usize] as u64;
            }
            SEEN.with(|s| s.borrow_mut().push(r));
            let rsp = r[RSP];
            answer(&mut r);
            assert_eq!(r[RSP], rsp, "an answer must not move RSP");
            for (v, slot) in r.iter().zip(SLOTS) {
                greg[slot as usize] = *v as i64;
            }
            greg[libc::REG_RIP as usize] = (rip + 4) as i64;
        }
        None => {
            let vector = if sig == libc::SIGILL { 6 } else { 13 };
            let fixup = extable::search(rip, vector).expect("a declared site has both entries");
            greg[libc::REG_RIP as usize] = fixup as i64;
        }
    }
}

fn install() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        for sig in [libc::SIGILL, libc::SIGSEGV] {
            // SAFETY: a plain SA_SIGINFO handler for a synchronous fault;
            // the struct is fully initialized.
            unsafe {
                let mut sa: libc::sigaction = std::mem::zeroed();
                sa.sa_sigaction = on_fault as *const () as usize;
                sa.sa_flags = libc::SA_SIGINFO;
                libc::sigemptyset(&mut sa.sa_mask);
                assert_eq!(libc::sigaction(sig, &sa, std::ptr::null_mut()), 0);
            }
        }
    });
}

/// Run `f` with `answer` answering this thread's TDCALLs; the registers
/// each call saw on entry.
fn with<T>(answer: Option<fn(&mut Gprs)>, f: impl FnOnce() -> T) -> (T, Vec<Gprs>) {
    install();
    ANSWER.with(|a| a.set(answer));
    SEEN.with(|s| s.borrow_mut().clear());
    let v = f();
    ANSWER.with(|a| a.set(None));
    (v, SEEN.with(|s| s.take()))
}

/// A value for every register the mask exposes, as a hostile VMM writes it.
fn scribble(r: &mut Gprs) {
    let mask = r[RCX];
    for (i, v) in r.iter_mut().enumerate() {
        if mask & (1 << i) != 0 {
            *v = 0xBAD0_0000_0000_0000 | i as u64;
        }
    }
}

/// Eight values live across `f`, which the compiler keeps in callee-saved
/// registers or on the stack; all must survive.
fn live_across<T>(f: impl FnOnce() -> T) -> T {
    let v: [u64; 8] = std::array::from_fn(|i| black_box(0x1111_1111_1111_1111 * (i as u64 + 1)));
    let (a, b, c, d, e, f2, g2, h) = (v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]);
    let out = f();
    let after = [a, b, c, d, e, f2, g2, h];
    for (i, x) in after.iter().enumerate() {
        assert_eq!(
            black_box(*x),
            0x1111_1111_1111_1111 * (i as u64 + 1),
            "value {i} changed"
        );
    }
    out
}

fn fault_kind() -> Trap {
    match SIGNAL.with(Cell::get) {
        libc::SIGILL => Trap::InvalidOpcode,
        _ => Trap::GeneralProtection,
    }
}

#[test]
fn without_a_module_tdcall_faults_through_its_fixup() {
    let (r, _) = with(None, g::tdg_vp_info);
    assert_eq!(r.unwrap_err().kind(), TdcallErrorKind::Fault(fault_kind()));
    // The raw form: the fault's status, outputs read as 0.
    let ((st, (next, value)), _) = with(None, || {
        g::tdg_sys_rd(GlobalField::from_raw(FieldId::from_raw(0x1234)))
    });
    assert_eq!(st, fault_kind().status());
    assert_eq!((next.raw(), value), (0, 0));
    let (r, _) = with(None, || unsafe { g::tdvmcall_rdmsr(0x10) });
    assert_eq!(
        r.unwrap_err().kind(),
        TdvmcallErrorKind::Fault(fault_kind())
    );
    // RBX exposed and every allocatable register bound: the fault path
    // restores RBX too (the process would not survive otherwise).
    let (r, _) = with(None, || {
        live_across(|| g::tdvmcall_report_fatal_error_message(1, 2, 3, 4, 5, 6, 7, 8, 9, 10))
    });
    assert_eq!(
        r.unwrap_err().kind(),
        TdvmcallErrorKind::Fault(fault_kind())
    );
}

#[test]
fn vp_info_returns_its_six_registers() {
    fn module(r: &mut Gprs) {
        assert_eq!(r[RAX], 1, "TDG.VP.INFO");
        r[RAX] = 0;
        for (i, reg) in [RCX, RDX, R8, R9, R10, R11].into_iter().enumerate() {
            r[reg] = 0x100 + i as u64;
        }
    }
    let (r, seen) = with(Some(module), || live_across(g::tdg_vp_info));
    assert_eq!(r, Ok((0x100, 0x101, 0x102, 0x103, 0x104, 0x105)));
    assert_eq!(seen.len(), 1);
}

/// td-shim compares TDX_PAGE_ALREADY_ACCEPTED by exact value and so panics
/// on an already accepted 2 MiB page, whose status carries the level (1) in
/// bits 31:0.
#[test]
fn an_already_accepted_2m_page_is_recognised() {
    fn module(r: &mut Gprs) {
        assert_eq!(r[RAX], 6, "TDG.MEM.PAGE.ACCEPT");
        r[RAX] = TdxStatus::PAGE_ALREADY_ACCEPTED.raw() | u64::from(r[RCX] as u8 & 7);
    }
    let page = GpaLevel::new(0x20_0000, SeptLevel::L2M).unwrap();
    let (r, seen) = with(Some(module), || unsafe { g::tdg_mem_page_accept(page) });
    assert_eq!(seen[0][RCX], 0x20_0001);
    let e = r.unwrap_err();
    assert_eq!(e.raw(), 0x0000_0B0A_0000_0001);
    assert_eq!(
        e.info(),
        Some(Info::PageAlreadyAccepted {
            level: SeptLevel::L2M
        })
    );
    assert!(e.is(TdxStatus::PAGE_ALREADY_ACCEPTED));
    assert_eq!(status::already_accepted(e.status()), Some(SeptLevel::L2M));
    assert_ne!(
        e.raw(),
        TdxStatus::PAGE_ALREADY_ACCEPTED.raw(),
        "the exact compare misses it"
    );
}

#[test]
fn rdmsr_exposes_r10_r11_r12_and_treats_them_as_changed() {
    fn vmm(r: &mut Gprs) {
        assert_eq!((r[RAX], r[RCX], r[R10], r[R11]), (0, 0x1C00, 0, 0x1F));
        assert_eq!(r[R12], 0xC000_0080, "the MSR index, zero-extended");
        scribble(r);
        r[RAX] = 0;
        r[R10] = 0;
        r[R11] = 0x0123_4567_89AB_CDEF;
    }
    let (r, seen) = with(Some(vmm), || {
        live_across(|| unsafe { g::tdvmcall_rdmsr(0xC000_0080) })
    });
    assert_eq!(r, Ok(0x0123_4567_89AB_CDEF));
    assert_eq!(seen.len(), 1);
}

#[test]
fn the_vmm_status_in_r10_is_an_error_of_its_own_kind() {
    fn unsupported(r: &mut Gprs) {
        scribble(r);
        r[RAX] = 0;
        r[R10] = TdvmcallStatus::SUBFUNC_UNSUPPORTED.raw();
    }
    let (r, _) = with(Some(unsupported), || {
        live_across(|| unsafe { g::tdvmcall_wrmsr(0x10, 5) })
    });
    let e = r.unwrap_err();
    assert_eq!(
        e.kind(),
        TdvmcallErrorKind::Vmm(TdvmcallStatus::SUBFUNC_UNSUPPORTED)
    );
    assert_eq!(
        e.to_string(),
        "the VMM returned TDVMCALL_STATUS_SUBFUNC_UNSUPPORTED"
    );

    // The module rejects a call (a bad mask): RAX only, nothing reached
    // the VMM, R10 still 0.
    fn rejected(r: &mut Gprs) {
        r[RAX] = 0xC000_0100_0000_0001;
    }
    let (r, _) = with(Some(rejected), || g::tdvmcall_hlt(false));
    assert_eq!(
        r.unwrap_err().kind(),
        TdvmcallErrorKind::Rejected(TdxStatus::from_raw(0xC000_0100_0000_0001))
    );
}

/// COCONUT's map_gpa loop follows R11 with R12/R13 undeclared; here the
/// VMM changes them on RETRY and the next attempt still sends what the
/// caller passed.
#[test]
fn map_gpa_retry_keeps_the_inputs_and_returns_r11() {
    fn vmm(r: &mut Gprs) {
        let (gpa, size) = (r[R12], r[R13]);
        scribble(r);
        r[RAX] = 0;
        if size > 0x20_0000 {
            r[R10] = TdvmcallStatus::RETRY.raw();
            r[R11] = gpa + 0x20_0000;
        } else {
            r[R10] = 0;
        }
    }
    let (log, seen) = with(Some(vmm), || {
        live_across(|| {
            let (mut gpa, end) = (0x1_0000_0000u64, 0x1_0040_0000u64);
            let mut log = Vec::new();
            loop {
                let (r, resume) = unsafe { g::tdvmcall_map_gpa(gpa, end - gpa) };
                log.push((r, resume));
                match r {
                    Ok(()) => break,
                    Err(e) if e.is_retry() && resume > gpa && resume < end => gpa = resume,
                    Err(e) => panic!("{e}"),
                }
            }
            log
        })
    });
    assert_eq!(log.len(), 2);
    assert!(log[0].0.unwrap_err().is_retry());
    assert_eq!(seen[1][R12], 0x1_0020_0000);
    assert_eq!(seen[1][R13], 0x20_0000);
    assert_eq!((seen[0][RCX], seen[1][RCX]), (0x3C00, 0x3C00));
}

/// COCONUT's Hyper-V call sends an uninitialised R11; here R11 goes in as
/// 0 and RDX/R8 are clobbered.
#[test]
fn hyperv_sends_r11_as_zero() {
    fn vmm(r: &mut Gprs) {
        assert_eq!(
            (r[RCX], r[R10], r[R11], r[RDX], r[R8]),
            (0x0D04, 0x1_0002, 0, 0xA, 0xB)
        );
        scribble(r);
        r[RAX] = 0;
        r[R11] = 0x42;
    }
    let (r, _) = with(Some(vmm), || {
        live_across(|| unsafe { g::tdvmcall_hyperv_hypercall(0x1_0002, 0xA, 0xB) })
    });
    assert_eq!(r, Ok(0x42), "R11 is Hyper-V's status; R10 is not read");
}

/// The 0xFFCC mask with RBX exposed (td-shim's AP loop): the VMM changes
/// RBX and every other exposed register; the caller's RBX and live values
/// are intact, and the VMM saw every message register.
#[test]
fn report_fatal_error_message_exposes_rbx_and_gives_it_back() {
    fn vmm(r: &mut Gprs) {
        assert_eq!(r[RCX], 0xFFCC);
        assert_eq!(r[R11], 0x10003);
        let got = [
            r[R12], r[R13], r[14], r[15], r[RBX], r[RDI], r[6], r[R8], r[R9], r[RDX],
        ];
        assert_eq!(got, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        scribble(r);
        r[RAX] = 0;
        r[R10] = 0;
    }
    let (r, seen) = with(Some(vmm), || {
        live_across(|| g::tdvmcall_report_fatal_error_message(1, 2, 3, 4, 5, 6, 7, 8, 9, 10))
    });
    assert_eq!(r, Ok(()));
    // ReportFatalError is called in a loop: each iteration sends the same.
    let (_, again) = with(Some(vmm), || {
        for _ in 0..3 {
            let _ = g::tdvmcall_report_fatal_error_message(1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
        }
    });
    assert_eq!(again.len(), 3);
    assert_eq!(seen.len(), 1);
}

/// TDG.VP.ENTER after an L2 exception exit: RAX = 0 and every GPR but RSP
/// holds the L2's values, RDI the L2's CS base. tdx-guest stores its
/// outputs through RDI there; the macro's outputs are values, RBP and RBX
/// come back as the caller's.
#[test]
fn vp_enter_returns_values_and_keeps_rbx_rbp() {
    fn module(r: &mut Gprs) {
        assert_eq!(r[RAX], 25);
        for (i, v) in r.iter_mut().enumerate() {
            if i != RSP {
                *v = 0xE000 + i as u64;
            }
        }
        r[RAX] = 0; // exit reason 0: an exception or NMI exit of the L2
        r[RDI] = 0x10; // the L2's CS base: not an address of ours
        r[RBP] = 0xDEAD_0000;
    }
    let (r, _) = with(Some(module), || {
        live_across(|| unsafe { g::tdg_vp_enter(1 << 52, PhysAddr::new(0x1000)) })
    });
    let (st, o) = r;
    assert_eq!(st, TdxStatus::SUCCESS);
    assert_eq!(Info::of(TdxStatus::from_raw(0)), None);
    let (rcx, rdx, rbx, rsi, rdi, r8, r9, r10, r11, r12, r13, r14, r15) = o;
    assert_eq!(
        [rcx, rdx, rbx, rsi, rdi, r8, r9, r10, r11, r12, r13, r14, r15],
        [
            0xE001, 0xE002, 0xE003, 0xE006, 0x10, 0xE008, 0xE009, 0xE00A, 0xE00B, 0xE00C, 0xE00D,
            0xE00E, 0xE00F
        ]
    );
}

#[test]
fn metadata_reads_keep_their_outputs_with_information_statuses() {
    fn module(r: &mut Gprs) {
        assert_eq!((r[RAX], r[RDX]), (11, 0));
        r[RAX] = TdxStatus::METADATA_FIRST_FIELD_ID_IN_CONTEXT.raw();
        r[RDX] = 0x0A00_0000_0000_0001;
        r[R8] = 0;
    }
    let ((st, (first, _)), _) = with(Some(module), || {
        g::tdg_sys_rd(GlobalField::from_raw(FieldId::from_raw(0)))
    });
    assert_eq!(Info::of(st), Some(Info::MetadataFirstFieldId));
    assert_eq!(first.raw(), 0x0A00_0000_0000_0001);
}
