/* dump.c: writes a topology out as an edge list (the format the "file" generator reads)
 * or as a Graphviz DOT graph.
 *
 * Both walk every node's neighbours through the CSR arrays or the callbacks, so implicit
 * topologies dump like explicit ones, and write each undirected edge once, from its
 * smaller end. Rows are written in ascending neighbour order whatever order the topology
 * keeps them in (ring and torus do not sort theirs), which makes the output a canonical
 * form of the graph: two instances with the same neighbour sets dump identically. */
#include "gb_topology_io.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int cmp_node(const void *pa, const void *pb)
{
    gb_node_t a = *(const gb_node_t *)pa, b = *(const gb_node_t *)pb;
    return (a > b) - (a < b);
}

/* Decimal digits of x, written backwards from end; returns the first character. */
static char *utoa_back(char *end, uint64_t x)
{
    do {
        *--end = (char)('0' + x % 10);
        x /= 10;
    } while (x != 0);
    return end;
}

enum dump_kind { DUMP_EDGELIST, DUMP_DOT };

/* Writes one line: "u v\n" (edge list), "  u -- v;\n" or, with v < 0, "  u;\n" (DOT).
 * fwrite of a formatted buffer instead of fprintf: a million-node graph has millions of
 * lines. Errors are collected by ferror() at the end. */
static void put_line(FILE *out, enum dump_kind kind, uint64_t u, int64_t v)
{
    char buf[64];
    char *end = buf + sizeof buf, *p = end;
    if (kind == DUMP_EDGELIST) {
        *--p = '\n';
        p = utoa_back(p, (uint64_t)v);
        *--p = ' ';
        p = utoa_back(p, u);
    } else {
        *--p = '\n';
        *--p = ';';
        if (v >= 0) {
            p = utoa_back(p, (uint64_t)v);
            p -= 4;
            memcpy(p, " -- ", 4);
        }
        p = utoa_back(p, u);
        p -= 2;
        memcpy(p, "  ", 2);
    }
    fwrite(p, 1, (size_t)(end - p), out);
}

/* The common walk: every edge {u, v} with u < v in ascending (u, v) order. */
static int dump(const gb_topology *t, FILE *out, enum dump_kind kind, char *err)
{
    const char *what = kind == DUMP_EDGELIST ? "edge list" : "DOT graph";
    const char *name = t->ops != NULL && t->ops->name != NULL ? t->ops->name : "?";
    if (gb_topology_symmetric(t) != 1)
        return gb_seterr(err, GB_EINVAL,
                         "topology '%s' is not symmetric (a directed file?): cannot write it "
                         "as an undirected %s", name, what);
    /* One row's worth of scratch space, for rows that are not stored sorted. */
    gb_node_t *row = malloc((t->complete ? 1 : (size_t)t->max_degree + 1) * sizeof *row);
    if (row == NULL)
        return gb_seterr(err, GB_ENOMEM, "topology '%s': out of memory for the %s", name, what);

    errno = 0;
    if (kind == DUMP_EDGELIST)
        fprintf(out, "# nodes %llu\n", (unsigned long long)t->n);
    else
        fputs("graph G {\n", out);
    for (uint64_t u = 0; u < t->n && !ferror(out); u++) {
        uint32_t deg = gb_topology_degree(t, (gb_node_t)u);
        if (deg == 0 && kind == DUMP_DOT) {
            put_line(out, kind, u, -1);
            continue;
        }
        const gb_node_t *nb;
        if (t->complete) {
            /* Neighbours above u are u+1 .. n-1: no row to build. */
            for (uint64_t v = u + 1; v < t->n; v++)
                put_line(out, kind, u, (int64_t)v);
            continue;
        }
        if (t->off != NULL && t->adj != NULL) {
            nb = t->adj + t->off[u];
        } else {
            for (uint32_t j = 0; j < deg; j++)
                row[j] = gb_topology_neighbor(t, (gb_node_t)u, j);
            nb = row;
        }
        int sorted = 1;
        for (uint32_t j = 1; j < deg && sorted; j++)
            sorted = nb[j - 1] < nb[j];
        if (!sorted) {
            if (nb != row)
                memcpy(row, nb, (size_t)deg * sizeof *row);
            qsort(row, deg, sizeof *row, cmp_node);
            nb = row;
        }
        for (uint32_t j = 0; j < deg; j++)
            if (nb[j] > u)
                put_line(out, kind, u, (int64_t)nb[j]);
    }
    if (kind == DUMP_DOT)
        fputs("}\n", out);
    free(row);
    if (fflush(out) != 0 || ferror(out))
        return gb_seterr(err, GB_EIO, "topology '%s': cannot write the %s: %s", name, what,
                         errno ? strerror(errno) : "write error");
    return GB_OK;
}

int gb_topology_dump_edgelist(const gb_topology *t, FILE *out, char *err)
{
    if (t == NULL || out == NULL)
        return gb_seterr(err, GB_EINVAL, "topology dump: no topology or no output file");
    return dump(t, out, DUMP_EDGELIST, err);
}

int gb_topology_dump_dot(const gb_topology *t, FILE *out, uint64_t max_nodes, char *err)
{
    if (t == NULL || out == NULL)
        return gb_seterr(err, GB_EINVAL, "topology dump: no topology or no output file");
    if (t->n > max_nodes)
        return gb_seterr(err, GB_ERANGE,
                         "topology '%s': %llu nodes are too many for a DOT graph (limit %llu)",
                         t->ops != NULL && t->ops->name != NULL ? t->ops->name : "?",
                         (unsigned long long)t->n, (unsigned long long)max_nodes);
    return dump(t, out, DUMP_DOT, err);
}
