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

stub_flags="--cfg seamcall_stub -C llvm-args=-align-loops=64"
stub() { RUSTFLAGS="$stub_flags" CARGO_TARGET_DIR="$stub_dir" "$@"; }

echo "== guest: build (stub)"
stub cargo build --release --bench guest --example bench_guest_callgrind

echo "== guest: criterion"
rm -rf "$stub_dir"/criterion/rdmsr_* "$stub_dir"/criterion/vp_info_*
SEAMCALL_BENCH_GUEST_INTERLEAVED="$out/guest-interleaved.tsv" \
    stub cargo bench --bench guest -- --noplot 2>&1 | tee "$out/guest-criterion.log"
for d in "$stub_dir"/criterion/rdmsr_* "$stub_dir"/criterion/vp_info_*; do
    cp "$d/new/estimates.json" "$out/guest-criterion-$(basename "$d").json"
done

echo "== guest: callgrind"
bin=$stub_dir/release/examples/bench_guest_callgrind
n1=200000
n2=400000
printf 'variant\tn1\tir1\tn2\tir2\n' >"$out/guest-callgrind.tsv"
for v in $("$bin" --list); do
    irs=()
    for n in $n1 $n2; do
        valgrind --tool=callgrind --callgrind-out-file="$out/cg.out" "$bin" "$v" "$n" 2>"$out/cg.err" \
            || { cat "$out/cg.err" >&2; exit 1; }
        irs+=("$(awk '/^summary:/ {print $2}' "$out/cg.out")")
    done
    printf '%s\t%s\t%s\t%s\t%s\n' "$v" $n1 "${irs[0]}" $n2 "${irs[1]}" | tee -a "$out/guest-callgrind.tsv"
done
rm -f "$out/cg.out" "$out/cg.err"

echo "load_end_guest	$(cut -d' ' -f1-3 /proc/loadavg)" >>"$out/machine.tsv"
python3 scripts/bench_guest_report.py "$out" docs
echo "wrote docs/bench-guest.md and the guest section of docs/bench.md"
