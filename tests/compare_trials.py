#!/usr/bin/env python3
"""compare_trials.py A.jsonl B.jsonl: exit 0 when both results files hold the same trials.

The reproducibility contract (DESIGN.md): the same options and seed give identical per-trial
figures whatever the rank count or transport. Compared: every deterministic field of every
"trial" record (rounds, curves, message and byte counts, ...), matched by (protocol, protocol parameters, trial).
Timings, rank counts and MPI byte counts legitimately differ and are not compared.
"""
import json
import sys

FIELDS = ("protocol", "protocol_params", "topology", "topology_params", "nodes", "fanout",
          "seed", "trial", "source", "converged", "rounds", "t_ave", "t_last", "residue",
          "informed", "reachable", "messages", "bytes", "payload_bytes", "header_bytes",
          "meta_bytes", "duplicates", "curve", "dropped", "residue_live")


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
            if a[key].get(f) != b[key].get(f):
                print(f"{key}: field '{f}' differs: {a[key].get(f)!r} vs {b[key].get(f)!r}",
                      file=sys.stderr)
                return 1
    print(f"identical: {len(a)} trials")
    return 0


if __name__ == "__main__":
    sys.exit(main())
