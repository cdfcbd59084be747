#!/usr/bin/env python3
"""Every default rule and redaction, alone, against hostile lines built
from its own pattern, at --max-line length: each must finish within a
bound of CPU time and without hitting a match limit or the per-line
budget (which would only hide a pattern that is not linear).

For each pattern the generator walks Python's parse of it (the syntax
PCRE2 and Python share; what Python cannot read falls back to the
pattern's literal runs) and makes samples that match it, one per
alternative; the hostile lines repeat, to the full line length, each
sample, each sample less its last character (a near-miss: every start
runs to the end of what it can match), the first half and two thirds of
each sample, and the pattern's literals run together.  The bound is in
CPU seconds of the child (user + system), generous (a linear pattern
needs a few milliseconds per MiB; the make-error pattern this test was
written for needed 60 s for one line), so a loaded machine does not make
it fail.
Usage: redos.py LOGTRIAGE SOURCE_ROOT [MAX_LINE]
(REDOS_ONLY=REGEX in the environment runs only the matching rule names.)
"""
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import ltrun  # tests/cli/ltrun.py: LeakSanitizer tool faults

try:
    import re._parser as sre_parse
    import re._constants as sre_c
except ImportError:  # Python < 3.11
    import sre_parse
    import sre_constants as sre_c

binary, root = sys.argv[1], sys.argv[2]
MAX_LINE = int(sys.argv[3]) if len(sys.argv) > 3 else 1 << 20
# seconds per rule, all its lines together (a sanitizer build is slower)
CPU_BOUND = 10.0 * float(os.environ.get("REDOS_CPU_FACTOR", "1"))
LINES_MAX = 32
failures = []


def to_python(p):
    p = p.replace("(?<", "(?P<").replace("(?P<=", "(?<=").replace(
        "(?P<!", "(?<!").replace("(?|", "(?:").replace("\\K", "")
    return p


def pick(charset, negate):
    """A character of a parsed class (or, negated, one outside it)."""
    cands = "aZ0 x_-:/.=\"'[]@#%\t"
    def inside(ch):
        o = ord(ch)
        for op, av in charset:
            if op == sre_c.LITERAL and av == o:
                return True
            if op == sre_c.RANGE and av[0] <= o <= av[1]:
                return True
            if op == sre_c.CATEGORY:
                name = str(av)
                if "DIGIT" in name and ch.isdigit() != ("NOT" in name):
                    return True
                if "SPACE" in name and ch.isspace() != ("NOT" in name):
                    return True
                if "WORD" in name and (ch.isalnum() or ch == "_") != \
                        ("NOT" in name):
                    return True
        return False
    for ch in cands:
        if inside(ch) != negate:
            return ch
    return "a"


def gen(tree, choice):
    out = []
    for op, av in tree:
        if op == sre_c.LITERAL:
            out.append(chr(av))
        elif op == sre_c.NOT_LITERAL:
            out.append("a" if av != ord("a") else "b")
        elif op == sre_c.ANY:
            out.append("a")
        elif op == sre_c.IN:
            neg = bool(av) and av[0][0] == sre_c.NEGATE
            out.append(pick(av[1:] if neg else av, neg))
        elif op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT) or \
                str(op) == "POSSESSIVE_REPEAT":
            lo, hi, sub = av
            n = max(lo, 1)
            if hi != sre_c.MAXREPEAT:
                n = min(n, hi)
            out.append(gen(sub, choice) * min(n, 3))
        elif op == sre_c.BRANCH:
            alts = av[1]
            out.append(gen(alts[choice % len(alts)], choice))
        elif op == sre_c.SUBPATTERN:
            out.append(gen(av[-1], choice))
        elif str(op) == "ATOMIC_GROUP":
            out.append(gen(av, choice))
        elif op == sre_c.CATEGORY:
            name = str(av)
            out.append("1" if "DIGIT" in name and "NOT" not in name else
                       " " if "SPACE" in name and "NOT" not in name else "a")
        # anchors, assertions, back references: nothing
    return "".join(out)


def branches(tree):
    n = 1
    for op, av in tree:
        if op == sre_c.BRANCH:
            n = max(n, len(av[1]))
        elif op == sre_c.SUBPATTERN:
            n = max(n, branches(av[-1]))
    return min(n, 12)


def samples(pattern):
    try:
        tree = sre_parse.parse(to_python(pattern))
        out = {gen(tree, c) for c in range(branches(tree))}
    except Exception:
        out = set()
    lits = re.findall(r"(?:\\.|[A-Za-z0-9 :=_/\-.'\"#@])+", pattern)
    lit = "".join(re.sub(r"\\(.)", r"\1", s) for s in lits)
    return [s for s in out if s], lit


def hostile(pattern):
    ss, lit = samples(pattern)
    lines = []
    for s in ss:
        for piece in (s, s[:-1], s[: max(1, len(s) // 2)],
                      s[: max(1, 2 * len(s) // 3)]):
            if piece:
                lines.append(piece)
    if lit:
        lines.append(lit)
    seen, out = set(), []
    for piece in lines:
        if piece in seen:
            continue
        seen.add(piece)
        line = (piece * (MAX_LINE // len(piece) + 1))[:MAX_LINE]
        out.append(line.replace("\n", " "))
    return out


def cpu_of(args, data, timeout=120):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    try:
        p = subprocess.run(args, input=data, capture_output=True,
                           timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, None
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + \
        (after.ru_stime - before.ru_stime)
    return cpu, p


tmp = tempfile.mkdtemp()
listed = ltrun.run([binary, "rules"], check=True)
rules = [json.loads(ln) for ln in listed.stdout.decode().splitlines()]
# the redactions, read from their file (they are not in `logtriage rules`)
redacts, cur = {}, None
for ln in open(os.path.join(root, "rules", "redact.rules")):
    m = re.match(r"\[redact ([^\]]+)\]", ln)
    if m:
        cur = m.group(1)
        redacts[cur] = []
    elif cur and ln.startswith("match = "):
        redacts[cur].append(ln[len("match = "):].rstrip("\n"))

jobs = []
for r in rules:
    text = (f"[category {r['category']}]\nseverity = high\n\n"
            f"[rule {r['id']}]\ncategory = {r['category']}\n")
    text += "".join(f"match = {m}\n" for m in r["match"])
    text += "".join(f"unless = {u}\n" for u in r["unless"])
    jobs.append((f"rule {r['id']}", text, r["match"] + r["unless"],
                 ["--no-redact", "--summary-only"]))
for name, pats in redacts.items():
    text = "[category c]\nseverity = high\n\n[rule all]\ncategory = c\n" \
           "match = ^\n\n"
    text += "".join(f"[redact {o}]\ndisabled = true\n\n"
                    for o in redacts if o != name)
    jobs.append((f"redact {name}", text, pats, ["--summary-only"]))

only = re.compile(os.environ.get("REDOS_ONLY", ""))
jobs = [j for j in jobs if only.search(j[0])]
slowest = []
for name, text, pats, extra in jobs:
    # one rule's lines at a time, at most LINES_MAX of them (memory)
    lines = [ln for p in pats for ln in hostile(p)]
    lines = lines[::max(1, -(-len(lines) // LINES_MAX))]
    path = os.path.join(tmp, "one.rules")
    open(path, "w").write(text)
    if not lines:
        failures.append(f"{name}: no hostile line could be built")
        continue
    data = ("\n".join(lines) + "\n").encode()
    cpu, p = cpu_of([binary, "--no-defaults", "-r", path, "--max-line",
                     str(MAX_LINE), "--input", "text"] + extra, data)
    if p is None:
        failures.append(f"{name}: still running after 120 s on "
                        f"{len(lines)} lines of {MAX_LINE} bytes")
        continue
    out = p.stdout.decode(errors="replace").splitlines()
    s = json.loads(out[-1]) if out else {}
    if s.get("lines") != len(lines):
        failures.append(f"{name}: rc {p.returncode}, summary {str(s)[:200]}"
                        f" {p.stderr[:200]!r}")
        continue
    if s.get("limit_hits"):
        failures.append(f"{name}: {s['limit_hits']} limit hits on its "
                        f"hostile lines: {p.stderr.decode()[:300]}")
    if cpu > CPU_BOUND:
        failures.append(f"{name}: {cpu:.1f} s of CPU for {len(lines)} lines"
                        f" of {MAX_LINE} bytes (bound {CPU_BOUND} s)")
    slowest.append((cpu, name, len(lines)))
slowest.sort(reverse=True)
for cpu, name, n in slowest[:5]:
    print(f"slowest: {name}: {cpu:.2f} s CPU, {n} lines")
for f in failures:
    print("FAIL", f)
print(f"redos: {len(jobs)} patterns sets, {len(failures)} failures")
sys.exit(1 if failures else 0)
