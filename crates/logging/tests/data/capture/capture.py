#!/usr/bin/env python3
"""Runs real HAProxy 2.6 with haproxy.cfg, sends a few requests, writes what each UDP log
receiver got to ../haproxy26/<port>.log (one datagram per line, as bytes with \\n escaped)."""
import http.server, os, socket, subprocess, sys, threading, time, urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "haproxy26")
PORTS = list(range(27141, 27157))

class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"
    def do_GET(self):
        body = b"hello world\n"
        self.send_response(200 if "missing" not in self.path else 404)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    do_POST = do_GET
    def log_message(self, *a):
        pass

def main():
    os.makedirs(OUT, exist_ok=True)
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 27190), H)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    socks = {}
    for p in PORTS:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.1", p))
        s.settimeout(0.05)
        socks[p] = s
    hp = subprocess.Popen(["haproxy", "-db", "-f", os.path.join(HERE, "haproxy.cfg")],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(1.0)
    def get(port, path, hdrs=None):
        if path.startswith("http://"):
            c = socket.create_connection(("127.0.0.1", port)); c.sendall(b"GET " + path.encode() + b" HTTP/1.1\r\nHost: ex.com\r\nConnection: close\r\n\r\n"); c.recv(4096); c.close(); return
        req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=hdrs or {})
        try:
            urllib.request.urlopen(req, timeout=3).read()
        except Exception as e:
            print("req", port, path, e)
    ua = {"User-Agent": "curl/7.88.1-long-agent", "Host": "example.com"}
    get(27181, "/index.html?a=1&b=2", ua)
    get(27181, "/missing", ua)
    get(27182, "/clf?x=y", ua)
    get(27184, "/default")
    get(27185, "/custom/path?q=\"quoted\"", {"Host": "h\x01st.example"})
    get(27186, "/sd?q=]x", ua)
    get(27187, "/nosrv")
    get(27188, "/stdout")
    get(27189, "/nq")
    get(27189, "http://ex.com/abs/p?z=1")
    c = socket.create_connection(("127.0.0.1", 27183))
    c.sendall(b"GET /tcp HTTP/1.0\r\n\r\n"); c.recv(4096); c.close()
    time.sleep(1.0)
    hp.terminate()
    out, err = hp.communicate(timeout=5)
    open(os.path.join(OUT, "stdout.log"), "wb").write(out)
    open(os.path.join(OUT, "stderr.log"), "wb").write(err)
    for p, s in socks.items():
        lines = []
        while True:
            try:
                d, _ = s.recvfrom(65536)
            except socket.timeout:
                break
            lines.append(d)
        with open(os.path.join(OUT, f"{p}.log"), "wb") as f:
            for d in lines:
                f.write(d.replace(b"\\", b"\\\\").replace(b"\n", b"\\n") + b"\n")
    srv.shutdown()

main()
