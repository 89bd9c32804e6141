/* test_crdt.c: the data-type layer of state synchronisation (protocols/gb_crdt.h): byte
 * buffers, the blob hash, vector clocks, dotted version vectors and every registered
 * CRDT.
 *
 * The property tests run random histories (several replicas doing random local updates
 * and random pairwise merges, drawn from gb_rng with purpose GB_RNG_TEST) beside a
 * reference model that knows, for every state, which update events it reflects (a vector
 * clock over the replicas) and each event's causal past. From that model alone the test
 * derives what every state must hold (the counter's value, the register's winner or
 * siblings, the set's elements), what its clock and has_update must say, whether a merge
 * is a conflict, and whether one state dominates another. Every state of a history and
 * every merge result is checked against it, and the join laws are checked bytewise on
 * random triples of states. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <CUnit/CUnit.h>

#include "gb_common.h"
#include "gb_crdt.h"
#include "gb_rng.h"
#include "tests.h"

#define SEED 0xc0ffee5eedULL

/* ------------------------------------------------------------------ small helpers */

static void put32(gb_bytes *b, uint32_t v)
{
    CU_ASSERT_EQUAL_FATAL(gb_bytes_put_u32(b, v), 0);
}

static void put64(gb_bytes *b, uint64_t v)
{
    CU_ASSERT_EQUAL_FATAL(gb_bytes_put_u64(b, v), 0);
}

/* A VC blob from (node, counter) pairs given in order. */
static void mkvc(gb_bytes *b, uint32_t n, const uint32_t *node, const uint64_t *ctr)
{
    gb_bytes_clear(b);
    put32(b, n);
    for (uint32_t i = 0; i < n; i++) {
        put32(b, node[i]);
        put64(b, ctr[i]);
    }
}

static int same(const gb_bytes *a, const gb_bytes *b)
{
    return a->len == b->len && (a->len == 0 || memcmp(a->p, b->p, a->len) == 0);
}

static void upd(const gb_crdt_ops *t, gb_bytes *s, uint32_t node, uint64_t stamp,
                uint64_t value)
{
    CU_ASSERT_EQUAL_FATAL(t->update(s, s, node, stamp, value), 0);
}

/* out = merge(a, b) (out may be a or b); returns the conflict flag. */
static int mrg(const gb_crdt_ops *t, const gb_bytes *a, const gb_bytes *b, gb_bytes *out)
{
    int conflict = -1;
    CU_ASSERT_EQUAL_FATAL(t->merge(a->p, a->len, b->p, b->len, out, &conflict), 0);
    CU_ASSERT(conflict == 0 || conflict == 1);
    return conflict;
}

static void fresh(const gb_crdt_ops *t, gb_bytes *s)
{
    CU_ASSERT_EQUAL_FATAL(t->init(s), 0);
}

static void copy(gb_bytes *dst, const gb_bytes *src)
{
    CU_ASSERT_EQUAL_FATAL(gb_bytes_set(dst, src->p, src->len), 0);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* ------------------------------------------------------------------ byte buffers, hash */

static void test_bytes(void)
{
    gb_bytes b = GB_BYTES_INIT;
    CU_ASSERT_EQUAL(gb_bytes_append(&b, NULL, 0), 0);
    CU_ASSERT_EQUAL(b.len, 0);
    CU_ASSERT_EQUAL(gb_bytes_append(&b, "abc", 3), 0);
    CU_ASSERT_EQUAL(gb_bytes_put_u32(&b, 0x04030201u), 0);
    CU_ASSERT_EQUAL(gb_bytes_put_u64(&b, 0x0c0b0a0908070605ull), 0);
    CU_ASSERT_EQUAL_FATAL(b.len, 15);
    CU_ASSERT(memcmp(b.p, "abc\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c", 15) == 0);
    CU_ASSERT(b.cap >= b.len);
    for (int i = 0; i < 1000; i++)
        CU_ASSERT_EQUAL(gb_bytes_append(&b, "x", 1), 0);
    CU_ASSERT_EQUAL(b.len, 1015);
    CU_ASSERT_EQUAL(gb_bytes_set(&b, "hello", 5), 0);
    CU_ASSERT_EQUAL(b.len, 5);
    CU_ASSERT_EQUAL(gb_bytes_reserve(&b, 100), 0);
    CU_ASSERT(b.cap >= 105);
    CU_ASSERT_EQUAL(b.len, 5);
    /* A blob can never exceed UINT32_MAX bytes: the request fails without allocating. */
    CU_ASSERT_EQUAL(gb_bytes_reserve(&b, UINT32_MAX), GB_ENOMEM);
    CU_ASSERT_EQUAL(b.len, 5);
    gb_bytes c = GB_BYTES_INIT;
    gb_bytes_swap(&b, &c);
    CU_ASSERT_EQUAL(b.len, 0);
    CU_ASSERT_PTR_NULL(b.p);
    CU_ASSERT_EQUAL(c.len, 5);
    gb_bytes_clear(&c);
    CU_ASSERT_EQUAL(c.len, 0);
    CU_ASSERT(c.cap > 0);
    gb_bytes_free(&c);
    gb_bytes_free(&c); /* twice is harmless */
    CU_ASSERT_PTR_NULL(c.p);
    CU_ASSERT_EQUAL(c.cap, 0);
}

/* Known answers from the reference xxHash library (libxxhash 0.8.1, XXH64). */
static void test_hash(void)
{
    static const struct {
        const char *s;
        uint32_t len;
        uint64_t seed, h;
    } kat[] = {
        {"", 0, 0, 0xef46db3751d8e999ull},
        {"a", 1, 0, 0xd24ec4f1a98c6e5bull},
        {"abc", 3, 0, 0x44bc2cf5ad770999ull},
        {"Nobody inspects the spammish repetition", 39, 0, 0xfbcea83c8a378bf1ull},
        {"abc", 3, 12345, 0x01700e64f6f23509ull},
    };
    for (size_t i = 0; i < GB_ARRAY_LEN(kat); i++)
        CU_ASSERT_EQUAL(gb_xxh64((const uint8_t *)kat[i].s, kat[i].len, kat[i].seed),
                        kat[i].h);
    uint8_t r100[100], r37[37];
    for (int i = 0; i < 100; i++)
        r100[i] = (uint8_t)i;
    memcpy(r37, r100, 37);
    CU_ASSERT_EQUAL(gb_xxh64(r100, 100, 0x9E3779B97F4A7C15ull), 0x3b97d91eba03e785ull);
    CU_ASSERT_EQUAL(gb_xxh64(r37, 37, 1), 0x31fe76eb4ff1cf74ull);
    CU_ASSERT_EQUAL(gb_xxh64(NULL, 0, 0), 0xef46db3751d8e999ull);

    /* The blob hash is keyed: equal blobs under other keys, and one flipped bit anywhere,
     * give other hashes. */
    uint64_t h = gb_blob_hash(42, r100, 100);
    CU_ASSERT_EQUAL(h, gb_blob_hash(42, r100, 100));
    CU_ASSERT_NOT_EQUAL(h, gb_blob_hash(43, r100, 100));
    CU_ASSERT_NOT_EQUAL(h, gb_blob_hash(42, r100, 99));
    int differ = 0;
    for (int bit = 0; bit < 800; bit++) {
        r100[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        differ += gb_blob_hash(42, r100, 100) != h;
        r100[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    }
    CU_ASSERT_EQUAL(differ, 800);
    CU_ASSERT_NOT_EQUAL(gb_blob_hash(0, NULL, 0), gb_blob_hash(1, NULL, 0));
}

/* ------------------------------------------------------------------ vector clocks */

static void test_vc_compare(void)
{
    gb_bytes a = GB_BYTES_INIT, b = GB_BYTES_INIT, e = GB_BYTES_INIT, o = GB_BYTES_INIT;
    CU_ASSERT_EQUAL_FATAL(gb_vc_init(&e), 0);
    CU_ASSERT_EQUAL(e.len, GB_VC_HEADER_BYTES);
    CU_ASSERT_EQUAL(gb_vc_check(e.p, e.len), 0);

    /* empty vs empty, empty vs non-empty */
    CU_ASSERT_EQUAL(gb_vc_compare(e.p, e.len, e.p, e.len), GB_VC_EQUAL);
    mkvc(&a, 1, (uint32_t[]){5}, (uint64_t[]){1});
    CU_ASSERT_EQUAL(gb_vc_compare(e.p, e.len, a.p, a.len), GB_VC_BEFORE);
    CU_ASSERT_EQUAL(gb_vc_compare(a.p, a.len, e.p, e.len), GB_VC_AFTER);

    /* equal */
    mkvc(&a, 2, (uint32_t[]){1, 3}, (uint64_t[]){2, 1});
    mkvc(&b, 2, (uint32_t[]){1, 3}, (uint64_t[]){2, 1});
    CU_ASSERT_EQUAL(gb_vc_compare(a.p, a.len, b.p, b.len), GB_VC_EQUAL);
    /* before / after: one entry larger, or an extra node */
    mkvc(&b, 2, (uint32_t[]){1, 3}, (uint64_t[]){3, 1});
    CU_ASSERT_EQUAL(gb_vc_compare(a.p, a.len, b.p, b.len), GB_VC_BEFORE);
    CU_ASSERT_EQUAL(gb_vc_compare(b.p, b.len, a.p, a.len), GB_VC_AFTER);
    mkvc(&b, 3, (uint32_t[]){1, 2, 3}, (uint64_t[]){2, 7, 1});
    CU_ASSERT_EQUAL(gb_vc_compare(a.p, a.len, b.p, b.len), GB_VC_BEFORE);
    CU_ASSERT_EQUAL(gb_vc_compare(b.p, b.len, a.p, a.len), GB_VC_AFTER);
    /* concurrent: crossing entries, and disjoint node sets */
    mkvc(&b, 2, (uint32_t[]){1, 3}, (uint64_t[]){1, 2});
    CU_ASSERT_EQUAL(gb_vc_compare(a.p, a.len, b.p, b.len), GB_VC_CONCURRENT);
    CU_ASSERT_EQUAL(gb_vc_compare(b.p, b.len, a.p, a.len), GB_VC_CONCURRENT);
    mkvc(&b, 2, (uint32_t[]){2, 4}, (uint64_t[]){1, 1});
    CU_ASSERT_EQUAL(gb_vc_compare(a.p, a.len, b.p, b.len), GB_VC_CONCURRENT);
    mkvc(&b, 1, (uint32_t[]){0}, (uint64_t[]){1});
    CU_ASSERT_EQUAL(gb_vc_compare(a.p, a.len, b.p, b.len), GB_VC_CONCURRENT);
    /* node ids at the extremes */
    mkvc(&a, 2, (uint32_t[]){0, UINT32_MAX}, (uint64_t[]){1, UINT64_MAX});
    mkvc(&b, 1, (uint32_t[]){UINT32_MAX}, (uint64_t[]){UINT64_MAX});
    CU_ASSERT_EQUAL(gb_vc_compare(a.p, a.len, b.p, b.len), GB_VC_AFTER);

    /* join, get, increment, advance, entries, describe */
    mkvc(&a, 2, (uint32_t[]){1, 3}, (uint64_t[]){2, 1});
    mkvc(&b, 2, (uint32_t[]){2, 3}, (uint64_t[]){4, 5});
    CU_ASSERT_EQUAL_FATAL(gb_vc_join(a.p, a.len, b.p, b.len, &o), 0);
    mkvc(&e, 3, (uint32_t[]){1, 2, 3}, (uint64_t[]){2, 4, 5});
    CU_ASSERT(same(&o, &e));
    CU_ASSERT_EQUAL(gb_vc_compare(o.p, o.len, a.p, a.len), GB_VC_AFTER);
    CU_ASSERT_EQUAL(gb_vc_compare(o.p, o.len, b.p, b.len), GB_VC_AFTER);
    uint64_t c = 99;
    CU_ASSERT_EQUAL(gb_vc_get(o.p, o.len, 2, &c), 0);
    CU_ASSERT_EQUAL(c, 4);
    CU_ASSERT_EQUAL(gb_vc_get(o.p, o.len, 7, &c), 0);
    CU_ASSERT_EQUAL(c, 0);
    CU_ASSERT_EQUAL(gb_vc_increment(o.p, o.len, 2, &o), 0); /* in place */
    CU_ASSERT_EQUAL(gb_vc_increment(o.p, o.len, 0, &o), 0); /* new first entry */
    CU_ASSERT_EQUAL(gb_vc_increment(o.p, o.len, 9, &o), 0); /* new last entry */
    mkvc(&e, 5, (uint32_t[]){0, 1, 2, 3, 9}, (uint64_t[]){1, 2, 5, 5, 1});
    CU_ASSERT(same(&o, &e));
    uint32_t n = 0, node = 0;
    CU_ASSERT_EQUAL(gb_vc_count(o.p, o.len, &n), 0);
    CU_ASSERT_EQUAL(n, 5);
    CU_ASSERT_EQUAL(gb_vc_entry(o.p, o.len, 4, &node, &c), 0);
    CU_ASSERT(node == 9 && c == 1);
    CU_ASSERT_EQUAL(gb_vc_entry(o.p, o.len, 5, &node, &c), GB_EINVAL);
    char buf[64];
    CU_ASSERT_EQUAL(gb_vc_describe(o.p, o.len, buf, sizeof buf), 0);
    CU_ASSERT_STRING_EQUAL(buf, "{0:1, 1:2, 2:5, 3:5, 9:1}");
    CU_ASSERT_EQUAL(gb_vc_describe(o.p, o.len, buf, 6), 0);
    CU_ASSERT_STRING_EQUAL(buf, "{0:1,");
    CU_ASSERT_EQUAL(gb_vc_advance(o.p, o.len, 1, 1, &o), 0); /* never lowers */
    CU_ASSERT(same(&o, &e));
    CU_ASSERT_EQUAL(gb_vc_advance(o.p, o.len, 4, UINT64_MAX, &o), 0);
    CU_ASSERT_EQUAL(gb_vc_increment(o.p, o.len, 4, &a), GB_EINVAL); /* would overflow */
    uint32_t span = 0;
    CU_ASSERT_EQUAL(gb_vc_span(o.p, o.len, &span), 0);
    CU_ASSERT_EQUAL(span, o.len);

    /* Malformed clocks: truncated, trailing bytes, unsorted, duplicate node, zero counter,
     * a count larger than the bytes. Output untouched on error. */
    copy(&e, &o);
    for (uint32_t cut = 0; cut < o.len; cut++)
        CU_ASSERT_EQUAL(gb_vc_check(o.p, cut), GB_EINVAL);
    put32(&o, 0);
    CU_ASSERT_EQUAL(gb_vc_check(o.p, o.len), GB_EINVAL);
    CU_ASSERT_EQUAL(gb_vc_span(o.p, o.len, &span), 0); /* a clock followed by more bytes */
    CU_ASSERT_EQUAL(span, e.len);
    mkvc(&a, 2, (uint32_t[]){3, 1}, (uint64_t[]){1, 1});
    CU_ASSERT_EQUAL(gb_vc_check(a.p, a.len), GB_EINVAL);
    CU_ASSERT_EQUAL(gb_vc_compare(a.p, a.len, e.p, e.len), GB_EINVAL);
    CU_ASSERT_EQUAL(gb_vc_join(e.p, e.len, a.p, a.len, &b), GB_EINVAL);
    CU_ASSERT_EQUAL(gb_vc_get(a.p, a.len, 1, &c), GB_EINVAL);
    mkvc(&a, 2, (uint32_t[]){1, 1}, (uint64_t[]){1, 2});
    CU_ASSERT_EQUAL(gb_vc_check(a.p, a.len), GB_EINVAL);
    mkvc(&a, 2, (uint32_t[]){1, 2}, (uint64_t[]){1, 0});
    CU_ASSERT_EQUAL(gb_vc_check(a.p, a.len), GB_EINVAL);
    gb_bytes_clear(&a);
    put32(&a, UINT32_MAX);
    put32(&a, 1);
    put64(&a, 1);
    CU_ASSERT_EQUAL(gb_vc_check(a.p, a.len), GB_EINVAL);
    CU_ASSERT_EQUAL(gb_vc_check(NULL, 0), GB_EINVAL);
    copy(&b, &e);
    CU_ASSERT_EQUAL(gb_vc_increment(a.p, a.len, 1, &b), GB_EINVAL);
    CU_ASSERT(same(&b, &e));

    gb_bytes_free(&a);
    gb_bytes_free(&b);
    gb_bytes_free(&e);
    gb_bytes_free(&o);
}

/* ------------------------------------------------------------------ DVVs */

/* DVV blob: dot then past. */
static void mkdvv(gb_bytes *b, uint32_t dn, uint64_t dc, uint32_t n, const uint32_t *node,
                  const uint64_t *ctr)
{
    gb_bytes past = GB_BYTES_INIT;
    mkvc(&past, n, node, ctr);
    gb_bytes_clear(b);
    put32(b, dn);
    put64(b, dc);
    CU_ASSERT_EQUAL_FATAL(gb_bytes_append(b, past.p, past.len), 0);
    gb_bytes_free(&past);
}

/* DVV set of the given DVVs in the given order. */
static void mkset(gb_bytes *s, uint32_t n, gb_bytes *const *d)
{
    gb_bytes_clear(s);
    put32(s, n);
    for (uint32_t i = 0; i < n; i++)
        CU_ASSERT_EQUAL_FATAL(gb_bytes_append(s, d[i]->p, d[i]->len), 0);
}

static void test_dvv(void)
{
    gb_bytes ctx = GB_BYTES_INIT, x = GB_BYTES_INIT, y = GB_BYTES_INIT, z = GB_BYTES_INIT,
             w = GB_BYTES_INIT, o = GB_BYTES_INIT, e = GB_BYTES_INIT, s1 = GB_BYTES_INIT,
             s2 = GB_BYTES_INIT;

    /* A new event's dot follows the writer's entry of the context. */
    mkvc(&ctx, 2, (uint32_t[]){1, 2}, (uint64_t[]){2, 1});
    CU_ASSERT_EQUAL_FATAL(gb_dvv_new(ctx.p, ctx.len, 1, &x), 0);
    mkdvv(&e, 1, 3, 2, (uint32_t[]){1, 2}, (uint64_t[]){2, 1});
    CU_ASSERT(same(&x, &e));
    CU_ASSERT_EQUAL(gb_dvv_check(x.p, x.len), 0);
    uint32_t dn = 0, pl = 0;
    uint64_t dc = 0;
    const uint8_t *pp = NULL;
    CU_ASSERT_EQUAL(gb_dvv_parts(x.p, x.len, &dn, &dc, &pp, &pl), 0);
    CU_ASSERT(dn == 1 && dc == 3 && pl == ctx.len && memcmp(pp, ctx.p, pl) == 0);
    CU_ASSERT_EQUAL(gb_dvv_contains(x.p, x.len, 1, 3), 1);
    CU_ASSERT_EQUAL(gb_dvv_contains(x.p, x.len, 1, 2), 1);
    CU_ASSERT_EQUAL(gb_dvv_contains(x.p, x.len, 1, 4), 0);
    CU_ASSERT_EQUAL(gb_dvv_contains(x.p, x.len, 2, 1), 1);
    CU_ASSERT_EQUAL(gb_dvv_contains(x.p, x.len, 2, 2), 0);
    CU_ASSERT_EQUAL(gb_dvv_contains(x.p, x.len, 7, 1), 0);
    CU_ASSERT_EQUAL_FATAL(gb_dvv_new(ctx.p, ctx.len, 3, &y), 0);
    mkdvv(&e, 3, 1, 2, (uint32_t[]){1, 2}, (uint64_t[]){2, 1});
    CU_ASSERT(same(&y, &e));

    /* Ordering of event sets. */
    mkdvv(&x, 1, 1, 0, NULL, NULL);                       /* {1:1} */
    mkdvv(&y, 2, 1, 1, (uint32_t[]){1}, (uint64_t[]){1}); /* {1:1, 2:1}, saw x */
    mkdvv(&z, 2, 1, 0, NULL, NULL);                       /* {2:1}, concurrent with x */
    CU_ASSERT_EQUAL(gb_dvv_compare(x.p, x.len, y.p, y.len), GB_VC_BEFORE);
    CU_ASSERT_EQUAL(gb_dvv_compare(y.p, y.len, x.p, x.len), GB_VC_AFTER);
    CU_ASSERT_EQUAL(gb_dvv_compare(x.p, x.len, z.p, z.len), GB_VC_CONCURRENT);
    CU_ASSERT_EQUAL(gb_dvv_compare(x.p, x.len, x.p, x.len), GB_VC_EQUAL);
    CU_ASSERT_EQUAL(gb_dvv_compare(z.p, z.len, y.p, y.len), GB_VC_BEFORE);
    /* Same event set, two encodings: the comparison is on events. */
    mkdvv(&w, 1, 1, 1, (uint32_t[]){2}, (uint64_t[]){1});
    CU_ASSERT_EQUAL(gb_dvv_compare(w.p, w.len, y.p, y.len), GB_VC_EQUAL);
    /* A dot that does not follow its past: events {1:1, 1:2, 1:5} */
    mkdvv(&w, 1, 5, 1, (uint32_t[]){1}, (uint64_t[]){2});
    mkdvv(&x, 1, 3, 1, (uint32_t[]){1}, (uint64_t[]){2}); /* {1,2,3} */
    CU_ASSERT_EQUAL(gb_dvv_compare(w.p, w.len, x.p, x.len), GB_VC_CONCURRENT);
    CU_ASSERT_EQUAL(gb_dvv_contains(w.p, w.len, 1, 4), 0);
    CU_ASSERT_EQUAL(gb_dvv_contains(w.p, w.len, 1, 5), 1);
    mkdvv(&y, 2, 1, 1, (uint32_t[]){1}, (uint64_t[]){5}); /* {1:1..5, 2:1} */
    CU_ASSERT_EQUAL(gb_dvv_compare(w.p, w.len, y.p, y.len), GB_VC_BEFORE);
    CU_ASSERT_EQUAL(gb_dvv_compare(x.p, x.len, y.p, y.len), GB_VC_BEFORE);
    mkdvv(&y, 1, 4, 1, (uint32_t[]){1}, (uint64_t[]){3}); /* {1:1..4}: dot 4 directly follows */
    CU_ASSERT_EQUAL(gb_dvv_compare(x.p, x.len, y.p, y.len), GB_VC_BEFORE);
    CU_ASSERT_EQUAL(gb_dvv_compare(w.p, w.len, y.p, y.len), GB_VC_CONCURRENT);

    /* join: the summary clock */
    CU_ASSERT_EQUAL_FATAL(gb_dvv_join(w.p, w.len, z.p, z.len, &o), 0);
    mkvc(&e, 2, (uint32_t[]){1, 2}, (uint64_t[]){5, 1});
    CU_ASSERT(same(&o, &e));

    /* A dot inside its own past, a zero dot, truncation: rejected. */
    mkdvv(&e, 1, 2, 1, (uint32_t[]){1}, (uint64_t[]){2});
    CU_ASSERT_EQUAL(gb_dvv_check(e.p, e.len), GB_EINVAL);
    CU_ASSERT_EQUAL(gb_dvv_compare(e.p, e.len, x.p, x.len), GB_EINVAL);
    mkdvv(&e, 1, 0, 0, NULL, NULL);
    CU_ASSERT_EQUAL(gb_dvv_check(e.p, e.len), GB_EINVAL);
    for (uint32_t cut = 0; cut < w.len; cut++) {
        CU_ASSERT_EQUAL(gb_dvv_check(w.p, cut), GB_EINVAL);
        CU_ASSERT_EQUAL(gb_dvv_contains(w.p, cut, 1, 1), GB_EINVAL);
    }

    /* sync: x = {1:1}; y saw x; z concurrent with both x and y's dot */
    mkdvv(&x, 1, 1, 0, NULL, NULL);
    mkdvv(&y, 2, 1, 1, (uint32_t[]){1}, (uint64_t[]){1});
    mkdvv(&z, 3, 1, 0, NULL, NULL);
    mkset(&s1, 1, (gb_bytes *const[]){&x});
    mkset(&s2, 1, (gb_bytes *const[]){&y});
    CU_ASSERT_EQUAL(gb_dvvset_check(s1.p, s1.len), 0);
    CU_ASSERT_EQUAL_FATAL(gb_dvv_sync(s1.p, s1.len, s2.p, s2.len, &o), 0);
    CU_ASSERT(same(&o, &s2)); /* x is obsolete */
    CU_ASSERT_EQUAL_FATAL(gb_dvv_sync(s2.p, s2.len, s1.p, s1.len, &o), 0);
    CU_ASSERT(same(&o, &s2));
    mkset(&s2, 1, (gb_bytes *const[]){&z});
    CU_ASSERT_EQUAL_FATAL(gb_dvv_sync(s2.p, s2.len, s1.p, s1.len, &o), 0);
    mkset(&e, 2, (gb_bytes *const[]){&x, &z}); /* both kept, in dot order */
    CU_ASSERT(same(&o, &e));
    CU_ASSERT_EQUAL_FATAL(gb_dvv_sync(o.p, o.len, o.p, o.len, &o), 0); /* idempotent */
    CU_ASSERT(same(&o, &e));
    mkset(&s1, 2, (gb_bytes *const[]){&z, &x}); /* out of order */
    CU_ASSERT_EQUAL(gb_dvvset_check(s1.p, s1.len), GB_EINVAL);
    mkset(&s1, 2, (gb_bytes *const[]){&x, &y}); /* holds an obsolete member */
    CU_ASSERT_EQUAL(gb_dvvset_check(s1.p, s1.len), GB_EINVAL);
    mkset(&s1, 2, (gb_bytes *const[]){&x, &x}); /* duplicate */
    CU_ASSERT_EQUAL(gb_dvvset_check(s1.p, s1.len), GB_EINVAL);

    gb_bytes *all[] = {&ctx, &x, &y, &z, &w, &o, &e, &s1, &s2};
    for (size_t i = 0; i < GB_ARRAY_LEN(all); i++)
        gb_bytes_free(all[i]);
}

/* ------------------------------------------------------------------ reference model */

#define RMAX 5       /* replicas */
#define MAXEV 48     /* update events per history */
#define MAXPOOL 72   /* states kept per history */
#define NELEM 4      /* OR-Set elements 0..NELEM-1 */

/* Replica i runs as node id NODE(i): sparse, non-contiguous ids. */
#define NODE(i) ((uint32_t)(7u * (i) + 3u))

typedef struct ev {
    uint32_t r;          /* replica index */
    uint64_t k;          /* the k-th update at r */
    uint64_t value;      /* update() argument */
    uint64_t stamp;      /* stamp the state stores (Lamport-adjusted for "lww") */
    uint64_t past[RMAX]; /* what r knew before the update */
} ev;

typedef struct hist {
    const gb_crdt_ops *t;
    uint32_t R;
    ev ev[MAXEV];
    uint32_t nev;
    uint64_t vc[RMAX][RMAX]; /* each replica's knowledge */
    gb_bytes st[RMAX];
    gb_bytes pool[MAXPOOL];
    uint64_t pvc[MAXPOOL][RMAX];
    uint32_t npool;
    unsigned failures; /* reported once per test through CU_ASSERT */
} hist;

#define CHECK(h, cond, ...)                                                                  \
    do {                                                                                     \
        if (!(cond)) {                                                                       \
            if ((h)->failures++ < 5) {                                                       \
                fprintf(stderr, "\n  %s: %s:%d: %s: ", (h)->t->name, __FILE__, __LINE__,   \
                        #cond);                                                              \
                fprintf(stderr, __VA_ARGS__);                                                \
            }                                                                                \
        }                                                                                    \
    } while (0)

static int known(const ev *e, const uint64_t *vc)
{
    return e->k <= vc[e->r];
}

/* e is in the causal past of f. */
static int before(const ev *e, const ev *f)
{
    return e->k <= f->past[e->r];
}

static int ref_compare(const uint64_t *a, const uint64_t *b, uint32_t R)
{
    int am = 0, bm = 0;
    for (uint32_t i = 0; i < R; i++) {
        am |= a[i] > b[i];
        bm |= b[i] > a[i];
    }
    return am && bm ? GB_VC_CONCURRENT : am ? GB_VC_AFTER : bm ? GB_VC_BEFORE : GB_VC_EQUAL;
}

static void le8(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* The documented tie-break order of LWW payloads: stamp, node id, value bytes. */
static int lww_greater(const ev *e, const ev *f)
{
    if (e->stamp != f->stamp)
        return e->stamp > f->stamp;
    if (NODE(e->r) != NODE(f->r))
        return NODE(e->r) > NODE(f->r);
    uint8_t x[8], y[8];
    le8(x, e->value);
    le8(y, f->value);
    return memcmp(x, y, 8) > 0;
}

static char dbuf[2][512];

static const char *show(hist *h, const gb_bytes *b, int slot)
{
    if (h->t->describe(b->p, b->len, dbuf[slot], sizeof dbuf[slot]) < 0)
        snprintf(dbuf[slot], sizeof dbuf[slot], "<invalid %u bytes>", (unsigned)b->len);
    return dbuf[slot];
}

/* Everything a state with knowledge vc must satisfy. */
static void check_state(hist *h, const gb_bytes *b, const uint64_t *vc)
{
    const gb_crdt_ops *t = h->t;
    gb_bytes clk = GB_BYTES_INIT;
    CHECK(h, t->check(b->p, b->len) == 0, "%s\n", show(h, b, 0));
    char small[8];
    CHECK(h, t->describe(b->p, b->len, small, sizeof small) == 0 && strlen(small) < 8, "\n");

    /* The clock counts exactly the known updates per replica; has_update follows it. */
    int rc = t->clock(b->p, b->len, &clk);
    CHECK(h, rc == 0, "clock rc %d\n", rc);
    if (rc == 0) {
        uint32_t n = 0, want = 0;
        CHECK(h, gb_vc_count(clk.p, clk.len, &n) == 0, "clock not a VC\n");
        for (uint32_t i = 0; i < h->R; i++) {
            uint64_t c = 0;
            want += vc[i] > 0;
            CHECK(h, gb_vc_get(clk.p, clk.len, NODE(i), &c) == 0 && c == vc[i],
                  "clock[%u] = %llu, expected %llu in %s\n", (unsigned)NODE(i),
                  (unsigned long long)c, (unsigned long long)vc[i], show(h, b, 0));
            CHECK(h, t->has_update(b->p, b->len, NODE(i), vc[i]) == 1, "has_update\n");
            CHECK(h, t->has_update(b->p, b->len, NODE(i), vc[i] + 1) == 0, "has_update+1\n");
        }
        CHECK(h, n == want, "clock has %u entries, expected %u\n", n, want);
        CHECK(h, t->has_update(b->p, b->len, 1000, 1) == 0, "has_update of a stranger\n");
    }
    gb_bytes_free(&clk);

    /* The value, from the known events alone. */
    if (t == &gb_crdt_gcounter) {
        uint64_t want = 0, got = 0;
        for (uint32_t i = 0; i < h->nev; i++)
            if (known(&h->ev[i], vc))
                want += h->ev[i].value;
        CHECK(h, gb_gcounter_value(b->p, b->len, &got) == 0 && got == want,
              "value %llu, expected %llu\n", (unsigned long long)got, (unsigned long long)want);
    } else if (t == &gb_crdt_pncounter) {
        uint64_t wi = 0, wd = 0, gi = 0, gd = 0;
        for (uint32_t i = 0; i < h->nev; i++)
            if (known(&h->ev[i], vc)) {
                int64_t d = (int64_t)h->ev[i].value;
                if (d > 0)
                    wi += (uint64_t)d;
                else
                    wd += (uint64_t)-d;
            }
        CHECK(h, gb_pncounter_value(b->p, b->len, &gi, &gd) == 0 && gi == wi && gd == wd,
              "inc/dec %llu/%llu, expected %llu/%llu\n", (unsigned long long)gi,
              (unsigned long long)gd, (unsigned long long)wi, (unsigned long long)wd);
    } else if (t == &gb_crdt_lww || t == &gb_crdt_lww_register) {
        const ev *win = NULL;
        for (uint32_t i = 0; i < h->nev; i++)
            if (known(&h->ev[i], vc) && (win == NULL || lww_greater(&h->ev[i], win)))
                win = &h->ev[i];
        const uint8_t *val = NULL;
        uint32_t vlen = 0, node = 0;
        uint64_t stamp = 0;
        int has = gb_lww_get(b->p, b->len, &val, &vlen, &stamp, &node);
        if (win == NULL) {
            CHECK(h, has == 0, "register should be empty\n");
        } else {
            uint8_t x[8];
            le8(x, win->value);
            CHECK(h, has == 1 && vlen == 8 && memcmp(val, x, 8) == 0 &&
                         stamp == win->stamp && node == NODE(win->r),
                  "%s, expected %llu @%llu by %u\n", show(h, b, 0),
                  (unsigned long long)win->value, (unsigned long long)win->stamp,
                  (unsigned)NODE(win->r));
        }
    } else if (t == &gb_crdt_mv_register || t == &gb_crdt_mv_register_dvv) {
        /* The siblings are the known writes no other known write has seen. */
        uint64_t want[MAXEV], got[MAXEV];
        uint32_t nw = 0, ng = 0;
        for (uint32_t i = 0; i < h->nev; i++) {
            if (!known(&h->ev[i], vc))
                continue;
            int obsolete = 0;
            for (uint32_t j = 0; j < h->nev && !obsolete; j++)
                obsolete = known(&h->ev[j], vc) && before(&h->ev[i], &h->ev[j]);
            if (!obsolete)
                want[nw++] = h->ev[i].value;
        }
        int rc2 = gb_mvreg_values(t, b->p, b->len, got, MAXEV, &ng);
        CHECK(h, rc2 == 0 && ng == nw, "%u siblings, expected %u: %s\n", ng, nw,
              show(h, b, 0));
        if (rc2 == 0 && ng == nw) {
            qsort(want, nw, sizeof *want, cmp_u64);
            qsort(got, ng, sizeof *got, cmp_u64);
            CHECK(h, memcmp(want, got, nw * sizeof *want) == 0, "sibling values: %s\n",
                  show(h, b, 0));
        }
    } else if (t == &gb_crdt_orset) {
        /* Add-wins: e is in the set iff some known add of e was observed by no known
         * remove of e. */
        uint64_t want[NELEM], got[NELEM + 1];
        uint32_t nw = 0, ng = 0;
        for (uint64_t x = 0; x < NELEM; x++) {
            int in = 0;
            for (uint32_t i = 0; i < h->nev && !in; i++) {
                const ev *a = &h->ev[i];
                if (!known(a, vc) || a->value != GB_ORSET_ADD(x))
                    continue;
                int removed = 0;
                for (uint32_t j = 0; j < h->nev && !removed; j++)
                    removed = known(&h->ev[j], vc) && h->ev[j].value == GB_ORSET_REMOVE(x) &&
                              before(a, &h->ev[j]);
                in = !removed;
            }
            CHECK(h, gb_orset_contains(b->p, b->len, x) == in, "element %llu: %s\n",
                  (unsigned long long)x, show(h, b, 0));
            if (in)
                want[nw++] = x;
        }
        CHECK(h, gb_orset_elements(b->p, b->len, got, NELEM + 1, &ng) == 0 && ng == nw &&
                     memcmp(got, want, nw * sizeof *want) == 0,
              "elements: %s\n", show(h, b, 0));
    }
}

static void pool_push(hist *h, const gb_bytes *b, const uint64_t *vc)
{
    if (h->npool == MAXPOOL)
        return;
    CU_ASSERT_EQUAL_FATAL(gb_bytes_set(&h->pool[h->npool], b->p, b->len), 0);
    memcpy(h->pvc[h->npool], vc, sizeof h->pvc[0]);
    h->npool++;
}

static void local_update(hist *h, gb_rng *g, uint32_t r)
{
    const gb_crdt_ops *t = h->t;
    ev *e = &h->ev[h->nev];
    uint64_t stamp = gb_rng_below(g, 8); /* few values: equal stamps happen */
    e->r = r;
    e->k = h->vc[r][r] + 1;
    memcpy(e->past, h->vc[r], sizeof e->past);
    if (t == &gb_crdt_gcounter) {
        e->value = 1 + gb_rng_below(g, 5);
    } else if (t == &gb_crdt_pncounter) {
        uint64_t d = 1 + gb_rng_below(g, 5);
        e->value = gb_rng_below(g, 2) ? GB_PN_INC(d) : GB_PN_DEC(d);
    } else if (t == &gb_crdt_orset) {
        uint64_t x = gb_rng_below(g, NELEM);
        e->value = gb_rng_below(g, 5) < 3 ? GB_ORSET_ADD(x) : GB_ORSET_REMOVE(x);
    } else {
        e->value = gb_rng_below(g, 4);
    }
    e->stamp = stamp;
    if (t == &gb_crdt_lww) {
        /* Lamport rule: above every stamp the writer has seen. */
        for (uint32_t i = 0; i < h->nev; i++)
            if (known(&h->ev[i], h->vc[r]) && h->ev[i].stamp >= e->stamp)
                e->stamp = h->ev[i].stamp + 1;
    }
    int rc = t->update(&h->st[r], &h->st[r], NODE(r), stamp, e->value);
    CHECK(h, rc == 0, "update rc %d\n", rc);
    h->vc[r][r]++;
    h->nev++;
}

/* A random history: R replicas, `steps` random updates and merges. Every state reached is
 * checked against the model and kept in the pool. */
static void run_history(hist *h, const gb_crdt_ops *t, uint32_t trial, uint32_t round,
                        uint32_t steps)
{
    gb_rng g;
    gb_rng_init(&g, SEED, trial, round, 0, GB_RNG_TEST);
    h->t = t;
    h->R = 2 + (uint32_t)gb_rng_below(&g, RMAX - 1);
    h->nev = 0;
    h->npool = 0;
    memset(h->vc, 0, sizeof h->vc);
    for (uint32_t r = 0; r < h->R; r++)
        fresh(t, &h->st[r]);
    pool_push(h, &h->st[0], h->vc[0]);
    for (uint32_t s = 0; s < steps; s++) {
        uint32_t r = (uint32_t)gb_rng_below(&g, h->R);
        if (h->nev < MAXEV && gb_rng_below(&g, 2) == 0) {
            local_update(h, &g, r);
        } else {
            uint32_t q = (uint32_t)gb_rng_below(&g, h->R);
            int want = ref_compare(h->vc[r], h->vc[q], h->R) == GB_VC_CONCURRENT;
            int got = mrg(t, &h->st[r], &h->st[q], &h->st[r]); /* output aliases input */
            CHECK(h, got == want, "conflict flag %d, model says %d\n", got, want);
            for (uint32_t i = 0; i < h->R; i++)
                if (h->vc[q][i] > h->vc[r][i])
                    h->vc[r][i] = h->vc[q][i];
        }
        check_state(h, &h->st[r], h->vc[r]);
        pool_push(h, &h->st[r], h->vc[r]);
    }
}

static void hist_free(hist *h)
{
    for (uint32_t i = 0; i < RMAX; i++)
        gb_bytes_free(&h->st[i]);
    for (uint32_t i = 0; i < MAXPOOL; i++)
        gb_bytes_free(&h->pool[i]);
}

/* ------------------------------------------------------------------ property tests */

#define HISTORIES 30
#define TRIPLES 20

/* Commutative, associative, idempotent, monotone; conflict flag and dominates as the
 * model says; canonical form: equal knowledge gives equal bytes. */
static void laws_for(const gb_crdt_ops *t, uint32_t trial, unsigned *cases)
{
    hist *h = calloc(1, sizeof *h);
    CU_ASSERT_PTR_NOT_NULL_FATAL(h);
    gb_bytes ab = GB_BYTES_INIT, ba = GB_BYTES_INIT, abc = GB_BYTES_INIT,
             bc = GB_BYTES_INIT, a_bc = GB_BYTES_INIT, aa = GB_BYTES_INIT;
    unsigned failures = 0, conflicts = 0, doms = 0, distinct = 0;
    for (uint32_t round = 0; round < HISTORIES; round++) {
        run_history(h, t, trial, round, 40);
        gb_rng g;
        gb_rng_init(&g, SEED, trial, round, 1, GB_RNG_TEST);
        for (uint32_t k = 0; k < TRIPLES; k++) {
            uint32_t ia = (uint32_t)gb_rng_below(&g, h->npool);
            uint32_t ib = (uint32_t)gb_rng_below(&g, h->npool);
            uint32_t ic = (uint32_t)gb_rng_below(&g, h->npool);
            const gb_bytes *a = &h->pool[ia], *b = &h->pool[ib], *c = &h->pool[ic];
            const uint64_t *va = h->pvc[ia], *vb = h->pvc[ib];
            uint64_t vab[RMAX];
            for (uint32_t i = 0; i < RMAX; i++)
                vab[i] = va[i] > vb[i] ? va[i] : vb[i];
            int f1 = mrg(t, a, b, &ab), f2 = mrg(t, b, a, &ba);
            CHECK(h, same(&ab, &ba), "not commutative:\n  a  = %s\n  b  = %s\n",
                  show(h, a, 0), show(h, b, 1));
            int want = ref_compare(va, vb, h->R) == GB_VC_CONCURRENT;
            CHECK(h, f1 == want && f2 == want, "conflict %d/%d, model %d\n", f1, f2, want);
            check_state(h, &ab, vab);
            CHECK(h, mrg(t, a, a, &aa) == 0 && same(&aa, a), "not idempotent: %s\n",
                  show(h, a, 0));
            mrg(t, &ab, c, &abc);
            mrg(t, b, c, &bc);
            mrg(t, a, &bc, &a_bc);
            CHECK(h, same(&abc, &a_bc), "not associative\n");
            CHECK(h, t->dominates(ab.p, ab.len, a->p, a->len) == 1 &&
                         t->dominates(ab.p, ab.len, b->p, b->len) == 1,
                  "merge does not dominate its inputs\n");
            int leq = ref_compare(vb, va, h->R);
            int dom = leq == GB_VC_EQUAL || leq == GB_VC_BEFORE;
            CHECK(h, t->dominates(a->p, a->len, b->p, b->len) == dom,
                  "dominates(a, b) != model %d:\n  a = %s\n  b = %s\n", dom, show(h, a, 0),
                  show(h, b, 1));
            CHECK(h, (ref_compare(va, vb, h->R) == GB_VC_EQUAL) == same(a, b),
                  "equal knowledge but different bytes (or the reverse):\n  a = %s\n  b = %s\n",
                  show(h, a, 0), show(h, b, 1));
            conflicts += f1 == 1;
            doms += dom;
            distinct += !same(a, b);
            (*cases)++;
        }
        failures += h->failures;
        h->failures = 0;
    }
    CU_ASSERT_EQUAL(failures, 0);
    /* The histories are rich enough to mean something: many concurrent pairs, many
     * ordered ones, few identical ones. */
    CU_ASSERT(conflicts >= HISTORIES * TRIPLES / 10);
    CU_ASSERT(doms >= HISTORIES * TRIPLES / 10);
    CU_ASSERT(distinct >= HISTORIES * TRIPLES / 2);
    gb_bytes *all[] = {&ab, &ba, &abc, &bc, &a_bc, &aa};
    for (size_t i = 0; i < GB_ARRAY_LEN(all); i++)
        gb_bytes_free(all[i]);
    hist_free(h);
    free(h);
}

static void test_laws(void)
{
    unsigned total = 0;
    for (uint32_t i = 0; gb_crdt_table[i] != NULL; i++) {
        unsigned cases = 0;
        laws_for(gb_crdt_table[i], i, &cases);
        CU_ASSERT_EQUAL(cases, HISTORIES * TRIPLES);
        total += cases;
    }
    CU_ASSERT(total >= 7 * 600);
}

/* Replicas that end up with the same updates converge to the same bytes whatever the
 * order and grouping of the merges. */
static void test_convergence(void)
{
    for (uint32_t ti = 0; gb_crdt_table[ti] != NULL; ti++) {
        const gb_crdt_ops *t = gb_crdt_table[ti];
        hist *h = calloc(1, sizeof *h);
        CU_ASSERT_PTR_NOT_NULL_FATAL(h);
        gb_bytes acc = GB_BYTES_INIT, ref = GB_BYTES_INIT, tmp[8];
        memset(tmp, 0, sizeof tmp);
        unsigned failures = 0;
        for (uint32_t round = 0; round < 20; round++) {
            run_history(h, t, 100 + ti, round, 40);
            gb_rng g;
            gb_rng_init(&g, SEED, 100 + ti, round, 2, GB_RNG_TEST);
            /* The final states of all replicas, plus a few older ones. */
            uint32_t pick[8], n = 0;
            for (uint32_t k = 0; k < 8; k++)
                pick[n++] = (uint32_t)gb_rng_below(&g, h->npool);
            uint64_t vall[RMAX] = {0};
            for (uint32_t k = 0; k < n; k++)
                for (uint32_t i = 0; i < RMAX; i++)
                    if (h->pvc[pick[k]][i] > vall[i])
                        vall[i] = h->pvc[pick[k]][i];
            for (uint32_t order = 0; order < 10; order++) {
                /* Shuffle, then merge random pairs until one state is left (random tree
                 * shapes, random argument order). */
                for (uint32_t k = 0; k < n; k++)
                    copy(&tmp[k], &h->pool[pick[k]]);
                for (uint32_t k = n - 1; k > 0; k--) {
                    uint32_t j = (uint32_t)gb_rng_below(&g, k + 1);
                    gb_bytes_swap(&tmp[k], &tmp[j]);
                }
                uint32_t live = n;
                while (live > 1) {
                    uint32_t x = (uint32_t)gb_rng_below(&g, live);
                    uint32_t y = (uint32_t)gb_rng_below(&g, live - 1);
                    if (y >= x)
                        y++;
                    mrg(t, &tmp[x], &tmp[y], &tmp[x]);
                    gb_bytes_swap(&tmp[y], &tmp[live - 1]);
                    live--;
                }
                if (order == 0) {
                    copy(&ref, &tmp[0]);
                    check_state(h, &ref, vall);
                } else {
                    CHECK(h, same(&tmp[0], &ref), "orders disagree:\n  %s\n  %s\n",
                          show(h, &tmp[0], 0), show(h, &ref, 1));
                }
            }
            /* And a plain left fold in pool order. */
            copy(&acc, &h->pool[pick[0]]);
            for (uint32_t k = 1; k < n; k++)
                mrg(t, &acc, &h->pool[pick[k]], &acc);
            CHECK(h, same(&acc, &ref), "left fold disagrees\n");
            failures += h->failures;
            h->failures = 0;
        }
        CU_ASSERT_EQUAL(failures, 0);
        for (uint32_t k = 0; k < 8; k++)
            gb_bytes_free(&tmp[k]);
        gb_bytes_free(&acc);
        gb_bytes_free(&ref);
        hist_free(h);
        free(h);
    }
}

/* ------------------------------------------------------------------ semantics, by hand */

static void test_counters(void)
{
    const gb_crdt_ops *g = gb_crdt_find("gcounter"), *p = gb_crdt_find("pncounter");
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    gb_bytes a = GB_BYTES_INIT, b = GB_BYTES_INIT, m = GB_BYTES_INIT;
    uint64_t v = 0, inc = 0, dec = 0;

    fresh(g, &a);
    fresh(g, &b);
    CU_ASSERT_EQUAL(gb_gcounter_value(a.p, a.len, &v), 0);
    CU_ASSERT_EQUAL(v, 0);
    upd(g, &a, 1, 0, 3);
    upd(g, &a, 1, 0, 2);
    upd(g, &b, 2, 0, 4);
    CU_ASSERT_EQUAL(g->update(&a, &a, 1, 0, 0), GB_EINVAL); /* increments are >= 1 */
    CU_ASSERT_EQUAL(mrg(g, &a, &b, &m), 1);
    CU_ASSERT_EQUAL(gb_gcounter_value(m.p, m.len, &v), 0);
    CU_ASSERT_EQUAL(v, 9);
    CU_ASSERT_EQUAL(g->has_update(m.p, m.len, 1, 2), 1);
    CU_ASSERT_EQUAL(g->has_update(m.p, m.len, 1, 3), 0);
    CU_ASSERT_EQUAL(g->has_update(m.p, m.len, 2, 1), 1);
    CU_ASSERT_EQUAL(g->has_update(m.p, m.len, 3, 1), 0);
    CU_ASSERT_EQUAL(g->has_update(m.p, m.len, 3, 0), 1);
    CU_ASSERT_EQUAL(mrg(g, &m, &a, &a), 0); /* a catches up: no conflict */
    CU_ASSERT(same(&a, &m));
    char buf[128];
    CU_ASSERT_EQUAL(g->describe(m.p, m.len, buf, sizeof buf), 0);
    CU_ASSERT_STRING_EQUAL(buf, "value=9 {1:2/5, 2:1/4}");

    fresh(p, &a);
    fresh(p, &b);
    upd(p, &a, 1, 0, GB_PN_INC(5));
    upd(p, &a, 1, 0, GB_PN_DEC(3));
    upd(p, &b, 2, 0, GB_PN_DEC(4));
    upd(p, &b, 2, 0, GB_PN_DEC(1000));
    CU_ASSERT_EQUAL(p->update(&a, &a, 1, 0, 0), GB_EINVAL);
    CU_ASSERT_EQUAL(mrg(p, &a, &b, &m), 1);
    CU_ASSERT_EQUAL(gb_pncounter_value(m.p, m.len, &inc, &dec), 0);
    CU_ASSERT_EQUAL(inc, 5);
    CU_ASSERT_EQUAL(dec, 1007);
    CU_ASSERT_EQUAL((int64_t)(inc - dec), -1002);
    /* The most negative delta has magnitude 2^63. */
    fresh(p, &a);
    upd(p, &a, 9, 0, (uint64_t)INT64_MIN);
    CU_ASSERT_EQUAL(gb_pncounter_value(a.p, a.len, &inc, &dec), 0);
    CU_ASSERT(inc == 0 && dec == (uint64_t)1 << 63);

    gb_bytes_free(&a);
    gb_bytes_free(&b);
    gb_bytes_free(&m);
}

static void test_orset(void)
{
    const gb_crdt_ops *t = gb_crdt_find("orset");
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    gb_bytes a = GB_BYTES_INIT, b = GB_BYTES_INIT, m = GB_BYTES_INIT;

    /* Concurrent add and remove: the add wins. */
    fresh(t, &a);
    fresh(t, &b);
    upd(t, &a, 1, 0, GB_ORSET_ADD(7));
    mrg(t, &b, &a, &b);
    CU_ASSERT_EQUAL(gb_orset_contains(b.p, b.len, 7), 1);
    upd(t, &a, 1, 0, GB_ORSET_ADD(7)); /* a adds 7 again ... */
    upd(t, &b, 2, 0, GB_ORSET_REMOVE(7)); /* ... while b removes the 7 it saw */
    CU_ASSERT_EQUAL(gb_orset_contains(b.p, b.len, 7), 0);
    CU_ASSERT_EQUAL(mrg(t, &a, &b, &m), 1);
    CU_ASSERT_EQUAL(gb_orset_contains(m.p, m.len, 7), 1);
    CU_ASSERT_EQUAL(mrg(t, &b, &a, &b), 1);
    CU_ASSERT(same(&b, &m));

    /* A remove of an observed add removes it everywhere it is merged. */
    fresh(t, &a);
    fresh(t, &b);
    upd(t, &a, 1, 0, GB_ORSET_ADD(5));
    upd(t, &a, 1, 0, GB_ORSET_ADD(6));
    mrg(t, &b, &a, &b);
    upd(t, &b, 2, 0, GB_ORSET_REMOVE(5));
    CU_ASSERT_EQUAL(mrg(t, &a, &b, &a), 0); /* b is after a: no conflict */
    CU_ASSERT_EQUAL(gb_orset_contains(a.p, a.len, 5), 0);
    CU_ASSERT_EQUAL(gb_orset_contains(a.p, a.len, 6), 1);
    CU_ASSERT(same(&a, &b));
    /* ... and no tombstone stays: the state is the vector plus one live tag. */
    CU_ASSERT_EQUAL(a.len, 4 + 2 * 12 + 4 + 20);

    /* Removing an element not yet seen does nothing to a concurrent add. */
    fresh(t, &a);
    fresh(t, &b);
    upd(t, &a, 1, 0, GB_ORSET_ADD(3));
    upd(t, &b, 2, 0, GB_ORSET_REMOVE(3));
    mrg(t, &a, &b, &m);
    CU_ASSERT_EQUAL(gb_orset_contains(m.p, m.len, 3), 1);

    /* Re-adding after a remove; the elements come out sorted and distinct; the largest
     * element fits. */
    upd(t, &m, 2, 0, GB_ORSET_REMOVE(3));
    CU_ASSERT_EQUAL(gb_orset_contains(m.p, m.len, 3), 0);
    upd(t, &m, 1, 0, GB_ORSET_ADD(3));
    upd(t, &m, 2, 0, GB_ORSET_ADD(3));
    upd(t, &m, 2, 0, GB_ORSET_ADD(GB_ORSET_ELEM_MAX));
    upd(t, &m, 1, 0, GB_ORSET_ADD(0));
    uint64_t el[4];
    uint32_t n = 0;
    CU_ASSERT_EQUAL(gb_orset_elements(m.p, m.len, el, 4, &n), 0);
    CU_ASSERT_EQUAL_FATAL(n, 3);
    CU_ASSERT(el[0] == 0 && el[1] == 3 && el[2] == GB_ORSET_ELEM_MAX);
    CU_ASSERT_EQUAL(gb_orset_elements(m.p, m.len, NULL, 0, &n), 0);
    CU_ASSERT_EQUAL(n, 3);
    char buf[160];
    CU_ASSERT_EQUAL(t->describe(m.p, m.len, buf, sizeof buf), 0);
    CU_ASSERT(strncmp(buf, "{0, 3, 9223372036854775807} tags=4", 34) == 0);
    CU_ASSERT(t->has_update(m.p, m.len, 2, 4) == 1 && t->has_update(m.p, m.len, 2, 5) == 0);

    gb_bytes_free(&a);
    gb_bytes_free(&b);
    gb_bytes_free(&m);
}

static void mv_case(const gb_crdt_ops *t)
{
    gb_bytes a = GB_BYTES_INIT, b = GB_BYTES_INIT, m = GB_BYTES_INIT;
    uint64_t v[4];
    uint32_t n = 0;
    fresh(t, &a);
    fresh(t, &b);
    CU_ASSERT_EQUAL(gb_mvreg_values(t, a.p, a.len, v, 4, &n), 0);
    CU_ASSERT_EQUAL(n, 0);
    upd(t, &a, 1, 0, 10);
    upd(t, &a, 1, 0, 11); /* overwrites 10 */
    upd(t, &b, 2, 0, 20);
    CU_ASSERT_EQUAL(gb_mvreg_values(t, a.p, a.len, v, 4, &n), 0);
    CU_ASSERT(n == 1 && v[0] == 11);
    /* Concurrent writes: both kept, flagged as a conflict. */
    CU_ASSERT_EQUAL(mrg(t, &a, &b, &m), 1);
    CU_ASSERT_EQUAL(gb_mvreg_values(t, m.p, m.len, v, 4, &n), 0);
    CU_ASSERT_EQUAL_FATAL(n, 2);
    qsort(v, 2, sizeof *v, cmp_u64);
    CU_ASSERT(v[0] == 11 && v[1] == 20);
    CU_ASSERT_EQUAL(t->dominates(m.p, m.len, a.p, a.len), 1);
    CU_ASSERT_EQUAL(t->dominates(a.p, a.len, m.p, m.len), 0);
    /* A write that has seen both collapses them, and old states stay beneath it. */
    upd(t, &m, 3, 0, 30);
    CU_ASSERT_EQUAL(gb_mvreg_values(t, m.p, m.len, v, 4, &n), 0);
    CU_ASSERT(n == 1 && v[0] == 30);
    CU_ASSERT_EQUAL(mrg(t, &m, &b, &b), 0);
    CU_ASSERT(same(&b, &m));
    CU_ASSERT_EQUAL(mrg(t, &a, &m, &a), 0);
    CU_ASSERT(same(&a, &m));
    CU_ASSERT(t->has_update(m.p, m.len, 1, 2) == 1 && t->has_update(m.p, m.len, 1, 3) == 0);
    CU_ASSERT(t->has_update(m.p, m.len, 3, 1) == 1);
    /* The values accessor refuses the other types. */
    CU_ASSERT_EQUAL(gb_mvreg_values(&gb_crdt_orset, m.p, m.len, v, 4, &n), GB_EINVAL);
    gb_bytes_free(&a);
    gb_bytes_free(&b);
    gb_bytes_free(&m);
}

static void test_mv_register(void)
{
    mv_case(gb_crdt_find("mv-register"));
    mv_case(gb_crdt_find("mv-register-dvv"));
    /* The DVV register's sibling clocks are dots with their pasts. */
    const gb_crdt_ops *t = &gb_crdt_mv_register_dvv;
    gb_bytes a = GB_BYTES_INIT, b = GB_BYTES_INIT, m = GB_BYTES_INIT;
    char buf[128];
    fresh(t, &a);
    fresh(t, &b);
    upd(t, &a, 1, 0, 10);
    upd(t, &b, 2, 0, 20);
    mrg(t, &a, &b, &m);
    CU_ASSERT_EQUAL(t->describe(m.p, m.len, buf, sizeof buf), 0);
    CU_ASSERT_STRING_EQUAL(buf, "[10 (1,1){}, 20 (2,1){}]");
    upd(t, &m, 1, 0, 11);
    CU_ASSERT_EQUAL(t->describe(m.p, m.len, buf, sizeof buf), 0);
    CU_ASSERT_STRING_EQUAL(buf, "[11 (1,2){1:1, 2:1}]");
    gb_bytes_free(&a);
    gb_bytes_free(&b);
    gb_bytes_free(&m);
}

static void lww_value(const gb_bytes *s, uint64_t *val, uint64_t *stamp, uint32_t *node)
{
    const uint8_t *p = NULL;
    uint32_t len = 0;
    CU_ASSERT_EQUAL_FATAL(gb_lww_get(s->p, s->len, &p, &len, stamp, node), 1);
    CU_ASSERT_EQUAL_FATAL(len, 8);
    *val = 0;
    for (int i = 7; i >= 0; i--)
        *val = *val << 8 | p[i];
}

static void test_lww(void)
{
    const gb_crdt_ops *reg = gb_crdt_find("lww-register"), *lww = gb_crdt_find("lww");
    CU_ASSERT_PTR_NOT_NULL_FATAL(reg);
    CU_ASSERT_PTR_NOT_NULL_FATAL(lww);
    gb_bytes a = GB_BYTES_INIT, b = GB_BYTES_INIT, m = GB_BYTES_INIT, m2 = GB_BYTES_INIT;
    uint64_t v = 0, st = 0;
    uint32_t node = 0;
    const uint8_t *p;
    uint32_t len;

    for (int k = 0; k < 2; k++) {
        const gb_crdt_ops *t = k ? lww : reg;
        /* Highest stamp wins, whichever node wrote it. */
        fresh(t, &a);
        fresh(t, &b);
        CU_ASSERT_EQUAL(gb_lww_get(a.p, a.len, &p, &len, &st, &node), 0);
        upd(t, &a, 2, 7, 10);
        upd(t, &b, 1, 5, 20);
        CU_ASSERT_EQUAL(mrg(t, &a, &b, &m), 1);
        lww_value(&m, &v, &st, &node);
        CU_ASSERT(v == 10 && st == 7 && node == 2);
        /* Equal stamps: the higher node id wins (not the higher value). */
        fresh(t, &a);
        fresh(t, &b);
        upd(t, &a, 3, 5, 1);
        upd(t, &b, 2, 5, 99);
        CU_ASSERT_EQUAL(mrg(t, &b, &a, &m), 1);
        lww_value(&m, &v, &st, &node);
        CU_ASSERT(v == 1 && node == 3);
        CU_ASSERT_EQUAL(mrg(t, &a, &b, &m2), 1);
        CU_ASSERT(same(&m, &m2));
    }

    /* A causally later write with a smaller stamp: the register keeps the higher stamp
     * (a wall-clock LWW loses that write), the lww policy lets the later write win. */
    fresh(reg, &a);
    upd(reg, &a, 1, 9, 10);
    copy(&b, &a);
    upd(reg, &b, 2, 3, 20);
    lww_value(&b, &v, &st, &node);
    CU_ASSERT(v == 10 && st == 9 && node == 1);
    CU_ASSERT_EQUAL(reg->has_update(b.p, b.len, 2, 1), 1); /* counted all the same */
    CU_ASSERT_EQUAL(mrg(reg, &a, &b, &m), 0);
    CU_ASSERT(same(&m, &b));
    fresh(lww, &a);
    upd(lww, &a, 1, 9, 10);
    copy(&b, &a);
    upd(lww, &b, 2, 3, 20);
    lww_value(&b, &v, &st, &node);
    CU_ASSERT(v == 20 && st == 10 && node == 2); /* Lamport: max(3, 9 + 1) */
    CU_ASSERT_EQUAL(mrg(lww, &a, &b, &m), 0);
    CU_ASSERT(same(&m, &b));
    CU_ASSERT_EQUAL(lww->dominates(b.p, b.len, a.p, a.len), 1);
    CU_ASSERT_EQUAL(lww->dominates(a.p, a.len, b.p, b.len), 0);

    /* Opaque values of any length through gb_lww_put. */
    uint8_t big[100];
    for (int i = 0; i < 100; i++)
        big[i] = (uint8_t)(i * 7);
    fresh(lww, &a);
    CU_ASSERT_EQUAL(gb_lww_put(&a, &a, 4, 1, big, sizeof big), 0);
    CU_ASSERT_EQUAL(gb_lww_get(a.p, a.len, &p, &len, &st, &node), 1);
    CU_ASSERT(len == 100 && memcmp(p, big, 100) == 0 && node == 4 && st == 1);
    CU_ASSERT_EQUAL(gb_lww_put(&a, &a, 4, 1, NULL, 0), 0); /* empty value, stamp 2 */
    CU_ASSERT_EQUAL(gb_lww_get(a.p, a.len, &p, &len, &st, &node), 1);
    CU_ASSERT(len == 0 && st == 2);
    CU_ASSERT_EQUAL(gb_lww_put(&a, &a, 4, 1, NULL, 5), GB_EINVAL);
    char buf[128];
    CU_ASSERT_EQUAL(reg->describe(m2.p, m2.len, buf, sizeof buf), 0);
    CU_ASSERT_STRING_EQUAL(buf, "1 @5 by 3 vc={2:1, 3:1}");

    gb_bytes_free(&a);
    gb_bytes_free(&b);
    gb_bytes_free(&m);
    gb_bytes_free(&m2);
}

static void test_registry(void)
{
    char err[GB_ERRLEN] = "";
    CU_ASSERT_EQUAL(gb_crdt_registry_check(err), 0);
    static const char *const names[] = {"lww",         "gcounter",        "pncounter",
                                        "lww-register", "mv-register",    "mv-register-dvv",
                                        "orset"};
    for (size_t i = 0; i < GB_ARRAY_LEN(names); i++) {
        const gb_crdt_ops *t = gb_crdt_find(names[i]);
        CU_ASSERT_PTR_NOT_NULL_FATAL(t);
        CU_ASSERT_STRING_EQUAL(t->name, names[i]);
        /* The bottom state is valid, dominated by everything, and has no updates. */
        gb_bytes b = GB_BYTES_INIT;
        fresh(t, &b);
        CU_ASSERT_EQUAL(t->check(b.p, b.len), 0);
        CU_ASSERT_EQUAL(t->has_update(b.p, b.len, 0, 1), 0);
        CU_ASSERT_EQUAL(t->dominates(b.p, b.len, b.p, b.len), 1);
        gb_bytes_free(&b);
    }
    CU_ASSERT_PTR_NULL(gb_crdt_find("nosuch"));
    CU_ASSERT_PTR_NULL(gb_crdt_find(NULL));
}

/* ------------------------------------------------------------------ canonical form */

/* Exchange the byte ranges [i, i + n) and [j, j + m) (i + n <= j) of b. */
static void swap_ranges(gb_bytes *b, uint32_t i, uint32_t n, uint32_t j, uint32_t m)
{
    gb_bytes t = GB_BYTES_INIT;
    CU_ASSERT_EQUAL_FATAL(gb_bytes_append(&t, b->p, i), 0);
    CU_ASSERT_EQUAL_FATAL(gb_bytes_append(&t, b->p + j, m), 0);
    CU_ASSERT_EQUAL_FATAL(gb_bytes_append(&t, b->p + i + n, j - i - n), 0);
    CU_ASSERT_EQUAL_FATAL(gb_bytes_append(&t, b->p + i, n), 0);
    CU_ASSERT_EQUAL_FATAL(gb_bytes_append(&t, b->p + j + m, b->len - j - m), 0);
    gb_bytes_swap(&t, b);
    gb_bytes_free(&t);
}

/* The same content in another order, duplicated, or carrying redundant entries is not
 * the canonical blob: check() refuses it, so byte equality stays semantic equality. */
static void test_noncanonical(void)
{
    gb_bytes a = GB_BYTES_INIT, b = GB_BYTES_INIT, m = GB_BYTES_INIT, x = GB_BYTES_INIT;
    uint32_t l1 = 0, l2 = 0;

    /* Counters: two records swapped. */
    const gb_crdt_ops *cs[] = {&gb_crdt_gcounter, &gb_crdt_pncounter};
    for (int k = 0; k < 2; k++) {
        fresh(cs[k], &m);
        upd(cs[k], &m, 1, 0, 2);
        upd(cs[k], &m, 2, 0, 3);
        uint32_t rec = (m.len - 4) / 2;
        copy(&x, &m);
        swap_ranges(&x, 4, rec, 4 + rec, rec);
        CU_ASSERT_EQUAL(cs[k]->check(m.p, m.len), 0);
        CU_ASSERT_EQUAL(cs[k]->check(x.p, x.len), GB_EINVAL);
        copy(&x, &m);
        memset(x.p + 4 + 4, 0, 8); /* zero update count */
        CU_ASSERT_EQUAL(cs[k]->check(x.p, x.len), GB_EINVAL);
    }

    /* LWW: a winner that the clock does not count. */
    fresh(&gb_crdt_lww, &m);
    upd(&gb_crdt_lww, &m, 1, 0, 2);
    CU_ASSERT_EQUAL(gb_crdt_lww.check(m.p, m.len), 0);
    copy(&x, &m);
    x.p[16 + 8] = 2; /* payload node 1 -> 2 */
    CU_ASSERT_EQUAL(gb_crdt_lww.check(x.p, x.len), GB_EINVAL);

    /* OR-Set: two tags swapped; a tag beyond the clock. */
    fresh(&gb_crdt_orset, &m);
    upd(&gb_crdt_orset, &m, 1, 0, GB_ORSET_ADD(1));
    upd(&gb_crdt_orset, &m, 1, 0, GB_ORSET_ADD(2));
    CU_ASSERT_EQUAL(gb_crdt_orset.check(m.p, m.len), 0);
    copy(&x, &m);
    swap_ranges(&x, x.len - 40, 20, x.len - 20, 20);
    CU_ASSERT_EQUAL(gb_crdt_orset.check(x.p, x.len), GB_EINVAL);
    copy(&x, &m);
    x.p[x.len - 8] = 9; /* counter of the last tag: 2 -> 9 > clock */
    CU_ASSERT_EQUAL(gb_crdt_orset.check(x.p, x.len), GB_EINVAL);

    /* Multi-value registers: siblings swapped, duplicated, or one obsolete. */
    const gb_crdt_ops *ms[] = {&gb_crdt_mv_register, &gb_crdt_mv_register_dvv};
    for (int k = 0; k < 2; k++) {
        const gb_crdt_ops *t = ms[k];
        fresh(t, &a);
        fresh(t, &b);
        upd(t, &a, 1, 0, 10);
        upd(t, &b, 2, 0, 20);
        mrg(t, &a, &b, &m);
        CU_ASSERT_EQUAL_FATAL(t->check(m.p, m.len), 0);
        /* sibling lengths: a's and b's states are count + one sibling */
        l1 = a.len - 4;
        l2 = b.len - 4;
        CU_ASSERT_EQUAL_FATAL(m.len, 4 + l1 + l2);
        copy(&x, &m);
        swap_ranges(&x, 4, l1, 4 + l1, l2);
        CU_ASSERT_EQUAL(t->check(x.p, x.len), GB_EINVAL);
        copy(&x, &a);
        x.p[0] = 2;
        CU_ASSERT_EQUAL_FATAL(gb_bytes_append(&x, a.p + 4, l1), 0);
        CU_ASSERT_EQUAL(t->check(x.p, x.len), GB_EINVAL); /* duplicate */
        /* b's next write has seen its first one. In canonical order the first write
         * comes first for both encodings (clock {2:1} < {2:2}, dot (2,1) < (2,2)), so the
         * only defect of x is the obsolete sibling. */
        upd(t, &b, 2, 0, 21);
        gb_bytes_clear(&x);
        put32(&x, 2);
        CU_ASSERT_EQUAL_FATAL(gb_bytes_append(&x, m.p + 4 + l1, l2), 0);
        CU_ASSERT_EQUAL_FATAL(gb_bytes_append(&x, b.p + 4, b.len - 4), 0);
        CU_ASSERT_EQUAL(t->check(x.p, x.len), GB_EINVAL);
        swap_ranges(&x, 4, l2, 4 + l2, b.len - 4);
        CU_ASSERT_EQUAL(t->check(x.p, x.len), GB_EINVAL);
    }
    gb_bytes_free(&a);
    gb_bytes_free(&b);
    gb_bytes_free(&m);
    gb_bytes_free(&x);
}

/* ------------------------------------------------------------------ robustness */

/* Every entry point on blob x: must return a documented code, never crash. If x is
 * accepted as a state, it must behave like one (idempotent, commutative with v). */
static unsigned poke(const gb_crdt_ops *t, const gb_bytes *x, const gb_bytes *v, int must_fail)
{
    unsigned bad = 0;
    gb_bytes o = GB_BYTES_INIT, o2 = GB_BYTES_INIT;
    char buf[48];
    int conflict = 7;
    int ck = t->check(x->p, x->len);
    bad += ck != 0 && ck != GB_EINVAL;
    if (must_fail)
        bad += ck != GB_EINVAL;
    int rcs[] = {
        t->merge(x->p, x->len, v->p, v->len, &o, &conflict),
        t->merge(v->p, v->len, x->p, x->len, &o, &conflict),
        t->has_update(x->p, x->len, 3, 1),
        t->describe(x->p, x->len, buf, sizeof buf),
        t->clock(x->p, x->len, &o),
        t->dominates(x->p, x->len, v->p, v->len),
        t->dominates(v->p, v->len, x->p, x->len),
        t->update(x, &o, 3, 1, 4),
    };
    for (size_t i = 0; i < GB_ARRAY_LEN(rcs); i++) {
        if (ck != 0)
            bad += rcs[i] != GB_EINVAL;
        else if (i + 1 == GB_ARRAY_LEN(rcs)) /* update of a valid state may overflow */
            bad += rcs[i] < 0 && rcs[i] != GB_EINVAL;
        else
            bad += rcs[i] < 0;
    }
    if (ck != 0)
        bad += conflict != 7; /* untouched on error */
    if (ck == 0) {
        bad += t->merge(x->p, x->len, x->p, x->len, &o, NULL) != 0 || !same(&o, x);
        bad += t->merge(x->p, x->len, v->p, v->len, &o, NULL) != 0;
        bad += t->merge(v->p, v->len, x->p, x->len, &o2, NULL) != 0 || !same(&o, &o2);
    }
    gb_bytes_free(&o);
    gb_bytes_free(&o2);
    return bad;
}

static void test_garbage(void)
{
    for (uint32_t ti = 0; gb_crdt_table[ti] != NULL; ti++) {
        const gb_crdt_ops *t = gb_crdt_table[ti];
        hist *h = calloc(1, sizeof *h);
        CU_ASSERT_PTR_NOT_NULL_FATAL(h);
        run_history(h, t, 200 + ti, 0, 40);
        gb_rng g;
        gb_rng_init(&g, SEED, 200 + ti, 0, 3, GB_RNG_TEST);
        gb_bytes x = GB_BYTES_INIT;
        const gb_bytes *v = &h->pool[h->npool - 1];
        unsigned bad = 0, accepted = 0, runs = 0;
        /* Every strict prefix of a few valid states is rejected. */
        for (uint32_t k = 0; k < 4; k++) {
            const gb_bytes *s = &h->pool[gb_rng_below(&g, h->npool)];
            for (uint32_t cut = 0; cut < s->len; cut++) {
                CU_ASSERT_EQUAL_FATAL(gb_bytes_set(&x, s->p, cut), 0);
                bad += poke(t, &x, v, 1);
                runs++;
            }
            /* ... and so is a state with a byte appended. */
            CU_ASSERT_EQUAL_FATAL(gb_bytes_set(&x, s->p, s->len), 0);
            CU_ASSERT_EQUAL_FATAL(gb_bytes_append(&x, "", 1), 0);
            bad += poke(t, &x, v, 1);
        }
        /* Valid states with a few bytes flipped or set to extremes. */
        for (uint32_t k = 0; k < 400; k++) {
            const gb_bytes *s = &h->pool[gb_rng_below(&g, h->npool)];
            CU_ASSERT_EQUAL_FATAL(gb_bytes_set(&x, s->p, s->len), 0);
            uint32_t flips = 1 + (uint32_t)gb_rng_below(&g, 3);
            for (uint32_t f = 0; f < flips && x.len > 0; f++) {
                uint32_t at = (uint32_t)gb_rng_below(&g, x.len);
                uint64_t how = gb_rng_below(&g, 3);
                x.p[at] = how == 0 ? 0xff : how == 1 ? 0 : (uint8_t)gb_rng_next(&g);
            }
            bad += poke(t, &x, v, 0);
            accepted += t->check(x.p, x.len) == 0;
            runs++;
        }
        /* Random bytes of random lengths, and huge counts at the front. */
        for (uint32_t k = 0; k < 400; k++) {
            uint32_t len = (uint32_t)gb_rng_below(&g, 160);
            gb_bytes_clear(&x);
            for (uint32_t i = 0; i < len; i++) {
                uint8_t c = (uint8_t)gb_rng_next(&g);
                CU_ASSERT_EQUAL_FATAL(gb_bytes_append(&x, &c, 1), 0);
            }
            if (k % 4 == 0 && x.len >= 4)
                memset(x.p, 0xff, 4);
            bad += poke(t, &x, v, 0);
            runs++;
        }
        gb_bytes_clear(&x);
        bad += poke(t, &x, v, 1); /* empty blob */
        CU_ASSERT_EQUAL(bad, 0);
        if (bad)
            fprintf(stderr, "\n  %s: %u bad answers in %u runs\n", t->name, bad, runs);
        (void)accepted;
        gb_bytes_free(&x);
        hist_free(h);
        free(h);
    }
    /* The clock layer on random bytes. */
    gb_rng g;
    gb_rng_init(&g, SEED, 300, 0, 0, GB_RNG_TEST);
    gb_bytes x = GB_BYTES_INIT, y = GB_BYTES_INIT, o = GB_BYTES_INIT;
    unsigned bad = 0;
    CU_ASSERT_EQUAL_FATAL(gb_vc_init(&y), 0);
    for (uint32_t k = 0; k < 2000; k++) {
        uint32_t len = (uint32_t)gb_rng_below(&g, 64);
        gb_bytes_clear(&x);
        for (uint32_t i = 0; i < len; i++) {
            uint8_t c = (uint8_t)gb_rng_below(&g, 4); /* small bytes: more valid prefixes */
            CU_ASSERT_EQUAL_FATAL(gb_bytes_append(&x, &c, 1), 0);
        }
        uint64_t c;
        uint32_t n;
        const uint8_t *pp;
        int rc[] = {gb_vc_check(x.p, x.len),
                    gb_vc_compare(x.p, x.len, y.p, y.len),
                    gb_vc_join(x.p, x.len, y.p, y.len, &o),
                    gb_vc_get(x.p, x.len, 1, &c),
                    gb_vc_increment(x.p, x.len, 1, &o),
                    gb_vc_span(x.p, x.len, &n),
                    gb_dvv_check(x.p, x.len),
                    gb_dvv_span(x.p, x.len, &n),
                    gb_dvv_contains(x.p, x.len, 1, 1),
                    gb_dvv_compare(x.p, x.len, x.p, x.len),
                    gb_dvv_join(x.p, x.len, x.p, x.len, &o),
                    gb_dvv_parts(x.p, x.len, &n, &c, &pp, &n),
                    gb_dvvset_check(x.p, x.len),
                    gb_dvv_sync(x.p, x.len, x.p, x.len, &o)};
        for (size_t i = 0; i < GB_ARRAY_LEN(rc); i++)
            bad += rc[i] < GB_EINVAL || rc[i] > GB_VC_CONCURRENT;
    }
    CU_ASSERT_EQUAL(bad, 0);
    gb_bytes_free(&x);
    gb_bytes_free(&y);
    gb_bytes_free(&o);
}

int gb_test_register_crdt(void)
{
    CU_pSuite s = CU_add_suite("crdt", NULL, NULL);
    if (s == NULL)
        return CU_get_error();
    if (CU_add_test(s, "byte buffers", test_bytes) == NULL ||
        CU_add_test(s, "blob hash: XXH64 known answers, keyed", test_hash) == NULL ||
        CU_add_test(s, "vector clocks: compare, join, increment, malformed", test_vc_compare) ==
            NULL ||
        CU_add_test(s, "dotted version vectors: new, compare, join, sync", test_dvv) == NULL ||
        CU_add_test(s, "registry: names, callbacks, bottom states", test_registry) == NULL ||
        CU_add_test(s, "join laws on random histories, every type", test_laws) == NULL ||
        CU_add_test(s, "convergence under any merge order, every type", test_convergence) ==
            NULL ||
        CU_add_test(s, "gcounter and pncounter values", test_counters) == NULL ||
        CU_add_test(s, "orset: add wins, observed remove, no tombstones", test_orset) == NULL ||
        CU_add_test(s, "mv-register: siblings and collapse (VV and DVV)", test_mv_register) ==
            NULL ||
        CU_add_test(s, "lww and lww-register: stamps, tie-break, causality", test_lww) ==
            NULL ||
        CU_add_test(s, "non-canonical encodings are refused", test_noncanonical) == NULL ||
        CU_add_test(s, "garbage, truncated and mutated blobs", test_garbage) == NULL)
        return CU_get_error();
    return CUE_SUCCESS;
}
