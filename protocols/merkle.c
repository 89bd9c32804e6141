/* merkle.c: Merkle trees over key ranges (merkle.h).
 *
 * Levels are stored one after the other in one array, the root first, so the children of
 * node i at level l are the nodes i*fanout .. i*fanout+fanout-1 at level l+1. Leaves keep a
 * running sum of their keys' digests, which makes an update one addition and one
 * subtraction; internal hashes are recomputed lazily: an update marks its ancestors stale
 * (stopping at the first one already stale, whose ancestors are stale too), and a read
 * recomputes a stale node from its children. The trees of a replica see many updates
 * between two comparisons, so this does the hashing once per comparison rather than once
 * per update.
 */
#include "merkle.h"

#include <stdlib.h>
#include <string.h>

/* xxHash64's primes and round: a fast hash of the children's hashes with full avalanche;
 * the digests it combines are already well mixed, so this only needs to be sensitive to
 * every bit and to the order of the children. */
#define P1 0x9E3779B185EBCA87ull
#define P2 0xC2B2AE3D27D4EB4Full
#define P3 0x165667B19E3779F9ull

static inline uint64_t rotl64(uint64_t x, int r)
{
    return (x << r) | (x >> (64 - r));
}

static uint64_t combine(const uint64_t *h, uint32_t n)
{
    uint64_t acc = P3 + (uint64_t)n * 8u;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t k = rotl64(h[i] * P2, 31) * P1;
        acc = rotl64(acc ^ k, 27) * P1 + P3;
    }
    acc ^= acc >> 33;
    acc *= P2;
    acc ^= acc >> 29;
    acc *= P3;
    acc ^= acc >> 32;
    return acc;
}

uint64_t gb_merkle_node_count(uint32_t fanout, uint32_t depth)
{
    if (depth > GB_MERKLE_MAX_DEPTH)
        return 0;
    if (depth == 0)
        return 1;
    if (fanout < 2 || fanout > GB_MERKLE_MAX_FANOUT)
        return 0;
    uint64_t level = 1, total = 1;
    for (uint32_t l = 1; l <= depth; l++) {
        level *= fanout;
        if (level > GB_MERKLE_MAX_LEAVES)
            return 0;
        total += level;
    }
    return total;
}

uint64_t gb_merkle_bytes(uint32_t fanout, uint32_t depth)
{
    return gb_merkle_node_count(fanout, depth) * (sizeof(uint64_t) + 1u);
}

uint32_t gb_merkle_auto_depth(uint64_t keys, uint32_t fanout, uint64_t per_leaf)
{
    if (per_leaf == 0)
        per_leaf = 1;
    uint32_t d = 0;
    uint64_t leaves = 1;
    while (leaves * per_leaf < keys && gb_merkle_node_count(fanout, d + 1) != 0) {
        leaves *= fanout;
        d++;
    }
    return d;
}

void gb_merkle_free(gb_merkle *t)
{
    free(t->hash);
    free(t->stale);
    memset(t, 0, sizeof *t);
}

int gb_merkle_init(gb_merkle *t, uint64_t keys, uint32_t fanout, uint32_t depth)
{
    memset(t, 0, sizeof *t);
    uint64_t total = gb_merkle_node_count(fanout, depth);
    if (total == 0 || keys == 0 || keys > GB_MERKLE_MAX_KEYS)
        return GB_EINVAL;
    t->keys = keys;
    t->fanout = depth == 0 ? (fanout < 2 ? 2 : fanout) : fanout;
    t->depth = depth;
    uint64_t size = 1;
    t->off[0] = 0;
    for (uint32_t l = 0; l <= depth; l++) {
        t->off[l + 1] = t->off[l] + size;
        if (l < depth)
            size *= t->fanout;
    }
    t->leaves = size;
    t->hash = calloc(total, sizeof *t->hash);
    t->stale = calloc(total, 1);
    if (t->hash == NULL || t->stale == NULL) {
        gb_merkle_free(t);
        return GB_ENOMEM;
    }
    /* All digests 0: every leaf sums to 0, and the internal hashes follow. */
    for (uint64_t i = 0; i < t->off[depth]; i++)
        t->stale[i] = 1;
    return 0;
}

uint64_t gb_merkle_level_size(const gb_merkle *t, uint32_t level)
{
    if (level > t->depth)
        return 0;
    return t->off[level + 1] - t->off[level];
}

uint64_t gb_merkle_leaf_of(const gb_merkle *t, uint64_t key)
{
    return key * t->leaves / t->keys;
}

void gb_merkle_leaf_range(const gb_merkle *t, uint64_t leaf, uint64_t *lo, uint64_t *hi)
{
    /* ceil(b*K/L): k is in leaf b iff b*K <= k*L < (b+1)*K. */
    *lo = (leaf * t->keys + t->leaves - 1) / t->leaves;
    *hi = ((leaf + 1) * t->keys + t->leaves - 1) / t->leaves;
    if (*hi > t->keys)
        *hi = t->keys;
    if (*lo > *hi)
        *lo = *hi;
}

void gb_merkle_build(gb_merkle *t, const uint64_t *h)
{
    uint64_t *leaf = t->hash + t->off[t->depth];
    memset(leaf, 0, t->leaves * sizeof *leaf);
    for (uint64_t k = 0; k < t->keys; k++)
        leaf[gb_merkle_leaf_of(t, k)] += h[k];
    for (uint64_t i = 0; i < t->off[t->depth]; i++)
        t->stale[i] = 1;
}

void gb_merkle_update(gb_merkle *t, uint64_t key, uint64_t old_h, uint64_t new_h)
{
    if (key >= t->keys || old_h == new_h)
        return;
    uint64_t i = gb_merkle_leaf_of(t, key);
    t->hash[t->off[t->depth] + i] += new_h - old_h;
    for (uint32_t l = t->depth; l > 0; l--) {
        i /= t->fanout;
        uint8_t *s = &t->stale[t->off[l - 1] + i];
        if (*s)
            break;
        *s = 1;
    }
}

static uint64_t node_hash(gb_merkle *t, uint32_t level, uint64_t index)
{
    uint64_t at = t->off[level] + index;
    if (level < t->depth && t->stale[at]) {
        uint64_t ch[GB_MERKLE_MAX_FANOUT];
        for (uint32_t c = 0; c < t->fanout; c++)
            ch[c] = node_hash(t, level + 1, index * t->fanout + c);
        t->hash[at] = combine(ch, t->fanout);
        t->stale[at] = 0;
    }
    return t->hash[at];
}

uint64_t gb_merkle_hash(gb_merkle *t, uint32_t level, uint64_t index)
{
    if (level > t->depth || index >= gb_merkle_level_size(t, level))
        return 0;
    return node_hash(t, level, index);
}

void gb_merkle_children(gb_merkle *t, uint32_t level, uint64_t parent, uint64_t *out)
{
    for (uint32_t c = 0; c < t->fanout; c++)
        out[c] = gb_merkle_hash(t, level + 1, parent * t->fanout + c);
}

size_t gb_merkle_compare(gb_merkle *t, uint32_t level, const uint64_t *idx,
                         const uint64_t *theirs, size_t n, uint64_t *out)
{
    uint64_t size = gb_merkle_level_size(t, level);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t x = idx[i];
        if (x >= size || gb_merkle_hash(t, level, x) != theirs[i])
            out[m++] = x;
    }
    return m;
}

uint64_t gb_merkle_hashes_bytes(uint32_t fanout, uint32_t level, uint64_t count)
{
    if (level == 0)
        return GB_MERKLE_HASHES_HEADER + 8u;
    return GB_MERKLE_HASHES_HEADER + count * (4u + 8u * (uint64_t)fanout);
}

uint64_t gb_merkle_digests_bytes(uint64_t count)
{
    return GB_MERKLE_DIGESTS_HEADER + GB_MERKLE_DIGEST_ENTRY * count;
}

/* Grow *p to hold at least n entries. */
static int grow(uint64_t **p, uint64_t *cap, uint64_t n)
{
    if (n <= *cap)
        return 0;
    uint64_t c = *cap ? *cap : 16;
    while (c < n)
        c *= 2;
    uint64_t *q = realloc(*p, c * sizeof *q);
    if (q == NULL)
        return GB_ENOMEM;
    *p = q;
    *cap = c;
    return 0;
}

int gb_merkle_diff(gb_merkle *a, const uint64_t *ha, gb_merkle *b, const uint64_t *hb,
                   uint64_t **keys, uint64_t *nkeys, gb_merkle_diff_stats *st)
{
    gb_merkle_diff_stats dummy;
    if (st == NULL)
        st = &dummy;
    memset(st, 0, sizeof *st);
    *keys = NULL;
    *nkeys = 0;
    if (a->keys != b->keys || a->fanout != b->fanout || a->depth != b->depth)
        return GB_EINVAL;
    gb_merkle *side[2] = {a, b};
    const uint64_t *dig[2] = {ha, hb};
    const uint32_t f = a->fanout;
    /* idx[0..n): the nodes whose hashes were just sent, theirs[]: those hashes. */
    uint64_t *idx = NULL, *theirs = NULL, *parents = NULL, *out = NULL;
    uint64_t cap_i = 0, cap_t = 0, cap_p = 0;
    int rc = GB_ENOMEM;
    if (grow(&idx, &cap_i, 1) < 0 || grow(&theirs, &cap_t, 1) < 0)
        goto done;
    /* A sends its root; the receiver is side 1. */
    idx[0] = 0;
    theirs[0] = gb_merkle_hash(a, 0, 0);
    uint64_t n = 1;
    int recv = 1;
    st->messages = st->levels = 1;
    st->hashes_sent = 1;
    st->hash_bytes = gb_merkle_hashes_bytes(f, 0, 1);
    for (uint32_t level = 0;; level++) {
        /* The receiver keeps the nodes that differ (in place). */
        n = gb_merkle_compare(side[recv], level, idx, theirs, n, idx);
        if (n == 0) {
            rc = 0;
            goto done;
        }
        if (level == a->depth)
            break;
        /* ... and answers with its hashes of their children. */
        uint64_t m = n * f;
        if (grow(&parents, &cap_p, n) < 0 || grow(&idx, &cap_i, m) < 0 ||
            grow(&theirs, &cap_t, m) < 0)
            goto done;
        memcpy(parents, idx, n * sizeof *parents);
        for (uint64_t i = 0; i < n; i++) {
            gb_merkle_children(side[recv], level, parents[i], theirs + i * f);
            for (uint32_t c = 0; c < f; c++)
                idx[i * f + c] = parents[i] * f + c;
        }
        st->messages++;
        st->levels++;
        st->hashes_sent += m;
        st->hash_bytes += gb_merkle_hashes_bytes(f, level + 1, n);
        n = m;
        recv ^= 1;
    }
    /* idx[0..n): the differing leaves, known to side `recv`, which sends the digests of
     * their keys; the other side keeps the keys whose digests differ. */
    st->leaves_differing = n;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t lo, hi;
        gb_merkle_leaf_range(a, idx[i], &lo, &hi);
        st->keys_in_leaves += hi - lo;
    }
    st->messages++;
    st->digest_bytes = gb_merkle_digests_bytes(st->keys_in_leaves);
    uint64_t m = 0, cap_o = 0;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t lo, hi;
        gb_merkle_leaf_range(a, idx[i], &lo, &hi);
        for (uint64_t k = lo; k < hi; k++) {
            if (dig[recv][k] == dig[recv ^ 1][k])
                continue;
            if (grow(&out, &cap_o, m + 1) < 0)
                goto done;
            out[m++] = k;
        }
    }
    *keys = out;
    *nkeys = m;
    out = NULL;
    rc = 0;
done:
    free(idx);
    free(theirs);
    free(parents);
    free(out);
    return rc;
}
