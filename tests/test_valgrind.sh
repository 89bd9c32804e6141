#!/bin/sh
# test_valgrind.sh: a small benchmark of every protocol, over a CSR and an implicit overlay,
# with results files (and swim under every kind of fault), under valgrind memcheck: no invalid access, no use of uninitialised
# values, no definite leak. Open MPI's own reports are suppressed narrowly
# (tests/valgrind-openmpi.supp, plus Open MPI's shipped suppressions). Skipped (77) when
# valgrind is not installed.
set -u
command -v valgrind >/dev/null 2>&1 || { echo "SKIP: valgrind not installed"; exit 77; }
bench="$GB_BUILDDIR/bench/gossip-bench"
# A sanitizer build (make distcheck) cannot run under valgrind; the sanitizers cover it.
if ldd "$bench" 2>/dev/null | grep -q 'libasan'; then
    echo "SKIP: AddressSanitizer build (checked by the sanitizers instead)"
    exit 77
fi
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
supp="--suppressions=$GB_SRCDIR/tests/valgrind-openmpi.supp"
[ -f /usr/share/openmpi/openmpi-valgrind.supp ] &&
    supp="$supp --suppressions=/usr/share/openmpi/openmpi-valgrind.supp"
fail=0
for topo in random-regular:d=4 torus; do
    name=$(echo "$topo" | tr ':=,' '___')
    valgrind --error-exitcode=9 --leak-check=full --errors-for-leak-kinds=definite --num-callers=50 \
        --show-leak-kinds=definite $supp --log-file="$tmp/$name.vg" \
        "$bench" --nodes 256 --trials 2 --warmup 0 --topology "$topo" --quiet \
        --protocol push,pull,push-pull,rumor:mode=push-pull,interest=blind,stop=coin,median-counter,null \
        --output "$tmp/$name.jsonl" --csv "$tmp/$name.csv" >/dev/null 2>"$tmp/$name.err"
    st=$?
    summary=$(grep "ERROR SUMMARY" "$tmp/$name.vg")
    if [ $st != 0 ]; then
        echo "FAIL $topo: exit $st; $summary"
        grep -B2 -A25 "definitely lost\|Invalid\|uninitialised" "$tmp/$name.vg" | head -80
        fail=1
    else
        echo "PASS $topo under memcheck: $summary"
    fi
done
# The session protocol swim, with every kind of node-state fault (its events, joins and
# whole-view messages).
valgrind --error-exitcode=9 --leak-check=full --errors-for-leak-kinds=definite --num-callers=50 \
    --show-leak-kinds=definite $supp --log-file="$tmp/swim.vg" \
    "$bench" --nodes 64 --trials 2 --warmup 0 --quiet --protocol swim,swim:sync=4,target=random \
    --faults "loss=0.05;crash=0.1@3-12;crash=0.05@4-14:empty;join=0.05@5;leave=0.05@6;partition=2@7-9" \
    --output "$tmp/swim.jsonl" --csv "$tmp/swim.csv" >/dev/null 2>"$tmp/swim.err"
st=$?
summary=$(grep "ERROR SUMMARY" "$tmp/swim.vg")
if [ $st != 0 ]; then
    echo "FAIL swim: exit $st; $summary"
    grep -B2 -A25 "definitely lost\|Invalid\|uninitialised" "$tmp/swim.vg" | head -80
    fail=1
else
    echo "PASS swim under memcheck: $summary"
fi
exit $fail
