/* rumor_state.h: state and message handling shared by push, pull and push-pull.
 *
 * One 32-bit word per local node holds the round in which the node was informed
 * (GB_NEVER when it is not). "Informed at the start of round t" is then inf < t, which is
 * exactly the DESIGN.md rule that a node informed in round t acts on it from round t+1,
 * and it needs no second copy of the state to commit at the end of a round.
 * Handlers only read start-of-round state (inf < round) and set a never-informed node
 * to the current round, so deliveries commute (GB_PROTO_COMMUTATIVE). */
#ifndef GB_RUMOR_STATE_H
#define GB_RUMOR_STATE_H

#include "gb_protocol.h"

#define GB_NEVER UINT32_MAX

typedef struct gb_rumor_state {
    gb_proto_env env;   /* copy of the environment */
    uint32_t *inf;      /* inf[u - env.first]: infection round or GB_NEVER */
    uint64_t informed;  /* local nodes informed so far */
    uint64_t newly;     /* informed in the current round */
    uint64_t duplicates;/* rumor deliveries to informed nodes, current round */
} gb_rumor_state;

/* init/fini for the family: allocate inf[], inform the source at round 0 if local. */
int gb_rumor_init(const gb_proto_env *env, void **state, char *err);
void gb_rumor_fini(void *state);

/* Whether local node u was informed at the start of `round`. */
static inline int gb_rumor_knows(const gb_rumor_state *s, gb_node_t u, uint32_t round)
{
    return s->inf[u - s->env.first] < round;
}

/* Send `kind` to fanout peers of node, chosen by gb_pick_peers. */
int gb_rumor_contact_peers(gb_rumor_state *s, uint32_t round, gb_node_t node, uint16_t kind,
                           gb_outbox *ob);

/* PUSH: inform the destination; PULL_REQ: answer with the rumor if the destination knew it
 * at the start of the round. */
int gb_rumor_on_contact(void *state, uint32_t round, const gb_msg *m, gb_outbox *ob);
/* PULL_REPLY: inform the destination. */
int gb_rumor_on_reply(void *state, uint32_t round, const gb_msg *m);
void gb_rumor_end_round(void *state, uint32_t round, gb_round_stats *st);
int32_t gb_rumor_infection_round(const void *state, gb_node_t node);

#endif
