#!/usr/bin/env python3
"""bench.py BUILDDIR: speed and memory benchmark of gossipbench (run by `make bench`).

1. In-process engine, push-pull on the complete graph, n = 10^6 and 10^7 (GB_BENCH_SIZES):
   ns per node-round (gossip time / (rounds * n), median over trials) and peak resident
   bytes per node, next to ../shared/bench/floor.c (FLOOR_C) built and run in the same
   invocation with the same n (three seeds, median), as a ratio. Bytes per node are given
   as peak RSS / n and as (peak RSS - peak RSS of a 2-node run) / n, the engine's own share
   without the MPI library's fixed cost; gossip-bench measures its own RSS (getrusage).
2. Topology generation (GB_BENCH_GEN_SIZES, default 10^6 and 10^7): random 8-regular and
   G(n, m = 4n): seconds, CSR bytes per directed edge beyond 8 per node, peak RSS per node.
3. MPI transports with each of GB_BENCH_RANKS (default "2 8") ranks: time per round in the
   transport's exchange (NBX and Alltoallv) against a plain MPI_Isend/MPI_Irecv exchange of
   the same per-round volumes with sizes known in advance (--replay-exchange).
Results (JSON Lines from gossip-bench and a summary) go to results/bench-<date>/.
Only the Python standard library is used.
"""
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time


def run(cmd, env=None):
    """Runs cmd, returns its stdout; exits with its error line when it fails."""
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    if p.returncode != 0:
        sys.exit(f"bench: {' '.join(cmd)} failed ({p.returncode}): {p.stderr.strip()}")
    return p.stdout


def records(path, kind):
    with open(path, encoding="utf-8") as f:
        return [r for r in map(json.loads, f) if r.get("type") == kind]


def trials(path):
    return records(path, "trial")


def peak_rss(path):
    """Peak resident bytes of the gossip-bench process (its own getrusage, all ranks)."""
    return max(r["peak_rss_bytes_all_ranks"] for r in records(path, "summary"))


def main():
    build = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".")
    top = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
    bench = os.path.join(build, "bench", "gossip-bench")
    floor_c = os.environ.get("FLOOR_C", os.path.join(top, "..", "shared", "bench", "floor.c"))
    sizes = [int(x) for x in os.environ.get("GB_BENCH_SIZES", "1000000 10000000").split()]
    rank_counts = [int(x) for x in os.environ.get("GB_BENCH_RANKS", "2 8").split()]
    mpi_nodes = int(os.environ.get("GB_BENCH_MPI_NODES", "1000000"))
    out = os.path.join(top, "results", "bench-" + time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()))
    os.makedirs(out, exist_ok=True)
    env = dict(os.environ)
    if os.geteuid() == 0:
        env.update(OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    summary = {"sizes": [], "mpi": []}

    floor = None
    if os.path.exists(floor_c):
        floor = os.path.join(out, "floor")
        cc = os.environ.get("CC", "cc")
        subprocess.run([cc, "-O2", "-march=native", floor_c, "-o", floor], check=True)
    else:
        print(f"# floor.c not found at {floor_c} (set FLOOR_C): no ratios", flush=True)

    base = os.path.join(out, "engine-2.jsonl")
    run([bench, "--nodes", "2", "--trials", "1", "--warmup", "0", "--quiet", "--output", base],
        env)
    rss0 = peak_rss(base)
    print("# In-process engine, push-pull, complete graph (1 process); floor = "
          "../shared/bench/floor.c, median of 3 seeds")
    print(f"# {'n':>10} {'rounds':>6} {'ns/node-rnd':>11} {'floor ns':>9} {'ratio':>6} "
          f"{'RSS B/node':>10} {'engine B/node':>13}", flush=True)
    for n in sizes:
        path = os.path.join(out, f"engine-{n}.jsonl")
        run([bench, "--nodes", str(n), "--protocol", "push-pull", "--trials", "3", "--warmup",
             "1", "--seed", "1", "--quiet", "--output", path], env)
        ts = trials(path)
        rss = peak_rss(path)
        ns = statistics.median(t["gossip_s"] * 1e9 / (t["rounds"] * n) for t in ts)
        rounds = statistics.median(t["rounds"] for t in ts)
        fns = None
        if floor:
            vals = []
            for seed in (1, 2, 3):
                text = run([floor, str(n), "push-pull", str(seed)], env)
                vals.append(float(re.search(r"ns/node-round=([0-9.]+)", text).group(1)))
            fns = statistics.median(vals)
        row = {"n": n, "rounds": rounds, "ns_per_node_round": ns, "floor_ns": fns,
               "ratio": ns / fns if fns else None, "rss_bytes_per_node": rss / n,
               "engine_bytes_per_node": (rss - rss0) / n}
        summary["sizes"].append(row)
        print(f"  {n:>10} {rounds:>6.0f} {ns:>11.2f} {fns if fns else float('nan'):>9.2f} "
              f"{row['ratio'] if fns else float('nan'):>6.2f} {rss / n:>10.2f} "
              f"{(rss - rss0) / n:>13.2f}", flush=True)

    # Topology generation: time and memory of the CSR overlays (issue: at most 8 bytes per
    # directed edge plus 8 per node; random 8-regular at 10^7 nodes in under 30 s).
    gen_sizes = [int(x) for x in os.environ.get("GB_BENCH_GEN_SIZES", "1000000 10000000").split()]
    print("\n# Topology generation (1 process): seconds, CSR bytes per directed edge beyond 8 "
          "per node, peak RSS per node")
    print(f"# {'topology':>22} {'n':>10} {'edges':>10} {'gen s':>7} {'B/arc':>6} "
          f"{'B/node':>7} {'RSS B/node':>10}", flush=True)
    summary["generation"] = []
    for n in gen_sizes:
        for spec in ("random-regular:d=8", f"gnm:m={4 * n}"):
            name = spec.split(":")[0]
            path = os.path.join(out, f"gen-{name}-{n}.jsonl")
            run([bench, "--nodes", str(n), "--topology", spec, "--protocol", "push",
                 "--trials", "1", "--warmup", "0", "--max-rounds", "1", "--quiet",
                 "--output", path], env)
            rec = records(path, "run")[0]
            arcs = 2 * rec["graph"]["edges"]
            per_arc = (rec["topology_bytes"] - 8 * (n + 1)) / arcs if arcs else 0.0
            rss = peak_rss(path)
            row = {"topology": spec, "n": n, "edges": rec["graph"]["edges"],
                   "seconds": rec["topology_s"], "bytes": rec["topology_bytes"],
                   "bytes_per_arc_beyond_8_per_node": per_arc, "peak_rss_bytes": rss}
            summary["generation"].append(row)
            print(f"  {spec:>22} {n:>10} {rec['graph']['edges']:>10} {rec['topology_s']:>7.2f} "
                  f"{per_arc:>6.2f} {rec['topology_bytes'] / n:>7.2f} {rss / n:>10.2f}",
                  flush=True)

    mpirun = shutil.which("mpirun")
    for ranks in (r for r in rank_counts if mpirun and r > 1):
        print(f"\n# MPI transports: push-pull, complete graph, {mpi_nodes} nodes on {ranks} "
              f"ranks ({os.cpu_count()} cores{': oversubscribed' if ranks > (os.cpu_count() or 1) else ''})")
        print("# exch = time inside the transport per round, including waiting for ranks that "
              "are still computing;")
        print("# plain = MPI_Isend/MPI_Irecv of the same volumes, sizes known, ranks in step "
              "(--replay-exchange)")
        print(f"# {'transport':>10} {'rounds':>6} {'exch ms/rnd':>11} {'plain ms/rnd':>12} "
              f"{'ratio':>6} {'round ms':>8} {'MB/rnd moved':>12}", flush=True)
        for tr in ("nbx", "alltoallv"):
            path = os.path.join(out, f"mpi-{ranks}-{tr}.jsonl")
            run([mpirun, "--oversubscribe", "-q", "-n", str(ranks), bench, "--nodes",
                 str(mpi_nodes), "--protocol", "push-pull", "--trials", "3", "--warmup", "1",
                 "--transport", tr, "--replay-exchange", "--quiet", "--output", path], env)
            ts = trials(path)
            ex = statistics.median(t["exchange_s"] / t["rounds"] for t in ts) * 1e3
            rp = statistics.median(t["replay_s"] / t["rounds"] for t in ts) * 1e3
            rd = statistics.median(t["gossip_s"] / t["rounds"] for t in ts) * 1e3
            mb = statistics.median(t["mpi_bytes"] / t["rounds"] for t in ts) / 1e6
            rounds = statistics.median(t["rounds"] for t in ts)
            summary["mpi"].append({"transport": tr, "ranks": ranks, "nodes": mpi_nodes,
                                   "exchange_ms_per_round": ex, "plain_ms_per_round": rp,
                                   "round_ms": rd, "mb_per_round": mb})
            print(f"  {tr:>10} {rounds:>6.0f} {ex:>11.3f} {rp:>12.3f} {ex / rp:>6.2f} "
                  f"{rd:>8.2f} {mb:>12.2f}", flush=True)
    with open(os.path.join(out, "summary.json"), "w", encoding="utf-8") as f:
        json.dump(summary, f, indent=1)
    print(f"# results: {out}")


if __name__ == "__main__":
    main()
