#!/usr/bin/env python3
"""Run the EXAMPLES of a man page, as jq runs its manual.

In every .EX/.EE block of the EXAMPLES section, a line starting with "$ "
is a shell command; the lines after it, up to the next command or the end
of the block, are its expected standard output, line by line.  "..." at
the end of an expected line matches any rest of the line.  Commands run
with sh from the source tree's root, with the built logtriage first in
PATH; a command's exit status is not checked (examples show it with
"; echo $?" when it matters).
"""
import os
import re
import subprocess
import sys


def unroff(s):
    s = s.replace("\\-", "-").replace("\\e", "\\").replace("\\(aq", "'")
    s = s.replace("\\(dq", '"').replace("\\&", "")
    return s


bindir, root, manpage = sys.argv[1], sys.argv[2], sys.argv[3]
man = open(manpage, encoding="utf-8").read()
section = man.split(".SH EXAMPLES", 1)[1].split("\n.SH ", 1)[0]
blocks = re.findall(r"^\.EX\n(.*?)^\.EE", section, re.M | re.S)
env = dict(os.environ, LC_ALL="C", PATH=bindir + os.pathsep + os.environ["PATH"])
ran = failed = 0
for block in blocks:
    cmds = []
    for line in block.rstrip("\n").split("\n"):
        line = unroff(line)
        if line.startswith("$ "):
            cmds.append((line[2:], []))
        elif cmds:
            cmds[-1][1].append(line)
    for cmd, want in cmds:
        ran += 1
        p = subprocess.run(["sh", "-c", cmd], cwd=root, env=env,
                           capture_output=True, text=True, timeout=60)
        got = p.stdout.rstrip("\n").split("\n") if p.stdout else []
        ok = len(got) == len(want)
        for g, w in zip(got, want):
            if w.endswith("..."):
                ok = ok and g.startswith(w[:-3])
            else:
                ok = ok and g == w
        if not ok:
            failed += 1
            print(f"FAIL: $ {cmd}\n--- expected\n" + "\n".join(want) +
                  "\n--- got\n" + p.stdout + "--- stderr\n" + p.stderr)
print(f"{ran - failed} passed, {failed} failed")
sys.exit(1 if failed or ran == 0 else 0)
