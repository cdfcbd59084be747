#!/usr/bin/env python3
"""The reports beside the output, the step summary and the push, are
written on every way out: SIGINT, SIGTERM, --follow (which only ends
that way), a reader that left (EPIPE); and SIGTERM while standard output
is blocked on a reader that stopped reading ends the run within a few
seconds, reports written.
Usage: exit_paths.py LOGTRIAGE SOURCE_ROOT
"""
import http.server
import os
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time

binary, root = sys.argv[1], sys.argv[2]
sys.path.insert(0, os.path.join(root, "tests", "fakes"))
from fake_loki import FakeLoki  # noqa: E402

failures = []
bodies = []


class Capture(http.server.BaseHTTPRequestHandler):
    def do_PUT(self):
        n = int(self.headers.get("Content-Length", "0"))
        bodies.append(self.rfile.read(n))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_POST = do_PUT

    def log_message(self, *a):
        pass


srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Capture)
threading.Thread(target=srv.serve_forever, daemon=True).start()
push = f"http://127.0.0.1:{srv.server_address[1]}"
tmp = tempfile.mkdtemp()
env = dict(os.environ, LC_ALL="C")
env.pop("GITHUB_ACTIONS", None)


def reports(name, md, want_push=True):
    text = open(md).read() if os.path.exists(md) else ""
    if "## Failed: " not in text:
        failures.append(f"{name}: no step summary: {text[:80]!r}")
    if want_push and not any(b"logtriage_failed" in b for b in bodies):
        failures.append(f"{name}: nothing pushed")


def wait_read(p, timeout=30):
    """Until logtriage has read what was written to its stdin."""
    import array
    import fcntl
    import termios
    deadline = time.time() + timeout
    pending = array.array("i", [1])
    while pending[0] > 0 and time.time() < deadline:
        time.sleep(0.05)
        fcntl.ioctl(p.stdin.fileno(), termios.FIONREAD, pending)
    time.sleep(0.3)


# SIGINT and SIGTERM with stdin still open
for sig, want in ((signal.SIGINT, 130), (signal.SIGTERM, 143)):
    md = os.path.join(tmp, f"sig{want}.md")
    bodies.clear()
    p = subprocess.Popen([binary, "--summary-only", "--step-summary", md,
                          "--push", push, "--push-job", "ci"],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, env=env)
    p.stdin.write(b"write: no space left on device\n")
    p.stdin.flush()
    wait_read(p)
    p.send_signal(sig)
    out, err = p.communicate(timeout=30)
    if p.returncode != want:
        failures.append(f"{sig.name}: exit {p.returncode} {err!r}")
    reports(sig.name, md)

# --follow ends only by a signal
loki = FakeLoki()
loki.start()
now = time.time_ns()
loki.add({"job": "ci"}, now - 5 * 10**9, "write: no space left on device")
md = os.path.join(tmp, "follow.md")
bodies.clear()
p = subprocess.Popen([binary, "--loki", loki.url, "-q", '{job="ci"}',
                      "--since", "1m", "--follow", "--step-summary", md,
                      "--push", push, "--summary-only"],
                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
deadline = time.time() + 30
while len(loki.requests) < 2 and time.time() < deadline:
    time.sleep(0.1)
p.send_signal(signal.SIGINT)
out, err = p.communicate(timeout=30)
loki.stop()
if p.returncode != 130 or b'"verdict":"failure"' not in out:
    failures.append(f"--follow, SIGINT: exit {p.returncode} {out[-200:]!r}"
                    f" {err!r}")
reports("--follow", md)

# a reader that left: EPIPE, the reports still written
md = os.path.join(tmp, "epipe.md")
bodies.clear()
big = b"write: no space left on device\n" * 100000
p = subprocess.run(f"'{binary}' --step-summary '{md}' --push '{push}' | "
                   "head -1", shell=True, input=big, capture_output=True,
                   timeout=60, env=env)
if p.stdout.count(b"\n") != 1 or p.stderr:
    failures.append(f"| head -1: {p.stdout[:100]!r} {p.stderr!r}")
reports("| head -1", md)

# SIGTERM while stdout is blocked on a reader that reads nothing
md = os.path.join(tmp, "stalled.md")
bodies.clear()
r, w = os.pipe()  # nobody reads r
p = subprocess.Popen([binary, "-o", "text", "--step-summary", md, "--push",
                      push], stdin=subprocess.PIPE, stdout=w,
                     stderr=subprocess.PIPE, env=env)
os.close(w)


def feed():
    try:
        p.stdin.write(b"write: no space left on device\n" * 50000)
        p.stdin.close()
    except (BrokenPipeError, ValueError):
        pass


threading.Thread(target=feed, daemon=True).start()
# output in the pipe: logtriage runs, its signal handlers are in place
# (however slowly a sanitizer build starts); then the pipe fills up and
# logtriage blocks in write(2)
if not select.select([r], [], [], 60)[0]:
    failures.append("stalled reader: no output in 60 s")
time.sleep(1.5)
t0 = time.time()
p.send_signal(signal.SIGTERM)
try:
    p.wait(timeout=15)
    dt = time.time() - t0
    if dt > 10:
        failures.append(f"stalled reader: SIGTERM took {dt:.1f} s")
    if p.returncode != 143:
        failures.append(f"stalled reader: exit {p.returncode}")
    reports("stalled reader", md)
except subprocess.TimeoutExpired:
    failures.append("stalled reader: SIGTERM had no effect in 15 s")
    p.kill()
    p.wait()
os.close(r)
srv.shutdown()
for f in failures:
    print("FAIL", f)
print(f"exit_paths: {len(failures)} failures")
sys.exit(1 if failures else 0)
