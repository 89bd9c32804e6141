/* test_topology_random.c: unit tests for the random overlay generators gnp, gnm,
 * small-world, scale-free and geometric.
 *
 * check_csr() verifies what every instance promises, from the CSR arrays and the
 * callbacks alike: node count, ids in range, rows strictly ascending (so sorted and free
 * of repeats), no self-loops, symmetry, the summary fields (min/max degree, edges,
 * connected) against the lists. Then per generator: exact edge counts where the model
 * fixes them, determinism in the seed, parameter errors, and distribution checks whose
 * bounds are derived in the comment above each one. The statistical checks are tuned to
 * fail with probability far below 1e-6 for a correct generator; the seeds are fixed, so
 * a run is reproducible anyway. Sizes stay at or below 20000 nodes so that the suite runs
 * in a fraction of a second. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <CUnit/CUnit.h>

#include "gb_params.h"
#include "gb_rng.h"
#include "gb_topology.h"
#include "tests.h"
#include "topo_check.h"

/* Whether v is in u's row (rows are sorted: binary search). */
static int has_edge(const gb_topology *t, gb_node_t u, gb_node_t v)
{
    uint64_t lo = t->off[u], hi = t->off[u + 1];
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (t->adj[mid] < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < t->off[u + 1] && t->adj[lo] == v;
}

/* Generic invariants of a CSR instance with n nodes. */
static void check_csr(const gb_topology *t, uint64_t n, const char *name)
{
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    CU_ASSERT_EQUAL_FATAL(t->n, n);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t->off);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t->adj);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t->degree);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t->neighbor);
    CU_ASSERT_PTR_NOT_NULL(t->destroy);
    CU_ASSERT_PTR_EQUAL(t->ops, gb_topology_find(name));
    CU_ASSERT_EQUAL(t->complete, 0);
    CU_ASSERT_EQUAL(t->off[0], 0);
    CU_ASSERT(t->bytes >= sizeof *t + (n + 1) * sizeof *t->off + t->off[n] * sizeof *t->adj);

    uint64_t out_of_range = 0, unsorted = 0, loops = 0, asym = 0, cb_mismatch = 0;
    uint32_t mind = UINT32_MAX, maxd = 0;
    for (uint64_t u = 0; u < n; u++) {
        uint64_t deg = t->off[u + 1] - t->off[u];
        if (deg < mind)
            mind = (uint32_t)deg;
        if (deg > maxd)
            maxd = (uint32_t)deg;
        if (gb_topology_degree(t, (gb_node_t)u) != deg)
            cb_mismatch++;
        for (uint64_t i = t->off[u]; i < t->off[u + 1]; i++) {
            gb_node_t v = t->adj[i];
            if (gb_topology_neighbor(t, (gb_node_t)u, (uint32_t)(i - t->off[u])) != v)
                cb_mismatch++;
            if (v >= n) {
                out_of_range++;
                continue;
            }
            if (i > t->off[u] && t->adj[i - 1] >= v)
                unsorted++;
            if (v == u)
                loops++;
        }
    }
    CU_ASSERT_EQUAL_FATAL(out_of_range, 0);
    CU_ASSERT_EQUAL(unsorted, 0);
    CU_ASSERT_EQUAL(loops, 0);
    CU_ASSERT_EQUAL(cb_mismatch, 0);
    if (unsorted == 0) {
        for (uint64_t u = 0; u < n; u++)
            for (uint64_t i = t->off[u]; i < t->off[u + 1]; i++)
                asym += !has_edge(t, t->adj[i], (gb_node_t)u);
    }
    CU_ASSERT_EQUAL(asym, 0);
    CU_ASSERT_EQUAL(t->min_degree, mind);
    CU_ASSERT_EQUAL(t->max_degree, maxd);
    CU_ASSERT_EQUAL(2 * t->edges, t->off[n]);
    CU_ASSERT_EQUAL(t->connected, gb_topology_reachable(t, 0) == n ? 1 : 0);
}

static gb_topology *make_checked(const char *spec, uint64_t n, uint64_t seed)
{
    gb_topology *t = gb_tc_make(spec, n, seed);
    char name[32];
    size_t len = strcspn(spec, ":");
    snprintf(name, sizeof name, "%.*s", (int)len, spec);
    check_csr(t, n, name);
    return t;
}

/* Same seed: the same graph; another seed: another graph. */
static void check_determinism(const char *spec, uint64_t n)
{
    gb_topology *a = gb_tc_make(spec, n, 42), *b = gb_tc_make(spec, n, 42), *c = gb_tc_make(spec, n, 43);
    CU_ASSERT(gb_tc_same_csr(a, b));
    CU_ASSERT(!gb_tc_same_csr(a, c));
    gb_topology_free(a);
    gb_topology_free(b);
    gb_topology_free(c);
}

/* |x - mean| <= z * sd, printing the figures when not. */
static int within(const char *what, double x, double mean, double sd, double z)
{
    if (fabs(x - mean) <= z * sd)
        return 1;
    fprintf(stderr, "\n  %s: %g is not within %g sd (sd %g) of %g\n", what, x, z, sd, mean);
    return 0;
}

/* Pairs of distinct nodes among n as an index: (v, w), w < v, has v(v-1)/2 + w. */
static unsigned pair_index(gb_node_t v, gb_node_t w)
{
    if (v < w) {
        gb_node_t x = v;
        v = w;
        w = x;
    }
    return (unsigned)((uint64_t)v * (v - 1) / 2 + w);
}

/* Over `trials` seeds, each pair's frequency against Binomial(trials, q): within 5 sd
 * (a miss has probability about 6e-7 per pair). When m >= 0 every graph must have
 * exactly m edges. */
static void check_pair_frequencies(const char *spec, uint64_t n, unsigned trials, double q,
                                   long m)
{
    unsigned npairs = (unsigned)(n * (n - 1) / 2);
    unsigned *hits = calloc(npairs, sizeof *hits);
    CU_ASSERT_PTR_NOT_NULL_FATAL(hits);
    unsigned wrong_m = 0;
    for (unsigned s = 0; s < trials; s++) {
        gb_topology *t = gb_tc_make(spec, n, 1000 + s);
        if (m >= 0 && t->edges != (uint64_t)m)
            wrong_m++;
        for (gb_node_t u = 0; u < n; u++)
            for (uint64_t i = t->off[u]; i < t->off[u + 1]; i++)
                if (t->adj[i] < u)
                    hits[pair_index(u, t->adj[i])]++;
        gb_topology_free(t);
    }
    CU_ASSERT_EQUAL(wrong_m, 0);
    double sd = sqrt(trials * q * (1 - q));
    unsigned bad = 0;
    for (unsigned i = 0; i < npairs; i++) {
        if (fabs(hits[i] - trials * q) <= 5.0 * sd)
            continue;
        if (++bad <= 3) /* a broken generator misses many pairs: show a few */
            within(spec, hits[i], trials * q, sd, 5.0);
    }
    CU_ASSERT_EQUAL(bad, 0);
    free(hits);
}

/* ------------------------------------------------------------------ registry, errors */

static void test_registry(void)
{
    const char *names[] = {"gnp", "gnm", "small-world", "scale-free", "geometric"};
    char err[GB_ERRLEN] = "";
    CU_ASSERT_EQUAL(gb_topology_registry_check(err), 0);
    for (size_t i = 0; i < GB_ARRAY_LEN(names); i++) {
        const gb_topology_ops *o = gb_topology_find(names[i]);
        CU_ASSERT_PTR_NOT_NULL_FATAL(o);
        CU_ASSERT_STRING_EQUAL(o->name, names[i]);
        CU_ASSERT_PTR_NOT_NULL(o->help);
        CU_ASSERT_PTR_NOT_NULL(o->create);
        CU_ASSERT_PTR_NOT_NULL_FATAL(o->params);
        for (const gb_param_desc *d = o->params; d->name != NULL; d++)
            CU_ASSERT(d->help != NULL && d->def != NULL);
    }
}

static void test_errors(void)
{
    const char *names[] = {"gnp", "gnm", "small-world", "scale-free", "geometric"};
    uint64_t big = (uint64_t)GB_NODE_MAX + 1;
    for (size_t i = 0; i < GB_ARRAY_LEN(names); i++) {
        char needle[64];
        snprintf(needle, sizeof needle, "topology '%s'", names[i]);
        /* Ids are 32 bits: refused before anything is allocated. */
        gb_tc_expect_error(names[i], big, GB_ERANGE, needle);
        gb_tc_expect_error(names[i], 0, GB_EINVAL, needle);
    }
    gb_tc_expect_error("gnp:p=1.5", 10, GB_ERANGE, "'p'");
    gb_tc_expect_error("gnp:p=-0.1", 10, GB_ERANGE, NULL);
    gb_tc_expect_error("gnp:p=x", 10, GB_EINVAL, NULL);
    gb_tc_expect_error("gnp:q=0.1", 10, GB_ENOENT, NULL);
    gb_tc_expect_error("gnm:m=11", 5, GB_EINVAL, "topology 'gnm': m=11 exceeds n(n-1)/2=10");
    gb_tc_expect_error("gnm:m=1", 1, GB_EINVAL, "n(n-1)/2=0");
    gb_tc_expect_error("gnm:m=-1", 5, GB_ERANGE, NULL);
    gb_tc_expect_error("small-world:k=5", 10, GB_EINVAL, "topology 'small-world'");
    gb_tc_expect_error("small-world", 4, GB_EINVAL, "2k"); /* default k = 2 */
    gb_tc_expect_error("small-world:k=0", 10, GB_ERANGE, NULL);
    gb_tc_expect_error("small-world:beta=1.5", 10, GB_ERANGE, NULL);
    gb_tc_expect_error("small-world:beta=-0.5", 10, GB_ERANGE, NULL);
    gb_tc_expect_error("scale-free:m=5", 5, GB_EINVAL, "topology 'scale-free'");
    gb_tc_expect_error("scale-free", 3, GB_EINVAL, "m=3"); /* default m = 3 */
    gb_tc_expect_error("scale-free:m=0", 10, GB_ERANGE, NULL);
    gb_tc_expect_error("geometric:r=-0.1", 10, GB_ERANGE, "'r'");
    gb_tc_expect_error("geometric:wrap=2", 10, GB_ERANGE, NULL);
    gb_tc_expect_error("geometric:wrap=-1", 10, GB_ERANGE, NULL);
}

/* ------------------------------------------------------------------ gnp */

static void test_gnp_structure(void)
{
    gb_topology *t = make_checked("gnp", 1, 1);
    CU_ASSERT_EQUAL(t->edges, 0);
    gb_topology_free(t);
    t = make_checked("gnp:p=1", 2, 1);
    CU_ASSERT_EQUAL(t->edges, 1);
    gb_topology_free(t);
    t = make_checked("gnp:p=1", 60, 1); /* every pair */
    CU_ASSERT_EQUAL(t->edges, 60 * 59 / 2);
    CU_ASSERT_EQUAL(t->min_degree, 59);
    gb_topology_free(t);
    t = make_checked("gnp:p=0", 100, 1);
    CU_ASSERT_EQUAL(t->edges, 0);
    CU_ASSERT_EQUAL(t->connected, 0);
    gb_topology_free(t);
    t = make_checked("gnp:p=0.3", 500, 7);
    gb_topology_free(t);
    t = make_checked("gnp:p=0.0001", 3000, 7); /* sparse: many isolated nodes */
    CU_ASSERT_EQUAL(t->connected, 0);
    CU_ASSERT_EQUAL(t->min_degree, 0);
    gb_topology_free(t);
    /* Default p = 2 ln n / n: connected except with probability about 1/n. */
    t = make_checked("gnp", 5000, 3);
    CU_ASSERT_EQUAL(t->connected, 1);
    gb_topology_free(t);
    check_determinism("gnp", 2000);
}

/* The edge count E of G(n, p) is Binomial(N, p), N = n(n-1)/2, so the mean degree 2E/n has
 * mean (n-1)p and standard deviation 2 sqrt(N p (1-p)) / n; 5 sd fail with probability
 * below 1e-6 (normal approximation, E has mean >= 6e4 here). Default p is 2 ln n / n. */
static void test_gnp_mean_degree(void)
{
    const uint64_t n = 20000;
    const double N = n * (n - 1) / 2.0;
    const char *specs[] = {"gnp:p=0.0003", "gnp:p=0.01", "gnp"};
    const double ps[] = {0.0003, 0.01, 2.0 * log((double)n) / n};
    for (size_t i = 0; i < GB_ARRAY_LEN(specs); i++) {
        gb_topology *t = gb_tc_make(specs[i], n, 11 + i);
        double mean = 2.0 * t->edges / n;
        CU_ASSERT(within(specs[i], mean, (n - 1) * ps[i], 2 * sqrt(N * ps[i] * (1 - ps[i])) / n,
                         5.0));
        gb_topology_free(t);
    }
    /* Each pair on its own: over 3000 seeds a pair of K5 is an edge Binomial(3000, 0.3)
     * times, independently of the walk position it sits at. */
    check_pair_frequencies("gnp:p=0.3", 5, 3000, 0.3, -1);
}

/* ------------------------------------------------------------------ gnm */

static void test_gnm_structure(void)
{
    static const struct {
        const char *spec;
        uint64_t n, m;
    } cases[] = {
        {"gnm:m=0", 50, 0},        {"gnm:m=1", 2, 1},        {"gnm:m=10", 5, 10},
        {"gnm:m=1225", 50, 1225},  {"gnm:m=1224", 50, 1224}, {"gnm:m=613", 50, 613},
        {"gnm:m=612", 50, 612},    {"gnm:m=3", 1000, 3},     {"gnm:m=40000", 10000, 40000},
        {"gnm:m=300000", 1000, 300000}, /* dense: the complement is sampled */
        {"gnm", 1, 0},
    };
    for (size_t i = 0; i < GB_ARRAY_LEN(cases); i++) {
        gb_topology *t = make_checked(cases[i].spec, cases[i].n, 5 + i);
        CU_ASSERT_EQUAL(t->edges, cases[i].m);
        gb_topology_free(t);
    }
    /* Default m = round((n-1) ln n), capped at n(n-1)/2. */
    const uint64_t sizes[] = {2, 3, 10, 5000};
    for (size_t i = 0; i < GB_ARRAY_LEN(sizes); i++) {
        uint64_t n = sizes[i];
        double m = round((n - 1) * log((double)n));
        if (m > n * (n - 1) / 2.0)
            m = n * (n - 1) / 2.0;
        gb_topology *t = make_checked("gnm", n, 9);
        CU_ASSERT_EQUAL(t->edges, (uint64_t)m);
        gb_topology_free(t);
    }
    check_determinism("gnm", 2000);
    check_determinism("gnm:m=1500000", 2000); /* complement */
}

/* Uniformity. Marginals: each pair is an edge with probability m/N; over T seeds its
 * count is Binomial(T, m/N) (check_pair_frequencies, 5 sd). The cases cover the thinning
 * that keeps a marked list (n=8, m=2), the one that drops one (n=30, m=100: about 140
 * candidates, 40 dropped), the complement (n=30, m=400, 35 non-edges sampled) and a
 * walk with every pair as a candidate (n=5, m=3).
 * Whole sets: for n=8, m=2 every one of the C(28,2) = 378 edge sets has probability
 * 1/378, so over T = 20000 seeds its count is Binomial(20000, 1/378), mean 52.9, sd 7.3;
 * 5 sd holds for all 378 except with probability about 2e-4 (union bound), and the fixed
 * seeds make the outcome reproducible. A generator that favoured sets, e.g. near pairs in
 * walk order, would miss by far more. */
static void test_gnm_uniform(void)
{
    check_pair_frequencies("gnm:m=3", 5, 2000, 0.3, 3);
    check_pair_frequencies("gnm:m=8", 5, 2000, 0.8, 8);
    check_pair_frequencies("gnm:m=2", 8, 4000, 2.0 / 28, 2);
    check_pair_frequencies("gnm:m=100", 30, 1500, 100.0 / 435, 100);
    check_pair_frequencies("gnm:m=400", 30, 1500, 400.0 / 435, 400);

    const unsigned T = 20000;
    unsigned *sets = calloc(28 * 28, sizeof *sets);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sets);
    for (unsigned s = 0; s < T; s++) {
        gb_topology *t = gb_tc_make("gnm:m=2", 8, 50000 + s);
        unsigned idx[2], k = 0;
        for (gb_node_t u = 0; u < 8; u++)
            for (uint64_t i = t->off[u]; i < t->off[u + 1]; i++)
                if (t->adj[i] < u && k < 2)
                    idx[k++] = pair_index(u, t->adj[i]);
        CU_ASSERT_EQUAL(k, 2);
        if (k == 2)
            sets[idx[0] * 28 + idx[1]]++;
        gb_topology_free(t);
    }
    unsigned bad = 0, seen = 0;
    double q = 1.0 / 378;
    for (unsigned a = 0; a < 28; a++) {
        for (unsigned b = 0; b < 28; b++) {
            unsigned c = sets[a * 28 + b] + (a != b ? sets[b * 28 + a] : 0);
            if (a >= b)
                continue; /* each unordered set once */
            seen += c > 0;
            bad += !within("gnm:m=2 set", c, T * q, sqrt(T * q * (1 - q)), 5.0);
        }
    }
    CU_ASSERT_EQUAL(seen, 378);
    CU_ASSERT_EQUAL(bad, 0);
    free(sets);
}

/* ------------------------------------------------------------------ small-world */

/* Local clustering of u: edges among its neighbours over d(d-1)/2 (0 for d < 2, as in
 * networkx); *tri gets the number of such edges. */
static double local_clustering(const gb_topology *t, gb_node_t u, uint64_t *tri)
{
    uint64_t d = t->off[u + 1] - t->off[u], links = 0;
    for (uint64_t i = t->off[u]; i < t->off[u + 1]; i++)
        for (uint64_t j = i + 1; j < t->off[u + 1]; j++)
            links += has_edge(t, t->adj[i], t->adj[j]);
    *tri = links;
    return d < 2 ? 0.0 : 2.0 * links / ((double)d * (d - 1));
}

static double avg_clustering(const gb_topology *t)
{
    double sum = 0;
    uint64_t tri;
    for (uint64_t u = 0; u < t->n; u++)
        sum += local_clustering(t, (gb_node_t)u, &tri);
    return sum / t->n;
}

static void test_small_world_structure(void)
{
    static const struct {
        const char *spec;
        uint64_t n, k;
    } cases[] = {
        {"small-world", 5, 2},          {"small-world:k=1", 3, 1},
        {"small-world:k=3,beta=1", 7, 3}, /* dense: nodes run out of non-neighbours */
        {"small-world:k=2,beta=0.5", 1000, 2}, {"small-world:k=5,beta=1", 2000, 5},
        {"small-world:k=4", 3000, 4},
    };
    for (size_t i = 0; i < GB_ARRAY_LEN(cases); i++) {
        gb_topology *t = make_checked(cases[i].spec, cases[i].n, 3 + i);
        /* Rewiring moves edges but keeps their number, and each node keeps the k edges
         * it owns. */
        CU_ASSERT_EQUAL(t->edges, cases[i].n * cases[i].k);
        CU_ASSERT(t->min_degree >= cases[i].k);
        gb_topology_free(t);
    }
    /* beta = 0 is exactly the ring lattice. */
    gb_topology *t = make_checked("small-world:k=3,beta=0", 100, 1);
    gb_topology *r = gb_tc_make("ring:k=3", 100, 1);
    uint64_t differ = 0;
    for (gb_node_t u = 0; u < 100; u++)
        for (uint32_t j = 0; j < 6; j++)
            differ += !has_edge(t, u, gb_topology_neighbor(r, u, j));
    CU_ASSERT_EQUAL(differ, 0);
    CU_ASSERT_EQUAL(t->max_degree, 6);
    gb_topology_free(r);
    gb_topology_free(t);
    check_determinism("small-world", 2000);
    check_determinism("small-world:k=3,beta=0.5", 2000);
}

/* Clustering against beta. At beta = 0 each node of the lattice has d = 2k neighbours
 * with 3k(k-1)/2 edges among them (for n > 3k), so its clustering is exactly
 * 3(k-1)/(2(2k-1)), 0.6 for k = 3. Rewiring destroys triangles: Barrat and Weigt (2000)
 * give C(beta) ~ C(0)(1-beta)^3, here 0.437, 0.075 and about 2k/n = 0.003 for beta = 0.1,
 * 0.5, 1. With n = 5000 the average of n local values in [0, 1], correlated only
 * between nodes within a few hops, has sd of order 0.01 or less, far below the gaps
 * (0.16, 0.36, 0.07), so the sequence is strictly decreasing; each value is also within
 * 0.05 of the Barrat-Weigt estimate (their mean-field formula is within about 0.02 of
 * simulations at these beta). */
static void test_small_world_clustering(void)
{
    const uint64_t n = 5000;
    const double beta[] = {0.0, 0.1, 0.5, 1.0};
    double c[4];
    for (size_t i = 0; i < 4; i++) {
        char spec[64];
        snprintf(spec, sizeof spec, "small-world:k=3,beta=%g", beta[i]);
        gb_topology *t = gb_tc_make(spec, n, 21);
        c[i] = avg_clustering(t);
        if (i == 0) {
            uint64_t wrong = 0, tri;
            for (uint64_t u = 0; u < n; u++) {
                local_clustering(t, (gb_node_t)u, &tri);
                wrong += tri != 9; /* 3k(k-1)/2 */
            }
            CU_ASSERT_EQUAL(wrong, 0);
        }
        CU_ASSERT(within(spec, c[i], 0.6 * pow(1 - beta[i], 3), 0.01, 5.0));
        gb_topology_free(t);
    }
    CU_ASSERT_DOUBLE_EQUAL(c[0], 3.0 * (3 - 1) / (2.0 * (2 * 3 - 1)), 1e-12);
    CU_ASSERT(c[0] > c[1]);
    CU_ASSERT(c[1] > c[2]);
    CU_ASSERT(c[2] > c[3]);
}

/* ------------------------------------------------------------------ scale-free */

static void test_scale_free_structure(void)
{
    static const struct {
        const char *spec;
        uint64_t n, m;
    } cases[] = {
        {"scale-free:m=1", 2, 1},  {"scale-free:m=1", 1000, 1}, /* a tree */
        {"scale-free", 4, 3},      /* the seed star alone */
        {"scale-free", 5, 3},      {"scale-free:m=9", 10, 9},
        {"scale-free", 3000, 3},   {"scale-free:m=40", 2000, 40},
    };
    for (size_t i = 0; i < GB_ARRAY_LEN(cases); i++) {
        uint64_t n = cases[i].n, m = cases[i].m;
        gb_topology *t = make_checked(cases[i].spec, n, 2 + i);
        /* The star's m edges plus m per later node; every node joins the component. */
        CU_ASSERT_EQUAL(t->edges, m + (n - m - 1) * m);
        CU_ASSERT_EQUAL(t->connected, 1);
        CU_ASSERT(t->min_degree >= 1);
        /* Node s > m has exactly m neighbours below it (its own choices). */
        uint64_t wrong = 0;
        for (uint64_t s = m + 1; s < n; s++) {
            uint64_t below = 0;
            for (uint64_t i2 = t->off[s]; i2 < t->off[s + 1]; i2++)
                below += t->adj[i2] < s;
            wrong += below != m;
        }
        CU_ASSERT_EQUAL(wrong, 0);
        gb_topology_free(t);
    }
    check_determinism("scale-free", 2000);
}

/* Heavy tail. Both graphs have n = 20000 and mean degree about 6 (BA with m = 3 has
 * 2(3 + 19996*3)/20000 = 5.999; G(n,p) gets p = 5.999/(n-1)).
 * G(n,p): a degree is Binomial(n-1, p) with mean mu = 6; the Chernoff bound
 * P(X >= 30) <= e^-mu (e mu / 30)^30 < 3e-11, so over 20000 nodes no degree reaches
 * 5 x mean = 30 except with probability < 1e-6.
 * BA: P(deg >= d) -> m(m+1) / (d(d+1)) (Bollobás et al. 2001), 12/930 = 1.3% for d = 30,
 * about 258 nodes; we ask for at least 100. Its largest degree grows like m sqrt(n)
 * (about 420); we ask for at least 100, i.e. more than 3x anything G(n,p) reaches. */
static void test_scale_free_tail(void)
{
    const uint64_t n = 20000;
    gb_topology *ba = gb_tc_make("scale-free:m=3", n, 5);
    double mean = 2.0 * ba->edges / n;
    char spec[64];
    snprintf(spec, sizeof spec, "gnp:p=%.10f", mean / (n - 1));
    gb_topology *er = gb_tc_make(spec, n, 5);
    uint64_t ba_heavy = 0, er_heavy = 0;
    for (gb_node_t u = 0; u < n; u++) {
        ba_heavy += gb_topology_degree(ba, u) >= 5 * mean;
        er_heavy += gb_topology_degree(er, u) >= 5 * mean;
    }
    if (ba_heavy < 100 || er_heavy != 0 || ba->max_degree < 100 || er->max_degree >= 30)
        fprintf(stderr, "\n  tail: BA %llu heavy, max %u; G(n,p) %llu heavy, max %u\n",
                (unsigned long long)ba_heavy, ba->max_degree, (unsigned long long)er_heavy,
                er->max_degree);
    CU_ASSERT(ba_heavy >= 100);
    CU_ASSERT_EQUAL(er_heavy, 0);
    CU_ASSERT(ba->max_degree >= 100);
    CU_ASSERT(er->max_degree < 30);
    gb_topology_free(ba);
    gb_topology_free(er);
}

/* ------------------------------------------------------------------ geometric */

/* The documented positions: node u at the first two uniforms of its own stream. */
static void point_of(uint64_t seed, gb_node_t u, double *x, double *y)
{
    gb_rng rng;
    gb_rng_init(&rng, seed, 0, 0, u, GB_RNG_TOPOLOGY);
    *x = gb_rng_uniform01(&rng);
    *y = gb_rng_uniform01(&rng);
}

/* Brute force over all pairs with the same distance formula: the cell grid must find
 * exactly these edges. */
static void check_geometric_brute(uint64_t n, double r, int wrap, uint64_t seed)
{
    char spec[64];
    snprintf(spec, sizeof spec, "geometric:r=%.17g,wrap=%d", r, wrap);
    gb_topology *t = make_checked(spec, n, seed);
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    if (x == NULL || y == NULL) {
        CU_FAIL("out of memory");
        free(x);
        free(y);
        gb_topology_free(t);
        return;
    }
    for (uint64_t u = 0; u < n; u++)
        point_of(seed, (gb_node_t)u, &x[u], &y[u]);
    uint64_t edges = 0, missing = 0;
    for (uint64_t u = 0; u < n; u++) {
        for (uint64_t v = 0; v < u; v++) {
            double dx = fabs(x[u] - x[v]), dy = fabs(y[u] - y[v]);
            if (wrap) {
                if (dx > 0.5)
                    dx = 1.0 - dx;
                if (dy > 0.5)
                    dy = 1.0 - dy;
            }
            if (dx * dx + dy * dy <= r * r) {
                edges++;
                missing += !has_edge(t, (gb_node_t)u, (gb_node_t)v);
            }
        }
    }
    if (missing != 0 || edges != t->edges)
        fprintf(stderr, "\n  %s: %llu edges by brute force, %llu built, %llu missing\n", spec,
                (unsigned long long)edges, (unsigned long long)t->edges,
                (unsigned long long)missing);
    CU_ASSERT_EQUAL(missing, 0);
    CU_ASSERT_EQUAL(edges, t->edges); /* and so no extra edge either */
    free(x);
    free(y);
    gb_topology_free(t);
}

static void test_geometric_structure(void)
{
    check_geometric_brute(2000, 0.03, 0, 1);
    check_geometric_brute(2000, 0.03, 1, 2);
    check_geometric_brute(1000, 0.11, 1, 3);  /* 9 cells per side */
    check_geometric_brute(500, 0.3, 1, 4);    /* 3 per side: the block is the whole torus */
    check_geometric_brute(500, 0.4, 1, 5);    /* 2 per side: wrapped cells repeat */
    check_geometric_brute(300, 0.7, 0, 6);    /* one cell */
    check_geometric_brute(300, 0.7, 1, 7);
    check_geometric_brute(2000, 0.001, 0, 8); /* cells capped at sqrt(n) per side */
    check_geometric_brute(50, 0.0, 0, 9);     /* no edges */

    gb_topology *t = make_checked("geometric:r=1.5", 200, 1); /* diagonal < 1.5 */
    CU_ASSERT_EQUAL(t->edges, 200 * 199 / 2);
    gb_topology_free(t);
    t = make_checked("geometric:r=0.75,wrap=1", 200, 1); /* torus diameter sqrt(2)/2 */
    CU_ASSERT_EQUAL(t->edges, 200 * 199 / 2);
    gb_topology_free(t);
    t = make_checked("geometric", 1, 1);
    CU_ASSERT_EQUAL(t->edges, 0);
    gb_topology_free(t);
    /* Default r: n pi r^2 = 2 ln n. On the torus a node is isolated with probability
     * (1 - pi r^2)^(n-1) ~ n^-2, so about 1/n nodes are, and isolated nodes are the
     * likely way to be disconnected (Penrose 1997): connected but for ~2e-4. In the square
     * the border halves the disks near it and about 1% of default graphs at n = 5000 are
     * disconnected, so connectivity is not asserted there. */
    t = make_checked("geometric:wrap=1", 5000, 1);
    CU_ASSERT_EQUAL(t->connected, 1);
    gb_topology_free(t);
    t = make_checked("geometric", 5000, 1);
    gb_topology_free(t);
    check_determinism("geometric", 2000);
    check_determinism("geometric:wrap=1", 2000);
}

/* Mean degree. On the torus (wrap=1, r <= 1/2) a pair is an edge with probability exactly
 * q = pi r^2 wherever the first point lies, and the indicators of two different pairs are
 * independent even when they share a node (given the shared point, the other two points
 * are independent and each falls in its disk with probability q). So the edge count E
 * has mean N q and variance N q (1-q), N = n(n-1)/2, as for a binomial, and the mean
 * degree 2E/n has mean (n-1) q and sd 2 sqrt(N q (1-q)) / n: 5 sd as for gnp.
 * In the square (wrap=0) the pair probability is q' = pi r^2 - 8 r^3/3 + r^4/2 (the
 * distance distribution of two uniform points, r <= 1), and pairs sharing a node near the
 * border are positively correlated: the extra variance n^3 Var(area of the disk inside the
 * square) ~ n^3 pi^2 r^5 is about 2 pi n r^3 = 0.7 times the binomial one here, so the sd
 * grows by about 1.3 and 8 binomial sd are as safe as 5 of them on the torus. */
static void test_geometric_mean_degree(void)
{
    const uint64_t n = 20000;
    const double N = n * (n - 1) / 2.0;
    const double r = sqrt(2.0 * log((double)n) / (M_PI * n)); /* the default, 0.0177 */
    gb_topology *t = gb_tc_make("geometric:wrap=1", n, 31);
    double q = M_PI * r * r;
    double sd = 2 * sqrt(N * q * (1 - q)) / n;
    CU_ASSERT(within("geometric:wrap=1", 2.0 * t->edges / n, (n - 1) * q, sd, 5.0));
    gb_topology_free(t);

    t = gb_tc_make("geometric:r=0.05,wrap=1", n, 32);
    q = M_PI * 0.05 * 0.05;
    sd = 2 * sqrt(N * q * (1 - q)) / n;
    CU_ASSERT(within("geometric:r=0.05,wrap=1", 2.0 * t->edges / n, (n - 1) * q, sd, 5.0));
    gb_topology_free(t);

    t = gb_tc_make("geometric", n, 33);
    q = M_PI * r * r - 8 * r * r * r / 3 + r * r * r * r / 2;
    sd = 2 * sqrt(N * q * (1 - q)) / n;
    CU_ASSERT(within("geometric (square)", 2.0 * t->edges / n, (n - 1) * q, sd, 8.0));
    gb_topology_free(t);
}

int gb_test_register_topology_random(void)
{
    static const gb_tc_test tests[] = {
        {"registry", test_registry},
        {"parameter errors", test_errors},
        {"gnp structure", test_gnp_structure},
        {"gnp mean degree", test_gnp_mean_degree},
        {"gnm structure", test_gnm_structure},
        {"gnm uniformity", test_gnm_uniform},
        {"small-world structure", test_small_world_structure},
        {"small-world clustering", test_small_world_clustering},
        {"scale-free structure", test_scale_free_structure},
        {"scale-free tail", test_scale_free_tail},
        {"geometric structure", test_geometric_structure},
        {"geometric mean degree", test_geometric_mean_degree},
        {NULL, NULL},
    };
    return gb_tc_add_suite("topology_random", NULL, NULL, tests);
}
