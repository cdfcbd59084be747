#!/usr/bin/env python3
"""A line written into a live pipe gets its match object before the
input ends: logtriage must not wait for end of input (or for a full
buffer) to report.  The pipe stays open while we wait; the generous
deadline only keeps a broken build from hanging the suite, it is not a
speed assertion."""
import json
import os
import select
import subprocess
import sys

binary = sys.argv[1]
p = subprocess.Popen([binary], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
p.stdin.write(b"starting job\n")
p.stdin.write(b"write /srv/x: no space left on device\n")
p.stdin.flush()
r, _, _ = select.select([p.stdout], [], [], 30)
if not r:
    p.kill()
    print("FAIL: no output while the pipe was still open")
    sys.exit(1)
line = os.read(p.stdout.fileno(), 65536).split(b"\n")[0]
obj = json.loads(line)
assert obj["type"] == "match" and obj["line"] == 2, obj
assert p.poll() is None, "logtriage ended before its input did"
p.stdin.close()
rest = p.stdout.read()
rc = p.wait()
summary = json.loads(rest.strip().split(b"\n")[-1])
assert summary["type"] == "summary" and summary["lines"] == 2, summary
assert rc == 1, rc
print("ok stream")

# with -A 1 a match waits for the line after it, then comes out at once
p = subprocess.Popen([binary, "-A", "1"], stdin=subprocess.PIPE,
                     stdout=subprocess.PIPE)
p.stdin.write(b"write /srv/x: no space left on device\n")
p.stdin.flush()
r, _, _ = select.select([p.stdout], [], [], 0.5)
assert not r, "the match came out before its after-context line"
p.stdin.write(b"next line\n")
p.stdin.flush()
r, _, _ = select.select([p.stdout], [], [], 30)
assert r, "no output after the after-context line arrived"
obj = json.loads(os.read(p.stdout.fileno(), 65536).split(b"\n")[0])
assert obj["after"] == [{"line": 2, "text": "next line"}], obj
assert p.poll() is None
p.stdin.close()
p.stdout.read()
p.wait()
print("ok stream -A")
