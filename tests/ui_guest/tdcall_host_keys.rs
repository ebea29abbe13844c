// SEAMCALL-only keys, and the host's error type.
use seamcall_core::{tdcall, SeamcallError};

#[tdcall(leaf = 6, in = [rcx], seamldr, retry = 10, retry_busy)]
unsafe fn accept(page: u64) -> Result<(), SeamcallError>;

fn main() {}
