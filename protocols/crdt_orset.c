/* crdt_orset.c: observed-remove set, add-wins, in the optimised form without tombstones
 * (Bieniusa, Zawirski, Preguica, Shapiro, Baquero, Balegas, Duarte 2012, "An optimized
 * conflict-free replicated set").
 *
 * Every update takes a unique tag (node, n), n = the replica's next update number, and the
 * version vector records which tags a state has seen. An element is present while some
 * tag of it is live. A remove simply drops the live tags it observed; the version vector
 * remembers that they existed, so a merge can tell "removed here" (seen, not live) from
 * "not yet seen here" (beyond the vector) without keeping tombstones. That is also what
 * makes the blob canonical: it holds only the vector and the live tags, sorted. */
#include <stdlib.h>

#include "crdt_internal.h"

#define TAG_BYTES 20u /* u64 element, u32 node, u64 counter */

typedef struct orv {
    gb_vcv vc;
    const uint8_t *t; /* count tags of TAG_BYTES */
    uint32_t n;
} orv;

static uint64_t t_elem(const orv *v, uint32_t i)
{
    return gb_ld64(v->t + (size_t)i * TAG_BYTES);
}

static uint32_t t_node(const orv *v, uint32_t i)
{
    return gb_ld32(v->t + (size_t)i * TAG_BYTES + 8);
}

static uint64_t t_ctr(const orv *v, uint32_t i)
{
    return gb_ld64(v->t + (size_t)i * TAG_BYTES + 12);
}

/* Canonical order of tags: (element, node, counter). */
static int tag_cmp(const orv *a, uint32_t i, const orv *b, uint32_t j)
{
    int c = gb_cmp_u64(t_elem(a, i), t_elem(b, j));
    if (c == 0)
        c = gb_cmp_u64(t_node(a, i), t_node(b, j));
    if (c == 0)
        c = gb_cmp_u64(t_ctr(a, i), t_ctr(b, j));
    return c;
}

static int parse(const uint8_t *p, uint32_t len, orv *v)
{
    gb_rd r;
    gb_rd_init(&r, p, len);
    if (gb_vcv_read(&r, &v->vc) < 0 || gb_rd_u32(&r, &v->n) < 0)
        return GB_EINVAL;
    if (gb_rd_left(&r) % TAG_BYTES != 0 || v->n != gb_rd_left(&r) / TAG_BYTES)
        return GB_EINVAL;
    v->t = r.p + r.pos;
    for (uint32_t i = 0; i < v->n; i++) {
        uint64_t c = t_ctr(v, i);
        if (t_elem(v, i) > GB_ORSET_ELEM_MAX || c == 0 || c > gb_vcv_get(&v->vc, t_node(v, i)))
            return GB_EINVAL;
        if (i > 0 && tag_cmp(v, i - 1, v, i) >= 0)
            return GB_EINVAL;
    }
    return 0;
}

static int put_tag(gb_bytes *w, uint64_t e, uint32_t node, uint64_t c)
{
    if (gb_bytes_put_u64(w, e) < 0 || gb_bytes_put_u32(w, node) < 0 ||
        gb_bytes_put_u64(w, c) < 0)
        return GB_ENOMEM;
    return 0;
}

static void set_u32(gb_bytes *w, uint32_t at, uint32_t v)
{
    w->p[at] = (uint8_t)v;
    w->p[at + 1] = (uint8_t)(v >> 8);
    w->p[at + 2] = (uint8_t)(v >> 16);
    w->p[at + 3] = (uint8_t)(v >> 24);
}

static int or_init(gb_bytes *out)
{
    gb_bytes w = GB_BYTES_INIT;
    if (gb_bytes_put_u32(&w, 0) < 0 || gb_bytes_put_u32(&w, 0) < 0) {
        gb_bytes_free(&w);
        return GB_ENOMEM;
    }
    gb_out_commit(out, &w);
    return 0;
}

static int or_update(const gb_bytes *in, gb_bytes *out, uint32_t node, uint64_t stamp,
                     uint64_t value)
{
    (void)stamp;
    orv v;
    if (parse(in->p, in->len, &v) < 0)
        return GB_EINVAL;
    uint64_t c = gb_vcv_get(&v.vc, node);
    if (c == UINT64_MAX)
        return GB_EINVAL;
    uint64_t e = value >> 1;
    int add = (value & 1) == 0;
    gb_bytes w = GB_BYTES_INIT;
    uint32_t slot, n = 0, i = 0;
    if (gb_vcv_put_advanced(&w, &v.vc, node, c + 1) < 0)
        goto nomem;
    slot = w.len;
    if (gb_bytes_put_u32(&w, 0) < 0)
        goto nomem;
    /* Tags of other elements are copied. A remove drops every tag of e this replica has
     * observed (all of e's live tags here). An add drops only the writer's own older tags
     * of e, which the new tag supersedes (every replica that sees the new tag also sees,
     * through the vector, that they are gone), and keeps other replicas' tags: removing
     * those would be a remove this update did not ask for. */
    for (; i < v.n && t_elem(&v, i) < e; i++, n++)
        if (put_tag(&w, t_elem(&v, i), t_node(&v, i), t_ctr(&v, i)) < 0)
            goto nomem;
    int placed = !add;
    for (; i < v.n && t_elem(&v, i) == e; i++) {
        uint32_t tn = t_node(&v, i);
        if (!placed && tn >= node) {
            if (put_tag(&w, e, node, c + 1) < 0)
                goto nomem;
            n++;
            placed = 1;
        }
        if (!add || tn == node)
            continue;
        if (put_tag(&w, e, tn, t_ctr(&v, i)) < 0)
            goto nomem;
        n++;
    }
    if (!placed) {
        if (put_tag(&w, e, node, c + 1) < 0)
            goto nomem;
        n++;
    }
    for (; i < v.n; i++, n++)
        if (put_tag(&w, t_elem(&v, i), t_node(&v, i), t_ctr(&v, i)) < 0)
            goto nomem;
    set_u32(&w, slot, n);
    gb_out_commit(out, &w);
    return 0;
nomem:
    gb_bytes_free(&w);
    return GB_ENOMEM;
}

static int or_merge(const uint8_t *a, uint32_t alen, const uint8_t *b, uint32_t blen,
                    gb_bytes *out, int *conflict)
{
    orv va, vb;
    if (parse(a, alen, &va) < 0 || parse(b, blen, &vb) < 0)
        return GB_EINVAL;
    gb_bytes w = GB_BYTES_INIT;
    uint32_t slot, n = 0, i = 0, j = 0;
    if (gb_vcv_put_join(&w, &va.vc, &vb.vc) < 0)
        goto nomem;
    slot = w.len;
    if (gb_bytes_put_u32(&w, 0) < 0)
        goto nomem;
    /* A tag live on both sides stays. A tag live on one side only stays if the other side
     * has not seen it yet (its counter is beyond the other's vector): then it is an add
     * the other side's removes cannot have observed, which is what "add wins" means. If
     * the other side has seen it and it is not live there, it was removed. */
    while (i < va.n || j < vb.n) {
        const orv *src;
        uint32_t k;
        int keep;
        int c = i >= va.n ? 1 : j >= vb.n ? -1 : tag_cmp(&va, i, &vb, j);
        if (c == 0) {
            src = &va;
            k = i++;
            j++;
            keep = 1;
        } else if (c < 0) {
            src = &va;
            k = i++;
            keep = t_ctr(src, k) > gb_vcv_get(&vb.vc, t_node(src, k));
        } else {
            src = &vb;
            k = j++;
            keep = t_ctr(src, k) > gb_vcv_get(&va.vc, t_node(src, k));
        }
        if (!keep)
            continue;
        if (put_tag(&w, t_elem(src, k), t_node(src, k), t_ctr(src, k)) < 0)
            goto nomem;
        n++;
    }
    set_u32(&w, slot, n);
    /* Compare before the commit: a or b may live in out's old buffer. */
    int concurrent = gb_vcv_compare(&va.vc, &vb.vc) == GB_VC_CONCURRENT;
    gb_out_commit(out, &w);
    if (conflict != NULL)
        *conflict = concurrent;
    return 0;
nomem:
    gb_bytes_free(&w);
    return GB_ENOMEM;
}

static int or_dominates(const uint8_t *a, uint32_t alen, const uint8_t *b, uint32_t blen)
{
    return gb_crdt_dominates_by_merge(&gb_crdt_orset, a, alen, b, blen);
}

static int or_clock(const uint8_t *b, uint32_t len, gb_bytes *out)
{
    orv v;
    if (parse(b, len, &v) < 0)
        return GB_EINVAL;
    gb_bytes w = GB_BYTES_INIT;
    if (gb_bytes_append(&w, v.vc.blob, v.vc.bloblen) < 0) {
        gb_bytes_free(&w);
        return GB_ENOMEM;
    }
    gb_out_commit(out, &w);
    return 0;
}

static int or_has_update(const uint8_t *b, uint32_t len, uint32_t node, uint64_t counter)
{
    orv v;
    if (parse(b, len, &v) < 0)
        return GB_EINVAL;
    return counter <= gb_vcv_get(&v.vc, node);
}

static int or_check(const uint8_t *b, uint32_t len)
{
    orv v;
    return parse(b, len, &v);
}

static int or_describe(const uint8_t *b, uint32_t len, char *buf, size_t size)
{
    orv v;
    gb_desc d;
    gb_desc_init(&d, buf, size);
    if (parse(b, len, &v) < 0)
        return GB_EINVAL;
    gb_desc_printf(&d, "{");
    int first = 1;
    for (uint32_t i = 0; i < v.n; i++) {
        if (i > 0 && t_elem(&v, i) == t_elem(&v, i - 1))
            continue;
        gb_desc_printf(&d, "%s%llu", first ? "" : ", ", (unsigned long long)t_elem(&v, i));
        first = 0;
    }
    gb_desc_printf(&d, "} tags=%u vc=", (unsigned)v.n);
    gb_vcv_describe(&d, &v.vc);
    return 0;
}

int gb_orset_contains(const uint8_t *b, uint32_t len, uint64_t elem)
{
    orv v;
    if (parse(b, len, &v) < 0)
        return GB_EINVAL;
    /* Tags are sorted by element first: binary search for the first tag >= elem. */
    uint32_t lo = 0, hi = v.n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (t_elem(&v, mid) < elem)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < v.n && t_elem(&v, lo) == elem;
}

int gb_orset_elements(const uint8_t *b, uint32_t len, uint64_t *elems, uint32_t cap,
                      uint32_t *count)
{
    orv v;
    if (parse(b, len, &v) < 0)
        return GB_EINVAL;
    uint32_t n = 0;
    for (uint32_t i = 0; i < v.n; i++) {
        if (i > 0 && t_elem(&v, i) == t_elem(&v, i - 1))
            continue;
        if (n < cap)
            elems[n] = t_elem(&v, i);
        n++;
    }
    *count = n;
    return 0;
}

const gb_crdt_ops gb_crdt_orset = {
    .name = "orset",
    .help = "observed-remove set (add wins): value even adds element value>>1, odd removes it",
    .init = or_init,
    .update = or_update,
    .merge = or_merge,
    .dominates = or_dominates,
    .has_update = or_has_update,
    .clock = or_clock,
    .check = or_check,
    .describe = or_describe,
};
