//! The software module behaves as the release it models where the audited
//! releases differ: one test per difference, each run on module 1.5.01 and
//! on 2.0.18 (the default), through declared leaves and the trap.

use seamcall_core::emulate::model::codes;
use seamcall_core::emulate::model::{Model, PageType, Release, TdParams};
use seamcall_core::emulate::{with_module, Recorder};
use seamcall_core::leaves::abi;
use seamcall_core::{seamcall, OperandId, SeamcallError, TdxStatus};

const TDMR: u64 = 1 << 30;
const TDMR_SIZE: u64 = 1 << 30;
const TDMR_LIST: u64 = 0x10_0000;
const TDMR_INFO: u64 = 0x10_1000;
const TD_PARAMS: u64 = 0x10_2000;
const HKID: u64 = 40;
/// The module's global private key id (TDH.SYS.CONFIG R8 bits 15:0).
const GLOBAL_HKID: u64 = 32;
/// Bit 16 of TDH.SYS.CONFIG's R8: Dynamic PAMT.
const DYNAMIC_PAMT: u64 = 1 << 16;
/// `TDX_PS_2M` in the low bits of a PAMT.ADD/REMOVE range.
const PS_2M: u64 = 1;

#[seamcall(leaf = 33, in = [rcx], clobber = [rcx, rdx, r8, r9, r10])]
unsafe fn sys_init(attributes: u64) -> Result<(), SeamcallError>;
#[seamcall(leaf = 35, clobber = [rcx, rdx, r8])]
unsafe fn sys_lp_init() -> Result<(), SeamcallError>;
#[seamcall(leaf = 45, in = [rcx, rdx, r8])]
unsafe fn sys_config(tdmr_list: u64, count: u64, options: u64) -> Result<(), SeamcallError>;
#[seamcall(leaf = 45, version = 1, in = [rcx, rdx, r8, r9, r10])]
unsafe fn sys_config_v1(
    tdmr_list: u64,
    count: u64,
    options: u64,
    features: u64,
    reserved: u64,
) -> Result<(), SeamcallError>;
#[seamcall(leaf = 31)]
unsafe fn sys_key_config() -> Result<(), SeamcallError>;
#[seamcall(leaf = 36, in = [rcx], out = [rdx])]
unsafe fn sys_tdmr_init(tdmr: u64) -> Result<u64, SeamcallError>;
#[seamcall(leaf = 9, in = [rcx, rdx])]
unsafe fn mng_create(tdr: u64, hkid: u64) -> Result<(), SeamcallError>;
#[seamcall(leaf = 8, in = [rcx])]
unsafe fn mng_key_config(tdr: u64) -> Result<(), SeamcallError>;
#[seamcall(leaf = 1, in = [rcx, rdx])]
unsafe fn mng_addcx(page: u64, tdr: u64) -> Result<(), SeamcallError>;
#[seamcall(leaf = 21, in = [rcx, rdx, r8], out = [rcx])]
unsafe fn mng_init(tdr: u64, td_params: u64, event_filters: u64) -> Result<u64, SeamcallError>;
#[seamcall(leaf = 10, in = [rcx, rdx])]
unsafe fn vp_create(tdvpr: u64, tdr: u64) -> Result<(), SeamcallError>;
#[seamcall(leaf = 4, in = [rcx, rdx])]
unsafe fn vp_addcx(page: u64, tdvpr: u64) -> Result<(), SeamcallError>;
// Linux mainline's declaration: no `unchecked`.
#[seamcall(leaf = 22, version = 1, in = [rcx, rdx, r8])]
unsafe fn vp_init(tdvpr: u64, rcx: u64, x2apic_id: u64) -> Result<(), SeamcallError>;
#[seamcall(leaf = 22, in = [rcx, rdx])]
unsafe fn vp_init_v0(tdvpr: u64, rcx: u64) -> Result<(), SeamcallError>;
#[seamcall(leaf = 58, in = [rcx, rdx, r8])]
unsafe fn pamt_add(range: u64, page0: u64, page1: u64) -> Result<(), SeamcallError>;
#[seamcall(leaf = 59, in = [rcx], out = [rdx, r8])]
unsafe fn pamt_remove(range: u64) -> Result<(u64, u64), SeamcallError>;
#[seamcall(leaf = 18, in = [rcx])]
unsafe fn vp_flush(tdvpr: u64) -> Result<(), SeamcallError>;
#[seamcall(leaf = 19, in = [rcx])]
unsafe fn mng_vpflushdone(tdr: u64) -> Result<(), SeamcallError>;
#[seamcall(leaf = 40, in = [rcx])]
unsafe fn phymem_cache_wb(resume: u64) -> Result<(), SeamcallError>;
#[seamcall(leaf = 20, in = [rcx])]
unsafe fn mng_key_freeid(tdr: u64) -> Result<(), SeamcallError>;
#[seamcall(leaf = 28, in = [rcx], out = [rcx, rdx, r8], clobber = [r9, r10, r11])]
unsafe fn phymem_page_reclaim(page: u64) -> Result<(u64, u64, u64), SeamcallError>;

fn status<T: std::fmt::Debug>(r: Result<T, SeamcallError>) -> u64 {
    r.expect_err("the call should fail").raw()
}

fn op(code: TdxStatus, id: OperandId) -> u64 {
    code.raw() | u64::from(id.raw())
}

/// A model of `release` before TDH.SYS.INIT, memory prepared.
fn model(release: Release) -> Model {
    let mut m = Model::new().with_release(release);
    let mem = m.memory_mut();
    mem.write_u64(TDMR_LIST, TDMR_INFO);
    mem.write_u64(TDMR_INFO, TDMR);
    mem.write_u64(TDMR_INFO + 8, TDMR_SIZE);
    mem.write(TD_PARAMS, &TdParams::default().to_bytes());
    m
}

/// Module initialization with the option word `options` in R8.
unsafe fn init_module(options: u64) -> Result<(), SeamcallError> {
    sys_init(0)?;
    sys_lp_init()?;
    sys_config(TDMR_LIST, 1, options)?;
    sys_key_config()?;
    let mut next = TDMR;
    while next < TDMR + TDMR_SIZE {
        next = sys_tdmr_init(TDMR)?;
    }
    Ok(())
}

/// A TD with its TDCS pages and one vCPU with its TDVPS pages, not yet
/// initialized; pages from `base` on.
struct Td {
    tdr: u64,
    tdcs: Vec<u64>,
    tdvpr: u64,
    tdvpx: Vec<u64>,
}

impl Td {
    fn at(base: u64) -> Td {
        let p = |i: u64| base + i * 4096;
        Td {
            tdr: p(0),
            tdcs: (1..=4).map(p).collect(),
            tdvpr: p(5),
            tdvpx: (6..=10).map(p).collect(),
        }
    }

    fn pages(&self) -> Vec<u64> {
        let mut v = vec![self.tdvpr];
        v.extend(&self.tdcs);
        v.extend(&self.tdvpx);
        v
    }

    unsafe fn create(&self) -> Result<(), SeamcallError> {
        mng_create(self.tdr, HKID)?;
        mng_key_config(self.tdr)?;
        for p in &self.tdcs {
            mng_addcx(*p, self.tdr)?;
        }
        mng_init(self.tdr, TD_PARAMS, 0)?;
        vp_create(self.tdvpr, self.tdr)?;
        for p in &self.tdvpx {
            vp_addcx(*p, self.tdvpr)?;
        }
        Ok(())
    }

    unsafe fn teardown(&self) -> Result<(), SeamcallError> {
        vp_flush(self.tdvpr)?;
        mng_vpflushdone(self.tdr)?;
        phymem_cache_wb(0)?;
        mng_key_freeid(self.tdr)?;
        for p in self.pages() {
            phymem_page_reclaim(p)?;
        }
        phymem_page_reclaim(self.tdr)?;
        Ok(())
    }
}

#[test]
fn vp_init_version_1_is_rejected_by_1_5_01_only() {
    for release in [Release::V1_5_01, Release::V2_0_18] {
        let mut m = model(release);
        let td = Td::at(TDMR);
        let r = with_module(&mut m, || unsafe {
            init_module(GLOBAL_HKID).unwrap();
            td.create().unwrap();
            vp_init(td.tdvpr, 0x1234, 7)
        });
        if release == Release::V1_5_01 {
            // The dispatcher rejects the version, RAX alone; version 0
            // still initializes the vCPU.
            assert_eq!(status(r), op(TdxStatus::OPERAND_INVALID, OperandId::Rax));
            with_module(&mut m, || unsafe { vp_init_v0(td.tdvpr, 0x1234) }).unwrap();
        } else {
            r.unwrap();
        }
    }
    assert_eq!(
        Model::new().release(),
        Release::V2_0_18,
        "the default is the newest"
    );
}

#[test]
fn dynamic_pamt_needs_a_release_that_has_it() {
    let options = GLOBAL_HKID | DYNAMIC_PAMT;
    // 1.5.01 reads R8 as the HKID: bit 16 makes it out of range.
    let mut old = model(Release::V1_5_01);
    let r = with_module(&mut old, || unsafe { init_module(options) });
    assert_eq!(status(r), op(TdxStatus::OPERAND_INVALID, OperandId::R8));
    assert!(!old.dynamic_pamt());
    // Nor does it have the PAMT leaves: its dispatcher's default case.
    let mut old = model(Release::V1_5_01);
    let r = with_module(&mut old, || unsafe {
        init_module(GLOBAL_HKID).unwrap();
        pamt_add(TDMR | PS_2M, TDMR + (4 << 20), TDMR + (4 << 20) + 4096)
    });
    assert_eq!(status(r), op(TdxStatus::OPERAND_INVALID, OperandId::Rax));

    // 2.0.18 without the option bit: the PAMT leaves are refused, pages are
    // assigned as without Dynamic PAMT.
    let mut m = model(Release::V2_0_18);
    let r = with_module(&mut m, || unsafe {
        init_module(GLOBAL_HKID).unwrap();
        pamt_add(TDMR | PS_2M, TDMR + (4 << 20), TDMR + (4 << 20) + 4096)
    });
    assert_eq!(status(r), op(TdxStatus::OPERAND_INVALID, OperandId::Rax));
    assert!(!m.dynamic_pamt());
    // Reserved bits above 16 are refused on every release.
    let mut m = model(Release::V2_0_18);
    let r = with_module(&mut m, || unsafe { init_module(GLOBAL_HKID | 1 << 17) });
    assert_eq!(status(r), op(TdxStatus::OPERAND_INVALID, OperandId::R8));
}

#[test]
fn with_dynamic_pamt_a_range_needs_its_pamt_pages() {
    let mut m = model(Release::V2_0_18);
    let td = Td::at(TDMR);
    // The PAMT pages of the TD's 2 MiB range live in another range.
    let pamt = [TDMR + (4 << 20), TDMR + (4 << 20) + 4096];
    with_module(&mut m, || unsafe {
        init_module(GLOBAL_HKID | DYNAMIC_PAMT).unwrap();
        assert_eq!(
            status(mng_create(td.tdr, HKID)),
            op(codes::MISSING_PAMT_PAGE_PAIR, OperandId::Rcx),
            "no PAMT pages for the TDR's range yet"
        );
        assert_eq!(
            status(pamt_add(TDMR | PS_2M, pamt[0], pamt[0])),
            op(codes::PAGE_NOT_FREE, OperandId::R8),
        );
        assert_eq!(
            status(pamt_add(TDMR, pamt[0], pamt[1])),
            op(TdxStatus::OPERAND_INVALID, OperandId::Rcx),
            "the range must say 2 MiB"
        );
        pamt_add(TDMR | PS_2M, pamt[0], pamt[1]).unwrap();
        assert_eq!(
            status(pamt_add(TDMR | PS_2M, pamt[0] + 8192, pamt[1] + 8192)),
            op(codes::HPA_RANGE_NOT_FREE, OperandId::Rcx),
        );
        // A PAMT page is not a free page.
        assert_eq!(
            status(mng_create(pamt[0], HKID)),
            op(codes::MISSING_PAMT_PAGE_PAIR, OperandId::Rcx),
            "its own range has no PAMT pages"
        );
        td.create().unwrap();
        vp_init(td.tdvpr, 0, 0).unwrap();
        // The range is in use: its first PAMT page holds the TD's entries.
        assert_eq!(
            status(pamt_remove(TDMR | PS_2M)),
            codes::PAMT_PAGE_NOT_EMPTY.raw()
        );
        td.teardown().unwrap();
        // Now empty: the two pages come back in RDX and R8.
        assert_eq!(pamt_remove(TDMR | PS_2M), Ok((pamt[0], pamt[1])));
        assert_eq!(
            status(pamt_remove(TDMR | PS_2M)),
            op(codes::NO_PAMT_PAGE_PAIR, OperandId::Rcx)
        );
    });
    assert_eq!(m.page_type(td.tdr), PageType::Nda);
}

#[test]
fn sys_config_version_1_from_1_5_34() {
    for release in [
        Release::V1_5_01,
        Release::V1_5_25,
        Release::V1_5_34,
        Release::V2_0_18,
    ] {
        let mut m = model(release);
        let r = with_module(&mut m, || unsafe {
            sys_init(0).unwrap();
            sys_lp_init().unwrap();
            let reserved = sys_config_v1(TDMR_LIST, 1, GLOBAL_HKID, 0, 1);
            let unknown_feature = sys_config_v1(TDMR_LIST, 1, GLOBAL_HKID, 1 << 63, 0);
            (
                reserved,
                unknown_feature,
                sys_config_v1(TDMR_LIST, 1, GLOBAL_HKID, 0, 0),
            )
        });
        if release < Release::V1_5_34 {
            let rax = op(TdxStatus::OPERAND_INVALID, OperandId::Rax);
            assert_eq!(
                (status(r.0), status(r.1), status(r.2)),
                (rax, rax, rax),
                "{release:?}"
            );
        } else {
            assert_eq!(status(r.0), op(TdxStatus::OPERAND_INVALID, OperandId::R10));
            assert_eq!(status(r.1), op(TdxStatus::OPERAND_INVALID, OperandId::R9));
            r.2.unwrap();
        }
    }
}

/// Every register a call changed is one its release may write.
#[test]
fn each_release_writes_only_its_own_registers() {
    for release in [Release::V1_5_01, Release::V2_0_18] {
        let mut rec = Recorder::new(model(release));
        let td = Td::at(TDMR);
        with_module(&mut rec, || unsafe {
            let options = if release == Release::V1_5_01 {
                GLOBAL_HKID
            } else {
                GLOBAL_HKID | DYNAMIC_PAMT
            };
            init_module(options).unwrap();
            let pamt = [TDMR + (4 << 20), TDMR + (4 << 20) + 4096];
            let _ = pamt_add(TDMR | PS_2M, pamt[0], pamt[1]);
            td.create().unwrap();
            let _ = vp_init(td.tdvpr, 0, 0);
            let _ = vp_init_v0(td.tdvpr, 0);
            td.teardown().unwrap();
            let _ = pamt_remove(TDMR | PS_2M);
            let _ = pamt_remove(TDMR | PS_2M);
        });
        let mut checked = 0;
        for call in rec.calls() {
            let word = call.leaf_word();
            let row = abi::find(word as u16, (word >> 16) as u8, false).expect("a known leaf");
            let allowed = row.writes_in(release);
            for r in call.changed() {
                let allowed =
                    allowed.unwrap_or_else(|| panic!("{release:?} {call}: wrote {r}, no audit"));
                assert!(allowed.contains(r), "{release:?} {call}: wrote {r}");
                checked += 1;
            }
        }
        assert!(checked > 0);
    }
}

#[seamcall(leaf = 17, in = [rcx])]
unsafe fn mr_finalize(tdr: u64) -> Result<(), SeamcallError>;

/// TDH.VP.ENTER of a runnable TD: the model's TD exits at once on an
/// external interrupt, an asynchronous exit. RBP: zeroed by 1.5.01 on every
/// asynchronous exit; from 1.5.06 on only when the TD's
/// `CONFIG_FLAGS.NO_RBP_MOD` is 0.
#[test]
fn rbp_on_an_asynchronous_exit_follows_release_and_no_rbp_mod() {
    use seamcall_core::emulate::{Module, Regs};
    const NO_RBP_MOD: u64 = 1 << 2;
    for (release, config_flags, zeroed) in [
        (Release::V1_5_01, NO_RBP_MOD, true),
        (Release::V1_5_01, 0, true),
        (Release::V2_0_18, NO_RBP_MOD, false),
        (Release::V2_0_18, 0, true),
    ] {
        let mut m = model(release);
        let params = TdParams {
            config_flags,
            ..TdParams::default()
        };
        m.memory_mut().write(TD_PARAMS, &params.to_bytes());
        let td = Td::at(TDMR);
        with_module(&mut m, || unsafe {
            init_module(GLOBAL_HKID).unwrap();
            td.create().unwrap();
            vp_init_v0(td.tdvpr, 0).unwrap();
            mr_finalize(td.tdr).unwrap();
        });
        let mut regs = Regs {
            rcx: td.tdvpr,
            rbx: 0x5a5a,
            r15: 0x5a5a,
            ..Regs::default()
        };
        m.seamcall(&mut regs);
        assert_eq!(regs.rax, 1, "exit reason 1, external interrupt");
        assert_eq!(
            (regs.rbx, regs.r15),
            (0, 0),
            "asynchronous exit zeroes them"
        );
        let rbp = m.rbp_after(0);
        assert_eq!(
            rbp,
            zeroed.then_some(0),
            "{release:?} CONFIG_FLAGS {config_flags:#x}"
        );
        // Any other leaf leaves RBP alone.
        let mut regs = Regs {
            rax: 11,
            ..Regs::default()
        };
        m.seamcall(&mut regs);
        assert_eq!(m.rbp_after(11), None);
    }
}

#[seamcall(leaf = 34, in = [rdx], out = [r8, rdx])]
unsafe fn sys_rd(field: u64) -> Result<(u64, u64), SeamcallError>;
#[seamcall(leaf = 11, in = [rcx, rdx], out = [r8])]
unsafe fn mng_rd(tdr: u64, field: u64) -> Result<u64, SeamcallError>;
#[seamcall(leaf = 11, version = 1, in = [rcx, rdx], out = [r8, rdx])]
unsafe fn mng_rd_v1(tdr: u64, field: u64) -> Result<(u64, u64), SeamcallError>;

/// Metadata through the generated field tables: the release's table, the
/// module's lookup rule and statuses, MRTD at its architectural ID.
#[test]
fn metadata_reads_follow_the_release_table() {
    use seamcall_core::fields::{sys, td};
    for release in [Release::V1_5_01, Release::V2_0_18] {
        let mut m = model(release);
        let t = Td::at(TDMR);
        let (version, virt_maxpa, min_virt_maxpa) = with_module(&mut m, || unsafe {
            init_module(GLOBAL_HKID).unwrap();
            t.create().unwrap();
            vp_init_v0(t.tdvpr, 0).unwrap();
            mr_finalize(t.tdr).unwrap();
            // MRTD, six elements at 0x1310000300000000; the TD's SHA-384.
            for i in 0..6 {
                let id = td::MRTD.element(i).unwrap().raw();
                assert_eq!(id, 0x1310_0003_0000_0000 + i as u64);
                mng_rd(t.tdr, id).unwrap();
            }
            // Size, context and bit 63 are ignored; reserved and
            // last-element bits are refused.
            let short = mng_rd(t.tdr, 0x9300_0000_0000_0002);
            assert_eq!(short, mng_rd(t.tdr, td::MRTD.element(2).unwrap().raw()));
            let incorrect = TdxStatus::METADATA_FIELD_ID_INCORRECT.raw();
            assert_eq!(status(mng_rd(t.tdr, td::MRTD.raw() | 1 << 24)), incorrect);
            assert_eq!(status(mng_rd(t.tdr, td::MRTD.raw() | 5 << 34)), incorrect);
            // The model's old invented ID, and an unknown field: the
            // module's status, never a value.
            assert_eq!(status(mng_rd(t.tdr, 0x9010_0003_0000_0000)), incorrect);
            assert_eq!(status(mng_rd(t.tdr, 0x1310_0003_0000_0006)), incorrect);
            assert_eq!(status(sys_rd(0x0A00_0003_0000_00FF)), incorrect);
            // TD_CTLS: host read mask 0 for a production TD.
            assert_eq!(
                status(mng_rd(t.tdr, td::TD_CTLS.raw())),
                TdxStatus::METADATA_FIELD_NOT_READABLE.raw()
            );
            // The null ID asks for the first field (version 1).
            let r = mng_rd_v1(t.tdr, u64::MAX);
            assert_eq!(
                status(r),
                TdxStatus::METADATA_FIRST_FIELD_ID_IN_CONTEXT.raw()
            );
            let version = (
                sys_rd(sys::MAJOR_VERSION.raw()).unwrap().0,
                sys_rd(sys::MINOR_VERSION.raw()).unwrap().0,
                sys_rd(sys::UPDATE_VERSION.raw()).unwrap().0,
            );
            (
                version,
                mng_rd(t.tdr, td::VIRT_MAXPA.raw()),
                sys_rd(sys::MIN_VIRT_MAXPA.raw()),
            )
        });
        let mrtd = m.mrtd(t.tdr).unwrap();
        let mut read = Vec::new();
        with_module(&mut m, || unsafe {
            for i in 0..6 {
                let v = mng_rd(t.tdr, td::MRTD.element(i).unwrap().raw()).unwrap();
                read.extend(v.to_le_bytes());
            }
        });
        assert_eq!(read, mrtd, "{release:?}");
        let incorrect = TdxStatus::METADATA_FIELD_ID_INCORRECT.raw();
        if release == Release::V1_5_01 {
            assert_eq!(version, (1, 5, 1));
            // Fields the 1.5.06 tables added are not in 1.5.01's.
            assert_eq!(status(virt_maxpa), incorrect);
            assert_eq!(status(min_virt_maxpa), incorrect);
        } else {
            assert_eq!(version, (2, 0, 18));
            virt_maxpa.unwrap();
            min_virt_maxpa.unwrap();
        }
    }
}
