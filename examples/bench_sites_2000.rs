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

fn main() {
    sites::run(
        filler_0::keep()
            + filler_1::keep()
            + filler_2::keep()
            + filler_3::keep()
            + filler_4::keep()
            + filler_5::keep()
            + filler_6::keep()
            + filler_7::keep()
            + filler_8::keep()
            + filler_9::keep()
            + filler_10::keep()
            + filler_11::keep()
            + filler_12::keep()
            + filler_13::keep()
            + filler_14::keep()
            + filler_15::keep()
            + filler_16::keep()
            + filler_17::keep()
            + filler_18::keep()
            + filler_19::keep(),
    );
}
