#!/bin/sh
# test_badinput.sh: every kind of bad input gets exactly one line from gossip-bench naming the
# problem, exit status 2 (usage) or 1 (run time), no MPI abort noise and no results file.
set -u
bench="$GB_BUILDDIR/bench/gossip-bench"
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/out"
printf '# a star\n0 1\n0 x2\n' >"$tmp/bad.txt"
printf '# nodes 4\n0 1\n1 9\n' >"$tmp/range.txt"
printf 'loss=0.1\n# a comment\ncrash=0.1@x\n' >"$tmp/sched.txt"
fail=0
n=0
# expect STATUS PATTERN RANKS ARGS...   (RANKS 0 = plain process)
expect() {
    want=$1 pattern=$2 ranks=$3
    shift 3
    n=$((n + 1))
    if [ "$ranks" = 0 ]; then
        "$bench" "$@" >"$tmp/stdout" 2>"$tmp/stderr"
    else
        $MPIRUN_CMD "$ranks" "$bench" "$@" >"$tmp/stdout" 2>"$tmp/stderr"
    fi
    got=$?
    lines=$(grep -c '^gossip-bench:' "$tmp/stderr")
    other=$(grep -v '^gossip-bench:' "$tmp/stderr" | grep -c .)
    leftovers=$(ls -A "$tmp/out" | wc -l)
    why=""
    [ "$got" = "$want" ] || why="$why exit $got, want $want;"
    [ "$lines" = 1 ] || why="$why $lines gossip-bench lines on stderr, want 1;"
    [ "$other" = 0 ] || why="$why other stderr output;"
    grep -q -- "$pattern" "$tmp/stderr" || why="$why message lacks '$pattern';"
    grep -qi 'abort' "$tmp/stderr" "$tmp/stdout" && why="$why abort noise;"
    [ "$leftovers" = 0 ] || why="$why files left in the output folder;"
    if [ -n "$why" ]; then
        echo "FAIL #$n ($ranks ranks) $*:$why"
        sed 's/^/    | /' "$tmp/stderr"
        fail=1
    else
        echo "PASS #$n ($ranks ranks) $*: $(cat "$tmp/stderr")"
    fi
    rm -rf "$tmp/out"/* "$tmp/out"/.[!.]* 2>/dev/null
}
o="--output $tmp/out/r.jsonl --csv $tmp/out/r.csv --trials 2 --warmup 0"
for r in 0 2; do
    expect 2 "unknown protocol 'gossip'" $r $o --nodes 16 --protocol gossip
    expect 2 "unknown protocol 'bogus'" $r $o --nodes 16 --protocol push,bogus
    expect 2 "unknown topology 'mesh9'" $r $o --nodes 16 --topology mesh9
    expect 2 "unknown parameter 'foo'" $r $o --nodes 16 --topology torus:foo=3
    expect 2 "dims" $r $o --nodes 10 --topology torus:dims=3x3
    expect 2 "hypercube" $r $o --nodes 100 --topology hypercube
    expect 2 "random-regular" $r $o --nodes 15 --topology random-regular:d=3
    expect 2 "'d'" $r $o --nodes 16 --topology random-regular:d=x
    expect 2 "\-\-nodes" $r $o --nodes abc
    expect 2 "\-\-nodes" $r $o --nodes -5
    expect 2 "\-\-nodes" $r $o --nodes 1
    expect 2 "\-\-nodes" $r $o --nodes 99999999999999999999
    expect 2 "\-\-fanout" $r $o --nodes 16 --fanout 0
    expect 2 "\-\-fanout" $r $o --nodes 16 --fanout 65
    expect 2 "\-\-fanout 3 exceeds" $r $o --nodes 16 --fanout 3 --topology ring
    expect 2 "\-\-trials" $r $o --nodes 16 --trials 0
    expect 2 "\-\-seed" $r $o --nodes 16 --seed 1.5
    expect 2 "\-\-max-rounds" $r $o --nodes 16 --max-rounds 0
    expect 2 "\-\-payload" $r $o --nodes 16 --payload -1
    expect 2 "\-\-transport" $r $o --nodes 16 --transport carrier-pigeon
    expect 2 "\-\-source" $r $o --nodes 16 --source 16
    expect 2 "\-\-source" $r $o --nodes 16 --source somewhere
    expect 2 "unknown option" $r $o --nodes 16 --frobnicate
    expect 2 "unexpected argument" $r $o --nodes 16 extra
    expect 2 "\-\-papi-events: empty event name" $r $o --nodes 16 --papi-events PAPI_TOT_CYC,,x
    expect 2 "\-\-papi-events: bad character" $r $o --nodes 16 --papi-events 'a;b'
    expect 2 "must be one of push|pull|push-pull" $r $o --nodes 16 --protocol rumor:mode=shout
    expect 2 "'k'" $r $o --nodes 16 --protocol rumor:k=0
    expect 2 "ctr_max" $r $o --nodes 16 --protocol median-counter:ctr_max=0
    expect 2 "'k'=33 is out of range \[0, 32\]" $r $o --nodes 16 --protocol swim:k=33
    expect 2 "'target' must be one of round-robin|random" $r $o --nodes 16 --protocol swim:target=ring
    expect 2 "'lambda'=0 is out of range" $r $o --nodes 16 --protocol swim:lambda=0
    expect 2 "'suspect_mult'=0 is out of range" $r $o --nodes 16 --protocol swim:suspect_mult=0
    expect 2 "'max_piggyback'=256 is out of range" $r $o --nodes 16 --protocol swim:max_piggyback=256
    expect 2 "'rejoin'=2 is out of range" $r $o --nodes 16 --protocol swim:rejoin=2
    expect 2 "'sync' needs an integer" $r $o --nodes 16 --protocol swim:sync=often
    expect 2 "swim': seed_node=16 is not below --nodes 16" $r $o --nodes 16 --protocol push,swim:seed_node=16
    expect 2 "swim': 20000 nodes: swim runs 2 to 16384" $r $o --nodes 20000 --protocol swim
    expect 2 "fat-tree" $r $o --nodes 100 --topology fat-tree
    expect 2 "cannot open '$tmp/missing.txt'" $r $o --topology file:path=$tmp/missing.txt
    expect 2 "$tmp/bad.txt:3: expected two node ids" $r $o --topology file:path=$tmp/bad.txt
    expect 2 "$tmp/range.txt:3: node id 9 is out of range" $r $o --topology file:path=$tmp/range.txt
    expect 2 "has 4 nodes but --nodes is 16" $r $o --nodes 16 --topology file:path=$tmp/range.txt
    expect 2 "'crash=1@3' crashes every node (16 nodes)" $r $o --nodes 16 --faults "crash=1@3"
    expect 2 "'leave=1@2' makes every node leave" $r $o --nodes 16 --faults "loss=0.1;leave=1@2"
    expect 2 "'join=1@4' leaves no node present" $r $o --nodes 16 --faults "join=1@4"
    expect 2 "'partition=3@3-9': rounds 3-9 overlap those of 'partition=2@1-5'" $r $o --nodes 16 --faults "partition=2@1-5;partition=3@3-9"
    expect 2 "unknown grouping 'rand'" $r $o --nodes 16 --faults "partition=2@1-3:rand"
    expect 2 "'churn=0.1:0.1@9-3': last round must not come before the first" $r $o --nodes 16 --faults "churn=0.1:0.1@9-3"
    expect 2 "'join=0.1@0': join round must be in" $r $o --nodes 16 --faults "join=0.1@0"
    expect 2 "':empty' needs a recovery round" $r $o --nodes 16 --faults "crash=0.1@3:empty"
    expect 2 "$tmp/sched.txt:3: 'crash=0.1@x': crash round must be a whole number" $r $o --nodes 16 --faults "@$tmp/sched.txt"
    expect 2 "\-\-faults: cannot open '$tmp/missing.txt'" $r $o --nodes 16 --faults "@$tmp/missing.txt"
    expect 1 "\-\-dump-topology: cannot write" $r $o --nodes 16 --dump-topology /nonexistent/t.txt
    expect 1 "cannot write results to '/nonexistent" $r --nodes 16 --output /nonexistent/dir/r.jsonl
    expect 1 "cannot write results to '$tmp/out/no/r.csv" $r --nodes 16 --csv "$tmp/out/no/r.csv"
    expect 2 "\-\-threads: '0' is out of range" $r $o --nodes 16 --threads 0
    expect 2 "\-\-threads: '257' is out of range" $r $o --nodes 16 --threads 257
    expect 2 "\-\-threads: expected a number of threads or auto, got 'two'" $r $o --nodes 16 --threads two
    if "$bench" --threads 2 --version >/dev/null 2>&1; then # built with OpenMP
        OMP_NUM_THREADS=1000
        export OMP_NUM_THREADS
        expect 2 "OMP_NUM_THREADS=1000: more than 256 threads" $r $o --nodes 16
        unset OMP_NUM_THREADS
    else
        expect 2 "\-\-threads 2: this gossip-bench was built without OpenMP" $r $o --nodes 16 \
            --threads 2
    fi
    # Refused before anything is allocated, with the estimate (over a terabyte of overlay):
    # no out-of-memory kill.
    expect 1 "not enough memory: the run needs about" $r $o --nodes 4294967295 \
        --topology random-regular:d=64
done
expect 2 "gossip needs at least 2" 0 $o
expect 2 "\-\-transport local" 2 $o --nodes 16 --transport local
echo "$n cases"
exit $fail
