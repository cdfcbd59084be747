"""The machinery the real-fault scenarios share.

A scenario makes a real fault (a full tmpfs, a network namespace with no
routes, a closed port, a loopback server with a bad certificate, a
ulimit, a memory cgroup), runs real tools in a small bash job script the
way a GitHub Actions runner runs a `run:` step, and captures what they
print, line by line with the time each line arrived.  The capture is then
written in two shapes: the job log Actions keeps (an ISO time stamp on
every line, `##[group]Run ...`, `##[error]Process completed with exit
code N.`) and the runner host's journal (`journalctl -o json`, made for
real by systemd-journal-remote from the same lines and read back with
`journalctl --file`).  Both go through logtriage; both must name the
expected category, remediation and runbook, with the cause on a line the
tool really wrote.  Then the job log is written again into a live pipe,
a line at a time with pauses, and the time from writing the first line of
the expected category to reading its match object is measured; it must
stay under the budget (1 s).

Everything a scenario starts is stopped in a `finally` (an ExitStack):
servers are terminated, cgroups removed, temporary directories deleted.
Mounts and network namespaces live in `unshare` namespaces of the job
itself, so they vanish with it even when the test is killed.

A scenario that needs what the machine does not give (not root, no
tmpfs mount, no memory cgroup, a missing tool) exits 77, which CTest
reports as skipped with the printed reason.
"""
import contextlib
import datetime
import json
import os
import re
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

SKIP = 77
BUDGET = 1.0          # seconds from the failure line to its verdict
RUNBOOK = {           # the category's runbook in the default rules
    "network_connectivity": "runbooks/network-connectivity.md",
    "authentication": "runbooks/authentication.md",
    "disk_space": "runbooks/disk-space.md",
    "memory_exhaustion": "runbooks/memory-exhaustion.md",
    "timeout": "runbooks/timeout.md",
    "runner_offline": "runbooks/runner-offline.md",
    "rate_limit": "runbooks/rate-limit.md",
    "tls_certificate": "runbooks/tls-certificate.md",
    "permission_denied": "runbooks/permission-denied.md",
    "resource_limit": "runbooks/resource-limit.md",
    "service_crash": "runbooks/service-crash.md",
}
JOURNAL_REMOTE = "/lib/systemd/systemd-journal-remote"
UNIT = "actions.runner.octo-org.runner-1.service"


class Skip(Exception):
    """The machine cannot make this fault; the reason says why."""


def need(cond, reason):
    if not cond:
        raise Skip(reason)


def need_tool(*names):
    for n in names:
        need(shutil.which(n) or os.path.exists(n),
             f"{n} is not installed")


def need_root():
    need(os.geteuid() == 0, "needs root")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, timeout=10.0, proc=None):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited early: {proc.args}")
        try:
            with socket.create_connection(("127.0.0.1", port), 0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port}")


def sh(cmd, **kw):
    """Run a setup command; its failure is an error of the test."""
    return subprocess.run(cmd, check=True, capture_output=True, **kw)


def die_with_parent():
    """In a server's child: get SIGTERM when the test dies, even by
    SIGKILL (a CTest timeout), so no server outlives its scenario."""
    try:
        import ctypes
        ctypes.CDLL(None).prctl(1, signal.SIGTERM)      # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class Ctx:
    """What a scenario's setup gets: a private directory, a cleanup
    stack, and helpers for the servers it starts."""

    def __init__(self, stack, tmp, root):
        self.stack = stack
        self.tmp = tmp
        self.root = root

    def path(self, *parts):
        return os.path.join(self.tmp, *parts)

    def write(self, name, text, mode=0o644):
        p = self.path(name)
        with open(p, "w") as f:
            f.write(text)
        os.chmod(p, mode)
        return p

    def popen(self, cmd, port=None, **kw):
        """A server process, stopped when the scenario ends."""
        kw.setdefault("stdout", subprocess.DEVNULL)
        kw.setdefault("stderr", subprocess.DEVNULL)
        p = subprocess.Popen(cmd, start_new_session=True,
                             preexec_fn=die_with_parent, **kw)

        def stop():
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
                try:
                    p.wait(5)
                except subprocess.TimeoutExpired:
                    os.killpg(p.pid, signal.SIGKILL)
                    p.wait()
        self.stack.callback(stop)
        if port is not None:
            wait_port(port, proc=p)
        return p

    def thread_server(self, server):
        """A socketserver on a thread, shut down when the scenario ends."""
        t = threading.Thread(target=server.serve_forever, daemon=True)
        t.start()

        def stop():
            server.shutdown()
            server.server_close()
        self.stack.callback(stop)
        return server.server_address[1]

    def compile(self, name, source, lang="c"):
        cc = "cc" if lang == "c" else "c++"
        need_tool(cc)
        src = self.write(f"{name}.{'c' if lang == 'c' else 'cc'}", source)
        out = self.path(name)
        sh([cc, "-O0", "-o", out, src])
        return out


class Job:
    """What a scenario runs: the step's name, its script, and how the
    script is started (a wrapper such as unshare, runuser)."""

    def __init__(self, name, script, wrap=(), env=None, kmsg=False,
                 timeout=60, journal_exit_code=False):
        self.name = name
        # the journal holds only what the tools wrote; when they wrote
        # nothing (timeout without --verbose), the exit status is the
        # only evidence, given as --exit-code by whoever ran the step
        self.journal_exit_code = journal_exit_code
        self.script = script
        self.wrap = list(wrap)
        self.env = env
        self.kmsg = kmsg
        self.timeout = timeout


def read_kmsg_from_end():
    """An fd on /dev/kmsg positioned at its end, or None."""
    try:
        fd = os.open("/dev/kmsg", os.O_RDONLY | os.O_NONBLOCK)
    except OSError:
        return None
    os.lseek(fd, 0, os.SEEK_END)
    return fd


def drain_kmsg(fd):
    """The kernel's lines since fd was opened: (time, text) pairs, with
    the wall time each record was read (the kernel gives only its own
    monotonic stamp)."""
    out = []
    while fd is not None:
        try:
            rec = os.read(fd, 8192)
        except BlockingIOError:
            break
        except OSError:
            continue        # EPIPE: records were overwritten
        head, _, msg = rec.partition(b";")
        msg = msg.split(b"\n")[0]
        out.append((time.time(), msg))
    if fd is not None:
        os.close(fd)
    return out


def run_job(ctx, job):
    """Run the job script as a runner does (bash -e, stdout and stderr
    into one pipe) and return ([(time, line bytes)], exit status)."""
    script = ctx.write("step.sh", job.script, 0o755)
    cmd = job.wrap + ["bash", "--noprofile", "--norc", "-eo", "pipefail",
                      script]
    env = dict(os.environ, LC_ALL="C.UTF-8", GIT_TERMINAL_PROMPT="0",
               HOME=ctx.path("home"))
    os.makedirs(env["HOME"], exist_ok=True)
    os.chmod(env["HOME"], 0o755)
    if job.env:
        env.update(job.env)
    kfd = read_kmsg_from_end() if job.kmsg else None
    lines = []
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, env=env, cwd=ctx.tmp,
                         start_new_session=True)
    end = time.monotonic() + job.timeout
    buf = b""
    try:
        while True:
            left = end - time.monotonic()
            if left <= 0:
                raise RuntimeError(f"job ran past {job.timeout} s")
            r, _, _ = select.select([p.stdout], [], [], left)
            if not r:
                continue
            chunk = os.read(p.stdout.fileno(), 65536)
            now = time.time()
            if not chunk:
                break
            buf += chunk
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                lines.append((now, line.rstrip(b"\r")))
        if buf:
            lines.append((time.time(), buf))
        rc = p.wait(max(1, end - time.monotonic()))
    finally:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
    kernel = drain_kmsg(kfd)
    return lines, rc, kernel


def iso(t):
    d = datetime.datetime.fromtimestamp(t, datetime.timezone.utc)
    return d.strftime("%Y-%m-%dT%H:%M:%S.") + f"{d.microsecond:06d}0Z"


def gha_log(job, t0, lines, rc):
    """The job log as Actions keeps it for this one step."""
    out = []
    script = job.script.strip("\n").split("\n")
    stamp = iso(t0).encode()
    out.append(stamp + b" ##[group]Run " + script[0].encode())
    for s in script:
        out.append(stamp + b" \x1b[36;1m" + s.encode() + b"\x1b[0m")
    out.append(stamp + b" shell: /usr/bin/bash --noprofile --norc -e -o "
               b"pipefail {0}")
    out.append(stamp + b" ##[endgroup]")
    last = t0
    for t, line in lines:
        out.append(iso(t).encode() + b" " + line)
        last = t
    if rc != 0:
        out.append(iso(last).encode() +
                   f" ##[error]Process completed with exit code {rc}."
                   .encode())
    return b"".join(x + b"\n" for x in out)


def export_entry(fields):
    """One entry in the journal export format; every value in the binary
    form (a little-endian 64-bit length, then the bytes), so any byte a
    tool wrote survives."""
    out = b""
    for k, v in fields:
        if isinstance(v, str):
            v = v.encode()
        if k.startswith("__"):
            out += k.encode() + b"=" + v + b"\n"
        else:
            out += k.encode() + b"\n" + struct.pack("<Q", len(v)) + v + b"\n"
    return out + b"\n"


def journal_json(ctx, lines, kernel=()):
    """The lines as the runner host's journal holds them: written as
    export format into systemd-journal-remote, read back with
    `journalctl --file FILE -o json`."""
    need(os.path.exists(JOURNAL_REMOTE),
         f"{JOURNAL_REMOTE} is missing (apt-get install "
         "systemd-journal-remote)")
    need_tool("journalctl")
    boot = "5c3d0c7a9e8b4f61a2d3e4f5a6b7c8d9"
    t_first = min([t for t, _ in lines] + [t for t, _ in kernel] +
                  [time.time()])
    entries = [(t, "runsvc.sh", UNIT, "6", l) for t, l in lines]
    entries += [(t, "kernel", None, "4", l) for t, l in kernel]
    entries.sort(key=lambda e: e[0])
    data = b""
    last = 0
    for t, ident, unit, prio, msg in entries:
        us = max(int(t * 1e6), last + 1)    # strictly increasing
        last = us
        f = [("__REALTIME_TIMESTAMP", str(us)),
             ("__MONOTONIC_TIMESTAMP", str(us - int(t_first * 1e6) + 1000)),
             ("_BOOT_ID", boot), ("_HOSTNAME", "runner-1"),
             ("PRIORITY", prio), ("SYSLOG_IDENTIFIER", ident)]
        if unit:
            f += [("_SYSTEMD_UNIT", unit), ("_PID", "4242"),
                  ("_TRANSPORT", "stdout")]
        else:
            f += [("_TRANSPORT", "kernel")]
        f.append(("MESSAGE", msg))
        data += export_entry(f)
    jdir = ctx.path("journal")
    os.makedirs(jdir, exist_ok=True)
    jfile = os.path.join(jdir, "runner.journal")
    p = subprocess.run([JOURNAL_REMOTE, f"--output={jfile}", "-"],
                       input=data, capture_output=True)
    if p.returncode != 0:
        raise RuntimeError(f"systemd-journal-remote: {p.stderr!r}")
    p = subprocess.run(["journalctl", "--file", jfile, "-o", "json",
                        "--no-pager"], capture_output=True, check=True)
    got = p.stdout
    n = got.count(b"\n")
    if n != len(entries):
        raise RuntimeError(f"journal has {n} entries, wrote {len(entries)}")
    return got


def classify(binary, data, args=()):
    p = subprocess.run([binary, *args, "-"], input=data, capture_output=True,
                       timeout=60)
    objs = [json.loads(l) for l in p.stdout.splitlines() if l.strip()]
    return p.returncode, objs, p.stderr.decode(errors="replace")


def live(binary, data, category, args=(), pause=0.02):
    """Write data into logtriage a line at a time with pauses, keeping the
    pipe open; return seconds from writing the first line whose match is
    of `category` to reading that match, and whether it came while the
    pipe was open."""
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    p = subprocess.Popen([binary, *args, "-"], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE)
    written = {}
    got = {}
    lock = threading.Lock()
    closed_at = [None]

    def reader():
        buf = b""
        while True:
            chunk = os.read(p.stdout.fileno(), 65536)
            now = time.monotonic()
            if not chunk:
                return
            buf += chunk
            while b"\n" in buf:
                l, buf = buf.split(b"\n", 1)
                o = json.loads(l)
                if o.get("type") == "match" and o["category"] == category \
                        and o["line"] > 0:      # not the --exit-code one
                    with lock:
                        got.setdefault(o["line"], now)
    t = threading.Thread(target=reader, daemon=True)
    t.start()
    # a live pipeline's logtriage is running before the failure comes:
    # let it load and compile its rules (20-40 ms here) first
    time.sleep(0.3)
    try:
        for i, l in enumerate(lines, 1):
            written[i] = time.monotonic()
            p.stdin.write(l + b"\n")
            p.stdin.flush()
            time.sleep(pause)
        # keep the pipe open until the match came (or surely will not)
        end = time.monotonic() + BUDGET + 0.5
        while time.monotonic() < end:
            with lock:
                if got:
                    break
            time.sleep(0.01)
        time.sleep(0.05)
        closed_at[0] = time.monotonic()
        p.stdin.close()
        t.join(30)
        p.wait(30)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    if not got:
        return None, False
    first = min(got)
    return got[first] - written[first], got[first] < closed_at[0]


class Expect:
    def __init__(self, category, evidence, remedy):
        self.category = category
        self.evidence = evidence     # regex: the cause line the tool wrote
        self.remedy = remedy         # regex: what the remediation must say


def check_clean(label, rc, objs, stderr, failures):
    """A fault the job recovered from: the verdict must be clean."""
    summ = [o for o in objs if o.get("type") == "summary"]
    if stderr.strip():
        failures.append(f"{label}: stderr: {stderr.strip()[:500]!r}")
    if not summ:
        failures.append(f"{label}: no summary (rc {rc})")
        return None
    s = summ[-1]
    if rc != 0 or s["verdict"] != "clean":
        c = s.get("cause") or {}
        failures.append(f"{label}: verdict {s['verdict']} (exit {rc}), "
                        f"cause {c.get('rule')} on {c.get('text')!r}; the "
                        "job recovered and succeeded")
    return s


def check_shape(label, rc, objs, stderr, exp, failures):
    summ = [o for o in objs if o.get("type") == "summary"]
    if not summ:
        failures.append(f"{label}: no summary (rc {rc}, stderr {stderr!r})")
        return None
    s = summ[-1]
    cause = s.get("cause") or {}
    found = cause.get("category", "clean")
    problems = []
    if stderr.strip():
        problems.append(f"stderr: {stderr.strip()[:500]!r}")
    if rc != 1 or s["verdict"] != "failure":
        problems.append(f"verdict {s['verdict']}, exit {rc}")
    if found != exp.category:
        problems.append(f"category {found}, want {exp.category}")
    if not re.search(exp.evidence, cause.get("text", "")):
        problems.append(f"cause line {cause.get('text')!r} is not "
                        f"/{exp.evidence}/")
    if not re.search(exp.remedy, cause.get("remediation", "") or ""):
        problems.append(f"remediation {cause.get('remediation')!r} is not "
                        f"/{exp.remedy}/")
    want_rb = RUNBOOK.get(exp.category)
    # the default rules' runbooks point at the installed pages
    got_rb = cause.get("runbook") or ""
    if want_rb is None or not (got_rb == want_rb or (
            got_rb.startswith("/") and got_rb.endswith("/" + want_rb))):
        problems.append(f"runbook {cause.get('runbook')!r}, want {want_rb!r}")
    for p in problems:
        failures.append(f"{label}: {p}")
    return s


def main(registry):
    """run.py BINARY NAME [--out DIR] [--show]"""
    import argparse
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("name")
    ap.add_argument("--out",
                    help="write NAME.result.json and the two logs here")
    ap.add_argument("--show", action="store_true",
                    help="print the captured job log")
    a = ap.parse_args()
    if a.name not in registry:
        print(f"unknown scenario {a.name}; known: {' '.join(registry)}")
        return 2
    setup, exp = registry[a.name]
    root = os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))))
    failures = []
    result = {"scenario": a.name, "want": exp.category}

    def on_term(signum, frame):
        raise SystemExit(f"signal {signum}")
    signal.signal(signal.SIGTERM, on_term)
    try:
        with contextlib.ExitStack() as stack:
            tmp = tempfile.mkdtemp(prefix=f"scen-{a.name}-")
            stack.callback(shutil.rmtree, tmp, True)
            os.chmod(tmp, 0o755)
            ctx = Ctx(stack, tmp, root)
            job = setup(ctx)
            t0 = time.time()
            lines, rc, kernel = run_job(ctx, job)
            gha = gha_log(job, t0, lines, rc)
            jrn = journal_json(ctx, lines, kernel)
    except Skip as e:
        print(f"SKIP: {a.name}: {e}")
        return SKIP
    if a.show:
        sys.stdout.buffer.write(gha)
    if a.out:
        os.makedirs(a.out, exist_ok=True)
        with open(os.path.join(a.out, f"{a.name}.gha.log"), "wb") as f:
            f.write(gha)
        with open(os.path.join(a.out, f"{a.name}.journal.jsonl"), "wb") as f:
            f.write(jrn)
    result["exit"] = rc
    clean = exp.category == "clean"
    if clean and rc != 0:
        failures.append(f"the job did not recover (exit {rc})")
    elif not clean and rc == 0:
        failures.append("the job succeeded: the fault did not happen")
    elif rc == 99:
        failures.append("the wrapper could not make the fault (exit 99)")
    cmd = [l for l in job.script.strip().split("\n")
           if not l.startswith("ulimit")]
    result["command"] = " ".join(job.wrap[:1] + cmd[:1]).replace(tmp, "$T")
    if len(result["command"]) > 70:
        result["command"] = result["command"][:67] + "..."
    result["limit"] = " ".join(l for l in job.script.split("\n")
                               if l.startswith("ulimit"))
    # the OOM killer's lines are the journal's evidence; where /dev/kmsg
    # cannot be read, the journal has only bash's "Killed" and, like a
    # step that printed nothing, gets the exit status the runner reports
    no_kernel = job.kmsg and not kernel
    if no_kernel:
        print("note: no kernel lines (is /dev/kmsg readable?); the journal "
              f"shape is classified with --exit-code {rc}")
    jargs = ["--exit-code", str(rc)] if job.journal_exit_code or no_kernel \
        else []
    for label, data, args in (("gha", gha, []), ("journal", jrn, jargs)):
        rc2, objs, err = classify(a.binary, data, args)
        if clean and not any(re.search(exp.evidence, l.decode(errors="replace"))
                             for _, l in lines):
            failures.append(f"no /{exp.evidence}/ in the output: the "
                            "fault did not happen")
        if clean:
            s = check_clean(label, rc2, objs, err, failures)
        else:
            s = check_shape(label, rc2, objs, err, exp, failures)
        if s is not None:
            c = s.get("cause") or {}
            result[label] = {"category": c.get("category", "clean"),
                             "rule": c.get("rule"), "text": c.get("text")}
        by_status = s is not None and (s.get("cause") or {}).get(
            "source") == "exit-code"
        if clean or by_status or not data.strip():
            # a clean log has no failure line to time; nor has a log whose
            # cause is the exit status (the tool wrote nothing that says
            # it, as timeout(1) without --verbose); nothing was written (the journal of a step that printed
            # nothing): the verdict can only come at the end of input
            result[label + "_latency"] = None
            continue
        lat, open_ = live(a.binary, data, exp.category, args)
        result[label + "_latency"] = lat
        if lat is None:
            failures.append(f"{label}: live: no {exp.category} match")
        elif not open_:
            failures.append(f"{label}: live: the match came only after the "
                            "input ended")
        elif lat > BUDGET:
            failures.append(f"{label}: live: {lat:.3f} s to the verdict, "
                            f"budget {BUDGET} s")
    if a.out:
        with open(os.path.join(a.out, f"{a.name}.result.json"), "w") as f:
            json.dump(result, f)
    if failures:
        print(f"FAIL: {a.name} (job exit {rc}); the job log:")
        sys.stdout.write(gha.decode(errors="replace"))
        for f in failures:
            print("FAIL:", f)
        return 1
    print(f"ok {a.name}: {exp.category} in both shapes")
    for label in ("gha", "journal"):
        lat = result[label + "_latency"]
        lat = "(no line to time)" if lat is None else \
            f"in {lat * 1000:.1f} ms"
        print(f"  {label}: {result[label]['rule'] or 'clean'} {lat}, cause "
              f"{result[label]['text']!r}")
    return 0
