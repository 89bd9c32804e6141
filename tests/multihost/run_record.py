#!/usr/bin/env python3
"""run_record.py FILE.jsonl: one line about a gossip-bench results file, for
tests/test_multihost.sh:

    host=h1 hosts=3 ranks=6 max_ranks_per_host=2 transport=nbx us_per_round=412.3

host, hosts, ranks, max_ranks_per_host and transport come from the "run" record (what the
ranks saw: the host name of rank 0 and the number of distinct hosts); us_per_round is the
mean over the "trial" records of gossip_s / rounds, in microseconds.
"""
import json
import sys


def main():
    if len(sys.argv) != 2:
        print("usage: run_record.py FILE.jsonl", file=sys.stderr)
        return 2
    run, per_round = None, []
    with open(sys.argv[1], encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            if rec.get("type") == "run":
                run = rec
            elif rec.get("type") == "trial" and rec.get("rounds", 0) > 0:
                per_round.append(rec["gossip_s"] / rec["rounds"])
    if run is None or not per_round:
        print(f"{sys.argv[1]}: no run record or no trial records", file=sys.stderr)
        return 1
    fields = ("host", "hosts", "ranks", "max_ranks_per_host", "transport")
    print(" ".join(f"{k}={run.get(k)}" for k in fields),
          f"us_per_round={1e6 * sum(per_round) / len(per_round):.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
