#!/usr/bin/env python3
"""journalctl -o json from a real journal file into logtriage.

The entries are written in journald's export format and turned into a
real journal file by systemd-journal-remote (Debian's
systemd-journal-remote package), then read back by journalctl --file F
-o json (and --all, and -f while more entries are added), as a user
would pipe them into logtriage.  Each entry's verdict, time (from
__REALTIME_TIMESTAMP, microseconds) and labels are checked against what
was written: a plain message with host, unit and priority; a message
that is not UTF-8 and one with an ANSI escape (journalctl writes both
as byte arrays); a multi-line message; a NUL inside a message; a field
given twice (an array of values: the first is used); a 200 KB message
(null without --all, whole with it).

Skips (exit 77) when systemd-journal-remote or journalctl is missing.
Usage: journal_real.py LOGTRIAGE SOURCE_ROOT
"""
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import ltrun  # tests/cli/ltrun.py: LeakSanitizer tool faults

binary, root = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
REMOTE = next((p for p in ("/lib/systemd/systemd-journal-remote",
                           "/usr/lib/systemd/systemd-journal-remote")
               if os.access(p, os.X_OK)), None)
JOURNALCTL = shutil.which("journalctl")
if REMOTE is None or JOURNALCTL is None:
    print("skip: needs systemd-journal-remote and journalctl "
          "(Debian: apt-get install systemd-journal-remote)")
    sys.exit(77)

BASE_US = 1736589600 * 10**6  # 2025-01-11T10:00:00Z
BOOT = "0123456789abcdef0123456789abcdef"
failed = 0


def check(name, cond, info=""):
    global failed
    if cond:
        print(f"ok {name}", flush=True)
    else:
        failed += 1
        print(f"FAIL {name}: {info}", flush=True)


def export(entries):
    """journald's export format: KEY=value, or KEY, a 64-bit LE length
    and the bytes when the value is not plain text; a blank line ends an
    entry."""
    out = b""
    for ent in entries:
        for k, v in ent:
            v = v.encode() if isinstance(v, str) else v
            if any(c < 32 and c != 9 for c in v) or b"\xff" in v:
                out += k.encode() + b"\n" + struct.pack("<Q", len(v)) + v + b"\n"
            else:
                out += k.encode() + b"=" + v + b"\n"
        out += b"\n"
    return out


def entry(us, msg, *extra):
    return [("__REALTIME_TIMESTAMP", str(us)),
            ("__MONOTONIC_TIMESTAMP", str(us - BASE_US + 1000)),
            ("_BOOT_ID", BOOT), ("MESSAGE", msg)] + list(extra)


def write_journal(path, entries):
    p = subprocess.run([REMOTE, f"--output={path}", "-"],
                       input=export(entries), capture_output=True, timeout=60)
    assert p.returncode == 0, p.stderr.decode()


def rfc3339_us(us):
    t = time.gmtime(us // 10**6)
    return time.strftime("%Y-%m-%dT%H:%M:%S", t) + f".{us % 10**6:06d}Z"


def triage(json_text, *args):
    p = ltrun.run([binary, "--fail-on", "info", "--no-redact"] +
                       list(args), input=json_text,
                       timeout=60, env=dict(os.environ, LC_ALL="C"))
    objs = [json.loads(x) for x in p.stdout.decode().splitlines()]
    return p.returncode, objs, p.stderr.decode()


big = "x" * 200000 + " Segmentation fault (core dumped)"
ENTRIES = [
    (entry(BASE_US + 1, "write /var/lib/docker/x: no space left on device",
           ("_HOSTNAME", "runner-1"), ("_SYSTEMD_UNIT", "docker.service"),
           ("PRIORITY", "3")),
     "disk.no-space", {"host": "runner-1", "unit": "docker.service",
                       "priority": "3"}),
    (entry(BASE_US + 2000123, b"bad \xff\xfe bytes: connection refused"),
     "net.refused", {}),
    (entry(BASE_US + 3000000, "first line ok\nsecond: Out of memory: "
           "Killed process 1234 (node)"), "mem.oom-killer", {}),
    (entry(BASE_US + 4000000, "\x1b[31mdial tcp 10.0.0.1:443: connect: "
           "conn\x1b[0mection refused"), "net.refused", {}),
    (entry(BASE_US + 5000000, b"nul \x00 here: no space left on device"),
     "disk.no-space", {}),
    (entry(BASE_US + 6000000, "Job for nginx.service failed because the "
           "control process exited", ("MESSAGE", "a second value")),
     "svc.systemd-failed", {}),
    (entry(BASE_US + 7000000, big), "svc.segfault", {}),
    (entry(BASE_US + 8000000, "step 4 finished fine"), None, {}),
]

tmp = tempfile.mkdtemp(prefix="lt-journal-real-")
try:
    jf = os.path.join(tmp, "runner.journal")
    write_journal(jf, [e for e, _, _ in ENTRIES])
    out_all = subprocess.run([JOURNALCTL, "--file", jf, "-o", "json",
                              "--all"], capture_output=True, check=True,
                             timeout=60).stdout
    out_def = subprocess.run([JOURNALCTL, "--file", jf, "-o", "json"],
                             capture_output=True, check=True,
                             timeout=60).stdout
    recs = [json.loads(x) for x in out_all.decode().splitlines()]
    check("journalctl: 8 entries, byte arrays for non-text messages",
          len(recs) == 8 and isinstance(recs[1]["MESSAGE"], list) and
          isinstance(recs[3]["MESSAGE"], list) and
          isinstance(recs[5]["MESSAGE"], list), str(recs[1])[:200])
    rc, objs, err = triage(out_all)
    ms = {m["line"]: m for m in objs if m["type"] == "match"}
    s = objs[-1]
    check("--all: every entry read, none a decode error", s["type"] ==
          "summary" and s["lines"] == 8 and s["decode_errors"] == 0 and
          rc == 1, f"{rc} {s} {err}")
    for i, (e, rule, labels) in enumerate(ENTRIES, 1):
        us = int(e[0][1])
        m = ms.get(i)
        if rule is None:
            check(f"entry {i}: no match", m is None, str(m)[:200])
            continue
        check(f"entry {i}: {rule} at {rfc3339_us(us)}", m is not None and
              m["rule"] == rule and m["time"] == rfc3339_us(us) and
              all(m["labels"].get(k) == v for k, v in labels.items()) and
              m["source"] == "-", str(m)[:300])
    check("byte-array MESSAGE: invalid bytes shown as U+FFFD",
          ms[2]["text"] == "bad \ufffd\ufffd bytes: connection refused",
          repr(ms[2]["text"]))
    check("ANSI escape inside the words: matched without it",
          "\x1b" not in ms[4]["text"] and "connection refused" in
          ms[4]["text"], repr(ms[4]["text"]))
    check("a field given twice: the first value", ms[6]["text"] ==
          "Job for nginx.service failed because the control process "
          "exited", repr(ms[6]["text"]))
    check("multi-line message: one record", "first line ok\nsecond" in
          ms[3]["text"], repr(ms[3]["text"]))
    check("200 KB message: matched at its end", ms[7]["text"].endswith(
        "Segmentation fault (core dumped)") or s["truncated_lines"] == 1,
          str(len(ms[7]["text"])))
    rc, objs, err = triage(out_def)
    ms = {m["line"]: m for m in objs if m["type"] == "match"}
    check("without --all the 200 KB MESSAGE is null: read, no match, the "
          "rest the same", objs[-1]["lines"] == 8 and 7 not in ms and
          sorted(ms) == [1, 2, 3, 4, 5, 6], f"{sorted(ms)} {objs[-1]}")

    # journalctl -f: entries added to the file while logtriage reads
    jf2 = os.path.join(tmp, "live.journal")
    write_journal(jf2, [entry(BASE_US + 10**7, "runner started")])
    jc = subprocess.Popen([JOURNALCTL, "--file", jf2, "-o", "json", "-f",
                           "-n", "all"], stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL)
    lt = subprocess.Popen([binary, "--fail-on", "info"], stdin=jc.stdout,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    jc.stdout.close()
    time.sleep(1.0)
    write_journal(jf2, [entry(BASE_US + 11 * 10**6, "write /data/y: no "
                              "space left on device")])
    first = None
    deadline = time.time() + 20
    while time.time() < deadline:
        line = lt.stdout.readline()
        if not line:
            break
        o = json.loads(line)
        if o["type"] == "match":
            first = o
            break
    jc.terminate()
    jc.wait(10)
    rest, lerr = lt.communicate(timeout=30)
    check("journalctl -f: a new entry is classified as it comes",
          first is not None and first["rule"] == "disk.no-space" and
          first["time"] == rfc3339_us(BASE_US + 11 * 10**6),
          f"{first} {lerr.decode()[:200]}")
    tail = [json.loads(x) for x in rest.decode().splitlines()]
    check("journalctl -f ends: the summary follows", tail and
          tail[-1]["type"] == "summary" and tail[-1]["lines"] == 2,
          str(tail[-1:])[:300])
finally:
    shutil.rmtree(tmp, ignore_errors=True)

print("failed" if failed else "all passed", failed)
sys.exit(1 if failed else 0)
