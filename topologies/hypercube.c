/* hypercube.c: the hypercube Q_m on n = 2^m nodes, where u and v are neighbours when
 * their ids differ in exactly one bit.
 *
 * Neighbour k of u is u ^ (1 << k), so the graph is implicit, every node has degree
 * m = log2 n and the diameter is m: a classic low-diameter overlay for gossip. n must be a
 * power of two of at least 2; rounding n up or down silently would change the experiment,
 * so other values are an error. */
#include "gb_topology.h"

#include <stdlib.h>

typedef struct hypercube_topology {
    gb_topology base; /* first, so a gb_topology pointer is also a hypercube_topology one */
    uint32_t dim;     /* m = log2 n */
} hypercube_topology;

static uint32_t hypercube_degree(const gb_topology *t, gb_node_t u)
{
    (void)u;
    return ((const hypercube_topology *)t)->dim;
}

static gb_node_t hypercube_neighbor(const gb_topology *t, gb_node_t u, uint32_t k)
{
    (void)t;
    return u ^ ((gb_node_t)1 << k);
}

static void hypercube_destroy(gb_topology *t)
{
    free(t);
}

static const gb_param_desc hypercube_params[] = {{.name = NULL}};

static int hypercube_create(const gb_params *params, uint64_t n, uint64_t seed,
                            const gb_topology_ctx *ctx, gb_topology **out, char *err)
{
    (void)ctx; /* placement does not shape this overlay */
    (void)params;
    (void)seed;
    *out = NULL;
    if (n > GB_NODE_MAX)
        return gb_seterr(err, GB_ERANGE, "topology 'hypercube': n=%llu exceeds %llu nodes",
                         (unsigned long long)n, (unsigned long long)GB_NODE_MAX);
    if (n < 2 || (n & (n - 1)) != 0)
        return gb_seterr(err, GB_EINVAL,
                         "topology 'hypercube': n=%llu is not a power of two >= 2",
                         (unsigned long long)n);
    uint32_t dim = 0;
    while (((uint64_t)1 << dim) < n)
        dim++;
    hypercube_topology *h = calloc(1, sizeof *h);
    if (h == NULL)
        return gb_seterr(err, GB_ENOMEM, "topology 'hypercube': out of memory");
    h->dim = dim;
    gb_topology *t = &h->base;
    t->ops = &gb_topology_hypercube;
    t->n = n;
    t->min_degree = t->max_degree = dim;
    t->edges = n / 2 * dim;
    t->connected = 1;
    t->degree = hypercube_degree;
    t->neighbor = hypercube_neighbor;
    t->destroy = hypercube_destroy;
    t->bytes = sizeof *h;
    *out = t;
    return GB_OK;
}

const gb_topology_ops gb_topology_hypercube = {
    .name = "hypercube",
    .help = "hypercube on n = 2^m nodes: neighbours differ in one bit of the id (implicit)",
    .params = hypercube_params,
    .create = hypercube_create,
};
