#!/usr/bin/env bash
# Sets up what is missing, builds the viewer, makes a real snapshot of this machine with the CLI,
# and runs the end-to-end tests in headless Chromium. Screenshots land in tests-output/.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-web.sh
scripts/build-web.sh
mkdir -p tests-output
export PROCSNAP="$PWD/target/release/procsnap"
export SNAPSHOT="${SNAPSHOT:-$PWD/tests-output/this-host.procsnap.tar.gz}"
if cargo build --release -q -p procsnap 2>/dev/null && [ ! -s "$SNAPSHOT" ]; then
  "$PROCSNAP" collect -o "$SNAPSHOT" || echo "test-web: could not collect a snapshot; tests that need one are skipped" >&2
fi
cd e2e
node --test --test-concurrency=1 tests/
