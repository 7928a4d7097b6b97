#!/usr/bin/env python3
"""Open N TCP connections on loopback and leave them in TIME_WAIT, for bench-collect.sh.

The server (127.0.0.1:PORT) closes first, so the TIME_WAIT rows sit on the server side, the way
they do on a busy web server. Clients bind explicitly to 127.0.0.2 .. 127.0.0.(1+ADDRS) and
ports from 10000 upwards, so no 4-tuple repeats: a repeated one would revive (and so remove) the
server's TIME_WAIT entry for it, which is what happens when the kernel picks ephemeral ports. Loopback only, bounded by
--count and --seconds; after creating the sockets it keeps the listener open for --hold seconds
(so `netstat -l` has something to show) and exits by itself.

Prints one line: the number of connections made.
"""
import argparse
import socket
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=120_000)
    ap.add_argument("--addrs", type=int, default=8, help="client source addresses 127.0.0.2..")
    ap.add_argument("--port", type=int, default=18080)
    ap.add_argument("--seconds", type=float, default=40.0, help="stop creating after this long")
    ap.add_argument("--hold", type=float, default=60.0, help="keep the listener open this long")
    a = ap.parse_args()
    if a.count < 0 or not 1 <= a.addrs <= 250 or a.count > a.addrs * 55_000:
        sys.exit("bad --count or --addrs")

    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", a.port))
    srv.listen(4096)
    deadline = time.monotonic() + a.seconds
    made = 0
    while made < a.count and time.monotonic() < deadline:
        c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        c.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            c.bind(("127.0.0.%d" % (2 + made % a.addrs), 10000 + made // a.addrs))
            c.connect(("127.0.0.1", a.port))
            s, _ = srv.accept()
            # Server side closes first: it is the one that goes to TIME_WAIT.
            s.close()
            c.recv(1)  # wait for the FIN so the client closes second
            c.close()
            made += 1
        except OSError as e:
            c.close()
            print("stopped early: %s" % e, file=sys.stderr)
            break
    print(made, flush=True)
    sys.stdout.close()
    end = time.monotonic() + a.hold
    while time.monotonic() < end:
        time.sleep(0.5)


if __name__ == "__main__":
    main()
