#!/bin/sh
# pure-sources.sh SRCDIR: prints the MPI-free C sources the fuzz targets link, one path a
# line: every .c file of the four pure libraries in Makefile.am (common_libgbcommon_a,
# topologies_libgbtopo_a, protocols_libgbproto_a, bench_libgbcore_a), plus every .c file
# of common/, topologies/ and protocols/ (pure by the layering rule of CONTRIBUTING.md)
# and of bench/ that includes no MPI, PAPI or hwloc header and defines no main(), so that
# a module added before its Makefile.am line still links. Used by run-fuzz.sh and
# tests/test_fuzz_regress.sh, which put the objects into an archive: files that nothing
# references cost nothing.
set -u
SRC=${1:?usage: pure-sources.sh SRCDIR}
{
    if [ -f "$SRC/Makefile.am" ]; then
        awk '{
            if (sub(/\\$/, "")) { buf = buf $0 " "; next }
            line = buf $0; buf = ""
            if (line ~ /^(common_libgbcommon_a|topologies_libgbtopo_a|protocols_libgbproto_a|bench_libgbcore_a)_SOURCES[ \t]*\+?=/) {
                sub(/^[^=]*=/, "", line)
                n = split(line, w, /[ \t]+/)
                for (i = 1; i <= n; i++) if (w[i] ~ /\.c$/) print w[i]
            }
        }' "$SRC/Makefile.am"
    fi
    for f in "$SRC"/common/*.c "$SRC"/topologies/*.c "$SRC"/protocols/*.c; do
        [ -f "$f" ] && echo "${f#"$SRC"/}"
    done
    for f in "$SRC"/bench/*.c; do
        [ -f "$f" ] || continue
        grep -Eq '#include *[<"](mpi|gb_mpi|papi|sde_lib|hwloc)\.h[>"]' "$f" && continue
        grep -Eq '^(int|static int) +main *\(' "$f" && continue
        echo "${f#"$SRC"/}"
    done
} | sort -u | while read -r rel; do
    [ -f "$SRC/$rel" ] && echo "$SRC/$rel"
done
