#!/usr/bin/env python3
"""The man page and --help list the same options and commands.

--help is generated from the option table and the command table in
src/cli/opts.c; this test fails when an option or a command is added there
and not documented in man/logtriage.1 (OPTIONS, COMMANDS), or documented
and not implemented.
"""
import re
import subprocess
import sys
import ltrun  # tests/cli/ltrun.py: LeakSanitizer tool faults

binary, manpage = sys.argv[1], sys.argv[2]
helptext = ltrun.run([binary, "--help"],
                          text=True, check=True).stdout
from_help = set(re.findall(r"^\s+(?:-\w, )?--([a-z][a-z-]*)", helptext, re.M))

man = open(manpage, encoding="utf-8").read()
section = man.split(".SH OPTIONS", 1)[1].split("\n.SH ", 1)[0]
from_man = set()
for line in section.split("\n"):
    if line.startswith(".TP"):
        continue
    if line.startswith(".B") or line.startswith(".I"):
        for name in re.findall(r"\\-\\-([a-z][a-z\\-]*)", line):
            from_man.add(name.replace("\\-", "-"))
tp_heads = re.findall(r"^\.TP\n(.*)$", section, re.M)
heads = set()
for h in tp_heads:
    for name in re.findall(r"\\-\\-([a-z][a-z\\-]*)", h):
        heads.add(name.replace("\\-", "-"))

ok = True
for name in sorted(from_help - heads):
    print(f"--{name} is in --help but has no entry in man/logtriage.1 OPTIONS")
    ok = False
for name in sorted(heads - from_help):
    print(f"--{name} has an entry in man/logtriage.1 OPTIONS but not in --help")
    ok = False
if len(from_help) < 5:
    print(f"could not read the options from --help: {from_help}")
    ok = False

# Commands: the "Commands:" block of --help against .SH COMMANDS.
block = helptext.split("\nCommands:\n", 1)
help_cmds = set()
if len(block) == 2:
    for line in block[1].split("\n\n", 1)[0].split("\n"):
        m = re.match(r"^  ([a-z]+)  +\S", line)
        if m:
            help_cmds.add(m.group(1))
man_cmds = set(re.findall(r"^\.TP\n\.B ([a-z]+)\s*$",
                          man.split(".SH COMMANDS", 1)[1].split("\n.SH ", 1)[0],
                          re.M))
for name in sorted(help_cmds - man_cmds):
    print(f"command {name} is in --help but not in man/logtriage.1 COMMANDS")
    ok = False
for name in sorted(man_cmds - help_cmds):
    print(f"command {name} is in man/logtriage.1 COMMANDS but not in --help")
    ok = False
if len(help_cmds) < 3:
    print(f"could not read the commands from --help: {help_cmds}")
    ok = False
print(f"{len(from_help)} options in --help, {len(heads)} in the man page; "
      f"commands {' '.join(sorted(help_cmds))}")
sys.exit(0 if ok else 1)
