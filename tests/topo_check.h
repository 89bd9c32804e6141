/* topo_check.h: helpers shared by the topology test files (test_topology.c,
 * test_topology_shapes.c, test_topology_random.c, test_topology_io.c). CUnit only; every
 * check is a CUnit assertion in the calling test.
 *
 * gb_tc_make*: build a topology from a spec (with an optional placement context) or fail
 *   the test fatally (callers dereference the result).
 * gb_tc_expect_error*: expect create_spec to fail with a given code, *out left NULL and a
 *   non-empty one-line message containing needle (NULL: any).
 * gb_tc_check_graph: the invariants every instance promises, checked from the callbacks
 *   alone: node count, ids in range, no self-loops, no repeated neighbours, symmetry,
 *   min/max degree and edge count against the lists, CSR arrays (when present) against
 *   the callbacks, and the connected flag against BFS.
 * gb_tc_add_suite: registers one suite and a table of tests, returning 0 or a CUnit
 *   error, for the gb_test_register_<module>() functions. */
#ifndef GB_TOPO_CHECK_H
#define GB_TOPO_CHECK_H

#include <stddef.h>
#include <stdint.h>
#include <CUnit/CUnit.h>

#include "gb_topology.h"

gb_topology *gb_tc_make_ctx(const char *spec, uint64_t n, uint64_t seed,
                            const gb_topology_ctx *ctx);
gb_topology *gb_tc_make(const char *spec, uint64_t n, uint64_t seed);

void gb_tc_expect_error_ctx(const char *spec, uint64_t n, const gb_topology_ctx *ctx, int code,
                            const char *needle);
void gb_tc_expect_error(const char *spec, uint64_t n, int code, const char *needle);

/* expect_deg < 0: any degree; expect_connected < 0: only that t->connected agrees with
 * BFS; expect_complete < 0: any value of t->complete, else t->complete must equal it. */
void gb_tc_check_graph(const gb_topology *t, uint64_t n, long expect_deg, int expect_connected,
                       int expect_complete);

/* qsort comparison of gb_node_t. */
int gb_tc_cmp_node(const void *pa, const void *pb);
/* Whether N(u), as a set, equals want[0..len) (given in any order; len <= 64). */
int gb_tc_neighbours_are(const gb_topology *t, gb_node_t u, const gb_node_t *want, size_t len);
/* Whether two CSR instances have the same off and adj arrays. */
int gb_tc_same_csr(const gb_topology *a, const gb_topology *b);

typedef struct gb_tc_test {
    const char *name;
    CU_TestFunc fn;
} gb_tc_test;

/* Adds suite `name` (init and cleanup may be NULL) with tests[] up to a {NULL, NULL} entry;
 * CUE_SUCCESS or the CUnit error. */
int gb_tc_add_suite(const char *name, CU_InitializeFunc init, CU_CleanupFunc cleanup,
                    const gb_tc_test *tests);

#endif
