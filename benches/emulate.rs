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

use criterion::{criterion_group, Criterion};
use seamcall_core::emulate::model::Model;
use seamcall_core::emulate::{self, Outcome, Regs};
use seamcall_core::fields::td::MRTD;
use seamcall_core::{seamcall, SeamcallError};

#[seamcall(leaf = 11, in = [rcx, rdx], out = [r8], clobber = [rdx])]
unsafe fn tdh_mng_rd(tdr: u64, field: u64) -> Result<u64, SeamcallError>;

/// The handler of the floor: step over the instruction, clear CF.
extern "C" fn step_over(_sig: libc::c_int, _info: *mut libc::siginfo_t, ctx: *mut libc::c_void) {
    // SAFETY: the kernel passes the interrupted context of this thread to an
    // `SA_SIGINFO` handler; it is ours until we return.
    let uc = unsafe { &mut *ctx.cast::<libc::ucontext_t>() };
    uc.uc_mcontext.gregs[libc::REG_RIP as usize] += 4;
    uc.uc_mcontext.gregs[libc::REG_EFL as usize] &= !1;
}

/// Runs `f` with `step_over` as the SIGSEGV and SIGILL handler, then puts
/// the emulator's handlers back.
fn with_bare_handler(f: impl FnOnce()) {
    let sigs = [libc::SIGSEGV, libc::SIGILL];
    // SAFETY: zeroed `sigaction`s are valid empty actions; `step_over` has
    // the `SA_SIGINFO` signature; the previous actions are restored below.
    let mut old: [libc::sigaction; 2] = unsafe { std::mem::zeroed() };
    unsafe {
        let mut act: libc::sigaction = std::mem::zeroed();
        act.sa_sigaction = step_over as *const () as usize;
        act.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
        libc::sigemptyset(&mut act.sa_mask);
        for (sig, old) in sigs.iter().zip(old.iter_mut()) {
            libc::sigaction(*sig, &act, old);
        }
    }
    f();
    // SAFETY: restores the actions saved above.
    unsafe {
        for (sig, old) in sigs.iter().zip(old.iter()) {
            libc::sigaction(*sig, old, std::ptr::null_mut());
        }
    }
}

fn round_trips(c: &mut Criterion) {
    let mut g = c.benchmark_group("seamcall_round_trip");

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

/// The median of one benchmark from criterion's saved estimates (the
/// median, not the mean: other work on the machine adds outliers).
fn median_ns(name: &str) -> Option<f64> {
    let dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::PathBuf::from("target"));
    let path = dir
        .join("criterion/seamcall_round_trip")
        .join(name)
        .join("new/estimates.json");
    let text = std::fs::read_to_string(path).ok()?;
    // {..."median":{"confidence_interval":{...},"point_estimate":1234.5,...
    let median = &text[text.find("\"median\"")?..];
    let pe = &median[median.find("\"point_estimate\":")? + 17..];
    let end = pe.find([',', '}'])?;
    pe[..end].trim().parse().ok()
}

/// Alternates batches of the three round trips, so that load from other
/// work on the machine hits them alike, and returns each one's median time
/// per call over the rounds, in nanoseconds.
fn interleaved() -> [f64; 3] {
    const ROUNDS: usize = 15;
    const CALLS: u32 = 20_000;
    let (mut model, tdr) = model_with_td();
    let mut null = |regs: &mut Regs| {
        regs.r8 = regs.rcx;
        regs.rax = 0;
        Outcome::Return
    };
    let mut per_call: [Vec<f64>; 3] = Default::default();
    let time = |f: &mut dyn FnMut()| {
        let start = std::time::Instant::now();
        f();
        start.elapsed().as_nanos() as f64 / f64::from(CALLS)
    };
    for _ in 0..ROUNDS {
        per_call[0].push(time(&mut || {
            with_bare_handler(|| {
                for _ in 0..CALLS {
                    let _ = black_box(unsafe { tdh_mng_rd(black_box(0x1000), black_box(1)) });
                }
            })
        }));
        per_call[1].push(time(&mut || {
            emulate::with_module(&mut null, || {
                for _ in 0..CALLS {
                    let _ = black_box(unsafe { tdh_mng_rd(black_box(0x1000), black_box(1)) });
                }
            })
        }));
        per_call[2].push(time(&mut || {
            emulate::with_module(&mut model, || {
                for _ in 0..CALLS {
                    let _ = black_box(unsafe { tdh_mng_rd(black_box(tdr), black_box(MRTD.raw())) });
                }
            })
        }));
    }
    per_call.map(|mut v| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    })
}

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    let bare = median_ns("bare_signal");
    for name in ["emulated_null_module", "emulated_model_mng_rd"] {
        if let (Some(b), Some(e)) = (bare, median_ns(name)) {
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
