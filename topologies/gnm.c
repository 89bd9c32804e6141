/* gnm.c: the Erdős–Rényi random graph G(n, m): exactly m distinct edges, every set of m
 * pairs of distinct nodes equally likely.
 *
 * Method: thinning a slightly denser G(n, p'). Let N = n(n-1)/2 and s = m (or N - m when
 * m > N/2, see below). A geometric-skipping walk over the pairs, as in gnp.c (Batagelj and
 * Brandes 2005), draws G(n, p') with p' = (s + 3 sqrt(s) + 10) / N; given its edge count
 * K, its edge set is a uniform K-subset of the pairs. If K >= s (which fails with
 * probability about Phi(-3) = 0.1%, and then a new attempt draws again), keeping a uniform
 * s-subset of those K edges gives a uniform s-subset of all pairs. The K - s edges to drop
 * (or, when that is fewer, the s to keep) are a sorted list of ordinals in [0, K), drawn
 * with replacement and deduplicated until the list is full; every step of that is
 * symmetric under relabelling the ordinals, so the list is a uniform subset. It holds
 * about 3 sqrt(s) + 10 entries: 8 bytes each, some 150 KB for m = 4*10^7.
 *
 * Dense graphs: when m > N/2 the walk samples the N - m pairs that are NOT edges and the
 * generator emits every other pair, which costs O(N) = O(m) time.
 *
 * Cost: O(n + m) expected time, three walks (count K; count degrees; fill rows). The walk
 * visits pairs (v, w < v) with v ascending and w ascending within v, so, exactly as in
 * gnp.c, writing each edge into both rows in walk order leaves every row sorted and no
 * edge list is ever built. Memory: the final CSR (8 bytes per node + 4 per directed edge)
 * plus the ordinal list above; at n = 10^7, m = 4*10^7 the process peaks at 423 MiB for a
 * 381 MiB result (the difference is csr_init's breadth-first search).
 *
 * Determinism: attempt a walks gb_rng(seed, trial = chunk, round a, node 0,
 * GB_RNG_TOPOLOGY) and draws its ordinal list from node 1 of the same round (a new chunk
 * every 2^22 draws, so no stream passes GB_RNG_MAX_DRAWS). The graph depends only on
 * (n, m, seed) and libm's log and log1p.
 *
 * Default m: round((n-1) ln n), capped at N: the expected edge count of gnp's default
 * p = 2 ln n / n, i.e. mean degree about 2 ln n, twice the connectivity threshold. */
#include "gb_topology.h"
#include "gb_rng.h"
#include "csr_build.h"

#include <math.h>
#include <stdlib.h>

#define GNM_MAX_ATTEMPTS 64

/* The edges of the graph, in walk order: the walk thinned by the ordinal list, or, for a
 * complement, every pair the thinned walk does not produce. */
typedef struct gnm_edges {
    gb_pair_walk walk;
    uint64_t seed, n;
    uint32_t attempt;
    double p;
    const uint64_t *mark; /* sorted ordinals of walk edges to keep (keep_marked) or drop */
    size_t nmark, next_mark;
    int keep_marked;
    uint64_t ord; /* ordinal of the next walk edge */
    int complement;
    int have_s;   /* complement: a sampled non-edge (sv, sw) is pending */
    gb_node_t sv, sw;
    uint64_t v, c; /* complement: next pair to consider */
} gnm_edges;

static int sample_next(gnm_edges *e, gb_node_t *v, gb_node_t *w)
{
    while (gb_pair_walk_next(&e->walk, v, w)) {
        uint64_t ord = e->ord++;
        int marked = e->next_mark < e->nmark && e->mark[e->next_mark] == ord;
        if (marked)
            e->next_mark++;
        if (marked == e->keep_marked)
            return 1;
    }
    return 0;
}

static void edges_start(gnm_edges *e)
{
    gb_pair_walk_start(&e->walk, e->seed, e->attempt, e->n, e->p);
    e->next_mark = 0;
    e->ord = 0;
    e->v = 1;
    e->c = 0;
    if (e->complement)
        e->have_s = sample_next(e, &e->sv, &e->sw);
}

static int edges_next(gnm_edges *e, gb_node_t *v, gb_node_t *w)
{
    if (!e->complement)
        return sample_next(e, v, w);
    while (e->v < e->n) {
        if (e->c >= e->v) {
            e->v++;
            e->c = 0;
            continue;
        }
        gb_node_t a = (gb_node_t)e->v, b = (gb_node_t)e->c++;
        if (e->have_s && e->sv == a && e->sw == b) {
            e->have_s = sample_next(e, &e->sv, &e->sw);
            continue;
        }
        *v = a;
        *w = b;
        return 1;
    }
    return 0;
}

/* gb_csr_batch_fn over the edges of a gnm_edges. */
static int edges_batch(void *src, gb_node_t *bv, gb_node_t *bw, const uint64_t *hint)
{
    gnm_edges *e = src;
    int k = 0;
    while (k < GB_CSR_BATCH && edges_next(e, &bv[k], &bw[k])) {
        __builtin_prefetch(&hint[bw[k]], 1);
        k++;
    }
    return k;
}

static int cmp_u64(const void *pa, const void *pb)
{
    uint64_t a = *(const uint64_t *)pa, b = *(const uint64_t *)pb;
    return (a > b) - (a < b);
}

/* k distinct ordinals in [0, K), sorted, into mark[0..k): rounds of draws with
 * replacement, each followed by sort and deduplication. With k <= K/2 a draw repeats with
 * probability at most 1/2, so few rounds are needed. */
static void pick_subset(uint64_t *mark, size_t k, uint64_t K, uint64_t seed, uint32_t attempt)
{
    gb_csr_stream s;
    gb_csr_stream_init(&s, seed, attempt, 1);
    size_t have = 0;
    while (have < k) {
        for (size_t i = have; i < k; i++)
            mark[i] = gb_rng_below(gb_csr_stream_rng(&s), K);
        qsort(mark, k, sizeof *mark, cmp_u64);
        have = 0;
        for (size_t i = 0; i < k; i++)
            if (have == 0 || mark[have - 1] != mark[i])
                mark[have++] = mark[i];
    }
}

static const gb_param_desc gnm_params[] = {
    {.name = "m",
     .type = GB_PARAM_INT,
     .def = "",
     .min = 0,
     .max = 9223372036854775807.0,
     .help = "number of edges, at most n(n-1)/2 (default round((n-1) ln n): mean degree about "
             "2 ln n)"},
    {.name = NULL},
};

static int gnm_create(const gb_params *params, uint64_t n, uint64_t seed,
                      const gb_topology_ctx *ctx, gb_topology **out, char *err)
{
    (void)ctx; /* placement does not shape this overlay */
    *out = NULL;
    if (n == 0)
        return gb_seterr(err, GB_EINVAL, "topology 'gnm': needs at least 1 node");
    if (n > GB_NODE_MAX)
        return gb_seterr(err, GB_ERANGE, "topology 'gnm': n=%llu exceeds %llu nodes",
                         (unsigned long long)n, (unsigned long long)GB_NODE_MAX);
    uint64_t pairs = n * (n - 1) / 2; /* n < 2^32, so n(n-1) fits */
    uint64_t m;
    if (gb_params_has(params, "m")) {
        int64_t mm = gb_params_int(params, "m");
        if (mm < 0)
            return gb_seterr(err, GB_ERANGE, "topology 'gnm': m=%lld is negative",
                             (long long)mm);
        m = (uint64_t)mm;
        if (m > pairs)
            return gb_seterr(err, GB_EINVAL, "topology 'gnm': m=%llu exceeds n(n-1)/2=%llu",
                             (unsigned long long)m, (unsigned long long)pairs);
    } else {
        double d = round((double)(n - 1) * log((double)n));
        m = d >= (double)pairs ? pairs : (uint64_t)d;
    }
    if (m > SIZE_MAX / (2 * sizeof(gb_node_t)))
        return gb_seterr(err, GB_ENOMEM, "topology 'gnm': m=%llu edges do not fit in memory",
                         (unsigned long long)m);

    int rc;
    gb_topology *t = NULL;
    uint64_t *mark = NULL;
    gb_node_t *adj = malloc((size_t)(m > 0 ? 2 * m : 1) * sizeof *adj);
    uint64_t *off = calloc((size_t)n + 1, sizeof *off);
    t = calloc(1, sizeof *t);
    if (adj == NULL || off == NULL || t == NULL)
        goto nomem;

    gnm_edges e = {.seed = seed, .n = n};
    e.complement = m > pairs / 2;
    uint64_t s = e.complement ? pairs - m : m; /* pairs the walk must deliver */
    if (s == 0) {
        e.p = 0.0;
    } else {
        /* The walk needs K >= s edges; aim 3 standard deviations (sd <= sqrt(mean)) plus a
         * constant above s. */
        e.p = ((double)s + 3.0 * sqrt((double)s) + 10.0) / (double)pairs;
        uint64_t K = 0;
        for (;;) {
            gb_node_t v, w;
            K = 0;
            gb_pair_walk_start(&e.walk, seed, e.attempt, n, e.p);
            while (gb_pair_walk_next(&e.walk, &v, &w))
                K++;
            if (K >= s)
                break;
            if (++e.attempt == GNM_MAX_ATTEMPTS) {
                rc = gb_seterr(err, GB_EFAIL, "topology 'gnm': fewer than %llu candidate "
                               "edges in %d attempts", (unsigned long long)s, GNM_MAX_ATTEMPTS);
                goto fail;
            }
        }
        /* Mark whichever side is smaller: the K - s edges to drop or the s to keep. */
        e.keep_marked = K - s > s;
        e.nmark = (size_t)(e.keep_marked ? s : K - s);
        mark = malloc((e.nmark > 0 ? e.nmark : 1) * sizeof *mark);
        if (mark == NULL)
            goto nomem;
        pick_subset(mark, e.nmark, K, seed, e.attempt);
        e.mark = mark;
    }

    /* Pass: degrees, counted in off[u + 1], then turned into row starts. */
    edges_start(&e);
    uint64_t count = gb_csr_count_pairs(off, n, edges_batch, &e);
    if (count != m) {
        rc = gb_seterr(err, GB_EFAIL, "topology 'gnm': internal error: %llu edges, wanted %llu",
                       (unsigned long long)count, (unsigned long long)m);
        goto fail;
    }
    /* Pass: fill in walk order, so rows stay sorted (csr_build.c). */
    edges_start(&e);
    gb_csr_fill_pairs(off, adj, n, edges_batch, &e);
    free(mark);

    rc = gb_topology_csr_init(t, &gb_topology_gnm, n, off, adj);
    if (rc < 0) {
        free(t);
        return gb_seterr(err, rc, "topology 'gnm': internal error building CSR");
    }
    *out = t;
    return GB_OK;

nomem:
    rc = gb_seterr(err, GB_ENOMEM, "topology 'gnm': out of memory for n=%llu m=%llu",
                   (unsigned long long)n, (unsigned long long)m);
fail:
    free(t);
    free(mark);
    free(adj);
    free(off);
    return rc;
}

/* Peak heap bytes create() needs, for the driver's memory check before generation. */
static uint64_t gnm_estimate(const gb_params *p, uint64_t nodes)
{
    double n = (double)nodes;
    double m = gb_params_has(p, "m") ? (double)gb_params_int(p, "m") : (n - 1) * log(n > 1 ? n : 2);
    if (m > n * (n - 1) / 2) /* too many edges is create()'s error to report, not a size */
        m = n * (n - 1) / 2;
    return gb_sat_u64(8.0 * (n + 1) + 8.0 * m * 1.1 + 4096.0); /* CSR + the oversampled draw */
}

const gb_topology_ops gb_topology_gnm = {
    .name = "gnm",
    .help = "Erdos-Renyi G(n,m): exactly m edges, uniformly (thinned geometric skipping), CSR",
    .params = gnm_params,
    .create = gnm_create,
    .estimate_bytes = gnm_estimate,
};
