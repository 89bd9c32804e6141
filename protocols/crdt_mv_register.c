/* crdt_mv_register.c: multi-value register with version vectors (Shapiro et al. 2011,
 * MV-Register; Dynamo's siblings). Every write is tagged with the join of the clocks it
 * saw, advanced at the writer; a merge keeps the writes no other write has seen, so
 * concurrent writes survive side by side until a later write, which has seen them all,
 * replaces them. The DVV variant is crdt_mv_register_dvv.c. */
#include <stdlib.h>

#include "crdt_internal.h"

typedef struct sib {
    gb_vcv vc;
    uint64_t val;
    const uint8_t *raw; /* VC blob and value */
    uint32_t rawlen;
} sib;

/* Canonical order: the clock's bytes, then the value. */
static int sib_cmp(const sib *x, const sib *y)
{
    int c = gb_cmp_bytes(x->vc.blob, x->vc.bloblen, y->vc.blob, y->vc.bloblen);
    return c != 0 ? c : gb_cmp_u64(x->val, y->val);
}

/* Parse a state into a malloc'ed sibling array (NULL when empty). */
static int parse(const uint8_t *p, uint32_t len, sib **out, uint32_t *n)
{
    gb_rd r;
    uint32_t count;
    *out = NULL;
    *n = 0;
    gb_rd_init(&r, p, len);
    if (gb_rd_u32(&r, &count) < 0)
        return GB_EINVAL;
    /* A sibling is at least a clock header and a value (12 bytes): bound the count by the
     * bytes present before allocating for it. */
    if (count > gb_rd_left(&r) / (GB_VC_HEADER_BYTES + 8))
        return GB_EINVAL;
    if (count == 0)
        return gb_rd_left(&r) == 0 ? 0 : GB_EINVAL;
    sib *s = malloc((size_t)count * sizeof *s);
    if (s == NULL)
        return GB_ENOMEM;
    for (uint32_t i = 0; i < count; i++) {
        uint32_t start = r.pos;
        /* Every write advances its writer's entry, so a sibling's clock is never empty. */
        if (gb_vcv_read(&r, &s[i].vc) < 0 || s[i].vc.n == 0 || gb_rd_u64(&r, &s[i].val) < 0)
            goto bad;
        s[i].raw = p + start;
        s[i].rawlen = r.pos - start;
        if (i > 0 && sib_cmp(&s[i - 1], &s[i]) >= 0)
            goto bad;
    }
    if (gb_rd_left(&r) != 0)
        goto bad;
    /* A sibling whose clock another's dominates would have been dropped by the merge that
     * met them: such a state is not canonical. */
    for (uint32_t i = 0; i < count; i++)
        for (uint32_t j = 0; j < count; j++)
            if (gb_vcv_compare(&s[i].vc, &s[j].vc) == GB_VC_BEFORE)
                goto bad;
    *out = s;
    *n = count;
    return 0;
bad:
    free(s);
    return GB_EINVAL;
}

/* The register's clock: the join of its siblings' clocks. */
static int clock_of(const sib *s, uint32_t n, gb_vcacc *acc)
{
    for (uint32_t i = 0; i < n; i++)
        if (gb_vcacc_join(acc, &s[i].vc) < 0)
            return GB_ENOMEM;
    return 0;
}

static int mv_init(gb_bytes *out)
{
    gb_bytes w = GB_BYTES_INIT;
    if (gb_bytes_put_u32(&w, 0) < 0)
        return GB_ENOMEM;
    gb_out_commit(out, &w);
    return 0;
}

static int mv_update(const gb_bytes *in, gb_bytes *out, uint32_t node, uint64_t stamp,
                     uint64_t value)
{
    (void)stamp;
    sib *s;
    uint32_t n;
    gb_vcacc acc = {0};
    gb_bytes w = GB_BYTES_INIT;
    int rc = parse(in->p, in->len, &s, &n);
    if (rc < 0)
        return rc;
    rc = GB_ENOMEM;
    if (clock_of(s, n, &acc) < 0)
        goto out;
    uint64_t c = gb_vcacc_get(&acc, node);
    if (c == UINT64_MAX) {
        rc = GB_EINVAL;
        goto out;
    }
    if (gb_vcacc_max(&acc, node, c + 1) < 0 || gb_bytes_put_u32(&w, 1) < 0 ||
        gb_vcacc_put(&acc, &w) < 0 || gb_bytes_put_u64(&w, value) < 0)
        goto out;
    gb_out_commit(out, &w);
    rc = 0;
out:
    gb_bytes_free(&w);
    gb_vcacc_free(&acc);
    free(s);
    return rc;
}

static int mv_merge(const uint8_t *a, uint32_t alen, const uint8_t *b, uint32_t blen,
                    gb_bytes *out, int *conflict)
{
    sib *sa = NULL, *sb = NULL, *u = NULL;
    uint32_t na = 0, nb = 0, nu = 0, kept = 0;
    gb_vcacc ca = {0}, cb = {0};
    gb_bytes w = GB_BYTES_INIT;
    int rc = parse(a, alen, &sa, &na);
    if (rc == 0)
        rc = parse(b, blen, &sb, &nb);
    if (rc < 0)
        goto out;
    rc = GB_ENOMEM;
    if ((u = malloc(((size_t)na + nb + 1) * sizeof *u)) == NULL)
        goto out;
    /* Union in canonical order, each sibling known to both sides once. */
    uint32_t i = 0, j = 0;
    while (i < na || j < nb) {
        if (j >= nb) {
            u[nu++] = sa[i++];
        } else if (i >= na) {
            u[nu++] = sb[j++];
        } else {
            int c = sib_cmp(&sa[i], &sb[j]);
            u[nu++] = c <= 0 ? sa[i] : sb[j];
            if (c <= 0)
                i++;
            if (c >= 0)
                j++;
        }
    }
    if (gb_bytes_put_u32(&w, 0) < 0)
        goto out;
    for (i = 0; i < nu; i++) {
        int obsolete = 0;
        for (j = 0; j < nu && !obsolete; j++)
            obsolete = gb_vcv_compare(&u[i].vc, &u[j].vc) == GB_VC_BEFORE;
        if (obsolete)
            continue;
        if (gb_bytes_append(&w, u[i].raw, u[i].rawlen) < 0)
            goto out;
        kept++;
    }
    w.p[0] = (uint8_t)kept;
    w.p[1] = (uint8_t)(kept >> 8);
    w.p[2] = (uint8_t)(kept >> 16);
    w.p[3] = (uint8_t)(kept >> 24);
    if (clock_of(sa, na, &ca) < 0 || clock_of(sb, nb, &cb) < 0)
        goto out;
    gb_out_commit(out, &w);
    if (conflict != NULL)
        *conflict = gb_vcacc_compare(&ca, &cb) == GB_VC_CONCURRENT;
    rc = 0;
out:
    gb_bytes_free(&w);
    gb_vcacc_free(&ca);
    gb_vcacc_free(&cb);
    free(u);
    free(sa);
    free(sb);
    return rc;
}

static int mv_dominates(const uint8_t *a, uint32_t alen, const uint8_t *b, uint32_t blen)
{
    return gb_crdt_dominates_by_merge(&gb_crdt_mv_register, a, alen, b, blen);
}

static int mv_clock(const uint8_t *b, uint32_t len, gb_bytes *out)
{
    sib *s;
    uint32_t n;
    gb_vcacc acc = {0};
    gb_bytes w = GB_BYTES_INIT;
    int rc = parse(b, len, &s, &n);
    if (rc < 0)
        return rc;
    rc = GB_ENOMEM;
    if (clock_of(s, n, &acc) == 0 && gb_vcacc_put(&acc, &w) == 0) {
        gb_out_commit(out, &w);
        rc = 0;
    }
    gb_bytes_free(&w);
    gb_vcacc_free(&acc);
    free(s);
    return rc;
}

static int mv_has_update(const uint8_t *b, uint32_t len, uint32_t node, uint64_t counter)
{
    return gb_crdt_has_update_by_clock(&gb_crdt_mv_register, b, len, node, counter);
}

static int mv_check(const uint8_t *b, uint32_t len)
{
    sib *s;
    uint32_t n;
    int rc = parse(b, len, &s, &n);
    free(s);
    return rc;
}

static int mv_describe(const uint8_t *b, uint32_t len, char *buf, size_t size)
{
    sib *s;
    uint32_t n;
    gb_desc d;
    gb_desc_init(&d, buf, size);
    int rc = parse(b, len, &s, &n);
    if (rc < 0)
        return rc;
    gb_desc_printf(&d, "[");
    for (uint32_t i = 0; i < n; i++) {
        gb_desc_printf(&d, "%s%llu ", i ? ", " : "", (unsigned long long)s[i].val);
        gb_vcv_describe(&d, &s[i].vc);
    }
    gb_desc_printf(&d, "]");
    free(s);
    return 0;
}

int gb_mvreg_values(const gb_crdt_ops *type, const uint8_t *b, uint32_t len,
                    uint64_t *vals, uint32_t cap, uint32_t *count)
{
    uint32_t n;
    int rc;
    if (type == &gb_crdt_mv_register) {
        sib *s;
        if ((rc = parse(b, len, &s, &n)) < 0)
            return rc;
        for (uint32_t i = 0; i < n && i < cap; i++)
            vals[i] = s[i].val;
        free(s);
    } else if (type == &gb_crdt_mv_register_dvv) {
        gb_dvvitem *it;
        if ((rc = gb_dvvlist_parse(b, len, 8, &it, &n)) < 0)
            return rc;
        for (uint32_t i = 0; i < n && i < cap; i++)
            vals[i] = gb_ld64(it[i].raw + it[i].rawlen - 8);
        free(it);
    } else {
        return GB_EINVAL;
    }
    *count = n;
    return 0;
}

const gb_crdt_ops gb_crdt_mv_register = {
    .name = "mv-register",
    .help = "multi-value register (version vectors): update writes value; concurrent "
            "writes are kept as siblings",
    .init = mv_init,
    .update = mv_update,
    .merge = mv_merge,
    .dominates = mv_dominates,
    .has_update = mv_has_update,
    .clock = mv_clock,
    .check = mv_check,
    .describe = mv_describe,
};
