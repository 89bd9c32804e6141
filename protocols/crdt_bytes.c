/* crdt_bytes.c: byte buffers, the blob hash, and the small helpers every type shares
 * (bounded describe text, dominates and has_update derived from merge and clock). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crdt_internal.h"

/* ------------------------------------------------------------------ byte buffers */

int gb_bytes_reserve(gb_bytes *b, uint32_t extra)
{
    uint64_t need = (uint64_t)b->len + extra;
    if (need > UINT32_MAX)
        return GB_ENOMEM;
    if (need <= b->cap)
        return 0;
    /* Grow geometrically so that a blob built by many small appends costs amortised
     * linear time; the cap stays within uint32_t. */
    uint64_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap *= 2;
    if (cap > UINT32_MAX)
        cap = UINT32_MAX;
    uint8_t *p = realloc(b->p, (size_t)cap);
    if (p == NULL)
        return GB_ENOMEM;
    b->p = p;
    b->cap = (uint32_t)cap;
    return 0;
}

int gb_bytes_append(gb_bytes *b, const void *src, uint32_t n)
{
    if (n == 0)
        return 0;
    if (gb_bytes_reserve(b, n) < 0)
        return GB_ENOMEM;
    memcpy(b->p + b->len, src, n);
    b->len += n;
    return 0;
}

int gb_bytes_set(gb_bytes *b, const void *src, uint32_t n)
{
    uint32_t old = b->len;
    b->len = 0;
    if (gb_bytes_append(b, src, n) < 0) {
        b->len = old;
        return GB_ENOMEM;
    }
    return 0;
}

int gb_bytes_put_u32(gb_bytes *b, uint32_t v)
{
    uint8_t t[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    return gb_bytes_append(b, t, 4);
}

int gb_bytes_put_u64(gb_bytes *b, uint64_t v)
{
    uint8_t t[8];
    for (int i = 0; i < 8; i++)
        t[i] = (uint8_t)(v >> (8 * i));
    return gb_bytes_append(b, t, 8);
}

void gb_bytes_clear(gb_bytes *b)
{
    b->len = 0;
}

void gb_bytes_free(gb_bytes *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

void gb_bytes_swap(gb_bytes *a, gb_bytes *b)
{
    gb_bytes t = *a;
    *a = *b;
    *b = t;
}

/* ------------------------------------------------------------------ XXH64 */

/* xxHash64 as specified in xxhash's doc/xxhash_spec.md. Inputs are read byte by byte
 * (gb_ld32/gb_ld64), so the result does not depend on alignment or endianness. */
#define P1 0x9E3779B185EBCA87ull
#define P2 0xC2B2AE3D27D4EB4Full
#define P3 0x165667B19E3779F9ull
#define P4 0x85EBCA77C2B2AE63ull
#define P5 0x27D4EB2F165667C5ull

static inline uint64_t rotl64(uint64_t x, int r)
{
    return (x << r) | (x >> (64 - r));
}

static inline uint64_t xxh_round(uint64_t acc, uint64_t input)
{
    acc += input * P2;
    acc = rotl64(acc, 31);
    return acc * P1;
}

static inline uint64_t xxh_merge(uint64_t acc, uint64_t val)
{
    acc ^= xxh_round(0, val);
    return acc * P1 + P4;
}

uint64_t gb_xxh64(const uint8_t *b, uint32_t len, uint64_t seed)
{
    const uint8_t *p = b, *end = b + len;
    uint64_t h;
    if (len == 0)
        p = end = NULL;
    if (len >= 32) {
        uint64_t v1 = seed + P1 + P2, v2 = seed + P2, v3 = seed, v4 = seed - P1;
        const uint8_t *limit = end - 32;
        do {
            v1 = xxh_round(v1, gb_ld64(p));
            v2 = xxh_round(v2, gb_ld64(p + 8));
            v3 = xxh_round(v3, gb_ld64(p + 16));
            v4 = xxh_round(v4, gb_ld64(p + 24));
            p += 32;
        } while (p <= limit);
        h = rotl64(v1, 1) + rotl64(v2, 7) + rotl64(v3, 12) + rotl64(v4, 18);
        h = xxh_merge(h, v1);
        h = xxh_merge(h, v2);
        h = xxh_merge(h, v3);
        h = xxh_merge(h, v4);
    } else {
        h = seed + P5;
    }
    h += len;
    while (end - p >= 8) {
        h ^= xxh_round(0, gb_ld64(p));
        h = rotl64(h, 27) * P1 + P4;
        p += 8;
    }
    if (end - p >= 4) {
        h ^= (uint64_t)gb_ld32(p) * P1;
        h = rotl64(h, 23) * P2 + P3;
        p += 4;
    }
    while (p < end) {
        h ^= (uint64_t)*p * P5;
        h = rotl64(h, 11) * P1;
        p++;
    }
    h ^= h >> 33;
    h *= P2;
    h ^= h >> 29;
    h *= P3;
    h ^= h >> 32;
    return h;
}

uint64_t gb_blob_hash(uint64_t key, const uint8_t *b, uint32_t len)
{
    /* The key is the seed: XXH64 folds the seed into all four lanes (long inputs) or the
     * starting value (short ones) and ends with a full avalanche, so distinct keys with
     * equal blobs give unrelated hashes. */
    return gb_xxh64(b, len, key);
}

/* ------------------------------------------------------------------ describe text */

void gb_desc_init(gb_desc *d, char *buf, size_t size)
{
    d->buf = buf;
    d->size = buf != NULL ? size : 0;
    d->pos = 0;
    if (d->size > 0)
        d->buf[0] = '\0';
}

void gb_desc_printf(gb_desc *d, const char *fmt, ...)
{
    if (d->pos + 1 >= d->size)
        return; /* full (or no buffer): the rest is truncated */
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(d->buf + d->pos, d->size - d->pos, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    d->pos += (size_t)n;
    if (d->pos >= d->size)
        d->pos = d->size - 1;
}

/* ------------------------------------------------------------------ generic callbacks */

int gb_crdt_dominates_by_merge(const gb_crdt_ops *t, const uint8_t *a, uint32_t alen,
                               const uint8_t *b, uint32_t blen)
{
    gb_bytes m = GB_BYTES_INIT;
    int rc = t->merge(a, alen, b, blen, &m, NULL);
    if (rc == 0)
        rc = m.len == alen && (alen == 0 || memcmp(m.p, a, alen) == 0);
    gb_bytes_free(&m);
    return rc;
}

int gb_crdt_has_update_by_clock(const gb_crdt_ops *t, const uint8_t *b, uint32_t len,
                                uint32_t node, uint64_t counter)
{
    gb_bytes c = GB_BYTES_INIT;
    uint64_t have = 0;
    int rc = t->clock(b, len, &c);
    if (rc == 0)
        rc = gb_vc_get(c.p, c.len, node, &have);
    gb_bytes_free(&c);
    if (rc < 0)
        return rc;
    return counter <= have;
}
