#!/usr/bin/env python3
"""Write the bad-input corpus tests/corpus/* and tests/corpus/expected.tsv.

Deterministic (fixed seeds, fixed mtimes): running it again gives the same bytes, so the committed
files can be checked with `git diff --exit-code tests/corpus` after running it. Only the standard
library. Usage: python3 scripts/make-corpus.py [OUT_DIR]

expected.tsv columns: file, exit code, outcome, substring.
  outcome is `ok` (exit 0; the substring must be in stdout) or an error kind of procsnap_core::Error
  (`empty`, `not_a_snapshot`, `truncated`, `too_large`, `too_many_entries`, `bad_manifest`,
  `newer_format`): exit 4, the kind's own message and the substring must be in stderr.
"""
import gzip
import io
import json
import os
import random
import struct
import sys
import tarfile
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "tests", "corpus")
CAPTURED = os.path.join(ROOT, "core", "tests", "fixtures", "captured")
MTIME = 1795000000  # fixed, so the output is reproducible

rows = []  # (file, exit, outcome, substring)


def captured(name):
    with open(os.path.join(CAPTURED, name), "rb") as f:
        return f.read()


def put(name, data, exit_code, outcome, substring):
    assert "\t" not in substring and "\n" not in substring
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)
    rows.append((name, exit_code, outcome, substring))


def gz(data, level=6):
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", compresslevel=level, mtime=MTIME) as g:
        g.write(data)
    return buf.getvalue()


def tar_member(name, data=b"", kind=tarfile.REGTYPE, linkname="", fmt=tarfile.GNU_FORMAT):
    return (name, data, kind, linkname)


def tar_bytes(members, fmt=tarfile.GNU_FORMAT):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt) as t:
        for name, data, kind, linkname in members:
            info = tarfile.TarInfo(name)
            info.type = kind
            info.mtime = MTIME
            info.mode = 0o644
            info.uname = info.gname = "root"
            if kind == tarfile.REGTYPE:
                info.size = len(data)
                t.addfile(info, io.BytesIO(data))
            else:
                info.linkname = linkname
                t.addfile(info)
    return buf.getvalue()


def raw_header(name, size=0, typeflag=b"0", linkname=b""):
    """A ustar header written by hand: tarfile refuses nothing we need, but this keeps names raw."""
    h = bytearray(512)
    h[0:len(name)] = name[:100]
    h[100:108] = b"0000644\0"
    h[108:116] = b"0000000\0"
    h[116:124] = b"0000000\0"
    h[124:136] = b"%011o\0" % size
    h[136:148] = b"%011o\0" % MTIME
    h[148:156] = b" " * 8
    h[156:157] = typeflag
    h[157:157 + len(linkname)] = linkname[:100]
    h[257:263] = b"ustar\0"
    h[263:265] = b"00"
    h[148:156] = b"%06o\0 " % sum(h)
    assert len(h) == 512, name
    return bytes(h)


TABLES = ["tcp", "tcp6", "udp", "udp6", "udplite", "raw", "raw6", "unix", "sockstat", "sockstat6"]
# A listener in the captured tcp table (127.0.0.1:44257, inode 3097017) and its owner.
LISTEN_INODE = 3097017


def manifest(version=1, **extra):
    m = {
        "format": "procsnap",
        "format_version": version,
        "tool": "make-corpus.py",
        "host": {"hostname": "corpus", "byte_order": "little", "user_hz": 100, "page_size": 4096},
    }
    m.update(extra)
    return json.dumps(m).encode()


def snapshot_members(manifest_bytes=None, cmdline=b"/usr/bin/corpusd\0--port\x0044257\0",
                     comm=b"corpusd\n", extra=()):
    members = [tar_member("procsnap.json", manifest() if manifest_bytes is None else manifest_bytes)]
    members += [tar_member("proc/net/" + t, captured(t)) for t in TABLES]
    members += [
        tar_member("proc/4242/fd", kind=tarfile.DIRTYPE),
        tar_member("proc/4242/fd/3", kind=tarfile.SYMTYPE, linkname="socket:[%d]" % LISTEN_INODE),
        tar_member("proc/4242/cmdline", cmdline),
        tar_member("proc/4242/comm", comm),
        tar_member("proc/4242/status", b"Name:\tcorpusd\nUid:\t1000\t1000\t1000\t1000\n"),
    ]
    members += list(extra)
    return members


def main():
    os.makedirs(OUT, exist_ok=True)
    for f in os.listdir(OUT):
        os.remove(os.path.join(OUT, f))
    rnd = random.Random(7)

    good = tar_bytes(snapshot_members())
    good_gz = gz(good)
    put("ok-snapshot.tar.gz", good_gz, 0, "ok", "corpusd")
    put("ok-snapshot.tar", good, 0, "ok", "corpusd")

    # Not snapshots at all.
    put("empty", b"", 4, "empty", "")
    put("random.bin", bytes(rnd.getrandbits(8) for _ in range(4096)), 4, "not_a_snapshot", "binary data")
    png = b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    png += struct.pack(">I", zlib.crc32(png[12:29]))
    idat = zlib.compress(b"\0\0")
    png += struct.pack(">I", len(idat)) + b"IDAT" + idat + struct.pack(">I", zlib.crc32(b"IDAT" + idat))
    png += struct.pack(">I", 0) + b"IEND" + struct.pack(">I", zlib.crc32(b"IEND"))
    put("image.png", png, 4, "not_a_snapshot", "PNG image")
    put("archive.zip", b"PK\x03\x04" + bytes(60), 4, "not_a_snapshot", "zip archive")
    put("program.elf", b"\x7fELF\x02\x01\x01" + bytes(57), 4, "not_a_snapshot", "executable")
    put("object.json", b'{"format":"procsnap","format_version":1}\n', 4, "not_a_snapshot", "JSON")
    put("hello.txt", b"hello world\n", 4, "not_a_snapshot", "not a /proc/net table header")
    put("text-in.gz", gz(b"just some text, not a tar\n" * 40), 4, "not_a_snapshot", "not a tar")
    put("nul-bytes.bin", bytes(2048), 4, "not_a_snapshot", "")
    put("bad-link.link", b"https://viewer.example/#r=1.eNqNVV1s21QUvtd2nJ92_G1r-cut-here\n", 4, "not_a_snapshot", "")

    # Damaged gzip and tar.
    for cut in (2, 10, 100, len(good_gz) // 2, len(good_gz) - 9, len(good_gz) - 1):
        put("cut-at-%d.tar.gz" % cut, good_gz[:cut], 4, "truncated", "")
    flipped = bytearray(good_gz)
    flipped[len(flipped) // 2] ^= 0x55
    put("flipped-byte.tar.gz", bytes(flipped), 4, "truncated", "")
    bad_crc = bytearray(good_gz)
    bad_crc[-8] ^= 0xFF
    put("bad-crc.tar.gz", bytes(bad_crc), 4, "truncated", "")
    put("cut-mid-entry.tar", good[: 512 * 5 + 100], 4, "truncated", "")
    put("cut-after-header.tar", good[:512], 4, "truncated", "")
    bad_sum = bytearray(raw_header(b"proc/net/tcp", 10) + b"x" * 512 + bytes(1024))
    bad_sum[148:156] = b"0000000\0"
    put("bad-checksum.tar", bytes(bad_sum), 4, "not_a_snapshot", "")

    # Hostile names: listed, never used, never a path on disk.
    hostile = [
        tar_member("../../../../etc/passwd", b"root:x:0:0::/root:/bin/sh\n"),
        tar_member("/etc/shadow", b"root:*:1::::::\n"),
        tar_member("proc/../../escape", b"x"),
        tar_member("proc/4242/fd/4", kind=tarfile.SYMTYPE, linkname="/etc/passwd"),
        tar_member("proc/4242/fd/5", kind=tarfile.LNKTYPE, linkname="../../etc/passwd"),
        tar_member("dev-null", kind=tarfile.CHRTYPE),
        tar_member("a-fifo", kind=tarfile.FIFOTYPE),
    ]
    put("hostile-paths.tar.gz", gz(tar_bytes(snapshot_members(extra=hostile))), 0, "ok", "corpusd")
    huge = [tar_member("proc/" + "x" * 200_000, b"long"), tar_member("y" * 5000 + "/" * 5000, b"")]
    put("huge-names.tar.gz", gz(tar_bytes(snapshot_members(extra=huge))), 0, "ok", "corpusd")
    pax = [tar_member("proc/net/" + "\u00e9" * 150, b"pax name")]
    put("pax-names.tar", tar_bytes(snapshot_members(extra=pax), fmt=tarfile.PAX_FORMAT), 0, "ok", "corpusd")

    # Bombs. 900 MiB of zeros compress to ~0.9 MB. The header tells the truth, so only the
    # decompression guards stop it; a second one claims 8 GiB in its header.
    def bomb(claimed):
        out = io.BytesIO()
        zc = zlib.compressobj(9, zlib.DEFLATED, 31)
        out.write(zc.compress(raw_header(b"proc/net/tcp", claimed)))
        chunk = bytes(1 << 20)
        for _ in range(900):
            out.write(zc.compress(chunk))
        out.write(zc.compress(bytes(1024)))
        out.write(zc.flush())
        return out.getvalue()
    put("gzip-bomb.tar.gz", bomb(900 << 20), 4, "too_large", "")
    put("gzip-bomb-8g-header.tar.gz", bomb(0o77777777777)[:4096], 4, "too_large", "")
    # Identical empty-file headers compress ~1000:1: 1,000,001 entries (512 MB of tar) in ~0.5 MB.
    many = io.BytesIO()
    zc = zlib.compressobj(9, zlib.DEFLATED, 31)
    h = raw_header(b"proc/9/x")
    block = h * 4096
    n = 0
    while n < 1_000_001:
        k = min(4096, 1_000_001 - n)
        many.write(zc.compress(block if k == 4096 else h * k))
        n += k
    many.write(zc.compress(bytes(1024)))
    many.write(zc.flush())
    put("million-entries.tar.gz", many.getvalue(), 4, "too_many_entries", "")

    # Manifests.
    put("manifest-future.tar.gz", gz(tar_bytes(snapshot_members(manifest(version=99)))), 4, "newer_format", "version 99")
    put("manifest-bad-json.tar.gz", gz(tar_bytes(snapshot_members(b'{"format_version": 1,'))), 4, "bad_manifest", "")
    put("manifest-version-0.tar.gz", gz(tar_bytes(snapshot_members(manifest(version=0)))), 4, "bad_manifest", "format_version")
    put("manifest-array.tar.gz", gz(tar_bytes(snapshot_members(b"[1,2,3]"))), 4, "bad_manifest", "")
    put("manifest-huge-version.tar.gz", gz(tar_bytes(snapshot_members(b'{"format_version": 99999999999999}'))), 4, "bad_manifest", "")
    odd = manifest(host={"byte_order": "middle", "user_hz": 0, "page_size": 1})
    put("manifest-odd-host.tar.gz", gz(tar_bytes(snapshot_members(odd))), 0, "ok", "corpusd")
    wrong = manifest(files=[{"path": "proc/net/tcp", "sha256": "00" * 32}, {"path": "../x", "sha256": "zz"}])
    put("manifest-wrong-hash.tar.gz", gz(tar_bytes(snapshot_members(wrong))), 0, "ok", "SHA-256")

    # Process files.
    put("cmdline-invalid-utf8.tar.gz", gz(tar_bytes(snapshot_members(cmdline=b"/usr/bin/\xff\xfe\xc3(bad\0--x\0\xed\xa0\x80\0"))), 0, "ok", "bad")
    put("cmdline-html.tar.gz", gz(tar_bytes(snapshot_members(cmdline=b"<script>alert(1)</script>\0<img src=x onerror=alert(2)>\0", comm=b"<b>x</b>\n"))), 0, "ok", "<script>")
    put("cmdline-huge.tar.gz", gz(tar_bytes(snapshot_members(cmdline=b"A" * 300_000 + b"\0" + b"\0" * 1000))), 0, "ok", "AAAA")

    # Bare tables with bad rows: malformed rows are diagnostics, the rest is still read.
    tcp = captured("tcp")
    header, first = tcp.split(b"\n")[0], tcp.split(b"\n")[1]
    put("tcp-missing-fields", header + b"\n   0: 0100007F:1F90 00000000:0000 0A\n   1:\n" + first + b"\n", 0, "ok", "44257")
    put("tcp-nonhex", header + b"\n   0: 0100007G:1F9Z 0000000X:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1\n" + first + b"\n", 0, "ok", "44257")
    put("tcp-unknown-state", header + b"\n" + first.replace(b" 0A ", b" FF ") + b"\n" + first.replace(b" 0A ", b" 00 ") + b"\n", 0, "ok", "")
    put("tcp-overlong-line", header + b"\n" + first + b" " + b"9" * 300_000 + b"\n" + first + b"\n", 0, "ok", "44257")
    put("tcp-nul-bytes", header + b"\n" + first[:20] + b"\0\0\0" + first[23:] + b"\n\0\0\0\n" + first + b"\n", 0, "ok", "44257")
    put("tcp-header-only", header + b"\n", 0, "ok", "")
    put("tcp-huge-numbers", header + b"\n" + first.replace(b"3097017", b"99999999999999999999999999") + b"\n", 0, "ok", "")
    tcp6 = captured("tcp6").split(b"\n")
    put("tcp6-short-address", tcp6[0] + b"\n" + tcp6[1].replace(b"00000000000000000000000001000000", b"0100007F", 1) + b"\n", 0, "ok", "")
    put("tcp-crlf", tcp.replace(b"\n", b"\r\n"), 0, "ok", "")
    unix = captured("unix").split(b"\n")
    put("unix-missing-fields", unix[0] + b"\n0000000000000000: 00000002\n" + unix[1] + b"\n", 0, "ok", "")
    put("unix-nul-and-html-path", unix[0] + b"\n0000000000000000: 00000002 00000000 00010000 0001 01 21504 /run/<script>alert(1)</script>\0\xff\n", 0, "ok", "")
    put("unix-overlong-path", unix[0] + b"\n0000000000000000: 00000002 00000000 00010000 0001 01 21505 /" + b"p" * 200_000 + b"\n", 0, "ok", "")
    put("sockstat-garbage", b"sockets: used many\nTCP: inuse\nTCP: inuse 1 inuse 2 orphan -1 tw 99999999999999999999999\n\xff\xfe: \0\n", 0, "ok", "")

    with open(os.path.join(OUT, "expected.tsv"), "w") as f:
        f.write("# file\texit\toutcome\tsubstring  (written by scripts/make-corpus.py; see its docstring)\n")
        for r in rows:
            f.write("%s\t%d\t%s\t%s\n" % r)
    print("wrote %d files to %s" % (len(rows), OUT))


if __name__ == "__main__":
    main()
