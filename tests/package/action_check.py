#!/usr/bin/env python3
"""The composite GitHub Action (action.yml), run as the runner would.

Checks the file's shape (composite, a shell on every step, every
${{ inputs.X }} declared, no expression inside a `run:` script: inputs
reach the scripts only through `env`, so a log name cannot inject shell),
then runs its steps' scripts with bash, the built logtriage first in PATH
and the Actions environment faked (GITHUB_ACTIONS, GITHUB_STEP_SUMMARY,
GITHUB_OUTPUT in a scratch directory):
- the install step sees logtriage installed and does nothing else;
- the triage step on the example log with exit-code 1 writes text, an
  ::error annotation and a step summary whose runbook link is under the
  action's repository at its ref, sets the outputs (verdict, category,
  rule, exit-status) and succeeds; with fail: true it fails;
- a glob in `logs` is expanded; empty `logs` is an error;
- a `logs` value holding shell syntax is a file name, never run.
(The install step's build, cpack and apt-get install are what
tests/package/deb_check.py runs.)

usage: action_check.py LOGTRIAGE SRCDIR
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

SKIP = 77
failures = []


def check(ok, msg):
    if not ok:
        failures.append(msg)


def expand(value, ctx):
    """Substitute ${{ a.b }} expressions from ctx (missing: empty)."""
    return re.sub(r"\$\{\{\s*([\w.-]+)\s*\}\}",
                  lambda m: str(ctx.get(m.group(1), "")), str(value))


def main():
    binary, src = os.path.abspath(sys.argv[1]), sys.argv[2]
    try:
        import yaml
    except ImportError:
        print("SKIP: python3-yaml is not installed")
        return SKIP
    with open(os.path.join(src, "action.yml"), encoding="utf-8") as f:
        action = yaml.safe_load(f)
    inputs = action.get("inputs", {})
    runs = action.get("runs", {})
    check(runs.get("using") == "composite", "not a composite action")
    steps = runs.get("steps", [])
    check(len(steps) == 2, f"{len(steps)} steps")
    with open(os.path.join(src, "action.yml"), encoding="utf-8") as f:
        text = f.read()
    for name in re.findall(r"\$\{\{\s*inputs\.([\w-]+)", text):
        check(name in inputs, f"input {name} is used but not declared")
    for s in steps:
        check(s.get("shell") == "bash", f"step {s.get('name')} has no "
              "shell: bash")
        check("${{" not in s.get("run", ""), f"step {s.get('name')}: an "
              "expression inside run: (pass it through env)")
    for k, v in action.get("outputs", {}).items():
        check("steps.triage.outputs." in v.get("value", ""),
              f"output {k} is not the triage step's")

    bindir = os.path.dirname(binary)
    example = os.path.abspath(os.path.join(src, "fixtures", "example",
                                           "deploy-failed.log"))
    with tempfile.TemporaryDirectory() as tmp:
        def run_step(step, given):
            ctx = {"inputs." + k: v.get("default", "")
                   for k, v in inputs.items()}
            ctx.update({"inputs." + k: v for k, v in given.items()})
            ctx.update({"github.action_path": os.path.abspath(src),
                        "github.server_url": "https://github.com",
                        "github.action_repository": "acme/logtriage",
                        "github.action_ref": "v1"})
            summary = os.path.join(tmp, "summary.md")
            output = os.path.join(tmp, "output")
            for p in (summary, output):
                open(p, "w").close()
            env = {k: v for k, v in os.environ.items()
                   if not k.startswith(("LOGTRIAGE_", "GITHUB_"))}
            env.update(PATH=bindir + os.pathsep + env.get("PATH", ""),
                       GITHUB_ACTIONS="true", GITHUB_STEP_SUMMARY=summary,
                       GITHUB_OUTPUT=output, RUNNER_TEMP=tmp, LC_ALL="C",
                       LOGTRIAGE_SYSCONFDIR=os.path.join(tmp, "etc"),
                       XDG_CONFIG_HOME=os.path.join(tmp, "xdg"))
            for k, v in step.get("env", {}).items():
                env[k] = expand(v, ctx)
            # as the runner runs a `shell: bash` step
            script = os.path.join(tmp, "step.sh")
            with open(script, "w") as f:
                f.write(step["run"])
            p = subprocess.run(["bash", "--noprofile", "--norc", "-eo",
                                "pipefail", script], env=env,
                               capture_output=True, text=True, cwd=tmp,
                               timeout=120)
            outs = {}
            with open(output) as f:
                for ln in f:
                    k, _, v = ln.rstrip("\n").partition("=")
                    outs[k] = v
            with open(summary) as f:
                return p, outs, f.read()

        install, triage = steps[0], steps[1]
        p, _, _ = run_step(install, {})
        check(p.returncode == 0 and "installed already" in p.stdout and
              "apt-get" not in p.stderr,
              f"install step with logtriage on PATH: {p.returncode}\n"
              f"{p.stdout}{p.stderr}")

        p, outs, md = run_step(triage, {"logs": example, "exit-code": "1"})
        check(p.returncode == 0, f"triage step exited {p.returncode}:\n"
              f"{p.stdout}{p.stderr}")
        check(outs.get("verdict") == "failure" and
              outs.get("category") == "disk_space" and
              outs.get("rule") == "disk.no-space" and
              outs.get("exit-status") == "1", f"outputs {outs}")
        check("::error " in p.stdout and "disk_space" in p.stdout,
              f"no annotation:\n{p.stdout}")
        link = ("https://github.com/acme/logtriage/blob/v1/runbooks/"
                "disk-space.md")
        check(link in md, f"step summary lacks {link}:\n{md[:2000]}")
        check(link in p.stdout, "text output lacks the runbook link")

        p, outs, _ = run_step(triage, {"logs": example, "fail": "true"})
        check(p.returncode == 1, f"fail: true exited {p.returncode}")
        p, outs, _ = run_step(triage, {"logs": example, "runbook-base":
                                       "https://wiki.example/ops/"})
        check("https://wiki.example/ops/runbooks/disk-space.md" in p.stdout,
              "runbook-base input not used")

        logs = os.path.join(tmp, "logs")
        os.makedirs(logs)
        shutil.copy(example, os.path.join(logs, "a.log"))
        with open(os.path.join(logs, "b.log"), "w") as f:
            f.write("all fine\n")
        p, outs, _ = run_step(triage, {"logs": logs + "/*.log\n"})
        check(p.returncode == 0 and outs.get("category") == "disk_space",
              f"glob logs: {p.returncode} {outs}\n{p.stderr}")

        p, _, _ = run_step(triage, {"logs": " \n"})
        check(p.returncode == 2 and "names no file" in p.stdout,
              f"empty logs: {p.returncode} {p.stdout}")

        pwned = os.path.join(tmp, "pwned")
        p, outs, _ = run_step(triage, {"logs": f"$(touch {pwned})",
                                       "args": f"`touch {pwned}`"})
        check(not os.path.exists(pwned), "a logs value was run as shell")
        check(p.returncode in (2, 3), f"shell-looking input: exit "
              f"{p.returncode}")

    for f in failures:
        print("FAIL:", f)
    print(f"action.yml: {len(steps)} steps, {len(inputs)} inputs; "
          f"{len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
