//! Every form of the `#[seamcall]` grammar, declared as a user would: the
//! leaf as a literal and as a constant of every integer type, each return
//! form (aliases included), every key and flag, the RBX, RBP and XMM shapes;
//! and the guest forms (`#[tdcall]`, `#[tdvmcall]`).
//! tests/clippy_probe.rs lints this crate with `-D warnings`.

#![no_std]
#![allow(clippy::missing_safety_doc)]

use seamcall_core::x86_64::{PhysAddr, VirtAddr};
use seamcall_core::{seamcall, SeamcallError, TdxStatus};

/// A crate's own alias, as `std::io::Result` is.
pub type Result<T> = core::result::Result<T, SeamcallError>;

// The leaf as a constant of each integer type `as u64` accepts.
pub const LEAF_U8: u8 = 11;
pub const LEAF_U16: u16 = 11;
pub const LEAF_U32: u32 = 11;
pub const LEAF_U64: u64 = 11;
pub const LEAF_U128: u128 = 11;
pub const LEAF_USIZE: usize = 11;
pub const LEAF_I8: i8 = 11;
pub const LEAF_I16: i16 = 11;
pub const LEAF_I32: i32 = 11;
pub const LEAF_I64: i64 = 11;
pub const LEAF_I128: i128 = 11;
pub const LEAF_ISIZE: isize = 11;

#[seamcall(leaf = LEAF_U8, in = [rcx, rdx], out = [r8])]
pub unsafe fn path_u8(tdr: PhysAddr, field: u64) -> Result<u64>;
#[seamcall(leaf = LEAF_U16, in = [rcx, rdx], out = [r8])]
pub unsafe fn path_u16(tdr: PhysAddr, field: u64) -> Result<u64>;
#[seamcall(leaf = LEAF_U32, in = [rcx, rdx], out = [r8])]
pub unsafe fn path_u32(tdr: PhysAddr, field: u64) -> Result<u64>;
#[seamcall(leaf = LEAF_U64, in = [rcx, rdx], out = [r8])]
pub unsafe fn path_u64(tdr: PhysAddr, field: u64) -> Result<u64>;
#[seamcall(leaf = LEAF_U128, in = [rcx, rdx], out = [r8])]
pub unsafe fn path_u128(tdr: PhysAddr, field: u64) -> Result<u64>;
#[seamcall(leaf = LEAF_USIZE, in = [rcx, rdx], out = [r8])]
pub unsafe fn path_usize(tdr: PhysAddr, field: u64) -> Result<u64>;
#[seamcall(leaf = LEAF_I8, in = [rcx, rdx], out = [r8])]
pub unsafe fn path_i8(tdr: PhysAddr, field: u64) -> Result<u64>;
#[seamcall(leaf = LEAF_I16, in = [rcx, rdx], out = [r8])]
pub unsafe fn path_i16(tdr: PhysAddr, field: u64) -> Result<u64>;
#[seamcall(leaf = LEAF_I32, in = [rcx, rdx], out = [r8])]
pub unsafe fn path_i32(tdr: PhysAddr, field: u64) -> Result<u64>;
#[seamcall(leaf = LEAF_I64, in = [rcx, rdx], out = [r8])]
pub unsafe fn path_i64(tdr: PhysAddr, field: u64) -> Result<u64>;
#[seamcall(leaf = LEAF_I128, in = [rcx, rdx], out = [r8])]
pub unsafe fn path_i128(tdr: PhysAddr, field: u64) -> Result<u64>;
#[seamcall(leaf = LEAF_ISIZE, in = [rcx, rdx], out = [r8])]
pub unsafe fn path_isize(tdr: PhysAddr, field: u64) -> Result<u64>;
/// A path leaf the table does not know, `unchecked`.
#[seamcall(leaf = LEAF_U64, version = 3, in = [rcx], out = [r8], clobber = [rdx], unchecked)]
pub unsafe fn path_unchecked(a: u64) -> Result<u64>;

// Literal leaves: every return form.
#[seamcall(leaf = 11, in = [rcx, rdx], out = [r8])]
pub unsafe fn spelled(tdr: PhysAddr, field: u64) -> core::result::Result<u64, SeamcallError>;
#[seamcall(leaf = 11, in = [rcx, rdx], out = [r8])]
pub unsafe fn crate_alias(tdr: PhysAddr, field: u64) -> seamcall_core::Result<u64>;
#[seamcall(leaf = 0x300, unchecked)]
pub unsafe fn unit() -> Result<()>;
#[seamcall(leaf = 0x300, out = [rcx, rdx, r8], unchecked)]
pub unsafe fn triple() -> Result<(u64, PhysAddr, bool)>;
#[seamcall(leaf = 0x300, out = [r8], unchecked)]
pub unsafe fn one_tuple() -> Result<(u16,)>;
#[seamcall(leaf = 0x300, in = [rdi], out = [r12], clobber = [r13], unchecked)]
pub unsafe fn raw(a: u8) -> (TdxStatus, u16);
#[seamcall(leaf = 0x300, out = [r14, r15], unchecked)]
pub unsafe fn raw_tuple() -> (TdxStatus, (u64, usize));
#[seamcall(leaf = 0x300, clobber = [rcx], unchecked)]
pub unsafe fn raw_status() -> TdxStatus;

// Keys and flags.
#[seamcall(leaf = 0x300, safe, unchecked)]
pub fn safe_leaf() -> Result<()>;
#[seamcall(leaf = 0x300, version = 255, in = [rcx], unchecked)]
pub unsafe fn versioned(a: VirtAddr) -> Result<()>;
#[seamcall(leaf = 0x300, in = [rcx], retry = 10, retry_busy, unchecked)]
pub unsafe fn retried(a: u32) -> Result<()>;
#[seamcall(leaf = 0x300, in = [rcx], out = [rdx], retry = 1, unchecked)]
pub unsafe fn one_attempt(a: u64) -> Result<u64>;
#[seamcall(leaf = 0x300, in = [rcx], out = [r8, r9], clobber = [r10], scrub, unchecked)]
pub unsafe fn scrubbed(a: u64) -> Result<(u64, u64)>;
#[seamcall(leaf = 0x300, seamldr, in = [rcx], clobber = [rdx], unchecked)]
pub unsafe fn seamldr_leaf(a: u64) -> Result<()>;
#[seamcall(leaf = 0x300, crate = seamcall_core, unchecked)]
pub unsafe fn crate_path() -> Result<()>;
#[must_use]
#[seamcall(leaf = 0x300, unchecked)]
pub unsafe fn own_must_use() -> Result<()>;
#[seamcall(leaf = 0x300, unchecked)]
#[inline(never)]
pub unsafe fn out_of_line() -> Result<()>;

// The RBX, RBP and XMM shapes.
#[seamcall(leaf = 0x300, in = [rbx], out = [rbx], unchecked)]
pub unsafe fn rbx_scratch(a: u64) -> Result<u64>;
#[seamcall(leaf = 0x300, out = [rbx], unchecked)]
pub unsafe fn rbx_out() -> Result<u64>;
#[seamcall(leaf = 0x300, in = [rbx], unchecked)]
pub unsafe fn rbx_in(a: u64) -> Result<()>;
#[seamcall(leaf = 0x300, clobber = [rbp, xmm0, xmm15], unchecked)]
pub unsafe fn rbp_xmm() -> Result<()>;
#[allow(clippy::type_complexity, clippy::too_many_arguments)]
#[seamcall(
    leaf = 0x300,
    in = [rcx, rdx, r8, r9, r10, r11, r12, r13, r14, r15, rbx, rdi, rsi],
    out = [rcx, rdx, r8, r9, r10, r11, r12, r13, r14, r15, rbx, rdi, rsi],
    clobber = [rbp],
    scrub,
    retry = 3,
    unchecked
)]
pub unsafe fn wide(
    a: u64,
    b: u64,
    c: u64,
    d: u64,
    e: u64,
    f: u64,
    g: u64,
    h: u64,
    i: u64,
    j: u64,
    k: u64,
    l: u64,
    m: u64,
) -> Result<(
    u64,
    u64,
    u64,
    u64,
    u64,
    u64,
    u64,
    u64,
    u64,
    u64,
    u64,
    u64,
    u64,
)>;
#[allow(clippy::too_many_arguments)]
#[seamcall(
    leaf = 0x300,
    in = [rcx, rdx, r8, r9, r10, r11, r12, r13, r14, r15, rbx, rdi, rsi],
    unchecked
)]
pub unsafe fn wide_in(
    a: u64,
    b: u64,
    c: u64,
    d: u64,
    e: u64,
    f: u64,
    g: u64,
    h: u64,
    i: u64,
    j: u64,
    k: u64,
    l: u64,
    m: u64,
) -> TdxStatus;

/// The callers a user writes: `?`, `into_result`, catalog leaves.
pub fn first_hour(tdr: PhysAddr) -> Result<u64> {
    use seamcall_core::RawResult;
    // SAFETY (of the probe): never run; linted only.
    unsafe {
        let v = path_u64(tdr, 1)? + path_u16(tdr, 2)? + crate_alias(tdr, 3)?;
        let (s, w) = raw(1);
        s.into_result()?;
        let x = raw_tuple().into_result()?;
        seamcall_core::leaves::tdh_mng_init(tdr, tdr, 0).into_result()?;
        Ok(v + u64::from(w) + x.0 + spelled(tdr, 4)?)
    }
}

// The guest side: `#[tdcall]` (plain, raw forms) and `#[tdvmcall]` (GHCI
// with outputs, RBX exposed, `no_scrub`, a vendor call through R10), linted
// like the host forms.
pub mod guest {
    use seamcall_core::guest::{TdcallError, TdvmcallError};
    use seamcall_core::x86_64::PhysAddr;
    use seamcall_core::{tdcall, tdvmcall, TdxStatus};

    #[tdcall(leaf = 1, out = [rcx, rdx, r8, r9, r10, r11], safe)]
    pub fn vp_info() -> Result<(u64, u64, u64, u64, u64, u64), TdcallError>;

    #[tdcall(leaf = 6, in = [rcx])]
    pub unsafe fn accept(page: u64) -> TdxStatus;

    #[tdcall(leaf = 7, version = 1, in = [rcx, rdx], out = [rdx, r8])]
    pub unsafe fn vm_rd_v1(vm: u64, field: u64) -> (TdxStatus, (u64, u64));

    #[tdcall(leaf = 2, in = [rcx, rdx])]
    pub unsafe fn rtmr_extend(data: PhysAddr, index: u64) -> Result<(), TdcallError>;

    #[tdvmcall(subfn = 0x1F, in = [r12], out = [r11])]
    pub unsafe fn rdmsr(msr: u32) -> Result<u64, TdvmcallError>;

    #[tdvmcall(subfn = 0x1F, in = [r12], out = [r11], no_scrub)]
    pub unsafe fn rdmsr_no_scrub(msr: u32) -> Result<u64, TdvmcallError>;

    #[tdvmcall(subfn = 10, in = [r12, r13, r14, r15, rbx], out = [rbx])]
    pub unsafe fn with_rbx(a: u64, b: u64, c: u64, d: u64, e: u64) -> Result<u64, TdvmcallError>;

    #[tdvmcall(in = [r10, r11, r12, r13, r14], out = [r10])]
    pub unsafe fn kvm_hypercall(nr: u64, a1: u64, a2: u64, a3: u64, a4: u64)
        -> Result<u64, TdvmcallError>;

    /// Every guest form called once, so the call sites are linted too.
    pub fn use_all() -> Result<u64, TdvmcallError> {
        let (a, ..) = vp_info().unwrap_or_default();
        // SAFETY (of the probe): never run; linted only.
        unsafe {
            let _ = accept(0x1000).into_result();
            let (_, (next, v)) = vm_rd_v1(0, 0);
            let _ = rtmr_extend(PhysAddr::new(0x2000), 0);
            Ok(a + next + v + rdmsr(0x10)? + rdmsr_no_scrub(0x10)? + with_rbx(1, 2, 3, 4, 5)?
                + kvm_hypercall(1, 0, 0, 0, 0)?)
        }
    }
}
