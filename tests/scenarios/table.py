#!/usr/bin/env python3
"""Print the scenario table (Markdown) from the NAME.result.json files run.py
--out wrote: table.py [--short] DIR [ENABLED]; scenarios not in ENABLED
(the file tests/scenarios/enabled) are marked as waiting for a rule.
--short: scenario, category found, time to verdict (the README's)."""
import glob
import json
import os
import sys

args = sys.argv[1:]
short = args[:1] == ["--short"]
if short:
    args = args[1:]
d = args[0]
enabled = None
if len(args) > 1:
    with open(args[1]) as f:
        enabled = {l.strip() for l in f if l[:1].isalpha()}


def ms(v):
    return "-" if v is None else f"{v * 1000:.1f} ms"


def times(r):
    if r["want"] == "clean":
        return "(recovered: no failure line)"
    return f"{ms(r.get('gha_latency'))} / {ms(r.get('journal_latency'))}"


if short:
    print("| scenario | category found (job log / journal) | "
          "time to verdict (job log / journal) |")
    print("|---|---|---|")
else:
    print("| scenario | job (wrapper, command) | exit | want | "
          "found: job log | found: journal | "
          "time to verdict: job log / journal |")
    print("|---|---|---:|---|---|---|---|")
for p in sorted(glob.glob(os.path.join(d, "*.result.json"))):
    r = json.load(open(p))
    if "gha" not in r:
        continue
    name = r["scenario"]
    if enabled is not None and name not in enabled:
        name += " (waiting for a rule)"
    cmd = (r.get("limit", "") + "; " if r.get("limit") else "") + \
        r["command"]
    cmd = cmd.replace("|", "\\|")

    def found(shape):
        c = r[shape]["category"]
        return c if c == r["want"] else f"**{c}**"
    if short:
        f1, f2 = found("gha"), found("journal")
        print(f"| {name} | {f1 if f1 == f2 else f1 + ' / ' + f2} | "
              f"{times(r)} |")
        continue
    print(f"| {name} | `{cmd}` | {r['exit']} | {r['want']} | {found('gha')} "
          f"| {found('journal')} | {times(r)} |")
