/* session_registry.c: the table of session protocols (gb_session.h). Adding one is one file
 * and one line here. Names share one namespace with the rumor protocols (registry.c). */
#include <string.h>

#include "gb_session.h"

extern const gb_session_ops gb_session_anti_entropy; /* anti_entropy.c */

const gb_session_ops *const gb_session_table[] = {
    &gb_session_anti_entropy,
    &gb_session_swim,
    NULL,
};

const gb_session_ops *gb_session_find(const char *name)
{
    for (size_t i = 0; gb_session_table[i] != NULL; i++)
        if (strcmp(gb_session_table[i]->name, name) == 0)
            return gb_session_table[i];
    return NULL;
}

int gb_session_registry_check(char *err)
{
    for (size_t i = 0; gb_session_table[i] != NULL; i++) {
        const gb_session_ops *p = gb_session_table[i];
        if (p->name == NULL || p->help == NULL || p->params == NULL || p->init == NULL ||
            p->fini == NULL || p->start == NULL || p->deliver == NULL ||
            p->end_round == NULL || p->max_steps == 0)
            return gb_seterr(err, GB_EINVAL, "session protocol #%zu ('%s') lacks a required field",
                             i, p->name ? p->name : "?");
        if (gb_protocol_find(p->name) != NULL)
            return gb_seterr(err, GB_EINVAL, "protocol name '%s' registered twice", p->name);
        for (size_t j = 0; j < i; j++)
            if (strcmp(gb_session_table[j]->name, p->name) == 0)
                return gb_seterr(err, GB_EINVAL, "protocol name '%s' registered twice", p->name);
    }
    return 0;
}
