#!/usr/bin/env bash
# The side-by-side comparison with lifetimes 0.11.3 (not part of the test command): a venv of its
# own (target/bench-venv, from benches/python/requirements.txt), retention built in release mode
# into it, then benches/python/churn_vs_lifetimes.py. Extra arguments go to the script.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV="$ROOT/target/bench-venv"
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install -q -r "$ROOT/benches/python/requirements.txt"
(cd "$ROOT/python" && VIRTUAL_ENV="$VENV" PATH="$VENV/bin:$PATH" "$VENV/bin/maturin" develop --release --quiet)
exec "$VENV/bin/python" "$ROOT/benches/python/churn_vs_lifetimes.py" "$@"
