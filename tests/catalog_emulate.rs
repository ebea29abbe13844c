//! Catalog leaves run against small software modules (trap-and-emulate):
//! operands reach the right registers, results come back from the right
//! registers, retry re-issues exactly as declared, and `scrub` zeroes the
//! registers only after the outputs were taken.

use std::cell::Cell;

use seamcall_core::emulate::{self, Outcome, Regs};
use seamcall_core::fields::{self, VcpuField};
use seamcall_core::leaves::{self, FieldId, GpaLevel, Hkid, PhysAddr, SeptLevel};
use seamcall_core::{seamcall, SeamcallError, TdxStatus};

const RND_NO_ENTROPY: u64 = 0x8000_0203_0000_0000;
const OPERAND_BUSY_RCX: u64 = 0x8000_0200_0000_0001;

#[test]
fn vp_enter_takes_and_returns_thirteen_registers() {
    let mut seen = Regs::default();
    let mut module = |regs: &mut Regs| {
        seen = *regs;
        // Every general register gets a distinct exit value.
        regs.rax = 0x0000_0000_0000_0030; // an exit reason
        regs.rcx = 0xC0;
        regs.rdx = 0xD0;
        regs.r8 = 0x80;
        regs.r9 = 0x90;
        regs.r10 = 0x100;
        regs.r11 = 0x110;
        regs.r12 = 0x120;
        regs.r13 = 0x130;
        regs.r14 = 0x140;
        regs.r15 = 0x150;
        regs.rbx = 0xB0;
        regs.rdi = 0xD1;
        regs.rsi = 0x51;
        Outcome::Return
    };
    let (status, out) = emulate::with_module(&mut module, || unsafe {
        leaves::tdh_vp_enter(
            PhysAddr::new(0x7000),
            2,
            8,
            9,
            10,
            11,
            12,
            13,
            14,
            15,
            3,
            7,
            6,
        )
    });
    assert_eq!(seen.rax, 0, "leaf word of TDH.VP.ENTER");
    assert_eq!(
        [seen.rcx, seen.rdx, seen.r8, seen.r9, seen.r10, seen.r11, seen.r12, seen.r13],
        [0x7000, 2, 8, 9, 10, 11, 12, 13]
    );
    assert_eq!(
        [seen.r14, seen.r15, seen.rbx, seen.rdi, seen.rsi],
        [14, 15, 3, 7, 6]
    );
    assert_eq!(status.raw(), 0x30);
    // `scrub` zeroes the registers after the call: had it run before the
    // outputs were read, these would be 0.
    let (rcx, rdx, r8, r9, r10, r11, r12, r13, r14, r15, rbx, rdi, rsi) = out;
    assert_eq!(
        [rcx, rdx, r8, r9, r10, r11, r12, r13, r14, r15, rbx, rdi, rsi],
        [0xC0, 0xD0, 0x80, 0x90, 0x100, 0x110, 0x120, 0x130, 0x140, 0x150, 0xB0, 0xD1, 0x51]
    );
}

#[test]
fn retry_reissues_on_rnd_no_entropy_up_to_ten_attempts() {
    let calls = Cell::new(0u32);
    // Two failures, then success.
    let mut module = |regs: &mut Regs| {
        calls.set(calls.get() + 1);
        assert_eq!(
            (regs.rax, regs.rcx, regs.rdx),
            (9, 0x5000, 7),
            "same operands each time"
        );
        regs.rax = if calls.get() <= 2 { RND_NO_ENTROPY } else { 0 };
        Outcome::Return
    };
    let r = emulate::with_module(&mut module, || unsafe {
        leaves::tdh_mng_create(PhysAddr::new(0x5000), Hkid(7))
    });
    assert_eq!(r, Ok(()));
    assert_eq!(calls.get(), 3);

    // Never any entropy: 10 attempts in all, then the status.
    calls.set(0);
    let mut module = |regs: &mut Regs| {
        calls.set(calls.get() + 1);
        regs.rax = RND_NO_ENTROPY;
        Outcome::Return
    };
    let r = emulate::with_module(&mut module, || unsafe {
        leaves::tdh_mng_create(PhysAddr::new(0x5000), Hkid(7))
    });
    assert_eq!(r.map_err(|e| e.raw()), Err(RND_NO_ENTROPY));
    assert_eq!(calls.get(), 10);

    // Other statuses are not retried.
    calls.set(0);
    let mut module = |regs: &mut Regs| {
        calls.set(calls.get() + 1);
        regs.rax = OPERAND_BUSY_RCX;
        Outcome::Return
    };
    let r = emulate::with_module(&mut module, || unsafe {
        leaves::tdh_mng_create(PhysAddr::new(0x5000), Hkid(7))
    });
    assert_eq!(r.map_err(|e| e.raw()), Err(OPERAND_BUSY_RCX));
    assert_eq!(calls.get(), 1);
}

#[test]
fn retry_reloads_inputs_the_module_overwrote() {
    // TDH.MEM.PAGE.AUG: RCX/RDX are inputs and outputs; the module writes
    // them on the failing attempt, and the retry must pass the originals.
    let calls = Cell::new(0u32);
    let gpa = GpaLevel::new(0x20_0000, SeptLevel::L2M).unwrap();
    let mut module = |regs: &mut Regs| {
        calls.set(calls.get() + 1);
        assert_eq!((regs.rcx, regs.rdx, regs.r8), (0x20_0001, 0x3000, 0x4000));
        if calls.get() == 1 {
            regs.rax = RND_NO_ENTROPY;
            regs.rcx = 0xdead;
            regs.rdx = 0xbeef;
        } else {
            regs.rax = 0;
            regs.rcx = 0;
            regs.rdx = 0;
        }
        Outcome::Return
    };
    let (status, (entry, level)) = emulate::with_module(&mut module, || unsafe {
        leaves::tdh_mem_page_aug(gpa, PhysAddr::new(0x3000), PhysAddr::new(0x4000))
    });
    assert!(status.is_success());
    assert_eq!((entry.0, level.0), (0, 0));
    assert_eq!(calls.get(), 2);
}

#[test]
fn leaves_without_sc_retry_are_issued_once() {
    let calls = Cell::new(0u32);
    let mut module = |regs: &mut Regs| {
        calls.set(calls.get() + 1);
        regs.rax = RND_NO_ENTROPY;
        Outcome::Return
    };
    let r = emulate::with_module(&mut module, || unsafe {
        leaves::tdh_phymem_page_rdmd(PhysAddr::new(0x1000))
    });
    assert!(r.is_err());
    assert_eq!(calls.get(), 1);
}

#[seamcall(leaf = 300, unchecked, in = [rcx], retry = 3, retry_busy)]
unsafe fn busy_leaf(a: u64) -> Result<(), SeamcallError>;

#[test]
fn retry_busy_also_reissues_on_operand_busy() {
    let calls = Cell::new(0u32);
    let mut module = |regs: &mut Regs| {
        calls.set(calls.get() + 1);
        // Busy on RCX (operand id in the low bits), then no entropy, then busy.
        regs.rax = [OPERAND_BUSY_RCX, RND_NO_ENTROPY, OPERAND_BUSY_RCX][calls.get() as usize - 1];
        Outcome::Return
    };
    let r = emulate::with_module(&mut module, || unsafe { busy_leaf(1) });
    assert_eq!(r.map_err(|e| e.raw()), Err(OPERAND_BUSY_RCX));
    assert_eq!(calls.get(), 3, "retry = 3 is three attempts in all");
}

#[test]
fn typed_operands_reach_their_registers() {
    let mut module = |regs: &mut Regs| {
        match regs.rax {
            // TDH.VP.WR: old value back in R8.
            43 => {
                assert_eq!(regs.rdx, 0x9000_0003_0000_0100);
                assert_eq!((regs.r8, regs.r9), (5, u64::MAX));
                regs.r8 = 4;
            }
            // TDH.SYS.RD: value in R8, next field in RDX.
            34 => {
                assert_eq!(regs.rdx, 0x0A00_0003_0000_0008);
                regs.r8 = 0x40000;
                regs.rdx = u64::MAX;
            }
            // TDH.SYS.INIT fails its CPUID check: details in RCX..R10.
            33 => {
                regs.rax = 0xC000_0B09_0000_0000;
                (regs.rcx, regs.rdx, regs.r8, regs.r9, regs.r10) = (7, 1, 2, 3, 4);
                return Outcome::Return;
            }
            other => panic!("unexpected leaf word {other:#x}"),
        }
        regs.rax = 0;
        Outcome::Return
    };
    emulate::with_module(&mut module, || unsafe {
        let field = VcpuField::from_raw(FieldId::from_raw(0x9000_0003_0000_0100));
        let old = leaves::tdh_vp_wr(PhysAddr::new(0x8000), field, 5, u64::MAX);
        assert_eq!(old, Ok(4));
        let features0 = fields::sys::TDX_FEATURES0;
        assert_eq!(features0.raw(), 0x0A00_0003_0000_0008);
        assert_eq!(leaves::tdh_sys_rd(features0), Ok((0x40000, FieldId::NONE)));
        let (status, details): (TdxStatus, _) = leaves::tdh_sys_init(0);
        assert!(status.is_error());
        assert_eq!(details, (7, 1, 2, 3, 4));
    });
}
