#!/usr/bin/env python3
"""--push against a real Prometheus Pushgateway (Debian's
prometheus-pushgateway), started here on a free loopback port with its
own storage, then read back from its /metrics.  Also: a gateway that
answers an error and one that is not there are reported on stderr and
do not change the exit status."""
import http.server
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import ltrun  # tests/cli/ltrun.py: LeakSanitizer tool faults

binary, root = sys.argv[1], sys.argv[2]
# the CI systems' variables add grouping labels (checked below): none
# may leak in from the CI this test runs in
CI_VARS = ("GITHUB_ACTIONS", "RUNNER_NAME", "GITHUB_RUN_ID",
           "GITHUB_RUN_ATTEMPT", "GITLAB_CI", "CI_RUNNER_DESCRIPTION",
           "CI_JOB_ID", "JENKINS_URL", "NODE_NAME", "BUILD_TAG")
for v in CI_VARS:
    os.environ.pop(v, None)
gw = shutil.which("prometheus-pushgateway")
if gw is None:
    print("FAIL: prometheus-pushgateway is not installed (apt-get install "
          "prometheus-pushgateway)")
    sys.exit(1)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


failures = []
tmp = tempfile.mkdtemp()
port = free_port()
proc = subprocess.Popen([gw, f"--web.listen-address=127.0.0.1:{port}",
                         f"--persistence.file={tmp}/pg.data",
                         "--log.level=error"],
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
try:
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            urllib.request.urlopen(base + "/-/ready", timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    else:
        failures.append("the pushgateway did not become ready")
        raise SystemExit
    log = os.path.join(root, "fixtures/example/deploy-failed.log")
    p = ltrun.run([binary, "-q", "--push", base, "--push-job", "ci",
                        "--push-label", "instance=runner/1",
                        "--push-label", "repo=octo", log], text=True, timeout=60)
    if p.returncode != 1 or p.stderr:
        failures.append(f"push run: rc={p.returncode} stderr={p.stderr!r}")
    metrics = urllib.request.urlopen(base + "/metrics").read().decode()
    want = [
        'logtriage_failed{instance="runner/1",job="ci",repo="octo"} 1',
        'logtriage_lines_total{instance="runner/1",job="ci",repo="octo"} 4',
        'logtriage_matches_total{category="disk_space",instance="runner/1",'
        'job="ci",repo="octo",rule="disk.no-space",severity="critical"} 1',
        'logtriage_verdict{category="disk_space",instance="runner/1",'
        'job="ci",repo="octo"} 1',
    ]
    for w in want:
        if w not in metrics:
            failures.append(f"not in the gateway's /metrics: {w}")
    # a second, clean run replaces the group (PUT): failed goes to 0
    clean = os.path.join(root, "tests/cli/data/clean.log")
    subprocess.run([binary, "-q", "--push", base, "--push-job", "ci",
                    "--push-label", "instance=runner/1",
                    "--push-label", "repo=octo", clean], timeout=60)
    metrics = urllib.request.urlopen(base + "/metrics").read().decode()
    if 'logtriage_failed{instance="runner/1",job="ci",repo="octo"} 0' \
            not in metrics or "logtriage_verdict{category=\"disk_space\"," \
            "instance=\"runner/1\"" in metrics:
        failures.append("a second push did not replace the group")
    # in a CI system, its run and runner are grouping labels unless
    # --push-label names them (an empty value keeps one out)
    seen = set()

    def ci_push(env, *labels):
        """The logtriage_failed series this push added to the gateway."""
        subprocess.run([binary, "-q", "--push", base, "--push-job", "cienv",
                        *[a for lb in labels for a in ("--push-label", lb)],
                        clean], timeout=60, env=dict(os.environ, **env))
        text = urllib.request.urlopen(base + "/metrics").read().decode()
        now = {ln.rpartition(" ")[0] for ln in text.splitlines()
               if ln.startswith("logtriage_failed{") and 'job="cienv"' in ln}
        new = sorted(now - seen)
        seen.update(now)
        return new

    gh = {"GITHUB_ACTIONS": "true", "RUNNER_NAME": "gh 7",
          "GITHUB_RUN_ID": "555", "GITHUB_RUN_ATTEMPT": "2"}
    got = ci_push(gh)
    if got != ['logtriage_failed{instance="",job="cienv",run_id="555-2",'
               'runner="gh 7"}']:
        failures.append(f"GitHub Actions grouping: {got}")
    # given labels win; an empty one stays empty
    got = ci_push(dict(gh, GITHUB_RUN_ID="556"), "run_id=556-2-1",
                  "runner=")
    if got != ['logtriage_failed{instance="",job="cienv",'
                   'run_id="556-2-1",runner=""}']:
        failures.append(f"--push-label over the CI's labels: {got}")
    got = ci_push({"GITLAB_CI": "true", "CI_RUNNER_DESCRIPTION": "gl/1",
                   "CI_JOB_ID": "99"})
    if got != ['logtriage_failed{instance="",job="cienv",run_id="99",'
                   'runner="gl/1"}']:
        failures.append(f"GitLab CI grouping: {got}")
    # outside CI nothing is added: the group is the job alone
    got = ci_push({})
    if got != ['logtriage_failed{instance="",job="cienv"}']:
        failures.append(f"grouping outside CI: {got}")
    # the clean run still says so, in the same series a failed run uses
    if 'logtriage_verdict{category="clean",instance="runner/1",job="ci",' \
            'repo="octo"} 1' not in metrics:
        failures.append("a clean run pushed no verdict=\"clean\" series")
finally:
    proc.terminate()
    proc.wait(timeout=10)
    shutil.rmtree(tmp, ignore_errors=True)


class Broken(http.server.BaseHTTPRequestHandler):
    def do_PUT(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(500)
        self.end_headers()
        self.wfile.write(b"storage on fire\n")

    def log_message(self, *a):
        pass


srv = http.server.HTTPServer(("127.0.0.1", 0), Broken)
threading.Thread(target=srv.serve_forever, daemon=True).start()
log = os.path.join(root, "fixtures/example/deploy-failed.log")
p = ltrun.run([binary, "-q", "--push",
                    f"http://127.0.0.1:{srv.server_address[1]}", log], text=True, timeout=60)
if p.returncode != 1 or "push: error:" not in p.stderr or \
        "HTTP 500: storage on fire" not in p.stderr:
    failures.append(f"error answer: rc={p.returncode} stderr={p.stderr!r}")
srv.shutdown()
p = ltrun.run([binary, "-q", "--push", f"http://127.0.0.1:{free_port()}",
                    log], text=True, timeout=60)
if p.returncode != 1 or "push: error:" not in p.stderr:
    failures.append(f"refused: rc={p.returncode} stderr={p.stderr!r}")
# an empty URL (an unset CI variable) is ignored with one note: the run's
# output and exit status are those of a run without --push
for argv in (["--push", ""], ["--push="]):
    p = ltrun.run([binary, "--summary-only"] + argv + [log], text=True, timeout=60)
    plain = ltrun.run([binary, "--summary-only", log], text=True, timeout=60)
    notes = [ln for ln in p.stderr.splitlines() if ln]
    if p.returncode != 1 or p.stdout != plain.stdout or notes != [
            "logtriage: note: --push: the URL is empty; nothing pushed"]:
        failures.append(f"empty push {argv}: rc={p.returncode} "
                        f"stderr={p.stderr!r}")
for f in failures:
    print("FAIL", f)
print(f"pushgateway: {len(failures)} failures")
sys.exit(1 if failures else 0)
