//! Writes only newer releases make are required too, and the error names
//! the release: TDH.PHYMEM.PAMT.REMOVE (1.5.20 and later) returns the freed
//! PAMT pages in RDX and R8; TDH.DMAR.READ (2.0) writes R8-R15 and RDX.
use seamcall_core::{seamcall, SeamcallError};

#[seamcall(leaf = 59, in = [rcx], out = [rdx])]
unsafe fn tdh_phymem_pamt_remove(hpa: u64) -> Result<u64, SeamcallError>;

#[seamcall(leaf = 152, in = [rcx], out = [rdx, r8, r9, r10, r11])]
unsafe fn tdh_dmar_read(index: u64) -> Result<(u64, u64, u64, u64, u64), SeamcallError>;

fn main() {}
