/* gb_params.c: parsing of "key=value" parameter lists against a descriptor array. */
#include "gb_params.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int gb_parse_i64(const char *s, int64_t *out)
{
    /* strtoll alone would accept leading blanks and '+': a whole number starts with a digit
     * or a minus sign followed by one. */
    if (s == NULL || !(isdigit((unsigned char)s[0]) || (s[0] == '-' && isdigit((unsigned char)s[1]))))
        return GB_EINVAL;
    char *end = NULL;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0')
        return GB_EINVAL;
    *out = (int64_t)v;
    return 0;
}

int gb_parse_double(const char *s, double *out)
{
    if (s == NULL || *s == '\0')
        return GB_EINVAL;
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (errno != 0 || end == s || *end != '\0' || !isfinite(v))
        return GB_EINVAL;
    *out = v;
    return 0;
}

static int find_key(const gb_param_desc *desc, const char *key, size_t keylen)
{
    for (int i = 0; desc != NULL && desc[i].name != NULL; i++)
        if (strlen(desc[i].name) == keylen && strncmp(desc[i].name, key, keylen) == 0)
            return i;
    return -1;
}

/* Checks one value against its descriptor's type and range. */
static int check_value(const gb_param_desc *d, const char *v, const char *what,
                       const char *name, char *err)
{
    if (*v == '\0')
        return 0;
    if (d->type == GB_PARAM_STRING) {
        if (d->choices == NULL)
            return 0;
        /* v must equal one '|'-separated item of choices, as a whole. */
        size_t vlen = strlen(v);
        for (const char *c = d->choices; *c != '\0';) {
            const char *bar = strchr(c, '|');
            size_t len = bar ? (size_t)(bar - c) : strlen(c);
            if (len == vlen && strncmp(c, v, len) == 0)
                return 0;
            c += len + (bar ? 1 : 0);
        }
        return gb_seterr(err, GB_EINVAL, "%s '%s': parameter '%s' must be one of %s, got '%s'",
                         what, name, d->name, d->choices, v);
    }
    double x;
    if (d->type == GB_PARAM_INT) {
        int64_t i;
        if (gb_parse_i64(v, &i) < 0)
            return gb_seterr(err, GB_EINVAL, "%s '%s': parameter '%s' needs an integer, got '%s'",
                             what, name, d->name, v);
        x = (double)i;
    } else if (gb_parse_double(v, &x) < 0) {
        return gb_seterr(err, GB_EINVAL, "%s '%s': parameter '%s' needs a number, got '%s'",
                         what, name, d->name, v);
    }
    if (x < d->min || x > d->max)
        return gb_seterr(err, GB_ERANGE, "%s '%s': parameter '%s'=%s is out of range [%g, %g]",
                         what, name, d->name, v, d->min, d->max);
    return 0;
}

int gb_params_parse(gb_params *out, const gb_param_desc *desc, const char *spec,
                    const char *what, const char *name, char *err)
{
    memset(out, 0, sizeof *out);
    out->desc = desc;
    for (int i = 0; desc != NULL && desc[i].name != NULL; i++) {
        if (i >= GB_PARAMS_MAX)
            return gb_seterr(err, GB_EINVAL, "%s '%s': too many parameters", what, name);
        snprintf(out->value[i], GB_PARAM_VALUE_LEN, "%s", desc[i].def ? desc[i].def : "");
        out->count = i + 1;
    }
    const char *p = spec;
    while (p != NULL && *p != '\0') {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        const char *eq = memchr(p, '=', len);
        if (len == 0 || eq == NULL || eq == p)
            return gb_seterr(err, GB_EINVAL, "%s '%s': expected key=value, got '%.*s'", what,
                             name, (int)len, p);
        size_t keylen = (size_t)(eq - p);
        int k = find_key(desc, p, keylen);
        if (k < 0)
            return gb_seterr(err, GB_ENOENT, "%s '%s': unknown parameter '%.*s'", what, name,
                             (int)keylen, p);
        if (out->given[k])
            return gb_seterr(err, GB_EINVAL, "%s '%s': parameter '%s' given twice", what, name,
                             desc[k].name);
        size_t vlen = len - keylen - 1;
        if (vlen == 0)
            return gb_seterr(err, GB_EINVAL, "%s '%s': parameter '%s' has an empty value", what,
                             name, desc[k].name);
        if (vlen >= GB_PARAM_VALUE_LEN)
            return gb_seterr(err, GB_EINVAL, "%s '%s': value of '%s' is too long", what, name,
                             desc[k].name);
        memcpy(out->value[k], eq + 1, vlen);
        out->value[k][vlen] = '\0';
        out->given[k] = 1;
        p = comma ? comma + 1 : NULL;
        if (comma != NULL && *p == '\0')
            return gb_seterr(err, GB_EINVAL, "%s '%s': trailing ',' in parameters", what, name);
    }
    for (int i = 0; i < out->count; i++) {
        int rc = check_value(&desc[i], out->value[i], what, name, err);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static const char *lookup(const gb_params *p, const char *key)
{
    int k = find_key(p->desc, key, strlen(key));
    return k < 0 ? NULL : p->value[k];
}

int64_t gb_params_int(const gb_params *p, const char *key)
{
    const char *v = lookup(p, key);
    int64_t x = 0;
    if (v != NULL && gb_parse_i64(v, &x) < 0)
        x = 0;
    return x;
}

double gb_params_double(const gb_params *p, const char *key)
{
    const char *v = lookup(p, key);
    double x = 0.0;
    if (v != NULL && gb_parse_double(v, &x) < 0)
        x = 0.0;
    return x;
}

const char *gb_params_str(const gb_params *p, const char *key)
{
    const char *v = lookup(p, key);
    return v ? v : "";
}

int gb_params_has(const gb_params *p, const char *key)
{
    const char *v = lookup(p, key);
    return v != NULL && *v != '\0';
}

int gb_params_given(const gb_params *p, const char *key)
{
    int k = find_key(p->desc, key, strlen(key));
    return k >= 0 && p->given[k];
}

int gb_params_format(const gb_params *p, char *buf, size_t len)
{
    size_t used = 0;
    if (len == 0)
        return 0;
    buf[0] = '\0';
    for (int i = 0; i < p->count; i++) {
        if (p->value[i][0] == '\0')
            continue;
        int w = snprintf(buf + used, len - used, "%s%s=%s", used ? "," : "", p->desc[i].name,
                         p->value[i]);
        if (w < 0 || (size_t)w >= len - used) {
            buf[len - 1] = '\0';
            return (int)(len - 1);
        }
        used += (size_t)w;
    }
    return (int)used;
}
