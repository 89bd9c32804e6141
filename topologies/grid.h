/* grid.h: shape helpers shared by the grid generators (mesh.c, torus.c). Internal to
 * topologies/, not part of the gb_topology contract.
 *
 * A grid shape is 1 to GB_GRID_MAXDIM sides whose product is n. It comes either from the
 * parameter dims=A[xB[xC]] (parsed strictly: only digits and 'x'; each side at least the
 * generator's minimum) or, without dims, from d (2 or 3) and the most nearly square or
 * cubic factorisation of n into d sides >= 2: the one with the smallest largest side, ties
 * broken by the smallest spread, sides ascending. Both generators use this one rule, so
 * "torus" and "mesh" of the same n have the same shape.
 *
 * Every function returns 0 or GB_EINVAL / GB_ERANGE with one line in err, prefixed by
 * "topology '<name>': " with the generator's name from gb_grid_rules. */
#ifndef GB_GRID_H
#define GB_GRID_H

#include <stdint.h>
#include "gb_common.h"
#include "gb_params.h"

#define GB_GRID_MAXDIM 3

/* What differs between the generators: their name, the smallest side dims may give, the
 * forms named when dims does not parse, and the hint appended to "give dims" when n has no
 * factorisation into 2 (hint2) or 3 (hint3) sides. */
typedef struct gb_grid_rules {
    const char *name;     /* "mesh", "torus" */
    uint64_t min_side;    /* 1 or 2 */
    const char *forms;    /* e.g. "A, AxB or AxBxC" */
    const char *hint2;    /* e.g. "=AxB" */
    const char *hint3;    /* e.g. "=AxBxC" */
} gb_grid_rules;

/* Parses "A[xB[xC]]" into side[] and *ndim, checking each side against r->min_side and
 * GB_NODE_MAX and the product against n; 0 or GB_EINVAL. */
int gb_grid_parse_dims(const gb_grid_rules *r, const char *s, uint64_t n,
                       uint64_t side[GB_GRID_MAXDIM], int *ndim, char *err);

/* Most balanced factorisation of n into d (2 or 3) sides >= 2, ascending; 0 or GB_EINVAL
 * when there is none. */
int gb_grid_factorise(const gb_grid_rules *r, uint64_t n, int d, uint64_t side[GB_GRID_MAXDIM],
                      char *err);

/* The shape from the parameters "dims" and "d": dims when given (an explicitly given d
 * must then agree with its number of sides), otherwise the factorisation for d. 0 or
 * GB_EINVAL / GB_ERANGE. */
int gb_grid_shape(const gb_grid_rules *r, const gb_params *params, uint64_t n,
                  uint64_t side[GB_GRID_MAXDIM], int *ndim, char *err);

#endif
