//! Emulated TDG.VP.VMCALL round trip against a bare signal round trip, in
//! one run: the guest-side counterpart of `benches/emulate.rs`.
//!
//! * `bare_signal`: the catalog's `tdvmcall_rdmsr` with a SIGSEGV/SIGILL
//!   handler that only steps over the 4-byte `TDCALL`: the floor, the cost
//!   of the fault, signal delivery and `rt_sigreturn`.
//! * `emulated_trivial_vmm`: the same call under `with_guest` with
//!   `vmm::VmcallOnly` and a VMM that only answers R10 = 0 and R11: what
//!   the trap machinery and the module's VMCALL (mask check, the exposed
//!   registers out and back) add to the floor.
//! * `emulated_ghci_vmm`: `vmm::GhciVmm` answering Instruction.RDMSR from
//!   its MSR map.
//!
//! Built normally (the real instruction, trapped; not the stub build of
//! `benches/guest.rs`). `cargo bench --bench guest_emulate` prints the
//! ratios at the end; with `SEAMCALL_BENCH_INTERLEAVED_ONLY=1` it skips
//! criterion and prints only the interleaved medians, and with
//! `SEAMCALL_BENCH_GUEST_EMULATE_TSV=FILE` it appends them to FILE as one
//! line (`bare`, `trivial`, `ghci`, in ns). `scripts/bench_guest.sh` runs it
//! five times that way and reports the median ratio.

use std::hint::black_box;

use criterion::{criterion_group, Criterion};
use seamcall_core::emulate::vmm::{GhciVmm, VmcallExit, VmcallOnly};
use seamcall_core::emulate::{self, GuestModule};
use seamcall_core::guest;

const MSR: u32 = 0x1B;

/// The handler of the floor: step over the instruction.
extern "C" fn step_over(_sig: libc::c_int, _info: *mut libc::siginfo_t, ctx: *mut libc::c_void) {
    // SAFETY: the kernel passes the interrupted context of this thread to an
    // `SA_SIGINFO` handler; it is ours until we return.
    let uc = unsafe { &mut *ctx.cast::<libc::ucontext_t>() };
    uc.uc_mcontext.gregs[libc::REG_RIP as usize] += 4;
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

/// One RDMSR, its result kept.
#[inline(always)]
fn rdmsr() {
    // SAFETY: reading an MSR through the VMM has no memory effect here.
    let _ = black_box(unsafe { guest::tdvmcall_rdmsr(black_box(MSR)) });
}

/// A VMM that only answers: SUCCESS and the MSR value.
fn trivial(exit: &mut VmcallExit) {
    exit.gprs[11] = 0xFEE0_0900;
    exit.gprs[10] = 0;
}

type Trivial = fn(&mut VmcallExit);

fn trivial_td() -> VmcallOnly<Trivial> {
    VmcallOnly::new(trivial as Trivial)
}

fn ghci_td() -> VmcallOnly<GhciVmm> {
    let mut vmm = GhciVmm::new();
    vmm.set_msr(MSR, 0xFEE0_0900);
    VmcallOnly::new(vmm)
}

/// Checks once that each variant answers as it should (the bare handler
/// leaves R11 = the sub-function), so a benchmark never times a failing
/// call.
fn check() {
    let mut r = None;
    with_bare_handler(|| r = Some(unsafe { guest::tdvmcall_rdmsr(MSR) }));
    assert_eq!(r, Some(Ok(0x1F)), "bare: the TD's own R11 back");
    let mut td = trivial_td();
    assert_eq!(
        emulate::with_guest(&mut td, || unsafe { guest::tdvmcall_rdmsr(MSR) }),
        Ok(0xFEE0_0900)
    );
    let mut td = ghci_td();
    assert_eq!(
        emulate::with_guest(&mut td, || unsafe { guest::tdvmcall_rdmsr(MSR) }),
        Ok(0xFEE0_0900)
    );
}

fn round_trips(c: &mut Criterion) {
    let mut g = c.benchmark_group("tdvmcall_round_trip");
    g.bench_function("bare_signal", |b| {
        with_bare_handler(|| b.iter(rdmsr));
    });
    let mut td = trivial_td();
    g.bench_function("emulated_trivial_vmm", |b| {
        emulate::with_guest(&mut td, || b.iter(rdmsr));
    });
    let mut td = ghci_td();
    g.bench_function("emulated_ghci_vmm", |b| {
        emulate::with_guest(&mut td, || b.iter(rdmsr));
    });
    g.finish();
}

criterion_group!(benches, round_trips);

/// The median of one benchmark from criterion's saved estimates.
fn median_ns(name: &str) -> Option<f64> {
    let dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::PathBuf::from("target"));
    let path = dir
        .join("criterion/tdvmcall_round_trip")
        .join(name)
        .join("new/estimates.json");
    let text = std::fs::read_to_string(path).ok()?;
    let median = &text[text.find("\"median\"")?..];
    let pe = &median[median.find("\"point_estimate\":")? + 17..];
    let end = pe.find([',', '}'])?;
    pe[..end].trim().parse().ok()
}

/// Alternates batches of the three round trips, so that load from other
/// work on the machine hits them alike; each one's median time per call
/// over the rounds, in nanoseconds.
fn interleaved() -> [f64; 3] {
    const ROUNDS: usize = 15;
    const CALLS: u32 = 20_000;
    let mut trivial = trivial_td();
    let mut ghci = ghci_td();
    let mut per_call: [Vec<f64>; 3] = Default::default();
    let time = |f: &mut dyn FnMut()| {
        let start = std::time::Instant::now();
        f();
        start.elapsed().as_nanos() as f64 / f64::from(CALLS)
    };
    fn emulated(td: &mut impl GuestModule) {
        emulate::with_guest(td, || {
            for _ in 0..CALLS {
                rdmsr();
            }
        });
    }
    for _ in 0..ROUNDS {
        per_call[0].push(time(&mut || {
            with_bare_handler(|| {
                for _ in 0..CALLS {
                    rdmsr();
                }
            })
        }));
        per_call[1].push(time(&mut || emulated(&mut trivial)));
        per_call[2].push(time(&mut || emulated(&mut ghci)));
    }
    per_call.map(|mut v| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    })
}

fn main() {
    // The emulator's handlers first, so that the bare handler's restore
    // puts them back.
    emulate::install();
    check();
    if std::env::var_os("SEAMCALL_BENCH_INTERLEAVED_ONLY").is_none() {
        benches();
        Criterion::default().configure_from_args().final_summary();
        let bare = median_ns("bare_signal");
        for name in ["emulated_trivial_vmm", "emulated_ghci_vmm"] {
            if let (Some(b), Some(e)) = (bare, median_ns(name)) {
                println!(
                    "{name}: median {e:.0} ns vs bare_signal {b:.0} ns: ratio {:.2}",
                    e / b
                );
            }
        }
    }
    let [bare, trivial, ghci] = interleaved();
    println!(
        "interleaved medians: bare_signal {bare:.0} ns, emulated_trivial_vmm {trivial:.0} ns \
         (ratio {:.2}), emulated_ghci_vmm {ghci:.0} ns (ratio {:.2})",
        trivial / bare,
        ghci / bare
    );
    if let Some(path) = std::env::var_os("SEAMCALL_BENCH_GUEST_EMULATE_TSV") {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .expect("the TSV file can be opened");
        writeln!(f, "{bare:.1}\t{trivial:.1}\t{ghci:.1}").expect("the TSV file can be written");
    }
}
