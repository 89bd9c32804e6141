/* null.c: the engine's own cost. Every node contacts `fanout` peers each round, the very
 * peers push-pull would choose (same random streams), carrying push-pull's bytes (a push's
 * payload), and nothing else happens: no state, no replies, no decisions. It runs `rounds`
 * rounds (default: the rounds push-pull needs on the complete graph, log3 n + log2 ln n,
 * rounded up) and then stops, so its time per round next to push-pull's shows how much of a
 * round is the engine (peer choice, message movement, exchange) rather than protocol work.
 * It informs nobody: residue is 1 - 1/n by construction. Its handlers keep no state, so
 * they are thread-safe as they stand (GB_PROTO_THREADSAFE); under direct delivery a
 * message to a local node is only counted, which is all its delivery would do. */
#include <math.h>
#include <stdlib.h>

#include "gb_protocol.h"

enum { MSG_NULL = 30 };

static const gb_param_desc null_params[] = {
    {.name = "rounds", .type = GB_PARAM_INT, .def = "", .min = 1, .max = 1000000,
     .help = "rounds to run (default ceil(log3 n + log2 ln n))"},
    {.name = NULL}};

typedef struct null_state {
    gb_proto_env env;
    uint32_t rounds;
} null_state;

static int null_init(const gb_proto_env *env, void **state, char *err)
{
    int frc = gb_check_fanout(env, err);
    if (frc < 0)
        return frc;
    null_state *s = calloc(1, sizeof *s);
    if (s == NULL)
        return gb_seterr(err, GB_ENOMEM, "protocol 'null': out of memory");
    s->env = *env;
    double n = (double)(env->n > 3 ? env->n : 3);
    s->rounds = gb_params_has(env->params, "rounds")
                    ? (uint32_t)gb_params_int(env->params, "rounds")
                    : (uint32_t)ceil(log(n) / log(3.0) + log2(log(n)));
    *state = s;
    return 0;
}

static void null_fini(void *state)
{
    free(state);
}

static int null_contact(void *state, uint32_t round, gb_node_t node, gb_outbox *ob)
{
    null_state *s = state;
    gb_node_t peers[GB_MAX_FANOUT];
    uint32_t k = gb_pick_peers(&s->env, round, node, peers);
    for (uint32_t j = 0; j < k; j++) {
        int rc = gb_send(ob, node, peers[j], MSG_NULL, 0, s->env.payload, 0);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int null_contact_range(void *state, uint32_t round, gb_node_t lo, gb_node_t hi,
                              gb_outbox *ob)
{
    null_state *s = state;
    if (!ob->direct) {
        for (gb_node_t u = lo; u < hi; u++) {
            int rc = null_contact(state, round, u, ob);
            if (rc < 0)
                return rc;
        }
        return 0;
    }
    /* The peers are drawn as push-pull's direct path draws them (gb_pick_peer_many for a
     * batch of nodes when each has one), so the two compare. */
    const gb_node_t first = s->env.first;
    const uint32_t count = s->env.count;
    const int one = s->env.fanout == 1 && s->env.topo->min_degree >= 1;
    enum { BATCH = 256 };
    gb_node_t nodes[BATCH], peers[BATCH];
    uint64_t direct = 0;
    for (gb_node_t u = lo; u < hi;) {
        uint32_t k = 0, na = 0;
        if (one) {
            for (; u < hi && na < BATCH; u++)
                nodes[na++] = u;
            gb_pick_peer_many(&s->env, round, nodes, na, peers);
            k = na;
        } else {
            for (; u < hi && k + s->env.fanout <= BATCH; u++) {
                uint32_t m = gb_pick_peers(&s->env, round, u, &peers[k]);
                for (uint32_t j = 0; j < m; j++)
                    nodes[k + j] = u;
                k += m;
            }
        }
        for (uint32_t j = 0; j < k; j++) {
            if (peers[j] - first < count) {
                direct++;
            } else {
                int rc = gb_send(ob, nodes[j], peers[j], MSG_NULL, 0, s->env.payload, 0);
                if (rc < 0)
                    return rc;
            }
        }
    }
    ob->direct_tally.messages += direct;
    ob->direct_tally.payload_bytes += direct * s->env.payload;
    return 0;
}

static int null_on_contact(void *state, uint32_t round, const gb_msg *m, gb_outbox *ob)
{
    (void)state;
    (void)round;
    (void)ob;
    return m->kind == MSG_NULL ? 0 : GB_EINVAL;
}

static void null_end_round(void *state, uint32_t round, gb_round_stats *st)
{
    null_state *s = state;
    int is_source_local = s->env.source >= s->env.first &&
                          s->env.source - s->env.first < s->env.count;
    st->informed = is_source_local ? 1 : 0;
    st->newly = 0;
    st->duplicates = 0;
    st->rumor_msgs = 0;
    /* Every local node stays "active" until the last round, so the trial runs them all. */
    st->active = round < s->rounds ? s->env.count : 0;
}

/* Null keeps no per-node state: nothing to forget. */
static void null_reset_node(void *state, gb_node_t node)
{
    (void)state;
    (void)node;
}

static int32_t null_infection_round(const void *state, gb_node_t node)
{
    const null_state *s = state;
    return node == s->env.source ? 0 : -1;
}

const gb_protocol_ops gb_protocol_null = {
    .name = "null",
    .help = "push-pull's contact messages (same peers, same bytes) without protocol work: "
            "the engine's own cost per round",
    .params = null_params,
    .flags = GB_PROTO_COMMUTATIVE | GB_PROTO_SELF_TERMINATING | GB_PROTO_THREADSAFE,
    .state_bytes_per_node = 0,
    .init = null_init,
    .fini = null_fini,
    .contact = null_contact,
    .contact_range = null_contact_range,
    .on_contact = null_on_contact,
    .on_reply = NULL,
    .end_round = null_end_round,
    .infection_round = null_infection_round,
    .reset_node = null_reset_node,
};
