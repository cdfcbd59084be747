#!/usr/bin/env python3
"""Evidence over time in a live pipe: a match of a rule with cleared_by
is written as "pending" once it has waited --hold, while the pipe is
still open (a runner that never reconnects must not wait for the end of
a `journalctl -f` that never comes); a later clearing line writes it as
"resolved"; matches that complete a count come out at once; and the
summary at the end counts only what was decided.  The deadlines are
generous bounds against a hung build, not speed assertions; the hold
itself is checked from below (nothing pending before it has passed)."""
import json
import os
import select
import subprocess
import sys
import time
import ltrun  # tests/cli/ltrun.py: LeakSanitizer tool faults

binary, root = sys.argv[1], sys.argv[2]
rules = os.path.join(root, "tests/cli/rules/evidence.rules")


def start(*args):
    return subprocess.Popen([binary, "--no-defaults", "-r", rules] +
                            list(args), stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE)


def objects(p, want, deadline):
    """Read JSON lines until want objects came or deadline seconds pass."""
    got, buf, end = [], b"", time.monotonic() + deadline
    while len(got) < want:
        left = end - time.monotonic()
        if left <= 0:
            break
        r, _, _ = select.select([p.stdout], [], [], left)
        if not r:
            break
        chunk = os.read(p.stdout.fileno(), 65536)
        if not chunk:
            break
        buf += chunk
        *lines, buf = buf.split(b"\n")
        got += [json.loads(x) for x in lines if x]
    return got


def fail(msg):
    print("FAIL " + msg)
    sys.exit(1)


# 1. a retry, then silence: pending after the hold, the pipe still open
p = start("--hold", "400ms")
t0 = time.monotonic()
p.stdin.write(b"WARNING: Retrying (Retry(total=4, connect=None)) after "
              b"connection broken\n")
p.stdin.flush()
early = objects(p, 1, 0.2)
if early:
    fail(f"something came before the hold was over: {early}")
got = objects(p, 1, 20)
waited = time.monotonic() - t0
if not got or got[0]["type"] != "pending" or got[0]["line"] != 1:
    fail(f"no pending object while the pipe was open: {got}")
if waited < 0.4:
    fail(f"pending after {waited:.2f} s, before the 0.4 s hold")
if p.poll() is not None:
    fail("logtriage ended before its input did")
print(f"ok pending after the hold ({waited:.2f} s), pipe open")

# ... then the install succeeds: resolved, at once
p.stdin.write(b"Successfully installed foo-1.0\n")
p.stdin.flush()
got = objects(p, 1, 20)
if not got or got[0]["type"] != "resolved" or \
        got[0]["cleared_by"]["line"] != 2:
    fail(f"no resolved object after the clearing line: {got}")
p.stdin.close()
rest = objects(p, 1, 20)
rc = p.wait()
if not rest or rest[-1]["type"] != "summary" or \
        rest[-1]["verdict"] != "clean" or rest[-1]["resolved"] != 1 or \
        rc != 0:
    fail(f"summary after a resolved retry: {rest}, exit {rc}")
print("ok resolved when cleared, clean at the end")

# 2. pending, never cleared: the end of input decides it as evidence
p = start("--hold", "200ms")
p.stdin.write(b"WARNING: Retrying (Retry(total=4, connect=None)) after "
              b"connection broken\n")
p.stdin.flush()
got = objects(p, 1, 20)
if not got or got[0]["type"] != "pending":
    fail(f"no pending object: {got}")
p.stdin.close()
rest = objects(p, 2, 20)
rc = p.wait()
types = [o["type"] for o in rest]
if types != ["match", "summary"] or rest[1]["verdict"] != "failure" or \
        rest[1]["cause"]["line"] != 1 or rc != 1:
    fail(f"at the end a pending retry is the cause: {rest}, exit {rc}")
print("ok a pending match not cleared is evidence at the end")

# 3. --hold 0: nothing is written before it is decided
p = start("--hold", "0")
p.stdin.write(b"WARNING: Retrying (Retry(total=4, connect=None)) after "
              b"connection broken\n")
p.stdin.flush()
if objects(p, 1, 1.0):
    fail("--hold 0 wrote a pending object")
p.stdin.close()
p.stdout.read()
p.wait()
print("ok --hold 0 never writes pending")

# 4. a count completes: pending after the hold (its rule can still be
# cleared), with the count; the runner listens again: resolved
p = start("--input", "gha", "--hold", "300ms")
for i in range(3):
    p.stdin.write(b"2025-03-01T10:0%d:00.0000000Z Runner connect error: "
                  b"timed out\n" % i)
p.stdin.flush()
got = objects(p, 1, 20)
if not got or got[0]["type"] != "pending" or got[0]["line"] != 3 or \
        got[0]["evidence"] != {"count": 3, "first_line": 1}:
    fail(f"the third connect error within 5m is not pending: {got}")
p.stdin.write(b"2025-03-01T10:03:00.0000000Z Listening for Jobs\n")
p.stdin.flush()
got = objects(p, 1, 20)
if not got or got[0]["type"] != "resolved" or got[0]["line"] != 3:
    fail(f"the runner listened again, but: {got}")
p.stdin.close()
p.stdout.read()
p.wait()
print("ok a completed count waits as pending, then clears")

# a bad duration is a usage error
r = ltrun.run([binary, "--hold", "5 parsecs"],
                   input=b"")
if r.returncode != 2 or b"--hold" not in r.stderr:
    fail(f"--hold '5 parsecs': exit {r.returncode}, {r.stderr!r}")
print("ok --hold refuses a bad duration")

# a regular file is not live: it ends on its own, so its pending matches
# wait for its end, however long reading it takes (--hold 1ms, 400,000
# lines after the retry); the same bytes through a pipe do get a pending
# object, which shows the hold did pass while the file was read
import tempfile
with tempfile.NamedTemporaryFile("wb", suffix=".log", delete=False) as f:
    f.write(b"WARNING: Retrying (Retry(total=4, connect=None)) after "
            b"connection broken by 'ProtocolError'\n")
    for i in range(400000):
        f.write(b"step %d compiling module %d of the build\n" % (i, i))
    big = f.name
try:
    r = ltrun.run([binary, "--no-defaults", "-r", rules, "--hold", "1ms",
                        big])
    kinds = [json.loads(l)["type"] for l in r.stdout.splitlines()]
    if "pending" in kinds or kinds.count("match") != 1:
        fail(f"a regular file wrote {kinds} (exit {r.returncode})")
    with open(big, "rb") as f:
        r = ltrun.run([binary, "--no-defaults", "-r", rules, "--hold",
                            "1ms"], input=f.read())
    kinds = [json.loads(l)["type"] for l in r.stdout.splitlines()]
    if "pending" not in kinds:
        fail(f"the same bytes in a pipe wrote no pending object: {kinds}")
finally:
    os.unlink(big)
print("ok a regular file's pending matches wait for its end")
