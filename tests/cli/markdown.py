#!/usr/bin/env python3
"""-o markdown: the Markdown report on standard output, rendered with
cmark-gfm (Debian's cmark-gfm, with GitHub's extensions: table, autolink,
tagfilter, strikethrough) and the HTML checked.

A log holding backticks (a fence of its own), <script>, a Markdown link to
javascript:, workflow commands and secrets must come out as text: no raw
HTML (cmark-gfm's "raw HTML omitted"), exactly one <pre> (the evidence
block holds whatever backticks the log has), every href one the report
built (the runbook under --runbook-base), the hostile lines inside the
<pre> as text, the secrets redacted.  A file name with Markdown and HTML
in it stays text too.  A report over a GitHub issue's 65536 characters is
cut with its fence closed.  And the output on standard output is safe to
let the Actions runner read: no line is a workflow command.
Usage: markdown.py LOGTRIAGE SOURCE_ROOT
"""
import html
import os
import re
import shutil
import subprocess
import sys
import tempfile
import ltrun  # tests/cli/ltrun.py: LeakSanitizer tool faults

binary, root = sys.argv[1], sys.argv[2]
failures = []
cmark = shutil.which("cmark-gfm")
if cmark is None:
    print("FAIL: cmark-gfm is not installed (apt-get install cmark-gfm)")
    sys.exit(1)


def render(md):
    p = subprocess.run([cmark, "--extension", "table", "--extension",
                        "autolink", "--extension", "tagfilter",
                        "--extension", "strikethrough"],
                       input=md.encode(), capture_output=True, timeout=60)
    if p.returncode != 0:
        failures.append(f"cmark-gfm failed: {p.stderr!r}")
    return p.stdout.decode()


def text_of(h):
    return html.unescape(re.sub(r"<[^>]+>", "", h))


GHP = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"
AWS = "AKIAIOSFODNN7EXAMPLE"
HOSTILE = [
    "```",
    "````` fence of five",
    "<script>alert(1)</script> [x](javascript:alert(1)) ![i](http://evil.example/i.png)",
    "::error title=pwned::owned ##[set-output name=x;]y",
    f"git push https://x-access-token:{GHP}@github.com/o/r",
    f"ERROR: no space left on device (aws_access_key_id={AWS}) `x` ``y``",
    "<img src=x onerror=alert(1)> www.evil.example | a | b |",
    "done",
]
tmp = tempfile.mkdtemp()
odd = os.path.join(tmp, "a`b<img src=x onerror=alert(2)>|[l](javascript:x)_*.log")
with open(odd, "w") as f:
    f.write("\n".join(HOSTILE) + "\n")
env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
env["LC_ALL"] = "C"
base = "https://wiki.example/ops_team/"
p = ltrun.run([binary, "-o", "markdown", "-C", "5", "--runbook-base", base,
               odd], env=env, timeout=60)
md = p.stdout.decode("utf-8")
if p.returncode != 1:
    failures.append(f"rc={p.returncode} (want 1) stderr={p.stderr!r}")
if GHP in md or AWS in md or "[REDACTED]" not in md:
    failures.append("a secret survived in the Markdown (or nothing redacted)")
out = render(md)
if "raw HTML omitted" in out or "<script" in out or "<img" in out:
    failures.append(f"raw HTML from the log reached the HTML: {out!r}")
if out.count("<pre>") != 1:
    failures.append(f"{out.count('<pre>')} <pre> blocks, want 1: {out!r}")
hrefs = re.findall(r'href="([^"]*)"', out)
if hrefs != [base + "runbooks/disk-space.md"]:
    failures.append(f"links: {hrefs!r}")
if re.search(r'src="', out):
    failures.append("an image from the log")
pre = re.search(r"<pre><code[^>]*>(.*?)</code></pre>", out, re.S)
body = html.unescape(pre.group(1)) if pre else ""
for i, line in enumerate(HOSTILE, 1):
    shown = line.replace(GHP, "[REDACTED]").replace(AWS, "[REDACTED]")
    shown = shown.replace("##[", "##\\x5b")
    if i == 5:  # the redactor takes the whole credential of a URL
        shown = "git push https://[REDACTED]"
    mark = ">" if i == 6 else " "
    if f"{mark}{i:4d}  {shown}" not in body.split("\n"):
        failures.append(f"evidence line {i} not in the block as text: "
                        f"{shown!r} in {body!r}")
# the file name: text in code, whatever it holds
name = os.path.basename(odd)
if name not in text_of(out):
    failures.append(f"the file name is not shown as text: {text_of(out)!r}")
# no line of standard output is a workflow command for the runner
for ln in md.split("\n"):
    s = ln.lstrip(" \t\u00a0")
    if s.startswith("::") or re.search(r"##\[", ln):
        failures.append(f"a line the runner would run: {ln!r}")

# the same report as the step summary (one renderer, one document)
summ = os.path.join(tmp, "summary.md")
ltrun.run([binary, "-q", "-C", "5", "--runbook-base", base,
           "--step-summary", summ, odd], env=env, timeout=60)
if open(summ, encoding="utf-8").read() != md:
    failures.append("-o markdown and --step-summary differ")

# in Actions: a link to the job's log, built from checked variables only
gh = dict(env, GITHUB_ACTIONS="true", GITHUB_SERVER_URL="https://github.com",
          GITHUB_REPOSITORY="acme/webapp", GITHUB_RUN_ID="12754880412",
          GITHUB_RUN_ATTEMPT="2")
job = "https://github.com/acme/webapp/actions/runs/12754880412/job/35549130927"
for extra, want in (
        ({}, ["https://github.com/acme/webapp/actions/runs/12754880412/"
              "attempts/2"]),
        ({"LOGTRIAGE_JOB_ID": "35549130927"}, [job]),
        ({"LOGTRIAGE_JOB_URL": job}, [job]),
        ({"LOGTRIAGE_JOB_URL": "https://evil.example/x/job/1"},
         ["https://github.com/acme/webapp/actions/runs/12754880412/"
          "attempts/2"]),
        ({"GITHUB_SERVER_URL": "https://github.com)[x](javascript:a"}, []),
        ({"GITHUB_REPOSITORY": "acme/web app"}, []),
        ({"GITHUB_RUN_ID": "12<b>"}, [])):
    p = ltrun.run([binary, "-o", "markdown", "--runbook-base", base, odd],
                  env=dict(gh, **extra), timeout=60)
    out = render(p.stdout.decode())
    hrefs = re.findall(r'href="([^"]*)"', out)
    if hrefs != want + [base + "runbooks/disk-space.md"]:
        failures.append(f"job link with {extra}: {hrefs!r}")
    if want and ("Open the job log" if "/job/" in want[0] else
                 "Open the run") not in out:
        failures.append(f"job link with {extra}: its words")

# too long for an issue: cut under 65536 bytes, the fence closed
big = os.path.join(tmp, "big.log")
with open(big, "w") as f:
    for i in range(60):
        f.write(("```` " + "x" * 5000) + "\n")
    f.write("no space left on device\n")
    for i in range(60):
        f.write(("y" * 5000) + "\n")
p = ltrun.run([binary, "-o", "markdown", "-C", "50", big], env=env,
              timeout=60)
md = p.stdout.decode("utf-8")
if len(md.encode()) > 65536 or "(cut: the report reached its size limit)" \
        not in md:
    failures.append(f"big report: {len(md.encode())} bytes, cut note "
                    f"{'cut:' in md}")
out = render(md)
if out.count("<pre>") != 1 or "size limit" not in text_of(out).split(
        "</pre>")[-1]:
    failures.append("the cut report's fence is not closed before the note")

# a step summary that cannot be written: said, and exit 3 (the man page)
p = ltrun.run([binary, "-q", "--step-summary", "/dev/full", odd], env=env,
              timeout=60)
if p.returncode != 3 or b"/dev/full: error: write" not in p.stderr:
    failures.append(f"/dev/full: rc={p.returncode} {p.stderr!r}")

# a clean log: says so, exit 0
clean = os.path.join(root, "tests/cli/data/clean.log")
p = ltrun.run([binary, "-o", "markdown", clean], env=env, timeout=60)
out = render(p.stdout.decode())
if p.returncode != 0 or "No failure" not in out:
    failures.append(f"clean: rc={p.returncode} {out!r}")

# the cause is the step's exit status (--exit-code): no line to show
p = ltrun.run([binary, "-o", "markdown", "--exit-code", "137", clean],
              env=env, timeout=60)
out = render(p.stdout.decode())
if p.returncode != 1 or "From the step's exit status, 137" not in out or \
        "<pre>" in out or "line 0" in out or "exit-code:0" in out:
    failures.append(f"--exit-code 137: rc={p.returncode} {out!r}")
p = ltrun.run([binary, "-o", "text", "--summary-only", "--exit-code", "137",
               clean], env=env, timeout=60)
if "\n  log   the step's exit status, 137 (--exit-code)\n" not in \
        p.stdout.decode() or "> 0" in p.stdout.decode():
    failures.append(f"--exit-code 137, text: {p.stdout!r}")

# with JSON too: both, JSON first, the report after it
p = ltrun.run([binary, "-o", "json", "-o", "markdown", "--summary-only",
               clean], env=env, timeout=60)
lines = p.stdout.decode().split("\n")
if not lines[0].startswith('{"type":"summary"') or \
        "## No failure found" not in p.stdout.decode():
    failures.append(f"json + markdown: {p.stdout[:200]!r}")

for f in failures:
    print("FAIL", f)
print(f"markdown: {len(failures)} failures")
sys.exit(1 if failures else 0)
