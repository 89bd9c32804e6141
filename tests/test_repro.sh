#!/bin/sh
# test_repro.sh: same seed, same per-trial results for 1 process and 2, 3, 4, 8 ranks, with
# one and with many (uneven) nodes per rank, with both MPI transports and with the canonical
# (sorted) delivery path. The in-process run is the oracle for the MPI engine.
set -u
. "$GB_SRCDIR/tests/lib.sh"

# Case 1: one node per rank (8 nodes, 8 ranks) and fewer ranks than nodes.
common="--protocol push,pull,push-pull --nodes 8 --trials 6 --warmup 0 --seed 31"
run "$tmp/one-ref.jsonl" 0 $common
for p in 2 4 8; do
    for t in nbx alltoallv; do
        run "$tmp/one-$p-$t.jsonl" "$p" $common --transport "$t"
        check "8 nodes, $p ranks, $t" "$tmp/one-ref.jsonl" "$tmp/one-$p-$t.jsonl"
    done
done

# Case 2: many nodes per rank, uneven blocks (1001 = 3*333+2 = 8*125+1), three topologies.
for topo in complete torus:dims=7x11x13 random-regular:d=6; do
    name=$(echo "$topo" | tr ':=,' '___')
    common="--protocol push,pull,push-pull,rumor:k=2,rumor:mode=pull,interest=blind,stop=coin,k=3,rumor:mode=push-pull,median-counter --topology $topo --nodes 1001 --fanout 2 --trials 3 --warmup 0 --seed 5 --source random"
    run "$tmp/$name-ref.jsonl" 0 $common
    run "$tmp/$name-ord.jsonl" 0 $common --ordered-delivery
    check "$topo, 1 process, ordered delivery" "$tmp/$name-ref.jsonl" "$tmp/$name-ord.jsonl"
    for p in 2 3 8; do
        run "$tmp/$name-$p.jsonl" "$p" $common
        check "$topo, $p ranks, nbx" "$tmp/$name-ref.jsonl" "$tmp/$name-$p.jsonl"
    done
    run "$tmp/$name-4a.jsonl" 4 $common --transport alltoallv
    check "$topo, 4 ranks, alltoallv" "$tmp/$name-ref.jsonl" "$tmp/$name-4a.jsonl"
    run "$tmp/$name-3o.jsonl" 3 $common --ordered-delivery
    check "$topo, 3 ranks, nbx, ordered delivery" "$tmp/$name-ref.jsonl" "$tmp/$name-3o.jsonl"
done

# A different seed must change the results (the comparison can fail).
run "$tmp/seed-a.jsonl" 0 --protocol push --nodes 500 --trials 3 --warmup 0 --seed 1
run "$tmp/seed-b.jsonl" 0 --protocol push --nodes 500 --trials 3 --warmup 0 --seed 2
if $cmp "$tmp/seed-a.jsonl" "$tmp/seed-b.jsonl" >/dev/null 2>&1; then
    echo "FAIL different seeds gave identical trials"
    fail=1
else
    echo "PASS different seeds differ"
fi
# scripts/gossip-repro re-runs a results file's recorded command and must find it identical,
# also on another rank count; a tampered file must be reported as different.
if $PYTHON "$GB_SRCDIR/scripts/gossip-repro" "$tmp/one-ref.jsonl" --ranks 2 \
        --launcher "${MPIRUN_CMD% -n}" >/dev/null 2>"$tmp/repro.err"; then
    echo "PASS gossip-repro reproduces a results file on 2 ranks"
else
    echo "FAIL gossip-repro: $(cat "$tmp/repro.err")"
    fail=1
fi
sed 's/"rounds":\([0-9]*\),/"rounds":999,/' "$tmp/one-ref.jsonl" >"$tmp/tampered.jsonl"
if $PYTHON "$GB_SRCDIR/scripts/gossip-repro" "$tmp/tampered.jsonl" >/dev/null 2>&1; then
    echo "FAIL gossip-repro accepted a tampered file"
    fail=1
else
    echo "PASS gossip-repro reports a tampered file"
fi
exit $fail
