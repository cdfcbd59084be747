#!/usr/bin/env python3
"""contrib/grafana/logtriage.json: a dashboard Grafana can import.

Checks the structure Grafana needs (uid, title, schemaVersion 36 or
later, panels with unique ids, a type, a gridPos inside the 24-column
grid and not overlapping, targets with unique refIds and an expr), that
the panels the README describes are there, that every $variable used
is defined (or one of Grafana's own), that every data source is the
`datasource` variable, that every logtriage_* metric named is one the
code emits (the `# TYPE` lines in src/), and that each target filters
on $env and $runner.  Then every PromQL expression, with the variables
replaced by sample values, is sent to a real Prometheus (Debian's
prometheus, on a free loopback port with an empty TSDB) as an instant
query: a parse error comes back as HTTP 400 bad_data.  Without the
prometheus binary the structure is still checked and the test is
skipped (77) for the PromQL part."""
import glob
import json
import os
import re
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import servers  # noqa: E402
from dashlib import VAR_RE, substitute, var_name  # noqa: E402

root = sys.argv[1]
path = sys.argv[2] if len(sys.argv) > 2 else os.path.join(
    root, "contrib/grafana/logtriage.json")
failures = []


def fail(msg):
    failures.append(msg)


with open(path) as f:
    try:
        dash = json.load(f)
    except json.JSONDecodeError as e:
        print(f"FAIL: {path}: not JSON: {e}")
        sys.exit(1)

# --- the dashboard itself
if not isinstance(dash, dict):
    print("FAIL: the top level is not an object")
    sys.exit(1)
uid = dash.get("uid")
if not isinstance(uid, str) or not re.fullmatch(r"[A-Za-z0-9_-]{1,40}", uid):
    fail(f"uid {uid!r}: want 1-40 characters of A-Za-z0-9_-")
if not isinstance(dash.get("title"), str) or not dash["title"].strip():
    fail("no title")
if not isinstance(dash.get("schemaVersion"), int) or dash["schemaVersion"] < 36:
    fail(f"schemaVersion {dash.get('schemaVersion')!r}: want 36 or later")
if "id" in dash and dash["id"] is not None:
    fail("a dashboard to import must not carry a numeric id")
time_range = dash.get("time", {})
if not (isinstance(time_range.get("from"), str) and
        isinstance(time_range.get("to"), str)):
    fail("time.from / time.to missing")

# --- variables
variables = dash.get("templating", {}).get("list")
if not isinstance(variables, list):
    fail("templating.list missing")
    variables = []
defined = {}
for v in variables:
    name = v.get("name")
    if not isinstance(name, str) or not re.fullmatch(r"\w+", name):
        fail(f"variable with a bad name: {name!r}")
        continue
    if name in defined:
        fail(f"variable {name} defined twice")
    defined[name] = v
    if v.get("type") not in ("query", "datasource", "interval", "custom",
                             "constant", "textbox", "adhoc"):
        fail(f"variable {name}: unknown type {v.get('type')!r}")
for want, vtype in (("datasource", "datasource"), ("env", "query"),
                    ("runner", "query")):
    if defined.get(want, {}).get("type") != vtype:
        fail(f"no {vtype} variable {want}")
if defined.get("datasource", {}).get("query") != "prometheus":
    fail("the datasource variable does not select Prometheus data sources")

BUILTIN = {"__interval", "__interval_ms", "__range", "__range_s",
           "__range_ms", "__rate_interval", "__from", "__to", "__all",
           "__dashboard", "__org", "__user", "__timezone"}
def strings(node, where):
    """Every string in the JSON tree, with a path to say where."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield from strings(v, f"{where}.{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from strings(v, f"{where}[{i}]")
    elif isinstance(node, str):
        yield where, node


used = set()
for where, s in strings(dash, "dashboard"):
    for m in VAR_RE.finditer(s):
        name = var_name(m)
        used.add(name)
        if name not in defined and name not in BUILTIN:
            fail(f"{where}: ${name} is not a defined variable")
for name in defined:
    if name not in used:
        fail(f"variable {name} is defined but never used")


def check_datasource(ds, where):
    if not (isinstance(ds, dict) and ds.get("type") == "prometheus" and
            ds.get("uid") == "${datasource}"):
        fail(f"{where}: datasource {ds!r} is not the datasource variable")


for v in variables:
    if v.get("type") == "query":
        check_datasource(v.get("datasource"), f"variable {v.get('name')}")

# --- metric names the code writes
emitted = set()
for src in glob.glob(os.path.join(root, "src/**/*.c"), recursive=True):
    with open(src, errors="replace") as f:
        emitted |= set(re.findall(r"# TYPE (logtriage_\w+)", f.read()))
if not emitted:
    fail("no '# TYPE logtriage_...' line found under src/")

# --- panels
panels = dash.get("panels")
if not isinstance(panels, list) or not panels:
    fail("no panels")
    panels = []
REQUIRED = ["Causes over time", "Top rules", "Failure rate",
            "Time since last runner_offline", "Recent verdicts"]
titles = [p.get("title", "") for p in panels if isinstance(p, dict)]
for want in REQUIRED:
    if not any(t.startswith(want) for t in titles):
        fail(f"no panel titled {want!r}")
ids = set()
cells = {}
exprs = []  # (where, expr)
for i, p in enumerate(panels):
    where = f"panel {p.get('id', i)} ({p.get('title', '?')})"
    pid = p.get("id")
    if not isinstance(pid, int) or isinstance(pid, bool) or pid <= 0:
        fail(f"{where}: id {pid!r} is not a positive integer")
    elif pid in ids:
        fail(f"{where}: id {pid} used twice")
    ids.add(pid)
    if not isinstance(p.get("type"), str) or not p["type"]:
        fail(f"{where}: no type")
    if not isinstance(p.get("title"), str) or not p["title"]:
        fail(f"{where}: no title")
    g = p.get("gridPos", {})
    if not all(isinstance(g.get(k), int) for k in "hwxy"):
        fail(f"{where}: gridPos needs integer h, w, x, y: {g!r}")
    elif g["w"] < 1 or g["h"] < 1 or g["x"] < 0 or g["y"] < 0 or \
            g["x"] + g["w"] > 24:
        fail(f"{where}: gridPos {g!r} is outside the 24-column grid")
    else:
        for x in range(g["x"], g["x"] + g["w"]):
            for y in range(g["y"], g["y"] + g["h"]):
                if (x, y) in cells:
                    fail(f"{where}: overlaps {cells[(x, y)]} at ({x},{y})")
                    break
                cells[(x, y)] = where
            else:
                continue
            break
    if p.get("type") == "row":
        continue
    check_datasource(p.get("datasource"), where)
    targets = p.get("targets")
    if not isinstance(targets, list) or not targets:
        fail(f"{where}: no targets")
        continue
    refids = set()
    for t in targets:
        ref = t.get("refId")
        if not isinstance(ref, str) or not ref or ref in refids:
            fail(f"{where}: refId {ref!r} missing or repeated")
        refids.add(ref)
        check_datasource(t.get("datasource"), f"{where} target {ref}")
        e = t.get("expr")
        if not isinstance(e, str) or not e.strip():
            fail(f"{where} target {ref}: no expr")
            continue
        exprs.append((f"{where} target {ref}", e))
        for name in re.findall(r"\blogtriage_\w+", e):
            if name not in emitted:
                fail(f"{where}: {name} is not a metric logtriage writes")
        if 'env=~"$env"' not in e or 'runner=~"$runner"' not in e:
            fail(f"{where}: the expr does not filter on $env and $runner")
for v in variables:
    if v.get("type") == "query":
        q = v.get("query")
        q = q.get("query") if isinstance(q, dict) else q
        m = re.fullmatch(r"\s*label_values\((.*),\s*(\w+)\s*\)\s*", q or "")
        if not m:
            fail(f"variable {v.get('name')}: query {q!r} is not "
                 "label_values(SELECTOR, LABEL)")
        else:
            exprs.append((f"variable {v['name']}", m.group(1)))

SAMPLE = {"env": ".*", "runner": "runner-1|runner-2", "window": "1d",
          "__interval": "60s", "__interval_ms": "60000", "__range": "7d",
          "__range_s": "604800", "__range_ms": "604800000",
          "__rate_interval": "4m"}


print(f"{path}: {len(panels)} panels, {len(defined)} variables, "
      f"{len(exprs)} expressions; structure: {len(failures)} failures")
if failures or shutil.which("prometheus") is None:
    for f in failures:
        print("FAIL", f)
    if failures:
        sys.exit(1)
    print("SKIP: PromQL not checked: prometheus is not installed "
          "(apt-get install prometheus)")
    sys.exit(77)

tmp = tempfile.mkdtemp(prefix="lt-dash-")
try:
    base = servers.start_prometheus(tmp, "global:\n  scrape_interval: 1m\n")
    for where, e in exprs:
        q = substitute(e, SAMPLE)
        status, body = servers.api(base, "query", query=q)
        if status != 200 or body.get("status") != "success":
            fail(f"{where}: HTTP {status} {body.get('errorType')}: "
                 f"{body.get('error')}\n    {q}")
except RuntimeError as e:
    fail(str(e))
finally:
    servers.stop_all()
    shutil.rmtree(tmp, ignore_errors=True)
for f in failures:
    print("FAIL", f)
print(f"dashboard: {len(exprs)} expressions sent to Prometheus; "
      f"{len(failures)} failures")
sys.exit(1 if failures else 0)
