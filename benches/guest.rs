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

use std::time::{Duration, Instant};

use criterion::{criterion_group, Criterion};

#[path = "support/guest_variants.rs"]
mod variants;

fn guest(c: &mut Criterion) {
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
    targets = guest
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
    if let Some(path) = std::env::var_os("SEAMCALL_BENCH_GUEST_INTERLEAVED") {
        interleaved(std::path::Path::new(&path));
    }
}

/// A second measurement, robust to a load that changes while the
/// benchmarks run (other builds on a shared machine): every variant in
/// turn, one ~2 ms slice each, 31 rounds; the median slice per variant.
/// A change of load hits all variants of a round alike, so the ratios hold
/// where criterion's one-after-the-other runs may drift. Written as
/// `id<TAB>ns per call` lines to `path`.
fn interleaved(path: &std::path::Path) {
    const ROUNDS: usize = 31;
    let slice = Duration::from_millis(2);
    // Iterations per slice, from a short calibration per variant.
    let iters: Vec<u64> = variants::VARIANTS
        .iter()
        .map(|v| {
            let mut n = 1_000u64;
            loop {
                let start = Instant::now();
                (v.run)(n);
                let t = start.elapsed();
                if t >= slice / 4 {
                    let per = t.as_nanos() as f64 / n as f64;
                    break ((slice.as_nanos() as f64 / per) as u64).max(1);
                }
                n *= 4;
            }
        })
        .collect();
    let mut samples: Vec<Vec<f64>> = vec![Vec::with_capacity(ROUNDS); iters.len()];
    for _ in 0..ROUNDS {
        for (i, v) in variants::VARIANTS.iter().enumerate() {
            let start = Instant::now();
            (v.run)(iters[i]);
            samples[i].push(start.elapsed().as_nanos() as f64 / iters[i] as f64);
        }
    }
    let mut out = String::new();
    for (v, s) in variants::VARIANTS.iter().zip(&mut samples) {
        s.sort_by(f64::total_cmp);
        out.push_str(&format!("{}\t{:.4}\n", v.id(), s[ROUNDS / 2]));
    }
    std::fs::write(path, out).expect("write the interleaved medians");
    eprintln!("interleaved medians written to {}", path.display());
}
