// Every generated function is `#[must_use]`: a call whose result is dropped
// does not compile under `deny(unused_must_use)`, whatever the return form
// (the catalog's leaves included), unless the declaration says otherwise.
#![deny(unused_must_use)]
use seamcall_core::{seamcall, SeamcallError, TdxStatus};
use seamcall_core::x86_64::PhysAddr;

#[seamcall(leaf = 300, in = [rcx], unchecked)]
unsafe fn result_form(a: u64) -> Result<(), SeamcallError>;

#[seamcall(leaf = 300, out = [r8], unchecked)]
unsafe fn raw_form() -> (TdxStatus, u64);

#[seamcall(leaf = 300, unchecked)]
unsafe fn raw_status() -> TdxStatus;

fn main() {
    unsafe {
        result_form(1);
        raw_form();
        raw_status();
        seamcall_core::leaves::tdh_mng_init(PhysAddr::new(0x1000), PhysAddr::new(0x2000), 0);
    }
}
