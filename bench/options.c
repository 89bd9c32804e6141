/* options.c: gossip-bench's options: defaults, the getopt_long parser, --help and --list.
 *
 * The parser is pure (no MPI, no printing, no exit) so that the unit tests can drive it
 * with any argv and so that every rank of an MPI run reaches the same verdict before
 * MPI_Init. getopt_long's own messages are switched off: they would be printed by every
 * rank and could not be tested, so this file writes one line into err instead. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "options.h"
#include "gb_papi.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "unknown"
#endif

/* Defaults and limits live here once, so that gb_options_defaults, the range checks and
 * the --help text cannot drift apart. */
#define DEF_PROTOCOL "push-pull"
#define DEF_TOPOLOGY "complete"
#define DEF_FANOUT 1
#define DEF_TRIALS 10
#define DEF_WARMUP 1
#define DEF_SEED 1
#define DEF_MAX_ROUNDS 10000
#define DEF_PAYLOAD 32
#define MAX_TRIALS 1000000
#define MAX_WARMUP 1000000
#define MAX_ROUNDS 100000000
#define MAX_PAYLOAD 1048576

/* Long-only options get values above any char so that optopt identifies them. */
enum {
    OPT_PROTOCOL = 256,
    OPT_TOPOLOGY,
    OPT_NODES,
    OPT_FANOUT,
    OPT_TRIALS,
    OPT_WARMUP,
    OPT_SEED,
    OPT_MAX_ROUNDS,
    OPT_PAYLOAD,
    OPT_TRANSPORT,
    OPT_SOURCE,
    OPT_OUTPUT,
    OPT_CSV,
    OPT_ORDERED,
    OPT_QUIET,
    OPT_LIST,
    OPT_REPLAY,
    OPT_DUMP,
    OPT_PAPI_EVENTS,
    OPT_PAPI_REQUIRED,
    OPT_BIND,
    OPT_FAULTS,
    OPT_THREADS
};

static const struct option long_options[] = {
    {"protocol", required_argument, NULL, OPT_PROTOCOL},
    {"topology", required_argument, NULL, OPT_TOPOLOGY},
    {"nodes", required_argument, NULL, OPT_NODES},
    {"fanout", required_argument, NULL, OPT_FANOUT},
    {"trials", required_argument, NULL, OPT_TRIALS},
    {"warmup", required_argument, NULL, OPT_WARMUP},
    {"seed", required_argument, NULL, OPT_SEED},
    {"max-rounds", required_argument, NULL, OPT_MAX_ROUNDS},
    {"payload", required_argument, NULL, OPT_PAYLOAD},
    {"transport", required_argument, NULL, OPT_TRANSPORT},
    {"source", required_argument, NULL, OPT_SOURCE},
    {"output", required_argument, NULL, OPT_OUTPUT},
    {"csv", required_argument, NULL, OPT_CSV},
    {"ordered-delivery", no_argument, NULL, OPT_ORDERED},
    {"replay-exchange", no_argument, NULL, OPT_REPLAY},
    {"dump-topology", required_argument, NULL, OPT_DUMP},
    {"papi-events", required_argument, NULL, OPT_PAPI_EVENTS},
    {"papi-required", no_argument, NULL, OPT_PAPI_REQUIRED},
    {"bind", no_argument, NULL, OPT_BIND},
    {"faults", required_argument, NULL, OPT_FAULTS},
    {"threads", required_argument, NULL, OPT_THREADS},
    {"quiet", no_argument, NULL, OPT_QUIET},
    {"list", no_argument, NULL, OPT_LIST},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0}};

/* '+' stops at the first non-option instead of permuting argv (so the caller's array is
 * left as it was and a stray word is reported, not silently moved); ':' makes getopt
 * return ':' for a missing value, which needs a different message from an unknown
 * option. */
static const char short_options[] = "+:hV";

static const char *const transport_names[] = {
    [GB_TRANSPORT_AUTO] = "auto",
    [GB_TRANSPORT_LOCAL] = "local",
    [GB_TRANSPORT_NBX] = "nbx",
    [GB_TRANSPORT_ALLTOALLV] = "alltoallv",
};

const char *gb_transport_name(enum gb_transport_kind k)
{
    if ((unsigned)k < GB_ARRAY_LEN(transport_names))
        return transport_names[k];
    return "unknown";
}

void gb_options_defaults(gb_options *o)
{
    memset(o, 0, sizeof *o);
    o->action = GB_ACT_RUN;
    /* The default protocol and topology are resolved through the registries like user
     * input, so that the driver never sees a half-filled entry. Should a registry ever
     * lack them, the entry stays empty and gb_options_parse reports it. */
    const gb_protocol_ops *p = gb_protocol_find(DEF_PROTOCOL);
    if (p != NULL &&
        gb_params_parse(&o->protocol_params[0], p->params, NULL, "protocol", p->name, NULL) == 0) {
        snprintf(o->protocol_spec[0], GB_SPEC_LEN, "%s", DEF_PROTOCOL);
        o->protocol[0] = p;
        o->nprotocols = 1;
    }
    const gb_topology_ops *t = gb_topology_find(DEF_TOPOLOGY);
    if (t != NULL &&
        gb_params_parse(&o->topology_params, t->params, NULL, "topology", t->name, NULL) == 0) {
        snprintf(o->topology_spec, GB_SPEC_LEN, "%s", DEF_TOPOLOGY);
        o->topology = t;
    }
    o->nodes = 0;
    o->fanout = DEF_FANOUT;
    o->trials = DEF_TRIALS;
    o->warmup = DEF_WARMUP;
    o->seed = DEF_SEED;
    o->max_rounds = DEF_MAX_ROUNDS;
    o->payload = DEF_PAYLOAD;
    o->transport = GB_TRANSPORT_AUTO;
    o->source_random = 0;
    o->source = 0;
    o->output[0] = '\0';
    o->csv[0] = '\0';
    o->dump[0] = '\0';
    snprintf(o->papi_events, sizeof o->papi_events, "%s", GB_PAPI_DEFAULT_EVENTS);
    o->papi_required = 0;
    o->bind = 0;
    o->threads = 0;
    o->ordered = 0;
    o->replay = 0;
    o->quiet = 0;
}

/* ------------------------------------------------------------------ command line */

/* Characters that a POSIX shell takes literally; anything else gets single quotes, so
 * that the recorded command can be pasted back to repeat the run. */
static int shell_safe(const char *s)
{
    if (*s == '\0')
        return 0;
    for (; *s != '\0'; s++)
        if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                   "_./:=,+@%^-",
                   *s) == NULL)
            return 0;
    return 1;
}

/* Appends n bytes if they fit below `limit`; returns 0 or -1 (nothing written). */
static int put(char *dst, size_t limit, size_t *used, const char *s, size_t n)
{
    if (*used + n >= limit)
        return -1;
    memcpy(dst + *used, s, n);
    *used += n;
    dst[*used] = '\0';
    return 0;
}

/* Joins argv with spaces, quoting where needed. A command that does not fit ends in
 * " ..." rather than in a cut-off word that would look like a different argument. */
static void record_command_line(char *dst, size_t cap, int argc, char **argv)
{
    static const char more[] = " ...";
    const size_t limit = cap - (sizeof more - 1); /* room kept for the marker */
    size_t used = 0;
    dst[0] = '\0';
    for (int i = 0; i < argc && argv[i] != NULL; i++) {
        size_t mark = used;
        int bad = (i > 0 && put(dst, limit, &used, " ", 1) < 0);
        const char *a = argv[i];
        if (!bad && shell_safe(a)) {
            bad = put(dst, limit, &used, a, strlen(a)) < 0;
        } else if (!bad) {
            bad = put(dst, limit, &used, "'", 1) < 0;
            for (const char *c = a; !bad && *c != '\0'; c++)
                bad = (*c == '\'') ? put(dst, limit, &used, "'\\''", 4) < 0
                                   : put(dst, limit, &used, c, 1) < 0;
            bad = bad || put(dst, limit, &used, "'", 1) < 0;
        }
        if (bad) {
            dst[mark] = '\0';
            snprintf(dst + mark, cap - mark, "%s", more);
            return;
        }
    }
}

/* ------------------------------------------------------------------ values */

/* Parses a whole decimal number in [min, max]. Only plain digits are accepted: strtoull
 * alone would take " 12" and "+12" and turn "-3" into a huge value, and a typo must never
 * become a different experiment. Non-numbers give GB_EINVAL, numbers outside the range
 * (negative and overflowing ones included) GB_ERANGE. */
static int parse_number(const char *opt, const char *s, uint64_t min, uint64_t max,
                        uint64_t *out, char *err)
{
    size_t start = (s[0] == '-') ? 1 : 0;
    int ok = s[start] != '\0';
    for (size_t i = start; ok && s[i] != '\0'; i++)
        ok = s[i] >= '0' && s[i] <= '9';
    if (!ok)
        return gb_seterr(err, GB_EINVAL, "%s: expected a whole decimal number, got '%s'", opt, s);
    errno = 0;
    unsigned long long v = start ? 0 : strtoull(s, NULL, 10);
    if (start || errno == ERANGE || v < min || v > max)
        return gb_seterr(err, GB_ERANGE, "%s: '%s' is out of range [%" PRIu64 ", %" PRIu64 "]",
                         opt, s, min, max);
    *out = (uint64_t)v;
    return 0;
}

static int parse_u32(const char *opt, const char *s, uint64_t min, uint64_t max, uint32_t *out,
                     char *err)
{
    uint64_t v;
    int rc = parse_number(opt, s, min, max, &v, err);
    if (rc == 0)
        *out = (uint32_t)v;
    return rc;
}

static int parse_nodes(const char *s, uint64_t *out, char *err)
{
    /* 0 is the internal "one node per rank" default; the user gets it by leaving the
     * option out, and one node has nobody to gossip with. Both get their own message. */
    uint64_t v;
    if (parse_number("--nodes", s, 0, GB_NODE_MAX, &v, NULL) == 0 && v < 2)
        return gb_seterr(err, GB_ERANGE,
                         "--nodes must be at least 2, got '%s' (leave it out for one node per "
                         "rank)",
                         s);
    return parse_number("--nodes", s, 2, GB_NODE_MAX, out, err);
}

static int parse_threads(const char *s, uint32_t *out, char *err)
{
    if (strcmp(s, "auto") == 0) {
        *out = GB_THREADS_AUTO;
        return 0;
    }
    if (*s < '0' || *s > '9')
        return gb_seterr(err, GB_EINVAL,
                         "--threads: expected a number of threads or auto, got '%s'", s);
    uint32_t v = 1;
    int rc = parse_u32("--threads", s, 1, GB_MAX_THREADS, &v, err);
    if (rc < 0)
        return rc;
#ifndef HAVE_OPENMP
    if (v > 1)
        return gb_seterr(err, GB_EINVAL,
                         "--threads %s: this gossip-bench was built without OpenMP, so it runs "
                         "one thread per rank (use more ranks instead)", s);
#endif
    *out = v;
    return 0;
}

int gb_options_threads(const gb_options *o, const char *omp_num_threads, uint32_t *out,
                       char *err)
{
    if (o->threads > 0) {
        *out = o->threads;
        return 0;
    }
    *out = 1;
#ifdef HAVE_OPENMP
    if (omp_num_threads == NULL || *omp_num_threads == '\0')
        return 0;
    /* A list "N[,M...]" gives the outermost level first: that is ours. */
    char first[32];
    size_t len = strcspn(omp_num_threads, ",");
    if (len >= sizeof first)
        len = sizeof first - 1;
    memcpy(first, omp_num_threads, len);
    first[len] = '\0';
    /* What is not a positive number the OpenMP runtime ignores too (libgomp says so on
     * stderr); a count we cannot run is an error, as for --threads. */
    uint64_t v;
    if (parse_number("OMP_NUM_THREADS", first, 1, UINT64_MAX, &v, NULL) < 0)
        return 0;
    if (v > GB_MAX_THREADS)
        return gb_seterr(err, GB_ERANGE,
                         "OMP_NUM_THREADS=%s: more than %u threads per rank (it sets the "
                         "default of --threads; pass --threads N or change it)",
                         omp_num_threads, GB_MAX_THREADS);
    *out = (uint32_t)v;
#else
    (void)omp_num_threads;
    (void)err;
#endif
    return 0;
}

static int parse_source(gb_options *o, const char *s, char *err)
{
    if (strcmp(s, "random") == 0) {
        o->source_random = 1;
        o->source = 0;
        return 0;
    }
    uint64_t v;
    int rc = parse_number("--source", s, 0, (uint64_t)GB_NODE_MAX - 1, &v, err);
    if (rc == GB_EINVAL)
        return gb_seterr(err, GB_EINVAL, "--source: expected a node id or 'random', got '%s'", s);
    if (rc < 0)
        return rc;
    o->source_random = 0;
    o->source = (gb_node_t)v;
    return 0;
}

static int parse_transport(gb_options *o, const char *s, char *err)
{
    for (size_t k = 0; k < GB_ARRAY_LEN(transport_names); k++) {
        if (strcmp(s, transport_names[k]) == 0) {
            o->transport = (enum gb_transport_kind)k;
            return 0;
        }
    }
    return gb_seterr(err, GB_EINVAL,
                     "--transport: unknown transport '%s' (expected auto, local, nbx or alltoallv)",
                     s);
}

static int parse_path(const char *opt, const char *s, char *dst, char *err)
{
    if (*s == '\0')
        return gb_seterr(err, GB_EINVAL, "%s: empty file name", opt);
    size_t len = strlen(s);
    if (len >= GB_PATH_LEN)
        return gb_seterr(err, GB_EINVAL, "%s: file name is too long (%zu bytes, at most %d)", opt,
                         len, GB_PATH_LEN - 1);
    memcpy(dst, s, len + 1);
    return 0;
}

/* Splits "name[:params]" into name (copied into a buffer of GB_SPEC_LEN) and the text
 * after the first ':' (NULL without a colon). The caller has checked spec's length. */
static const char *split_name(const char *spec, char *name)
{
    const char *colon = strchr(spec, ':');
    size_t len = colon ? (size_t)(colon - spec) : strlen(spec);
    memcpy(name, spec, len);
    name[len] = '\0';
    return colon ? colon + 1 : NULL;
}

/* Large enough for every parameter of a component as "k=v": duplicates are found by
 * comparing resolved parameters, and a cut-off comparison could call two different
 * configurations the same. */
#define FORMAT_LEN (GB_PARAMS_MAX * (GB_PARAM_VALUE_LEN + 64))

static int parse_protocols(gb_options *o, const char *list, char *err)
{
    char specs[GB_MAX_PROTOCOLS][GB_SPEC_LEN];
    char why[GB_ERRLEN] = "";
    int n = gb_split_specs(list, specs, GB_MAX_PROTOCOLS, why);
    if (n < 0)
        return gb_seterr(err, n, "--protocol: %s", why);
    for (int i = 0; i < n; i++) {
        char name[GB_SPEC_LEN];
        const char *rest = split_name(specs[i], name);
        if (name[0] == '\0')
            return gb_seterr(err, GB_EINVAL, "--protocol: missing protocol name in '%s'",
                             specs[i]);
        const gb_protocol_ops *ops = gb_protocol_find(name);
        const gb_session_ops *sops = ops == NULL ? gb_session_find(name) : NULL;
        if (ops == NULL && sops == NULL)
            return gb_seterr(err, GB_ENOENT, "unknown protocol '%s' (see --list)", name);
        int rc = gb_params_parse(&o->protocol_params[i], ops ? ops->params : sops->params,
                                 rest, "protocol", name, err);
        if (rc < 0)
            return rc;
        o->protocol[i] = ops;
        o->session[i] = sops;
        memcpy(o->protocol_spec[i], specs[i], GB_SPEC_LEN);
    }
    /* Running the same configuration twice only doubles the time and makes two result
     * rows that cannot be told apart, so it is refused. "Same" means the same protocol
     * with the same resolved parameters: "push" and "push:" are one configuration. */
    for (int i = 1; i < n; i++) {
        char a[FORMAT_LEN], b[FORMAT_LEN];
        gb_params_format(&o->protocol_params[i], a, sizeof a);
        for (int j = 0; j < i; j++) {
            if (o->protocol[j] != o->protocol[i] || o->session[j] != o->session[i])
                continue;
            gb_params_format(&o->protocol_params[j], b, sizeof b);
            if (strcmp(a, b) == 0)
                return gb_seterr(err, GB_EINVAL,
                                 "--protocol: '%s' is given twice (same as '%s')",
                                 o->protocol_spec[i], o->protocol_spec[j]);
        }
    }
    o->nprotocols = n;
    return 0;
}

static int parse_topology(gb_options *o, const char *spec, char *err)
{
    if (*spec == '\0')
        return gb_seterr(err, GB_EINVAL, "--topology: empty topology name");
    if (strlen(spec) >= GB_SPEC_LEN)
        return gb_seterr(err, GB_EINVAL, "--topology: spec is too long (at most %d bytes)",
                         GB_SPEC_LEN - 1);
    char name[GB_SPEC_LEN];
    const char *rest = split_name(spec, name);
    if (name[0] == '\0')
        return gb_seterr(err, GB_EINVAL, "--topology: missing topology name in '%s'", spec);
    const gb_topology_ops *ops = gb_topology_find(name);
    if (ops == NULL)
        return gb_seterr(err, GB_ENOENT, "unknown topology '%s' (see --list)", name);
    /* Only the parameters are checked here; whether they fit the node count is known
     * when the driver builds the topology. */
    int rc = gb_params_parse(&o->topology_params, ops->params, rest, "topology", ops->name, err);
    if (rc < 0)
        return rc;
    o->topology = ops;
    snprintf(o->topology_spec, GB_SPEC_LEN, "%s", spec);
    return 0;
}

int gb_split_specs(const char *list, char specs[][GB_SPEC_LEN], int max, char *err)
{
    if (list == NULL || *list == '\0')
        return gb_seterr(err, GB_EINVAL, "empty list");
    int n = 0;
    const char *p = list;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (len == 0)
            return gb_seterr(err, GB_EINVAL, "empty item in '%s'", list);
        int cont = memchr(p, '=', len) != NULL && memchr(p, ':', len) == NULL;
        if (cont) {
            /* "key=value" continues the previous spec's parameters: the comma was a
             * parameter separator, not a list separator. */
            if (n == 0)
                return gb_seterr(err, GB_EINVAL, "'%.*s' in '%s' comes before any name",
                                 (int)len, p, list);
            char *prev = specs[n - 1];
            size_t cur = strlen(prev);
            /* "rumor,k=2" has no parameters yet, so the first one opens them with ':'. */
            const char *colon = strchr(prev, ':');
            const char *sep = colon == NULL ? ":" : (colon[1] == '\0' ? "" : ",");
            if (cur + strlen(sep) + len >= GB_SPEC_LEN)
                return gb_seterr(err, GB_EINVAL, "item '%.20s...' is too long (at most %d bytes)",
                                 prev, GB_SPEC_LEN - 1);
            memcpy(prev + cur, sep, strlen(sep));
            cur += strlen(sep);
            memcpy(prev + cur, p, len);
            prev[cur + len] = '\0';
        } else {
            if (n >= max)
                return gb_seterr(err, GB_EINVAL, "more than %d items in '%s'", max, list);
            if (len >= GB_SPEC_LEN)
                return gb_seterr(err, GB_EINVAL, "item '%.20s...' is too long (at most %d bytes)",
                                 p, GB_SPEC_LEN - 1);
            memcpy(specs[n], p, len);
            specs[n][len] = '\0';
            n++;
        }
        if (comma == NULL)
            break;
        p = comma + 1;
    }
    return n;
}

/* ------------------------------------------------------------------ getopt errors */

static const struct option *option_by_val(int val)
{
    for (const struct option *lo = long_options; lo->name != NULL; lo++)
        if (lo->val == val)
            return lo;
    return NULL;
}

/* Describes an argument getopt_long refused as an unknown long option. getopt does not
 * tell an unknown name from an ambiguous abbreviation ("--t"), so the table is searched
 * here to say which. */
static int unknown_long(const char *arg, char *err)
{
    const char *name = arg + 2;
    size_t len = strcspn(name, "=");
    char cands[GB_ERRLEN] = "";
    size_t used = 0;
    int matches = 0;
    for (const struct option *lo = long_options; lo->name != NULL; lo++) {
        if (len > 0 && strncmp(lo->name, name, len) == 0) {
            matches++;
            int w = snprintf(cands + used, sizeof cands - used, "%s--%s", used ? ", " : "",
                             lo->name);
            if (w > 0 && (size_t)w < sizeof cands - used)
                used += (size_t)w;
        }
    }
    if (matches > 1)
        return gb_seterr(err, GB_EINVAL, "ambiguous option '--%.*s' (could be %s)", (int)len,
                         name, cands);
    return gb_seterr(err, GB_EINVAL, "unknown option '--%.*s' (see --help)", (int)len, name);
}

static int getopt_error(int c, int argc, char **argv, char *err)
{
    const struct option *lo = option_by_val(optopt);
    if (c == ':') {
        if (lo != NULL)
            return gb_seterr(err, GB_EINVAL, "option '--%s' needs a value", lo->name);
        return gb_seterr(err, GB_EINVAL, "option '-%c' needs a value", optopt);
    }
    /* c == '?': optopt is 0 for an unknown long option, the option's value for a long
     * option given "=value" that it does not take, and the character for an unknown
     * short option. */
    if (optopt == 0) {
        const char *arg = (optind > 0 && optind - 1 < argc) ? argv[optind - 1] : "";
        if (strncmp(arg, "--", 2) == 0)
            return unknown_long(arg, err);
        return gb_seterr(err, GB_EINVAL, "unknown option '%s' (see --help)", arg);
    }
    if (lo != NULL)
        return gb_seterr(err, GB_EINVAL, "option '--%s' does not take a value", lo->name);
    if (optopt > ' ' && optopt < 127)
        return gb_seterr(err, GB_EINVAL, "unknown option '-%c' (see --help)", optopt);
    return gb_seterr(err, GB_EINVAL, "unknown option (see --help)");
}

/* The contract promises one line: values echoed from the command line may hold newlines
 * or other control characters, which would break the driver's one-line report. */
static void one_line(char *err)
{
    if (err == NULL)
        return;
    for (char *c = err; *c != '\0'; c++)
        if ((unsigned char)*c < ' ' || *c == 127)
            *c = '?';
}

/* ------------------------------------------------------------------ parser */

/* --papi-events: comma-separated names of letters, digits, ':', '_', '-', '.' (PAPI preset
 * and native names), or "none". */
static int parse_events(const char *arg, char *out, char *err)
{
    size_t len = strlen(arg);
    if (len == 0)
        return gb_seterr(err, GB_EINVAL, "--papi-events: empty list (use 'none' for no events)");
    if (len >= GB_SPEC_LEN)
        return gb_seterr(err, GB_EINVAL, "--papi-events: list is too long");
    int items = 1;
    for (size_t i = 0; i < len; i++) {
        char ch = arg[i];
        if (ch == ',') {
            if (i == 0 || arg[i - 1] == ',' || i + 1 == len)
                return gb_seterr(err, GB_EINVAL, "--papi-events: empty event name in '%s'", arg);
            items++;
        } else if (!(isalnum((unsigned char)ch) || ch == ':' || ch == '_' || ch == '-' ||
                     ch == '.' || ch == '=')) {
            return gb_seterr(err, GB_EINVAL, "--papi-events: bad character '%c' in '%s'", ch,
                             arg);
        }
    }
    if (items > GB_PAPI_MAX_EVENTS)
        return gb_seterr(err, GB_EINVAL, "--papi-events: %d events, at most %d", items,
                         GB_PAPI_MAX_EVENTS);
    memcpy(out, arg, len + 1);
    return 0;
}

static int parse_option(gb_options *o, int c, const char *arg, char *err)
{
    uint64_t v;
    int rc;
    switch (c) {
    case OPT_PROTOCOL: return parse_protocols(o, arg, err);
    case OPT_TOPOLOGY: return parse_topology(o, arg, err);
    case OPT_NODES: return parse_nodes(arg, &o->nodes, err);
    case OPT_FANOUT: return parse_u32("--fanout", arg, 1, GB_MAX_FANOUT, &o->fanout, err);
    case OPT_TRIALS: return parse_u32("--trials", arg, 1, MAX_TRIALS, &o->trials, err);
    case OPT_WARMUP: return parse_u32("--warmup", arg, 0, MAX_WARMUP, &o->warmup, err);
    case OPT_SEED:
        rc = parse_number("--seed", arg, 0, UINT64_MAX, &v, err);
        if (rc == 0)
            o->seed = v;
        return rc;
    case OPT_MAX_ROUNDS:
        return parse_u32("--max-rounds", arg, 1, MAX_ROUNDS, &o->max_rounds, err);
    case OPT_PAYLOAD: return parse_u32("--payload", arg, 0, MAX_PAYLOAD, &o->payload, err);
    case OPT_TRANSPORT: return parse_transport(o, arg, err);
    case OPT_SOURCE: return parse_source(o, arg, err);
    case OPT_OUTPUT: return parse_path("--output", arg, o->output, err);
    case OPT_CSV: return parse_path("--csv", arg, o->csv, err);
    case OPT_ORDERED: o->ordered = 1; return 0;
    case OPT_QUIET: o->quiet = 1; return 0;
    case OPT_REPLAY: o->replay = 1; return 0;
    case OPT_DUMP: return parse_path("--dump-topology", arg, o->dump, err);
    case OPT_PAPI_EVENTS: return parse_events(arg, o->papi_events, err);
    case OPT_PAPI_REQUIRED: o->papi_required = 1; return 0;
    case OPT_BIND: o->bind = 1; return 0;
    case OPT_FAULTS: return gb_faults_parse(arg, &o->faults, err);
    case OPT_THREADS: return parse_threads(arg, &o->threads, err);
    default: return gb_seterr(err, GB_EINVAL, "internal error: option %d not handled", c);
    }
}

static int parse_all(int argc, char **argv, gb_options *o, char *err)
{
    /* optind = 0 (not 1) makes glibc drop all state of an earlier scan, including a
     * position inside a group of short options, so the parser can run again. */
    optind = 0;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, short_options, long_options, NULL)) != -1) {
        switch (c) {
        case 'h': o->action = GB_ACT_HELP; return 0;
        case 'V': o->action = GB_ACT_VERSION; return 0;
        case OPT_LIST: o->action = GB_ACT_LIST; return 0;
        case ':':
        case '?': return getopt_error(c, argc, argv, err);
        default: {
            int rc = parse_option(o, c, optarg, err);
            if (rc < 0)
                return rc;
        }
        }
    }
    if (optind < argc)
        return gb_seterr(err, GB_EINVAL, "unexpected argument '%s' (options start with --)",
                         argv[optind]);

    /* Checks that need the whole command line, since options may come in any order. */
    if (o->nprotocols == 0)
        return gb_seterr(err, GB_ENOENT, "default protocol '%s' is not registered",
                         DEF_PROTOCOL);
    if (o->topology == NULL)
        return gb_seterr(err, GB_ENOENT, "default topology '%s' is not registered",
                         DEF_TOPOLOGY);
    /* Recovery with empty state needs every protocol of the run to support it: a rumor
     * protocol through reset_node, a session protocol through event() (GB_EV_RECOVER_EMPTY;
     * o->protocol[i] is NULL for those). */
    for (int i = 0; o->faults.has_empty && i < o->nprotocols; i++) {
        if (o->protocol[i] != NULL && o->protocol[i]->reset_node == NULL)
            return gb_seterr(err, GB_EINVAL,
                             "--faults: protocol '%s' cannot recover nodes with empty state "
                             "(crash=F@R-R2:empty needs its reset_node)", o->protocol[i]->name);
        if (o->session[i] != NULL && o->session[i]->event == NULL)
            return gb_seterr(err, GB_EINVAL,
                             "--faults: protocol '%s' cannot recover nodes with empty state "
                             "(crash=F@R-R2:empty needs its event())", o->session[i]->name);
    }
    if (o->nodes != 0 && !o->source_random && o->source >= o->nodes)
        return gb_seterr(err, GB_ERANGE,
                         "--source: node %" PRIu32 " does not exist with --nodes %" PRIu64
                         " (ids 0..%" PRIu64 ")",
                         (uint32_t)o->source, o->nodes, o->nodes - 1);
    return 0;
}

int gb_options_parse(int argc, char **argv, gb_options *o, char *err)
{
    if (err != NULL)
        err[0] = '\0';
    gb_options_defaults(o);
    if (argc > 0 && argv != NULL)
        record_command_line(o->command_line, sizeof o->command_line, argc, argv);
    int rc = parse_all(argc, argv, o, err);
    if (rc < 0)
        one_line(err);
    return rc;
}

/* ------------------------------------------------------------------ --help, --list */

void gb_options_usage(FILE *out, const char *prog)
{
    if (prog == NULL || *prog == '\0')
        prog = "gossip-bench";
    fprintf(out,
            "Usage: %s [OPTIONS]\n"
            "       mpirun -n RANKS %s [OPTIONS]\n"
            "\n"
            "gossipbench %s: runs gossip protocols in synchronous rounds on an overlay of\n"
            "gossip nodes spread over the MPI ranks, and reports rounds to convergence,\n"
            "messages and bytes for every trial. The same options and seed give the same\n"
            "results on any number of ranks.\n"
            "\n",
            prog, prog, PACKAGE_VERSION);
    fprintf(out,
            "Experiment:\n"
            "  --protocol LIST      comma-separated protocols, each NAME[:KEY=VALUE,...];\n"
            "                       each one runs the same trials (default: %s)\n"
            "  --topology SPEC      overlay NAME[:KEY=VALUE,...] (default: %s)\n"
            "  --nodes N            gossip nodes in total, 2..%" PRIu32 "\n"
            "                       (default: one per MPI rank)\n"
            "  --fanout F           peers a node contacts per round, 1..%u (default: %d)\n"
            "  --source ID|random   node informed at round 0, or a random node per trial\n"
            "                       (default: 0)\n"
            "  --payload BYTES      modelled size of the rumor, 0..%d (default: %d)\n"
            "  --max-rounds R       end a trial after R rounds and record it as not\n"
            "                       converged, 1..%d (default: %d)\n"
            "  --faults SPEC        ';'-separated faults, the same on any rank count:\n"
            "                       loss=P (drop each message with probability P),\n"
            "                       crossloss=P@G (also drop with probability P messages\n"
            "                       between G groups of contiguous ids, e.g. hosts),\n"
            "                       crash=F@R[-R2[:empty]] (a fraction F of the nodes crash at\n"
            "                       round R, and recover with their state, or empty, at R2),\n"
            "                       partition=G@A-B[:random] (G groups of contiguous ids, or\n"
            "                       random groups, cut apart in rounds A..B), join=F@R (a fraction F of the nodes is absent\n"
            "                       until round R), leave=F@R (a fraction F leaves at round R),\n"
            "                       churn=L:J@A-B (in rounds A..B each node leaves with\n"
            "                       probability L, each absent one joins with probability J),\n"
            "                       slow=F:S (a fraction F of the nodes contact peers only in\n"
            "                       rounds that are multiples of S); crash, partition, join,\n"
            "                       leave and churn may repeat (64 in all); @FILE reads one\n"
            "                       item per line, # comments (default: none)\n"
            "\n",
            DEF_PROTOCOL, DEF_TOPOLOGY, (uint32_t)GB_NODE_MAX, GB_MAX_FANOUT, DEF_FANOUT,
            MAX_PAYLOAD, DEF_PAYLOAD, MAX_ROUNDS, DEF_MAX_ROUNDS);
    fprintf(out,
            "Measurement:\n"
            "  --trials T           recorded trials per protocol, 1..%d (default: %d)\n"
            "  --warmup W           trials run first and not recorded, 0..%d (default: %d)\n"
            "  --seed S             random seed, 0..%" PRIu64 " (default: %d)\n"
            "  --transport KIND     auto, local, nbx or alltoallv (default: auto: local on\n"
            "                       one rank, nbx otherwise; local needs one rank)\n"
            "  --ordered-delivery   deliver messages in canonical order even to protocols\n"
            "                       that do not need it (slower, same results; default: off)\n"
            "  --replay-exchange    after each trial, replay its per-round message volumes\n"
            "                       with plain MPI_Isend/MPI_Irecv (sizes known in advance)\n"
            "                       and report that time as replay_s, a floor for the\n"
            "                       transport's exchange_s (default: off)\n"
            "  --papi-events LIST   PAPI events counted on every rank around the gossip\n"
            "                       phase of each trial, comma-separated, or none\n"
            "                       (default: " GB_PAPI_DEFAULT_EVENTS ");\n"
            "                       events the machine lacks are reported unavailable\n"
            "  --papi-required      make an unavailable PAPI event an error (default: off)\n"
            "  --bind               bind each rank to one core (hwloc), for launches without\n"
            "                       a binding policy (default: off)\n"
            "  --threads N|auto     threads per rank (OpenMP) for the contact phase of\n"
            "                       thread-safe protocols (push, pull, push-pull, null),\n"
            "                       1..%u, or auto: the CPUs the rank may run on (its\n"
            "                       binding), at most the host's cores divided by its\n"
            "                       ranks, the least over ranks; other protocols and\n"
            "                       --ordered-delivery run on one; results are the same\n"
            "                       for any N (default: OMP_NUM_THREADS when it is a\n"
            "                       number, else 1)\n"
            "  --quiet              no progress on stderr (default: off)\n"
            "\n",
            MAX_TRIALS, DEF_TRIALS, MAX_WARMUP, DEF_WARMUP, UINT64_MAX, DEF_SEED,
            GB_MAX_THREADS);
    fprintf(out,
            "Output:\n"
            "  --output FILE        also write JSON Lines records (one per trial, one summary\n"
            "                       per protocol) to FILE (default: none)\n"
            "  --csv FILE           also write the trial records as CSV to FILE\n"
            "                       (default: none)\n"
            "  --dump-topology FILE write the overlay as an edge list ('# nodes N', then\n"
            "                       'u v' per edge, readable by --topology file:path=FILE),\n"
            "                       or as Graphviz DOT when FILE ends in .dot (up to 10000\n"
            "                       nodes) (default: none)\n"
            "\n"
            "Information:\n"
            "  --list               list protocols and topologies with their parameters,\n"
            "                       then exit\n"
            "  -h, --help           print this help, then exit\n"
            "  -V, --version        print the version, then exit\n"
            "\n"
            "Numbers are whole decimal integers. An option given twice keeps its last value.\n"
            "Parameters of protocols and topologies, their defaults and ranges: --list.\n"
            "\n");
    fprintf(out,
            "Exit status:\n"
            "  0  success\n"
            "  1  run-time error (a results file that cannot be written, out of memory,\n"
            "     an MPI failure)\n"
            "  2  usage error (unknown option, bad or out-of-range value, a topology or\n"
            "     fanout that does not fit --nodes, --transport local on several ranks)\n"
            "\n"
            "Examples:\n"
            "  %s --nodes 1000 --trials 5\n"
            "      push-pull on the complete graph with 1000 nodes in one process\n"
            "  mpirun -n 4 --oversubscribe bench/gossip-bench --protocol push,pull,push-pull \\\n"
            "      --topology torus:dims=32x32 --nodes 1024 --trials 20 \\\n"
            "      --output results/run.jsonl\n"
            "      three protocols on a 32x32 torus over 4 ranks, records in results/run.jsonl\n"
            "  %s --list\n"
            "      what can be given to --protocol and --topology\n",
            prog, prog);
}

static const char *type_name(enum gb_param_type t)
{
    switch (t) {
    case GB_PARAM_INT: return "int";
    case GB_PARAM_DOUBLE: return "number";
    case GB_PARAM_STRING: return "string";
    }
    return "?";
}

static void list_params(FILE *out, const gb_param_desc *desc)
{
    if (desc == NULL || desc->name == NULL) {
        fprintf(out, "    (no parameters)\n");
        return;
    }
    for (const gb_param_desc *d = desc; d->name != NULL; d++) {
        const char *def = (d->def != NULL && d->def[0] != '\0') ? d->def : "none";
        fprintf(out, "    %s=<%s> (default %s", d->name,
                d->choices != NULL ? d->choices : type_name(d->type), def);
        /* Integer ranges are printed in full: %g would show 4294967295 as 4.29497e+09. */
        if (d->type == GB_PARAM_INT)
            fprintf(out, ", range [%.0f, %.0f]", d->min, d->max);
        else if (d->type == GB_PARAM_DOUBLE)
            fprintf(out, ", range [%g, %g]", d->min, d->max);
        fprintf(out, ") %s\n", d->help != NULL ? d->help : "");
    }
}

void gb_options_list(FILE *out)
{
    fprintf(out, "Protocols:\n");
    for (const gb_protocol_ops *const *p = gb_protocol_table; *p != NULL; p++) {
        fprintf(out, "  %-16s %s\n", (*p)->name, (*p)->help != NULL ? (*p)->help : "");
        list_params(out, (*p)->params);
    }
    fprintf(out, "\nSession protocols (membership, state synchronisation; several message "
                 "steps per round):\n");
    for (const gb_session_ops *const *p = gb_session_table; *p != NULL; p++) {
        fprintf(out, "  %-16s %s\n", (*p)->name, (*p)->help != NULL ? (*p)->help : "");
        list_params(out, (*p)->params);
        for (const gb_metric_desc *m = (*p)->metrics; m != NULL && m->name != NULL; m++)
            fprintf(out, "      metric %-22s %s\n", m->name, m->help != NULL ? m->help : "");
    }
    fprintf(out, "\nTopologies:\n");
    for (const gb_topology_ops *const *t = gb_topology_table; *t != NULL; t++) {
        fprintf(out, "  %-16s %s\n", (*t)->name, (*t)->help != NULL ? (*t)->help : "");
        list_params(out, (*t)->params);
    }
}
