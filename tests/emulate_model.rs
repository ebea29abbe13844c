//! The software TDX module through declared leaves: the whole lifecycle, and
//! each error path with its exact status code and operand id.

mod emulate_leaves;

use emulate_leaves::*;
use seamcall_core::emulate::model::{
    self, codes, Inject, Lifecycle, Model, OpState, PageType, SysState, TdParams, When, TDCS_PAGES,
    TDVPS_PAGES,
};
use seamcall_core::emulate::{with_module, Recorder};
use seamcall_core::fields::{sys, td};
use seamcall_core::leaves::LeafWord;
use seamcall_core::{ErrorKind, OperandId, SeamcallError, TdxStatus, Trap};

/// Base and size of the one TDMR (1 GiB at 1 GiB).
const TDMR: u64 = 1 << 30;
const TDMR_SIZE: u64 = 1 << 30;
/// Host (shared) memory the leaves read by physical address.
const TDMR_LIST: u64 = 0x10_0000;
const TDMR_INFO: u64 = 0x10_1000;
const TD_PARAMS: u64 = 0x10_2000;
const SOURCE0: u64 = 0x20_0000;
const SOURCE1: u64 = 0x20_1000;
const HKID: u64 = 40;

fn status<T: std::fmt::Debug>(r: Result<T, SeamcallError>) -> u64 {
    r.expect_err("the call should fail").raw()
}

fn op(code: TdxStatus, id: OperandId) -> u64 {
    code.raw() | u64::from(id.raw())
}

/// The content of the first page loaded into the TD.
fn image0() -> Vec<u8> {
    (0..4096u32).map(|i| ((i * 7 + 3) % 251) as u8).collect()
}

/// Physical pages of one TD, inside the TDMR.
#[derive(Clone, Copy, Debug)]
struct TdPages {
    tdr: u64,
    tdcs: [u64; TDCS_PAGES],
    tdvpr: u64,
    tdvpx: [u64; TDVPS_PAGES - 1],
    /// S-EPT pages for levels 3, 2, 1 covering GPA 0.
    sept: [u64; 3],
    /// TD pages for GPA 0 and 0x1000 (PAGE.ADD), 0x2000 (PAGE.AUG).
    pages: [u64; 3],
}

impl TdPages {
    /// The pages of TD number `n` (each TD gets its own 1 MiB).
    fn new(n: u64) -> TdPages {
        let base = TDMR + n * (1 << 20);
        let p = |i: u64| base + i * 4096;
        TdPages {
            tdr: p(0),
            tdcs: [p(1), p(2), p(3), p(4)],
            tdvpr: p(5),
            tdvpx: [p(6), p(7), p(8), p(9), p(10)],
            sept: [p(11), p(12), p(13)],
            pages: [p(14), p(15), p(16)],
        }
    }

    fn all(&self) -> Vec<u64> {
        let mut v = vec![self.tdr, self.tdvpr];
        v.extend(self.tdcs);
        v.extend(self.tdvpx);
        v.extend(self.sept);
        v.extend(self.pages);
        v
    }
}

/// A model before TDH.SYS.INIT, with the TDMR list, TD_PARAMS and the
/// source pages in its memory.
fn fresh_model() -> Model {
    let mut m = Model::new();
    prepare_memory(&mut m, TdParams::default());
    m
}

fn prepare_memory(m: &mut Model, params: TdParams) {
    let mem = m.memory_mut();
    mem.write_u64(TDMR_LIST, TDMR_INFO);
    mem.write_u64(TDMR_INFO, TDMR);
    mem.write_u64(TDMR_INFO + 8, TDMR_SIZE);
    mem.write(TD_PARAMS, &params.to_bytes());
    mem.write(SOURCE0, &image0());
    mem.write(SOURCE1, &[0x5a; 4096]);
}

/// A model ready for TDs, its memory prepared.
fn ready_model(params: TdParams) -> Model {
    let mut m = Model::ready(TDMR, TDMR_SIZE);
    prepare_memory(&mut m, params);
    m
}

/// Module initialization through the leaves, as Linux does it.
unsafe fn init_module() {
    sys_init(0).unwrap();
    sys_lp_init().unwrap();
    sys_config(TDMR_LIST, 1, 32).unwrap();
    sys_key_config().unwrap();
    let mut next = TDMR;
    while next < TDMR + TDMR_SIZE {
        next = sys_tdmr_init(TDMR).unwrap();
    }
}

/// TD build up to (not including) MR.FINALIZE: pages at GPA 0 (measured) and
/// 0x1000 (not extended).
unsafe fn build_td(t: &TdPages, hkid: u64) {
    mng_create(t.tdr, hkid).unwrap();
    mng_key_config(t.tdr).unwrap();
    for p in t.tdcs {
        mng_addcx(p, t.tdr).unwrap();
    }
    assert_eq!(mng_init(t.tdr, TD_PARAMS), Ok(0));
    vp_create(t.tdvpr, t.tdr).unwrap();
    for p in t.tdvpx {
        vp_addcx(p, t.tdvpr).unwrap();
    }
    vp_init(t.tdvpr, 0x1234, 0).unwrap();
    mem_sept_add(3, t.tdr, t.sept[0]).unwrap();
    mem_sept_add(2, t.tdr, t.sept[1]).unwrap();
    mem_sept_add(1, t.tdr, t.sept[2]).unwrap();
    mem_page_add(0, t.tdr, t.pages[0], SOURCE0).unwrap();
    for chunk in 0..16 {
        mr_extend(chunk * 256, t.tdr).unwrap();
    }
    mem_page_add(0x1000, t.tdr, t.pages[1], SOURCE1).unwrap();
}

/// Teardown through the leaves, every page reclaimed, TDR last.
unsafe fn teardown_td(t: &TdPages) {
    vp_flush(t.tdvpr).unwrap();
    mng_vpflushdone(t.tdr).unwrap();
    phymem_cache_wb(0).unwrap();
    mng_key_freeid(t.tdr).unwrap();
    let mut pages = t.all();
    pages.retain(|p| *p != t.tdr);
    for p in pages {
        let r = phymem_page_reclaim(p);
        // The page AUG added (GPA 0x2000) was removed earlier: free already.
        if p == t.pages[2] {
            assert_eq!(
                status(r),
                op(TdxStatus::PAGE_METADATA_INCORRECT, OperandId::Rcx)
            );
            continue;
        }
        let (_, owner, size) = r.unwrap();
        assert_eq!((owner, size), (t.tdr, 0));
    }
    assert_eq!(phymem_page_reclaim(t.tdr), Ok((PageType::Tdr as u64, 0, 0)));
}

const MRTD_HEX: &str = "ee9672ae21184e8746593bf248d4f2ad11cb98dd9b2dbdfa9d60534adf18495a424cf42fca752abe323a8ab2444ad213";

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn whole_lifecycle() {
    let mut m = fresh_model();
    let t = TdPages::new(0);
    let mrtd = with_module(&mut m, || unsafe {
        init_module();
        build_td(&t, HKID);
        mr_finalize(t.tdr).unwrap();
        let mut mrtd = Vec::new();
        for i in 0..6 {
            let id = td::MRTD.element(i).unwrap().raw();
            mrtd.extend(mng_rd(t.tdr, id).unwrap().to_le_bytes());
        }
        // Runtime memory: AUG a page, then block, track and remove it.
        mem_page_aug(0x2000, t.tdr, t.pages[2]).unwrap();
        mem_range_block(0x2000, t.tdr).unwrap();
        mem_track(t.tdr).unwrap();
        assert_eq!(mem_page_remove(0x2000, t.tdr), Ok(t.pages[2]));
        teardown_td(&t);
        mrtd
    });
    // MRTD computed independently (Python hashlib) over the same blocks.
    assert_eq!(hex(&mrtd), MRTD_HEX);
    assert_eq!(m.sys_state(), SysState::Ready);
    assert_eq!(m.assigned_pages(), 0, "every page came back");
    assert_eq!(m.lifecycle(t.tdr), None);
}

#[test]
fn states_along_the_way() {
    let mut m = ready_model(TdParams::default());
    let t = TdPages::new(0);
    with_module(&mut m, || unsafe { mng_create(t.tdr, HKID) }).unwrap();
    assert_eq!(m.lifecycle(t.tdr), Some(Lifecycle::HkidAssigned));
    assert_eq!(m.page_type(t.tdr), PageType::Tdr);
    with_module(&mut m, || unsafe { mng_key_config(t.tdr) }).unwrap();
    assert_eq!(m.lifecycle(t.tdr), Some(Lifecycle::KeysConfigured));
    with_module(&mut m, || unsafe {
        for p in t.tdcs {
            mng_addcx(p, t.tdr).unwrap();
        }
    });
    assert_eq!(m.op_state(t.tdr), Some(OpState::Uninitialized));
    assert_eq!(m.page_owner(t.tdcs[0]), Some(t.tdr));
    with_module(&mut m, || unsafe { mng_init(t.tdr, TD_PARAMS) }).unwrap();
    assert_eq!(m.op_state(t.tdr), Some(OpState::Initialized));
    assert_eq!(m.mrtd(t.tdr), None);
}

#[test]
fn mrtd_matches_the_model_accessor_and_is_zero_before_finalize() {
    let mut m = ready_model(TdParams::default());
    let t = TdPages::new(0);
    let before = with_module(&mut m, || unsafe {
        build_td(&t, HKID);
        mng_rd(t.tdr, td::MRTD.raw())
    });
    assert_eq!(before, Ok(0));
    with_module(&mut m, || unsafe { mr_finalize(t.tdr) }).unwrap();
    assert_eq!(m.mrtd(t.tdr).map(|d| hex(&d)).as_deref(), Some(MRTD_HEX));
}

#[test]
fn module_init_out_of_order() {
    let mut m = fresh_model();
    let t = TdPages::new(0);
    with_module(&mut m, || unsafe {
        assert_eq!(
            status(mng_create(t.tdr, HKID)),
            TdxStatus::SYS_NOT_READY.raw()
        );
        assert_eq!(status(sys_lp_init()), codes::SYS_LP_INIT_NOT_PENDING.raw());
        assert_eq!(
            status(sys_init(1)),
            op(TdxStatus::OPERAND_INVALID, OperandId::Rcx)
        );
        sys_init(0).unwrap();
        assert_eq!(status(sys_init(0)), codes::SYS_INIT_NOT_PENDING.raw());
        // Before every LP ran TDH.SYS.LP.INIT (here the one LP).
        assert_eq!(
            status(sys_config(TDMR_LIST, 1, 32)),
            codes::SYS_CONFIG_NOT_PENDING.raw()
        );
        assert_eq!(
            status(sys_key_config()),
            codes::SYS_KEY_CONFIG_NOT_PENDING.raw()
        );
        sys_lp_init().unwrap();
        assert_eq!(status(sys_lp_init()), codes::SYS_LP_INIT_DONE.raw());
        assert_eq!(
            status(sys_config(TDMR_LIST, 0, 32)),
            op(TdxStatus::OPERAND_INVALID, OperandId::Rdx)
        );
        assert_eq!(
            status(sys_config(TDMR_LIST, 1, 5)),
            op(TdxStatus::OPERAND_INVALID, OperandId::R8),
            "a shared key id cannot be the global private key id"
        );
        assert_eq!(
            status(sys_config(TDMR_LIST + 8, 1, 32)),
            op(TdxStatus::OPERAND_INVALID, OperandId::Rcx),
            "the TDMR list is 512-byte aligned"
        );
        sys_config(TDMR_LIST, 1, 32).unwrap();
        assert_eq!(status(sys_tdmr_init(TDMR)), TdxStatus::SYS_NOT_READY.raw());
        sys_key_config().unwrap();
        assert_eq!(status(sys_key_config()), TdxStatus::KEY_CONFIGURED.raw());
        // Pages of a TDMR not yet initialized are out of range.
        assert_eq!(
            status(mng_create(t.tdr, HKID)),
            op(TdxStatus::OPERAND_ADDR_RANGE_ERROR, OperandId::Rcx)
        );
        assert_eq!(
            status(sys_tdmr_init(TDMR + 4096)),
            op(TdxStatus::OPERAND_INVALID, OperandId::Rcx)
        );
        assert_eq!(sys_tdmr_init(TDMR), Ok(TDMR + TDMR_SIZE));
        assert_eq!(
            status(sys_tdmr_init(TDMR)),
            TdxStatus::TDMR_ALREADY_INITIALIZED.raw()
        );
        mng_create(t.tdr, HKID).unwrap();
        // The global key id is taken.
        let t1 = TdPages::new(1);
        assert_eq!(status(mng_create(t1.tdr, 32)), codes::HKID_NOT_FREE.raw());
    });
}

#[test]
fn bad_tdmrs_are_rejected() {
    for (base, size, code) in [
        (TDMR + 4096, TDMR_SIZE, codes::INVALID_TDMR),
        (TDMR, 0, codes::INVALID_TDMR),
        (1 << 40, TDMR_SIZE, codes::TDMR_OUTSIDE_CMRS),
    ] {
        let mut m = fresh_model();
        m.memory_mut().write_u64(TDMR_INFO, base);
        m.memory_mut().write_u64(TDMR_INFO + 8, size);
        let r = with_module(&mut m, || unsafe {
            sys_init(0).unwrap();
            sys_lp_init().unwrap();
            sys_config(TDMR_LIST, 1, 32)
        });
        assert_eq!(status(r), code.raw(), "{base:#x}+{size:#x}");
    }
}

#[test]
fn sys_rd_reads_and_walks_fields() {
    let mut m = fresh_model();
    let (features, next) =
        with_module(&mut m, || unsafe { sys_rd(0x0A00_0003_0000_0008) }).unwrap();
    assert_ne!(features & (1 << 18), 0, "NO_RBP_MOD");
    // The next field of the module's table: NUM_CMRS, one CMR.
    assert_eq!(next, sys::NUM_CMRS.raw());
    let (cmrs, _) = with_module(&mut m, || unsafe { sys_rd(next) }).unwrap();
    assert_eq!(cmrs, 1);
    let (max_tdmrs, _) = with_module(&mut m, || unsafe { sys_rd(sys::MAX_TDMRS.raw()) }).unwrap();
    assert_eq!(max_tdmrs, model::MAX_TDMRS);
    let (tdcs, _) = with_module(&mut m, || unsafe { sys_rd(0x9800_0001_0000_0100) }).unwrap();
    assert_eq!(tdcs, TDCS_PAGES as u64 * 4096);
    let r = with_module(&mut m, || unsafe { sys_rd(0x1234) });
    assert_eq!(status(r), TdxStatus::METADATA_FIELD_ID_INCORRECT.raw());
}

#[test]
fn td_build_out_of_order() {
    let mut m = ready_model(TdParams::default());
    let t = TdPages::new(0);
    with_module(&mut m, || unsafe {
        mng_create(t.tdr, HKID).unwrap();
        assert_eq!(
            status(mng_addcx(t.tdcs[0], t.tdr)),
            TdxStatus::TD_KEYS_NOT_CONFIGURED.raw()
        );
        mng_key_config(t.tdr).unwrap();
        assert_eq!(
            status(mng_key_config(t.tdr)),
            TdxStatus::LIFECYCLE_STATE_INCORRECT.raw()
        );
        assert_eq!(
            status(mng_init(t.tdr, TD_PARAMS)),
            codes::TDCS_NOT_ALLOCATED.raw()
        );
        for p in t.tdcs {
            mng_addcx(p, t.tdr).unwrap();
        }
        assert_eq!(
            status(mng_addcx(t.pages[0], t.tdr)),
            codes::TDCX_NUM_INCORRECT.raw()
        );
        assert_eq!(
            status(vp_create(t.tdvpr, t.tdr)),
            TdxStatus::OP_STATE_INCORRECT.raw()
        );
        assert_eq!(
            status(mem_sept_add(3, t.tdr, t.sept[0])),
            TdxStatus::OP_STATE_INCORRECT.raw()
        );
        mng_init(t.tdr, TD_PARAMS).unwrap();
        assert_eq!(
            status(mng_init(t.tdr, TD_PARAMS)),
            TdxStatus::OP_STATE_INCORRECT.raw()
        );
        assert_eq!(status(mr_finalize(t.tdr)), codes::NO_VCPUS.raw());
        vp_create(t.tdvpr, t.tdr).unwrap();
        assert_eq!(
            status(vp_create(t.pages[0], t.tdr)),
            codes::MAX_VCPUS_EXCEEDED.raw()
        );
        assert_eq!(
            status(vp_init(t.tdvpr, 0, 0)),
            codes::TDCX_NUM_INCORRECT.raw()
        );
        for p in t.tdvpx {
            vp_addcx(p, t.tdvpr).unwrap();
        }
        vp_init(t.tdvpr, 0, 0).unwrap();
        assert_eq!(
            status(vp_init(t.tdvpr, 0, 0)),
            TdxStatus::VCPU_STATE_INCORRECT.raw()
        );
        assert_eq!(
            status(vp_addcx(t.pages[0], t.tdvpr)),
            TdxStatus::VCPU_STATE_INCORRECT.raw()
        );
        // PAGE.ADD before any S-EPT page: the walk fails.
        assert_eq!(
            status(mem_page_add(0, t.tdr, t.pages[0], SOURCE0)),
            op(TdxStatus::EPT_WALK_FAILED, OperandId::Rcx)
        );
        // Level 1 before level 2: the walk fails at level 2.
        mem_sept_add(3, t.tdr, t.sept[0]).unwrap();
        let (s, (rcx, rdx)) = mem_sept_add_raw(1, t.tdr, t.sept[2]);
        assert_eq!(s.raw(), op(TdxStatus::EPT_WALK_FAILED, OperandId::Rcx));
        assert_eq!((rcx, rdx), (0, 2), "stopped at the free level-2 entry");
        assert_eq!(
            status(mem_sept_add(3, t.tdr, t.sept[1])),
            op(TdxStatus::EPT_ENTRY_NOT_FREE, OperandId::Rcx)
        );
        mem_sept_add(2, t.tdr, t.sept[1]).unwrap();
        mem_sept_add(1, t.tdr, t.sept[2]).unwrap();
        // MR.EXTEND of a GPA without a page.
        assert_eq!(
            status(mr_extend(0, t.tdr)),
            op(TdxStatus::EPT_WALK_FAILED, OperandId::Rcx)
        );
        mem_page_add(0, t.tdr, t.pages[0], SOURCE0).unwrap();
        let (s, (rcx, rdx)) = mem_page_add_raw(0, t.tdr, t.pages[1], SOURCE1);
        assert_eq!(
            s.raw(),
            op(TdxStatus::EPT_ENTRY_STATE_INCORRECT, OperandId::Rcx)
        );
        assert_eq!(
            (rcx, rdx),
            (t.pages[0] | 7, 0),
            "the entry that is in the way"
        );
        assert_eq!(
            status(mr_extend(0x80, t.tdr)),
            op(TdxStatus::OPERAND_INVALID, OperandId::Rcx),
            "chunks are 256-byte aligned"
        );
        assert_eq!(
            status(mem_page_aug(0x1000, t.tdr, t.pages[1])),
            TdxStatus::OP_STATE_INCORRECT.raw(),
            "AUG only after finalize"
        );
        mr_finalize(t.tdr).unwrap();
        assert_eq!(
            status(mem_page_add(0x1000, t.tdr, t.pages[1], SOURCE1)),
            TdxStatus::OP_STATE_INCORRECT.raw()
        );
        assert_eq!(
            status(mr_extend(0, t.tdr)),
            TdxStatus::OP_STATE_INCORRECT.raw()
        );
        assert_eq!(
            status(mr_finalize(t.tdr)),
            TdxStatus::OP_STATE_INCORRECT.raw()
        );
    });
}

#[test]
fn pages_belong_to_one_object() {
    let mut m = ready_model(TdParams::default());
    let t = TdPages::new(0);
    let t1 = TdPages::new(1);
    with_module(&mut m, || unsafe {
        build_td(&t, HKID);
        // A page in use cannot be used again, by this TD or another.
        assert_eq!(
            status(mng_create(t.tdcs[0], HKID + 1)),
            op(TdxStatus::PAGE_METADATA_INCORRECT, OperandId::Rcx)
        );
        mng_create(t1.tdr, HKID + 1).unwrap();
        mng_key_config(t1.tdr).unwrap();
        assert_eq!(
            status(mng_addcx(t.pages[0], t1.tdr)),
            op(TdxStatus::PAGE_METADATA_INCORRECT, OperandId::Rcx)
        );
        assert_eq!(
            status(mem_page_add(0x3000, t.tdr, t.sept[0], SOURCE0)),
            op(TdxStatus::PAGE_METADATA_INCORRECT, OperandId::R8)
        );
        // Wrong page types where a TDR or TDVPR is expected.
        assert_eq!(
            status(mng_key_config(t.tdcs[0])),
            op(TdxStatus::PAGE_METADATA_INCORRECT, OperandId::Rcx)
        );
        assert_eq!(
            status(vp_addcx(t1.tdcs[0], t.tdr)),
            op(TdxStatus::PAGE_METADATA_INCORRECT, OperandId::Rdx)
        );
        assert_eq!(
            status(mr_extend(0, t.tdvpr)),
            op(TdxStatus::PAGE_METADATA_INCORRECT, OperandId::Rdx)
        );
        // The key id in use.
        assert_eq!(
            status(mng_create(t1.tdcs[0], HKID)),
            codes::HKID_NOT_FREE.raw()
        );
    });
    assert_eq!(m.page_owner(t.pages[0]), Some(t.tdr));
    assert_eq!(m.page_type(t.pages[0]), PageType::Reg);
    assert_eq!(m.mapping(t.tdr, 0), Some((t.pages[0], true)));
}

#[test]
fn bad_operands() {
    let mut m = ready_model(TdParams::default());
    let t = TdPages::new(0);
    with_module(&mut m, || unsafe {
        assert_eq!(
            status(mng_create(t.tdr + 8, HKID)),
            op(TdxStatus::OPERAND_INVALID, OperandId::Rcx),
            "unaligned"
        );
        assert_eq!(
            status(mng_create(t.tdr | (HKID << 46), HKID)),
            op(TdxStatus::OPERAND_INVALID, OperandId::Rcx),
            "key id bits set"
        );
        assert_eq!(
            status(mng_create(0x1000, HKID)),
            op(TdxStatus::OPERAND_ADDR_RANGE_ERROR, OperandId::Rcx),
            "outside every TDMR"
        );
        assert_eq!(
            status(mng_create(t.tdr, 3)),
            op(TdxStatus::OPERAND_INVALID, OperandId::Rdx),
            "a shared key id"
        );
        assert_eq!(
            status(mng_create(t.tdr, 0x1_0000 | HKID)),
            op(TdxStatus::OPERAND_INVALID, OperandId::Rdx),
            "reserved bits"
        );
        mng_create(t.tdr, HKID).unwrap();
        mng_key_config(t.tdr).unwrap();
        for p in t.tdcs {
            mng_addcx(p, t.tdr).unwrap();
        }
        assert_eq!(
            status(mng_init(t.tdr, TD_PARAMS + 512)),
            op(TdxStatus::OPERAND_INVALID, OperandId::Rdx),
            "TD_PARAMS is 1024-byte aligned"
        );
        assert_eq!(
            status(mng_init(t.tdr, TD_PARAMS | (HKID << 46))),
            op(TdxStatus::OPERAND_INVALID, OperandId::Rdx),
            "TD_PARAMS is shared memory"
        );
    });
}

#[test]
fn td_params_are_checked_with_their_operand_ids() {
    let cases = [
        (
            TdParams {
                max_vcpus: 0,
                ..TdParams::default()
            },
            OperandId::MaxVcpus,
        ),
        (
            TdParams {
                attributes: 1 << 5,
                ..TdParams::default()
            },
            OperandId::Attributes,
        ),
        (
            TdParams {
                xfam: 1,
                ..TdParams::default()
            },
            OperandId::Xfam,
        ),
        (
            TdParams {
                eptp_controls: (2 << 3) | 6,
                ..TdParams::default()
            },
            OperandId::EptpControls,
        ),
        (
            TdParams {
                config_flags: 1,
                ..TdParams::default()
            },
            OperandId::ExecControls,
        ),
    ];
    for (params, id) in cases {
        let mut m = ready_model(params);
        let t = TdPages::new(0);
        let r = with_module(&mut m, || unsafe {
            mng_create(t.tdr, HKID).unwrap();
            mng_key_config(t.tdr).unwrap();
            for p in t.tdcs {
                mng_addcx(p, t.tdr).unwrap();
            }
            mng_init(t.tdr, TD_PARAMS)
        });
        assert_eq!(status(r), op(TdxStatus::OPERAND_INVALID, id), "{params:?}");
        assert_eq!(m.op_state(t.tdr), Some(OpState::Uninitialized));
    }
}

#[test]
fn gpa_checks() {
    let mut m = ready_model(TdParams::default());
    let t = TdPages::new(0);
    with_module(&mut m, || unsafe {
        build_td(&t, HKID);
        mr_finalize(t.tdr).unwrap();
        let shared = 1 << 47;
        assert_eq!(
            status(mem_page_aug(shared, t.tdr, t.pages[2])),
            op(TdxStatus::OPERAND_INVALID, OperandId::Rcx),
            "shared GPA"
        );
        assert_eq!(
            status(mem_page_aug(0x2008, t.tdr, t.pages[2])),
            op(TdxStatus::OPERAND_INVALID, OperandId::Rcx),
            "reserved bits of the GPA operand"
        );
        assert_eq!(
            status(mem_page_aug(0x2000 | 1, t.tdr, t.pages[2])),
            op(TdxStatus::OPERAND_INVALID, OperandId::Rcx),
            "2 MiB pages are not modelled"
        );
        assert_eq!(
            status(mem_sept_add(1 | 0x1000, t.tdr, t.pages[2])),
            op(TdxStatus::OPERAND_INVALID, OperandId::Rcx),
            "level-1 entries are 2 MiB aligned"
        );
        assert_eq!(
            status(mem_sept_add(4, t.tdr, t.pages[2])),
            op(TdxStatus::OPERAND_INVALID, OperandId::Rcx),
            "no level above the root with 4 levels"
        );
    });
}

#[test]
fn runtime_memory_order() {
    let mut m = ready_model(TdParams::default());
    let t = TdPages::new(0);
    with_module(&mut m, || unsafe {
        build_td(&t, HKID);
        mr_finalize(t.tdr).unwrap();
        mem_page_aug(0x2000, t.tdr, t.pages[2]).unwrap();
        assert_eq!(
            status(mem_page_aug(0x2000, t.tdr, t.pages[2])),
            op(TdxStatus::EPT_ENTRY_STATE_INCORRECT, OperandId::Rcx)
        );
        assert_eq!(
            status(mem_page_remove(0x2000, t.tdr)),
            op(TdxStatus::GPA_RANGE_NOT_BLOCKED, OperandId::Rcx)
        );
        assert_eq!(
            status(mem_range_block(0x3000, t.tdr)),
            op(TdxStatus::EPT_ENTRY_NOT_PRESENT, OperandId::Rcx)
        );
        mem_range_block(0x2000, t.tdr).unwrap();
        assert_eq!(
            status(mem_range_block(0x2000, t.tdr)),
            op(TdxStatus::GPA_RANGE_ALREADY_BLOCKED, OperandId::Rcx)
        );
        assert_eq!(
            status(mem_page_remove(0x2000, t.tdr)),
            op(TdxStatus::TLB_TRACKING_NOT_DONE, OperandId::Rcx)
        );
        mem_track(t.tdr).unwrap();
        assert_eq!(mem_page_remove(0x2000, t.tdr), Ok(t.pages[2]));
        assert_eq!(
            status(mem_page_remove(0x2000, t.tdr)),
            op(TdxStatus::EPT_ENTRY_NOT_PRESENT, OperandId::Rcx)
        );
        // The removed page is free again and can be reused.
        mem_page_aug(0x2000, t.tdr, t.pages[2]).unwrap();
    });
    assert_eq!(
        m.mapping(t.tdr, 0x2000),
        Some((t.pages[2], false)),
        "pending"
    );
}

#[test]
fn teardown_out_of_order() {
    let mut m = ready_model(TdParams::default());
    let t = TdPages::new(0);
    with_module(&mut m, || unsafe {
        build_td(&t, HKID);
        mr_finalize(t.tdr).unwrap();
        assert_eq!(
            status(phymem_page_reclaim(t.pages[0])),
            TdxStatus::LIFECYCLE_STATE_INCORRECT.raw()
        );
        assert_eq!(
            status(mng_key_freeid(t.tdr)),
            TdxStatus::LIFECYCLE_STATE_INCORRECT.raw()
        );
        assert_eq!(
            status(mng_vpflushdone(t.tdr)),
            TdxStatus::FLUSHVP_NOT_DONE.raw()
        );
        vp_flush(t.tdvpr).unwrap();
        assert_eq!(
            status(vp_flush(t.tdvpr)),
            TdxStatus::VCPU_NOT_ASSOCIATED.raw()
        );
        assert_eq!(
            status(phymem_cache_wb(0)),
            TdxStatus::NO_HKID_READY_TO_WBCACHE.raw(),
            "no blocked TD yet"
        );
        mng_vpflushdone(t.tdr).unwrap();
        assert_eq!(
            status(mng_vpflushdone(t.tdr)),
            TdxStatus::LIFECYCLE_STATE_INCORRECT.raw()
        );
        assert_eq!(
            status(mng_key_freeid(t.tdr)),
            TdxStatus::WBCACHE_NOT_COMPLETE.raw()
        );
        assert_eq!(
            status(phymem_cache_wb(1)),
            codes::WBCACHE_RESUME_ERROR.raw()
        );
        assert_eq!(
            status(phymem_cache_wb(2)),
            op(TdxStatus::OPERAND_INVALID, OperandId::Rcx)
        );
        phymem_cache_wb(0).unwrap();
        mng_key_freeid(t.tdr).unwrap();
        assert_eq!(
            status(phymem_page_reclaim(t.tdr)),
            codes::TD_ASSOCIATED_PAGES_EXIST.raw()
        );
        assert_eq!(
            status(phymem_page_reclaim(t.pages[2])),
            op(TdxStatus::PAGE_METADATA_INCORRECT, OperandId::Rcx),
            "a free page"
        );
        assert_eq!(
            phymem_page_reclaim(t.tdvpr),
            Ok((PageType::Tdvpr as u64, t.tdr, 0))
        );
        assert_eq!(
            phymem_page_rdmd(t.tdvpr),
            Ok((PageType::Nda as u64, 0)),
            "free after reclaim"
        );
        assert_eq!(phymem_page_rdmd(t.tdr), Ok((PageType::Tdr as u64, 0)));
        // The key id is free again: a new TD may take it.
        let t1 = TdPages::new(1);
        mng_create(t1.tdr, HKID).unwrap();
    });
    assert_eq!(m.lifecycle(t.tdr), Some(Lifecycle::Teardown));
}

#[test]
fn metadata_reads_and_writes() {
    let mut m = ready_model(TdParams::default());
    let t = TdPages::new(0);
    with_module(&mut m, || unsafe {
        build_td(&t, HKID);
        assert_eq!(mng_rd(t.tdr, 0x1110_0003_0000_0001), Ok(0b11), "XFAM");
        // Linux-style ids without the encoding bits are accepted too.
        assert_eq!(mng_rd(t.tdr, 0x1100_0000_0000_0001), Ok(0b11));
        assert_eq!(
            mng_rd(t.tdr, 0x1110_0003_0000_000B),
            Ok(1 << 48),
            "TSC_MULTIPLIER"
        );
        let (_, next) = mng_rd_v1(t.tdr, 0x1110_0003_0000_0000).unwrap();
        assert_eq!(next, 0x1110_0003_0000_0001);
        // After MRTD's last element the walk goes on to the next entry of
        // the module's table, MRCONFIGID.
        let (_, next) = mng_rd_v1(t.tdr, td::MRTD.element(5).unwrap().raw()).unwrap();
        assert_eq!(next, td::MRCONFIGID.raw());
        assert_eq!(
            status(mng_rd(t.tdr, 0x1110_0003_0000_00FF)),
            TdxStatus::METADATA_FIELD_ID_INCORRECT.raw()
        );
        let pend_nmi = 0x2000_0000_0000_000B;
        assert_eq!(vp_rd(t.tdvpr, pend_nmi), Ok(0));
        assert_eq!(
            vp_wr(t.tdvpr, pend_nmi, 1, 1),
            Ok(0),
            "returns the old value"
        );
        assert_eq!(
            vp_wr(t.tdvpr, pend_nmi, 0, 0),
            Ok(1),
            "mask 0 writes nothing"
        );
        assert_eq!(vp_rd(t.tdvpr, pend_nmi), Ok(1));
        assert_eq!(
            status(vp_wr(t.tdvpr, pend_nmi, 2, u64::MAX)),
            codes::METADATA_FIELD_VALUE_NOT_VALID.raw()
        );
        assert_eq!(
            status(vp_rd(t.tdvpr, 0x1000_0000_0000_0001)),
            TdxStatus::METADATA_FIELD_NOT_READABLE.raw(),
            "guest RCX of a production TD"
        );
        assert_eq!(
            status(vp_wr(t.tdvpr, 0x9100_0000_0000_0100, 0, u64::MAX)),
            TdxStatus::METADATA_FIELD_NOT_WRITABLE.raw(),
            "VCPU_STATE_DETAILS"
        );
        assert_eq!(
            status(vp_rd(t.tdr, pend_nmi)),
            op(TdxStatus::PAGE_METADATA_INCORRECT, OperandId::Rcx)
        );
    });
}

#[test]
fn debug_td_exposes_guest_registers() {
    let params = TdParams {
        attributes: TdParams::ATTR_DEBUG,
        ..TdParams::default()
    };
    let mut m = ready_model(params);
    let t = TdPages::new(0);
    with_module(&mut m, || unsafe {
        build_td(&t, HKID);
        // VP.INIT put 0x1234 in the guest's RCX.
        assert_eq!(vp_rd(t.tdvpr, 0x1000_0000_0000_0001), Ok(0x1234));
        assert_eq!(
            vp_wr(t.tdvpr, 0x1000_0000_0000_0001, 0xff, 0xf0),
            Ok(0x1234)
        );
        assert_eq!(vp_rd(t.tdvpr, 0x1000_0000_0000_0001), Ok(0x12f4));
    });
}

#[test]
fn x2apic_ids_are_unique_per_td() {
    let params = TdParams {
        max_vcpus: 2,
        ..TdParams::default()
    };
    let mut m = ready_model(params);
    let t = TdPages::new(0);
    let extra = TdPages::new(1);
    with_module(&mut m, || unsafe {
        build_td(&t, HKID);
        vp_create(extra.tdvpr, t.tdr).unwrap();
        for p in extra.tdvpx {
            vp_addcx(p, extra.tdvpr).unwrap();
        }
        assert_eq!(
            status(vp_init(extra.tdvpr, 0, 0)),
            TdxStatus::X2APIC_ID_NOT_UNIQUE.raw()
        );
        assert_eq!(
            status(vp_init(extra.tdvpr, 0, 1 << 32)),
            op(TdxStatus::OPERAND_INVALID, OperandId::R8)
        );
        vp_init(extra.tdvpr, 0, 1).unwrap();
    });
}

#[test]
fn dispatcher_rejects_bad_leaf_words() {
    use seamcall_core::seamcall;
    #[seamcall(leaf = 9, version = 1, unchecked, in = [rcx, rdx])]
    unsafe fn mng_create_v1(tdr: u64, hkid: u64) -> Result<(), SeamcallError>;
    #[seamcall(leaf = 0xFFFF, unchecked, in = [rcx])]
    unsafe fn unknown(x: u64) -> Result<(), SeamcallError>;
    #[seamcall(
        leaf = 0,
        in = [rcx],
        clobber = [rcx, rdx, r8, r9, r10, r11, r12, r13, r14, r15, rbx, rsi, rdi, rbp,
                   xmm0, xmm1, xmm2, xmm3, xmm4, xmm5, xmm6, xmm7,
                   xmm8, xmm9, xmm10, xmm11, xmm12, xmm13, xmm14, xmm15]
    )]
    unsafe fn vp_enter(tdvpr: u64) -> Result<(), SeamcallError>;

    let mut m = ready_model(TdParams::default());
    let t = TdPages::new(0);
    with_module(&mut m, || unsafe {
        let rax = op(TdxStatus::OPERAND_INVALID, OperandId::Rax);
        assert_eq!(status(mng_create_v1(t.tdr, HKID)), rax);
        assert_eq!(status(unknown(0)), rax);
        // VP.ENTER of a page that is no TDVPR: refused by its handler.
        assert_eq!(
            status(vp_enter(t.tdvpr)),
            op(TdxStatus::PAGE_METADATA_INCORRECT, OperandId::Rcx)
        );
    });
    assert_eq!(m.lifecycle(t.tdr), None);
}

// ---- fault injection -----------------------------------------------------

#[test]
fn injected_rnd_no_entropy_then_retry() {
    let mut m = ready_model(TdParams::default());
    m.inject(
        When::Leaf {
            leaf: model::leaf::MNG_CREATE,
            nth: 0,
        },
        Inject::Status(TdxStatus::RND_NO_ENTROPY),
    );
    let t = TdPages::new(0);
    with_module(&mut m, || unsafe {
        assert_eq!(
            status(mng_create(t.tdr, HKID)),
            TdxStatus::RND_NO_ENTROPY.raw()
        );
        mng_create(t.tdr, HKID).unwrap();
    });
    assert_eq!(m.lifecycle(t.tdr), Some(Lifecycle::HkidAssigned));
}

#[test]
fn injected_busy_changes_nothing_and_writes_the_defaults() {
    let mut m = ready_model(TdParams::default());
    let t = TdPages::new(0);
    let busy = op(TdxStatus::OPERAND_BUSY, OperandId::Sept);
    with_module(&mut m, || unsafe {
        build_td(&t, HKID);
        mr_finalize(t.tdr).unwrap();
    });
    m.inject(
        When::Leaf {
            leaf: model::leaf::MEM_PAGE_AUG,
            nth: 0,
        },
        Inject::Status(TdxStatus::from_raw(busy)),
    );
    let mut rec = Recorder::new(m);
    with_module(&mut rec, || unsafe {
        assert_eq!(status(mem_page_aug(0x2000, t.tdr, t.pages[2])), busy);
        mem_page_aug(0x2000, t.tdr, t.pages[2]).unwrap();
    });
    let first = rec.calls()[0];
    assert_eq!(
        (first.outputs.rcx, first.outputs.rdx),
        (0, 0),
        "entry defaults"
    );
    assert_eq!(rec.inner().page_type(t.pages[2]), PageType::Reg);
}

#[test]
fn injected_vmfailinvalid_ud_gp_on_chosen_calls() {
    let mut m = ready_model(TdParams::default());
    let base = m.calls();
    m.inject(When::Call(base), Inject::VmFailInvalid)
        .inject(When::Call(base + 1), Inject::Fault(Trap::InvalidOpcode))
        .inject(When::Call(base + 2), Inject::Fault(Trap::GeneralProtection))
        .inject(
            When::EveryLeaf(model::leaf::MNG_KEY_CONFIG),
            Inject::Status(TdxStatus::KEY_GENERATION_FAILED),
        );
    let t = TdPages::new(0);
    with_module(&mut m, || unsafe {
        let kind = |r: Result<(), SeamcallError>| r.unwrap_err().kind();
        assert_eq!(kind(mng_create(t.tdr, HKID)), ErrorKind::VmFailInvalid);
        assert_eq!(
            kind(mng_create(t.tdr, HKID)),
            ErrorKind::Fault(Trap::InvalidOpcode)
        );
        assert_eq!(
            kind(mng_create(t.tdr, HKID)),
            ErrorKind::Fault(Trap::GeneralProtection)
        );
        mng_create(t.tdr, HKID).unwrap();
        for _ in 0..3 {
            assert_eq!(
                status(mng_key_config(t.tdr)),
                TdxStatus::KEY_GENERATION_FAILED.raw()
            );
        }
    });
    m.clear_injections();
    with_module(&mut m, || unsafe { mng_key_config(t.tdr) }).unwrap();
}

#[test]
fn injected_interrupted_cache_wb_resumes() {
    let mut m = ready_model(TdParams::default());
    let t = TdPages::new(0);
    m.inject(
        When::Leaf {
            leaf: model::leaf::PHYMEM_CACHE_WB,
            nth: 0,
        },
        Inject::Status(TdxStatus::INTERRUPTED_RESUMABLE),
    );
    with_module(&mut m, || unsafe {
        build_td(&t, HKID);
        vp_flush(t.tdvpr).unwrap();
        mng_vpflushdone(t.tdr).unwrap();
        assert_eq!(
            status(phymem_cache_wb(0)),
            TdxStatus::INTERRUPTED_RESUMABLE.raw()
        );
        phymem_cache_wb(1).unwrap();
        mng_key_freeid(t.tdr).unwrap();
    });
}

// ---- the model writes only what module 1.5.01 writes ---------------------

/// Every register a call changed (RAX aside) is one `writes.tsv` lists for
/// the leaf.
fn assert_writes_allowed(calls: &[seamcall_core::emulate::Call]) {
    for call in calls {
        let allowed = call.write_regs().unwrap_or_default();
        for r in call.changed() {
            assert!(
                allowed.contains(&r),
                "{call}: wrote {r}, allowed {allowed:?}"
            );
        }
    }
}

#[test]
fn lifecycle_writes_only_declared_registers() {
    let mut rec = Recorder::new(fresh_model());
    let t = TdPages::new(0);
    with_module(&mut rec, || unsafe {
        init_module();
        let _ = sys_rd(0x0A00_0003_0000_0008);
        let _ = sys_rd(1);
        build_td(&t, HKID);
        let _ = mem_page_add(0, t.tdr, t.pages[2], SOURCE0);
        let _ = mem_sept_add(1, t.tdr, t.sept[2]);
        let _ = vp_wr(t.tdvpr, 0x2000_0000_0000_000B, 1, 1);
        let _ = vp_rd(t.tdvpr, 0x1000_0000_0000_0001);
        let _ = mng_rd_v1(t.tdr, td::MRTD.raw());
        mr_finalize(t.tdr).unwrap();
        mem_page_aug(0x2000, t.tdr, t.pages[2]).unwrap();
        let _ = mem_page_remove(0x2000, t.tdr);
        mem_range_block(0x2000, t.tdr).unwrap();
        mem_track(t.tdr).unwrap();
        mem_page_remove(0x2000, t.tdr).unwrap();
        let _ = phymem_page_rdmd(t.tdr);
        let _ = phymem_page_reclaim(t.tdr);
        teardown_td(&t);
    });
    assert!(rec.calls().len() > 60);
    assert_writes_allowed(rec.calls());
}

#[test]
fn random_registers_never_reach_undeclared_outputs() {
    use seamcall_core::emulate::{Module, Regs};
    let leaves = [
        1u16, 2, 3, 4, 6, 7, 8, 9, 10, 11, 16, 17, 18, 19, 20, 21, 22, 24, 26, 28, 29, 31, 33, 34,
        35, 36, 38, 40, 43, 45,
    ];
    let mut state = 0x1234_5678_9abc_def1u64;
    let mut rnd = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let t = TdPages::new(0);
    // A model with a TD in each interesting state.
    let mut m = ready_model(TdParams::default());
    with_module(&mut m, || unsafe { build_td(&t, HKID) });
    let mut rec = Recorder::new(m);
    for round in 0..4000 {
        let leaf = leaves[round % leaves.len()];
        let mut regs = Regs::default();
        for g in Regs::REGS {
            // Mostly plausible operands (pages of the TD, small GPAs), some
            // noise.
            let v = match rnd() % 4 {
                0 => t.all()[(rnd() % 17) as usize],
                1 => (rnd() % 16) << 12,
                2 => rnd() % 64,
                _ => rnd(),
            };
            assert!(regs.set(g, v));
        }
        // Now and then version 1, which most leaves reject.
        let version = u8::from(rnd() % 2 == 1 && round % 7 == 0);
        regs.rax = LeafWord::new(leaf, version).raw();
        rec.seamcall(&mut regs);
    }
    assert_writes_allowed(rec.calls());
}

#[test]
fn the_model_leaves_rbp_alone() {
    // RBP changes only on an asynchronous exit from TDH.VP.ENTER (leaf 0),
    // and no call was answered yet (tests/emulate_release.rs has the exits).
    let mut m = fresh_model();
    for leaf_word in [0, 11, 0x1_0000] {
        assert_eq!(
            seamcall_core::emulate::Module::rbp_after(&mut m, leaf_word),
            None
        );
    }
}
