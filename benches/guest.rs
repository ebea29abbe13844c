//! `#[tdcall]` and `#[tdvmcall]` against the floor (hand-written `asm!`),
//! td-shim's register-struct calls and Linux's `__tdcall_saved_ret`, for
//! the TDG.VP.VMCALL RDMSR shape and the TDG.VP.INFO shape, inlined and out
//! of line. The variants are described in `support/guest_variants.rs`.
//!
//! Run in a stub build only:
//!
//! ```text
//! RUSTFLAGS="--cfg seamcall_stub -C llvm-args=-align-loops=64" cargo bench --bench guest
//! ```
//!
//! (`-align-loops=64`, as `scripts/bench.sh` builds it: otherwise where each
//! loop lands moves its time more than the differences measured here.)
//!
//! `scripts/bench.sh` runs this and the callgrind counts
//! (`scripts/bench_guest.sh`) and adds the guest section to `docs/bench.md`.

#[path = "support/driver.rs"]
mod driver;
#[path = "support/guest_variants.rs"]
mod variants;

fn main() {
    driver::main(
        variants::VARIANTS,
        variants::STUB,
        variants::NEED_STUB,
        "SEAMCALL_BENCH_GUEST_INTERLEAVED",
    );
}
