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
 *
 * Threads. A protocol that also sets GB_PROTO_THREADSAFE lets the engine run the contact
 * phase of a rank's nodes on env->threads threads at once (--threads): the local nodes are
 * split into contiguous ranges, one per thread, each thread with its own outbox, and the
 * handlers of messages between local nodes run on the sending node's thread. So contact(),
 * contact_range(), on_contact() and on_reply() may run concurrently for different nodes
 * and messages (also for messages to the same node); everything else (init, end_round,
 * reset_node, ...) runs on one thread between rounds, after every concurrent call has
 * returned. gb_thread_index() names the calling thread's slot, 0..env->threads-1, for
 * per-thread counters. With env->threads == 1 nothing runs concurrently.
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

/* Messages a protocol handled itself under direct delivery (gb_outbox.direct), which it
 * adds up for the engine's accounting: every such message counts as sent and delivered. */
typedef struct gb_direct_tally {
    uint64_t messages;      /* contacts and replies handled directly */
    uint64_t payload_bytes; /* their modelled payload bytes (beyond GB_HEADER_BYTES) */
    uint64_t meta_bytes;    /* their modelled metadata bytes */
} gb_direct_tally;

/* Outbox: how a protocol sends. The engine (or a test) implements send(). */
typedef struct gb_outbox gb_outbox;
struct gb_outbox {
    /* Send m (src, dst, kind, arg set by the caller; seq is set by the implementation).
     * payload/meta are the modelled bytes beyond GB_HEADER_BYTES, for accounting.
     * Returns 0 or GB_ENOMEM. */
    int (*send)(gb_outbox *ob, gb_msg *m, uint32_t payload_bytes, uint32_t meta_bytes);
    void *impl;
    /* Direct delivery, offered by the engine to GB_PROTO_COMMUTATIVE protocols on its
     * immediate path in runs without faults, where every message arrives (0 elsewhere, and
     * in a zero-initialised outbox). When set, contact_range() may handle a message whose
     * destination is one of the rank's own nodes (env->first .. first+count-1) itself,
     * exactly as delivering it would (on_contact, then on_reply for each reply, replies to
     * local nodes included), instead of sending it, and must add it to `direct_tally`. The
     * engine would have delivered such a message at once anyway, so the results are the
     * same; what it saves is the per-message calls. */
    int direct;
    gb_direct_tally direct_tally;
};

/* Account one message handled under direct delivery. */
static inline void gb_direct_count(gb_outbox *ob, uint32_t payload_bytes, uint32_t meta_bytes)
{
    ob->direct_tally.messages++;
    ob->direct_tally.payload_bytes += payload_bytes;
    ob->direct_tally.meta_bytes += meta_bytes;
}

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
    uint32_t threads;     /* threads that may call the handlers at once (see the header
                           * comment): > 1 only for GB_PROTO_THREADSAFE protocols; 0 is
                           * taken as 1 */
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
    GB_PROTO_COMMUTATIVE = 1u << 0,     /* see the header comment */
    GB_PROTO_SELF_TERMINATING = 1u << 1, /* trial ends when no node is active */
    GB_PROTO_THREADSAFE = 1u << 2       /* handlers may run on several threads (header
                                         * comment); only with GB_PROTO_COMMUTATIVE */
};

/* The calling thread's slot, 0..env->threads-1: whoever runs handlers on several threads
 * (the engine's contact phase) sets it in each thread before, and back to 0 after; it is 0
 * elsewhere. A thread-local variable, so protocols need no threading library. */
extern _Thread_local unsigned gb_thread_slot;
static inline unsigned gb_thread_index(void)
{
    return gb_thread_slot;
}

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
    /* Optional (NULL: the engine calls contact() per node). The contact phase of the local
     * nodes lo..hi-1 in increasing order: the same messages, in the same order, as
     * contact() for each of them, except that with ob->direct set messages to local nodes
     * may be handled directly (gb_outbox.direct). The engine calls it only for nodes that
     * all act in this round (no fault silences any of them). */
    int (*contact_range)(void *state, uint32_t round, gb_node_t lo, gb_node_t hi,
                         gb_outbox *ob);
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

/* gb_pick_peers with fanout 1 for each of nodes[0..cnt): out[j] is the peer of nodes[j]
 * (the same as gb_pick_peers would choose), in one tight loop. Requires min_degree >= 1. */
void gb_pick_peer_many(const gb_proto_env *env, uint32_t round, const gb_node_t *nodes,
                       uint32_t cnt, gb_node_t *out);

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
