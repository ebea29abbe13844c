use seamcall_core::fields;

fn main() {
    // Element 5 is MRTD.element(5), not MRTD + 5.
    let _ = fields::td::MRTD + 5;
}
