/* results.c: JSON Lines (jansson) and CSV results with atomic replacement. */
#include "results.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gb_common.h"

const char *const gb_field_name[GB_F_COUNT] = {
    "rounds",    "t_ave",         "t_last",       "residue",         "messages",
    "msgs_per_node", "traffic_m", "bytes",     "bytes_per_node", "duplicates",    "mpi_bytes",
    "wall_s",    "gossip_s",      "monitor_s",    "round_s",       "residue_live",
    "dropped",
};

static uint64_t total_bytes(const gb_trial_record *t)
{
    return t->payload_bytes + t->header_bytes + t->meta_bytes;
}

static void field_values(const gb_trial_record *t, double v[GB_F_COUNT])
{
    double n = (double)t->nodes;
    v[GB_F_ROUNDS] = t->rounds;
    v[GB_F_T_AVE] = t->t_ave;
    v[GB_F_T_LAST] = t->t_last;
    v[GB_F_RESIDUE] = t->residue;
    v[GB_F_MESSAGES] = (double)t->messages;
    v[GB_F_MSGS_PER_NODE] = (double)t->messages / n;
    v[GB_F_TRAFFIC_M] = (double)t->rumor_messages / n;
    v[GB_F_BYTES] = (double)total_bytes(t);
    v[GB_F_BYTES_PER_NODE] = (double)total_bytes(t) / n;
    v[GB_F_DUPLICATES] = (double)t->duplicates;
    v[GB_F_MPI_BYTES] = (double)t->mpi_bytes;
    v[GB_F_WALL_S] = t->wall_s;
    v[GB_F_GOSSIP_S] = t->gossip_s;
    v[GB_F_MONITOR_S] = t->monitor_s;
    v[GB_F_ROUND_S] = t->rounds ? t->gossip_s / t->rounds : 0.0;
    v[GB_F_RESIDUE_LIVE] = t->residue_live;
    v[GB_F_DROPPED] = (double)t->dropped;
}

int gb_acc_add(gb_config_acc *a, const gb_trial_record *t)
{
    if (a->count == a->cap) {
        size_t cap = a->cap ? 2 * a->cap : 64;
        for (int f = 0; f < GB_F_COUNT; f++) {
            double *p = realloc(a->v[f], cap * sizeof *p);
            if (p == NULL)
                return GB_ENOMEM;
            a->v[f] = p;
        }
        a->cap = cap;
    }
    double v[GB_F_COUNT];
    field_values(t, v);
    for (int f = 0; f < GB_F_COUNT; f++)
        a->v[f][a->count] = v[f];
    a->count++;
    a->converged += t->converged ? 1 : 0;
    return 0;
}

int gb_acc_summary(const gb_config_acc *a, gb_summary out[GB_F_COUNT])
{
    for (int f = 0; f < GB_F_COUNT; f++) {
        int rc = gb_summarize(a->v[f], a->count, &out[f]);
        if (rc < 0)
            return rc;
    }
    return 0;
}

void gb_acc_free(gb_config_acc *a)
{
    for (int f = 0; f < GB_F_COUNT; f++)
        free(a->v[f]);
    memset(a, 0, sizeof *a);
}

/* "dir/name" -> "dir/.name.tmp.PID": same folder, so rename() is atomic. */
static char *tmp_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    size_t dirlen = slash ? (size_t)(slash - path + 1) : 0;
    size_t len = strlen(path) + 32;
    char *s = malloc(len);
    if (s != NULL)
        snprintf(s, len, "%.*s.%s.tmp.%ld", (int)dirlen, path, path + dirlen, (long)getpid());
    return s;
}

static int open_one(const char *path, char **final, char **tmp, FILE **fp, char *err)
{
    if (path == NULL || *path == '\0')
        return 0;
    *final = strdup(path);
    *tmp = tmp_name(path);
    if (*final == NULL || *tmp == NULL)
        return gb_seterr(err, GB_ENOMEM, "out of memory");
    *fp = fopen(*tmp, "w");
    if (*fp == NULL)
        return gb_seterr(err, GB_EIO, "cannot write results to '%s': %s", path,
                         strerror(errno));
    return 0;
}

static const char *const csv_columns =
    "protocol,protocol_params,topology,topology_params,nodes,ranks,fanout,seed,trial,source,"
    "converged,rounds,t_ave,t_last,residue,informed,reachable,messages,msgs_per_node,bytes,"
    "bytes_per_node,payload_bytes,header_bytes,meta_bytes,duplicates,mpi_bytes,mpi_messages,"
    "wall_s,gossip_s,monitor_s,exchange_s,rumor_messages,traffic_m,terminated\n";

int gb_results_open(gb_results *r, const char *json_path, const char *csv_path, char *err)
{
    memset(r, 0, sizeof *r);
    int rc = open_one(json_path, &r->json_path, &r->json_tmp, &r->json, err);
    if (rc == 0)
        rc = open_one(csv_path, &r->csv_path, &r->csv_tmp, &r->csv, err);
    if (rc == 0 && r->csv != NULL && fputs(csv_columns, r->csv) < 0)
        rc = gb_seterr(err, GB_EIO, "cannot write results to '%s'", r->csv_path);
    if (rc < 0)
        gb_results_abort(r);
    return rc;
}

int gb_results_write_json(gb_results *r, json_t *obj)
{
    if (obj == NULL)
        return GB_ENOMEM;
    int rc = 0;
    if (r->json != NULL) {
        json_object_set_new(obj, "schema", json_string(GB_SCHEMA));
        char *line = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER);
        if (line == NULL || fprintf(r->json, "%s\n", line) < 0)
            rc = GB_EIO;
        free(line);
    }
    json_decref(obj);
    return rc;
}

static json_t *ident_json(const gb_trial_record *t, const char *type)
{
    json_t *o = json_object();
    json_object_set_new(o, "schema", json_string(GB_SCHEMA));
    json_object_set_new(o, "type", json_string(type));
    json_object_set_new(o, "protocol", json_string(t->protocol));
    json_object_set_new(o, "protocol_params", json_string(t->protocol_params));
    json_object_set_new(o, "topology", json_string(t->topology));
    json_object_set_new(o, "topology_params", json_string(t->topology_params));
    json_object_set_new(o, "nodes", json_integer((json_int_t)t->nodes));
    json_object_set_new(o, "ranks", json_integer(t->ranks));
    json_object_set_new(o, "threads", json_integer(t->threads > 1 ? t->threads : 1));
    json_object_set_new(o, "fanout", json_integer(t->fanout));
    json_object_set_new(o, "seed", json_integer((json_int_t)t->seed));
    return o;
}

/* Per-trial counters: every requested event (unavailable ones with PAPI's reason), the
 * gossip-phase counts reduced over ranks with derived rates, and the SDE counters summed
 * over ranks. */
static json_t *papi_json(const gb_trial_record *t)
{
    const gb_papi *p = t->papi;
    json_t *events = json_array();
    int k = 0;
    double node_rounds = (double)t->nodes * (t->rounds ? t->rounds : 1);
    for (int i = 0; i < p->nevents; i++) {
        const gb_papi_event *ev = &p->ev[i];
        json_t *e = json_pack("{s:s,s:b}", "name", ev->name, "available", ev->available);
        if (ev->available && k < p->hw_count) {
            double total = t->hw_mean[k] * t->ranks;
            json_object_set_new(e, "min", json_real(t->hw_min[k]));
            json_object_set_new(e, "mean", json_real(t->hw_mean[k]));
            json_object_set_new(e, "max", json_real(t->hw_max[k]));
            json_object_set_new(e, "per_message",
                                json_real(t->messages ? total / (double)t->messages : 0.0));
            json_object_set_new(e, "per_node_round", json_real(total / node_rounds));
            k++;
        } else {
            json_object_set_new(e, "reason", json_string(ev->reason));
        }
        json_array_append_new(events, e);
    }
    json_t *o = json_pack("{s:o}", "events", events);
    if (p->sde_ok) {
        json_t *sde = json_object();
        for (int i = 0; i < GB_SDE_COUNT; i++)
            json_object_set_new(sde, gb_sde_names[i], json_integer(t->sde[i]));
        json_object_set_new(o, "sde", sde);
    } else {
        json_object_set_new(o, "sde", json_null());
    }
    return o;
}

int gb_results_trial(gb_results *r, const gb_trial_record *t)
{
    double v[GB_F_COUNT];
    field_values(t, v);
    if (r->json != NULL) {
        json_t *o = ident_json(t, "trial");
        json_object_set_new(o, "trial", json_integer(t->trial));
        json_object_set_new(o, "source", json_integer(t->source));
        json_object_set_new(o, "converged", json_boolean(t->converged));
        json_object_set_new(o, "rounds", json_integer(t->rounds));
        json_object_set_new(o, "t_ave", json_real(t->t_ave));
        json_object_set_new(o, "t_last", json_integer(t->t_last));
        json_object_set_new(o, "residue", json_real(t->residue));
        json_object_set_new(o, "residue_live", json_real(t->residue_live));
        json_object_set_new(o, "dropped", json_integer((json_int_t)t->dropped));
        json_object_set_new(o, "informed", json_integer((json_int_t)t->informed));
        json_object_set_new(o, "reachable", json_integer((json_int_t)t->reachable));
        json_object_set_new(o, "messages", json_integer((json_int_t)t->messages));
        json_object_set_new(o, "msgs_per_node", json_real(v[GB_F_MSGS_PER_NODE]));
        json_object_set_new(o, "rumor_messages", json_integer((json_int_t)t->rumor_messages));
        json_object_set_new(o, "traffic_m", json_real(v[GB_F_TRAFFIC_M]));
        json_object_set_new(o, "terminated", json_boolean(t->terminated));
        json_object_set_new(o, "bytes", json_integer((json_int_t)total_bytes(t)));
        json_object_set_new(o, "bytes_per_node", json_real(v[GB_F_BYTES_PER_NODE]));
        json_object_set_new(o, "payload_bytes", json_integer((json_int_t)t->payload_bytes));
        json_object_set_new(o, "header_bytes", json_integer((json_int_t)t->header_bytes));
        json_object_set_new(o, "meta_bytes", json_integer((json_int_t)t->meta_bytes));
        json_object_set_new(o, "duplicates", json_integer((json_int_t)t->duplicates));
        json_object_set_new(o, "mpi_bytes", json_integer((json_int_t)t->mpi_bytes));
        json_object_set_new(o, "mpi_messages", json_integer((json_int_t)t->mpi_messages));
        json_object_set_new(o, "wall_s", json_real(t->wall_s));
        json_object_set_new(o, "gossip_s", json_real(t->gossip_s));
        json_object_set_new(o, "monitor_s", json_real(t->monitor_s));
        json_object_set_new(o, "exchange_s", json_real(t->exchange_s));
        json_object_set_new(o, "compute_s", json_real(t->compute_s));
        /* Bandwidth over the gossip phase: modelled bytes and bytes MPI really moved, in
         * total and per rank. */
        double gs = t->gossip_s > 0.0 ? t->gossip_s : 1e-300;
        json_object_set_new(o, "modelled_bytes_per_s", json_real((double)total_bytes(t) / gs));
        json_object_set_new(o, "modelled_bytes_per_s_per_rank",
                            json_real((double)total_bytes(t) / gs / t->ranks));
        json_object_set_new(o, "mpi_bytes_per_s", json_real((double)t->mpi_bytes / gs));
        json_object_set_new(o, "mpi_bytes_per_s_per_rank",
                            json_real((double)t->mpi_bytes / gs / t->ranks));
        if (t->papi != NULL)
            json_object_set_new(o, "papi", papi_json(t));
        if (t->replay_s >= 0.0)
            json_object_set_new(o, "replay_s", json_real(t->replay_s));
        json_t *rs = json_array(), *cv = json_array();
        for (uint32_t i = 0; i < t->rounds; i++)
            json_array_append_new(rs, json_real(t->round_s[i]));
        for (uint32_t i = 0; i <= t->rounds; i++)
            json_array_append_new(cv, json_integer((json_int_t)t->curve[i]));
        json_object_set_new(o, "round_s", rs);
        json_object_set_new(o, "curve", cv);
        int rc = gb_results_write_json(r, o);
        if (rc < 0)
            return rc;
    }
    if (r->csv != NULL) {
        int w = fprintf(r->csv,
                        "%s,\"%s\",%s,\"%s\",%llu,%d,%u,%llu,%u,%u,%d,%u,%.6f,%u,%.9g,%llu,%llu,"
                        "%llu,%.6f,%llu,%.6f,%llu,%llu,%llu,%llu,%llu,%llu,%.9g,%.9g,%.9g,%.9g,%llu,%.6f,%d\n",
                        t->protocol, t->protocol_params, t->topology, t->topology_params,
                        (unsigned long long)t->nodes, t->ranks, t->fanout,
                        (unsigned long long)t->seed, t->trial, t->source, t->converged,
                        t->rounds, t->t_ave, t->t_last, t->residue,
                        (unsigned long long)t->informed, (unsigned long long)t->reachable,
                        (unsigned long long)t->messages, v[GB_F_MSGS_PER_NODE],
                        (unsigned long long)total_bytes(t), v[GB_F_BYTES_PER_NODE],
                        (unsigned long long)t->payload_bytes,
                        (unsigned long long)t->header_bytes, (unsigned long long)t->meta_bytes,
                        (unsigned long long)t->duplicates, (unsigned long long)t->mpi_bytes,
                        (unsigned long long)t->mpi_messages, t->wall_s, t->gossip_s,
                        t->monitor_s, t->exchange_s, (unsigned long long)t->rumor_messages,
                        v[GB_F_TRAFFIC_M], t->terminated);
        if (w < 0)
            return GB_EIO;
    }
    return 0;
}

json_t *gb_summary_json(const gb_summary *s)
{
    return json_pack("{s:I,s:f,s:f,s:f,s:f,s:f,s:f,s:f}", "count", (json_int_t)s->count, "mean",
                     s->mean, "sd", s->sd, "min", s->min, "q1", s->q1, "median", s->median,
                     "q3", s->q3, "max", s->max);
}

int gb_results_summary(gb_results *r, const gb_trial_record *like, uint32_t trials,
                       const gb_config_acc *acc, uint64_t rss_max, uint64_t rss_sum)
{
    if (r->json == NULL)
        return 0;
    gb_summary s[GB_F_COUNT];
    int rc = gb_acc_summary(acc, s);
    if (rc < 0)
        return rc;
    json_t *o = ident_json(like, "summary");
    json_object_set_new(o, "trials", json_integer(trials));
    json_object_set_new(o, "converged_trials", json_integer((json_int_t)acc->converged));
    json_object_set_new(o, "peak_rss_bytes_max_rank", json_integer((json_int_t)rss_max));
    json_object_set_new(o, "peak_rss_bytes_all_ranks", json_integer((json_int_t)rss_sum));
    json_object_set_new(o, "peak_rss_bytes_per_node",
                        json_real((double)rss_sum / (double)like->nodes));
    for (int f = 0; f < GB_F_COUNT; f++)
        json_object_set_new(o, gb_field_name[f], gb_summary_json(&s[f]));
    json_object_set_new(o, "graph_connected", r->graph_connected < 0
                                                  ? json_null()
                                                  : json_boolean(r->graph_connected));
    if (r->graph_components > 0)
        json_object_set_new(o, "graph_components", json_integer((json_int_t)r->graph_components));
    if (r->bcast_s > 0.0) {
        /* How a gossip trial compares with what MPI_Bcast takes for the same payload. */
        json_object_set_new(o, "bcast_s", json_real(r->bcast_s));
        json_object_set_new(o, "gossip_over_bcast",
                            json_real(s[GB_F_GOSSIP_S].median / r->bcast_s));
    }
    if (r->bcast_latency_s > 0.0) {
        /* ... and with one broadcast's latency, timed as a trial is (common start to the
         * last rank): how many times longer gossip takes to reach everyone. */
        json_object_set_new(o, "bcast_latency_s", json_real(r->bcast_latency_s));
        json_object_set_new(o, "gossip_over_bcast_latency",
                            json_real(s[GB_F_GOSSIP_S].median / r->bcast_latency_s));
    }
    return gb_results_write_json(r, o);
}

/* Flushes and closes one temporary file; 0 or the errno of the failure. */
static int close_tmp(FILE **fp)
{
    if (*fp == NULL)
        return 0;
    int bad = fflush(*fp) != 0 || ferror(*fp) || fsync(fileno(*fp)) != 0;
    int e = bad ? (errno ? errno : EIO) : 0;
    if (fclose(*fp) != 0 && e == 0)
        e = errno ? errno : EIO;
    *fp = NULL;
    return e;
}

int gb_results_commit(gb_results *r, char *err)
{
    /* Both files are complete on disk before either takes its final name, so a failure
     * leaves neither (rename within a folder is atomic; the second one failing after the
     * first succeeded is the only remaining window). */
    int had_json = r->json != NULL, had_csv = r->csv != NULL;
    int e = close_tmp(&r->json);
    const char *bad = r->json_path;
    if (e == 0) {
        e = close_tmp(&r->csv);
        bad = r->csv_path;
    }
    if (e == 0 && had_json && rename(r->json_tmp, r->json_path) != 0) {
        e = errno;
        bad = r->json_path;
    }
    if (e == 0 && had_csv && rename(r->csv_tmp, r->csv_path) != 0) {
        e = errno;
        bad = r->csv_path;
    }
    int rc = 0;
    if (e != 0) {
        rc = gb_seterr(err, GB_EIO, "cannot write results to '%s': %s", bad, strerror(e));
        if (had_json)
            unlink(r->json_tmp);
        if (had_csv)
            unlink(r->csv_tmp);
    }
    gb_results_abort(r); /* frees the names; the files are closed already */
    return rc;
}

void gb_results_abort(gb_results *r)
{
    if (r->json != NULL) {
        fclose(r->json);
        unlink(r->json_tmp);
    }
    if (r->csv != NULL) {
        fclose(r->csv);
        unlink(r->csv_tmp);
    }
    free(r->json_path);
    free(r->json_tmp);
    free(r->csv_path);
    free(r->csv_tmp);
    memset(r, 0, sizeof *r);
}

/* ------------------------------------------------------------------ session protocols */

const char *const gb_sfield_name[GB_SF_COUNT] = {
    "rounds", "messages", "msgs_per_node", "bytes_per_node", "meta_bytes_per_node",
    "payload_bytes_per_node", "dropped", "wall_s", "round_s",
};

static void sfield_values(const gb_trial_record *t, double v[GB_SF_COUNT])
{
    double n = (double)t->nodes;
    v[GB_SF_ROUNDS] = t->rounds;
    v[GB_SF_MESSAGES] = (double)t->messages;
    v[GB_SF_MSGS_PER_NODE] = (double)t->messages / n;
    v[GB_SF_BYTES_PER_NODE] = (double)total_bytes(t) / n;
    v[GB_SF_META_BYTES_PER_NODE] = (double)t->meta_bytes / n;
    v[GB_SF_PAYLOAD_BYTES_PER_NODE] = (double)t->payload_bytes / n;
    v[GB_SF_DROPPED] = (double)t->dropped;
    v[GB_SF_WALL_S] = t->wall_s;
    v[GB_SF_ROUND_S] = t->rounds ? t->wall_s / t->rounds : 0.0;
}

int gb_session_acc_add(gb_session_acc *a, const gb_trial_record *t, const gb_session_result *res)
{
    if (a->count == a->cap) {
        size_t cap = a->cap ? 2 * a->cap : 64;
        for (int f = 0; f < GB_SF_COUNT; f++) {
            double *p = realloc(a->v[f], cap * sizeof *p);
            if (p == NULL)
                return GB_ENOMEM;
            a->v[f] = p;
        }
        for (uint32_t k = 0; k < res->nmetrics; k++) {
            double *p = realloc(a->m[k], cap * sizeof *p);
            if (p == NULL)
                return GB_ENOMEM;
            a->m[k] = p;
        }
        a->cap = cap;
    }
    double v[GB_SF_COUNT];
    sfield_values(t, v);
    for (int f = 0; f < GB_SF_COUNT; f++)
        a->v[f][a->count] = v[f];
    a->nmetrics = res->nmetrics;
    for (uint32_t k = 0; k < res->nmetrics; k++)
        a->m[k][a->count] = res->metrics[k];
    a->count++;
    a->converged += t->converged ? 1 : 0;
    return 0;
}

void gb_session_acc_free(gb_session_acc *a)
{
    for (int f = 0; f < GB_SF_COUNT; f++)
        free(a->v[f]);
    for (uint32_t k = 0; k < GB_SESSION_MAX_METRICS; k++)
        free(a->m[k]);
    memset(a, 0, sizeof *a);
}

static json_t *finite_or_null(double x)
{
    return isfinite(x) ? json_real(x) : json_null();
}

static json_t *u64_series(const uint64_t *x, uint32_t n)
{
    json_t *a = json_array();
    for (uint32_t i = 0; i < n; i++)
        json_array_append_new(a, json_integer((json_int_t)x[i]));
    return a;
}

static json_t *dbl_series(const double *x, uint32_t n)
{
    json_t *a = json_array();
    for (uint32_t i = 0; i < n; i++)
        json_array_append_new(a, finite_or_null(x[i]));
    return a;
}

int gb_results_session_trial(gb_results *r, const gb_trial_record *t,
                             const gb_session_ops *ops, const gb_session_result *res)
{
    double v[GB_SF_COUNT];
    sfield_values(t, v);
    if (r->json != NULL) {
        json_t *o = ident_json(t, "trial");
        json_object_set_new(o, "kind", json_string("session"));
        json_object_set_new(o, "trial", json_integer(t->trial));
        json_object_set_new(o, "converged", json_boolean(t->converged));
        json_object_set_new(o, "rounds", json_integer(t->rounds));
        json_object_set_new(o, "pending", json_integer((json_int_t)res->pending));
        json_object_set_new(o, "steps", json_integer((json_int_t)res->steps));
        json_object_set_new(o, "dropped", json_integer((json_int_t)t->dropped));
        json_object_set_new(o, "messages", json_integer((json_int_t)t->messages));
        json_object_set_new(o, "msgs_per_node", json_real(v[GB_SF_MSGS_PER_NODE]));
        json_object_set_new(o, "bytes", json_integer((json_int_t)total_bytes(t)));
        json_object_set_new(o, "bytes_per_node", json_real(v[GB_SF_BYTES_PER_NODE]));
        json_object_set_new(o, "payload_bytes", json_integer((json_int_t)t->payload_bytes));
        json_object_set_new(o, "header_bytes", json_integer((json_int_t)t->header_bytes));
        json_object_set_new(o, "meta_bytes", json_integer((json_int_t)t->meta_bytes));
        json_object_set_new(o, "mpi_bytes", json_integer((json_int_t)t->mpi_bytes));
        json_object_set_new(o, "wall_s", json_real(t->wall_s));
        json_object_set_new(o, "exchange_s", json_real(t->exchange_s));
        json_t *m = json_object();
        for (uint32_t k = 0; k < res->nmetrics; k++)
            json_object_set_new(m, ops->metrics[k].name, finite_or_null(res->metrics[k]));
        json_object_set_new(o, "metrics", m);
        json_t *s = json_object();
        json_object_set_new(s, "pending", u64_series(res->round_pending, t->rounds));
        json_object_set_new(s, "messages", u64_series(res->round_messages, t->rounds));
        json_object_set_new(s, "bytes", u64_series(res->round_bytes, t->rounds));
        if (res->round_s != NULL)
            json_object_set_new(s, "round_s", dbl_series(res->round_s, t->rounds));
        for (uint32_t k = 0; k < res->nseries; k++)
            json_object_set_new(s, ops->series[k].name, dbl_series(res->series[k], t->rounds));
        json_object_set_new(o, "series", s);
        int rc = gb_results_write_json(r, o);
        if (rc < 0)
            return rc;
    }
    if (r->csv != NULL) {
        /* The rumor-only columns (source, t_ave, t_last, residue, informed, reachable,
         * duplicates, mpi_messages, gossip_s, monitor_s, rumor_messages, traffic_m,
         * terminated) stay empty. */
        int w = fprintf(r->csv,
                        "%s,\"%s\",%s,\"%s\",%llu,%d,%u,%llu,%u,,%d,%u,,,,,,%llu,%.6f,%llu,%.6f,"
                        "%llu,%llu,%llu,,%llu,,%.9g,,,%.9g,,,\n",
                        t->protocol, t->protocol_params, t->topology, t->topology_params,
                        (unsigned long long)t->nodes, t->ranks, t->fanout,
                        (unsigned long long)t->seed, t->trial, t->converged, t->rounds,
                        (unsigned long long)t->messages, v[GB_SF_MSGS_PER_NODE],
                        (unsigned long long)total_bytes(t), v[GB_SF_BYTES_PER_NODE],
                        (unsigned long long)t->payload_bytes,
                        (unsigned long long)t->header_bytes, (unsigned long long)t->meta_bytes,
                        (unsigned long long)t->mpi_bytes, t->wall_s, t->exchange_s);
        if (w < 0)
            return GB_EIO;
    }
    return 0;
}

int gb_results_session_summary(gb_results *r, const gb_trial_record *like,
                               const gb_session_ops *ops, uint32_t trials,
                               const gb_session_acc *acc, uint64_t rss_max, uint64_t rss_sum)
{
    if (r->json == NULL)
        return 0;
    json_t *o = ident_json(like, "summary");
    json_object_set_new(o, "kind", json_string("session"));
    json_object_set_new(o, "trials", json_integer(trials));
    json_object_set_new(o, "converged_trials", json_integer((json_int_t)acc->converged));
    json_object_set_new(o, "peak_rss_bytes_max_rank", json_integer((json_int_t)rss_max));
    json_object_set_new(o, "peak_rss_bytes_all_ranks", json_integer((json_int_t)rss_sum));
    json_object_set_new(o, "peak_rss_bytes_per_node",
                        json_real((double)rss_sum / (double)like->nodes));
    int rc = 0;
    for (int f = 0; f < GB_SF_COUNT && rc == 0; f++) {
        gb_summary s;
        rc = gb_summarize(acc->v[f], acc->count, &s);
        if (rc == 0)
            json_object_set_new(o, gb_sfield_name[f], gb_summary_json(&s));
    }
    /* Metrics: the trials that have a value (a MIN/MAX figure may have none). */
    double *x = acc->count ? malloc(acc->count * sizeof *x) : NULL;
    json_t *m = json_object();
    for (uint32_t k = 0; k < acc->nmetrics && rc == 0; k++) {
        size_t nx = 0;
        for (size_t i = 0; x != NULL && i < acc->count; i++)
            if (isfinite(acc->m[k][i]))
                x[nx++] = acc->m[k][i];
        gb_summary s;
        rc = gb_summarize(x, nx, &s);
        if (rc == 0)
            json_object_set_new(m, ops->metrics[k].name, gb_summary_json(&s));
    }
    free(x);
    json_object_set_new(o, "metrics", m);
    if (rc < 0) {
        json_decref(o);
        return rc;
    }
    return gb_results_write_json(r, o);
}
