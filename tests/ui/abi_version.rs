//! TDH.MNG.RD writes RDX (the next field ID) only from version 1; version 0
//! with the same registers is fine.
use seamcall_core::{seamcall, SeamcallError};

#[seamcall(leaf = 11, version = 1, in = [rcx, rdx], out = [r8])]
unsafe fn tdh_mng_rd_v1(tdr: u64, field: u64) -> Result<u64, SeamcallError>;

#[seamcall(leaf = 11, in = [rcx, rdx], out = [r8])]
unsafe fn tdh_mng_rd(tdr: u64, field: u64) -> Result<u64, SeamcallError>;

// Module 1.5.01 runs the version-1 handler for version 2 and up, which
// writes its registers before it returns TDX_OPERAND_INVALID: version 2 is
// checked against version 1, no `unchecked` needed.
#[seamcall(leaf = 11, version = 2, in = [rcx, rdx], out = [r8])]
unsafe fn tdh_mng_rd_v2(tdr: u64, field: u64) -> Result<u64, SeamcallError>;

#[seamcall(leaf = 11, version = 2, in = [rcx, rdx], out = [r8], clobber = [rdx])]
unsafe fn tdh_mng_rd_v2_ok(tdr: u64, field: u64) -> Result<u64, SeamcallError>;

#[seamcall(leaf = 30, version = 7, in = [rcx, rdx], out = [rcx, rdx], clobber = [r9, r10, r11])]
unsafe fn tdh_mem_sept_remove_v7(gpa: u64, tdr: u64) -> Result<(u64, u64), SeamcallError>;

// A leaf without versions: the dispatcher of module 1.5.01 rejects any
// version above 0 writing RAX alone, so the version is for a later module,
// which the audit does not cover: `unchecked` is required.
#[seamcall(leaf = 9, version = 1, in = [rcx, rdx])]
unsafe fn tdh_mng_create_v1(tdr: u64, hkid: u64) -> Result<(), SeamcallError>;

#[seamcall(leaf = 22, version = 2, in = [rcx, rdx, r8])]
unsafe fn tdh_vp_init_v2(tdvpr: u64, rcx: u64, x2apic: u64) -> Result<(), SeamcallError>;

fn main() {}
