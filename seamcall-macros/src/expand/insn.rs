//! The instruction a block issues, as a parameter of the block builder:
//! its bytes, whether it reports VMfailInvalid through CF, the faults the
//! exception table recovers, and the types its status maps to.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::regs::{self, Reg};

/// A fault the instruction raises where it cannot run (#UD with TDX off,
/// #GP outside the right mode), recovered through `seamcall_extable`: the
/// pad at `label` loads `status` into RAX.
pub struct Fault {
    /// The exception vector.
    pub vector: u8,
    /// The numeric local label of the pad.
    pub label: u8,
    /// The `asm!` operand name of the status the pad loads.
    pub operand: &'static str,
    /// The `__private` constant holding that status.
    pub status: &'static str,
}

/// What the block builder needs to know about the instruction.
pub struct Insn {
    /// `seamcall-core`'s `macro_rules!` macro that spells the instruction
    /// (its bytes, or the benchmark stand-in under `--cfg seamcall_stub`).
    pub text_macro: &'static str,
    /// CF=1 after the instruction means VMfailInvalid (RAX unchanged): a
    /// `jc` to a pad that loads [`Insn::vmfail_status`].
    pub reports_vmfail_via_cf: bool,
    /// The `__private` constant the VMfailInvalid pad loads.
    pub vmfail_status: &'static str,
    /// The faults the exception table recovers, one entry and one pad each.
    pub faults: &'static [Fault],
    /// The `__private` error type a `Result` leaf maps a non-zero status to.
    pub error: &'static str,
    /// The `__private` type of the raw status.
    pub status: &'static str,
}

/// The label of the VMfailInvalid pad.
const VMFAIL_LABEL: u8 = 6;

impl Insn {
    /// `SEAMCALL` (`66 0F 01 CF`): VMfailInvalid through CF, #UD and #GP
    /// recovered, status decoded as `TdxStatus` / `SeamcallError`.
    pub const SEAMCALL: Insn = Insn {
        text_macro: "__seamcall_insn",
        reports_vmfail_via_cf: true,
        vmfail_status: "SEAMCALL_VMFAILINVALID",
        faults: &[
            Fault {
                vector: 6,
                label: 7,
                operand: "ud",
                status: "SEAMCALL_UD",
            },
            Fault {
                vector: 13,
                label: 8,
                operand: "gp",
                status: "SEAMCALL_GP",
            },
        ],
        error: "SeamcallError",
        status: "TdxStatus",
    };

    /// The instruction, as a template string expression.
    pub fn text(&self, krate: &syn::Path) -> TokenStream {
        let m = format_ident!("{}", self.text_macro);
        quote!(#krate::#m!())
    }

    /// What follows the instruction on the normal path: the CF check.
    pub fn check(&self) -> Vec<String> {
        if self.reports_vmfail_via_cf {
            vec![format!("jc {VMFAIL_LABEL}f")]
        } else {
            Vec::new()
        }
    }

    /// The cold pads (each loads a status, then every output is zeroed and
    /// the code rejoins at `3:`) and the exception-table entries.
    pub fn pads(&self, outputs: &[Reg]) -> Vec<String> {
        let mut loads: Vec<(u8, &str)> = Vec::new();
        if self.reports_vmfail_via_cf {
            loads.push((VMFAIL_LABEL, "vmfail"));
        }
        loads.extend(self.faults.iter().map(|f| (f.label, f.operand)));
        let mut pads =
            vec![".pushsection .text.unlikely.seamcall_fixup, \"ax\", @progbits".to_string()];
        for (i, (label, operand)) in loads.iter().enumerate() {
            pads.push(format!("{label}:"));
            pads.push(format!("mov rax, {{{operand}}}"));
            if i + 1 < loads.len() {
                pads.push("jmp 5f".into());
            }
        }
        pads.push("5:".into());
        // Outputs read as 0 when the module did not run. RBX is zeroed in
        // place: the epilogue moves it out as on the normal path.
        for r in outputs {
            let d = regs::dword_name(*r);
            pads.push(format!("xor {d}, {d}"));
        }
        pads.extend(["jmp 3b", ".popsection"].map(String::from));
        pads.extend(self.extable());
        pads
    }

    /// One `(instruction, fixup, vector)` entry per fault.
    fn extable(&self) -> Vec<String> {
        let mut lines = vec![
            ".pushsection seamcall_extable, \"aR\", @progbits".to_string(),
            ".balign 4".into(),
        ];
        for f in self.faults {
            lines.push(".long 2b - .".into());
            lines.push(format!(".long {}b - .", f.label));
            lines.push(format!(".long {}", f.vector));
        }
        lines.push(".popsection".into());
        lines
    }

    /// The `const` operands the pads load.
    pub fn pad_operands(&self, private: &TokenStream) -> Vec<TokenStream> {
        let mut ops = Vec::new();
        if self.reports_vmfail_via_cf {
            let c = format_ident!("{}", self.vmfail_status);
            ops.push(quote!(vmfail = const #private::#c));
        }
        for f in self.faults {
            let (name, c) = (
                format_ident!("{}", f.operand),
                format_ident!("{}", f.status),
            );
            ops.push(quote!(#name = const #private::#c));
        }
        ops
    }
}
