/* stats.h: descriptive statistics across trials (MPI-free). */
#ifndef GB_STATS_H
#define GB_STATS_H

#include <stddef.h>

typedef struct gb_summary {
    size_t count;
    double mean, sd; /* sd: sample standard deviation (n-1); 0 when count < 2 */
    double min, q1, median, q3, max; /* quartiles by linear interpolation (R type 7) */
} gb_summary;

/* Summarise x[0..n). x is not modified. n == 0 gives an all-zero summary.
 * Returns 0 or GB_ENOMEM. */
int gb_summarize(const double *x, size_t n, gb_summary *out);

/* Harmonic mean of positive values (rates); 0 when n == 0 or any value <= 0. */
double gb_harmonic_mean(const double *x, size_t n);

#endif
