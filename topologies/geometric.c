/* geometric.c: the random geometric graph G(n, r) in the unit square (Penrose, "Random
 * Geometric Graphs", 2003): n points uniform in [0,1)^2, and u ~ v iff the Euclidean
 * distance of their points is at most r. With wrap=1 the square is a torus (distances
 * wrap around both sides), which removes the border effect: a node's expected degree is
 * then exactly (n-1) pi r^2 for r <= 1/2.
 *
 * Points: node u sits at (x, y) = the first two gb_rng_uniform01 values of gb_rng(seed,
 * trial 0, round 0, node u, GB_RNG_TOPOLOGY), i.e. one Philox block per node, so any
 * node's position can be recomputed without the others (the tests do, to compare with a
 * brute-force O(n^2) build).
 *
 * Method: a grid of G x G cells of side 1/G >= r, G <= sqrt(n) so that there are at most
 * n cells. Two nodes within distance r lie in the same or adjacent cells (adjacent mod G
 * on the torus), so each node compares itself with the points of its 3 x 3 block of
 * cells, about 9 n / G^2 ~ 2.9 times its expected degree when G = floor(1/r): O(n + m)
 * expected time. The points are counting-sorted by cell into arrays of coordinates and
 * ids (ids ascend within a cell); one pass over the cells counts degrees, a second writes
 * each node's row in one piece, as up to 9 sorted runs that are then merged. Memory during
 * generation: 20 bytes per node (two doubles and an id in cell order), 4 per cell (at most
 * 4 per node) and a merge buffer of one row, then the final CSR (8 bytes per node + 4 per
 * directed edge). At n = 10^7 the default graph (mean degree 32) peaks at 1.5 GB for a
 * 1.3 GB result.
 *
 * Determinism: the graph depends only on (n, r, wrap, seed) and on IEEE double
 * arithmetic, identical on every rank of one build.
 *
 * Default r: sqrt(2 ln n / (pi n)), so that n pi r^2 = 2 ln n: twice the connectivity
 * threshold on the torus (Penrose 1997: n pi r^2 = ln n + c gives connectivity with
 * probability tending to exp(-e^-c)), mean degree about 2 ln n as for gnp's and gnm's
 * defaults. With wrap=1 about 1/n nodes are isolated; in the square the border halves
 * the disks of nodes near it, so there the default graph is disconnected more often
 * (about 1% of graphs at n = 5000, over 300 seeds, against none of 300 on the torus). */
#include "gb_topology.h"
#include "gb_rng.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define GEO_BATCH 64 /* nodes placed per batch */
#define GEO_AHEAD 8  /* prefetch distance, in slots */

/* Also declared in gb_topology.h once registered; repeated here so that the file builds
 * on its own (a repeated extern declaration is harmless). */

typedef struct geo_grid {
    uint64_t n;
    uint32_t side;  /* G cells per side */
    int wrap;
    double r2;      /* r^2 */
    uint32_t *cell; /* points of cell c are slots cell[c] .. cell[c+1] */
    double *x, *y;  /* coordinates in cell order */
    gb_node_t *id;  /* node id in cell order */
} geo_grid;

static void point_of(uint64_t seed, gb_node_t u, double *x, double *y)
{
    gb_rng rng;
    gb_rng_init(&rng, seed, 0, 0, u, GB_RNG_TOPOLOGY);
    *x = gb_rng_uniform01(&rng);
    *y = gb_rng_uniform01(&rng);
}

static uint32_t coord_cell(double x, uint32_t side)
{
    uint32_t c = (uint32_t)(x * side);
    return c < side ? c : side - 1; /* x < 1, but x * side may round up to side */
}

/* The distinct cells of the 3 x 3 block around (cx, cy), at most 9: off-grid ones are left
 * out without wrap, and with wrap and G < 3 the wrapped indices repeat. */
static int block_cells(const geo_grid *g, uint32_t cx, uint32_t cy, uint32_t *out)
{
    int cnt = 0;
    int64_t side = g->side;
    for (int dy = -1; dy <= 1; dy++) {
        for (int dx = -1; dx <= 1; dx++) {
            int64_t a = (int64_t)cx + dx, b = (int64_t)cy + dy;
            if (g->wrap) {
                a = (a + side) % side;
                b = (b + side) % side;
            } else if (a < 0 || a >= side || b < 0 || b >= side) {
                continue;
            }
            uint32_t c = (uint32_t)(b * side + a);
            int dup = 0;
            for (int i = 0; i < cnt && !dup; i++)
                dup = out[i] == c;
            if (!dup)
                out[cnt++] = c;
        }
    }
    return cnt;
}

/* Squared distance of slots i and j, on the torus when wrap is set. */
static inline double dist2(const geo_grid *g, uint64_t i, uint64_t j)
{
    double dx = fabs(g->x[i] - g->x[j]), dy = fabs(g->y[i] - g->y[j]);
    if (g->wrap) {
        dx = dx > 0.5 ? 1.0 - dx : dx;
        dy = dy > 0.5 ? 1.0 - dy : dy;
    }
    return dx * dx + dy * dy;
}

/* Degree of the node in slot i, whose cell block is cells[0..nc). Branch-free: about a
 * third of the candidates are neighbours, a branch on each would mispredict often. Slot i
 * itself is at distance 0 and counted too, hence the final - 1. */
static uint64_t count_row(const geo_grid *g, uint64_t i, const uint32_t *cells, int nc)
{
    uint64_t d = 0;
    for (int b = 0; b < nc; b++)
        for (uint64_t j = g->cell[cells[b]]; j < g->cell[cells[b] + 1]; j++)
            d += dist2(g, i, j) <= g->r2;
    return d - 1;
}

/* Writes the neighbours of slot i into row, which has room for cap of them, sorted.
 * Each cell's slots hold ascending ids, so the row is built as up to 9 sorted runs, which
 * are then merged pairwise through tmp (room for the row): O(d log 9) instead of a
 * comparison sort. Returns the number of neighbours found; anything but cap means the
 * count pass disagreed (it cannot with one build's arithmetic, but a compiler that
 * contracted one of the two comparisons into a fused multiply-add differently could
 * make it so), and then nothing past cap was written. */
static uint64_t fill_row(const geo_grid *g, uint64_t i, const uint32_t *cells, int nc,
                         gb_node_t *row, uint64_t cap, gb_node_t *tmp)
{
    uint64_t d = 0, ends[9];
    int runs = 0;
    for (int b = 0; b < nc; b++) {
        uint64_t first = d;
        for (uint64_t j = g->cell[cells[b]]; j < g->cell[cells[b] + 1]; j++) {
            if (j != i && dist2(g, i, j) <= g->r2) {
                if (d < cap)
                    row[d] = g->id[j];
                d++;
            }
        }
        if (d > first)
            ends[runs++] = d;
    }
    if (d != cap)
        return d;
    while (runs > 1) {
        int out = 0;
        uint64_t start = 0;
        for (int r = 0; r < runs; r += 2) {
            if (r + 1 == runs) { /* odd run out: stays as it is */
                ends[out++] = ends[r];
                break;
            }
            uint64_t a = start, amax = ends[r], b = ends[r], bmax = ends[r + 1], k = 0;
            while (a < amax && b < bmax)
                tmp[k++] = row[a] < row[b] ? row[a++] : row[b++];
            while (a < amax)
                tmp[k++] = row[a++];
            while (b < bmax)
                tmp[k++] = row[b++];
            memcpy(row + start, tmp, (size_t)k * sizeof *row);
            start = bmax;
            ends[out++] = bmax;
        }
        runs = out;
    }
    return d;
}

static const gb_param_desc geo_params[] = {
    {.name = "r",
     .type = GB_PARAM_DOUBLE,
     .def = "",
     .min = 0.0,
     .max = 2.0,
     .help = "connection radius (default sqrt(2 ln(n)/(pi n)): mean degree about 2 ln n)"},
    {.name = "wrap",
     .type = GB_PARAM_INT,
     .def = "0",
     .min = 0,
     .max = 1,
     .help = "1: torus distances (no border effect), 0: plain unit square"},
    {.name = NULL},
};

static int geo_create(const gb_params *params, uint64_t n, uint64_t seed,
                      const gb_topology_ctx *ctx, gb_topology **out, char *err)
{
    (void)ctx; /* placement does not shape this overlay */
    *out = NULL;
    if (n == 0)
        return gb_seterr(err, GB_EINVAL, "topology 'geometric': needs at least 1 node");
    if (n > GB_NODE_MAX)
        return gb_seterr(err, GB_ERANGE, "topology 'geometric': n=%llu exceeds %llu nodes",
                         (unsigned long long)n, (unsigned long long)GB_NODE_MAX);
    double r = gb_params_has(params, "r")
                   ? gb_params_double(params, "r")
                   : sqrt(2.0 * log((double)n) / (M_PI * (double)n));
    if (!(r >= 0.0 && r <= 2.0))
        return gb_seterr(err, GB_ERANGE, "topology 'geometric': r=%g is not in [0, 2]", r);
    int64_t wrap = gb_params_int(params, "wrap");
    if (wrap != 0 && wrap != 1)
        return gb_seterr(err, GB_ERANGE, "topology 'geometric': wrap=%lld must be 0 or 1",
                         (long long)wrap);

    /* Cells no smaller than r, and no more cells than nodes. */
    double per_side = r > 0.0 ? floor(1.0 / r) : INFINITY;
    double cap = floor(sqrt((double)n));
    if (per_side > cap)
        per_side = cap;
    uint32_t side = per_side < 1.0 ? 1 : (uint32_t)per_side;
    while (side > 1 && (double)side * r > 1.0) /* guard against rounding in 1/r */
        side--;
    uint64_t ncells = (uint64_t)side * side;

    geo_grid g = {.n = n, .side = side, .wrap = (int)wrap, .r2 = r * r};
    int rc;
    gb_topology *t = NULL;
    gb_node_t *adj = NULL, *tmp = NULL;
    uint64_t *off = calloc((size_t)n + 1, sizeof *off);
    g.cell = calloc((size_t)ncells + 1, sizeof *g.cell);
    g.x = malloc((size_t)n * sizeof *g.x);
    g.y = malloc((size_t)n * sizeof *g.y);
    g.id = malloc((size_t)n * sizeof *g.id);
    if (off == NULL || g.cell == NULL || g.x == NULL || g.y == NULL || g.id == NULL)
        goto nomem;

    /* Counting sort by cell: count, prefix, place (with cell[c] as the cursor, shifted back
     * afterwards). Points are recomputed rather than stored twice. Within a cell, slots
     * keep ascending node order. */
    for (uint64_t u = 0; u < n; u++) {
        double x, y;
        point_of(seed, (gb_node_t)u, &x, &y);
        g.cell[(uint64_t)coord_cell(y, side) * side + coord_cell(x, side) + 1]++;
    }
    for (uint64_t c = 0; c < ncells; c++)
        g.cell[c + 1] += g.cell[c];
    /* Placement scatters: consecutive nodes land in random cells. Batches of GEO_BATCH
     * nodes issue their cache misses together (cursor first, then the three slots)
     * instead of one after another. */
    for (uint64_t u0 = 0; u0 < n; u0 += GEO_BATCH) {
        int k = n - u0 < GEO_BATCH ? (int)(n - u0) : GEO_BATCH;
        double bx[GEO_BATCH], by[GEO_BATCH];
        uint64_t bc[GEO_BATCH];
        uint32_t bs[GEO_BATCH];
        for (int i = 0; i < k; i++) {
            point_of(seed, (gb_node_t)(u0 + (uint64_t)i), &bx[i], &by[i]);
            bc[i] = (uint64_t)coord_cell(by[i], side) * side + coord_cell(bx[i], side);
            __builtin_prefetch(&g.cell[bc[i]], 1);
        }
        for (int i = 0; i < k; i++) {
            bs[i] = g.cell[bc[i]]++;
            __builtin_prefetch(&g.x[bs[i]], 1);
            __builtin_prefetch(&g.y[bs[i]], 1);
            __builtin_prefetch(&g.id[bs[i]], 1);
        }
        for (int i = 0; i < k; i++) {
            g.x[bs[i]] = bx[i];
            g.y[bs[i]] = by[i];
            g.id[bs[i]] = (gb_node_t)(u0 + (uint64_t)i);
        }
    }
    for (uint64_t c = ncells; c > 0; c--)
        g.cell[c] = g.cell[c - 1];
    g.cell[0] = 0;

    /* Degrees, cell by cell so that the 3 x 3 block stays in cache. */
    uint32_t cells[9];
    for (uint32_t cy = 0; cy < side; cy++) {
        for (uint32_t cx = 0; cx < side; cx++) {
            int nc = block_cells(&g, cx, cy, cells);
            uint64_t c = (uint64_t)cy * side + cx;
            for (uint64_t i = g.cell[c]; i < g.cell[c + 1]; i++) {
                /* Node ids are random in cell order: fetch a later slot's entry early. */
                if (i + GEO_AHEAD < n)
                    __builtin_prefetch(&off[g.id[i + GEO_AHEAD] + 1], 1);
                off[g.id[i] + 1] = count_row(&g, i, cells, nc);
            }
        }
    }
    uint64_t maxd = 0;
    for (uint64_t u = 0; u < n; u++) {
        maxd = off[u + 1] > maxd ? off[u + 1] : maxd;
        off[u + 1] += off[u];
    }
    if (off[n] > SIZE_MAX / sizeof *adj)
        goto nomem;
    adj = malloc((size_t)(off[n] > 0 ? off[n] : 1) * sizeof *adj);
    tmp = malloc((size_t)(maxd > 0 ? maxd : 1) * sizeof *tmp);
    t = calloc(1, sizeof *t);
    if (adj == NULL || tmp == NULL || t == NULL)
        goto nomem;
    /* Rows, each written in one piece and sorted while it is still in cache. The count
     * pass and this one use the same comparison, so row u gets exactly off[u+1] - off[u]
     * entries. */
    for (uint32_t cy = 0; cy < side; cy++) {
        for (uint32_t cx = 0; cx < side; cx++) {
            int nc = block_cells(&g, cx, cy, cells);
            uint64_t c = (uint64_t)cy * side + cx;
            for (uint64_t i = g.cell[c]; i < g.cell[c + 1]; i++) {
                /* As above, in two steps: the offset of a slot 2A ahead, then the row
                 * of a slot A ahead, whose offset has arrived by then. */
                if (i + 2 * GEO_AHEAD < n)
                    __builtin_prefetch(&off[g.id[i + 2 * GEO_AHEAD]], 0);
                if (i + GEO_AHEAD < n)
                    __builtin_prefetch(adj + off[g.id[i + GEO_AHEAD]], 1);
                gb_node_t u = g.id[i];
                if (fill_row(&g, i, cells, nc, adj + off[u], off[u + 1] - off[u], tmp) !=
                    off[u + 1] - off[u]) {
                    rc = gb_seterr(err, GB_EFAIL, "topology 'geometric': internal error: "
                                   "degree of node %lu changed between passes",
                                   (unsigned long)u);
                    goto fail;
                }
            }
        }
    }
    free(tmp);
    free(g.cell);
    free(g.x);
    free(g.y);
    free(g.id);

    rc = gb_topology_csr_init(t, &gb_topology_geometric, n, off, adj);
    if (rc < 0) {
        free(t);
        return gb_seterr(err, rc, "topology 'geometric': internal error building CSR");
    }
    *out = t;
    return GB_OK;

nomem:
    rc = gb_seterr(err, GB_ENOMEM, "topology 'geometric': out of memory for n=%llu r=%g",
                   (unsigned long long)n, r);
fail:
    free(t);
    free(adj);
    free(tmp);
    free(off);
    free(g.cell);
    free(g.x);
    free(g.y);
    free(g.id);
    return rc;
}

/* Peak heap bytes create() needs, for the driver's memory check before generation. */
static uint64_t geo_estimate(const gb_params *p, uint64_t nodes)
{
    double n = (double)nodes;
    double r = gb_params_has(p, "r") ? gb_params_double(p, "r") : sqrt(2.0 * log(n > 1 ? n : 2) / (M_PI * n));
    double m = n * (n - 1) / 2 * M_PI * r * r;
    return gb_sat_u64(8.0 * (n + 1) + 8.0 * m * 1.1 + 24.0 * n); /* CSR + positions and cells */
}

const gb_topology_ops gb_topology_geometric = {
    .name = "geometric",
    .help = "random geometric graph: n uniform points in the unit square (or torus), linked "
            "within radius r, CSR",
    .params = geo_params,
    .create = geo_create,
    .estimate_bytes = geo_estimate,
};
