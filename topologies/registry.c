/* registry.c: the list of topology generators. Adding a generator means writing
 * topologies/<name>.c and adding one line to gb_topology_table; --list, spec parsing and
 * the unit tests all walk this table, so nothing else changes. */
#include "gb_topology.h"

#include <string.h>

const gb_topology_ops *const gb_topology_table[] = {
    &gb_topology_complete, &gb_topology_ring,     &gb_topology_torus,
    &gb_topology_mesh,     &gb_topology_hypercube, &gb_topology_star,
    &gb_topology_path,     &gb_topology_tree,      &gb_topology_fat_tree,
    &gb_topology_dragonfly, &gb_topology_random_regular, &gb_topology_gnp,
    &gb_topology_gnm,      &gb_topology_small_world, &gb_topology_scale_free,
    &gb_topology_geometric, &gb_topology_locality,  &gb_topology_file,
    NULL,
};

const gb_topology_ops *gb_topology_find(const char *name)
{
    if (name == NULL)
        return NULL;
    for (size_t i = 0; gb_topology_table[i] != NULL; i++)
        if (strcmp(gb_topology_table[i]->name, name) == 0)
            return gb_topology_table[i];
    return NULL;
}

int gb_topology_registry_check(char *err)
{
    for (size_t i = 0; gb_topology_table[i] != NULL; i++) {
        const gb_topology_ops *o = gb_topology_table[i];
        if (o->name == NULL || o->name[0] == '\0')
            return gb_seterr(err, GB_EINVAL, "topology registry: entry %zu has no name", i);
        if (o->help == NULL)
            return gb_seterr(err, GB_EINVAL, "topology registry: '%s' has no help line",
                             o->name);
        if (o->create == NULL)
            return gb_seterr(err, GB_EINVAL, "topology registry: '%s' has no create()",
                             o->name);
        /* The name is the text before ':' in a spec, so it cannot contain one. */
        if (strchr(o->name, ':') != NULL)
            return gb_seterr(err, GB_EINVAL, "topology registry: name '%s' contains ':'",
                             o->name);
        for (size_t j = 0; j < i; j++)
            if (strcmp(gb_topology_table[j]->name, o->name) == 0)
                return gb_seterr(err, GB_EINVAL, "topology registry: name '%s' is used twice",
                                 o->name);
    }
    return GB_OK;
}
