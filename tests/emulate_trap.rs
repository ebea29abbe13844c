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
fn backtrace_from_a_module_reaches_the_interrupted_code() {
    // A panicking module prints one; the walk crosses the stack switch, the
    // handler and the signal frame.
    let text = backtrace_caller();
    assert!(text.contains("on_signal"), "{text}");
    assert!(text.contains("backtrace_caller"), "{text}");
}
