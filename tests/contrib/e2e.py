#!/usr/bin/env python3
"""End to end: logtriage --push into a real Pushgateway, scraped every
second by a real Prometheus that loads contrib/prometheus/logtriage.rules.yml
(evaluated every second); both are Debian's packages, started here on
free loopback ports with their own configuration and storage, and
stopped at the end.

Runs are pushed with the grouping contrib/README.md documents (job,
runner, run_id, env) and the test checks through the Prometheus HTTP API:
every run is its own set of series, parallel jobs on the same job name
or runner do not overwrite each other (while a grouping without run_id
does), the values are the runs', LogtriageRunnerOffline fires for the
offline runner alone and resolves after a later clean run on it,
LogtriageDiskOrMemoryFailuresRising fires for the runner with three
disk_space runs and not for the one with one, the Grafana dashboard's
expressions give the numbers these runs make, and
contrib/prometheus/pushgateway-prune deletes the old runs' groups only.  Skipped (77)
when prometheus or prometheus-pushgateway is not installed."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dashlib  # noqa: E402
import servers  # noqa: E402

binary, root = sys.argv[1], sys.argv[2]
# a CI system's variables add grouping labels (runner, run_id) to a push:
# the groupings here are the ones given, whatever CI runs this test
for v in ("GITHUB_ACTIONS", "GITLAB_CI", "JENKINS_URL"):
    os.environ.pop(v, None)
for prog in ("prometheus", "prometheus-pushgateway"):
    if shutil.which(prog) is None:
        print(f"SKIP: {prog} is not installed (apt-get install {prog})")
        sys.exit(77)
data = os.path.join(root, "tests/contrib/data")
rules = os.path.abspath(os.path.join(root, "contrib/prometheus/logtriage.rules.yml"))
dash = dashlib.load(os.path.join(root, "contrib/grafana/logtriage.json"))
failures = []
ENV = "e2e"
START = time.monotonic()


def check(ok, msg):
    if not ok:
        failures.append(msg)
    return ok


def lines_of(log):
    with open(os.path.join(data, log), "rb") as f:
        return f.read().count(b"\n")


# What logtriage itself says of each log: the test's premise.
EXPECT = {"runner-offline.log": "runner_offline", "disk.log": "disk_space",
          "clean.log": None}
for log, cat in EXPECT.items():
    p = subprocess.run([binary, "--summary-only", os.path.join(data, log)],
                       capture_output=True, text=True, timeout=60)
    s = json.loads(p.stdout)
    got = s["cause"]["category"] if s["cause"] else None
    if got != cat:
        print(f"FAIL: premise: {log} is {got}, not {cat} (the rules changed?)")
        sys.exit(1)


def push(gw, log, job, runner, run_id=None, *extra):
    argv = [binary, "-q", "--push", gw, "--push-job", job,
            "--push-label", f"runner={runner}", "--push-label", f"env={ENV}"]
    if run_id:
        argv += ["--push-label", f"run_id={run_id}"]
    for label in extra:
        argv += ["--push-label", label]
    p = subprocess.run(argv + [os.path.join(data, log)], capture_output=True,
                       text=True, timeout=60)
    want_rc = 0 if EXPECT[log] is None else 1
    check(p.returncode == want_rc and not p.stderr,
          f"push {job}/{runner}/{run_id}: rc={p.returncode} "
          f"stderr={p.stderr!r}")


def wait_for(what, probe, timeout=10):
    """Poll probe() until it returns a true value; None after timeout."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = probe()
        if last:
            return last
        time.sleep(0.25)
    failures.append(f"timed out waiting for {what}")
    return None


def series(base, expr):
    """{(job, runner, run_id): value} of an instant query."""
    out = {}
    for r in servers.query(base, expr):
        m = r["metric"]
        out[(m.get("job"), m.get("runner"), m.get("run_id"))] = \
            float(r["value"][1])
    return out


def firing(base, name):
    status, body = servers.api(base, "alerts")
    return [a["labels"] for a in body["data"]["alerts"]
            if a["labels"].get("alertname") == name and
            a["state"] == "firing"]


# The runs: (log, job, runner, run_id).  build/r1 and build/r2 run in
# parallel under one job name; test/r2 twice on one runner; build/r4 a
# re-run (attempt 2) of the same run; one key has a value with a '/'.
RUNS = [("runner-offline.log", "build", "r1", "1001-1"),
        ("disk.log", "build", "r2", "1002-1", "repo=octo/app"),
        ("disk.log", "test", "r2", "1003-1"),
        ("disk.log", "test", "r2", "1004-1"),
        ("clean.log", "build", "r3", "1005-1"),
        ("disk.log", "build", "r4", "1006-1"),
        ("clean.log", "build", "r4", "1006-2")]

tmp = tempfile.mkdtemp(prefix="lt-e2e-")
try:
    gw = servers.start_pushgateway(tmp)
    prom = servers.start_prometheus(tmp, f"""\
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files:
  - {rules}
scrape_configs:
  - job_name: pushgateway
    honor_labels: true
    static_configs:
      - targets: ['{gw[len('http://'):]}']
""")
    status, body = servers.api(prom, "rules")
    loaded = {r["name"]: r["health"] for g in body["data"]["groups"]
              for r in g["rules"]}
    for name in ("LogtriageRunnerOffline", "LogtriageDiskOrMemoryFailuresRising",
                 "LogtriageNewCategoryOnRunner", "HostDown", "HostDiskHigh"):
        check(name in loaded, f"rule {name} not loaded by Prometheus")

    for run in RUNS:
        push(gw, *run)
    # the same job and runner without a run_id: the second push replaces
    # the first (this is why the grouping needs run_id)
    push(gw, "disk.log", "lint", "r5")
    push(gw, "clean.log", "lint", "r5")

    want = {(job, runner, run_id) for _, job, runner, run_id, *_ in RUNS}
    want.add(("lint", "r5", None))
    # every group scraped, lint/r5 in its last (clean) push: a scrape
    # between its two pushes holds the same keys with the first's values
    ts = wait_for("every run's series in Prometheus", lambda: (
        lambda s: s if set(s) == want and series(
            prom, f'logtriage_failed{{env="{ENV}",job="lint"}}') ==
            {("lint", "r5", None): 0.0} else None)(series(
            prom, f'logtriage_last_run_timestamp_seconds{{env="{ENV}"}}')))
    if ts:
        now = time.time()
        check(all(now - 120 < v <= now + 1 for v in ts.values()),
              f"run timestamps not about now ({now}): {ts}")
        failed = series(prom, f'logtriage_failed{{env="{ENV}"}}')
        check(failed == {(j, r, i): 0.0 if EXPECT[log] is None else 1.0
                         for log, j, r, i, *_ in RUNS} |
              {("lint", "r5", None): 0.0},
              f"logtriage_failed per run: {failed}")
        lines = series(prom, f'logtriage_lines_total{{env="{ENV}"}}')
        check(lines == {(j, r, i): float(lines_of(log))
                        for log, j, r, i, *_ in RUNS} |
              {("lint", "r5", None): float(lines_of("clean.log"))},
              f"logtriage_lines_total per run: {lines}")
        causes = series(prom, f'logtriage_verdict{{env="{ENV}",'
                        'category!="clean"} == 1')
        check(causes == {(j, r, i): 1.0 for log, j, r, i, *_ in RUNS
                         if EXPECT[log] is not None},
              f"runs with a cause: {sorted(causes)}")
        # a clean run is a series too: verdict="clean", so that runs can
        # be counted by one series whatever their verdict
        cleans = series(prom, f'logtriage_verdict{{env="{ENV}",'
                        'category="clean"} == 1')
        check(cleans == {(j, r, i): 1.0 for log, j, r, i, *_ in RUNS
                         if EXPECT[log] is None} |
              {("lint", "r5", None): 1.0},
              f"clean runs with verdict clean: {sorted(cleans)}")
        disk = series(prom, 'logtriage_matches_total{env="%s",'
                      'category="disk_space",rule="disk.no-space"}' % ENV)
        check(set(disk) == {(j, r, i) for log, j, r, i, *_ in RUNS
                            if log == "disk.log"},
              f"disk.no-space matches per run: {disk}")

    # Alerts, from the real rule file
    got = wait_for("LogtriageRunnerOffline", lambda: firing(
        prom, "LogtriageRunnerOffline"))
    check(got and [(a.get("env"), a["runner"]) for a in got] == [(ENV, "r1")],
          f"LogtriageRunnerOffline: {got}")
    got = wait_for("LogtriageDiskOrMemoryFailuresRising", lambda: firing(
        prom, "LogtriageDiskOrMemoryFailuresRising"))
    check(got and sorted((a["runner"], a["category"]) for a in got) ==
          [("r2", "disk_space")],
          f"LogtriageDiskOrMemoryFailuresRising: {got}")
    status, body = servers.api(prom, "alerts")
    rising = [a for a in body["data"]["alerts"]
              if a["labels"]["alertname"] == "LogtriageDiskOrMemoryFailuresRising"]
    check(len(rising) == 1 and float(rising[0]["value"]) == 3.0,
          f"rising: value {[a.get('value') for a in rising]}, want 3")
    check(not firing(prom, "LogtriageNewCategoryOnRunner"),
          "LogtriageNewCategoryOnRunner fired with no history")

    # The dashboard's expressions on these runs
    sub = {"env": ENV, "runner": ".*", "window": "1d", "__interval": "1h",
           "__interval_ms": "3600000", "__range_s": "86400",
           "__range": "1d"}

    def panel(title):
        return servers.query(prom, dashlib.substitute(
            dashlib.panel_expr(dash, title), sub))

    got = {(r["metric"]["category"], r["metric"]["runner"]): r["value"][1]
           for r in panel("Causes over time")}
    check(got == {("runner_offline", "r1"): "1", ("disk_space", "r2"): "3",
                  ("disk_space", "r4"): "1"}, f"causes over time: {got}")
    got = {r["metric"]["rule"]: r["value"][1] for r in panel("Top rules")}
    # the two causes; other rules that matched lines of the same logs
    # (the generic tier, failure markers) may be listed too
    check(got.get("disk.no-space") == "4" and
          got.get("runner.lost-communication") == "1", f"top rules: {got}")
    got = panel("Failure rate")
    check(len(got) == 1 and abs(float(got[0]["value"][1]) - 5 / 8) < 1e-9,
          f"failure rate: {got}, want 5/8")
    got = {r["metric"]["runner"]: float(r["value"][1])
           for r in panel("Time since last runner_offline")}
    check(list(got) == ["r1"] and 0 <= got["r1"] < 120,
          f"time since last runner_offline: {got}")
    got = sorted((r["metric"]["runner"], r["metric"]["category"])
                 for r in panel("Recent verdicts"))
    check(got == sorted([("r1", "runner_offline"), ("r2", "disk_space"),
                         ("r2", "disk_space"), ("r2", "disk_space"),
                         ("r3", "clean"), ("r4", "disk_space"),
                         ("r4", "clean"), ("r5", "clean")]),
          f"recent verdicts: {got}")

    # A later clean run on r1 (a later second than every run so far: the
    # timestamp has seconds) is r1's latest: the alert resolves
    while ts and time.time() < max(ts.values()) + 1.05:
        time.sleep(0.05)
    push(gw, "clean.log", "build", "r1", "1007-1")
    wait_for("LogtriageRunnerOffline to resolve", lambda: not firing(
        prom, "LogtriageRunnerOffline"))
    check("1001-1" in {r["metric"].get("run_id") for r in servers.query(
        prom, 'logtriage_verdict{runner="r1",category="runner_offline"}')},
          "the offline run's series went away with the clean run")

    # contrib/prometheus/pushgateway-prune: the runs that ended before the
    # clean run on r1 go, that run and a group not from logtriage stay
    req = urllib.request.Request(gw + "/metrics/job/other",
                                 data=b"other_metric 1\n", method="PUT")
    urllib.request.urlopen(req, timeout=10).close()

    def groups():
        with urllib.request.urlopen(gw + "/api/v1/metrics", timeout=10) as r:
            return json.load(r)["data"]

    cutoff = max(float(m["value"]) for g in groups()
                 if g["labels"].get("run_id") == "1007-1"
                 for m in g[
                     "logtriage_last_run_timestamp_seconds"]["metrics"])
    prune = [sys.executable,
             os.path.join(root, "contrib/prometheus/pushgateway-prune")]
    p = subprocess.run(prune + ["-n", "--before", str(cutoff), gw],
                       capture_output=True, text=True, timeout=60)
    check(p.returncode == 0 and p.stdout.count("would delete ") == 8 and
          len(groups()) == 10, f"prune -n: rc={p.returncode} "
          f"{p.stdout!r}{p.stderr!r}, {len(groups())} groups")
    p = subprocess.run(prune + ["--before", str(cutoff), gw],
                       capture_output=True, text=True, timeout=60)
    left = sorted((g["labels"]["job"], g["labels"].get("run_id", ""))
                  for g in groups())
    check(p.returncode == 0 and p.stdout.count("deleted ") == 8 and
          "repo=octo/app" in p.stdout and
          left == [("build", "1007-1"), ("other", "")],
          f"prune: rc={p.returncode} {p.stdout!r}{p.stderr!r}, left {left}")
except (RuntimeError, OSError, KeyError, ValueError) as e:
    failures.append(f"{type(e).__name__}: {e}")
finally:
    servers.stop_all()
    for log in ("prometheus.log", "pushgateway.log"):
        if failures and os.path.exists(os.path.join(tmp, log)):
            with open(os.path.join(tmp, log)) as f:
                print(f"--- {log} (tail)\n" + "".join(f.readlines()[-15:]))
    shutil.rmtree(tmp, ignore_errors=True)
for f in failures:
    print("FAIL", f)
print(f"e2e: {len(failures)} failures in {time.monotonic() - START:.1f} s")
sys.exit(1 if failures else 0)
