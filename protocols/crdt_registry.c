/* crdt_registry.c: the table of replicated data types. Adding a type is one file and one
 * line here. */
#include <string.h>

#include "gb_crdt.h"

const gb_crdt_ops *const gb_crdt_table[] = {
    &gb_crdt_lww,
    &gb_crdt_gcounter,
    &gb_crdt_pncounter,
    &gb_crdt_lww_register,
    &gb_crdt_mv_register,
    &gb_crdt_mv_register_dvv,
    &gb_crdt_orset,
    NULL,
};

const gb_crdt_ops *gb_crdt_find(const char *name)
{
    if (name == NULL)
        return NULL;
    for (size_t i = 0; gb_crdt_table[i] != NULL; i++)
        if (strcmp(gb_crdt_table[i]->name, name) == 0)
            return gb_crdt_table[i];
    return NULL;
}

int gb_crdt_registry_check(char *err)
{
    for (size_t i = 0; gb_crdt_table[i] != NULL; i++) {
        const gb_crdt_ops *t = gb_crdt_table[i];
        if (t->name == NULL || t->help == NULL || t->init == NULL || t->update == NULL ||
            t->merge == NULL || t->dominates == NULL || t->has_update == NULL ||
            t->clock == NULL || t->check == NULL || t->describe == NULL)
            return gb_seterr(err, GB_EINVAL, "data type #%zu ('%s') lacks a required field",
                             i, t->name ? t->name : "?");
        for (size_t j = 0; j < i; j++)
            if (strcmp(gb_crdt_table[j]->name, t->name) == 0)
                return gb_seterr(err, GB_EINVAL, "data type name '%s' registered twice",
                                 t->name);
    }
    return 0;
}
