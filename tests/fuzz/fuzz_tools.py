#!/usr/bin/env python3
"""fuzz_tools.py [SECONDS] [--seed S]: mutation fuzzing of the files the Python tools read.

gossip-report and gossip-repro read gossip-bench JSON Lines; gossip-sweep reads a grid file.
Starting from valid inputs (made by gossip-bench, path in GB_BENCH or ./bench/gossip-bench),
this mutates them (byte flips, truncations, deleted/duplicated lines, JSON values replaced
by other types, huge numbers, NaN, deep nesting, non-UTF-8 bytes) and runs each tool on the
result. Every run must end with exit status 0, 1 or 2 and one clear line on stderr for a
rejected input: never a Python traceback, never a hang (each run is bounded by a timeout).
Deterministic for a given seed; runs until SECONDS (default 20) have passed.
Standard library only (atheris is not packaged for Debian).
"""
import json
import os
import random
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.abspath(os.path.join(HERE, "..", ".."))
TOOLS = os.path.join(TOP, "scripts")

WEIRD = [None, True, -1, 0, 1e308, -1e308, "x", "", [], {}, [1, [2, [3]]], {"a": {"b": 1}},
         2 ** 70, 1.5, "NaN"]


def mutate_json_line(rng, line):
    try:
        rec = json.loads(line)
    except (ValueError, RecursionError):
        return line
    if not isinstance(rec, dict) or not rec:
        return line
    key = rng.choice(list(rec))
    r = rng.random()
    if r < 0.4:
        rec[key] = rng.choice(WEIRD)
    elif r < 0.6:
        del rec[key]
    elif r < 0.8 and isinstance(rec[key], list) and rec[key]:
        rec[key] = rec[key][: rng.randrange(len(rec[key]))] + [rng.choice(WEIRD)]
    else:
        rec[rng.choice(["type", "schema", "protocol", "topology", "nodes", "curve"])] = \
            rng.choice(WEIRD)
    return json.dumps(rec, allow_nan=True)


def mutate(rng, data):
    lines = data.split(b"\n")
    for _ in range(rng.randint(1, 4)):
        r = rng.random()
        i = rng.randrange(len(lines))
        if r < 0.35:
            lines[i] = mutate_json_line(rng, lines[i].decode("utf-8", "replace")).encode()
        elif r < 0.5 and lines[i]:
            b = bytearray(lines[i])
            b[rng.randrange(len(b))] = rng.randrange(256)
            lines[i] = bytes(b)
        elif r < 0.6:
            lines[i] = lines[i][: rng.randrange(len(lines[i]) + 1)]
        elif r < 0.7:
            del lines[i]
            if not lines:
                lines = [b""]
        elif r < 0.8:
            lines.insert(i, lines[i])
        elif r < 0.9:
            lines[i] = b"[" * 5000 + b"]" * 5000
        else:
            lines[i] = b"\xff\xfe" + lines[i]
    return b"\n".join(lines)


def run(cmd, timeout=60):
    try:
        p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                           timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, "timeout"
    return p.returncode, p.stderr.decode("utf-8", "replace")


def main():
    args = sys.argv[1:]
    seconds, seed = 20.0, 1
    if "--seed" in args:
        i = args.index("--seed")
        seed = int(args[i + 1])
        del args[i:i + 2]
    if args:
        seconds = float(args[0])
    rng = random.Random(seed)
    bench = os.environ.get("GB_BENCH", os.path.join(TOP, "bench", "gossip-bench"))
    py = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        base = os.path.join(tmp, "base.jsonl")
        p = subprocess.run([bench, "--nodes", "64", "--trials", "2", "--quiet", "--protocol",
                            "push,rumor:k=2", "--topology", "torus", "--output", base],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if p.returncode != 0:
            print(f"fuzz_tools: cannot make a seed input with {bench}: {p.stderr!r}")
            return 2
        seed_jsonl = open(base, "rb").read()
        seed_grid = json.dumps({"protocols": ["push,pull"], "topologies": ["complete"],
                                "nodes": [16], "fanouts": [1], "trials": 1, "seed": 1,
                                "ranks": 1}).encode()
        keep_dir = tempfile.mkdtemp(prefix="gb-fuzz-tools-")
        deadline = time.time() + seconds
        runs, bad = 0, []
        while time.time() < deadline and len(bad) < 5:
            case = os.path.join(tmp, f"case{runs % 4}")
            os.makedirs(case, exist_ok=True)
            which = runs % 3
            if which < 2:
                path = os.path.join(case, "r.jsonl")
                open(path, "wb").write(mutate(rng, seed_jsonl))
                if which == 0:
                    cmd = [py, os.path.join(TOOLS, "gossip-report"), path, "--out",
                           os.path.join(case, "out")]
                else:
                    cmd = [py, os.path.join(TOOLS, "gossip-repro"), path, "--bench", bench]
            else:
                path = os.path.join(case, "grid.json")
                open(path, "wb").write(mutate(rng, seed_grid))
                cmd = [py, os.path.join(TOOLS, "gossip-sweep"), "--grid", path, "--out",
                       os.path.join(case, "sweep"), "--dry-run", "--bench", bench]
            code, err = run(cmd)
            runs += 1
            if code is None or code not in (0, 1, 2) or "Traceback" in err:
                # Failing inputs are kept outside the (possibly read-only) source tree.
                keep = os.environ.get("GB_FUZZ_KEEP") or keep_dir
                dest = os.path.join(keep, f"crash-{seed}-{runs}-{os.path.basename(path)}")
                open(dest, "wb").write(open(path, "rb").read())
                bad.append((cmd[1].rsplit("/", 1)[-1], code, err.strip().splitlines()[-1:],
                            dest))
        for tool, code, last, dest in bad:
            print(f"FAIL {tool}: exit {code}: {last} (input kept as {dest})")
        if not bad:
            os.rmdir(keep_dir)
        print(f"fuzz_tools: {runs} runs, {len(bad)} failure(s)")
        return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
