#!/usr/bin/env python3
"""Check the library's include graph against the stage order.

Usage: check-includes.py SRCDIR        check SRCDIR/src and SRCDIR/include
       check-includes.py --selftest    check that bad trees are refused

docs/architecture.md lists the stages, lowest first, in the code block
after the line "<!-- stage order ...", and the stage of each public header
in the table after "<!-- header stages ...".  Every quoted #include in
src/ and include/logtriage/ is resolved as the compiler would (the
including file's folder, then src/, then include/) and must:

- name a file that exists;
- not lead from a stage to a stage after it in the order;
- not name a folder's private header (a name ending in _int.h) from
  outside that folder;
- from a public header, name only public headers.

Every folder under src/ must be a stage and every public header must have
one.  What includes cannot show (a call through a function pointer, or a
stage naming functions it should reach only through an interface) is
listed in the table after "<!-- stage calls ...": a stage's files (comments
and string literals left out) must not name an identifier that starts
with one of the prefixes in its row (e.g. the pipeline names no output
format's functions, only the emitter interface's).  And no file may name
(call, or take the address of) an lt_ function declared in a header of a
stage after its own, even without including that header: what is
declared where is read from every header's prototypes, and a function's
stage is that of the .c file defining it (a definition in style(9): the
name at the start of its line), so a hand-written prototype or a lower
stage's header declaring it again does not hide a call up; a header may
not declare a function a later stage defines.  Diagnostics are "path:line: error: message"; the exit status is 0
when there are none, 1 when there are.
"""
import os
import re
import shutil
import sys
import tempfile

INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"')
IDENT = re.compile(r"\b[A-Za-z_][A-Za-z0-9_]*")
NOISE = re.compile(r'/\*.*?\*/|//[^\n]*|"(?:\\.|[^"\\\n])*"|'
                   r"'(?:\\.|[^'\\\n])*'", re.S)


def table(lines, i):
    """The rows of the Markdown table after line i, as lists of cells."""
    rows = []
    for row in lines[i + 1:]:
        if not row.startswith("|"):
            break
        cells = [c.strip() for c in row.strip("|").split("|")]
        if len(cells) != 2 or cells[0] in ("header", "stage", "") or \
                set(cells[0]) <= set("-"):
            continue
        rows.append(cells)
    return rows


def read_doc(root):
    """The stage order and the public headers' stages from the doc."""
    path = os.path.join(root, "docs", "architecture.md")
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    order, headers, calls = None, {}, {}
    for i, line in enumerate(lines):
        if line.startswith("<!-- stage order"):
            j = i + 1
            if j >= len(lines) or not lines[j].startswith("```"):
                sys.exit(f"{path}:{j + 1}: error: no code block after the "
                         "stage order marker")
            order = lines[j + 1].split()
        elif line.startswith("<!-- header stages"):
            for cells in table(lines, i):
                for h in cells[0].split():
                    headers[h] = cells[1]
        elif line.startswith("<!-- stage calls"):
            for cells in table(lines, i):
                calls[cells[0]] = [w.strip("`") for w in cells[1].split()]
    if not order:
        sys.exit(f"{path}: error: no stage order")
    bad = sorted((set(headers.values()) | set(calls)) - set(order))
    if bad:
        sys.exit(f"{path}: error: a table names unknown stages "
                 + " ".join(bad))
    return order, headers, calls


# a prototype (or function type) name: not a tag (enum lt_status (*f)())
DECL = re.compile(r"(?<!enum )(?<!struct )\b(lt_[A-Za-z0-9_]*)\s*\((?!\*)")
LT_IDENT = re.compile(r"\blt_[A-Za-z0-9_]*")
# a function definition, in style(9): the name at the start of its line
DEF = re.compile(r"^(lt_[A-Za-z0-9_]*)\s*\([^;]*$", re.M)


def bare(code):
    """code with comments and string literals blanked, lines kept."""
    return NOISE.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), code)


def check(root):
    root = os.path.abspath(root)
    order, headers, calls = read_doc(root)
    rank = {s: i for i, s in enumerate(order)}
    src = os.path.join(root, "src")
    inc = os.path.join(root, "include")
    errors = []
    files = []

    def err(path, line, msg):
        errors.append(f"{os.path.relpath(path, root)}:{line}: error: {msg}")

    for name in sorted(os.listdir(src)):
        p = os.path.join(src, name)
        if os.path.isdir(p):
            if name not in rank:
                err(p, 0, f"folder src/{name} is not a stage in "
                    "docs/architecture.md")
                continue
            for dirpath, _, names in os.walk(p):
                files += [os.path.join(dirpath, n) for n in sorted(names)
                          if n.endswith((".c", ".h"))]
        elif name.endswith((".c", ".h")):
            err(p, 0, "file outside a stage folder")
    pub = os.path.join(inc, "logtriage")
    for name in sorted(os.listdir(pub)):
        if name.endswith(".h"):
            files.append(os.path.join(pub, name))
            if name not in headers:
                err(os.path.join(pub, name), 0,
                    "public header without a stage in docs/architecture.md")

    def stage_of(path):
        rel = os.path.relpath(path, root).split(os.sep)
        if rel[0] == "src":
            return rel[1] if len(rel) > 2 else None
        return headers.get(rel[-1])

    # the stage of each lt_ function: the stage of the .c file that
    # defines it, whatever header declares it (a prototype written by
    # hand, or a lower stage's header that declares it again, must not
    # launder a call up); a function type or a name defined nowhere here
    # belongs to the lowest stage whose header declares it
    defined = {}
    for path in files:
        st = stage_of(path)
        if not path.endswith(".c") or st is None:
            continue
        with open(path, encoding="utf-8", errors="replace") as f:
            for m in DEF.finditer(bare(f.read())):
                defined.setdefault(m.group(1), st)
    owner = dict(defined)
    for path in files:
        st = stage_of(path)
        if not path.endswith(".h") or st is None:
            continue
        with open(path, encoding="utf-8", errors="replace") as f:
            code = bare(f.read())
        for m in DECL.finditer(code):
            name = m.group(1)
            there = defined.get(name)
            if there is not None and rank[there] > rank[st]:
                err(path, code.count("\n", 0, m.start()) + 1,
                    f"a header of stage {st} declares {name}, which "
                    f"stage {there} defines")
            if name in defined:
                continue
            if name not in owner or rank[st] < rank[owner[name]]:
                owner[name] = st

    n_inc = 0
    for path in files:
        here = stage_of(path)
        public = os.path.relpath(path, root).startswith("include" + os.sep)
        with open(path, encoding="utf-8", errors="replace") as f:
            code = f.read()
        banned = tuple(calls.get(here, ())) if here else ()
        for no, text in enumerate(bare(code).split("\n"), 1) if here \
                else ():
            if text.lstrip().startswith("#"):
                continue
            for ident in IDENT.findall(text) if banned else ():
                if ident.startswith(banned):
                    err(path, no, f"stage {here} names {ident}, which "
                        "docs/architecture.md keeps from it")
            for ident in LT_IDENT.findall(text):
                there = owner.get(ident)
                if there is not None and rank[there] > rank[here]:
                    err(path, no, f"stage {here} names {ident} of stage "
                        f"{there}, which comes after it")
        for no, text in enumerate(code.splitlines(True), 1):
            m = INCLUDE.match(text)
            if not m:
                continue
            n_inc += 1
            name = m.group(1)
            target = None
            for base in (os.path.dirname(path), src, inc):
                cand = os.path.normpath(os.path.join(base, name))
                if os.path.isfile(cand):
                    target = cand
                    break
            if target is None:
                err(path, no, f'"{name}" is not in the tree')
                continue
            there = stage_of(target)
            if there is None or here is None:
                continue	# reported above
            trel = os.path.relpath(target, root)
            if public and not trel.startswith("include" + os.sep):
                err(path, no, f'public header includes private "{name}"')
            if os.path.basename(target).endswith("_int.h") and \
                    os.path.dirname(target) != os.path.dirname(path):
                err(path, no, f'"{name}" is private to '
                    f"{os.path.relpath(os.path.dirname(target), root)}/")
            if rank[there] > rank[here]:
                err(path, no, f'stage {here} includes "{name}" of '
                    f"stage {there}, which comes after it")
    for e in errors:
        print(e)
    if errors:
        print(f"check-includes: {len(errors)} error(s)")
        return 1
    print(f"check-includes: {len(files)} files, {n_inc} includes, "
          f"stages {' < '.join(order)}: ok")
    return 0


DOC = """# test
<!-- stage order -->
```
util match emit
```
<!-- header stages -->
| header | stage |
|---|---|
| buf.h | util |
| emit.h | emit |

<!-- stage calls -->
| stage | must not name |
|---|---|
| match | `lt_emit_json_` `lt_emit_text` |
"""

GOOD = {
    "src/util/buf.c": '#include "logtriage/buf.h"\n',
    "src/match/match_int.h": '#include "util/util.h"\n',
    "src/match/a.c": '#include "match_int.h"\n#include "match/match_int.h"\n'
                     '/* lt_emit_json_match() */ char *s = "lt_emit_text";\n',
    "src/util/util.h": "\n",
    "src/emit/e.c": '#include "logtriage/emit.h"\n#include "util/util.h"\n'
                    'int g(void) { return lt_buf_add(0) + lt_emit_x(1); }\n',
    "include/logtriage/buf.h": "int lt_buf_add(int);\n",
    "include/logtriage/emit.h": '#include "buf.h"\nint lt_emit_x(int);\n',
}

BAD = [
    ("lower includes higher", {"src/util/buf.c": '#include "logtriage/emit.h"\n'},
     "stage util includes"),
    ("private header", {"src/emit/e.c": '#include "match/match_int.h"\n'},
     "is private to src/match/"),
    ("missing header", {"src/emit/e.c": '#include "nowhere.h"\n'},
     "is not in the tree"),
    ("unknown folder", {"src/extra/x.c": "\n"}, "is not a stage"),
    ("flat file", {"src/x.c": "\n"}, "outside a stage folder"),
    ("header without stage", {"include/logtriage/new.h": "\n"},
     "without a stage"),
    ("public includes private", {"include/logtriage/emit.h":
                                 '#include "util/util.h"\n'},
     "public header includes private"),
    ("banned call", {"src/match/b.c": "int f(void) {\n"
                     "  return lt_emit_json_match(0);\n}\n"},
     "src/match/b.c:2: error: stage match names lt_emit_json_match"),
    ("call up without include", {"src/util/u.c": "int lt_emit_x(int);\n"
                                 "int h(void) { return lt_emit_x(2); }\n"},
     "src/util/u.c:1: error: stage util names lt_emit_x of stage emit"),
    ("hook installed up", {"src/util/v.c": "void *p = /* a hook */\n"
                           "    (void *)lt_emit_x;\n"},
     "src/util/v.c:2: error: stage util names lt_emit_x of stage emit"),
    ("call up to a function no header declares",
     {"src/emit/f.c": "int\nlt_emit_hidden(int n)\n{\n\treturn n;\n}\n",
      "src/util/w.c": "int lt_emit_hidden(int);\n"
                      "int k(void) { return lt_emit_hidden(3); }\n"},
     "src/util/w.c:2: error: stage util names lt_emit_hidden of stage emit"),
    ("a lower header declares a higher function",
     {"src/emit/f.c": "int\nlt_emit_hidden(int n)\n{\n\treturn n;\n}\n",
      "src/util/util.h": "\nint lt_emit_hidden(int);\n"},
     "src/util/util.h:2: error: a header of stage util declares "
     "lt_emit_hidden, which stage emit defines"),
]


def selftest():
    """Each planted fault is refused with its message; the good tree passes."""
    import contextlib
    import io
    failed = 0
    for name, extra, want in [("good tree", {}, None)] + BAD:
        tmp = tempfile.mkdtemp(prefix="check-includes.")
        try:
            os.makedirs(os.path.join(tmp, "docs"))
            with open(os.path.join(tmp, "docs", "architecture.md"), "w") as f:
                f.write(DOC)
            for rel, text in {**GOOD, **extra}.items():
                p = os.path.join(tmp, rel)
                os.makedirs(os.path.dirname(p), exist_ok=True)
                with open(p, "w") as f:
                    f.write(text)
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                rc = check(tmp)
            ok = rc == 0 if want is None else (rc == 1 and want in out.getvalue())
            print(f"{'ok' if ok else 'FAIL'}: {name}")
            if not ok:
                print(out.getvalue(), end="")
                failed += 1
        finally:
            shutil.rmtree(tmp)
    return 1 if failed else 0


if __name__ == "__main__":
    if sys.argv[1:] == ["--selftest"]:
        sys.exit(selftest())
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.exit(check(sys.argv[1]))
