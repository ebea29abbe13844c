//! The module's locks, as the shared model takes them (the table is on
//! [`Lock`]).

use std::collections::BTreeMap;

use super::{leaf, with_operand, Model, PageType, Sept, TDCS_PAGES};
use crate::emulate::Regs;
use crate::status::{OperandId, TdxStatus};
use crate::types::{GpaLevel, SeptLevel};

/// A lock of the TDX module, as the shared model ([`Shared`](super::Shared))
/// takes it: which leaf takes which lock, shared or exclusive, and the
/// operand id it reports when the lock is held by another logical
/// processor.
///
/// The TDX module never waits for a lock a leaf needs: it tries to acquire
/// it and, if another logical processor holds it in a conflicting mode,
/// returns `TDX_OPERAND_BUSY` with the id of the operand the lock protects
/// (`acquire_sharex_lock`, `sept_lock_acquire_host`, `pamt_walk`;
/// intel/tdx-module `src/common/helpers/tdx_locks.h`,
/// `src/common/memory_handlers/pamt_manager.c` at 72d8cffb). The table
/// below follows the leaf handlers of module 1.5.01 (intel/tdx-module
/// `src/vmm_dispatcher/api_calls/tdh_*.c` and
/// `src/td_transitions/tdh_vp_enter.c` at 72d8cffb; TDH.MEM.PAGE.REMOVE
/// takes the same locks at e69a4391, 2.0.18). "Page" is the PAMT entry of a
/// 4 KiB page (the TDR's for a TDR), "OP_STATE" the TDCS operation-state
/// lock, "SEPT" the TD's Secure-EPT tree lock, "SEPT entry" the host-side
/// lock bit of one S-EPT entry, "TD_EPOCH" the TLB-tracking epoch lock,
/// "KOT" the key ownership table's lock; the operand id follows in
/// braces, and locks are taken in the order listed:
///
/// | leaf | locks |
/// |---|---|
/// | MNG.CREATE | page RCX (TDR) X {RCX}, KOT X {KOT} |
/// | MNG.KEY.CONFIG, MNG.INIT, MR.FINALIZE | TDR RCX X {RCX} |
/// | MNG.ADDCX | TDR RDX X {RDX}, page RCX X {RCX} |
/// | MNG.RD | TDR RCX S {RCX}, OP_STATE S |
/// | MNG.VPFLUSHDONE, MNG.KEY.FREEID | TDR RCX X {RCX}, KOT X {KOT} |
/// | VP.CREATE | TDR RDX S {RDX}, OP_STATE S, page RCX (TDVPR) X {RCX} |
/// | VP.ADDCX | TDVPR RDX X {RDX}, its TDR S {TDR}, OP_STATE S, page RCX X {RCX} |
/// | VP.INIT | TDVPR RCX X {RCX}, its TDR S {TDR}, OP_STATE S |
/// | VP.RD, VP.WR | TDVPR RCX S {RCX}, its TDR S {TDR}, OP_STATE S |
/// | VP.FLUSH | TDVPR RCX X {RCX}, its TDR S {TDR} |
/// | VP.ENTER | TDVPR RCX S {RCX}, its TDR S {TDR}, OP_STATE S (released before the guest runs), TD_EPOCH S (released before the guest runs) |
/// | MEM.SEPT.ADD | TDR RDX S {RDX}, OP_STATE S, SEPT S, SEPT entry {RCX}, page R8 X {R8} |
/// | MEM.PAGE.ADD | TDR RDX X {RDX}, page R8 X {R8} |
/// | MEM.PAGE.AUG | TDR RDX S {RDX}, OP_STATE S, SEPT S, SEPT entry {RCX}, page R8 X {R8} |
/// | MEM.RANGE.BLOCK | TDR RDX S {RDX}, OP_STATE S, **SEPT X**, SEPT entry {RCX} |
/// | MEM.TRACK | TDR RCX S {RCX}, OP_STATE S, TD_EPOCH X {TD_EPOCH} |
/// | MEM.PAGE.REMOVE | TDR RDX S {RDX}, OP_STATE S, SEPT S, SEPT entry {RCX}, the mapped page X {RCX} |
/// | MR.EXTEND | TDR RDX X {RDX} |
/// | PHYMEM.CACHE.WB | KOT S {KOT} |
/// | PHYMEM.PAGE.RECLAIM | page RCX X {RCX}, its owner TDR S {TDR} |
/// | PHYMEM.PAGE.RDMD | page RCX S {RCX} |
/// | SYS.TDMR.INIT | the TDMR's mutex {RCX} |
///
/// OP_STATE reports operand `OP_STATE` (0xAC), SEPT `SEPT` (0x92),
/// TD_EPOCH `TD_EPOCH` (0xA9), KOT `KOT` (0xBA). The leaves above the
/// table's edge (SYS.INIT, LP.INIT, CONFIG, KEY.CONFIG, RD, the Dynamic PAMT
/// leaves) take no lock here: the module's global lock (`TDX_SYS_BUSY`) is
/// not modelled. VP.ENTER's exclusive SEPT lock, taken only by its
/// single-step mitigation (`handle_stepping_filter`), is not modelled
/// either.
///
/// A lock is only taken once the operands before it passed the checks the
/// module makes before taking it (a page's address, the TDR's type and the
/// TD's keys and TDCS pages for the TDCS-level locks, the GPA operand for
/// the S-EPT locks): a call that fails those checks gets the model's status
/// for them, never `TDX_OPERAND_BUSY`. Checks the module makes between two
/// locks that depend on the operation state are not replayed: a call that
/// both finds a lock held and would fail such a check gets the busy status.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum Lock {
    /// The PAMT entry of the 4 KiB page at this physical address: a TDR,
    /// TDVPR, TDCX, S-EPT or TD page, or a free page being assigned.
    Page(u64),
    /// The TDCS operation-state lock of the TD whose TDR is here.
    OpState(u64),
    /// The Secure-EPT tree lock of the TD whose TDR is here.
    Sept(u64),
    /// The host-side lock of one S-EPT entry: the TD's TDR, the GPA and the
    /// level (bits 2:0 of the GPA operand).
    SeptEntry {
        /// The TD's TDR.
        tdr: u64,
        /// The GPA the entry maps (4 KiB aligned).
        gpa: u64,
        /// The entry's level.
        level: u8,
    },
    /// The TLB-tracking epoch lock of the TD whose TDR is here.
    Epoch(u64),
    /// The key ownership table's lock (module-global).
    Kot,
    /// The mutex of the TDMR whose base is here (TDH.SYS.TDMR.INIT).
    Tdmr(u64),
    /// The RTMR lock of the TD whose TDR is here, which the guest side
    /// takes: TDG.MR.RTMR.EXTEND exclusively, TDG.MR.REPORT shared
    /// (intel/tdx-module 72d8cffb: `tdg_mr_rtmr_extend.c` line 101,
    /// `helpers.c` line 1927 under `tdg_mr_report.c`), busy as
    /// `OPERAND_ID_RTMR`.
    Rtmr(u64),
}

impl Lock {
    /// The operand id the module reports when this lock is busy and the
    /// leaf does not name it by register (the implicit locks).
    pub fn operand(self) -> Option<OperandId> {
        match self {
            Lock::OpState(_) => Some(OperandId::OpState),
            Lock::Sept(_) => Some(OperandId::Sept),
            Lock::Epoch(_) => Some(OperandId::TdEpoch),
            Lock::Kot => Some(OperandId::Kot),
            Lock::Rtmr(_) => Some(OperandId::Rtmr),
            Lock::Page(_) | Lock::SeptEntry { .. } | Lock::Tdmr(_) => None,
        }
    }
}

/// One lock a leaf takes.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Want {
    pub(crate) lock: Lock,
    pub(crate) exclusive: bool,
    /// The operand id of `TDX_OPERAND_BUSY` when the lock is held.
    pub(crate) operand: OperandId,
    /// Released once the leaf's body ran, before a guest runs (VP.ENTER's
    /// OP_STATE and TD_EPOCH locks).
    pub(crate) transient: bool,
}

/// The locks of one call, in acquisition order; the plan stops at the first
/// operand that fails the checks the module makes before taking its lock.
struct Plan<'m> {
    model: &'m Model,
    wants: Vec<Want>,
    stopped: bool,
}

impl<'m> Plan<'m> {
    fn take(&mut self, ok: bool, lock: Lock, exclusive: bool, operand: OperandId) -> &mut Self {
        self.take_with(ok, lock, exclusive, operand, false)
    }

    fn take_with(
        &mut self,
        ok: bool,
        lock: Lock,
        exclusive: bool,
        operand: OperandId,
        transient: bool,
    ) -> &mut Self {
        if self.stopped {
            return self;
        }
        if !ok {
            self.stopped = true;
            return self;
        }
        self.wants.push(Want {
            lock,
            exclusive,
            operand,
            transient,
        });
        self
    }

    /// A page operand: aligned, without key id bits, in an initialized TDMR.
    fn page_ok(&self, pa: u64) -> bool {
        self.model.check_tdmr_page(pa, OperandId::Rcx).is_ok()
    }

    /// The PAMT entry of the page at `pa`.
    fn page(&mut self, pa: u64, exclusive: bool, op: OperandId) -> &mut Self {
        let ok = self.page_ok(pa);
        self.take(ok, Lock::Page(pa), exclusive, op)
    }

    /// An explicit TDR operand: its PAMT entry, once it is a TDR page.
    fn tdr(&mut self, tdr: u64, exclusive: bool, op: OperandId) -> &mut Self {
        let ok = self.page_ok(tdr);
        self.take(ok, Lock::Page(tdr), exclusive, op);
        let is_tdr = self.model.page_type(tdr) == PageType::Tdr;
        if !is_tdr {
            self.stopped = true;
        }
        self
    }

    /// The TDCS-level locks run after the TD's build state was checked:
    /// keys configured and every TDCS page added.
    fn td_ready(&self, tdr: u64) -> bool {
        self.model.tds.get(&tdr).is_some_and(|td| {
            td.lifecycle == super::Lifecycle::KeysConfigured && td.tdcx.len() >= TDCS_PAGES
        })
    }

    fn op_state(&mut self, tdr: u64, transient: bool) -> &mut Self {
        let ok = self.td_ready(tdr);
        self.take_with(ok, Lock::OpState(tdr), false, OperandId::OpState, transient)
    }

    /// The S-EPT tree lock and the entry's host-side lock for the GPA
    /// operand in RCX.
    fn sept(&mut self, tdr: u64, rcx: u64, exclusive: bool) -> &mut Self {
        let gpa = GpaLevel::decode(rcx);
        self.take(gpa.is_some(), Lock::Sept(tdr), exclusive, OperandId::Sept);
        if let Some(g) = gpa {
            let entry = Lock::SeptEntry {
                tdr,
                gpa: g.gpa(),
                level: g.level().get(),
            };
            self.take(true, entry, true, OperandId::Rcx);
        }
        self
    }

    /// The TDR that owns the page at `pa` (a TDVPR, TDCX, S-EPT or TD page),
    /// if the PAMT records one.
    fn owner(&self, pa: u64, expect: Option<PageType>) -> Option<u64> {
        let meta = self.model.pamt.get(&pa)?;
        if expect.is_some_and(|pt| pt != meta.pt) || meta.pt == PageType::Tdr {
            return None;
        }
        Some(meta.owner)
    }

    /// An explicit TDVPR operand and its implicit TDR.
    fn tdvpr(&mut self, tdvpr: u64, exclusive: bool, op: OperandId) -> Option<u64> {
        self.page(tdvpr, exclusive, op);
        let owner = self.owner(tdvpr, Some(PageType::Tdvpr));
        let tdr = owner.unwrap_or(0);
        self.take(owner.is_some(), Lock::Page(tdr), false, OperandId::Tdr);
        owner
    }
}

/// The locks the call in `regs` takes, in order.
pub(crate) fn plan(model: &Model, regs: &Regs) -> Vec<Want> {
    use OperandId::{Kot, Rcx, Rdx, R8};
    let mut p = Plan {
        model,
        wants: Vec::new(),
        stopped: false,
    };
    let (rcx, rdx, r8) = (regs.rcx, regs.rdx, regs.r8);
    match regs.leaf() {
        leaf::MNG_CREATE => {
            p.page(rcx, true, Rcx).take(true, Lock::Kot, true, Kot);
        }
        leaf::MNG_KEY_CONFIG | leaf::MNG_INIT | leaf::MR_FINALIZE => {
            p.tdr(rcx, true, Rcx);
        }
        leaf::MNG_ADDCX => {
            p.tdr(rdx, true, Rdx).page(rcx, true, Rcx);
        }
        leaf::MNG_RD => {
            p.tdr(rcx, false, Rcx).op_state(rcx, false);
        }
        leaf::MNG_VPFLUSHDONE | leaf::MNG_KEY_FREEID => {
            p.tdr(rcx, true, Rcx).take(true, Lock::Kot, true, Kot);
        }
        leaf::VP_CREATE => {
            p.tdr(rdx, false, Rdx)
                .op_state(rdx, false)
                .page(rcx, true, Rcx);
        }
        leaf::VP_ADDCX => {
            if let Some(tdr) = p.tdvpr(rdx, true, Rdx) {
                p.op_state(tdr, false).page(rcx, true, Rcx);
            }
        }
        leaf::VP_INIT => {
            if let Some(tdr) = p.tdvpr(rcx, true, Rcx) {
                p.op_state(tdr, false);
            }
        }
        leaf::VP_RD | leaf::VP_WR => {
            if let Some(tdr) = p.tdvpr(rcx, false, Rcx) {
                p.op_state(tdr, false);
            }
        }
        leaf::VP_FLUSH => {
            p.tdvpr(rcx, true, Rcx);
        }
        leaf::VP_ENTER => {
            if let Some(tdr) = p.tdvpr(rcx, false, Rcx) {
                let ready = p.td_ready(tdr);
                p.op_state(tdr, true).take_with(
                    ready,
                    Lock::Epoch(tdr),
                    false,
                    OperandId::TdEpoch,
                    true,
                );
            }
        }
        leaf::MEM_SEPT_ADD | leaf::MEM_PAGE_AUG => {
            p.tdr(rdx, false, Rdx)
                .op_state(rdx, false)
                .sept(rdx, rcx, false)
                .page(r8, true, R8);
        }
        leaf::MEM_PAGE_ADD => {
            p.tdr(rdx, true, Rdx).page(r8, true, R8);
        }
        leaf::MEM_RANGE_BLOCK => {
            p.tdr(rdx, false, Rdx)
                .op_state(rdx, false)
                .sept(rdx, rcx, true);
        }
        leaf::MEM_TRACK => {
            let ready = p.td_ready(rcx);
            p.tdr(rcx, false, Rcx).op_state(rcx, false).take(
                ready,
                Lock::Epoch(rcx),
                true,
                OperandId::TdEpoch,
            );
        }
        leaf::MEM_PAGE_REMOVE => {
            p.tdr(rdx, false, Rdx)
                .op_state(rdx, false)
                .sept(rdx, rcx, false);
            let mapped = GpaLevel::decode(rcx).and_then(|g| {
                let td = model.tds.get(&rdx)?;
                match td.sept.get(&(SeptLevel::L4K, g.gpa()))? {
                    Sept::Leaf { hpa, .. } => Some(*hpa),
                    Sept::Table { .. } => None,
                }
            });
            if let Some(hpa) = mapped {
                p.take(true, Lock::Page(hpa), true, Rcx);
            }
        }
        leaf::MR_EXTEND => {
            p.tdr(rdx, true, Rdx);
        }
        leaf::PHYMEM_CACHE_WB => {
            p.take(true, Lock::Kot, false, Kot);
        }
        leaf::PHYMEM_PAGE_RECLAIM => {
            p.page(rcx, true, Rcx);
            if let Some(owner) = p.owner(rcx, None) {
                p.take(true, Lock::Page(owner), false, OperandId::Tdr);
            }
        }
        leaf::PHYMEM_PAGE_RDMD => {
            p.page(rcx, false, Rcx);
        }
        leaf::SYS_TDMR_INIT => {
            let known = model.tdmrs.iter().any(|t| t.base == rcx);
            p.take(known, Lock::Tdmr(rcx), true, Rcx);
        }
        _ => {}
    }
    p.wants
}

/// How a lock is held.
#[derive(Clone, Copy, Default, Debug)]
struct Holders {
    shared: u32,
    exclusive: bool,
}

/// A lock the test holds (see `Shared::hold`).
#[derive(Clone, Copy, Debug)]
struct TestHold {
    id: u64,
    lock: Lock,
    exclusive: bool,
    /// Released by itself once it made this many calls busy.
    remaining: Option<u64>,
}

/// The locks logical processors and the test hold now, and the busy
/// statuses they caused.
#[derive(Default, Debug)]
pub(crate) struct LockTable {
    held: BTreeMap<Lock, Holders>,
    holds: Vec<TestHold>,
    next_hold: u64,
    pub(crate) busy: BTreeMap<TdxStatus, u64>,
}

impl LockTable {
    fn conflicts_lp(&self, lock: Lock, exclusive: bool) -> bool {
        self.held
            .get(&lock)
            .is_some_and(|h| h.exclusive || (exclusive && h.shared > 0))
    }

    fn conflicting_holds(&self, lock: Lock, exclusive: bool) -> impl Iterator<Item = usize> + '_ {
        self.holds
            .iter()
            .enumerate()
            .filter(move |(_, h)| h.lock == lock && (h.exclusive || exclusive))
            .map(|(i, _)| i)
    }

    /// Take every lock of `wants`, or none: the status of the first that is
    /// held in a conflicting mode.
    pub(crate) fn try_acquire(&mut self, wants: &[Want]) -> Result<(), TdxStatus> {
        for w in wants {
            let by_hold: Vec<usize> = self.conflicting_holds(w.lock, w.exclusive).collect();
            if self.conflicts_lp(w.lock, w.exclusive) || !by_hold.is_empty() {
                // A test hold with a budget counts this busy answer.
                for &i in by_hold.iter().rev() {
                    if let Some(n) = self.holds[i].remaining.as_mut() {
                        *n = n.saturating_sub(1);
                        if *n == 0 {
                            self.holds.remove(i);
                        }
                    }
                }
                let status = with_operand(TdxStatus::OPERAND_BUSY, w.operand);
                *self.busy.entry(status).or_insert(0) += 1;
                return Err(status);
            }
        }
        for w in wants {
            let h = self.held.entry(w.lock).or_default();
            if w.exclusive {
                h.exclusive = true;
            } else {
                h.shared += 1;
            }
        }
        Ok(())
    }

    /// Release locks taken by [`LockTable::try_acquire`].
    pub(crate) fn release<'a>(&mut self, wants: impl IntoIterator<Item = &'a Want>) {
        for w in wants {
            if let Some(h) = self.held.get_mut(&w.lock) {
                if w.exclusive {
                    h.exclusive = false;
                } else {
                    h.shared = h.shared.saturating_sub(1);
                }
                if !h.exclusive && h.shared == 0 {
                    self.held.remove(&w.lock);
                }
            }
        }
    }

    /// A lock taken on behalf of the test; its id, or `None` if it is held
    /// in a conflicting mode.
    pub(crate) fn hold(&mut self, lock: Lock, exclusive: bool, budget: Option<u64>) -> Option<u64> {
        if self.conflicts_lp(lock, exclusive)
            || self.conflicting_holds(lock, exclusive).next().is_some()
        {
            return None;
        }
        self.next_hold += 1;
        self.holds.push(TestHold {
            id: self.next_hold,
            lock,
            exclusive,
            remaining: budget.filter(|n| *n > 0),
        });
        Some(self.next_hold)
    }

    /// Release the test's hold `id` (nothing if it released itself).
    pub(crate) fn unhold(&mut self, id: u64) {
        self.holds.retain(|h| h.id != id);
    }

    /// Whether the test's hold `id` is still held.
    pub(crate) fn holding(&self, id: u64) -> bool {
        self.holds.iter().any(|h| h.id == id)
    }

    /// Whether any logical processor or test hold holds `lock`.
    pub(crate) fn is_held(&self, lock: Lock) -> bool {
        self.held.contains_key(&lock) || self.holds.iter().any(|h| h.lock == lock)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn want(lock: Lock, exclusive: bool) -> Want {
        Want {
            lock,
            exclusive,
            operand: OperandId::Rcx,
            transient: false,
        }
    }

    #[test]
    fn shared_locks_share_and_exclusive_ones_do_not() {
        let mut t = LockTable::default();
        let s = want(Lock::Sept(0x1000), false);
        let x = want(Lock::Sept(0x1000), true);
        assert_eq!(t.try_acquire(&[s]), Ok(()));
        assert_eq!(t.try_acquire(&[s]), Ok(()));
        let busy = TdxStatus::from_raw(0x8000_0200_0000_0001);
        assert_eq!(t.try_acquire(&[x]), Err(busy));
        t.release([&s, &s]);
        assert_eq!(t.try_acquire(&[x]), Ok(()));
        assert_eq!(t.try_acquire(&[s]), Err(busy));
        // All or nothing: the first lock of a plan that fails is not kept.
        let other = want(Lock::Page(0x2000), true);
        assert_eq!(t.try_acquire(&[other, s]), Err(busy));
        assert!(!t.is_held(Lock::Page(0x2000)));
        t.release([&x]);
        assert!(!t.is_held(Lock::Sept(0x1000)));
        assert_eq!(t.busy.get(&busy), Some(&3));
    }

    #[test]
    fn a_test_hold_with_a_budget_releases_itself() {
        let mut t = LockTable::default();
        let id = t.hold(Lock::Kot, true, Some(2)).expect("free");
        assert!(t.hold(Lock::Kot, false, None).is_none());
        let w = want(Lock::Kot, false);
        assert!(t.try_acquire(&[w]).is_err());
        assert!(t.holding(id));
        assert!(t.try_acquire(&[w]).is_err());
        assert!(!t.holding(id), "released after two busy answers");
        assert_eq!(t.try_acquire(&[w]), Ok(()));
    }
}
