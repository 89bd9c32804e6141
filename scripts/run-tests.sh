#!/usr/bin/env bash
# run-tests.sh: the whole test suite on a fresh machine (this is what CI runs).
#   1. setup.sh: install Debian packages, configure, build (warnings are errors here);
#   2. make check: CUnit unit tests, MPI integration tests (reproducibility across rank
#      counts and transports, bad input), theory checks on the complete graph;
#   3. the release tarball configured --without-papi --without-hwloc builds and passes the
#      unit, measurement and bad-input tests;
#   4. make distcheck: the release tarball builds and passes the same tests out of tree,
#      compiled with AddressSanitizer and UndefinedBehaviorSanitizer.
# Set GB_QUICK=1 to skip steps 3 and 4. The last line counts the test programs of make
# check, plus one each for steps 3 and 4.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
# The tests also need a scheduler (a single-node Slurm), a browser for the report's
# screenshot, the man page tools and SimGrid's SMPI (tests/test_smpi.sh).
GB_EXTRA_PKGS="slurm-wlm munge chromium groff-base man-db libsimgrid-dev" \
GB_CONFIGURE_FLAGS="${GB_CONFIGURE_FLAGS:---enable-werror}" "$top/scripts/setup.sh"
cd "$top"
status=0
make -j"$(nproc)" check || status=$?
# The CUnit runner's own summary (make check keeps it in the test's log).
sed -n '/^Run Summary/,/^Elapsed/p' tests/unit_tests.log 2>/dev/null || true
passed=$(grep -h '^# PASS:' test-suite.log 2>/dev/null | awk '{s += $3} END {print s + 0}')
failed=$(grep -h -E '^# (FAIL|ERROR|XPASS):' test-suite.log 2>/dev/null | awk '{s += $3} END {print s + 0}')
if [ "$status" != 0 ]; then
    for f in tests/*.log; do
        case "$f" in tests/test-suite.log) continue ;; esac
        grep -q '^FAIL' "${f%.log}.trs" 2>/dev/null && { echo "==== $f"; tail -n 60 "$f"; }
    done
    echo "run-tests: $passed passed, $failed failed"
    exit "$status"
fi
if [ "${GB_QUICK:-0}" != 1 ]; then
    # Optional dependencies really are optional: the release tarball built without PAPI
    # and hwloc passes the unit tests, the measurement test (which then checks that the
    # results say "not built") and the bad-input matrix.
    make -j"$(nproc)" dist >/dev/null
    nodeps=$(mktemp -d)
    tar -xzf gossipbench-*.tar.gz -C "$nodeps"
    if ! (cd "$nodeps"/gossipbench-* && ./configure --without-papi --without-hwloc \
            --enable-werror >/dev/null && make -j"$(nproc)" >/dev/null &&
          make -j"$(nproc)" check TESTS="tests/unit_tests tests/test_measure.sh tests/test_badinput.sh"); then
        echo "run-tests: the build without PAPI and hwloc failed"
        echo "run-tests: $passed passed, 1 failed"
        exit 1
    fi
    rm -rf "$nodeps"
    passed=$((passed + 1))
    if ! make -j"$(nproc)" distcheck; then
        echo "run-tests: make distcheck failed (sanitizer build); make check: $passed passed"
        echo "run-tests: $passed passed, 1 failed"
        exit 1
    fi
    passed=$((passed + 1)) # the distcheck, which reruns every test under the sanitizers
fi
echo "run-tests: $passed passed, 0 failed"
