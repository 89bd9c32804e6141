/* fuzz_edgelist.c: libFuzzer target for the "file" topology (topologies/edgelist.c).
 *
 * Input: the content of an edge-list file. The reader takes a path, so the input is
 * written to one temporary file per process (reused, removed at exit) and read through
 * gb_topology_create_spec("file:path=TMP[,directed=1]", n, ...):
 *  A. n = 0 ("from the file"), undirected;
 *  B. n = 0, directed=1;
 *  C. n = 16 fixed, undirected;
 *  and, after A succeeded with N nodes, n = N (same graph) and n = N + 1 (an error).
 * A and B are skipped when a number in the input exceeds 2^14: a file may legally ask
 * for 4 billion nodes, and the fuzzer looks for wrong results, not for big allocations
 * (C, with n fixed, is refused before any allocation of that size).
 * Invariants checked (abort() on violation):
 *  - failure: a GB_E* code, one non-empty line in err, and A, B and C agree on whether
 *    the file is readable at all;
 *  - success: the instance contract (fuzz_common.h); the undirected graph is the
 *    symmetric closure of the directed one; the edge-list dump of the undirected graph
 *    reads back as the same graph. */
#include "fuzz_common.h"

#define FILE_N 16
#define BIG_LIMIT (1u << 14)

/* Largest decimal number in the input (saturating), to keep allocations small. */
static uint64_t largest_number(const uint8_t *data, size_t size)
{
    uint64_t best = 0, cur = 0;
    int in = 0;
    for (size_t i = 0; i <= size; i++) {
        if (i < size && data[i] >= '0' && data[i] <= '9') {
            unsigned d = (unsigned)(data[i] - '0');
            cur = cur > (UINT64_MAX - d) / 10 ? UINT64_MAX : cur * 10 + d;
            in = 1;
        } else if (in) {
            if (cur > best)
                best = cur;
            cur = 0;
            in = 0;
        }
    }
    return best;
}

static int build(const char *path, int directed, uint64_t n, gb_topology **t, char *err)
{
    char spec[320];
    snprintf(spec, sizeof spec, "file:path=%s%s", path, directed ? ",directed=1" : "");
    memset(err, 'X', GB_ERRLEN);
    err[0] = '\0';
    int rc = gb_topology_create_spec(spec, n, 1, t, NULL, err);
    if (rc < 0) {
        FZ_CHECK(*t == NULL, "edgelist: failed with %d but set *out", rc);
        fz_check_err(directed ? "file:directed=1" : "file", rc, err);
    } else {
        FZ_CHECK(rc == 0, "edgelist: positive return code %d", rc);
        fz_check_topology(directed ? "file:directed=1" : "file", *t, n);
        FZ_CHECK((*t)->directed == directed, "edgelist: directed=%d for directed=%d",
                 (*t)->directed, directed);
        FZ_CHECK((*t)->n >= 1, "edgelist: success with n=0");
        /* Rows are stored sorted ascending (edgelist.c). */
        for (uint64_t u = 0; u < (*t)->n; u++)
            for (uint64_t i = (*t)->off[u] + 1; i < (*t)->off[u + 1]; i++)
                FZ_CHECK((*t)->adj[i - 1] < (*t)->adj[i], "edgelist: row %llu not sorted",
                         (unsigned long long)u);
    }
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fz_tmpfile(0);
    fz_write_file(path, data, size);
    char err[GB_ERRLEN];
    int small = largest_number(data, size) <= BIG_LIMIT;

    gb_topology *a = NULL, *b = NULL, *c = NULL;
    int rca = 0, rcb = 0;
    if (small) {
        rca = build(path, 0, 0, &a, err);
        rcb = build(path, 1, 0, &b, err);
        FZ_CHECK((rca == 0) == (rcb == 0), "edgelist: undirected read %d, directed read %d",
                 rca, rcb);
    }
    int rcc = build(path, 0, FILE_N, &c, err);
    if (small)
        FZ_CHECK((rcc == 0) == (rca == 0 && a->n == FILE_N),
                 "edgelist: n=%d read %d but n=0 read %d with n=%llu", FILE_N, rcc, rca,
                 rca == 0 ? (unsigned long long)a->n : 0ull);

    if (a != NULL && b != NULL) {
        FZ_CHECK(a->n == b->n, "edgelist: n=%llu undirected, %llu directed",
                 (unsigned long long)a->n, (unsigned long long)b->n);
        /* Symmetric closure of the directed arcs == the undirected arcs. */
        uint64_t na = 0, nb = 0;
        uint64_t *aa = fz_arcs(a, 1u << 22, &na), *ba = fz_arcs(b, 1u << 22, &nb);
        if (aa != NULL && ba != NULL) {
            uint64_t *cl = malloc((size_t)(2 * nb + 1) * sizeof *cl);
            if (cl == NULL)
                abort();
            for (uint64_t i = 0; i < nb; i++) {
                cl[2 * i] = ba[i];
                cl[2 * i + 1] = (ba[i] & 0xffffffffu) << 32 | ba[i] >> 32;
            }
            qsort(cl, (size_t)(2 * nb), sizeof *cl, fz_cmp_u64);
            uint64_t m = 0;
            for (uint64_t i = 0; i < 2 * nb; i++)
                if (m == 0 || cl[i] != cl[m - 1])
                    cl[m++] = cl[i];
            FZ_CHECK(m == na && memcmp(cl, aa, (size_t)m * sizeof *cl) == 0,
                     "edgelist: undirected arcs (%llu) are not the closure of the directed "
                     "ones (%llu)",
                     (unsigned long long)na, (unsigned long long)m);
            free(cl);
        }
        free(aa);
        free(ba);

        /* The same file with n given as the count it implies, and one more. */
        uint64_t n = a->n;
        gb_topology *same = NULL, *more = NULL;
        FZ_CHECK(build(path, 0, n, &same, err) == 0, "edgelist: n=0 gave %llu nodes, n=%llu "
                 "fails: %s", (unsigned long long)n, (unsigned long long)n, err);
        FZ_CHECK(same->edges == a->edges &&
                     memcmp(same->off, a->off, (size_t)(n + 1) * sizeof *a->off) == 0 &&
                     memcmp(same->adj, a->adj, (size_t)a->off[n] * sizeof *a->adj) == 0,
                 "edgelist: n=%llu gives a different graph from n=0", (unsigned long long)n);
        gb_topology_free(same);
        if (n < GB_NODE_MAX) {
            int rc = build(path, 0, n + 1, &more, err);
            FZ_CHECK(rc < 0, "edgelist: a file of %llu nodes accepted with n=%llu",
                     (unsigned long long)n, (unsigned long long)n + 1);
        }
        if (a->n <= 4096)
            fz_check_roundtrip("file", a);
    }
    gb_topology_free(a);
    gb_topology_free(b);
    gb_topology_free(c);
    return 0;
}
