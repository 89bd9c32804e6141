/* anti_entropy.c: state synchronisation by anti-entropy (Demers et al. 1987, section 1.3),
 * with full-state, digest and Merkle-tree reconciliation, over the data types of gb_crdt.h.
 * A session protocol (gb_session.h); the model, the messages and the metrics are described
 * in docs/protocols.md ("anti-entropy"), and summarised here.
 *
 * STATE. Every node is a replica of K keys; each key holds a blob of the chosen type
 * (gb_crdt.h: a CRDT state, or an LWW register with its vector clock), its 64-bit digest
 * gb_blob_hash(key, blob), and, for method=merkle, the replica's Merkle tree over the
 * digests (merkle.h). Before round 1 every replica holds the same BASE state: key k has one
 * update made at node k mod n. `initial_diff` = d then makes d distinct keys differ: each
 * gets one more update at one random replica (round 0).
 *
 * UPDATES. At the end of each round r <= updates_until, U_r ~ Poisson(rate) updates are
 * made: each at a uniform node, on a key drawn by Zipf(zipf) over ranks 0..K-1 (rank i is
 * key i, so the hot keys are the low ones; zipf=0 is uniform), with a value drawn for the
 * type. All of it comes from ONE stream per round, (seed, trial, r, node 2^32-1,
 * GB_RNG_PROTOCOL), so every rank computes the same global update log. An update is
 * applied at its node's replica when that node is up and its replica reflects the node's
 * previous updates to the key (always, unless the replica was reset by an empty recovery);
 * otherwise it waits in the node's queue (the client retries) and is applied as soon as
 * both hold. This keeps every update's counter equal to its position in the node's
 * sequence, which the CRDT types rely on for unique tags and dots.
 *
 * CONVERGENCE. Every rank knows, per key, the clock of the TRUE converged state: the
 * vector counting the updates each node has made to the key (the ORACLE clock). For every
 * type, the state's clock (gb_crdt_ops.clock) says which updates it reflects, merge joins
 * clocks, and a state is the join of the states its updates produced; so a replica is
 * converged on a key exactly when its clock equals the oracle clock, and all converged
 * replicas are then byte-identical. Each replica keeps the number of keys on which it
 * agrees with the oracle, updated on every change, so `pending` (live local replicas not
 * converged) costs O(1) per replica and round. Two independent checks back this: the
 * replica digest (sum of the key digests) whose MIN and MAX over live replicas must meet,
 * and for gcounter, pncounter and lww-register the values themselves (total increments and
 * decrements, the highest stamp's value) compared with what the update log implies.
 *
 * SESSIONS. In every round every acting node starts a session with each of `fanout` peers
 * (gb_pick_peers). Message kinds (every body starts with a u32 of flags: F_INIT = the
 * sender is the session's initiator, F_RETURN / F_FULL_RETURN below):
 *   VALUES     (u32 count, count x {u32 key, u32 len, blob}) values to merge; with F_RETURN
 *              the receiver answers VALUES with its merged value of every key where that
 *              differs from the value received (so both sides end with the join); with
 *              F_FULL_RETURN it answers with its whole state;
 *   FULL_REQ   (nothing) answer VALUES with the whole state;
 *   DIGESTS    (u32 count, count x {u32 key, u64 digest}) compare and go on (below);
 *   HASHES     (u32 level, u32 count, then the root hash, or count parent indices and
 *              their fanout child hashes each) a Merkle level (merkle.h's wire format);
 *   REQ_KEYS   (u32 count, count u32 keys) answer VALUES with these keys;
 *   REQ_LEAVES (u32 count, count u32 leaves) answer VALUES with every key of these leaves;
 *   RUMOR      (as VALUES) a rumor-mongering push (rumor=1).
 * method=full: the initiator sends VALUES of everything (push; push-pull adds
 * F_FULL_RETURN) or FULL_REQ (pull). method=digest: the initiator sends DIGESTS of every
 * key. method=merkle: the initiator sends its root; whoever receives a level answers with
 * the children of the nodes that differ; at the leaves, DIGESTS of the keys of the
 * differing leaves (leaf_digests=1), or, Cassandra-style, the whole differing leaves
 * (leaf_digests=0). The side that ends up knowing the differing keys D finishes by the
 * mode: if both directions are wanted (push-pull) it sends VALUES(D) with F_RETURN; if
 * only its own values must go, VALUES(D); if only the other's, REQ_KEYS(D) (REQ_LEAVES
 * for whole leaves). push moves the initiator's values to the peer, pull the peer's to the
 * initiator. Bodies are read with bounds checks; a malformed one is GB_EINVAL, never a
 * read past its end. Everything but the blob bytes of VALUES and RUMOR counts as metadata.
 * Merges are applied in delivery order, the engine's canonical order, so concurrent
 * sessions touching one replica give the same result on any rank count.
 *
 * RUMORS (rumor=1, Demers' "anti-entropy as backup" of rumor mongering). A key is hot at a
 * replica for rumor_rounds rounds after an update was applied to it there, or after a
 * RUMOR changed it there (a blind counter: no feedback); in every round the replica pushes
 * all its hot keys' values in one RUMOR to each of rumor_fanout peers, drawn from the peer
 * stream of round r + 2^31 so that they are not the anti-entropy partners. Values learnt
 * by anti-entropy do not start rumors (an empty recovery would otherwise flood).
 *
 * STALENESS. At the end of every round, before that round's updates are made, each
 * replica's staleness is the age r - r_u of the oldest update (made at the end of round
 * r_u) it still lacks, or 0. Each rank keeps the whole update log (every rank computes it)
 * and, per local replica, the position of the first log entry it was not yet seen to
 * reflect (gb_crdt_ops.has_update); replicas only gain updates (except by an empty
 * recovery, which rewinds the position), so the scan is amortised O(1) per update and
 * replica. The base state is not in the log: a replica reset by an empty recovery lacks
 * it, which `pending` shows but staleness does not.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "faults.h"
#include "gb_crdt.h"
#include "gb_session.h"
#include "merkle.h"

#define AE_MAX_KEYS (1ull << 24)
#define AE_MAX_ENTRIES (1ull << 25)  /* local replicas x keys on one rank */
#define AE_MAX_UPDATES (1ull << 22)  /* expected updates in a trial */
#define AE_MAX_PER_ROUND (1u << 24)  /* stamps: round << 25 | index */
#define AE_UPDATE_STREAM 0xFFFFFFFFu /* node id of the update schedule's streams */
#define AE_DIFF_STREAM 0xFFFFFFFEu   /* ... of the initial differences */
#define AE_BASE_STREAM 0xFFFFFFFDu   /* ... of the base state's values */
#define AE_RUMOR_ROUND 0x80000000u   /* rumor peers: the peer stream of round r + 2^31 */

enum { METHOD_FULL, METHOD_DIGEST, METHOD_MERKLE };
enum { MODE_PUSH, MODE_PULL, MODE_PUSH_PULL };
enum { K_VALUES = 1, K_FULL_REQ, K_DIGESTS, K_HASHES, K_REQ_KEYS, K_REQ_LEAVES, K_RUMOR };
enum { CHECK_NONE, CHECK_GCOUNTER, CHECK_PNCOUNTER, CHECK_LWW_REGISTER };
#define F_INIT 1u
#define F_RETURN 2u
#define F_FULL_RETURN 4u

static const gb_param_desc ae_params[] = {
    {.name = "keys", .type = GB_PARAM_INT, .def = "1024", .min = 1, .max = 16777216,
     .help = "keys K per replica"},
    {.name = "type", .type = GB_PARAM_STRING, .def = "lww",
     .choices = "lww|gcounter|pncounter|lww-register|mv-register|mv-register-dvv|orset",
     .help = "data type of every key (conflict resolution policy), gb_crdt.h"},
    {.name = "method", .type = GB_PARAM_STRING, .def = "merkle", .choices = "full|digest|merkle",
     .help = "reconciliation: whole state, per-key digests, or Merkle-tree descent"},
    {.name = "mode", .type = GB_PARAM_STRING, .def = "push-pull", .choices = "push|pull|push-pull",
     .help = "who is updated: the peer (push), the initiator (pull), both (push-pull)"},
    {.name = "merkle_fanout", .type = GB_PARAM_INT, .def = "16", .min = 2, .max = 256,
     .help = "children per Merkle node"},
    {.name = "merkle_depth", .type = GB_PARAM_INT, .def = "", .min = 0, .max = 32,
     .help = "Merkle levels below the root (default: enough for one key per leaf)"},
    {.name = "leaf_digests", .type = GB_PARAM_INT, .def = "1", .min = 0, .max = 1,
     .help = "merkle: 1 compares key digests in differing leaves, 0 streams whole leaves"},
    {.name = "rate", .type = GB_PARAM_DOUBLE, .def = "1", .min = 0, .max = 100000,
     .help = "mean updates per round, all nodes together (Poisson)"},
    {.name = "zipf", .type = GB_PARAM_DOUBLE, .def = "0", .min = 0, .max = 10,
     .help = "Zipf exponent of the updated key (0: uniform)"},
    {.name = "updates_until", .type = GB_PARAM_INT, .def = "20", .min = 0, .max = 100000000,
     .help = "last round with updates; then the run measures rounds until identical"},
    {.name = "initial_diff", .type = GB_PARAM_INT, .def = "0", .min = 0, .max = 16777216,
     .help = "keys that differ at the start (one update each at a random replica)"},
    {.name = "rumor", .type = GB_PARAM_INT, .def = "0", .min = 0, .max = 1,
     .help = "1: also rumor-monger fresh values (anti-entropy as backup)"},
    {.name = "rumor_fanout", .type = GB_PARAM_INT, .def = "1", .min = 1, .max = 64,
     .help = "peers a fresh value is pushed to per round"},
    {.name = "rumor_rounds", .type = GB_PARAM_INT, .def = "2", .min = 1, .max = 1000,
     .help = "rounds a replica pushes a value it has just learnt"},
    {.name = NULL}};

static const gb_metric_desc ae_metrics[] = {
    {"settle_rounds", GB_METRIC_MAX,
     "rounds after updates_until until every live replica is identical (null: never)"},
    {"updates", GB_METRIC_MAX, "updates made (initial differences included)"},
    {"values_sent", GB_METRIC_SUM, "values sent by reconciliation sessions"},
    {"values_overstreamed", GB_METRIC_SUM, "values received equal to the receiver's"},
    {"values_useless", GB_METRIC_SUM, "values received that changed nothing (over-streamed included)"},
    {"rumor_values", GB_METRIC_SUM, "values pushed by rumor mongering"},
    {"conflicts", GB_METRIC_SUM, "merges of concurrent states (each resolved by the type)"},
    {"verify_errors", GB_METRIC_SUM, "replica keys found wrong by the final value check"},
    {"digest_min", GB_METRIC_MIN, "smallest final replica digest / 2^11 (live replicas)"},
    {"digest_max", GB_METRIC_MAX, "largest final replica digest / 2^11 (equal to min: identical)"},
    {"staleness_mean", GB_METRIC_SUM, "mean staleness over all replicas and rounds"},
    {"staleness_max", GB_METRIC_MAX, "largest staleness of a replica in a round"},
    {"stale_ge_1", GB_METRIC_SUM, "share of replica-rounds with staleness >= 1"},
    {"stale_ge_4", GB_METRIC_SUM, "share of replica-rounds with staleness >= 4"},
    {"stale_ge_16", GB_METRIC_SUM, "share of replica-rounds with staleness >= 16"},
    {"stale_ge_64", GB_METRIC_SUM, "share of replica-rounds with staleness >= 64"},
    {NULL, 0, NULL}};

enum { M_SETTLE, M_UPDATES, M_SENT, M_OVER, M_USELESS, M_RUMOR, M_CONFLICTS, M_VERIFY,
       M_DMIN, M_DMAX, M_SMEAN, M_SMAX, M_GE1, M_GE4, M_GE16, M_GE64 };

static const gb_metric_desc ae_series[] = {
    {"meta_bytes", GB_METRIC_SUM, "metadata bytes sent (bodies, headers not included)"},
    {"payload_bytes", GB_METRIC_SUM, "value bytes sent"},
    {"values", GB_METRIC_SUM, "values sent by reconciliation sessions"},
    {"conflicts", GB_METRIC_SUM, "merges of concurrent states"},
    {"staleness_mean", GB_METRIC_SUM, "mean staleness over the replicas"},
    {"staleness_max", GB_METRIC_MAX, "largest staleness"},
    {"stale_replicas", GB_METRIC_SUM, "replicas lacking some update"},
    {"updates", GB_METRIC_MAX, "updates made at the end of the round"},
    {NULL, 0, NULL}};

/* One entry of the global update log. */
typedef struct ae_update {
    uint32_t round, node, key, applied; /* applied: at its node's replica (owner rank) */
    uint64_t counter;                   /* the update's position in node's updates to key */
    uint64_t stamp, value;
} ae_update;

typedef struct replica {
    gb_bytes *v;      /* K blobs */
    uint64_t *h;      /* K digests */
    uint8_t *ok;      /* key's clock equals the oracle clock */
    uint64_t nok, sum;
    gb_merkle tree;   /* method=merkle */
    uint64_t lo;      /* staleness: first log entry not yet seen here */
    uint64_t *queue;  /* log indices of updates waiting to be applied here */
    uint32_t nq, capq;
    uint32_t *hot_until; /* rumor: last round a key is pushed (K entries) */
    uint32_t *hot;       /* keys that may be hot */
    uint32_t nhot, caphot;
} replica;

typedef struct ae_state {
    const gb_session_env *env;
    const gb_crdt_ops *type;
    int method, mode, leaf_digests, rumor, check;
    uint64_t K, n;
    uint32_t mfan, mdepth, until, rfan, rrounds;
    double rate, zipf;
    uint64_t idiff;
    gb_node_t first;
    uint32_t count;
    replica *rep;
    gb_bytes *oclock; /* oracle clock per key */
    uint64_t *exp_a, *exp_b; /* value check: gcounter sum; pncounter inc, dec; lww-register
                              * stamp, value */
    uint32_t *exp_node;
    double *zcdf;     /* Zipf CDF over the K ranks (zipf > 0) */
    ae_update *log;
    uint64_t nlog, caplog;
    gb_bytes bottom, tmp, clk, body;
    uint64_t *sa, *sb, *sc; /* scratch */
    uint64_t capa, capb, capc;
    uint32_t cur_round, last_round;
    int64_t last_pending; /* last round with a local live replica not converged, -1 none */
    uint64_t pending_now;
    int dirty;            /* replicas changed since the last value check */
    /* per trial */
    uint64_t sent, over, useless, rumor_sent, conflicts, verify_errors;
    double dmin, dmax;
    uint64_t st_sum, st_max, ge[4];
    /* per round */
    uint64_t r_meta, r_payload, r_values, r_conflicts, r_st_sum, r_st_max, r_stale, r_updates;
} ae_state;

/* ------------------------------------------------------------------ little helpers */

static inline uint32_t ld32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t ld64(const uint8_t *p)
{
    return (uint64_t)ld32(p) | (uint64_t)ld32(p + 4) << 32;
}

static int grow64(uint64_t **p, uint64_t *cap, uint64_t n)
{
    if (n <= *cap)
        return 0;
    uint64_t c = *cap ? *cap : 64;
    while (c < n)
        c *= 2;
    uint64_t *q = realloc(*p, c * sizeof *q);
    if (q == NULL)
        return GB_ENOMEM;
    *p = q;
    *cap = c;
    return 0;
}

static int parse_choice(const char *v, const char *const *names, int count)
{
    for (int i = 0; i < count; i++)
        if (strcmp(v, names[i]) == 0)
            return i;
    return -1;
}

static inline replica *rep_of(ae_state *s, gb_node_t v)
{
    return &s->rep[v - s->first];
}

static inline int blob_eq(const gb_bytes *a, const uint8_t *b, uint32_t len)
{
    return a->len == len && (len == 0 || memcmp(a->p, b, len) == 0);
}

/* New round: clear the per-round counters (round_values reads them after end_round). */
static void begin_round(ae_state *s, uint32_t round)
{
    if (s->cur_round == round)
        return;
    s->cur_round = round;
    s->r_meta = s->r_payload = s->r_values = s->r_conflicts = 0;
    s->r_st_sum = s->r_st_max = s->r_stale = s->r_updates = 0;
}

static int ae_send(ae_state *s, gb_soutbox *ob, gb_node_t from, gb_node_t to, uint16_t kind,
                uint32_t meta)
{
    s->r_meta += meta;
    s->r_payload += s->body.len - meta;
    return gb_ssend(ob, from, to, kind, s->body.p, s->body.len, meta);
}

/* ------------------------------------------------------------------ replica state */

/* Does key k of r agree with the oracle clock? Keeps ok/nok. */
static int recheck(ae_state *s, replica *r, uint64_t k)
{
    int rc = s->type->clock(r->v[k].p, r->v[k].len, &s->clk);
    if (rc < 0)
        return rc;
    uint8_t ok = blob_eq(&s->oclock[k], s->clk.p, s->clk.len);
    r->nok += (uint64_t)ok - r->ok[k];
    r->ok[k] = ok;
    return 0;
}

static void make_hot(ae_state *s, replica *r, uint64_t k, uint32_t round)
{
    if (!s->rumor)
        return;
    /* k is in the list exactly when hot_until[k] != 0 (start() drops cold keys). */
    if (r->hot_until[k] == 0) {
        if (r->nhot == r->caphot) {
            uint32_t cap = r->caphot ? 2 * r->caphot : 16;
            uint32_t *p = realloc(r->hot, cap * sizeof *p);
            if (p == NULL)
                return; /* the value still spreads by anti-entropy */
            r->hot = p;
            r->caphot = cap;
        }
        r->hot[r->nhot++] = (uint32_t)k;
    }
    r->hot_until[k] = round + s->rrounds;
}

/* Key k of r becomes s->tmp (swapped in): digest, tree, oracle agreement. */
static int install(ae_state *s, replica *r, uint64_t k)
{
    gb_bytes_swap(&r->v[k], &s->tmp);
    uint64_t h = gb_blob_hash(k, r->v[k].p, r->v[k].len);
    r->sum += h - r->h[k];
    if (s->method == METHOD_MERKLE)
        gb_merkle_update(&r->tree, k, r->h[k], h);
    r->h[k] = h;
    s->dirty = 1;
    return recheck(s, r, k);
}

/* Merge a received value into key k of r. *changed = whether r's value changed; a changed
 * key becomes hot (rumor mongering) when the value came by a rumor. */
static int merge_value(ae_state *s, replica *r, uint64_t k, const uint8_t *b, uint32_t len,
                       uint32_t round, int rumor, int *changed)
{
    *changed = 0;
    if (blob_eq(&r->v[k], b, len)) {
        s->over++;
        s->useless++;
        return 0;
    }
    int conflict = 0;
    int rc = s->type->merge(r->v[k].p, r->v[k].len, b, len, &s->tmp, &conflict);
    if (rc < 0)
        return rc;
    s->conflicts += (uint64_t)conflict;
    s->r_conflicts += (uint64_t)conflict;
    if (blob_eq(&r->v[k], s->tmp.p, s->tmp.len)) {
        s->useless++;
        return 0;
    }
    *changed = 1;
    if (rumor)
        make_hot(s, r, k, round);
    return install(s, r, k);
}

/* Every key of r to the base state (all replicas start there) from base[] / h[]. */
static int set_all(ae_state *s, replica *r, const gb_bytes *base, const uint64_t *h)
{
    r->sum = 0;
    r->nok = 0;
    for (uint64_t k = 0; k < s->K; k++) {
        const gb_bytes *b = base != NULL ? &base[k] : &s->bottom;
        if (gb_bytes_set(&r->v[k], b->p, b->len) < 0)
            return GB_ENOMEM;
        r->h[k] = h != NULL ? h[k] : gb_blob_hash(k, b->p, b->len);
        r->sum += r->h[k];
        r->ok[k] = 0;
    }
    if (s->method == METHOD_MERKLE)
        gb_merkle_build(&r->tree, r->h);
    s->dirty = 1;
    return 0;
}

/* ------------------------------------------------------------------ updates */

/* A value for the type, from stream g. */
static uint64_t draw_value(const ae_state *s, gb_rng *g)
{
    if (s->type == &gb_crdt_gcounter)
        return 1 + gb_rng_below(g, 10);
    if (s->type == &gb_crdt_pncounter) {
        uint64_t x = 1 + gb_rng_below(g, 10);
        return gb_rng_below(g, 3) == 0 ? GB_PN_DEC(x) : GB_PN_INC(x);
    }
    if (s->type == &gb_crdt_orset) {
        uint64_t e = gb_rng_below(g, 16);
        return gb_rng_below(g, 3) == 0 ? GB_ORSET_REMOVE(e) : GB_ORSET_ADD(e);
    }
    return gb_rng_next(g);
}

static uint64_t draw_key(const ae_state *s, gb_rng *g)
{
    if (s->zcdf == NULL)
        return gb_rng_below(g, s->K);
    double u = gb_rng_uniform01(g);
    uint64_t lo = 0, hi = s->K - 1;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (s->zcdf[mid] > u)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

/* Poisson(lambda) by Knuth's products, in pieces of mean <= 16 (exact, O(lambda) draws). */
static uint64_t draw_poisson(gb_rng *g, double lambda)
{
    uint64_t total = 0;
    while (lambda > 0) {
        double piece = lambda > 16 ? 16 : lambda;
        lambda -= piece;
        double limit = exp(-piece), p = gb_rng_uniform01(g);
        while (p > limit) {
            total++;
            p *= gb_rng_uniform01(g);
        }
    }
    return total;
}

/* The expected values the final check compares with (counters and lww-register). */
static void expect(ae_state *s, const ae_update *u)
{
    uint64_t k = u->key;
    switch (s->check) {
    case CHECK_GCOUNTER: s->exp_a[k] += u->value; break;
    case CHECK_PNCOUNTER:
        if ((int64_t)u->value > 0)
            s->exp_a[k] += u->value;
        else
            s->exp_b[k] += (uint64_t)0 - u->value;
        break;
    case CHECK_LWW_REGISTER:
        /* The highest (stamp, node) wins; stamps are unique per update. */
        if (u->stamp > s->exp_a[k] || (u->stamp == s->exp_a[k] && u->node > s->exp_node[k])) {
            s->exp_a[k] = u->stamp;
            s->exp_b[k] = u->value;
            s->exp_node[k] = u->node;
        }
        break;
    default: break;
    }
}

/* Append an update to the log: oracle clock, expected values, local queue. */
static int log_update(ae_state *s, uint32_t round, gb_node_t node, uint64_t key,
                      uint64_t stamp, uint64_t value)
{
    if (s->nlog == s->caplog) {
        uint64_t cap = s->caplog ? 2 * s->caplog : 256;
        if (cap > 2 * AE_MAX_UPDATES)
            return GB_ERANGE;
        ae_update *p = realloc(s->log, cap * sizeof *p);
        if (p == NULL)
            return GB_ENOMEM;
        s->log = p;
        s->caplog = cap;
    }
    int rc = gb_vc_increment(s->oclock[key].p, s->oclock[key].len, node, &s->clk);
    if (rc < 0)
        return rc;
    gb_bytes_swap(&s->oclock[key], &s->clk);
    uint64_t counter;
    if ((rc = gb_vc_get(s->oclock[key].p, s->oclock[key].len, node, &counter)) < 0)
        return rc;
    ae_update *u = &s->log[s->nlog];
    *u = (ae_update){.round = round, .node = node, .key = (uint32_t)key, .applied = 0,
                     .counter = counter, .stamp = stamp, .value = value};
    expect(s, u);
    /* No replica reflects the new update yet. */
    for (uint32_t i = 0; i < s->count; i++) {
        replica *r = &s->rep[i];
        r->nok -= r->ok[key];
        r->ok[key] = 0;
    }
    if (node >= s->first && node - s->first < s->count) {
        replica *r = rep_of(s, node);
        if (r->nq == r->capq) {
            uint32_t cap = r->capq ? 2 * r->capq : 8;
            uint64_t *q = realloc(r->queue, cap * sizeof *q);
            if (q == NULL)
                return GB_ENOMEM;
            r->queue = q;
            r->capq = cap;
        }
        r->queue[r->nq++] = s->nlog;
    }
    s->nlog++;
    return 0;
}

/* Apply what can be applied of node v's queue (v up, or before round 1). */
static int apply_queue(ae_state *s, gb_node_t v, uint32_t round)
{
    replica *r = rep_of(s, v);
    uint32_t keep = 0;
    for (uint32_t i = 0; i < r->nq; i++) {
        ae_update *u = &s->log[r->queue[i]];
        gb_bytes *cur = &r->v[u->key];
        /* The replica must hold v's previous updates to the key (an empty recovery may
         * have lost them): then the CRDT gives this one the right counter. */
        int has = s->type->has_update(cur->p, cur->len, v, u->counter - 1);
        if (has < 0)
            return has;
        if (!has) {
            r->queue[keep++] = r->queue[i];
            continue;
        }
        int rc = s->type->update(cur, &s->tmp, v, u->stamp, u->value);
        if (rc < 0)
            return rc;
        if ((rc = install(s, r, u->key)) < 0)
            return rc;
        u->applied = 1;
        make_hot(s, r, u->key, round);
    }
    r->nq = keep;
    return 0;
}

/* Round r's updates (made at its end), from the round's stream. */
static int make_updates(ae_state *s, uint32_t round)
{
    if (round > s->until || s->rate <= 0)
        return 0;
    gb_rng g;
    gb_rng_init(&g, s->env->base.seed, s->env->base.trial, round, AE_UPDATE_STREAM,
                GB_RNG_PROTOCOL);
    uint64_t u = draw_poisson(&g, s->rate);
    if (u >= AE_MAX_PER_ROUND)
        u = AE_MAX_PER_ROUND - 1;
    for (uint64_t j = 0; j < u; j++) {
        gb_node_t v = (gb_node_t)gb_rng_below(&g, s->n);
        uint64_t k = draw_key(s, &g);
        uint64_t value = draw_value(s, &g);
        int rc = log_update(s, round, v, k, ((uint64_t)round << 25) | j, value);
        if (rc < 0)
            return rc;
    }
    s->r_updates = u;
    return 0;
}

/* ------------------------------------------------------------------ init / fini */

static void ae_fini(void *state)
{
    ae_state *s = state;
    if (s == NULL)
        return;
    for (uint32_t i = 0; s->rep != NULL && i < s->count; i++) {
        replica *r = &s->rep[i];
        for (uint64_t k = 0; r->v != NULL && k < s->K; k++)
            gb_bytes_free(&r->v[k]);
        free(r->v);
        free(r->h);
        free(r->ok);
        gb_merkle_free(&r->tree);
        free(r->queue);
        free(r->hot_until);
        free(r->hot);
    }
    free(s->rep);
    for (uint64_t k = 0; s->oclock != NULL && k < s->K; k++)
        gb_bytes_free(&s->oclock[k]);
    free(s->oclock);
    free(s->exp_a);
    free(s->exp_b);
    free(s->exp_node);
    free(s->zcdf);
    free(s->log);
    gb_bytes_free(&s->bottom);
    gb_bytes_free(&s->tmp);
    gb_bytes_free(&s->clk);
    gb_bytes_free(&s->body);
    free(s->sa);
    free(s->sb);
    free(s->sc);
    free(s);
}

/* The base state (key k: one update at node k mod n) and the initial differences. */
static int prefill(ae_state *s)
{
    gb_bytes *base = calloc(s->K, sizeof *base);
    uint64_t *h = malloc(s->K * sizeof *h);
    gb_bytes empty = GB_BYTES_INIT;
    int rc = GB_ENOMEM;
    if (base == NULL || h == NULL || gb_vc_init(&empty) < 0)
        goto done;
    gb_rng g;
    gb_rng_init(&g, s->env->base.seed, s->env->base.trial, 0, AE_BASE_STREAM, GB_RNG_PROTOCOL);
    for (uint64_t k = 0; k < s->K; k++) {
        gb_node_t w = (gb_node_t)(k % s->n);
        uint64_t value = draw_value(s, &g);
        if ((rc = s->type->update(&s->bottom, &base[k], w, 0, value)) < 0)
            goto done;
        h[k] = gb_blob_hash(k, base[k].p, base[k].len);
        if ((rc = gb_vc_increment(empty.p, empty.len, w, &s->oclock[k])) < 0)
            goto done;
        /* The base update is part of the truth the value check compares with. */
        ae_update u = {.round = 0, .node = w, .key = (uint32_t)k, .counter = 1, .stamp = 0,
                       .value = value};
        expect(s, &u);
        if (s->check == CHECK_LWW_REGISTER) {
            s->exp_a[k] = 0;
            s->exp_b[k] = value;
            s->exp_node[k] = w;
        }
    }
    for (uint32_t i = 0; i < s->count; i++) {
        replica *r = &s->rep[i];
        if ((rc = set_all(s, r, base, h)) < 0)
            goto done;
        memset(r->ok, 1, s->K);
        r->nok = s->K;
    }
    /* initial_diff distinct keys (Floyd's sampling), one update each at a random replica,
     * applied before round 1 whatever the node's state. */
    gb_rng_init(&g, s->env->base.seed, s->env->base.trial, 0, AE_DIFF_STREAM, GB_RNG_PROTOCOL);
    uint8_t *chosen = s->idiff ? calloc(s->K, 1) : NULL;
    if (s->idiff && chosen == NULL)
        goto done;
    for (uint64_t j = s->K - s->idiff; j < s->K; j++) {
        uint64_t k = gb_rng_below(&g, j + 1);
        if (chosen[k])
            k = j;
        chosen[k] = 1;
        gb_node_t v = (gb_node_t)gb_rng_below(&g, s->n);
        uint64_t value = draw_value(s, &g);
        if ((rc = log_update(s, 0, v, k, 1 + (j - (s->K - s->idiff)), value)) < 0)
            break;
    }
    free(chosen);
    for (uint32_t i = 0; rc == 0 && i < s->count; i++)
        rc = apply_queue(s, s->first + i, 0);
done:
    gb_bytes_free(&empty);
    for (uint64_t k = 0; base != NULL && k < s->K; k++)
        gb_bytes_free(&base[k]);
    free(base);
    free(h);
    return rc;
}

/* The parameter checks that need no rank: the driver runs them before the run starts
 * (a failure is a usage error, exit 2); init() repeats them. */
static int ae_check(const gb_params *p, uint64_t n, char *err)
{
    (void)n;
    uint64_t K = (uint64_t)gb_params_int(p, "keys");
    uint64_t idiff = (uint64_t)gb_params_int(p, "initial_diff");
    double rate = gb_params_double(p, "rate");
    uint32_t until = (uint32_t)gb_params_int(p, "updates_until");
    uint32_t mfan = (uint32_t)gb_params_int(p, "merkle_fanout");
    int merkle = strcmp(gb_params_str(p, "method"), "merkle") == 0;
    if (K > AE_MAX_KEYS)
        return gb_seterr(err, GB_EINVAL, "protocol 'anti-entropy': keys=%llu exceeds 2^24",
                         (unsigned long long)K);
    if (idiff > K)
        return gb_seterr(err, GB_EINVAL,
                         "protocol 'anti-entropy': initial_diff=%llu exceeds keys=%llu",
                         (unsigned long long)idiff, (unsigned long long)K);
    if (rate * (double)until + (double)idiff > (double)AE_MAX_UPDATES)
        return gb_seterr(err, GB_EINVAL,
                         "protocol 'anti-entropy': rate x updates_until + initial_diff = %.0f "
                         "updates exceeds the bound of 2^22 (every rank logs them all)",
                         rate * (double)until + (double)idiff);
    uint32_t mdepth = gb_params_has(p, "merkle_depth")
                          ? (uint32_t)gb_params_int(p, "merkle_depth")
                          : gb_merkle_auto_depth(K, mfan, 1);
    if (merkle && gb_merkle_node_count(mfan, mdepth) == 0)
        return gb_seterr(err, GB_EINVAL,
                         "protocol 'anti-entropy': merkle_fanout=%u, merkle_depth=%u gives more "
                         "than 2^24 leaves",
                         mfan, mdepth);
    return 0;
}

/* Heap per replica: about 100 bytes per key (blob, handle, digest, flags, tree). */
static uint64_t ae_state_bytes(const gb_params *p, uint64_t n)
{
    (void)n;
    return 100u * (uint64_t)gb_params_int(p, "keys");
}

static int ae_init(const gb_session_env *env, void **state, char *err)
{
    static const char *const methods[] = {"full", "digest", "merkle"};
    static const char *const modes[] = {"push", "pull", "push-pull"};
    const gb_params *p = env->base.params;
    const gb_crdt_ops *type = gb_crdt_find(gb_params_str(p, "type"));
    int method = parse_choice(gb_params_str(p, "method"), methods, 3);
    int mode = parse_choice(gb_params_str(p, "mode"), modes, 3);
    if (type == NULL || method < 0 || mode < 0)
        return gb_seterr(err, GB_EINVAL, "protocol 'anti-entropy': unknown type, method or mode");
    int frc = gb_check_fanout(&env->base, err);
    if (frc < 0)
        return frc;
    if ((frc = ae_check(p, env->base.n, err)) < 0)
        return frc;
    uint64_t K = (uint64_t)gb_params_int(p, "keys");
    uint32_t mfan = (uint32_t)gb_params_int(p, "merkle_fanout");
    if ((double)env->base.count * (double)K > (double)AE_MAX_ENTRIES)
        return gb_seterr(err, GB_EINVAL,
                         "protocol 'anti-entropy': %u replicas x %llu keys on one rank exceed "
                         "the bound of 2^25 entries (about 100 bytes each): use fewer keys or "
                         "nodes, or more ranks",
                         env->base.count, (unsigned long long)K);
    uint32_t mdepth = gb_params_has(p, "merkle_depth")
                          ? (uint32_t)gb_params_int(p, "merkle_depth")
                          : gb_merkle_auto_depth(K, mfan, 1);
    ae_state *s = calloc(1, sizeof *s);
    if (s == NULL)
        return gb_seterr(err, GB_ENOMEM, "protocol 'anti-entropy': out of memory");
    s->env = env;
    s->type = type;
    s->method = method;
    s->mode = mode;
    s->leaf_digests = (int)gb_params_int(p, "leaf_digests");
    s->rumor = (int)gb_params_int(p, "rumor");
    s->K = K;
    s->n = env->base.n;
    s->mfan = mfan;
    s->mdepth = mdepth;
    s->until = (uint32_t)gb_params_int(p, "updates_until");
    s->rfan = (uint32_t)gb_params_int(p, "rumor_fanout");
    s->rrounds = (uint32_t)gb_params_int(p, "rumor_rounds");
    s->rate = gb_params_double(p, "rate");
    s->zipf = gb_params_double(p, "zipf");
    s->idiff = (uint64_t)gb_params_int(p, "initial_diff");
    s->first = env->base.first;
    s->count = env->base.count;
    s->check = type == &gb_crdt_gcounter       ? CHECK_GCOUNTER
               : type == &gb_crdt_pncounter    ? CHECK_PNCOUNTER
               : type == &gb_crdt_lww_register ? CHECK_LWW_REGISTER
                                               : CHECK_NONE;
    s->last_pending = s->idiff > 0 ? 0 : -1;
    s->dmin = INFINITY;
    s->dmax = -INFINITY;
    int rc = GB_ENOMEM;
    s->rep = calloc(s->count ? s->count : 1, sizeof *s->rep);
    s->oclock = calloc(K, sizeof *s->oclock);
    if (s->rep == NULL || s->oclock == NULL)
        goto fail;
    if (s->check != CHECK_NONE) {
        s->exp_a = calloc(K, sizeof *s->exp_a);
        s->exp_b = calloc(K, sizeof *s->exp_b);
        s->exp_node = calloc(K, sizeof *s->exp_node);
        if (s->exp_a == NULL || s->exp_b == NULL || s->exp_node == NULL)
            goto fail;
    }
    if (s->zipf > 0) {
        s->zcdf = malloc(K * sizeof *s->zcdf);
        if (s->zcdf == NULL)
            goto fail;
        double acc = 0;
        for (uint64_t i = 0; i < K; i++)
            s->zcdf[i] = acc += pow((double)(i + 1), -s->zipf);
        for (uint64_t i = 0; i < K; i++)
            s->zcdf[i] /= acc;
        s->zcdf[K - 1] = 1.0;
    }
    if (type->init(&s->bottom) < 0)
        goto fail;
    for (uint32_t i = 0; i < s->count; i++) {
        replica *r = &s->rep[i];
        r->v = calloc(K, sizeof *r->v);
        r->h = malloc(K * sizeof *r->h);
        r->ok = calloc(K, 1);
        if (r->v == NULL || r->h == NULL || r->ok == NULL)
            goto fail;
        if (method == METHOD_MERKLE && gb_merkle_init(&r->tree, K, mfan, mdepth) < 0)
            goto fail;
        if (s->rumor && (r->hot_until = calloc(K, sizeof *r->hot_until)) == NULL)
            goto fail;
    }
    if ((rc = prefill(s)) < 0)
        goto fail;
    *state = s;
    return 0;
fail:
    ae_fini(s);
    if (rc == GB_ERANGE)
        return gb_seterr(err, GB_EINVAL, "protocol 'anti-entropy': too many updates");
    return gb_seterr(err, rc == GB_EINVAL ? GB_EINVAL : GB_ENOMEM,
                     rc == GB_EINVAL ? "protocol 'anti-entropy': data type '%s' failed"
                                     : "protocol 'anti-entropy' (%s): out of memory",
                     type->name);
}

/* ------------------------------------------------------------------ sending */

/* VALUES / RUMOR with r's values of keys[0..nk) (keys NULL: every key). */
static int send_values(ae_state *s, gb_soutbox *ob, gb_node_t from, gb_node_t to,
                       uint16_t kind, uint32_t flags, const uint64_t *keys, uint64_t nk)
{
    replica *r = rep_of(s, from);
    gb_bytes_clear(&s->body);
    uint64_t meta = 8 + 8 * nk;
    if (meta > GB_SMSG_MAX_LEN)
        return GB_ERANGE;
    int rc = gb_bytes_put_u32(&s->body, flags);
    if (rc == 0)
        rc = gb_bytes_put_u32(&s->body, (uint32_t)nk);
    for (uint64_t i = 0; i < nk && rc == 0; i++) {
        uint64_t k = keys != NULL ? keys[i] : i;
        rc = gb_bytes_put_u32(&s->body, (uint32_t)k);
        if (rc == 0)
            rc = gb_bytes_put_u32(&s->body, r->v[k].len);
        if (rc == 0)
            rc = gb_bytes_append(&s->body, r->v[k].p, r->v[k].len);
    }
    if (rc < 0)
        return rc;
    if (kind == K_RUMOR) {
        s->rumor_sent += nk;
    } else {
        s->sent += nk;
        s->r_values += nk;
    }
    return ae_send(s, ob, from, to, kind, (uint32_t)meta);
}

/* DIGESTS of keys[0..nk) (NULL: every key). */
static int send_digests(ae_state *s, gb_soutbox *ob, gb_node_t from, gb_node_t to,
                        uint32_t flags, const uint64_t *keys, uint64_t nk)
{
    replica *r = rep_of(s, from);
    gb_bytes_clear(&s->body);
    if (gb_merkle_digests_bytes(nk) > GB_SMSG_MAX_LEN)
        return GB_ERANGE;
    int rc = gb_bytes_reserve(&s->body, (uint32_t)gb_merkle_digests_bytes(nk));
    if (rc == 0)
        rc = gb_bytes_put_u32(&s->body, flags);
    if (rc == 0)
        rc = gb_bytes_put_u32(&s->body, (uint32_t)nk);
    for (uint64_t i = 0; i < nk && rc == 0; i++) {
        uint64_t k = keys != NULL ? keys[i] : i;
        rc = gb_bytes_put_u32(&s->body, (uint32_t)k);
        if (rc == 0)
            rc = gb_bytes_put_u64(&s->body, r->h[k]);
    }
    return rc < 0 ? rc : ae_send(s, ob, from, to, K_DIGESTS, s->body.len);
}

/* A list of u32 (REQ_KEYS, REQ_LEAVES). */
static int send_list(ae_state *s, gb_soutbox *ob, gb_node_t from, gb_node_t to, uint16_t kind,
                     uint32_t flags, const uint64_t *x, uint64_t nx)
{
    gb_bytes_clear(&s->body);
    int rc = gb_bytes_put_u32(&s->body, flags);
    if (rc == 0)
        rc = gb_bytes_put_u32(&s->body, (uint32_t)nx);
    for (uint64_t i = 0; i < nx && rc == 0; i++)
        rc = gb_bytes_put_u32(&s->body, (uint32_t)x[i]);
    return rc < 0 ? rc : ae_send(s, ob, from, to, kind, s->body.len);
}

/* HASHES of `level`: the root (level 0) or the children of parents[0..np). */
static int send_hashes(ae_state *s, gb_soutbox *ob, gb_node_t from, gb_node_t to,
                       uint32_t flags, uint32_t level, const uint64_t *parents, uint64_t np)
{
    replica *r = rep_of(s, from);
    gb_bytes_clear(&s->body);
    int rc = gb_bytes_reserve(&s->body, (uint32_t)gb_merkle_hashes_bytes(s->mfan, level, np));
    if (rc == 0)
        rc = gb_bytes_put_u32(&s->body, flags);
    if (rc == 0)
        rc = gb_bytes_put_u32(&s->body, level);
    if (rc == 0)
        rc = gb_bytes_put_u32(&s->body, level == 0 ? 1u : (uint32_t)np);
    if (level == 0) {
        if (rc == 0)
            rc = gb_bytes_put_u64(&s->body, gb_merkle_hash(&r->tree, 0, 0));
    } else {
        for (uint64_t i = 0; i < np && rc == 0; i++)
            rc = gb_bytes_put_u32(&s->body, (uint32_t)parents[i]);
        for (uint64_t i = 0; i < np && rc == 0; i++)
            for (uint32_t c = 0; c < s->mfan && rc == 0; c++)
                rc = gb_bytes_put_u64(&s->body,
                                      gb_merkle_hash(&r->tree, level, parents[i] * s->mfan + c));
    }
    return rc < 0 ? rc : ae_send(s, ob, from, to, K_HASHES, s->body.len);
}

/* The side `me` that knows the keys to move (keys[0..nk); for whole leaves, also
 * leaves[0..nl)) finishes the session with `other` according to the mode. */
static int finish(ae_state *s, gb_soutbox *ob, gb_node_t me, gb_node_t other, int i_init,
                  const uint64_t *keys, uint64_t nk, const uint64_t *leaves, uint64_t nl)
{
    if (nk == 0)
        return 0;
    int out = s->mode == MODE_PUSH_PULL || (s->mode == MODE_PUSH) == (i_init != 0);
    int in = s->mode == MODE_PUSH_PULL || (s->mode == MODE_PUSH) != (i_init != 0);
    uint32_t fl = i_init ? F_INIT : 0;
    if (out)
        return send_values(s, ob, me, other, K_VALUES, fl | (in ? F_RETURN : 0), keys, nk);
    if (leaves != NULL)
        return send_list(s, ob, me, other, K_REQ_LEAVES, fl, leaves, nl);
    return send_list(s, ob, me, other, K_REQ_KEYS, fl, keys, nk);
}

/* ------------------------------------------------------------------ session protocol */

static int ae_event(void *state, uint32_t round, gb_node_t node, unsigned ev, gb_soutbox *ob)
{
    ae_state *s = state;
    (void)ob;
    begin_round(s, round);
    if (ev != GB_EV_RECOVER_EMPTY)
        return 0; /* crash, recover, join, leave: the replica keeps its state */
    replica *r = rep_of(s, node);
    int rc = set_all(s, r, NULL, NULL);
    for (uint64_t k = 0; k < s->K && rc == 0; k++)
        rc = recheck(s, r, k);
    r->lo = 0;
    for (uint32_t i = 0; s->rumor && i < r->nhot; i++)
        r->hot_until[r->hot[i]] = 0;
    r->nhot = 0;
    return rc;
}

static int ae_start(void *state, uint32_t round, gb_node_t node, gb_soutbox *ob)
{
    ae_state *s = state;
    begin_round(s, round);
    gb_node_t peers[GB_MAX_FANOUT];
    uint32_t np = gb_pick_peers(&s->env->base, round, node, peers);
    int rc = 0;
    for (uint32_t j = 0; j < np && rc == 0; j++) {
        switch (s->method) {
        case METHOD_FULL:
            if (s->mode == MODE_PULL) {
                gb_bytes_clear(&s->body);
                rc = gb_bytes_put_u32(&s->body, F_INIT);
                if (rc == 0)
                    rc = ae_send(s, ob, node, peers[j], K_FULL_REQ, s->body.len);
            } else {
                rc = send_values(s, ob, node, peers[j], K_VALUES,
                                 F_INIT | (s->mode == MODE_PUSH_PULL ? F_FULL_RETURN : 0), NULL,
                                 s->K);
            }
            break;
        case METHOD_DIGEST: rc = send_digests(s, ob, node, peers[j], F_INIT, NULL, s->K); break;
        default: rc = send_hashes(s, ob, node, peers[j], F_INIT, 0, NULL, 0); break;
        }
    }
    if (rc < 0 || !s->rumor)
        return rc;
    /* Rumor mongering: push the hot keys (dropping the cold ones) to rumor_fanout peers
     * drawn from another round's peer stream, so not the anti-entropy partners. */
    replica *r = rep_of(s, node);
    uint32_t keep = 0;
    for (uint32_t i = 0; i < r->nhot; i++) {
        if (r->hot_until[r->hot[i]] >= round)
            r->hot[keep++] = r->hot[i];
        else
            r->hot_until[r->hot[i]] = 0;
    }
    r->nhot = keep;
    if (keep == 0)
        return 0;
    /* Sorted, as every key list on the wire. */
    if ((rc = grow64(&s->sc, &s->capc, keep)) < 0)
        return rc;
    for (uint32_t i = 0; i < keep; i++)
        s->sc[i] = r->hot[i];
    for (uint32_t i = 1; i < keep; i++) {
        uint64_t x = s->sc[i];
        uint32_t j = i;
        for (; j > 0 && s->sc[j - 1] > x; j--)
            s->sc[j] = s->sc[j - 1];
        s->sc[j] = x;
    }
    gb_proto_env e = s->env->base;
    e.fanout = s->rfan;
    np = gb_pick_peers(&e, round + AE_RUMOR_ROUND, node, peers);
    for (uint32_t j = 0; j < np && rc == 0; j++)
        rc = send_values(s, ob, node, peers[j], K_RUMOR, 0, s->sc, keep);
    return rc;
}

/* Reads a list of count strictly increasing u32 below `bound` at p (count*4 bytes, already
 * length-checked) into s->sc. */
static int read_list(ae_state *s, const uint8_t *p, uint32_t count, uint64_t bound)
{
    int rc = grow64(&s->sc, &s->capc, count ? count : 1);
    if (rc < 0)
        return rc;
    for (uint32_t i = 0; i < count; i++) {
        uint64_t x = ld32(p + 4u * i);
        if (x >= bound || (i > 0 && x <= s->sc[i - 1]))
            return GB_EINVAL;
        s->sc[i] = x;
    }
    return 0;
}

static int on_values(ae_state *s, uint32_t round, const gb_smsg *m, uint32_t flags,
                     gb_soutbox *ob)
{
    const uint8_t *p = m->data;
    if (m->len < 8)
        return GB_EINVAL;
    uint32_t count = ld32(p + 4);
    /* Structure first: nothing is merged from a malformed body. */
    uint64_t pos = 8, prev = 0;
    for (uint32_t i = 0; i < count; i++) {
        if (m->len - pos < 8)
            return GB_EINVAL;
        uint64_t k = ld32(p + pos);
        uint32_t len = ld32(p + pos + 4);
        if (k >= s->K || (i > 0 && k <= prev) || m->len - pos - 8 < len)
            return GB_EINVAL;
        prev = k;
        pos += 8 + (uint64_t)len;
    }
    if (pos != m->len)
        return GB_EINVAL;
    replica *r = rep_of(s, m->dst);
    int ret = (flags & F_RETURN) && m->kind == K_VALUES;
    uint64_t nret = 0;
    int rc = ret ? grow64(&s->sc, &s->capc, count ? count : 1) : 0;
    pos = 8;
    for (uint32_t i = 0; i < count && rc == 0; i++) {
        uint64_t k = ld32(p + pos);
        uint32_t len = ld32(p + pos + 4);
        const uint8_t *b = p + pos + 8;
        int changed;
        rc = merge_value(s, r, k, b, len, round, m->kind == K_RUMOR, &changed);
        if (rc == 0 && ret && !blob_eq(&r->v[k], b, len))
            s->sc[nret++] = k;
        pos += 8 + (uint64_t)len;
    }
    if (rc < 0 || m->kind != K_VALUES)
        return rc;
    uint32_t fl = (flags & F_INIT) ? 0 : F_INIT;
    if (flags & F_FULL_RETURN)
        return send_values(s, ob, m->dst, m->src, K_VALUES, fl, NULL, s->K);
    if (ret && nret > 0)
        return send_values(s, ob, m->dst, m->src, K_VALUES, fl, s->sc, nret);
    return 0;
}

static int on_digests(ae_state *s, const gb_smsg *m, uint32_t flags, gb_soutbox *ob)
{
    const uint8_t *p = m->data;
    if (m->len < 8)
        return GB_EINVAL;
    uint32_t count = ld32(p + 4);
    if ((uint64_t)m->len != gb_merkle_digests_bytes(count))
        return GB_EINVAL;
    replica *r = rep_of(s, m->dst);
    int rc = grow64(&s->sc, &s->capc, count ? count : 1);
    if (rc < 0)
        return rc;
    uint64_t nd = 0, prev = 0;
    for (uint32_t i = 0; i < count; i++) {
        const uint8_t *e = p + 8 + (uint64_t)GB_MERKLE_DIGEST_ENTRY * i;
        uint64_t k = ld32(e);
        if (k >= s->K || (i > 0 && k <= prev))
            return GB_EINVAL;
        prev = k;
        if (ld64(e + 4) != r->h[k])
            s->sc[nd++] = k;
    }
    return finish(s, ob, m->dst, m->src, !(flags & F_INIT), s->sc, nd, NULL, 0);
}

/* The keys of leaves[0..nl) into s->sc; *nk their number. */
static int leaf_keys(ae_state *s, replica *r, const uint64_t *leaves, uint64_t nl, uint64_t *nk)
{
    uint64_t total = 0;
    for (uint64_t i = 0; i < nl; i++) {
        uint64_t lo, hi;
        gb_merkle_leaf_range(&r->tree, leaves[i], &lo, &hi);
        total += hi - lo;
    }
    int rc = grow64(&s->sc, &s->capc, total ? total : 1);
    if (rc < 0)
        return rc;
    uint64_t m = 0;
    for (uint64_t i = 0; i < nl; i++) {
        uint64_t lo, hi;
        gb_merkle_leaf_range(&r->tree, leaves[i], &lo, &hi);
        for (uint64_t k = lo; k < hi; k++)
            s->sc[m++] = k;
    }
    *nk = m;
    return 0;
}

static int on_hashes(ae_state *s, const gb_smsg *m, uint32_t flags, gb_soutbox *ob)
{
    if (s->method != METHOD_MERKLE || m->len < GB_MERKLE_HASHES_HEADER)
        return GB_EINVAL;
    const uint8_t *p = m->data;
    uint32_t level = ld32(p + 4), count = ld32(p + 8);
    if (level > s->mdepth)
        return GB_EINVAL;
    replica *r = rep_of(s, m->dst);
    const uint32_t f = s->mfan;
    uint64_t n;
    if (level == 0) {
        if (count != 1 || m->len != GB_MERKLE_HASHES_HEADER + 8u)
            return GB_EINVAL;
        if (grow64(&s->sa, &s->capa, 1) < 0 || grow64(&s->sb, &s->capb, 1) < 0)
            return GB_ENOMEM;
        s->sa[0] = 0;
        s->sb[0] = ld64(p + GB_MERKLE_HASHES_HEADER);
        n = 1;
    } else {
        uint64_t above = gb_merkle_level_size(&r->tree, level - 1);
        if (count == 0 || count > above ||
            (uint64_t)m->len != gb_merkle_hashes_bytes(f, level, count))
            return GB_EINVAL;
        n = (uint64_t)count * f;
        if (grow64(&s->sa, &s->capa, n) < 0 || grow64(&s->sb, &s->capb, n) < 0)
            return GB_ENOMEM;
        const uint8_t *hp = p + GB_MERKLE_HASHES_HEADER + 4ull * count;
        uint64_t prev = 0;
        for (uint32_t i = 0; i < count; i++) {
            uint64_t parent = ld32(p + GB_MERKLE_HASHES_HEADER + 4ull * i);
            if (parent >= above || (i > 0 && parent <= prev))
                return GB_EINVAL;
            prev = parent;
            for (uint32_t c = 0; c < f; c++) {
                s->sa[(uint64_t)i * f + c] = parent * f + c;
                s->sb[(uint64_t)i * f + c] = ld64(hp + 8 * ((uint64_t)i * f + c));
            }
        }
    }
    uint64_t nd = gb_merkle_compare(&r->tree, level, s->sa, s->sb, n, s->sa);
    int i_init = !(flags & F_INIT);
    uint32_t fl = i_init ? F_INIT : 0;
    if (nd == 0)
        return 0;
    if (level < s->mdepth)
        return send_hashes(s, ob, m->dst, m->src, fl, level + 1, s->sa, nd);
    /* s->sa[0..nd): the differing leaves. */
    uint64_t nk;
    int rc = leaf_keys(s, r, s->sa, nd, &nk);
    if (rc < 0)
        return rc;
    if (s->leaf_digests)
        return send_digests(s, ob, m->dst, m->src, fl, s->sc, nk);
    return finish(s, ob, m->dst, m->src, i_init, s->sc, nk, s->sa, nd);
}

static int ae_deliver(void *state, uint32_t round, const gb_smsg *m, gb_soutbox *ob)
{
    ae_state *s = state;
    begin_round(s, round);
    if (m->len < 4 || m->dst < s->first || m->dst - s->first >= s->count || m->src >= s->n)
        return GB_EINVAL;
    uint32_t flags = ld32(m->data);
    switch (m->kind) {
    case K_VALUES:
    case K_RUMOR: return on_values(s, round, m, flags, ob);
    case K_FULL_REQ:
        if (m->len != 4)
            return GB_EINVAL;
        return send_values(s, ob, m->dst, m->src, K_VALUES, (flags & F_INIT) ? 0 : F_INIT, NULL,
                           s->K);
    case K_DIGESTS: return on_digests(s, m, flags, ob);
    case K_HASHES: return on_hashes(s, m, flags, ob);
    case K_REQ_KEYS:
    case K_REQ_LEAVES: {
        if (m->len < 8)
            return GB_EINVAL;
        uint32_t count = ld32(m->data + 4);
        if ((uint64_t)m->len != 8 + 4ull * count)
            return GB_EINVAL;
        int leaves = m->kind == K_REQ_LEAVES;
        if (leaves && s->method != METHOD_MERKLE)
            return GB_EINVAL;
        replica *r = rep_of(s, m->dst);
        int rc = read_list(s, m->data + 8, count, leaves ? r->tree.leaves : s->K);
        uint64_t nk = count;
        if (rc == 0 && leaves) {
            /* leaf_keys writes s->sc: move the leaves to s->sa first. */
            rc = grow64(&s->sa, &s->capa, count ? count : 1);
            if (rc == 0) {
                memcpy(s->sa, s->sc, (size_t)count * sizeof *s->sa);
                rc = leaf_keys(s, r, s->sa, count, &nk);
            }
        }
        if (rc < 0)
            return rc;
        return send_values(s, ob, m->dst, m->src, K_VALUES, (flags & F_INIT) ? 0 : F_INIT, s->sc,
                           nk);
    }
    default: return GB_EINVAL;
    }
}

/* ------------------------------------------------------------------ end of round */

static uint64_t staleness(ae_state *s, replica *r, uint32_t round, int *err)
{
    while (r->lo < s->nlog) {
        const ae_update *u = &s->log[r->lo];
        const gb_bytes *b = &r->v[u->key];
        int has = s->type->has_update(b->p, b->len, u->node, u->counter);
        if (has < 0) {
            *err = has;
            return 0;
        }
        if (!has)
            return round - s->log[r->lo].round;
        r->lo++;
    }
    return 0;
}

/* The value check of a live replica whose every key agrees with the oracle clock. */
static uint64_t verify(ae_state *s, const replica *r)
{
    uint64_t bad = 0;
    for (uint64_t k = 0; k < s->K; k++) {
        const gb_bytes *b = &r->v[k];
        uint64_t a = 0, c = 0;
        uint32_t node = 0;
        const uint8_t *val;
        uint32_t vlen;
        switch (s->check) {
        case CHECK_GCOUNTER:
            bad += gb_gcounter_value(b->p, b->len, &a) < 0 || a != s->exp_a[k];
            break;
        case CHECK_PNCOUNTER:
            bad += gb_pncounter_value(b->p, b->len, &a, &c) < 0 || a != s->exp_a[k] ||
                   c != s->exp_b[k];
            break;
        case CHECK_LWW_REGISTER:
            bad += gb_lww_get(b->p, b->len, &val, &vlen, &a, &node) != 1 || vlen != 8 ||
                   ld64(val) != s->exp_b[k] || a != s->exp_a[k] || node != s->exp_node[k];
            break;
        default: break;
        }
    }
    return bad;
}

static int ae_end_round(void *state, uint32_t round, gb_session_stats *st)
{
    ae_state *s = state;
    begin_round(s, round);
    s->last_round = round;
    /* Staleness before this round's updates: every update lacked has had a round. */
    int err = 0;
    for (uint32_t i = 0; i < s->count && err == 0; i++) {
        uint64_t a = staleness(s, &s->rep[i], round, &err);
        s->r_st_sum += a;
        s->r_st_max = a > s->r_st_max ? a : s->r_st_max;
        s->r_stale += a > 0;
        s->ge[0] += a >= 1;
        s->ge[1] += a >= 4;
        s->ge[2] += a >= 16;
        s->ge[3] += a >= 64;
    }
    if (err < 0)
        return err;
    s->st_sum += s->r_st_sum;
    s->st_max = s->r_st_max > s->st_max ? s->r_st_max : s->st_max;
    int rc = make_updates(s, round);
    for (uint32_t i = 0; i < s->count && rc == 0; i++)
        if (gb_session_up(s->env, s->first + i))
            rc = apply_queue(s, s->first + i, round);
    if (rc < 0)
        return rc;
    uint64_t pending = 0;
    double dmin = INFINITY, dmax = -INFINITY;
    for (uint32_t i = 0; i < s->count; i++) {
        if (!gb_session_up(s->env, s->first + i))
            continue;
        replica *r = &s->rep[i];
        pending += r->nok < s->K;
        double d = (double)(r->sum >> 11);
        dmin = d < dmin ? d : dmin;
        dmax = d > dmax ? d : dmax;
    }
    s->dmin = dmin;
    s->dmax = dmax;
    if (pending > 0)
        s->last_pending = round;
    s->pending_now = pending;
    /* The value check, once the replicas here have settled and changed since the last. */
    if (pending == 0 && round >= s->until && s->dirty) {
        s->dirty = 0;
        s->verify_errors = 0;
        for (uint32_t i = 0; s->check != CHECK_NONE && i < s->count; i++)
            if (gb_session_up(s->env, s->first + i))
                s->verify_errors += verify(s, &s->rep[i]);
    }
    st->pending = pending;
    st->busy = round < s->until;
    return 0;
}

static void ae_round_values(const void *state, uint32_t round, double *out)
{
    const ae_state *s = state;
    (void)round;
    out[0] = (double)s->r_meta;
    out[1] = (double)s->r_payload;
    out[2] = (double)s->r_values;
    out[3] = (double)s->r_conflicts;
    out[4] = (double)s->r_st_sum / (double)s->n;
    out[5] = (double)s->r_st_max;
    out[6] = (double)s->r_stale;
    out[7] = (double)s->r_updates;
}

static void ae_trial_values(const void *state, double *out)
{
    const ae_state *s = state;
    double samples = (double)s->n * (double)(s->last_round ? s->last_round : 1);
    if (s->pending_now > 0) {
        out[M_SETTLE] = INFINITY;
    } else {
        int64_t c = s->last_pending + 1;
        out[M_SETTLE] = c > (int64_t)s->until ? (double)(c - (int64_t)s->until) : 0.0;
    }
    out[M_UPDATES] = (double)s->nlog;
    out[M_SENT] = (double)s->sent;
    out[M_OVER] = (double)s->over;
    out[M_USELESS] = (double)s->useless;
    out[M_RUMOR] = (double)s->rumor_sent;
    out[M_CONFLICTS] = (double)s->conflicts;
    out[M_VERIFY] = (double)s->verify_errors;
    out[M_DMIN] = s->dmin;
    out[M_DMAX] = s->dmax;
    out[M_SMEAN] = (double)s->st_sum / samples;
    out[M_SMAX] = (double)s->st_max;
    for (int i = 0; i < 4; i++)
        out[M_GE1 + i] = (double)s->ge[i] / samples;
}

/* Heap per node for the default keys=1024 (lww, merkle_fanout=16: 4096 leaves): 1024 blobs
 * of about 40 bytes in 48-byte allocations, their 16-byte handles, digests and flags,
 * the tree's 4369 nodes at 9 bytes; per-rank oracle clocks add about 40 bytes per key.
 * It grows linearly with keys; init() refuses more than 2^25 entries per rank. */
const gb_session_ops gb_session_anti_entropy = {
    .name = "anti-entropy",
    .help = "anti-entropy state synchronisation (full state, digests or Merkle trees) over CRDTs",
    .params = ae_params,
    .metrics = ae_metrics,
    .series = ae_series,
    .max_steps = GB_MERKLE_MAX_DEPTH + 8,
    .state_bytes_per_node = 1024u * (48u + 16u + 8u + 1u) + 4369u * 9u,
    .state_bytes = ae_state_bytes,
    .check = ae_check,
    .init = ae_init,
    .fini = ae_fini,
    .event = ae_event,
    .start = ae_start,
    .deliver = ae_deliver,
    .step_end = NULL,
    .end_round = ae_end_round,
    .round_values = ae_round_values,
    .trial_values = ae_trial_values,
};
