/* crdt_internal.h: helpers shared by the data-type layer's files (not part of the
 * contract in gb_crdt.h). Bounds-checked little-endian readers, parsed views of vector
 * clocks, output staging, and the pieces the two LWW types share. */
#ifndef GB_CRDT_INTERNAL_H
#define GB_CRDT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "gb_crdt.h"

/* ------------------------------------------------------------------ little-endian */

static inline uint32_t gb_ld32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t gb_ld64(const uint8_t *p)
{
    return (uint64_t)gb_ld32(p) | (uint64_t)gb_ld32(p + 4) << 32;
}

/* A bounds-checked cursor over [p, p + len). Every read checks the remaining length first,
 * so a truncated blob gives GB_EINVAL instead of a read past its end. */
typedef struct gb_rd {
    const uint8_t *p;
    uint32_t len, pos;
} gb_rd;

static inline void gb_rd_init(gb_rd *r, const uint8_t *p, uint32_t len)
{
    r->p = p;
    r->len = p != NULL ? len : 0;
    r->pos = 0;
}

static inline uint32_t gb_rd_left(const gb_rd *r)
{
    return r->len - r->pos;
}

static inline int gb_rd_u32(gb_rd *r, uint32_t *v)
{
    if (gb_rd_left(r) < 4)
        return GB_EINVAL;
    *v = gb_ld32(r->p + r->pos);
    r->pos += 4;
    return 0;
}

static inline int gb_rd_u64(gb_rd *r, uint64_t *v)
{
    if (gb_rd_left(r) < 8)
        return GB_EINVAL;
    *v = gb_ld64(r->p + r->pos);
    r->pos += 8;
    return 0;
}

/* Skip n bytes, returning where they start in *at. */
static inline int gb_rd_bytes(gb_rd *r, uint32_t n, const uint8_t **at)
{
    if (gb_rd_left(r) < n)
        return GB_EINVAL;
    *at = r->p + r->pos;
    r->pos += n;
    return 0;
}

/* Three-way comparisons used for canonical ordering. */
static inline int gb_cmp_u64(uint64_t a, uint64_t b)
{
    return (a > b) - (a < b);
}

/* memcmp, then the shorter is smaller. */
static inline int gb_cmp_bytes(const uint8_t *a, uint32_t alen, const uint8_t *b,
                               uint32_t blen)
{
    uint32_t m = alen < blen ? alen : blen;
    int c = m ? memcmp(a, b, m) : 0;
    if (c != 0)
        return c < 0 ? -1 : 1;
    return gb_cmp_u64(alen, blen);
}

/* ------------------------------------------------------------------ parsed vector clocks */

/* A validated clock: n entries of 12 bytes at e (e may be NULL when n == 0). */
typedef struct gb_vcv {
    const uint8_t *e;
    uint32_t n;
    const uint8_t *blob; /* the whole clock blob (header included) */
    uint32_t bloblen;
} gb_vcv;

static inline uint32_t gb_vcv_node(const gb_vcv *v, uint32_t i)
{
    return gb_ld32(v->e + (size_t)i * GB_VC_ENTRY_BYTES);
}

static inline uint64_t gb_vcv_ctr(const gb_vcv *v, uint32_t i)
{
    return gb_ld64(v->e + (size_t)i * GB_VC_ENTRY_BYTES + 4);
}

/* Parse and validate a clock at the reader's position, advancing past it. 0 or GB_EINVAL. */
int gb_vcv_read(gb_rd *r, gb_vcv *v);
/* Entry for node (0 when absent), by binary search. */
uint64_t gb_vcv_get(const gb_vcv *v, uint32_t node);
/* GB_VC_EQUAL / BEFORE / AFTER / CONCURRENT. */
int gb_vcv_compare(const gb_vcv *a, const gb_vcv *b);
/* Append the clock blob of join(a, b) to w. 0 or GB_ENOMEM. */
int gb_vcv_put_join(gb_bytes *w, const gb_vcv *a, const gb_vcv *b);
/* Append the clock blob of v with node's entry set to max(entry, counter). 0 or GB_ENOMEM
 * (counter 0 leaves the clock as it is). */
int gb_vcv_put_advanced(gb_bytes *w, const gb_vcv *v, uint32_t node, uint64_t counter);
/* Render "{node:counter, ...}" at buf (see gb_desc below). */
struct gb_desc;
void gb_vcv_describe(struct gb_desc *d, const gb_vcv *v);

/* A clock under construction, for types whose clock is computed from parts (the join of
 * many sibling clocks). Entries are kept sorted; max-merge of single entries. */
typedef struct gb_vcacc {
    uint32_t *node;
    uint64_t *ctr;
    uint32_t n, cap;
} gb_vcacc;

/* Raise node's entry to at least counter. 0 or GB_ENOMEM. */
int gb_vcacc_max(gb_vcacc *acc, uint32_t node, uint64_t counter);
/* Raise every entry to at least v's. 0 or GB_ENOMEM. */
int gb_vcacc_join(gb_vcacc *acc, const gb_vcv *v);
/* Entry for node (0 when absent). */
uint64_t gb_vcacc_get(const gb_vcacc *acc, uint32_t node);
/* Append the accumulated clock as a VC blob. 0 or GB_ENOMEM. */
int gb_vcacc_put(const gb_vcacc *acc, gb_bytes *w);
/* gb_vcv_compare for two accumulated clocks. */
int gb_vcacc_compare(const gb_vcacc *a, const gb_vcacc *b);
void gb_vcacc_free(gb_vcacc *acc);

/* ------------------------------------------------------------------ output staging */

/* Every producer builds its result into a fresh buffer and then moves it into the
 * caller's gb_bytes. That gives both promises of the header at once: inputs may point
 * into the output (they stay valid while we build), and on error the output is untouched.
 * gb_out_commit frees the previous contents of out. */
static inline void gb_out_commit(gb_bytes *out, gb_bytes *built)
{
    gb_bytes_swap(out, built);
    gb_bytes_free(built);
}

/* ------------------------------------------------------------------ describe helper */

/* Bounded text builder: never writes past size, always NUL-terminates when size > 0. */
typedef struct gb_desc {
    char *buf;
    size_t size, pos;
} gb_desc;

void gb_desc_init(gb_desc *d, char *buf, size_t size);
void gb_desc_printf(gb_desc *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ------------------------------------------------------------------ generic callbacks */

/* dominates() for any type: merge into a scratch buffer and compare with a. Correct by
 * the definition in the header (a ⊒ b iff merge(a, b) == a); 1, 0, GB_ENOMEM, GB_EINVAL. */
int gb_crdt_dominates_by_merge(const gb_crdt_ops *t, const uint8_t *a, uint32_t alen,
                               const uint8_t *b, uint32_t blen);
/* has_update() for any type through its clock(). */
int gb_crdt_has_update_by_clock(const gb_crdt_ops *t, const uint8_t *b, uint32_t len,
                                uint32_t node, uint64_t counter);

/* ------------------------------------------------------------------ parsed DVVs */

typedef struct gb_dvvv {
    uint32_t node;  /* the dot */
    uint64_t ctr;
    gb_vcv past;
    const uint8_t *blob; /* the whole DVV blob */
    uint32_t bloblen;
} gb_dvvv;

/* Parse and validate a DVV at the reader's position. 0 or GB_EINVAL. */
int gb_dvvv_read(gb_rd *r, gb_dvvv *d);
/* Raise acc to the DVV's summary (past and dot). 0 or GB_ENOMEM. */
int gb_dvvv_join_into(gb_vcacc *acc, const gb_dvvv *d);

/* A sibling list: u32 count, then count items { DVV, vbytes opaque bytes } sorted by
 * (dot node, dot counter, item bytes), strictly (no exact duplicates). The DVV set has
 * vbytes == 0, the DVV multi-value register vbytes == 8. */
typedef struct gb_dvvitem {
    gb_dvvv d;
    const uint8_t *raw; /* DVV and value bytes */
    uint32_t rawlen;
} gb_dvvitem;

/* Parse a sibling list filling [p, p+len) into a malloc'ed array (*items, free() it;
 * NULL when *n == 0). 0, GB_ENOMEM, GB_EINVAL. */
int gb_dvvlist_parse(const uint8_t *p, uint32_t len, uint32_t vbytes, gb_dvvitem **items,
                     uint32_t *n);
/* Append to w the sync of two parsed lists: their union without exact duplicates and
 * without the items whose dot lies in another item's past. 0 or GB_ENOMEM. */
int gb_dvvlist_put_sync(gb_bytes *w, const gb_dvvitem *a, uint32_t na, const gb_dvvitem *b,
                        uint32_t nb);

/* ------------------------------------------------------------------ counter core */

/* The per-replica records both counters use: u32 count, then count records
 * { u32 node, u64 updates, u64 field[k-1] } (k u64 in all), nodes strictly increasing,
 * updates >= 1 and the value fields summing to at least `updates` (every update adds at
 * least 1 to one of them). gcounter has k = 2 (sum), pncounter k = 3 (inc, dec). */
#define GB_CTR_MAXK 3u

typedef struct gb_ctrv {
    const uint8_t *e;
    uint32_t n, k;
} gb_ctrv;

static inline uint32_t gb_ctrv_node(const gb_ctrv *v, uint32_t i)
{
    return gb_ld32(v->e + (size_t)i * (4 + 8 * v->k));
}

/* Field f of record i: 0 is updates, 1..k-1 the value fields. */
static inline uint64_t gb_ctrv_field(const gb_ctrv *v, uint32_t i, uint32_t f)
{
    return gb_ld64(v->e + (size_t)i * (4 + 8 * v->k) + 4 + 8 * f);
}

int gb_ctr_parse(const uint8_t *p, uint32_t len, uint32_t k, gb_ctrv *v);
int gb_ctr_init(gb_bytes *out);
/* One update at node: updates + 1 and field += amount (amount >= 1). GB_EINVAL on
 * overflow or a bad blob. */
int gb_ctr_update(const gb_bytes *in, gb_bytes *out, uint32_t k, uint32_t node,
                  uint32_t field, uint64_t amount);
int gb_ctr_merge(const uint8_t *a, uint32_t alen, const uint8_t *b, uint32_t blen,
                 uint32_t k, gb_bytes *out, int *conflict);
int gb_ctr_clock(const uint8_t *b, uint32_t len, uint32_t k, gb_bytes *out);
/* tot[f-1] = saturating sum of field f over the records, f = 1..k-1. */
int gb_ctr_totals(const uint8_t *b, uint32_t len, uint32_t k, uint64_t *tot);
/* "total=... {node:updates/field/...}" with the given field names (k-1 of them). */
int gb_ctr_describe(const uint8_t *b, uint32_t len, uint32_t k, const char *const *names,
                    char *buf, size_t size);

/* ------------------------------------------------------------------ LWW core */

/* The layout both LWW types share (see gb_crdt.h). */
typedef struct gb_lwwv {
    gb_vcv vc;
    int has;          /* 1 when the register holds a payload (VC non-empty) */
    uint64_t stamp;
    uint32_t node;
    uint32_t vlen;
    const uint8_t *val;
} gb_lwwv;

int gb_lww_parse(const uint8_t *b, uint32_t len, gb_lwwv *v);
int gb_lww_core_init(gb_bytes *out);
/* Write at node: lamport != 0 makes the stored stamp max(stamp, current + 1). */
int gb_lww_core_write(const gb_bytes *in, gb_bytes *out, uint32_t node, uint64_t stamp,
                      const uint8_t *val, uint32_t vlen, int lamport);
int gb_lww_core_merge(const uint8_t *a, uint32_t alen, const uint8_t *b, uint32_t blen,
                      gb_bytes *out, int *conflict);
int gb_lww_core_clock(const uint8_t *b, uint32_t len, gb_bytes *out);
int gb_lww_core_check(const uint8_t *b, uint32_t len);
int gb_lww_core_describe(const uint8_t *b, uint32_t len, char *buf, size_t size,
                         int value_is_u64);

#endif
