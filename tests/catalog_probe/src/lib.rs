//! Probes for tests/codegen_options.rs: each `probe_*` function is a
//! non-inlined, unmangled caller of one leaf, so its machine code is the
//! leaf's expansion in a real caller.

#![no_std]
#![allow(clippy::missing_safety_doc)]

use seamcall_core::fields::{GlobalField, TdField, VcpuField};
use seamcall_core::leaves::{self, FieldId, GpaLevel, Hkid};
use seamcall_core::{seamcall, SeamcallError, TdxStatus};
use x86_64::PhysAddr;

/// TDH.VP.ENTER: every general register, RBP saved inside the block,
/// `scrub`. Built with `-C force-frame-pointers=yes` by the test.
#[no_mangle]
#[inline(never)]
pub unsafe extern "C" fn probe_vp_enter(tdvpr: u64, out: &mut [u64; 14]) {
    let (status, r) = leaves::tdh_vp_enter(
        PhysAddr::new_truncate(tdvpr),
        1,
        2,
        3,
        4,
        5,
        6,
        7,
        8,
        9,
        10,
        11,
        12,
    );
    *out = [
        status.raw(),
        r.0,
        r.1,
        r.2,
        r.3,
        r.4,
        r.5,
        r.6,
        r.7,
        r.8,
        r.9,
        r.10,
        r.11,
        r.12,
    ];
}

/// A migration leaf with XMM clobbers (absent when built without SSE).
#[no_mangle]
#[inline(never)]
pub unsafe extern "C" fn probe_export_track(a: u64, b: u64, c: u64) -> u64 {
    match leaves::tdh_export_track(a, b, c) {
        Ok(()) => 0,
        Err(e) => e.raw(),
    }
}

/// An SSE-enabled caller of a leaf that clobbers XMM0-15, for the build
/// without SSE: the vector is loaded before the leaf (which may write
/// memory) and used after it, so the compiler must keep it somewhere across
/// the SEAMCALL. The crate has no SSE, so the leaf's block carries no XMM
/// clobbers; inlined here as it stands, the vector would stay in an XMM
/// register the module zeroes.
#[no_mangle]
#[inline(never)]
#[target_feature(enable = "sse2")]
pub unsafe fn probe_sse_caller(v: *mut core::arch::x86_64::__m128i, a: u64, b: u64, c: u64) -> u64 {
    use core::arch::x86_64::{_mm_loadu_si128, _mm_madd_epi16, _mm_storeu_si128};
    let x = _mm_loadu_si128(v);
    let status = match leaves::tdh_export_track(a, b, c) {
        Ok(()) => 0,
        Err(e) => e.raw(),
    };
    _mm_storeu_si128(v, _mm_madd_epi16(x, x));
    status
}

// Twins of catalog leaves without `retry`, for the retry codegen check.

#[seamcall(leaf = 9, in = [rcx, rdx])]
unsafe fn mng_create_once(tdr: PhysAddr, hkid: Hkid) -> Result<(), SeamcallError>;

#[seamcall(leaf = 11, in = [rcx, rdx], out = [r8])]
unsafe fn mng_rd_once(tdr: PhysAddr, field: TdField) -> Result<u64, SeamcallError>;

#[seamcall(leaf = 6, in = [rcx, rdx, r8], out = [rcx, rdx])]
unsafe fn mem_page_aug_once(
    gpa: GpaLevel,
    tdr: PhysAddr,
    page: PhysAddr,
) -> (TdxStatus, (leaves::SeptEntry, leaves::SeptLevelState));

#[seamcall(leaf = 34, in = [rdx], out = [r8, rdx])]
unsafe fn sys_rd_once(field: GlobalField) -> Result<(u64, FieldId), SeamcallError>;

#[seamcall(leaf = 43, in = [rcx, rdx, r8, r9], out = [r8])]
unsafe fn vp_wr_once(
    tdvpr: PhysAddr,
    field: VcpuField,
    value: u64,
    mask: u64,
) -> Result<u64, SeamcallError>;

#[seamcall(leaf = 21, in = [rcx, rdx, r8], out = [rcx])]
unsafe fn mng_init_once(tdr: PhysAddr, td_params: PhysAddr, event_filters: u64) -> (TdxStatus, u64);

// The probes take typed operands, as a hypervisor holds them, so that the
// only code around the leaf is the leaf's.
macro_rules! probes {
    ($($once:ident, $retry:ident: |$($p:ident: $t:ty),*| $body_once:expr, $body_retry:expr;)*) => {$(
        #[no_mangle]
        #[inline(never)]
        pub unsafe fn $once($($p: $t),*) -> u64 { $body_once }
        #[no_mangle]
        #[inline(never)]
        pub unsafe fn $retry($($p: $t),*) -> u64 { $body_retry }
    )*};
}

fn fold<T>(r: Result<T, SeamcallError>, f: impl FnOnce(T) -> u64) -> u64 {
    match r {
        Ok(v) => f(v),
        Err(e) => e.raw(),
    }
}

probes! {
    probe_mng_create_once, probe_mng_create_retry: |tdr: PhysAddr, hkid: Hkid|
        fold(mng_create_once(tdr, hkid), |_| 0),
        fold(leaves::tdh_mng_create(tdr, hkid), |_| 0);
    probe_mng_rd_once, probe_mng_rd_retry: |tdr: PhysAddr, field: TdField|
        fold(mng_rd_once(tdr, field), |v| v),
        fold(leaves::tdh_mng_rd(tdr, field), |v| v);
    probe_mem_page_aug_once, probe_mem_page_aug_retry: |gpa: GpaLevel, tdr: PhysAddr, page: PhysAddr| {
        let (s, (e, l)) = mem_page_aug_once(gpa, tdr, page);
        s.raw() ^ e.0 ^ l.0
    }, {
        let (s, (e, l)) = leaves::tdh_mem_page_aug(gpa, tdr, page);
        s.raw() ^ e.0 ^ l.0
    };
    probe_sys_rd_once, probe_sys_rd_retry: |field: GlobalField|
        fold(sys_rd_once(field), |(v, n)| v ^ n.raw()),
        fold(leaves::tdh_sys_rd(field), |(v, n)| v ^ n.raw());
    probe_vp_wr_once, probe_vp_wr_retry: |tdvpr: PhysAddr, field: VcpuField, value: u64, mask: u64|
        fold(vp_wr_once(tdvpr, field, value, mask), |v| v),
        fold(leaves::tdh_vp_wr(tdvpr, field, value, mask), |v| v);
    probe_mng_init_once, probe_mng_init_retry: |tdr: PhysAddr, params: PhysAddr, filters: u64| {
        let (s, e) = mng_init_once(tdr, params, filters);
        s.raw() ^ e
    }, {
        let (s, e) = leaves::tdh_mng_init(tdr, params, filters);
        s.raw() ^ e
    };
}
