//! `#[seamcall]` against the floor (hand-written `asm!`) and against Linux's
//! out-of-line entry points, for a narrow and a wide leaf, inlined and out of
//! line. The variants are described in `support/variants.rs`.
//!
//! Run in a stub build only:
//!
//! ```text
//! RUSTFLAGS="--cfg seamcall_stub -C llvm-args=-align-loops=64" cargo bench --bench seamcall
//! ```
//!
//! (`-align-loops=64`, as `scripts/bench.sh` builds it: otherwise where each
//! loop lands moves its time more than the differences measured here.)
//!
//! `scripts/bench.sh` runs this, the callgrind counts and the compile-time
//! measurement, and writes `docs/bench.md` and `docs/bench.svg`.

#[path = "support/driver.rs"]
mod driver;
#[path = "support/variants.rs"]
mod variants;

fn main() {
    driver::main(
        variants::VARIANTS,
        variants::STUB,
        variants::NEED_STUB,
        "SEAMCALL_BENCH_INTERLEAVED",
    );
}
