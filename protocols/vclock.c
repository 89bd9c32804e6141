/* vclock.c: sparse sorted vector clocks in their canonical blob form, and the parsed
 * views (gb_vcv) and accumulators (gb_vcacc) the CRDT files build on. */
#include <stdlib.h>
#include <string.h>

#include "crdt_internal.h"

/* ------------------------------------------------------------------ parsed views */

int gb_vcv_read(gb_rd *r, gb_vcv *v)
{
    uint32_t start = r->pos, n;
    if (gb_rd_u32(r, &n) < 0)
        return GB_EINVAL;
    /* The count comes from the wire: check it against the bytes that are really there
     * before multiplying, so a huge count cannot overflow or send us reading past the end. */
    if (n > gb_rd_left(r) / GB_VC_ENTRY_BYTES)
        return GB_EINVAL;
    const uint8_t *e = NULL;
    if (gb_rd_bytes(r, n * GB_VC_ENTRY_BYTES, &e) < 0)
        return GB_EINVAL;
    v->e = e;
    v->n = n;
    /* Canonical form: nodes strictly increasing (so no duplicates) and no zero counters
     * (a zero entry means the same as an absent one and would give two encodings). */
    for (uint32_t i = 0; i < n; i++) {
        if (gb_vcv_ctr(v, i) == 0)
            return GB_EINVAL;
        if (i > 0 && gb_vcv_node(v, i - 1) >= gb_vcv_node(v, i))
            return GB_EINVAL;
    }
    v->blob = r->p + start;
    v->bloblen = r->pos - start;
    return 0;
}

uint64_t gb_vcv_get(const gb_vcv *v, uint32_t node)
{
    uint32_t lo = 0, hi = v->n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        uint32_t m = gb_vcv_node(v, mid);
        if (m == node)
            return gb_vcv_ctr(v, mid);
        if (m < node)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

int gb_vcv_compare(const gb_vcv *a, const gb_vcv *b)
{
    int a_more = 0, b_more = 0; /* a has an entry above b's / b above a's */
    uint32_t i = 0, j = 0;
    while ((i < a->n || j < b->n) && !(a_more && b_more)) {
        if (j >= b->n || (i < a->n && gb_vcv_node(a, i) < gb_vcv_node(b, j))) {
            a_more = 1; /* node only in a, counter >= 1 > 0 */
            i++;
        } else if (i >= a->n || gb_vcv_node(b, j) < gb_vcv_node(a, i)) {
            b_more = 1;
            j++;
        } else {
            uint64_t x = gb_vcv_ctr(a, i), y = gb_vcv_ctr(b, j);
            a_more |= x > y;
            b_more |= y > x;
            i++;
            j++;
        }
    }
    if (a_more && b_more)
        return GB_VC_CONCURRENT;
    if (a_more)
        return GB_VC_AFTER;
    if (b_more)
        return GB_VC_BEFORE;
    return GB_VC_EQUAL;
}

static int put_entry(gb_bytes *w, uint32_t node, uint64_t ctr)
{
    if (gb_bytes_put_u32(w, node) < 0 || gb_bytes_put_u64(w, ctr) < 0)
        return GB_ENOMEM;
    return 0;
}

/* The count is written last: reserve its slot, write the entries, then fill it in. */
static int begin_clock(gb_bytes *w, uint32_t *slot)
{
    *slot = w->len;
    return gb_bytes_put_u32(w, 0);
}

static void end_clock(gb_bytes *w, uint32_t slot, uint32_t n)
{
    uint8_t *p = w->p + slot;
    p[0] = (uint8_t)n;
    p[1] = (uint8_t)(n >> 8);
    p[2] = (uint8_t)(n >> 16);
    p[3] = (uint8_t)(n >> 24);
}

int gb_vcv_put_join(gb_bytes *w, const gb_vcv *a, const gb_vcv *b)
{
    uint32_t slot, n = 0, i = 0, j = 0;
    if (begin_clock(w, &slot) < 0)
        return GB_ENOMEM;
    while (i < a->n || j < b->n) {
        uint32_t node;
        uint64_t c;
        if (j >= b->n || (i < a->n && gb_vcv_node(a, i) < gb_vcv_node(b, j))) {
            node = gb_vcv_node(a, i);
            c = gb_vcv_ctr(a, i++);
        } else if (i >= a->n || gb_vcv_node(b, j) < gb_vcv_node(a, i)) {
            node = gb_vcv_node(b, j);
            c = gb_vcv_ctr(b, j++);
        } else {
            node = gb_vcv_node(a, i);
            uint64_t x = gb_vcv_ctr(a, i++), y = gb_vcv_ctr(b, j++);
            c = x > y ? x : y;
        }
        if (put_entry(w, node, c) < 0)
            return GB_ENOMEM;
        n++;
    }
    end_clock(w, slot, n);
    return 0;
}

int gb_vcv_put_advanced(gb_bytes *w, const gb_vcv *v, uint32_t node, uint64_t counter)
{
    uint32_t slot, n = 0, i = 0;
    int done = counter == 0; /* a zero entry is never written */
    if (begin_clock(w, &slot) < 0)
        return GB_ENOMEM;
    for (; i < v->n; i++) {
        uint32_t m = gb_vcv_node(v, i);
        uint64_t c = gb_vcv_ctr(v, i);
        if (!done && m >= node) {
            if (m == node) {
                c = c > counter ? c : counter;
            } else {
                if (put_entry(w, node, counter) < 0)
                    return GB_ENOMEM;
                n++;
            }
            done = 1;
        }
        if (put_entry(w, m, c) < 0)
            return GB_ENOMEM;
        n++;
    }
    if (!done) {
        if (put_entry(w, node, counter) < 0)
            return GB_ENOMEM;
        n++;
    }
    end_clock(w, slot, n);
    return 0;
}

void gb_vcv_describe(gb_desc *d, const gb_vcv *v)
{
    gb_desc_printf(d, "{");
    for (uint32_t i = 0; i < v->n; i++)
        gb_desc_printf(d, "%s%u:%llu", i ? ", " : "", (unsigned)gb_vcv_node(v, i),
                       (unsigned long long)gb_vcv_ctr(v, i));
    gb_desc_printf(d, "}");
}

/* ------------------------------------------------------------------ accumulators */

static uint32_t acc_find(const gb_vcacc *acc, uint32_t node)
{
    uint32_t lo = 0, hi = acc->n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (acc->node[mid] < node)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int gb_vcacc_max(gb_vcacc *acc, uint32_t node, uint64_t counter)
{
    if (counter == 0)
        return 0;
    uint32_t i = acc_find(acc, node);
    if (i < acc->n && acc->node[i] == node) {
        if (acc->ctr[i] < counter)
            acc->ctr[i] = counter;
        return 0;
    }
    if (acc->n == acc->cap) {
        uint32_t cap = acc->cap ? acc->cap * 2 : 8;
        if (cap < acc->cap)
            return GB_ENOMEM;
        uint32_t *nn = realloc(acc->node, (size_t)cap * sizeof *nn);
        if (nn == NULL)
            return GB_ENOMEM;
        acc->node = nn;
        uint64_t *nc = realloc(acc->ctr, (size_t)cap * sizeof *nc);
        if (nc == NULL)
            return GB_ENOMEM;
        acc->ctr = nc;
        acc->cap = cap;
    }
    memmove(acc->node + i + 1, acc->node + i, (size_t)(acc->n - i) * sizeof *acc->node);
    memmove(acc->ctr + i + 1, acc->ctr + i, (size_t)(acc->n - i) * sizeof *acc->ctr);
    acc->node[i] = node;
    acc->ctr[i] = counter;
    acc->n++;
    return 0;
}

int gb_vcacc_join(gb_vcacc *acc, const gb_vcv *v)
{
    for (uint32_t i = 0; i < v->n; i++)
        if (gb_vcacc_max(acc, gb_vcv_node(v, i), gb_vcv_ctr(v, i)) < 0)
            return GB_ENOMEM;
    return 0;
}

uint64_t gb_vcacc_get(const gb_vcacc *acc, uint32_t node)
{
    uint32_t i = acc_find(acc, node);
    return i < acc->n && acc->node[i] == node ? acc->ctr[i] : 0;
}

int gb_vcacc_put(const gb_vcacc *acc, gb_bytes *w)
{
    if (gb_bytes_put_u32(w, acc->n) < 0)
        return GB_ENOMEM;
    for (uint32_t i = 0; i < acc->n; i++)
        if (put_entry(w, acc->node[i], acc->ctr[i]) < 0)
            return GB_ENOMEM;
    return 0;
}

int gb_vcacc_compare(const gb_vcacc *a, const gb_vcacc *b)
{
    int a_more = 0, b_more = 0;
    uint32_t i = 0, j = 0;
    while (i < a->n || j < b->n) {
        if (j >= b->n || (i < a->n && a->node[i] < b->node[j])) {
            a_more = 1;
            i++;
        } else if (i >= a->n || b->node[j] < a->node[i]) {
            b_more = 1;
            j++;
        } else {
            a_more |= a->ctr[i] > b->ctr[j];
            b_more |= b->ctr[j] > a->ctr[i];
            i++;
            j++;
        }
    }
    if (a_more && b_more)
        return GB_VC_CONCURRENT;
    return a_more ? GB_VC_AFTER : b_more ? GB_VC_BEFORE : GB_VC_EQUAL;
}

void gb_vcacc_free(gb_vcacc *acc)
{
    free(acc->node);
    free(acc->ctr);
    memset(acc, 0, sizeof *acc);
}

/* ------------------------------------------------------------------ public clock API */

/* Parse a clock that must fill the whole buffer. */
static int parse_whole(const uint8_t *p, uint32_t len, gb_vcv *v)
{
    gb_rd r;
    gb_rd_init(&r, p, len);
    if (gb_vcv_read(&r, v) < 0 || gb_rd_left(&r) != 0)
        return GB_EINVAL;
    return 0;
}

int gb_vc_init(gb_bytes *out)
{
    gb_bytes w = GB_BYTES_INIT;
    if (gb_bytes_put_u32(&w, 0) < 0)
        return GB_ENOMEM;
    gb_out_commit(out, &w);
    return 0;
}

int gb_vc_check(const uint8_t *vc, uint32_t len)
{
    gb_vcv v;
    return parse_whole(vc, len, &v);
}

int gb_vc_span(const uint8_t *p, uint32_t len, uint32_t *vclen)
{
    gb_rd r;
    gb_vcv v;
    gb_rd_init(&r, p, len);
    if (gb_vcv_read(&r, &v) < 0)
        return GB_EINVAL;
    *vclen = r.pos;
    return 0;
}

int gb_vc_count(const uint8_t *vc, uint32_t len, uint32_t *count)
{
    gb_vcv v;
    if (parse_whole(vc, len, &v) < 0)
        return GB_EINVAL;
    *count = v.n;
    return 0;
}

int gb_vc_entry(const uint8_t *vc, uint32_t len, uint32_t i, uint32_t *node,
                uint64_t *counter)
{
    gb_vcv v;
    if (parse_whole(vc, len, &v) < 0 || i >= v.n)
        return GB_EINVAL;
    *node = gb_vcv_node(&v, i);
    *counter = gb_vcv_ctr(&v, i);
    return 0;
}

int gb_vc_get(const uint8_t *vc, uint32_t len, uint32_t node, uint64_t *counter)
{
    gb_vcv v;
    if (parse_whole(vc, len, &v) < 0)
        return GB_EINVAL;
    *counter = gb_vcv_get(&v, node);
    return 0;
}

int gb_vc_advance(const uint8_t *vc, uint32_t len, uint32_t node, uint64_t counter,
                  gb_bytes *out)
{
    gb_vcv v;
    if (parse_whole(vc, len, &v) < 0)
        return GB_EINVAL;
    gb_bytes w = GB_BYTES_INIT;
    if (gb_vcv_put_advanced(&w, &v, node, counter) < 0) {
        gb_bytes_free(&w);
        return GB_ENOMEM;
    }
    gb_out_commit(out, &w);
    return 0;
}

int gb_vc_increment(const uint8_t *vc, uint32_t len, uint32_t node, gb_bytes *out)
{
    gb_vcv v;
    if (parse_whole(vc, len, &v) < 0)
        return GB_EINVAL;
    uint64_t c = gb_vcv_get(&v, node);
    if (c == UINT64_MAX)
        return GB_EINVAL;
    return gb_vc_advance(vc, len, node, c + 1, out);
}

int gb_vc_join(const uint8_t *a, uint32_t alen, const uint8_t *b, uint32_t blen,
               gb_bytes *out)
{
    gb_vcv va, vb;
    if (parse_whole(a, alen, &va) < 0 || parse_whole(b, blen, &vb) < 0)
        return GB_EINVAL;
    gb_bytes w = GB_BYTES_INIT;
    if (gb_vcv_put_join(&w, &va, &vb) < 0) {
        gb_bytes_free(&w);
        return GB_ENOMEM;
    }
    gb_out_commit(out, &w);
    return 0;
}

int gb_vc_compare(const uint8_t *a, uint32_t alen, const uint8_t *b, uint32_t blen)
{
    gb_vcv va, vb;
    if (parse_whole(a, alen, &va) < 0 || parse_whole(b, blen, &vb) < 0)
        return GB_EINVAL;
    return gb_vcv_compare(&va, &vb);
}

int gb_vc_describe(const uint8_t *vc, uint32_t len, char *buf, size_t size)
{
    gb_vcv v;
    gb_desc d;
    gb_desc_init(&d, buf, size);
    if (parse_whole(vc, len, &v) < 0)
        return GB_EINVAL;
    gb_vcv_describe(&d, &v);
    return 0;
}
