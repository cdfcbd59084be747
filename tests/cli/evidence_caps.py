#!/usr/bin/env python3
"""The byte cap on kept pending matches (LT_EV_BYTES_MAX, 16 MiB).

Three runners each log eight connect errors of about a million bytes
and never reconnect (default rules, runner.connect-error).  runner-1's
and runner-2's eight are kept whole (16,000,000 bytes of text, under the
cap); runner-3 keeps only its first (a stream's first is always kept)
and counts the other seven.  At the end all 24 are evidence: 17 match
objects, runner-3's standing for 8, and the summary counts 24.
Usage: evidence_caps.py LOGTRIAGE
"""
import json
import subprocess
import sys
import ltrun  # tests/cli/ltrun.py: LeakSanitizer tool faults

binary = sys.argv[1]
PAD = "x" * (1000000 - 120)
lines = []
for host in ("runner-1", "runner-2", "runner-3"):
    for i in range(8):
        lines.append(f"Jan 11 10:00:{i:02d} {host} runsvc.sh[100]: Runner "
                     f"connect error: {PAD} #{i}. Retrying until "
                     f"reconnected.\n")
p = ltrun.run([binary], input="".join(lines).encode(), timeout=600)
objs = [json.loads(x) for x in p.stdout.decode().splitlines()]
matches = [o for o in objs if o["type"] == "match"]
summary = objs[-1]
per_host = {}
for m in matches:
    per_host.setdefault(m["labels"]["host"], []).append(m.get("matches", 1))
want = {"runner-1": [1] * 8, "runner-2": [1] * 8, "runner-3": [8]}
ok = (p.returncode == 1 and per_host == want and summary["matches"] == 24
      and summary["categories"]["runner_offline"]["count"] == 24)
print(("ok" if ok else "FAIL") + " kept whole per runner: " +
      json.dumps({h: len(v) for h, v in per_host.items()}) +
      f", summary matches {summary['matches']}, exit {p.returncode}")
sys.exit(0 if ok else 1)
