use seamcall_core::fields;
use seamcall_core::leaves::{tdh_mng_rd, PhysAddr};

fn main() {
    // MAX_TDMRS is module-global: TDH.SYS.RD reads it, TDH.MNG.RD cannot.
    let _ = unsafe { tdh_mng_rd(PhysAddr::new(0x1000), fields::sys::MAX_TDMRS) };
}
