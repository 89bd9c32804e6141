/* options.h: gossip-bench's options, their defaults and a pure parser.
 *
 * The parser has no MPI and no side effects besides filling the struct, so unit tests call
 * it directly. The driver parses before MPI_Init on every rank (all ranks get the same
 * answer) and only rank 0 prints. Everything that can be checked without knowing the rank
 * count or building the topology is checked here: unknown protocols/topologies/parameters,
 * malformed or out-of-range numbers, nodes < 2, source >= nodes, fanout > GB_MAX_FANOUT.
 */
#ifndef GB_OPTIONS_H
#define GB_OPTIONS_H

#include <stdint.h>
#include <stdio.h>
#include "gb_common.h"
#include "gb_params.h"
#include "gb_protocol.h"
#include "gb_session.h"
#include "gb_topology.h"
#include "faults.h"

#define GB_MAX_PROTOCOLS 16
#define GB_SPEC_LEN 1024
#define GB_PATH_LEN 4096
#define GB_MAX_THREADS 256u
/* --threads auto: every CPU the rank is given, resolved after MPI_Init (gb_measure_auto_threads). */
#define GB_THREADS_AUTO UINT32_MAX

enum gb_action { GB_ACT_RUN = 0, GB_ACT_HELP, GB_ACT_VERSION, GB_ACT_LIST };

enum gb_transport_kind {
    GB_TRANSPORT_AUTO = 0, /* local on one rank, nbx otherwise */
    GB_TRANSPORT_LOCAL,    /* in-process; only valid on one rank */
    GB_TRANSPORT_NBX,      /* MPI sparse exchange: Issend + Iprobe + Ibarrier */
    GB_TRANSPORT_ALLTOALLV /* MPI_Alltoall of counts + MPI_Alltoallv of messages */
};
const char *gb_transport_name(enum gb_transport_kind k);

typedef struct gb_options {
    enum gb_action action;
    /* --protocol LIST: each entry "name[:k=v,...]" */
    int nprotocols;
    char protocol_spec[GB_MAX_PROTOCOLS][GB_SPEC_LEN];   /* as the user wrote it */
    const gb_protocol_ops *protocol[GB_MAX_PROTOCOLS]; /* rumor protocols, else NULL */
    const gb_session_ops *session[GB_MAX_PROTOCOLS];   /* session protocols, else NULL */
    gb_params protocol_params[GB_MAX_PROTOCOLS];
    /* --topology NAME[:k=v,...] */
    char topology_spec[GB_SPEC_LEN];
    const gb_topology_ops *topology;
    gb_params topology_params;
    uint64_t nodes;        /* --nodes; 0 = one per MPI rank (resolved by the driver) */
    uint32_t fanout;       /* --fanout, default 1 */
    uint32_t trials;       /* --trials, default 10 */
    uint32_t warmup;       /* --warmup, default 1 (run, not recorded) */
    uint64_t seed;         /* --seed, default 1 */
    uint32_t max_rounds;   /* --max-rounds, default 10000 */
    uint32_t payload;      /* --payload BYTES, default 32 */
    enum gb_transport_kind transport; /* --transport */
    int source_random;     /* --source random */
    gb_node_t source;      /* --source ID, default 0 */
    char output[GB_PATH_LEN]; /* --output FILE.jsonl, "" = none */
    char csv[GB_PATH_LEN];    /* --csv FILE, "" = none */
    char dump[GB_PATH_LEN];   /* --dump-topology FILE (.dot: Graphviz), "" = none */
    char papi_events[GB_SPEC_LEN]; /* --papi-events LIST ("none": no counters) */
    int papi_required;     /* --papi-required */
    int bind;              /* --bind: bind each rank to a core (hwloc) */
    uint32_t threads;      /* --threads; 0 = the default (gb_options_threads), GB_THREADS_AUTO */
    int ordered;           /* --ordered-delivery: canonical path even for commutative protocols */
    int quiet;             /* --quiet: no progress on stderr */
    int replay;            /* --replay-exchange: time a plain MPI exchange of the same volumes */
    gb_faults faults;      /* --faults SPEC (faults.h); all clear = none */
    char command_line[1024]; /* the command as given, for headers and results */
} gb_options;

/* Fill o with defaults (protocol push-pull, topology complete). */
void gb_options_defaults(gb_options *o);

/* Parse argv (argv[0] is the program name). Returns 0 on success (o->action says what to
 * do) or GB_EINVAL / GB_ENOENT / GB_ERANGE with one line in err naming the problem.
 * Uses getopt_long and resets optind itself, so it may be called repeatedly. */
int gb_options_parse(int argc, char **argv, gb_options *o, char *err);

/* The threads per rank: --threads if given (GB_THREADS_AUTO for "auto", which the driver
 * resolves once it knows where the ranks run), else omp_num_threads (the value of
 * OMP_NUM_THREADS, NULL when unset; its first list item counts) when built with OpenMP and
 * it is a positive number, else 1. Returns 0, or GB_ERANGE with err when OMP_NUM_THREADS
 * asks for more than GB_MAX_THREADS. */
int gb_options_threads(const gb_options *o, const char *omp_num_threads, uint32_t *out,
                       char *err);

/* Print --help text. */
void gb_options_usage(FILE *out, const char *prog);

/* Print --list: every registered protocol and topology with parameters and defaults. */
void gb_options_list(FILE *out);

/* Split a comma-separated protocol list into specs. A token with '=' but without ':' that
 * follows a spec continues that spec's parameters ("rumor:k=2,mode=push,push" is two specs:
 * "rumor:k=2,mode=push" and "push"). Returns the count or GB_EINVAL (empty item, too many,
 * too long) with err. */
int gb_split_specs(const char *list, char specs[][GB_SPEC_LEN], int max, char *err);

#endif
