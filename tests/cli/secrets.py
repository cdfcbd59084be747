#!/usr/bin/env python3
"""Plant every kind of secret the default redact rules know in lines that
match, and check that none of them survives anywhere in the output
(match text, fields, the summary's cause and runners-up), that spans still
point at the redacted text, and that --no-redact does write them."""
import json
import subprocess
import sys

binary, root = sys.argv[1], sys.argv[2]
SECRETS = {
    "github classic": "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8",
    "github oauth": "gho_" + "Zz9Yy8Xx7Ww6Vv5Uu4Tt3Ss2Rr1Qq0Pp9Oo8",
    "github fine-grained": "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz",
    "aws key id": "AKIAIOSFODNN7EXAMPLE",
    "aws secret": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "bearer": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    "basic": "dXNlcjpodW50ZXIy",
    "password": "hunter2-Secret!",
    "api key": "sk_live_51HqAbCdEfGhIjKlMnOp",
    "url password": "s3cr3tpass",
    "slack webhook": "T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
    "discord webhook": "123456789012345678/abcDEF-ghiJKL_mnoPQR",
    "jwt": "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJnaXRodWIifQ.c2lnbmF0dXJlLXZhbHVl",
    "pem body": "MIIEowIBAAKCAQEAx7Jk3ZsecretKEYmaterialXYZ",
    "npm": "npm_" + "a" * 36,
    "gitlab": "glpat-" + "x1y2z3" * 4,
}
lines = [
    f"LEAK git push https://x-access-token:{SECRETS['github classic']}@github.com/o/r",
    f"LEAK oauth {SECRETS['github oauth']} end",
    f"LEAK GH_TOKEN={SECRETS['github fine-grained']}",
    f"LEAK aws_access_key_id={SECRETS['aws key id']}",
    f"LEAK aws_secret_access_key = {SECRETS['aws secret']}",
    f"LEAK curl -H 'Authorization: Bearer {SECRETS['bearer']}' https://api",
    f"LEAK Authorization: Basic {SECRETS['basic']}",
    f"LEAK mysql --password={SECRETS['password']} -h db",
    f"LEAK config api_key: {SECRETS['api key']}",
    f"LEAK cloning https://deploy:{SECRETS['url password']}@git.example.com/r.git",
    f"LEAK posting to https://hooks.slack.com/services/{SECRETS['slack webhook']}",
    f"LEAK posting to https://discord.com/api/webhooks/{SECRETS['discord webhook']}",
    f"LEAK id_token {SECRETS['jwt']}",
    f"LEAK NPM_TOKEN {SECRETS['npm']}",
    f"LEAK GITLAB {SECRETS['gitlab']}",
    "LEAK -----BEGIN RSA PRIVATE KEY-----",
    f"LEAK {SECRETS['pem body']}",
    "LEAK -----END RSA PRIVATE KEY-----",
    f"LEAK one-line key -----BEGIN PRIVATE KEY-----{SECRETS['pem body']}-----END PRIVATE KEY-----",
]
stdin = ("\n".join(lines) + "\n").encode()
args = [binary, "-r", "tests/cli/rules/secrets.rules"]
out = subprocess.run(args, cwd=root, input=stdin, capture_output=True).stdout
ok = True
for name, value in SECRETS.items():
    if value.encode() in out:
        print(f"FAIL: {name} secret survived")
        ok = False
objs = [json.loads(l) for l in out.decode().splitlines()]
matches = [o for o in objs if o["type"] == "match"]
if len(matches) != len(lines):
    print(f"FAIL: {len(matches)} matches for {len(lines)} lines")
    ok = False
for m in matches:
    t = m["text"].encode()
    s, e = m["span"]
    # the pattern matches the whole line, so the span covers all the
    # redacted text, and the field is the text after "LEAK "
    if not (s == 0 and e == len(t)):
        print(f"FAIL: span {m['span']} does not cover {m['text']!r}")
        ok = False
    rest = m["fields"]["rest"]
    if m["text"].startswith("LEAK "):
        bad = rest != m["text"][5:]
    else:  # "LEAK " was inside a redacted region: rest is a suffix
        bad = not m["text"].endswith(rest)
    if bad:
        print(f"FAIL: field and text disagree: {m['fields']} / {m['text']!r}")
        ok = False
    if "[REDACTED]" not in m["text"] and "BEGIN RSA" not in m["text"]:
        print(f"FAIL: nothing redacted in {m['text']!r}")
        ok = False
# every other output: text (with context), GitHub annotations, the
# Markdown step summary and the metrics
import os
import tempfile
md = os.path.join(tempfile.mkdtemp(), "summary.md")
for extra in (["-o", "text", "-C", "2"], ["-o", "github"],
              ["-o", "prometheus"], ["-q", "--step-summary", md]):
    got = subprocess.run(args + extra, cwd=root, input=stdin,
                         capture_output=True).stdout
    if "--step-summary" in extra:
        got = open(md, "rb").read()
    if len(got) < 50:
        print(f"FAIL: {extra}: no output to check")
        ok = False
    for name, value in SECRETS.items():
        if value.encode() in got:
            print(f"FAIL: {name} secret survived in {extra}")
            ok = False
# --no-redact: the secrets are written as they are
raw = subprocess.run(args + ["--no-redact"], cwd=root, input=stdin,
                     capture_output=True).stdout
for name in ("github classic", "password", "pem body"):
    if SECRETS[name].encode() not in raw:
        print(f"FAIL: --no-redact hid the {name} secret")
        ok = False
print("ok secrets" if ok else "secrets test failed")
sys.exit(0 if ok else 1)
