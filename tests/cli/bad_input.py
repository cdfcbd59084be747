#!/usr/bin/env python3
"""Hostile and broken input: whatever arrives, the output is valid JSON,
the counts are right, what could not be read is named, and the exit
status says so.  Each case is independent; all are run, then reported."""
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import threading
import ltrun  # tests/cli/ltrun.py: LeakSanitizer tool faults

binary = sys.argv[1]
failures = []


def run(args, stdin=b""):
    p = ltrun.run([binary] + args, input=stdin,
                       timeout=300)
    objs = []
    for line in p.stdout.split(b"\n"):
        if line:
            objs.append(json.loads(line.decode("utf-8", "strict")))
    return p.returncode, objs, p.stderr.decode("utf-8", "replace")


def check(name, cond, detail=""):
    if not cond:
        failures.append(f"{name}: {detail}")


def summary(objs):
    return [o for o in objs if o["type"] == "summary"][-1]


tmp = tempfile.mkdtemp()

# binary garbage with NULs, ESCs, CRs and a real failure line in the middle
rnd = random.Random(1)
junk = bytes(rnd.randrange(256) for _ in range(200000))
data = junk + b"\nwrite: no space left on device\n" + junk
rc, objs, err = run([], data)
s = summary(objs)
check("binary", rc == 1 and s["cause"]["rule"] == "disk.no-space",
      f"rc={rc} cause={s['cause'] and s['cause']['rule']}")
check("binary lines", s["lines"] == data.count(b"\n") + 1, s["lines"])

# CRLF, no final newline, NUL inside a matching line
rc, objs, err = run([], b"a\r\nb\x00 no space left on device\r\nlast")
s = summary(objs)
check("crlf", s["lines"] == 3 and s["cause"]["line"] == 2 and
      s["cause"]["text"] == "b\u0000 no space left on device", s)

# an empty file and an empty stdin
empty = os.path.join(tmp, "empty.log")
open(empty, "wb").close()
rc, objs, err = run([empty])
check("empty file", rc == 0 and summary(objs)["lines"] == 0, (rc, err))

# a 100 MiB single line: matched on its first --max-line bytes, counted,
# and memory stays bounded (the line is never held whole)
big = os.path.join(tmp, "big.log")
with open(big, "wb") as f:
    f.write(b"error: no space left on device ")
    chunk = b"x" * (1 << 20)
    for _ in range(100):
        f.write(chunk)
    f.write(b"\nafter the long line\n")
p = ltrun.run([binary, "--summary-only", big],
                   timeout=300)
s = json.loads(p.stdout)
# the cut may fall inside a secret: the cut line's last word is hidden
check("100 MiB line", p.returncode == 1 and s["truncated_lines"] == 1 and
      s["lines"] == 2 and s["cause"]["text"] ==
      "error: no space left on device [REDACTED]",
      (p.returncode, p.stderr[:200]))
p = ltrun.run([binary, "--summary-only", "--no-redact", big], timeout=300)
s = json.loads(p.stdout)
check("100 MiB line, --no-redact: cut at --max-line",
      len(s["cause"]["text"]) == 1 << 20, (p.returncode, p.stderr[:200]))
# peak memory of any child so far: far below the 100 MiB the line holds
maxrss_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
check("100 MiB line memory", maxrss_mib < 80, f"{maxrss_mib:.0f} MiB")

# a directory, a missing file, and a file whose read fails
good = os.path.join(tmp, "good.log")
with open(good, "wb") as f:
    f.write(b"fatal: could not resolve host: github.com\n")
rc, objs, err = run([tmp, "/nonexistent/x.log", "/proc/self/mem", good])
s = summary(objs)
check("unreadable rc", rc == 3, rc)
check("unreadable counted", s["unreadable_inputs"] == 3, s)
check("unreadable names", f"{tmp}: error: is a directory" in err and
      "/nonexistent/x.log: error: cannot open" in err and
      "/proc/self/mem: error: read error" in err, err)
check("others still read", s["cause"] is not None and
      s["cause"]["source"] == good, s["cause"])

# a FIFO named as a file: read as a stream until the writer closes it
fifo = os.path.join(tmp, "fifo")
os.mkfifo(fifo)


def writer():
    with open(fifo, "wb") as f:
        f.write(b"one\nwrite: no space left on device\n")


t = threading.Thread(target=writer)
t.start()
rc, objs, err = run([fifo])
t.join()
check("fifo", rc == 1 and summary(objs)["lines"] == 2, (rc, err))

# a full disk on standard output: reported, and the status says so
with open("/dev/full", "wb") as full:
    p = subprocess.run([binary, good], stdout=full, stderr=subprocess.PIPE,
                       timeout=60)
check("/dev/full", p.returncode == 3 and
      b"write to standard output: No space left on device" in p.stderr,
      (p.returncode, p.stderr))

for f in failures:
    print("FAIL", f)
print(f"bad input: {len(failures)} failures")
sys.exit(1 if failures else 0)
