#!/usr/bin/env bash
# `procsnap export` and `procsnap diff` on million-socket snapshots, against `procsnap report` of
# the same file in the same interleaved rounds (the issue's anchor: export to Parquet ≤ 2× one
# report, diff of two 1M snapshots ≤ 2.5× one report). Whole processes, wall time and peak RSS
# (GNU time); medians at the end. Also one export of several 1M snapshots, whose peak RSS shows
# the memory stays that of one snapshot. No timing is asserted.
#
#   bash scripts/bench-fleet.sh [-n TIME_WAIT] [-r ROUNDS] [-o REPORT.md]
set -euo pipefail
cd "$(dirname "$0")/.."
n=1000000 rounds=5 out=""
while getopts "n:r:o:" opt; do
  case "$opt" in
    n) n=$OPTARG ;;
    r) rounds=$OPTARG ;;
    o) out=$OPTARG ;;
    *) echo "usage: $0 [-n TIME_WAIT] [-r ROUNDS] [-o REPORT.md]" >&2; exit 2 ;;
  esac
done
command -v /usr/bin/time >/dev/null || { apt-get update -qq && apt-get install -y -qq time; }

cargo build -q --release -p procsnap
cargo build -q -p procsnap-viewer --bin example-snapshot
bin=target/release/procsnap
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The seed story's host with N TIME_WAIT on its web server (plus 8,000 client-side and 400
# established): OLD, and NEW with 10% fewer.
target/debug/example-snapshot "$work/old.procsnap.tar.gz" "$n"
target/debug/example-snapshot "$work/new.procsnap.tar.gz" $((n * 9 / 10))

run() { # NAME CMD... → "NAME seconds user_seconds maxrss_kib"
  local name=$1; shift
  /usr/bin/time -f "%e %U %M" -o "$work/t" "$@" >/dev/null
  echo "$name $(cat "$work/t")"
}
: >"$work/all"
for r in $(seq 1 "$rounds"); do
  {
    run report "$bin" report "$work/old.procsnap.tar.gz" --format json
    run export-parquet "$bin" export "$work/old.procsnap.tar.gz" --format parquet -o "$work/x.parquet"
    run export-ndjson "$bin" export "$work/old.procsnap.tar.gz" --format ndjson -o "$work/x.ndjson"
    run export-csv "$bin" export "$work/old.procsnap.tar.gz" --format csv -o "$work/x.csv"
    run diff "$bin" diff "$work/old.procsnap.tar.gz" "$work/new.procsnap.tar.gz" --format json
  } >>"$work/all"
done
# Memory over many snapshots: the same 1M snapshot five times in one export.
run export-parquet-5x "$bin" export "$work/old.procsnap.tar.gz" "$work/old.procsnap.tar.gz" "$work/old.procsnap.tar.gz" \
  "$work/old.procsnap.tar.gz" "$work/old.procsnap.tar.gz" --format parquet -o "$work/x5.parquet" >>"$work/all"
sizes="parquet $(stat -c %s "$work/x.parquet") ndjson $(stat -c %s "$work/x.ndjson") csv $(stat -c %s "$work/x.csv") snapshot $(stat -c %s "$work/old.procsnap.tar.gz")"
/usr/bin/python3 - "$work/all" "$n" "$rounds" "$sizes" <<'PY' | tee ${out:+"$out"}
import sys, statistics as st
rows = {}
for line in open(sys.argv[1]):
    n, s, u, kb = line.split()
    rows.setdefault(n, []).append((float(s), float(u), int(kb)))
med = {n: st.median(s for s, _, _ in v) for n, v in rows.items()}
cpu = {n: st.median(u for _, u, _ in v) for n, v in rows.items()}
rss = {n: max(k for _, _, k in v) / 1024 for n, v in rows.items()}
sz = sys.argv[4].split()
sizes = dict(zip(sz[::2], (int(x) for x in sz[1::2])))
print(f"seed-story snapshot with {int(sys.argv[2]):,} server TIME_WAIT (+8,400 rows; {sizes['snapshot'] / 1e6:.1f} MB tar.gz), "
      f"{sys.argv[3]} rounds: wall and user CPU seconds (medians), peak RSS")
print("| command | wall s | × report | user CPU s | × report | peak RSS MiB |")
print("|---|---|---|---|---|---|")
r, rc = med["report"], cpu["report"]
for n in ["report", "export-parquet", "export-ndjson", "export-csv", "diff", "export-parquet-5x"]:
    print(f"| {n} | {med[n]:.3f} | {med[n] / r:.2f} | {cpu[n]:.3f} | {cpu[n] / rc:.2f} | {rss[n]:.0f} |")
print(f"\noutput sizes: parquet {sizes['parquet'] / 1e6:.1f} MB, ndjson {sizes['ndjson'] / 1e6:.1f} MB, csv {sizes['csv'] / 1e6:.1f} MB")
print(f"targets (wall): export-parquet / report {med['export-parquet'] / r:.2f} (≤ 2), diff / report {med['diff'] / r:.2f} (≤ 2.5); "
      f"user CPU: {cpu['export-parquet'] / rc:.2f}, {cpu['diff'] / rc:.2f}")
PY
