//! Instruction counts for the benchmark variants: run one variant `N` times,
//! under callgrind.
//!
//! ```text
//! RUSTFLAGS="--cfg seamcall_stub" cargo build --release --example bench_callgrind
//! valgrind --tool=callgrind target/release/examples/bench_callgrind narrow/inline/macro 100000
//! bench_callgrind --list
//! ```
//!
//! The difference between the totals of two runs with different `N`, divided
//! by the difference in `N`, is the count per call: start-up and exit cancel
//! out. `scripts/bench.sh` does this for every variant.

#[path = "../benches/support/variants.rs"]
mod variants;

fn main() {
    seamcall_tests::bench::callgrind_main(
        "bench_callgrind",
        variants::VARIANTS,
        variants::STUB,
        variants::NEED_STUB,
    );
}
