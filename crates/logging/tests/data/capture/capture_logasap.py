#!/usr/bin/env python3
"""Runs real HAProxy 2.6 with logasap.cfg and records the one httplog line in ../haproxy26/logasap.log."""
import os
HERE = os.path.dirname(os.path.abspath(__file__))
import socket, subprocess, time, threading, http.server
class H(http.server.BaseHTTPRequestHandler):
    protocol_version="HTTP/1.0"
    def do_GET(self):
        self.send_response(200); self.send_header("Content-Length","5"); self.end_headers(); self.wfile.write(b"hello")
    def log_message(self,*a): pass
srv=http.server.ThreadingHTTPServer(("127.0.0.1",27166),H); threading.Thread(target=srv.serve_forever,daemon=True).start()
b=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); b.bind(("127.0.0.1",27164)); b.settimeout(2)
p=subprocess.Popen(["haproxy","-db","-f",os.path.join(HERE, "logasap.cfg")],stderr=subprocess.DEVNULL); time.sleep(0.8)
c=socket.create_connection(("127.0.0.1",27165)); c.sendall(b"GET /x HTTP/1.0\r\n\r\n"); time.sleep(0.3); c.recv(1000); c.close(); time.sleep(0.5)
open(os.path.join(HERE, "..", "haproxy26", "logasap.log"), "wb").write(b.recv(4096).replace(b"\\", b"\\\\").replace(b"\n", b"\\n") + b"\n")
p.terminate(); p.wait(); srv.shutdown()
