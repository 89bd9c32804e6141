/* dragonfly.c: a host overlay shaped like the dragonfly of Kim, Dally, Scott and Abts
 * ("Technology-driven, highly-scalable dragonfly topology", ISCA 2008).
 *
 * The physical network: g groups of a routers; p hosts per router; h global links per
 * router; the routers of a group are linked all-to-all (local links). The gossip nodes are
 * the hosts, so n = g*a*p; without g, g = n/(a*p), and n that a*p does not divide is an
 * error. Host x (0..p-1) of router r (0..a-1) of group G (0..g-1) has id (G*a + r)*p + x,
 * so the hosts of a router, then of a group, are contiguous.
 *
 * Global links, "consecutive" (also called "absolute") arrangement, one link per pair of
 * groups: the a*h global ports of a group are numbered j = r*h + c (router r, its port c),
 * so a router owns h consecutive ports. Port j of group G leads to group D = j if j < G,
 * else j + 1 (the other groups in ascending order, skipping G itself). In group D the
 * same link is the port numbered G if G < D, else G - 1, on router (that port) / h. Every
 * pair of groups is then joined by exactly one global link, which needs g <= a*h + 1;
 * with g < a*h + 1 the ports j >= g - 1 stay unconnected, so the routers at the end of a
 * group have fewer (possibly no) global links. Only g = a*h + 1 (the balanced, maximum
 * size) makes the overlay regular.
 *
 * The host overlay mirrors the physical paths:
 *   - router: the hosts of one router form a clique (p-1 neighbours),
 *   - local: host x of router r is adjacent to host x of every other router of its group
 *     (a-1 neighbours),
 *   - global: host x of router r is adjacent to host x of the far router of each of r's
 *     connected global ports (up to h neighbours).
 * Degree (p-1) + (a-1) + (connected ports of the router). The overlay is connected: a
 * group is connected through its router cliques and local links, and every pair of groups
 * shares a global link. Neighbour order: router group, local group (ascending), then
 * global ports in ascending port number. The graph is implicit: O(1) per neighbour. */
#include "gb_topology.h"

#include <stdlib.h>

/* Instances point back at the ops struct defined at the end of this file. */

typedef struct dragonfly_topology {
    gb_topology base; /* first, so a gb_topology pointer is also a dragonfly_topology one */
    uint64_t g, a, p, h;
} dragonfly_topology;

/* Connected global ports of router r: ports r*h .. r*h + h - 1 that are < g - 1. */
static uint64_t df_global_ports(const dragonfly_topology *df, uint64_t r)
{
    uint64_t first = r * df->h, used = df->g - 1;
    if (first >= used)
        return 0;
    return used - first < df->h ? used - first : df->h;
}

static uint32_t df_degree(const gb_topology *t, gb_node_t u)
{
    const dragonfly_topology *df = (const dragonfly_topology *)t;
    uint64_t r = ((uint64_t)u / df->p) % df->a;
    return (uint32_t)((df->p - 1) + (df->a - 1) + df_global_ports(df, r));
}

static gb_node_t df_neighbor(const gb_topology *t, gb_node_t u, uint32_t k)
{
    const dragonfly_topology *df = (const dragonfly_topology *)t;
    uint64_t p = df->p, a = df->a, j = k;
    uint64_t x = (uint64_t)u % p, r = ((uint64_t)u / p) % a, grp = (uint64_t)u / (p * a);
    if (j < p - 1) /* same router */
        return (gb_node_t)((grp * a + r) * p + (j < x ? j : j + 1));
    j -= p - 1;
    if (j < a - 1) /* same group, same host index, another router */
        return (gb_node_t)((grp * a + (j < r ? j : j + 1)) * p + x);
    j -= a - 1;
    uint64_t port = r * df->h + j;
    uint64_t dst = port < grp ? port : port + 1;
    uint64_t far_port = grp < dst ? grp : grp - 1;
    return (gb_node_t)((dst * a + far_port / df->h) * p + x);
}

static void df_destroy(gb_topology *t)
{
    free(t);
}

static const gb_param_desc df_params[] = {
    {.name = "g",
     .type = GB_PARAM_INT,
     .def = "",
     .min = 1,
     .max = 4294967295.0,
     .help = "groups (needs g <= a*h+1); default: n/(a*p)"},
    {.name = "a",
     .type = GB_PARAM_INT,
     .def = "4",
     .min = 1,
     .max = 4294967295.0,
     .help = "routers per group, linked all-to-all"},
    {.name = "p",
     .type = GB_PARAM_INT,
     .def = "2",
     .min = 1,
     .max = 4294967295.0,
     .help = "hosts (gossip nodes) per router; n = g*a*p"},
    {.name = "h",
     .type = GB_PARAM_INT,
     .def = "2",
     .min = 1,
     .max = 4294967295.0,
     .help = "global links per router (consecutive arrangement)"},
    {.name = NULL},
};

static int df_create(const gb_params *params, uint64_t n, uint64_t seed,
                     const gb_topology_ctx *ctx, gb_topology **out, char *err)
{
    (void)ctx; /* placement does not shape this overlay */
    (void)seed;
    *out = NULL;
    if (n > GB_NODE_MAX)
        return gb_seterr(err, GB_ERANGE, "topology 'dragonfly': n=%llu exceeds %llu nodes",
                         (unsigned long long)n, (unsigned long long)GB_NODE_MAX);
    if (n < 2)
        return gb_seterr(err, GB_EINVAL,
                         "topology 'dragonfly': needs at least 2 nodes, got n=%llu",
                         (unsigned long long)n);
    int64_t ia = gb_params_int(params, "a"), ip = gb_params_int(params, "p");
    int64_t ih = gb_params_int(params, "h");
    if (ia < 1 || ip < 1 || ih < 1 || ia > (int64_t)UINT32_MAX || ip > (int64_t)UINT32_MAX ||
        ih > (int64_t)UINT32_MAX)
        return gb_seterr(err, GB_ERANGE, "topology 'dragonfly': a=%lld, p=%lld, h=%lld must "
                         "be in [1, %lu]", (long long)ia, (long long)ip, (long long)ih,
                         (unsigned long)UINT32_MAX);
    uint64_t a = (uint64_t)ia, p = (uint64_t)ip, h = (uint64_t)ih, g;
    uint64_t ap = a * p; /* < 2^64: both are below 2^32 */
    if (gb_params_has(params, "g")) {
        int64_t ig = gb_params_int(params, "g");
        if (ig < 1 || ig > (int64_t)UINT32_MAX)
            return gb_seterr(err, GB_ERANGE, "topology 'dragonfly': g=%lld is out of range",
                             (long long)ig);
        g = (uint64_t)ig;
        if (ap > n || n / ap != g || n % ap != 0)
            return gb_seterr(err, GB_EINVAL,
                             "topology 'dragonfly': n=%llu is not g*a*p = %llu*%llu*%llu",
                             (unsigned long long)n, (unsigned long long)g,
                             (unsigned long long)a, (unsigned long long)p);
    } else {
        if (n % ap != 0)
            return gb_seterr(err, GB_EINVAL,
                             "topology 'dragonfly': n=%llu is not a multiple of a*p=%llu "
                             "hosts per group", (unsigned long long)n, (unsigned long long)ap);
        g = n / ap;
    }
    /* One global link per pair of groups takes g-1 of the a*h ports of each group. */
    if (g - 1 > a * h)
        return gb_seterr(err, GB_EINVAL,
                         "topology 'dragonfly': g=%llu groups need g <= a*h+1 = %llu (one "
                         "global link per pair of groups)", (unsigned long long)g,
                         (unsigned long long)(a * h + 1));

    dragonfly_topology *df = calloc(1, sizeof *df);
    if (df == NULL)
        return gb_seterr(err, GB_ENOMEM, "topology 'dragonfly': out of memory");
    df->g = g;
    df->a = a;
    df->p = p;
    df->h = h;
    /* Router 0 has the most connected ports, router a-1 the fewest. */
    uint64_t local = (p - 1) + (a - 1);
    gb_topology *t = &df->base;
    t->ops = &gb_topology_dragonfly;
    t->n = n;
    t->min_degree = (uint32_t)(local + df_global_ports(df, a - 1));
    t->max_degree = (uint32_t)(local + df_global_ports(df, 0));
    /* Router cliques, local all-to-all per host index, p host links per global link. */
    t->edges = g * a * (p * (p - 1) / 2) + g * p * (a * (a - 1) / 2) + p * (g * (g - 1) / 2);
    t->connected = 1;
    t->complete = 0;
    t->degree = df_degree;
    t->neighbor = df_neighbor;
    t->destroy = df_destroy;
    t->bytes = sizeof *df;
    *out = t;
    return GB_OK;
}

const gb_topology_ops gb_topology_dragonfly = {
    .name = "dragonfly",
    .help = "hosts of a dragonfly (g groups x a routers x p hosts, h global links per "
            "router, consecutive arrangement) (implicit)",
    .params = df_params,
    .create = df_create,
};
