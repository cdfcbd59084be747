#!/usr/bin/env python3
"""Run one golden CLI case: tests/cli/cases/NAME/.

A case folder holds:
  args     the arguments, one per line (run from the source tree's root)
  stdin    optional standard input (bytes)
  stdout   optional: standard output must equal it byte for byte
  expect   optional assertions, one a line, checked against the output:
             status N               exit status (default 0)
             matches N              number of "match" objects
             resolved N             number of "resolved" objects
             PATH JSON              a value in the output: PATH starts
                                    with summary or match[N] (or rule[N],
                                    resolved[N], group[N]: --per-file's
                                    summaries),
                                    then .key and [index] steps
             stderr~ TEXT           standard error contains TEXT
             stderr!~ TEXT          standard error does not contain TEXT
             stderr= TEXT           standard error is exactly TEXT + newline
             stdout~ TEXT           standard output contains TEXT
             stdout!~ TEXT          standard output does not contain TEXT
             lines N                stdout has N lines
Every stdout line that starts with '{' must be valid UTF-8 JSON, and the
invariants of logtriage's JSON output are checked on all of them.
"""
import json
import os
import re
import subprocess
import sys
import ltrun  # tests/cli/ltrun.py: LeakSanitizer tool faults


def fail(case, msg):
    print(f"FAIL {case}: {msg}")
    sys.exit(1)


def walk(obj, path):
    for step in re.findall(r"\.([A-Za-z_][\w-]*)|\[(\d+)\]", path):
        key, idx = step
        if key:
            if not isinstance(obj, dict) or key not in obj:
                raise KeyError(key)
            obj = obj[key]
        else:
            i = int(idx)
            if not isinstance(obj, list) or i >= len(obj):
                raise KeyError(idx)
            obj = obj[i]
    return obj


def check_match(case, m):
    text = m["text"].encode("utf-8")
    s, e = m["span"]
    if not (0 <= s <= e <= len(text)):
        fail(case, f"span {m['span']} outside text of {len(text)} bytes")
    for k in ("type", "line", "source", "time", "labels", "rule",
              "category", "severity", "priority", "text", "span", "fields",
              "summary", "remediation", "runbook"):
        if k not in m:
            fail(case, f"match object lacks {k}")
    if m["time"] is not None and not re.fullmatch(
            r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z", m["time"]):
        fail(case, f"time {m['time']!r} is not RFC 3339 UTC")
    if not isinstance(m["labels"], dict) or not all(
            isinstance(v, str) for v in m["labels"].values()):
        fail(case, f"labels {m['labels']!r} is not an object of strings")
    keys = list(m)
    if keys[:5] != ["type", "line", "source", "time", "labels"]:
        fail(case, f"match keys start {keys[:5]}, not type, line, source, "
             "time, labels")
    if m["severity"] not in ("critical", "high", "medium", "low", "info"):
        fail(case, f"bad severity {m['severity']}")


def main():
    binary, root, case_dir = sys.argv[1], sys.argv[2], sys.argv[3]
    case = os.path.basename(case_dir.rstrip("/"))

    def read(name, mode="r"):
        p = os.path.join(case_dir, name)
        if not os.path.exists(p):
            return None
        with open(p, mode) as f:
            return f.read()

    args = [a for a in (read("args") or "").split("\n") if a != ""]
    stdin = read("stdin", "rb")
    env = dict(os.environ, LC_ALL="C")
    env.pop("GITHUB_ACTIONS", None)
    # no rule configuration of this machine or user (config.py tests it)
    for k in ("LOGTRIAGE_RULES", "LOGTRIAGE_RUNBOOK_BASE"):
        env.pop(k, None)
    env["LOGTRIAGE_SYSCONFDIR"] = env["XDG_CONFIG_HOME"] = os.path.join(
        case_dir, "no-such-config")
    p = ltrun.run([binary] + args, cwd=root, input=stdin or b"", env=env, timeout=120)
    out, err = p.stdout, p.stderr.decode("utf-8", "replace")

    objs = {"match": [], "summary": [], "rule": [], "resolved": [],
            "group": []}
    for n, line in enumerate(out.split(b"\n")):
        if not line.startswith(b"{"):
            continue
        try:
            o = json.loads(line.decode("utf-8", "strict"))
        except (UnicodeDecodeError, ValueError) as e:
            fail(case, f"stdout line {n + 1} is not valid UTF-8 JSON: {e}")
        if o.get("type") == "summary" and "group" in o:
            objs["group"].append(o)  # --per-file: one per input
        else:
            objs.setdefault(o.get("type"), []).append(o)
        if o.get("type") in ("match", "resolved"):
            check_match(case, o)
        if o.get("type") == "resolved" and not (
                isinstance(o.get("matches"), int) and o["matches"] >= 1 and
                o["cleared_by"]["line"] > o["line"]):
            fail(case, f"resolved object {o!r} lacks matches or a later "
                 "clearing line")
        if o.get("type") == "summary":
            if "group" in o and list(o)[:2] != ["type", "group"]:
                fail(case, "a group summary's keys start type, group")
            for m in ([o["cause"]] if o["cause"] else []) + o["runner_up"]:
                check_match(case, m)
            if (o["verdict"] == "failure") != (o["cause"] is not None):
                fail(case, "verdict and cause disagree")
            if o["matches"] != sum(c["count"] for c in
                                   o["categories"].values()):
                fail(case, "category counts do not add up to matches")
    if len(objs["summary"]) > 1:
        fail(case, "more than one summary")
    if objs["summary"] and objs["match"]:
        s = objs["summary"][0]
        # a match decided from a pending group may stand for more than
        # itself ("matches", as in a resolved object)
        if s["matches"] != sum(m.get("matches", 1) for m in objs["match"]):
            fail(case, "summary.matches differs from the match objects")
        if s["cause"] is not None and s["cause"] not in objs["match"]:
            fail(case, "summary.cause is not one of the match objects")

    expect_stdout = read("stdout", "rb")
    if expect_stdout is not None and out != expect_stdout:
        fail(case, "stdout differs:\n--- expected\n" +
             expect_stdout.decode("utf-8", "replace") + "--- got\n" +
             out.decode("utf-8", "replace") + "--- stderr\n" + err)

    status = 0
    for ln in (read("expect") or "").split("\n"):
        ln = ln.strip()
        if not ln or ln.startswith("#"):
            continue
        key, _, val = ln.partition(" ")
        if key == "status":
            status = int(val)
        elif key == "matches":
            if len(objs["match"]) != int(val):
                fail(case, f"{len(objs['match'])} matches, expected {val}")
        elif key == "resolved":
            if len(objs["resolved"]) != int(val):
                fail(case, f"{len(objs['resolved'])} resolved, "
                     f"expected {val}")
        elif key == "lines":
            nl = out.count(b"\n")
            if nl != int(val):
                fail(case, f"{nl} stdout lines, expected {val}")
        elif key == "stderr~":
            if val not in err:
                fail(case, f"stderr lacks {val!r}; stderr was:\n{err}")
        elif key == "stderr!~":
            if val in err:
                fail(case, f"stderr has {val!r}; stderr was:\n{err}")
        elif key == "stderr=":
            if err != val + "\n":
                fail(case, f"stderr is {err!r}, expected {val!r}")
        elif key == "stdout~":
            if val.encode() not in out:
                fail(case, f"stdout lacks {val!r}")
        elif key == "stdout!~":
            if val.encode() in out:
                fail(case, f"stdout has {val!r}")
        else:
            m = re.match(r"(summary|match|rule|resolved|group)(?:\[(\d+)\])?"
                         r"(.*)$", key)
            if not m:
                fail(case, f"bad expect line {ln!r}")
            kind, idx, rest = m.group(1), int(m.group(2) or 0), m.group(3)
            if idx >= len(objs[kind]):
                fail(case, f"no {kind}[{idx}] in the output")
            try:
                got = walk(objs[kind][idx], rest)
            except KeyError as e:
                fail(case, f"{key}: no {e} in the output")
            want = json.loads(val)
            if got != want:
                fail(case, f"{key} is {json.dumps(got)}, expected {val}")
    if p.returncode != status:
        fail(case, f"exit status {p.returncode}, expected {status}; "
             f"stderr:\n{err}")
    print(f"ok {case}")


if __name__ == "__main__":
    main()
