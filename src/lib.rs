//! Support code shared by the workspace's examples, tests and benchmarks.
//! Not published; nothing here is part of seamcall's API.

pub mod bench;
pub mod callee_saved;
pub mod disasm;
pub mod guest_style;
pub mod linux_style;
pub mod shapes;
pub mod sites;
pub mod vendored;
