#!/usr/bin/env bash
# Writes dist/procsnap-viewer.html, the whole viewer in one file (CSS, JS glue and wasm inlined)
# that works opened from disk (file://) with no server: for offline forensics, or to attach to a
# ticket. Reads the Trunk output in dist/ (run scripts/build-web.sh first; it calls this script).
set -euo pipefail
cd "$(dirname "$0")/.."
for f in index.html app.js app_bg.wasm style.css; do
  [ -s "dist/$f" ] || { echo "build-single-file: dist/$f is missing; run scripts/build-web.sh" >&2; exit 1; }
done
node scripts/single-file.mjs dist
f=dist/procsnap-viewer.html
printf '  %-28s %9d bytes  %8d gz (one file, wasm as base64)\n' "$(basename "$f")" "$(wc -c < "$f")" "$(gzip -9 -c "$f" | wc -c)"
