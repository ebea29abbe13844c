//! [`TdxStatus`]: the 64-bit status the TDX module returns in RAX.
//!
//! # Layout
//!
//! ```text
//!  63  62  61  60  59     48 47    40 39     32 31                      0
//! +---+---+---+---+---------+--------+---------+-------------------------+
//! | E | N | F | H | reserved|  class | details | details L2 / operand id |
//! |   |   |   |   |         |        |   L1    |                         |
//! +---+---+---+---+---------+--------+---------+-------------------------+
//!  E = error, N = non-recoverable, F = fatal, H = host recoverability hint
//! ```
//!
//! The upper 32 bits ([`TdxStatus::code`]) say what happened; the lower 32
//! bits carry details, most often the id of the operand the module objected
//! to ([`TdxStatus::operand`]). Linux compares codes after masking with
//! [`TdxStatus::STATUS_MASK`] and so does this crate.
//!
//! Class 0xFF is never used by the TDX module. Linux takes it for its own
//! "software" codes ([`TdxStatus::SEAMCALL_UD`], [`TdxStatus::SEAMCALL_GP`],
//! [`TdxStatus::SEAMCALL_VMFAILINVALID`]), which describe a `SEAMCALL` that
//! never reached the module; for those all 64 bits matter.
//!
//! # Where Linux and the module disagree
//!
//! Two codes have different values in Linux (`asm/shared/tdx_errno.h`) and in
//! the TDX module's generated headers (1.5.01 and 2.0): the module values
//! additionally set the fatal bit (61). KVM compares the masked status with
//! the Linux values, so the plain names here carry the Linux values and the
//! module-header values get a `_MODULE` suffix:
//!
//! | name | value |
//! |---|---|
//! | [`TdxStatus::NON_RECOVERABLE_TD`] | `0x4000_0002_0000_0000` (Linux) |
//! | [`TdxStatus::NON_RECOVERABLE_TD_MODULE`] | `0x6000_0002_0000_0000` (module headers) |
//! | [`TdxStatus::NON_RECOVERABLE_TD_WRONG_APIC_MODE`] | `0x6000_0007_0000_0000` (Linux) |
//! | [`TdxStatus::NON_RECOVERABLE_TD_WRONG_APIC_MODE_MODULE`] | `0xE000_0007_0000_0000` (module headers) |
//!
//! Which one a given module returns is not settled. Code that only needs to
//! know "this TD can no longer run" should test
//! [`TdxStatus::is_non_recoverable`], which is true for all four.
//!
//! # Where the codes come from
//!
//! Codes Linux defines carry Linux's names (`asm/shared/tdx_errno.h`,
//! `asm/tdx.h`); every other code is named as in the TDX module's generated
//! `tdx_error_codes_defs.h`: intel/tdx-module `include/auto_gen/` at
//! 72d8cffb (1.5.01), `include/auto_gen_1_5/` of the 1.5.25 tree
//! (murrowow/tdx-concurrency at c71d4f63) and intel/tdx-module
//! `include/auto_gen_2_0/` at e69a4391 (2.0.18). Codes that only 2.0.18
//! returns (TDX Connect, memory scan) say so. `tests/status_abi.rs` checks
//! every constant against the tables vendored under `tests/data/tdx-abi/`.

use core::fmt;

/// The 64-bit status the TDX module returns in RAX.
///
/// `0` is success; anything else is a status code in the upper 32 bits
/// ([`code`](TdxStatus::code)) plus details in the lower 32. Every code known
/// from Linux and from the TDX module source is an associated constant
/// (`TdxStatus::OPERAND_BUSY`, ...), named as in Linux without the `TDX_`
/// prefix. Constants hold the code with zero details, so compare a status
/// returned by the module through [`code`](TdxStatus::code):
///
/// ```
/// use seamcall_core::TdxStatus;
///
/// // TDX_OPERAND_BUSY on operand RCX.
/// let s = TdxStatus::from_raw(0x8000_0200_0000_0001);
/// assert_eq!(s.code(), TdxStatus::OPERAND_BUSY);
/// assert_eq!(s.name(), Some("TDX_OPERAND_BUSY"));
/// assert_eq!(s.operand_id(), 1);
/// ```
///
/// With `std`, `format!("{s}")` gives `TDX_OPERAND_BUSY (operand RCX)`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
#[repr(transparent)]
#[must_use = "a TdxStatus says whether the SEAMCALL succeeded: check it, or call `.into_result()`"]
pub struct TdxStatus(u64);

// Field positions of the layout (see the module documentation).
const ERROR_SHIFT: u32 = 63;
const NON_RECOVERABLE_SHIFT: u32 = 62;
const FATAL_SHIFT: u32 = 61;
const HOST_RECOVERABILITY_HINT_SHIFT: u32 = 60;
const RESERVED_SHIFT: u32 = 48;
const CLASS_SHIFT: u32 = 40;
const DETAILS_L1_SHIFT: u32 = 32;

impl TdxStatus {
    /// Wrap a raw status.
    #[inline(always)]
    pub const fn from_raw(raw: u64) -> TdxStatus {
        TdxStatus(raw)
    }

    /// The raw 64-bit value.
    #[inline(always)]
    pub const fn raw(self) -> u64 {
        self.0
    }

    /// Mask that keeps the code (upper 32 bits) and drops the details.
    ///
    /// Linux's `TDX_SEAMCALL_STATUS_MASK`; the dynamic-PAMT patch series
    /// (not mainline) proposes renaming it `TDX_STATUS_MASK`, same value.
    pub const STATUS_MASK: u64 = 0xFFFF_FFFF_0000_0000;
    /// Bit 63, set on every error (Linux's `TDX_ERROR`).
    pub const ERROR_BIT: u64 = 1 << ERROR_SHIFT;
    /// Bit 62, set when the TD or vCPU cannot continue (Linux's
    /// `TDX_NON_RECOVERABLE`).
    pub const NON_RECOVERABLE_BIT: u64 = 1 << NON_RECOVERABLE_SHIFT;
    /// Bit 61, the module's "fatal" flag.
    pub const FATAL_BIT: u64 = 1 << FATAL_SHIFT;
    /// Bit 60, the module's hint that the host may recover from the error.
    pub const HOST_RECOVERABILITY_HINT_BIT: u64 = 1 << HOST_RECOVERABILITY_HINT_SHIFT;
    /// Error bit plus class 0xFF: the prefix of every Linux software code
    /// (Linux's `TDX_SW_ERROR`); the low 32 bits then say which one.
    pub const SW_ERROR_MASK: u64 = 0x8000_FF00_0000_0000;
    /// The class (bits 47:40) reserved for Linux software codes; the TDX
    /// module never returns it.
    pub const SW_CLASS: u8 = 0xFF;

    /// Bit 63: the call failed. Clear for success and for informational
    /// statuses.
    #[inline]
    pub const fn is_error(self) -> bool {
        self.0 & Self::ERROR_BIT != 0
    }

    /// Bit 62: the TD or vCPU the call concerned can no longer run.
    #[inline]
    pub const fn is_non_recoverable(self) -> bool {
        self.0 & Self::NON_RECOVERABLE_BIT != 0
    }

    /// Bit 61: the module flags the condition as fatal.
    #[inline]
    pub const fn is_fatal(self) -> bool {
        self.0 & Self::FATAL_BIT != 0
    }

    /// Bit 60: the module hints that the host can recover, e.g. by trying
    /// again later.
    #[inline]
    pub const fn host_recoverability_hint(self) -> bool {
        self.0 & Self::HOST_RECOVERABILITY_HINT_BIT != 0
    }

    /// Bits 59:48, reserved; 0 in every known code.
    #[inline]
    pub const fn reserved(self) -> u16 {
        ((self.0 >> RESERVED_SHIFT) & 0xFFF) as u16
    }

    /// Bits 47:40, the status class (0x01 operand errors, 0x02 busy, ...;
    /// 0xFF for Linux software codes).
    #[inline]
    pub const fn class(self) -> u8 {
        (self.0 >> CLASS_SHIFT) as u8
    }

    /// Bits 39:32, the level-1 details: which status within the class.
    #[inline]
    pub const fn details_l1(self) -> u8 {
        (self.0 >> DETAILS_L1_SHIFT) as u8
    }

    /// Bits 31:0, the level-2 details. For most errors this is an operand id
    /// (see [`operand_id`](TdxStatus::operand_id)).
    #[inline]
    pub const fn details_l2(self) -> u32 {
        self.0 as u32
    }

    /// Bits 31:0 read as an operand id: the register or module object an
    /// operand error or busy status refers to. Same bits as
    /// [`details_l2`](TdxStatus::details_l2); [`operand`](TdxStatus::operand)
    /// decodes it for codes known to carry one.
    #[inline]
    pub const fn operand_id(self) -> u32 {
        self.0 as u32
    }

    /// The status with the details cleared: what to compare against the
    /// constants. `status.code() == TdxStatus::OPERAND_BUSY` is how KVM
    /// tests for contention.
    #[inline]
    pub const fn code(self) -> TdxStatus {
        TdxStatus(self.0 & Self::STATUS_MASK)
    }

    /// The status is 0. Nothing else counts as success, informational
    /// statuses included.
    #[inline]
    pub const fn is_success(self) -> bool {
        self.0 == 0
    }

    /// Not success, yet none of bits 63:60 set: the module did what it
    /// could and reports a condition the caller may treat as done
    /// (e.g. [`KEY_CONFIGURED`](TdxStatus::KEY_CONFIGURED),
    /// [`NO_HKID_READY_TO_WBCACHE`](TdxStatus::NO_HKID_READY_TO_WBCACHE)).
    #[inline]
    pub const fn is_informational(self) -> bool {
        self.0 != 0 && self.0 >> HOST_RECOVERABILITY_HINT_SHIFT == 0
    }

    /// One of Linux's software codes (error bit and class 0xFF): the
    /// `SEAMCALL` did not reach the module, see
    /// [`SEAMCALL_UD`](TdxStatus::SEAMCALL_UD),
    /// [`SEAMCALL_GP`](TdxStatus::SEAMCALL_GP) and
    /// [`SEAMCALL_VMFAILINVALID`](TdxStatus::SEAMCALL_VMFAILINVALID).
    #[inline]
    pub const fn is_sw_error(self) -> bool {
        self.0 & Self::SW_ERROR_MASK == Self::SW_ERROR_MASK
    }

    /// Whether `self` and `other` have the same code (upper 32 bits),
    /// whatever their details. A `const` form of
    /// `self.code() == other.code()`.
    #[inline]
    pub const fn same_code(self, other: TdxStatus) -> bool {
        self.0 & Self::STATUS_MASK == other.0 & Self::STATUS_MASK
    }

    /// The Linux-style name (`"TDX_OPERAND_BUSY"`) of the status, or `None`
    /// for a code this crate does not know.
    ///
    /// Module codes are looked up by [`code`](TdxStatus::code), so the
    /// details do not matter; success and the Linux software codes must
    /// match all 64 bits. The two module-header variants of disagreeing codes
    /// answer with their constant's name (`"TDX_NON_RECOVERABLE_TD_MODULE"`),
    /// which is this crate's, not a name from any header.
    pub const fn name(self) -> Option<&'static str> {
        match lookup(self.0) {
            Some(entry) => Some(entry.name),
            None => None,
        }
    }

    /// The status whose [`name`](TdxStatus::name) is `name`, with or without
    /// the `TDX_` prefix: `from_name("TDX_OPERAND_BUSY")` and
    /// `from_name("OPERAND_BUSY")` both give [`OPERAND_BUSY`](TdxStatus::OPERAND_BUSY).
    pub fn from_name(name: &str) -> Option<TdxStatus> {
        let bare = name.strip_prefix("TDX_").unwrap_or(name);
        CODES
            .iter()
            .find(|entry| &entry.name[4..] == bare)
            .map(|entry| TdxStatus(entry.value))
            .or_else(|| {
                ALIASES
                    .iter()
                    .find(|&&(alias, _)| &alias[4..] == bare)
                    .map(|&(_, status)| status)
            })
    }

    /// Every named status, in the order of the table (by class).
    pub fn known() -> impl Iterator<Item = TdxStatus> {
        CODES.iter().map(|entry| TdxStatus(entry.value))
    }

    /// Whether the low 32 bits of this code are an operand id. True for the
    /// operand errors and `OPERAND_BUSY`, and for the S-EPT, PAMT and
    /// GPA-range errors the module reports against an operand.
    pub const fn has_operand(self) -> bool {
        matches!(
            lookup(self.0),
            Some(Entry {
                details: Details::Operand,
                ..
            })
        )
    }

    /// The operand this status refers to, for codes that carry one
    /// ([`has_operand`](TdxStatus::has_operand)) and an id this crate knows.
    pub const fn operand(self) -> Option<OperandId> {
        if self.has_operand() {
            OperandId::from_raw(self.operand_id())
        } else {
            None
        }
    }
}

impl From<u64> for TdxStatus {
    #[inline(always)]
    fn from(raw: u64) -> TdxStatus {
        TdxStatus(raw)
    }
}

impl From<TdxStatus> for u64 {
    #[inline(always)]
    fn from(status: TdxStatus) -> u64 {
        status.0
    }
}

impl TdxStatus {
    /// `Ok(())` for [`SUCCESS`](TdxStatus::SUCCESS) (0), `Err` with this
    /// status for anything else, informational statuses included (test
    /// [`is_informational`](TdxStatus::is_informational) on the error where
    /// one counts as done). For the raw form `(TdxStatus, T)` of a leaf, see
    /// [`RawResult`](crate::RawResult).
    ///
    /// ```
    /// use seamcall_core::TdxStatus;
    ///
    /// assert_eq!(TdxStatus::SUCCESS.into_result(), Ok(()));
    /// let e = TdxStatus::OPERAND_BUSY.into_result().unwrap_err();
    /// assert_eq!(e.status(), TdxStatus::OPERAND_BUSY);
    /// ```
    #[inline(always)]
    #[must_use = "the `Result` says whether the SEAMCALL succeeded"]
    pub const fn into_result(self) -> Result<(), crate::SeamcallError> {
        match crate::SeamcallError::from_status(self.0) {
            None => Ok(()),
            Some(e) => Err(e),
        }
    }
}

/// What the low 32 bits of a named status mean.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Details {
    /// None: the status is named only when all 64 bits match (success and
    /// the Linux software codes).
    Exact,
    /// An operand id.
    Operand,
    /// Code-specific details, or nothing (usually 0).
    Other,
}

/// One row of the status table.
#[derive(Clone, Copy, Debug)]
struct Entry {
    value: u64,
    name: &'static str,
    details: Details,
}

/// The row naming `raw`, if any.
const fn lookup(raw: u64) -> Option<Entry> {
    let code = raw & TdxStatus::STATUS_MASK;
    let mut i = 0;
    while i < CODES.len() {
        let entry = CODES[i];
        let hit = match entry.details {
            Details::Exact => entry.value == raw,
            Details::Operand | Details::Other => entry.value == code,
        };
        if hit {
            return Some(entry);
        }
        i += 1;
    }
    None
}

/// Declares each status once: the associated constant on [`TdxStatus`] and
/// its row in `CODES` (name = `TDX_` + constant name).
macro_rules! status_codes {
    ($(
        $(#[$attr:meta])*
        $details:ident $ident:ident = $value:literal;
    )*) => {
        impl TdxStatus {
            $(
                $(#[$attr])*
                pub const $ident: TdxStatus = TdxStatus($value);
            )*
        }

        /// Every named status.
        const CODES: &[Entry] = &[$(
            Entry {
                value: $value,
                name: concat!("TDX_", stringify!($ident)),
                details: Details::$details,
            },
        )*];
    };
}

status_codes! {
    // Success and the Linux software codes: all 64 bits are the code.

    /// The call succeeded. The only status that does.
    Exact SUCCESS = 0x0000_0000_0000_0000;
    /// Linux software code: `SEAMCALL` returned with CF=1 (VMfailInvalid),
    /// so no TDX module is loaded or it is not accepting calls.
    Exact SEAMCALL_VMFAILINVALID = 0x8000_FF00_FFFF_0000;
    /// Linux software code: `SEAMCALL` raised #GP (vector 13), typically
    /// because TDX is not enabled by the BIOS.
    Exact SEAMCALL_GP = 0x8000_FF00_0000_000D;
    /// Linux software code: `SEAMCALL` raised #UD (vector 6) because the CPU
    /// was not in VMX operation.
    Exact SEAMCALL_UD = 0x8000_FF00_0000_0006;

    // Class 0x00: non-recoverable conditions and interruptions.

    /// The vCPU can no longer be run.
    Other NON_RECOVERABLE_VCPU = 0x4000_0001_0000_0000;

    /// The TD can no longer be run. Linux's value, the one KVM compares the
    /// masked status with; the module headers give
    /// [`NON_RECOVERABLE_TD_MODULE`](TdxStatus::NON_RECOVERABLE_TD_MODULE).
    Other NON_RECOVERABLE_TD = 0x4000_0002_0000_0000;

    /// [`NON_RECOVERABLE_TD`](TdxStatus::NON_RECOVERABLE_TD) as the TDX
    /// module headers (1.5.01 and 2.0) define it, with the fatal bit also
    /// set. Linux does not know this value; the name is this crate's.
    Other NON_RECOVERABLE_TD_MODULE = 0x6000_0002_0000_0000;

    /// The call was interrupted part-way; calling it again continues where
    /// it stopped.
    Other INTERRUPTED_RESUMABLE = 0x8000_0003_0000_0000;

    /// The call was interrupted and has to be started over (module only,
    /// not defined by Linux).
    Other INTERRUPTED_RESTARTABLE = 0x8000_0004_0000_0000;

    /// The TD can no longer be run and its private memory is no longer
    /// accessible.
    Other NON_RECOVERABLE_TD_NON_ACCESSIBLE = 0x6000_0005_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_INVALID_RESUMPTION`).
    Other INVALID_RESUMPTION = 0xC000_0006_0000_0000;

    /// The TD can no longer be run because its guest used the wrong APIC
    /// mode. Linux's value; the module headers give
    /// [`NON_RECOVERABLE_TD_WRONG_APIC_MODE_MODULE`](TdxStatus::NON_RECOVERABLE_TD_WRONG_APIC_MODE_MODULE).
    Other NON_RECOVERABLE_TD_WRONG_APIC_MODE = 0x6000_0007_0000_0000;

    /// [`NON_RECOVERABLE_TD_WRONG_APIC_MODE`](TdxStatus::NON_RECOVERABLE_TD_WRONG_APIC_MODE)
    /// as the TDX module headers define it, with the error bit also set.
    /// Linux does not know this value; the name is this crate's.
    Other NON_RECOVERABLE_TD_WRONG_APIC_MODE_MODULE = 0xE000_0007_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_CROSS_TD_FAULT`).
    Other CROSS_TD_FAULT = 0x8000_0008_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_CROSS_TD_TRAP`).
    Other CROSS_TD_TRAP = 0x9000_0009_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_NON_RECOVERABLE_TD_CORRUPTED_MD`).
    Other NON_RECOVERABLE_TD_CORRUPTED_MD = 0x6000_000A_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_INTERRUPTED_LIST_FULL`).
    Other INTERRUPTED_LIST_FULL = 0x8000_000C_0000_0000;

    // Class 0x01: operand errors.

    /// An operand is invalid; the details name which (operand RAX means a
    /// bad leaf number or version).
    Operand OPERAND_INVALID = 0xC000_0100_0000_0000;

    /// An operand's physical address is outside the allowed ranges (module
    /// only, not defined by Linux).
    Operand OPERAND_ADDR_RANGE_ERROR = 0xC000_0101_0000_0000;

    /// Module code of 1.5.25 and 2.0.18, new since 1.5.01 (`TDX_EVENT_FILTER_INVALID`).
    Other EVENT_FILTER_INVALID = 0xC000_0102_0000_0000;

    /// Module code of 1.5.25 and 2.0.18, new since 1.5.01 (`TDX_EVENT_FILTER_ORDER_INVALID`).
    Other EVENT_FILTER_ORDER_INVALID = 0xC000_0103_0000_0000;

    // Class 0x02: contention.

    /// A resource the call needed was locked by someone else; the details
    /// name which. Retrying may succeed.
    Operand OPERAND_BUSY = 0x8000_0200_0000_0000;

    /// The previous TLB-tracking epoch has not finished yet.
    Other PREVIOUS_TLB_EPOCH_BUSY = 0x8000_0201_0000_0000;

    /// Another module-global `TDH.SYS.*` operation is in progress.
    Other SYS_BUSY = 0x8000_0202_0000_0000;

    /// The module's random number source had no entropy; Linux retries the
    /// call on exactly this value.
    Other RND_NO_ENTROPY = 0x8000_0203_0000_0000;

    /// A lock was busy and held with host priority (module only, not defined
    /// by Linux).
    Other OPERAND_BUSY_HOST_PRIORITY = 0x8000_0204_0000_0000;

    /// A host-priority lock stayed busy past its timeout; the host may
    /// recover (bit 60). Module only.
    Other HOST_PRIORITY_BUSY_TIMEOUT = 0x9000_0205_0000_0000;

    /// Busy and interrupted (TDX module 2.0 only, not defined by Linux).
    Other INTERRUPTED_BUSY = 0x8000_0206_0000_0000;

    // Class 0x03: physical pages (PAMT).

    /// A page's PAMT metadata (owner, type or size) does not fit the call.
    Operand PAGE_METADATA_INCORRECT = 0xC000_0300_0000_0000;

    /// Informational: the page was already free.
    Other PAGE_ALREADY_FREE = 0x0000_0301_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_PAGE_NOT_OWNED_BY_TD`).
    Other PAGE_NOT_OWNED_BY_TD = 0xC000_0302_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_PAGE_NOT_FREE`).
    Other PAGE_NOT_FREE = 0xC000_0303_0000_0000;

    /// Module code of 1.5.25 and 2.0.18, new since 1.5.01 (`TDX_HPA_RANGE_NOT_FREE`).
    Other HPA_RANGE_NOT_FREE = 0xC000_0304_0000_0000;

    /// Module code of 1.5.25 and 2.0.18, new since 1.5.01 (`TDX_NO_PAMT_PAGE_PAIR`).
    Other NO_PAMT_PAGE_PAIR = 0xC000_0305_0000_0000;

    /// Module code of 1.5.25 and 2.0.18, new since 1.5.01 (`TDX_PAMT_PAGE_NOT_EMPTY`).
    Other PAMT_PAGE_NOT_EMPTY = 0xC000_0306_0000_0000;

    /// Module code of 1.5.25 and 2.0.18, new since 1.5.01 (`TDX_INTERRUPTED_PAMT`).
    Other INTERRUPTED_PAMT = 0x8000_0307_0000_0000;

    /// Module code of 1.5.25 and 2.0.18, new since 1.5.01 (`TDX_MISSING_PAMT_PAGE_PAIR`).
    Other MISSING_PAMT_PAGE_PAIR = 0x8000_0308_0000_0000;

    // Class 0x04: TD pages.

    /// Module code, present since 1.5.01 (`TDX_TD_ASSOCIATED_PAGES_EXIST`).
    Other TD_ASSOCIATED_PAGES_EXIST = 0xC000_0400_0000_0000;

    // Class 0x05: module-global state.

    /// Module code, present since 1.5.01 (`TDX_SYS_INIT_NOT_PENDING`).
    Other SYS_INIT_NOT_PENDING = 0xC000_0500_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_SYS_LP_INIT_NOT_DONE`).
    Other SYS_LP_INIT_NOT_DONE = 0xC000_0502_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_SYS_LP_INIT_DONE`).
    Other SYS_LP_INIT_DONE = 0xC000_0503_0000_0000;

    /// The TDX module has not been initialized yet (module only, not
    /// defined by Linux).
    Other SYS_NOT_READY = 0xC000_0505_0000_0000;

    /// The TDX module has been shut down. A status, not the shutdown leaf.
    Other SYS_SHUTDOWN = 0xC000_0506_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_SYS_KEY_CONFIG_NOT_PENDING`).
    Other SYS_KEY_CONFIG_NOT_PENDING = 0xC000_0507_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_SYS_STATE_INCORRECT`).
    Other SYS_STATE_INCORRECT = 0xC000_0508_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_SYS_INVALID_HANDOFF`).
    Other SYS_INVALID_HANDOFF = 0xC000_0509_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_SYS_INCOMPATIBLE_SIGSTRUCT`).
    Other SYS_INCOMPATIBLE_SIGSTRUCT = 0xC000_050A_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_SYS_LP_INIT_NOT_PENDING`).
    Other SYS_LP_INIT_NOT_PENDING = 0xC000_050B_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_SYS_CONFIG_NOT_PENDING`).
    Other SYS_CONFIG_NOT_PENDING = 0xC000_050C_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_INCOMPATIBLE_SEAM_CAPABILITIES`).
    Other INCOMPATIBLE_SEAM_CAPABILITIES = 0xC000_050D_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_INCOMPATIBLE_SEAM_FEATURES`).
    Other INCOMPATIBLE_SEAM_FEATURES = 0xC000_050F_0000_0000;

    /// Module code of 1.5.25 and 2.0.18, new since 1.5.01 (`TDX_CRYPTO_SELF_TEST_FAILED`).
    Other CRYPTO_SELF_TEST_FAILED = 0xC000_0511_0000_0000;

    /// Shutdown refused while an update-compatibility-sensitive operation
    /// is in flight. The name Linux's update patch series (not mainline)
    /// gives it; the module headers (1.5.25, 2.0.18) call it
    /// `TDX_UPDATE_COMPATIBILITY_SENSITIVE`, which
    /// [`from_name`](TdxStatus::from_name) also accepts
    /// ([`UPDATE_COMPATIBILITY_SENSITIVE`](TdxStatus::UPDATE_COMPATIBILITY_SENSITIVE)).
    Other UPDATE_COMPAT_SENSITIVE = 0x8000_0512_0000_0000;

    // Class 0x06: TD state.

    /// The TD is in a fatal state.
    Other TD_FATAL = 0xE000_0604_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_TD_NON_DEBUG`).
    Other TD_NON_DEBUG = 0xC000_0605_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_TDCS_NOT_ALLOCATED`).
    Other TDCS_NOT_ALLOCATED = 0xC000_0606_0000_0000;

    /// The TD's lifecycle state does not allow this call.
    Other LIFECYCLE_STATE_INCORRECT = 0xC000_0607_0000_0000;

    /// The TD's operation state does not allow this call (module only, not
    /// defined by Linux).
    Other OP_STATE_INCORRECT = 0xC000_0608_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_NO_VCPUS`).
    Other NO_VCPUS = 0xC000_0609_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_TDCX_NUM_INCORRECT`).
    Other TDCX_NUM_INCORRECT = 0xC000_0610_0000_0000;

    /// Two vCPUs were given the same x2APIC ID (TDX module 2.0 only).
    Other X2APIC_ID_NOT_UNIQUE = 0xC000_0621_0000_0000;

    /// Module code of 1.5.25 and 2.0.18, new since 1.5.01 (`TDX_INCOMPATIBLE_MRTD_CONTEXT`).
    Other INCOMPATIBLE_MRTD_CONTEXT = 0xC000_0622_0000_0000;

    // Class 0x07: vCPU state.

    /// The vCPU's state does not allow this call.
    Other VCPU_STATE_INCORRECT = 0xC000_0700_0000_0000;

    /// The vCPU is associated with another logical processor (module only,
    /// not defined by Linux).
    Other VCPU_ASSOCIATED = 0x8000_0701_0000_0000;

    /// The vCPU is not associated with any logical processor; KVM ignores it
    /// from `TDH.VP.FLUSH`.
    Other VCPU_NOT_ASSOCIATED = 0x8000_0702_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_NO_VALID_VE_INFO`).
    Other NO_VALID_VE_INFO = 0xC000_0704_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_MAX_VCPUS_EXCEEDED`).
    Other MAX_VCPUS_EXCEEDED = 0xC000_0705_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_TSC_ROLLBACK`).
    Other TSC_ROLLBACK = 0xC000_0706_0000_0000;

    /// Module code of 1.5.25 and 2.0.18, new since 1.5.01 (`TDX_INTERRUPTIBILITY_BLOCKED`).
    Other INTERRUPTIBILITY_BLOCKED = 0xC000_0707_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_TD_VMCS_FIELD_NOT_INITIALIZED`).
    Other TD_VMCS_FIELD_NOT_INITIALIZED = 0xC000_0730_0000_0000;

    // Class 0x08: keys.

    /// Generating the TD's ephemeral key failed; the call may be retried.
    Other KEY_GENERATION_FAILED = 0x8000_0800_0000_0000;

    /// The TD's keys have not been configured on every package yet (module
    /// only, not defined by Linux).
    Other TD_KEYS_NOT_CONFIGURED = 0x8000_0810_0000_0000;

    /// The key state of the TD's HKID does not allow this call.
    Other KEY_STATE_INCORRECT = 0xC000_0811_0000_0000;

    /// Informational: the key was already configured on this package.
    Other KEY_CONFIGURED = 0x0000_0815_0000_0000;

    /// Cache write-back has not completed (module only, not defined by
    /// Linux).
    Other WBCACHE_NOT_COMPLETE = 0x8000_0817_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_HKID_NOT_FREE`).
    Other HKID_NOT_FREE = 0xC000_0820_0000_0000;

    /// Informational: no HKID was waiting for a cache write-back; KVM
    /// treats it as success.
    Other NO_HKID_READY_TO_WBCACHE = 0x0000_0821_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_WBCACHE_RESUME_ERROR`).
    Other WBCACHE_RESUME_ERROR = 0xC000_0823_0000_0000;

    /// Some of the TD's vCPUs have not been flushed yet.
    Other FLUSHVP_NOT_DONE = 0x8000_0824_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_NUM_ACTIVATED_HKIDS_NOT_SUPPORTED`).
    Other NUM_ACTIVATED_HKIDS_NOT_SUPPORTED = 0xC000_0825_0000_0000;

    // Class 0x09: platform configuration (CPUID, MSRs, SMRR, SEAM services).

    /// Module code, present since 1.5.01 (`TDX_INCORRECT_CPUID_VALUE`).
    Other INCORRECT_CPUID_VALUE = 0xC000_0900_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_LIMIT_CPUID_MAXVAL_SET`).
    Other LIMIT_CPUID_MAXVAL_SET = 0xC000_0901_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_INCONSISTENT_CPUID_FIELD`).
    Other INCONSISTENT_CPUID_FIELD = 0xC000_0902_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_CPUID_MAX_SUBLEAVES_UNRECOGNIZED`).
    Other CPUID_MAX_SUBLEAVES_UNRECOGNIZED = 0xC000_0903_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_CPUID_LEAF_1F_FORMAT_UNRECOGNIZED`).
    Other CPUID_LEAF_1F_FORMAT_UNRECOGNIZED = 0xC000_0904_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_INVALID_WBINVD_SCOPE`).
    Other INVALID_WBINVD_SCOPE = 0xC000_0905_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_INVALID_PKG_ID`).
    Other INVALID_PKG_ID = 0xC000_0906_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_ENABLE_MONITOR_FSM_NOT_SET`).
    Other ENABLE_MONITOR_FSM_NOT_SET = 0xC000_0907_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_CPUID_LEAF_NOT_SUPPORTED`).
    Other CPUID_LEAF_NOT_SUPPORTED = 0xC000_0908_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_SMRR_NOT_LOCKED`).
    Other SMRR_NOT_LOCKED = 0xC000_0910_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_INVALID_SMRR_CONFIGURATION`).
    Other INVALID_SMRR_CONFIGURATION = 0xC000_0911_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_SMRR_OVERLAPS_CMR`).
    Other SMRR_OVERLAPS_CMR = 0xC000_0912_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_SMRR_LOCK_NOT_SUPPORTED`).
    Other SMRR_LOCK_NOT_SUPPORTED = 0xC000_0913_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_SMRR_NOT_SUPPORTED`).
    Other SMRR_NOT_SUPPORTED = 0xC000_0914_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_INCONSISTENT_MSR`).
    Other INCONSISTENT_MSR = 0xC000_0920_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_INCORRECT_MSR_VALUE`).
    Other INCORRECT_MSR_VALUE = 0xC000_0921_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_SEAMREPORT_NOT_AVAILABLE`).
    Other SEAMREPORT_NOT_AVAILABLE = 0xC000_0930_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_SEAMDB_GETREF_NOT_AVAILABLE`).
    Other SEAMDB_GETREF_NOT_AVAILABLE = 0xC000_0931_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_SEAMDB_REPORT_NOT_AVAILABLE`).
    Other SEAMDB_REPORT_NOT_AVAILABLE = 0xC000_0932_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_SEAMVERIFYREPORT_NOT_AVAILABLE`).
    Other SEAMVERIFYREPORT_NOT_AVAILABLE = 0xC000_0933_0000_0000;

    // Class 0x0A: TDMR initialization.

    /// Module code, present since 1.5.01 (`TDX_INVALID_TDMR`).
    Other INVALID_TDMR = 0xC000_0A00_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_NON_ORDERED_TDMR`).
    Other NON_ORDERED_TDMR = 0xC000_0A01_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_TDMR_OUTSIDE_CMRS`).
    Other TDMR_OUTSIDE_CMRS = 0xC000_0A02_0000_0000;

    /// Informational: the TDMR is fully initialized already.
    Other TDMR_ALREADY_INITIALIZED = 0x0000_0A03_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_INVALID_PAMT`).
    Other INVALID_PAMT = 0xC000_0A10_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_PAMT_OUTSIDE_CMRS`).
    Other PAMT_OUTSIDE_CMRS = 0xC000_0A11_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_PAMT_OVERLAP`).
    Other PAMT_OVERLAP = 0xC000_0A12_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_INVALID_RESERVED_IN_TDMR`).
    Other INVALID_RESERVED_IN_TDMR = 0xC000_0A20_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_NON_ORDERED_RESERVED_IN_TDMR`).
    Other NON_ORDERED_RESERVED_IN_TDMR = 0xC000_0A21_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_CMR_LIST_INVALID`).
    Other CMR_LIST_INVALID = 0xC000_0A22_0000_0000;

    // Class 0x0B: Secure EPT and GPA ranges.

    /// Walking the Secure EPT to the requested GPA and level failed.
    Operand EPT_WALK_FAILED = 0xC000_0B00_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_EPT_ENTRY_FREE`).
    Other EPT_ENTRY_FREE = 0xC000_0B01_0000_0000;

    /// The Secure EPT entry is not free.
    Operand EPT_ENTRY_NOT_FREE = 0xC000_0B02_0000_0000;

    /// The Secure EPT entry is not present.
    Operand EPT_ENTRY_NOT_PRESENT = 0xC000_0B03_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_EPT_ENTRY_NOT_LEAF`).
    Other EPT_ENTRY_NOT_LEAF = 0xC000_0B04_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_EPT_ENTRY_LEAF`).
    Other EPT_ENTRY_LEAF = 0xC000_0B05_0000_0000;

    /// The GPA range has to be blocked first.
    Operand GPA_RANGE_NOT_BLOCKED = 0xC000_0B06_0000_0000;

    /// Informational: the GPA range was already blocked.
    Other GPA_RANGE_ALREADY_BLOCKED = 0x0000_0B07_0000_0000;

    /// TLB tracking (`TDH.MEM.TRACK` and the vCPU exits it requires) has not
    /// completed.
    Operand TLB_TRACKING_NOT_DONE = 0xC000_0B08_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_EPT_INVALID_PROMOTE_CONDITIONS`).
    Other EPT_INVALID_PROMOTE_CONDITIONS = 0xC000_0B09_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_PAGE_ALREADY_ACCEPTED`).
    Other PAGE_ALREADY_ACCEPTED = 0x0000_0B0A_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_PAGE_SIZE_MISMATCH`).
    Other PAGE_SIZE_MISMATCH = 0xC000_0B0B_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_GPA_RANGE_BLOCKED`).
    Other GPA_RANGE_BLOCKED = 0xC000_0B0C_0000_0000;

    /// The Secure EPT entry's state does not allow this call.
    Operand EPT_ENTRY_STATE_INCORRECT = 0xC000_0B0D_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_EPT_PAGE_NOT_FREE`).
    Other EPT_PAGE_NOT_FREE = 0xC000_0B0E_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_L2_SEPT_WALK_FAILED`).
    Other L2_SEPT_WALK_FAILED = 0xC000_0B0F_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_L2_SEPT_ENTRY_NOT_FREE`).
    Other L2_SEPT_ENTRY_NOT_FREE = 0xC000_0B10_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_PAGE_ATTR_INVALID`).
    Other PAGE_ATTR_INVALID = 0xC000_0B11_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_L2_SEPT_PAGE_NOT_PROVIDED`).
    Other L2_SEPT_PAGE_NOT_PROVIDED = 0xC000_0B12_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_BLOCKED_MEMORY_EXISTS`).
    Other BLOCKED_MEMORY_EXISTS = 0x8000_0B13_0000_0000;

    // Class 0x0C: metadata.

    /// The metadata field ID is malformed or unknown.
    Other METADATA_FIELD_ID_INCORRECT = 0xC000_0C00_0000_0000;

    /// The metadata field cannot be written.
    Other METADATA_FIELD_NOT_WRITABLE = 0xC000_0C01_0000_0000;

    /// The metadata field cannot be read.
    Other METADATA_FIELD_NOT_READABLE = 0xC000_0C02_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_METADATA_FIELD_VALUE_NOT_VALID`).
    Other METADATA_FIELD_VALUE_NOT_VALID = 0xC000_0C03_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_METADATA_LIST_OVERFLOW`).
    Other METADATA_LIST_OVERFLOW = 0xC000_0C04_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_INVALID_METADATA_LIST_HEADER`).
    Other INVALID_METADATA_LIST_HEADER = 0xC000_0C05_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_REQUIRED_METADATA_FIELD_MISSING`).
    Other REQUIRED_METADATA_FIELD_MISSING = 0xC000_0C06_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_METADATA_ELEMENT_SIZE_INCORRECT`).
    Other METADATA_ELEMENT_SIZE_INCORRECT = 0xC000_0C07_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_METADATA_LAST_ELEMENT_INCORRECT`).
    Other METADATA_LAST_ELEMENT_INCORRECT = 0xC000_0C08_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_METADATA_FIELD_CURRENTLY_NOT_WRITABLE`).
    Other METADATA_FIELD_CURRENTLY_NOT_WRITABLE = 0xC000_0C09_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_METADATA_WR_MASK_NOT_VALID`).
    Other METADATA_WR_MASK_NOT_VALID = 0xC000_0C0A_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_METADATA_FIRST_FIELD_ID_IN_CONTEXT`).
    Other METADATA_FIRST_FIELD_ID_IN_CONTEXT = 0x0000_0C0B_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_METADATA_FIELD_SKIP`).
    Other METADATA_FIELD_SKIP = 0x0000_0C0C_0000_0000;

    /// Module code of 1.5.25 and 2.0.18, new since 1.5.01 (`TDX_VIRTUAL_MSR_VALUE_NOT_VALID`).
    Other VIRTUAL_MSR_VALUE_NOT_VALID = 0xC000_0C0D_0000_0000;

    /// Module code of 1.5.25 and 2.0.18, new since 1.5.01 (`TDX_METADATA_FIELD_NOT_ALLOCATED`).
    Other METADATA_FIELD_NOT_ALLOCATED = 0xC000_0C0E_0000_0000;

    // Class 0x0D: service TDs.

    /// Module code, present since 1.5.01 (`TDX_SERVTD_ALREADY_BOUND_FOR_TYPE`).
    Other SERVTD_ALREADY_BOUND_FOR_TYPE = 0xC000_0D00_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_SERVTD_TYPE_MISMATCH`).
    Other SERVTD_TYPE_MISMATCH = 0xC000_0D01_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_SERVTD_ATTR_MISMATCH`).
    Other SERVTD_ATTR_MISMATCH = 0xC000_0D02_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_SERVTD_INFO_HASH_MISMATCH`).
    Other SERVTD_INFO_HASH_MISMATCH = 0xC000_0D03_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_SERVTD_UUID_MISMATCH`).
    Other SERVTD_UUID_MISMATCH = 0xC000_0D04_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_SERVTD_NOT_BOUND`).
    Other SERVTD_NOT_BOUND = 0xC000_0D05_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_SERVTD_BOUND`).
    Other SERVTD_BOUND = 0xC000_0D06_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_TARGET_UUID_MISMATCH`).
    Other TARGET_UUID_MISMATCH = 0xC000_0D07_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_TARGET_UUID_UPDATED`).
    Other TARGET_UUID_UPDATED = 0xC000_0D08_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_SERVTD_NESTING_NOT_ALLOWED`).
    Other SERVTD_NESTING_NOT_ALLOWED = 0xC000_0D0C_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_SERVTD_CANNOT_BE_MIGRATABLE`).
    Other SERVTD_CANNOT_BE_MIGRATABLE = 0xC000_0D0D_0000_0000;

    // Class 0x0E: migration and memory scan.

    /// Module code, present since 1.5.01 (`TDX_INVALID_MBMD`).
    Other INVALID_MBMD = 0xC000_0E00_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_INCORRECT_MBMD_MAC`).
    Other INCORRECT_MBMD_MAC = 0xC000_0E01_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_NOT_WRITE_BLOCKED`).
    Other NOT_WRITE_BLOCKED = 0xC000_0E02_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_ALREADY_WRITE_BLOCKED`).
    Other ALREADY_WRITE_BLOCKED = 0x0000_0E03_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_NOT_EXPORTED`).
    Other NOT_EXPORTED = 0xC000_0E04_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_MIGRATION_STREAM_STATE_INCORRECT`).
    Other MIGRATION_STREAM_STATE_INCORRECT = 0xC000_0E05_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_MAX_MIGS_NUM_EXCEEDED`).
    Other MAX_MIGS_NUM_EXCEEDED = 0xC000_0E06_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_EXPORTED_DIRTY_PAGES_REMAIN`).
    Other EXPORTED_DIRTY_PAGES_REMAIN = 0xC000_0E07_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_MIGRATION_DECRYPTION_KEY_NOT_SET`).
    Other MIGRATION_DECRYPTION_KEY_NOT_SET = 0xC000_0E08_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_TD_NOT_MIGRATABLE`).
    Other TD_NOT_MIGRATABLE = 0xC000_0E09_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_PREVIOUS_EXPORT_CLEANUP_INCOMPLETE`).
    Other PREVIOUS_EXPORT_CLEANUP_INCOMPLETE = 0xC000_0E0A_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_NUM_MIGS_HIGHER_THAN_CREATED`).
    Other NUM_MIGS_HIGHER_THAN_CREATED = 0xC000_0E0B_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_IMPORT_MISMATCH`).
    Other IMPORT_MISMATCH = 0xC000_0E0C_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_MIGRATION_EPOCH_OVERFLOW`).
    Other MIGRATION_EPOCH_OVERFLOW = 0xC000_0E0D_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_MAX_EXPORTS_EXCEEDED`).
    Other MAX_EXPORTS_EXCEEDED = 0xC000_0E0E_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_INVALID_PAGE_MAC`).
    Other INVALID_PAGE_MAC = 0xC000_0E0F_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_MIGRATED_IN_CURRENT_EPOCH`).
    Other MIGRATED_IN_CURRENT_EPOCH = 0xC000_0E10_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_DISALLOWED_IMPORT_OVER_REMOVED`).
    Other DISALLOWED_IMPORT_OVER_REMOVED = 0xC000_0E11_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_SOME_VCPUS_NOT_MIGRATED`).
    Other SOME_VCPUS_NOT_MIGRATED = 0xC000_0E12_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_ALL_VCPUS_IMPORTED`).
    Other ALL_VCPUS_IMPORTED = 0xC000_0E13_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_MIN_MIGS_NOT_CREATED`).
    Other MIN_MIGS_NOT_CREATED = 0xC000_0E14_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_VCPU_ALREADY_EXPORTED`).
    Other VCPU_ALREADY_EXPORTED = 0xC000_0E15_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_INVALID_MIGRATION_DECRYPTION_KEY`).
    Other INVALID_MIGRATION_DECRYPTION_KEY = 0xC000_0E16_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_MEM_RANGE_SCAN_SUCCESS`).
    Other MEM_RANGE_SCAN_SUCCESS = 0x0000_0E17_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_MEM_SCAN_SUCCESS`).
    Other MEM_SCAN_SUCCESS = 0x0000_0E18_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_MEM_SCAN_FAILED_BLOCKED_RANGE`).
    Other MEM_SCAN_FAILED_BLOCKED_RANGE = 0x8000_0E19_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_MEM_SCAN_FAILED_OTHER_THREAD`).
    Other MEM_SCAN_FAILED_OTHER_THREAD = 0x8000_0E1A_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_MEM_SCAN_CONFIG_REQUIRED`).
    Other MEM_SCAN_CONFIG_REQUIRED = 0x8000_0E1B_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_MEM_SCAN_ALREADY_SUCCESSFUL`).
    Other MEM_SCAN_ALREADY_SUCCESSFUL = 0x8000_0E1C_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_UNEXPORTED_MEMORY_REMAINS`).
    Other UNEXPORTED_MEMORY_REMAINS = 0x8000_0E1D_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_MEM_SCAN_CONFIG_ALREADY_DONE`).
    Other MEM_SCAN_CONFIG_ALREADY_DONE = 0xC000_0E1E_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_MEM_SCAN_IN_PROGRESS`).
    Other MEM_SCAN_IN_PROGRESS = 0x8000_0E1F_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_BLOCKING_DISALLOWED`).
    Other BLOCKING_DISALLOWED = 0xC000_0E20_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_MEM_SCAN_DCHECK_NOT_DONE`).
    Other MEM_SCAN_DCHECK_NOT_DONE = 0x8000_0E21_0000_0000;

    /// Module code of 1.5.25 and 2.0.18, new since 1.5.01 (`TDX_INCOMPATIBLE_MBMD_MAC_CONTEXT`).
    Other INCOMPATIBLE_MBMD_MAC_CONTEXT = 0xC000_0E22_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_INCOMPATIBLE_EXPORT_MODE_TD_NON_ACCESSIBLE`).
    Other INCOMPATIBLE_EXPORT_MODE_TD_NON_ACCESSIBLE = 0xE000_0E23_0000_0000;

    // Class 0x0F: TDX Connect (IOMMU, SPDM, IDE, device interfaces, DMAR, MMIO, PASID).

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_IOMMU_INVALID_STATE`).
    Other IOMMU_INVALID_STATE = 0xC000_0F00_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_IOMMU_IQ_FULL`).
    Other IOMMU_IQ_FULL = 0x8000_0F01_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_IOMMU_RP_NOT_CONFIGURED`).
    Other IOMMU_RP_NOT_CONFIGURED = 0xC000_0F02_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_IOMMU_IOTLB_TRACKING_NOT_DONE`).
    Other IOMMU_IOTLB_TRACKING_NOT_DONE = 0xC000_0F03_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_IOMMU_RP_IDE_MUST_BE_DISABLED`).
    Other IOMMU_RP_IDE_MUST_BE_DISABLED = 0xC000_0F04_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_SPDM_HAS_ACTIVE_IDE_STREAMS`).
    Other SPDM_HAS_ACTIVE_IDE_STREAMS = 0xC000_0F05_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_SPDM_INVALID_STATE`).
    Other SPDM_INVALID_STATE = 0xC000_0F06_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_DMAR_INVALID_MAPPING_STATE`).
    Other DMAR_INVALID_MAPPING_STATE = 0xC000_0F07_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_DMAR_INVALID_INV_STATE`).
    Other DMAR_INVALID_INV_STATE = 0xC000_0F08_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_DMAR_INVALID_RID_PASID`).
    Other DMAR_INVALID_RID_PASID = 0xC000_0F09_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_DEVIF_HANDLE_ERROR`).
    Other DEVIF_HANDLE_ERROR = 0xC000_0F0A_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_DEVIF_PKH_MISMATCH`).
    Other DEVIF_PKH_MISMATCH = 0xC000_0F0B_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_DEVIF_INVALID`).
    Other DEVIF_INVALID = 0xC000_0F0C_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_DEVIF_ALREADY_VALID`).
    Other DEVIF_ALREADY_VALID = 0x0000_0F0D_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_DEVIF_TDISP_INVALID_REQ_STS`).
    Other DEVIF_TDISP_INVALID_REQ_STS = 0xC000_0F0E_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_DEVIF_TDISP_INVALID_MESSAGE`).
    Other DEVIF_TDISP_INVALID_MESSAGE = 0xC000_0F0F_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_DEVIF_TDISP_INVALID_STATE`).
    Other DEVIF_TDISP_INVALID_STATE = 0xC000_0F10_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_DEVIF_INVALID_STATE`).
    Other DEVIF_INVALID_STATE = 0xC000_0F11_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_DEVIF_HAS_BOUND_PASIDS`).
    Other DEVIF_HAS_BOUND_PASIDS = 0xC000_0F12_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_DEVIF_HAS_MAPPED_MMIO`).
    Other DEVIF_HAS_MAPPED_MMIO = 0xC000_0F13_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_DEVIF_TDISP_OUT_REQ`).
    Other DEVIF_TDISP_OUT_REQ = 0xC000_0F14_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_IDE_STREAM_NOT_FREE`).
    Other IDE_STREAM_NOT_FREE = 0xC000_0F16_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_IDE_STREAM_NOT_SUPPORTED`).
    Other IDE_STREAM_NOT_SUPPORTED = 0xC000_0F17_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_IDE_STREAM_NOT_CONFIGURED`).
    Other IDE_STREAM_NOT_CONFIGURED = 0xC000_0F18_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_IDE_STREAM_BLOCKED`).
    Other IDE_STREAM_BLOCKED = 0xC000_0F19_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_IDE_STREAM_NOT_BLOCKED`).
    Other IDE_STREAM_NOT_BLOCKED = 0xC000_0F1A_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_IDE_STREAM_ADDR_OVERLAP`).
    Other IDE_STREAM_ADDR_OVERLAP = 0xC000_0F1B_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_IDE_STREAM_RID_OVERLAP`).
    Other IDE_STREAM_RID_OVERLAP = 0xC000_0F1C_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_IDE_STREAM_KEY_ID_ALREADY_USED`).
    Other IDE_STREAM_KEY_ID_ALREADY_USED = 0xC000_0F1D_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_IDE_STREAM_IDE_ID_ALREADY_USED`).
    Other IDE_STREAM_IDE_ID_ALREADY_USED = 0xC000_0F1E_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_IDE_STREAM_HAS_DEVICE_INTERFACES`).
    Other IDE_STREAM_HAS_DEVICE_INTERFACES = 0xC000_0F1F_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_IDE_STREAM_IDEKM_OUTREQ`).
    Other IDE_STREAM_IDEKM_OUTREQ = 0xC000_0F20_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_IDE_STREAM_IDEKM_KEYS_NOT_READY`).
    Other IDE_STREAM_IDEKM_KEYS_NOT_READY = 0xC000_0F21_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_IDE_STREAM_IDEKM_NO_ENTROPY`).
    Other IDE_STREAM_IDEKM_NO_ENTROPY = 0xC000_0F22_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_IDE_STREAM_IDEKM_INVALID_RESPONSE`).
    Other IDE_STREAM_IDEKM_INVALID_RESPONSE = 0xC000_0F23_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_IDE_STREAM_INVALID_STATE`).
    Other IDE_STREAM_INVALID_STATE = 0xC000_0F24_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_MMIO_INVALID_PAGE_METADATA`).
    Other MMIO_INVALID_PAGE_METADATA = 0xC000_0F25_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_MMIO_ACCEPT_SIZE_MISMATCH`).
    Other MMIO_ACCEPT_SIZE_MISMATCH = 0xC000_0F26_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_MMIO_DEVIF_OWNER_MISMATCH`).
    Other MMIO_DEVIF_OWNER_MISMATCH = 0xC000_0F27_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_MMIO_PAGE_ALREADY_ACCEPTED`).
    Other MMIO_PAGE_ALREADY_ACCEPTED = 0x0000_0F28_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_PASID_TABLE_ALREADY_MAPPED`).
    Other PASID_TABLE_ALREADY_MAPPED = 0xC000_0F29_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_PASID_TABLE_NOT_MAPPED`).
    Other PASID_TABLE_NOT_MAPPED = 0xC000_0F2A_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_PASID_TABLE_NOT_EMPTY`).
    Other PASID_TABLE_NOT_EMPTY = 0xC000_0F2B_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_PASID_TD_ASSOCIATED_PASIDS_EXIST`).
    Other PASID_TD_ASSOCIATED_PASIDS_EXIST = 0xC000_0F2C_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_PASID_TRACK_IN_PROGRESS`).
    Other PASID_TRACK_IN_PROGRESS = 0xC000_0F2D_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_PASID_TRACK_PASID_MISMATCH`).
    Other PASID_TRACK_PASID_MISMATCH = 0xC000_0F2E_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_PASID_TRACK_NOT_DONE`).
    Other PASID_TRACK_NOT_DONE = 0xC000_0F2F_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_PASID_DEVIF_OWNER_MISMATCH`).
    Other PASID_DEVIF_OWNER_MISMATCH = 0xC000_0F30_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_GUEST_PASID_ALREADY_MAPPED`).
    Other GUEST_PASID_ALREADY_MAPPED = 0xC000_0F31_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_GUEST_PASID_NOT_MAPPED`).
    Other GUEST_PASID_NOT_MAPPED = 0xC000_0F32_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_PASIDMT_NOT_FOUND`).
    Other PASIDMT_NOT_FOUND = 0xC000_0F33_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_PASIDMT_ALREADY_PRESENT`).
    Other PASIDMT_ALREADY_PRESENT = 0xC000_0F34_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_PASIDMT_NOT_PRESENT`).
    Other PASIDMT_NOT_PRESENT = 0xC000_0F35_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_PASIDMT_INVALID_STATE`).
    Other PASIDMT_INVALID_STATE = 0xC000_0F36_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_PASIDMT_PAGE_NOT_EMPTY`).
    Other PASIDMT_PAGE_NOT_EMPTY = 0xC000_0F37_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_DMAR_INDEX_OUT_OF_BOUNDS`).
    Other DMAR_INDEX_OUT_OF_BOUNDS = 0xC000_0F38_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_DMAR_ENTRY_NOT_PRESENT`).
    Other DMAR_ENTRY_NOT_PRESENT = 0xC000_0F39_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_TD_HAS_ATTACHED_DEVICES`).
    Other TD_HAS_ATTACHED_DEVICES = 0xC000_0F3A_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_IOMMU_IOTLB_TRACKING_NOT_REQUIRED`).
    Other IOMMU_IOTLB_TRACKING_NOT_REQUIRED = 0x0000_0F3B_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_SPDM_AUTH_FAILED`).
    Other SPDM_AUTH_FAILED = 0xC000_0F3C_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_IOMMU_MT_PAGE_IN_USE`).
    Other IOMMU_MT_PAGE_IN_USE = 0xC000_0F3D_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_IOMMU_KCB_MUST_BE_DISABLED`).
    Other IOMMU_KCB_MUST_BE_DISABLED = 0xC000_0F3E_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_DEVIF_HAS_MAPPED_DMA`).
    Other DEVIF_HAS_MAPPED_DMA = 0xC000_0F3F_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_DEVIFMT_NOT_PRESENT`).
    Other DEVIFMT_NOT_PRESENT = 0xC000_0F40_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_DEVIF_INVALID_METADATA`).
    Other DEVIF_INVALID_METADATA = 0xC000_0F41_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_DEVIFMT_ALREADY_PRESENT`).
    Other DEVIFMT_ALREADY_PRESENT = 0xC000_0F42_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_SPDM_ENTRY_ALREADY_PRESENT`).
    Other SPDM_ENTRY_ALREADY_PRESENT = 0xC000_0F43_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_SPDM_ENTRY_NOT_PRESENT`).
    Other SPDM_ENTRY_NOT_PRESENT = 0xC000_0F44_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_SPDM_SESSION_KEY_REQUIRE_REFRESH`).
    Other SPDM_SESSION_KEY_REQUIRE_REFRESH = 0xC000_0F45_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_CONNECT_INVALID_STATE`).
    Other CONNECT_INVALID_STATE = 0xC000_0F46_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_MMIOMT_NOT_PRESENT`).
    Other MMIOMT_NOT_PRESENT = 0xC000_0F47_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_IOMMU_RP_INVALID_CONFIGURATION`).
    Other IOMMU_RP_INVALID_CONFIGURATION = 0xC000_0F48_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_DEVIF_INVALID_TDI_CONFIGURATION`).
    Other DEVIF_INVALID_TDI_CONFIGURATION = 0xC000_0F49_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_DEVIF_TDISP_ERROR_STATE`).
    Other DEVIF_TDISP_ERROR_STATE = 0xC000_0F4A_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_DEVIF_TDISP_INVALID_REPORT`).
    Other DEVIF_TDISP_INVALID_REPORT = 0xC000_0F4B_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_MMIO_PAGE_NOT_IN_ASSOC_RANGE`).
    Other MMIO_PAGE_NOT_IN_ASSOC_RANGE = 0xC000_0F4C_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_MMIO_INVALID_HPA_OFFSET`).
    Other MMIO_INVALID_HPA_OFFSET = 0xC000_0F4D_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_SPDM_INVALID_MESSAGE`).
    Other SPDM_INVALID_MESSAGE = 0xC000_0F4E_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_TPR_INVALID_STATE`).
    Other TPR_INVALID_STATE = 0xC000_0F4F_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_SMRR_OVERLAPS_IO_RANGE`).
    Other SMRR_OVERLAPS_IO_RANGE = 0xC000_0F50_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_IOMMU_ECMD_TIMEOUT`).
    Other IOMMU_ECMD_TIMEOUT = 0x8000_0F51_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_IOMMU_ECMD_ERROR`).
    Other IOMMU_ECMD_ERROR = 0x8000_0F52_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_GUEST_INV_NOT_REQUIRED`).
    Other GUEST_INV_NOT_REQUIRED = 0x0000_0F53_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_GUEST_INV_IN_PROGRESS`).
    Other GUEST_INV_IN_PROGRESS = 0xC000_0F54_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_GUEST_INV_INVALID_DESC`).
    Other GUEST_INV_INVALID_DESC = 0xC000_0F55_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_IOTLB_INV_REQUEST`).
    Other IOTLB_INV_REQUEST = 0x0000_0F56_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_TPR_RANGE_ENABLED`).
    Other TPR_RANGE_ENABLED = 0xC000_0F5C_0000_0000;

    // Class 0x10: measurement and reports.

    /// Module code, present since 1.5.01 (`TDX_INVALID_CPUSVN`).
    Other INVALID_CPUSVN = 0xC000_1000_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_INVALID_REPORTMACSTRUCT`).
    Other INVALID_REPORTMACSTRUCT = 0xC000_1001_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_MR_KEY_GET_NOT_SUPPORTED`).
    Other MR_KEY_GET_NOT_SUPPORTED = 0xC000_1004_0000_0000;

    /// Module code of 2.0.18, absent from the 1.5.25 header (`TDX_SVN_INVALID`).
    Other SVN_INVALID = 0xC000_1006_0000_0000;

    // Class 0x11: L2 VMs and TD exits.

    /// Module code, present since 1.5.01 (`TDX_L2_EXIT_HOST_ROUTED_ASYNC`).
    Other L2_EXIT_HOST_ROUTED_ASYNC = 0x0000_1100_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_L2_EXIT_HOST_ROUTED_TDVMCALL`).
    Other L2_EXIT_HOST_ROUTED_TDVMCALL = 0x0000_1101_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_L2_EXIT_PENDING_INTERRUPT`).
    Other L2_EXIT_PENDING_INTERRUPT = 0x0000_1102_0000_0000;

    /// Module code of 1.5.25 and 2.0.18, new since 1.5.01 (`TDX_L2_VM_ENTRY_FAILED`).
    Other L2_VM_ENTRY_FAILED = 0x8000_1103_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_PENDING_INTERRUPT`).
    Other PENDING_INTERRUPT = 0x0000_1120_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_TD_EXIT_BEFORE_L2_ENTRY`).
    Other TD_EXIT_BEFORE_L2_ENTRY = 0x0000_1140_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_TD_EXIT_ON_L2_VM_EXIT`).
    Other TD_EXIT_ON_L2_VM_EXIT = 0x0000_1141_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_TD_EXIT_ON_L2_TO_L1`).
    Other TD_EXIT_ON_L2_TO_L1 = 0x0000_1142_0000_0000;

    /// Module code, present since 1.5.01 (`TDX_GLA_NOT_CANONICAL`).
    Other GLA_NOT_CANONICAL = 0xC000_1160_0000_0000;
}

impl TdxStatus {
    /// [`UPDATE_COMPAT_SENSITIVE`](TdxStatus::UPDATE_COMPAT_SENSITIVE) under
    /// the name the module headers (1.5.25, 2.0.18) give it. Same value;
    /// [`name`](TdxStatus::name) answers `"TDX_UPDATE_COMPAT_SENSITIVE"`.
    pub const UPDATE_COMPATIBILITY_SENSITIVE: TdxStatus = TdxStatus::UPDATE_COMPAT_SENSITIVE;
}

/// Second names of named statuses, which [`TdxStatus::from_name`] accepts
/// besides the table's: (name, status).
const ALIASES: &[(&str, TdxStatus)] = &[(
    "TDX_UPDATE_COMPATIBILITY_SENSITIVE",
    TdxStatus::UPDATE_COMPATIBILITY_SENSITIVE,
)];

/// Declares the operand ids once: the enum, its names and `ALL`.
macro_rules! operand_ids {
    ($(
        $(#[$attr:meta])*
        $variant:ident = $value:literal, $name:literal;
    )*) => {
        /// The operand a status refers to: the low 32 bits of an operand
        /// error or busy status ([`TdxStatus::operand`]).
        ///
        /// Ids 0x00–0x0F are general registers of the call (RSP, 4, is
        /// never an operand), 0x40–0x46 fields of `TD_PARAMS`, and 0x80 and
        /// up pages and objects the module manages.
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
        #[repr(u8)]
        #[non_exhaustive]
        pub enum OperandId {
            $(
                $(#[$attr])*
                $variant = $value,
            )*
        }

        impl OperandId {
            /// Every operand id this crate knows, in ascending order.
            pub const ALL: &'static [OperandId] = &[$(OperandId::$variant),*];

            /// The operand with id `raw`, if known.
            pub const fn from_raw(raw: u32) -> Option<OperandId> {
                match raw {
                    $($value => Some(OperandId::$variant),)*
                    _ => None,
                }
            }

            /// Its short name as [`TdxStatus`]'s `Display` prints it:
            /// `"RCX"`, `"TDR"`, `"SEPT"`.
            pub const fn name(self) -> &'static str {
                match self {
                    $(OperandId::$variant => $name,)*
                }
            }
        }
    };
}

operand_ids! {
    /// RAX: the leaf number or version.
    Rax = 0x00, "RAX";
    /// RCX.
    Rcx = 0x01, "RCX";
    /// RDX.
    Rdx = 0x02, "RDX";
    /// RBX.
    Rbx = 0x03, "RBX";
    /// RBP.
    Rbp = 0x05, "RBP";
    /// RSI.
    Rsi = 0x06, "RSI";
    /// RDI.
    Rdi = 0x07, "RDI";
    /// R8.
    R8 = 0x08, "R8";
    /// R9.
    R9 = 0x09, "R9";
    /// R10.
    R10 = 0x0A, "R10";
    /// R11.
    R11 = 0x0B, "R11";
    /// R12.
    R12 = 0x0C, "R12";
    /// R13.
    R13 = 0x0D, "R13";
    /// R14.
    R14 = 0x0E, "R14";
    /// R15.
    R15 = 0x0F, "R15";
    /// `TD_PARAMS.ATTRIBUTES`.
    Attributes = 0x40, "ATTRIBUTES";
    /// `TD_PARAMS.XFAM`.
    Xfam = 0x41, "XFAM";
    /// The execution-control flags of `TD_PARAMS`.
    ExecControls = 0x42, "EXEC_CONTROLS";
    /// The EPTP controls of `TD_PARAMS`.
    EptpControls = 0x43, "EPTP_CONTROLS";
    /// `TD_PARAMS.MAX_VCPUS`.
    MaxVcpus = 0x44, "MAX_VCPUS";
    /// The CPUID values of `TD_PARAMS`.
    CpuidConfig = 0x45, "CPUID_CONFIG";
    /// `TD_PARAMS.TSC_FREQUENCY`.
    TscFrequency = 0x46, "TSC_FREQUENCY";
    /// The TD's root page (TDR).
    Tdr = 0x80, "TDR";
    /// A TD control-structure page (TDCX).
    Tdcx = 0x81, "TDCX";
    /// A vCPU's root page (TDVPR).
    Tdvpr = 0x82, "TDVPR";
    /// The TD control structure (TDCS).
    Tdcs = 0x90, "TDCS";
    /// The vCPU state (TDVPS).
    Tdvps = 0x91, "TDVPS";
    /// The TD's Secure EPT tree (Linux `TDX_OPERAND_ID_SEPT`, module
    /// `OPERAND_ID_SEPT_TREE`).
    Sept = 0x92, "SEPT";
    /// One Secure EPT entry.
    SeptEntry = 0x93, "SEPT_ENTRY";
    /// The TD's RTMR array, which TDG.MR.RTMR.EXTEND locks exclusively and
    /// TDG.MR.REPORT shared (module `OPERAND_ID_RTMR`, 168).
    Rtmr = 0xA8, "RTMR";
    /// The TD's TLB-tracking epoch.
    TdEpoch = 0xA9, "TD_EPOCH";
    /// The TD's operation state.
    OpState = 0xAC, "OP_STATE";
    /// A metadata field.
    MetadataField = 0xB0, "METADATA_FIELD";
    /// The module-global state.
    Sys = 0xB8, "SYS";
    /// A TD memory region (TDMR).
    Tdmr = 0xB9, "TDMR";
    /// The key ownership table (KOT).
    Kot = 0xBA, "KOT";
    /// The key encryption table (KET).
    Ket = 0xBB, "KET";
    /// The cache write-back state.
    Wbcache = 0xBC, "WBCACHE";
}

impl OperandId {
    /// The raw id, as found in bits 31:0 of the status.
    #[inline]
    pub const fn raw(self) -> u32 {
        self as u32
    }
}

impl fmt::Display for OperandId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// `TDX_OPERAND_INVALID (operand RCX)` for codes that carry an operand id
/// (always printed, since RAX is id 0), `TDX_RND_NO_ENTROPY` or
/// `TDX_OP_STATE_INCORRECT (details 0x00000003)` for other known codes, and
/// `TDX status 0x8000123400000000` for unknown ones.
impl fmt::Display for TdxStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Some(entry) = lookup(self.0) else {
            return write!(f, "TDX status {:#018x}", self.0);
        };
        f.write_str(entry.name)?;
        let details = self.details_l2();
        match entry.details {
            Details::Exact => Ok(()),
            Details::Operand => match OperandId::from_raw(details) {
                Some(op) => write!(f, " (operand {})", op.name()),
                None => write!(f, " (operand {details:#x})"),
            },
            Details::Other if details != 0 => write!(f, " (details {details:#010x})"),
            Details::Other => Ok(()),
        }
    }
}

/// `TdxStatus(0x8000020000000001: TDX_OPERAND_BUSY (operand RCX))`, or
/// `TdxStatus(0x8000123400000000)` when the code is unknown.
impl fmt::Debug for TdxStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if lookup(self.0).is_some() {
            write!(f, "TdxStatus({:#018x}: {})", self.0, self)
        } else {
            write!(f, "TdxStatus({:#018x})", self.0)
        }
    }
}

#[cfg(test)]
mod tests {
    extern crate std;

    use super::*;
    use std::collections::HashSet;
    use std::format;

    /// Values copied from tests/data/tdx-abi/status.tsv as written there (no digit
    /// separators), independently of the table above.
    const FROM_TSV: &[(TdxStatus, u64)] = &[
        (TdxStatus::SEAMCALL_VMFAILINVALID, 0x8000FF00FFFF0000),
        (TdxStatus::SEAMCALL_GP, 0x8000FF000000000D),
        (TdxStatus::SEAMCALL_UD, 0x8000FF0000000006),
        (TdxStatus::SUCCESS, 0x0000000000000000),
        (TdxStatus::RND_NO_ENTROPY, 0x8000020300000000),
        (TdxStatus::NON_RECOVERABLE_VCPU, 0x4000000100000000),
        (TdxStatus::NON_RECOVERABLE_TD, 0x4000000200000000),
        (TdxStatus::NON_RECOVERABLE_TD_MODULE, 0x6000000200000000),
        (
            TdxStatus::NON_RECOVERABLE_TD_NON_ACCESSIBLE,
            0x6000000500000000,
        ),
        (
            TdxStatus::NON_RECOVERABLE_TD_WRONG_APIC_MODE,
            0x6000000700000000,
        ),
        (
            TdxStatus::NON_RECOVERABLE_TD_WRONG_APIC_MODE_MODULE,
            0xE000000700000000,
        ),
        (TdxStatus::INTERRUPTED_RESUMABLE, 0x8000000300000000),
        (TdxStatus::INTERRUPTED_RESTARTABLE, 0x8000000400000000),
        (TdxStatus::OPERAND_INVALID, 0xC000010000000000),
        (TdxStatus::OPERAND_ADDR_RANGE_ERROR, 0xC000010100000000),
        (TdxStatus::OPERAND_BUSY, 0x8000020000000000),
        (TdxStatus::PREVIOUS_TLB_EPOCH_BUSY, 0x8000020100000000),
        (TdxStatus::SYS_BUSY, 0x8000020200000000),
        (TdxStatus::OPERAND_BUSY_HOST_PRIORITY, 0x8000020400000000),
        (TdxStatus::HOST_PRIORITY_BUSY_TIMEOUT, 0x9000020500000000),
        (TdxStatus::INTERRUPTED_BUSY, 0x8000020600000000),
        (TdxStatus::PAGE_METADATA_INCORRECT, 0xC000030000000000),
        (TdxStatus::PAGE_ALREADY_FREE, 0x0000030100000000),
        (TdxStatus::SYS_NOT_READY, 0xC000050500000000),
        (TdxStatus::SYS_SHUTDOWN, 0xC000050600000000),
        (TdxStatus::TD_FATAL, 0xE000060400000000),
        (TdxStatus::LIFECYCLE_STATE_INCORRECT, 0xC000060700000000),
        (TdxStatus::OP_STATE_INCORRECT, 0xC000060800000000),
        (TdxStatus::X2APIC_ID_NOT_UNIQUE, 0xC000062100000000),
        (TdxStatus::VCPU_STATE_INCORRECT, 0xC000070000000000),
        (TdxStatus::VCPU_ASSOCIATED, 0x8000070100000000),
        (TdxStatus::VCPU_NOT_ASSOCIATED, 0x8000070200000000),
        (TdxStatus::KEY_GENERATION_FAILED, 0x8000080000000000),
        (TdxStatus::TD_KEYS_NOT_CONFIGURED, 0x8000081000000000),
        (TdxStatus::KEY_STATE_INCORRECT, 0xC000081100000000),
        (TdxStatus::KEY_CONFIGURED, 0x0000081500000000),
        (TdxStatus::WBCACHE_NOT_COMPLETE, 0x8000081700000000),
        (TdxStatus::NO_HKID_READY_TO_WBCACHE, 0x0000082100000000),
        (TdxStatus::FLUSHVP_NOT_DONE, 0x8000082400000000),
        (TdxStatus::TDMR_ALREADY_INITIALIZED, 0x00000A0300000000),
        (TdxStatus::EPT_WALK_FAILED, 0xC0000B0000000000),
        (TdxStatus::EPT_ENTRY_NOT_FREE, 0xC0000B0200000000),
        (TdxStatus::EPT_ENTRY_NOT_PRESENT, 0xC0000B0300000000),
        (TdxStatus::GPA_RANGE_NOT_BLOCKED, 0xC0000B0600000000),
        (TdxStatus::GPA_RANGE_ALREADY_BLOCKED, 0x00000B0700000000),
        (TdxStatus::TLB_TRACKING_NOT_DONE, 0xC0000B0800000000),
        (TdxStatus::EPT_ENTRY_STATE_INCORRECT, 0xC0000B0D00000000),
        (TdxStatus::METADATA_FIELD_ID_INCORRECT, 0xC0000C0000000000),
        (TdxStatus::METADATA_FIELD_NOT_WRITABLE, 0xC0000C0100000000),
        (TdxStatus::METADATA_FIELD_NOT_READABLE, 0xC0000C0200000000),
        (TdxStatus::UPDATE_COMPAT_SENSITIVE, 0x8000051200000000),
    ];

    #[test]
    fn constants_match_status_tsv() {
        for &(status, raw) in FROM_TSV {
            assert_eq!(status.raw(), raw, "{status:?}");
        }
        // Every row of status.tsv is named; the codes it lacks (the
        // module-header codes of 1.5.01, 1.5.25 and 2.0.18) are checked
        // against the vendored tables by tests/status_abi.rs.
        let known: HashSet<u64> = TdxStatus::known().map(TdxStatus::raw).collect();
        assert!(FROM_TSV.iter().all(|&(_, raw)| known.contains(&raw)));
    }

    #[test]
    fn masks_match_status_tsv() {
        assert_eq!(TdxStatus::STATUS_MASK, 0xFFFFFFFF00000000);
        assert_eq!(TdxStatus::ERROR_BIT, 0x8000000000000000);
        assert_eq!(TdxStatus::NON_RECOVERABLE_BIT, 0x4000000000000000);
        assert_eq!(TdxStatus::SW_ERROR_MASK, 0x8000FF0000000000);
        assert_eq!(TdxStatus::FATAL_BIT, 1 << 61);
        assert_eq!(TdxStatus::HOST_RECOVERABILITY_HINT_BIT, 1 << 60);
    }

    #[test]
    fn software_codes_are_sw_error_or_vector() {
        // Linux builds them as TDX_SW_ERROR | X86_TRAP_UD (6) / X86_TRAP_GP (13).
        assert_eq!(TdxStatus::SEAMCALL_UD.raw(), TdxStatus::SW_ERROR_MASK | 6);
        assert_eq!(TdxStatus::SEAMCALL_GP.raw(), TdxStatus::SW_ERROR_MASK | 13);
        assert_eq!(
            TdxStatus::SEAMCALL_VMFAILINVALID.raw(),
            TdxStatus::SW_ERROR_MASK | 0xFFFF_0000
        );
    }

    #[test]
    fn names_round_trip() {
        let mut names = HashSet::new();
        let mut values = HashSet::new();
        for entry in CODES {
            let s = TdxStatus::from_raw(entry.value);
            assert_eq!(s.name(), Some(entry.name));
            assert!(entry.name.starts_with("TDX_"));
            assert_eq!(TdxStatus::from_name(entry.name), Some(s));
            assert_eq!(TdxStatus::from_name(&entry.name[4..]), Some(s));
            assert!(names.insert(entry.name), "duplicate name {}", entry.name);
            assert!(
                values.insert(entry.value),
                "duplicate value {:#x}",
                entry.value
            );
            // Constants hold bare codes, except the full-value software codes.
            if entry.details != Details::Exact {
                assert_eq!(s.code(), s, "{}", entry.name);
            }
            // Exact rows are exactly success and Linux's software codes.
            assert_eq!(
                entry.details == Details::Exact,
                s.is_success() || s.is_sw_error(),
                "{}",
                entry.name
            );
            assert_eq!(s.reserved(), 0, "{}", entry.name);
        }
        assert_eq!(TdxStatus::from_name("TDX_NOT_A_CODE"), None);
        assert_eq!(TdxStatus::from_name(""), None);
    }

    #[test]
    fn names_of_selected_constants() {
        assert_eq!(TdxStatus::SUCCESS.name(), Some("TDX_SUCCESS"));
        assert_eq!(TdxStatus::OPERAND_BUSY.name(), Some("TDX_OPERAND_BUSY"));
        assert_eq!(TdxStatus::RND_NO_ENTROPY.name(), Some("TDX_RND_NO_ENTROPY"));
        assert_eq!(TdxStatus::SEAMCALL_UD.name(), Some("TDX_SEAMCALL_UD"));
        assert_eq!(
            TdxStatus::NON_RECOVERABLE_TD.name(),
            Some("TDX_NON_RECOVERABLE_TD")
        );
        assert_eq!(
            TdxStatus::NON_RECOVERABLE_TD_MODULE.name(),
            Some("TDX_NON_RECOVERABLE_TD_MODULE")
        );
        assert_eq!(
            TdxStatus::NON_RECOVERABLE_TD_WRONG_APIC_MODE_MODULE.name(),
            Some("TDX_NON_RECOVERABLE_TD_WRONG_APIC_MODE_MODULE")
        );
    }

    #[test]
    fn name_ignores_details_of_module_codes_only() {
        let busy_rcx = TdxStatus::from_raw(0x8000_0200_0000_0001);
        assert_eq!(busy_rcx.name(), Some("TDX_OPERAND_BUSY"));
        assert_eq!(
            TdxStatus::from_raw(0xC000_0B00_0000_0092).name(),
            Some("TDX_EPT_WALK_FAILED")
        );
        // Success and software codes need all 64 bits.
        assert_eq!(TdxStatus::from_raw(1).name(), None);
        assert_eq!(TdxStatus::from_raw(0x8000_FF00_0000_0007).name(), None);
        assert_eq!(TdxStatus::from_raw(0x8000_FF00_FFFF_0001).name(), None);
        // Unknown code.
        assert_eq!(TdxStatus::from_raw(0x8000_1234_0000_0000).name(), None);
    }

    #[test]
    fn accessors_on_crafted_values() {
        let s = TdxStatus::from_raw(0xF123_4567_89AB_CDEF);
        assert!(s.is_error());
        assert!(s.is_non_recoverable());
        assert!(s.is_fatal());
        assert!(s.host_recoverability_hint());
        assert_eq!(s.reserved(), 0x123);
        assert_eq!(s.class(), 0x45);
        assert_eq!(s.details_l1(), 0x67);
        assert_eq!(s.details_l2(), 0x89AB_CDEF);
        assert_eq!(s.operand_id(), 0x89AB_CDEF);
        assert_eq!(s.code().raw(), 0xF123_4567_0000_0000);
        assert!(!s.is_success());
        assert!(!s.is_sw_error());
        assert!(!s.is_informational());

        let s = TdxStatus::from_raw(0x0000_0815_0000_0000);
        assert!(!s.is_error() && !s.is_non_recoverable() && !s.is_fatal());
        assert!(!s.host_recoverability_hint());
        assert!(s.is_informational());
        assert_eq!((s.class(), s.details_l1(), s.details_l2()), (0x08, 0x15, 0));

        let s = TdxStatus::HOST_PRIORITY_BUSY_TIMEOUT;
        assert!(s.is_error() && s.host_recoverability_hint());
        assert!(!s.is_non_recoverable() && !s.is_fatal());
        assert_eq!((s.class(), s.details_l1()), (0x02, 0x05));

        // The module-header variants add the fatal bit; all four are
        // non-recoverable.
        assert!(TdxStatus::NON_RECOVERABLE_TD_MODULE.is_fatal());
        assert!(!TdxStatus::NON_RECOVERABLE_TD.is_fatal());
        assert!(TdxStatus::NON_RECOVERABLE_TD_WRONG_APIC_MODE_MODULE.is_error());
        assert!(!TdxStatus::NON_RECOVERABLE_TD_WRONG_APIC_MODE.is_error());
        for s in [
            TdxStatus::NON_RECOVERABLE_TD,
            TdxStatus::NON_RECOVERABLE_TD_MODULE,
            TdxStatus::NON_RECOVERABLE_TD_WRONG_APIC_MODE,
            TdxStatus::NON_RECOVERABLE_TD_WRONG_APIC_MODE_MODULE,
        ] {
            assert!(s.is_non_recoverable());
            assert!(!s.is_informational());
        }

        assert!(TdxStatus::SUCCESS.is_success());
        assert!(!TdxStatus::SUCCESS.is_error());
        assert!(!TdxStatus::SUCCESS.is_informational());
        assert_eq!(TdxStatus::default(), TdxStatus::SUCCESS);
        assert!(TdxStatus::OPERAND_INVALID.is_error());
        assert!(TdxStatus::OPERAND_INVALID.is_non_recoverable());

        for s in [
            TdxStatus::SEAMCALL_UD,
            TdxStatus::SEAMCALL_GP,
            TdxStatus::SEAMCALL_VMFAILINVALID,
        ] {
            assert!(s.is_sw_error() && s.is_error());
            assert_eq!(s.class(), TdxStatus::SW_CLASS);
        }
        assert_eq!(TdxStatus::SEAMCALL_GP.details_l2(), 13);
        assert_eq!(TdxStatus::SEAMCALL_UD.details_l2(), 6);
        assert!(!TdxStatus::OPERAND_BUSY.is_sw_error());
        // Class 0xFF without the error bit is not a software code.
        assert!(!TdxStatus::from_raw(0x0000_FF00_0000_0006).is_sw_error());
    }

    #[test]
    fn code_and_same_code() {
        let busy_tdr = TdxStatus::from_raw(0x8000_0200_0000_0080);
        assert_eq!(busy_tdr.code(), TdxStatus::OPERAND_BUSY);
        assert!(busy_tdr.same_code(TdxStatus::OPERAND_BUSY));
        assert!(!busy_tdr.same_code(TdxStatus::SYS_BUSY));
        assert_ne!(busy_tdr, TdxStatus::OPERAND_BUSY);
        assert_eq!(TdxStatus::from(0x42u64).raw(), 0x42);
        assert_eq!(u64::from(TdxStatus::SYS_BUSY), 0x8000_0202_0000_0000);
    }

    #[test]
    fn operand_ids() {
        // Linux's TDX_OPERAND_ID_* values from status.tsv.
        assert_eq!(OperandId::Rcx.raw(), 0x01);
        assert_eq!(OperandId::Tdr.raw(), 0x80);
        assert_eq!(OperandId::Sept.raw(), 0x92);
        assert_eq!(OperandId::TdEpoch.raw(), 0xa9);
        // A few module-only ones.
        assert_eq!(OperandId::Rax.raw(), 0x00);
        assert_eq!(OperandId::R15.raw(), 0x0F);
        assert_eq!(OperandId::TscFrequency.raw(), 0x46);
        assert_eq!(OperandId::OpState.raw(), 0xAC);
        assert_eq!(OperandId::Wbcache.raw(), 0xBC);
        assert_eq!(OperandId::from_raw(4), None, "RSP is never an operand");
        assert_eq!(OperandId::from_raw(0x1_0001), None);

        let mut names = HashSet::new();
        for w in OperandId::ALL.windows(2) {
            assert!(w[0] < w[1]);
        }
        for &op in OperandId::ALL {
            assert_eq!(OperandId::from_raw(op.raw()), Some(op));
            assert!(names.insert(op.name()));
            assert_eq!(format!("{op}"), op.name());
        }
        assert_eq!(OperandId::Rtmr.raw(), 0xA8);
        assert_eq!(OperandId::ALL.len(), 38);
    }

    #[test]
    fn operand_decoding() {
        let s = TdxStatus::from_raw(0xC000_0100_0000_0001);
        assert!(s.has_operand());
        assert_eq!(s.operand(), Some(OperandId::Rcx));
        assert_eq!(
            TdxStatus::from_raw(0x8000_0200_0000_00A9).operand(),
            Some(OperandId::TdEpoch)
        );
        // Unknown id on an operand code.
        assert_eq!(TdxStatus::from_raw(0xC000_0100_0000_0077).operand(), None);
        // Codes without an operand id.
        assert!(!TdxStatus::RND_NO_ENTROPY.has_operand());
        assert_eq!(TdxStatus::from_raw(0xC000_0608_0000_0001).operand(), None);
        assert!(!TdxStatus::SUCCESS.has_operand());
        assert!(!TdxStatus::SEAMCALL_GP.has_operand());
        assert!(!TdxStatus::from_raw(0x8000_1234_0000_0001).has_operand());
    }

    #[test]
    fn display_operand_codes() {
        let show = |raw: u64| format!("{}", TdxStatus::from_raw(raw));
        assert_eq!(
            show(0xC000_0100_0000_0001),
            "TDX_OPERAND_INVALID (operand RCX)"
        );
        assert_eq!(
            show(0xC000_0100_0000_0000),
            "TDX_OPERAND_INVALID (operand RAX)"
        );
        assert_eq!(
            show(0xC000_0100_0000_0040),
            "TDX_OPERAND_INVALID (operand ATTRIBUTES)"
        );
        assert_eq!(
            show(0x8000_0200_0000_0080),
            "TDX_OPERAND_BUSY (operand TDR)"
        );
        assert_eq!(
            show(0x8000_0200_0000_0092),
            "TDX_OPERAND_BUSY (operand SEPT)"
        );
        assert_eq!(
            show(0x8000_0200_0000_00A9),
            "TDX_OPERAND_BUSY (operand TD_EPOCH)"
        );
        assert_eq!(
            show(0xC000_0B08_0000_0001),
            "TDX_TLB_TRACKING_NOT_DONE (operand RCX)"
        );
        assert_eq!(
            show(0xC000_0101_0000_000C),
            "TDX_OPERAND_ADDR_RANGE_ERROR (operand R12)"
        );
        assert_eq!(
            show(0xC000_0100_0000_1234),
            "TDX_OPERAND_INVALID (operand 0x1234)"
        );
    }

    #[test]
    fn display_other_codes() {
        let show = |s: TdxStatus| format!("{s}");
        assert_eq!(show(TdxStatus::SUCCESS), "TDX_SUCCESS");
        assert_eq!(show(TdxStatus::RND_NO_ENTROPY), "TDX_RND_NO_ENTROPY");
        assert_eq!(show(TdxStatus::SEAMCALL_GP), "TDX_SEAMCALL_GP");
        assert_eq!(
            show(TdxStatus::SEAMCALL_VMFAILINVALID),
            "TDX_SEAMCALL_VMFAILINVALID"
        );
        assert_eq!(
            show(TdxStatus::NO_HKID_READY_TO_WBCACHE),
            "TDX_NO_HKID_READY_TO_WBCACHE"
        );
        assert_eq!(
            show(TdxStatus::from_raw(0xC000_0608_0000_0003)),
            "TDX_OP_STATE_INCORRECT (details 0x00000003)"
        );
        assert_eq!(
            show(TdxStatus::from_raw(0x8000_1234_0000_0000)),
            "TDX status 0x8000123400000000"
        );
        assert_eq!(
            show(TdxStatus::from_raw(5)),
            "TDX status 0x0000000000000005"
        );
        assert_eq!(
            show(TdxStatus::from_raw(0x8000_FF00_0000_0007)),
            "TDX status 0x8000ff0000000007"
        );
        assert_eq!(show(TdxStatus::SYS_BUSY), "TDX_SYS_BUSY");
    }

    #[test]
    fn debug_format() {
        assert_eq!(
            format!("{:?}", TdxStatus::from_raw(0x8000_0200_0000_0001)),
            "TdxStatus(0x8000020000000001: TDX_OPERAND_BUSY (operand RCX))"
        );
        assert_eq!(
            format!("{:?}", TdxStatus::RND_NO_ENTROPY),
            "TdxStatus(0x8000020300000000: TDX_RND_NO_ENTROPY)"
        );
        assert_eq!(
            format!("{:?}", TdxStatus::SUCCESS),
            "TdxStatus(0x0000000000000000: TDX_SUCCESS)"
        );
        assert_eq!(
            format!("{:?}", TdxStatus::from_raw(0x8000_1234_0000_0000)),
            "TdxStatus(0x8000123400000000)"
        );
    }

    #[test]
    fn usable_in_const_context() {
        const S: TdxStatus = TdxStatus::from_raw(0x8000_0200_0000_0001);
        const NAME: Option<&str> = S.name();
        const OP: Option<OperandId> = S.operand();
        assert_eq!(NAME, Some("TDX_OPERAND_BUSY"));
        assert_eq!(OP, Some(OperandId::Rcx));
        const { assert!(S.same_code(TdxStatus::OPERAND_BUSY)) };
    }
}
