//! The TDG.VP.VMCALL exposure mask: which registers the VMM sees and may
//! change, as RCX encodes it (`seamcall_abi::vmcall`, the rule
//! `#[tdvmcall]` applies while it expands).
//!
//! RCX bits 15:0 are GPR_SELECT, bit n for GPR n in the order RAX = 0,
//! RCX = 1, RDX = 2, RBX = 3, RSP = 4, RBP = 5, RSI = 6, RDI = 7, R8-R15 =
//! 8-15; bits 31:16 are XMM_SELECT, bit 16 + n for XMMn; bits 63:32 are
//! reserved (intel/tdx-module `include/tdx_api_defs.h` at 72d8cffb,
//! `tdvmcall_control_t` and `gprs_state_t`). The module refuses the call
//! with `TDX_OPERAND_INVALID` on RCX when bit 0, 1 or 4 is set, or bit 5
//! while the TD runs with `NO_RBP_MOD` (which KVM always sets).

pub use seamcall_abi::vmcall::*;
