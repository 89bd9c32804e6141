/* median_counter.c: push-pull with median-counter termination, the O(n log log n)
 * transmissions algorithm of Karp, Schindelhauer, Shenker and Vöcking ("Randomized Rumor
 * Spreading", FOCS 2000).
 *
 * Every node calls `fanout` random peers every round; along each call the rumor travels in
 * both directions when the side that has it is still spreading (state B or C), and both
 * sides learn each other's state. States:
 *   A    does not know the rumor;
 *   B-m  knows it, counter m (1 <= m < ctr_max);
 *   C-m  knows it and spreads it for c_rounds more rounds (m counts them);
 *   D    knows it and is done.
 * At the end of a round a node applies, from what it saw in that round's calls (made and
 * received):
 *   A    -> C-1 if some partner was in state C, else B-1 if some partner sent the rumor;
 *   B-m  -> C-1 if some partner was in state C; else B-(m+1) if more partners were
 *           "ahead" (B-m' with m' >= m, or C, or D) than "behind" (A, or B-m'' with m'' < m)
 *           — the median rule; reaching ctr_max means C-1;
 *   C-m  -> C-(m+1), and D once m exceeds c_rounds.
 * Karp et al. fix ctr_max and c_rounds as O(log log n) without constants; the defaults here
 * are ctr_max = ceil(log2 log2 n) + 1 and c_rounds = ceil(log2 log2 n) + 1 (documented in
 * docs/protocols.md with the residue they give). Traffic (rumor transmissions) is what the
 * algorithm economises: calls without the rumor are free in the random phone call model, so
 * traffic m counts only messages that carry it. The trial ends when no node is in B or C.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gb_protocol.h"

enum { MC_A = 0, MC_B = 1, MC_C = 2, MC_D = 3 };
enum { MSG_CALL = 20, MSG_ANSWER = 21 };

/* A state travels in a message's arg as kind << 8 | counter. */
#define PACK(kind, ctr) ((uint32_t)(kind) << 8 | (uint32_t)(ctr))
#define KIND(arg) ((arg) >> 8 & 0xffu)
#define CTR(arg) ((arg)&0xffu)

static const gb_param_desc mc_params[] = {
    {.name = "ctr_max", .type = GB_PARAM_INT, .def = "", .min = 2, .max = 250,
     .help = "counter at which a node moves from B to C (default ceil(log2 log2 n) + 1)"},
    {.name = "c_rounds", .type = GB_PARAM_INT, .def = "", .min = 1, .max = 250,
     .help = "rounds a node spends in C (default ceil(log2 log2 n) + 1)"},
    {.name = NULL}};

typedef struct mc_state {
    gb_proto_env env;
    uint32_t ctr_max, c_rounds;
    uint8_t *kind, *ctr; /* state at the start of the round */
    uint16_t *ahead, *behind;
    uint8_t *got;        /* bit 0: received the rumor, bit 1: a partner was in C */
    uint32_t *inf;
    uint64_t informed, newly, duplicates, rumor_msgs;
} mc_state;

static void mc_fini(void *state)
{
    mc_state *s = state;
    if (s == NULL)
        return;
    free(s->kind);
    free(s->ctr);
    free(s->ahead);
    free(s->behind);
    free(s->got);
    free(s->inf);
    free(s);
}

static uint32_t default_ctr(uint64_t n)
{
    double ll = log2(log2((double)(n > 4 ? n : 4)));
    return (uint32_t)ceil(ll) + 1;
}

static int mc_init(const gb_proto_env *env, void **state, char *err)
{
    int frc = gb_check_fanout(env, err);
    if (frc < 0)
        return frc;
    mc_state *s = calloc(1, sizeof *s);
    if (s == NULL)
        return gb_seterr(err, GB_ENOMEM, "protocol 'median-counter': out of memory");
    size_t c = env->count ? env->count : 1;
    s->env = *env;
    s->ctr_max = gb_params_has(env->params, "ctr_max")
                     ? (uint32_t)gb_params_int(env->params, "ctr_max") : default_ctr(env->n);
    s->c_rounds = gb_params_has(env->params, "c_rounds")
                      ? (uint32_t)gb_params_int(env->params, "c_rounds") : default_ctr(env->n);
    s->kind = calloc(c, 1);
    s->ctr = calloc(c, 1);
    s->ahead = calloc(c, sizeof *s->ahead);
    s->behind = calloc(c, sizeof *s->behind);
    s->got = calloc(c, 1);
    s->inf = malloc(c * sizeof *s->inf);
    if (!s->kind || !s->ctr || !s->ahead || !s->behind || !s->got || !s->inf) {
        mc_fini(s);
        return gb_seterr(err, GB_ENOMEM, "protocol 'median-counter' for %u nodes: out of memory",
                         env->count);
    }
    memset(s->inf, 0xff, c * sizeof *s->inf);
    if (env->source >= env->first && env->source - env->first < env->count) {
        uint32_t i = env->source - env->first;
        s->kind[i] = MC_B;
        s->ctr[i] = 1;
        s->inf[i] = 0;
        s->informed = 1;
    }
    *state = s;
    return 0;
}

static inline int spreading(uint32_t kind)
{
    return kind == MC_B || kind == MC_C;
}

/* Local node i saw a partner in state `arg` (packed), which sent the rumor if spreading. */
static void observe(mc_state *s, uint32_t i, uint32_t arg)
{
    uint32_t pk = KIND(arg), pc = CTR(arg);
    if (spreading(pk)) {
        /* A duplicate: the rumor reaches a node that knew it, or one that already got it
         * earlier in this round. */
        if (s->kind[i] != MC_A || (s->got[i] & 1u))
            s->duplicates++;
        s->got[i] |= 1u;
    }
    if (pk == MC_C)
        s->got[i] |= 2u;
    if (s->kind[i] == MC_B) {
        int ahead = pk == MC_C || pk == MC_D || (pk == MC_B && pc >= s->ctr[i]);
        uint16_t *slot = ahead ? &s->ahead[i] : &s->behind[i];
        if (*slot < UINT16_MAX)
            (*slot)++;
    }
}

static int mc_contact(void *state, uint32_t round, gb_node_t node, gb_outbox *ob)
{
    mc_state *s = state;
    uint32_t i = node - s->env.first;
    gb_node_t peers[GB_MAX_FANOUT];
    uint32_t k = gb_pick_peers(&s->env, round, node, peers);
    uint32_t arg = PACK(s->kind[i], s->ctr[i]);
    int carries = spreading(s->kind[i]);
    for (uint32_t j = 0; j < k; j++) {
        int rc = gb_send(ob, node, peers[j], MSG_CALL, arg, carries ? s->env.payload : 0, 1);
        if (rc < 0)
            return rc;
    }
    if (carries)
        s->rumor_msgs += k;
    return 0;
}

static int mc_on_contact(void *state, uint32_t round, const gb_msg *m, gb_outbox *ob)
{
    mc_state *s = state;
    (void)round;
    if (m->kind != MSG_CALL)
        return GB_EINVAL;
    uint32_t i = m->dst - s->env.first;
    observe(s, i, m->arg);
    /* The callee always answers with its state (1 byte of metadata); it carries the rumor
     * when the callee is spreading. */
    int carries = spreading(s->kind[i]);
    if (carries)
        s->rumor_msgs++;
    return gb_send(ob, m->dst, m->src, MSG_ANSWER, PACK(s->kind[i], s->ctr[i]),
                   carries ? s->env.payload : 0, 1);
}

static int mc_on_reply(void *state, uint32_t round, const gb_msg *m)
{
    mc_state *s = state;
    (void)round;
    if (m->kind != MSG_ANSWER)
        return GB_EINVAL;
    observe(s, m->dst - s->env.first, m->arg);
    return 0;
}

static void mc_end_round(void *state, uint32_t round, gb_round_stats *st)
{
    mc_state *s = state;
    uint64_t active = 0;
    for (uint32_t i = 0; i < s->env.count; i++) {
        uint8_t kind = s->kind[i], ctr = s->ctr[i], got = s->got[i];
        switch (kind) {
        case MC_A:
            if (got & 2u) {
                kind = MC_C;
                ctr = 1;
            } else if (got & 1u) {
                kind = MC_B;
                ctr = 1;
            }
            if (kind != MC_A) {
                s->inf[i] = round;
                s->newly++;
            }
            break;
        case MC_B:
            if (got & 2u) {
                kind = MC_C;
                ctr = 1;
            } else if (s->ahead[i] > s->behind[i]) {
                ctr++;
                if (ctr >= s->ctr_max) {
                    kind = MC_C;
                    ctr = 1;
                }
            }
            break;
        case MC_C:
            if (++ctr > s->c_rounds)
                kind = MC_D;
            break;
        default:
            break;
        }
        s->kind[i] = kind;
        s->ctr[i] = ctr;
        s->ahead[i] = s->behind[i] = 0;
        s->got[i] = 0;
        active += spreading(kind);
    }
    s->informed += s->newly;
    st->informed = s->informed;
    st->newly = s->newly;
    st->active = active;
    st->duplicates = s->duplicates;
    st->rumor_msgs = s->rumor_msgs;
    s->newly = s->duplicates = s->rumor_msgs = 0;
}

/* Nodes in B or C spread the rumor: the active ones. */
static int mc_is_active(const void *state, gb_node_t node)
{
    const mc_state *s = state;
    return spreading(s->kind[node - s->env.first]);
}

/* Back to A with cleared observations (called between rounds). */
static void mc_reset_node(void *state, gb_node_t node)
{
    mc_state *s = state;
    uint32_t i = node - s->env.first;
    if (s->kind[i] != MC_A)
        s->informed--;
    s->kind[i] = MC_A;
    s->ctr[i] = 0;
    s->ahead[i] = s->behind[i] = 0;
    s->got[i] = 0;
    s->inf[i] = UINT32_MAX;
}

static int32_t mc_infection_round(const void *state, gb_node_t node)
{
    const mc_state *s = state;
    uint32_t r = s->inf[node - s->env.first];
    return r == UINT32_MAX ? -1 : (int32_t)r;
}

const gb_protocol_ops gb_protocol_median_counter = {
    .name = "median-counter",
    .help = "push-pull with median-counter termination (Karp et al. 2000): O(n log log n) "
            "transmissions; stops by itself",
    .params = mc_params,
    .flags = GB_PROTO_COMMUTATIVE | GB_PROTO_SELF_TERMINATING,
    .state_bytes_per_node = 11,
    .init = mc_init,
    .fini = mc_fini,
    .contact = mc_contact,
    .on_contact = mc_on_contact,
    .on_reply = mc_on_reply,
    .end_round = mc_end_round,
    .infection_round = mc_infection_round,
    .is_active = mc_is_active,
    .reset_node = mc_reset_node,
};
