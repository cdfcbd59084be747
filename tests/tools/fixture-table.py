#!/usr/bin/env python3
"""Print the README's accuracy table: per fixture category, how many
fixtures and how many verdicts match their expect files, and false alarms
on the clean ones.  Usage: fixture-table.py BUILD/logtriage [FIXTURES]"""
import json
import os
import subprocess
import sys

binary = sys.argv[1]
root = sys.argv[2] if len(sys.argv) > 2 else "fixtures"
rows = []
for cat in sorted(os.listdir(root)):
    d = os.path.join(root, cat)
    if not os.path.isdir(d) or cat in ("fuzz", "example", "formats"):
        continue
    n = ok = alarms = 0
    for f in sorted(os.listdir(d)):
        if not f.endswith(".log"):
            continue
        exp = json.load(open(os.path.join(d, f[:-4] + ".expect.json")))
        out = subprocess.run([binary, "--summary-only", os.path.join(d, f)],
                             capture_output=True).stdout
        got = json.loads(out)
        n += 1
        good = got["verdict"] == exp["verdict"]
        for k, v in exp.get("cause", {}).items():
            good = good and got["cause"] is not None and got["cause"][k] == v
        ok += good
        alarms += exp["verdict"] == "clean" and got["verdict"] != "clean"
    rows.append((cat, n, ok, alarms))
print("| category | fixtures | correct cause | false alarms |")
print("|---|---:|---:|---:|")
for cat, n, ok, alarms in rows:
    fa = str(alarms) if cat == "clean" else "-"
    print(f"| {cat} | {n} | {ok} | {fa} |")
tn = sum(r[1] for r in rows)
tok = sum(r[2] for r in rows)
print(f"| **all** | {tn} | {tok} ({100.0 * tok / tn:.1f}%) | "
      f"{sum(r[3] for r in rows)} |")
