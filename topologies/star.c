/* star.c: the star K_{1,n-1}, where one node (the centre, parameter `center`, default 0)
 * is linked to every other node and no other links exist.
 *
 * The star is the worst case for push gossip from a leaf and the best for pull towards
 * the centre, and its centre is the hub that every message crosses, which makes it a
 * useful extreme next to the complete graph. It is implicit: the centre's neighbours are
 * "all other ids ascending" (k < center ? k : k + 1, as for the complete graph) and a
 * leaf's only neighbour is the centre, so nothing per node is stored.
 *
 * n must be at least 2 (a single node has no peer) and the centre must be a node id. */
#include "gb_topology.h"

#include <stdlib.h>

/* Instances point back at the ops struct defined at the end of this file. */

typedef struct star_topology {
    gb_topology base; /* first, so a gb_topology pointer is also a star_topology pointer */
    gb_node_t center;
} star_topology;

static uint32_t star_degree(const gb_topology *t, gb_node_t u)
{
    const star_topology *s = (const star_topology *)t;
    return u == s->center ? (uint32_t)(t->n - 1) : 1;
}

static gb_node_t star_neighbor(const gb_topology *t, gb_node_t u, uint32_t k)
{
    gb_node_t c = ((const star_topology *)t)->center;
    if (u != c)
        return c;
    return k < c ? k : k + 1;
}

static void star_destroy(gb_topology *t)
{
    free(t);
}

static const gb_param_desc star_params[] = {
    {.name = "center",
     .type = GB_PARAM_INT,
     .def = "0",
     .min = 0,
     .max = 4294967294.0,
     .help = "id of the centre node, linked to all others (needs center < n)"},
    {.name = NULL},
};

static int star_create(const gb_params *params, uint64_t n, uint64_t seed,
                       const gb_topology_ctx *ctx, gb_topology **out, char *err)
{
    (void)ctx; /* placement does not shape this overlay */
    (void)seed;
    *out = NULL;
    if (n > GB_NODE_MAX)
        return gb_seterr(err, GB_ERANGE, "topology 'star': n=%llu exceeds %llu nodes",
                         (unsigned long long)n, (unsigned long long)GB_NODE_MAX);
    if (n < 2)
        return gb_seterr(err, GB_EINVAL, "topology 'star': needs at least 2 nodes, got n=%llu",
                         (unsigned long long)n);
    int64_t c = gb_params_int(params, "center");
    if (c < 0 || (uint64_t)c >= n)
        return gb_seterr(err, GB_EINVAL,
                         "topology 'star': center=%lld is not a node id (needs center < n=%llu)",
                         (long long)c, (unsigned long long)n);
    star_topology *s = calloc(1, sizeof *s);
    if (s == NULL)
        return gb_seterr(err, GB_ENOMEM, "topology 'star': out of memory");
    s->center = (gb_node_t)c;
    gb_topology *t = &s->base;
    t->ops = &gb_topology_star;
    t->n = n;
    t->min_degree = 1;
    t->max_degree = (uint32_t)(n - 1); /* n <= GB_NODE_MAX, so n - 1 fits */
    t->edges = n - 1;
    t->connected = 1; /* every node is one hop from the centre */
    t->complete = 0;  /* even for n = 2: the neighbour order differs from complete's */
    t->degree = star_degree;
    t->neighbor = star_neighbor;
    t->destroy = star_destroy;
    t->bytes = sizeof *s;
    *out = t;
    return GB_OK;
}

const gb_topology_ops gb_topology_star = {
    .name = "star",
    .help = "star: one centre node linked to every other node, leaves have degree 1 (implicit)",
    .params = star_params,
    .create = star_create,
};
