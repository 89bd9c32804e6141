/* topology.c: the generic part of the topology library: freeing, breadth-first
 * reachability, "name:key=value" specs, and the CSR helper that explicit generators
 * (random-regular) use to fill in the generic fields.
 *
 * Nothing here knows about a particular generator; the registry finds them by name. */
#include "gb_topology.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void gb_topology_free(gb_topology *t)
{
    if (t != NULL && t->destroy != NULL)
        t->destroy(t);
}

uint64_t gb_topology_reachable(const gb_topology *t, gb_node_t src)
{
    if (t == NULL || t->n == 0 || src >= t->n)
        return 0;
    uint64_t n = t->n;
    /* A bitmap keeps the visited set at n/8 bytes, which matters for millions of nodes;
     * the queue holds every node at most once, so n entries always suffice. */
    uint8_t *seen = calloc((size_t)((n + 7) / 8), 1);
    gb_node_t *queue = malloc((size_t)n * sizeof *queue);
    if (seen == NULL || queue == NULL) {
        free(seen);
        free(queue);
        return 0;
    }
    uint64_t head = 0, tail = 0;
    seen[src >> 3] |= (uint8_t)(1u << (src & 7));
    queue[tail++] = src;
    while (head < tail) {
        gb_node_t u = queue[head++];
        if (t->off != NULL && t->adj != NULL) {
            /* Scan CSR rows directly: no indirect call per neighbour. */
            for (uint64_t i = t->off[u]; i < t->off[u + 1]; i++) {
                gb_node_t v = t->adj[i];
                if (!(seen[v >> 3] & (1u << (v & 7)))) {
                    seen[v >> 3] |= (uint8_t)(1u << (v & 7));
                    queue[tail++] = v;
                }
            }
        } else {
            uint32_t deg = t->degree(t, u);
            for (uint32_t k = 0; k < deg; k++) {
                gb_node_t v = t->neighbor(t, u, k);
                if (!(seen[v >> 3] & (1u << (v & 7)))) {
                    seen[v >> 3] |= (uint8_t)(1u << (v & 7));
                    queue[tail++] = v;
                }
            }
        }
    }
    free(seen);
    free(queue);
    return tail;
}

int gb_topology_create_spec(const char *spec, uint64_t n, uint64_t seed, gb_topology **out,
                            gb_params *params_out, char *err)
{
    return gb_topology_create_spec_ctx(spec, n, seed, NULL, out, params_out, err);
}

int gb_topology_create_spec_ctx(const char *spec, uint64_t n, uint64_t seed,
                                const gb_topology_ctx *ctx, gb_topology **out,
                                gb_params *params_out, char *err)
{
    gb_params local;
    if (out != NULL)
        *out = NULL;
    if (spec == NULL || out == NULL)
        return gb_seterr(err, GB_EINVAL, "topology: no specification given");
    if (params_out == NULL)
        params_out = &local;

    /* The name ends at the first ':'; everything after it is the parameter list. */
    const char *colon = strchr(spec, ':');
    size_t len = colon ? (size_t)(colon - spec) : strlen(spec);
    const char *rest = colon ? colon + 1 : NULL;
    if (len == 0)
        return gb_seterr(err, GB_EINVAL, "topology: empty name in '%s' (see --list)", spec);
    char name[64];
    if (len >= sizeof name)
        return gb_seterr(err, GB_ENOENT, "unknown topology '%.*s' (see --list)", (int)len,
                         spec);
    memcpy(name, spec, len);
    name[len] = '\0';

    const gb_topology_ops *ops = gb_topology_find(name);
    if (ops == NULL)
        return gb_seterr(err, GB_ENOENT, "unknown topology '%s' (see --list)", name);
    int rc = gb_params_parse(params_out, ops->params, rest, "topology", ops->name, err);
    if (rc < 0)
        return rc;
    return ops->create(params_out, n, seed, ctx, out, err);
}

/* CSR callbacks: the arrays are the instance's own, so these are plain loads. */
static uint32_t csr_degree(const gb_topology *t, gb_node_t u)
{
    return (uint32_t)(t->off[u + 1] - t->off[u]);
}

static gb_node_t csr_neighbor(const gb_topology *t, gb_node_t u, uint32_t k)
{
    return t->adj[t->off[u] + k];
}

static void csr_destroy(gb_topology *t)
{
    /* The arrays are const in the public struct only to keep the engine from writing
     * them; they were handed over by the generator and are ours to free. */
    free((void *)t->off);
    free((void *)t->adj);
    free(t);
}

/* Contract (the header is brief): t is allocated by the caller with malloc/calloc and is
 * freed by t->destroy once this returns 0. off and adj are always taken over: on error
 * they are freed here and t is left for the caller to free. adj may be NULL only when
 * off[n] == 0. Returns 0, GB_EINVAL (NULL arguments, offsets not monotone, a neighbour id
 * >= n) or GB_ERANGE (n or a degree does not fit 32 bits). */
int gb_topology_csr_init(gb_topology *t, const gb_topology_ops *ops, uint64_t n, uint64_t *off,
                         gb_node_t *adj)
{
    int rc = GB_OK;
    if (t == NULL || off == NULL || (adj == NULL && n > 0 && off[n] > 0)) {
        rc = GB_EINVAL;
        goto fail;
    }
    if (n > GB_NODE_MAX) {
        rc = GB_ERANGE;
        goto fail;
    }
    uint32_t mind = n > 0 ? UINT32_MAX : 0, maxd = 0;
    if (off[0] != 0) {
        rc = GB_EINVAL;
        goto fail;
    }
    for (uint64_t u = 0; u < n; u++) {
        if (off[u + 1] < off[u]) {
            rc = GB_EINVAL;
            goto fail;
        }
        uint64_t d = off[u + 1] - off[u];
        if (d > UINT32_MAX) {
            rc = GB_ERANGE;
            goto fail;
        }
        if (d < mind)
            mind = (uint32_t)d;
        if (d > maxd)
            maxd = (uint32_t)d;
    }
    /* Out-of-range ids would make every later scan read out of bounds; one pass over
     * adj is cheap next to generating it. */
    for (uint64_t i = 0; i < off[n]; i++) {
        if (adj[i] >= n) {
            rc = GB_EINVAL;
            goto fail;
        }
    }

    t->ops = ops;
    t->n = n;
    t->min_degree = mind;
    t->max_degree = maxd;
    t->edges = off[n] / 2;
    t->degree = csr_degree;
    t->neighbor = csr_neighbor;
    t->destroy = csr_destroy;
    t->off = off;
    t->adj = adj;
    t->bytes = sizeof *t + (size_t)(n + 1) * sizeof *off + (size_t)off[n] * sizeof *adj;
    t->impl = NULL;
    if (n > 0) {
        uint64_t r = gb_topology_reachable(t, 0);
        t->connected = r == 0 ? -1 : (r == n); /* 0 only when BFS could not allocate */
    } else {
        t->connected = -1;
    }
    return GB_OK;

fail:
    free(off);
    free(adj);
    return rc;
}
