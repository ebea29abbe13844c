use seamcall_core::leaves::{tdh_vp_rd, PhysAddr};
use seamcall_core::FieldId;

fn main() {
    // A raw ID says no scope: name it with VcpuField::from_raw.
    let _ = unsafe { tdh_vp_rd(PhysAddr::new(0x1000), FieldId::from_raw(0x9120_0003_0000_0100)) };
}
