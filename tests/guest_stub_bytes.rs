//! Which instruction the guest side emits: the real `TDCALL` (`66 0F 01 CC`)
//! in a normal build, the stand-in (`nop dword ptr [rax]; xor eax, eax`)
//! only in a `RUSTFLAGS="--cfg seamcall_stub"` build, and no CF test after
//! it (TDCALL reports no VMfailInvalid). Read from this binary's own code at
//! the addresses `seamcall_extable` records, for a `#[tdcall]` leaf, a
//! `#[tdvmcall]` and the peers' entry points of `seamcall_tests::guest_style`.
//!
//! Run in both builds (`.ci/run` does):
//!
//! ```text
//! cargo test --test guest_stub_bytes
//! RUSTFLAGS="--cfg seamcall_stub" cargo test --test guest_stub_bytes
//! ```

#![allow(unexpected_cfgs)]

use seamcall_core::guest::{TdcallError, TdvmcallError};
use seamcall_core::{extable, tdcall, tdvmcall};
use seamcall_tests::sites::{site_in, STAND_IN};

const TDCALL: &[u8] = &[0x66, 0x0f, 0x01, 0xcc];
const EXPECTED: &[u8] = if cfg!(seamcall_stub) {
    STAND_IN
} else {
    TDCALL
};

#[tdcall(leaf = 1, out = [rcx, rdx, r8, r9, r10, r11], safe)]
#[inline(never)]
fn vp_info() -> Result<(u64, u64, u64, u64, u64, u64), TdcallError>;

#[tdvmcall(subfn = 0x1F, in = [r12], out = [r11])]
#[inline(never)]
unsafe fn rdmsr(msr: u32) -> Result<u64, TdvmcallError>;

fn check_site(what: &str, site: usize) {
    // SAFETY: `site` is an instruction address from this binary's table,
    // in readable text; the bytes read stay inside the function.
    let bytes = unsafe { core::slice::from_raw_parts(site as *const u8, EXPECTED.len() + 2) };
    assert_eq!(&bytes[..EXPECTED.len()], EXPECTED, "{what}: {bytes:02x?}");
    let next = &bytes[EXPECTED.len()..];
    assert!(
        next[0] != 0x72 && next != [0x0f, 0x82],
        "{what}: no jc after TDCALL, found {next:02x?}"
    );
    assert_eq!(
        extable::is_tdcall_site(site as u64),
        !cfg!(seamcall_stub),
        "{what}: is_tdcall_site"
    );
}

#[test]
fn guest_sites_emit_the_instruction_of_this_build() {
    let f = vp_info as fn() -> _;
    check_site("#[tdcall]", site_in(f as usize, 64));
    // `rdmsr`'s block is a function of its own (inlined in release builds):
    // find the sites not followed by `jc` (the SEAMCALL sites are) and check
    // each; `vp_info`'s and `rdmsr`'s at least.
    let g = rdmsr as unsafe fn(u32) -> _;
    let mut guest = 0;
    for e in extable::entries().iter().filter(|e| e.vector() == 6) {
        let site = e.insn() as usize;
        // SAFETY: as in `check_site`.
        let after = unsafe { *((site + EXPECTED.len()) as *const u8) };
        if after != 0x72 && after != 0x0f {
            check_site("a guest site", site);
            guest += 1;
        }
    }
    assert!(
        guest >= 2,
        "{guest} guest sites (rdmsr at {:#x})",
        g as usize
    );
}

#[cfg(seamcall_stub)]
#[test]
fn stub_calls_succeed() {
    use seamcall_tests::guest_style::{self, TdVmcallArgs};
    assert!(vp_info().is_ok());
    // SAFETY: a stub build: the instruction is a NOP and `xor eax, eax`, so
    // R10 keeps its 0 (the VMM's success) and R11 its sub-function.
    unsafe {
        assert_eq!(rdmsr(0x10), Ok(0x1F));
        let mut a = TdVmcallArgs {
            r11: 0x1F,
            ..Default::default()
        };
        assert_eq!(guest_style::td_vmcall(&mut a), 0);
        assert_eq!(a.r11, 0x1F);
    }
}
