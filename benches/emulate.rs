//! Emulated `SEAMCALL` round trip against a bare signal round trip, in one
//! run.
//!
//! * `bare_signal`: the same declared leaf, with a SIGSEGV/SIGILL handler
//!   that only steps over the 4-byte instruction and clears CF: the floor,
//!   the cost of the fault, signal delivery and `rt_sigreturn`.
//! * `emulated/null_module`: the emulator with a module that only sets the
//!   status and one output: what the trap machinery adds to the floor.
//! * `emulated/model_mng_rd`: the software TDX module answering TDH.MNG.RD.
//!
//! `cargo bench --bench emulate` prints the ratios at the end. How the
//! emulated call scales with the number of `SEAMCALL` sites in the binary
//! (10, 2,000, 10,000) is measured by `examples/bench_sites_*.rs`, one
//! binary per size, which `scripts/bench.sh` runs and reports together.

use std::hint::black_box;

#[path = "support/round_trip.rs"]
mod round_trip;
use round_trip::{median_ns, with_bare_handler, CALLS};

use criterion::{criterion_group, Criterion};
use seamcall_core::emulate::model::Model;
use seamcall_core::emulate::{self, Outcome, Regs};
use seamcall_core::fields::td::MRTD;
use seamcall_core::{seamcall, SeamcallError};

/// The criterion group.
const GROUP: &str = "seamcall_round_trip";

#[seamcall(leaf = 11, in = [rcx, rdx], out = [r8], clobber = [rdx])]
unsafe fn tdh_mng_rd(tdr: u64, field: u64) -> Result<u64, SeamcallError>;

fn round_trips(c: &mut Criterion) {
    let mut g = c.benchmark_group(GROUP);

    g.bench_function("bare_signal", |b| {
        with_bare_handler(|| {
            b.iter(|| unsafe { tdh_mng_rd(black_box(0x1000), black_box(1)) });
        });
    });

    let mut null = |regs: &mut Regs| {
        regs.r8 = regs.rcx;
        regs.rax = 0;
        Outcome::Return
    };
    g.bench_function("emulated_null_module", |b| {
        emulate::with_module(&mut null, || {
            b.iter(|| unsafe { tdh_mng_rd(black_box(0x1000), black_box(1)) });
        });
    });

    // A model with one finalized TD, answering TDH.MNG.RD of MRTD.
    let (mut model, tdr) = model_with_td();
    g.bench_function("emulated_model_mng_rd", |b| {
        emulate::with_module(&mut model, || {
            b.iter(|| unsafe { tdh_mng_rd(black_box(tdr), black_box(MRTD.raw())) });
        });
    });
    g.finish();
}

/// A ready model with a TD whose MRTD can be read (keys configured, TDCS
/// pages added), built through its `Module` interface directly.
fn model_with_td() -> (Model, u64) {
    use seamcall_core::emulate::Module;
    let base = 1u64 << 30;
    let mut m = Model::ready(base, 1 << 30);
    let tdr = base;
    let mut call = |leaf: u64, rcx: u64, rdx: u64| {
        let mut r = Regs {
            rax: leaf,
            rcx,
            rdx,
            ..Regs::default()
        };
        m.seamcall(&mut r);
        assert_eq!(r.rax, 0, "leaf {leaf}");
    };
    call(9, tdr, 40); // TDH.MNG.CREATE
    call(8, tdr, 0); // TDH.MNG.KEY.CONFIG
    for i in 1..=seamcall_core::emulate::model::TDCS_PAGES as u64 {
        call(1, tdr + i * 4096, tdr); // TDH.MNG.ADDCX
    }
    (m, tdr)
}

criterion_group!(benches, round_trips);

/// The three round trips, interleaved (see [`round_trip::interleaved`]).
fn interleaved() -> [f64; 3] {
    let (mut model, tdr) = model_with_td();
    let mut null = |regs: &mut Regs| {
        regs.r8 = regs.rcx;
        regs.rax = 0;
        Outcome::Return
    };
    let calls = |tdr: u64, field: u64| {
        for _ in 0..CALLS {
            let _ = black_box(unsafe { tdh_mng_rd(black_box(tdr), black_box(field)) });
        }
    };
    round_trip::interleaved([
        &mut || with_bare_handler(|| calls(0x1000, 1)),
        &mut || emulate::with_module(&mut null, || calls(0x1000, 1)),
        &mut || emulate::with_module(&mut model, || calls(tdr, MRTD.raw())),
    ])
}

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    let bare = median_ns(GROUP, "bare_signal");
    for name in ["emulated_null_module", "emulated_model_mng_rd"] {
        if let (Some(b), Some(e)) = (bare, median_ns(GROUP, name)) {
            println!(
                "{name}: median {:.0} ns vs bare_signal {:.0} ns: ratio {:.2}",
                e,
                b,
                e / b
            );
        }
    }
    let [bare, null, model] = interleaved();
    println!(
        "interleaved medians: bare_signal {bare:.0} ns, emulated_null_module {null:.0} ns \
         (ratio {:.2}), emulated_model_mng_rd {model:.0} ns (ratio {:.2})",
        null / bare,
        model / bare
    );
}
