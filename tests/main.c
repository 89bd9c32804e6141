/* main.c: runs every CUnit suite (no MPI). Exit status is non-zero when any test fails,
 * so `make check` fails with it. An optional argument runs only the named suite. */
#include <stdio.h>
#include <string.h>
#include <CUnit/Basic.h>

#include "tests.h"

int main(int argc, char **argv)
{
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 2;
    int (*regs[])(void) = {gb_test_register_rng,      gb_test_register_params,
                           gb_test_register_topology, gb_test_register_topology_shapes,
                           gb_test_register_topology_io, gb_test_register_topology_random,
                           gb_test_register_protocol, gb_test_register_protocol_rumor,
                           gb_test_register_faults,    gb_test_register_session,
                           gb_test_register_swim,
                           gb_test_register_options,  gb_test_register_stats,
                           gb_test_register_crdt,     gb_test_register_merkle,
                           gb_test_register_anti_entropy};
    for (size_t i = 0; i < sizeof regs / sizeof regs[0]; i++) {
        if (regs[i]() != CUE_SUCCESS) {
            fprintf(stderr, "unit_tests: cannot register suite: %s\n", CU_get_error_msg());
            CU_cleanup_registry();
            return 2;
        }
    }
    CU_basic_set_mode(CU_BRM_VERBOSE);
    if (argc > 1) {
        CU_pSuite s = CU_get_suite(argv[1]);
        if (s == NULL) {
            fprintf(stderr, "unit_tests: no suite named '%s'\n", argv[1]);
            CU_cleanup_registry();
            return 2;
        }
        CU_basic_run_suite(s);
    } else {
        CU_basic_run_tests();
    }
    unsigned failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
    unsigned run = CU_get_number_of_tests_run();
    CU_cleanup_registry();
    if (run == 0) {
        fprintf(stderr, "unit_tests: no test ran\n");
        return 1;
    }
    return failed ? 1 : 0;
}
