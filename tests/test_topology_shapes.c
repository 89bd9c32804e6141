/* test_topology_shapes.c: unit tests for the structured and placement-shaped overlays:
 * star, path, mesh, tree, fat-tree, dragonfly and locality.
 *
 * check_graph() verifies what every instance promises, from the callbacks alone: node
 * count, ids in range, no self-loops, no repeated neighbours, symmetry, min/max degree and
 * edge count against the lists, CSR arrays (when present) against the callbacks, and the
 * connected flag against BFS. The generator tests add exact degrees and neighbour sets
 * computed here from the definition (not from the generator's own formulas), error cases,
 * and determinism. The locality tests build placements by hand and check the documented
 * pick rule statistically, with bounds many standard deviations wide. Sizes stay in the
 * thousands so that the suite runs in well under a second. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <CUnit/CUnit.h>

#include "gb_params.h"
#include "gb_topology.h"
#include "tests.h"
#include "topo_check.h"

/* These repeat declarations that belong in gb_topology.h and tests.h (harmless duplicates
 * once they are there), so that this file also builds on its own. */
extern const gb_topology_ops gb_topology_star, gb_topology_path, gb_topology_mesh,
    gb_topology_tree, gb_topology_fat_tree, gb_topology_dragonfly, gb_topology_locality;
int gb_test_register_topology_shapes(void);

/* The shared invariant checks (topo_check.c); none of these overlays is complete. */
static void check_graph(const gb_topology *t, uint64_t n, long expect_deg, int expect_connected)
{
    gb_tc_check_graph(t, n, expect_deg, expect_connected, 0);
}

/* Whether two instances have the same neighbour lists, in the same order. */
static int same_lists(const gb_topology *a, const gb_topology *b)
{
    if (a->n != b->n || a->edges != b->edges)
        return 0;
    for (gb_node_t u = 0; u < a->n; u++) {
        uint32_t deg = gb_topology_degree(a, u);
        if (deg != gb_topology_degree(b, u))
            return 0;
        for (uint32_t k = 0; k < deg; k++)
            if (gb_topology_neighbor(a, u, k) != gb_topology_neighbor(b, u, k))
                return 0;
    }
    return 1;
}

/* Builds spec twice with different seeds: the structured overlays ignore the seed. */
static void check_deterministic(const char *spec, uint64_t n)
{
    gb_topology *a = gb_tc_make(spec, n, 1);
    gb_topology *b = gb_tc_make(spec, n, 987654321);
    CU_ASSERT(same_lists(a, b));
    CU_ASSERT_PTR_NULL(a->off); /* implicit: no adjacency stored */
    CU_ASSERT(a->bytes < 1024);
    gb_topology_free(a);
    gb_topology_free(b);
}

/* ------------------------------------------------------------------ registry */

static void test_registered(void)
{
    static const struct {
        const char *name;
        const gb_topology_ops *ops;
    } want[] = {
        {"star", &gb_topology_star},           {"path", &gb_topology_path},
        {"mesh", &gb_topology_mesh},           {"tree", &gb_topology_tree},
        {"fat-tree", &gb_topology_fat_tree},   {"dragonfly", &gb_topology_dragonfly},
        {"locality", &gb_topology_locality},
    };
    char err[GB_ERRLEN] = "";
    CU_ASSERT_EQUAL(gb_topology_registry_check(err), 0);
    for (size_t i = 0; i < GB_ARRAY_LEN(want); i++) {
        CU_ASSERT_PTR_EQUAL(gb_topology_find(want[i].name), want[i].ops);
        CU_ASSERT_STRING_EQUAL(want[i].ops->name, want[i].name);
        CU_ASSERT_PTR_NOT_NULL(want[i].ops->help);
        CU_ASSERT_PTR_NOT_NULL(want[i].ops->params);
        CU_ASSERT_PTR_NOT_NULL(want[i].ops->create);
        CU_ASSERT_PTR_NULL(strchr(want[i].ops->help, '\n'));
        for (const gb_param_desc *d = want[i].ops->params; d->name != NULL; d++)
            CU_ASSERT_PTR_NOT_NULL(d->help);
    }
    /* Node ids are 32 bits: every generator refuses more nodes before allocating. */
    uint64_t big = (uint64_t)GB_NODE_MAX + 1;
    gb_tc_expect_error("star", big, GB_ERANGE, "topology 'star'");
    gb_tc_expect_error("path", big, GB_ERANGE, "topology 'path'");
    gb_tc_expect_error("mesh:dims=65536x65536", big, GB_ERANGE, "topology 'mesh'");
    gb_tc_expect_error("mesh", big, GB_ERANGE, "topology 'mesh'");
    gb_tc_expect_error("tree", big, GB_ERANGE, "topology 'tree'");
    gb_tc_expect_error("fat-tree", big, GB_ERANGE, "topology 'fat-tree'");
    gb_tc_expect_error("dragonfly", big, GB_ERANGE, "topology 'dragonfly'");
    gb_tc_expect_error("locality", big, GB_ERANGE, "topology 'locality'");
}

/* ------------------------------------------------------------------ star, path */

static void check_star(uint64_t n, gb_node_t c, const char *spec)
{
    gb_topology *t = gb_tc_make(spec, n, 1);
    check_graph(t, n, -1, 1);
    CU_ASSERT_EQUAL(t->edges, n - 1);
    CU_ASSERT_EQUAL(t->max_degree, n - 1);
    CU_ASSERT_EQUAL(t->min_degree, 1);
    uint64_t wrong = 0;
    for (uint64_t u = 0; u < n; u++) {
        if (u == c) {
            wrong += gb_topology_degree(t, (gb_node_t)u) != n - 1;
        } else {
            wrong += gb_topology_degree(t, (gb_node_t)u) != 1;
            wrong += gb_topology_neighbor(t, (gb_node_t)u, 0) != c;
        }
    }
    CU_ASSERT_EQUAL(wrong, 0);
    gb_topology_free(t);
}

static void test_star(void)
{
    check_star(2, 0, "star");
    check_star(3, 0, "star");
    check_star(10, 7, "star:center=7");
    check_star(10, 9, "star:center=9");
    check_star(1000, 0, "star");
    check_star(1000, 500, "star:center=500");
    gb_topology *t = gb_tc_make("star:center=2", 5, 1);
    gb_node_t c[] = {0, 1, 3, 4}, leaf[] = {2};
    CU_ASSERT(gb_tc_neighbours_are(t, 2, c, 4));
    CU_ASSERT(gb_tc_neighbours_are(t, 4, leaf, 1));
    gb_topology_free(t);
    check_deterministic("star:center=3", 50);

    gb_tc_expect_error("star:center=10", 10, GB_EINVAL, "center=10");
    gb_tc_expect_error("star:center=5", 5, GB_EINVAL, "topology 'star'");
    gb_tc_expect_error("star:center=-1", 5, GB_ERANGE, NULL);
    gb_tc_expect_error("star", 1, GB_EINVAL, "topology 'star'");
    gb_tc_expect_error("star", 0, GB_EINVAL, NULL);
}

static void test_path(void)
{
    static const uint64_t sizes[] = {2, 3, 4, 100, 3001};
    for (size_t i = 0; i < GB_ARRAY_LEN(sizes); i++) {
        uint64_t n = sizes[i];
        gb_topology *t = gb_tc_make("path", n, 1);
        check_graph(t, n, -1, 1);
        CU_ASSERT_EQUAL(t->edges, n - 1);
        CU_ASSERT_EQUAL(t->min_degree, 1);
        CU_ASSERT_EQUAL(t->max_degree, n > 2 ? 2 : 1);
        uint64_t wrong = 0;
        for (uint64_t u = 0; u < n; u++) {
            uint32_t want = (u == 0 || u == n - 1) ? 1 : 2;
            wrong += gb_topology_degree(t, (gb_node_t)u) != want;
        }
        CU_ASSERT_EQUAL(wrong, 0);
        gb_node_t a0[] = {1}, alast[] = {(gb_node_t)(n - 2)};
        CU_ASSERT(gb_tc_neighbours_are(t, 0, a0, 1));
        CU_ASSERT(gb_tc_neighbours_are(t, (gb_node_t)(n - 1), alast, 1));
        if (n > 2) {
            gb_node_t a1[] = {0, 2};
            CU_ASSERT(gb_tc_neighbours_are(t, 1, a1, 2));
        }
        gb_topology_free(t);
    }
    check_deterministic("path", 77);
    gb_tc_expect_error("path", 1, GB_EINVAL, "topology 'path'");
    gb_tc_expect_error("path", 0, GB_EINVAL, NULL);
    gb_tc_expect_error("path:k=1", 5, GB_ENOENT, NULL);
}

/* ------------------------------------------------------------------ mesh */

/* Checks a mesh with the given sides against the definition: degree of every node from its
 * coordinates, and the exact neighbour set of every node (row-major ids). */
static void check_mesh(const char *spec, const uint64_t *side, int ndim)
{
    uint64_t n = 1, stride[3];
    for (int i = ndim - 1; i >= 0; i--) {
        stride[i] = n;
        n *= side[i];
    }
    gb_topology *t = gb_tc_make(spec, n, 1);
    check_graph(t, n, -1, 1);
    uint64_t wrong = 0, edges = 0, corners = 0;
    uint32_t want_min = 0, want_max = 0;
    for (int i = 0; i < ndim; i++) {
        edges += (side[i] - 1) * (n / side[i]);
        want_min += side[i] >= 2;
        want_max += side[i] >= 3 ? 2 : side[i] == 2;
    }
    for (uint64_t u = 0; u < n; u++) {
        gb_node_t want[6];
        size_t len = 0;
        int corner = 1;
        for (int i = 0; i < ndim; i++) {
            uint64_t c = (u / stride[i]) % side[i];
            if (c > 0)
                want[len++] = (gb_node_t)(u - stride[i]);
            if (c + 1 < side[i])
                want[len++] = (gb_node_t)(u + stride[i]);
            corner &= c == 0 || c + 1 == side[i];
        }
        corners += corner && gb_topology_degree(t, (gb_node_t)u) == want_min;
        wrong += !gb_tc_neighbours_are(t, (gb_node_t)u, want, len);
    }
    CU_ASSERT_EQUAL(wrong, 0);
    CU_ASSERT_EQUAL(t->edges, edges);
    CU_ASSERT_EQUAL(t->min_degree, want_min);
    CU_ASSERT_EQUAL(t->max_degree, want_max);
    CU_ASSERT(corners >= 2); /* the first and last nodes at least */
    gb_topology_free(t);
}

static void test_mesh_dims(void)
{
    /* 3x4: corners 2, border 3, interior 4; node 5 = (1,1). */
    gb_topology *t = gb_tc_make("mesh:dims=3x4", 12, 1);
    check_graph(t, 12, -1, 1);
    CU_ASSERT_EQUAL(t->edges, 17);
    CU_ASSERT_EQUAL(t->min_degree, 2);
    CU_ASSERT_EQUAL(t->max_degree, 4);
    gb_node_t a0[] = {1, 4}, a1[] = {0, 2, 5}, a5[] = {1, 9, 4, 6}, a11[] = {7, 10};
    CU_ASSERT(gb_tc_neighbours_are(t, 0, a0, 2));
    CU_ASSERT(gb_tc_neighbours_are(t, 1, a1, 3));
    CU_ASSERT(gb_tc_neighbours_are(t, 5, a5, 4));
    CU_ASSERT(gb_tc_neighbours_are(t, 11, a11, 2));
    gb_topology_free(t);

    uint64_t s1[] = {3, 4}, s2[] = {3, 4, 5}, s3[] = {7}, s4[] = {1, 8}, s5[] = {1, 1, 9},
             s6[] = {2, 2}, s7[] = {2, 2, 2}, s8[] = {10, 12, 14}, s9[] = {4, 1, 6},
             s10[] = {2};
    check_mesh("mesh:dims=3x4", s1, 2);
    check_mesh("mesh:dims=3x4x5", s2, 3); /* corners 3, interior 6 */
    check_mesh("mesh:dims=7", s3, 1);     /* one dimension: a path */
    check_mesh("mesh:dims=1x8", s4, 2);   /* sides of 1 are allowed: a path */
    check_mesh("mesh:dims=1x1x9", s5, 3);
    check_mesh("mesh:dims=2x2", s6, 2); /* the 4-cycle */
    check_mesh("mesh:dims=2x2x2", s7, 3); /* the 3-cube */
    check_mesh("mesh:dims=10x12x14", s8, 3);
    check_mesh("mesh:dims=4x1x6,d=3", s9, 3); /* d may repeat what dims says */
    check_mesh("mesh:dims=2", s10, 1);

    /* 3x4x5: 8 corners of degree 3, 6 interior nodes of degree 6. */
    t = gb_tc_make("mesh:dims=3x4x5", 60, 1);
    uint64_t deg3 = 0, deg6 = 0;
    for (gb_node_t u = 0; u < 60; u++) {
        deg3 += gb_topology_degree(t, u) == 3;
        deg6 += gb_topology_degree(t, u) == 6;
    }
    CU_ASSERT_EQUAL(deg3, 8);
    CU_ASSERT_EQUAL(deg6, 1 * 2 * 3);
    gb_topology_free(t);
    check_deterministic("mesh:dims=5x6", 30);

    gb_tc_expect_error("mesh:dims=3x5", 12, GB_EINVAL, "does not multiply to n=12");
    gb_tc_expect_error("mesh:dims=4x4", 15, GB_EINVAL, "topology 'mesh'");
    gb_tc_expect_error("mesh:dims=0x4", 4, GB_EINVAL, NULL);
    gb_tc_expect_error("mesh:dims=4x", 4, GB_EINVAL, NULL);
    gb_tc_expect_error("mesh:dims=x4", 4, GB_EINVAL, NULL);
    gb_tc_expect_error("mesh:dims=4xx4", 16, GB_EINVAL, NULL);
    gb_tc_expect_error("mesh:dims=-4x-4", 16, GB_EINVAL, NULL);
    gb_tc_expect_error("mesh:dims=2x2x2x2", 16, GB_EINVAL, "more than 3");
    gb_tc_expect_error("mesh:dims=4x4,d=3", 16, GB_EINVAL, "disagrees");
    gb_tc_expect_error("mesh:dims=99999999999x2", 16, GB_EINVAL, NULL);
    gb_tc_expect_error("mesh:dims=1", 1, GB_EINVAL, "at least 2");
    gb_tc_expect_error("mesh:d=4", 16, GB_ERANGE, NULL);
}

static void test_mesh_auto(void)
{
    uint64_t a[] = {3, 4}, b[] = {4, 4, 4}, c[] = {32, 32}, d[] = {2, 7}, e[] = {3, 4, 6};
    check_mesh("mesh", a, 2);         /* 12 = 3x4, not 2x6: the torus's rule */
    check_mesh("mesh:d=3", b, 3);     /* 64 = 4x4x4 */
    check_mesh("mesh", c, 2);         /* 1024 = 32x32 */
    check_mesh("mesh:d=2", d, 2);     /* 14 = 2x7 */
    check_mesh("mesh:d=3", e, 3);     /* 72 = 3x4x6 */
    gb_tc_expect_error("mesh", 13, GB_EINVAL, "n=13");
    gb_tc_expect_error("mesh", 2, GB_EINVAL, NULL); /* no 2 sides >= 2: give dims=2 or use path */
    gb_tc_expect_error("mesh:d=3", 26, GB_EINVAL, NULL);
    gb_tc_expect_error("mesh", 1, GB_EINVAL, NULL);
    gb_tc_expect_error("mesh", 0, GB_EINVAL, NULL);
}

/* ------------------------------------------------------------------ tree */

/* Checks the k-ary tree on n nodes against the definition: N(u) = parent + children. */
static void check_tree(uint64_t n, uint64_t k)
{
    char spec[64];
    snprintf(spec, sizeof spec, "tree:k=%llu", (unsigned long long)k);
    gb_topology *t = gb_tc_make(spec, n, 1);
    check_graph(t, n, -1, 1);
    CU_ASSERT_EQUAL(t->edges, n - 1);
    CU_ASSERT_EQUAL(t->min_degree, 1);
    uint64_t wrong = 0, leaves = 0;
    for (uint64_t u = 0; u < n; u++) {
        gb_node_t want[64];
        size_t len = 0;
        if (u > 0)
            want[len++] = (gb_node_t)((u - 1) / k);
        for (uint64_t c = k * u + 1; c <= k * u + k && c < n && len < 64; c++)
            want[len++] = (gb_node_t)c;
        wrong += !gb_tc_neighbours_are(t, (gb_node_t)u, want, len);
        leaves += len == 1 && u > 0;
    }
    CU_ASSERT_EQUAL(wrong, 0);
    /* A node is a leaf exactly when its first child k*u+1 is not below n. */
    uint64_t want_leaves = 0;
    for (uint64_t u = 1; u < n; u++)
        want_leaves += k * u + 1 >= n;
    CU_ASSERT_EQUAL(leaves, want_leaves);
    if (n >= 2 * k + 1)
        CU_ASSERT_EQUAL(t->max_degree, k + 1);
    gb_topology_free(t);
}

static void test_tree(void)
{
    /* Perfect binary tree of 15: root 2, internal 3, leaves 8..14 degree 1. */
    gb_topology *t = gb_tc_make("tree", 15, 1);
    check_graph(t, 15, -1, 1);
    CU_ASSERT_EQUAL(gb_topology_degree(t, 0), 2);
    for (gb_node_t u = 1; u < 7; u++)
        CU_ASSERT_EQUAL(gb_topology_degree(t, u), 3);
    for (gb_node_t u = 7; u < 15; u++)
        CU_ASSERT_EQUAL(gb_topology_degree(t, u), 1);
    gb_node_t a3[] = {1, 7, 8};
    CU_ASSERT(gb_tc_neighbours_are(t, 3, a3, 3));
    CU_ASSERT_EQUAL(gb_topology_neighbor(t, 3, 0), 1); /* parent first */
    CU_ASSERT_EQUAL(t->max_degree, 3);
    gb_topology_free(t);

    /* Ternary tree of 10: root 0 -> 1,2,3; 1 -> 4,5,6; 2 -> 7,8,9; 3 is a leaf. */
    t = gb_tc_make("tree:k=3", 10, 1);
    check_graph(t, 10, -1, 1);
    gb_node_t b0[] = {1, 2, 3}, b2[] = {0, 7, 8, 9}, b3[] = {0};
    CU_ASSERT(gb_tc_neighbours_are(t, 0, b0, 3));
    CU_ASSERT(gb_tc_neighbours_are(t, 2, b2, 4));
    CU_ASSERT(gb_tc_neighbours_are(t, 3, b3, 1));
    CU_ASSERT_EQUAL(t->max_degree, 4);
    gb_topology_free(t);

    check_tree(2, 2);
    check_tree(3, 2);
    check_tree(16, 2); /* last level partly filled: node 7 has one child */
    check_tree(1000, 2);
    check_tree(1000, 3);
    check_tree(500, 7);
    check_tree(40, 1); /* k=1: the path */
    check_tree(6, 5);  /* k = n-1: the star at 0 */
    check_tree(6, 40); /* k > n-1: still the star */

    t = gb_tc_make("tree:k=1", 20, 1);
    gb_topology *p = gb_tc_make("path", 20, 1);
    CU_ASSERT(same_lists(t, p)); /* same lists in the same order, even */
    gb_topology_free(t);
    gb_topology_free(p);
    check_deterministic("tree:k=4", 300);

    gb_tc_expect_error("tree:k=0", 10, GB_ERANGE, NULL);
    gb_tc_expect_error("tree:k=x", 10, GB_EINVAL, NULL);
    gb_tc_expect_error("tree", 1, GB_EINVAL, "topology 'tree'");
    gb_tc_expect_error("tree", 0, GB_EINVAL, NULL);
}

/* ------------------------------------------------------------------ fat tree */

/* Host (p, e, h) of a fat tree with m = k/2 has id (p*m + e)*m + h; the overlay links
 * hosts that differ in exactly one of h (same edge switch), e (same pod, same h) or p
 * (same e and h in another pod). */
static void check_fat_tree(uint64_t k, const char *spec)
{
    uint64_t m = k / 2, n = k * k * k / 4;
    gb_topology *t = gb_tc_make(spec, n, 1);
    long deg = (long)((m - 1) + (m - 1) + (k - 1));
    check_graph(t, n, deg, 1);
    CU_ASSERT_EQUAL(t->edges, n * (uint64_t)deg / 2);
    uint64_t wrong = 0;
    for (uint64_t u = 0; u < n; u++) {
        uint64_t h = u % m, e = (u / m) % m, p = u / (m * m);
        uint32_t dg = gb_topology_degree(t, (gb_node_t)u);
        for (uint32_t j = 0; j < dg; j++) {
            uint64_t v = gb_topology_neighbor(t, (gb_node_t)u, j);
            uint64_t vh = v % m, ve = (v / m) % m, vp = v / (m * m);
            int differ = (vh != h) + (ve != e) + (vp != p);
            wrong += differ != 1;
        }
    }
    CU_ASSERT_EQUAL(wrong, 0);
    gb_topology_free(t);
}

static void test_fat_tree(void)
{
    check_fat_tree(2, "fat-tree");     /* 2 hosts, one link */
    check_fat_tree(4, "fat-tree");     /* 16 hosts, degree 1 + 1 + 3 = 5 */
    check_fat_tree(4, "fat-tree:k=4");
    check_fat_tree(6, "fat-tree");     /* 54 hosts, degree 2 + 2 + 5 = 9 */
    check_fat_tree(8, "fat-tree:k=8"); /* 128 hosts, degree 3 + 3 + 7 = 13 */
    check_fat_tree(16, "fat-tree");    /* 1024 hosts, degree 7 + 7 + 15 = 29 */

    /* k=4, m=2: host (p, e, h) = 4p + 2e + h. Host 0 = (0,0,0): same edge 1, same pod 2,
     * other pods 4, 8, 12. Host 3 = (0,1,1): same edge 2, same pod 1, other pods 7, 11,
     * 15. Host 9 = (2,0,1): same edge 8, same pod 11, other pods 1, 5, 13. */
    gb_topology *t = gb_tc_make("fat-tree:k=4", 16, 1);
    gb_node_t h0[] = {1, 2, 4, 8, 12}, h3[] = {2, 1, 7, 11, 15}, h9[] = {8, 11, 1, 5, 13};
    CU_ASSERT(gb_tc_neighbours_are(t, 0, h0, 5));
    CU_ASSERT(gb_tc_neighbours_are(t, 3, h3, 5));
    CU_ASSERT(gb_tc_neighbours_are(t, 9, h9, 5));
    gb_topology_free(t);
    check_deterministic("fat-tree", 128);

    gb_tc_expect_error("fat-tree", 100, GB_EINVAL, "n=100 is not k^3/4 for an even k");
    gb_tc_expect_error("fat-tree", 27, GB_EINVAL, "topology 'fat-tree'"); /* 3^3, odd k */
    gb_tc_expect_error("fat-tree", 31, GB_EINVAL, NULL); /* floor(5^3/4): odd k never fits */
    gb_tc_expect_error("fat-tree", 17, GB_EINVAL, NULL);
    gb_tc_expect_error("fat-tree", 1, GB_EINVAL, NULL);
    gb_tc_expect_error("fat-tree", 0, GB_EINVAL, NULL);
    gb_tc_expect_error("fat-tree:k=3", 27, GB_EINVAL, "even");
    gb_tc_expect_error("fat-tree:k=5", 31, GB_EINVAL, "even");
    gb_tc_expect_error("fat-tree:k=4", 54, GB_EINVAL, "k^3/4 = 16");
    gb_tc_expect_error("fat-tree:k=8", 16, GB_EINVAL, "topology 'fat-tree'");
    gb_tc_expect_error("fat-tree:k=1", 2, GB_ERANGE, NULL);
    gb_tc_expect_error("fat-tree:k=0", 2, GB_ERANGE, NULL);
}

/* ------------------------------------------------------------------ dragonfly */

/* Checks a dragonfly against a pairwise construction of the consecutive arrangement: for
 * groups G1 < G2 the one global link joins router (G2-1)/h of G1 with router G1/h of G2.
 * Expected host neighbour sets are built from that list, independently of the generator's
 * per-port formula, and compared node by node; every pair of groups must be joined by
 * exactly p host links. */
static void check_dragonfly(const char *spec, uint64_t g, uint64_t a, uint64_t p, uint64_t h)
{
    uint64_t n = g * a * p, routers = g * a;
    gb_topology *t = gb_tc_make(spec, n, 1);
    check_graph(t, n, -1, 1);

    /* Router-level global links as a small list per router. */
    uint64_t *glob = calloc((size_t)(routers * h), sizeof *glob);
    uint32_t *gcount = calloc((size_t)routers, sizeof *gcount);
    CU_ASSERT_PTR_NOT_NULL_FATAL(glob);
    CU_ASSERT_PTR_NOT_NULL_FATAL(gcount);
    uint64_t overfull = 0;
    for (uint64_t g1 = 0; g1 < g; g1++) {
        for (uint64_t g2 = g1 + 1; g2 < g; g2++) {
            uint64_t r1 = g1 * a + (g2 - 1) / h, r2 = g2 * a + g1 / h;
            if (gcount[r1] >= h || gcount[r2] >= h) {
                overfull++;
                continue;
            }
            glob[r1 * h + gcount[r1]++] = r2;
            glob[r2 * h + gcount[r2]++] = r1;
        }
    }
    CU_ASSERT_EQUAL(overfull, 0);

    uint64_t wrong = 0, want_edges = 0;
    uint32_t want_min = UINT32_MAX, want_max = 0;
    gb_node_t *want = malloc((size_t)(p + a + h) * sizeof *want);
    CU_ASSERT_PTR_NOT_NULL_FATAL(want);
    for (uint64_t u = 0; u < n; u++) {
        uint64_t x = u % p, r = u / p; /* r: global router id G*a + local index */
        uint64_t grp = r / a;
        size_t len = 0;
        for (uint64_t y = 0; y < p; y++)
            if (y != x)
                want[len++] = (gb_node_t)(r * p + y);
        for (uint64_t q = grp * a; q < grp * a + a; q++)
            if (q != r)
                want[len++] = (gb_node_t)(q * p + x);
        for (uint32_t i = 0; i < gcount[r]; i++)
            want[len++] = (gb_node_t)(glob[r * h + i] * p + x);
        want_edges += len;
        if (len < want_min)
            want_min = (uint32_t)len;
        if (len > want_max)
            want_max = (uint32_t)len;
        wrong += len > 64 || !gb_tc_neighbours_are(t, (gb_node_t)u, want, len);
    }
    CU_ASSERT_EQUAL(wrong, 0);
    CU_ASSERT_EQUAL(t->edges, want_edges / 2);
    CU_ASSERT_EQUAL(t->min_degree, want_min);
    CU_ASSERT_EQUAL(t->max_degree, want_max);

    /* Host links between each pair of groups: exactly p (one router link, p host pairs). */
    uint64_t *between = calloc((size_t)(g * g), sizeof *between);
    CU_ASSERT_PTR_NOT_NULL_FATAL(between);
    for (uint64_t u = 0; u < n; u++) {
        uint32_t dg = gb_topology_degree(t, (gb_node_t)u);
        for (uint32_t j = 0; j < dg; j++) {
            uint64_t v = gb_topology_neighbor(t, (gb_node_t)u, j);
            uint64_t gu = u / (a * p), gv = v / (a * p);
            if (gu != gv)
                between[gu * g + gv]++;
        }
    }
    uint64_t bad_pairs = 0;
    for (uint64_t g1 = 0; g1 < g; g1++)
        for (uint64_t g2 = 0; g2 < g; g2++)
            bad_pairs += g1 != g2 && between[g1 * g + g2] != p;
    CU_ASSERT_EQUAL(bad_pairs, 0);
    free(between);
    free(want);
    free(glob);
    free(gcount);
    gb_topology_free(t);
}

static void test_dragonfly(void)
{
    /* Defaults a=4, p=2, h=2: the balanced size g = a*h+1 = 9 (72 hosts) is regular with
     * degree (p-1) + (a-1) + h = 6. */
    gb_topology *t = gb_tc_make("dragonfly", 72, 1);
    check_graph(t, 72, 6, 1);
    /* Host 0 = group 0, router 0, host 0: router mate 1; group mates 2, 4, 6; router 0
     * owns ports 0 and 1, leading to groups 1 and 2, where the link to group 0 is port 0,
     * on router 0: hosts 8*1 = 8 and 8*2 = 16. */
    gb_node_t h0[] = {1, 2, 4, 6, 8, 16};
    CU_ASSERT(gb_tc_neighbours_are(t, 0, h0, 6));
    gb_topology_free(t);

    check_dragonfly("dragonfly", 9, 4, 2, 2);
    check_dragonfly("dragonfly", 5, 4, 2, 2);  /* g < a*h+1: routers 2, 3 have no global */
    check_dragonfly("dragonfly:g=3", 3, 4, 2, 2);
    check_dragonfly("dragonfly", 1, 4, 2, 2);  /* one group: no global links */
    check_dragonfly("dragonfly:a=3,p=3,h=1", 4, 3, 3, 1); /* balanced, h = 1 */
    check_dragonfly("dragonfly:a=2,p=1,h=3", 7, 2, 1, 3);
    check_dragonfly("dragonfly:a=1,p=1,h=3", 4, 1, 1, 3); /* K4 */
    check_dragonfly("dragonfly:a=6,p=3,h=3", 19, 6, 3, 3); /* 342 hosts */
    check_dragonfly("dragonfly:a=8,p=4,h=4", 33, 8, 4, 4); /* 1056 hosts */

    /* g=5 with defaults: ports 0..3 are used, so routers 0, 1 have 2 global links and
     * routers 2, 3 none: degrees 6 and 4. */
    t = gb_tc_make("dragonfly", 40, 1);
    CU_ASSERT_EQUAL(t->max_degree, 6);
    CU_ASSERT_EQUAL(t->min_degree, 4);
    gb_topology_free(t);
    check_deterministic("dragonfly:a=3,p=2,h=2", 42);

    gb_tc_expect_error("dragonfly", 80, GB_EINVAL, "a*h+1 = 9"); /* g = 10 */
    gb_tc_expect_error("dragonfly:a=2,h=1", 16, GB_EINVAL, "g <= a*h+1");
    gb_tc_expect_error("dragonfly", 81, GB_EINVAL, "not a multiple of a*p=8");
    gb_tc_expect_error("dragonfly", 4, GB_EINVAL, NULL);
    gb_tc_expect_error("dragonfly:g=5", 48, GB_EINVAL, "g*a*p");
    gb_tc_expect_error("dragonfly:g=3,a=2,p=2", 8, GB_EINVAL, NULL);
    gb_tc_expect_error("dragonfly:a=1,p=1", 1, GB_EINVAL, NULL);
    gb_tc_expect_error("dragonfly", 0, GB_EINVAL, NULL);
    gb_tc_expect_error("dragonfly:a=0", 8, GB_ERANGE, NULL);
    gb_tc_expect_error("dragonfly:h=0", 8, GB_ERANGE, NULL);
}

/* ------------------------------------------------------------------ locality */

/* Nodes sit on ranks in contiguous blocks (rank r holds [r*base + min(r, rem), ...)). */
static uint64_t rank_of_node(uint64_t v, uint64_t n, uint64_t ranks)
{
    uint64_t base = n / ranks, rem = n % ranks;
    if (v < rem * (base + 1))
        return v / (base + 1);
    return rem + (v - rem * (base + 1)) / base;
}

/* Counts the edges of t by class: [0] same rank, [1] same NUMA node (another rank),
 * [2] same host otherwise, [3] another host. */
static void edge_classes(const gb_topology *t, const gb_topology_ctx *ctx, uint64_t cnt[4])
{
    memset(cnt, 0, 4 * sizeof *cnt);
    for (uint64_t u = 0; u < t->n; u++) {
        uint64_t ru = rank_of_node(u, t->n, (uint64_t)ctx->ranks);
        uint32_t dg = gb_topology_degree(t, (gb_node_t)u);
        for (uint32_t j = 0; j < dg; j++) {
            uint64_t v = gb_topology_neighbor(t, (gb_node_t)u, j);
            if (v < u)
                continue; /* each undirected edge once */
            uint64_t rv = rank_of_node(v, t->n, (uint64_t)ctx->ranks);
            int c;
            if (ru == rv)
                c = 0;
            else if (ctx->host[ru] != ctx->host[rv])
                c = 3;
            else if (ctx->numa != NULL && ctx->numa[ru] >= 0 && ctx->numa[ru] == ctx->numa[rv])
                c = 1;
            else
                c = 2;
            cnt[c]++;
        }
    }
}

/* 8 ranks on 2 hosts with 2 NUMA nodes each, 2 ranks per NUMA node. */
static const int host8[] = {0, 0, 0, 0, 1, 1, 1, 1};
static const int numa8[] = {0, 0, 1, 1, 0, 0, 1, 1};
static const int core8[] = {0, 1, 8, 9, 0, 1, 8, 9};

static double within_host(const char *spec, uint64_t n, const gb_topology_ctx *ctx)
{
    gb_topology *t = gb_tc_make_ctx(spec, n, 7, ctx);
    uint64_t c[4];
    edge_classes(t, ctx, c);
    gb_topology_free(t);
    return (double)(c[0] + c[1] + c[2]) / (double)(c[0] + c[1] + c[2] + c[3]);
}

static void test_locality_basic(void)
{
    /* No context: one rank, so every pick is uniform over the other nodes. */
    gb_topology *t = gb_tc_make("locality", 500, 3);
    check_graph(t, 500, -1, 1);
    CU_ASSERT(t->min_degree >= 8); /* default d = 8 distinct picks per node */
    CU_ASSERT_PTR_NOT_NULL(t->off);
    CU_ASSERT_PTR_NOT_NULL(t->adj);
    /* Every node made exactly d picks, so there are at most n*d and (duplicates only come
     * from mutual picks, about d^2/2 of them) nearly n*d edges. */
    CU_ASSERT(t->edges <= 500 * 8);
    CU_ASSERT(t->edges >= 500 * 8 - 100);
    uint64_t unsorted = 0;
    for (uint64_t u = 0; u < t->n; u++)
        for (uint64_t i = t->off[u] + 1; i < t->off[u + 1]; i++)
            unsorted += t->adj[i - 1] >= t->adj[i];
    CU_ASSERT_EQUAL(unsorted, 0);
    gb_topology_free(t);

    t = gb_tc_make("locality:d=1,near=0", 2, 1); /* the smallest case: one edge */
    check_graph(t, 2, 1, 1);
    gb_topology_free(t);
    t = gb_tc_make("locality:d=9", 10, 1); /* d = n-1: every node picks all others: K10 */
    check_graph(t, 10, 9, 1);
    gb_topology_free(t);
    t = gb_tc_make("locality:d=3,near=1", 1000, 5);
    check_graph(t, 1000, -1, -1);
    CU_ASSERT(t->min_degree >= 3);
    gb_topology_free(t);

    /* A context without hosts: every rank is its own host, so with near=1 every pick
     * stays on its rank and the overlay falls apart into one island per rank. */
    gb_topology_ctx solo = {.ranks = 4, .host = NULL, .numa = NULL, .core = NULL};
    t = gb_tc_make_ctx("locality:d=3,near=1", 100, 1, &solo);
    check_graph(t, 100, -1, 0);
    CU_ASSERT_EQUAL(t->connected, 0);
    CU_ASSERT_EQUAL(gb_topology_reachable(t, 0), 25);
    uint64_t cross = 0;
    for (uint64_t u = 0; u < 100; u++)
        for (uint32_t j = 0; j < gb_topology_degree(t, (gb_node_t)u); j++)
            cross += gb_topology_neighbor(t, (gb_node_t)u, j) / 25 != u / 25;
    CU_ASSERT_EQUAL(cross, 0);
    gb_topology_free(t);

    /* One node per rank, 4 hosts of 4 ranks, near=1 and d=5: each node's 3 host mates
     * are its first 3 picks (local classes are used up before any uniform pick), the
     * other 2 picks are uniform. So every node is linked to all its host mates. */
    int host16[16], numa16[16];
    for (int r = 0; r < 16; r++) {
        host16[r] = r / 4;
        numa16[r] = (r / 2) % 2;
    }
    gb_topology_ctx one = {.ranks = 16, .host = host16, .numa = numa16, .core = NULL};
    t = gb_tc_make_ctx("locality:d=5,near=1", 16, 2, &one);
    check_graph(t, 16, -1, -1);
    CU_ASSERT(t->min_degree >= 5);
    uint64_t missing = 0;
    for (uint64_t u = 0; u < 16; u++) {
        int seen = 0;
        for (uint32_t j = 0; j < gb_topology_degree(t, (gb_node_t)u); j++) {
            uint64_t v = gb_topology_neighbor(t, (gb_node_t)u, j);
            seen += v / 4 == u / 4;
        }
        missing += seen != 3;
    }
    CU_ASSERT_EQUAL(missing, 0);
    gb_topology_free(t);

    /* More ranks than nodes: ranks 3..7 hold nothing. */
    t = gb_tc_make_ctx("locality:d=2,near=0.5", 3, 4,
                 &(gb_topology_ctx){.ranks = 8, .host = host8, .numa = numa8, .core = core8});
    check_graph(t, 3, 2, 1); /* K3 */
    gb_topology_free(t);
}

static void test_locality_near(void)
{
    gb_topology_ctx ctx = {.ranks = 8, .host = host8, .numa = numa8, .core = core8};
    const uint64_t n = 4000;
    /* Expected within-host share of picks: near + (1 - near) * (h - 1)/(n - 1), where
     * h = 2000 nodes per host (local picks never leave the host; a uniform pick stays
     * with probability 1999/3999, about 1/hosts = 1/2). near = 0: about 0.50; near = 0.9:
     * about 0.95. With 32000 picks the standard deviation is below 0.003, so the bounds
     * below are more than 10 deviations wide, yet a generator that ignored placement (0.5
     * both times) or ignored near fails them. Mutual picks merge into one edge, which
     * shifts shares by well under 1%. */
    double f0 = within_host("locality:d=8,near=0", n, &ctx);
    double f9 = within_host("locality:d=8,near=0.9", n, &ctx);
    double f75 = within_host("locality:d=8", n, &ctx); /* default near = 0.75: ~0.875 */
    CU_ASSERT(f0 > 0.45 && f0 < 0.55);
    CU_ASSERT(f9 > 0.92);
    CU_ASSERT(f75 > 0.84 && f75 < 0.91);
    CU_ASSERT(f9 > f0 + 0.35);
    if (!(f0 > 0.45 && f0 < 0.55 && f9 > 0.92 && f75 > 0.84 && f75 < 0.91))
        fprintf(stderr, "\n  within-host shares: near=0 %.3f, 0.75 %.3f, 0.9 %.3f\n", f0, f75,
                f9);

    /* near = 1: every pick is local and no class runs out (499, 500 and 1000 candidates
     * for 8 picks), so the classes get 4/7, 2/7, 1/7 of the picks and no edge leaves its
     * host. */
    gb_topology *t = gb_tc_make_ctx("locality:d=8,near=1", n, 11, &ctx);
    check_graph(t, n, -1, 0); /* two hosts, no link between them */
    CU_ASSERT(t->min_degree >= 8);
    uint64_t c[4];
    edge_classes(t, &ctx, c);
    double tot = (double)(c[0] + c[1] + c[2] + c[3]);
    CU_ASSERT_EQUAL(c[3], 0);
    CU_ASSERT(c[0] / tot > 0.53 && c[0] / tot < 0.61);
    CU_ASSERT(c[1] / tot > 0.25 && c[1] / tot < 0.32);
    CU_ASSERT(c[2] / tot > 0.12 && c[2] / tot < 0.17);
    gb_topology_free(t);

    /* Unknown NUMA nodes: classes 0 and 2 only, weights 4 : 1. */
    gb_topology_ctx nonuma = {.ranks = 8, .host = host8, .numa = NULL, .core = NULL};
    t = gb_tc_make_ctx("locality:d=8,near=1", n, 11, &nonuma);
    edge_classes(t, &nonuma, c);
    tot = (double)(c[0] + c[1] + c[2] + c[3]);
    CU_ASSERT_EQUAL(c[1], 0);
    CU_ASSERT_EQUAL(c[3], 0);
    CU_ASSERT(c[0] / tot > 0.76 && c[0] / tot < 0.84);
    gb_topology_free(t);
}

static void test_locality_determinism(void)
{
    gb_topology_ctx ctx = {.ranks = 8, .host = host8, .numa = numa8, .core = core8};
    gb_topology *a = gb_tc_make_ctx("locality:d=6,near=0.6", 800, 42, &ctx);
    gb_topology *b = gb_tc_make_ctx("locality:d=6,near=0.6", 800, 42, &ctx);
    gb_topology *c = gb_tc_make_ctx("locality:d=6,near=0.6", 800, 43, &ctx);
    gb_topology *d = gb_tc_make_ctx("locality:d=6,near=0.6", 800, 42, NULL);
    check_graph(a, 800, -1, 1);
    CU_ASSERT(same_lists(a, b));
    CU_ASSERT(a->off[800] == b->off[800] &&
              memcmp(a->adj, b->adj, (size_t)a->off[800] * sizeof *a->adj) == 0);
    CU_ASSERT(!same_lists(a, c));
    CU_ASSERT(!same_lists(a, d)); /* the placement shapes the overlay */
    /* The context is read, not kept (changing it afterwards changes nothing), and core ids
     * are not used (e has none). */
    int host_copy[8], numa_copy[8];
    memcpy(host_copy, host8, sizeof host_copy);
    memcpy(numa_copy, numa8, sizeof numa_copy);
    gb_topology_ctx mine = {.ranks = 8, .host = host_copy, .numa = numa_copy, .core = NULL};
    gb_topology *e = gb_tc_make_ctx("locality:d=6,near=0.6", 800, 42, &mine);
    host_copy[0] = 1;
    numa_copy[0] = 1;
    CU_ASSERT(same_lists(a, e));
    gb_topology_free(a);
    gb_topology_free(b);
    gb_topology_free(c);
    gb_topology_free(d);
    gb_topology_free(e);
}

static void test_locality_errors(void)
{
    gb_topology_ctx ctx = {.ranks = 8, .host = host8, .numa = numa8, .core = core8};
    gb_tc_expect_error_ctx("locality:near=1.5", 100, &ctx, GB_ERANGE, "near");
    gb_tc_expect_error_ctx("locality:near=-0.1", 100, &ctx, GB_ERANGE, "near");
    gb_tc_expect_error_ctx("locality:near=abc", 100, &ctx, GB_EINVAL, NULL);
    gb_tc_expect_error_ctx("locality:d=100", 100, &ctx, GB_EINVAL, "d=100");
    gb_tc_expect_error_ctx("locality:d=101", 100, &ctx, GB_EINVAL, "topology 'locality'");
    gb_tc_expect_error_ctx("locality:d=0", 100, &ctx, GB_ERANGE, NULL);
    gb_tc_expect_error("locality", 8, GB_EINVAL, "n=8"); /* default d = 8 needs n >= 9 */
    gb_tc_expect_error("locality:d=1", 1, GB_EINVAL, NULL);
    gb_tc_expect_error("locality", 0, GB_EINVAL, NULL);
    gb_tc_expect_error("locality:k=3", 100, GB_ENOENT, NULL);
}

int gb_test_register_topology_shapes(void)
{
    static const gb_tc_test tests[] = {
        {"registered", test_registered},
        {"star", test_star},
        {"path", test_path},
        {"mesh dims", test_mesh_dims},
        {"mesh automatic shape", test_mesh_auto},
        {"tree", test_tree},
        {"fat-tree", test_fat_tree},
        {"dragonfly", test_dragonfly},
        {"locality basics", test_locality_basic},
        {"locality near and classes", test_locality_near},
        {"locality determinism", test_locality_determinism},
        {"locality errors", test_locality_errors},
        {NULL, NULL},
    };
    return gb_tc_add_suite("topology_shapes", NULL, NULL, tests);
}
