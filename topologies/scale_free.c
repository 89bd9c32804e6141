/* scale_free.c: the Barabási–Albert preferential-attachment graph (Barabási and Albert,
 * "Emergence of scaling in random networks", Science 286, 1999), as networkx's
 * barabasi_albert_graph builds it.
 *
 * Seed graph: the star on nodes 0..m (centre 0, leaves 1..m), m edges. Then each new node
 * s = m+1, ..., n-1 links to m distinct existing nodes, each chosen with probability
 * proportional to its current degree. The graph is connected, has m + (n-m-1) m edges,
 * and its degree distribution has the power-law tail P(deg >= d) ~ m(m+1) / d^2
 * (Bollobás, Riordan, Spencer and Tusnády 2001).
 *
 * Degree-proportional choice uses networkx's repeated-endpoint list, in which every node
 * appears once per incident edge: the star contributes [0 x m, 1, 2, ..., m], and node s
 * then appends its m targets followed by s itself m times. A uniform position in that
 * list is a degree-proportional node. The list is never stored: it is made of blocks of
 * 2m entries (the star, then one per new node), and the second half of block s is
 * "s, m times", so only the targets are kept, m per new node. Repeated picks for one node
 * are redrawn (networkx's set), detected with a per-node stamp. O(n m) expected time.
 *
 * The targets are also the edge list, so the CSR is filled from them: node s's row gets
 * its sorted targets (all < s) when s is reached and later nodes (> s, ascending) after,
 * so rows come out sorted. Memory during generation: 4 bytes per edge (targets) and 4 per
 * node (stamps), then the final CSR (8 bytes per node + 4 per directed edge).
 *
 * Determinism: all draws come, in node order, from gb_rng(seed, trial = chunk, round 0,
 * node 0, GB_RNG_TOPOLOGY), a new chunk every 2^22 draws so that no stream passes
 * GB_RNG_MAX_DRAWS. The graph depends only on (n, m, seed). */
#include "gb_topology.h"
#include "gb_rng.h"
#include "csr_build.h"

#include <math.h>
#include <stdlib.h>

/* Draws come from one gb_csr_stream (csr_build.h): round 0, node 0, a new chunk every
 * GB_CSR_CHUNK_DRAWS calls. */

static int cmp_node(const void *pa, const void *pb)
{
    gb_node_t a = *(const gb_node_t *)pa, b = *(const gb_node_t *)pb;
    return (a > b) - (a < b);
}

static void sort_block(gb_node_t *row, uint32_t len)
{
    if (len > 32) {
        qsort(row, len, sizeof *row, cmp_node);
        return;
    }
    for (uint32_t i = 1; i < len; i++) {
        gb_node_t x = row[i];
        uint32_t j = i;
        for (; j > 0 && row[j - 1] > x; j--)
            row[j] = row[j - 1];
        row[j] = x;
    }
}

static const gb_param_desc ba_params[] = {
    {.name = "m",
     .type = GB_PARAM_INT,
     .def = "3",
     .min = 1,
     .max = 4294967294.0,
     .help = "edges from each new node (mean degree about 2m; seed graph: star on m+1 nodes; "
             "needs m < n)"},
    {.name = NULL},
};

static int ba_create(const gb_params *params, uint64_t n, uint64_t seed,
                     const gb_topology_ctx *ctx, gb_topology **out, char *err)
{
    (void)ctx; /* placement does not shape this overlay */
    *out = NULL;
    if (n == 0)
        return gb_seterr(err, GB_EINVAL, "topology 'scale-free': needs at least 1 node");
    if (n > GB_NODE_MAX)
        return gb_seterr(err, GB_ERANGE, "topology 'scale-free': n=%llu exceeds %llu nodes",
                         (unsigned long long)n, (unsigned long long)GB_NODE_MAX);
    int64_t mm = gb_params_int(params, "m");
    if (mm < 1 || (uint64_t)mm >= n)
        return gb_seterr(err, GB_EINVAL,
                         "topology 'scale-free': m=%lld must be in [1, n-1] with n=%llu",
                         (long long)mm, (unsigned long long)n);
    uint32_t m = (uint32_t)mm;
    uint64_t grown = n - m - 1;         /* nodes added after the star */
    uint64_t edges = m + grown * m;     /* < n^2 < 2^64 */
    if (edges > SIZE_MAX / (2 * sizeof(gb_node_t)))
        return gb_seterr(err, GB_ENOMEM, "topology 'scale-free': %llu edges are too many",
                         (unsigned long long)edges);

    int rc;
    gb_topology *t = NULL;
    gb_node_t *adj = NULL;
    uint64_t *off = NULL;
    gb_node_t *target = malloc((size_t)(grown > 0 ? grown * m : 1) * sizeof *target);
    uint32_t *stamp = calloc((size_t)n, sizeof *stamp);
    if (target == NULL || stamp == NULL)
        goto nomem;

    gb_csr_stream s;
    gb_csr_stream_init(&s, seed, 0, 0);
    for (uint64_t src = m + 1; src < n; src++) {
        gb_node_t *tg = target + (src - m - 1) * m;
        uint64_t blocks = src - m; /* star + earlier new nodes, 2m list entries each */
        uint64_t len = blocks * 2 * m;
        for (uint32_t i = 0; i < m;) {
            uint64_t pos = gb_rng_below(gb_csr_stream_rng(&s), len);
            uint64_t b = pos / (2 * (uint64_t)m), o = pos % (2 * (uint64_t)m);
            gb_node_t x;
            if (b == 0) /* the star: [0 x m, 1 .. m] */
                x = o < m ? 0 : (gb_node_t)(o - m + 1);
            else if (o < m) /* block of node m+b: its targets, then itself m times */
                x = target[(b - 1) * m + o];
            else
                x = (gb_node_t)(m + b);
            /* Stamps hold the source + 1 of the last pick, so 0 means never picked. */
            if (stamp[x] == (uint32_t)(src + 1))
                continue;
            stamp[x] = (uint32_t)(src + 1);
            tg[i++] = x;
        }
        /* The list is a multiset: sorting a block changes no probability, and sorted
         * targets keep the CSR rows sorted below. */
        sort_block(tg, m);
    }
    free(stamp);
    stamp = NULL;

    off = calloc((size_t)n + 1, sizeof *off);
    adj = malloc((size_t)(2 * edges) * sizeof *adj);
    t = calloc(1, sizeof *t);
    if (off == NULL || adj == NULL || t == NULL)
        goto nomem;
    /* Degrees in off[u + 1], then offsets. */
    off[1] += m;
    for (uint32_t leaf = 1; leaf <= m; leaf++)
        off[leaf + 1]++;
    for (uint64_t src = m + 1; src < n; src++) {
        off[src + 1] += m;
        for (uint32_t i = 0; i < m; i++)
            off[(uint64_t)target[(src - m - 1) * m + i] + 1]++;
    }
    for (uint64_t u = 0; u < n; u++)
        off[u + 1] += off[u];
    /* Fill in node order with off[u] as the cursor of row u, then shift back. */
    for (uint32_t leaf = 1; leaf <= m; leaf++) {
        adj[off[0]++] = leaf;
        adj[off[leaf]++] = 0;
    }
    for (uint64_t src = m + 1; src < n; src++) {
        for (uint32_t i = 0; i < m; i++) {
            gb_node_t x = target[(src - m - 1) * m + i];
            adj[off[src]++] = x;
            adj[off[x]++] = (gb_node_t)src;
        }
    }
    free(target);
    target = NULL;
    for (uint64_t u = n; u > 0; u--)
        off[u] = off[u - 1];
    off[0] = 0;

    rc = gb_topology_csr_init(t, &gb_topology_scale_free, n, off, adj);
    if (rc < 0) {
        free(t);
        return gb_seterr(err, rc, "topology 'scale-free': internal error building CSR");
    }
    *out = t;
    return GB_OK;

nomem:
    rc = gb_seterr(err, GB_ENOMEM, "topology 'scale-free': out of memory for n=%llu m=%u",
                   (unsigned long long)n, m);
    free(t);
    free(adj);
    free(off);
    free(target);
    free(stamp);
    return rc;
}

/* Peak heap bytes create() needs, for the driver's memory check before generation. */
static uint64_t ba_estimate(const gb_params *p, uint64_t nodes)
{
    double n = (double)nodes;
    double m = (double)gb_params_int(p, "m");
    return gb_sat_u64(8.0 * (n + 1) + 12.0 * n * m); /* CSR + targets */
}

const gb_topology_ops gb_topology_scale_free = {
    .name = "scale-free",
    .help = "Barabasi-Albert preferential attachment: each new node links to m nodes by degree, CSR",
    .params = ba_params,
    .create = ba_create,
    .estimate_bytes = ba_estimate,
};
