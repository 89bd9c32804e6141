/* torus.c: the periodic grid (torus) in 1, 2 or 3 dimensions.
 *
 * The sides come from dims=AxB[xC] (their product must be n) or, without dims, from the
 * most nearly square (d=2) or cubic (d=3) factorisation of n: the one with the smallest
 * largest side, ties broken by the smallest spread, sides listed in ascending order. A
 * balanced shape keeps the diameter (sum of side/2) small, which is what a "2D/3D torus"
 * of n nodes is usually meant to be.
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

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TORUS_MAXDIM 3

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

/* Parses "AxB[xC]" into side[]; 0 or GB_EINVAL with err. Only digits and 'x' are taken,
 * so signs, spaces and empty sides are rejected rather than read as something else. */
static int parse_dims(const char *s, uint64_t n, uint64_t side[TORUS_MAXDIM], int *ndim,
                      char *err)
{
    int count = 0;
    const char *p = s;
    for (;;) {
        if (count == TORUS_MAXDIM)
            return gb_seterr(err, GB_EINVAL,
                             "topology 'torus': dims='%s' has more than %d sides", s,
                             TORUS_MAXDIM);
        uint64_t v = 0;
        const char *start = p;
        while (*p >= '0' && *p <= '9') {
            v = v * 10 + (uint64_t)(*p - '0');
            if (v > GB_NODE_MAX)
                return gb_seterr(err, GB_EINVAL, "topology 'torus': dims='%s' has a side "
                                 "larger than %llu", s, (unsigned long long)GB_NODE_MAX);
            p++;
        }
        if (p == start || (*p != 'x' && *p != '\0'))
            return gb_seterr(err, GB_EINVAL,
                             "topology 'torus': dims='%s' is not of the form AxB or AxBxC", s);
        if (v < 2)
            return gb_seterr(err, GB_EINVAL,
                             "topology 'torus': dims='%s' has a side of %llu; every side "
                             "must be at least 2", s, (unsigned long long)v);
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
        return gb_seterr(err, GB_EINVAL,
                         "topology 'torus': dims='%s' does not multiply to n=%llu", s,
                         (unsigned long long)n);
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

/* Most balanced factorisation of n into d sides >= 2, ascending; 0 or GB_EINVAL. */
static int factorise(uint64_t n, int d, uint64_t side[TORUS_MAXDIM], char *err)
{
    if (d == 2) {
        uint64_t a = largest_divisor_upto_sqrt(n, 2);
        if (a == 0)
            goto none;
        side[0] = a;
        side[1] = n / a;
        return GB_OK;
    }
    /* d == 3: try every smallest side a <= cbrt(n); for each, the best split of n/a into
     * b <= c with b >= a is the largest divisor of n/a not above its square root. Keep
     * the triple with the smallest largest side, then the smallest spread. n < 2^32 keeps
     * this to at most ~1600 * 65536 steps, and in practice far fewer. */
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
                     "topology 'torus': n=%llu has no factorisation into %d sides >= 2; "
                     "give dims=AxB%s",
                     (unsigned long long)n, d, d == 3 ? "xC" : "");
}

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
                             "topology 'torus': d=%lld disagrees with dims='%s' (%d sides)",
                             (long long)d, gb_params_str(params, "dims"), ndim);
    } else {
        if (d < 2 || d > TORUS_MAXDIM)
            return gb_seterr(err, GB_ERANGE, "topology 'torus': d=%lld is out of range [2, 3]",
                             (long long)d);
        ndim = (int)d;
        rc = factorise(n, ndim, side, err);
        if (rc < 0)
            return rc;
    }

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
