/* push.c: push rumor spreading. Every node that knows the rumor at the start of a round sends
 * it to `fanout` distinct peers; on the complete graph this takes log2 n + ln n + O(1) rounds
 * (Frieze and Grimmett 1985, Pittel 1987). */
#include "rumor_state.h"

static const gb_param_desc push_params[] = {{.name = NULL}};

static int push_contact(void *state, uint32_t round, gb_node_t node, gb_outbox *ob)
{
    gb_rumor_state *s = state;
    if (!gb_rumor_knows(s, node))
        return 0;
    return gb_rumor_contact_peers(s, round, node, GB_MSG_PUSH, ob);
}

static int push_contact_range(void *state, uint32_t round, gb_node_t lo, gb_node_t hi,
                              gb_outbox *ob)
{
    return gb_rumor_contact_range(state, round, lo, hi, GB_RUMOR_PUSH, ob);
}

const gb_protocol_ops gb_protocol_push = {
    .name = "push",
    .help = "informed nodes send the rumor to fanout random neighbours each round",
    .params = push_params,
    .flags = GB_PROTO_COMMUTATIVE | GB_PROTO_THREADSAFE,
    .state_bytes_per_node = 5,
    .init = gb_rumor_init,
    .fini = gb_rumor_fini,
    .contact = push_contact,
    .contact_range = push_contact_range,
    .on_contact = gb_rumor_on_contact,
    .on_reply = gb_rumor_on_reply,
    .end_round = gb_rumor_end_round,
    .infection_round = gb_rumor_infection_round,
    .reset_node = gb_rumor_reset_node,
};
