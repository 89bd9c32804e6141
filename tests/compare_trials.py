#!/usr/bin/env python3
"""compare_trials.py A.jsonl B.jsonl: exit 0 when both results files hold the same trials.

The reproducibility contract (DESIGN.md): the same options and seed give identical per-trial
figures whatever the rank count or transport. Compared: every deterministic field of every
"trial" record (rounds, curves, message and byte counts, ...), matched by (protocol, protocol parameters, trial).
Timings, rank counts and MPI byte counts legitimately differ and are not compared.
Session protocols' records (kind "session") add pending, steps, the protocol's metrics and
its per-round series (every series but the timing one, round_s).
"""
import json
import sys

FIELDS = ("protocol", "protocol_params", "topology", "topology_params", "nodes", "fanout",
          "seed", "trial", "source", "converged", "rounds", "t_ave", "t_last", "residue",
          "informed", "reachable", "messages", "bytes", "payload_bytes", "header_bytes",
          "meta_bytes", "duplicates", "curve", "dropped", "residue_live")
SESSION_FIELDS = ("kind", "pending", "steps", "metrics", "series")
TIMING_SERIES = ("round_s",)


def value(rec, field):
    """A field as compared: session series without the timing ones."""
    v = rec.get(field)
    if field == "series" and isinstance(v, dict):
        v = {k: x for k, x in v.items() if k not in TIMING_SERIES}
    return v


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
        fields = FIELDS
        if a[key].get("kind") == "session" or b[key].get("kind") == "session":
            fields = FIELDS + SESSION_FIELDS
        for f in fields:
            x, y = value(a[key], f), value(b[key], f)
            if x != y:
                if isinstance(x, dict) and isinstance(y, dict):
                    keys = sorted(k for k in x.keys() | y.keys() if x.get(k) != y.get(k))
                    x = {k: x.get(k) for k in keys[:3]}
                    y = {k: y.get(k) for k in keys[:3]}
                print(f"{key}: field '{f}' differs: {x!r:.300} vs {y!r:.300}", file=sys.stderr)
                return 1
    print(f"identical: {len(a)} trials")
    return 0


if __name__ == "__main__":
    sys.exit(main())
