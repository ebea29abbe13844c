//! The SIGSEGV/SIGILL handler: find the `SEAMCALL` (or `TDCALL`), ask the
//! thread's module (or guest module), write the answer into the interrupted
//! context.
//!
//! # Why the handler may do what it does
//!
//! A signal handler may interrupt code at any instruction, which is why only
//! async-signal-safe functions may run in one. This handler acts only when
//! the signal is a *synchronous fault* raised by a `SEAMCALL` or `TDCALL`
//! instruction that a `#[seamcall]`, `#[tdcall]` or `#[tdvmcall]` expansion
//! emitted: the kernel generated the signal
//! (`si_code > 0`, never `kill`/`tgkill`, whose codes are ≤ 0), and the
//! interrupted RIP is listed in `seamcall_extable`. The interrupted thread
//! is therefore exactly at that instruction, in code that holds no lock and
//! is in no allocator or library call: from that thread's point of view the
//! module runs as if the wrapper had called it. Each step:
//!
//! * `errno`: saved on entry and restored on every return, so neither the
//!   module nor a chained handler changes what the interrupted code reads;
//! * reading `si_code` and the `ucontext` registers: plain memory the kernel
//!   wrote for this handler;
//! * looking the RIP up: a hash map over the [`extable::Index`] that
//!   [`install`] built (on the heap, before installing the handlers) from
//!   the linker-built section, read-only from then on; no allocation, no
//!   lock (`OnceLock::get` is an atomic load);
//! * the thread's module: a `const`-initialized thread-local `Cell` of a
//!   `Copy` type without destructor, so accessing it runs no lazy
//!   initialization and registers no destructor;
//! * the module call: may allocate or lock (see above), runs on the thread's
//!   own stack (below the interrupted RSP and its red zone) even when the
//!   handler was entered on an alternate signal stack, which is small, and
//!   under `catch_unwind`, so no unwind crosses the handler;
//! * writing registers (RBP only when [`Module::rbp_after`] asks), RFLAGS
//!   and RIP back: plain stores into the `ucontext`, which `rt_sigreturn`
//!   loads.
//!
//! For any other signal the handler only chains: it calls the handler that
//! was installed before it (with the same arguments, under the signal mask
//! the kernel would have given it, set and restored with `pthread_sigmask`),
//! or restores the default action with `sigaction` and re-raises with
//! `raise`, all async-signal-safe.
//!
//! # Signals while the handler runs
//!
//! The handler is installed with `SA_SIGINFO | SA_ONSTACK | SA_NODEFER` and
//! an `sa_mask` that blocks every signal but the synchronous fault signals
//! (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP):
//!
//! * `SA_ONSTACK`: on a thread that has an alternate signal stack
//!   (`sigaltstack`), the handler starts on it. The standard library gives
//!   one to the main thread and to the threads it spawns, and only when its
//!   own SIGSEGV handler is installed, which it does before `main` and only
//!   if no handler is in place yet; that is why [`install`] runs lazily,
//!   never before `main`. A stack overflow on such a thread is therefore
//!   delivered, and this handler chains it to the standard library's, which
//!   reports "has overflowed its stack". On a thread without an alternate
//!   stack (created outside `std::thread`), the overflow fault cannot be
//!   delivered at all and the kernel kills the process with SIGSEGV.
//! * The alternate stack is small, and the kernel decides whether a thread
//!   is on it from RSP alone. The module runs on the thread's own stack
//!   (see above), so while it runs the kernel would place a new `SA_ONSTACK`
//!   signal at the top of the alternate stack, over the live signal frame
//!   of this handler. Hence the mask: no asynchronous signal (a timer, an
//!   IPI-like `tgkill`) is delivered until the handler returns; it stays
//!   pending and is delivered right after `rt_sigreturn`. And for the
//!   synchronous signals, which cannot be blocked, the alternate stack is
//!   disarmed while the module runs, so a fault in the module is delivered
//!   on the thread's stack below the module's frames: [`with_module`] sets
//!   `SS_AUTODISARM` on the thread's alternate stack for its duration (the
//!   kernel disarms it on delivery and re-arms it at `rt_sigreturn`, no
//!   system call per instruction), and where that flag is not set (the
//!   closure installed another alternate stack) the handler disarms it
//!   itself (`sigaltstack(SS_DISABLE)` after the stack switch, re-armed
//!   before switching back).
//! * `SA_NODEFER`: SIGSEGV and SIGILL stay unblocked while the module runs,
//!   so a thread the module spawns (which inherits the mask) can take its
//!   own `SEAMCALL` faults. Such a thread does start with the asynchronous
//!   signals blocked; process-directed signals go to other threads, and it
//!   can unblock them with `pthread_sigmask`. A fault in the module re-enters
//!   this handler, on the thread's stack: not at a declared `SEAMCALL`, it is
//!   chained (the standard library's handler restores the default action and
//!   the instruction faults again, fatally); at a declared `SEAMCALL` (the
//!   module executed one), the handler prints that and the process dies of
//!   the signal. Neither loops.
//!
//! [`with_module`] checks that this handler is still the installed action
//! for both signals and panics if another replaced it.

use core::cell::{Cell, UnsafeCell};
use core::ffi::c_void;
use core::mem::MaybeUninit;
use core::sync::atomic::{compiler_fence, AtomicBool, AtomicU8, Ordering};
use std::any::Any;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::sync::{Once, OnceLock};

use libc::{c_int, siginfo_t, ucontext_t};

use super::sites::SiteMap;
use super::{GuestModule, Module, Outcome, Regs};
use crate::error::Trap;
use crate::extable;

/// Length of the `SEAMCALL` instruction (`66 0F 01 CF`).
const INSN_LEN: u64 = 4;

/// RFLAGS bits VMsucceed / VMfailInvalid define: CF, PF, AF, ZF, SF, OF.
const RFLAGS_CF: u64 = 1 << 0;
const RFLAGS_ARITH: u64 = (1 << 0) | (1 << 2) | (1 << 4) | (1 << 6) | (1 << 7) | (1 << 11);

/// Bytes below the interrupted RSP that x86-64 code may use without moving
/// RSP (the System V red zone); the `#[seamcall]` blocks are `nostack` and
/// may have data there.
const RED_ZONE: u64 = 128;

/// The thread's module, type-erased: `frame` points at the [`Frame`] of the
/// innermost [`with_module`] (or [`with_guest`]) on this thread and `call`
/// knows its type. The third argument of `call` is the caller's RBP.
#[derive(Clone, Copy)]
struct Slot {
    frame: *mut (),
    call: unsafe fn(*mut (), &mut Regs, u64) -> Answer,
}

/// What the module answered: the outcome, and for [`Outcome::Return`] what
/// [`Module::rbp_after`] asked RBP to become.
#[derive(Clone, Copy)]
struct Answer {
    outcome: Outcome,
    rbp: Option<u64>,
}

impl Answer {
    const VMFAIL: Answer = Answer {
        outcome: Outcome::VmFailInvalid,
        rbp: None,
    };
}

thread_local! {
    // `const` initializer and a `Copy` type: the access in the handler is a
    // plain load from the thread's TLS block, with no lazy initialization
    // and no destructor registration.
    static CURRENT: Cell<Option<Slot>> = const { Cell::new(None) };
    // The thread's guest module, answering `TDCALL` (same kind of access).
    static GUEST: Cell<Option<Slot>> = const { Cell::new(None) };
    // Whether this thread is inside a module call (same kind of access): a
    // `SEAMCALL` fault then comes from the module itself.
    static IN_MODULE: Cell<bool> = const { Cell::new(false) };
}

/// What [`with_module`] and [`with_guest`] keep on their stack for the
/// handler.
struct Frame<M> {
    module: *mut M,
    /// A panic raised by the module, re-raised when [`with_module`]'s closure
    /// has returned.
    panic: Option<Box<dyn Any + Send + 'static>>,
}

/// Calls the module of a [`Frame<M>`].
///
/// # Safety
///
/// `frame` must point at a live `Frame<M>` whose `module` is valid and not
/// otherwise borrowed for the duration of the call.
unsafe fn call_frame<M: Module>(frame: *mut (), regs: &mut Regs, _rbp: u64) -> Answer {
    // SAFETY: per the contract, `frame` is the `Frame<M>` that `with_module`
    // registered and keeps alive until it unregisters it; nothing else
    // accesses it while the handler runs on this thread.
    let frame = unsafe { &mut *frame.cast::<Frame<M>>() };
    if frame.panic.is_some() {
        // The module panicked earlier in this `with_module`: it is gone, as
        // if unloaded.
        return Answer::VMFAIL;
    }
    // SAFETY: `module` came from the `&mut M` that `with_module` holds for
    // the whole closure and does not use meanwhile.
    let module = unsafe { &mut *frame.module };
    let leaf_word = regs.rax;
    let answer = catch_unwind(AssertUnwindSafe(|| {
        let outcome = module.seamcall(regs);
        let rbp = match outcome {
            Outcome::Return => module.rbp_after(leaf_word),
            Outcome::VmFailInvalid | Outcome::Fault(_) => None,
        };
        Answer { outcome, rbp }
    }));
    match answer {
        Ok(answer) => answer,
        Err(payload) => {
            frame.panic = Some(payload);
            Answer::VMFAIL
        }
    }
}

/// Calls the guest module of a [`Frame<G>`]; RBP comes back in the answer.
///
/// # Safety
///
/// As for [`call_frame`].
unsafe fn call_guest_frame<G: GuestModule>(frame: *mut (), regs: &mut Regs, rbp: u64) -> Answer {
    // SAFETY: per the contract, as in `call_frame`.
    let frame = unsafe { &mut *frame.cast::<Frame<G>>() };
    if frame.panic.is_some() {
        return Answer::VMFAIL;
    }
    // SAFETY: as in `call_frame`: the `&mut G` of `with_guest`.
    let module = unsafe { &mut *frame.module };
    let answer = catch_unwind(AssertUnwindSafe(|| {
        let mut rbp = rbp;
        let outcome = module.tdcall(regs, &mut rbp);
        Answer {
            outcome,
            rbp: Some(rbp),
        }
    }));
    answer.unwrap_or_else(|payload| {
        frame.panic = Some(payload);
        Answer::VMFAIL
    })
}

/// Which thread-local slot a module goes into.
type SlotKey = &'static std::thread::LocalKey<Cell<Option<Slot>>>;

/// Restores the previous module of a slot when dropped, on return and on
/// unwind alike.
struct Restore(SlotKey, Option<Slot>);

impl Drop for Restore {
    fn drop(&mut self) {
        self.0.with(|c| c.set(self.1));
    }
}

/// Run `f` with `module` answering every `SEAMCALL` this thread makes inside
/// it (through declared leaves: only instructions recorded in
/// `seamcall_extable` are emulated).
///
/// Calls nest: an inner `with_module` answers until it returns, then the
/// outer module answers again; the previous module is restored also when
/// `f` panics. If the module itself panics, the `SEAMCALL` that was being
/// answered fails with VMfailInvalid, every later one in `f` too, and the
/// panic is resumed when `f` returns.
///
/// Installs the signal handlers if they are not installed yet (see
/// [`install`]).
///
/// # Panics
///
/// If a SIGSEGV or SIGILL handler was installed over the emulator's after
/// [`install`]: it would receive the `SEAMCALL` faults instead, and one that
/// returns would make the instruction fault again forever. The panic names
/// the signal.
pub fn with_module<M: Module, R>(module: &mut M, f: impl FnOnce() -> R) -> R {
    run_with(&CURRENT, module, call_frame::<M>, f)
}

/// Run `f` with `module` answering every `TDCALL` this thread makes inside
/// it through declared calls (`#[tdcall]`, `#[tdvmcall]` and the guest
/// catalog), as the TDX module answers a TD: the guest-side counterpart of
/// [`with_module`], with the same nesting, panic and installation rules.
///
/// The two are independent: inside `with_guest` a `SEAMCALL` still goes to
/// the thread's [`Module`] (or faults without one), and inside
/// [`with_module`] alone a `TDCALL` faults through its fixup, as outside a
/// TD.
///
/// ```
/// use seamcall_core::emulate::{self, Outcome, Regs};
/// use seamcall_core::tdcall;
/// use seamcall_core::guest::TdcallError;
///
/// /// TDG.VP.INFO: the GPA width in RCX.
/// #[tdcall(leaf = 1, out = [rcx, rdx, r8, r9, r10, r11], safe)]
/// fn vp_info() -> Result<(u64, u64, u64, u64, u64, u64), TdcallError>;
///
/// let mut td = |regs: &mut Regs, _rbp: &mut u64| {
///     regs.rcx = 48;
///     regs.rax = 0;
///     Outcome::Return
/// };
/// let info = emulate::with_guest(&mut td, vp_info);
/// assert_eq!(info.map(|i| i.0), Ok(48));
/// ```
///
/// # Panics
///
/// As [`with_module`].
pub fn with_guest<G: GuestModule, R>(module: &mut G, f: impl FnOnce() -> R) -> R {
    run_with(&GUEST, module, call_guest_frame::<G>, f)
}

/// [`with_module`] and [`with_guest`]: register `module` in `key` for `f`.
fn run_with<M, R>(
    key: SlotKey,
    module: &mut M,
    call: unsafe fn(*mut (), &mut Regs, u64) -> Answer,
    f: impl FnOnce() -> R,
) -> R {
    install();
    check_installed();
    let mut frame = Frame {
        module: module as *mut M,
        panic: None,
    };
    let slot = Slot {
        frame: (&mut frame as *mut Frame<M>).cast(),
        call,
    };
    let restore = Restore(key, key.with(|c| c.replace(Some(slot))));
    let autodisarm = AutoDisarm::arm();
    // The handler writes through `frame` and `module` while `f` runs; the
    // compiler cannot see that (it happens in a signal handler), so no load
    // of either may be moved across `f` or cached from before it.
    compiler_fence(Ordering::SeqCst);
    let result = f();
    compiler_fence(Ordering::SeqCst);
    drop(autodisarm);
    drop(restore);
    if let Some(payload) = frame.panic.take() {
        resume_unwind(payload);
    }
    result
}

static INSTALL: Once = Once::new();

/// The exception table, indexed and hashed by address, built by [`install`]
/// before the handlers, so that a fault finds its instruction in O(1)
/// whatever the number of declared leaves.
static SITES: OnceLock<SiteMap> = OnceLock::new();

fn build_sites() -> SiteMap {
    let buf = vec![extable::IndexEntry::EMPTY; extable::index_len()].leak();
    // The buffer holds `index_len()` entries, exactly what `build` needs;
    // should it not, the map is empty and the linear scan answers instead
    // (see `Table`).
    SiteMap::new(extable::Index::build(buf).unwrap_or(extable::Index::EMPTY))
}

/// Where the handler looks instructions up: the map, or the linear scan of
/// the section if the map is missing or empty.
enum Table {
    Map(&'static SiteMap),
    Linear,
}

impl Table {
    fn get() -> Table {
        match SITES.get() {
            Some(map) if !map.is_empty() => Table::Map(map),
            _ => Table::Linear,
        }
    }

    fn is_site(&self, rip: u64) -> bool {
        match self {
            Table::Map(map) => map.contains(rip),
            Table::Linear => extable::is_seamcall_site(rip),
        }
    }

    fn search(&self, rip: u64, vector: u8) -> Option<u64> {
        match self {
            Table::Map(map) => map.search(rip, vector),
            Table::Linear => extable::search(rip, vector),
        }
    }
}

/// The action that was in place for one signal before ours, published once
/// by [`install_one`] and read by the handler.
struct Prev {
    /// [`PREV_UNSET`] until [`install_one`] has exchanged the actions,
    /// [`PREV_PENDING`] between the exchange and the store of `action`,
    /// [`PREV_READY`] after it.
    state: AtomicU8,
    action: UnsafeCell<MaybeUninit<libc::sigaction>>,
    /// Set when the previous action had `SA_RESETHAND` and has run once:
    /// from then on it is `SIG_DFL`, as the kernel would have made it.
    reset: AtomicBool,
}

const PREV_UNSET: u8 = 0;
const PREV_PENDING: u8 = 1;
const PREV_READY: u8 = 2;

// SAFETY: `action` is written once, by `install_one` with `state ==
// PREV_PENDING`, before `state` becomes `PREV_READY` (release); it is read
// only after `state` was seen `PREV_READY` (acquire), and never written again.
unsafe impl Sync for Prev {}

impl Prev {
    const fn new() -> Prev {
        Prev {
            state: AtomicU8::new(PREV_UNSET),
            action: UnsafeCell::new(MaybeUninit::uninit()),
            reset: AtomicBool::new(false),
        }
    }

    /// The previous action, or `None` if ours was never installed for this
    /// signal. Waits out the few instructions between the exchange and the
    /// store on the installing thread (another thread: the installer blocks
    /// every asynchronous signal meanwhile and cannot fault there).
    fn get(&self) -> Option<&libc::sigaction> {
        loop {
            match self.state.load(Ordering::Acquire) {
                PREV_READY => break,
                PREV_PENDING => core::hint::spin_loop(),
                _ => return None,
            }
        }
        // SAFETY: `PREV_READY` was observed with acquire ordering, so the
        // store of `action` that preceded the release store is visible, and
        // nothing writes it again.
        Some(unsafe { (*self.action.get()).assume_init_ref() })
    }
}

static PREV_SEGV: Prev = Prev::new();
static PREV_ILL: Prev = Prev::new();

fn prev_slot(sig: c_int) -> Option<&'static Prev> {
    match sig {
        libc::SIGSEGV => Some(&PREV_SEGV),
        libc::SIGILL => Some(&PREV_ILL),
        _ => None,
    }
}

/// The signals a fault raises synchronously, at an instruction of the
/// thread; every other signal is blocked while the handler runs.
const SYNCHRONOUS: [c_int; 5] = [
    libc::SIGSEGV,
    libc::SIGBUS,
    libc::SIGFPE,
    libc::SIGILL,
    libc::SIGTRAP,
];

/// Install the SIGSEGV and SIGILL handlers for this process, once.
///
/// Nothing installs them before `main`: [`with_module`] calls this, and a
/// program that wants the hardware behaviour on threads without a module
/// (the fault goes to the fixup, the leaf returns
/// [`ErrorKind::Fault`](crate::ErrorKind::Fault)) calls it at start-up.
/// From the first call on, that holds for every thread of the process;
/// before it, a `SEAMCALL` is a real fault that kills the process. Calling
/// it again does nothing; calls racing from several threads install once.
///
/// The handlers in place before are kept and called for every fault that is
/// not at a declared `SEAMCALL`, with their own mask and flags; among them
/// the standard library's stack-overflow handler, which it installs before
/// `main` only if no handler is in place yet, so a stack overflow still
/// reports "has overflowed its stack". Each handler is swapped in with one
/// `sigaction` call that returns the action it replaced, so a handler
/// another thread installs at the same moment is either replaced and
/// chained, or replaces ours (which [`with_module`] then reports). A handler
/// that the program installs for SIGSEGV or SIGILL *after* this one replaces
/// it: [`with_module`] panics from then on, naming the signal.
pub fn install() {
    INSTALL.call_once(|| {
        // The index first: the handlers read it from their first fault on.
        let _ = SITES.set(build_sites());
        for sig in [libc::SIGSEGV, libc::SIGILL] {
            install_one(sig);
        }
    });
}

/// Our action for the trap signals: [`on_signal`] with `SA_SIGINFO`,
/// `SA_ONSTACK` and `SA_NODEFER`, and every asynchronous signal blocked
/// while it runs (see the module docs).
fn our_action() -> libc::sigaction {
    // SAFETY: a zeroed `sigaction` is a valid "no flags, empty mask" value;
    // `sigfillset`/`sigdelset` initialize and edit the mask in place;
    // `on_signal` has the `SA_SIGINFO` signature the kernel calls.
    unsafe {
        let mut act: libc::sigaction = core::mem::zeroed();
        act.sa_sigaction = on_signal as extern "C" fn(c_int, *mut siginfo_t, *mut c_void) as usize;
        act.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK | libc::SA_NODEFER;
        libc::sigfillset(&mut act.sa_mask);
        for s in SYNCHRONOUS {
            libc::sigdelset(&mut act.sa_mask, s);
        }
        act
    }
}

fn install_one(sig: c_int) {
    let Some(prev) = prev_slot(sig) else {
        return;
    };
    let act = our_action();
    // SAFETY: `sigfillset` initializes `all`; `pthread_sigmask` only changes
    // this thread's mask, restored below. Blocking the asynchronous signals
    // here means no handler of ours can run on this thread between the
    // exchange and the publication of the previous action (nothing in
    // between can fault).
    let mut all: libc::sigset_t = unsafe { core::mem::zeroed() };
    let mut saved: libc::sigset_t = unsafe { core::mem::zeroed() };
    unsafe {
        libc::sigfillset(&mut all);
        libc::pthread_sigmask(libc::SIG_BLOCK, &all, &mut saved);
    }
    prev.state.store(PREV_PENDING, Ordering::Relaxed);
    // SAFETY: `old` is a valid out-parameter; one `sigaction` call installs
    // ours and returns the action it replaced, atomically with respect to
    // any other thread's `sigaction` for the same signal.
    let mut old: libc::sigaction = unsafe { core::mem::zeroed() };
    let rc = unsafe { libc::sigaction(sig, &act, &mut old) };
    if rc == 0 {
        // SAFETY: `state` is `PREV_PENDING`, so no reader dereferences
        // `action` until the release store below.
        unsafe { (*prev.action.get()).write(old) };
        prev.state.store(PREV_READY, Ordering::Release);
    } else {
        prev.state.store(PREV_UNSET, Ordering::Release);
    }
    // SAFETY: restores the mask saved above.
    unsafe { libc::pthread_sigmask(libc::SIG_SETMASK, &saved, core::ptr::null_mut()) };
}

/// Panics unless our handler is still the installed action for SIGSEGV and
/// SIGILL: a handler installed over ours would receive every `SEAMCALL`
/// fault, and one that returns makes the instruction fault again forever.
fn check_installed() {
    let ours = on_signal as extern "C" fn(c_int, *mut siginfo_t, *mut c_void) as usize;
    for (sig, name) in [(libc::SIGSEGV, "SIGSEGV"), (libc::SIGILL, "SIGILL")] {
        if prev_slot(sig).and_then(Prev::get).is_none() {
            panic!(
                "seamcall emulate: the {name} handler could not be installed \
                 (sigaction failed); SEAMCALLs cannot be emulated"
            );
        }
        // SAFETY: `sigaction` with a null new action only reads the current
        // one into `cur`, a valid out-parameter.
        let mut cur: libc::sigaction = unsafe { core::mem::zeroed() };
        let rc = unsafe { libc::sigaction(sig, core::ptr::null(), &mut cur) };
        if rc == 0 && cur.sa_sigaction != ours {
            panic!(
                "seamcall emulate: the {name} handler is no longer the emulator's: another \
                 handler ({:#x}) was installed over it after emulate::install(), so a \
                 SEAMCALL would never reach the module (a handler that returns makes it \
                 fault again forever). Install that handler before the first \
                 emulate::install() or with_module(), and the emulator chains to it.",
                cur.sa_sigaction
            );
        }
    }
}

/// Indexes into `uc_mcontext.gregs` for the registers of [`Regs`], in the
/// order of [`Regs::REGS`].
const GREGS: [c_int; 14] = [
    libc::REG_RAX,
    libc::REG_RCX,
    libc::REG_RDX,
    libc::REG_RBX,
    libc::REG_RSI,
    libc::REG_RDI,
    libc::REG_R8,
    libc::REG_R9,
    libc::REG_R10,
    libc::REG_R11,
    libc::REG_R12,
    libc::REG_R13,
    libc::REG_R14,
    libc::REG_R15,
];

fn load_regs(gregs: &[i64; 23]) -> Regs {
    Regs::from_values(GREGS.map(|i| gregs[i as usize] as u64))
}

fn store_regs(gregs: &mut [i64; 23], regs: &Regs) {
    for (i, v) in GREGS.iter().zip(regs.values()) {
        gregs[*i as usize] = v as i64;
    }
}

/// The request and answer of one emulated call, passed to
/// [`run_module`] by pointer (possibly across a stack switch).
struct Request {
    slot: Slot,
    regs: Regs,
    /// The caller's RBP (read by guest modules).
    rbp: u64,
    answer: Answer,
    /// Whether [`run_module`] runs on the thread's stack, switched to from
    /// the alternate signal stack while that stack is still armed; it then
    /// disarms the alternate stack for the call (see [`AltStackOff`]).
    switched: bool,
}

/// Runs the module of `req.slot` on `req.regs`.
///
/// `extern "C"` so that it can be called from the stack-switching `asm!`;
/// it cannot unwind: [`call_frame`] catches the module's panics.
extern "C" fn run_module(req: *mut Request) {
    // SAFETY: `req` points at the `Request` on the handler's frame, which
    // outlives this call; nothing else uses it meanwhile.
    let req = unsafe { &mut *req };
    let altstack = req.switched.then(AltStackOff::disarm);
    IN_MODULE.with(|m| m.set(true));
    // SAFETY: the slot was registered by `with_module` on this thread and is
    // still registered (the thread is inside that `with_module`'s closure,
    // at the faulting instruction), so its frame is alive and unborrowed.
    req.answer = unsafe { (req.slot.call)(req.slot.frame, &mut req.regs, req.rbp) };
    IN_MODULE.with(|m| m.set(false));
    drop(altstack);
}

/// `SS_AUTODISARM` (Linux 4.7, `include/uapi/linux/signal.h`): the kernel
/// disarms the alternate stack while a handler runs on it and re-arms it at
/// `rt_sigreturn`. The `libc` crate does not define it.
const SS_AUTODISARM: c_int = 1 << 31;

/// Sets `SS_AUTODISARM` on the thread's alternate signal stack for the
/// duration of a [`with_module`], and clears it again on drop: a signal
/// delivered on the alternate stack then disarms it, so while the module
/// runs on the thread's stack a nested signal goes there instead of over the
/// live trap frame, without a `sigaltstack` call per emulated instruction
/// ([`AltStackOff`] is the fallback where this could not be set).
struct AutoDisarm(Option<libc::stack_t>);

impl AutoDisarm {
    fn arm() -> AutoDisarm {
        // SAFETY: `sigaltstack` reads and sets only this thread's alternate
        // stack; the stack set is the one already installed, same base and
        // size, with one more flag. It fails (and nothing changes) if the
        // thread runs on that stack now.
        unsafe {
            let mut cur: libc::stack_t = core::mem::zeroed();
            if libc::sigaltstack(core::ptr::null(), &mut cur) != 0
                || cur.ss_flags & (libc::SS_DISABLE | libc::SS_ONSTACK | SS_AUTODISARM) != 0
            {
                return AutoDisarm(None);
            }
            let mut armed = cur;
            armed.ss_flags = SS_AUTODISARM;
            if libc::sigaltstack(&armed, core::ptr::null_mut()) != 0 {
                return AutoDisarm(None);
            }
            AutoDisarm(Some(cur))
        }
    }
}

impl Drop for AutoDisarm {
    fn drop(&mut self) {
        if let Some(old) = &self.0 {
            // SAFETY: re-installs the alternate stack as `arm` found it; if
            // the closure installed another one meanwhile, only the flag of
            // that one is replaced when it is the same stack.
            unsafe {
                let mut cur: libc::stack_t = core::mem::zeroed();
                if libc::sigaltstack(core::ptr::null(), &mut cur) == 0
                    && cur.ss_sp == old.ss_sp
                    && cur.ss_size == old.ss_size
                    && cur.ss_flags & libc::SS_ONSTACK == 0
                {
                    libc::sigaltstack(old, core::ptr::null_mut());
                }
            }
        }
    }
}

/// The thread's alternate signal stack, disarmed while the module runs on
/// the thread's own stack, and re-armed on drop.
///
/// The kernel decides whether a thread is on its alternate stack from RSP.
/// While the module runs, RSP is on the thread's stack although the
/// handler's frame and the kernel's signal frame (the interrupted registers
/// `rt_sigreturn` loads) are live at the top of the alternate stack; a signal
/// with `SA_ONSTACK` delivered then would be placed at that top, over them.
/// With the alternate stack disarmed, any signal that reaches the module
/// (a fault in its code) is delivered on the thread's stack, below the
/// module's frames.
struct AltStackOff(Option<libc::stack_t>);

impl AltStackOff {
    fn disarm() -> AltStackOff {
        // SAFETY: `sigaltstack` with `SS_DISABLE` changes only this thread's
        // setting and returns the previous one in `old`; it is allowed here
        // because RSP is not on the alternate stack (we switched off it).
        unsafe {
            let mut off: libc::stack_t = core::mem::zeroed();
            off.ss_flags = libc::SS_DISABLE;
            let mut old: libc::stack_t = core::mem::zeroed();
            let rc = libc::sigaltstack(&off, &mut old);
            AltStackOff((rc == 0 && old.ss_flags & libc::SS_DISABLE == 0).then_some(old))
        }
    }
}

impl Drop for AltStackOff {
    fn drop(&mut self) {
        if let Some(old) = &self.0 {
            // SAFETY: re-installs the alternate stack `disarm` found, still
            // off it (RSP is on the thread's stack until we switch back).
            unsafe { libc::sigaltstack(old, core::ptr::null_mut()) };
        }
    }
}

/// Calls [`run_module`] on the interrupted thread's stack when the handler
/// runs on an alternate signal stack, which is sized for a small handler
/// only; otherwise calls it directly.
fn call_on_thread_stack(req: &mut Request, uc: &ucontext_t) {
    let rsp = uc.uc_mcontext.gregs[libc::REG_RSP as usize] as u64;
    let alt_lo = uc.uc_stack.ss_sp as u64;
    let alt_hi = alt_lo.wrapping_add(uc.uc_stack.ss_size as u64);
    let on_alt = |addr: u64| uc.uc_stack.ss_size != 0 && addr >= alt_lo && addr < alt_hi;
    let here = core::ptr::addr_of!(*req) as u64;
    if !on_alt(here) || on_alt(rsp) {
        // Already on the thread's stack (below the signal frame), or the
        // interrupted code itself ran on the alternate stack: stay; a nested
        // signal then goes below RSP, on this stack.
        req.switched = false;
        // SAFETY: with a stack argument of 0 the helper calls
        // `run_module(req)` on the current stack (below this frame, RSP
        // aligned down to 16) and returns; see below for why through it.
        unsafe { __seamcall_emulate_on_stack((req as *mut Request).cast(), run_module_raw, 0) };
        return;
    }
    // With `SS_AUTODISARM` (which `with_module` sets) the kernel disarmed
    // the alternate stack when it delivered this signal and re-arms it at
    // `rt_sigreturn`: nothing to do. Without it, disarm it for the call.
    req.switched = uc.uc_stack.ss_flags & SS_AUTODISARM == 0;
    // Below the interrupted RSP and its red zone, 16-byte aligned as the
    // ABI requires at a call: memory the interrupted code does not use.
    let top = (rsp - RED_ZONE - 64) & !15;
    // SAFETY: `__seamcall_emulate_on_stack` (below) switches RSP to `top`, a
    // 16-byte-aligned address on the interrupted thread's own stack below
    // every byte that code may still use, calls `run_module(req)` there, and
    // switches back. `run_module` is a C-ABI function that does not unwind.
    // The thread's stack is mapped and large enough for ordinary calls at
    // this depth: the interrupted code was running on it.
    unsafe { __seamcall_emulate_on_stack((req as *mut Request).cast(), run_module_raw, top) };
}

// `__seamcall_emulate_on_stack(arg, f, stack)`: call `f(arg)` with RSP =
// `stack`, or on the current stack (aligned to 16) when `stack` is 0.
//
// Every module call goes through it, switched or not, because its CFI marks
// the outermost frame of the module's call: the return address is
// undefined, so an unwinder stops here. A panic in the module unwinds only
// to `call_frame`'s `catch_unwind`, below this frame; but the panic hook
// prints a backtrace (with `RUST_BACKTRACE` set), and a walk past this
// frame would go through the handler and the signal frame into the
// interrupted code: an `asm!` block in the middle of a declaration that
// saved RBX or RBP on the stack, where the enclosing function's unwind
// table no longer describes RSP. Walking from there read garbage and
// crashed the process (a model panic under TDH.VP.ENTER, release build).
// The backtrace therefore ends at the module's call, which is where the
// module's own frames end.
core::arch::global_asm!(
    ".pushsection .text.__seamcall_emulate_on_stack, \"ax\", @progbits",
    ".p2align 4",
    ".globl __seamcall_emulate_on_stack",
    ".hidden __seamcall_emulate_on_stack",
    ".type __seamcall_emulate_on_stack, @function",
    "__seamcall_emulate_on_stack:",
    ".cfi_startproc",
    "push rbp",
    ".cfi_def_cfa_offset 16",
    ".cfi_offset rbp, -16",
    "mov rbp, rsp",
    ".cfi_def_cfa_register rbp",
    ".cfi_undefined rip",
    "test rdx, rdx",
    "jz 2f",
    "mov rsp, rdx",
    "2:",
    "and rsp, -16",
    "call rsi",
    "mov rsp, rbp",
    "pop rbp",
    ".cfi_def_cfa rsp, 8",
    "ret",
    ".cfi_endproc",
    ".size __seamcall_emulate_on_stack, . - __seamcall_emulate_on_stack",
    ".popsection",
);

extern "C" {
    fn __seamcall_emulate_on_stack(arg: *mut c_void, f: extern "C" fn(*mut c_void), stack: u64);
}

/// [`run_module`] with the argument type the assembly helper passes.
extern "C" fn run_module_raw(req: *mut c_void) {
    run_module(req.cast());
}

/// Restores the thread's `errno` to the value it had when created.
struct SavedErrno(c_int);

impl SavedErrno {
    fn save() -> SavedErrno {
        // SAFETY: `__errno_location` returns the calling thread's `errno`
        // slot, valid for the thread's lifetime; reading it is
        // async-signal-safe.
        SavedErrno(unsafe { *libc::__errno_location() })
    }
}

impl Drop for SavedErrno {
    fn drop(&mut self) {
        // SAFETY: as in `save`; the slot is this thread's own.
        unsafe { *libc::__errno_location() = self.0 };
    }
}

extern "C" fn on_signal(sig: c_int, info: *mut siginfo_t, ctx: *mut c_void) {
    // The module (allocating, opening files, ...) and a chained handler may
    // change `errno`; the interrupted code must find it as it left it.
    let _errno = SavedErrno::save();
    // SAFETY: the kernel passes a valid `siginfo_t` and `ucontext_t` to a
    // `SA_SIGINFO` handler, both exclusively ours until we return.
    let (code, uc) = unsafe { ((*info).si_code, &mut *ctx.cast::<ucontext_t>()) };
    let rip = uc.uc_mcontext.gregs[libc::REG_RIP as usize] as u64;

    // Only a fault the kernel raised at a declared SEAMCALL is ours.
    let table = Table::get();
    if code <= 0 || !table.is_site(rip) {
        chain(sig, info, ctx);
        return;
    }
    if IN_MODULE.with(Cell::get) {
        // The module executed a SEAMCALL itself: answering it would call the
        // module again while it runs. Documented as fatal.
        write_stderr(b"seamcall emulate: a module executed SEAMCALL; killed by the signal\n");
        default_action(sig);
        return;
    }

    // A TDCALL site (a `#[tdcall]`/`#[tdvmcall]` expansion, same table) goes
    // to the thread's guest module, a SEAMCALL site to its module.
    // SAFETY: `table.is_site(rip)` held above, so `rip` is an instruction an
    // expansion emitted into this binary's readable text, at least 4 bytes
    // long (SEAMCALL, TDCALL, or the longer stand-in of a `seamcall_stub`
    // build). Reading the bytes here keeps the look-up indexed (the
    // `extable::is_tdcall_site` helper scans the table).
    let bytes = unsafe { core::ptr::read_unaligned(rip as *const [u8; 4]) };
    let tdcall = bytes == extable::TDCALL_BYTES;
    let module = if tdcall {
        GUEST.with(Cell::get)
    } else {
        CURRENT.with(Cell::get)
    };
    let outcome = match module {
        // No module: what this machine's hardware does, the fault goes to the
        // fixup for the vector the signal stands for.
        None => Outcome::Fault(match sig {
            libc::SIGILL => Trap::InvalidOpcode,
            _ => Trap::GeneralProtection,
        }),
        Some(slot) => {
            let mut req = Request {
                slot,
                regs: load_regs(&uc.uc_mcontext.gregs),
                rbp: uc.uc_mcontext.gregs[libc::REG_RBP as usize] as u64,
                answer: Answer::VMFAIL,
                switched: false,
            };
            call_on_thread_stack(&mut req, uc);
            let Answer { outcome, rbp } = req.answer;
            if outcome == Outcome::Return {
                store_regs(&mut uc.uc_mcontext.gregs, &req.regs);
                if let Some(rbp) = rbp {
                    uc.uc_mcontext.gregs[libc::REG_RBP as usize] = rbp as i64;
                }
            }
            match outcome {
                // TDCALL has no VMfail: a guest module that answers it (or
                // panicked) is no module, and the instruction raises #UD.
                Outcome::VmFailInvalid if tdcall => Outcome::Fault(Trap::InvalidOpcode),
                outcome => outcome,
            }
        }
    };

    let next = rip.wrapping_add(INSN_LEN);
    let efl = uc.uc_mcontext.gregs[libc::REG_EFL as usize] as u64;
    let (rip_out, efl_out) = match outcome {
        // TDCALL: the module's `td_call` never writes the TD's RFLAGS
        // (intel/tdx-module `src/td_dispatcher/tdx_td_dispatcher.c` at
        // 72d8cffb; only exception injection and TDG.VP.ENTER do).
        Outcome::Return if tdcall => (next, efl),
        // VMsucceed: CF, PF, AF, ZF, SF, OF clear.
        Outcome::Return => (next, efl & !RFLAGS_ARITH),
        // VMfailInvalid: CF set, the other five clear, registers as they were.
        Outcome::VmFailInvalid => (next, (efl & !RFLAGS_ARITH) | RFLAGS_CF),
        // The pad loads the status; only RIP moves, as in a kernel.
        Outcome::Fault(trap) => match table.search(rip, trap.vector()) {
            Some(fixup) => (fixup, efl),
            // A hand-written site without an entry for this vector: the
            // fault is real and nobody recovers it.
            None => {
                chain(sig, info, ctx);
                return;
            }
        },
    };
    uc.uc_mcontext.gregs[libc::REG_RIP as usize] = rip_out as i64;
    uc.uc_mcontext.gregs[libc::REG_EFL as usize] = efl_out as i64;
}

/// Hand the signal to the handler installed before ours, as the kernel would
/// have run it, or take the default action.
///
/// The previous handler runs with the signal mask the kernel would have
/// given it: the interrupted code's mask, plus its `sa_mask`, plus the signal
/// itself unless it has `SA_NODEFER`. With `SA_RESETHAND` it runs once; the
/// signal then gets the default action. `SA_SIGINFO` decides between the
/// three-argument and the one-argument call. `SA_ONSTACK` is not emulated:
/// it runs on the stack this handler runs on.
fn chain(sig: c_int, info: *mut siginfo_t, ctx: *mut c_void) {
    // SAFETY: `info` is the kernel's `siginfo_t` for this signal.
    let synchronous = unsafe { (*info).si_code } > 0;
    let slot = prev_slot(sig);
    let prev = slot.and_then(Prev::get);
    let mut handler = prev.map_or(libc::SIG_DFL, |p| p.sa_sigaction);
    if let (Some(slot), Some(p)) = (slot, prev) {
        let special = handler == libc::SIG_DFL || handler == libc::SIG_IGN;
        if !special
            && p.sa_flags & libc::SA_RESETHAND != 0
            && slot.reset.swap(true, Ordering::AcqRel)
        {
            // A one-shot handler that has already run.
            handler = libc::SIG_DFL;
        }
    }
    if handler == libc::SIG_IGN && !synchronous {
        // A sent signal the program had chosen to ignore.
        return;
    }
    let Some(prev) = prev.filter(|_| handler != libc::SIG_DFL && handler != libc::SIG_IGN) else {
        // Default action (a fault cannot be ignored: the kernel would raise
        // it again forever, so `SIG_IGN` gets it too).
        default_action(sig);
        return;
    };
    // SAFETY: `ctx` is the kernel's `ucontext_t` for this signal; its
    // `uc_sigmask` is the interrupted code's mask.
    let interrupted = unsafe { &(*ctx.cast::<ucontext_t>()).uc_sigmask };
    let mask = chained_mask(sig, interrupted, prev);
    // SAFETY: `pthread_sigmask` (async-signal-safe) sets this thread's mask
    // for the call and restores the handler's own mask after it.
    let mut saved: libc::sigset_t = unsafe { core::mem::zeroed() };
    unsafe { libc::pthread_sigmask(libc::SIG_SETMASK, &mask, &mut saved) };
    if prev.sa_flags & libc::SA_SIGINFO != 0 {
        // SAFETY: with `SA_SIGINFO` the previous owner installed a
        // three-argument handler at this address; it gets the arguments the
        // kernel gave us, as if it had been called directly.
        let f: extern "C" fn(c_int, *mut siginfo_t, *mut c_void) =
            unsafe { core::mem::transmute::<usize, _>(handler) };
        f(sig, info, ctx);
    } else {
        // SAFETY: without `SA_SIGINFO` the handler takes the signal number
        // only.
        let f: extern "C" fn(c_int) = unsafe { core::mem::transmute::<usize, _>(handler) };
        f(sig);
    }
    // SAFETY: restores the mask saved above.
    unsafe { libc::pthread_sigmask(libc::SIG_SETMASK, &saved, core::ptr::null_mut()) };
}

/// The mask the kernel gives `prev`'s handler for `sig` when it interrupts
/// code whose mask is `interrupted`.
fn chained_mask(
    sig: c_int,
    interrupted: &libc::sigset_t,
    prev: &libc::sigaction,
) -> libc::sigset_t {
    let mut mask = *interrupted;
    // SAFETY: `sigismember`/`sigaddset` read and edit initialized sets; the
    // numbers are in the kernel's signal range.
    unsafe {
        for s in 1..=64 {
            if libc::sigismember(&prev.sa_mask, s) == 1 {
                libc::sigaddset(&mut mask, s);
            }
        }
        if prev.sa_flags & libc::SA_NODEFER == 0 {
            libc::sigaddset(&mut mask, sig);
        }
    }
    mask
}

/// Restore the default action of `sig` and raise it: the process dies of
/// it, now (`sig` is not blocked: our handler has `SA_NODEFER`) or when it
/// is unblocked.
fn default_action(sig: c_int) {
    // SAFETY: `sigaction` and `raise` are async-signal-safe; resetting a
    // disposition to `SIG_DFL` is always valid.
    unsafe {
        let mut dfl: libc::sigaction = core::mem::zeroed();
        dfl.sa_sigaction = libc::SIG_DFL;
        libc::sigemptyset(&mut dfl.sa_mask);
        libc::sigaction(sig, &dfl, core::ptr::null_mut());
        libc::raise(sig);
    }
}

/// Write `msg` to standard error with `write(2)`, which is
/// async-signal-safe.
fn write_stderr(msg: &[u8]) {
    // SAFETY: `msg` is valid for `msg.len()` bytes; a short or failed write
    // loses only the message.
    unsafe { libc::write(2, msg.as_ptr().cast(), msg.len()) };
}
