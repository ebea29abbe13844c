//! A leaf given as a path is checked by a generated `const` assertion.
use seamcall_core::{seamcall, SeamcallError};

const TDH_VP_WR: u16 = 43;

#[seamcall(leaf = TDH_VP_WR, in = [rcx, rdx, r8, r9])]
unsafe fn tdh_vp_wr(tdvpr: u64, field: u64, value: u64, mask: u64) -> Result<(), SeamcallError>;

const TDH_MNG_KEY_CONFIG: u64 = 8;

#[seamcall(leaf = TDH_MNG_KEY_CONFIG, in = [rcx, rdx])]
unsafe fn tdh_mng_key_config(tdr: u64, hkid: u64) -> Result<(), SeamcallError>;

// `unchecked` turns the assertion off.
#[seamcall(leaf = TDH_VP_WR, in = [rcx, rdx, r8, r9], unchecked)]
unsafe fn tdh_vp_wr_unchecked(tdvpr: u64, field: u64, value: u64, mask: u64) -> Result<(), SeamcallError>;

fn main() {}
