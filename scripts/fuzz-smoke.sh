#!/usr/bin/env bash
# Fuzz smoke check: run every cargo-fuzz target briefly (default 20 s each) from its committed
# seeds. Fails if a target crashes, panics, times out or runs out of memory.
#   bash scripts/fuzz-smoke.sh            # all targets, 20 s each
#   FUZZ_SECONDS=60 bash scripts/fuzz-smoke.sh decode share_link
# Needs the nightly toolchain and cargo-fuzz. When run as root with CI set (CI=1/true), a missing
# cargo-fuzz is installed (idempotent: skipped when already there); otherwise the check is
# skipped with a message, so a developer machine without nightly still passes scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${FUZZ_SECONDS:-20}"
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(decode snapshot inet_table unix_table sockstat fdlink manifest share_link untar)
fi

if ! rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  echo "fuzz smoke: SKIPPED (no nightly toolchain; install with: rustup toolchain install nightly)"
  exit 0
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && [ -n "${CI:-}" ] && [ "${CI}" != "false" ]; then
    echo "fuzz smoke: installing cargo-fuzz"
    cargo install cargo-fuzz --locked
  else
    echo "fuzz smoke: SKIPPED (cargo-fuzz missing; install with: cargo install cargo-fuzz --locked)"
    exit 0
  fi
fi

cd fuzz
cargo +nightly fuzz build
failed=()
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t"
  log="$(mktemp)"
  # The working corpus (fuzz/corpus, not committed) grows across runs; the seeds are committed.
  # A structure-aware target (snapshot) has no committed seeds: it starts from nothing.
  seeds=()
  [ -d "seeds/$t" ] && seeds=("seeds/$t")
  # `untar` starts from decode's seeds (tar archives; docs/fuzzing.md, "untar").
  [ "$t" = untar ] && [ ! -d seeds/untar ] && seeds=(seeds/decode)
  if cargo +nightly fuzz run "$t" "corpus/$t" "${seeds[@]}" -- \
      -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 >"$log" 2>&1; then
    echo "fuzz smoke: $t ok ($(grep -Eo '^#[0-9]+' "$log" | tail -1 | tr -d '#') runs in ${seconds} s)"
  else
    echo "fuzz smoke: $t FAILED; last lines of the log:"
    tail -40 "$log"
    failed+=("$t")
  fi
  rm -f "$log"
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz smoke: failures in ${failed[*]}; reproduce with: cd fuzz && cargo +nightly fuzz run TARGET artifacts/TARGET/crash-…"
  exit 1
fi
echo "fuzz smoke: all ${#targets[@]} targets ran ${seconds} s without a finding"
