#!/bin/sh
# test_report.sh: scripts/gossip-report on real gossip-bench results.
#   1. results: complete and torus, 64 and 256 nodes, push, pull, push-pull and rumor,
#      3 trials, 2 ranks (folder A, seed 1); the complete graph again with seed 2 (folder B);
#   2. gossip-report A: report.html and report.md exist, both reference every plot and
#      only plots that exist and are valid PNG files; the tables have the expected rows
#      (one per protocol in each configuration, one per protocol and n in the scaling
#      tables, asymptotic reference values only where they apply, one per run in the
#      provenance); absent measurements are said to be absent, not left out silently;
#   3. gossip-report --compare A B: one row per matching configuration with the means and
#      ratios B/A recomputed here from the trial records, the torus rows listed as only in
#      A, a ratio plot;
#   4. bad input: one line on stderr, exit status 2; scripts/report.py still works;
#   5. report.html rendered by headless Chromium (installed by root when missing; skipped
#      with a message otherwise): the screenshot is a PNG that is not blank and shows the
#      plots' colours.
# Run through tests/mpi-wrapper.sh (GB_BUILDDIR, GB_SRCDIR, PYTHON, MPIRUN_CMD).
# GB_KEEP=1 keeps the temporary folder. Exit status: 0 pass, 1 fail, 99 missing program.
set -u
: "${PYTHON:=python3}"
: "${MPIRUN_CMD:=mpirun --oversubscribe --bind-to none -q -n}"
bench="$GB_BUILDDIR/bench/gossip-bench"
report="$GB_SRCDIR/scripts/gossip-report"
for f in "$bench" "$report" "$GB_SRCDIR/scripts/report.py"; do
    if [ ! -r "$f" ]; then
        echo "ERROR: $f is missing"
        exit 99
    fi
done
tmp=$(mktemp -d) || exit 99
if [ "${GB_KEEP:-0}" = 1 ]; then
    echo "keeping $tmp"
else
    trap 'rm -rf "$tmp"' EXIT
fi
fail=0
pass() { echo "PASS $*"; }
failed() { echo "FAIL $*"; fail=1; }

# A Python with matplotlib for the checks that decode images (gossip-report itself falls
# back to /usr/bin/python3 the same way).
mplpy=$PYTHON
if ! $PYTHON -c "import matplotlib" >/dev/null 2>&1 && [ -x /usr/bin/python3 ]; then
    mplpy=/usr/bin/python3
fi

# ---------------------------------------------------------------- 1. results
mkdir "$tmp/A" "$tmp/B"
run() { # folder seed topology nodes
    $MPIRUN_CMD 2 "$bench" --protocol push,pull,push-pull,rumor --topology "$3" --nodes "$4" \
        --trials 3 --warmup 0 --seed "$2" --quiet \
        --output "$1/$3-$4.jsonl" >/dev/null 2>"$tmp/bench.err" ||
        { failed "gossip-bench $3 n=$4 seed $2 exited $?"; cat "$tmp/bench.err"; }
}
for topo in complete torus; do
    for n in 64 256; do
        run "$tmp/A" 1 $topo $n
    done
done
for n in 64 256; do
    run "$tmp/B" 2 complete $n
done

# ---------------------------------------------------------------- 2. report
if $PYTHON "$report" "$tmp/A" --out "$tmp/rep" --title "test report" >"$tmp/out.txt" 2>"$tmp/err.txt"; then
    pass "gossip-report A: $(tr '\n' ' ' <"$tmp/out.txt")"
else
    failed "gossip-report A exited $?: $(cat "$tmp/err.txt")"
fi
[ -s "$tmp/err.txt" ] && failed "gossip-report wrote to stderr: $(cat "$tmp/err.txt")"

# The checks shared by both reports: files, image references, PNG validity.
cat >"$tmp/common.py" <<'EOF'
import glob
import html.parser
import os
import re
import struct
import zlib


def png_ok(path):
    """A complete PNG: signature, IHDR first, every chunk's CRC right, IDAT data that
    inflates to the size the header implies, IEND last."""
    with open(path, "rb") as fh:
        data = fh.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        return "no PNG signature"
    pos, chunks, idat = 8, [], b""
    while pos + 12 <= len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        crc = struct.unpack(">I", data[pos + 8 + n:pos + 12 + n])[0]
        if zlib.crc32(kind + body) & 0xFFFFFFFF != crc:
            return "bad CRC in %s chunk" % kind.decode("latin-1")
        chunks.append(kind)
        if kind == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
        if kind == b"IDAT":
            idat += body
        pos += 12 + n
    if not chunks or chunks[0] != b"IHDR" or chunks[-1] != b"IEND":
        return "IHDR/IEND missing"
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[ctype]
    raw = zlib.decompress(idat)
    want = h * (1 + (w * channels * depth + 7) // 8)
    if len(raw) != want:
        return "pixel data %d bytes, want %d" % (len(raw), want)
    if w < 100 or h < 100:
        return "only %dx%d pixels" % (w, h)
    return None


class Imgs(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.srcs, self.tables = [], 0

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.srcs.append(dict(attrs).get("src", ""))
        if tag == "table":
            self.tables += 1


def check_files(out, fail):
    """Both reports exist and reference exactly the PNG files of the folder."""
    hp, mp = os.path.join(out, "report.html"), os.path.join(out, "report.md")
    for p in (hp, mp):
        if not os.path.isfile(p) or os.path.getsize(p) == 0:
            fail("%s missing or empty" % p)
            return None, None
    h = open(hp, encoding="utf-8").read()
    md = open(mp, encoding="utf-8").read()
    parser = Imgs()
    parser.feed(h)
    html_imgs = parser.srcs
    md_imgs = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", md)
    pngs = sorted(os.path.basename(p) for p in glob.glob(os.path.join(out, "*.png")))
    if not pngs:
        fail("no PNG plots in %s" % out)
    for name in pngs:
        if name not in html_imgs:
            fail("report.html does not show %s" % name)
        if name not in md_imgs:
            fail("report.md does not link %s" % name)
    for name in sorted(set(html_imgs + md_imgs)):
        if re.match(r"^[a-z]+:", name) or name.startswith("/"):
            fail("%s is not a relative link (report must be self-contained)" % name)
            continue
        p = os.path.join(out, name)
        if not os.path.isfile(p):
            fail("referenced plot %s does not exist" % name)
            continue
        why = png_ok(p)
        if why:
            fail("%s is not a valid PNG: %s" % (name, why))
    if sorted(set(html_imgs)) != sorted(set(md_imgs)):
        fail("report.html and report.md show different plots")
    if re.search(r"<(script|link)\b|https?://", h):
        fail("report.html loads external resources")
    ntab = len(re.findall(r"^\|:?---", md, re.M))
    if parser.tables != ntab:
        fail("report.html has %d tables, report.md %d" % (parser.tables, ntab))
    return h, md, pngs


def md_tables(md):
    """[(heading above it, header cells, rows of cells)] of a Markdown document."""
    out, heading, lines = [], "", md.split("\n")
    i = 0
    while i < len(lines):
        ln = lines[i]
        if ln.startswith("#"):
            heading = ln.lstrip("#").strip()
        if ln.startswith("| ") and i + 1 < len(lines) and lines[i + 1].startswith("|:-") or \
                ln.startswith("| ") and i + 1 < len(lines) and lines[i + 1].startswith("|--"):
            head = cells(ln)
            rows = []
            i += 2
            while i < len(lines) and lines[i].startswith("|"):
                rows.append(cells(lines[i]))
                i += 1
            out.append((heading, head, rows))
            continue
        i += 1
    return out


def cells(line):
    return [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]


def section(md, title):
    m = re.search(r"^## %s\n(.*?)(?=^## |\Z)" % re.escape(title), md, re.M | re.S)
    return m.group(1) if m else None


def trials_of(folder):
    import json
    out = []
    for f in sorted(glob.glob(os.path.join(folder, "*.jsonl"))):
        for line in open(f, encoding="utf-8"):
            r = json.loads(line)
            if r.get("type") == "trial":
                out.append(r)
    return out


def close(text, value, digits=3):
    """A number printed with `digits` significant digits matches value."""
    try:
        got = float(text.replace("**", ""))
    except ValueError:
        return False
    if value == 0:
        return got == 0
    return abs(got - value) <= abs(value) * 10 ** (1 - digits) * 0.51 + 1e-12
EOF

cat >"$tmp/check_report.py" <<'EOF'
import math
import os
import re
import sys

sys.path.insert(0, os.path.dirname(sys.argv[0]))
from common import check_files, md_tables, section, trials_of, close  # noqa: E402

out, results = sys.argv[1], sys.argv[2]
errors = []
fail = errors.append
h, md, pngs = check_files(out, fail)
if md is None:
    print("FAIL " + "; ".join(errors))
    sys.exit(1)
tables = md_tables(md)
protos = ["push", "pull", "push-pull", "rumor"]
trials = trials_of(results)

# One table per configuration with one row per protocol, 3 trials each, mean rounds right.
for topo in ("complete", "torus"):
    for n in (64, 256):
        head = "%s \u2014 n=%d, ranks=2, fanout=1" % (topo, n)
        t = [x for x in tables if x[0].startswith(head)]
        if len(t) != 1:
            fail("%d tables under '%s'" % (len(t), head))
            continue
        _, cols, rows = t[0]
        if [r[0] for r in rows] != protos:
            fail("%s: rows %s, want %s" % (head, [r[0] for r in rows], protos))
            continue
        for r in rows:
            if r[1] != "3":
                fail("%s %s: %s trials, want 3" % (head, r[0], r[1]))
            rs = [t["rounds"] for t in trials if t["topology"] == topo and t["nodes"] == n
                  and t["protocol"] == r[0]]
            mean = sum(rs) / len(rs)
            if not close(r[3].split(" ")[0], mean):
                fail("%s %s: rounds %s, records say %.4g" % (head, r[0], r[3], mean))

# Scaling: one table per topology with protocol x n rows; reference values only for push,
# pull and push-pull on the complete graph, and right.
ref = {"push": lambda n: math.log2(n) + math.log(n) + 1,
       "pull": lambda n: math.log2(n) + math.log2(math.log(n)),
       "push-pull": lambda n: math.log(n) / math.log(3) + math.log2(math.log2(n))}
for topo in ("complete", "torus"):
    t = [x for x in tables if x[0] == "%s, fanout 1" % topo]
    if len(t) != 1:
        fail("%d scaling tables for %s" % (len(t), topo))
        continue
    _, cols, rows = t[0]
    got = [(r[0], r[1]) for r in rows]
    want = [(p, str(n)) for p in protos for n in (64, 256)]
    if got != want:
        fail("scaling %s: rows %s, want %s" % (topo, got, want))
        continue
    ci = cols.index("reference curve")
    for r in rows:
        if topo == "complete" and r[0] in ref:
            if not close(r[ci], ref[r[0]](int(r[1]))):
                fail("scaling %s %s n=%s: reference %s, want %.3g" % (topo, r[0], r[1], r[ci],
                                                                    ref[r[0]](int(r[1]))))
        elif r[ci] != "\u2013":
            fail("scaling %s %s: a reference value where none applies (%s)" % (topo, r[0], r[ci]))
for name in ("curves_complete.png", "curves_torus.png", "round_time_complete.png",
             "round_time_torus.png", "scaling_complete_f1.png", "scaling_torus_f1.png",
             "rounds_box.png", "tradeoff.png"):
    if name not in pngs:
        fail("plot %s missing" % name)
if "asymptotic reference" not in md:
    fail("the reference curves are not labelled asymptotic")

# Optional measurements: a table or an explicit "not measured" (these runs have MPI_Bcast
# baselines and SDE counters but no PAPI events and no faults).
for title in ("Gossip against MPI_Bcast", "Hardware counters per message",
              "Behaviour under faults"):
    s = section(md, title)
    if s is None:
        fail("section '%s' missing" % title)
    elif "|---" not in s and "not measured in these runs" not in s.lower():
        fail("section '%s' has neither a table nor 'not measured in these runs'" % title)
s = section(md, "Behaviour under faults") or ""
if "not measured in these runs" not in s.lower():
    fail("faults: these runs have none, the report should say 'not measured in these runs'")
s = section(md, "Gossip against MPI_Bcast") or ""
if "|---" not in s:
    fail("MPI_Bcast: the run records carry baselines.bcast_s but no table was made")

# Provenance: one placement row per run file, command lines with the seed.
t = [x for x in tables if x[0] == "Placement"]
if not t or len(t[0][2]) != 4:
    fail("placement table: %s rows, want 4" % (len(t[0][2]) if t else "no"))
elif any(r[5] != "2" for r in t[0][2]):
    fail("placement table: ranks column is not 2 everywhere")
if md.count("--seed 1") < 4:
    fail("command lines with --seed 1 missing from provenance")
if "Versions (every run): gossipbench" not in md:
    fail("versions line missing")
print(("FAIL " + "\n     ".join(errors)) if errors else
      "PASS report: %d plots, %d tables, all referenced from report.html and report.md"
      % (len(pngs), len(tables)))
sys.exit(1 if errors else 0)
EOF
$PYTHON "$tmp/check_report.py" "$tmp/rep" "$tmp/A" || fail=1

# ---------------------------------------------------------------- 3. comparison
if $PYTHON "$report" --compare "$tmp/A" "$tmp/B" --out "$tmp/cmp" >"$tmp/out.txt" 2>"$tmp/err.txt"; then
    pass "gossip-report --compare A B: $(tr '\n' ' ' <"$tmp/out.txt")"
else
    failed "gossip-report --compare exited $?: $(cat "$tmp/err.txt")"
fi
cat >"$tmp/check_compare.py" <<'EOF'
import os
import sys

sys.path.insert(0, os.path.dirname(sys.argv[0]))
from common import check_files, md_tables, trials_of, close  # noqa: E402

out, a_dir, b_dir = sys.argv[1:4]
errors = []
fail = errors.append
h, md, pngs = check_files(out, fail)
if md is None:
    print("FAIL " + "; ".join(errors))
    sys.exit(1)
if "ratios.png" not in pngs:
    fail("ratios.png missing")
tables = md_tables(md)
t = [x for x in tables if x[0] == "Comparison per configuration"]
if len(t) != 1:
    fail("%d comparison tables" % len(t))
else:
    _, cols, rows = t[0]
    for c in ("rounds B/A", "traffic m B/A", "msgs / node B/A", "bytes / node B/A",
              "\u00b5s / round B/A"):
        if c not in cols:
            fail("comparison column '%s' missing" % c)
    body = [r for r in rows if not r[0].startswith("**")]
    want = [("complete", str(n), "1", p) for n in (64, 256)
            for p in ("push", "pull", "push-pull", "rumor")]
    if [tuple(r[:4]) for r in body] != want:
        fail("comparison rows %s, want %s" % ([tuple(r[:4]) for r in body], want))
    a, b = trials_of(a_dir), trials_of(b_dir)
    differ = 0
    for r in body:
        def mean(ts, f):
            v = [t[f] for t in ts if t["topology"] == r[0] and str(t["nodes"]) == r[1]
                 and t["protocol"] == r[3]]
            return sum(v) / len(v)
        for metric, field in (("rounds", "rounds"), ("msgs / node", "msgs_per_node"),
                              ("bytes / node", "bytes_per_node")):
            ma, mb = mean(a, field), mean(b, field)
            va = r[cols.index(metric + " A")]
            vb = r[cols.index(metric + " B")]
            q = r[cols.index(metric + " B/A")].replace("**", "")
            if not close(va, ma) or not close(vb, mb):
                fail("%s %s: %s A/B %s/%s, records say %.4g/%.4g" % (r[1], r[3], metric, va, vb,
                                                                   ma, mb))
            if abs(float(q) - mb / ma) > 0.0006:
                fail("%s %s: %s ratio %s, records say %.4f" % (r[1], r[3], metric, q, mb / ma))
            differ += q != "1.000"
    if differ == 0:
        fail("seeds 1 and 2 gave identical means everywhere (ratios all 1.000)")
    if not rows or not rows[-1][0].startswith("**geometric mean"):
        fail("no geometric mean row")
only = [x for x in tables if x[0] == "Configurations without a match"]
rows_a = [r for x in only for r in x[2]]
if len(rows_a) != 8 or any(r[0] != "torus" for r in rows_a):
    fail("configurations only in A: %d rows %s, want the 8 torus ones"
         % (len(rows_a), sorted({r[0] for r in rows_a})))
if "Only in A:" not in md:
    fail("'Only in A:' missing")
print(("FAIL " + "\n     ".join(errors)) if errors else
      "PASS comparison: 8 matching configurations, means and ratios B/A agree with the records, "
      "8 only in A")
sys.exit(1 if errors else 0)
EOF
$PYTHON "$tmp/check_compare.py" "$tmp/cmp" "$tmp/A" "$tmp/B" || fail=1

# ---------------------------------------------------------------- 4. bad input
mkdir "$tmp/empty"
printf 'not json\n' >"$tmp/bad.jsonl"
printf '{"type":"trial"}\n' >"$tmp/noschema.jsonl"
expect_bad() { # pattern args...
    pattern=$1
    shift
    $PYTHON "$report" "$@" >"$tmp/o" 2>"$tmp/e"
    st=$?
    lines=$(wc -l <"$tmp/e")
    if [ "$st" = 2 ] && [ "$lines" = 1 ] && grep -q -- "$pattern" "$tmp/e" && [ ! -s "$tmp/o" ]; then
        pass "bad input ($*): $(cat "$tmp/e")"
    else
        failed "bad input ($*): exit $st, $lines stderr lines, want 2 and 1 with '$pattern':"
        sed 's/^/    | /' "$tmp/e"
    fi
}
expect_bad "no such file or folder" "$tmp/nothing"
expect_bad "no \*.jsonl files" "$tmp/empty"
expect_bad "not JSON" "$tmp/bad.jsonl"
expect_bad "schema" "$tmp/noschema.jsonl"
expect_bad "exactly two" --compare "$tmp/A"
expect_bad "no configuration in common" --compare "$tmp/A/torus-64.jsonl" "$tmp/B"
expect_bad "unrecognized arguments" "$tmp/A" --frobnicate
if [ -e "$tmp/empty/report.html" ]; then failed "a report was written for bad input"; fi
# report.py (what older scripts call) still makes the report and prints report.html's path.
if out=$($PYTHON "$GB_SRCDIR/scripts/report.py" "$tmp/B" --out "$tmp/old" 2>&1) &&
        [ "$out" = "$tmp/old/report.html" ] && [ -s "$tmp/old/report.md" ]; then
    pass "scripts/report.py DIR still works ($out)"
else
    failed "scripts/report.py: $out"
fi

# ---------------------------------------------------------------- 5. headless Chromium
chromium=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$chromium" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing chromium (root, not installed) ..."
    DEBIAN_FRONTEND=noninteractive timeout 900 apt-get install -y -q --no-install-recommends \
        chromium >"$tmp/apt.log" 2>&1 ||
        { timeout 300 apt-get update -q >>"$tmp/apt.log" 2>&1 &&
          DEBIAN_FRONTEND=noninteractive timeout 900 apt-get install -y -q \
              --no-install-recommends chromium >>"$tmp/apt.log" 2>&1; }
    chromium=$(command -v chromium || true)
    [ -z "$chromium" ] && echo "chromium could not be installed: $(tail -n 1 "$tmp/apt.log")"
fi
if [ -z "$chromium" ]; then
    echo "SKIP rendering report.html: chromium is not installed and cannot be installed here" \
         "(install the Debian package chromium as root to run this part)"
else
    profile=$(mktemp -d)
    # --headless screenshots go to the working directory's out.png unless a path is given.
    (cd "$tmp" && timeout 120 "$chromium" --headless --no-sandbox --disable-gpu \
        --disable-background-networking --disable-component-update --disable-sync \
        --no-first-run --user-data-dir="$profile" --screenshot="$tmp/out.png" \
        --window-size=1400,4000 "file://$tmp/rep/report.html" >"$tmp/chromium.log" 2>&1)
    st=$?
    rm -rf "$profile"
    if [ ! -s "$tmp/out.png" ]; then
        failed "chromium made no screenshot (exit $st):"
        tail -n 5 "$tmp/chromium.log" | sed 's/^/    | /'
    elif $mplpy - "$tmp/out.png" <<'EOF'
import sys
import numpy as np
import matplotlib.image as mpimg

img = mpimg.imread(sys.argv[1])  # floats in [0, 1]
h, w = img.shape[:2]
rgb = (img[..., :3] * 255).round().astype(np.int32)
flat = rgb.reshape(-1, 3)
colours = len(np.unique(flat[:, 0] * 65536 + flat[:, 1] * 256 + flat[:, 2]))
ink = float((flat.min(axis=1) < 200).mean())
# Plot colours (matplotlib's tab10 blue, orange, green, red) only come from the PNG plots.
tab = {"blue": (31, 119, 180), "orange": (255, 127, 14), "green": (44, 160, 44),
       "red": (214, 39, 40)}
hits = {k: int((np.abs(flat - v).sum(axis=1) < 30).sum()) for k, v in tab.items()}
halves = [float((rgb[a:b].reshape(-1, 3).min(axis=1) < 200).mean())
          for a, b in ((0, h // 2), (h // 2, h))]
problems = []
if (w, h) != (1400, 4000):
    problems.append("screenshot is %dx%d, want 1400x4000" % (w, h))
if colours < 200:
    problems.append("only %d distinct colours" % colours)
if ink < 0.02:
    problems.append("only %.1f%% of the pixels are not near-white" % (100 * ink))
if min(halves) < 0.01:
    problems.append("a half of the page is empty (%.3f, %.3f)" % tuple(halves))
if min(hits.values()) < 200:
    problems.append("plot colours barely visible (plots not rendered?): %s" % hits)
print(("screenshot %dx%d: %d colours, %.0f%% ink, plot colour pixels %s"
       % (w, h, colours, 100 * ink, hits)) + ("; " + "; ".join(problems) if problems else ""))
sys.exit(1 if problems else 0)
EOF
    then
        pass "chromium rendered report.html (exit $st)"
    else
        failed "the screenshot of report.html looks blank or broken (chromium exit $st)"
    fi
    [ "${GB_KEEP:-0}" = 1 ] && echo "screenshot: $tmp/out.png"
fi
exit $fail
