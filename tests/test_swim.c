/* test_swim.c: the SWIM protocol (protocols/swim.c) on the session core in one process.
 *
 * Behaviour: update precedence, no suspicion without loss or crash, crashes detected and
 * confirmed, joiners learnt by everyone, graceful leaves removed without confirmations,
 * partitions that heal re-merge with rejoin=1 and stay split with rejoin=0, determinism.
 * Statistics against the paper's analysis (Das et al. 2002, section 3.1):
 * - random targets: the first detection of one crashed member among n takes
 *   1/p periods on average, p = 1 - (1 - 1/(n-1))^(n-1) (e/(e-1) for large n);
 * - loss p: a probe of a live member fails with q_f = (1-(1-p)^2)(1-(1-p)^4)^k, and fewer
 *   probes fail with k = 3 than with k = 1;
 * - a confirmation reaches everyone in O(log n) periods. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <CUnit/CUnit.h>

#include "faults.h"
#include "gb_session.h"
#include "swim.h"
#include "tests.h"

#define MAX_ROUNDS 2000u
static uint32_t g_max_rounds = MAX_ROUNDS;

/* +infinity: a MIN figure without a value, or "never" (CUnit's DOUBLE_EQUAL is NaN there). */
#define IS_POS_INF(x) (isinf(x) && (x) > 0)

typedef struct outcome {
    int rc, converged;
    uint32_t rounds;
    uint64_t messages, dropped, pending;
    double metric[GB_SESSION_MAX_METRICS];
    double max_dead, last_dead, last_suspects, max_suspects;
} outcome;

static int metric_index(const char *name)
{
    for (int i = 0; gb_session_swim.metrics[i].name != NULL; i++)
        if (strcmp(gb_session_swim.metrics[i].name, name) == 0)
            return i;
    CU_FAIL_FATAL("unknown metric");
    return 0;
}

static double M(const outcome *o, const char *name)
{
    return o->metric[metric_index(name)];
}

/* One trial of swim with parameters `spec` and fault schedule `faults`. */
static outcome run_swim(uint64_t n, const char *spec, const char *faults, uint64_t seed,
                        uint32_t trial)
{
    outcome o;
    memset(&o, 0, sizeof o);
    char err[GB_ERRLEN] = "";
    gb_params params;
    gb_faults f;
    if (gb_params_parse(&params, gb_session_swim.params, spec, "protocol", "swim", err) < 0 ||
        gb_faults_parse(faults, &f, err) < 0) {
        fprintf(stderr, "test_swim: %s\n", err);
        o.rc = -100;
        return o;
    }
    gb_session_cfg cfg = {.ops = &gb_session_swim, .params = &params, .topo = NULL, .n = n,
                          .fanout = 1, .max_rounds = g_max_rounds, .seed = seed, .faults = &f};
    gb_session_net net;
    gb_session_net_local(&net);
    gb_session_core *c = NULL;
    gb_session_result res;
    o.rc = gb_session_core_create(&cfg, &net, &c, err);
    if (o.rc == 0)
        o.rc = gb_session_core_run(c, trial, &res, err);
    if (o.rc == 0) {
        o.converged = res.converged;
        o.rounds = res.rounds;
        o.messages = res.messages;
        o.dropped = res.dropped;
        o.pending = res.pending;
        memcpy(o.metric, res.metrics, sizeof o.metric);
        for (uint32_t r = 0; r < res.rounds; r++) {
            if (res.series[1][r] > o.max_dead)
                o.max_dead = res.series[1][r];
            if (res.series[0][r] > o.max_suspects)
                o.max_suspects = res.series[0][r];
        }
        o.last_suspects = res.series[0][res.rounds - 1];
        o.last_dead = res.series[1][res.rounds - 1];
    } else {
        fprintf(stderr, "test_swim: %s\n", err);
    }
    gb_session_core_free(c);
    return o;
}

static void test_precedence(void)
{
    enum { U = GB_SWIM_UNKNOWN, A = GB_SWIM_ALIVE, S = GB_SWIM_SUSPECT, D = GB_SWIM_DEAD,
           L = GB_SWIM_LEFT };
    enum { uA = GB_SWIM_U_ALIVE, uS = GB_SWIM_U_SUSPECT, uD = GB_SWIM_U_DEAD,
           uL = GB_SWIM_U_LEFT, uJ = GB_SWIM_U_JOIN };
    static const struct {
        uint8_t st;
        uint32_t cur;
        uint8_t upd;
        uint32_t inc;
        int rejoin;
        uint8_t want;
    } cases[] = {
        /* alive with a higher incarnation overrides alive and suspect, not the same one */
        {A, 3, uA, 4, 0, A}, {A, 3, uA, 3, 0, 0}, {S, 3, uA, 4, 0, A}, {S, 3, uA, 3, 0, 0},
        {S, 3, uA, 2, 1, 0},
        /* suspect overrides alive with the same or a lower incarnation, suspect only higher */
        {A, 3, uS, 3, 0, S}, {A, 3, uS, 2, 0, 0}, {A, 3, uS, 5, 0, S}, {S, 3, uS, 3, 0, 0},
        {S, 3, uS, 4, 0, S},
        /* dead overrides alive and suspect of its incarnation or older */
        {A, 3, uD, 3, 0, D}, {S, 3, uD, 3, 0, D}, {S, 3, uD, 7, 1, D}, {A, 4, uD, 3, 1, 0},
        {D, 3, uD, 9, 1, 0},
        /* dead is final without rejoin; with rejoin a higher incarnation comes back */
        {D, 3, uA, 9, 0, 0}, {D, 3, uA, 4, 1, A}, {D, 3, uA, 3, 1, 0}, {D, 3, uS, 9, 1, 0},
        /* leave: overrides alive, suspect, dead of its incarnation; final like dead */
        {A, 2, uL, 2, 0, L}, {S, 2, uL, 2, 0, L}, {D, 2, uL, 2, 0, L}, {A, 3, uL, 2, 0, 0},
        {L, 2, uA, 5, 0, 0}, {L, 2, uA, 5, 1, A}, {L, 2, uD, 5, 1, 0},
        /* a join with a higher incarnation overrides everything, in both modes */
        {D, 3, uJ, 4, 0, A}, {L, 3, uJ, 4, 0, A}, {S, 3, uJ, 4, 0, A}, {D, 3, uJ, 3, 0, 0},
        /* unknown members: learnt from alive, join, suspect; not from dead or leave */
        {U, 0, uA, 0, 0, A}, {U, 0, uJ, 0, 0, A}, {U, 0, uS, 0, 0, S}, {U, 0, uD, 0, 0, 0},
        {U, 0, uL, 0, 1, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t got = gb_swim_merge(cases[i].st, cases[i].cur, cases[i].upd, cases[i].inc,
                                    cases[i].rejoin);
        if (got != cases[i].want)
            fprintf(stderr, "precedence case %zu: got %u want %u\n", i, got, cases[i].want);
        CU_ASSERT_EQUAL(got, cases[i].want);
    }
}

/* No loss, no crash: no probe ever fails, over many periods; busy until `periods`. */
static void test_quiet(void)
{
    for (int random = 0; random < 2; random++) {
        outcome o = run_swim(50, random ? "periods=300,target=random" : "periods=300", "none",
                             5, 0);
        CU_ASSERT_EQUAL_FATAL(o.rc, 0);
        CU_ASSERT_TRUE(o.converged);
        CU_ASSERT_EQUAL(o.rounds, 300);
        CU_ASSERT_DOUBLE_EQUAL(M(&o, "suspicions"), 0.0, 0.0);
        CU_ASSERT_DOUBLE_EQUAL(M(&o, "false_positives"), 0.0, 0.0);
        CU_ASSERT_DOUBLE_EQUAL(M(&o, "probes_live"), 50.0 * 300, 0.0);
        CU_ASSERT_DOUBLE_EQUAL(M(&o, "member_periods"), 50.0 * 300, 0.0);
        CU_ASSERT_DOUBLE_EQUAL(o.max_dead, 0.0, 0.0);
        CU_ASSERT_DOUBLE_EQUAL(o.max_suspects, 0.0, 0.0);
        /* one ping and one ack per member and period */
        CU_ASSERT_EQUAL(o.messages, 2u * 50 * 300);
    }
    /* Without `periods` the views are right at once: one period. */
    outcome o = run_swim(20, "", "none", 5, 0);
    CU_ASSERT_EQUAL_FATAL(o.rc, 0);
    CU_ASSERT_TRUE(o.converged);
    CU_ASSERT_EQUAL(o.rounds, 1);
}

/* Crashed members are suspected, then confirmed dead by every live member. */
static void test_crash(void)
{
    const char *specs[] = {"", "target=random", "k=0", "suspect_periods=2,max_piggyback=1"};
    for (size_t i = 0; i < 4; i++) {
        outcome o = run_swim(60, specs[i], "crash=0.05@5", 9, 1);
        CU_ASSERT_EQUAL_FATAL(o.rc, 0);
        CU_ASSERT_TRUE(o.converged);
        CU_ASSERT_EQUAL(o.pending, 0);
        CU_ASSERT_TRUE(M(&o, "first_detection") >= 1.0);
        CU_ASSERT_TRUE(M(&o, "first_confirm") > M(&o, "first_detection"));
        CU_ASSERT_TRUE(M(&o, "full_detection") >= M(&o, "first_confirm"));
        CU_ASSERT_TRUE(isfinite(M(&o, "full_detection")));
        CU_ASSERT_DOUBLE_EQUAL(M(&o, "false_positives"), 0.0, 0.0);
        CU_ASSERT_DOUBLE_EQUAL(M(&o, "false_suspicions"), 0.0, 0.0);
        /* 3 crashed members, DEAD in the views of the 57 live ones */
        CU_ASSERT_DOUBLE_EQUAL(o.last_dead, 3.0 * 57, 0.0);
        CU_ASSERT_DOUBLE_EQUAL(o.last_suspects, 0.0, 0.0);
    }
}

/* Members that recover with their state refute; with an empty state they rejoin. */
static void test_recover(void)
{
    const char *faults[] = {"crash=0.1@3-40", "crash=0.1@3-40:empty"};
    for (int i = 0; i < 2; i++) {
        outcome o = run_swim(40, "", faults[i], 4, 0);
        CU_ASSERT_EQUAL_FATAL(o.rc, 0);
        CU_ASSERT_TRUE(o.converged);
        CU_ASSERT_EQUAL(o.pending, 0);
        CU_ASSERT_DOUBLE_EQUAL(o.last_dead, 0.0, 0.0);
        CU_ASSERT_TRUE(M(&o, "refutations") >= (i == 0 ? 4.0 : 0.0));
        CU_ASSERT_TRUE(o.rounds < 100);
    }
    /* rejoin=0: members confirmed dead stay out of the views: never converged. */
    outcome o = run_swim(40, "rejoin=0", faults[0], 4, 0);
    CU_ASSERT_EQUAL_FATAL(o.rc, 0);
    CU_ASSERT_FALSE(o.converged);
    CU_ASSERT_EQUAL(o.rounds, MAX_ROUNDS);
    CU_ASSERT_TRUE(o.pending > 0);
}

/* Joiners are learnt by every member; joins through a seed that is itself a joiner fail
 * over to the next id. Piggybacking alone (each node sends an update L times) can miss a
 * member, which then learns the joiner when one of them probes the other: within a
 * round-robin pass, under 2n periods. With push-pull sync the stragglers catch up at the
 * next exchange. */
static void test_join(void)
{
    const char *specs[] = {"", "seed_node=7", "max_piggyback=2", "sync=10", "seed_node=7,sync=10"};
    for (size_t i = 0; i < 5; i++) {
        outcome o = run_swim(80, specs[i], "join=0.1@4", 3, 2);
        CU_ASSERT_EQUAL_FATAL(o.rc, 0);
        CU_ASSERT_TRUE(o.converged);
        CU_ASSERT_EQUAL(o.pending, 0);
        double bound = strstr(specs[i], "sync") != NULL ? 20.0 : 160.0;
        CU_ASSERT_TRUE(M(&o, "join_known") >= 1.0 && M(&o, "join_known") < bound);
        CU_ASSERT_DOUBLE_EQUAL(M(&o, "suspicions"), 0.0, 0.0);
        CU_ASSERT_DOUBLE_EQUAL(o.max_dead, 0.0, 0.0);
    }
    /* Joins under loss still complete (the JOIN is retried). */
    outcome o = run_swim(80, "", "join=0.2@3;loss=0.1", 3, 0);
    CU_ASSERT_EQUAL_FATAL(o.rc, 0);
    CU_ASSERT_TRUE(o.converged);
    CU_ASSERT_EQUAL(o.pending, 0);
}

/* A graceful leave: every member removes the leaver, as LEFT, never as a false positive.
 * Members that probe a leaver in its leave period before the LEAVE reaches them suspect it
 * until LEFT overrides; a member that the LEFT update misses (see test_join) confirms the
 * suspicion instead: at most 1% of the (member, leaver) entries here. */
static void test_leave(void)
{
    const char *specs[] = {"", "sync=5"};
    for (int i = 0; i < 2; i++) {
        /* 4 leavers, 76 members stay */
        outcome o = run_swim(80, specs[i], "leave=0.05@6", 8, 0);
        CU_ASSERT_EQUAL_FATAL(o.rc, 0);
        CU_ASSERT_TRUE(o.converged);
        CU_ASSERT_EQUAL(o.pending, 0);
        CU_ASSERT_TRUE(o.max_dead <= 3.0);
        CU_ASSERT_DOUBLE_EQUAL(M(&o, "false_positives"), 0.0, 0.0);
        CU_ASSERT_DOUBLE_EQUAL(M(&o, "false_suspicions"), 0.0, 0.0);
        CU_ASSERT_TRUE(IS_POS_INF(M(&o, "first_confirm")));
        CU_ASSERT_TRUE(M(&o, "leave_known") >= 1.0 && M(&o, "leave_known") < 20.0);
    }
    /* Leaves, joins, crashes and loss together. */
    outcome o = run_swim(100, "", "churn=0.01:0.2@3-30;crash=0.02@10;loss=0.05", 8, 0);
    CU_ASSERT_EQUAL_FATAL(o.rc, 0);
    CU_ASSERT_TRUE(o.converged);
    CU_ASSERT_EQUAL(o.pending, 0);
}

/* A partition: each side confirms the other dead; after the heal, rejoin=1 re-merges the
 * views (reconnect probes, refutation), rejoin=0 leaves them split. */
static void test_partition(void)
{
    outcome o = run_swim(60, "", "partition=2@3-40", 6, 0);
    CU_ASSERT_EQUAL_FATAL(o.rc, 0);
    CU_ASSERT_TRUE(o.converged);
    CU_ASSERT_EQUAL(o.pending, 0);
    CU_ASSERT_TRUE(o.max_dead >= 2.0 * 30 * 30);
    CU_ASSERT_DOUBLE_EQUAL(o.last_dead, 0.0, 0.0);
    CU_ASSERT_TRUE(isfinite(M(&o, "remerge")) && M(&o, "remerge") >= 1.0);
    CU_ASSERT_TRUE(M(&o, "refutations") >= 60.0);
    o = run_swim(60, "rejoin=0", "partition=2@3-40", 6, 0);
    CU_ASSERT_EQUAL_FATAL(o.rc, 0);
    CU_ASSERT_FALSE(o.converged);
    CU_ASSERT_DOUBLE_EQUAL(o.last_dead, 2.0 * 30 * 30, 0.0);
    CU_ASSERT_TRUE(IS_POS_INF(M(&o, "remerge")));
}

static void test_repeat(void)
{
    const char *faults = "loss=0.1;crash=0.1@4-30;join=0.05@6;leave=0.05@8;partition=2@10-14";
    outcome a = run_swim(70, "", faults, 12, 3), b = run_swim(70, "", faults, 12, 3);
    CU_ASSERT_EQUAL_FATAL(a.rc, 0);
    CU_ASSERT_EQUAL_FATAL(b.rc, 0);
    CU_ASSERT_EQUAL(a.rounds, b.rounds);
    CU_ASSERT_EQUAL(a.messages, b.messages);
    CU_ASSERT_EQUAL(a.dropped, b.dropped);
    CU_ASSERT_EQUAL(memcmp(a.metric, b.metric, sizeof a.metric), 0);
    outcome c = run_swim(70, "", faults, 12, 4);
    CU_ASSERT_EQUAL_FATAL(c.rc, 0);
    CU_ASSERT_TRUE(c.messages != a.messages || c.rounds != a.rounds);
}

/* ------------------------------------------------------------------ statistics */

/* Random targets, one crash: first detection after 1/p periods, p = 1-(1-1/(n-1))^(n-1). */
static void test_first_detection(void)
{
    const uint64_t n = 64;
    const uint32_t trials = 800;
    double sum = 0, sum2 = 0;
    for (uint32_t t = 0; t < trials; t++) {
        /* one member (round(n/64)) crashes at round 3 */
        outcome o = run_swim(n, "target=random", "crash=0.015625@3", 21, t);
        CU_ASSERT_EQUAL_FATAL(o.rc, 0);
        double x = M(&o, "first_detection");
        CU_ASSERT_TRUE_FATAL(isfinite(x));
        sum += x;
        sum2 += x * x;
    }
    double mean = sum / trials, sd = sqrt((sum2 - sum * sum / trials) / (trials - 1));
    double p = 1.0 - pow(1.0 - 1.0 / (double)(n - 1), (double)(n - 1));
    double se = sd / sqrt(trials);
    printf("\n    first detection, n=%llu, %u trials: %.4f +- %.4f (theory %.4f, e/(e-1) = %.4f) ",
           (unsigned long long)n, trials, mean, se, 1.0 / p, M_E / (M_E - 1.0));
    CU_ASSERT_TRUE(fabs(mean - 1.0 / p) < 4.0 * se);
}

/* Loss p: probe failure rate q_f = (1-(1-p)^2)(1-(1-p)^4)^k, within 4 standard errors;
 * k = 3 gives fewer failed probes and false suspicions than k = 1. */
static void test_loss_vs_k(void)
{
    const double p = 0.2;
    double rate[2], fsus[2];
    g_max_rounds = 200; /* under loss some suspicion is always pending: stop at 200 */
    const uint32_t ks[2] = {1, 3};
    for (int j = 0; j < 2; j++) {
        char spec[64];
        snprintf(spec, sizeof spec, "k=%u,periods=200", ks[j]);
        double fail = 0, probes = 0;
        fsus[j] = 0;
        for (uint32_t t = 0; t < 2; t++) {
            outcome o = run_swim(64, spec, "loss=0.2", 17, t);
            CU_ASSERT_EQUAL_FATAL(o.rc, 0);
            fail += M(&o, "probe_failures_live");
            probes += M(&o, "probes_live");
            fsus[j] += M(&o, "false_suspicions");
        }
        double q = (1 - pow(1 - p, 2)) * pow(1 - pow(1 - p, 4), ks[j]);
        rate[j] = fail / probes;
        double se = sqrt(q * (1 - q) / probes);
        printf("\n    loss %.1f, k=%u: probe failures %.0f/%.0f = %.4f (q_f %.4f, se %.4f), "
               "false suspicions %.0f ", p, ks[j], fail, probes, rate[j], q, se, fsus[j]);
        CU_ASSERT_TRUE(fabs(rate[j] - q) < 4.0 * se);
    }
    g_max_rounds = MAX_ROUNDS;
    CU_ASSERT_TRUE(rate[1] < rate[0]);
    CU_ASSERT_TRUE(fsus[1] < fsus[0]);
}

/* Dissemination of a confirmation in O(log n) periods: the spread (last minus first DEAD
 * declaration) grows far slower than n from n = 32 to 512. */
static void test_spread_log(void)
{
    const uint64_t ns[] = {32, 128, 512};
    double spread[3];
    for (int j = 0; j < 3; j++) {
        double s = 0;
        const uint32_t trials = 6;
        for (uint32_t t = 0; t < trials; t++) {
            char faults[64];
            snprintf(faults, sizeof faults, "crash=%.10f@3", 1.0 / (double)ns[j]);
            outcome o = run_swim(ns[j], "suspect_periods=30", faults, 33, t);
            CU_ASSERT_EQUAL_FATAL(o.rc, 0);
            CU_ASSERT_TRUE(o.converged);
            s += M(&o, "full_detection") - M(&o, "first_confirm");
        }
        spread[j] = s / trials;
        printf("\n    n=%llu: confirmation reaches all in %.2f periods ",
               (unsigned long long)ns[j], spread[j]);
    }
    /* log-like: +2 log2 steps add a bounded amount, x16 nodes far less than x16 time */
    CU_ASSERT_TRUE(spread[2] < 3.0 * spread[0] + 2.0);
    CU_ASSERT_TRUE(spread[2] >= spread[0]);
}

int gb_test_register_swim(void)
{
    CU_pSuite s = CU_add_suite("swim", NULL, NULL);
    if (s == NULL || CU_add_test(s, "update precedence", test_precedence) == NULL ||
        CU_add_test(s, "no suspicion without faults", test_quiet) == NULL ||
        CU_add_test(s, "crash detected and confirmed", test_crash) == NULL ||
        CU_add_test(s, "recovery: refute or rejoin", test_recover) == NULL ||
        CU_add_test(s, "joiners known by all", test_join) == NULL ||
        CU_add_test(s, "graceful leave", test_leave) == NULL ||
        CU_add_test(s, "partition and heal", test_partition) == NULL ||
        CU_add_test(s, "deterministic", test_repeat) == NULL ||
        CU_add_test(s, "first detection e/(e-1)", test_first_detection) == NULL ||
        CU_add_test(s, "loss: q_f and k", test_loss_vs_k) == NULL ||
        CU_add_test(s, "confirmation spread O(log n)", test_spread_log) == NULL)
        return CU_get_error();
    return 0;
}
