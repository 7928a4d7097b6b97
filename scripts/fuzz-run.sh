#!/usr/bin/env bash
# A long fuzz run of one target, the way docs/fuzzing.md measures them (section 2026-12-02):
# built without a sanitizer (`--sanitizer none`: ~5x the executions of the ASan build for
# `decode`), run under `nice -n 10` with CPU time measured, then the grown corpus is replayed
# once through the ASan build, so every input the fast run kept is also checked by ASan.
#   bash scripts/fuzz-run.sh decode 600        # 10 minutes of decode
# The working corpus is fuzz/corpus/TARGET (not committed; libFuzzer writes new inputs into
# it), read with the committed seeds; findings land in fuzz/artifacts/TARGET/.
# Extra libFuzzer flags after the seconds: bash scripts/fuzz-run.sh decode 600 -seed=1
# The CI smoke check (scripts/fuzz-smoke.sh) stays on the ASan build.
set -euo pipefail
nice_level="${FUZZ_NICE:-10}"  # 19 to leave the cores to other work on a shared machine
cd "$(dirname "$0")/../fuzz"

target="${1:?usage: fuzz-run.sh TARGET [SECONDS] [libFuzzer flags...]}"
seconds="${2:-600}"
shift $(($# >= 2 ? 2 : 1))

triple=x86_64-unknown-linux-gnu
cargo +nightly fuzz build "$target" --sanitizer none --target-dir target/nosan
cargo +nightly fuzz build "$target"
fast="target/nosan/$triple/release/$target"
asan="target/$triple/release/$target"

mkdir -p "corpus/$target" "artifacts/$target"
seeds=()
[ -d "seeds/$target" ] && seeds=("seeds/$target")
# `untar` starts from decode's seeds (tar archives; docs/fuzzing.md, "untar").
[ "$target" = untar ] && [ ! -d seeds/untar ] && seeds=(seeds/decode)
log="artifacts/$target/run-$(date -u +%Y%m%dT%H%M%SZ).log"
time_cmd=()
[ -x /usr/bin/time ] && time_cmd=(/usr/bin/time -v)
status=0
"${time_cmd[@]}" nice -n "$nice_level" "$fast" "corpus/$target" "${seeds[@]}" -max_total_time="$seconds" \
  -rss_limit_mb=2048 -timeout=10 -artifact_prefix="artifacts/$target/" "$@" >"$log" 2>&1 || status=$?
grep -E '^#[0-9]+.*(DONE|pulse|NEW)' "$log" | tail -1 || true
grep -E 'User time|System time|Elapsed' "$log" || true
if [ "$status" -ne 0 ]; then
  echo "fuzz-run: $target FAILED (exit $status); log: fuzz/$log"
  tail -40 "$log"
  exit 1
fi
# The corpus once through ASan (-runs=0: execute every input, mutate nothing).
if ! nice -n "$nice_level" "$asan" -runs=0 -rss_limit_mb=2048 -timeout=10 -artifact_prefix="artifacts/$target/" \
    "corpus/$target" >>"$log" 2>&1; then
  echo "fuzz-run: $target corpus replay under ASan FAILED; log: fuzz/$log"
  tail -40 "$log"
  exit 1
fi
echo "fuzz-run: $target ran $seconds s, $(ls "corpus/$target" | wc -l) inputs in the corpus, replayed under ASan without a finding; log: fuzz/$log"
