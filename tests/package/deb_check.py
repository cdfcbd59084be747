#!/usr/bin/env python3
"""Build the Debian package, install it into this machine, run it, remove it.

1. configure a fresh build of SRCDIR in WORKDIR with
   -DCMAKE_INSTALL_PREFIX=/usr (no tests), build it, `cpack -G DEB`;
2. check the package's contents with dpkg-deb: the executable, both
   libraries, the headers and logtriage.pc, both man pages, every default
   rule file and every runbook, the example log;
3. `apt-get install ./logtriage_*.deb` (dependencies from this machine,
   no network: --no-install-recommends);
4. run the installed /usr/bin/logtriage on the installed example log: exit
   1, the disk_space cause, its runbook link the installed page (which
   exists); `logtriage runbook disk_space` prints that page; `lint`
   passes; man finds both pages; pkg-config finds the library;
5. `apt-get purge logtriage` and check that the executable is gone (also
   when a check failed).

Skips (exit 77) when not root, without dpkg/apt-get/cpack, or when a
logtriage package is already installed (it is not ours to replace).

usage: deb_check.py SRCDIR WORKDIR
"""
import glob
import json
import os
import shutil
import subprocess
import sys

SKIP = 77
failures = []


def check(ok, msg):
    if not ok:
        failures.append(msg)


def run(cmd, **kw):
    kw.setdefault("capture_output", True)
    kw.setdefault("text", True)
    kw.setdefault("timeout", 1200)
    return subprocess.run(cmd, **kw)


def must(cmd, what, **kw):
    r = run(cmd, **kw)
    if r.returncode != 0:
        print(f"FAIL: {what}: exit {r.returncode}\n{r.stdout[-4000:]}"
              f"{r.stderr[-4000:]}")
        sys.exit(1)
    return r


def main():
    src, work = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    if os.geteuid() != 0:
        print("SKIP: installing a package needs root")
        return SKIP
    for tool in ("dpkg", "dpkg-deb", "apt-get", "cpack", "dpkg-shlibdeps"):
        if shutil.which(tool) is None:
            print(f"SKIP: {tool} is not installed")
            return SKIP
    r = run(["dpkg-query", "-W", "-f=${Status}", "logtriage"])
    if r.returncode == 0 and "installed" in r.stdout.split():
        print("SKIP: a logtriage package is installed already; not replacing it")
        return SKIP

    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    must(["cmake", "-S", src, "-B", work, "-DCMAKE_INSTALL_PREFIX=/usr",
          "-DCMAKE_BUILD_TYPE=RelWithDebInfo", "-DBUILD_TESTING=OFF"],
         "configure")
    must(["cmake", "--build", work, "-j2"], "build")
    must(["cpack", "-G", "DEB"], "cpack -G DEB", cwd=work)
    debs = glob.glob(os.path.join(work, "logtriage_*.deb"))
    if len(debs) != 1:
        print(f"FAIL: cpack made {debs}, not one logtriage_*.deb")
        return 1
    deb = debs[0]

    # what is in it
    listing = must(["dpkg-deb", "-c", deb], "dpkg-deb -c").stdout
    # "-rw-r--r-- root/root 123 2026-12-01 23:00 ./usr/bin/x[ -> target]"
    files = {ln.split(None, 5)[5].split(" -> ")[0].lstrip(".")
             for ln in listing.splitlines() if len(ln.split(None, 5)) == 6}
    want = ["/usr/bin/logtriage", "/usr/share/man/man1/logtriage.1",
            "/usr/share/man/man5/logtriage-rules.5",
            "/usr/include/logtriage/triage.h",
            "/usr/share/doc/logtriage/examples/deploy-failed.log"]
    want += ["/usr/share/logtriage/rules/" + os.path.basename(f) for f in
             glob.glob(os.path.join(src, "rules", "*.rules"))]
    want += ["/usr/share/doc/logtriage/runbooks/" + os.path.basename(f)
             for f in glob.glob(os.path.join(src, "runbooks", "*.md"))]
    for w in want:
        check(w in files, f"the package lacks {w}")
    for lib in ("liblogtriage.so", "liblogtriage.a", "logtriage.pc"):
        check(any(f.endswith("/" + lib) for f in files),
              f"the package lacks {lib}")
    info = must(["dpkg-deb", "-f", deb, "Depends", "Recommends"],
                "dpkg-deb -f").stdout
    check("libpcre2-8" in info and "libcjson" in info,
          f"Depends lacks PCRE2 or cJSON: {info!r}")

    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive", LC_ALL="C")
    r = run(["apt-get", "install", "-y", "--no-install-recommends",
             "-o", "DPkg::Lock::Timeout=120", "./" + os.path.basename(deb)],
            cwd=work, env=env)
    if r.returncode != 0:
        print(f"FAIL: apt-get install ./{os.path.basename(deb)}:\n"
              f"{r.stdout[-4000:]}{r.stderr[-4000:]}")
        run(["dpkg", "--purge", "logtriage"], env=env)
        return 1
    try:
        exe = "/usr/bin/logtriage"
        example = "/usr/share/doc/logtriage/examples/deploy-failed.log"
        page = "/usr/share/doc/logtriage/runbooks/disk-space.md"
        clean_env = {k: v for k, v in env.items()
                     if k not in ("LOGTRIAGE_RULES", "LOGTRIAGE_RUNBOOK_BASE",
                                  "LOGTRIAGE_SYSCONFDIR", "GITHUB_ACTIONS")}
        r = run([exe, "--summary-only", example], env=clean_env)
        check(r.returncode == 1, f"installed run exited {r.returncode}: "
              f"{r.stderr}")
        try:
            cause = json.loads(r.stdout)["cause"]
        except (ValueError, KeyError, TypeError):
            cause = {}
        check(cause.get("category") == "disk_space",
              f"installed run: cause {cause}")
        check(cause.get("runbook") == page and os.path.isfile(page),
              f"installed run: runbook {cause.get('runbook')!r}")
        r = run([exe, "runbook", "disk_space"], env=clean_env)
        with open(os.path.join(src, "runbooks", "disk-space.md")) as f:
            check(r.returncode == 0 and r.stdout == f.read(),
                  "installed runbook disk_space is not the page")
        r = run([exe, "runbook", "--path", "disk_space"], env=clean_env)
        check(r.stdout == page + "\n" and r.stderr == "",
              f"installed runbook --path: {r.stdout!r} {r.stderr!r}")
        r = run([exe, "lint"], env=clean_env)
        check(r.returncode == 0, f"installed lint: {r.stderr}")
        r = run([exe, "-o", "text", "--color", "never", "--summary-only",
                 example], env=clean_env)
        check("  read  " + page in r.stdout, f"text output:\n{r.stdout}")
        if shutil.which("man"):
            for name in ("logtriage", "logtriage-rules"):
                r = run(["man", "-w", name], env=clean_env)
                check(r.returncode == 0 and r.stdout.startswith("/usr/share/man"),
                      f"man -w {name}: {r.stdout!r} {r.stderr!r}")
        if shutil.which("pkg-config"):
            r = run(["pkg-config", "--modversion", "logtriage"], env=clean_env)
            v = must([exe, "--version"], "--version").stdout.split()[-1]
            check(r.stdout.strip() == v, f"pkg-config: {r.stdout!r} {r.stderr!r}")
    finally:
        r = run(["apt-get", "purge", "-y", "-o", "DPkg::Lock::Timeout=120",
                 "logtriage"], env=env)
        check(r.returncode == 0, f"apt-get purge: {r.stderr}")
        check(not os.path.exists("/usr/bin/logtriage"),
              "/usr/bin/logtriage is still there after the purge")

    for f in failures:
        print("FAIL:", f)
    print(f"{os.path.basename(deb)}: {len(files)} paths; installed, run and "
          f"removed; {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
