//! The declarations. One `__catalog!` invocation expands each of them as
//! `#[seamcall]` does and emits [`ALL`] from the same validated tree.
//!
//! Register facts: `tests/data/tdx-abi/leaves.tsv` (what Linux passes and
//! reads), `leaves-2.0.tsv` (the leaves Linux does not know), and
//! `writes.tsv` / `writes-2.0.tsv` (what modules 1.5.01, 1.5.25, 1.5.34 and
//! 2.0.18 may write); the macro checks each declaration against the ABI
//! table built from them, and accepts it only if it is safe on every audited
//! release that accepts the leaf at its version.

#![allow(clippy::too_many_arguments, clippy::type_complexity)]

use x86_64::PhysAddr;

use crate::fields::{GlobalField, TdField, VcpuField};
use crate::types::{FieldId, GpaLevel, Hkid, PageSize, SeptEntry, SeptLevelState};
use crate::{SeamcallError, TdxStatus};

use super::options::{Reserved, SysConfigOptions};

seamcall_macros::__catalog! {
    // ----------------------------------------------------------------
    // Leaves mainline Linux calls (arch/x86/virt/vmx/tdx/tdx.c).

    /// Enter the TD vCPU whose TDVPR page is `tdvpr`, and return when it
    /// exits. The status is the exit reason; the registers carry the exit
    /// details, or the guest's values for a TDG.VP.VMCALL exit, and go in
    /// with the values a previous TDG.VP.VMCALL should see returned.
    ///
    /// The module may change every general register but RSP and the XMM
    /// registers, so RBX and RBP are saved inside the block and every XMM
    /// register is a clobber. RBP: module 1.5.01 zeroes it on every
    /// asynchronous exit; from 1.5.06 on it is kept on every exit path when
    /// the TD's `CONFIG_FLAGS.NO_RBP_MOD` is 1 (as Linux sets it) and zeroed
    /// otherwise (`TDH.VP.ENTER` rows of `tests/data/tdx-abi/writes.tsv` and
    /// `writes-2.0.tsv`); the block restores it either way.
    /// Once the outputs were read, the registers the module wrote are zeroed
    /// (`scrub`) as Linux does; copies of guest values the compiler made
    /// before that (in other registers or on the stack) are not. Not
    /// re-issued on `TDX_RND_NO_ENTROPY` (Linux does not either). In a
    /// kernel, save the user task's FPU state first (Linux's
    /// `kernel_fpu_begin()`, KVM's guest FPU swap): the module replaces the
    /// XMM registers, which a clobber only tells the compiler about.
    ///
    /// # Safety
    /// `tdvpr` is the TDVPR page of an initialized vCPU of a TD this host
    /// created; the caller handles the exit as the TDX ABI requires.
    #[seamcall(
        leaf = 0,
        in = [rcx, rdx, r8, r9, r10, r11, r12, r13, r14, r15, rbx, rdi, rsi],
        out = [rcx, rdx, r8, r9, r10, r11, r12, r13, r14, r15, rbx, rdi, rsi],
        clobber = [rbp, xmm0, xmm1, xmm2, xmm3, xmm4, xmm5, xmm6, xmm7, xmm8, xmm9, xmm10,
                   xmm11, xmm12, xmm13, xmm14, xmm15],
        scrub,
        crate = crate
    )]
    pub unsafe fn tdh_vp_enter(
        tdvpr: PhysAddr, rdx: u64, r8: u64, r9: u64, r10: u64, r11: u64, r12: u64, r13: u64,
        r14: u64, r15: u64, rbx: u64, rdi: u64, rsi: u64,
    ) -> (TdxStatus, (u64, u64, u64, u64, u64, u64, u64, u64, u64, u64, u64, u64, u64));

    /// Add a TDCS page (`tdcs_page`) to the TD whose root is `tdr`.
    ///
    /// # Safety
    /// `tdcs_page` is a page the host gives up to the TD; `tdr` is a TDR page.
    #[seamcall(leaf = 1, in = [rcx, rdx], retry = 10, crate = crate)]
    pub unsafe fn tdh_mng_addcx(tdcs_page: PhysAddr, tdr: PhysAddr) -> Result<(), SeamcallError>;

    /// Add a page to a TD before it is finalized: copy `source` into `page`,
    /// map it at `gpa`, and extend the TD's measurement. On failure the
    /// S-EPT entry and its level/state explain why.
    ///
    /// # Safety
    /// `page` is a free page handed to the TD; `source` is readable; `tdr`
    /// is the TD's TDR page.
    #[seamcall(leaf = 2, in = [rcx, rdx, r8, r9], out = [rcx, rdx], retry = 10, crate = crate)]
    pub unsafe fn tdh_mem_page_add(
        gpa: GpaLevel, tdr: PhysAddr, page: PhysAddr, source: PhysAddr,
    ) -> (TdxStatus, (SeptEntry, SeptLevelState));

    /// Add a secure-EPT page (`sept_page`) to map `gpa` at the given level.
    ///
    /// # Safety
    /// `sept_page` is a free page handed to the TD; `tdr` is the TD's TDR page.
    #[seamcall(leaf = 3, in = [rcx, rdx, r8], out = [rcx, rdx], retry = 10, crate = crate)]
    pub unsafe fn tdh_mem_sept_add(
        gpa: GpaLevel, tdr: PhysAddr, sept_page: PhysAddr,
    ) -> (TdxStatus, (SeptEntry, SeptLevelState));

    /// Add a TDCX page (`tdcx_page`) to the vCPU whose TDVPR page is `tdvpr`.
    ///
    /// # Safety
    /// `tdcx_page` is a page the host gives up to the TD.
    #[seamcall(leaf = 4, in = [rcx, rdx], retry = 10, crate = crate)]
    pub unsafe fn tdh_vp_addcx(tdcx_page: PhysAddr, tdvpr: PhysAddr) -> Result<(), SeamcallError>;

    /// Map `page` at `gpa` in a running TD, pending the guest's acceptance.
    ///
    /// # Safety
    /// `page` is a free page handed to the TD; `tdr` is the TD's TDR page.
    #[seamcall(leaf = 6, in = [rcx, rdx, r8], out = [rcx, rdx], retry = 10, crate = crate)]
    pub unsafe fn tdh_mem_page_aug(
        gpa: GpaLevel, tdr: PhysAddr, page: PhysAddr,
    ) -> (TdxStatus, (SeptEntry, SeptLevelState));

    /// Block the S-EPT entry mapping `gpa`, the first step of removing or
    /// changing a private mapping.
    ///
    /// # Safety
    /// `tdr` is the TD's TDR page.
    #[seamcall(leaf = 7, in = [rcx, rdx], out = [rcx, rdx], retry = 10, crate = crate)]
    pub unsafe fn tdh_mem_range_block(
        gpa: GpaLevel, tdr: PhysAddr,
    ) -> (TdxStatus, (SeptEntry, SeptLevelState));

    /// Program the TD's key (its HKID) on the current package.
    ///
    /// # Safety
    /// `tdr` is the TD's TDR page.
    #[seamcall(leaf = 8, in = [rcx], retry = 10, crate = crate)]
    pub unsafe fn tdh_mng_key_config(tdr: PhysAddr) -> Result<(), SeamcallError>;

    /// Create a TD: turn `tdr` into its TDR page and bind it to `hkid`.
    ///
    /// # Safety
    /// `tdr` is a free page handed to the module; `hkid` is a free private
    /// key ID.
    #[seamcall(leaf = 9, in = [rcx, rdx], retry = 10, crate = crate)]
    pub unsafe fn tdh_mng_create(tdr: PhysAddr, hkid: Hkid) -> Result<(), SeamcallError>;

    /// Create a vCPU of the TD `tdr`, with `tdvpr` as its TDVPR page.
    ///
    /// # Safety
    /// `tdvpr` is a free page handed to the TD; `tdr` is the TD's TDR page.
    #[seamcall(leaf = 10, in = [rcx, rdx], retry = 10, crate = crate)]
    pub unsafe fn tdh_vp_create(tdvpr: PhysAddr, tdr: PhysAddr) -> Result<(), SeamcallError>;

    /// Read the TD-scope metadata field `field` of the TD `tdr`: one
    /// element, such as `fields::td::MRTD.element(i)?` (a
    /// [`TdField`](crate::fields::TdField); fields of other scopes do not
    /// type-check).
    ///
    /// # Safety
    /// `tdr` is the TD's TDR page.
    #[seamcall(leaf = 11, in = [rcx, rdx], out = [r8], retry = 10, crate = crate)]
    pub unsafe fn tdh_mng_rd(tdr: PhysAddr, field: TdField) -> Result<u64, SeamcallError>;

    /// Extend the TD's build-time measurement (MRTD) with the 256 bytes at
    /// `gpa`.
    ///
    /// # Safety
    /// `tdr` is the TD's TDR page.
    #[seamcall(leaf = 16, in = [rcx, rdx], out = [rcx, rdx], retry = 10, crate = crate)]
    pub unsafe fn tdh_mr_extend(gpa: u64, tdr: PhysAddr) -> (TdxStatus, (SeptEntry, SeptLevelState));

    /// Finalize the TD's measurement; after this the TD can run.
    ///
    /// # Safety
    /// `tdr` is the TD's TDR page.
    #[seamcall(leaf = 17, in = [rcx], retry = 10, crate = crate)]
    pub unsafe fn tdh_mr_finalize(tdr: PhysAddr) -> Result<(), SeamcallError>;

    /// Flush the vCPU `tdvpr`'s cached state from the current logical CPU.
    ///
    /// # Safety
    /// `tdvpr` is a vCPU's TDVPR page.
    #[seamcall(leaf = 18, in = [rcx], retry = 10, crate = crate)]
    pub unsafe fn tdh_vp_flush(tdvpr: PhysAddr) -> Result<(), SeamcallError>;

    /// Check that every vCPU of the TD `tdr` has been flushed.
    ///
    /// # Safety
    /// `tdr` is the TD's TDR page.
    #[seamcall(leaf = 19, in = [rcx], retry = 10, crate = crate)]
    pub unsafe fn tdh_mng_vpflushdone(tdr: PhysAddr) -> Result<(), SeamcallError>;

    /// Release the TD's HKID once its caches are written back.
    ///
    /// # Safety
    /// `tdr` is the TD's TDR page.
    #[seamcall(leaf = 20, in = [rcx], retry = 10, crate = crate)]
    pub unsafe fn tdh_mng_key_freeid(tdr: PhysAddr) -> Result<(), SeamcallError>;

    /// Initialize the TD `tdr` from the TD_PARAMS structure at `td_params`.
    /// `event_filters` is the perfmon event-filter list (a 4 KiB-aligned
    /// shared HPA with the entry count in its low bits) that modules 1.5.09
    /// and later read from R8 when the TD's attributes enable PERFMON; pass
    /// 0 otherwise (it is what Linux's call leaves in R8; module 1.5.01 does
    /// not read the register). On failure the value is the CPUID leaf and
    /// sub-leaf the module rejected (Linux's extended error).
    ///
    /// # Safety
    /// `td_params` holds a TD_PARAMS structure; `tdr` is the TD's TDR page;
    /// a non-zero `event_filters` is a readable filter list.
    #[seamcall(leaf = 21, in = [rcx, rdx, r8], out = [rcx], retry = 10, crate = crate)]
    pub unsafe fn tdh_mng_init(tdr: PhysAddr, td_params: PhysAddr, event_filters: u64) -> (TdxStatus, u64);

    /// Initialize the vCPU `tdvpr`: `initial_rcx` is the guest's RCX at its
    /// first entry, `x2apic_id` its x2APIC ID (version 1, as Linux calls
    /// it). Modules 1.5.05 and later accept version 1 and write RAX alone
    /// (the `TDH.VP.INIT` v1 rows of `tests/data/tdx-abi/writes-2.0.tsv`);
    /// module 1.5.01 rejects it in its dispatcher, also writing RAX alone,
    /// with `TDX_OPERAND_INVALID` (operand RAX).
    ///
    /// # Safety
    /// `tdvpr` is the vCPU's TDVPR page.
    #[seamcall(leaf = 22, version = 1, in = [rcx, rdx, r8], retry = 10, crate = crate)]
    pub unsafe fn tdh_vp_init(tdvpr: PhysAddr, initial_rcx: u64, x2apic_id: u32) -> Result<(), SeamcallError>;

    /// Read the metadata of the physical page `page`: its type, owner
    /// (TDR), size and BEPOCH. Not re-issued on `TDX_RND_NO_ENTROPY`, as in
    /// Linux's `paddr_is_tdx_private()`.
    ///
    /// # Safety
    /// None beyond what any leaf needs; declared `unsafe` like the others.
    #[seamcall(leaf = 24, in = [rcx], out = [rcx, rdx, r8, r9], clobber = [r10, r11], crate = crate)]
    pub unsafe fn tdh_phymem_page_rdmd(page: PhysAddr) -> Result<(u64, PhysAddr, PageSize, u64), SeamcallError>;

    /// Read the vCPU-scope metadata field `field` of the vCPU `tdvpr` (a
    /// [`VcpuField`](crate::fields::VcpuField): TDVPS, TD VMCS or L2 VMCS).
    ///
    /// # Safety
    /// `tdvpr` is a vCPU's TDVPR page.
    #[seamcall(leaf = 26, in = [rcx, rdx], out = [r8], retry = 10, crate = crate)]
    pub unsafe fn tdh_vp_rd(tdvpr: PhysAddr, field: VcpuField) -> Result<u64, SeamcallError>;

    /// Reclaim `page` from a torn-down TD. The values are its page type,
    /// owner and size, also on failure.
    ///
    /// # Safety
    /// `page` belongs to a TD being torn down.
    #[seamcall(leaf = 28, in = [rcx], out = [rcx, rdx, r8], clobber = [r9, r10, r11], retry = 10, crate = crate)]
    pub unsafe fn tdh_phymem_page_reclaim(page: PhysAddr) -> (TdxStatus, (u64, PhysAddr, PageSize));

    /// Remove the (blocked) private page mapped at `gpa`. The first value
    /// is the removed page's HPA on success, the S-EPT entry on failure.
    ///
    /// # Safety
    /// `tdr` is the TD's TDR page.
    #[seamcall(leaf = 29, in = [rcx, rdx], out = [rcx, rdx], retry = 10, crate = crate)]
    pub unsafe fn tdh_mem_page_remove(gpa: GpaLevel, tdr: PhysAddr) -> (TdxStatus, (u64, SeptLevelState));

    /// Program the module's global key on the current package.
    ///
    /// # Safety
    /// Called once per package, one CPU at a time, during module setup.
    #[seamcall(leaf = 31, retry = 10, crate = crate)]
    pub unsafe fn tdh_sys_key_config() -> Result<(), SeamcallError>;

    /// Initialize the TDX module (once, platform-wide). `attributes` is
    /// reserved: Linux passes 0. If the module's CPUID check fails, the
    /// values are the CPUID leaf and sub-leaf, the masks and the expected
    /// values (RCX, RDX, R8, R9, R10).
    ///
    /// # Safety
    /// Called once, during module setup.
    #[seamcall(leaf = 33, in = [rcx], out = [rcx, rdx, r8, r9, r10], retry = 10, crate = crate)]
    pub unsafe fn tdh_sys_init(attributes: u64) -> (TdxStatus, (u64, u64, u64, u64, u64));

    /// Read the module-global metadata field `field` (a
    /// [`GlobalField`](crate::fields::GlobalField), such as
    /// `fields::sys::MAX_TDMRS`). The values are the field's value and the
    /// ID of the next field ([`FieldId::NONE`] after the last; read it with
    /// `GlobalField::from_raw`).
    ///
    /// # Safety
    /// None beyond what any leaf needs; declared `unsafe` like the others.
    #[seamcall(leaf = 34, in = [rdx], out = [r8, rdx], retry = 10, crate = crate)]
    pub unsafe fn tdh_sys_rd(field: GlobalField) -> Result<(u64, FieldId), SeamcallError>;

    /// Initialize the module on the current logical CPU. If the CPU's CPUID
    /// differs from the one TDH.SYS.INIT saw, the values say where.
    ///
    /// # Safety
    /// Called once per logical CPU, after TDH.SYS.INIT.
    #[seamcall(leaf = 35, out = [rcx, rdx, r8], retry = 10, crate = crate)]
    pub unsafe fn tdh_sys_lp_init() -> (TdxStatus, (u64, u64, u64));

    /// Initialize part of the PAMT of the TDMR at `tdmr`; the value is the
    /// next address to initialize. Call again until it reaches the TDMR's
    /// end.
    ///
    /// # Safety
    /// `tdmr` is the base of a TDMR configured with TDH.SYS.CONFIG.
    #[seamcall(leaf = 36, in = [rcx], out = [rdx], retry = 10, crate = crate)]
    pub unsafe fn tdh_sys_tdmr_init(tdmr: PhysAddr) -> Result<PhysAddr, SeamcallError>;

    /// Increment the TD's TLB epoch, so blocked mappings can be removed once
    /// every vCPU has exited.
    ///
    /// # Safety
    /// `tdr` is the TD's TDR page.
    #[seamcall(leaf = 38, in = [rcx], retry = 10, crate = crate)]
    pub unsafe fn tdh_mem_track(tdr: PhysAddr) -> Result<(), SeamcallError>;

    /// Write back and invalidate the caches for the keys being freed;
    /// `resume` continues after `TDX_INTERRUPTED_RESUMABLE`.
    ///
    /// # Safety
    /// Part of HKID teardown; see TDH.MNG.KEY.FREEID.
    #[seamcall(leaf = 40, in = [rcx], retry = 10, crate = crate)]
    pub unsafe fn tdh_phymem_cache_wb(resume: bool) -> Result<(), SeamcallError>;

    /// Write back and invalidate the cache lines of one page, `page` with
    /// the HKID in its upper physical-address bits (Linux's
    /// `tdh_phymem_page_wbinvd_tdr`/`_hkid`).
    ///
    /// # Safety
    /// `page` is a page of a TD being torn down.
    #[seamcall(leaf = 41, in = [rcx], retry = 10, crate = crate)]
    pub unsafe fn tdh_phymem_page_wbinvd(page: PhysAddr) -> Result<(), SeamcallError>;

    /// Write the vCPU-scope metadata field `field` (a
    /// [`VcpuField`](crate::fields::VcpuField)) of the vCPU `tdvpr`: the
    /// bits of `value` selected by `mask`. The value returned is the field's
    /// previous value (module 1.5.01 writes it to R8; Linux ignores it).
    ///
    /// # Safety
    /// `tdvpr` is a vCPU's TDVPR page; the field's new value is valid.
    #[seamcall(leaf = 43, in = [rcx, rdx, r8, r9], out = [r8], retry = 10, crate = crate)]
    pub unsafe fn tdh_vp_wr(tdvpr: PhysAddr, field: VcpuField, value: u64, mask: u64) -> Result<u64, SeamcallError>;

    /// Configure the module with the TDMRs listed at `tdmr_array`
    /// (`tdmr_count` physical addresses) and the option word `options`: the
    /// global key, and from module 1.5.20 on whether Dynamic PAMT is on
    /// ([`SysConfigOptions`]; `Hkid(32).into()` is Linux's call).
    ///
    /// # Safety
    /// `tdmr_array` holds `tdmr_count` valid TDMR addresses.
    #[seamcall(leaf = 45, in = [rcx, rdx, r8], retry = 10, crate = crate)]
    pub unsafe fn tdh_sys_config(tdmr_array: PhysAddr, tdmr_count: u64, options: SysConfigOptions) -> Result<(), SeamcallError>;

    /// Shut the module down, preparing a handoff to an update of version
    /// `handoff_version`.
    ///
    /// # Safety
    /// No TD may run afterwards.
    #[seamcall(leaf = 52, in = [rcx], retry = 10, crate = crate)]
    pub unsafe fn tdh_sys_shutdown(handoff_version: u64) -> Result<(), SeamcallError>;

    /// Bring up an updated module from the handoff data its predecessor
    /// left.
    ///
    /// # Safety
    /// Only after TDH.SYS.SHUTDOWN and the installation of the new module.
    #[seamcall(leaf = 53, retry = 10, crate = crate)]
    pub unsafe fn tdh_sys_update() -> Result<(), SeamcallError>;

    /// Disable the module (kexec). Linux repeats it while the status is
    /// `TDX_INTERRUPTED_RESUMABLE` or `TDX_SYS_BUSY`. No module source that
    /// could be read implements it (1.5.01, 1.5.25, 1.5.34, 2.0.18: none
    /// has the leaf number in its enum or a dispatcher case, and each
    /// answers `TDX_OPERAND_INVALID`, operand RAX; `tests/data/tdx-abi/writes-2.0.tsv`,
    /// row "not dispatched"), so no release's writes are known: `unchecked`,
    /// and it clobbers what Linux's call does.
    ///
    /// # Safety
    /// Every TD is gone.
    #[seamcall(
        leaf = 69,
        clobber = [rcx, rdx, rsi, rdi, r8, r9, r10, r11, xmm0, xmm1, xmm2, xmm3, xmm4, xmm5, xmm6, xmm7, xmm8, xmm9, xmm10, xmm11,
                   xmm12, xmm13, xmm14, xmm15],
        unchecked, retry = 10, crate = crate
    )]
    pub unsafe fn tdh_sys_disable() -> Result<(), SeamcallError>;

    // ----------------------------------------------------------------
    // Leaves of TDX module 1.5.01 that mainline Linux does not call.
    // Operands are named after their registers where the TSVs record the
    // registers only.

    /// Move the private page at `gpa` to `new_page`. The first value is the
    /// old page's HPA on success, the S-EPT entry on failure.
    ///
    /// # Safety
    /// `new_page` is a free page handed to the TD; `tdr` is the TD's TDR page.
    #[seamcall(leaf = 5, in = [rcx, rdx, r8], out = [rcx, rdx], crate = crate)]
    pub unsafe fn tdh_mem_page_relocate(
        gpa: GpaLevel, tdr: PhysAddr, new_page: PhysAddr,
    ) -> (TdxStatus, (u64, SeptLevelState));

    /// Read 8 bytes of a debug TD's private memory at `gpa`. The values are
    /// the bytes read, then the S-EPT entry and level on failure.
    ///
    /// # Safety
    /// `tdr` is the TD's TDR page.
    #[seamcall(leaf = 12, in = [rcx, rdx], out = [r8, rcx, rdx], crate = crate)]
    pub unsafe fn tdh_mem_rd(gpa: u64, tdr: PhysAddr) -> (TdxStatus, (u64, SeptEntry, SeptLevelState));

    /// Write the TD-scope metadata field `field` (a
    /// [`TdField`](crate::fields::TdField)): the bits of `value` selected
    /// by `mask`. The value is the field's previous value.
    ///
    /// # Safety
    /// `tdr` is the TD's TDR page; the field's new value is valid.
    #[seamcall(leaf = 13, in = [rcx, rdx, r8, r9], out = [r8], crate = crate)]
    pub unsafe fn tdh_mng_wr(tdr: PhysAddr, field: TdField, value: u64, mask: u64) -> Result<u64, SeamcallError>;

    /// Write 8 bytes of a debug TD's private memory at `gpa`. The values are
    /// the previous 8 bytes, then the S-EPT entry and level on failure.
    ///
    /// # Safety
    /// `tdr` is the TD's TDR page.
    #[seamcall(leaf = 14, in = [rcx, rdx, r8], out = [r8, rcx, rdx], crate = crate)]
    pub unsafe fn tdh_mem_wr(gpa: u64, tdr: PhysAddr, value: u64) -> (TdxStatus, (u64, SeptEntry, SeptLevelState));

    /// Merge 512 mappings at `gpa` into one large page, freeing an S-EPT
    /// page. The values: RCX, that page's HPA on success (modules 1.5.20
    /// and later OR a Dynamic PAMT hint into its low bits), the S-EPT entry
    /// on failure; RDX, the level and state; then R12 and R13, the two PAMT
    /// pages the merge freed, which modules 1.5.20 and later write on
    /// success when Dynamic PAMT is on and the merge is to 2 MiB (intel/tdx-module
    /// `src/vmm_dispatcher/api_calls/tdh_mem_page_promote.c` at e69a4391,
    /// release 2.0.18). Otherwise R12 and R13 are not written and their
    /// values are whatever the registers held.
    ///
    /// # Safety
    /// `tdr` is the TD's TDR page.
    #[seamcall(leaf = 23, in = [rcx, rdx], out = [rcx, rdx, r12, r13], crate = crate)]
    pub unsafe fn tdh_mem_page_promote(gpa: GpaLevel, tdr: PhysAddr) -> (TdxStatus, (u64, SeptLevelState, u64, u64));

    /// Read the S-EPT entry that maps `gpa`: the entry, its level and state,
    /// and (with bit 0 of `tdr_flags` set) the L2 attributes.
    ///
    /// # Safety
    /// `tdr_flags` is the TD's TDR page address, with flags in its low bits.
    #[seamcall(leaf = 25, in = [rcx, rdx], out = [rcx, rdx, r8], crate = crate)]
    pub unsafe fn tdh_mem_sept_rd(gpa: GpaLevel, tdr_flags: u64) -> (TdxStatus, (SeptEntry, SeptLevelState, u64));

    /// Reclaim the HKID of a torn-down TD.
    ///
    /// # Safety
    /// `tdr` is the TD's TDR page.
    #[seamcall(leaf = 27, in = [rcx], crate = crate)]
    pub unsafe fn tdh_mng_key_reclaimid(tdr: PhysAddr) -> Result<(), SeamcallError>;

    /// Remove an empty S-EPT page mapping `gpa` (version 0: RCX is its HPA
    /// on success, the S-EPT entry on failure).
    ///
    /// # Safety
    /// `tdr` is the TD's TDR page.
    #[seamcall(leaf = 30, in = [rcx, rdx], out = [rcx, rdx], crate = crate)]
    pub unsafe fn tdh_mem_sept_remove(gpa: GpaLevel, tdr: PhysAddr) -> (TdxStatus, (u64, SeptLevelState));

    /// Fill the TDSYSINFO structure at `sysinfo` (`size` bytes) and the CMR
    /// array at `cmr_array` (`cmr_entries` entries). The values are the
    /// bytes written and the CMR entries written.
    ///
    /// # Safety
    /// Both buffers are writable for their sizes.
    #[seamcall(leaf = 32, in = [rcx, rdx, r8, r9], out = [rdx, r9], crate = crate)]
    pub unsafe fn tdh_sys_info(
        sysinfo: PhysAddr, size: u64, cmr_array: PhysAddr, cmr_entries: u64,
    ) -> Result<(u64, u64), SeamcallError>;

    /// Dump module-global metadata fields into the 4 KiB list buffer at
    /// physical address `rdx`, starting at the field `r8` (a
    /// [`GlobalField`](crate::fields::GlobalField);
    /// [`GlobalField::NONE`](crate::fields::Field::NONE) starts at the first
    /// field); the value is the next field ID to resume from
    /// ([`FieldId::NONE`] when done).
    ///
    /// # Safety
    /// The operands are valid for this leaf per the TDX module ABI.
    #[seamcall(leaf = 37, in = [rdx, r8], out = [r8], crate = crate)]
    pub unsafe fn tdh_sys_rdall(rdx: u64, r8: GlobalField) -> Result<FieldId, SeamcallError>;

    /// Unblock the S-EPT entry mapping `gpa`.
    ///
    /// # Safety
    /// `tdr` is the TD's TDR page.
    #[seamcall(leaf = 39, in = [rcx, rdx], out = [rcx, rdx], crate = crate)]
    pub unsafe fn tdh_mem_range_unblock(gpa: GpaLevel, tdr: PhysAddr) -> (TdxStatus, (SeptEntry, SeptLevelState));

    /// Shut the module down on the current logical CPU.
    ///
    /// # Safety
    /// No TD runs on this CPU afterwards.
    #[seamcall(leaf = 44, crate = crate)]
    pub unsafe fn tdh_sys_lp_shutdown() -> Result<(), SeamcallError>;

    /// Bind a service TD to a target TD. The values are the binding handle
    /// and the target TD's UUID (four quadwords).
    ///
    /// # Safety
    /// The operands are valid for this leaf per the TDX module ABI.
    #[seamcall(leaf = 48, in = [rcx, rdx, r8, r9, r10], out = [rcx, r10, r11, r12, r13], crate = crate)]
    pub unsafe fn tdh_servtd_bind(
        rcx: u64, rdx: u64, r8: u64, r9: u64, r10: u64,
    ) -> Result<(u64, u64, u64, u64, u64), SeamcallError>;

    /// Pre-bind a service TD to a target TD that is not yet initialized.
    ///
    /// # Safety
    /// The operands are valid for this leaf per the TDX module ABI.
    #[seamcall(leaf = 49, in = [rcx, rdx, r8, r9, r10], crate = crate)]
    pub unsafe fn tdh_servtd_prebind(rcx: u64, rdx: u64, r8: u64, r9: u64, r10: u64) -> Result<(), SeamcallError>;

    /// Abort an export session.
    ///
    /// # Safety
    /// The operands are valid for this leaf per the TDX module ABI.
    #[seamcall(
        leaf = 64, in = [rcx, r8, r10],
        clobber = [xmm0, xmm1, xmm2, xmm3, xmm4, xmm5, xmm6, xmm7, xmm8, xmm9, xmm10, xmm11,
                   xmm12, xmm13, xmm14, xmm15],
        crate = crate
    )]
    pub unsafe fn tdh_export_abort(rcx: u64, r8: u64, r10: u64) -> Result<(), SeamcallError>;

    /// Block writes to the pages of a GPA list during export. The value is
    /// the updated GPA list info, whatever the status.
    ///
    /// # Safety
    /// `tdr` is the TD's TDR page.
    #[seamcall(leaf = 65, in = [rcx, rdx], out = [rcx], crate = crate)]
    pub unsafe fn tdh_export_blockw(gpa_list_info: u64, tdr: PhysAddr) -> (TdxStatus, u64);

    /// Restore the pages of a GPA list after a cancelled export. The value
    /// is the updated GPA list info, whatever the status.
    ///
    /// # Safety
    /// `tdr` is the TD's TDR page.
    #[seamcall(leaf = 66, in = [rcx, rdx], out = [rcx], crate = crate)]
    pub unsafe fn tdh_export_restore(gpa_list_info: u64, tdr: PhysAddr) -> (TdxStatus, u64);

    /// Export private pages. The values are the updated GPA list info and,
    /// once the last entry completes, the number of pages processed.
    ///
    /// # Safety
    /// The operands are valid for this leaf per the TDX module ABI.
    #[seamcall(
        leaf = 68, in = [rcx, rdx, r8, r9, r10, r11, r12], out = [rcx, rdx],
        clobber = [xmm0, xmm1, xmm2, xmm3, xmm4, xmm5, xmm6, xmm7, xmm8, xmm9, xmm10, xmm11,
                   xmm12, xmm13, xmm14, xmm15],
        crate = crate
    )]
    pub unsafe fn tdh_export_mem(
        rcx: u64, rdx: u64, r8: u64, r9: u64, r10: u64, r11: u64, r12: u64,
    ) -> (TdxStatus, (u64, u64));

    /// Pause the TD for the blackout phase of a live migration.
    ///
    /// # Safety
    /// `tdr` is the TD's TDR page.
    #[seamcall(leaf = 70, in = [rcx], crate = crate)]
    pub unsafe fn tdh_export_pause(tdr: PhysAddr) -> Result<(), SeamcallError>;

    /// Start an export epoch, or end the in-order phase.
    ///
    /// # Safety
    /// The operands are valid for this leaf per the TDX module ABI.
    #[seamcall(
        leaf = 71, in = [rcx, r8, r10],
        clobber = [xmm0, xmm1, xmm2, xmm3, xmm4, xmm5, xmm6, xmm7, xmm8, xmm9, xmm10, xmm11,
                   xmm12, xmm13, xmm14, xmm15],
        crate = crate
    )]
    pub unsafe fn tdh_export_track(rcx: u64, r8: u64, r10: u64) -> Result<(), SeamcallError>;

    /// Export the TD's immutable state. The value is the number of pages
    /// written, also when interrupted.
    ///
    /// # Safety
    /// The operands are valid for this leaf per the TDX module ABI.
    #[seamcall(
        leaf = 72, in = [rcx, r8, r9, r10], out = [rdx],
        clobber = [xmm0, xmm1, xmm2, xmm3, xmm4, xmm5, xmm6, xmm7, xmm8, xmm9, xmm10, xmm11,
                   xmm12, xmm13, xmm14, xmm15],
        crate = crate
    )]
    pub unsafe fn tdh_export_state_immutable(rcx: u64, r8: u64, r9: u64, r10: u64) -> (TdxStatus, u64);

    /// Export the TD-scope mutable state. The value is the number of pages
    /// written, also when interrupted.
    ///
    /// # Safety
    /// The operands are valid for this leaf per the TDX module ABI.
    #[seamcall(
        leaf = 73, in = [rcx, r8, r9, r10], out = [rdx],
        clobber = [xmm0, xmm1, xmm2, xmm3, xmm4, xmm5, xmm6, xmm7, xmm8, xmm9, xmm10, xmm11,
                   xmm12, xmm13, xmm14, xmm15],
        crate = crate
    )]
    pub unsafe fn tdh_export_state_td(rcx: u64, r8: u64, r9: u64, r10: u64) -> (TdxStatus, u64);

    /// Export one vCPU's mutable state. The value is the number of pages
    /// written, also when interrupted.
    ///
    /// # Safety
    /// The operands are valid for this leaf per the TDX module ABI.
    #[seamcall(
        leaf = 74, in = [rcx, r8, r9, r10], out = [rdx],
        clobber = [xmm0, xmm1, xmm2, xmm3, xmm4, xmm5, xmm6, xmm7, xmm8, xmm9, xmm10, xmm11,
                   xmm12, xmm13, xmm14, xmm15],
        crate = crate
    )]
    pub unsafe fn tdh_export_state_vp(rcx: u64, r8: u64, r9: u64, r10: u64) -> (TdxStatus, u64);

    /// Unblock writes to the page mapped at `gpa` after export.
    ///
    /// # Safety
    /// `tdr` is the TD's TDR page.
    #[seamcall(leaf = 75, in = [rcx, rdx], out = [rcx, rdx], crate = crate)]
    pub unsafe fn tdh_export_unblockw(gpa: GpaLevel, tdr: PhysAddr) -> (TdxStatus, (SeptEntry, SeptLevelState));

    /// Abort an import session.
    ///
    /// # Safety
    /// The operands are valid for this leaf per the TDX module ABI.
    #[seamcall(
        leaf = 80, in = [rcx, r8, r10],
        clobber = [xmm0, xmm1, xmm2, xmm3, xmm4, xmm5, xmm6, xmm7, xmm8, xmm9, xmm10, xmm11,
                   xmm12, xmm13, xmm14, xmm15],
        crate = crate
    )]
    pub unsafe fn tdh_import_abort(rcx: u64, r8: u64, r10: u64) -> Result<(), SeamcallError>;

    /// End an import session.
    ///
    /// # Safety
    /// `tdr` is the TD's TDR page.
    #[seamcall(leaf = 81, in = [rcx], crate = crate)]
    pub unsafe fn tdh_import_end(tdr: PhysAddr) -> Result<(), SeamcallError>;

    /// Commit an import, so the imported TD can run.
    ///
    /// # Safety
    /// `tdr` is the TD's TDR page.
    #[seamcall(leaf = 82, in = [rcx], crate = crate)]
    pub unsafe fn tdh_import_commit(tdr: PhysAddr) -> Result<(), SeamcallError>;

    /// Import private pages. The value is the updated GPA list info,
    /// whatever the status.
    ///
    /// # Safety
    /// The operands are valid for this leaf per the TDX module ABI.
    #[seamcall(
        leaf = 83, in = [rcx, rdx, r8, r9, r10, r11, r12, r13], out = [rcx],
        clobber = [xmm0, xmm1, xmm2, xmm3, xmm4, xmm5, xmm6, xmm7, xmm8, xmm9, xmm10, xmm11,
                   xmm12, xmm13, xmm14, xmm15],
        crate = crate
    )]
    pub unsafe fn tdh_import_mem(
        rcx: u64, rdx: u64, r8: u64, r9: u64, r10: u64, r11: u64, r12: u64, r13: u64,
    ) -> (TdxStatus, u64);

    /// Start an import epoch, or end the in-order phase.
    ///
    /// # Safety
    /// The operands are valid for this leaf per the TDX module ABI.
    #[seamcall(
        leaf = 84, in = [rcx, r8, r10],
        clobber = [xmm0, xmm1, xmm2, xmm3, xmm4, xmm5, xmm6, xmm7, xmm8, xmm9, xmm10, xmm11,
                   xmm12, xmm13, xmm14, xmm15],
        crate = crate
    )]
    pub unsafe fn tdh_import_track(rcx: u64, r8: u64, r10: u64) -> Result<(), SeamcallError>;

    /// Import the TD's immutable state. On failure the values identify the
    /// metadata field that failed.
    ///
    /// # Safety
    /// The operands are valid for this leaf per the TDX module ABI.
    #[seamcall(
        leaf = 85, in = [rcx, r8, r9, r10], out = [rcx, rdx],
        clobber = [xmm0, xmm1, xmm2, xmm3, xmm4, xmm5, xmm6, xmm7, xmm8, xmm9, xmm10, xmm11,
                   xmm12, xmm13, xmm14, xmm15],
        crate = crate
    )]
    pub unsafe fn tdh_import_state_immutable(rcx: u64, r8: u64, r9: u64, r10: u64) -> (TdxStatus, (u64, u64));

    /// Import the TD-scope mutable state. On failure the values identify the
    /// metadata field that failed.
    ///
    /// # Safety
    /// The operands are valid for this leaf per the TDX module ABI.
    #[seamcall(
        leaf = 86, in = [rcx, r8, r9, r10], out = [rcx, rdx],
        clobber = [xmm0, xmm1, xmm2, xmm3, xmm4, xmm5, xmm6, xmm7, xmm8, xmm9, xmm10, xmm11,
                   xmm12, xmm13, xmm14, xmm15],
        crate = crate
    )]
    pub unsafe fn tdh_import_state_td(rcx: u64, r8: u64, r9: u64, r10: u64) -> (TdxStatus, (u64, u64));

    /// Import one vCPU's mutable state. On failure the values identify the
    /// metadata field that failed.
    ///
    /// # Safety
    /// The operands are valid for this leaf per the TDX module ABI.
    #[seamcall(
        leaf = 87, in = [rcx, r8, r9, r10], out = [rcx, rdx],
        clobber = [xmm0, xmm1, xmm2, xmm3, xmm4, xmm5, xmm6, xmm7, xmm8, xmm9, xmm10, xmm11,
                   xmm12, xmm13, xmm14, xmm15],
        crate = crate
    )]
    pub unsafe fn tdh_import_state_vp(rcx: u64, r8: u64, r9: u64, r10: u64) -> (TdxStatus, (u64, u64));

    /// Create a migration stream context in the page `migsc` for the TD
    /// `tdr`.
    ///
    /// # Safety
    /// `migsc` is a free page handed to the TD; `tdr` is the TD's TDR page.
    #[seamcall(leaf = 96, in = [rcx, rdx], crate = crate)]
    pub unsafe fn tdh_mig_stream_create(migsc: PhysAddr, tdr: PhysAddr) -> Result<(), SeamcallError>;

    // ----------------------------------------------------------------
    // Versions and leaves newer 1.5.x modules accept (`writes-2.0.tsv`).

    /// TDH.MEM.PAGE.PROMOTE version 1, for TDs with L2 VMs: as version 0,
    /// then R9–R11, the L2 S-EPT pages freed for L2 VMs 1–3 (NULL_PA where
    /// the VM had no alias), then R12 and R13, the freed PAMT pages (modules
    /// 1.5.20 and later with Dynamic PAMT and a 2 MiB merge; otherwise not
    /// written).
    ///
    /// # Safety
    /// `tdr` is the TD's TDR page.
    #[seamcall(leaf = 23, version = 1, in = [rcx, rdx], out = [rcx, rdx, r9, r10, r11, r12, r13], crate = crate)]
    pub unsafe fn tdh_mem_page_promote_v1(
        gpa: GpaLevel, tdr: PhysAddr,
    ) -> (TdxStatus, (u64, SeptLevelState, u64, u64, u64, u64, u64));

    /// TDH.SYS.INIT version 1 (modules 1.5.13 and later): as version 0,
    /// with `diagnostics` (R8) configuring the module's fatal-error
    /// diagnostics. `attributes` must be 0.
    ///
    /// # Safety
    /// Called once, during module setup.
    #[seamcall(leaf = 33, version = 1, in = [rcx, r8], out = [rcx, rdx, r8, r9, r10], crate = crate)]
    pub unsafe fn tdh_sys_init_v1(attributes: u64, diagnostics: u64) -> (TdxStatus, (u64, u64, u64, u64, u64));

    /// TDH.SYS.CONFIG version 1 (modules 1.5.34 and 2.0.18): as version 0,
    /// with `features` (R9) the TDX_FEATURES0 bits of the optional features
    /// to enable (non-blocking export, scan export-restore, TDID/VMID
    /// reporting; the module refuses a bit TDX_FEATURES0 lacks with operand
    /// R9) and R10 reserved (0).
    ///
    /// # Safety
    /// `tdmr_array` holds `tdmr_count` valid TDMR addresses.
    #[seamcall(leaf = 45, version = 1, in = [rcx, rdx, r8, r9, r10], crate = crate)]
    pub unsafe fn tdh_sys_config_v1(
        tdmr_array: PhysAddr, tdmr_count: u64, options: SysConfigOptions, features: u64, reserved: Reserved,
    ) -> Result<(), SeamcallError>;

    /// TDH.SYS.UPDATE version 1 (modules 1.5.24 and later): as version 0,
    /// with `features` (R9) the TDX_FEATURES0 bits of the optional features
    /// to enable, and R10 reserved (0).
    ///
    /// # Safety
    /// Only after TDH.SYS.SHUTDOWN and the installation of the new module.
    #[seamcall(leaf = 53, version = 1, in = [r9, r10], crate = crate)]
    pub unsafe fn tdh_sys_update_v1(features: u64, reserved: Reserved) -> Result<(), SeamcallError>;

    /// Scan a GPA range of the TD `tdr` (modules 1.5.34 and 2.0.18):
    /// `list_info` is the list-of-lists GPA_LIST_INFO, `controls` the
    /// operation and qualifier, `start`/`size` the range, `next_entry` the
    /// overall next GPA-list entry. The values are the next GPA, the size
    /// left and the next entry, written on every path once the feature is
    /// configured (the next entry for a DSCAN only).
    ///
    /// # Safety
    /// `list_info` names valid GPA lists; `tdr` is the TD's TDR page.
    #[seamcall(leaf = 92, in = [rcx, rdx, r8, r9, r10, r11], out = [r9, r10, r11], crate = crate)]
    pub unsafe fn tdh_mem_scan_range(
        list_info: u64, tdr: PhysAddr, controls: u64, start: u64, size: u64, next_entry: u64,
    ) -> (TdxStatus, (u64, u64, u64));

    // ----------------------------------------------------------------
    // Leaves proposed for Linux, not in mainline (feature `proposed`).

    /// Split the large page mapped at `gpa` into 512 smaller mappings, using
    /// `sept_page` as the new S-EPT page. R9–R11 carry L2 S-EPT pages and
    /// come back echoed on success (they are clobbered here); `pamt_page_1`
    /// and `pamt_page_2` (R12, R13) are the two PAMT pages the split needs
    /// with Dynamic PAMT, which modules 1.5.16 and later read and never
    /// write (the `TDH.MEM.PAGE.DEMOTE` rows of `tests/data/tdx-abi/writes-2.0.tsv`).
    ///
    /// # Safety
    /// `sept_page` is a free page handed to the TD; `tdr` is the TD's TDR
    /// page; with Dynamic PAMT, both PAMT pages are free pages handed to
    /// the module.
    #[cfg(feature = "proposed")]
    #[seamcall(
        leaf = 15, in = [rcx, rdx, r8, r9, r10, r11, r12, r13], out = [rcx, rdx], clobber = [r9, r10, r11],
        retry = 10, crate = crate
    )]
    pub unsafe fn tdh_mem_page_demote(
        gpa: GpaLevel, tdr: PhysAddr, sept_page: PhysAddr, l2_sept_1: u64, l2_sept_2: u64,
        l2_sept_3: u64, pamt_page_1: u64, pamt_page_2: u64,
    ) -> (TdxStatus, (SeptEntry, SeptLevelState));

    /// Add the two PAMT pages `pamt_page_1`, `pamt_page_2` for the 2 MiB
    /// range `hpa_2m` (an HPA with `TDX_PS_2M` in its low bits; Dynamic
    /// PAMT, modules 1.5.20 and later, which write RAX alone; the module
    /// answers `TDX_OPERAND_INVALID` when Dynamic PAMT is off).
    ///
    /// # Safety
    /// Both pages are free pages handed to the module.
    #[cfg(feature = "proposed")]
    #[seamcall(leaf = 58, in = [rcx, rdx, r8], retry = 10, crate = crate)]
    pub unsafe fn tdh_phymem_pamt_add(hpa_2m: u64, pamt_page_1: PhysAddr, pamt_page_2: PhysAddr) -> Result<(), SeamcallError>;

    /// Remove the PAMT pages of the 2 MiB range `hpa_2m`; the values are
    /// the two freed pages (Dynamic PAMT, modules 1.5.20 and later, which
    /// write RDX and R8 on success only).
    ///
    /// # Safety
    /// No page of the range is in use by a TD.
    #[cfg(feature = "proposed")]
    #[seamcall(leaf = 59, in = [rcx], out = [rdx, r8], retry = 10, crate = crate)]
    pub unsafe fn tdh_phymem_pamt_remove(hpa_2m: u64) -> Result<(PhysAddr, PhysAddr), SeamcallError>;

    /// Initialize the module's extensions; repeat while the status is
    /// `TDX_INTERRUPTED_RESUMABLE`. Not audited: `unchecked`, clobbers what
    /// Linux's call does.
    ///
    /// # Safety
    /// Called during module setup, after memory was added with
    /// TDH.EXT.MEM.ADD.
    #[cfg(feature = "proposed")]
    #[seamcall(
        leaf = 60,
        clobber = [rcx, rdx, rsi, rdi, r8, r9, r10, r11, xmm0, xmm1, xmm2, xmm3, xmm4, xmm5, xmm6, xmm7, xmm8, xmm9, xmm10, xmm11,
                   xmm12, xmm13, xmm14, xmm15],
        unchecked, retry = 10, crate = crate
    )]
    pub unsafe fn tdh_ext_init() -> Result<(), SeamcallError>;

    /// Give the pages of an HPA list to the module's extensions. The value
    /// is the updated HPA list info (first entry in bits 11:3, list page in
    /// 51:12, last entry in 63:55), whatever the status. Not audited:
    /// `unchecked`, clobbers what Linux's call does.
    ///
    /// # Safety
    /// The listed pages are handed to the module.
    #[cfg(feature = "proposed")]
    #[seamcall(
        leaf = 61, in = [rcx], out = [rcx],
        clobber = [rdx, rsi, rdi, r8, r9, r10, r11, xmm0, xmm1, xmm2, xmm3, xmm4, xmm5, xmm6, xmm7, xmm8, xmm9, xmm10, xmm11,
                   xmm12, xmm13, xmm14, xmm15],
        unchecked, retry = 10, crate = crate
    )]
    pub unsafe fn tdh_ext_mem_add(hpa_list_info: u64) -> (TdxStatus, u64);

    /// Initialize the quoting extension; repeat while the status is
    /// `TDX_INTERRUPTED_RESUMABLE`. Not audited: `unchecked`, clobbers what
    /// Linux's call does.
    ///
    /// # Safety
    /// Called during module setup.
    #[cfg(feature = "proposed")]
    #[seamcall(
        leaf = 100,
        clobber = [rcx, rdx, rsi, rdi, r8, r9, r10, r11, xmm0, xmm1, xmm2, xmm3, xmm4, xmm5, xmm6, xmm7, xmm8, xmm9, xmm10, xmm11,
                   xmm12, xmm13, xmm14, xmm15],
        unchecked, retry = 10, crate = crate
    )]
    pub unsafe fn tdh_quote_init() -> Result<(), SeamcallError>;

    // ----------------------------------------------------------------
    // TDX Connect (TDX-IO) leaves of module 2.0.18 whose writes were
    // audited (feature `tdx-io`; `tests/data/tdx-abi/leaves-2.0.tsv` and
    // `writes-2.0.tsv`). Numbered as the module numbers them
    // (`seamcall_leaf_opcode_t`, intel/tdx-module `include/tdx_api_defs.h`
    // at e69a4391): the newest Linux TDX Connect patches number some of
    // these leaves differently (129 is TDH.IOMMU.CLEAR there, 135
    // TDH.IDE.STREAM.KM), leaves no module source read has. The module's
    // dispatcher answers every one with `TDX_OPERAND_INVALID` (operand RAX)
    // when TDX Connect is not configured.

    /// Read register `register` of the IOMMU `iommu` (or, with `register` =
    /// IOMMU_ID, of the IOMMU whose VT-d BAR is `iommu`). The value is the
    /// register's, with the HKID bits removed. Leaf 129 as module 2.0.18
    /// numbers it; the newest Linux TDX Connect patches use 129 for
    /// TDH.IOMMU.CLEAR.
    ///
    /// # Safety
    /// The operands are valid for this leaf per the TDX module ABI.
    #[cfg(feature = "tdx-io")]
    #[seamcall(leaf = 129, in = [rcx, rdx], out = [r8], crate = crate)]
    pub unsafe fn tdh_iommu_getreg(iommu: u64, register: u64) -> Result<u64, SeamcallError>;

    /// Read the DMAR entry `index`. The values are RDX, the entry's
    /// architectural state, then R8–R15: R8 alone for a root-table or
    /// PASID-directory entry, R8–R11 for a context entry, R8–R15 for a
    /// PASID-table entry; a register the level does not use is not written
    /// and holds whatever it held.
    ///
    /// # Safety
    /// The operands are valid for this leaf per the TDX module ABI.
    #[cfg(feature = "tdx-io")]
    #[seamcall(leaf = 152, in = [rcx], out = [rdx, r8, r9, r10, r11, r12, r13, r14, r15], crate = crate)]
    pub unsafe fn tdh_dmar_read(
        index: u64,
    ) -> Result<(u64, u64, u64, u64, u64, u64, u64, u64, u64), SeamcallError>;

    /// Remove the DMAR entry `index`. The value is the removed table page
    /// (root, context or PASID-directory level); for a PASID-table entry
    /// nothing is written and the value is `index`.
    ///
    /// # Safety
    /// The operands are valid for this leaf per the TDX module ABI.
    #[cfg(feature = "tdx-io")]
    #[seamcall(leaf = 153, in = [rcx], out = [rcx], crate = crate)]
    pub unsafe fn tdh_dmar_remove(index: u64) -> Result<u64, SeamcallError>;

    /// Read the MMIO metadata-table entry `index`: its four quadwords.
    ///
    /// # Safety
    /// The operands are valid for this leaf per the TDX module ABI.
    #[cfg(feature = "tdx-io")]
    #[seamcall(leaf = 156, in = [rcx], out = [rcx, rdx, r8, r9], crate = crate)]
    pub unsafe fn tdh_mmio_mt_rd(index: u64) -> Result<(u64, u64, u64, u64), SeamcallError>;

    /// Map the MMIO page `mmio_page` at `gpa` in the TD `tdr`. On failure
    /// the S-EPT entry and its level/state explain why.
    ///
    /// # Safety
    /// `mmio_page` is an MMIO page of a device interface bound to the TD;
    /// `tdr` is the TD's TDR page.
    #[cfg(feature = "tdx-io")]
    #[seamcall(leaf = 158, in = [rcx, rdx, r8], out = [rcx, rdx], crate = crate)]
    pub unsafe fn tdh_mmio_map(
        gpa: GpaLevel, tdr: PhysAddr, mmio_page: PhysAddr,
    ) -> (TdxStatus, (SeptEntry, SeptLevelState));

    /// Block the MMIO mapping at `gpa`, the first step of unmapping it.
    ///
    /// # Safety
    /// `tdr` is the TD's TDR page.
    #[cfg(feature = "tdx-io")]
    #[seamcall(leaf = 159, in = [rcx, rdx], out = [rcx, rdx], crate = crate)]
    pub unsafe fn tdh_mmio_block(gpa: GpaLevel, tdr: PhysAddr) -> (TdxStatus, (SeptEntry, SeptLevelState));

    /// Unmap the (blocked) MMIO mapping at `gpa`. The values are the S-EPT
    /// entry and level/state on failure, and the unmapped MMIO page on
    /// success.
    ///
    /// # Safety
    /// `tdr` is the TD's TDR page.
    #[cfg(feature = "tdx-io")]
    #[seamcall(leaf = 160, in = [rcx, rdx], out = [rcx, rdx, r8], crate = crate)]
    pub unsafe fn tdh_mmio_unmap(
        gpa: GpaLevel, tdr: PhysAddr,
    ) -> (TdxStatus, (SeptEntry, SeptLevelState, u64));

    /// Queue an invalidation request on the IOMMU `iommu`: `request` is the
    /// type and pool size, `subject` the TD's TDR page or a RID/PASID,
    /// `wait_1`–`wait_4` the wait descriptor's quadwords. The value is 0,
    /// or for a TD request the number of its invalidations still pending.
    ///
    /// # Safety
    /// The operands are valid for this leaf per the TDX module ABI.
    #[cfg(feature = "tdx-io")]
    #[seamcall(leaf = 161, in = [rcx, rdx, r8, r9, r10, r11, r12], out = [rcx], crate = crate)]
    pub unsafe fn tdh_iq_inv_request(
        iommu: u64, request: u64, subject: u64, wait_1: u64, wait_2: u64, wait_3: u64, wait_4: u64,
    ) -> Result<u64, SeamcallError>;

    /// Write the shared-EPT entry for `gpa` in the TD `tdr`: `entry` is the
    /// new L1 entry. On failure the S-EPT entry and level/state explain
    /// why.
    ///
    /// # Safety
    /// `tdr` is the TD's TDR page; `entry` maps shared memory.
    #[cfg(feature = "tdx-io")]
    #[seamcall(leaf = 163, in = [rcx, rdx, r8], out = [rcx, rdx], crate = crate)]
    pub unsafe fn tdh_mem_shared_sept_wr(
        gpa: GpaLevel, tdr: PhysAddr, entry: u64,
    ) -> (TdxStatus, (SeptEntry, SeptLevelState));

    /// TDH.MEM.SHARED.SEPT.WR version 1: as version 0, with the entries for
    /// L2 VMs 1–3 in R9–R11 (NULL_PA skips one; so does NULL_PA in `entry`
    /// for the L1 entry).
    ///
    /// # Safety
    /// `tdr` is the TD's TDR page; every entry maps shared memory.
    #[cfg(feature = "tdx-io")]
    #[seamcall(leaf = 163, version = 1, in = [rcx, rdx, r8, r9, r10, r11], out = [rcx, rdx], crate = crate)]
    pub unsafe fn tdh_mem_shared_sept_wr_v1(
        gpa: GpaLevel, tdr: PhysAddr, entry: u64, l2_entry_1: u64, l2_entry_2: u64, l2_entry_3: u64,
    ) -> (TdxStatus, (SeptEntry, SeptLevelState));

    /// Read the device-interface metadata-table entry `index`.
    ///
    /// # Safety
    /// The operands are valid for this leaf per the TDX module ABI.
    #[cfg(feature = "tdx-io")]
    #[seamcall(leaf = 166, in = [rcx], out = [rcx], crate = crate)]
    pub unsafe fn tdh_devif_mt_rd(index: u64) -> Result<u64, SeamcallError>;

    // ----------------------------------------------------------------
    // P-SEAMLDR (feature `seamldr`): RAX bit 63 set. Handled by P-SEAMLDR,
    // not the TDX module, so not audited.

    /// Ask P-SEAMLDR to describe itself and the installed module into the
    /// `seamldr_info` structure at `info`.
    ///
    /// # Safety
    /// `info` is writable for the structure.
    #[cfg(feature = "seamldr")]
    #[seamcall(
        leaf = 0, seamldr, in = [rcx],
        clobber = [rcx, rdx, rsi, rdi, r8, r9, r10, r11, xmm0, xmm1, xmm2, xmm3, xmm4, xmm5, xmm6, xmm7, xmm8, xmm9, xmm10, xmm11,
                   xmm12, xmm13, xmm14, xmm15],
        unchecked, retry = 10, crate = crate
    )]
    pub unsafe fn seamldr_info(info: PhysAddr) -> Result<(), SeamcallError>;

    /// Ask P-SEAMLDR to install the module described by the 4 KiB
    /// `seamldr_params` structure at `params`.
    ///
    /// # Safety
    /// `params` holds a valid structure; the old module was shut down.
    #[cfg(feature = "seamldr")]
    #[seamcall(
        leaf = 1, seamldr, in = [rcx],
        clobber = [rcx, rdx, rsi, rdi, r8, r9, r10, r11, xmm0, xmm1, xmm2, xmm3, xmm4, xmm5, xmm6, xmm7, xmm8, xmm9, xmm10, xmm11,
                   xmm12, xmm13, xmm14, xmm15],
        unchecked, retry = 10, crate = crate
    )]
    pub unsafe fn seamldr_install(params: PhysAddr) -> Result<(), SeamcallError>;
}
