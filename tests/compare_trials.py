#!/usr/bin/env python3
"""compare_trials.py A.jsonl B.jsonl: exit 0 when both results files hold the same trials.

The reproducibility contract (DESIGN.md): the same options and seed give identical per-trial
figures whatever the rank count or transport. Compared: every deterministic field of every
"trial" record (rounds, curves, message and byte counts, ...), matched by (protocol, protocol parameters, trial).
Timings, rank counts and MPI byte counts legitimately differ and are not compared.

Session protocols' trial records (kind "session") also carry the message steps, the final
pending count, the protocol's metrics and its per-round series: those are compared too
(same_session), except the per-round wall times (series "round_s"). Integers and integral
floats must be equal; a non-integral float (a mean or a share that each rank contributes
as its local sum divided by a global count, reduced by MPI_Allreduce) may differ in the
last bits between rank counts, since floating-point addition is not associative, and is
compared to a relative 1e-12.
"""
import json
import math
import sys

FIELDS = ("protocol", "protocol_params", "topology", "topology_params", "nodes", "fanout",
          "seed", "trial", "source", "converged", "rounds", "t_ave", "t_last", "residue",
          "informed", "reachable", "messages", "bytes", "payload_bytes", "header_bytes",
          "meta_bytes", "duplicates", "curve", "dropped", "residue_live")
SESSION_FIELDS = ("kind", "steps", "pending", "metrics", "series")


def same_value(x, y):
    """Equal, or both non-integral floats within a relative 1e-12 (see the docstring)."""
    if isinstance(x, dict) and isinstance(y, dict):
        return x.keys() == y.keys() and all(same_value(x[k], y[k]) for k in x)
    if isinstance(x, list) and isinstance(y, list):
        return len(x) == len(y) and all(same_value(a, b) for a, b in zip(x, y))
    if isinstance(x, float) and isinstance(y, float) and x != y:
        if x.is_integer() or y.is_integer():
            return False
        return math.isclose(x, y, rel_tol=1e-12, abs_tol=0.0)
    return x == y and type(x) is type(y)


def same_session(a, b):
    """None when two session trial records agree on SESSION_FIELDS, else what differs."""
    for f in SESSION_FIELDS:
        x, y = a.get(f), b.get(f)
        if f == "series" and isinstance(x, dict) and isinstance(y, dict):
            x = {k: v for k, v in x.items() if k != "round_s"}
            y = {k: v for k, v in y.items() if k != "round_s"}
        if not same_value(x, y):
            if isinstance(x, dict) and isinstance(y, dict):
                bad = sorted(k for k in x.keys() | y.keys() if not same_value(x.get(k), y.get(k)))
                return f"field '{f}' differs in {bad[:5]}"
            return f"field '{f}' differs: {x!r} vs {y!r}"
    return None


def load(path):
    trials = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            if rec.get("type") == "trial":
                trials[(rec["protocol"], rec.get("protocol_params", ""), rec["trial"])] = rec
    return trials


def main():
    if len(sys.argv) != 3:
        print("usage: compare_trials.py A.jsonl B.jsonl", file=sys.stderr)
        return 2
    a, b = load(sys.argv[1]), load(sys.argv[2])
    if not a:
        print(f"{sys.argv[1]}: no trial records", file=sys.stderr)
        return 1
    if a.keys() != b.keys():
        print(f"different trials: {sorted(a.keys() ^ b.keys())[:5]}", file=sys.stderr)
        return 1
    for key in sorted(a):
        for f in FIELDS:
            x, y = a[key].get(f), b[key].get(f)
            if x != y:
                if isinstance(x, dict) and isinstance(y, dict):
                    keys = sorted(k for k in x.keys() | y.keys() if x.get(k) != y.get(k))
                    x = {k: x.get(k) for k in keys[:3]}
                    y = {k: y.get(k) for k in keys[:3]}
                print(f"{key}: field '{f}' differs: {x!r:.300} vs {y!r:.300}", file=sys.stderr)
                return 1
        if a[key].get("kind") == "session" or b[key].get("kind") == "session":
            why = same_session(a[key], b[key])
            if why is not None:
                print(f"{key}: {why}", file=sys.stderr)
                return 1
    print(f"identical: {len(a)} trials")
    return 0


if __name__ == "__main__":
    sys.exit(main())
