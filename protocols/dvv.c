/* dvv.c: dotted version vectors (Preguica, Baquero, Almeida, Fonte, Goncalves 2010) and
 * lists of them (the clocks of sibling versions), in canonical blob form. */
#include <stdlib.h>
#include <string.h>

#include "crdt_internal.h"

int gb_dvvv_read(gb_rd *r, gb_dvvv *d)
{
    uint32_t start = r->pos;
    if (gb_rd_u32(r, &d->node) < 0 || gb_rd_u64(r, &d->ctr) < 0 ||
        gb_vcv_read(r, &d->past) < 0)
        return GB_EINVAL;
    /* A dot inside its own past names an event the past already holds: such a clock has
     * another encoding (the past alone) and is rejected to keep one form per clock. */
    if (d->ctr == 0 || d->ctr <= gb_vcv_get(&d->past, d->node))
        return GB_EINVAL;
    d->blob = r->p + start;
    d->bloblen = r->pos - start;
    return 0;
}

int gb_dvvv_join_into(gb_vcacc *acc, const gb_dvvv *d)
{
    if (gb_vcacc_join(acc, &d->past) < 0 || gb_vcacc_max(acc, d->node, d->ctr) < 0)
        return GB_ENOMEM;
    return 0;
}

static int parse_whole(const uint8_t *p, uint32_t len, gb_dvvv *d)
{
    gb_rd r;
    gb_rd_init(&r, p, len);
    if (gb_dvvv_read(&r, d) < 0 || gb_rd_left(&r) != 0)
        return GB_EINVAL;
    return 0;
}

static int dvvv_contains(const gb_dvvv *d, uint32_t node, uint64_t c)
{
    if (c == 0)
        return 0;
    return c <= gb_vcv_get(&d->past, node) || (node == d->node && c == d->ctr);
}

/* Length of the contiguous prefix {1..k} of node's events that d holds: its past, plus
 * the dot when the dot directly follows the past. */
static uint64_t dvvv_reach(const gb_dvvv *d, uint32_t node)
{
    uint64_t k = gb_vcv_get(&d->past, node);
    if (node == d->node && d->ctr == k + 1)
        k++;
    return k;
}

/* events(a) is a subset of events(b). */
static int dvvv_subset(const gb_dvvv *a, const gb_dvvv *b)
{
    for (uint32_t i = 0; i < a->past.n; i++)
        if (gb_vcv_ctr(&a->past, i) > dvvv_reach(b, gb_vcv_node(&a->past, i)))
            return 0;
    return dvvv_contains(b, a->node, a->ctr);
}

int gb_dvv_check(const uint8_t *p, uint32_t len)
{
    gb_dvvv d;
    return parse_whole(p, len, &d);
}

int gb_dvv_span(const uint8_t *p, uint32_t len, uint32_t *dvvlen)
{
    gb_rd r;
    gb_dvvv d;
    gb_rd_init(&r, p, len);
    if (gb_dvvv_read(&r, &d) < 0)
        return GB_EINVAL;
    *dvvlen = r.pos;
    return 0;
}

int gb_dvv_new(const uint8_t *ctx, uint32_t ctxlen, uint32_t node, gb_bytes *out)
{
    uint64_t c;
    if (gb_vc_get(ctx, ctxlen, node, &c) < 0 || c == UINT64_MAX)
        return GB_EINVAL;
    gb_bytes w = GB_BYTES_INIT;
    if (gb_bytes_put_u32(&w, node) < 0 || gb_bytes_put_u64(&w, c + 1) < 0 ||
        gb_bytes_append(&w, ctx, ctxlen) < 0) {
        gb_bytes_free(&w);
        return GB_ENOMEM;
    }
    gb_out_commit(out, &w);
    return 0;
}

int gb_dvv_parts(const uint8_t *p, uint32_t len, uint32_t *node, uint64_t *counter,
                 const uint8_t **past, uint32_t *pastlen)
{
    gb_dvvv d;
    if (parse_whole(p, len, &d) < 0)
        return GB_EINVAL;
    *node = d.node;
    *counter = d.ctr;
    *past = d.past.blob;
    *pastlen = d.past.bloblen;
    return 0;
}

int gb_dvv_contains(const uint8_t *p, uint32_t len, uint32_t node, uint64_t counter)
{
    gb_dvvv d;
    if (parse_whole(p, len, &d) < 0)
        return GB_EINVAL;
    return dvvv_contains(&d, node, counter);
}

int gb_dvv_compare(const uint8_t *a, uint32_t alen, const uint8_t *b, uint32_t blen)
{
    gb_dvvv da, db;
    if (parse_whole(a, alen, &da) < 0 || parse_whole(b, blen, &db) < 0)
        return GB_EINVAL;
    int ab = dvvv_subset(&da, &db), ba = dvvv_subset(&db, &da);
    if (ab && ba)
        return GB_VC_EQUAL;
    if (ab)
        return GB_VC_BEFORE;
    if (ba)
        return GB_VC_AFTER;
    return GB_VC_CONCURRENT;
}

int gb_dvv_join(const uint8_t *a, uint32_t alen, const uint8_t *b, uint32_t blen,
                gb_bytes *out)
{
    gb_dvvv da, db;
    if (parse_whole(a, alen, &da) < 0 || parse_whole(b, blen, &db) < 0)
        return GB_EINVAL;
    gb_vcacc acc = {0};
    gb_bytes w = GB_BYTES_INIT;
    int rc = GB_ENOMEM;
    if (gb_dvvv_join_into(&acc, &da) < 0 || gb_dvvv_join_into(&acc, &db) < 0 ||
        gb_vcacc_put(&acc, &w) < 0)
        goto out;
    gb_out_commit(out, &w);
    rc = 0;
out:
    gb_vcacc_free(&acc);
    gb_bytes_free(&w);
    return rc;
}

/* ------------------------------------------------------------------ sibling lists */

static int item_cmp(const gb_dvvitem *x, const gb_dvvitem *y)
{
    int c = gb_cmp_u64(x->d.node, y->d.node);
    if (c == 0)
        c = gb_cmp_u64(x->d.ctr, y->d.ctr);
    if (c == 0)
        c = gb_cmp_bytes(x->raw, x->rawlen, y->raw, y->rawlen);
    return c;
}

int gb_dvvlist_parse(const uint8_t *p, uint32_t len, uint32_t vbytes, gb_dvvitem **items,
                     uint32_t *n)
{
    gb_rd r;
    uint32_t count;
    gb_rd_init(&r, p, len);
    *items = NULL;
    *n = 0;
    if (gb_rd_u32(&r, &count) < 0)
        return GB_EINVAL;
    /* Every item takes at least a dot and an empty past (16 bytes): bound the count by
     * the bytes present before allocating for it. */
    if (count > gb_rd_left(&r) / (GB_DVV_DOT_BYTES + GB_VC_HEADER_BYTES))
        return GB_EINVAL;
    if (count == 0)
        return gb_rd_left(&r) == 0 ? 0 : GB_EINVAL;
    gb_dvvitem *it = malloc((size_t)count * sizeof *it);
    if (it == NULL)
        return GB_ENOMEM;
    for (uint32_t i = 0; i < count; i++) {
        const uint8_t *v;
        uint32_t start = r.pos;
        if (gb_dvvv_read(&r, &it[i].d) < 0 || gb_rd_bytes(&r, vbytes, &v) < 0)
            goto bad;
        it[i].raw = p + start;
        it[i].rawlen = r.pos - start;
        if (i > 0 && item_cmp(&it[i - 1], &it[i]) >= 0)
            goto bad;
    }
    if (gb_rd_left(&r) != 0)
        goto bad;
    /* Canonical lists hold no obsolete item (sync would drop it, and merge(x, x) == x
     * must hold for every state we accept). */
    gb_vcacc pasts = {0};
    for (uint32_t i = 0; i < count; i++)
        if (gb_vcacc_join(&pasts, &it[i].d.past) < 0) {
            gb_vcacc_free(&pasts);
            free(it);
            return GB_ENOMEM;
        }
    for (uint32_t i = 0; i < count; i++)
        if (it[i].d.ctr <= gb_vcacc_get(&pasts, it[i].d.node)) {
            gb_vcacc_free(&pasts);
            goto bad;
        }
    gb_vcacc_free(&pasts);
    *items = it;
    *n = count;
    return 0;
bad:
    free(it);
    return GB_EINVAL;
}

int gb_dvvlist_put_sync(gb_bytes *w, const gb_dvvitem *a, uint32_t na, const gb_dvvitem *b,
                        uint32_t nb)
{
    /* An item is obsolete when its dot lies in the past of another item of the union. A
     * past never holds its own dot, so "another" can be widened to "any": then the test
     * is against the join of all pasts, one pass instead of all pairs. */
    gb_vcacc pasts = {0};
    int rc = GB_ENOMEM;
    for (uint32_t i = 0; i < na; i++)
        if (gb_vcacc_join(&pasts, &a[i].d.past) < 0)
            goto out;
    for (uint32_t i = 0; i < nb; i++)
        if (gb_vcacc_join(&pasts, &b[i].d.past) < 0)
            goto out;
    uint32_t slot = w->len, kept = 0, i = 0, j = 0;
    if (gb_bytes_put_u32(w, 0) < 0)
        goto out;
    /* Both lists are sorted: a merge walk gives the union in canonical order, and equal
     * items (the same version known to both sides) are written once. */
    while (i < na || j < nb) {
        const gb_dvvitem *x;
        if (j >= nb) {
            x = &a[i++];
        } else if (i >= na) {
            x = &b[j++];
        } else {
            int c = item_cmp(&a[i], &b[j]);
            x = c <= 0 ? &a[i] : &b[j];
            if (c <= 0)
                i++;
            if (c >= 0)
                j++;
        }
        if (x->d.ctr <= gb_vcacc_get(&pasts, x->d.node))
            continue;
        if (gb_bytes_append(w, x->raw, x->rawlen) < 0)
            goto out;
        kept++;
    }
    w->p[slot] = (uint8_t)kept;
    w->p[slot + 1] = (uint8_t)(kept >> 8);
    w->p[slot + 2] = (uint8_t)(kept >> 16);
    w->p[slot + 3] = (uint8_t)(kept >> 24);
    rc = 0;
out:
    gb_vcacc_free(&pasts);
    return rc;
}

int gb_dvvset_check(const uint8_t *p, uint32_t len)
{
    gb_dvvitem *it;
    uint32_t n;
    int rc = gb_dvvlist_parse(p, len, 0, &it, &n);
    free(it);
    return rc;
}

int gb_dvv_sync(const uint8_t *a, uint32_t alen, const uint8_t *b, uint32_t blen,
                gb_bytes *out)
{
    gb_dvvitem *ia = NULL, *ib = NULL;
    uint32_t na, nb;
    gb_bytes w = GB_BYTES_INIT;
    int rc = gb_dvvlist_parse(a, alen, 0, &ia, &na);
    if (rc == 0)
        rc = gb_dvvlist_parse(b, blen, 0, &ib, &nb);
    if (rc == 0)
        rc = gb_dvvlist_put_sync(&w, ia, na, ib, nb);
    if (rc == 0)
        gb_out_commit(out, &w);
    gb_bytes_free(&w);
    free(ia);
    free(ib);
    return rc;
}
