#!/usr/bin/env bash
# Every test of the Retention SDK: the one list of gates (README "Run every test"; .ci/run).
# Runs every step even after a failure, prints each step's time, and ends with
#   ci: N passed, M failed
# where N and M count test cases plus one per step. Logs: target/ci-logs/<step>.log; the
# measured figures (step times, firmware sizes, stack per call) in target/ci-logs/figures.json,
# which `python3 scripts/figures.py update` puts into docs/figures/ and the README.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$ROOT"

# Whether this run starts cold (no cargo build yet, no venv yet): recorded with the figures.
cold_target=$([ -d "$ROOT/target/debug" ] && echo false || echo true)
new_venv=$([ -x "$VENV/bin/python" ] && echo false || echo true)

LOGS="$ROOT/target/ci-logs"
CTEST="$ROOT/target/ctest"
mkdir -p "$LOGS" "$CTEST"
: >"$LOGS/steps.tsv"
export CARGO_TERM_COLOR=never

cases_passed=0 cases_failed=0 steps_passed=0 steps_failed=0
failed_steps=()
started=$(date +%s)

# Adds the test cases a log reports (cargo/libtest, the C harness, pytest) to the totals.
count_cases() {
    local log=$1 p f
    read -r p f < <(awk '
        /^test result: / { for (i = 1; i <= NF; i++) { if ($(i) ~ /^passed;?$/) p += $(i-1); if ($(i) ~ /^failed;?$/) f += $(i-1) } }
        /^c-tests: / { p += $2; f += $4 }
        /^=+ .* in [0-9.]+s/ { for (i = 1; i <= NF; i++) { if ($(i) ~ /^passed,?$/) p += $(i-1); if ($(i) ~ /^failed,?$/) f += $(i-1) } }
        END { print p + 0, f + 0 }' "$log")
    cases_passed=$((cases_passed + p))
    cases_failed=$((cases_failed + f))
}

# step NAME COMMAND...: runs one gate, times it, keeps its log, never stops the script.
step() {
    local name=$1; shift
    local log="$LOGS/$name.log" t0 t1 rc
    t0=$(date +%s)
    "$@" >"$log" 2>&1
    rc=$?
    t1=$(date +%s)
    count_cases "$log"
    printf '%s\t%s\t%s\n' "$name" $((t1 - t0)) "$([ $rc -eq 0 ] && echo ok || echo failed)" \
        >>"$LOGS/steps.tsv"
    if [ $rc -eq 0 ]; then
        steps_passed=$((steps_passed + 1))
        printf '%-12s ok      %4ss\n' "$name" $((t1 - t0))
        grep -E '^(size|firmware|firmware-capability|panics|stack-probe|ci-info|setup):' "$log" \
            | sed 's/^/             /'
    else
        steps_failed=$((steps_failed + 1))
        failed_steps+=("$name")
        printf '%-12s FAILED  %4ss  (exit %s; last lines of %s)\n' "$name" $((t1 - t0)) $rc "${log#$ROOT/}"
        tail -n 60 "$log" | sed 's/^/    | /'
    fi
}

# --- the gates ---------------------------------------------------------------------------------

setup() {
    ensure_apt && ensure_rust && ensure_msrv_toolchain && ensure_nightly_miri && ensure_venv
}

fmt() { cargo fmt --all --check -- --color never; }

clippy() {
    cargo clippy --workspace --all-targets --locked -- -D warnings \
        && cargo clippy -p retention-core --no-default-features --target thumbv7em-none-eabihf --locked -- -D warnings
}

doc() { RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked; }

rust_tests() { cargo test --workspace --locked; }

# The minimum supported Rust version is true: every crate's rust-version covers what its locked
# dependencies declare (scripts/msrv.py), and the core and the C API, as firmware builds them
# (no_std, Cortex-M3), compile with exactly that toolchain. The other crates are checked
# against the lock file only. The test suite itself needs more (CONTRIBUTING.md, "Toolchains").
msrv() {
    local version
    version="$(msrv_version)"
    python3 scripts/msrv.py \
        && cargo "+$version" check --locked --target "$FIRMWARE_TARGET" -p retention-core \
            -p retention-ffi --no-default-features \
            --features retention-ffi/panic-handler,retention-ffi/rules,retention-ffi/cards,retention-ffi/churn \
        && echo "ci-info: rust-version $version covers Cargo.lock; the core and the C API (no_std, $FIRMWARE_TARGET) build with Rust $version"
}

# A no_std, no-heap binary linking the core and every C API function; the core for Cortex-M4F.
nostd_proof() {
    cargo build --release --locked --manifest-path nostd-proof/Cargo.toml \
        && nostd-proof/target/release/core-proof && nostd-proof/target/release/capi-proof \
        && cargo build --locked -p retention-core --no-default-features --target thumbv7em-none-eabihf \
        && echo "ci-info: core and C API link without std or heap; core builds for thumbv7em-none-eabihf"
}

# Regenerate every generated file; any difference from the commit fails. The README's figures
# blocks must be what docs/figures/ renders.
header_check() {
    python3 scripts/figures.py check || return 1
    cargo xtask gen || return 1
    local diff
    diff="$(git status --porcelain -- include ffi/tests/generated ffi/src/status/codes.rs nostd-proof/src/exports.rs)"
    if [ -n "$diff" ]; then
        echo "generated files differ from the committed ones (run cargo xtask gen and commit):"
        echo "$diff"
        git --no-pager diff --stat -- include ffi/tests/generated ffi/src/status/codes.rs nostd-proof/src/exports.rs
        return 1
    fi
}

# The header alone, freestanding, as C99 (host and ARM) and as C++.
c_header() {
    local flags=(-std=c99 -Wall -Wextra -Wpedantic -Werror -ffreestanding -fsyntax-only -x c)
    gcc "${flags[@]}" include/retention.h \
        && arm-none-eabi-gcc "${flags[@]}" -mcpu=cortex-m3 -mthumb include/retention.h \
        && g++ -std=c++11 -Wall -Wextra -Wpedantic -Werror -fsyntax-only -x c++ include/retention.h
}

# ffi/tests/*.c against the host staticlib (std, panics caught), under ASan + UBSan.
c_host() {
    cargo build --locked -q -p retention-ffi || return 1
    local rc=0 test name
    for test in ffi/tests/test_*.c; do
        name=$(basename "$test" .c)
        echo "== $name (host, ASan+UBSan)"
        gcc -std=c99 -Wall -Wextra -Wpedantic -Werror -g -fsanitize=address,undefined \
            -fno-sanitize-recover=all -fno-omit-frame-pointer -Iinclude -Iffi/tests "$test" \
            target/debug/libretention_ffi.a "${HOST_LIBS[@]}" -o "$CTEST/$name" || { rc=1; continue; }
        "$CTEST/$name" || rc=1
    done
    return $rc
}

# The C API on Cortex-M: its flash, measured by linking an image of every C function
# (scripts/firmware.py; fails above the budget), per capability, and the functions from which a
# panic can still be reached; the C tests linked against the firmware staticlib and run on an
# emulated Cortex-M3; the stack of every C function, painted on the Cortex-M3 and on the
# Cortex-M4F, with and without `signing` (ffi/tests/arm/stack_probe.c; fails above 8 KiB); the
# Cortex-M4F till session (examples/firmware/till.c).
c_qemu() {
    local unsigned="$CTEST/libretention_ffi-no-signing.a"
    local unsigned_m4f="$CTEST/libretention_ffi-m4f-no-signing.a" no_signing rc=0 test name
    no_signing="panic-handler,$FIRMWARE_CAPABILITIES"
    build_firmware_lib "$no_signing" && cp "$FIRMWARE_LIB" "$unsigned" && build_firmware_lib \
        || return 1
    python3 scripts/firmware.py measure "$FIRMWARE_LIB" --build signing || rc=1
    python3 scripts/firmware.py measure "$unsigned" --build no-signing || rc=1
    python3 scripts/firmware.py capabilities "$FIRMWARE_LIB" --build signing \
        && python3 scripts/firmware.py capabilities "$unsigned" --build no-signing \
        && python3 scripts/firmware.py panics "$FIRMWARE_LIB" --build signing \
        && python3 scripts/firmware.py panics "$unsigned" --build no-signing || rc=1
    for test in ffi/tests/test_*.c; do
        name=$(basename "$test" .c)
        echo "== $name (Cortex-M3, QEMU lm3s6965evb)"
        link_arm "$test" "$CTEST/$name.elf" || { rc=1; continue; }
        echo "size: $name.elf $(arm-none-eabi-size "$CTEST/$name.elf" | awk 'NR == 2 { printf "text %d B, data %d B, bss %d B (of 256 KiB flash, 64 KiB RAM)", $1, $2, $3 }')"
        run_qemu "$CTEST/$name.elf" || rc=1
    done
    echo "== stack probe (ffi/tests/arm/stack_probe.c), Cortex-M3, with and without signing"
    link_arm ffi/tests/arm/stack_probe.c "$CTEST/stack_probe.elf" \
        && run_qemu "$CTEST/stack_probe.elf" || rc=1
    link_arm ffi/tests/arm/stack_probe.c "$CTEST/stack_probe_no_signing.elf" "$unsigned" \
        -DPROBE_NO_SIGNING && run_qemu "$CTEST/stack_probe_no_signing.elf" || rc=1
    echo "== Cortex-M4F (QEMU mps2-an386, $FIRMWARE_TARGET_M4F): stack probe"
    build_firmware_lib "$no_signing" "$FIRMWARE_TARGET_M4F" \
        && cp "$FIRMWARE_LIB_M4F" "$unsigned_m4f" \
        && build_firmware_lib "$FIRMWARE_FEATURES" "$FIRMWARE_TARGET_M4F" || return 1
    link_arm_m4f ffi/tests/arm/stack_probe.c "$CTEST/stack_probe_m4f.elf" "$FIRMWARE_LIB_M4F" \
        -DPROBE_CPU='"cortex-m4f"' && run_qemu_m4f "$CTEST/stack_probe_m4f.elf" || rc=1
    link_arm_m4f ffi/tests/arm/stack_probe.c "$CTEST/stack_probe_m4f_no_signing.elf" \
        "$unsigned_m4f" -DPROBE_NO_SIGNING -DPROBE_CPU='"cortex-m4f"' \
        && run_qemu_m4f "$CTEST/stack_probe_m4f_no_signing.elf" || rc=1
    echo "== Cortex-M4F till session (examples/firmware/till.c)"
    link_arm_m4f examples/firmware/till.c "$CTEST/till_m4f.elf" \
        && run_qemu_m4f "$CTEST/till_m4f.elf" || rc=1
    return $rc
}

# On the pinned nightly (scripts/setup.sh, MIRI_NIGHTLY). Every `unsafe` block is in the C
# API (the core is `#![forbid(unsafe_code)]`), so Miri runs all of the C API's unit tests, which
# go through the core for every capability, and the core's own tests only where the core drives
# dependencies' unsafe code directly (heapless in `bounded`, HMAC and SHA-256 in `envelope`,
# byte copies in `fixed`): the whole core suite under Miri takes over 15 minutes, past the
# test command's budget.
miri() {
    local toolchain
    toolchain="$(miri_toolchain)" || { echo "miri: $MIRI_NIGHTLY is not installed"; return 1; }
    echo "ci-info: Miri on $(rustc "+$toolchain" -V)"
    PROPTEST_CASES=4 MIRIFLAGS="-Zmiri-disable-isolation" timeout 900 \
        cargo "+$toolchain" miri test --locked -p retention-ffi --lib \
        && PROPTEST_CASES=4 MIRIFLAGS="-Zmiri-disable-isolation" timeout 600 \
            cargo "+$toolchain" miri test --locked -p retention-core --lib -- bounded:: envelope:: fixed::
}

# The fuzz targets compile, and every committed corpus replays through them without a panic
# (stable, no libFuzzer: fuzz/src/lib.rs).
fuzz_check() {
    cargo check --locked --manifest-path fuzz/Cargo.toml --bins \
        && cargo test --locked --manifest-path fuzz/Cargo.toml --lib -- --nocapture
}

# Against the installed wheel: PYTHONSAFEPATH keeps `python -m` from putting python/ (the
# source tree) first on the path, and RETENTION_WHEEL makes test_installed.py check it.
python_tests() {
    build_python_extension || return 1
    (cd python && PYTHONSAFEPATH=1 RETENTION_WHEEL="$WHEEL" "$VENV/bin/python" -m pytest -q \
        -p no:cacheprovider --ignore=tests/test_spark.py --ignore=tests/test_dask.py) || return 1
    (cd python && PYTHONSAFEPATH=1 "$VENV/bin/python" -m mypy.stubtest retention \
            --allowlist stubtest-allowlist.txt --mypy-config-file pyproject.toml \
        && "$VENV/bin/python" -m mypy --strict retention) \
        && echo "stubtest: stubs match the module"
}

# retention.spark and retention.dask in local mode (issue 12), after the `python` step, against
# the wheel it installed: Java 17 installed here (its time printed), the libraries by `setup`
# (ensure_venv prints their time); RETENTION_SCALE_OUT=1 turns a missing one into a failure.
scale_out() {
    ensure_java || return 1
    (cd python && PYTHONSAFEPATH=1 RETENTION_SCALE_OUT=1 "$VENV/bin/python" -m pytest -q \
        -p no:cacheprovider tests/test_spark.py tests/test_dask.py)
}

# -------------------------------------------------------------------------------------------------

step setup setup
step fmt fmt
step clippy clippy
step doc doc
step rust-tests rust_tests
step msrv msrv
step nostd-proof nostd_proof
step header-check header_check
step c-header c_header
step c-host c_host
step c-qemu c_qemu
step miri miri
step fuzz-check fuzz_check
step python python_tests
step scale-out scale_out

total=$(( $(date +%s) - started ))
printf 'total       %5ss  (%d steps passed, %d failed%s)\n' "$total" "$steps_passed" "$steps_failed" \
    "$([ ${#failed_steps[@]} -gt 0 ] && printf ': %s' "${failed_steps[*]}")"
echo "ci: $((cases_passed + steps_passed)) passed, $((cases_failed + steps_failed)) failed"
python3 scripts/figures.py record test --logs "$LOGS" --seconds "$total" \
    --passed $((cases_passed + steps_passed)) --failed $((cases_failed + steps_failed)) \
    --cold-target "$cold_target" --new-venv "$new_venv" >"$LOGS/figures.json" \
    && python3 scripts/figures.py record firmware --log "$LOGS/c-qemu.log" >"$LOGS/firmware.json" \
    && echo "figures: target/ci-logs/figures.json, firmware.json (python3 scripts/figures.py update: into the README)"
[ "$steps_failed" -eq 0 ] && [ "$cases_failed" -eq 0 ]
