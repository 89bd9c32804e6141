/* random_regular.c: a simple random d-regular graph on n nodes (no loops, no multi-edges).
 *
 * Method: the stub-pairing repair of Steger and Wormald (1999), as networkx's
 * random_regular_graph implements it. Every node starts with d stubs; a pass shuffles the
 * stubs that are left, pairs consecutive ones, keeps each pair that is neither a loop nor
 * an existing edge, and puts the stubs of the other pairs back for the next pass. Unlike
 * the plain configuration model, which throws the whole graph away at the first bad pair
 * (it succeeds with probability about exp(-(d^2-1)/4), some 1e-7 for d = 8), this keeps
 * almost all of a pass's work. Steger and Wormald prove the result asymptotically uniform
 * for d = O(n^(1/28)); beyond that it is the same approximation networkx accepts.
 *
 * A pass that adds no edge may mean the leftover stubs cannot be paired at all (say, two
 * stubs of one node, or only nodes that are already linked to each other); then the
 * attempt restarts from scratch, as networkx does. A bound on attempts, and on passes in a
 * row without progress, turns an impossible or very unlucky case into GB_EFAIL instead of
 * a hang.
 *
 * Determinism: pass p of attempt a draws from gb_rng(seed, trial 0, round a, node p,
 * GB_RNG_TOPOLOGY), so the graph depends only on (n, d, seed) and every MPI rank builds the
 * same one without communicating.
 *
 * Memory: each node owns a fixed row of d slots; the edge test scans the row (O(d), and d
 * is small), and when generation succeeds the rows, each sorted, are already a CSR
 * adjacency array with off[u] = u*d. For n = 10^6 and d = 8 the peak is about 68 MB
 * (rows, stubs, degrees) and the result keeps 40 MB (adjacency and offsets). */
#include "gb_topology.h"
#include "gb_rng.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define RR_MAX_ATTEMPTS 1000
#define RR_MAX_STALLED_PASSES 1000

typedef struct rr_state {
    uint64_t n;
    uint32_t d;
    gb_node_t *rows;  /* n*d slots: neighbours of u in rows[u*d .. u*d + deg[u]) */
    uint32_t *deg;    /* current degree of each node */
    gb_node_t *stubs; /* stubs not yet paired, in stubs[0 .. m) */
} rr_state;

static int has_edge(const rr_state *s, gb_node_t a, gb_node_t b)
{
    const gb_node_t *row = s->rows + (size_t)a * s->d;
    for (uint32_t i = 0; i < s->deg[a]; i++)
        if (row[i] == b)
            return 1;
    return 0;
}

static void add_edge(rr_state *s, gb_node_t a, gb_node_t b)
{
    s->rows[(size_t)a * s->d + s->deg[a]++] = b;
    s->rows[(size_t)b * s->d + s->deg[b]++] = a;
}

static int cmp_node(const void *pa, const void *pb)
{
    gb_node_t a = *(const gb_node_t *)pa, b = *(const gb_node_t *)pb;
    return (a > b) - (a < b);
}

/* Whether some pair of distinct nodes among the m leftover stubs could still become an
 * edge: 1 yes, 0 no, GB_ENOMEM. */
static int leftovers_suitable(const rr_state *s, size_t m)
{
    gb_node_t *v = malloc(m * sizeof *v);
    if (v == NULL)
        return GB_ENOMEM;
    memcpy(v, s->stubs, m * sizeof *v);
    qsort(v, m, sizeof *v, cmp_node);
    size_t u = 0;
    for (size_t i = 0; i < m; i++)
        if (u == 0 || v[u - 1] != v[i])
            v[u++] = v[i];
    int ok = 0;
    for (size_t i = 1; i < u && !ok; i++)
        for (size_t j = 0; j < i && !ok; j++)
            if (!has_edge(s, v[i], v[j]))
                ok = 1;
    free(v);
    return ok;
}

/* One attempt from scratch: 1 when the graph is complete, 0 when the attempt is stuck
 * and must restart, GB_ENOMEM. */
static int rr_attempt(rr_state *s, uint64_t seed, uint32_t attempt)
{
    uint64_t n = s->n;
    uint32_t d = s->d;
    memset(s->deg, 0, (size_t)n * sizeof *s->deg);
    /* Stubs in networkx's order, range(n) repeated d times; the shuffle makes the initial
     * order irrelevant except for reproducibility. */
    size_t m = 0;
    for (uint32_t r = 0; r < d; r++)
        for (uint64_t u = 0; u < n; u++)
            s->stubs[m++] = (gb_node_t)u;

    unsigned stalled = 0;
    for (uint64_t pass = 0; m > 0; pass++) {
        gb_rng rng;
        uint32_t chunk = 0;
        gb_rng_init(&rng, seed, chunk, attempt, (uint32_t)pass, GB_RNG_TOPOLOGY);
        for (size_t i = m - 1; i > 0; i--) { /* Fisher-Yates */
            /* A stream holds GB_RNG_MAX_DRAWS values; a first pass at n*d = 8*10^7 needs
             * more, so a fresh stream (keyed by the chunk in the trial slot) takes over
             * every 2^22 draws, far below the bound even with rejections. */
            if (((m - 1 - i) & ((1u << 22) - 1)) == 0 && i != m - 1)
                gb_rng_init(&rng, seed, ++chunk, attempt, (uint32_t)pass, GB_RNG_TOPOLOGY);
            size_t j = (size_t)gb_rng_below(&rng, (uint64_t)i + 1);
            gb_node_t x = s->stubs[i];
            s->stubs[i] = s->stubs[j];
            s->stubs[j] = x;
        }
        /* Rejected pairs are compacted to the front in place: the write index never
         * passes the read index. m is always even, since every edge uses two stubs. */
        size_t w = 0;
        for (size_t i = 0; i + 1 < m; i += 2) {
            gb_node_t a = s->stubs[i], b = s->stubs[i + 1];
            if (a != b && !has_edge(s, a, b)) {
                add_edge(s, a, b);
            } else {
                s->stubs[w++] = a;
                s->stubs[w++] = b;
            }
        }
        int progress = w < m;
        m = w;
        if (m == 0)
            break;
        if (progress) {
            stalled = 0;
            continue;
        }
        int ok = leftovers_suitable(s, m);
        if (ok < 0)
            return ok;
        if (!ok || ++stalled > RR_MAX_STALLED_PASSES)
            return 0;
    }
    return 1;
}

static void sort_row(gb_node_t *row, uint32_t len)
{
    if (len > 32) {
        qsort(row, len, sizeof *row, cmp_node);
        return;
    }
    for (uint32_t i = 1; i < len; i++) { /* insertion sort: rows are short */
        gb_node_t x = row[i];
        uint32_t j = i;
        for (; j > 0 && row[j - 1] > x; j--)
            row[j] = row[j - 1];
        row[j] = x;
    }
}

static const gb_param_desc rr_params[] = {
    {.name = "d",
     .type = GB_PARAM_INT,
     .def = "8",
     .min = 1,
     .max = 4294967294.0,
     .help = "degree of every node (needs d < n and n*d even)"},
    {.name = NULL},
};

static int rr_create(const gb_params *params, uint64_t n, uint64_t seed,
                     const gb_topology_ctx *ctx, gb_topology **out, char *err)
{
    (void)ctx; /* placement does not shape this overlay */
    *out = NULL;
    if (n > GB_NODE_MAX)
        return gb_seterr(err, GB_ERANGE, "topology 'random-regular': n=%llu exceeds %llu nodes",
                         (unsigned long long)n, (unsigned long long)GB_NODE_MAX);
    int64_t dd = gb_params_int(params, "d");
    if (dd < 1 || (uint64_t)dd >= n)
        return gb_seterr(err, GB_EINVAL, "topology 'random-regular': d=%lld must be in [1, n-1] "
                         "with n=%llu", (long long)dd, (unsigned long long)n);
    uint32_t d = (uint32_t)dd;
    if ((n * d) % 2 != 0)
        return gb_seterr(err, GB_EINVAL,
                         "topology 'random-regular': n*d must be even, got n=%llu d=%u",
                         (unsigned long long)n, d);
    if (n * d > SIZE_MAX / sizeof(gb_node_t))
        return gb_seterr(err, GB_ENOMEM, "topology 'random-regular': n*d=%llu is too large",
                         (unsigned long long)(n * d));

    int rc;
    rr_state s = {.n = n, .d = d};
    uint64_t *off = NULL;
    gb_topology *t = NULL;
    s.rows = malloc((size_t)(n * d) * sizeof *s.rows);
    s.stubs = malloc((size_t)(n * d) * sizeof *s.stubs);
    s.deg = malloc((size_t)n * sizeof *s.deg);
    if (s.rows == NULL || s.stubs == NULL || s.deg == NULL)
        goto nomem;

    uint32_t attempt;
    for (attempt = 0; attempt < RR_MAX_ATTEMPTS; attempt++) {
        rc = rr_attempt(&s, seed, attempt);
        if (rc < 0)
            goto nomem;
        if (rc == 1)
            break;
    }
    if (attempt == RR_MAX_ATTEMPTS) {
        rc = gb_seterr(err, GB_EFAIL,
                       "topology 'random-regular': no simple %u-regular graph on %llu nodes "
                       "after %d attempts",
                       d, (unsigned long long)n, RR_MAX_ATTEMPTS);
        goto fail;
    }
    free(s.stubs);
    s.stubs = NULL;
    free(s.deg);
    s.deg = NULL;

    /* Every row is full now, so the rows are the CSR adjacency with a constant stride.
     * Sorted rows make the instance independent of pairing order and let readers
     * binary-search a row. */
    for (uint64_t u = 0; u < n; u++)
        sort_row(s.rows + (size_t)u * d, d);
    off = malloc((size_t)(n + 1) * sizeof *off);
    t = calloc(1, sizeof *t);
    if (off == NULL || t == NULL)
        goto nomem;
    for (uint64_t u = 0; u <= n; u++)
        off[u] = u * d;
    rc = gb_topology_csr_init(t, &gb_topology_random_regular, n, off, s.rows);
    off = NULL; /* taken over by csr_init, also on error */
    s.rows = NULL;
    if (rc < 0) {
        rc = gb_seterr(err, rc, "topology 'random-regular': internal error building CSR");
        goto fail;
    }
    *out = t;
    return GB_OK;

nomem:
    rc = gb_seterr(err, GB_ENOMEM, "topology 'random-regular': out of memory for n=%llu d=%u",
                   (unsigned long long)n, d);
fail:
    free(t);
    free(off);
    free(s.rows);
    free(s.stubs);
    free(s.deg);
    return rc;
}

/* Peak heap bytes create() needs, for the driver's memory check before generation. */
static uint64_t rr_estimate(const gb_params *p, uint64_t nodes)
{
    double n = (double)nodes;
    double d = (double)gb_params_int(p, "d");
    return gb_sat_u64(8.0 * n * d + 12.0 * n + 8.0); /* stubs + rows + degrees + offsets */
}

const gb_topology_ops gb_topology_random_regular = {
    .name = "random-regular",
    .help = "simple random d-regular graph (Steger-Wormald pairing, as networkx), CSR",
    .params = rr_params,
    .create = rr_create,
    .estimate_bytes = rr_estimate,
};
