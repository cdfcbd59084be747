#!/usr/bin/env python3
"""A corpus of planted secrets, in every input format, through every
output, with no secret surviving anywhere.

PLANTED below lists each secret with the line it is written in, in the
shapes people paste (environment assignments, aws sts JSON, URLs, JSON
escaped in text, quoted values with spaces, command-line passwords,
provider tokens).  The lines are written as plain text, a GitHub Actions
job log (a secret in a step name too), journalctl -o json, a Loki
query_range response and logcli jsonl (secrets in stream labels too) and
a docker json-file log (in attrs too); a PEM and a PGP private key block
sit among them.  Each input runs through -o json, -o text with context,
-o github, -o prometheus, --summary-only, --step-summary, --push (the
body a Pushgateway would get), and the run's standard error, where a
push and a Loki URL with user:password@ fail to connect; with the
default rules and with --no-defaults -r site.rules, which must keep the
default redactions.  A line cut by --max-line inside a token must not
keep the token's first part.  The secrets are made up; each is built
from parts so that no complete token sits in this file.
Usage: secrets_corpus.py LOGTRIAGE SOURCE_ROOT
"""
import http.server
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import ltrun  # tests/cli/ltrun.py: LeakSanitizer tool faults

binary, root = sys.argv[1], sys.argv[2]
J = "".join

# (name, secret, line holding it); every line starts "LEAK " so that the
# test rule t.leak matches it, and is echoed whole
PLANTED = [
    ("DB_PASSWORD", "Db-Pw-7731x", "DB_PASSWORD={}"),
    ("MYSQL_ROOT_PASSWORD", "My-Root-8842q", "export MYSQL_ROOT_PASSWORD={}"),
    ("PGPASSWORD", "Pg-Pw-5519z", "PGPASSWORD={} psql -h db"),
    ("NPM_TOKEN", "NpmTok-0042-abc", "NPM_TOKEN={} npm publish"),
    ("AWS_SESSION_TOKEN", J(["FwoGZXIvYXdz", "EXAMPLEsess0123"]),
     "AWS_SESSION_TOKEN={}"),
    ("AZURE_CLIENT_SECRET", "Az~Cl1ent.S3cret_xyz", "AZURE_CLIENT_SECRET={}"),
    ("CI_JOB_TOKEN", "CiJob-Tok-6654", "git clone with CI_JOB_TOKEN={}"),
    ("sts SecretAccessKey", J(["wJalrXUtnFEMI/K7MDENG/", "bPxRfiCYSTSEXAMPLE"]),
     '{{"Credentials": {{"AccessKeyId": "ASIA' + "IOSFODNN7EXAMPL" +
     '", "SecretAccessKey": "{}", "Expiration": "2025-01-11T11:00:00Z"}}}}'),
    ("sts SessionToken", J(["IQoJb3JpZ2luX2Vj", "EXAMPLE//+sess="]),
     '{{"SessionToken": "{}"}}'),
    ("url password with / and @", "pa/ss@w0rd",
     "cloning https://deploy:{}@git.example.com/r.git"),
    ("redis empty user", "RedisPw-8812", "connect redis://:{}@cache:6379/0"),
    ("escaped JSON", "EscJson-Pw-1", 'body={{\\"user\\":\\"a\\",\\"password\\":\\"{}\\"}}'),
    ("quoted with spaces", "two words Zq7", 'password: "{}"'),
    ("gitlab", J(["glpat-", "x1y2z3" * 4]), "GITLAB_TOKEN {}"),
    ("npm", J(["npm_", "a1B2" * 9]), "//registry.npmjs.org/:_authToken {}"),
    ("google", J(["AIza", "SyA1234567890abcdefghijklmnopqrstuv"]), "key {} end"),
    ("azure AccountKey", "AzAcctKey0123456789abcdef==",
     "DefaultEndpointsProtocol=https;AccountName=acme;AccountKey={};"
     "EndpointSuffix=core.windows.net"),
    ("azure SAS", "SasSig%2Fabc123%3D",
     "GET https://acme.blob.core.windows.net/c/b?sv=2022-11-02&sig={}&se=x"),
    ("azure SharedAccessSignature", "SharedSig-5567",
     "Endpoint=sb://x/;SharedAccessSignature={}"),
    ("docker auth", J(["ZGVwbG95OmRv", "Y2tlcnB3"]),
     '{{"auths": {{"ghcr.io": {{"auth": "{}"}}}}}}'),
    ("docker login -p", "DockPw-9911", "docker login -u ci -p {} ghcr.io"),
    ("--password X", "CliPw-space-1", "deploy --password {} --yes"),
    ("--password=X", "CliPw-eq-2", "deploy --password={} --yes"),
    ("mysql -pX", "MysqlPw-77", "mysql -uroot -p{} -h db app"),
    ("curl -u", "CurlPw-88", "curl -fsS -u admin:{} https://api.example"),
    ("stripe", J(["sk_live_", "51HqAbCdEfGhIjKlMnOpQr"]), "stripe key {}"),
    ("huggingface", J(["hf_", "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"]),
     "HF {}"),
    ("slack bot", J(["xoxb-", "1234567890-abcdefGHIJKL"]), "slack {}"),
    ("slack user", J(["xoxp-", "1234567890-zyxwvuTSRQ"]), "slack {}"),
    ("github", J(["ghp_", "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"]),
     "git push https://x-access-token:{}@github.com/o/r"),
    ("bearer", J(["eyJhbGciOiJIUzI1NiJ9", ".eyJzdWIiOiIxIn0.dozjgNryP4J3j"]),
     "curl -H 'Authorization: Bearer {}' https://api"),
]
PEM = ["-----BEGIN RSA PRIVATE KEY-----",
       J(["MIIEowIBAAKCAQEA", "x7Jk3ZsecretPEMline1"]),
       J(["PemBodyLine2", "AbCdEfGhIjKlMnOp"]),
       "-----END RSA PRIVATE KEY-----"]
PGP = ["-----BEGIN PGP PRIVATE KEY BLOCK-----", "",
       J(["lQOYBGW", "PgpSecretBody1xyz"]), J(["PgpSecret", "Body2abcdef"]),
       "=Pgp9", "-----END PGP PRIVATE KEY BLOCK-----"]
SECRETS = [(n, s) for n, s, _ in PLANTED]
SECRETS += [("pem body", PEM[1][8:]), ("pem body 2", PEM[2]),
            ("pgp body", PGP[2]), ("pgp body 2", PGP[3])]
# secrets that only labels hold
LABELS = {"password": "LabelPw-4471", "api_token": "LabelTok-5582",
          "DB_URL": "postgres://app:LabelUrlPw-66@db/app"}
SECRETS += [("label password", "LabelPw-4471"),
            ("label api_token", "LabelTok-5582"),
            ("label url", "LabelUrlPw-66")]
STEP_SECRET = "StepPw-3321"
SECRETS.append(("gha step name", STEP_SECRET))
PUSH_PW, LOKI_PW = "PushPw-3141", "LokiPw-2718"
SECRETS += [("push url", PUSH_PW), ("loki url", LOKI_PW)]

lines = ["LEAK " + t.format(s) for _, s, t in PLANTED]
# key blocks: the rule sees only lines starting LEAK, so the key lines are
# context (-C) or the evidence of a one-line match
text_lines = []
for ln in lines:
    text_lines.append(ln)
text_lines += ["LEAK the key follows"] + PEM + ["LEAK between keys"] + PGP + \
    ["LEAK after the keys"]
failures = []


def json_line(**kw):
    return json.dumps(kw, separators=(",", ":"))


def formats(tmp):
    """{format name: path} of the corpus in each input format."""
    out = {}
    p = os.path.join(tmp, "plain.log")
    open(p, "w").write("\n".join(text_lines) + "\n")
    out["text"] = p
    p = os.path.join(tmp, "gha.log")
    with open(p, "w") as f:
        f.write("\ufeff2025-01-11T10:00:00.0000000Z ##[group]Run deploy "
                f"--password {STEP_SECRET}\n")
        for i, ln in enumerate(text_lines):
            f.write(f"2025-01-11T10:00:{i % 60:02d}.1234567Z {ln}\n")
    out["gha"] = p
    p = os.path.join(tmp, "journal.json")
    with open(p, "w") as f:
        for i, ln in enumerate(text_lines):
            f.write(json_line(__REALTIME_TIMESTAMP=str(1736589600000000 + i),
                              _HOSTNAME="runner-1", SYSLOG_IDENTIFIER="ci",
                              MESSAGE=ln) + "\n")
    out["journal"] = p
    p = os.path.join(tmp, "loki.json")
    values = [[str(1736589600000000000 + i), ln]
              for i, ln in enumerate(text_lines)]
    doc = {"status": "success",
           "data": {"resultType": "streams",
                    "result": [{"stream": dict(LABELS, job="ci"),
                                "values": values}]}}
    open(p, "w").write(json.dumps(doc))
    out["loki"] = p
    p = os.path.join(tmp, "logcli.jsonl")
    with open(p, "w") as f:
        for i, ln in enumerate(text_lines):
            f.write(json_line(labels=dict(LABELS, job="ci"), line=ln,
                              timestamp=f"2025-01-11T10:00:{i % 60:02d}Z")
                    + "\n")
    out["jsonl"] = p
    p = os.path.join(tmp, "docker.log")
    with open(p, "w") as f:
        for i, ln in enumerate(text_lines):
            f.write(json_line(log=ln + "\n", stream="stdout", attrs=LABELS,
                              time=f"2025-01-11T10:00:{i % 60:02d}.5Z")
                    + "\n")
    out["docker"] = p
    return out


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


bodies = []


class Capture(http.server.BaseHTTPRequestHandler):
    def do_PUT(self):
        n = int(self.headers.get("Content-Length", "0"))
        bodies.append(self.path.encode() + b"\n" + self.rfile.read(n))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_POST = do_PUT

    def log_message(self, *a):
        pass


def leaks(where, blob):
    for name, s in SECRETS:
        if s.encode() in blob:
            failures.append(f"{where}: the {name} secret survived")


tmp = tempfile.mkdtemp()
inputs = formats(tmp)
srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Capture)
threading.Thread(target=srv.serve_forever, daemon=True).start()
push_url = f"http://127.0.0.1:{srv.server_address[1]}"
closed = free_port()
site = [os.path.join(root, "tests/cli/rules/secrets.rules")]
env = dict(os.environ, LC_ALL="C")
env.pop("GITHUB_ACTIONS", None)
for rules in (["-r"] + site, ["--no-defaults", "-r"] + site):
    for fmt, path in inputs.items():
        md = os.path.join(tmp, f"summary-{fmt}.md")
        runs = [[], ["-o", "text", "-C", "3", "--color", "never"],
                ["-o", "github", "-o", "json", "-A", "2"],
                ["-o", "prometheus"], ["--summary-only", "-o", "text"],
                ["-q", "--step-summary", md],
                ["-q", "--push", push_url, "--push-job", "ci"]]
        for extra in runs:
            where = f"{fmt} {' '.join(rules[:1] + extra)}"
            bodies.clear()
            p = ltrun.run([binary] + rules + ["--input", fmt] + extra +
                               [path], env=env,
                               cwd=root, timeout=60)
            got = p.stdout
            if "--step-summary" in extra:
                got = open(md, "rb").read()
            if "--push" in extra:
                got = b"".join(bodies)
            if p.returncode != 1 or len(got) < 100:
                failures.append(f"{where}: rc {p.returncode}, {len(got)} "
                                f"bytes to check; {p.stderr[:200]!r}")
            if extra == [] and fmt == "text":
                n = sum(1 for ln in p.stdout.splitlines()
                        if ln.startswith(b'{"type":"match"'))
                if n != len(lines) + 3:
                    failures.append(f"{where}: {n} matches, expected "
                                    f"{len(lines) + 3}")
                if p.stdout.count(b"[REDACTED]") < len(PLANTED):
                    failures.append(f"{where}: too few [REDACTED]")
            leaks(where, got)
            leaks(where + " (stderr)", p.stderr)

# URLs with credentials in error messages
p = ltrun.run([binary, "-q", "--push",
                    f"http://ci:{PUSH_PW}@127.0.0.1:{closed}",
                    inputs["text"]], env=env, timeout=60)
if b"push" not in p.stderr:
    failures.append(f"push to a closed port: no message: {p.stderr!r}")
leaks("push error message", p.stderr)
p = ltrun.run([binary, "--loki", f"http://loki:{LOKI_PW}@127.0.0.1:"
                    f"{closed}", "-q", '{job="ci"}', "--since", "1h",
                    "--retries", "0"], env=env,
                   timeout=60)
if p.returncode != 3 or b"loki" not in p.stderr:
    failures.append(f"loki at a closed port: rc {p.returncode} {p.stderr!r}")
leaks("loki error message", p.stderr)
srv.shutdown()

# a line cut inside a token by --max-line keeps nothing of the token
token = J(["ghp_", "Cut9Cut8Cut7Cut6Cut5Cut4Cut3Cut2Cut1"])
for cut_at in (12, 20, 30):
    line = "LEAK " + "x " * 40 + token
    n = len(line) - len(token) + cut_at
    p = ltrun.run([binary, "-r"] + site + ["--max-line", str(n), "-"],
                       input=(line + "\n").encode(),
                       env=env, timeout=60)
    m = [json.loads(ln) for ln in p.stdout.splitlines()
         if ln.startswith(b'{"type":"match"')]
    if not m or not m[0]["text"].endswith("[REDACTED]"):
        failures.append(f"--max-line cut at {cut_at} bytes of the token: "
                        f"{m[0]['text'][-40:] if m else p.stdout[:200]!r}")
    if token[:cut_at].encode() in p.stdout or b"ghp_Cut" in p.stdout:
        failures.append(f"--max-line cut at {cut_at}: the token's first "
                        "part survived")

# --no-redact writes them (the test can fail)
p = ltrun.run([binary, "-r"] + site + ["--no-redact", inputs["text"]], env=env, timeout=60)
for name in ("DB_PASSWORD", "quoted with spaces", "github"):
    s = dict(SECRETS)[name]
    if s.encode() not in p.stdout:
        failures.append(f"--no-redact hid the {name} secret")
for f in failures:
    print("FAIL", f)
print(f"secrets_corpus: {len(failures)} failures")
sys.exit(1 if failures else 0)
