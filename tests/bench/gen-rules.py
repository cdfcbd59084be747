#!/usr/bin/env python3
"""Generate a benchmark rule set and its twin pattern file for rg -f.

    gen-rules.py --rules 2000 --seed 1 --out-rules bench-2000.rules \\
                 --out-patterns patterns-2000.txt

Rule i has one match pattern, line i of the pattern file: the same regex
for both tools.  The patterns are in the style of ../shared/bench's
(an error name, "X Y failed for Z", "svc: cannot VERB thing N", ...),
made of a vocabulary that mixes rare words with words that occur on
nearly every line of a runner log (runner, service, container, job), so
that a prefilter choosing its literals by length alone is put to work.
The same --rules and --seed always give the same bytes.
"""
import argparse
import random
import sys

RARE = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf",
        "hotel", "india", "juliet", "kilo", "lima", "mike", "november",
        "oscar", "papa", "quebec", "romeo", "sierra", "tango", "uniform",
        "victor", "whiskey", "xray", "yankee", "zulu"]
NOUNS = ["lock", "vault", "queue", "shard", "lease", "worker", "socket",
         "quota", "volume", "shim", "bucket", "token", "mount", "cache",
         "ledger", "broker", "cursor", "spool", "tunnel", "gateway"]
COMMON = ["runner", "service", "container", "job", "step", "process"]
VERBS = ["failed", "aborted", "crashed", "stalled", "rejected"]
CATEGORIES = ["network_connectivity", "authentication", "disk_space",
              "memory_exhaustion", "timeout", "crash"]


def patterns(n, seed):
    rnd = random.Random(seed)
    seen, out = set(), []
    while len(out) < n:
        a, b = rnd.choice(RARE), rnd.choice(NOUNS)
        c, d = rnd.choice(RARE + NOUNS), rnd.choice(COMMON)
        kind = rnd.randrange(6)
        if kind == 0:
            v = rnd.sample(VERBS, 2)
            p = r"(?i)\b%s %s (?:%s|%s) for %s\b" % (a, b, v[0], v[1], c)
        elif kind == 1:
            p = r"\bE%s_%s_%03d\b" % (b.upper(), a.upper(),
                                      rnd.randrange(1000))
        elif kind == 2:
            p = r"(?i)%s-%s: cannot \w+ %s \d+" % (a, b, c)
        elif kind == 3:  # a common word is the longest literal
            p = r"(?i)%s %s: %s (?:%s|timed out)" % (
                d, a, b, rnd.choice(VERBS))
        elif kind == 4:
            p = r"(?i)\b%s %s exceeded \d+ %ss\b" % (a, b, c)
        else:
            p = r"%s\[\d+\]: %s %s unavailable" % (d, a, b)
        if p not in seen:
            seen.add(p)
            out.append(p)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rules", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out-rules", required=True)
    ap.add_argument("--out-patterns", required=True)
    a = ap.parse_args()
    pats = patterns(a.rules, a.seed)
    write(pats, a.out_rules, a.out_patterns,
          "gen-rules.py --rules %d --seed %d" % (a.rules, a.seed))
    return 0


def write(pats, rules_path, patterns_path, how):
    """Rules (one per pattern, categories in turn) and the twin file."""
    with open(rules_path, "w") as f:
        f.write("# Benchmark rule set: %d rules, one pattern each (%s).\n"
                "# The same patterns, one a line, are the rg -f twin.\n\n"
                % (len(pats), how))
        for c in CATEGORIES:
            f.write("[category %s]\nseverity = high\nsummary = benchmark "
                    "category %s\n\n" % (c, c))
        for i, p in enumerate(pats):
            f.write("[rule bench.g%04d]\ncategory = %s\nmatch = %s\n\n"
                    % (i + 1, CATEGORIES[i % len(CATEGORIES)], p))
    with open(patterns_path, "w") as f:
        for p in pats:
            f.write(p + "\n")


if __name__ == "__main__":
    sys.exit(main())
