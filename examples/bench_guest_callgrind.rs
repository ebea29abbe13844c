//! Instruction counts for the guest benchmark variants: run one variant `N`
//! times, under callgrind.
//!
//! ```text
//! RUSTFLAGS="--cfg seamcall_stub" cargo build --release --example bench_guest_callgrind
//! valgrind --tool=callgrind target/release/examples/bench_guest_callgrind rdmsr/inline/macro 100000
//! bench_guest_callgrind --list
//! ```
//!
//! The difference between the totals of two runs with different `N`, divided
//! by the difference in `N`, is the count per call: start-up and exit cancel
//! out. `scripts/bench_guest.sh` does this for every variant.

#[path = "../benches/support/guest_variants.rs"]
mod variants;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--list") {
        for v in variants::VARIANTS {
            println!("{}", v.id());
        }
        return;
    }
    if !variants::STUB {
        eprintln!("error: {}", variants::NEED_STUB);
        std::process::exit(1);
    }
    let (Some(id), Some(n)) = (args.get(1), args.get(2).and_then(|n| n.parse::<u64>().ok())) else {
        eprintln!("usage: bench_guest_callgrind VARIANT ITERATIONS | --list");
        std::process::exit(2);
    };
    let Some(v) = variants::VARIANTS.iter().find(|v| v.id() == *id) else {
        eprintln!("unknown variant {id}; --list prints them");
        std::process::exit(2);
    };
    (v.run)(n);
}
