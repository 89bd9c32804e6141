/* fuzz_topology_spec.c: libFuzzer target for gb_topology_create_spec
 * (topologies/topology.c and every generator in topologies/registry.c but "file", which
 * fuzz_edgelist.c covers: a fuzzed path could name /dev/zero or a FIFO).
 *
 * Input: byte 0 and 1 give n = (b0 | b1 << 8) & 2047, byte 2 the seed, the rest is the spec
 * "NAME[:key=value,...]" (cut at the first NUL). Parameters that would make generation or
 * checking slow (integers above 64, gnm's m above 20000, dense gnp and geometric graphs)
 * end the run early, after the parameters were parsed: the fuzzer looks for wrong
 * results, not for big graphs.
 * Invariants checked (abort() on violation):
 *  - failure: a GB_E* code and one non-empty line in err; the same as a second call;
 *  - success: the instance contract of gb_topology.h (fuzz_common.h: n as asked, ids < n,
 *    no self-loops or repeats, symmetry, degree fields, edge count, CSR consistency,
 *    connectivity, statistics), params_out holds the parsed parameters, generation is
 *    deterministic (a second create gives the same arcs) and, for small graphs, the
 *    edge-list dump reads back as the same graph.
 * Set GB_FUZZ_LAX_ERR=1 to accept control characters in err (for fuzzing past a known
 * echo of a user value). */
#include "fuzz_common.h"

/* 1 when the parsed parameters would make a slow instance for n. */
static int too_big(const gb_topology_ops *ops, const gb_params *p, uint64_t n)
{
    for (int i = 0; i < p->count; i++) {
        const gb_param_desc *d = &ops->params[i];
        if (d->type != GB_PARAM_INT || p->value[i][0] == '\0')
            continue;
        int64_t v = gb_params_int(p, d->name);
        int64_t cap = 64;
        if (strcmp(d->name, "center") == 0)
            cap = 1 << 16;
        else if (strcmp(ops->name, "gnm") == 0 && strcmp(d->name, "m") == 0)
            cap = 20000;
        if (v > cap)
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
        if (gb_params_parse(&pre, ops->params, rest, "topology", ops->name, NULL) == 0 &&
            too_big(ops, &pre, n))
            goto out;
        /* The complete graph has n(n-1) arcs: keep it small. */
        if (ops == &gb_topology_complete && n > 512)
            goto out;
    }

    gb_topology *t = NULL;
    gb_params params;
    char err[GB_ERRLEN];
    memset(err, 'X', sizeof err);
    err[0] = '\0';
    int rc = gb_topology_create_spec(spec, n, seed, &t, &params, err);
    if (rc < 0) {
        FZ_CHECK(t == NULL, "topology: failed with %d but set *out", rc);
        fz_check_err("gb_topology_create_spec", rc, err);
        gb_topology *t2 = NULL;
        char err2[GB_ERRLEN] = "";
        int rc2 = gb_topology_create_spec(spec, n, seed, &t2, NULL, err2);
        FZ_CHECK(rc2 == rc && strcmp(err, err2) == 0,
                 "topology: second call gave %d '%s', first %d '%s'", rc2, err2, rc, err);
        goto out;
    }
    FZ_CHECK(rc == 0, "topology: positive return code %d", rc);
    FZ_CHECK(ops != NULL && t != NULL && t->ops == ops, "topology: '%s' built by '%s'", spec,
             t && t->ops ? t->ops->name : "(none)");
    fz_check_params("topology params_out", &params, ops->params);
    fz_check_topology(spec, t, n);
    FZ_CHECK(!t->directed, "topology: generator '%s' built a directed instance", ops->name);

    if (t->edges <= 20000) {
        gb_topology *t2 = NULL;
        char err2[GB_ERRLEN] = "";
        int rc2 = gb_topology_create_spec(spec, n, seed, &t2, NULL, err2);
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
