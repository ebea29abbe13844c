//! The driver both criterion benchmarks (`seamcall.rs`, `guest.rs`) run:
//! criterion over every variant, then, when asked, the interleaved
//! measurement.

use std::path::Path;
use std::time::{Duration, Instant};

use criterion::Criterion;
use seamcall_tests::bench::Variant;

/// `main` of a benchmark over `variants`. Outside a stub build (`stub`
/// false) it prints `need_stub` and stops: with exit status 1 under `cargo
/// bench` (which passes `--bench`), with success under `cargo test
/// --benches`, whose normal build must not fail because of this. In a stub
/// build: criterion over every variant (0.5 s warm-up, 2 s measurement
/// each), its summary, and [`interleaved`] when the environment variable
/// `interleaved_env` names a file.
pub fn main(variants: &[Variant], stub: bool, need_stub: &str, interleaved_env: &str) {
    if !stub {
        if std::env::args().any(|a| a == "--bench") {
            eprintln!("error: {need_stub}");
            std::process::exit(1);
        }
        eprintln!("skipped: {need_stub}");
        return;
    }
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .configure_from_args();
    for v in variants {
        let run = v.run;
        c.bench_function(&v.id(), |b| {
            b.iter_custom(|iters| {
                let start = Instant::now();
                run(iters);
                start.elapsed()
            })
        });
    }
    Criterion::default().configure_from_args().final_summary();
    if let Some(path) = std::env::var_os(interleaved_env) {
        interleaved(variants, Path::new(&path));
    }
}

/// A second measurement, robust to a load that changes while the
/// benchmarks run (other builds on a shared machine): every variant in
/// turn, one ~2 ms slice each, 31 rounds; the median slice per variant.
/// A change of load hits all variants of a round alike, so the ratios hold
/// where criterion's one-after-the-other runs may drift. Written as
/// `id<TAB>ns per call` lines to `path`.
fn interleaved(variants: &[Variant], path: &Path) {
    const ROUNDS: usize = 31;
    let slice = Duration::from_millis(2);
    // Iterations per slice, from a short calibration per variant.
    let iters: Vec<u64> = variants
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
        for (i, v) in variants.iter().enumerate() {
            let start = Instant::now();
            (v.run)(iters[i]);
            samples[i].push(start.elapsed().as_nanos() as f64 / iters[i] as f64);
        }
    }
    let mut out = String::new();
    for (v, s) in variants.iter().zip(&mut samples) {
        s.sort_by(f64::total_cmp);
        out.push_str(&format!("{}\t{:.4}\n", v.id(), s[ROUNDS / 2]));
    }
    std::fs::write(path, out).expect("write the interleaved medians");
    eprintln!("interleaved medians written to {}", path.display());
}
