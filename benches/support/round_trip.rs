//! What the emulated round-trip benchmarks (`emulate.rs`, `guest_emulate.rs`)
//! share: the bare-signal floor, criterion's saved medians, and the
//! interleaved measurement.

/// The handler of the floor: step over the 4-byte instruction (`SEAMCALL`
/// or `TDCALL`) and clear CF (a `SEAMCALL` that succeeded; the `TDCALL`
/// declarations do not read it).
extern "C" fn step_over(_sig: libc::c_int, _info: *mut libc::siginfo_t, ctx: *mut libc::c_void) {
    // SAFETY: the kernel passes the interrupted context of this thread to an
    // `SA_SIGINFO` handler; it is ours until we return.
    let uc = unsafe { &mut *ctx.cast::<libc::ucontext_t>() };
    uc.uc_mcontext.gregs[libc::REG_RIP as usize] += 4;
    uc.uc_mcontext.gregs[libc::REG_EFL as usize] &= !1;
}

/// Runs `f` with `step_over` as the SIGSEGV and SIGILL handler, then puts
/// the previous handlers (the emulator's, once installed) back.
pub fn with_bare_handler(f: impl FnOnce()) {
    let sigs = [libc::SIGSEGV, libc::SIGILL];
    // SAFETY: zeroed `sigaction`s are valid empty actions; `step_over` has
    // the `SA_SIGINFO` signature; the previous actions are restored below.
    let mut old: [libc::sigaction; 2] = unsafe { std::mem::zeroed() };
    unsafe {
        let mut act: libc::sigaction = std::mem::zeroed();
        act.sa_sigaction = step_over as *const () as usize;
        act.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
        libc::sigemptyset(&mut act.sa_mask);
        for (sig, old) in sigs.iter().zip(old.iter_mut()) {
            libc::sigaction(*sig, &act, old);
        }
    }
    f();
    // SAFETY: restores the actions saved above.
    unsafe {
        for (sig, old) in sigs.iter().zip(old.iter()) {
            libc::sigaction(*sig, old, std::ptr::null_mut());
        }
    }
}

/// The median of benchmark `name` of criterion group `group`, from
/// criterion's saved estimates (the median, not the mean: other work on
/// the machine adds outliers).
pub fn median_ns(group: &str, name: &str) -> Option<f64> {
    let dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::PathBuf::from("target"));
    let path = dir
        .join("criterion")
        .join(group)
        .join(name)
        .join("new/estimates.json");
    let text = std::fs::read_to_string(path).ok()?;
    // {..."median":{"confidence_interval":{...},"point_estimate":1234.5,...
    let median = &text[text.find("\"median\"")?..];
    let pe = &median[median.find("\"point_estimate\":")? + 17..];
    let end = pe.find([',', '}'])?;
    pe[..end].trim().parse().ok()
}

/// Batches of calls per round of [`interleaved`].
pub const CALLS: u32 = 20_000;

/// Alternates the `runs` (each makes [`CALLS`] calls) for 15 rounds, so
/// that load from other work on the machine hits them alike; each one's
/// median time per call over the rounds, in nanoseconds.
pub fn interleaved<const N: usize>(mut runs: [&mut dyn FnMut(); N]) -> [f64; N] {
    const ROUNDS: usize = 15;
    let mut per_call: [Vec<f64>; N] = std::array::from_fn(|_| Vec::new());
    for _ in 0..ROUNDS {
        for (run, times) in runs.iter_mut().zip(per_call.iter_mut()) {
            let start = std::time::Instant::now();
            run();
            times.push(start.elapsed().as_nanos() as f64 / f64::from(CALLS));
        }
    }
    per_call.map(|mut v| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    })
}
