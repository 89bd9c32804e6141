/* path.c: the path P_n, 0 - 1 - 2 - ... - (n-1).
 *
 * The path is the ring without its closing link: diameter n-1, the two ends have degree 1
 * and every other node degree 2. It is the slowest connected overlay for rumour spreading
 * and so bounds the round counts of every other one from above. Implicit: the neighbours
 * of u are u-1 (when u > 0) then u+1 (when u < n-1), in that order. n must be at least 2
 * (a single node has no peer). */
#include "gb_topology.h"

#include <stdlib.h>

/* Instances point back at the ops struct defined at the end of this file. */

static uint32_t path_degree(const gb_topology *t, gb_node_t u)
{
    return (uint32_t)(u > 0) + (uint32_t)((uint64_t)u + 1 < t->n);
}

static gb_node_t path_neighbor(const gb_topology *t, gb_node_t u, uint32_t k)
{
    (void)t;
    /* Slot 0 is u-1 except at node 0, whose only slot is u+1. */
    return (k == 0 && u > 0) ? u - 1 : u + 1;
}

static void path_destroy(gb_topology *t)
{
    free(t);
}

static const gb_param_desc path_params[] = {{.name = NULL}};

static int path_create(const gb_params *params, uint64_t n, uint64_t seed,
                       const gb_topology_ctx *ctx, gb_topology **out, char *err)
{
    (void)ctx; /* placement does not shape this overlay */
    (void)params;
    (void)seed;
    *out = NULL;
    if (n > GB_NODE_MAX)
        return gb_seterr(err, GB_ERANGE, "topology 'path': n=%llu exceeds %llu nodes",
                         (unsigned long long)n, (unsigned long long)GB_NODE_MAX);
    if (n < 2)
        return gb_seterr(err, GB_EINVAL, "topology 'path': needs at least 2 nodes, got n=%llu",
                         (unsigned long long)n);
    gb_topology *t = calloc(1, sizeof *t);
    if (t == NULL)
        return gb_seterr(err, GB_ENOMEM, "topology 'path': out of memory");
    t->ops = &gb_topology_path;
    t->n = n;
    t->min_degree = 1;
    t->max_degree = n > 2 ? 2 : 1;
    t->edges = n - 1;
    t->connected = 1;
    t->complete = 0;
    t->degree = path_degree;
    t->neighbor = path_neighbor;
    t->destroy = path_destroy;
    t->bytes = sizeof *t;
    *out = t;
    return GB_OK;
}

const gb_topology_ops gb_topology_path = {
    .name = "path",
    .help = "path 0-1-...-(n-1): the ring without its closing link, diameter n-1 (implicit)",
    .params = path_params,
    .create = path_create,
};
