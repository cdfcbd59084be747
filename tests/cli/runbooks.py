#!/usr/bin/env python3
"""The runbooks in runbooks/ against the default rules.

Checks that every category in rules/00-categories.rules, and every rule
`logtriage rules` lists, names a runbook that exists; that every page in
runbooks/ is named by a category and listed in its README; that each page
has one title naming its category and exactly the five sections, in order;
that it renders with cmark-gfm (safe mode, GFM tables) with no raw HTML,
only the tags Markdown itself makes, and as many <pre> blocks as the
source has closed code fences; that every table row has its header's
number of cells; that relative links and #anchors resolve;
and that every line of a Symptoms `text` block is classified into the
page's category by the default rules.

Then it proves that the checks can fail: it breaks a copy of the pages
and the categories file one way at a time and expects each fault to be
reported.

usage: runbooks.py LOGTRIAGE SRCDIR
"""
import html
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import ltrun  # tests/cli/ltrun.py: LeakSanitizer tool faults

SECTIONS = ["Symptoms", "Confirm", "Remediate", "Validate the fix",
            "Escalate when"]
# The tags cmark-gfm makes from Markdown (with the table extension).
TAGS = {"h1", "h2", "h3", "h4", "p", "a", "code", "pre", "strong", "em",
        "ul", "ol", "li", "table", "thead", "tbody", "tr", "th", "td",
        "blockquote", "hr", "br", "del"}
CMARK = shutil.which("cmark-gfm")


def categories(path):
    """{category: runbook} from a rules file's [category NAME] stanzas."""
    cats, name = {}, None
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = re.match(r"\s*\[(\w+)\s+([^\]\s]+)\s*\]", line)
            if m:
                name = m.group(2) if m.group(1) == "category" else None
                if name is not None:
                    cats[name] = None
                continue
            m = re.match(r"\s*runbook\s*=\s*(\S.*?)\s*$", line)
            if m and name is not None:
                cats[name] = m.group(1)
    return cats


_rendered, _classified = {}, {}


def render(path):
    """The HTML of a Markdown file (cached by content: the self-tests
    check copies that are mostly unchanged)."""
    with open(path, encoding="utf-8") as f:
        source = f.read()
    if source not in _rendered:
        r = subprocess.run([CMARK, "-e", "table", "--to", "html"],
                           input=source, capture_output=True, text=True,
                           timeout=30)
        if r.returncode != 0:
            raise RuntimeError(f"cmark-gfm failed on {path}: {r.stderr}")
        _rendered[source] = r.stdout
    return _rendered[source]


def text_of(fragment):
    return html.unescape(re.sub(r"<[^>]*>", "", fragment)).strip()


def slug(heading):
    """GitHub's anchor for a heading."""
    s = re.sub(r"[^\w\- ]", "", heading.lower())
    return s.replace(" ", "-")


def fences(source):
    """The closed fenced blocks of a Markdown text as (info string, lines,
    the ## section they are in), and an error for a fence left open."""
    blocks, open_fence, section, body = [], None, None, []
    for n, line in enumerate(source.split("\n"), 1):
        stripped = line.lstrip(" ")
        if open_fence is None:
            m = re.match(r"(`{3,}|~{3,})\s*([\w+-]*)", stripped)
            if m:
                open_fence, info, body = m.group(1), m.group(2), []
                start = n
                continue
            m = re.match(r"## (.*\S)\s*$", line)
            if m:
                section = m.group(1)
        else:
            if (stripped.rstrip().startswith(open_fence[0] * len(open_fence))
                    and set(stripped.rstrip()) == {open_fence[0]}):
                blocks.append((info, body, section))
                open_fence = None
            else:
                body.append(line)
    if open_fence is not None:
        return blocks, f"code fence opened at line {start} is never closed"
    return blocks, None


def table_error(source):
    """A table row whose cell count differs from its header's (GFM splits
    cells at every unescaped |, also inside code spans), or None."""
    width, fenced = None, False
    for n, line in enumerate(source.split("\n"), 1):
        if re.match(r" {0,3}(```|~~~)", line):
            fenced = not fenced
        if fenced or not line.startswith("|"):
            width = None
            continue
        cells = len(re.split(r"(?<!\\)\|", line.strip().strip("|")))
        if width is None:
            width = cells
        elif cells != width:
            return f"table row at line {n} has {cells} cells, not {width}"
    return None


def classify(binary, lines):
    """The category of each line (None when no rule matched)."""
    key = (binary, tuple(lines))
    if key in _classified:
        return _classified[key]
    r = ltrun.run([binary, "--input", "text"],
                       input="".join(line + "\n" for line in lines), text=True, timeout=60)
    if r.returncode not in (0, 1):
        raise RuntimeError(f"logtriage exited {r.returncode}: {r.stderr}")
    got = [None] * len(lines)
    for out in r.stdout.splitlines():
        obj = json.loads(out)
        if obj.get("type") == "match":
            got[obj["line"] - 1] = obj["category"]
    _classified[key] = got
    return got


def check(binary, src, rules_json):
    """Every fault found under src, as a list of messages."""
    errors = []
    book = os.path.join(src, "runbooks")
    cats = categories(os.path.join(src, "rules", "00-categories.rules"))
    if not cats:
        errors.append("rules/00-categories.rules defines no category")
    # page (real path) -> the categories that name it
    named = {}
    for cat, runbook in sorted(cats.items()):
        if not runbook:
            errors.append(f"category {cat} names no runbook")
            continue
        path = os.path.join(src, runbook)
        if not os.path.isfile(path):
            errors.append(f"category {cat}: runbook {runbook} does not exist")
            continue
        named.setdefault(os.path.realpath(path), set()).add(cat)
    for rule in rules_json:
        if rule["category"] not in cats:
            errors.append(f"rule {rule['id']}: category {rule['category']} "
                          "is not in rules/00-categories.rules")
        if rule.get("runbook") and not os.path.isfile(
                os.path.join(src, rule["runbook"])):
            errors.append(f"rule {rule['id']}: runbook {rule['runbook']} "
                          "does not exist")

    pages = sorted(f for f in os.listdir(book) if f.endswith(".md"))
    readme = os.path.join(book, "README.md")
    index = render(readme) if os.path.isfile(readme) else ""
    if not index:
        errors.append("runbooks/README.md is missing")
    linked = {os.path.realpath(os.path.join(book, h.split("#")[0]))
              for h in re.findall(r'href="([^"#:]+)', index)}
    anchors = {}  # real path -> its heading slugs

    def slugs(path):
        real = os.path.realpath(path)
        if real not in anchors:
            anchors[real] = {slug(text_of(h)) for h in re.findall(
                r"<h[1-6][^>]*>(.*?)</h[1-6]>", render(real), re.S)}
        return anchors[real]

    seen = set()
    for page in pages:
        path = os.path.join(book, page)
        real = os.path.realpath(path)
        name = f"runbooks/{page}"
        if real in seen:
            continue
        seen.add(real)
        out = render(path)
        with open(path, encoding="utf-8") as f:
            source = f.read()
        # rendering: no raw HTML, only Markdown's tags, no emptied URLs
        if "raw HTML omitted" in out:
            errors.append(f"{name}: raw HTML in the source")
        for tag in set(re.findall(r"</?([a-zA-Z][a-zA-Z0-9]*)", out)):
            if tag.lower() not in TAGS:
                errors.append(f"{name}: renders a <{tag}> tag")
        if re.search(r'href=""', out):
            errors.append(f"{name}: a link cmark-gfm refused (unsafe URL)")
        blocks, err = fences(source)
        if err:
            errors.append(f"{name}: {err}")
        elif out.count("<pre>") != len(blocks):
            errors.append(f"{name}: {len(blocks)} fenced blocks in the "
                          f"source, {out.count('<pre>')} <pre> in the HTML")
        err = table_error(source)
        if err:
            errors.append(f"{name}: {err}")
        # links
        for href in re.findall(r'(?:href|src)="([^"]*)"', out):
            href = html.unescape(href)
            if re.match(r"[a-z][a-z0-9+.-]*:", href):
                continue  # an absolute URL: not fetched here
            target, _, frag = href.partition("#")
            tpath = os.path.normpath(os.path.join(book, target)) if target \
                else path
            if not os.path.exists(tpath):
                errors.append(f"{name}: link {href} points to nothing")
            elif frag and tpath.endswith(".md") and frag not in slugs(tpath):
                errors.append(f"{name}: link {href}: no heading #{frag}")
        if page == "README.md":
            continue
        # a page of the book: named by a category and listed in the index
        if real not in named:
            errors.append(f"{name}: no category names it as its runbook")
        if real not in linked:
            errors.append(f"{name}: runbooks/README.md does not link it")
        own = named.get(real, set())
        titles = re.findall(r"<h1>(.*?)</h1>", out, re.S)
        if len(titles) != 1:
            errors.append(f"{name}: {len(titles)} titles, not 1")
        else:
            head = out.split("</h1>", 1)[1].split("<h2>", 1)[0]
            if own and not any(c in text_of(titles[0] + head) for c in own):
                errors.append(f"{name}: title and first paragraph do not "
                              f"name the category ({', '.join(sorted(own))})")
        h2 = [text_of(h) for h in re.findall(r"<h2>(.*?)</h2>", out, re.S)]
        if h2 != SECTIONS:
            errors.append(f"{name}: sections {h2}, not {SECTIONS}")
        parts = re.split(r"<h2>.*?</h2>", out, flags=re.S)[1:]
        for sec, body in zip(h2, parts):
            if not text_of(body):
                errors.append(f"{name}: section {sec} is empty")
            if sec == "Confirm" and "<pre>" not in body:
                errors.append(f"{name}: Confirm has no commands")
        # the Symptoms lines are what the rules classify as this category
        lines = [line for info, body, sec in blocks
                 if sec == "Symptoms" and info == "text"
                 for line in body if line.strip()]
        if not lines:
            errors.append(f"{name}: Symptoms has no `text` block of log lines")
        elif own:
            for line, got in zip(lines, classify(binary, lines)):
                if got not in own:
                    errors.append(f"{name}: Symptoms line is {got}, not "
                                  f"{'/'.join(sorted(own))}: {line[:80]}")
    return errors


def mutate(src, tmp, what):
    """A copy of the runbooks and the categories file, broken one way."""
    dst = os.path.join(tmp, what)
    shutil.copytree(os.path.join(src, "runbooks"),
                    os.path.join(dst, "runbooks"), symlinks=True)
    os.makedirs(os.path.join(dst, "rules"))
    shutil.copy(os.path.join(src, "rules", "00-categories.rules"),
                os.path.join(dst, "rules"))
    page = os.path.join(dst, "runbooks", "disk-space.md")
    with open(page, encoding="utf-8") as f:
        text = f.read()
    if what == "missing":
        os.remove(page)
    elif what == "orphan":
        shutil.copy(page, os.path.join(dst, "runbooks", "extra.md"))
    elif what == "section":
        text = text.replace("## Validate the fix", "## Check")
    elif what == "html":
        text = text.replace("## Confirm", "## Confirm\n\n<b>now</b>\n")
    elif what == "fence":
        text = text.rstrip("\n") + "\n\n```sh\ndf -h\n"
    elif what == "link":
        text = text.replace("(resource-limit.md)", "(resource-limits.md)")
    elif what == "anchor":
        text = text.replace("README.md#the-actions-runner",
                            "README.md#the-runner")
    elif what == "table":
        text = text.replace("## Escalate when\n", "## Escalate when\n\n"
                            "| a | b |\n|---|---|\n| `x|y` | z |\n", 1)
    elif what == "symptom":
        text = text.replace("```text\n", "```text\nfatal: unable to access "
                            "'https://x/': Could not resolve host: x\n", 1)
    if what not in ("missing", "orphan"):
        with open(page, "w", encoding="utf-8") as f:
            f.write(text)
    return dst


EXPECT = {
    "missing": "runbook runbooks/disk-space.md does not exist",
    "orphan": "extra.md: no category names it",
    "section": "disk-space.md: sections",
    "html": "disk-space.md: raw HTML",
    "fence": "disk-space.md: code fence opened",
    "link": "link resource-limits.md points to nothing",
    "anchor": "no heading #the-runner",
    "table": "disk-space.md: table row at line",
    "symptom": "Symptoms line is network_connectivity",
}


def main():
    binary, src = sys.argv[1], sys.argv[2]
    if CMARK is None:
        print("FAIL: cmark-gfm is not installed (apt-get install cmark-gfm)")
        return 1
    # the rules' own paths, not the installed pages they point to
    r = ltrun.run([binary, "rules"], text=True,
                       check=True, timeout=60,
                       env=dict(os.environ, LOGTRIAGE_RUNBOOK_BASE=""))
    rules_json = [json.loads(line) for line in r.stdout.splitlines()]
    errors = check(binary, src, rules_json)
    for e in errors:
        print("FAIL:", e)
    with tempfile.TemporaryDirectory() as tmp:
        for what, expect in EXPECT.items():
            found = check(binary, mutate(src, tmp, what), rules_json)
            if not any(expect in e for e in found):
                errors.append(f"self-test {what}: expected '{expect}'")
                print(f"FAIL: self-test {what}: the fault was not reported;"
                      f" got {found}")
    if errors:
        return 1
    print(f"ok: {len(categories(os.path.join(src, 'rules', '00-categories.rules')))}"
          f" categories, {len(rules_json)} rules, runbooks checked; "
          f"{len(EXPECT)} planted faults all reported")
    return 0


if __name__ == "__main__":
    sys.exit(main())
