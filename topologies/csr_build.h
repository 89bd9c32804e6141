/* csr_build.h: helpers shared by the random generators that build CSR adjacency (gnp.c,
 * gnm.c, small_world.c, locality.c, edgelist.c). Internal to topologies/, not part of the
 * gb_topology contract. No function here allocates, fails or writes an error.
 *
 * Long random streams: gb_csr_stream re-keys gb_rng(seed, trial = chunk, round, node,
 * GB_RNG_TOPOLOGY) with the next chunk number every GB_CSR_CHUNK_DRAWS calls, so that no
 * gb_rng stream is drawn past GB_RNG_MAX_DRAWS (each call draws one value, a rejection in
 * gb_rng_below rarely a second, far below the 2^25 a stream holds).
 *
 * Geometric skipping (Batagelj and Brandes, "Efficient generation of large random
 * networks", Phys. Rev. E 71, 2005, algorithm G(n,p)): gb_pair_walk visits the edges of a
 * G(n, p) over the pairs (v, w), 0 <= w < v < n, in the order (1,0), (2,0), (2,1), (3,0),
 * ..., drawing one uniform value and one logarithm per edge from a gb_csr_stream.
 *
 * Pair CSR: gb_csr_count_pairs / gb_csr_fill_pairs replay an edge source (a batch function
 * that the caller restarts before each pass) to count degrees, then to write each edge
 * (v, w) into both rows in source order. A source in walk order (v ascending, w ascending
 * within v) leaves every row sorted without a sorting pass.
 *
 * Rows CSR: gb_csr_count_rows / gb_csr_fill_rows symmetrise n fixed-width rows of picks
 * (row u lists `width` nodes u is linked to), and gb_csr_sort_row / gb_csr_sort_dedup sort
 * rows and squeeze repeats out in place. */
#ifndef GB_CSR_BUILD_H
#define GB_CSR_BUILD_H

#include <stdint.h>
#include "gb_common.h"
#include "gb_rng.h"

#define GB_CSR_CHUNK_DRAWS (1u << 22)
#define GB_CSR_BATCH 64 /* most edges a batch function returns at once */

typedef struct gb_csr_stream {
    gb_rng rng;
    uint64_t seed;
    uint32_t round, node, chunk, left;
} gb_csr_stream;

/* Starts the stream (seed, round, node) at chunk 0. */
void gb_csr_stream_init(gb_csr_stream *s, uint64_t seed, uint32_t round, uint32_t node);
/* The generator to draw exactly one value from next. */
gb_rng *gb_csr_stream_rng(gb_csr_stream *s);

/* The G(n, p) walk; fields are private to csr_build.c. */
typedef struct gb_pair_walk {
    gb_csr_stream s;
    uint64_t n;
    double inv_lq; /* 1 / log(1 - p) */
    int every;     /* p >= 1: every pair, no draws */
    int none;      /* p <= 0: no pair */
    uint64_t v;    /* current row */
    uint64_t c;    /* next candidate w in row v */
} gb_pair_walk;

/* Starts the walk over n nodes with probability p, drawing from stream (seed, round,
 * node 0). */
void gb_pair_walk_start(gb_pair_walk *g, uint64_t seed, uint32_t round, uint64_t n, double p);
/* Next edge (v, w) with w < v: 1, or 0 when the walk is over. */
int gb_pair_walk_next(gb_pair_walk *g, gb_node_t *v, gb_node_t *w);
/* Up to GB_CSR_BATCH edges of the walk into bv/bw, prefetching hint[w] for each; returns
 * how many, fewer only at the end. Has the shape of gb_csr_batch_fn (src is the walk). */
int gb_pair_walk_batch(void *walk, gb_node_t *bv, gb_node_t *bw, const uint64_t *hint);

/* An edge source: writes up to GB_CSR_BATCH edges into bv/bw and returns how many, fewer
 * only when the source is exhausted; should prefetch &hint[bw[i]] for each (the row data
 * the caller is about to update: the far endpoint is spread over all nodes, so each update
 * is a cache and TLB miss, and a batch issues them together). */
typedef int (*gb_csr_batch_fn)(void *src, gb_node_t *bv, gb_node_t *bw, const uint64_t *hint);

/* Pass 1: with off[0..n] zeroed, counts both endpoints of every edge of src and turns
 * off[] into row starts (off[n] = 2 * edges). Returns the number of edges. */
uint64_t gb_csr_count_pairs(uint64_t *off, uint64_t n, gb_csr_batch_fn batch, void *src);
/* Pass 2: with off[] from pass 1 and src restarted, writes each edge (v, w) into both rows
 * in source order; off[] ends as it began. */
void gb_csr_fill_pairs(uint64_t *off, gb_node_t *adj, uint64_t n, gb_csr_batch_fn batch,
                       void *src);

/* After a fill that used off[u] as the cursor of row u (so off[u] now holds the end of row
 * u), shifts off[] back to row starts: off[u] = old off[u-1], off[0] = 0. */
void gb_csr_shift_back(uint64_t *off, uint64_t n);

/* With off[0..n] zeroed, row starts of the symmetrised rows: node u gets its own width
 * picks plus one entry per pick of u by any node. */
void gb_csr_count_rows(uint64_t *off, uint64_t n, const gb_node_t *rows, uint64_t width);
/* With off[] row starts of the symmetrised rows (from gb_csr_count_rows or known
 * degrees), writes u's picks into row u and u into each pick's row, u ascending and picks
 * in order; off[] ends as it began. */
void gb_csr_fill_rows(uint64_t *off, gb_node_t *adj, uint64_t n, const gb_node_t *rows,
                      uint64_t width);

/* Sorts one row ascending (insertion sort when short, qsort otherwise). */
void gb_csr_sort_row(gb_node_t *row, uint64_t len);
/* Sorts every row of off/adj and squeezes out repeated neighbours in place, updating
 * off[]; returns the new off[n]. */
uint64_t gb_csr_sort_dedup(uint64_t *off, gb_node_t *adj, uint64_t n);

#endif
