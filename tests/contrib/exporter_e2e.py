#!/usr/bin/env python3
"""End to end for the exporter: a real Prometheus (Debian's package,
started here on a free loopback port with its own configuration and
storage, scraping every second and evaluating
contrib/prometheus/logtriage.rules.yml every second) scrapes
`logtriage --listen` while journal lines are written into its standard
input, a pipe kept open as `journalctl -f -o json | logtriage` keeps it.

Through the Prometheus HTTP API it checks that the target is up with the
labels the scrape gives it (env, runner), that the counters are zero
before any line and then the numbers of lines and matches fed, split by
--metric-label host; that LogtriageLiveRunnerOffline goes from inactive
to firing for that runner and host once a runner_offline line is read,
and back to inactive when the exporter stops (its series go stale); that
the rules and panels about pushed runs do not take the exporter's series
for runs; and the dashboard's Live panels.  Skipped (77) when prometheus
is not installed."""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dashlib  # noqa: E402
import servers  # noqa: E402

binary, root = sys.argv[1], sys.argv[2]
if shutil.which("prometheus") is None:
    print("SKIP: prometheus is not installed (apt-get install prometheus)")
    sys.exit(77)
rules = os.path.abspath(os.path.join(root,
                                     "contrib/prometheus/logtriage.rules.yml"))
dash = dashlib.load(os.path.join(root, "contrib/grafana/logtriage.json"))
failures = []


def check(ok, msg):
    if not ok:
        failures.append(msg)
    return ok


def journal(msg, host):
    return (json.dumps({"MESSAGE": msg, "_HOSTNAME": host,
                        "_SYSTEMD_UNIT": "actions.runner.service",
                        "__REALTIME_TIMESTAMP":
                        str(int(time.time() * 1e6))}) + "\n").encode()


def wait_for(what, fn, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = fn()
        if got:
            return got
        time.sleep(0.2)
    check(False, f"timed out waiting for {what}")
    return None


def value(prom, expr):
    """The single value of an instant query, or None."""
    r = servers.query(prom, expr)
    return float(r[0]["value"][1]) if len(r) == 1 else None


def alerts(prom, name):
    status, body = servers.api(prom, "alerts")
    return [a for a in body["data"]["alerts"]
            if a["labels"]["alertname"] == name]


tmp = tempfile.mkdtemp(prefix="lt-exporter-e2e-")
lt = None
try:
    lt = subprocess.Popen([binary, "-q", "--input", "journal", "--listen",
                           "127.0.0.1:0", "--metric-label", "host"],
                          stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE)
    note = lt.stderr.readline().decode()
    m = re.search(r"http://(127\.0\.0\.1:\d+)/metrics", note)
    if not m:
        print(f"FAIL: no listening note: {note!r}")
        sys.exit(1)
    target = m.group(1)
    prom = servers.start_prometheus(tmp, f"""
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - {rules}
scrape_configs:
  - job_name: logtriage
    static_configs:
      - targets: ['{target}']
        labels:
          env: e2e
          runner: r9
""")
    sel = 'job="logtriage",env="e2e",runner="r9"'
    wait_for("the first scrape", lambda: value(
        prom, f'up{{{sel}}}') == 1 and value(
        prom, f'logtriage_lines_total{{{sel}}}') == 0)
    check(value(prom, f'logtriage_verdict{{{sel},category="clean"}}') == 1,
          "before any line: verdict clean is not 1")
    check(not servers.query(prom, "logtriage_matches_total"),
          "matches before any line")
    check(not [a for a in alerts(prom, "LogtriageLiveRunnerOffline")],
          "LogtriageLiveRunnerOffline before any line")

    # ordinary lines and one disk_space line
    lt.stdin.write(journal("Job started", "web-1") +
                   journal("Compiling", "web-1") +
                   journal("write /home/runner: No space left on device",
                           "web-2"))
    lt.stdin.flush()
    wait_for("3 lines in Prometheus", lambda: value(
        prom, f'logtriage_lines_total{{{sel}}}') == 3)
    check(value(prom, f'logtriage_matches_total{{{sel},category="disk_space",'
                'rule="disk.no-space",host="web-2"}') == 1,
          "the disk_space match of web-2")
    check(value(prom, f'logtriage_failed{{{sel}}}') == 1, "failed is not 1")
    check(not alerts(prom, "LogtriageLiveRunnerOffline"),
          "LogtriageLiveRunnerOffline without a runner_offline line")

    # the runner goes offline: the alert goes to firing
    lt.stdin.write(journal("The self-hosted runner: r9 lost communication "
                           "with the server.", "web-1"))
    for _ in range(4):
        lt.stdin.write(journal("No space left on device", "web-2"))
    lt.stdin.flush()
    wait_for("8 lines in Prometheus", lambda: value(
        prom, f'logtriage_lines_total{{{sel}}}') == 8)
    check(value(prom, f'logtriage_matches_total{{{sel},category="disk_space",'
                'rule="disk.no-space",host="web-2"}') == 5,
          "5 disk_space matches, cumulative")
    check(value(prom, f'sum(logtriage_matches_total{{{sel},'
                'category="runner_offline",host="web-1"})') == 1,
          "the runner_offline match of web-1")
    age = value(prom, f'time() - logtriage_last_match_timestamp_seconds{{'
                f'{sel},category="runner_offline",host="web-1"}}')
    check(age is not None and -5 < age < 60, f"last match age {age}")
    got = wait_for("LogtriageLiveRunnerOffline to fire", lambda: [
        a for a in alerts(prom, "LogtriageLiveRunnerOffline")
        if a["state"] == "firing"])
    check(got and [(a["labels"]["runner"], a["labels"].get("host"))
                   for a in got] == [("r9", "web-1")],
          f"LogtriageLiveRunnerOffline: {got}")
    check(value(prom, f'resets(logtriage_lines_total{{{sel}}}[1m])') == 0,
          "the lines counter was reset")

    # the rules and panels about pushed runs see no run here
    for name in ("LogtriageRunnerOffline",
                 "LogtriageDiskOrMemoryFailuresRising",
                 "LogtriageNewCategoryOnRunner"):
        check(not alerts(prom, name), f"{name} fired on the exporter")
    sub = {"env": "e2e", "runner": ".*", "window": "1d",
           "__interval": "1m", "__interval_ms": "60000",
           "__range_s": "3600", "__range": "1h", "__rate_interval": "1m"}

    def panel(title):
        return servers.query(prom, dashlib.substitute(
            dashlib.panel_expr(dash, title), sub))

    for title in ("Causes over time", "Failure rate", "Top rules",
                  "Time since last runner_offline", "Recent verdicts"):
        check(panel(title) == [], f"panel {title!r} counts the exporter: "
              f"{panel(title)}")
    got = {(r["metric"]["runner"], r["metric"]["category"]):
           float(r["value"][1])
           for r in panel("Live: time since last match")}
    check(set(got) == {("r9", "runner_offline"), ("r9", "disk_space")} and
          all(-5 < v < 60 for v in got.values()),
          f"Live: time since last match: {got}")
    got = {r["metric"]["category"] for r in panel("Live: matches")}
    check(got <= {"disk_space", "runner_offline"} and "disk_space" in got,
          f"Live: matches: {got}")

    # the exporter stops (SIGTERM, the pipe still open): its series go
    # stale and the alert resolves
    lt.send_signal(signal.SIGTERM)
    check(lt.wait(timeout=10) == 143, f"SIGTERM: exit {lt.returncode}")
    wait_for("the target to be down", lambda: value(
        prom, f'up{{{sel}}}') == 0)
    wait_for("LogtriageLiveRunnerOffline to resolve",
             lambda: not alerts(prom, "LogtriageLiveRunnerOffline"))
finally:
    if lt is not None:
        if lt.poll() is None:
            lt.kill()
            lt.wait()
        lt.stdin.close()
        err = lt.stderr.read().decode()
        lt.stderr.close()
        check("error" not in err.lower(), f"logtriage stderr: {err!r}")
    servers.stop_all()
    shutil.rmtree(tmp, ignore_errors=True)

for f in failures:
    print("FAIL", f)
print(f"exporter e2e: {len(failures)} failures")
sys.exit(1 if failures else 0)
