//! The emulated call in a binary with 2000 `SEAMCALL` sites (the measured
//! leaf and 1999 fillers); see `benches/support/sites.rs`. Run by
//! `scripts/bench.sh`, or:
//!
//! ```text
//! cargo run --release --example bench_sites_2000
//! ```

#![allow(unused_macros)]

#[macro_use]
#[path = "../benches/support/sites.rs"]
mod sites;

binary! {
    sites_1000!(filler_0);
    sites_100!(filler_1);
    sites_100!(filler_2);
    sites_100!(filler_3);
    sites_100!(filler_4);
    sites_100!(filler_5);
    sites_100!(filler_6);
    sites_100!(filler_7);
    sites_100!(filler_8);
    sites_100!(filler_9);
    sites_10!(filler_10);
    sites_10!(filler_11);
    sites_10!(filler_12);
    sites_10!(filler_13);
    sites_10!(filler_14);
    sites_10!(filler_15);
    sites_10!(filler_16);
    sites_10!(filler_17);
    sites_10!(filler_18);
    sites_9!(filler_19);
}
