/* test_topology_io.c: unit tests for the "file" topology (edge-list reader), the edge-list
 * and DOT writers, and the graph statistics (topologies/edgelist.c, dump.c, stats.c).
 *
 * Fixtures are small files written into a mkdtemp() folder that the suite's cleanup
 * removes. The reader is called through its ops struct, so these tests do not depend on
 * the registry listing "file"; the other generators come through create_spec. Expected
 * CSR arrays, messages and DOT text are written out by hand. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <CUnit/CUnit.h>

#include "gb_params.h"
#include "gb_topology.h"
#include "gb_topology_io.h"
#include "tests.h"
#include "topo_check.h"

/* ------------------------------------------------------------------ fixtures */

static char tmpdir[64];
/* Files created in tmpdir, removed by the cleanup. */
static char created[64][96];
static int ncreated;

static int suite_init(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/gbtopoio.XXXXXX");
    return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int suite_cleanup(void)
{
    for (int i = 0; i < ncreated; i++)
        unlink(created[i]);
    ncreated = 0;
    return rmdir(tmpdir) == 0 ? 0 : -1;
}

/* Full path of `name` in tmpdir (a static buffer per call site's lifetime: copy if needed),
 * remembered for the cleanup. */
static const char *tmp_path(const char *name)
{
    static char path[96];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    int known = 0;
    for (int i = 0; i < ncreated && !known; i++)
        known = strcmp(created[i], path) == 0;
    if (!known && ncreated < (int)GB_ARRAY_LEN(created))
        snprintf(created[ncreated++], sizeof created[0], "%s", path);
    return path;
}

/* Writes text to tmpdir/name and returns its path. */
static const char *write_file(const char *name, const char *text)
{
    const char *path = tmp_path(name);
    FILE *f = fopen(path, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs(text, f);
    CU_ASSERT_EQUAL(fclose(f), 0);
    return path;
}

/* Calls the file generator directly: rc, with *out and err as create() leaves them. */
static int file_create(const char *path, int directed, uint64_t n, gb_topology **out, char *err)
{
    char spec[160];
    gb_params p;
    snprintf(spec, sizeof spec, "path=%s,directed=%d", path, directed);
    int rc = gb_params_parse(&p, gb_topology_file.params, spec, "topology", "file", err);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    *out = (gb_topology *)&p; /* garbage: create() must clear it */
    return gb_topology_file.create(&p, n, 1, NULL, out, err);
}

/* Reads path or fails the test (fatal: the callers dereference the result). */
static gb_topology *file_make(const char *path, int directed, uint64_t n)
{
    gb_topology *t = NULL;
    char err[GB_ERRLEN] = "";
    int rc = file_create(path, directed, n, &t, err);
    if (rc != 0)
        fprintf(stderr, "\n  file %s: %d %s\n", path, rc, err);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    CU_ASSERT_PTR_EQUAL(t->ops, &gb_topology_file);
    return t;
}

/* Expects reading text (written to bad.txt) with n to fail with `code` and exactly the
 * message `want` after the "topology 'file': <path>" prefix, leaving *out NULL. */
static void expect_file_error(const char *text, int directed, uint64_t n, int code,
                              const char *want)
{
    const char *path = write_file("bad.txt", text);
    gb_topology *t = NULL;
    char err[GB_ERRLEN] = "", full[GB_ERRLEN];
    int rc = file_create(path, directed, n, &t, err);
    snprintf(full, sizeof full, "topology 'file': %s%s", path, want);
    if (rc != code || strcmp(err, full) != 0)
        fprintf(stderr, "\n  text %s: got %d '%s'\n  expected %d '%s'\n", text, rc, err, code,
                full);
    CU_ASSERT_EQUAL(rc, code);
    CU_ASSERT_STRING_EQUAL(err, full);
    CU_ASSERT_PTR_NULL(t);
    if (rc == 0)
        gb_topology_free(t);
}

/* Whether t is stored as exactly this CSR. */
static int csr_is(const gb_topology *t, uint64_t n, const uint64_t *off, const gb_node_t *adj)
{
    if (t->n != n || t->off == NULL || t->adj == NULL)
        return 0;
    if (memcmp(t->off, off, (size_t)(n + 1) * sizeof *off) != 0)
        return 0;
    return off[n] == 0 || memcmp(t->adj, adj, (size_t)off[n] * sizeof *adj) == 0;
}

/* What a FILE* received, through open_memstream. */
typedef struct capture {
    FILE *f;
    char *buf;
    size_t len;
} capture;

static void capture_open(capture *c)
{
    c->buf = NULL;
    c->len = 0;
    c->f = open_memstream(&c->buf, &c->len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c->f);
}

static void capture_close(capture *c)
{
    fclose(c->f);
    c->f = NULL;
}

/* ------------------------------------------------------------------ reading */

static void test_read_good(void)
{
    /* Header, comments (one mentioning nodes, which is not a header), blank and
     * blank-only lines, tabs, CRLF, a repeat in both directions, isolated node 5. */
    const char *path = write_file("good.txt",
                                  "# a test graph\n"
                                  "# nodes 6\n"
                                  "#nodes-like comment: not a header\n"
                                  "\n"
                                  "0 1\n"
                                  "   \t \n"
                                  "  2\t1  \n"
                                  "1 0\r\n"
                                  "3 4\n"
                                  "# trailing comment\n"
                                  "0 2\n"
                                  "0 1\n"
                                  "4 3"); /* no final newline */
    gb_topology *t = file_make(path, 0, 6);
    static const uint64_t off[] = {0, 2, 4, 6, 7, 8, 8};
    static const gb_node_t adj[] = {1, 2, 0, 2, 0, 1, 4, 3};
    CU_ASSERT(csr_is(t, 6, off, adj));
    CU_ASSERT_EQUAL(t->edges, 4);
    CU_ASSERT_EQUAL(t->min_degree, 0);
    CU_ASSERT_EQUAL(t->max_degree, 2);
    CU_ASSERT_EQUAL(t->connected, 0);
    CU_ASSERT_EQUAL(gb_topology_symmetric(t), 1);
    gb_topology_free(t);

    /* n = 0 takes the count from the file. */
    t = file_make(path, 0, 0);
    CU_ASSERT_EQUAL(t->n, 6);
    gb_topology_free(t);

    /* Without a header, n = 1 + the largest id; line order does not matter. */
    path = write_file("noheader.txt", "3 1\n0 3\n2 3\n");
    t = file_make(path, 0, 4);
    static const uint64_t off2[] = {0, 1, 2, 3, 6};
    static const gb_node_t adj2[] = {3, 3, 3, 0, 1, 2};
    CU_ASSERT(csr_is(t, 4, off2, adj2));
    CU_ASSERT_EQUAL(t->connected, 1);
    gb_topology_free(t);

    /* Only a header: isolated nodes. */
    path = write_file("empty6.txt", "# nodes 3\n");
    t = file_make(path, 0, 3);
    CU_ASSERT_EQUAL(t->edges, 0);
    CU_ASSERT_EQUAL(t->max_degree, 0);
    gb_topology_free(t);
}

static void test_read_errors(void)
{
    /* Every message names the file and the line of the problem. */
    expect_file_error("0 1\n# c\n\nx y\n", 0, 2, GB_EINVAL,
                      ":4: expected two node ids, got 'x y'");
    expect_file_error("0 1\n1\n", 0, 2, GB_EINVAL, ":2: expected two node ids, got '1'");
    expect_file_error("0 1 2\n", 0, 3, GB_EINVAL, ":1: expected two node ids, got '0 1 2'");
    expect_file_error("\n\n  0,1  \n", 0, 2, GB_EINVAL, ":3: expected two node ids, got '0,1'");
    expect_file_error("0 1x\n", 0, 2, GB_EINVAL, ":1: expected two node ids, got '0 1x'");
    expect_file_error("0 +1\n", 0, 2, GB_EINVAL, ":1: expected two node ids, got '0 +1'");
    expect_file_error("0 1.0\n", 0, 2, GB_EINVAL, ":1: expected two node ids, got '0 1.0'");
    expect_file_error("% 1\n", 0, 2, GB_EINVAL, ":1: expected two node ids, got '% 1'");
    expect_file_error("0 1\n1 2 # comment\n", 0, 3, GB_EINVAL,
                      ":2: expected two node ids, got '1 2 # comment'");
    /* Long lines are quoted in part. */
    expect_file_error("0 1\n1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20\n", 0, 3,
                      GB_EINVAL, ":2: expected two node ids, got "
                                 "'1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 1'");
    /* Ids out of range. */
    expect_file_error("# nodes 4\n0 1\n\n2 4\n", 0, 4, GB_ERANGE,
                      ":4: node id 4 is out of range 0..3 (from the '# nodes' header)");
    expect_file_error("0 1\n-1 2\n", 0, 3, GB_ERANGE, ":2: node id -1 is out of range 0..4294967294");
    expect_file_error("0 4294967295\n", 0, 3, GB_ERANGE,
                      ":1: node id 4294967295 is out of range 0..4294967294");
    expect_file_error("0 99999999999999999999999999\n", 0, 3, GB_ERANGE,
                      ":1: node id 999999999999999999999999 is out of range 0..4294967294");
    /* Self-loops. */
    expect_file_error("0 1\n1 2\n2 2\n", 0, 3, GB_EINVAL, ":3: self-loop on node 2");
    expect_file_error("0 1\n1 1\n", 1, 2, GB_EINVAL, ":2: self-loop on node 1");
    /* Headers. */
    expect_file_error("# nodes x\n0 1\n", 0, 2, GB_EINVAL,
                      ":1: bad header '# nodes x', expected '# nodes N' with 1 <= N <= 4294967295");
    expect_file_error("# nodes 0\n", 0, 2, GB_EINVAL,
                      ":1: bad header '# nodes 0', expected '# nodes N' with 1 <= N <= 4294967295");
    expect_file_error("# nodes 2\n# nodes 2\n0 1\n", 0, 2, GB_EINVAL,
                      ":2: second '# nodes' header");
    expect_file_error("0 1\n# nodes 2\n", 0, 2, GB_EINVAL,
                      ":2: the '# nodes' header must come before the first edge");
    /* The count disagrees with the engine's n. */
    expect_file_error("# nodes 5\n0 1\n", 0, 6, GB_EINVAL, " has 5 nodes but --nodes is 6");
    expect_file_error("0 1\n7 1\n", 0, 6, GB_EINVAL,
                      " has 8 nodes but --nodes is 6 (no '# nodes' header: n = 1 + largest id 7)");
    expect_file_error("0 1\n", 0, 3, GB_EINVAL,
                      " has 2 nodes but --nodes is 3 (no '# nodes' header: n = 1 + largest id 1)");
    /* Nothing to size the graph from. */
    expect_file_error("# only a comment\n\n", 0, 2, GB_EINVAL,
                      " holds no edges and no '# nodes N' header");
    expect_file_error("", 0, 2, GB_EINVAL, " holds no edges and no '# nodes N' header");

    /* Missing file, missing parameter, n beyond 32-bit ids. */
    gb_topology *t = NULL;
    char err[GB_ERRLEN] = "", want[GB_ERRLEN];
    const char *path = tmp_path("nosuch.txt");
    CU_ASSERT_EQUAL(file_create(path, 0, 4, &t, err), GB_EIO);
    snprintf(want, sizeof want, "topology 'file': cannot open '%s': No such file or directory",
             path);
    CU_ASSERT_STRING_EQUAL(err, want);
    CU_ASSERT_PTR_NULL(t);

    gb_params p;
    CU_ASSERT_EQUAL_FATAL(gb_params_parse(&p, gb_topology_file.params, NULL, "topology", "file",
                                          err), 0);
    t = (gb_topology *)&p;
    CU_ASSERT_EQUAL(gb_topology_file.create(&p, 4, 1, NULL, &t, err), GB_EINVAL);
    CU_ASSERT_STRING_EQUAL(err, "topology 'file': parameter 'path' is required (file:path=FILE)");
    CU_ASSERT_PTR_NULL(t);
    CU_ASSERT_EQUAL(file_create(path, 0, (uint64_t)GB_NODE_MAX + 1, &t, err), GB_ERANGE);
    CU_ASSERT_PTR_NULL(t);
    CU_ASSERT_NOT_EQUAL(gb_params_parse(&p, gb_topology_file.params, "path=a,directed=2",
                                        "topology", "file", err), 0);
}

static void test_read_directed(void)
{
    /* Arcs 0->1, 0->2, 1->2, 2->0, 3->0 (repeated), and 1->0 next to 0->1. */
    const char *path = write_file("arcs.txt", "# nodes 4\n0 2\n1 2\n0 1\n2 0\n3 0\n3 0\n1 0\n");
    gb_topology *t = file_make(path, 1, 4);
    static const uint64_t off[] = {0, 2, 4, 5, 6};
    static const gb_node_t adj[] = {1, 2, 0, 2, 0, 0};
    CU_ASSERT(csr_is(t, 4, off, adj));
    CU_ASSERT_EQUAL(t->edges, 6); /* arcs */
    CU_ASSERT_EQUAL(t->min_degree, 1);
    CU_ASSERT_EQUAL(t->max_degree, 2);
    CU_ASSERT_EQUAL(t->connected, 0); /* 3 cannot be reached from 0 */
    CU_ASSERT_EQUAL(gb_topology_reachable(t, 3), 4);
    CU_ASSERT_EQUAL(gb_topology_symmetric(t), 0);

    /* Directed topologies are refused by the writers and the statistics. */
    char err[GB_ERRLEN] = "";
    capture c;
    capture_open(&c);
    CU_ASSERT_EQUAL(gb_topology_dump_edgelist(t, c.f, err), GB_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "not symmetric"));
    CU_ASSERT_EQUAL(gb_topology_dump_dot(t, c.f, 100, err), GB_EINVAL);
    capture_close(&c);
    CU_ASSERT_EQUAL(c.len, 0);
    free(c.buf);
    gb_graph_stats s;
    CU_ASSERT_EQUAL(gb_topology_stats(t, 100, &s), GB_EINVAL);
    CU_ASSERT_EQUAL(s.nodes, 4);
    CU_ASSERT_EQUAL(s.degree_max, 2);
    CU_ASSERT_EQUAL(s.components, 0);
    gb_topology_free(t);

    /* The same file read undirected is symmetric. */
    t = file_make(path, 0, 4);
    static const uint64_t offu[] = {0, 3, 5, 7, 8};
    static const gb_node_t adju[] = {1, 2, 3, 0, 2, 0, 1, 0};
    CU_ASSERT(csr_is(t, 4, offu, adju));
    CU_ASSERT_EQUAL(t->edges, 4);
    CU_ASSERT_EQUAL(gb_topology_symmetric(t), 1);
    gb_topology_free(t);
}

/* ------------------------------------------------------------------ writing */

/* Whether b (read from a file, rows sorted) has a's neighbour sets. */
static int same_sets(const gb_topology *a, const gb_topology *b)
{
    if (a->n != b->n || b->off == NULL || b->off[b->n] != 2 * a->edges)
        return 0;
    gb_node_t *row = malloc(((size_t)a->max_degree + 1) * sizeof *row);
    int same = row != NULL;
    for (uint64_t u = 0; u < a->n && same; u++) {
        uint32_t deg = gb_topology_degree(a, (gb_node_t)u);
        if (deg != b->off[u + 1] - b->off[u]) {
            same = 0;
            break;
        }
        for (uint32_t k = 0; k < deg; k++)
            row[k] = gb_topology_neighbor(a, (gb_node_t)u, k);
        qsort(row, deg, sizeof *row, gb_tc_cmp_node);
        same = memcmp(row, b->adj + b->off[u], (size_t)deg * sizeof *row) == 0;
    }
    free(row);
    return same;
}

/* Dumps t into a string (caller frees). */
static char *dump_string(const gb_topology *t, size_t *len)
{
    capture c;
    char err[GB_ERRLEN] = "";
    capture_open(&c);
    int rc = gb_topology_dump_edgelist(t, c.f, err);
    if (rc != 0)
        fprintf(stderr, "\n  dump: %d %s\n", rc, err);
    CU_ASSERT_EQUAL(rc, 0);
    capture_close(&c);
    *len = c.len;
    return c.buf;
}

static void round_trip(const char *spec, uint64_t n)
{
    gb_topology *t = gb_tc_make(spec, n, 7);
    const char *path = tmp_path("roundtrip.txt");
    FILE *f = fopen(path, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    char err[GB_ERRLEN] = "";
    CU_ASSERT_EQUAL(gb_topology_dump_edgelist(t, f, err), 0);
    CU_ASSERT_EQUAL(fclose(f), 0);

    gb_topology *back = file_make(path, 0, n);
    if (!same_sets(t, back))
        fprintf(stderr, "\n  round trip of %s (n=%llu) differs\n", spec, (unsigned long long)n);
    CU_ASSERT(same_sets(t, back));
    CU_ASSERT_EQUAL(back->edges, t->edges);
    CU_ASSERT_EQUAL(back->min_degree, t->min_degree);
    CU_ASSERT_EQUAL(back->max_degree, t->max_degree);
    CU_ASSERT_EQUAL(back->connected, t->connected);
    /* Explicit generators keep sorted rows, so their CSR comes back bit for bit. */
    if (t->off != NULL)
        CU_ASSERT(csr_is(back, n, t->off, t->adj));
    /* The dump is a canonical form: dumping the copy gives the same text. */
    size_t la, lb;
    char *a = dump_string(t, &la), *b = dump_string(back, &lb);
    CU_ASSERT_EQUAL(la, lb);
    CU_ASSERT(a != NULL && b != NULL && la == lb && memcmp(a, b, la) == 0);
    free(a);
    free(b);
    gb_topology_free(back);
    gb_topology_free(t);
}

static void test_round_trip(void)
{
    round_trip("complete", 10);
    round_trip("ring", 12);
    round_trip("ring:k=3", 40);
    round_trip("torus:dims=4x5", 20);
    round_trip("torus:dims=3x3x4", 36);
    round_trip("hypercube", 64);
    round_trip("random-regular:d=4", 200);
    round_trip("random-regular:d=7", 100);

    /* The exact text for a small case: the header, then u < v in ascending order. */
    gb_topology *t = gb_tc_make("ring", 4, 1);
    size_t len;
    char *text = dump_string(t, &len);
    CU_ASSERT_STRING_EQUAL(text, "# nodes 4\n0 1\n0 3\n1 2\n2 3\n");
    free(text);
    gb_topology_free(t);
}

static void test_dot(void)
{
    /* Path 0-1-2 with isolated node 3 and, from the file's header, no node 4..: n = 4. */
    const char *path = write_file("dot.txt", "# nodes 4\n2 1\n1 0\n");
    gb_topology *t = file_make(path, 0, 4);
    capture c;
    char err[GB_ERRLEN] = "";
    capture_open(&c);
    CU_ASSERT_EQUAL(gb_topology_dump_dot(t, c.f, 4, err), 0);
    capture_close(&c);
    CU_ASSERT_STRING_EQUAL(c.buf, "graph G {\n  0 -- 1;\n  1 -- 2;\n  3;\n}\n");
    free(c.buf);

    /* Above the limit: GB_ERANGE, one line, nothing written. */
    capture_open(&c);
    err[0] = '\0';
    CU_ASSERT_EQUAL(gb_topology_dump_dot(t, c.f, 3, err), GB_ERANGE);
    capture_close(&c);
    CU_ASSERT_EQUAL(c.len, 0);
    CU_ASSERT_STRING_EQUAL(err, "topology 'file': 4 nodes are too many for a DOT graph (limit 3)");
    free(c.buf);
    gb_topology_free(t);

    /* Implicit topologies too: K3 and the 4-cycle (whose rows are not sorted). */
    t = gb_tc_make("complete", 3, 1);
    capture_open(&c);
    CU_ASSERT_EQUAL(gb_topology_dump_dot(t, c.f, 3, err), 0);
    capture_close(&c);
    CU_ASSERT_STRING_EQUAL(c.buf, "graph G {\n  0 -- 1;\n  0 -- 2;\n  1 -- 2;\n}\n");
    free(c.buf);
    gb_topology_free(t);
    t = gb_tc_make("torus:dims=2x2", 4, 1);
    capture_open(&c);
    CU_ASSERT_EQUAL(gb_topology_dump_dot(t, c.f, 100, err), 0);
    capture_close(&c);
    CU_ASSERT_STRING_EQUAL(c.buf, "graph G {\n  0 -- 1;\n  0 -- 2;\n  1 -- 3;\n  2 -- 3;\n}\n");
    free(c.buf);
    gb_topology_free(t);

    CU_ASSERT_EQUAL(gb_topology_dump_dot(NULL, stdout, 3, err), GB_EINVAL);
    CU_ASSERT_EQUAL(gb_topology_dump_edgelist(NULL, stdout, err), GB_EINVAL);
}

/* ------------------------------------------------------------------ statistics */

static gb_graph_stats stats_of(const gb_topology *t, uint64_t exact_limit)
{
    gb_graph_stats s;
    CU_ASSERT_EQUAL(gb_topology_stats(t, exact_limit, &s), 0);
    return s;
}

/* Writes the edge list of a path through the nodes perm[0], perm[1], ... and reads it. */
static gb_topology *path_graph(uint64_t n, const gb_node_t *perm)
{
    const char *name = "path.txt";
    const char *path = tmp_path(name);
    FILE *f = fopen(path, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fprintf(f, "# nodes %llu\n", (unsigned long long)n);
    for (uint64_t i = 0; i + 1 < n; i++)
        fprintf(f, "%u %u\n", perm ? perm[i] : (unsigned)i, perm ? perm[i + 1] : (unsigned)i + 1);
    CU_ASSERT_EQUAL(fclose(f), 0);
    return file_make(path, 0, n);
}

static void test_stats_basic(void)
{
    /* Path on 50 nodes: diameter 49, exactly and by double sweep (which is exact on
     * trees), from an end (node 0) and with node 0 in the middle. */
    gb_topology *t = path_graph(50, NULL);
    gb_graph_stats s = stats_of(t, 1000);
    CU_ASSERT_EQUAL(s.nodes, 50);
    CU_ASSERT_EQUAL(s.edges, 49);
    CU_ASSERT_EQUAL(s.degree_min, 1);
    CU_ASSERT_EQUAL(s.degree_max, 2);
    CU_ASSERT_DOUBLE_EQUAL(s.degree_mean, 98.0 / 50, 1e-12);
    CU_ASSERT_EQUAL(s.components, 1);
    CU_ASSERT_EQUAL(s.largest_component, 50);
    CU_ASSERT_EQUAL(s.diameter, 49);
    CU_ASSERT_EQUAL(s.diameter_exact, 1);
    s = stats_of(t, 0);
    CU_ASSERT_EQUAL(s.diameter, 49);
    gb_topology_free(t);
    gb_node_t perm[50];
    for (gb_node_t i = 0; i < 50; i++)
        perm[i] = (i + 25) % 50; /* node 0 sits at position 25 */
    t = path_graph(50, perm);
    s = stats_of(t, 0);
    CU_ASSERT_EQUAL(s.diameter, 49);
    CU_ASSERT_EQUAL(s.diameter_exact, 0); /* a bound that happens to be exact */
    CU_ASSERT_EQUAL(stats_of(t, 50).diameter, 49);
    gb_topology_free(t);

    /* Complete graph: diameter 1 without a search, also for a huge n. */
    t = gb_tc_make("complete", 10, 1);
    s = stats_of(t, 1000);
    CU_ASSERT_EQUAL(s.edges, 45);
    CU_ASSERT_EQUAL(s.degree_min, 9);
    CU_ASSERT_EQUAL(s.components, 1);
    CU_ASSERT_EQUAL(s.largest_component, 10);
    CU_ASSERT_EQUAL(s.diameter, 1);
    CU_ASSERT_EQUAL(s.diameter_exact, 1);
    gb_topology_free(t);
    t = gb_tc_make("complete", 3000000000ULL, 1);
    s = stats_of(t, 0);
    CU_ASSERT_EQUAL(s.edges, 3000000000ULL * 2999999999ULL / 2);
    CU_ASSERT_EQUAL(s.diameter, 1);
    gb_topology_free(t);
    t = gb_tc_make("complete", 1, 1);
    s = stats_of(t, 0);
    CU_ASSERT_EQUAL(s.components, 1);
    CU_ASSERT_EQUAL(s.diameter, 0);
    gb_topology_free(t);

    /* Rings: floor(n/2), even and odd. */
    static const uint64_t ring_n[] = {3, 20, 21, 101};
    for (size_t i = 0; i < GB_ARRAY_LEN(ring_n); i++) {
        t = gb_tc_make("ring", ring_n[i], 1);
        s = stats_of(t, 1000);
        CU_ASSERT_EQUAL(s.diameter, ring_n[i] / 2);
        CU_ASSERT_EQUAL(s.diameter_exact, 1);
        CU_ASSERT_EQUAL(s.edges, ring_n[i]);
        CU_ASSERT_EQUAL(stats_of(t, 0).diameter, ring_n[i] / 2); /* vertex-transitive */
        gb_topology_free(t);
    }
    /* Hypercube: log2 n. Torus AxB: floor(A/2) + floor(B/2). */
    for (uint32_t m = 1; m <= 10; m++) {
        t = gb_tc_make("hypercube", (uint64_t)1 << m, 1);
        s = stats_of(t, 4096);
        CU_ASSERT_EQUAL(s.diameter, m);
        CU_ASSERT_EQUAL(s.diameter_exact, 1);
        CU_ASSERT_EQUAL(s.degree_mean, m);
        gb_topology_free(t);
    }
    t = gb_tc_make("torus:dims=5x8", 40, 1);
    CU_ASSERT_EQUAL(stats_of(t, 1000).diameter, 6);
    gb_topology_free(t);

    /* One node, no edges; NULL arguments. */
    const char *path = write_file("one.txt", "# nodes 1\n");
    t = file_make(path, 0, 1);
    s = stats_of(t, 0);
    CU_ASSERT_EQUAL(s.nodes, 1);
    CU_ASSERT_EQUAL(s.edges, 0);
    CU_ASSERT_EQUAL(s.degree_max, 0);
    CU_ASSERT_EQUAL(s.components, 1);
    CU_ASSERT_EQUAL(s.largest_component, 1);
    CU_ASSERT_EQUAL(s.diameter, 0);
    CU_ASSERT_EQUAL(s.diameter_exact, 1);
    CU_ASSERT_EQUAL(gb_topology_stats(t, 0, NULL), GB_EINVAL);
    gb_topology_free(t);
    CU_ASSERT_EQUAL(gb_topology_stats(NULL, 0, &s), GB_EINVAL);
    CU_ASSERT_EQUAL(gb_topology_symmetric(NULL), GB_EINVAL);
}

static void test_stats_components(void)
{
    /* Triangle 0-1-2 and path 3-4-5-6-7: two components; the diameter is the largest
     * component's (4), though the graph as a whole is disconnected. */
    const char *path = write_file("two.txt", "0 1\n1 2\n2 0\n3 4\n4 5\n5 6\n6 7\n");
    gb_topology *t = file_make(path, 0, 8);
    gb_graph_stats s = stats_of(t, 100);
    CU_ASSERT_EQUAL(s.edges, 7);
    CU_ASSERT_EQUAL(s.components, 2);
    CU_ASSERT_EQUAL(s.largest_component, 5);
    CU_ASSERT_EQUAL(s.diameter, 4);
    CU_ASSERT_EQUAL(s.diameter_exact, 1);
    s = stats_of(t, 0);
    CU_ASSERT_EQUAL(s.components, 2);
    CU_ASSERT_EQUAL(s.diameter, 4);
    gb_topology_free(t);

    /* Isolated nodes are components; a tie goes to the component of the smallest id. */
    path = write_file("three.txt", "# nodes 7\n1 2\n2 3\n4 5\n5 6\n4 6\n");
    t = file_make(path, 0, 7);
    s = stats_of(t, 100);
    CU_ASSERT_EQUAL(s.components, 3);
    CU_ASSERT_EQUAL(s.largest_component, 3);
    CU_ASSERT_EQUAL(s.diameter, 2); /* the path 1-2-3, not the triangle 4-5-6 */
    CU_ASSERT_EQUAL(s.degree_min, 0);
    gb_topology_free(t);
}

/* A random tree on n nodes (node i > 0 hangs from a node below it), as a file. */
static gb_topology *random_tree(uint64_t n, unsigned seed)
{
    const char *path = tmp_path("tree.txt");
    FILE *f = fopen(path, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    uint64_t x = seed;
    for (uint64_t i = 1; i < n; i++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL; /* Knuth's LCG */
        /* Mostly recent parents make long, branchy trees rather than stars. */
        uint64_t back = 1 + (x >> 33) % (i < 8 ? i : 8);
        fprintf(f, "%llu %llu\n", (unsigned long long)(i - back), (unsigned long long)i);
    }
    CU_ASSERT_EQUAL(fclose(f), 0);
    return file_make(path, 0, n);
}

static void test_stats_double_sweep(void)
{
    /* Trees: the double sweep is exact (Handler 1973). */
    for (unsigned seed = 1; seed <= 5; seed++) {
        gb_topology *t = random_tree(300, seed);
        gb_graph_stats ex = stats_of(t, 1000), lb = stats_of(t, 0);
        CU_ASSERT_EQUAL(ex.components, 1);
        CU_ASSERT_EQUAL(ex.diameter_exact, 1);
        CU_ASSERT(ex.diameter > 10);
        CU_ASSERT_EQUAL(lb.diameter, ex.diameter);
        gb_topology_free(t);
    }
    /* Random regular graphs: a lower bound, never above the exact value, and within one
     * of it for these sizes. */
    static const uint32_t degs[] = {3, 4, 8};
    for (size_t i = 0; i < GB_ARRAY_LEN(degs); i++) {
        char spec[64];
        snprintf(spec, sizeof spec, "random-regular:d=%u", degs[i]);
        gb_topology *t = gb_tc_make(spec, 500, 11 + i);
        gb_graph_stats ex = stats_of(t, 1000), lb = stats_of(t, 0);
        CU_ASSERT_EQUAL(ex.diameter_exact, 1);
        CU_ASSERT(lb.diameter <= ex.diameter);
        CU_ASSERT(lb.diameter + 1 >= ex.diameter);
        CU_ASSERT(lb.diameter >= 3);
        CU_ASSERT_EQUAL(lb.components, 1);
        CU_ASSERT_EQUAL(lb.largest_component, 500);
        gb_topology_free(t);
    }
}

int gb_test_register_topology_io(void)
{
    static const gb_tc_test tests[] = {
        {"read edge list", test_read_good},
        {"read errors", test_read_errors},
        {"read directed", test_read_directed},
        {"edge list round trip", test_round_trip},
        {"dot", test_dot},
        {"stats", test_stats_basic},
        {"stats components", test_stats_components},
        {"stats double sweep", test_stats_double_sweep},
        {NULL, NULL},
    };
    return gb_tc_add_suite("topology_io", suite_init, suite_cleanup, tests);
}
