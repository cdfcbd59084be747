#!/usr/bin/env python3
"""The accuracy table of the default rules on the fixtures, as the README
shows it.

Usage:
  accuracy.py LOGTRIAGE [FIXTURES]            print the table
  accuracy.py LOGTRIAGE FIXTURES --check FILE  exit 1 if FILE's table
                                               (between the accuracy-table
                                               markers) is not the printed one

Per fixture category (the directory: clean for benign logs): how many
fixtures, how many get the expected category (a failure verdict whose
cause has it; for clean, a clean verdict), how many also get the exact
expected cause line, and how many benign logs raise a false alarm.  The
last lines count the distinct sources (the .source URL without its
#fragment), tools and CI systems the fixtures come from.  Fixture
directories that are not categories (example, formats, fuzz, composed) are left
out.  These are figures on logs the rules were tuned against; the blind
scores on unseen logs are in docs/accuracy.md.
"""
import concurrent.futures
import json
import os
import subprocess
import sys

SKIP = ("fuzz", "example", "formats", "composed")
BEGIN = "<!-- accuracy-table -->"
END = "<!-- /accuracy-table -->"


def source_keys(path):
    keys = {}
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                k, sep, v = line.partition(":")
                if sep and k in ("source", "tool", "ci") and k not in keys:
                    keys[k] = v.strip()
    except OSError:
        pass
    return keys


def judge(binary, log, expect):
    out = subprocess.run([binary, "--summary-only", log],
                         capture_output=True, timeout=60).stdout
    lines = out.decode("utf-8", "replace").strip().splitlines()
    if not lines:
        raise SystemExit(f"accuracy.py: no output for {log}")
    got = json.loads(lines[-1])
    cause = got.get("cause") or {}
    if expect["verdict"] == "clean":
        ok = got["verdict"] == "clean"
        return ok, ok, not ok
    want = expect.get("cause", {})
    cat_ok = (got["verdict"] == expect["verdict"] and
              cause.get("category") == want.get("category"))
    line_ok = cat_ok and all(cause.get(k) == v for k, v in want.items())
    return cat_ok, line_ok, False


def table(binary, root):
    jobs = []
    for cat in sorted(os.listdir(root)):
        d = os.path.join(root, cat)
        if not os.path.isdir(d) or cat in SKIP:
            continue
        for f in sorted(os.listdir(d)):
            if f.endswith(".log"):
                base = os.path.join(d, f[:-4])
                with open(base + ".expect.json", encoding="utf-8") as e:
                    jobs.append((cat, base, json.load(e)))
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(
            lambda j: judge(binary, j[1] + ".log", j[2]), jobs))
    rows = {}
    sources, tools, cis = set(), set(), set()
    for (cat, base, _), (cat_ok, line_ok, alarm) in zip(jobs, results):
        r = rows.setdefault(cat, [0, 0, 0, 0])
        r[0] += 1
        r[1] += cat_ok
        r[2] += line_ok
        r[3] += alarm
        k = source_keys(base + ".source")
        if k.get("source"):
            sources.add(k["source"].split("#")[0].split(" ")[0])
        if k.get("tool"):
            tools.add(k["tool"].lower())
        if k.get("ci") and k["ci"] not in ("none", "unknown"):
            cis.add(k["ci"])
    out = ["| category | fixtures | right category | right cause line | false alarms |",
           "|---|---:|---:|---:|---:|"]
    for cat, (n, c, l, a) in rows.items():
        fa = str(a) if cat == "clean" else "-"
        out.append(f"| {cat} | {n} | {c} | {l} | {fa} |")
    n = sum(r[0] for r in rows.values())
    c = sum(r[1] for r in rows.values())
    l = sum(r[2] for r in rows.values())
    a = sum(r[3] for r in rows.values())
    pct = (lambda x: f"{100.0 * x / n:.1f}%") if n else (lambda x: "-")
    out.append(f"| **all** | {n} | {c} ({pct(c)}) | {l} ({pct(l)}) | {a} |")
    out.append("")
    out.append(f"{n} fixtures from {len(sources)} distinct sources; "
               f"{len(tools)} distinct tool entries; CI systems named: "
               f"{', '.join(sorted(cis)) or 'none'}.")
    return "\n".join(out) + "\n"


def main(argv):
    if len(argv) < 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    binary = argv[1]
    root = argv[2] if len(argv) > 2 and not argv[2].startswith("--") else "fixtures"
    text = table(binary, root)
    if "--check" not in argv:
        sys.stdout.write(text)
        return 0
    path = argv[argv.index("--check") + 1]
    with open(path, encoding="utf-8") as f:
        doc = f.read()
    if BEGIN not in doc or END not in doc:
        print(f"accuracy.py: {path} has no {BEGIN} ... {END} block", file=sys.stderr)
        return 1
    shown = doc.split(BEGIN, 1)[1].split(END, 1)[0].strip("\n") + "\n"
    if shown == text:
        print(f"ok: the table in {path} is the fixtures' table")
        return 0
    print(f"FAIL: the table in {path} differs from the fixtures' table; "
          f"rerun python3 tests/tools/accuracy.py BUILD/logtriage and paste it.\n"
          f"--- {path}\n{shown}--- fixtures\n{text}", end="")
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
