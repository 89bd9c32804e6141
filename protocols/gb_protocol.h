/* gb_protocol.h: the protocol contract. Pure C, no MPI.
 *
 * A protocol is one file protocols/<name>.c exporting one const gb_protocol_ops
 * (gb_protocol_<name>) and registered in protocols/registry.c. The ops struct holds no
 * data; init() returns the protocol's state for one trial on one rank, covering the local
 * block of nodes [env->first, env->first + env->count).
 *
 * Round semantics (DESIGN.md): rounds 1, 2, ...; every decision in round t reads node state
 * as it was at the start of round t; changes take effect in end_round(). A round is
 *   1. contact phase: contact() for every local node in increasing id order; it sends
 *      messages through the outbox;
 *   2. every contact message is delivered to its destination's owner: on_contact(), which
 *      may answer through the outbox (reply phase);
 *   3. every reply is delivered: on_reply();
 *   4. end_round() commits the round and reports counts.
 * Messages reach a node in canonical order (sender id, then sequence number) unless the
 * protocol sets GB_PROTO_COMMUTATIVE, which promises that its on_contact/on_reply only read
 * start-of-round state and combine updates commutatively, so the engine may deliver local
 * messages at once and in any order: the results are the same.
 */
#ifndef GB_PROTOCOL_H
#define GB_PROTOCOL_H

#include <stdint.h>
#include "gb_common.h"
#include "gb_params.h"
#include "gb_rng.h"
#include "gb_topology.h"

/* Modelled wire header of every message: src(4) dst(4) kind(2) seq(2) round(4). */
#define GB_HEADER_BYTES 16u

/* One message as the engine stores and moves it (16 bytes). */
typedef struct gb_msg {
    gb_node_t src, dst;
    uint16_t kind; /* protocol-defined */
    uint16_t seq;  /* per sender and phase, set by the engine (wraps at 2^16; only the
                    * canonical path relies on it, where each sender's messages of a
                    * phase are emitted together) */
    uint32_t arg;  /* protocol-defined small argument */
} gb_msg;

/* Outbox: how a protocol sends. The engine (or a test) implements send(). */
typedef struct gb_outbox gb_outbox;
struct gb_outbox {
    /* Send m (src, dst, kind, arg set by the caller; seq is set by the implementation).
     * payload/meta are the modelled bytes beyond GB_HEADER_BYTES, for accounting.
     * Returns 0 or GB_ENOMEM. */
    int (*send)(gb_outbox *ob, gb_msg *m, uint32_t payload_bytes, uint32_t meta_bytes);
    void *impl;
};

static inline int gb_send(gb_outbox *ob, gb_node_t src, gb_node_t dst, uint16_t kind,
                          uint32_t arg, uint32_t payload_bytes, uint32_t meta_bytes)
{
    gb_msg m = {.src = src, .dst = dst, .kind = kind, .seq = 0, .arg = arg};
    return ob->send(ob, &m, payload_bytes, meta_bytes);
}

/* What a protocol sees of the run. */
typedef struct gb_proto_env {
    const gb_topology *topo;
    uint64_t n;           /* total nodes */
    gb_node_t first;      /* first local node */
    uint32_t count;       /* local nodes */
    uint32_t fanout;      /* peers per round */
    uint32_t payload;     /* --payload bytes of the rumor */
    uint64_t seed;
    uint32_t trial;
    gb_node_t source;     /* node informed at round 0 */
    const gb_params *params;
} gb_proto_env;

/* Counts a protocol reports for its local nodes at the end of a round. */
typedef struct gb_round_stats {
    uint64_t informed;     /* local nodes informed after this round (cumulative) */
    uint64_t newly;        /* local nodes informed in this round */
    uint64_t active;       /* local nodes still spreading (rumor mongering) */
    uint64_t duplicates;   /* rumor deliveries to nodes that already had it, this round */
    uint64_t rumor_msgs;   /* messages sent this round that carried the rumor (traffic) */
} gb_round_stats;

enum {
    GB_PROTO_COMMUTATIVE = 1u << 0,    /* see the header comment */
    GB_PROTO_SELF_TERMINATING = 1u << 1 /* trial ends when no node is active */
};

typedef struct gb_protocol_ops {
    const char *name;
    const char *help;
    const gb_param_desc *params; /* NULL-terminated (may be only the end mark) */
    unsigned flags;
    uint32_t state_bytes_per_node; /* heap per local node of one trial's state (memory check) */
    /* Allocate state for one trial. 0, GB_ENOMEM, or GB_EINVAL with err (bad params). */
    int (*init)(const gb_proto_env *env, void **state, char *err);
    void (*fini)(void *state);
    /* Contact phase for local node `node` in round `round` (>= 1). */
    int (*contact)(void *state, uint32_t round, gb_node_t node, gb_outbox *ob);
    /* Delivery of a contact message to local node m->dst; may reply through ob. */
    int (*on_contact)(void *state, uint32_t round, const gb_msg *m, gb_outbox *ob);
    /* Delivery of a reply to local node m->dst. May be NULL if the protocol never replies. */
    int (*on_reply)(void *state, uint32_t round, const gb_msg *m);
    /* Commit the round; fill st for local nodes. */
    void (*end_round)(void *state, uint32_t round, gb_round_stats *st);
    /* Round in which local node was informed, or -1 if never (for t_ave and checks). */
    int32_t (*infection_round)(const void *state, gb_node_t node);
    /* Optional (NULL: the engine trusts end_round's `active` count). 1 when local node is
     * still active in the sense of gb_round_stats.active (spreading), as of the last
     * end_round(). Self-terminating protocols set it, so that the engine can leave out
     * nodes that are down for good (crashed, absent) when it decides that no node is
     * active any more. */
    int (*is_active)(const void *state, gb_node_t node);
    /* Optional (NULL: the protocol cannot do it, and the engine refuses fault schedules
     * that need it, crash=F@R-R2:empty). Put local node back into the state of a node that
     * never heard of the rumor (uninformed, not active, counters cleared, infection round
     * -1), between end_round() of one round and contact() of the next; the informed count
     * that end_round() reports goes down by one if the node was informed. The source too
     * forgets the rumor. */
    void (*reset_node)(void *state, gb_node_t node);
} gb_protocol_ops;

/* Registry (protocols/registry.c). */
extern const gb_protocol_ops *const gb_protocol_table[]; /* NULL-terminated */
const gb_protocol_ops *gb_protocol_find(const char *name);
int gb_protocol_registry_check(char *err);

/* Choose `fanout` distinct neighbours of `node` uniformly (never node itself), drawing from
 * the stream (seed, trial, round, node, GB_RNG_PEER). Writes them to out[0..fanout).
 * Requires fanout <= degree(node); returns the number written (min(fanout, degree)). */
uint32_t gb_pick_peers(const gb_proto_env *env, uint32_t round, gb_node_t node,
                       gb_node_t *out);

/* The fanout bound every protocol's init() checks: gb_pick_peers and the protocols keep
 * peer lists in arrays of GB_MAX_FANOUT entries. Returns 0, or GB_EINVAL with err. */
int gb_check_fanout(const gb_proto_env *env, char *err);

/* Message kinds shared by the push / pull / push-pull family. */
enum { GB_MSG_PUSH = 1, GB_MSG_PULL_REQ = 2, GB_MSG_PULL_REPLY = 3 };

extern const gb_protocol_ops gb_protocol_push;
extern const gb_protocol_ops gb_protocol_pull;
extern const gb_protocol_ops gb_protocol_push_pull;
extern const gb_protocol_ops gb_protocol_rumor;
extern const gb_protocol_ops gb_protocol_median_counter;
extern const gb_protocol_ops gb_protocol_null;

#define GB_MAX_FANOUT 64u

#endif
