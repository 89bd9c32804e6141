/* stats.c: graph statistics for results records (degrees, connected components,
 * diameter) and the symmetry test that dump.c shares.
 *
 * Everything goes through the CSR arrays when a topology has them and through the
 * degree/neighbor callbacks otherwise, so implicit topologies work too; the complete graph
 * is answered from its flag, since a search over its n(n-1)/2 edges would take hours for
 * the sizes the engine runs.
 *
 * Memory stays at O(n) whatever the number of edges: one 32-bit distance and one 32-bit
 * queue slot per node, plus a bitmap of the largest component for the exact diameter. */
#include "gb_topology_io.h"

#include <stdlib.h>
#include <string.h>

#define UNSEEN UINT32_MAX

/* splitmix64's finaliser: a bijection on 64 bits that mixes every input bit into every
 * output bit, so sums of mixed arcs behave like sums of random numbers. */
static uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

/* The arc set equals its reverse iff the multiset {mix(u,v)} equals {mix(v,u)}; comparing
 * the two sums (mod 2^64) tests that in one pass with no memory. Neighbour lists hold no
 * repeats (gb_topology.h), so multisets and sets agree. A constant offset keeps the arc
 * (0, 0) pattern away from mix64's fixed point at 0. */
int gb_topology_symmetric(const gb_topology *t)
{
    if (t == NULL)
        return GB_EINVAL;
    if (t->complete)
        return 1;
    uint64_t fwd = 0, rev = 0;
    const uint64_t k = 0x9e3779b97f4a7c15ULL;
    for (uint64_t u = 0; u < t->n; u++) {
        uint32_t deg = gb_topology_degree(t, (gb_node_t)u);
        for (uint32_t j = 0; j < deg; j++) {
            uint64_t v = t->off != NULL && t->adj != NULL ? t->adj[t->off[u] + j]
                                        : gb_topology_neighbor(t, (gb_node_t)u, j);
            fwd += mix64((u << 32 | v) + k);
            rev += mix64((v << 32 | u) + k);
        }
    }
    return fwd == rev;
}

/* Breadth-first search from src over nodes whose dist is UNSEEN. Fills dist for the nodes
 * it reaches and queue[0 .. count) with them in BFS order; returns count. The last node in
 * the queue is a farthest one, at distance dist[queue[count - 1]]. */
static uint64_t bfs(const gb_topology *t, gb_node_t src, uint32_t *dist, gb_node_t *queue)
{
    uint64_t head = 0, tail = 0;
    dist[src] = 0;
    queue[tail++] = src;
    while (head < tail) {
        gb_node_t u = queue[head++];
        uint32_t du = dist[u] + 1;
        if (t->off != NULL && t->adj != NULL) {
            for (uint64_t i = t->off[u]; i < t->off[u + 1]; i++) {
                gb_node_t v = t->adj[i];
                if (dist[v] == UNSEEN) {
                    dist[v] = du;
                    queue[tail++] = v;
                }
            }
        } else {
            uint32_t deg = gb_topology_degree(t, u);
            for (uint32_t j = 0; j < deg; j++) {
                gb_node_t v = gb_topology_neighbor(t, u, j);
                if (dist[v] == UNSEEN) {
                    dist[v] = du;
                    queue[tail++] = v;
                }
            }
        }
    }
    return tail;
}

/* Forgets the distances set by the last search (its nodes are queue[0 .. count)), which
 * costs the size of the component instead of n. */
static void unsee(uint32_t *dist, const gb_node_t *queue, uint64_t count)
{
    for (uint64_t i = 0; i < count; i++)
        dist[queue[i]] = UNSEEN;
}

int gb_topology_stats(const gb_topology *t, uint64_t exact_limit, gb_graph_stats *out)
{
    if (t == NULL || out == NULL)
        return GB_EINVAL;
    memset(out, 0, sizeof *out);
    uint64_t n = t->n;
    out->nodes = n;
    out->diameter_exact = 1;
    if (n == 0)
        return GB_OK;

    if (t->complete) {
        /* Every node is adjacent to every other: one component, diameter 1 (0 for n = 1). */
        out->edges = n * (n - 1) / 2;
        out->degree_min = out->degree_max = (uint32_t)(n - 1);
        out->degree_mean = (double)(n - 1);
        out->components = 1;
        out->largest_component = n;
        out->diameter = n > 1 ? 1 : 0;
        return GB_OK;
    }

    uint64_t sum = 0;
    uint32_t mind = UINT32_MAX, maxd = 0;
    for (uint64_t u = 0; u < n; u++) {
        uint32_t d = gb_topology_degree(t, (gb_node_t)u);
        sum += d;
        if (d < mind)
            mind = d;
        if (d > maxd)
            maxd = d;
    }
    out->edges = sum / 2;
    out->degree_min = mind;
    out->degree_max = maxd;
    out->degree_mean = (double)sum / (double)n;
    /* Components and distances along one-way arcs would depend on where a search starts;
     * they are only defined here for symmetric topologies. */
    if (gb_topology_symmetric(t) != 1) {
        out->diameter_exact = 0;
        return GB_EINVAL;
    }

    int rc = GB_OK;
    uint32_t *dist = malloc((size_t)n * sizeof *dist);
    gb_node_t *queue = malloc((size_t)n * sizeof *queue);
    uint8_t *in_largest = NULL;
    if (dist == NULL || queue == NULL) {
        rc = GB_ENOMEM;
        goto done;
    }
    for (uint64_t u = 0; u < n; u++)
        dist[u] = UNSEEN;

    /* Components in order of their smallest node, so ties go to the smallest id. The
     * distances are left set, which marks every node seen; they are reset afterwards. */
    gb_node_t root = 0;
    for (uint64_t s = 0; s < n; s++) {
        if (dist[s] != UNSEEN)
            continue;
        uint64_t size = bfs(t, (gb_node_t)s, dist, queue);
        out->components++;
        if (size > out->largest_component) {
            out->largest_component = size;
            root = (gb_node_t)s;
        }
    }
    for (uint64_t u = 0; u < n; u++)
        dist[u] = UNSEEN;

    if (out->largest_component == 1)
        goto done; /* no edges at all: diameter 0, exact */

    if (n <= exact_limit) {
        /* Exact: the largest eccentricity over the component's nodes. */
        in_largest = calloc((size_t)((n + 7) / 8), 1);
        if (in_largest == NULL) {
            rc = GB_ENOMEM;
            goto done;
        }
        uint64_t size = bfs(t, root, dist, queue);
        for (uint64_t i = 0; i < size; i++)
            in_largest[queue[i] >> 3] |= (uint8_t)(1u << (queue[i] & 7));
        unsee(dist, queue, size);
        uint32_t diam = 0;
        for (uint64_t s = 0; s < n; s++) {
            if (!(in_largest[s >> 3] & (1u << (s & 7))))
                continue;
            size = bfs(t, (gb_node_t)s, dist, queue);
            uint32_t ecc = dist[queue[size - 1]];
            if (ecc > diam)
                diam = ecc;
            unsee(dist, queue, size);
        }
        out->diameter = diam;
        out->diameter_exact = 1;
    } else {
        /* Double sweep: the eccentricity of a node farthest from the root is a lower bound
         * on the diameter (and exact on trees). Any node's eccentricity e bounds the
         * diameter from above by 2e (triangle inequality), which sometimes proves the
         * bound exact. */
        uint64_t size = bfs(t, root, dist, queue);
        gb_node_t far = queue[size - 1];
        uint32_t e0 = dist[far];
        unsee(dist, queue, size);
        size = bfs(t, far, dist, queue);
        uint32_t e1 = dist[queue[size - 1]];
        unsee(dist, queue, size);
        uint64_t upper = 2 * (uint64_t)(e0 < e1 ? e0 : e1);
        out->diameter = e1;
        out->diameter_exact = (uint64_t)e1 == upper;
    }

done:
    if (rc < 0) {
        out->components = 0;
        out->largest_component = 0;
        out->diameter = 0;
        out->diameter_exact = 0;
    }
    free(in_largest);
    free(dist);
    free(queue);
    return rc;
}
