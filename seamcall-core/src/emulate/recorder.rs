//! [`Recorder`]: a module wrapper that keeps a trace of every call.

use core::fmt;

use super::leaf_names::{gprs, row_of};
use super::{Module, Outcome, Reg, Regs};
use crate::leaves::LeafWord;
use crate::status::TdxStatus;

/// One `SEAMCALL` as a [`Recorder`] saw it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Call {
    /// Leaf number (RAX bits 15:0 on entry).
    pub leaf: u16,
    /// Leaf version (RAX bits 23:16 on entry).
    pub version: u8,
    /// The leaf's name (`"TDH.MNG.CREATE"`), where known.
    pub name: Option<&'static str>,
    /// Every register on entry.
    pub inputs: Regs,
    /// Every register as the caller gets it back: the module's answer for
    /// [`Outcome::Return`], the entry values otherwise (a faulting or failing
    /// instruction changes none).
    pub outputs: Regs,
    /// What the instruction did.
    pub outcome: Outcome,
    /// The status the caller sees: RAX for [`Outcome::Return`], the Linux
    /// software code for VMfailInvalid and faults.
    pub status: TdxStatus,
}

impl Call {
    /// The registers other than RAX whose value the call changed, in
    /// encoding order.
    pub fn changed(&self) -> Vec<Reg> {
        self.inputs
            .changed(&self.outputs)
            .filter(|r| *r != Reg::Rax)
            .collect()
    }

    /// The leaf word (leaf and version) of the call.
    pub fn leaf_word(&self) -> u64 {
        self.word().raw()
    }

    fn word(&self) -> LeafWord {
        LeafWord::new(self.leaf, self.version)
    }

    /// The registers the leaf takes its operands in, where the leaf is known,
    /// in encoding order.
    pub fn input_regs(&self) -> Option<Vec<Reg>> {
        row_of(self.word()).map(|r| gprs(r.reads))
    }

    /// The registers the module may write for this leaf and version
    /// (besides RAX), where known: module 1.5.01's audited set, or the leaf
    /// catalog's declaration for leaves the audit does not cover. Only the
    /// registers [`Regs`] holds are listed (not the XMM registers
    /// TDH.VP.ENTER may zero), in encoding order.
    pub fn write_regs(&self) -> Option<Vec<Reg>> {
        row_of(self.word()).and_then(|r| r.writes).map(gprs)
    }
}

/// `TDH.MNG.RD(rcx=0x1000, rdx=0x11) -> r8=0x7 TDX_SUCCESS`: name (or leaf
/// number), version if not 0, the leaf's input registers (all changed-or-not
/// registers if the leaf is unknown), the registers the call changed, and the
/// status.
impl fmt::Display for Call {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name {
            Some(name) => f.write_str(name)?,
            None => write!(f, "leaf {}", self.leaf)?,
        }
        if self.version != 0 {
            write!(f, " v{}", self.version)?;
        }
        f.write_str("(")?;
        let inputs = self.input_regs().unwrap_or_else(|| Reg::OPERANDS.to_vec());
        let mut sep = "";
        for r in inputs {
            if let Some(v) = self.inputs.get(r) {
                write!(f, "{sep}{r}={v:#x}")?;
                sep = ", ";
            }
        }
        f.write_str(") ->")?;
        for r in self.changed() {
            if let Some(v) = self.outputs.get(r) {
                write!(f, " {r}={v:#x}")?;
            }
        }
        match self.outcome {
            Outcome::Return => write!(f, " {}", self.status),
            Outcome::VmFailInvalid => f.write_str(" VMfailInvalid (CF=1)"),
            Outcome::Fault(trap) => write!(f, " fault: vector {}", trap.vector()),
        }
    }
}

/// Wraps a module and records every call it answers.
///
/// ```
/// use seamcall_core::emulate::{self, Outcome, Recorder, Regs};
/// use seamcall_core::{seamcall, SeamcallError};
///
/// #[seamcall(leaf = 38, in = [rcx])]
/// unsafe fn tdh_mem_track(tdr: u64) -> Result<(), SeamcallError>;
///
/// let mut rec = Recorder::new(|regs: &mut Regs| {
///     regs.rax = 0;
///     Outcome::Return
/// });
/// emulate::with_module(&mut rec, || unsafe { tdh_mem_track(0x5000) }).unwrap();
/// assert_eq!(rec.calls()[0].name, Some("TDH.MEM.TRACK"));
/// assert_eq!(rec.calls()[0].to_string(), "TDH.MEM.TRACK(rcx=0x5000) -> TDX_SUCCESS");
/// ```
#[derive(Debug, Default)]
pub struct Recorder<M> {
    inner: M,
    calls: Vec<Call>,
}

impl<M> Recorder<M> {
    /// Record the calls `inner` answers.
    pub fn new(inner: M) -> Recorder<M> {
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

    /// The wrapped module.
    pub fn inner(&self) -> &M {
        &self.inner
    }

    /// The wrapped module, mutably (to script it between calls).
    pub fn inner_mut(&mut self) -> &mut M {
        &mut self.inner
    }

    /// The wrapped module, dropping the trace.
    pub fn into_inner(self) -> M {
        self.inner
    }
}

impl<M: Module> Module for Recorder<M> {
    fn seamcall(&mut self, regs: &mut Regs) -> Outcome {
        let inputs = *regs;
        let outcome = self.inner.seamcall(regs);
        let (outputs, status) = match outcome {
            Outcome::Return => (*regs, TdxStatus::from_raw(regs.rax)),
            Outcome::VmFailInvalid => (inputs, TdxStatus::SEAMCALL_VMFAILINVALID),
            Outcome::Fault(trap) => (inputs, trap.status()),
        };
        self.calls.push(Call {
            leaf: inputs.leaf(),
            version: inputs.version(),
            name: row_of(LeafWord::from_rax(inputs.rax)).map(|r| r.name),
            inputs,
            outputs,
            outcome,
            status,
        });
        outcome
    }

    /// Forwarded to the wrapped module (the trace does not show RBP).
    fn rbp_after(&mut self, leaf_word: u64) -> Option<u64> {
        self.inner.rbp_after(leaf_word)
    }
}
