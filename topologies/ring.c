/* ring.c: the ring lattice C_n^k, where node u is linked to the k nearest nodes on each
 * side (u-k .. u-1 and u+1 .. u+k, modulo n). k=1 is the plain cycle.
 *
 * Requiring 2k < n keeps the 2k neighbours distinct (with 2k >= n the two sides would
 * wrap onto each other and repeat ids), so every node has degree exactly 2k and the
 * lattice has n*k edges. The graph is implicit: neighbour ids are computed, not stored.
 * Neighbour order: u-k, ..., u-1, u+1, ..., u+k. */
#include "gb_topology.h"

#include <stdlib.h>

typedef struct ring_topology {
    gb_topology base; /* first, so a gb_topology pointer is also a ring_topology pointer */
    uint32_t k;
} ring_topology;

static uint32_t ring_degree(const gb_topology *t, gb_node_t u)
{
    (void)u;
    return 2 * ((const ring_topology *)t)->k;
}

static gb_node_t ring_neighbor(const gb_topology *t, gb_node_t u, uint32_t j)
{
    uint64_t k = ((const ring_topology *)t)->k, n = t->n;
    /* 64-bit arithmetic: u + n can exceed 2^32 when n is close to GB_NODE_MAX. */
    if (j < k)
        return (gb_node_t)(((uint64_t)u + n - k + j) % n);
    return (gb_node_t)(((uint64_t)u + j - k + 1) % n);
}

static void ring_destroy(gb_topology *t)
{
    free(t);
}

static const gb_param_desc ring_params[] = {
    {.name = "k",
     .type = GB_PARAM_INT,
     .def = "1",
     .min = 1,
     .max = 2147483647.0,
     .help = "neighbours on each side (degree 2k; needs 2k < n)"},
    {.name = NULL},
};

static int ring_create(const gb_params *params, uint64_t n, uint64_t seed,
                       const gb_topology_ctx *ctx, gb_topology **out, char *err)
{
    (void)ctx; /* placement does not shape this overlay */
    (void)seed;
    *out = NULL;
    if (n > GB_NODE_MAX)
        return gb_seterr(err, GB_ERANGE, "topology 'ring': n=%llu exceeds %llu nodes",
                         (unsigned long long)n, (unsigned long long)GB_NODE_MAX);
    int64_t k = gb_params_int(params, "k");
    if (k < 1 || k > 2147483647)
        return gb_seterr(err, GB_ERANGE, "topology 'ring': k=%lld is out of range",
                         (long long)k);
    if (2 * (uint64_t)k >= n)
        return gb_seterr(err, GB_EINVAL,
                         "topology 'ring': k=%lld needs n > 2k=%llu so that neighbours are "
                         "distinct, got n=%llu",
                         (long long)k, 2 * (unsigned long long)k, (unsigned long long)n);
    ring_topology *r = calloc(1, sizeof *r);
    if (r == NULL)
        return gb_seterr(err, GB_ENOMEM, "topology 'ring': out of memory");
    r->k = (uint32_t)k;
    gb_topology *t = &r->base;
    t->ops = &gb_topology_ring;
    t->n = n;
    t->min_degree = t->max_degree = 2 * r->k;
    t->edges = n * (uint64_t)k;
    t->connected = 1; /* the u -> u+1 links alone form a Hamiltonian cycle */
    t->degree = ring_degree;
    t->neighbor = ring_neighbor;
    t->destroy = ring_destroy;
    t->bytes = sizeof *r;
    *out = t;
    return GB_OK;
}

const gb_topology_ops gb_topology_ring = {
    .name = "ring",
    .help = "ring lattice: each node linked to the k nearest nodes on each side (implicit)",
    .params = ring_params,
    .create = ring_create,
};
