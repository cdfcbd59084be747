#!/usr/bin/env python3
"""GitHub Actions output: annotations are well-formed workflow commands
with their values escaped, log text can never act as a command, --github
adds annotations and the step summary only inside Actions, and the step
summary is Markdown whose code fences hold."""
import os
import re
import subprocess
import sys
import tempfile
import ltrun  # tests/cli/ltrun.py: LeakSanitizer tool faults

binary, root = sys.argv[1], sys.argv[2]
failures = []
rules = ["--no-defaults", "-r", os.path.join(root, "tests/cli/rules/basic.rules")]
hostile = (
    b"::set-output name=leak::gotcha\n"
    b"  ::add-mask::hunter2\n"
    b"::stop-commands::guess\n"
    b"::error title=fake::no space left on device, 50%, a:b\r\n"
    b"write: no space left on device ::set-env name=X::1 %0A::warning::x\n"
    b"connection refused\n"
)
env = dict(os.environ)
env.pop("GITHUB_ACTIONS", None)
# from a file: annotations at the end only (a pipe is live: see live.py)
hostile_file = tempfile.NamedTemporaryFile(suffix=".log")
hostile_file.write(hostile)
hostile_file.flush()
out = ltrun.run([binary] + rules + ["-o", "github", "-o", "text",
                                         "--color", "never"],
                     stdin=open(hostile_file.name, "rb"), env=env).stdout
lines = out.decode().split("\n")[:-1]
m = re.fullmatch(r"::stop-commands::([0-9a-f]{32})", lines[0])
if not m:
    failures.append(f"first line is not a stop-commands fence: {lines[0]!r}")
else:
    token = m.group(1)
    try:
        end = lines.index(f"::{token}::")
    except ValueError:
        end = None
        failures.append("the fence is never lifted")
    if end is not None:
        if "guess" in token:
            failures.append("token guessed")
        for ln in lines[end + 1:]:
            # after the fence: only our annotations
            am = re.fullmatch(r"::(error|warning|notice) title=([^:]*)::(.*)",
                              ln)
            if not am:
                failures.append(f"not an annotation: {ln!r}")
                continue
            title, msg = am.group(2), am.group(3)
            if "," in title or ":" in title or "\r" in ln:
                failures.append(f"unescaped property or CR: {ln!r}")
        annotations = lines[end + 1:]
        if len(annotations) != 2:
            failures.append(f"{len(annotations)} annotations, expected 2 "
                            "(t.disk, the cause, and t.refused)")
        if not annotations or not annotations[0].startswith(
                "::error title=Root cause%3A disk (t.disk%2C high confidence)::"):
            failures.append(f"cause annotation: {annotations[:1]!r}")
        # the % and the CR of the log are escaped, the text is kept
        if not any("50%25, a:b" in a for a in annotations):
            failures.append("the message lost or mis-escaped % / , / :")
# -o github alone echoes nothing: no fence needed
out = ltrun.run([binary] + rules + ["-o", "github"], input=hostile, env=env).stdout.decode()
if "stop-commands" in out or not out.startswith("::error "):
    failures.append(f"-o github alone: {out[:80]!r}")
# --github outside Actions adds nothing; inside, annotations + summary
tmp = tempfile.mkdtemp()
summary = os.path.join(tmp, "summary.md")
open(summary, "w").write("earlier step\n")
out = ltrun.run([binary] + rules + ["--github", "--summary-only"],
                     input=hostile, env=env).stdout
if any(ln.startswith(b"::") for ln in out.split(b"\n")) or \
        os.path.getsize(summary) != len("earlier step\n"):
    failures.append("--github acted outside GitHub Actions")
env_gh = dict(env, GITHUB_ACTIONS="true", GITHUB_STEP_SUMMARY=summary)
p = ltrun.run([binary] + rules + ["--github", "--summary-only",
                                       "--runbook-base",
                                       "https://wiki.example/ops/"],
                   input=hostile, env=env_gh)
md = open(summary, encoding="utf-8").read()
if p.returncode != 1 or b"::error title=Root cause" not in p.stdout:
    failures.append(f"--github in Actions: rc={p.returncode} {p.stdout[:200]!r}")
if not md.startswith("earlier step\n## Failed: "):
    failures.append(f"step summary not appended: {md[:120]!r}")
if "(<https://wiki.example/ops/runbooks/disk.md>)" not in md:
    failures.append("runbook link not joined to --runbook-base")
if md.count("```") % 2 != 0:
    failures.append("unbalanced code fences in the step summary")
# one spelling: in Actions, -o github writes the step summary too, unless
# --no-step-summary
open(summary, "w").write("")
ltrun.run([binary] + rules + ["-o", "github"], input=hostile, env=env_gh)
if not open(summary, encoding="utf-8").read().startswith("## Failed: "):
    failures.append("-o github in Actions wrote no step summary")
open(summary, "w").write("")
ltrun.run([binary] + rules + ["-o", "github", "--no-step-summary"],
          input=hostile, env=env_gh)
if os.path.getsize(summary) != 0:
    failures.append("--no-step-summary still wrote the step summary")
# a fence inside the log cannot close the evidence block (whose lines
# start with the gutter of line numbers, the cause's marked '>')
p = ltrun.run([binary] + rules + ["--step-summary", summary, "-q"],
                   input=b"```\n``` no space left on device ````\n")
md = open(summary, encoding="utf-8").read().split("## Failed")[-1]
blk = re.search(r"^(`{3,})text\n(.*?)\n^\1$", md, re.M | re.S)
if not blk or len(blk.group(1)) <= 4 or \
        blk.group(2) != ">   2  ``` no space left on device ````":
    failures.append(f"evidence fence does not hold: {md!r}")
for f in failures:
    print("FAIL", f)
print(f"github: {len(failures)} failures")
sys.exit(1 if failures else 0)
