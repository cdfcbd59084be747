#!/usr/bin/env python3
"""SIGINT and SIGTERM stop the reading; logtriage prints the summary of
what it read and exits 128 + the signal (130, 143).  SIGPIPE from a
reader that left (| head -1) ends it quietly."""
import array
import fcntl
import json
import signal
import subprocess
import sys
import termios
import time

binary = sys.argv[1]
for sig, want in ((signal.SIGINT, 130), (signal.SIGTERM, 143)):
    p = subprocess.Popen([binary, "--summary-only"], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    p.stdin.write(b"connection refused\nwrite: no space left on device\n")
    p.stdin.flush()
    # --summary-only prints nothing until the end, so wait until the pipe
    # is drained (logtriage has read both lines) before signalling
    deadline = time.time() + 30
    pending = array.array("i", [1])
    while pending[0] > 0 and time.time() < deadline:
        time.sleep(0.05)
        fcntl.ioctl(p.stdin.fileno(), termios.FIONREAD, pending)
    time.sleep(0.2)
    p.send_signal(sig)
    out, err = p.communicate(timeout=30)
    lines = out.decode().strip().split("\n")
    s = json.loads(lines[-1])
    assert s["type"] == "summary", s
    assert s["lines"] == 2 and s["matches"] == 2, s
    assert s["cause"]["rule"] == "disk.no-space", s
    assert p.returncode == want, (sig, p.returncode, err)
    print(f"ok signal {sig.name} -> {want}")

# a reader that leaves early: no error message, no hang
big = b"write: no space left on device\n" * 200000
p = subprocess.run(f"'{binary}' | head -1", shell=True, input=big,
                   capture_output=True, timeout=60)
assert p.stdout.count(b"\n") == 1, p.stdout[:200]
assert p.stderr == b"", p.stderr
print("ok sigpipe")
