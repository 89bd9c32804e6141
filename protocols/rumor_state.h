/* rumor_state.h: state and message handling shared by push, pull and push-pull.
 *
 * Two bitmaps over the local nodes: `cur` (informed at the start of the round) and `next`
 * (informed by the end of it); end_round() copies next into cur, which is the DESIGN.md rule
 * that a node informed in round t acts on it from round t+1. Every message touches one
 * random bit, and bitmaps (n/4 bytes for both) stay in cache far longer than a word per
 * node would: at 10^7 nodes 2.5 MB instead of 40 MB, which is what the hot loop's speed
 * depends on. The infection round of each node (GB_NEVER when uninformed) is also kept,
 * written once per node per trial, for t_ave checks and tests.
 * Handlers only read start-of-round state (cur) and set bits in next, so deliveries
 * commute (GB_PROTO_COMMUTATIVE).
 *
 * Threads (GB_PROTO_THREADSAFE): with env.threads > 1 a bit of next is set with an atomic
 * fetch-or, and the one thread that finds it clear writes inf[] and counts the node as
 * newly informed; the others count a duplicate. Counts go to per-thread slots (one cache
 * line each, gb_thread_index()) that end_round() adds up, so they are the same for any
 * thread count. With one thread the plain operations run. */
#ifndef GB_RUMOR_STATE_H
#define GB_RUMOR_STATE_H

#include "gb_protocol.h"

#define GB_NEVER UINT32_MAX

typedef struct gb_rumor_state {
    gb_proto_env env;   /* copy of the environment */
    uint64_t *cur;      /* bit u - env.first: informed at the start of the round */
    uint64_t *next;     /* bit u - env.first: informed by the end of the round */
    size_t words;       /* 64-bit words in each bitmap */
    uint32_t *inf;      /* inf[u - env.first]: infection round or GB_NEVER */
    uint64_t informed;  /* local nodes informed so far */
    uint32_t threads;   /* env.threads, at least 1 */
    struct gb_rumor_tally {
        _Alignas(64) uint64_t newly; /* informed in the current round */
        uint64_t duplicates;         /* rumor deliveries to informed nodes, current round */
        uint64_t rumor_msgs;         /* rumor-carrying messages sent, current round */
    } *tally;           /* tally[threads], one cache line each */
} gb_rumor_state;

/* Which nodes contact peers in push / pull / push-pull (gb_rumor_contact_range). */
enum { GB_RUMOR_PUSH = 1, /* informed nodes push */
       GB_RUMOR_PULL = 2  /* uninformed nodes send pull requests */ };

/* init/fini for the family: allocate inf[], inform the source at round 0 if local. */
int gb_rumor_init(const gb_proto_env *env, void **state, char *err);
void gb_rumor_fini(void *state);

/* Whether local node u was informed at the start of `round`. */
static inline int gb_rumor_knows(const gb_rumor_state *s, gb_node_t u)
{
    uint32_t i = u - s->env.first;
    return (int)((s->cur[i >> 6] >> (i & 63)) & 1u);
}

/* Send `kind` to fanout peers of node, chosen by gb_pick_peers. */
int gb_rumor_contact_peers(gb_rumor_state *s, uint32_t round, gb_node_t node, uint16_t kind,
                           gb_outbox *ob);

/* The contact phase of local nodes lo..hi-1 (gb_protocol_ops.contact_range) for `modes`
 * (GB_RUMOR_PUSH, GB_RUMOR_PULL or both): each node that knows the rumor pushes (if PUSH),
 * each node that does not sends pull requests (if PULL), to the peers gb_pick_peers
 * chooses. Under direct delivery, messages to local nodes are handled in place. */
int gb_rumor_contact_range(gb_rumor_state *s, uint32_t round, gb_node_t lo, gb_node_t hi,
                           unsigned modes, gb_outbox *ob);

/* PUSH: inform the destination; PULL_REQ: answer with the rumor if the destination knew it
 * at the start of the round. */
int gb_rumor_on_contact(void *state, uint32_t round, const gb_msg *m, gb_outbox *ob);
/* PULL_REPLY: inform the destination. */
int gb_rumor_on_reply(void *state, uint32_t round, const gb_msg *m);
void gb_rumor_end_round(void *state, uint32_t round, gb_round_stats *st);
int32_t gb_rumor_infection_round(const void *state, gb_node_t node);
/* Forget the rumor at local node u (gb_protocol_ops.reset_node). */
void gb_rumor_reset_node(void *state, gb_node_t node);

#endif
