#!/usr/bin/env bash
# Builds the web viewer into dist/ (release, wasm-opt -Oz) with the tools pinned by
# scripts/setup-web.sh, offline, and prints the gzipped size of what a browser downloads; then
# writes the single-file viewer dist/procsnap-viewer.html from it (scripts/build-single-file.sh).
#   scripts/build-web.sh            release build
#   scripts/build-web.sh --dev      debug build (faster, larger, no wasm-opt)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/e2e/node_modules/.bin:$HOME/.cargo/bin:$PATH"

mode=(--release)
[ "${1:-}" = "--dev" ] && mode=()

trunk build "${mode[@]}" --offline

total=0
echo "dist/ (gzip -9):"
for f in dist/*.wasm dist/*.js; do
  [ -e "$f" ] || continue
  gz=$(gzip -9 -c "$f" | wc -c)
  total=$((total + gz))
  printf '  %-28s %9d bytes  %8d gz\n' "$(basename "$f")" "$(wc -c < "$f")" "$gz"
done
printf '  %-28s %9s        %8d gz (%d KiB; budget 300 KB)\n' "wasm + JS" "" "$total" $((total / 1024))
# The same build as one file for file:// (offline forensics): dist/procsnap-viewer.html.
bash scripts/build-single-file.sh
