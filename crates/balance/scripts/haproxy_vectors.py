#!/usr/bin/env python3
"""Records where real HAProxy sends hash keys, as test vectors for crates/balance.

Runs /usr/sbin/haproxy with one `listen` per hashing setup in front of local servers that
answer with their index, sends each key, and writes `tests/data/haproxy_vectors.txt`:

    # setup <name> <balance line> | <hash-type line> | weights w1,w2,... | ids i1,i2,...|- | down d1,...|-
    <setup name> <key> <server index>

Keys are URIs (balance uri), parameter values (url_param), Host headers (hdr), source
addresses (balance source, sent from 127.x.y.z), or `#N` for the Nth request of a sequence
(static-rr order; round robin when the hash key is missing). Not run by the tests: the file it writes is.
"""
import http.client, os, socket, subprocess, sys, tempfile, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

N_SERVERS = 5

class H(BaseHTTPRequestHandler):
    def do_GET(self):
        body = str(self.server.index).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass

def start_servers():
    ports = []
    for i in range(N_SERVERS):
        s = ThreadingHTTPServer(("127.0.0.1", 0), H)
        s.index = i
        threading.Thread(target=s.serve_forever, daemon=True).start()
        ports.append(s.server_address[1])
    return ports

def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p

# name, balance, hash-type (or ""), weights, explicit ids (or None), down servers, key kind
SETUPS = [
    ("uri_map_sdbm",       "balance uri", "",                              [1,1,1,1], None, [], "uri"),
    ("uri_map_sdbm_w",     "balance uri", "",                              [1,2,3,4,0], None, [], "uri"),
    ("uri_map_sdbm_gcd",   "balance uri", "",                              [2,4,6], None, [], "uri"),
    ("uri_map_djb2",       "balance uri", "hash-type map-based djb2",      [1,1,1], None, [], "uri"),
    ("uri_map_wt6",        "balance uri", "hash-type map-based wt6",       [1,1,1], None, [], "uri"),
    ("uri_map_crc32",      "balance uri", "hash-type map-based crc32",     [1,1,1], None, [], "uri"),
    ("uri_map_sdbm_aval",  "balance uri", "hash-type map-based sdbm avalanche", [1,1,1], None, [], "uri"),
    ("uri_cons",           "balance uri", "hash-type consistent",          [1,1,1,1], None, [], "uri"),
    ("uri_cons_w",         "balance uri", "hash-type consistent",          [1,3,2,1], None, [], "uri"),
    ("uri_cons_ids",       "balance uri", "hash-type consistent",          [1,1,1], [7,3,12], [], "uri"),
    ("uri_cons_down",      "balance uri", "hash-type consistent",          [1,1,1,1], None, [2], "uri"),
    ("uri_cons_djb2",      "balance uri", "hash-type consistent djb2",     [1,1,1], None, [], "uri"),
    ("uri_cons_crc32_aval","balance uri", "hash-type consistent crc32 avalanche", [1,1,1], None, [], "uri"),
    ("uri_cons_wt6",       "balance uri", "hash-type consistent wt6",      [1,1,1], None, [], "uri"),
    ("uri_whole",          "balance uri whole", "",                        [1,1,1,1], None, [], "uri"),
    ("uri_depth2",         "balance uri depth 2", "",                      [1,1,1,1], None, [], "uri"),
    ("uri_len5",           "balance uri len 5", "",                        [1,1,1,1], None, [], "uri"),
    ("uri_path_only",      "balance uri path-only", "",                    [1,1,1,1], None, [], "abs"),
    ("param_map",          "balance url_param uid", "",                    [1,1,1], None, [], "param"),
    ("param_cons",         "balance url_param uid", "hash-type consistent", [1,1,1], None, [], "param"),
    ("hdr_host",           "balance hdr(host)", "",                        [1,1,1], None, [], "host"),
    ("hdr_domain",         "balance hdr(host) use_domain_only", "",        [1,1,1], None, [], "host"),
    ("source_map",         "balance source", "",                           [1,1,1,1], None, [], "source"),
    ("source_map_w",       "balance source", "",                           [1,2,1], None, [], "source"),
    ("source_cons",        "balance source", "hash-type consistent",       [1,1,1,1], None, [], "source"),
    ("source_map_aval",    "balance source", "hash-type map-based sdbm avalanche", [1,1,1], None, [], "source"),
    # Sequences: request N in order, no key (static-rr order, and round robin over the map
    # when the hash key is missing).
    ("seq_srr_123",        "balance static-rr", "",                        [1,2,3], None, [], "seq"),
    ("seq_srr_2460",       "balance static-rr", "",                        [2,4,6,0], None, [], "seq"),
    ("seq_srr_312",        "balance static-rr", "",                        [3,1,2], None, [], "seq"),
    ("seq_srr_down",       "balance static-rr", "",                        [1,2,3], None, [1], "seq"),
    ("seq_hdr_missing",    "balance hdr(x-none)", "",                      [1,2,1], None, [], "seq"),
]

def keys_for(kind):
    if kind == "uri":
        ks = ["/", "/index.html", "/a", "/b", "/c?x=1", "/c?x=2", "/img/logo.png", "/a/b/c/d",
              "/a/b/x", "/a/c/x", "/static/app.js?v=3", "/api/v1/users/42", "/api/v2/users/42"]
        ks += ["/k%d" % i for i in range(60)]
        ks += ["/dir%d/sub%d/file%d?q=%d" % (i % 4, i % 7, i, i) for i in range(40)]
        return ks
    if kind == "abs":
        return ["http://example.com/k%d?z=%d" % (i, i) for i in range(30)] + ["/k%d?z=%d" % (i, i) for i in range(30)]
    if kind == "param":
        return ["/p?uid=u%d" % i for i in range(50)] + ["/p?a=1&uid=%d&b=2" % i for i in range(30)]
    if kind == "host":
        return ["www.site%d.com" % i for i in range(30)] + ["host%d.example.org" % i for i in range(30)] + ["localhost", "a.b.c.d.e", "x%d" % 5]
    if kind == "seq":
        return ["#%d" % i for i in range(24)]
    if kind == "source":
        return ["127.0.%d.%d" % (i // 50, (i * 7) % 250 + 1) for i in range(80)]
    raise ValueError(kind)

def request(port, kind, key):
    if kind == "source":
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=5, source_address=(key, 0))
        c.request("GET", "/", headers={"Connection": "close"})
    elif kind == "host":
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        c.putrequest("GET", "/", skip_host=True)
        c.putheader("Host", key)
        c.putheader("Connection", "close")
        c.endheaders()
    elif kind == "seq":
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        c.request("GET", "/", headers={"Connection": "close"})
    else:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        c.request("GET", key, headers={"Connection": "close"})
    r = c.getresponse()
    body = r.read().decode()
    c.close()
    return int(body)

def main(out):
    ports = start_servers()
    cfg = ["global", "  maxconn 1000", "defaults", "  mode http", "  timeout connect 2s",
           "  timeout client 5s", "  timeout server 5s"]
    fports = {}
    for (name, bal, ht, weights, ids, down, kind) in SETUPS:
        fp = free_port()
        fports[name] = fp
        cfg += ["listen %s" % name, "  bind 127.0.0.1:%d" % fp, "  " + bal]
        if ht:
            cfg.append("  " + ht)
        for i, w in enumerate(weights):
            line = "  server s%d 127.0.0.1:%d weight %d" % (i, ports[i], w)
            if ids:
                line += " id %d" % ids[i]
            if i in down:
                line += " disabled"
            cfg.append(line)
    d = tempfile.mkdtemp()
    path = os.path.join(d, "h.cfg")
    open(path, "w").write("\n".join(cfg) + "\n")
    p = subprocess.Popen(["/usr/sbin/haproxy", "-f", path, "-db"])
    time.sleep(1.5)
    lines = []
    try:
        for (name, bal, ht, weights, ids, down, kind) in SETUPS:
            lines.append("# setup %s | %s | %s | weights %s | ids %s | down %s" % (
                name, bal, ht or "-", ",".join(map(str, weights)),
                ",".join(map(str, ids)) if ids else "-",
                ",".join(map(str, down)) if down else "-"))
            for k in keys_for(kind):
                lines.append("%s %s %d" % (name, k, request(fports[name], kind, k)))
    finally:
        p.terminate(); p.wait()
    open(out, "w").write("\n".join(lines) + "\n")
    print("wrote", len(lines), "lines to", out)

if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "tests", "data", "haproxy_vectors.txt"))
