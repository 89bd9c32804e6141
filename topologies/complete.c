/* complete.c: the complete graph K_n, where every node is a neighbour of every other.
 *
 * It is implicit: storing n(n-1) neighbour ids would cost gigabytes at the node counts the
 * benchmark is meant for, while neighbour k of u is simply the k-th id after skipping u.
 * That makes the order "all other ids ascending", which the engine's uniform peer choice
 * relies on only through its being fixed. */
#include "gb_topology.h"

#include <stdlib.h>

static uint32_t complete_degree(const gb_topology *t, gb_node_t u)
{
    (void)u;
    return (uint32_t)(t->n - 1);
}

static gb_node_t complete_neighbor(const gb_topology *t, gb_node_t u, uint32_t k)
{
    (void)t;
    return k < u ? k : k + 1;
}

static void complete_destroy(gb_topology *t)
{
    free(t);
}

static const gb_param_desc complete_params[] = {{.name = NULL}};

static int complete_create(const gb_params *params, uint64_t n, uint64_t seed,
                           const gb_topology_ctx *ctx, gb_topology **out, char *err)
{
    (void)ctx; /* placement does not shape this overlay */
    (void)params;
    (void)seed;
    *out = NULL;
    if (n == 0)
        return gb_seterr(err, GB_EINVAL, "topology 'complete': needs at least 1 node");
    if (n > GB_NODE_MAX)
        return gb_seterr(err, GB_ERANGE, "topology 'complete': n=%llu exceeds %llu nodes",
                         (unsigned long long)n, (unsigned long long)GB_NODE_MAX);
    gb_topology *t = calloc(1, sizeof *t);
    if (t == NULL)
        return gb_seterr(err, GB_ENOMEM, "topology 'complete': out of memory");
    t->ops = &gb_topology_complete;
    t->n = n;
    t->min_degree = t->max_degree = (uint32_t)(n - 1);
    t->edges = n * (n - 1) / 2;
    t->connected = 1;
    t->complete = 1;
    t->degree = complete_degree;
    t->neighbor = complete_neighbor;
    t->destroy = complete_destroy;
    t->bytes = sizeof *t;
    *out = t;
    return GB_OK;
}

const gb_topology_ops gb_topology_complete = {
    .name = "complete",
    .help = "complete graph: every node is a neighbour of every other (implicit, no memory)",
    .params = complete_params,
    .create = complete_create,
};
