#!/usr/bin/env python3
"""No log-derived text can act as a GitHub Actions workflow command.

The runner's recognition rules, as its source has them (actions/runner:
src/Runner.Sdk/ProcessInvoker.cs, src/Runner.Worker/Handlers/
OutputManager.cs, src/Runner.Common/ActionCommand.cs,
src/Runner.Worker/ActionCommandManager.cs), modelled by runner_lines()
and command() below:
- stdout and stderr of a step are both read, each with
  StreamReader.ReadLine: a line ends at LF, CR or CR LF;
- a line is a command in the current form when, after TrimStart() (all
  of .NET's white space: \\t\\n\\v\\f\\r, space, U+0085, U+00A0, U+1680,
  U+2000..U+200A, U+2028, U+2029, U+202F, U+205F, U+3000), it starts
  with "::" and holds another "::" after it; the name runs to the first
  space;
- otherwise it is a legacy command when "##[" occurs anywhere in it and a
  "]" follows; the name is what lies between, up to a space;
- the name must be registered (stop-commands, set-output, add-mask, ...,
  compared case-insensitively; while stopped, only the stop token).  The
  model is stricter: any name counts;
- the "::" and "##[" searches are .NET culture-sensitive string
  comparisons (no StringComparison.Ordinal), which under ICU skip
  ignorable code points (controls, soft hyphen, zero-width characters):
  the model removes those before looking.
Every output mode, with GITHUB_ACTIONS=true, on the ordinary way out and
when the reader leaves (| head) or a signal ends the run, and the
diagnostics of a Loki error answer: no line may be a command except
logtriage's own fence and annotations, and the fence must end closed.
Usage: gh_commands.py LOGTRIAGE SOURCE_ROOT
"""
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unicodedata
import ltrun  # tests/cli/ltrun.py: LeakSanitizer tool faults

binary, root = sys.argv[1], sys.argv[2]
sys.path.insert(0, os.path.join(root, "tests", "fakes"))
from fake_loki import FakeLoki  # noqa: E402

failures = []
WS = "\t\n\v\f\r \x85\xa0\u1680" + "".join(
    chr(c) for c in range(0x2000, 0x200b)) + "\u2028\u2029\u202f\u205f\u3000"
IGNORABLE_RANGES = [(0x00, 0x08), (0x0e, 0x1f), (0x7f, 0x9f), (0xad, 0xad),
                    (0x34f, 0x34f), (0x61c, 0x61c), (0x115f, 0x1160),
                    (0x17b4, 0x17b5), (0x180b, 0x180f), (0x200b, 0x200f),
                    (0x202a, 0x202e), (0x2060, 0x206f), (0x3164, 0x3164),
                    (0xfe00, 0xfe0f), (0xfeff, 0xfeff), (0xffa0, 0xffa0),
                    (0xfff0, 0xfff8), (0x1bca0, 0x1bca3), (0x1d173, 0x1d17a),
                    (0xe0000, 0xe0fff)]


def transparent(ch):
    c = ord(ch)
    if unicodedata.category(ch) == "Cf":
        return True
    return any(a <= c <= b for a, b in IGNORABLE_RANGES)


def runner_lines(data):
    text = data.decode("utf-8", "replace")
    return re.split(r"\r\n|\r|\n", text)


def command(line):
    """The command the runner could read in line: (form, name) or None."""
    s = "".join(ch for ch in line if not transparent(ch))
    t = s.lstrip(WS)
    if t.startswith("::") and t.find("::", 2) >= 0:
        return ("v2", t[2:t.find("::", 2)].split(" ")[0])
    i = s.find("##[")
    if i >= 0 and s.find("]", i) >= 0:
        return ("legacy", s[i + 3:s.find("]", i)].split(" ")[0])
    return None


OWN = re.compile(r"::(stop-commands::[0-9a-f]{32}|[0-9a-f]{32}::|"
                 r"(error|warning|notice) title=(Root cause|Also found|Found|"
                 r"Pending \(may still clear\)|Cleared)%3A "
                 r"[^:]*::.*)")


def check_stream(name, data, fence_must_close=True):
    """No foreign command in data; our fence, if opened, is closed."""
    stopped = None
    for ln in runner_lines(data):
        cmd = command(ln)
        if cmd is None:
            continue
        if not OWN.fullmatch(ln):
            failures.append(f"{name}: the runner reads {cmd} in {ln!r}")
            continue
        m = re.fullmatch(r"::stop-commands::([0-9a-f]{32})", ln)
        if m:
            stopped = m.group(1)
        elif stopped is not None and ln == f"::{stopped}::":
            stopped = None
    if fence_must_close and stopped is not None:
        failures.append(f"{name}: the stop-commands fence is left open")
    return stopped


# log lines that match default rules and carry commands in every shape
HOSTILE = [
    "error: no space left on device ##[set-output name=result;]pwned",
    "connection refused ##[stop-commands]x",
    "::error title=Fake::forged no space left on device",
    "  ::add-mask::x no space left on device",
    "\u00a0::warning::nbsp no space left on device",
    "\t::warning::tab no space left on device",
    "no space left on device\r::warning::cr",
    "no space left on device #\u00ad#[set-output name=shy;]x",
    "no space left on device ##\u200b[set-output name=zw;]x",
    "no space left on device \u202e::error::bidi",
    "no space left on device ##\x1b[31m[set-env name=x;]y",
    "no space left on device %0A::error::pct%0D::warning::x",
    "no space left on device \x85::error::nel",
    "connection refused\f::error::ff",
    "##[error]Process completed with exit code 1.",
]
data = ("\n".join(HOSTILE) + "\n").encode()
tmp = tempfile.mkdtemp()
log = os.path.join(tmp, "job.log")
open(log, "wb").write(data)
# a file name is text from outside too (a directory of artifacts)
odd = os.path.join(tmp, "::error title=f::name ##[set-output name=f;]x.log")
open(odd, "wb").write(b"no space left on device\n")
env = dict(os.environ, GITHUB_ACTIONS="true", LC_ALL="C")
env.pop("GITHUB_STEP_SUMMARY", None)

MODES = [[], ["-o", "text"], ["-o", "github"], ["-o", "text", "-o", "github"],
         ["-o", "github", "-o", "json"], ["--summary-only"],
         ["--summary-only", "-o", "text"], ["-o", "prometheus"],
         ["-C", "2", "-o", "text"], ["-C", "2"], ["--github", "-o", "text"],
         ["-A", "1", "-o", "text", "-o", "github", "--color", "always"],
         ["-o", "markdown"], ["-C", "3", "-o", "markdown", "-o", "github"],
         ["-o", "slack"], ["-C", "3", "-o", "slack", "-o", "text"]]
for mode in MODES:
    for operands in ([log], [os.path.basename(odd)]):
        p = ltrun.run([binary] + mode + operands,
                           env=env, cwd=tmp, timeout=60)
        name = " ".join(mode + [os.path.basename(o) for o in operands])
        if p.returncode != 1 or len(p.stdout) < 100:
            failures.append(f"{name}: rc {p.returncode}, "
                            f"{len(p.stdout)} bytes of output")
        check_stream(f"{name}: stdout", p.stdout)
        check_stream(f"{name}: stderr", p.stderr)

# the escapes change nothing a JSON reader sees
p = ltrun.run([binary, log], env=env, timeout=60)
texts = [json.loads(ln)["text"] for ln in p.stdout.decode().splitlines()
         if ln.startswith('{"type":"match"')]
for want in (HOSTILE[0], HOSTILE[7], HOSTILE[8], HOSTILE[9]):
    if want not in texts:
        failures.append(f"JSON: {want!r} not among the texts read back")

# the reader leaves after three lines (| head -3): the fence that was
# opened is closed where the runner still reads, on standard error
big = data * 3000
p = subprocess.Popen([binary, "-o", "text", "-o", "github", "-"],
                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                     stderr=subprocess.PIPE, env=env)


def feed(pipe, blob):
    try:
        pipe.write(blob)
        pipe.close()
    except BrokenPipeError:
        pass


feeder = threading.Thread(target=feed, args=(p.stdin, big))
feeder.start()
head = b"".join(p.stdout.readline() for _ in range(3))
p.stdout.close()
err = p.stderr.read()
feeder.join()
rc = p.wait(timeout=60)
if rc < 0:
    failures.append(f"| head -3: killed by signal {-rc}")
if not head.startswith(b"::stop-commands::"):
    failures.append(f"| head -3: no fence first: {head[:60]!r}")
check_stream("| head -3 (head's output, then stderr)", head + err)

# a signal ends the run: the summary closes the fence
p = subprocess.Popen([binary, "-o", "text", "-o", "github"],
                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                     stderr=subprocess.PIPE, env=env)
p.stdin.write(data)
p.stdin.flush()
# the first bytes out (the fence) mean the signal handlers are in place,
# however slowly a sanitizer build starts; read from the descriptor, not
# through a buffer that communicate() would not see
first = os.read(p.stdout.fileno(), 1 << 16)
p.send_signal(signal.SIGTERM)
out, err = p.communicate(timeout=60)
out = first + out
if p.returncode != 143:
    failures.append(f"SIGTERM: exit {p.returncode}")
check_stream("SIGTERM: stdout", out)
check_stream("SIGTERM: stdout + stderr", out + err)

# Loki's error text goes to stderr: one line, no command, no escapes
srv = FakeLoki()
srv.start()
srv.faults = [("status", 400, "parse error\n::error title=Fake::forged\r"
               "::add-mask::x\x1b]0;pwned\x07 ##[set-output name=l;]x "
               "\u202e\x9b31m", {})]
p = ltrun.run([binary, "--loki", srv.url, "-q", '{job="ci"}',
                    "--since", "1h", "-o", "github"],
                   env=env, timeout=60)
srv.stop()
check_stream("loki error: stderr", p.stderr)
if p.returncode != 3 or b"parse error" not in p.stderr:
    failures.append(f"loki error: rc {p.returncode} {p.stderr!r}")
for bad in (b"\x1b", b"\x07", b"\r", "\u202e".encode(), b"\xc2\x9b"):
    if bad in p.stderr:
        failures.append(f"loki error: raw {bad!r} on stderr: {p.stderr!r}")
if any(not ln.startswith(b"logtriage: ") for ln in p.stderr.splitlines()):
    failures.append(f"loki error: a line not from logtriage: {p.stderr!r}")

for f in failures:
    print("FAIL", f)
print(f"gh_commands: {len(failures)} failures")
sys.exit(1 if failures else 0)
