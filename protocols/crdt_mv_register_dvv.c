/* crdt_mv_register_dvv.c: the multi-value register with dotted version vectors
 * (Preguica et al. 2010) instead of version vectors. Each sibling carries the dot of the
 * write that made it and the past that write had seen; a sibling is obsolete exactly when
 * its dot lies in another sibling's past: one lookup in the join of the pasts instead of
 * comparing every pair of clocks. Here a write always sees the replica's whole state, so
 * both registers keep the same sibling values; DVVs pay off where a writer's context can
 * be older than the replica (client-side contexts), which update() does not model. */
#include <stdlib.h>

#include "crdt_internal.h"

#define VBYTES 8u /* the value after each DVV */

static int clock_of(const gb_dvvitem *it, uint32_t n, gb_vcacc *acc)
{
    for (uint32_t i = 0; i < n; i++)
        if (gb_dvvv_join_into(acc, &it[i].d) < 0)
            return GB_ENOMEM;
    return 0;
}

static int dvv_init(gb_bytes *out)
{
    gb_bytes w = GB_BYTES_INIT;
    if (gb_bytes_put_u32(&w, 0) < 0)
        return GB_ENOMEM;
    gb_out_commit(out, &w);
    return 0;
}

/* The write sees every sibling: its past is the register's clock, its dot the next event
 * of the writer. One sibling remains. */
static int dvv_update(const gb_bytes *in, gb_bytes *out, uint32_t node, uint64_t stamp,
                      uint64_t value)
{
    (void)stamp;
    gb_dvvitem *it;
    uint32_t n;
    gb_vcacc acc = {0};
    gb_bytes w = GB_BYTES_INIT;
    int rc = gb_dvvlist_parse(in->p, in->len, VBYTES, &it, &n);
    if (rc < 0)
        return rc;
    rc = GB_ENOMEM;
    if (clock_of(it, n, &acc) < 0)
        goto out;
    uint64_t c = gb_vcacc_get(&acc, node);
    if (c == UINT64_MAX) {
        rc = GB_EINVAL;
        goto out;
    }
    if (gb_bytes_put_u32(&w, 1) < 0 || gb_bytes_put_u32(&w, node) < 0 ||
        gb_bytes_put_u64(&w, c + 1) < 0 || gb_vcacc_put(&acc, &w) < 0 ||
        gb_bytes_put_u64(&w, value) < 0)
        goto out;
    gb_out_commit(out, &w);
    rc = 0;
out:
    gb_bytes_free(&w);
    gb_vcacc_free(&acc);
    free(it);
    return rc;
}

static int dvv_merge(const uint8_t *a, uint32_t alen, const uint8_t *b, uint32_t blen,
                     gb_bytes *out, int *conflict)
{
    gb_dvvitem *ia = NULL, *ib = NULL;
    uint32_t na = 0, nb = 0;
    gb_vcacc ca = {0}, cb = {0};
    gb_bytes w = GB_BYTES_INIT;
    int rc = gb_dvvlist_parse(a, alen, VBYTES, &ia, &na);
    if (rc == 0)
        rc = gb_dvvlist_parse(b, blen, VBYTES, &ib, &nb);
    if (rc < 0)
        goto out;
    rc = GB_ENOMEM;
    if (gb_dvvlist_put_sync(&w, ia, na, ib, nb) < 0 || clock_of(ia, na, &ca) < 0 ||
        clock_of(ib, nb, &cb) < 0)
        goto out;
    gb_out_commit(out, &w);
    if (conflict != NULL)
        *conflict = gb_vcacc_compare(&ca, &cb) == GB_VC_CONCURRENT;
    rc = 0;
out:
    gb_bytes_free(&w);
    gb_vcacc_free(&ca);
    gb_vcacc_free(&cb);
    free(ia);
    free(ib);
    return rc;
}

static int dvv_dominates(const uint8_t *a, uint32_t alen, const uint8_t *b, uint32_t blen)
{
    return gb_crdt_dominates_by_merge(&gb_crdt_mv_register_dvv, a, alen, b, blen);
}

static int dvv_clock(const uint8_t *b, uint32_t len, gb_bytes *out)
{
    gb_dvvitem *it;
    uint32_t n;
    gb_vcacc acc = {0};
    gb_bytes w = GB_BYTES_INIT;
    int rc = gb_dvvlist_parse(b, len, VBYTES, &it, &n);
    if (rc < 0)
        return rc;
    rc = GB_ENOMEM;
    if (clock_of(it, n, &acc) == 0 && gb_vcacc_put(&acc, &w) == 0) {
        gb_out_commit(out, &w);
        rc = 0;
    }
    gb_bytes_free(&w);
    gb_vcacc_free(&acc);
    free(it);
    return rc;
}

static int dvv_has_update(const uint8_t *b, uint32_t len, uint32_t node, uint64_t counter)
{
    return gb_crdt_has_update_by_clock(&gb_crdt_mv_register_dvv, b, len, node, counter);
}

static int dvv_check(const uint8_t *b, uint32_t len)
{
    gb_dvvitem *it;
    uint32_t n;
    int rc = gb_dvvlist_parse(b, len, VBYTES, &it, &n);
    free(it);
    return rc;
}

static int dvv_describe(const uint8_t *b, uint32_t len, char *buf, size_t size)
{
    gb_dvvitem *it;
    uint32_t n;
    gb_desc d;
    gb_desc_init(&d, buf, size);
    int rc = gb_dvvlist_parse(b, len, VBYTES, &it, &n);
    if (rc < 0)
        return rc;
    gb_desc_printf(&d, "[");
    for (uint32_t i = 0; i < n; i++) {
        gb_desc_printf(&d, "%s%llu (%u,%llu)", i ? ", " : "",
                       (unsigned long long)gb_ld64(it[i].raw + it[i].rawlen - VBYTES),
                       (unsigned)it[i].d.node, (unsigned long long)it[i].d.ctr);
        gb_vcv_describe(&d, &it[i].d.past);
    }
    gb_desc_printf(&d, "]");
    free(it);
    return 0;
}

const gb_crdt_ops gb_crdt_mv_register_dvv = {
    .name = "mv-register-dvv",
    .help = "multi-value register (dotted version vectors): update writes value; "
            "concurrent writes are kept as siblings",
    .init = dvv_init,
    .update = dvv_update,
    .merge = dvv_merge,
    .dominates = dvv_dominates,
    .has_update = dvv_has_update,
    .clock = dvv_clock,
    .check = dvv_check,
    .describe = dvv_describe,
};
