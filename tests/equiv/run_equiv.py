#!/usr/bin/env python3
"""Output is the same with the prefilter and without it (and with -j N).

usage: run_equiv.py LOGTRIAGE SOURCE_ROOT WORK_DIR SET [--against REF]

SET is one of:
  fixtures  every file under fixtures/ (the fuzz corpora too), default
            rules and the benchmark rule sets, at the default --max-line,
            at a small one, and with context lines and every output format
            at once; with the default rules also, on the fixtures that are
            logs (not fixtures/fuzz/), each format on its own, the step
            summary (--step-summary, its file compared too), --per-file,
            --summary-only, -B or -A alone and --exit-code.  The fuzz
            corpora are what can fool the prefilter and the decoders, and
            they go through every rule set with every output format; the
            output variants after that differ only in the emitters, and
            running them over 6,000 fuzz files too made this test half of
            each CI pass (the runs without the prefilter are the slow ones)
  corpus    a 4 MiB corpus from ../shared/bench/gen-corpus.py (seed 7),
            as generated and with ANSI colour, CRLF, non-ASCII text,
            invalid UTF-8 and overlong lines worked into some lines; also
            with context lines and text output
The benchmark rules and the corpus generator live in the shared directory
beside the source root (../shared); without it those parts are skipped,
and a set with nothing left to run exits 77 (CTest: skipped).

Each variant is compared byte for byte (stdout, the step summary file and
exit status) with the plain run using --no-prefilter.  With --against REF
(another build of logtriage, e.g. of the main branch before a refactoring)
that plain run is also compared with REF's, so that a change that must not
change the output can be shown not to.  Runs with LC_ALL=C.
"""
import os
import random
import re
import subprocess
import sys

SKIP = 77


def run(binary, args, root, stdin=None):
    env = dict(os.environ, LC_ALL="C")
    env.pop("GITHUB_ACTIONS", None)
    env.pop("GITHUB_STEP_SUMMARY", None)
    summary = None
    if "--step-summary" in args:
        summary = args[args.index("--step-summary") + 1]
        if os.path.exists(summary):
            os.remove(summary)
    p = subprocess.run([binary] + args, cwd=root, input=stdin,
                       capture_output=True, env=env, timeout=600)
    out = unrandom(p.stdout)
    if summary is not None:
        with open(summary, "rb") as f:
            out += b"\n--- step summary ---\n" + f.read()
        os.remove(summary)
    return p.returncode, out, p.stderr


def unrandom(out):
    """The GitHub output fences echoed log text with a random token, and
    the Prometheus output states when it ran."""
    m = re.match(rb"::stop-commands::([0-9A-Za-z_-]+)\n", out)
    if m:
        out = out.replace(m.group(1), b"TOKEN")
    return re.sub(rb"(?m)^(logtriage_last_run_timestamp_seconds) \d+$",
                  rb"\1 T", out)


def has_jobs(binary, root):
    rc, out, _ = run(binary, ["--help"], root)
    return b"--jobs" in out


def differ(name, what, got, base):
    """Say how two runs differ; 1 when they do."""
    if got[0] == base[0] and got[1] == base[1]:
        return 0
    print(f"FAIL {name} {what}: status {got[0]} vs {base[0]}, "
          f"{len(got[1])} vs {len(base[1])} bytes of output")
    a, b = got[1].split(b"\n"), base[1].split(b"\n")
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            print(f"  first difference at output line {i + 1}:")
            print(f"  got:  {x[:300]!r}")
            print(f"  want: {y[:300]!r}")
            break
    return 1


def compare(binary, root, name, args, stdin, jobs):
    """Run args with --no-prefilter, then each variant; 0 when all agree."""
    base = run(binary, ["--no-prefilter"] + args, root, stdin)
    variants = [[]]
    if jobs:
        variants += [["-j", "1"], ["-j", "2"], ["-j", "2", "--no-prefilter"]]
    bad = 0
    if AGAINST:
        bad += differ(name, f"against {AGAINST}", base,
                      run(AGAINST, ["--no-prefilter"] + args, root, stdin))
    for v in variants:
        got = run(binary, v + args, root, stdin)
        bad += differ(name, ' '.join(v) or '(prefilter)', got, base)
    matches = base[1].count(b'"type":"match"')
    print(f"{'ok  ' if not bad else 'FAIL'} {name}: {len(base[1])} bytes, "
          f"{matches} matches, status {base[0]}")
    return bad


def rule_sets(root, shared):
    sets = [("defaults", [])]
    bench = os.path.join(shared, "bench")
    for n in ("50", "500"):
        path = os.path.join(bench, f"bench-{n}.rules")
        if os.path.exists(path):
            sets.append((f"bench-{n}", ["--no-defaults", "-r", path]))
    return sets


def mangle(data, seed):
    """Work the cases the prefilter must not be fooled by into some lines."""
    rnd = random.Random(seed)
    out = []
    for line in data.split(b"\n"):
        r = rnd.random()
        if r < 0.03 and len(line) > 8:  # colour inside words
            i = rnd.randrange(1, len(line) - 1)
            line = line[:i] + b"\x1b[1;31m" + line[i:] + b"\x1b[0m"
        elif r < 0.06:
            line += b"\r"
        elif r < 0.08 and len(line) > 4:  # a multi-byte character
            i = rnd.randrange(len(line))
            line = line[:i] + "\u00e9\u20ac".encode()[:rnd.choice((2, 5))] + \
                line[i + 1:]
        elif r < 0.09 and len(line) > 4:  # invalid UTF-8 next to text
            i = rnd.randrange(len(line))
            line = line[:i] + b"\xff\xc3" + line[i:]
        elif r < 0.11:  # U+212A and U+017F fold onto k and s
            line = line.replace(b"k", "\u212a".encode()).replace(
                b"s", "\u017f".encode())
        elif r < 0.111:
            line = line * 200  # long: cut by --max-line
        out.append(line)
    return b"\n".join(out)


AGAINST = None


def main():
    global AGAINST
    binary, root, work, which = sys.argv[1:5]
    if len(sys.argv) > 6 and sys.argv[5] == "--against":
        AGAINST = os.path.abspath(sys.argv[6])
    os.makedirs(work, exist_ok=True)
    summary = os.path.join(os.path.abspath(work), "step-summary.md")
    shared = os.path.normpath(os.path.join(root, "..", "shared"))
    have_shared = os.path.isdir(os.path.join(shared, "bench"))
    if not have_shared:
        print(f"note: {shared} not found: benchmark rules and corpus "
              "skipped")
    jobs = has_jobs(binary, root)
    bad = ran = 0
    if which == "fixtures":
        files = []
        for d, _, names in os.walk(os.path.join(root, "fixtures")):
            files += [os.path.relpath(os.path.join(d, n), root)
                      for n in names]
        files.sort()
        logs = [f for f in files
                if not f.startswith(os.path.join("fixtures", "fuzz") + os.sep)]
        for name, args in rule_sets(root, shared):
            for ml in ([], ["--max-line", "200"],
                       ["-C", "3", "-o", "text", "-o", "github", "-o",
                        "prometheus", "--color", "always"]):
                bad += compare(binary, root, f"fixtures {name} {' '.join(ml)}",
                               args + ml + files, None, jobs)
                ran += 1
        for fmt in (["-o", "text"], ["-o", "github"], ["-o", "prometheus"],
                    ["-o", "json", "-o", "github", "--step-summary",
                     summary],
                    ["--per-file", "-o", "json", "-o", "text"],
                    ["--summary-only", "-o", "text", "-o", "github"],
                    ["-B", "2", "-o", "text", "-o", "json"],
                    ["-A", "2", "-o", "json", "-o", "github"],
                    ["--exit-code", "137", "-o", "text", "-o",
                     "prometheus"], ["-q", "-o", "github"]):
            bad += compare(binary, root, f"fixtures defaults {' '.join(fmt)}",
                           fmt + logs, None, jobs)
            ran += 1
    elif which == "corpus":
        gen = os.path.join(shared, "bench", "gen-corpus.py")
        if not os.path.exists(gen):
            print(f"SKIP: {gen} not found; the corpus test needs the "
                  "shared directory beside the source root")
            return SKIP
        os.makedirs(work, exist_ok=True)
        path = os.path.join(work, "equiv-corpus-4m-seed7.log")
        if not os.path.exists(path):
            data = subprocess.run([sys.executable, gen, "--mib", "4",
                                   "--seed", "7"], check=True,
                                  capture_output=True).stdout
            with open(path + ".tmp", "wb") as f:
                f.write(data)
            os.replace(path + ".tmp", path)
        with open(path, "rb") as f:
            plain = f.read()
        for label, data in (("plain", plain), ("mangled", mangle(plain, 7))):
            for name, args in rule_sets(root, shared):
                bad += compare(binary, root, f"corpus {label} {name}",
                               args, data, jobs)
                ran += 1
            bad += compare(binary, root, f"corpus {label} bench-50 "
                           "--max-line 100", ["--max-line", "100"] +
                           rule_sets(root, shared)[1][1], data, jobs)
            bad += compare(binary, root, f"corpus {label} bench-50 -C 2 "
                           "--output text", ["-C", "2", "--output", "text"] +
                           rule_sets(root, shared)[1][1], data, jobs)
            ran += 2
    else:
        print(f"unknown set {which}")
        return 2
    if ran == 0:
        return SKIP
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
