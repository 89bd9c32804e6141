#!/usr/bin/env bash
# run-tests.sh: the whole test suite on a fresh machine (this is what CI runs).
#   1. setup.sh: install Debian packages, configure, build (warnings are errors here);
#   2. make check: CUnit unit tests, MPI integration tests (reproducibility across rank
#      counts and transports, bad input), theory checks on the complete graph;
#   3. make distcheck: the release tarball builds and passes the same tests out of tree,
#      compiled with AddressSanitizer and UndefinedBehaviorSanitizer.
# Set GB_QUICK=1 to skip step 3.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
GB_CONFIGURE_FLAGS="${GB_CONFIGURE_FLAGS:---enable-werror}" "$top/scripts/setup.sh"
cd "$top"
status=0
make -j"$(nproc)" check || status=$?
if [ "$status" != 0 ]; then
    for f in tests/*.log; do
        case "$f" in tests/test-suite.log) continue ;; esac
        grep -q '^FAIL' "${f%.log}.trs" 2>/dev/null && { echo "==== $f"; tail -n 60 "$f"; }
    done
    exit "$status"
fi
if [ "${GB_QUICK:-0}" != 1 ]; then
    make -j"$(nproc)" distcheck
fi
echo "run-tests: all tests passed"
