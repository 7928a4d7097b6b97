#!/usr/bin/env bash
# The CLI as a user runs it, whole process: `procsnap report FILE --format json` on a bare
# 1,000,000-row /proc/net/tcp (150 MB) and on the same rows in a .tar.gz snapshot, against, in
# the same interleaved rounds, a procfs-core program on the same file, a plain line scan and
# `cat` (the floor for any reader) and, with -p REV, the `procsnap` of an earlier commit (the
# previous release: built in a temporary worktree into target/previous). Wall time and peak RSS
# (GNU time) per round; medians and ratios at the end. No timing is asserted.
#
#   bash scripts/bench-cli.sh [-n ROWS] [-r ROUNDS] [-o REPORT.md] [-p REV]
set -euo pipefail
# $EPOCHREALTIME and awk must agree on the decimal point.
export LC_ALL=C
cd "$(dirname "$0")/.."
rows=1000000 rounds=7 out="" prev=""
while getopts "n:r:o:p:" opt; do
  case "$opt" in
    n) rows=$OPTARG ;;
    r) rounds=$OPTARG ;;
    o) out=$OPTARG ;;
    p) prev=$OPTARG ;;
    *) echo "usage: $0 [-n ROWS] [-r ROUNDS] [-o REPORT.md] [-p REV]" >&2; exit 2 ;;
  esac
done
command -v /usr/bin/time >/dev/null || { apt-get update -qq && apt-get install -y -qq time; }

cargo build -q --release -p procsnap
cargo build -q --profile bench -p procsnap-core --example procfs_tcp --example write_tcp_table
bin=target/release/procsnap
ex=target/release/examples
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
previous=""
if [ -n "$prev" ]; then
  git worktree add -q --detach "$work/previous-src" "$prev"
  cargo build -q --release -p procsnap --manifest-path "$work/previous-src/Cargo.toml" --target-dir target/previous
  git worktree remove --force "$work/previous-src"
  previous=target/previous/release/procsnap
fi
"$ex/write_tcp_table" "$rows" "$work/tcp"
mkdir -p "$work/snap/proc/net" && cp "$work/tcp" "$work/snap/proc/net/tcp"
tar -C "$work/snap" -czf "$work/snap.tar.gz" proc

run() { # NAME CMD... → "NAME seconds maxrss_kib"
  # Wall time from bash's microsecond clock around GNU time (whose %e has 10 ms steps, a
  # quarter of the line scan); it includes starting `time` itself, the same ~1 ms for every
  # program. Peak RSS from GNU time.
  local name=$1; shift
  local t0=$EPOCHREALTIME
  /usr/bin/time -f "%M" -o "$work/t" "$@" >/dev/null
  local t1=$EPOCHREALTIME
  echo "$name $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", b - a }') $(cat "$work/t")"
}
: >"$work/all"
for r in $(seq 1 "$rounds"); do
  {
    run cat cat "$work/tcp"
    run scan "$ex/procfs_tcp" "$work/tcp" --scan
    run procfs-core "$ex/procfs_tcp" "$work/tcp"
    run procsnap "$bin" report "$work/tcp" --format json
    run procsnap-targz "$bin" report "$work/snap.tar.gz" --format json
    if [ -n "$previous" ]; then
      run previous "$previous" report "$work/tcp" --format json
      run previous-targz "$previous" report "$work/snap.tar.gz" --format json
    fi
  } >>"$work/all"
done
/usr/bin/python3 - "$work/all" "$rows" "$rounds" "$prev" <<'PY' | tee ${out:+"$out"}
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
for n in ["cat", "scan", "procfs-core", "procsnap", "procsnap-targz", "previous", "previous-targz"]:
    if n in med:
        label = f"{n} ({sys.argv[4]})" if n.startswith("previous") else n
        print(f"| {label} | {med[n]:.3f} | {rss[n]:.0f} |")
p = med["procsnap"]
ratio = lambda a, b: f"{a / b:.2f}x" if b > 0 else "n/a"
print(f"\nprocfs-core / procsnap: {ratio(med['procfs-core'], p)}; procsnap / line scan: {ratio(p, med['scan'])}; "
      f"procsnap / cat: {ratio(p, med['cat'])}")
if "previous" in med:
    print(f"previous ({sys.argv[4]}) / procsnap: {ratio(med['previous'], p)} (bare table), "
          f"{ratio(med['previous-targz'], med['procsnap-targz'])} (.tar.gz)")
PY
