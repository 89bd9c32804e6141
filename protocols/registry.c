/* registry.c: the table of protocols. Adding a protocol is one file and one line here. */
#include <string.h>

#include "gb_protocol.h"

const gb_protocol_ops *const gb_protocol_table[] = {
    &gb_protocol_push,
    &gb_protocol_pull,
    &gb_protocol_push_pull,
    &gb_protocol_rumor,
    &gb_protocol_median_counter,
    &gb_protocol_null,
    NULL,
};

const gb_protocol_ops *gb_protocol_find(const char *name)
{
    for (size_t i = 0; gb_protocol_table[i] != NULL; i++)
        if (strcmp(gb_protocol_table[i]->name, name) == 0)
            return gb_protocol_table[i];
    return NULL;
}

int gb_protocol_registry_check(char *err)
{
    for (size_t i = 0; gb_protocol_table[i] != NULL; i++) {
        const gb_protocol_ops *p = gb_protocol_table[i];
        if (p->name == NULL || p->help == NULL || p->params == NULL || p->init == NULL ||
            p->fini == NULL || p->contact == NULL || p->on_contact == NULL ||
            p->end_round == NULL || p->infection_round == NULL)
            return gb_seterr(err, GB_EINVAL, "protocol #%zu ('%s') lacks a required field", i,
                             p->name ? p->name : "?");
        if ((p->flags & GB_PROTO_THREADSAFE) && !(p->flags & GB_PROTO_COMMUTATIVE))
            return gb_seterr(err, GB_EINVAL, "protocol '%s' is thread-safe but not commutative",
                             p->name);
        for (size_t j = 0; j < i; j++)
            if (strcmp(gb_protocol_table[j]->name, p->name) == 0)
                return gb_seterr(err, GB_EINVAL, "protocol name '%s' registered twice", p->name);
    }
    return 0;
}
