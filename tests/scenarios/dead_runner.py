#!/usr/bin/env python3
"""The dead-runner recipe (docs/dead-runner.md), end to end with real parts.

When the runner itself dies (the OOM killer takes its job, the host runs
out of disk, the listener loses the network), no `if: failure()` step of
that job can run: the diagnosis has to come from somewhere else, by
reading the dead runner's journal.  The recipe's SSH route is:

    ssh runner-1 journalctl _SYSTEMD_UNIT=actions.runner.ORG.NAME.service \
        + _TRANSPORT=kernel --since -1h -o json --no-pager |
        logtriage --summary-only

This test does exactly that on this machine: a real fault is made by a
scenario's own setup (the memory cgroup whose OOM killer kills the job,
where the machine allows it; a connection refused otherwise) and the job's
lines become a real journal file (systemd-journal-remote); Debian's sshd
listens on a loopback port with a key of the test's; `ssh` runs
`journalctl --file ...` with the recipe's arguments on "the runner" and
its output is piped into logtriage, as a watcher job on another runner
would.  The
verdict must name the scenario's category, the cause must be a line the
tool wrote (or the kernel), and the exit status must be 1.  Both forms
of the recipe are run: the runner's unit with the kernel's lines (the OOM
killer's evidence is a kernel line, which `-u` alone would drop), and the
whole host's last hour.

Exit 0 pass, 1 fail, 77 skipped (not root, no sshd or journal tools).
Usage: dead_runner.py LOGTRIAGE
"""
import contextlib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import scen  # noqa: E402
from scenarios import REGISTRY, SSH_OPTS, sshd  # noqa: E402

# the fault, in order of preference: the first the machine can make
FAULTS = ("mem.oom-cgroup", "refused.curl")


def run(binary):
    root = os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))))
    failures = []
    with contextlib.ExitStack() as stack:
        tmp = tempfile.mkdtemp(prefix="scen-dead-runner-")
        stack.callback(shutil.rmtree, tmp, True)
        os.chmod(tmp, 0o755)
        ctx = scen.Ctx(stack, tmp, root)
        port, _ = sshd(ctx)          # skips unless root with sshd
        scen.need_tool("journalctl")
        job = exp = name = None
        for name in FAULTS:
            setup, exp = REGISTRY[name]
            try:
                job = setup(ctx)
                break
            except scen.Skip as e:
                print(f"note: {name} cannot run here ({e}); next fault")
        if job is None:
            raise scen.Skip("no fault of " + ", ".join(FAULTS) + " can run")
        lines, rc, kernel = scen.run_job(ctx, job)
        if rc == 0:
            return [f"{name}: the job succeeded: the fault did not happen"]
        if job.kmsg and not kernel:
            # without the kernel's lines the journal holds only bash's
            # "Killed"; the recipe then has nothing better than a guess
            raise scen.Skip("/dev/kmsg cannot be read: the OOM kill leaves "
                            "no kernel line in the journal")
        scen.journal_json(ctx, lines, kernel)
        jfile = ctx.path("journal", "runner.journal")
        key = ctx.path("authorized")     # the key sshd accepts
        ssh = (f"ssh {SSH_OPTS} -i {shlex.quote(key)} -p {port} "
               "root@127.0.0.1")
        unit = scen.UNIT
        for label, remote in (
                # the runner's unit and the kernel (the OOM killer, I/O
                # errors), as docs/dead-runner.md writes it
                ("unit + kernel", f"journalctl --file {shlex.quote(jfile)} "
                 f"_SYSTEMD_UNIT={unit} + _TRANSPORT=kernel --since -1h "
                 "-o json --no-pager"),
                # the whole host's last hour
                ("whole host", f"journalctl --file {shlex.quote(jfile)} "
                 "--since -1h -o json --no-pager")):
            pipe = (f"{ssh} {shlex.quote(remote)} | "
                    f"{shlex.quote(binary)} --summary-only")
            p = subprocess.run(["bash", "-o", "pipefail", "-c", pipe],
                               capture_output=True, timeout=60)
            out = p.stdout.decode(errors="replace")
            err = p.stderr.decode(errors="replace")
            try:
                s = json.loads(out.strip().split("\n")[-1])
            except (ValueError, IndexError):
                failures.append(f"{label}: no summary (exit {p.returncode}, "
                                f"stderr {err.strip()[:300]!r})")
                continue
            c = s.get("cause") or {}
            if p.returncode != 1 or s.get("verdict") != "failure":
                failures.append(f"{label}: verdict {s.get('verdict')}, exit "
                                f"{p.returncode}, stderr {err.strip()!r}")
            if c.get("category") != exp.category:
                failures.append(f"{label}: category {c.get('category')}, "
                                f"want {exp.category}")
            if not re.search(exp.evidence, c.get("text", "")):
                failures.append(f"{label}: cause {c.get('text')!r} is not "
                                f"/{exp.evidence}/")
            if s.get("lines", 0) < 1:
                failures.append(f"{label}: no line came through ssh: {s}")
            if not failures:
                print(f"ok dead-runner ({name}) {label}: {c.get('category')} "
                      f"by {c.get('rule')} on {c.get('text')!r}")
    return failures


def main():
    if len(sys.argv) != 2:
        print(__doc__.strip().split("\n")[-1])
        return 2
    try:
        failures = run(sys.argv[1])
    except scen.Skip as e:
        print(f"SKIP: dead-runner: {e}")
        return scen.SKIP
    for f in failures:
        print("FAIL:", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
