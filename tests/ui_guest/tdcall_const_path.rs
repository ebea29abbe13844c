// A leaf given as a path is checked by a const assertion against the same
// guest table.
use seamcall_core::guest::TdcallError;
use seamcall_core::tdcall;

const VP_INFO: u16 = 1;

#[tdcall(leaf = VP_INFO, out = [rcx, rdx], safe)]
fn vp_info() -> Result<(u64, u64), TdcallError>;

fn main() {
    let _ = vp_info();
}
