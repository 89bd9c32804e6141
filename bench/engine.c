/* engine.c: synchronous rounds with a contact and a reply phase (engine.h, DESIGN.md).
 *
 * Delivery has two paths that give identical results:
 * - canonical: every message (local ones too) goes through the transport, then a stable
 *   counting sort by destination delivers each node's messages in (sender id, sequence)
 *   order: source ranks hold contiguous id blocks, their buffers arrive in rank order and
 *   each sender's messages were appended in the order it sent them.
 * - immediate: for protocols flagged GB_PROTO_COMMUTATIVE a message to a local node is
 *   handled inside send(), so the in-process engine stores no messages at all; only
 *   messages to other ranks are buffered. `--ordered-delivery` forces the canonical path,
 *   which the integration tests use to check that both agree.
 */
#include "config.h"
#include "engine.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gb_mpi.h"
#include "gb_rng.h"
#include "gb_papi.h"

typedef struct eng_outbox {
    gb_outbox base;
    gb_engine *e;
    unsigned phase; /* 0 contact, 1 reply */
    gb_node_t last_src;
    uint16_t seq;
} eng_outbox;

struct gb_engine {
    gb_engine_cfg cfg;
    int rank, size;
    gb_node_t first;
    uint32_t count;
    int immediate;
    gb_transport tr[2];
    eng_outbox ob[2];
    void *state;
    uint32_t round;
    /* per-trial accounting on this rank */
    uint64_t messages, header_bytes, payload_bytes, meta_bytes;
    int err; /* first error raised inside a delivery callback */
    uint64_t received;  /* messages delivered to local nodes, this trial */
    uint64_t *bytes_to; /* modelled bytes sent to each rank, this trial */
    double clock_offset; /* this rank's MPI_Wtime minus rank 0's, estimated at creation */
    /* canonical delivery scratch */
    gb_msg *sorted;
    size_t sorted_cap;
    size_t *bucket; /* count + 1 entries */
    /* per-trial series */
    uint64_t *curve;
    double *round_s, *round_max;
    size_t series_cap;
    gb_node_t reach_src;
    uint64_t reach;
    /* fault layer (faults.h); fl == NULL: no faults */
    const gb_faults *fl;
    uint32_t trial;
    uint64_t dropped;          /* messages dropped on this rank, this trial */
    uint8_t *crash_bits, *slow_bits; /* node sets of this trial, n bits each */
    uint64_t crash_k;          /* nodes in crash_bits */
    gb_node_t *crash_local;    /* local crashed nodes of this trial */
    uint32_t crash_nlocal;
    int crash_now;             /* crashed nodes are down in this round */
    gb_node_t trig_src;        /* contact message being delivered (names its replies) */
    uint16_t trig_seq;
    uint32_t trig_replies;
};

void gb_block_range(uint64_t n, int p, int r, gb_node_t *first, uint32_t *count)
{
    uint64_t base = n / (uint64_t)p, rem = n % (uint64_t)p, ur = (uint64_t)r;
    *first = (gb_node_t)(ur * base + (ur < rem ? ur : rem));
    *count = (uint32_t)(base + (ur < rem ? 1 : 0));
}

int gb_block_owner(uint64_t n, int p, gb_node_t node)
{
    uint64_t base = n / (uint64_t)p, rem = n % (uint64_t)p;
    uint64_t big = rem * (base + 1);
    if (node < big)
        return (int)(node / (base + 1));
    return (int)(rem + (node - big) / base);
}

static int deliver(gb_engine *e, unsigned phase, const gb_msg *m)
{
    e->received++;
    if (phase == 0) {
        e->trig_src = m->src;
        e->trig_seq = m->seq;
        e->trig_replies = 0;
        return e->cfg.proto->on_contact(e->state, e->round, m, &e->ob[1].base);
    }
    if (e->cfg.proto->on_reply == NULL)
        return GB_EINVAL;
    return e->cfg.proto->on_reply(e->state, e->round, m);
}

/* 1 when the fault layer drops m (sent in phase `phase` of the current round). The message
 * is named by ids only (faults.h), so the verdict is the same on any rank count. */
static int faulty(gb_engine *e, unsigned phase, const gb_msg *m)
{
    const gb_faults *f = e->fl;
    /* A reply's name counts every reply to the same contact message, dropped or not. */
    uint32_t index = phase == 0 ? gb_faults_msg_index(0, m->seq, 0)
                                : gb_faults_msg_index(1, e->trig_seq, e->trig_replies++);
    gb_node_t node = phase == 0 ? m->src : e->trig_src;
    if (e->crash_now && (gb_faults_bit(e->crash_bits, m->src) || gb_faults_bit(e->crash_bits, m->dst)))
        return 1;
    if (gb_faults_cut(f, e->cfg.n, e->round, m->src, m->dst))
        return 1;
    return gb_faults_lost(f, e->cfg.seed, e->trial, e->round, node, index);
}

static int eng_send(gb_outbox *base, gb_msg *m, uint32_t payload, uint32_t meta)
{
    eng_outbox *o = (eng_outbox *)base;
    gb_engine *e = o->e;
    if (m->dst >= e->cfg.n || m->src >= e->cfg.n)
        return GB_EINVAL;
    if (m->src != o->last_src) {
        o->last_src = m->src;
        o->seq = 0;
    }
    m->seq = o->seq++;
    e->messages++;
    e->header_bytes += GB_HEADER_BYTES;
    e->payload_bytes += payload;
    e->meta_bytes += meta;
    if (e->fl != NULL && faulty(e, o->phase, m)) {
        e->dropped++;
        return 0;
    }
    int owner = e->size == 1 ? 0 : gb_block_owner(e->cfg.n, e->size, m->dst);
    e->bytes_to[owner] += GB_HEADER_BYTES + payload + meta;
    if (e->immediate && owner == e->rank)
        return deliver(e, o->phase, m);
    return gb_msgbuf_push(&e->tr[o->phase].out[owner], m);
}

static int agree_create(gb_engine *e, int rc)
{
    int worst = rc;
    GB_MPI(MPI_Allreduce(&rc, &worst, 1, MPI_INT, MPI_MIN, e->cfg.comm));
    return worst;
}

/* Each rank's clock offset to rank 0, from ping-pongs with rank 0 (the sample with the
 * shortest round trip, whose midpoint is the best estimate). Used to start every trial at
 * the same instant on all ranks without trusting a barrier to release them together (a
 * barrier's exit is skewed by its own algorithm; open-mpi/ompi#11022). */
static void estimate_clock_offset(gb_engine *e)
{
    e->clock_offset = 0.0;
#ifdef GB_SMPI
    /* Simulated ranks share the simulator's one clock: the offset is exactly 0. */
    return;
#endif
    if (e->size == 1)
        return;
    enum { PINGS = 8 };
    for (int r = 1; r < e->size; r++) {
        double best_rtt = 1e30;
        for (int i = 0; i < PINGS; i++) {
            double t[2], dummy = 0.0;
            if (e->rank == 0) {
                /* t0 (send) and t1 (reply received), both on rank 0's clock. */
                t[0] = MPI_Wtime();
                GB_MPI(MPI_Send(&t[0], 1, MPI_DOUBLE, r, 300, e->cfg.comm));
                GB_MPI(MPI_Recv(&dummy, 1, MPI_DOUBLE, r, 301, e->cfg.comm, MPI_STATUS_IGNORE));
                t[1] = MPI_Wtime();
                GB_MPI(MPI_Send(t, 2, MPI_DOUBLE, r, 302, e->cfg.comm));
            } else if (e->rank == r) {
                GB_MPI(MPI_Recv(&t[0], 1, MPI_DOUBLE, 0, 300, e->cfg.comm, MPI_STATUS_IGNORE));
                double here = MPI_Wtime();
                GB_MPI(MPI_Send(&dummy, 1, MPI_DOUBLE, 0, 301, e->cfg.comm));
                GB_MPI(MPI_Recv(t, 2, MPI_DOUBLE, 0, 302, e->cfg.comm, MPI_STATUS_IGNORE));
                /* The ping with the shortest round trip bounds the error best: rank 0's
                 * clock read t0 + rtt/2 when this rank read `here`. */
                double rtt = t[1] - t[0];
                if (rtt < best_rtt) {
                    best_rtt = rtt;
                    e->clock_offset = here - (t[0] + rtt / 2);
                }
            }
        }
    }
}

/* Collective: start the trial at one instant on rank 0's clock, about 1 ms from now plus a
 * few microseconds per rank, each rank waiting until its own clock (minus its offset)
 * reaches it. Returns this rank's local start time. */
static double synchronised_start(gb_engine *e)
{
    if (e->size == 1)
        return MPI_Wtime();
    double start = 0.0;
    if (e->rank == 0)
        start = MPI_Wtime() + 1e-3 + 1e-5 * e->size;
    GB_MPI(MPI_Bcast(&start, 1, MPI_DOUBLE, 0, e->cfg.comm));
    double local = start + e->clock_offset;
    double now = MPI_Wtime();
#ifdef GB_SMPI
    /* Under SMPI a busy wait on MPI_Wtime would never end (a poll shorter than
     * smpi/cpu-threshold advances no simulated time): sleep in simulated time instead
     * (smpicc maps nanosleep to smpi_nanosleep). */
    if (now < local) {
        double dt = local - now;
        struct timespec ts = {.tv_sec = (time_t)dt,
                              .tv_nsec = (long)((dt - (double)(time_t)dt) * 1e9)};
        nanosleep(&ts, NULL);
        now = MPI_Wtime();
    }
    return now;
#else
    while (now < local)
        now = MPI_Wtime();
    return now;
#endif
}

int gb_engine_create(const gb_engine_cfg *cfg, gb_engine **out, char *err)
{
    gb_engine *e = calloc(1, sizeof *e);
    if (e == NULL)
        return gb_seterr(err, GB_ENOMEM, "engine: out of memory");
    e->cfg = *cfg;
    GB_MPI(MPI_Comm_rank(cfg->comm, &e->rank));
    GB_MPI(MPI_Comm_size(cfg->comm, &e->size));
    gb_block_range(cfg->n, e->size, e->rank, &e->first, &e->count);
    e->immediate = (cfg->proto->flags & GB_PROTO_COMMUTATIVE) && !cfg->ordered;
    int rc = gb_transport_init(&e->tr[0], cfg->transport, cfg->comm, err);
    if (rc == 0)
        rc = gb_transport_init(&e->tr[1], cfg->transport, cfg->comm, err);
    if (rc == 0 && !e->immediate) {
        e->bucket = malloc(((size_t)e->count + 1) * sizeof *e->bucket);
        if (e->bucket == NULL)
            rc = gb_seterr(err, GB_ENOMEM, "engine: out of memory for delivery buckets");
    }
    if (rc < 0) {
        gb_engine_free(e);
        return rc;
    }
    for (unsigned p = 0; p < 2; p++) {
        e->tr[p].log_enabled = cfg->replay;
        e->ob[p].base.send = eng_send;
        e->ob[p].base.impl = e;
        e->ob[p].e = e;
        e->ob[p].phase = p;
    }
    e->reach_src = GB_NODE_MAX;
    e->bytes_to = calloc((size_t)e->size, sizeof *e->bytes_to);
    int frc = e->bytes_to == NULL ? GB_ENOMEM : 0;
    if (cfg->faults != NULL && cfg->faults->any) {
        e->fl = cfg->faults;
        size_t bytes = (size_t)((cfg->n + 7) / 8);
        if (e->fl->has_crash) {
            e->crash_bits = malloc(bytes);
            e->crash_local = malloc(((size_t)e->count + 1) * sizeof *e->crash_local);
            if (e->crash_bits == NULL || e->crash_local == NULL)
                frc = GB_ENOMEM;
        }
        if (e->fl->has_slow && (e->slow_bits = malloc(bytes)) == NULL)
            frc = GB_ENOMEM;
    }
    if (agree_create(e, frc) < 0) {
        gb_engine_free(e);
        return gb_seterr(err, GB_ENOMEM, "engine: out of memory");
    }
    estimate_clock_offset(e);
    *out = e;
    return 0;
}

void gb_engine_free(gb_engine *e)
{
    if (e == NULL)
        return;
    gb_transport_fini(&e->tr[0]);
    gb_transport_fini(&e->tr[1]);
    free(e->sorted);
    free(e->bucket);
    free(e->curve);
    free(e->round_s);
    free(e->round_max);
    free(e->bytes_to);
    free(e->crash_bits);
    free(e->crash_local);
    free(e->slow_bits);
    free(e);
}

/* Deliver everything the last exchange of `phase` brought: in arrival order when handlers
 * commute, else sorted stably by destination (canonical order, see the file comment). */
static int deliver_received(gb_engine *e, unsigned phase)
{
    gb_transport *t = &e->tr[phase];
    e->ob[1].last_src = GB_NODE_MAX;
    if (e->immediate) {
        for (int r = 0; r < e->size; r++)
            for (size_t i = 0; i < t->seglen[r]; i++) {
                int rc = deliver(e, phase, &t->seg[r][i]);
                if (rc < 0)
                    return rc;
            }
        return 0;
    }
    size_t total = 0;
    for (int r = 0; r < e->size; r++)
        total += t->seglen[r];
    if (total > e->sorted_cap) {
        gb_msg *s = realloc(e->sorted, total * sizeof *s);
        if (s == NULL)
            return GB_ENOMEM;
        e->sorted = s;
        e->sorted_cap = total;
    }
    memset(e->bucket, 0, ((size_t)e->count + 1) * sizeof *e->bucket);
    for (int r = 0; r < e->size; r++)
        for (size_t i = 0; i < t->seglen[r]; i++)
            e->bucket[t->seg[r][i].dst - e->first + 1]++;
    for (uint32_t i = 0; i < e->count; i++)
        e->bucket[i + 1] += e->bucket[i];
    for (int r = 0; r < e->size; r++)
        for (size_t i = 0; i < t->seglen[r]; i++)
            e->sorted[e->bucket[t->seg[r][i].dst - e->first]++] = t->seg[r][i];
    for (size_t i = 0; i < total; i++) {
        int rc = deliver(e, phase, &e->sorted[i]);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int grow_series(gb_engine *e, size_t need)
{
    if (need <= e->series_cap)
        return 0;
    size_t cap = e->series_cap ? e->series_cap : 64;
    while (cap < need)
        cap *= 2;
    uint64_t *c = realloc(e->curve, cap * sizeof *c);
    if (c == NULL)
        return GB_ENOMEM;
    e->curve = c;
    double *r = realloc(e->round_s, cap * sizeof *r);
    if (r == NULL)
        return GB_ENOMEM;
    e->round_s = r;
    double *m = realloc(e->round_max, cap * sizeof *m);
    if (m == NULL)
        return GB_ENOMEM;
    e->round_max = m;
    e->series_cap = cap;
    return 0;
}

/* Global error agreement: every rank learns the worst (lowest) code. */
static int agree(gb_engine *e, int rc)
{
    int worst = rc;
    GB_MPI(MPI_Allreduce(&rc, &worst, 1, MPI_INT, MPI_MIN, e->cfg.comm));
    return worst;
}

/* Replays the trial's exchanges with plain nonblocking point-to-point calls whose sizes
 * every rank knows in advance: the least an exchange of the same volumes can cost, with no
 * size discovery and no termination detection. Collective; returns this rank's seconds,
 * or -1 when the logs are unusable (allocation failed on some rank). */
static double replay_exchanges(gb_engine *e, uint32_t rounds)
{
    int p = e->size, ok = 1;
    for (unsigned ph = 0; ph < 2; ph++)
        ok &= e->tr[ph].log_enabled && e->tr[ph].log_len == rounds;
    int all_ok = ok;
    GB_MPI(MPI_Allreduce(&ok, &all_ok, 1, MPI_INT, MPI_MIN, e->cfg.comm));
    if (!all_ok || p == 1)
        return p == 1 ? 0.0 : -1.0;
    size_t smax = 1, rmax = 1;
    for (unsigned ph = 0; ph < 2; ph++)
        for (size_t k = 0; k < rounds; k++) {
            const uint32_t *l = e->tr[ph].log + k * 2 * (size_t)p;
            size_t rsum = 0;
            for (int r = 0; r < p; r++) {
                smax = l[r] > smax ? l[r] : smax;
                rsum += l[p + r];
            }
            rmax = rsum > rmax ? rsum : rmax;
        }
    gb_msg *sbuf = calloc(smax, sizeof *sbuf), *rbuf = calloc(rmax, sizeof *rbuf);
    MPI_Request *req = malloc(2 * (size_t)p * sizeof *req);
    int good = sbuf != NULL && rbuf != NULL && req != NULL, all_good = good;
    GB_MPI(MPI_Allreduce(&good, &all_good, 1, MPI_INT, MPI_MIN, e->cfg.comm));
    double secs = -1.0;
    if (all_good) {
        GB_MPI(MPI_Barrier(e->cfg.comm));
        double t0 = MPI_Wtime();
        for (size_t k = 0; k < rounds; k++)
            for (unsigned ph = 0; ph < 2; ph++) {
                const uint32_t *l = e->tr[ph].log + k * 2 * (size_t)p;
                int nreq = 0;
                size_t off = 0;
                for (int r = 0; r < p; r++)
                    if (l[p + r] > 0) {
                        GB_MPI(MPI_Irecv(rbuf + off, (int)(l[p + r] * sizeof(gb_msg)), MPI_BYTE,
                                         r, 200 + (int)ph, e->cfg.comm, &req[nreq++]));
                        off += l[p + r];
                    }
                for (int r = 0; r < p; r++)
                    if (l[r] > 0)
                        GB_MPI(MPI_Isend(sbuf, (int)(l[r] * sizeof(gb_msg)), MPI_BYTE, r,
                                         200 + (int)ph, e->cfg.comm, &req[nreq++]));
                GB_MPI(MPI_Waitall(nreq, req, MPI_STATUSES_IGNORE));
            }
        secs = MPI_Wtime() - t0;
    }
    free(sbuf);
    free(rbuf);
    free(req);
    return secs;
}

static gb_node_t trial_source(const gb_engine_cfg *c, uint32_t trial)
{
    if (!c->source_random)
        return c->source;
    gb_rng r;
    gb_rng_init(&r, c->seed, trial, 0, 0, GB_RNG_SOURCE);
    return (gb_node_t)gb_rng_below(&r, c->n);
}

/* Draws this trial's crashed and slow node sets (the same on every rank). */
static void faults_start_trial(gb_engine *e, uint32_t trial)
{
    const gb_faults *f = e->fl;
    uint64_t n = e->cfg.n;
    e->crash_k = 0;
    e->crash_nlocal = 0;
    if (f->has_crash) {
        e->crash_k = gb_faults_count(f->crash_frac, n);
        gb_faults_select(e->cfg.seed, trial, GB_FAULT_SET_CRASH, n, e->crash_k, e->crash_bits);
        for (uint32_t i = 0; i < e->count; i++)
            if (gb_faults_bit(e->crash_bits, e->first + i))
                e->crash_local[e->crash_nlocal++] = e->first + i;
    }
    if (f->has_slow)
        gb_faults_select(e->cfg.seed, trial, GB_FAULT_SET_SLOW, n,
                         gb_faults_count(f->slow_frac, n), e->slow_bits);
}

/* May local node v run its contact phase in the current round? */
static int node_acts(const gb_engine *e, gb_node_t v, int slow_skip)
{
    if (e->crash_now && gb_faults_bit(e->crash_bits, v))
        return 0;
    return !(slow_skip && gb_faults_bit(e->slow_bits, v));
}

static uint64_t reachable_from(gb_engine *e, gb_node_t src)
{
    if (e->cfg.topo->connected == 1)
        return e->cfg.n;
    if (src != e->reach_src) {
        e->reach = gb_topology_reachable(e->cfg.topo, src);
        e->reach_src = src;
    }
    return e->reach;
}

int gb_engine_run_trial(gb_engine *e, uint32_t trial, gb_trial_record *rec, char *err)
{
    const gb_engine_cfg *c = &e->cfg;
    gb_node_t source = trial_source(c, trial);
    uint64_t reach = reachable_from(e, source);
    gb_proto_env env = {.topo = c->topo, .n = c->n, .first = e->first, .count = e->count,
                        .fanout = c->fanout, .payload = c->payload, .seed = c->seed,
                        .trial = trial, .source = source, .params = c->proto_params};
    e->state = NULL;
    int rc = c->proto->init(&env, &e->state, err);
    if (agree(e, rc) < 0) {
        if (rc == 0)
            gb_seterr(err, GB_EFAIL, "protocol '%s' failed to start on another rank",
                      c->proto->name);
        c->proto->fini(e->state);
        return rc < 0 ? rc : GB_EFAIL;
    }
    e->messages = e->header_bytes = e->payload_bytes = e->meta_bytes = 0;
    e->received = 0;
    e->dropped = 0;
    e->trial = trial;
    e->crash_now = 0;
    if (e->fl != NULL)
        faults_start_trial(e, trial);
    uint64_t crashed_informed = 0; /* informed nodes among the crashed ones, last round */
    memset(e->bytes_to, 0, (size_t)e->size * sizeof *e->bytes_to);
    uint64_t duplicates = 0, rumor_msgs = 0, newly_local = 0;
    long long hw_excl[GB_PAPI_MAX_EVENTS] = {0}, hw_a[GB_PAPI_MAX_EVENTS], hw_b[GB_PAPI_MAX_EVENTS];
    int counting = c->papi != NULL && c->papi->hw_count > 0;
    for (unsigned p = 0; p < 2; p++) {
        e->tr[p].bytes_sent = e->tr[p].msgs_sent = 0;
        e->tr[p].exchange_s = 0.0;
        e->tr[p].log_len = 0;
        e->tr[p].log_enabled = c->replay;
    }
    if (grow_series(e, 64) < 0) {
        c->proto->fini(e->state);
        return gb_seterr(err, GB_ENOMEM, "engine: out of memory for the infection curve");
    }
    e->curve[0] = 1;
    int converged = 0;
    uint32_t round = 0;
    double monitor_s = 0.0, gossip_s = 0.0;
    double t_start = synchronised_start(e);
    if (c->papi != NULL)
        gb_papi_start(c->papi);
    while (round < c->max_rounds) {
        e->round = ++round;
        if (grow_series(e, (size_t)round + 1) < 0) {
            rc = GB_ENOMEM;
            break;
        }
        double t0 = MPI_Wtime();
        e->ob[0].last_src = e->ob[1].last_src = GB_NODE_MAX;
        if (e->fl == NULL) {
            for (uint32_t i = 0; i < e->count && rc == 0; i++)
                rc = c->proto->contact(e->state, round, e->first + i, &e->ob[0].base);
        } else {
            e->crash_now = gb_faults_crash_active(e->fl, round);
            int slow_skip = gb_faults_slow_skips(e->fl, round);
            for (uint32_t i = 0; i < e->count && rc == 0; i++)
                if (node_acts(e, e->first + i, slow_skip))
                    rc = c->proto->contact(e->state, round, e->first + i, &e->ob[0].base);
        }
        /* Exchanges are collective: a rank that failed still takes part, then all agree. */
        int xrc = gb_transport_exchange(&e->tr[0], 0);
        if (rc == 0)
            rc = xrc;
        if (rc == 0)
            rc = deliver_received(e, 0);
        xrc = gb_transport_exchange(&e->tr[1], 1);
        if (rc == 0)
            rc = xrc;
        if (rc == 0)
            rc = deliver_received(e, 1);
        gb_round_stats st = {0};
        c->proto->end_round(e->state, round, &st);
        duplicates += st.duplicates;
        rumor_msgs += st.rumor_msgs;
        newly_local += st.newly;
        double t1 = MPI_Wtime();
        e->round_s[round - 1] = t1 - t0;
        gossip_s += t1 - t0;
        /* Convergence monitor: one allreduce per round, timed (and counted) apart from the
         * gossip. */
        if (counting)
            gb_papi_read(c->papi, hw_a);
        int64_t local[3] = {(int64_t)st.informed, (int64_t)st.active, rc}, global[3];
        /* A signal on any rank stops every rank at the same round: it travels with the
         * error code through the monitor's reduction. */
        if (rc == 0 && c->stop != NULL && *c->stop)
            local[2] = GB_EINTR;
        /* Informed nodes among the local crashed ones (they do not count as live). */
        int64_t ci_local = 0;
        for (uint32_t k = 0; e->crash_now && k < e->crash_nlocal; k++)
            ci_local += c->proto->infection_round(e->state, e->crash_local[k]) >= 0;
        int64_t sum_in[3] = {local[0], local[1], ci_local}, sum_out[3];
        GB_MPI(MPI_Allreduce(sum_in, sum_out, 3, MPI_INT64_T, MPI_SUM, c->comm));
        crashed_informed = (uint64_t)sum_out[2];
        GB_MPI(MPI_Allreduce(&local[2], &global[2], 1, MPI_INT64_T, MPI_MIN, c->comm));
        global[0] = sum_out[0];
        global[1] = sum_out[1];
        monitor_s += MPI_Wtime() - t1;
        if (counting) {
            gb_papi_read(c->papi, hw_b);
            for (int k = 0; k < c->papi->hw_count; k++)
                hw_excl[k] += hw_b[k] - hw_a[k];
        }
        if (global[2] == GB_EINTR && rc == 0) {
            rc = GB_EINTR;
            gb_seterr(err, GB_EINTR, "interrupted in round %u", round);
            break;
        }
        if (global[2] < 0) {
            if (rc == 0)
                gb_seterr(err, GB_EFAIL, "protocol '%s' failed on another rank in round %u",
                          c->proto->name, round);
            else
                gb_seterr(err, rc, "protocol '%s' failed in round %u: %s", c->proto->name,
                          round, gb_strerror(rc));
            rc = (int)global[2];
            break;
        }
        e->curve[round] = (uint64_t)global[0];
        if (c->proto->flags & GB_PROTO_SELF_TERMINATING) {
            if (global[1] == 0) {
                converged = 1;
                break;
            }
        } else if (e->crash_now && reach == c->n) {
            /* Every node that is not crashed now is informed. */
            if ((uint64_t)global[0] - crashed_informed >= c->n - e->crash_k) {
                converged = 1;
                break;
            }
        } else if ((uint64_t)global[0] >= reach) {
            converged = 1;
            break;
        }
    }
    double wall = MPI_Wtime() - t_start;
    long long hw[GB_PAPI_MAX_EVENTS], sde[GB_SDE_COUNT];
    if (c->papi != NULL) {
        /* The suite's own counters, published as SDEs before PAPI reads them back. Bytes
         * received are only known to their senders: one reduce-scatter per trial. */
        uint64_t bytes_in = 0;
        if (e->size > 1)
            GB_MPI(MPI_Reduce_scatter_block(e->bytes_to, &bytes_in, 1, MPI_UINT64_T, MPI_SUM,
                                            c->comm));
        else
            bytes_in = e->bytes_to[0];
        gb_sde_counter[GB_SDE_MESSAGES_SENT] += (long long)e->messages;
        gb_sde_counter[GB_SDE_BYTES_SENT] +=
            (long long)(e->header_bytes + e->payload_bytes + e->meta_bytes);
        gb_sde_counter[GB_SDE_MESSAGES_RECEIVED] += (long long)e->received;
        gb_sde_counter[GB_SDE_BYTES_RECEIVED] += (long long)bytes_in;
        gb_sde_counter[GB_SDE_DUPLICATES] += (long long)duplicates;
        gb_sde_counter[GB_SDE_ROUNDS] += (long long)round;
        gb_sde_counter[GB_SDE_NODES_INFORMED] += (long long)newly_local;
        gb_papi_stop(c->papi, hw, sde);
        for (int k = 0; k < c->papi->hw_count; k++)
            hw[k] -= hw_excl[k];
    }
    c->proto->fini(e->state);
    e->state = NULL;
    if (rc < 0)
        return rc;

    uint64_t sums[9] = {e->messages, e->header_bytes, e->payload_bytes, e->meta_bytes, duplicates,
                        e->tr[0].bytes_sent + e->tr[1].bytes_sent,
                        e->tr[0].msgs_sent + e->tr[1].msgs_sent, rumor_msgs, e->dropped};
    uint64_t gsums[9];
    GB_MPI(MPI_Allreduce(sums, gsums, 9, MPI_UINT64_T, MPI_SUM, c->comm));
    double replay = c->replay ? replay_exchanges(e, round) : -1.0;
    double exch = e->tr[0].exchange_s + e->tr[1].exchange_s;
    double times[6] = {wall, gossip_s, monitor_s, exch, replay, gossip_s - exch};
    double gtimes[6];
    GB_MPI(MPI_Allreduce(times, gtimes, 6, MPI_DOUBLE, MPI_MAX, c->comm));
    rec->compute_s = gtimes[5];
    rec->papi = c->papi;
    if (c->papi != NULL) {
        int k = c->papi->hw_count;
        double v[GB_PAPI_MAX_EVENTS];
        for (int i = 0; i < k; i++)
            v[i] = (double)hw[i];
        if (k > 0) {
            GB_MPI(MPI_Allreduce(v, rec->hw_min, k, MPI_DOUBLE, MPI_MIN, c->comm));
            GB_MPI(MPI_Allreduce(v, rec->hw_max, k, MPI_DOUBLE, MPI_MAX, c->comm));
            GB_MPI(MPI_Allreduce(v, rec->hw_mean, k, MPI_DOUBLE, MPI_SUM, c->comm));
            for (int i = 0; i < k; i++)
                rec->hw_mean[i] /= e->size;
        }
        GB_MPI(MPI_Allreduce(sde, rec->sde, GB_SDE_COUNT, MPI_LONG_LONG, MPI_SUM, c->comm));
    }
    GB_MPI(MPI_Allreduce(e->round_s, e->round_max, (int)round, MPI_DOUBLE, MPI_MAX, c->comm));

    /* t_ave over the nodes informed after round 0; t_last = last round that informed one. */
    double sum_rounds = 0.0;
    uint32_t t_last = 0;
    for (uint32_t r = 1; r <= round; r++) {
        uint64_t newly = e->curve[r] - e->curve[r - 1];
        sum_rounds += (double)r * (double)newly;
        if (newly > 0)
            t_last = r;
    }
    uint64_t informed = e->curve[round];
    rec->trial = trial;
    rec->source = source;
    rec->converged = converged;
    rec->rounds = round;
    rec->t_ave = informed > 1 ? sum_rounds / (double)(informed - 1) : 0.0;
    rec->t_last = t_last;
    rec->residue = (double)(c->n - informed) / (double)c->n;
    /* Live nodes: those not crashed in the last round. */
    uint64_t live = c->n - (e->crash_now ? e->crash_k : 0);
    uint64_t live_informed = informed - (e->crash_now ? crashed_informed : 0);
    rec->residue_live = live > 0 ? (double)(live - live_informed) / (double)live : 0.0;
    rec->dropped = gsums[8];
    rec->informed = informed;
    rec->reachable = reach;
    rec->messages = gsums[0];
    rec->header_bytes = gsums[1];
    rec->payload_bytes = gsums[2];
    rec->meta_bytes = gsums[3];
    rec->duplicates = gsums[4];
    rec->mpi_bytes = gsums[5];
    rec->mpi_messages = gsums[6];
    rec->rumor_messages = gsums[7];
    rec->terminated = (c->proto->flags & GB_PROTO_SELF_TERMINATING) && converged;
    rec->wall_s = gtimes[0];
    rec->gossip_s = gtimes[1];
    rec->monitor_s = gtimes[2];
    rec->exchange_s = gtimes[3];
    rec->replay_s = gtimes[4];
    rec->curve = e->curve;
    rec->round_s = e->round_max;
    return 0;
}
