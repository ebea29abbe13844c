//! The ring-0 check (README, "Testing without TDX hardware"): build the freestanding kernel in
//! `tests/ring0-kernel`, boot it with `qemu-system-x86_64` under TCG, and
//! read its serial transcript and exit status.
//!
//! The kernel runs `#[seamcall]`-generated code in ring 0. TCG raises #UD
//! for SEAMCALL; the kernel's IDT (built with the `x86_64` crate) sends it to
//! `seamcall_core::extable::fixup_frame`, and every declared leaf must come
//! back as `Err(e)` with `e.kind() == Fault(InvalidOpcode)`, with the
//! callee-saved registers and RSP intact. A second boot executes a stray
//! `ud2` that no table entry covers, which must be reported, not swallowed.
//!
//! Without `qemu-system-x86_64` on `PATH` the test is skipped: it passes and
//! writes a banner to stderr (past the test harness's capture) that says so
//! and how to install QEMU, so that `cargo test --workspace --all-features`
//! passes on a machine that has only the Rust toolchain. When the
//! environment variable `CI` is set to anything non-empty it fails instead:
//! `.ci/run` installs QEMU, so there a missing QEMU is a broken set-up, not a
//! reason to skip.

use std::ffi::OsString;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// The emulator, found on `PATH`.
const QEMU: &str = "qemu-system-x86_64";

/// The package that provides [`QEMU`], as the skip banner names it.
const QEMU_PACKAGE: &str = "qemu-system-x86";

/// How long one boot may take before it is killed.
const BOOT_TIMEOUT: Duration = Duration::from_secs(60);

/// The kernel is built for the host target, named explicitly so that its
/// flags (`tests/ring0-kernel/.cargo/config.toml`) stay off build scripts
/// and proc-macros.
const TARGET: &str = "x86_64-unknown-linux-gnu";

/// QEMU's exit statuses for the kernel's isa-debug-exit codes (`(v << 1) | 1`,
/// `tests/ring0-kernel/src/exit.rs`).
const EXIT_PASS: i32 = (0x10 << 1) | 1;
const EXIT_FAIL: i32 = (0x11 << 1) | 1;
const EXIT_UNHANDLED: i32 = (0x12 << 1) | 1;
const EXIT_PANIC: i32 = (0x13 << 1) | 1;

/// The checks the kernel must report as `ok`, in order.
const CHECKS: &[&str] = &[
    "extable",
    "extable_index",
    "handwritten",
    "mng_rd",
    "mng_rd_raw",
    "mng_rd_v1",
    "mem_page_add",
    "vp_wr",
    "mng_addcx",
    "rbx_inout",
    "wide",
    "vp_enter",
    "wide_rbx_in",
    "tdg_vp_info",
    "tdg_mem_page_accept",
    "tdg_servtd_rd",
    "tdg_vp_enter",
    "tdvmcall_rdmsr",
    "tdvmcall_get_td_vm_call_info",
    "tdvmcall_report_fatal_error_message",
];

fn kernel_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ring0-kernel")
}

/// `<target dir>/ring0-kernel`: the kernel is its own workspace with its own
/// flags, so it gets its own target directory, under the one in use.
fn kernel_target_dir() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let base = ["CARGO_TARGET_DIR", "CARGO_BUILD_TARGET_DIR"]
        .iter()
        .find_map(|v| std::env::var_os(v).filter(|s| !s.is_empty()))
        .map(|d| manifest.join(d)) // `join` keeps an absolute path as is
        .unwrap_or_else(|| manifest.join("target"));
    base.join("ring0-kernel")
}

/// Build the kernel; its ELF path.
fn build_kernel() -> PathBuf {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo"));
    let target_dir = kernel_target_dir();
    let mut cmd = Command::new(cargo);
    cmd.current_dir(kernel_dir()) // so cargo reads the kernel's .cargo/config.toml
        .arg("build")
        .arg("--release")
        .arg("--manifest-path")
        .arg(kernel_dir().join("Cargo.toml"))
        .arg("--target")
        .arg(TARGET)
        .arg("--target-dir")
        .arg(&target_dir);
    // Settings from the environment would override the kernel's own: flags
    // meant for the host build (RUSTFLAGS, CARGO_ENCODED_RUSTFLAGS,
    // CARGO_TARGET_<triple>_RUSTFLAGS), another target, or profile changes.
    for (key, _) in std::env::vars_os() {
        let Some(key) = key.to_str() else { continue };
        if key == "RUSTFLAGS"
            || key == "CARGO_ENCODED_RUSTFLAGS"
            || key.starts_with("CARGO_BUILD_")
            || key.starts_with("CARGO_TARGET_")
            || key.starts_with("CARGO_PROFILE_")
        {
            cmd.env_remove(key);
        }
    }
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run cargo to build the ring-0 kernel: {e}"));
    if !out.status.success() {
        panic!(
            "building the ring-0 kernel failed ({}):\n{:?}\n--- stderr ---\n{}",
            out.status,
            cmd,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let elf = target_dir.join(TARGET).join("release").join("ring0-kernel");
    assert!(
        elf.is_file(),
        "the kernel build produced no {}",
        elf.display()
    );
    elf
}

/// One boot: what QEMU printed and how it ended.
struct Boot {
    command: String,
    status: Option<ExitStatus>,
    timed_out: bool,
    elapsed: Duration,
    serial: String,
    stderr: String,
}

impl Boot {
    fn code(&self) -> Option<i32> {
        self.status.and_then(|s| s.code())
    }

    /// Fail the test with everything there is to know about this boot.
    fn fail(&self, why: &str) -> ! {
        panic!(
            "ring-0 check failed: {why}\n\
             command: {}\n\
             exit: {}{} after {:.1?}\n\
             --- serial transcript ---\n{}\n--- qemu stderr ---\n{}",
            self.command,
            describe(self.code()),
            if self.timed_out {
                " (killed: timeout)"
            } else {
                ""
            },
            self.elapsed,
            self.serial,
            self.stderr,
        )
    }
}

/// Boot `elf` with `append` as its command line.
fn boot(elf: &Path, append: &str) -> Boot {
    let args: Vec<OsString> = [
        "-machine",
        "q35",
        "-accel",
        "tcg",
        "-cpu",
        "max",
        "-m",
        "64M",
        "-nographic",
        "-no-reboot",
        "-serial",
        "stdio",
        "-display",
        "none",
        "-monitor",
        "none",
        "-nic",
        "none",
        "-device",
        "isa-debug-exit,iobase=0xf4,iosize=0x04",
        "-append",
        append,
        "-kernel",
    ]
    .iter()
    .map(OsString::from)
    .chain([elf.as_os_str().to_owned()])
    .collect();
    let command = format!(
        "{QEMU} {}",
        args.iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    );
    let start = Instant::now();
    let mut child = match Command::new(QEMU)
        .args(&args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(child) => child,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => panic!(
            "{QEMU} is not installed: the ring-0 check needs it. Install the \
             qemu-system-x86 package (Debian/Ubuntu: `apt-get install qemu-system-x86`)."
        ),
        Err(e) => panic!("cannot start {QEMU}: {e}"),
    };
    let drain = |mut r: Box<dyn Read + Send>| {
        thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = r.read_to_end(&mut buf);
            String::from_utf8_lossy(&buf).into_owned()
        })
    };
    let stdout = drain(Box::new(child.stdout.take().expect("piped stdout")));
    let stderr = drain(Box::new(child.stderr.take().expect("piped stderr")));
    let mut timed_out = false;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if start.elapsed() > BOOT_TIMEOUT => {
                timed_out = true;
                let _ = child.kill();
                break child.wait().ok();
            }
            Ok(None) => thread::sleep(Duration::from_millis(20)),
            Err(e) => panic!("waiting for {QEMU}: {e}"),
        }
    };
    Boot {
        command,
        status,
        timed_out,
        elapsed: start.elapsed(),
        serial: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
    }
}

/// An exit status in words.
fn describe(code: Option<i32>) -> String {
    match code {
        Some(EXIT_PASS) => format!("{EXIT_PASS} (all checks passed)"),
        Some(EXIT_FAIL) => format!("{EXIT_FAIL} (a check failed)"),
        Some(EXIT_UNHANDLED) => format!("{EXIT_UNHANDLED} (unhandled exception)"),
        Some(EXIT_PANIC) => format!("{EXIT_PANIC} (kernel panic)"),
        Some(0) => "0 (QEMU's own exit: a triple fault with -no-reboot?)".into(),
        Some(c) => format!("{c}"),
        None => "no status (killed by a signal)".into(),
    }
}

/// The value of the first line of `serial` that starts with `prefix`, after
/// the prefix.
fn line_after<'a>(serial: &'a str, prefix: &str) -> Option<&'a str> {
    serial
        .lines()
        .find_map(|l| l.trim_end().strip_prefix(prefix))
}

/// Whether [`QEMU`] can be started: `None` when it is not on `PATH`.
fn qemu_version() -> Option<String> {
    match Command::new(QEMU)
        .arg("--version")
        .stdin(Stdio::null())
        .output()
    {
        Ok(out) => Some(
            String::from_utf8_lossy(&out.stdout)
                .lines()
                .next()
                .unwrap_or("")
                .to_owned(),
        ),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => panic!("cannot start {QEMU}: {e}"),
    }
}

/// Whether the environment says this is CI (`CI` set and not empty).
fn in_ci() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty())
}

/// What to do without QEMU: under CI fail, otherwise say loudly that the
/// check did not run, and how to run it, and pass.
fn qemu_missing() {
    let how = format!(
        "install it and run again:\n\
         \n    apt-get install {QEMU_PACKAGE}      (Debian, Ubuntu)\n\
         \n    cargo test --test ring0\n"
    );
    if in_ci() {
        panic!(
            "{QEMU} is not on PATH and CI is set: the ring-0 check must run in CI \
             (.ci/run installs {QEMU_PACKAGE}); {how}"
        );
    }
    let rule = "=".repeat(76);
    // Written to the process's stderr, not through `eprintln!`, which the
    // test harness captures (and shows only for failing tests).
    let _ = write!(
        std::io::stderr(),
        "\n{rule}\n\
         SKIPPED: the ring-0 check (tests/ring0.rs) did NOT run.\n\
         It boots a kernel under QEMU and {QEMU} is not on PATH.\n\
         To run it, {how}\
         (With CI set in the environment this is a failure, not a skip.)\n\
         {rule}\n\n"
    );
}

#[test]
fn ring0() {
    if qemu_version().is_none() {
        return qemu_missing();
    }
    let elf = build_kernel();

    // Boot 1: every check must pass, in order, and the kernel must say so.
    let run = boot(&elf, "checks");
    if run.timed_out {
        run.fail("the kernel did not finish in time");
    }
    if run.code() != Some(EXIT_PASS) {
        run.fail(&format!(
            "the kernel ended with {} instead of {EXIT_PASS} (all checks passed)",
            describe(run.code())
        ));
    }
    if run.serial.lines().any(|l| l.starts_with("FAIL ")) {
        run.fail("a check failed");
    }
    let mut rest = run.serial.as_str();
    for name in CHECKS {
        let head = format!("ok   {name}: ");
        match rest.find(&head) {
            Some(at) => rest = &rest[at + head.len()..],
            None => run.fail(&format!("no `{head}` line (in order)")),
        }
    }
    let summary = format!("ring0: all {} checks passed", CHECKS.len());
    if !run.serial.lines().any(|l| l.trim_end() == summary) {
        run.fail(&format!("no `{summary}` line"));
    }

    // Boot 2: a ud2 outside the table must be reported, not swallowed.
    let stray = boot(&elf, "stray-ud2");
    if stray.timed_out {
        stray.fail("the stray ud2 boot did not finish in time");
    }
    let Some(at) = line_after(&stray.serial, "ring0: executing a stray ud2 at ")
        .and_then(|s| s.split(',').next())
    else {
        stray.fail("the kernel did not announce the stray ud2");
    };
    let report = format!("unhandled #UD at {at}");
    if !stray.serial.lines().any(|l| l.trim_end() == report) {
        stray.fail(&format!("no `{report}` line"));
    }
    if stray.code() != Some(EXIT_UNHANDLED) {
        stray.fail(&format!(
            "the stray ud2 boot ended with {} instead of {EXIT_UNHANDLED} (unhandled exception)",
            describe(stray.code())
        ));
    }

    // Shown with `--nocapture`.
    for b in [&run, &stray] {
        println!(
            "$ {}
{}[exit status {:?}, {:.1?}]\n",
            b.command,
            b.serial,
            b.code(),
            b.elapsed
        );
    }
}

/// Runs this test binary's `ring0` test alone with an empty `PATH` (so QEMU
/// is never found, installed or not), with `ci` as `CI` (or `CI` unset):
/// its exit status and stderr.
fn ring0_without_qemu(ci: Option<&str>) -> (bool, String) {
    let empty =
        std::env::temp_dir().join(format!("seamcall-ring0-empty-path-{}", std::process::id()));
    std::fs::create_dir_all(&empty).expect("create an empty directory for PATH");
    let exe = std::env::current_exe().expect("the test binary's path");
    let mut cmd = Command::new(exe);
    cmd.args(["ring0", "--exact", "--test-threads=1"])
        .env("PATH", &empty)
        .env_remove("CI")
        .stdin(Stdio::null());
    if let Some(v) = ci {
        cmd.env("CI", v);
    }
    let out = cmd.output().expect("run the ring0 test binary");
    let _ = std::fs::remove_dir(&empty);
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout),
    )
}

/// The fresh-machine behaviour: without QEMU the ring-0 test passes and says
/// on stderr that it was skipped and how to run it; with `CI` set it fails.
#[test]
fn without_qemu_ring0_skips_loudly_unless_ci() {
    let (passed, output) = ring0_without_qemu(None);
    assert!(
        passed,
        "without QEMU and without CI, ring0 must pass (skip):\n{output}"
    );
    for needle in [
        "SKIPPED: the ring-0 check (tests/ring0.rs) did NOT run.",
        "apt-get install qemu-system-x86",
        "cargo test --test ring0",
    ] {
        assert!(output.contains(needle), "no `{needle}` in:\n{output}");
    }
    // An empty `CI` is not CI.
    let (passed, output) = ring0_without_qemu(Some(""));
    assert!(passed, "CI= (empty) must still skip:\n{output}");

    let (passed, output) = ring0_without_qemu(Some("1"));
    assert!(
        !passed,
        "with CI=1 a missing QEMU must fail ring0:\n{output}"
    );
    assert!(
        output.contains("is not on PATH and CI is set"),
        "CI failure must say why:\n{output}"
    );
}
