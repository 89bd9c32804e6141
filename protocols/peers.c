/* peers.c: uniform choice of distinct neighbours, shared by every protocol. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#include "gb_protocol.h"

/* The batched draws below are Philox2x64-10, ten dependent 64x64-bit multiplications per
 * value. With BMI2 the compiler uses mulx, which writes registers of its choosing instead
 * of rdx:rax, so the processor overlaps the chains of consecutive nodes better (about 8 %
 * of a push-pull round at 10^7 nodes on one thread, 15 % of the null protocol's, on an Intel
 * Xeon VM; not worth it for gb_pick_peers, whose per-node calls then go through the
 * resolver). The clone is picked at load time where the processor has BMI2; integer
 * arithmetic gives the same values either way (checked against a build without it). */
#ifdef HAVE_TARGET_CLONES
#define GB_DRAW_CLONES __attribute__((target_clones("bmi2", "default")))
#else
#define GB_DRAW_CLONES
#endif

_Thread_local unsigned gb_thread_slot;

uint32_t gb_pick_peers(const gb_proto_env *env, uint32_t round, gb_node_t node, gb_node_t *out)
{
    const gb_topology *t = env->topo;
    /* Regular graphs (every generator but the random ones with varying degree) need no
     * per-node call for the degree. */
    uint32_t deg = t->min_degree == t->max_degree ? t->min_degree : gb_topology_degree(t, node);
    uint32_t f = env->fanout < deg ? env->fanout : deg;
    if (f == 0)
        return 0;
    gb_rng r;
    gb_rng_init(&r, env->seed, env->trial, round, node, GB_RNG_PEER);
    uint32_t idx[GB_MAX_FANOUT];
    if (f == 1) {
        idx[0] = (uint32_t)gb_rng_below(&r, deg);
    } else {
        /* Floyd's algorithm: f distinct indices out of deg with f draws, whatever deg is. */
        uint32_t k = 0;
        for (uint32_t j = deg - f; j < deg; j++) {
            uint32_t x = (uint32_t)gb_rng_below(&r, (uint64_t)j + 1);
            for (uint32_t i = 0; i < k; i++) {
                if (idx[i] == x) {
                    x = j;
                    break;
                }
            }
            idx[k++] = x;
        }
    }
    if (t->complete) {
        for (uint32_t i = 0; i < f; i++)
            out[i] = idx[i] < node ? idx[i] : idx[i] + 1;
    } else if (t->adj != NULL) {
        const gb_node_t *row = t->adj + t->off[node];
        for (uint32_t i = 0; i < f; i++)
            out[i] = row[idx[i]];
    } else {
        for (uint32_t i = 0; i < f; i++)
            out[i] = gb_topology_neighbor(t, node, idx[i]);
    }
    return f;
}

GB_DRAW_CLONES
void gb_pick_peer_many(const gb_proto_env *env, uint32_t round, const gb_node_t *nodes,
                       uint32_t cnt, gb_node_t *out)
{
    const gb_topology *t = env->topo;
    const uint64_t seed = env->seed;
    const uint32_t trial = env->trial;
    /* One loop per storage kind, each with nothing but the draw and the lookup in it: the
     * draws of consecutive nodes are independent, so the processor overlaps their Philox
     * rounds (a chain of ten multiplications each). */
    if (t->min_degree == t->max_degree && t->complete) {
        const uint64_t deg = t->min_degree;
        for (uint32_t j = 0; j < cnt; j++) {
            gb_rng r;
            gb_rng_init(&r, seed, trial, round, nodes[j], GB_RNG_PEER);
            gb_node_t x = (gb_node_t)gb_rng_below(&r, deg);
            out[j] = x < nodes[j] ? x : x + 1;
        }
    } else if (t->min_degree == t->max_degree && t->adj != NULL) {
        const uint64_t deg = t->min_degree;
        for (uint32_t j = 0; j < cnt; j++) {
            gb_rng r;
            gb_rng_init(&r, seed, trial, round, nodes[j], GB_RNG_PEER);
            out[j] = t->adj[t->off[nodes[j]] + gb_rng_below(&r, deg)];
        }
    } else {
        for (uint32_t j = 0; j < cnt; j++)
            gb_pick_peers(env, round, nodes[j], &out[j]);
    }
}

int gb_check_fanout(const gb_proto_env *env, char *err)
{
    if (env->fanout < 1 || env->fanout > GB_MAX_FANOUT)
        return gb_seterr(err, GB_EINVAL, "fanout %u is out of range [1, %u]", env->fanout,
                         GB_MAX_FANOUT);
    return 0;
}
