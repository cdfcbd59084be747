#!/usr/bin/env python3
"""`logtriage runbook`, the runbook links of a verdict, and lint's check.

- `logtriage runbook CATEGORY` prints the page of runbooks/ byte for byte,
  for every category of the default rules (also spelt with '-'); without
  a category it lists each with its link;
- the link is the installed page (DOCDIR/runbooks/...), in the JSON too;
  --runbook-base and LOGTRIAGE_RUNBOOK_BASE replace it (the JSON keeps
  the rule's path, text output joins it), an empty LOGTRIAGE_RUNBOOK_BASE
  leaves the rules' paths as written; `--path` prints the same link;
- an unknown category exits 2 with a did-you-mean when one is close;
- a site rule file's runbook is found beside it, `runbook_base =` at the
  top of a file makes its links URLs, and `runbook` names a URL;
- lint fails a rule whose local runbook does not exist (relative, and
  absolute), and passes once it does; a URL is not checked;
- `cmake --install` puts every page under share/doc/logtriage/runbooks.

usage: runbook_cmd.py LOGTRIAGE SRCDIR BUILDDIR DOCDIR
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import ltrun  # tests/cli/ltrun.py: LeakSanitizer tool faults

failures = []


def check(ok, msg):
    if not ok:
        failures.append(msg)


def run(binary, args, env_extra=None, cwd=None, unset=("LOGTRIAGE_RUNBOOK_BASE",)):
    env = dict(os.environ, LC_ALL="C")
    for k in unset:
        env.pop(k, None)
    env.pop("GITHUB_ACTIONS", None)
    env.update(env_extra or {})
    return ltrun.run([binary] + args, env=env,
                          cwd=cwd, timeout=60)


def categories(path):
    """{category: runbook} from [category NAME] stanzas."""
    cats, name = {}, None
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = re.match(r"\s*\[(\w+)\s+([^\]\s]+)\s*\]", line)
            if m:
                name = m.group(2) if m.group(1) == "category" else None
                continue
            m = re.match(r"\s*runbook\s*=\s*(\S.*?)\s*$", line)
            if m and name is not None:
                cats[name] = m.group(1)
    return cats


def main():
    binary, src, build, docdir = sys.argv[1:5]
    binary = os.path.abspath(binary)
    cats = categories(os.path.join(src, "rules", "00-categories.rules"))
    check(len(cats) >= 10, f"only {len(cats)} categories with a runbook")

    # every category: the page, byte for byte, and its installed link
    p = run(binary, ["runbook"])
    check(p.returncode == 0, f"runbook (list) exited {p.returncode}")
    listed = dict(ln.split("\t", 1) for ln in
                  p.stdout.decode().splitlines() if "\t" in ln)
    for cat, rb in sorted(cats.items()):
        with open(os.path.join(src, rb), "rb") as f:
            page = f.read()
        for spelling in (cat, cat.replace("_", "-")):
            p = run(binary, ["runbook", spelling])
            check(p.returncode == 0 and p.stdout == page,
                  f"runbook {spelling}: exit {p.returncode}, "
                  f"{len(p.stdout)} bytes, not the {len(page)} of {rb}")
        want = docdir.rstrip("/") + "/" + rb
        check(listed.get(cat) == want,
              f"runbook list: {cat} -> {listed.get(cat)!r}, want {want!r}")
        p = run(binary, ["runbook", "--path", cat])
        check(p.returncode == 0 and p.stdout.decode() == want + "\n",
              f"runbook --path {cat}: {p.stdout!r}, want {want!r}")
    check(set(listed) >= set(cats), "runbook list misses categories")

    # the bases: option, environment, empty environment
    p = run(binary, ["runbook", "--path", "--runbook-base",
                     "https://git.example/o/r/blob/main", "disk_space"])
    check(p.stdout == b"https://git.example/o/r/blob/main/runbooks/"
          b"disk-space.md\n", f"--path with --runbook-base: {p.stdout!r}")
    p = run(binary, ["runbook", "--path", "timeout"],
            {"LOGTRIAGE_RUNBOOK_BASE": "https://wiki.example/"})
    check(p.stdout == b"https://wiki.example/runbooks/timeout.md\n",
          f"--path with LOGTRIAGE_RUNBOOK_BASE: {p.stdout!r}")
    p = run(binary, ["runbook", "--path", "timeout"],
            {"LOGTRIAGE_RUNBOOK_BASE": ""})
    check(p.stdout == b"runbooks/timeout.md\n",
          f"--path with LOGTRIAGE_RUNBOOK_BASE empty: {p.stdout!r}")

    # a verdict's link
    example = os.path.join(src, "fixtures", "example", "deploy-failed.log")
    p = run(binary, ["--summary-only", example])
    cause = json.loads(p.stdout)["cause"]
    check(cause["runbook"] == docdir.rstrip("/") + "/runbooks/disk-space.md",
          f"default JSON runbook {cause['runbook']!r}")
    p = run(binary, ["--summary-only", "--runbook-base", "https://w.example/x",
                     example])
    cause = json.loads(p.stdout)["cause"]
    check(cause["runbook"] == "runbooks/disk-space.md",
          f"JSON runbook with --runbook-base {cause['runbook']!r}")
    p = run(binary, ["-o", "text", "--color", "never", "--summary-only",
                     example], {"LOGTRIAGE_RUNBOOK_BASE": "https://w.example/x/"})
    check(b"  read  https://w.example/x/runbooks/disk-space.md" in p.stdout,
          f"text link with LOGTRIAGE_RUNBOOK_BASE:\n{p.stdout.decode()}")
    p = run(binary, ["-o", "text", "--color", "never", "--summary-only",
                     example])
    check(("  read  " + docdir.rstrip("/") + "/runbooks/disk-space.md")
          .encode() in p.stdout, f"default text link:\n{p.stdout.decode()}")

    # unknown categories
    p = run(binary, ["runbook", "disk_spce"])
    err = p.stderr.decode()
    check(p.returncode == 2 and "did you mean 'disk_space'?" in err,
          f"runbook disk_spce: exit {p.returncode}, {err!r}")
    p = run(binary, ["runbook", "qqqqqqqqqq"])
    err = p.stderr.decode()
    check(p.returncode == 2 and "did you mean" not in err and
          "no category 'qqqqqqqqqq'" in err,
          f"runbook qqqqqqqqqq: exit {p.returncode}, {err!r}")
    p = run(binary, ["runbook", "timeout", "disk_space"])
    check(p.returncode == 2, "two categories are a usage error")

    with tempfile.TemporaryDirectory() as tmp:
        os.makedirs(os.path.join(tmp, "rules"))
        rules = os.path.join(tmp, "rules", "acme.rules")
        with open(rules, "w") as f:
            f.write("[category acme_db]\nseverity = high\nsummary = The "
                    "database is down\nremediation = Page the DBA.\n"
                    "runbook = runbooks/acme-db.md\n\n[rule acme.db]\n"
                    "category = acme_db\nmatch = ACME-DB-DOWN\n"
                    "priority = 90\n\n[rule acme.reuse]\ncategory = "
                    "acme_db\nmatch = ACME-REUSE\nrunbook = "
                    "runbooks/disk-space.md\n\n[rule acme.abs]\ncategory = "
                    "acme_db\nmatch = ACME-ABS\nrunbook = " +
                    os.path.join(tmp, "absent.md") + "\n\n[rule acme.url]\n"
                    "category = acme_db\nmatch = ACME-URL\nrunbook = "
                    "https://wiki.example/acme\n")
        p = run(binary, ["lint", "-r", rules])
        err = p.stderr.decode()
        check(p.returncode == 2 and
              "acme.rules:7: error: rule 'acme.db': runbook "
              "'runbooks/acme-db.md' does not exist" in err and
              "runbook '" + os.path.join(tmp, "absent.md") +
              "' does not exist" in err and "acme.reuse" not in err and
              "acme.url" not in err,
              f"lint, missing runbooks: exit {p.returncode}\n{err}")
        os.makedirs(os.path.join(tmp, "runbooks"))
        with open(os.path.join(tmp, "runbooks", "acme-db.md"), "w") as f:
            f.write("# acme_db\n\nRestart it.\n")
        with open(os.path.join(tmp, "absent.md"), "w") as f:
            f.write("# here now\n")
        p = run(binary, ["lint", "-r", rules], cwd="/")
        check(p.returncode == 0, f"lint, runbooks present: exit "
              f"{p.returncode}\n{p.stderr.decode()}")
        # the page beside the rule file, from any working directory
        p = run(binary, ["runbook", "-r", rules, "acme_db"], cwd="/")
        check(p.returncode == 0 and p.stdout == b"# acme_db\n\nRestart it.\n",
              f"runbook of a site category: {p.returncode} {p.stdout!r} "
              f"{p.stderr!r}")
        # a site file's own base; its link is a URL the runbook command names
        with open(rules, "w") as f:
            f.write("# the site's runbooks live in its wiki\n"
                    "runbook_base = https://wiki.example/ops/\n\n"
                    "[category acme_db]\nseverity = high\nsummary = Down\n"
                    "remediation = Page.\nrunbook = runbooks/acme-db.md\n\n"
                    "[rule acme.db]\ncategory = acme_db\nmatch = "
                    "ACME-DB-DOWN\npriority = 90\n")
        p = ltrun.run([binary, "--summary-only", "-r", rules],
                           input=b"ACME-DB-DOWN\n")
        cause = json.loads(p.stdout)["cause"]
        check(cause["runbook"] ==
              "https://wiki.example/ops/runbooks/acme-db.md",
              f"runbook_base in a rule file: {cause['runbook']!r}")
        p = run(binary, ["runbook", "-r", rules, "acme_db"])
        check(p.returncode == 0 and p.stdout ==
              b"https://wiki.example/ops/runbooks/acme-db.md\n" and
              b"is a link" in p.stderr,
              f"runbook of a URL: {p.returncode} {p.stdout!r} {p.stderr!r}")
        p = run(binary, ["lint", "-r", rules])
        check(p.returncode == 0, "lint checks no URL")
        with open(rules, "a") as f:
            f.write("runbook_base = https://late.example/\n")
        p = run(binary, ["lint", "-r", rules])
        check(p.returncode == 2 and b"unknown key 'runbook_base' in a rule" in p.stderr,
              f"runbook_base after a stanza: {p.returncode} {p.stderr!r}")

    # cmake --install: every page, as it is in the source tree
    prefix = os.path.join(os.path.abspath(build), "runbook-install-test")
    shutil.rmtree(prefix, ignore_errors=True)
    r = subprocess.run(["cmake", "--install", build, "--prefix", prefix],
                       capture_output=True, text=True, timeout=300)
    check(r.returncode == 0, f"cmake --install: {r.stderr}")
    inst = os.path.join(prefix, "share", "doc", "logtriage", "runbooks")
    for name in sorted(os.listdir(os.path.join(src, "runbooks"))):
        if not name.endswith(".md"):
            continue
        got = os.path.join(inst, name)
        with open(os.path.join(src, "runbooks", name), "rb") as f:
            want = f.read()
        check(os.path.isfile(got) and open(got, "rb").read() == want,
              f"{name} is not installed under {inst}")
    shutil.rmtree(prefix, ignore_errors=True)

    for f in failures:
        print("FAIL:", f)
    print(f"{len(cats)} categories; {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
