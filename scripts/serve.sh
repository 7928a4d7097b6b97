#!/usr/bin/env bash
# Serves dist/ on 127.0.0.1 (never on other interfaces).
#   scripts/serve.sh [SNAPSHOT] [--port N]
# With SNAPSHOT, copies it next to the viewer and prints the URL that opens it.
set -euo pipefail
cd "$(dirname "$0")/.."
port=8080
snapshot=
while [ $# -gt 0 ]; do
  case "$1" in
    --port) port=$2; shift 2 ;;
    -h|--help) sed -n '2,4p' "$0"; exit 0 ;;
    *) snapshot=$1; shift ;;
  esac
done
[ -f dist/index.html ] || { echo "serve: dist/ is missing; run scripts/build-web.sh first" >&2; exit 1; }
url="http://127.0.0.1:$port/"
if [ -n "$snapshot" ]; then
  mkdir -p dist/snapshots
  name=$(basename "$snapshot")
  cp "$snapshot" "dist/snapshots/$name"
  url="${url}#url=snapshots/$name"
fi
echo "Open $url"
exec python3 -m http.server --bind 127.0.0.1 --directory dist "$port"
