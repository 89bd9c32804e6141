#!/bin/sh
# test_fuzz_tools.sh: bounded mutation fuzzing (20 s) of the files gossip-report, gossip-repro
# and gossip-sweep read (tests/fuzz/fuzz_tools.py): no traceback, no hang, exit 0/1/2.
GB_BENCH="$GB_BUILDDIR/bench/gossip-bench"
export GB_BENCH
exec $PYTHON "$GB_SRCDIR/tests/fuzz/fuzz_tools.py" "${GB_FUZZ_TOOLS_SECONDS:-20}"
