# Shared by scripts/bench.sh and scripts/bench_guest.sh (sourced, not run).
# The caller sets `stub_dir` (the stub build's target directory) and `out`
# (where the measurements go) before calling anything here.

# Loops aligned to 64 bytes: where the linker happens to put each loop
# otherwise moves its time by up to a third on this machine (the same
# instructions, 2 bytes apart in encoding, measured 1.80 against 1.47 ns),
# which would be measuring code placement, not the variants.
stub_flags="--cfg seamcall_stub -C llvm-args=-align-loops=64"
stub() { RUSTFLAGS="$stub_flags" CARGO_TARGET_DIR="$stub_dir" "$@"; }

# bench_suite LABEL BENCH EXAMPLE INTERLEAVED_VAR PREFIX GROUP...
#
# One suite of variants, built with the stand-in instruction: the criterion
# benchmark BENCH (with the interleaved second measurement, which it writes
# where the environment variable INTERLEAVED_VAR says) and the callgrind
# counts of every variant of the example EXAMPLE at two iteration counts.
# GROUP... are the criterion directory prefixes of the suite's ids (their
# first part). Writes, under $out: PREFIXcriterion.log,
# PREFIXcriterion-ID.json, PREFIXinterleaved.tsv and PREFIXcallgrind.tsv.
# LABEL starts each progress line. Leaves `bin` set to the example binary.
bench_suite() {
    local label=$1 bench=$2 example=$3 interleaved_var=$4 prefix=$5
    shift 5
    local g d v n n1=200000 n2=400000

    echo "== ${label}build (stub)"
    stub cargo build --release --bench "$bench" --example "$example"

    echo "== ${label}criterion"
    for g in "$@"; do
        rm -rf "$stub_dir"/criterion/"$g"_*
    done
    (
        export "$interleaved_var=$out/${prefix}interleaved.tsv"
        stub cargo bench --bench "$bench" -- --noplot 2>&1 | tee "$out/${prefix}criterion.log"
    )
    for g in "$@"; do
        for d in "$stub_dir"/criterion/"$g"_*; do
            cp "$d/new/estimates.json" "$out/${prefix}criterion-$(basename "$d").json"
        done
    done

    echo "== ${label}callgrind"
    bin=$stub_dir/release/examples/$example
    printf 'variant\tn1\tir1\tn2\tir2\n' >"$out/${prefix}callgrind.tsv"
    for v in $("$bin" --list); do
        local irs=()
        for n in $n1 $n2; do
            valgrind --tool=callgrind --callgrind-out-file="$out/cg.out" "$bin" "$v" "$n" 2>"$out/cg.err" \
                || { cat "$out/cg.err" >&2; exit 1; }
            irs+=("$(awk '/^summary:/ {print $2}' "$out/cg.out")")
        done
        printf '%s\t%s\t%s\t%s\t%s\n' "$v" $n1 "${irs[0]}" $n2 "${irs[1]}" | tee -a "$out/${prefix}callgrind.tsv"
    done
    rm -f "$out/cg.out" "$out/cg.err"
}
