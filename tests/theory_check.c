/* theory_check.c: an exact reference for push, pull and push-pull rumor spreading on the
 * complete graph, and a checker that compares gossip-bench results with it.
 *
 * Model (DESIGN.md, "Rounds"). n nodes, fanout 1, synchronous rounds 1, 2, ...; the source is
 * informed at round 0, and every decision in round t uses the state at the start of round t.
 *   push:      every informed node picks one peer uniformly among the n-1 other nodes; the
 *              peer is informed at the end of the round.
 *   pull:      every uninformed node picks one peer uniformly among the n-1 other nodes; it is
 *              informed at the end of the round if that peer was informed at the start.
 *   push-pull: both in the same round (informed nodes push, uninformed nodes pull).
 * The number of rounds of a trial is the first round at the end of which all n nodes know.
 *
 * By symmetry the number i of informed nodes is a Markov chain on 1..n, and each protocol's
 * round is a transition distribution for the number d of newly informed nodes (m = n - i
 * uninformed nodes at the start of the round):
 *   pull:      each uninformed node succeeds independently with probability i/(n-1), so
 *              d ~ Binomial(m, i/(n-1)).  With fanout F distinct peers the probability is
 *              1 - C(n-1-i, F) / C(n-1, F), still independent across nodes.
 *   push:      an informed node picks among the n-1 others, which include the other i-1
 *              informed nodes, so a push lands on an uninformed node with probability
 *              m/(n-1), uniformly among the m.  The number K of pushes that reach uninformed
 *              nodes is Binomial(i, m/(n-1)), and d is the number of occupied bins when K
 *              balls fall uniformly into m bins (classical occupancy), mixed over K.
 *   push-pull: which uninformed nodes pull successfully (each independently with
 *              probability i/(n-1)) does not depend on where the pushes land, so d is the
 *              occupancy of the same K pushes in m bins of which Binomial(m, i/(n-1)) are
 *              occupied already.  (Equivalently d = j + Binomial(m - j, i/(n-1)) with j the
 *              push part; both forms were checked to agree.)
 * The occupancy is built one ball at a time, so all terms are positive and nothing cancels;
 * binomials are walked outwards from the mode by ratios, so nothing underflows.
 * Propagating the distribution of i round by round gives the exact distribution of the
 * number of rounds (up to float rounding and probabilities below 1e-30 that are dropped at
 * the edges of supports), hence its mean, variance and fourth moment.  The run stops once
 * P(not finished) < 1e-14.  n = 1024 takes about 0.1 s, n = 4096 about 2.5 s.
 * Validated against brute-force enumeration of every peer choice (n <= 7, also pull with
 * fanout 2 and 3) and against a per-node Monte Carlo simulation (n = 64, 256, 1024).
 *
 * Checks on a results file, per protocol and n: at least 200 trials; all converged; the
 * sample mean within 4 exact standard errors (+0.05) of E[rounds]; the sample sd likewise
 * (standard error from the exact fourth moment); for push, mean - (log2 n + ln n) in
 * [0.5, 1.5] widened by 4 standard errors; and for every pair of protocols at the same n
 * whose exact means differ by more than 4 combined standard errors, the observed
 * difference has the same sign.
 *
 * Published results this is checked against:
 *   push:      log2 n + ln n + O(1) rounds (A. M. Frieze and G. R. Grimmett, "The
 *              shortest-path problem for graphs with random arc-lengths", Discrete Appl. Math.
 *              10 (1985); B. Pittel, "On spreading a rumor", SIAM J. Appl. Math. 47 (1987)).
 *   push-pull: log3 n + O(log log n) rounds (R. Karp, C. Schindelhauer, S. Shenker and
 *              B. Vöcking, "Randomized rumor spreading", FOCS 2000).
 *   pull:      once most nodes know, the fraction p_i still ignorant follows
 *              p_{i+1} = p_i^2 (A. Demers et al., "Epidemic algorithms for replicated database
 *              maintenance", PODC 1987).
 *
 * Usage:
 *   theory_check --expect N [--fanout F] [--pmf]
 *       exact E[rounds] and sd at n = N (fanout F: pull only; --pmf also prints P(rounds=t))
 *   theory_check RESULTS.jsonl
 *       check a gossip-bench JSON Lines results file
 * Exit status: 0 all checks pass, 1 a check failed or no usable trials, 2 usage or parse
 * error.  Self-contained on purpose: it shares no code with the engine it checks. */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TAIL_STOP 1e-14  /* stop propagating once P(rounds > t) is below this */
#define DROP_EPS 1e-30   /* probabilities below this at the edge of a support are dropped */
#define STATE_EPS 1e-30  /* states holding less probability than this are dropped */
#define MAX_ROUNDS 100000
#define MIN_TRIALS 200
#define MAX_NODES 1000000

enum proto { P_PUSH, P_PULL, P_PUSHPULL, P_COUNT };
static const char *const proto_names[P_COUNT] = {"push", "pull", "push-pull"};

/* ------------------------------------------------------------------ utilities */

static void die(int code, const char *fmt, ...) __attribute__((noreturn, format(printf, 2, 3)));

static void die(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("theory_check: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(code);
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (p == NULL)
        die(2, "out of memory");
    return p;
}

static void *xcalloc(size_t n, size_t sz)
{
    void *p = calloc(n ? n : 1, sz ? sz : 1);
    if (p == NULL)
        die(2, "out of memory");
    return p;
}

/* ------------------------------------------------------------------ exact model */

/* The distribution of the number of newly informed nodes in one round from state i:
 * P(d = lo + k) = p[k] for 0 <= k < len. */
typedef struct {
    int lo, len;
    double *p;
} row_t;

typedef struct {
    int n, fanout;
    enum proto proto;
    double *lfact;   /* lfact[k] = ln k!, 0 <= k <= n */
    double *inv;     /* inv[k] = 1/k, 1 <= k <= n + 1 */
    double *scratch; /* n + 1 doubles */
    double *occ, *occ2, *mix; /* n + 2 doubles each, occupancy work space */
    row_t *rows;     /* rows[i], 1 <= i < n, computed on first use */
} model_t;

typedef struct {
    double mean, var, mu4; /* mean, variance and fourth central moment of the rounds */
    double tail;           /* P(rounds > last round computed) */
    int rounds;            /* last round computed */
    double *pmf;           /* pmf[t] = P(rounds = t), 0 <= t <= rounds */
} result_t;

/* Binomial(N, p) restricted to the values whose probability is at least DROP_EPS (a
 * contiguous range around the mode, since the pmf is unimodal).  Writes P(k) to out[k] for
 * *lo <= k <= *hi; out must hold N + 1 doubles. */
static void binom_pmf(const model_t *M, int N, double p, double *out, int *lo, int *hi)
{
    if (N <= 0 || p <= 0.0) {
        out[0] = 1.0;
        *lo = *hi = 0;
        return;
    }
    if (p >= 1.0) {
        out[N] = 1.0;
        *lo = *hi = N;
        return;
    }
    int mode = (int)floor((N + 1) * p);
    if (mode > N)
        mode = N;
    double r = p / (1.0 - p);
    double lp = M->lfact[N] - M->lfact[mode] - M->lfact[N - mode] + mode * log(p) +
                (N - mode) * log1p(-p);
    double v = exp(lp);
    out[mode] = v;
    int k = mode;
    /* Walk outwards from the mode with the ratio P(k+1)/P(k) = (N-k)/(k+1) * p/(1-p): it
     * never underflows before the walk stops, unlike exp(lgamma(...)) far in the tails.
     * The reciprocals come from a table: this loop is the inner loop of push-pull. */
    const double *inv = M->inv;
    double rinv = (1.0 - p) / p;
    while (k < N) {
        double w = out[k] * ((double)(N - k) * inv[k + 1]) * r;
        if (w < DROP_EPS)
            break;
        out[++k] = w;
    }
    *hi = k;
    k = mode;
    while (k > 0) {
        double w = out[k] * ((double)k * inv[N - k + 1]) * rinv;
        if (w < DROP_EPS)
            break;
        out[--k] = w;
    }
    *lo = k;
}

/* Success probability of one uninformed node pulling F distinct peers when i of the n-1
 * others are informed: 1 - C(n-1-i, F) / C(n-1, F). */
static double pull_prob(int n, int i, int F)
{
    if (F == 1)
        return (double)i / (double)(n - 1);
    if (n - 1 - i < F)
        return 1.0;
    double q = 1.0;
    for (int f = 0; f < F; f++)
        q *= (double)(n - 1 - i - f) / (double)(n - 1 - f);
    return 1.0 - q;
}

/* Push part of a round from state i, on top of `pre` uninformed nodes already informed in
 * the same round by other means: mix[j] = P(j of the m uninformed nodes know at the end of
 * the round), for *jlo <= j <= *jhi.  On entry occ[] holds the distribution of pre (on
 * [*jlo, *jhi]).  K ~ Binomial(i, m/(n-1)) pushes reach the m uninformed nodes, uniformly
 * and independently of which ones are already informed, so adding one ball at a time is the
 * classical occupancy chain: occ_{K+1}(j) = occ_K(j) j/m + occ_K(j-1) (m-j+1)/m. */
static void push_part(model_t *M, int i, int *jlo, int *jhi)
{
    int n = M->n, m = n - i;
    int klo, khi;
    double *bk = M->scratch;
    binom_pmf(M, i, (double)m / (double)(n - 1), bk, &klo, &khi);
    double *occ = M->occ, *nx = M->occ2, *mix = M->mix;
    int lo = *jlo, hi = *jhi; /* support of occ for the current K */
    int mlo = m, mhi = 0;
    double inv_m = 1.0 / m;
    for (int j = 0; j <= m; j++)
        mix[j] = 0.0;
    for (int K = 0;; K++) {
        if (K >= klo) {
            double w = bk[K];
            for (int j = lo; j <= hi; j++)
                mix[j] += w * occ[j];
            if (lo < mlo)
                mlo = lo;
            if (hi > mhi)
                mhi = hi;
        }
        if (K == khi)
            break;
        /* occ has a zero on each side of [lo, hi] (the arrays start one slot early), so
         * the loop has no branches. */
        int nhi = hi < m ? hi + 1 : m;
        occ[lo - 1] = 0.0;
        occ[hi + 1] = 0.0;
        for (int j = lo; j <= nhi; j++)
            nx[j] = occ[j] * ((double)j * inv_m) + occ[j - 1] * ((double)(m - j + 1) * inv_m);
        hi = nhi;
        /* Drop negligible probability at the two ends: the occupancy pmf is unimodal. */
        while (lo < hi && nx[lo] < DROP_EPS)
            lo++;
        while (hi > lo && nx[hi] < DROP_EPS)
            hi--;
        double *t = occ;
        occ = nx;
        nx = t;
    }
    *jlo = mlo;
    *jhi = mhi;
}

static const row_t *get_row(model_t *M, int i)
{
    row_t *R = &M->rows[i];
    if (R->p != NULL)
        return R;
    int n = M->n, m = n - i;
    int lo, hi;
    if (M->proto == P_PULL) {
        binom_pmf(M, m, pull_prob(n, i, M->fanout), M->scratch, &lo, &hi);
        R->lo = lo;
        R->len = hi - lo + 1;
        R->p = xmalloc((size_t)R->len * sizeof *R->p);
        memcpy(R->p, M->scratch + lo, (size_t)R->len * sizeof *R->p);
        return R;
    }
    int jlo, jhi;
    if (M->proto == P_PUSH) {
        M->occ[0] = 1.0;
        jlo = jhi = 0;
    } else {
        /* push-pull: which uninformed nodes pull successfully is independent of where the
         * pushes land, so the pull successes, Binomial(m, i/(n-1)), are the occupied bins
         * the pushes start from. */
        binom_pmf(M, m, pull_prob(n, i, 1), M->occ, &jlo, &jhi);
    }
    push_part(M, i, &jlo, &jhi);
    R->lo = jlo;
    R->len = jhi - jlo + 1;
    R->p = xmalloc((size_t)R->len * sizeof *R->p);
    memcpy(R->p, M->mix + jlo, (size_t)R->len * sizeof *R->p);
    return R;
}

/* Exact distribution of the number of rounds for proto on the complete graph with n nodes. */
static result_t exact_rounds(enum proto proto, int n, int fanout)
{
    result_t res = {0};
    if (n <= 1) {
        res.pmf = xcalloc(1, sizeof *res.pmf);
        res.pmf[0] = 1.0;
        return res;
    }
    model_t M = {.n = n, .fanout = fanout, .proto = proto};
    M.lfact = xmalloc(((size_t)n + 1) * sizeof *M.lfact);
    M.lfact[0] = 0.0;
    for (int k = 1; k <= n; k++)
        M.lfact[k] = lgamma((double)k + 1.0);
    M.inv = xmalloc(((size_t)n + 2) * sizeof *M.inv);
    M.inv[0] = 0.0;
    for (int k = 1; k <= n + 1; k++)
        M.inv[k] = 1.0 / k;
    M.scratch = xmalloc(((size_t)n + 2) * sizeof(double));
    /* One spare slot before index 0 and after index n for push_part's sentinels. */
    M.occ = (double *)xmalloc(((size_t)n + 3) * sizeof(double)) + 1;
    M.occ2 = (double *)xmalloc(((size_t)n + 3) * sizeof(double)) + 1;
    M.mix = xmalloc(((size_t)n + 2) * sizeof(double));
    M.rows = xcalloc((size_t)n + 1, sizeof *M.rows);

    double *cur = xcalloc((size_t)n + 1, sizeof *cur);
    double *nxt = xcalloc((size_t)n + 1, sizeof *nxt);
    size_t cap = 64;
    double *pmf = xcalloc(cap, sizeof *pmf);
    cur[1] = 1.0;
    double tail = 1.0, dropped = 0.0;
    int t = 0;
    while (tail >= TAIL_STOP && t < MAX_ROUNDS) {
        for (int i = 0; i <= n; i++)
            nxt[i] = 0.0;
        for (int i = 1; i < n; i++) {
            double w = cur[i];
            if (w < STATE_EPS) {
                /* Dropping it changes E[rounds] by less than w times the rounds left;
                 * it is counted in the reported tail. */
                dropped += w;
                continue;
            }
            const row_t *R = get_row(&M, i);
            double *dst = nxt + i + R->lo;
            for (int k = 0; k < R->len; k++)
                dst[k] += w * R->p[k];
        }
        t++;
        if ((size_t)t >= cap) {
            cap *= 2;
            pmf = realloc(pmf, cap * sizeof *pmf);
            if (pmf == NULL)
                die(2, "out of memory");
            for (size_t k = (size_t)t; k < cap; k++)
                pmf[k] = 0.0;
        }
        pmf[t] = nxt[n];
        /* The tail is summed from the unfinished states, not taken as 1 - P(done), so it
         * keeps its relative precision down to TAIL_STOP. */
        tail = 0.0;
        for (int i = 1; i < n; i++)
            tail += nxt[i];
        nxt[n] = 0.0;
        double *sw = cur;
        cur = nxt;
        nxt = sw;
    }
    double mean = 0.0, var = 0.0, mu4 = 0.0;
    for (int k = 0; k <= t; k++)
        mean += k * pmf[k];
    for (int k = 0; k <= t; k++) {
        double d = k - mean;
        var += d * d * pmf[k];
        mu4 += d * d * d * d * pmf[k];
    }
    res.mean = mean;
    res.var = var;
    res.mu4 = mu4;
    res.tail = tail + dropped;
    res.rounds = t;
    res.pmf = pmf;

    for (int i = 0; i <= n; i++)
        free(M.rows[i].p);
    free(M.rows);
    free(M.lfact);
    free(M.inv);
    free(M.scratch);
    free(M.occ - 1);
    free(M.occ2 - 1);
    free(M.mix);
    free(cur);
    free(nxt);
    return res;
}

/* ------------------------------------------------------------------ --expect */

static int parse_int(const char *s, const char *what, long lo, long hi)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
        die(2, "%s must be an integer in [%ld, %ld], got '%s'", what, lo, hi, s);
    return (int)v;
}

static int do_expect(int n, int fanout, int show_pmf)
{
    double l2 = log2((double)n), ln = log((double)n), l3 = log((double)n) / log(3.0);
    printf("# exact distribution of rounds on the complete graph, n=%d, fanout %d\n", n, fanout);
    printf("# log2 n + ln n = %.4f   log3 n = %.4f   log2 n = %.4f\n", l2 + ln, l3, l2);
    printf("%-10s %12s %10s %8s %12s\n", "protocol", "E[rounds]", "sd", "t_max", "P(R>t_max)");
    for (int p = 0; p < P_COUNT; p++) {
        if (fanout != 1 && p != P_PULL)
            continue;
        result_t r = exact_rounds((enum proto)p, n, fanout);
        printf("%-10s %12.6f %10.6f %8d %12.3g", proto_names[p], r.mean, sqrt(r.var), r.rounds,
               r.tail);
        if (p == P_PUSH)
            printf("   E - (log2 n + ln n) = %.6f", r.mean - (l2 + ln));
        if (p == P_PUSHPULL)
            printf("   E - log3 n = %.6f", r.mean - l3);
        printf("\n");
        if (show_pmf) {
            for (int t = 0; t <= r.rounds; t++)
                if (r.pmf[t] > 0.0)
                    printf("  %-8s t=%-4d P=%.15e\n", proto_names[p], t, r.pmf[t]);
        }
        free(r.pmf);
    }
    return 0;
}

/* ------------------------------------------------------------------ results file */

typedef struct {
    enum proto proto;
    int nodes, fanout;
    long count, converged;
    double sum, sumsq; /* of rounds over converged trials (integers: exact in doubles) */
    result_t exact;
    int have_exact;
} group_t;

typedef struct {
    group_t *g;
    size_t len, cap;
} groups_t;

static group_t *find_group(groups_t *G, enum proto p, int nodes, int fanout)
{
    for (size_t k = 0; k < G->len; k++)
        if (G->g[k].proto == p && G->g[k].nodes == nodes && G->g[k].fanout == fanout)
            return &G->g[k];
    if (G->len == G->cap) {
        G->cap = G->cap ? 2 * G->cap : 8;
        G->g = realloc(G->g, G->cap * sizeof *G->g);
        if (G->g == NULL)
            die(2, "out of memory");
    }
    group_t *g = &G->g[G->len++];
    memset(g, 0, sizeof *g);
    g->proto = p;
    g->nodes = nodes;
    g->fanout = fanout;
    return g;
}

static json_t *need(json_t *o, const char *key, const char *path, long line)
{
    json_t *v = json_object_get(o, key);
    if (v == NULL)
        die(2, "%s:%ld: trial record has no \"%s\"", path, line, key);
    return v;
}

static long need_int(json_t *o, const char *key, const char *path, long line)
{
    json_t *v = need(o, key, path, line);
    if (!json_is_integer(v))
        die(2, "%s:%ld: \"%s\" is not an integer", path, line, key);
    return (long)json_integer_value(v);
}

static const char *need_str(json_t *o, const char *key, const char *path, long line)
{
    json_t *v = need(o, key, path, line);
    if (!json_is_string(v))
        die(2, "%s:%ld: \"%s\" is not a string", path, line, key);
    return json_string_value(v);
}

static void read_results(const char *path, groups_t *G)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        die(2, "cannot open %s: %s", path, strerror(errno));
    char *buf = NULL;
    size_t bcap = 0;
    ssize_t got;
    long line = 0;
    while ((got = getline(&buf, &bcap, f)) != -1) {
        line++;
        const char *s = buf;
        while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
            s++;
        if (*s == '\0')
            continue;
        json_error_t jerr;
        json_t *o = json_loads(buf, 0, &jerr);
        if (o == NULL)
            die(2, "%s:%ld: not JSON: %s", path, line, jerr.text);
        if (!json_is_object(o))
            die(2, "%s:%ld: record is not a JSON object", path, line);
        json_t *type = json_object_get(o, "type");
        if (!json_is_string(type) || strcmp(json_string_value(type), "trial") != 0) {
            json_decref(o);
            continue;
        }
        const char *pname = need_str(o, "protocol", path, line);
        const char *topo = need_str(o, "topology", path, line);
        long nodes = need_int(o, "nodes", path, line);
        long fanout = need_int(o, "fanout", path, line);
        long rounds = need_int(o, "rounds", path, line);
        json_t *conv = need(o, "converged", path, line);
        if (!json_is_boolean(conv))
            die(2, "%s:%ld: \"converged\" is not a boolean", path, line);
        int p;
        for (p = 0; p < P_COUNT; p++)
            if (strcmp(pname, proto_names[p]) == 0)
                break;
        if (p == P_COUNT)
            die(2, "%s:%ld: protocol \"%s\" has no exact model here (push, pull, push-pull)",
                path, line, pname);
        if (strncmp(topo, "complete", 8) != 0)
            die(2, "%s:%ld: topology \"%s\" is not the complete graph", path, line, topo);
        if (nodes < 2 || nodes > MAX_NODES)
            die(2, "%s:%ld: nodes = %ld outside [2, %d]", path, line, nodes, MAX_NODES);
        if (fanout < 1 || fanout > nodes - 1 || (fanout != 1 && p != P_PULL))
            die(2, "%s:%ld: fanout %ld is not supported for %s (fanout 1; pull: 1..n-1)", path,
                line, fanout, pname);
        if (rounds < 0)
            die(2, "%s:%ld: rounds = %ld is negative", path, line, rounds);
        group_t *g = find_group(G, (enum proto)p, (int)nodes, (int)fanout);
        g->count++;
        if (json_is_true(conv)) {
            g->converged++;
            g->sum += (double)rounds;
            g->sumsq += (double)rounds * (double)rounds;
        }
        json_decref(o);
    }
    if (ferror(f))
        die(2, "error reading %s: %s", path, strerror(errno));
    free(buf);
    fclose(f);
}

static int n_fail;

static void row_out(const char *check, const char *expect, const char *meas, const char *tol,
                    const char *status)
{
    printf("%-34s %-26s %-22s %-15s %s\n", check, expect, meas, tol, status);
    if (strcmp(status, "FAIL") == 0)
        n_fail++;
}

static int cmp_group(const void *a, const void *b)
{
    const group_t *x = a, *y = b;
    if (x->nodes != y->nodes)
        return x->nodes < y->nodes ? -1 : 1;
    if (x->fanout != y->fanout)
        return x->fanout < y->fanout ? -1 : 1;
    return (int)x->proto - (int)y->proto;
}

/* Sample mean and sd of the converged trials of g. */
static void sample_stats(const group_t *g, double *mean, double *sd)
{
    long c = g->converged;
    *mean = c ? g->sum / (double)c : 0.0;
    double v = c > 1 ? (g->sumsq - (double)c * *mean * *mean) / (double)(c - 1) : 0.0;
    *sd = v > 0.0 ? sqrt(v) : 0.0;
}

static void check_group(group_t *g)
{
    char name[96], e[64], m[64], t[64];
    const char *pn = proto_names[g->proto];
    char tag[48];
    if (g->fanout == 1)
        snprintf(tag, sizeof tag, "%s n=%d", pn, g->nodes);
    else
        snprintf(tag, sizeof tag, "%s n=%d F=%d", pn, g->nodes, g->fanout);

    snprintf(name, sizeof name, "%s trials", tag);
    snprintf(e, sizeof e, ">= %d", MIN_TRIALS);
    snprintf(m, sizeof m, "%ld", g->count);
    row_out(name, e, m, "-", g->count >= MIN_TRIALS ? "PASS" : "FAIL");
    if (g->count < MIN_TRIALS)
        printf("# %s: only %ld trials, at least %d are needed for a meaningful check\n", tag,
               g->count, MIN_TRIALS);

    snprintf(name, sizeof name, "%s converged", tag);
    snprintf(m, sizeof m, "%ld/%ld", g->converged, g->count);
    row_out(name, "all", m, "-", g->converged == g->count ? "PASS" : "FAIL");
    if (g->converged < 2)
        return;

    g->exact = exact_rounds(g->proto, g->nodes, g->fanout);
    g->have_exact = 1;
    double c = (double)g->converged;
    double mean, sd;
    sample_stats(g, &mean, &sd);
    double E = g->exact.mean, V = g->exact.var;

    /* Mean: the exact standard error of the sample mean sets the tolerance; 0.05 absorbs
     * float error and keeps a near-deterministic distribution from failing on nothing. */
    double se_th = sqrt(V / c), tol = 4.0 * se_th + 0.05;
    snprintf(name, sizeof name, "%s mean rounds", tag);
    snprintf(e, sizeof e, "%.4f (exact)", E);
    snprintf(m, sizeof m, "%.4f +- %.4f", mean, sd / sqrt(c));
    snprintf(t, sizeof t, "%.4f", tol);
    row_out(name, e, m, t, fabs(mean - E) <= tol ? "PASS" : "FAIL");

    /* Spread: Var(s^2) ~ (mu4 - (c-3)/(c-1) sigma^4) / c, and s ~ sqrt(s^2) by the delta
     * method, so SE(s) ~ SE(s^2) / (2 sigma). */
    double sig = sqrt(V);
    double vs2 = (g->exact.mu4 - (c - 3.0) / (c - 1.0) * V * V) / c;
    double se_sd = sig > 0.0 && vs2 > 0.0 ? sqrt(vs2) / (2.0 * sig) : 0.0;
    tol = 4.0 * se_sd + 0.05;
    snprintf(name, sizeof name, "%s sd rounds", tag);
    snprintf(e, sizeof e, "%.4f (exact)", sig);
    snprintf(m, sizeof m, "%.4f +- %.4f", sd, se_sd);
    snprintf(t, sizeof t, "%.4f", tol);
    row_out(name, e, m, t, fabs(sd - sig) <= tol ? "PASS" : "FAIL");

    if (g->proto == P_PUSH) {
        /* Frieze-Grimmett / Pittel: rounds = log2 n + ln n + O(1); the exact constant for
         * moderate n is near 1, and [0.5, 1.5] is the band this suite asserts. */
        double n = (double)g->nodes, base = log2(n) + log(n);
        double cm = mean - base, se = sd / sqrt(c);
        snprintf(name, sizeof name, "%s mean-(log2 n+ln n)", tag);
        snprintf(e, sizeof e, "[0.5,1.5] (exact %.3f)", E - base);
        snprintf(m, sizeof m, "%.4f +- %.4f", cm, se);
        snprintf(t, sizeof t, "%.4f", 4.0 * se);
        row_out(name, e, m, t, cm >= 0.5 - 4.0 * se && cm <= 1.5 + 4.0 * se ? "PASS" : "FAIL");
    }
}

/* Ordering of two protocols at the same n: when the exact means differ by more than four
 * combined standard errors, the observed difference must have the same sign. */
static void check_order(const group_t *a, const group_t *b)
{
    char name[96], e[64], m[64], t[64];
    double ma, sa, mb, sb;
    sample_stats(a, &ma, &sa);
    sample_stats(b, &mb, &sb);
    double ca = (double)a->converged, cb = (double)b->converged;
    double dE = a->exact.mean - b->exact.mean;
    double se_th = sqrt(a->exact.var / ca + b->exact.var / cb);
    double dm = ma - mb, se = sqrt(sa * sa / ca + sb * sb / cb);
    snprintf(name, sizeof name, "n=%d %s %s %s", a->nodes, proto_names[a->proto],
             dE < 0 ? "<" : ">", proto_names[b->proto]);
    snprintf(e, sizeof e, "%+.4f (exact diff)", dE);
    snprintf(m, sizeof m, "%+.4f +- %.4f", dm, se);
    snprintf(t, sizeof t, "sign,4SE=%.3f", 4.0 * se_th);
    if (fabs(dE) <= 4.0 * se_th)
        row_out(name, e, m, t, "SKIP");
    else
        row_out(name, e, m, t, (dm < 0) == (dE < 0) && dm != 0.0 ? "PASS" : "FAIL");
}

static int do_check(const char *path)
{
    groups_t G = {0};
    read_results(path, &G);
    if (G.len == 0) {
        printf("theory_check: %s holds no trial records: nothing to check\n", path);
        return 1;
    }
    qsort(G.g, G.len, sizeof *G.g, cmp_group);
    printf("# theory_check %s: exact Markov chain on the complete graph\n", path);
    printf("# tolerance: mean |mean-E| <= 4*sqrt(Var/count)+0.05; sd likewise; push constant "
           "in [0.5,1.5] +- 4*SE\n");
    printf("%-34s %-26s %-22s %-15s %s\n", "check", "published/exact", "measured +- SE",
           "tolerance", "result");
    for (size_t k = 0; k < G.len; k++)
        check_group(&G.g[k]);
    /* Orderings among the protocols present at the same n (fanout 1 only). */
    for (size_t k = 0; k < G.len; k++) {
        for (size_t l = k + 1; l < G.len; l++) {
            group_t *a = &G.g[k], *b = &G.g[l];
            if (a->nodes != b->nodes || a->fanout != 1 || b->fanout != 1)
                continue;
            if (!a->have_exact || !b->have_exact)
                continue;
            /* push first, then pull, then push-pull: report as "x < push" etc. */
            check_order(b, a);
        }
    }
    printf("# %s: %d check(s) failed\n", n_fail ? "FAIL" : "PASS", n_fail);
    for (size_t k = 0; k < G.len; k++)
        free(G.g[k].exact.pmf);
    free(G.g);
    return n_fail ? 1 : 0;
}

static void usage(void)
{
    fprintf(stderr, "usage: theory_check --expect N [--fanout F] [--pmf] | theory_check "
                    "RESULTS.jsonl\n");
    exit(2);
}

int main(int argc, char **argv)
{
    if (argc < 2)
        usage();
    if (strcmp(argv[1], "--expect") == 0) {
        if (argc < 3)
            usage();
        int n = parse_int(argv[2], "--expect N", 2, MAX_NODES);
        int fanout = 1, pmf = 0;
        for (int a = 3; a < argc; a++) {
            if (strcmp(argv[a], "--fanout") == 0 && a + 1 < argc)
                fanout = parse_int(argv[++a], "--fanout", 1, n - 1);
            else if (strcmp(argv[a], "--pmf") == 0)
                pmf = 1;
            else
                usage();
        }
        return do_expect(n, fanout, pmf);
    }
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        printf("usage: theory_check --expect N [--fanout F] [--pmf] | theory_check "
               "RESULTS.jsonl\n");
        return 0;
    }
    if (argc != 2 || argv[1][0] == '-')
        usage();
    return do_check(argv[1]);
}
