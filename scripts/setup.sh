#!/usr/bin/env bash
# Installs what a fresh machine lacks for building and testing procsnap's CLI and core.
# Idempotent and quick when everything is there. The viewer's tools: scripts/setup-web.sh.
set -euo pipefail

# aarch64 musl: the release binaries for ARM servers (scripts/release.sh, linked by rust-lld).
need_targets=(wasm32-unknown-unknown x86_64-unknown-linux-musl aarch64-unknown-linux-musl)
installed=$(rustup target list --installed)
for t in "${need_targets[@]}"; do
  grep -qx "$t" <<<"$installed" || rustup target add "$t"
done
# rust-src: the capture-only binary rebuilds std from source (build-std, scripts/release.sh).
for c in rustfmt clippy rust-src; do
  rustup component list --installed | grep -q "^$c" || rustup component add "$c"
done

# The oracle for the golden tests, and the tools the collector tests compare against.
missing=()
command -v netstat >/dev/null || missing+=(net-tools)
command -v ss >/dev/null || missing+=(iproute2)
command -v unshare >/dev/null || missing+=(util-linux)
command -v python3 >/dev/null || missing+=(python3)
# The collector's reach tests: the shell fallback under busybox sh (applets only) and dash, the
# aarch64 binary under qemu-user, strace's delay injection for the signal and pid-reuse tests.
command -v busybox >/dev/null || missing+=(busybox-static)
command -v dash >/dev/null || missing+=(dash)
command -v qemu-aarch64-static >/dev/null || missing+=(qemu-user-static)
command -v strace >/dev/null || missing+=(strace)
# The cost model is checked against the real netstat under strace, on a pty (`script`).
command -v script >/dev/null || missing+=(bsdutils)
# DuckDB's venv below (Debian's python3 makes venvs only with python3-venv's ensurepip).
/usr/bin/python3 -c 'import ensurepip' 2>/dev/null || missing+=(python3-venv)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && apt-get install -y -qq "${missing[@]}"
  else
    echo "setup: missing ${missing[*]}; install them (apt-get install ${missing[*]}) or run as root" >&2
    exit 1
  fi
fi

# DuckDB from PyPI, for the fleet test (collector/tests/fleet_duckdb.rs runs docs/fleet.md's
# queries over exported snapshots). A venv of Debian's own python3 (pip refuses to install
# into it system-wide: PEP 668), inside target/ so a clean checkout starts fresh; pinned.
duckdb_version=2.0.1
venv="$(cd "$(dirname "$0")/.." && pwd)/target/duckdb-venv"
if ! "$venv/bin/python" -c "import duckdb, sys; sys.exit(duckdb.__version__ != '$duckdb_version')" 2>/dev/null; then
  /usr/bin/python3 -m venv "$venv"
  "$venv/bin/python" -m pip install -q --disable-pip-version-check "duckdb==$duckdb_version"
fi
