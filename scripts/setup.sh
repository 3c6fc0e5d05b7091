# Shared set-up for scripts/test.sh and scripts/demo.sh: installs what a fresh machine lacks.
# Sourced, not run. Each function is idempotent and fast when everything is already there.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
APT_PACKAGES=(gcc-arm-none-eabi binutils-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm)
# The Java runtime pyspark needs (python/tests/test_spark.py), installed on its own so that its
# time is printed (issue 12: the scale-out step, installs included, within 3 minutes).
JAVA_PACKAGES=(openjdk-17-jre-headless)

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# The Cortex-M cross compiler, newlib and QEMU (Debian packages).
APT_UPDATED=
ensure_apt() {
    if command -v arm-none-eabi-gcc >/dev/null && command -v qemu-system-arm >/dev/null \
        && [ -f /usr/lib/arm-none-eabi/newlib/thumb/v7-m/nofp/librdimon.a ]; then
        return 0
    fi
    echo "setup: installing ${APT_PACKAGES[*]}"
    apt_install "${APT_PACKAGES[@]}"
}

apt_install() {
    if [ -z "$APT_UPDATED" ]; then
        as_root apt-get update -qq || return 1
        APT_UPDATED=1
    fi
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# Java 17 for pyspark (the scale-out step); prints how long the install took.
ensure_java() {
    dpkg -s "${JAVA_PACKAGES[@]}" >/dev/null 2>&1 && return 0
    local t0=$SECONDS
    apt_install "${JAVA_PACKAGES[@]}" || return 1
    echo "setup: installed ${JAVA_PACKAGES[*]} in $((SECONDS - t0)) s"
}

# Rust targets for the firmware builds.
ensure_rust() {
    local installed
    installed="$(rustup target list --installed)"
    for target in thumbv7em-none-eabihf thumbv7m-none-eabi; do
        grep -qx "$target" <<<"$installed" || rustup target add "$target"
    done
    rustup component list --installed | grep -q '^clippy' || rustup component add clippy rustfmt
}

# The nightly the Miri step uses, pinned: a floating `nightly` changes Miri's checks (and can
# break) from one day to the next without a change here. To move the pin, install the new
# nightly, run the test command, and change both lines together.
MIRI_NIGHTLY=nightly-2026-05-20
MIRI_NIGHTLY_RUSTC="rustc 1.97.0-nightly (e50aa6fba 2026-05-19)"

# The toolchain name that runs the pinned nightly: `nightly-<date>` if installed, else a plain
# `nightly` whose rustc is exactly the pinned one (this machine image ships it that way, and
# installing the dated name would download the same toolchain again and rebuild Miri's
# sysroot), else nothing (status 1).
miri_toolchain() {
    if rustup toolchain list | grep -q "^$MIRI_NIGHTLY-"; then
        echo "$MIRI_NIGHTLY"
    elif [ "$(rustc +nightly -V 2>/dev/null)" = "$MIRI_NIGHTLY_RUSTC" ]; then
        echo nightly
    else
        return 1
    fi
}

ensure_nightly_miri() {
    local toolchain
    toolchain="$(miri_toolchain)" || {
        rustup toolchain install "$MIRI_NIGHTLY" --profile minimal --component miri,rust-src \
            --no-self-update || return 1
        toolchain="$MIRI_NIGHTLY"
    }
    rustup "+$toolchain" component list --installed | grep -q '^miri' \
        || rustup "+$toolchain" component add miri rust-src
}

# The minimum supported Rust version: the `rust-version` of retention-core (README "Rust"). The
# `msrv` step checks the core and the C API with exactly this toolchain.
msrv_version() {
    sed -n 's/^rust-version = "\(.*\)"/\1/p' "$ROOT/core/Cargo.toml"
}

ensure_msrv_toolchain() {
    local version
    version="$(msrv_version)"
    [ -n "$version" ] || { echo "setup: no rust-version in core/Cargo.toml"; return 1; }
    rustup toolchain list | grep -q "^$version-" \
        || rustup toolchain install "$version" --profile minimal --no-self-update || return 1
    rustup "+$version" target list --installed | grep -qx "$FIRMWARE_TARGET" \
        || rustup "+$version" target add "$FIRMWARE_TARGET"
}

# The Python virtual environment with the pinned test requirements.
# The scale-out libraries (python/requirements-scale.txt) are installed after the others, and
# the time they take is printed (issue 12's install budget).
ensure_venv() {
    local stamp="$VENV/.requirements-test.sha256" want t0
    want="$(cat "$ROOT/python/requirements-test.txt" "$ROOT/python/requirements-scale.txt" \
        | sha256sum | cut -d' ' -f1)"
    if [ -x "$VENV/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
        return 0
    fi
    # The stamp is written only when every install succeeded, so a failed one (a full disk, no
    # network) fails the step now and is retried by the next run.
    python3 -m venv "$VENV" \
        && "$VENV/bin/python" -m pip install -q --upgrade pip \
        && "$VENV/bin/python" -m pip install -q -r "$ROOT/python/requirements-test.txt" \
        || return 1
    t0=$SECONDS
    "$VENV/bin/python" -m pip install -q -r "$ROOT/python/requirements-scale.txt" || return 1
    echo "setup: installed the scale-out libraries (python/requirements-scale.txt) in $((SECONDS - t0)) s"
    echo "$want" >"$stamp"
}

# The release wheel of the Python package (distribution `retention-sdk`, import `retention`):
# one abi3 wheel for CPython 3.9+, manylinux2014 (linked by zig, from the `ziglang` package;
# maturin's own check refuses symbols newer than the tag allows), stripped. Prints the sizes of
# the wheel and of its extension module and fails over the limits (issue 11: `.so` at most
# 8 MB, wheel at most 6 MB) or without the tag. Sets WHEEL to its path.
WHEEL_DIR="$ROOT/target/wheels"
WHEEL_MAX_BYTES=6000000
SO_MAX_BYTES=8000000
build_wheel() {
    rm -f "$WHEEL_DIR"/retention_sdk-*.whl
    (cd "$ROOT/python" && PATH="$VENV/bin:$PATH" "$VENV/bin/maturin" build --release --quiet \
        --zig --compatibility manylinux2014 --strip --out "$WHEEL_DIR") || return 1
    WHEEL="$(ls "$WHEEL_DIR"/retention_sdk-*.whl)" || return 1
    case "$(basename "$WHEEL")" in
        *-cp39-abi3-*manylinux2014_x86_64*.whl) ;;
        *) echo "wheel: $(basename "$WHEEL") is not a cp39-abi3 manylinux2014 wheel"; return 1 ;;
    esac
    "$VENV/bin/python" - "$WHEEL" "$WHEEL_MAX_BYTES" "$SO_MAX_BYTES" <<'PY'
import os, sys, zipfile
wheel, wheel_max, so_max = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
with zipfile.ZipFile(wheel) as archive:
    (so,) = [i for i in archive.infolist() if i.filename.endswith(".so")]
size = os.path.getsize(wheel)
print(f"wheel: {os.path.basename(wheel)}: {size:,} B (limit {wheel_max:,}); "
      f"{so.filename}: {so.file_size:,} B (limit {so_max:,})")
sys.exit(0 if size <= wheel_max and so.file_size <= so_max else 1)
PY
}

# Builds the wheel and installs it into the venv (replacing any editable install), so that the
# tests and the demo run against what users install. A module left in the source tree by an
# earlier `maturin develop` is removed: nothing imports the source tree by accident.
build_python_extension() {
    build_wheel || return 1
    "$VENV/bin/python" -m pip install -q --force-reinstall --no-deps "$WHEEL" || return 1
    rm -f "$ROOT"/python/retention/_retention*.so
}

# The C API as a host staticlib (debug, std: panics caught) and the link flags it needs.
HOST_LIBS=(-lgcc_s -lutil -lrt -lpthread -lm -ldl -lc)

# The C API as a firmware staticlib for Cortex-M3 (no_std, panic = "abort", opt-level "z"),
# with every capability (rules, cards, churn), by default with rule-set signature checks
# (feature `signing`; its flash cost is in the README's footprint figures) so the C tests cover
# them. Optional arguments: the features instead, and the target.
FIRMWARE_TARGET=thumbv7m-none-eabi
FIRMWARE_CAPABILITIES=rules,cards,churn
FIRMWARE_FEATURES="panic-handler,signing,$FIRMWARE_CAPABILITIES"
FIRMWARE_LIB="$ROOT/target/$FIRMWARE_TARGET/firmware/libretention_ffi.a"
build_firmware_lib() {
    cargo rustc -q --locked -p retention-ffi --profile firmware --target "${2:-$FIRMWARE_TARGET}" \
        --no-default-features --features "${1:-$FIRMWARE_FEATURES}" --crate-type staticlib
}

ARM_CFLAGS=(-std=c99 -Wall -Wextra -Wpedantic -Werror -mthumb -Os -ffunction-sections
    -fdata-sections --specs=nano.specs --specs=rdimon.specs -nostartfiles)
ARM_M3_FLAGS=(-mcpu=cortex-m3)
ARM_M4F_FLAGS=(-mcpu=cortex-m4 -mfpu=fpv4-sp-d16 -mfloat-abi=hard)

# The Cortex-M4F firmware staticlib (thumbv7em-none-eabihf): the stack probe and
# examples/firmware run it on QEMU's mps2-an386.
FIRMWARE_TARGET_M4F=thumbv7em-none-eabihf
FIRMWARE_LIB_M4F="$ROOT/target/$FIRMWARE_TARGET_M4F/firmware/libretention_ffi.a"

# Links a C file with the firmware staticlib (or the library given third, with any further
# compiler flags) into an ELF for QEMU's lm3s6965evb (Cortex-M3).
link_arm() {
    local source=$1 elf=$2 lib=${3:-$FIRMWARE_LIB}
    arm-none-eabi-gcc "${ARM_CFLAGS[@]}" "${ARM_M3_FLAGS[@]}" "${@:4}" -I"$ROOT/include" \
        -I"$ROOT/ffi/tests" -T "$ROOT/ffi/tests/arm/lm3s6965.ld" "$ROOT/ffi/tests/arm/startup.c" \
        "$source" "$lib" -Wl,--gc-sections -Wl,--no-warn-execstack -o "$elf"
}

# As link_arm, for QEMU's mps2-an386 (Cortex-M4F, hard float) and the M4F staticlib.
link_arm_m4f() {
    local source=$1 elf=$2 lib=${3:-$FIRMWARE_LIB_M4F}
    arm-none-eabi-gcc "${ARM_CFLAGS[@]}" "${ARM_M4F_FLAGS[@]}" "${@:4}" -I"$ROOT/include" \
        -I"$ROOT/ffi/tests" -T "$ROOT/ffi/tests/arm/mps2_an386.ld" \
        "$ROOT/ffi/tests/arm/startup.c" "$source" "$lib" -Wl,--gc-sections \
        -Wl,--no-warn-execstack -o "$elf"
}

# Runs an ELF on an emulated Cortex-M3; semihosting carries output and the exit code.
run_qemu() {
    timeout 120 qemu-system-arm -cpu cortex-m3 -machine lm3s6965evb -nographic \
        -semihosting-config enable=on,target=native -kernel "$1" 2> >(grep -v 'Timer with period zero' >&2)
}

# As run_qemu, on an emulated Cortex-M4F (mps2-an386).
run_qemu_m4f() {
    timeout 120 qemu-system-arm -cpu cortex-m4 -machine mps2-an386 -nographic \
        -semihosting-config enable=on,target=native -kernel "$1"
}
