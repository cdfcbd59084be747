#!/usr/bin/env python3
"""Live output on a pipe (journalctl -f | logtriage -o github / -o text):
each decided match is written as it is decided, not at the end.

A writer puts lines into logtriage's standard input with pauses between
them and keeps the pipe open; each annotation (or text line) must come
within 1 s of the line that caused it, while the pipe is still open.
The output is then read as the Actions runner reads it: no line of the
log may become a workflow command, the live annotations and those at the
end are the only commands, and when log text is echoed beside them
(-o json, -o text) every line of it is inside a ::stop-commands:: fence,
lifted only around our own annotations, with a fresh token each time.
For text, a match of a rule with cleared_by follows --hold as the JSON
output does: a "pending" line after the hold, a "resolved" line when a
later line clears it.

usage: live.py LOGTRIAGE SOURCE_ROOT
"""
import os
import re
import select
import subprocess
import sys
import time
import ltrun  # tests/cli/ltrun.py: LeakSanitizer tool faults

binary, root = sys.argv[1], sys.argv[2]
basic = ["--no-defaults", "-r", os.path.join(root, "tests/cli/rules/basic.rules")]
evidence = ["--no-defaults", "-r",
            os.path.join(root, "tests/cli/rules/evidence.rules")]
env = dict(os.environ, LC_ALL="C")
env.pop("GITHUB_ACTIONS", None)
env.pop("GITHUB_STEP_SUMMARY", None)
LIMIT = 1.0         # seconds from a line to its output
PAUSE = 1.5         # between lines: each must be answered on its own
failures = []


class Live:
    """logtriage reading a pipe we write into; its output as it comes."""

    def __init__(self, args):
        self.p = subprocess.Popen([binary] + args, stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, env=env)
        self.out = b""

    def read_until(self, pattern, deadline, start=0):
        """Read until a complete line after byte start matches pattern;
        the seconds it took, or None when deadline passed first."""
        t0 = time.monotonic()
        rx = re.compile(pattern, re.M)
        while True:
            done = self.out[start:]
            done = done[:done.rfind(b"\n") + 1]
            if rx.search(done.decode("utf-8", "replace")):
                return time.monotonic() - t0
            left = t0 + deadline - time.monotonic()
            if left <= 0:
                return None
            r, _, _ = select.select([self.p.stdout], [], [], left)
            if not r:
                return None
            chunk = os.read(self.p.stdout.fileno(), 1 << 16)
            if not chunk:
                return None
            self.out += chunk

    def line(self, text, pattern, what, limit=LIMIT):
        """Write one line; its output must match pattern within limit."""
        mark = len(self.out)
        self.p.stdin.write(text)
        self.p.stdin.flush()
        took = self.read_until(pattern, limit, mark)
        if took is None:
            failures.append(f"{what}: nothing matching {pattern!r} within "
                            f"{limit} s of its line; output after it "
                            f"{self.out[mark:][-300:]!r}")
        elif self.p.poll() is not None:
            failures.append(f"{what}: logtriage ended before its input did")
        else:
            print(f"ok {what}: {took * 1000:.0f} ms after its line")

    def quiet(self, pattern, seconds, what):
        """Nothing matching pattern may come within seconds."""
        if self.read_until(pattern, seconds, len(self.out)) is not None:
            failures.append(f"{what}: {pattern!r} came too early")

    def close(self):
        self.p.stdin.close()
        self.out += self.p.stdout.read()
        return self.p.wait(timeout=60), self.out.decode("utf-8", "replace")


def commands(text):
    """The lines the runner reads as commands (as tests/cli/gh_commands.py
    reads them, in short: '::' after white space, or '##[...]')."""
    cmds = []
    for ln in re.split(r"\r\n|\r|\n", text):
        t = ln.lstrip(" \t\u00a0")
        if (t.startswith("::") and t.find("::", 2) >= 0) or \
                re.search(r"##\[.*\]", ln):
            cmds.append(ln)
    return cmds


OWN = re.compile(r"::(stop-commands::[0-9a-f]{32}|[0-9a-f]{32}::|"
                 r"(error|warning|notice) title=(Root cause|Also found|Found|"
                 r"Pending \(may still clear\)|Cleared)%3A [^:]*::.*)")
ANNOT = re.compile(r"::(error|warning|notice) title=([^:]*)::")

HOSTILE = (b"::set-output name=leak::x no space left on device\n",
           b"  ::add-mask::y connection refused ##[set-env name=z;]1\n")


def check_runner_view(name, text, echoed):
    """Only our commands; with echoed log text, every other line fenced."""
    for c in commands(text):
        if not OWN.fullmatch(c):
            failures.append(f"{name}: the runner reads a command in {c!r}")
    fence, tokens = None, []
    for ln in text.split("\n")[:-1]:
        m = re.fullmatch(r"::stop-commands::([0-9a-f]{32})", ln)
        if m:
            if fence is not None:
                failures.append(f"{name}: fence opened twice")
            fence = m.group(1)
            tokens.append(fence)
        elif fence is not None and ln == f"::{fence}::":
            fence = None
        elif ANNOT.match(ln):
            if fence is not None:
                failures.append(f"{name}: an annotation inside the fence "
                                f"(the runner would ignore it): {ln[:80]!r}")
        elif echoed and fence is None:
            failures.append(f"{name}: log text outside the fence: {ln!r}")
    if fence is not None:
        failures.append(f"{name}: the fence is left open")
    if len(tokens) != len(set(tokens)):
        failures.append(f"{name}: a fence token was used twice")
    if echoed and not tokens:
        failures.append(f"{name}: no fence although log text is echoed")
    if not echoed and tokens:
        failures.append(f"{name}: a fence with nothing to fence")


# 1. -o github alone, and beside -o json and -o text: one annotation per
# rule as its first match comes; hostile lines stay text
for fmt, echoed in ((["-o", "github"], False),
                    (["-o", "json", "-o", "github"], True),
                    (["-o", "text", "-o", "github", "--color", "never"], True)):
    name = " ".join(fmt)
    lv = Live(basic + fmt)
    lv.line(b"starting the job\nwrite /srv/x: no space left on device\n",
            r"^::error title=Found%3A disk \(t\.disk", f"{name}: disk")
    time.sleep(PAUSE)
    lv.line(b"curl: (7) connection refused\n",
            r"^::error title=Found%3A net \(t\.refused", f"{name}: refused")
    time.sleep(PAUSE)
    # the same rules again: decided (and echoed), not annotated again
    lv.p.stdin.write(HOSTILE[0] + HOSTILE[1])
    lv.p.stdin.flush()
    if echoed:
        lv.read_until(r"add-mask", LIMIT)
    rc, text = lv.close()
    if rc != 1:
        failures.append(f"{name}: exit {rc}, want 1")
    found = re.findall(r"^::\w+ title=Found%3A (\w+) ", text, re.M)
    if found != ["disk", "net"]:
        failures.append(f"{name}: live annotations {found}, want one for "
                        "each rule's first match")
    if not re.search(r"^::error title=Root cause%3A disk \(t\.disk", text,
                     re.M) or text.rstrip("\n").split("\n")[-1].find(
                         "title=Also found%3A net") < 0:
        failures.append(f"{name}: the cause and runner-up at the end "
                        f"missing: {text[-400:]!r}")
    check_runner_view(name, text, echoed)
    if echoed and "leak" not in text:
        failures.append(f"{name}: the hostile line was not echoed")

# 2. a file is not live: the annotations come at the end only
log = os.path.join(os.environ.get("TMPDIR", "/tmp"),
                   f"live-{os.getpid()}.log")
with open(log, "wb") as f:
    f.write(b"write /srv/x: no space left on device\n" + HOSTILE[0])
p = ltrun.run([binary] + basic + ["-o", "json", "-o", "github", log], env=env, timeout=60)
os.remove(log)
text = p.stdout.decode()
if "title=Found" in text or text.count("::stop-commands::") != 1:
    failures.append(f"file: live annotations from a file: {text[:300]!r}")
check_runner_view("file", text, True)

# 3. text and github follow --hold for a rule with cleared_by: pending
# after the hold, the pipe still open; resolved when a line clears it
for fmt in (["-o", "text", "--color", "never"], ["-o", "github"],
            ["-o", "text", "-o", "github", "--color", "never"]):
    name = " ".join(fmt) + " --hold 300ms"
    lv = Live(evidence + fmt + ["--hold", "300ms"])
    retry = (b"WARNING: Retrying (Retry(total=4, connect=None)) after "
             b"connection broken\n")
    if "text" in fmt:
        pend = r"^-:1: pending high network_connectivity \(t\.pip-retry\)"
    else:
        pend = (r"^::error title=Pending \(may still clear\)%3A "
                r"network_connectivity \(t\.pip-retry")
    # the hold is 0.3 s: the pending line within 1 s after it
    mark = len(lv.out)
    lv.p.stdin.write(retry)
    lv.p.stdin.flush()
    t0 = time.monotonic()
    if lv.read_until(r"pending|Pending", 0.2, mark) is not None:
        failures.append(f"{name}: pending before the hold was over")
    took = lv.read_until(pend, LIMIT + 0.3, mark)
    took = time.monotonic() - t0 if took is not None else None
    if took is None or took < 0.3 or took > LIMIT + 0.3:
        failures.append(f"{name}: pending after {took} s, want between "
                        f"the hold (0.3 s) and {LIMIT} s after it")
    else:
        print(f"ok {name}: pending {took * 1000:.0f} ms after its line")
    if "text" in fmt:
        clear = (r"^-:1: resolved high network_connectivity \(t\.pip-retry\)"
                 r".*\(cleared by line 2\)$")
    else:
        clear = r"^::notice title=Cleared%3A network_connectivity"
    lv.line(b"Successfully installed foo-1.0\n", clear, f"{name}: resolved")
    rc, text = lv.close()
    if rc != 0:
        failures.append(f"{name}: exit {rc}, want 0 (the retry cleared)")
    check_runner_view(name, text, "text" in fmt and "github" in fmt)

for f in failures:
    print("FAIL", f)
print(f"live: {len(failures)} failures")
sys.exit(1 if failures else 0)
