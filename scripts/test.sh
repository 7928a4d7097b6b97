#!/usr/bin/env bash
# The test command: sets up what a fresh machine lacks, then runs every check CI runs.
#   bash scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
# Each section names the time since the test command started, so a slow step shows in CI's log.
export PROCSNAP_TEST_T0="${PROCSNAP_TEST_T0:-$(date +%s)}"
section() { echo "== $* [$(( $(date +%s) - PROCSNAP_TEST_T0 )) s]"; }

section "setup (scripts/setup.sh)"
bash scripts/setup.sh

section "cargo fmt --check"
cargo fmt --all -- --check
section "cargo clippy"
cargo clippy --all-targets -- -D warnings
section "core builds for wasm32"
cargo build -p procsnap-core --target wasm32-unknown-unknown
section "release binaries (scripts/release.sh): the collector tests run the aarch64 one under qemu"
bash scripts/release.sh
section "the capture-only binary fits its 400 KiB budget and links no decoder"
size=$(stat -c %s dist-release/procsnap-collect-x86_64)
echo "procsnap-collect (x86_64-unknown-linux-musl, release-tiny): $size bytes; budget 409600"
[ "$size" -le 409600 ] || { echo "procsnap-collect is over its 400 KiB budget" >&2; exit 1; }
# Text only the decoder and report code hold (core's errors and renderers, report's help).
if grep -a -q -e "explain a snapshot" -e "Active Internet connections" -e "what changed between two snapshots" \
  -e "many snapshots as one table" -e "parquet" dist-release/procsnap-collect-x86_64; then
  echo "procsnap-collect contains decoder/report code" >&2; exit 1
fi
for t in "Active Internet connections" "what changed between two snapshots" "many snapshots as one table"; do
  grep -a -q "$t" dist-release/procsnap-x86_64 || { echo "check above is stale ($t)" >&2; exit 1; }
done
section "tests"
cargo test
section "fuzz smoke (each cargo-fuzz target 20 s; skipped without nightly/cargo-fuzz)"
bash scripts/fuzz-smoke.sh
section "collector benchmark smoke run (2,000 TIME_WAIT, 1 run; no timing asserted)"
bash scripts/bench-collect.sh -n 2000 -r 1 -b dist-release/procsnap-collect-x86_64 -o "${TMPDIR:-/tmp}/procsnap-bench-collect-smoke.md" | tail -3
section "CLI whole-process benchmark smoke run (20,000 rows, 1 round; no timing asserted)"
bash scripts/bench-cli.sh -n 20000 -r 1 | tail -3
section "benchmark smoke run (small input, no timing asserted)"
PROCSNAP_BENCH_ROWS=20000 cargo bench -p procsnap-core --bench parse_tcp -- --warm-up-time 0.1 --measurement-time 0.2 >/dev/null
section "viewer: clippy (wasm32), build and browser tests"
bash scripts/setup-web.sh
cargo clippy -p procsnap-viewer --target wasm32-unknown-unknown --all-targets -- -D warnings
PROCSNAP="$PWD/dist-release/procsnap-x86_64" bash scripts/test-web.sh
section "all checks passed"
