#!/usr/bin/env python3
"""The live pipeline's writer dies mid-line: no line lost, none invented.

`journalctl -f -o json | logtriage` (or `tail -f job.log | logtriage`)
loses its writer when the runner host reboots or the unit is stopped;
the writer is then killed wherever it was, often in the middle of a
line.  Here a real writer process (a child writing to a pipe into
logtriage) writes failure lines, some slowly and some in one burst that
is still in the pipe when it dies, then half a line, and is killed with
SIGKILL.  logtriage must then report every complete line exactly once,
in order, with the text that was written (the slow ones while the pipe
is still open), count the half line as a line without classifying it,
and end with its summary.

Two shapes: a plain job log, and real `journalctl -o json` output (made
with systemd-journal-remote; skipped without it), cut inside a JSON
object.  usage: cut_writer.py LOGTRIAGE
"""
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import scen  # noqa: E402

binary = sys.argv[1]
SLOW, BURST = 5, 300
failures = []

WRITER = r"""
import os, sys, time
data = open(sys.argv[1], "rb").read().split(b"\n")
slow, burst = int(sys.argv[2]), int(sys.argv[3])
cut = sys.argv[4].encode()
out = sys.stdout.buffer
for l in data[:slow]:
    out.write(l + b"\n"); out.flush(); time.sleep(0.2)
out.write(b"".join(l + b"\n" for l in data[slow:slow + burst]))
half = data[slow + burst]
out.write(half[:half.index(cut)]); out.flush()
sys.stderr.write("cut\n"); sys.stderr.flush()
time.sleep(60)
"""


def run(label, lines, cut, texts, args=()):
    """lines: the bytes of each line; the last one is written only up to
    the bytes `cut`.  texts: what logtriage must report as each complete
    line's text."""
    with tempfile.NamedTemporaryFile(delete=False) as f:
        f.write(b"\n".join(lines))
        path = f.name
    lt = subprocess.Popen([binary, *args, "-"], stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE)
    w = subprocess.Popen([sys.executable, "-c", WRITER, path, str(SLOW),
                          str(BURST), cut], stdout=lt.stdin,
                         stderr=subprocess.PIPE)
    lt.stdin.close()        # the writer holds the only write end
    got_at = []             # (time read, object): read all along, so
    #                         logtriage never blocks on a full stdout

    def reader():
        buf = b""
        while True:
            chunk = os.read(lt.stdout.fileno(), 65536)
            if not chunk:
                break
            buf += chunk
            while b"\n" in buf:
                l, buf = buf.split(b"\n", 1)
                got_at.append((time.monotonic(), json.loads(l)))
        if buf:
            got_at.append((time.monotonic(), {"type": "unterminated"}))
    t = threading.Thread(target=reader, daemon=True)
    t.start()
    try:
        if w.stderr.readline() != b"cut\n":
            failures.append(f"{label}: the writer did not get to the cut")
        if w.poll() is not None:
            failures.append(f"{label}: the writer ended before the kill")
        killed = time.monotonic()
        w.send_signal(signal.SIGKILL)
        w.wait()
        lt.wait(30)
        t.join(30)
    finally:
        for p in (w, lt):
            if p.poll() is None:
                p.kill()
                p.wait()
        os.unlink(path)
    live = [o for at, o in got_at[:SLOW] if at < killed]
    objs = [o for _, o in got_at]
    if len(live) < SLOW:
        failures.append(f"{label}: {len(live)} matches while the writer "
                        f"was alive, want {SLOW}")
    if w.returncode != -signal.SIGKILL:
        failures.append(f"{label}: writer ended with {w.returncode}")
    matches = [o for o in objs if o["type"] == "match"]
    summ = [o for o in objs if o["type"] == "summary"]
    got = [(m["line"], m["text"]) for m in matches]
    want = list(enumerate(texts, 1))
    if got != want:
        lost = sorted(set(want) - set(got))[:3]
        extra = sorted(set(got) - set(want))[:3]
        failures.append(f"{label}: {len(got)} matches, want {len(want)}; "
                        f"lost {lost}, invented {extra}")
    if len(summ) != 1:
        failures.append(f"{label}: {len(summ)} summaries")
    else:
        s = summ[0]
        if s["lines"] != len(texts) + 1:
            failures.append(f"{label}: summary counts {s['lines']} lines, "
                            f"{len(texts)} whole and one half were written")
        if s["matches"] != len(texts):
            failures.append(f"{label}: summary counts {s['matches']} "
                            f"matches, want {len(texts)}")
    if lt.returncode != 1:
        failures.append(f"{label}: logtriage exit {lt.returncode}, want 1")
    print(f"{label}: {len(matches)} of {len(texts)} lines matched, "
          f"{len(live)} while the writer lived; half line counted: "
          f"{bool(summ) and summ[0]['lines'] == len(texts) + 1}")


n = SLOW + BURST
texts = [f"write /srv/cache/blob{i}: no space left on device"
         for i in range(1, n + 2)]
stamp = "2026-01-05T10:00:00.0000000Z "
gha = [(stamp + t).encode() for t in texts]
run("job log", gha, "no spa", texts[:n])

try:
    with contextlib.ExitStack() as stack:
        tmp = tempfile.mkdtemp()
        stack.callback(shutil.rmtree, tmp, True)
        ctx = scen.Ctx(stack, tmp, None)
        t0 = time.time()
        jrn = scen.journal_json(ctx, [(t0 + i / 1000, t.encode())
                                      for i, t in enumerate(texts)])
    jl = jrn.rstrip(b"\n").split(b"\n")
    # cut the last object inside its MESSAGE, before the failure words
    # are complete ("no spa" is in no other field)
    run("journal", jl, "no spa", texts[:n])
except scen.Skip as e:
    print(f"journal: skipped: {e}")

for f in failures:
    print("FAIL:", f)
sys.exit(1 if failures else 0)
