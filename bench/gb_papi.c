/* gb_papi.c: the PAPI seam (gb_papi.h). */
#include "config.h"
#include "gb_papi.h"

#include <stdio.h>
#include <string.h>

#include "gb_common.h"

#ifdef HAVE_PAPI
#include <papi.h>
#include <sde_lib.h>
#endif

const char *const gb_sde_names[GB_SDE_COUNT] = {
    "messages_sent", "bytes_sent", "messages_received", "bytes_received",
    "duplicates",    "rounds",     "nodes_informed",
};
long long gb_sde_counter[GB_SDE_COUNT];

void gb_sde_register(void)
{
#ifdef HAVE_PAPI
    static int done;
    if (done)
        return;
    done = 1;
    papi_handle_t h = papi_sde_init("gossipbench");
    for (int i = 0; i < GB_SDE_COUNT; i++)
        papi_sde_register_counter(h, gb_sde_names[i], PAPI_SDE_RO | PAPI_SDE_DELTA,
                                  PAPI_SDE_long_long, &gb_sde_counter[i]);
#endif
}

int gb_papi_init(gb_papi *p, const char *events, int required, char *err)
{
    memset(p, 0, sizeof *p);
    p->hw_set = p->sde_set = -1;
    /* The requested names are recorded even when PAPI is absent, to say why each is missing. */
    const char *e = events;
    while (e != NULL && *e != '\0' && p->nevents < GB_PAPI_MAX_EVENTS) {
        const char *comma = strchr(e, ',');
        size_t len = comma ? (size_t)(comma - e) : strlen(e);
        if (len > 0) {
            gb_papi_event *ev = &p->ev[p->nevents++];
            snprintf(ev->name, sizeof ev->name, "%.*s", (int)len, e);
            snprintf(ev->reason, sizeof ev->reason, "PAPI not built in");
        }
        e = comma ? comma + 1 : NULL;
    }
#ifndef HAVE_PAPI
    snprintf(p->version, sizeof p->version, "not built");
    snprintf(p->init_error, sizeof p->init_error, "PAPI not built in");
    if (required)
        return gb_seterr(err, GB_EINVAL, "--papi-required: this gossip-bench was built without PAPI");
    return 0;
#else
    p->built = 1;
    snprintf(p->version, sizeof p->version, "%d.%d.%d.%d", PAPI_VERSION_MAJOR(PAPI_VER_CURRENT),
             PAPI_VERSION_MINOR(PAPI_VER_CURRENT), PAPI_VERSION_REVISION(PAPI_VER_CURRENT),
             PAPI_VERSION_INCREMENT(PAPI_VER_CURRENT));
    gb_sde_register();
    int rc = PAPI_library_init(PAPI_VER_CURRENT);
    if (rc != PAPI_VER_CURRENT) {
        snprintf(p->init_error, sizeof p->init_error, "PAPI_library_init: %s",
                 rc < 0 ? PAPI_strerror(rc) : "version mismatch");
        for (int i = 0; i < p->nevents; i++)
            snprintf(p->ev[i].reason, sizeof p->ev[i].reason, "%s", p->init_error);
        if (required)
            return gb_seterr(err, GB_EINVAL, "--papi-required: %s", p->init_error);
        return 0;
    }
    p->initialised = 1;
    int set = PAPI_NULL;
    if (PAPI_create_eventset(&set) == PAPI_OK)
        p->hw_set = set;
    for (int i = 0; i < p->nevents; i++) {
        gb_papi_event *ev = &p->ev[i];
        rc = p->hw_set >= 0 ? PAPI_add_named_event(p->hw_set, ev->name) : PAPI_ENOEVST;
        if (rc == PAPI_OK) {
            ev->available = 1;
            ev->reason[0] = '\0';
            p->hw_count++;
        } else {
            snprintf(ev->reason, sizeof ev->reason, "%s", PAPI_strerror(rc));
            if (required)
                return gb_seterr(err, GB_EINVAL, "--papi-required: event '%s' is unavailable: %s",
                                 ev->name, ev->reason);
        }
    }
    set = PAPI_NULL;
    if (PAPI_create_eventset(&set) == PAPI_OK) {
        p->sde_set = set;
        p->sde_ok = 1;
        for (int i = 0; i < GB_SDE_COUNT && p->sde_ok; i++) {
            char name[96];
            snprintf(name, sizeof name, "sde:::gossipbench::%s", gb_sde_names[i]);
            if (PAPI_add_named_event(p->sde_set, name) != PAPI_OK)
                p->sde_ok = 0;
        }
    }
    return 0;
#endif
}

void gb_papi_start(gb_papi *p)
{
#ifdef HAVE_PAPI
    if (p->hw_count > 0 && PAPI_start(p->hw_set) != PAPI_OK)
        p->hw_count = 0;
    if (p->sde_ok && PAPI_start(p->sde_set) != PAPI_OK)
        p->sde_ok = 0;
#else
    (void)p;
#endif
}

void gb_papi_stop(gb_papi *p, long long *hw, long long *sde)
{
    memset(hw, 0, GB_PAPI_MAX_EVENTS * sizeof *hw);
    memset(sde, 0, GB_SDE_COUNT * sizeof *sde);
#ifdef HAVE_PAPI
    if (p->hw_count > 0 && PAPI_stop(p->hw_set, hw) != PAPI_OK)
        memset(hw, 0, GB_PAPI_MAX_EVENTS * sizeof *hw);
    if (p->sde_ok && PAPI_stop(p->sde_set, sde) != PAPI_OK)
        memset(sde, 0, GB_SDE_COUNT * sizeof *sde);
#else
    (void)p;
#endif
}

void gb_papi_read(gb_papi *p, long long *hw)
{
    memset(hw, 0, GB_PAPI_MAX_EVENTS * sizeof *hw);
#ifdef HAVE_PAPI
    if (p->hw_count > 0 && PAPI_read(p->hw_set, hw) != PAPI_OK)
        memset(hw, 0, GB_PAPI_MAX_EVENTS * sizeof *hw);
#else
    (void)p;
#endif
}

void gb_papi_free(gb_papi *p)
{
#ifdef HAVE_PAPI
    if (p->hw_set >= 0) {
        PAPI_cleanup_eventset(p->hw_set);
        PAPI_destroy_eventset(&p->hw_set);
    }
    if (p->sde_set >= 0) {
        PAPI_cleanup_eventset(p->sde_set);
        PAPI_destroy_eventset(&p->sde_set);
    }
#endif
    p->hw_set = p->sde_set = -1;
}
