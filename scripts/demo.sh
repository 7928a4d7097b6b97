#!/usr/bin/env bash
# The main command: set up what this machine lacks, build the CLI and the web viewer, take a
# snapshot of this machine with `procsnap collect`, print its report, and serve the viewer on
# 127.0.0.1 with that snapshot loaded (Ctrl-C stops the server).
#   bash scripts/demo.sh [--port N] [--no-serve]
set -euo pipefail
cd "$(dirname "$0")/.."
port=8080
serve=1
while [ $# -gt 0 ]; do
  case "$1" in
    --port) port=$2; shift 2 ;;
    --no-serve) serve=0; shift ;;
    *) echo "usage: $0 [--port N] [--no-serve]" >&2; exit 2 ;;
  esac
done

bash scripts/setup.sh
bash scripts/setup-web.sh --no-browser
cargo build --release -p procsnap
bash scripts/build-web.sh

bin=target/release/procsnap
mkdir -p tests-output
snap=tests-output/$(hostname)-$(date -u +%Y%m%dT%H%M%SZ).procsnap.tar.gz
"$bin" collect -o "$snap"
"$bin" report "$snap"
echo
echo "netstat -nlp, from the snapshot:"
"$bin" report "$snap" --format netstat
echo
echo "A share link of this report (addresses, arguments and hostname redacted):"
"$bin" report "$snap" --format link --redact all --base-url "http://127.0.0.1:$port/"
echo
echo "Without a server: open $PWD/dist/procsnap-viewer.html from disk (the viewer in one file)"
echo "and drop $snap on it."
echo
if [ "$serve" = 1 ]; then
  exec bash scripts/serve.sh "$snap" --port "$port"
fi
