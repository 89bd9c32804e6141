#!/bin/sh
# test_validate.sh: the quick subset of the validation suite (scripts/validate.py --quick):
# rumor mongering against Demers et al. 1987 (tables 1 and 2, the residue laws), push, pull
# and push-pull against the exact Markov chain at n = 1024, and median-counter's traffic
# against an independent simulation (Karp et al. 2000). About 15 s on a 2-core machine.
# Run through tests/mpi-wrapper.sh, which exports GB_BUILDDIR, GB_SRCDIR and PYTHON.
# Exit status: validate.py's (0 pass, 1 a check failed, 2 usage error), 99 when a program
# is missing.
set -u
: "${PYTHON:=python3}"
bench="$GB_BUILDDIR/bench/gossip-bench"
check="$GB_BUILDDIR/tests/theory_check"
for prog in "$bench" "$check"; do
    if [ ! -x "$prog" ]; then
        echo "ERROR: $prog is missing (build it first)"
        exit 99
    fi
done
$PYTHON "$GB_SRCDIR/scripts/validate.py" --quick --bench "$bench" --theory-check "$check"
exit $?
