//! TDH.VP.ENTER with a scripted guest: the catalog's `tdh_vp_enter` driven
//! through the trap against the software module, on modules 1.5.01, 1.5.25
//! and 2.0.18, each exit path's registers as the `TDH.VP.ENTER` rows of
//! `tests/data/tdx-abi/writes.tsv` and `writes-2.0.tsv` describe them.

mod emulate_leaves;

use std::sync::{Arc, Mutex};

use emulate_leaves::*;
use seamcall_core::emulate::model::{
    sequence, Cause, Exit, GpaState, Gprs, Model, NoVcpu, Release, Resume, TdParams, TDCS_PAGES,
    TDVPS_PAGES,
};
use seamcall_core::emulate::{with_module, Module, Outcome, Reg, Regs};
use seamcall_core::leaves::{self, abi};
use seamcall_core::x86_64::PhysAddr;
use seamcall_core::GpaLevel;
use seamcall_core::TdxStatus;

const TDMR: u64 = 1 << 30;
const TDMR_SIZE: u64 = 1 << 30;
const TDMR_LIST: u64 = 0x10_0000;
const TDMR_INFO: u64 = 0x10_1000;
const TD_PARAMS: u64 = 0x10_2000;
const SOURCE: u64 = 0x20_0000;
const HKID: u64 = 40;
const GLOBAL_HKID: u64 = 32;

/// `CONFIG_FLAGS.NO_RBP_MOD`.
const NO_RBP_MOD: u64 = 1 << 2;
/// `ATTRIBUTES.SEPT_VE_DISABLE`.
const SEPT_VE_DISABLE: u64 = 1 << 28;
/// TD exit statuses: class 0, the VMX exit reason in bits 31:0.
const EXIT_EXTERNAL_INTERRUPT: u64 = 1;
const EXIT_EPT_VIOLATION: u64 = 48;
const EXIT_TDCALL: u64 = 77;
/// `TDX_NON_RECOVERABLE_VCPU` with exit reason 2 (triple fault).
const EXIT_TRIPLE_FAULT: u64 = 0x4000_0001_0000_0002;
/// `TDX_OPERAND_INVALID` with operand id RCX, as TDG.VP.VMCALL returns it
/// to the guest for a refused mask.
const VMCALL_MASK_REFUSED: u64 = 0xC000_0100_0000_0001;
/// TDH.VP.WR field id of guest GPR n (`| n`), as the model decodes it:
/// class 0x10 (bits 63:56), element n.
const VP_GPR: u64 = 0x1000_0000_0000_0000;
/// `TDX_VCPU_STATE_INCORRECT`.
const VCPU_STATE_INCORRECT: u64 = 0xC000_0700_0000_0000;

const RELEASES: [Release; 3] = [Release::V1_5_01, Release::V1_5_25, Release::V2_0_18];

/// GPAs: 0 is added at build time (mapped), 0x2000 is left for PAGE.AUG.
const GPA_MAPPED: u64 = 0;
const GPA_AUG: u64 = 0x2000;

/// The pages of the one TD.
struct Td {
    tdr: u64,
    tdvpr: u64,
    aug_page: u64,
}

impl Td {
    fn page(i: u64) -> u64 {
        TDMR + i * 4096
    }
}

/// A model of `release` with a runnable TD (one vCPU, TDH.VP.INIT's RDX =
/// 0x1234, GPA 0 mapped, S-EPT tables down to level 1 for the first 2 MiB)
/// built through the leaves, the TD's `TD_PARAMS` taken from `params`.
fn runnable(release: Release, params: TdParams) -> (Model, Td) {
    let mut m = Model::new().with_release(release);
    let mem = m.memory_mut();
    mem.write_u64(TDMR_LIST, TDMR_INFO);
    mem.write_u64(TDMR_INFO, TDMR);
    mem.write_u64(TDMR_INFO + 8, TDMR_SIZE);
    mem.write(TD_PARAMS, &params.to_bytes());
    mem.write(SOURCE, &[0x5a; 4096]);
    let td = Td {
        tdr: Td::page(0),
        tdvpr: Td::page(5),
        aug_page: Td::page(20),
    };
    with_module(&mut m, || unsafe {
        sys_init(0).unwrap();
        sys_lp_init().unwrap();
        sys_config(TDMR_LIST, 1, GLOBAL_HKID).unwrap();
        sys_key_config().unwrap();
        let mut next = TDMR;
        while next < TDMR + TDMR_SIZE {
            next = sys_tdmr_init(TDMR).unwrap();
        }
        mng_create(td.tdr, HKID).unwrap();
        mng_key_config(td.tdr).unwrap();
        for i in 0..TDCS_PAGES as u64 {
            mng_addcx(Td::page(1 + i), td.tdr).unwrap();
        }
        mng_init(td.tdr, TD_PARAMS).unwrap();
        vp_create(td.tdvpr, td.tdr).unwrap();
        for i in 0..TDVPS_PAGES as u64 - 1 {
            vp_addcx(Td::page(6 + i), td.tdvpr).unwrap();
        }
        vp_init_v0(td.tdvpr, 0x1234).unwrap();
        mem_sept_add(3, td.tdr, Td::page(11)).unwrap();
        mem_sept_add(2, td.tdr, Td::page(12)).unwrap();
        mem_sept_add(1, td.tdr, Td::page(13)).unwrap();
        mem_page_add(GPA_MAPPED, td.tdr, Td::page(14), SOURCE).unwrap();
        mr_finalize(td.tdr).unwrap();
    });
    (m, td)
}

fn params(config_flags: u64, attributes: u64) -> TdParams {
    TdParams {
        config_flags,
        attributes,
        ..TdParams::default()
    }
}

/// One TDH.VP.ENTER as the host saw it: the registers it passed and got
/// back, and what the module did to RBP.
#[derive(Clone, Copy, Debug)]
struct Entry {
    inputs: Regs,
    outputs: Regs,
    rbp: Option<u64>,
}

/// Forwards to the model and keeps every TDH.VP.ENTER.
struct Spy<'a> {
    model: &'a mut Model,
    entries: Vec<Entry>,
    /// The other calls (any leaf but 0).
    others: usize,
}

impl<'a> Spy<'a> {
    fn new(model: &'a mut Model) -> Spy<'a> {
        Spy {
            model,
            entries: Vec::new(),
            others: 0,
        }
    }
}

impl Module for Spy<'_> {
    fn seamcall(&mut self, regs: &mut Regs) -> Outcome {
        let inputs = *regs;
        let outcome = self.model.seamcall(regs);
        if inputs.rax == 0 {
            self.entries.push(Entry {
                inputs,
                outputs: *regs,
                rbp: None,
            });
        } else {
            self.others += 1;
        }
        outcome
    }

    fn rbp_after(&mut self, leaf_word: u64) -> Option<u64> {
        let rbp = self.model.rbp_after(leaf_word);
        if leaf_word == 0 {
            if let Some(e) = self.entries.last_mut() {
                e.rbp = rbp;
            }
        }
        rbp
    }
}

/// The host's registers for TDH.VP.ENTER besides RCX (the TDVPR): the
/// answer to a TDG.VP.VMCALL.
#[derive(Clone, Copy, Default)]
struct Answer(Regs);

/// TDH.VP.ENTER with the host's answer `a` ([`emulate_leaves::vp_enter`]).
unsafe fn vp_enter(tdvpr: u64, a: Answer) -> Regs {
    emulate_leaves::vp_enter(tdvpr, &a.0)
}

/// A script that records what it was told, as closures see it.
#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<Resume>>>);

impl Log {
    fn push(&self, r: &Resume) {
        self.0.lock().unwrap().push(r.clone());
    }
    fn all(&self) -> Vec<Resume> {
        self.0.lock().unwrap().clone()
    }
}

/// A guest that plays `exits` in order and logs each resume.
fn logged(log: &Log, exits: Vec<Exit>) -> impl FnMut(&Resume) -> Exit + Send + 'static {
    let log = log.clone();
    let mut exits = exits.into_iter();
    move |r: &Resume| {
        log.push(r);
        exits.next().expect("the script ran past its last exit")
    }
}

/// Every register TDH.VP.ENTER changed is one the release may write.
fn check_audit(release: Release, e: &Entry) {
    let row = abi::find(0, 0, false).expect("TDH.VP.ENTER is in the table");
    let allowed = row.writes_in(release).expect("audited");
    for r in e.inputs.changed(&e.outputs).filter(|r| *r != Reg::Rax) {
        assert!(allowed.contains(r), "{release:?}: wrote {r}");
    }
    if e.rbp.is_some() {
        assert!(allowed.contains(Reg::Rbp), "{release:?}: wrote rbp");
    }
}

/// What RBP is after an asynchronous exit: 1.5.01 zeroes it on every one
/// (writes.tsv), later releases only when NO_RBP_MOD is 0 (writes-2.0.tsv).
fn async_rbp(release: Release, config_flags: u64) -> Option<u64> {
    if release == Release::V1_5_01 || config_flags & NO_RBP_MOD == 0 {
        Some(0)
    } else {
        None
    }
}

/// Every GPR of an asynchronous exit besides RAX, RCX, RDX, R8 and R9 is 0,
/// and those five are as given.
fn assert_async(out: &Regs, rax: u64, rcx: u64, rdx: u64, r8: u64, r9: u64, what: &str) {
    let expect = Regs {
        rax,
        rcx,
        rdx,
        r8,
        r9,
        ..Regs::default()
    };
    assert_eq!(*out, expect, "{what}");
}

/// General register `r` of `g`.
fn gpr(g: &Gprs, r: Reg) -> u64 {
    g.get(r).expect("a general register")
}

/// Guest registers the scripts start from: GPR n holds 0x1000 + n.
fn marked() -> Vec<(Reg, u64)> {
    (0..16u8)
        .filter_map(Reg::from_index)
        .map(|r| (r, 0x1000 + u64::from(r.index())))
        .collect()
}

#[test]
fn vmcall_exit_carries_the_selected_registers_and_zeroes_the_rest() {
    // RDX, RBX, RSI, R8, R10, R11, R15, and XMM_SELECT 0x0003.
    let gpr_select: u64 =
        (1 << 2) | (1 << 3) | (1 << 6) | (1 << 8) | (1 << 10) | (1 << 11) | (1 << 15);
    for release in RELEASES {
        for (config_flags, expose_rbp) in [(0, false), (0, true), (NO_RBP_MOD, false)] {
            let (mut m, td) = runnable(release, params(config_flags, 0));
            let mask = gpr_select | if expose_rbp { 1 << 5 } else { 0 };
            let control = mask | (0x3 << 16);
            let mut set = marked();
            set.push((Reg::R11, 0x77));
            let exit = Exit::Vmcall { control, set };
            m.set_guest(td.tdvpr, vec![exit]).unwrap();
            let mut spy = Spy::new(&mut m);
            let host = Regs {
                rdx: 0xdead,
                r9: 0xdead,
                r12: 0xdead,
                rdi: 0xdead,
                ..Regs::default()
            };
            let out = with_module(&mut spy, || unsafe { vp_enter(td.tdvpr, Answer(host)) });
            let what = format!("{release:?} CONFIG_FLAGS {config_flags:#x} mask {mask:#x}");
            let g = |n: u64| 0x1000 + n;
            let expect = Regs {
                rax: EXIT_TDCALL,
                rcx: control,
                rdx: g(2),
                rbx: g(3),
                rsi: g(6),
                rdi: 0,
                r8: g(8),
                r9: 0,
                r10: g(10),
                r11: 0x77,
                r12: 0,
                r13: 0,
                r14: 0,
                r15: g(15),
            };
            assert_eq!(out, expect, "{what}");
            let e = spy.entries[0];
            let rbp = if expose_rbp {
                Some(g(5))
            } else if config_flags & NO_RBP_MOD == 0 {
                Some(0)
            } else {
                None
            };
            assert_eq!(e.rbp, rbp, "RBP, {what}");
            check_audit(release, &e);
        }
    }
}

#[test]
fn the_hosts_answer_to_a_vmcall_reaches_the_guest() {
    for release in [Release::V1_5_01, Release::V2_0_18] {
        // A debug TD: TDH.VP.WR may change the guest's registers.
        let (mut m, td) = runnable(release, params(NO_RBP_MOD, TdParams::ATTR_DEBUG));
        let log = Log::default();
        // CPUID through TDG.VP.VMCALL: R10–R15 exposed.
        let mut set = marked();
        set.extend([(Reg::R11, 10), (Reg::R12, 0x4000_0000)]);
        let cpuid = Exit::Vmcall {
            control: 0xFC00,
            set,
        };
        let script = logged(
            &log,
            vec![
                cpuid,
                Exit::Hlt {
                    interrupt_blocked: true,
                },
            ],
        );
        m.set_guest(td.tdvpr, script).unwrap();
        let mut spy = Spy::new(&mut m);
        let answer = Regs {
            rdx: 0xd0d0,
            rbx: 0xb0b0,
            rsi: 0x5050,
            rdi: 0xd1d1,
            r8: 0x8080,
            r9: 0x9090,
            r10: 0,
            r11: 0x1111,
            r12: 0x1212,
            r13: 0x1313,
            r14: 0x1414,
            r15: 0x1515,
            ..Regs::default()
        };
        let (first, hlt) = with_module(&mut spy, || unsafe {
            let first = vp_enter(td.tdvpr, Answer::default());
            // The host writes RAX and R9 of the guest: the module's way
            // back sets RAX to 0 again; R9 (not selected) keeps it.
            for (n, v) in [(0, 0x5555), (9, 0x9999)] {
                vp_wr(td.tdvpr, VP_GPR | n, v, u64::MAX).unwrap();
            }
            (first, vp_enter(td.tdvpr, Answer(answer)))
        });
        assert_eq!(
            (first.rax, first.r11, first.r12),
            (EXIT_TDCALL, 10, 0x4000_0000)
        );
        let resumes = log.all();
        assert_eq!(resumes.len(), 2, "{release:?}");
        assert_eq!(resumes[0].cause, Cause::Start);
        assert_eq!(gpr(&resumes[0].gprs, Reg::Rcx), 0x1234, "TDH.VP.INIT's RDX");
        assert_eq!(resumes[0].entries, 1);
        let back = &resumes[1];
        assert_eq!(back.cause, Cause::VmcallReturned { control: 0xFC00 });
        assert_eq!(back.entries, 2);
        let g = back.gprs;
        assert_eq!((gpr(&g, Reg::Rax), gpr(&g, Reg::Rcx)), (0, 0xFC00));
        for (r, v) in [
            (Reg::R10, 0),
            (Reg::R11, 0x1111),
            (Reg::R12, 0x1212),
            (Reg::R13, 0x1313),
            (Reg::R14, 0x1414),
            (Reg::R15, 0x1515),
        ] {
            assert_eq!(
                gpr(&g, r),
                v,
                "{release:?} selected {r} comes from the host"
            );
        }
        assert_eq!(
            gpr(&g, Reg::R9),
            0x9999,
            "{release:?} R9 as TDH.VP.WR left it"
        );
        for r in [
            Reg::Rdx,
            Reg::Rbx,
            Reg::Rsp,
            Reg::Rbp,
            Reg::Rsi,
            Reg::Rdi,
            Reg::R8,
        ] {
            assert_eq!(
                gpr(&g, r),
                0x1000 + u64::from(r.index()),
                "{release:?} {r} kept"
            );
        }
        // The halt: TDG.VP.VMCALL<Instruction.HLT>, R10–R12 exposed.
        let expect = Regs {
            rax: EXIT_TDCALL,
            rcx: 0x1C00,
            r10: 0,
            r11: 12,
            r12: 1,
            ..Regs::default()
        };
        assert_eq!(hlt, expect, "{release:?} HLT");
        assert_eq!(spy.entries[1].rbp, None, "NO_RBP_MOD keeps RBP");
        for e in &spy.entries {
            check_audit(release, e);
        }
        assert_eq!(m.guest_gprs(td.tdvpr).map(|g| gpr(&g, Reg::R11)), Some(12));
    }
}

#[test]
fn a_refused_mask_never_reaches_the_host() {
    for release in [Release::V1_5_01, Release::V2_0_18] {
        for (config_flags, bad) in [
            (0, 1 << 0),
            (0, 1 << 1),
            (0, 1 << 4),
            (NO_RBP_MOD, 1 << 5),
            (0, 1 << 32),
            (0, 1 << 63),
        ] {
            let (mut m, td) = runnable(release, params(config_flags, 0));
            let log = Log::default();
            let refused = Exit::Vmcall {
                control: 0x0C00 | bad,
                set: vec![(Reg::R11, 0xbad)],
            };
            let good = Exit::vmcall(0x0C00, &[(Reg::R11, 0x600d)]);
            m.set_guest(td.tdvpr, logged(&log, vec![refused, good]))
                .unwrap();
            let mut spy = Spy::new(&mut m);
            let out = with_module(&mut spy, || unsafe {
                vp_enter(td.tdvpr, Answer::default())
            });
            let what = format!("{release:?} CONFIG_FLAGS {config_flags:#x} bit {bad:#x}");
            assert_eq!(spy.entries.len(), 1);
            assert_eq!(
                (out.rax, out.rcx, out.r11),
                (EXIT_TDCALL, 0x0C00, 0x600d),
                "{what}"
            );
            let resumes = log.all();
            assert_eq!(resumes.len(), 2, "{what}");
            assert_eq!(
                resumes[1].cause,
                Cause::VmcallRejected {
                    control: 0x0C00 | bad
                },
                "{what}"
            );
            assert_eq!(
                gpr(&resumes[1].gprs, Reg::Rax),
                VMCALL_MASK_REFUSED,
                "{what}"
            );
            assert_eq!(
                gpr(&resumes[1].gprs, Reg::R11),
                0xbad,
                "{what}: no host answer"
            );
        }
    }
    // RBP may be exposed when NO_RBP_MOD is 0.
    let (mut m, td) = runnable(Release::V2_0_18, params(0, 0));
    m.set_guest(td.tdvpr, vec![Exit::vmcall(1 << 5, &[])])
        .unwrap();
    let out = with_module(&mut m, || unsafe { vp_enter(td.tdvpr, Answer::default()) });
    assert_eq!((out.rax, out.rcx), (EXIT_TDCALL, 1 << 5));
}

#[test]
fn ept_violation_then_page_aug_then_resume() {
    for release in RELEASES {
        for (config_flags, attributes) in [(0, 0), (NO_RBP_MOD, SEPT_VE_DISABLE)] {
            let (mut m, td) = runnable(release, params(config_flags, attributes));
            let what =
                format!("{release:?} CONFIG_FLAGS {config_flags:#x} ATTRIBUTES {attributes:#x}");
            let log = Log::default();
            // GLA valid (bit 7) and the other bits 12:7 are cleared by the
            // module.
            let qualification = Exit::EPT_WRITE | (1 << 7) | (1 << 8) | (1 << 12);
            let exits = vec![
                // The mapped page takes no fault; the script goes on.
                Exit::EptViolation {
                    gpa: GPA_MAPPED + 8,
                    qualification: Exit::EPT_READ,
                },
                Exit::EptViolation {
                    gpa: GPA_AUG + 0x123,
                    qualification,
                },
                // After PAGE.AUG: the page is pending.
                Exit::EptViolation {
                    gpa: GPA_AUG + 0x123,
                    qualification: Exit::EPT_WRITE,
                },
                Exit::Hlt {
                    interrupt_blocked: false,
                },
            ];
            m.set_guest(td.tdvpr, logged(&log, exits)).unwrap();
            let mut spy = Spy::new(&mut m);
            let (ept, aug, next) = with_module(&mut spy, || unsafe {
                let ept = vp_enter(td.tdvpr, Answer::default());
                let gpa = GpaLevel::page(ept.r8).expect("a 4 KiB GPA");
                let (aug, _) = leaves::tdh_mem_page_aug(
                    gpa,
                    PhysAddr::new(td.tdr),
                    PhysAddr::new(td.aug_page),
                );
                (ept, aug, vp_enter(td.tdvpr, Answer::default()))
            });
            assert_async(
                &ept,
                EXIT_EPT_VIOLATION,
                Exit::EPT_WRITE,
                0,
                GPA_AUG,
                0,
                &what,
            );
            assert_eq!(
                spy.entries[0].rbp,
                async_rbp(release, config_flags),
                "{what}"
            );
            assert!(aug.is_success(), "{what}: PAGE.AUG {aug:?}");
            let resumes = log.all();
            assert_eq!(
                resumes[1].cause,
                Cause::Accessed {
                    gpa: GPA_MAPPED + 8
                },
                "{what}"
            );
            assert_eq!(
                resumes[2].cause,
                Cause::EptRetry {
                    gpa: GPA_AUG,
                    state: GpaState::Pending
                },
                "{what}"
            );
            if attributes & SEPT_VE_DISABLE != 0 {
                // A pending page: a TD exit with the extended qualification
                // type PENDING_EPT_VIOLATION (6).
                assert_async(
                    &next,
                    EXIT_EPT_VIOLATION,
                    Exit::EPT_WRITE,
                    6,
                    GPA_AUG,
                    0,
                    &what,
                );
                assert_eq!(resumes.len(), 3, "{what}");
            } else {
                // A #VE in the guest, no exit: the guest then halts.
                assert_eq!(
                    resumes[3].cause,
                    Cause::Ve {
                        gpa: GPA_AUG + 0x123
                    },
                    "{what}"
                );
                assert_eq!((next.rax, next.r11), (EXIT_TDCALL, 12), "{what}");
            }
            for e in &spy.entries {
                check_audit(release, e);
            }
        }
    }
}

#[test]
fn external_interrupt_exit_and_resume() {
    for release in RELEASES {
        for config_flags in [0, NO_RBP_MOD] {
            let (mut m, td) = runnable(release, params(config_flags, 0));
            let what = format!("{release:?} CONFIG_FLAGS {config_flags:#x}");
            let log = Log::default();
            let exits = vec![
                Exit::ExternalInterrupt { vector: 0xEC },
                Exit::ExternalInterrupt { vector: 0x20 },
            ];
            m.set_guest(td.tdvpr, logged(&log, exits)).unwrap();
            let mut spy = Spy::new(&mut m);
            let host = Regs {
                rbx: 0x5a5a,
                r15: 0x5a5a,
                ..Regs::default()
            };
            let (a, b) = with_module(&mut spy, || unsafe {
                (
                    vp_enter(td.tdvpr, Answer(host)),
                    vp_enter(td.tdvpr, Answer(host)),
                )
            });
            // R9: VM-exit interruption information, valid | vector.
            assert_async(&a, EXIT_EXTERNAL_INTERRUPT, 0, 0, 0, 0x8000_00EC, &what);
            assert_async(&b, EXIT_EXTERNAL_INTERRUPT, 0, 0, 0, 0x8000_0020, &what);
            assert_eq!(
                spy.entries[0].rbp,
                async_rbp(release, config_flags),
                "{what}"
            );
            assert_eq!(log.all()[1].cause, Cause::Interrupted, "{what}");
            for e in &spy.entries {
                check_audit(release, e);
            }
        }
    }
}

#[test]
fn a_triple_fault_disables_the_vcpu() {
    for release in RELEASES {
        for config_flags in [0, NO_RBP_MOD] {
            let (mut m, td) = runnable(release, params(config_flags, 0));
            let what = format!("{release:?} CONFIG_FLAGS {config_flags:#x}");
            let log = Log::default();
            m.set_guest(td.tdvpr, logged(&log, vec![Exit::TripleFault]))
                .unwrap();
            let mut spy = Spy::new(&mut m);
            let host = Regs {
                rdx: 0x77,
                r8: 0x88,
                rsi: 0x66,
                ..Regs::default()
            };
            let (fault, again) = with_module(&mut spy, || unsafe {
                (
                    vp_enter(td.tdvpr, Answer(host)),
                    vp_enter(td.tdvpr, Answer(host)),
                )
            });
            assert_async(&fault, EXIT_TRIPLE_FAULT, 0, 0, 0, 0, &what);
            assert!(TdxStatus::from_raw(fault.rax).is_non_recoverable());
            assert_eq!(
                spy.entries[0].rbp,
                async_rbp(release, config_flags),
                "{what}"
            );
            // The vCPU cannot be entered again: RAX only, no guest run;
            // from 1.5.06 on with the vCPU state (VCPU_DISABLED, 8) as the
            // operand id.
            let disabled = if release >= Release::V1_5_25 { 8 } else { 0 };
            let expect = Regs {
                rax: VCPU_STATE_INCORRECT | disabled,
                rcx: td.tdvpr,
                ..host
            };
            assert_eq!(again, expect, "{what}");
            assert_eq!(spy.entries[1].rbp, None, "{what}");
            // TDH.VP.RD still takes the disabled vCPU, TDH.VP.WR does not.
            let (rd, wr) = with_module(&mut spy, || unsafe {
                let f = seamcall_core::fields::vcpu::PEND_NMI;
                (
                    leaves::tdh_vp_rd(PhysAddr::new(td.tdvpr), f),
                    leaves::tdh_vp_wr(PhysAddr::new(td.tdvpr), f, 1, 1),
                )
            });
            assert_eq!(rd, Ok(0), "{what}");
            assert_eq!(
                wr.map_err(|e| e.status().raw()),
                Err(VCPU_STATE_INCORRECT | disabled),
                "{what}"
            );
            assert_eq!(log.all().len(), 1, "{what}: the script ran once");
            for e in &spy.entries {
                check_audit(release, e);
            }
        }
    }
}

#[test]
fn a_finished_script_idles_until_the_hosts_interrupt() {
    let (mut m, td) = runnable(Release::V2_0_18, params(NO_RBP_MOD, 0));
    m.set_guest(
        td.tdvpr,
        sequence([Exit::ExternalInterrupt { vector: 0x30 }]),
    )
    .unwrap();
    let (a, b) = with_module(&mut m, || unsafe {
        (
            vp_enter(td.tdvpr, Answer::default()),
            vp_enter(td.tdvpr, Answer::default()),
        )
    });
    assert_eq!((a.rax, a.r9), (EXIT_EXTERNAL_INTERRUPT, 0x8000_0030));
    assert_async(&b, EXIT_EXTERNAL_INTERRUPT, 0, 0, 0, 0, "idle");
    // A guest that never leaves the TD is interrupted too.
    let (mut m, td) = runnable(Release::V2_0_18, params(NO_RBP_MOD, 0));
    let mut runs = 0u32;
    m.set_guest(td.tdvpr, move |_: &Resume| {
        runs += 1;
        assert!(runs <= 1024, "the model ran the guest without end");
        Exit::EptViolation {
            gpa: GPA_MAPPED,
            qualification: Exit::EPT_READ,
        }
    })
    .unwrap();
    let out = with_module(&mut m, || unsafe { vp_enter(td.tdvpr, Answer::default()) });
    assert_async(&out, EXIT_EXTERNAL_INTERRUPT, 0, 0, 0, 0, "busy guest");
}

#[test]
fn without_a_script_the_td_exits_at_once() {
    for release in RELEASES {
        let (mut m, td) = runnable(release, params(NO_RBP_MOD, 0));
        let mut spy = Spy::new(&mut m);
        let host = Regs {
            rdx: 1,
            rbx: 2,
            r15: 3,
            ..Regs::default()
        };
        let out = with_module(&mut spy, || unsafe { vp_enter(td.tdvpr, Answer(host)) });
        assert_async(&out, EXIT_EXTERNAL_INTERRUPT, 0, 0, 0, 0, "no script");
        assert_eq!(spy.entries[0].rbp, async_rbp(release, NO_RBP_MOD));
    }
}

#[test]
fn set_guest_needs_a_vcpu_and_the_model_stays_send_and_clone() {
    fn send<T: Send>(_: &T) {}
    let (mut m, td) = runnable(Release::V2_0_18, TdParams::default());
    assert_eq!(
        m.set_guest(td.tdr, Vec::<Exit>::new()).err(),
        Some(NoVcpu { tdvpr: td.tdr })
    );
    m.set_guest(td.tdvpr, vec![Exit::ExternalInterrupt { vector: 0x41 }])
        .unwrap();
    send(&m);
    // A clone shares the guest: its entry plays the one exit.
    let mut twin = m.clone();
    assert!(format!("{twin:?}").contains("GuestScript"));
    let out = with_module(&mut twin, || unsafe {
        vp_enter(td.tdvpr, Answer::default())
    });
    assert_eq!(out.r9, 0x8000_0041);
    let out = with_module(&mut m, || unsafe { vp_enter(td.tdvpr, Answer::default()) });
    assert_eq!(out.r9, 0, "the shared script is used up");
}

/// A guest whose every entry faults again on `gpa` (read) until the host
/// mapped it; with `progress` it first touches the mapped page at GPA 0 (the
/// instruction pointer moves on), and halts once the page is pending.
fn faulting_guest(log: &Log, gpa: u64, progress: bool) -> impl FnMut(&Resume) -> Exit + Send {
    let log = log.clone();
    move |r: &Resume| {
        log.push(r);
        let fault = Exit::EptViolation {
            gpa,
            qualification: Exit::EPT_READ,
        };
        match r.cause {
            Cause::EptRetry {
                state: GpaState::Pending,
                ..
            } => Exit::Hlt {
                interrupt_blocked: false,
            },
            Cause::EptRetry { .. } if progress => Exit::EptViolation {
                gpa: GPA_MAPPED,
                qualification: Exit::EPT_READ,
            },
            _ => fault,
        }
    }
}

#[test]
fn ept_violations_at_one_instruction_end_in_the_emulated_exit() {
    for release in RELEASES {
        for config_flags in [0, NO_RBP_MOD] {
            let (mut m, td) = runnable(release, params(config_flags, 0));
            let what = format!("{release:?} CONFIG_FLAGS {config_flags:#x}");
            let log = Log::default();
            m.set_guest(td.tdvpr, faulting_guest(&log, GPA_AUG + 0x10, false))
                .unwrap();
            let mut spy = Spy::new(&mut m);
            let outs = with_module(&mut spy, || unsafe {
                let mut outs: Vec<Regs> = (0..9)
                    .map(|_| vp_enter(td.tdvpr, Answer::default()))
                    .collect();
                let gpa = GpaLevel::page(GPA_AUG).expect("a 4 KiB GPA");
                let (aug, _) = leaves::tdh_mem_page_aug(
                    gpa,
                    PhysAddr::new(td.tdr),
                    PhysAddr::new(td.aug_page),
                );
                assert!(aug.is_success());
                outs.push(vp_enter(td.tdvpr, Answer::default()));
                outs
            });
            // Entries 1–7: the guest's own faults (a read); the seventh is
            // past the threshold of 6 and logs the GPA.
            for (i, o) in outs[..7].iter().enumerate() {
                let what = format!("{what}, entry {}", i + 1);
                assert_async(o, EXIT_EPT_VIOLATION, Exit::EPT_READ, 0, GPA_AUG, 0, &what);
                assert_eq!(
                    spy.entries[i].rbp,
                    async_rbp(release, config_flags),
                    "{what}"
                );
            }
            // Entries 8 and 9: the guest does not run; the module emulates
            // an EPT violation (qualification: a write).
            let emulated_rbp = if release >= Release::V1_5_25 && config_flags & NO_RBP_MOD == 0 {
                Some(0)
            } else {
                None
            };
            for (i, o) in outs[7..9].iter().enumerate() {
                let what = format!("{what}, entry {}", i + 8);
                assert_async(o, EXIT_EPT_VIOLATION, Exit::EPT_WRITE, 0, GPA_AUG, 0, &what);
                assert_eq!(spy.entries[i + 7].rbp, emulated_rbp, "RBP, {what}");
            }
            let resumes = log.all();
            if release < Release::V1_5_25 {
                // 1.5.01's filter has no #VE exception: the pending page
                // still counts as faulting, and the exit stays emulated.
                let what = format!("{what}, entry 10");
                assert_async(
                    &outs[9],
                    EXIT_EPT_VIOLATION,
                    Exit::EPT_WRITE,
                    0,
                    GPA_AUG,
                    0,
                    &what,
                );
                assert_eq!(resumes.len(), 7, "{what}: the guest ran 7 times");
            } else {
                // Once PAGE.AUG made it pending (a #VE, not a fault), the
                // guest runs again.
                assert_eq!((outs[9].rax, outs[9].r11), (EXIT_TDCALL, 12), "{what}");
                assert_eq!(resumes.len(), 8, "{what}: the guest ran 8 times");
                assert_eq!(resumes[7].entries, 8, "{what}");
            }
            for e in &spy.entries {
                check_audit(release, e);
            }
        }
    }
}

#[test]
fn ept_violations_with_progress_in_between_all_reach_the_host() {
    let (mut m, td) = runnable(Release::V2_0_18, params(0, 0));
    let log = Log::default();
    m.set_guest(td.tdvpr, faulting_guest(&log, GPA_AUG, true))
        .unwrap();
    let outs = with_module(&mut m, || unsafe {
        (0..20)
            .map(|_| vp_enter(td.tdvpr, Answer::default()))
            .collect::<Vec<_>>()
    });
    for (i, o) in outs.iter().enumerate() {
        let what = format!("entry {}", i + 1);
        assert_async(o, EXIT_EPT_VIOLATION, Exit::EPT_READ, 0, GPA_AUG, 0, &what);
    }
    assert_eq!(
        log.all().len(),
        39,
        "one resume for the first entry, two per later one"
    );
}

#[test]
fn the_way_back_reads_the_guests_rcx_at_entry() {
    // A debug TD whose host rewrites the guest's RCX (the VMCALL's control
    // value) between the exit and the entry: the module copies back the
    // registers the new value selects.
    let (mut m, td) = runnable(Release::V2_0_18, params(NO_RBP_MOD, TdParams::ATTR_DEBUG));
    let log = Log::default();
    let call = Exit::vmcall(0x0C00, &[(Reg::R10, 0xa), (Reg::R11, 0xb), (Reg::R12, 0xc)]);
    m.set_guest(td.tdvpr, logged(&log, vec![call, Exit::TripleFault]))
        .unwrap();
    let answer = Regs {
        r10: 0x10,
        r11: 0x11,
        r12: 0x12,
        ..Regs::default()
    };
    with_module(&mut m, || unsafe {
        vp_enter(td.tdvpr, Answer::default());
        vp_wr(td.tdvpr, VP_GPR | 1, 1 << 12, u64::MAX).unwrap();
        vp_enter(td.tdvpr, Answer(answer));
    });
    let back = &log.all()[1];
    assert_eq!(back.cause, Cause::VmcallReturned { control: 1 << 12 });
    let g = &back.gprs;
    assert_eq!(
        [Reg::Rcx, Reg::R10, Reg::R11, Reg::R12].map(|r| gpr(g, r)),
        [1 << 12, 0xa, 0xb, 0x12]
    );
}

#[test]
fn the_emulated_ept_violation_drops_a_pending_vmcall_answer() {
    let (mut m, td) = runnable(Release::V2_0_18, params(NO_RBP_MOD, 0));
    let log = Log::default();
    let l = log.clone();
    m.set_guest(td.tdvpr, move |r: &Resume| {
        l.push(r);
        match r.cause {
            Cause::EptRetry {
                state: GpaState::Pending,
                ..
            } => Exit::vmcall(0x0800, &[(Reg::R11, 0x77)]),
            Cause::VmcallReturned { .. } => Exit::Hlt {
                interrupt_blocked: false,
            },
            _ => Exit::EptViolation {
                gpa: GPA_AUG,
                qualification: Exit::EPT_READ,
            },
        }
    })
    .unwrap();
    let page = GpaLevel::page(GPA_AUG).expect("a 4 KiB GPA");
    let (tdr, aug_page) = (PhysAddr::new(td.tdr), PhysAddr::new(td.aug_page));
    let outs = with_module(&mut m, || unsafe {
        let mut outs: Vec<Regs> = (0..7)
            .map(|_| vp_enter(td.tdvpr, Answer::default()))
            .collect();
        assert!(leaves::tdh_mem_page_aug(page, tdr, aug_page).0.is_success());
        // Pending, no SEPT_VE_DISABLE: the guest runs, and calls the host.
        outs.push(vp_enter(td.tdvpr, Answer::default()));
        // The host takes the page away before answering.
        mem_range_block(GPA_AUG, td.tdr).unwrap();
        mem_track(td.tdr).unwrap();
        mem_page_remove(GPA_AUG, td.tdr).unwrap();
        let answer = Regs {
            r11: 0x1111,
            ..Regs::default()
        };
        outs.push(vp_enter(td.tdvpr, Answer(answer)));
        assert!(leaves::tdh_mem_page_aug(page, tdr, aug_page).0.is_success());
        outs.push(vp_enter(td.tdvpr, Answer(answer)));
        outs
    });
    assert_eq!((outs[7].rax, outs[7].r11), (EXIT_TDCALL, 0x77));
    assert_async(
        &outs[8],
        EXIT_EPT_VIOLATION,
        Exit::EPT_WRITE,
        0,
        GPA_AUG,
        0,
        "emulated",
    );
    let resumes = log.all();
    let last = resumes.last().expect("the guest ran");
    assert_eq!(
        last.cause,
        Cause::EptRetry {
            gpa: GPA_AUG,
            state: GpaState::Pending
        },
        "the VMCALL's answer never reaches the guest"
    );
    assert_eq!(gpr(&last.gprs, Reg::R11), 0x77);
    assert_eq!((outs[9].rax, outs[9].r11), (EXIT_TDCALL, 0x77));
}

#[test]
fn a_script_that_sets_an_xmm_register_is_reported() {
    use std::panic::{catch_unwind, AssertUnwindSafe};
    let (mut m, td) = runnable(Release::V2_0_18, params(NO_RBP_MOD, 0));
    let call = Exit::vmcall(0x0C00, &[(Reg::Xmm0, 1)]);
    m.set_guest(td.tdvpr, vec![call]).unwrap();
    let r = catch_unwind(AssertUnwindSafe(|| {
        with_module(&mut m, || unsafe {
            vp_enter(td.tdvpr, Answer::default());
        })
    }));
    let p = r.expect_err("an XMM register is not a guest register the model keeps");
    let msg = p
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default();
    assert!(msg.contains("Exit::Vmcall sets xmm0"), "{msg}");
}

/// A panic in the model under TDH.VP.ENTER with `RUST_BACKTRACE=1`: the
/// panic hook's backtrace stops at the module's call instead of walking
/// into the declaration's `asm!` block (which saved RBX and RBP on the
/// stack) and crashing the process. Run as a child process, because the
/// standard library reads `RUST_BACKTRACE` once.
#[test]
fn a_module_panic_prints_its_backtrace_without_crashing() {
    const CHILD: &str = "SEAMCALL_BACKTRACE_CHILD";
    if std::env::var_os(CHILD).is_some() {
        let (mut m, td) = runnable(Release::V2_0_18, params(NO_RBP_MOD, 0));
        m.set_guest(td.tdvpr, |_: &Resume| -> Exit { panic!("script bug") })
            .unwrap();
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            with_module(&mut m, || unsafe {
                vp_enter(td.tdvpr, Answer::default());
            })
        }));
        assert!(r.is_err(), "the script's panic reached the test");
        return;
    }
    let exe = std::env::current_exe().unwrap();
    let out = std::process::Command::new(exe)
        .args([
            "--exact",
            "a_module_panic_prints_its_backtrace_without_crashing",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD, "1")
        .env("RUST_BACKTRACE", "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "child: {:?}\n{stderr}", out.status);
    assert!(
        stderr.contains("script bug") && stderr.contains("stack backtrace"),
        "{stderr}"
    );
}
