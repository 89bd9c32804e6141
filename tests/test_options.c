/* test_options.c: gossip-bench's option parser (bench/options.c).
 *
 * Only protocols push, pull, push-pull and topologies complete and torus (parameters
 * "dims" and "d") are used, and no test depends on their parameter defaults, so that the
 * suite holds while the registries grow. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <CUnit/CUnit.h>

#include "config.h"
#include "options.h"
#include "tests.h"

#define MAX_ARGS 64

/* gb_options is large (tens of kB); one static instance keeps test stacks small. */
static gb_options opts;
static char err[GB_ERRLEN];

/* Parses "gossip-bench" followed by the NULL-terminated arguments. */
static int parse(const char *first, ...)
{
    char *argv[MAX_ARGS + 1];
    int argc = 0;
    argv[argc++] = (char *)"gossip-bench";
    va_list ap;
    va_start(ap, first);
    for (const char *a = first; a != NULL && argc < MAX_ARGS; a = va_arg(ap, const char *))
        argv[argc++] = (char *)a;
    va_end(ap);
    argv[argc] = NULL;
    memset(err, 'Z', sizeof err - 1);
    err[sizeof err - 1] = '\0';
    return gb_options_parse(argc, argv, &opts, err);
}
#define PARSE(...) parse(__VA_ARGS__, (const char *)NULL)

/* The error contract: non-empty, one line, naming the option or the value. The message
 * goes into the CUnit report so that a failure shows what was written. */
static void check_err(const char *needle, int line)
{
    char what[GB_ERRLEN + 128];
    snprintf(what, sizeof what, "err '%s' should be one line naming '%s'", err, needle);
    int ok = err[0] != '\0' && err[0] != 'Z' && strchr(err, '\n') == NULL &&
             strstr(err, needle) != NULL;
    CU_assertImplementation(ok ? CU_TRUE : CU_FALSE, (unsigned)line, what, __FILE__, "",
                            CU_FALSE);
}
#define CHECK_ERR(needle) check_err((needle), __LINE__)

/* rc must equal code and err must name every needle given. */
static void expect_fail(int rc, int code, const char *n1, const char *n2, int line)
{
    char what[GB_ERRLEN + 128];
    snprintf(what, sizeof what, "rc %d should be %d (err '%s')", rc, code, err);
    CU_assertImplementation(rc == code ? CU_TRUE : CU_FALSE, (unsigned)line, what, __FILE__,
                            "", CU_FALSE);
    if (n1 != NULL)
        check_err(n1, line);
    if (n2 != NULL)
        check_err(n2, line);
}
#define FAIL1(code, n1, ...) expect_fail(PARSE(__VA_ARGS__), (code), (n1), NULL, __LINE__)
#define FAIL2(code, n1, n2, ...) expect_fail(PARSE(__VA_ARGS__), (code), (n1), (n2), __LINE__)

static void expect_ok(int rc, int line)
{
    char what[GB_ERRLEN + 64];
    snprintf(what, sizeof what, "parse should succeed (rc %d, err '%s')", rc, err);
    CU_assertImplementation(rc == 0 ? CU_TRUE : CU_FALSE, (unsigned)line, what, __FILE__, "",
                            CU_FALSE);
}
#define OK(...) expect_ok(PARSE(__VA_ARGS__), __LINE__)

/* ------------------------------------------------------------------ defaults */

static void check_defaults(const gb_options *o)
{
    CU_ASSERT_EQUAL(o->action, GB_ACT_RUN);
    CU_ASSERT_EQUAL(o->nprotocols, 1);
    CU_ASSERT_STRING_EQUAL(o->protocol_spec[0], "push-pull");
    CU_ASSERT_PTR_NOT_NULL_FATAL(o->protocol[0]);
    CU_ASSERT_STRING_EQUAL(o->protocol[0]->name, "push-pull");
    CU_ASSERT_PTR_EQUAL(o->protocol[0], gb_protocol_find("push-pull"));
    CU_ASSERT_PTR_EQUAL(o->protocol_params[0].desc, o->protocol[0]->params);
    CU_ASSERT_STRING_EQUAL(o->topology_spec, "complete");
    CU_ASSERT_PTR_NOT_NULL_FATAL(o->topology);
    CU_ASSERT_STRING_EQUAL(o->topology->name, "complete");
    CU_ASSERT_PTR_EQUAL(o->topology_params.desc, o->topology->params);
    CU_ASSERT_EQUAL(o->nodes, 0);
    CU_ASSERT_EQUAL(o->fanout, 1);
    CU_ASSERT_EQUAL(o->trials, 10);
    CU_ASSERT_EQUAL(o->warmup, 1);
    CU_ASSERT_EQUAL(o->seed, 1);
    CU_ASSERT_EQUAL(o->max_rounds, 10000);
    CU_ASSERT_EQUAL(o->payload, 32);
    CU_ASSERT_EQUAL(o->transport, GB_TRANSPORT_AUTO);
    CU_ASSERT_EQUAL(o->source_random, 0);
    CU_ASSERT_EQUAL(o->source, 0);
    CU_ASSERT_STRING_EQUAL(o->output, "");
    CU_ASSERT_STRING_EQUAL(o->csv, "");
    CU_ASSERT_EQUAL(o->ordered, 0);
    CU_ASSERT_EQUAL(o->quiet, 0);
    CU_ASSERT_EQUAL(o->threads, 0); /* resolved by gb_options_threads */
}

static void test_defaults(void)
{
    static gb_options o;
    memset(&o, 0xA5, sizeof o);
    gb_options_defaults(&o);
    check_defaults(&o);

    /* No arguments: the defaults, and the command line is recorded. */
    OK(NULL);
    check_defaults(&opts);
    CU_ASSERT_STRING_EQUAL(opts.command_line, "gossip-bench");
}

/* ------------------------------------------------------------------ good values */

static void test_good_values(void)
{
    OK("--protocol", "push,pull", "--topology", "torus:dims=8x8", "--nodes", "64", "--fanout",
       "3", "--trials", "5", "--warmup", "0", "--seed", "18446744073709551615", "--max-rounds",
       "77", "--payload", "0", "--transport", "nbx", "--source", "63", "--output",
       "results/a.jsonl", "--csv", "results/a.csv", "--ordered-delivery", "--quiet");
    CU_ASSERT_EQUAL(opts.action, GB_ACT_RUN);
    CU_ASSERT_EQUAL(opts.nprotocols, 2);
    CU_ASSERT_STRING_EQUAL(opts.protocol_spec[0], "push");
    CU_ASSERT_STRING_EQUAL(opts.protocol_spec[1], "pull");
    CU_ASSERT_PTR_EQUAL(opts.protocol[0], gb_protocol_find("push"));
    CU_ASSERT_PTR_EQUAL(opts.protocol[1], gb_protocol_find("pull"));
    CU_ASSERT_STRING_EQUAL(opts.topology_spec, "torus:dims=8x8");
    CU_ASSERT_PTR_EQUAL(opts.topology, gb_topology_find("torus"));
    CU_ASSERT_STRING_EQUAL(gb_params_str(&opts.topology_params, "dims"), "8x8");
    CU_ASSERT_TRUE(gb_params_given(&opts.topology_params, "dims"));
    CU_ASSERT_FALSE(gb_params_given(&opts.topology_params, "d"));
    CU_ASSERT_EQUAL(opts.nodes, 64);
    CU_ASSERT_EQUAL(opts.fanout, 3);
    CU_ASSERT_EQUAL(opts.trials, 5);
    CU_ASSERT_EQUAL(opts.warmup, 0);
    CU_ASSERT_EQUAL(opts.seed, UINT64_MAX);
    CU_ASSERT_EQUAL(opts.max_rounds, 77);
    CU_ASSERT_EQUAL(opts.payload, 0);
    CU_ASSERT_EQUAL(opts.transport, GB_TRANSPORT_NBX);
    CU_ASSERT_EQUAL(opts.source, 63);
    CU_ASSERT_EQUAL(opts.source_random, 0);
    CU_ASSERT_STRING_EQUAL(opts.output, "results/a.jsonl");
    CU_ASSERT_STRING_EQUAL(opts.csv, "results/a.csv");
    CU_ASSERT_EQUAL(opts.ordered, 1);
    CU_ASSERT_EQUAL(opts.quiet, 1);

    /* "--opt=value" works like "--opt value". */
    OK("--nodes=1024", "--topology=torus:dims=32x32,d=2", "--protocol=push-pull");
    CU_ASSERT_EQUAL(opts.nodes, 1024);
    CU_ASSERT_EQUAL(gb_params_int(&opts.topology_params, "d"), 2);
    CU_ASSERT_STRING_EQUAL(gb_params_str(&opts.topology_params, "dims"), "32x32");
    CU_ASSERT_EQUAL(opts.nprotocols, 1);

    /* Range ends. */
    OK("--nodes", "2", "--fanout", "64", "--trials", "1000000", "--warmup", "1000000",
       "--max-rounds", "100000000", "--payload", "1048576", "--seed", "0");
    CU_ASSERT_EQUAL(opts.nodes, 2);
    CU_ASSERT_EQUAL(opts.fanout, 64);
    CU_ASSERT_EQUAL(opts.trials, 1000000);
    CU_ASSERT_EQUAL(opts.warmup, 1000000);
    CU_ASSERT_EQUAL(opts.max_rounds, 100000000);
    CU_ASSERT_EQUAL(opts.payload, 1048576);
    CU_ASSERT_EQUAL(opts.seed, 0);
    OK("--nodes", "4294967295", "--trials", "1", "--max-rounds", "1", "--source",
       "4294967294");
    CU_ASSERT_EQUAL(opts.nodes, 4294967295u);
    CU_ASSERT_EQUAL(opts.source, 4294967294u);

    /* Every transport. */
    const char *tr[] = {"auto", "local", "nbx", "alltoallv"};
    const enum gb_transport_kind tk[] = {GB_TRANSPORT_AUTO, GB_TRANSPORT_LOCAL,
                                         GB_TRANSPORT_NBX, GB_TRANSPORT_ALLTOALLV};
    for (int i = 0; i < 4; i++) {
        OK("--transport", tr[i]);
        CU_ASSERT_EQUAL(opts.transport, tk[i]);
        CU_ASSERT_STRING_EQUAL(gb_transport_name(tk[i]), tr[i]);
    }

    /* --source random; the source check then does not apply. */
    OK("--source", "random", "--nodes", "4");
    CU_ASSERT_EQUAL(opts.source_random, 1);
    /* The source is checked against --nodes whatever their order; without --nodes the
     * driver checks it once the rank count is known. */
    OK("--source", "3", "--nodes", "4");
    CU_ASSERT_EQUAL(opts.source, 3);
    OK("--source", "1000");
    CU_ASSERT_EQUAL(opts.source, 1000);
    CU_ASSERT_EQUAL(opts.nodes, 0);

    /* An option given twice keeps its last value. */
    OK("--nodes", "8", "--nodes", "16", "--source", "random", "--source", "2");
    CU_ASSERT_EQUAL(opts.nodes, 16);
    CU_ASSERT_EQUAL(opts.source_random, 0);
    CU_ASSERT_EQUAL(opts.source, 2);

    /* Unambiguous abbreviations are getopt_long's usual service. */
    OK("--nod", "8");
    CU_ASSERT_EQUAL(opts.nodes, 8);

    /* "--" ends the options; nothing follows it here. */
    OK("--nodes", "8", "--");
    CU_ASSERT_EQUAL(opts.nodes, 8);
}

static void test_protocol_list(void)
{
    OK("--protocol", "push,pull,push-pull");
    CU_ASSERT_EQUAL(opts.nprotocols, 3);
    CU_ASSERT_PTR_EQUAL(opts.protocol[2], gb_protocol_find("push-pull"));
    CU_ASSERT_STRING_EQUAL(opts.protocol_spec[2], "push-pull");
    for (int i = 0; i < 3; i++)
        CU_ASSERT_PTR_EQUAL(opts.protocol_params[i].desc, opts.protocol[i]->params);

    /* An empty parameter list after ':' is allowed. */
    OK("--protocol", "push:");
    CU_ASSERT_EQUAL(opts.nprotocols, 1);
    CU_ASSERT_PTR_EQUAL(opts.protocol[0], gb_protocol_find("push"));

    /* A later --protocol replaces the earlier list (and the default). */
    OK("--protocol", "push", "--protocol", "pull");
    CU_ASSERT_EQUAL(opts.nprotocols, 1);
    CU_ASSERT_PTR_EQUAL(opts.protocol[0], gb_protocol_find("pull"));
}

/* ------------------------------------------------------------------ bad values */

static void test_missing_value(void)
{
    const char *names[] = {"--protocol", "--topology",   "--nodes",   "--fanout",
                           "--trials",   "--warmup",     "--seed",    "--max-rounds",
                           "--payload",  "--transport",  "--source",  "--output",
                           "--csv"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        FAIL1(GB_EINVAL, names[i], names[i]);
    /* After "=", an empty value reaches the option's own check. */
    FAIL1(GB_EINVAL, "--nodes", "--nodes=");
    FAIL1(GB_EINVAL, "--output", "--output=");
    FAIL1(GB_EINVAL, "--csv", "--csv", "");
    FAIL1(GB_EINVAL, "--protocol", "--protocol", "");
    FAIL1(GB_EINVAL, "--topology", "--topology", "");
    FAIL1(GB_EINVAL, "--transport", "--transport", "");
    FAIL1(GB_EINVAL, "--source", "--source", "");
}

/* The same kinds of bad value for every numeric option. */
static void test_bad_numbers(void)
{
    const char *names[] = {"--nodes",      "--fanout",  "--trials", "--warmup",
                           "--max-rounds", "--payload", "--seed",   "--source"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const char *n = names[i];
        FAIL2(GB_EINVAL, n, "abc", n, "abc");
        FAIL2(GB_EINVAL, n, "12x", n, "12x");
        FAIL2(GB_EINVAL, n, "1e3", n, "1e3");
        FAIL2(GB_EINVAL, n, "4.0", n, "4.0");
        FAIL2(GB_EINVAL, n, "+5", n, "+5");
        FAIL2(GB_EINVAL, n, " 5", n, " 5");
        FAIL2(GB_EINVAL, n, "0x10", n, "0x10");
        FAIL2(GB_EINVAL, n, "-", n, "-");
        FAIL2(GB_ERANGE, n, "-3", n, "-3");
        FAIL2(GB_ERANGE, n, "99999999999999999999", n, "99999999999999999999");
    }
    /* Zero where it is not allowed. */
    FAIL2(GB_ERANGE, "--nodes", "'0'", "--nodes", "0");
    FAIL2(GB_ERANGE, "--nodes", "at least 2", "--nodes", "1");
    FAIL2(GB_ERANGE, "--fanout", "'0'", "--fanout", "0");
    FAIL2(GB_ERANGE, "--trials", "'0'", "--trials", "0");
    FAIL2(GB_ERANGE, "--max-rounds", "'0'", "--max-rounds", "0");
    /* Just over the range. */
    FAIL2(GB_ERANGE, "--nodes", "4294967296", "--nodes", "4294967296");
    FAIL2(GB_ERANGE, "--fanout", "65", "--fanout", "65");
    FAIL2(GB_ERANGE, "--fanout", "[1, 64]", "--fanout", "65");
    FAIL2(GB_ERANGE, "--trials", "1000001", "--trials", "1000001");
    FAIL2(GB_ERANGE, "--warmup", "1000001", "--warmup", "1000001");
    FAIL2(GB_ERANGE, "--max-rounds", "100000001", "--max-rounds", "100000001");
    FAIL2(GB_ERANGE, "--payload", "1048577", "--payload", "1048577");
    FAIL2(GB_ERANGE, "--seed", "18446744073709551616", "--seed", "18446744073709551616");
    FAIL2(GB_ERANGE, "--source", "4294967295", "--source", "4294967295");
    /* Values too large for 32 bits must not wrap into the range. */
    FAIL2(GB_ERANGE, "--trials", "4294967297", "--trials", "4294967297");
    FAIL2(GB_ERANGE, "--fanout", "4294967297", "--fanout", "4294967297");
}

static void test_bad_words(void)
{
    FAIL2(GB_EINVAL, "--transport", "mpi", "--transport", "mpi");
    FAIL2(GB_EINVAL, "--transport", "NBX", "--transport", "NBX");
    FAIL2(GB_EINVAL, "--source", "rand", "--source", "rand");

    char longpath[GB_PATH_LEN + 2];
    memset(longpath, 'a', sizeof longpath - 1);
    longpath[sizeof longpath - 1] = '\0';
    FAIL1(GB_EINVAL, "--output", "--output", longpath);
    FAIL1(GB_EINVAL, "--csv", "--csv", longpath);
    /* The longest path that fits is taken whole. */
    longpath[GB_PATH_LEN - 1] = '\0';
    OK("--output", longpath);
    CU_ASSERT_EQUAL(strlen(opts.output), GB_PATH_LEN - 1);
}

static void test_unknown_option(void)
{
    FAIL1(GB_EINVAL, "--frob", "--frob");
    FAIL1(GB_EINVAL, "--frob", "--frob=3");
    FAIL1(GB_EINVAL, "-x", "-x");
    FAIL1(GB_EINVAL, "--Nodes", "--Nodes", "4");
    /* An abbreviation that fits several options names them. */
    FAIL2(GB_EINVAL, "--t", "--topology", "--t", "x");
    /* A flag given a value. */
    FAIL1(GB_EINVAL, "--quiet", "--quiet=1");
    FAIL1(GB_EINVAL, "--ordered-delivery", "--ordered-delivery=yes");
    /* A later error is found after good options. */
    FAIL1(GB_EINVAL, "--bogus", "--nodes", "4", "--bogus");
}

static void test_positional(void)
{
    FAIL1(GB_EINVAL, "'x'", "x");
    FAIL1(GB_EINVAL, "'push'", "--nodes", "4", "push");
    FAIL1(GB_EINVAL, "'4'", "--nodes", "4", "4");
    FAIL1(GB_EINVAL, "'--nodes'", "--", "--nodes");
    /* "-" alone is an argument, not an option. */
    FAIL1(GB_EINVAL, "'-'", "-");
}

static void test_unknown_names(void)
{
    FAIL1(GB_ENOENT, "'foo'", "--protocol", "foo");
    CHECK_ERR("--list");
    FAIL1(GB_ENOENT, "'foo'", "--protocol", "push,foo,pull");
    FAIL1(GB_ENOENT, "'PUSH'", "--protocol", "PUSH");
    FAIL1(GB_ENOENT, "'foo'", "--topology", "foo");
    CHECK_ERR("--list");
    FAIL1(GB_ENOENT, "'foo'", "--topology", "foo:d=2");
    /* The name is matched whole, not as a prefix. */
    FAIL1(GB_ENOENT, "'tor'", "--topology", "tor");
    FAIL1(GB_ENOENT, "'pus'", "--protocol", "pus");
    FAIL1(GB_EINVAL, "--topology", "--topology", ":d=2");
    FAIL1(GB_EINVAL, "--protocol", "--protocol", ":k=1");
}

static void test_bad_params(void)
{
    /* Unknown parameter. */
    FAIL2(GB_ENOENT, "'bogus'", "torus", "--topology", "torus:bogus=1");
    FAIL2(GB_ENOENT, "'bogus'", "push", "--protocol", "push:bogus=1");
    FAIL2(GB_ENOENT, "'bogus'", "pull", "--protocol", "push,pull:bogus=1");
    /* Bad values. */
    FAIL2(GB_EINVAL, "'d'", "abc", "--topology", "torus:d=abc");
    FAIL2(GB_EINVAL, "'d'", "torus", "--topology", "torus:d=99999999999999999999");
    FAIL2(GB_ERANGE, "'d'", "-5", "--topology", "torus:d=-5");
    FAIL1(GB_EINVAL, "'d'", "--topology", "torus:d=");
    FAIL1(GB_EINVAL, "'d'", "--topology", "torus:d=2,d=3");
    FAIL1(GB_EINVAL, "torus", "--topology", "torus:d");
    FAIL1(GB_EINVAL, "torus", "--topology", "torus:d=2,");

    char spec[GB_SPEC_LEN + 16];
    memset(spec, 'x', sizeof spec - 1);
    spec[sizeof spec - 1] = '\0';
    memcpy(spec, "torus:dims=", strlen("torus:dims="));
    FAIL1(GB_EINVAL, "--topology", "--topology", spec);
}

static void test_duplicate_protocol(void)
{
    FAIL2(GB_EINVAL, "--protocol", "'push'", "--protocol", "push,push");
    FAIL2(GB_EINVAL, "--protocol", "'pull'", "--protocol", "push,pull,push-pull,pull");
    /* Same configuration written differently. */
    FAIL1(GB_EINVAL, "--protocol", "--protocol", "push,push:");
}

static void test_source_vs_nodes(void)
{
    FAIL2(GB_ERANGE, "--source", "4", "--nodes", "4", "--source", "4");
    FAIL2(GB_ERANGE, "--source", "--nodes", "--source", "9", "--nodes", "4");
    FAIL1(GB_ERANGE, "--source", "--nodes", "2", "--source", "4294967294");
}

static void test_actions(void)
{
    OK("--help");
    CU_ASSERT_EQUAL(opts.action, GB_ACT_HELP);
    OK("-h");
    CU_ASSERT_EQUAL(opts.action, GB_ACT_HELP);
    OK("--version");
    CU_ASSERT_EQUAL(opts.action, GB_ACT_VERSION);
    OK("-V");
    CU_ASSERT_EQUAL(opts.action, GB_ACT_VERSION);
    OK("--list");
    CU_ASSERT_EQUAL(opts.action, GB_ACT_LIST);
    /* Good options before an action do not matter; the action is taken. */
    OK("--nodes", "8", "--help");
    CU_ASSERT_EQUAL(opts.action, GB_ACT_HELP);
    /* A bad option before it is still reported, as it comes first. */
    FAIL1(GB_EINVAL, "--frob", "--frob", "--help");
    /* Plain runs are GB_ACT_RUN again after an action (no state left over). */
    OK("--nodes", "8");
    CU_ASSERT_EQUAL(opts.action, GB_ACT_RUN);
}

static void test_parse_twice(void)
{
    /* Leave getopt in the middle of a group of short options, then parse again. */
    OK("-hV");
    CU_ASSERT_EQUAL(opts.action, GB_ACT_HELP);
    OK("--nodes", "8");
    CU_ASSERT_EQUAL(opts.action, GB_ACT_RUN);
    CU_ASSERT_EQUAL(opts.nodes, 8);
    OK("-Vh");
    CU_ASSERT_EQUAL(opts.action, GB_ACT_VERSION);
    /* An error part-way, then a clean parse from scratch: no values leak across. */
    FAIL1(GB_EINVAL, "--frob", "--nodes", "16", "--fanout", "2", "--frob", "--trials", "3");
    OK("--trials", "3");
    CU_ASSERT_EQUAL(opts.trials, 3);
    CU_ASSERT_EQUAL(opts.nodes, 0);
    CU_ASSERT_EQUAL(opts.fanout, 1);
    OK("--trials", "3");
    CU_ASSERT_EQUAL(opts.trials, 3);
    /* Success clears err. */
    CU_ASSERT_STRING_EQUAL(err, "");
}

static void test_one_line(void)
{
    /* A value with a newline must not break the one-line contract. */
    FAIL1(GB_ENOENT, "foo", "--protocol", "foo\nbar");
    FAIL1(GB_EINVAL, "--nodes", "--nodes", "4\n5");
}

static void test_command_line(void)
{
    OK("--nodes", "8", "--protocol", "push,pull");
    CU_ASSERT_STRING_EQUAL(opts.command_line, "gossip-bench --nodes 8 --protocol push,pull");
    /* Words a shell would split or expand are quoted so that the line can be reused. */
    OK("--output", "my results.jsonl");
    CU_ASSERT_STRING_EQUAL(opts.command_line, "gossip-bench --output 'my results.jsonl'");
    OK("--output", "it's");
    CU_ASSERT_STRING_EQUAL(opts.command_line, "gossip-bench --output 'it'\\''s'");

    /* A command longer than the buffer is cut between words and marked. */
    char *argv[MAX_ARGS];
    int argc = 0;
    argv[argc++] = (char *)"gossip-bench";
    for (int i = 0; i < 30; i++) {
        argv[argc++] = (char *)"--output";
        argv[argc++] = (char *)"results/a-rather-long-file-name.jsonl";
    }
    argv[argc] = NULL;
    CU_ASSERT_EQUAL(gb_options_parse(argc, argv, &opts, err), 0);
    size_t len = strlen(opts.command_line);
    CU_ASSERT_TRUE(len < sizeof opts.command_line);
    CU_ASSERT_TRUE(len > 4 && strcmp(opts.command_line + len - 4, " ...") == 0);
    CU_ASSERT_EQUAL(strncmp(opts.command_line, "gossip-bench --output results/", 30), 0);

    /* One huge argument. */
    static char huge[3000];
    memset(huge, 'a', sizeof huge - 1);
    huge[sizeof huge - 1] = '\0';
    OK("--output", huge);
    CU_ASSERT_STRING_EQUAL(opts.command_line, "gossip-bench --output ...");
}

/* ------------------------------------------------------------------ spec splitting */

static void test_split_specs(void)
{
    char specs[4][GB_SPEC_LEN];
    char e[GB_ERRLEN];

    CU_ASSERT_EQUAL(gb_split_specs("push", specs, 4, e), 1);
    CU_ASSERT_STRING_EQUAL(specs[0], "push");

    CU_ASSERT_EQUAL(gb_split_specs("push,pull,push-pull", specs, 4, e), 3);
    CU_ASSERT_STRING_EQUAL(specs[0], "push");
    CU_ASSERT_STRING_EQUAL(specs[1], "pull");
    CU_ASSERT_STRING_EQUAL(specs[2], "push-pull");

    CU_ASSERT_EQUAL(gb_split_specs("a:k=1,m=2,b", specs, 4, e), 2);
    CU_ASSERT_STRING_EQUAL(specs[0], "a:k=1,m=2");
    CU_ASSERT_STRING_EQUAL(specs[1], "b");

    CU_ASSERT_EQUAL(gb_split_specs("rumor:k=2,mode=push,push", specs, 4, e), 2);
    CU_ASSERT_STRING_EQUAL(specs[0], "rumor:k=2,mode=push");
    CU_ASSERT_STRING_EQUAL(specs[1], "push");

    /* A new name with its own parameters starts a new spec. */
    CU_ASSERT_EQUAL(gb_split_specs("a:k=1,b:k=2,m=3", specs, 4, e), 2);
    CU_ASSERT_STRING_EQUAL(specs[0], "a:k=1");
    CU_ASSERT_STRING_EQUAL(specs[1], "b:k=2,m=3");

    /* Parameters after a bare name open its parameter list. */
    CU_ASSERT_EQUAL(gb_split_specs("a,k=1,m=2", specs, 4, e), 1);
    CU_ASSERT_STRING_EQUAL(specs[0], "a:k=1,m=2");
    CU_ASSERT_EQUAL(gb_split_specs("a:,k=1", specs, 4, e), 1);
    CU_ASSERT_STRING_EQUAL(specs[0], "a:k=1");

    /* Exactly max items. */
    CU_ASSERT_EQUAL(gb_split_specs("a,b,c,d", specs, 4, e), 4);
    CU_ASSERT_STRING_EQUAL(specs[3], "d");

    /* Errors. */
    e[0] = '\0';
    CU_ASSERT_EQUAL(gb_split_specs("a,b,c,d,e", specs, 4, e), GB_EINVAL);
    CU_ASSERT_TRUE(e[0] != '\0' && strchr(e, '\n') == NULL);
    const char *bad[] = {"", "push,,pull", ",push", "push,", ",", "k=1,push", "k=1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        e[0] = '\0';
        char what[128];
        snprintf(what, sizeof what, "gb_split_specs(\"%s\") should fail", bad[i]);
        int rc = gb_split_specs(bad[i], specs, 4, e);
        CU_assertImplementation(rc == GB_EINVAL ? CU_TRUE : CU_FALSE, __LINE__, what, __FILE__,
                                "", CU_FALSE);
        CU_ASSERT_TRUE(e[0] != '\0' && strchr(e, '\n') == NULL);
    }
    CU_ASSERT_EQUAL(gb_split_specs(NULL, specs, 4, e), GB_EINVAL);

    /* Too long: one item, and an item grown too long by continuation. */
    char list[GB_SPEC_LEN + 1];
    memset(list, 'p', GB_SPEC_LEN);
    list[GB_SPEC_LEN] = '\0';
    CU_ASSERT_EQUAL(gb_split_specs(list, specs, 4, e), GB_EINVAL);
    list[GB_SPEC_LEN - 1] = '\0';
    CU_ASSERT_EQUAL(gb_split_specs(list, specs, 4, e), 1);
    CU_ASSERT_EQUAL(strlen(specs[0]), GB_SPEC_LEN - 1);
    char cont[2 * GB_SPEC_LEN];
    snprintf(cont, sizeof cont, "a:k=1,m=%0*d", GB_SPEC_LEN - 9, 0);
    CU_ASSERT_EQUAL(strlen(cont), GB_SPEC_LEN - 1);
    CU_ASSERT_EQUAL(gb_split_specs(cont, specs, 4, e), 1);
    CU_ASSERT_EQUAL(strlen(specs[0]), GB_SPEC_LEN - 1);
    snprintf(cont, sizeof cont, "a:k=1,m=%0*d", GB_SPEC_LEN - 8, 0);
    e[0] = '\0';
    CU_ASSERT_EQUAL(gb_split_specs(cont, specs, 4, e), GB_EINVAL);
    CU_ASSERT_TRUE(e[0] != '\0' && strchr(e, '\n') == NULL);

    /* Through the parser: too many protocols, an empty item, a leading parameter. */
    char many[GB_MAX_PROTOCOLS * 8 + 16] = "";
    for (int i = 0; i <= GB_MAX_PROTOCOLS; i++)
        strcat(many, i ? ",push" : "push");
    FAIL1(GB_EINVAL, "--protocol", "--protocol", many);
    FAIL2(GB_EINVAL, "--protocol", "push,,pull", "--protocol", "push,,pull");
    FAIL2(GB_EINVAL, "--protocol", "k=1", "--protocol", "k=1,push");
    FAIL1(GB_EINVAL, "--protocol", "--protocol", "push,");
}

/* ------------------------------------------------------------------ --help, --list */

/* Runs a printer into a memory buffer; returns a malloc'd string (or NULL). */
static char *capture(void (*fn)(FILE *, const char *), void (*fn2)(FILE *), const char *prog)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (f == NULL)
        return NULL;
    if (fn != NULL)
        fn(f, prog);
    else
        fn2(f);
    fclose(f);
    return buf;
}

static void test_usage(void)
{
    char *u = capture(gb_options_usage, NULL, "gossip-bench");
    CU_ASSERT_PTR_NOT_NULL_FATAL(u);
    const char *must[] = {"--protocol",  "--topology", "--nodes",   "--fanout",
                          "--trials",    "--warmup",   "--seed",    "--max-rounds",
                          "--payload",   "--transport", "--source", "--output",
                          "--csv",       "--ordered-delivery", "--quiet", "--list",
                          "--help",      "--version",  "push-pull", "complete",
                          "10000",       "alltoallv",  "Exit status", "mpirun -n 4"};
    for (size_t i = 0; i < sizeof must / sizeof must[0]; i++) {
        char what[96];
        snprintf(what, sizeof what, "usage mentions '%s'", must[i]);
        CU_assertImplementation(strstr(u, must[i]) ? CU_TRUE : CU_FALSE, __LINE__, what,
                                __FILE__, "", CU_FALSE);
    }
    free(u);
    u = capture(gb_options_usage, NULL, NULL);
    CU_ASSERT_PTR_NOT_NULL(u);
    free(u);
}

static void test_list(void)
{
    char *l = capture(NULL, gb_options_list, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(l);
    const char *p = strstr(l, "Protocols:");
    const char *t = strstr(l, "Topologies:");
    CU_ASSERT_PTR_NOT_NULL(p);
    CU_ASSERT_PTR_NOT_NULL(t);
    CU_ASSERT_TRUE(p != NULL && t != NULL && p < t);
    /* Generated from the registries: every entry and every parameter appears. */
    for (const gb_protocol_ops *const *o = gb_protocol_table; *o != NULL; o++) {
        CU_ASSERT_PTR_NOT_NULL(strstr(l, (*o)->name));
        for (const gb_param_desc *d = (*o)->params; d != NULL && d->name != NULL; d++) {
            char key[80];
            snprintf(key, sizeof key, "%s=<", d->name);
            CU_ASSERT_PTR_NOT_NULL(strstr(l, key));
        }
    }
    for (const gb_topology_ops *const *o = gb_topology_table; *o != NULL; o++) {
        CU_ASSERT_TRUE(t != NULL && strstr(t, (*o)->name));
        for (const gb_param_desc *d = (*o)->params; d != NULL && d->name != NULL; d++) {
            char key[80];
            snprintf(key, sizeof key, "%s=<", d->name);
            CU_ASSERT_TRUE(t != NULL && strstr(t, key));
        }
    }
    CU_ASSERT_TRUE(t != NULL && strstr(t, "torus"));
    CU_ASSERT_TRUE(t != NULL && strstr(t, "dims=<string>"));
    CU_ASSERT_TRUE(t != NULL && strstr(t, "d=<int> (default "));
    free(l);
}

/* --threads and its default from OMP_NUM_THREADS (gb_options_threads). */
static void test_threads(void)
{
    uint32_t t = 99;
    OK("--nodes", "16");
    CU_ASSERT_EQUAL(gb_options_threads(&opts, NULL, &t, err), 0);
    CU_ASSERT_EQUAL(t, 1);
    FAIL2(GB_ERANGE, "--threads", "'0'", "--threads", "0");
    FAIL2(GB_ERANGE, "--threads", "257", "--threads", "257");
    FAIL2(GB_EINVAL, "--threads", "x", "--threads", "x");
    FAIL2(GB_EINVAL, "--threads", "2.5", "--threads", "2.5");
    FAIL2(GB_EINVAL, "number of threads or auto", "'autox'", "--threads", "autox");
    FAIL2(GB_EINVAL, "number of threads or auto", "'-1'", "--threads", "-1");
    /* auto is resolved by the driver once it knows the ranks' CPUs; it wins over the
     * environment as a number does, with or without OpenMP (without, it resolves to 1). */
    OK("--threads", "auto");
    CU_ASSERT_EQUAL(opts.threads, GB_THREADS_AUTO);
    CU_ASSERT_EQUAL(gb_options_threads(&opts, "5", &t, err), 0);
    CU_ASSERT_EQUAL(t, GB_THREADS_AUTO);
#ifdef HAVE_OPENMP
    OK("--threads", "3");
    CU_ASSERT_EQUAL(opts.threads, 3);
    /* --threads wins over the environment. */
    CU_ASSERT_EQUAL(gb_options_threads(&opts, "5", &t, err), 0);
    CU_ASSERT_EQUAL(t, 3);
    OK("--nodes", "16");
    CU_ASSERT_EQUAL(gb_options_threads(&opts, "4", &t, err), 0);
    CU_ASSERT_EQUAL(t, 4);
    CU_ASSERT_EQUAL(gb_options_threads(&opts, "2,1", &t, err), 0); /* nested: first level */
    CU_ASSERT_EQUAL(t, 2);
    /* What the OpenMP runtime ignores gives the plain default. */
    CU_ASSERT_EQUAL(gb_options_threads(&opts, "", &t, err), 0);
    CU_ASSERT_EQUAL(t, 1);
    CU_ASSERT_EQUAL(gb_options_threads(&opts, "lots", &t, err), 0);
    CU_ASSERT_EQUAL(t, 1);
    CU_ASSERT_EQUAL(gb_options_threads(&opts, "0", &t, err), 0);
    CU_ASSERT_EQUAL(t, 1);
    CU_ASSERT_EQUAL(gb_options_threads(&opts, "257", &t, err), GB_ERANGE);
    CHECK_ERR("OMP_NUM_THREADS=257");
#else
    FAIL2(GB_EINVAL, "--threads 2", "without OpenMP", "--threads", "2");
    OK("--threads", "1");
    CU_ASSERT_EQUAL(gb_options_threads(&opts, "4", &t, err), 0);
    CU_ASSERT_EQUAL(t, 1);
#endif
}

static void test_transport_name(void)
{
    CU_ASSERT_STRING_EQUAL(gb_transport_name(GB_TRANSPORT_AUTO), "auto");
    CU_ASSERT_STRING_EQUAL(gb_transport_name(GB_TRANSPORT_LOCAL), "local");
    CU_ASSERT_STRING_EQUAL(gb_transport_name(GB_TRANSPORT_NBX), "nbx");
    CU_ASSERT_STRING_EQUAL(gb_transport_name(GB_TRANSPORT_ALLTOALLV), "alltoallv");
    CU_ASSERT_PTR_NOT_NULL(gb_transport_name((enum gb_transport_kind)99));
}

int gb_test_register_options(void)
{
    CU_pSuite s = CU_add_suite("options", NULL, NULL);
    if (s == NULL)
        return CU_get_error();
    static const struct {
        const char *name;
        void (*fn)(void);
    } tests[] = {
        {"defaults", test_defaults},
        {"good values", test_good_values},
        {"protocol list", test_protocol_list},
        {"missing value", test_missing_value},
        {"bad numbers", test_bad_numbers},
        {"bad words and paths", test_bad_words},
        {"unknown option", test_unknown_option},
        {"positional argument", test_positional},
        {"unknown protocol or topology", test_unknown_names},
        {"bad parameters", test_bad_params},
        {"duplicate protocol", test_duplicate_protocol},
        {"source vs nodes", test_source_vs_nodes},
        {"help, version, list", test_actions},
        {"parse twice", test_parse_twice},
        {"one-line errors", test_one_line},
        {"command line", test_command_line},
        {"split specs", test_split_specs},
        {"usage text", test_usage},
        {"list text", test_list},
        {"transport names", test_transport_name},
        {"threads", test_threads},
    };
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++)
        if (CU_add_test(s, tests[i].name, tests[i].fn) == NULL)
            return CU_get_error();
    return CUE_SUCCESS;
}
