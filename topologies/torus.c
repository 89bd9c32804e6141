/* torus.c: the periodic grid (torus) in 1, 2 or 3 dimensions.
 *
 * The sides come from dims=AxB[xC] (their product must be n) or, without dims, from the
 * most nearly square (d=2) or cubic (d=3) factorisation of n: the one with the smallest
 * largest side, ties broken by the smallest spread, sides listed in ascending order (see
 * grid.c, shared with mesh.c). A balanced shape keeps the diameter (sum of side/2) small,
 * which is what a "2D/3D torus" of n nodes is usually meant to be.
 *
 * Node ids are row-major like a C array: for dims=AxBxC node (x0, x1, x2) has id
 * (x0*B + x1)*C + x2, so the last dimension is contiguous.
 *
 * Every side must be at least 2 (a side of 1 would make a node its own neighbour). A side
 * of 2 contributes one neighbour in that dimension, because +1 and -1 reach the same node;
 * a longer side contributes two. Thus every node has the same degree, and the neighbour
 * order is, per dimension in turn, -1 then +1 (only +1 for a side of 2). The graph is
 * implicit: nothing but the shape is stored. */
#include "gb_topology.h"
#include "grid.h"

#include <stdlib.h>

#define TORUS_MAXDIM GB_GRID_MAXDIM

typedef struct torus_topology {
    gb_topology base; /* first, so a gb_topology pointer is also a torus_topology pointer */
    int ndim;
    uint64_t side[TORUS_MAXDIM];
    uint64_t stride[TORUS_MAXDIM];
    uint32_t deg;
    /* Neighbour slot k moves along dimension slot_dim[k] by slot_step[k] (-1 or +1). */
    unsigned char slot_dim[2 * TORUS_MAXDIM];
    signed char slot_step[2 * TORUS_MAXDIM];
} torus_topology;

static uint32_t torus_degree(const gb_topology *t, gb_node_t u)
{
    (void)u;
    return ((const torus_topology *)t)->deg;
}

static gb_node_t torus_neighbor(const gb_topology *t, gb_node_t u, uint32_t k)
{
    const torus_topology *tt = (const torus_topology *)t;
    int dim = tt->slot_dim[k];
    uint64_t side = tt->side[dim], stride = tt->stride[dim];
    uint64_t c = ((uint64_t)u / stride) % side;
    uint64_t base = (uint64_t)u - c * stride;
    uint64_t nc = tt->slot_step[k] > 0 ? (c + 1 == side ? 0 : c + 1) : (c == 0 ? side - 1 : c - 1);
    return (gb_node_t)(base + nc * stride);
}

static void torus_destroy(gb_topology *t)
{
    free(t);
}

/* The shape rules of this generator for grid.c. */
static const gb_grid_rules torus_grid = {.name = "torus", .min_side = 2, .forms = "AxB or AxBxC",
    .hint2 = "=AxB", .hint3 = "=AxBxC"};

static const gb_param_desc torus_params[] = {
    {.name = "dims",
     .type = GB_PARAM_STRING,
     .def = "",
     .help = "side lengths AxB or AxBxC (product = n, each >= 2); default: most square"},
    {.name = "d",
     .type = GB_PARAM_INT,
     .def = "2",
     .min = 2,
     .max = 3,
     .help = "number of dimensions when dims is not given"},
    {.name = NULL},
};

static int torus_create(const gb_params *params, uint64_t n, uint64_t seed,
                        const gb_topology_ctx *ctx, gb_topology **out, char *err)
{
    (void)ctx; /* placement does not shape this overlay */
    (void)seed;
    *out = NULL;
    if (n == 0)
        return gb_seterr(err, GB_EINVAL, "topology 'torus': needs at least 1 node");
    if (n > GB_NODE_MAX)
        return gb_seterr(err, GB_ERANGE, "topology 'torus': n=%llu exceeds %llu nodes",
                         (unsigned long long)n, (unsigned long long)GB_NODE_MAX);
    uint64_t side[TORUS_MAXDIM] = {0};
    int ndim = 0;
    int rc = gb_grid_shape(&torus_grid, params, n, side, &ndim, err);
    if (rc < 0)
        return rc;

    torus_topology *tt = calloc(1, sizeof *tt);
    if (tt == NULL)
        return gb_seterr(err, GB_ENOMEM, "topology 'torus': out of memory");
    tt->ndim = ndim;
    uint64_t stride = 1;
    for (int i = ndim - 1; i >= 0; i--) {
        tt->side[i] = side[i];
        tt->stride[i] = stride;
        stride *= side[i];
    }
    uint32_t deg = 0;
    for (int i = 0; i < ndim; i++) {
        if (side[i] > 2) {
            tt->slot_dim[deg] = (unsigned char)i;
            tt->slot_step[deg++] = -1;
        }
        tt->slot_dim[deg] = (unsigned char)i;
        tt->slot_step[deg++] = +1;
    }
    tt->deg = deg;

    gb_topology *t = &tt->base;
    t->ops = &gb_topology_torus;
    t->n = n;
    t->min_degree = t->max_degree = deg;
    t->edges = n * deg / 2; /* deg is odd only with a side of 2, and then n is even */
    t->connected = 1;
    t->degree = torus_degree;
    t->neighbor = torus_neighbor;
    t->destroy = torus_destroy;
    t->bytes = sizeof *tt;
    *out = t;
    return GB_OK;
}

const gb_topology_ops gb_topology_torus = {
    .name = "torus",
    .help = "periodic grid in 1-3 dimensions, dims=AxB[xC] or the most square shape (implicit)",
    .params = torus_params,
    .create = torus_create,
};
