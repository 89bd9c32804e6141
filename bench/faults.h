/* faults.h: the fault layer's schedule and decisions (--faults "SPEC"). Pure C, no MPI.
 *
 * SPEC is a ';'-separated list of items (or "@FILE", below):
 *   loss=P             every message is dropped with probability P, independently
 *   crossloss=P@G      the nodes form G groups of contiguous ids (node v is in group
 *                      floor(v*G/n), as for partition); a message between two different
 *                      groups is also dropped with probability P, independently of loss=.
 *                      With block placement and G = the number of hosts (n divisible by it,
 *                      the same number of ranks per host) the groups are the hosts, so P is
 *                      the loss of inter-host links
 *   crash=F@R          round(F*n) nodes crash at the start of round R and stay down
 *   crash=F@R-R2       ... and recover, with their state, at the start of round R2 (R2 > R)
 *   crash=F@R-R2:empty ... and recover with EMPTY state (the protocol's reset_node)
 *   partition=G@A-B    from round A to round B inclusive, the nodes are split into G groups
 *                      of contiguous ids (node v is in group floor(v*G/n)); messages between
 *                      groups are dropped; from round B+1 on the network is whole again
 *   partition=G@A-B:random  ... with every node in a uniformly random group instead
 *                      (drawn per trial and item from block 2^22 + 1 of the stream
 *                      (seed, trial, A, node, GB_RNG_FAULT): the same on any rank count)
 *   join=F@R           round(F*n) nodes are ABSENT from round 0 and join at the start of
 *                      round R (R >= 1)
 *   leave=F@R          round(F*n) nodes leave gracefully at the start of round R and stay
 *                      absent
 *   churn=L:J@A-B      in every round A..B, each UP node leaves (gracefully) with
 *                      probability L and each ABSENT node (left earlier, or a joiner that
 *                      has not joined yet) joins with probability J
 *   slow=F:S           round(F*n) nodes run their contact phase only in rounds that are
 *                      multiples of S (they still receive and answer every round)
 *   none               no faults (the default)
 * loss, crossloss and slow may be given once each; crash, partition, join, leave and churn
 * may repeat, GB_FAULTS_MAX_EVENTS items of these kinds in all. Partition windows must not
 * overlap each other, nor churn windows each other. Every crash, join and leave item draws
 * its own node set. The parsed schedule is canonical: items are sorted by kind (the order
 * of the list above) and, within a kind, by round (then by the other values), so two
 * SPECs that list the same items in another order are the same schedule.
 *
 * "@FILE" reads the items from FILE, one per line; blank lines and '#' comments (to the end
 * of the line) are ignored, and spaces and tabs around an item too; a file without items is
 * "none". Errors name FILE:LINE and the item.
 *
 * Node states (gb_fault_view below). Every node is UP, CRASHED or ABSENT. At round 0 the
 * nodes of every join item are ABSENT, all others UP. At the start of each round R >= 1 the
 * transitions below are applied in this order, each to nodes that have had no transition
 * yet in round R (so a node has at most one event per round):
 *   1. recovery: a node CRASHED by an item crash=F@R0-R becomes UP (event RECOVER, or
 *      RECOVER_EMPTY for ":empty");
 *   2. crash: a node of the set of an item crash=F@R that is UP becomes CRASHED (CRASH).
 *      A crash only takes nodes that are UP at that moment: an ABSENT node (or one already
 *      CRASHED, or one that recovered in this very round) is left alone, and is not crashed
 *      later either, even if it joins within the crash's window;
 *   3. leave: a node of the set of an item leave=F@R that is UP becomes ABSENT (LEAVE); a
 *      CRASHED node cannot leave gracefully and stays CRASHED;
 *   4. join: a node of the set of an item join=F@R that is ABSENT becomes UP (JOIN);
 *   5. churn (R within an item's window): an UP node becomes ABSENT (LEAVE) with
 *      probability L, an ABSENT node becomes UP (JOIN) with probability J; CRASHED nodes
 *      are not touched.
 * A LEAVE in round R makes the node ABSENT from round R on (a protocol may send a departure
 * announcement in round R: the engine decides). A node that joins (again) keeps the state
 * it had (the engine decides whether to reset it). Slow nodes are UP nodes that skip their
 * contact phase.
 *
 * Every decision is a pure function of (seed, trial, round, node ids, purpose) through
 * gb_rng's Philox with purpose GB_RNG_FAULT, so faults keep the reproducibility contract:
 * the same seed gives the same trials on any rank count.
 *
 * Keying (all with key = seed, counter word 0 = trial << 32 | round, as gb_rng_init):
 * - node sets (crash, join, leave items, slow): Floyd's sampling of exactly k = round(F*n)
 *   of the n ids, in round 0 (which has no messages and no churn, so no clash with the
 *   draws below), from streams named by a set id `which` (gb_faults_set_id) and a chunk
 *   number (a new stream every 2^20 draws): node = which + 2*chunk for the first crash
 *   item (which 0) and slow (which 1), node = 2^31 | which << 16 | chunk for the others.
 *   Every rank computes the whole set (n bits), so the set is the same on any rank count.
 * - loss and crossloss: one Philox block per message: block `index` of the stream
 *   (seed, trial, round, node, GB_RNG_FAULT); loss drops iff its first 64-bit output
 *   x < floor(P * 2^64), crossloss iff its second output y < floor(P * 2^64) (P = 1 drops
 *   all). The (node, index) pair names the message independently of delivery order and
 *   rank count (gb_faults_msg_index):
 *     contact phase: node = sender, index = seq (the sender's per-round sequence number,
 *                    deterministic because contact() runs per node in id order), < 2^16;
 *     reply phase:   node = sender of the contact message being answered,
 *                    index = 2^23 | contact seq << 7 | (number of earlier replies to that
 *                    same contact message, mod 128).
 * - churn: node v's draw in round R is the first output of block GB_FAULTS_CHURN_INDEX
 *   (2^22, which no message index uses) of the stream (seed, trial, R, v, GB_RNG_FAULT):
 *   leave iff it is < floor(L * 2^64) (UP node), join iff < floor(J * 2^64) (ABSENT node).
 */
#ifndef GB_FAULTS_H
#define GB_FAULTS_H

#include <stddef.h>
#include <stdint.h>
#include "gb_common.h"

#define GB_FAULTS_MAX_ROUND 100000000u /* as --max-rounds' upper limit */
#define GB_FAULTS_MAX_EVENTS 64u       /* crash, partition, join, leave, churn items */
#define GB_FAULTS_TEXT_MAX 8192u       /* enough for gb_faults_format of any schedule */
#define GB_FAULTS_CHURN_INDEX (1u << 22)
#define GB_FAULTS_PART_INDEX ((1u << 22) + 1u) /* partition=...:random groups */

/* Kinds of the repeatable items, in canonical order. */
enum gb_fault_kind {
    GB_FAULT_CRASH = 0,
    GB_FAULT_PARTITION = 1,
    GB_FAULT_JOIN = 2,
    GB_FAULT_LEAVE = 3,
    GB_FAULT_CHURN = 4
};

typedef struct gb_fault_event {
    uint8_t kind;      /* enum gb_fault_kind */
    uint8_t empty;     /* crash: recover with empty state (":empty") */
    uint8_t random;    /* partition: random groups (":random") instead of contiguous ids */
    uint32_t from;     /* crash: round R; partition, churn: A; join, leave: R */
    uint32_t to;       /* crash: recovery round (0: never); partition, churn: B; else 0 */
    uint32_t groups;   /* partition: G; else 0 */
    double frac;       /* crash, join, leave: F; churn: L; partition: 0 */
    double join;       /* churn: J; else 0 */
    uint32_t set;      /* crash, join, leave: index among the sampled items (gb_faults_set_id) */
} gb_fault_event;

typedef struct gb_faults {
    int any; /* at least one fault configured */
    int has_loss;
    double loss;
    uint64_t loss_thresh; /* drop iff draw < loss_thresh */
    int loss_all;         /* loss = 1 */
    int has_crossloss;
    double crossloss;
    uint32_t cross_groups;
    uint64_t cross_thresh;
    int cross_all;
    int has_slow;
    double slow_frac;
    uint32_t slow_every;
    /* crash, partition, join, leave and churn items, sorted canonically */
    uint32_t nevents;
    gb_fault_event ev[GB_FAULTS_MAX_EVENTS];
    /* derived from ev[] */
    int has_crash, has_partition, has_join, has_leave, has_churn;
    int has_empty;        /* some crash item recovers with empty state */
    uint32_t nsampled;    /* crash, join and leave items (each has a node set) */
} gb_faults;

/* Set ids of gb_faults_select: the first crash item and slow keep the ids they always had. */
enum { GB_FAULT_SET_CRASH = 0, GB_FAULT_SET_SLOW = 1 };

/* The set id of event e (crash, join or leave) of f. */
unsigned gb_faults_set_id(const gb_fault_event *e);

/* Parse SPEC (or "@FILE") into f (cleared first). Returns 0, GB_EINVAL (malformed,
 * unknown or repeated item, too many items, overlapping windows), GB_ERANGE (value out of
 * range) or GB_EIO (FILE cannot be read), with one line in err such as
 * "--faults: 'crash=1.5@3': fraction must be in [0, 1]" or
 * "--faults: sched.txt:4: 'churn=0.1:0@9-3': last round must not come before the first". */
int gb_faults_parse(const char *spec, gb_faults *f, char *err);

/* Checks that need the node count n: refuses a schedule that crashes every node, makes
 * every node leave, keeps every node absent until a join, or has more partition or
 * crossloss groups than nodes. Returns 0 or GB_ERANGE with one line in err naming the item. */
int gb_faults_check(const gb_faults *f, uint64_t n, char *err);

/* 1 when a and b are the same schedule. */
int gb_faults_equal(const gb_faults *a, const gb_faults *b);

/* The resolved schedule as a SPEC that parses back to the same value ("none" without
 * faults); GB_FAULTS_TEXT_MAX bytes always suffice. Returns the length it needed (like
 * snprintf). */
int gb_faults_format(const gb_faults *f, char *buf, size_t len);

/* The last round in which the schedule changes something (a crash, recovery, partition or
 * heal, ...): 0 without such events. Runs that wait for a system to settle after the
 * faults (session protocols) do not end before it. */
uint32_t gb_faults_horizon(const gb_faults *f);

/* round(frac * n), halves rounded up, at most n. */
uint64_t gb_faults_count(double frac, uint64_t n);

/* Exactly k of the ids 0..n-1 (k <= n), uniformly, as a bitmap of (n + 7) / 8 bytes that
 * this function clears and fills; `which` is a set id (GB_FAULT_SET_* or
 * gb_faults_set_id). */
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

/* 1 when the message named (node, index) in `round` is lost by loss= (crossloss and
 * partitions not included: see gb_fault_view_drops). */
int gb_faults_lost(const gb_faults *f, uint64_t seed, uint32_t trial, uint32_t round,
                   uint32_t node, uint32_t index);

/* 1 when slow nodes skip their contact phase in `round`. */
static inline int gb_faults_slow_skips(const gb_faults *f, uint32_t round)
{
    return f->has_slow && round % f->slow_every != 0;
}

/* Group of node v among n nodes split into `groups` groups of contiguous ids. */
static inline uint32_t gb_faults_group(uint32_t groups, uint64_t n, uint64_t v)
{
    if (groups == 0 || n == 0)
        return 0;
    return (uint32_t)((v * groups) / n);
}

/* The partition item active in `round`, or NULL. */
const gb_fault_event *gb_faults_partition_at(const gb_faults *f, uint32_t round);

/* 1 when a message from src to dst in `round` crosses an active partition. */
int gb_faults_cut(const gb_faults *f, uint64_t seed, uint32_t trial, uint64_t n, uint32_t round,
                  uint64_t src, uint64_t dst);

/* 1 when node states can change (crash, join, leave or churn items). */
static inline int gb_faults_states(const gb_faults *f)
{
    return f != NULL && (f->has_crash || f->has_join || f->has_leave || f->has_churn);
}

/* ---------------------------------------------------------------- node-state view
 *
 * One trial's node states (see "Node states" above) for the local block [first,
 * first+count) of n nodes, on one rank. Memory: O(count) plus one n-bit scratch bitmap for
 * drawing the node sets. A node's state and events depend only on (seed, trial, round,
 * node): views over different blocks agree node by node. */
enum gb_node_state { GB_NODE_UP = 0, GB_NODE_CRASHED = 1, GB_NODE_ABSENT = 2 };
enum gb_node_event {
    GB_EV_NONE = 0,
    GB_EV_CRASH,
    GB_EV_RECOVER,
    GB_EV_RECOVER_EMPTY,
    GB_EV_JOIN,
    GB_EV_LEAVE
};
typedef struct gb_fault_view gb_fault_view;

/* View of the local block [first, first+count) of n nodes. f (NULL or without faults: every
 * node is always UP, nothing is dropped) is copied. Returns 0 or GB_ENOMEM (*out NULL). */
int gb_fault_view_create(const gb_faults *f, uint64_t seed, uint64_t n, gb_node_t first,
                         uint32_t count, gb_fault_view **out);
void gb_fault_view_free(gb_fault_view *v);

/* Start a trial: states at round 0 (joiners ABSENT, everyone else UP), no events. */
void gb_fault_view_start(gb_fault_view *v, uint32_t trial);

/* Move to `round` (called with 1, 2, 3, ... in order after start): applies the transitions
 * that happen at the start of `round` (recover, crash, leave, join, churn) and records each
 * local node's event of this round. */
void gb_fault_view_advance(gb_fault_view *v, uint32_t round);

/* Local node's state in the current round (enum gb_node_state). */
uint8_t gb_fault_view_state(const gb_fault_view *v, gb_node_t node);

/* Local node's event at the start of the current round (enum gb_node_event). */
uint8_t gb_fault_view_event(const gb_fault_view *v, gb_node_t node);

/* 1 when local node is UP and not skipping this round as a slow node. */
int gb_fault_view_acts(const gb_fault_view *v, gb_node_t node);

/* Local nodes UP in the current round. */
uint64_t gb_fault_view_up(const gb_fault_view *v);

/* 1 when a message src->dst sent in the current round is dropped by the network: partition
 * cut, crossloss, loss. name_node/name_index name the message for the loss draws (as
 * gb_faults_lost). Node states are NOT considered here (the receiving rank checks its local
 * destination's state). */
int gb_fault_view_drops(const gb_fault_view *v, gb_node_t src, gb_node_t dst,
                        uint32_t name_node, uint32_t name_index);

/* Which local nodes are UP, as a bitmap: bit i of word i / 64 is node first + i; bits past
 * count are 0. The pointer stays valid for the view's life and the bits follow start and
 * advance. For loops over every node and every message, where a call per lookup (or a byte
 * per node, which falls out of cache sooner) would cost more. (An extension of the API
 * above, like the two below.) */
const uint64_t *gb_fault_view_up_bits(const gb_fault_view *v);

static inline int gb_fault_up_bit(const uint64_t *bits, uint32_t i)
{
    return (int)((bits[i >> 6] >> (i & 63)) & 1u);
}

/* Heap bytes a view of `count` local nodes of n needs (for memory estimates). */
uint64_t gb_fault_view_bytes(const gb_faults *f, uint64_t n, uint32_t count);

/* 1 when local node is not UP now but may be UP again in a later round: CRASHED by an item
 * with a recovery round still to come, or ABSENT with a join item of a later round among
 * its sets, or a churn item with J > 0 whose window has not ended. (An extension of the
 * API above: the engine lets self-terminating trials end only when no such node is still
 * active.) */
int gb_fault_view_may_return(const gb_fault_view *v, gb_node_t node);

#endif
