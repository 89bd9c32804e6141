/* edgelist.c: the "file" topology, an overlay read from an edge-list file.
 *
 * Spec: file:path=FILE[,directed=0|1]. Parameter values cannot contain ',' (it separates
 * parameters in a spec) and hold at most GB_PARAM_VALUE_LEN - 1 = 255 characters, so FILE
 * is a short path without commas. Under MPI every rank reads FILE itself, so it must be
 * visible on every host.
 *
 * File format (text, one item per line):
 *   # nodes N        optional header fixing the number of nodes to N (1 <= N <= 2^32-1);
 *                    it must come before the first edge and appear at most once. Without
 *                    it, n = 1 + the largest id in the file.
 *   u v              an edge between nodes u and v: two decimal ids in 0..n-1 separated by
 *                    blanks (spaces or tabs); nothing else on the line.
 *   # anything       a comment (a '#' line whose first word is not "nodes")
 *   (blank line)     ignored
 * Leading and trailing blanks and a trailing '\r' (CRLF files) are allowed. Any other line
 * is an error naming the file and the line number, e.g.
 *   topology 'file': edges.txt:17: expected two node ids, got 'x y'
 * Ids outside 0..n-1 (negative, beyond the header's N, beyond 2^32-2) and self-loops
 * ("u u") are errors with file:line too. Repeated edges ("u v" twice, or "u v" and "v u"
 * in an undirected file) are merged silently: the overlay is a simple graph.
 *
 * directed=0 (default): each line adds u-v in both directions, so the topology satisfies
 * the symmetry rule of gb_topology.h. directed=1: each line is an arc u->v only; then
 * neighbour(u, k) lists the out-neighbours of u, the symmetry rule does NOT hold, degrees
 * are out-degrees, t->edges counts arcs (not undirected edges) and t->connected says
 * whether every node is reachable from node 0 along arcs. Push follows arcs naturally;
 * pull asks out-neighbours, so information travels against the arcs.
 *
 * The number of nodes: create() receives the engine's n (from --nodes). If the file fixes
 * (header) or implies (1 + largest id) a different count, creation fails with
 *   topology 'file': edges.txt has 12 nodes but --nodes is 10
 * As an extension of the create() contract, n == 0 means "take the count from the file",
 * so that a driver can size the run from the file when --nodes is not given.
 *
 * Memory: one pass over the file into a compact array of 4+4 bytes per line, then a
 * counting sort into CSR (8 bytes per node, 4 per arc), rows sorted ascending and freed of
 * repeats in place. Peak: 8 bytes per line + 8 per node + 4 per arc. */
#include "gb_topology.h"
#include "csr_build.h"
#include "gb_topology_io.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

/* Longest excerpt of a bad line quoted in a message; keeps messages within GB_ERRLEN. */
#define EL_QUOTE 40

typedef struct el_edge {
    gb_node_t u, v;
} el_edge;

/* Everything one read needs, so that the helpers share one error path. */
typedef struct el_reader {
    const char *path;
    uint64_t want_n; /* the engine's n; 0 = take it from the file */
    uint64_t lineno;
    uint64_t header_n; /* 0 when no header was seen */
    uint64_t max_id;   /* largest id seen; meaningful when count > 0 */
    el_edge *edges;
    size_t count, cap;
} el_reader;

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

static const char *skip_blanks(const char *s)
{
    while (is_blank(*s))
        s++;
    return s;
}

/* Length of the line without trailing blanks (newline, '\r'), for quoting. */
static int quote_len(const char *s)
{
    size_t len = strlen(s);
    while (len > 0 && is_blank(s[len - 1]))
        len--;
    return len > EL_QUOTE ? EL_QUOTE : (int)len;
}

/* Parses an optional '-' and decimal digits at *s. Returns 1 for a token (then *neg tells
 * the sign, *val the magnitude saturated at UINT64_MAX, *end the first character after
 * it), 0 when *s does not start a number. */
static int parse_number(const char *s, int *neg, uint64_t *val, const char **end)
{
    *neg = 0;
    if (*s == '-') {
        *neg = 1;
        s++;
    }
    if (*s < '0' || *s > '9')
        return 0;
    uint64_t x = 0;
    for (; *s >= '0' && *s <= '9'; s++) {
        unsigned dgt = (unsigned)(*s - '0');
        x = x > (UINT64_MAX - dgt) / 10 ? UINT64_MAX : x * 10 + dgt;
    }
    *val = x;
    *end = s;
    return 1;
}

/* A "# nodes N" header (when the first word after '#' is "nodes"): 1 header parsed, 0 a
 * plain comment, or a negative code with err set. */
static int parse_header(el_reader *r, const char *line, char *err)
{
    const char *s = skip_blanks(line + 1);
    if (strncmp(s, "nodes", 5) != 0 || !(is_blank(s[5]) || s[5] == '\0'))
        return 0;
    int neg;
    uint64_t v;
    const char *end;
    s = skip_blanks(s + 5);
    if (!parse_number(s, &neg, &v, &end) || neg || *skip_blanks(end) != '\0' || v == 0 ||
        v > GB_NODE_MAX)
        return gb_seterr(err, GB_EINVAL,
                         "topology 'file': %s:%llu: bad header '%.*s', expected '# nodes N' "
                         "with 1 <= N <= %llu",
                         r->path, (unsigned long long)r->lineno, quote_len(line), line,
                         (unsigned long long)GB_NODE_MAX);
    if (r->header_n != 0)
        return gb_seterr(err, GB_EINVAL, "topology 'file': %s:%llu: second '# nodes' header",
                         r->path, (unsigned long long)r->lineno);
    if (r->count > 0)
        return gb_seterr(err, GB_EINVAL,
                         "topology 'file': %s:%llu: the '# nodes' header must come before the "
                         "first edge",
                         r->path, (unsigned long long)r->lineno);
    if (r->want_n != 0 && v != r->want_n)
        return gb_seterr(err, GB_EINVAL, "topology 'file': %s has %llu nodes but --nodes is %llu",
                         r->path, (unsigned long long)v, (unsigned long long)r->want_n);
    r->header_n = v;
    return 1;
}

/* Checks one id token: 0 or GB_ERANGE with file:line in err. */
static int check_id(const el_reader *r, const char *tok, int toklen, int neg, uint64_t v,
                    char *err)
{
    /* Without a header, n = 1 + the largest id must itself fit GB_NODE_MAX. */
    uint64_t limit = r->header_n != 0 ? r->header_n : GB_NODE_MAX;
    if (neg || v >= limit)
        return gb_seterr(err, GB_ERANGE,
                         "topology 'file': %s:%llu: node id %.*s is out of range 0..%llu%s",
                         r->path, (unsigned long long)r->lineno, toklen > 24 ? 24 : toklen, tok,
                         (unsigned long long)(limit - 1),
                         r->header_n != 0 ? " (from the '# nodes' header)" : "");
    return 0;
}

static int push_edge(el_reader *r, gb_node_t u, gb_node_t v)
{
    if (r->count == r->cap) {
        size_t cap = r->cap ? r->cap + r->cap / 2 : 1024;
        if (cap > SIZE_MAX / sizeof *r->edges)
            return GB_ENOMEM;
        el_edge *e = realloc(r->edges, cap * sizeof *e);
        if (e == NULL)
            return GB_ENOMEM;
        r->edges = e;
        r->cap = cap;
    }
    r->edges[r->count].u = u;
    r->edges[r->count].v = v;
    r->count++;
    return 0;
}

/* One line (with its newline, if any): 0 or a negative code with err set. */
static int parse_line(el_reader *r, const char *line, char *err)
{
    const char *s = skip_blanks(line);
    if (*s == '\0')
        return 0;
    if (*s == '#') {
        int rc = parse_header(r, s, err);
        return rc < 0 ? rc : 0;
    }
    int neg[2];
    uint64_t id[2];
    const char *tok[2], *end;
    for (int i = 0; i < 2; i++) {
        if (i == 1) {
            if (!is_blank(*s))
                goto malformed;
            s = skip_blanks(s);
        }
        tok[i] = s;
        if (!parse_number(s, &neg[i], &id[i], &end))
            goto malformed;
        s = end;
    }
    if (*skip_blanks(s) != '\0')
        goto malformed;
    for (int i = 0; i < 2; i++) {
        int rc = check_id(r, tok[i], (int)strcspn(tok[i], " \t\r\n\f\v"), neg[i], id[i], err);
        if (rc < 0)
            return rc;
    }
    if (id[0] == id[1])
        return gb_seterr(err, GB_EINVAL, "topology 'file': %s:%llu: self-loop on node %llu",
                         r->path, (unsigned long long)r->lineno, (unsigned long long)id[0]);
    uint64_t hi = id[0] > id[1] ? id[0] : id[1];
    if (r->count == 0 || hi > r->max_id)
        r->max_id = hi;
    if (push_edge(r, (gb_node_t)id[0], (gb_node_t)id[1]) < 0)
        return gb_seterr(err, GB_ENOMEM, "topology 'file': %s:%llu: out of memory for %zu edges",
                         r->path, (unsigned long long)r->lineno, r->count + 1);
    return 0;

malformed:
    s = skip_blanks(line);
    return gb_seterr(err, GB_EINVAL,
                     "topology 'file': %s:%llu: expected two node ids, got '%.*s'", r->path,
                     (unsigned long long)r->lineno, quote_len(s), s);
}

/* Reads the whole file into r: 0 or a negative code with err set. */
static int read_file(el_reader *r, char *err)
{
    FILE *f = fopen(r->path, "r");
    if (f == NULL)
        return gb_seterr(err, GB_EIO, "topology 'file': cannot open '%s': %s", r->path,
                         strerror(errno));
    char *line = NULL;
    size_t cap = 0;
    int rc = 0;
    errno = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, f)) >= 0) {
        r->lineno++;
        /* A NUL byte would silently cut the line short; binary input is refused. */
        if (strlen(line) != (size_t)len) {
            rc = gb_seterr(err, GB_EINVAL, "topology 'file': %s:%llu: NUL byte in the line",
                           r->path, (unsigned long long)r->lineno);
            break;
        }
        rc = parse_line(r, line, err);
        if (rc < 0)
            break;
    }
    if (rc == 0 && ferror(f))
        rc = gb_seterr(err, GB_EIO, "topology 'file': error reading '%s': %s", r->path,
                       strerror(errno ? errno : EIO));
    free(line);
    fclose(f);
    return rc;
}

static const gb_param_desc file_params[] = {
    {.name = "path",
     .type = GB_PARAM_STRING,
     .def = "",
     .help = "edge-list file: lines 'u v', '#' comments, optional '# nodes N' header "
             "(required; no ',' and at most 255 characters)"},
    {.name = "directed",
     .type = GB_PARAM_INT,
     .def = "0",
     .min = 0,
     .max = 1,
     .help = "0: each line is an undirected edge; 1: an arc u->v only (peers are "
             "out-neighbours)"},
    {.name = NULL},
};

static int file_create(const gb_params *params, uint64_t n, uint64_t seed,
                       const gb_topology_ctx *ctx, gb_topology **out, char *err)
{
    (void)seed; /* the file fixes the graph */
    (void)ctx;
    *out = NULL;
    if (n > GB_NODE_MAX)
        return gb_seterr(err, GB_ERANGE, "topology 'file': n=%llu exceeds %llu nodes",
                         (unsigned long long)n, (unsigned long long)GB_NODE_MAX);
    const char *path = gb_params_str(params, "path");
    if (path[0] == '\0')
        return gb_seterr(err, GB_EINVAL,
                         "topology 'file': parameter 'path' is required (file:path=FILE)");
    int directed = gb_params_int(params, "directed") != 0;

    el_reader r = {.path = path, .want_n = n};
    uint64_t *off = NULL;
    gb_node_t *adj = NULL;
    gb_topology *t = NULL;
    int rc = read_file(&r, err);
    if (rc < 0)
        goto fail;

    uint64_t file_n = r.header_n;
    if (file_n == 0) {
        if (r.count == 0) {
            rc = gb_seterr(err, GB_EINVAL,
                           "topology 'file': %s holds no edges and no '# nodes N' header", path);
            goto fail;
        }
        file_n = r.max_id + 1; /* <= GB_NODE_MAX: check_id kept ids below it */
        if (n != 0 && file_n != n) {
            rc = gb_seterr(err, GB_EINVAL,
                           "topology 'file': %s has %llu nodes but --nodes is %llu (no "
                           "'# nodes' header: n = 1 + largest id %llu)",
                           path, (unsigned long long)file_n, (unsigned long long)n,
                           (unsigned long long)r.max_id);
            goto fail;
        }
    }
    n = file_n;

    /* Counting sort into CSR: count each row's entries in off[u], turn the counts into
     * row starts, fill with off[u]++ (which leaves off[u] at the start of row u+1), then
     * shift back by one. */
    uint64_t arcs = directed ? (uint64_t)r.count : 2 * (uint64_t)r.count;
    off = calloc((size_t)n + 1, sizeof *off);
    adj = malloc((size_t)(arcs > 0 ? arcs : 1) * sizeof *adj);
    t = calloc(1, sizeof *t);
    if (off == NULL || adj == NULL || t == NULL)
        goto nomem;
    for (size_t i = 0; i < r.count; i++) {
        off[r.edges[i].u]++;
        if (!directed)
            off[r.edges[i].v]++;
    }
    uint64_t sum = 0;
    for (uint64_t u = 0; u < n; u++) {
        uint64_t c = off[u];
        off[u] = sum;
        sum += c;
    }
    off[n] = sum;
    for (size_t i = 0; i < r.count; i++) {
        gb_node_t u = r.edges[i].u, v = r.edges[i].v;
        adj[off[u]++] = v;
        if (!directed)
            adj[off[v]++] = u;
    }
    free(r.edges);
    r.edges = NULL;
    gb_csr_shift_back(off, n);

    /* Sorted rows make the instance independent of line order; repeats sit next to each
     * other after sorting and are squeezed out in place. */
    uint64_t w = gb_csr_sort_dedup(off, adj, n);
    if (w < arcs && w > 0) {
        gb_node_t *shrunk = realloc(adj, (size_t)w * sizeof *adj);
        if (shrunk != NULL)
            adj = shrunk;
    }

    rc = gb_topology_csr_init(t, &gb_topology_file, n, off, adj);
    off = NULL; /* taken over by csr_init, also on error */
    adj = NULL;
    if (rc < 0) {
        rc = gb_seterr(err, rc, "topology 'file': internal error building CSR from %s", path);
        goto fail;
    }
    if (directed) {
        t->edges = t->off[n]; /* arcs: csr_init assumes every edge is stored twice */
        t->directed = 1;
    }
    *out = t;
    return GB_OK;

nomem:
    rc = gb_seterr(err, GB_ENOMEM, "topology 'file': out of memory for %llu nodes and %zu "
                   "edges from %s", (unsigned long long)n, r.count, path);
fail:
    free(t);
    free(off);
    free(adj);
    free(r.edges);
    return rc;
}

const gb_topology_ops gb_topology_file = {
    .name = "file",
    .help = "graph read from an edge-list file ('u v' lines, '# nodes N' header), CSR",
    .params = file_params,
    .create = file_create,
};
