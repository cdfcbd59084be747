#!/usr/bin/env python3
"""Run one real-fault scenario: run.py LOGTRIAGE NAME [--out DIR] [--show].
Exit 0 pass, 1 fail, 77 skipped (the reason is printed).  --list prints
the names; NAME cut-writer runs cut_writer.py (the writer killed
mid-line)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import scen  # noqa: E402
from scenarios import REGISTRY  # noqa: E402

if __name__ == "__main__":
    if len(sys.argv) == 2 and sys.argv[1] == "--list":
        print("\n".join(REGISTRY))
        sys.exit(0)
    if len(sys.argv) >= 3 and sys.argv[2] == "cut-writer":
        here = os.path.dirname(os.path.abspath(__file__))
        os.execv(sys.executable, [sys.executable,
                                  os.path.join(here, "cut_writer.py"),
                                  sys.argv[1]])
    sys.exit(scen.main(REGISTRY))
