/* main.c: gossip-bench, the driver. Options are parsed before MPI_Init on every rank (all
 * ranks reach the same verdict, only the launcher's rank 0 prints), then the run:
 * topology -> for each protocol: warm-up and measured trials -> records, summary, table.
 * Exit status: 0 success, 1 run-time error, 2 usage error (DESIGN.md, issue "bad input"). */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "engine.h"
#include "session_engine.h"
#include "gb_topology_io.h"
#include "gb_mpi.h"
#include "gb_papi.h"
#include "measure.h"
#include "options.h"
#include "results.h"

#define EXIT_USAGE 2
#define EXIT_RUNTIME 1
#define EXIT_INTERRUPTED 3 /* internal: a signal ended the run; the exit status is 128 + it */

/* MPI baselines: untimed and timed repetitions (OSU style). A simulation has no noise to
 * average out, and at thousands of simulated ranks every repetition costs the simulator
 * seconds, so SMPI builds repeat less (the run record says how often). */
#ifdef GB_SMPI
#define GB_BASELINE_WARMUP 2
#define GB_BASELINE_ITERS 10
#else
#define GB_BASELINE_WARMUP 10
#define GB_BASELINE_ITERS 100
#endif

/* The signal that asked us to stop (SIGINT, SIGTERM: what Slurm sends at a time limit), 0
 * while none has. Trials completed so far are kept and the results file is closed validly,
 * with a record saying the run was interrupted. */
static volatile sig_atomic_t g_signal;
static volatile int g_stop;

static void on_signal(int sig)
{
    g_signal = sig;
    g_stop = 1;
}

static void install_signal_handlers(void)
{
#ifdef GB_SMPI
    /* Every simulated rank lives in the one simulator process, whose signals SimGrid and
     * smpirun handle: a handler here would be installed once per rank and flag one only. */
    return;
#endif
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

/* Collective: whether any rank has been signalled, and by which signal. */
static int any_signal(void)
{
    int mine = (int)g_signal, any = 0;
    GB_MPI(MPI_Allreduce(&mine, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD));
    return any;
}

/* The launcher's rank before MPI_Init (Open MPI, PMIx, Slurm, MPICH); 0 when standalone. */
static int launcher_rank(void)
{
    const char *vars[] = {"OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK", "SLURM_PROCID"};
    for (size_t i = 0; i < GB_ARRAY_LEN(vars); i++) {
        const char *v = getenv(vars[i]);
        if (v != NULL && *v != '\0')
            return atoi(v);
    }
    return 0;
}

typedef struct run_ctx {
    gb_options *o;
    int rank, size;
    uint64_t n;
    gb_topology *topo;
    gb_results res;
    gb_placement place;
    enum gb_transport_kind transport;
    double topology_s; /* generation time, max over ranks */
    gb_graph_stats gstats; /* rank 0 */
    int gstats_rc;         /* 0 when gstats is valid */
    gb_papi papi;
    json_t *machine;       /* rank 0: hosts and ranks (hwloc) */
    int unbound;           /* ranks without a CPU binding */
    int bind_failed;       /* --bind could not bind some rank */
    gb_baselines base; /* MPI baselines */
    int bcast_root;
    int signal; /* the signal that interrupted the run, 0 when none */
    int min_cpus; /* fewest CPUs a rank may run on (its affinity mask), 0 when unknown */
    int threads_auto; /* --threads auto resolved o->threads */
} run_ctx;

static void say(const run_ctx *c, const char *msg)
{
    if (c->rank == 0)
        fprintf(stderr, "gossip-bench: %s\n", msg);
}

/* All ranks agree on the worst return code; rank 0 prints err (every rank computed the
 * same verdict, or the failing rank's text is replaced by a generic line). */
static int agree(const run_ctx *c, int rc, char *err)
{
    int worst = rc;
    (void)c; /* every call site's context, kept for a future sub-communicator */
    GB_MPI(MPI_Allreduce(&rc, &worst, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD));
    if (worst < 0 && rc == 0)
        snprintf(err, GB_ERRLEN, "another rank failed: %s", gb_strerror(worst));
    return worst;
}

static void iso_date(char *buf, size_t len)
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static json_t *run_record(const run_ctx *c)
{
    const gb_options *o = c->o;
    const gb_topology *t = c->topo;
    char tparams[GB_SPEC_LEN], date[64];
    gb_params_format(&o->topology_params, tparams, sizeof tparams);
    iso_date(date, sizeof date);
    json_t *r = gb_measure_versions();
    json_object_set_new(r, "type", json_string("run"));
    json_object_set_new(r, "command", json_string(o->command_line));
    json_t *protos = json_array();
    for (int i = 0; i < o->nprotocols; i++)
        json_array_append_new(protos, json_string(o->protocol_spec[i]));
    gb_node_t first;
    uint32_t lo, hi;
    gb_block_range(c->n, c->size, c->size - 1, &first, &lo);
    gb_block_range(c->n, c->size, 0, &first, &hi);
    json_t *graph = json_pack("{s:I,s:I,s:I,s:I,s:b,s:b}", "nodes", (json_int_t)t->n, "edges",
                              (json_int_t)t->edges, "degree_min", (json_int_t)t->min_degree,
                              "degree_max", (json_int_t)t->max_degree, "connected",
                              t->connected == 1, "directed", t->directed);
    if (c->gstats_rc == 0) {
        const gb_graph_stats *g = &c->gstats;
        json_object_set_new(graph, "degree_mean", json_real(g->degree_mean));
        json_object_set_new(graph, "components", json_integer((json_int_t)g->components));
        json_object_set_new(graph, "largest_component",
                            json_integer((json_int_t)g->largest_component));
        json_object_set_new(graph, "diameter", json_integer(g->diameter));
        json_object_set_new(graph, "diameter_exact", json_boolean(g->diameter_exact));
    } else {
        json_object_set_new(graph, "stats",
                            json_string(t->directed ? "not computed: directed overlay"
                                                    : "not computed: over 2e8 arcs"));
    }
    json_t *more = json_pack(
        "{s:o,s:s,s:s,s:I,s:i,s:i,s:i,s:I,s:i,s:i,s:i,s:i,s:i,s:i,s:s,s:b,s:s,s:i,s:i,s:b,s:s,s:o}",
        "protocols", protos, "topology", t->ops->name, "topology_params", tparams, "nodes",
        (json_int_t)c->n, "ranks", c->size, "nodes_per_rank_min", (int)lo,
        "nodes_per_rank_max", (int)hi, "seed", (json_int_t)o->seed, "trials", (int)o->trials,
        "warmup", (int)o->warmup, "fanout", (int)o->fanout, "payload", (int)o->payload,
        "header_bytes", (int)GB_HEADER_BYTES, "max_rounds", (int)o->max_rounds, "transport",
        gb_transport_name(c->transport), "ordered_delivery", o->ordered, "host", c->place.host,
        "hosts", c->place.hosts, "max_ranks_per_host", c->place.max_ranks_host,
        "oversubscribed", c->place.oversubscribed, "date", date, "graph", graph);
    json_object_set_new(more, "source",
                        o->source_random ? json_string("random") : json_integer(o->source));
    json_object_set_new(more, "replay_exchange", json_boolean(o->replay));
    char faults[GB_FAULTS_TEXT_MAX];
    gb_faults_format(&o->faults, faults, sizeof faults);
    json_object_set_new(more, "faults", json_string(faults));
    json_object_set_new(more, "baselines",
                        json_pack("{s:f,s:f,s:f,s:f,s:i,s:i,s:i,s:i}", "bcast_s",
                                  c->base.bcast_s, "bcast_latency_s", c->base.bcast_latency_s,
                                  "bcast_latency_min_s", c->base.bcast_latency_min_s,
                                  "allreduce_s", c->base.allreduce_s, "payload", (int)o->payload,
                                  "root", c->bcast_root, "warmup", GB_BASELINE_WARMUP,
                                  "iterations", GB_BASELINE_ITERS));
    json_t *events = json_array();
    for (int i = 0; i < c->papi.nevents; i++) {
        const gb_papi_event *ev = &c->papi.ev[i];
        json_t *e = json_pack("{s:s,s:b}", "name", ev->name, "available", ev->available);
        if (!ev->available)
            json_object_set_new(e, "reason", json_string(ev->reason));
        json_array_append_new(events, e);
    }
    json_t *sde = json_array();
    for (int i = 0; i < GB_SDE_COUNT; i++) {
        char name[96];
        snprintf(name, sizeof name, "sde:::gossipbench::%s", gb_sde_names[i]);
        json_array_append_new(sde, json_string(name));
    }
    json_object_set_new(more, "papi",
                        json_pack("{s:b,s:b,s:s,s:s,s:o,s:o,s:b,s:b}", "built", c->papi.built,
                                  "initialised", c->papi.initialised, "version",
                                  c->papi.version, "error", c->papi.init_error, "events", events,
                                  "sde_events", sde, "sde_readable", c->papi.sde_ok, "required",
                                  o->papi_required));
    json_object_set_new(more, "machine", c->machine ? json_incref(c->machine) : json_null());
    json_object_set_new(more, "unbound_ranks", json_integer(c->unbound));
    json_object_set_new(more, "bind", json_boolean(o->bind));
    json_object_set_new(more, "threads", json_integer(o->threads));
    json_object_set_new(more, "threads_auto", json_boolean(c->threads_auto));
#ifdef HAVE_OPENMP
    json_object_set_new(more, "openmp", json_true());
#else
    json_object_set_new(more, "openmp", json_false());
#endif
    json_object_set_new(more, "topology_s", json_real(c->topology_s));
    json_object_set_new(more, "topology_bytes", json_integer((json_int_t)t->bytes));
    /* SimGrid SMPI builds: simulated times, and the model settings they depend on. */
    json_t *sim = gb_measure_simulation();
    json_object_set_new(more, "simulated", json_boolean(sim != NULL));
    json_object_set_new(more, "simulation", sim ? sim : json_null());
    json_object_update(r, more);
    json_decref(more);
    return r;
}

/* The threads line of the header: how many, which protocols use them, and a warning when
 * they cannot all run at once. */
static void print_threads(const run_ctx *c)
{
    const gb_options *o = c->o;
    printf("# threads: %u per rank%s", o->threads,
           c->threads_auto ? " (auto: the CPUs each rank is given)" : "");
    if (o->threads > 1) {
        int n = 0;
        for (int i = 0; i < o->nprotocols; i++) {
            const gb_protocol_ops *p = o->protocol[i];
            int one = p == NULL || !(p->flags & GB_PROTO_THREADSAFE) || o->ordered;
            if (one)
                printf("%s%s", n++ ? ", " : " (on 1 thread: ", o->protocol_spec[i]);
        }
        if (n > 0)
            printf("%s)", o->ordered ? ", ordered delivery" : ", not thread-safe");
    }
    printf("\n");
    if (o->threads > 1 && c->min_cpus > 0 && (uint32_t)c->min_cpus < o->threads &&
        c->min_cpus < c->place.cores_host)
        printf("# WARNING: a rank may run on %d CPU(s) only (its binding) but has %u threads: "
               "they take turns (launch with --bind-to none or a wider binding)\n",
               c->min_cpus, o->threads);
    if (o->threads > 1 && (long)c->place.max_ranks_host * o->threads > c->place.cores_host)
        printf("# WARNING: %d rank(s) x %u threads on a host with %d cores: timings are not "
               "comparable\n", c->place.max_ranks_host, o->threads, c->place.cores_host);
}

static void print_header(const run_ctx *c)
{
    const gb_options *o = c->o;
    const gb_topology *t = c->topo;
    char mpi[256], tparams[GB_SPEC_LEN];
    gb_measure_mpi_version(mpi, sizeof mpi);
    gb_params_format(&o->topology_params, tparams, sizeof tparams);
    gb_node_t first;
    uint32_t lo, hi;
    gb_block_range(c->n, c->size, c->size - 1, &first, &lo);
    gb_block_range(c->n, c->size, 0, &first, &hi);
    printf("# gossip-bench %s (results schema %s)\n", PACKAGE_VERSION, GB_SCHEMA);
    printf("# command: %s\n", o->command_line);
    printf("# MPI: %s; %d rank(s) on %d host(s), %d core(s) on %s\n", mpi, c->size,
           c->place.hosts, c->place.cores_host, c->place.host);
    json_t *sim = gb_measure_simulation();
    if (sim != NULL) {
        json_t *cfg = json_object_get(sim, "config");
        printf("# SIMULATED (%s SMPI): times are simulated seconds; host speed %.3g flop/s, "
               "smpi/iprobe %g s, smpi/test %g s, smpi/simulate-computation %s\n",
               json_string_value(json_object_get(sim, "simulator")),
               json_real_value(json_object_get(sim, "host_speed_flops")),
               json_real_value(json_object_get(cfg, "smpi/iprobe")),
               json_real_value(json_object_get(cfg, "smpi/test")),
               json_is_true(json_object_get(cfg, "smpi/simulate-computation")) ? "yes" : "no");
        json_decref(sim);
    }
    if (c->place.oversubscribed)
        printf("# WARNING: more ranks than cores on a host (%d ranks, %d cores): timings are "
               "not comparable\n", c->place.max_ranks_host, c->place.cores_host);
    printf("# nodes: %llu (%u..%u per rank, block placement)\n", (unsigned long long)c->n, lo,
           hi);
    printf("# topology: %s%s%s: %llu %s, degree %u..%u, %s; built in %.3f s, %.1f MB\n",
           t->ops->name, *tparams ? " " : "", tparams, (unsigned long long)t->edges,
           t->directed ? "arcs" : "edges", t->min_degree, t->max_degree,
           t->connected == 1 ? "connected" : t->connected == 0 ? "DISCONNECTED" : "connectivity unknown",
           c->topology_s, (double)t->bytes / 1e6);
    if (c->gstats_rc == 0)
        printf("# graph: mean degree %.2f, %llu component(s) (largest %llu nodes), diameter "
               "%u%s\n", c->gstats.degree_mean, (unsigned long long)c->gstats.components,
               (unsigned long long)c->gstats.largest_component, c->gstats.diameter,
               c->gstats.diameter_exact ? "" : " (double-sweep lower bound)");
    if (t->connected == 0)
        printf("# WARNING: the overlay is disconnected: nodes out of the source's reach count as "
               "residue\n");
    printf("# fanout %u, payload %u B + header %u B, seed %llu, trials %u (+%u warm-up), "
           "max-rounds %u, transport %s%s\n",
           o->fanout, o->payload, GB_HEADER_BYTES, (unsigned long long)o->seed, o->trials,
           o->warmup, o->max_rounds, gb_transport_name(c->transport),
           o->ordered ? ", ordered delivery" : "");
    printf("# source: %s\n", o->source_random ? "random per trial" : "fixed");
    print_threads(c);
    if (o->faults.any) {
        char faults[GB_FAULTS_TEXT_MAX];
        gb_faults_format(&o->faults, faults, sizeof faults);
        printf("# faults: %s\n", faults);
    }
    printf("# baselines (payload %u B, root %d, %d iterations): MPI_Bcast %.2f us alone "
           "(%.2f us back to back), MPI_Allreduce %.2f us\n", o->payload, c->bcast_root,
           GB_BASELINE_ITERS, c->base.bcast_latency_s * 1e6, c->base.bcast_s * 1e6,
           c->base.allreduce_s * 1e6);
    int avail = 0;
    for (int i = 0; i < c->papi.nevents; i++)
        avail += c->papi.ev[i].available;
    printf("# PAPI %s: %d of %d events available%s%s; SDE counters %s\n", c->papi.version, avail,
           c->papi.nevents, c->papi.init_error[0] ? ", " : "", c->papi.init_error,
           c->papi.sde_ok ? "read through PAPI" : "not available");
    if (c->unbound > 0)
        printf("# WARNING: %d rank(s) not bound to cores: timings are not comparable (use the "
               "launcher's binding or --bind)\n", c->unbound);
    if (c->bind_failed)
        printf("# WARNING: --bind could not bind every rank\n");
    printf("#\n# %-16s %6s %5s %8s %6s %5s %5s %7s %7s %9s %10s %9s %11s %10s %10s\n",
           "protocol", "trials", "conv", "rounds", "sd", "min", "max", "t_ave", "t_last",
           "residue", "msgs/node", "traffic", "bytes/node", "ms/trial", "us/round");
    fflush(stdout);
}

static void print_row(const char *name, const gb_config_acc *acc, const gb_summary *s)
{
    printf("  %-16s %6zu %5zu %8.2f %6.2f %5.0f %5.0f %7.2f %7.2f %9.3g %10.2f %9.2f %11.1f "
           "%10.3f %10.2f\n",
           name, acc->count, acc->converged, s[GB_F_ROUNDS].mean, s[GB_F_ROUNDS].sd,
           s[GB_F_ROUNDS].min, s[GB_F_ROUNDS].max, s[GB_F_T_AVE].mean, s[GB_F_T_LAST].mean,
           s[GB_F_RESIDUE].mean, s[GB_F_MSGS_PER_NODE].mean, s[GB_F_TRAFFIC_M].mean,
           s[GB_F_BYTES_PER_NODE].mean, s[GB_F_WALL_S].median * 1e3,
           s[GB_F_ROUND_S].median * 1e6);
    fflush(stdout);
}

/* A session protocol's row: the rumor-only columns show '-'; its metrics (medians over the
 * trials that have a value) follow on a comment line. */
static void print_session_row(const char *name, const gb_session_ops *ops,
                              const gb_session_acc *acc)
{
    gb_summary s[GB_SF_COUNT];
    for (int f = 0; f < GB_SF_COUNT; f++)
        if (gb_summarize(acc->v[f], acc->count, &s[f]) < 0)
            return;
    printf("  %-16s %6zu %5zu %8.2f %6.2f %5.0f %5.0f %7s %7s %9s %10.2f %9s %11.1f %10.3f "
           "%10.2f\n",
           name, acc->count, acc->converged, s[GB_SF_ROUNDS].mean, s[GB_SF_ROUNDS].sd,
           s[GB_SF_ROUNDS].min, s[GB_SF_ROUNDS].max, "-", "-", "-",
           s[GB_SF_MSGS_PER_NODE].mean, "-", s[GB_SF_BYTES_PER_NODE].mean,
           s[GB_SF_WALL_S].median * 1e3, s[GB_SF_ROUND_S].median * 1e6);
    if (acc->nmetrics > 0) {
        printf("#   %s metrics (median over trials with a value):", name);
        double *x = acc->count ? malloc(acc->count * sizeof *x) : NULL;
        for (uint32_t k = 0; k < acc->nmetrics; k++) {
            size_t nx = 0;
            for (size_t t = 0; x != NULL && t < acc->count; t++)
                if (isfinite(acc->m[k][t]))
                    x[nx++] = acc->m[k][t];
            gb_summary m;
            if (nx > 0 && gb_summarize(x, nx, &m) == 0)
                printf(" %s=%.4g", ops->metrics[k].name, m.median);
            else
                printf(" %s=-", ops->metrics[k].name);
        }
        free(x);
        printf("\n");
    }
    fflush(stdout);
}

/* Peak resident memory so far (Linux reports ru_maxrss in KiB), largest rank and sum, on
 * rank 0 (collective). */
static void peak_rss(uint64_t *rss_max, uint64_t *rss_sum)
{
    struct rusage ru;
    uint64_t rss = getrusage(RUSAGE_SELF, &ru) == 0 ? (uint64_t)ru.ru_maxrss * 1024u : 0;
#ifdef GB_SMPI
    /* One process holds every simulated rank: its peak counts once (rank 0's), so the
     * largest rank and the sum are both the simulator's peak. */
    int rank = 0;
    GB_MPI(MPI_Comm_rank(MPI_COMM_WORLD, &rank));
    if (rank != 0)
        rss = 0;
#endif
    *rss_max = *rss_sum = rss;
    GB_MPI(MPI_Reduce(&rss, rss_max, 1, MPI_UINT64_T, MPI_MAX, 0, MPI_COMM_WORLD));
    GB_MPI(MPI_Reduce(&rss, rss_sum, 1, MPI_UINT64_T, MPI_SUM, 0, MPI_COMM_WORLD));
}

/* Rank 0: the "interrupted" record after `completed` trials of configuration i. */
static int write_interrupted(run_ctx *c, int i, size_t completed)
{
    const gb_options *o = c->o;
    json_t *rec = json_pack("{s:s,s:i,s:s,s:I,s:I}", "type", "interrupted", "signal", c->signal,
                            "protocol", o->protocol_spec[i], "completed_trials",
                            (json_int_t)completed, "requested_trials", (json_int_t)o->trials);
    printf("# interrupted during %s after %zu of %u trials: the results hold the completed "
           "trials\n", o->protocol_spec[i], completed, o->trials);
    return gb_results_write_json(&c->res, rec) < 0 ? GB_EIO : 0;
}

static int run_session(run_ctx *c, int i);

/* Runs every trial of protocol i. Returns 0 or an exit status. */
static int run_protocol(run_ctx *c, int i)
{
    gb_options *o = c->o;
    if (o->session[i] != NULL)
        return run_session(c, i);
    char err[GB_ERRLEN] = "";
    gb_engine_cfg cfg = {.proto = o->protocol[i], .proto_params = &o->protocol_params[i],
                         .topo = c->topo, .n = c->n, .fanout = o->fanout,
                         .payload = o->payload, .max_rounds = o->max_rounds, .seed = o->seed,
                         .source_random = o->source_random, .source = o->source,
                         .transport = c->transport, .ordered = o->ordered, .replay = o->replay,
                         .threads = o->threads,
                         .papi = &c->papi, .stop = &g_stop, .faults = &o->faults,
                         .comm = MPI_COMM_WORLD};
    gb_engine *e = NULL;
    int rc = agree(c, gb_engine_create(&cfg, &e, err), err);
    if (rc < 0) {
        say(c, err);
        gb_engine_free(e);
        return rc == GB_EINVAL ? EXIT_USAGE : EXIT_RUNTIME;
    }
    char pparams[GB_SPEC_LEN], tparams[GB_SPEC_LEN];
    gb_params_format(&o->protocol_params[i], pparams, sizeof pparams);
    gb_params_format(&o->topology_params, tparams, sizeof tparams);
    gb_trial_record rec = {.protocol = o->protocol[i]->name, .protocol_params = pparams,
                           .topology = c->topo->ops->name, .topology_params = tparams,
                           .nodes = c->n, .ranks = c->size, .threads = gb_engine_threads(e),
                           .fanout = o->fanout,
                           .seed = o->seed};
    gb_config_acc acc = {0};
    double t0 = MPI_Wtime();
    /* Warm-up trials use trial numbers past the measured ones' range, so they never repeat
     * a measured trial's random streams. */
    for (uint32_t w = 0; w < o->warmup && rc == 0; w++)
        rc = gb_engine_run_trial(e, 0x80000000u + w, &rec, err);
    for (uint32_t t = 0; t < o->trials && rc == 0; t++) {
        if (any_signal()) {
            rc = GB_EINTR;
            break;
        }
        rc = gb_engine_run_trial(e, t, &rec, err);
        if (rc == 0 && c->rank == 0) {
            rc = gb_acc_add(&acc, &rec);
            if (rc == 0 && gb_results_trial(&c->res, &rec) < 0)
                rc = gb_seterr(err, GB_EIO, "cannot write results: %s", gb_strerror(GB_EIO));
        }
        rc = agree(c, rc, err);
    }
    uint64_t rss_max, rss_sum;
    peak_rss(&rss_max, &rss_sum);
    /* Interrupted: the trials completed so far still get their summary (it says how many). */
    int interrupted = rc == GB_EINTR;
    if (interrupted) {
        rc = 0;
        c->signal = any_signal();
    }
    if (rc == 0 && c->rank == 0 && (!interrupted || acc.count > 0)) {
        rec.trial = 0;
        if (gb_results_summary(&c->res, &rec, (uint32_t)acc.count, &acc, rss_max, rss_sum) < 0)
            rc = gb_seterr(err, GB_EIO, "cannot write the summary record");
        gb_summary s[GB_F_COUNT];
        if (rc == 0 && gb_acc_summary(&acc, s) == 0)
            print_row(o->protocol_spec[i], &acc, s);
        if (!o->quiet)
            fprintf(stderr, "gossip-bench: %s: %u trials in %.2f s\n", o->protocol_spec[i],
                    o->trials, MPI_Wtime() - t0);
    }
    rc = agree(c, rc, err);
    if (rc == 0 && interrupted && c->rank == 0)
        rc = write_interrupted(c, i, acc.count);
    gb_acc_free(&acc);
    gb_engine_free(e);
    if (rc < 0) {
        say(c, err);
        return EXIT_RUNTIME;
    }
    return interrupted ? EXIT_INTERRUPTED : 0;
}

/* A session protocol (gb_session.h): its own engine and trial records. */
static int run_session(run_ctx *c, int i)
{
    gb_options *o = c->o;
    const gb_session_ops *ops = o->session[i];
    char err[GB_ERRLEN] = "";
    gb_session_cfg cfg = {.ops = ops, .params = &o->protocol_params[i], .topo = c->topo,
                          .n = c->n, .fanout = o->fanout, .max_rounds = o->max_rounds,
                          .seed = o->seed, .faults = &o->faults};
    gb_session_engine *e = NULL;
    int rc = agree(c, gb_session_engine_create(&cfg, c->transport, &g_stop, MPI_COMM_WORLD,
                                               &e, err), err);
    if (rc < 0) {
        say(c, err);
        gb_session_engine_free(e);
        return rc == GB_EINVAL ? EXIT_USAGE : EXIT_RUNTIME;
    }
    char pparams[GB_SPEC_LEN], tparams[GB_SPEC_LEN];
    gb_params_format(&o->protocol_params[i], pparams, sizeof pparams);
    gb_params_format(&o->topology_params, tparams, sizeof tparams);
    gb_trial_record rec = {.protocol = ops->name, .protocol_params = pparams,
                           .topology = c->topo->ops->name, .topology_params = tparams,
                           .nodes = c->n, .ranks = c->size, .fanout = o->fanout,
                           .seed = o->seed};
    gb_session_acc acc = {0};
    gb_session_result res;
    double t0 = MPI_Wtime(), wall = 0.0;
    uint64_t mpi_bytes = 0;
    for (uint32_t w = 0; w < o->warmup && rc == 0; w++)
        rc = gb_session_engine_run(e, 0x80000000u + w, &res, &wall, &mpi_bytes, err);
    for (uint32_t t = 0; t < o->trials && rc == 0; t++) {
        if (any_signal()) {
            rc = GB_EINTR;
            break;
        }
        rc = gb_session_engine_run(e, t, &res, &wall, &mpi_bytes, err);
        if (rc == 0 && c->rank == 0) {
            rec.trial = t;
            rec.converged = res.converged;
            rec.rounds = res.rounds;
            rec.messages = res.messages;
            rec.payload_bytes = res.payload_bytes;
            rec.header_bytes = res.header_bytes;
            rec.meta_bytes = res.meta_bytes;
            rec.dropped = res.dropped;
            rec.wall_s = rec.gossip_s = wall;
            rec.exchange_s = res.exchange_s;
            rec.mpi_bytes = mpi_bytes;
            rc = gb_session_acc_add(&acc, &rec, &res);
            if (rc == 0 && gb_results_session_trial(&c->res, &rec, ops, &res) < 0)
                rc = gb_seterr(err, GB_EIO, "cannot write results: %s", gb_strerror(GB_EIO));
        }
        rc = agree(c, rc, err);
    }
    uint64_t rss_max, rss_sum;
    peak_rss(&rss_max, &rss_sum);
    int interrupted = rc == GB_EINTR;
    if (interrupted) {
        rc = 0;
        c->signal = any_signal();
    }
    if (rc == 0 && c->rank == 0 && (!interrupted || acc.count > 0)) {
        rec.trial = 0;
        if (gb_results_session_summary(&c->res, &rec, ops, (uint32_t)acc.count, &acc, rss_max,
                                       rss_sum) < 0)
            rc = gb_seterr(err, GB_EIO, "cannot write the summary record");
        print_session_row(o->protocol_spec[i], ops, &acc);
        if (!o->quiet)
            fprintf(stderr, "gossip-bench: %s: %u trials in %.2f s\n", o->protocol_spec[i],
                    o->trials, MPI_Wtime() - t0);
    }
    rc = agree(c, rc, err);
    if (rc == 0 && interrupted && c->rank == 0)
        rc = write_interrupted(c, i, acc.count);
    gb_session_acc_free(&acc);
    gb_session_engine_free(e);
    if (rc < 0) {
        say(c, err);
        return EXIT_RUNTIME;
    }
    return interrupted ? EXIT_INTERRUPTED : 0;
}

/* MemAvailable of this host in bytes (Linux), 0 when unknown. */
static uint64_t host_available_bytes(void)
{
    FILE *f = fopen("/proc/meminfo", "r");
    if (f == NULL)
        return 0;
    char line[256];
    unsigned long long kb = 0;
    while (fgets(line, sizeof line, f) != NULL)
        if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1)
            break;
    fclose(f);
    return (uint64_t)kb * 1024u;
}

/* Collective: refuse, before anything large is allocated, a run whose estimated memory per
 * host exceeds what the host has available. Every rank builds the whole overlay, so a
 * host needs (overlay + its ranks' protocol state and message buffers) times its ranks.
 * Returns 0, or GB_ENOMEM with the estimate in err. */
static int check_memory(const run_ctx *c, char *err)
{
    const gb_options *o = c->o;
    uint64_t n = c->n;
    if (n == 0) /* a file topology: known only once read */
        return 0;
    double topo = o->topology->estimate_bytes ? (double)o->topology->estimate_bytes(&o->topology_params, n) : 0.0;
    gb_node_t first;
    uint32_t local;
    gb_block_range(n, c->size, 0, &first, &local);
    double state = 0.0;
    for (int i = 0; i < o->nprotocols; i++) {
        const gb_session_ops *so = o->session[i];
        double per_node = o->protocol[i] != NULL ? o->protocol[i]->state_bytes_per_node
                          : so->state_bytes != NULL
                              ? (double)so->state_bytes(&o->protocol_params[i], n)
                              : so->state_bytes_per_node;
        double s = per_node * local;
        state = s > state ? s : state;
    }
    /* Buffered messages (other ranks, or all of them for canonical delivery): at most a
     * contact and a reply per peer and node, 16 bytes each, in two phases. */
    double buffers = (c->size > 1 || o->ordered) ? 64.0 * o->fanout * local * (o->ordered ? 2 : 1)
                                                 : 0.0;
    /* The fault layer's node states and its n-bit scratch set (faults.h). */
    double faults = (double)gb_fault_view_bytes(&o->faults, n, local);
    double per_rank = topo + state + buffers + faults + 64.0 * 1024 * 1024; /* + MPI etc. */
    int on_host = 1, host_rank, host_leader;
    gb_measure_host_ranks(MPI_COMM_WORLD, &on_host, &host_rank, &host_leader);
#ifdef GB_SMPI
    /* Simulated: every rank lives in this one process, with SMPI's own per-rank cost
     * (about 1 MiB: private data segment, stack in use, O(ranks) tables) for MPI's. */
    per_rank = topo + state + buffers + faults + 1024.0 * 1024 + 256.0 * c->size;
    on_host = c->size;
#endif
    double need = per_rank * on_host;
    uint64_t avail = host_available_bytes();
    int bad = avail > 0 && need > (double)avail, any = 0;
    GB_MPI(MPI_Allreduce(&bad, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD));
    if (!any)
        return 0;
    /* Rank 0 may be on a host that fits: say what the worst host needs. */
    double worst[2] = {bad ? need : 0.0, bad ? (double)avail : 0.0}, w[2];
    GB_MPI(MPI_Allreduce(worst, w, 2, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD));
    return gb_seterr(err, GB_ENOMEM,
                     "not enough memory: the run needs about %.1f GiB per host (%.2f GiB "
                     "overlay + %.2f GiB state and buffers per rank, x %d rank(s)) but %.1f GiB "
                     "are available; use fewer nodes, fewer ranks per host or more hosts",
                     w[0] / 1073741824.0, topo / 1073741824.0,
                     (state + buffers) / 1073741824.0, on_host, w[1] / 1073741824.0);
}

/* --dump-topology: edge list, or Graphviz DOT for a .dot name, written under a temporary
 * name and renamed, like the results. */
static int dump_topology(const gb_topology *t, const char *path, char *err)
{
    size_t len = strlen(path);
    int dot = len > 4 && strcmp(path + len - 4, ".dot") == 0;
    char *tmp = malloc(len + 32);
    if (tmp == NULL)
        return gb_seterr(err, GB_ENOMEM, "--dump-topology: out of memory");
    snprintf(tmp, len + 32, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    int rc;
    if (f == NULL) {
        rc = gb_seterr(err, GB_EIO, "--dump-topology: cannot write '%s': %s", path,
                       strerror(errno));
    } else {
        rc = dot ? gb_topology_dump_dot(t, f, 10000, err) : gb_topology_dump_edgelist(t, f, err);
        if (fclose(f) != 0 && rc == 0)
            rc = gb_seterr(err, GB_EIO, "--dump-topology: cannot write '%s': %s", path,
                           strerror(errno));
        if (rc == 0 && rename(tmp, path) != 0)
            rc = gb_seterr(err, GB_EIO, "--dump-topology: cannot write '%s': %s", path,
                           strerror(errno));
        if (rc < 0)
            unlink(tmp);
    }
    free(tmp);
    if (rc < 0 && strncmp(err, "--dump-topology", 15) != 0) {
        char why[GB_ERRLEN];
        snprintf(why, sizeof why, "%s", err);
        gb_seterr(err, rc, "--dump-topology: %s", why);
    }
    return rc;
}

/* Graph statistics for the header and the run record (rank 0). Exact diameters up to 2048
 * nodes; above that the double-sweep bound. Overlays with more than 2*10^8 arcs are not
 * searched (it would cost more than most runs): the record says so. */
static void graph_stats(run_ctx *c)
{
    const gb_topology *t = c->topo;
    memset(&c->gstats, 0, sizeof c->gstats);
    c->gstats_rc = GB_ERANGE;
    if (t->complete || 2 * t->edges <= 200000000ull)
        c->gstats_rc = gb_topology_stats(t, 2048, &c->gstats);
}

static int run(gb_options *o)
{
    run_ctx c = {.o = o};
    char err[GB_ERRLEN] = "";
    GB_MPI(MPI_Comm_rank(MPI_COMM_WORLD, &c.rank));
    GB_MPI(MPI_Comm_size(MPI_COMM_WORLD, &c.size));
    if (o->bind) {
        int failed = gb_measure_bind(MPI_COMM_WORLD) < 0, any = 0;
        GB_MPI(MPI_Allreduce(&failed, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD));
        c.bind_failed = any;
    }
    /* Nodes: --nodes, else the file's own count for --topology file, else one per rank. */
    int from_file = o->nodes == 0 && o->topology == &gb_topology_file;
    c.n = o->nodes ? o->nodes : from_file ? 0 : (uint64_t)c.size;
    if (!from_file && c.n < 2) {
        snprintf(err, sizeof err,
                 "--nodes: one node per rank on %d rank(s) gives %llu node; gossip needs at "
                 "least 2 (pass --nodes N)", c.size, (unsigned long long)c.n);
        say(&c, err);
        return EXIT_USAGE;
    }
    c.transport = o->transport;
    if (c.transport == GB_TRANSPORT_AUTO)
        c.transport = c.size == 1 ? GB_TRANSPORT_LOCAL : GB_TRANSPORT_NBX;
    if (c.transport == GB_TRANSPORT_LOCAL && c.size > 1) {
        snprintf(err, sizeof err,
                 "--transport local runs in one process, but %d MPI ranks were started",
                 c.size);
        say(&c, err);
        return EXIT_USAGE;
    }
    /* Session protocols' checks that need n, before the memory estimate uses n. */
    for (int i = 0; i < o->nprotocols && c.n > 0; i++)
        if (o->session[i] != NULL && o->session[i]->check != NULL &&
            o->session[i]->check(&o->protocol_params[i], c.n, err) < 0) {
            say(&c, err);
            return EXIT_USAGE;
        }
    int mrc = check_memory(&c, err);
    if (mrc < 0) {
        say(&c, err);
        return EXIT_RUNTIME;
    }
    /* Placement, for overlays shaped by where the ranks run (locality). */
    int *where = malloc(3 * (size_t)c.size * sizeof *where);
    if (where == NULL) {
        say(&c, "out of memory for the placement table");
        return EXIT_RUNTIME;
    }
    gb_measure_rank_locality(MPI_COMM_WORLD, where, where + c.size, where + 2 * c.size);
    gb_topology_ctx tctx = {.ranks = c.size, .host = where, .numa = where + c.size,
                            .core = where + 2 * c.size};
    double t0 = MPI_Wtime();
    int rc = gb_topology_create_spec_ctx(o->topology_spec, c.n, o->seed, &tctx, &c.topo,
                                         &o->topology_params, err);
    double topo_local = MPI_Wtime() - t0;
    free(where);
    rc = agree(&c, rc, err);
    if (rc < 0) {
        say(&c, err);
        gb_topology_free(c.topo);
        return rc == GB_ENOMEM ? EXIT_RUNTIME : EXIT_USAGE;
    }
    GB_MPI(MPI_Allreduce(&topo_local, &c.topology_s, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD));
    c.n = c.topo->n;
    const char *bad = NULL;
    if (c.n < 2)
        bad = "--topology: the overlay has fewer than 2 nodes; gossip needs at least 2";
    else if (!o->source_random && o->source >= c.n)
        snprintf(err, sizeof err, "--source: node %u does not exist (nodes are 0..%llu)",
                 o->source, (unsigned long long)(c.n - 1));
    /* A fanout above every node's degree is surely a mistake; above the smallest degree
     * only (irregular overlays, files with leaves) low-degree nodes contact all they have. */
    else if (o->fanout > c.topo->max_degree)
        snprintf(err, sizeof err,
                 "--fanout %u exceeds the largest degree (%u) of topology '%s' with %llu nodes",
                 o->fanout, c.topo->max_degree, c.topo->ops->name, (unsigned long long)c.n);
    else if (gb_faults_check(&o->faults, c.n, err) < 0) {
        /* err names the item */
    }
    if (bad != NULL)
        snprintf(err, sizeof err, "%s", bad);
    if (bad != NULL || err[0] != '\0') {
        say(&c, err);
        gb_topology_free(c.topo);
        return EXIT_USAGE;
    }
    if (o->fanout > c.topo->min_degree && c.rank == 0 && !o->quiet)
        fprintf(stderr, "gossip-bench: note: --fanout %u exceeds the smallest degree (%u): "
                        "such nodes contact all their neighbours\n",
                o->fanout, c.topo->min_degree);
    rc = 0;
    if (c.rank == 0) {
        rc = gb_results_open(&c.res, o->output, o->csv, err);
        if (rc == 0 && o->dump[0] != '\0')
            rc = dump_topology(c.topo, o->dump, err);
        if (rc < 0)
            gb_results_abort(&c.res);
    }
    rc = agree(&c, rc, err);
    if (rc < 0) {
        say(&c, err);
        gb_topology_free(c.topo);
        return EXIT_RUNTIME;
    }
    if (c.rank == 0)
        graph_stats(&c);
    /* Counters: PAPI is initialised on every rank (also for the SDE read-back when no
     * hardware event is wanted). */
    rc = gb_papi_init(&c.papi, strcmp(o->papi_events, "none") == 0 ? "" : o->papi_events,
                      o->papi_required, err);
    rc = agree(&c, rc, err);
    if (rc < 0) {
        say(&c, err);
        gb_papi_free(&c.papi);
        if (c.rank == 0)
            gb_results_abort(&c.res);
        gb_topology_free(c.topo);
        return EXIT_RUNTIME;
    }
    c.machine = gb_measure_machine(MPI_COMM_WORLD, &c.unbound);
    c.bcast_root = o->source_random ? 0 : gb_block_owner(c.n, c.size, o->source);
    gb_measure_baselines(MPI_COMM_WORLD, o->payload, c.bcast_root, GB_BASELINE_WARMUP,
                         GB_BASELINE_ITERS, &c.base);
    c.res.bcast_s = c.base.bcast_s;
    c.res.bcast_latency_s = c.base.bcast_latency_s;
    c.res.graph_connected = c.topo->connected;
    c.res.graph_components = c.rank == 0 && c.gstats_rc == 0 ? c.gstats.components : 0;
    gb_measure_placement(MPI_COMM_WORLD, &c.place);
    /* --threads auto: every CPU a rank is given (its binding, its share of the host). */
    if (o->threads == GB_THREADS_AUTO) {
        int t = gb_measure_auto_threads(MPI_COMM_WORLD, &c.place);
#ifdef HAVE_OPENMP
        o->threads = t > (int)GB_MAX_THREADS ? GB_MAX_THREADS : (uint32_t)t;
#else
        (void)t;
        o->threads = 1; /* built without threads */
#endif
        c.threads_auto = 1;
    }
    int mine = gb_measure_affinity_cpus();
    GB_MPI(MPI_Allreduce(&mine, &c.min_cpus, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD));
    int status = 0;
    if (c.rank == 0) {
        print_header(&c);
        if (c.place.oversubscribed && !o->quiet)
            fprintf(stderr, "gossip-bench: warning: %d ranks share %d cores on a host; "
                            "timings are not comparable\n",
                    c.place.max_ranks_host, c.place.cores_host);
        if (gb_results_write_json(&c.res, run_record(&c)) < 0) {
            say(&c, "cannot write the run record");
            status = EXIT_RUNTIME;
        }
    }
    GB_MPI(MPI_Bcast(&status, 1, MPI_INT, 0, MPI_COMM_WORLD));
    for (int i = 0; i < o->nprotocols && status == 0; i++)
        status = run_protocol(&c, i);
    if (c.rank == 0) {
        if (status == 0 || status == EXIT_INTERRUPTED) {
            if (gb_results_commit(&c.res, err) < 0) {
                say(&c, err);
                status = EXIT_RUNTIME;
            } else {
                if (*o->output)
                    printf("# results: %s\n", o->output);
                if (*o->csv)
                    printf("# csv: %s\n", o->csv);
            }
        } else {
            gb_results_abort(&c.res);
        }
    }
    gb_topology_free(c.topo);
    gb_papi_free(&c.papi);
    json_decref(c.machine);
    GB_MPI(MPI_Bcast(&status, 1, MPI_INT, 0, MPI_COMM_WORLD));
    if (status == EXIT_INTERRUPTED) /* the shell's convention for death by a signal */
        status = 128 + (c.signal > 0 ? c.signal : SIGTERM);
    return status;
}

int main(int argc, char **argv)
{
    static gb_options o; /* large: keep it off the stack */
    char err[GB_ERRLEN] = "";
    int root = launcher_rank() == 0;
    if (gb_protocol_registry_check(err) < 0 || gb_session_registry_check(err) < 0 ||
        gb_topology_registry_check(err) < 0) {
        if (root)
            fprintf(stderr, "gossip-bench: internal error: %s\n", err);
        return EXIT_RUNTIME;
    }
    if (gb_options_parse(argc, argv, &o, err) < 0) {
        if (root)
            fprintf(stderr, "gossip-bench: %s%s\n", err, strstr(err, "(see --") ? "" : " (see --help)");
        return EXIT_USAGE;
    }
    /* The thread count's default comes from the environment; a bad one is a usage error. */
    if (o.action == GB_ACT_RUN && gb_options_threads(&o, getenv("OMP_NUM_THREADS"), &o.threads,
                                                     err) < 0) {
        if (root)
            fprintf(stderr, "gossip-bench: %s\n", err);
        return EXIT_USAGE;
    }
    switch (o.action) {
    case GB_ACT_HELP:
        if (root)
            gb_options_usage(stdout, "gossip-bench");
        return 0;
    case GB_ACT_VERSION:
        if (root)
            printf("gossip-bench (gossipbench) %s, results schema %s\n", PACKAGE_VERSION,
                   GB_SCHEMA);
        return 0;
    case GB_ACT_LIST:
        if (root)
            gb_options_list(stdout);
        return 0;
    case GB_ACT_RUN:
        break;
    }
    GB_MPI(MPI_Init(&argc, &argv));
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    install_signal_handlers();
    int status = run(&o);
    MPI_Finalize();
    return status;
}
