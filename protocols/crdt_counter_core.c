/* crdt_counter_core.c: per-replica record vectors, the state shared by the grow-only and
 * the increment/decrement counter (crdt_gcounter.c, crdt_pncounter.c). Each replica owns
 * one record; only it increments its record, so two states' records for one replica are
 * two points on that replica's history and the join is the field-wise max. */
#include "crdt_internal.h"

static uint32_t rec_bytes(uint32_t k)
{
    return 4 + 8 * k;
}

int gb_ctr_parse(const uint8_t *p, uint32_t len, uint32_t k, gb_ctrv *v)
{
    gb_rd r;
    uint32_t n;
    const uint8_t *e;
    gb_rd_init(&r, p, len);
    if (k < 2 || k > GB_CTR_MAXK || gb_rd_u32(&r, &n) < 0)
        return GB_EINVAL;
    /* Exact size, checked by division so a wire count cannot overflow the product. */
    if (gb_rd_left(&r) % rec_bytes(k) != 0 || n != gb_rd_left(&r) / rec_bytes(k))
        return GB_EINVAL;
    if (gb_rd_bytes(&r, gb_rd_left(&r), &e) < 0)
        return GB_EINVAL;
    v->e = e;
    v->n = n;
    v->k = k;
    for (uint32_t i = 0; i < n; i++) {
        if (i > 0 && gb_ctrv_node(v, i - 1) >= gb_ctrv_node(v, i))
            return GB_EINVAL;
        uint64_t upd = gb_ctrv_field(v, i, 0);
        /* 128-bit sum: inc + dec may exceed 2^64 in a valid state. */
        __uint128_t sum = 0;
        for (uint32_t f = 1; f < k; f++)
            sum += gb_ctrv_field(v, i, f);
        if (upd == 0 || sum < upd)
            return GB_EINVAL;
    }
    return 0;
}

static int put_rec(gb_bytes *w, uint32_t node, const uint64_t *f, uint32_t k)
{
    if (gb_bytes_put_u32(w, node) < 0)
        return GB_ENOMEM;
    for (uint32_t i = 0; i < k; i++)
        if (gb_bytes_put_u64(w, f[i]) < 0)
            return GB_ENOMEM;
    return 0;
}

static void get_rec(const gb_ctrv *v, uint32_t i, uint64_t *f)
{
    for (uint32_t j = 0; j < v->k; j++)
        f[j] = gb_ctrv_field(v, i, j);
}

int gb_ctr_init(gb_bytes *out)
{
    gb_bytes w = GB_BYTES_INIT;
    if (gb_bytes_put_u32(&w, 0) < 0)
        return GB_ENOMEM;
    gb_out_commit(out, &w);
    return 0;
}

int gb_ctr_update(const gb_bytes *in, gb_bytes *out, uint32_t k, uint32_t node,
                  uint32_t field, uint64_t amount)
{
    gb_ctrv v;
    if (gb_ctr_parse(in->p, in->len, k, &v) < 0 || field == 0 || field >= k || amount == 0)
        return GB_EINVAL;
    gb_bytes w = GB_BYTES_INIT;
    uint64_t f[GB_CTR_MAXK];
    uint32_t i = 0, n = v.n;
    int found = 0;
    while (i < v.n && gb_ctrv_node(&v, i) < node)
        i++;
    if (i < v.n && gb_ctrv_node(&v, i) == node) {
        found = 1;
        get_rec(&v, i, f);
        if (f[0] == UINT64_MAX || f[field] > UINT64_MAX - amount)
            return GB_EINVAL;
        f[0]++;
        f[field] += amount;
    } else {
        for (uint32_t j = 0; j < k; j++)
            f[j] = 0;
        f[0] = 1;
        f[field] = amount;
        n++;
    }
    uint64_t need = 4 + (uint64_t)n * rec_bytes(k);
    if (need > UINT32_MAX || gb_bytes_reserve(&w, (uint32_t)need) < 0 ||
        gb_bytes_put_u32(&w, n) < 0)
        goto nomem;
    /* Records before node, node's new record, then the rest (skipping the old one). */
    if (gb_bytes_append(&w, v.e, i * rec_bytes(k)) < 0 || put_rec(&w, node, f, k) < 0)
        goto nomem;
    uint32_t rest = i + (uint32_t)found;
    if (gb_bytes_append(&w, v.e + (size_t)rest * rec_bytes(k),
                        (v.n - rest) * rec_bytes(k)) < 0)
        goto nomem;
    gb_out_commit(out, &w);
    return 0;
nomem:
    gb_bytes_free(&w);
    return GB_ENOMEM;
}

int gb_ctr_merge(const uint8_t *a, uint32_t alen, const uint8_t *b, uint32_t blen,
                 uint32_t k, gb_bytes *out, int *conflict)
{
    gb_ctrv va, vb;
    if (gb_ctr_parse(a, alen, k, &va) < 0 || gb_ctr_parse(b, blen, k, &vb) < 0)
        return GB_EINVAL;
    gb_bytes w = GB_BYTES_INIT;
    uint32_t i = 0, j = 0, n = 0;
    int a_more = 0, b_more = 0; /* the clocks (update counts) differ each way */
    uint64_t f[GB_CTR_MAXK], g[GB_CTR_MAXK];
    if (gb_bytes_put_u32(&w, 0) < 0)
        goto nomem;
    while (i < va.n || j < vb.n) {
        uint32_t node;
        if (j >= vb.n || (i < va.n && gb_ctrv_node(&va, i) < gb_ctrv_node(&vb, j))) {
            node = gb_ctrv_node(&va, i);
            get_rec(&va, i++, f);
            a_more = 1;
        } else if (i >= va.n || gb_ctrv_node(&vb, j) < gb_ctrv_node(&va, i)) {
            node = gb_ctrv_node(&vb, j);
            get_rec(&vb, j++, f);
            b_more = 1;
        } else {
            node = gb_ctrv_node(&va, i);
            get_rec(&va, i++, f);
            get_rec(&vb, j++, g);
            a_more |= f[0] > g[0];
            b_more |= g[0] > f[0];
            for (uint32_t x = 0; x < k; x++)
                f[x] = f[x] > g[x] ? f[x] : g[x];
        }
        if (put_rec(&w, node, f, k) < 0)
            goto nomem;
        n++;
    }
    w.p[0] = (uint8_t)n;
    w.p[1] = (uint8_t)(n >> 8);
    w.p[2] = (uint8_t)(n >> 16);
    w.p[3] = (uint8_t)(n >> 24);
    gb_out_commit(out, &w);
    if (conflict != NULL)
        *conflict = a_more && b_more;
    return 0;
nomem:
    gb_bytes_free(&w);
    return GB_ENOMEM;
}

int gb_ctr_clock(const uint8_t *b, uint32_t len, uint32_t k, gb_bytes *out)
{
    gb_ctrv v;
    if (gb_ctr_parse(b, len, k, &v) < 0)
        return GB_EINVAL;
    gb_bytes w = GB_BYTES_INIT;
    if (gb_bytes_put_u32(&w, v.n) < 0)
        goto nomem;
    for (uint32_t i = 0; i < v.n; i++)
        if (gb_bytes_put_u32(&w, gb_ctrv_node(&v, i)) < 0 ||
            gb_bytes_put_u64(&w, gb_ctrv_field(&v, i, 0)) < 0)
            goto nomem;
    gb_out_commit(out, &w);
    return 0;
nomem:
    gb_bytes_free(&w);
    return GB_ENOMEM;
}

int gb_ctr_totals(const uint8_t *b, uint32_t len, uint32_t k, uint64_t *tot)
{
    gb_ctrv v;
    if (gb_ctr_parse(b, len, k, &v) < 0)
        return GB_EINVAL;
    for (uint32_t f = 1; f < k; f++) {
        uint64_t s = 0;
        for (uint32_t i = 0; i < v.n; i++) {
            uint64_t x = gb_ctrv_field(&v, i, f);
            s = x > UINT64_MAX - s ? UINT64_MAX : s + x;
        }
        tot[f - 1] = s;
    }
    return 0;
}

int gb_ctr_describe(const uint8_t *b, uint32_t len, uint32_t k, const char *const *names,
                    char *buf, size_t size)
{
    gb_ctrv v;
    gb_desc d;
    uint64_t tot[GB_CTR_MAXK];
    gb_desc_init(&d, buf, size);
    if (gb_ctr_totals(b, len, k, tot) < 0 || gb_ctr_parse(b, len, k, &v) < 0)
        return GB_EINVAL;
    for (uint32_t f = 1; f < k; f++)
        gb_desc_printf(&d, "%s=%llu ", names[f - 1], (unsigned long long)tot[f - 1]);
    gb_desc_printf(&d, "{");
    for (uint32_t i = 0; i < v.n; i++) {
        gb_desc_printf(&d, "%s%u:%llu", i ? ", " : "", (unsigned)gb_ctrv_node(&v, i),
                       (unsigned long long)gb_ctrv_field(&v, i, 0));
        for (uint32_t f = 1; f < k; f++)
            gb_desc_printf(&d, "/%llu", (unsigned long long)gb_ctrv_field(&v, i, f));
    }
    gb_desc_printf(&d, "}");
    return 0;
}
