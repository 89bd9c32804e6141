/* rumor.c: rumor mongering, Demers et al. 1987 ("Epidemic Algorithms for Replicated Database
 * Maintenance", section 1.4), in its push, pull and push-pull forms.
 *
 * A node is susceptible (S, does not know the rumor), infective (I, knows it and spreads it)
 * or removed (R, knows it and has lost interest). The source is infective at round 0; a node
 * informed in round t is infective from round t+1. Each round:
 *   push       every infective node sends the rumor to `fanout` random peers;
 *   pull       every node asks `fanout` random peers (saying whether it knows the rumor); an
 *              infective peer sends the rumor to a requester that lacks it;
 *   push-pull  every node contacts `fanout` peers: an infective one pushes, and an infective
 *              contacted peer sends the rumor back to a contact that lacks it.
 * Loss of interest (an infective node becoming removed):
 *   interest=feedback  only after an unnecessary contact, i.e. one whose partner already knew
 *                      the rumor at the start of the round (the partner says so: for push a
 *                      header-only "already knew" reply, for pull the request's flag);
 *   interest=blind     after every contact it made as a sender, necessary or not;
 *   stop=counter       once k such contacts have been counted. Demers et al. leave open when
 *                      the counter resets; with feedback, reset=1 (the default) starts the count
 *                      afresh after a round with a necessary contact, and it is this variant
 *                      that reproduces their Table 1 (n = 1000, k = 1..5: residue, traffic and
 *                      t_last to two or three digits, see docs/protocols.md); reset=0 counts
 *                      every unnecessary contact since the node became infective;
 *   stop=coin          with probability 1/k after each such contact.
 * "Already knew" is judged on start-of-round state, as every decision in a round is
 * (DESIGN.md): two pushes that reach a susceptible node in the same round are both necessary.
 * Contacts are counted during the round and applied at its end, so delivery order never
 * matters (for the coin, the number of contacts decides how many independent draws from the
 * node's (round, node) stream are made). Traffic m counts messages that carry the rumor.
 * The protocol stops by itself: a trial ends when no node is infective.
 */
#include <stdlib.h>
#include <string.h>

#include "gb_protocol.h"

enum { ST_S = 0, ST_I = 1, ST_R = 2 };
enum { MODE_PUSH, MODE_PULL, MODE_PUSH_PULL };
enum { MSG_PUSH = 10, MSG_KNEW = 11, MSG_PULL = 12, MSG_PULL_REPLY = 13, MSG_CONTACT = 14,
       MSG_CONTACT_REPLY = 15 };
/* arg bits */
#define A_KNOWS 1u     /* sender knew the rumor at the start of the round */
#define A_INFECTIVE 2u /* sender is infective (its contact pushes the rumor) */
#define A_RUMOR 4u     /* the message carries the rumor */

static const gb_param_desc rumor_params[] = {
    {.name = "mode", .type = GB_PARAM_STRING, .def = "push", .choices = "push|pull|push-pull",
     .help = "who sends the rumor: infective nodes (push), requesters (pull) or both"},
    {.name = "interest", .type = GB_PARAM_STRING, .def = "feedback", .choices = "feedback|blind",
     .help = "lose interest only after unnecessary contacts (feedback) or after any (blind)"},
    {.name = "stop", .type = GB_PARAM_STRING, .def = "counter", .choices = "counter|coin",
     .help = "removed after k contacts that count (counter) or with probability 1/k each (coin)"},
    {.name = "k", .type = GB_PARAM_INT, .def = "2", .min = 1, .max = 255,
     .help = "counter limit, or 1/probability for the coin"},
    {.name = "reset", .type = GB_PARAM_INT, .def = "1", .min = 0, .max = 1,
     .help = "counter with feedback: 1 restarts the count after a necessary contact (Demers)"},
    {.name = NULL}};

typedef struct rumor_state {
    gb_proto_env env;
    int mode, blind, coin, reset;
    uint32_t k;
    uint8_t *st, *nst; /* state at the start of the round / at its end */
    uint8_t *cnt;      /* contacts counted so far (stop=counter) */
    uint16_t *ev;      /* contacts that count, this round */
    uint16_t *good;    /* necessary contacts made as a sender, this round (for reset=1) */
    uint32_t *inf;     /* infection round, UINT32_MAX when never */
    uint64_t informed, newly, duplicates, rumor_msgs;
} rumor_state;

static int parse_choice(const char *v, const char *const *names, int count, int *out)
{
    for (int i = 0; i < count; i++)
        if (strcmp(v, names[i]) == 0) {
            *out = i;
            return 0;
        }
    return GB_EINVAL;
}

static void rumor_fini(void *state)
{
    rumor_state *s = state;
    if (s == NULL)
        return;
    free(s->st);
    free(s->nst);
    free(s->cnt);
    free(s->ev);
    free(s->good);
    free(s->inf);
    free(s);
}

static int rumor_init(const gb_proto_env *env, void **state, char *err)
{
    static const char *const modes[] = {"push", "pull", "push-pull"};
    static const char *const interests[] = {"feedback", "blind"};
    static const char *const stops[] = {"counter", "coin"};
    int mode, interest, stop;
    if (parse_choice(gb_params_str(env->params, "mode"), modes, 3, &mode) < 0)
        return gb_seterr(err, GB_EINVAL, "protocol 'rumor': mode='%s' is not push, pull or push-pull",
                         gb_params_str(env->params, "mode"));
    if (parse_choice(gb_params_str(env->params, "interest"), interests, 2, &interest) < 0)
        return gb_seterr(err, GB_EINVAL, "protocol 'rumor': interest='%s' is not feedback or blind",
                         gb_params_str(env->params, "interest"));
    if (parse_choice(gb_params_str(env->params, "stop"), stops, 2, &stop) < 0)
        return gb_seterr(err, GB_EINVAL, "protocol 'rumor': stop='%s' is not counter or coin",
                         gb_params_str(env->params, "stop"));
    int frc = gb_check_fanout(env, err);
    if (frc < 0)
        return frc;
    rumor_state *s = calloc(1, sizeof *s);
    if (s == NULL)
        return gb_seterr(err, GB_ENOMEM, "protocol 'rumor': out of memory");
    size_t c = env->count ? env->count : 1;
    s->env = *env;
    s->mode = mode;
    s->blind = interest == 1;
    s->coin = stop == 1;
    s->k = (uint32_t)gb_params_int(env->params, "k");
    s->st = calloc(c, 1);
    s->nst = calloc(c, 1);
    s->cnt = calloc(c, 1);
    s->ev = calloc(c, sizeof *s->ev);
    s->good = calloc(c, sizeof *s->good);
    s->reset = (int)gb_params_int(env->params, "reset");
    s->inf = malloc(c * sizeof *s->inf);
    if (!s->st || !s->nst || !s->cnt || !s->ev || !s->good || !s->inf) {
        rumor_fini(s);
        return gb_seterr(err, GB_ENOMEM, "protocol 'rumor' for %u nodes: out of memory",
                         env->count);
    }
    memset(s->inf, 0xff, c * sizeof *s->inf);
    if (env->source >= env->first && env->source - env->first < env->count) {
        uint32_t i = env->source - env->first;
        s->st[i] = s->nst[i] = ST_I;
        s->inf[i] = 0;
        s->informed = 1;
    }
    *state = s;
    return 0;
}

static inline uint32_t idx(const rumor_state *s, gb_node_t u)
{
    return u - s->env.first;
}

/* A contact of local node u that counts towards losing interest. */
static inline void count_contact(rumor_state *s, gb_node_t u)
{
    uint32_t i = idx(s, u);
    if (s->st[i] == ST_I && s->ev[i] < UINT16_MAX)
        s->ev[i]++;
}

/* Necessary contacts of local node u (delta may be negative: a push later found unnecessary). */
static inline void count_good(rumor_state *s, gb_node_t u, int delta)
{
    uint32_t i = idx(s, u);
    /* Only the feedback counter resets; blind nodes count every contact regardless. */
    if (s->st[i] == ST_I && !s->blind)
        s->good[i] = (uint16_t)(s->good[i] + delta);
}

/* Delivery of the rumor to local node u. */
static inline void inform(rumor_state *s, gb_node_t u, uint32_t round)
{
    uint32_t i = idx(s, u);
    if (s->nst[i] == ST_S) {
        s->nst[i] = ST_I;
        s->inf[i] = round;
        s->newly++;
    } else {
        s->duplicates++;
    }
}

static int rumor_contact(void *state, uint32_t round, gb_node_t node, gb_outbox *ob)
{
    rumor_state *s = state;
    uint8_t st = s->st[idx(s, node)];
    if (s->mode == MODE_PUSH && st != ST_I)
        return 0;
    gb_node_t peers[GB_MAX_FANOUT];
    uint32_t k = gb_pick_peers(&s->env, round, node, peers);
    uint32_t arg = (st != ST_S ? A_KNOWS : 0) | (st == ST_I ? A_INFECTIVE : 0);
    uint16_t kind = s->mode == MODE_PUSH ? MSG_PUSH : s->mode == MODE_PULL ? MSG_PULL : MSG_CONTACT;
    int pushes = kind != MSG_PULL && st == ST_I;
    for (uint32_t j = 0; j < k; j++) {
        int rc = gb_send(ob, node, peers[j], kind, arg, pushes ? s->env.payload : 0, 0);
        if (rc < 0)
            return rc;
        if (pushes) {
            s->rumor_msgs++;
            if (s->blind)
                count_contact(s, node); /* blind: every contact it makes counts */
            else
                count_good(s, node, 1); /* necessary unless an "already knew" comes back */
        }
    }
    return 0;
}

static int rumor_on_contact(void *state, uint32_t round, const gb_msg *m, gb_outbox *ob)
{
    rumor_state *s = state;
    uint8_t st = s->st[idx(s, m->dst)];
    switch (m->kind) {
    case MSG_PUSH:
        inform(s, m->dst, round);
        if (!s->blind && st != ST_S) /* feedback: tell the sender it was unnecessary */
            return gb_send(ob, m->dst, m->src, MSG_KNEW, 0, 0, 0);
        return 0;
    case MSG_PULL:
        if (st != ST_I)
            return 0; /* only infective nodes answer */
        if (s->blind || (m->arg & A_KNOWS))
            count_contact(s, m->dst);
        if (m->arg & A_KNOWS)
            return 0;
        count_good(s, m->dst, 1);
        s->rumor_msgs++;
        return gb_send(ob, m->dst, m->src, MSG_PULL_REPLY, A_RUMOR, s->env.payload, 0);
    case MSG_CONTACT: {
        uint32_t reply = 0;
        if (m->arg & A_INFECTIVE) {
            inform(s, m->dst, round);
            if (st != ST_S && !s->blind)
                reply |= A_KNOWS; /* feedback for the pusher */
        }
        if (st == ST_I) {
            if (s->blind || (m->arg & A_KNOWS))
                count_contact(s, m->dst);
            if (!(m->arg & A_KNOWS)) {
                reply |= A_RUMOR;
                count_good(s, m->dst, 1);
            }
        }
        if (reply == 0)
            return 0;
        uint32_t payload = (reply & A_RUMOR) ? s->env.payload : 0;
        if (reply & A_RUMOR)
            s->rumor_msgs++;
        return gb_send(ob, m->dst, m->src, MSG_CONTACT_REPLY, reply, payload, 0);
    }
    default:
        return GB_EINVAL;
    }
}

static int rumor_on_reply(void *state, uint32_t round, const gb_msg *m)
{
    rumor_state *s = state;
    switch (m->kind) {
    case MSG_KNEW:
        count_contact(s, m->dst);
        count_good(s, m->dst, -1);
        return 0;
    case MSG_PULL_REPLY:
        inform(s, m->dst, round);
        return 0;
    case MSG_CONTACT_REPLY:
        if (m->arg & A_RUMOR)
            inform(s, m->dst, round);
        if (m->arg & A_KNOWS) {
            count_contact(s, m->dst);
            count_good(s, m->dst, -1);
        }
        return 0;
    default:
        return GB_EINVAL;
    }
}

static void rumor_end_round(void *state, uint32_t round, gb_round_stats *st)
{
    rumor_state *s = state;
    uint64_t active = 0;
    for (uint32_t i = 0; i < s->env.count; i++) {
        if (s->ev[i] > 0 && s->nst[i] == ST_I && s->st[i] == ST_I) {
            if (s->coin) {
                gb_rng r;
                gb_rng_init(&r, s->env.seed, s->env.trial, round, s->env.first + i,
                            GB_RNG_PROTOCOL);
                for (uint32_t j = 0; j < s->ev[i]; j++)
                    if (gb_rng_below(&r, s->k) == 0) {
                        s->nst[i] = ST_R;
                        break;
                    }
            } else {
                /* reset=1: a round with a necessary contact starts the count afresh, and
                 * only this round's unnecessary contacts are counted. */
                uint32_t c = (s->reset && s->good[i] > 0 ? 0 : s->cnt[i]) + s->ev[i];
                s->cnt[i] = (uint8_t)(c < s->k ? c : s->k);
                if (c >= s->k)
                    s->nst[i] = ST_R;
            }
        }
        else if (s->reset && s->good[i] > 0 && s->st[i] == ST_I)
            s->cnt[i] = 0; /* a round with only necessary contacts */
        s->ev[i] = 0;
        s->good[i] = 0;
        s->st[i] = s->nst[i];
        active += s->st[i] == ST_I;
    }
    s->informed += s->newly;
    st->informed = s->informed;
    st->newly = s->newly;
    st->active = active;
    st->duplicates = s->duplicates;
    st->rumor_msgs = s->rumor_msgs;
    s->newly = s->duplicates = s->rumor_msgs = 0;
}

/* Infective nodes are the active ones (the trial ends when none is left). */
static int rumor_is_active(const void *state, gb_node_t node)
{
    const rumor_state *s = state;
    return s->st[idx(s, node)] == ST_I;
}

/* Back to susceptible, counters cleared (called between rounds: st == nst). */
static void rumor_reset_node(void *state, gb_node_t node)
{
    rumor_state *s = state;
    uint32_t i = idx(s, node);
    if (s->st[i] != ST_S)
        s->informed--;
    s->st[i] = s->nst[i] = ST_S;
    s->cnt[i] = 0;
    s->ev[i] = s->good[i] = 0;
    s->inf[i] = UINT32_MAX;
}

static int32_t rumor_infection_round(const void *state, gb_node_t node)
{
    const rumor_state *s = state;
    uint32_t r = s->inf[idx(s, node)];
    return r == UINT32_MAX ? -1 : (int32_t)r;
}

const gb_protocol_ops gb_protocol_rumor = {
    .name = "rumor",
    .help = "rumor mongering (Demers et al. 1987): push/pull/push-pull, feedback/blind, "
            "counter/coin; stops by itself",
    .params = rumor_params,
    .flags = GB_PROTO_COMMUTATIVE | GB_PROTO_SELF_TERMINATING,
    .state_bytes_per_node = 11,
    .init = rumor_init,
    .fini = rumor_fini,
    .contact = rumor_contact,
    .on_contact = rumor_on_contact,
    .on_reply = rumor_on_reply,
    .end_round = rumor_end_round,
    .infection_round = rumor_infection_round,
    .is_active = rumor_is_active,
    .reset_node = rumor_reset_node,
};
