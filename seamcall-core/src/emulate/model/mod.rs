//! A software model of the TDX module, host side.
//!
//! [`Model`] answers the host leaves a hypervisor uses to bring the TDX
//! module up and to build, run and tear down a TD, with the state machine
//! and status codes of the TDX module, as the [`Release`] it is given
//! behaves (the newest audited one, 2.0.18, unless
//! [`Model::with_release`] says otherwise):
//!
//! | phase | leaves |
//! |---|---|
//! | module init | TDH.SYS.INIT, SYS.LP.INIT, SYS.CONFIG (versions 0 and 1), SYS.KEY.CONFIG, SYS.TDMR.INIT, SYS.RD |
//! | Dynamic PAMT | TDH.PHYMEM.PAMT.ADD, PHYMEM.PAMT.REMOVE |
//! | TD build | TDH.MNG.CREATE, MNG.KEY.CONFIG, MNG.ADDCX, MNG.INIT, VP.CREATE, VP.ADDCX, VP.INIT (versions 0 and 1), MEM.SEPT.ADD, MEM.PAGE.ADD, MR.EXTEND, MR.FINALIZE |
//! | running | TDH.VP.ENTER, running the vCPU's [`GuestScript`] (without one the TD exits at once) |
//! | runtime memory | TDH.MEM.PAGE.AUG, MEM.RANGE.BLOCK, MEM.TRACK, MEM.PAGE.REMOVE |
//! | metadata | TDH.MNG.RD, VP.RD, VP.WR, PHYMEM.PAGE.RDMD |
//! | teardown | TDH.VP.FLUSH, MNG.VPFLUSHDONE, PHYMEM.CACHE.WB, MNG.KEY.FREEID, PHYMEM.PAGE.RECLAIM |
//!
//! What it tracks:
//!
//! * **Page ownership** (the PAMT): every 4 KiB physical page inside an
//!   initialized TDMR is free (`PT_NDA`) or belongs to exactly one TD object
//!   as a TDR, TDCX, TDVPR, S-EPT or regular page, until it is removed or
//!   reclaimed. Using a page twice, a page of the wrong type, or one outside
//!   the TDMRs fails with the module's status and operand id.
//! * **TD lifecycle** (TDR: HKID assigned → keys configured → blocked →
//!   teardown) and **operation state** (TDCS: uninitialized → initialized →
//!   runnable), the key ownership table, vCPU state and association.
//! * **The guest** of each vCPU ([`Model::set_guest`]): a [`GuestScript`]
//!   (a closure or a sequence of [`Exit`]s) that TDH.VP.ENTER runs until it
//!   exits with TDG.VP.VMCALL, an EPT violation, HLT (as the VMCALL a TD
//!   makes for it), an external interrupt or a triple fault; the model
//!   answers with the registers the module returns on that exit path, keeps
//!   the vCPU's registers across entries (the host's answer to a VMCALL
//!   reaches the guest, [`Resume`]), and disables a vCPU that triple
//!   faulted (table below).
//! * **S-EPT mappings**: the S-EPT pages added per level, 4 KiB leaves in
//!   state mapped, pending (augmented, not yet accepted) or blocked, and the
//!   TLB-tracking epoch that removal waits for.
//! * **MRTD**: SHA-384 extended, as the module does, by MEM.PAGE.ADD with a
//!   128-byte block holding `"MEM.PAGE.ADD"` and the GPA, and by MR.EXTEND
//!   with a block holding `"MR.EXTEND"` and the GPA followed by the 256-byte
//!   chunk; MR.FINALIZE closes it, MNG.RD reads it at its architectural ID
//!   ([`fields::td::MRTD`](crate::fields::td::MRTD)).
//! * **Metadata**: TDH.SYS.RD and TDH.MNG.RD find every host-readable field
//!   of the global and TD tables of [`fields`](crate::fields) (generated
//!   from `tests/data/tdx-abi/fields.tsv`) at its architectural ID, with the
//!   module's lookup rule and statuses; a field the release's table lacks is
//!   `TDX_METADATA_FIELD_ID_INCORRECT`, never a value. Fields whose state
//!   the model does not keep read as 0.
//! * **Fault injection**: [`Model::inject`] scripts a status
//!   (`RND_NO_ENTROPY`, `OPERAND_BUSY`, …), VMfailInvalid, #UD or #GP on a
//!   chosen call.
//!
//! Where the releases differ (`tests/data/tdx-abi/writes.tsv`,
//! `writes-2.0.tsv`), the model follows its release:
//!
//! | | 1.5.01 | 1.5.25, 1.5.34 | 2.0.18 |
//! |---|---|---|---|
//! | TDH.VP.INIT version 1 (x2APIC ID in R8) | `TDX_OPERAND_INVALID` (RAX), RAX alone | accepted | accepted |
//! | TDH.SYS.CONFIG R8 | the HKID; bit 16 set is out of range | option word: HKID, bit 16 Dynamic PAMT | as 1.5.25 |
//! | TDH.SYS.CONFIG version 1 (R9 features, R10 reserved) | refused (RAX) | 1.5.34 only | accepted |
//! | TDH.PHYMEM.PAMT.ADD/REMOVE | no such leaf (RAX) | with Dynamic PAMT on | as 1.5.25 |
//! | RBP after TDH.VP.ENTER's asynchronous exit (interrupt, EPT violation, triple fault) | zeroed | zeroed unless the TD set `CONFIG_FLAGS.NO_RBP_MOD` | as 1.5.25 |
//! | RBP after TDH.VP.ENTER's emulated EPT violation (zero-step filter) | untouched | zeroed unless `NO_RBP_MOD` | as 1.5.25 |
//! | RBP after TDH.VP.ENTER's TDG.VP.VMCALL exit | the guest's if selected, else zeroed unless `NO_RBP_MOD` | as 1.5.01 | as 1.5.01 |
//! | metadata fields | the 1.5.01 tables | the 1.5.06 tables | the 1.5.06 tables and the 2.0 additions |
//! | module version (TDH.SYS.RD) | 1.5.01 | 1.5.25, 1.5.34 | 2.0.18 |
//!
//! TDH.VP.ENTER's exits, as the module's exit paths write them (the
//! `TDH.VP.ENTER` rows of `tests/data/tdx-abi/writes.tsv` and
//! `writes-2.0.tsv`; RBX, RSI, RDI and R10–R15 are 0 unless the row says
//! otherwise; RBP as in the table above):
//!
//! | guest's [`Exit`] | RAX | RCX | RDX | R8 | R9 |
//! |---|---|---|---|---|---|
//! | `Vmcall` (and `Hlt`: R10 = 0, R11 = 12, R12 = interrupts blocked) | 77 | GPR_SELECT, XMM_SELECT | the guest's value if GPR_SELECT selects it, else 0 (so are RBX, RSI, RDI, R10–R15) | as RDX | as RDX |
//! | `EptViolation` exiting (not mapped, blocked, shared, or pending with `TD_CTLS.PENDING_VE_DISABLE`) | 48 | qualification, bits 12:7 cleared | 6 for a pending page, else 0 | GPA, bits 11:0 cleared | 0 |
//! | `ExternalInterrupt` | 1 | 0 | 0 | 0 | interruption information (bit 31, vector) |
//! | `TripleFault` | `TDX_NON_RECOVERABLE_VCPU` \| 2 | 0 | 0 | 0 | 0 |
//! | no script, or its end | 1 | 0 | 0 | 0 | 0 |
//! | the zero-step filter's emulated EPT violation (after 6 exits at one instruction, while the GPA would fault again; the guest does not run) | 48 | 2 (a write) | 0 | GPA, bits 11:0 cleared | 0 |
//!
//! A TDG.VP.VMCALL with a mask the module refuses (GPR_SELECT bit 0, 1, 4,
//! bit 5 under `NO_RBP_MOD`, RCX bits 63:32) returns `TDX_OPERAND_INVALID`
//! (RCX) to the guest without an exit; an access to a mapped page, or to a
//! pending one without `TD_CTLS.PENDING_VE_DISABLE` (a #VE), does not exit either.
//! After a triple fault TDH.VP.ENTER of that vCPU fails with
//! `TDX_VCPU_STATE_INCORRECT`.
//!
//! The model answers exactly the registers its release may write for each
//! leaf (the release's audit in [`ABI`](crate::leaves::ABI)), including the
//! ones the module zeroes on entry, and no others; every other register
//! comes back unchanged.
//!
//! Physical memory: the memory a call reads by physical address (the TDMR
//! list for SYS.CONFIG, TD_PARAMS for MNG.INIT, the source page of
//! MEM.PAGE.ADD, the TD pages MR.EXTEND measures) and the TD pages it
//! writes (zeroed by MNG.CREATE, ADDCX, VP.CREATE, SEPT.ADD, PAGE.AUG,
//! REMOVE and RECLAIM, filled by PAGE.ADD) are the process's own memory
//! where a [`PhysWindow`] mapped with [`Model::map_window`] covers them, and
//! the model's sparse [`HostMemory`] elsewhere. A read of a byte outside
//! every window and never written to the `HostMemory` has no answer the
//! module would give (it would read whatever lay there): the model panics
//! with a message naming the leaf and the address ([`MemError`]); under
//! [`with_module`](super::with_module) that `SEAMCALL` fails with
//! VMfailInvalid and the panic reaches the test when the closure returns.
//! Physical addresses are 46 bits wide; bits 51:46 are the key id, ids
//! 32–63 are private (TDX) key ids.
//!
//! Logical processors: a [`Model`] used directly is a module for one
//! logical processor, the thread that installs it. [`Shared`]
//! ([`Model::into_shared`]) is one model for several: each thread plays an
//! LP through its [`Lp`] handle, with its own TDH.SYS.LP.INIT state and its
//! vCPU associations (`TDX_VCPU_ASSOCIATED` on another LP, VP.FLUSH where
//! the vCPU ran), and every leaf first tries the module's locks it needs
//! (TDR, TDCS operation state, S-EPT tree and entry, PAMT entries, TD
//! epoch, key table; the table is on [`Lock`]), answering
//! `TDX_OPERAND_BUSY` with the lock's operand id when another LP holds one,
//! as the module does, instead of waiting; a panic on one LP leaves the
//! others running.
//!
//! Simplifications, each visible in the status a call gets: one package; a
//! shared model's leaves hold the module's locks, but their bodies run one
//! at a time under one mutex, and the module-global lock (`TDX_SYS_BUSY`),
//! the PAMT's 1 GiB and 2 MiB entries and VP.ENTER's single-step S-EPT lock
//! are not modelled; 4 KiB leaf mappings only (so no
//! TDH.MEM.PAGE.PROMOTE or DEMOTE, and none of PROMOTE's R12/R13 freed PAMT
//! pages), a guest only as a script of exits (no instructions run, no XMM
//! state travels with a TDG.VP.VMCALL, no L2 VMs, no IMM_RESUME_HINT;
//! without a script TDH.VP.ENTER returns an asynchronous exit on an
//! external interrupt at once), no migration, no module update, no
//! TDH.SYS.INIT or SYS.UPDATE version 1.
//! Leaves the model does not implement fail with `TDX_OPERAND_INVALID`
//! (operand RAX), as the module answers an unknown leaf.
//!
//! # The guest side
//!
//! The same model answers the TDCALLs of a TD's vCPUs, from the state the
//! host's leaves built: [`Model::tdcall`] answers one, [`Model::vcpu`]
//! gives the [`GuestVcpu`] that [`with_guest`](super::with_guest) installs
//! so that the guest catalog (`seamcall_core::guest::tdg_*`) runs against
//! it, and [`TdConfig`] builds a runnable TD on a fresh model (the host
//! flow, dispatched directly) for tests of guest code alone ([`BuiltTd`]:
//! the model, TDR, TDVPRs, the window its pages lie in, GPA helpers).
//!
//! | leaf | what the model does |
//! |---|---|
//! | TDG.VP.VMCALL (0) | [`vmm::vp_vmcall`](super::vmm::vp_vmcall) with the TD's `CONFIG_FLAGS.NO_RBP_MOD` and the [`Vmm`](super::vmm::Vmm) given |
//! | TDG.VP.INFO (1) | GPA width, ATTRIBUTES, NUM_VCPUS \| MAX_VCPUS << 32, VCPU_INDEX from TD_PARAMS and the build; R10 = 1 (TDG.SYS.RD), R11 = 0 |
//! | TDG.MR.RTMR.EXTEND (2) | RTMR = SHA-384(RTMR ‖ 48 bytes at a 64-byte-aligned private GPA); misaligned or shared GPA: operand RCX, index > 3: RDX |
//! | TDG.VP.VEINFO.GET (3) | the #VE information the model recorded (then cleared), else `TDX_NO_VALID_VE_INFO` with zeros; version 1 from 1.5.34 |
//! | TDG.MR.REPORT (4) | a 1024-byte TDREPORT_STRUCT in the architectural layout (below) at a 1024-aligned GPA; operands RCX, RDX, R8 (sub-type) |
//! | TDG.VP.CPUIDVE.SET (5) | the two #VE-on-CPUID bits kept ([`Model::cpuid_ve`]); bits 63:2: operand RCX |
//! | TDG.MEM.PAGE.ACCEPT (6) | pending → mapped and zeroed at 4 KiB and 2 MiB; `TDX_PAGE_ALREADY_ACCEPTED` and `TDX_PAGE_SIZE_MISMATCH` with the level in bits 31:0; 1 GiB: operand RCX |
//! | TDG.VM.RD/WR (7, 8), TDG.VP.RD/WR (9, 10), TDG.SYS.RD (11) | the guest read and write masks of `tests/data/tdx-abi/fields.tsv`; TDG.VM.RD version 1 and TDG.VP.RD/SYS.RD give the next field |
//!
//! The dispatcher rejects RAX bits 63:24, a version the leaf lacks and
//! every other leaf with `TDX_OPERAND_INVALID` (operand RAX), writing RAX
//! alone; each leaf writes only the registers the guest ABI table
//! ([`crate::guest::abi`]) lists for it (checked as the host side checks
//! its own). What the host did shows at once: TDG.MR.REPORT carries the
//! MRTD of the host's build, pages TDH.MEM.PAGE.AUG added are pending
//! until the guest accepts them (then [`Model::mapping`] reports them
//! usable), TD fields the guest writes (`TD_CTLS`) read back through
//! TDH.MNG.RD, and so do the RTMRs (debug TDs only: RTMR's production read
//! mask is 0).
//!
//! TDREPORT_STRUCT (intel/tdx-module `include/tdx_api_defs.h` at 72d8cffb,
//! `td_report_t`): REPORTMACSTRUCT at 0 (REPORTTYPE 0x81 at 0, CPUSVN at
//! 16, TEE_TCB_INFO_HASH at 32, TEE_INFO_HASH at 80, REPORTDATA at 128, MAC
//! at 224), TEE_TCB_INFO at 256, TDINFO at 512 (ATTRIBUTES 512, XFAM 520,
//! MRTD 528, MRCONFIGID 576, MROWNER 624, MROWNERCONFIG 672, RTMR0–3 720,
//! 768, 816, 864, SERVTD_HASH 912). The hashes are SHA-384 of TEE_TCB_INFO
//! and of TDINFO; the MAC is the model's own, not the CPU's: the first 32
//! bytes of SHA-384([`TDREPORT_MAC_KEY`] ‖ bytes 0–223), with a public
//! key, so a model report authenticates nothing.
//!
//! Simplifications: the model keeps 4 KiB S-EPT leaves only, so a 2 MiB
//! page is a 2 MiB range whose 512 leaves are all pending (the host
//! augmented it whole) for an accept, and a range accepted whole by a
//! 2 MiB accept answers `TDX_PAGE_ALREADY_ACCEPTED` at level 1; any other
//! 4 KiB-mapped range is `TDX_PAGE_SIZE_MISMATCH` at level 1, as on the
//! module. The RTMR lock is contended only on a [`Shared`] model (a
//! [`SharedVcpu`] finds it held by another vCPU or a test's hold:
//! `TDX_OPERAND_BUSY` with operand id RTMR); the guest-side S-EPT entry
//! lock of an accept is not modelled, and interrupts, which restart a
//! 2 MiB accept or a report, do not occur.
//! MRCONFIGID, MROWNER, MROWNERCONFIG (the host model reads the first 64
//! bytes of TD_PARAMS), CPUSVN and SERVTD_HASH are zero. A shared GPA
//! maps to the host physical address with the shared bit cleared (the
//! VMM's shared EPT as the identity). A TDCALL the module would not
//! complete (an EPT-violation TD exit, or a #VE for a pending page of a TD
//! whose `TD_CTLS.PENDING_VE_DISABLE` is 0) is a [`GuestStop`]:
//! [`Model::tdcall`] returns it and records it ([`Model::guest_stop`],
//! and the #VE information for TDG.VP.VEINFO.GET), and [`GuestVcpu`]
//! panics with it, since guest code cannot go on past it. A vCPU that
//! cannot run (no vCPU there, TD not runnable) gets #UD, as outside a TD.

mod build;
pub mod codes;
mod enter;
mod guest;
mod locks;
mod lookup;
mod memory;
mod meta;
mod pamt;
mod script;
mod sept;
mod shared;
mod sys;
mod teardown;
mod window;

use std::collections::{BTreeMap, BTreeSet};

use sha2::{Digest, Sha384};

/// The module release the model behaves as (`seamcall_abi::Release`).
pub use crate::leaves::abi::Release;
pub use guest::{
    BuiltTd, GpaError, GuestStop, GuestVcpu, TdBuildError, TdConfig, TDREPORT_MAC_KEY,
};
pub use locks::Lock;
pub use memory::{HostMemory, MemError};
pub use script::{sequence, Cause, Exit, GpaState, Gprs, GuestScript, NoVcpu, Resume, Sequence};
pub use shared::{Hold, Lp, LpError, Pause, Shared, SharedVcpu};
pub use window::{PhysWindow, WindowError};

use memory::PhysMem;

use super::leaf_names::row_of;
use super::{Module, Outcome, Reg, Regs};
use crate::error::Trap;
use crate::leaves::{LeafWord, RegSet};
use crate::status::{OperandId, TdxStatus};
use crate::types::{SeptEntry, SeptLevel};

/// Leaf numbers of the leaves the model implements.
pub mod leaf {
    #![allow(missing_docs)]
    pub const VP_ENTER: u16 = 0;
    pub const MNG_ADDCX: u16 = 1;
    pub const MEM_PAGE_ADD: u16 = 2;
    pub const MEM_SEPT_ADD: u16 = 3;
    pub const VP_ADDCX: u16 = 4;
    pub const MEM_PAGE_AUG: u16 = 6;
    pub const MEM_RANGE_BLOCK: u16 = 7;
    pub const MNG_KEY_CONFIG: u16 = 8;
    pub const MNG_CREATE: u16 = 9;
    pub const VP_CREATE: u16 = 10;
    pub const MNG_RD: u16 = 11;
    pub const MR_EXTEND: u16 = 16;
    pub const MR_FINALIZE: u16 = 17;
    pub const VP_FLUSH: u16 = 18;
    pub const MNG_VPFLUSHDONE: u16 = 19;
    pub const MNG_KEY_FREEID: u16 = 20;
    pub const MNG_INIT: u16 = 21;
    pub const VP_INIT: u16 = 22;
    pub const PHYMEM_PAGE_RDMD: u16 = 24;
    pub const VP_RD: u16 = 26;
    pub const PHYMEM_PAGE_RECLAIM: u16 = 28;
    pub const MEM_PAGE_REMOVE: u16 = 29;
    pub const SYS_KEY_CONFIG: u16 = 31;
    pub const SYS_INIT: u16 = 33;
    pub const SYS_RD: u16 = 34;
    pub const SYS_LP_INIT: u16 = 35;
    pub const SYS_TDMR_INIT: u16 = 36;
    pub const MEM_TRACK: u16 = 38;
    pub const PHYMEM_CACHE_WB: u16 = 40;
    pub const VP_WR: u16 = 43;
    pub const SYS_CONFIG: u16 = 45;
    pub const PHYMEM_PAMT_ADD: u16 = 58;
    pub const PHYMEM_PAMT_REMOVE: u16 = 59;
}

/// Width of a physical address without key id bits.
pub const MAX_PA_BITS: u32 = 46;
/// The key ids the model treats as private (TDX) key ids; 1–31 are shared
/// (MKTME) key ids and 0 is the host's.
pub const PRIVATE_HKIDS: core::ops::Range<u16> = 32..64;
/// TDCS pages (TDCX) a TD needs before TDH.MNG.INIT: TDH.SYS.RD field
/// `TDCS_BASE_SIZE` reports `TDCS_PAGES * 4096`.
pub const TDCS_PAGES: usize = 4;
/// TDVPS pages of a vCPU, the TDVPR included: TDH.VP.ADDCX adds
/// `TDVPS_PAGES - 1`, TDH.SYS.RD field `TDVPS_BASE_SIZE` reports
/// `TDVPS_PAGES * 4096`.
pub const TDVPS_PAGES: usize = 6;
/// Maximum number of TDMRs TDH.SYS.CONFIG accepts.
pub const MAX_TDMRS: u64 = 64;
/// Bytes of a TDMR that one TDH.SYS.TDMR.INIT call initializes.
pub const TDMR_INIT_CHUNK: u64 = 1 << 30;

const PAGE: u64 = 4096;

/// Page types of the PAMT, as TDH.PHYMEM.PAGE.RECLAIM and RDMD report them
/// in RCX.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(u8)]
pub enum PageType {
    /// Not assigned to any TD (free).
    Nda = 0,
    /// Reserved.
    Rsvd = 1,
    /// A TD private page.
    Reg = 3,
    /// A TD's root page.
    Tdr = 4,
    /// A TD or vCPU control-structure page.
    Tdcx = 5,
    /// A vCPU's root page.
    Tdvpr = 6,
    /// A Secure EPT page.
    Ept = 8,
}

/// A scripted answer, see [`Model::inject`].
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Inject {
    /// Return this status; no state changes, the leaf's default output
    /// registers are written as the module writes them on entry.
    Status(TdxStatus),
    /// Fail the instruction with VMfailInvalid.
    VmFailInvalid,
    /// Raise this exception.
    Fault(Trap),
}

/// Which call an injection hits, see [`Model::inject`].
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum When {
    /// The `n`-th call made to the model, counting from 0.
    Call(u64),
    /// The `nth` call of leaf `leaf` (counting from 0).
    Leaf {
        /// The leaf number.
        leaf: u16,
        /// Which call of that leaf, counting from 0.
        nth: u64,
    },
    /// Every call of leaf `leaf` from now on, until [`Model::clear_injections`].
    EveryLeaf(u16),
}

/// The module-global state (`sys_state`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum SysState {
    /// Before TDH.SYS.INIT.
    InitPending,
    /// After TDH.SYS.INIT: logical processors initialize, then SYS.CONFIG.
    InitDone,
    /// After TDH.SYS.CONFIG: waiting for TDH.SYS.KEY.CONFIG.
    ConfigDone,
    /// After TDH.SYS.KEY.CONFIG: TD leaves and TDMR initialization run.
    Ready,
}

/// A TD's lifecycle state (TDR).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Lifecycle {
    /// After TDH.MNG.CREATE.
    HkidAssigned,
    /// After TDH.MNG.KEY.CONFIG.
    KeysConfigured,
    /// After TDH.MNG.VPFLUSHDONE.
    Blocked,
    /// After TDH.MNG.KEY.FREEID: pages can be reclaimed.
    Teardown,
}

/// A TD's operation state (TDCS).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum OpState {
    /// TDCS pages added, TDH.MNG.INIT not done.
    Uninitialized,
    /// After TDH.MNG.INIT: build (PAGE.ADD, MR.EXTEND).
    Initialized,
    /// After TDH.MR.FINALIZE.
    Runnable,
}

/// State of a 4 KiB S-EPT leaf entry.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum LeafState {
    /// Mapped and usable (MEM.PAGE.ADD, or AUG accepted).
    Mapped,
    /// Added by MEM.PAGE.AUG, waiting for the guest's accept.
    Pending,
    /// Blocked by MEM.RANGE.BLOCK in TLB epoch `epoch`.
    Blocked { pending: bool, epoch: u64 },
}

/// One S-EPT entry.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Sept {
    /// A non-leaf entry at its level: maps the S-EPT page `hpa` one level
    /// down.
    Table { hpa: u64 },
    /// A 4 KiB leaf: maps the page `hpa`.
    Leaf { hpa: u64, state: LeafState },
}

/// `TD_PARAMS`: the fields of the 1024-byte structure TDH.MNG.INIT reads
/// (RDX) that the model checks and keeps.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct TdParams {
    /// `ATTRIBUTES` (offset 0). Bit 0 is DEBUG: only a debug TD lets the
    /// host read and write guest registers through TDH.VP.RD/WR.
    pub attributes: u64,
    /// `XFAM` (offset 8): x87 and SSE (bits 0 and 1) are required.
    pub xfam: u64,
    /// `MAX_VCPUS` (offset 16), at least 1.
    pub max_vcpus: u16,
    /// `EPTP_CONTROLS` (offset 32): bits 2:0 the memory type (6, write-back),
    /// bits 5:3 the number of S-EPT levels minus 1 (3 or 4).
    pub eptp_controls: u64,
    /// `CONFIG_FLAGS` (offset 40): bit 0 GPAW (52-bit GPAs, needs 5 levels);
    /// bits 1 and 2 are accepted, the others reserved.
    pub config_flags: u64,
    /// `TSC_FREQUENCY` (offset 48), in units of 25 MHz.
    pub tsc_frequency: u16,
}

impl Default for TdParams {
    /// A valid TD: not debug, x87+SSE, one vCPU, 4-level S-EPT, 48-bit GPAs.
    fn default() -> TdParams {
        TdParams {
            attributes: 0,
            xfam: 0b11,
            max_vcpus: 1,
            eptp_controls: (3 << 3) | 6,
            config_flags: 0,
            tsc_frequency: 0,
        }
    }
}

impl TdParams {
    /// Size of `TD_PARAMS` in memory.
    pub const SIZE: usize = 1024;
    /// `ATTRIBUTES.DEBUG`.
    pub const ATTR_DEBUG: u64 = 1 << 0;

    /// The structure as it lies in memory.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut b = vec![0u8; TdParams::SIZE];
        b[0..8].copy_from_slice(&self.attributes.to_le_bytes());
        b[8..16].copy_from_slice(&self.xfam.to_le_bytes());
        b[16..18].copy_from_slice(&self.max_vcpus.to_le_bytes());
        b[32..40].copy_from_slice(&self.eptp_controls.to_le_bytes());
        b[40..48].copy_from_slice(&self.config_flags.to_le_bytes());
        b[48..50].copy_from_slice(&self.tsc_frequency.to_le_bytes());
        b
    }

    /// Read the structure from `mem` at `pa` (its first 64 bytes, which
    /// hold every field the model checks).
    pub fn read(mem: &HostMemory, pa: u64) -> Result<TdParams, MemError> {
        let mut b = [0u8; 64];
        mem.read(pa, &mut b)?;
        Ok(TdParams::from_bytes(&b))
    }

    /// The structure from the first 64 bytes of its image in memory.
    pub(crate) fn from_bytes(b: &[u8; 64]) -> TdParams {
        let u64_at = |o: usize| {
            let mut v = [0u8; 8];
            v.copy_from_slice(&b[o..o + 8]);
            u64::from_le_bytes(v)
        };
        TdParams {
            attributes: u64_at(0),
            xfam: u64_at(8),
            max_vcpus: u16::from_le_bytes([b[16], b[17]]),
            eptp_controls: u64_at(32),
            config_flags: u64_at(40),
            tsc_frequency: u16::from_le_bytes([b[48], b[49]]),
        }
    }

    /// Number of S-EPT levels the EPTP controls ask for.
    pub fn levels(&self) -> u8 {
        ((self.eptp_controls >> 3) & 7) as u8 + 1
    }

    /// Width of a GPA: 52 with GPAW (5 levels), 48 otherwise.
    pub(crate) fn gpa_width(&self) -> u32 {
        if self.config_flags & 1 != 0 {
            52
        } else {
            48
        }
    }

    /// The level of the root S-EPT table (PML4 = 3, PML5 = 4).
    pub(crate) fn root_level(&self) -> u8 {
        self.levels() - 1
    }
}

/// One TD.
#[derive(Clone, Debug)]
pub(crate) struct Td {
    pub(crate) hkid: u16,
    pub(crate) lifecycle: Lifecycle,
    pub(crate) tdcx: Vec<u64>,
    pub(crate) op: OpState,
    pub(crate) params: TdParams,
    pub(crate) vcpus: u32,
    pub(crate) sha: Sha384,
    pub(crate) mrtd: Option<[u8; 48]>,
    pub(crate) sept: BTreeMap<(SeptLevel, u64), Sept>,
    pub(crate) epoch: u64,
    /// Pages other than the TDR that belong to the TD.
    pub(crate) children: u64,
    /// What the guest side keeps per TD (RTMRs, guest-written fields).
    pub(crate) guest: guest::TdGuest,
}

/// One vCPU.
#[derive(Clone, Debug)]
pub(crate) struct Vcpu {
    pub(crate) tdr: u64,
    pub(crate) tdcx: Vec<u64>,
    pub(crate) initialized: bool,
    pub(crate) associated: bool,
    pub(crate) x2apic_id: Option<u32>,
    pub(crate) pend_nmi: u64,
    pub(crate) gprs: [u64; 16],
    /// The guest it runs (TDH.VP.ENTER).
    pub(crate) run: script::Guest,
    /// What the guest side keeps per vCPU (index, #VE info, fields).
    pub(crate) guest: guest::VcpuGuest,
}

/// A configured TDMR.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Tdmr {
    pub(crate) base: u64,
    pub(crate) size: u64,
    /// Bytes from `base` initialized by TDH.SYS.TDMR.INIT so far.
    pub(crate) initialized: u64,
}

/// State of a key id in the key ownership table.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum KeyState {
    /// The module's global private key id.
    Global,
    /// Assigned to a TD by MNG.CREATE.
    Assigned,
    /// Key programmed by MNG.KEY.CONFIG.
    Configured,
    /// TD blocked by MNG.VPFLUSHDONE; caches not yet written back.
    Blocked,
    /// Caches written back by PHYMEM.CACHE.WB; FREEID may free it.
    Flushed,
}

/// The page metadata the model keeps per assigned page.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct PageMeta {
    pub(crate) pt: PageType,
    /// The owning TDR (0 for a TDR itself).
    pub(crate) owner: u64,
}

#[derive(Clone, Copy, Debug)]
struct Rule {
    when: When,
    what: Inject,
}

/// The software TDX module. See the [module docs](self).
#[derive(Clone, Debug)]
pub struct Model {
    pub(crate) sys: SysState,
    pub(crate) lp_initialized: bool,
    pub(crate) tdmrs: Vec<Tdmr>,
    pub(crate) kot: BTreeMap<u16, KeyState>,
    pub(crate) pamt: BTreeMap<u64, PageMeta>,
    pub(crate) mem: PhysMem,
    pub(crate) tds: BTreeMap<u64, Td>,
    pub(crate) vcpus: BTreeMap<u64, Vcpu>,
    pub(crate) cmrs: Vec<(u64, u64)>,
    /// A CACHE.WB that returned INTERRUPTED_RESUMABLE and may be resumed.
    pub(crate) wbcache_interrupted: bool,
    /// The release the model behaves as.
    release: Release,
    /// Dynamic PAMT, turned on by TDH.SYS.CONFIG (releases 1.5.20 and
    /// later).
    pub(crate) dynamic_pamt: bool,
    /// With Dynamic PAMT: the two PAMT pages of each 2 MiB range that has
    /// them, by range base.
    pub(crate) pamt_pairs: BTreeMap<u64, [u64; 2]>,
    /// With Dynamic PAMT: every page serving as a PAMT page.
    pub(crate) dpamt_pages: BTreeSet<u64>,
    /// RBP after the call just answered, a TD exit that writes it.
    pub(crate) rbp_out: Option<u64>,
    rules: Vec<Rule>,
    calls: u64,
    leaf_calls: BTreeMap<u16, u64>,
    /// [`allowed_writes`] per leaf word, looked up once.
    allowed: BTreeMap<LeafWord, RegSet>,
}

impl Default for Model {
    fn default() -> Model {
        Model::new()
    }
}

/// A status with an operand id in its low bits.
pub(crate) fn with_operand(code: TdxStatus, op: OperandId) -> TdxStatus {
    TdxStatus::from_raw(code.raw() | u64::from(op.raw()))
}

/// How a leaf handler fails: the status it returns in RAX and, for a failure
/// on an S-EPT entry, that entry and its level, which the module reports in
/// RCX and RDX (its `set_arch_septe_details_in_vmm_regs`). Handlers that
/// never report an entry fail with a bare [`TdxStatus`], which `?` turns into
/// this.
///
/// Besides errors, a status may be informational (bit 63 clear, such as
/// `KEY_CONFIGURED`): the leaf ends without doing its work.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Fail {
    status: TdxStatus,
    septe: Option<(SeptEntry, SeptLevel)>,
    /// The call read physical memory nothing backs: not a status, a bug in
    /// the test, which [`Model::dispatch`] reports by panicking.
    mem: Option<MemError>,
}

impl From<TdxStatus> for Fail {
    fn from(status: TdxStatus) -> Fail {
        Fail {
            status,
            septe: None,
            mem: None,
        }
    }
}

impl From<MemError> for Fail {
    fn from(e: MemError) -> Fail {
        Fail {
            status: TdxStatus::from_raw(0),
            septe: None,
            mem: Some(e),
        }
    }
}

impl Fail {
    /// `status`, reported with the S-EPT `entry` at `level`.
    pub(crate) fn on_entry(status: TdxStatus, entry: SeptEntry, level: SeptLevel) -> Fail {
        Fail {
            status,
            septe: Some((entry, level)),
            mem: None,
        }
    }

    /// Write the registers the failure reports besides RAX; the RAX value.
    fn report(self, out: &mut Out) -> u64 {
        if let Some((entry, level)) = self.septe {
            out.set(Reg::Rcx, entry.0);
            out.set(Reg::Rdx, u64::from(level.get()));
        }
        self.status.raw()
    }
}

/// The registers a handler writes, checked against the leaf's declaration
/// before they reach the caller.
pub(crate) struct Out {
    leaf: u16,
    allowed: RegSet,
    writes: [(Reg, u64); 14],
    len: usize,
}

/// The registers a leaf and version may write (besides RAX) on `release`:
/// that release's audit in the ABI table, else (a release not audited for
/// the row) what any audited release may write; empty for leaves the table
/// and the catalog do not know.
fn allowed_writes(release: Release, leaf: u16, version: u8) -> RegSet {
    let word = LeafWord::new(leaf, version);
    crate::leaves::abi::find(leaf, version, false)
        .and_then(|e| e.writes_in(release).or(e.writes))
        .or_else(|| row_of(word).and_then(|r| r.writes))
        .unwrap_or(RegSet::EMPTY)
}

impl Out {
    fn new(leaf: u16, allowed: RegSet) -> Out {
        Out {
            leaf,
            allowed,
            writes: [(Reg::Rax, 0); 14],
            len: 0,
        }
    }

    /// Write `value` into `reg` (later writes to the same register win).
    pub(crate) fn set(&mut self, r: Reg, value: u64) {
        debug_assert!(
            self.allowed.contains(r),
            "model bug: leaf {} may not write {r}",
            self.leaf
        );
        if let Some(w) = self.writes[..self.len].iter_mut().find(|w| w.0 == r) {
            w.1 = value;
        } else if self.len < self.writes.len() {
            self.writes[self.len] = (r, value);
            self.len += 1;
        }
    }

    /// Copy the writes the leaf declares into `regs`; drop any other (and
    /// any to a register `Regs` does not hold).
    fn apply(&self, regs: &mut Regs) {
        for &(r, value) in &self.writes[..self.len] {
            if self.allowed.contains(r) {
                regs.set(r, value);
            }
        }
    }
}

/// What the module writes on entry to a leaf, before any check: the
/// defaults every path returns unless it sets something else.
fn entry_defaults(leaf: u16, version: u8, out: &mut Out) {
    use Reg::*;
    match leaf {
        leaf::MEM_PAGE_ADD
        | leaf::MEM_SEPT_ADD
        | leaf::MEM_PAGE_AUG
        | leaf::MEM_RANGE_BLOCK
        | leaf::MR_EXTEND
        | leaf::MEM_PAGE_REMOVE => {
            out.set(Rcx, 0);
            out.set(Rdx, 0);
        }
        leaf::MNG_RD | leaf::VP_RD => {
            out.set(R8, 0);
            if version > 0 {
                out.set(Rdx, u64::MAX);
            }
        }
        leaf::MNG_INIT => out.set(Rcx, 0),
        leaf::PHYMEM_PAGE_RDMD | leaf::PHYMEM_PAGE_RECLAIM => {
            for r in [Rcx, Rdx, R8, R9, R10, R11] {
                out.set(r, 0);
            }
        }
        leaf::SYS_INIT => {
            for r in [Rcx, Rdx, R8, R9, R10] {
                out.set(r, 0);
            }
        }
        leaf::SYS_LP_INIT => {
            for r in [Rcx, Rdx, R8] {
                out.set(r, 0);
            }
        }
        leaf::SYS_RD => {
            out.set(Rdx, u64::MAX);
            out.set(R8, 0);
        }
        leaf::SYS_TDMR_INIT => out.set(Rdx, 0),
        leaf::VP_WR => out.set(R8, 0),
        _ => {}
    }
}

/// Versions above 0 the model accepts, as the dispatcher of `release` does
/// for the leaves the model implements: MNG.RD and VP.RD version 1 (next
/// field id in RDX) on every release; VP.INIT version 1 (x2APIC id in R8, as
/// Linux calls it) from 1.5.05 on, so not on 1.5.01; SYS.CONFIG version 1
/// (enabling flags in R9) from 1.5.34 on (the dispatcher rows of
/// `tests/data/tdx-abi/writes.tsv` and `writes-2.0.tsv`).
fn version_supported(release: Release, leaf: u16, version: u8) -> bool {
    match (leaf, version) {
        (_, 0) => true,
        (leaf::MNG_RD | leaf::VP_RD, 1) => true,
        (leaf::VP_INIT, 1) => release >= Release::V1_5_25,
        (leaf::SYS_CONFIG, 1) => release >= Release::V1_5_34,
        _ => false,
    }
}

/// Whether `release` has the leaf at all (its dispatcher has a case for
/// it): the Dynamic PAMT leaves from 1.5.20 on.
fn dispatched(release: Release, leaf: u16) -> bool {
    match leaf {
        leaf::PHYMEM_PAMT_ADD | leaf::PHYMEM_PAMT_REMOVE => release >= Release::V1_5_25,
        _ => true,
    }
}

/// Leaves the module runs before it is ready.
fn allowed_before_ready(leaf: u16) -> bool {
    matches!(
        leaf,
        leaf::SYS_INIT | leaf::SYS_LP_INIT | leaf::SYS_CONFIG | leaf::SYS_KEY_CONFIG | leaf::SYS_RD
    )
}

impl Model {
    /// A module just loaded: before TDH.SYS.INIT, no TDMRs, one convertible
    /// memory range covering the first 64 GiB. It behaves as the newest
    /// release the facts cover ([`Release::NEWEST`]); see
    /// [`Model::with_release`].
    pub fn new() -> Model {
        Model {
            sys: SysState::InitPending,
            lp_initialized: false,
            tdmrs: Vec::new(),
            kot: BTreeMap::new(),
            pamt: BTreeMap::new(),
            mem: PhysMem::default(),
            tds: BTreeMap::new(),
            vcpus: BTreeMap::new(),
            cmrs: vec![(0, 64 << 30)],
            wbcache_interrupted: false,
            release: Release::NEWEST,
            dynamic_pamt: false,
            pamt_pairs: BTreeMap::new(),
            dpamt_pages: BTreeSet::new(),
            rbp_out: None,
            rules: Vec::new(),
            calls: 0,
            leaf_calls: BTreeMap::new(),
            allowed: BTreeMap::new(),
        }
    }

    /// A module already through initialization, as after the host ran
    /// TDH.SYS.INIT, SYS.LP.INIT, SYS.CONFIG (one TDMR `[tdmr_base,
    /// tdmr_base + tdmr_size)`, global key id 32), SYS.KEY.CONFIG and
    /// SYS.TDMR.INIT to the end. For tests of the TD flow.
    ///
    /// `tdmr_base` and `tdmr_size` must be 1 GiB aligned and inside the first
    /// 64 GiB; otherwise the model stays before TDH.SYS.INIT.
    pub fn ready(tdmr_base: u64, tdmr_size: u64) -> Model {
        let mut m = Model::new();
        let aligned = tdmr_base % TDMR_INIT_CHUNK == 0 && tdmr_size % TDMR_INIT_CHUNK == 0;
        if !aligned || tdmr_size == 0 || !m.in_cmrs(tdmr_base, tdmr_size) {
            return m;
        }
        m.sys = SysState::Ready;
        m.lp_initialized = true;
        m.tdmrs.push(Tdmr {
            base: tdmr_base,
            size: tdmr_size,
            initialized: tdmr_size,
        });
        m.kot.insert(PRIVATE_HKIDS.start, KeyState::Global);
        m
    }

    /// The same model, behaving as module `release` where the releases
    /// differ (see the [module docs](self)).
    pub fn with_release(mut self, release: Release) -> Model {
        self.release = release;
        self.allowed.clear();
        self
    }

    /// The release the model behaves as.
    pub fn release(&self) -> Release {
        self.release
    }

    /// Whether TDH.SYS.CONFIG turned Dynamic PAMT on.
    pub fn dynamic_pamt(&self) -> bool {
        self.dynamic_pamt
    }

    /// The model's own memory, which backs the physical addresses no
    /// [`PhysWindow`] covers.
    pub fn memory(&self) -> &HostMemory {
        &self.mem.host
    }

    /// The model's own memory, to place TDMR lists, TD_PARAMS and source
    /// pages at addresses of the test's choosing before the calls that read
    /// them. Host code that allocates its pages maps a [`PhysWindow`]
    /// instead.
    pub fn memory_mut(&mut self) -> &mut HostMemory {
        &mut self.mem.host
    }

    /// Map `window` into the model's physical memory: reads and writes by
    /// physical address inside it go to the window's memory. The model
    /// keeps a clone (the same memory); the caller keeps allocating from and
    /// writing to its own. A window overlapping one already mapped is
    /// [`WindowError::Overlap`], and nothing changes. A clone of the model
    /// shares its windows' memory, as two views of one machine would.
    pub fn map_window(&mut self, window: &PhysWindow) -> Result<&mut Model, WindowError> {
        if let Some(w) = self.mem.windows.iter().find(|w| w.overlaps(window)) {
            return Err(WindowError::Overlap {
                base: window.base(),
                mapped: w.base(),
            });
        }
        self.mem.windows.push(window.clone());
        Ok(self)
    }

    /// The same model with `window` mapped, see [`Model::map_window`].
    pub fn with_window(mut self, window: &PhysWindow) -> Result<Model, WindowError> {
        self.map_window(window)?;
        Ok(self)
    }

    /// Unmap the window whose base is `base`; it, or `None` if no window
    /// starts there.
    pub fn unmap_window(&mut self, base: u64) -> Option<PhysWindow> {
        let i = self.mem.windows.iter().position(|w| w.base() == base)?;
        Some(self.mem.windows.remove(i))
    }

    /// The windows mapped, in the order they were mapped.
    pub fn windows(&self) -> &[PhysWindow] {
        &self.mem.windows
    }

    /// Read physical memory as the model does: from the window holding each
    /// byte, else from [`HostMemory`]; a [`MemError`] at the first byte
    /// neither backs.
    pub fn read_phys(&self, pa: u64, buf: &mut [u8]) -> Result<(), MemError> {
        self.mem.read(pa, buf)
    }

    /// Write physical memory as the model does: into the window holding
    /// each byte, else into [`HostMemory`].
    pub fn write_phys(&mut self, pa: u64, data: &[u8]) {
        self.mem.write(pa, data);
    }

    /// Script an answer: the call `when` selects gets `what` instead of
    /// being executed. Each rule except [`When::EveryLeaf`] fires once;
    /// when several match, the oldest wins.
    pub fn inject(&mut self, when: When, what: Inject) -> &mut Model {
        self.rules.push(Rule { when, what });
        self
    }

    /// Remove every scripted answer that has not fired.
    pub fn clear_injections(&mut self) {
        self.rules.clear();
    }

    /// Number of calls answered so far (the `n` of the next
    /// [`When::Call`]).
    pub fn calls(&self) -> u64 {
        self.calls
    }

    /// The module-global state.
    pub fn sys_state(&self) -> SysState {
        self.sys
    }

    /// The lifecycle state of the TD whose TDR is at `tdr`.
    pub fn lifecycle(&self, tdr: u64) -> Option<Lifecycle> {
        self.tds.get(&tdr).map(|t| t.lifecycle)
    }

    /// The operation state of the TD whose TDR is at `tdr`.
    pub fn op_state(&self, tdr: u64) -> Option<OpState> {
        self.tds.get(&tdr).map(|t| t.op)
    }

    /// The finalized MRTD of the TD whose TDR is at `tdr` (`None` before
    /// TDH.MR.FINALIZE).
    pub fn mrtd(&self, tdr: u64) -> Option<[u8; 48]> {
        self.tds.get(&tdr).and_then(|t| t.mrtd)
    }

    /// The page type of the 4 KiB page at `pa`, as the PAMT records it.
    pub fn page_type(&self, pa: u64) -> PageType {
        self.pamt
            .get(&(pa & !(PAGE - 1)))
            .map_or(PageType::Nda, |m| m.pt)
    }

    /// The TDR that owns the page at `pa` (the page itself for a TDR), or
    /// `None` for a free page.
    pub fn page_owner(&self, pa: u64) -> Option<u64> {
        let base = pa & !(PAGE - 1);
        self.pamt.get(&base).map(|m| match m.pt {
            PageType::Tdr => base,
            _ => m.owner,
        })
    }

    /// The host physical page mapped at `gpa` in the TD of `tdr`, and
    /// whether the mapping is usable (mapped, not pending or blocked).
    pub fn mapping(&self, tdr: u64, gpa: u64) -> Option<(u64, bool)> {
        let td = self.tds.get(&tdr)?;
        match td.sept.get(&(SeptLevel::L4K, gpa & !(PAGE - 1)))? {
            Sept::Leaf { hpa, state } => Some((*hpa, *state == LeafState::Mapped)),
            Sept::Table { .. } => None,
        }
    }

    /// Number of pages assigned to TDs (all types).
    pub fn assigned_pages(&self) -> usize {
        self.pamt.len()
    }

    fn take_injection(&mut self, leaf: u16, nth_of_leaf: u64) -> Option<Inject> {
        let call = self.calls;
        let hit = self.rules.iter().position(|r| match r.when {
            When::Call(n) => n == call,
            When::Leaf { leaf: l, nth } => l == leaf && nth == nth_of_leaf,
            When::EveryLeaf(l) => l == leaf,
        })?;
        let rule = self.rules[hit];
        if !matches!(rule.when, When::EveryLeaf(_)) {
            self.rules.remove(hit);
        }
        Some(rule.what)
    }

    /// Run the handler of `leaf`; the status for RAX (0: success).
    ///
    /// # Panics
    ///
    /// If the handler read physical memory that nothing backs (a
    /// [`MemError`]): the module would have read whatever lay there, so no
    /// status would be right; the panic names the leaf and the address.
    fn dispatch(&mut self, leaf: u16, version: u8, inp: &Regs, out: &mut Out) -> u64 {
        match self.handle(leaf, version, inp, out) {
            Ok(()) => 0,
            Err(Fail { mem: Some(e), .. }) => {
                let name = row_of(LeafWord::new(leaf, version)).map_or("?", |r| r.name);
                panic!("seamcall model: {name} (leaf {leaf}) reads unbacked memory: {e}")
            }
            Err(fail) => fail.report(out),
        }
    }

    /// The handler of `leaf`.
    fn handle(&mut self, leaf: u16, version: u8, inp: &Regs, out: &mut Out) -> Result<(), Fail> {
        if !dispatched(self.release, leaf) {
            // The release's dispatcher has no case for it: its default.
            return Err(with_operand(TdxStatus::OPERAND_INVALID, OperandId::Rax).into());
        }
        match leaf {
            leaf::VP_ENTER => self.vp_enter(inp, out)?,
            leaf::SYS_INIT => self.sys_init(inp)?,
            leaf::SYS_LP_INIT => self.sys_lp_init()?,
            leaf::SYS_CONFIG => self.sys_config(inp, version)?,
            leaf::SYS_KEY_CONFIG => self.sys_key_config()?,
            leaf::SYS_TDMR_INIT => self.sys_tdmr_init(inp, out)?,
            leaf::SYS_RD => self.sys_rd(inp, out)?,
            leaf::MNG_CREATE => self.mng_create(inp)?,
            leaf::MNG_KEY_CONFIG => self.mng_key_config(inp)?,
            leaf::MNG_ADDCX => self.mng_addcx(inp)?,
            leaf::MNG_INIT => self.mng_init(inp)?,
            leaf::VP_CREATE => self.vp_create(inp)?,
            leaf::VP_ADDCX => self.vp_addcx(inp)?,
            leaf::VP_INIT => self.vp_init(inp, version)?,
            leaf::MEM_SEPT_ADD => self.mem_sept_add(inp)?,
            leaf::MEM_PAGE_ADD => self.mem_page_add(inp)?,
            leaf::MR_EXTEND => self.mr_extend(inp)?,
            leaf::MR_FINALIZE => self.mr_finalize(inp)?,
            leaf::MEM_PAGE_AUG => self.mem_page_aug(inp)?,
            leaf::MEM_RANGE_BLOCK => self.mem_range_block(inp)?,
            leaf::MEM_TRACK => self.mem_track(inp)?,
            leaf::MEM_PAGE_REMOVE => self.mem_page_remove(inp, out)?,
            leaf::MNG_RD => self.mng_rd(inp, version, out)?,
            leaf::VP_RD => self.vp_rd(inp, version, out)?,
            leaf::VP_WR => self.vp_wr(inp, out)?,
            leaf::PHYMEM_PAGE_RDMD => self.phymem_page_rdmd(inp, out)?,
            leaf::VP_FLUSH => self.vp_flush(inp)?,
            leaf::MNG_VPFLUSHDONE => self.mng_vpflushdone(inp)?,
            leaf::PHYMEM_CACHE_WB => self.phymem_cache_wb(inp)?,
            leaf::MNG_KEY_FREEID => self.mng_key_freeid(inp)?,
            leaf::PHYMEM_PAGE_RECLAIM => self.phymem_page_reclaim(inp, out)?,
            leaf::PHYMEM_PAMT_ADD => self.phymem_pamt_add(inp)?,
            leaf::PHYMEM_PAMT_REMOVE => self.phymem_pamt_remove(inp, out)?,
            _ => return Err(with_operand(TdxStatus::OPERAND_INVALID, OperandId::Rax).into()),
        }
        Ok(())
    }

    // ---- checks shared by the leaves -----------------------------------

    pub(crate) fn in_cmrs(&self, base: u64, size: u64) -> bool {
        let Some(end) = base.checked_add(size) else {
            return false;
        };
        self.cmrs.iter().any(|(b, s)| base >= *b && end <= b + s)
    }

    /// Whether `pa` lies in the initialized part of a TDMR.
    pub(crate) fn in_initialized_tdmr(&self, pa: u64) -> bool {
        self.tdmrs
            .iter()
            .any(|t| pa >= t.base && pa < t.base + t.initialized)
    }

    /// The checks of an explicit private 4 KiB page operand: aligned, no
    /// key id bits, inside an initialized TDMR, of the expected type.
    pub(crate) fn check_page(
        &self,
        pa: u64,
        op: OperandId,
        expect: PageType,
    ) -> Result<(), TdxStatus> {
        self.check_tdmr_page(pa, op)?;
        if expect == PageType::Nda {
            self.check_dpamt_free(pa, op)?;
        }
        if self.page_type(pa) != expect {
            return Err(with_operand(TdxStatus::PAGE_METADATA_INCORRECT, op));
        }
        Ok(())
    }

    /// The address checks of a page operand: aligned, no key id bits, inside
    /// an initialized TDMR.
    pub(crate) fn check_tdmr_page(&self, pa: u64, op: OperandId) -> Result<(), TdxStatus> {
        if pa % PAGE != 0 || pa >> MAX_PA_BITS != 0 {
            return Err(with_operand(TdxStatus::OPERAND_INVALID, op));
        }
        if !self.in_initialized_tdmr(pa) {
            return Err(with_operand(TdxStatus::OPERAND_ADDR_RANGE_ERROR, op));
        }
        Ok(())
    }

    /// The checks of a shared (host) page operand read by physical address:
    /// aligned to `align`, below the maximum address, and with a shared key
    /// id. Returns the address without key id bits.
    pub(crate) fn check_shared(pa: u64, align: u64, op: OperandId) -> Result<u64, TdxStatus> {
        let hkid = (pa >> MAX_PA_BITS) as u16;
        if pa % align != 0 || pa >> 52 != 0 || hkid >= PRIVATE_HKIDS.start {
            return Err(with_operand(TdxStatus::OPERAND_INVALID, op));
        }
        Ok(pa & ((1 << MAX_PA_BITS) - 1))
    }

    /// Checks the TDR operand and returns the TD.
    pub(crate) fn td_of(&self, tdr: u64, op: OperandId) -> Result<&Td, TdxStatus> {
        self.check_page(tdr, op, PageType::Tdr)?;
        self.tds
            .get(&tdr)
            .ok_or(with_operand(TdxStatus::PAGE_METADATA_INCORRECT, op))
    }

    /// Like [`td_of`](Model::td_of), mutably.
    pub(crate) fn td_mut(&mut self, tdr: u64, op: OperandId) -> Result<&mut Td, TdxStatus> {
        self.check_page(tdr, op, PageType::Tdr)?;
        self.tds
            .get_mut(&tdr)
            .ok_or(with_operand(TdxStatus::PAGE_METADATA_INCORRECT, op))
    }

    /// The TD must have its keys configured and all TDCS pages: the state
    /// every build and runtime leaf starts from.
    pub(crate) fn check_build_state(td: &Td) -> Result<(), TdxStatus> {
        if td.lifecycle != Lifecycle::KeysConfigured {
            return Err(TdxStatus::TD_KEYS_NOT_CONFIGURED);
        }
        if td.tdcx.len() < TDCS_PAGES {
            return Err(codes::TDCS_NOT_ALLOCATED);
        }
        Ok(())
    }

    /// Assign a free page to `owner` with type `pt`.
    pub(crate) fn assign(&mut self, pa: u64, pt: PageType, owner: u64) {
        self.pamt.insert(pa, PageMeta { pt, owner });
    }
}

impl Model {
    /// Whether the dispatcher hands the call in `regs` to a leaf handler:
    /// the leaf word is valid for the release and the module is ready, or
    /// the leaf runs before it is (the checks of [`Module::seamcall`]
    /// before any handler).
    pub(crate) fn dispatches(&self, regs: &Regs) -> bool {
        let (leaf, version) = (regs.leaf(), regs.version());
        regs.rax >> 24 == 0
            && version_supported(self.release, leaf, version)
            && (self.sys == SysState::Ready || allowed_before_ready(leaf))
    }

    /// Answer the call in `regs` with `status` without running its leaf:
    /// the call is counted, and the leaf's entry defaults are written as
    /// the module writes them before its first check (for a shared model's
    /// busy locks and association checks). RBP stays: the shared model
    /// does not ask [`Module::rbp_after`] after such an answer.
    pub(crate) fn answer_status(&mut self, regs: &mut Regs, status: TdxStatus) {
        let (leaf, version) = (regs.leaf(), regs.version());
        *self.leaf_calls.entry(leaf).or_insert(0) += 1;
        self.calls += 1;
        let allowed = *self
            .allowed
            .entry(LeafWord::new(leaf, version))
            .or_insert_with(|| allowed_writes(self.release, leaf, version));
        let mut out = Out::new(leaf, allowed);
        entry_defaults(leaf, version, &mut out);
        out.apply(regs);
        regs.rax = status.raw();
    }
}

impl Module for Model {
    fn seamcall(&mut self, regs: &mut Regs) -> Outcome {
        let leaf = regs.leaf();
        let version = regs.version();
        let nth = {
            let n = self.leaf_calls.entry(leaf).or_insert(0);
            *n += 1;
            *n - 1
        };
        let injected = self.take_injection(leaf, nth);
        self.calls += 1;
        self.rbp_out = None;
        let allowed = *self
            .allowed
            .entry(LeafWord::new(leaf, version))
            .or_insert_with(|| allowed_writes(self.release, leaf, version));
        let mut out = Out::new(leaf, allowed);
        let status = match injected {
            Some(Inject::VmFailInvalid) => return Outcome::VmFailInvalid,
            Some(Inject::Fault(trap)) => return Outcome::Fault(trap),
            Some(Inject::Status(s)) => {
                entry_defaults(leaf, version, &mut out);
                if leaf == leaf::PHYMEM_CACHE_WB && s.same_code(TdxStatus::INTERRUPTED_RESUMABLE) {
                    self.wbcache_interrupted = true;
                }
                s.raw()
            }
            None if regs.rax >> 24 != 0 || !version_supported(self.release, leaf, version) => {
                // The dispatcher rejects the leaf word before any handler
                // runs: only RAX is written.
                with_operand(TdxStatus::OPERAND_INVALID, OperandId::Rax).raw()
            }
            None if self.sys != SysState::Ready && !allowed_before_ready(leaf) => {
                TdxStatus::SYS_NOT_READY.raw()
            }
            None => {
                entry_defaults(leaf, version, &mut out);
                let inp = *regs;
                self.dispatch(leaf, version, &inp, &mut out)
            }
        };
        out.apply(regs);
        regs.rax = status;
        Outcome::Return
    }

    /// RBP after a TD exit from TDH.VP.ENTER: zeroed on module 1.5.01, and
    /// on later releases unless the TD set `CONFIG_FLAGS.NO_RBP_MOD`; left
    /// alone by every other call.
    fn rbp_after(&mut self, leaf_word: u64) -> Option<u64> {
        let rbp = self.rbp_out.take();
        rbp.filter(|_| leaf_word as u16 == leaf::VP_ENTER)
    }
}

/// The 128-byte block the module feeds SHA-384 for MEM.PAGE.ADD and
/// MR.EXTEND: the operation name, zero-padded to 16 bytes, then the GPA
/// (little-endian), then zeros.
pub(crate) fn measurement_block(name: &[u8], gpa: u64) -> [u8; 128] {
    let mut block = [0u8; 128];
    let n = name.len().min(16);
    block[..n].copy_from_slice(&name[..n]);
    block[16..24].copy_from_slice(&gpa.to_le_bytes());
    block
}

/// SHA-384 of nothing extended yet: the MRTD context MNG.INIT starts.
pub(crate) fn new_measurement() -> Sha384 {
    Sha384::new()
}
