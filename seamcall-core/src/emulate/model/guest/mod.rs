//! The guest side of the model: the TDCALLs a vCPU of a TD built on the
//! same [`Model`] makes.
//!
//! The TDX module serves SEAMCALL (the host) and TDCALL (the TD) from one
//! state, and so does the model: TDG.MR.REPORT reports the MRTD the host's
//! TDH.MEM.PAGE.ADD and TDH.MR.EXTEND produced, TDG.VP.INFO the host's
//! TD_PARAMS, TDG.MEM.PAGE.ACCEPT moves the S-EPT leaves TDH.MEM.PAGE.AUG
//! left pending to mapped (which [`Model::mapping`] and the host leaves see
//! at once), and the RTMRs the guest extends are the TD's metadata fields
//! TDH.MNG.RD reads (debug TDs only: their production read mask is 0).
//!
//! [`Model::tdcall`] answers one TDCALL of a vCPU; [`Model::vcpu`] gives a
//! [`GuestVcpu`], the [`GuestModule`] that [`with_guest`](crate::emulate::with_guest) installs, so that
//! the guest catalog's machine code (`seamcall_core::guest::tdg_*`) runs
//! against the model. [`TdConfig`] builds a runnable TD on a fresh model
//! (the host flow, dispatched directly) for tests of guest code alone.
//!
//! The rules every leaf follows (`tests/data/tdx-abi/guest/tdcall-leaves.tsv`;
//! intel/tdx-module `src/td_dispatcher/tdx_td_dispatcher.c` at 72d8cffb):
//!
//! * RAX bits 63:24 not zero, a version above 0 (but TDG.VM.RD version 1,
//!   and TDG.VP.VEINFO.GET version 1 from release 1.5.34 on), or a leaf the
//!   model does not implement: `TDX_OPERAND_INVALID` (operand RAX), and RAX
//!   is the only register written.
//! * A leaf writes only the registers the guest ABI table
//!   ([`crate::guest::abi`]) lists for it, each checked as the host side
//!   checks its writes; every other register comes back unchanged.
//! * Leaf 0 (TDG.VP.VMCALL) is [`vmm::vp_vmcall`] with the TD's
//!   `CONFIG_FLAGS.NO_RBP_MOD`, answered by the [`Vmm`] given.
//!
//! A TDCALL that does not complete on the module either, because a GPA it
//! names is not mapped usable in the S-EPT, is a [`GuestStop`]: the module
//! makes an EPT-violation TD exit (the host sees it; the TDCALL runs again
//! when the TD is resumed) or, for a pending page of a TD whose
//! `TD_CTLS.PENDING_VE_DISABLE` is 0, injects a #VE with the GPA in the
//! vCPU's #VE information (helpers.c `check_walk_and_map_guest_side_gpa`,
//! lines 900–937 at 72d8cffb). [`Model::tdcall`] returns it as `Err` with
//! no register changed and records it ([`Model::guest_stop`]; the #VE
//! information is what TDG.VP.VEINFO.GET returns next). Under
//! [`with_guest`](crate::emulate::with_guest) guest code cannot go on past such a TDCALL: the
//! [`GuestVcpu`] panics with a message naming the stop, so the TDCALL
//! raises #UD and the panic reaches the test when the closure returns.
//!
//! A vCPU that is not an initialized vCPU of a runnable TD (before
//! TDH.MR.FINALIZE, after teardown started, or no vCPU at all) cannot run,
//! so it cannot execute TDCALL either: the model answers as a processor
//! outside a TD, with #UD ([`Outcome::Fault`]).

mod accept;
mod info;
mod meta;
mod mr;
mod td;

use std::collections::{BTreeMap, BTreeSet};

pub use mr::TDREPORT_MAC_KEY;
pub use td::{BuiltTd, GpaError, TdBuildError, TdConfig};

use super::enter::NO_RBP_MOD;
use super::{with_operand, LeafState, Lifecycle, MemError, Model, OpState, Out, Release, Sept, Td};
use crate::emulate::vmm::{self, Vmm};
use crate::emulate::{GuestModule, Outcome, Regs};
use crate::error::Trap;
use crate::leaves::RegSet;
use crate::status::{OperandId, TdxStatus};
use crate::types::SeptLevel;

/// Leaf numbers of the TDG leaves the model implements.
pub(crate) mod leaf {
    pub const VP_VMCALL: u16 = 0;
    pub const VP_INFO: u16 = 1;
    pub const MR_RTMR_EXTEND: u16 = 2;
    pub const VP_VEINFO_GET: u16 = 3;
    pub const MR_REPORT: u16 = 4;
    pub const MEM_PAGE_ACCEPT: u16 = 6;
    pub const VM_RD: u16 = 7;
    pub const VM_WR: u16 = 8;
    pub const VP_RD: u16 = 9;
    pub const VP_WR: u16 = 10;
    pub const SYS_RD: u16 = 11;
    pub const VP_CPUIDVE_SET: u16 = 5;
}

const PAGE: u64 = 4096;
/// VMX basic exit reason 48, EPT violation: the #VE information of an
/// access to a pending page.
const EXIT_REASON_EPT_VIOLATION: u64 = 48;

/// What the guest side keeps per TD.
#[derive(Clone, Debug)]
pub(crate) struct TdGuest {
    /// RTMR0–3, SHA-384 extended by TDG.MR.RTMR.EXTEND.
    pub(crate) rtmr: [[u8; 48]; 4],
    /// Elements of TD fields the guest wrote with TDG.VM.WR, by (field,
    /// element); they read back through TDG.VM.RD and TDH.MNG.RD.
    pub(crate) fields: BTreeMap<(u64, u64), u64>,
    /// 2 MiB ranges the guest accepted whole (see `accept.rs`).
    pub(crate) accepted_2m: BTreeSet<u64>,
}

impl Default for TdGuest {
    fn default() -> TdGuest {
        TdGuest {
            rtmr: [[0; 48]; 4],
            fields: BTreeMap::new(),
            accepted_2m: BTreeSet::new(),
        }
    }
}

/// What the guest side keeps per vCPU.
#[derive(Clone, Debug)]
pub(crate) struct VcpuGuest {
    /// `VCPU_INDEX`: the order of TDH.VP.CREATE in the TD, from 0.
    pub(crate) index: u32,
    /// The #VE information (valid until TDG.VP.VEINFO.GET reads it).
    pub(crate) ve: Option<VeInfo>,
    /// Elements of vCPU fields the guest wrote with TDG.VP.WR.
    pub(crate) fields: BTreeMap<(u64, u64), u64>,
    /// The last TDCALL that did not complete.
    pub(crate) stop: Option<GuestStop>,
    /// What TDG.VP.CPUIDVE.SET chose: bit 0 #VE on CPUID at CPL 0, bit 1
    /// at CPL > 0.
    pub(crate) cpuid_ve: u64,
}

impl VcpuGuest {
    pub(crate) fn new(index: u32) -> VcpuGuest {
        VcpuGuest {
            index,
            ve: None,
            fields: BTreeMap::new(),
            stop: None,
            cpuid_ve: 0,
        }
    }
}

/// The #VE information of a vCPU (TDVPS `VE_INFO`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct VeInfo {
    pub(crate) exit_reason: u64,
    pub(crate) qualification: u64,
    pub(crate) gla: u64,
    pub(crate) gpa: u64,
}

/// A TDCALL that did not complete: the module left the TD or raised an
/// exception at the instruction, with no register changed. See the
/// [model docs](crate::emulate::model#the-guest-side).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub enum GuestStop {
    /// EPT-violation TD exit: the GPA the leaf named is not mapped usable
    /// (no S-EPT leaf, a blocked one, or a pending one in a TD that asked
    /// for TD exits on pending pages), or, for TDG.MEM.PAGE.ACCEPT, the
    /// entry is in no state the accept takes. The host VMM gets the exit;
    /// the TDCALL runs again when it resumes the TD.
    EptViolation {
        /// The leaf.
        leaf: u16,
        /// The guest physical address.
        gpa: u64,
    },
    /// #VE injected on an access to a pending page (the TD's
    /// `TD_CTLS.PENDING_VE_DISABLE` is 0): the guest's #VE handler runs and
    /// finds the GPA through TDG.VP.VEINFO.GET.
    VirtualizationException {
        /// The leaf.
        leaf: u16,
        /// The guest physical address.
        gpa: u64,
    },
}

impl core::fmt::Display for GuestStop {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match *self {
            GuestStop::EptViolation { leaf, gpa } => write!(
                f,
                "TDCALL leaf {leaf}: EPT-violation TD exit at GPA {gpa:#x} (not mapped usable in the \
                 S-EPT); on a TD the vCPU waits for the host to resume it"
            ),
            GuestStop::VirtualizationException { leaf, gpa } => write!(
                f,
                "TDCALL leaf {leaf}: #VE at GPA {gpa:#x} (a pending page: accept it first); the \
                 #VE information is what TDG.VP.VEINFO.GET returns next"
            ),
        }
    }
}

impl std::error::Error for GuestStop {}

/// How a guest leaf fails.
pub(crate) enum GuestFail {
    /// A status for RAX (the leaf's registers as written so far).
    Status(TdxStatus),
    /// The TDCALL does not complete.
    Stop(GuestStop),
    /// Memory nothing backs: a bug in the test (see [`Model::tdcall`]).
    Mem(MemError),
}

impl From<TdxStatus> for GuestFail {
    fn from(s: TdxStatus) -> GuestFail {
        GuestFail::Status(s)
    }
}

impl From<MemError> for GuestFail {
    fn from(e: MemError) -> GuestFail {
        GuestFail::Mem(e)
    }
}

/// `TDX_OPERAND_INVALID` with operand `op`.
pub(crate) fn invalid(op: OperandId) -> GuestFail {
    GuestFail::Status(with_operand(TdxStatus::OPERAND_INVALID, op))
}

/// Versions above 0 the dispatcher of `release` lets through: TDG.VM.RD
/// version 1 on every release, TDG.VP.VEINFO.GET version 1 from 1.5.34 on
/// (`tests/data/tdx-abi/guest/tdcall-leaves.tsv`, its `versions` column).
fn version_supported(release: Release, leaf: u16, version: u8) -> bool {
    match (leaf, version) {
        (_, 0) => true,
        (leaf::VM_RD, 1) => true,
        (leaf::VP_VEINFO_GET, 1) => release >= Release::V1_5_34,
        _ => false,
    }
}

/// The registers a guest leaf may write besides RAX: the guest ABI table's
/// row (TDG.VP.VEINFO.GET version 1, which the 1.5.01 table lacks, writes
/// what version 0 writes).
fn allowed_writes(leaf: u16, version: u8) -> RegSet {
    crate::guest::abi::find(leaf, version)
        .or_else(|| crate::guest::abi::find(leaf, 0))
        .and_then(|e| e.writes)
        .unwrap_or(RegSet::EMPTY)
}

/// Whether `gpa` has the TD's shared bit (bit GPAW - 1).
pub(crate) fn is_shared(td: &Td, gpa: u64) -> bool {
    gpa & (1 << (td.params.gpa_width() - 1)) != 0
}

/// The TD's `TD_CTLS` bit 0, PENDING_VE_DISABLE.
pub(crate) fn pending_ve_disabled(td: &Td) -> bool {
    super::meta::td_value(td, crate::fields::td::TD_CTLS, 0) & 1 != 0
}

impl Model {
    /// The TDR of `tdvpr`'s TD, if `tdvpr` is an initialized vCPU (not
    /// disabled by a triple fault) of a runnable TD whose keys are
    /// configured: a vCPU that can run.
    pub(crate) fn running_td(&self, tdvpr: u64) -> Option<u64> {
        let vcpu = self.vcpus.get(&tdvpr)?;
        let td = self.tds.get(&vcpu.tdr)?;
        let runs = vcpu.initialized
            && !vcpu.run.disabled
            && td.op == OpState::Runnable
            && td.lifecycle == Lifecycle::KeysConfigured;
        runs.then_some(vcpu.tdr)
    }

    /// Answer one TDCALL made by the vCPU whose TDVPR is at `tdvpr`, on the
    /// TD registers `regs` and `rbp`; TDG.VP.VMCALL goes to `vmm`.
    ///
    /// `Ok` with the outcome the instruction has ([`Outcome::Fault`] with
    /// #UD for a vCPU that cannot run, see the [model docs](crate::emulate::model#the-guest-side)); `Err`
    /// for a TDCALL that does not complete ([`GuestStop`]), with no
    /// register changed.
    ///
    /// # Panics
    ///
    /// If the leaf reads memory that nothing backs (a shared GPA whose
    /// address lies outside every window and was never written): the
    /// module would read whatever lay there, so no answer would be right;
    /// the panic names the leaf and the address, as on the host side.
    pub fn tdcall(
        &mut self,
        tdvpr: u64,
        regs: &mut Regs,
        rbp: &mut u64,
        vmm: &mut dyn Vmm,
    ) -> Result<Outcome, GuestStop> {
        let Some(tdr) = self.running_td(tdvpr) else {
            return Ok(Outcome::Fault(Trap::InvalidOpcode));
        };
        let (leaf, version) = (regs.leaf(), regs.version());
        if regs.rax >> 24 != 0 || !version_supported(self.release(), leaf, version) {
            regs.rax = with_operand(TdxStatus::OPERAND_INVALID, OperandId::Rax).raw();
            return Ok(Outcome::Return);
        }
        if leaf == leaf::VP_VMCALL {
            let no_rbp_mod = self
                .tds
                .get(&tdr)
                .is_some_and(|td| td.params.config_flags & NO_RBP_MOD != 0);
            return Ok(vmm::vp_vmcall(regs, rbp, no_rbp_mod, vmm));
        }
        let mut out = Out::new(leaf, allowed_writes(leaf, version));
        let inp = *regs;
        let status = match self.guest_leaf(tdr, tdvpr, leaf, version, &inp, &mut out) {
            Ok(()) => 0,
            Err(GuestFail::Status(s)) => s.raw(),
            Err(GuestFail::Stop(stop)) => {
                if let Some(v) = self.vcpus.get_mut(&tdvpr) {
                    v.guest.stop = Some(stop);
                }
                return Err(stop);
            }
            Err(GuestFail::Mem(e)) => {
                let name = crate::guest::abi::name_of(inp.rax).unwrap_or("?");
                panic!("seamcall model: {name} (TDCALL leaf {leaf}) reads unbacked memory: {e}")
            }
        };
        out.apply(regs);
        regs.rax = status;
        Ok(Outcome::Return)
    }

    /// The handler of guest leaf `leaf` (not 0).
    fn guest_leaf(
        &mut self,
        tdr: u64,
        tdvpr: u64,
        leaf: u16,
        version: u8,
        inp: &Regs,
        out: &mut Out,
    ) -> Result<(), GuestFail> {
        match leaf {
            leaf::VP_INFO => self.tdg_vp_info(tdr, tdvpr, out),
            leaf::MR_RTMR_EXTEND => self.tdg_mr_rtmr_extend(tdr, tdvpr, inp),
            leaf::VP_VEINFO_GET => self.tdg_vp_veinfo_get(tdvpr, out),
            leaf::MR_REPORT => self.tdg_mr_report(tdr, tdvpr, inp),
            leaf::MEM_PAGE_ACCEPT => self.tdg_mem_page_accept(tdr, inp),
            leaf::VM_RD => self.tdg_vm_rd(tdr, version, inp, out),
            leaf::VM_WR => self.tdg_vm_wr(tdr, inp, out),
            leaf::VP_RD => self.tdg_vp_rd(tdvpr, inp, out),
            leaf::VP_WR => self.tdg_vp_wr(tdvpr, inp, out),
            leaf::SYS_RD => self.tdg_sys_rd(inp, out),
            leaf::VP_CPUIDVE_SET => self.tdg_vp_cpuidve_set(tdvpr, inp),
            _ => Err(invalid(OperandId::Rax)),
        }
    }

    /// TDG.VP.CPUIDVE.SET: RCX bit 0 = #VE on CPUID at CPL 0, bit 1 at
    /// CPL > 0, bits 63:2 reserved (`TDX_OPERAND_INVALID`, operand RCX);
    /// RAX only (intel/tdx-module `tdg_vp_cpuidve_set.c` lines 57-65 at
    /// 72d8cffb). The model keeps the choice ([`Model::cpuid_ve`]); it runs
    /// no CPUID.
    fn tdg_vp_cpuidve_set(&mut self, tdvpr: u64, inp: &Regs) -> Result<(), GuestFail> {
        if inp.rcx & !0b11 != 0 {
            return Err(invalid(OperandId::Rcx));
        }
        if let Some(v) = self.vcpus.get_mut(&tdvpr) {
            v.guest.cpuid_ve = inp.rcx;
        }
        Ok(())
    }

    /// What TDG.VP.CPUIDVE.SET last chose for the vCPU at `tdvpr` (bit 0:
    /// #VE on CPUID at CPL 0, bit 1: at CPL > 0).
    pub fn cpuid_ve(&self, tdvpr: u64) -> Option<u64> {
        self.vcpus.get(&tdvpr).map(|v| v.guest.cpuid_ve)
    }

    /// The host physical address a guest access of `len` bytes at `gpa`
    /// reaches, as the module's `check_walk_and_map_guest_side_gpa` finds
    /// it: `TDX_OPERAND_INVALID` (the caller adds the operand id) for a GPA
    /// beyond the TD's GPA width, or a shared one where only private GPAs
    /// are taken; a private GPA through the S-EPT, usable only when the
    /// leaf is mapped ([`GuestStop`] otherwise, the #VE recorded for
    /// `tdvpr`); a shared GPA through the shared EPT, which the VMM owns
    /// and the model does not have: the model maps it to the host physical
    /// address with the shared bit cleared (identity).
    pub(crate) fn guest_hpa(
        &mut self,
        tdr: u64,
        tdvpr: u64,
        leaf: u16,
        gpa: u64,
        private_only: bool,
        write: bool,
    ) -> Result<u64, GuestFail> {
        let Some(td) = self.tds.get(&tdr) else {
            return Err(GuestFail::Status(TdxStatus::OPERAND_INVALID));
        };
        let width = td.params.gpa_width();
        if gpa >> width != 0 || (private_only && is_shared(td, gpa)) {
            return Err(GuestFail::Status(TdxStatus::OPERAND_INVALID));
        }
        if is_shared(td, gpa) {
            return Ok(gpa & !(1 << (width - 1)));
        }
        let page = gpa & !(PAGE - 1);
        let stop = match td.sept.get(&(SeptLevel::L4K, page)) {
            Some(Sept::Leaf {
                hpa,
                state: LeafState::Mapped,
            }) => return Ok(hpa + (gpa - page)),
            Some(Sept::Leaf {
                state: LeafState::Pending,
                ..
            }) if !pending_ve_disabled(td) => GuestStop::VirtualizationException { leaf, gpa },
            _ => GuestStop::EptViolation { leaf, gpa },
        };
        if let GuestStop::VirtualizationException { .. } = stop {
            // A #VE while the information of the last one was not read
            // yet is a #DF in the module, which keeps the first information
            // (`tdx_inject_ve`, `td_other_exits.c` lines 262-285 at
            // 72d8cffb); the model keeps it too.
            if let Some(v) = self.vcpus.get_mut(&tdvpr).filter(|v| v.guest.ve.is_none()) {
                // Exit qualification: the access that failed (bit 0 read,
                // bit 1 write) on a page with no access rights yet.
                v.guest.ve = Some(VeInfo {
                    exit_reason: EXIT_REASON_EPT_VIOLATION,
                    qualification: 1 | (u64::from(write) << 1),
                    gla: 0,
                    gpa,
                });
            }
        }
        Err(GuestFail::Stop(stop))
    }

    /// A handle on the vCPU whose TDVPR is at `tdvpr` that answers its
    /// TDCALLs ([`Model::tdcall`]) as a [`GuestModule`], TDG.VP.VMCALL
    /// through `vmm`. Install it with [`with_guest`](crate::emulate::with_guest).
    pub fn vcpu<'a>(&'a mut self, tdvpr: u64, vmm: &'a mut dyn Vmm) -> GuestVcpu<'a> {
        GuestVcpu {
            model: self,
            tdvpr,
            vmm,
        }
    }

    /// The last TDCALL of the vCPU at `tdvpr` that did not complete (an
    /// EPT-violation TD exit or a #VE), if any.
    pub fn guest_stop(&self, tdvpr: u64) -> Option<GuestStop> {
        self.vcpus.get(&tdvpr).and_then(|v| v.guest.stop)
    }

    /// RTMR `index` (0–3) of the TD whose TDR is at `tdr`.
    pub fn rtmr(&self, tdr: u64, index: usize) -> Option<[u8; 48]> {
        self.tds.get(&tdr)?.guest.rtmr.get(index).copied()
    }

    /// The vCPU index (`VCPU_INDEX`, TDG.VP.INFO R9) of the vCPU at
    /// `tdvpr`: the order of TDH.VP.CREATE in its TD, from 0.
    pub fn vcpu_index(&self, tdvpr: u64) -> Option<u32> {
        self.vcpus.get(&tdvpr).map(|v| v.guest.index)
    }
}

/// One vCPU of a TD on a [`Model`], as the [`GuestModule`] that
/// [`with_guest`](crate::emulate::with_guest) installs: every TDCALL of the thread is the vCPU's
/// ([`Model::tdcall`]). Made by [`Model::vcpu`].
///
/// A TDCALL that does not complete ([`GuestStop`]) panics with the stop's
/// message: the instruction raises #UD, every later TDCALL in the closure
/// too, and the panic reaches the caller of [`with_guest`](crate::emulate::with_guest) when the
/// closure returns; the model keeps the stop ([`Model::guest_stop`]).
pub struct GuestVcpu<'a> {
    model: &'a mut Model,
    tdvpr: u64,
    vmm: &'a mut dyn Vmm,
}

impl GuestVcpu<'_> {
    /// The model behind the vCPU.
    pub fn model(&mut self) -> &mut Model {
        self.model
    }

    /// The vCPU's TDVPR.
    pub fn tdvpr(&self) -> u64 {
        self.tdvpr
    }
}

impl GuestModule for GuestVcpu<'_> {
    fn tdcall(&mut self, regs: &mut Regs, rbp: &mut u64) -> Outcome {
        match self.model.tdcall(self.tdvpr, regs, rbp, &mut *self.vmm) {
            Ok(outcome) => outcome,
            Err(stop) => panic!("seamcall model: {stop}"),
        }
    }
}

impl core::fmt::Debug for GuestVcpu<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("GuestVcpu")
            .field("tdvpr", &format_args!("{:#x}", self.tdvpr))
            .finish_non_exhaustive()
    }
}
