#!/usr/bin/env python3
"""The installed library, as a program that embeds it would use it.

Usage: example.py [--cc CC] BUILDDIR SRCDIR [EXTRA_CFLAGS...]

Installs BUILDDIR into a scratch prefix (BUILDDIR/install-test) with
`cmake --install`, then, with only that prefix's pkg-config file to go on:
- compiles every installed public header on its own (each must be
  self-contained, warning-free C17);
- builds examples/classify.c with `cc ... $(pkg-config --cflags --libs
  logtriage)` and checks that it runs against the installed
  liblogtriage.so, not the build tree's;
- runs it on a rule file written here, whose verdict is known by hand,
  and on every fixture of SRCDIR/fixtures, whose verdict (clean or
  failure, the cause's category and line) must be the one its
  .expect.json file states.
EXTRA_CFLAGS (the sanitizer flags of a sanitizer build) go to cc; --cc
names the compiler (the build's, so that a sanitizer runtime matches;
default cc).
"""
import glob
import json
import os
import shutil
import subprocess
import sys

CFLAGS = ["-std=c17", "-Wall", "-Wextra", "-Wpedantic", "-Werror"]


def run(cmd, **kw):
    p = subprocess.run(cmd, capture_output=True, text=True, **kw)
    return p.returncode, p.stdout, p.stderr


def main():
    args = sys.argv[1:]
    cc = "cc"
    if args[:1] == ["--cc"]:
        cc, args = args[1], args[2:]
    build, src = args[0], args[1]
    extra = args[2:]
    failures = []
    prefix = os.path.join(os.path.abspath(build), "install-test")
    shutil.rmtree(prefix, ignore_errors=True)
    rc, out, err = run(["cmake", "--install", build, "--prefix", prefix])
    if rc != 0:
        sys.exit(f"cmake --install failed:\n{out}{err}")
    pcs = glob.glob(os.path.join(prefix, "**", "pkgconfig", "logtriage.pc"),
                    recursive=True)
    if len(pcs) != 1:
        sys.exit(f"expected one installed logtriage.pc, found {pcs}")
    env = dict(os.environ, PKG_CONFIG_PATH=os.path.dirname(pcs[0]))
    rc, libdir, err = run(["pkg-config", "--variable=libdir", "logtriage"],
                          env=env)
    if rc != 0:
        sys.exit(f"pkg-config does not find logtriage: {err}")
    libdir = os.path.realpath(libdir.strip())
    env["LD_LIBRARY_PATH"] = libdir
    cflags = " ".join(CFLAGS + extra)

    # Each public header compiles on its own.
    headers = sorted(glob.glob(os.path.join(prefix, "include", "logtriage",
                                            "*.h")))
    if len(headers) < 10:
        failures.append(f"only {len(headers)} public headers installed")
    for h in headers:
        name = os.path.basename(h)
        unit = f"#include <logtriage/{name}>\nint unit;\n"
        rc, out, err = run(["sh", "-c", f"'{cc}' {cflags} -fsyntax-only "
                            "-x c - $(pkg-config --cflags logtriage)"],
                           input=unit, env=env)
        if rc != 0:
            failures.append(f"<logtriage/{name}> alone does not compile:\n"
                            + err)

    # The example, built the way its comment says.
    exe = os.path.join(os.path.abspath(build), "install-test-classify")
    example = os.path.join(src, "examples", "classify.c")
    rc, out, err = run(["sh", "-c", f"'{cc}' {cflags} '{example}' -o '{exe}' "
                        "$(pkg-config --cflags --libs logtriage)"], env=env)
    if rc != 0:
        sys.exit(f"the example does not build:\n{err}")
    rc, out, err = run(["ldd", exe], env=env)
    lib = [line for line in out.splitlines() if "liblogtriage" in line]
    if not lib or libdir not in os.path.realpath(
            lib[0].split("=>")[-1].split("(")[0].strip()):
        failures.append(f"the example is not linked to {libdir}:\n{out}")

    # A rule set whose verdicts are known without running logtriage.
    rules = os.path.join(os.path.abspath(build), "install-test.rules")
    with open(rules, "w") as f:
        f.write("[category demo]\nseverity = high\n"
                "summary = The demo failed\n\n"
                "[rule demo.boom]\ncategory = demo\nmatch = ^BOOM\n")
    for text, want, want_rc in [
            ("all good\nstill good\n", "clean\n", 0),
            ("all good\nBOOM at the end\nafter\n",
             "failure demo line 2 rule demo.boom (high)\n", 1)]:
        rc, out, err = run([exe, rules], input=text, env=env)
        if (rc, out) != (want_rc, want):
            failures.append(f"on {text!r}: exit {rc}, {out!r} {err}; "
                            f"expected exit {want_rc}, {want!r}")

    # The default rules against every fixture's expect file.
    n = 0
    for xp in sorted(glob.glob(os.path.join(src, "fixtures", "*",
                                            "*.expect.json"))):
        log = xp[:-len(".expect.json")] + ".log"
        if not os.path.exists(log):
            continue
        with open(xp) as f:
            want = json.load(f)
        with open(log, "rb") as f:
            p = subprocess.run([exe], stdin=f, capture_output=True, env=env)
        words = p.stdout.decode("utf-8", "replace").split()
        got = {"verdict": words[0] if words else "?"}
        if got["verdict"] == "failure" and len(words) >= 4:
            got["cause"] = {"category": words[1], "line": int(words[3])}
        ok = p.returncode == (1 if got["verdict"] == "failure" else 0)
        # the example prints the verdict and the cause; keys it cannot
        # print (a fixture's "resolved" count) are logtriage test's
        for k, v in want.items():
            if k not in ("verdict", "cause"):
                continue
            if isinstance(v, dict):
                ok = ok and all(got.get(k, {}).get(kk) == vv
                                for kk, vv in v.items())
            else:
                ok = ok and got.get(k) == v
        if not ok:
            failures.append(f"{os.path.relpath(log, src)}: expected {want}, "
                            f"got exit {p.returncode}: {p.stdout!r} "
                            f"{p.stderr[-300:]!r}")
        n += 1
    if n < 100:
        failures.append(f"only {n} fixtures with expect files")

    for f in failures:
        print("FAIL", f)
    if failures:
        sys.exit(1)
    print(f"ok: {len(headers)} headers, the example against {libdir}, "
          f"2 hand-checked inputs, {n} fixtures")


if __name__ == "__main__":
    main()
