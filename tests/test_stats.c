/* test_stats.c: descriptive statistics across trials (bench/stats.c). Expected values are
 * worked out by hand with R's type 7 quantile definition (numpy's default), which is what
 * the results summaries promise. */
#include <math.h>
#include <stdint.h>
#include <string.h>
#include <CUnit/CUnit.h>

#include "gb_common.h"
#include "stats.h"
#include "tests.h"

#define EPS 1e-12

static void test_known_data(void)
{
    const double x[] = {1, 2, 3, 4};
    gb_summary s;
    CU_ASSERT_EQUAL_FATAL(gb_summarize(x, 4, &s), 0);
    CU_ASSERT_EQUAL(s.count, 4);
    CU_ASSERT_DOUBLE_EQUAL(s.mean, 2.5, EPS);
    CU_ASSERT_DOUBLE_EQUAL(s.sd, sqrt(5.0 / 3.0), EPS);
    CU_ASSERT_DOUBLE_EQUAL(s.min, 1.0, EPS);
    CU_ASSERT_DOUBLE_EQUAL(s.q1, 1.75, EPS);
    CU_ASSERT_DOUBLE_EQUAL(s.median, 2.5, EPS);
    CU_ASSERT_DOUBLE_EQUAL(s.q3, 3.25, EPS);
    CU_ASSERT_DOUBLE_EQUAL(s.max, 4.0, EPS);

    /* Odd count: the quartiles fall on order statistics. */
    const double y[] = {5, 1, 3, 2, 4};
    CU_ASSERT_EQUAL_FATAL(gb_summarize(y, 5, &s), 0);
    CU_ASSERT_EQUAL(s.count, 5);
    CU_ASSERT_DOUBLE_EQUAL(s.mean, 3.0, EPS);
    CU_ASSERT_DOUBLE_EQUAL(s.sd, sqrt(2.5), EPS);
    CU_ASSERT_DOUBLE_EQUAL(s.min, 1.0, EPS);
    CU_ASSERT_DOUBLE_EQUAL(s.q1, 2.0, EPS);
    CU_ASSERT_DOUBLE_EQUAL(s.median, 3.0, EPS);
    CU_ASSERT_DOUBLE_EQUAL(s.q3, 4.0, EPS);
    CU_ASSERT_DOUBLE_EQUAL(s.max, 5.0, EPS);

    /* Two values: interpolation between them. */
    const double z[] = {20, 10};
    CU_ASSERT_EQUAL_FATAL(gb_summarize(z, 2, &s), 0);
    CU_ASSERT_DOUBLE_EQUAL(s.mean, 15.0, EPS);
    CU_ASSERT_DOUBLE_EQUAL(s.sd, sqrt(50.0), EPS);
    CU_ASSERT_DOUBLE_EQUAL(s.q1, 12.5, EPS);
    CU_ASSERT_DOUBLE_EQUAL(s.median, 15.0, EPS);
    CU_ASSERT_DOUBLE_EQUAL(s.q3, 17.5, EPS);
    CU_ASSERT_DOUBLE_EQUAL(s.min, 10.0, EPS);
    CU_ASSERT_DOUBLE_EQUAL(s.max, 20.0, EPS);

    /* Negative values and ties. */
    const double w[] = {-3, 0, 0, 0, 7, -3};
    CU_ASSERT_EQUAL_FATAL(gb_summarize(w, 6, &s), 0);
    CU_ASSERT_DOUBLE_EQUAL(s.mean, 1.0 / 6.0, EPS);
    CU_ASSERT_DOUBLE_EQUAL(s.min, -3.0, EPS);
    CU_ASSERT_DOUBLE_EQUAL(s.q1, -2.25, EPS); /* h = 1.25: -3 + 0.25 * 3 */
    CU_ASSERT_DOUBLE_EQUAL(s.median, 0.0, EPS);
    CU_ASSERT_DOUBLE_EQUAL(s.q3, 0.0, EPS);
    CU_ASSERT_DOUBLE_EQUAL(s.max, 7.0, EPS);
}

/* Unsorted input: the statistics are those of the sorted data, and x is not modified. */
static void test_unsorted_not_modified(void)
{
    double x[] = {3, 1, 4, 1, 5, 9, 2, 6};
    double copy[8];
    memcpy(copy, x, sizeof x);
    gb_summary s;
    CU_ASSERT_EQUAL_FATAL(gb_summarize(x, 8, &s), 0);
    CU_ASSERT_EQUAL(memcmp(x, copy, sizeof x), 0);
    CU_ASSERT_EQUAL(s.count, 8);
    CU_ASSERT_DOUBLE_EQUAL(s.mean, 3.875, EPS);
    CU_ASSERT_DOUBLE_EQUAL(s.sd, sqrt(52.875 / 7.0), EPS);
    CU_ASSERT_DOUBLE_EQUAL(s.min, 1.0, EPS);
    CU_ASSERT_DOUBLE_EQUAL(s.q1, 1.75, EPS);
    CU_ASSERT_DOUBLE_EQUAL(s.median, 3.5, EPS);
    CU_ASSERT_DOUBLE_EQUAL(s.q3, 5.25, EPS);
    CU_ASSERT_DOUBLE_EQUAL(s.max, 9.0, EPS);

    /* Descending input: same as ascending. */
    double d[] = {9, 6, 5, 4, 3, 2, 1, 1};
    gb_summary t;
    CU_ASSERT_EQUAL_FATAL(gb_summarize(d, 8, &t), 0);
    CU_ASSERT_DOUBLE_EQUAL(t.mean, s.mean, EPS);
    CU_ASSERT_DOUBLE_EQUAL(t.sd, s.sd, EPS);
    CU_ASSERT_DOUBLE_EQUAL(t.q1, s.q1, EPS);
    CU_ASSERT_DOUBLE_EQUAL(t.median, s.median, EPS);
    CU_ASSERT_DOUBLE_EQUAL(t.q3, s.q3, EPS);
    CU_ASSERT_EQUAL(d[0], 9.0);
    CU_ASSERT_EQUAL(d[7], 1.0);
}

static void test_single_and_empty(void)
{
    const double one[] = {7.5};
    gb_summary s;
    CU_ASSERT_EQUAL_FATAL(gb_summarize(one, 1, &s), 0);
    CU_ASSERT_EQUAL(s.count, 1);
    CU_ASSERT_DOUBLE_EQUAL(s.mean, 7.5, EPS);
    CU_ASSERT_EQUAL(s.sd, 0.0);
    CU_ASSERT_DOUBLE_EQUAL(s.min, 7.5, EPS);
    CU_ASSERT_DOUBLE_EQUAL(s.q1, 7.5, EPS);
    CU_ASSERT_DOUBLE_EQUAL(s.median, 7.5, EPS);
    CU_ASSERT_DOUBLE_EQUAL(s.q3, 7.5, EPS);
    CU_ASSERT_DOUBLE_EQUAL(s.max, 7.5, EPS);

    /* Empty: an all-zero summary, whatever the output held before. */
    memset(&s, 0x7f, sizeof s);
    const double dummy[] = {42};
    CU_ASSERT_EQUAL(gb_summarize(dummy, 0, &s), 0);
    CU_ASSERT_EQUAL(s.count, 0);
    CU_ASSERT_EQUAL(s.mean, 0.0);
    CU_ASSERT_EQUAL(s.sd, 0.0);
    CU_ASSERT_EQUAL(s.min, 0.0);
    CU_ASSERT_EQUAL(s.q1, 0.0);
    CU_ASSERT_EQUAL(s.median, 0.0);
    CU_ASSERT_EQUAL(s.q3, 0.0);
    CU_ASSERT_EQUAL(s.max, 0.0);
    memset(&s, 0x7f, sizeof s);
    CU_ASSERT_EQUAL(gb_summarize(NULL, 0, &s), 0);
    CU_ASSERT_EQUAL(s.count, 0);
    CU_ASSERT_EQUAL(s.mean, 0.0);

    /* Constant data: sd exactly 0 (no negative variance from rounding). */
    double c[100];
    for (int i = 0; i < 100; i++)
        c[i] = 0.1;
    CU_ASSERT_EQUAL_FATAL(gb_summarize(c, 100, &s), 0);
    CU_ASSERT_DOUBLE_EQUAL(s.mean, 0.1, EPS);
    CU_ASSERT_TRUE(s.sd >= 0.0 && s.sd < 1e-15);
    CU_ASSERT_FALSE(isnan(s.sd));
}

/* A large common offset must not destroy the standard deviation (a one-pass sum of squares
 * loses every digit here: (1e9)^2 = 1e18 has a spacing of 128 between doubles). */
static void test_large_offset(void)
{
    const double base[] = {4, 7, 13, 16};
    static const double offsets[] = {1e9, 1e12};
    for (size_t k = 0; k < sizeof offsets / sizeof offsets[0]; k++) {
        double x[4];
        for (int i = 0; i < 4; i++)
            x[i] = offsets[k] + base[i];
        gb_summary s;
        CU_ASSERT_EQUAL_FATAL(gb_summarize(x, 4, &s), 0);
        CU_ASSERT_DOUBLE_EQUAL(s.sd, sqrt(30.0), 1e-6);
        CU_ASSERT_DOUBLE_EQUAL(s.mean - offsets[k], 10.0, 1e-6);
        CU_ASSERT_DOUBLE_EQUAL(s.q1 - offsets[k], 6.25, 1e-6);
        CU_ASSERT_DOUBLE_EQUAL(s.median - offsets[k], 10.0, 1e-6);
        CU_ASSERT_DOUBLE_EQUAL(s.q3 - offsets[k], 13.75, 1e-6);
        CU_ASSERT_DOUBLE_EQUAL(s.min - offsets[k], 4.0, 0.0);
        CU_ASSERT_DOUBLE_EQUAL(s.max - offsets[k], 16.0, 0.0);
    }

    /* Many values around a large mean: 1e9 + (i mod 10), i < 100000. The exact sample sd
     * of 0..9 repeated 10000 times is sqrt(8.25 * 100000 / 99999). */
    enum { N = 100000 };
    static double big[N];
    for (int i = 0; i < N; i++)
        big[i] = 1e9 + (double)(i % 10);
    gb_summary s;
    CU_ASSERT_EQUAL_FATAL(gb_summarize(big, N, &s), 0);
    CU_ASSERT_DOUBLE_EQUAL(s.sd, sqrt(8.25 * N / (N - 1.0)), 1e-6);
    CU_ASSERT_DOUBLE_EQUAL(s.mean, 1e9 + 4.5, 1e-5);
    CU_ASSERT_DOUBLE_EQUAL(s.median, 1e9 + 4.5, 0.0);
}

static void test_harmonic_mean(void)
{
    const double a[] = {1, 2, 4};
    CU_ASSERT_DOUBLE_EQUAL(gb_harmonic_mean(a, 3), 12.0 / 7.0, EPS);
    const double one[] = {5};
    CU_ASSERT_DOUBLE_EQUAL(gb_harmonic_mean(one, 1), 5.0, EPS);
    const double same[] = {3, 3, 3, 3};
    CU_ASSERT_DOUBLE_EQUAL(gb_harmonic_mean(same, 4), 3.0, EPS);
    /* Rates: harmonic mean of 60 and 40 is 48 (same work at each rate). */
    const double rates[] = {60, 40};
    CU_ASSERT_DOUBLE_EQUAL(gb_harmonic_mean(rates, 2), 48.0, EPS);

    const double zero[] = {1, 0, 4};
    CU_ASSERT_EQUAL(gb_harmonic_mean(zero, 3), 0.0);
    const double neg[] = {1, 2, -4};
    CU_ASSERT_EQUAL(gb_harmonic_mean(neg, 3), 0.0);
    const double negfirst[] = {-1, 2, 4};
    CU_ASSERT_EQUAL(gb_harmonic_mean(negfirst, 3), 0.0);
    const double nan_in[] = {1, NAN, 4};
    CU_ASSERT_EQUAL(gb_harmonic_mean(nan_in, 3), 0.0);
    CU_ASSERT_EQUAL(gb_harmonic_mean(a, 0), 0.0);
    CU_ASSERT_EQUAL(gb_harmonic_mean(NULL, 0), 0.0);
}

int gb_test_register_stats(void)
{
    CU_pSuite s = CU_add_suite("stats", NULL, NULL);
    if (s == NULL)
        return CU_get_error();
    if (CU_add_test(s, "summary of known data (R type 7)", test_known_data) == NULL ||
        CU_add_test(s, "unsorted input, not modified", test_unsorted_not_modified) == NULL ||
        CU_add_test(s, "single value and empty input", test_single_and_empty) == NULL ||
        CU_add_test(s, "large offsets keep sd accurate", test_large_offset) == NULL ||
        CU_add_test(s, "harmonic mean", test_harmonic_mean) == NULL)
        return CU_get_error();
    return CUE_SUCCESS;
}
