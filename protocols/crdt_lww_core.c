/* crdt_lww_core.c: the state both last-writer-wins types share (crdt_lww.c and
 * crdt_lww_register.c): a vector clock counting writes per replica, and the winning
 * payload (stamp, writer node, value bytes).
 *
 * The join is the product of two joins: the clocks' entry-wise max, and the greater of
 * the two payloads in one total order (stamp, then node, then value bytes). A max in a
 * total order is associative, commutative and idempotent whatever the inputs, so the
 * laws hold even for states that no well-behaved history produces; the two types differ
 * only in how a local write picks its stamp. */
#include "crdt_internal.h"

int gb_lww_parse(const uint8_t *b, uint32_t len, gb_lwwv *v)
{
    gb_rd r;
    gb_rd_init(&r, b, len);
    if (gb_vcv_read(&r, &v->vc) < 0)
        return GB_EINVAL;
    v->has = v->vc.n > 0;
    if (!v->has) {
        /* The empty register is the empty clock alone: one encoding for "never written". */
        v->stamp = 0;
        v->node = 0;
        v->vlen = 0;
        v->val = NULL;
        return gb_rd_left(&r) == 0 ? 0 : GB_EINVAL;
    }
    if (gb_rd_u64(&r, &v->stamp) < 0 || gb_rd_u32(&r, &v->node) < 0 ||
        gb_rd_u32(&r, &v->vlen) < 0 || gb_rd_bytes(&r, v->vlen, &v->val) < 0 ||
        gb_rd_left(&r) != 0)
        return GB_EINVAL;
    /* The winning writer made at least one write the clock counts. */
    if (gb_vcv_get(&v->vc, v->node) == 0)
        return GB_EINVAL;
    return 0;
}

/* Tie-break order of payloads (see gb_crdt.h); an empty register is below every payload. */
static int payload_cmp(const gb_lwwv *a, const gb_lwwv *b)
{
    if (a->has != b->has)
        return a->has ? 1 : -1;
    int c = gb_cmp_u64(a->stamp, b->stamp);
    if (c == 0)
        c = gb_cmp_u64(a->node, b->node);
    if (c == 0)
        c = gb_cmp_bytes(a->val, a->vlen, b->val, b->vlen);
    return c;
}

static int put_payload(gb_bytes *w, const gb_lwwv *v)
{
    if (gb_bytes_put_u64(w, v->stamp) < 0 || gb_bytes_put_u32(w, v->node) < 0 ||
        gb_bytes_put_u32(w, v->vlen) < 0 || gb_bytes_append(w, v->val, v->vlen) < 0)
        return GB_ENOMEM;
    return 0;
}

int gb_lww_core_init(gb_bytes *out)
{
    return gb_vc_init(out);
}

int gb_lww_core_write(const gb_bytes *in, gb_bytes *out, uint32_t node, uint64_t stamp,
                      const uint8_t *val, uint32_t vlen, int lamport)
{
    gb_lwwv cur, nw;
    if (gb_lww_parse(in->p, in->len, &cur) < 0 || (val == NULL && vlen != 0))
        return GB_EINVAL;
    uint64_t c = gb_vcv_get(&cur.vc, node);
    if (c == UINT64_MAX)
        return GB_EINVAL;
    if (lamport && cur.has) {
        /* Lamport rule: a write is stamped above the state it was made on, so a causally
         * later write is also later in the payload order and always wins, and the stamp
         * order decides only between concurrent writes. */
        if (cur.stamp == UINT64_MAX)
            return GB_EINVAL;
        if (stamp <= cur.stamp)
            stamp = cur.stamp + 1;
    }
    nw.has = 1;
    nw.stamp = stamp;
    nw.node = node;
    nw.vlen = vlen;
    nw.val = val;
    /* Without the Lamport rule the write competes with the current payload like any
     * concurrent one: a smaller stamp loses at once (it is still counted in the clock). */
    const gb_lwwv *win = payload_cmp(&nw, &cur) >= 0 ? &nw : &cur;
    gb_bytes w = GB_BYTES_INIT;
    if (gb_vcv_put_advanced(&w, &cur.vc, node, c + 1) < 0 || put_payload(&w, win) < 0) {
        gb_bytes_free(&w);
        return GB_ENOMEM;
    }
    gb_out_commit(out, &w);
    return 0;
}

int gb_lww_core_merge(const uint8_t *a, uint32_t alen, const uint8_t *b, uint32_t blen,
                      gb_bytes *out, int *conflict)
{
    gb_lwwv va, vb;
    if (gb_lww_parse(a, alen, &va) < 0 || gb_lww_parse(b, blen, &vb) < 0)
        return GB_EINVAL;
    const gb_lwwv *win = payload_cmp(&va, &vb) >= 0 ? &va : &vb;
    gb_bytes w = GB_BYTES_INIT;
    if (gb_vcv_put_join(&w, &va.vc, &vb.vc) < 0 || (win->has && put_payload(&w, win) < 0)) {
        gb_bytes_free(&w);
        return GB_ENOMEM;
    }
    /* Compare before the commit: a or b may live in out's old buffer. */
    int concurrent = gb_vcv_compare(&va.vc, &vb.vc) == GB_VC_CONCURRENT;
    gb_out_commit(out, &w);
    if (conflict != NULL)
        *conflict = concurrent;
    return 0;
}

int gb_lww_core_clock(const uint8_t *b, uint32_t len, gb_bytes *out)
{
    gb_lwwv v;
    if (gb_lww_parse(b, len, &v) < 0)
        return GB_EINVAL;
    gb_bytes w = GB_BYTES_INIT;
    if (gb_bytes_append(&w, v.vc.blob, v.vc.bloblen) < 0) {
        gb_bytes_free(&w);
        return GB_ENOMEM;
    }
    gb_out_commit(out, &w);
    return 0;
}

int gb_lww_core_check(const uint8_t *b, uint32_t len)
{
    gb_lwwv v;
    return gb_lww_parse(b, len, &v);
}

int gb_lww_core_describe(const uint8_t *b, uint32_t len, char *buf, size_t size,
                         int value_is_u64)
{
    gb_lwwv v;
    gb_desc d;
    gb_desc_init(&d, buf, size);
    if (gb_lww_parse(b, len, &v) < 0)
        return GB_EINVAL;
    if (!v.has) {
        gb_desc_printf(&d, "empty");
        return 0;
    }
    if (value_is_u64 && v.vlen == 8) {
        gb_desc_printf(&d, "%llu", (unsigned long long)gb_ld64(v.val));
    } else {
        gb_desc_printf(&d, "%u bytes ", (unsigned)v.vlen);
        for (uint32_t i = 0; i < v.vlen && i < 16; i++)
            gb_desc_printf(&d, "%02x", v.val[i]);
        if (v.vlen > 16)
            gb_desc_printf(&d, "...");
    }
    gb_desc_printf(&d, " @%llu by %u vc=", (unsigned long long)v.stamp, (unsigned)v.node);
    gb_vcv_describe(&d, &v.vc);
    return 0;
}

int gb_lww_get(const uint8_t *b, uint32_t len, const uint8_t **val, uint32_t *vlen,
               uint64_t *stamp, uint32_t *node)
{
    gb_lwwv v;
    if (gb_lww_parse(b, len, &v) < 0)
        return GB_EINVAL;
    if (!v.has)
        return 0;
    *val = v.val;
    *vlen = v.vlen;
    *stamp = v.stamp;
    *node = v.node;
    return 1;
}
