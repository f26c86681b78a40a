#!/usr/bin/env python3
"""Runs real HAProxy 2.6 with nohost.cfg (no log-send-hostname, IPv6 and rfc5424 targets),
sends one request and one empty connection, writes ../haproxy26/nohost-{v6,5424}.log."""
import os, socket, subprocess, time

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "haproxy26")

a = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); a.bind(("::1", 27160)); a.settimeout(2)
b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); b.bind(("127.0.0.1", 27161)); b.settimeout(2)
p = subprocess.Popen(["haproxy", "-db", "-f", os.path.join(HERE, "nohost.cfg")], stderr=subprocess.DEVNULL)
time.sleep(0.8)
c = socket.create_connection(("127.0.0.1", 27162)); c.sendall(b"GET /x HTTP/1.0\r\n\r\n"); c.recv(100); c.close()
time.sleep(0.5)
c = socket.create_connection(("127.0.0.1", 27162)); c.close()
time.sleep(0.5)
for s, name in ((a, "nohost-v6.log"), (b, "nohost-5424.log")):
    with open(os.path.join(OUT, name), "wb") as f:
        for _ in range(2):
            d = s.recv(4096)
            f.write(d.replace(b"\\", b"\\\\").replace(b"\n", b"\\n") + b"\n")
p.terminate(); p.wait()
