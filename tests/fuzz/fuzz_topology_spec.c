/* fuzz_topology_spec.c: libFuzzer target for gb_topology_create_spec
 * (topologies/topology.c and every generator in topologies/registry.c but "file", which
 * fuzz_edgelist.c covers: a fuzzed path could name /dev/zero or a FIFO).
 *
 * Input: byte 0 and 1 give n = (b0 | b1 << 8) & 2047, byte 2 the seed (and, with bit 7
 * set, a placement context of up to 16 ranks derived from it), the rest is the spec
 * "NAME[:key=value,...]" (cut at the first NUL). Parameters that would make generation or
 * checking slow (see too_big) end the run early, after the parameters were parsed: the
 * fuzzer looks for wrong results, not for big graphs. Dense instances that get through are
 * checked on a sample of nodes (fuzz_common.h).
 * Invariants checked (abort() on violation):
 *  - failure: a GB_E* code and one non-empty line in err; the same as a second call;
 *  - success: the instance contract of gb_topology.h (fuzz_common.h: n as asked, ids < n,
 *    no self-loops or repeats, symmetry, degree fields, edge count, CSR consistency,
 *    connectivity, statistics), params_out holds the parsed parameters, generation is
 *    deterministic (a second create gives the same arcs), estimate_bytes covers the
 *    instance's bytes and does not wrap for n = 2^32-1, and, for small graphs, the
 *    edge-list dump reads back as the same graph.
 * GB_FUZZ_LAX_ERR=1 and GB_FUZZ_NO_ESTIMATE=1 switch checks off to fuzz past known bugs
 * (README.md). */
#include "fuzz_common.h"

/* GB_FUZZ_NO_ESTIMATE=1 leaves estimate_bytes out, to fuzz past a known bug there. */
static int check_estimate(void)
{
    static int v = -1;
    if (v < 0) {
        const char *e = getenv("GB_FUZZ_NO_ESTIMATE");
        v = !(e != NULL && e[0] == '1');
    }
    return v;
}

/* 1 when the parsed parameters could make a slow instance for n: integers in (64, n]
 * (degrees, branching factors: legal, but up to n^2 arcs to build and check), gnm's m in
 * (20000, n(n-1)/2], dense gnp and geometric graphs. Values above n stay in: they must be
 * refused (or be harmless, as tree's k), and they reach the overflow guards. */
static int too_big(const gb_topology_ops *ops, const gb_params *p, uint64_t n)
{
    for (int i = 0; i < p->count; i++) {
        const gb_param_desc *d = &ops->params[i];
        if (d->type != GB_PARAM_INT || p->value[i][0] == '\0')
            continue;
        int64_t v = gb_params_int(p, d->name);
        int64_t lo = 64, hi = (int64_t)n;
        if (strcmp(d->name, "center") == 0)
            continue;
        if (strcmp(ops->name, "gnm") == 0 && strcmp(d->name, "m") == 0) {
            lo = 20000;
            hi = (int64_t)(n * (n - (n > 0)) / 2);
        }
        if (v > lo && v <= hi)
            return 1;
    }
    double nn = (double)n * (double)n;
    if (strcmp(ops->name, "gnp") == 0 && gb_params_has(p, "p") &&
        gb_params_double(p, "p") * nn > 400000.0)
        return 1;
    if (strcmp(ops->name, "geometric") == 0 && gb_params_has(p, "r")) {
        double r = gb_params_double(p, "r");
        if (4.0 * r * r * nn > 400000.0)
            return 1;
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3)
        return 0;
    uint64_t n = (uint64_t)(data[0] | data[1] << 8) & 2047;
    uint64_t seed = data[2];
    /* Seeds with bit 7 set also pass a placement context (locality uses it): 1 to 16
     * ranks, 1 to 4 ranks per host, two NUMA nodes per host or none known. */
    int host[16], numa[16], core[16];
    gb_topology_ctx ctx = {.ranks = 1 + (data[2] & 15), .host = host, .numa = numa,
                           .core = core};
    for (int r = 0; r < 16; r++) {
        host[r] = r / (1 + ((data[2] >> 4) & 3));
        numa[r] = (data[2] & 64) ? (r / 2) % 2 : -1;
        core[r] = r;
    }
    const gb_topology_ctx *pctx = (data[2] & 128) ? &ctx : NULL;
    char *spec = fz_strndup(data + 3, size - 3);

    /* Name and parameters as gb_topology_create_spec splits them. */
    size_t nl = strcspn(spec, ":");
    char name[64];
    const gb_topology_ops *ops = NULL;
    if (nl < sizeof name) {
        memcpy(name, spec, nl);
        name[nl] = '\0';
        ops = gb_topology_find(name);
    }
    if (ops == &gb_topology_file)
        goto out;
    if (ops != NULL) {
        gb_params pre;
        const char *rest = spec[nl] == ':' ? spec + nl + 1 : NULL;
        if (gb_params_parse(&pre, ops->params, rest, "topology", ops->name, NULL) == 0) {
            /* The driver asks for the estimate before create() has judged the parameters
             * (bench/main.c), for any n up to 2^32-1: it must be defined for all of them. */
            if (ops->estimate_bytes != NULL && check_estimate()) {
                uint64_t small = ops->estimate_bytes(&pre, n);
                uint64_t big = ops->estimate_bytes(&pre, GB_NODE_MAX);
                /* Generators with an estimate store CSR: 8 bytes of offsets per node. */
                FZ_CHECK(small >= 8 * n && big >= 8 * (uint64_t)GB_NODE_MAX,
                         "topology: '%s': estimate_bytes %llu for n=%llu, %llu for n=2^32-1: "
                         "below the CSR offsets (overflow? the driver's memory check would "
                         "pass)", spec, (unsigned long long)small, (unsigned long long)n,
                         (unsigned long long)big);
                FZ_CHECK(big >= small, "topology: '%s': estimate_bytes for n=2^32-1 is %llu, "
                         "below %llu for n=%llu (overflow? the driver's memory check would "
                         "pass)", spec, (unsigned long long)big, (unsigned long long)small,
                         (unsigned long long)n);
            }
            if (too_big(ops, &pre, n))
                goto out;
        }
    }

    gb_topology *t = NULL;
    gb_params params;
    char err[GB_ERRLEN];
    memset(err, 'X', sizeof err);
    err[0] = '\0';
    int rc = gb_topology_create_spec_ctx(spec, n, seed, pctx, &t, &params, err);
    if (rc < 0) {
        FZ_CHECK(t == NULL, "topology: failed with %d but set *out", rc);
        fz_check_err("gb_topology_create_spec", rc, err);
        gb_topology *t2 = NULL;
        char err2[GB_ERRLEN] = "";
        int rc2 = gb_topology_create_spec_ctx(spec, n, seed, pctx, &t2, NULL, err2);
        FZ_CHECK(rc2 == rc && strcmp(err, err2) == 0,
                 "topology: second call gave %d '%s', first %d '%s'", rc2, err2, rc, err);
        goto out;
    }
    FZ_CHECK(rc == 0, "topology: positive return code %d", rc);
    FZ_CHECK(ops != NULL && t != NULL && t->ops == ops, "topology: '%s' built by '%s'", spec,
             t && t->ops ? t->ops->name : "(none)");
    fz_check_params("topology params_out", &params, ops->params);
    fz_check_topology(spec, t, n);
    if (ops->estimate_bytes != NULL && check_estimate()) {
        /* The driver refuses runs by this estimate of create()'s peak: it must cover what
         * the instance holds (up to a margin: random generators estimate the expected edge
         * count with some slack, which tiny graphs can exceed, and leave out the fixed
         * struct), and must not wrap around for the largest n. */
        uint64_t est = ops->estimate_bytes(&params, n);
        FZ_CHECK(est + est / 4 + 65536 >= t->bytes,
                 "topology: '%s' n=%llu: estimate_bytes %llu is far below the %llu "
                 "bytes the instance holds", spec, (unsigned long long)n,
                 (unsigned long long)est, (unsigned long long)t->bytes);
        uint64_t big = ops->estimate_bytes(&params, GB_NODE_MAX);
        FZ_CHECK(big >= est, "topology: '%s': estimate_bytes for n=2^32-1 is %llu, below "
                 "%llu for n=%llu (wrapped?)", spec, (unsigned long long)big,
                 (unsigned long long)est, (unsigned long long)n);
    }
    FZ_CHECK(!t->directed, "topology: generator '%s' built a directed instance", ops->name);

    if (t->edges <= 20000) {
        gb_topology *t2 = NULL;
        char err2[GB_ERRLEN] = "";
        int rc2 = gb_topology_create_spec_ctx(spec, n, seed, pctx, &t2, NULL, err2);
        FZ_CHECK(rc2 == 0, "topology: second create failed: %s", err2);
        uint64_t na = 0, nb = 0;
        uint64_t *a = fz_arcs(t, 1u << 20, &na), *b = fz_arcs(t2, 1u << 20, &nb);
        FZ_CHECK(na == nb && (a == NULL || b == NULL ||
                              memcmp(a, b, (size_t)na * sizeof *a) == 0),
                 "topology: '%s' with n=%llu seed=%llu is not deterministic", spec,
                 (unsigned long long)n, (unsigned long long)seed);
        free(a);
        free(b);
        gb_topology_free(t2);
        if (t->n <= 512)
            fz_check_roundtrip(spec, t);
    }
    gb_topology_free(t);
out:
    free(spec);
    return 0;
}
