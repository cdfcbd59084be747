#!/usr/bin/env python3
"""A fake Loki for tests: /loki/api/v1/query_range as Loki 2.7 answers it.

Python standard library only.  Start it in a test with

    srv = FakeLoki(); srv.start()          # 127.0.0.1, a free port
    srv.add({"job": "ci"}, ns, "line")     # entries, any time
    ... srv.url ...
    srv.stop()

or run this file: it prints the port on its first line and serves until
killed (entries from a JSON file given as argument, if any).

What it reproduces:
- query (a selector of = matchers and line filters |= "s", |~ "re"; the
  regexp is run with Python's re, a stand-in for Go's), start inclusive,
  end exclusive, in ns, limit (default 100, max max_entries), direction
  (default backward);
- entries grouped per stream, timestamps as strings; entries sharing a
  timestamp ordered as Loki 2.7.3 orders them (seen against the real
  one): streams in a fixed order that is not their labels' order (here
  a hash of the labels), within a stream in the order pushed, the
  reverse for direction=backward; the result's streams sorted by their
  labels, labels sorted by name.  With chaos=True instead: streams,
  labels and ties across streams in a random order, a harder test of
  de-duplication than the real server;
- stuck=True: every request gets the reply to the first one (a server
  or proxy that ignores start and end: paging must stop, not loop);
- errors as plain text bodies with a JSON content type, as Loki does:
  400 "parse error ...", 400 "max entries limit per query exceeded ...",
  401 "no org id" (with require_org), 401 for bad basic or bearer auth;
- faults, one per request from srv.faults: ("status", code, body,
  headers), "truncated", "malformed", "close", ("slow", seconds),
  ("huge", content_length).
Every request is logged in srv.requests (path, params, headers, and
"at": when it came, in ns).
"""
import json
import random
import re
import socket
import sys
import threading
import time
import urllib.parse
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class ParseError(Exception):
    def __init__(self, col, msg):
        super().__init__(msg)
        self.col = col


def unquote(s, i):
    """The LogQL string at s[i] ("..." or `...`): (value, next index)."""
    q = s[i]
    out = []
    i += 1
    while i < len(s):
        c = s[i]
        if c == q:
            return "".join(out), i + 1
        if c == "\\" and q == '"':
            i += 1
            if i >= len(s):
                break
            e = s[i]
            out.append({"n": "\n", "t": "\t", "r": "\r", "\\": "\\",
                        '"': '"'}.get(e))
            if out[-1] is None:
                raise ParseError(i, f"invalid char escape")
        else:
            out.append(c)
        i += 1
    raise ParseError(i, "literal not terminated")


def parse_query(q):
    """(matchers dict, [(op, arg)]) or ParseError."""
    i = 0
    n = len(q)

    def ws(i):
        while i < n and q[i] in " \t\r\n":
            i += 1
        return i

    i = ws(i)
    if i >= n or q[i] != "{":
        raise ParseError(i + 1, "syntax error: unexpected IDENTIFIER, "
                         "expecting {")
    i += 1
    matchers = {}
    while True:
        i = ws(i)
        m = re.compile(r"[A-Za-z_][A-Za-z0-9_]*").match(q, i)
        if not m:
            raise ParseError(i + 1, "syntax error: unexpected "
                             "IDENTIFIER, expecting }")
        name = m.group(0)
        i = ws(m.end())
        if not q.startswith("=", i) or q.startswith("=~", i):
            raise ParseError(i + 1, "syntax error: unexpected "
                             "IDENTIFIER, expecting = or =~ or != or !~")
        i = ws(i + 1)
        if i >= n or q[i] not in "\"`":
            raise ParseError(i + 1, "syntax error: unexpected "
                             "IDENTIFIER, expecting STRING")
        val, i = unquote(q, i)
        matchers[name] = val
        i = ws(i)
        if i < n and q[i] == ",":
            i += 1
            continue
        if i < n and q[i] == "}":
            i += 1
            break
        raise ParseError(i + 1, "syntax error: unexpected IDENTIFIER, "
                         "expecting } or ,")
    filters = []
    while True:
        i = ws(i)
        if i >= n:
            break
        op = q[i:i + 2]
        if op not in ("|=", "|~", "!=", "!~"):
            raise ParseError(i + 1, "syntax error: unexpected IDENTIFIER")
        i = ws(i + 2)
        if i >= n or q[i] not in "\"`":
            raise ParseError(i + 1, "syntax error: unexpected "
                             "IDENTIFIER, expecting STRING")
        arg, i = unquote(q, i)
        if op in ("|~", "!~"):
            try:
                arg = re.compile(arg, re.ASCII)
            except re.error as e:
                raise ParseError(i, f"error parsing regexp: {e}")
        filters.append((op, arg))
    return matchers, filters


def keep(line, filters):
    for op, arg in filters:
        if op == "|=" and arg not in line:
            return False
        if op == "!=" and arg in line:
            return False
        if op == "|~" and not arg.search(line):
            return False
        if op == "!~" and arg.search(line):
            return False
    return True


class FakeLoki:
    def __init__(self, max_entries=5000, seed=1, chaos=False, stuck=False):
        self.streams = {}  # frozenset(labels.items()) -> [(ns, line)]
        self.lock = threading.Lock()
        self.faults = []
        self.requests = []
        self.require_org = None  # an org id the requests must carry
        self.basic = None  # (user, password)
        self.bearer = None
        self.max_entries = max_entries
        self.rand = random.Random(seed)
        self.chaos = chaos
        self.stuck = stuck
        self.first_params = None
        self.httpd = None

    # -- data --
    def add(self, labels, ns, line):
        with self.lock:
            self.streams.setdefault(frozenset(labels.items()), []).append(
                (int(ns), line))

    def entries(self):
        """Every entry: (labels dict, ns, line)."""
        with self.lock:
            return [(dict(k), ns, line) for k, v in self.streams.items()
                    for ns, line in v]

    # -- the API --
    def answer(self, params, headers):
        """(status, headers, body bytes) or a fault name."""
        if self.require_org is not None and \
                headers.get("x-scope-orgid") != self.require_org:
            return 401, b"no org id\n"
        auth = headers.get("authorization", "")
        if self.basic is not None:
            import base64
            want = "Basic " + base64.b64encode(
                f"{self.basic[0]}:{self.basic[1]}".encode()).decode()
            if auth != want:
                return 401, b"Unauthorized\n"
        if self.bearer is not None and auth != "Bearer " + self.bearer:
            return 401, b"Unauthorized\n"
        if self.stuck:
            if self.first_params is None:
                self.first_params = params
            params = self.first_params
        q = params.get("query")
        if q is None:
            return 400, b"parse error : syntax error: unexpected $end\n"
        try:
            matchers, filters = parse_query(q)
        except ParseError as e:
            return 400, f"parse error at line 1, col {e.col}: {e}\n".encode()
        limit = int(params.get("limit", "100"))
        if limit > self.max_entries:
            return 400, (f"max entries limit per query exceeded, limit > "
                         f"max_entries_limit ({limit} > "
                         f"{self.max_entries})\n").encode()
        now = time.time_ns()
        end = int(params.get("end", now))
        start = int(params.get("start", end - 3600 * 10**9))
        forward = params.get("direction", "backward") == "forward"
        with self.lock:
            cand = []
            for key, ents in self.streams.items():
                labels = dict(key)
                if any(labels.get(k) != v for k, v in matchers.items()):
                    continue
                order = zlib.crc32(repr(sorted(key)).encode())
                for pos, (ns, line) in enumerate(ents):
                    if start <= ns < end and keep(line, filters):
                        cand.append((ns, self.rand.random() if self.chaos
                                     else order, pos, key, line))
        cand.sort(key=lambda c: c[:3], reverse=not forward)
        picked = [(ns, None, key, line) for ns, _, _, key, line
                  in cand[:limit]]
        groups = {}
        for ns, _, key, line in picked:
            groups.setdefault(key, []).append((ns, line))
        result = []
        keys = sorted(groups, key=lambda k: sorted(k))
        if self.chaos:
            self.rand.shuffle(keys)
        for key in keys:
            items = sorted(key)
            if self.chaos:
                self.rand.shuffle(items)
            vals = groups[key]  # in the order picked: time, then pushed
            result.append({"stream": dict(items),
                           "values": [[str(ns), line] for ns, line in vals]})
        doc = {"status": "success",
               "data": {"resultType": "streams", "result": result,
                        "stats": {"summary": {"totalEntriesReturned":
                                              len(picked)}}}}
        return 200, json.dumps(doc).encode()

    # -- the server --
    def start(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_GET(self):
                u = urllib.parse.urlsplit(self.path)
                params = dict(urllib.parse.parse_qsl(u.query))
                headers = {k.lower(): v for k, v in self.headers.items()}
                with fake.lock:
                    fake.requests.append({"path": u.path, "params": params,
                                          "headers": headers,
                                          "at": time.time_ns()})
                    fault = fake.faults.pop(0) if fake.faults else None
                if isinstance(fault, tuple) and fault[0] == "slow":
                    time.sleep(fault[1])
                    fault = None
                if fault == "close":
                    self.close_connection = True
                    return
                if isinstance(fault, tuple) and fault[0] == "huge":
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(fault[1]))
                    self.end_headers()
                    self.wfile.write(b'{"status":"success"')
                    self.close_connection = True
                    return
                if isinstance(fault, tuple) and fault[0] == "status":
                    code, body, extra = fault[1], fault[2], fault[3]
                    self.reply(code, body.encode(), extra)
                    return
                if u.path != "/loki/api/v1/query_range":
                    self.reply(404, b"404 page not found\n", {})
                    return
                code, body = fake.answer(params, headers)
                if fault == "malformed" and code == 200:
                    body = body[: len(body) // 2] + b"}}]]"
                if fault == "truncated" and code == 200:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body[: len(body) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.reply(code, body, {})

            def reply(self, code, body, extra):
                self.send_response(code)
                # Loki labels its plain-text errors as JSON too
                self.send_header("Content-Type",
                                 "application/json; charset=UTF-8")
                for k, v in extra.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        class Server(ThreadingHTTPServer):
            def handle_error(self, request, client_address):
                # a client that timed out and left is part of the tests
                if not isinstance(sys.exc_info()[1], ConnectionError):
                    super().handle_error(request, client_address)

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever,
                                       daemon=True)
        self.thread.start()
        return self

    def stop(self):
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.httpd = None


def free_port():
    """A port nothing listens on (bound, then closed)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


if __name__ == "__main__":
    srv = FakeLoki().start()
    if len(sys.argv) > 1:
        for e in json.load(open(sys.argv[1])):
            srv.add(e["labels"], e["ns"], e["line"])
    print(srv.port, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        srv.stop()
