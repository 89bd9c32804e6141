/* fat_tree.c: a host overlay shaped like the k-ary fat tree of Al-Fares, Loukissas and
 * Vahdat ("A scalable, commodity data center network architecture", SIGCOMM 2008).
 *
 * The physical network: switches with k ports (k even), k pods, each with k/2 edge and
 * k/2 aggregation switches, (k/2)^2 core switches, and k/2 hosts under every edge switch,
 * so k^3/4 hosts in all. The gossip nodes are the hosts: n must be k^3/4. Without k, k is
 * derived from n (the even k with k^3 = 4n), and n that is not of that form is an error.
 *
 * Host ids: with m = k/2, host h (0..m-1) under edge switch e (0..m-1) of pod p (0..k-1)
 * has id (p*m + e)*m + h, so the hosts of an edge switch, then of a pod, are contiguous.
 *
 * The overlay mirrors the three kinds of shortest physical paths:
 *   - edge: all hosts under the same edge switch are adjacent (m-1 neighbours; 2 hops),
 *   - pod: host (p, e, h) is adjacent to (p, e', h) for every other edge switch e' of its
 *     pod (m-1 neighbours; 4 hops, through an aggregation switch),
 *   - core: host (p, e, h) is adjacent to (p', e, h) in every other pod p' (k-1
 *     neighbours; 6 hops, through a core switch).
 * That is the Cartesian product K_m x K_m x K_k (a Hamming graph): every host has degree
 * (m-1) + (m-1) + (k-1) = 2k - 3, any host reaches any other in at most 3 overlay hops
 * (change h, e and p one at a time), and the graph is connected and regular. Neighbour
 * order: the edge group, then the pod group, then the core group, each in ascending id.
 * k = 2 gives two hosts joined by one link. The graph is implicit. */
#include "gb_topology.h"

#include <stdlib.h>

/* Instances point back at the ops struct defined at the end of this file. */

/* k^3/4 <= GB_NODE_MAX needs k <= 2580; the parameter range is a little wider so that a
 * too large k is reported against n rather than as a bare range error. */
#define FT_KMAX 4096

typedef struct fat_tree_topology {
    gb_topology base; /* first, so a gb_topology pointer is also a fat_tree_topology one */
    uint32_t k, m;    /* ports per switch, and m = k/2 */
} fat_tree_topology;

static uint32_t ft_degree(const gb_topology *t, gb_node_t u)
{
    (void)u;
    const fat_tree_topology *f = (const fat_tree_topology *)t;
    return 2 * (f->m - 1) + (f->k - 1);
}

/* j-th value in 0..count-1 other than skip, ascending. */
static inline uint32_t skip_one(uint32_t j, uint32_t skip)
{
    return j < skip ? j : j + 1;
}

static gb_node_t ft_neighbor(const gb_topology *t, gb_node_t u, uint32_t j)
{
    const fat_tree_topology *f = (const fat_tree_topology *)t;
    uint32_t m = f->m;
    uint32_t h = u % m, e = (u / m) % m, p = u / (m * m);
    if (j < m - 1) /* same edge switch */
        h = skip_one(j, h);
    else if ((j -= m - 1) < m - 1) /* same pod, through an aggregation switch */
        e = skip_one(j, e);
    else /* other pods, through a core switch */
        p = skip_one(j - (m - 1), p);
    return (gb_node_t)(((uint64_t)p * m + e) * m + h);
}

static void ft_destroy(gb_topology *t)
{
    free(t);
}

static const gb_param_desc ft_params[] = {
    {.name = "k",
     .type = GB_PARAM_INT,
     .def = "",
     .min = 2,
     .max = FT_KMAX,
     .help = "ports per switch, even (n = k^3/4 hosts); default: derived from n"},
    {.name = NULL},
};

static int ft_create(const gb_params *params, uint64_t n, uint64_t seed,
                     const gb_topology_ctx *ctx, gb_topology **out, char *err)
{
    (void)ctx; /* placement does not shape this overlay */
    (void)seed;
    *out = NULL;
    if (n > GB_NODE_MAX)
        return gb_seterr(err, GB_ERANGE, "topology 'fat-tree': n=%llu exceeds %llu nodes",
                         (unsigned long long)n, (unsigned long long)GB_NODE_MAX);
    uint64_t k = 0;
    if (gb_params_has(params, "k")) {
        int64_t kk = gb_params_int(params, "k");
        if (kk < 2 || kk > FT_KMAX)
            return gb_seterr(err, GB_ERANGE, "topology 'fat-tree': k=%lld is out of range "
                             "[2, %d]", (long long)kk, FT_KMAX);
        if (kk % 2 != 0)
            return gb_seterr(err, GB_EINVAL, "topology 'fat-tree': k=%lld must be even",
                             (long long)kk);
        k = (uint64_t)kk;
        if (k * k * k / 4 != n)
            return gb_seterr(err, GB_EINVAL,
                             "topology 'fat-tree': n=%llu does not match k=%llu (needs n = "
                             "k^3/4 = %llu)", (unsigned long long)n, (unsigned long long)k,
                             (unsigned long long)(k * k * k / 4));
    } else {
        for (uint64_t c = 2; c * c * c / 4 <= n; c += 2)
            if (c * c * c / 4 == n)
                k = c;
        if (k == 0)
            return gb_seterr(err, GB_EINVAL,
                             "topology 'fat-tree': n=%llu is not k^3/4 for an even k "
                             "(2, 16, 54, 128, 250, 432, ...)", (unsigned long long)n);
    }

    fat_tree_topology *f = calloc(1, sizeof *f);
    if (f == NULL)
        return gb_seterr(err, GB_ENOMEM, "topology 'fat-tree': out of memory");
    f->k = (uint32_t)k;
    f->m = (uint32_t)(k / 2);
    uint32_t deg = 2 * (f->m - 1) + (f->k - 1);
    gb_topology *t = &f->base;
    t->ops = &gb_topology_fat_tree;
    t->n = n;
    t->min_degree = t->max_degree = deg;
    t->edges = n / 2 * deg; /* n = 2 m^3 is even */
    t->connected = 1;       /* a Cartesian product of complete graphs */
    t->complete = 0;
    t->degree = ft_degree;
    t->neighbor = ft_neighbor;
    t->destroy = ft_destroy;
    t->bytes = sizeof *f;
    *out = t;
    return GB_OK;
}

const gb_topology_ops gb_topology_fat_tree = {
    .name = "fat-tree",
    .help = "hosts of a k-ary fat tree (n = k^3/4): linked within an edge switch, across "
            "the pod, across pods (implicit)",
    .params = ft_params,
    .create = ft_create,
};
