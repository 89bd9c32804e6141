/* gnp.c: the Erdős–Rényi random graph G(n, p): each of the n(n-1)/2 pairs of distinct
 * nodes is an edge independently with probability p.
 *
 * Method: geometric skipping (Batagelj and Brandes, "Efficient generation of large random
 * networks", Phys. Rev. E 71, 2005, algorithm G(n,p)). The pairs are walked in the order
 * (1,0), (2,0), (2,1), (3,0), ...; the gap to the next edge is geometric,
 * floor(log(1-r) / log(1-p)) for a uniform r, so one random number and one logarithm
 * are spent per edge, never per pair: O(n + m) time instead of n^2 coin flips.
 *
 * CSR without an edge list: the walk is replayed from the same random stream twice, first
 * to count degrees, then to write each edge into both rows. Because the walk visits the
 * pairs (v, w < v) with v ascending and w ascending within v, row u receives its smaller
 * neighbours (while v = u) before its larger ones (later v, ascending), so every row comes
 * out sorted with no sorting pass. The fill uses off[] itself as the write cursor and
 * shifts it back afterwards. Memory: the final CSR (8 bytes per node + 4 per directed
 * edge) and nothing else; time is two walks, about 2m logarithms.
 *
 * Determinism: the walk draws from gb_rng(seed, trial = chunk, round 0, node 0,
 * GB_RNG_TOPOLOGY), moving to the next chunk every 2^22 draws so that no stream is drawn
 * past GB_RNG_MAX_DRAWS. The result depends only on (n, p, seed) and libm's log and
 * log1p, so every rank of one run builds the same graph.
 *
 * Default p: 2 ln n / n, twice the connectivity threshold ln n / n, so that the default
 * graph (mean degree about 2 ln n) is connected with probability about 1 - 1/n. */
#include "gb_topology.h"
#include "gb_rng.h"

#include <math.h>
#include <stdlib.h>

#define GNP_CHUNK_DRAWS (1u << 22)
#define GNP_BATCH 64

/* Also declared in gb_topology.h once registered; repeated here so that the file builds
 * on its own (a repeated extern declaration is harmless). */

/* A random stream longer than one gb_rng stream: a fresh one, keyed by the chunk number in
 * the trial slot, takes over every GNP_CHUNK_DRAWS calls (each call draws one value, a
 * rejection in gb_rng_below rarely a second, far below the 2^25 a stream holds). */
typedef struct gnp_stream {
    gb_rng rng;
    uint64_t seed;
    uint32_t round, node, chunk, left;
} gnp_stream;

static void stream_init(gnp_stream *s, uint64_t seed, uint32_t round, uint32_t node)
{
    s->seed = seed;
    s->round = round;
    s->node = node;
    s->chunk = 0;
    s->left = GNP_CHUNK_DRAWS;
    gb_rng_init(&s->rng, seed, 0, round, node, GB_RNG_TOPOLOGY);
}

static double stream_uniform01(gnp_stream *s)
{
    if (s->left == 0) {
        gb_rng_init(&s->rng, s->seed, ++s->chunk, s->round, s->node, GB_RNG_TOPOLOGY);
        s->left = GNP_CHUNK_DRAWS;
    }
    s->left--;
    return gb_rng_uniform01(&s->rng);
}

/* The walk over pairs (v, w), 0 <= w < v < n, in the order described above. */
typedef struct gnp_walk {
    gnp_stream s;
    uint64_t n;
    double inv_lq; /* 1 / log(1 - p) */
    int every;     /* p == 1: every pair, no draws */
    int none;      /* p == 0: no pair */
    uint64_t v;    /* current row */
    uint64_t c;    /* next candidate w in row v */
} gnp_walk;

static void walk_start(gnp_walk *g, uint64_t seed, uint64_t n, double p)
{
    stream_init(&g->s, seed, 0, 0);
    g->n = n;
    g->every = p >= 1.0;
    g->none = p <= 0.0;
    g->inv_lq = g->every || g->none ? 0.0 : 1.0 / log1p(-p);
    g->v = 1;
    g->c = 0;
}

/* Next edge (v, w) with w < v: 1, or 0 when the walk is over. */
static int walk_next(gnp_walk *g, gb_node_t *v, gb_node_t *w)
{
    if (g->none || g->v >= g->n)
        return 0;
    if (!g->every) {
        /* 1 - r is exact (r is a multiple of 2^-53 in [0, 1)), so log() needs no log1p;
         * with the reciprocal precomputed this costs half of log1p and a division. */
        double r = stream_uniform01(&g->s);
        double skip = floor(log(1.0 - r) * g->inv_lq);
        /* At most n(n-1)/2 < 2^63 pairs are left, so a longer gap ends the walk; the
         * clamp keeps the conversion defined and c + skip below 2^64. */
        g->c += skip < 0x1p63 ? (uint64_t)skip : (uint64_t)1 << 63;
    }
    /* Carry the candidate into later rows; v only grows, so this costs O(n) in all. */
    while (g->c >= g->v) {
        g->c -= g->v;
        if (++g->v >= g->n)
            return 0;
    }
    *v = (gb_node_t)g->v;
    *w = (gb_node_t)g->c;
    g->c++;
    return 1;
}

/* Up to GNP_BATCH edges of the walk into bv/bw, prefetching hint[w] for each (the row
 * data the caller is about to update); returns how many, fewer only at the end.
 * The far endpoint w is spread over all earlier nodes, so each update is a cache and TLB
 * miss; a batch issues its misses together instead of one after another, which made the
 * count and fill passes about 2.5 times faster at n = 10^7. */
static int walk_batch(gnp_walk *g, gb_node_t *bv, gb_node_t *bw, const uint64_t *hint)
{
    int k = 0;
    while (k < GNP_BATCH && walk_next(g, &bv[k], &bw[k])) {
        __builtin_prefetch(&hint[bw[k]], 1);
        k++;
    }
    return k;
}

static const gb_param_desc gnp_params[] = {
    {.name = "p",
     .type = GB_PARAM_DOUBLE,
     .def = "",
     .min = 0.0,
     .max = 1.0,
     .help = "edge probability (default 2 ln(n)/n: mean degree about 2 ln n, connected whp)"},
    {.name = NULL},
};

static int gnp_create(const gb_params *params, uint64_t n, uint64_t seed,
                      const gb_topology_ctx *ctx, gb_topology **out, char *err)
{
    (void)ctx; /* placement does not shape this overlay */
    *out = NULL;
    if (n == 0)
        return gb_seterr(err, GB_EINVAL, "topology 'gnp': needs at least 1 node");
    if (n > GB_NODE_MAX)
        return gb_seterr(err, GB_ERANGE, "topology 'gnp': n=%llu exceeds %llu nodes",
                         (unsigned long long)n, (unsigned long long)GB_NODE_MAX);
    double p = gb_params_has(params, "p") ? gb_params_double(params, "p")
                                          : 2.0 * log((double)n) / (double)n;
    if (!(p >= 0.0 && p <= 1.0)) /* the parser checks the range; this also catches NaN */
        return gb_seterr(err, GB_ERANGE, "topology 'gnp': p=%g is not in [0, 1]", p);

    int rc;
    gb_topology *t = NULL;
    gb_node_t *adj = NULL;
    uint64_t *off = calloc((size_t)n + 1, sizeof *off);
    if (off == NULL)
        goto nomem;

    /* Pass 1: degrees, counted in off[u + 1]. */
    gnp_walk g;
    gb_node_t bv[GNP_BATCH], bw[GNP_BATCH];
    uint64_t pv[GNP_BATCH], pw[GNP_BATCH];
    int k;
    walk_start(&g, seed, n, p);
    do {
        k = walk_batch(&g, bv, bw, off + 1);
        for (int i = 0; i < k; i++) {
            off[bv[i] + 1]++;
            off[bw[i] + 1]++;
        }
    } while (k == GNP_BATCH);
    for (uint64_t u = 0; u < n; u++)
        off[u + 1] += off[u];
    if (off[n] > SIZE_MAX / sizeof *adj)
        goto nomem;
    adj = malloc((size_t)(off[n] > 0 ? off[n] : 1) * sizeof *adj);
    t = calloc(1, sizeof *t);
    if (adj == NULL || t == NULL)
        goto nomem;

    /* Pass 2: the same walk again, writing both directions with off[u] as the cursor of
     * row u; afterwards off[u] holds the end of row u, i.e. the start of row u + 1.
     * Positions are taken in walk order, so rows stay sorted; the slots in the far rows
     * are prefetched before the batch writes them. */
    walk_start(&g, seed, n, p);
    do {
        k = walk_batch(&g, bv, bw, off);
        for (int i = 0; i < k; i++) {
            pv[i] = off[bv[i]]++;
            pw[i] = off[bw[i]]++;
            __builtin_prefetch(&adj[pw[i]], 1);
        }
        for (int i = 0; i < k; i++) {
            adj[pv[i]] = bw[i];
            adj[pw[i]] = bv[i];
        }
    } while (k == GNP_BATCH);
    for (uint64_t u = n; u > 0; u--)
        off[u] = off[u - 1];
    off[0] = 0;

    rc = gb_topology_csr_init(t, &gb_topology_gnp, n, off, adj);
    if (rc < 0) {
        free(t);
        return gb_seterr(err, rc, "topology 'gnp': internal error building CSR");
    }
    *out = t;
    return GB_OK;

nomem:
    free(t);
    free(adj);
    rc = gb_seterr(err, GB_ENOMEM, "topology 'gnp': out of memory for n=%llu p=%g",
                   (unsigned long long)n, p);
    free(off);
    return rc;
}

/* Peak heap bytes create() needs, for the driver's memory check before generation. */
static uint64_t gnp_estimate(const gb_params *p, uint64_t nodes)
{
    double n = (double)nodes;
    double pr = gb_params_has(p, "p") ? gb_params_double(p, "p") : 2.0 * log(n > 1 ? n : 2) / n;
    double m = pr * n * (n - 1) / 2;
    return (uint64_t)(8.0 * (n + 1) + 1.1 * 8.0 * m); /* CSR, with slack for the binomial edge count */
}

const gb_topology_ops gb_topology_gnp = {
    .name = "gnp",
    .help = "Erdos-Renyi G(n,p): each pair an edge with probability p (geometric skipping), CSR",
    .params = gnp_params,
    .create = gnp_create,
    .estimate_bytes = gnp_estimate,
};
