/* small_world.c: the Watts–Strogatz small-world graph (Watts and Strogatz, "Collective
 * dynamics of 'small-world' networks", Nature 393, 1998).
 *
 * Method, as networkx's watts_strogatz_graph: start from the ring lattice in which node u
 * is linked to u+1, ..., u+k (mod n), so every node has k neighbours on each side (the
 * ring topology's C_n^k). Then, for j = 1..k and u = 0..n-1 in that order, the lattice
 * edge (u, u+j) is rewired with probability beta: it becomes (u, w) for w uniform among
 * the nodes that are neither u nor already adjacent to u. A node that is adjacent to
 * everyone keeps its edge. No self-loops or duplicate edges arise, the edge count stays
 * n*k, and every node keeps at least its own k edges. beta = 0 is the lattice, beta = 1
 * is close to a random graph of minimum degree k.
 *
 * Each edge is owned by the node u it was drawn from, and rewiring never changes the
 * owner, so the whole dynamic graph is one array of n*k targets (target[u*k + j-1]) plus
 * an in-degree per node: u and w are adjacent iff w is among u's k targets or u among
 * w's, an O(k) test. Memory during generation: 4 bytes per edge and 4 per node (half of
 * a directed-edge CSR), then the final CSR (8 bytes per node + 4 per directed edge) is
 * filled from it and each row sorted. Time O(n k (k + 1/(1 - deg/n))) ~ O(n k^2).
 *
 * Determinism: all coins and targets come, in the order above, from gb_rng(seed,
 * trial = chunk, round 0, node 0, GB_RNG_TOPOLOGY), a new chunk every 2^22 draws so that
 * no stream passes GB_RNG_MAX_DRAWS. The graph depends only on (n, k, beta, seed). */
#include "gb_topology.h"
#include "gb_rng.h"
#include "csr_build.h"

#include <math.h>
#include <stdlib.h>

/* Draws come from one gb_csr_stream (csr_build.h): round 0, node 0, a new chunk every
 * GB_CSR_CHUNK_DRAWS calls. */

static int adjacent(const gb_node_t *target, uint32_t k, gb_node_t u, gb_node_t w)
{
    const gb_node_t *a = target + (size_t)u * k, *b = target + (size_t)w * k;
    for (uint32_t i = 0; i < k; i++)
        if (a[i] == w || b[i] == u)
            return 1;
    return 0;
}

static const gb_param_desc sw_params[] = {
    {.name = "k",
     .type = GB_PARAM_INT,
     .def = "2",
     .min = 1,
     .max = 2147483647.0,
     .help = "lattice neighbours on each side (mean degree 2k; needs 2k < n)"},
    {.name = "beta",
     .type = GB_PARAM_DOUBLE,
     .def = "0.1",
     .min = 0.0,
     .max = 1.0,
     .help = "probability of rewiring each lattice edge to a uniform non-neighbour"},
    {.name = NULL},
};

static int sw_create(const gb_params *params, uint64_t n, uint64_t seed,
                     const gb_topology_ctx *ctx, gb_topology **out, char *err)
{
    (void)ctx; /* placement does not shape this overlay */
    *out = NULL;
    if (n == 0)
        return gb_seterr(err, GB_EINVAL, "topology 'small-world': needs at least 1 node");
    if (n > GB_NODE_MAX)
        return gb_seterr(err, GB_ERANGE, "topology 'small-world': n=%llu exceeds %llu nodes",
                         (unsigned long long)n, (unsigned long long)GB_NODE_MAX);
    int64_t kk = gb_params_int(params, "k");
    double beta = gb_params_double(params, "beta");
    if (kk < 1 || kk > 2147483647)
        return gb_seterr(err, GB_ERANGE, "topology 'small-world': k=%lld is out of range",
                         (long long)kk);
    if (!(beta >= 0.0 && beta <= 1.0))
        return gb_seterr(err, GB_ERANGE, "topology 'small-world': beta=%g is not in [0, 1]",
                         beta);
    if (2 * (uint64_t)kk >= n)
        return gb_seterr(err, GB_EINVAL,
                         "topology 'small-world': k=%lld needs n > 2k=%llu, got n=%llu",
                         (long long)kk, 2 * (unsigned long long)kk, (unsigned long long)n);
    uint32_t k = (uint32_t)kk;
    uint64_t nk = n * k; /* < n^2/2 < 2^63 */
    if (nk > SIZE_MAX / (2 * sizeof(gb_node_t)))
        return gb_seterr(err, GB_ENOMEM, "topology 'small-world': n*k=%llu is too large",
                         (unsigned long long)nk);

    int rc;
    gb_topology *t = NULL;
    gb_node_t *adj = NULL;
    uint64_t *off = NULL;
    gb_node_t *target = malloc((size_t)nk * sizeof *target);
    uint32_t *indeg = malloc((size_t)n * sizeof *indeg);
    if (target == NULL || indeg == NULL)
        goto nomem;
    for (uint64_t u = 0; u < n; u++) {
        indeg[u] = k; /* in the lattice, u-k .. u-1 own an edge to u */
        for (uint32_t j = 1; j <= k; j++)
            target[u * k + j - 1] = (gb_node_t)((u + j) % n);
    }

    if (beta > 0.0) {
        gb_csr_stream s;
        gb_csr_stream_init(&s, seed, 0, 0);
        for (uint32_t j = 1; j <= k; j++) {
            for (uint64_t uu = 0; uu < n; uu++) {
                gb_node_t u = (gb_node_t)uu;
                if (!(gb_rng_uniform01(gb_csr_stream_rng(&s)) < beta))
                    continue;
                /* A node adjacent to all others has nowhere to go (networkx's degree
                 * check); otherwise rejection finds a non-neighbour. */
                if ((uint64_t)k + indeg[u] >= n - 1)
                    continue;
                gb_node_t w;
                do
                    w = (gb_node_t)gb_rng_below(gb_csr_stream_rng(&s), n);
                while (w == u || adjacent(target, k, u, w));
                gb_node_t *slot = &target[uu * k + j - 1];
                indeg[*slot]--;
                indeg[w]++;
                *slot = w;
            }
        }
    }

    /* CSR: degree of u is its k own edges plus the edges others own to it. */
    off = malloc((size_t)(n + 1) * sizeof *off);
    adj = malloc((size_t)(2 * nk) * sizeof *adj);
    t = calloc(1, sizeof *t);
    if (off == NULL || adj == NULL || t == NULL)
        goto nomem;
    off[0] = 0;
    for (uint64_t u = 0; u < n; u++)
        off[u + 1] = off[u] + k + indeg[u];
    free(indeg);
    indeg = NULL;
    gb_csr_fill_rows(off, adj, n, target, k);
    free(target);
    target = NULL;
    for (uint64_t u = 0; u < n; u++)
        gb_csr_sort_row(adj + off[u], off[u + 1] - off[u]);

    rc = gb_topology_csr_init(t, &gb_topology_small_world, n, off, adj);
    if (rc < 0) {
        free(t);
        return gb_seterr(err, rc, "topology 'small-world': internal error building CSR");
    }
    *out = t;
    return GB_OK;

nomem:
    rc = gb_seterr(err, GB_ENOMEM, "topology 'small-world': out of memory for n=%llu k=%u",
                   (unsigned long long)n, k);
    free(t);
    free(adj);
    free(off);
    free(target);
    free(indeg);
    return rc;
}

/* Peak heap bytes create() needs, for the driver's memory check before generation. */
static uint64_t sw_estimate(const gb_params *p, uint64_t nodes)
{
    double n = (double)nodes;
    double k = (double)gb_params_int(p, "k");
    return gb_sat_u64(8.0 * (n + 1) + 12.0 * n * k); /* CSR + edge scratch */
}

const gb_topology_ops gb_topology_small_world = {
    .name = "small-world",
    .help = "Watts-Strogatz: ring lattice (k per side) with each edge rewired with prob. beta, CSR",
    .params = sw_params,
    .create = sw_create,
    .estimate_bytes = sw_estimate,
};
