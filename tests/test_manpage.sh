#!/bin/sh
# test_manpage.sh: docs/gossip-bench.1 matches the program it documents.
#   1. every long (and short) option printed by `gossip-bench --help` has an entry in the
#      man page's OPTIONS section, and every entry there is an option of --help;
#   2. every default that --help prints ("default: X") is in that option's entry;
#   3. the protocols (session protocols included) and topologies of `gossip-bench --list`
#      are the entries of the PROTOCOLS and TOPOLOGIES sections, both ways, and .TH names the version;
#   4. the page renders without a single warning (groff -ww, man --warnings, mandoc -T lint
#      where installed; groff-base is installed by root when missing, else this part is
#      skipped with a message).
# Run through tests/mpi-wrapper.sh, which exports GB_BUILDDIR, GB_SRCDIR and PYTHON.
# Exit status: 0 pass, 1 a mismatch (listed), 77 skipped, 99 a program is missing.
set -u
: "${PYTHON:=python3}"
bench="$GB_BUILDDIR/bench/gossip-bench"
page="$GB_SRCDIR/docs/gossip-bench.1"
if [ ! -x "$bench" ]; then
    echo "ERROR: $bench is missing (build it first)"
    exit 99
fi
if [ ! -r "$page" ]; then
    echo "ERROR: $page is missing"
    exit 99
fi
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
"$bench" --help >"$tmp/help.txt" 2>&1 || { echo "FAIL: gossip-bench --help exited $?"; exit 1; }
"$bench" --list >"$tmp/list.txt" 2>&1 || { echo "FAIL: gossip-bench --list exited $?"; exit 1; }
"$bench" --version >"$tmp/version.txt" 2>&1 || { echo "FAIL: gossip-bench --version exited $?"; exit 1; }
fail=0

cat >"$tmp/check.py" <<'EOF'
import re
import sys

help_txt, list_txt, version_txt, page_path = sys.argv[1:5]
help_lines = open(help_txt, encoding="utf-8").read().splitlines()
src = open(page_path, encoding="utf-8").read()
fail = False


def report(ok, what, detail=""):
    global fail
    print("%s %s%s" % ("PASS" if ok else "FAIL", what, (": " + detail) if detail else ""))
    fail = fail or not ok


# --- --help: option lines are "  [-x, ]--name ...", continuation lines are indented deeper.
OPT = re.compile(r"^  (?:-([A-Za-z]), )?--([a-z][a-z0-9-]*)")
help_opts, help_text, cur = [], {}, None
for line in help_lines:
    m = OPT.match(line)
    if m:
        cur = "--" + m.group(2)
        help_opts.append(cur)
        if m.group(1):
            help_opts.append("-" + m.group(1))
        help_text[cur] = line
    elif cur and re.match(r"^ {10,}\S", line):
        help_text[cur] += " " + line.strip()
    else:
        cur = None


# --- the man page: sections, and the .TP entries of a section (tag line, body lines).
def section(name):
    m = re.search(r"^\.SH %s\s*$(.*?)(?=^\.SH |\Z)" % re.escape(name), src, re.M | re.S)
    return m.group(1) if m else ""


def entries(text):
    out = []
    for chunk in re.split(r"^\.TP\s*$", text, flags=re.M)[1:]:
        lines = [ln for ln in chunk.strip("\n").split("\n") if not ln.startswith('.\\"')]
        body = []
        for ln in lines[1:]:
            if re.match(r"^\.(SS|SH|PP|TP)\b", ln):
                break
            body.append(ln)
        out.append((lines[0] if lines else "", body))
    return out


def unroff(text):
    """Roff source to plain words (good enough to look for a value)."""
    lines = []
    for ln in text.split("\n"):
        if re.match(r"^\.(ad|na|br|sp|nh|hy|RS|RE|EX|EE)\b", ln):
            continue
        ln = re.sub(r"^\.[A-Z]{1,2}\s?", "", ln)
        lines.append(ln)
    s = " ".join(lines)
    s = s.replace("\\-", "-").replace("\\:", "").replace("\\e", "\\").replace('"', "")
    s = re.sub(r"\\f[BIRP]", "", s)
    s = re.sub(r"\\\(dq", '"', s)
    return s


def squeeze(s):
    return re.sub(r"\s+", "", s).lower()


opt_entries = entries(section("OPTIONS"))
page_opts, page_body = [], {}
for tag, body in opt_entries:
    tag = tag.replace("\\-", "-")
    names = re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]*|-[A-Za-z])(?![\w-])", tag)
    if not names:
        report(False, "OPTIONS entry without an option name", tag)
    for n in names:
        page_opts.append(n)
        page_body[n] = unroff("\n".join(body))

missing = [o for o in help_opts if o not in page_opts]
extra = [o for o in page_opts if o not in help_opts]
dups = sorted({o for o in page_opts if page_opts.count(o) > 1})
report(not missing, "every option of --help is in the man page (%d options)" % len(help_opts),
       "missing from docs/gossip-bench.1: " + " ".join(missing) if missing else "")
report(not extra, "every option of the man page is in --help",
       "not in gossip-bench --help: " + " ".join(extra) if extra else "")
report(not dups, "no option documented twice", " ".join(dups) if dups else "")

# --- defaults: "(default: X)" in --help, X up to ")" or ";" or ": ".
bad = []
for opt, text in help_text.items():
    m = re.search(r"\(default: (.*?)(?:\)|;|: )", text)
    if not m or opt not in page_body:
        continue
    want = m.group(1).strip()
    if "default:" + squeeze(want) not in squeeze(page_body[opt]):
        bad.append("%s (help: 'default: %s')" % (opt, want))
report(not bad, "every default of --help is in its man page entry",
       "; ".join(bad) if bad else "")

# --- protocols and topologies of --list.
def list_names(heading):
    names, on = [], False
    for line in open(list_txt, encoding="utf-8").read().splitlines():
        if re.match(r"^\S", line):
            # Session protocols (their own heading in --list) are protocols too.
            title = line.strip().rstrip(":")
            on = title == heading or (heading == "Protocols" and title.startswith("Session protocols"))
            continue
        m = re.match(r"^  (\S+)\s", line)
        if on and m:
            names.append(m.group(1))
    return names


for heading, sec in (("Protocols", "PROTOCOLS"), ("Topologies", "TOPOLOGIES")):
    want = list_names(heading)
    got = []
    for tag, _ in entries(section(sec)):
        m = re.match(r"^\.BR?\s+(\S+)", tag.replace("\\-", "-"))
        if m:
            got.append(m.group(1).strip('"'))
    miss = [n for n in want if n not in got]
    more = [n for n in got if n not in want]
    report(bool(want) and not miss and not more,
           "%s section lists the %d %s of --list" % (sec, len(want), heading.lower()),
           "; ".join(x for x in ("missing: " + " ".join(miss) if miss else "",
                                 "not in --list: " + " ".join(more) if more else "",
                                 "--list printed none" if not want else "") if x))

for sec in ("NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "PROTOCOLS", "TOPOLOGIES", "OUTPUT",
            "EXIT STATUS", "EXAMPLES", "SEE ALSO"):
    report(bool(section(sec).strip()), "section %s present" % sec)

ver = re.search(r"(\d+\.\d+(?:\.\d+)?)", open(version_txt, encoding="utf-8").read())
th = re.search(r"^\.TH .*$", src, re.M)
report(bool(ver and th and ver.group(1) in th.group(0)), ".TH names version %s"
       % (ver.group(1) if ver else "?"), th.group(0) if th else "no .TH line")
sys.exit(1 if fail else 0)
EOF
$PYTHON "$tmp/check.py" "$tmp/help.txt" "$tmp/list.txt" "$tmp/version.txt" "$page" || fail=1

# --- rendering without warnings
if ! command -v groff >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing groff-base (root, groff missing)"
    DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y -q groff-base >/dev/null 2>&1 ||
        { timeout 300 apt-get update -q >/dev/null 2>&1 &&
          DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y -q groff-base >/dev/null 2>&1; }
fi
rendered=0
if command -v groff >/dev/null 2>&1; then
    LC_ALL=C.UTF-8 groff -ww -z -man -Tutf8 "$page" >"$tmp/groff.err" 2>&1
    if [ $? = 0 ] && [ ! -s "$tmp/groff.err" ]; then
        echo "PASS groff -ww -man renders without warnings"
    else
        echo "FAIL groff -ww -man warnings:"
        sed 's/^/    | /' "$tmp/groff.err"
        fail=1
    fi
    LC_ALL=C.UTF-8 groff -man -Tutf8 -P-cbou "$page" >"$tmp/page.txt" 2>/dev/null
    for s in NAME SYNOPSIS DESCRIPTION OPTIONS "EXIT STATUS" EXAMPLES "SEE ALSO"; do
        grep -q "^$s" "$tmp/page.txt" || { echo "FAIL rendered page lacks heading $s"; fail=1; }
    done
    rendered=1
fi
if command -v man >/dev/null 2>&1 && command -v groff >/dev/null 2>&1; then
    for width in 80 60; do
        MANWIDTH=$width LC_ALL=C.UTF-8 man --warnings -l "$page" >"$tmp/man.txt" 2>"$tmp/man.err"
        st=$?
        if [ $st = 0 ] && [ ! -s "$tmp/man.err" ] && grep -q "gossip-bench" "$tmp/man.txt"; then
            echo "PASS man --warnings -l renders without warnings at $width columns"
        else
            echo "FAIL man --warnings -l at $width columns (status $st):"
            sed 's/^/    | /' "$tmp/man.err"
            fail=1
        fi
    done
fi
if command -v mandoc >/dev/null 2>&1; then
    if mandoc -T lint -W warning "$page" >"$tmp/mandoc.err" 2>&1; then
        echo "PASS mandoc -T lint"
    else
        echo "FAIL mandoc -T lint:"
        sed 's/^/    | /' "$tmp/mandoc.err"
        fail=1
    fi
    rendered=1
fi
if [ "$rendered" = 0 ]; then
    echo "SKIP rendering: neither groff nor mandoc is installed (install groff-base as root)"
fi
exit $fail
