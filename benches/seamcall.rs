//! `#[seamcall]` against the floor (hand-written `asm!`) and against Linux's
//! out-of-line entry points, for a narrow and a wide leaf, inlined and out of
//! line. The variants are described in `support/variants.rs`.
//!
//! Run in a stub build only:
//!
//! ```text
//! RUSTFLAGS="--cfg seamcall_stub" cargo bench --bench seamcall
//! ```
//!
//! `scripts/bench.sh` runs this, the callgrind counts and the compile-time
//! measurement, and writes `docs/bench.md` and `docs/bench.svg`.

use std::time::{Duration, Instant};

use criterion::{criterion_group, Criterion};

#[path = "support/variants.rs"]
mod variants;

fn seamcall(c: &mut Criterion) {
    for v in variants::VARIANTS {
        let run = v.run;
        c.bench_function(&v.id(), |b| {
            b.iter_custom(|iters| {
                let start = Instant::now();
                run(iters);
                start.elapsed()
            })
        });
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = seamcall
}

fn main() {
    if !variants::STUB {
        // `cargo bench` passes `--bench`; `cargo test --benches` does not, and
        // a normal test build must not fail because of this file.
        if std::env::args().any(|a| a == "--bench") {
            eprintln!("error: {}", variants::NEED_STUB);
            std::process::exit(1);
        }
        eprintln!("skipped: {}", variants::NEED_STUB);
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
