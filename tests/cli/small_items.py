#!/usr/bin/env python3
"""The smaller hostile-log findings of issue 15, one check each:
- -o github with a cause line over 64 MiB (--max-line 66M): the
  annotation carries a cut evidence line, exit 1, the step summary made;
- `logtriage test` quoting a fixture line with C1, CSI, BEL, CR, BS and
  a bidi override prints none of them raw;
- -o text escapes bidi overrides and zero-width characters;
- a "BEGIN ... PRIVATE KEY" line with no END hides the following lines
  for a bounded stretch (256 lines), not for the rest of the log.
Usage: small_items.py LOGTRIAGE SOURCE_ROOT
"""
import json
import os
import subprocess
import sys
import tempfile
import ltrun  # tests/cli/ltrun.py: LeakSanitizer tool faults

binary, root = sys.argv[1], sys.argv[2]
failures = []
tmp = tempfile.mkdtemp()
env = dict(os.environ, LC_ALL="C")
env.pop("GITHUB_ACTIONS", None)

# -o github, a 65 MiB cause line
big = os.path.join(tmp, "big.log")
with open(big, "wb") as f:
    f.write(b"write: no space left on device ")
    chunk = b"y" * (1 << 20)
    for _ in range(65):
        f.write(chunk)
    f.write(b"\n")
md = os.path.join(tmp, "big.md")
p = ltrun.run([binary, "-o", "github", "--max-line", "66M",
                    "--step-summary", md, big],
                   env=env, timeout=300)
ann = [ln for ln in p.stdout.split(b"\n") if ln.startswith(b"::error ")]
if p.returncode != 1 or len(ann) != 1 or b" [...]" not in ann[0] or \
        len(ann[0]) > 16384:
    failures.append(f"-o github, 65 MiB line: rc {p.returncode}, "
                    f"{len(ann)} annotations, {len(p.stdout)} bytes, "
                    f"stderr {p.stderr[:200]!r}")
if not os.path.exists(md) or "## Failed: " not in open(md).read():
    failures.append("-o github, 65 MiB line: no step summary")
os.unlink(big)

# logtriage test quotes a fixture's line: no raw control bytes
fx = os.path.join(tmp, "fx")
os.mkdir(fx)
open(os.path.join(fx, "a.log"), "wb").write(
    b"boot \x1b[2J\x1b]0;owned\x07 \xc2\x9b31m \x08\x08\r::error::x "
    b"\xe2\x80\xae no space left on device\n")
open(os.path.join(fx, "a.expect.json"), "w").write(
    json.dumps({"cause": {"category": "network_connectivity"}}))
p = ltrun.run([binary, "test", "--no-coverage", fx],
                   env=env, timeout=60)
if p.returncode == 0 or b"FAIL" not in p.stdout:
    failures.append(f"test: the fixture should fail: {p.stdout!r}")
for bad in (b"\x1b", b"\x07", b"\x08", b"\r", b"\xc2\x9b", b"\xe2\x80\xae"):
    if bad in p.stdout or bad in p.stderr:
        failures.append(f"test: raw {bad!r} printed: {p.stdout!r}")

# -o text: bidi overrides and zero-width characters are escaped
line = "no space left on device \u202e\u2066\u200b\u00ad end\n".encode()
p = ltrun.run([binary, "-o", "text", "--color", "never"], input=line, env=env, timeout=60)
for cp in ("\u202e", "\u2066", "\u200b", "\u00ad"):
    if cp.encode() in p.stdout:
        failures.append(f"-o text: raw U+{ord(cp):04X} written")
if "\\u{202e}".encode() not in p.stdout:
    failures.append(f"-o text: U+202E not shown as an escape: {p.stdout!r}")

# BEGIN ... PRIVATE KEY with no END: bounded
lines = ["boot -----BEGIN RSA PRIVATE KEY-----"]
lines += [f"filler {i}" for i in range(300)]
lines += ["late: connection refused by host"]
p = ltrun.run([binary], input=("\n".join(lines) + "\n").encode(), env=env, timeout=60)
texts = [json.loads(ln)["text"] for ln in p.stdout.decode().splitlines()
         if ln.startswith('{"type":"match"')]
if "late: connection refused by host" not in texts:
    failures.append(f"BEGIN without END: a line 300 lines later is still "
                    f"hidden: {texts}")
lines = ["-----BEGIN RSA PRIVATE KEY-----", "connection refused AAAA",
         "-----END RSA PRIVATE KEY-----"]
p = ltrun.run([binary], input=("\n".join(lines) + "\n").encode(), env=env, timeout=60)
if b"AAAA" in p.stdout:
    failures.append("a key line inside a block was not hidden")

for f in failures:
    print("FAIL", f)
print(f"small_items: {len(failures)} failures")
sys.exit(1 if failures else 0)
