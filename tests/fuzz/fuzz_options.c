/* fuzz_options.c: libFuzzer target for gb_options_parse (bench/options.c).
 *
 * Input: argv words. If the input holds a NUL byte, words are separated by NUL (so a word
 * may contain '\n'); otherwise by '\n'. At most 64 words, each a NUL-terminated copy;
 * argv[0] is "gossip-bench". Invariants checked (abort() on violation):
 *  - the return value is 0 or GB_EINVAL / GB_ENOENT / GB_ERANGE;
 *  - on failure err is one non-empty line without control characters;
 *  - on success the struct is sane (ranges from --help, resolved protocols and topology,
 *    NUL-terminated strings, parameters that format and parse back);
 *  - parsing the same argv again gives the same result, byte for byte (getopt state is
 *    reset), and argv is left as it was (no permutation). */
#include "options.h"
#include "fuzz_common.h"

#define MAX_WORDS 64

static void check_str(const char *what, const char *s, size_t cap)
{
    FZ_CHECK(memchr(s, '\0', cap) != NULL, "options: %s is not NUL-terminated", what);
}

static void check_success(const gb_options *o)
{
    FZ_CHECK(o->action >= GB_ACT_RUN && o->action <= GB_ACT_LIST, "options: action %d",
             (int)o->action);
    check_str("command_line", o->command_line, sizeof o->command_line);
    if (o->action != GB_ACT_RUN)
        return; /* --help, --version and --list stop the parse where they stand */
    FZ_CHECK(o->nprotocols >= 1 && o->nprotocols <= GB_MAX_PROTOCOLS, "options: nprotocols=%d",
             o->nprotocols);
    for (int i = 0; i < o->nprotocols; i++) {
        char what[64];
        snprintf(what, sizeof what, "options: protocol %d", i);
        FZ_CHECK(o->protocol[i] != NULL, "%s is NULL", what);
        check_str(what, o->protocol_spec[i], GB_SPEC_LEN);
        /* The spec's name is the registered name of the resolved protocol. */
        size_t nl = strcspn(o->protocol_spec[i], ":");
        FZ_CHECK(strlen(o->protocol[i]->name) == nl &&
                     strncmp(o->protocol[i]->name, o->protocol_spec[i], nl) == 0,
                 "%s: spec '%s' resolved to '%s'", what, o->protocol_spec[i],
                 o->protocol[i]->name);
        FZ_CHECK(gb_protocol_find(o->protocol[i]->name) == o->protocol[i],
                 "%s: not from the registry", what);
        fz_check_params(what, &o->protocol_params[i], o->protocol[i]->params);
    }
    FZ_CHECK(o->topology != NULL, "options: no topology");
    check_str("topology_spec", o->topology_spec, GB_SPEC_LEN);
    size_t tl = strcspn(o->topology_spec, ":");
    FZ_CHECK(strlen(o->topology->name) == tl &&
                 strncmp(o->topology->name, o->topology_spec, tl) == 0,
             "options: topology spec '%s' resolved to '%s'", o->topology_spec,
             o->topology->name);
    fz_check_params("options: topology", &o->topology_params, o->topology->params);
    FZ_CHECK(o->nodes == 0 || (o->nodes >= 2 && o->nodes <= GB_NODE_MAX), "options: nodes=%llu",
             (unsigned long long)o->nodes);
    FZ_CHECK(o->fanout >= 1 && o->fanout <= GB_MAX_FANOUT, "options: fanout=%u", o->fanout);
    FZ_CHECK(o->trials >= 1 && o->trials <= 1000000, "options: trials=%u", o->trials);
    FZ_CHECK(o->warmup <= 1000000, "options: warmup=%u", o->warmup);
    FZ_CHECK(o->max_rounds >= 1 && o->max_rounds <= 100000000, "options: max_rounds=%u",
             o->max_rounds);
    FZ_CHECK(o->payload <= 1048576, "options: payload=%u", o->payload);
    FZ_CHECK(o->transport >= GB_TRANSPORT_AUTO && o->transport <= GB_TRANSPORT_ALLTOALLV,
             "options: transport=%d", (int)o->transport);
    FZ_CHECK(strcmp(gb_transport_name(o->transport), "unknown") != 0,
             "options: transport has no name");
    FZ_CHECK(o->source_random == 0 || o->source_random == 1, "options: source_random=%d",
             o->source_random);
    FZ_CHECK(!o->source_random || o->source == 0, "options: random source with id %u",
             o->source);
    FZ_CHECK(o->source_random || o->nodes == 0 || o->source < o->nodes,
             "options: source %u >= nodes %llu", o->source, (unsigned long long)o->nodes);
    FZ_CHECK(o->source < GB_NODE_MAX, "options: source=%u", o->source);
    check_str("output", o->output, GB_PATH_LEN);
    check_str("csv", o->csv, GB_PATH_LEN);
    check_str("dump", o->dump, GB_PATH_LEN);
    check_str("papi_events", o->papi_events, GB_SPEC_LEN);
    FZ_CHECK(o->papi_events[0] != '\0', "options: empty papi_events");
    FZ_CHECK(o->papi_required == 0 || o->papi_required == 1, "options: papi_required");
    FZ_CHECK(o->bind == 0 || o->bind == 1, "options: bind");
    FZ_CHECK(o->ordered == 0 || o->ordered == 1, "options: ordered");
    FZ_CHECK(o->quiet == 0 || o->quiet == 1, "options: quiet");
    FZ_CHECK(o->replay == 0 || o->replay == 1, "options: replay");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char sep = memchr(data, '\0', size) != NULL ? '\0' : '\n';
    char *words[MAX_WORDS + 2];
    char *copy[MAX_WORDS + 2];
    int argc = 0;
    words[argc++] = "gossip-bench";
    /* Words between separators; a trailing separator adds no empty word. */
    for (size_t start = 0; start < size && argc <= MAX_WORDS;) {
        const uint8_t *end = memchr(data + start, sep, size - start);
        size_t len = end ? (size_t)(end - (data + start)) : size - start;
        words[argc++] = fz_strndup(data + start, len);
        start += len + 1;
    }
    words[argc] = NULL;
    memcpy(copy, words, sizeof(char *) * (size_t)(argc + 1));

    static gb_options o1, o2; /* about 90 KB each: kept off the stack */
    char err1[GB_ERRLEN], err2[GB_ERRLEN];
    memset(err1, 'X', sizeof err1);
    memset(err2, 'X', sizeof err2);
    int rc1 = gb_options_parse(argc, words, &o1, err1);
    for (int i = 0; i <= argc; i++)
        FZ_CHECK(words[i] == copy[i], "options: argv[%d] was moved by the parser", i);
    if (rc1 < 0) {
        FZ_CHECK(rc1 == GB_EINVAL || rc1 == GB_ENOENT || rc1 == GB_ERANGE,
                 "options: undocumented return code %d (%s)", rc1, err1);
        fz_check_err("gb_options_parse", rc1, err1);
    } else {
        FZ_CHECK(rc1 == 0, "options: positive return code %d", rc1);
        FZ_CHECK(err1[0] == '\0', "options: success but err='%.*s'", GB_ERRLEN - 1, err1);
        check_success(&o1);
    }

    int rc2 = gb_options_parse(argc, words, &o2, err2);
    FZ_CHECK(rc2 == rc1, "options: second parse returned %d, first %d", rc2, rc1);
    if (rc1 < 0)
        FZ_CHECK(strcmp(err1, err2) == 0, "options: second parse says '%s', first '%s'", err2,
                 err1);
    else
        FZ_CHECK(memcmp(&o1, &o2, sizeof o1) == 0, "options: second parse differs");

    for (int i = 1; i < argc; i++)
        free(words[i]);
    return 0;
}
