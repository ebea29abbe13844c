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

#[path = "support/round_trip.rs"]
mod round_trip;
use round_trip::{median_ns, with_bare_handler, CALLS};

use criterion::{criterion_group, Criterion};
use seamcall_core::emulate;
use seamcall_core::emulate::vmm::{GhciVmm, VmcallExit, VmcallOnly};
use seamcall_core::guest;

const MSR: u32 = 0x1B;
/// The criterion group.
const GROUP: &str = "tdvmcall_round_trip";

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
    let mut g = c.benchmark_group(GROUP);
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

/// The three round trips, interleaved (see [`round_trip::interleaved`]).
fn interleaved() -> [f64; 3] {
    let mut trivial = trivial_td();
    let mut ghci = ghci_td();
    let calls = || {
        for _ in 0..CALLS {
            rdmsr();
        }
    };
    round_trip::interleaved([
        &mut || with_bare_handler(calls),
        &mut || emulate::with_guest(&mut trivial, calls),
        &mut || emulate::with_guest(&mut ghci, calls),
    ])
}

fn main() {
    // The emulator's handlers first, so that the bare handler's restore
    // puts them back.
    emulate::install();
    check();
    if std::env::var_os("SEAMCALL_BENCH_INTERLEAVED_ONLY").is_none() {
        benches();
        Criterion::default().configure_from_args().final_summary();
        let bare = median_ns(GROUP, "bare_signal");
        for name in ["emulated_trivial_vmm", "emulated_ghci_vmm"] {
            if let (Some(b), Some(e)) = (bare, median_ns(GROUP, name)) {
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
