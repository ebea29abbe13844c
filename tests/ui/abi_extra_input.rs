//! TDH.MNG.KEY.CONFIG reads RCX only; binding RDX is a mistake.
use seamcall_core::{seamcall, SeamcallError};

#[seamcall(leaf = 8, in = [rcx, rdx])]
unsafe fn tdh_mng_key_config(tdr: u64, hkid: u64) -> Result<(), SeamcallError>;

fn main() {}
