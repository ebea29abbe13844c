//! The guest catalog: every TDG leaf the TDX module 1.5.01 dispatcher
//! accepts, declared with `#[tdcall]`, and the GHCI sub-functions of
//! TDG.VP.VMCALL, declared with `#[tdvmcall]`. One `__guest_catalog!`
//! invocation expands each declaration as the attribute does and emits
//! [`ALL`] from the same validated declarations.
//!
//! Register facts: `tests/data/tdx-abi/guest/tdcall-leaves.tsv` (what module
//! 1.5.01 reads and may write per TDG leaf; the macro checks each
//! `#[tdcall]` against the guest ABI table built from it) and `tdvmcall.tsv`
//! (the GHCI sub-functions; `tests/guest_catalog.rs` compares).

#![allow(clippy::too_many_arguments, clippy::type_complexity)]

use x86_64::PhysAddr;

use super::{TdcallError, TdvmcallError};
use crate::fields::{GlobalField, TdField, VcpuField};
use crate::types::{FieldId, GpaLevel};
use crate::TdxStatus;

seamcall_macros::__guest_catalog! {
    // ----------------------------------------------------------------
    // TDG leaves (TDCALL, RAX = leaf).

    /// Read the TD's execution environment: the GPA width (RCX), the TD's
    /// attributes (RDX), the vCPU counts `NUM_VCPUS | MAX_VCPUS << 32` (R8),
    /// this vCPU's index (R9), the bitmap of optional leaves available
    /// (R10, bit 0: TDG.SYS.RD) and a reserved word (R11).
    #[tdcall(leaf = 1, out = [rcx, rdx, r8, r9, r10, r11], safe, crate = crate)]
    pub fn tdg_vp_info() -> Result<(u64, u64, u64, u64, u64, u64), TdcallError>;

    /// Extend run-time measurement register `index` (0-3) with the 48-byte
    /// SHA-384 digest at `data` (64-byte aligned, private).
    ///
    /// The module saves and restores XMM0-XMM15 around its hash; whether
    /// its crypto code can change the upper YMM halves or MXCSR was not
    /// checked, so the vector registers are declared clobbered.
    ///
    /// # Safety
    /// `data` is the guest physical address of 48 readable private bytes.
    #[tdcall(leaf = 2, in = [rcx, rdx],
             clobber = [xmm0, xmm1, xmm2, xmm3, xmm4, xmm5, xmm6, xmm7, xmm8, xmm9, xmm10,
                        xmm11, xmm12, xmm13, xmm14, xmm15],
             crate = crate)]
    pub unsafe fn tdg_mr_rtmr_extend(data: PhysAddr, index: u64) -> Result<(), TdcallError>;

    /// Read and clear the information of the pending #VE: exit reason
    /// (RCX), exit qualification (RDX), guest linear address (R8), guest
    /// physical address (R9), instruction length | information << 32 (R10).
    /// Without a pending #VE the status is `TDX_NO_VALID_VE_INFO`.
    #[tdcall(leaf = 3, out = [rcx, rdx, r8, r9, r10], safe, crate = crate)]
    pub fn tdg_vp_veinfo_get() -> Result<(u64, u64, u64, u64, u64), TdcallError>;

    /// Write the 1024-byte TDREPORT_STRUCT for the 64 bytes of REPORTDATA
    /// at `report_data` to `report` (sub-type 0). Re-executes by itself
    /// when an interrupt arrives.
    ///
    /// # Safety
    /// `report` is 1024 writable bytes, 1024-aligned; `report_data` 64
    /// readable bytes, 64-aligned (guest physical addresses).
    #[tdcall(leaf = 4, in = [rcx, rdx, r8],
             clobber = [xmm0, xmm1, xmm2, xmm3, xmm4, xmm5, xmm6, xmm7, xmm8, xmm9, xmm10,
                        xmm11, xmm12, xmm13, xmm14, xmm15],
             crate = crate)]
    pub unsafe fn tdg_mr_report(
        report: PhysAddr, report_data: PhysAddr, subtype: u64,
    ) -> Result<(), TdcallError>;

    /// Choose whether CPUID raises #VE: bit 0 at CPL 0, bit 1 at CPL > 0.
    ///
    /// # Safety
    /// The TD's #VE handler must handle the CPUID #VEs this enables.
    #[tdcall(leaf = 5, in = [rcx], crate = crate)]
    pub unsafe fn tdg_vp_cpuidve_set(flags: u64) -> Result<(), TdcallError>;

    /// Accept the pending private page at `page` (4 KiB or 2 MiB level).
    /// A page accepted before returns `TDX_PAGE_ALREADY_ACCEPTED` with the
    /// level in bits 31:0, which [`TdcallError::info`] recognises at every
    /// level; `TDX_PAGE_SIZE_MISMATCH` asks for the smaller level.
    ///
    /// # Safety
    /// The page's contents become the TD's: the caller owns that memory.
    #[tdcall(leaf = 6, in = [rcx], crate = crate)]
    pub unsafe fn tdg_mem_page_accept(page: GpaLevel) -> Result<(), TdcallError>;

    /// Read a TD-scope metadata field ([`TdField`]; a field of another scope
    /// does not compile) of VM `vm` (0: this TD, the only value module
    /// 1.5.01 accepts). The guest read masks of the fields apply.
    #[tdcall(leaf = 7, in = [rcx, rdx], out = [r8], safe, crate = crate)]
    pub fn tdg_vm_rd(vm: u64, field: TdField) -> Result<u64, TdcallError>;

    /// TDG.VM.RD version 1: the field's value (R8) and the next field ID
    /// (RDX, -1 after the last). The null field ID returns the first field
    /// ID with `TDX_METADATA_FIRST_FIELD_ID_IN_CONTEXT` (raw form: the
    /// outputs are kept whatever the status).
    #[tdcall(leaf = 7, version = 1, in = [rcx, rdx], out = [rdx, r8], safe, crate = crate)]
    pub fn tdg_vm_rd_v1(vm: u64, field: TdField) -> (TdxStatus, (FieldId, u64));

    /// Write the bits of `mask` of a TD-scope metadata field; returns the
    /// previous value.
    ///
    /// # Safety
    /// Changing TD-scope metadata changes how the module runs the TD.
    #[tdcall(leaf = 8, in = [rcx, rdx, r8, r9], out = [r8], crate = crate)]
    pub unsafe fn tdg_vm_wr(vm: u64, field: TdField, value: u64, mask: u64)
        -> Result<u64, TdcallError>;

    /// Read a vCPU-scope metadata field: the value (R8) and the next field
    /// ID (RDX), as [`tdg_vm_rd_v1`].
    #[tdcall(leaf = 9, in = [rcx, rdx], out = [rdx, r8], safe, crate = crate)]
    pub fn tdg_vp_rd(vm: u64, field: VcpuField) -> (TdxStatus, (FieldId, u64));

    /// Write the bits of `mask` of a vCPU-scope metadata field; returns the
    /// previous value.
    ///
    /// # Safety
    /// Changing vCPU-scope metadata changes how the module runs this vCPU.
    #[tdcall(leaf = 10, in = [rcx, rdx, r8, r9], out = [r8], crate = crate)]
    pub unsafe fn tdg_vp_wr(vm: u64, field: VcpuField, value: u64, mask: u64)
        -> Result<u64, TdcallError>;

    /// Read a global (TDX module) metadata field: the value (R8) and the
    /// next field ID (RDX).
    #[tdcall(leaf = 11, in = [rdx], out = [rdx, r8], safe, crate = crate)]
    pub fn tdg_sys_rd(field: GlobalField) -> (TdxStatus, (FieldId, u64));

    /// Write the global metadata fields from `first` on into the 4 KiB
    /// page at `list`; returns the next field ID to read (-1 when done).
    ///
    /// # Safety
    /// `list` is a 4 KiB-aligned private page the module may overwrite.
    #[tdcall(leaf = 12, in = [rdx, r8], out = [r8], crate = crate)]
    pub unsafe fn tdg_sys_rdall(list: PhysAddr, first: GlobalField) -> Result<FieldId, TdcallError>;

    /// Read a metadata field of the target TD bound to this service TD
    /// through `binding`: the next field ID (RDX), the value (R8) and, with
    /// `TDX_TARGET_UUID_UPDATED`, the target's current UUID (R10-R13).
    ///
    /// # Safety
    /// `binding` is a binding handle of this service TD.
    #[tdcall(leaf = 18, in = [rcx, rdx, r10, r11, r12, r13],
             out = [rdx, r8, r10, r11, r12, r13],
             clobber = [xmm0, xmm1, xmm2, xmm3, xmm4, xmm5, xmm6, xmm7, xmm8, xmm9, xmm10,
                        xmm11, xmm12, xmm13, xmm14, xmm15],
             crate = crate)]
    pub unsafe fn tdg_servtd_rd(
        binding: u64, field: FieldId, uuid0: u64, uuid1: u64, uuid2: u64, uuid3: u64,
    ) -> (TdxStatus, (FieldId, u64, u64, u64, u64, u64));

    /// Write the bits of `mask` of a metadata field of the bound target TD:
    /// the previous value (R8) and, with `TDX_TARGET_UUID_UPDATED`, the
    /// target's current UUID (R10-R13).
    ///
    /// # Safety
    /// `binding` is a binding handle of this service TD, with write access.
    #[tdcall(leaf = 20, in = [rcx, rdx, r8, r9, r10, r11, r12, r13],
             out = [r8, r10, r11, r12, r13],
             clobber = [xmm0, xmm1, xmm2, xmm3, xmm4, xmm5, xmm6, xmm7, xmm8, xmm9, xmm10,
                        xmm11, xmm12, xmm13, xmm14, xmm15],
             crate = crate)]
    pub unsafe fn tdg_servtd_wr(
        binding: u64, field: FieldId, value: u64, mask: u64,
        uuid0: u64, uuid1: u64, uuid2: u64, uuid3: u64,
    ) -> (TdxStatus, (u64, u64, u64, u64, u64));

    /// Verify the MAC of the 256-byte REPORTMACSTRUCT at `report_mac`.
    ///
    /// # Safety
    /// `report_mac` is 256 readable private bytes, 256-aligned.
    #[tdcall(leaf = 22, in = [rcx], crate = crate)]
    pub unsafe fn tdg_mr_verifyreport(report_mac: PhysAddr) -> Result<(), TdcallError>;

    /// Read the attributes of the private page at `gpa`: its mapping
    /// (RCX: level, GPA, PENDING in bit 62) and the attributes per VM
    /// (RDX, 16 bits each).
    #[tdcall(leaf = 23, in = [rcx], out = [rcx, rdx], safe, crate = crate)]
    pub fn tdg_mem_page_attr_rd(gpa: PhysAddr) -> Result<(u64, u64), TdcallError>;

    /// Change the L2 attributes of the page at `page`; returns the mapping
    /// (RCX) and the resulting attributes (RDX), or on
    /// `TDX_PAGE_ATTR_INVALID` the current ones (raw form).
    ///
    /// # Safety
    /// Changes what the L2 VMs may do with the page.
    #[tdcall(leaf = 24, in = [rcx, rdx, r8], out = [rcx, rdx], crate = crate)]
    pub unsafe fn tdg_mem_page_attr_wr(
        page: GpaLevel, attributes: u64, mask: u64,
    ) -> (TdxStatus, (u64, u64));

    /// Enter the L2 VM selected by `flags` (bits 53:52) with the guest state
    /// at `state`, and return when it exits. The status carries the exit
    /// case and the L2 exit reason in bits 31:0; `TDX_SUCCESS` with reason 0
    /// (an exception or NMI exit) still changes the registers. The module
    /// returns the L2's values in every general register but RSP, RBP
    /// included, and leaves the L2's vector state in the XMM registers: RBX
    /// and RBP are saved inside the block, every XMM register is a clobber,
    /// and the registers are zeroed once read (`scrub`). The outputs are
    /// compiler-managed values, never stores through a register the L2
    /// chose.
    ///
    /// # Safety
    /// `state` is the 256-byte-aligned private L2_ENTER_GUEST_STATE of an
    /// L2 VM this TD configured; the caller handles the exit.
    #[tdcall(leaf = 25, in = [rcx, rdx],
             out = [rcx, rdx, rbx, rsi, rdi, r8, r9, r10, r11, r12, r13, r14, r15],
             clobber = [rbp, xmm0, xmm1, xmm2, xmm3, xmm4, xmm5, xmm6, xmm7, xmm8, xmm9, xmm10,
                        xmm11, xmm12, xmm13, xmm14, xmm15],
             scrub, crate = crate)]
    pub unsafe fn tdg_vp_enter(
        flags: u64, state: PhysAddr,
    ) -> (TdxStatus, (u64, u64, u64, u64, u64, u64, u64, u64, u64, u64, u64, u64, u64));

    /// Invalidate the cached EPT translations of the L2 VMs in `vms`
    /// (bitmap, bit 0 must be 0).
    ///
    /// # Safety
    /// Affects the L2 VMs' translations.
    #[tdcall(leaf = 26, in = [rcx], crate = crate)]
    pub unsafe fn tdg_vp_invept(vms: u64) -> Result<(), TdcallError>;

    /// Invalidate the L2 translations of one guest linear address, or (flag
    /// bit 0) of a list; returns RDX, which list mode advances (also when an
    /// interrupt stops it and the call re-executes).
    ///
    /// # Safety
    /// In list mode `gla` points to a private GLA list.
    #[tdcall(leaf = 27, in = [rcx, rdx], out = [rdx], crate = crate)]
    pub unsafe fn tdg_vp_invvpid(flags: u64, gla: u64) -> Result<u64, TdcallError>;

    // ----------------------------------------------------------------
    // TDG.VP.VMCALL: GHCI sub-functions (R10 = 0, R11 = sub-function).

    /// Instruction.CPUID: the VMM's CPUID `leaf`/`subleaf`; returns EAX,
    /// EBX, ECX, EDX.
    ///
    /// # Safety
    /// The values come from the untrusted VMM.
    #[tdvmcall(subfn = 0xA, in = [r12, r13], out = [r12, r13, r14, r15], crate = crate)]
    pub unsafe fn tdvmcall_cpuid(leaf: u32, subleaf: u32)
        -> Result<(u32, u32, u32, u32), TdvmcallError>;

    /// Instruction.HLT: halt the vCPU until an interrupt;
    /// `interrupt_blocked` is true when RFLAGS.IF was 0.
    #[tdvmcall(subfn = 0xC, in = [r12], safe, crate = crate)]
    pub fn tdvmcall_hlt(interrupt_blocked: bool) -> Result<(), TdvmcallError>;

    /// Instruction.IO: a port access of `size` bytes (1, 2, 4), `write`
    /// (0 read, 1 write) with `value`; returns the value read.
    ///
    /// # Safety
    /// The port's device is the caller's to drive.
    #[tdvmcall(subfn = 0x1E, in = [r12, r13, r14, r15], out = [r11], crate = crate)]
    pub unsafe fn tdvmcall_io(size: u64, write: u64, port: u16, value: u64)
        -> Result<u64, TdvmcallError>;

    /// Instruction.RDMSR: the VMM's value of MSR `msr`.
    ///
    /// # Safety
    /// The value comes from the untrusted VMM.
    #[tdvmcall(subfn = 0x1F, in = [r12], out = [r11], crate = crate)]
    pub unsafe fn tdvmcall_rdmsr(msr: u32) -> Result<u64, TdvmcallError>;

    /// Instruction.WRMSR: write `value` to MSR `msr` through the VMM.
    ///
    /// # Safety
    /// The MSR's effect is the caller's responsibility.
    #[tdvmcall(subfn = 0x20, in = [r12, r13], crate = crate)]
    pub unsafe fn tdvmcall_wrmsr(msr: u32, value: u64) -> Result<(), TdvmcallError>;

    /// #VE.RequestMMIO: an MMIO access of `size` bytes (1, 2, 4, 8) at the
    /// shared `gpa`, `write` (0 read, 1 write) with `value`; returns the
    /// value read.
    ///
    /// # Safety
    /// `gpa` is shared MMIO the caller may access.
    #[tdvmcall(subfn = 0x30, in = [r12, r13, r14, r15], out = [r11], crate = crate)]
    pub unsafe fn tdvmcall_mmio(size: u64, write: u64, gpa: u64, value: u64)
        -> Result<u64, TdvmcallError>;

    /// Instruction.WBINVD: ask the VMM to write back and invalidate caches
    /// (`operation` in R12). The register contract is known from
    /// Intel's tdx-guest crate only; KVM answers SUBFUNC_UNSUPPORTED.
    ///
    /// # Safety
    /// Cache operations affect the whole TD.
    #[tdvmcall(subfn = 0x36, in = [r12], crate = crate)]
    pub unsafe fn tdvmcall_wbinvd(operation: u64) -> Result<(), TdvmcallError>;

    /// Instruction.PCONFIG: PCONFIG `leaf` with three arguments (R13-R15);
    /// returns R11. Register contract from Intel's tdx-guest crate only.
    ///
    /// # Safety
    /// PCONFIG changes platform configuration.
    #[tdvmcall(subfn = 0x41, in = [r12, r13, r14, r15], out = [r11], crate = crate)]
    pub unsafe fn tdvmcall_pconfig(leaf: u64, a: u64, b: u64, c: u64)
        -> Result<u64, TdvmcallError>;

    /// GetTdVmCallInfo: the four capability words of `leaf` (0 = base).
    #[tdvmcall(subfn = 0x10000, in = [r12], out = [r11, r12, r13, r14], safe, crate = crate)]
    pub fn tdvmcall_get_td_vm_call_info(leaf: u64)
        -> Result<(u64, u64, u64, u64), TdvmcallError>;

    /// MapGPA: convert `size` bytes from `gpa` to shared (shared bit set)
    /// or private. On `TDVMCALL_STATUS_RETRY` R11 holds the GPA to resume
    /// at, so this returns the raw form: the outcome and R11 whatever
    /// happened. Check that the resume address lies in the range before
    /// following it (the VMM chose it).
    ///
    /// # Safety
    /// Converting private memory to shared discards its contents and
    /// exposes the range to the VMM.
    #[tdvmcall(subfn = 0x10001, in = [r12, r13], out = [r11], crate = crate)]
    pub unsafe fn tdvmcall_map_gpa(gpa: u64, size: u64) -> (Result<(), TdvmcallError>, u64);

    /// GetQuote: ask the VMM for a quote of the TDREPORT in the shared
    /// buffer at `gpa` (shared bit set) of `size` bytes; completion is
    /// polled in the buffer.
    ///
    /// # Safety
    /// The buffer is shared and the VMM writes it.
    #[tdvmcall(subfn = 0x10002, in = [r12, r13], crate = crate)]
    pub unsafe fn tdvmcall_get_quote(gpa: u64, size: u64) -> Result<(), TdvmcallError>;

    /// ReportFatalError: report error `code` (bit 63: `data_gpa` valid)
    /// to the VMM, which is expected to stop the TD. Callers loop on it;
    /// each iteration sends the same registers (they are inputs, the VMM's
    /// changes are discarded).
    #[tdvmcall(subfn = 0x10003, in = [r12, r13], safe, crate = crate)]
    pub fn tdvmcall_report_fatal_error(code: u64, data_gpa: u64) -> Result<(), TdvmcallError>;

    /// ReportFatalError with the optional 64-byte message, in R14, R15,
    /// RBX, RDI, RSI, R8, R9, RDX (that order): Linux's mask `0xFFCC`.
    #[tdvmcall(subfn = 0x10003, in = [r12, r13, r14, r15, rbx, rdi, rsi, r8, r9, rdx],
               safe, crate = crate)]
    pub fn tdvmcall_report_fatal_error_message(
        code: u64, data_gpa: u64, m0: u64, m1: u64, m2: u64, m3: u64, m4: u64, m5: u64,
        m6: u64, m7: u64,
    ) -> Result<(), TdvmcallError>;

    /// SetupEventNotifyInterrupt: the vector (32-255) the VMM raises when a
    /// GetQuote or Service request completes.
    ///
    /// # Safety
    /// The TD must handle interrupts on `vector`.
    #[tdvmcall(subfn = 0x10004, in = [r12], crate = crate)]
    pub unsafe fn tdvmcall_setup_event_notify_interrupt(vector: u64)
        -> Result<(), TdvmcallError>;

    /// Service: send the command in the shared 4 KiB buffer at `command`
    /// and let the VMM answer into `response` (shared GPAs), notifying on
    /// `vector` (0: none) within `timeout`.
    ///
    /// # Safety
    /// Both buffers are shared and the VMM writes `response`.
    #[tdvmcall(subfn = 0x10005, in = [r12, r13, r14, r15], crate = crate)]
    pub unsafe fn tdvmcall_service(command: u64, response: u64, vector: u64, timeout: u64)
        -> Result<(), TdvmcallError>;

    // ----------------------------------------------------------------
    // TDG.VP.VMCALL: vendor-specific calls (R10 != 0).

    /// A KVM hypercall: number `nr` (R10, non-zero) with arguments 1-4 in
    /// R11-R14; returns KVM's result from R10. A non-zero result is KVM's,
    /// not a GHCI status.
    ///
    /// # Safety
    /// Hypercalls act on the TD as KVM defines them.
    #[tdvmcall(in = [r10, r11, r12, r13, r14], out = [r10], crate = crate)]
    pub unsafe fn tdvmcall_kvm_hypercall(nr: u64, a1: u64, a2: u64, a3: u64, a4: u64)
        -> Result<u64, TdvmcallError>;

    /// A Hyper-V hypercall: `control` (R10), input parameter or page (RDX),
    /// output parameter or page (R8); returns the Hyper-V status from R11,
    /// which goes in as 0.
    ///
    /// # Safety
    /// Pages named by `input`/`output` are shared and the host reads or
    /// writes them.
    #[tdvmcall(in = [r10, rdx, r8], out = [r11], crate = crate)]
    pub unsafe fn tdvmcall_hyperv_hypercall(control: u64, input: u64, output: u64)
        -> Result<u64, TdvmcallError>;
}
