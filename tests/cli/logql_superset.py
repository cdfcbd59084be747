#!/usr/bin/env python3
"""The pushdown filter is a superset of the rules, on every fixture.

`logtriage logql` prints the query with the rules' line filter, a Go
regexp (the rules' required literals, or whole patterns translated).  There is no Go or RE2 here, so Python's re stands in: the
translator writes only syntax the two share (see src/logql.c), and re
with re.ASCII folds case no more widely than Go does, so a line re
matches Go matches too.  For every line of every fixture that some rule
matches (the text of each match object, as PCRE2 saw it), the filter
must match as well; and a line with an ANSI escape passes whole.
Usage: logql_superset.py LOGTRIAGE SOURCE_ROOT
"""
import glob
import json
import os
import re
import subprocess
import sys
import ltrun  # tests/cli/ltrun.py: LeakSanitizer tool faults

binary, root = sys.argv[1], sys.argv[2]
env = dict(os.environ, LC_ALL="C")
q = ltrun.run([binary, "logql", '{job="ci"}'],
                   text=True, env=env, check=True).stdout.rstrip("\n")
prefix = '{job="ci"} |~ `'
assert q.startswith(prefix) and q.endswith('`'), q[:100]
assert len(q.encode()) < 5120, f"Loki refuses a query of {len(q)} bytes"
pattern = q[len(prefix):-1]  # a raw string: no escapes
assert "`" not in pattern
flt = re.compile(pattern, re.ASCII)

logs = sorted(glob.glob(os.path.join(root, "fixtures", "**", "*.log"),
                        recursive=True))
checked = missed = 0
for i in range(0, len(logs), 50):
    out = ltrun.run([binary, "--no-redact", "--fail-on", "info"] +
                         logs[i:i + 50], env=env).stdout
    for line in out.decode("utf-8").splitlines():
        m = json.loads(line)
        if m["type"] != "match":
            continue
        checked += 1
        if not flt.search(m["text"]):
            missed += 1
            print(f"MISSED {m['source']}:{m['line']} rule {m['rule']}: "
                  f"{m['text'][:200]!r}")
assert flt.search("plain \x1b[1mtext\x1b[0m"), "an ESC line must pass"
# (not "finished": a cargo retry is cleared by "Finished", so lines with
# that word must reach the rules)
assert not flt.search("step 3 went well"), "the filter passes all"
print(f"{checked} matched fixture lines, {missed} missed by the filter")
sys.exit(1 if missed or checked < 200 else 0)
