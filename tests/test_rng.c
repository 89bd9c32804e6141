/* test_rng.c: the counter-based random streams of common/gb_rng.h.
 *
 * The streams are the base of the reproducibility contract (DESIGN.md, "Randomness"): a
 * value must be a pure function of (seed, trial, round, node, purpose, index), every key
 * component must matter, and the derived integer and real draws must be in range and
 * uniform. Statistical checks use fixed seeds, so they are deterministic, but their
 * thresholds are real (p = 0.001): a biased generator fails them. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <CUnit/CUnit.h>
#include <Random123/philox.h>

#include "gb_rng.h"
#include "tests.h"

#define SEED 0x5eed1234abcdULL

/* The first k outputs of the stream for a tuple. */
static void first_values(uint64_t seed, uint32_t trial, uint32_t round, uint32_t node,
                         uint32_t purpose, uint64_t *out, size_t k)
{
    gb_rng r;
    gb_rng_init(&r, seed, trial, round, node, purpose);
    for (size_t i = 0; i < k; i++)
        out[i] = gb_rng_next(&r);
}

static int same_values(const uint64_t *a, const uint64_t *b, size_t k)
{
    for (size_t i = 0; i < k; i++)
        if (a[i] != b[i])
            return 0;
    return 1;
}

/* Same tuple, same sequence: over many tuples and long streams, and after re-initialising
 * a stream that had been used for something else. */
static void test_determinism(void)
{
    enum { LEN = 37 }; /* not a multiple of 4: ends inside a Philox block */
    uint64_t a[LEN], b[LEN];
    unsigned mismatches = 0;
    for (uint32_t trial = 0; trial < 3; trial++)
        for (uint32_t round = 0; round < 5; round++)
            for (uint32_t node = 0; node < 20; node++) {
                first_values(SEED, trial, round, node, GB_RNG_PEER, a, LEN);
                first_values(SEED, trial, round, node, GB_RNG_PEER, b, LEN);
                if (!same_values(a, b, LEN))
                    mismatches++;
            }
    CU_ASSERT_EQUAL(mismatches, 0);

    /* Re-initialising a partly consumed stream starts the sequence afresh. */
    gb_rng r;
    gb_rng_init(&r, SEED, 7, 3, 11, GB_RNG_PROTOCOL);
    for (size_t i = 0; i < LEN; i++)
        a[i] = gb_rng_next(&r);
    gb_rng_init(&r, 1, 2, 3, 4, GB_RNG_TEST); /* something else in between */
    for (int i = 0; i < 6; i++)
        (void)gb_rng_next(&r);
    gb_rng_init(&r, SEED, 7, 3, 11, GB_RNG_PROTOCOL);
    for (size_t i = 0; i < LEN; i++)
        b[i] = gb_rng_next(&r);
    CU_ASSERT_TRUE(same_values(a, b, LEN));

    /* Two live streams do not disturb each other (no hidden shared state). */
    gb_rng x, y;
    gb_rng_init(&x, SEED, 7, 3, 11, GB_RNG_PROTOCOL);
    gb_rng_init(&y, SEED, 7, 3, 12, GB_RNG_PROTOCOL);
    int same = 1;
    for (size_t i = 0; i < LEN; i++) {
        (void)gb_rng_next(&y);
        if (gb_rng_next(&x) != a[i])
            same = 0;
    }
    CU_ASSERT_TRUE(same);
}

/* Changing any one component of the tuple changes the stream. A generator that ignored one
 * component (or folded two into the same key bits) would give equal first outputs. */
static void test_key_components(void)
{
    enum { K = 8 };
    const uint64_t seed = SEED;
    const uint32_t trial = 3, round = 5, purpose = GB_RNG_PEER, node = 17;
    uint64_t base[K], v[K];
    first_values(seed, trial, round, node, purpose, base, K);

    first_values(seed + 1, trial, round, node, purpose, v, K);
    CU_ASSERT_FALSE(same_values(base, v, K));
    CU_ASSERT_NOT_EQUAL(base[0], v[0]);
    first_values(seed ^ (1ULL << 63), trial, round, node, purpose, v, K);
    CU_ASSERT_NOT_EQUAL(base[0], v[0]);

    first_values(seed, trial + 1, round, node, purpose, v, K);
    CU_ASSERT_NOT_EQUAL(base[0], v[0]);
    first_values(seed, UINT32_MAX, round, node, purpose, v, K);
    CU_ASSERT_NOT_EQUAL(base[0], v[0]);

    first_values(seed, trial, round + 1, node, purpose, v, K);
    CU_ASSERT_NOT_EQUAL(base[0], v[0]);
    first_values(seed, trial, UINT32_MAX, node, purpose, v, K);
    CU_ASSERT_NOT_EQUAL(base[0], v[0]);

    first_values(seed, trial, round, node + 1, purpose, v, K);
    CU_ASSERT_NOT_EQUAL(base[0], v[0]);
    first_values(seed, trial, round, node | (1u << 31), purpose, v, K);
    CU_ASSERT_NOT_EQUAL(base[0], v[0]);
    first_values(seed, trial, round, UINT32_MAX, purpose, v, K);
    CU_ASSERT_NOT_EQUAL(base[0], v[0]);

    static const uint32_t purposes[] = {GB_RNG_SOURCE, GB_RNG_TOPOLOGY, GB_RNG_PROTOCOL,
                                        GB_RNG_TEST};
    for (size_t i = 0; i < sizeof purposes / sizeof purposes[0]; i++) {
        first_values(seed, trial, round, node, purposes[i], v, K);
        CU_ASSERT_NOT_EQUAL(base[0], v[0]);
    }

    /* Components must not alias each other: swapping round and node, trial and purpose,
     * trial and round, or node and purpose gives a different stream. */
    uint64_t w[K];
    first_values(seed, trial, 2, 9, purpose, v, K);
    first_values(seed, trial, 9, 2, purpose, w, K);
    CU_ASSERT_NOT_EQUAL(v[0], w[0]);
    first_values(seed, 1, round, node, 4, v, K);
    first_values(seed, 4, round, node, 1, w, K);
    CU_ASSERT_NOT_EQUAL(v[0], w[0]);
    first_values(seed, 1, 2, node, purpose, v, K);
    first_values(seed, 2, 1, node, purpose, w, K);
    CU_ASSERT_NOT_EQUAL(v[0], w[0]);
    first_values(seed, trial, round, 1, 4, v, K);
    first_values(seed, trial, round, 4, 1, w, K);
    CU_ASSERT_NOT_EQUAL(v[0], w[0]);
    first_values(5, trial, round, 6, purpose, v, K);
    first_values(6, trial, round, 5, purpose, w, K);
    CU_ASSERT_NOT_EQUAL(v[0], w[0]);
    /* Value k of one stream is not value k' of a neighbouring one (the index must not
     * run into the node or purpose bits): all 8 first values of nodes 0..63 distinct. */
    enum { NN = 64 };
    uint64_t all[NN * K];
    for (uint32_t u = 0; u < NN; u++)
        first_values(seed, trial, round, u, purpose, all + (size_t)u * K, K);
    unsigned clash = 0;
    for (size_t i = 0; i < NN * K; i++)
        for (size_t j = i + 1; j < NN * K; j++)
            clash += all[i] == all[j];
    CU_ASSERT_EQUAL(clash, 0);

    /* A whole family of neighbouring tuples: all first outputs pairwise distinct. */
    enum { M = 64 };
    uint64_t firsts[M * 5];
    size_t nf = 0;
    for (uint32_t i = 0; i < M; i++) {
        first_values(seed + i, trial, round, node, purpose, v, 1);
        firsts[nf++] = v[0];
        first_values(seed, trial + 1 + i, round, node, purpose, v, 1);
        firsts[nf++] = v[0];
        first_values(seed, trial, round + 1 + i, node, purpose, v, 1);
        firsts[nf++] = v[0];
        first_values(seed, trial, round, node + 1 + i, purpose, v, 1);
        firsts[nf++] = v[0];
        first_values(seed, trial, round, node, 16 + i, v, 1);
        firsts[nf++] = v[0];
    }
    unsigned collisions = 0;
    for (size_t i = 0; i < nf; i++)
        for (size_t j = i + 1; j < nf; j++)
            if (firsts[i] == firsts[j])
                collisions++;
    CU_ASSERT_EQUAL(collisions, 0);
}

/* Known answer: the stream is Philox2x64-10 with key {seed} and counter
 * {trial << 32 | round, index << 40 | purpose << 32 | node}, read word by word, index
 * counting the blocks (gb_rng.h). Computed here with Random123 directly, so that a change
 * of generator, round count or tuple mapping, any of which changes every result of the
 * benchmark, is caught. */
static void test_known_answer(void)
{
    const uint64_t seed = 0x0123456789abcdefULL;
    const uint32_t trial = 42, round = 7, purpose = GB_RNG_PEER, node = 123456789u;

    philox2x64_key_t k = {{seed}};
    gb_rng r;
    gb_rng_init(&r, seed, trial, round, node, purpose);
    for (uint64_t block = 0; block < 6; block++) {
        philox2x64_ctr_t c = {{((uint64_t)trial << 32) | round,
                               (block << 40) | ((uint64_t)purpose << 32) | node}};
        philox2x64_ctr_t o = philox2x64(c, k);
        for (int w = 0; w < 2; w++)
            CU_ASSERT_EQUAL(gb_rng_next(&r), o.v[w]);
    }

    /* Random123's own known-answer vectors (kat_vectors, philox2x64 with 10 rounds) pin
     * the library itself: all-zero, all-one and pi-digit counter and key. */
    philox2x64_ctr_t zc = {{0, 0}};
    philox2x64_key_t zk = {{0}};
    philox2x64_ctr_t zo = philox2x64(zc, zk);
    CU_ASSERT_EQUAL(zo.v[0], 0xca00a0459843d731ULL);
    CU_ASSERT_EQUAL(zo.v[1], 0x66c24222c9a845b5ULL);
    philox2x64_ctr_t fc = {{UINT64_MAX, UINT64_MAX}};
    philox2x64_key_t fk = {{UINT64_MAX}};
    philox2x64_ctr_t fo = philox2x64(fc, fk);
    CU_ASSERT_EQUAL(fo.v[0], 0x65b021d60cd8310fULL);
    CU_ASSERT_EQUAL(fo.v[1], 0x4d02f3222f86df20ULL);
    philox2x64_ctr_t pc = {{0x243f6a8885a308d3ULL, 0x13198a2e03707344ULL}};
    philox2x64_key_t pk = {{0xa4093822299f31d0ULL}};
    philox2x64_ctr_t po = philox2x64(pc, pk);
    CU_ASSERT_EQUAL(po.v[0], 0x0a5e742c2997341cULL);
    CU_ASSERT_EQUAL(po.v[1], 0xb0f883d38000de5dULL);

    /* The all-zero tuple maps onto the all-zero counter and key. */
    gb_rng z;
    gb_rng_init(&z, 0, 0, 0, 0, 0);
    CU_ASSERT_EQUAL(gb_rng_next(&z), 0xca00a0459843d731ULL);
    CU_ASSERT_EQUAL(gb_rng_next(&z), 0x66c24222c9a845b5ULL);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* The sequence continues across Philox blocks (2 values each; test_known_answer checks
 * that block b is Philox of counter index b): values 0..11 are pairwise distinct and equal
 * to those of a fresh stream read with other streams used in between. */
static void test_block_boundaries(void)
{
    enum { N = 12 };
    uint64_t a[N];
    gb_rng r;
    gb_rng_init(&r, SEED, 1, 2, 3, GB_RNG_TEST);
    for (int i = 0; i < N; i++)
        a[i] = gb_rng_next(&r);
    unsigned dup = 0;
    for (int i = 0; i < N; i++)
        for (int j = i + 1; j < N; j++)
            if (a[i] == a[j])
                dup++;
    CU_ASSERT_EQUAL(dup, 0);

    /* A fresh stream, with another stream used before every value, gives the same ones. */
    gb_rng f;
    gb_rng_init(&f, SEED, 1, 2, 3, GB_RNG_TEST);
    for (int i = 0; i < N; i++) {
        gb_rng other;
        gb_rng_init(&other, SEED, 1, 2, 4, GB_RNG_TEST);
        (void)gb_rng_next(&other);
        CU_ASSERT_EQUAL(gb_rng_next(&f), a[i]);
    }

    /* A long stream never repeats a value (a counter that stops advancing, or an index that
     * wraps early, would): 4096 values pairwise distinct. */
    enum { L = 4096 };
    static uint64_t longv[L];
    gb_rng_init(&r, SEED, 0, 0, 0, GB_RNG_TEST);
    for (int i = 0; i < L; i++)
        longv[i] = gb_rng_next(&r);
    qsort(longv, L, sizeof longv[0], cmp_u64);
    unsigned rep = 0;
    for (int i = 1; i < L; i++)
        rep += longv[i] == longv[i - 1];
    CU_ASSERT_EQUAL(rep, 0);
}

/* gb_rng_below(bound) is always < bound; bound 1 always gives 0. Large bounds are checked
 * to reach their upper half too (a 32-bit truncation would not). */
static void test_below_range(void)
{
    static const uint64_t bounds[] = {1,
                                      2,
                                      3,
                                      7,
                                      1000,
                                      (1ULL << 32) + 1,
                                      1ULL << 63,
                                      (1ULL << 63) + 1, /* rejection about half the time */
                                      UINT64_MAX};
    enum { DRAWS = 20000 };
    for (size_t b = 0; b < sizeof bounds / sizeof bounds[0]; b++) {
        uint64_t bound = bounds[b];
        gb_rng r;
        gb_rng_init(&r, SEED, 0, (uint32_t)b, 99, GB_RNG_TEST);
        unsigned out_of_range = 0, upper = 0;
        uint64_t maxv = 0;
        for (int i = 0; i < DRAWS; i++) {
            uint64_t x = gb_rng_below(&r, bound);
            if (x >= bound)
                out_of_range++;
            if (x >= bound / 2)
                upper++;
            if (x > maxv)
                maxv = x;
        }
        char what[96];
        snprintf(what, sizeof what, "gb_rng_below(%llu) out of range",
                 (unsigned long long)bound);
        CU_assertImplementation(out_of_range == 0 ? CU_TRUE : CU_FALSE, __LINE__, what,
                                __FILE__, "", CU_FALSE);
        if (bound == 1) {
            CU_ASSERT_EQUAL(maxv, 0);
        } else if (bound >= 1000) {
            /* About half the draws in the upper half: 5 sigma is 354 of 20000. */
            CU_ASSERT_TRUE(upper > DRAWS / 2 - 354 && upper < DRAWS / 2 + 354);
        } else {
            CU_ASSERT_EQUAL(maxv, bound - 1); /* small bounds: the top value occurs */
        }
    }
}

/* Chi-square of gb_rng_below(10) over 100000 draws at a fixed seed. 9 degrees of freedom,
 * p = 0.001 critical value 27.88. Also the same for the top bits of raw outputs (a bad
 * word order or a biased high word would show here), and for bound 7, which is not a
 * power of two (modulo bias would show: 2^64 mod 7 != 0, though it is tiny). */
static double chi_square(const unsigned *count, unsigned k, unsigned total)
{
    double expected = (double)total / k, chi2 = 0.0;
    for (unsigned i = 0; i < k; i++) {
        double d = (double)count[i] - expected;
        chi2 += d * d / expected;
    }
    return chi2;
}

static void test_below_uniform(void)
{
    enum { DRAWS = 100000, B = 10 };
    unsigned count[16];
    gb_rng r;

    memset(count, 0, sizeof count);
    gb_rng_init(&r, SEED, 0, 1, 0, GB_RNG_TEST);
    for (int i = 0; i < DRAWS; i++)
        count[gb_rng_below(&r, B)]++;
    double chi2 = chi_square(count, B, DRAWS);
    CU_ASSERT_TRUE(chi2 < 27.88);

    /* Many short streams (one draw per node, as peer selection uses them). */
    memset(count, 0, sizeof count);
    for (uint32_t node = 0; node < DRAWS; node++) {
        gb_rng_init(&r, SEED, 0, 1, node, GB_RNG_PEER);
        count[gb_rng_below(&r, B)]++;
    }
    chi2 = chi_square(count, B, DRAWS);
    CU_ASSERT_TRUE(chi2 < 27.88);

    /* Top 4 bits of raw outputs: 16 buckets, 15 d.o.f., p = 0.001 critical value 37.70. */
    memset(count, 0, sizeof count);
    gb_rng_init(&r, SEED, 0, 2, 0, GB_RNG_TEST);
    for (int i = 0; i < DRAWS; i++)
        count[gb_rng_next(&r) >> 60]++;
    chi2 = chi_square(count, 16, DRAWS);
    CU_ASSERT_TRUE(chi2 < 37.70);

    /* Bound 7: 6 d.o.f., p = 0.001 critical value 22.46. */
    memset(count, 0, sizeof count);
    gb_rng_init(&r, SEED, 0, 3, 0, GB_RNG_TEST);
    for (int i = 0; i < DRAWS; i++)
        count[gb_rng_below(&r, 7)]++;
    chi2 = chi_square(count, 7, DRAWS);
    CU_ASSERT_TRUE(chi2 < 22.46);

    /* The test can fail: a visibly biased sample (bucket 0 twice as likely) is rejected. */
    memset(count, 0, sizeof count);
    gb_rng_init(&r, SEED, 0, 1, 0, GB_RNG_TEST);
    for (int i = 0; i < DRAWS; i++) {
        uint64_t x = gb_rng_below(&r, B + 1);
        count[x == B ? 0 : x]++;
    }
    CU_ASSERT_TRUE(chi_square(count, B, DRAWS) > 27.88);
}

/* gb_rng_uniform01 is in [0, 1), with mean 1/2 within 5 sigma (sigma = sqrt(1/12/N)), and
 * variance near 1/12. */
static void test_uniform01(void)
{
    enum { N = 100000 };
    gb_rng r;
    gb_rng_init(&r, SEED, 0, 0, 0, GB_RNG_TEST);
    unsigned out = 0;
    double sum = 0.0, sum2 = 0.0, lo = 1.0, hi = 0.0;
    for (int i = 0; i < N; i++) {
        double u = gb_rng_uniform01(&r);
        if (!(u >= 0.0 && u < 1.0))
            out++;
        sum += u;
        sum2 += u * u;
        if (u < lo)
            lo = u;
        if (u > hi)
            hi = u;
    }
    CU_ASSERT_EQUAL(out, 0);
    double mean = sum / N;
    double sigma = sqrt(1.0 / 12.0 / N);
    CU_ASSERT_TRUE(fabs(mean - 0.5) < 5.0 * sigma);
    double var = sum2 / N - mean * mean;
    CU_ASSERT_TRUE(fabs(var - 1.0 / 12.0) < 0.002);
    /* The extremes come close to the ends of the interval. */
    CU_ASSERT_TRUE(lo < 1e-3);
    CU_ASSERT_TRUE(hi > 1.0 - 1e-3);

    /* 53 random bits: the largest possible value is below 1, and the low bits vary. */
    gb_rng_init(&r, SEED, 0, 0, 1, GB_RNG_TEST);
    unsigned odd = 0;
    for (int i = 0; i < 1000; i++) {
        double u = gb_rng_uniform01(&r);
        uint64_t m = (uint64_t)(u * 0x1.0p53);
        CU_ASSERT_EQUAL((double)m, u * 0x1.0p53); /* exactly a multiple of 2^-53 */
        odd += (unsigned)(m & 1);
    }
    CU_ASSERT_TRUE(odd > 400 && odd < 600);
    CU_ASSERT_TRUE((double)(UINT64_MAX >> 11) * 0x1.0p-53 < 1.0);
}

int gb_test_register_rng(void)
{
    CU_pSuite s = CU_add_suite("rng", NULL, NULL);
    if (s == NULL)
        return CU_get_error();
    if (CU_add_test(s, "same tuple gives the same sequence", test_determinism) == NULL ||
        CU_add_test(s, "every key component changes the stream", test_key_components) ==
            NULL ||
        CU_add_test(s, "known answer from Random123 philox2x64", test_known_answer) == NULL ||
        CU_add_test(s, "stream continues across Philox blocks", test_block_boundaries) ==
            NULL ||
        CU_add_test(s, "gb_rng_below stays below the bound", test_below_range) == NULL ||
        CU_add_test(s, "gb_rng_below is uniform (chi-square)", test_below_uniform) == NULL ||
        CU_add_test(s, "gb_rng_uniform01 in [0,1) with mean 1/2", test_uniform01) == NULL)
        return CU_get_error();
    return CUE_SUCCESS;
}
