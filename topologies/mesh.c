/* mesh.c: the non-periodic grid (mesh) in 1, 2 or 3 dimensions: the torus without its
 * wrap-around links.
 *
 * Parameters are the torus's: dims=AxB[xC] gives the sides (their product must be n), or,
 * without dims, d=2 or d=3 asks for the most nearly square or cubic shape: the
 * factorisation of n into d sides >= 2 with the smallest largest side, ties broken by the
 * smallest spread, sides ascending (the rule torus.c uses, so that "torus" and "mesh" of
 * the same n have the same shape). The automatic shape never uses a side of 1: a "2D mesh"
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

#include <stdlib.h>
#include <string.h>

/* Instances point back at the ops struct defined at the end of this file. */

#define MESH_MAXDIM 3

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

/* Parses "A[xB[xC]]" into side[]; 0 or GB_EINVAL with err. Only digits and 'x' are taken,
 * so signs, spaces and empty sides are rejected rather than read as something else. */
static int parse_dims(const char *s, uint64_t n, uint64_t side[MESH_MAXDIM], int *ndim,
                      char *err)
{
    int count = 0;
    const char *p = s;
    for (;;) {
        if (count == MESH_MAXDIM)
            return gb_seterr(err, GB_EINVAL, "topology 'mesh': dims='%s' has more than %d sides",
                             s, MESH_MAXDIM);
        uint64_t v = 0;
        const char *start = p;
        while (*p >= '0' && *p <= '9') {
            v = v * 10 + (uint64_t)(*p - '0');
            if (v > GB_NODE_MAX)
                return gb_seterr(err, GB_EINVAL, "topology 'mesh': dims='%s' has a side "
                                 "larger than %llu", s, (unsigned long long)GB_NODE_MAX);
            p++;
        }
        if (p == start || (*p != 'x' && *p != '\0'))
            return gb_seterr(err, GB_EINVAL,
                             "topology 'mesh': dims='%s' is not of the form A, AxB or AxBxC", s);
        if (v < 1)
            return gb_seterr(err, GB_EINVAL,
                             "topology 'mesh': dims='%s' has a side of 0; every side must be "
                             "at least 1", s);
        side[count++] = v;
        if (*p == '\0')
            break;
        p++;
    }
    /* Multiply with an overflow guard: once the running product would pass n the answer
     * is "no", so stop before it can wrap. */
    uint64_t prod = 1;
    for (int i = 0; i < count; i++) {
        if (prod > n / side[i]) {
            prod = 0;
            break;
        }
        prod *= side[i];
    }
    if (prod != n)
        return gb_seterr(err, GB_EINVAL, "topology 'mesh': dims='%s' does not multiply to n=%llu",
                         s, (unsigned long long)n);
    *ndim = count;
    return GB_OK;
}

/* Largest divisor of m that lies in [lo, floor(sqrt(m))], or 0 if there is none. */
static uint64_t largest_divisor_upto_sqrt(uint64_t m, uint64_t lo)
{
    uint64_t r = 1;
    while ((r + 1) * (r + 1) <= m)
        r++;
    for (uint64_t a = r; a >= lo && a >= 1; a--)
        if (m % a == 0)
            return a;
    return 0;
}

/* Most balanced factorisation of n into d sides >= 2, ascending; 0 or GB_EINVAL. The same
 * rule as torus.c's factorise(), kept here so that this file stands alone. */
static int factorise(uint64_t n, int d, uint64_t side[MESH_MAXDIM], char *err)
{
    if (d == 2) {
        uint64_t a = largest_divisor_upto_sqrt(n, 2);
        if (a == 0)
            goto none;
        side[0] = a;
        side[1] = n / a;
        return GB_OK;
    }
    /* d == 3: for each smallest side a <= cbrt(n), the best split of n/a into b <= c with
     * b >= a is the largest divisor of n/a not above its square root. Keep the triple with
     * the smallest largest side, then the smallest spread. */
    uint64_t best[3] = {0, 0, 0};
    for (uint64_t a = 2; a * a * a <= n; a++) {
        if (n % a != 0)
            continue;
        uint64_t m = n / a;
        uint64_t b = largest_divisor_upto_sqrt(m, a);
        if (b == 0)
            continue;
        uint64_t c = m / b;
        if (best[0] == 0 || c < best[2] || (c == best[2] && c - a < best[2] - best[0])) {
            best[0] = a;
            best[1] = b;
            best[2] = c;
        }
    }
    if (best[0] == 0)
        goto none;
    memcpy(side, best, sizeof best);
    return GB_OK;
none:
    return gb_seterr(err, GB_EINVAL,
                     "topology 'mesh': n=%llu has no factorisation into %d sides >= 2; "
                     "give dims (sides of 1 are allowed there)",
                     (unsigned long long)n, d);
}

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
    int ndim = 0, rc;
    int64_t d = gb_params_int(params, "d");
    if (gb_params_has(params, "dims")) {
        rc = parse_dims(gb_params_str(params, "dims"), n, side, &ndim, err);
        if (rc < 0)
            return rc;
        /* An explicit d that disagrees with dims is a mistake worth reporting rather than
         * silently ignoring one of the two. */
        if (gb_params_given(params, "d") && d != ndim)
            return gb_seterr(err, GB_EINVAL,
                             "topology 'mesh': d=%lld disagrees with dims='%s' (%d sides)",
                             (long long)d, gb_params_str(params, "dims"), ndim);
    } else {
        if (d < 2 || d > MESH_MAXDIM)
            return gb_seterr(err, GB_ERANGE, "topology 'mesh': d=%lld is out of range [2, 3]",
                             (long long)d);
        ndim = (int)d;
        rc = factorise(n, ndim, side, err);
        if (rc < 0)
            return rc;
    }

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
