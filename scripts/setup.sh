#!/usr/bin/env bash
# Installs what a fresh machine lacks for building and testing procsnap's CLI and core.
# Idempotent and quick when everything is there. The viewer's tools: scripts/setup-web.sh.
set -euo pipefail

need_targets=(wasm32-unknown-unknown x86_64-unknown-linux-musl)
installed=$(rustup target list --installed)
for t in "${need_targets[@]}"; do
  grep -qx "$t" <<<"$installed" || rustup target add "$t"
done
for c in rustfmt clippy; do
  rustup component list --installed | grep -q "^$c" || rustup component add "$c"
done

# The oracle for the golden tests, and the tools the collector tests compare against.
missing=()
command -v netstat >/dev/null || missing+=(net-tools)
command -v ss >/dev/null || missing+=(iproute2)
command -v unshare >/dev/null || missing+=(util-linux)
command -v python3 >/dev/null || missing+=(python3)
# The cost model is checked against the real netstat under strace, on a pty (`script`).
command -v strace >/dev/null || missing+=(strace)
command -v script >/dev/null || missing+=(bsdutils)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && apt-get install -y -qq "${missing[@]}"
  else
    echo "setup: missing ${missing[*]}; install them (apt-get install ${missing[*]}) or run as root" >&2
    exit 1
  fi
fi
