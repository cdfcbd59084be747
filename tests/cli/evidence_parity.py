#!/usr/bin/env python3
"""Evidence over time gives the same results whatever carries the lines.

One scenario, written in every input format logtriage reads, must give
the same match, resolved and pending objects (compared by rule, kind
and message text: line numbers differ between formats, an Actions log
has its group lines) and the same verdict:

- runner-1 logs a connect error and, a minute later, "Runner
  reconnected.": resolved (runner.connect-error, the default rules);
- runner-2 logs two connect errors and never reconnects: both are
  evidence at the end, runner_offline, the first the cause;
- runner-3's pip retries and then installs: resolved (net.pip-retry).

A second scenario checks a count with a time window (count = 3, within
= 5m, tests/cli/rules/parity.rules): five connect errors at 0, 1, 10, 11
and 12 minutes complete a count only at the fifth, by the lines' own
times, in every format that carries a time with a year; classic syslog
has none, so there the window is the whole stream (as documented) and
the third, fourth and fifth complete counts.

Modes (one CTest each):
  files  text (classic syslog, journalctl -o short-iso), Actions log
         with times, journal JSON, a saved Loki query_range response;
  pipe   the classic syslog lines written into a pipe with pauses and
         --hold 300ms: a connect error becomes a pending object only
         after the hold, with the pipe still open; the reconnect line
         writes the resolved object at once; what is left is decided
         when the input ends; and a clear_within bound decides at the
         next line, long before the hold;
  loki   the real Loki in ../shared/loki (skips when it is absent): the
         lines pushed as two... three streams and read back with --loki.
Usage: evidence_parity.py LOGTRIAGE SOURCE_ROOT files|pipe|loki
"""
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

import ltrun  # tests/cli/ltrun.py, beside this script

binary, root, mode = (os.path.abspath(sys.argv[1]),
                      os.path.abspath(sys.argv[2]), sys.argv[3])
BASE = 1736589600  # 2025-01-11T10:00:00Z
failed = 0

CE = ("Runner connect error: The HTTP request timed out after 00:01:00.. "
      "Retrying until reconnected.")
PIP = ("WARNING: Retrying (Retry(total=4, connect=None, read=None, "
       "redirect=None, status=None)) after connection broken by "
       "'ReadTimeoutError(\"HTTPSConnectionPool(host='pypi.org', port=443)"
       ": Read timed out. (read timeout=15)\")': /simple/requests/")

# (seconds after BASE, host, message); the runner prefixes its own time
SCENARIO = [
    (0, "runner-1", "runsvc.sh", "2025-01-11 10:00:00Z: " + CE),
    (5, "runner-2", "runsvc.sh", "2025-01-11 10:00:05Z: " + CE),
    (10, "runner-3", "pip", PIP),
    (60, "runner-1", "runsvc.sh", "2025-01-11 10:01:00Z: Runner reconnected."),
    (65, "runner-2", "runsvc.sh", "2025-01-11 10:01:05Z: " + CE),
    (70, "runner-3", "pip", "Successfully installed requests-2.32.3"),
]
WANT = {
    "objects": sorted([
        ("resolved", "runner.connect-error", SCENARIO[0][3]),
        ("resolved", "net.pip-retry", PIP),
        ("match", "runner.connect-error", SCENARIO[1][3]),
        ("match", "runner.connect-error", SCENARIO[4][3]),
    ]),
    "verdict": "failure", "cause": SCENARIO[1][3], "matches": 2,
    "resolved": 2, "rc": 1,
}
STORM = [(t * 60, "runner-9", "runsvc.sh", "Runner connect error: #%d" % i)
         for i, t in enumerate((0, 1, 10, 11, 12), 1)]
STORM_TIMED = {"objects": [("match", "p.storm", "Runner connect error: #5")],
               "verdict": "failure", "cause": "Runner connect error: #5",
               "matches": 1, "resolved": 0, "rc": 1}
STORM_LINES = {"objects": sorted(("match", "p.storm",
                                  "Runner connect error: #%d" % i)
                                 for i in (3, 4, 5)),
               "verdict": "failure", "cause": "Runner connect error: #3",
               "matches": 3, "resolved": 0, "rc": 1}


def check(name, cond, info=""):
    global failed
    if cond:
        print(f"ok {name}", flush=True)
    else:
        failed += 1
        print(f"FAIL {name}: {info}", flush=True)


def hms(sec):
    return time.strftime("%H:%M:%S", time.gmtime(BASE + sec))


def syslog(ev):
    return "".join(f"Jan 11 {hms(t)} {h} {u}[100]: {m}\n"
                   for t, h, u, m in ev)


def short_iso(ev):
    return "".join(f"2025-01-11T{hms(t)}+0000 {h} {u}[100]: {m}\n"
                   for t, h, u, m in ev)


def gha(ev):
    """An Actions log: a group (the step label) per host."""
    out, step = [], None
    for t, h, _, m in ev:
        ts = f"2025-01-11T{hms(t)}.0000000Z"
        if h != step:
            if step is not None:
                out.append(f"{ts} ##[endgroup]")
            out.append(f"{ts} ##[group]{h}")
            step = h
        out.append(f"{ts} {m}")
    return "\n".join(out) + "\n"


def journal_json(ev):
    return "".join(json.dumps({
        "__REALTIME_TIMESTAMP": str((BASE + t) * 10**6), "_HOSTNAME": h,
        "SYSLOG_IDENTIFIER": u, "_SYSTEMD_UNIT": u + ".service",
        "_PID": "100", "PRIORITY": "6", "MESSAGE": m}) + "\n"
        for t, h, u, m in ev)


def loki_streams(ev):
    streams = {}
    for t, h, u, m in ev:
        streams.setdefault((h, u), []).append([str((BASE + t) * 10**9), m])
    return [{"stream": {"host": h, "job": u}, "values": v}
            for (h, u), v in streams.items()]


def loki_saved(ev):
    return json.dumps({"status": "success", "data": {
        "resultType": "streams", "result": loki_streams(ev)}}) + "\n"


def outcome(rc, out):
    objs = [json.loads(x) for x in out.splitlines() if x.startswith("{")]
    s = [o for o in objs if o["type"] == "summary"][-1]
    return {"objects": sorted((o["type"], o["rule"], o["text"])
                              for o in objs if o["type"] in
                              ("match", "resolved")),
            "verdict": s["verdict"],
            "cause": s["cause"]["text"] if s["cause"] else None,
            "matches": s["matches"], "resolved": s["resolved"], "rc": rc}


def run(args, data=None, timeout=60):
    p = ltrun.run([binary] + args, input=data, timeout=timeout, cwd=root)
    return outcome(p.returncode, p.stdout.decode())


PARITY_RULES = ["--no-defaults", "-r",
                os.path.join(root, "tests/cli/rules/parity.rules")]


def files_mode():
    fmts = [("classic syslog", syslog, True), ("short-iso", short_iso, False),
            ("Actions", gha, False), ("journal JSON", journal_json, False),
            ("saved Loki response", loki_saved, False)]
    for name, fmt, _ in fmts:
        got = run([], fmt(SCENARIO).encode())
        check(f"{name}: cleared and uncleared connect errors, pip",
              got == WANT, f"\n  got  {got}\n  want {WANT}")
    for name, fmt, no_year in fmts:
        got = run(PARITY_RULES, fmt(STORM).encode())
        want = STORM_LINES if no_year else STORM_TIMED
        check(f"{name}: count 3 within 5m"
              + (" (no year: the whole stream)" if no_year else ""),
              got == want, f"\n  got  {got}\n  want {want}")


def objects(p, want, deadline):
    got, buf, end = [], b"", time.monotonic() + deadline
    while len(got) < want:
        left = end - time.monotonic()
        if left <= 0:
            break
        r, _, _ = select.select([p.stdout], [], [], left)
        if not r:
            break
        chunk = os.read(p.stdout.fileno(), 65536)
        if not chunk:
            break
        buf += chunk
        *lines, buf = buf.split(b"\n")
        got += [json.loads(x) for x in lines if x]
    return got


def pipe_mode():
    """The deadlines are bounds against a hung build, not speed tests;
    the hold is checked from below (nothing before it is over)."""
    lines = syslog(SCENARIO).encode().splitlines(keepends=True)
    p = subprocess.Popen([binary, "--hold", "300ms"], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, cwd=root)
    seen = []

    def write(i):
        p.stdin.write(lines[i])
        p.stdin.flush()

    t0 = time.monotonic()
    write(0)
    early = objects(p, 1, 0.15)
    check("pipe: nothing before the hold", not early, early)
    got = objects(p, 1, 20)
    waited = time.monotonic() - t0
    check("pipe: runner-1's connect error pending after the hold",
          len(got) == 1 and got[0]["type"] == "pending" and
          got[0]["line"] == 1 and waited >= 0.3 and p.poll() is None,
          f"{got} after {waited:.2f} s")
    seen += got
    write(1)
    write(2)
    got = objects(p, 2, 20)
    check("pipe: runner-2's error and runner-3's retry pending too",
          sorted(o["line"] for o in got) == [2, 3] and
          all(o["type"] == "pending" for o in got), got)
    seen += got
    t1 = time.monotonic()
    write(3)
    got = objects(p, 1, 20)
    check("pipe: the reconnect resolves runner-1's error at once",
          len(got) == 1 and got[0]["type"] == "resolved" and
          got[0]["line"] == 1 and got[0]["cleared_by"]["line"] == 4 and
          p.poll() is None, f"{got} after {time.monotonic() - t1:.2f} s")
    seen += got
    write(4)
    write(5)
    got = objects(p, 2, 20)
    check("pipe: runner-2's second error pending, runner-3's pip resolved",
          sorted((o["type"], o["line"]) for o in got) ==
          [("pending", 5), ("resolved", 3)], got)
    seen += got
    p.stdin.close()
    rest = objects(p, 10, 20)
    rc = p.wait(20)
    seen += rest
    final = outcome(rc, "\n".join(json.dumps(o) for o in seen
                                  if o["type"] != "pending"))
    check("pipe: at the end the same result as from a file",
          final == WANT and [o["type"] for o in rest] ==
          ["match", "match", "summary"], f"\n  got  {final}\n  rest {rest}")


def pipe_clear_within():
    """clear_within = 1 lines decides at the next line of the stream,
    while the pipe is open, long before a 10 s hold."""
    p = subprocess.Popen([binary, "--no-defaults", "-r", os.path.join(
        root, "tests/cli/rules/clear_within.rules"), "--hold", "10s"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=root)
    p.stdin.write(b"curl: (7) Failed to connect to 127.0.0.1 port 9: "
                  b"Connection refused\n")
    p.stdin.flush()
    early = objects(p, 1, 0.3)
    check("pipe: clear_within: nothing while the next line is awaited",
          not early, early)
    t0 = time.monotonic()
    p.stdin.write(b"##[error]Process completed with exit code 7.\n")
    p.stdin.flush()
    got = objects(p, 1, 5)
    check("pipe: clear_within: evidence at the next line, pipe open",
          len(got) == 1 and got[0]["type"] == "match" and
          got[0]["line"] == 1 and p.poll() is None,
          f"{got} after {time.monotonic() - t0:.2f} s")
    p.stdin.close()
    p.stdout.read()
    p.wait(20)


def push(url, streams):
    body = json.dumps({"streams": streams}).encode()
    req = urllib.request.Request(url + "/loki/api/v1/push", data=body,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        assert r.status == 204, r.status


def loki_mode():
    shared = os.path.join(os.path.dirname(root), "shared", "loki")
    run_loki = os.path.join(shared, "run-loki")
    if not os.path.exists(run_loki):
        print(f"skip: no real Loki here ({shared} is absent)")
        sys.exit(77)
    tmp = tempfile.mkdtemp(prefix="lt-parity-loki-")
    try:
        r = subprocess.run([run_loki, "start", tmp], capture_output=True,
                           timeout=120)
        if r.returncode != 0:
            print("FAIL run-loki start: " + r.stderr.decode())
            sys.exit(1)
        url = r.stdout.decode().split()[0]
        push(url, loki_streams(SCENARIO))
        push(url, [{"stream": {"host": h, "job": "storm"}, "values": v}
                   for h, v in [("runner-9", [[str((BASE + t) * 10**9), m]
                                              for t, _, _, m in STORM])]])
        span = ["--from", str(BASE - 60), "--to", str(BASE + 3600)]
        got = run(["--loki", url, "--query", '{job=~"runsvc.sh|pip"}'] +
                  span)
        check("real Loki: cleared and uncleared connect errors, pip",
              got == WANT, f"\n  got  {got}\n  want {WANT}")
        got = run(PARITY_RULES + ["--loki", url, "--query",
                                  '{job="storm"}'] + span)
        check("real Loki: count 3 within 5m", got == STORM_TIMED,
              f"\n  got  {got}\n  want {STORM_TIMED}")
        r = ltrun.run([binary, "--summary-only", "--group-by", "label:host",
                       "--loki", url, "--query", '{job=~"runsvc.sh|pip"}'] +
                      span, timeout=60, cwd=root)
        groups = [json.loads(x) for x in r.stdout.decode().splitlines()]
        check("real Loki: --group-by label:host, a summary per stream host",
              [(g.get("group"), g["verdict"]) for g in groups] ==
              [({"host": "runner-1"}, "clean"),
               ({"host": "runner-2"}, "failure"),
               ({"host": "runner-3"}, "clean"), (None, "failure")] and
              groups[0]["resolved"] == 1 and groups[1]["matches"] == 2,
              groups)
    finally:
        subprocess.run([run_loki, "stop", tmp], capture_output=True,
                       timeout=60)
        shutil.rmtree(tmp, ignore_errors=True)


{"files": files_mode, "pipe": lambda: (pipe_mode(), pipe_clear_within()),
 "loki": loki_mode}[mode]()
sys.exit(1 if failed else 0)
