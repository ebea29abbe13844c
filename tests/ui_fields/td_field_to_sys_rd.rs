use seamcall_core::fields;
use seamcall_core::leaves::tdh_sys_rd;

fn main() {
    // MRTD belongs to a TD: TDH.MNG.RD reads it, TDH.SYS.RD cannot.
    let _ = unsafe { tdh_sys_rd(fields::td::MRTD) };
}
