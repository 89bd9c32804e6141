/* gb_papi.h: PAPI hardware counters and the suite's own software-defined events (SDE),
 * behind one seam (named gb_papi.h because a bench/papi.h would shadow PAPI's own header on
 * the include path): without PAPI (./configure --without-papi) every function is a no-op that
 * reports "not built", so call sites carry no #ifdef.
 *
 * Hardware (and OS) events are counted around the gossip phase of each trial on every rank.
 * An event the machine lacks is not an error: it is reported unavailable with PAPI's reason
 * (unless `required`). The suite exports its own counters as SDEs of the library
 * "gossipbench" (PAPI event names sde:::gossipbench::NAME, NAME from gb_sde_names), and reads
 * them back through PAPI like any other event, so the PAPI path runs on every machine. */
#ifndef GB_PAPI_SEAM_H
#define GB_PAPI_SEAM_H

#include <stdint.h>

#define GB_PAPI_MAX_EVENTS 16
#define GB_PAPI_DEFAULT_EVENTS \
    "PAPI_TOT_CYC,PAPI_TOT_INS,PAPI_L1_DCM,PAPI_L2_DCM,perf::TASK-CLOCK,perf::PAGE-FAULTS"

/* The SDE counters (process-wide, updated by the engine). */
enum gb_sde_id {
    GB_SDE_MESSAGES_SENT, GB_SDE_BYTES_SENT, GB_SDE_MESSAGES_RECEIVED, GB_SDE_BYTES_RECEIVED,
    GB_SDE_DUPLICATES, GB_SDE_ROUNDS, GB_SDE_NODES_INFORMED, GB_SDE_COUNT
};
extern const char *const gb_sde_names[GB_SDE_COUNT];
extern long long gb_sde_counter[GB_SDE_COUNT];

typedef struct gb_papi_event {
    char name[64];
    int available;
    char reason[96]; /* why not, when unavailable */
} gb_papi_event;

typedef struct gb_papi {
    int built;          /* 0: compiled without PAPI */
    int initialised;    /* PAPI_library_init succeeded */
    char version[32];
    char init_error[96];
    int nevents;        /* hardware events requested */
    gb_papi_event ev[GB_PAPI_MAX_EVENTS];
    int hw_set, sde_set; /* PAPI event sets (-1 none) */
    int hw_count;        /* events in hw_set, in ev[] order of the available ones */
    int sde_ok;          /* SDE counters readable through PAPI */
} gb_papi;

/* Register the SDE counters (once, before gb_papi_init). */
void gb_sde_register(void);

/* Initialise PAPI and build the event sets for the comma-separated event list.
 * Returns 0; with required != 0, GB_EINVAL when PAPI is missing or any event is unavailable
 * (err names the first such event and PAPI's reason). */
int gb_papi_init(gb_papi *p, const char *events, int required, char *err);

/* Start / stop counting (hardware and SDE). stop() writes the hardware deltas in ev[] order
 * of the available events into hw[GB_PAPI_MAX_EVENTS] and the SDE deltas into
 * sde[GB_SDE_COUNT] (zeros when unavailable). */
void gb_papi_start(gb_papi *p);
void gb_papi_stop(gb_papi *p, long long *hw, long long *sde);
/* Current hardware counts since start (for excluding a section), zeros when unavailable. */
void gb_papi_read(gb_papi *p, long long *hw);
void gb_papi_free(gb_papi *p);

#endif
