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
    CU_ASSERT_FALSE(gb_faults_cut(&f, SEED, 0, 10, 1, 0, 9)); /* before */
    CU_ASSERT_TRUE(gb_faults_cut(&f, SEED, 0, 10, 2, 0, 9));
    CU_ASSERT_TRUE(gb_faults_cut(&f, SEED, 0, 10, 4, 6, 7));
    CU_ASSERT_FALSE(gb_faults_cut(&f, SEED, 0, 10, 4, 4, 6)); /* same group */
    CU_ASSERT_FALSE(gb_faults_cut(&f, SEED, 0, 10, 5, 0, 9)); /* healed */
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

/* Parses spec, formats it, parses the text again: the same schedule and the same text. */
static void round_trip(const char *spec, const char *want)
{
    gb_faults f, g;
    char err[GB_ERRLEN], buf[GB_FAULTS_TEXT_MAX], again[GB_FAULTS_TEXT_MAX];
    int rc = parse(spec, &f, err);
    CU_ASSERT_EQUAL(rc, 0);
    if (rc != 0) {
        fprintf(stderr, "\n  spec '%s': %s\n", spec, err);
        return;
    }
    gb_faults_format(&f, buf, sizeof buf);
    CU_ASSERT_EQUAL(parse(buf, &g, err), 0);
    CU_ASSERT_TRUE(gb_faults_equal(&f, &g));
    gb_faults_format(&g, again, sizeof again);
    CU_ASSERT_STRING_EQUAL(again, buf);
    if (want != NULL) {
        CU_ASSERT_STRING_EQUAL(buf, want);
        if (strcmp(buf, want) != 0)
            fprintf(stderr, "\n  spec '%s' formats as '%s', want '%s'\n", spec, buf, want);
    }
}

static void test_parse_new_items(void)
{
    gb_faults f;
    char err[GB_ERRLEN];
    round_trip("crossloss=0.3@4", "crossloss=0.3@4");
    CU_ASSERT_EQUAL(parse("crossloss=0.3@4", &f, err), 0);
    CU_ASSERT_TRUE(f.any && f.has_crossloss && f.cross_groups == 4 && !f.cross_all &&
                   f.cross_thresh == (uint64_t)ldexp(0.3, 64));
    CU_ASSERT_EQUAL(parse("crossloss=0@4", &f, err), 0); /* no faults, like loss=0 */
    CU_ASSERT_FALSE(f.any);
    round_trip("crash=0.2@3-9:empty", "crash=0.2@3-9:empty");
    CU_ASSERT_EQUAL(parse("crash=0.2@3-9:empty", &f, err), 0);
    CU_ASSERT_TRUE(f.has_empty && f.ev[0].empty && f.ev[0].to == 9);
    round_trip("join=0.1@5", "join=0.1@5");
    round_trip("leave=0.25@7", "leave=0.25@7");
    round_trip("churn=0.05:0.2@10-40", "churn=0.05:0.2@10-40");
    CU_ASSERT_EQUAL(parse("churn=0.05:0.2@10-40", &f, err), 0);
    CU_ASSERT_TRUE(f.has_churn && f.ev[0].frac == 0.05 && f.ev[0].join == 0.2 &&
                   f.ev[0].from == 10 && f.ev[0].to == 40);
    /* Repeated items, sorted canonically: kind, then rounds; each sampled item its own set. */
    round_trip("partition=2@20-30;crash=0.1@9;partition=3@1-5;crash=0.2@3-6;join=0.1@4;"
               "leave=0.1@8;crash=0.1@3-6:empty;churn=0.1:0.1@50-60;churn=0.2:0@31-49;loss=0.01",
               "loss=0.01;crash=0.2@3-6;crash=0.1@3-6:empty;crash=0.1@9;partition=3@1-5;"
               "partition=2@20-30;join=0.1@4;leave=0.1@8;churn=0.2:0@31-49;"
               "churn=0.1:0.1@50-60");
    CU_ASSERT_EQUAL(parse("crash=0.1@9;crash=0.2@3;join=0.1@4;leave=0.1@8", &f, err), 0);
    CU_ASSERT_TRUE(f.nsampled == 4 && f.ev[0].set == 0 && f.ev[1].set == 1 &&
                   f.ev[2].set == 2 && f.ev[3].set == 3 && f.ev[0].from == 3);
    CU_ASSERT_EQUAL(gb_faults_set_id(&f.ev[0]), GB_FAULT_SET_CRASH);
    CU_ASSERT_NOT_EQUAL(gb_faults_set_id(&f.ev[1]), GB_FAULT_SET_SLOW);
    /* The same items in another order are the same schedule. */
    gb_faults g;
    CU_ASSERT_EQUAL(parse("leave=0.1@8;join=0.1@4;crash=0.2@3;crash=0.1@9", &g, err), 0);
    CU_ASSERT_TRUE(gb_faults_equal(&f, &g));
    /* Everything at once, and the most items allowed. */
    round_trip("loss=0.1;crossloss=0.2@2;crash=0.3@2-5;partition=2@1-1;join=0.1@3;"
               "leave=0.1@4;churn=0.01:0.02@5-9;slow=0.2:3", NULL);
    char many[GB_FAULTS_TEXT_MAX] = "";
    size_t used = 0;
    for (unsigned i = 0; i < GB_FAULTS_MAX_EVENTS; i++)
        used += (size_t)snprintf(many + used, sizeof many - used,
                                 "%scrash=0.12345678901234567@%u-%u:empty", i ? ";" : "",
                                 100000000u - 1 - i, 100000000u);
    round_trip(many, NULL);
}

static void expect_bad_n(const char *spec, uint64_t n, const char *pattern)
{
    gb_faults f;
    char err[GB_ERRLEN] = "";
    CU_ASSERT_EQUAL_FATAL(parse(spec, &f, err), 0);
    int rc = gb_faults_check(&f, n, err);
    CU_ASSERT_EQUAL(rc, GB_ERANGE);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, pattern));
    CU_ASSERT_PTR_NULL(strchr(err, '\n'));
    if (rc != GB_ERANGE || strstr(err, pattern) == NULL)
        fprintf(stderr, "\n  spec '%s', n %llu: rc %d, err '%s'\n", spec, (unsigned long long)n,
                rc, err);
}

static void test_parse_bad_new(void)
{
    expect_bad("crossloss=0.1", GB_EINVAL, "expected crossloss=P@G");
    expect_bad("crossloss=0.1@1", GB_ERANGE, "group count must be in [2,");
    expect_bad("crossloss=2@3", GB_ERANGE, "probability must be in [0, 1]");
    expect_bad("crossloss=0.1@2;crossloss=0.2@3", GB_EINVAL, "crossloss is given twice");
    expect_bad("crash=0.1@3:empty", GB_EINVAL, "':empty' needs a recovery round");
    expect_bad("crash=0.1@3-5:full", GB_EINVAL, "unknown recovery mode 'full'");
    expect_bad("join=0.1@0", GB_ERANGE, "'join=0.1@0': join round must be in [1,");
    expect_bad("join=0.1", GB_EINVAL, "expected join=F@R");
    expect_bad("leave=1.1@3", GB_ERANGE, "fraction must be in [0, 1]");
    expect_bad("leave=0.1@0", GB_ERANGE, "leave round must be in [1,");
    expect_bad("churn=0.1@1-5", GB_EINVAL, "expected churn=L:J@A-B");
    expect_bad("churn=0.1:0.1@5", GB_EINVAL, "expected churn=L:J@A-B");
    expect_bad("churn=0.1:0.1@9-3", GB_ERANGE,
               "'churn=0.1:0.1@9-3': last round must not come before the first");
    expect_bad("churn=0.1:2@1-3", GB_ERANGE, "join probability must be in [0, 1]");
    expect_bad("churn=1:0@1-3", GB_ERANGE, "every node would leave for good");
    expect_bad("partition=2@1-10;partition=3@10-12", GB_EINVAL,
               "'partition=3@10-12': rounds 10-12 overlap those of 'partition=2@1-10'");
    expect_bad("partition=2@5-10;partition=3@1-5", GB_EINVAL, "overlap");
    expect_bad("churn=0.1:0.1@1-10;churn=0.1:0.1@4-6", GB_EINVAL, "churn windows must not");
    expect_bad("slow=0.1:2;slow=0.1:3", GB_EINVAL, "slow is given twice");
    /* The most items, plus one. */
    char many[GB_FAULTS_TEXT_MAX] = "";
    size_t used = 0;
    for (unsigned i = 0; i <= GB_FAULTS_MAX_EVENTS; i++)
        used += (size_t)snprintf(many + used, sizeof many - used, "%sjoin=0.01@%u",
                                 i ? ";" : "", i + 1);
    expect_bad(many, GB_EINVAL, "'join=0.01@65': more than 64 crash, partition, join, leave "
                                "and churn items");
    /* Checks that need n. */
    expect_bad_n("crash=1@3", 16, "'crash=1@3' crashes every node (16 nodes)");
    expect_bad_n("crash=0.97@3", 16, "crashes every node");  /* round(15.52) = 16 */
    expect_bad_n("leave=1@3", 10, "'leave=1@3' makes every node leave");
    expect_bad_n("join=1@3", 10, "leaves no node present before the join");
    expect_bad_n("partition=11@1-2", 10, "has more groups than nodes");
    expect_bad_n("crossloss=0.5@11", 10, "more groups than the 10 nodes");
    gb_faults f;
    char err[GB_ERRLEN];
    CU_ASSERT_EQUAL_FATAL(parse("crash=0.9@3;leave=0.9@3;join=0.9@5;partition=10@1-2", &f, err),
                          0);
    CU_ASSERT_EQUAL(gb_faults_check(&f, 10, err), 0);
}

/* Writes text to a temporary file; its path goes to path (at least 64 bytes). */
static int write_temp(const char *text, char *path)
{
    strcpy(path, "/tmp/gb-faults-XXXXXX");
    int fd = mkstemp(path);
    if (fd < 0)
        return -1;
    FILE *fp = fdopen(fd, "w");
    if (fp == NULL)
        return -1;
    fputs(text, fp);
    return fclose(fp);
}

static void test_parse_file(void)
{
    gb_faults f, g;
    char err[GB_ERRLEN], path[64], arg[80], want[GB_ERRLEN];
    CU_ASSERT_EQUAL_FATAL(write_temp("# a schedule\n\n  loss=0.1  \n"
                                     "crash=0.2@3-9:empty # with a comment\n"
                                     "\tpartition=2@4-6\r\n"
                                     "churn=0.01:0.1@10-20\n"
                                     "join=0.05@2\n# the end", path), 0);
    snprintf(arg, sizeof arg, "@%s", path);
    CU_ASSERT_EQUAL(parse(arg, &f, err), 0);
    CU_ASSERT_EQUAL(parse("join=0.05@2;churn=0.01:0.1@10-20;partition=2@4-6;"
                          "crash=0.2@3-9:empty;loss=0.1", &g, err), 0);
    CU_ASSERT_TRUE(gb_faults_equal(&f, &g));
    remove(path);
    /* Comments only: no faults. */
    CU_ASSERT_EQUAL_FATAL(write_temp("# nothing\n\n", path), 0);
    snprintf(arg, sizeof arg, "@%s", path);
    CU_ASSERT_EQUAL(parse(arg, &f, err), 0);
    CU_ASSERT_FALSE(f.any);
    remove(path);
    /* Errors name FILE:LINE and the item. */
    CU_ASSERT_EQUAL_FATAL(write_temp("loss=0.1\n# fine so far\ncrash=0.1@3\nchurn=0.1:0.1@9-3\n",
                                     path), 0);
    snprintf(arg, sizeof arg, "@%s", path);
    snprintf(want, sizeof want, "--faults: %s:4: 'churn=0.1:0.1@9-3': last round", path);
    expect_bad(arg, GB_ERANGE, want);
    remove(path);
    CU_ASSERT_EQUAL_FATAL(write_temp("partition=2@1-5\n\npartition=2@5-6\n", path), 0);
    snprintf(arg, sizeof arg, "@%s", path);
    snprintf(want, sizeof want, "--faults: %s:3: 'partition=2@5-6': rounds 5-6 overlap", path);
    expect_bad(arg, GB_EINVAL, want);
    remove(path);
    CU_ASSERT_EQUAL_FATAL(write_temp("loss=0.1;crash=0.1@3\n", path), 0);
    snprintf(arg, sizeof arg, "@%s", path);
    snprintf(want, sizeof want, "%s:1: 'loss=0.1;crash=0.1@3': one item per line", path);
    expect_bad(arg, GB_EINVAL, want);
    remove(path);
    expect_bad("@/nonexistent/schedule.txt", GB_EIO,
               "--faults: cannot open '/nonexistent/schedule.txt'");
    expect_bad("@", GB_EINVAL, "'@' needs a file name");
}

/* ---------------------------------------------------------------- node-state view */

enum { VN = 1000, VROUNDS = 80 };
#define VIEW_SPEC                                                                            \
    "crash=0.1@3-12:empty;crash=0.1@5;crash=0.05@20-30;join=0.1@6;join=0.05@15;leave=0.1@8;"  \
    "churn=0.05:0.1@10-25;churn=0.02:0.3@40-60;slow=0.2:3;partition=3@2-4;crossloss=0.3@4;"   \
    "loss=0.1"

/* States, events and acts of nodes [first, first+count) over VROUNDS rounds of trial t,
 * written to st/ev/acts[round][node]. Also checks that up() counts the UP nodes. */
static void run_view(const gb_faults *f, uint32_t t, gb_node_t first, uint32_t count,
                     uint8_t (*st)[VN], uint8_t (*ev)[VN], uint8_t (*acts)[VN])
{
    gb_fault_view *v = NULL;
    CU_ASSERT_EQUAL_FATAL(gb_fault_view_create(f, SEED, VN, first, count, &v), 0);
    gb_fault_view_start(v, t);
    for (uint32_t r = 0; r <= VROUNDS; r++) {
        if (r > 0)
            gb_fault_view_advance(v, r);
        uint64_t up = 0;
        for (gb_node_t u = first; u < first + count; u++) {
            st[r][u] = gb_fault_view_state(v, u);
            ev[r][u] = gb_fault_view_event(v, u);
            acts[r][u] = (uint8_t)gb_fault_view_acts(v, u);
            up += st[r][u] == GB_NODE_UP;
            CU_ASSERT_EQUAL(gb_fault_up_bit(gb_fault_view_up_bits(v), u - first),
                            st[r][u] == GB_NODE_UP);
        }
        CU_ASSERT_EQUAL(up, gb_fault_view_up(v));
    }
    gb_fault_view_free(v);
}

static uint8_t vst[2][VROUNDS + 1][VN], vev[2][VROUNDS + 1][VN], vacts[2][VROUNDS + 1][VN];

/* Views over different blocks agree node by node, round by round; events match the state
 * changes; the rules of faults.h hold (crash only from UP, one event per round). */
static void test_view_blocks(void)
{
    gb_faults f;
    char err[GB_ERRLEN];
    CU_ASSERT_EQUAL_FATAL(parse(VIEW_SPEC, &f, err), 0);
    for (uint32_t t = 0; t < 3; t++) {
        run_view(&f, t, 0, VN, vst[0], vev[0], vacts[0]);
        /* Uneven blocks, as on 7 ranks, and one node alone. */
        static const uint32_t cuts[] = {0, 143, 286, 429, 571, 714, 857, 999, VN};
        for (size_t b = 0; b + 1 < GB_ARRAY_LEN(cuts); b++)
            run_view(&f, t, cuts[b], cuts[b + 1] - cuts[b], vst[1], vev[1], vacts[1]);
        CU_ASSERT_EQUAL(memcmp(vst[0], vst[1], sizeof vst[0]), 0);
        CU_ASSERT_EQUAL(memcmp(vev[0], vev[1], sizeof vev[0]), 0);
        CU_ASSERT_EQUAL(memcmp(vacts[0], vacts[1], sizeof vacts[0]), 0);
        unsigned kinds[6] = {0};
        for (uint32_t r = 1; r <= VROUNDS; r++)
            for (gb_node_t u = 0; u < VN; u++) {
                uint8_t a = vst[0][r - 1][u], b = vst[0][r][u], e = vev[0][r][u];
                kinds[e]++;
                int ok;
                switch (e) {
                case GB_EV_NONE: ok = a == b; break;
                case GB_EV_CRASH: ok = a == GB_NODE_UP && b == GB_NODE_CRASHED; break;
                case GB_EV_RECOVER:
                case GB_EV_RECOVER_EMPTY: ok = a == GB_NODE_CRASHED && b == GB_NODE_UP; break;
                case GB_EV_JOIN: ok = a == GB_NODE_ABSENT && b == GB_NODE_UP; break;
                case GB_EV_LEAVE: ok = a == GB_NODE_UP && b == GB_NODE_ABSENT; break;
                default: ok = 0;
                }
                CU_ASSERT(ok);
                if (!ok)
                    fprintf(stderr, "\n  node %u round %u: %u -> %u with event %u\n", u, r, a,
                            b, e);
                /* slow=0.2:3: UP nodes act unless slow in a round not divisible by 3. */
                CU_ASSERT(!vacts[0][r][u] || b == GB_NODE_UP);
            }
        /* Every kind of event happened (the schedule is meant to exercise them all). */
        for (unsigned k = GB_EV_CRASH; k <= GB_EV_LEAVE; k++)
            CU_ASSERT(kinds[k] > 0);
        /* Crashes happen in rounds 3, 5 and 20 only; recoveries in 12 and 30. */
        for (uint32_t r = 1; r <= VROUNDS; r++)
            for (gb_node_t u = 0; u < VN; u++) {
                if (vev[0][r][u] == GB_EV_CRASH)
                    CU_ASSERT(r == 3 || r == 5 || r == 20);
                if (vev[0][r][u] == GB_EV_RECOVER_EMPTY)
                    CU_ASSERT(r == 12);
                if (vev[0][r][u] == GB_EV_RECOVER)
                    CU_ASSERT(r == 30);
            }
    }
    /* Other trials, other states. */
    run_view(&f, 7, 0, VN, vst[1], vev[1], vacts[1]);
    CU_ASSERT_NOT_EQUAL(memcmp(vst[0], vst[1], sizeof vst[0]), 0);
}

/* join=F@R and leave=F@R move exactly round(F*n) nodes; crashes spare absent nodes. */
static void test_view_join_leave_exact(void)
{
    gb_faults f;
    char err[GB_ERRLEN];
    CU_ASSERT_EQUAL_FATAL(parse("join=0.1@5;leave=0.25@7", &f, err), 0);
    gb_fault_view *v = NULL;
    CU_ASSERT_EQUAL_FATAL(gb_fault_view_create(&f, SEED, VN, 0, VN, &v), 0);
    for (uint32_t t = 0; t < 5; t++) {
        gb_fault_view_start(v, t);
        CU_ASSERT_EQUAL(gb_fault_view_up(v), VN - 100);
        for (uint32_t r = 1; r <= 10; r++) {
            gb_fault_view_advance(v, r);
            unsigned joins = 0, leaves = 0, absent = 0;
            for (gb_node_t u = 0; u < VN; u++) {
                joins += gb_fault_view_event(v, u) == GB_EV_JOIN;
                leaves += gb_fault_view_event(v, u) == GB_EV_LEAVE;
                absent += gb_fault_view_state(v, u) == GB_NODE_ABSENT;
            }
            CU_ASSERT_EQUAL(joins, r == 5 ? 100u : 0u);
            /* Leavers that are still absent joiners at round 7: none (they joined at 5). */
            CU_ASSERT_EQUAL(leaves, r == 7 ? 250u : 0u);
            CU_ASSERT_EQUAL(absent, r < 5 ? 100u : r < 7 ? 0u : 250u);
            CU_ASSERT_EQUAL(gb_fault_view_up(v), VN - absent);
            for (gb_node_t u = 0; u < VN; u++)
                CU_ASSERT_EQUAL(gb_fault_view_may_return(v, u),
                                r < 5 && gb_fault_view_state(v, u) == GB_NODE_ABSENT);
        }
    }
    gb_fault_view_free(v);
    /* Crash while half the nodes are absent: only UP nodes crash, and a node that joins
     * within the crash window is not crashed later. A crashed node does not leave. */
    CU_ASSERT_EQUAL_FATAL(parse("join=0.5@6;crash=0.5@3-9;leave=0.5@4", &f, err), 0);
    CU_ASSERT_EQUAL_FATAL(gb_fault_view_create(&f, SEED, VN, 0, VN, &v), 0);
    gb_fault_view_start(v, 1);
    uint8_t before[VN];
    for (uint32_t r = 1; r <= 10; r++) {
        for (gb_node_t u = 0; u < VN; u++)
            before[u] = gb_fault_view_state(v, u);
        gb_fault_view_advance(v, r);
        unsigned crashed = 0;
        for (gb_node_t u = 0; u < VN; u++) {
            uint8_t e = gb_fault_view_event(v, u), s = gb_fault_view_state(v, u);
            if (e == GB_EV_CRASH)
                CU_ASSERT(r == 3 && before[u] == GB_NODE_UP);
            if (e == GB_EV_LEAVE)
                CU_ASSERT(r == 4 && before[u] == GB_NODE_UP);
            if (before[u] == GB_NODE_CRASHED && r < 9)
                CU_ASSERT_EQUAL(s, GB_NODE_CRASHED);
            crashed += s == GB_NODE_CRASHED;
            if (s == GB_NODE_CRASHED)
                CU_ASSERT_EQUAL(gb_fault_view_may_return(v, u), 1);
        }
        if (r >= 3 && r < 9)
            CU_ASSERT(crashed > 100 && crashed < 400); /* about 0.5 * 500 UP nodes */
        if (r >= 9)
            CU_ASSERT_EQUAL(crashed, 0);
    }
    gb_fault_view_free(v);
    /* Permanent crash: never returns. */
    CU_ASSERT_EQUAL_FATAL(parse("crash=0.2@3", &f, err), 0);
    CU_ASSERT_EQUAL_FATAL(gb_fault_view_create(&f, SEED, VN, 0, VN, &v), 0);
    gb_fault_view_start(v, 0);
    for (uint32_t r = 1; r <= 4; r++)
        gb_fault_view_advance(v, r);
    CU_ASSERT_EQUAL(gb_fault_view_up(v), VN - 200);
    for (gb_node_t u = 0; u < VN; u++)
        CU_ASSERT_EQUAL(gb_fault_view_may_return(v, u), 0);
    gb_fault_view_free(v);
}

/* Churn: per round, the fraction of UP nodes that leave is L and of ABSENT nodes that join
 * is J, each within 5 sigma of the binomial (summed over rounds and trials). */
static void test_view_churn_rates(void)
{
    static const double LJ[][2] = {{0.05, 0.2}, {0.3, 0.6}, {0.01, 0.01}};
    enum { N = 20000, R = 40, T = 2 };
    for (size_t c = 0; c < GB_ARRAY_LEN(LJ); c++) {
        char spec[64], err[GB_ERRLEN];
        gb_faults f;
        snprintf(spec, sizeof spec, "churn=%g:%g@1-%d", LJ[c][0], LJ[c][1], R);
        CU_ASSERT_EQUAL_FATAL(parse(spec, &f, err), 0);
        gb_fault_view *v = NULL;
        CU_ASSERT_EQUAL_FATAL(gb_fault_view_create(&f, SEED, N, 0, N, &v), 0);
        double up_sum = 0, leave_sum = 0, abs_sum = 0, join_sum = 0;
        for (uint32_t t = 0; t < T; t++) {
            gb_fault_view_start(v, t);
            for (uint32_t r = 1; r <= R + 2; r++) {
                uint64_t up = gb_fault_view_up(v);
                gb_fault_view_advance(v, r);
                uint64_t leaves = 0, joins = 0;
                for (gb_node_t u = 0; u < N; u++) {
                    leaves += gb_fault_view_event(v, u) == GB_EV_LEAVE;
                    joins += gb_fault_view_event(v, u) == GB_EV_JOIN;
                }
                if (r > R) { /* window over: nothing moves */
                    CU_ASSERT_EQUAL(leaves + joins, 0);
                    continue;
                }
                up_sum += (double)up;
                leave_sum += (double)leaves;
                abs_sum += (double)(N - up);
                join_sum += (double)joins;
            }
        }
        gb_fault_view_free(v);
        double L = LJ[c][0], J = LJ[c][1];
        double zl = (leave_sum - L * up_sum) / sqrt(up_sum * L * (1 - L));
        double zj = (join_sum - J * abs_sum) / sqrt(abs_sum * J * (1 - J));
        CU_ASSERT(fabs(zl) < 5 && fabs(zj) < 5);
        fprintf(stderr, "\n  churn=%g:%g n=%d: leave rate %.5f (%.2f sigma), join rate %.5f "
                        "(%.2f sigma)", L, J, N, leave_sum / up_sum, zl, join_sum / abs_sum, zj);
    }
}

/* drops(): partition cuts, crossloss only between groups at rate P, loss as gb_faults_lost. */
static void test_view_drops(void)
{
    gb_faults f;
    char err[GB_ERRLEN];
    CU_ASSERT_EQUAL_FATAL(parse("crossloss=0.4@4;partition=2@3-5", &f, err), 0);
    gb_fault_view *v = NULL;
    CU_ASSERT_EQUAL_FATAL(gb_fault_view_create(&f, SEED, 1000, 0, 1000, &v), 0);
    gb_fault_view_start(v, 2);
    gb_fault_view_advance(v, 1);
    double same = 0, cross = 0, cross_n = 0;
    for (gb_node_t s = 0; s < 1000; s += 7)
        for (gb_node_t d = 0; d < 1000; d += 3) {
            int dr = gb_fault_view_drops(v, s, d, s, d);
            if (s / 250 == d / 250) {
                same += dr;
            } else {
                cross += dr;
                cross_n++;
            }
        }
    CU_ASSERT_EQUAL(same, 0);
    CU_ASSERT(fabs(cross - 0.4 * cross_n) < 5 * sqrt(cross_n * 0.4 * 0.6));
    gb_fault_view_advance(v, 2);
    gb_fault_view_advance(v, 3);
    CU_ASSERT_EQUAL(gb_fault_view_drops(v, 0, 100, 0, 0), 0); /* same groups */
    CU_ASSERT_EQUAL(gb_fault_view_drops(v, 0, 500, 0, 0), 1); /* across the partition */
    CU_ASSERT_EQUAL(gb_fault_view_drops(v, 499, 999, 5, 1), 1);
    gb_fault_view_free(v);
    /* loss through the view: the same verdicts as gb_faults_lost. */
    CU_ASSERT_EQUAL_FATAL(parse("loss=0.3", &f, err), 0);
    CU_ASSERT_EQUAL_FATAL(gb_fault_view_create(&f, SEED, 100, 10, 20, &v), 0);
    gb_fault_view_start(v, 4);
    gb_fault_view_advance(v, 1);
    gb_fault_view_advance(v, 2);
    int agree = 1;
    for (uint32_t node = 0; node < 100; node++)
        for (uint32_t i = 0; i < 40; i++)
            agree &= gb_fault_view_drops(v, 1, 2, node, i) ==
                     gb_faults_lost(&f, SEED, 4, 2, node, i);
    CU_ASSERT_TRUE(agree);
    gb_fault_view_free(v);
    /* No faults: every node UP, acting, nothing dropped. */
    CU_ASSERT_EQUAL_FATAL(gb_fault_view_create(NULL, SEED, 100, 0, 100, &v), 0);
    gb_fault_view_start(v, 0);
    gb_fault_view_advance(v, 1);
    CU_ASSERT_EQUAL(gb_fault_view_up(v), 100);
    CU_ASSERT_TRUE(gb_fault_view_acts(v, 5) && !gb_fault_view_drops(v, 1, 99, 1, 0) &&
                   gb_fault_view_state(v, 7) == GB_NODE_UP &&
                   gb_fault_view_event(v, 7) == GB_EV_NONE);
    gb_fault_view_free(v);
}

/* Declared in tests/tests.h once the suite is registered in tests/main.c. */

/* partition=G@A-B:random: groups are uniform (each about n/G, checked within 5 sigma of the
 * binomial), differ from the contiguous split, depend on seed and trial, and round-trip. */
static void test_random_partition(void)
{
    gb_faults f;
    char err[GB_ERRLEN], buf[256];
    CU_ASSERT_EQUAL_FATAL(parse("partition=4@2-5:random", &f, err), 0);
    gb_faults_format(&f, buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "partition=4@2-5:random");
    CU_ASSERT_NOT_EQUAL(parse("partition=4@2-5:ids", &f, err), 0);
    CU_ASSERT_EQUAL_FATAL(parse("partition=4@2-5:random", &f, err), 0);
    const uint64_t n = 40000;
    /* Group of v: the one that node 0 is cut from or not tells nothing alone; count, for
     * every v, whether it is cut from node 0 (3/4 expected) and whether the verdicts differ
     * from the contiguous split's. */
    uint64_t cut0 = 0, differ = 0, other_trial = 0;
    for (uint64_t v = 1; v < n; v++) {
        int c = gb_faults_cut(&f, SEED, 0, n, 3, 0, v);
        cut0 += c;
        differ += c != (gb_faults_group(4, n, v) != 0);
        other_trial += c != gb_faults_cut(&f, SEED, 1, n, 3, 0, v);
        CU_ASSERT_EQUAL(c, gb_faults_cut(&f, SEED, 0, n, 5, v, 0)); /* symmetric, stable */
        CU_ASSERT_FALSE(gb_faults_cut(&f, SEED, 0, n, 6, 0, v));    /* healed */
    }
    double mean = 0.75 * (n - 1), sd = sqrt((n - 1) * 0.75 * 0.25);
    CU_ASSERT_TRUE(fabs((double)cut0 - mean) < 5 * sd);
    CU_ASSERT_TRUE(differ > n / 4);
    CU_ASSERT_TRUE(other_trial > n / 4);
}

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
        CU_add_test(s, "crash, slow and partition windows", test_schedule) == NULL ||
        CU_add_test(s, "new items round-trip through format", test_parse_new_items) == NULL ||
        CU_add_test(s, "impossible schedules are refused", test_parse_bad_new) == NULL ||
        CU_add_test(s, "@FILE schedules", test_parse_file) == NULL ||
        CU_add_test(s, "views over different blocks agree", test_view_blocks) == NULL ||
        CU_add_test(s, "join and leave move exact counts", test_view_join_leave_exact) == NULL ||
        CU_add_test(s, "churn rates match L and J", test_view_churn_rates) == NULL ||
        CU_add_test(s, "view drops: partition, crossloss, loss", test_view_drops) == NULL ||
        CU_add_test(s, "random partition groups", test_random_partition) == NULL)
        return CU_get_error();
    return 0;
}
