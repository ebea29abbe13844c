#!/usr/bin/env bash
# The guest side of the benchmark report:
#
#   scripts/bench_guest.sh [OUT_DIR]
#
# Builds the guest variants with the stand-in instruction (the same flags and
# target directory as scripts/bench.sh), runs criterion and the interleaved
# second measurement (benches/guest.rs), counts instructions per call with
# callgrind (examples/bench_guest_callgrind.rs, two iteration counts,
# differenced), and writes docs/bench-guest.md and the guest section of
# docs/bench.md (scripts/bench_guest_report.py). scripts/bench.sh runs it
# after the host part, with its OUT_DIR; run alone it uses its own.
#
# Then the emulated TDG.VP.VMCALL round trip against the bare signal round
# trip (benches/guest_emulate.rs, built normally: the real instruction,
# trapped): five runs of its interleaved measurement, one after the other;
# each run's medians go to OUT_DIR/guest-emulate.tsv, the median ratio over
# the five runs to the terminal and the report. EMULATE_ONLY=1 runs this
# step alone (and writes no docs).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

base=${CARGO_TARGET_DIR:-$root/target}
stub_dir=$base/seamcall-stub
out=${1:-$base/bench-guest-out}
mkdir -p "$out"
export CARGO_TERM_COLOR=never

for tool in valgrind python3; do
    command -v "$tool" >/dev/null || { echo "error: $tool is needed" >&2; exit 1; }
done
if [ ! -f "$out/machine.tsv" ]; then
    {
        echo "nproc	$(nproc)"
        echo "cpu	$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
        echo "rustc	$(rustc -V)"
        echo "commit	${BENCH_COMMIT:-$(git rev-parse --short HEAD 2>/dev/null || echo unknown)}"
        echo "date	$(date -u +%Y-%m-%dT%H:%MZ)"
        echo "load_start	$(cut -d' ' -f1-3 /proc/loadavg)"
    } >"$out/machine.tsv"
fi

# The emulated round trip: 5 runs, each `bare trivial ghci` (ns) on a line.
emulate_bench() {
    echo "== guest: emulated TDG.VP.VMCALL round trip against the bare signal round trip"
    cargo build --release --bench guest_emulate
    local bin
    bin=$(cargo bench --bench guest_emulate --no-run --message-format=json 2>/dev/null |
        python3 -c 'import json,sys
for l in sys.stdin:
    m = json.loads(l)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "guest_emulate" and m.get("executable"):
        print(m["executable"])')
    printf 'bare_ns\ttrivial_ns\tghci_ns\n' >"$out/guest-emulate.tsv"
    for _ in 1 2 3 4 5; do
        SEAMCALL_BENCH_INTERLEAVED_ONLY=1 SEAMCALL_BENCH_GUEST_EMULATE_TSV="$out/guest-emulate.tsv" \
            "$bin" --bench
    done
    python3 - "$out/guest-emulate.tsv" <<'PY'
import statistics, sys
rows = [[float(x) for x in l.split("\t")] for l in list(open(sys.argv[1]))[1:] if l.strip()]
t = statistics.median(r[1] / r[0] for r in rows)
g = statistics.median(r[2] / r[0] for r in rows)
print(f"median of {len(rows)} runs: bare {statistics.median(r[0] for r in rows):.0f} ns; "
      f"trivial VMM ratio {t:.2f}, GhciVmm ratio {g:.2f} (target <= 1.3)")
PY
}

if [ "${EMULATE_ONLY:-0}" = 1 ]; then
    emulate_bench
    exit 0
fi

# shellcheck source=scripts/lib.sh
. scripts/lib.sh
bench_suite "guest: " guest bench_guest_callgrind SEAMCALL_BENCH_GUEST_INTERLEAVED guest- rdmsr vp_info
emulate_bench

echo "load_end_guest	$(cut -d' ' -f1-3 /proc/loadavg)" >>"$out/machine.tsv"
python3 scripts/bench_guest_report.py "$out" docs
echo "wrote docs/bench-guest.md and the guest section of docs/bench.md"
