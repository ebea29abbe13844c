//! Every accepted form compiles.
#![deny(non_snake_case)] // the parameter attribute below must reach rustc
use seamcall_core::{seamcall, SeamcallError, TdxStatus};
use x86_64::{PhysAddr, VirtAddr};

/// Docs are kept.
#[seamcall(leaf = 11, in = [rcx, rdx], out = [r8])]
pub unsafe fn tdh_mng_rd(tdr: PhysAddr, field: u64) -> Result<u64, SeamcallError>;

#[seamcall(leaf = 300, unchecked)]
unsafe fn no_operands() -> Result<(), SeamcallError> {}

#[seamcall(leaf = 300, safe, unchecked)]
fn safe_leaf() -> Result<(), SeamcallError>;

const LEAF: u16 = 300;
#[seamcall(leaf = LEAF, version = 255, in = [rcx, rbx], out = [rbx, rcx, rsi], unchecked)]
#[inline(never)]
unsafe fn in_out(a: u64, b: VirtAddr) -> Result<(u64, PhysAddr, bool), SeamcallError>;

#[seamcall(leaf = 300, in = [rdi], out = [r12], clobber = [r13, rbx], unchecked)]
unsafe fn raw(a: u8) -> (TdxStatus, u16);

#[seamcall(leaf = 300, out = [r14, r15], unchecked)]
unsafe fn raw_tuple() -> (TdxStatus, (u64, usize));

#[seamcall(leaf = 300, clobber = [rcx], unchecked)]
unsafe fn raw_status() -> TdxStatus;

#[seamcall(leaf = 300, in = [rcx], retry = 10, retry_busy, unchecked)]
unsafe fn retried(a: u32) -> Result<(), SeamcallError>;

mod inner {
    pub use seamcall_core as rt;
}
#[seamcall(leaf = 300, crate = inner::rt, unchecked)]
unsafe fn other_path() -> Result<(), inner::rt::SeamcallError>;

struct Tdr(u64);
impl seamcall_core::IntoReg for Tdr {
    fn into_reg(self) -> u64 {
        self.0
    }
}
#[seamcall(leaf = 300, in = [rcx], unchecked)]
unsafe fn newtype(t: Tdr) -> Result<(), SeamcallError>;

// Parameter attributes are kept as written.
#[seamcall(leaf = 300, unchecked, in = [rcx])]
unsafe fn param_attr(#[allow(non_snake_case)] A: u64) -> Result<(), SeamcallError>;

#[allow(clippy::type_complexity)]
#[seamcall(
    leaf = 300,
    in = [rcx, rdx, r8, r9, r10, r11, r12, r13, r14, r15, rbx, rdi, rsi],
    out = [rcx, rdx, r8, r9, r10, r11, r12, r13, r14, r15, rbx, rdi, rsi],
    clobber = [rbp],
    unchecked
)]
unsafe fn wide(
    a: u64, b: u64, c: u64, d: u64, e: u64, f: u64, g: u64, h: u64, i: u64, j: u64, k: u64,
    l: u64, m: u64,
) -> Result<(u64, u64, u64, u64, u64, u64, u64, u64, u64, u64, u64, u64, u64), SeamcallError>;

fn main() {
    // Type-check the calls; never run (the instruction faults outside SEAM).
    if std::env::args().count() > 100 {
        unsafe {
            let _ = tdh_mng_rd(PhysAddr::new(0), 0);
            let _ = no_operands();
            let _ = in_out(1, VirtAddr::new(0));
            let _ = raw(1);
            let _ = raw_tuple();
            let _ = raw_status();
            let _ = retried(1);
            let _ = other_path();
            let _ = newtype(Tdr(1));
            let _ = param_attr(1);
            let _ = wide(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
        }
        let _ = safe_leaf();
    }
}
