/* crdt_gcounter.c: grow-only counter (Shapiro et al. 2011, G-Counter). One record per
 * replica holding its number of updates (the clock) and the sum of its increments; the
 * value is the sum over replicas. Layout and laws: gb_crdt.h, crdt_counter_core.c. */
#include "crdt_internal.h"

#define K 2u /* updates, sum */

static int gc_update(const gb_bytes *in, gb_bytes *out, uint32_t node, uint64_t stamp,
                     uint64_t value)
{
    (void)stamp;
    return gb_ctr_update(in, out, K, node, 1, value);
}

static int gc_merge(const uint8_t *a, uint32_t alen, const uint8_t *b, uint32_t blen,
                    gb_bytes *out, int *conflict)
{
    return gb_ctr_merge(a, alen, b, blen, K, out, conflict);
}

static int gc_dominates(const uint8_t *a, uint32_t alen, const uint8_t *b, uint32_t blen)
{
    return gb_crdt_dominates_by_merge(&gb_crdt_gcounter, a, alen, b, blen);
}

static int gc_has_update(const uint8_t *b, uint32_t len, uint32_t node, uint64_t counter)
{
    return gb_crdt_has_update_by_clock(&gb_crdt_gcounter, b, len, node, counter);
}

static int gc_clock(const uint8_t *b, uint32_t len, gb_bytes *out)
{
    return gb_ctr_clock(b, len, K, out);
}

static int gc_check(const uint8_t *b, uint32_t len)
{
    gb_ctrv v;
    return gb_ctr_parse(b, len, K, &v);
}

static int gc_describe(const uint8_t *b, uint32_t len, char *buf, size_t size)
{
    static const char *const names[] = {"value"};
    return gb_ctr_describe(b, len, K, names, buf, size);
}

int gb_gcounter_value(const uint8_t *b, uint32_t len, uint64_t *sum)
{
    return gb_ctr_totals(b, len, K, sum);
}

const gb_crdt_ops gb_crdt_gcounter = {
    .name = "gcounter",
    .help = "grow-only counter: update adds value (>= 1) to the replica's count",
    .init = gb_ctr_init,
    .update = gc_update,
    .merge = gc_merge,
    .dominates = gc_dominates,
    .has_update = gc_has_update,
    .clock = gc_clock,
    .check = gc_check,
    .describe = gc_describe,
};
