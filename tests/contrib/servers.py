"""Real Prometheus and Pushgateway servers (Debian's prometheus and
prometheus-pushgateway) for the contrib tests: each started on a free
loopback port with its own configuration and storage in a temporary
directory, and stopped by stop_all()."""
import json
import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request

_procs = []


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_ready(base, proc, what, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}")
        try:
            urllib.request.urlopen(base + "/-/ready", timeout=1)
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{what} did not become ready in {timeout} s")


def _start(argv, base, what, log):
    with open(log, "wb") as out:
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT)
    _procs.append(proc)
    _wait_ready(base, proc, what)
    return proc


def start_prometheus(tmp, config):
    """Prometheus with `config` (YAML text) as prometheus.yml in tmp."""
    port = free_port()
    cfg = os.path.join(tmp, "prometheus.yml")
    with open(cfg, "w") as f:
        f.write(config)
    base = f"http://127.0.0.1:{port}"
    _start([shutil.which("prometheus"), f"--config.file={cfg}",
            f"--storage.tsdb.path={tmp}/tsdb",
            f"--web.listen-address=127.0.0.1:{port}",
            "--log.level=warn"], base, "prometheus",
           os.path.join(tmp, "prometheus.log"))
    return base


def start_pushgateway(tmp):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    _start([shutil.which("prometheus-pushgateway"),
            f"--web.listen-address=127.0.0.1:{port}",
            f"--persistence.file={tmp}/pushgateway.data",
            "--log.level=warn"], base, "prometheus-pushgateway",
           os.path.join(tmp, "pushgateway.log"))
    return base


def stop_all():
    for proc in _procs:
        if proc.poll() is None:
            proc.terminate()
    for proc in _procs:
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    _procs.clear()


def api(base, path, **params):
    """GET base/api/v1/path; returns (HTTP status, decoded JSON body)."""
    url = f"{base}/api/v1/{path}"
    if params:
        url += "?" + urllib.parse.urlencode(params)
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, json.load(r)
    except urllib.error.HTTPError as e:
        return e.code, json.load(e)


def query(base, expr):
    """An instant query's result list; raises on an API error."""
    status, body = api(base, "query", query=expr)
    if status != 200 or body.get("status") != "success":
        raise RuntimeError(f"{expr}: HTTP {status}: {body.get('error')}")
    return body["data"]["result"]
