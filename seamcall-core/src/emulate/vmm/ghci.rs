//! [`GhciVmm`]: a default VMM with the GHCI calls a guest kernel makes at
//! boot, answered as KVM answers them (torvalds/linux
//! `arch/x86/kvm/vmx/tdx.c` at 3829d81b, `handle_tdvmcall` and the
//! functions it calls; registers per sub-function in
//! `tests/data/tdx-abi/guest/tdvmcall.tsv`).

use std::collections::BTreeMap;
use std::fmt;
use std::vec::Vec;

use super::{subfn, VmcallExit, Vmm};
use crate::guest::status::TdvmcallStatus;

/// `TDX_MAP_GPA_MAX_LEN`: KVM converts at most 2 MiB per step of MapGPA,
/// and offers RETRY between steps.
pub const MAP_GPA_CHUNK: u64 = 2 << 20;

/// `struct tdx_quote_buf` status `GET_QUOTE_SERVICE_UNAVAILABLE`
/// (torvalds/linux `drivers/virt/coco/tdx-guest/tdx-guest.c`): the status
/// [`GhciVmm`] writes into a GetQuote buffer unless told otherwise.
pub const QUOTE_SERVICE_UNAVAILABLE: u64 = 0x8000_0000_0000_0001;

/// Shared memory the VMM can read and write by GPA (the GetQuote buffer).
pub trait GuestMemory {
    /// Copy `buf.len()` bytes at `gpa` (shared bit cleared) into `buf`;
    /// `false` if any byte is outside the memory.
    fn read(&self, gpa: u64, buf: &mut [u8]) -> bool;
    /// Copy `data` to `gpa` (shared bit cleared); `false` (nothing written)
    /// if any byte is outside the memory.
    fn write(&mut self, gpa: u64, data: &[u8]) -> bool;
}

/// A range of guest memory held by the VMM: `bytes` at GPA `base`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SharedWindow {
    /// The GPA of `bytes[0]`, without the shared bit.
    pub base: u64,
    /// The contents.
    pub bytes: Vec<u8>,
}

impl SharedWindow {
    /// `len` zero bytes at `base`.
    pub fn new(base: u64, len: usize) -> SharedWindow {
        SharedWindow {
            base,
            bytes: vec![0; len],
        }
    }

    fn span(&self, gpa: u64, len: usize) -> Option<core::ops::Range<usize>> {
        let off = usize::try_from(gpa.checked_sub(self.base)?).ok()?;
        let end = off.checked_add(len)?;
        (end <= self.bytes.len()).then_some(off..end)
    }
}

impl GuestMemory for SharedWindow {
    fn read(&self, gpa: u64, buf: &mut [u8]) -> bool {
        match self.span(gpa, buf.len()) {
            Some(s) => {
                buf.copy_from_slice(&self.bytes[s]);
                true
            }
            None => false,
        }
    }

    fn write(&mut self, gpa: u64, data: &[u8]) -> bool {
        match self.span(gpa, data.len()) {
            Some(s) => {
                self.bytes[s].copy_from_slice(data);
                true
            }
            None => false,
        }
    }
}

/// One Instruction.IO the VMM carried out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PortIo {
    /// The port (R14).
    pub port: u16,
    /// The access size in bytes (R12: 1, 2 or 4).
    pub size: u8,
    /// Whether it was a write (R13 = 1).
    pub write: bool,
    /// The value written, or the value the TD read.
    pub value: u64,
}

/// What the TD reported with ReportFatalError.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FatalError {
    /// R12: error code in bits 31:0, bit 63 = R13 valid.
    pub code: u64,
    /// R13: GPA of more error data (meaningful when `code` bit 63 is set).
    pub data_gpa: u64,
    /// The optional 64-byte message, from R14, R15, RBX, RDI, RSI, R8, R9
    /// and RDX in that order, each little-endian; a register the TD did not
    /// expose reads as 0.
    pub message: [u8; 64],
}

impl FatalError {
    /// The message up to its first NUL, if it is UTF-8.
    pub fn message_str(&self) -> Option<&str> {
        let end = self.message.iter().position(|&b| b == 0).unwrap_or(64);
        core::str::from_utf8(&self.message[..end]).ok()
    }
}

/// A GetQuote request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QuoteRequest {
    /// R12: the buffer's GPA, shared bit included.
    pub gpa: u64,
    /// R13: its size.
    pub size: u64,
}

/// Ranges of GPAs (shared bit cleared), as `start → end`, disjoint and not
/// touching.
#[derive(Clone, Default, PartialEq, Eq)]
struct Ranges(BTreeMap<u64, u64>);

impl Ranges {
    fn contains(&self, gpa: u64) -> bool {
        self.0
            .range(..=gpa)
            .next_back()
            .is_some_and(|(_, &end)| gpa < end)
    }

    fn remove(&mut self, start: u64, end: u64) {
        let hit: Vec<(u64, u64)> = self
            .0
            .range(..end)
            .filter(|(_, &e)| e > start)
            .map(|(&s, &e)| (s, e))
            .collect();
        for (s, e) in hit {
            self.0.remove(&s);
            if s < start {
                self.0.insert(s, start);
            }
            if e > end {
                self.0.insert(end, e);
            }
        }
    }

    fn insert(&mut self, start: u64, end: u64) {
        let (mut start, mut end) = (start, end);
        let touching: Vec<(u64, u64)> = self
            .0
            .range(..=end)
            .filter(|(_, &e)| e >= start)
            .map(|(&s, &e)| (s, e))
            .collect();
        for (s, e) in touching {
            self.0.remove(&s);
            start = start.min(s);
            end = end.max(e);
        }
        self.0.insert(start, end);
    }
}

/// A VMM with the GHCI calls a guest kernel makes at boot, answered as KVM
/// answers them; everything else gets `TDVMCALL_STATUS_SUBFUNC_UNSUPPORTED`.
///
/// | call (R11) | what it does |
/// |---|---|
/// | Instruction.CPUID (0xA) | R12-R15 = EAX, EBX, ECX, EDX from the table ([`GhciVmm::set_cpuid`]); a leaf not in it reads as zeros |
/// | Instruction.HLT (0xC) | counts the halt, with R12 (interrupts blocked) |
/// | Instruction.IO (0x1E) | logs it ([`GhciVmm::io_log`]); a read returns the port's value ([`GhciVmm::set_port`], else all ones) in R11, cut to the size; a size other than 1, 2, 4 or a direction other than 0, 1: INVALID_OPERAND |
/// | Instruction.RDMSR (0x1F) | R11 = the MSR's value; an MSR not in the map: INVALID_OPERAND |
/// | Instruction.WRMSR (0x20) | stores R13 as the MSR's value; an MSR made read-only: INVALID_OPERAND |
/// | GetTdVmCallInfo (0x10000) | leaf 0: R11-R14 = 0; leaf 1: the words set with [`GhciVmm::set_td_vm_call_info`]; others: INVALID_OPERAND |
/// | MapGPA (0x10001) | converts the range to shared (shared bit set in R12) or private, 2 MiB at a time; with [`GhciVmm::set_events_pending`] it stops after each 2 MiB with RETRY and R11 = where to resume; errors as KVM's (below) with R11 = R12 |
/// | GetQuote (0x10002) | records the request; a private GPA: INVALID_OPERAND; a GPA or size not 4 KiB aligned: ALIGN_ERROR; with memory ([`GhciVmm::set_memory`]) writes the fixed status into the buffer header and `out_len` = 0, else (no memory, or the buffer not in it) INVALID_OPERAND |
/// | ReportFatalError (0x10003) | keeps the code, GPA and message, and stops the TD ([`VmcallExit::stop`]) unless [`GhciVmm::set_resume_after_fatal`] |
/// | anything else, and vendor calls (R10 ≠ 0) | SUBFUNC_UNSUPPORTED |
///
/// MapGPA checks, in KVM's order (`tdx_map_gpa`): the range wraps, leaves
/// the GPA width, or starts and ends on different sides of the shared bit:
/// INVALID_OPERAND; GPA or size not 4 KiB aligned: ALIGN_ERROR. KVM's
/// answer when user space has not enabled the MapGPA exit
/// (SUBFUNC_UNSUPPORTED) is not modelled.
///
/// Simplifications: no interrupt controller (HLT returns at once, and
/// "events pending" is a switch, not a state); no KVM hypercalls; the
/// CPUID table is exact, with no KVM fix-ups; GetQuote never produces a
/// quote.
pub struct GhciVmm {
    gpa_width: u8,
    events_pending: bool,
    resume_after_fatal: bool,
    cpuid: BTreeMap<(u32, u32), [u32; 4]>,
    msrs: BTreeMap<u32, u64>,
    readonly_msrs: Vec<u32>,
    ports: BTreeMap<u16, u64>,
    io_log: Vec<PortIo>,
    halts: Vec<bool>,
    td_vm_call_info: [u64; 4],
    shared: Ranges,
    fatal: Option<FatalError>,
    quote_status: u64,
    quotes: Vec<QuoteRequest>,
    memory: Option<Box<dyn GuestMemory + Send>>,
}

impl Default for GhciVmm {
    fn default() -> GhciVmm {
        GhciVmm::new()
    }
}

impl fmt::Debug for GhciVmm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GhciVmm")
            .field("gpa_width", &self.gpa_width)
            .field("events_pending", &self.events_pending)
            .field("shared_ranges", &self.shared_ranges())
            .field("io_log", &self.io_log.len())
            .field("halts", &self.halts.len())
            .field("fatal", &self.fatal)
            .field("quotes", &self.quotes)
            .finish_non_exhaustive()
    }
}

impl GhciVmm {
    /// A VMM for a TD with a 48-bit GPA width (shared bit 47), no events
    /// pending, empty tables, all memory private.
    pub fn new() -> GhciVmm {
        GhciVmm {
            gpa_width: 48,
            events_pending: false,
            resume_after_fatal: false,
            cpuid: BTreeMap::new(),
            msrs: BTreeMap::new(),
            readonly_msrs: Vec::new(),
            ports: BTreeMap::new(),
            io_log: Vec::new(),
            halts: Vec::new(),
            td_vm_call_info: [0; 4],
            shared: Ranges::default(),
            fatal: None,
            quote_status: QUOTE_SERVICE_UNAVAILABLE,
            quotes: Vec::new(),
            memory: None,
        }
    }

    /// The TD's GPA width, 48 or 52 (TDG.VP.INFO's GPAW); the shared bit is
    /// bit `width - 1`. Other values are taken as 52.
    pub fn set_gpa_width(&mut self, width: u8) -> &mut Self {
        self.gpa_width = if width == 48 { 48 } else { 52 };
        self
    }

    /// The shared bit of GPAs.
    pub const fn shared_bit(&self) -> u64 {
        1 << (self.gpa_width - 1)
    }

    /// Whether events are pending: MapGPA then stops with RETRY after
    /// every 2 MiB it converted, as KVM does while an interrupt waits.
    pub fn set_events_pending(&mut self, pending: bool) -> &mut Self {
        self.events_pending = pending;
        self
    }

    /// Resume the TD after ReportFatalError (R10 = SUCCESS) instead of
    /// stopping it.
    pub fn set_resume_after_fatal(&mut self, resume: bool) -> &mut Self {
        self.resume_after_fatal = resume;
        self
    }

    /// CPUID leaf `leaf`, sub-leaf `subleaf` answers `[eax, ebx, ecx, edx]`.
    pub fn set_cpuid(&mut self, leaf: u32, subleaf: u32, regs: [u32; 4]) -> &mut Self {
        self.cpuid.insert((leaf, subleaf), regs);
        self
    }

    /// MSR `msr` holds `value` (RDMSR reads it, WRMSR replaces it).
    pub fn set_msr(&mut self, msr: u32, value: u64) -> &mut Self {
        self.msrs.insert(msr, value);
        self
    }

    /// WRMSR of `msr` fails with INVALID_OPERAND.
    pub fn set_msr_readonly(&mut self, msr: u32) -> &mut Self {
        self.readonly_msrs.push(msr);
        self
    }

    /// The value of MSR `msr`, if it has one.
    pub fn msr(&self, msr: u32) -> Option<u64> {
        self.msrs.get(&msr).copied()
    }

    /// Reads of `port` return `value` (cut to the access size); ports
    /// without a value read as all ones.
    pub fn set_port(&mut self, port: u16, value: u64) -> &mut Self {
        self.ports.insert(port, value);
        self
    }

    /// Every port access, oldest first.
    pub fn io_log(&self) -> &[PortIo] {
        &self.io_log
    }

    /// Every HLT, oldest first: whether the TD said interrupts were
    /// blocked (R12 ≠ 0).
    pub fn halts(&self) -> &[bool] {
        &self.halts
    }

    /// GetTdVmCallInfo leaf 1 answers these four words in R11-R14.
    pub fn set_td_vm_call_info(&mut self, words: [u64; 4]) -> &mut Self {
        self.td_vm_call_info = words;
        self
    }

    /// Whether the GPA (shared bit ignored) is shared.
    pub fn is_shared(&self, gpa: u64) -> bool {
        self.shared.contains(gpa & !self.shared_bit())
    }

    /// The shared ranges `[start, end)` (GPAs without the shared bit), in
    /// order.
    pub fn shared_ranges(&self) -> Vec<(u64, u64)> {
        self.shared.0.iter().map(|(&s, &e)| (s, e)).collect()
    }

    /// What the TD reported with ReportFatalError, the last time.
    pub fn fatal_error(&self) -> Option<&FatalError> {
        self.fatal.as_ref()
    }

    /// The status written into a GetQuote buffer's header.
    pub fn set_quote_status(&mut self, status: u64) -> &mut Self {
        self.quote_status = status;
        self
    }

    /// Every GetQuote request, oldest first.
    pub fn quotes(&self) -> &[QuoteRequest] {
        &self.quotes
    }

    /// The shared memory GetQuote buffers live in.
    pub fn set_memory(&mut self, memory: Box<dyn GuestMemory + Send>) -> &mut Self {
        self.memory = Some(memory);
        self
    }

    /// The shared memory, if set.
    pub fn memory(&self) -> Option<&dyn GuestMemory> {
        self.memory.as_deref().map(|m| m as &dyn GuestMemory)
    }

    fn cpuid(&self, g: &mut [u64; 16]) -> TdvmcallStatus {
        let (leaf, sub) = (g[12] as u32, g[13] as u32);
        let [a, b, c, d] = self.cpuid.get(&(leaf, sub)).copied().unwrap_or([0; 4]);
        (g[12], g[13], g[14], g[15]) = (a.into(), b.into(), c.into(), d.into());
        TdvmcallStatus::SUCCESS
    }

    fn io(&mut self, g: &mut [u64; 16]) -> TdvmcallStatus {
        let (size, dir, port) = (g[12], g[13], g[14] as u16);
        let mask = match size {
            1 => 0xFF,
            2 => 0xFFFF,
            4 => 0xFFFF_FFFF,
            _ => return TdvmcallStatus::INVALID_OPERAND,
        };
        let write = match dir {
            0 => false,
            1 => true,
            _ => return TdvmcallStatus::INVALID_OPERAND,
        };
        let value = if write {
            g[15] & mask
        } else {
            let v = self.ports.get(&port).copied().unwrap_or(u64::MAX) & mask;
            g[11] = v;
            v
        };
        self.io_log.push(PortIo {
            port,
            size: size as u8,
            write,
            value,
        });
        TdvmcallStatus::SUCCESS
    }

    fn rdmsr(&self, g: &mut [u64; 16]) -> TdvmcallStatus {
        match self.msrs.get(&(g[12] as u32)) {
            Some(&v) => {
                g[11] = v;
                TdvmcallStatus::SUCCESS
            }
            None => TdvmcallStatus::INVALID_OPERAND,
        }
    }

    fn wrmsr(&mut self, g: &[u64; 16]) -> TdvmcallStatus {
        let msr = g[12] as u32;
        if self.readonly_msrs.contains(&msr) {
            return TdvmcallStatus::INVALID_OPERAND;
        }
        self.msrs.insert(msr, g[13]);
        TdvmcallStatus::SUCCESS
    }

    fn td_vm_call_info(&self, g: &mut [u64; 16]) -> TdvmcallStatus {
        let words = match g[12] {
            0 => [0; 4],
            1 => self.td_vm_call_info,
            _ => return TdvmcallStatus::INVALID_OPERAND,
        };
        (g[11], g[12], g[13], g[14]) = (words[0], words[1], words[2], words[3]);
        TdvmcallStatus::SUCCESS
    }

    /// KVM's `tdx_map_gpa` and `tdx_complete_vmcall_map_gpa`.
    fn map_gpa(&mut self, g: &mut [u64; 16]) -> TdvmcallStatus {
        let (gpa, size) = (g[12], g[13]);
        let shared = self.shared_bit();
        let legal = |a: u64| a >> self.gpa_width == 0;
        let status = match gpa.checked_add(size) {
            Some(end) if end > gpa && legal(gpa) && legal(end - 1) => {
                if (gpa ^ (end - 1)) & shared != 0 {
                    TdvmcallStatus::INVALID_OPERAND
                } else if gpa % 4096 != 0 || size % 4096 != 0 {
                    TdvmcallStatus::ALIGN_ERROR
                } else {
                    TdvmcallStatus::SUCCESS
                }
            }
            _ => TdvmcallStatus::INVALID_OPERAND,
        };
        if status != TdvmcallStatus::SUCCESS {
            g[11] = gpa;
            return status;
        }
        let to_shared = gpa & shared != 0;
        let (mut next, end) = (gpa, gpa + size);
        loop {
            let step = (end - next).min(MAP_GPA_CHUNK);
            let s = next & !shared;
            let e = s + step;
            if to_shared {
                self.shared.insert(s, e);
            } else {
                self.shared.remove(s, e);
            }
            next += step;
            if next >= end {
                return TdvmcallStatus::SUCCESS;
            }
            if self.events_pending {
                g[11] = next;
                return TdvmcallStatus::RETRY;
            }
        }
    }

    fn get_quote(&mut self, g: &[u64; 16]) -> TdvmcallStatus {
        let (gpa, size) = (g[12], g[13]);
        self.quotes.push(QuoteRequest { gpa, size });
        if gpa & self.shared_bit() == 0 {
            return TdvmcallStatus::INVALID_OPERAND;
        }
        if gpa % 4096 != 0 || size % 4096 != 0 {
            return TdvmcallStatus::ALIGN_ERROR;
        }
        let at = gpa & !self.shared_bit();
        let Some(mem) = self.memory.as_mut() else {
            return TdvmcallStatus::INVALID_OPERAND;
        };
        // `struct tdx_quote_buf`: version u64, status u64, in_len u32,
        // out_len u32, data (torvalds/linux
        // drivers/virt/coco/tdx-guest/tdx-guest.c).
        let mut header = [0u8; 24];
        if size < 24 || !mem.read(at, &mut header) {
            return TdvmcallStatus::INVALID_OPERAND;
        }
        header[8..16].copy_from_slice(&self.quote_status.to_le_bytes());
        header[20..24].copy_from_slice(&0u32.to_le_bytes());
        if !mem.write(at, &header) {
            return TdvmcallStatus::INVALID_OPERAND;
        }
        TdvmcallStatus::SUCCESS
    }

    fn report_fatal_error(&mut self, exit: &mut VmcallExit) -> TdvmcallStatus {
        let g = &exit.gprs;
        let mut message = [0u8; 64];
        // R14, R15, RBX, RDI, RSI, R8, R9, RDX (GHCI; Linux `tdx_panic`).
        for (chunk, n) in message.chunks_exact_mut(8).zip([14, 15, 3, 7, 6, 8, 9, 2]) {
            chunk.copy_from_slice(&g[n].to_le_bytes());
        }
        self.fatal = Some(FatalError {
            code: g[12],
            data_gpa: g[13],
            message,
        });
        if !self.resume_after_fatal {
            exit.stop();
        }
        TdvmcallStatus::SUCCESS
    }
}

impl Vmm for GhciVmm {
    fn tdvmcall(&mut self, exit: &mut VmcallExit) {
        let status = if exit.gprs[10] != 0 {
            TdvmcallStatus::SUBFUNC_UNSUPPORTED
        } else {
            match exit.gprs[11] {
                subfn::CPUID => self.cpuid(&mut exit.gprs),
                subfn::HLT => {
                    self.halts.push(exit.gprs[12] != 0);
                    TdvmcallStatus::SUCCESS
                }
                subfn::IO => self.io(&mut exit.gprs),
                subfn::RDMSR => self.rdmsr(&mut exit.gprs),
                subfn::WRMSR => self.wrmsr(&exit.gprs),
                subfn::GET_TD_VM_CALL_INFO => self.td_vm_call_info(&mut exit.gprs),
                subfn::MAP_GPA => self.map_gpa(&mut exit.gprs),
                subfn::GET_QUOTE => self.get_quote(&exit.gprs),
                subfn::REPORT_FATAL_ERROR => self.report_fatal_error(exit),
                _ => TdvmcallStatus::SUBFUNC_UNSUPPORTED,
            }
        };
        exit.gprs[10] = status.raw();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ranges(r: &Ranges) -> Vec<(u64, u64)> {
        r.0.iter().map(|(&s, &e)| (s, e)).collect()
    }

    #[test]
    fn ranges_merge_and_split() {
        let mut r = Ranges::default();
        r.insert(0x1000, 0x3000);
        r.insert(0x5000, 0x6000);
        assert_eq!(ranges(&r), [(0x1000, 0x3000), (0x5000, 0x6000)]);
        r.insert(0x3000, 0x5000); // touches both: one range
        assert_eq!(ranges(&r), [(0x1000, 0x6000)]);
        r.insert(0x2000, 0x4000); // inside: nothing changes
        assert_eq!(ranges(&r), [(0x1000, 0x6000)]);
        r.remove(0x2000, 0x3000);
        assert_eq!(ranges(&r), [(0x1000, 0x2000), (0x3000, 0x6000)]);
        r.remove(0x0, 0x1800);
        assert_eq!(ranges(&r), [(0x1800, 0x2000), (0x3000, 0x6000)]);
        assert!(r.contains(0x1800) && !r.contains(0x2000) && r.contains(0x5FFF));
        assert!(!r.contains(0x6000) && !r.contains(0x17FF));
        r.remove(0x1000, 0x7000);
        assert_eq!(ranges(&r), []);
    }

    #[test]
    fn map_gpa_at_the_top_of_the_shared_half() {
        let mut v = GhciVmm::new();
        let top = 1u64 << 48;
        let mut g = [0u64; 16];
        (g[12], g[13]) = (top - MAP_GPA_CHUNK, MAP_GPA_CHUNK);
        assert_eq!(v.map_gpa(&mut g), TdvmcallStatus::SUCCESS);
        let s = (1 << 47) - MAP_GPA_CHUNK;
        assert_eq!(v.shared_ranges(), [(s, s + MAP_GPA_CHUNK)]);
        (g[12], g[13]) = (top - 0x1000, 0x2000);
        assert_eq!(v.map_gpa(&mut g), TdvmcallStatus::INVALID_OPERAND);
        assert_eq!(g[11], top - 0x1000);
        v.set_gpa_width(52);
        assert_eq!(v.shared_bit(), 1 << 51);
        (g[12], g[13]) = (top - 0x1000, 0x2000); // private, below the new bit
        assert_eq!(v.map_gpa(&mut g), TdvmcallStatus::SUCCESS);
    }
}
