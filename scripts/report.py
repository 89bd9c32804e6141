#!/usr/bin/env python3
"""Comparative HTML report (with PNG plots) for gossip-bench JSON Lines results.

Usage:
    python3 scripts/report.py RESULTS_DIR_OR_FILES... [--out DIR] [--title TEXT]

Every *.jsonl file in a given folder is read, and so is every file given by name.
Records must carry "schema":"gossipbench/1"; "run" records describe runs, "trial"
records are what every number in the report is computed from ("summary" records are
accepted but not relied on). A scenario is (topology, nodes, ranks, fanout); inside a
scenario each protocol is one row / one line.

Writes DIR/report.html and PNG plots next to it (default DIR: the first folder given,
else the folder of the first file) and prints the path of report.html.
Exit status: 0 on success, 2 on bad input (one line on stderr), 1 when numpy or
matplotlib (Debian: python3-numpy, python3-matplotlib) cannot be imported.
"""

import argparse
import datetime
import glob
import html
import json
import math
import os
import re
import sys

try:
    import numpy as np
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch
    from matplotlib.ticker import MaxNLocator
except ImportError as exc:  # e.g. a pyenv python3 without Debian's packages
    system_py = "/usr/bin/python3"
    if (not os.environ.get("GOSSIPBENCH_REPORT_REEXEC") and os.path.exists(system_py)
            and os.path.realpath(sys.executable) != os.path.realpath(system_py)):
        os.environ["GOSSIPBENCH_REPORT_REEXEC"] = "1"
        os.execv(system_py, [system_py] + sys.argv)
    sys.stderr.write("report.py: %s (install python3-numpy and python3-matplotlib)\n" % exc)
    sys.exit(1)

SCHEMA = "gossipbench/1"
DPI = 100
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*", "<", ">"]
RUN_FIELDS = ["host", "date", "version", "mpi_library", "hwloc", "papi", "compiler", "ranks",
              "nodes", "topology", "topology_params", "graph", "protocols", "seed", "trials",
              "fanout", "payload", "transport", "command"]


class InputError(Exception):
    """Bad input: reported as one line on stderr, exit status 2."""


class Parser(argparse.ArgumentParser):
    def error(self, message):
        raise InputError(message)


# ---------------------------------------------------------------- reading

def input_files(paths):
    files, seen = [], set()
    for p in paths:
        if os.path.isdir(p):
            found = sorted(glob.glob(os.path.join(p, "*.jsonl")))
            if not found:
                raise InputError("no *.jsonl files in folder %s" % p)
        elif os.path.exists(p):
            found = [p]
        else:
            raise InputError("no such file or folder: %s" % p)
        for f in found:
            key = os.path.realpath(f)
            if key not in seen:
                seen.add(key)
                files.append(f)
    return files


def read_records(files):
    runs, trials, summaries = [], [], 0
    for path in files:
        try:
            with open(path, encoding="utf-8") as fh:
                lines = fh.readlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError("cannot read %s: %s" % (path, exc))
        for no, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except ValueError as exc:
                raise InputError("%s:%d: not JSON (%s)" % (path, no, exc.msg))
            if not isinstance(rec, dict) or rec.get("schema") != SCHEMA:
                raise InputError('%s:%d: record without "schema":"%s"' % (path, no, SCHEMA))
            kind = rec.get("type")
            if kind == "run":
                runs.append(rec)
            elif kind == "trial":
                trials.append(rec)
            elif kind == "summary":
                summaries += 1
    if not trials:
        raise InputError("no trial records in %d file(s): %s" % (len(files), ", ".join(files)))
    return runs, trials, summaries


# ---------------------------------------------------------------- numbers

def num(v):
    """A finite float, or None (booleans and strings are not numbers here)."""
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    return float(v) if math.isfinite(v) else None


def values(trials, field, scale=1.0):
    out = [num(t.get(field)) for t in trials]
    return [v * scale for v in out if v is not None]


def stats(vals):
    if not vals:
        return None
    a = np.asarray(vals, dtype=float)
    return {"n": a.size, "mean": float(a.mean()), "sd": float(a.std(ddof=1)) if a.size > 1 else 0.0,
            "min": float(a.min()), "median": float(np.median(a)), "max": float(a.max())}


def fmt(v, digits=3):
    if v is None:
        return "–"
    if v == int(v) and abs(v) < 1e9:
        return "%d" % v
    if abs(v) >= 10 ** digits:
        return "%.0f" % v
    return "%.*g" % (digits, v)


def us_per_round(t):
    rs = [num(x) for x in t.get("round_s") or []] if isinstance(t.get("round_s"), list) else []
    rs = [x for x in rs if x is not None]
    if rs:
        return 1e6 * sum(rs) / len(rs)
    wall, rounds = num(t.get("wall_s")), num(t.get("rounds"))
    return 1e6 * wall / rounds if wall is not None and rounds else None


def curve_of(t):
    c = t.get("curve")
    if not isinstance(c, list):
        return None
    c = [num(x) for x in c]
    return c if c and all(x is not None for x in c) else None


def node_count(t):
    n = num(t.get("nodes"))
    if n:
        return n
    c = curve_of(t)
    return max(c) if c else None


# ---------------------------------------------------------------- grouping

def group(trials):
    """scenarios: ordered {(topology, nodes, ranks, fanout): {protocol: [trials]}}.

    A topology or protocol seen with more than one parameter string is split, its
    label becoming "name (params)"; otherwise the name alone is the label."""
    params = {}
    for t in trials:
        for f in ("topology", "protocol"):
            params.setdefault((f, str(t.get(f, "?"))), set()).add(show(t.get(f + "_params") or ""))

    def lab(t, f):
        name, p = str(t.get(f, "?")), show(t.get(f + "_params") or "")
        return "%s (%s)" % (name, p) if p and len(params[(f, name)]) > 1 else name

    scen = {}
    for t in trials:
        key = (lab(t, "topology"),) + tuple(show(t.get(k, "?")) for k in ("nodes", "ranks", "fanout"))
        scen.setdefault(key, {}).setdefault(lab(t, "protocol"), []).append(t)
    return scen


def labels_for(scen):
    labels = {}
    for key in scen:
        topo, nodes = key[0], key[1]
        lab = "%s, n=%s" % (topo, nodes)
        if sum(1 for k in scen if k[:2] == key[:2]) > 1:
            lab += ", ranks=%s, fanout=%s" % (key[2], key[3])
        labels[key] = lab
    return labels


def row_stats(ts):
    conv = sum(1 for t in ts if t.get("converged") is True)
    return {
        "trials": len(ts), "converged": conv,
        "rounds": stats(values(ts, "rounds")), "t_ave": stats(values(ts, "t_ave")),
        "t_last": stats(values(ts, "t_last")), "residue": stats(values(ts, "residue")),
        "msgs": stats(values(ts, "msgs_per_node")), "bytes": stats(values(ts, "bytes_per_node")),
        "wall_ms": stats(values(ts, "wall_s", 1e3)),
        "us_round": stats([u for u in map(us_per_round, ts) if u is not None]),
    }


# ---------------------------------------------------------------- plots

def slug(text):
    return re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_")[:60] or "x"


def save(fig, outdir, name):
    path = os.path.join(outdir, name)
    fig.savefig(path, dpi=DPI, bbox_inches="tight")
    plt.close(fig)
    return name


def plot_curves(label, protos, colors, outdir, idx):
    fig, ax = plt.subplots(figsize=(8, 5))
    drawn = False
    for proto, ts in protos.items():
        rows = []
        for t in ts:
            c, n = curve_of(t), node_count(t)
            if c and n:
                rows.append([x / n for x in c])
        if not rows:
            continue
        width = max(len(r) for r in rows)
        a = np.array([r + [r[-1]] * (width - len(r)) for r in rows])  # informed stays informed
        x = np.arange(width)
        ax.plot(x, a.mean(axis=0), color=colors[proto], lw=2,
                label="%s (%d trials)" % (proto, len(rows)))
        ax.fill_between(x, a.min(axis=0), a.max(axis=0), color=colors[proto], alpha=0.2)
        drawn = True
    if not drawn:
        plt.close(fig)
        return None
    ax.set_title("Informed fraction vs round — %s (band: min–max over trials)" % label)
    ax.set_xlabel("round")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("informed fraction (mean)")
    ax.set_ylim(-0.02, 1.02)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    return save(fig, outdir, "curve_%02d_%s.png" % (idx, slug(label)))


def plot_round_time(label, protos, colors, outdir, idx):
    fig, ax = plt.subplots(figsize=(8, 5))
    drawn = False
    for proto, ts in protos.items():
        series = []
        for t in ts:
            rs = t.get("round_s")
            if isinstance(rs, list) and rs and all(num(v) is not None for v in rs):
                series.append([1e6 * float(v) for v in rs])
        if not series:
            continue
        width = max(len(s) for s in series)
        mean = [np.mean([s[i] for s in series if i < len(s)]) for i in range(width)]
        ax.plot(np.arange(1, width + 1), mean, color=colors[proto], lw=2, marker=".", label=proto)
        drawn = True
    if not drawn:
        plt.close(fig)
        return None
    ax.set_title("Wall time per round — %s (mean over trials, max over ranks)" % label)
    ax.set_xlabel("round")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("µs per round")
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend()
    return save(fig, outdir, "round_time_%02d_%s.png" % (idx, slug(label)))


def plot_boxes(scen, labels, protos_all, colors, outdir):
    fig, ax = plt.subplots(figsize=(max(8, 1.2 + 0.6 * sum(len(p) for p in scen.values())), 5))
    pos, centres, step = 0.0, [], 0.8
    if not any(values(ts, "rounds") for protos in scen.values() for ts in protos.values()):
        plt.close(fig)
        return None
    for key, protos in scen.items():
        start = pos
        for proto in protos_all:
            vals = values(protos.get(proto, []), "rounds")
            if not vals:
                continue
            b = ax.boxplot([vals], positions=[pos], widths=0.6, patch_artist=True,
                           medianprops={"color": "black"})
            b["boxes"][0].set_facecolor(colors[proto])
            b["boxes"][0].set_alpha(0.7)
            pos += step
        centres.append(((start + pos - step) / 2, labels[key].replace(", ", "\n", 1)))
        pos += step
    ax.set_xticks([c for c, _ in centres])
    ax.set_xticklabels([lab for _, lab in centres])
    ax.set_xlim(-0.6, pos - step + 0.2)
    ax.set_title("Rounds to converge per protocol, grouped by topology")
    ax.set_ylabel("rounds")
    ax.grid(axis="y", alpha=0.3)
    ax.legend(handles=[Patch(facecolor=colors[p], alpha=0.7, label=p) for p in protos_all],
              title="protocol", loc="best")
    return save(fig, outdir, "rounds_box.png")


def plot_tradeoff(scen, labels, protos_all, colors, outdir):
    fig, ax = plt.subplots(figsize=(9, 6))
    rng = np.random.default_rng(0)
    markers = {key: MARKERS[i % len(MARKERS)] for i, key in enumerate(scen)}
    drawn = False
    xs, ys = [], []
    for key, protos in scen.items():
        for proto, ts in protos.items():
            pts = [(num(t.get("rounds")), num(t.get("msgs_per_node"))) for t in ts]
            pts = [p for p in pts if p[0] is not None and p[1] is not None]
            if not pts:
                continue
            x = np.array([p[0] for p in pts]) + rng.uniform(-0.15, 0.15, len(pts))
            ax.scatter(x, [p[1] for p in pts], color=colors[proto], marker=markers[key],
                       alpha=0.6, s=36, edgecolors="none")
            xs.extend(x)
            ys.extend(p[1] for p in pts)
            drawn = True
    if not drawn:
        plt.close(fig)
        return None
    # Overlays differ by orders of magnitude (a ring needs hundreds of rounds, the complete
    # graph a dozen): logarithmic axes keep every cluster readable.
    if min(xs) > 0 and max(xs) / min(xs) > 10:
        ax.set_xscale("log")
    if min(ys) > 0 and max(ys) / min(ys) > 10:
        ax.set_yscale("log")
    ax.set_title("Cost vs speed: messages per node vs rounds (one point per trial)")
    ax.set_xlabel("rounds (jittered ±0.15 for visibility)")
    ax.set_ylabel("messages per node")
    ax.grid(alpha=0.3)
    leg1 = ax.legend(handles=[Line2D([], [], color=colors[p], marker="o", ls="", label=p)
                              for p in protos_all], title="protocol (colour)", loc="upper left")
    ax.add_artist(leg1)
    ax.legend(handles=[Line2D([], [], color="dimgray", marker=markers[k], ls="", label=labels[k])
                       for k in scen], title="topology (marker)", loc="lower right")
    return save(fig, outdir, "tradeoff.png")


# ---------------------------------------------------------------- HTML

E = html.escape

CSS = """body{font-family:sans-serif;margin:2em auto;max-width:1200px;color:#222;padding:0 1em}
table{border-collapse:collapse;margin:.6em 0 1.4em;font-size:.9em}
th,td{border:1px solid #ccc;padding:.25em .5em;text-align:right;vertical-align:top}
th{background:#eef}td.l,th.l{text-align:left}code{font-size:.85em;word-break:break-all}
.bad{color:#b00;font-weight:bold}img{max-width:100%;border:1px solid #ddd;margin:.4em 0}
footer{margin-top:3em;border-top:1px solid #ccc;font-size:.85em;color:#444}
.note{color:#555;font-size:.85em}"""

COLUMNS = [  # (header, stats key, which statistic, lower is better)
    ("t_ave", "t_ave", "mean", True), ("t_last", "t_last", "mean", True),
    ("residue", "residue", "mean", True), ("msgs / node", "msgs", "mean", True),
    ("bytes / node", "bytes", "mean", True), ("wall ms / trial (median)", "wall_ms", "median", True),
    ("µs / round (median)", "us_round", "median", True),
]


def best_of(rows, key, stat):
    vals = [r[key][stat] for r in rows.values() if r[key]]
    return min(vals) if vals else None


def cell(text, bold=False, cls=""):
    text = "<b>%s</b>" % text if bold else text
    return "<td%s>%s</td>" % (' class="%s"' % cls if cls else "", text)


def scenario_table(key, rows):
    head = ["protocol", "trials", "converged", "rounds mean ± sd [min–max]"] + [c[0] for c in COLUMNS]
    out = ["<table><tr>%s</tr>" % "".join(
        '<th class="l">%s</th>' % E(h) if i == 0 else "<th>%s</th>" % E(h) for i, h in enumerate(head))]
    bests = {c[1]: best_of(rows, c[1], c[2]) for c in COLUMNS + [("", "rounds", "mean")]}
    varied = {c[1] for c in COLUMNS + [("", "rounds", "mean")]  # bold only a real winner
              if len({r[c[1]][c[2]] for r in rows.values() if r[c[1]]}) > 1}
    for proto, r in rows.items():
        tds = [cell(E(proto), cls="l"), cell(str(r["trials"]))]
        tds.append(cell(str(r["converged"]), cls="" if r["converged"] == r["trials"] else "bad"))
        s = r["rounds"]
        tds.append(cell(E("%s ± %s [%s–%s]" % (fmt(s["mean"]), fmt(s["sd"], 2), fmt(s["min"]),
                                                  fmt(s["max"]))) if s else "–",
                        bold=s is not None and s["mean"] == bests["rounds"] and "rounds" in varied))
        for _, k, stat, _ in COLUMNS:
            v = r[k][stat] if r[k] else None
            tds.append(cell(E(fmt(v)), bold=v is not None and v == bests[k] and k in varied))
        out.append("<tr>%s</tr>" % "".join(tds))
    out.append("</table>")
    return "\n".join(out)


def findings(scen, labels, all_rows):
    items = []
    for key in scen:
        rows = {p: r for p, r in all_rows[key].items()}
        ranked = sorted((r["rounds"]["mean"], p) for p, r in rows.items() if r["rounds"])
        cheap = sorted((r["msgs"]["mean"], p) for p, r in rows.items() if r["msgs"])
        parts = []
        if ranked:
            m, p = ranked[0]
            txt = "fastest is <b>%s</b> (%s rounds on average" % (E(p), fmt(m))
            if len(ranked) > 1:
                txt += "; slowest %s with %s" % (E(ranked[-1][1]), fmt(ranked[-1][0]))
            parts.append(txt + ")")
        if cheap:
            m, p = cheap[0]
            txt = "cheapest is <b>%s</b> (%s messages per node" % (E(p), fmt(m))
            if len(cheap) > 1:
                txt += "; most expensive %s with %s" % (E(cheap[-1][1]), fmt(cheap[-1][0]))
            parts.append(txt + ")")
        bad = ["%s: %d of %d" % (E(p), r["trials"] - r["converged"], r["trials"])
               for p, r in rows.items() if r["converged"] < r["trials"]]
        if bad:
            parts.append('<span class="bad">trials that did not converge — %s</span>' % "; ".join(bad))
        items.append("<li><b>%s</b>: %s.</li>" % (E(labels[key]), "; ".join(parts) or "no data"))
    return "<ul>\n%s\n</ul>" % "\n".join(items)


def show(v):
    if isinstance(v, dict):
        return ", ".join("%s=%s" % (k, show(x)) for k, x in v.items())
    if isinstance(v, list):
        return ", ".join(show(x) for x in v)
    return str(v)


def runs_table(runs):
    if not runs:
        return '<p class="note">No run records in the input.</p>'
    fields = [f for f in RUN_FIELDS if any(f in r for r in runs)]
    fields += sorted({k for r in runs for k in r} - set(fields) - {"schema", "type"})
    out = ["<table><tr>%s</tr>" % "".join('<th class="l">%s</th>' % E(f) for f in fields)]
    for r in runs:
        out.append("<tr>%s</tr>" % "".join(
            '<td class="l">%s</td>' % (("<code>%s</code>" if f == "command" else "%s")
                                       % E(show(r[f])) if f in r else "")
            for f in fields))
    out.append("</table>")
    return "\n".join(out)


def footer(runs, files):
    lines = ["<footer><h2>Repeat these runs</h2>"]
    if runs:
        lines.append("<ol>")
        for r in runs:
            vers = ", ".join("%s %s" % (name, show(r[k])) for k, name in
                             (("version", "gossipbench"), ("mpi_library", "MPI"), ("hwloc", "hwloc"),
                              ("papi", "PAPI"), ("compiler", "compiler")) if k in r)
            lines.append("<li>%s<br><code>%s</code></li>" % (
                E(vers or "(no versions recorded)"),
                E(show(r.get("command", "(no command recorded)")))))
        lines.append("</ol>")
    else:
        lines.append("<p>No run records: versions and command lines are unknown.</p>")
    lines.append("<p>Input files: %s</p>" % ", ".join("<code>%s</code>" % E(f) for f in files))
    lines.append("<p>Generated by scripts/report.py on %s.</p></footer>"
                 % E(datetime.datetime.now().strftime("%Y-%m-%d %H:%M")))
    return "\n".join(lines)


def build(args):
    files = input_files(args.inputs)
    runs, trials, nsum = read_records(files)
    outdir = args.out
    if not outdir:
        dirs = [p for p in args.inputs if os.path.isdir(p)]
        outdir = dirs[0] if dirs else (os.path.dirname(files[0]) or ".")
    os.makedirs(outdir, exist_ok=True)

    scen = group(trials)
    labels = labels_for(scen)
    protos_all = []
    for protos in scen.values():
        protos_all += [p for p in protos if p not in protos_all]
    cmap = plt.get_cmap("tab10")
    colors = {p: cmap(i % 10) for i, p in enumerate(protos_all)}
    all_rows = {k: {p: row_stats(ts) for p, ts in protos.items()} for k, protos in scen.items()}

    title = args.title or "gossipbench report"
    body = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
            "<title>%s</title><style>%s</style></head><body>" % (E(title), CSS),
            "<h1>%s</h1>" % E(title),
            '<p class="note">%d trial records in %d scenario(s), %d run record(s), %d summary '
            "record(s) (not used: all numbers are computed from the trial records).</p>"
            % (len(trials), len(scen), len(runs), nsum),
            "<h2>Findings</h2>", findings(scen, labels, all_rows),
            "<h2>Comparison per topology</h2>",
            '<p class="note">Bold: best value in its column (fewest rounds, lowest cost or time). '
            "Means are over all trials, converged or not; t_ave: mean round in which a node was "
            "informed; t_last: round the last node was informed; residue: fraction never informed."
            "</p>"]
    for i, (key, protos) in enumerate(scen.items(), 1):
        tp = sorted({show(t.get("topology_params") or "") for ts in protos.values() for t in ts})
        tp = ", ".join(x for x in tp if x and x not in key[0])
        body.append("<h3>%s</h3>" % E("%s — n=%s, ranks=%s, fanout=%s" % key
                                      + (", topology parameters: %s" % tp if tp else "")))
        body.append(scenario_table(key, all_rows[key]))
        for name, what in ((plot_curves(labels[key], protos, colors, outdir, i),
                            "informed fraction vs round"),
                           (plot_round_time(labels[key], protos, colors, outdir, i),
                            "wall time per round")):
            if name:
                body.append('<img src="%s" alt="%s">' % (E(name), E("%s, %s" % (what, labels[key]))))
    body.append("<h2>Speed and cost across topologies</h2>")
    for name, alt in ((plot_boxes(scen, labels, protos_all, colors, outdir), "rounds box plot"),
                      (plot_tradeoff(scen, labels, protos_all, colors, outdir),
                       "messages per node vs rounds")):
        if name:
            body.append('<p><img src="%s" alt="%s"></p>' % (E(name), E(alt)))
    body += ["<h2>Runs</h2>", runs_table(runs), footer(runs, files), "</body></html>"]

    path = os.path.join(outdir, "report.html")
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write("\n".join(body) + "\n")
    os.replace(tmp, path)
    return path


def main(argv=None):
    ap = Parser(description=__doc__.split("\n")[0])
    ap.add_argument("inputs", nargs="+", metavar="RESULTS_DIR_OR_FILES")
    ap.add_argument("--out", help="output folder (default: first folder, else first file's folder)")
    ap.add_argument("--title", help="report title")
    try:
        args = ap.parse_args(argv)
        print(build(args))
    except InputError as exc:
        sys.stderr.write("report.py: %s\n" % exc)
        return 2
    except OSError as exc:
        sys.stderr.write("report.py: cannot write report: %s\n" % exc)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
