//! The checks, one line each on the serial port: `ok   <name>: ...` or
//! `FAIL <name>: ...`.

use core::arch::{asm, global_asm};

use seamcall_core::extable;
use seamcall_core::SeamcallError;

use crate::exit::{exit, Exit};
use crate::harness::{self, Observed, Probe, ProbeOut, CANARY_NAMES, LIVE};
use crate::{leaves, print, println, probe, trap};

/// The bytes of `SEAMCALL`.
const SEAMCALL: [u8; 4] = [0x66, 0x0f, 0x01, 0xcf];

/// The bytes of `TDCALL`, the guest side's instruction: TCG raises #UD for
/// it as for SEAMCALL (the CPU is not in a TD).
const TDCALL: [u8; 4] = [0x66, 0x0f, 0x01, 0xcc];

/// Linux's `TDX_SEAMCALL_UD`: what a #UD on SEAMCALL must turn into.
const TDX_SEAMCALL_UD: u64 = 0x8000_ff00_0000_0006;

/// Linux's `TDX_SEAMCALL_GP`.
const TDX_SEAMCALL_GP: u64 = 0x8000_ff00_0000_000d;

fn bytes_at(addr: u64) -> [u8; 4] {
    // SAFETY: every address passed here is in the kernel image (a SEAMCALL
    // site from the exception table or a fault RIP inside a probe), which is
    // loaded, identity-mapped and readable; an unaligned read assumes no
    // alignment.
    unsafe { core::ptr::read_unaligned(addr as *const [u8; 4]) }
}

/// One line for one check; `problems` empty means `ok`.
struct Line {
    problems: [Option<&'static str>; 8],
    n: usize,
}

impl Line {
    fn new() -> Self {
        Line {
            problems: [None; 8],
            n: 0,
        }
    }

    fn require(&mut self, ok: bool, problem: &'static str) {
        if !ok && self.n < self.problems.len() {
            self.problems[self.n] = Some(problem);
            self.n += 1;
        }
    }

    fn ok(&self) -> bool {
        self.n == 0
    }

    fn print_head(&self, name: &str) {
        if self.ok() {
            print!("ok   {name}: ");
        } else {
            print!("FAIL {name}: ");
            for p in self.problems.iter().flatten() {
                print!("{p}; ");
            }
            print!("seen: ");
        }
    }
}

/// The exception table is linked, bounded, and well-formed: every entry
/// is at a SEAMCALL or TDCALL instruction, and each site has one #UD and
/// one #GP entry.
fn check_extable() -> bool {
    let entries = extable::entries();
    let mut sites = 0usize;
    let mut guest_sites = 0usize;
    let mut line = Line::new();
    let mut all_at_seamcall = true;
    let mut pairs = true;
    let mut vectors = true;
    for e in entries {
        match e.vector() {
            u32::MAX => continue, // seamcall-core's anchor
            6 | 13 => {}
            _ => vectors = false,
        }
        if e.vector() == 6 {
            match bytes_at(e.insn()) {
                TDCALL => guest_sites += 1,
                _ => sites += 1,
            }
        }
        all_at_seamcall &= matches!(bytes_at(e.insn()), SEAMCALL | TDCALL);
        let same = |v: u32| {
            entries
                .iter()
                .filter(|o| o.insn() == e.insn() && o.vector() == v)
                .count()
        };
        pairs &= same(6) == 1 && same(13) == 1 && e.fixup() != e.insn();
    }
    line.require(sites > 0, "no SEAMCALL sites in seamcall_extable");
    line.require(guest_sites > 0, "no TDCALL sites in seamcall_extable");
    line.require(vectors, "an entry has a vector other than 6 or 13");
    line.require(
        all_at_seamcall,
        "an entry is at neither 66 0f 01 cf nor 66 0f 01 cc",
    );
    line.require(pairs, "a site lacks exactly one #UD and one #GP entry");
    line.print_head("extable");
    println!(
        "{} entries in seamcall_extable at {:#x}, {} SEAMCALL sites (66 0f 01 cf) and {} \
         TDCALL sites (66 0f 01 cc), each with one #UD and one #GP entry",
        entries.len(),
        entries.as_ptr() as u64,
        sites,
        guest_sites
    );
    line.ok()
}

/// The boot-time index of the table (`extable::Index`, in a buffer on the
/// stack: no allocator here) answers every lookup as the linear
/// `extable::search` does.
fn check_extable_index() -> bool {
    let mut buf = [extable::IndexEntry::EMPTY; 256];
    let mut line = Line::new();
    let needed = extable::index_len();
    let index = match extable::Index::build(&mut buf) {
        Ok(index) => index,
        Err(_) => {
            line.require(false, "the 256-entry buffer is too small for the table");
            line.print_head("extable_index");
            println!("{needed} entries needed");
            return false;
        }
    };
    let mut same = true;
    let mut found = true;
    let mut sorted = true;
    for e in extable::entries().iter().filter(|e| e.vector() != u32::MAX) {
        for rip in [e.insn(), e.insn() + 1, e.insn() - 1] {
            for vector in [6, 13, 14] {
                same &= index.search(rip, vector) == extable::search(rip, vector);
            }
            same &= index.contains(rip) == extable::is_seamcall_site(rip);
        }
        found &= index.search(e.insn(), e.vector() as u8) == Some(e.fixup());
    }
    for w in index.entries().windows(2) {
        sorted &= (w[0].insn(), w[0].vector()) <= (w[1].insn(), w[1].vector());
    }
    line.require(index.entries().len() == needed, "the index lacks entries");
    line.require(sorted, "the index is not sorted");
    line.require(found, "an entry is not found in the index");
    line.require(same, "the index and extable::search disagree");
    line.print_head("extable_index");
    println!(
        "{} entries indexed at boot in a caller buffer, every lookup (sites, their \
         neighbours, vectors 6/13/14) as extable::search answers it",
        index.entries().len()
    );
    line.ok()
}

/// Run `probe` in the harness: it must come back with the #UD error, having
/// faulted exactly once at a SEAMCALL and been resumed at its fixup pad,
/// with RBX, RBP, R12–R15, RSP and the live values intact.
fn check_leaf(name: &str, about: &str, probe: Probe) -> bool {
    check_site(name, about, probe, SEAMCALL)
}

/// [`check_leaf`] for a probe whose instruction is `insn`.
fn check_site(name: &str, about: &str, probe: Probe, insn: [u8; 4]) -> bool {
    let before = trap::fixups();
    let seen: Observed = harness::call_with_canaries(probe);
    let after = trap::fixups();
    let out = seen.out;
    let clobbered = seen.clobbered();

    let mut line = Line::new();
    line.require(out.status != 0, "returned Ok");
    line.require(
        out.status == TDX_SEAMCALL_UD,
        "status is not TDX_SEAMCALL_UD",
    );
    line.require(
        out.flags & ProbeOut::FAULT_UD != 0,
        "kind() is not Fault(InvalidOpcode)",
    );
    line.require(
        after.count == before.count + 1,
        "not exactly one fault resumed through the table",
    );
    line.require(
        after.count == before.count || bytes_at(after.rip) == insn,
        "the fault was not at the call's instruction",
    );
    line.require(after.count == before.count || after.vector == 6, "not #UD");
    line.require(clobbered == 0, "callee-saved registers clobbered");
    line.require(seen.rsp_after == seen.rsp_before, "RSP changed");
    line.require(
        out.flags & ProbeOut::LIVE_CORRUPT == 0,
        "values live across the call changed",
    );
    line.require(
        out.flags & ProbeOut::OUTPUT_NOT_ZERO == 0,
        "an output is not 0 after the fault",
    );

    line.print_head(name);
    print!("{about}: ");
    match SeamcallError::from_status(out.status) {
        None => print!("Ok"),
        Some(e) => print!("Err({:?}) status {:#x}", e.kind(), e.raw()),
    }
    if after.count == before.count + 1 {
        print!(
            "; #UD at {:#x} resumed at fixup {:#x}",
            after.rip, after.fixup
        );
    } else {
        print!("; {} faults resumed", after.count - before.count);
    }
    if clobbered == 0 && seen.rsp_after == seen.rsp_before {
        print!("; rbx rbp r12-r15 rsp preserved");
    } else {
        for (i, name) in CANARY_NAMES.iter().enumerate() {
            if clobbered & (1 << i) != 0 {
                print!(
                    "; {name} {:#x} (was {:#x})",
                    seen.regs[i],
                    harness::CANARIES[i]
                );
            }
        }
        if seen.rsp_after != seen.rsp_before {
            print!("; rsp {:#x} (was {:#x})", seen.rsp_after, seen.rsp_before);
        }
    }
    if out.flags & ProbeOut::LIVE_CORRUPT == 0 {
        println!("; {LIVE} live values preserved");
    } else {
        println!("; live values corrupted");
    }
    line.ok()
}

/// A reference site written by hand from the format in
/// `seamcall-core/src/extable.rs` (not by `#[seamcall]`): SEAMCALL with the
/// leaf word in RAX and one operand in RCX, its two table entries, and two
/// fixup pads that load `TDX_SEAMCALL_UD` / `TDX_SEAMCALL_GP`. It tells a
/// broken handler or table lookup apart from a broken expansion.
#[inline(never)]
fn handwritten_seamcall(leaf: u64, rcx: u64) -> Result<(), SeamcallError> {
    let status: u64;
    // SAFETY: SEAMCALL cannot reach a TDX module here: it raises #UD (TCG)
    // or #GP, and the handler resumes at the pad the entries name, which
    // loads RAX and jumps back behind the instruction. RAX is the only
    // register written (declared `inout`); RCX is an input only; flags are
    // not declared preserved. The block touches no memory and no stack. The
    // entries are 12 bytes, 4-aligned, self-relative, in the
    // `seamcall_extable` section, as the module documents.
    unsafe {
        asm!(
            "2:",
            ".byte 0x66, 0x0f, 0x01, 0xcf",
            "3:",
            ".pushsection seamcall_extable, \"aR\", @progbits",
            ".balign 4",
            ".long 2b - .",
            ".long 4f - .",
            ".long 6",
            ".long 2b - .",
            ".long 5f - .",
            ".long 13",
            ".popsection",
            ".pushsection .text.unlikely.seamcall_fixup, \"ax\", @progbits",
            "4:",
            "movabs rax, {ud}",
            "jmp 3b",
            "5:",
            "movabs rax, {gp}",
            "jmp 3b",
            ".popsection",
            ud = const TDX_SEAMCALL_UD,
            gp = const TDX_SEAMCALL_GP,
            inout("rax") leaf => status,
            in("rcx") rcx,
            options(nostack),
        );
    }
    match SeamcallError::from_status(status) {
        None => Ok(()),
        Some(e) => Err(e),
    }
}

probe!(probe_handwritten, handwritten_seamcall(11, 0x1234_5000));

// The probes of the declared leaves. The arguments are recognizable values;
// no TDX module will ever see them.
//
// SAFETY (every `unsafe` call below): a leaf's contract is about the TDX
// module it reaches, and here SEAMCALL reaches none: TCG raises #UD at the
// instruction, the IDT handler resumes at the expansion's fixup pad, and the
// call returns the #UD error. No argument is dereferenced by anyone.

probe!(
    probe_mng_rd,
    // SAFETY: see above; SEAMCALL faults, nothing reaches a module.
    unsafe { leaves::mng_rd(0x1234_5000, 0x9100_0003_0000_0010) }
);

probe!(
    raw probe_mng_rd_raw,
    // SAFETY: see above; SEAMCALL faults, nothing reaches a module.
    unsafe { leaves::mng_rd_raw(0x1234_5000, 0x9100_0003_0000_0010) }
);

probe!(
    probe_mng_rd_v1,
    // SAFETY: see above; SEAMCALL faults, nothing reaches a module.
    unsafe { leaves::mng_rd_v1(0x1234_5000, 0x9100_0003_0000_0010) }
);

probe!(
    probe_mem_page_add,
    // SAFETY: see above; SEAMCALL faults, nothing reaches a module.
    unsafe { leaves::mem_page_add(0x8000_0000, 0x1234_5000, 0x2345_6000, 0x3456_7000) }
);

probe!(
    probe_vp_wr,
    // SAFETY: see above; SEAMCALL faults, nothing reaches a module.
    unsafe { leaves::vp_wr(0x4567_8000, 0xa020_0000_0000_2000, 0x5555, u64::MAX) }
);

probe!(
    probe_mng_addcx,
    // SAFETY: see above; SEAMCALL faults, nothing reaches a module.
    unsafe { leaves::mng_addcx(0x5678_9000, 0x1234_5000) }
);

probe!(
    probe_rbx_inout,
    // SAFETY: see above; SEAMCALL faults, nothing reaches a module.
    unsafe { leaves::rbx_inout(0x4567_8000, 0xb0b0_b0b0_b0b0_b0b0) }
);

probe!(
    probe_wide,
    // SAFETY: see above; SEAMCALL faults, nothing reaches a module.
    unsafe {
        leaves::wide(
            0xc0, 0xd0, 0x80, 0x90, 0x100, 0x110, 0x120, 0x130, 0x140, 0x150, 0xb0, 0xd10, 0x510,
        )
    }
);

probe!(
    probe_vp_enter,
    // SAFETY: see above; SEAMCALL faults, nothing reaches a module.
    unsafe {
        leaves::vp_enter(
            0xc2, 0xd2, 0x82, 0x92, 0x102, 0x112, 0x122, 0x132, 0x142, 0x152, 0xb2, 0xd12, 0x512,
        )
    }
);

probe!(
    probe_wide_rbx_in,
    // SAFETY: see above; SEAMCALL faults, nothing reaches a module.
    unsafe {
        leaves::wide_rbx_in(
            0xc1, 0xd1, 0x81, 0x91, 0x101, 0x111, 0x121, 0x131, 0x141, 0x151, 0xb1, 0xd11, 0x511,
        )
    }
);

// The guest side: `seamcall_core::guest`'s catalog, as a TD kernel calls
// it. Under TCG every TDCALL raises #UD (the CPU is in no TD).
//
// SAFETY (every `unsafe` call below): as for the leaves above, TDCALL
// reaches no TDX module and no VMM here; it faults and resumes at the pad.

probe!(tdcall probe_tdg_vp_info, seamcall_core::guest::tdg_vp_info());

probe!(
    tdcall probe_tdg_mem_page_accept,
    // SAFETY: see above; TDCALL faults, nothing is accepted.
    unsafe {
        seamcall_core::guest::tdg_mem_page_accept(seamcall_core::GpaLevel::from_raw(0x20_0001))
    }
);

probe!(
    tdcall probe_tdg_servtd_rd,
    // SAFETY: see above; TDCALL faults, no service TD is bound.
    {
        let (st, _) = unsafe {
            seamcall_core::guest::tdg_servtd_rd(
                7,
                seamcall_core::FieldId::from_raw(0x10),
                0xa0,
                0xa1,
                0xa2,
                0xa3,
            )
        };
        match seamcall_core::guest::TdcallError::from_status(st.raw()) {
            None => Ok(()),
            Some(e) => Err(e),
        }
    }
);

probe!(
    tdcall probe_tdg_vp_enter,
    // SAFETY: see above; TDCALL faults, no L2 VM is entered.
    {
        let (st, _) = unsafe { seamcall_core::guest::tdg_vp_enter(1 << 52, x86_64::PhysAddr::new(0x5000)) };
        match seamcall_core::guest::TdcallError::from_status(st.raw()) {
            None => Ok(()),
            Some(e) => Err(e),
        }
    }
);

probe!(
    tdvmcall probe_tdvmcall_rdmsr,
    // SAFETY: see above; TDCALL faults, no VMM is asked.
    unsafe { seamcall_core::guest::tdvmcall_rdmsr(0xc000_0080) }
);

probe!(
    tdvmcall probe_tdvmcall_get_td_vm_call_info,
    seamcall_core::guest::tdvmcall_get_td_vm_call_info(0)
);

probe!(
    tdvmcall probe_tdvmcall_report_fatal_error_message,
    seamcall_core::guest::tdvmcall_report_fatal_error_message(
        0x1, 0x2, 0x3, 0x4, 0x5, 0x6, 0x7, 0x8, 0x9, 0xa
    )
);

/// The guest calls: (name, what it covers, probe); their instruction is
/// TDCALL.
const GUEST: &[(&str, &str, Probe)] = &[
    (
        "tdg_vp_info",
        "TDCALL leaf 1, out [rcx, rdx, r8-r11], no CF check",
        probe_tdg_vp_info,
    ),
    (
        "tdg_mem_page_accept",
        "TDCALL leaf 6, in [rcx], no outputs",
        probe_tdg_mem_page_accept,
    ),
    (
        "tdg_servtd_rd",
        "TDCALL leaf 18, r10-r13 in/out (callee-saved r12, r13 among them), xmm0-15 clobbered",
        probe_tdg_servtd_rd,
    ),
    (
        "tdg_vp_enter",
        "TDCALL leaf 25, every GPR but rsp written: rbx through rax, rbp saved, xmm0-15 clobbered",
        probe_tdg_vp_enter,
    ),
    (
        "tdvmcall_rdmsr",
        "TDG.VP.VMCALL Instruction.RDMSR, rcx = 0x1c00 (r10, r11, r12)",
        probe_tdvmcall_rdmsr,
    ),
    (
        "tdvmcall_get_td_vm_call_info",
        "TDG.VP.VMCALL GetTdVmCallInfo, rcx = 0x7c00, r11-r14 out",
        probe_tdvmcall_get_td_vm_call_info,
    ),
    (
        "tdvmcall_report_fatal_error_message",
        "TDG.VP.VMCALL ReportFatalError, rcx = 0xffcc: rbx exposed, every register bound",
        probe_tdvmcall_report_fatal_error_message,
    ),
];

/// The declared leaves: (name, what it covers, probe).
const LEAVES: &[(&str, &str, Probe)] = &[
    ("mng_rd", "leaf 11, in [rcx, rdx], out [r8]", probe_mng_rd),
    (
        "mng_rd_raw",
        "leaf 11, raw form (TdxStatus, u64), output must read 0",
        probe_mng_rd_raw,
    ),
    (
        "mng_rd_v1",
        "leaf 11 version 1, in [rcx, rdx], out [rdx, r8]: rdx in/out",
        probe_mng_rd_v1,
    ),
    (
        "mem_page_add",
        "leaf 2, in [rcx, rdx, r8, r9], out [rcx, rdx]: rcx and rdx in/out",
        probe_mem_page_add,
    ),
    (
        "vp_wr",
        "leaf 43, in [rcx, rdx, r8, r9], out [r8]: r8 in/out",
        probe_vp_wr,
    ),
    (
        "mng_addcx",
        "leaf 1, in [rcx, rdx], no outputs",
        probe_mng_addcx,
    ),
    (
        "rbx_inout",
        "leaf 1000, in [rcx, rbx], out [rbx]: rbx through a scratch register",
        probe_rbx_inout,
    ),
    (
        "wide",
        "leaf 1001, in and out [rcx, rdx, r8-r15, rbx, rdi, rsi] -> 13-tuple: rbx through rax",
        probe_wide,
    ),
    (
        "vp_enter",
        "leaf 0, the wide shape with clobber [rbp, xmm0-xmm15]: rbp saved in the block",
        probe_vp_enter,
    ),
    (
        "wide_rbx_in",
        "leaf 1002, 13 registers in, 12 out (not rbx): rbx through rax",
        probe_wide_rbx_in,
    ),
];

/// Run every check, print a summary, exit [`Exit::Pass`] only if all pass.
pub fn run() -> ! {
    let mut passed = 0;
    let mut total = 0;
    let mut tally = |ok: bool| {
        total += 1;
        if ok {
            passed += 1;
        }
    };
    tally(check_extable());
    tally(check_extable_index());
    tally(check_leaf(
        "handwritten",
        "hand-written SEAMCALL site and table entries (reference, not the macro)",
        probe_handwritten,
    ));
    for (name, about, probe) in LEAVES {
        tally(check_leaf(name, about, *probe));
    }
    for (name, about, probe) in GUEST {
        tally(check_site(name, about, *probe, TDCALL));
    }
    if passed == total {
        println!("ring0: all {total} checks passed");
        exit(Exit::Pass)
    } else {
        println!("ring0: {} of {total} checks FAILED", total - passed);
        exit(Exit::Fail)
    }
}

global_asm!(
    ".pushsection .text.ring0_stray, \"ax\", @progbits",
    ".globl ring0_stray_ud2",
    ".hidden ring0_stray_ud2",
    "ring0_stray_ud2:",
    "ud2",
    "ret",
    ".popsection",
);

extern "C" {
    fn ring0_stray_ud2();
}

/// Execute a `ud2` that no table entry covers: the handler must report it
/// (`unhandled #UD at <rip>`) and exit [`Exit::Unhandled`], not resume it.
pub fn stray_ud2() -> ! {
    let at = ring0_stray_ud2 as *const () as usize;
    println!("ring0: executing a stray ud2 at {at:#x}, outside the exception table");
    // SAFETY: `ring0_stray_ud2` is `ud2; ret`, callable with the C ABI. Its
    // #UD goes to our handler, which does not return for it (it exits the
    // VM); if it wrongly resumed somewhere, the line below reports it.
    unsafe { ring0_stray_ud2() };
    println!("FAIL stray-ud2: the #UD at {at:#x} was swallowed");
    exit(Exit::Fail)
}
