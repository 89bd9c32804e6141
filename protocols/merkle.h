/* merkle.h: Merkle trees over key ranges, for anti-entropy. Pure C, no MPI, no global state.
 *
 * A replica holds keys 0..K-1, each with a 64-bit digest (gb_blob_hash of its value in the
 * anti-entropy protocol; any 64-bit hash here). The tree has `depth` levels below the root
 * and `fanout` children per internal node, so level l (0 = root) has fanout^l nodes and the
 * leaves (level depth) are L = fanout^depth BUCKETS of contiguous key ranges:
 *   leaf(k) = floor(k * L / K),   leaf b holds the keys [ceil(b*K/L), ceil((b+1)*K/L))
 * (with L > K some leaves are empty; with L >= K every leaf holds at most one key).
 *
 * Hashes. A leaf's hash is the SUM (mod 2^64) of its keys' digests: independent of order,
 * so changing one key is O(1) at the leaf. An internal node's hash is a 64-bit hash of its
 * children's hashes in order (xxHash-style rounds and avalanche, below). Updates only mark
 * the ancestors stale; a stale hash is recomputed when it is read, so a burst of updates
 * costs O(depth) each plus one recomputation per stale node and read.
 *
 * Comparison between two replicas (gb_merkle_diff in one process; protocols/anti_entropy.c
 * over messages, with the same message sizes) descends level by level into differing
 * subtrees only: side A sends its root hash; the side that receives hashes of some nodes at
 * level l compares them with its own, and answers with its own hashes of the CHILDREN of
 * the nodes that differ (level l+1); at the leaf level the receiver knows the differing
 * buckets and sends the per-key digests of the keys in them; the other side compares those
 * with its own digests and obtains exactly the differing keys. The sides alternate.
 *
 * Modelled wire format (bytes; every integer little-endian, as the protocol sends them):
 *   hashes of level l:  12 bytes (flags, level, count), then for l = 0 one u64 root hash,
 *                       for l >= 1 count u32 parent indices (level l-1) and count*fanout
 *                       u64 child hashes;
 *   key digests:        8 bytes (flags, count), then count * (u32 key, u64 digest).
 * So the descent costs O(d * depth * fanout * 8) bytes for d differing keys, whatever K.
 *
 * Return codes: 0, GB_EINVAL (bad argument), GB_ENOMEM.
 */
#ifndef GB_MERKLE_H
#define GB_MERKLE_H

#include <stddef.h>
#include <stdint.h>
#include "gb_common.h"

#define GB_MERKLE_MAX_FANOUT 256u
#define GB_MERKLE_MAX_DEPTH 32u
#define GB_MERKLE_MAX_LEAVES (1ull << 24)
#define GB_MERKLE_MAX_KEYS (1ull << 32)

/* Sizes of the modelled messages (see the header comment). */
#define GB_MERKLE_HASHES_HEADER 12u
#define GB_MERKLE_DIGESTS_HEADER 8u
#define GB_MERKLE_DIGEST_ENTRY 12u

typedef struct gb_merkle {
    uint64_t keys;     /* K */
    uint32_t fanout;   /* >= 2 (any value when depth == 0) */
    uint32_t depth;    /* levels below the root */
    uint64_t leaves;   /* fanout^depth */
    uint64_t *hash;    /* every node; level l starts at off[l] */
    uint8_t *stale;    /* internal nodes whose hash must be recomputed */
    uint64_t off[GB_MERKLE_MAX_DEPTH + 2];
} gb_merkle;

/* Nodes in a tree of this shape (all levels), or 0 when fanout^depth exceeds
 * GB_MERKLE_MAX_LEAVES or fanout is out of [2, GB_MERKLE_MAX_FANOUT] (depth > 0). */
uint64_t gb_merkle_node_count(uint32_t fanout, uint32_t depth);

/* The smallest depth whose leaves hold at most `per_leaf` keys each (>= 1), capped at the
 * largest depth with at most GB_MERKLE_MAX_LEAVES leaves. */
uint32_t gb_merkle_auto_depth(uint64_t keys, uint32_t fanout, uint64_t per_leaf);

/* An all-zero tree (every key's digest 0) of this shape: keys in [1, GB_MERKLE_MAX_KEYS],
 * gb_merkle_node_count(fanout, depth) > 0. Returns 0, GB_EINVAL or GB_ENOMEM (t is then
 * zeroed, and gb_merkle_free on it is safe). */
int gb_merkle_init(gb_merkle *t, uint64_t keys, uint32_t fanout, uint32_t depth);
/* Frees the arrays; t becomes all zero. Safe on a zeroed tree. */
void gb_merkle_free(gb_merkle *t);
/* Heap bytes of a tree of this shape. */
uint64_t gb_merkle_bytes(uint32_t fanout, uint32_t depth);

/* Rebuild from the digests h[0..keys). */
void gb_merkle_build(gb_merkle *t, const uint64_t *h);
/* Key `key`'s digest changed from old_h to new_h: O(depth). */
void gb_merkle_update(gb_merkle *t, uint64_t key, uint64_t old_h, uint64_t new_h);

/* Nodes at level l (fanout^l), 0 for l > depth. */
uint64_t gb_merkle_level_size(const gb_merkle *t, uint32_t level);
/* Leaf of a key (key < keys), and the key range [*lo, *hi) of a leaf (leaf < leaves). */
uint64_t gb_merkle_leaf_of(const gb_merkle *t, uint64_t key);
void gb_merkle_leaf_range(const gb_merkle *t, uint64_t leaf, uint64_t *lo, uint64_t *hi);

/* Hash of node `index` at `level` (level <= depth, index < level size; otherwise 0),
 * recomputing stale hashes on the way. */
uint64_t gb_merkle_hash(gb_merkle *t, uint32_t level, uint64_t index);
/* The fanout hashes of the children of node `parent` at `level` (< depth) into out. */
void gb_merkle_children(gb_merkle *t, uint32_t level, uint64_t parent, uint64_t *out);

/* Of the n nodes idx[] at `level` whose hashes on the other side are theirs[], write the
 * indices of those that differ from this tree's to out[] (which may be idx) and return how
 * many. Indices out of range count as differing (the caller validates first). */
size_t gb_merkle_compare(gb_merkle *t, uint32_t level, const uint64_t *idx,
                         const uint64_t *theirs, size_t n, uint64_t *out);

/* Message sizes of the descent (wire format above). */
uint64_t gb_merkle_hashes_bytes(uint32_t fanout, uint32_t level, uint64_t count);
uint64_t gb_merkle_digests_bytes(uint64_t count);

/* What a descent cost. */
typedef struct gb_merkle_diff_stats {
    uint32_t messages;        /* root, level and digest messages */
    uint32_t levels;          /* levels whose hashes were sent (root included) */
    uint64_t hashes_sent;     /* node hashes sent */
    uint64_t hash_bytes;      /* bytes of the hash messages */
    uint64_t digest_bytes;    /* bytes of the key-digest message (0 if none) */
    uint64_t leaves_differing;
    uint64_t keys_in_leaves;  /* keys in the differing leaves (what bucket streaming sends) */
} gb_merkle_diff_stats;

/* The descent between a (digests ha[0..K)) and b (hb[0..K)), both of the same shape, in
 * one process. *keys receives a malloc'ed, increasing array of the *nkeys keys whose
 * digests differ (NULL when none; the caller frees it); st (may be NULL) the cost.
 * Returns 0, GB_EINVAL (shapes differ) or GB_ENOMEM. */
int gb_merkle_diff(gb_merkle *a, const uint64_t *ha, gb_merkle *b, const uint64_t *hb,
                   uint64_t **keys, uint64_t *nkeys, gb_merkle_diff_stats *st);

#endif
