/* crdt_lww_register.c: the LWW-Register CRDT (Shapiro et al. 2011) with caller-given
 * timestamps taken at face value: the payload with the highest (stamp, node) wins, even
 * over a causally later write with a smaller stamp, as in stores that timestamp writes
 * with wall clocks. The clock still counts every write, so has_update and the conflict
 * flag work as for every other type. */
#include "crdt_internal.h"

static int reg_update(const gb_bytes *in, gb_bytes *out, uint32_t node, uint64_t stamp,
                      uint64_t value)
{
    uint8_t v[8];
    for (int i = 0; i < 8; i++)
        v[i] = (uint8_t)(value >> (8 * i));
    return gb_lww_core_write(in, out, node, stamp, v, 8, 0);
}

static int reg_dominates(const uint8_t *a, uint32_t alen, const uint8_t *b, uint32_t blen)
{
    return gb_crdt_dominates_by_merge(&gb_crdt_lww_register, a, alen, b, blen);
}

static int reg_has_update(const uint8_t *b, uint32_t len, uint32_t node, uint64_t counter)
{
    return gb_crdt_has_update_by_clock(&gb_crdt_lww_register, b, len, node, counter);
}

static int reg_describe(const uint8_t *b, uint32_t len, char *buf, size_t size)
{
    return gb_lww_core_describe(b, len, buf, size, 1);
}

const gb_crdt_ops gb_crdt_lww_register = {
    .name = "lww-register",
    .help = "LWW register of a u64 value: highest stamp wins, ties to the higher node id",
    .init = gb_lww_core_init,
    .update = reg_update,
    .merge = gb_lww_core_merge,
    .dominates = reg_dominates,
    .has_update = reg_has_update,
    .clock = gb_lww_core_clock,
    .check = gb_lww_core_check,
    .describe = reg_describe,
};
