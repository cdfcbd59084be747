#!/usr/bin/env python3
"""The Loki source against a real Grafana Loki 2.7.3 (../shared/loki).

One multi-tenant Loki (run-loki start DIR --auth) serves every case;
each case pushes its lines with POST /loki/api/v1/push under its own
tenant or stream labels, then reads them back with logtriage --loki and
checks what came back against what was pushed:

1. paging: randomized runs, each a few thousand lines in up to four
   streams with timestamps that collide at random (across streams and
   within one), an instant holding more entries than --batch, and a
   random --batch; every line must be classified exactly once;
2. --from is inclusive and --to exclusive, to the nanosecond;
3. pushdown with the default rules: the query Loki is sent is accepted,
   and every line a rule matches without pushdown is matched with it;
4. tenants: --org-id / LOKI_ORG_ID read their tenant only, none is
   Loki's "no org id" and exit 3;
5. TLS: stunnel4 in front of Loki, with a CA and certificates made here
   by openssl: --ca-cert, --cert/--key, a wrong CA (exit 3, one clear
   line, never a URL's user:password);
6. --follow: entries pushed while it polls, some at the newest timestamp
   already read, one older than entries of other streams already there
   (a batching sender's), each classified once.

Skips (exit 77) when ../shared/loki is absent.  Usage:
loki_real.py LOGTRIAGE SOURCE_ROOT [RUNS]
"""
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

import ltrun  # tests/cli/ltrun.py, beside this script

binary, root = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
RUNS = int(sys.argv[3]) if len(sys.argv) > 3 else 24
shared = os.path.join(os.path.dirname(root), "shared", "loki")
if not os.path.exists(os.path.join(shared, "run-loki")):
    print(f"skip: no real Loki here ({shared} is absent)")
    sys.exit(77)

BASE = 1736589600  # 2025-01-11T10:00:00Z
failed = 0


def check(name, cond, info=""):
    global failed
    if cond:
        print(f"ok {name}", flush=True)
    else:
        failed += 1
        print(f"FAIL {name}: {info}", flush=True)


def env_for(extra=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOKI_")}
    env["LC_ALL"] = "C"
    env.update(extra or {})
    return env


def run(args, env=None, timeout=120):
    t0 = time.time()
    p = ltrun.run([binary] + args, env=env_for(env), timeout=timeout,
                  cwd=root)
    objs = [json.loads(x) for x in p.stdout.decode().splitlines()
            if x.startswith("{")]
    return p.returncode, objs, p.stderr.decode(), time.time() - t0


def summary(objs):
    s = [o for o in objs if o["type"] == "summary"]
    return s[-1] if s else None


def rfc3339(ns):
    t = time.gmtime(ns // 10**9)
    return time.strftime("%Y-%m-%dT%H:%M:%S", t) + f".{ns % 10**9:09d}Z"


def push(url, org, streams):
    """streams: [(labels, [(ns, line)])], sent in pieces of 2,000."""
    for labels, vals in streams:
        for i in range(0, len(vals), 2000):
            body = json.dumps({"streams": [{"stream": labels, "values": [
                [str(ns), line] for ns, line in vals[i:i + 2000]]}]})
            req = urllib.request.Request(
                url + "/loki/api/v1/push", data=body.encode(),
                headers={"Content-Type": "application/json",
                         "X-Scope-OrgID": org})
            with urllib.request.urlopen(req, timeout=30) as r:
                assert r.status == 204, r.status


def got_set(objs):
    return sorted((m["time"], json.dumps(m["labels"], sort_keys=True),
                   m["text"]) for m in objs if m["type"] == "match")


def set_diff(got, want):
    """What a failed comparison of two got_set()s shows: the differences."""
    g, w = set(got), set(want)
    return (f"missing {sorted(w - g)[:5]} extra {sorted(g - w)[:5]} "
            f"({len(got)} got, {len(want)} wanted)")


def want_set(streams, lo=None, hi=None):
    return sorted((rfc3339(ns), json.dumps(lab, sort_keys=True), line)
                  for lab, vals in streams for ns, line in vals
                  if (lo is None or ns >= lo) and (hi is None or ns < hi))


def free_ports(n):
    socks = [socket.socket() for _ in range(n)]
    for so in socks:
        so.bind(("127.0.0.1", 0))
    ports = [so.getsockname()[1] for so in socks]
    for so in socks:
        so.close()
    return ports


def tls_cases(stunnel, openssl, tspan):
    """stunnel4 on two ports in front of Loki: TLS, and mutual TLS."""
    pki = os.path.join(tmp, "pki")
    os.mkdir(pki)

    def ossl(*a):
        subprocess.run([openssl] + list(a), cwd=pki, check=True,
                       capture_output=True)

    def f(name):
        return os.path.join(pki, name)

    for ca in ("ca", "wrongca"):
        ossl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
             "-subj", f"/CN=logtriage test {ca}", "-keyout", f"{ca}.key",
             "-out", f"{ca}.pem")
    for name, ext in (("server", "subjectAltName=IP:127.0.0.1\n"
                       "extendedKeyUsage=serverAuth"),
                      ("client", "extendedKeyUsage=clientAuth")):
        ossl("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={name}",
             "-keyout", f"{name}.key", "-out", f"{name}.csr")
        with open(f(f"{name}.ext"), "w") as fh:
            fh.write(ext + "\n")
        ossl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey",
             "ca.key", "-CAcreateserial", "-days", "2", "-extfile",
             f"{name}.ext", "-out", f"{name}.pem")
    ports = free_ports(2)
    lport = URL.rsplit(":", 1)[1]
    with open(f("stunnel.conf"), "w") as fh:
        fh.write(f"foreground = yes\npid =\ndebug = 3\n"
                 f"[tls]\naccept = 127.0.0.1:{ports[0]}\n"
                 f"connect = 127.0.0.1:{lport}\n"
                 f"cert = {f('server.pem')}\nkey = {f('server.key')}\n"
                 f"[mtls]\naccept = 127.0.0.1:{ports[1]}\n"
                 f"connect = 127.0.0.1:{lport}\n"
                 f"cert = {f('server.pem')}\nkey = {f('server.key')}\n"
                 f"CAfile = {f('ca.pem')}\nverifyChain = yes\n"
                 f"requireCert = yes\n")
    st = subprocess.Popen([stunnel, f("stunnel.conf")],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", ports[1]), 0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        tls, mtls = (f"https://127.0.0.1:{p}" for p in ports)
        base = tspan + ["--org-id", "team-a", "--retries", "0"]
        rc, objs, err, _ = run(["--loki", tls, "--ca-cert", f("ca.pem")] +
                               base)
        check("TLS: --ca-cert", rc == 1 and summary(objs)["matches"] == 5,
              f"{rc} {err}")
        rc, objs, err, _ = run(["--loki", tls] + base,
                               {"LOKI_CA_CERT_PATH": f("ca.pem")})
        check("TLS: LOKI_CA_CERT_PATH", rc == 1, f"{rc} {err}")
        rc, objs, err, _ = run(["--loki", tls] + base)
        check("TLS: the system CAs do not know the test CA: exit 3",
              rc == 3 and "loki:" in err and "certificate" in err,
              f"{rc} {err}")
        rc, objs, err, _ = run(["--loki", tls.replace(
            "https://", "https://ann:s3cr3t-pw@"), "--ca-cert",
            f("wrongca.pem")] + base)
        check("TLS: a wrong CA: a clear error, exit 3, no password",
              rc == 3 and "certificate" in err and "s3cr3t" not in err and
              "ann:" not in err and err.count("\n") == 1, f"{rc} {err}")
        rc, objs, err, _ = run(["--loki", mtls, "--ca-cert", f("ca.pem"),
                                "--cert", f("client.pem"), "--key",
                                f("client.key")] + base)
        check("mutual TLS: --cert and --key", rc == 1 and
              summary(objs)["matches"] == 5, f"{rc} {err}")
        rc, objs, err, _ = run(["--loki", mtls, "--ca-cert", f("ca.pem")] +
                               base)
        check("mutual TLS without a client certificate: exit 3",
              rc == 3 and "loki:" in err, f"{rc} {err}")
        rc, objs, err, _ = run(["--loki", mtls, "--ca-cert", f("ca.pem"),
                                "--cert", f("server.pem"), "--key",
                                f("client.key")] + base)
        check("mutual TLS, a key that is not the certificate's: exit 3",
              rc == 3 and "loki:" in err, f"{rc} {err}")
    finally:
        st.terminate()
        st.wait(10)


tmp = tempfile.mkdtemp(prefix="lt-loki-real-")
started = subprocess.run([os.path.join(shared, "run-loki"), "start",
                          os.path.join(tmp, "loki"), "--auth"],
                         capture_output=True, text=True, timeout=120)
if started.returncode != 0:
    print("FAIL: run-loki start:", started.stderr)
    sys.exit(1)
URL = started.stdout.split()[0]
t_start = time.time()
try:
    # ---- 1. paging: every line exactly once -------------------------
    rnd = random.Random(int(os.environ.get("LT_SEED", "0")) or
                        int(time.time()))
    seed_note = rnd.randrange(1 << 30)
    rnd = random.Random(seed_note)
    print(f"paging seed {seed_note} (LT_SEED reruns are not the same: "
          f"Loki's own order decides)")
    runs = []
    for r in range(RUNS):
        # each request takes Loki some 60 ms: at most about 40 of them
        batch = rnd.choice([3, 7, 50, 100, 333, 1000])
        nstreams = rnd.randint(1, 4)
        n = max(150, min(3000, rnd.randint(10, 40) * batch))
        slots = rnd.randint(n // 8, n // 2)  # distinct instants: collisions
        t0 = (BASE + 60 * r) * 10**9
        per = {s: [] for s in range(nstreams)}
        for i in range(n):
            # some instants at whole ms (as promtail sends), some at ns
            ns = t0 + rnd.randrange(slots) * rnd.choice([1, 1000, 10**6])
            per[rnd.randrange(nstreams)].append((ns, f"connection refused "
                                                 f"run={r} id={i}"))
        # an instant holding more entries than a page, in one stream and
        # across two
        big = t0 + slots * 10**6 + 5
        for i in range(batch + 3):
            per[0].append((big, f"connection refused run={r} big={i}"))
            if nstreams > 1 and i % 2:
                per[1].append((big, f"connection refused run={r} big2={i}"))
        streams = [({"job": f"paging{r}", "s": str(s)},
                    sorted(v, key=lambda e: e[0])) for s, v in per.items()]
        push(URL, "paging", streams)
        runs.append((r, batch, streams))
    for r, batch, streams in runs:
        rc, objs, err, dt = run(["--loki", URL, "-q", f'{{job="paging{r}"}}',
                                 "--org-id", "paging", "--no-pushdown",
                                 "--batch", str(batch), "--from",
                                 str(BASE + 60 * r), "--to",
                                 str(BASE + 60 * r + 60)])
        exp = want_set(streams)
        got = got_set(objs)
        s = summary(objs)
        nums = [m["line"] for m in objs if m["type"] == "match"]
        check(f"paging run {r}: {len(exp)} lines in {len(streams)} streams, "
              f"--batch {batch}: each exactly once", rc == 1 and got == exp
              and s["lines"] == len(exp) and
              nums == list(range(1, len(exp) + 1)),
              f"rc {rc} got {len(got)} want {len(exp)} lines "
              f"{s and s['lines']} dup {len(got) - len(set(got))} "
              f"{err[:300]}")
    print(f"paging: {RUNS} runs, {time.time() - t_start:.1f} s")

    # ---- 2. --from inclusive, --to exclusive ------------------------
    t0 = (BASE + 7200) * 10**9
    edge = [({"job": "edges"}, [(t0 - 1, "connection refused before"),
                                (t0, "connection refused at from"),
                                (t0 + 500, "connection refused inside"),
                                (t0 + 10**9 - 1, "connection refused last"),
                                (t0 + 10**9, "connection refused at to")])]
    push(URL, "paging", edge)
    rc, objs, err, _ = run(["--loki", URL, "-q", '{job="edges"}', "--org-id",
                            "paging", "--no-pushdown", "--batch", "1", "--from",
                            rfc3339(t0), "--to", rfc3339(t0 + 10**9)])
    check("--from inclusive, --to exclusive, to the ns",
          got_set(objs) == want_set(edge, t0, t0 + 10**9), str(got_set(objs)))

    # ---- 3. pushdown with the default rules --------------------------
    # Loki's cap: a query of 5120 bytes or more is refused
    for n, ok in ((5119, True), (5120, False)):
        sel = '{job="cap"} != "' + "x" * (n - 17) + '"'
        assert len(sel) == n
        rc, objs, err, _ = run(["--loki", URL, "-q", sel, "--org-id", "paging",
                                "--no-pushdown", "--since", "1m"])
        check(f"Loki's cap: a query of {n} bytes is "
              f"{'accepted' if ok else 'refused'}", (rc == 0) == ok and
              (ok or "input size too long" in err), f"{rc} {err}")
    corpus = os.path.join(root, "..", "shared", "bench", "gen-corpus.py")
    text = subprocess.run([sys.executable, corpus, "--mib", "1", "--seed",
                           "7"], capture_output=True, check=True).stdout
    lines = text.decode("utf-8", "replace").splitlines()
    t0 = (BASE + 2 * 86400) * 10**9
    cstreams = {}
    for i, line in enumerate(lines):
        cstreams.setdefault(i % 3, []).append((t0 + i * 10**6, line))
    # a few lines that only PCRE2's view of them matches: ANSI inside
    extra = [(t0 + len(lines) * 10**6 + k, x) for k, x in enumerate([
        "write /data: no \x1b[1mspace\x1b[0m left on device",
        "dial tcp 10.1.2.3:5432: connect: conn\x1b[0mection refused"])]
    cstreams[0] += extra
    push(URL, "corpus", [({"job": "corpus", "host": f"h{k}"}, v)
                         for k, v in cstreams.items()])
    span = ["--from", str(t0 // 10**9), "--to", str(t0 // 10**9 + 86400)]
    res = {}
    for mode, flag, sel in (("off", ["--no-pushdown"], '{job="corpus"}'),
                            ("on", [], '{job="corpus"}'),
                            ("coarse", ["--verbose"], '{job="corpus"} != "' + "q" *
                             3000 + '"')):
        rc, objs, err, dt = run(["--loki", URL, "-q", sel, "--org-id",
                                 "corpus", "--fail-on", "info"] + flag + span)
        res[mode] = (rc, got_set(objs), summary(objs), err, dt)
    off, on, coarse = res["off"], res["on"], res["coarse"]
    check("pushdown off: every line read", off[0] == 1 and
          off[2]["lines"] == len(lines) + 2, f"{off[0]} {off[2]} {off[3]}")
    check("pushdown on: the query is accepted, the same matches",
          on[0] == 1 and on[1] == off[1] and len(on[1]) > 20 and
          "note:" not in on[3], f"{on[0]} {len(on[1])} {len(off[1])} "
          f"{on[3][:400]} {set_diff(on[1], off[1])}")
    # the filter ships the lines that clear a pending match too
    # (cleared_by: "Listening for Jobs", "added N packages", ...), which
    # healthy CI logs are full of: a quarter of this corpus
    check("pushdown on: Loki ships fewer lines", on[2]["lines"] <
          off[2]["lines"] // 3, f"{on[2]['lines']} of {off[2]['lines']}")
    ansi = [m for m in on[1] if m[0] >= rfc3339(t0 + len(lines) * 10**6)]
    check("ANSI inside the words: found with pushdown", len(ansi) == 2,
          str(ansi))
    check("long user query: a coarser filter, accepted, same matches",
          coarse[0] == 1 and coarse[1] == off[1] and
          "coarser than the rules" in coarse[3] and
          coarse[2]["lines"] < off[2]["lines"], f"{coarse[0]} "
          f"{coarse[2]['lines']} {coarse[3][:400]} "
          f"{set_diff(coarse[1], off[1])}")
    print(f"pushdown: lines shipped {on[2]['lines']} of {off[2]['lines']} "
          f"({100 * on[2]['lines'] / off[2]['lines']:.1f} %), coarse "
          f"{coarse[2]['lines']}; end-to-end {on[4]:.2f} s with, "
          f"{off[4]:.2f} s without, {coarse[4]:.2f} s coarse")

    # ---- 4. tenants -------------------------------------------------
    t0 = (BASE + 3 * 86400) * 10**9
    for org in ("team-a", "team-b"):
        push(URL, org, [({"job": "tenant"}, [
            (t0 + k, f"connection refused for {org} #{k}") for k in range(5)])])
    tspan = ["-q", '{job="tenant"}', "--from", str(t0 // 10**9), "--to",
             str(t0 // 10**9 + 60)]
    for how, args, env, want in (
            ("--org-id", ["--org-id", "team-a"], None, "team-a"),
            ("LOKI_ORG_ID", [], {"LOKI_ORG_ID": "team-b"}, "team-b"),
            ("--org-id over LOKI_ORG_ID", ["--org-id", "team-b"],
             {"LOKI_ORG_ID": "team-a"}, "team-b")):
        rc, objs, err, _ = run(["--loki", URL] + tspan + args, env)
        texts = [m["text"] for m in objs if m["type"] == "match"]
        check(f"tenant by {how}: its 5 lines only", rc == 1 and
              len(texts) == 5 and all(want in t for t in texts),
              f"{rc} {texts} {err}")
    rc, objs, err, _ = run(["--loki", URL] + tspan)
    check("no tenant: Loki's error, exit 3", rc == 3 and
          err.strip() == "logtriage: loki: 401: no org id" and
          summary(objs)["unreadable_inputs"] == 1, f"{rc} {err}")
    rc, objs, err, _ = run(["--loki", URL.replace(
        "http://", "http://ann:s3cr3t-pw@")] + tspan)
    check("user:password in the URL: never printed", rc == 3 and
          "s3cr3t" not in err and "ann" not in err, err)

    # ---- 5. TLS through stunnel4, with a CA made here ----------------
    stunnel = shutil.which("stunnel4") or shutil.which("stunnel")
    openssl = shutil.which("openssl")
    if stunnel is None or openssl is None:
        check("TLS: stunnel4 and openssl are installed (CI installs them)",
              False, "missing")
    else:
        tls_cases(stunnel, openssl, tspan)

    # ---- 6. --follow: new entries once each, also at the newest time,
    # and one that reaches Loki after newer ones of other streams (as
    # batching senders do): each poll stops --delay-for short of now
    now = time.time_ns()
    fl = [({"job": "follow", "s": "a"}, [(now - 3 * 10**9,
                                          "connection refused early")])]
    push(URL, "follow", fl)
    p = subprocess.Popen([binary, "--loki", URL, "-q", '{job="follow"}',
                          "--org-id", "follow", "--since", "1m", "--follow",
                          "--interval", "0.2", "--delay-for", "2",
                          "--batch", "5"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         env=env_for(), cwd=root)
    # waits on what logtriage wrote, not on the clock: a loaded machine
    # (an ASan build beside other jobs) can take seconds to start
    seen = []
    reader = threading.Thread(target=lambda: seen.extend(p.stdout),
                              daemon=True)
    reader.start()

    def wait_lines(n, limit=60.0):
        end = time.monotonic() + limit
        while len(seen) < n and time.monotonic() < end:
            time.sleep(0.05)

    wait_lines(1)   # "early": the first read is done
    t1 = time.time_ns()
    late = [({"job": "follow", "s": "a"}, [(t1, "connection refused a1"),
                                           (t1, "connection refused a2")]),
            ({"job": "follow", "s": "b"}, [(t1, "connection refused b1")])]
    push(URL, "follow", late)
    time.sleep(0.5)
    # more at the newest timestamp already there, after it, and before it
    later = [({"job": "follow", "s": "c"}, [(t1, "connection refused c1 "
                                                 "(same ns as the last)")]),
             ({"job": "follow", "s": "a"}, [(t1 + 1000,
                                             "connection refused a3")]),
             ({"job": "follow", "s": "d"}, [(t1 - 3 * 10**8,
                                             "connection refused d1 "
                                             "(older, came later)")])]
    push(URL, "follow", later)
    wait_lines(7)   # every match; then one more poll that finds nothing
    time.sleep(1.0)
    p.send_signal(signal.SIGINT)
    p.wait(timeout=30)     # stdout is the reader's alone
    reader.join(30)
    ferr = p.stderr.read()
    fobjs = [json.loads(x) for x in seen]
    check("--follow: every line once, as it comes; SIGINT: summary, 130",
          p.returncode == 130 and got_set(fobjs) == want_set(fl + late +
                                                             later) and
          summary(fobjs)["lines"] == 7, f"{p.returncode} "
          f"{sorted(x[2] for x in got_set(fobjs))} {ferr.decode()[:300]}")
finally:
    subprocess.run([os.path.join(shared, "run-loki"), "stop",
                    os.path.join(tmp, "loki")], timeout=60)
    shutil.rmtree(tmp, ignore_errors=True)

print(f"{time.time() - t_start:.1f} s")
print("failed" if failed else "all passed", failed)
sys.exit(1 if failed else 0)
