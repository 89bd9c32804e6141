/* push_pull.c: push-pull rumor spreading. Every node contacts `fanout` distinct peers each
 * round: an informed node pushes the rumor, an uninformed one asks for it. On the complete
 * graph this takes log3 n + O(log log n) rounds (Karp, Schindelhauer, Shenker, Vöcking 2000). */
#include "rumor_state.h"

static const gb_param_desc push_pull_params[] = {{.name = NULL}};

static int push_pull_contact(void *state, uint32_t round, gb_node_t node, gb_outbox *ob)
{
    gb_rumor_state *s = state;
    uint16_t kind = gb_rumor_knows(s, node) ? GB_MSG_PUSH : GB_MSG_PULL_REQ;
    return gb_rumor_contact_peers(s, round, node, kind, ob);
}

static int push_pull_contact_range(void *state, uint32_t round, gb_node_t lo, gb_node_t hi,
                                   gb_outbox *ob)
{
    return gb_rumor_contact_range(state, round, lo, hi, GB_RUMOR_PUSH | GB_RUMOR_PULL, ob);
}

const gb_protocol_ops gb_protocol_push_pull = {
    .name = "push-pull",
    .help = "every node contacts fanout random neighbours: informed ones push, others pull",
    .params = push_pull_params,
    .flags = GB_PROTO_COMMUTATIVE | GB_PROTO_THREADSAFE,
    .state_bytes_per_node = 5,
    .init = gb_rumor_init,
    .fini = gb_rumor_fini,
    .contact = push_pull_contact,
    .contact_range = push_pull_contact_range,
    .on_contact = gb_rumor_on_contact,
    .on_reply = gb_rumor_on_reply,
    .end_round = gb_rumor_end_round,
    .infection_round = gb_rumor_infection_round,
    .reset_node = gb_rumor_reset_node,
};
