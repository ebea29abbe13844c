//! TDG.VM.RD/WR, TDG.VP.RD/WR and TDG.SYS.RD: the metadata tables of
//! [`fields`](crate::fields) with their guest masks (generated from
//! `tests/data/tdx-abi/fields.tsv`, columns `guest_read` and
//! `guest_write`), looked up by the same rule as the host leaves
//! ([`lookup`](super::super::lookup); `tests/data/tdx-abi/fields.md`,
//! sections 4–6; intel/tdx-module `src/td_dispatcher/vm_exits/tdg_vm_rd_wr.c`,
//! `tdg_vp_rd_wr.c` and `tdg_sys_rd.c` at 72d8cffb).
//!
//! A field whose guest read mask is 0 is `TDX_METADATA_FIELD_NOT_READABLE`,
//! one whose guest write mask shares no bit with the caller's mask
//! `TDX_METADATA_FIELD_NOT_WRITABLE`, a write that would change bits
//! outside the write mask `TDX_METADATA_FIELD_VALUE_NOT_VALID`. Values: the
//! TD fields the host side keeps (ATTRIBUTES, XFAM, MRTD, RTMR, NUM_VCPUS,
//! …; `TD_CTLS` starts as ATTRIBUTES.SEPT_VE_DISABLE in bit 0, its
//! PENDING_VE_DISABLE), `VCPU_INDEX`, the global fields TDH.SYS.RD
//! reports, what the guest wrote, and 0 for the rest. The TD has no L2
//! VMs (`NUM_L2_VMS` 0), so the L2 entries of the vCPU table (classes 36
//! and above) are cut from the lookup, as the module cuts them; the TD
//! VMCS (class 0) is found but has guest masks 0.

use super::super::lookup::{self, Hit, Row};
use super::super::meta::td_value;
use super::super::{Model, Out, Release};
use super::{invalid, GuestFail};
use crate::emulate::{Reg, Regs};
use crate::fields::{sys, td, vcpu, vmcs, Field, Scope};
use crate::status::{OperandId, TdxStatus};

/// Class code of an ID (bits 61:56).
fn class(id: u64) -> u64 {
    (id >> 56) & 0x3F
}

/// First class of the vCPU table's L2 entries.
const L2_CLASSES: u64 = 36;

/// The rows of `table` the lookup may reach (`keep`).
fn find<S: Scope>(
    table: &[Row<S>],
    id: u64,
    release: Release,
    keep: fn(&Row<S>) -> bool,
) -> Result<Hit, TdxStatus> {
    let hit = lookup::find(table, id, release)?;
    if keep(&table[hit.entry]) {
        Ok(hit)
    } else {
        Err(TdxStatus::METADATA_FIELD_ID_INCORRECT)
    }
}

/// The next readable ID after `hit` among the rows `keep` lets through,
/// or -1.
fn next_id<S: Scope>(
    table: &[Row<S>],
    hit: Option<Hit>,
    release: Release,
    keep: fn(&Row<S>) -> bool,
) -> u64 {
    let next = match hit {
        Some(h) => lookup::next(table, h, release, false),
        None => lookup::first_from(table, 0, release, false),
    };
    next.filter(|h| keep(&table[h.entry]))
        .map_or(u64::MAX, |h| lookup::id_of(table, h))
}

fn all<S: Scope>(_: &Row<S>) -> bool {
    true
}

fn not_l2(row: &Row<crate::fields::Vcpu>) -> bool {
    class(row.0.raw()) < L2_CLASSES
}

/// The write rule (`fields.md` 6.3): the new value, or the status.
/// `CONFIG_FLAGS.FLEXIBLE_PENDING_VE`: the guest may change
/// `TD_CTLS.PENDING_VE_DISABLE`.
const FLEXIBLE_PENDING_VE: u64 = 1 << 1;

fn written(row_write: u64, mask: u64, current: u64, value: u64) -> Result<u64, TdxStatus> {
    let w = row_write & mask;
    if w == 0 {
        return Err(TdxStatus::METADATA_FIELD_NOT_WRITABLE);
    }
    if (value ^ current) & mask & !row_write != 0 {
        return Err(TdxStatus::METADATA_FIELD_VALUE_NOT_VALID);
    }
    Ok((current & !w) | (value & w))
}

/// A value cut to the element size of `f`.
fn sized<S: Scope>(f: Field<S>, v: u64) -> u64 {
    match f.element_bytes() {
        8 => v,
        n => v & ((1u64 << (8 * n)) - 1),
    }
}

impl Model {
    /// TDG.VM.RD: RCX = VM index (0), RDX = field ID; R8 = the value;
    /// version 1 also RDX = the next guest-readable ID (-1 first, and after
    /// the last), or the first one for the null ID with
    /// `TDX_METADATA_FIRST_FIELD_ID_IN_CONTEXT`. Version 0 leaves RDX alone.
    pub(super) fn tdg_vm_rd(
        &mut self,
        tdr: u64,
        version: u8,
        inp: &Regs,
        out: &mut Out,
    ) -> Result<(), GuestFail> {
        if version > 0 {
            out.set(Reg::Rdx, u64::MAX);
        }
        out.set(Reg::R8, 0);
        if inp.rcx != 0 {
            return Err(invalid(OperandId::Rcx));
        }
        let table = td::GUEST;
        let release = self.release();
        if version > 0 && lookup::is_null(inp.rdx) {
            out.set(Reg::Rdx, next_id(table, None, release, all));
            return Err(TdxStatus::METADATA_FIRST_FIELD_ID_IN_CONTEXT.into());
        }
        let hit = find(table, inp.rdx, release, all)?;
        let row = &table[hit.entry];
        if lookup::read_mask(row, false) == 0 {
            return Err(TdxStatus::METADATA_FIELD_NOT_READABLE.into());
        }
        let Some(t) = self.tds.get(&tdr) else {
            return Err(invalid(OperandId::Rax));
        };
        let value = lookup::masked(row, false, td_value(t, row.0, hit.element));
        if version > 0 {
            out.set(Reg::Rdx, next_id(table, Some(hit), release, all));
        }
        out.set(Reg::R8, value);
        Ok(())
    }

    /// TDG.VM.WR: RCX = VM index (0), RDX = field ID, R8 = value, R9 =
    /// write mask; R8 = the previous value (read-masked), 0 on error. The
    /// value reads back through TDG.VM.RD and TDH.MNG.RD.
    pub(super) fn tdg_vm_wr(
        &mut self,
        tdr: u64,
        inp: &Regs,
        out: &mut Out,
    ) -> Result<(), GuestFail> {
        out.set(Reg::R8, 0);
        if inp.rcx != 0 {
            return Err(invalid(OperandId::Rcx));
        }
        let table = td::GUEST;
        let hit = find(table, inp.rdx, self.release(), all)?;
        let row = &table[hit.entry];
        let Some(t) = self.tds.get_mut(&tdr) else {
            return Err(invalid(OperandId::Rax));
        };
        let current = td_value(t, row.0, hit.element);
        let new = written(row.2, inp.r9, current, sized(row.0, inp.r8))?;
        // TD_CTLS.PENDING_VE_DISABLE (bit 0) changes only if the host set
        // CONFIG_FLAGS.FLEXIBLE_PENDING_VE (bit 1) (intel/tdx-module
        // `src/common/metadata_handlers/metadata_td.c` lines 782-795 at
        // 72d8cffb).
        if row.0 == td::TD_CTLS
            && (new ^ current) & 1 != 0
            && t.params.config_flags & FLEXIBLE_PENDING_VE == 0
        {
            return Err(TdxStatus::METADATA_FIELD_VALUE_NOT_VALID.into());
        }
        t.guest.fields.insert((row.0.raw(), hit.element), new);
        out.set(Reg::R8, lookup::masked(row, false, current));
        Ok(())
    }

    /// The vCPU field `hit` of `vcpu::GUEST`: what the guest wrote, else
    /// `VCPU_INDEX`, else 0.
    fn vp_value(&self, tdvpr: u64, hit: Hit) -> u64 {
        let f = vcpu::GUEST[hit.entry].0;
        let Some(v) = self.vcpus.get(&tdvpr) else {
            return 0;
        };
        if let Some(w) = v.guest.fields.get(&(f.raw(), hit.element)) {
            return *w;
        }
        if f == vcpu::VCPU_INDEX {
            return u64::from(v.guest.index);
        }
        0
    }

    /// The vCPU-table entry of `id` for a guest access: the TD VMCS is
    /// found but not accessible to the guest (`not_accessible`).
    fn vp_find(&self, id: u64, not_accessible: TdxStatus) -> Result<Hit, TdxStatus> {
        if class(id) == 0 {
            lookup::find(vmcs::GUEST, id, self.release())?;
            return Err(not_accessible);
        }
        find(vcpu::GUEST, id, self.release(), not_l2)
    }

    /// TDG.VP.RD: RCX = 0, RDX = field ID; R8 = the value, RDX = the next
    /// guest-readable ID (-1 first and after the last), or the first one
    /// for the null ID with `TDX_METADATA_FIRST_FIELD_ID_IN_CONTEXT`.
    pub(super) fn tdg_vp_rd(
        &mut self,
        tdvpr: u64,
        inp: &Regs,
        out: &mut Out,
    ) -> Result<(), GuestFail> {
        out.set(Reg::Rdx, u64::MAX);
        out.set(Reg::R8, 0);
        if inp.rcx != 0 {
            return Err(invalid(OperandId::Rcx));
        }
        let table = vcpu::GUEST;
        let release = self.release();
        if lookup::is_null(inp.rdx) {
            out.set(Reg::Rdx, next_id(table, None, release, not_l2));
            return Err(TdxStatus::METADATA_FIRST_FIELD_ID_IN_CONTEXT.into());
        }
        let hit = self.vp_find(inp.rdx, TdxStatus::METADATA_FIELD_NOT_READABLE)?;
        let row = &table[hit.entry];
        if lookup::read_mask(row, false) == 0 {
            return Err(TdxStatus::METADATA_FIELD_NOT_READABLE.into());
        }
        let value = lookup::masked(row, false, self.vp_value(tdvpr, hit));
        out.set(Reg::Rdx, next_id(table, Some(hit), release, not_l2));
        out.set(Reg::R8, value);
        Ok(())
    }

    /// TDG.VP.WR: RCX = 0, RDX = field ID, R8 = value, R9 = write mask; R8
    /// = the previous value (read-masked), 0 on error.
    pub(super) fn tdg_vp_wr(
        &mut self,
        tdvpr: u64,
        inp: &Regs,
        out: &mut Out,
    ) -> Result<(), GuestFail> {
        out.set(Reg::R8, 0);
        if inp.rcx != 0 {
            return Err(invalid(OperandId::Rcx));
        }
        let hit = self.vp_find(inp.rdx, TdxStatus::METADATA_FIELD_NOT_WRITABLE)?;
        let row = &vcpu::GUEST[hit.entry];
        let current = self.vp_value(tdvpr, hit);
        let new = written(row.2, inp.r9, current, sized(row.0, inp.r8))?;
        if let Some(v) = self.vcpus.get_mut(&tdvpr) {
            v.guest.fields.insert((row.0.raw(), hit.element), new);
        }
        out.set(Reg::R8, lookup::masked(row, false, current));
        Ok(())
    }

    /// TDG.SYS.RD: RDX = field ID; R8 = the value, RDX = the next
    /// guest-readable ID (-1 first and after the last), or the first one
    /// for the null ID with `TDX_METADATA_FIRST_FIELD_ID_IN_CONTEXT`.
    pub(super) fn tdg_sys_rd(&mut self, inp: &Regs, out: &mut Out) -> Result<(), GuestFail> {
        out.set(Reg::Rdx, u64::MAX);
        out.set(Reg::R8, 0);
        let table = sys::GUEST;
        let release = self.release();
        if lookup::is_null(inp.rdx) {
            out.set(Reg::Rdx, next_id(table, None, release, all));
            return Err(TdxStatus::METADATA_FIRST_FIELD_ID_IN_CONTEXT.into());
        }
        let hit = find(table, inp.rdx, release, all)?;
        let row = &table[hit.entry];
        if lookup::read_mask(row, false) == 0 {
            return Err(TdxStatus::METADATA_FIELD_NOT_READABLE.into());
        }
        let value = lookup::masked(row, false, self.sys_value(row.0, hit.element));
        out.set(Reg::Rdx, next_id(table, Some(hit), release, all));
        out.set(Reg::R8, value);
        Ok(())
    }
}
