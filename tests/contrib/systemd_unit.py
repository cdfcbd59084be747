#!/usr/bin/env python3
"""contrib/systemd/logtriage-exporter.service: systemd-analyze verify finds
nothing to say about it, and its ExecStart pipeline works as written:
journalctl, run with its options (without --follow, from the start),
reads only the runner's lines, and logtriage,
run with the unit's own options (the address moved to a free loopback
port, the binary to the one built), serves /healthz and counts the line
journalctl gives from a real journal file (systemd-journal-remote makes
it) holding the runner's line and another service's.  Skipped (77) without systemd-analyze."""
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import urllib.request

binary, root = sys.argv[1], sys.argv[2]
unit = f"{root}/contrib/systemd/logtriage-exporter.service"
failures = []
if shutil.which("systemd-analyze") is None:
    print("SKIP: systemd-analyze is not installed (apt-get install systemd)")
    sys.exit(77)
p = subprocess.run(["systemd-analyze", "verify", "--man=no", unit],
                   capture_output=True, text=True, timeout=60)
if p.returncode != 0 or p.stdout or p.stderr:
    failures.append(f"systemd-analyze verify: {p.returncode} "
                    f"{p.stdout}{p.stderr}")
with open(unit) as f:
    exec_start = re.search(r"^ExecStart=(.*)$", f.read(), re.M).group(1)
sh = shlex.split(exec_start)
if sh[:2] != ["/bin/sh", "-c"]:
    print(f"FAIL: ExecStart is not /bin/sh -c: {exec_start}")
    sys.exit(1)
left, right = sh[2].split("|")
jargv, largv = shlex.split(left)[1:], shlex.split(right)[1:]
if jargv[0] != "journalctl" or largv[0] != "/usr/local/bin/logtriage":
    print(f"FAIL: not journalctl | logtriage: {sh[2]}")
    sys.exit(1)
# the unit's journalctl, without --follow and from the start, on a real
# journal file (made by systemd-journal-remote) with a runner's line and
# another service's: only the runner's is read
REMOTE = next((p for p in ("/lib/systemd/systemd-journal-remote",
                           "/usr/lib/systemd/systemd-journal-remote")
               if os.path.exists(p)), None)
feed = None
if REMOTE and shutil.which("journalctl"):
    tmp = tempfile.mkdtemp(prefix="lt-unit-")
    entries = b""
    for i, unit_name in enumerate(("actions.runner.octo.r1.service",
                                   "nginx.service")):
        entries += (f"__REALTIME_TIMESTAMP={1736589600000000 + i}\n"
                    f"__MONOTONIC_TIMESTAMP={1000 + i}\n"
                    "_BOOT_ID=0123456789abcdef0123456789abcdef\n"
                    "MESSAGE=write: No space left on device\n"
                    f"_SYSTEMD_UNIT={unit_name}\n\n").encode()
    p = subprocess.run([REMOTE, f"--output={tmp}/remote.journal", "-"],
                       input=entries, capture_output=True, timeout=60)
    if p.returncode != 0:
        failures.append(f"systemd-journal-remote: {p.stderr.decode()}")
    jrun = [a.replace("--lines=0", "--lines=all") for a in jargv
            if a != "--follow"] + ["--no-pager", f"--directory={tmp}"]
    p = subprocess.run(jrun, capture_output=True, timeout=60)
    shutil.rmtree(tmp, ignore_errors=True)
    if p.returncode != 0 or p.stdout.count(b"\n") != 1:
        failures.append(f"{jrun}: exit {p.returncode}, "
                        f"{p.stdout.count(chr(10).encode())} lines, "
                        f"{p.stderr.decode()!r}")
    feed = p.stdout
else:
    print("note: systemd-journal-remote or journalctl is missing; the "
          "unit's journalctl is not run")
if not feed:
    feed = (json.dumps({
        "MESSAGE": "No space left on device",
        "_SYSTEMD_UNIT": "actions.runner.octo.r1.service",
        "__REALTIME_TIMESTAMP": "1736589600000000"}) + "\n").encode()
largv = [binary] + [re.sub(r"^--listen=.*", "--listen=127.0.0.1:0", a)
                    for a in largv[1:]]
lt = subprocess.Popen(largv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                      stderr=subprocess.PIPE)
try:
    m = re.search(r"http://(127\.0\.0\.1:\d+)/metrics",
                  lt.stderr.readline().decode())
    if not m:
        failures.append(f"{largv}: no listening note")
    else:
        base = f"http://{m.group(1)}"
        body = urllib.request.urlopen(base + "/healthz", timeout=10).read()
        if body != b"ok\n":
            failures.append(f"/healthz: {body!r}")
        lt.stdin.write(feed)
        lt.stdin.flush()
        want = ('logtriage_matches_total{category="disk_space",'
                'severity="critical",rule="disk.no-space",'
                'unit="actions.runner.octo.r1.service"} 1')
        for _ in range(100):
            text = urllib.request.urlopen(base + "/metrics",
                                          timeout=10).read().decode()
            if want in text.splitlines():
                break
            subprocess.run(["sleep", "0.1"])
        else:
            failures.append(f"not served: {want}")
    lt.stdin.close()
    rc = lt.wait(timeout=30)
    out = lt.stdout.read()
    if rc != 1 or out:
        failures.append(f"end of input: exit {rc}, stdout {out[:200]!r} "
                        "(--quiet prints nothing)")
finally:
    if lt.poll() is None:
        lt.kill()
        lt.wait()
    lt.stdout.close()
    lt.stderr.close()
for f in failures:
    print("FAIL", f)
print(f"systemd unit: {len(failures)} failures")
sys.exit(1 if failures else 0)
