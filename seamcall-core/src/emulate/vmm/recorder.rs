//! [`Recorder`]: a VMM wrapper that keeps a trace of every TDG.VP.VMCALL
//! that reached the host, with the mask the VMM saw.

use core::fmt;

use super::{ghci_name, VmcallExit, Vmm};
use crate::guest::status::TdvmcallStatus;
use crate::leaves::{Reg, RegSet};

/// One TDG.VP.VMCALL as a [`Recorder`] saw it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Call {
    /// What the VMM was shown: RAX = 77, RCX = the qualification, the
    /// exposed registers and zeros.
    pub seen: VmcallExit,
    /// What the VMM left in the registers (only the exposed ones reach the
    /// TD), and whether it stopped the TD.
    pub answer: VmcallExit,
}

impl Call {
    /// GPR_SELECT (bits 15:0) and XMM_SELECT (bits 31:16): the mask the VMM
    /// saw.
    pub const fn mask(&self) -> u64 {
        self.seen.gprs[1] & 0xFFFF_FFFF
    }

    /// The registers the mask exposed, in encoding order (XMM registers
    /// included, although no XMM value travels).
    pub fn exposed(&self) -> Vec<Reg> {
        crate::guest::vmcall::exposed(self.mask()).iter().collect()
    }

    /// The exposed general registers whose value the VMM changed: what the
    /// TD gets back different from what it sent, in encoding order.
    pub fn changed(&self) -> Vec<Reg> {
        let exposed = crate::guest::vmcall::exposed(self.mask());
        (2..16u8)
            .filter_map(Reg::from_index)
            .filter(|r| exposed.contains(*r))
            .filter(|r| {
                let n = r.index() as usize;
                self.seen.gprs[n] != self.answer.gprs[n]
            })
            .collect()
    }

    /// The exposed registers, as a set.
    pub const fn exposed_set(&self) -> RegSet {
        crate::guest::vmcall::exposed(self.mask())
    }

    /// R10 as the TD sent it: 0 for a standard GHCI call.
    pub const fn kind(&self) -> u64 {
        self.seen.gprs[10]
    }

    /// The GHCI sub-function (R11) of a standard call, `None` for a vendor
    /// call (R10 ≠ 0).
    pub const fn subfunction(&self) -> Option<u64> {
        if self.seen.gprs[10] == 0 {
            Some(self.seen.gprs[11])
        } else {
            None
        }
    }

    /// The sub-function's GHCI name (`"MapGPA"`), where known.
    pub fn name(&self) -> Option<&'static str> {
        self.subfunction().and_then(ghci_name)
    }

    /// The GHCI status the TD reads in R10: the VMM's R10 if R10 is exposed,
    /// the TD's own R10 otherwise. `None` when the VMM stopped the TD.
    pub const fn status(&self) -> Option<TdvmcallStatus> {
        if self.answer.is_stopped() {
            None
        } else if self.seen.exposed(10) {
            Some(TdvmcallStatus::from_raw(self.answer.gprs[10]))
        } else {
            Some(TdvmcallStatus::from_raw(self.seen.gprs[10]))
        }
    }

    /// Whether the VMM stopped the TD instead of resuming it.
    pub const fn stopped(&self) -> bool {
        self.answer.is_stopped()
    }
}

/// `MapGPA(mask=0x3c00, r12=0x1000, r13=0x2000) -> r10=0x1 r11=0x2000`:
/// name (or `R11=…` / `vendor R10=…`), the mask, the exposed registers
/// other than R10/R11 as sent, the exposed registers the VMM changed, or
/// `stopped`.
impl fmt::Display for Call {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.subfunction(), self.name()) {
            (_, Some(name)) => f.write_str(name)?,
            (Some(sub), None) => write!(f, "R11={sub:#x}")?,
            (None, _) => write!(f, "vendor R10={:#x}", self.kind())?,
        }
        write!(f, "(mask={:#x}", self.mask())?;
        for r in self.exposed() {
            let n = r.index() as usize;
            if r.is_gpr() && n != 10 && n != 11 {
                write!(f, ", {r}={:#x}", self.seen.gprs[n])?;
            }
        }
        f.write_str(") ->")?;
        if self.stopped() {
            return f.write_str(" stopped");
        }
        for r in self.changed() {
            write!(f, " {r}={:#x}", self.answer.gprs[r.index() as usize])?;
        }
        Ok(())
    }
}

/// Wraps a VMM and records every call it answers (only calls that reach
/// the VMM: a mask the module refuses never does).
///
/// ```
/// use seamcall_core::emulate::{self, vmm};
/// use seamcall_core::guest;
///
/// let mut td = vmm::VmcallOnly::new(vmm::Recorder::new(vmm::GhciVmm::new()));
/// emulate::with_guest(&mut td, || guest::tdvmcall_hlt(false)).unwrap();
/// let call = td.vmm().last().unwrap();
/// assert_eq!(call.mask(), 0x1C00);
/// assert_eq!(call.to_string(), "Instruction.HLT(mask=0x1c00, r12=0x0) ->");
/// ```
#[derive(Debug, Default)]
pub struct Recorder<V> {
    inner: V,
    calls: Vec<Call>,
}

impl<V> Recorder<V> {
    /// Record the calls `inner` answers.
    pub fn new(inner: V) -> Recorder<V> {
        Recorder {
            inner,
            calls: Vec::new(),
        }
    }

    /// Every call so far, oldest first.
    pub fn calls(&self) -> &[Call] {
        &self.calls
    }

    /// The most recent call.
    pub fn last(&self) -> Option<&Call> {
        self.calls.last()
    }

    /// Remove and return the calls recorded so far.
    pub fn take(&mut self) -> Vec<Call> {
        core::mem::take(&mut self.calls)
    }

    /// The wrapped VMM.
    pub fn inner(&self) -> &V {
        &self.inner
    }

    /// The wrapped VMM, mutably (to script it between calls).
    pub fn inner_mut(&mut self) -> &mut V {
        &mut self.inner
    }

    /// The wrapped VMM, dropping the trace.
    pub fn into_inner(self) -> V {
        self.inner
    }
}

impl<V: Vmm> Vmm for Recorder<V> {
    fn tdvmcall(&mut self, exit: &mut VmcallExit) {
        let seen = *exit;
        self.inner.tdvmcall(exit);
        self.calls.push(Call {
            seen,
            answer: *exit,
        });
    }
}
