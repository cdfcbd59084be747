#!/usr/bin/env python3
"""Rule configuration: rules.d directories, LOGTRIAGE_RULES, --no-config.

Everything lives in a scratch directory: HOME, XDG_CONFIG_HOME and the
system directory (LOGTRIAGE_SYSCONFDIR stands for /etc, so the test never
writes to the real /etc).  Checks:
- the system rules.d, then the user's ($XDG_CONFIG_HOME, or ~/.config
  when it is unset or relative), then LOGTRIAGE_RULES (colon-separated,
  empty entries ignored), then -r: each later definition of a rule ID
  wins, so the verdict names the last one's category;
- --no-config reads none of them (the defaults and -r only), for every
  command; `logtriage test` never reads them;
- a LOGTRIAGE_RULES path that does not exist is an error (exit 2), a
  missing rules.d is not;
- `-r DIR` (and a rules.d) warns about each regular file it skips for
  its name, and does not read it; dot files are skipped silently;
- `logtriage rules` names the file each rule came from.

usage: config.py LOGTRIAGE SRCDIR
"""
import json
import os
import subprocess
import sys
import tempfile
import ltrun  # tests/cli/ltrun.py: LeakSanitizer tool faults

failures = []


def check(ok, msg):
    if not ok:
        failures.append(msg)


def rule(rid, cat, pattern="ACME-FAIL", prio=95):
    return (f"[rule {rid}]\ncategory = {cat}\nmatch = {pattern}\n"
            f"priority = {prio}\n\n")


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def main():
    binary, src = os.path.abspath(sys.argv[1]), sys.argv[2]
    with tempfile.TemporaryDirectory() as tmp:
        home = os.path.join(tmp, "home")
        xdg = os.path.join(tmp, "xdg")
        etc = os.path.join(tmp, "etc")
        base = {k: v for k, v in os.environ.items()
                if k not in ("LOGTRIAGE_RULES", "XDG_CONFIG_HOME",
                             "LOGTRIAGE_SYSCONFDIR", "GITHUB_ACTIONS")}
        base.update(HOME=home, LC_ALL="C", LOGTRIAGE_SYSCONFDIR=etc)

        def run(args, env=None, stdin=b"ACME-FAIL\n"):
            e = dict(base)
            e.update(env or {})
            e = {k: v for k, v in e.items() if v is not None}
            return ltrun.run([binary] + args, input=stdin, env=e, timeout=60, cwd=tmp)

        def cause(args, env=None):
            p = run(["--summary-only"] + args, env)
            if p.returncode not in (0, 1):
                failures.append(f"{args} {env}: exit {p.returncode}: "
                                f"{p.stderr.decode()}")
                return None
            c = json.loads(p.stdout)["cause"]
            return c and (c["rule"], c["category"])

        # nothing configured: ACME-FAIL is no rule's
        check(cause([]) is None, "a line no rule knows was classified")
        # the system directory
        write(os.path.join(etc, "logtriage", "rules.d", "10-site.rules"),
              rule("acme.fail", "service_crash"))
        check(cause([]) == ("acme.fail", "service_crash"),
              f"system rules.d not read: {cause([])}")
        # the user's, via ~/.config (XDG_CONFIG_HOME unset), wins
        write(os.path.join(home, ".config", "logtriage", "rules.d",
                           "me.rules"), rule("acme.fail", "timeout"))
        check(cause([]) == ("acme.fail", "timeout"),
              f"~/.config rules.d not read after /etc: {cause([])}")
        # XDG_CONFIG_HOME replaces ~/.config; a relative one is ignored
        write(os.path.join(xdg, "logtriage", "rules.d", "me.rules"),
              rule("acme.fail", "rate_limit"))
        check(cause([], {"XDG_CONFIG_HOME": xdg}) ==
              ("acme.fail", "rate_limit"),
              "XDG_CONFIG_HOME rules.d not read")
        check(cause([], {"XDG_CONFIG_HOME": "rel/xdg"}) ==
              ("acme.fail", "timeout"),
              "a relative XDG_CONFIG_HOME was not ignored")
        # LOGTRIAGE_RULES after them, in order, empty entries ignored
        env1 = os.path.join(tmp, "env1.rules")
        envdir = os.path.join(tmp, "envdir")
        write(env1, rule("acme.fail", "authentication"))
        write(os.path.join(envdir, "x.rules"),
              rule("acme.fail", "tls_certificate"))
        check(cause([], {"LOGTRIAGE_RULES": env1}) ==
              ("acme.fail", "authentication"), "LOGTRIAGE_RULES not read")
        check(cause([], {"LOGTRIAGE_RULES": f":{env1}::{envdir}:"}) ==
              ("acme.fail", "tls_certificate"),
              "LOGTRIAGE_RULES entries not read in order")
        check(cause([], {"LOGTRIAGE_RULES": f"{envdir}:{env1}"}) ==
              ("acme.fail", "authentication"),
              "LOGTRIAGE_RULES entries not read in order (2)")
        # -r last
        cli = os.path.join(tmp, "cli.rules")
        write(cli, rule("acme.fail", "permission_denied"))
        check(cause(["-r", cli], {"LOGTRIAGE_RULES": env1}) ==
              ("acme.fail", "permission_denied"), "-r does not win")
        # --no-config: only the defaults and -r
        check(cause(["--no-config"], {"LOGTRIAGE_RULES": env1}) is None,
              "--no-config still read configuration")
        check(cause(["--no-config", "-r", cli]) ==
              ("acme.fail", "permission_denied"), "--no-config dropped -r")
        # every command that loads rules reads it
        p = run(["rules"])
        ids = [json.loads(ln) for ln in p.stdout.decode().splitlines()]
        mine = [r for r in ids if r["id"] == "acme.fail"]
        check(len(mine) == 1 and mine[0]["origin"].endswith(
            "/.config/logtriage/rules.d/me.rules"),
            f"rules: acme.fail from {mine}")
        p = run(["rules", "--no-config"])
        check(b'"acme.fail"' not in p.stdout, "rules --no-config")
        p = run(["runbook", "--path", "disk_space", "--no-config"])
        check(p.returncode == 0, "runbook --no-config")
        # a broken configured file stops the run like a broken -r file
        write(os.path.join(etc, "logtriage", "rules.d", "20-bad.rules"),
              "[rule x]\nmatch = (\n")
        p = run([])
        check(p.returncode == 2 and b"20-bad.rules:2:" in p.stderr,
              f"broken /etc file: {p.returncode} {p.stderr!r}")
        check(run(["--no-config"]).returncode == 0,
              "--no-config still read the broken file")
        p = run(["lint"])
        check(p.returncode == 2 and b"20-bad.rules" in p.stderr,
              "lint does not check the configured rules")
        os.remove(os.path.join(etc, "logtriage", "rules.d", "20-bad.rules"))
        # test: never the configuration
        fx = os.path.join(src, "fixtures", "example")
        p = run(["test", "--no-coverage", fx])
        check(p.returncode == 0 and b"1 passed, 0 failed" in p.stdout,
              f"test read configuration: {p.stdout!r} {p.stderr!r}")
        # a missing LOGTRIAGE_RULES path is an error; missing rules.d not
        p = run([], {"LOGTRIAGE_RULES": os.path.join(tmp, "nope.rules")})
        check(p.returncode == 2 and b"nope.rules" in p.stderr,
              f"missing LOGTRIAGE_RULES path: {p.returncode}")
        p = run([], {"LOGTRIAGE_SYSCONFDIR": os.path.join(tmp, "none"),
                     "HOME": os.path.join(tmp, "nohome")})
        check(p.returncode == 0 and p.stderr == b"",
              f"missing rules.d: {p.returncode} {p.stderr!r}")
        # -r DIR: skipped files are named, and not read
        d = os.path.join(tmp, "site")
        write(os.path.join(d, "good.rules"), rule("s.good", "timeout",
                                                  "GOOD-LINE"))
        write(os.path.join(d, "x.rule"), rule("s.x", "timeout", "X-LINE"))
        write(os.path.join(d, "site.rules.txt"), "garbage (\n")
        write(os.path.join(d, ".hidden"), "garbage (\n")
        os.makedirs(os.path.join(d, "sub.rules.d"))
        p = run(["--no-config", "-r", d + "/", "--summary-only"],
                stdin=b"X-LINE\nGOOD-LINE\n")
        err = p.stderr.decode()
        check(f"{d}/x.rule: warning: skipped: not named *.rules" in err and
              f"{d}/site.rules.txt: warning: skipped" in err and
              ".hidden" not in err and "sub.rules.d" not in err and
              err.count("\n") == 2,
              f"-r DIR skip warnings:\n{err}")
        s = json.loads(p.stdout)
        check(p.returncode == 1 and s["cause"]["rule"] == "s.good" and
              s["matches"] == 1, f"-r DIR read a skipped file: {s}")
        # the same for a rules.d
        write(os.path.join(etc, "logtriage", "rules.d", "old.rules~"), "x\n")
        p = run([])
        check(b"old.rules~: warning: skipped" in p.stderr,
              f"rules.d skip warning: {p.stderr!r}")

    for f in failures:
        print("FAIL:", f)
    print(f"{len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
