#!/usr/bin/env bash
# The one command behind docs/bench.md and docs/bench.svg:
#
#   scripts/bench.sh
#
# 1. builds the benchmarks with the stand-in instruction
#    (RUSTFLAGS="--cfg seamcall_stub -C llvm-args=-align-loops=64", in a
#    target directory of its own so that a normal build's artifacts are
#    never mixed with stub ones);
# 2. runs the criterion benchmarks (benches/seamcall.rs), then the same
#    variants again interleaved, round after round, for ratios that a
#    changing machine load cannot skew;
# 3. counts instructions per call with callgrind for the same variants
#    (examples/bench_callgrind.rs, two iteration counts, differenced);
# 4. measures the compile time of seamcall-core with and without the leaf
#    catalog;
# 5. writes docs/bench.md and docs/bench.svg from this run's numbers
#    (scripts/bench_report.py);
# 6. the guest side (scripts/bench_guest.sh): #[tdvmcall]/#[tdcall] against
#    the floor, td-shim's style and Linux's __tdcall_saved_ret, criterion
#    and callgrind, as a section of docs/bench.md and docs/bench-guest.md.
# 7. measures the emulated call against the size of the exception table:
#    examples/bench_sites_{10,2000,10000}.rs, built normally (the real
#    instruction, trapped), run in turn five times each; the medians and
#    the ratios to the 10-site binary go to bench-out/sites.tsv and the
#    terminal.
#
# Needs valgrind, objdump and python3. Timings are only as quiet as the
# machine: the load average is recorded at the start and the end.
# SKIP_COMPILE_TIME=1 skips step 4 (the report then says so); SITES_ONLY=1
# runs step 6 alone.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

base=${CARGO_TARGET_DIR:-$root/target}
stub_dir=$base/seamcall-stub
out=$base/bench-out
export CARGO_TERM_COLOR=never

# Step 6: the emulated call with 10, 2,000 and 10,000 SEAMCALL sites in the
# binary. Each line of a binary's output: sites, table entries, the
# measured leaf's position in the section, the emulated call (ns), one
# lookup by the linear extable::search (ns), one by extable::Index (ns).
sites_bench() {
    echo "== exception-table size: the emulated call with 10, 2000, 10000 sites"
    cargo build --release --example bench_sites_10 --example bench_sites_2000 --example bench_sites_10000
    local raw=$out/sites-raw.tsv
    : >"$raw"
    for _ in 1 2 3 4 5; do
        for n in 10 2000 10000; do
            "$base/release/examples/bench_sites_$n" | tee -a "$raw"
        done
    done
    python3 - "$raw" "$out/sites.tsv" <<'PY'
import statistics, sys
rows = [l.split("\t") for l in open(sys.argv[1]) if l.strip()]
by = {}
for r in rows:
    by.setdefault(int(r[0]), []).append(r)
med = lambda rs, i: statistics.median(float(r[i]) for r in rs)
base = med(by[min(by)], 3)
with open(sys.argv[2], "w") as f:
    head = "sites\tentries\tposition\temulated_ns\tratio\tlinear_search_ns\tindex_search_ns"
    print(head, file=f)
    print("| sites | table entries | emulated call (median ns) | ratio to 10 sites "
          "| linear search (ns) | index search (ns) |")
    print("|---|---|---|---|---|---|")
    for n in sorted(by):
        rs = by[n]
        e = med(rs, 3)
        print(f"{n}\t{rs[0][1]}\t{rs[0][2]}\t{e:.0f}\t{e / base:.3f}\t{med(rs, 4):.1f}\t{med(rs, 5):.1f}", file=f)
        print(f"| {n} | {rs[0][1]} | {e:.0f} | {e / base:.3f} | {med(rs, 4):.1f} | {med(rs, 5):.1f} |")
PY
}

if [ "${SITES_ONLY:-0}" = 1 ]; then
    mkdir -p "$out"
    echo "load_start	$(cut -d' ' -f1-3 /proc/loadavg)"
    sites_bench
    echo "load_end	$(cut -d' ' -f1-3 /proc/loadavg)"
    exit 0
fi

rm -rf "$out"
mkdir -p "$out"

for tool in valgrind objdump python3; do
    command -v "$tool" >/dev/null || { echo "error: $tool is needed" >&2; exit 1; }
done

{
    echo "nproc	$(nproc)"
    echo "cpu	$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
    echo "rustc	$(rustc -V)"
    echo "valgrind	$(valgrind --version)"
    echo "commit	${BENCH_COMMIT:-$(git rev-parse --short HEAD 2>/dev/null || echo unknown)}"
    echo "date	$(date -u +%Y-%m-%dT%H:%MZ)"
    echo "load_start	$(cut -d' ' -f1-3 /proc/loadavg)"
    echo "rustflags	--cfg seamcall_stub -C llvm-args=-align-loops=64"
} >"$out/machine.tsv"
echo "== machine"; cat "$out/machine.tsv"

# shellcheck source=scripts/lib.sh
. scripts/lib.sh
bench_suite "" seamcall bench_callgrind SEAMCALL_BENCH_INTERLEAVED "" narrow wide

echo "== disassembly"
objdump -d -C --no-show-raw-insn -M intel "$bin" >"$out/bench_callgrind.dis"
nm -S -C --defined-only "$bin" >"$out/bench_callgrind.sym"

if [ "${SKIP_COMPILE_TIME:-0}" != 1 ]; then
    echo "== compile time of seamcall-core"
    # Crate only: dependencies built once, then seamcall-core alone, cleaned
    # and rebuilt per configuration. Clean: everything from nothing, in a
    # fresh target directory.
    ct_dir=$base/compile-time
    printf 'config\tflags\tprofile\tscope\tseconds\n' >"$out/compile.tsv"
    configs=("no catalog|--no-default-features" "catalog (default)|" "catalog + proposed + seamldr|--features proposed,seamldr")
    if ! grep -q '^leaves' seamcall-core/Cargo.toml; then
        configs=("no catalog feature in this tree|")
    fi
    # Seconds the command took; its output goes to ct.log, and a failure
    # stops the script.
    timed() {
        local t0 t1
        t0=$(date +%s.%N)
        "$@" >"$out/ct.log" 2>&1 || { cat "$out/ct.log" >&2; return 1; }
        t1=$(date +%s.%N)
        awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }'
    }
    for profile in dev release; do
        pflag=(); [ $profile = release ] && pflag=(--release)
        for c in "${configs[@]}"; do
            name=${c%%|*}; flags=${c#*|}
            # shellcheck disable=SC2086
            CARGO_TARGET_DIR=$ct_dir cargo build -q -p seamcall-core "${pflag[@]}" $flags
            CARGO_TARGET_DIR=$ct_dir cargo clean -q -p seamcall-core "${pflag[@]}"
            # shellcheck disable=SC2086
            s=$(timed env CARGO_TARGET_DIR="$ct_dir" cargo build -q -p seamcall-core "${pflag[@]}" $flags) || exit 1
            printf '%s\t%s\t%s\tcrate\t%s\n' "$name" "$flags" $profile "$s" | tee -a "$out/compile.tsv"
        done
    done
    for c in "${configs[@]:0:2}"; do
        name=${c%%|*}; flags=${c#*|}
        rm -rf "$ct_dir-clean"
        # shellcheck disable=SC2086
        s=$(timed env CARGO_TARGET_DIR="$ct_dir-clean" cargo build -q -p seamcall-core $flags) || exit 1
        printf '%s\t%s\tdev\tclean\t%s\n' "$name" "$flags" "$s" | tee -a "$out/compile.tsv"
    done
    rm -rf "$ct_dir-clean" "$out/ct.log"
fi

sites_bench

echo "load_end	$(cut -d' ' -f1-3 /proc/loadavg)" >>"$out/machine.tsv"

echo "== report"
python3 scripts/bench_report.py "$out" docs
echo "wrote docs/bench.md and docs/bench.svg"

echo "== the guest side"
scripts/bench_guest.sh "$out"
