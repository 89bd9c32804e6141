/* session_core.c: the MPI-free round core of session protocols (gb_session.h).
 *
 * Messages are framed in 16-byte units so that the MPI transport, which moves arrays of
 * 16-byte gb_msg records, carries them unchanged: a 32-byte frame header, then the body
 * padded to a multiple of 16. Sends go to one of two sets of per-rank buffers, alternating
 * by step, so the bytes of step s stay valid while step s+1 is being sent. Delivery sorts
 * the received frames by (destination, sender, sequence): the canonical order that makes
 * the results independent of the rank count.
 */
#include "gb_session.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "faults.h"

typedef struct frame_hdr {
    uint32_t src, dst;
    uint16_t kind, step;
    uint32_t seq, len, meta;
    uint32_t pad[2];
} frame_hdr;
_Static_assert(sizeof(frame_hdr) == 32, "frame header is two 16-byte units");

typedef struct delivery {
    gb_node_t dst, src;
    uint32_t seq;
    const frame_hdr *h;
} delivery;

typedef struct core_outbox {
    gb_soutbox base;
    gb_session_core *c;
} core_outbox;

struct gb_session_core {
    gb_session_cfg cfg;
    gb_session_net net;
    gb_session_env env;
    gb_node_t first;
    uint32_t count;
    gb_fault_view *view; /* NULL without faults */
    gb_fault_view *all;  /* every node, for env.truth; NULL unless node states change */
    uint32_t horizon;    /* last round in which the fault schedule changes something */
    void *state;
    core_outbox ob;
    int err;             /* first error raised inside send() */
    char errmsg[GB_ERRLEN];
    uint32_t round, step;
    gb_sbuf *out[2];     /* [2][nranks] */
    const uint8_t **seg;
    size_t *seglen;
    uint32_t *seq;       /* per local node: messages sent in the current step */
    delivery *dl;
    size_t dl_cap;
    uint32_t nmetrics, nseries;
    /* per trial, this rank */
    uint64_t messages, header_bytes, payload_bytes, meta_bytes, dropped, step_msgs, steps;
    uint64_t round_msgs, round_bytes;
    double exchange_s;
    /* series, global */
    size_t cap;
    uint64_t *r_msgs, *r_bytes, *r_pending;
    double *r_s, *r_series[GB_SESSION_MAX_METRICS];
};

static int core_is_up(const void *ctx, gb_node_t node)
{
    const gb_session_core *c = ctx;
    return c->view == NULL || gb_fault_view_state(c->view, node) == GB_NODE_UP;
}

static uint8_t core_truth(const void *ctx, gb_node_t node)
{
    const gb_session_core *c = ctx;
    return c->all == NULL ? GB_NODE_UP : gb_fault_view_state(c->all, node);
}

static int sbuf_reserve(gb_sbuf *b, size_t extra)
{
    if (b->len + extra <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + extra)
        cap *= 2;
    uint8_t *p = realloc(b->p, cap);
    if (p == NULL)
        return GB_ENOMEM;
    b->p = p;
    b->cap = cap;
    return 0;
}

static int core_send(gb_soutbox *ob, gb_node_t src, gb_node_t dst, uint16_t kind,
                     const void *body, uint32_t len, uint32_t meta_bytes)
{
    gb_session_core *c = ((core_outbox *)ob)->c;
    if (src < c->first || src - c->first >= c->count || dst >= c->cfg.n || meta_bytes > len) {
        /* A protocol bug: keep the first description for the error line. */
        if (c->err == 0)
            c->err = gb_seterr(c->errmsg, GB_EINVAL,
                               "protocol %s: bad message %u -> %u (kind %u, %u bytes, meta %u)",
                               c->cfg.ops->name, src, dst, kind, len, meta_bytes);
        return GB_EINVAL;
    }
    if (len > GB_SMSG_MAX_LEN)
        return GB_ERANGE;
    uint32_t seq = c->seq[src - c->first]++;
    if (seq >= (1u << 16))
        return GB_ERANGE;
    c->messages++;
    c->step_msgs++;
    c->round_msgs++;
    c->header_bytes += GB_HEADER_BYTES;
    c->meta_bytes += meta_bytes;
    c->payload_bytes += len - meta_bytes;
    c->round_bytes += GB_HEADER_BYTES + (uint64_t)len;
    /* The network's verdict is a function of the message's name only (gb_session.h), so
     * the sender decides it and a dropped message costs no transfer. The name's index must
     * fit the fault layer's 24 bits and stay below its churn block 2^22: step < 64 and
     * seq < 2^16 give at most 2^22 - 1. */
    if (c->view != NULL &&
        gb_fault_view_drops(c->view, src, dst, src, ((uint32_t)c->step << 16) | seq)) {
        c->dropped++;
        return 0;
    }
    int r = gb_block_owner(c->cfg.n, c->net.nranks, dst);
    gb_sbuf *b = &c->out[c->step & 1u][r];
    size_t padded = ((size_t)len + 15u) & ~(size_t)15u;
    if (sbuf_reserve(b, sizeof(frame_hdr) + padded) < 0)
        return GB_ENOMEM;
    frame_hdr h = {.src = src, .dst = dst, .kind = kind, .step = (uint16_t)c->step,
                   .seq = seq, .len = len, .meta = meta_bytes, .pad = {0, 0}};
    memcpy(b->p + b->len, &h, sizeof h);
    if (len > 0)
        memcpy(b->p + b->len + sizeof h, body, len);
    memset(b->p + b->len + sizeof h + len, 0, padded - len);
    b->len += sizeof h + padded;
    return 0;
}

void gb_session_core_free(gb_session_core *c)
{
    if (c == NULL)
        return;
    if (c->state != NULL)
        c->cfg.ops->fini(c->state);
    for (int k = 0; k < 2; k++) {
        for (int r = 0; c->out[k] != NULL && r < c->net.nranks; r++)
            free(c->out[k][r].p);
        free(c->out[k]);
    }
    free(c->seg);
    free(c->seglen);
    free(c->seq);
    free(c->dl);
    free(c->r_msgs);
    free(c->r_bytes);
    free(c->r_pending);
    free(c->r_s);
    for (uint32_t i = 0; i < GB_SESSION_MAX_METRICS; i++)
        free(c->r_series[i]);
    gb_fault_view_free(c->view);
    gb_fault_view_free(c->all);
    free(c);
}

static uint32_t count_metrics(const gb_metric_desc *d)
{
    uint32_t k = 0;
    while (d != NULL && d[k].name != NULL)
        k++;
    return k;
}

int gb_session_core_create(const gb_session_cfg *cfg, const gb_session_net *net,
                           gb_session_core **out, char *err)
{
    *out = NULL;
    gb_session_core *c = calloc(1, sizeof *c);
    if (c == NULL)
        return gb_seterr(err, GB_ENOMEM, "session engine: out of memory");
    c->cfg = *cfg;
    c->net = *net;
    c->nmetrics = count_metrics(cfg->ops->metrics);
    c->nseries = count_metrics(cfg->ops->series);
    if (c->nmetrics > GB_SESSION_MAX_METRICS || c->nseries > GB_SESSION_MAX_METRICS) {
        gb_session_core_free(c);
        return gb_seterr(err, GB_EINVAL, "protocol %s: more than %d metrics", cfg->ops->name,
                         GB_SESSION_MAX_METRICS);
    }
    if (cfg->ops->check != NULL) {
        int rc = cfg->ops->check(cfg->params, cfg->n, err);
        if (rc < 0) {
            gb_session_core_free(c);
            return rc;
        }
    }
    if (cfg->ops->max_steps > GB_SESSION_MAX_STEPS) {
        gb_session_core_free(c);
        return gb_seterr(err, GB_EINVAL, "protocol %s: max_steps %u exceeds %u", cfg->ops->name,
                         cfg->ops->max_steps, GB_SESSION_MAX_STEPS);
    }
    gb_block_range(cfg->n, net->nranks, net->rank, &c->first, &c->count);
    size_t p = (size_t)net->nranks;
    c->out[0] = calloc(p, sizeof(gb_sbuf));
    c->out[1] = calloc(p, sizeof(gb_sbuf));
    c->seg = calloc(p, sizeof *c->seg);
    c->seglen = calloc(p, sizeof *c->seglen);
    c->seq = calloc((size_t)c->count + 1, sizeof *c->seq);
    if (c->out[0] == NULL || c->out[1] == NULL || c->seg == NULL || c->seglen == NULL ||
        c->seq == NULL) {
        gb_session_core_free(c);
        return gb_seterr(err, GB_ENOMEM, "session engine: out of memory");
    }
    if (cfg->faults != NULL && cfg->faults->any) {
        if (gb_fault_view_create(cfg->faults, cfg->seed, cfg->n, c->first, c->count,
                                 &c->view) < 0) {
            gb_session_core_free(c);
            return gb_seterr(err, GB_ENOMEM, "fault layer: out of memory");
        }
        c->horizon = gb_faults_horizon(cfg->faults);
        /* Ground truth about every node (env.truth): one more view, over all n nodes. */
        if (gb_faults_states(cfg->faults) &&
            gb_fault_view_create(cfg->faults, cfg->seed, cfg->n, 0, (uint32_t)cfg->n,
                                 &c->all) < 0) {
            gb_session_core_free(c);
            return gb_seterr(err, GB_ENOMEM, "fault layer: out of memory");
        }
    }
    c->ob.base.send = core_send;
    c->ob.c = c;
    c->env.base = (gb_proto_env){.topo = cfg->topo, .n = cfg->n, .first = c->first,
                                 .count = c->count, .fanout = cfg->fanout, .payload = 0,
                                 .seed = cfg->seed, .trial = 0, .source = 0,
                                 .params = cfg->params};
    c->env.max_rounds = cfg->max_rounds;
    c->env.is_up = core_is_up;
    c->env.up_ctx = c;
    c->env.truth = core_truth;
    c->env.truth_ctx = c;
    c->env.horizon = c->horizon;
    *out = c;
    return 0;
}

static int grow_series(gb_session_core *c, uint32_t rounds)
{
    if (rounds <= c->cap)
        return 0;
    size_t cap = c->cap ? 2 * c->cap : 64;
    while (cap < rounds)
        cap *= 2;
#define GROW(ptr)                                                       \
    do {                                                                \
        void *q = realloc((ptr), cap * sizeof *(ptr));                  \
        if (q == NULL)                                                  \
            return GB_ENOMEM;                                           \
        (ptr) = q;                                                      \
    } while (0)
    GROW(c->r_msgs);
    GROW(c->r_bytes);
    GROW(c->r_pending);
    GROW(c->r_s);
    for (uint32_t i = 0; i < c->nseries; i++)
        GROW(c->r_series[i]);
#undef GROW
    c->cap = cap;
    return 0;
}

static int cmp_delivery(const void *a, const void *b)
{
    const delivery *x = a, *y = b;
    if (x->dst != y->dst)
        return x->dst < y->dst ? -1 : 1;
    if (x->src != y->src)
        return x->src < y->src ? -1 : 1;
    return (x->seq > y->seq) - (x->seq < y->seq);
}

static double now(const gb_session_core *c)
{
    return c->net.now != NULL ? c->net.now(c->net.ctx) : 0.0;
}

/* Exchange the step's buffers and deliver every frame in canonical order (as step
 * c->step, whose sends go to the other buffer set). */
static int exchange_and_deliver(gb_session_core *c, uint32_t sent_step)
{
    double t0 = now(c);
    int rc = c->net.exchange(c->net.ctx, c->out[sent_step & 1u], c->seg, c->seglen);
    c->exchange_s += now(c) - t0;
    if (rc < 0)
        return rc;
    size_t nd = 0;
    for (int r = 0; r < c->net.nranks; r++) {
        const uint8_t *p = c->seg[r], *end = p + c->seglen[r];
        while (p < end) {
            if ((size_t)(end - p) < sizeof(frame_hdr))
                return GB_EINVAL;
            if (nd == c->dl_cap) {
                size_t cap = c->dl_cap ? 2 * c->dl_cap : 1024;
                delivery *d = realloc(c->dl, cap * sizeof *d);
                if (d == NULL)
                    return GB_ENOMEM;
                c->dl = d;
                c->dl_cap = cap;
            }
            const frame_hdr *h = (const frame_hdr *)(const void *)p;
            c->dl[nd++] = (delivery){.dst = h->dst, .src = h->src, .seq = h->seq, .h = h};
            p += sizeof(frame_hdr) + (((size_t)h->len + 15u) & ~(size_t)15u);
        }
    }
    if (nd > 1) /* c->dl is NULL before the first delivery: qsort wants a pointer */
        qsort(c->dl, nd, sizeof *c->dl, cmp_delivery);
    for (size_t i = 0; i < nd; i++) {
        const frame_hdr *h = c->dl[i].h;
        if (c->view != NULL && gb_fault_view_state(c->view, h->dst) != GB_NODE_UP) {
            c->dropped++;
            continue;
        }
        gb_smsg m = {.src = h->src, .dst = h->dst, .kind = h->kind, .step = h->step,
                     .seq = h->seq, .len = h->len, .meta = h->meta,
                     .data = (const uint8_t *)(h + 1)};
        rc = c->cfg.ops->deliver(c->state, c->round, &m, &c->ob.base);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* One round: events, step 0, then steps until the network is quiet. */
static int run_round(gb_session_core *c, uint32_t round, char *err)
{
    const gb_session_ops *ops = c->cfg.ops;
    c->round = round;
    c->step = 0;
    c->step_msgs = 0;
    memset(c->seq, 0, (size_t)c->count * sizeof *c->seq);
    if (c->view != NULL)
        gb_fault_view_advance(c->view, round);
    if (c->all != NULL)
        gb_fault_view_advance(c->all, round);
    int rc = 0;
    for (uint32_t i = 0; i < c->count && rc == 0; i++) {
        gb_node_t v = c->first + i;
        unsigned ev = c->view != NULL ? gb_fault_view_event(c->view, v) : GB_EV_NONE;
        if (ev != GB_EV_NONE && ops->event != NULL)
            rc = ops->event(c->state, round, v, ev, &c->ob.base);
        if (rc == 0 && (c->view == NULL || gb_fault_view_acts(c->view, v)))
            rc = ops->start(c->state, round, v, &c->ob.base);
    }
    for (;;) {
        /* Agree whether step c->step produced anything (or anyone wants another step). */
        uint32_t sent_step = c->step;
        int more = 0;
        if (rc == 0 && c->step > 0 && ops->step_end != NULL)
            rc = ops->step_end(c->state, round, c->step, &c->ob.base, &more);
        uint64_t flags[2] = {c->step_msgs + (uint64_t)more, rc < 0 ? 1u : 0u};
        int nrc = c->net.allreduce_u64(c->net.ctx, flags, 2);
        if (nrc < 0)
            return gb_seterr(err, nrc, "session engine: reduction failed");
        if (flags[1] != 0) {
            if (c->err < 0)
                return gb_seterr(err, c->err, "%s", c->errmsg);
            return gb_seterr(err, rc < 0 ? rc : GB_EFAIL, "protocol %s failed in round %u step %u%s",
                             ops->name, round, c->step, rc < 0 ? "" : " on another rank");
        }
        if (flags[0] == 0 && c->step > 0) {
            c->steps += c->step;
            break;
        }
        if (c->step >= ops->max_steps)
            return gb_seterr(err, GB_EFAIL, "protocol %s: round %u still busy after %u steps",
                             ops->name, round, ops->max_steps);
        c->step_msgs = 0;
        c->step++;
        memset(c->seq, 0, (size_t)c->count * sizeof *c->seq);
        rc = exchange_and_deliver(c, sent_step);
        if (rc == GB_ENOMEM || rc == GB_ERANGE)
            return gb_seterr(err, rc, "session engine: %s in round %u", gb_strerror(rc), round);
    }
    return 0;
}

static int reduce_values(gb_session_core *c, const gb_metric_desc *d, uint32_t k, double *v)
{
    for (int op = GB_METRIC_SUM; op <= GB_METRIC_MAX; op++) {
        double tmp[GB_SESSION_MAX_METRICS];
        uint32_t m = 0;
        for (uint32_t i = 0; i < k; i++)
            if ((int)d[i].op == op)
                tmp[m++] = v[i];
        if (m == 0)
            continue;
        int rc = c->net.allreduce_dbl(c->net.ctx, tmp, (int)m, (enum gb_metric_op)op);
        if (rc < 0)
            return rc;
        m = 0;
        for (uint32_t i = 0; i < k; i++)
            if ((int)d[i].op == op)
                v[i] = tmp[m++];
    }
    return 0;
}

int gb_session_core_run(gb_session_core *c, uint32_t trial, gb_session_result *res, char *err)
{
    const gb_session_ops *ops = c->cfg.ops;
    memset(res, 0, sizeof *res);
    if (c->state != NULL) {
        ops->fini(c->state);
        c->state = NULL;
    }
    c->env.base.trial = trial;
    c->messages = c->header_bytes = c->payload_bytes = c->meta_bytes = c->dropped = 0;
    c->steps = 0;
    c->exchange_s = 0;
    c->err = 0;
    if (c->view != NULL)
        gb_fault_view_start(c->view, trial);
    if (c->all != NULL)
        gb_fault_view_start(c->all, trial);
    char perr[GB_ERRLEN] = "";
    int rc = ops->init(&c->env, &c->state, perr);
    uint64_t bad = rc < 0 ? 1 : 0;
    if (c->net.allreduce_u64(c->net.ctx, &bad, 1) < 0)
        return gb_seterr(err, GB_EFAIL, "session engine: reduction failed");
    if (bad) {
        c->state = NULL;
        if (rc < 0)
            return gb_seterr(err, rc, "%s", perr[0] ? perr : gb_strerror(rc));
        return gb_seterr(err, GB_EFAIL, "protocol %s: init failed on another rank", ops->name);
    }
    uint32_t round = 0;
    uint64_t glob[7] = {0};
    while (round < c->cfg.max_rounds) {
        round++;
        if ((rc = grow_series(c, round)) < 0)
            return gb_seterr(err, rc, "session engine: out of memory");
        c->round_msgs = c->round_bytes = 0;
        double t0 = now(c);
        if ((rc = run_round(c, round, err)) < 0)
            return rc;
        gb_session_stats st = {0, 0};
        if ((rc = ops->end_round(c->state, round, &st)) < 0)
            return gb_seterr(err, rc, "protocol %s failed at the end of round %u", ops->name,
                             round);
        double dt = now(c) - t0;
        double vals[GB_SESSION_MAX_METRICS] = {0};
        if (c->nseries > 0 && ops->round_values != NULL)
            ops->round_values(c->state, round, vals);
        if (reduce_values(c, ops->series, c->nseries, vals) < 0 ||
            c->net.allreduce_dbl(c->net.ctx, &dt, 1, GB_METRIC_MAX) < 0)
            return gb_seterr(err, GB_EFAIL, "session engine: reduction failed");
        int stop = c->net.stop != NULL && *c->net.stop;
        glob[0] = st.pending;
        glob[1] = st.busy;
        glob[2] = c->round_msgs;
        glob[3] = c->round_bytes;
        glob[4] = (uint64_t)stop;
        if (c->net.allreduce_u64(c->net.ctx, glob, 5) < 0)
            return gb_seterr(err, GB_EFAIL, "session engine: reduction failed");
        c->r_pending[round - 1] = glob[0];
        c->r_msgs[round - 1] = glob[2];
        c->r_bytes[round - 1] = glob[3];
        c->r_s[round - 1] = dt;
        for (uint32_t i = 0; i < c->nseries; i++)
            c->r_series[i][round - 1] = vals[i];
        res->pending = glob[0];
        if (glob[4] != 0)
            return gb_seterr(err, GB_EINTR, "interrupted");
        if (glob[0] == 0 && glob[1] == 0 && round >= c->horizon) {
            res->converged = 1;
            break;
        }
    }
    res->rounds = round;
    res->steps = c->steps;
    uint64_t tot[6] = {c->messages, c->header_bytes, c->payload_bytes, c->meta_bytes,
                       c->dropped, 0};
    if (c->net.allreduce_u64(c->net.ctx, tot, 5) < 0)
        return gb_seterr(err, GB_EFAIL, "session engine: reduction failed");
    res->messages = tot[0];
    res->header_bytes = tot[1];
    res->payload_bytes = tot[2];
    res->meta_bytes = tot[3];
    res->dropped = tot[4];
    res->nmetrics = c->nmetrics;
    res->nseries = c->nseries;
    for (uint32_t i = 0; i < c->nmetrics; i++)
        res->metrics[i] = ops->metrics[i].op == GB_METRIC_MIN   ? INFINITY
                          : ops->metrics[i].op == GB_METRIC_MAX ? -INFINITY
                                                                : 0.0;
    if (c->nmetrics > 0 && ops->trial_values != NULL)
        ops->trial_values(c->state, res->metrics);
    if (reduce_values(c, ops->metrics, c->nmetrics, res->metrics) < 0)
        return gb_seterr(err, GB_EFAIL, "session engine: reduction failed");
    for (uint32_t i = 0; i < c->nseries; i++)
        res->series[i] = c->r_series[i];
    res->round_messages = c->r_msgs;
    res->round_bytes = c->r_bytes;
    res->round_pending = c->r_pending;
    res->round_s = c->net.now != NULL ? c->r_s : NULL;
    res->exchange_s = c->exchange_s;
    return 0;
}

/* ------------------------------------------------------------------ one-rank net */

static int local_exchange(void *ctx, gb_sbuf *out, const uint8_t **seg, size_t *seglen)
{
    (void)ctx;
    /* The bytes stay in out[0] until the core writes that buffer set again, two steps on. */
    seg[0] = out[0].p;
    seglen[0] = out[0].len;
    out[0].len = 0;
    return 0;
}

static int local_allreduce_u64(void *ctx, uint64_t *v, int count)
{
    (void)ctx, (void)v, (void)count;
    return 0;
}

static int local_allreduce_dbl(void *ctx, double *v, int count, enum gb_metric_op op)
{
    (void)ctx, (void)v, (void)count, (void)op;
    return 0;
}

void gb_session_net_local(gb_session_net *net)
{
    *net = (gb_session_net){.nranks = 1, .rank = 0, .exchange = local_exchange,
                            .allreduce_u64 = local_allreduce_u64,
                            .allreduce_dbl = local_allreduce_dbl, .now = NULL, .stop = NULL,
                            .ctx = NULL};
}
