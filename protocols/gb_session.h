/* gb_session.h: session protocols: stateful gossip with variable-size messages and several
 * message steps per round (membership with failure detection, anti-entropy). Pure C, no MPI.
 *
 * The rumor protocols of gb_protocol.h exchange 16-byte messages in one contact and one
 * reply phase. Session protocols need more: SWIM's ping / ack / ping-req / indirect ack take
 * up to six message hops in one protocol period, a Merkle-tree comparison descends one tree
 * level per hop, and messages carry real bytes (piggybacked membership updates, digests,
 * CRDT states). Round r (r >= 1, one protocol period or one reconciliation session) is
 *   0. events: for each local node with a fault-layer event this round (crash, recover,
 *      join, leave: faults.h), event() in increasing id order; it may send (step 0);
 *   1. step 0: start() for every local node that acts this round (up, not a skipping slow
 *      node), in increasing id order;
 *   2. step s = 1, 2, ...: every message sent in step s-1 is delivered with deliver(), in
 *      canonical order (destination id, then sender id, then the sender's sequence number),
 *      whatever the rank count; what deliver() sends belongs to step s. Then step_end(s) runs
 *      once per rank and may act on what did not arrive (timeouts) and send (step s);
 *   3. the round ends after the first step in which no rank sent a message and no rank's
 *      step_end() asked for another step (or at ops->max_steps: an error, a protocol bug);
 *   4. end_round() commits and reports counts.
 * Messages to a node that is not up are dropped at the receiving rank, and the network
 * (partitions, loss) drops messages as the fault layer decides; a message is named for the
 * loss draws by (sender, step << 16 | sender's sequence number in that step), so the
 * verdicts are the same on any rank count. The fault layer draws from 24-bit indices with
 * 2^22 reserved (faults.h), hence the limits: at most GB_SESSION_MAX_STEPS steps per round
 * and fewer than 2^16 messages per node and step. Every decision a protocol makes must come from
 * its state and gb_rng streams keyed by node ids (purpose GB_RNG_PROTOCOL or GB_RNG_PEER):
 * then same seed, same results, whatever the rank count.
 *
 * A trial ends converged after the first round in which the protocol reports, summed over
 * ranks, pending == 0 and busy == 0 (and no scheduled fault remains ahead); it ends not
 * converged at --max-rounds.
 */
#ifndef GB_SESSION_H
#define GB_SESSION_H

#include <stdint.h>
#include "gb_common.h"
#include "gb_params.h"
#include "gb_protocol.h"

/* Largest message body; a step's sender sequence numbers stay below 2^16. */
#define GB_SMSG_MAX_LEN (1u << 30)
#define GB_SESSION_MAX_STEPS 63u /* ops->max_steps at most */
#define GB_SESSION_MAX_METRICS 16

/* One delivered message. data[0..len) is valid during the deliver() call only. */
typedef struct gb_smsg {
    gb_node_t src, dst;
    uint16_t kind;  /* protocol-defined */
    uint16_t step;  /* step in which it was sent */
    uint32_t seq;   /* sender's sequence number within that step */
    uint32_t len;   /* body bytes */
    uint32_t meta;  /* of len, bytes the sender declared as metadata (accounting) */
    const uint8_t *data;
} gb_smsg;

/* How a session protocol sends. body[0..len) is copied; meta_bytes <= len says how much of
 * the body is metadata (digests, tree hashes, clocks, membership updates) rather than
 * payload (state values); every message also costs GB_HEADER_BYTES of header.
 * Returns 0, GB_ENOMEM, or GB_ERANGE (len > GB_SMSG_MAX_LEN, too many messages in a step). */
typedef struct gb_soutbox gb_soutbox;
struct gb_soutbox {
    int (*send)(gb_soutbox *ob, gb_node_t src, gb_node_t dst, uint16_t kind,
                const void *body, uint32_t len, uint32_t meta_bytes);
    void *impl;
};

static inline int gb_ssend(gb_soutbox *ob, gb_node_t src, gb_node_t dst, uint16_t kind,
                           const void *body, uint32_t len, uint32_t meta_bytes)
{
    return ob->send(ob, src, dst, kind, body, len, meta_bytes);
}

/* What a session protocol sees of the run. base is a rumor-protocol environment (so that
 * gb_pick_peers(&env->base, ...) works); base.source and base.payload are unused. */
typedef struct gb_session_env {
    gb_proto_env base;
    uint32_t max_rounds;
    /* 1 when local node `node` is up in the current round (fault layer; always 1 without
     * faults). Valid from init() on; protocols use it in step_end() and end_round(). */
    int (*is_up)(const void *ctx, gb_node_t node);
    const void *up_ctx;
    /* Ground truth for METRICS and convergence (pending) only, never for a protocol's
     * decisions: the fault-layer state of ANY node 0..n-1 in the current round, as enum
     * gb_node_state of faults.h (GB_NODE_UP 0, GB_NODE_CRASHED 1, GB_NODE_ABSENT 2). Always
     * GB_NODE_UP when no fault changes node states. Valid from init() on (in init(): the
     * states at round 0, when the nodes of join items are ABSENT; a protocol may use that
     * for its static bootstrap membership, the configuration a real deployment starts
     * with). NULL: every node is up. The core keeps an O(n) fault view for it. */
    uint8_t (*truth)(const void *ctx, gb_node_t node);
    const void *truth_ctx;
    /* The last round in which the fault schedule changes anything (gb_faults_horizon: a
     * crash, recovery, partition heal, join, leave, ...), 0 without such events: for
     * figures such as "periods from the partition's heal until views are whole". */
    uint32_t horizon;
} gb_session_env;

static inline int gb_session_up(const gb_session_env *env, gb_node_t node)
{
    return env->is_up == NULL || env->is_up(env->up_ctx, node);
}

/* Ground-truth state of any node (see gb_session_env.truth): 0 up, 1 crashed, 2 absent. */
static inline uint8_t gb_session_truth(const gb_session_env *env, gb_node_t node)
{
    return env->truth == NULL ? 0 : env->truth(env->truth_ctx, node);
}

/* Counts for the local nodes after a round. */
typedef struct gb_session_stats {
    uint64_t pending; /* local things not settled (e.g. replicas differing from the truth,
                       * live nodes whose membership view is wrong); 0 = converged here */
    uint64_t busy;    /* nonzero while the protocol still has scheduled work (updates still
                       * being injected, a fixed observation period not over) */
} gb_session_stats;

/* Per-trial figures a protocol reports, reduced over ranks by `op`. A MIN figure with no
 * value is +INFINITY, a MAX figure -INFINITY (written as null). */
enum gb_metric_op { GB_METRIC_SUM = 0, GB_METRIC_MIN, GB_METRIC_MAX };
typedef struct gb_metric_desc {
    const char *name; /* NULL ends the array; lower_case_with_underscores */
    enum gb_metric_op op;
    const char *help;
} gb_metric_desc;

typedef struct gb_session_ops {
    const char *name;
    const char *help;
    const gb_param_desc *params;      /* NULL-terminated */
    const gb_metric_desc *metrics;    /* trial figures, NULL-terminated (<= 16) */
    const gb_metric_desc *series;     /* per-round figures, NULL-terminated (<= 16) */
    uint32_t max_steps;               /* steps per round before the engine calls it a bug
                                       * (<= GB_SESSION_MAX_STEPS) */
    uint32_t state_bytes_per_node;    /* heap per local node (memory check; estimate) */
    /* Heap per local node when it grows with n (a view of every member): NULL means
     * state_bytes_per_node. The memory check multiplies it by the local nodes. */
    uint64_t (*state_bytes)(const gb_params *params, uint64_t n);
    /* Checks of the parameters that need n (a node id below n, a size bound), before
     * anything is allocated: 0, or GB_EINVAL with one line in err. May be NULL. The driver
     * reports a failure as a usage error. */
    int (*check)(const gb_params *params, uint64_t n, char *err);
    /* Allocate state for one trial. 0, GB_ENOMEM, or GB_EINVAL with err (bad params). */
    int (*init)(const gb_session_env *env, void **state, char *err);
    void (*fini)(void *state);
    /* Fault-layer event ev (enum gb_node_event in faults.h) of local node at round start.
     * NULL: events are ignored (the node simply stops and resumes). */
    int (*event)(void *state, uint32_t round, gb_node_t node, unsigned ev, gb_soutbox *ob);
    /* Step 0 for a local node that acts this round. */
    int (*start)(void *state, uint32_t round, gb_node_t node, gb_soutbox *ob);
    /* Delivery of m to local node m->dst (which is up). */
    int (*deliver)(void *state, uint32_t round, const gb_smsg *m, gb_soutbox *ob);
    /* After the deliveries of step `step` (>= 1): timeouts, further sends. Sets *more = 1
     * to ask for another step even if nothing was sent. May be NULL. */
    int (*step_end)(void *state, uint32_t round, uint32_t step, gb_soutbox *ob, int *more);
    /* Commit the round and report. */
    int (*end_round)(void *state, uint32_t round, gb_session_stats *st);
    /* Local contributions to ops->series after a round / ops->metrics after the trial. */
    void (*round_values)(const void *state, uint32_t round, double *out);
    void (*trial_values)(const void *state, double *out);
} gb_session_ops;

/* Registry (protocols/session_registry.c). */
extern const gb_session_ops *const gb_session_table[]; /* NULL-terminated */
const gb_session_ops *gb_session_find(const char *name);
int gb_session_registry_check(char *err);

extern const gb_session_ops gb_session_swim;

/* ------------------------------------------------------------------ the round core
 * The MPI-free part of the session engine: outbox, framing, canonical delivery, steps,
 * rounds, fault handling, accounting. bench/session_engine.c drives it over MPI; tests
 * drive it in one process with gb_session_net_local(). */

/* Bytes bound for one rank. Messages are framed as 16-byte units (the unit the transport
 * moves): a header unit, then ceil(len / 16) body units. */
typedef struct gb_sbuf {
    uint8_t *p;
    size_t len, cap; /* bytes */
} gb_sbuf;

/* What the core needs from the world around it. */
typedef struct gb_session_net {
    int nranks, rank;
    /* Exchange out[0..nranks) (out[rank] included: it must end up as this rank's own
     * segment); afterwards seg[r][0..seglen[r]) holds the bytes rank r sent here, valid until
     * the next exchange, and every out[] is emptied. 0 or a GB_E* code. */
    int (*exchange)(void *ctx, gb_sbuf *out, const uint8_t **seg, size_t *seglen);
    /* Element-wise reduction of v[0..count) over ranks: op is GB_METRIC_SUM/MIN/MAX for the
     * doubles. The u64 flavour sums. 0 or a GB_E* code. */
    int (*allreduce_u64)(void *ctx, uint64_t *v, int count);
    int (*allreduce_dbl)(void *ctx, double *v, int count, enum gb_metric_op op);
    double (*now)(void *ctx); /* seconds, for per-round wall time; may be NULL */
    /* Set asynchronously to stop: the trial ends at the next round with GB_EINTR. */
    const volatile int *stop;
    void *ctx;
} gb_session_net;

/* A one-rank net (exchange keeps everything local). */
void gb_session_net_local(gb_session_net *net);

typedef struct gb_session_cfg {
    const gb_session_ops *ops;
    const gb_params *params;
    const gb_topology *topo;
    uint64_t n;
    uint32_t fanout, max_rounds;
    uint64_t seed;
    const struct gb_faults *faults; /* NULL or all clear: none */
} gb_session_cfg;

/* Results of one trial, global (identical on every rank). Series point into the core and
 * stay valid until the next trial. */
typedef struct gb_session_result {
    int converged;
    uint32_t rounds;          /* rounds run */
    uint64_t messages, header_bytes, payload_bytes, meta_bytes, dropped;
    uint64_t steps;           /* message steps over all rounds */
    uint64_t pending;         /* after the last round */
    uint32_t nmetrics, nseries;
    double metrics[GB_SESSION_MAX_METRICS];
    const double *series[GB_SESSION_MAX_METRICS]; /* [rounds] each, round r at r-1 */
    const uint64_t *round_messages, *round_bytes;  /* [rounds] */
    const uint64_t *round_pending;                 /* [rounds] */
    const double *round_s;                         /* [rounds], max over ranks; NULL without now() */
    double exchange_s;        /* seconds inside net->exchange on this rank */
} gb_session_result;

typedef struct gb_session_core gb_session_core;

/* Create for this rank (local block by gb_block_range). 0, GB_ENOMEM, GB_EINVAL with err. */
int gb_session_core_create(const gb_session_cfg *cfg, const gb_session_net *net,
                           gb_session_core **out, char *err);
void gb_session_core_free(gb_session_core *c);

/* Run one trial (collective when net has several ranks). 0 or a GB_E* code with err (the
 * same on every rank for protocol errors; GB_EINTR when stopped). */
int gb_session_core_run(gb_session_core *c, uint32_t trial, gb_session_result *res, char *err);

#endif
