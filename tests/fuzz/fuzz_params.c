/* fuzz_params.c: libFuzzer target for gb_params_parse (common/gb_params.c), and for
 * gb_split_specs (bench/options.c), which cuts --protocol lists before gb_params_parse
 * sees them.
 *
 * Input: the text after "name:" in a spec, e.g. "count=3,rate=0.5,mode=push". It is parsed
 * against a fixed descriptor with INT, DOUBLE, free STRING and choices STRING parameters.
 * Invariants checked (abort() on violation):
 *  - the return value is 0 or GB_EINVAL / GB_ENOENT / GB_ERANGE; on failure err is one
 *    non-empty line;
 *  - on success every value is NUL-terminated, typed values are within range, a given
 *    value is the text of its "key=value" item, the others are the defaults, choices
 *    values are one of the choices, and gb_params_format output parses back to the same
 *    values;
 *  - gb_split_specs returns 1..max specs, each non-empty and NUL-terminated, or fails with
 *    one line. */
#include "options.h"
#include "fuzz_common.h"

static const gb_param_desc desc[] = {
    {.name = "count", .type = GB_PARAM_INT, .def = "3", .min = -5, .max = 1000,
     .help = "an integer"},
    {.name = "big", .type = GB_PARAM_INT, .def = "", .min = 0, .max = 9223372036854775807.0,
     .help = "an integer with the full int64 range (as gnm's m)"},
    {.name = "rate", .type = GB_PARAM_DOUBLE, .def = "0.5", .min = 0.0, .max = 1.0,
     .help = "a probability"},
    {.name = "x", .type = GB_PARAM_DOUBLE, .def = "", .min = -1e300, .max = 1e300,
     .help = "a wide double"},
    {.name = "path", .type = GB_PARAM_STRING, .def = "", .help = "free text"},
    {.name = "mode", .type = GB_PARAM_STRING, .def = "push", .choices = "push|pull|push-pull",
     .help = "one of three"},
    {.name = "dims", .type = GB_PARAM_STRING, .def = "", .help = "free text as torus' dims"},
    {.name = NULL},
};

/* The value of item "key=..." in spec (the last one; the parse refuses repeats). */
static int find_item(const char *spec, const char *key, char *out, size_t cap)
{
    size_t kl = strlen(key);
    int found = 0;
    for (const char *p = spec; p != NULL && *p != '\0';) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (len > kl && strncmp(p, key, kl) == 0 && p[kl] == '=') {
            size_t vl = len - kl - 1;
            if (vl >= cap)
                return -1;
            memcpy(out, p + kl + 1, vl);
            out[vl] = '\0';
            found = 1;
        }
        p = comma ? comma + 1 : NULL;
    }
    return found;
}

static void fuzz_params(const char *spec)
{
    gb_params p;
    char err[GB_ERRLEN];
    memset(err, 'X', sizeof err);
    err[0] = '\0';
    int rc = gb_params_parse(&p, desc, spec, "protocol", "fuzz", err);
    if (rc < 0) {
        FZ_CHECK(rc == GB_EINVAL || rc == GB_ENOENT || rc == GB_ERANGE,
                 "params: undocumented return code %d (%s)", rc, err);
        fz_check_err("gb_params_parse", rc, err);
        return;
    }
    FZ_CHECK(rc == 0, "params: positive return code %d", rc);
    fz_check_params("params", &p, desc);
    for (int i = 0; desc[i].name != NULL; i++) {
        char want[GB_PARAM_VALUE_LEN];
        int f = find_item(spec, desc[i].name, want, sizeof want);
        FZ_CHECK(f >= 0, "params: accepted a value of '%s' longer than %d bytes", desc[i].name,
                 GB_PARAM_VALUE_LEN - 1);
        FZ_CHECK(f == p.given[i], "params: '%s' given=%d but the spec %s it", desc[i].name,
                 p.given[i], f ? "has" : "lacks");
        const char *v = f ? want : desc[i].def;
        FZ_CHECK(strcmp(p.value[i], v) == 0, "params: '%s' is '%s', expected '%s'", desc[i].name,
                 p.value[i], v);
        FZ_CHECK(gb_params_given(&p, desc[i].name) == f, "params: gb_params_given('%s')",
                 desc[i].name);
        FZ_CHECK(gb_params_has(&p, desc[i].name) == (v[0] != '\0'), "params: gb_params_has('%s')",
                 desc[i].name);
        FZ_CHECK(strcmp(gb_params_str(&p, desc[i].name), v) == 0, "params: gb_params_str('%s')",
                 desc[i].name);
    }
    /* The choices parameter holds one of its choices. */
    const char *mode = gb_params_str(&p, "mode");
    FZ_CHECK(strcmp(mode, "push") == 0 || strcmp(mode, "pull") == 0 ||
                 strcmp(mode, "push-pull") == 0,
             "params: mode='%s' is not one of the choices", mode);
    int64_t count = gb_params_int(&p, "count");
    FZ_CHECK(count >= -5 && count <= 1000, "params: count=%lld", (long long)count);
    double rate = gb_params_double(&p, "rate");
    FZ_CHECK(rate >= 0.0 && rate <= 1.0, "params: rate=%g", rate);
    FZ_CHECK(gb_params_int(&p, "big") >= 0, "params: big < 0");
}

static void fuzz_split(const char *list)
{
    static char specs[GB_MAX_PROTOCOLS][GB_SPEC_LEN];
    char err[GB_ERRLEN];
    err[0] = '\0';
    memset(specs, 'X', sizeof specs);
    int n = gb_split_specs(list, specs, GB_MAX_PROTOCOLS, err);
    if (n < 0) {
        FZ_CHECK(n == GB_EINVAL, "split_specs: undocumented return code %d (%s)", n, err);
        fz_check_err("gb_split_specs", n, err);
        return;
    }
    FZ_CHECK(n >= 1 && n <= GB_MAX_PROTOCOLS, "split_specs: returned %d", n);
    size_t total = 0;
    for (int i = 0; i < n; i++) {
        FZ_CHECK(memchr(specs[i], '\0', GB_SPEC_LEN) != NULL,
                 "split_specs: spec %d is not NUL-terminated", i);
        FZ_CHECK(specs[i][0] != '\0', "split_specs: spec %d is empty", i);
        total += strlen(specs[i]);
    }
    /* Nothing is invented: specs hold the list's characters, plus at most one ':' per
     * spec where "name,k=v" opens the parameters. */
    FZ_CHECK(total <= strlen(list) + (size_t)n, "split_specs: %zu bytes out of %zu", total,
             strlen(list));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fz_strndup(data, size);
    fuzz_params(s);
    fuzz_split(s);
    free(s);
    return 0;
}
