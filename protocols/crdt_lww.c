/* crdt_lww.c: the plain last-writer-wins policy of classic anti-entropy (Demers et al.
 * 1987) on an opaque value, with a vector clock beside it to detect conflicts. A write
 * made on a state always supersedes it (Lamport-stamped, see crdt_lww_core.c); between
 * concurrent writes the highest (stamp, node) wins and merge() reports the conflict. */
#include "crdt_internal.h"

static int lww_update(const gb_bytes *in, gb_bytes *out, uint32_t node, uint64_t stamp,
                      uint64_t value)
{
    uint8_t v[8];
    for (int i = 0; i < 8; i++)
        v[i] = (uint8_t)(value >> (8 * i));
    return gb_lww_core_write(in, out, node, stamp, v, 8, 1);
}

static int lww_dominates(const uint8_t *a, uint32_t alen, const uint8_t *b, uint32_t blen)
{
    return gb_crdt_dominates_by_merge(&gb_crdt_lww, a, alen, b, blen);
}

static int lww_has_update(const uint8_t *b, uint32_t len, uint32_t node, uint64_t counter)
{
    return gb_crdt_has_update_by_clock(&gb_crdt_lww, b, len, node, counter);
}

static int lww_describe(const uint8_t *b, uint32_t len, char *buf, size_t size)
{
    return gb_lww_core_describe(b, len, buf, size, 0);
}

int gb_lww_put(const gb_bytes *in, gb_bytes *out, uint32_t node, uint64_t stamp,
               const uint8_t *val, uint32_t vlen)
{
    return gb_lww_core_write(in, out, node, stamp, val, vlen, 1);
}

const gb_crdt_ops gb_crdt_lww = {
    .name = "lww",
    .help = "last-writer-wins on an opaque value (update stores value's 8 bytes), VC for "
            "conflicts; a causally later write wins, else the highest (stamp, node)",
    .init = gb_lww_core_init,
    .update = lww_update,
    .merge = gb_lww_core_merge,
    .dominates = lww_dominates,
    .has_update = lww_has_update,
    .clock = gb_lww_core_clock,
    .check = gb_lww_core_check,
    .describe = lww_describe,
};
