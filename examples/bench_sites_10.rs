//! The emulated call in a binary with 10 `SEAMCALL` sites (the measured
//! leaf and 9 fillers); see `benches/support/sites.rs`. Run by
//! `scripts/bench.sh`, or:
//!
//! ```text
//! cargo run --release --example bench_sites_10
//! ```

#![allow(unused_macros)]

#[macro_use]
#[path = "../benches/support/sites.rs"]
mod sites;

binary! {
    sites_9!(filler_0);
}
