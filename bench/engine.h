/* engine.h: the synchronous round engine (DESIGN.md "Rounds").
 *
 * One engine runs trials of one protocol on one topology over the ranks of a communicator.
 * Nodes 0..n-1 are placed on ranks in contiguous blocks (the first n % P ranks get one node
 * more). Every rank builds the same topology; every random choice comes from gb_rng keyed
 * by (seed, trial, round, node, purpose), so the per-trial figures are identical for any
 * rank count and either transport.
 */
#ifndef GB_ENGINE_H
#define GB_ENGINE_H

#include <mpi.h>
#include <stdint.h>

#include "faults.h"
#include "gb_protocol.h"
#include "gb_topology.h"
#include "options.h"
#include "results.h"
#include "transport.h"

typedef struct gb_engine_cfg {
    const gb_protocol_ops *proto;
    const gb_params *proto_params;
    const gb_topology *topo;
    uint64_t n;
    uint32_t fanout, payload, max_rounds;
    uint64_t seed;
    int source_random;
    gb_node_t source;
    enum gb_transport_kind transport;
    int ordered; /* canonical (sorted) delivery even for commutative protocols */
    /* --threads: workers for the contact phase (engine.c), used for GB_PROTO_THREADSAFE
     * protocols on the immediate path; others run on one (0 is taken as 1). */
    uint32_t threads;
    int replay;  /* time a plain MPI exchange of each trial's message volumes */
    gb_papi *papi; /* counters around the gossip phase, NULL for none */
    /* Fault schedule (faults.h), NULL or all clear for none. The engine keeps a
     * gb_fault_view of its block: partition, crossloss and loss drop messages in send;
     * nodes that are not UP (crashed or absent, which behave alike here) skip their
     * contact phase and messages to them are dropped by the receiving rank; slow nodes
     * skip some contact phases; ":empty" recoveries call the protocol's reset_node; and
     * convergence counts live (UP) nodes only (see gb_engine_run_trial). */
    const gb_faults *faults;
    /* Set asynchronously (signal handler) to stop: the running trial ends at the next round
     * on every rank with GB_EINTR. NULL: never. */
    const volatile int *stop;
    MPI_Comm comm;
} gb_engine_cfg;

typedef struct gb_engine gb_engine;

/* Create an engine (collective: the transports are created on every rank).
 * Returns 0, GB_EINVAL (e.g. --transport local on several ranks) or GB_ENOMEM with err. */
int gb_engine_create(const gb_engine_cfg *cfg, gb_engine **out, char *err);
void gb_engine_free(gb_engine *e);

/* The threads the engine runs its contact phase on: cfg->threads for thread-safe protocols
 * on the immediate path (GB_PROTO_THREADSAFE, not --ordered-delivery), else 1. */
uint32_t gb_engine_threads(const gb_engine *e);

/* Run one trial (collective). `trial` keys the random streams. On success rec's numeric
 * fields, curve and round_s are filled (curve/round_s point into the engine, valid until
 * the next call); identification fields (names, params) are left to the caller.
 * With faults that change node states (crash, join, leave, churn) a trial of a
 * non-self-terminating protocol on a connected overlay converges when every node that is
 * UP in the round is informed; on overlays not known to be connected the target stays all
 * nodes reachable from the source, so such a trial may run to --max-rounds.
 * Self-terminating protocols end when no node is active; with a protocol that has
 * is_active, an active node that is not UP counts only while it may come back
 * (gb_fault_view_may_return: a crash with a recovery to come, a join to come, an open
 * churn window), so spreaders crashed for good no longer keep a trial running. Nodes
 * that recover with empty state lose the rumor: the curve may go down, and t_ave counts
 * only rounds where it went up. A node that joins keeps its protocol state (a joiner that
 * never took part is uninformed, unless it is the source, which holds the rumor while
 * absent); a node that leaves sends no announcement.
 * Returns 0 or a GB_E* code with err (the same on every rank). */
int gb_engine_run_trial(gb_engine *e, uint32_t trial, gb_trial_record *rec, char *err);

#endif
