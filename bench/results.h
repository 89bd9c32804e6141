/* results.h: machine-readable results (JSON Lines and CSV), written atomically. MPI-free.
 *
 * Schema "gossipbench/1" (DESIGN.md): one "run" record describing the invocation (all
 * resolved options, versions, graph statistics), then per configuration (protocol) one
 * "trial" record per measured trial and one "summary" record. Files are written under a
 * temporary name in the destination folder and renamed by gb_results_commit(), so a
 * crash or an error never leaves a half-written file under the final name.
 */
#ifndef GB_RESULTS_H
#define GB_RESULTS_H

#include <stdint.h>
#include <stdio.h>
#include <jansson.h>

#include "gb_papi.h"
#include "gb_session.h"
#include "stats.h"

#define GB_SCHEMA "gossipbench/1"

/* One measured trial, as the engine reports it (global figures, identical on all ranks). */
typedef struct gb_trial_record {
    const char *protocol;        /* registry name */
    const char *protocol_params; /* resolved "k=v,..." (may be "") */
    const char *topology;        /* registry name */
    const char *topology_params; /* resolved "k=v,..." (may be "") */
    uint64_t nodes;
    int ranks;
    uint32_t threads;   /* threads per rank in the contact phase (0 is written as 1) */
    uint32_t fanout;
    uint64_t seed;
    uint32_t trial;
    uint32_t source;
    int converged;
    uint32_t rounds;
    double t_ave;       /* mean infection round of the informed nodes other than the source */
    uint32_t t_last;    /* round in which the last node was informed */
    double residue;     /* fraction of nodes never informed */
    double residue_live; /* fraction of the live nodes (not crashed at the end) never informed */
    uint64_t dropped;   /* messages the fault layer dropped (counted in messages too) */
    uint64_t informed;
    uint64_t reachable; /* nodes reachable from the source */
    uint64_t messages;
    uint64_t payload_bytes, header_bytes, meta_bytes;
    uint64_t duplicates;
    uint64_t rumor_messages; /* messages that carried the rumor (Demers' traffic m = this / n) */
    int terminated;          /* a self-terminating protocol stopped by itself */
    uint64_t mpi_bytes;    /* bytes the transport really moved between ranks */
    uint64_t mpi_messages; /* gossip messages that crossed ranks */
    double wall_s;         /* whole trial, max over ranks */
    double gossip_s;       /* rounds without the convergence monitor, max over ranks */
    double monitor_s;      /* convergence monitor (allreduce), max over ranks */
    double exchange_s;     /* inside the transport's exchange, max over ranks */
    double replay_s;       /* plain MPI exchange of the same volumes (< 0: not run) */
    double compute_s;      /* rounds minus exchange and monitor, max over ranks */
    /* PAPI (NULL when not requested): events in papi->ev order; for available events the
     * gossip-phase counts reduced over ranks; SDE counters summed over ranks. */
    const gb_papi *papi;
    double hw_min[GB_PAPI_MAX_EVENTS], hw_mean[GB_PAPI_MAX_EVENTS], hw_max[GB_PAPI_MAX_EVENTS];
    long long sde[GB_SDE_COUNT];
    const uint64_t *curve; /* informed count after round r, r = 0..rounds */
    const double *round_s; /* gossip wall seconds of round r+1, max over ranks, r < rounds */
} gb_trial_record;

/* Numeric trial fields that summaries and the stdout table describe. */
enum gb_field {
    GB_F_ROUNDS, GB_F_T_AVE, GB_F_T_LAST, GB_F_RESIDUE, GB_F_MESSAGES, GB_F_MSGS_PER_NODE,
    GB_F_TRAFFIC_M,
    GB_F_BYTES, GB_F_BYTES_PER_NODE, GB_F_DUPLICATES, GB_F_MPI_BYTES, GB_F_WALL_S,
    GB_F_GOSSIP_S, GB_F_MONITOR_S, GB_F_ROUND_S, GB_F_RESIDUE_LIVE, GB_F_DROPPED, GB_F_COUNT
};
extern const char *const gb_field_name[GB_F_COUNT];

/* Accumulates the trials of one configuration and summarises them. */
typedef struct gb_config_acc {
    size_t count, cap, converged;
    double *v[GB_F_COUNT];
} gb_config_acc;

int gb_acc_add(gb_config_acc *a, const gb_trial_record *t); /* 0 or GB_ENOMEM */
int gb_acc_summary(const gb_config_acc *a, gb_summary out[GB_F_COUNT]);
void gb_acc_free(gb_config_acc *a);

typedef struct gb_results {
    char *json_path, *json_tmp; /* final and temporary names; NULL when not requested */
    char *csv_path, *csv_tmp;
    FILE *json, *csv;
    double bcast_s;         /* MPI_Bcast back to back, mean (0: none), for summaries */
    double bcast_latency_s; /* one MPI_Bcast, start to last rank (0: none), for summaries */
    int graph_connected;      /* 1 connected, 0 not, -1 unknown: said in every summary */
    uint64_t graph_components; /* 0 when not computed */
} gb_results;

/* Create the temporary files next to the requested ones (either path may be NULL or "").
 * Returns 0, or GB_EIO with "cannot write results to 'PATH': REASON" in err (nothing is
 * left behind). */
int gb_results_open(gb_results *r, const char *json_path, const char *csv_path, char *err);

/* Write a JSON object as one line (adds "schema"); steals the reference to obj. */
int gb_results_write_json(gb_results *r, json_t *obj);

/* Build and write the trial record (JSON and CSV row). */
int gb_results_trial(gb_results *r, const gb_trial_record *t);

/* Summary record for a configuration; `like` supplies the identifying fields.
 * rss_max / rss_sum: peak resident bytes of the largest rank and summed over ranks. */
int gb_results_summary(gb_results *r, const gb_trial_record *like, uint32_t trials,
                       const gb_config_acc *acc, uint64_t rss_max, uint64_t rss_sum);

/* Flush, close and rename the files to their final names. 0 or GB_EIO with err. */
int gb_results_commit(gb_results *r, char *err);

/* Close and remove the temporary files (after an error). Safe to call twice. */
void gb_results_abort(gb_results *r);

/* A JSON object describing a summary (count, mean, sd, min, q1, median, q3, max). */
json_t *gb_summary_json(const gb_summary *s);

/* ------------------------------------------------------------------ session protocols
 * Trials of session protocols (gb_session.h) carry the common identification and traffic
 * fields, no rumor figures (t_ave, residue, ...), and the protocol's own "metrics" (trial
 * figures) and "series" (per-round figures, beside pending/messages/bytes/round_s). A MIN or
 * MAX metric without a value is written as null and left out of summaries. CSV rows leave
 * the rumor columns empty. */
enum gb_sfield {
    GB_SF_ROUNDS, GB_SF_MESSAGES, GB_SF_MSGS_PER_NODE, GB_SF_BYTES_PER_NODE,
    GB_SF_META_BYTES_PER_NODE, GB_SF_PAYLOAD_BYTES_PER_NODE, GB_SF_DROPPED, GB_SF_WALL_S,
    GB_SF_ROUND_S, GB_SF_COUNT
};
extern const char *const gb_sfield_name[GB_SF_COUNT];

typedef struct gb_session_acc {
    size_t count, cap, converged;
    uint32_t nmetrics;
    double *v[GB_SF_COUNT];
    double *m[GB_SESSION_MAX_METRICS];
} gb_session_acc;

/* t: identification and traffic fields (converged, rounds, messages, *_bytes, dropped,
 * wall_s, exchange_s, mpi_bytes); res: the core's result. 0 or GB_ENOMEM / GB_EIO. */
int gb_session_acc_add(gb_session_acc *a, const gb_trial_record *t, const gb_session_result *res);
void gb_session_acc_free(gb_session_acc *a);
int gb_results_session_trial(gb_results *r, const gb_trial_record *t,
                             const gb_session_ops *ops, const gb_session_result *res);
int gb_results_session_summary(gb_results *r, const gb_trial_record *like,
                               const gb_session_ops *ops, uint32_t trials,
                               const gb_session_acc *acc, uint64_t rss_max, uint64_t rss_sum);

#endif
