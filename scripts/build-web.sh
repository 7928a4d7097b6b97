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

if [ "${#mode[@]}" -gt 0 ]; then
  # Size (docs/viewer.md, "Download size"): the release wasm rebuilds std with
  # panic=immediate-abort (a panic traps; no message formatting, no unwinding tables) and without
  # panic locations (file paths). These are unstable flags; RUSTC_BOOTSTRAP=1 lets this project's
  # stable rustc accept them for this build only (rust-src: scripts/setup-web.sh).
  export RUSTC_BOOTSTRAP=1
  export CARGO_UNSTABLE_BUILD_STD="std panic_abort"
  # simd128: memchr's line search uses wasm SIMD, and the module is 4 KB smaller; every engine
  # the viewer is tested on has it (Chrome 91, Firefox 89, Safari 16.4 and later; docs/decisions.md).
  # procsnap_speed: the per-row parse and push (`TableStream::line`, `InetTable::push_packed`)
  # are built for speed inside the size-optimised module (`#[optimize(speed)]`, unstable, hence
  # a cfg only this build sets): the worker decodes ~11% faster for ~890 bytes (docs/decisions.md).
  export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none -Ctarget-feature=+simd128 --cfg procsnap_speed"
  # Trunk builds offline, and build-std needs the crates std itself depends on (its own
  # Cargo.lock in rust-src): on a fresh machine nothing else has downloaded them yet.
  cargo fetch --quiet --manifest-path "$(rustc --print sysroot)/lib/rustlib/src/rust/library/Cargo.toml"
fi

trunk build "${mode[@]}" --offline
# The Content-Security-Policy meta, with the hash of Trunk's inline loader (scripts/csp.mjs).
node scripts/csp.mjs dist

total=0
echo "dist/ (gzip -9):"
for f in dist/*.wasm dist/*.js; do
  [ -e "$f" ] || continue
  gz=$(gzip -9 -c "$f" | wc -c)
  total=$((total + gz))
  printf '  %-28s %9d bytes  %8d gz\n' "$(basename "$f")" "$(wc -c < "$f")" "$gz"
done
# The design's budget is 300 KB (issue 15), met since 2026-12-03 (299,538 bytes; 299,342 with
# the Sockets table's Namespace column and no JsValue `Debug`: the report sent
# to the page in the link payload's shape, `share::Transfer`, and wasm-opt `--converge
# --low-memory-unused`; the steps from 376 KB are in docs/viewer.md, "Download size"). A release
# build above it fails (CI runs this script).
budget=300000
printf '  %-28s %9s        %8d gz (%d KB; budget %d KB)\n' "wasm + JS" "" "$total" $((total / 1000)) $((budget / 1000))
# The same build as one file for file:// (offline forensics): dist/procsnap-viewer.html.
bash scripts/build-single-file.sh
if [ "${#mode[@]}" -gt 0 ] && [ "$total" -gt "$budget" ]; then
  echo "build-web: the viewer downloads $total bytes gzipped, $((total - budget)) over the $budget-byte budget (docs/viewer.md, \"Download size\")" >&2
  exit 1
fi
