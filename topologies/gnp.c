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
 * log1p, so every rank of one run builds the same graph. The stream, the walk and both
 * passes live in csr_build.c, shared with gnm.c.
 *
 * Default p: 2 ln n / n, twice the connectivity threshold ln n / n, so that the default
 * graph (mean degree about 2 ln n) is connected with probability about 1 - 1/n. */
#include "gb_topology.h"
#include "gb_rng.h"
#include "csr_build.h"

#include <math.h>
#include <stdlib.h>

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

    /* Pass 1: degrees, counted in off[u + 1], then turned into row starts. */
    gb_pair_walk g;
    gb_pair_walk_start(&g, seed, 0, n, p);
    gb_csr_count_pairs(off, n, gb_pair_walk_batch, &g);
    if (off[n] > SIZE_MAX / sizeof *adj)
        goto nomem;
    adj = malloc((size_t)(off[n] > 0 ? off[n] : 1) * sizeof *adj);
    t = calloc(1, sizeof *t);
    if (adj == NULL || t == NULL)
        goto nomem;

    /* Pass 2: the same walk again, writing both directions in walk order, so rows stay
     * sorted (csr_build.c). */
    gb_pair_walk_start(&g, seed, 0, n, p);
    gb_csr_fill_pairs(off, adj, n, gb_pair_walk_batch, &g);

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
    return gb_sat_u64(8.0 * (n + 1) + 1.1 * 8.0 * m); /* CSR, with slack for the binomial edge count */
}

const gb_topology_ops gb_topology_gnp = {
    .name = "gnp",
    .help = "Erdos-Renyi G(n,p): each pair an edge with probability p (geometric skipping), CSR",
    .params = gnp_params,
    .create = gnp_create,
    .estimate_bytes = gnp_estimate,
};
