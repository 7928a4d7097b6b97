#!/usr/bin/env bash
# The test command: sets up what a fresh machine lacks, then runs every check CI runs.
#   bash scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --all-targets -- -D warnings
echo "== core builds for wasm32"
cargo build -p procsnap-core --target wasm32-unknown-unknown
echo "== tests"
cargo test
echo "== fuzz smoke (each cargo-fuzz target 20 s; skipped without nightly/cargo-fuzz)"
bash scripts/fuzz-smoke.sh
echo "== the static collector binary fits its 1 MiB budget"
cargo build --release -q --target x86_64-unknown-linux-musl -p procsnap
size=$(stat -c %s target/x86_64-unknown-linux-musl/release/procsnap)
echo "procsnap (x86_64-unknown-linux-musl, release): $size bytes; budget 1048576"
[ "$size" -le 1048576 ] || { echo "the collector binary is over its 1 MiB budget" >&2; exit 1; }
echo "== collector benchmark smoke run (2,000 TIME_WAIT, 1 run; no timing asserted)"
bash scripts/bench-collect.sh -n 2000 -r 1 -o "${TMPDIR:-/tmp}/procsnap-bench-collect-smoke.md" | tail -3
echo "== benchmark smoke run (small input, no timing asserted)"
PROCSNAP_BENCH_ROWS=20000 cargo bench -p procsnap-core --bench parse_tcp -- --warm-up-time 0.1 --measurement-time 0.2 >/dev/null
echo "== viewer: clippy (wasm32), build and browser tests"
bash scripts/setup-web.sh
cargo clippy -p procsnap-viewer --target wasm32-unknown-unknown --all-targets -- -D warnings
bash scripts/test-web.sh
echo "== all checks passed"
