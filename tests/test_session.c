/* test_session.c: the session core (bench/session_core.c, gb_session.h) in one process.
 *
 * A small relay protocol exercises what SWIM and anti-entropy rely on: several message
 * steps per round, bodies that arrive intact, canonical delivery order, a step_end() that
 * asks for a step without messages, metric reductions, convergence, and the fault layer
 * (messages dropped by loss, by partitions and at nodes that are down). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <CUnit/CUnit.h>

#include "faults.h"
#include "gb_session.h"
#include "tests.h"

#define HOPS 2u   /* a message started in step 0 is forwarded twice */
#define ROUNDS 5u /* the relay converges after this many rounds */

typedef struct relay_state {
    const gb_session_env *env;
    uint64_t delivered, order_violations, body_errors;
    uint64_t delivered_in[64]; /* per round */
    uint32_t first_round, last_round;
    gb_node_t last_dst, last_src;
    uint32_t last_seq, last_step;
    int asked;
} relay_state;

static const gb_param_desc relay_params[] = {{.name = NULL}};
static const gb_metric_desc relay_metrics[] = {
    {"delivered", GB_METRIC_SUM, "messages delivered"},
    {"first_round", GB_METRIC_MIN, "first round with a delivery"},
    {"last_round", GB_METRIC_MAX, "last round with a delivery"},
    {"order_violations", GB_METRIC_SUM, "deliveries out of canonical order"},
    {"body_errors", GB_METRIC_SUM, "bodies that did not match their header"},
    {NULL, 0, NULL}};
static const gb_metric_desc relay_series[] = {
    {"delivered", GB_METRIC_SUM, "messages delivered in the round"}, {NULL, 0, NULL}};

static int relay_init(const gb_session_env *env, void **state, char *err)
{
    (void)err;
    relay_state *s = calloc(1, sizeof *s);
    if (s == NULL)
        return GB_ENOMEM;
    s->env = env;
    s->first_round = UINT32_MAX;
    *state = s;
    return 0;
}

static void relay_fini(void *state)
{
    free(state);
}

/* Body: round, sender, hop, then `hop` filler bytes (so lengths differ), meta = 4. */
static int relay_send(gb_soutbox *ob, uint32_t round, gb_node_t src, gb_node_t dst,
                      uint32_t hop)
{
    uint8_t body[16];
    uint32_t w[3] = {round, src, hop};
    memcpy(body, w, sizeof w);
    memset(body + 12, (int)hop, hop);
    return gb_ssend(ob, src, dst, 7, body, 12 + hop, 4);
}

static int relay_start(void *state, uint32_t round, gb_node_t node, gb_soutbox *ob)
{
    relay_state *s = state;
    uint64_t n = s->env->base.n;
    if (round > ROUNDS)
        return 0;
    int rc = relay_send(ob, round, node, (gb_node_t)((node + 1) % n), 0);
    return rc < 0 ? rc : relay_send(ob, round, node, (gb_node_t)((node + 3) % n), 0);
}

static int relay_deliver(void *state, uint32_t round, const gb_smsg *m, gb_soutbox *ob)
{
    relay_state *s = state;
    /* Canonical order within a step: (dst, src, seq) strictly increasing. */
    if (m->step == s->last_step &&
        (m->dst < s->last_dst || (m->dst == s->last_dst && m->src < s->last_src) ||
         (m->dst == s->last_dst && m->src == s->last_src && m->seq <= s->last_seq)))
        s->order_violations++;
    s->last_step = m->step;
    s->last_dst = m->dst;
    s->last_src = m->src;
    s->last_seq = m->seq;
    uint32_t w[3];
    if (m->len < 12) {
        s->body_errors++;
        return 0;
    }
    memcpy(w, m->data, sizeof w);
    int bad = w[0] != round || w[1] != m->src || m->len != 12 + w[2] || m->meta != 4 ||
              m->step != w[2] || m->kind != 7;
    for (uint32_t i = 0; !bad && i < w[2]; i++)
        bad = m->data[12 + i] != w[2];
    s->body_errors += bad;
    s->delivered++;
    s->delivered_in[round & 63]++;
    if (round < s->first_round)
        s->first_round = round;
    if (round > s->last_round)
        s->last_round = round;
    if (w[2] < HOPS)
        return relay_send(ob, round, m->dst, (gb_node_t)((m->dst + 5) % s->env->base.n),
                          w[2] + 1);
    return 0;
}

static int relay_step_end(void *state, uint32_t round, uint32_t step, gb_soutbox *ob, int *more)
{
    relay_state *s = state;
    (void)round, (void)ob;
    /* Ask once per round for a step after the last messages: the core must run it. */
    *more = step == HOPS + 1 && !s->asked;
    s->asked = step == HOPS + 1 ? 1 : (step == 1 ? 0 : s->asked);
    return 0;
}

static int relay_end_round(void *state, uint32_t round, gb_session_stats *st)
{
    relay_state *s = state;
    s->last_step = 0;
    s->last_dst = s->last_src = 0;
    s->last_seq = 0;
    st->pending = round < ROUNDS ? ROUNDS - round : 0;
    st->busy = 0;
    return 0;
}

static void relay_round_values(const void *state, uint32_t round, double *out)
{
    const relay_state *s = state;
    out[0] = (double)s->delivered_in[round & 63];
}

static void relay_trial_values(const void *state, double *out)
{
    const relay_state *s = state;
    out[0] = (double)s->delivered;
    out[1] = s->first_round == UINT32_MAX ? INFINITY : s->first_round;
    out[2] = s->last_round == 0 ? -INFINITY : s->last_round;
    out[3] = (double)s->order_violations;
    out[4] = (double)s->body_errors;
}

static const gb_session_ops relay_ops = {
    .name = "relay-test", .help = "test relay", .params = relay_params,
    .metrics = relay_metrics, .series = relay_series, .max_steps = 8,
    .init = relay_init, .fini = relay_fini, .start = relay_start, .deliver = relay_deliver,
    .step_end = relay_step_end, .end_round = relay_end_round,
    .round_values = relay_round_values, .trial_values = relay_trial_values};

static int run_relay(uint64_t n, const char *faults, gb_session_result *res)
{
    gb_faults f;
    char err[GB_ERRLEN] = "";
    if (gb_faults_parse(faults, &f, err) < 0)
        return -100;
    gb_session_cfg cfg = {.ops = &relay_ops, .params = NULL, .topo = NULL, .n = n,
                          .fanout = 1, .max_rounds = 50, .seed = 11, .faults = &f};
    gb_session_net net;
    gb_session_net_local(&net);
    gb_session_core *c = NULL;
    int rc = gb_session_core_create(&cfg, &net, &c, err);
    if (rc == 0)
        rc = gb_session_core_run(c, 3, res, err);
    /* The result's series live in the core: copy what the tests read before freeing. */
    static double series0[64];
    if (rc == 0)
        for (uint32_t r = 0; r < res->rounds && r < 64; r++)
            series0[r] = res->series[0][r];
    res->series[0] = series0;
    res->round_messages = NULL;
    res->round_bytes = NULL;
    res->round_pending = NULL;
    gb_session_core_free(c);
    return rc;
}

static void test_relay_counts(void)
{
    const uint64_t n = 37;
    gb_session_result res;
    CU_ASSERT_EQUAL_FATAL(run_relay(n, "none", &res), 0);
    CU_ASSERT_TRUE(res.converged);
    CU_ASSERT_EQUAL(res.rounds, ROUNDS);
    /* 2 starts per node per round, each relayed HOPS times. */
    uint64_t msgs = 2 * n * (HOPS + 1) * ROUNDS;
    CU_ASSERT_EQUAL(res.messages, msgs);
    CU_ASSERT_EQUAL(res.dropped, 0);
    CU_ASSERT_EQUAL(res.header_bytes, GB_HEADER_BYTES * msgs);
    CU_ASSERT_EQUAL(res.meta_bytes, 4 * msgs);
    /* Body 12 + hop bytes, meta 4: payload 8 + hop for hop = 0, 1, 2. */
    CU_ASSERT_EQUAL(res.payload_bytes, 2 * n * ROUNDS * (8 + 9 + 10));
    /* Steps per round: deliveries of hops 0..HOPS, then the one asked for by step_end. */
    CU_ASSERT_EQUAL(res.steps, (uint64_t)ROUNDS * (HOPS + 2));
    CU_ASSERT_EQUAL(res.nmetrics, 5);
    CU_ASSERT_DOUBLE_EQUAL(res.metrics[0], (double)msgs, 0.0);
    CU_ASSERT_DOUBLE_EQUAL(res.metrics[1], 1.0, 0.0);
    CU_ASSERT_DOUBLE_EQUAL(res.metrics[2], ROUNDS, 0.0);
    CU_ASSERT_DOUBLE_EQUAL(res.metrics[3], 0.0, 0.0);
    CU_ASSERT_DOUBLE_EQUAL(res.metrics[4], 0.0, 0.0);
    for (uint32_t r = 0; r < res.rounds; r++)
        CU_ASSERT_DOUBLE_EQUAL(res.series[0][r], (double)(msgs / ROUNDS), 0.0);
}

static void test_relay_faults(void)
{
    const uint64_t n = 40;
    gb_session_result res;
    /* Everything lost: every start is sent and dropped, nothing is delivered or relayed. */
    CU_ASSERT_EQUAL_FATAL(run_relay(n, "loss=1", &res), 0);
    CU_ASSERT_EQUAL(res.messages, 2 * n * ROUNDS);
    CU_ASSERT_EQUAL(res.dropped, res.messages);
    CU_ASSERT_DOUBLE_EQUAL(res.metrics[0], 0.0, 0.0);
    CU_ASSERT_TRUE(isinf(res.metrics[1]) && res.metrics[1] > 0);
    CU_ASSERT_TRUE(isinf(res.metrics[2]) && res.metrics[2] < 0);

    /* Half the messages lost: delivered + dropped covers every message sent. */
    CU_ASSERT_EQUAL_FATAL(run_relay(n, "loss=0.5", &res), 0);
    CU_ASSERT_EQUAL((uint64_t)res.metrics[0] + res.dropped, res.messages);
    CU_ASSERT_TRUE(res.dropped > res.messages / 4 && res.dropped < 3 * res.messages / 4);
    CU_ASSERT_DOUBLE_EQUAL(res.metrics[3], 0.0, 0.0);
    CU_ASSERT_DOUBLE_EQUAL(res.metrics[4], 0.0, 0.0);

    /* A partition for the whole run into 2 halves: hops +1, +3, +5 cross the cut only at
     * the halves' borders; messages are lost, none delivered across. */
    CU_ASSERT_EQUAL_FATAL(run_relay(n, "partition=2@1-5", &res), 0);
    CU_ASSERT_TRUE(res.dropped > 0);
    CU_ASSERT_EQUAL((uint64_t)res.metrics[0] + res.dropped, res.messages);

    /* Crashed nodes neither start nor receive: with half the nodes down in rounds 2..3,
     * fewer messages than without faults, and every undelivered one is counted. */
    CU_ASSERT_EQUAL_FATAL(run_relay(n, "crash=0.5@2-4", &res), 0);
    CU_ASSERT_TRUE(res.messages < 2 * n * (HOPS + 1) * ROUNDS);
    CU_ASSERT_TRUE(res.dropped > 0);
    CU_ASSERT_EQUAL((uint64_t)res.metrics[0] + res.dropped, res.messages);
    CU_ASSERT_TRUE(res.converged);
    CU_ASSERT_EQUAL(res.rounds, ROUNDS);
}

/* Same seed, same trial: the core is deterministic. */
static void test_relay_repeat(void)
{
    gb_session_result a, b;
    CU_ASSERT_EQUAL_FATAL(run_relay(29, "loss=0.3", &a), 0);
    CU_ASSERT_EQUAL_FATAL(run_relay(29, "loss=0.3", &b), 0);
    CU_ASSERT_EQUAL(a.messages, b.messages);
    CU_ASSERT_EQUAL(a.dropped, b.dropped);
    CU_ASSERT_DOUBLE_EQUAL(a.metrics[0], b.metrics[0], 0.0);
}

int gb_test_register_session(void)
{
    CU_pSuite s = CU_add_suite("session_core", NULL, NULL);
    if (s == NULL || CU_add_test(s, "relay counts, steps, metrics", test_relay_counts) == NULL ||
        CU_add_test(s, "relay under loss, partition, crash", test_relay_faults) == NULL ||
        CU_add_test(s, "relay is deterministic", test_relay_repeat) == NULL)
        return CU_get_error();
    return 0;
}
