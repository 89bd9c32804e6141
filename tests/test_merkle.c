/* test_merkle.c: Merkle trees over key ranges (protocols/merkle.h).
 *
 * Replicas are arrays of per-key digests (the tree never sees values, only their 64-bit
 * digests), drawn from gb_rng; a second replica differs from the first in a random set of
 * keys. The descent must find exactly the keys a direct comparison finds, for every shape
 * from a single leaf to many levels and K from 1 to 10^5, and what it sends must grow with
 * the number of differences, not with K. */
#include <stdlib.h>
#include <string.h>
#include <CUnit/CUnit.h>

#include "gb_rng.h"
#include "merkle.h"
#include "tests.h"

/* A replica of K digests, and a copy with `d` random keys changed (d <= K, distinct). */
static void make_pair(uint64_t K, uint64_t d, uint64_t seed, uint64_t *a, uint64_t *b)
{
    gb_rng r;
    gb_rng_init(&r, seed, 0, 0, 0, GB_RNG_TEST);
    for (uint64_t k = 0; k < K; k++)
        a[k] = b[k] = gb_rng_next(&r);
    /* Floyd's sampling of d distinct keys. */
    for (uint64_t j = K - d; j < K; j++) {
        uint64_t x = gb_rng_below(&r, j + 1);
        if (a[x] != b[x])
            x = j;
        b[x] = a[x] ^ (gb_rng_next(&r) | 1u);
    }
}

static uint64_t direct_diff(uint64_t K, const uint64_t *a, const uint64_t *b, uint64_t *out)
{
    uint64_t m = 0;
    for (uint64_t k = 0; k < K; k++)
        if (a[k] != b[k])
            out[m++] = k;
    return m;
}

/* Builds both trees (one from scratch, one by incremental updates from all-zero digests),
 * runs the descent both ways and compares with the direct diff. Returns the stats of a->b. */
static void check_shape(uint64_t K, uint32_t f, uint32_t depth, uint64_t d, uint64_t seed,
                        gb_merkle_diff_stats *out_st)
{
    uint64_t *a = malloc(K * sizeof *a), *b = malloc(K * sizeof *b);
    uint64_t *want = malloc(K * sizeof *want);
    CU_ASSERT_FATAL(a != NULL && b != NULL && want != NULL);
    make_pair(K, d, seed, a, b);
    uint64_t nwant = direct_diff(K, a, b, want);
    CU_ASSERT_EQUAL(nwant, d);
    gb_merkle ta, tb;
    CU_ASSERT_EQUAL_FATAL(gb_merkle_init(&ta, K, f, depth), 0);
    CU_ASSERT_EQUAL_FATAL(gb_merkle_init(&tb, K, f, depth), 0);
    gb_merkle_build(&ta, a);
    for (uint64_t k = 0; k < K; k++)
        gb_merkle_update(&tb, k, 0, b[k]);
    for (int dir = 0; dir < 2; dir++) {
        uint64_t *keys = NULL, nkeys = 0;
        gb_merkle_diff_stats st;
        int rc = dir == 0 ? gb_merkle_diff(&ta, a, &tb, b, &keys, &nkeys, &st)
                          : gb_merkle_diff(&tb, b, &ta, a, &keys, &nkeys, &st);
        CU_ASSERT_EQUAL(rc, 0);
        CU_ASSERT_EQUAL(nkeys, nwant);
        if (nkeys == nwant && nwant > 0)
            CU_ASSERT_EQUAL(memcmp(keys, want, nwant * sizeof *keys), 0);
        if (d == 0) {
            CU_ASSERT_EQUAL(st.messages, 1);
            CU_ASSERT_EQUAL(st.hash_bytes, GB_MERKLE_HASHES_HEADER + 8u);
        } else {
            /* Root, every level, then the digests; the buckets cover the differing keys. */
            CU_ASSERT_EQUAL(st.levels, depth + 1);
            CU_ASSERT_EQUAL(st.messages, depth + 2);
            CU_ASSERT_TRUE(st.leaves_differing >= 1 && st.leaves_differing <= d);
            CU_ASSERT_TRUE(st.keys_in_leaves >= d);
            CU_ASSERT_EQUAL(st.digest_bytes, gb_merkle_digests_bytes(st.keys_in_leaves));
        }
        if (dir == 0 && out_st != NULL)
            *out_st = st;
        free(keys);
    }
    gb_merkle_free(&ta);
    gb_merkle_free(&tb);
    free(a);
    free(b);
    free(want);
}

static void test_merkle_shapes(void)
{
    CU_ASSERT_EQUAL(gb_merkle_node_count(2, 0), 1);
    CU_ASSERT_EQUAL(gb_merkle_node_count(4, 2), 1 + 4 + 16);
    CU_ASSERT_EQUAL(gb_merkle_node_count(1, 3), 0);
    CU_ASSERT_EQUAL(gb_merkle_node_count(2, 25), 0); /* 2^25 leaves: too many */
    CU_ASSERT_EQUAL(gb_merkle_auto_depth(1000, 4, 1), 5);
    CU_ASSERT_EQUAL(gb_merkle_auto_depth(1024, 4, 1), 5);
    CU_ASSERT_EQUAL(gb_merkle_auto_depth(1025, 4, 1), 6);
    CU_ASSERT_EQUAL(gb_merkle_auto_depth(1, 16, 1), 0);
    CU_ASSERT_EQUAL(gb_merkle_auto_depth(100000, 16, 8), 4);
    gb_merkle t;
    CU_ASSERT_EQUAL(gb_merkle_init(&t, 0, 2, 1), GB_EINVAL);
    CU_ASSERT_EQUAL(gb_merkle_init(&t, 10, 300, 1), GB_EINVAL);
    /* Leaf ranges partition [0, K) into contiguous pieces, and leaf_of agrees. */
    const uint64_t Ks[] = {1, 2, 7, 10, 64, 100, 1000};
    for (size_t i = 0; i < sizeof Ks / sizeof Ks[0]; i++) {
        CU_ASSERT_EQUAL_FATAL(gb_merkle_init(&t, Ks[i], 3, 3), 0);
        uint64_t next = 0;
        for (uint64_t leaf = 0; leaf < t.leaves; leaf++) {
            uint64_t lo, hi;
            gb_merkle_leaf_range(&t, leaf, &lo, &hi);
            CU_ASSERT_EQUAL(lo, next);
            CU_ASSERT_TRUE(hi >= lo);
            for (uint64_t k = lo; k < hi; k++)
                CU_ASSERT_EQUAL(gb_merkle_leaf_of(&t, k), leaf);
            next = hi;
        }
        CU_ASSERT_EQUAL(next, Ks[i]);
        gb_merkle_free(&t);
    }
}

/* Incremental updates give the same hashes as a rebuild, and hashes see every key. */
static void test_merkle_incremental(void)
{
    const uint64_t K = 500;
    uint64_t h[500], g[500];
    make_pair(K, 37, 5, h, g);
    gb_merkle a, b;
    CU_ASSERT_EQUAL_FATAL(gb_merkle_init(&a, K, 3, 4), 0);
    CU_ASSERT_EQUAL_FATAL(gb_merkle_init(&b, K, 3, 4), 0);
    gb_merkle_build(&a, h);
    gb_merkle_build(&b, h);
    CU_ASSERT_EQUAL(gb_merkle_hash(&a, 0, 0), gb_merkle_hash(&b, 0, 0));
    /* Change b to g key by key, reading the root in between (stale marks must reset). */
    for (uint64_t k = 0; k < K; k++) {
        gb_merkle_update(&b, k, h[k], g[k]);
        if (k % 50 == 0)
            (void)gb_merkle_hash(&b, 0, 0);
    }
    gb_merkle_build(&a, g);
    for (uint32_t l = 0; l <= 4; l++)
        for (uint64_t i = 0; i < gb_merkle_level_size(&a, l); i++)
            CU_ASSERT_EQUAL(gb_merkle_hash(&a, l, i), gb_merkle_hash(&b, l, i));
    /* Any single change moves the root; undoing it restores it. */
    uint64_t root = gb_merkle_hash(&a, 0, 0);
    for (uint64_t k = 0; k < K; k += 7) {
        gb_merkle_update(&a, k, g[k], g[k] + 1);
        CU_ASSERT_NOT_EQUAL(gb_merkle_hash(&a, 0, 0), root);
        gb_merkle_update(&a, k, g[k] + 1, g[k]);
        CU_ASSERT_EQUAL(gb_merkle_hash(&a, 0, 0), root);
    }
    /* Out-of-range reads give 0; compare treats bad indices as differing. */
    CU_ASSERT_EQUAL(gb_merkle_hash(&a, 5, 0), 0);
    CU_ASSERT_EQUAL(gb_merkle_hash(&a, 1, 3), 0);
    uint64_t idx[2] = {1, 99}, th[2] = {gb_merkle_hash(&a, 1, 1), 0}, out[2];
    CU_ASSERT_EQUAL(gb_merkle_compare(&a, 1, idx, th, 2, out), 1);
    CU_ASSERT_EQUAL(out[0], 99);
    gb_merkle_free(&a);
    gb_merkle_free(&b);
}

/* Exact differing keys for many shapes and sizes, with 0, 1, a few and many differences. */
static void test_merkle_exact(void)
{
    static const struct {
        uint64_t K;
        uint32_t f, depth;
    } shapes[] = {{1, 2, 0},    {1, 2, 3},    {2, 2, 1},     {10, 2, 0},   {10, 3, 2},
                  {100, 2, 7},  {100, 4, 2},  {1000, 4, 5},  {1000, 16, 2}, {1000, 2, 12},
                  {4096, 8, 4}, {5000, 7, 3}, {100000, 16, 4}, {100000, 4, 9}};
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        uint64_t K = shapes[i].K;
        const uint64_t ds[] = {0, 1, 3, K / 10, K};
        for (size_t j = 0; j < sizeof ds / sizeof ds[0]; j++) {
            if (ds[j] > K || (j > 0 && ds[j] == ds[j - 1]))
                continue;
            check_shape(K, shapes[i].f, shapes[i].depth, ds[j], 100 * i + j, NULL);
        }
    }
}

/* With d differences fixed, bytes for K = 10^3 and 10^5 (one key per leaf) differ only by
 * the extra levels: at most d parents per extra level, each with fanout hashes. */
static void test_merkle_bytes_scale(void)
{
    const uint32_t f = 4;
    const uint64_t d = 5;
    uint32_t d3 = gb_merkle_auto_depth(1000, f, 1), d5 = gb_merkle_auto_depth(100000, f, 1);
    CU_ASSERT_EQUAL(d3, 5);
    CU_ASSERT_EQUAL(d5, 9);
    for (uint64_t seed = 1; seed <= 4; seed++) {
        gb_merkle_diff_stats s3, s5;
        check_shape(1000, f, d3, d, seed, &s3);
        check_shape(100000, f, d5, d, seed + 10, &s5);
        uint64_t b3 = s3.hash_bytes + s3.digest_bytes, b5 = s5.hash_bytes + s5.digest_bytes;
        uint64_t extra = (uint64_t)(d5 - d3) * d * (4u + 8u * f);
        CU_ASSERT_TRUE(b5 >= b3 - 2 * d * (4u + 8u * f)); /* fewer shared parents at 10^5 */
        CU_ASSERT_TRUE(b5 <= b3 + extra + (uint64_t)d3 * d * (4u + 8u * f));
        /* Per level no more than d parents, whatever K. */
        CU_ASSERT_TRUE(s5.hash_bytes <= gb_merkle_hashes_bytes(f, 0, 1) +
                                            d5 * gb_merkle_hashes_bytes(f, 1, d));
        /* One key per leaf: the digests are exactly the differing keys. */
        CU_ASSERT_EQUAL(s3.keys_in_leaves, d);
        CU_ASSERT_EQUAL(s5.keys_in_leaves, d);
        /* Against a digest of every key: 12 bytes per key. */
        CU_ASSERT_TRUE(b5 * 100 < gb_merkle_digests_bytes(100000));
    }
    /* Bytes grow with d at fixed K. */
    gb_merkle_diff_stats s1, s50;
    check_shape(100000, f, d5, 1, 77, &s1);
    check_shape(100000, f, d5, 50, 78, &s50);
    CU_ASSERT_TRUE(s50.hash_bytes > 10 * s1.hash_bytes);
}

int gb_test_register_merkle(void)
{
    CU_pSuite s = CU_add_suite("merkle", NULL, NULL);
    if (s == NULL || CU_add_test(s, "shapes and leaf ranges", test_merkle_shapes) == NULL ||
        CU_add_test(s, "incremental updates", test_merkle_incremental) == NULL ||
        CU_add_test(s, "descent finds exactly the differing keys", test_merkle_exact) == NULL ||
        CU_add_test(s, "bytes grow with differences, not K", test_merkle_bytes_scale) == NULL)
        return CU_get_error();
    return 0;
}
