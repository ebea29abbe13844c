//! The guest macros' code is the code a careful engineer writes by hand:
//! built out of line in release mode, the TDG.VP.INFO and the TDG.VP.VMCALL
//! RDMSR shapes are the instructions of hand-written `asm!` for the
//! same registers (`examples/guest_codegen_shapes.rs`): the same
//! instructions, and no CF test after TDCALL.

use seamcall_tests::disasm;

fn compare(bin: &std::path::Path, shape: &str) {
    let get = |which: &str| {
        disasm::function(bin, &format!("guest_codegen_{shape}_{which}"))
            .unwrap_or_else(|e| panic!("{e}"))
    };
    let (mac, floor) = (get("macro"), get("floor"));
    let listing = disasm::side_by_side(&mac, &floor);
    assert!(
        mac.iter()
            .any(|i| i.mnemonic == "tdcall" || i.operands.contains("tdcall")),
        "no TDCALL\n{listing}"
    );
    assert!(
        !mac.iter().any(|i| i.mnemonic == "jb" || i.mnemonic == "jc"),
        "a CF test after TDCALL\n{listing}"
    );
    // Instruction for instruction the same, jump targets aside (the six
    // outputs of TDG.VP.INFO return through memory on both sides: the
    // `Result` is larger than two registers).
    let norm = |v: &[disasm::Insn]| -> Vec<String> {
        v.iter()
            .filter(|i| !i.is_nop())
            .map(|i| match i.jump_target() {
                Some(_) => i.mnemonic.clone(),
                None => format!("{} {}", i.mnemonic, i.operands),
            })
            .collect()
    };
    assert_eq!(
        norm(&mac),
        norm(&floor),
        "the macro's {shape} differs from hand-written asm\n{listing}"
    );
    println!("{listing}");
}

#[test]
fn guest_shapes_match_hand_written_asm() {
    let bin =
        disasm::build_release_example("guest_codegen_shapes").unwrap_or_else(|e| panic!("{e}"));
    compare(&bin, "vp_info");
    compare(&bin, "rdmsr");
}
