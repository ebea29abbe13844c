#!/usr/bin/env python3
"""Write docs/bench-guest.md, and the guest section of docs/bench.md, from one
run of scripts/bench_guest.sh.

usage: bench_guest_report.py OUT_DIR DOCS_DIR

OUT_DIR holds guest-criterion-*.json (criterion's estimates per variant),
guest-interleaved.tsv and guest-callgrind.tsv. Nothing here measures.
"""

import json
import os
import sys

SHAPES = {
    "rdmsr": "TDG.VP.VMCALL Instruction.RDMSR: R12 in, R11 out, R10 status, RCX = 0x1C00",
    "vp_info": "TDG.VP.INFO: six outputs (RCX, RDX, R8-R11)",
}
PLACEMENTS = ["inline", "outline"]
VARIANTS = {
    "rdmsr": ["macro", "floor", "macro_no_scrub", "floor_no_scrub", "tdshim", "linux_saved_ret"],
    "vp_info": ["macro", "floor", "tdshim", "linux_saved_ret"],
}
LABEL = {
    "macro": "macro",
    "floor": "floor (hand-written asm!)",
    "macro_no_scrub": "macro, `no_scrub`",
    "floor_no_scrub": "floor, no zeroing",
    "tdshim": "td-shim style",
    "linux_saved_ret": "Linux `__tdcall_saved_ret`",
    "loop_only": "the loop alone",
}
BEGIN = "<!-- guest benchmarks: scripts/bench_guest_report.py -->"
END = "<!-- end guest benchmarks -->"


def read_tsv(path):
    with open(path) as f:
        return [line.rstrip("\n").split("\t") for line in f if line.strip()]


def main(out, docs):
    machine = dict(r for r in read_tsv(os.path.join(out, "machine.tsv")) if len(r) == 2)
    ir = {}
    for row in read_tsv(os.path.join(out, "guest-callgrind.tsv"))[1:]:
        v, n1, i1, n2, i2 = row
        ir[v] = (int(i2) - int(i1)) / (int(n2) - int(n1))
    inter = {r[0]: float(r[1]) for r in read_tsv(os.path.join(out, "guest-interleaved.tsv"))}
    crit = {}
    for v in ir:
        path = os.path.join(out, "guest-criterion-" + v.replace("/", "_") + ".json")
        with open(path) as f:
            crit[v] = json.load(f)["median"]["point_estimate"]

    lines = [BEGIN, "", "## The guest side", ""]
    lines.append(
        "`#[tdvmcall]` and `#[tdcall]` against the floor (hand-written `asm!` binding the same "
        "registers, with the same zeroing), td-shim's style (a register struct in memory and an "
        "out-of-line `extern \"win64\"` function that pushes every callee-saved register) and "
        "Linux's `__tdcall_saved_ret` (all 13 registers of `struct tdx_module_args` through "
        "memory; for RDMSR with Linux's fixed mask 0xFFCC). Stand-in instruction, one run "
        f"(commit {machine.get('commit', '?')}, {machine.get('date', '?')}, load "
        f"{machine.get('load_start', '?')} at the start)."
    )
    lines.append("")
    ratios = []
    for s, desc in SHAPES.items():
        lines.append(f"### {desc}")
        lines.append("")
        lines.append("| variant | placement | criterion median | interleaved median | instructions |")
        lines.append("|---|---|---|---|---|")
        for p in PLACEMENTS:
            names = VARIANTS[s] + (["loop_only"] if p == "inline" else [])
            for v in names:
                k = f"{s}/{p}/{v}"
                lines.append(
                    f"| {LABEL[v]} | {p} | {crit[k]:.2f} ns | {inter[k]:.2f} ns | {ir[k]:.1f} |"
                )
        lines.append("")
        base = ir[f"{s}/inline/loop_only"]
        for p in PLACEMENTS:
            m = f"{s}/{p}/macro"
            def row(name, num, target=None):
                k = f"{s}/{p}/{num}"
                gross = ir[k] / ir[m]
                net = (ir[k] - base) / (ir[m] - base) if p == "inline" else None
                t = crit[k] / crit[m]
                ti = inter[k] / inter[m]
                ratios.append((s, p, name, gross, net, t, ti, target))
            row("floor / macro", "floor", "= 1 in instructions")
            row("td-shim style / macro", "tdshim", ">= 4 in instructions" if s == "rdmsr" else None)
            row("Linux `__tdcall_saved_ret` / macro", "linux_saved_ret")
            if s == "rdmsr":
                k0 = f"{s}/{p}/macro_no_scrub"
                ratios.append((s, p, "floor, no zeroing / macro, `no_scrub`",
                               ir[f"{s}/{p}/floor_no_scrub"] / ir[k0],
                               ((ir[f"{s}/{p}/floor_no_scrub"] - base) / (ir[k0] - base)) if p == "inline" else None,
                               crit[f"{s}/{p}/floor_no_scrub"] / crit[k0],
                               inter[f"{s}/{p}/floor_no_scrub"] / inter[k0], "= 1 in instructions"))
                ratios.append((s, p, "td-shim style / macro, `no_scrub`",
                               ir[f"{s}/{p}/tdshim"] / ir[k0],
                               ((ir[f"{s}/{p}/tdshim"] - base) / (ir[k0] - base)) if p == "inline" else None,
                               crit[f"{s}/{p}/tdshim"] / crit[k0],
                               inter[f"{s}/{p}/tdshim"] / inter[k0], None))
    lines.append("### Ratios")
    lines.append("")
    lines.append(
        "Instructions per loop iteration from callgrind; *net* subtracts the loop alone "
        "(`loop_only`: the input through `black_box`, the `Result` kept), inlined placement only. "
        "Time ratios from the criterion medians and the interleaved medians."
    )
    lines.append("")
    lines.append("| shape | placement | ratio | instructions | net instructions | time (criterion) | time (interleaved) | target | met (instructions) |")
    lines.append("|---|---|---|---|---|---|---|---|---|")
    for s, p, name, g, n, t, ti, target in ratios:
        net = f"{n:.2f}" if n is not None else "-"
        met = ""
        if target and target.startswith("="):
            met = "yes" if abs(g - 1.0) < 0.005 else "no"
        elif target and target.startswith(">="):
            met = "yes" if g >= 4.0 else ("net only" if n is not None and n >= 4.0 else "no")
        lines.append(f"| {s} | {p} | {name} | {g:.2f} | {net} | {t:.2f} | {ti:.2f} | {target or ''} | {met} |")
    lines.append("")
    k = "rdmsr/inline/"
    base = ir[k + "loop_only"]
    extra = ir[k + "tdshim"] - ir[k + "macro"]
    own = ir[k + "macro"] - base
    gross = ir[k + "tdshim"] / ir[k + "macro"]
    net = (ir[k + "tdshim"] - base) / own
    net_ns = (ir[k + "tdshim"] - base) / (ir[k + "macro_no_scrub"] - base)
    lines.append(
        "The macro costs what the floor costs on both shapes, instruction for instruction. "
        f"td-shim's style costs {extra:.0f} instructions more per RDMSR than the macro (8 pushes "
        "and 8 pops, the loads and stores through the struct, the call and the win64 shadow "
        f"space), while the macro's own call is {own:.0f} instructions (the constants, the two "
        "status tests and the zeroing of R10-R12, which td-shim does not do), so the ratio is "
        f"{gross:.2f} counting the loop and {net:.2f} net of it; without the zeroing "
        f"(`no_scrub`, as td-shim) it is {net_ns:.2f} net. Where the instruction ratio is "
        "below 4, the target is not met."
    )
    lines.append("")
    emulated = os.path.join(out, "guest-emulate.tsv")
    if os.path.exists(emulated):
        rows = [[float(x) for x in r] for r in read_tsv(emulated)[1:]]
        lines.append("### Emulated TDG.VP.VMCALL round trip")
        lines.append("")
        lines.append(
            "`tdvmcall_rdmsr` under `with_guest` (`vmm::VmcallOnly`) against the same call with a "
            "SIGSEGV/SIGILL handler that only steps over the instruction, in the same run "
            "(`benches/guest_emulate.rs`, normal build, interleaved medians), five runs:"
        )
        lines.append("")
        lines.append("| run | bare signal | trivial VMM | ratio | `GhciVmm` | ratio |")
        lines.append("|---|---|---|---|---|---|")
        for i, (b, t, g) in enumerate(rows, 1):
            lines.append(f"| {i} | {b:.0f} ns | {t:.0f} ns | {t / b:.2f} | {g:.0f} ns | {g / b:.2f} |")
        med = lambda xs: sorted(xs)[len(xs) // 2]
        lines.append("")
        lines.append(
            f"Median ratio: trivial VMM {med([t / b for b, t, _ in rows]):.2f}, `GhciVmm` "
            f"{med([g / b for b, _, g in rows]):.2f} (target: at most 1.3)."
        )
        lines.append("")
    lines.append(END)
    section = "\n".join(lines) + "\n"

    with open(os.path.join(docs, "bench-guest.md"), "w") as f:
        f.write("# Guest-side benchmarks\n\nWritten by `scripts/bench_guest.sh`.\n\n" + section)
    bench = os.path.join(docs, "bench.md")
    text = open(bench).read() if os.path.exists(bench) else ""
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        _, tail = rest.split(END, 1)
        text = head + section.rstrip("\n") + tail
    else:
        text = text.rstrip("\n") + "\n\n" + section
    with open(bench, "w") as f:
        f.write(text)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
