/* gb_rng.h: counter-based random streams (Random123 Philox2x64-10).
 *
 * Every random decision in gossipbench is a pure function of
 * (seed, trial, round, node, purpose, index): there is no global generator state, so any
 * rank can reproduce any node's choices and results do not depend on the rank count.
 * A stream is created for one (seed, trial, round, node, purpose) tuple and then yields
 * a sequence of 64-bit values (the index counts Philox blocks, see below).
 *
 * Philox2x64-10 (one 64-bit multiply per round, two outputs per block) costs half of
 * Philox4x64-10 per call, and the hot loop of push-pull needs one value per node and round.
 * The tuple maps injectively onto its 64-bit key and 128-bit counter:
 *   key    = seed
 *   ctr[0] = trial << 32 | round
 *   ctr[1] = index << 40 | purpose << 32 | node     (index < 2^24, purpose < 2^8)
 * so a stream yields up to 2^25 values, far more than any use here draws (peer selection
 * draws about fanout values; topology generation starts a new stream per pass). Purposes
 * are below 2^8 by construction (enum below). A stream drawn past 2^25 values would
 * repeat; GB_RNG_MAX_DRAWS documents the bound for callers that loop.
 */
#ifndef GB_RNG_H
#define GB_RNG_H

#include <stdint.h>
#include <Random123/philox.h>

/* Purposes keep independent decisions of the same node and round apart. */
enum gb_rng_purpose {
    GB_RNG_PEER = 1,     /* peer selection in the contact phase */
    GB_RNG_SOURCE = 2,   /* random source node for a trial (round 0, node 0) */
    GB_RNG_TOPOLOGY = 3, /* topology generation (trial 0; round = attempt) */
    GB_RNG_PROTOCOL = 4, /* protocol-internal coins (e.g. rumor mongering) */
    GB_RNG_FAULT = 5,    /* fault layer: crashed/slow node sets, message loss (faults.h) */
    GB_RNG_TEST = 15     /* reserved for tests */
};

#define GB_RNG_MAX_DRAWS (1ull << 25)

typedef struct gb_rng {
    philox2x64_ctr_t ctr;
    philox2x64_key_t key;
    philox2x64_ctr_t out;
    unsigned used; /* outputs of `out` already consumed (2 = none left) */
} gb_rng;

/* Initialise a stream for the given tuple. Cheap: no output is computed yet. */
static inline void gb_rng_init(gb_rng *r, uint64_t seed, uint32_t trial, uint32_t round,
                               uint32_t node, uint32_t purpose)
{
    r->key.v[0] = seed;
    r->ctr.v[0] = ((uint64_t)trial << 32) | round;
    r->ctr.v[1] = ((uint64_t)(purpose & 0xffu) << 32) | node;
    r->used = 2;
}

/* Next uniform 64-bit value of the stream. */
static inline uint64_t gb_rng_next(gb_rng *r)
{
    if (r->used == 2) {
        r->out = philox2x64(r->ctr, r->key);
        r->ctr.v[1] += 1ull << 40; /* next index */
        r->used = 0;
    }
    return r->out.v[r->used++];
}

/* Uniform integer in [0, bound), bound >= 1, without modulo bias (Lemire 2019). */
static inline uint64_t gb_rng_below(gb_rng *r, uint64_t bound)
{
    uint64_t x = gb_rng_next(r);
    __uint128_t m = (__uint128_t)x * bound;
    uint64_t low = (uint64_t)m;
    if (low < bound) {
        uint64_t thresh = (0 - bound) % bound;
        while (low < thresh) {
            x = gb_rng_next(r);
            m = (__uint128_t)x * bound;
            low = (uint64_t)m;
        }
    }
    return (uint64_t)(m >> 64);
}

/* Uniform double in [0, 1) with 53 random bits. */
static inline double gb_rng_uniform01(gb_rng *r)
{
    return (double)(gb_rng_next(r) >> 11) * 0x1.0p-53;
}

#endif
