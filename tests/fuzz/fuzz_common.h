/* fuzz_common.h: helpers shared by the fuzz targets in tests/fuzz/ (header only, every
 * function static, so each target stays one translation unit plus the project's sources).
 *
 * A violated invariant prints one line naming it and calls abort(), which libFuzzer (and
 * tests/fuzz/standalone_main.c) reports as a crash together with the input. */
#ifndef GB_FUZZ_COMMON_H
#define GB_FUZZ_COMMON_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gb_common.h"
#include "gb_params.h"
#include "gb_topology.h"
#include "gb_topology_io.h"

__attribute__((noreturn, format(printf, 1, 2))) static inline void fz_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("FUZZ INVARIANT VIOLATED: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    abort();
}

#define FZ_CHECK(cond, ...)                                                                   \
    do {                                                                                      \
        if (!(cond))                                                                          \
            fz_fail(__VA_ARGS__);                                                             \
    } while (0)

/* A copy of data[0..size) with a terminating NUL (the caller frees it). */
static inline char *fz_strndup(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (s == NULL)
        abort();
    if (size > 0)
        memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

/* How strictly err is checked for the "one line" rule: 1 (default) no line breaks ('\n',
 * '\r', '\v', '\f'); GB_FUZZ_STRICT_ERR=1: no control character at all (what options.c's
 * one_line() guarantees); GB_FUZZ_LAX_ERR=1: not checked, to fuzz on past a known echo of
 * user text while its fix is pending. */
static inline int fz_err_level(void)
{
    static int v = -1;
    if (v < 0) {
        const char *lax = getenv("GB_FUZZ_LAX_ERR"), *strict = getenv("GB_FUZZ_STRICT_ERR");
        v = (lax != NULL && lax[0] == '1') ? 0 : (strict != NULL && strict[0] == '1') ? 2 : 1;
    }
    return v;
}

/* The error contract of CONTRIBUTING.md: a failing call returns a GB_E* code and writes
 * one non-empty line of fewer than GB_ERRLEN bytes into err. `what` names the call. */
static inline void fz_check_err(const char *what, int rc, const char *err)
{
    FZ_CHECK(rc < 0 && strcmp(gb_strerror(rc), "unknown error") != 0,
             "%s: return code %d is not a GB_E* code", what, rc);
    FZ_CHECK(memchr(err, '\0', GB_ERRLEN) != NULL, "%s: err is not NUL-terminated", what);
    FZ_CHECK(err[0] != '\0', "%s: failed with %d but left err empty", what, rc);
    int level = fz_err_level();
    for (const char *c = err; *c != '\0' && level > 0; c++) {
        unsigned char ch = (unsigned char)*c;
        int bad = level == 2 ? (ch < ' ' || ch == 127)
                             : (ch == '\n' || ch == '\r' || ch == '\v' || ch == '\f');
        FZ_CHECK(!bad, "%s: err holds control character 0x%02x at offset %d (not one line): %s",
                 what, ch, (int)(c - err), err);
    }
}

/* Every value is NUL-terminated in its slot, count matches the descriptor, and values
 * of typed parameters are within their declared ranges (the parse accepted them). */
static inline void fz_check_params(const char *what, const gb_params *p,
                                   const gb_param_desc *desc)
{
    FZ_CHECK(p->desc == desc, "%s: params->desc is not the descriptor parsed against", what);
    int count = 0;
    while (desc != NULL && desc[count].name != NULL)
        count++;
    FZ_CHECK(p->count == count, "%s: params count %d, descriptor has %d", what, p->count, count);
    for (int i = 0; i < p->count; i++) {
        FZ_CHECK(memchr(p->value[i], '\0', GB_PARAM_VALUE_LEN) != NULL,
                 "%s: value %d is not NUL-terminated", what, i);
        FZ_CHECK(strchr(p->value[i], ',') == NULL || !p->given[i],
                 "%s: given value of '%s' contains ','", what, desc[i].name);
        if (p->value[i][0] == '\0')
            continue;
        if (desc[i].type == GB_PARAM_INT) {
            int64_t v;
            FZ_CHECK(gb_parse_i64(p->value[i], &v) == 0, "%s: '%s'='%s' is not an integer",
                     what, desc[i].name, p->value[i]);
            FZ_CHECK((double)v >= desc[i].min && (double)v <= desc[i].max,
                     "%s: '%s'=%s outside [%g, %g]", what, desc[i].name, p->value[i],
                     desc[i].min, desc[i].max);
        } else if (desc[i].type == GB_PARAM_DOUBLE) {
            double v;
            FZ_CHECK(gb_parse_double(p->value[i], &v) == 0, "%s: '%s'='%s' is not a number",
                     what, desc[i].name, p->value[i]);
            FZ_CHECK(v >= desc[i].min && v <= desc[i].max, "%s: '%s'=%s outside [%g, %g]",
                     what, desc[i].name, p->value[i], desc[i].min, desc[i].max);
        }
    }
    /* Round trip: the formatted parameters parse back to the same values. */
    char buf[GB_PARAMS_MAX * (GB_PARAM_VALUE_LEN + 64)];
    int len = gb_params_format(p, buf, sizeof buf);
    FZ_CHECK(len >= 0 && (size_t)len < sizeof buf && strlen(buf) == (size_t)len,
             "%s: gb_params_format returned %d for a buffer of %zu", what, len, sizeof buf);
    gb_params q;
    char err[GB_ERRLEN] = "";
    int rc = gb_params_parse(&q, desc, buf, "fuzz", "roundtrip", err);
    FZ_CHECK(rc == 0, "%s: formatted params '%s' do not parse back: %s", what, buf, err);
    for (int i = 0; i < p->count; i++)
        FZ_CHECK(strcmp(p->value[i], q.value[i]) == 0,
                 "%s: '%s' was '%s', after format+parse '%s'", what, desc[i].name, p->value[i],
                 q.value[i]);
}

static inline int fz_cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Arcs (u << 32 | v) of t, sorted; *count gets their number. NULL when there are more
 * than `limit` arcs (then the caller skips the arc-level checks). */
static inline uint64_t *fz_arcs(const gb_topology *t, uint64_t limit, uint64_t *count)
{
    uint64_t sum = 0;
    for (uint64_t u = 0; u < t->n; u++)
        sum += t->degree(t, (gb_node_t)u);
    *count = sum;
    if (sum > limit)
        return NULL;
    uint64_t *arcs = malloc((size_t)(sum > 0 ? sum : 1) * sizeof *arcs);
    if (arcs == NULL)
        abort();
    uint64_t k = 0;
    for (uint64_t u = 0; u < t->n; u++) {
        uint32_t d = t->degree(t, (gb_node_t)u);
        for (uint32_t j = 0; j < d; j++)
            arcs[k++] = u << 32 | t->neighbor(t, (gb_node_t)u, j);
    }
    qsort(arcs, (size_t)sum, sizeof *arcs, fz_cmp_u64);
    return arcs;
}

/* Arcs (sum of degrees) up to which every arc of an instance is checked. */
#define FZ_ARC_BUDGET (1u << 19)

/* The instance contract of gb_topology.h. want_n: the n passed to create() (0: any). */
static inline void fz_check_topology(const char *what, const gb_topology *t, uint64_t want_n)
{
    FZ_CHECK(t != NULL, "%s: success without an instance", what);
    FZ_CHECK(t->ops != NULL, "%s: instance without ops", what);
    FZ_CHECK(t->degree != NULL && t->neighbor != NULL && t->destroy != NULL,
             "%s: instance without degree/neighbor/destroy", what);
    FZ_CHECK(want_n == 0 || t->n == want_n, "%s: asked for n=%llu, got %llu", what,
             (unsigned long long)want_n, (unsigned long long)t->n);
    FZ_CHECK(t->n <= GB_NODE_MAX, "%s: n=%llu exceeds 32-bit ids", what,
             (unsigned long long)t->n);
    FZ_CHECK(t->directed == 0 || t->directed == 1, "%s: directed=%d", what, t->directed);
    FZ_CHECK(t->connected >= -1 && t->connected <= 1, "%s: connected=%d", what, t->connected);
    const uint64_t n = t->n;
    if (t->off != NULL) {
        FZ_CHECK(t->adj != NULL || t->off[n] == 0, "%s: off without adj", what);
        FZ_CHECK(t->off[0] == 0, "%s: off[0]=%llu", what, (unsigned long long)t->off[0]);
    }
    /* Dense instances (up to n^2 arcs) get their neighbours checked on a sample of nodes
     * only, and no arc-level checks, so that one input stays well under a second. */
    uint64_t sum = 0;
    for (uint64_t u = 0; u < n; u++)
        sum += t->degree(t, (gb_node_t)u);
    const int full = sum <= FZ_ARC_BUDGET;
    uint32_t mind = UINT32_MAX, maxd = 0;
    for (uint64_t u = 0; u < n; u++) {
        uint32_t d = t->degree(t, (gb_node_t)u);
        if (d < mind)
            mind = d;
        if (d > maxd)
            maxd = d;
        FZ_CHECK(n == 0 || d <= n - 1, "%s: degree(%llu)=%u with n=%llu", what,
                 (unsigned long long)u, d, (unsigned long long)n);
        if (t->off != NULL) {
            FZ_CHECK(t->off[u + 1] >= t->off[u], "%s: off not monotone at %llu", what,
                     (unsigned long long)u);
            FZ_CHECK(t->off[u + 1] - t->off[u] == d, "%s: degree(%llu)=%u but CSR row has %llu",
                     what, (unsigned long long)u, d,
                     (unsigned long long)(t->off[u + 1] - t->off[u]));
        }
        if (t->complete)
            FZ_CHECK(d == n - 1, "%s: complete but degree(%llu)=%u", what,
                     (unsigned long long)u, d);
        /* Bounds and self-loops (every node, or a sample of dense instances). */
        if (!full && u >= 16 && u + 16 < n && u % 97 != 0)
            continue;
        for (uint32_t k = 0; k < d; k++) {
            gb_node_t v = t->neighbor(t, (gb_node_t)u, k);
            FZ_CHECK(v < n, "%s: neighbor(%llu, %u)=%u >= n=%llu", what, (unsigned long long)u,
                     k, v, (unsigned long long)n);
            FZ_CHECK(v != u, "%s: self-loop at %llu (slot %u)", what, (unsigned long long)u, k);
            if (t->off != NULL)
                FZ_CHECK(t->adj[t->off[u] + k] == v, "%s: neighbor(%llu,%u) differs from adj",
                         what, (unsigned long long)u, k);
            if (t->complete)
                FZ_CHECK(v == (k < u ? k : k + 1), "%s: complete but neighbor(%llu,%u)=%u",
                         what, (unsigned long long)u, k, v);
        }
    }
    if (n > 0) {
        FZ_CHECK(t->min_degree == mind && t->max_degree == maxd,
                 "%s: min/max degree fields %u/%u, actual %u/%u", what, t->min_degree,
                 t->max_degree, mind, maxd);
    }

    uint64_t narcs = sum;
    uint64_t *arcs = full ? fz_arcs(t, FZ_ARC_BUDGET, &narcs) : NULL;
    if (t->directed)
        FZ_CHECK(t->edges == narcs, "%s: directed, edges=%llu but %llu arcs", what,
                 (unsigned long long)t->edges, (unsigned long long)narcs);
    else
        FZ_CHECK(narcs % 2 == 0 && t->edges == narcs / 2,
                 "%s: undirected, edges=%llu but %llu arcs", what, (unsigned long long)t->edges,
                 (unsigned long long)narcs);
    if (arcs != NULL) {
        for (uint64_t i = 1; i < narcs; i++)
            FZ_CHECK(arcs[i] != arcs[i - 1], "%s: repeated neighbour %llu of node %llu", what,
                     (unsigned long long)(arcs[i] & 0xffffffffu),
                     (unsigned long long)(arcs[i] >> 32));
        if (!t->directed) {
            for (uint64_t i = 0; i < narcs; i++) {
                uint64_t rev = (arcs[i] & 0xffffffffu) << 32 | arcs[i] >> 32;
                FZ_CHECK(bsearch(&rev, arcs, (size_t)narcs, sizeof *arcs, fz_cmp_u64) != NULL,
                         "%s: undirected but arc %llu->%llu has no reverse", what,
                         (unsigned long long)(arcs[i] >> 32),
                         (unsigned long long)(arcs[i] & 0xffffffffu));
            }
        }
        free(arcs);
    }
    if (!t->directed)
        FZ_CHECK(gb_topology_symmetric(t) == 1, "%s: gb_topology_symmetric says no", what);
    if (n > 0 && t->connected != -1) {
        uint64_t r = gb_topology_reachable(t, 0);
        FZ_CHECK(r > 0, "%s: gb_topology_reachable failed", what);
        FZ_CHECK(t->connected == (r == n), "%s: connected=%d but %llu of %llu reachable from 0",
                 what, t->connected, (unsigned long long)r, (unsigned long long)n);
    }

    if (!full)
        return;
    gb_graph_stats st;
    int rc = gb_topology_stats(t, 64, &st);
    if (t->directed) {
        FZ_CHECK(rc == GB_EINVAL || rc == 0, "%s: stats of a directed graph returned %d", what,
                 rc);
    } else {
        FZ_CHECK(rc == 0, "%s: gb_topology_stats returned %d", what, rc);
        FZ_CHECK(st.nodes == n && st.edges == t->edges, "%s: stats nodes/edges %llu/%llu", what,
                 (unsigned long long)st.nodes, (unsigned long long)st.edges);
        FZ_CHECK(n == 0 || (st.degree_min == mind && st.degree_max == maxd),
                 "%s: stats degrees %u/%u, actual %u/%u", what, st.degree_min, st.degree_max,
                 mind, maxd);
        FZ_CHECK(n == 0 || (st.components >= 1 && st.components <= n &&
                            st.largest_component >= 1 && st.largest_component <= n),
                 "%s: stats components %llu largest %llu for n=%llu", what,
                 (unsigned long long)st.components, (unsigned long long)st.largest_component,
                 (unsigned long long)n);
        FZ_CHECK(n == 0 || st.diameter < st.largest_component,
                 "%s: diameter %u with a largest component of %llu", what, st.diameter,
                 (unsigned long long)st.largest_component);
        FZ_CHECK(t->connected != 1 || st.components == 1,
                 "%s: connected but %llu components", what, (unsigned long long)st.components);
        FZ_CHECK(n <= 64 ? st.diameter_exact == 1 : 1, "%s: n=%llu <= 64 but diameter not exact",
                 what, (unsigned long long)n);
    }
}

/* One temporary file per process, created on first use and removed at exit. */
static char fz_tmp_path[2][256];
static inline void fz_tmp_cleanup(void)
{
    for (int i = 0; i < 2; i++)
        if (fz_tmp_path[i][0] != '\0')
            unlink(fz_tmp_path[i]);
}

static inline const char *fz_tmpfile(int which)
{
    if (fz_tmp_path[which][0] == '\0') {
        const char *dir = getenv("TMPDIR");
        if (dir == NULL || *dir == '\0' || strlen(dir) > 200)
            dir = "/tmp";
        snprintf(fz_tmp_path[which], sizeof fz_tmp_path[which], "%s/gbfuzz%d.XXXXXX", dir,
                 which);
        int fd = mkstemp(fz_tmp_path[which]);
        if (fd < 0) {
            perror("mkstemp");
            abort();
        }
        close(fd);
        static int registered;
        if (!registered) {
            atexit(fz_tmp_cleanup);
            registered = 1;
        }
    }
    return fz_tmp_path[which];
}

static inline void fz_write_file(const char *path, const uint8_t *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL || (size > 0 && fwrite(data, 1, size, f) != size) || fclose(f) != 0) {
        perror(path);
        abort();
    }
}

/* Writes t as an edge list and reads it back through the "file" generator: the result
 * must have the same n and the same neighbour sets (rows sorted). Only for undirected
 * instances. */
static inline void fz_check_roundtrip(const char *what, const gb_topology *t)
{
    if (t->directed)
        return;
    const char *path = fz_tmpfile(1);
    FILE *f = fopen(path, "w");
    if (f == NULL)
        abort();
    char err[GB_ERRLEN] = "";
    int rc = gb_topology_dump_edgelist(t, f, err);
    if (fclose(f) != 0)
        abort();
    FZ_CHECK(rc == 0, "%s: dump_edgelist failed: %s", what, err);
    char spec[320];
    snprintf(spec, sizeof spec, "file:path=%s", path);
    gb_topology *back = NULL;
    rc = gb_topology_create_spec(spec, 0, 1, &back, NULL, err);
    FZ_CHECK(rc == 0, "%s: the dumped edge list does not read back: %s", what, err);
    FZ_CHECK(back->n == t->n && back->edges == t->edges,
             "%s: read back n=%llu edges=%llu, was n=%llu edges=%llu", what,
             (unsigned long long)back->n, (unsigned long long)back->edges,
             (unsigned long long)t->n, (unsigned long long)t->edges);
    uint64_t na = 0, nb = 0;
    uint64_t *a = fz_arcs(t, 8u << 20, &na), *b = fz_arcs(back, 8u << 20, &nb);
    FZ_CHECK(na == nb, "%s: %llu arcs, %llu after the round trip", what,
             (unsigned long long)na, (unsigned long long)nb);
    if (a != NULL && b != NULL)
        FZ_CHECK(memcmp(a, b, (size_t)na * sizeof *a) == 0,
                 "%s: neighbour sets differ after the round trip", what);
    free(a);
    free(b);
    gb_topology_free(back);
}

#endif
