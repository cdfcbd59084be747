#!/usr/bin/env python3
"""logtriage --listen: /metrics and /healthz served while lines are fed
into its standard input, a pipe that stays open as journalctl -f's would.

Checks: the address it says it listens on answers; the counters start
at zero and add up as lines arrive (cumulative: never going down between
scrapes, also while a second thread scrapes as fast as it can); the
--metric-label split and its cap (__other__ and the overflow counter);
the last match time taken from the journal's own time; the exposition
passes `promtool check metrics` (when prometheus is installed); other
paths and methods are refused; SIGTERM ends the run while the pipe is
still open (the server thread must not take the signal), the end of the
input ends it too and the port is closed; bad addresses, a port in use
and bad --metric-label names are usage errors."""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import ltrun  # tests/cli/ltrun.py: LeakSanitizer tool faults

binary = sys.argv[1]
failures = []


def check(ok, msg):
    if not ok:
        failures.append(msg)
    return ok


def journal(msg, host, usec):
    return (json.dumps({"MESSAGE": msg, "_HOSTNAME": host,
                        "_SYSTEMD_UNIT": "runner.service",
                        "__REALTIME_TIMESTAMP": str(usec)}) + "\n").encode()


def start(*args):
    """logtriage -q --listen 127.0.0.1:0 ARGS; (process, base URL)."""
    p = subprocess.Popen([binary, "-q", "--input", "journal", "--listen",
                          "127.0.0.1:0", *args], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    line = p.stderr.readline().decode()
    m = re.fullmatch(r"logtriage: note: serving metrics at "
                     r"http://127\.0\.0\.1:(\d+)/metrics\n", line)
    if not m:
        p.kill()
        p.wait()
        print(f"FAIL: no listening note: {line!r}")
        sys.exit(1)
    return p, f"http://127.0.0.1:{m.group(1)}"


def get(url, method="GET"):
    req = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, dict(r.headers), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode()


def samples(text):
    """{'name{labels}': value} of an exposition."""
    out = {}
    for ln in text.splitlines():
        if ln and not ln.startswith("#"):
            key, _, val = ln.rpartition(" ")
            out[key] = float(val)
    return out


def wait_lines(base, n, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        s = samples(get(base + "/metrics")[2])
        if s.get("logtriage_lines_total") == n:
            return s
        time.sleep(0.05)
    check(False, f"logtriage_lines_total never reached {n}")
    return samples(get(base + "/metrics")[2])


DISK = ('logtriage_matches_total{category="disk_space",severity="critical",'
        'rule="disk.no-space",host="%s"}')

# --- the counters as lines arrive
p, base = start("--metric-label", "host", "--max-label-sets", "2")
try:
    st, hdr, body = get(base + "/healthz")
    check(st == 200 and body == "ok\n", f"/healthz: {st} {body!r}")
    st, hdr, body = get(base + "/metrics")
    check(st == 200 and "version=0.0.4" in hdr.get("Content-Type", ""),
          f"/metrics: {st} {hdr.get('Content-Type')}")
    s = samples(body)
    check(s.get("logtriage_lines_total") == 0 and
          s.get('logtriage_verdict{category="clean"}') == 1 and
          s.get("logtriage_failed") == 0, f"before any line: {s}")
    if shutil.which("promtool"):
        r = subprocess.run(["promtool", "check", "metrics"], input=body,
                           capture_output=True, text=True, timeout=60)
        check(r.returncode == 0, f"promtool check metrics (empty): "
              f"{r.stdout}{r.stderr}")
    for path, want in (("/nope", 404), ("/metrics/x", 404)):
        check(get(base + path)[0] == want, f"{path}: not {want}")
    st, hdr, _ = get(base + "/metrics", "POST")
    check(st == 405 and hdr.get("Allow") == "GET, HEAD", f"POST: {st} {hdr}")
    st, _, body = get(base + "/metrics", "HEAD")
    check(st == 200 and body == "", f"HEAD: {st} {body!r}")

    t0 = 1736589600000000      # 2025-01-11T10:00:00Z
    p.stdin.write(journal("runner started", "web-1", t0) +
                  journal("write /var/lib: No space left on device",
                          "web-1", t0 + 500000))
    p.stdin.flush()
    s = wait_lines(base, 2)
    check(s.get(DISK % "web-1") == 1, f"after 2 lines: {s}")
    check(s.get('logtriage_last_match_timestamp_seconds{'
                'category="disk_space",host="web-1"}') == 1736589600.5,
          f"last match time: {s}")
    check(s.get('logtriage_verdict{category="disk_space"}') == 1 and
          s.get("logtriage_failed") == 1 and
          'logtriage_verdict{category="clean"}' not in s,
          f"verdict after a failure: {s}")

    # a scraper thread while 3000 more lines arrive: every scrape is
    # whole and no counter goes down
    seen, stop = [], threading.Event()

    def scrape():
        while not stop.is_set():
            st, _, body = get(base + "/metrics")
            seen.append((st, samples(body)))

    th = threading.Thread(target=scrape)
    th.start()
    for i in range(1000):
        p.stdin.write(journal("tick", "web-1", t0 + 10**6 * (i + 1)) +
                      journal("No space left on device", "web-2",
                              t0 + 10**6 * (i + 1)) +
                      journal("No space left on device", f"web-{i + 3}",
                              t0 + 10**6 * (i + 1)))
    p.stdin.flush()
    s = wait_lines(base, 3002)
    stop.set()
    th.join()
    check(len(seen) > 1 and all(st == 200 for st, _ in seen),
          f"{len(seen)} scrapes, statuses {set(st for st, _ in seen)}")
    for key in ("logtriage_lines_total", DISK % "web-2"):
        vals = [x.get(key, 0) for _, x in seen]
        check(vals == sorted(vals), f"{key} went down between scrapes")
    # two sets (web-1, web-2); the 1000 other hosts are __other__
    check(s.get(DISK % "web-1") == 1 and s.get(DISK % "web-2") == 1000 and
          s.get(DISK % "__other__") == 1000, f"split: {s}")
    check(s.get("logtriage_label_overflow_total") == 1000 and
          s.get("logtriage_label_sets") == 2 and
          s.get("logtriage_label_sets_max") == 2, f"cap: {s}")
    check(not any("web-3" in k for k in s), "a host past the cap has a series")
    check(s.get('logtriage_limit_hits_total{limit="regex"}') == 0 and
          s.get("logtriage_decode_errors_total") == 0, f"limits: {s}")
    p.stdin.write(b"not json at all\n")
    p.stdin.flush()
    s = wait_lines(base, 3003)
    check(s.get("logtriage_decode_errors_total") == 1, f"decode errors: {s}")
    if shutil.which("promtool"):
        r = subprocess.run(["promtool", "check", "metrics"],
                           input=get(base + "/metrics")[2],
                           capture_output=True, text=True, timeout=60)
        check(r.returncode == 0, f"promtool check metrics: "
              f"{r.stdout}{r.stderr}")
    else:
        print("note: promtool not installed; exposition lint skipped")

    # the server's thread blocks SIGINT and SIGTERM, so that they reach
    # the thread that reads (Linux reads the mask in /proc)
    masks = {}
    for tid in os.listdir(f"/proc/{p.pid}/task"):
        with open(f"/proc/{p.pid}/task/{tid}/comm") as f:
            name = f.read().strip()
        with open(f"/proc/{p.pid}/task/{tid}/status") as f:
            for ln in f:
                if ln.startswith("SigBlk:"):
                    masks[name if tid != str(p.pid) else "main"] = \
                        int(ln.split()[1], 16)
    term = 1 << (signal.SIGTERM - 1) | 1 << (signal.SIGINT - 1)
    server = [m for name, m in masks.items() if name.startswith("MHD")]
    check(len(server) == 1 and server[0] & term == term and
          not masks["main"] & term, f"signal masks per thread: {masks}")
    # SIGTERM with the pipe still open: the read is interrupted
    p.send_signal(signal.SIGTERM)
    try:
        p.wait(timeout=10)
        check(p.returncode == 143, f"SIGTERM: exit {p.returncode}")
    except subprocess.TimeoutExpired:
        check(False, "SIGTERM did not end a run with --listen")
        p.kill()
        p.wait()
finally:
    if p.poll() is None:
        p.kill()
        p.wait()
    p.stdin.close()
    err = p.stderr.read().decode()
    check("error" not in err.lower(),
          f"stderr: {err!r}")

# --- the end of the input ends the run and closes the port
p, base = start()
p.stdin.write(journal("No space left on device", "h", 1736589600000000))
p.stdin.close()
check(p.wait(timeout=30) == 1, f"end of input: exit {p.returncode}")
try:
    get(base + "/healthz")
    check(False, "the port still answers after the run")
except OSError:
    pass
p.stderr.close()
p.stdout.close()

# --- usage errors
busy = socket.socket()
busy.bind(("127.0.0.1", 0))
busy.listen(1)
cases = [
    (["--listen", "nonsense"], "expected HOST:PORT"),
    (["--listen", "127.0.0.1:70000"], "the port is not a number"),
    (["--listen", "127.0.0.1:"], "the port is not a number"),
    (["--listen", "::1:9"], "expected HOST:PORT"),
    (["--listen", "no-such-host.invalid:9"], "no-such-host.invalid"),
    (["--listen", f"127.0.0.1:{busy.getsockname()[1]}"],
     "Address already in use"),
    (["--listen", "127.0.0.1:0", "--metric-label", "rule"], "is taken"),
    (["--listen", "127.0.0.1:0", "--metric-label", "9x"],
     "not a Prometheus label name"),
    (["--listen", "127.0.0.1:0", "--metric-label", "__x"], "Prometheus's own"),
    (["--listen", "127.0.0.1:0", "--metric-label", "h="], "is empty"),
    (["--listen", "127.0.0.1:0"] + [a for i in range(9) for a in
                                     ("--metric-label", f"l{i}")],
     "at most 8"),
    (["--listen", "127.0.0.1:0", "--max-label-sets", "0"], "not a number"),
    (["--listen", "127.0.0.1:0", "--metric-label", "host",
      "--metric-label", "host=unit"], "'host' is given twice"),
    (["--listen", "127.0.0.1:0", "--metric-label", "h=" + "k" * 129],
     "longer than 128"),
    (["--metric-label", "host"], "--metric-label needs --listen"),
    (["--max-label-sets", "9"], "--max-label-sets needs --listen"),
]
for argv, want in cases:
    r = ltrun.run([binary, *argv], input=b"",
                       timeout=30)
    err = r.stderr.decode()
    check(r.returncode == 2 and want in err and "--" in err,
          f"{argv}: exit {r.returncode}, stderr {err!r}, want {want!r}")
busy.close()

for f in failures:
    print("FAIL", f)
print(f"listen: {len(failures)} failures")
sys.exit(1 if failures else 0)
