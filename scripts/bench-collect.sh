#!/bin/sh
# Benchmark `procsnap collect` against `cat` of the same /proc files, `netstat -nlp` and
# `ss -nltp` on a host with many TIME_WAIT sockets, and write the medians to a Markdown file.
#
#   scripts/bench-collect.sh [-n COUNT] [-r RUNS] [-b PROCSNAP] [-o OUT.md]
#
# Defaults: 120000 sockets, 7 runs, the capture-only release binary (dist-release/
# procsnap-collect-x86_64, from scripts/release.sh), docs/bench-collector.md. `-b` takes either
# binary: both accept `collect -o FILE`.
# Needs python3 (scripts/tw-sockets.py opens the sockets), netstat, ss, GNU date and time.
#
# As root it runs in a private network namespace (unshare -n): the TIME_WAIT rows then exist only
# there, other users of the machine neither see them nor disturb the tables, and everything is
# torn down when the script ends. Otherwise it uses the current namespace (loopback only).
#
# TIME_WAIT lasts 60 s and cannot be stretched, so the runs happen right after the sockets are
# made; the file records the TIME_WAIT count before and after the runs to show they were there.
# $FILES and $TOOLS are space-separated lists, split on purpose; MED_*/MIN_* are set with eval.
# shellcheck disable=SC2086,SC2154
set -eu

COUNT=120000
RUNS=7
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=$ROOT/dist-release/procsnap-collect-x86_64
OUT=$ROOT/docs/bench-collector.md
while getopts n:r:b:o: opt; do
    case $opt in
    n) COUNT=$OPTARG ;;
    r) RUNS=$OPTARG ;;
    b) BIN=$OPTARG ;;
    o) OUT=$OPTARG ;;
    *) echo "usage: $0 [-n COUNT] [-r RUNS] [-b PROCSNAP] [-o OUT.md]" >&2; exit 2 ;;
    esac
done
case $OUT in /*) ;; *) OUT=$PWD/$OUT ;; esac
case $BIN in /*) ;; *) BIN=$PWD/$BIN ;; esac
[ -x "$BIN" ] || { echo "no procsnap binary at $BIN; build it first (bash scripts/release.sh)" >&2; exit 1; }
[ "$RUNS" -ge 1 ] && [ "$COUNT" -ge 1 ] && [ "$COUNT" -le 400000 ] || { echo "bad -n or -r" >&2; exit 2; }

if [ -z "${BENCH_NETNS:-}" ] && [ "$(id -u)" = 0 ] && unshare -n true 2>/dev/null; then
    BENCH_NETNS=private exec unshare -n env BENCH_NETNS=private "$0" -n "$COUNT" -r "$RUNS" -b "$BIN" -o "$OUT"
fi
NETNS=${BENCH_NETNS:-current}
[ "$NETNS" = private ] && ip link set lo up

WORK=$(mktemp -d)
HELPER=
cleanup() {
    [ -n "$HELPER" ] && kill "$HELPER" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

now() { date +%s%N; }
tw() { awk '/^TCP:/ { for (i = 1; i < NF; i++) if ($i == "tw") print $(i + 1) }' /proc/net/sockstat; }
# Median of the numbers on stdin (nanoseconds), printed in milliseconds with one decimal.
median_ms() { sort -n | awk '{ a[NR] = $1 } END { m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf "%.1f", m / 1e6 }'; }
min_ms() { sort -n | awk 'NR == 1 { printf "%.1f", $1 / 1e6 }'; }

# The files procsnap reads besides the process walk, for the `cat` baseline.
FILES=
for f in tcp tcp6 udp udp6 udplite udplite6 raw raw6 unix sockstat sockstat6 snmp netstat; do
    [ -r "/proc/net/$f" ] && FILES="$FILES /proc/net/$f"
done
for f in ipv4/tcp_fin_timeout ipv4/tcp_tw_reuse ipv4/tcp_max_tw_buckets ipv4/ip_local_port_range ipv4/tcp_timestamps core/somaxconn; do
    [ -r "/proc/sys/net/$f" ] && FILES="$FILES /proc/sys/net/$f"
done

echo "opening $COUNT TIME_WAIT sockets on loopback ($NETNS network namespace)..." >&2
t0=$(now)
python3 "$ROOT/scripts/tw-sockets.py" --count "$COUNT" --seconds 40 --hold 120 >"$WORK/made" &
HELPER=$!
while [ ! -s "$WORK/made" ]; do
    kill -0 "$HELPER" 2>/dev/null || { echo "socket helper failed" >&2; exit 1; }
    sleep 0.2
done
MADE=$(cat "$WORK/made")
MAKE_S=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')
TW_BEFORE=$(tw)
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
echo "made $MADE in ${MAKE_S}s; kernel counts $TW_BEFORE in TIME_WAIT; timing $RUNS runs..." >&2

run() {
    case $1 in
    cat) cat $FILES >/dev/null ;;
    procsnap) "$BIN" collect -o "$WORK/snap.tar.gz" 2>"$WORK/summary" ;;
    netstat) LC_ALL=C netstat -nlp >/dev/null 2>&1 ;;
    ss) ss -nltp >/dev/null ;;
    esac
}
TOOLS="cat procsnap netstat ss"
for t in $TOOLS; do run "$t"; done # warm-up: page cache, dentries
i=0
while [ "$i" -lt "$RUNS" ]; do
    # Rotate the order each round so that no tool always runs first or last as rows expire.
    order=$(echo $TOOLS $TOOLS | cut -d' ' -f$((i % 4 + 1))-$((i % 4 + 4)))
    for t in $order; do
        a=$(now)
        run "$t"
        b=$(now)
        echo $((b - a)) >>"$WORK/$t.ns"
    done
    i=$((i + 1))
done
TW_AFTER=$(tw)
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
RSS_KB=$(/usr/bin/time -f %M "$BIN" collect -o "$WORK/snap.tar.gz" 2>&1 >/dev/null | tail -1)
SUMMARY=$(cat "$WORK/summary")
SNAP_BYTES=$(stat -c %s "$WORK/snap.tar.gz")
TCP_BYTES=$(tar xzOf "$WORK/snap.tar.gz" procsnap.json | python3 -c '
import json, sys
m = json.load(sys.stdin)
print(next((f["bytes"] for f in m["files"] if f["path"] == "proc/net/tcp"), 0))')
BIN_BYTES=$(stat -c %s "$BIN")
for t in $TOOLS; do
    eval "MED_$t=\$(median_ms <\"\$WORK/$t.ns\")"
    eval "MIN_$t=\$(min_ms <\"\$WORK/$t.ns\")"
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

mkdir -p "$(dirname "$OUT")"
cat >"$OUT" <<EOF
# Collector benchmark

Written by \`scripts/bench-collect.sh -n $COUNT -r $RUNS\` on $(date -u +%Y-%m-%dT%H:%MZ).
Re-run it to refresh this file; numbers from a shared or busy machine are noisy (load below).

## Setup

- Host: $(nproc) CPUs, kernel $(uname -r), load average $LOAD_BEFORE before the runs, $LOAD_AFTER after.
- $MADE loopback connections closed server side first (made in ${MAKE_S} s, $NETNS network namespace);
  the kernel counted $TW_BEFORE sockets in TIME_WAIT before the runs and $TW_AFTER after.
- \`/proc/net/tcp\`: $TCP_BYTES bytes. \`cat\` reads the same /proc/net tables and sysctls procsnap
  reads ($(echo $FILES | wc -w) files); procsnap also walks every /proc/PID/fd, as netstat -p does.
- Binary: \`$(basename "$BIN")\`, $BIN_BYTES bytes ($(awk -v b="$BIN_BYTES" 'BEGIN { printf "%.1f", b / 1024 }') KiB$(case $(basename "$BIN") in (procsnap-collect*) [ "$BIN_BYTES" -gt 409600 ] && echo ', **over the 400 KiB budget**' ;; esac)).
- Snapshot written: $SNAP_BYTES bytes. Peak RSS of \`procsnap collect\`: $RSS_KB KiB.
- Last summary line: \`$SUMMARY\`

## Wall time, median of $RUNS runs

| command | median ms | × cat | fastest ms | × cat |
|---|---:|---:|---:|---:|
| \`cat\` of the same /proc files | $MED_cat | 1.00 | $MIN_cat | 1.00 |
| \`procsnap collect -o FILE\` | $MED_procsnap | $(ratio "$MED_procsnap" "$MED_cat") | $MIN_procsnap | $(ratio "$MIN_procsnap" "$MIN_cat") |
| \`netstat -nlp\` | $MED_netstat | $(ratio "$MED_netstat" "$MED_cat") | $MIN_netstat | $(ratio "$MIN_netstat" "$MIN_cat") |
| \`ss -nltp\` | $MED_ss | $(ratio "$MED_ss" "$MED_cat") | $MIN_ss | $(ratio "$MIN_ss" "$MIN_cat") |

Target: procsnap ≤ 1.25 × cat (medians). The fastest run is the least disturbed by other load on
the machine. All runs (ms):

$(for t in $TOOLS; do printf -- '- %s: %s\n' "$t" "$(awk '{ printf "%.1f ", $1 / 1e6 }' "$WORK/$t.ns")"; done)
EOF
echo "wrote $OUT" >&2
cat "$OUT"
