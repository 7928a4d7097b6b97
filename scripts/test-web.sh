#!/usr/bin/env bash
# The viewer's tests: sets up what is missing (scripts/setup-web.sh), builds the release site,
# prepares real snapshots, and runs the end-to-end tests (e2e/): headless Chromium (the full
# suite, the CSP checks), Firefox ESR and WebKitGTK (tests/engines.test.mjs; WebKitGTK needs a
# display, so the suite runs under `xvfb-run -a`).
# Screenshots of every view land in tests-output/ as artifacts.
#
# Snapshots used (all decoded by the real code, nothing mocked):
#   this machine, by `procsnap collect` (when the collector is built), else the built-in example
#   written by `example-snapshot`; and a 1,000,000-TIME_WAIT example for progress and cancel.
# Then a smoke run of the browser benchmark (scripts/bench-browser.sh --smoke): it must complete.
set -euo pipefail
cd "$(dirname "$0")/.."
# Each section names the time since the test command started, so a slow step shows in CI's log.
export PROCSNAP_TEST_T0="${PROCSNAP_TEST_T0:-$(date +%s)}"
section() { echo "== $* [$(( $(date +%s) - PROCSNAP_TEST_T0 )) s]"; }
bash scripts/setup-web.sh
section "viewer: clippy (wasm32) and unit tests (native: engine paging/filters, errors, share links)"
cargo clippy -q -p procsnap-viewer --target wasm32-unknown-unknown --all-targets -- -D warnings
cargo test -q -p procsnap-viewer --lib --test layering
section "viewer: release build"
bash scripts/build-web.sh
mkdir -p tests-output
# The CLI the tests compare with: scripts/test.sh passes the release binary scripts/release.sh
# has just built (a second opt-level-3 build with Parquet would cost CI minutes); else build it.
if [ -z "${PROCSNAP:-}" ]; then
  cargo build --release -q -p procsnap
  PROCSNAP="$PWD/target/release/procsnap"
fi
export PROCSNAP
cargo build -q -p procsnap-viewer --bin example-snapshot
if [ -z "${SNAPSHOT:-}" ]; then
  SNAPSHOT="$PWD/tests-output/this-host.procsnap.tar.gz"
  if ! "$PROCSNAP" collect -o "$SNAPSHOT" 2>/dev/null; then
    echo "test-web: procsnap collect is not available; uploading the built-in example instead" >&2
    SNAPSHOT="$PWD/tests-output/example.procsnap.tar.gz"
    target/debug/example-snapshot "$SNAPSHOT"
  fi
fi
export SNAPSHOT
export BIG_SNAPSHOT="$PWD/tests-output/big-1m.procsnap.tar.gz"
[ -s "$BIG_SNAPSHOT" ] || target/debug/example-snapshot "$BIG_SNAPSHOT" 1000000
section "viewer: browser tests (Chromium, Firefox ESR, WebKitGTK)"
cd e2e
# A hung browser fails its test after 5 minutes instead of stalling CI, and the whole run (about
# 6 minutes here) is stopped after 30 (a browser or driver process that never exits).
timeout --kill-after=30 1800 xvfb-run -a node --test --test-concurrency=1 --test-timeout=300000 tests/
cd ..
section "viewer: browser benchmark smoke (20,000 rows, one run; no timing asserted)"
bash scripts/bench-browser.sh --smoke --no-build --out tests-output/bench/browser-smoke.md
