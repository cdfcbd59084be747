#!/usr/bin/env python3
"""House style that a machine can check (after curl's checksrc).

Usage: checksrc.py SRCDIR [LIBSHARED LIBSTATIC]
       checksrc.py --selftest

In every .c and .h under src/, include/, examples/ and tests/ (comments
and string literals left out):
- no banned function: strcpy, strcat, sprintf, vsprintf, gets, strtok,
  atoi (each has a bounded or checked replacement: snprintf, strtol...);
- no name of ours with a leading underscore (a macro, a function, a
  variable, a struct, union or enum tag, a typedef);
- every function declared in include/logtriage/ carries LT_API.
Given the built libraries, also:
- every symbol liblogtriage.so exports is an LT_API function of the
  public headers, and every LT_API function is exported;
- every global symbol liblogtriage.a defines starts with lt_.
Diagnostics are "path:line: error: message"; exit 1 when there are any.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

BANNED = ["strcpy", "strcat", "sprintf", "vsprintf", "gets", "strtok",
          "atoi"]
CALL = re.compile(r"\b(" + "|".join(BANNED) + r")\s*\(")
DEFINE_US = re.compile(r"^\s*#\s*define\s+(_\w*)")
TAG_US = re.compile(r"\b(?:struct|union|enum)\s+(_\w*)")
# a declaration or definition at the start of a line: type ... _name( or
# _name[ or _name = or _name;
DECL_US = re.compile(r"^(?:static\s+|extern\s+|const\s+|unsigned\s+|"
                     r"signed\s+|volatile\s+|inline\s+)*"
                     r"(?:struct\s+\w+|enum\s+\w+|union\s+\w+|\w+)"
                     r"[\s\*]+(_\w*)\s*[\(\[=;,]")
TYPEDEF_US = re.compile(r"\btypedef\b.*\b(_\w+)\s*;")
PUBLIC_DECL = re.compile(r"^(?!typedef|extern|static|#|struct \w+ \{|"
                         r"enum \w+ \{)(LT_API )?[a-z].*?\b(lt_\w+)\(")


def strip(text):
    """Comments and string/char literals blanked, line breaks kept."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            out.append(c + " " * (min(j, n) - i - 1) + (c if j < n else ""))
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def check_sources(root, err):
    public = set()
    for top in ("src", "include", "examples", "tests"):
        for dirpath, _, names in os.walk(os.path.join(root, top)):
            for name in sorted(names):
                if not name.endswith((".c", ".h")):
                    continue
                path = os.path.join(dirpath, name)
                rel = os.path.relpath(path, root)
                with open(path, encoding="utf-8", errors="replace") as f:
                    raw = f.read()
                code = strip(raw)
                for no, line in enumerate(code.split("\n"), 1):
                    for m in CALL.finditer(line):
                        err(rel, no, f"banned function {m.group(1)}()")
                    for rx in (DEFINE_US, TAG_US, DECL_US, TYPEDEF_US):
                        for m in rx.finditer(line):
                            err(rel, no, f"name with a leading underscore: "
                                f"{m.group(1)}")
                if rel.startswith(os.path.join("include", "logtriage")):
                    for no, line in enumerate(code.split("\n"), 1):
                        m = PUBLIC_DECL.match(line)
                        if not m:
                            continue
                        if m.group(1) is None:
                            err(rel, no, f"public function {m.group(2)} "
                                "without LT_API")
                        else:
                            public.add(m.group(2))
    return public


def nm(args, lib):
    p = subprocess.run(["nm"] + args + [lib], capture_output=True,
                       text=True)
    if p.returncode != 0:
        sys.exit(f"nm {lib}: {p.stderr}")
    return p.stdout


def check_exports(exported, static_globals, public, err):
    """exported: dynamic symbols of the .so; static_globals: (object,
    symbol) pairs defined global in the .a; public: LT_API functions.
    Names beginning with two underscores are the compiler's (sanitizer
    instrumentation such as __odr_asan.*): ours never do, as the source
    check makes sure."""
    exported = [s for s in exported if not s.startswith("__")]
    static_globals = [(o, s) for o, s in static_globals
                      if not s.startswith("__")]
    for s in sorted(set(exported) - public):
        err("liblogtriage.so", 0, f"exports {s}, which is not an LT_API "
            "function of include/logtriage/")
    for s in sorted(public - set(exported)):
        err("liblogtriage.so", 0, f"does not export the LT_API function {s}"
            " (declared but not defined?)")
    for obj, s in sorted(static_globals):
        if not s.startswith("lt_"):
            err(obj, 0, f"global symbol {s} does not start with lt_ "
                "(make it static, or name it lt_<module>_...)")


def check(root, shared=None, static=None):
    errors = []

    def err(path, line, msg):
        errors.append(f"{path}:{line}: error: {msg}")

    public = check_sources(root, err)
    if shared:
        exported = [l.split()[-1] for l in
                    nm(["-D", "--defined-only"], shared).splitlines()
                    if len(l.split()) == 3]
        static_globals, obj = [], "liblogtriage.a"
        for l in nm(["--defined-only", "-g"], static).splitlines():
            if l.endswith(":") and l.strip():
                obj = l[:-1]
            elif len(l.split()) == 3:
                static_globals.append((obj, l.split()[-1]))
        check_exports(exported, static_globals, public, err)
    for e in errors:
        print(e)
    if errors:
        print(f"checksrc: {len(errors)} error(s)")
        return 1
    print(f"checksrc: ok ({len(public)} LT_API functions"
          + (", exports match" if shared else "") + ")")
    return 0


PLANTED = [
    ("strcpy", "src/a.c", "void f(char *d) { strcpy(d, \"x\"); }\n",
     "banned function strcpy()"),
    ("sprintf", "tests/t.c", "int f(char *d) { return sprintf(d, \"1\"); }\n",
     "banned function sprintf()"),
    ("atoi", "src/a.c", "int f(const char *s) { return atoi(s); }\n",
     "banned function atoi()"),
    ("define", "src/a.h", "#define _LT_X 1\n", "leading underscore: _LT_X"),
    ("function", "src/a.c", "static int _helper(void) { return 0; }\n",
     "leading underscore: _helper"),
    ("tag", "src/a.c", "struct _node { int x; };\n",
     "leading underscore: _node"),
    ("no LT_API", "include/logtriage/x.h", "int lt_x_new(void);\n",
     "without LT_API"),
]

ALLOWED = [
    ("comment and string", "src/a.c",
     "/* strcpy(a, b) is banned */\nconst char *s = \"sprintf(\";\n"),
    ("snprintf and uses of reserved names", "src/a.c",
     "#if defined(__GNUC__)\n#endif\nint f(char *d) { return "
     "snprintf(d, 2, \"%d\", _POSIX_C_SOURCE); }\n"),
    ("LT_API", "include/logtriage/x.h", "LT_API int lt_x_new(void);\n"),
]


def selftest():
    import contextlib
    import io
    failed = 0
    cases = [(n, p, t, w) for n, p, t, w in PLANTED] + \
            [(n, p, t, None) for n, p, t in ALLOWED]
    for name, rel, text, want in cases:
        tmp = tempfile.mkdtemp(prefix="checksrc.")
        try:
            path = os.path.join(tmp, rel)
            os.makedirs(os.path.dirname(path))
            with open(path, "w") as f:
                f.write(text)
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                rc = check(tmp)
            ok = rc == 0 if want is None else \
                (rc == 1 and want in out.getvalue())
            print(f"{'ok' if ok else 'FAIL'}: {name}")
            if not ok:
                print(out.getvalue(), end="")
                failed += 1
        finally:
            shutil.rmtree(tmp)
    # the export rules, on made-up symbol lists
    for name, exp, glob, pub, want in [
            ("exported, not LT_API", ["lt_a", "lt_b"], [], {"lt_a"},
             "exports lt_b"),
            ("LT_API, not exported", ["lt_a"], [], {"lt_a", "lt_b"},
             "does not export the LT_API function lt_b"),
            ("global without lt_", ["lt_a"], [("x.o", "helper")], {"lt_a"},
             "global symbol helper"),
            ("all good", ["lt_a"], [("x.o", "lt_a"), ("x.o", "lt_p")],
             {"lt_a"}, None),
            ("sanitizer symbols", ["lt_a", "__odr_asan.lt_x"],
             [("x.o", "__odr_asan.lt_x")], {"lt_a"}, None)]:
        errors = []
        check_exports(exp, glob, pub,
                      lambda p, l, m: errors.append(f"{p}:{l}: {m}"))
        ok = not errors if want is None else any(want in e for e in errors)
        print(f"{'ok' if ok else 'FAIL'}: {name}")
        failed += not ok
    return 1 if failed else 0


if __name__ == "__main__":
    if sys.argv[1:] == ["--selftest"]:
        sys.exit(selftest())
    if len(sys.argv) not in (2, 4):
        sys.exit(__doc__)
    sys.exit(check(*sys.argv[1:]))
