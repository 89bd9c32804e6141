/* test_faults.c: the fault layer's parser and decision functions (bench/faults.h).
 *
 * Decisions must be pure functions of (seed, trial, round, node ids): the same arguments
 * give the same verdict however often and in whatever order they are asked, which is what
 * makes a faulty run identical on any rank count. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <CUnit/CUnit.h>

#include "faults.h"
#include "tests.h"

#define SEED 0xfa017ULL

static int parse(const char *spec, gb_faults *f, char *err)
{
    err[0] = '\0';
    return gb_faults_parse(spec, f, err);
}

static void test_parse_good(void)
{
    gb_faults f;
    char err[GB_ERRLEN], buf[256];
    CU_ASSERT_EQUAL(parse("none", &f, err), 0);
    CU_ASSERT_FALSE(f.any);
    gb_faults_format(&f, buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "none");

    CU_ASSERT_EQUAL(parse("loss=0.25", &f, err), 0);
    CU_ASSERT_TRUE(f.any && f.has_loss && !f.loss_all);
    CU_ASSERT_EQUAL(f.loss_thresh, 1ull << 62);
    CU_ASSERT_EQUAL(parse("loss=1", &f, err), 0);
    CU_ASSERT_TRUE(f.loss_all);
    CU_ASSERT_EQUAL(parse("loss=0", &f, err), 0);
    CU_ASSERT_FALSE(f.any);

    CU_ASSERT_EQUAL(parse("crash=0.1@5", &f, err), 0);
    CU_ASSERT_TRUE(f.has_crash && f.nevents == 1 && f.ev[0].kind == GB_FAULT_CRASH &&
                   f.ev[0].from == 5 && f.ev[0].to == 0 && !f.ev[0].empty);
    CU_ASSERT_DOUBLE_EQUAL(f.ev[0].frac, 0.1, 0.0);
    CU_ASSERT_EQUAL(parse("crash=0.5@3-9", &f, err), 0);
    CU_ASSERT_TRUE(f.ev[0].from == 3 && f.ev[0].to == 9);

    CU_ASSERT_EQUAL(parse("partition=3@2-4", &f, err), 0);
    CU_ASSERT_TRUE(f.has_partition && f.ev[0].kind == GB_FAULT_PARTITION &&
                   f.ev[0].groups == 3 && f.ev[0].from == 2 && f.ev[0].to == 4);
    CU_ASSERT_EQUAL(parse("slow=0.2:3", &f, err), 0);
    CU_ASSERT_TRUE(f.has_slow && f.slow_every == 3);

    /* All together, in any order; the resolved form is canonical and parses back. */
    const char *all = "slow=0.2:3;partition=2@1-1;crash=0.3@2-5;loss=0.1";
    CU_ASSERT_EQUAL(parse(all, &f, err), 0);
    gb_faults_format(&f, buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "loss=0.1;crash=0.3@2-5;partition=2@1-1;slow=0.2:3");
    gb_faults g;
    char again[256];
    CU_ASSERT_EQUAL(parse(buf, &g, err), 0);
    gb_faults_format(&g, again, sizeof again);
    CU_ASSERT_STRING_EQUAL(again, buf);
    CU_ASSERT_TRUE(gb_faults_equal(&f, &g));
    CU_ASSERT_TRUE(g.loss == f.loss && g.loss_thresh == f.loss_thresh &&
                   g.ev[0].frac == f.ev[0].frac && g.slow_frac == f.slow_frac);
    /* Fractions that %g would round are kept exactly. */
    CU_ASSERT_EQUAL(parse("loss=0.123456789012345678", &f, err), 0);
    gb_faults_format(&f, buf, sizeof buf);
    CU_ASSERT_EQUAL(parse(buf, &g, err), 0);
    CU_ASSERT_TRUE(g.loss == f.loss);
}

static void expect_bad(const char *spec, int code, const char *pattern)
{
    gb_faults f;
    char err[GB_ERRLEN];
    int rc = parse(spec, &f, err);
    CU_ASSERT_EQUAL(rc, code);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, pattern));
    CU_ASSERT_PTR_NULL(strchr(err, '\n'));
    if (rc != code || strstr(err, pattern) == NULL)
        fprintf(stderr, "\n  spec '%s': rc %d, err '%s'\n", spec, rc, err);
}

static void test_parse_bad(void)
{
    expect_bad("crash=1.5@3", GB_ERANGE,
               "--faults: 'crash=1.5@3': fraction must be in [0, 1]");
    expect_bad("", GB_EINVAL, "empty schedule");
    expect_bad("loss=0.1;", GB_EINVAL, "empty item");
    expect_bad(";loss=0.1", GB_EINVAL, "empty item");
    expect_bad("loss", GB_EINVAL, "expected KIND=VALUE");
    expect_bad("jitter=3", GB_EINVAL, "unknown fault 'jitter'");
    expect_bad("loss=x", GB_EINVAL, "probability must be a number");
    expect_bad("loss=-0.1", GB_ERANGE, "probability must be in [0, 1]");
    expect_bad("loss=nan", GB_EINVAL, "probability must be a number");
    expect_bad("loss=0.1;loss=0.2", GB_EINVAL, "loss is given twice");
    expect_bad("loss=0;loss=0", GB_EINVAL, "loss is given twice");
    expect_bad("crash=0.1", GB_EINVAL, "expected crash=F@R");
    expect_bad("crash=0.1@0", GB_ERANGE, "crash round must be in [1,");
    expect_bad("crash=0.1@x", GB_EINVAL, "crash round must be a whole number");
    expect_bad("crash=0.1@5-5", GB_ERANGE, "recovery round must come after");
    expect_bad("crash=0.1@5-3", GB_ERANGE, "recovery round must come after");
    expect_bad("crash=0.1@5-", GB_EINVAL, "recovery round must be a whole number");
    expect_bad("partition=2", GB_EINVAL, "expected partition=G@A-B");
    expect_bad("partition=2@3", GB_EINVAL, "expected partition=G@A-B");
    expect_bad("partition=1@1-3", GB_ERANGE, "group count must be in [2,");
    expect_bad("partition=2@4-3", GB_ERANGE, "last round must not come before");
    expect_bad("slow=0.5", GB_EINVAL, "expected slow=F:S");
    expect_bad("slow=0.5:1", GB_ERANGE, "period must be in [2,");
    expect_bad("slow=2:3", GB_ERANGE, "fraction must be in [0, 1]");
}

/* round(F*n) nodes, exactly, for many fractions and sizes; the set is a pure function of
 * (seed, trial, which, n) and changes with each of them. */
static uint64_t popcount(const uint8_t *b, uint64_t n)
{
    uint64_t c = 0;
    for (uint64_t v = 0; v < n; v++)
        c += (uint64_t)gb_faults_bit(b, v);
    return c;
}

static void test_select_exact(void)
{
    static const uint64_t sizes[] = {1, 2, 7, 10, 100, 1001, 4096};
    static const double fracs[] = {0.0, 0.001, 0.1, 0.25, 0.5, 0.75, 0.999, 1.0};
    uint8_t *a = malloc(4096 / 8 + 1), *b = malloc(4096 / 8 + 1);
    CU_ASSERT_FATAL(a != NULL && b != NULL);
    CU_ASSERT_EQUAL(gb_faults_count(0.25, 10), 3); /* 2.5 rounds up */
    CU_ASSERT_EQUAL(gb_faults_count(0.1, 1001), 100);
    CU_ASSERT_EQUAL(gb_faults_count(1.0, 7), 7);
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++)
        for (size_t j = 0; j < sizeof fracs / sizeof *fracs; j++) {
            uint64_t n = sizes[i], k = gb_faults_count(fracs[j], n);
            CU_ASSERT_EQUAL(k, (uint64_t)floor(fracs[j] * (double)n + 0.5));
            gb_faults_select(SEED, 3, GB_FAULT_SET_CRASH, n, k, a);
            CU_ASSERT_EQUAL(popcount(a, n), k);
            gb_faults_select(SEED, 3, GB_FAULT_SET_CRASH, n, k, b);
            CU_ASSERT_EQUAL(memcmp(a, b, (size_t)((n + 7) / 8)), 0);
        }
    /* Trial, seed and which set each change the choice. */
    gb_faults_select(SEED, 0, GB_FAULT_SET_CRASH, 4096, 100, a);
    gb_faults_select(SEED, 1, GB_FAULT_SET_CRASH, 4096, 100, b);
    CU_ASSERT_NOT_EQUAL(memcmp(a, b, 512), 0);
    gb_faults_select(SEED + 1, 0, GB_FAULT_SET_CRASH, 4096, 100, b);
    CU_ASSERT_NOT_EQUAL(memcmp(a, b, 512), 0);
    gb_faults_select(SEED, 0, GB_FAULT_SET_SLOW, 4096, 100, b);
    CU_ASSERT_NOT_EQUAL(memcmp(a, b, 512), 0);
    free(a);
    free(b);
}

/* Each node is chosen with probability k/n: over 2000 trials, every node's count is within
 * 5 sigma of its mean. */
static void test_select_uniform(void)
{
    enum { N = 50, K = 10, T = 2000 };
    uint8_t bits[(N + 7) / 8];
    unsigned hits[N] = {0};
    for (uint32_t t = 0; t < T; t++) {
        gb_faults_select(SEED, t, GB_FAULT_SET_CRASH, N, K, bits);
        for (unsigned v = 0; v < N; v++)
            hits[v] += (unsigned)gb_faults_bit(bits, v);
    }
    double p = (double)K / N, mean = T * p, sd = sqrt(T * p * (1 - p));
    for (unsigned v = 0; v < N; v++)
        CU_ASSERT(fabs(hits[v] - mean) < 5 * sd);
}

/* Loss: a pure function of (seed, trial, round, node, index), with the right rate, the
 * same in whatever order the messages are examined (as on different rank counts). */
static void test_loss_decisions(void)
{
    gb_faults f;
    char err[GB_ERRLEN];
    CU_ASSERT_EQUAL_FATAL(parse("loss=0.3", &f, err), 0);
    enum { NODES = 200, MSGS = 50 };
    static unsigned char fwd[NODES][MSGS];
    unsigned long lost = 0;
    for (uint32_t v = 0; v < NODES; v++)
        for (uint32_t i = 0; i < MSGS; i++) {
            fwd[v][i] = (unsigned char)gb_faults_lost(&f, SEED, 2, 7, v, i);
            lost += fwd[v][i];
        }
    /* Reverse order, interleaved with unrelated queries: same verdicts. */
    int same = 1;
    for (uint32_t v = NODES; v-- > 0;)
        for (uint32_t i = MSGS; i-- > 0;) {
            (void)gb_faults_lost(&f, SEED, 9, 1, v ^ 5, i);
            same &= fwd[v][i] == (unsigned char)gb_faults_lost(&f, SEED, 2, 7, v, i);
        }
    CU_ASSERT_TRUE(same);
    double n = NODES * MSGS, sd = sqrt(n * 0.3 * 0.7);
    CU_ASSERT(fabs((double)lost - 0.3 * n) < 5 * sd);
    /* Another round, trial, seed: other verdicts. */
    int diff_round = 0, diff_trial = 0, diff_seed = 0;
    for (uint32_t v = 0; v < NODES; v++)
        for (uint32_t i = 0; i < MSGS; i++) {
            diff_round |= fwd[v][i] != gb_faults_lost(&f, SEED, 2, 8, v, i);
            diff_trial |= fwd[v][i] != gb_faults_lost(&f, SEED, 3, 7, v, i);
            diff_seed |= fwd[v][i] != gb_faults_lost(&f, SEED + 1, 2, 7, v, i);
        }
    CU_ASSERT_TRUE(diff_round && diff_trial && diff_seed);
    /* Contact and reply messages have distinct names. */
    CU_ASSERT_NOT_EQUAL(gb_faults_msg_index(0, 3, 0), gb_faults_msg_index(1, 0, 3));
    CU_ASSERT_NOT_EQUAL(gb_faults_msg_index(1, 1, 0), gb_faults_msg_index(1, 0, 1));
    /* loss=1 drops everything, no loss nothing. */
    CU_ASSERT_EQUAL_FATAL(parse("loss=1", &f, err), 0);
    CU_ASSERT_TRUE(gb_faults_lost(&f, SEED, 0, 1, 0, 0));
    CU_ASSERT_EQUAL_FATAL(parse("crash=0.5@2", &f, err), 0);
    CU_ASSERT_FALSE(gb_faults_lost(&f, SEED, 0, 1, 0, 0));
}

/* The schedule's windows and the partition's contiguous groups: functions of ids and
 * rounds only, so any block placement of nodes on ranks sees the same cuts. */
static void test_schedule(void)
{
    gb_faults f;
    char err[GB_ERRLEN];
    CU_ASSERT_EQUAL_FATAL(parse("crash=0.5@3-6;partition=3@2-4;slow=0.5:3", &f, err), 0);
    CU_ASSERT_TRUE(gb_faults_slow_skips(&f, 1));
    CU_ASSERT_FALSE(gb_faults_slow_skips(&f, 3));
    CU_ASSERT_FALSE(gb_faults_slow_skips(&f, 6));
    /* 10 nodes in 3 groups: ids 0-3, 4-6, 7-9 (floor(v*3/10)). */
    static const uint32_t grp[10] = {0, 0, 0, 0, 1, 1, 1, 2, 2, 2};
    for (uint64_t v = 0; v < 10; v++)
        CU_ASSERT_EQUAL(gb_faults_group(3, 10, v), grp[v]);
    CU_ASSERT_FALSE(gb_faults_cut(&f, 10, 1, 0, 9)); /* before */
    CU_ASSERT_TRUE(gb_faults_cut(&f, 10, 2, 0, 9));
    CU_ASSERT_TRUE(gb_faults_cut(&f, 10, 4, 6, 7));
    CU_ASSERT_FALSE(gb_faults_cut(&f, 10, 4, 4, 6)); /* same group */
    CU_ASSERT_FALSE(gb_faults_cut(&f, 10, 5, 0, 9)); /* healed */
    /* Groups of contiguous ids, sizes differing by at most one, for large n. */
    CU_ASSERT_EQUAL_FATAL(parse("partition=7@1-1", &f, err), 0);
    uint64_t n = 1000003, size[7] = {0};
    uint32_t prev = 0;
    for (uint64_t v = 0; v < n; v++) {
        uint32_t g = gb_faults_group(7, n, v);
        CU_ASSERT_FATAL(g == prev || g == prev + 1);
        prev = g;
        size[g]++;
    }
    for (int g = 0; g < 7; g++)
        CU_ASSERT(size[g] == n / 7 || size[g] == n / 7 + 1);
}

/* Declared in tests/tests.h once the suite is registered in tests/main.c. */

int gb_test_register_faults(void)
{
    CU_pSuite s = CU_add_suite("faults", NULL, NULL);
    if (s == NULL)
        return CU_get_error();
    if (CU_add_test(s, "parser accepts and formats schedules", test_parse_good) == NULL ||
        CU_add_test(s, "parser rejects bad schedules with one line", test_parse_bad) == NULL ||
        CU_add_test(s, "node sets hold exactly round(F*n) nodes", test_select_exact) == NULL ||
        CU_add_test(s, "node sets are uniform", test_select_uniform) == NULL ||
        CU_add_test(s, "loss decisions are pure functions of ids", test_loss_decisions) == NULL ||
        CU_add_test(s, "crash, slow and partition windows", test_schedule) == NULL)
        return CU_get_error();
    return 0;
}
