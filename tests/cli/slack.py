#!/usr/bin/env python3
"""-o slack and --notify URL.

The payload: one line of valid JSON whatever the log holds, Block Kit
(header, sections, context) within Slack's limits (50 blocks, 3000
characters a section, 150 the header), log text only in code with & < >
escaped and no backtick that could end the code, the secrets redacted,
no line a workflow command.

--notify against a loopback receiver (http.server on 127.0.0.1, a free
port): the POST's body is the -o slack payload and its headers say JSON;
a failure posts, a clean run does not (--notify-always: it does); 429 and
503 are retried after their Retry-After; a 404 is final; a closed port is
retried, then reported with exit status 3; the webhook URL (a secret:
its path and any password in it) is never in a message.
Usage: slack.py LOGTRIAGE SOURCE_ROOT
"""
import http.server
import json
import os
import re
import socket
import sys
import tempfile
import threading
import time
import ltrun  # tests/cli/ltrun.py: LeakSanitizer tool faults

binary, root = sys.argv[1], sys.argv[2]
failures = []
env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
env["LC_ALL"] = "C"

GHP = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"
AWS = "AKIAIOSFODNN7EXAMPLE"
HOSTILE = [
    "``` fence",
    "<!channel> <@U012AB3CD> <https://evil.example|click> &amp; *bold* _it_",
    "::error title=pwned::owned ##[set-output name=x;]y",
    f"git push https://x-access-token:{GHP}@github.com/o/r",
    f"ERROR: no space left on device (aws_access_key_id={AWS}) ```x```",
    "\x1b]0;title\x07 \u202e bidi done",
]
tmp = tempfile.mkdtemp()
log = os.path.join(tmp, "job`<!here>.log")
with open(log, "w") as f:
    f.write("\n".join(HOSTILE) + "\n")
clean = os.path.join(root, "tests/cli/data/clean.log")


def texts(payload):
    """Every mrkdwn/plain text of the blocks, with its block type."""
    out = []
    for b in payload["blocks"]:
        if "text" in b:
            out.append((b["type"], b["text"]))
        for e in b.get("elements", []):
            out.append((b["type"], e))
    return out


def check_payload(name, raw):
    if raw.count(b"\n") != 1 or not raw.endswith(b"\n"):
        failures.append(f"{name}: not one line of JSON")
    try:
        payload = json.loads(raw)
    except ValueError as e:
        failures.append(f"{name}: not JSON: {e}: {raw[:200]!r}")
        return None
    s = raw.decode("utf-8")
    for ln in s.split("\n"):
        if ln.lstrip().startswith("::") or "##[" in ln:
            failures.append(f"{name}: a workflow command: {ln[:80]!r}")
    if GHP in s or AWS in s:
        failures.append(f"{name}: a secret in the payload")
    blocks = payload.get("blocks", [])
    if not isinstance(payload.get("text"), str) or not blocks or \
            len(blocks) > 50:
        failures.append(f"{name}: no text or blocks ({len(blocks)})")
        return payload
    if blocks[0]["type"] != "header" or \
            blocks[0]["text"]["type"] != "plain_text" or \
            len(blocks[0]["text"]["text"]) > 150:
        failures.append(f"{name}: header {blocks[0]!r}")
    if blocks[-1]["type"] != "context":
        failures.append(f"{name}: last block {blocks[-1]['type']}")
    for kind, t in texts(payload):
        if len(t["text"]) > 3000:
            failures.append(f"{name}: a {kind} text of {len(t['text'])} "
                            "characters")
        if t["type"] != "mrkdwn":
            continue
        # Slack's controls: only the runbook link may use < and >
        rest = re.sub(r"<https?://[^<>| ]+\|[^<>]+>", "", t["text"])
        if "<" in rest or ">" in rest:
            failures.append(f"{name}: unescaped < or > in {t['text']!r}")
        if re.search(r"&(?!amp;|lt;|gt;)", t["text"]):
            failures.append(f"{name}: an unescaped & in {t['text']!r}")
        for code in re.findall(r"```\n(.*?)```", t["text"], re.S):
            if "`" in code:
                failures.append(f"{name}: a backtick in the code block")
    return payload


p = ltrun.run([binary, "-o", "slack", "-C", "5", "--runbook-base",
               "https://wiki.example/a|b<c>/", log], env=env, timeout=60)
if p.returncode != 1:
    failures.append(f"-o slack: rc={p.returncode} {p.stderr!r}")
payload = check_payload("-o slack", p.stdout)
expected_body = p.stdout
if payload:
    all_text = json.dumps(payload)
    if "no space left on device" not in all_text or \
            "[REDACTED]" not in all_text:
        failures.append("the evidence or the redaction is missing")
    if "&lt;!channel&gt;" not in all_text:
        failures.append("the mention was not escaped as text")
    if "<https://wiki.example/a%7Cb%3Cc%3E/runbooks/disk-space.md|" \
            not in all_text:
        failures.append(f"runbook link: {all_text!r}")
    if payload["blocks"][0]["text"]["text"] != \
            "Failed: a filesystem ran out of space":
        failures.append(f"headline: {payload['blocks'][0]!r}")

# long lines and wide context: every cap holds
big = os.path.join(tmp, "big.log")
with open(big, "w") as f:
    for i in range(50):
        f.write("&<>`" * 500 + "\n")
    f.write("no space left on device " + "\u00e9" * 100000 + "\n")
    for i in range(50):
        f.write("y" * 2000 + "\n")
p = ltrun.run([binary, "-o", "slack", "-C", "50", big], env=env,
              timeout=60)
check_payload("big", p.stdout)
# clean, and unreadable
p = ltrun.run([binary, "-o", "slack", clean], env=env, timeout=60)
pl = check_payload("clean", p.stdout)
if p.returncode != 0 or not pl or \
        pl["blocks"][0]["text"]["text"] != "No failure found":
    failures.append(f"clean: rc={p.returncode} {p.stdout[:200]!r}")
p = ltrun.run([binary, "-o", "slack", os.path.join(tmp, "missing.log")],
              env=env, timeout=60)
pl = check_payload("unreadable", p.stdout)
if p.returncode != 3 or not pl or "could not be read" not in p.stdout.decode():
    failures.append(f"unreadable: rc={p.returncode} {p.stdout[:300]!r}")
# in Actions, on standard output: no command (check_payload looks)
p = ltrun.run([binary, "-o", "slack", "-o", "github", log],
              env=dict(env, GITHUB_ACTIONS="true"), timeout=60)
if p.returncode != 1:
    failures.append(f"slack + github: rc={p.returncode}")


# --notify: a receiver on loopback
class Receiver(http.server.BaseHTTPRequestHandler):
    answers = []   # (status, headers, body) to give, in order; then 200
    got = []       # (path, headers, body)

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n)
        Receiver.got.append((self.path, dict(self.headers), body,
                             time.monotonic()))
        status, hdrs, text = Receiver.answers.pop(0) if Receiver.answers \
            else (200, {}, b"ok")
        self.send_response(status)
        for k, v in hdrs.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(text)))
        self.end_headers()
        self.wfile.write(text)

    def log_message(self, *a):
        pass


srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
port = srv.server_address[1]
threading.Thread(target=srv.serve_forever, daemon=True).start()
SECRET_PATH = "/services/T0001/B0002/s3cretW3bh00kT0ken"
url = f"http://127.0.0.1:{port}{SECRET_PATH}"


def notify(answers, args, want_rc, want_posts, name):
    Receiver.answers = list(answers)
    Receiver.got = []
    t0 = time.monotonic()
    p = ltrun.run([binary, "-q"] + args, env=env, timeout=120)
    err = p.stderr.decode("utf-8", "replace")
    if p.returncode != want_rc or len(Receiver.got) != want_posts:
        failures.append(f"{name}: rc={p.returncode} (want {want_rc}), "
                        f"{len(Receiver.got)} posts (want {want_posts}): "
                        f"{err!r}")
    if "s3cret" in err or "T0001" in err or "services" in err:
        failures.append(f"{name}: the webhook URL in a message: {err!r}")
    return err, time.monotonic() - t0


err, _ = notify([], ["-C", "5", "--runbook-base",
                     "https://wiki.example/a|b<c>/", "--notify", url, log],
                1, 1, "post")
if Receiver.got:
    path, hdrs, body, _ = Receiver.got[0]
    if path != SECRET_PATH or body != expected_body:
        failures.append(f"post: path {path!r} or body differs from -o slack")
    ctype = {k.lower(): v for k, v in hdrs.items()}.get("content-type", "")
    if not ctype.startswith("application/json"):
        failures.append(f"post: Content-Type {ctype!r}")
if err:
    failures.append(f"post: said something: {err!r}")
notify([], ["--notify", url, clean], 0, 0, "clean: no post")
notify([], ["--notify", url, "--notify-always", clean], 0, 1,
       "clean: --notify-always")
err, took = notify([(429, {"Retry-After": "1"}, b"rate_limited")],
                   ["--notify", url, log], 1, 2, "429 then 200")
if len(Receiver.got) == 2 and Receiver.got[1][3] - Receiver.got[0][3] < 0.9:
    failures.append("429: Retry-After: 1 not waited")
err, _ = notify([(503, {"Retry-After": "1"}, b"busy")] * 4,
                ["--notify", url, log], 3, 4, "503 four times")
if "HTTP 503: busy" not in err or "4 attempts" not in err:
    failures.append(f"503: message {err!r}")
err, _ = notify([(404, {}, b"no_service")], ["--notify", url, log], 3, 1,
                "404 final")
if "HTTP 404: no_service" not in err or "1 attempt)" not in err:
    failures.append(f"404: message {err!r}")
notify([(302, {"Location": "http://127.0.0.1:1/x"}, b"")],
       ["--notify", url, log], 3, 1, "a redirect is not followed")
# a closed port: retried, then a clear error and exit 3
with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    closed = s.getsockname()[1]
err, took = notify([], ["--notify",
                        f"http://hook:pa55w0rd@127.0.0.1:{closed}"
                        f"{SECRET_PATH}", log], 3, 0, "closed port")
if "cannot post to the webhook" not in err or "4 attempts" not in err or \
        "pa55w0rd" in err:
    failures.append(f"closed port: message {err!r}")
if took < 6:
    failures.append(f"closed port: retried without waiting ({took:.1f} s)")
err, _ = notify([], ["--notify", "ftp://127.0.0.1" + SECRET_PATH, log], 3, 0,
                "not http")
if "not http" not in err:
    failures.append(f"not http: {err!r}")
err, _ = notify([], ["--notify", "", log], 1, 0, "empty URL")
if "nothing posted" not in err:
    failures.append(f"empty URL: {err!r}")
p = ltrun.run([binary, "--notify-always", log], env=env, timeout=60)
if p.returncode != 2:
    failures.append(f"--notify-always alone: rc={p.returncode}")
srv.shutdown()

for f in failures:
    print("FAIL", f)
print(f"slack: {len(failures)} failures")
sys.exit(1 if failures else 0)
