/* gb_topology_io.h: writing topologies out (edge lists, Graphviz DOT) and graph
 * statistics for results records. Pure C, no MPI.
 *
 * Everything here works through t->degree / t->neighbor (with a fast path for CSR and
 * for the complete graph), so implicit topologies are handled like explicit ones.
 * The edge-list format is the one the "file" generator reads (topologies/edgelist.c):
 *   # nodes N
 *   u v
 *   ...
 * one line per undirected edge, u < v, in ascending order of u then v.
 */
#ifndef GB_TOPOLOGY_IO_H
#define GB_TOPOLOGY_IO_H

#include <stdint.h>
#include <stdio.h>
#include "gb_common.h"
#include "gb_topology.h"

/* The "file" generator (topologies/edgelist.c); also belongs with the other generators in
 * gb_topology.h, where a repeated declaration is harmless. */
extern const gb_topology_ops gb_topology_file;

/* Whether t satisfies the symmetry rule of gb_topology.h (v in N(u) iff u in N(v)):
 * 1 yes, 0 no (e.g. file:directed=1 with a one-way arc), GB_EINVAL for t == NULL.
 * Compares a 64-bit fingerprint of the arc set with that of the reversed arc set, one
 * pass over all arcs and no memory; an asymmetric graph passes with probability about
 * 2^-64. The complete graph answers at once. */
int gb_topology_symmetric(const gb_topology *t);

/* Writes t as an edge list to out: the header "# nodes N", then "u v" for every edge with
 * u < v, rows in ascending u and, within a row, ascending v (whatever the neighbour
 * order of t), one edge per line, '\n' line ends. Reading the result back with
 * file:path=... (directed=0) gives an instance with the same n and the same neighbour
 * sets, stored in CSR with rows sorted ascending.
 * t must be symmetric; nothing is written otherwise. out is not closed.
 * Returns 0, GB_EINVAL (NULL argument, t not symmetric), GB_ENOMEM or GB_EIO (a write
 * failed; the output is then incomplete); err (may be NULL) gets one line. */
int gb_topology_dump_edgelist(const gb_topology *t, FILE *out, char *err);

/* Writes t as an undirected Graphviz graph:
 *   graph G {
 *     0 -- 1;
 *     3;
 *   }
 * one "  u -- v;" line per edge with u < v (order as for the edge list), and "  u;" for
 * each node of degree 0 in its place among the rows, so that every node appears.
 * Returns 0, GB_ERANGE when t->n > max_nodes (nothing written: DOT layouts of large graphs
 * are useless and huge), GB_EINVAL (NULL argument, t not symmetric), GB_ENOMEM or GB_EIO;
 * err (may be NULL) gets one line. */
int gb_topology_dump_dot(const gb_topology *t, FILE *out, uint64_t max_nodes, char *err);

/* Graph statistics, for the results records. */
typedef struct gb_graph_stats {
    uint64_t nodes, edges;    /* edges: undirected edges, sum of degrees / 2 */
    uint32_t degree_min, degree_max;
    double degree_mean;       /* sum of degrees / nodes (0 for an empty graph) */
    uint64_t components;      /* connected components (isolated nodes count) */
    uint64_t largest_component; /* nodes in the largest one */
    /* Diameter of the largest component (the one with the smallest node id among the
     * largest, on ties): the largest distance between two of its nodes. Other components
     * are ignored, so a disconnected graph has a finite diameter. */
    uint32_t diameter;
    int diameter_exact; /* 1 exact, 0 lower bound by double-sweep BFS */
} gb_graph_stats;

/* Fills *out for the symmetric topology t.
 * Components: breadth-first search from every node not yet seen, O(n + m).
 * Diameter: exact (a BFS from every node of the largest component, O(n (n + m))) when
 * t->n <= exact_limit; otherwise the double-sweep lower bound: a BFS from the component's
 * first node, then a BFS from the farthest node it found, whose eccentricity is the bound
 * (exact on trees, usually exact or close on sparse graphs). diameter_exact is also 1
 * when that bound meets the upper bound 2 * eccentricity of a swept node. The complete
 * graph is answered without a search (diameter 1).
 * Conventions: n = 0 gives all zeros with diameter_exact = 1; n = 1 gives one component
 * of one node, no edges, degrees 0, diameter 0, exact.
 * Memory: 8 bytes per node (distances and a queue), whatever the size of the graph.
 * Returns 0; GB_EINVAL when t or out is NULL, or when t is not symmetric (a directed
 * file): then nodes, edges (arcs / 2) and the degree fields (out-degrees) are filled and
 * the component and diameter fields are 0; GB_ENOMEM (fields as for GB_EINVAL). */
int gb_topology_stats(const gb_topology *t, uint64_t exact_limit, gb_graph_stats *out);

#endif
