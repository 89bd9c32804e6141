/* mesh.c: the non-periodic grid (mesh) in 1, 2 or 3 dimensions: the torus without its
 * wrap-around links.
 *
 * Parameters are the torus's: dims=AxB[xC] gives the sides (their product must be n), or,
 * without dims, d=2 or d=3 asks for the most nearly square or cubic shape: the
 * factorisation of n into d sides >= 2 with the smallest largest side, ties broken by the
 * smallest spread, sides ascending (grid.c, shared with torus.c, so that "torus" and "mesh"
 * of the same n have the same shape). The automatic shape never uses a side of 1: a "2D mesh"
 * of a prime n would silently be a path, so that case is an error that suggests dims.
 *
 * Unlike the torus, explicit sides of 1 are allowed here (dims=1x8 is a path of 8 nodes):
 * a side of 1 simply contributes no neighbours, and no node can become its own neighbour
 * because there is no wrap-around. n must be at least 2, so some side is at least 2 and
 * the mesh is connected.
 *
 * Node ids are row-major like a C array: for dims=AxBxC node (x0, x1, x2) has id
 * (x0*B + x1)*C + x2, so the last dimension is contiguous. Along dimension i a node has
 * the neighbour x_i - 1 when x_i > 0 and x_i + 1 when x_i < side_i - 1, so corners have
 * one neighbour per dimension of side >= 2 and interior nodes two per dimension of side
 * >= 3. Neighbour order: per dimension in turn, -1 then +1 (each where it exists).
 * The graph is implicit: nothing but the shape is stored. */
#include "gb_topology.h"
#include "grid.h"

#include <stdlib.h>

/* Instances point back at the ops struct defined at the end of this file. */

#define MESH_MAXDIM GB_GRID_MAXDIM

typedef struct mesh_topology {
    gb_topology base; /* first, so a gb_topology pointer is also a mesh_topology pointer */
    int ndim;
    uint64_t side[MESH_MAXDIM];
    uint64_t stride[MESH_MAXDIM];
} mesh_topology;

static uint32_t mesh_degree(const gb_topology *t, gb_node_t u)
{
    const mesh_topology *m = (const mesh_topology *)t;
    uint32_t deg = 0;
    for (int i = 0; i < m->ndim; i++) {
        uint64_t c = ((uint64_t)u / m->stride[i]) % m->side[i];
        deg += (uint32_t)(c > 0) + (uint32_t)(c + 1 < m->side[i]);
    }
    return deg;
}

static gb_node_t mesh_neighbor(const gb_topology *t, gb_node_t u, uint32_t k)
{
    const mesh_topology *m = (const mesh_topology *)t;
    /* Walk the slots in order; at most 2 per dimension, so this is a handful of steps. */
    for (int i = 0; i < m->ndim; i++) {
        uint64_t c = ((uint64_t)u / m->stride[i]) % m->side[i];
        if (c > 0) {
            if (k == 0)
                return (gb_node_t)((uint64_t)u - m->stride[i]);
            k--;
        }
        if (c + 1 < m->side[i]) {
            if (k == 0)
                return (gb_node_t)((uint64_t)u + m->stride[i]);
            k--;
        }
    }
    return u; /* k >= degree(u): outside the contract */
}

static void mesh_destroy(gb_topology *t)
{
    free(t);
}

/* The shape rules of this generator for grid.c. */
static const gb_grid_rules mesh_grid = {.name = "mesh", .min_side = 1, .forms = "A, AxB or AxBxC",
    .hint2 = " (sides of 1 are allowed there)", .hint3 = " (sides of 1 are allowed there)"};

static const gb_param_desc mesh_params[] = {
    {.name = "dims",
     .type = GB_PARAM_STRING,
     .def = "",
     .help = "side lengths A, AxB or AxBxC (product = n, each >= 1); default: most square"},
    {.name = "d",
     .type = GB_PARAM_INT,
     .def = "2",
     .min = 2,
     .max = 3,
     .help = "number of dimensions when dims is not given (sides >= 2)"},
    {.name = NULL},
};

static int mesh_create(const gb_params *params, uint64_t n, uint64_t seed,
                       const gb_topology_ctx *ctx, gb_topology **out, char *err)
{
    (void)ctx; /* placement does not shape this overlay */
    (void)seed;
    *out = NULL;
    if (n > GB_NODE_MAX)
        return gb_seterr(err, GB_ERANGE, "topology 'mesh': n=%llu exceeds %llu nodes",
                         (unsigned long long)n, (unsigned long long)GB_NODE_MAX);
    if (n < 2)
        return gb_seterr(err, GB_EINVAL, "topology 'mesh': needs at least 2 nodes, got n=%llu",
                         (unsigned long long)n);
    uint64_t side[MESH_MAXDIM] = {0};
    int ndim = 0;
    int rc = gb_grid_shape(&mesh_grid, params, n, side, &ndim, err);
    if (rc < 0)
        return rc;

    mesh_topology *m = calloc(1, sizeof *m);
    if (m == NULL)
        return gb_seterr(err, GB_ENOMEM, "topology 'mesh': out of memory");
    m->ndim = ndim;
    uint64_t stride = 1;
    for (int i = ndim - 1; i >= 0; i--) {
        m->side[i] = side[i];
        m->stride[i] = stride;
        stride *= side[i];
    }
    /* Corners have one neighbour per dimension of side >= 2, interior nodes two per side
     * >= 3 (and one per side of 2). Dimension i holds (side_i - 1) * n / side_i links. */
    uint32_t mind = 0, maxd = 0;
    uint64_t edges = 0;
    for (int i = 0; i < ndim; i++) {
        mind += side[i] >= 2;
        maxd += side[i] >= 3 ? 2 : side[i] == 2 ? 1 : 0;
        edges += (side[i] - 1) * (n / side[i]);
    }

    gb_topology *t = &m->base;
    t->ops = &gb_topology_mesh;
    t->n = n;
    t->min_degree = mind;
    t->max_degree = maxd;
    t->edges = edges;
    t->connected = 1; /* a grid is connected along its dimensions; n >= 2 has a side >= 2 */
    t->complete = 0;
    t->degree = mesh_degree;
    t->neighbor = mesh_neighbor;
    t->destroy = mesh_destroy;
    t->bytes = sizeof *m;
    *out = t;
    return GB_OK;
}

const gb_topology_ops gb_topology_mesh = {
    .name = "mesh",
    .help = "non-periodic grid in 1-3 dimensions, dims=A[xB[xC]] or the most square shape "
            "(implicit)",
    .params = mesh_params,
    .create = mesh_create,
};
