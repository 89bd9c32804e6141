/* tree.c: the complete k-ary tree on n nodes, numbered in breadth-first order.
 *
 * Node 0 is the root; the parent of u > 0 is (u-1)/k and the children of u are
 * k*u+1 .. k*u+k, those of them that are < n. Every level is full except possibly the
 * last, which is filled from the left, so the depth is about log_k n. k=1 is the path
 * 0-1-...-(n-1); k >= n-1 is the star centred at node 0.
 *
 * Trees are the sparsest connected overlays (n-1 links) and every message between two
 * subtrees crosses their common ancestor, so they show how gossip behaves behind
 * bottlenecks. Implicit: neighbour order is the parent first (for u > 0), then the
 * children in ascending order. n must be at least 2 (a single node has no peer). */
#include "gb_topology.h"

#include <stdlib.h>

/* Instances point back at the ops struct defined at the end of this file. */

typedef struct tree_topology {
    gb_topology base; /* first, so a gb_topology pointer is also a tree_topology pointer */
    uint64_t k;
} tree_topology;

/* Number of children of u: k*u+1 .. k*u+k clipped at n-1. k*u + k = k*(u+1) <=
 * (2^32-1) * 2^32, so 64-bit arithmetic never wraps. */
static uint64_t tree_children(const tree_topology *tt, uint64_t u)
{
    uint64_t first = tt->k * u + 1, n = tt->base.n;
    if (first >= n)
        return 0;
    uint64_t c = n - first;
    return c < tt->k ? c : tt->k;
}

static uint32_t tree_degree(const gb_topology *t, gb_node_t u)
{
    const tree_topology *tt = (const tree_topology *)t;
    return (uint32_t)((u > 0) + tree_children(tt, u));
}

static gb_node_t tree_neighbor(const gb_topology *t, gb_node_t u, uint32_t j)
{
    const tree_topology *tt = (const tree_topology *)t;
    if (u > 0) {
        if (j == 0)
            return (gb_node_t)(((uint64_t)u - 1) / tt->k);
        j--;
    }
    return (gb_node_t)(tt->k * u + 1 + j);
}

static void tree_destroy(gb_topology *t)
{
    free(t);
}

static const gb_param_desc tree_params[] = {
    {.name = "k",
     .type = GB_PARAM_INT,
     .def = "2",
     .min = 1,
     .max = 4294967295.0,
     .help = "children per internal node (1: path, >= n-1: star at node 0)"},
    {.name = NULL},
};

static int tree_create(const gb_params *params, uint64_t n, uint64_t seed,
                       const gb_topology_ctx *ctx, gb_topology **out, char *err)
{
    (void)ctx; /* placement does not shape this overlay */
    (void)seed;
    *out = NULL;
    if (n > GB_NODE_MAX)
        return gb_seterr(err, GB_ERANGE, "topology 'tree': n=%llu exceeds %llu nodes",
                         (unsigned long long)n, (unsigned long long)GB_NODE_MAX);
    if (n < 2)
        return gb_seterr(err, GB_EINVAL, "topology 'tree': needs at least 2 nodes, got n=%llu",
                         (unsigned long long)n);
    int64_t k = gb_params_int(params, "k");
    if (k < 1 || k > (int64_t)UINT32_MAX)
        return gb_seterr(err, GB_ERANGE, "topology 'tree': k=%lld is out of range [1, %lu]",
                         (long long)k, (unsigned long)UINT32_MAX);
    tree_topology *tt = calloc(1, sizeof *tt);
    if (tt == NULL)
        return gb_seterr(err, GB_ENOMEM, "topology 'tree': out of memory");
    tt->k = (uint64_t)k;
    gb_topology *t = &tt->base;
    t->n = n;

    /* The root has min(k, n-1) children; among the other nodes node 1 has the most
     * (children are assigned left to right) and node n-1, a leaf, the fewest: 1. */
    uint64_t root = tree_children(tt, 0);
    uint64_t one = 1 + tree_children(tt, 1);
    t->ops = &gb_topology_tree;
    t->min_degree = 1;
    t->max_degree = (uint32_t)(root > one ? root : one);
    t->edges = n - 1;
    t->connected = 1; /* every node's parent chain ends at the root */
    t->complete = 0;
    t->degree = tree_degree;
    t->neighbor = tree_neighbor;
    t->destroy = tree_destroy;
    t->bytes = sizeof *tt;
    *out = t;
    return GB_OK;
}

const gb_topology_ops gb_topology_tree = {
    .name = "tree",
    .help = "complete k-ary tree in breadth-first order: parent (u-1)/k, children k*u+1.. "
            "(implicit)",
    .params = tree_params,
    .create = tree_create,
};
