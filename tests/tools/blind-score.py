#!/usr/bin/env python3
"""Score a batch of labelled real cases: how often the rules name the
category the case's thread established.

Usage: blind-score.py BINARY DIR [--fixtures FIXTURES] [--list]

DIR holds NAME.log and NAME.source pairs; .source has `expect-category:`
(a category, `unknown` for a real failure of no known kind, or `none` for
a benign log).  A case is right when a benign log is `clean`, or when a
failure's verdict is `failure` with the expected category (`job_failed`,
the old name of `unknown`, counts as `unknown`).  Prints a Markdown table
per expected category, the misses by what was said instead, and with
--list every wrong case.  With --fixtures, a case whose thread (its
`source:` URL) a fixture there uses is left out, and named: a rule author
has seen it, so it is not blind.  Nothing here looks at the rules: it is the
measure the rules are judged by (docs/accuracy.md).
"""
import collections
import json
import os
import subprocess
import sys


def source_fields(path):
    f = {}
    with open(path, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            k, sep, v = line.partition(":")
            if sep:
                f.setdefault(k.strip(), v.strip())
    return f


def said(binary, log):
    out = subprocess.run([binary, "--summary-only", log],
                         capture_output=True, timeout=60).stdout
    s = json.loads(out.decode("utf-8").splitlines()[-1])
    if s["verdict"] != "failure" or s.get("cause") is None:
        return s["verdict"]
    c = s["cause"]["category"]
    return "unknown" if c == "job_failed" else c


def fixture_urls(root):
    urls = set()
    for dirpath, _, files in os.walk(root):
        for f in files:
            if f.endswith(".source"):
                u = source_fields(os.path.join(dirpath, f)).get("source")
                if u:
                    urls.add(u)
    return urls


def main():
    argv = sys.argv[1:]
    seen = set()
    if "--fixtures" in argv:
        i = argv.index("--fixtures")
        seen = fixture_urls(argv[i + 1])
        del argv[i:i + 2]
    args = [a for a in argv if not a.startswith("--")]
    if len(args) != 2:
        sys.exit(__doc__)
    binary, d = args
    rows = collections.defaultdict(lambda: [0, 0])
    misses = collections.Counter()
    wrong = []
    alarms = benign = 0
    for f in sorted(os.listdir(d)):
        if not f.endswith(".log"):
            continue
        src = source_fields(os.path.join(d, f[:-4] + ".source"))
        if src.get("source") in seen:
            print(f"left out (a fixture uses its thread): {f}")
            continue
        want = src.get("expect-category", "").strip()
        if want == "job_failed":
            want = "unknown"
        got = said(binary, os.path.join(d, f))
        ok = got == "clean" if want == "none" else got == want
        rows[want][0] += 1
        rows[want][1] += ok
        if want == "none":
            benign += 1
            alarms += got != "clean"
        if not ok:
            misses[(want, got)] += 1
            wrong.append((f, want, got))
    n = sum(r[0] for r in rows.values())
    ok = sum(r[1] for r in rows.values())
    print("| expected | cases | right |")
    print("|---|---:|---:|")
    for k in sorted(rows):
        print(f"| {k} | {rows[k][0]} | {rows[k][1]} |")
    print(f"| **all** | {n} | {ok} ({100.0 * ok / max(n, 1):.1f}%) |")
    failures = n - benign
    fok = ok - (benign - alarms)
    print()
    print(f"failures right: {fok}/{failures}; "
          f"false alarms: {alarms}/{benign} benign")
    print("misses (expected -> said): " + ", ".join(
        f"{w}->{g} x{c}" for (w, g), c in misses.most_common()))
    if "--list" in sys.argv:
        for f, w, g in wrong:
            print(f"  {f}: expected {w}, said {g}")


if __name__ == "__main__":
    main()
