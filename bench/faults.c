/* faults.c: parser, formatter, decisions and the node-state view of the fault layer
 * (faults.h). MPI-free. */
#include "faults.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gb_params.h"
#include "gb_rng.h"

#define ITEM_LEN 256
#define LABEL_LEN 512

/* ------------------------------------------------------------------ parsing */

/* What an error message names: "'ITEM'" or "FILE:LINE: 'ITEM'". */
typedef struct label {
    char text[LABEL_LEN];
} label;

static void make_label(label *l, const char *file, unsigned line, const char *item)
{
    if (file != NULL)
        snprintf(l->text, sizeof l->text, "%.120s:%u: '%s'", file, line, item);
    else
        snprintf(l->text, sizeof l->text, "'%s'", item);
}

/* Parses a probability or fraction in [0, 1]. */
static int parse_unit(const label *l, const char *s, const char *what, double *out, char *err)
{
    double v;
    if (gb_parse_double(s, &v) < 0)
        return gb_seterr(err, GB_EINVAL, "--faults: %s: %s must be a number, got '%s'", l->text,
                         what, s);
    if (!(v >= 0.0 && v <= 1.0))
        return gb_seterr(err, GB_ERANGE, "--faults: %s: %s must be in [0, 1]", l->text, what);
    *out = v;
    return 0;
}

/* Parses a whole number in [min, max]. */
static int parse_whole(const label *l, const char *s, const char *what, int64_t min,
                       int64_t max, uint32_t *out, char *err)
{
    int64_t v;
    if (gb_parse_i64(s, &v) < 0)
        return gb_seterr(err, GB_EINVAL, "--faults: %s: %s must be a whole number, got '%s'",
                         l->text, what, s);
    if (v < min || v > max)
        return gb_seterr(err, GB_ERANGE, "--faults: %s: %s must be in [%lld, %lld]", l->text,
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

/* Drop threshold of probability p: a draw x drops iff x < thresh, or always when *all. */
static uint64_t threshold(double p, int *all)
{
    *all = p >= 1.0;
    return *all ? UINT64_MAX : (uint64_t)ldexp(p, 64);
}

static int hit(uint64_t x, uint64_t thresh, int all)
{
    return all || x < thresh;
}

/* Parse state: which once-only items were seen. */
typedef struct pstate {
    int seen_loss, seen_cross, seen_slow;
    unsigned line[GB_FAULTS_MAX_EVENTS]; /* FILE line of each event (file form) */
} pstate;

static int add_event(gb_faults *f, const label *l, const gb_fault_event *e, char *err)
{
    if (f->nevents >= GB_FAULTS_MAX_EVENTS)
        return gb_seterr(err, GB_EINVAL,
                         "--faults: %s: more than %u crash, partition, join, leave and churn "
                         "items", l->text, GB_FAULTS_MAX_EVENTS);
    f->ev[f->nevents++] = *e;
    return 0;
}

static int parse_item(const label *l, char *key, gb_faults *f, pstate *ps, char *err)
{
    char *val = cut(key, '=');
    if (val == NULL)
        return gb_seterr(err, GB_EINVAL, "--faults: %s: expected KIND=VALUE (loss, crossloss, "
                         "crash, partition, join, leave, churn or slow)", l->text);
    const int64_t R = GB_FAULTS_MAX_ROUND;
    int rc;
    gb_fault_event e;
    memset(&e, 0, sizeof e);
    if (strcmp(key, "loss") == 0) {
        if (ps->seen_loss++)
            return gb_seterr(err, GB_EINVAL, "--faults: %s: loss is given twice", l->text);
        if ((rc = parse_unit(l, val, "probability", &f->loss, err)) < 0)
            return rc;
        /* loss=0 is a valid item that leaves has_loss clear. */
        f->has_loss = f->loss > 0.0;
        f->loss_thresh = f->has_loss ? threshold(f->loss, &f->loss_all) : 0;
        if (!f->has_loss)
            f->loss = 0.0;
        return 0;
    }
    if (strcmp(key, "crossloss") == 0) {
        if (ps->seen_cross++)
            return gb_seterr(err, GB_EINVAL, "--faults: %s: crossloss is given twice", l->text);
        char *at = cut(val, '@');
        if (at == NULL)
            return gb_seterr(err, GB_EINVAL, "--faults: %s: expected crossloss=P@G", l->text);
        if ((rc = parse_unit(l, val, "probability", &f->crossloss, err)) < 0 ||
            (rc = parse_whole(l, at, "group count", 2, GB_NODE_MAX, &f->cross_groups, err)) < 0)
            return rc;
        f->has_crossloss = f->crossloss > 0.0;
        if (f->has_crossloss) {
            f->cross_thresh = threshold(f->crossloss, &f->cross_all);
        } else {
            f->crossloss = 0.0;
            f->cross_groups = 0;
        }
        return 0;
    }
    if (strcmp(key, "crash") == 0) {
        e.kind = GB_FAULT_CRASH;
        char *at = cut(val, '@');
        if (at == NULL)
            return gb_seterr(err, GB_EINVAL, "--faults: %s: expected crash=F@R, crash=F@R-R2 "
                             "or crash=F@R-R2:empty", l->text);
        char *mode = cut(at, ':');
        char *until = cut(at, '-');
        if ((rc = parse_unit(l, val, "fraction", &e.frac, err)) < 0 ||
            (rc = parse_whole(l, at, "crash round", 1, R, &e.from, err)) < 0)
            return rc;
        if (until != NULL) {
            if ((rc = parse_whole(l, until, "recovery round", 1, R, &e.to, err)) < 0)
                return rc;
            if (e.to <= e.from)
                return gb_seterr(err, GB_ERANGE,
                                 "--faults: %s: recovery round must come after the crash round",
                                 l->text);
        }
        if (mode != NULL) {
            if (strcmp(mode, "empty") != 0)
                return gb_seterr(err, GB_EINVAL, "--faults: %s: unknown recovery mode '%s' "
                                 "(expected crash=F@R-R2:empty)", l->text, mode);
            if (until == NULL)
                return gb_seterr(err, GB_EINVAL, "--faults: %s: ':empty' needs a recovery "
                                 "round (crash=F@R-R2:empty)", l->text);
            e.empty = 1;
        }
        return add_event(f, l, &e, err);
    }
    if (strcmp(key, "partition") == 0) {
        e.kind = GB_FAULT_PARTITION;
        char *at = cut(val, '@');
        char *to = at != NULL ? cut(at, '-') : NULL;
        char *mode = to != NULL ? cut(to, ':') : NULL;
        if (to == NULL)
            return gb_seterr(err, GB_EINVAL, "--faults: %s: expected partition=G@A-B or "
                             "partition=G@A-B:random", l->text);
        if (mode != NULL && strcmp(mode, "random") != 0)
            return gb_seterr(err, GB_EINVAL, "--faults: %s: unknown grouping '%s' (expected "
                             "partition=G@A-B:random)", l->text, mode);
        e.random = mode != NULL;
        if ((rc = parse_whole(l, val, "group count", 2, GB_NODE_MAX, &e.groups, err)) < 0 ||
            (rc = parse_whole(l, at, "first round", 1, R, &e.from, err)) < 0 ||
            (rc = parse_whole(l, to, "last round", 1, R, &e.to, err)) < 0)
            return rc;
        if (e.to < e.from)
            return gb_seterr(err, GB_ERANGE,
                             "--faults: %s: last round must not come before the first", l->text);
        return add_event(f, l, &e, err);
    }
    if (strcmp(key, "join") == 0 || strcmp(key, "leave") == 0) {
        int join = key[0] == 'j';
        e.kind = join ? GB_FAULT_JOIN : GB_FAULT_LEAVE;
        char *at = cut(val, '@');
        if (at == NULL)
            return gb_seterr(err, GB_EINVAL, "--faults: %s: expected %s=F@R", l->text, key);
        if ((rc = parse_unit(l, val, "fraction", &e.frac, err)) < 0 ||
            (rc = parse_whole(l, at, join ? "join round" : "leave round", 1, R, &e.from,
                              err)) < 0)
            return rc;
        return add_event(f, l, &e, err);
    }
    if (strcmp(key, "churn") == 0) {
        e.kind = GB_FAULT_CHURN;
        char *at = cut(val, '@');
        char *to = at != NULL ? cut(at, '-') : NULL;
        char *jp = cut(val, ':');
        if (to == NULL || jp == NULL)
            return gb_seterr(err, GB_EINVAL, "--faults: %s: expected churn=L:J@A-B", l->text);
        if ((rc = parse_unit(l, val, "leave probability", &e.frac, err)) < 0 ||
            (rc = parse_unit(l, jp, "join probability", &e.join, err)) < 0 ||
            (rc = parse_whole(l, at, "first round", 1, R, &e.from, err)) < 0 ||
            (rc = parse_whole(l, to, "last round", 1, R, &e.to, err)) < 0)
            return rc;
        if (e.to < e.from)
            return gb_seterr(err, GB_ERANGE,
                             "--faults: %s: last round must not come before the first", l->text);
        if (e.frac >= 1.0 && e.join <= 0.0)
            return gb_seterr(err, GB_ERANGE, "--faults: %s: every node would leave for good "
                             "(leave probability 1, join probability 0)", l->text);
        return add_event(f, l, &e, err);
    }
    if (strcmp(key, "slow") == 0) {
        if (ps->seen_slow++)
            return gb_seterr(err, GB_EINVAL, "--faults: %s: slow is given twice", l->text);
        char *every = cut(val, ':');
        if (every == NULL)
            return gb_seterr(err, GB_EINVAL, "--faults: %s: expected slow=F:S", l->text);
        if ((rc = parse_unit(l, val, "fraction", &f->slow_frac, err)) < 0 ||
            (rc = parse_whole(l, every, "period", 2, R, &f->slow_every, err)) < 0)
            return rc;
        f->has_slow = 1;
        return 0;
    }
    return gb_seterr(err, GB_EINVAL,
                     "--faults: %s: unknown fault '%s' (expected loss, crossloss, crash, "
                     "partition, join, leave, churn or slow)", l->text, key);
}

/* One item of text (not NUL-terminated, len bytes), at `line` of `file` (NULL: inline). */
static int parse_one(const char *text, size_t len, const char *file, unsigned line,
                     gb_faults *f, pstate *ps, char *err)
{
    char item[ITEM_LEN], key[ITEM_LEN];
    if (len >= ITEM_LEN) {
        if (file != NULL)
            return gb_seterr(err, GB_EINVAL, "--faults: %.120s:%u: item '%.20s...' is too long",
                             file, line, text);
        return gb_seterr(err, GB_EINVAL, "--faults: item '%.20s...' is too long", text);
    }
    memcpy(item, text, len);
    item[len] = '\0';
    memcpy(key, item, len + 1);
    label l;
    make_label(&l, file, line, item);
    uint32_t before = f->nevents;
    int rc = parse_item(&l, key, f, ps, err);
    if (rc == 0 && f->nevents > before)
        ps->line[f->nevents - 1] = line;
    return rc;
}

static int windows_overlap(const gb_fault_event *a, const gb_fault_event *b)
{
    return a->from <= b->to && b->from <= a->to;
}

static int format_event(const gb_fault_event *e, char *buf, size_t len);

/* Refuses overlapping partition (or churn) windows, naming the later item. */
static int check_overlaps(const gb_faults *f, const pstate *ps, const char *file, char *err)
{
    for (uint32_t j = 1; j < f->nevents; j++)
        for (uint32_t i = 0; i < j; i++) {
            const gb_fault_event *a = &f->ev[i], *b = &f->ev[j];
            if (a->kind != b->kind ||
                (a->kind != GB_FAULT_PARTITION && a->kind != GB_FAULT_CHURN) ||
                !windows_overlap(a, b))
                continue;
            char ta[ITEM_LEN], tb[ITEM_LEN], where[160] = "";
            format_event(a, ta, sizeof ta);
            format_event(b, tb, sizeof tb);
            if (file != NULL)
                snprintf(where, sizeof where, "%.120s:%u: ", file, ps->line[j]);
            return gb_seterr(err, GB_EINVAL, "--faults: %s'%s': rounds %u-%u overlap those of "
                             "'%s' (%s windows must not overlap)", where, tb, b->from, b->to,
                             ta, a->kind == GB_FAULT_PARTITION ? "partition" : "churn");
        }
    return 0;
}

/* Canonical order: kind, then rounds, then the other values. */
static int event_cmp(const gb_fault_event *a, const gb_fault_event *b)
{
#define CMP(x, y)                                                                            \
    do {                                                                                     \
        if ((x) != (y))                                                                      \
            return (x) < (y) ? -1 : 1;                                                       \
    } while (0)
    CMP(a->kind, b->kind);
    CMP(a->from, b->from);
    CMP(a->to, b->to);
    CMP(a->empty, b->empty);
    CMP(a->random, b->random);
    CMP(a->groups, b->groups);
    CMP(a->frac, b->frac);
    CMP(a->join, b->join);
    return 0;
#undef CMP
}

/* Sorts the events (insertion sort: at most GB_FAULTS_MAX_EVENTS) and derives the rest. */
static void finish(gb_faults *f)
{
    for (uint32_t i = 1; i < f->nevents; i++) {
        gb_fault_event e = f->ev[i];
        uint32_t j = i;
        while (j > 0 && event_cmp(&f->ev[j - 1], &e) > 0) {
            f->ev[j] = f->ev[j - 1];
            j--;
        }
        f->ev[j] = e;
    }
    f->has_crash = f->has_partition = f->has_join = f->has_leave = f->has_churn = 0;
    f->has_empty = 0;
    f->nsampled = 0;
    for (uint32_t i = 0; i < f->nevents; i++) {
        gb_fault_event *e = &f->ev[i];
        e->set = 0;
        switch (e->kind) {
        case GB_FAULT_CRASH:
            f->has_crash = 1;
            f->has_empty |= e->empty;
            e->set = f->nsampled++;
            break;
        case GB_FAULT_PARTITION: f->has_partition = 1; break;
        case GB_FAULT_JOIN:
            f->has_join = 1;
            e->set = f->nsampled++;
            break;
        case GB_FAULT_LEAVE:
            f->has_leave = 1;
            e->set = f->nsampled++;
            break;
        default: f->has_churn = 1; break;
        }
    }
    f->any = f->has_loss || f->has_crossloss || f->has_slow || f->nevents > 0;
}

static int parse_inline(const char *spec, gb_faults *g, pstate *ps, char *err)
{
    const char *p = spec;
    for (;;) {
        const char *semi = strchr(p, ';');
        size_t len = semi ? (size_t)(semi - p) : strlen(p);
        if (len == 0)
            return gb_seterr(err, GB_EINVAL, "--faults: empty item in '%.100s'", spec);
        int rc = parse_one(p, len, NULL, 0, g, ps, err);
        if (rc < 0)
            return rc;
        if (semi == NULL)
            return 0;
        p = semi + 1;
    }
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

static int parse_file(const char *path, gb_faults *g, pstate *ps, char *err)
{
    if (*path == '\0')
        return gb_seterr(err, GB_EINVAL, "--faults: '@' needs a file name (--faults @FILE)");
    FILE *fp = fopen(path, "r");
    if (fp == NULL)
        return gb_seterr(err, GB_EIO, "--faults: cannot open '%.200s': %s", path,
                         strerror(errno));
    char buf[4 * ITEM_LEN];
    unsigned line = 0;
    int rc = 0;
    while (rc == 0 && fgets(buf, sizeof buf, fp) != NULL) {
        line++;
        size_t len = strlen(buf);
        if (len == sizeof buf - 1 && buf[len - 1] != '\n' && !feof(fp)) {
            rc = gb_seterr(err, GB_EINVAL, "--faults: %.120s:%u: line is too long", path, line);
            break;
        }
        char *hash = strchr(buf, '#');
        if (hash != NULL)
            *hash = '\0';
        char *s = buf, *end = buf + strlen(buf);
        while (s < end && (is_blank(*s) || *s == '\n'))
            s++;
        while (end > s && (is_blank(end[-1]) || end[-1] == '\n'))
            end--;
        if (end == s)
            continue;
        if (memchr(s, ';', (size_t)(end - s)) != NULL) {
            *end = '\0';
            rc = gb_seterr(err, GB_EINVAL, "--faults: %.120s:%u: '%.100s': one item per line "
                           "(no ';')", path, line, s);
            break;
        }
        if ((size_t)(end - s) == 4 && memcmp(s, "none", 4) == 0)
            continue; /* "none" adds nothing */
        rc = parse_one(s, (size_t)(end - s), path, line, g, ps, err);
    }
    if (rc == 0 && ferror(fp))
        rc = gb_seterr(err, GB_EIO, "--faults: cannot read '%.200s'", path);
    fclose(fp);
    return rc;
}

int gb_faults_parse(const char *spec, gb_faults *f, char *err)
{
    memset(f, 0, sizeof *f);
    if (spec == NULL || *spec == '\0')
        return gb_seterr(err, GB_EINVAL, "--faults: empty schedule (use 'none' for no faults)");
    if (strcmp(spec, "none") == 0)
        return 0;
    gb_faults *g = calloc(1, sizeof *g);
    pstate *ps = calloc(1, sizeof *ps);
    int rc;
    if (g == NULL || ps == NULL) {
        rc = gb_seterr(err, GB_ENOMEM, "--faults: out of memory");
        goto done;
    }
    const char *file = spec[0] == '@' ? spec + 1 : NULL;
    rc = file != NULL ? parse_file(file, g, ps, err) : parse_inline(spec, g, ps, err);
    if (rc == 0)
        rc = check_overlaps(g, ps, file, err);
    if (rc == 0) {
        finish(g);
        *f = *g;
    }
done:
    free(g);
    free(ps);
    return rc;
}

int gb_faults_check(const gb_faults *f, uint64_t n, char *err)
{
    char t[ITEM_LEN];
    if (f->has_crossloss && f->cross_groups > n)
        return gb_seterr(err, GB_ERANGE, "--faults: 'crossloss=...@%u': more groups than the "
                         "%llu nodes", f->cross_groups, (unsigned long long)n);
    for (uint32_t i = 0; i < f->nevents; i++) {
        const gb_fault_event *e = &f->ev[i];
        uint64_t k = gb_faults_count(e->frac, n);
        const char *why = NULL;
        if (e->kind == GB_FAULT_CRASH && k >= n)
            why = "crashes every node";
        else if (e->kind == GB_FAULT_LEAVE && k >= n)
            why = "makes every node leave";
        else if (e->kind == GB_FAULT_JOIN && k >= n)
            why = "leaves no node present before the join";
        else if (e->kind == GB_FAULT_PARTITION && e->groups > n)
            why = "has more groups than nodes";
        if (why != NULL) {
            format_event(e, t, sizeof t);
            return gb_seterr(err, GB_ERANGE, "--faults: '%s' %s (%llu nodes)", t, why,
                             (unsigned long long)n);
        }
    }
    return 0;
}

/* ------------------------------------------------------------------ formatting */

/* Shortest "%g" form that reads back as the same double. */
static void fmt_double(char *buf, size_t len, double v)
{
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, len, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            return;
    }
}

static int format_event(const gb_fault_event *e, char *buf, size_t len)
{
    char a[40], b[40];
    fmt_double(a, sizeof a, e->frac);
    switch (e->kind) {
    case GB_FAULT_CRASH:
        if (e->to == 0)
            return snprintf(buf, len, "crash=%s@%u", a, e->from);
        return snprintf(buf, len, "crash=%s@%u-%u%s", a, e->from, e->to,
                        e->empty ? ":empty" : "");
    case GB_FAULT_PARTITION:
        return snprintf(buf, len, "partition=%u@%u-%u%s", e->groups, e->from, e->to,
                        e->random ? ":random" : "");
    case GB_FAULT_JOIN: return snprintf(buf, len, "join=%s@%u", a, e->from);
    case GB_FAULT_LEAVE: return snprintf(buf, len, "leave=%s@%u", a, e->from);
    default:
        fmt_double(b, sizeof b, e->join);
        return snprintf(buf, len, "churn=%s:%s@%u-%u", a, b, e->from, e->to);
    }
}

int gb_faults_format(const gb_faults *f, char *buf, size_t len)
{
    char *out = malloc(GB_FAULTS_TEXT_MAX), a[40];
    if (out == NULL)
        return snprintf(buf, len, "none");
    size_t used = 0, cap = GB_FAULTS_TEXT_MAX;
#define PUT(...)                                                                             \
    do {                                                                                     \
        int w_ = snprintf(out + used, cap - used, __VA_ARGS__);                              \
        if (w_ > 0)                                                                          \
            used = used + (size_t)w_ < cap ? used + (size_t)w_ : cap - 1;                    \
    } while (0)
    if (f->has_loss) {
        fmt_double(a, sizeof a, f->loss);
        PUT("loss=%s;", a);
    }
    if (f->has_crossloss) {
        fmt_double(a, sizeof a, f->crossloss);
        PUT("crossloss=%s@%u;", a, f->cross_groups);
    }
    for (uint32_t i = 0; i < f->nevents; i++) {
        char t[ITEM_LEN];
        format_event(&f->ev[i], t, sizeof t);
        PUT("%s;", t);
    }
    if (f->has_slow) {
        fmt_double(a, sizeof a, f->slow_frac);
        PUT("slow=%s:%u;", a, f->slow_every);
    }
#undef PUT
    int rc;
    if (used == 0) {
        rc = snprintf(buf, len, "none");
    } else {
        out[used - 1] = '\0'; /* the last ';' */
        rc = snprintf(buf, len, "%s", out);
    }
    free(out);
    return rc;
}

int gb_faults_equal(const gb_faults *a, const gb_faults *b)
{
    if (a->any != b->any || a->has_loss != b->has_loss || a->has_crossloss != b->has_crossloss ||
        a->has_slow != b->has_slow || a->nevents != b->nevents)
        return 0;
    if (a->has_loss && (a->loss != b->loss || a->loss_thresh != b->loss_thresh ||
                        a->loss_all != b->loss_all))
        return 0;
    if (a->has_crossloss && (a->crossloss != b->crossloss || a->cross_groups != b->cross_groups ||
                             a->cross_thresh != b->cross_thresh || a->cross_all != b->cross_all))
        return 0;
    if (a->has_slow && (a->slow_frac != b->slow_frac || a->slow_every != b->slow_every))
        return 0;
    for (uint32_t i = 0; i < a->nevents; i++)
        if (event_cmp(&a->ev[i], &b->ev[i]) != 0 || a->ev[i].set != b->ev[i].set)
            return 0;
    return a->has_crash == b->has_crash && a->has_partition == b->has_partition &&
           a->has_join == b->has_join && a->has_leave == b->has_leave &&
           a->has_churn == b->has_churn && a->has_empty == b->has_empty &&
           a->nsampled == b->nsampled;
}

/* ------------------------------------------------------------------ decisions */

uint64_t gb_faults_count(double frac, uint64_t n)
{
    double k = floor(frac * (double)n + 0.5);
    if (k <= 0.0)
        return 0;
    if (k >= (double)n)
        return n;
    return (uint64_t)k;
}

unsigned gb_faults_set_id(const gb_fault_event *e)
{
    if (e->kind == GB_FAULT_CRASH && e->set == 0)
        return GB_FAULT_SET_CRASH;
    return 2u + e->set;
}

/* Stream node id of chunk `chunk` of set `which` (see the header comment). */
static uint32_t set_stream(unsigned which, uint64_t chunk)
{
    if (which < 2)
        return (uint32_t)(which + 2 * chunk);
    return 0x80000000u | ((uint32_t)which << 16) | (uint32_t)(chunk & 0xffffu);
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
    gb_rng_init(&r, seed, trial, 0, set_stream(which, 0), GB_RNG_FAULT);
    uint64_t i = 0;
    for (uint64_t j = n - k; j < n; j++, i++) {
        if (i > 0 && (i & ((1u << 20) - 1)) == 0)
            gb_rng_init(&r, seed, trial, 0, set_stream(which, i >> 20), GB_RNG_FAULT);
        uint64_t t = gb_rng_below(&r, j + 1);
        uint64_t v = gb_faults_bit(bits, t) ? j : t;
        bits[v >> 3] |= (uint8_t)(1u << (v & 7));
    }
}

/* The two 64-bit outputs of block `index` of the stream (seed, trial, round, node). */
static philox2x64_ctr_t fault_block(uint64_t seed, uint32_t trial, uint32_t round,
                                    uint32_t node, uint32_t index)
{
    gb_rng r;
    gb_rng_init(&r, seed, trial, round, node, GB_RNG_FAULT);
    r.ctr.v[1] += (uint64_t)(index & 0xffffffu) << 40; /* block `index` of the stream */
    return philox2x64(r.ctr, r.key);
}

int gb_faults_lost(const gb_faults *f, uint64_t seed, uint32_t trial, uint32_t round,
                   uint32_t node, uint32_t index)
{
    if (!f->has_loss)
        return 0;
    if (f->loss_all)
        return 1;
    return fault_block(seed, trial, round, node, index).v[0] < f->loss_thresh;
}

const gb_fault_event *gb_faults_partition_at(const gb_faults *f, uint32_t round)
{
    for (uint32_t i = 0; f->has_partition && i < f->nevents; i++) {
        const gb_fault_event *e = &f->ev[i];
        if (e->kind == GB_FAULT_PARTITION && round >= e->from && round <= e->to)
            return e;
    }
    return NULL;
}

/* Partition group of node v under partition item e (faults.h). */
static uint32_t part_group(const gb_fault_event *e, uint64_t seed, uint32_t trial, uint64_t n,
                           uint64_t v)
{
    if (!e->random)
        return gb_faults_group(e->groups, n, v);
    uint64_t x = fault_block(seed, trial, e->from, (uint32_t)v, GB_FAULTS_PART_INDEX).v[0];
    return (uint32_t)(((unsigned __int128)x * e->groups) >> 64);
}

int gb_faults_cut(const gb_faults *f, uint64_t seed, uint32_t trial, uint64_t n, uint32_t round,
                  uint64_t src, uint64_t dst)
{
    const gb_fault_event *p = gb_faults_partition_at(f, round);
    return p != NULL &&
           part_group(p, seed, trial, n, src) != part_group(p, seed, trial, n, dst);
}

/* ------------------------------------------------------------------ node-state view */

enum { FL_SLOW = 1 };
#define NO_CRASH 0xffu

struct gb_fault_view {
    gb_faults f;
    uint64_t seed, n;
    gb_node_t first;
    uint32_t count;
    uint32_t trial, round;
    int states;              /* node states can change */
    uint8_t *scratch;        /* n bits: one node set while it is drawn */
    uint64_t *mask;          /* per local node: bit s = member of sampled item s's set */
    uint8_t *st, *ev, *by;   /* per local node: state, event this round, crash item index */
    uint8_t *flags;          /* per local node: FL_SLOW */
    uint64_t *upbits;        /* bit j: local node j is UP (gb_fault_view_up_bits) */
    uint64_t up;             /* local nodes UP */
    const gb_fault_event *part; /* partition active this round */
    const gb_fault_event *churn; /* churn active this round */
    uint64_t churn_leave, churn_join;
    int churn_leave_all, churn_join_all;
    int slow_skip;
    int dirty;               /* some ev[] is not GB_EV_NONE */
};

int gb_fault_view_create(const gb_faults *f, uint64_t seed, uint64_t n, gb_node_t first,
                         uint32_t count, gb_fault_view **out)
{
    *out = NULL;
    gb_fault_view *v = calloc(1, sizeof *v);
    if (v == NULL)
        return GB_ENOMEM;
    if (f != NULL && f->any)
        v->f = *f;
    v->seed = seed;
    v->n = n;
    v->first = first;
    v->count = count;
    v->states = gb_faults_states(&v->f);
    size_t c = count ? count : 1;
    int ok = 1;
    if (v->f.nsampled > 0 || v->f.has_slow) {
        v->scratch = malloc((size_t)((n + 7) / 8) + 1);
        ok &= v->scratch != NULL;
    }
    if (v->f.nsampled > 0) {
        v->mask = calloc(c, sizeof *v->mask);
        ok &= v->mask != NULL;
    }
    if (v->states) {
        v->ev = calloc(c, 1);
        v->by = calloc(c, 1);
        ok &= v->ev != NULL && v->by != NULL;
    }
    v->st = calloc(c, 1);
    v->flags = calloc(c, 1);
    v->upbits = calloc((c + 63) / 64, sizeof *v->upbits);
    ok &= v->st != NULL && v->flags != NULL && v->upbits != NULL;
    if (!ok) {
        gb_fault_view_free(v);
        return GB_ENOMEM;
    }
    for (uint32_t j = 0; j < count; j++)
        v->upbits[j >> 6] |= 1ull << (j & 63);
    v->up = count;
    *out = v;
    return 0;
}

uint64_t gb_fault_view_bytes(const gb_faults *f, uint64_t n, uint32_t count)
{
    if (f == NULL || !f->any)
        return sizeof(gb_fault_view) + 2ull * count + (count + 63) / 64 * 8;
    uint64_t b = sizeof(gb_fault_view) + 2ull * count + (count + 63) / 64 * 8; /* st, flags, upbits */
    if (f->nsampled > 0 || f->has_slow)
        b += (n + 7) / 8 + 1;
    if (f->nsampled > 0)
        b += 8ull * count;
    if (gb_faults_states(f))
        b += 2ull * count; /* ev, by */
    return b;
}

void gb_fault_view_free(gb_fault_view *v)
{
    if (v == NULL)
        return;
    free(v->scratch);
    free(v->mask);
    free(v->st);
    free(v->ev);
    free(v->by);
    free(v->flags);
    free(v->upbits);
    free(v);
}

void gb_fault_view_start(gb_fault_view *v, uint32_t trial)
{
    const gb_faults *f = &v->f;
    v->trial = trial;
    v->round = 0;
    v->part = v->churn = NULL;
    v->slow_skip = 0;
    v->dirty = 0;
    size_t c = v->count;
    memset(v->st, GB_NODE_UP, c);
    memset(v->flags, 0, c);
    if (v->ev != NULL) {
        memset(v->ev, GB_EV_NONE, c);
        memset(v->by, NO_CRASH, c);
    }
    if (v->mask != NULL)
        memset(v->mask, 0, c * sizeof *v->mask);
    for (uint32_t i = 0; i < f->nevents; i++) {
        const gb_fault_event *e = &f->ev[i];
        if (e->kind != GB_FAULT_CRASH && e->kind != GB_FAULT_JOIN && e->kind != GB_FAULT_LEAVE)
            continue;
        uint64_t k = gb_faults_count(e->frac, v->n);
        gb_faults_select(v->seed, trial, gb_faults_set_id(e), v->n, k, v->scratch);
        for (uint32_t j = 0; j < v->count; j++)
            if (gb_faults_bit(v->scratch, (uint64_t)v->first + j)) {
                v->mask[j] |= 1ull << e->set;
                if (e->kind == GB_FAULT_JOIN)
                    v->st[j] = GB_NODE_ABSENT;
            }
    }
    if (f->has_slow) {
        gb_faults_select(v->seed, trial, GB_FAULT_SET_SLOW, v->n,
                         gb_faults_count(f->slow_frac, v->n), v->scratch);
        for (uint32_t j = 0; j < v->count; j++)
            if (gb_faults_bit(v->scratch, (uint64_t)v->first + j))
                v->flags[j] |= FL_SLOW;
    }
    v->up = 0;
    memset(v->upbits, 0, (c + 63) / 64 * sizeof *v->upbits);
    for (uint32_t j = 0; j < v->count; j++)
        if (v->st[j] == GB_NODE_UP) {
            v->up++;
            v->upbits[j >> 6] |= 1ull << (j & 63);
        }
}

/* Churn draw of node `node` in `round` (header comment). */
static uint64_t churn_draw(const gb_fault_view *v, uint32_t round, gb_node_t node)
{
    return fault_block(v->seed, v->trial, round, node, GB_FAULTS_CHURN_INDEX).v[0];
}

void gb_fault_view_advance(gb_fault_view *v, uint32_t round)
{
    const gb_faults *f = &v->f;
    v->round = round;
    v->slow_skip = gb_faults_slow_skips(f, round);
    v->part = gb_faults_partition_at(f, round);
    if (!v->states)
        return;
    /* Which transitions can happen at the start of this round? */
    uint64_t crash_now = 0, leave_now = 0, join_now = 0; /* sampled-set masks */
    int recover_now = 0;
    v->churn = NULL;
    for (uint32_t i = 0; i < f->nevents; i++) {
        const gb_fault_event *e = &f->ev[i];
        switch (e->kind) {
        case GB_FAULT_CRASH:
            if (e->from == round)
                crash_now |= 1ull << e->set;
            if (e->to == round)
                recover_now = 1;
            break;
        case GB_FAULT_JOIN:
            if (e->from == round)
                join_now |= 1ull << e->set;
            break;
        case GB_FAULT_LEAVE:
            if (e->from == round)
                leave_now |= 1ull << e->set;
            break;
        case GB_FAULT_CHURN:
            if (round >= e->from && round <= e->to)
                v->churn = e;
            break;
        default: break;
        }
    }
    if (v->churn != NULL) {
        v->churn_leave = threshold(v->churn->frac, &v->churn_leave_all);
        v->churn_join = threshold(v->churn->join, &v->churn_join_all);
        if (v->churn->frac <= 0.0)
            v->churn_leave_all = 0, v->churn_leave = 0;
        if (v->churn->join <= 0.0)
            v->churn_join_all = 0, v->churn_join = 0;
    }
    int any = crash_now || leave_now || join_now || recover_now || v->churn != NULL;
    if (!any && !v->dirty)
        return;
    memset(v->ev, GB_EV_NONE, v->count);
    v->dirty = 0;
    if (!any)
        return;
    for (uint32_t j = 0; j < v->count; j++) {
        uint8_t st = v->st[j], ev = GB_EV_NONE;
        uint64_t m = v->mask != NULL ? v->mask[j] : 0;
        /* 1. recovery */
        if (recover_now && st == GB_NODE_CRASHED && f->ev[v->by[j]].to == round) {
            ev = f->ev[v->by[j]].empty ? GB_EV_RECOVER_EMPTY : GB_EV_RECOVER;
            st = GB_NODE_UP;
            v->by[j] = NO_CRASH;
        }
        /* 2. crash: the first crash item of this round whose set holds the node */
        if (ev == GB_EV_NONE && st == GB_NODE_UP && (m & crash_now)) {
            for (uint32_t i = 0; i < f->nevents; i++) {
                const gb_fault_event *e = &f->ev[i];
                if (e->kind == GB_FAULT_CRASH && e->from == round && ((m >> e->set) & 1)) {
                    st = GB_NODE_CRASHED;
                    ev = GB_EV_CRASH;
                    v->by[j] = (uint8_t)i;
                    break;
                }
            }
        }
        /* 3. scheduled leave, 4. scheduled join */
        if (ev == GB_EV_NONE && st == GB_NODE_UP && (m & leave_now)) {
            st = GB_NODE_ABSENT;
            ev = GB_EV_LEAVE;
        }
        if (ev == GB_EV_NONE && st == GB_NODE_ABSENT && (m & join_now)) {
            st = GB_NODE_UP;
            ev = GB_EV_JOIN;
        }
        /* 5. churn */
        if (ev == GB_EV_NONE && v->churn != NULL && st != GB_NODE_CRASHED) {
            if (st == GB_NODE_UP && (v->churn_leave_all || v->churn_leave > 0)) {
                if (hit(churn_draw(v, round, v->first + j), v->churn_leave, v->churn_leave_all)) {
                    st = GB_NODE_ABSENT;
                    ev = GB_EV_LEAVE;
                }
            } else if (st == GB_NODE_ABSENT && (v->churn_join_all || v->churn_join > 0)) {
                if (hit(churn_draw(v, round, v->first + j), v->churn_join, v->churn_join_all)) {
                    st = GB_NODE_UP;
                    ev = GB_EV_JOIN;
                }
            }
        }
        if (ev != GB_EV_NONE) {
            if (v->st[j] == GB_NODE_UP) {
                v->up--;
                v->upbits[j >> 6] &= ~(1ull << (j & 63));
            }
            if (st == GB_NODE_UP) {
                v->up++;
                v->upbits[j >> 6] |= 1ull << (j & 63);
            }
            v->st[j] = st;
            v->ev[j] = ev;
            v->dirty = 1;
        }
    }
}

uint8_t gb_fault_view_state(const gb_fault_view *v, gb_node_t node)
{
    return v->st[node - v->first];
}

uint8_t gb_fault_view_event(const gb_fault_view *v, gb_node_t node)
{
    return v->ev != NULL ? v->ev[node - v->first] : GB_EV_NONE;
}

int gb_fault_view_acts(const gb_fault_view *v, gb_node_t node)
{
    uint32_t j = node - v->first;
    return v->st[j] == GB_NODE_UP && !(v->slow_skip && (v->flags[j] & FL_SLOW));
}

const uint64_t *gb_fault_view_up_bits(const gb_fault_view *v)
{
    return v->upbits;
}

uint64_t gb_fault_view_up(const gb_fault_view *v)
{
    return v->up;
}

int gb_fault_view_drops(const gb_fault_view *v, gb_node_t src, gb_node_t dst,
                        uint32_t name_node, uint32_t name_index)
{
    const gb_faults *f = &v->f;
    if (v->part != NULL && part_group(v->part, v->seed, v->trial, v->n, src) !=
                               part_group(v->part, v->seed, v->trial, v->n, dst))
        return 1;
    int cross = f->has_crossloss && gb_faults_group(f->cross_groups, v->n, src) !=
                                        gb_faults_group(f->cross_groups, v->n, dst);
    if (f->loss_all || (cross && f->cross_all))
        return 1;
    if (!f->has_loss && !cross)
        return 0;
    philox2x64_ctr_t x = fault_block(v->seed, v->trial, v->round, name_node, name_index);
    return (f->has_loss && x.v[0] < f->loss_thresh) || (cross && x.v[1] < f->cross_thresh);
}

int gb_fault_view_may_return(const gb_fault_view *v, gb_node_t node)
{
    const gb_faults *f = &v->f;
    uint32_t j = node - v->first;
    if (v->st[j] == GB_NODE_CRASHED)
        return f->ev[v->by[j]].to > v->round;
    if (v->st[j] != GB_NODE_ABSENT)
        return 0;
    uint64_t m = v->mask != NULL ? v->mask[j] : 0;
    for (uint32_t i = 0; i < f->nevents; i++) {
        const gb_fault_event *e = &f->ev[i];
        if (e->kind == GB_FAULT_JOIN && e->from > v->round && ((m >> e->set) & 1))
            return 1;
        if (e->kind == GB_FAULT_CHURN && e->join > 0.0 && e->to > v->round)
            return 1;
    }
    return 0;
}

uint32_t gb_faults_horizon(const gb_faults *f)
{
    /* The last round at whose start some item changes node states or the network: crash
     * (and recovery), partition (and the heal at to + 1), join, leave, and the last round
     * of a churn window. loss, crossloss and slow act every round and have no horizon. */
    uint32_t h = 0;
    if (f == NULL || !f->any)
        return 0;
    for (uint32_t i = 0; i < f->nevents; i++) {
        const gb_fault_event *e = &f->ev[i];
        uint32_t last = e->from;
        switch (e->kind) {
        case GB_FAULT_CRASH: last = e->to > e->from ? e->to : e->from; break;
        case GB_FAULT_PARTITION: last = e->to + 1; break;
        case GB_FAULT_CHURN: last = e->to; break;
        default: break; /* join, leave: from */
        }
        if (last > h)
            h = last;
    }
    return h;
}
