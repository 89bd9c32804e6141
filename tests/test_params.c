/* test_params.c: "key=value" parameter parsing (common/gb_params.c) against a local
 * descriptor array, so that these tests do not change when a protocol or topology does. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <CUnit/CUnit.h>

#include "gb_params.h"
#include "tests.h"

static const gb_param_desc desc[] = {
    {"k", GB_PARAM_INT, "2", 1, 10, "an integer", NULL},
    {"p", GB_PARAM_DOUBLE, "0.5", 0, 1, "a probability", NULL},
    {"mode", GB_PARAM_STRING, "push", 0, 0, "a word", NULL},
    {"opt", GB_PARAM_STRING, "", 0, 0, "no default: the component decides", NULL},
    {NULL, 0, NULL, 0, 0, NULL, NULL}};

/* Asserts that an error message is non-empty, one line, and contains `needle`. The
 * message goes into the CUnit report so that a failure shows what was written. */
static void check_err(const char *err, const char *needle, int line)
{
    char what[GB_ERRLEN + 128];
    snprintf(what, sizeof what, "err '%s' should be one line naming '%s'", err, needle);
    int ok = err[0] != '\0' && strchr(err, '\n') == NULL && strstr(err, needle) != NULL;
    CU_assertImplementation(ok ? CU_TRUE : CU_FALSE, (unsigned)line, what, __FILE__, "",
                            CU_FALSE);
}
#define CHECK_ERR(err, needle) check_err((err), (needle), __LINE__)

static int parse(gb_params *p, const char *spec, char *err)
{
    err[0] = '\0';
    return gb_params_parse(p, desc, spec, "protocol", "test", err);
}

static void test_defaults(void)
{
    gb_params p;
    char err[GB_ERRLEN];
    CU_ASSERT_EQUAL(parse(&p, NULL, err), 0);
    CU_ASSERT_EQUAL(p.count, 4);
    CU_ASSERT_PTR_EQUAL(p.desc, desc);
    CU_ASSERT_STRING_EQUAL(p.value[0], "2");
    CU_ASSERT_STRING_EQUAL(p.value[1], "0.5");
    CU_ASSERT_STRING_EQUAL(p.value[2], "push");
    CU_ASSERT_STRING_EQUAL(p.value[3], "");
    for (int i = 0; i < 4; i++)
        CU_ASSERT_EQUAL(p.given[i], 0);
    CU_ASSERT_EQUAL(gb_params_int(&p, "k"), 2);
    CU_ASSERT_DOUBLE_EQUAL(gb_params_double(&p, "p"), 0.5, 0.0);
    CU_ASSERT_STRING_EQUAL(gb_params_str(&p, "mode"), "push");
    CU_ASSERT_FALSE(gb_params_has(&p, "opt"));
    CU_ASSERT_TRUE(gb_params_has(&p, "mode"));

    /* An empty spec means "no parameters" just like NULL. */
    CU_ASSERT_EQUAL(parse(&p, "", err), 0);
    CU_ASSERT_EQUAL(gb_params_int(&p, "k"), 2);

    /* A component without parameters: a NULL or end-mark-only descriptor. */
    static const gb_param_desc none[] = {{NULL, 0, NULL, 0, 0, NULL, NULL}};
    CU_ASSERT_EQUAL(gb_params_parse(&p, none, NULL, "topology", "complete", err), 0);
    CU_ASSERT_EQUAL(p.count, 0);
    CU_ASSERT_EQUAL(gb_params_parse(&p, NULL, "", "topology", "complete", err), 0);
    CU_ASSERT_EQUAL(p.count, 0);
    err[0] = '\0';
    CU_ASSERT_EQUAL(gb_params_parse(&p, none, "x=1", "topology", "complete", err), GB_ENOENT);
    CHECK_ERR(err, "x");
}

static void test_given_values(void)
{
    gb_params p;
    char err[GB_ERRLEN];
    CU_ASSERT_EQUAL(parse(&p, "k=7,mode=pull", err), 0);
    CU_ASSERT_EQUAL(gb_params_int(&p, "k"), 7);
    CU_ASSERT_STRING_EQUAL(gb_params_str(&p, "mode"), "pull");
    CU_ASSERT_TRUE(gb_params_given(&p, "k"));
    CU_ASSERT_TRUE(gb_params_given(&p, "mode"));
    CU_ASSERT_FALSE(gb_params_given(&p, "p"));
    CU_ASSERT_FALSE(gb_params_given(&p, "opt"));
    CU_ASSERT_DOUBLE_EQUAL(gb_params_double(&p, "p"), 0.5, 0.0);

    /* Order does not matter; every type. */
    CU_ASSERT_EQUAL(parse(&p, "opt=abc,p=0.25,k=10", err), 0);
    CU_ASSERT_EQUAL(gb_params_int(&p, "k"), 10);
    CU_ASSERT_DOUBLE_EQUAL(gb_params_double(&p, "p"), 0.25, 0.0);
    CU_ASSERT_STRING_EQUAL(gb_params_str(&p, "opt"), "abc");
    CU_ASSERT_TRUE(gb_params_has(&p, "opt"));
    CU_ASSERT_TRUE(gb_params_given(&p, "opt"));

    /* Range ends are inclusive; doubles take exponents. */
    CU_ASSERT_EQUAL(parse(&p, "k=1,p=0", err), 0);
    CU_ASSERT_EQUAL(gb_params_int(&p, "k"), 1);
    CU_ASSERT_EQUAL(parse(&p, "p=1e0", err), 0);
    CU_ASSERT_DOUBLE_EQUAL(gb_params_double(&p, "p"), 1.0, 0.0);

    /* The longest value that fits. */
    char spec[GB_PARAM_VALUE_LEN + 8];
    char longest[GB_PARAM_VALUE_LEN];
    memset(longest, 'x', GB_PARAM_VALUE_LEN - 1);
    longest[GB_PARAM_VALUE_LEN - 1] = '\0';
    snprintf(spec, sizeof spec, "opt=%s", longest);
    CU_ASSERT_EQUAL(parse(&p, spec, err), 0);
    CU_ASSERT_STRING_EQUAL(gb_params_str(&p, "opt"), longest);
}

static void test_bad_values(void)
{
    gb_params p;
    char err[GB_ERRLEN];

    CU_ASSERT_EQUAL(parse(&p, "k=11", err), GB_ERANGE);
    CHECK_ERR(err, "'k'");
    CHECK_ERR(err, "11");
    CU_ASSERT_EQUAL(parse(&p, "k=0", err), GB_ERANGE);
    CHECK_ERR(err, "'k'");
    CU_ASSERT_EQUAL(parse(&p, "k=-3", err), GB_ERANGE);
    CHECK_ERR(err, "-3");
    CU_ASSERT_EQUAL(parse(&p, "p=1.5", err), GB_ERANGE);
    CHECK_ERR(err, "'p'");
    CU_ASSERT_EQUAL(parse(&p, "p=-0.1", err), GB_ERANGE);
    CHECK_ERR(err, "'p'");

    CU_ASSERT_EQUAL(parse(&p, "k=abc", err), GB_EINVAL);
    CHECK_ERR(err, "abc");
    CU_ASSERT_EQUAL(parse(&p, "k=1.5", err), GB_EINVAL);
    CHECK_ERR(err, "1.5");
    CU_ASSERT_EQUAL(parse(&p, "k=3x", err), GB_EINVAL);
    CHECK_ERR(err, "3x");
    CU_ASSERT_EQUAL(parse(&p, "k=99999999999999999999", err), GB_EINVAL);
    CHECK_ERR(err, "'k'");
    CU_ASSERT_EQUAL(parse(&p, "p=half", err), GB_EINVAL);
    CHECK_ERR(err, "half");
    CU_ASSERT_EQUAL(parse(&p, "p=nan", err), GB_EINVAL);
    CHECK_ERR(err, "'p'");
    CU_ASSERT_EQUAL(parse(&p, "p=inf", err), GB_EINVAL);
    CHECK_ERR(err, "'p'");

    /* Every message names what and which component it is about. */
    CU_ASSERT_EQUAL(parse(&p, "k=abc", err), GB_EINVAL);
    CHECK_ERR(err, "protocol 'test'");
}

static void test_malformed(void)
{
    gb_params p;
    char err[GB_ERRLEN];

    CU_ASSERT_EQUAL(parse(&p, "foo=1", err), GB_ENOENT);
    CHECK_ERR(err, "foo");
    /* A key is matched whole, not as a prefix. */
    CU_ASSERT_EQUAL(parse(&p, "mod=x", err), GB_ENOENT);
    CHECK_ERR(err, "mod");
    CU_ASSERT_EQUAL(parse(&p, "K=1", err), GB_ENOENT);
    CHECK_ERR(err, "K");

    CU_ASSERT_EQUAL(parse(&p, "k=1,k=2", err), GB_EINVAL);
    CHECK_ERR(err, "'k'");
    CU_ASSERT_EQUAL(parse(&p, "k=", err), GB_EINVAL);
    CHECK_ERR(err, "'k'");
    CU_ASSERT_EQUAL(parse(&p, "k", err), GB_EINVAL);
    CHECK_ERR(err, "k");
    CU_ASSERT_EQUAL(parse(&p, "=3", err), GB_EINVAL);
    CHECK_ERR(err, "=3");
    CU_ASSERT_EQUAL(parse(&p, "k=3,", err), GB_EINVAL);
    CHECK_ERR(err, "','");
    CU_ASSERT_EQUAL(parse(&p, ",k=3", err), GB_EINVAL);
    CHECK_ERR(err, "test");
    CU_ASSERT_EQUAL(parse(&p, "k=3,,p=1", err), GB_EINVAL);
    CHECK_ERR(err, "test");
    CU_ASSERT_EQUAL(parse(&p, ",", err), GB_EINVAL);
    CHECK_ERR(err, "test");

    char spec[GB_PARAM_VALUE_LEN + 8];
    char toolong[GB_PARAM_VALUE_LEN + 1];
    memset(toolong, 'x', GB_PARAM_VALUE_LEN);
    toolong[GB_PARAM_VALUE_LEN] = '\0';
    snprintf(spec, sizeof spec, "opt=%s", toolong);
    CU_ASSERT_EQUAL(parse(&p, spec, err), GB_EINVAL);
    CHECK_ERR(err, "'opt'");
}

static void test_too_many_descriptors(void)
{
    /* A descriptor array longer than gb_params can hold is refused, not overrun. */
    static gb_param_desc big[GB_PARAMS_MAX + 2];
    static char names[GB_PARAMS_MAX + 1][16];
    for (int i = 0; i < GB_PARAMS_MAX + 1; i++) {
        snprintf(names[i], sizeof names[i], "k%d", i);
        big[i] = (gb_param_desc){names[i], GB_PARAM_INT, "1", 0, 10, "x", NULL};
    }
    big[GB_PARAMS_MAX + 1] = (gb_param_desc){NULL, 0, NULL, 0, 0, NULL, NULL};
    gb_params p;
    char err[GB_ERRLEN] = "";
    CU_ASSERT_EQUAL(gb_params_parse(&p, big, NULL, "topology", "big", err), GB_EINVAL);
    CHECK_ERR(err, "big");
    CU_ASSERT_TRUE(p.count <= GB_PARAMS_MAX);
}

static void test_getters_unknown_key(void)
{
    gb_params p;
    char err[GB_ERRLEN];
    CU_ASSERT_EQUAL(parse(&p, NULL, err), 0);
    CU_ASSERT_EQUAL(gb_params_int(&p, "nope"), 0);
    CU_ASSERT_DOUBLE_EQUAL(gb_params_double(&p, "nope"), 0.0, 0.0);
    CU_ASSERT_STRING_EQUAL(gb_params_str(&p, "nope"), "");
    CU_ASSERT_FALSE(gb_params_has(&p, "nope"));
    CU_ASSERT_FALSE(gb_params_given(&p, "nope"));
    /* Typed getters on a value of another type fall back to 0. */
    CU_ASSERT_EQUAL(gb_params_int(&p, "mode"), 0);
    CU_ASSERT_EQUAL(gb_params_int(&p, "opt"), 0);
}

/* STRING parameters with a list of choices accept exactly those words. */
static void test_choices(void)
{
    static const gb_param_desc way[] = {
        {"way", GB_PARAM_STRING, "up", 0, 0, "one of a few words", "up|down|side-ways"},
        {NULL, 0, NULL, 0, 0, NULL, NULL}};
    gb_params p;
    char err[GB_ERRLEN];
    CU_ASSERT_EQUAL(gb_params_parse(&p, way, NULL, "protocol", "x", err), 0);
    CU_ASSERT_STRING_EQUAL(gb_params_str(&p, "way"), "up");
    CU_ASSERT_EQUAL(gb_params_parse(&p, way, "way=side-ways", "protocol", "x", err), 0);
    CU_ASSERT_EQUAL(gb_params_parse(&p, way, "way=down", "protocol", "x", err), 0);
    const char *bad[] = {"way=side", "way=upp", "way=Up", "way=up|down", "way=ways"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        CU_ASSERT_EQUAL(gb_params_parse(&p, way, bad[i], "protocol", "x", err), GB_EINVAL);
        CU_ASSERT_PTR_NOT_NULL(strstr(err, "must be one of up|down|side-ways"));
        CU_ASSERT_PTR_NULL(strchr(err, '\n'));
    }
}

static void test_format(void)
{
    gb_params p;
    char err[GB_ERRLEN];
    char buf[128];
    CU_ASSERT_EQUAL(parse(&p, NULL, err), 0);
    int n = gb_params_format(&p, buf, sizeof buf);
    /* Defaults included, empty values left out, descriptor order. */
    CU_ASSERT_STRING_EQUAL(buf, "k=2,p=0.5,mode=push");
    CU_ASSERT_EQUAL(n, (int)strlen(buf));

    CU_ASSERT_EQUAL(parse(&p, "opt=z,k=3", err), 0);
    gb_params_format(&p, buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "k=3,p=0.5,mode=push,opt=z");

    /* Truncation stays inside the buffer and terminated. */
    char small[8];
    memset(small, '#', sizeof small);
    n = gb_params_format(&p, small, sizeof small);
    CU_ASSERT_EQUAL(small[sizeof small - 1], '\0');
    CU_ASSERT_EQUAL(n, (int)strlen(small));
    CU_ASSERT_TRUE(strlen(small) < sizeof small);
    CU_ASSERT_EQUAL(strncmp(small, "k=3,p=0.5", strlen(small)), 0);

    char none[1] = {'#'};
    CU_ASSERT_EQUAL(gb_params_format(&p, none, 1), 0);
    CU_ASSERT_EQUAL(none[0], '\0');
    CU_ASSERT_EQUAL(gb_params_format(&p, none, 0), 0);

    /* No parameters at all: an empty string. */
    static const gb_param_desc empty[] = {{NULL, 0, NULL, 0, 0, NULL, NULL}};
    CU_ASSERT_EQUAL(gb_params_parse(&p, empty, NULL, "protocol", "push", err), 0);
    CU_ASSERT_EQUAL(gb_params_format(&p, buf, sizeof buf), 0);
    CU_ASSERT_STRING_EQUAL(buf, "");
}

static void test_parse_i64(void)
{
    int64_t v = 42;
    CU_ASSERT_EQUAL(gb_parse_i64("0", &v), 0);
    CU_ASSERT_EQUAL(v, 0);
    CU_ASSERT_EQUAL(gb_parse_i64("-17", &v), 0);
    CU_ASSERT_EQUAL(v, -17);
    CU_ASSERT_EQUAL(gb_parse_i64("9223372036854775807", &v), 0);
    CU_ASSERT_EQUAL(v, INT64_MAX);
    CU_ASSERT_EQUAL(gb_parse_i64("-9223372036854775808", &v), 0);
    CU_ASSERT_EQUAL(v, INT64_MIN);

    v = 42;
    CU_ASSERT_EQUAL(gb_parse_i64("9223372036854775808", &v), GB_EINVAL);
    CU_ASSERT_EQUAL(gb_parse_i64("-9223372036854775809", &v), GB_EINVAL);
    CU_ASSERT_EQUAL(gb_parse_i64("99999999999999999999", &v), GB_EINVAL);
    CU_ASSERT_EQUAL(gb_parse_i64("", &v), GB_EINVAL);
    CU_ASSERT_EQUAL(gb_parse_i64(NULL, &v), GB_EINVAL);
    CU_ASSERT_EQUAL(gb_parse_i64("12x", &v), GB_EINVAL);
    CU_ASSERT_EQUAL(gb_parse_i64("1e3", &v), GB_EINVAL);
    CU_ASSERT_EQUAL(gb_parse_i64("1.0", &v), GB_EINVAL);
    CU_ASSERT_EQUAL(gb_parse_i64("-", &v), GB_EINVAL);
    CU_ASSERT_EQUAL(gb_parse_i64("abc", &v), GB_EINVAL);
    CU_ASSERT_EQUAL(gb_parse_i64("12 ", &v), GB_EINVAL);
    /* A failed parse leaves the output alone. */
    CU_ASSERT_EQUAL(v, 42);
}

static void test_parse_double(void)
{
    double v = 42.0;
    CU_ASSERT_EQUAL(gb_parse_double("0", &v), 0);
    CU_ASSERT_DOUBLE_EQUAL(v, 0.0, 0.0);
    CU_ASSERT_EQUAL(gb_parse_double("-2.5", &v), 0);
    CU_ASSERT_DOUBLE_EQUAL(v, -2.5, 0.0);
    CU_ASSERT_EQUAL(gb_parse_double("1e3", &v), 0);
    CU_ASSERT_DOUBLE_EQUAL(v, 1000.0, 0.0);
    CU_ASSERT_EQUAL(gb_parse_double(".5", &v), 0);
    CU_ASSERT_DOUBLE_EQUAL(v, 0.5, 0.0);

    v = 42.0;
    CU_ASSERT_EQUAL(gb_parse_double("", &v), GB_EINVAL);
    CU_ASSERT_EQUAL(gb_parse_double(NULL, &v), GB_EINVAL);
    CU_ASSERT_EQUAL(gb_parse_double("1.5x", &v), GB_EINVAL);
    CU_ASSERT_EQUAL(gb_parse_double("abc", &v), GB_EINVAL);
    CU_ASSERT_EQUAL(gb_parse_double("nan", &v), GB_EINVAL);
    CU_ASSERT_EQUAL(gb_parse_double("inf", &v), GB_EINVAL);
    CU_ASSERT_EQUAL(gb_parse_double("-infinity", &v), GB_EINVAL);
    CU_ASSERT_EQUAL(gb_parse_double("1e999", &v), GB_EINVAL);
    CU_ASSERT_EQUAL(gb_parse_double("0.5 ", &v), GB_EINVAL);
    CU_ASSERT_DOUBLE_EQUAL(v, 42.0, 0.0);
}

int gb_test_register_params(void)
{
    CU_pSuite s = CU_add_suite("params", NULL, NULL);
    if (s == NULL)
        return CU_get_error();
    if (CU_add_test(s, "defaults", test_defaults) == NULL ||
        CU_add_test(s, "given values", test_given_values) == NULL ||
        CU_add_test(s, "string choices", test_choices) == NULL ||
        CU_add_test(s, "bad values", test_bad_values) == NULL ||
        CU_add_test(s, "malformed specs", test_malformed) == NULL ||
        CU_add_test(s, "too many descriptors", test_too_many_descriptors) == NULL ||
        CU_add_test(s, "getters with unknown keys", test_getters_unknown_key) == NULL ||
        CU_add_test(s, "format", test_format) == NULL ||
        CU_add_test(s, "parse_i64", test_parse_i64) == NULL ||
        CU_add_test(s, "parse_double", test_parse_double) == NULL)
        return CU_get_error();
    return CUE_SUCCESS;
}
