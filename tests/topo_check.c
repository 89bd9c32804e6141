/* topo_check.c: shared topology test helpers (contract in topo_check.h). */
#include "topo_check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gb_params.h"

gb_topology *gb_tc_make_ctx(const char *spec, uint64_t n, uint64_t seed,
                            const gb_topology_ctx *ctx)
{
    gb_topology *t = NULL;
    gb_params p;
    char err[GB_ERRLEN] = "";
    int rc = gb_topology_create_spec_ctx(spec, n, seed, ctx, &t, &p, err);
    if (rc != 0)
        fprintf(stderr, "\n  create_spec(\"%s\", %llu): %d %s\n", spec, (unsigned long long)n,
                rc, err);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    return t;
}

gb_topology *gb_tc_make(const char *spec, uint64_t n, uint64_t seed)
{
    return gb_tc_make_ctx(spec, n, seed, NULL);
}

void gb_tc_expect_error_ctx(const char *spec, uint64_t n, const gb_topology_ctx *ctx, int code,
                            const char *needle)
{
    gb_topology *t = (gb_topology *)&t; /* non-NULL garbage: create_spec must clear it */
    gb_params p;
    char err[GB_ERRLEN] = "";
    int rc = gb_topology_create_spec_ctx(spec, n, 1, ctx, &t, &p, err);
    if (rc != code)
        fprintf(stderr, "\n  create_spec(\"%s\", %llu): got %d (%s), expected %d\n", spec,
                (unsigned long long)n, rc, err, code);
    CU_ASSERT_EQUAL(rc, code);
    CU_ASSERT_PTR_NULL(t);
    if (rc == 0) {
        gb_topology_free(t);
        return;
    }
    CU_ASSERT(err[0] != '\0');
    CU_ASSERT_PTR_NULL(strchr(err, '\n'));
    if (needle != NULL) {
        if (strstr(err, needle) == NULL)
            fprintf(stderr, "\n  message '%s' lacks '%s'\n", err, needle);
        CU_ASSERT_PTR_NOT_NULL(strstr(err, needle));
    }
}

void gb_tc_expect_error(const char *spec, uint64_t n, int code, const char *needle)
{
    gb_tc_expect_error_ctx(spec, n, NULL, code, needle);
}

void gb_tc_check_graph(const gb_topology *t, uint64_t n, long expect_deg, int expect_connected,
                       int expect_complete)
{
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    CU_ASSERT_EQUAL_FATAL(t->n, n);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t->degree);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t->neighbor);
    CU_ASSERT_PTR_NOT_NULL(t->destroy);
    CU_ASSERT_PTR_NOT_NULL(t->ops);
    if (expect_complete >= 0)
        CU_ASSERT_EQUAL(t->complete, expect_complete);
    CU_ASSERT(t->bytes >= sizeof *t);

    /* Copy the neighbour lists into local CSR arrays, so that symmetry is checked against
     * what the callbacks return, not against the generator's own storage. */
    uint64_t *off = malloc((size_t)(n + 1) * sizeof *off);
    CU_ASSERT_PTR_NOT_NULL_FATAL(off);
    off[0] = 0;
    for (uint64_t u = 0; u < n; u++)
        off[u + 1] = off[u] + gb_topology_degree(t, (gb_node_t)u);
    gb_node_t *adj = malloc((size_t)(off[n] + 1) * sizeof *adj);
    uint64_t *stamp = calloc((size_t)n, sizeof *stamp);
    CU_ASSERT_PTR_NOT_NULL_FATAL(adj);
    CU_ASSERT_PTR_NOT_NULL_FATAL(stamp);

    uint64_t bad_degree = 0, out_of_range = 0, loops = 0, dups = 0, asym = 0, csr_mismatch = 0;
    uint32_t mind = UINT32_MAX, maxd = 0;
    for (uint64_t u = 0; u < n; u++) {
        uint32_t deg = (uint32_t)(off[u + 1] - off[u]);
        if (expect_deg >= 0 && deg != (uint64_t)expect_deg)
            bad_degree++;
        if (deg < mind)
            mind = deg;
        if (deg > maxd)
            maxd = deg;
        if (t->off != NULL && t->off[u + 1] - t->off[u] != deg)
            csr_mismatch++;
        for (uint32_t k = 0; k < deg; k++) {
            gb_node_t v = gb_topology_neighbor(t, (gb_node_t)u, k);
            adj[off[u] + k] = v;
            if (t->adj != NULL && t->off != NULL && t->adj[t->off[u] + k] != v)
                csr_mismatch++;
            if (v >= n) {
                out_of_range++;
                continue;
            }
            if (v == u)
                loops++;
            if (stamp[v] == u + 1)
                dups++;
            stamp[v] = u + 1;
        }
    }
    /* Symmetry: u must be in N(v) for every v in N(u). Scanning N(v) costs the sum of
     * degree products, about n^2 for a star's hub, which is fine at the sizes used here. */
    for (uint64_t u = 0; u < n && out_of_range == 0; u++) {
        for (uint64_t i = off[u]; i < off[u + 1]; i++) {
            gb_node_t v = adj[i];
            int found = 0;
            for (uint64_t j = off[v]; j < off[v + 1] && !found; j++)
                found = adj[j] == u;
            if (!found)
                asym++;
        }
    }
    CU_ASSERT_EQUAL(bad_degree, 0);
    CU_ASSERT_EQUAL(out_of_range, 0);
    CU_ASSERT_EQUAL(loops, 0);
    CU_ASSERT_EQUAL(dups, 0);
    CU_ASSERT_EQUAL(asym, 0);
    CU_ASSERT_EQUAL(csr_mismatch, 0);
    if (n > 0) {
        CU_ASSERT_EQUAL(t->min_degree, mind);
        CU_ASSERT_EQUAL(t->max_degree, maxd);
    }
    CU_ASSERT_EQUAL(2 * t->edges, off[n]);

    uint64_t reach = gb_topology_reachable(t, 0);
    CU_ASSERT_EQUAL(t->connected, reach == n ? 1 : 0);
    if (expect_connected >= 0)
        CU_ASSERT_EQUAL(reach == n, expect_connected);
    free(off);
    free(adj);
    free(stamp);
}

int gb_tc_cmp_node(const void *pa, const void *pb)
{
    gb_node_t a = *(const gb_node_t *)pa, b = *(const gb_node_t *)pb;
    return (a > b) - (a < b);
}

int gb_tc_neighbours_are(const gb_topology *t, gb_node_t u, const gb_node_t *want, size_t len)
{
    gb_node_t got[64], exp[64];
    uint32_t deg = gb_topology_degree(t, u);
    if (deg != len || len > 64)
        return 0;
    for (uint32_t k = 0; k < deg; k++)
        got[k] = gb_topology_neighbor(t, u, k);
    memcpy(exp, want, len * sizeof *exp);
    qsort(got, len, sizeof *got, gb_tc_cmp_node);
    qsort(exp, len, sizeof *exp, gb_tc_cmp_node);
    return memcmp(got, exp, len * sizeof *got) == 0;
}

int gb_tc_same_csr(const gb_topology *a, const gb_topology *b)
{
    return a->n == b->n && a->off[a->n] == b->off[b->n] &&
           memcmp(a->off, b->off, (size_t)(a->n + 1) * sizeof *a->off) == 0 &&
           memcmp(a->adj, b->adj, (size_t)a->off[a->n] * sizeof *a->adj) == 0;
}

int gb_tc_add_suite(const char *name, CU_InitializeFunc init, CU_CleanupFunc cleanup,
                    const gb_tc_test *tests)
{
    CU_pSuite s = CU_add_suite(name, init, cleanup);
    if (s == NULL)
        return CU_get_error();
    for (const gb_tc_test *x = tests; x->name != NULL; x++)
        if (CU_add_test(s, x->name, x->fn) == NULL)
            return CU_get_error();
    return CUE_SUCCESS;
}
