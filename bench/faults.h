/* faults.h: the fault layer's schedule and decisions (--faults "SPEC"). Pure C, no MPI.
 *
 * SPEC is a ';'-separated list of items, each kind at most once:
 *   loss=P           every message is dropped with probability P, independently
 *   crash=F@R        round(F*n) nodes crash at the start of round R and stay down
 *   crash=F@R-R2     ... and recover, with their state, at the start of round R2 (R2 > R)
 *   partition=G@A-B  from round A to round B inclusive, the nodes are split into G groups
 *                    of contiguous ids (node v is in group floor(v*G/n)); messages between
 *                    groups are dropped; from round B+1 on the network is whole again
 *   slow=F:S         round(F*n) nodes run their contact phase only in rounds that are
 *                    multiples of S (they still receive and answer every round)
 *   none             no faults (the default)
 *
 * Every decision is a pure function of (seed, trial, round, node ids, purpose) through
 * gb_rng's Philox with purpose GB_RNG_FAULT, so faults keep the reproducibility contract:
 * the same seed gives the same trials on any rank count.
 *
 * Keying (all with key = seed, counter word 0 = trial << 32 | round, as gb_rng_init):
 * - node sets (crash, slow): Floyd's sampling of exactly k = round(F*n) of the n ids from
 *   the stream (seed, trial, round 0, node = which + 2*chunk, GB_RNG_FAULT), with a new
 *   chunk (stream) every 2^20 draws; round 0 has no messages, so no clash with loss below.
 *   Every rank computes the whole set (n bits), so the set is the same on any rank count.
 * - loss: one Philox block per message: block `index` of the stream
 *   (seed, trial, round, node, GB_RNG_FAULT), first 64-bit output x; dropped iff
 *   x < floor(P * 2^64) (P = 1 drops all). The (node, index) pair names the message
 *   independently of delivery order and rank count (gb_faults_msg_index):
 *     contact phase: node = sender, index = seq (the sender's per-round sequence number,
 *                    deterministic because contact() runs per node in id order);
 *     reply phase:   node = sender of the contact message being answered,
 *                    index = 2^23 | contact seq << 7 | (number of earlier replies to that
 *                    same contact message, mod 128).
 */
#ifndef GB_FAULTS_H
#define GB_FAULTS_H

#include <stddef.h>
#include <stdint.h>
#include "gb_common.h"

#define GB_FAULTS_MAX_ROUND 100000000u /* as --max-rounds' upper limit */

typedef struct gb_faults {
    int any; /* at least one fault configured */
    int has_loss;
    double loss;
    uint64_t loss_thresh; /* drop iff draw < loss_thresh */
    int loss_all;         /* loss = 1 */
    int has_crash;
    double crash_frac;
    uint32_t crash_at, crash_until; /* until 0: never recovers */
    int has_partition;
    uint32_t groups, part_from, part_to;
    int has_slow;
    double slow_frac;
    uint32_t slow_every;
} gb_faults;

enum { GB_FAULT_SET_CRASH = 0, GB_FAULT_SET_SLOW = 1 };

/* Parse SPEC into f (cleared first). Returns 0, GB_EINVAL (malformed, unknown or repeated
 * item) or GB_ERANGE (value out of range) with one line in err such as
 * "--faults: 'crash=1.5@3': fraction must be in [0, 1]". */
int gb_faults_parse(const char *spec, gb_faults *f, char *err);

/* The resolved schedule as a SPEC that parses back to the same value ("none" without
 * faults). Returns the length it needed (like snprintf). */
int gb_faults_format(const gb_faults *f, char *buf, size_t len);

/* The last round in which the schedule changes something (a crash, recovery, partition or
 * heal, ...): 0 without such events. Runs that wait for a system to settle after the
 * faults (session protocols) do not end before it. */
uint32_t gb_faults_horizon(const gb_faults *f);

/* round(frac * n), halves rounded up, at most n. */
uint64_t gb_faults_count(double frac, uint64_t n);

/* Exactly k of the ids 0..n-1 (k <= n), uniformly, as a bitmap of (n + 7) / 8 bytes that
 * this function clears and fills; `which` is GB_FAULT_SET_*. */
void gb_faults_select(uint64_t seed, uint32_t trial, unsigned which, uint64_t n, uint64_t k,
                      uint8_t *bits);

static inline int gb_faults_bit(const uint8_t *bits, uint64_t v)
{
    return (bits[v >> 3] >> (v & 7)) & 1;
}

/* The loss decision's index of a message (see the header comment). */
static inline uint32_t gb_faults_msg_index(unsigned phase, uint16_t seq, uint32_t reply)
{
    if (phase == 0)
        return seq;
    return (1u << 23) | ((uint32_t)seq << 7) | (reply & 127u);
}

/* 1 when the message named (node, index) in `round` is lost. */
int gb_faults_lost(const gb_faults *f, uint64_t seed, uint32_t trial, uint32_t round,
                   uint32_t node, uint32_t index);

/* 1 when crashed nodes are down in `round`. */
static inline int gb_faults_crash_active(const gb_faults *f, uint32_t round)
{
    return f->has_crash && round >= f->crash_at && (f->crash_until == 0 || round < f->crash_until);
}

/* 1 when slow nodes skip their contact phase in `round`. */
static inline int gb_faults_slow_skips(const gb_faults *f, uint32_t round)
{
    return f->has_slow && round % f->slow_every != 0;
}

/* Partition group of node v among n nodes (0 when there is no partition). */
static inline uint32_t gb_faults_group(const gb_faults *f, uint64_t n, uint64_t v)
{
    if (!f->has_partition || n == 0)
        return 0;
    return (uint32_t)((v * f->groups) / n);
}

/* 1 when a message from src to dst in `round` crosses the partition. */
static inline int gb_faults_cut(const gb_faults *f, uint64_t n, uint32_t round, uint64_t src,
                                uint64_t dst)
{
    return f->has_partition && round >= f->part_from && round <= f->part_to &&
           gb_faults_group(f, n, src) != gb_faults_group(f, n, dst);
}

#endif
