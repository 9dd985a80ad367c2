"""Bench stand-in for the runtime (test/bench/host.ts): sends the JSON Lines file named by
$COROSCOPE_BENCH_TRACE to the host's socket as fast as the socket takes it, then exits 0.
Usage as the real runtime's: __main__.py --socket ADDR [--blocking-ms N] SCRIPT ARGS..."""

import os
import socket
import sys

args = sys.argv[1:]
addr = None
while args and args[0].startswith("--"):
    opt = args.pop(0)
    if opt == "--socket":
        addr = args.pop(0)
    elif opt in ("--trace", "--blocking-ms"):
        args.pop(0)
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(addr)
with open(os.environ["COROSCOPE_BENCH_TRACE"], "rb") as f:
    s.sendfile(f)
s.close()
