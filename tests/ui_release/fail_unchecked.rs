//! `unchecked` is necessary exactly where no audited release covers the
//! leaf at that version. TDH.VP.INIT version 1 is covered now (modules
//! 1.5.25 and 2.0.18 write RAX alone; 1.5.01 rejects it writing RAX alone),
//! so `unchecked` is refused there; TDH.EXPORT.MEM version 1 is accepted by
//! 1.5.34 and 2.0.18, whose handlers were not audited, so it needs it.
use seamcall_core::{seamcall, SeamcallError};

#[seamcall(leaf = 22, version = 1, in = [rcx, rdx, r8], unchecked)]
unsafe fn tdh_vp_init(tdvpr: u64, initial_rcx: u64, x2apic_id: u64) -> Result<(), SeamcallError>;

#[seamcall(leaf = 68, version = 1, in = [rcx, rdx], out = [rcx, rdx])]
unsafe fn tdh_export_mem_v1(a: u64, b: u64) -> Result<(u64, u64), SeamcallError>;

// An input no audited release reads is still refused: TDH.VP.INIT version 0
// does not read R8 (the x2APIC ID is a version-1 operand).
#[seamcall(leaf = 22, in = [rcx, rdx, r8])]
unsafe fn tdh_vp_init_v0(tdvpr: u64, initial_rcx: u64, x2apic_id: u64) -> Result<(), SeamcallError>;

fn main() {}
