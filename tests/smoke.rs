use seamcall_core::{seamcall, ErrorKind, SeamcallError, Trap};
use x86_64::PhysAddr;

/// Read a TD-scope metadata field.
#[seamcall(leaf = 11, in = [rcx, rdx], out = [r8])]
pub unsafe fn tdh_mng_rd(tdr: PhysAddr, field: u64) -> Result<u64, SeamcallError>;

#[test]
fn gp() {
    seamcall_tests::fault::install();
    let r = unsafe { tdh_mng_rd(PhysAddr::new(0x1000), 5) };
    assert_eq!(r.unwrap_err().kind(), ErrorKind::Fault(Trap::GeneralProtection));
}
