/* faults.c: parser, formatter and decisions of the fault layer (faults.h). MPI-free. */
#include "faults.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gb_params.h"
#include "gb_rng.h"

#define ITEM_LEN 256

/* Parses a probability or fraction in [0, 1]. */
static int parse_unit(const char *item, const char *s, const char *what, double *out, char *err)
{
    double v;
    if (gb_parse_double(s, &v) < 0)
        return gb_seterr(err, GB_EINVAL, "--faults: '%s': %s must be a number, got '%s'", item,
                         what, s);
    if (!(v >= 0.0 && v <= 1.0))
        return gb_seterr(err, GB_ERANGE, "--faults: '%s': %s must be in [0, 1]", item, what);
    *out = v;
    return 0;
}

/* Parses a whole number in [min, max]. */
static int parse_whole(const char *item, const char *s, const char *what, int64_t min, int64_t max,
                       uint32_t *out, char *err)
{
    int64_t v;
    if (gb_parse_i64(s, &v) < 0)
        return gb_seterr(err, GB_EINVAL, "--faults: '%s': %s must be a whole number, got '%s'",
                         item, what, s);
    if (v < min || v > max)
        return gb_seterr(err, GB_ERANGE, "--faults: '%s': %s must be in [%lld, %lld]", item,
                         what, (long long)min, (long long)max);
    *out = (uint32_t)v;
    return 0;
}

/* Splits `s` at the first `sep` (written as '\0'); returns the rest or NULL. */
static char *cut(char *s, char sep)
{
    char *p = strchr(s, sep);
    if (p == NULL)
        return NULL;
    *p = '\0';
    return p + 1;
}

static int parse_item(const char *item, char *key, gb_faults *f, char *err)
{
    char *val = cut(key, '=');
    if (val == NULL)
        return gb_seterr(err, GB_EINVAL, "--faults: '%s': expected KIND=VALUE "
                         "(loss, crash, partition or slow)", item);
    const int64_t R = GB_FAULTS_MAX_ROUND;
    int rc;
    if (strcmp(key, "loss") == 0) {
        if (f->has_loss)
            return gb_seterr(err, GB_EINVAL, "--faults: '%s': loss is given twice", item);
        rc = parse_unit(item, val, "probability", &f->loss, err);
        if (rc < 0)
            return rc;
        f->has_loss = f->loss > 0.0;
        f->loss_all = f->loss >= 1.0;
        f->loss_thresh = f->loss_all ? UINT64_MAX : (uint64_t)ldexp(f->loss, 64);
        return 0;
    }
    if (strcmp(key, "crash") == 0) {
        if (f->has_crash)
            return gb_seterr(err, GB_EINVAL, "--faults: '%s': crash is given twice", item);
        char *at = cut(val, '@');
        if (at == NULL)
            return gb_seterr(err, GB_EINVAL, "--faults: '%s': expected crash=F@R or crash=F@R-R2",
                             item);
        char *until = cut(at, '-');
        if ((rc = parse_unit(item, val, "fraction", &f->crash_frac, err)) < 0 ||
            (rc = parse_whole(item, at, "crash round", 1, R, &f->crash_at, err)) < 0)
            return rc;
        f->crash_until = 0;
        if (until != NULL) {
            if ((rc = parse_whole(item, until, "recovery round", 1, R, &f->crash_until, err)) < 0)
                return rc;
            if (f->crash_until <= f->crash_at)
                return gb_seterr(err, GB_ERANGE,
                                 "--faults: '%s': recovery round must come after the crash round",
                                 item);
        }
        f->has_crash = 1;
        return 0;
    }
    if (strcmp(key, "partition") == 0) {
        if (f->has_partition)
            return gb_seterr(err, GB_EINVAL, "--faults: '%s': partition is given twice", item);
        char *at = cut(val, '@');
        char *to = at != NULL ? cut(at, '-') : NULL;
        if (to == NULL)
            return gb_seterr(err, GB_EINVAL, "--faults: '%s': expected partition=G@A-B", item);
        if ((rc = parse_whole(item, val, "group count", 2, GB_NODE_MAX, &f->groups, err)) < 0 ||
            (rc = parse_whole(item, at, "first round", 1, R, &f->part_from, err)) < 0 ||
            (rc = parse_whole(item, to, "last round", 1, R, &f->part_to, err)) < 0)
            return rc;
        if (f->part_to < f->part_from)
            return gb_seterr(err, GB_ERANGE,
                             "--faults: '%s': last round must not come before the first", item);
        f->has_partition = 1;
        return 0;
    }
    if (strcmp(key, "slow") == 0) {
        if (f->has_slow)
            return gb_seterr(err, GB_EINVAL, "--faults: '%s': slow is given twice", item);
        char *every = cut(val, ':');
        if (every == NULL)
            return gb_seterr(err, GB_EINVAL, "--faults: '%s': expected slow=F:S", item);
        if ((rc = parse_unit(item, val, "fraction", &f->slow_frac, err)) < 0 ||
            (rc = parse_whole(item, every, "period", 2, R, &f->slow_every, err)) < 0)
            return rc;
        f->has_slow = 1;
        return 0;
    }
    return gb_seterr(err, GB_EINVAL,
                     "--faults: '%s': unknown fault '%s' (expected loss, crash, partition or slow)",
                     item, key);
}

int gb_faults_parse(const char *spec, gb_faults *f, char *err)
{
    memset(f, 0, sizeof *f);
    if (spec == NULL || *spec == '\0')
        return gb_seterr(err, GB_EINVAL, "--faults: empty schedule (use 'none' for no faults)");
    if (strcmp(spec, "none") == 0)
        return 0;
    const char *p = spec;
    gb_faults g;
    memset(&g, 0, sizeof g);
    int seen_loss = 0;
    for (;;) {
        const char *semi = strchr(p, ';');
        size_t len = semi ? (size_t)(semi - p) : strlen(p);
        if (len == 0)
            return gb_seterr(err, GB_EINVAL, "--faults: empty item in '%.100s'", spec);
        if (len >= ITEM_LEN)
            return gb_seterr(err, GB_EINVAL, "--faults: item '%.20s...' is too long", p);
        char item[ITEM_LEN], key[ITEM_LEN];
        memcpy(item, p, len);
        item[len] = '\0';
        memcpy(key, item, len + 1);
        /* loss=0 is a valid item that leaves has_loss clear; it may still not repeat. */
        if (strncmp(key, "loss=", 5) == 0) {
            if (seen_loss)
                return gb_seterr(err, GB_EINVAL, "--faults: '%s': loss is given twice", item);
            seen_loss = 1;
        }
        int rc = parse_item(item, key, &g, err);
        if (rc < 0)
            return rc;
        if (semi == NULL)
            break;
        p = semi + 1;
    }
    if (!g.has_loss)
        g.loss = 0.0;
    g.any = g.has_loss || g.has_crash || g.has_partition || g.has_slow;
    *f = g;
    return 0;
}

/* Shortest "%g" form that reads back as the same double. */
static void fmt_double(char *buf, size_t len, double v)
{
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, len, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            return;
    }
}

int gb_faults_format(const gb_faults *f, char *buf, size_t len)
{
    char out[4 * ITEM_LEN] = "", a[40];
    size_t used = 0;
    if (f->has_loss) {
        fmt_double(a, sizeof a, f->loss);
        used += (size_t)snprintf(out + used, sizeof out - used, "loss=%s;", a);
    }
    if (f->has_crash) {
        fmt_double(a, sizeof a, f->crash_frac);
        used += (size_t)snprintf(out + used, sizeof out - used, "crash=%s@%u", a, f->crash_at);
        if (f->crash_until != 0)
            used += (size_t)snprintf(out + used, sizeof out - used, "-%u", f->crash_until);
        used += (size_t)snprintf(out + used, sizeof out - used, ";");
    }
    if (f->has_partition)
        used += (size_t)snprintf(out + used, sizeof out - used, "partition=%u@%u-%u;",
                                 f->groups, f->part_from, f->part_to);
    if (f->has_slow) {
        fmt_double(a, sizeof a, f->slow_frac);
        used += (size_t)snprintf(out + used, sizeof out - used, "slow=%s:%u;", a, f->slow_every);
    }
    if (used == 0)
        return snprintf(buf, len, "none");
    out[used - 1] = '\0'; /* the last ';' */
    return snprintf(buf, len, "%s", out);
}

uint64_t gb_faults_count(double frac, uint64_t n)
{
    double k = floor(frac * (double)n + 0.5);
    if (k <= 0.0)
        return 0;
    if (k >= (double)n)
        return n;
    return (uint64_t)k;
}

void gb_faults_select(uint64_t seed, uint32_t trial, unsigned which, uint64_t n, uint64_t k,
                      uint8_t *bits)
{
    memset(bits, 0, (size_t)((n + 7) / 8));
    if (k > n)
        k = n;
    /* Floyd's algorithm: for j = n-k .. n-1 pick t uniform in [0, j]; take t, or j when t
     * is already taken. Every k-subset is equally likely. */
    gb_rng r;
    gb_rng_init(&r, seed, trial, 0, which, GB_RNG_FAULT);
    uint64_t i = 0;
    for (uint64_t j = n - k; j < n; j++, i++) {
        if (i > 0 && (i & ((1u << 20) - 1)) == 0)
            gb_rng_init(&r, seed, trial, 0, (uint32_t)(which + 2 * (i >> 20)), GB_RNG_FAULT);
        uint64_t t = gb_rng_below(&r, j + 1);
        uint64_t v = gb_faults_bit(bits, t) ? j : t;
        bits[v >> 3] |= (uint8_t)(1u << (v & 7));
    }
}

int gb_faults_lost(const gb_faults *f, uint64_t seed, uint32_t trial, uint32_t round,
                   uint32_t node, uint32_t index)
{
    if (!f->has_loss)
        return 0;
    if (f->loss_all)
        return 1;
    gb_rng r;
    gb_rng_init(&r, seed, trial, round, node, GB_RNG_FAULT);
    r.ctr.v[1] += (uint64_t)(index & 0xffffffu) << 40; /* block `index` of the stream */
    return gb_rng_next(&r) < f->loss_thresh;
}

uint32_t gb_faults_horizon(const gb_faults *f)
{
    uint32_t h = 0;
    if (f == NULL || !f->any)
        return 0;
    if (f->has_crash)
        h = f->crash_until > f->crash_at ? f->crash_until : f->crash_at;
    if (f->has_partition && f->part_to + 1 > h)
        h = f->part_to + 1; /* healed at the start of part_to + 1 */
    return h;
}
