"""Grafana template variables in the dashboard's strings: how a reference
is written ($name, ${name}, ${name:format}, [[name]]) and replacing them
with given values, so an expression can be sent to Prometheus."""
import json
import re

VAR_RE = re.compile(r"\$\{(\w+)(?:[:.][^}]*)?\}|\[\[(\w+)(?::[^\]]*)?\]\]"
                    r"|\$(\w+)")


def var_name(m):
    return m.group(1) or m.group(2) or m.group(3)


def substitute(expr, values):
    """expr with each variable in values replaced; others are kept."""
    return VAR_RE.sub(lambda m: values.get(var_name(m), m.group(0)), expr)


def load(path):
    with open(path) as f:
        return json.load(f)


def panel_expr(dash, title_start):
    """The first target's expr of the panel whose title starts so."""
    for p in dash.get("panels", []):
        if p.get("title", "").startswith(title_start):
            return p["targets"][0]["expr"]
    raise KeyError(title_start)
