/* gb_topology.h: the overlay contract. Pure C, no MPI.
 *
 * A topology generator is one file topologies/<name>.c exporting one const
 * gb_topology_ops (gb_topology_<name>) and registered in topologies/registry.c.
 * The ops struct holds no data; create() builds one gb_topology instance for given
 * parameters and seed. Generation is deterministic in (parameters, n, seed) and identical
 * on every MPI rank; random generators draw from gb_rng with purpose GB_RNG_TOPOLOGY.
 *
 * Neighbourhoods are simple: no self-loops, no repeated neighbours, and (for undirected
 * topologies, which every generator but file:directed=1 is) v in N(u) iff u in N(v).
 * A directed topology sets `directed`; its neighbours are out-neighbours and `edges`
 * counts arcs. n = 0 passed to create() means "take n from the input" for generators that
 * read one (file); the others reject it.
 * Implicit topologies (complete, ring, torus, hypercube) store no adjacency; explicit ones
 * store CSR arrays with 32-bit ids.
 */
#ifndef GB_TOPOLOGY_H
#define GB_TOPOLOGY_H

#include <stdint.h>
#include "gb_common.h"
#include "gb_params.h"

typedef struct gb_topology gb_topology;

/* Where the MPI ranks run, for overlays shaped by placement (e.g. a locality overlay).
 * Nodes sit on ranks in contiguous blocks (bench/engine.h). Any array may be NULL when
 * unknown; unit tests pass a NULL context. Every rank passes identical contents. */
typedef struct gb_topology_ctx {
    int ranks;
    const int *host; /* host index of each rank (0..hosts-1) */
    const int *numa; /* NUMA node of each rank within its host, -1 unknown */
    const int *core; /* core of each rank within its host (first core of its binding), -1 unknown */
} gb_topology_ctx;

typedef struct gb_topology_ops {
    const char *name;            /* registry key, e.g. "torus" */
    const char *help;            /* one line for --list */
    const gb_param_desc *params; /* NULL-terminated; may be an array with only the end mark */
    /* Build an instance with n nodes. Returns 0 or GB_EINVAL / GB_ERANGE (parameters do not
     * fit n, e.g. hypercube with n not a power of two), GB_ENOMEM, GB_EFAIL; err gets one
     * line naming the problem. On success *out is owned by the caller (gb_topology_free). */
    int (*create)(const gb_params *params, uint64_t n, uint64_t seed,
                  const gb_topology_ctx *ctx, gb_topology **out, char *err);
    /* Optional: peak heap bytes create() will need for these (already parsed) parameters,
     * so that the driver can refuse a run that cannot fit before allocating anything. NULL
     * for generators whose memory is negligible (implicit ones) or unknown (files). */
    uint64_t (*estimate_bytes)(const gb_params *params, uint64_t n);
} gb_topology_ops;

/* Instance: the generic part every generator fills in. Generators that need more state
 * embed this struct as their first member (or use `impl`). */
struct gb_topology {
    const gb_topology_ops *ops;
    uint64_t n;            /* number of nodes */
    uint32_t min_degree;   /* over all nodes */
    uint32_t max_degree;
    uint64_t edges;        /* undirected edges */
    int connected;         /* 1 connected, 0 not, -1 unknown */
    /* 1 when every node is adjacent to every other, with neighbor(u, k) = k < u ? k : k + 1:
     * the peer sampler, the hottest loop of the engine, then skips the callbacks. */
    int complete;
    int directed; /* 1: neighbor() lists out-neighbours, no symmetry (file:directed=1) */
    /* Degree of node u. */
    uint32_t (*degree)(const gb_topology *t, gb_node_t u);
    /* k-th neighbour of u, 0 <= k < degree(u). The order is fixed for a given instance. */
    gb_node_t (*neighbor)(const gb_topology *t, gb_node_t u, uint32_t k);
    void (*destroy)(gb_topology *t); /* frees everything, including t */
    /* CSR storage for explicit topologies (NULL for implicit ones): neighbours of u are
     * adj[off[u] .. off[u+1]). Exposed so that the engine can scan them fast. */
    const uint64_t *off;
    const gb_node_t *adj;
    size_t bytes; /* heap bytes held by the instance, for memory reports */
    void *impl;   /* generator-private */
};

/* Registry (topologies/registry.c). */
extern const gb_topology_ops *const gb_topology_table[]; /* NULL-terminated */
/* Find by name; NULL when unknown. */
const gb_topology_ops *gb_topology_find(const char *name);
/* Check unique names and required callbacks; 0 or GB_EINVAL with err. */
int gb_topology_registry_check(char *err);

/* Parse "name[:key=value,...]", find the generator and build it.
 * Returns 0 or a GB_E* code with one line in err (unknown topology, bad parameter,
 * parameters that do not fit n). */
int gb_topology_create_spec(const char *spec, uint64_t n, uint64_t seed, gb_topology **out,
                            gb_params *params_out, char *err);
/* The same with a placement context (may be NULL). */
int gb_topology_create_spec_ctx(const char *spec, uint64_t n, uint64_t seed,
                                const gb_topology_ctx *ctx, gb_topology **out,
                                gb_params *params_out, char *err);

static inline uint32_t gb_topology_degree(const gb_topology *t, gb_node_t u)
{
    return t->degree(t, u);
}
static inline gb_node_t gb_topology_neighbor(const gb_topology *t, gb_node_t u, uint32_t k)
{
    return t->neighbor(t, u, k);
}
void gb_topology_free(gb_topology *t);

/* Breadth-first search from src: number of nodes reachable from src (src included).
 * Needs n/8 bytes plus a queue of up to n ids; returns 0 on allocation failure. */
uint64_t gb_topology_reachable(const gb_topology *t, gb_node_t src);

/* Helpers for generators that store CSR adjacency (topologies/topology.c):
 * gb_topology_csr_init fills the generic fields from off/adj (taking ownership of both,
 * freed by destroy, and on error too: then t is left for the caller to free), computing
 * degrees, edge count and connectivity. */
int gb_topology_csr_init(gb_topology *t, const gb_topology_ops *ops, uint64_t n, uint64_t *off,
                         gb_node_t *adj);

extern const gb_topology_ops gb_topology_complete;
extern const gb_topology_ops gb_topology_ring;
extern const gb_topology_ops gb_topology_torus;
extern const gb_topology_ops gb_topology_hypercube;
extern const gb_topology_ops gb_topology_random_regular;
extern const gb_topology_ops gb_topology_star;
extern const gb_topology_ops gb_topology_path;
extern const gb_topology_ops gb_topology_mesh;
extern const gb_topology_ops gb_topology_tree;
extern const gb_topology_ops gb_topology_fat_tree;
extern const gb_topology_ops gb_topology_dragonfly;
extern const gb_topology_ops gb_topology_locality;
extern const gb_topology_ops gb_topology_file;
extern const gb_topology_ops gb_topology_gnp;
extern const gb_topology_ops gb_topology_gnm;
extern const gb_topology_ops gb_topology_small_world;
extern const gb_topology_ops gb_topology_scale_free;
extern const gb_topology_ops gb_topology_geometric;

#endif
