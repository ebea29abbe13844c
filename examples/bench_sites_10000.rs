//! The emulated call in a binary with 10000 `SEAMCALL` sites (the measured
//! leaf and 9999 fillers); see `benches/support/sites.rs`. Run by
//! `scripts/bench.sh`, or:
//!
//! ```text
//! cargo run --release --example bench_sites_10000
//! ```

#![allow(unused_macros)]

#[macro_use]
#[path = "../benches/support/sites.rs"]
mod sites;

binary! {
    sites_1000!(filler_0);
    sites_1000!(filler_1);
    sites_1000!(filler_2);
    sites_1000!(filler_3);
    sites_1000!(filler_4);
    sites_1000!(filler_5);
    sites_1000!(filler_6);
    sites_1000!(filler_7);
    sites_1000!(filler_8);
    sites_100!(filler_9);
    sites_100!(filler_10);
    sites_100!(filler_11);
    sites_100!(filler_12);
    sites_100!(filler_13);
    sites_100!(filler_14);
    sites_100!(filler_15);
    sites_100!(filler_16);
    sites_100!(filler_17);
    sites_10!(filler_18);
    sites_10!(filler_19);
    sites_10!(filler_20);
    sites_10!(filler_21);
    sites_10!(filler_22);
    sites_10!(filler_23);
    sites_10!(filler_24);
    sites_10!(filler_25);
    sites_10!(filler_26);
    sites_9!(filler_27);
}
