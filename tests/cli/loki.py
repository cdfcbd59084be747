#!/usr/bin/env python3
"""The Loki source against a fake Loki (tests/fakes/fake_loki.py).

Each case starts the fake on a free port, fills it, runs logtriage
--loki and checks that every entry the server holds in the range is
classified exactly once (lines in the summary, and the match objects'
(time, labels, text) against the server's), and what is said on errors.
Usage: loki.py LOGTRIAGE SOURCE_ROOT
"""
import json
import os
import signal
import subprocess
import sys
import time

import ltrun  # tests/cli/ltrun.py, beside this script

binary, root = sys.argv[1], sys.argv[2]
sys.path.insert(0, os.path.join(root, "tests", "fakes"))
from fake_loki import FakeLoki, free_port  # noqa: E402

BASE = 1736589600  # 2025-01-11T10:00:00Z
RANGE = ["--from", str(BASE), "--to", str(BASE + 3600)]
failed = 0


def env_for(extra=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOKI_")}
    env["LC_ALL"] = "C"
    env.update(extra or {})
    return env


def run(args, env=None, timeout=60):
    t0 = time.time()
    p = ltrun.run([binary] + args, env=env_for(env), timeout=timeout,
                  cwd=root)
    objs = [json.loads(l) for l in p.stdout.decode().splitlines()
            if l.startswith("{")]
    return p.returncode, objs, p.stderr.decode(), time.time() - t0


def check(name, cond, info=""):
    global failed
    if cond:
        print(f"ok {name}")
    else:
        failed += 1
        print(f"FAIL {name}: {info}")


def summary(objs):
    s = [o for o in objs if o["type"] == "summary"]
    return s[-1] if s else None


def rfc3339(ns):
    t = time.gmtime(ns // 10**9)
    return time.strftime("%Y-%m-%dT%H:%M:%S", t) + f".{ns % 10**9:09d}Z"


def wait_for(cond, limit=60.0):
    """Poll cond until it holds (or limit seconds pass: the checks after
    it then fail and say what was missing)."""
    end = time.monotonic() + limit
    while not cond() and time.monotonic() < end:
        time.sleep(0.05)


def exactly_once(name, srv, objs, want=None):
    """Every server entry (or those in want) is one match, no more."""
    want = srv.entries() if want is None else want
    exp = sorted((rfc3339(ns), json.dumps(lab, sort_keys=True), line)
                 for lab, ns, line in want)
    got = sorted((m["time"], json.dumps(m["labels"], sort_keys=True),
                  m["text"]) for m in objs if m["type"] == "match")
    nums = [m["line"] for m in objs if m["type"] == "match"]
    s = summary(objs)
    if s is not None and s["lines"] == len(nums):
        ok_nums = nums == list(range(1, len(nums) + 1))
    else:  # some lines did not match: numbers rise, within the lines read
        ok_nums = all(a < b for a, b in zip(nums, nums[1:])) and (
            not nums or (nums[0] >= 1 and (s is None or nums[-1] <= s["lines"])))
    check(name, got == exp and ok_nums,
          f"{len(got)} matches, {len(exp)} expected; first diff: "
          f"{next((a, b) for a, b in zip(got + [None] * len(exp), exp + [None] * len(got)) if a != b) if got != exp else 'numbering'}")


def fresh(**kw):
    return FakeLoki(**kw).start()


# 1. streams, label order, pushdown and not: the same matches
srv = fresh()
lines = ["write /var/lib/docker/x: no space left on device",
         "step 4 ok", "dial tcp 10.0.0.1:443: connect: connection refused",
         "\x1b[31mno space left\x1b[0m on device", "all good"]
for i in range(60):
    srv.add({"job": "github-runner", "runner": f"r{i % 3}",
             "env": "prod"}, (BASE + 10) * 10**9 + (i // 5) * 1000,
            f"{lines[i % 5]} #{i}")
srv.add({"job": "other"}, (BASE + 10) * 10**9, "connection refused, other job")
srv.add({"job": "github-runner", "runner": "r0", "env": "prod"},
        (BASE + 3600) * 10**9, "connection refused at the end (excluded)")
inrange = [e for e in srv.entries() if e[0]["job"] == "github-runner"
           and e[1] < (BASE + 3600) * 10**9]
matching = [e for e in inrange if "ok" not in e[2] and "good" not in e[2]]
rc, objs, err, _ = run(["--loki", srv.url, "-q", '{job="github-runner"}',
                        "--no-pushdown", "--batch", "7"] + RANGE)
s = summary(objs)
check("no-pushdown: exit 1, every line read", rc == 1 and s["lines"] == 60
      and s["sources"] == 1, f"rc {rc} {s} {err}")
exactly_once("no-pushdown: each match once", srv, objs, [
    (lab, ns, line.replace("\x1b[31m", "").replace("\x1b[0m", ""))
    for lab, ns, line in matching])
q = srv.requests[-1]["params"]
check("requests: forward, own limit, ns range",
      q["direction"] == "forward" and q["limit"] == "7" and
      q["end"] == str((BASE + 3600) * 10**9), str(q))
nreq = len(srv.requests)
rc, objs2, err, _ = run(["--loki", srv.url, "-q", '{job="github-runner"}',
                         "--batch", "7"] + RANGE)
s2 = summary(objs2)
check("pushdown: the filter is sent, quietly",
      " |~ " in srv.requests[-1]["params"]["query"] and err == "", err)
rc, objs3, err, _ = run(["--loki", srv.url, "-q", '{job="github-runner"}',
                         "--batch", "7", "--verbose"] + RANGE)
check("--verbose: says what was pushed", rc == 1 and err.startswith(
    "logtriage: note: pushdown: ") and "literals" in err and
    err.count("\n") == 1, err)
check("pushdown: fewer lines, same matches", rc == 1 and
      s2["lines"] == len(matching) and
      [m for m in objs2 if m["type"] == "match"] ==
      [m for m in objs if m["type"] == "match"] or
      sorted((m["time"], m["text"]) for m in objs2 if m["type"] == "match")
      == sorted((m["time"], m["text"]) for m in objs if m["type"] == "match"),
      f"{s2['lines']} {err}")
check("source name and labels", objs2[0]["source"] == "loki" and
      objs2[0]["labels"]["job"] == "github-runner", str(objs2[0]))
rc, objs, err, _ = run(["--loki", srv.url, "-q", '{job="github-runner"}',
                        "--limit", "5", "--no-pushdown"] + RANGE)
check("--limit caps the lines", summary(objs)["lines"] == 5, str(summary(objs)))
srv.stop()

# 2. 10,000 entries in pages of 1,000, many sharing timestamps, ties in
# a random order (harder than the real Loki's fixed order)
srv = fresh(chaos=True)
for i in range(10000):
    srv.add({"job": "ci", "shard": str(i % 4)},
            (BASE + 5) * 10**9 + (i // 9) * 1000, f"connection refused id={i}")
rc, objs, err, dt = run(["--loki", srv.url, "-q", '{job="ci"}'] + RANGE)
s = summary(objs)
check("10,000 entries: all read once", rc == 1 and s["lines"] == 10000 and
      s["matches"] == 10000, f"rc {rc} {s and s['lines']} {err}")
exactly_once("10,000 entries: exactly once", srv, objs)
check("10,000 entries: pages of 1000", len(srv.requests) >= 10 and all(
    r["params"]["limit"] == "1000" for r in srv.requests), len(srv.requests))
srv.stop()

# 3. more entries on one timestamp than a page: that instant alone is
# asked for with the largest limit, then paging goes on after it
for chaos in (False, True):
    srv = fresh(chaos=chaos)
    for i in range(30):
        srv.add({"job": "ci", "pod": f"p{i % 6}"}, (BASE + 5) * 10**9,
                f"connection refused {i}")
    srv.add({"job": "ci", "pod": "p0"}, (BASE + 6) * 10**9,
            "connection refused")
    for b in ("3", "10", "30", "31"):
        rc, objs, err, _ = run(["--loki", srv.url, "-q", '{job="ci"}',
                                "--batch", b] + RANGE)
        exactly_once(f"31 entries, 30 at one instant, --batch {b}"
                     f"{' (chaos)' if chaos else ''}: exactly once", srv, objs)
    wide = [r["params"] for r in srv.requests if r["params"]["limit"] ==
            "5000"]
    check("the instant alone, with limit 5000", wide and all(
        int(r["end"]) == int(r["start"]) + 1 == (BASE + 5) * 10**9 + 1
        for r in wide), str(wide[:2]))
    srv.stop()
srv = fresh()
for i in range(5001):
    srv.add({"job": "ci", "pod": f"p{i % 3}"}, (BASE + 5) * 10**9,
            f"connection refused {i}")
rc, objs, err, _ = run(["--loki", srv.url, "-q", '{job="ci"}', "--batch",
                        "100"] + RANGE)
check("5000 or more at one instant: exit 3, says so", rc == 3 and
      "5000 or more entries share the timestamp 2025-01-11T10:00:05" in err
      and "narrow the query" in err, f"{rc} {err}")
srv.stop()

# 3b. a server that answers every request with the same page (the
# cursor cannot move): an error at once, not a loop (issue 15, item 4)
srv = fresh(stuck=True)
for i in range(40):
    srv.add({"job": "ci"}, (BASE + 5) * 10**9 + i * 1000,
            f"connection refused {i}")
rc, objs, err, dt = run(["--loki", srv.url, "-q", '{job="ci"}', "--batch",
                         "10"] + RANGE, timeout=20)
check("same page forever: exit 3, outside the range, stops", rc == 3 and
      "outside the range asked for" in err and len(srv.requests) == 2 and
      summary(objs)["lines"] == 10, f"{rc} {err} {len(srv.requests)}")
srv.stop()
srv = fresh(stuck=True)
for i in range(40):
    srv.add({"job": "ci"}, (BASE + 5) * 10**9, f"connection refused {i}")
rc, objs, err, dt = run(["--loki", srv.url, "-q", '{job="ci"}', "--batch",
                         "10"] + RANGE, timeout=20)
check("same one-instant page forever: exit 3, stops", rc == 3 and
      "outside the range asked for" in err and len(srv.requests) == 3 and
      summary(objs)["lines"] == 10, f"{rc} {err} {len(srv.requests)}")
srv.stop()

# 4. errors as Loki sends them
srv = fresh(max_entries=100)
srv.add({"job": "ci"}, (BASE + 1) * 10**9, "connection refused")
rc, objs, err, _ = run(["--loki", srv.url, "-q", '{job="ci"} |= foo'] + RANGE)
check("400 parse error", rc == 3 and err.startswith(
    "logtriage: loki: 400: parse error at line 1, col 15: syntax error")
      and summary(objs)["unreadable_inputs"] == 1, err)
rc, objs, err, _ = run(["--loki", srv.url, "-q", '{job="ci"}', "--batch",
                        "200"] + RANGE)
check("400 max entries", rc == 3 and "loki: 400: max entries limit per "
      "query exceeded" in err, err)
srv.stop()

# 5. tenants and auth; secrets never printed
srv = fresh()
srv.require_org = "team-a"
srv.add({"job": "ci"}, (BASE + 1) * 10**9, "connection refused")
rc, objs, err, _ = run(["--loki", srv.url, "-q", '{job="ci"}'] + RANGE)
check("401 no org id", rc == 3 and "logtriage: loki: 401: no org id" in err,
      err)
rc, objs, err, _ = run(["--loki", srv.url, "-q", '{job="ci"}'] + RANGE,
                       {"LOKI_ORG_ID": "team-a"})
check("LOKI_ORG_ID", rc == 1, err)
rc, objs, err, _ = run(["--loki", srv.url, "-q", '{job="ci"}', "--org-id",
                        "team-a"] + RANGE, {"LOKI_ORG_ID": "wrong"})
check("--org-id wins over LOKI_ORG_ID", rc == 1, err)
srv.require_org = None
srv.basic = ("ann", "s3cr3t-pass")
rc, objs, err, _ = run(["--query", '{job="ci"}'] + RANGE,
                       {"LOKI_ADDR": srv.url, "LOKI_USERNAME": "ann",
                        "LOKI_PASSWORD": "s3cr3t-pass"})
check("LOKI_ADDR, basic auth", rc == 1 and srv.requests[-1]["headers"][
    "authorization"].startswith("Basic "), err)
rc, objs, err, _ = run(["--loki", srv.url, "-q", '{job="ci"}'] + RANGE,
                       {"LOKI_USERNAME": "ann", "LOKI_PASSWORD": "wr0ng-pass"})
check("basic auth refused: 401, no password shown", rc == 3 and "401" in err
      and "wr0ng-pass" not in err, err)
srv.basic = None
srv.bearer = "tok-XYZ-123"
rc, objs, err, _ = run(["--loki", srv.url, "-q", '{job="ci"}'] + RANGE,
                       {"LOKI_BEARER_TOKEN": "tok-XYZ-123"})
check("LOKI_BEARER_TOKEN", rc == 1, err)
tokfile = os.path.join(os.environ.get("TMPDIR", "/tmp"),
                       f"lt-token-{os.getpid()}")
with open(tokfile, "w") as f:
    f.write("tok-XYZ-123\n")
rc, objs, err, _ = run(["--loki", srv.url, "-q", '{job="ci"}'] + RANGE,
                       {"LOKI_BEARER_TOKEN_FILE": tokfile})
check("LOKI_BEARER_TOKEN_FILE", rc == 1, err)
rc, objs, err, _ = run(["--loki", srv.url, "-q", '{job="ci"}',
                        "--bearer-token-file", tokfile] + RANGE)
check("--bearer-token-file", rc == 1, err)
os.unlink(tokfile)
rc, objs, err, _ = run(["--loki", srv.url, "-q", '{job="ci"}'] + RANGE,
                       {"LOKI_BEARER_TOKEN": "tok-bad-999"})
check("bearer refused: no token shown", rc == 3 and "tok-bad" not in err,
      err)
srv.stop()

# 6. faults: retried, or a clear error; never a line lost or repeated
srv = fresh()
for i in range(40):
    srv.add({"job": "ci", "s": str(i % 2)}, (BASE + 1) * 10**9 + i // 3,
            f"connection refused {i}")
fast = ["--loki", srv.url, "-q", '{job="ci"}', "--batch", "10"] + RANGE
srv.faults = [None, ("status", 429, "too many outstanding requests\n",
                     {"Retry-After": "1"})]
rc, objs, err, dt = run(fast)
exactly_once("429 Retry-After: retried, exactly once", srv, objs)
check("429: Retry-After honoured, noted", dt >= 1.0 and "429" in err and
      "retry 1 of 3" in err, f"{dt} {err}")
srv.faults = [("status", 500, "internal\n", {}), ("status", 502, "", {}),
              None, "truncated", None, "close"]
rc, objs, err, dt = run(fast)
exactly_once("500, 502, truncated body, no reply: retried, once", srv, objs)
srv.faults = [None, "malformed"]
rc, objs, err, _ = run(fast)
check("malformed JSON: exit 3, says so", rc == 3 and
      "logtriage: loki: Loki response" in err and "JSON" in err, err)
check("malformed JSON: the first page stays, numbered",
      summary(objs)["lines"] == 10, str(summary(objs)))
srv.faults = [("huge", 300 << 20)]
rc, objs, err, _ = run(fast)
check("over the size cap: exit 3", rc == 3 and "256 MiB" in err, err)
srv.faults = [("slow", 3)]
rc, objs, err, dt = run(fast + ["--timeout", "0.3", "--retries", "0"])
check("slow reply: --timeout ends it", rc == 3 and dt < 2.5 and
      "loki:" in err, f"{dt} {err}")
srv.faults = [("status", 503, "overloaded\n", {})] * 3
rc, objs, err, dt = run(fast + ["--retries", "2"])
check("5xx forever: retries exhausted", rc == 3 and "503: overloaded" in err
      and "retries exhausted" in err and err.count("retry ") == 2, err)
srv.faults = []
rc, objs, err, dt = run(["--loki", f"http://127.0.0.1:{free_port()}", "-q",
                         '{job="ci"}', "--retries", "1"] + RANGE)
check("connection refused: retried, exit 3", rc == 3 and err.count(
    "retry 1 of 1") == 1 and "onnect" in err, err)
rc, objs, err, dt = run(["--loki", "http://no-such-host.invalid:3100", "-q",
                         '{job="ci"}', "--retries", "0", "--timeout", "5"]
                        + RANGE)
check("DNS failure: exit 3", rc == 3 and "loki:" in err, err)
srv.stop()

# 7. --follow: new lines as they come, once each, until a signal; each
# poll stops --delay-for short of the clock, so an entry that comes late
# (older than one of another stream already there) is still read
for sig, want in ((signal.SIGINT, 130), (signal.SIGTERM, 143)):
    srv = fresh()
    now = time.time_ns()
    srv.add({"job": "ci"}, now - 3 * 10**9, "connection refused early")
    p = subprocess.Popen([binary, "--loki", srv.url, "-q", '{job="ci"}',
                          "--since", "1m", "--follow", "--interval", "0.1",
                          "--delay-for", "2", "--batch", "10"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         env=env_for())
    # waits on what the server saw, not on the clock: a loaded machine
    # (an ASan build beside other jobs) can take seconds to start
    wait_for(lambda: len(srv.requests) >= 1)
    t = time.time_ns()
    srv.add({"job": "ci", "s": "a"}, t, "connection refused late a")
    srv.add({"job": "ci", "s": "b"}, t, "connection refused late b")
    srv.add({"job": "ci", "s": "c"}, t, "connection refused late c")
    time.sleep(0.5)
    srv.add({"job": "ci", "s": "d"}, t, "connection refused late d (same ts)")
    srv.add({"job": "ci", "s": "e"}, t - 3 * 10**8,
            "connection refused late e (older than a, b, c; came after)")
    n = len(srv.requests)
    # a read that began after e came and reaches past t, then one more
    wait_for(lambda: any(int(r["params"]["end"]) > t
                         for r in srv.requests[n:]))
    n = len(srv.requests)
    wait_for(lambda: len(srv.requests) > n)
    p.send_signal(sig)
    out, err = p.communicate(timeout=30)
    objs = [json.loads(l) for l in out.decode().splitlines()]
    exactly_once(f"follow: each line once ({sig.name})", srv, objs)
    check(f"follow: summary and exit {want}", p.returncode == want and
          summary(objs)["lines"] == 6 and len(srv.requests) > 5,
          f"{p.returncode} {err.decode()} {len(srv.requests)}")
    lag = [r["at"] - int(r["params"]["end"]) for r in srv.requests]
    check(f"follow: every read ends 2 s before its request ({sig.name})",
          all(2 * 10**9 <= x < 7 * 10**9 for x in lag),
          str([x / 1e9 for x in lag]))
    srv.stop()

# 8. usage
rc, objs, err, _ = run(["-q", '{job="ci"}', "--loki", "http://x"] + RANGE +
                       ["file.log"])
check("no FILE with --loki", rc == 2 and "FILE" in err, err)
rc, objs, err, _ = run(["--query", '{job="ci"}'])
check("no address", rc == 2 and "LOKI_ADDR" in err, err)
rc, objs, err, _ = run(["--loki", "http://x", "-q", "{a=\"b\"}", "--since",
                        "1h", "--from", "1"])
check("--since and --from", rc == 2, err)
rc, objs, err, _ = run(["--loki", "http://x", "-q", "{a=\"b\"}", "--batch",
                        "5001"])
check("--batch at most 5000", rc == 2 and "5000" in err, err)
rc, objs, err, _ = run(["--loki", "http://x", "-q", "{a=\"b\"}", "--since",
                        "1y"])
check("--since: a bad duration", rc == 2 and "duration" in err, err)
for bad in ("abc", "3601", "-1"):
    rc, objs, err, _ = run(["--loki", "http://x", "-q", "{a=\"b\"}",
                            "--follow", "--delay-for", bad])
    check(f"--delay-for {bad}: a usage error", rc == 2 and
          "--delay-for" in err and "0 to 3600" in err, err)

# 9. logtriage logql: the query, one line; a pattern out of reach: a note
p = ltrun.run([binary, "logql", "--no-defaults", "-r",
                    "tests/cli/rules/basic.rules", '{job="ci"}'], text=True, cwd=root, env=env_for())
check("logql: the query with the filter, and what it is", p.returncode == 0
      and p.stdout == '{job="ci"} |~ `\\x1b.?|NOTE|could not resolve host|'
      'no space left on device|(?i:connection refused)`\n' and p.stderr ==
      "logtriage: note: pushdown: 4 literals (1 caseless) that the 4 match "
      "patterns need, 0 patterns whole, a filter of 82 bytes (85 as Loki "
      "quotes it)\n",
      p.stdout + p.stderr)
p = ltrun.run([binary, "logql", "-r", "tests/cli/rules/nopush.rules",
                    '{job="ci"} |= "x"'], text=True,
                   cwd=root, env=env_for())
check("logql: not pushable: selector alone, a note", p.returncode == 0 and
      p.stdout == '{job="ci"} |= "x"\n' and p.stderr.startswith(
          "logtriage: tests/cli/rules/nopush.rules:6: note: no rule "
          "pushdown") and "t.repeat" in p.stderr and "backreference" in
      p.stderr, p.stdout + p.stderr)
p = ltrun.run([binary, "logql", "--no-pushdown", '{job="ci"}'], text=True, cwd=root, env=env_for())
check("logql --no-pushdown", p.stdout == '{job="ci"}\n', p.stdout)
srv = fresh()
srv.add({"job": "ci"}, (BASE + 1) * 10**9, "a a repeated word")
rc, objs, err, _ = run(["--loki", srv.url, "-q", '{job="ci"}', "-r",
                        "tests/cli/rules/nopush.rules"] + RANGE)
check("not pushable: the query goes whole, the rule still fires",
      rc == 1 and srv.requests[-1]["params"]["query"] == '{job="ci"}' and
      "note: no rule pushdown" in err, err)
srv.stop()

# 10. a big saved query_range document: memory a small multiple of it
# (issue 15, item 5: cJSON's tree of a whole response took 10 to 38
# times the document)
big = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"lt-big-{os.getpid()}.json")
n = 0
with open(big, "w") as f:
    f.write('{"status":"success","data":{"resultType":"streams","result":[')
    for k in range(170):
        vals = ",".join(f'["{(BASE + k) * 10**9 + i}","step {i} ok"]'
                        for i in range(10000))
        f.write(("," if k else "") + '{"stream":{"job":"ci","s":"%d"},'
                '"values":[%s]}' % (k, vals))
        n += 10000
    f.write('],"stats":{}}}')
size = os.path.getsize(big)
probe = subprocess.run([sys.executable, "-c", """
import resource, subprocess, sys
p = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE)
print(p.returncode)
print(p.stdout.decode().splitlines()[-1])
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
""", binary, big], capture_output=True, text=True, env=env_for())
os.unlink(big)
rc_line, last, rss = probe.stdout.splitlines()
peak = int(rss) * 1024
check(f"{size >> 20} MiB document, {n} entries: all read", rc_line == "0" and
      json.loads(last)["lines"] == n, probe.stdout[:300] + probe.stderr)
with open(binary, "rb") as f:
    sanitized = any(x in f.read() for x in (b"__asan_init", b"libasan"))
if sanitized:  # its shadow memory and quarantine are not the decoder's
    print(f"skip peak RSS ({peak >> 20} MiB): an AddressSanitizer build")
else:
    check(f"{size >> 20} MiB document: peak RSS {peak >> 20} MiB, under "
          f"3.5 times the document", peak < 3.5 * size, f"{peak >> 20} MiB")

print("failed" if failed else "all passed", failed)
sys.exit(1 if failed else 0)
