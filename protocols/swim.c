/* swim.c: SWIM membership with failure detection, join through a seed and graceful leave.
 * A. Das, I. Gupta and A. Motivala, "SWIM: Scalable Weakly-consistent Infection-style
 * Process Group Membership Protocol", DSN 2002 (below: the paper); choices the paper leaves
 * open follow HashiCorp memberlist (and Serf for re-probing dead members).
 *
 * One engine round is one protocol period. Its message steps (gb_session.h):
 *   step 0  every member that is up pings its next target (PING); a member that is joining
 *           sends JOIN to its seed instead; a member leaving this round sends LEAVE to its
 *           next k targets (from event()); with rejoin=1 a member also pings one member it
 *           believes DEAD every `reconnect` periods (a reconnect probe, Serf's reconnect);
 *           with sync=P a member also sends its whole view (SYNC) to a random ALIVE member
 *           every P periods (memberlist's push-pull state exchange);
 *   step 1  targets answer ACK; the seed answers JOIN_REPLY with its whole member list; a
 *           SYNC is merged and answered with the receiver's whole view (SYNC_REPLY);
 *   step 2  ACKs arrive. step_end(2): a pinger without an ACK sends PING_REQ to k random
 *           members it believes ALIVE (k = 0: it suspects the target at once);
 *   step 3  each helper pings the target on the pinger's behalf (IPING);
 *   step 4  the target answers the helper (IACK);
 *   step 5  the helper relays the answer to the pinger (RELAY_ACK);
 *   step 6  relayed ACKs arrive. step_end(6): a pinger still without an ACK suspects the
 *           target. While a pinger waits, step_end() asks for steps 3..6 even when no
 *           message travels (every ping-req lost), so the time-out always runs.
 * A ping and its k indirect probes all fail with probability
 *   q_f = (1 - (1-p)^2) * (1 - (1-p)^4)^k
 * under independent loss p: the direct path is 2 messages, each indirect path 4.
 *
 * Member states in a view: UNKNOWN, ALIVE, SUSPECT, DEAD (confirmed failed), LEFT. Every
 * message carries the sender's incarnation in its header (an implicit ALIVE about the sender)
 * and up to max_piggyback updates (ALIVE, SUSPECT, DEAD, LEFT, JOIN: node, incarnation),
 * least-transmitted first (ties: most recently queued first, as memberlist); a node
 * retransmits an update at most L = lambda * ceil(log10(n + 1)) times (memberlist's
 * retransmit limit with RetransmitMult = lambda). Precedence, for update incarnation i
 * against a view entry with incarnation j (the paper, section 4.2, and memberlist):
 *   ALIVE(i)    beats ALIVE(j) and SUSPECT(j) when i > j; DEAD(j) and LEFT(j) when i > j
 *               and rejoin=1; UNKNOWN always;
 *   JOIN(i)     (an ALIVE the seed issued for a joiner) beats anything with i > j, so a
 *               node can rejoin after a leave or a confirmed failure in either mode;
 *   SUSPECT(i)  beats ALIVE(j) when i >= j, SUSPECT(j) when i > j; UNKNOWN always;
 *   DEAD(i)     beats ALIVE(j) and SUSPECT(j) when i >= j; ignored for UNKNOWN members;
 *   LEFT(i)     beats ALIVE(j), SUSPECT(j) and DEAD(j) when i >= j; ignored for UNKNOWN.
 * A node that hears it is SUSPECT(i) (or DEAD(i), rejoin=1) with i >= its incarnation
 * refutes: its incarnation becomes i + 1 and it disseminates ALIVE(i + 1). With rejoin=0
 * DEAD is final, as in the paper: the member stays out of every view that confirmed it.
 * With rejoin=1 (memberlist, Serf) members believed DEAD get reconnect probes that carry
 * DEAD(target), and an ACK to a sender the target believes DEAD carries DEAD(sender): so a
 * member that was confirmed dead while it was only cut off (a partition) or down for a
 * while (crash and recovery) hears it and refutes, and the views re-merge.
 *
 * Suspicion: a member suspected in round r by an observer (its own probe or an update) is
 * declared DEAD by that observer at the end of round r + T unless a higher incarnation
 * arrived, T = suspect_periods or ceil(suspect_mult * max(1, log10 n)) (memberlist's
 * suspicion timeout, SuspicionMult * log10 n probe intervals, with n the group size).
 *
 * Join: a node with a JOIN event (or recovering with an empty state) forgets its view and
 * sends JOIN to seed_node; if no JOIN_REPLY arrives in that period it tries seed_node + 1
 * (mod n, skipping itself), and so on. The seed gives it a fresh incarnation (above what
 * the seed knew of it), queues JOIN(node, incarnation) for dissemination and answers with
 * its whole view (9 bytes a member). A seed that is itself joining does not answer.
 * Leave: the leaver sends LEAVE, carrying LEFT(itself), to its next k probe targets; the
 * fault layer makes it absent from that round on, so members that probe it in that very
 * round before the LEAVE reaches them may suspect it until LEFT overrides the suspicion.
 *
 * Crash: the node stops; recovering with its state it resumes probing with its old view
 * (and refutes what was said about it meanwhile); recovering empty, it rejoins.
 *
 * Initial state: every node up at round 0 knows every other node up at round 0 as ALIVE
 * with incarnation 0 (a static bootstrap list); nodes absent at round 0 (joiners) are
 * unknown. Decisions use only the state and gb_rng streams keyed (seed, trial, round, node,
 * GB_RNG_PROTOCOL), drawn in per-node order (events, start, deliveries in canonical order,
 * step_end in id order), so results do not depend on the rank count. The fault layer's
 * ground truth (env->truth) feeds only the metrics and `pending`: for every live member,
 * the entries of its view that disagree with the truth, i.e. an up member not listed
 * (unknown, DEAD or LEFT) or a crashed or absent one still listed (ALIVE or SUSPECT). A
 * SUSPECT is a member (the paper): a trial can converge with suspicions of live members
 * pending, which under loss there always are.
 *
 * Memory: a view of all n members on every node (16-byte entries, and 4-byte probe-list
 * and queue slots), O(n) per node and n^2 in all: n is limited to 16384 (2^28 entries).
 *
 * Wire format, little-endian, every byte counted as metadata (membership traffic):
 *   header   inc u32 (sender's incarnation), arg u32 (target or origin node), flags u8,
 *            count u8, then count updates of type u8, node u32, incarnation u32;
 *   JOIN_REPLY, SYNC, SYNC_REPLY: the header (JOIN_REPLY: arg = the joiner's incarnation;
 *            count 0), then members u32 and that many entries of node u32, incarnation
 *            u32, state u8.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "faults.h"
#include "gb_rng.h"
#include "gb_session.h"
#include "swim.h"

enum { ST_UNKNOWN = GB_SWIM_UNKNOWN, ST_ALIVE = GB_SWIM_ALIVE, ST_SUSPECT = GB_SWIM_SUSPECT,
       ST_DEAD = GB_SWIM_DEAD, ST_LEFT = GB_SWIM_LEFT };
enum { U_ALIVE = GB_SWIM_U_ALIVE, U_SUSPECT = GB_SWIM_U_SUSPECT, U_DEAD = GB_SWIM_U_DEAD,
       U_LEFT = GB_SWIM_U_LEFT, U_JOIN = GB_SWIM_U_JOIN };
enum { MSG_PING = 1, MSG_ACK, MSG_PING_REQ, MSG_IPING, MSG_IACK, MSG_RELAY_ACK, MSG_JOIN,
       MSG_JOIN_REPLY, MSG_LEAVE, MSG_SYNC, MSG_SYNC_REPLY };

#define HDR_BYTES 10u
#define UPD_BYTES 9u
#define NONE UINT32_MAX
#define STEP_ACK 2u   /* direct ACKs have arrived */
#define STEP_RELAY 6u /* relayed ACKs have arrived */
#define F_RECONNECT 1u
/* Views of all n members on every node: n^2 entries in all. */
#define SWIM_MAX_N 16384u
#define E_INPL 1u /* in the probe list */
#define E_INQ 2u  /* in the dissemination queue */

typedef struct entry {
    uint32_t inc;
    uint32_t since; /* SUSPECT: round of the suspicion */
    uint32_t qseq;  /* when queued (piggyback ties) */
    uint8_t status, utype, tx, flags;
} entry;

typedef struct swim_node {
    gb_rng rng;
    uint32_t rng_round;
    gb_node_t target;    /* this period's probe target */
    uint32_t plen, ppos; /* probe list */
    uint32_t qlen, qseq; /* dissemination queue */
    uint32_t join_try;
    uint32_t nsus, ndead, wrong; /* SUSPECT and DEAD entries; entries wrong against truth */
    uint8_t awaiting, joining;
} swim_node;

typedef struct timer {
    uint32_t due, since;
    gb_node_t obs, mem;
} timer;

typedef struct swim {
    const gb_session_env *env;
    uint64_t n;
    gb_node_t first;
    uint32_t count;
    uint32_t k, maxpb, seed_node, periods, reconnect, sync, T, L;
    int random_target, rejoin;
    entry *view;              /* [count][n] */
    gb_node_t *plist, *queue; /* [count][n] */
    swim_node *nodes;
    uint8_t *tst, *tfrom;     /* ground truth per member: state, state before the last change */
    uint32_t *tchg;           /* round of the last change */
    gb_node_t *cand;          /* scratch [n] */
    gb_node_t pick[256];      /* scratch: chosen updates */
    uint8_t *buf;             /* message scratch */
    timer *timers, *fired;
    size_t ntimers, tcap;
    uint32_t round, last_round, last_wrong_round;
    uint64_t last_pending;
    /* metrics (this rank) */
    double first_det, first_conf, full_det, join_known, leave_known;
    uint64_t suspicions, false_susp, probes_live, fail_live, false_pos, refutations;
    uint64_t member_periods;
} swim;

static const gb_param_desc swim_params[] = {
    {.name = "k", .type = GB_PARAM_INT, .def = "3", .min = 0, .max = 32,
     .help = "members asked to ping-req a target that did not ack (0: suspect at once)"},
    {.name = "target", .type = GB_PARAM_STRING, .def = "round-robin",
     .choices = "round-robin|random",
     .help = "probe targets: round-robin over a shuffled member list, or uniform at random"},
    {.name = "suspect_periods", .type = GB_PARAM_INT, .def = "0", .min = 0, .max = 1000000,
     .help = "periods a suspect has to refute; 0: ceil(suspect_mult * max(1, log10 n))"},
    {.name = "suspect_mult", .type = GB_PARAM_DOUBLE, .def = "4", .min = 0.01, .max = 1000,
     .help = "suspicion timeout multiplier when suspect_periods=0 (memberlist: 4)"},
    {.name = "lambda", .type = GB_PARAM_INT, .def = "3", .min = 1, .max = 50,
     .help = "each node sends an update at most lambda * ceil(log10(n+1)) times"},
    {.name = "max_piggyback", .type = GB_PARAM_INT, .def = "6", .min = 0, .max = 255,
     .help = "membership updates piggybacked on one message at most"},
    {.name = "seed_node", .type = GB_PARAM_INT, .def = "0", .min = 0, .max = 4294967294.0,
     .help = "node a joiner asks first (then the next ids); below --nodes"},
    {.name = "periods", .type = GB_PARAM_INT, .def = "0", .min = 0, .max = GB_FAULTS_MAX_ROUND,
     .help = "run at least this many periods (false positives under loss need time)"},
    {.name = "rejoin", .type = GB_PARAM_INT, .def = "1", .min = 0, .max = 1,
     .help = "1: a member declared dead refutes and dead members are re-probed (memberlist, "
             "Serf); 0: dead is final (the paper)"},
    {.name = "reconnect", .type = GB_PARAM_INT, .def = "5", .min = 0, .max = 1000000,
     .help = "rejoin=1: every this many periods ping one member believed dead (0: never)"},
    {.name = "sync", .type = GB_PARAM_INT, .def = "0", .min = 0, .max = 1000000,
     .help = "every this many periods exchange whole views with a random member "
             "(memberlist's push-pull; 0: never, as in the paper)"},
    {.name = NULL}};

static const gb_metric_desc swim_metrics[] = {
    {"first_detection", GB_METRIC_MIN,
     "periods from a crash to the first suspicion of the crashed node (crash period = 1)"},
    {"first_confirm", GB_METRIC_MIN, "periods from a crash to its first DEAD declaration"},
    {"full_detection", GB_METRIC_MAX,
     "periods from a crash until the last live member marked it DEAD"},
    {"suspicions", GB_METRIC_SUM, "probes that timed out (direct and indirect)"},
    {"false_suspicions", GB_METRIC_SUM, "ALIVE members turned SUSPECT by a probe while up"},
    {"probes_live", GB_METRIC_SUM, "probes of members that were up"},
    {"probe_failures_live", GB_METRIC_SUM, "probes of members that were up that timed out"},
    {"false_positives", GB_METRIC_SUM, "members declared DEAD (time-out) while up"},
    {"join_known", GB_METRIC_MAX, "periods from a join until the last live member knew it"},
    {"leave_known", GB_METRIC_MAX,
     "periods from a leave until the last live member removed the leaver"},
    {"remerge", GB_METRIC_MAX,
     "periods from the schedule's last change (a heal) until every view is right"},
    {"refutations", GB_METRIC_SUM, "incarnation increments answering suspicion or death"},
    {"member_periods", GB_METRIC_SUM, "live members summed over periods (normaliser)"},
    {NULL, 0, NULL}};

static const gb_metric_desc swim_series[] = {
    {"suspects", GB_METRIC_SUM, "SUSPECT entries in live members' views"},
    {"dead", GB_METRIC_SUM, "DEAD entries in live members' views"},
    {"wrong", GB_METRIC_SUM, "view entries of live members that disagree with the truth"},
    {NULL, 0, NULL}};

/* ------------------------------------------------------------------ helpers */

static inline entry *ent(const swim *s, uint32_t i, gb_node_t m)
{
    return &s->view[(size_t)i * s->n + m];
}

static inline gb_node_t *plist_of(const swim *s, uint32_t i)
{
    return s->plist + (size_t)i * s->n;
}

static inline gb_node_t *queue_of(const swim *s, uint32_t i)
{
    return s->queue + (size_t)i * s->n;
}

/* In the group as far as the observer knows: probed, counted as a member. */
static inline int listed(uint8_t st)
{
    return st == ST_ALIVE || st == ST_SUSPECT;
}

/* An entry about m in state st disagrees with the ground truth. */
static inline int wrong_of(const swim *s, gb_node_t m, uint8_t st)
{
    return (s->tst[m] == GB_NODE_UP) != listed(st);
}

static inline void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static inline uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Node i's protocol stream of `round`; draws continue where the node left off. */
static gb_rng *rng(swim *s, uint32_t i, uint32_t round)
{
    swim_node *nd = &s->nodes[i];
    if (nd->rng_round != round) {
        gb_rng_init(&nd->rng, s->env->base.seed, s->env->base.trial, round, s->first + i,
                    GB_RNG_PROTOCOL);
        nd->rng_round = round;
    }
    return &nd->rng;
}

static void fini(void *state)
{
    swim *s = state;
    if (s == NULL)
        return;
    free(s->view);
    free(s->plist);
    free(s->queue);
    free(s->nodes);
    free(s->tst);
    free(s->tfrom);
    free(s->tchg);
    free(s->cand);
    free(s->buf);
    free(s->timers);
    free(s->fired);
    free(s);
}

/* ------------------------------------------------------------------ probe list, queue */

/* m becomes probeable for node i: insert it at a random position (memberlist). */
static void pl_insert(swim *s, uint32_t i, gb_node_t m, uint32_t round)
{
    entry *e = ent(s, i, m);
    if (e->flags & E_INPL)
        return;
    e->flags |= E_INPL;
    swim_node *nd = &s->nodes[i];
    gb_node_t *pl = plist_of(s, i);
    uint32_t pos = (uint32_t)gb_rng_below(rng(s, i, round), (uint64_t)nd->plen + 1);
    pl[nd->plen] = pl[pos];
    pl[pos] = m;
    nd->plen++;
}

/* End of a round-robin pass: drop members no longer listed, shuffle the rest. */
static void pl_reshuffle(swim *s, uint32_t i, uint32_t round)
{
    swim_node *nd = &s->nodes[i];
    gb_node_t *pl = plist_of(s, i);
    uint32_t w = 0;
    for (uint32_t j = 0; j < nd->plen; j++) {
        entry *e = ent(s, i, pl[j]);
        if (listed(e->status))
            pl[w++] = pl[j];
        else
            e->flags &= (uint8_t)~E_INPL;
    }
    nd->plen = w;
    gb_rng *r = rng(s, i, round);
    for (uint32_t j = w; j > 1; j--) {
        uint32_t x = (uint32_t)gb_rng_below(r, j);
        gb_node_t t = pl[j - 1];
        pl[j - 1] = pl[x];
        pl[x] = t;
    }
    nd->ppos = 0;
}

/* Node i's next probe target, NONE when it knows no member. */
static gb_node_t next_target(swim *s, uint32_t i, uint32_t round)
{
    swim_node *nd = &s->nodes[i];
    gb_node_t *pl = plist_of(s, i);
    if (s->random_target) {
        while (nd->plen > 0) {
            uint32_t j = (uint32_t)gb_rng_below(rng(s, i, round), nd->plen);
            gb_node_t m = pl[j];
            entry *e = ent(s, i, m);
            if (listed(e->status))
                return m;
            pl[j] = pl[--nd->plen];
            e->flags &= (uint8_t)~E_INPL;
        }
        return NONE;
    }
    int reshuffled = 0;
    for (;;) {
        if (nd->ppos >= nd->plen) {
            if (reshuffled)
                return NONE;
            pl_reshuffle(s, i, round);
            reshuffled = 1;
            continue;
        }
        gb_node_t m = pl[nd->ppos++];
        if (listed(ent(s, i, m)->status))
            return m;
    }
}

/* Queue node i's current entry about m for dissemination (fresh: no transmission yet). */
static void enqueue(swim *s, uint32_t i, gb_node_t m, uint8_t utype)
{
    swim_node *nd = &s->nodes[i];
    entry *e = ent(s, i, m);
    e->utype = utype;
    e->tx = 0;
    e->qseq = nd->qseq++;
    if (!(e->flags & E_INQ)) {
        e->flags |= E_INQ;
        queue_of(s, i)[nd->qlen++] = m;
    }
}

static inline int better(const entry *a, const entry *b)
{
    return a->tx < b->tx || (a->tx == b->tx && a->qseq > b->qseq);
}

/* Up to `want` queued updates of node i, least transmitted first, into s->pick. */
static uint32_t pick_updates(swim *s, uint32_t i, uint32_t want)
{
    swim_node *nd = &s->nodes[i];
    const gb_node_t *q = queue_of(s, i);
    uint32_t k = 0;
    for (uint32_t j = 0; j < nd->qlen && want > 0; j++) {
        const entry *e = ent(s, i, q[j]);
        if (k == want && !better(e, ent(s, i, s->pick[k - 1])))
            continue;
        uint32_t p = k < want ? k++ : k - 1;
        while (p > 0 && better(e, ent(s, i, s->pick[p - 1]))) {
            s->pick[p] = s->pick[p - 1];
            p--;
        }
        s->pick[p] = q[j];
    }
    return k;
}

/* Drop updates sent L times from node i's queue. */
static void prune_queue(swim *s, uint32_t i)
{
    swim_node *nd = &s->nodes[i];
    gb_node_t *q = queue_of(s, i);
    uint32_t w = 0;
    for (uint32_t j = 0; j < nd->qlen; j++) {
        entry *e = ent(s, i, q[j]);
        if (e->tx < s->L)
            q[w++] = q[j];
        else
            e->flags &= (uint8_t)~E_INQ;
    }
    nd->qlen = w;
}

/* ------------------------------------------------------------------ truth and metrics */

/* Follow the ground truth into round r (first callback of the round). */
static void begin_round(swim *s, uint32_t r)
{
    if (s->round == r)
        return;
    s->round = r;
    const gb_session_env *env = s->env;
    if (env->truth == NULL)
        return;
    for (gb_node_t m = 0; m < s->n; m++) {
        uint8_t t = gb_session_truth(env, m);
        if (t == s->tst[m])
            continue;
        int was = s->tst[m] == GB_NODE_UP, is = t == GB_NODE_UP;
        if (was != is)
            for (uint32_t i = 0; i < s->count; i++)
                if (s->first + i != m) {
                    /* wrong_of flips for every observer that lists m or does not. */
                    int l = listed(ent(s, i, m)->status);
                    s->nodes[i].wrong += (uint32_t)((is != l) - (was != l));
                }
        s->tfrom[m] = s->tst[m];
        s->tst[m] = t;
        s->tchg[m] = r;
    }
}

static inline void dmin(double *x, double v)
{
    if (v < *x)
        *x = v;
}

static inline void dmax(double *x, double v)
{
    if (v > *x)
        *x = v;
}

/* Metrics of a view change of live observer o about m (before the change: from). Only
 * observers up since before m's last change count for the "every member knew" figures. */
static void note_change(swim *s, gb_node_t o, gb_node_t m, uint8_t from, uint8_t to,
                        uint32_t r)
{
    if (s->tst[o] != GB_NODE_UP)
        return;
    double since = s->tchg[m], lat = (double)r - since + 1.0;
    int before = s->tchg[o] <= s->tchg[m];
    uint8_t t = s->tst[m];
    if (t == GB_NODE_CRASHED) {
        if ((to == ST_SUSPECT || to == ST_DEAD) && listed(from) && before)
            dmin(&s->first_det, lat);
        if (to == ST_DEAD && before)
            dmin(&s->first_conf, lat);
        if ((to == ST_DEAD || to == ST_LEFT) && before)
            dmax(&s->full_det, lat);
    } else if (t == GB_NODE_ABSENT && s->tfrom[m] == GB_NODE_UP) {
        if ((to == ST_LEFT || to == ST_DEAD) && before)
            dmax(&s->leave_known, lat);
    } else if (t == GB_NODE_UP && s->tfrom[m] == GB_NODE_ABSENT && s->tchg[m] > 0) {
        if (to == ST_ALIVE && !listed(from) && before)
            dmax(&s->join_known, lat);
    }
}

static int add_timer(swim *s, uint32_t i, gb_node_t m, uint32_t since)
{
    if (s->ntimers == s->tcap) {
        size_t cap = s->tcap ? 2 * s->tcap : 256;
        timer *t = realloc(s->timers, cap * sizeof *t);
        if (t == NULL)
            return GB_ENOMEM;
        s->timers = t;
        timer *f = realloc(s->fired, cap * sizeof *f);
        if (f == NULL)
            return GB_ENOMEM;
        s->fired = f;
        s->tcap = cap;
    }
    s->timers[s->ntimers++] = (timer){.due = since + s->T, .since = since, .obs = s->first + i,
                                      .mem = m};
    return 0;
}

/* Node i's entry about m becomes (to, inc) in round r. */
static int set_entry(swim *s, uint32_t i, gb_node_t m, uint8_t to, uint32_t inc, uint32_t r)
{
    swim_node *nd = &s->nodes[i];
    entry *e = ent(s, i, m);
    uint8_t from = e->status;
    uint32_t old_inc = e->inc;
    nd->nsus += (to == ST_SUSPECT) - (from == ST_SUSPECT);
    nd->ndead += (to == ST_DEAD) - (from == ST_DEAD);
    nd->wrong += (uint32_t)(wrong_of(s, m, to) - wrong_of(s, m, from));
    e->status = to;
    e->inc = inc;
    note_change(s, s->first + i, m, from, to, r);
    if (listed(to) && !listed(from))
        pl_insert(s, i, m, r);
    if (to == ST_SUSPECT && (from != ST_SUSPECT || inc != old_inc)) {
        e->since = r;
        return add_timer(s, i, m, r);
    }
    return 0;
}

/* ------------------------------------------------------------------ updates */

uint8_t gb_swim_merge(uint8_t st, uint32_t j, uint8_t update, uint32_t inc, int rejoin)
{
    switch (update) {
    case U_ALIVE:
        if (st == ST_UNKNOWN || (inc > j && (listed(st) || rejoin)))
            return ST_ALIVE;
        return 0;
    case U_JOIN:
        return st == ST_UNKNOWN || inc > j ? ST_ALIVE : 0;
    case U_SUSPECT:
        if (st == ST_UNKNOWN || (st == ST_ALIVE && inc >= j) || (st == ST_SUSPECT && inc > j))
            return ST_SUSPECT;
        return 0;
    case U_DEAD:
        return listed(st) && inc >= j ? ST_DEAD : 0;
    case U_LEFT:
        return (listed(st) || st == ST_DEAD) && inc >= j ? ST_LEFT : 0;
    default:
        return 0;
    }
}

/* Apply update (type, m, inc) at local node i in round r; spread: queue it for
 * dissemination when it changes the view. Returns 1 when the view changed, 0 when the
 * update was stale, GB_ENOMEM. */
static int apply(swim *s, uint32_t i, uint8_t type, gb_node_t m, uint32_t inc, uint32_t r,
                 int spread)
{
    gb_node_t self = s->first + i;
    entry *e = ent(s, i, m);
    if (m == self) {
        uint8_t refute = 0;
        if (type == U_SUSPECT && inc >= e->inc)
            refute = U_ALIVE;
        else if (type == U_DEAD && inc >= e->inc && s->rejoin)
            refute = U_ALIVE;
        else if (type == U_LEFT && inc >= e->inc)
            refute = U_JOIN; /* a stale leave about a member that is back */
        else if ((type == U_ALIVE || type == U_JOIN) && inc > e->inc)
            e->inc = inc; /* learnt from the seed or from before an empty restart */
        if (refute == 0 || inc == UINT32_MAX)
            return 0;
        e->inc = inc + 1;
        enqueue(s, i, self, refute);
        s->refutations++;
        return 1;
    }
    uint8_t to = gb_swim_merge(e->status, e->inc, type, inc, s->rejoin);
    if (to == 0)
        return 0;
    int rc = set_entry(s, i, m, to, inc, r);
    if (rc < 0)
        return rc;
    if (spread)
        enqueue(s, i, m, type);
    return 1;
}

/* ------------------------------------------------------------------ sending */

static int send_msg(swim *s, gb_soutbox *ob, uint32_t i, gb_node_t dst, uint16_t kind,
                    uint32_t arg, uint8_t flags, uint8_t ftype, gb_node_t fnode, uint32_t finc,
                    uint32_t r)
{
    (void)r;
    gb_node_t self = s->first + i;
    uint8_t *p = s->buf;
    put32(p, ent(s, i, self)->inc);
    put32(p + 4, arg);
    p[8] = flags;
    uint32_t cnt = 0;
    uint8_t *u = p + HDR_BYTES;
    if (ftype != 0) {
        /* A forced update: "you are DEAD to me" for the dead, LEFT for a leave. */
        u[0] = ftype;
        put32(u + 1, fnode);
        put32(u + 5, finc);
        u += UPD_BYTES;
        cnt++;
    }
    uint32_t want = s->maxpb > cnt ? s->maxpb - cnt : 0;
    uint32_t got = pick_updates(s, i, want);
    for (uint32_t j = 0; j < got; j++) {
        entry *e = ent(s, i, s->pick[j]);
        u[0] = e->utype;
        put32(u + 1, s->pick[j]);
        put32(u + 5, e->inc);
        u += UPD_BYTES;
        e->tx++;
    }
    cnt += got;
    p[9] = (uint8_t)cnt;
    if (got > 0)
        prune_queue(s, i);
    uint32_t len = HDR_BYTES + cnt * UPD_BYTES;
    return gb_ssend(ob, self, dst, kind, p, len, len);
}

/* ------------------------------------------------------------------ init */

static uint32_t derive_T(const gb_params *p, uint64_t n)
{
    int64_t t = gb_params_int(p, "suspect_periods");
    if (t > 0)
        return (uint32_t)t;
    double l = log10((double)n);
    double v = ceil(gb_params_double(p, "suspect_mult") * (l > 1.0 ? l : 1.0));
    return v < 1.0 ? 1u : (uint32_t)v;
}

static uint32_t derive_L(const gb_params *p, uint64_t n)
{
    double v = (double)gb_params_int(p, "lambda") * ceil(log10((double)n + 1.0));
    return v > 255.0 ? 255u : (uint32_t)v;
}

/* Node i forgets its view (a join, an empty recovery) and starts joining. */
static void reset_node(swim *s, uint32_t i, int keep_inc)
{
    swim_node *nd = &s->nodes[i];
    gb_node_t self = s->first + i;
    uint32_t inc = keep_inc ? ent(s, i, self)->inc : 0;
    memset(ent(s, i, 0), 0, (size_t)s->n * sizeof(entry));
    entry *me = ent(s, i, self);
    me->status = ST_ALIVE;
    me->inc = inc;
    nd->plen = nd->ppos = nd->qlen = 0;
    nd->nsus = nd->ndead = 0;
    nd->wrong = 0;
    for (gb_node_t m = 0; m < s->n; m++)
        if (m != self)
            nd->wrong += wrong_of(s, m, ST_UNKNOWN);
    nd->awaiting = 0;
    nd->target = NONE;
    nd->joining = 1;
    nd->join_try = 0;
}

static int swim_check(const gb_params *p, uint64_t n, char *err)
{
    if (n < 2 || n > SWIM_MAX_N)
        return gb_seterr(err, GB_EINVAL,
                         "protocol 'swim': %llu nodes: swim runs 2 to %u (every node keeps a "
                         "view of all n members, n^2 entries in all)",
                         (unsigned long long)n, SWIM_MAX_N);
    if ((uint64_t)gb_params_int(p, "seed_node") >= n)
        return gb_seterr(err, GB_EINVAL, "protocol 'swim': seed_node=%lld is not below --nodes %llu",
                         (long long)gb_params_int(p, "seed_node"), (unsigned long long)n);
    const char *tg = gb_params_str(p, "target");
    if (strcmp(tg, "round-robin") != 0 && strcmp(tg, "random") != 0)
        return gb_seterr(err, GB_EINVAL, "protocol 'swim': target='%s' is not round-robin or random",
                         tg);
    return 0;
}

static int init(const gb_session_env *env, void **state, char *err)
{
    const gb_params *p = env->base.params;
    uint64_t n = env->base.n;
    int crc = swim_check(p, n, err);
    if (crc < 0)
        return crc;
    const char *tg = gb_params_str(p, "target");
    swim *s = calloc(1, sizeof *s);
    if (s == NULL)
        return gb_seterr(err, GB_ENOMEM, "protocol 'swim': out of memory");
    s->env = env;
    s->n = n;
    s->first = env->base.first;
    s->count = env->base.count;
    s->k = (uint32_t)gb_params_int(p, "k");
    s->maxpb = (uint32_t)gb_params_int(p, "max_piggyback");
    s->seed_node = (uint32_t)gb_params_int(p, "seed_node");
    s->periods = (uint32_t)gb_params_int(p, "periods");
    s->rejoin = (int)gb_params_int(p, "rejoin");
    s->reconnect = (uint32_t)gb_params_int(p, "reconnect");
    s->sync = (uint32_t)gb_params_int(p, "sync");
    s->random_target = strcmp(tg, "random") == 0;
    s->T = derive_T(p, n);
    s->L = derive_L(p, n);
    size_t c = s->count ? s->count : 1;
    size_t buflen = HDR_BYTES + 4 + (size_t)n * UPD_BYTES;
    if (buflen < HDR_BYTES + 256 * UPD_BYTES)
        buflen = HDR_BYTES + 256 * UPD_BYTES;
    s->view = calloc(c * n, sizeof *s->view);
    s->plist = malloc(c * n * sizeof *s->plist);
    s->queue = malloc(c * n * sizeof *s->queue);
    s->nodes = calloc(c, sizeof *s->nodes);
    s->tst = malloc(n);
    s->tfrom = malloc(n);
    s->tchg = calloc(n, sizeof *s->tchg);
    s->cand = malloc(n * sizeof *s->cand);
    s->buf = malloc(buflen);
    if (!s->view || !s->plist || !s->queue || !s->nodes || !s->tst || !s->tfrom || !s->tchg ||
        !s->cand || !s->buf) {
        fini(s);
        return gb_seterr(err, GB_ENOMEM, "protocol 'swim' for %llu nodes: out of memory",
                         (unsigned long long)n);
    }
    for (gb_node_t m = 0; m < n; m++)
        s->tst[m] = s->tfrom[m] = gb_session_truth(env, m);
    s->first_det = s->first_conf = INFINITY;
    s->full_det = s->join_known = s->leave_known = -INFINITY;
    /* Static bootstrap: every node up at round 0 knows the others up at round 0. */
    for (uint32_t i = 0; i < s->count; i++) {
        swim_node *nd = &s->nodes[i];
        gb_node_t self = s->first + i;
        nd->rng_round = NONE;
        nd->target = NONE;
        entry *me = ent(s, i, self);
        me->status = ST_ALIVE;
        if (s->tst[self] != GB_NODE_UP) {
            for (gb_node_t m = 0; m < n; m++)
                if (m != self)
                    nd->wrong += wrong_of(s, m, ST_UNKNOWN);
            continue;
        }
        gb_node_t *pl = plist_of(s, i);
        for (gb_node_t m = 0; m < n; m++) {
            if (m == self)
                continue;
            entry *e = ent(s, i, m);
            if (s->tst[m] != GB_NODE_ABSENT) {
                e->status = ST_ALIVE;
                e->flags = E_INPL;
                pl[nd->plen++] = m;
            }
            nd->wrong += wrong_of(s, m, e->status);
        }
        pl_reshuffle(s, i, 0);
    }
    *state = s;
    return 0;
}

/* ------------------------------------------------------------------ period */

static int ev_leave(swim *s, uint32_t i, uint32_t r, gb_soutbox *ob)
{
    gb_node_t self = s->first + i;
    uint32_t inc = ent(s, i, self)->inc;
    uint32_t want = s->k > 0 ? s->k : 1, sent = 0;
    gb_node_t to[32];
    /* Its next k probe targets; at most one pass over the list, no repeats. */
    for (uint32_t tries = 0; sent < want && tries < 4 * want + 4; tries++) {
        gb_node_t t = next_target(s, i, r);
        if (t == NONE)
            break;
        int dup = 0;
        for (uint32_t j = 0; j < sent; j++)
            dup |= to[j] == t;
        if (dup)
            continue;
        to[sent++] = t;
        int rc = send_msg(s, ob, i, t, MSG_LEAVE, 0, 0, U_LEFT, self, inc, r);
        if (rc < 0)
            return rc;
    }
    s->nodes[i].awaiting = 0;
    return 0;
}

static int swim_event(void *state, uint32_t round, gb_node_t node, unsigned ev, gb_soutbox *ob)
{
    swim *s = state;
    begin_round(s, round);
    uint32_t i = node - s->first;
    switch (ev) {
    case GB_EV_CRASH:
        s->nodes[i].awaiting = 0;
        return 0;
    case GB_EV_RECOVER:
        return 0; /* resumes with its view; it refutes what was said about it */
    case GB_EV_RECOVER_EMPTY:
        reset_node(s, i, 0);
        return 0;
    case GB_EV_JOIN:
        reset_node(s, i, 1);
        return 0;
    case GB_EV_LEAVE:
        return ev_leave(s, i, round, ob);
    default:
        return 0;
    }
}

/* Node i's whole view to dst as `kind` (JOIN_REPLY, SYNC, SYNC_REPLY): the header (arg =
 * what the kind needs), then every entry it knows. */
static int send_view(swim *s, gb_soutbox *ob, uint32_t i, gb_node_t dst, uint16_t kind,
                     uint32_t arg)
{
    gb_node_t self = s->first + i;
    uint8_t *p = s->buf;
    put32(p, ent(s, i, self)->inc);
    put32(p + 4, arg);
    p[8] = 0;
    p[9] = 0;
    uint8_t *q = p + HDR_BYTES + 4;
    uint32_t cnt = 0;
    for (gb_node_t m = 0; m < s->n; m++) {
        const entry *x = ent(s, i, m);
        if (x->status == ST_UNKNOWN)
            continue;
        put32(q, m);
        put32(q + 4, x->inc);
        q[8] = x->status;
        q += UPD_BYTES;
        cnt++;
    }
    put32(p + HDR_BYTES, cnt);
    uint32_t len = HDR_BYTES + 4 + cnt * UPD_BYTES;
    return gb_ssend(ob, self, dst, kind, p, len, len);
}

/* Merge a whole view received by node i. copy: entries node i does not know are taken as
 * they are (a joiner's bootstrap, DEAD and LEFT included), without dissemination;
 * otherwise every entry goes through the precedence rule and changes are disseminated
 * (memberlist's merge of a push-pull exchange). */
static int merge_view(swim *s, uint32_t i, const gb_smsg *m, uint32_t r, int copy)
{
    static const uint8_t as_update[] = {0, U_ALIVE, U_SUSPECT, U_DEAD, U_LEFT};
    const uint8_t *d = m->data;
    if (m->len < HDR_BYTES + 4)
        return GB_EINVAL;
    uint32_t cnt = get32(d + HDR_BYTES);
    if ((uint64_t)m->len != HDR_BYTES + 4 + (uint64_t)cnt * UPD_BYTES)
        return GB_EINVAL;
    gb_node_t self = s->first + i;
    const uint8_t *q = d + HDR_BYTES + 4;
    for (uint32_t j = 0; j < cnt; j++, q += UPD_BYTES) {
        gb_node_t x = get32(q);
        uint32_t inc = get32(q + 4);
        uint8_t st = q[8];
        if (x >= s->n || st == ST_UNKNOWN || st > ST_LEFT)
            return GB_EINVAL;
        if (copy && x == self)
            continue;
        int rc = copy && ent(s, i, x)->status == ST_UNKNOWN
                     ? set_entry(s, i, x, st, inc, r)
                     : apply(s, i, as_update[st], x, inc, r, !copy);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* The seed answers a JOIN: a fresh incarnation, dissemination, its whole view. */
static int on_join(swim *s, uint32_t i, gb_node_t j, uint32_t req_inc, uint32_t r,
                   gb_soutbox *ob)
{
    if (s->nodes[i].joining)
        return 0; /* an empty seed has nothing to give: the joiner tries the next one */
    entry *e = ent(s, i, j);
    uint32_t inc = req_inc;
    if (e->status != ST_UNKNOWN && e->inc >= inc)
        inc = e->inc == UINT32_MAX ? e->inc : e->inc + 1;
    int rc = apply(s, i, U_JOIN, j, inc, r, 1);
    if (rc < 0)
        return rc;
    return send_view(s, ob, i, j, MSG_JOIN_REPLY, ent(s, i, j)->inc);
}

static int on_join_reply(swim *s, uint32_t i, const gb_smsg *m, uint32_t r)
{
    swim_node *nd = &s->nodes[i];
    if (!nd->joining)
        return 0; /* a late duplicate */
    gb_node_t self = s->first + i;
    entry *me = ent(s, i, self);
    uint32_t assigned = get32(m->data + 4);
    int rc = merge_view(s, i, m, r, 1);
    if (rc < 0)
        return rc;
    if (assigned > me->inc)
        me->inc = assigned;
    nd->joining = 0;
    enqueue(s, i, self, U_JOIN);
    return 0;
}

/* A member node i believes DEAD, chosen uniformly; NONE when there is none. */
static gb_node_t random_dead(swim *s, uint32_t i, uint32_t r)
{
    swim_node *nd = &s->nodes[i];
    if (nd->ndead == 0)
        return NONE;
    uint32_t x = (uint32_t)gb_rng_below(rng(s, i, r), nd->ndead);
    for (gb_node_t m = 0; m < s->n; m++)
        if (ent(s, i, m)->status == ST_DEAD && x-- == 0)
            return m;
    return NONE;
}

/* A member node i believes ALIVE, chosen uniformly; NONE when there is none. */
static gb_node_t random_alive(swim *s, uint32_t i, uint32_t r)
{
    gb_node_t self = s->first + i;
    uint32_t c = 0;
    for (gb_node_t m = 0; m < s->n; m++)
        if (m != self && ent(s, i, m)->status == ST_ALIVE)
            s->cand[c++] = m;
    return c == 0 ? NONE : s->cand[gb_rng_below(rng(s, i, r), c)];
}

static int swim_start(void *state, uint32_t round, gb_node_t node, gb_soutbox *ob)
{
    swim *s = state;
    begin_round(s, round);
    uint32_t i = node - s->first;
    swim_node *nd = &s->nodes[i];
    if (nd->joining) {
        gb_node_t seed = (gb_node_t)((s->seed_node + (uint64_t)nd->join_try) % s->n);
        if (seed == node)
            seed = (gb_node_t)((seed + 1) % s->n);
        return send_msg(s, ob, i, seed, MSG_JOIN, 0, 0, 0, 0, 0, round);
    }
    gb_node_t t = next_target(s, i, round);
    nd->target = t;
    nd->awaiting = t != NONE;
    if (t != NONE) {
        if (s->tst[t] == GB_NODE_UP)
            s->probes_live++;
        int rc = send_msg(s, ob, i, t, MSG_PING, 0, 0, 0, 0, 0, round);
        if (rc < 0)
            return rc;
    }
    if (s->rejoin && s->reconnect > 0 && (round + node) % s->reconnect == 0) {
        gb_node_t d = random_dead(s, i, round);
        int rc = d == NONE ? 0
                           : send_msg(s, ob, i, d, MSG_PING, 0, F_RECONNECT, U_DEAD, d,
                                      ent(s, i, d)->inc, round);
        if (rc < 0)
            return rc;
    }
    if (s->sync > 0 && (round + node) % s->sync == 0) {
        gb_node_t p = random_alive(s, i, round);
        if (p != NONE)
            return send_view(s, ob, i, p, MSG_SYNC, 0);
    }
    return 0;
}

static int swim_deliver(void *state, uint32_t round, const gb_smsg *m, gb_soutbox *ob)
{
    swim *s = state;
    begin_round(s, round);
    uint32_t i = m->dst - s->first;
    swim_node *nd = &s->nodes[i];
    const uint8_t *d = m->data;
    if (m->len < HDR_BYTES)
        return GB_EINVAL;
    uint32_t inc = get32(d), arg = get32(d + 4);
    uint32_t cnt = d[9];
    int whole = m->kind == MSG_JOIN_REPLY || m->kind == MSG_SYNC || m->kind == MSG_SYNC_REPLY;
    if (!whole && m->len != HDR_BYTES + cnt * UPD_BYTES)
        return GB_EINVAL;
    int rc = 0;
    /* The header is first-hand news of the sender (not for JOIN: the seed numbers it). */
    if (m->kind != MSG_JOIN && (rc = apply(s, i, U_ALIVE, m->src, inc, round, 1)) < 0)
        return rc;
    if (!whole)
        for (uint32_t j = 0; j < cnt; j++) {
            const uint8_t *u = d + HDR_BYTES + j * UPD_BYTES;
            gb_node_t x = get32(u + 1);
            if (u[0] < U_ALIVE || u[0] > U_JOIN || x >= s->n)
                return GB_EINVAL;
            if ((rc = apply(s, i, u[0], x, get32(u + 5), round, 1)) < 0)
                return rc;
        }
    switch (m->kind) {
    case MSG_PING: {
        /* Tell a sender this node believes dead, so that it can refute (rejoin=1). */
        const entry *e = ent(s, i, m->src);
        int tell = s->rejoin && e->status == ST_DEAD;
        return send_msg(s, ob, i, m->src, MSG_ACK, 0, 0, tell ? U_DEAD : 0, m->src,
                        tell ? e->inc : 0, round);
    }
    case MSG_ACK:
        if (nd->awaiting && nd->target == m->src)
            nd->awaiting = 0;
        return 0;
    case MSG_PING_REQ:
        if (arg >= s->n || arg == m->dst)
            return GB_EINVAL;
        return send_msg(s, ob, i, arg, MSG_IPING, m->src, 0, 0, 0, 0, round);
    case MSG_IPING:
        if (arg >= s->n)
            return GB_EINVAL;
        return send_msg(s, ob, i, m->src, MSG_IACK, arg, 0, 0, 0, 0, round);
    case MSG_IACK:
        if (arg >= s->n)
            return GB_EINVAL;
        return send_msg(s, ob, i, arg, MSG_RELAY_ACK, m->src, 0, 0, 0, 0, round);
    case MSG_RELAY_ACK:
        if (nd->awaiting && nd->target == arg)
            nd->awaiting = 0;
        return 0;
    case MSG_JOIN:
        return on_join(s, i, m->src, inc, round, ob);
    case MSG_JOIN_REPLY:
        return on_join_reply(s, i, m, round);
    case MSG_LEAVE:
        return 0; /* its LEFT update has been applied above */
    case MSG_SYNC:
        if (nd->joining)
            return 0;
        if ((rc = merge_view(s, i, m, round, 0)) < 0)
            return rc;
        return send_view(s, ob, i, m->src, MSG_SYNC_REPLY, 0);
    case MSG_SYNC_REPLY:
        return nd->joining ? 0 : merge_view(s, i, m, round, 0);
    default:
        return GB_EINVAL;
    }
}

/* Node i's probe got no answer: suspect the target. */
static int probe_timeout(swim *s, uint32_t i, uint32_t r)
{
    swim_node *nd = &s->nodes[i];
    gb_node_t t = nd->target;
    nd->awaiting = 0;
    s->suspicions++;
    int up = s->tst[t] == GB_NODE_UP;
    s->fail_live += (uint64_t)up;
    int was_alive = ent(s, i, t)->status == ST_ALIVE;
    int rc = apply(s, i, U_SUSPECT, t, ent(s, i, t)->inc, r, 1);
    if (rc > 0 && was_alive && up)
        s->false_susp++;
    return rc < 0 ? rc : 0;
}

/* k members node i believes ALIVE, other than itself and its target, into s->cand. */
static uint32_t pick_helpers(swim *s, uint32_t i, uint32_t r)
{
    gb_node_t self = s->first + i, t = s->nodes[i].target;
    uint32_t c = 0;
    for (gb_node_t m = 0; m < s->n; m++)
        if (m != self && m != t && ent(s, i, m)->status == ST_ALIVE)
            s->cand[c++] = m;
    uint32_t k = s->k < c ? s->k : c;
    gb_rng *g = rng(s, i, r);
    for (uint32_t j = 0; j < k; j++) {
        uint32_t x = j + (uint32_t)gb_rng_below(g, c - j);
        gb_node_t tmp = s->cand[j];
        s->cand[j] = s->cand[x];
        s->cand[x] = tmp;
    }
    return k;
}

static int swim_step_end(void *state, uint32_t round, uint32_t step, gb_soutbox *ob, int *more)
{
    swim *s = state;
    begin_round(s, round);
    int waiting = 0, rc = 0;
    for (uint32_t i = 0; i < s->count && rc == 0; i++) {
        swim_node *nd = &s->nodes[i];
        if (!nd->awaiting)
            continue;
        if (step == STEP_ACK) {
            uint32_t h = s->k > 0 ? pick_helpers(s, i, round) : 0;
            if (h == 0) {
                rc = probe_timeout(s, i, round);
                continue;
            }
            for (uint32_t j = 0; j < h && rc == 0; j++)
                rc = send_msg(s, ob, i, s->cand[j], MSG_PING_REQ, nd->target, 0, 0, 0, 0, round);
        } else if (step >= STEP_RELAY) {
            rc = probe_timeout(s, i, round);
            continue;
        }
        waiting |= nd->awaiting;
    }
    *more = waiting && step < STEP_RELAY;
    return rc;
}

static int cmp_timer(const void *a, const void *b)
{
    const timer *x = a, *y = b;
    if (x->obs != y->obs)
        return x->obs < y->obs ? -1 : 1;
    return (x->mem > y->mem) - (x->mem < y->mem);
}

static int swim_end_round(void *state, uint32_t round, gb_session_stats *st)
{
    swim *s = state;
    begin_round(s, round);
    /* Suspicion time-outs of live observers, in (observer, member) order. */
    size_t w = 0, nf = 0;
    for (size_t j = 0; j < s->ntimers; j++) {
        timer t = s->timers[j];
        const entry *e = ent(s, t.obs - s->first, t.mem);
        if (e->status != ST_SUSPECT || e->since != t.since)
            continue; /* refuted, confirmed, or suspected again later */
        int up = s->tst[t.obs] == GB_NODE_UP;
        if (up && t.due <= round)
            s->fired[nf++] = t;
        else
            s->timers[w++] = t;
    }
    s->ntimers = w;
    if (nf > 1)
        qsort(s->fired, nf, sizeof *s->fired, cmp_timer);
    for (size_t j = 0; j < nf; j++) {
        uint32_t i = s->fired[j].obs - s->first;
        gb_node_t m = s->fired[j].mem;
        uint32_t inc = ent(s, i, m)->inc;
        if (s->tst[m] == GB_NODE_UP)
            s->false_pos++;
        int rc = set_entry(s, i, m, ST_DEAD, inc, round);
        if (rc < 0)
            return rc;
        enqueue(s, i, m, U_DEAD);
    }
    uint64_t pending = 0, live = 0;
    for (uint32_t i = 0; i < s->count; i++) {
        swim_node *nd = &s->nodes[i];
        nd->awaiting = 0;
        if (s->tst[s->first + i] != GB_NODE_UP)
            continue;
        live++;
        pending += nd->wrong;
        if (nd->joining)
            nd->join_try++;
    }
    s->member_periods += live;
    s->last_round = round;
    s->last_pending = pending;
    if (pending > 0)
        s->last_wrong_round = round;
    st->pending = pending;
    /* Converged when every live member's view is right: a SUSPECT is still a member (the
     * paper), so a trial may end with a suspicion of a live member pending; under loss
     * there always is one. `periods` keeps the trial going for a fixed observation. */
    st->busy = round < s->periods ? 1u : 0u;
    return 0;
}

static void swim_round_values(const void *state, uint32_t round, double *out)
{
    const swim *s = state;
    (void)round;
    uint64_t sus = 0, dead = 0;
    for (uint32_t i = 0; i < s->count; i++)
        if (s->tst[s->first + i] == GB_NODE_UP) {
            sus += s->nodes[i].nsus;
            dead += s->nodes[i].ndead;
        }
    out[0] = (double)sus;
    out[1] = (double)dead;
    out[2] = (double)s->last_pending;
}

static void swim_trial_values(const void *state, double *out)
{
    const swim *s = state;
    double remerge = -INFINITY; /* no schedule change: no value */
    uint32_t h = s->env->horizon;
    if (h > 0) {
        if (s->last_pending > 0)
            remerge = INFINITY; /* never whole again on this rank */
        else
            remerge = s->last_wrong_round + 1 > h ? (double)(s->last_wrong_round + 1 - h) : 0.0;
    }
    out[0] = s->first_det;
    out[1] = s->first_conf;
    out[2] = s->full_det;
    out[3] = (double)s->suspicions;
    out[4] = (double)s->false_susp;
    out[5] = (double)s->probes_live;
    out[6] = (double)s->fail_live;
    out[7] = (double)s->false_pos;
    out[8] = s->join_known;
    out[9] = s->leave_known;
    out[10] = remerge;
    out[11] = (double)s->refutations;
    out[12] = (double)s->member_periods;
}

static uint64_t swim_state_bytes(const gb_params *params, uint64_t n)
{
    (void)params;
    /* A view entry, a probe-list and a queue slot per member, plus the node's own record. */
    return n * (sizeof(entry) + 2 * sizeof(gb_node_t)) + sizeof(swim_node) + 64;
}

const gb_session_ops gb_session_swim = {
    .name = "swim",
    .help = "SWIM membership (Das et al. 2002): ping, ping-req, suspicion, infection-style "
            "dissemination, join via a seed, graceful leave; O(n) state per node, n <= 16384",
    .params = swim_params,
    .metrics = swim_metrics,
    .series = swim_series,
    .max_steps = 8,
    .state_bytes_per_node = 0,
    .state_bytes = swim_state_bytes,
    .check = swim_check,
    .init = init,
    .fini = fini,
    .event = swim_event,
    .start = swim_start,
    .deliver = swim_deliver,
    .step_end = swim_step_end,
    .end_round = swim_end_round,
    .round_values = swim_round_values,
    .trial_values = swim_trial_values,
};
