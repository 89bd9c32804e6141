/* tests.h: CUnit suite registration. Each tests/test_<module>.c defines one
 * gb_test_register_<module>() that adds its suite(s) and returns 0 or a CUnit error. */
#ifndef GB_TESTS_H
#define GB_TESTS_H

#include <CUnit/CUnit.h>

int gb_test_register_rng(void);
int gb_test_register_params(void);
int gb_test_register_topology(void);
int gb_test_register_topology_shapes(void);
int gb_test_register_topology_io(void);
int gb_test_register_topology_random(void);
int gb_test_register_protocol(void);
int gb_test_register_protocol_rumor(void);
int gb_test_register_faults(void);
int gb_test_register_session(void);
int gb_test_register_swim(void);
int gb_test_register_options(void);
int gb_test_register_stats(void);
int gb_test_register_crdt(void);
int gb_test_register_merkle(void);
int gb_test_register_anti_entropy(void);

#endif
