/* csr_build.c: shared CSR building blocks for the random generators (contract in
 * csr_build.h). */
#include "csr_build.h"

#include <math.h>
#include <stdlib.h>

void gb_csr_stream_init(gb_csr_stream *s, uint64_t seed, uint32_t round, uint32_t node)
{
    s->seed = seed;
    s->round = round;
    s->node = node;
    s->chunk = 0;
    s->left = GB_CSR_CHUNK_DRAWS;
    gb_rng_init(&s->rng, seed, 0, round, node, GB_RNG_TOPOLOGY);
}

gb_rng *gb_csr_stream_rng(gb_csr_stream *s)
{
    if (s->left == 0) {
        gb_rng_init(&s->rng, s->seed, ++s->chunk, s->round, s->node, GB_RNG_TOPOLOGY);
        s->left = GB_CSR_CHUNK_DRAWS;
    }
    s->left--;
    return &s->rng;
}

void gb_pair_walk_start(gb_pair_walk *g, uint64_t seed, uint32_t round, uint64_t n, double p)
{
    gb_csr_stream_init(&g->s, seed, round, 0);
    g->n = n;
    g->every = p >= 1.0;
    g->none = p <= 0.0;
    g->inv_lq = g->every || g->none ? 0.0 : 1.0 / log1p(-p);
    g->v = 1;
    g->c = 0;
}

int gb_pair_walk_next(gb_pair_walk *g, gb_node_t *v, gb_node_t *w)
{
    if (g->none || g->v >= g->n)
        return 0;
    if (!g->every) {
        /* 1 - r is exact (r is a multiple of 2^-53 in [0, 1)), so log() needs no log1p;
         * with the reciprocal precomputed this costs half of log1p and a division. */
        double r = gb_rng_uniform01(gb_csr_stream_rng(&g->s));
        double skip = floor(log(1.0 - r) * g->inv_lq);
        /* At most n(n-1)/2 < 2^63 pairs are left, so a longer gap ends the walk; the
         * clamp keeps the conversion defined and c + skip below 2^64. */
        g->c += skip < 0x1p63 ? (uint64_t)skip : (uint64_t)1 << 63;
    }
    /* Carry the candidate into later rows; v only grows, so this costs O(n) in all. */
    while (g->c >= g->v) {
        g->c -= g->v;
        if (++g->v >= g->n)
            return 0;
    }
    *v = (gb_node_t)g->v;
    *w = (gb_node_t)g->c;
    g->c++;
    return 1;
}

int gb_pair_walk_batch(void *walk, gb_node_t *bv, gb_node_t *bw, const uint64_t *hint)
{
    gb_pair_walk *g = walk;
    int k = 0;
    while (k < GB_CSR_BATCH && gb_pair_walk_next(g, &bv[k], &bw[k])) {
        __builtin_prefetch(&hint[bw[k]], 1);
        k++;
    }
    return k;
}

uint64_t gb_csr_count_pairs(uint64_t *off, uint64_t n, gb_csr_batch_fn batch, void *src)
{
    gb_node_t bv[GB_CSR_BATCH], bw[GB_CSR_BATCH];
    uint64_t count = 0;
    int k;
    do {
        k = batch(src, bv, bw, off + 1);
        for (int i = 0; i < k; i++) {
            off[bv[i] + 1]++;
            off[bw[i] + 1]++;
        }
        count += (uint64_t)k;
    } while (k == GB_CSR_BATCH);
    for (uint64_t u = 0; u < n; u++)
        off[u + 1] += off[u];
    return count;
}

void gb_csr_fill_pairs(uint64_t *off, gb_node_t *adj, uint64_t n, gb_csr_batch_fn batch,
                       void *src)
{
    /* off[u] is the cursor of row u. Positions are taken in source order, so rows keep
     * that order; the slots in the far rows are prefetched before the batch writes them. */
    gb_node_t bv[GB_CSR_BATCH], bw[GB_CSR_BATCH];
    uint64_t pv[GB_CSR_BATCH], pw[GB_CSR_BATCH];
    int k;
    do {
        k = batch(src, bv, bw, off);
        for (int i = 0; i < k; i++) {
            pv[i] = off[bv[i]]++;
            pw[i] = off[bw[i]]++;
            __builtin_prefetch(&adj[pw[i]], 1);
        }
        for (int i = 0; i < k; i++) {
            adj[pv[i]] = bw[i];
            adj[pw[i]] = bv[i];
        }
    } while (k == GB_CSR_BATCH);
    gb_csr_shift_back(off, n);
}

void gb_csr_shift_back(uint64_t *off, uint64_t n)
{
    for (uint64_t u = n; u > 0; u--)
        off[u] = off[u - 1];
    off[0] = 0;
}

void gb_csr_count_rows(uint64_t *off, uint64_t n, const gb_node_t *rows, uint64_t width)
{
    for (uint64_t u = 0; u < n; u++) {
        off[u + 1] += width;
        for (uint64_t i = 0; i < width; i++)
            off[(uint64_t)rows[u * width + i] + 1]++;
    }
    for (uint64_t u = 0; u < n; u++)
        off[u + 1] += off[u];
}

void gb_csr_fill_rows(uint64_t *off, gb_node_t *adj, uint64_t n, const gb_node_t *rows,
                      uint64_t width)
{
    /* off[u] is the cursor of row u while filling, then is shifted back. */
    for (uint64_t u = 0; u < n; u++) {
        for (uint64_t i = 0; i < width; i++) {
            gb_node_t v = rows[u * width + i];
            adj[off[u]++] = v;
            adj[off[v]++] = (gb_node_t)u;
        }
    }
    gb_csr_shift_back(off, n);
}

static int cmp_node(const void *pa, const void *pb)
{
    gb_node_t a = *(const gb_node_t *)pa, b = *(const gb_node_t *)pb;
    return (a > b) - (a < b);
}

void gb_csr_sort_row(gb_node_t *row, uint64_t len)
{
    if (len > 32) {
        qsort(row, (size_t)len, sizeof *row, cmp_node);
        return;
    }
    for (uint64_t i = 1; i < len; i++) { /* insertion sort: most rows are short */
        gb_node_t x = row[i];
        uint64_t j = i;
        for (; j > 0 && row[j - 1] > x; j--)
            row[j] = row[j - 1];
        row[j] = x;
    }
}

uint64_t gb_csr_sort_dedup(uint64_t *off, gb_node_t *adj, uint64_t n)
{
    /* Repeats sit next to each other after sorting; the write index never passes the read
     * index, and old row ends are read before they are overwritten. */
    uint64_t w = 0, start = 0;
    for (uint64_t u = 0; u < n; u++) {
        uint64_t end = off[u + 1];
        gb_csr_sort_row(adj + start, end - start);
        for (uint64_t i = start; i < end; i++)
            if (i == start || adj[i] != adj[i - 1])
                adj[w++] = adj[i];
        off[u + 1] = w;
        start = end;
    }
    return w;
}
