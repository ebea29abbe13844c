//! A user-mode stand-in for a kernel's #UD/#GP handler.
//!
//! `SEAMCALL` outside SEAM root faults: SIGSEGV (#GP) on the x86 machines
//! here, SIGILL (#UD) under QEMU's user-mode emulator. [`install`] registers a
//! handler for both that does what a kernel does: look the faulting RIP up in
//! `seamcall_extable` with the signal's vector and resume at the fixup pad,
//! changing RIP and nothing else. A fault anywhere else restores the default
//! action and returns, so the fault repeats and kills the process as usual.

use std::sync::Once;

use seamcall_core::extable;

/// The vector a signal stands for: SIGILL is #UD (6), SIGSEGV and SIGBUS #GP (13).
pub fn vector_of(signal: libc::c_int) -> Option<u8> {
    match signal {
        libc::SIGILL => Some(6),
        libc::SIGSEGV | libc::SIGBUS => Some(13),
        _ => None,
    }
}

extern "C" fn on_fault(signal: libc::c_int, _info: *mut libc::siginfo_t, ctx: *mut libc::c_void) {
    // SAFETY: the kernel passes a valid `ucontext_t` as the third argument of
    // an SA_SIGINFO handler; this thread owns it until the handler returns.
    let uc = unsafe { &mut *(ctx as *mut libc::ucontext_t) };
    let rip = uc.uc_mcontext.gregs[libc::REG_RIP as usize] as u64;
    if let Some(fixup) = vector_of(signal).and_then(|v| extable::search(rip, v)) {
        uc.uc_mcontext.gregs[libc::REG_RIP as usize] = fixup as i64;
        return;
    }
    // Not ours: fall back to the default action; returning re-executes the
    // faulting instruction, which now kills the process with this signal.
    // SAFETY: `signal` is a valid signal number; SIG_DFL needs no handler.
    unsafe {
        libc::signal(signal, libc::SIG_DFL);
    }
}

/// Install the handler for SIGSEGV, SIGBUS and SIGILL (once per process).
pub fn install() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        for sig in [libc::SIGSEGV, libc::SIGBUS, libc::SIGILL] {
            // SAFETY: `sa` is fully initialised (zeroed, then the handler,
            // flags and an empty mask); `on_fault` has the SA_SIGINFO
            // signature and only reads and writes the faulting context.
            unsafe {
                let mut sa: libc::sigaction = std::mem::zeroed();
                sa.sa_sigaction = on_fault as *const () as usize;
                sa.sa_flags = libc::SA_SIGINFO;
                libc::sigemptyset(&mut sa.sa_mask);
                let rc = libc::sigaction(sig, &sa, std::ptr::null_mut());
                assert_eq!(rc, 0, "sigaction({sig}) failed");
            }
        }
    });
}
