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
 *
 * On the immediate path without faults the engine also offers direct delivery
 * (gb_outbox.direct): a protocol's contact_range() may handle messages between local nodes
 * itself and report them in a tally, which saves the calls per message.
 *
 * Threads (--threads, GB_PROTO_THREADSAFE protocols on the immediate path): the contact
 * phase splits the local nodes into contiguous chunks (16 per thread, whole bitmap words),
 * which the threads take in turn as they finish the last (dynamic schedule: a thread that
 * shares its core with another process does less, instead of holding up the round). Each
 * thread (worker) has its own outboxes and counters; each chunk has its own buffers for
 * messages to other ranks. A sender's messages are all made in one chunk, so their
 * sequence numbers (which name messages for the fault layer's loss draws) are the same as
 * with one thread. After the parallel region the chunks' buffers are appended to the
 * transport's in chunk order, which is node id order, as one thread fills them; counters
 * are sums. So every figure of a trial is the same for any thread count and whichever
 * thread ran which chunk. Remote deliveries after an exchange run on one thread
 * (worker 0).
 */
#include "config.h"
#include "engine.h"

#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "gb_mpi.h"
#include "gb_rng.h"
#include "gb_papi.h"
#include "measure.h"

typedef struct eng_worker eng_worker;

typedef struct eng_outbox {
    gb_outbox base;
    eng_worker *w;
    unsigned phase; /* 0 contact, 1 reply */
    gb_node_t last_src;
    uint16_t seq;
} eng_outbox;

/* One thread's share of the contact phase (worker 0 also does the sequential parts). */
struct eng_worker {
    gb_engine *e;
    eng_outbox ob[2];
    /* per-trial accounting */
    uint64_t messages, header_bytes, payload_bytes, meta_bytes;
    uint64_t received;  /* messages delivered to local nodes */
    uint64_t dropped;   /* messages dropped on this rank */
    uint64_t *bytes_to; /* modelled bytes sent to each rank */
    /* Messages to other ranks, per phase and rank: the current chunk's buffers, NULL for
     * the transport's own (one thread). */
    gb_msgbuf *out[2];
    gb_node_t trig_src;  /* contact message being delivered (names its replies) */
    uint16_t trig_seq;
    uint32_t trig_replies;
};

struct gb_engine {
    gb_engine_cfg cfg;
    int rank, size;
    gb_node_t first;
    uint32_t count;
    int immediate;
    int direct;       /* direct delivery offered to contact_range (gb_outbox.direct) */
    uint32_t threads; /* workers in the contact phase */
    gb_transport tr[2];
    eng_worker *w;    /* w[threads] */
    uint32_t nchunks; /* contact-phase chunks with threads (0 with one thread) */
    gb_msgbuf *chunk_out[2]; /* [nchunks * size]: chunk c's messages for rank r at c*size+r */
    int *chunk_rc;    /* [nchunks]: each chunk's result in the last contact phase */
    void *state;
    uint32_t round;
    uint64_t *bytes_to; /* modelled bytes sent to each rank, this trial (all workers) */
    gb_node_t *bound;   /* bound[r]: first node of rank r, bound[size] = n (owner lookups) */
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
    gb_fault_view *view;       /* this rank's node states, NULL without faults */
    int states;                /* node states can change (crash, join, leave, churn) */
    int net;                   /* the network drops messages (loss, crossloss, partition) */
    const uint64_t *up;        /* the view's bitmap of local UP nodes (gb_fault_view_up_bits) */
    uint32_t trial;
};

/* The rank that holds node v (gb_block_owner without its divisions, which cost more than
 * the rest of a send): this rank's own block first, then a binary search of the block
 * bounds for the largest r with bound[r] <= v, which is never an empty block. */
static inline int owner_of(const gb_engine *e, gb_node_t v)
{
    if (v - e->first < e->count)
        return e->rank;
    int lo = 0, hi = e->size;
    while (hi - lo > 1) {
        int mid = (lo + hi) / 2;
        if (v >= e->bound[mid])
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

static int deliver(eng_worker *w, unsigned phase, const gb_msg *m)
{
    gb_engine *e = w->e;
    /* A node that is not UP (crashed or absent) receives nothing: only its own rank knows
     * its state, so the message travels there and is dropped here. */
    if (e->states && !gb_fault_up_bit(e->up, m->dst - e->first)) {
        w->dropped++;
        return 0;
    }
    w->received++;
    if (phase == 0) {
        w->trig_src = m->src;
        w->trig_seq = m->seq;
        w->trig_replies = 0;
        return e->cfg.proto->on_contact(e->state, e->round, m, &w->ob[1].base);
    }
    if (e->cfg.proto->on_reply == NULL)
        return GB_EINVAL;
    return e->cfg.proto->on_reply(e->state, e->round, m);
}

/* 1 when the network drops m (sent in phase `phase` of the current round): partition,
 * crossloss, loss. The message is named by ids only (faults.h), so the verdict is the same
 * on any rank count. The destination's state is checked where it is delivered. */
static int faulty(eng_worker *w, unsigned phase, const gb_msg *m)
{
    /* A reply's name counts every reply to the same contact message, dropped or not. */
    uint32_t index = phase == 0 ? gb_faults_msg_index(0, m->seq, 0)
                                : gb_faults_msg_index(1, w->trig_seq, w->trig_replies++);
    gb_node_t node = phase == 0 ? m->src : w->trig_src;
    return gb_fault_view_drops(w->e->view, m->src, m->dst, node, index);
}

static int eng_send(gb_outbox *base, gb_msg *m, uint32_t payload, uint32_t meta)
{
    eng_outbox *o = (eng_outbox *)base;
    eng_worker *w = o->w;
    gb_engine *e = w->e;
    if (m->dst >= e->cfg.n || m->src >= e->cfg.n)
        return GB_EINVAL;
    if (m->src != o->last_src) {
        o->last_src = m->src;
        o->seq = 0;
    }
    m->seq = o->seq++;
    w->messages++;
    w->header_bytes += GB_HEADER_BYTES;
    w->payload_bytes += payload;
    w->meta_bytes += meta;
    if (e->net && faulty(w, o->phase, m)) {
        w->dropped++;
        return 0;
    }
    int owner = owner_of(e, m->dst);
    w->bytes_to[owner] += GB_HEADER_BYTES + payload + meta;
    if (e->immediate && owner == e->rank)
        return deliver(w, o->phase, m);
    gb_msgbuf *b = w->out[o->phase] != NULL ? &w->out[o->phase][owner]
                                             : &e->tr[o->phase].out[owner];
    return gb_msgbuf_push(b, m);
}

/* Moves what the protocol handled directly (gb_outbox.direct) into w's counters. */
static void harvest_direct(eng_worker *w)
{
    gb_engine *e = w->e;
    for (unsigned p = 0; p < 2; p++) {
        gb_direct_tally *d = &w->ob[p].base.direct_tally;
        uint64_t header = GB_HEADER_BYTES * d->messages;
        w->messages += d->messages;
        w->received += d->messages;
        w->header_bytes += header;
        w->payload_bytes += d->payload_bytes;
        w->meta_bytes += d->meta_bytes;
        w->bytes_to[e->rank] += header + d->payload_bytes + d->meta_bytes;
        memset(d, 0, sizeof *d);
    }
}

/* Contact phase of local nodes [lo, hi) (indices in the block) on worker w. Nodes that a
 * fault silences this round are skipped; the others go to contact_range() in runs. */
static int contact_chunk(eng_worker *w, uint32_t lo, uint32_t hi)
{
    gb_engine *e = w->e;
    const gb_protocol_ops *p = e->cfg.proto;
    gb_outbox *ob = &w->ob[0].base;
    int rc = 0;
    w->ob[0].last_src = w->ob[1].last_src = GB_NODE_MAX;
    /* Crashed and absent nodes do nothing; slow ones skip some rounds. Without slow nodes
     * skipping, acting is being UP, read from the view's bitmap (this runs for every node). */
    int slow = e->view != NULL && gb_faults_slow_skips(e->fl, e->round);
    for (uint32_t i = lo; i < hi && rc == 0;) {
        uint32_t j = i;
        if (e->view == NULL) {
            j = hi;
        } else if (slow) {
            while (j < hi && gb_fault_view_acts(e->view, e->first + j))
                j++;
        } else {
            while (j < hi && gb_fault_up_bit(e->up, j))
                j++;
        }
        if (j > i && p->contact_range != NULL) {
            rc = p->contact_range(e->state, e->round, e->first + i, e->first + j, ob);
        } else {
            for (uint32_t k = i; k < j && rc == 0; k++)
                rc = p->contact(e->state, e->round, e->first + k, ob);
        }
        if (j >= hi)
            break;
        i = j + 1; /* j is silenced */
    }
    harvest_direct(w);
    return rc;
}

static int append_msgs(gb_msgbuf *dst, gb_msgbuf *src)
{
    while (dst->cap - dst->len < src->len)
        if (gb_msgbuf_grow(dst) < 0)
            return GB_ENOMEM;
    if (src->len > 0)
        memcpy(dst->m + dst->len, src->m, src->len * sizeof *src->m);
    dst->len += src->len;
    src->len = 0;
    return 0;
}

/* The contact phase of every local node: on worker 0 alone, or in e->nchunks chunks on
 * e->threads workers, whose buffered messages are then appended in chunk order. */
static int contact_phase(gb_engine *e)
{
    if (e->threads == 1)
        return contact_chunk(&e->w[0], 0, e->count);
    const uint32_t nc = e->nchunks;
    /* Chunks of whole 64-node words, so that no two share a word of a protocol's bitmaps
     * over their own nodes. */
    const uint64_t span = (((uint64_t)e->count + nc - 1) / nc + 63) / 64 * 64;
#ifdef _OPENMP
#pragma omp parallel num_threads(e->threads)
#endif
    {
#ifdef _OPENMP
        unsigned t = (unsigned)omp_get_thread_num();
#else
        unsigned t = 0;
#endif
        eng_worker *w = &e->w[t];
        gb_thread_slot = t; /* the protocol's per-thread slot (gb_thread_index) */
#ifdef _OPENMP
#pragma omp for schedule(dynamic, 1)
#endif
        for (uint32_t c = 0; c < nc; c++) {
            uint64_t lo = span * c, hi = lo + span;
            lo = lo < e->count ? lo : e->count;
            hi = hi < e->count ? hi : e->count;
            for (unsigned p = 0; p < 2; p++)
                w->out[p] = &e->chunk_out[p][(size_t)c * e->size];
            e->chunk_rc[c] = contact_chunk(w, (uint32_t)lo, (uint32_t)hi);
        }
        w->out[0] = w->out[1] = NULL;
        gb_thread_slot = 0;
    }
    int rc = 0;
    for (uint32_t c = 0; c < nc; c++) {
        if (rc == 0)
            rc = e->chunk_rc[c];
        for (unsigned p = 0; p < 2; p++)
            for (int r = 0; r < e->size; r++) {
                gb_msgbuf *b = &e->chunk_out[p][(size_t)c * e->size + r];
                int arc = append_msgs(&e->tr[p].out[r], b);
                if (rc == 0)
                    rc = arc;
            }
    }
    return rc;
}

static int agree_create(gb_engine *e, int rc)
{
    int worst = rc;
    GB_MPI(MPI_Allreduce(&rc, &worst, 1, MPI_INT, MPI_MIN, e->cfg.comm));
    return worst;
}

uint32_t gb_engine_threads(const gb_engine *e)
{
    return e->threads;
}

int gb_engine_create(const gb_engine_cfg *cfg, gb_engine **out, char *err)
{
    /* The same verdict on every rank (a function of the options), so no agreement needed. */
    if (cfg->faults != NULL && cfg->faults->has_empty && cfg->proto->reset_node == NULL)
        return gb_seterr(err, GB_EINVAL, "--faults: protocol '%s' cannot recover nodes with "
                         "empty state (crash=F@R-R2:empty needs its reset_node)",
                         cfg->proto->name);
    gb_engine *e = calloc(1, sizeof *e);
    if (e == NULL)
        return gb_seterr(err, GB_ENOMEM, "engine: out of memory");
    e->cfg = *cfg;
    GB_MPI(MPI_Comm_rank(cfg->comm, &e->rank));
    GB_MPI(MPI_Comm_size(cfg->comm, &e->size));
    gb_block_range(cfg->n, e->size, e->rank, &e->first, &e->count);
    e->immediate = (cfg->proto->flags & GB_PROTO_COMMUTATIVE) && !cfg->ordered;
    e->threads = e->immediate && (cfg->proto->flags & GB_PROTO_THREADSAFE) && cfg->threads > 1
                     ? cfg->threads : 1;
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
    for (unsigned p = 0; p < 2; p++)
        e->tr[p].log_enabled = cfg->replay;
    e->reach_src = GB_NODE_MAX;
    e->bytes_to = calloc((size_t)e->size, sizeof *e->bytes_to);
    e->w = calloc(e->threads, sizeof *e->w);
    e->bound = malloc(((size_t)e->size + 1) * sizeof *e->bound);
    int frc = e->bytes_to == NULL || e->w == NULL || e->bound == NULL ? GB_ENOMEM : 0;
    for (int r = 0; frc == 0 && r < e->size; r++) {
        uint32_t cnt;
        gb_block_range(cfg->n, e->size, r, &e->bound[r], &cnt);
    }
    if (frc == 0)
        e->bound[e->size] = (gb_node_t)cfg->n; /* n <= GB_NODE_MAX */
    if (cfg->faults != NULL && cfg->faults->any) {
        e->fl = cfg->faults;
        e->states = gb_faults_states(e->fl);
        e->net = e->fl->has_loss || e->fl->has_crossloss || e->fl->has_partition;
        if (frc == 0)
            frc = gb_fault_view_create(e->fl, cfg->seed, cfg->n, e->first, e->count, &e->view);
        if (e->view != NULL)
            e->up = gb_fault_view_up_bits(e->view);
    }
    /* Direct delivery needs every message to arrive: no fault may drop one. */
    e->direct = e->immediate && e->fl == NULL;
    for (uint32_t t = 0; frc == 0 && t < e->threads; t++) {
        eng_worker *w = &e->w[t];
        w->e = e;
        for (unsigned p = 0; p < 2; p++) {
            w->ob[p].base.send = eng_send;
            w->ob[p].base.impl = e;
            w->ob[p].base.direct = p == 0 && e->direct;
            w->ob[p].w = w;
            w->ob[p].phase = p;
        }
        if ((w->bytes_to = calloc((size_t)e->size, sizeof *w->bytes_to)) == NULL)
            frc = GB_ENOMEM;
    }
    if (frc == 0 && e->threads > 1) {
        e->nchunks = 16 * e->threads;
        e->chunk_rc = calloc(e->nchunks, sizeof *e->chunk_rc);
        frc = e->chunk_rc == NULL ? GB_ENOMEM : 0;
        for (unsigned p = 0; frc == 0 && p < 2; p++)
            if ((e->chunk_out[p] = calloc((size_t)e->nchunks * e->size,
                                          sizeof *e->chunk_out[p])) == NULL)
                frc = GB_ENOMEM;
    }
    if (agree_create(e, frc) < 0) {
        gb_engine_free(e);
        return gb_seterr(err, GB_ENOMEM, "engine: out of memory");
    }
    e->clock_offset = gb_measure_clock_offset(e->cfg.comm);
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
    free(e->bound);
    for (uint32_t t = 0; e->w != NULL && t < e->threads; t++)
        free(e->w[t].bytes_to);
    free(e->w);
    for (unsigned p = 0; p < 2; p++) {
        for (size_t i = 0; e->chunk_out[p] != NULL && i < (size_t)e->nchunks * e->size; i++)
            free(e->chunk_out[p][i].m);
        free(e->chunk_out[p]);
    }
    free(e->chunk_rc);
    gb_fault_view_free(e->view);
    free(e);
}

/* Deliver everything the last exchange of `phase` brought: in arrival order when handlers
 * commute, else sorted stably by destination (canonical order, see the file comment). */
static int deliver_received(gb_engine *e, unsigned phase)
{
    gb_transport *t = &e->tr[phase];
    eng_worker *w = &e->w[0];
    w->ob[1].last_src = GB_NODE_MAX;
    if (e->immediate) {
        for (int r = 0; r < e->size; r++)
            for (size_t i = 0; i < t->seglen[r]; i++) {
                int rc = deliver(w, phase, &t->seg[r][i]);
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
        int rc = deliver(w, phase, &e->sorted[i]);
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

/* 1 when some crash item with ":empty" recovers at the start of `round`. */
static int empty_recovery_at(const gb_faults *f, uint32_t round)
{
    for (uint32_t i = 0; f->has_empty && i < f->nevents; i++)
        if (f->ev[i].kind == GB_FAULT_CRASH && f->ev[i].empty && f->ev[i].to == round)
            return 1;
    return 0;
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
                        .trial = trial, .source = source, .params = c->proto_params,
                        .threads = e->threads};
    e->state = NULL;
    int rc = c->proto->init(&env, &e->state, err);
    if (agree(e, rc) < 0) {
        if (rc == 0)
            gb_seterr(err, GB_EFAIL, "protocol '%s' failed to start on another rank",
                      c->proto->name);
        c->proto->fini(e->state);
        return rc < 0 ? rc : GB_EFAIL;
    }
    for (uint32_t t = 0; t < e->threads; t++) {
        eng_worker *w = &e->w[t];
        w->messages = w->header_bytes = w->payload_bytes = w->meta_bytes = 0;
        w->received = w->dropped = 0;
        memset(w->bytes_to, 0, (size_t)e->size * sizeof *w->bytes_to);
    }
    e->trial = trial;
    if (e->view != NULL)
        gb_fault_view_start(e->view, trial);
    uint64_t down_informed = 0; /* informed nodes among those not UP, last round */
    uint64_t live = c->n;       /* nodes UP in the last round */
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
    double t_start = gb_synchronised_start(e->cfg.comm, e->clock_offset);
    if (c->papi != NULL)
        gb_papi_start(c->papi);
    while (round < c->max_rounds) {
        e->round = ++round;
        if (grow_series(e, (size_t)round + 1) < 0) {
            rc = GB_ENOMEM;
            break;
        }
        double t0 = MPI_Wtime();
        if (e->view != NULL) {
            /* Crashes, recoveries, joins, leaves and churn of this round; nodes that recover
             * with empty state start afresh (checked at creation: reset_node exists). */
            gb_fault_view_advance(e->view, round);
            if (c->proto->reset_node != NULL && empty_recovery_at(e->fl, round))
                for (uint32_t i = 0; i < e->count; i++)
                    if (gb_fault_view_event(e->view, e->first + i) == GB_EV_RECOVER_EMPTY)
                        c->proto->reset_node(e->state, e->first + i);
        }
        /* Crashed and absent nodes do nothing; slow ones skip some rounds (contact_chunk). */
        rc = contact_phase(e);
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
        /* Nodes that are not UP (crashed, absent) do not count as live: the informed ones
         * among them are taken off, and so are active ones that cannot come back (a
         * crashed or absent spreader that may return still counts: the trial goes on). */
        int64_t di_local = 0, up_local = (int64_t)e->count;
        if (e->states) {
            up_local = (int64_t)gb_fault_view_up(e->view);
            /* Whole words of UP nodes are skipped: the scan costs count/64 steps plus the
             * nodes that are down. */
            for (uint32_t w = 0; up_local < (int64_t)e->count && w < (e->count + 63) / 64; w++) {
                uint32_t left = e->count - w * 64;
                uint64_t valid = left >= 64 ? ~0ull : (1ull << left) - 1;
                uint64_t down = ~e->up[w] & valid;
                while (down != 0) {
                    gb_node_t v = e->first + w * 64 + (uint32_t)__builtin_ctzll(down);
                    down &= down - 1;
                    di_local += c->proto->infection_round(e->state, v) >= 0;
                    if (c->proto->is_active != NULL && c->proto->is_active(e->state, v) &&
                        !gb_fault_view_may_return(e->view, v))
                        local[1]--;
                }
            }
        }
        int64_t sum_in[4] = {local[0], local[1], di_local, up_local}, sum_out[4];
        GB_MPI(MPI_Allreduce(sum_in, sum_out, 4, MPI_INT64_T, MPI_SUM, c->comm));
        down_informed = (uint64_t)sum_out[2];
        live = (uint64_t)sum_out[3];
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
        } else if (e->states && reach == c->n) {
            /* Every node that is UP now is informed. */
            if ((uint64_t)global[0] - down_informed >= live) {
                converged = 1;
                break;
            }
        } else if ((uint64_t)global[0] >= reach) {
            converged = 1;
            break;
        }
    }
    double wall = MPI_Wtime() - t_start;
    /* This rank's totals over the workers. */
    uint64_t messages = 0, header_bytes = 0, payload_bytes = 0, meta_bytes = 0, received = 0,
             dropped = 0;
    for (uint32_t t = 0; t < e->threads; t++) {
        const eng_worker *w = &e->w[t];
        messages += w->messages;
        header_bytes += w->header_bytes;
        payload_bytes += w->payload_bytes;
        meta_bytes += w->meta_bytes;
        received += w->received;
        dropped += w->dropped;
        for (int r = 0; r < e->size; r++)
            e->bytes_to[r] += w->bytes_to[r];
    }
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
        gb_sde_counter[GB_SDE_MESSAGES_SENT] += (long long)messages;
        gb_sde_counter[GB_SDE_BYTES_SENT] += (long long)(header_bytes + payload_bytes + meta_bytes);
        gb_sde_counter[GB_SDE_MESSAGES_RECEIVED] += (long long)received;
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

    uint64_t sums[9] = {messages, header_bytes, payload_bytes, meta_bytes, duplicates,
                        e->tr[0].bytes_sent + e->tr[1].bytes_sent,
                        e->tr[0].msgs_sent + e->tr[1].msgs_sent, rumor_msgs, dropped};
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
        /* Nodes that recover with empty state lose the rumor: the curve may go down. */
        uint64_t newly = e->curve[r] > e->curve[r - 1] ? e->curve[r] - e->curve[r - 1] : 0;
        sum_rounds += (double)r * (double)newly;
        if (newly > 0)
            t_last = r;
    }
    uint64_t informed = e->curve[round];
    rec->trial = trial;
    rec->threads = e->threads;
    rec->source = source;
    rec->converged = converged;
    rec->rounds = round;
    rec->t_ave = informed > 1 ? sum_rounds / (double)(informed - 1) : 0.0;
    rec->t_last = t_last;
    rec->residue = (double)(c->n - informed) / (double)c->n;
    /* Live nodes: those UP in the last round. */
    uint64_t live_informed = informed - down_informed;
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
