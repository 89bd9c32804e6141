/* locality.c: a random overlay shaped by where the MPI ranks really run.
 *
 * Gossip between nodes on the same rank costs no MPI message, between ranks of one NUMA
 * node or one host it goes through shared memory, and only the rest crosses the network.
 * This overlay lets a benchmark trade spreading speed for locality: every node picks d
 * distinct peers, a fraction `near` of them close to itself, and the picks are made
 * undirected.
 *
 * Placement (gb_topology_ctx): nodes sit on ranks in contiguous blocks (rank r holds
 * [r*base + min(r, rem), ...) with base = n/ranks, rem = n%ranks), and ctx gives each
 * rank's host and NUMA node. With ctx == NULL, or ctx->ranks < 1, all nodes count as one
 * rank; with ctx->host == NULL every rank is its own host; a NULL numa array, or a
 * negative entry, means the NUMA node is unknown. Core ids are not used: the rank is the
 * finest class, and nodes of one rank share its core anyway. Nothing of ctx is kept in
 * the instance.
 *
 * Classes: relative to a node u, every other node v is in exactly one class:
 *   0 same rank,
 *   1 same NUMA node, another rank (only when both NUMA nodes are known),
 *   2 same host, neither of the above,
 *   3 another host.
 *
 * The exact rule for one node u: it makes d picks, each a node it has not picked yet
 * (never u itself). A pick is local with probability `near` (one uniform draw compared
 * with near, so near=0 never and near=1 always) and otherwise uniform.
 *   - A local pick first chooses a class among 0, 1, 2 that still holds a node u has not
 *     picked, with weights 4 : 2 : 1 (each class twice as likely as the next farther one;
 *     classes with nothing left get weight 0), then a node uniformly among that class's
 *     unpicked nodes. When classes 0-2 are all empty or used up, the pick is uniform.
 *   - A uniform pick is a node drawn uniformly among all unpicked nodes other than u
 *     (whatever its class).
 * Both draws reject already picked nodes and draw again, which is exactly "uniform among
 * the unpicked ones" and ends because a chosen class is never used up and d <= n-1.
 * The overlay is the undirected union of all picks: no self-loops, no duplicates, every
 * node has degree at least d. Rows are sorted, so the instance does not depend on the
 * order in which picks were made. Connectivity is computed by BFS (gb_topology_csr_init):
 * with near close to 1 and small hosts the overlay may fall apart into local islands.
 *
 * Determinism: node u draws from gb_rng(seed, trial = chunk, round 0, node u,
 * GB_RNG_TOPOLOGY), the chunk advancing every 2^22 values (far below the stream's bound),
 * so the overlay depends only on (n, d, near, seed, placement) and is the same on every
 * rank. Memory: the picks (4*n*d bytes) plus the two-way adjacency before deduplication
 * (8*n*d) at the peak; the result keeps at most the latter plus 8*(n+1) offsets. */
#include "gb_topology.h"
#include "gb_rng.h"
#include "csr_build.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Instances point back at the ops struct defined at the end of this file. */

#define LOC_CHUNK_DRAWS (1u << 22)

/* Weights of classes 0, 1, 2 for a local pick. */
static const uint32_t loc_weight[3] = {4, 2, 1};

/* Placement of the nodes, in a form that makes the classes contiguous ranges. Ranks are
 * sorted by (host, NUMA node, rank) into positions; pre[] are the node counts summed along
 * that order, so the nodes of the positions [lo, hi) are the index range
 * [pre[lo], pre[hi]) of a virtual list, which is what a uniform draw from a class needs. */
typedef struct loc_place {
    uint64_t n, base, rem;
    uint32_t ranks;
    uint32_t *order;            /* position -> rank */
    uint32_t *pos;              /* rank -> position */
    uint64_t *pre;              /* ranks + 1 prefix sums of node counts along order */
    uint32_t *host_lo, *host_hi; /* per position: the positions of its host */
    uint32_t *numa_lo, *numa_hi; /* per position: its NUMA node's (itself when unknown) */
} loc_place;

typedef struct loc_key {
    int host, numa;
    uint32_t rank;
} loc_key;

static int cmp_key(const void *pa, const void *pb)
{
    const loc_key *a = pa, *b = pb;
    if (a->host != b->host)
        return a->host < b->host ? -1 : 1;
    if (a->numa != b->numa)
        return a->numa < b->numa ? -1 : 1;
    return (a->rank > b->rank) - (a->rank < b->rank);
}

static uint64_t rank_lo(const loc_place *pl, uint64_t r)
{
    return r * pl->base + (r < pl->rem ? r : pl->rem);
}

static uint64_t rank_count(const loc_place *pl, uint64_t r)
{
    return pl->base + (r < pl->rem);
}

static uint32_t rank_of(const loc_place *pl, uint64_t v)
{
    uint64_t big = pl->base + 1;
    if (v < pl->rem * big)
        return (uint32_t)(v / big);
    return (uint32_t)(pl->rem + (v - pl->rem * big) / pl->base); /* base > 0 here */
}

/* The node at index i of the virtual list ordered by position. */
static gb_node_t node_at(const loc_place *pl, uint64_t i)
{
    /* Last position s with pre[s] <= i; then pre[s+1] > i, so position s holds nodes. */
    uint32_t lo = 0, hi = pl->ranks; /* answer in [lo, hi) */
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (pl->pre[mid] <= i)
            lo = mid;
        else
            hi = mid;
    }
    return (gb_node_t)(rank_lo(pl, pl->order[lo]) + (i - pl->pre[lo]));
}

static void place_free(loc_place *pl)
{
    free(pl->order);
    free(pl->pos);
    free(pl->pre);
    free(pl->host_lo);
    free(pl->host_hi);
    free(pl->numa_lo);
    free(pl->numa_hi);
}

/* Builds the placement tables; 0 or GB_ENOMEM. */
static int place_init(loc_place *pl, uint64_t n, const gb_topology_ctx *ctx)
{
    memset(pl, 0, sizeof *pl);
    uint32_t ranks = (ctx != NULL && ctx->ranks > 0) ? (uint32_t)ctx->ranks : 1;
    pl->n = n;
    pl->ranks = ranks;
    pl->base = n / ranks;
    pl->rem = n % ranks;
    loc_key *keys = malloc((size_t)ranks * sizeof *keys);
    pl->order = malloc((size_t)ranks * sizeof *pl->order);
    pl->pos = malloc((size_t)ranks * sizeof *pl->pos);
    pl->pre = malloc(((size_t)ranks + 1) * sizeof *pl->pre);
    pl->host_lo = malloc((size_t)ranks * sizeof *pl->host_lo);
    pl->host_hi = malloc((size_t)ranks * sizeof *pl->host_hi);
    pl->numa_lo = malloc((size_t)ranks * sizeof *pl->numa_lo);
    pl->numa_hi = malloc((size_t)ranks * sizeof *pl->numa_hi);
    if (keys == NULL || pl->order == NULL || pl->pos == NULL || pl->pre == NULL ||
        pl->host_lo == NULL || pl->host_hi == NULL || pl->numa_lo == NULL ||
        pl->numa_hi == NULL) {
        free(keys);
        place_free(pl);
        return GB_ENOMEM;
    }
    int known = ctx != NULL && ctx->ranks > 0 && ctx->host != NULL;
    for (uint32_t r = 0; r < ranks; r++) {
        keys[r].rank = r;
        /* Unknown hosts: every rank on its own (rank ids are distinct host keys). */
        keys[r].host = known ? ctx->host[r] : (int)r;
        keys[r].numa = (known && ctx->numa != NULL && ctx->numa[r] >= 0) ? ctx->numa[r] : -1;
    }
    qsort(keys, ranks, sizeof *keys, cmp_key);
    pl->pre[0] = 0;
    for (uint32_t s = 0; s < ranks; s++) {
        pl->order[s] = keys[s].rank;
        pl->pos[keys[s].rank] = s;
        pl->pre[s + 1] = pl->pre[s] + rank_count(pl, keys[s].rank);
    }
    /* Runs of equal host, and within them of equal known NUMA node. */
    for (uint32_t s = 0; s < ranks;) {
        uint32_t e = s;
        while (e < ranks && keys[e].host == keys[s].host)
            e++;
        for (uint32_t i = s; i < e;) {
            uint32_t j = i + 1;
            if (keys[i].numa >= 0)
                while (j < e && keys[j].numa == keys[i].numa)
                    j++;
            for (uint32_t q = i; q < j; q++) {
                pl->host_lo[q] = s;
                pl->host_hi[q] = e;
                pl->numa_lo[q] = i;
                pl->numa_hi[q] = j;
            }
            i = j;
        }
        s = e;
    }
    free(keys);
    return GB_OK;
}

/* A node's random stream, re-keyed every LOC_CHUNK_DRAWS values so that no stream is
 * drawn past GB_RNG_MAX_DRAWS however many rejections a dense request needs. */
typedef struct loc_stream {
    gb_rng rng;
    uint64_t seed;
    uint32_t node, chunk, drawn;
} loc_stream;

static void stream_init(loc_stream *s, uint64_t seed, uint32_t node)
{
    s->seed = seed;
    s->node = node;
    s->chunk = 0;
    s->drawn = 0;
    gb_rng_init(&s->rng, seed, 0, 0, node, GB_RNG_TOPOLOGY);
}

static void stream_tick(loc_stream *s)
{
    if (++s->drawn == LOC_CHUNK_DRAWS) {
        s->drawn = 0;
        gb_rng_init(&s->rng, s->seed, ++s->chunk, 0, s->node, GB_RNG_TOPOLOGY);
    }
}

static uint64_t stream_below(loc_stream *s, uint64_t bound)
{
    stream_tick(s);
    return gb_rng_below(&s->rng, bound);
}

static double stream_uniform01(loc_stream *s)
{
    stream_tick(s);
    return gb_rng_uniform01(&s->rng);
}

/* The d picks of node u into row[0..d). stamp[v] == u+1 marks v as picked by u. */
static void pick_row(const loc_place *pl, uint64_t u, uint32_t d, double near, uint64_t seed,
                     uint32_t *stamp, gb_node_t *row)
{
    uint32_t r = rank_of(pl, u), q = pl->pos[r];
    uint64_t own = rank_count(pl, r), lo = rank_lo(pl, r);
    uint32_t hl = pl->host_lo[q], hh = pl->host_hi[q];
    uint32_t nl = pl->numa_lo[q], nh = pl->numa_hi[q];
    uint64_t numa_nodes = pl->pre[nh] - pl->pre[nl];
    uint64_t size[3] = {own - 1, numa_nodes - own, pl->pre[hh] - pl->pre[hl] - numa_nodes};
    uint64_t taken[3] = {0, 0, 0};
    uint32_t mark = (uint32_t)(u + 1);
    loc_stream s;
    stream_init(&s, seed, (uint32_t)u);

    for (uint32_t i = 0; i < d; i++) {
        int cls = 3;
        if (near > 0 && stream_uniform01(&s) < near) {
            uint32_t w = 0;
            for (int c = 0; c < 3; c++)
                w += taken[c] < size[c] ? loc_weight[c] : 0;
            if (w > 0) {
                uint32_t x = (uint32_t)stream_below(&s, w);
                for (cls = 0; cls < 3; cls++) {
                    uint32_t wc = taken[cls] < size[cls] ? loc_weight[cls] : 0;
                    if (x < wc)
                        break;
                    x -= wc;
                }
            }
        }
        gb_node_t v;
        for (;;) {
            uint64_t x;
            switch (cls) {
            case 0: /* the rank's own block, skipping u */
                x = lo + stream_below(&s, own - 1);
                v = (gb_node_t)(x >= u ? x + 1 : x);
                break;
            case 1: /* the NUMA node's positions, skipping u's rank */
                x = pl->pre[nl] + stream_below(&s, numa_nodes - own);
                v = node_at(pl, x >= pl->pre[q] ? x + own : x);
                break;
            case 2: /* the host's positions, skipping the NUMA node's */
                x = pl->pre[hl] + stream_below(&s, size[2]);
                v = node_at(pl, x >= pl->pre[nl] ? x + numa_nodes : x);
                break;
            default: /* anyone but u */
                x = stream_below(&s, pl->n - 1);
                v = (gb_node_t)(x >= u ? x + 1 : x);
                break;
            }
            if (stamp[v] != mark)
                break;
        }
        stamp[v] = mark;
        row[i] = v;
        if (cls == 3) { /* a uniform pick may still land in a near class: count it there */
            uint32_t rv = rank_of(pl, v), pv = pl->pos[rv];
            cls = rv == r ? 0 : (pv >= nl && pv < nh) ? 1 : (pv >= hl && pv < hh) ? 2 : 3;
        }
        if (cls < 3)
            taken[cls]++;
    }
}

static const gb_param_desc loc_params[] = {
    {.name = "d",
     .type = GB_PARAM_INT,
     .def = "8",
     .min = 1,
     .max = 4294967294.0,
     .help = "distinct peers each node picks (degree >= d after symmetrising; d < n)"},
    {.name = "near",
     .type = GB_PARAM_DOUBLE,
     .def = "0.75",
     .min = 0,
     .max = 1,
     .help = "fraction of picks among same rank/NUMA/host (weights 4:2:1), rest uniform"},
    {.name = NULL},
};

static int loc_create(const gb_params *params, uint64_t n, uint64_t seed,
                      const gb_topology_ctx *ctx, gb_topology **out, char *err)
{
    *out = NULL;
    if (n > GB_NODE_MAX)
        return gb_seterr(err, GB_ERANGE, "topology 'locality': n=%llu exceeds %llu nodes",
                         (unsigned long long)n, (unsigned long long)GB_NODE_MAX);
    int64_t dd = gb_params_int(params, "d");
    if (dd < 1 || (uint64_t)dd >= n)
        return gb_seterr(err, GB_EINVAL, "topology 'locality': d=%lld must be in [1, n-1] "
                         "with n=%llu", (long long)dd, (unsigned long long)n);
    double near = gb_params_double(params, "near");
    if (!(near >= 0.0 && near <= 1.0))
        return gb_seterr(err, GB_ERANGE, "topology 'locality': near=%g is not in [0, 1]", near);
    uint64_t d = (uint64_t)dd;
    if (n * d > SIZE_MAX / (2 * sizeof(gb_node_t)))
        return gb_seterr(err, GB_ENOMEM, "topology 'locality': n*d=%llu is too large",
                         (unsigned long long)(n * d));

    int rc;
    loc_place pl;
    gb_node_t *picks = NULL, *adj = NULL;
    uint32_t *stamp = NULL;
    uint64_t *off = NULL;
    gb_topology *t = NULL;
    if (place_init(&pl, n, ctx) < 0)
        return gb_seterr(err, GB_ENOMEM, "topology 'locality': out of memory for %d ranks",
                         ctx != NULL ? ctx->ranks : 1);

    picks = malloc((size_t)(n * d) * sizeof *picks);
    stamp = calloc((size_t)n, sizeof *stamp);
    off = calloc((size_t)n + 1, sizeof *off);
    if (picks == NULL || stamp == NULL || off == NULL)
        goto nomem;
    for (uint64_t u = 0; u < n; u++)
        pick_row(&pl, u, (uint32_t)d, near, seed, stamp, picks + u * d);
    free(stamp);
    stamp = NULL;

    /* Two-way adjacency with repeats (u picked v and v picked u), then sorted rows with the
     * repeats squeezed out in place. off[u+1] first counts u's entries. */
    gb_csr_count_rows(off, n, picks, d);
    adj = malloc((size_t)off[n] * sizeof *adj);
    if (adj == NULL)
        goto nomem;
    gb_csr_fill_rows(off, adj, n, picks, d);
    free(picks);
    picks = NULL;
    uint64_t w = gb_csr_sort_dedup(off, adj, n);
    gb_node_t *shrunk = realloc(adj, (size_t)w * sizeof *adj);
    if (shrunk != NULL)
        adj = shrunk;

    t = calloc(1, sizeof *t);
    if (t == NULL)
        goto nomem;
    rc = gb_topology_csr_init(t, &gb_topology_locality, n, off, adj);
    off = NULL; /* taken over by csr_init, also on error */
    adj = NULL;
    if (rc < 0) {
        rc = gb_seterr(err, rc, "topology 'locality': internal error building CSR");
        goto fail;
    }
    t->complete = 0;
    place_free(&pl);
    *out = t;
    return GB_OK;

nomem:
    rc = gb_seterr(err, GB_ENOMEM, "topology 'locality': out of memory for n=%llu d=%llu",
                   (unsigned long long)n, (unsigned long long)d);
fail:
    free(t);
    free(picks);
    free(stamp);
    free(off);
    free(adj);
    place_free(&pl);
    return rc;
}

/* Peak heap bytes create() needs, for the driver's memory check before generation. */
static uint64_t loc_estimate(const gb_params *p, uint64_t nodes)
{
    double n = (double)nodes;
    double d = (double)gb_params_int(p, "d");
    return gb_sat_u64(8.0 * (n + 1) + 20.0 * n * d); /* picks, symmetrised CSR */
}

const gb_topology_ops gb_topology_locality = {
    .name = "locality",
    .help = "random overlay from rank placement: d picks per node, a fraction near among "
            "same rank/NUMA/host, undirected (CSR)",
    .params = loc_params,
    .create = loc_create,
    .estimate_bytes = loc_estimate,
};
