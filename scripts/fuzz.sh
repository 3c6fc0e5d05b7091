#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each (default 60), two at a time (the machine's two
# cores), each from its committed seeds (fuzz/seeds/NAME/) into its working corpus
# (fuzz/corpus/NAME/, not committed). Prints, per target, the executions, the coverage and the
# corpus size libFuzzer reported at the end, and lists any crash (fuzz/artifacts/NAME/); exits
# non-zero if a target crashed or did not run. A crash becomes a regression input in
# fuzz/seeds/NAME/ (the test command replays every committed input: fuzz/src/lib.rs).
#
#   ./scripts/fuzz.sh 30                    # every target, 30 s each
#   ./scripts/fuzz.sh 1800 rule_set_load    # one target (the campaign: docs/firmware.md)
#   JOBS=1 ./scripts/fuzz.sh 60             # one at a time
#   RUNS=10000000 ./scripts/fuzz.sh 1800    # the campaign: 10M executions or 30 minutes
#
# Needs the nightly toolchain and cargo-fuzz (`cargo install --locked cargo-fuzz`).
set -uo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
jobs=${JOBS:-2}
runs=${RUNS:--1}
if [ $# -gt 0 ]; then
    targets=("$@")
else
    mapfile -t targets < <(sed -n 's/^name = "\(.*\)"$/\1/p' fuzz/Cargo.toml | grep -vx retention-fuzz)
fi
logs=target/fuzz-logs
mkdir -p "$logs"
# Builds every target once (instrumented, release), then runs them.
cargo +nightly fuzz build -O >"$logs/build.log" 2>&1 || { cat "$logs/build.log"; exit 1; }

run_one() {
    local name=$1 log="$logs/$1.log"
    mkdir -p "fuzz/corpus/$name" "fuzz/artifacts/$name"
    cargo +nightly fuzz run -O "$name" "fuzz/corpus/$name" "fuzz/seeds/$name" -- \
        -max_total_time="$seconds" -runs="$runs" -print_final_stats=1 \
        -artifact_prefix="fuzz/artifacts/$name/" >"$log" 2>&1
    echo $? >"$log.rc"
}

running=0
for name in "${targets[@]}"; do
    run_one "$name" &
    running=$((running + 1))
    if [ "$running" -ge "$jobs" ]; then
        wait -n
        running=$((running - 1))
    fi
done
wait

failed=0
for name in "${targets[@]}"; do
    log="$logs/$name.log"
    rc=$(cat "$log.rc" 2>/dev/null || echo 1)
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | cut -d' ' -f2)
    ft=$(grep -oE 'ft: [0-9]+' "$log" | tail -1 | cut -d' ' -f2)
    corpus=$(find "fuzz/corpus/$name" -type f | wc -l)
    crashes=$(find "fuzz/artifacts/$name" -type f 2>/dev/null | wc -l)
    echo "fuzz: $name ${seconds} s, ${execs:-0} executions, coverage ${cov:-0} edges, ${ft:-0} features, corpus $corpus inputs, crashes $crashes (exit $rc)"
    if [ "$rc" != 0 ] || [ "$crashes" != 0 ]; then
        failed=1
        find "fuzz/artifacts/$name" -type f | sed 's/^/fuzz:   crash: /'
    fi
done
exit $failed
