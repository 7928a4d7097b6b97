#!/bin/sh
# procsnap-collect.sh — the fallback collector for hosts where the procsnap binary may not run.
#
#   sh procsnap-collect.sh [-o FILE | -o -] [--netns all|self]
#
# Writes a procsnap snapshot (format v1: a gzip tar whose paths mirror /proc, see
# docs/collector.md) that `procsnap report` and the viewer read. It needs a POSIX shell plus
# cat, readlink, tar and gzip (busybox's applets are enough: no `tar -T`); mkdir, ln, rm and
# mv for the staging tree; uname and date when present; nsenter (util-linux or busybox) to read
# the sysctls of other network namespaces, when present. What it cannot know (read counts,
# timings, SHA-256, USER_HZ, page size) is left out of the manifest, as the format allows.
# Tested under busybox sh with only busybox applets on PATH, under dash and under bash.
#
# The paths follow core/src/layout.rs (the format's registry); keep the two in step.
# Like the binary: pids and fds are walked in ascending numeric order, only socket links are
# kept, -o FILE goes through a temporary file renamed at the end (nothing partial is left on
# error or on SIGINT/SIGTERM), and the default name is HOST-YYYYmmddTHHMMSSZ.procsnap.tar.gz.
set -u
LC_ALL=C
export LC_ALL
umask 077

TOOL="procsnap-collect.sh 1"
OUT=
NETNS=all
while [ $# -gt 0 ]; do
    case $1 in
    -o) [ $# -ge 2 ] || { echo "procsnap-collect.sh: -o needs a file name or -" >&2; exit 2; }
        OUT=$2; shift 2 ;;
    --netns)
        case ${2-} in all | self) NETNS=$2 ;; *) echo "procsnap-collect.sh: --netns takes all or self" >&2; exit 2 ;; esac
        shift 2 ;;
    -h | --help) echo "usage: sh procsnap-collect.sh [-o FILE | -o -] [--netns all|self]  (see docs/collector.md)"; exit 0 ;;
    *) echo "procsnap-collect.sh: unknown argument $1 (usage: [-o FILE | -o -] [--netns all|self])" >&2; exit 2 ;;
    esac
done

read_line() { # first line of a file, or nothing
    _l=
    [ -r "$1" ] && IFS= read -r _l <"$1"
    printf '%s' "$_l"
}
file_safe() { # a host name made safe for a file name
    _s=$1 _o=
    while [ -n "$_s" ]; do
        _c=${_s%"${_s#?}"}
        _s=${_s#?}
        case $_c in [A-Za-z0-9._-]) _o=$_o$_c ;; *) _o=${_o}_ ;; esac
    done
    printf '%s' "${_o:-host}"
}
json_str() { # a JSON string literal; drops the characters that would need escaping
    _s=$1 _o=
    while [ -n "$_s" ]; do
        _c=${_s%"${_s#?}"}
        _s=${_s#?}
        # shellcheck disable=SC1003 # a lone backslash, quoted
        case $_c in '"' | '\' | [[:cntrl:]]) ;; *) _o=$_o$_c ;; esac
    done
    printf '"%s"' "$_o"
}

HOST=$(read_line /proc/sys/kernel/hostname)
KERNEL=$(read_line /proc/sys/kernel/osrelease)
ARCH=$(uname -m 2>/dev/null || true)
case $ARCH in
x86_64 | i?86 | aarch64 | armv*l | riscv64 | ppc64le | loongarch64 | mips*el) ORDER=little ;;
s390x | ppc64 | ppc | sparc* | mips | mips64 | aarch64_be | armv*b) ORDER=big ;;
*) ORDER= ;;
esac
EUID_=
# "Uid: real effective saved fs": the effective one decides what /proc lets us read.
while read -r k _ e _; do [ "$k" = "Uid:" ] && EUID_=$e && break; done </proc/self/status
START=$(date -u +%Y-%m-%dT%H:%M:%SZ)
STAMP=$(date -u +%Y%m%dT%H%M%SZ)

case $OUT in
"") OUT=./$(file_safe "$HOST")-$STAMP.procsnap.tar.gz ;;
esac
if [ "$OUT" = - ]; then
    TMP=
else
    [ -d "$OUT" ] && { echo "procsnap-collect.sh: cannot write $OUT: is a directory" >&2; exit 5; }
    case $OUT in */*) DIR=${OUT%/*} ;; *) DIR=. ;; esac
    TMP=${DIR:-/}/.${OUT##*/}.$$.tmp
fi

STAGE=${TMPDIR:-/tmp}/procsnap-stage.$$
cleanup() { rm -rf "$STAGE"; [ -n "$TMP" ] && rm -f "$TMP"; }
trap 'cleanup; echo "procsnap-collect.sh: interrupted; no snapshot written" >&2; exit 130' INT
trap 'cleanup; echo "procsnap-collect.sh: interrupted; no snapshot written" >&2; exit 143' TERM
mkdir "$STAGE" || { echo "procsnap-collect.sh: cannot create $STAGE" >&2; exit 5; }
# Fail before the walk, with one line, when the output directory cannot take the file.
if [ -n "$TMP" ] && ! (: >"$TMP") 2>/dev/null; then
    TMP=
    cleanup
    echo "procsnap-collect.sh: cannot write $OUT: its directory is missing or not writable" >&2
    exit 5
fi
LIST=$STAGE/.list
: >"$LIST"
# "INODE PID" for every process whose network namespace could be read, in walk order.
NSMAP=$STAGE/.netns
: >"$NSMAP"
OWN=$(readlink /proc/self/ns/net 2>/dev/null)
OWN=${OWN#net:\[}
OWN=${OWN%\]}
ns_inode() { # the namespace inode of /proc/PID ($1), or nothing
    _t=$(readlink "$1/ns/net" 2>/dev/null) || return 0
    case $_t in net:\[*\]) _t=${_t#net:\[}; printf '%s' "${_t%\]}" ;; esac
}

# Files and pids by ascending number: a glob per digit count, each sorted (C locale).
PATTERNS="[0-9] [0-9][0-9] [0-9][0-9][0-9] [0-9][0-9][0-9][0-9] [0-9][0-9][0-9][0-9][0-9]
[0-9][0-9][0-9][0-9][0-9][0-9] [0-9][0-9][0-9][0-9][0-9][0-9][0-9]"

SEEN=0 UNREADABLE=0 VANISHED=0 FDS=0 LINKS=0
for pp in $PATTERNS; do
    for pdir in /proc/$pp; do
        [ -d "$pdir" ] || continue
        pid=${pdir#/proc/}
        SEEN=$((SEEN + 1))
        if [ ! -r "$pdir/fd" ] || [ ! -x "$pdir/fd" ]; then
            if [ -d "$pdir" ]; then UNREADABLE=$((UNREADABLE + 1)); else VANISHED=$((VANISHED + 1)); fi
            continue
        fi
        ino=
        if [ -n "$OWN" ] && [ "$NETNS" = all ]; then
            ino=$(ns_inode "$pdir")
            [ -n "$ino" ] && echo "$ino $pid" >>"$NSMAP"
        fi
        n=0
        for fp in $PATTERNS; do
            for f in "$pdir"/fd/$fp; do
                [ -h "$f" ] || continue
                FDS=$((FDS + 1))
                t=$(readlink "$f" 2>/dev/null) || continue
                case $t in
                socket:\[* | \[0000\]:*)
                    [ $n = 0 ] && mkdir -p "$STAGE/proc/$pid/fd"
                    ln -s "$t" "$STAGE/proc/$pid/fd/${f##*/}" && echo "proc/$pid/fd/${f##*/}" >>"$LIST"
                    n=$((n + 1)) ;;
                esac
            done
        done
        [ $n = 0 ] && continue
        LINKS=$((LINKS + n))
        if [ -n "$ino" ]; then
            mkdir -p "$STAGE/proc/$pid/ns"
            ln -s "net:[$ino]" "$STAGE/proc/$pid/ns/net" && echo "proc/$pid/ns/net" >>"$LIST"
        fi
        gone=0
        # The per-process files of core/src/layout.rs (ProcessFile::ALL).
        for x in cmdline comm status cgroup; do
            if cat "$pdir/$x" >"$STAGE/proc/$pid/$x" 2>/dev/null; then
                echo "proc/$pid/$x" >>"$LIST"
            else
                rm -f "$STAGE/proc/$pid/$x"
                gone=1
            fi
        done
        VANISHED=$((VANISHED + gone))
    done
done

mkdir -p "$STAGE/proc/net" "$STAGE/proc/sys/net/ipv4" "$STAGE/proc/sys/net/core"
for f in net/tcp net/tcp6 net/udp net/udp6 net/udplite net/udplite6 net/raw net/raw6 net/unix \
    net/sockstat net/sockstat6 net/snmp net/netstat sys/net/ipv4/tcp_fin_timeout \
    sys/net/ipv4/tcp_tw_reuse sys/net/ipv4/tcp_max_tw_buckets sys/net/ipv4/ip_local_port_range \
    sys/net/ipv4/tcp_timestamps sys/net/core/somaxconn; do
    [ -r "/proc/$f" ] || continue
    if cat "/proc/$f" >"$STAGE/proc/$f" 2>/dev/null; then
        echo "proc/$f" >>"$LIST"
    else
        rm -f "$STAGE/proc/$f"
    fi
done
# Host files of core/src/layout.rs (HOST_FILES): the OS (netstat flavour) and SELinux state.
for f in etc/os-release etc/redhat-release sys/fs/selinux/enforce; do
    [ -r "/$f" ] || continue
    mkdir -p "$STAGE/${f%/*}"
    if cat "/$f" >"$STAGE/$f" 2>/dev/null; then
        echo "$f" >>"$LIST"
    else
        rm -f "$STAGE/$f"
    fi
done
# Every other network namespace: its tables through the first member still in it, and (with
# nsenter) its sysctls as seen inside it. NSREC collects the manifest's records.
NSREC=
NSSEEN=0 NSVANISHED=0
count_in() { # processes seen in namespace $1
    _c=0
    while read -r _i _p; do [ "$_i" = "$1" ] && _c=$((_c + 1)); done <"$NSMAP"
    printf '%s' $_c
}
if [ -n "$OWN" ] && [ "$NETNS" = self ]; then
    NSSEEN=1
    NSREC="    { \"inode\": $OWN, \"host\": true }"
elif [ -n "$OWN" ]; then
    NSSEEN=1
    NSREC="    { \"inode\": $OWN, \"host\": true, \"processes\": $(count_in "$OWN") }"
    DONE=" $OWN "
    while read -r ino _; do
        case $DONE in *" $ino "*) continue ;; esac
        DONE="$DONE$ino "
        NSSEEN=$((NSSEEN + 1))
        member=
        while read -r i2 p2; do
            [ "$i2" = "$ino" ] || continue
            # Still in that namespace (not exited, pid not reused)?
            [ "$(ns_inode "/proc/$p2")" = "$ino" ] || continue
            got=0
            mkdir -p "$STAGE/proc/$p2/net"
            for f in tcp tcp6 udp udp6 udplite udplite6 raw raw6 unix sockstat sockstat6 snmp netstat; do
                [ -r "/proc/$p2/net/$f" ] || continue
                if cat "/proc/$p2/net/$f" >"$STAGE/proc/$p2/net/$f" 2>/dev/null; then
                    echo "proc/$p2/net/$f" >>"$LIST"
                    got=$((got + 1))
                else
                    rm -f "$STAGE/proc/$p2/net/$f"
                fi
            done
            [ $got = 0 ] && continue
            member=$p2
            if [ ! -h "$STAGE/proc/$p2/ns/net" ]; then
                mkdir -p "$STAGE/proc/$p2/ns"
                ln -s "net:[$ino]" "$STAGE/proc/$p2/ns/net" && echo "proc/$p2/ns/net" >>"$LIST"
            fi
            if command -v nsenter >/dev/null 2>&1; then
                mkdir -p "$STAGE/proc/$p2/sys/net/ipv4" "$STAGE/proc/$p2/sys/net/core"
                for f in sys/net/ipv4/tcp_fin_timeout sys/net/ipv4/tcp_tw_reuse sys/net/ipv4/tcp_max_tw_buckets \
                    sys/net/ipv4/ip_local_port_range sys/net/ipv4/tcp_timestamps sys/net/core/somaxconn; do
                    if nsenter --net="/proc/$p2/ns/net" cat "/proc/$f" >"$STAGE/proc/$p2/$f" 2>/dev/null; then
                        echo "proc/$p2/$f" >>"$LIST"
                    else
                        rm -f "$STAGE/proc/$p2/$f"
                    fi
                done
            fi
            break
        done <"$NSMAP"
        if [ -n "$member" ]; then
            NSREC="$NSREC,
    { \"inode\": $ino, \"host\": false, \"pid\": $member, \"processes\": $(count_in "$ino") }"
        else
            NSVANISHED=$((NSVANISHED + 1))
            NSREC="$NSREC,
    { \"inode\": $ino, \"host\": false, \"processes\": $(count_in "$ino"), \"vanished\": true }"
        fi
    done <"$NSMAP"
fi
END=$(date -u +%Y-%m-%dT%H:%M:%SZ)

{
    printf '{\n  "format": "procsnap",\n  "format_version": 1,\n  "tool": "%s",\n  "host": {' "$TOOL"
    sep=
    for kv in "hostname:$HOST" "kernel:$KERNEL" "arch:$ARCH" "byte_order:$ORDER"; do
        [ -n "${kv#*:}" ] || continue
        printf '%s\n    "%s": %s' "$sep" "${kv%%:*}" "$(json_str "${kv#*:}")"
        sep=,
    done
    [ -n "$EUID_" ] && printf '%s\n    "uid": %s' "$sep" "$EUID_"
    printf '\n  },\n  "capture": {\n    "start": "%s",\n    "end": "%s"\n  },\n' "$START" "$END"
    printf '  "walk": {\n    "pids_seen": %s,\n    "pids_unreadable": %s,\n    "pids_vanished": %s,\n' \
        "$SEEN" "$UNREADABLE" "$VANISHED"
    printf '    "fds_read": %s,\n    "socket_links": %s,\n' "$FDS" "$LINKS"
    printf '    "netns_seen": %s,\n    "netns_vanished": %s\n  },\n' "$NSSEEN" "$NSVANISHED"
    [ -n "$NSREC" ] && printf '  "namespaces": [\n%s\n  ],\n' "$NSREC"
    printf '  "netns_scope": "%s"\n}\n' "$NETNS"
} >"$STAGE/procsnap.json"
echo procsnap.json >>"$LIST"

# Everything in walk order, the manifest last: tar stores its arguments in the order given.
# The names go on tar's command line, not through `tar -T` (busybox tar is often built without
# it). They hold no blanks or glob characters (proc/PID/fd/N, proc/net/tcp), so splitting the
# list on newlines with globbing off is exact. A command line is bounded by ARG_MAX (2 MiB with
# the default 8 MiB stack): about 60,000 socket fds; past that tar fails and nothing is written.
set -f
NL='
'
OLDIFS=$IFS IFS=$NL
# shellcheck disable=SC2046 # split on purpose, see above
set -- $(cat "$LIST")
IFS=$OLDIFS
set +f
fail() { cleanup; echo "procsnap-collect.sh: cannot write $OUT" >&2; exit 5; }
if [ -z "$TMP" ]; then
    tar -C "$STAGE" -cf - "$@" | gzip -1 -c || fail
else
    { tar -C "$STAGE" -cf - "$@" || echo fail >"$STAGE/.tarfail"; } | gzip -1 -c >"$TMP" || fail
    [ -e "$STAGE/.tarfail" ] && fail
    mv -f "$TMP" "$OUT" || fail
    TMP=
fi
rm -rf "$STAGE"
if [ "$NETNS" = all ] && [ "$EUID_" != 0 ]; then
    echo "procsnap-collect.sh: note: not root: only the network namespaces of this user's processes were captured (normally just its own)" >&2
fi
if [ "$EUID_" != 0 ] && [ "$UNREADABLE" -gt 0 ]; then
    echo "procsnap-collect.sh: warning: not root: $UNREADABLE of $SEEN processes could not be read; their sockets will show no owner" >&2
fi
echo "procsnap-collect.sh: wrote $( [ "$OUT" = - ] && echo stdout || echo "$OUT") ($LINKS socket links from $SEEN processes, $NSSEEN network namespaces, $NSVANISHED vanished)" >&2
