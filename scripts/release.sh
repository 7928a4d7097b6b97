#!/usr/bin/env bash
# Builds the release binaries into dist-release/ with a SHA256SUMS file:
#   procsnap-collect-x86_64   capture only, static musl, size first (≤ 400 KiB, checked in CI)
#   procsnap-collect-aarch64
#   procsnap-x86_64           collect + report (the decoder), static musl, speed first
#   procsnap-aarch64
#
#   bash scripts/release.sh [--only x86_64-collect]
#
# The capture-only binary is built with cargo's build-std (std rebuilt from rust-src with the
# immediate-abort panic strategy, which drops the panic and backtrace printers): the prebuilt
# std alone is ~370 KiB static, and the capture code ~250 KiB. Both are unstable cargo/rustc
# features, enabled on the stable toolchain with RUSTC_BOOTSTRAP=1 rather than by
# depending on a nightly (docs/decisions.md). Needs rust-src and both musl targets
# (scripts/setup.sh). The capture-only binary is built --no-default-features: without the
# `export` feature, so Parquet is not even compiled for it. `--only x86_64-collect` builds just that one.
set -euo pipefail
cd "$(dirname "$0")/.."

TOOLCHAIN=${PROCSNAP_TINY_TOOLCHAIN:-}
ONLY=
case ${1:-} in
--only) ONLY=${2:?--only needs a name, e.g. x86_64-collect} ;;
"") ;;
*) echo "usage: $0 [--only ARCH-collect|ARCH-full]" >&2; exit 2 ;;
esac
OUT=dist-release
mkdir -p "$OUT"

tiny() { # ARCH
  local target=$1-unknown-linux-musl
  RUSTC_BOOTSTRAP=1 RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort" \
    cargo ${TOOLCHAIN:+"+$TOOLCHAIN"} build -q --profile release-tiny --target "$target" -p procsnap --bin procsnap-collect --no-default-features \
    -Zbuild-std=std,panic_abort --target-dir target/release-tiny
  cp "target/release-tiny/$target/release-tiny/procsnap-collect" "$OUT/procsnap-collect-$1"
}
full() { # ARCH
  local target=$1-unknown-linux-musl
  cargo build -q --release --target "$target" -p procsnap --bin procsnap
  cp "target/$target/release/procsnap" "$OUT/procsnap-$1"
}

for arch in x86_64 aarch64; do
  for kind in collect full; do
    [ -z "$ONLY" ] || [ "$ONLY" = "$arch-$kind" ] || continue
    echo "release: building $arch $kind" >&2
    if [ "$kind" = collect ]; then tiny "$arch"; else full "$arch"; fi
  done
done

(cd "$OUT" && ls procsnap-* | sort | xargs sha256sum >SHA256SUMS)
for f in "$OUT"/procsnap-*; do
  printf '%-40s %9s bytes\n' "$f" "$(stat -c %s "$f")"
done
