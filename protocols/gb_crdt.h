/* gb_crdt.h: the data-type layer of state synchronisation. Pure C, no MPI, no global state.
 *
 * Anti-entropy protocols keep a replicated key -> value map. Every value is a BLOB: a byte
 * string in a CANONICAL SERIALIZED form, so that
 *   - two states are semantically equal exactly when their blobs are byte-equal (entries
 *     are sorted, there is no padding, removed OR-Set tags leave no tombstones, counters
 *     that are zero are omitted), and
 *   - gb_blob_hash(key, blob) is a well-defined 64-bit digest for Merkle trees.
 * All integers inside blobs are little-endian and fixed-width (u32 = 4 bytes, u64 = 8).
 * Blob lengths are the modelled payload size; nothing else is accounted.
 *
 * Blobs may arrive from the network: every function that reads a blob bounds-checks it and
 * returns GB_EINVAL for anything malformed (truncated, trailing bytes, unsorted or duplicate
 * entries, zero counters, out-of-range values). None of them crashes on garbage.
 *
 * Ownership: blobs produced by this layer are written into a caller-owned gb_bytes. Inputs
 * are (const uint8_t *, uint32_t) views or const gb_bytes *; an input MAY point into the
 * output buffer (e.g. update(&s, &s, ...)): the implementation then builds into a temporary.
 * On any error the output gb_bytes is left unchanged.
 *
 * Return codes: 0 on success, GB_ENOMEM (allocation failed or a blob would exceed
 * UINT32_MAX bytes) or GB_EINVAL (malformed blob or bad argument), unless a function says
 * otherwise. Predicates (dominates, has_update, contains) return 1 / 0 or GB_EINVAL.
 * Reading a sibling list (the mv-register types, DVV sets) allocates, so every function
 * that reads one, check and describe included, may also return GB_ENOMEM.
 */
#ifndef GB_CRDT_H
#define GB_CRDT_H

#include <stddef.h>
#include <stdint.h>
#include "gb_common.h"

/* ------------------------------------------------------------------ byte buffers */

/* A growable byte buffer owned by the caller. {NULL, 0, 0} (GB_BYTES_INIT) is an empty
 * buffer; gb_bytes_free returns it to that state. p is NULL or malloc'ed. */
typedef struct gb_bytes {
    uint8_t *p;
    uint32_t len, cap;
} gb_bytes;

#define GB_BYTES_INIT {NULL, 0, 0}

/* Make room for `extra` more bytes after len (cap >= len + extra). 0 or GB_ENOMEM (also
 * when len + extra exceeds UINT32_MAX). Contents and len are unchanged. */
int gb_bytes_reserve(gb_bytes *b, uint32_t extra);
/* Append n bytes from src (src may be NULL when n == 0; src must not point into b).
 * 0 or GB_ENOMEM (b unchanged). */
int gb_bytes_append(gb_bytes *b, const void *src, uint32_t n);
/* Replace the contents with n bytes from src (src must not point into b). 0 or GB_ENOMEM. */
int gb_bytes_set(gb_bytes *b, const void *src, uint32_t n);
/* Little-endian appends used by the serialisers. 0 or GB_ENOMEM. */
int gb_bytes_put_u32(gb_bytes *b, uint32_t v);
int gb_bytes_put_u64(gb_bytes *b, uint64_t v);
/* len = 0, keep the allocation. */
void gb_bytes_clear(gb_bytes *b);
/* Free the allocation; b becomes {NULL, 0, 0}. Safe on an already freed / zeroed buffer. */
void gb_bytes_free(gb_bytes *b);
/* Exchange two buffers (used to move a freshly built blob into place). */
void gb_bytes_swap(gb_bytes *a, gb_bytes *b);

/* ------------------------------------------------------------------ hashing */

/* 64-bit hash of (key, blob): XXH64 (Yann Collet's xxHash, 64-bit variant; own
 * implementation, checked against the reference library's answers) of the blob with
 * seed = key. XXH64 folds the seed into its state and ends with a full avalanche, so equal
 * blobs under nearby keys give unrelated hashes. Deterministic across platforms (reads
 * bytes, not words). b may be NULL when len == 0. */
uint64_t gb_blob_hash(uint64_t key, const uint8_t *b, uint32_t len);

/* Plain XXH64 of b with the given seed (exposed for the test vectors). */
uint64_t gb_xxh64(const uint8_t *b, uint32_t len, uint64_t seed);

/* ------------------------------------------------------------------ vector clocks */

/* Vector clock (VC) blob, sparse and sorted:
 *   u32 count, then count entries of { u32 node, u64 counter }
 * nodes strictly increasing, every counter >= 1 (a node absent from the clock has counter
 * 0), so len = 4 + 12 * count. The empty clock is 4 zero bytes. */
#define GB_VC_HEADER_BYTES 4u
#define GB_VC_ENTRY_BYTES 12u

/* gb_vc_compare / gb_dvv_compare verdicts (non-negative, so < 0 still means an error). */
enum {
    GB_VC_EQUAL = 0,      /* same clock */
    GB_VC_BEFORE = 1,     /* a < b: a happened before b (b dominates a) */
    GB_VC_AFTER = 2,      /* a > b */
    GB_VC_CONCURRENT = 3  /* neither dominates */
};

/* Write the empty clock into out (replacing its contents). 0 or GB_ENOMEM. */
int gb_vc_init(gb_bytes *out);
/* Validate a clock that fills [vc, vc+len) exactly. 0 or GB_EINVAL. */
int gb_vc_check(const uint8_t *vc, uint32_t len);
/* Validate a clock at the START of [p, p+len) (more bytes may follow) and store its length
 * in *vclen. For blobs that embed a clock. 0 or GB_EINVAL. */
int gb_vc_span(const uint8_t *p, uint32_t len, uint32_t *vclen);
/* Number of entries; entry i (0 <= i < count) in node order. 0 or GB_EINVAL (bad clock or
 * i out of range). */
int gb_vc_count(const uint8_t *vc, uint32_t len, uint32_t *count);
int gb_vc_entry(const uint8_t *vc, uint32_t len, uint32_t i, uint32_t *node,
                uint64_t *counter);
/* *counter = the clock's entry for node (0 when absent). 0 or GB_EINVAL. */
int gb_vc_get(const uint8_t *vc, uint32_t len, uint32_t node, uint64_t *counter);
/* out = vc with node's entry incremented by one (vc may point into out). 0, GB_ENOMEM, or
 * GB_EINVAL (bad clock, or the counter is UINT64_MAX). */
int gb_vc_increment(const uint8_t *vc, uint32_t len, uint32_t node, gb_bytes *out);
/* out = vc with node's entry set to max(entry, counter). Same codes as gb_vc_increment. */
int gb_vc_advance(const uint8_t *vc, uint32_t len, uint32_t node, uint64_t counter,
                  gb_bytes *out);
/* out = entry-wise max of a and b (either may point into out). 0, GB_ENOMEM, GB_EINVAL. */
int gb_vc_join(const uint8_t *a, uint32_t alen, const uint8_t *b, uint32_t blen,
               gb_bytes *out);
/* Causal order of a and b: GB_VC_EQUAL, GB_VC_BEFORE (a < b), GB_VC_AFTER (a > b),
 * GB_VC_CONCURRENT, or GB_EINVAL. Two empty clocks are equal; an empty clock is before
 * any non-empty one; clocks over disjoint node sets are concurrent. */
int gb_vc_compare(const uint8_t *a, uint32_t alen, const uint8_t *b, uint32_t blen);
/* Render "{node:counter, ...}" into buf (always NUL-terminated when size > 0, truncated
 * to fit). 0 or GB_EINVAL. */
int gb_vc_describe(const uint8_t *vc, uint32_t len, char *buf, size_t size);

/* ------------------------------------------------------------------ dotted version vectors */

/* Dotted version vector (DVV, Preguica, Baquero, Almeida, Fonte, Goncalves 2010): the
 * clock of one write event, a DOT (node, counter) naming the event plus the causal PAST
 * (a VC) the writer had seen. Its event set is past U {dot}. Blob:
 *   u32 dot node, u64 dot counter, then a VC blob (the past)
 * with dot counter >= 1 and dot counter > past[dot node] (otherwise the dot would lie in
 * its own past). */
#define GB_DVV_DOT_BYTES 12u

/* Validate a DVV filling [p, p+len) exactly / at the start of p (length in *dvvlen). */
int gb_dvv_check(const uint8_t *p, uint32_t len);
int gb_dvv_span(const uint8_t *p, uint32_t len, uint32_t *dvvlen);
/* The clock of a new event at `node` whose writer has seen the context ctx (a VC):
 * dot = (node, ctx[node] + 1), past = ctx. 0, GB_ENOMEM or GB_EINVAL. */
int gb_dvv_new(const uint8_t *ctx, uint32_t ctxlen, uint32_t node, gb_bytes *out);
/* The dot and the past of a DVV (past points into p). 0 or GB_EINVAL. */
int gb_dvv_parts(const uint8_t *p, uint32_t len, uint32_t *node, uint64_t *counter,
                 const uint8_t **past, uint32_t *pastlen);
/* 1 if the event (node, counter) is in the DVV's event set, 0 if not (always for
 * counter 0, which names no event), GB_EINVAL. */
int gb_dvv_contains(const uint8_t *p, uint32_t len, uint32_t node, uint64_t counter);
/* Order of the event sets: GB_VC_EQUAL / BEFORE (events(a) strict subset of events(b)) /
 * AFTER / CONCURRENT, or GB_EINVAL. */
int gb_dvv_compare(const uint8_t *a, uint32_t alen, const uint8_t *b, uint32_t blen);
/* out = the VC summarising both (entry-wise max over the pasts and the dots), as the
 * paper's join. 0, GB_ENOMEM, GB_EINVAL. */
int gb_dvv_join(const uint8_t *a, uint32_t alen, const uint8_t *b, uint32_t blen,
                gb_bytes *out);

/* A DVV SET (the clocks of sibling versions) is:
 *   u32 count, then count DVV blobs
 * sorted by (dot node, dot counter, then bytes), no exact duplicates, and no member
 * obsolete, where X is obsolete when X's dot lies in the past of some other member.
 * sync (the paper's "sync") keeps the members of the union that are not obsolete in the
 * union. Its laws hold for sets of clocks of one causal history (every past causally
 * closed), which is what update() and merge() produce. 0, GB_ENOMEM, GB_EINVAL. */
int gb_dvvset_check(const uint8_t *p, uint32_t len);
int gb_dvv_sync(const uint8_t *a, uint32_t alen, const uint8_t *b, uint32_t blen,
                gb_bytes *out);

/* ------------------------------------------------------------------ CRDT interface */

/* Every type's state has a CLOCK: a VC counting, per replica, the updates (update() calls)
 * made there that the state reflects. clock()[node] >= c means the state already reflects
 * the c-th update made at replica node (has_update), and the conflict flag of merge() is
 * exactly "clock(a) and clock(b) are GB_VC_CONCURRENT".
 *
 * The laws (tested on random histories): for states reachable from init() by update() at
 * a replica on that replica's own state and merge() of any two states,
 *   merge(a, b) == merge(b, a) bytewise, merge(merge(a, b), c) == merge(a, merge(b, c)),
 *   merge(a, a) == a, and merge(a, b) dominates a and b.
 * update(in, out, node, ...) assumes `in` is replica node's own current state (it holds
 * node's previous updates): that is what makes tags / dots unique. */
typedef struct gb_crdt_ops {
    const char *name; /* registry name, e.g. "orset" */
    const char *help; /* one line: what update()'s stamp and value mean */
    /* out = the bottom state (no update seen). 0 or GB_ENOMEM. */
    int (*init)(gb_bytes *out);
    /* out = in after a local update at replica `node` (in may equal out). `stamp` is a
     * caller-supplied logical timestamp (e.g. round * 2^20 + sequence; only the LWW types
     * read it); `value` is the type's argument (see each type). 0, GB_ENOMEM, GB_EINVAL
     * (bad blob, bad value, or a counter would overflow). */
    int (*update)(const gb_bytes *in, gb_bytes *out, uint32_t node, uint64_t stamp,
                  uint64_t value);
    /* out = join(a, b) (a or b may point into out). *conflict (may be NULL) = 1 when the
     * states were causally concurrent (clocks concurrent), else 0; unchanged on error.
     * 0, GB_ENOMEM, GB_EINVAL. */
    int (*merge)(const uint8_t *a, uint32_t alen, const uint8_t *b, uint32_t blen,
                 gb_bytes *out, int *conflict);
    /* 1 if merging b into a changes nothing (a ⊒ b, i.e. merge(a, b) == a), 0 if not,
     * GB_ENOMEM, GB_EINVAL. */
    int (*dominates)(const uint8_t *a, uint32_t alen, const uint8_t *b, uint32_t blen);
    /* 1 if the state reflects the counter-th update (counter >= 1) made at replica node,
     * 0 if not, GB_EINVAL. counter == 0 gives 1 (nothing to reflect). */
    int (*has_update)(const uint8_t *b, uint32_t len, uint32_t node, uint64_t counter);
    /* out = the state's clock (a VC blob, see above). 0, GB_ENOMEM, GB_EINVAL. */
    int (*clock)(const uint8_t *b, uint32_t len, gb_bytes *out);
    /* 0 if b is a well-formed state of this type, else GB_EINVAL. */
    int (*check)(const uint8_t *b, uint32_t len);
    /* Short text of the state for tests and debugging, NUL-terminated and truncated to
     * fit when size > 0. 0 or GB_EINVAL. */
    int (*describe)(const uint8_t *b, uint32_t len, char *buf, size_t size);
} gb_crdt_ops;

/* The types. Blob layouts are given with each; "VC" is a VC blob as above, and the clock
 * of each type is as stated.
 *
 * "gcounter" (gb_crdt_gcounter): grow-only counter. update: value >= 1 is added to node's
 *   entry (0 is GB_EINVAL). Blob: u32 count, then { u32 node, u64 updates, u64 sum },
 *   nodes strictly increasing, updates >= 1, sum >= updates. Merge: entry-wise max of both
 *   fields. Value = sum of sums. Clock: node -> updates.
 * "pncounter" (gb_crdt_pncounter): increment/decrement counter. update: value is an
 *   int64_t in two's complement (GB_PN_INC(x) / GB_PN_DEC(x)): > 0 increments, < 0
 *   decrements by its magnitude, 0 is GB_EINVAL. Blob: u32 count, then
 *   { u32 node, u64 updates, u64 inc, u64 dec }, nodes strictly increasing, updates >= 1,
 *   inc + dec >= updates. Merge: entry-wise max. Value = sum inc - sum dec. Clock: updates.
 * "lww" (gb_crdt_lww): last-writer-wins policy on an opaque value, with a VC to detect
 *   conflicts. A causally later write always wins; concurrent writes are resolved by the
 *   highest (stamp, node). To make both agree the stored stamp is a Lamport clock:
 *   max(stamp, current stamp + 1) (the caller's stamp if the register is empty).
 *   update: stores the 8-byte little-endian value; gb_lww_put stores any bytes.
 * "lww-register" (gb_crdt_lww_register): the LWW register CRDT with timestamps taken as
 *   given (wall-clock style): the payload with the highest stamp wins even against a
 *   causally later write with a smaller stamp (which is then lost, but counted in the
 *   clock). update: value is the register's u64 value.
 *   Both LWW types share one blob layout:
 *     VC, then, iff the VC is non-empty: u64 stamp, u32 node, u32 vlen, vlen value bytes
 *   (the empty register is the empty VC alone). Merge: VC = join; payload = the greater
 *   of the two in the TIE-BREAK ORDER: higher stamp; equal stamps -> higher writer node
 *   id; equal (stamp, node), which only a replica reusing a stamp can cause -> the value
 *   bytes compared lexicographically (memcmp, then the shorter is smaller). The clock is
 *   the VC (node -> writes made there). Conflict = the VCs are concurrent.
 * "mv-register" (gb_crdt_mv_register): multi-value register with version vectors. Blob:
 *   u32 count, then count siblings { VC, u64 value }, sorted by (VC bytes, value), no
 *   sibling's VC strictly below another's. update: one sibling
 *   (join of all sibling VCs with node's entry + 1, value). Merge: the siblings of the
 *   union whose VC is not strictly dominated by another's. Clock: join of sibling VCs.
 * "mv-register-dvv" (gb_crdt_mv_register_dvv): the same register with dotted version
 *   vectors. Blob: u32 count, then siblings { DVV, u64 value } sorted by (dot node, dot
 *   counter, bytes). update: one sibling (gb_dvv_new(clock, node), value). Merge: the
 *   siblings of the union whose dot is not in another sibling's past (gb_dvv_sync).
 *   Clock: gb_dvv_join over the siblings. As for DVV sets, the laws are those of causal
 *   histories; the version-vector register's hold for any well-formed states.
 * "orset" (gb_crdt_orset): observed-remove (add-wins) set of 63-bit elements, the
 *   optimised form without tombstones (Bieniusa et al. 2012). update: value even -> add
 *   element value >> 1 (GB_ORSET_ADD(e)), value odd -> remove element value >> 1
 *   (GB_ORSET_REMOVE(e)). Every update takes the tag (node, clock[node] + 1); an add
 *   inserts (element, tag) and drops node's older tags of that element, a remove drops
 *   every tag of the element this replica has observed. Blob: VC, then u32 count, then
 *   { u64 element, u32 node, u64 counter } sorted by (element, node, counter), each tag's
 *   counter in [1, VC[node]]. Merge: VC = join; a tag survives if both sides have it, or
 *   one side has it and the other side's VC has not seen it (a concurrent add wins over a
 *   remove that did not observe it). Clock: the VC.
 */
#define GB_PN_INC(x) ((uint64_t)(x))
#define GB_PN_DEC(x) ((uint64_t)0 - (uint64_t)(x))
#define GB_ORSET_ADD(e) ((uint64_t)(e) << 1)
#define GB_ORSET_REMOVE(e) (((uint64_t)(e) << 1) | 1u)
#define GB_ORSET_ELEM_MAX (UINT64_MAX >> 1)

extern const gb_crdt_ops gb_crdt_lww;
extern const gb_crdt_ops gb_crdt_gcounter;
extern const gb_crdt_ops gb_crdt_pncounter;
extern const gb_crdt_ops gb_crdt_lww_register;
extern const gb_crdt_ops gb_crdt_mv_register;
extern const gb_crdt_ops gb_crdt_mv_register_dvv;
extern const gb_crdt_ops gb_crdt_orset;

/* Registry (protocols/crdt_registry.c): NULL-terminated, names unique. */
extern const gb_crdt_ops *const gb_crdt_table[];
/* The type named `name`, or NULL. */
const gb_crdt_ops *gb_crdt_find(const char *name);
/* 0, or GB_EINVAL with err when a name repeats or a callback is missing. */
int gb_crdt_registry_check(char *err);

/* ------------------------------------------------------------------ typed accessors */

/* gcounter: *sum = total of all increments (saturating at UINT64_MAX). 0 or GB_EINVAL. */
int gb_gcounter_value(const uint8_t *b, uint32_t len, uint64_t *sum);
/* pncounter: totals of increments and decrements (each saturating); the value is
 * inc - dec. 0 or GB_EINVAL. */
int gb_pncounter_value(const uint8_t *b, uint32_t len, uint64_t *inc, uint64_t *dec);
/* lww and lww-register: the winning payload. *val points into b (vlen bytes). Returns 1
 * when the register holds a value, 0 when it is empty (outputs untouched), GB_EINVAL. */
int gb_lww_get(const uint8_t *b, uint32_t len, const uint8_t **val, uint32_t *vlen,
               uint64_t *stamp, uint32_t *node);
/* lww only: like update() but stores the opaque value val[0..vlen) (val must not point
 * into out). 0, GB_ENOMEM, GB_EINVAL. */
int gb_lww_put(const gb_bytes *in, gb_bytes *out, uint32_t node, uint64_t stamp,
               const uint8_t *val, uint32_t vlen);
/* mv-register and mv-register-dvv: the sibling values in canonical sibling order. Writes
 * min(cap, count) values to vals (may be NULL when cap == 0) and *count = siblings.
 * 0, GB_ENOMEM, or GB_EINVAL (also when type is neither register type). */
int gb_mvreg_values(const gb_crdt_ops *type, const uint8_t *b, uint32_t len,
                    uint64_t *vals, uint32_t cap, uint32_t *count);
/* orset: 1 if elem is in the set, 0 if not, GB_EINVAL. */
int gb_orset_contains(const uint8_t *b, uint32_t len, uint64_t elem);
/* orset: the distinct elements in increasing order, like gb_mvreg_values. */
int gb_orset_elements(const uint8_t *b, uint32_t len, uint64_t *elems, uint32_t cap,
                      uint32_t *count);

#endif
