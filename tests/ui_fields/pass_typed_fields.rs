use seamcall_core::fields::{self, FieldIndexError, GlobalField, TdField, VcpuField};
use seamcall_core::leaves::{
    tdh_mng_rd, tdh_mng_wr, tdh_sys_rd, tdh_sys_rdall, tdh_vp_rd, tdh_vp_wr, PhysAddr,
};
use seamcall_core::{FieldId, SeamcallError};

/// Every element of the MRTD, as a hypervisor reads it.
unsafe fn mrtd(tdr: PhysAddr) -> Result<[u64; 6], SeamcallError> {
    let mut out = [0; 6];
    for (i, v) in out.iter_mut().enumerate() {
        let element = fields::td::MRTD.element(i).expect("MRTD has 6 elements");
        *v = tdh_mng_rd(tdr, element)?;
    }
    Ok(out)
}

/// Walk the global fields from the first.
unsafe fn walk() -> Result<usize, SeamcallError> {
    let mut n = 0;
    let mut next = fields::sys::NUM_PKGS;
    while !next.id().is_none() {
        let (_, id) = tdh_sys_rd(next)?;
        next = GlobalField::from_raw(id);
        n += 1;
    }
    Ok(n)
}

/// Each metadata leaf with a field of its scope. Compiled, not run: there
/// is no TDX module here.
#[allow(dead_code)]
unsafe fn calls() {
    let tdr = PhysAddr::new(0x1000);
    let tdvpr = PhysAddr::new(0x2000);
    let _ = mrtd(tdr);
    let _ = walk();
    let _ = tdh_sys_rd(fields::sys::MAX_TDMRS);
    let _ = tdh_sys_rdall(0x3000, GlobalField::NONE);
    let _ = tdh_mng_wr(tdr, fields::td::HP_LOCK_TIMEOUT, 1, u64::MAX);
    let _ = tdh_vp_rd(tdvpr, fields::vmcs::GUEST_RIP);
    let _ = tdh_vp_wr(tdvpr, fields::vcpu::PEND_NMI, 1, 0xFF);
    // A field the tables lack, named with its scope.
    let quote = TdField::from_raw(FieldId::from_raw(0x9010_0002_0000_0008));
    let _ = tdh_mng_rd(tdr, quote);
}

fn main() {
    let rtmr2: Result<TdField, FieldIndexError> =
        fields::td::RTMR.field(2).and_then(|f| f.element(3));
    assert_eq!(rtmr2.map(|f| f.raw()), Ok(0x1310_0003_0000_004F));
    let _: VcpuField = VcpuField::from_raw(FieldId::from_raw(0x2C24_0001_0000_0000));
}
