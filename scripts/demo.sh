#!/usr/bin/env bash
# The demo (README "Run the demo"): the SDK at a till, through Rust, C and Python, on bundled data.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$ROOT"
# Its time goes into target/demo/figures.json (README: `python3 scripts/figures.py update`);
# cold: the release build of the C API is not there yet.
started=$(date +%s)
cold=$([ -e target/release/libretention_ffi.a ] && echo false || echo true)
ensure_venv
export CARGO_TERM_COLOR=never

echo "=== The store: a day at a coffee shop's till (C API), with its back office (Python) ==="
build_python_extension
cargo build -q --release --locked -p retention-ffi
mkdir -p target/demo
gcc -std=c99 -Wall -Wextra -Wpedantic -Werror -Iinclude examples/c/store.c \
    target/release/libretention_ffi.a "${HOST_LIBS[@]}" -o target/demo/store-demo
"$VENV/bin/python" examples/python/store.py prepare
target/demo/store-demo target/demo/store
"$VENV/bin/python" examples/python/store.py check

echo
echo "=== Rust: a till using retention-core ==="
cargo run -q --release --locked -p retention-examples --bin till

echo
echo "=== C: the C API (host build of the staticlib) ==="
cargo build -q --release --locked -p retention-ffi
mkdir -p target/demo
gcc -std=c99 -Wall -Wextra -Wpedantic -Werror -Iinclude examples/c/demo.c \
    target/release/libretention_ffi.a "${HOST_LIBS[@]}" -o target/demo/c-demo
target/demo/c-demo

echo
echo "=== Python: import retention ==="
"$VENV/bin/python" examples/python/demo.py

echo
echo "=== Churn: fit on CDNOW in Python, score one customer at the till in C from the model blob ==="
"$VENV/bin/python" examples/python/churn.py
gcc -std=c99 -Wall -Wextra -Wpedantic -Werror -Iinclude examples/c/churn.c \
    target/release/libretention_ffi.a "${HOST_LIBS[@]}" -o target/demo/churn-demo
target/demo/churn-demo target/demo/churn_model.bin target/demo/churn_customer.txt

echo
echo "=== Punch cards and points: a customer's day across two offline terminals ==="
cargo run -q --release --locked -p retention-examples --bin cards
"$VENV/bin/python" examples/python/cards.py

echo
echo "=== Loyalty rules: receipts at the till (Rust), back-tests on CDNOW and a synthetic grocery year (Python) ==="
cargo run -q --release --locked -p retention-examples --bin rules
"$VENV/bin/python" examples/python/rules.py

echo
echo "=== Win-back at the till (Rust): the customer record's churn summary scored from the model blob ==="
cargo run -q --release --locked -p retention-examples --bin winback

mkdir -p target/demo
python3 scripts/figures.py record demo --seconds $(($(date +%s) - started)) --cold "$cold" \
    >target/demo/figures.json
