/* crdt_pncounter.c: increment/decrement counter (Shapiro et al. 2011, PN-Counter): two
 * grow-only totals per replica, so the join stays a field-wise max although the value
 * goes both ways. The update's value is an int64_t in two's complement. */
#include "crdt_internal.h"

#define K 3u /* updates, inc, dec */

static int pn_update(const gb_bytes *in, gb_bytes *out, uint32_t node, uint64_t stamp,
                     uint64_t value)
{
    (void)stamp;
    /* The sign bit chooses the total; the magnitude of INT64_MIN (2^63) fits in uint64_t,
     * which the unsigned negation below computes without signed overflow. */
    if (value >> 63)
        return gb_ctr_update(in, out, K, node, 2, (uint64_t)0 - value);
    return gb_ctr_update(in, out, K, node, 1, value);
}

static int pn_merge(const uint8_t *a, uint32_t alen, const uint8_t *b, uint32_t blen,
                    gb_bytes *out, int *conflict)
{
    return gb_ctr_merge(a, alen, b, blen, K, out, conflict);
}

static int pn_dominates(const uint8_t *a, uint32_t alen, const uint8_t *b, uint32_t blen)
{
    return gb_crdt_dominates_by_merge(&gb_crdt_pncounter, a, alen, b, blen);
}

static int pn_has_update(const uint8_t *b, uint32_t len, uint32_t node, uint64_t counter)
{
    return gb_crdt_has_update_by_clock(&gb_crdt_pncounter, b, len, node, counter);
}

static int pn_clock(const uint8_t *b, uint32_t len, gb_bytes *out)
{
    return gb_ctr_clock(b, len, K, out);
}

static int pn_check(const uint8_t *b, uint32_t len)
{
    gb_ctrv v;
    return gb_ctr_parse(b, len, K, &v);
}

static int pn_describe(const uint8_t *b, uint32_t len, char *buf, size_t size)
{
    static const char *const names[] = {"inc", "dec"};
    return gb_ctr_describe(b, len, K, names, buf, size);
}

int gb_pncounter_value(const uint8_t *b, uint32_t len, uint64_t *inc, uint64_t *dec)
{
    uint64_t tot[2];
    if (gb_ctr_totals(b, len, K, tot) < 0)
        return GB_EINVAL;
    *inc = tot[0];
    *dec = tot[1];
    return 0;
}

const gb_crdt_ops gb_crdt_pncounter = {
    .name = "pncounter",
    .help = "increment/decrement counter: value is an int64_t delta (GB_PN_INC/GB_PN_DEC), "
            "not 0",
    .init = gb_ctr_init,
    .update = pn_update,
    .merge = pn_merge,
    .dominates = pn_dominates,
    .has_update = pn_has_update,
    .clock = pn_clock,
    .check = pn_check,
    .describe = pn_describe,
};
