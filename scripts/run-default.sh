#!/usr/bin/env bash
# run-default.sh: the default comparative benchmark, on a fresh machine.
# Installs and builds (setup.sh), then runs push, pull and push-pull on five overlays with
# 1024 nodes over 4 MPI ranks (oversubscribed where the machine has fewer cores), 200 trials
# each; then the session protocols on the complete graph with the same ranks: SWIM
# membership (256 nodes, 2% crash at round 5, 5% message loss, k=1 and k=3, at most 100
# periods: with k=1 false suspicions never stop) and
# anti-entropy (64 replicas of 1024 keys, full state vs digests vs Merkle trees, OR-Set
# CRDTs under a stream of updates); and writes JSON Lines, CSV and an HTML report with plots
# under results/<date>/.
# Environment: GB_RANKS (default 4), GB_NODES (default 1024), GB_TRIALS (default 200),
# GB_SEED (default 1), GB_OUT (results folder).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/setup.sh" >&2
ranks=${GB_RANKS:-4}
nodes=${GB_NODES:-1024}
trials=${GB_TRIALS:-200}
seed=${GB_SEED:-1}
out=${GB_OUT:-$top/results/default-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$out"
if [ "$(id -u)" = 0 ]; then
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
mpirun=(mpirun --oversubscribe -q -n "$ranks")
for topo in complete hypercube torus random-regular:d=8 ring:k=2; do
    name=${topo%%:*}
    echo "run-default: $topo, $nodes nodes, $ranks ranks, $trials trials" >&2
    "${mpirun[@]}" "$top/bench/gossip-bench" --protocol push,pull,push-pull --topology "$topo" \
        --nodes "$nodes" --trials "$trials" --seed "$seed" --quiet \
        --output "$out/$name.jsonl" --csv "$out/$name.csv"
    echo
done
echo "run-default: swim and anti-entropy, $ranks ranks" >&2
"${mpirun[@]}" "$top/bench/gossip-bench" --protocol swim:k=1,swim:k=3 --nodes 256 \
    --trials 20 --seed "$seed" --faults "crash=0.02@5;loss=0.05" --max-rounds 100 --quiet \
    --output "$out/swim.jsonl" --csv "$out/swim.csv"
"${mpirun[@]}" "$top/bench/gossip-bench" \
    --protocol anti-entropy:type=orset,method=full,anti-entropy:type=orset,method=digest,anti-entropy:type=orset,method=merkle \
    --nodes 64 --trials 10 --seed "$seed" --quiet \
    --output "$out/anti-entropy.jsonl" --csv "$out/anti-entropy.csv"
echo
paths=$("$top/scripts/gossip-report" "$out" --title "gossipbench default comparison")
echo "run-default: results in $out"
echo "run-default: report: $(echo "$paths" | sed -n 1p) (Markdown: $(echo "$paths" | sed -n 2p))"
