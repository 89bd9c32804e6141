#!/usr/bin/env python3
"""Comparative HTML report (with PNG plots) for gossip-bench JSON Lines results.

Usage:
    python3 scripts/report.py RESULTS_DIR_OR_FILES... [--out DIR] [--title TEXT] [--compare]

Kept for scripts that call it: the report is made by scripts/gossip-report (see its
--help), which also writes report.md next to report.html. This wrapper prints only the
path of report.html. Exit status: gossip-report's (0 success, 1 not written, 2 bad input).
"""

import importlib.machinery
import importlib.util
import os
import sys

sys.dont_write_bytecode = True  # the source tree may be read-only (make distcheck)
_path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "gossip-report")
_loader = importlib.machinery.SourceFileLoader("gossip_report", _path)
_spec = importlib.util.spec_from_loader("gossip_report", _loader)
gossip_report = importlib.util.module_from_spec(_spec)
_loader.exec_module(gossip_report)

if __name__ == "__main__":
    sys.exit(gossip_report.main(prog="report.py", html_only=True))
