/* rumor_state.c: the informed-round array and message handlers shared by the push / pull /
 * push-pull family. See rumor_state.h for why one array suffices. */
#include "rumor_state.h"

#include <stdlib.h>
#include <string.h>

int gb_rumor_init(const gb_proto_env *env, void **state, char *err)
{
    int frc = gb_check_fanout(env, err);
    if (frc < 0)
        return frc;
    gb_rumor_state *s = calloc(1, sizeof *s);
    if (s == NULL)
        return gb_seterr(err, GB_ENOMEM, "protocol state: out of memory");
    s->env = *env;
    s->words = ((size_t)env->count + 63) / 64;
    s->cur = calloc(s->words ? s->words : 1, sizeof *s->cur);
    s->next = calloc(s->words ? s->words : 1, sizeof *s->next);
    s->inf = malloc((env->count ? env->count : 1) * sizeof *s->inf);
    if (s->inf == NULL || s->cur == NULL || s->next == NULL) {
        gb_rumor_fini(s);
        return gb_seterr(err, GB_ENOMEM, "protocol state for %u nodes: out of memory",
                         env->count);
    }
    for (uint32_t i = 0; i < env->count; i++)
        s->inf[i] = GB_NEVER;
    if (env->source >= env->first && env->source - env->first < env->count) {
        uint32_t i = env->source - env->first;
        s->inf[i] = 0;
        s->cur[i >> 6] |= 1ull << (i & 63);
        s->next[i >> 6] |= 1ull << (i & 63);
        s->informed = 1;
    }
    *state = s;
    return 0;
}

void gb_rumor_fini(void *state)
{
    gb_rumor_state *s = state;
    if (s == NULL)
        return;
    free(s->inf);
    free(s->cur);
    free(s->next);
    free(s);
}

int gb_rumor_contact_peers(gb_rumor_state *s, uint32_t round, gb_node_t node, uint16_t kind,
                           gb_outbox *ob)
{
    gb_node_t peers[GB_MAX_FANOUT];
    uint32_t k = gb_pick_peers(&s->env, round, node, peers);
    /* A push carries the rumor; a pull request is a bare header. */
    uint32_t payload = kind == GB_MSG_PUSH ? s->env.payload : 0;
    for (uint32_t i = 0; i < k; i++) {
        int rc = gb_send(ob, node, peers[i], kind, 0, payload, 0);
        if (rc < 0)
            return rc;
    }
    if (kind == GB_MSG_PUSH)
        s->rumor_msgs += k;
    return 0;
}

/* Marks a local node informed in `round`, or counts a duplicate delivery. */
static void deliver_rumor(gb_rumor_state *s, gb_node_t u, uint32_t round)
{
    uint32_t i = u - s->env.first;
    uint64_t bit = 1ull << (i & 63), *w = &s->next[i >> 6];
    if (!(*w & bit)) {
        *w |= bit;
        s->inf[i] = round;
        s->newly++;
    } else {
        s->duplicates++;
    }
}

int gb_rumor_on_contact(void *state, uint32_t round, const gb_msg *m, gb_outbox *ob)
{
    gb_rumor_state *s = state;
    switch (m->kind) {
    case GB_MSG_PUSH:
        deliver_rumor(s, m->dst, round);
        return 0;
    case GB_MSG_PULL_REQ:
        /* Only a node that knew the rumor at the start of the round answers; a node that
         * does not know it sends nothing back (the requester's timeout, not modelled). */
        if (gb_rumor_knows(s, m->dst)) {
            s->rumor_msgs++;
            return gb_send(ob, m->dst, m->src, GB_MSG_PULL_REPLY, 0, s->env.payload, 0);
        }
        return 0;
    default:
        return GB_EINVAL;
    }
}

int gb_rumor_on_reply(void *state, uint32_t round, const gb_msg *m)
{
    gb_rumor_state *s = state;
    if (m->kind != GB_MSG_PULL_REPLY)
        return GB_EINVAL;
    deliver_rumor(s, m->dst, round);
    return 0;
}

void gb_rumor_end_round(void *state, uint32_t round, gb_round_stats *st)
{
    gb_rumor_state *s = state;
    (void)round;
    memcpy(s->cur, s->next, s->words * sizeof *s->cur);
    s->informed += s->newly;
    st->informed = s->informed;
    st->newly = s->newly;
    st->active = 0; /* push / pull / push-pull never stop by themselves */
    st->duplicates = s->duplicates;
    st->rumor_msgs = s->rumor_msgs;
    s->newly = 0;
    s->duplicates = 0;
    s->rumor_msgs = 0;
}

void gb_rumor_reset_node(void *state, gb_node_t node)
{
    gb_rumor_state *s = state;
    uint32_t i = node - s->env.first;
    uint64_t bit = 1ull << (i & 63);
    /* Called between rounds, when cur == next: both lose the bit. */
    if (s->cur[i >> 6] & bit)
        s->informed--;
    s->cur[i >> 6] &= ~bit;
    s->next[i >> 6] &= ~bit;
    s->inf[i] = GB_NEVER;
}

int32_t gb_rumor_infection_round(const void *state, gb_node_t node)
{
    const gb_rumor_state *s = state;
    uint32_t r = s->inf[node - s->env.first];
    return r == GB_NEVER ? -1 : (int32_t)r;
}
