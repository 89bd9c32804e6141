#!/usr/bin/env python3
"""bench.py BUILDDIR: speed and memory benchmark of gossipbench (run by `make bench`).

1. In-process engine, push-pull on the complete graph, n = 10^6, 10^7 (GB_BENCH_SIZES) and
   10^8 (GB_BENCH_BIG, one trial: it takes minutes; empty to skip), on 1 and 2 threads
   (--threads), on 2 ranks x 1 thread (ranks per core), and the null protocol (the engine's
   own share): ns per node-round (gossip time / (rounds * n)), minimum and median over the
   trials, and peak resident bytes per node, next to ../shared/bench/floor.c (FLOOR_C)
   built and run in the same invocation with the same n (minimum over three seeds, one at
   10^8), as a ratio. Bytes per node are given as peak RSS / n and as (peak RSS - peak RSS
   of a 2-node run) / n, the engine's own share without the MPI library's fixed cost;
   gossip-bench measures its own RSS (getrusage).
2. The PeerSim anchor of issue 8, quoted (measured by the issue author, not here), and our
   ratios to it: per node-round, whole runs at 10^7 (push-pull and push, one trial, process
   wall time; GB_BENCH_WHOLE=0 skips them), nodes per 0.9 GB. Then PASS/MISS for each target of the issue.
3. Random 8-regular at 10^7 (GB_BENCH_RR): generation seconds and push-pull ns per
   node-round on 1 and 2 threads.
4. Topology generation (GB_BENCH_GEN_SIZES, default 10^6 and 10^7): random 8-regular and
   G(n, m = 4n): seconds, CSR bytes per directed edge beyond 8 per node, peak RSS per node.
5. MPI transports with each of GB_BENCH_RANKS (default "2 8") ranks: time per round in the
   transport's exchange (NBX and Alltoallv) against a plain MPI_Isend/MPI_Irecv exchange of
   the same per-round volumes with sizes known in advance (--replay-exchange).
The machine's load average is printed at the start and the end (timings on a shared
machine are noisy: minima are the figures to compare), and the total time.
Results (JSON Lines from gossip-bench and a summary) go to results/bench-<date>/.
Only the Python standard library is used.
"""
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time

# Issue 8's reference: PeerSim 1.0.5 (Java 17, cycle-driven), synchronous push and push-pull
# on the complete graph, as measured and reported by the author.
PEERSIM = {"ns_best": 120.0, "ns_worst": 300.0, "pp_1e7_s": (53.0, 57.0),
           "push_1e7_s": (104.0, 120.0), "rss_bytes": 0.9e9, "rss_nodes": 10**7}
GOALS = {"floor_ratio": 3.0, "bytes_per_node": 24.0, "peersim_speed": 20.0,
         "peersim_nodes": 10.0}


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


def load():
    return "%.2f %.2f %.2f" % os.getloadavg()


def verdict(ok):
    return "PASS" if ok else "MISS"


def cpu_model():
    """The processor's name (figures from different machines are not comparable)."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown processor"


def main():
    t_begin = time.time()
    build = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".")
    top = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
    bench = os.path.join(build, "bench", "gossip-bench")
    floor_c = os.environ.get("FLOOR_C", os.path.join(top, "..", "shared", "bench", "floor.c"))
    sizes = [int(x) for x in os.environ.get("GB_BENCH_SIZES", "1000000 10000000").split()]
    big = [int(x) for x in os.environ.get("GB_BENCH_BIG", "100000000").split()]
    rr_sizes = [int(x) for x in os.environ.get("GB_BENCH_RR", "10000000").split()]
    rank_counts = [int(x) for x in os.environ.get("GB_BENCH_RANKS", "2 8").split()]
    mpi_nodes = int(os.environ.get("GB_BENCH_MPI_NODES", "1000000"))
    out = os.path.join(top, "results", "bench-" + time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()))
    os.makedirs(out, exist_ok=True)
    env = dict(os.environ)
    env.pop("OMP_NUM_THREADS", None)  # every run says --threads itself
    # Idle OpenMP threads sleep instead of spinning (libgomp spins by default), so that on a
    # machine shared with other work a waiting thread does not take the core the working
    # one needs; on an idle machine it costs a wake-up per round.
    env.setdefault("OMP_WAIT_POLICY", "passive")
    if os.geteuid() == 0:
        env.update(OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    mpirun = shutil.which("mpirun")
    cores = os.cpu_count() or 1
    cpu = cpu_model()
    summary = {"sizes": [], "mpi": [], "load_start": load(), "cores": cores, "cpu": cpu}
    print(f"# make bench: {cpu}, {cores} cores, load average {load()} (1, 5, 15 min) at the start; "
          f"OMP_WAIT_POLICY={env['OMP_WAIT_POLICY']}", flush=True)

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
    print("\n# In-process engine, complete graph: ns per node-round (min and median over the "
          "trials), floor = ../shared/bench/floor.c")
    print("# (minimum over 3 seeds, 1 at 10^8), ratio = min / floor min; bytes per node: peak "
          "RSS / n and the engine's share (minus a 2-node run's RSS)")
    print(f"# {'protocol':>9} {'n':>10} {'ranks':>5} {'thr':>3} {'trials':>6} {'rounds':>6} "
          f"{'ns min':>7} {'ns med':>7} {'floor':>6} {'ratio':>5} {'RSS B/n':>8} "
          f"{'eng B/n':>8}", flush=True)
    floors = {}

    def floor_ns(n):
        if not floor:
            return None
        if n not in floors:
            vals = []
            for seed in ((1, 2, 3) if n < 10**8 else (1,)):
                text = run([floor, str(n), "push-pull", str(seed)], env)
                vals.append(float(re.search(r"ns/node-round=([0-9.]+)", text).group(1)))
            floors[n] = min(vals)
        return floors[n]

    def engine_row(n, proto="push-pull", threads=1, ranks=1, ntrials=3, warmup=1):
        tag = f"{proto}-{n}-r{ranks}-t{threads}"
        path = os.path.join(out, f"engine-{tag}.jsonl")
        cmd = [bench, "--nodes", str(n), "--protocol", proto, "--trials", str(ntrials),
               "--warmup", str(warmup), "--seed", "1", "--threads", str(threads), "--quiet",
               "--output", path]
        if ranks > 1:
            if not mpirun:
                return None
            # Unbound, as the threads of one process are.
            cmd = [mpirun, "--oversubscribe", "-q", "--bind-to", "none", "-n", str(ranks)] + cmd
        run(cmd, env)
        ts = trials(path)
        rss = peak_rss(path)
        ns = [t["gossip_s"] * 1e9 / (t["rounds"] * n) for t in ts]
        fns = floor_ns(n) if proto == "push-pull" else None
        row = {"protocol": proto, "n": n, "ranks": ranks, "threads": threads,
               "trials": len(ts), "rounds": statistics.median(t["rounds"] for t in ts),
               "ns_min": min(ns), "ns_median": statistics.median(ns), "floor_ns": fns,
               "ratio": min(ns) / fns if fns else None, "rss_bytes_per_node": rss / n,
               "engine_bytes_per_node": (rss - rss0) / n}
        summary["sizes"].append(row)
        nan = float("nan")
        print(f"  {proto:>9} {n:>10} {ranks:>5} {threads:>3} {len(ts):>6} {row['rounds']:>6.0f} "
              f"{row['ns_min']:>7.2f} {row['ns_median']:>7.2f} {fns if fns else nan:>6.2f} "
              f"{row['ratio'] if fns else nan:>5.2f} {rss / n:>8.2f} {(rss - rss0) / n:>8.2f}",
              flush=True)
        return row

    rows = {}
    for n in sizes:
        ntrials = 5 if n <= 10**6 else 3
        for threads in (1, 2):
            rows[(n, 1, threads)] = engine_row(n, threads=threads, ntrials=ntrials)
        rows[(n, 2, 1)] = engine_row(n, ranks=2, ntrials=ntrials)
        engine_row(n, proto="null", ntrials=ntrials)
    for n in big:
        for threads in (1, 2):
            rows[(n, 1, threads)] = engine_row(n, threads=threads, ntrials=1, warmup=0)

    # Whole runs at 10^7 as PeerSim's were timed: one trial, the process from start to end.
    whole = {}
    n7 = 10**7
    for proto in ("push-pull", "push") if os.environ.get("GB_BENCH_WHOLE", "1") == "1" else ():
        path = os.path.join(out, f"whole-{proto}.jsonl")
        t0 = time.time()
        run([bench, "--nodes", str(n7), "--protocol", proto, "--trials", "1", "--warmup", "0",
             "--threads", "1", "--quiet", "--output", path], env)
        whole[proto] = {"process_s": time.time() - t0, "rounds": trials(path)[0]["rounds"],
                        "rss_bytes": peak_rss(path)}
    summary["whole_runs_1e7"] = whole

    print("\n# PeerSim anchor (issue 8), as measured by the issue author, NOT by this script:")
    print("#   PeerSim 1.0.5 (Java 17, cycle-driven), synchronous push and push-pull on the "
          "complete graph:")
    print("#   120-300 ns per node-round at n = 10^6 and 10^7; n = 10^7 push-pull took 53-57 s "
          "and push 104-120 s in all,")
    print("#   at about 0.9 GB resident (about 90 bytes per node). Goal: at least 20x faster per "
          "node-round, 10x more nodes in the same memory.")
    checks = []
    for n in sizes + big:
        for threads in (1, 2):
            r = rows.get((n, 1, threads))
            if r:
                print(f"  n={n:<10} {threads} thread(s): {r['ns_min']:7.2f} ns/node-round = "
                      f"{PEERSIM['ns_best'] / r['ns_min']:6.1f}x PeerSim's best (120 ns), "
                      f"{PEERSIM['ns_worst'] / r['ns_min']:6.1f}x its worst (300 ns)")
    for proto, (lo, hi) in (("push-pull", PEERSIM["pp_1e7_s"]), ("push", PEERSIM["push_1e7_s"])):
        if proto not in whole:
            continue
        w = whole[proto]
        print(f"  n=10^7 {proto:>9}, one trial, whole process: {w['process_s']:6.2f} s "
              f"({w['rounds']} rounds) vs PeerSim {lo:.0f}-{hi:.0f} s: "
              f"{lo / w['process_s']:.1f}x-{hi / w['process_s']:.1f}x")
    largest = max(k[0] for k in rows if rows[k] and k[1] == 1 and k[2] == 1)
    bpn = rows[(largest, 1, 1)]["rss_bytes_per_node"]
    fit = PEERSIM["rss_bytes"] / bpn
    print(f"  memory: {bpn:.2f} B/node (peak RSS at n={largest}) -> {fit:.3g} nodes in 0.9 GB = "
          f"{fit / PEERSIM['rss_nodes']:.1f}x PeerSim's 10^7")

    print("\n# Targets (issue 8)")
    def check(name, ok, detail):
        checks.append({"target": name, "ok": bool(ok), "detail": detail})
        print(f"  {verdict(ok)}  {name}: {detail}", flush=True)
    r7 = rows.get((n7, 1, 1))
    if r7 and r7["ratio"]:
        check("within 3x of the floor single-threaded at 10^7", r7["ratio"] <= GOALS["floor_ratio"],
              f"{r7['ns_min']:.2f} / {r7['floor_ns']:.2f} ns = {r7['ratio']:.2f}x")
    engine_b = [rows[k]["engine_bytes_per_node"] for k in rows
                if rows[k] and k[1] == 1 and k[0] >= n7]
    if engine_b:
        check("at most 24 bytes per node (push-pull, complete graph, n >= 10^7)",
              max(engine_b) <= GOALS["bytes_per_node"],
              f"engine share at most {max(engine_b):.2f} B/node; peak RSS / n at n={largest}: "
              f"{bpn:.2f}")
    for n in sizes + big:
        a, b = rows.get((n, 1, 1)), rows.get((n, 1, 2))
        if a and b:
            sp = a["ns_min"] / b["ns_min"]
            check(f"speed-up on 2 threads at n={n}", sp > 1.0, f"{sp:.2f}x "
                  f"({a['ns_min']:.2f} -> {b['ns_min']:.2f} ns/node-round)")
    for n in sizes:
        for threads in (1, 2):
            a = rows.get((n, 1, threads))
            if a:
                f = PEERSIM["ns_best"] / a["ns_min"]
                check(f"20x PeerSim per node-round at n={n}, {threads} thread(s)",
                      f >= GOALS["peersim_speed"], f"{f:.1f}x its best 120 ns")
    check("10x the nodes in PeerSim's memory (0.9 GB)", fit / PEERSIM["rss_nodes"] >=
          GOALS["peersim_nodes"], f"{fit / PEERSIM['rss_nodes']:.1f}x")
    for n in sizes:
        a, m = rows.get((n, 1, 1)), rows.get((n, 2, 1))
        if a and m:
            faster = "2 threads" if rows[(n, 1, 2)]["ns_min"] < m["ns_min"] else "2 ranks"
            print(f"  note: n={n}: 2 threads {rows[(n, 1, 2)]['ns_min']:.2f}, 2 ranks x 1 thread "
                  f"{m['ns_min']:.2f} ns/node-round: {faster} faster")
    summary["checks"] = checks

    # Random 8-regular: generation and push-pull rounds on an explicit overlay.
    summary["random_regular"] = []
    if rr_sizes:
        print("\n# Random 8-regular, push-pull (1 process): generation seconds, ns per "
              "node-round (min, median)")
        print(f"# {'n':>10} {'thr':>3} {'gen s':>6} {'rounds':>6} {'ns min':>7} {'ns med':>7} "
              f"{'RSS B/n':>8}", flush=True)
    for n in rr_sizes:
        for threads in (1, 2):
            path = os.path.join(out, f"rr-{n}-t{threads}.jsonl")
            run([bench, "--nodes", str(n), "--topology", "random-regular:d=8", "--protocol",
                 "push-pull", "--trials", "3", "--warmup", "0", "--threads", str(threads),
                 "--quiet", "--output", path], env)
            ts = trials(path)
            ns = [t["gossip_s"] * 1e9 / (t["rounds"] * n) for t in ts]
            rec = records(path, "run")[0]
            rss = peak_rss(path)
            row = {"n": n, "threads": threads, "generation_s": rec["topology_s"],
                   "rounds": statistics.median(t["rounds"] for t in ts), "ns_min": min(ns),
                   "ns_median": statistics.median(ns), "rss_bytes_per_node": rss / n}
            summary["random_regular"].append(row)
            print(f"  {n:>10} {threads:>3} {rec['topology_s']:>6.2f} {row['rounds']:>6.0f} "
                  f"{min(ns):>7.2f} {row['ns_median']:>7.2f} {rss / n:>8.2f}", flush=True)

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
    summary["load_end"] = load()
    summary["total_s"] = time.time() - t_begin
    with open(os.path.join(out, "summary.json"), "w", encoding="utf-8") as f:
        json.dump(summary, f, indent=1)
    print(f"\n# load average {load()} at the end; make bench took {summary['total_s']:.0f} s")
    print(f"# results: {out}")


if __name__ == "__main__":
    main()
