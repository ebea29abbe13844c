use seamcall_core::fields;
use seamcall_core::leaves::{tdh_mng_wr, PhysAddr};

fn main() {
    // PEND_NMI is a vCPU field: TDH.VP.WR writes it, not TDH.MNG.WR.
    let _ = unsafe { tdh_mng_wr(PhysAddr::new(0x1000), fields::vcpu::PEND_NMI, 1, 0xFF) };
}
