#!/usr/bin/env python3
"""contrib/prometheus/logtriage.rules.yml: `promtool check rules` (syntax,
PromQL, templates) and `promtool test rules` over every
tests/contrib/*.test.yml (hand-made series, alerts expected or not at
given times).  promtool is in Debian's `prometheus` package; without it
the test is skipped (exit 77) with a message.  First, without promtool:
every logtriage_* metric the rules name is one the code writes (the
`# TYPE` lines under src/)."""
import glob
import os
import re
import shutil
import subprocess
import sys

root = sys.argv[1]
rules = os.path.join(root, "contrib/prometheus/logtriage.rules.yml")
emitted = set()
for src in glob.glob(os.path.join(root, "src/**/*.c"), recursive=True):
    with open(src, errors="replace") as f:
        emitted |= set(re.findall(r"# TYPE (logtriage_\w+)", f.read()))
with open(rules) as f:
    named = set(re.findall(r"\blogtriage_\w+", f.read()))
unknown = sorted(named - emitted)
if not emitted or unknown:
    print(f"FAIL: not metrics logtriage writes: {unknown or 'none found'}")
    sys.exit(1)
promtool = shutil.which("promtool")
if promtool is None:
    print("SKIP: promtool is not installed (apt-get install prometheus)")
    sys.exit(77)
tests = sorted(glob.glob(os.path.join(root, "tests/contrib/*.test.yml")))
failures = 0
for cmd in ([promtool, "check", "rules", rules],
            [promtool, "test", "rules"] + tests):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    sys.stdout.write(p.stdout + p.stderr)
    if p.returncode != 0:
        print(f"FAIL: {' '.join(cmd[1:3])} exited {p.returncode}")
        failures += 1
if not tests:
    print("FAIL: no tests/contrib/*.test.yml")
    failures += 1
sys.exit(1 if failures else 0)
