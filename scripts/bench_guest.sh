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

# shellcheck source=scripts/lib.sh
. scripts/lib.sh
bench_suite "guest: " guest bench_guest_callgrind SEAMCALL_BENCH_GUEST_INTERLEAVED guest- rdmsr vp_info

echo "load_end_guest	$(cut -d' ' -f1-3 /proc/loadavg)" >>"$out/machine.tsv"
python3 scripts/bench_guest_report.py "$out" docs
echo "wrote docs/bench-guest.md and the guest section of docs/bench.md"
