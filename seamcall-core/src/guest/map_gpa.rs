//! [`map_gpa`]: MapGPA over a whole range, following the VMM's RETRY
//! answers with the checks Linux and td-shim make.
//!
//! A VMM may stop a MapGPA part-way with `TDVMCALL_STATUS_RETRY` and the
//! GPA to resume at in R11; KVM does so between 2 MiB chunks while events
//! are pending (torvalds/linux `arch/x86/kvm/vmx/tdx.c` at 3829d81b,
//! `tdx_complete_vmcall_map_gpa`). R11 comes from the untrusted VMM: Linux
//! (`arch/x86/coco/tdx/tdx.c` at 8999ad99, `tdx_map_gpa`) and td-shim
//! (`tdx-tdcall/src/tdx.rs` at 125eeab, `tdvmcall_mapgpa`) accept it only
//! inside `[start, end)` and give up at the third RETRY in a row that makes
//! no progress (Linux's `max_retries_per_page`, which counts those answers;
//! `tests/data/tdx-abi/guest/tdvmcall.tsv`, row MapGPA). This helper does
//! the same with a bound the caller chooses, and says why it stopped.

use core::fmt;

use super::{tdvmcall_map_gpa, TdvmcallError};

/// Why [`map_gpa`] did not convert the whole range.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MapGpaError {
    /// `gpa + size` overflows, or `size` is 0: nothing was sent.
    Range {
        /// The start passed.
        gpa: u64,
        /// The size passed.
        size: u64,
    },
    /// The call failed (module, fault or a VMM status other than RETRY)
    /// while converting from `at`.
    Call {
        /// Where the failed call started.
        at: u64,
        /// The error.
        error: TdvmcallError,
    },
    /// The VMM answered RETRY with a resume GPA outside the part still to
    /// convert, `[at, end)`.
    ResumeOutOfRange {
        /// Where the call started.
        at: u64,
        /// The end of the range.
        end: u64,
        /// The resume GPA the VMM gave (R11).
        resume: u64,
    },
    /// The VMM answered RETRY at `at` without progress the allowed number
    /// of times in a row.
    NoProgress {
        /// Where the calls started and resumed.
        at: u64,
        /// How many RETRY answers without progress came in a row.
        retries: u32,
    },
}

impl fmt::Display for MapGpaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            MapGpaError::Range { gpa, size } => {
                write!(f, "MapGPA of {size:#x} bytes at {gpa:#x}: not a range")
            }
            MapGpaError::Call { at, error } => write!(f, "MapGPA at {at:#x}: {error}"),
            MapGpaError::ResumeOutOfRange { at, end, resume } => write!(
                f,
                "MapGPA at {at:#x}: the VMM asked to resume at {resume:#x}, outside [{at:#x}, {end:#x})"
            ),
            MapGpaError::NoProgress { at, retries } => write!(
                f,
                "MapGPA at {at:#x}: the VMM answered RETRY {retries} times without progress"
            ),
        }
    }
}

impl core::error::Error for MapGpaError {}

/// The RETRY answers without progress in a row after which Linux and
/// td-shim give up (per page): three calls at the same GPA.
pub const MAP_GPA_RETRIES: u32 = 3;

/// MapGPA of `size` bytes from `gpa` (shared bit set: convert to shared;
/// clear: to private), following RETRY: each resume GPA must lie in
/// `[start, end)` of what is left, where `start` is the GPA the last call
/// began at; a resume at `start` itself is a RETRY without progress, and
/// the `max_retries`-th of those in a row ends the loop (0 behaves as 1; a
/// resume past `start` resets the count), so with [`MAP_GPA_RETRIES`] the
/// VMM sees at most three calls at one GPA, as under Linux. Every call
/// sends the remaining range: R12 = the resume GPA, R13 = `end` - it. The
/// loop ends: every accepted resume moves `start` forward and keeps it
/// below `end`.
///
/// # Safety
/// As [`tdvmcall_map_gpa`]: converting private memory to shared discards
/// its contents and exposes the range to the VMM.
pub unsafe fn map_gpa(gpa: u64, size: u64, max_retries: u32) -> Result<(), MapGpaError> {
    // SAFETY: the caller upholds `tdvmcall_map_gpa`'s contract for the whole
    // range; each call covers a part of it.
    map_gpa_with(gpa, size, max_retries, |g, s| unsafe {
        tdvmcall_map_gpa(g, s)
    })
}

/// The loop of [`map_gpa`] over any call with MapGPA's result.
fn map_gpa_with(
    gpa: u64,
    size: u64,
    max_retries: u32,
    mut call: impl FnMut(u64, u64) -> (Result<(), TdvmcallError>, u64),
) -> Result<(), MapGpaError> {
    let end = match gpa.checked_add(size) {
        Some(end) if size != 0 => end,
        _ => return Err(MapGpaError::Range { gpa, size }),
    };
    let (mut start, mut retries) = (gpa, 0u32);
    loop {
        match call(start, end - start) {
            (Ok(()), _) => return Ok(()),
            (Err(e), resume) if e.is_retry() => {
                if resume < start || resume >= end {
                    return Err(MapGpaError::ResumeOutOfRange {
                        at: start,
                        end,
                        resume,
                    });
                }
                if resume == start {
                    retries += 1;
                    if retries >= max_retries {
                        return Err(MapGpaError::NoProgress { at: start, retries });
                    }
                } else {
                    (start, retries) = (resume, 0);
                }
            }
            (Err(error), _) => return Err(MapGpaError::Call { at: start, error }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::guest::TdvmcallStatus;

    fn retry() -> Result<(), TdvmcallError> {
        Err(TdvmcallError::from_vmm(TdvmcallStatus::RETRY.raw()).unwrap())
    }

    #[test]
    fn follows_retry_inside_the_range() {
        let mut calls = [(0, 0); 8];
        let mut n = 0;
        let r = map_gpa_with(0x1000, 0x3000, 3, |g, s| {
            calls[n] = (g, s);
            n += 1;
            if g + s > g + 0x1000 {
                (retry(), g + 0x1000)
            } else {
                (Ok(()), 0)
            }
        });
        assert_eq!(r, Ok(()));
        assert_eq!(
            calls[..n],
            [(0x1000, 0x3000), (0x2000, 0x2000), (0x3000, 0x1000)]
        );
    }

    #[test]
    fn bounded_without_progress_and_checked_resume() {
        // RETRY without progress; after 100 calls an error, so that a loop
        // without a bound fails here instead of running on.
        let mut n = 0u32;
        let invalid = TdvmcallError::from_vmm(TdvmcallStatus::INVALID_OPERAND.raw()).unwrap();
        let r = map_gpa_with(0x1000, 0x3000, 3, |g, _| {
            n += 1;
            (if n > 100 { Err(invalid) } else { retry() }, g)
        });
        assert_eq!(
            r,
            Err(MapGpaError::NoProgress {
                at: 0x1000,
                retries: 3
            })
        );
        assert_eq!(n, 3, "three calls without progress, as Linux makes");
        for resume in [0xFFF, 0x4000, u64::MAX] {
            let r = map_gpa_with(0x1000, 0x3000, 3, |_, _| (retry(), resume));
            assert_eq!(
                r,
                Err(MapGpaError::ResumeOutOfRange {
                    at: 0x1000,
                    end: 0x4000,
                    resume
                })
            );
        }
        // A resume behind a later start is out of range too.
        let mut first = true;
        let r = map_gpa_with(0x1000, 0x3000, 3, |_, _| {
            let resume = if first { 0x3000 } else { 0x2000 };
            first = false;
            (retry(), resume)
        });
        assert!(matches!(
            r,
            Err(MapGpaError::ResumeOutOfRange { at: 0x3000, .. })
        ));
        assert_eq!(
            map_gpa_with(u64::MAX, 2, 3, |_, _| unreachable!()),
            Err(MapGpaError::Range {
                gpa: u64::MAX,
                size: 2
            })
        );
        assert!(matches!(
            map_gpa_with(0x1000, 0, 3, |_, _| unreachable!()),
            Err(MapGpaError::Range { .. })
        ));
        let bad = TdvmcallError::from_vmm(TdvmcallStatus::ALIGN_ERROR.raw()).unwrap();
        assert_eq!(
            map_gpa_with(0x1000, 0x1000, 3, |_, _| (Err(bad), 0x1000)),
            Err(MapGpaError::Call {
                at: 0x1000,
                error: bad
            })
        );
    }
}
