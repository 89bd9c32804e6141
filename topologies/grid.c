/* grid.c: dims parsing and the most-square factorisation shared by mesh.c and torus.c
 * (contract in grid.h). */
#include "grid.h"

#include <string.h>

int gb_grid_parse_dims(const gb_grid_rules *r, const char *s, uint64_t n,
                       uint64_t side[GB_GRID_MAXDIM], int *ndim, char *err)
{
    int count = 0;
    const char *p = s;
    for (;;) {
        if (count == GB_GRID_MAXDIM)
            return gb_seterr(err, GB_EINVAL, "topology '%s': dims='%s' has more than %d sides",
                             r->name, s, GB_GRID_MAXDIM);
        uint64_t v = 0;
        const char *start = p;
        while (*p >= '0' && *p <= '9') {
            v = v * 10 + (uint64_t)(*p - '0');
            if (v > GB_NODE_MAX)
                return gb_seterr(err, GB_EINVAL, "topology '%s': dims='%s' has a side "
                                 "larger than %llu", r->name, s,
                                 (unsigned long long)GB_NODE_MAX);
            p++;
        }
        if (p == start || (*p != 'x' && *p != '\0'))
            return gb_seterr(err, GB_EINVAL, "topology '%s': dims='%s' is not of the form %s",
                             r->name, s, r->forms);
        if (v < r->min_side)
            return gb_seterr(err, GB_EINVAL,
                             "topology '%s': dims='%s' has a side of %llu; every side must be "
                             "at least %llu", r->name, s, (unsigned long long)v,
                             (unsigned long long)r->min_side);
        side[count++] = v;
        if (*p == '\0')
            break;
        p++;
    }
    /* Multiply with an overflow guard: once the running product would pass n the answer
     * is "no", so stop before it can wrap. */
    uint64_t prod = 1;
    for (int i = 0; i < count; i++) {
        if (prod > n / side[i]) {
            prod = 0;
            break;
        }
        prod *= side[i];
    }
    if (prod != n)
        return gb_seterr(err, GB_EINVAL, "topology '%s': dims='%s' does not multiply to n=%llu",
                         r->name, s, (unsigned long long)n);
    *ndim = count;
    return GB_OK;
}

/* Largest divisor of m that lies in [lo, floor(sqrt(m))], or 0 if there is none. */
static uint64_t largest_divisor_upto_sqrt(uint64_t m, uint64_t lo)
{
    uint64_t r = 1;
    while ((r + 1) * (r + 1) <= m)
        r++;
    for (uint64_t a = r; a >= lo && a >= 1; a--)
        if (m % a == 0)
            return a;
    return 0;
}

int gb_grid_factorise(const gb_grid_rules *r, uint64_t n, int d, uint64_t side[GB_GRID_MAXDIM],
                      char *err)
{
    if (d == 2) {
        uint64_t a = largest_divisor_upto_sqrt(n, 2);
        if (a == 0)
            goto none;
        side[0] = a;
        side[1] = n / a;
        return GB_OK;
    }
    /* d == 3: try every smallest side a <= cbrt(n); for each, the best split of n/a into
     * b <= c with b >= a is the largest divisor of n/a not above its square root. Keep
     * the triple with the smallest largest side, then the smallest spread. n < 2^32 keeps
     * this to at most ~1600 * 65536 steps, and in practice far fewer. */
    uint64_t best[3] = {0, 0, 0};
    for (uint64_t a = 2; a * a * a <= n; a++) {
        if (n % a != 0)
            continue;
        uint64_t m = n / a;
        uint64_t b = largest_divisor_upto_sqrt(m, a);
        if (b == 0)
            continue;
        uint64_t c = m / b;
        if (best[0] == 0 || c < best[2] || (c == best[2] && c - a < best[2] - best[0])) {
            best[0] = a;
            best[1] = b;
            best[2] = c;
        }
    }
    if (best[0] == 0)
        goto none;
    memcpy(side, best, sizeof best);
    return GB_OK;
none:
    return gb_seterr(err, GB_EINVAL,
                     "topology '%s': n=%llu has no factorisation into %d sides >= 2; give dims%s",
                     r->name, (unsigned long long)n, d, d == 3 ? r->hint3 : r->hint2);
}

int gb_grid_shape(const gb_grid_rules *r, const gb_params *params, uint64_t n,
                  uint64_t side[GB_GRID_MAXDIM], int *ndim, char *err)
{
    int64_t d = gb_params_int(params, "d");
    if (gb_params_has(params, "dims")) {
        int rc = gb_grid_parse_dims(r, gb_params_str(params, "dims"), n, side, ndim, err);
        if (rc < 0)
            return rc;
        /* An explicit d that disagrees with dims is a mistake worth reporting rather than
         * silently ignoring one of the two. */
        if (gb_params_given(params, "d") && d != *ndim)
            return gb_seterr(err, GB_EINVAL,
                             "topology '%s': d=%lld disagrees with dims='%s' (%d sides)",
                             r->name, (long long)d, gb_params_str(params, "dims"), *ndim);
        return GB_OK;
    }
    if (d < 2 || d > GB_GRID_MAXDIM)
        return gb_seterr(err, GB_ERANGE, "topology '%s': d=%lld is out of range [2, 3]",
                         r->name, (long long)d);
    *ndim = (int)d;
    return gb_grid_factorise(r, n, *ndim, side, err);
}
