/* pull.c: pull rumor spreading. Every node that does not know the rumor at the start of a
 * round asks `fanout` distinct peers; a peer that knew it answers with the rumor. Once most
 * nodes know, the uninformed fraction squares every round (Demers et al. 1987). */
#include "rumor_state.h"

static const gb_param_desc pull_params[] = {{.name = NULL}};

static int pull_contact(void *state, uint32_t round, gb_node_t node, gb_outbox *ob)
{
    gb_rumor_state *s = state;
    if (gb_rumor_knows(s, node))
        return 0;
    return gb_rumor_contact_peers(s, round, node, GB_MSG_PULL_REQ, ob);
}

static int pull_contact_range(void *state, uint32_t round, gb_node_t lo, gb_node_t hi,
                              gb_outbox *ob)
{
    return gb_rumor_contact_range(state, round, lo, hi, GB_RUMOR_PULL, ob);
}

const gb_protocol_ops gb_protocol_pull = {
    .name = "pull",
    .help = "uninformed nodes ask fanout random neighbours; informed ones answer with the rumor",
    .params = pull_params,
    .flags = GB_PROTO_COMMUTATIVE | GB_PROTO_THREADSAFE,
    .state_bytes_per_node = 5,
    .init = gb_rumor_init,
    .fini = gb_rumor_fini,
    .contact = pull_contact,
    .contact_range = pull_contact_range,
    .on_contact = gb_rumor_on_contact,
    .on_reply = gb_rumor_on_reply,
    .end_round = gb_rumor_end_round,
    .infection_round = gb_rumor_infection_round,
    .reset_node = gb_rumor_reset_node,
};
