//! Many `#[seamcall]` sites in one binary, for the benchmark of the
//! emulated call against the size of the exception table
//! (`examples/bench_sites_*.rs`, run by `scripts/bench.sh`).
//!
//! `sites_1000!(name)` declares a module of 1,000 leaves, `sites_10!(name)`
//! one of 10, `sites_9!(name)` one of 9: distinct functions, never called,
//! whose addresses a static table holds, so that each is compiled and its
//! two exception-table entries are linked. `keep()` reads those tables
//! through `black_box` and returns how many functions they hold.

/// A filler leaf's type.
pub type Leaf = unsafe fn(u64, u64) -> Result<u64, SeamcallError>;

use seamcall_core::{seamcall, SeamcallError};

macro_rules! leaves {
    ($($f:ident $k:literal)*) => {
        #[seamcall(leaf = 11, in = [rcx, rdx], out = [r8])]
        #[inline(always)]
        unsafe fn site(tdr: u64, field: u64) -> Result<u64, SeamcallError>;

        // Identical functions would be merged into one (LLVM's
        // MergeFunctions, on by default in rustc), and with them their
        // SEAMCALL sites: each filler differs by the address of this
        // module's own static and by its own constant.
        static TAG: u8 = 0;

        $(
            /// A filler leaf: the declared leaf inlined, so each has its own
            /// SEAMCALL and table entries.
            ///
            /// # Safety
            ///
            /// As for any leaf: never called here.
            #[inline(never)]
            pub unsafe fn $f(tdr: u64, field: u64) -> Result<u64, SeamcallError> {
                let tag = core::ptr::addr_of!(TAG) as u64 ^ $k;
                unsafe { site(tdr, field ^ tag) }
            }
        )*
        pub static LEAVES: &[$crate::sites::Leaf] = &[$($f),*];
        pub fn keep() -> usize {
            std::hint::black_box(LEAVES).len()
        }
    };
}

macro_rules! sites_9 {
    ($m:ident) => {
        pub mod $m {
            use seamcall_core::{seamcall, SeamcallError};
            leaves!(f0 0 f1 1 f2 2 f3 3 f4 4 f5 5 f6 6 f7 7 f8 8);
        }
    };
}

macro_rules! sites_10 {
    ($m:ident) => {
        pub mod $m {
            use seamcall_core::{seamcall, SeamcallError};
            leaves!(f0 0 f1 1 f2 2 f3 3 f4 4 f5 5 f6 6 f7 7 f8 8 f9 9);
        }
    };
}

macro_rules! group {
    ($m:ident, $inner:ident) => {
        pub mod $m {
            $inner!(g0);
            $inner!(g1);
            $inner!(g2);
            $inner!(g3);
            $inner!(g4);
            $inner!(g5);
            $inner!(g6);
            $inner!(g7);
            $inner!(g8);
            $inner!(g9);
            pub fn keep() -> usize {
                g0::keep()
                    + g1::keep()
                    + g2::keep()
                    + g3::keep()
                    + g4::keep()
                    + g5::keep()
                    + g6::keep()
                    + g7::keep()
                    + g8::keep()
                    + g9::keep()
            }
        }
    };
}

macro_rules! sites_100 {
    ($m:ident) => {
        group!($m, sites_10);
    };
}

macro_rules! sites_1000 {
    ($m:ident) => {
        group!($m, sites_100);
    };
}

/// A benchmark binary's filler modules and its `main`: each
/// `sites_N!(name);` line declares a module, and `main` runs [`run`] with
/// the number of leaves all of them hold.
macro_rules! binary {
    ($($m:ident!($name:ident);)*) => {
        $($m!($name);)*

        fn main() {
            crate::sites::run(0 $(+ $name::keep())*);
        }
    };
}

/// The measured leaf.
#[seamcall(leaf = 11, in = [rcx, rdx], out = [r8])]
#[inline(never)]
pub unsafe fn measured(tdr: u64, field: u64) -> Result<u64, SeamcallError>;

/// Median over `rounds` of the time per iteration of `f`, run `iters`
/// times per round, in nanoseconds.
fn median_ns(rounds: usize, iters: u32, mut f: impl FnMut()) -> f64 {
    let mut v: Vec<f64> = (0..rounds)
        .map(|_| {
            let t = std::time::Instant::now();
            for _ in 0..iters {
                f();
            }
            t.elapsed().as_nanos() as f64 / f64::from(iters)
        })
        .collect();
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// The benchmark of one binary: `fillers` is what the filler modules'
/// `keep()` returned.
///
/// * `bench_sites_N`: prints one tab-separated line: sites, table entries,
///   the measured leaf's position in the section, the emulated call (median
///   ns), and one lookup of its RIP by `extable::search` (linear) and by an
///   `extable::Index` (binary search), in ns;
/// * `bench_sites_N calls ITERATIONS`: only makes that many emulated calls
///   (for callgrind, which `scripts/bench.sh` runs twice and differences).
pub fn run(fillers: usize) {
    use seamcall_core::emulate::{self, Outcome, Regs};
    use seamcall_core::extable::{self, Index, IndexEntry};
    use std::hint::black_box;

    let mut null = |regs: &mut Regs| {
        regs.r8 = regs.rcx;
        regs.rax = 0;
        Outcome::Return
    };
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("calls") {
        let n: u64 = args.get(2).and_then(|n| n.parse().ok()).expect("calls N");
        emulate::with_module(&mut null, || {
            for i in 0..n {
                assert_eq!(unsafe { measured(black_box(i), 1) }, Ok(i));
            }
        });
        return;
    }

    emulate::install();
    let entries = extable::entries();
    // The measured leaf's SEAMCALL: the first table entry after its entry
    // point (it is `#[inline(never)]`, and its only instruction is that one).
    let start = measured as *const () as u64;
    let (position, rip) = entries
        .iter()
        .enumerate()
        .filter(|(_, e)| e.vector() != u32::MAX && e.insn() >= start)
        .min_by_key(|(_, e)| e.insn())
        .map(|(i, e)| (i, e.insn()))
        .expect("the measured leaf is in the table");
    let sites = extable::index_len() / 2;
    assert_eq!(sites, fillers + 1, "every filler has its own site");

    let mut buf = vec![IndexEntry::EMPTY; extable::index_len()];
    let index = Index::build(&mut buf).unwrap();
    assert_eq!(index.search(rip, 6), extable::search(rip, 6));

    // Interleaved with the lookups, round by round, so that machine load
    // hits all three alike.
    const ROUNDS: usize = 15;
    let mut emulated = Vec::new();
    let mut linear = Vec::new();
    let mut indexed = Vec::new();
    for _ in 0..ROUNDS {
        emulate::with_module(&mut null, || {
            emulated.push(median_ns(1, 20_000, || {
                let _ = black_box(unsafe { measured(black_box(0x1000), black_box(1)) });
            }));
        });
        linear.push(median_ns(1, 2_000, || {
            black_box(extable::search(black_box(rip), 6));
        }));
        indexed.push(median_ns(1, 200_000, || {
            black_box(index.search(black_box(rip), 6));
        }));
    }
    let med = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    println!(
        "{sites}\t{}\t{position}\t{:.1}\t{:.1}\t{:.2}",
        entries.len(),
        med(emulated),
        med(linear),
        med(indexed)
    );
}
