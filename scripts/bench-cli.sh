#!/usr/bin/env bash
# The CLI as a user runs it, whole process: `procsnap report FILE --format json` on a bare
# 1,000,000-row /proc/net/tcp (150 MB) and on the same rows in a .tar.gz snapshot, against, in
# the same interleaved rounds, a procfs-core program on the same file, a plain line scan and
# `cat` (the floor for any reader). Wall time and peak RSS (GNU time) per round; medians and
# ratios at the end. No timing is asserted.
#
#   bash scripts/bench-cli.sh [-n ROWS] [-r ROUNDS] [-o REPORT.md]
set -euo pipefail
cd "$(dirname "$0")/.."
rows=1000000 rounds=7 out=""
while getopts "n:r:o:" opt; do
  case "$opt" in
    n) rows=$OPTARG ;;
    r) rounds=$OPTARG ;;
    o) out=$OPTARG ;;
    *) echo "usage: $0 [-n ROWS] [-r ROUNDS] [-o REPORT.md]" >&2; exit 2 ;;
  esac
done
command -v /usr/bin/time >/dev/null || { apt-get update -qq && apt-get install -y -qq time; }

cargo build -q --release -p procsnap
cargo build -q --profile bench -p procsnap-core --example procfs_tcp --example write_tcp_table
bin=target/release/procsnap
ex=target/release/examples
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$ex/write_tcp_table" "$rows" "$work/tcp"
mkdir -p "$work/snap/proc/net" && cp "$work/tcp" "$work/snap/proc/net/tcp"
tar -C "$work/snap" -czf "$work/snap.tar.gz" proc

run() { # NAME CMD... → "NAME seconds maxrss_kib"
  local name=$1; shift
  /usr/bin/time -f "%e %M" -o "$work/t" "$@" >/dev/null
  echo "$name $(cat "$work/t")"
}
: >"$work/all"
for r in $(seq 1 "$rounds"); do
  {
    run cat cat "$work/tcp"
    run scan "$ex/procfs_tcp" "$work/tcp" --scan
    run procfs-core "$ex/procfs_tcp" "$work/tcp"
    run procsnap "$bin" report "$work/tcp" --format json
    run procsnap-targz "$bin" report "$work/snap.tar.gz" --format json
  } >>"$work/all"
done
/usr/bin/python3 - "$work/all" "$rows" "$rounds" <<'PY' | tee ${out:+"$out"}
import sys, statistics as st
rows = {}
for line in open(sys.argv[1]):
    n, s, kb = line.split()
    rows.setdefault(n, []).append((float(s), int(kb)))
med = {n: st.median(s for s, _ in v) for n, v in rows.items()}
rss = {n: max(k for _, k in v) / 1024 for n, v in rows.items()}
print(f"{int(sys.argv[2]):,} rows, {sys.argv[3]} rounds, wall seconds (median) and peak RSS (MiB)")
print("| program | median s | peak RSS MiB |")
print("|---|---|---|")
for n in ["cat", "scan", "procfs-core", "procsnap", "procsnap-targz"]:
    print(f"| {n} | {med[n]:.3f} | {rss[n]:.0f} |")
p = med["procsnap"]
ratio = lambda a, b: f"{a / b:.2f}x" if b > 0 else "n/a (under GNU time's 10 ms resolution)"
print(f"\nprocfs-core / procsnap: {ratio(med['procfs-core'], p)}; procsnap / line scan: {ratio(p, med['scan'])}; "
      f"procsnap / cat: {ratio(p, med['cat'])}")
PY
