//! Trap-and-emulate: the outcomes a module can choose, the thread with no
//! module, nesting, panics, and faults that are not ours.

use std::hint::black_box;
use std::process::Command;

use seamcall_core::emulate::{self, Module, Outcome, Regs};
use seamcall_core::{seamcall, ErrorKind, SeamcallError, TdxStatus, Trap};

#[seamcall(leaf = 11, in = [rcx, rdx], out = [r8])]
unsafe fn tdh_mng_rd(tdr: u64, field: u64) -> Result<u64, SeamcallError>;

#[seamcall(leaf = 11, in = [rcx, rdx], out = [r8])]
unsafe fn tdh_mng_rd_raw(tdr: u64, field: u64) -> (TdxStatus, u64);

/// Answers with a fixed outcome and, on return, R8 = RCX ^ RDX.
struct Fixed(Outcome, u64);

impl Module for Fixed {
    fn seamcall(&mut self, regs: &mut Regs) -> Outcome {
        if self.0 == Outcome::Return {
            regs.r8 = regs.rcx ^ regs.rdx;
            regs.rax = self.1;
        } else {
            // Must not reach the caller: the instruction did not complete.
            regs.r8 = 0xdead;
            regs.rax = 0xdead;
        }
        self.0
    }
}

#[test]
fn return_writes_outputs_and_status() {
    let mut m = Fixed(Outcome::Return, 0);
    let v = emulate::with_module(&mut m, || unsafe { tdh_mng_rd(0xf0, 0x0f) });
    assert_eq!(v, Ok(0xff));
    let mut m = Fixed(Outcome::Return, TdxStatus::OPERAND_BUSY.raw() | 1);
    let (status, r8) = emulate::with_module(&mut m, || unsafe { tdh_mng_rd_raw(1, 2) });
    assert_eq!(status.raw(), TdxStatus::OPERAND_BUSY.raw() | 1);
    assert_eq!(r8, 3, "outputs come back whatever the status");
}

#[test]
fn vmfailinvalid_sets_cf() {
    let mut m = Fixed(Outcome::VmFailInvalid, 0);
    let e = emulate::with_module(&mut m, || unsafe { tdh_mng_rd(1, 2) }).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::VmFailInvalid);
    let (status, r8) = emulate::with_module(&mut m, || unsafe { tdh_mng_rd_raw(1, 2) });
    assert_eq!(status, TdxStatus::SEAMCALL_VMFAILINVALID);
    assert_eq!(
        r8, 0,
        "the pad zeroes the outputs; the module's writes are dropped"
    );
}

#[test]
fn module_faults_go_to_the_fixup() {
    for trap in [Trap::InvalidOpcode, Trap::GeneralProtection] {
        let mut m = Fixed(Outcome::Fault(trap), 0);
        let e = emulate::with_module(&mut m, || unsafe { tdh_mng_rd(1, 2) }).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Fault(trap));
        let (status, r8) = emulate::with_module(&mut m, || unsafe { tdh_mng_rd_raw(1, 2) });
        assert_eq!(status, trap.status());
        assert_eq!(r8, 0);
    }
}

/// With no module (once `install` has run) the hardware behaviour: #UD
/// (SIGILL) on AMD machines, Intel bare metal outside VMX operation and QEMU
/// user mode, #GP (SIGSEGV) in Intel VMX guests; either is accepted.
#[test]
fn no_module_faults_through_the_table() {
    emulate::install();
    let e = std::thread::spawn(|| unsafe { tdh_mng_rd(1, 2) })
        .join()
        .unwrap()
        .unwrap_err();
    assert!(
        matches!(
            e.kind(),
            ErrorKind::Fault(Trap::GeneralProtection | Trap::InvalidOpcode)
        ),
        "{e:?}"
    );
}

#[test]
fn nested_modules_restore_the_outer_one() {
    let mut outer = Fixed(Outcome::Return, 0);
    let mut inner = Fixed(Outcome::Fault(Trap::InvalidOpcode), 0);
    emulate::with_module(&mut outer, || {
        assert_eq!(unsafe { tdh_mng_rd(1, 1) }, Ok(0));
        let e = emulate::with_module(&mut inner, || unsafe { tdh_mng_rd(1, 1) });
        assert_eq!(e.unwrap_err().kind(), ErrorKind::Fault(Trap::InvalidOpcode));
        assert_eq!(unsafe { tdh_mng_rd(1, 3) }, Ok(2));
    });
    // Outside every `with_module`: hardware behaviour again.
    assert!(matches!(
        unsafe { tdh_mng_rd(1, 1) }.unwrap_err().kind(),
        ErrorKind::Fault(_)
    ));
}

#[test]
fn outer_module_is_restored_when_the_closure_panics() {
    let mut outer = Fixed(Outcome::Return, 0);
    let mut inner = Fixed(Outcome::VmFailInvalid, 0);
    emulate::with_module(&mut outer, || {
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            emulate::with_module(&mut inner, || panic!("test panic inside with_module"))
        }));
        assert!(r.is_err());
        assert_eq!(unsafe { tdh_mng_rd(4, 1) }, Ok(5));
    });
}

#[test]
fn module_panic_fails_the_call_and_resumes_after_the_closure() {
    let mut calls_after = 0;
    let mut m = |_: &mut Regs| -> Outcome { panic!("module bug") };
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        emulate::with_module(&mut m, || {
            let first = unsafe { tdh_mng_rd(1, 2) };
            assert_eq!(first.unwrap_err().kind(), ErrorKind::VmFailInvalid);
            let second = unsafe { tdh_mng_rd(1, 2) };
            assert_eq!(second.unwrap_err().kind(), ErrorKind::VmFailInvalid);
            calls_after += 1;
        })
    }));
    let payload = r.unwrap_err();
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"module bug"));
    assert_eq!(calls_after, 1, "the closure ran to its end");
}

#[test]
fn module_state_is_visible_after_with_module() {
    let mut count = 0u32;
    let mut m = |regs: &mut Regs| {
        count += 1;
        regs.rax = 0;
        Outcome::Return
    };
    emulate::with_module(&mut m, || {
        for _ in 0..10 {
            unsafe { tdh_mng_rd(0, 0) }.unwrap();
        }
    });
    assert_eq!(count, 10);
}

/// The calling thread's `errno`.
fn errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

fn set_errno(v: i32) {
    // SAFETY: `__errno_location` returns this thread's `errno` slot, valid
    // and ours to write for the thread's lifetime.
    unsafe { *libc::__errno_location() = v };
}

#[test]
fn errno_is_preserved_across_an_emulated_call() {
    // The interrupted code may be between a failing call and its read of
    // `errno`; the module's own failing system calls must not show there.
    for outcome in [
        Outcome::Return,
        Outcome::VmFailInvalid,
        Outcome::Fault(Trap::GeneralProtection),
    ] {
        let mut m = |regs: &mut Regs| {
            assert!(std::fs::File::open("/nonexistent/seamcall-emulate-errno").is_err());
            assert_eq!(errno(), libc::ENOENT, "the module's call set errno");
            regs.r8 = 7;
            regs.rax = 0;
            outcome
        };
        let seen = emulate::with_module(&mut m, || {
            set_errno(4242);
            let r = unsafe { tdh_mng_rd(1, 2) };
            (r.is_ok(), errno())
        });
        assert_eq!(seen, (outcome == Outcome::Return, 4242), "{outcome:?}");
    }
}

// ---- faults that are not ours still kill the process --------------------

/// Runs this test binary again with `EMULATE_CHILD` set to `what`, so the
/// child executes `child_main(what)` and dies; returns the signal it died of.
fn child_signal(what: &str) -> Option<i32> {
    use std::os::unix::process::ExitStatusExt;
    let exe = std::env::current_exe().unwrap();
    let out = Command::new(exe)
        .args(["--exact", "child_entry", "--nocapture", "--test-threads=1"])
        .env("EMULATE_CHILD", what)
        .output()
        .unwrap();
    out.status.signal()
}

/// Entry point of the child processes; does nothing in a normal test run.
#[test]
fn child_entry() {
    let Ok(what) = std::env::var("EMULATE_CHILD") else {
        return;
    };
    match what.as_str() {
        "no_install" => {
            // Nothing in this process has touched `emulate`: no handler is
            // in place, so the instruction faults for real and kills.
            let r = unsafe { tdh_mng_rd(1, 2) };
            println!("child survived {what}: {r:?}");
            std::process::exit(0);
        }
        "install" | "with_module_once" => {
            // After `install` (or one `with_module`), a thread with no
            // module gets the hardware behaviour: the fixup.
            if what == "install" {
                emulate::install();
            } else {
                let mut m = Fixed(Outcome::Return, 0);
                let v = emulate::with_module(&mut m, || unsafe { tdh_mng_rd(1, 2) });
                assert_eq!(v, Ok(3));
            }
            let r = std::thread::spawn(|| unsafe { tdh_mng_rd(1, 2) })
                .join()
                .unwrap();
            let code = match r.map_err(|e| e.kind()) {
                Err(ErrorKind::Fault(_)) => 0,
                _ => 1,
            };
            std::process::exit(code);
        }
        "overflow" => {
            emulate::install();
            let mut m = Fixed(Outcome::Return, 0);
            let v = emulate::with_module(&mut m, || unsafe { tdh_mng_rd(1, 2) });
            assert_eq!(v, Ok(3));
            let t = std::thread::Builder::new()
                .name("deep".into())
                .stack_size(256 * 1024)
                .spawn(|| recurse(0))
                .unwrap();
            println!("child survived {what}: {:?}", t.join());
            std::process::exit(0);
        }
        "kill" => {
            // No handler before ours (std installs one for stack overflows,
            // which returns on a signal that is not one): the sent signal
            // must reach the default action through ours.
            // SAFETY: resetting SIGSEGV to its default action is always
            // valid; nothing in this process relies on std's handler.
            unsafe { libc::signal(libc::SIGSEGV, libc::SIG_DFL) };
        }
        _ => {}
    }
    let mut m = Fixed(Outcome::Return, 0);
    emulate::with_module(&mut m, || match what.as_str() {
        "null" => {
            // SAFETY: none; the point is to fault. A volatile read so that
            // the compiler keeps it.
            let v = unsafe { std::ptr::read_volatile(std::ptr::null::<u64>()) };
            println!("read {v}");
        }
        "ud2" => unsafe { std::arch::asm!("ud2") },
        "bare_seamcall" => {
            // A SEAMCALL the table does not know: not emulated, so it is a
            // real fault.
            unsafe { std::arch::asm!(".byte 0x66, 0x0f, 0x01, 0xcf", out("rax") _) };
        }
        "kill" => {
            // A SIGSEGV sent by a process, not raised by an instruction.
            unsafe { libc::raise(libc::SIGSEGV) };
        }
        _ => {}
    });
    println!("child survived {what}");
    std::process::exit(0);
}

/// Recurses until the stack overflows; every frame holds a live buffer.
#[inline(never)]
fn recurse(n: u64) -> u64 {
    let buf = black_box([n; 64]);
    if black_box(n) == u64::MAX {
        return 0;
    }
    recurse(buf[0] + 1).wrapping_add(buf[63])
}

/// Runs `child_entry` for `what` in a fresh process and returns its output.
fn child_output(what: &str) -> std::process::Output {
    let exe = std::env::current_exe().unwrap();
    Command::new(exe)
        .args(["--exact", "child_entry", "--nocapture", "--test-threads=1"])
        .env("EMULATE_CHILD", what)
        .output()
        .unwrap()
}

#[test]
fn nothing_is_installed_before_install_or_with_module() {
    // The handlers are installed lazily, so that the standard library's
    // stack-overflow handler is in place first: with no call into
    // `emulate`, a SEAMCALL is a real fault that kills the process.
    use std::os::unix::process::ExitStatusExt;
    let out = child_output("no_install");
    let sig = out.status.signal();
    assert!(
        sig == Some(libc::SIGSEGV) || sig == Some(libc::SIGILL),
        "{:?} {}",
        out.status,
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn after_install_or_one_with_module_threads_without_a_module_get_the_fixup() {
    use std::os::unix::process::ExitStatusExt;
    for what in ["install", "with_module_once"] {
        let out = child_output(what);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{what}: {:?} {}",
            out.status.signal(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn stack_overflow_still_reports_through_std() {
    // std's SIGSEGV handler is installed before `main`; ours, installed
    // later, chains to it, so the overflow is reported and aborts.
    use std::os::unix::process::ExitStatusExt;
    let out = child_output("overflow");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("thread 'deep'") && stderr.contains("has overflowed its stack"),
        "{:?}: {stderr}",
        out.status
    );
    assert_eq!(out.status.signal(), Some(libc::SIGABRT), "{stderr}");
}

#[test]
fn null_dereference_still_kills_with_sigsegv() {
    assert_eq!(child_signal("null"), Some(libc::SIGSEGV));
}

#[test]
fn ud2_still_kills_with_sigill() {
    assert_eq!(child_signal("ud2"), Some(libc::SIGILL));
}

#[test]
fn undeclared_seamcall_is_not_emulated() {
    let sig = child_signal("bare_seamcall");
    assert!(
        sig == Some(libc::SIGSEGV) || sig == Some(libc::SIGILL),
        "{sig:?}"
    );
}

#[test]
fn sent_sigsegv_is_not_swallowed() {
    assert_eq!(child_signal("kill"), Some(libc::SIGSEGV));
}

#[test]
fn module_may_use_a_large_stack() {
    // The handler may start on a small alternate signal stack; the module
    // runs on the thread's own stack.
    let mut m = |regs: &mut Regs| {
        let buf = std::hint::black_box([0x5au8; 256 * 1024]);
        regs.r8 = buf.iter().map(|b| u64::from(*b)).sum();
        regs.rax = 0;
        Outcome::Return
    };
    let v = emulate::with_module(&mut m, || unsafe { tdh_mng_rd(0, 0) });
    assert_eq!(v, Ok(0x5a * 256 * 1024));
}

#[inline(never)]
fn backtrace_caller() -> String {
    let mut text = String::new();
    let mut m = |regs: &mut Regs| {
        text = std::backtrace::Backtrace::force_capture().to_string();
        regs.rax = 0;
        Outcome::Return
    };
    emulate::with_module(&mut m, || unsafe { tdh_mng_rd(0, 0) }).unwrap();
    text
}

#[test]
fn backtrace_from_a_module_ends_at_the_modules_call() {
    // A panicking module prints one. The walk covers the module's frames and
    // stops at the emulator's stack helper, whose CFI ends the chain: past
    // it lie the handler, the signal frame and the interrupted `asm!` block,
    // which for the shapes that save RBX or RBP on the stack no unwind
    // table describes (walking on from there crashed the process:
    // `a_module_panic_prints_its_backtrace_without_crashing` in
    // tests/emulate_enter.rs).
    let text = backtrace_caller();
    assert!(
        text.contains("backtrace_caller"),
        "the module's frames: {text}"
    );
    let last = text.lines().rev().find(|l| {
        l.trim_start()
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_digit())
    });
    assert!(
        last.is_some_and(|l| l.contains("__seamcall_emulate_on_stack")),
        "the walk ends at the stack helper: {text}"
    );
    assert!(
        !text.contains("on_signal"),
        "nothing past the helper: {text}"
    );
}

// ---- signal safety -------------------------------------------------------
//
// Each of these runs in a child process of its own (`sig_child_entry`), with
// a deadline: a storm of SIGALRM hits the whole process, a replaced handler
// used to make every SEAMCALL re-fault forever, and a regression must show
// as a failed test, not as a hang or a dead test binary.

/// The result of one child run: its exit status, output, and whether it had
/// to be killed at the deadline.
struct ChildRun {
    status: std::process::ExitStatus,
    stdout: String,
    stderr: String,
    timed_out: bool,
}

/// Runs `sig_child_entry` for `what` in a fresh process, killed after
/// `secs` seconds.
fn sig_child(what: &str, secs: u64) -> ChildRun {
    use std::io::Read;
    use std::process::Stdio;
    let exe = std::env::current_exe().unwrap();
    let mut child = Command::new(exe)
        .args([
            "--exact",
            "sig_child_entry",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("EMULATE_SIG_CHILD", what)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Drain both pipes on threads of their own, so that a chatty child
    // cannot block on a full pipe before the deadline.
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    let mut timed_out = false;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > deadline {
            timed_out = true;
            let _ = child.kill();
            break child.wait().unwrap();
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    };
    ChildRun {
        status,
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
        timed_out,
    }
}

impl std::fmt::Debug for ChildRun {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use std::os::unix::process::ExitStatusExt;
        write!(
            f,
            "exit {:?} signal {:?} timed out {}\n--- stdout\n{}--- stderr\n{}",
            self.status.code(),
            self.status.signal(),
            self.timed_out,
            self.stdout,
            self.stderr
        )
    }
}

/// Emulated calls per storm: at least 100k in both profiles.
const STORM_CALLS: u64 = 100_000;

static ALARMS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

extern "C" fn on_alarm(_sig: libc::c_int) {
    ALARMS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
}

/// A SIGALRM handler that uses 8 KiB of stack, as much as the alternate
/// signal stack the standard library gives a thread holds in all.
extern "C" fn on_alarm_big(_sig: libc::c_int) {
    use_stack::<8192>();
}

/// A SIGALRM handler that uses 4 KiB of stack: it fits on the standard
/// library's 8 KiB alternate signal stack next to the kernel's signal frame,
/// but not on top of a live trap frame there.
extern "C" fn on_alarm_4k(_sig: libc::c_int) {
    use_stack::<4096>();
}

fn use_stack<const N: usize>() {
    let mut buf = [0u8; N];
    // One byte per cache line, from the far end: every page of the buffer
    // is touched.
    for (i, b) in buf.iter_mut().enumerate().rev().step_by(64) {
        // SAFETY: `b` is a valid, exclusive reference into `buf`; volatile
        // so that the compiler keeps every store, and the stack use.
        unsafe { std::ptr::write_volatile(b, i as u8) };
    }
    black_box(&buf);
    ALARMS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
}

/// `STORM_CALLS` checked emulated calls on this thread while another thread
/// sends it SIGALRM every 10 µs (`tgkill`); the SIGALRM handler has `flags`.
/// Prints the figures.
fn storm(what: &str, flags: libc::c_int, handler: extern "C" fn(libc::c_int)) {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    // SAFETY: a zeroed `sigaction` is a valid empty action; the handler has
    // the one-argument signature that a handler without `SA_SIGINFO` has.
    unsafe {
        let mut act: libc::sigaction = std::mem::zeroed();
        act.sa_sigaction = handler as usize;
        act.sa_flags = flags | libc::SA_RESTART;
        libc::sigemptyset(&mut act.sa_mask);
        assert_eq!(
            libc::sigaction(libc::SIGALRM, &act, std::ptr::null_mut()),
            0
        );
    }
    // SAFETY: plain system calls without pointer arguments.
    let (pid, tid) = unsafe { (libc::getpid(), libc::gettid()) };
    let stop = Arc::new(AtomicBool::new(false));
    let sender = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            // SAFETY: `prctl(PR_SET_TIMERSLACK)` changes only this thread's
            // timer slack.
            unsafe { libc::prctl(libc::PR_SET_TIMERSLACK, 1u64) };
            let mut sent = 0u64;
            while !stop.load(Ordering::Relaxed) {
                // SAFETY: `tgkill` to a thread of this process, which has a
                // SIGALRM handler.
                unsafe { libc::syscall(libc::SYS_tgkill, pid, tid, libc::SIGALRM) };
                sent += 1;
                // 10 µs apart: a sleep with 1 ns timer slack (the default
                // 50 µs would space the alarms out), so that the sender does
                // not take a CPU from the calling thread.
                std::thread::sleep(std::time::Duration::from_micros(10));
            }
            sent
        })
    };
    let mut m = |regs: &mut Regs| {
        regs.r8 = regs.rcx.rotate_left(7) ^ regs.rdx;
        regs.rax = 0;
        Outcome::Return
    };
    let mut checked = 0u64;
    let start = std::time::Instant::now();
    emulate::with_module(&mut m, || {
        for i in 0..STORM_CALLS {
            let (a, b) = (i.wrapping_mul(0x9e37_79b9_7f4a_7c15), !i);
            let v = unsafe { tdh_mng_rd(black_box(a), black_box(b)) };
            assert_eq!(v, Ok(a.rotate_left(7) ^ b), "call {i}");
            checked += 1;
        }
    });
    let took = start.elapsed();
    stop.store(true, Ordering::Relaxed);
    let sent = sender.join().unwrap();
    let alarms = ALARMS.load(Ordering::Relaxed);
    assert!(!blocked(libc::SIGALRM), "the handler left SIGALRM blocked");
    println!(
        "storm {what}: alarms delivered {alarms}, sent {sent}, calls checked {checked}, \
         in {:.2} s",
        took.as_secs_f64()
    );
}

/// Entry point of the signal-safety child processes; does nothing in a
/// normal test run.
#[test]
fn sig_child_entry() {
    let Ok(what) = std::env::var("EMULATE_SIG_CHILD") else {
        return;
    };
    match what.as_str() {
        "storm_onstack" => storm(&what, libc::SA_ONSTACK, on_alarm),
        "storm_plain" => storm(&what, 0, on_alarm),
        "storm_plain_big" => storm(&what, 0, on_alarm_big),
        "storm_onstack_big" => storm(&what, libc::SA_ONSTACK, on_alarm_4k),
        "signal_in_module" | "signal_in_module_own_altstack" => {
            // A signal that reaches the module (SIGBUS is not blocked while
            // it runs: faults raise it) with an `SA_ONSTACK` handler using
            // 4 KiB: it must not land on the live trap frame at the top of
            // the alternate stack. `_own_altstack`: the closure installs an
            // alternate stack of its own (without `SS_AUTODISARM`, which
            // `with_module` set on the first), so the handler disarms it.
            // SAFETY: as in `storm`.
            unsafe {
                let mut act: libc::sigaction = std::mem::zeroed();
                act.sa_sigaction = on_alarm_4k as extern "C" fn(libc::c_int) as usize;
                act.sa_flags = libc::SA_ONSTACK;
                libc::sigemptyset(&mut act.sa_mask);
                assert_eq!(libc::sigaction(libc::SIGBUS, &act, std::ptr::null_mut()), 0);
            }
            let mut m = |regs: &mut Regs| {
                // SAFETY: SIGBUS has a handler that returns.
                unsafe { libc::raise(libc::SIGBUS) };
                regs.r8 = regs.rcx.wrapping_add(regs.rdx);
                regs.rax = 0;
                Outcome::Return
            };
            let n = 10_000u64;
            let own = what.ends_with("own_altstack");
            let mut altstack = vec![0u8; 64 * 1024];
            emulate::with_module(&mut m, || {
                if own {
                    // SAFETY: `altstack` outlives the closure and the
                    // process (the child exits below); flags 0: armed,
                    // without `SS_AUTODISARM`.
                    unsafe {
                        let ss = libc::stack_t {
                            ss_sp: altstack.as_mut_ptr().cast(),
                            ss_flags: 0,
                            ss_size: altstack.len(),
                        };
                        assert_eq!(libc::sigaltstack(&ss, std::ptr::null_mut()), 0);
                    }
                }
                for i in 0..n {
                    assert_eq!(unsafe { tdh_mng_rd(i, 7) }, Ok(i + 7));
                }
            });
            let alarms = ALARMS.load(std::sync::atomic::Ordering::Relaxed);
            assert_eq!(alarms, n);
            println!("{what}: {alarms} signals, {n} calls checked");
            std::process::exit(0);
        }
        "module_null" => {
            // A crash in the module: SIGSEGV is not blocked while it runs
            // (`SA_NODEFER`), so it reaches our handler again, which chains
            // it; it must kill, not loop.
            let mut m = |_: &mut Regs| -> Outcome {
                // SAFETY: none; the point is to fault.
                let v = unsafe { std::ptr::read_volatile(std::ptr::null::<u64>()) };
                println!("module read {v}");
                Outcome::Return
            };
            let v = emulate::with_module(&mut m, || unsafe { tdh_mng_rd(1, 2) });
            println!("module_null: survived {v:?}");
        }
        "module_seamcall" => {
            let mut m = |regs: &mut Regs| -> Outcome {
                let inner = unsafe { tdh_mng_rd(1, 2) };
                println!("module_seamcall: inner call returned {inner:?}");
                regs.rax = 0;
                Outcome::Return
            };
            let v = emulate::with_module(&mut m, || unsafe { tdh_mng_rd(1, 2) });
            println!("module_seamcall: survived {v:?}");
        }
        "spawn_in_module" => {
            // The module spawns a thread and joins it; that thread makes
            // SEAMCALLs with no module (the fixup) and with one of its own.
            let mut m = |regs: &mut Regs| {
                let t = std::thread::spawn(|| {
                    let bare = unsafe { tdh_mng_rd(1, 2) };
                    let mut inner = Fixed(Outcome::Return, 0);
                    let emulated = emulate::with_module(&mut inner, || unsafe { tdh_mng_rd(5, 3) });
                    (bare.map_err(|e| e.kind()), emulated)
                });
                let (bare, emulated) = t.join().unwrap();
                assert!(matches!(bare, Err(ErrorKind::Fault(_))), "{bare:?}");
                assert_eq!(emulated, Ok(6));
                regs.r8 = 77;
                regs.rax = 0;
                Outcome::Return
            };
            let v = emulate::with_module(&mut m, || unsafe { tdh_mng_rd(1, 2) });
            assert_eq!(v, Ok(77));
            println!("spawn_in_module: ok");
        }
        "replaced" => {
            // Ours first, then a handler over it that returns: the
            // instruction would fault again forever.
            emulate::install();
            extern "C" fn returns(_sig: libc::c_int) {}
            for sig in [libc::SIGSEGV, libc::SIGILL] {
                // SAFETY: as in `storm`.
                unsafe {
                    let mut act: libc::sigaction = std::mem::zeroed();
                    act.sa_sigaction = returns as extern "C" fn(libc::c_int) as usize;
                    libc::sigemptyset(&mut act.sa_mask);
                    assert_eq!(libc::sigaction(sig, &act, std::ptr::null_mut()), 0);
                }
            }
            let mut m = Fixed(Outcome::Return, 0);
            let v = emulate::with_module(&mut m, || unsafe { tdh_mng_rd(1, 2) });
            println!("replaced: call returned {v:?}");
        }
        "chain_siginfo_resethand" | "chain_plain_nodefer" => chain_child(&what),
        "chain_ign" => {
            // SAFETY: ignoring SIGSEGV is a valid disposition.
            unsafe { libc::signal(libc::SIGSEGV, libc::SIG_IGN) };
            emulate::install();
            // A sent SIGSEGV the program ignores is ignored through ours...
            unsafe { libc::raise(libc::SIGSEGV) };
            println!("chain_ign: sent SIGSEGV ignored");
            // ... a fault is not: it cannot be ignored.
            // SAFETY: none; the point is to fault.
            let v = unsafe { std::ptr::read_volatile(std::ptr::null::<u64>()) };
            println!("chain_ign: survived a null read {v}");
        }
        _ => panic!("unknown child {what}"),
    }
}

/// How the handler installed before ours found the thread when it ran.
static CHAINED: std::sync::Mutex<Vec<(bool, bool)>> = std::sync::Mutex::new(Vec::new());

/// Whether `sig` is blocked on this thread now.
fn blocked(sig: libc::c_int) -> bool {
    // SAFETY: `pthread_sigmask` with a null new set only reads the mask into
    // `set`, a valid `sigset_t`.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::pthread_sigmask(libc::SIG_BLOCK, std::ptr::null(), &mut set);
        libc::sigismember(&set, sig) == 1
    }
}

extern "C" fn prev_siginfo(_sig: libc::c_int, _i: *mut libc::siginfo_t, _c: *mut libc::c_void) {
    // Not async-signal-safe in general; the child raises the signal itself,
    // from code that holds no lock.
    CHAINED
        .lock()
        .unwrap()
        .push((blocked(libc::SIGUSR1), blocked(libc::SIGSEGV)));
}

extern "C" fn prev_plain(_sig: libc::c_int) {
    CHAINED
        .lock()
        .unwrap()
        .push((blocked(libc::SIGUSR1), blocked(libc::SIGSEGV)));
}

/// A handler installed before ours, with `sa_mask = {SIGUSR1}` and either
/// `SA_SIGINFO | SA_RESETHAND` or no flag but `SA_NODEFER`: ours must call it
/// as the kernel would have.
fn chain_child(what: &str) {
    let siginfo = what == "chain_siginfo_resethand";
    // SAFETY: as in `storm`; the handler's signature matches `SA_SIGINFO`.
    unsafe {
        let mut act: libc::sigaction = std::mem::zeroed();
        if siginfo {
            act.sa_sigaction = prev_siginfo as *const () as usize;
            act.sa_flags = libc::SA_SIGINFO | libc::SA_RESETHAND;
        } else {
            act.sa_sigaction = prev_plain as *const () as usize;
            act.sa_flags = libc::SA_NODEFER;
        }
        libc::sigemptyset(&mut act.sa_mask);
        libc::sigaddset(&mut act.sa_mask, libc::SIGUSR1);
        assert_eq!(
            libc::sigaction(libc::SIGSEGV, &act, std::ptr::null_mut()),
            0
        );
    }
    emulate::install();
    assert!(!blocked(libc::SIGUSR1));
    // A sent SIGSEGV is not ours: it goes to the previous handler.
    unsafe { libc::raise(libc::SIGSEGV) };
    let seen = CHAINED.lock().unwrap().clone();
    // (SIGUSR1 blocked: its sa_mask; SIGSEGV blocked: unless SA_NODEFER).
    println!("{what}: first {seen:?}");
    assert_eq!(seen, [(true, siginfo)], "{what}");
    assert!(!blocked(libc::SIGUSR1), "the mask is restored");
    // Again: with SA_RESETHAND the default action now kills.
    unsafe { libc::raise(libc::SIGSEGV) };
    let seen = CHAINED.lock().unwrap().clone();
    println!("{what}: second {seen:?}");
    assert_eq!(seen.len(), 2);
}

/// Runs the storm child `what` and checks it finished every call.
fn run_storm(what: &str) {
    let run = sig_child(what, 120);
    assert!(run.status.success() && !run.timed_out, "{what}: {run:?}");
    let line = run
        .stdout
        .lines()
        .find_map(|l| l.find("storm ").map(|i| &l[i..]))
        .unwrap_or_else(|| panic!("{what}: no figures: {run:?}"));
    eprintln!("{line}");
    let field = |name: &str| -> u64 {
        let rest = &line[line.find(name).unwrap() + name.len()..];
        rest.trim_start()
            .split(|c: char| !c.is_ascii_digit())
            .next()
            .unwrap()
            .parse()
            .unwrap()
    };
    assert_eq!(field("calls checked"), STORM_CALLS, "{line}");
    // A storm, not a drizzle: hundreds of alarms at least (the code before
    // the mask died after about a hundred). How many depends on how often
    // the two threads run at once on a loaded machine.
    assert!(field("alarms delivered") >= 200, "{line}");
}

#[test]
fn sigalrm_storm_with_sa_onstack() {
    run_storm("storm_onstack");
}

#[test]
fn sigalrm_storm_without_sa_onstack() {
    run_storm("storm_plain");
}

#[test]
fn sigalrm_storm_handler_using_8k_of_stack() {
    run_storm("storm_plain_big");
}

#[test]
fn sigalrm_storm_handler_using_4k_of_alternate_stack() {
    run_storm("storm_onstack_big");
}

#[test]
fn a_signal_taken_inside_the_module_does_not_overwrite_the_trap_frame() {
    let run = sig_child("signal_in_module", 60);
    assert!(run.status.success() && !run.timed_out, "{run:?}");
    assert!(run.stdout.contains("10000 calls checked"), "{run:?}");
}

#[test]
fn a_signal_taken_inside_the_module_does_not_overwrite_the_trap_frame_on_any_altstack() {
    let run = sig_child("signal_in_module_own_altstack", 60);
    assert!(run.status.success() && !run.timed_out, "{run:?}");
    assert!(run.stdout.contains("10000 calls checked"), "{run:?}");
}

#[test]
fn a_crash_inside_the_module_kills_with_sigsegv() {
    use std::os::unix::process::ExitStatusExt;
    let run = sig_child("module_null", 20);
    assert!(!run.timed_out, "{run:?}");
    assert_eq!(run.status.signal(), Some(libc::SIGSEGV), "{run:?}");
    assert!(!run.stdout.contains("survived"), "{run:?}");
}

#[test]
fn a_seamcall_made_by_the_module_itself_kills_with_a_message() {
    use std::os::unix::process::ExitStatusExt;
    let run = sig_child("module_seamcall", 20);
    assert!(!run.timed_out, "{run:?}");
    let sig = run.status.signal();
    assert!(
        sig == Some(libc::SIGSEGV) || sig == Some(libc::SIGILL),
        "{run:?}"
    );
    assert!(run.stderr.contains("a module executed SEAMCALL"), "{run:?}");
    assert!(!run.stdout.contains("returned"), "{run:?}");
}

#[test]
fn a_thread_spawned_inside_a_module_can_make_seamcalls() {
    let run = sig_child("spawn_in_module", 60);
    assert!(run.status.success() && !run.timed_out, "{run:?}");
    assert!(run.stdout.contains("spawn_in_module: ok"), "{run:?}");
}

#[test]
fn a_handler_installed_over_ours_is_a_clear_panic_not_a_hang() {
    let run = sig_child("replaced", 20);
    assert!(!run.timed_out, "{run:?}");
    assert_eq!(run.status.code(), Some(101), "a panic: {run:?}");
    assert!(
        run.stderr
            .contains("SIGSEGV handler is no longer the emulator's"),
        "{run:?}"
    );
    assert!(!run.stdout.contains("call returned"), "{run:?}");
}

#[test]
fn chaining_honours_sa_mask_and_sa_resethand() {
    use std::os::unix::process::ExitStatusExt;
    let run = sig_child("chain_siginfo_resethand", 20);
    assert!(run.stdout.contains("first [(true, true)]"), "{run:?}");
    // The second SIGSEGV found the default action: killed.
    assert_eq!(run.status.signal(), Some(libc::SIGSEGV), "{run:?}");
    assert!(!run.stdout.contains("second"), "{run:?}");
}

#[test]
fn chaining_honours_sa_mask_and_sa_nodefer() {
    let run = sig_child("chain_plain_nodefer", 20);
    assert!(run.status.success(), "{run:?}");
    assert!(run.stdout.contains("first [(true, false)]"), "{run:?}");
    assert!(run.stdout.contains("second"), "{run:?}");
}

#[test]
fn an_ignored_sigsegv_stays_ignored_when_sent_but_a_fault_kills() {
    use std::os::unix::process::ExitStatusExt;
    let run = sig_child("chain_ign", 20);
    assert!(run.stdout.contains("sent SIGSEGV ignored"), "{run:?}");
    assert!(!run.stdout.contains("survived"), "{run:?}");
    assert_eq!(run.status.signal(), Some(libc::SIGSEGV), "{run:?}");
}

// ---- the indexed exception table ------------------------------------------

#[test]
fn the_index_answers_as_the_linear_search() {
    use seamcall_core::extable::{self, BufferTooSmall, Index, IndexEntry};
    let n = extable::index_len();
    assert!(n >= 4, "this binary declares leaves: {n}");
    let mut short = vec![IndexEntry::EMPTY; n - 1];
    assert_eq!(
        Index::build(&mut short).unwrap_err(),
        BufferTooSmall {
            needed: n,
            given: n - 1
        }
    );
    let mut buf = vec![IndexEntry::EMPTY; n + 3];
    let index = Index::build(&mut buf).unwrap();
    assert_eq!(index.entries().len(), n);
    assert!(index
        .entries()
        .windows(2)
        .all(|w| (w[0].insn(), w[0].vector()) <= (w[1].insn(), w[1].vector())));
    let sites: Vec<_> = extable::entries()
        .iter()
        .filter(|e| e.vector() != u32::MAX)
        .collect();
    for e in &sites {
        for vector in [6u8, 13, 14, 0] {
            assert_eq!(
                index.search(e.insn(), vector),
                extable::search(e.insn(), vector),
                "{:#x} vector {vector}",
                e.insn()
            );
        }
        assert_eq!(index.search(e.insn(), e.vector() as u8), Some(e.fixup()));
        assert!(index.contains(e.insn()));
        for miss in [e.insn() - 1, e.insn() + 1] {
            assert_eq!(index.contains(miss), extable::is_seamcall_site(miss));
            assert_eq!(index.search(miss, 6), extable::search(miss, 6));
        }
    }
    assert!(!index.contains(0) && !Index::EMPTY.contains(sites[0].insn()));
    // The leaf of this file is among them, and the emulator finds it.
    let mut m = Fixed(Outcome::Return, 0);
    assert_eq!(
        emulate::with_module(&mut m, || unsafe { tdh_mng_rd(6, 3) }),
        Ok(5)
    );
}
