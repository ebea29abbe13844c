//! The macro's code is the code a careful engineer writes by hand: a
//! TDH.MNG.RD-shaped leaf built out of line in release mode has no load or
//! store and no more instructions than hand-written `asm!` for the same
//! registers (`examples/codegen_shapes.rs`).

use seamcall_tests::disasm;

#[test]
fn mng_rd_shape_matches_hand_written_asm() {
    let bin = disasm::build_release_example("codegen_shapes").unwrap_or_else(|e| panic!("{e}"));
    let mac = disasm::function(&bin, "codegen_mng_rd_macro").unwrap_or_else(|e| panic!("{e}"));
    let floor = disasm::function(&bin, "codegen_mng_rd_floor").unwrap_or_else(|e| panic!("{e}"));
    let listing = disasm::side_by_side(&mac, &floor);
    assert!(
        mac.iter().any(|i| i.mnemonic == "jb" || i.mnemonic == "jc"),
        "the CF check is missing\n{listing}"
    );
    let mem: Vec<_> = mac
        .iter()
        .filter(|i| i.touches_memory() && i.mnemonic != "ret")
        .collect();
    assert!(
        mem.is_empty(),
        "loads or stores in the macro's leaf: {mem:?}\n{listing}"
    );
    assert!(
        mac.len() <= floor.len(),
        "the macro's leaf has {} instructions, hand-written asm {}\n{listing}",
        mac.len(),
        floor.len()
    );
    println!("{listing}");
}
