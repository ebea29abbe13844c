//! One model shared by several logical processors (`model::Shared`): vCPU
//! threads and memory-management threads call catalog leaves on one TD at
//! once; the module's locks answer `TDX_OPERAND_BUSY` with the operand id
//! of the lock that is held, the host's retries (as KVM's) get through; each
//! LP has its own TDH.SYS.LP.INIT state and vCPU association; a panic on one
//! LP leaves the others running.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;

use seamcall_core::emulate::model::{
    leaf, Exit, Lock, Lp, LpError, Model, PageType, Shared, TdParams, TDCS_PAGES, TDVPS_PAGES,
};
use seamcall_core::emulate::with_module;
use seamcall_core::fields::{sys, vcpu};
use seamcall_core::leaves::{self, GpaLevel, Hkid, PhysAddr};
use seamcall_core::{seamcall, OperandId, SeamcallError, TdxStatus};

const TDMR: u64 = 1 << 30;
const TDMR_SIZE: u64 = 1 << 30;
const TDMR_LIST: u64 = 0x10_0000;
const TDMR_INFO: u64 = 0x10_1000;
const TD_PARAMS: u64 = 0x10_2000;
const SOURCE: u64 = 0x20_0000;
/// Never written: TDH.MNG.INIT reading TD_PARAMS here makes the model panic.
const UNBACKED: u64 = 0x30_0000;

fn busy(op: OperandId) -> TdxStatus {
    TdxStatus::from_raw(TdxStatus::OPERAND_BUSY.raw() | u64::from(op.raw()))
}

fn pa(a: u64) -> PhysAddr {
    PhysAddr::new(a)
}

fn page(gpa: u64) -> GpaLevel {
    GpaLevel::page(gpa).expect("4 KiB aligned")
}

fn err<T: std::fmt::Debug>(r: Result<T, SeamcallError>) -> TdxStatus {
    r.expect_err("the call should fail").status()
}

/// The pages of the test TD: a TDR, its TDCS pages, two vCPUs, the S-EPT
/// pages mapping GPAs 0..2 MiB, the measured page at GPA 0, and a pool for
/// PAGE.AUG.
struct Td {
    tdr: u64,
    tdcs: [u64; TDCS_PAGES],
    vcpus: [u64; 2],
    tdvpx: [[u64; TDVPS_PAGES - 1]; 2],
    sept: [u64; 3],
    page0: u64,
}

impl Td {
    fn new() -> Td {
        let p = |i: u64| TDMR + i * 4096;
        Td {
            tdr: p(0),
            tdcs: [p(1), p(2), p(3), p(4)],
            vcpus: [p(5), p(6)],
            tdvpx: [
                [p(7), p(8), p(9), p(10), p(11)],
                [p(12), p(13), p(14), p(15), p(16)],
            ],
            sept: [p(17), p(18), p(19)],
            page0: p(20),
        }
    }

    /// Page `i` of the pool PAGE.AUG takes from.
    fn pool(i: u64) -> u64 {
        TDMR + (64 + i) * 4096
    }

    fn tdr(&self) -> PhysAddr {
        pa(self.tdr)
    }
}

fn params() -> TdParams {
    TdParams {
        max_vcpus: 2,
        ..TdParams::default()
    }
}

/// A ready model with TD_PARAMS and the source page in its memory, shared
/// by `lps` logical processors.
fn shared(lps: usize) -> Shared {
    let mut m = Model::ready(TDMR, TDMR_SIZE);
    m.memory_mut().write(TD_PARAMS, &params().to_bytes());
    m.memory_mut().write(SOURCE, &[0x5a; 4096]);
    Shared::new(m, lps).expect("at least one LP")
}

/// Build and finalize the TD on LP 0 (vCPU 0 initialized there) and LP 1
/// (vCPU 1).
fn build(s: &Shared, td: &Td) {
    let mut lp0 = s.lp(0).unwrap();
    with_module(&mut lp0, || unsafe {
        leaves::tdh_mng_create(td.tdr(), Hkid(40)).unwrap();
        leaves::tdh_mng_key_config(td.tdr()).unwrap();
        for p in td.tdcs {
            leaves::tdh_mng_addcx(pa(p), td.tdr()).unwrap();
        }
        assert_eq!(leaves::tdh_mng_init(td.tdr(), pa(TD_PARAMS), 0).0.raw(), 0);
        for (v, x) in td.vcpus.iter().zip(&td.tdvpx) {
            leaves::tdh_vp_create(pa(*v), td.tdr()).unwrap();
            for p in x {
                leaves::tdh_vp_addcx(pa(*p), pa(*v)).unwrap();
            }
        }
        leaves::tdh_vp_init(pa(td.vcpus[0]), 0, 0).unwrap();
        for (i, level) in [(0, 3u64), (1, 2), (2, 1)] {
            let gpa = GpaLevel::from_raw(level);
            assert_eq!(
                leaves::tdh_mem_sept_add(gpa, td.tdr(), pa(td.sept[i]))
                    .0
                    .raw(),
                0
            );
        }
        let r = leaves::tdh_mem_page_add(page(0), td.tdr(), pa(td.page0), pa(SOURCE));
        assert_eq!(r.0.raw(), 0);
    });
    drop(lp0);
    let mut lp1 = s.lp(1).unwrap();
    with_module(&mut lp1, || unsafe {
        leaves::tdh_vp_init(pa(td.vcpus[1]), 0, 1).unwrap();
        leaves::tdh_mr_finalize(td.tdr()).unwrap();
    });
}

unsafe fn enter(tdvpr: u64) -> TdxStatus {
    leaves::tdh_vp_enter(pa(tdvpr), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0).0
}

/// KVM's busy handling for the leaves it retries: re-issue while the
/// status is `TDX_OPERAND_BUSY`, counting each busy answer in `busy`.
///
/// # Panics
///
/// After a million busy answers in a row: a lock that is never released.
fn retry_busy<T>(busy: &AtomicU64, mut call: impl FnMut() -> (TdxStatus, T)) -> (TdxStatus, T) {
    for _ in 0..1_000_000 {
        let r = call();
        if r.0.code() != TdxStatus::OPERAND_BUSY {
            return r;
        }
        busy.fetch_add(1, Ordering::Relaxed);
        thread::yield_now();
    }
    panic!("busy a million times in a row: a lock is never released");
}

/// KVM's answer to a TLB-tracking status (`TDX_PREVIOUS_TLB_EPOCH_BUSY`
/// from TRACK, `TDX_TLB_TRACKING_NOT_DONE` from REMOVE): kick the vCPUs
/// out of the TD and try again; counted in `seen`.
fn retry_tracking<T>(seen: &AtomicU64, mut call: impl FnMut() -> (TdxStatus, T)) -> (TdxStatus, T) {
    for _ in 0..1_000_000 {
        let r = call();
        let code = r.0.code();
        if code != TdxStatus::PREVIOUS_TLB_EPOCH_BUSY && code != TdxStatus::TLB_TRACKING_NOT_DONE {
            return r;
        }
        seen.fetch_add(1, Ordering::Relaxed);
        thread::yield_now();
    }
    panic!("TLB tracking held back a million times in a row");
}

fn status<T>(r: Result<T, SeamcallError>) -> (TdxStatus, ()) {
    match r {
        Ok(_) => (TdxStatus::from_raw(0), ()),
        Err(e) => (e.status(), ()),
    }
}

#[test]
fn a_leaf_finding_the_sept_tree_locked_is_busy_and_kvm_retry_gets_through() {
    let s = shared(3);
    let td = Td::new();
    build(&s, &td);
    let mut lp1 = s.lp(1).unwrap();
    let mut lp2 = s.lp(2).unwrap();
    let gpa_blocked = 0x1000;
    let gpa_new = 0x2000;
    with_module(&mut lp1, || unsafe {
        let r = leaves::tdh_mem_page_aug(page(gpa_blocked), td.tdr(), pa(Td::pool(0)));
        assert_eq!(r.0.raw(), 0);
    });

    // LP 1 blocks a range: TDH.MEM.RANGE.BLOCK takes the S-EPT tree lock
    // exclusively; it stops there with the lock held.
    let pause = s.pause_at(leaf::MEM_RANGE_BLOCK);
    let blocker = thread::spawn(move || {
        with_module(&mut lp1, || unsafe {
            leaves::tdh_mem_range_block(page(gpa_blocked), td_tdr()).0
        })
    });
    assert_eq!(pause.wait(), 1);
    assert!(s.is_held(Lock::Sept(td.tdr)));

    // LP 2 (an EPT-violation handler) augments another page: PAGE.AUG
    // takes the S-EPT tree lock shared, finds it held, and the module
    // answers busy on the S-EPT operand instead of waiting.
    let busy_seen = AtomicU64::new(0);
    let released = std::cell::Cell::new(Some(pause));
    let (st, _) = with_module(&mut lp2, || {
        retry_busy(&busy_seen, || unsafe {
            let r = leaves::tdh_mem_page_aug(page(gpa_new), td.tdr(), pa(Td::pool(1)));
            if r.0.code() == TdxStatus::OPERAND_BUSY {
                assert_eq!(r.0, busy(OperandId::Sept), "{}", r.0);
                // Nothing changed: the page is still free.
                assert_eq!(s.with(|m| m.page_type(Td::pool(1))), PageType::Nda);
                // The blocker finishes; the retry then gets the lock.
                drop(released.take());
                // (joined below; the retry loop yields until it is gone)
            }
            r
        })
    });
    assert_eq!(st.raw(), 0);
    // (Released already unless PAGE.AUG never found the lock held.)
    drop(released.take());
    assert_eq!(blocker.join().unwrap().raw(), 0);
    assert!(busy_seen.load(Ordering::Relaxed) >= 1);
    assert!(s.busy().get(&busy(OperandId::Sept)).copied().unwrap_or(0) >= 1);
    assert!(!s.is_held(Lock::Sept(td.tdr)));
    s.with(|m| {
        assert_eq!(m.mapping(td.tdr, gpa_new), Some((Td::pool(1), false)));
        assert_eq!(m.mapping(td.tdr, gpa_blocked), Some((Td::pool(0), false)));
    });
}

/// The TDR of [`Td::new`], for closures that move.
fn td_tdr() -> PhysAddr {
    pa(Td::new().tdr)
}

#[test]
fn each_lock_reports_its_operand_id() {
    let s = shared(2);
    let td = Td::new();
    build(&s, &td);
    let mut lp0 = s.lp(0).unwrap();
    let v0 = td.vcpus[0];
    with_module(&mut lp0, || unsafe {
        let aug = |i: u64| leaves::tdh_mem_page_aug(page(0x3000), td.tdr(), pa(Td::pool(i))).0;
        let cases: &[(Lock, bool, &dyn Fn() -> TdxStatus, TdxStatus)] = &[
            // TDR operands: their register, or TDR when implicit.
            (Lock::Page(td.tdr), true, &|| aug(0), busy(OperandId::Rdx)),
            (
                Lock::Page(td.tdr),
                true,
                &|| {
                    err(leaves::tdh_mng_rd(
                        td.tdr(),
                        seamcall_core::fields::td::ATTRIBUTES,
                    ))
                },
                busy(OperandId::Rcx),
            ),
            (
                Lock::Page(td.tdr),
                true,
                &|| enter(v0),
                busy(OperandId::Tdr),
            ),
            (
                Lock::OpState(td.tdr),
                true,
                &|| aug(0),
                busy(OperandId::OpState),
            ),
            (Lock::Sept(td.tdr), true, &|| aug(0), busy(OperandId::Sept)),
            (
                Lock::Sept(td.tdr),
                false,
                &|| leaves::tdh_mem_range_block(page(0), td.tdr()).0,
                busy(OperandId::Sept),
            ),
            (
                Lock::SeptEntry {
                    tdr: td.tdr,
                    gpa: 0x3000,
                    level: 0,
                },
                true,
                &|| aug(0),
                busy(OperandId::Rcx),
            ),
            (
                Lock::Page(Td::pool(0)),
                true,
                &|| aug(0),
                busy(OperandId::R8),
            ),
            (Lock::Page(v0), true, &|| enter(v0), busy(OperandId::Rcx)),
            (
                Lock::Page(v0),
                true,
                &|| err(leaves::tdh_vp_rd(pa(v0), vcpu::VCPU_STATE_DETAILS)),
                busy(OperandId::Rcx),
            ),
            (
                Lock::Page(v0),
                false,
                &|| err(leaves::tdh_vp_flush(pa(v0))),
                busy(OperandId::Rcx),
            ),
            (
                Lock::Epoch(td.tdr),
                true,
                &|| enter(v0),
                busy(OperandId::TdEpoch),
            ),
            (
                Lock::Epoch(td.tdr),
                false,
                &|| err(leaves::tdh_mem_track(td.tdr())),
                busy(OperandId::TdEpoch),
            ),
            (
                Lock::Kot,
                true,
                &|| err(leaves::tdh_phymem_cache_wb(false)),
                busy(OperandId::Kot),
            ),
        ];
        for (i, (lock, exclusive, call, want)) in cases.iter().enumerate() {
            let hold = s.hold(*lock, *exclusive).expect("free");
            let calls = s.with(|m| m.calls());
            assert_eq!(call(), *want, "case {i}: {lock:?}");
            assert_eq!(s.with(|m| m.calls()), calls + 1, "one call, answered busy");
            drop(hold);
        }
        // Nothing the busy calls tried happened.
        s.with(|m| {
            assert_eq!(m.page_type(Td::pool(0)), PageType::Nda);
            assert_eq!(m.mapping(td.tdr, 0x3000), None);
        });
        // Shared holders share: a shared S-EPT hold lets PAGE.AUG through.
        let hold = s.hold(Lock::Sept(td.tdr), false).expect("free");
        assert_eq!(aug(0).raw(), 0);
        drop(hold);
    });
    assert_eq!(s.busy_count(), 14);
}

#[seamcall(leaf = 6, in = [rcx, rdx, r8], out = [rcx, rdx], retry = 10, retry_busy)]
unsafe fn page_aug_retrying_busy(
    gpa: GpaLevel,
    tdr: PhysAddr,
    page: PhysAddr,
) -> (TdxStatus, (u64, u64));

#[test]
fn a_declaration_with_retry_busy_gets_through_a_lock_released_after_three_answers() {
    let s = shared(2);
    let td = Td::new();
    build(&s, &td);
    let hold = s.hold_for(Lock::Sept(td.tdr), true, 3).expect("free");
    let mut lp0 = s.lp(0).unwrap();
    let calls = s.with(|m| m.calls());
    let (st, _) = with_module(&mut lp0, || unsafe {
        page_aug_retrying_busy(page(0x4000), td.tdr(), pa(Td::pool(0)))
    });
    assert_eq!(st.raw(), 0);
    assert!(!hold.is_held());
    assert_eq!(s.busy().get(&busy(OperandId::Sept)), Some(&3));
    assert_eq!(
        s.with(|m| m.calls()),
        calls + 4,
        "three busy answers, then success"
    );

    // A lock held for good: ten attempts, then the busy status.
    let _hold = s.hold(Lock::Sept(td.tdr), true).expect("free");
    let (st, _) = with_module(&mut lp0, || unsafe {
        page_aug_retrying_busy(page(0x5000), td.tdr(), pa(Td::pool(1)))
    });
    assert_eq!(st, busy(OperandId::Sept));
    assert_eq!(s.busy().get(&busy(OperandId::Sept)), Some(&13));
}

#[test]
fn vp_enter_holds_its_vcpu_while_the_guest_runs() {
    let s = shared(2);
    let td = Td::new();
    build(&s, &td);
    let v0 = td.vcpus[0];
    let mut lp0 = s.lp(0).unwrap();
    let mut lp1 = s.lp(1).unwrap();
    let pause = s.pause_at(leaf::VP_ENTER);
    let runner = thread::spawn(move || with_module(&mut lp0, || unsafe { enter(v0) }));
    assert_eq!(pause.wait(), 0);
    with_module(&mut lp1, || unsafe {
        // Flushing needs the TDVPR exclusively: busy on RCX.
        assert_eq!(err(leaves::tdh_vp_flush(pa(v0))), busy(OperandId::Rcx));
        // Entering or reading takes it shared, then finds the vCPU
        // associated with LP 0.
        assert_eq!(enter(v0), TdxStatus::VCPU_ASSOCIATED);
        assert_eq!(
            err(leaves::tdh_vp_rd(pa(v0), vcpu::VCPU_STATE_DETAILS)),
            TdxStatus::VCPU_ASSOCIATED
        );
        // The TD's epoch lock is VP.ENTER's only while it enters: TRACK
        // runs while the guest does.
        leaves::tdh_mem_track(td.tdr()).unwrap();
        // The other vCPU runs here.
        assert_eq!(enter(td.vcpus[1]).raw() & TdxStatus::ERROR_BIT, 0);
    });
    assert!(s.is_held(Lock::Page(v0)));
    pause.release();
    let exit = runner.join().unwrap();
    assert_eq!(exit.raw() & TdxStatus::ERROR_BIT, 0, "{exit}");
    assert!(!s.is_held(Lock::Page(v0)));
    assert!(!s.is_held(Lock::Page(td.tdr)));
    assert_eq!(s.associated_lp(v0), Some(0));
}

#[test]
fn a_vcpu_in_the_td_holds_back_tlb_tracking_until_it_exits() {
    let s = shared(2);
    let td = Td::new();
    build(&s, &td);
    let (gpa, hpa) = (0x6000, Td::pool(0));
    let v0 = td.vcpus[0];
    let mut lp0 = s.lp(0).unwrap();
    let mut lp1 = s.lp(1).unwrap();
    with_module(&mut lp1, || unsafe {
        assert_eq!(
            leaves::tdh_mem_page_aug(page(gpa), td.tdr(), pa(hpa))
                .0
                .raw(),
            0
        );
    });
    // vCPU 0 enters and stays in the TD.
    let pause = s.pause_at(leaf::VP_ENTER);
    let runner = thread::spawn(move || with_module(&mut lp0, || unsafe { enter(v0) }));
    pause.wait();
    with_module(&mut lp1, || unsafe {
        assert_eq!(leaves::tdh_mem_range_block(page(gpa), td.tdr()).0.raw(), 0);
        // The vCPU entered in this epoch: TRACK may start the next one...
        leaves::tdh_mem_track(td.tdr()).unwrap();
        // ...but the page blocked in the vCPU's epoch is not tracked yet,
        let (st, _) = leaves::tdh_mem_page_remove(page(gpa), td.tdr());
        let not_done = TdxStatus::TLB_TRACKING_NOT_DONE.raw() | 1;
        assert_eq!(st.raw(), not_done, "{st}");
        // and no further epoch starts while it is in the TD.
        assert_eq!(
            err(leaves::tdh_mem_track(td.tdr())),
            TdxStatus::PREVIOUS_TLB_EPOCH_BUSY
        );
    });
    // KVM kicks the vCPU out of the TD; then REMOVE succeeds.
    pause.release();
    assert_eq!(runner.join().unwrap().raw() & TdxStatus::ERROR_BIT, 0);
    with_module(&mut lp1, || unsafe {
        let (st, (removed, _)) = leaves::tdh_mem_page_remove(page(gpa), td.tdr());
        assert_eq!((st.raw(), removed), (0, hpa), "{st}");
        leaves::tdh_mem_track(td.tdr()).unwrap();
    });
}

/// TDH.VP.ENTER's zero-step filter answers with an emulated EPT violation
/// without entering the TD: that vCPU holds back no TLB tracking, even
/// while its call is paused.
#[test]
fn an_entry_the_zero_step_filter_answers_leaves_tlb_tracking_alone() {
    use seamcall_core::emulate::model::Resume;
    let s = shared(2);
    let td = Td::new();
    build(&s, &td);
    let v0 = td.vcpus[0];
    let fault = |_: &Resume| Exit::EptViolation {
        gpa: 0x7000,
        qualification: Exit::EPT_READ,
    };
    s.with(|m| m.set_guest(v0, fault).map(|_| ())).unwrap();
    let mut lp0 = s.lp(0).unwrap();
    let mut lp1 = s.lp(1).unwrap();
    // Seven faults at one instruction: the seventh logs the GPA.
    with_module(&mut lp0, || {
        for _ in 0..7 {
            assert_eq!(
                unsafe { enter(v0) }.raw(),
                48,
                "the guest's own EPT violation"
            );
        }
    });
    let pause = s.pause_at(leaf::VP_ENTER);
    let runner = thread::spawn(move || with_module(&mut lp0, || unsafe { enter(v0) }));
    pause.wait();
    with_module(&mut lp1, || unsafe {
        // Two epochs in a row: no vCPU of the TD entered it.
        leaves::tdh_mem_track(td.tdr()).unwrap();
        leaves::tdh_mem_track(td.tdr()).unwrap();
    });
    pause.release();
    assert_eq!(
        runner.join().unwrap().raw(),
        48,
        "the emulated EPT violation"
    );
}

#[test]
fn a_vcpu_is_flushed_on_the_lp_it_is_associated_with() {
    let s = shared(2);
    let td = Td::new();
    build(&s, &td);
    let v0 = td.vcpus[0];
    // TDH.VP.INIT associated each vCPU with the LP it ran on.
    assert_eq!(s.associated_lp(v0), Some(0));
    assert_eq!(s.associated_lp(td.vcpus[1]), Some(1));
    assert_eq!(s.lp_vcpu(1), Some(td.vcpus[1]));
    let mut lp0 = s.lp(0).unwrap();
    let mut lp1 = s.lp(1).unwrap();
    with_module(&mut lp1, || unsafe {
        assert_eq!(enter(v0), TdxStatus::VCPU_ASSOCIATED);
        assert_eq!(
            err(leaves::tdh_vp_flush(pa(v0))),
            TdxStatus::VCPU_NOT_ASSOCIATED
        );
    });
    with_module(&mut lp0, || unsafe {
        assert_eq!(enter(v0).raw() & TdxStatus::ERROR_BIT, 0);
        leaves::tdh_vp_flush(pa(v0)).unwrap();
        // Not associated any more: flushing again is what KVM ignores.
        assert_eq!(
            err(leaves::tdh_vp_flush(pa(v0))),
            TdxStatus::VCPU_NOT_ASSOCIATED
        );
    });
    assert_eq!((s.associated_lp(v0), s.lp_vcpu(0)), (None, None));
    // The vCPU moves to LP 1.
    with_module(&mut lp1, || unsafe {
        assert_eq!(enter(v0).raw() & TdxStatus::ERROR_BIT, 0);
    });
    assert_eq!((s.associated_lp(v0), s.lp_vcpu(1)), (Some(1), Some(v0)));
    with_module(&mut lp0, || unsafe {
        assert_eq!(
            err(leaves::tdh_vp_rd(pa(v0), vcpu::VCPU_STATE_DETAILS)),
            TdxStatus::VCPU_ASSOCIATED
        );
        assert_eq!(
            err(leaves::tdh_mng_vpflushdone(td.tdr())),
            TdxStatus::FLUSHVP_NOT_DONE
        );
    });
    with_module(&mut lp1, || unsafe {
        leaves::tdh_vp_flush(pa(v0)).unwrap();
        leaves::tdh_vp_flush(pa(td.vcpus[1])).unwrap();
        leaves::tdh_mng_vpflushdone(td.tdr()).unwrap();
    });
}

#[test]
fn a_disabled_vcpu_is_in_the_wrong_state_before_it_is_associated_elsewhere() {
    let s = shared(2);
    let td = Td::new();
    build(&s, &td);
    let v0 = td.vcpus[0];
    s.with(|m| m.set_guest(v0, vec![Exit::TripleFault]).map(|_| ()))
        .unwrap();
    let mut lp0 = s.lp(0).unwrap();
    let mut lp1 = s.lp(1).unwrap();
    with_module(&mut lp0, || unsafe {
        // TDX_NON_RECOVERABLE_VCPU, exit reason 2: the vCPU is disabled.
        assert_eq!(enter(v0).raw(), 0x4000_0001_0000_0002);
    });
    with_module(&mut lp1, || unsafe {
        // The module checks the vCPU's state before its association; the
        // newest release reports the state (VCPU_DISABLED, 8) as the
        // operand id.
        assert_eq!(
            enter(v0),
            TdxStatus::from_raw(TdxStatus::VCPU_STATE_INCORRECT.raw() | 8)
        );
        // VP.RD takes a disabled vCPU: then the association counts.
        assert_eq!(
            err(leaves::tdh_vp_rd(pa(v0), vcpu::VCPU_STATE_DETAILS)),
            TdxStatus::VCPU_ASSOCIATED
        );
    });
}

#[test]
fn every_lp_runs_sys_lp_init_once() {
    let mut m = Model::new();
    let mem = m.memory_mut();
    mem.write_u64(TDMR_LIST, TDMR_INFO);
    mem.write_u64(TDMR_INFO, TDMR);
    mem.write_u64(TDMR_INFO + 8, TDMR_SIZE);
    let s = Shared::new(m, 3).unwrap();
    let mut lps: Vec<Lp> = (0..3).map(|i| s.lp(i).unwrap()).collect();
    let config = || unsafe { leaves::tdh_sys_config(pa(TDMR_LIST), 1, Hkid(32).into()) };
    let lp_init = || unsafe { leaves::tdh_sys_lp_init().0 };
    let sys_rd = || unsafe { leaves::tdh_sys_rd(sys::MAX_TDMRS) };
    with_module(&mut lps[0], || unsafe {
        assert_eq!(leaves::tdh_sys_init(0).0.raw(), 0);
        assert_eq!(lp_init().raw(), 0);
        assert_eq!(lp_init(), TdxStatus::SYS_LP_INIT_DONE);
        assert_eq!(sys_rd().map(|(v, _)| v), Ok(64));
        // Two LPs have not run it.
        assert_eq!(err(config()), TdxStatus::SYS_CONFIG_NOT_PENDING);
    });
    with_module(&mut lps[1], || {
        assert_eq!(err(sys_rd()), TdxStatus::SYS_LP_INIT_NOT_DONE);
        assert_eq!(lp_init().raw(), 0);
        assert_eq!(sys_rd().map(|(v, _)| v), Ok(64));
        assert_eq!(err(config()), TdxStatus::SYS_CONFIG_NOT_PENDING);
    });
    assert_eq!(
        (0..3).map(|i| s.lp_initialized(i)).collect::<Vec<_>>(),
        [Some(true), Some(true), Some(false)]
    );
    with_module(&mut lps[2], || {
        assert_eq!(lp_init().raw(), 0);
        config().unwrap();
        // After SYS.CONFIG no LP may initialize any more.
        assert_eq!(lp_init(), TdxStatus::SYS_LP_INIT_NOT_PENDING);
    });
    assert_eq!(s.lp_initialized(3), None);
    assert_eq!(s.lp(0).err(), Some(LpError::Taken(0)));
}

#[test]
fn a_panic_on_one_lp_leaves_the_others_running() {
    let s = shared(3);
    let td = Td::new();
    build(&s, &td);
    let start = Arc::new(Barrier::new(3));
    let done = Arc::new(AtomicBool::new(false));
    // LP 0 runs a leaf that panics in the model (TD_PARAMS in memory
    // nothing backs), while holding the exclusive lock of a new TDR.
    let tdr2 = Td::pool(100);
    let panicker = {
        let (s, start) = (s.clone(), Arc::clone(&start));
        let mut lp0 = s.lp(0).unwrap();
        thread::spawn(move || {
            with_module(&mut lp0, || unsafe {
                leaves::tdh_mng_create(pa(tdr2), Hkid(41)).unwrap();
                leaves::tdh_mng_key_config(pa(tdr2)).unwrap();
                for i in 0..TDCS_PAGES as u64 {
                    leaves::tdh_mng_addcx(pa(Td::pool(101 + i)), pa(tdr2)).unwrap();
                }
                start.wait();
                let r = leaves::tdh_mng_init(pa(tdr2), pa(UNBACKED), 0);
                // The LP that panicked gets VMfailInvalid.
                assert_eq!(
                    r.0,
                    TdxStatus::SEAMCALL_VMFAILINVALID,
                    "the call that panicked"
                );
            })
        })
    };
    // A test's own panic on LP 2, between calls.
    let own_panic = {
        let (s, start) = (s.clone(), Arc::clone(&start));
        let mut lp2 = s.lp(2).unwrap();
        thread::spawn(move || {
            with_module(&mut lp2, || unsafe {
                start.wait();
                leaves::tdh_mng_rd(pa(Td::new().tdr), seamcall_core::fields::td::ATTRIBUTES)
                    .unwrap();
                panic!("the test's own panic on LP 2");
            })
        })
    };
    // LP 1 keeps calling meanwhile.
    let mut lp1 = s.lp(1).unwrap();
    let calls = with_module(&mut lp1, || unsafe {
        start.wait();
        let mut n = 0;
        for _ in 0..500 {
            leaves::tdh_mng_rd(td.tdr(), seamcall_core::fields::td::ATTRIBUTES).unwrap();
            leaves::tdh_vp_rd(pa(td.vcpus[1]), vcpu::VCPU_STATE_DETAILS).unwrap();
            n += 2;
        }
        n
    });
    done.store(true, Ordering::Relaxed);
    let p = panicker
        .join()
        .expect_err("the model's panic reaches LP 0's test");
    let msg = p.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(msg.contains("unbacked"), "{msg}");
    assert!(own_panic.join().is_err());
    assert_eq!(calls, 1000);
    assert_eq!(s.panics(), 1);
    // Nothing is poisoned or left locked: the other LPs, and a new handle
    // for LP 0, keep working on the TD whose leaf panicked.
    assert!(!s.is_held(Lock::Page(tdr2)));
    let mut lp0 = s.lp(0).unwrap();
    with_module(&mut lp0, || unsafe {
        let r = leaves::tdh_mng_init(pa(tdr2), pa(TD_PARAMS), 0);
        assert_eq!(r.0.raw(), 0);
    });
    with_module(&mut lp1, || unsafe {
        leaves::tdh_mng_rd(pa(tdr2), seamcall_core::fields::td::ATTRIBUTES).unwrap();
    });
}

#[test]
fn vcpus_and_memory_management_race_and_the_state_stays_consistent() {
    const GPAS: u64 = 24;
    const ROUNDS: u64 = 10;
    let s = shared(4);
    let td = Td::new();
    build(&s, &td);
    // Every leaf yields with its locks held, so that the threads find them
    // taken.
    s.set_yields(2);
    let stop = Arc::new(AtomicBool::new(false));
    let busy_total = Arc::new(AtomicU64::new(0));
    let exits = Arc::new(AtomicU64::new(0));
    let tracking = Arc::new(AtomicU64::new(0));
    let start = Arc::new(Barrier::new(4));
    let mut threads = Vec::new();
    // Two vCPU threads, each on the LP its vCPU was initialized on: enter
    // (the TD exits at once), read a field, enter again.
    for i in 0..2usize {
        let (s, stop, busy_total, exits, start) = (
            s.clone(),
            Arc::clone(&stop),
            Arc::clone(&busy_total),
            Arc::clone(&exits),
            Arc::clone(&start),
        );
        let v = td.vcpus[i];
        let mut lp = s.lp(i).unwrap();
        threads.push(thread::spawn(move || {
            with_module(&mut lp, || unsafe {
                start.wait();
                // At least once, however the threads are scheduled.
                loop {
                    // KVM: a busy VP.ENTER leaves the fastpath and retries.
                    let (st, ()) = retry_busy(&busy_total, || (enter(v), ()));
                    assert_eq!(st.raw() & TdxStatus::ERROR_BIT, 0, "{st}");
                    exits.fetch_add(1, Ordering::Relaxed);
                    let (st, ()) = retry_busy(&busy_total, || {
                        status(leaves::tdh_vp_rd(pa(v), vcpu::VCPU_STATE_DETAILS))
                    });
                    assert_eq!(st.raw(), 0, "{st}");
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                }
            })
        }));
    }
    // Two memory-management threads, on LPs 2 and 3, each cycling its own
    // GPAs: AUG, then BLOCK, TRACK, REMOVE (KVM retries each on busy).
    let mut mm = Vec::new();
    for t in 0..2u64 {
        let (s, busy_total, start) = (s.clone(), Arc::clone(&busy_total), Arc::clone(&start));
        let tracking = Arc::clone(&tracking);
        let tdr = pa(td.tdr);
        let mut lp = s.lp(2 + t as usize).unwrap();
        mm.push(thread::spawn(move || {
            with_module(&mut lp, || unsafe {
                start.wait();
                let mine = (0..GPAS).filter(|g| g % 2 == t);
                let gpa = |g: u64| 0x10_0000 + g * 4096;
                let mut mapped = Vec::new();
                for round in 0..ROUNDS {
                    for g in mine.clone() {
                        let hpa = Td::pool(g);
                        if round % 2 == 0 {
                            let (st, _) = retry_busy(&busy_total, || {
                                leaves::tdh_mem_page_aug(page(gpa(g)), tdr, pa(hpa))
                            });
                            assert_eq!(st.raw(), 0, "AUG {g}: {st}");
                            mapped.push(g);
                        } else {
                            let (st, _) = retry_busy(&busy_total, || {
                                leaves::tdh_mem_range_block(page(gpa(g)), tdr)
                            });
                            assert_eq!(st.raw(), 0, "BLOCK {g}: {st}");
                            // A vCPU still in the TD holds tracking back:
                            // KVM kicks the vCPUs out and tries again.
                            let (st, ()) = retry_tracking(&tracking, || {
                                retry_busy(&busy_total, || status(leaves::tdh_mem_track(tdr)))
                            });
                            assert_eq!(st.raw(), 0, "TRACK: {st}");
                            let (st, (removed, _)) = retry_tracking(&tracking, || {
                                retry_busy(&busy_total, || {
                                    leaves::tdh_mem_page_remove(page(gpa(g)), tdr)
                                })
                            });
                            assert_eq!((st.raw(), removed), (0, hpa), "REMOVE {g}: {st}");
                            mapped.retain(|m| *m != g);
                        }
                    }
                }
                mapped
            })
        }));
    }
    let mapped: Vec<Vec<u64>> = mm.into_iter().map(|h| h.join().unwrap()).collect();
    stop.store(true, Ordering::Relaxed);
    for h in threads {
        h.join().unwrap();
    }
    // ROUNDS is even: every GPA was augmented and removed ROUNDS / 2 times,
    // and none is left.
    assert!(mapped.iter().all(|m| m.is_empty()), "{mapped:?}");
    s.with(|m| {
        for g in 0..GPAS {
            assert_eq!(m.mapping(td.tdr, 0x10_0000 + g * 4096), None, "GPA {g}");
            assert_eq!(m.page_type(Td::pool(g)), PageType::Nda, "page {g}");
        }
        // TDR, 4 TDCS, 2 × 6 TDVPS, 3 S-EPT pages, the measured page.
        assert_eq!(m.assigned_pages(), 1 + TDCS_PAGES + 2 * TDVPS_PAGES + 3 + 1);
    });
    for l in [Lock::Sept(td.tdr), Lock::Page(td.tdr), Lock::Epoch(td.tdr)] {
        assert!(!s.is_held(l), "{l:?}");
    }
    assert!(exits.load(Ordering::Relaxed) > 0);
    // How often the threads met a held lock depends on scheduling; every
    // busy answer the module gave was retried by the host.
    assert_eq!(busy_total.load(Ordering::Relaxed), s.busy_count());
    eprintln!(
        "stress: {} exits, {} tracking retries, {} busy answers: {:?}",
        exits.load(Ordering::Relaxed),
        tracking.load(Ordering::Relaxed),
        s.busy_count(),
        s.busy()
    );
}

#[test]
fn bad_lp_requests_are_typed_errors() {
    let s = shared(1);
    assert_eq!(s.lp(1).err(), Some(LpError::NoSuchLp { id: 1, lps: 1 }));
    assert_eq!(Model::new().into_shared(0).err(), Some(LpError::NoLps));
    assert_eq!(s.lps(), 1);
    // A per-thread model still answers on its own.
    let mut m = Model::ready(TDMR, TDMR_SIZE);
    let r = with_module(&mut m, || unsafe { leaves::tdh_sys_rd(sys::MAX_TDMRS) });
    assert_eq!(r.map(|(v, _)| v), Ok(64));
}
