/* stats.c: descriptive statistics across trials. Quartiles use linear interpolation between
 * order statistics (R's type 7, numpy's default), so reports agree with common tools. */
#include "stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gb_common.h"

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double quantile(const double *sorted, size_t n, double q)
{
    double h = (double)(n - 1) * q;
    size_t lo = (size_t)floor(h);
    size_t hi = lo + 1 < n ? lo + 1 : lo;
    return sorted[lo] + (h - (double)lo) * (sorted[hi] - sorted[lo]);
}

int gb_summarize(const double *x, size_t n, gb_summary *out)
{
    memset(out, 0, sizeof *out);
    if (n == 0)
        return 0;
    double *s = malloc(n * sizeof *s);
    if (s == NULL)
        return GB_ENOMEM;
    memcpy(s, x, n * sizeof *s);
    qsort(s, n, sizeof *s, cmp_double);
    /* Welford's update: stable for large counts with a large mean. */
    double mean = 0.0, m2 = 0.0;
    for (size_t i = 0; i < n; i++) {
        double d = x[i] - mean;
        mean += d / (double)(i + 1);
        m2 += d * (x[i] - mean);
    }
    out->count = n;
    out->mean = mean;
    out->sd = n > 1 ? sqrt(m2 / (double)(n - 1)) : 0.0;
    out->min = s[0];
    out->q1 = quantile(s, n, 0.25);
    out->median = quantile(s, n, 0.5);
    out->q3 = quantile(s, n, 0.75);
    out->max = s[n - 1];
    free(s);
    return 0;
}

double gb_harmonic_mean(const double *x, size_t n)
{
    if (n == 0)
        return 0.0;
    double inv = 0.0;
    for (size_t i = 0; i < n; i++) {
        if (!(x[i] > 0.0))
            return 0.0;
        inv += 1.0 / x[i];
    }
    return (double)n / inv;
}
