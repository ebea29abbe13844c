//! One model, several logical processors: [`Shared`] and its per-thread
//! [`Lp`] handles.

use std::collections::BTreeMap;
use std::fmt;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use super::locks::{self, LockTable, Want};
use super::{codes, leaf, Lock, Model, OpState, SysState};
use crate::emulate::{Module, Outcome, Regs};
use crate::status::TdxStatus;

/// A [`Model`] shared by several logical processors, each a thread with
/// its [`Lp`] handle.
///
/// Hardware has one TDX module that every logical processor (LP) calls. A
/// [`Shared`] is one [`Model`] with a fixed number of LPs; each thread that
/// plays an LP takes its handle with [`Shared::lp`] and installs it with
/// [`with_module`](crate::emulate::with_module), as it would a per-thread
/// model. What is per LP:
///
/// * **TDH.SYS.LP.INIT**: each LP runs it once (`TDX_SYS_LP_INIT_DONE` the
///   second time on the same LP); TDH.SYS.CONFIG needs every LP initialized
///   (else `TDX_SYS_CONFIG_NOT_PENDING`, as the module answers,
///   `tdh_sys_config.c` lines 768–775 at 72d8cffb), and TDH.SYS.RD on an LP that
///   has not run it is `TDX_SYS_LP_INIT_NOT_DONE`, as in the module
///   (intel/tdx-module `src/vmm_dispatcher/api_calls/tdh_sys_rd.c` at
///   72d8cffb). A shared model made from a model that is already ready
///   ([`Model::ready`]) has every LP initialized.
/// * **vCPU association**: TDH.VP.INIT associates the vCPU with the LP it
///   runs on; TDH.VP.ENTER, VP.RD and VP.WR associate an unassociated vCPU
///   with theirs, and fail with `TDX_VCPU_ASSOCIATED` on a vCPU associated
///   with another LP (`associate_vcpu`, `src/common/helpers/helpers.c` at
///   72d8cffb); TDH.VP.FLUSH must run on the LP the vCPU is associated
///   with, else `TDX_VCPU_NOT_ASSOCIATED` (`tdh_vp_flush.c`), as KVM does it
///   on the CPU the vCPU last ran on. Each LP remembers the vCPU whose
///   state it holds ([`Shared::lp_vcpu`], the module's current VMCS).
/// * **TLB tracking**: a vCPU is in the TD while its VP.ENTER has not
///   returned (with [`Shared::pause_at`]); TDH.MEM.TRACK is then
///   `TDX_PREVIOUS_TLB_EPOCH_BUSY` if it entered in the previous epoch, and
///   TDH.MEM.PAGE.REMOVE of a page blocked in the epoch it entered in is
///   `TDX_TLB_TRACKING_NOT_DONE`, until it exits: the reason KVM kicks
///   every vCPU out of the TD between TRACK and REMOVE.
/// * **Locks**: every leaf first tries to take the module's locks it needs
///   (see the table in [`Lock`]) and, if another LP holds one in a
///   conflicting mode, returns `TDX_OPERAND_BUSY` with that lock's operand
///   id instead of waiting, as the module does. The locks are held while
///   the leaf runs and released when it returns. The model's data sits
///   behind one internal mutex, so the leaves' bodies do not overlap; the
///   test widens the window in which a leaf holds its locks with
///   [`Shared::pause_at`] (the next call of a leaf stops with its locks
///   held until released), [`Shared::hold`] (the test takes a lock itself)
///   and [`Shared::set_yields`] (every leaf yields the CPU with its locks
///   held, for stress runs).
///
/// A panic inside a leaf (the model's report of unbacked memory, or a bug)
/// is caught inside the handle before it can poison anything: the locks the
/// call held are released, the other LPs keep running, and the LP that
/// panicked gets VMfailInvalid as a per-thread model's does (the panic
/// reaches that thread's test when its [`with_module`] closure returns).
/// A panic elsewhere while the internal mutex is held (in a closure given
/// to [`Shared::with`]) does poison it; the handles recover the data
/// (`PoisonError::into_inner`) and carry on.
///
/// [`with_module`]: crate::emulate::with_module
///
/// Cheap to clone (the clones are the same model); `Send + Sync`.
#[derive(Clone)]
pub struct Shared {
    inner: Arc<Inner>,
}

/// The handle of one logical processor of a [`Shared`] model: the module
/// its thread installs with [`with_module`](crate::emulate::with_module).
/// One handle per LP exists at a time; dropping it frees the LP for
/// [`Shared::lp`] again.
pub struct Lp {
    inner: Arc<Inner>,
    id: usize,
    /// RBP after the call just answered ([`Module::rbp_after`]), read from
    /// the model while the call held it.
    rbp: Option<u64>,
}

/// Why [`Shared::new`] or [`Shared::lp`] refused.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum LpError {
    /// A shared model needs at least one logical processor.
    NoLps,
    /// No LP has this id: ids run from 0 to `lps - 1`.
    NoSuchLp {
        /// The id asked for.
        id: usize,
        /// The number of LPs of the model.
        lps: usize,
    },
    /// The handle of this LP is in use (one thread plays one LP at a time).
    Taken(usize),
}

impl fmt::Display for LpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LpError::NoLps => write!(f, "a shared model needs at least one logical processor"),
            LpError::NoSuchLp { id, lps } => {
                write!(
                    f,
                    "no logical processor {id}: the model has {lps} (0..{lps})"
                )
            }
            LpError::Taken(id) => write!(f, "the handle of logical processor {id} is in use"),
        }
    }
}

impl std::error::Error for LpError {}

struct Inner {
    state: Mutex<State>,
    locks: Mutex<LockTable>,
    pauses: Mutex<Vec<Arc<PauseInner>>>,
    yields: AtomicU32,
    panics: AtomicU64,
}

/// What the internal mutex guards: the model and what is per LP.
struct State {
    model: Model,
    lps: Vec<LpState>,
    /// vCPU (TDVPR) → the LP it is associated with.
    assoc: BTreeMap<u64, usize>,
    /// vCPUs in the TD now (a VP.ENTER between its body and its return):
    /// TDVPR → (TDR, the TD's TLB epoch when it entered), the module's
    /// epoch reference counts.
    in_guest: BTreeMap<u64, (u64, u64)>,
}

#[derive(Clone, Copy, Default, Debug)]
struct LpState {
    initialized: bool,
    /// The vCPU whose state the LP holds (its current VMCS).
    vcpu: Option<u64>,
    taken: bool,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl fmt::Debug for Shared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let st = lock(&self.inner.state);
        f.debug_struct("Shared")
            .field("lps", &st.lps.len())
            .field("associations", &st.assoc)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for Lp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lp")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl Model {
    /// This model, shared by `lps` logical processors; see [`Shared::new`].
    pub fn into_shared(self, lps: usize) -> Result<Shared, LpError> {
        Shared::new(self, lps)
    }
}

impl Shared {
    /// `model`, shared by `lps` logical processors (ids `0..lps`). If the
    /// model is ready ([`SysState::Ready`]) every LP counts as initialized;
    /// otherwise LP 0 is initialized if the model was and the others are
    /// not.
    pub fn new(model: Model, lps: usize) -> Result<Shared, LpError> {
        if lps == 0 {
            return Err(LpError::NoLps);
        }
        let ready = model.sys == SysState::Ready;
        let lps = (0..lps)
            .map(|i| LpState {
                initialized: ready || (i == 0 && model.lp_initialized),
                ..LpState::default()
            })
            .collect();
        Ok(Shared {
            inner: Arc::new(Inner {
                state: Mutex::new(State {
                    model,
                    lps,
                    assoc: BTreeMap::new(),
                    in_guest: BTreeMap::new(),
                }),
                locks: Mutex::new(LockTable::default()),
                pauses: Mutex::new(Vec::new()),
                yields: AtomicU32::new(0),
                panics: AtomicU64::new(0),
            }),
        })
    }

    /// The handle of logical processor `id`, for the thread that plays it.
    pub fn lp(&self, id: usize) -> Result<Lp, LpError> {
        let mut st = lock(&self.inner.state);
        let lps = st.lps.len();
        let slot = st.lps.get_mut(id).ok_or(LpError::NoSuchLp { id, lps })?;
        if slot.taken {
            return Err(LpError::Taken(id));
        }
        slot.taken = true;
        Ok(Lp {
            inner: Arc::clone(&self.inner),
            id,
            rbp: None,
        })
    }

    /// The number of logical processors.
    pub fn lps(&self) -> usize {
        lock(&self.inner.state).lps.len()
    }

    /// Run `f` on the model (to read its state, map a window, inject a
    /// status) while no leaf runs. Not from inside a leaf (a guest script
    /// run by TDH.VP.ENTER): the leaf holds the model, and the call would
    /// wait for itself.
    pub fn with<R>(&self, f: impl FnOnce(&mut Model) -> R) -> R {
        f(&mut lock(&self.inner.state).model)
    }

    /// Whether logical processor `id` ran TDH.SYS.LP.INIT (`None`: no such
    /// LP).
    pub fn lp_initialized(&self, id: usize) -> Option<bool> {
        lock(&self.inner.state).lps.get(id).map(|l| l.initialized)
    }

    /// The vCPU (TDVPR) whose state logical processor `id` holds: the last
    /// one it initialized, entered, read or wrote, until TDH.VP.FLUSH.
    pub fn lp_vcpu(&self, id: usize) -> Option<u64> {
        lock(&self.inner.state).lps.get(id).and_then(|l| l.vcpu)
    }

    /// The logical processor the vCPU whose TDVPR is `tdvpr` is associated
    /// with.
    pub fn associated_lp(&self, tdvpr: u64) -> Option<usize> {
        lock(&self.inner.state).assoc.get(&tdvpr).copied()
    }

    /// Every `TDX_OPERAND_BUSY` status the locks caused so far, with its
    /// operand id, and how many times.
    pub fn busy(&self) -> BTreeMap<TdxStatus, u64> {
        lock(&self.inner.locks).busy.clone()
    }

    /// The number of `TDX_OPERAND_BUSY` answers so far.
    pub fn busy_count(&self) -> u64 {
        lock(&self.inner.locks).busy.values().sum()
    }

    /// Whether a logical processor (or a [`Hold`]) holds `lock` now.
    pub fn is_held(&self, lock_id: Lock) -> bool {
        lock(&self.inner.locks).is_held(lock_id)
    }

    /// The number of leaves that panicked (each answered VMfailInvalid).
    pub fn panics(&self) -> u64 {
        self.inner.panics.load(Ordering::Relaxed)
    }

    /// Every leaf yields the CPU `n` times after its body ran, with its
    /// locks still held, so that racing LPs find them taken (0, the
    /// default: no yield). For stress runs; deterministic tests use
    /// [`Shared::pause_at`] or [`Shared::hold`].
    pub fn set_yields(&self, n: u32) {
        self.inner.yields.store(n, Ordering::Relaxed);
    }

    /// Take `lock` for the test, shared or exclusive, as if an LP held it:
    /// until the [`Hold`] is dropped (or [`Hold::release`]d), leaves that
    /// need it in a conflicting mode get `TDX_OPERAND_BUSY`. `None` if an
    /// LP or another hold has it in a conflicting mode now.
    pub fn hold(&self, lock_id: Lock, exclusive: bool) -> Option<Hold> {
        self.hold_inner(lock_id, exclusive, None)
    }

    /// Like [`Shared::hold`], but the hold releases itself once it has
    /// made `busy_answers` calls busy: the call after that finds the lock
    /// free. A retry loop then succeeds on a known attempt.
    pub fn hold_for(&self, lock_id: Lock, exclusive: bool, busy_answers: u64) -> Option<Hold> {
        self.hold_inner(lock_id, exclusive, Some(busy_answers))
    }

    fn hold_inner(&self, lock_id: Lock, exclusive: bool, budget: Option<u64>) -> Option<Hold> {
        let id = lock(&self.inner.locks).hold(lock_id, exclusive, budget)?;
        Some(Hold {
            inner: Arc::clone(&self.inner),
            id,
        })
    }

    /// Stop the next call of `leaf` (on any LP) after its body ran, with
    /// its locks held (a VP.ENTER: with the guest "running"), until the
    /// [`Pause`] is released or dropped. A call that finds a lock busy does
    /// not stop: it never held its locks.
    pub fn pause_at(&self, leaf: u16) -> Pause {
        let p = Arc::new(PauseInner {
            leaf,
            state: Mutex::new(PauseState::Armed),
            cv: Condvar::new(),
        });
        lock(&self.inner.pauses).push(Arc::clone(&p));
        Pause {
            inner: Arc::clone(&self.inner),
            pause: p,
        }
    }
}

/// A lock the test holds; see [`Shared::hold`]. Dropping it releases it.
#[must_use = "the lock is released when the Hold is dropped"]
pub struct Hold {
    inner: Arc<Inner>,
    id: u64,
}

impl Hold {
    /// Whether the lock is still held (a [`Shared::hold_for`] hold releases
    /// itself).
    pub fn is_held(&self) -> bool {
        lock(&self.inner.locks).holding(self.id)
    }

    /// Release the lock now.
    pub fn release(self) {}
}

impl Drop for Hold {
    fn drop(&mut self) {
        lock(&self.inner.locks).unhold(self.id);
    }
}

impl fmt::Debug for Hold {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hold")
            .field("held", &self.is_held())
            .finish()
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum PauseState {
    Armed,
    Parked(usize),
    Released,
}

struct PauseInner {
    leaf: u16,
    state: Mutex<PauseState>,
    cv: Condvar,
}

/// A stop armed by [`Shared::pause_at`]. Dropping it releases the LP (or
/// disarms it if no call reached it).
#[must_use = "the pause is released when dropped"]
pub struct Pause {
    inner: Arc<Inner>,
    pause: Arc<PauseInner>,
}

impl Pause {
    /// Wait until a call stopped here; the LP it runs on, or `None` if none
    /// did within `timeout`.
    pub fn wait_timeout(&self, timeout: Duration) -> Option<usize> {
        let deadline = Instant::now() + timeout;
        let mut st = lock(&self.pause.state);
        loop {
            if let PauseState::Parked(lp) = *st {
                return Some(lp);
            }
            let now = Instant::now();
            if now >= deadline || *st == PauseState::Released {
                return None;
            }
            st = self
                .pause
                .cv
                .wait_timeout(st, deadline - now)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }

    /// Wait until a call stopped here, and return its LP.
    ///
    /// # Panics
    ///
    /// If no call of the leaf stopped within 30 seconds: the test's other
    /// thread never made it (a test bug, reported rather than hanging).
    pub fn wait(&self) -> usize {
        self.wait_timeout(Duration::from_secs(30))
            .unwrap_or_else(|| {
                panic!(
                    "seamcall shared model: no call of leaf {} reached the pause in 30 s",
                    self.pause.leaf
                )
            })
    }

    /// Let the stopped call return (and release its locks), or disarm.
    pub fn release(self) {}
}

impl Drop for Pause {
    fn drop(&mut self) {
        *lock(&self.pause.state) = PauseState::Released;
        self.pause.cv.notify_all();
        lock(&self.inner.pauses).retain(|p| !Arc::ptr_eq(p, &self.pause));
    }
}

impl fmt::Debug for Pause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pause")
            .field("leaf", &self.pause.leaf)
            .field("state", &*lock(&self.pause.state))
            .finish()
    }
}

/// The locks one call holds; released on drop, on return and on unwind.
struct Held<'a> {
    locks: &'a Mutex<LockTable>,
    wants: Vec<Want>,
}

impl Held<'_> {
    /// Release the locks held only while the body runs.
    fn release_transient(&mut self) {
        let (gone, kept): (Vec<Want>, Vec<Want>) = self.wants.iter().partition(|w| w.transient);
        if !gone.is_empty() {
            lock(self.locks).release(&gone);
        }
        self.wants = kept;
    }
}

impl Drop for Held<'_> {
    fn drop(&mut self) {
        if !self.wants.is_empty() {
            lock(self.locks).release(&self.wants);
        }
    }
}

/// The TLB-tracking checks that depend on the vCPUs in the TD, which the
/// model alone does not know: TDH.MEM.TRACK fails with
/// `TDX_PREVIOUS_TLB_EPOCH_BUSY` while a vCPU that entered in the previous
/// epoch is still in the TD (`tdh_mem_track.c` at 72d8cffb), and
/// TDH.MEM.PAGE.REMOVE of a page blocked in the previous epoch fails with
/// `TDX_TLB_TRACKING_NOT_DONE` (RCX) while a vCPU that entered in that
/// epoch is (`is_tlb_tracked`, `src/common/helpers/helpers.h`). Both come
/// once the operands and the TD's state passed.
fn tlb_tracking(st: &State, regs: &Regs) -> Option<TdxStatus> {
    use super::{LeafState, Sept};
    let runs = [OpState::Initialized, OpState::Runnable];
    let (tdr, remove) = match regs.leaf() {
        leaf::MEM_TRACK => (regs.rcx, false),
        _ => (regs.rdx, true),
    };
    let td = st.model.tds.get(&tdr)?;
    Model::check_build_state(td).ok()?;
    if !runs.contains(&td.op) || st.model.page_type(tdr) != super::PageType::Tdr {
        return None;
    }
    let entered_in = |epoch: u64| st.in_guest.values().any(|&(t, e)| t == tdr && e == epoch);
    if !remove {
        let prev = td.epoch.checked_sub(1)?;
        return entered_in(prev).then_some(TdxStatus::PREVIOUS_TLB_EPOCH_BUSY);
    }
    let gpa = crate::types::GpaLevel::decode(regs.rcx)?;
    if gpa.level() != crate::types::SeptLevel::L4K {
        return None;
    }
    match td.sept.get(&(crate::types::SeptLevel::L4K, gpa.gpa()))? {
        Sept::Leaf {
            state: LeafState::Blocked { epoch, .. },
            ..
        } if epoch + 1 == td.epoch && entered_in(*epoch) => Some(TdxStatus::from_raw(
            TdxStatus::TLB_TRACKING_NOT_DONE.raw() | u64::from(crate::status::OperandId::Rcx.raw()),
        )),
        _ => None,
    }
}

/// Whether `status` (RAX after the call) is not an error: a success, or a
/// TD exit from TDH.VP.ENTER.
fn ok(status: u64) -> bool {
    status & TdxStatus::ERROR_BIT == 0
}

impl Lp {
    /// This LP's id.
    pub fn id(&self) -> usize {
        self.id
    }

    /// Stop at an armed [`Pause`] of `leaf`, if any, until it is released.
    fn park(&self, leaf: u16) {
        let hit = {
            let mut pauses = lock(&self.inner.pauses);
            let i = pauses
                .iter()
                .position(|p| p.leaf == leaf && *lock(&p.state) == PauseState::Armed);
            i.map(|i| pauses.remove(i))
        };
        let Some(p) = hit else { return };
        let mut st = lock(&p.state);
        if *st != PauseState::Armed {
            return;
        }
        *st = PauseState::Parked(self.id);
        p.cv.notify_all();
        while *st != PauseState::Released {
            st = p.cv.wait(st).unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// The association checks the module makes once the vCPU's operands
    /// and state passed: `Some(status)` to answer instead of running the
    /// leaf.
    fn association(&self, st: &State, regs: &Regs) -> Option<TdxStatus> {
        let leaf = regs.leaf();
        let tdvpr = regs.rcx;
        let other = st.assoc.get(&tdvpr).is_some_and(|lp| *lp != self.id);
        let mine = st.assoc.get(&tdvpr) == Some(&self.id);
        let m = &st.model;
        match leaf {
            leaf::VP_ENTER | leaf::VP_RD | leaf::VP_WR if other => {
                // Only once every earlier check passed: the TDVPR, its TD's
                // state (for VP.ENTER a runnable TD), the vCPU initialized
                // and, but for VP.RD, not disabled by a fatal exit
                // (`check_and_associate_vcpu` checks the state first).
                let tdr = m.vcpu_td(tdvpr, crate::status::OperandId::Rcx).ok()?;
                let vcpu = m.vcpus.get(&tdvpr)?;
                let td = m.tds.get(&tdr)?;
                let runnable = leaf != leaf::VP_ENTER || td.op == OpState::Runnable;
                let state_ok = vcpu.initialized && (leaf == leaf::VP_RD || !vcpu.run.disabled);
                (state_ok && runnable).then_some(TdxStatus::VCPU_ASSOCIATED)
            }
            leaf::VP_FLUSH if !mine => {
                m.vcpu_td(tdvpr, crate::status::OperandId::Rcx).ok()?;
                Some(TdxStatus::VCPU_NOT_ASSOCIATED)
            }
            leaf::MEM_TRACK | leaf::MEM_PAGE_REMOVE => tlb_tracking(st, regs),
            _ => None,
        }
    }

    /// Bookkeeping after the model answered `regs` (RAX = status).
    fn after(&self, st: &mut State, leaf: u16, tdvpr: u64, status: u64, runs_before: Option<u64>) {
        match leaf {
            leaf::SYS_LP_INIT => st.lps[self.id].initialized = st.model.lp_initialized,
            leaf::VP_INIT | leaf::VP_ENTER | leaf::VP_RD | leaf::VP_WR if ok(status) => {
                if leaf == leaf::VP_ENTER && entries(&st.model, leaf, tdvpr) != runs_before {
                    let td = st.model.vcpus.get(&tdvpr).map(|v| v.tdr);
                    if let Some(e) = td.and_then(|t| st.model.tds.get(&t)).map(|t| t.epoch) {
                        st.in_guest.insert(tdvpr, (td.unwrap_or(0), e));
                    }
                }
                st.assoc.insert(tdvpr, self.id);
                if let Some(v) = st.model.vcpus.get_mut(&tdvpr) {
                    v.associated = true;
                }
                st.lps[self.id].vcpu = Some(tdvpr);
            }
            leaf::VP_FLUSH if ok(status) => {
                st.assoc.remove(&tdvpr);
                let me = &mut st.lps[self.id];
                if me.vcpu == Some(tdvpr) {
                    me.vcpu = None;
                }
            }
            leaf::PHYMEM_PAGE_RECLAIM if ok(status) => {
                // A reclaimed TDVPR takes its vCPU with it.
                let State {
                    model, assoc, lps, ..
                } = st;
                assoc.retain(|t, _| model.vcpus.contains_key(t));
                for l in lps.iter_mut() {
                    if l.vcpu.is_some_and(|t| !model.vcpus.contains_key(&t)) {
                        l.vcpu = None;
                    }
                }
            }
            _ => {}
        }
    }
}

impl Module for Lp {
    fn seamcall(&mut self, regs: &mut Regs) -> Outcome {
        let inner = Arc::clone(&self.inner);
        let leaf = regs.leaf();
        let leaf_word = regs.rax;
        let tdvpr = regs.rcx;
        let mut st = lock(&inner.state);
        let all_initialized = st.lps.iter().all(|l| l.initialized);
        let me = st.lps[self.id];
        // The LP-scope state the model's leaves read.
        st.model.lp_initialized = if leaf == leaf::SYS_CONFIG {
            all_initialized
        } else {
            me.initialized
        };
        self.rbp = None;
        let dispatched = st.model.dispatches(regs);
        if dispatched && leaf == leaf::SYS_RD && !me.initialized {
            st.model.answer_status(regs, codes::SYS_LP_INIT_NOT_DONE);
            return Outcome::Return;
        }
        let wants = if dispatched {
            locks::plan(&st.model, regs)
        } else {
            Vec::new()
        };
        if let Err(busy) = lock(&inner.locks).try_acquire(&wants) {
            st.model.answer_status(regs, busy);
            return Outcome::Return;
        }
        let mut held = Held {
            locks: &inner.locks,
            wants,
        };
        if let Some(status) = dispatched.then(|| self.association(&st, regs)).flatten() {
            st.model.answer_status(regs, status);
            return Outcome::Return;
        }
        // Guest runs of the vCPU so far: TDH.VP.ENTER's zero-step filter
        // answers without entering the TD (and the module reverts the TLB
        // tracking it started, `tdh_vp_enter.c` lines 779-781 at 72d8cffb).
        let runs_before = entries(&st.model, leaf, tdvpr);
        // The leaf's body. A panic is caught here, inside the mutex, so
        // that nothing is poisoned; it is resumed once the locks are back.
        let model = &mut st.model;
        let answer = catch_unwind(AssertUnwindSafe(|| {
            let outcome = model.seamcall(regs);
            let rbp = match outcome {
                Outcome::Return => model.rbp_after(leaf_word),
                _ => None,
            };
            (outcome, rbp)
        }));
        let (outcome, rbp) = match answer {
            Ok(a) => a,
            Err(payload) => {
                inner.panics.fetch_add(1, Ordering::Relaxed);
                drop(st);
                drop(held);
                resume_unwind(payload);
            }
        };
        self.rbp = rbp;
        if outcome == Outcome::Return {
            self.after(&mut st, leaf, tdvpr, regs.rax, runs_before);
        }
        drop(st);
        held.release_transient();
        self.park(leaf);
        for _ in 0..inner.yields.load(Ordering::Relaxed) {
            std::thread::yield_now();
        }
        if leaf == leaf::VP_ENTER {
            // The TD exit: the vCPU leaves the TD.
            lock(&inner.state).in_guest.remove(&tdvpr);
        }
        drop(held);
        outcome
    }

    fn rbp_after(&mut self, _leaf_word: u64) -> Option<u64> {
        self.rbp.take()
    }
}

impl Drop for Lp {
    fn drop(&mut self) {
        if let Some(l) = lock(&self.inner.state).lps.get_mut(self.id) {
            l.taken = false;
        }
    }
}

/// One vCPU of a TD on a [`Shared`] model, as the
/// [`GuestModule`](crate::emulate::GuestModule) a guest thread installs
/// with [`with_guest`](crate::emulate::with_guest): the guest side's
/// counterpart of [`Lp`], so that guest code runs while host threads call
/// the same model. Made by [`Shared::vcpu`]; every TDCALL of the thread is
/// the vCPU's ([`Model::tdcall`]), answered with `vmm` behind
/// TDG.VP.VMCALL.
///
/// Each TDCALL runs under the model's internal mutex, like a host leaf's
/// body. TDG.MR.RTMR.EXTEND takes the TD's RTMR lock exclusively and
/// TDG.MR.REPORT shared ([`Lock::Rtmr`]), as the module does: a vCPU that
/// finds it held by another (or by a test's [`Shared::hold`]) gets
/// `TDX_OPERAND_BUSY` with operand id RTMR (168) and RAX alone written.
/// TDG.MEM.PAGE.ACCEPT's guest-side S-EPT entry lock is not modelled. The
/// VMM runs under
/// that mutex too: it must not call the model ([`Shared::with`] would wait
/// for itself). A TDCALL that does not complete ([`GuestStop`]) panics
/// with the stop, as [`GuestVcpu`] does.
///
/// [`GuestStop`]: super::GuestStop
/// [`GuestVcpu`]: super::GuestVcpu
pub struct SharedVcpu<V> {
    inner: Arc<Inner>,
    tdvpr: u64,
    vmm: V,
}

impl Shared {
    /// The guest module of the vCPU whose TDVPR is `tdvpr`, with `vmm`
    /// answering its TDG.VP.VMCALLs; see [`SharedVcpu`].
    pub fn vcpu<V: crate::emulate::vmm::Vmm>(&self, tdvpr: u64, vmm: V) -> SharedVcpu<V> {
        SharedVcpu {
            inner: Arc::clone(&self.inner),
            tdvpr,
            vmm,
        }
    }
}

impl<V> SharedVcpu<V> {
    /// The vCPU's TDVPR.
    pub fn tdvpr(&self) -> u64 {
        self.tdvpr
    }

    /// The VMM behind the vCPU's TDG.VP.VMCALLs.
    pub fn vmm(&self) -> &V {
        &self.vmm
    }

    /// The VMM, mutably (between calls).
    pub fn vmm_mut(&mut self) -> &mut V {
        &mut self.vmm
    }
}

impl<V: crate::emulate::vmm::Vmm> crate::emulate::GuestModule for SharedVcpu<V> {
    fn tdcall(&mut self, regs: &mut Regs, rbp: &mut u64) -> Outcome {
        let inner = Arc::clone(&self.inner);
        let mut st = lock(&inner.state);
        let (tdvpr, vmm) = (self.tdvpr, &mut self.vmm);
        let wants = guest_locks(&st.model, tdvpr, regs.rax);
        if let Err(busy) = lock(&inner.locks).try_acquire(&wants) {
            regs.rax = busy.raw();
            return Outcome::Return;
        }
        let _held = Held {
            locks: &inner.locks,
            wants,
        };
        let model = &mut st.model;
        // Caught inside the mutex, as a host leaf's panic is, so that the
        // other LPs and vCPUs keep the model.
        let answer = catch_unwind(AssertUnwindSafe(|| model.tdcall(tdvpr, regs, rbp, vmm)));
        drop(st);
        match answer {
            Ok(Ok(outcome)) => outcome,
            Ok(Err(stop)) => panic!("seamcall model: {stop}"),
            Err(payload) => {
                inner.panics.fetch_add(1, Ordering::Relaxed);
                resume_unwind(payload)
            }
        }
    }
}

/// For TDH.VP.ENTER, how many times the vCPU at `tdvpr` entered the TD so
/// far (its guest ran); `None` for other leaves.
fn entries(model: &Model, leaf: u16, tdvpr: u64) -> Option<u64> {
    (leaf == leaf::VP_ENTER)
        .then(|| model.vcpus.get(&tdvpr).map(|v| v.run.entries))
        .flatten()
}

/// The module's locks a guest leaf takes before its body: the RTMR lock
/// for TDG.MR.RTMR.EXTEND (exclusive) and TDG.MR.REPORT (shared), taken
/// only for a well-formed leaf word of a vCPU the model has. (The module
/// checks a leaf's operands before it takes the lock, so a malformed call
/// on a busy lock gets its operand error there and `TDX_OPERAND_BUSY`
/// here. TDG.MEM.PAGE.ACCEPT's guest-side S-EPT entry lock is not
/// modelled.)
fn guest_locks(model: &Model, tdvpr: u64, rax: u64) -> Vec<Want> {
    let exclusive = match rax {
        2 => true,
        4 => false,
        _ => return Vec::new(),
    };
    // A vCPU that cannot run gets #UD from the model, never a busy lock.
    let Some(tdr) = model.running_td(tdvpr) else {
        return Vec::new();
    };
    vec![Want {
        lock: Lock::Rtmr(tdr),
        exclusive,
        operand: crate::status::OperandId::Rtmr,
        transient: false,
    }]
}

impl<V> fmt::Debug for SharedVcpu<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SharedVcpu")
            .field("tdvpr", &format_args!("{:#x}", self.tdvpr))
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}
    fn assert_send<T: Send>() {}

    #[test]
    fn handles_cross_threads() {
        assert_send_sync::<Shared>();
        assert_send::<Lp>();
    }

    #[test]
    fn one_handle_per_lp() {
        let s = Shared::new(Model::new(), 2).expect("two LPs");
        let a = s.lp(0).expect("free");
        assert_eq!(s.lp(0).err(), Some(LpError::Taken(0)));
        assert_eq!(s.lp(2).err(), Some(LpError::NoSuchLp { id: 2, lps: 2 }));
        drop(a);
        assert!(s.lp(0).is_ok());
        assert_eq!(Shared::new(Model::new(), 0).err(), Some(LpError::NoLps));
    }
}
