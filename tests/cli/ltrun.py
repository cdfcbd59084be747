"""Run logtriage from a test script: the one place that knows about
LeakSanitizer's own faults.

Under ASan, LeakSanitizer stops every thread with ptrace at exit; now and
then its tracer itself dies ("Tracer caught signal 11 ... LeakSanitizer
has encountered a fatal error", seen once in 24 Loki runs under load).
One such fault was ours and every time: unloading libcurl before exit
left glibc's thread-local bookkeeping of its libraries pointing at
unmapped memory (src/util/curl_dl.c no longer unloads it).  The rest say
nothing about logtriage, so such a run is repeated (twice at most; a
fault that comes every time still fails); a leak it does find ("detected
memory leaks") is still returned as it is and fails the test."""
import subprocess

LSAN_FAULT = "LeakSanitizer has encountered a fatal error"


def run(cmd, **kw):
    """subprocess.run(cmd, capture_output=True, **kw), repeated after a
    LeakSanitizer tool fault."""
    for _ in range(3):
        p = subprocess.run(cmd, capture_output=True, **kw)
        err = p.stderr if isinstance(p.stderr, str) else \
            p.stderr.decode("utf-8", "replace")
        if LSAN_FAULT not in err or "detected memory leaks" in err:
            break
        print("note: LeakSanitizer's tracer failed (a tool fault, not a "
              "leak); running again")
    return p
