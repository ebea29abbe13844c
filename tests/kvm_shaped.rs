//! A KVM-shaped host on the shared model and the host's own memory: the
//! flow KVM follows for a TD with two vCPUs on two threads (and a third
//! thread for the VM's memory management), through the catalog leaves,
//! every page allocated from a [`PhysWindow`] and filled through pointers:
//! module bring-up on every logical processor, TD build, entry, a
//! TDG.VP.VMCALL exit answered, an EPT-violation exit handled with
//! TDH.MEM.PAGE.AUG and a resume, a page blocked, tracked and removed while
//! a vCPU is in the TD and another handles a fault, and teardown with
//! every page back in the host's allocator. The busy and TLB-tracking
//! statuses the contention provoked are recorded and checked.

mod emulate_leaves;

use std::sync::{Arc, Barrier, Mutex};
use std::thread;

use seamcall_core::emulate::model::{
    leaf, Cause, Exit, GpaState, Lp, Model, PhysWindow, Resume, Shared, TdParams, TDCS_PAGES,
    TDVPS_PAGES,
};
use seamcall_core::emulate::{with_module, Reg, Regs};
use seamcall_core::leaves::{self, GpaLevel, Hkid, PhysAddr};
use seamcall_core::{OperandId, TdxStatus};

use emulate_leaves::vp_enter;

/// The one TDMR: 1 GiB at 4 GiB; the host's memory, the window, is its
/// first 16 MiB.
const TDMR: u64 = 4 << 30;
const TDMR_SIZE: u64 = 1 << 30;
const WINDOW: usize = 16 << 20;
const PAGE: usize = 4096;

/// TD exit statuses (class 0, the VMX exit reason in bits 31:0).
const EXIT_EXTERNAL_INTERRUPT: u64 = 1;
const EXIT_EPT_VIOLATION: u64 = 48;
const EXIT_TDCALL: u64 = 77;
/// TDG.VP.VMCALL sub-functions in R11 (VMX exit reasons): CPUID and HLT.
const VMCALL_CPUID: u64 = 10;
const VMCALL_HLT: u64 = 12;
/// The CPUID leaf each guest asks for (plus its vCPU index) and the EAX the
/// host answers (plus the index).
const CPUID_LEAF: u64 = 0x4000_0000;
const CPUID_EAX: u64 = 0x5EA_0000;
/// GPAs the guests fault on (inside the 2 MiB the S-EPT pages map).
const GPA_FAULT: [u64; 2] = [0x10_0000, 0x11_0000];
/// The GPA vCPU 0 faults on while the range is blocked.
const GPA_LATE: u64 = 0x12_0000;
/// The host's interrupt vector that kicks a vCPU out of the TD.
const KICK_VECTOR: u8 = 0xEC;

/// `TDMR_INFO` as the host lays it out (the fields TDH.SYS.CONFIG reads).
#[repr(C, align(512))]
struct TdmrInfo {
    base: u64,
    size: u64,
}

fn pa(a: u64) -> PhysAddr {
    PhysAddr::new(a)
}

fn page(gpa: u64) -> GpaLevel {
    GpaLevel::page(gpa).expect("4 KiB aligned")
}

fn at<T>(w: &PhysWindow, pa: u64) -> *mut T {
    w.virt_of(pa).expect("inside the window").cast()
}

/// What the host saw: every status of a leaf KVM retries or reports, by
/// status, across threads.
#[derive(Clone, Default)]
struct Seen(Arc<Mutex<std::collections::BTreeMap<TdxStatus, u64>>>);

impl Seen {
    fn note(&self, st: TdxStatus) {
        *self.0.lock().unwrap().entry(st).or_insert(0) += 1;
    }
    fn get(&self, st: TdxStatus) -> u64 {
        self.0.lock().unwrap().get(&st).copied().unwrap_or(0)
    }
}

/// KVM's retry of a leaf on `TDX_OPERAND_BUSY` (PAGE.AUG from the fault
/// handler's RET_PF_RETRY, BLOCK/TRACK/REMOVE after kicking the vCPUs):
/// re-issue, noting each busy answer.
fn on_busy<T>(seen: &Seen, mut call: impl FnMut() -> (TdxStatus, T)) -> (TdxStatus, T) {
    for _ in 0..1_000_000 {
        let r = call();
        if r.0.code() != TdxStatus::OPERAND_BUSY {
            return r;
        }
        seen.note(r.0);
        thread::yield_now();
    }
    panic!("busy a million times in a row");
}

fn status<T>(r: Result<T, seamcall_core::SeamcallError>) -> (TdxStatus, ()) {
    (r.err().map_or(TdxStatus::from_raw(0), |e| e.status()), ())
}

/// The guest of vCPU `i`: asks for CPUID through TDG.VP.VMCALL, checks the
/// host's answer, touches a GPA nothing maps (an EPT violation), halts
/// once the page is there (pending: the guest would accept it), and then,
/// each time it runs again, faults on [`GPA_LATE`] (vCPU 0) or idles until
/// the host's next interrupt (vCPU 1).
fn guest(i: usize) -> impl FnMut(&Resume) -> Exit + Send + 'static {
    let leaf = CPUID_LEAF + i as u64;
    let mut halted = false;
    move |r: &Resume| match r.cause {
        Cause::Start => Exit::vmcall(
            0xFC00,
            &[(Reg::R10, 0), (Reg::R11, VMCALL_CPUID), (Reg::R12, leaf)],
        ),
        Cause::VmcallReturned { .. } if !halted => {
            // The host's answer, in the registers the call exposed.
            assert_eq!(r.gprs.get(Reg::R10), Some(0), "vCPU {i}: GHCI success");
            assert_eq!(
                r.gprs.get(Reg::R12),
                Some(CPUID_EAX + i as u64),
                "vCPU {i}: EAX"
            );
            Exit::EptViolation {
                gpa: GPA_FAULT[i] + 0x10,
                qualification: Exit::EPT_WRITE,
            }
        }
        Cause::EptRetry {
            state: GpaState::Pending,
            ..
        } if !halted => {
            halted = true;
            Exit::Hlt {
                interrupt_blocked: false,
            }
        }
        Cause::EptRetry { gpa, state } if halted => {
            assert_eq!((gpa, state), (GPA_LATE, GpaState::Pending), "vCPU {i}");
            Exit::ExternalInterrupt {
                vector: KICK_VECTOR,
            }
        }
        _ if i == 0 => Exit::EptViolation {
            gpa: GPA_LATE,
            qualification: Exit::EPT_READ,
        },
        _ => Exit::ExternalInterrupt {
            vector: KICK_VECTOR,
        },
    }
}

/// The pages of the TD, from the window.
struct TdPages {
    tdr: u64,
    tdcs: Vec<u64>,
    vcpus: [u64; 2],
    tdvpx: [Vec<u64>; 2],
    sept: Vec<u64>,
    page0: u64,
}

impl TdPages {
    fn alloc(w: &PhysWindow) -> TdPages {
        let n = |k: usize| (0..k).map(|_| w.alloc_page().unwrap()).collect::<Vec<_>>();
        TdPages {
            tdr: w.alloc_page().unwrap(),
            tdcs: n(TDCS_PAGES),
            vcpus: [w.alloc_page().unwrap(), w.alloc_page().unwrap()],
            tdvpx: [n(TDVPS_PAGES - 1), n(TDVPS_PAGES - 1)],
            sept: n(3),
            page0: w.alloc_page().unwrap(),
        }
    }

    fn all(&self) -> Vec<u64> {
        let mut v = self.tdcs.clone();
        v.extend(self.vcpus);
        v.extend(self.tdvpx.iter().flatten());
        v.extend(&self.sept);
        v.push(self.page0);
        v
    }
}

/// Run `f` on a thread that plays LP `lp` (as Linux's `smp_call_on_cpu`).
fn on_lp<R: Send + 'static>(s: &Shared, lp: usize, f: impl FnOnce() -> R + Send + 'static) -> R {
    let mut h = s.lp(lp).unwrap();
    thread::spawn(move || with_module(&mut h, f))
        .join()
        .unwrap()
}

#[test]
fn kvm_flow_with_two_vcpus_on_two_threads() {
    let w = PhysWindow::new(TDMR, WINDOW).unwrap();
    let s = Model::new()
        .with_window(&w)
        .unwrap()
        .into_shared(3)
        .unwrap();
    let seen = Seen::default();

    // ---- module bring-up -------------------------------------------------
    // TDH.SYS.INIT once, TDH.SYS.LP.INIT on every LP, then SYS.CONFIG with
    // the TDMR list the host wrote into its own pages.
    assert_eq!(
        on_lp(&s, 2, || unsafe { leaves::tdh_sys_init(0).0 }).raw(),
        0
    );
    let lp_init = Arc::new(Barrier::new(3));
    let inits: Vec<_> = (0..3)
        .map(|i| {
            let mut h = s.lp(i).unwrap();
            let b = Arc::clone(&lp_init);
            thread::spawn(move || {
                with_module(&mut h, || unsafe {
                    b.wait();
                    leaves::tdh_sys_lp_init().0
                })
            })
        })
        .collect();
    for t in inits {
        assert_eq!(t.join().unwrap().raw(), 0);
    }
    let list = w.alloc_page().unwrap();
    let info = w.alloc_page().unwrap();
    let td_params = w.alloc_page().unwrap();
    let source = w.alloc_page().unwrap();
    // SAFETY: pages just allocated from the window, written through their
    // addresses in the process, as a host fills the pages it allocated.
    unsafe {
        at::<TdmrInfo>(&w, info).write(TdmrInfo {
            base: TDMR,
            size: TDMR_SIZE,
        });
        at::<u64>(&w, list).write(info);
        let params = TdParams {
            max_vcpus: 2,
            ..TdParams::default()
        }
        .to_bytes();
        std::ptr::copy_nonoverlapping(params.as_ptr(), at::<u8>(&w, td_params), params.len());
        std::ptr::write_bytes(at::<u8>(&w, source), 0x90, PAGE);
    }
    let mut vmm = s.lp(2).unwrap();
    with_module(&mut vmm, || unsafe {
        leaves::tdh_sys_config(pa(list), 1, Hkid(32).into()).unwrap();
        leaves::tdh_sys_key_config().unwrap();
        let mut next = TDMR;
        while next < TDMR + TDMR_SIZE {
            next = leaves::tdh_sys_tdmr_init(pa(TDMR)).unwrap().as_u64();
        }
    });
    w.free_page(list).unwrap();
    w.free_page(info).unwrap();

    // ---- TD build (KVM_TDX_INIT_VM, KVM_TDX_INIT_VCPU, INIT_MEM_REGION,
    // FINALIZE_VM) ---------------------------------------------------------
    let td = TdPages::alloc(&w);
    let tdr = pa(td.tdr);
    with_module(&mut vmm, || unsafe {
        leaves::tdh_mng_create(tdr, Hkid(40)).unwrap();
        leaves::tdh_mng_key_config(tdr).unwrap();
        for p in &td.tdcs {
            leaves::tdh_mng_addcx(pa(*p), tdr).unwrap();
        }
        assert_eq!(leaves::tdh_mng_init(tdr, pa(td_params), 0).0.raw(), 0);
        for (v, x) in td.vcpus.iter().zip(&td.tdvpx) {
            leaves::tdh_vp_create(pa(*v), tdr).unwrap();
            for p in x {
                leaves::tdh_vp_addcx(pa(*p), pa(*v)).unwrap();
            }
        }
    });
    // TDH.VP.INIT on the CPU each vCPU is loaded on.
    for i in 0..2 {
        let v = td.vcpus[i];
        on_lp(&s, i, move || unsafe {
            leaves::tdh_vp_init(pa(v), 0, i as u32).unwrap()
        });
    }
    with_module(&mut vmm, || unsafe {
        for (i, level) in [(0, 3u64), (1, 2), (2, 1)] {
            let st = leaves::tdh_mem_sept_add(GpaLevel::from_raw(level), tdr, pa(td.sept[i])).0;
            assert_eq!(st.raw(), 0);
        }
        let st = leaves::tdh_mem_page_add(page(0), tdr, pa(td.page0), pa(source)).0;
        assert_eq!(st.raw(), 0);
        for chunk in 0..16 {
            assert_eq!(leaves::tdh_mr_extend(chunk * 256, tdr).0.raw(), 0);
        }
        leaves::tdh_mr_finalize(tdr).unwrap();
    });
    w.free_page(td_params).unwrap();
    w.free_page(source).unwrap();
    for i in 0..2 {
        s.with(|m| m.set_guest(td.vcpus[i], guest(i)).map(|_| ()))
            .unwrap();
    }

    // ---- run: both vCPUs at once, each on its thread ----------------------
    let fault_pages: Vec<u64> = (0..2).map(|_| w.alloc_page().unwrap()).collect();
    let mut runs = Vec::new();
    for i in 0..2 {
        let mut h = s.lp(i).unwrap();
        let (v, hpa, tdr_pa, seen) = (td.vcpus[i], fault_pages[i], td.tdr, seen.clone());
        runs.push(thread::spawn(move || {
            let exits = with_module(&mut h, || unsafe {
                let mut answer = Regs::default();
                let mut exits = Vec::new();
                loop {
                    let e = vp_enter(v, &answer);
                    exits.push(e.rax);
                    answer = Regs::default();
                    match e.rax {
                        EXIT_TDCALL if e.r11 == VMCALL_CPUID => {
                            // KVM's CPUID emulation: R10 = 0 (success),
                            // EAX … EDX in R12 … R15.
                            assert_eq!(e.r12, CPUID_LEAF + i as u64);
                            answer.r12 = CPUID_EAX + i as u64;
                        }
                        EXIT_EPT_VIOLATION => {
                            // The EPT-violation handler maps the private
                            // page: PAGE.AUG, retried while busy.
                            assert_eq!(e.r8, GPA_FAULT[i], "vCPU {i}");
                            let (st, _) = on_busy(&seen, || {
                                leaves::tdh_mem_page_aug(page(e.r8), pa(tdr_pa), pa(hpa))
                            });
                            assert_eq!(st.raw(), 0, "vCPU {i}: PAGE.AUG {st}");
                        }
                        EXIT_TDCALL if e.r11 == VMCALL_HLT => break,
                        other => panic!("vCPU {i}: unexpected exit {other:#x} {e:?}"),
                    }
                }
                exits
            });
            (h, exits)
        }));
    }
    let mut lps: Vec<Lp> = Vec::new();
    for (i, r) in runs.into_iter().enumerate() {
        let (h, exits) = r.join().unwrap();
        assert_eq!(
            exits,
            [EXIT_TDCALL, EXIT_EPT_VIOLATION, EXIT_TDCALL],
            "vCPU {i}"
        );
        assert_eq!(s.associated_lp(td.vcpus[i]), Some(i));
        lps.push(h);
    }
    s.with(|m| {
        for i in 0..2 {
            assert_eq!(
                m.mapping(td.tdr, GPA_FAULT[i]),
                Some((fault_pages[i], false))
            );
        }
    });

    // ---- block, track and remove GPA_FAULT[0] under contention ------------
    // vCPU 1 is in the TD (its VP.ENTER stopped with the guest running);
    // vCPU 0 takes an EPT violation while the range is being blocked.
    let late_page = w.alloc_page().unwrap();
    let in_td = s.pause_at(leaf::VP_ENTER);
    let mut lp1 = lps.pop().unwrap();
    let mut lp0 = lps.pop().unwrap();
    let v1 = td.vcpus[1];
    let vcpu1 = thread::spawn(move || {
        let e = with_module(&mut lp1, || unsafe { vp_enter(v1, &Regs::default()) });
        (lp1, e)
    });
    assert_eq!(in_td.wait(), 1);
    // The VMM's zap: RANGE.BLOCK holds the S-EPT tree exclusively.
    let blocking = s.pause_at(leaf::MEM_RANGE_BLOCK);
    let (seen_mm, tdr_pa) = (seen.clone(), td.tdr);
    let mut vmm_thread = vmm;
    let mm = thread::spawn(move || {
        let st = with_module(&mut vmm_thread, || unsafe {
            on_busy(&seen_mm, || {
                leaves::tdh_mem_range_block(page(GPA_FAULT[0]), pa(tdr_pa))
            })
            .0
        });
        (vmm_thread, st)
    });
    assert_eq!(blocking.wait(), 2);
    // vCPU 0 faults on GPA_LATE meanwhile: its PAGE.AUG finds the tree
    // locked, and KVM's fault handler retries (RET_PF_RETRY).
    let v0 = td.vcpus[0];
    let seen0 = seen.clone();
    let blocking = Mutex::new(Some(blocking));
    let (late, aug) = with_module(&mut lp0, || unsafe {
        let e = vp_enter(v0, &Regs::default());
        assert_eq!((e.rax, e.r8), (EXIT_EPT_VIOLATION, GPA_LATE));
        let mut first = true;
        let aug = on_busy(&seen0, || {
            let r = leaves::tdh_mem_page_aug(page(GPA_LATE), pa(td.tdr), pa(late_page));
            if first {
                first = false;
                assert_eq!(r.0.code(), TdxStatus::OPERAND_BUSY, "{}", r.0);
                assert_eq!(r.0.operand_id(), OperandId::Sept.raw());
                // The zap finishes.
                drop(blocking.lock().unwrap().take());
            }
            r
        })
        .0;
        (vp_enter(v0, &Regs::default()), aug)
    });
    assert_eq!(aug.raw(), 0, "PAGE.AUG of GPA_LATE: {aug}");
    assert_eq!(
        (late.rax, late.r9),
        (
            EXIT_EXTERNAL_INTERRUPT,
            0x8000_0000 | u64::from(KICK_VECTOR)
        )
    );
    let (mut vmm, st) = mm.join().unwrap();
    assert_eq!(st.raw(), 0, "RANGE.BLOCK: {st}");
    // TRACK starts a new epoch; vCPU 1 entered in the old one, so the
    // blocked page is not tracked until it leaves the TD, and no further
    // epoch starts meanwhile.
    let removed = with_module(&mut vmm, || unsafe {
        leaves::tdh_mem_track(pa(td.tdr)).unwrap();
        let (st, _) = leaves::tdh_mem_page_remove(page(GPA_FAULT[0]), pa(td.tdr));
        seen.note(st);
        assert_eq!(st.code(), TdxStatus::TLB_TRACKING_NOT_DONE, "{st}");
        let st = status(leaves::tdh_mem_track(pa(td.tdr))).0;
        seen.note(st);
        assert_eq!(st, TdxStatus::PREVIOUS_TLB_EPOCH_BUSY);
        // Flushing vCPU 1 from here: it is in use (its TDVPR is held).
        let st = status(leaves::tdh_vp_flush(pa(v1))).0;
        seen.note(st);
        assert_eq!(st.raw(), TdxStatus::OPERAND_BUSY.raw() | 1, "{st}");
        // KVM kicks every vCPU out of the TD (an IPI), then retries.
        in_td.release();
        let (lp1, e) = vcpu1.join().unwrap();
        assert_eq!(e.rax, EXIT_EXTERNAL_INTERRUPT);
        let (st, (hpa, _)) = on_busy(&seen, || {
            leaves::tdh_mem_page_remove(page(GPA_FAULT[0]), pa(td.tdr))
        });
        assert_eq!(st.raw(), 0, "PAGE.REMOVE: {st}");
        (hpa, lp1)
    });
    let (removed, mut lp1) = removed;
    assert_eq!(removed, fault_pages[0]);
    w.free_page(removed).unwrap();
    s.with(|m| assert_eq!(m.mapping(td.tdr, GPA_FAULT[0]), None));

    // ---- teardown: flush each vCPU where it ran, then free everything -----
    for (i, h) in [(0, &mut lp0), (1, &mut lp1)] {
        let v = td.vcpus[i];
        with_module(h, || unsafe { leaves::tdh_vp_flush(pa(v)).unwrap() });
    }
    with_module(&mut vmm, || unsafe {
        leaves::tdh_mng_vpflushdone(pa(td.tdr)).unwrap();
        leaves::tdh_phymem_cache_wb(false).unwrap();
        leaves::tdh_mng_key_freeid(pa(td.tdr)).unwrap();
        let mut pages = td.all();
        pages.extend([fault_pages[1], late_page]);
        for p in pages {
            let (st, (_, owner, _)) = leaves::tdh_phymem_page_reclaim(pa(p));
            assert_eq!((st.raw(), owner.as_u64()), (0, td.tdr), "{p:#x}: {st}");
            w.free_page(p).unwrap();
        }
        let (st, _) = leaves::tdh_phymem_page_reclaim(pa(td.tdr));
        assert_eq!(st.raw(), 0, "TDR: {st}");
        w.free_page(td.tdr).unwrap();
    });
    assert_eq!(
        w.allocated_pages(),
        0,
        "every page back in the host's allocator"
    );
    assert_eq!(s.with(|m| m.assigned_pages()), 0);

    // ---- what the contention provoked ---------------------------------------
    let busy = s.busy();
    eprintln!("busy statuses the module answered: {busy:?}");
    eprintln!(
        "statuses the host retried or reported: {:?}",
        seen.0.lock().unwrap()
    );
    let sept =
        TdxStatus::from_raw(TdxStatus::OPERAND_BUSY.raw() | u64::from(OperandId::Sept.raw()));
    let tdvpr =
        TdxStatus::from_raw(TdxStatus::OPERAND_BUSY.raw() | u64::from(OperandId::Rcx.raw()));
    assert!(busy.get(&sept).copied().unwrap_or(0) >= 1, "{busy:?}");
    assert!(busy.get(&tdvpr).copied().unwrap_or(0) >= 1, "{busy:?}");
    assert_eq!(
        seen.get(sept),
        busy[&sept],
        "every busy PAGE.AUG was retried"
    );
    assert_eq!(seen.get(TdxStatus::PREVIOUS_TLB_EPOCH_BUSY), 1);
    assert_eq!(
        seen.get(TdxStatus::from_raw(
            TdxStatus::TLB_TRACKING_NOT_DONE.raw() | 1
        )),
        1
    );
}
