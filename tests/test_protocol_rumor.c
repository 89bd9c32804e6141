/* test_protocol_rumor.c: rumor mongering (protocols/rumor.c) and median-counter
 * (protocols/median_counter.c) driven through their ops by a tiny single-process engine
 * written here, checked against the header comments of both files (their specification),
 * DESIGN.md ("Rounds") and gb_protocol.h, without the real engine or MPI.
 *
 * The harness ("sim", the approach of test_protocol.c) records every message of a round in
 * an outbox per phase and delivers them in canonical order (sender id, seq), in reversed
 * order, eagerly (each node's messages and their replies right after its contact() call)
 * or inline (inside send(), before the sending handler returns); the nodes may be split
 * into 2-4 protocol states as MPI ranks hold them. Both
 * protocols promise GB_PROTO_COMMUTATIVE, so none of this may change any result.
 *
 * A second, independent model of each protocol ("ref"), written from the specification
 * only, runs in lockstep with the sim: per round it predicts every message (sender,
 * destination, kind, flags, bytes), the end_round counts and every infection round. Peer
 * choice is the public gb_pick_peers(); the coin of stop=coin is drawn from the node's
 * (seed, trial, round, node, GB_RNG_PROTOCOL) stream, one gb_rng_below(k) per counted
 * contact, as rumor.c documents. Small hand-checkable cases (n = 3 .. 8) are checked with
 * rules written out in the tests themselves.
 *
 * Message kinds and flag bits are the protocols' wire format, mirrored below; a change there
 * must be mirrored here. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <CUnit/CUnit.h>

#include "gb_common.h"
#include "gb_params.h"
#include "gb_protocol.h"
#include "gb_rng.h"
#include "gb_topology.h"
#include "tests.h"


/* rumor.c: message kinds and arg bits. */
enum { R_PUSH = 10, R_KNEW = 11, R_PULL = 12, R_PULL_REPLY = 13, R_CONTACT = 14,
       R_CONTACT_REPLY = 15 };
#define A_KNOWS 1u
#define A_INF 2u
#define A_RUMOR 4u
/* median_counter.c: kinds, states, arg = state << 8 | counter. */
enum { MC_CALL = 20, MC_ANSWER = 21 };
enum { MC_A = 0, MC_B = 1, MC_C = 2, MC_D = 3 };
#define PACK(kind, ctr) ((uint32_t)(kind) << 8 | (uint32_t)(ctr))
#define KIND_OF(arg) ((arg) >> 8 & 0xffu)
#define CTR_OF(arg) ((arg)&0xffu)

#define PAYLOAD 100u

/* ------------------------------------------------------------------ recording outbox */

typedef struct rec_msg {
    gb_msg m;
    uint32_t payload, meta;
} rec_msg;

typedef struct rec_outbox {
    gb_outbox base; /* first: a gb_outbox pointer is a rec_outbox pointer */
    rec_msg *v;
    size_t len, cap;
    uint16_t *seq; /* next seq per sender */
    uint32_t n;
    int fail;      /* test hook: send() fails with GB_ENOMEM */
    void (*deliver)(void *ctx, const gb_msg *m); /* INLINE order: deliver inside send() */
    void *ctx;
} rec_outbox;

static int rec_send(gb_outbox *ob, gb_msg *m, uint32_t payload_bytes, uint32_t meta_bytes)
{
    rec_outbox *o = (rec_outbox *)ob;
    if (o->fail)
        return GB_ENOMEM;
    if (o->len == o->cap) {
        size_t cap = o->cap ? 2 * o->cap : 64;
        rec_msg *v = realloc(o->v, cap * sizeof *v);
        if (v == NULL)
            return GB_ENOMEM;
        o->v = v;
        o->cap = cap;
    }
    if (m->src < o->n)
        m->seq = o->seq[m->src]++;
    o->v[o->len].m = *m;
    o->v[o->len].payload = payload_bytes;
    o->v[o->len].meta = meta_bytes;
    o->len++;
    if (o->deliver != NULL) {
        gb_msg copy = *m;
        o->deliver(o->ctx, &copy);
    }
    return 0;
}

static int rec_init(rec_outbox *o, uint32_t n)
{
    memset(o, 0, sizeof *o);
    o->base.send = rec_send;
    o->base.impl = o;
    o->n = n;
    o->seq = calloc(n ? n : 1, sizeof *o->seq);
    return o->seq == NULL ? GB_ENOMEM : 0;
}

static void rec_reset(rec_outbox *o)
{
    o->len = 0;
    memset(o->seq, 0, o->n * sizeof *o->seq);
}

static void rec_free(rec_outbox *o)
{
    free(o->v);
    free(o->seq);
    memset(o, 0, sizeof *o);
}

static int cmp_canonical(const void *a, const void *b)
{
    const gb_msg *x = &((const rec_msg *)a)->m, *y = &((const rec_msg *)b)->m;
    if (x->src != y->src)
        return x->src < y->src ? -1 : 1;
    return (x->seq > y->seq) - (x->seq < y->seq);
}

static void rec_sort(rec_outbox *o)
{
    if (o->len > 1)
        qsort(o->v, o->len, sizeof *o->v, cmp_canonical);
}

/* Orders messages by content, ignoring seq (which depends on delivery order for replies). */
static int cmp_content(const void *a, const void *b)
{
    const rec_msg *x = a, *y = b;
    if (x->m.src != y->m.src)
        return x->m.src < y->m.src ? -1 : 1;
    if (x->m.dst != y->m.dst)
        return x->m.dst < y->m.dst ? -1 : 1;
    if (x->m.kind != y->m.kind)
        return x->m.kind < y->m.kind ? -1 : 1;
    if (x->m.arg != y->m.arg)
        return x->m.arg < y->m.arg ? -1 : 1;
    if (x->payload != y->payload)
        return x->payload < y->payload ? -1 : 1;
    return (x->meta > y->meta) - (x->meta < y->meta);
}

/* Copy of o's messages sorted by content; median-counter: the counter of a D state is
 * meaningless and ignored. NULL when empty or out of memory (*len says which). */
static rec_msg *sorted_copy(const rec_outbox *o, int mc, size_t *len)
{
    *len = o->len;
    if (o->len == 0)
        return NULL;
    rec_msg *x = malloc(o->len * sizeof *x);
    if (x == NULL) {
        *len = SIZE_MAX;
        return NULL;
    }
    memcpy(x, o->v, o->len * sizeof *x);
    for (size_t i = 0; i < o->len; i++)
        if (mc && KIND_OF(x[i].m.arg) == MC_D)
            x[i].m.arg = PACK(MC_D, 0);
    qsort(x, o->len, sizeof *x, cmp_content);
    return x;
}

/* Whether a and b hold the same messages, whatever their order and seq. On a difference,
 * describes the first one in why. */
static int same_msgs(const rec_outbox *a, const rec_outbox *b, int mc, char *why, size_t wlen)
{
    size_t la, lb;
    rec_msg *x = sorted_copy(a, mc, &la), *y = sorted_copy(b, mc, &lb);
    int same = la == lb && la != SIZE_MAX;
    if (!same)
        snprintf(why, wlen, "%zu messages, expected %zu", la, lb);
    for (size_t i = 0; same && i < la; i++)
        if (cmp_content(&x[i], &y[i]) != 0) {
            snprintf(why, wlen,
                     "message %u->%u kind %u arg %#x bytes %u+%u, expected %u->%u kind %u "
                     "arg %#x bytes %u+%u",
                     x[i].m.src, x[i].m.dst, x[i].m.kind, x[i].m.arg, x[i].payload, x[i].meta,
                     y[i].m.src, y[i].m.dst, y[i].m.kind, y[i].m.arg, y[i].payload, y[i].meta);
            same = 0;
        }
    free(x);
    free(y);
    return same;
}

/* ------------------------------------------------------------------ the tiny engine */

/* INLINE: the outbox delivers each message inside send(), before the sender's handler has
 * returned (the replies of a contact too): "deliver local messages at once". */
enum order { CANONICAL, REVERSED, EAGER, INLINE };

#define MAX_BLOCKS 4

typedef struct sim {
    const gb_protocol_ops *ops;
    gb_topology *topo;
    gb_params params;
    uint32_t n, nblocks;
    gb_proto_env env[MAX_BLOCKS];
    void *state[MAX_BLOCKS];
    enum order order;
    uint32_t round;               /* the current round (for INLINE delivery) */
    rec_outbox contacts, replies; /* this round's messages, each phase in canonical order */
    int32_t *start_inf;           /* infection rounds at the start of the current round */
    uint64_t bad_rc;              /* handler calls that returned an error */
    uint64_t carried;             /* this round's messages with a payload (the rumor) */
} sim;

static uint32_t sim_owner(const sim *s, gb_node_t u)
{
    for (uint32_t b = 0; b < s->nblocks; b++)
        if (u >= s->env[b].first && u - s->env[b].first < s->env[b].count)
            return b;
    return UINT32_MAX;
}

static int32_t sim_inf(const sim *s, gb_node_t u)
{
    return s->ops->infection_round(s->state[sim_owner(s, u)], u);
}

static void sim_free(sim *s)
{
    for (uint32_t b = 0; b < s->nblocks; b++)
        if (s->state[b] != NULL)
            s->ops->fini(s->state[b]);
    gb_topology_free(s->topo);
    rec_free(&s->contacts);
    rec_free(&s->replies);
    free(s->start_inf);
    memset(s, 0, sizeof *s);
}

static void deliver_contact(sim *s, uint32_t round, const gb_msg *m)
{
    if (s->ops->on_contact(s->state[sim_owner(s, m->dst)], round, m, &s->replies.base) < 0)
        s->bad_rc++;
}

static void deliver_reply(sim *s, uint32_t round, const gb_msg *m)
{
    if (s->ops->on_reply(s->state[sim_owner(s, m->dst)], round, m) < 0)
        s->bad_rc++;
}

static void inline_contact(void *ctx, const gb_msg *m)
{
    sim *s = ctx;
    deliver_contact(s, s->round, m);
}

static void inline_reply(void *ctx, const gb_msg *m)
{
    sim *s = ctx;
    deliver_reply(s, s->round, m);
}

/* Parses pspec against ops->params, builds the topology and the protocol state split into
 * nblocks blocks. */
static int sim_init(sim *s, const gb_protocol_ops *ops, const char *pspec,
                    const char *topo_spec, uint32_t n, uint32_t fanout, uint64_t seed,
                    gb_node_t source, uint32_t nblocks, enum order order)
{
    memset(s, 0, sizeof *s);
    if (nblocks == 0 || nblocks > MAX_BLOCKS || source >= n)
        return GB_EINVAL;
    char err[GB_ERRLEN] = "";
    if (pspec == NULL)
        pspec = "";
    int rc = gb_params_parse(&s->params, ops->params, pspec, "protocol", ops->name, err);
    if (rc < 0) {
        fprintf(stderr, "test_protocol_rumor: params '%s': %s\n", pspec, err);
        return rc;
    }
    gb_params tp;
    rc = gb_topology_create_spec(topo_spec, n, seed, &s->topo, &tp, err);
    if (rc < 0) {
        fprintf(stderr, "test_protocol_rumor: topology '%s': %s\n", topo_spec, err);
        return rc;
    }
    s->ops = ops;
    s->n = n;
    s->nblocks = nblocks;
    s->order = order;
    if (rec_init(&s->contacts, n) < 0 || rec_init(&s->replies, n) < 0 ||
        (s->start_inf = calloc(n, sizeof *s->start_inf)) == NULL) {
        s->nblocks = 0;
        sim_free(s);
        return GB_ENOMEM;
    }
    if (order == INLINE) {
        s->contacts.deliver = inline_contact;
        s->replies.deliver = inline_reply;
        s->contacts.ctx = s->replies.ctx = s;
    }
    for (uint32_t b = 0; b < nblocks; b++) {
        uint32_t lo = (uint32_t)((uint64_t)n * b / nblocks);
        uint32_t hi = (uint32_t)((uint64_t)n * (b + 1) / nblocks);
        s->env[b] = (gb_proto_env){.topo = s->topo,
                                   .n = n,
                                   .first = lo,
                                   .count = hi - lo,
                                   .fanout = fanout,
                                   .payload = PAYLOAD,
                                   .seed = seed,
                                   .trial = 0,
                                   .source = source,
                                   .params = &s->params};
        rc = ops->init(&s->env[b], &s->state[b], err);
        if (rc < 0) {
            fprintf(stderr, "test_protocol_rumor: init '%s' (%s): %s\n", ops->name, pspec, err);
            s->nblocks = b;
            sim_free(s);
            return rc;
        }
    }
    return 0;
}

/* One whole round; st receives the counts summed over the blocks. */
static void sim_round(sim *s, uint32_t round, gb_round_stats *st)
{
    rec_reset(&s->contacts);
    rec_reset(&s->replies);
    s->round = round;
    for (gb_node_t u = 0; u < s->n; u++)
        s->start_inf[u] = sim_inf(s, u);
    for (gb_node_t u = 0; u < s->n; u++) {
        size_t c0 = s->contacts.len, r0 = s->replies.len;
        if (s->ops->contact(s->state[sim_owner(s, u)], round, u, &s->contacts.base) < 0)
            s->bad_rc++;
        if (s->order == EAGER) {
            for (size_t i = c0; i < s->contacts.len; i++)
                deliver_contact(s, round, &s->contacts.v[i].m);
            for (size_t i = r0; i < s->replies.len; i++)
                deliver_reply(s, round, &s->replies.v[i].m);
        }
    }
    rec_sort(&s->contacts);
    if (s->order == CANONICAL || s->order == REVERSED) {
        for (size_t k = 0; k < s->contacts.len; k++) {
            size_t i = s->order == REVERSED ? s->contacts.len - 1 - k : k;
            deliver_contact(s, round, &s->contacts.v[i].m);
        }
        rec_sort(&s->replies);
        for (size_t k = 0; k < s->replies.len; k++) {
            size_t i = s->order == REVERSED ? s->replies.len - 1 - k : k;
            deliver_reply(s, round, &s->replies.v[i].m);
        }
    }
    rec_sort(&s->replies);
    memset(st, 0, sizeof *st);
    for (uint32_t b = 0; b < s->nblocks; b++) {
        gb_round_stats bs;
        memset(&bs, 0xff, sizeof bs);
        s->ops->end_round(s->state[b], round, &bs);
        st->informed += bs.informed;
        st->newly += bs.newly;
        st->active += bs.active;
        st->duplicates += bs.duplicates;
        st->rumor_msgs += bs.rumor_msgs;
    }
    s->carried = 0;
    for (size_t i = 0; i < s->contacts.len; i++)
        s->carried += s->contacts.v[i].payload > 0;
    for (size_t i = 0; i < s->replies.len; i++)
        s->carried += s->replies.v[i].payload > 0;
}

/* ------------------------------------------------------------------ reference models */

enum { RS_S = 0, RS_I = 1, RS_R = 2 };
enum { M_PUSH, M_PULL, M_PUSH_PULL };

/* Coverage: events the runs must have exercised for the checks to mean something. */
enum { COV_REMOVED, COV_FEEDBACK, COV_RESET, COV_PULLED, COV_SAME_ROUND, COV_MC_UP, COV_MC_TIE,
       COV_MC_CTR_TO_C, COV_MC_PARTNER_TO_C, COV_MC_A_TO_C, COV_MC_TO_D, COV_COUNT };

typedef struct ref {
    int mc; /* 0: rumor, 1: median-counter */
    uint32_t n;
    gb_proto_env env; /* the whole graph as one block, for gb_pick_peers */
    int mode, blind, coin, reset;
    uint32_t k, ctr_max, c_rounds;
    uint8_t *st, *nst, *cnt; /* rumor: S/I/R and counter; mc: state and counter */
    uint32_t *ev, *good;     /* rumor: counted and necessary contacts this round */
    uint32_t *ahead, *behind;
    uint8_t *got;            /* mc: bit 0 got the rumor, bit 1 a partner was in C */
    int32_t *inf;
    uint64_t informed, newly, dups, msgs, deliveries, dup_known;
    rec_outbox contacts, replies;
    uint64_t cov[COV_COUNT];
} ref;

/* ceil(log2 log2 n) + 1 for n >= 4, in integers: the smallest L with n <= 2^(2^L), plus 1. */
static uint32_t mc_default(uint64_t n)
{
    uint32_t l = 0;
    while ((1u << l) < 64 && (1ull << (1u << l)) < n)
        l++;
    return l + 1;
}

static void ref_free(ref *r)
{
    free(r->st);
    free(r->nst);
    free(r->cnt);
    free(r->ev);
    free(r->good);
    free(r->ahead);
    free(r->behind);
    free(r->got);
    free(r->inf);
    rec_free(&r->contacts);
    rec_free(&r->replies);
    memset(r, 0, sizeof *r);
}

static int ref_init(ref *r, const sim *s)
{
    memset(r, 0, sizeof *r);
    uint32_t n = s->n;
    r->mc = s->ops == &gb_protocol_median_counter;
    r->n = n;
    r->env = s->env[0];
    r->env.first = 0;
    r->env.count = n;
    const gb_params *p = &s->params;
    if (r->mc) {
        r->ctr_max = gb_params_has(p, "ctr_max") ? (uint32_t)gb_params_int(p, "ctr_max")
                                                  : mc_default(n);
        r->c_rounds = gb_params_has(p, "c_rounds") ? (uint32_t)gb_params_int(p, "c_rounds")
                                                    : mc_default(n);
    } else {
        const char *mode = gb_params_str(p, "mode");
        r->mode = strcmp(mode, "pull") == 0 ? M_PULL
                  : strcmp(mode, "push-pull") == 0 ? M_PUSH_PULL : M_PUSH;
        r->blind = strcmp(gb_params_str(p, "interest"), "blind") == 0;
        r->coin = strcmp(gb_params_str(p, "stop"), "coin") == 0;
        r->k = (uint32_t)gb_params_int(p, "k");
        r->reset = (int)gb_params_int(p, "reset");
    }
    r->st = calloc(n, 1);
    r->nst = calloc(n, 1);
    r->cnt = calloc(n, 1);
    r->ev = calloc(n, sizeof *r->ev);
    r->good = calloc(n, sizeof *r->good);
    r->ahead = calloc(n, sizeof *r->ahead);
    r->behind = calloc(n, sizeof *r->behind);
    r->got = calloc(n, 1);
    r->inf = malloc(n * sizeof *r->inf);
    if (!r->st || !r->nst || !r->cnt || !r->ev || !r->good || !r->ahead || !r->behind ||
        !r->got || !r->inf || rec_init(&r->contacts, n) < 0 || rec_init(&r->replies, n) < 0) {
        ref_free(r);
        return GB_ENOMEM;
    }
    for (uint32_t u = 0; u < n; u++)
        r->inf[u] = -1;
    gb_node_t src = r->env.source;
    r->st[src] = r->mc ? MC_B : RS_I;
    r->cnt[src] = r->mc ? 1 : 0;
    r->inf[src] = 0;
    r->informed = 1;
    return 0;
}

static void expect(rec_outbox *o, gb_node_t src, gb_node_t dst, uint16_t kind, uint32_t arg,
                   uint32_t payload, uint32_t meta)
{
    gb_msg m = {.src = src, .dst = dst, .kind = kind, .seq = 0, .arg = arg};
    if (rec_send(&o->base, &m, payload, meta) < 0)
        CU_FAIL("reference model: out of memory");
}

/* Rumor delivered to v in round t (rumor: judged against what v had by then). */
static void ref_deliver(ref *r, gb_node_t v, uint32_t t)
{
    r->deliveries++;
    if (r->nst[v] == RS_S) {
        r->nst[v] = RS_I;
        r->inf[v] = (int32_t)t;
        r->newly++;
    } else {
        r->dups++;
    }
}

static void ref_rumor_round(ref *r, uint32_t t, gb_round_stats *out)
{
    uint32_t n = r->n;
    memcpy(r->nst, r->st, n);
    memset(r->ev, 0, n * sizeof *r->ev);
    memset(r->good, 0, n * sizeof *r->good);
    for (gb_node_t u = 0; u < n; u++) {
        uint8_t su = r->st[u];
        if (r->mode == M_PUSH && su != RS_I)
            continue; /* push: only infective nodes send */
        gb_node_t peers[GB_MAX_FANOUT];
        uint32_t f = gb_pick_peers(&r->env, t, u, peers);
        uint32_t arg = (su != RS_S ? A_KNOWS : 0) | (su == RS_I ? A_INF : 0);
        for (uint32_t j = 0; j < f; j++) {
            gb_node_t v = peers[j];
            uint8_t sv = r->st[v];
            if (r->mode == M_PUSH) {
                expect(&r->contacts, u, v, R_PUSH, arg, PAYLOAD, 0);
                r->msgs++;
                ref_deliver(r, v, t);
                if (r->blind) {
                    r->ev[u]++;
                } else if (sv != RS_S) { /* unnecessary: v says so, header only */
                    r->ev[u]++;
                    expect(&r->replies, v, u, R_KNEW, 0, 0, 0);
                    r->cov[COV_FEEDBACK]++;
                } else {
                    r->good[u]++;
                }
            } else if (r->mode == M_PULL) {
                expect(&r->contacts, u, v, R_PULL, arg, 0, 0);
                if (sv != RS_I)
                    continue; /* only infective nodes answer */
                if (r->blind || su != RS_S)
                    r->ev[v]++;
                if (su != RS_S) {
                    r->cov[COV_FEEDBACK] += !r->blind;
                } else {
                    r->good[v]++;
                    r->msgs++;
                    expect(&r->replies, v, u, R_PULL_REPLY, A_RUMOR, PAYLOAD, 0);
                    ref_deliver(r, u, t);
                    r->cov[COV_PULLED]++;
                }
            } else {
                expect(&r->contacts, u, v, R_CONTACT, arg, su == RS_I ? PAYLOAD : 0, 0);
                uint32_t reply = 0;
                if (su == RS_I) { /* u pushes */
                    r->msgs++;
                    ref_deliver(r, v, t);
                    if (r->blind) {
                        r->ev[u]++;
                    } else if (sv != RS_S) {
                        r->ev[u]++;
                        reply |= A_KNOWS;
                        r->cov[COV_FEEDBACK]++;
                    } else {
                        r->good[u]++;
                    }
                }
                if (sv == RS_I) { /* v answers a contact that lacks the rumor */
                    if (r->blind || su != RS_S)
                        r->ev[v]++;
                    if (su == RS_S) {
                        reply |= A_RUMOR;
                        r->good[v]++;
                        r->msgs++;
                        ref_deliver(r, u, t);
                        r->cov[COV_PULLED]++;
                    }
                }
                if (reply != 0)
                    expect(&r->replies, v, u, R_CONTACT_REPLY, reply,
                           (reply & A_RUMOR) ? PAYLOAD : 0, 0);
            }
        }
    }
    uint64_t active = 0;
    for (gb_node_t u = 0; u < n; u++) {
        if (r->st[u] == RS_I) {
            /* reset: counter with feedback only, after a round with a necessary contact */
            int restart = !r->coin && !r->blind && r->reset && r->good[u] > 0;
            if (r->ev[u] > 0 && r->good[u] > 0)
                r->cov[COV_SAME_ROUND]++;
            if (r->ev[u] > 0 && r->coin) {
                gb_rng g;
                gb_rng_init(&g, r->env.seed, r->env.trial, t, u, GB_RNG_PROTOCOL);
                for (uint32_t j = 0; j < r->ev[u]; j++)
                    if (gb_rng_below(&g, r->k) == 0) {
                        r->nst[u] = RS_R;
                        break;
                    }
            } else if (r->ev[u] > 0) {
                if (restart && r->cnt[u] > 0)
                    r->cov[COV_RESET]++;
                uint32_t c = (restart ? 0u : r->cnt[u]) + r->ev[u];
                r->cnt[u] = (uint8_t)(c < r->k ? c : r->k);
                if (c >= r->k)
                    r->nst[u] = RS_R;
            } else if (restart) {
                if (r->cnt[u] > 0)
                    r->cov[COV_RESET]++;
                r->cnt[u] = 0;
            }
            r->cov[COV_REMOVED] += r->nst[u] == RS_R;
        }
        r->st[u] = r->nst[u];
        active += r->st[u] == RS_I;
    }
    out->active = active;
}

static int mc_spreading(uint32_t kind)
{
    return kind == MC_B || kind == MC_C;
}

/* Node i saw a partner in state (pk, pc) in this round's calls. */
static void ref_observe(ref *r, gb_node_t i, uint32_t pk, uint32_t pc)
{
    if (mc_spreading(pk)) {
        r->got[i] |= 1u;
        r->deliveries++;
        r->dup_known += r->st[i] != MC_A;
    }
    if (pk == MC_C)
        r->got[i] |= 2u;
    if (r->st[i] == MC_B) {
        if (pk == MC_C || pk == MC_D || (pk == MC_B && pc >= r->cnt[i]))
            r->ahead[i]++;
        else
            r->behind[i]++;
    }
}

static void ref_mc_round(ref *r, uint32_t t, gb_round_stats *out)
{
    uint32_t n = r->n;
    memset(r->ahead, 0, n * sizeof *r->ahead);
    memset(r->behind, 0, n * sizeof *r->behind);
    memset(r->got, 0, n);
    for (gb_node_t u = 0; u < n; u++) {
        gb_node_t peers[GB_MAX_FANOUT];
        uint32_t f = gb_pick_peers(&r->env, t, u, peers);
        for (uint32_t j = 0; j < f; j++) {
            gb_node_t v = peers[j];
            expect(&r->contacts, u, v, MC_CALL, PACK(r->st[u], r->cnt[u]),
                   mc_spreading(r->st[u]) ? PAYLOAD : 0, 1);
            r->msgs += mc_spreading(r->st[u]);
            ref_observe(r, v, r->st[u], r->cnt[u]);
            expect(&r->replies, v, u, MC_ANSWER, PACK(r->st[v], r->cnt[v]),
                   mc_spreading(r->st[v]) ? PAYLOAD : 0, 1);
            r->msgs += mc_spreading(r->st[v]);
            ref_observe(r, u, r->st[v], r->cnt[v]);
        }
    }
    uint64_t active = 0;
    for (gb_node_t u = 0; u < n; u++) {
        uint8_t kind = r->st[u];
        uint32_t ctr = r->cnt[u];
        if (kind == MC_A) {
            if (r->got[u] & 2u) {
                kind = MC_C;
                ctr = 1;
                r->cov[COV_MC_A_TO_C]++;
            } else if (r->got[u] & 1u) {
                kind = MC_B;
                ctr = 1;
            }
            if (kind != MC_A) {
                r->inf[u] = (int32_t)t;
                r->newly++;
            }
        } else if (kind == MC_B) {
            if (r->got[u] & 2u) {
                kind = MC_C;
                ctr = 1;
                r->cov[COV_MC_PARTNER_TO_C]++;
            } else if (r->ahead[u] > r->behind[u]) {
                r->cov[COV_MC_UP]++;
                if (++ctr >= r->ctr_max) {
                    kind = MC_C;
                    ctr = 1;
                    r->cov[COV_MC_CTR_TO_C]++;
                }
            } else if (r->ahead[u] > 0 && r->ahead[u] == r->behind[u]) {
                r->cov[COV_MC_TIE]++;
            }
        } else if (kind == MC_C) {
            if (ctr + 1 > r->c_rounds) { /* c_rounds rounds spent in C */
                kind = MC_D;
                ctr = 0;
                r->cov[COV_MC_TO_D]++;
            } else {
                ctr++;
            }
        }
        r->st[u] = kind;
        r->cnt[u] = (uint8_t)ctr;
        active += mc_spreading(kind);
    }
    out->active = active;
    r->dups = r->deliveries - r->newly;
}

/* One round of the model: expected messages in r->contacts / r->replies, counts in out. */
static void ref_round(ref *r, uint32_t t, gb_round_stats *out)
{
    rec_reset(&r->contacts);
    rec_reset(&r->replies);
    r->newly = r->dups = r->msgs = r->deliveries = r->dup_known = 0;
    if (r->mc)
        ref_mc_round(r, t, out);
    else
        ref_rumor_round(r, t, out);
    r->informed += r->newly;
    out->informed = r->informed;
    out->newly = r->newly;
    out->duplicates = r->dups;
    out->rumor_msgs = r->msgs;
}

/* ------------------------------------------------------------------ lockstep comparison */

typedef struct check {
    char label[160];
    int check_dups;        /* compare duplicates too */
    uint64_t runs, rounds, rounds_bad, carried_bad, rc_bad, unterminated, after_end_bad;
    uint64_t cov[COV_COUNT];
    char first[1024];      /* first difference */
} check;

static void note(check *c, uint32_t t, const char *what)
{
    if (c->first[0] == '\0')
        snprintf(c->first, sizeof c->first, "%s, round %u: %s", c->label, t, what);
}

static void compare_round(sim *s, ref *r, uint32_t t, const gb_round_stats *st,
                          const gb_round_stats *rs, check *c)
{
    char why[400];
    int bad = 0;
    c->rounds++;
    if (!same_msgs(&s->contacts, &r->contacts, r->mc, why, sizeof why)) {
        char w2[480];
        snprintf(w2, sizeof w2, "contact phase: %s", why);
        note(c, t, w2);
        bad = 1;
    }
    if (!same_msgs(&s->replies, &r->replies, r->mc, why, sizeof why)) {
        char w2[480];
        snprintf(w2, sizeof w2, "reply phase: %s", why);
        note(c, t, w2);
        bad = 1;
    }
    if (st->informed != rs->informed || st->newly != rs->newly || st->active != rs->active ||
        st->rumor_msgs != rs->rumor_msgs ||
        (c->check_dups && st->duplicates != rs->duplicates)) {
        snprintf(why, sizeof why,
                 "stats informed/newly/active/dups/msgs %llu/%llu/%llu/%llu/%llu, expected "
                 "%llu/%llu/%llu/%llu/%llu",
                 (unsigned long long)st->informed, (unsigned long long)st->newly,
                 (unsigned long long)st->active, (unsigned long long)st->duplicates,
                 (unsigned long long)st->rumor_msgs, (unsigned long long)rs->informed,
                 (unsigned long long)rs->newly, (unsigned long long)rs->active,
                 (unsigned long long)rs->duplicates, (unsigned long long)rs->rumor_msgs);
        note(c, t, why);
        bad = 1;
    }
    for (gb_node_t u = 0; u < s->n; u++)
        if (sim_inf(s, u) != r->inf[u]) {
            snprintf(why, sizeof why, "node %u infection round %d, expected %d", u,
                     sim_inf(s, u), r->inf[u]);
            note(c, t, why);
            bad = 1;
            break;
        }
    if (s->carried != st->rumor_msgs) {
        snprintf(why, sizeof why, "rumor_msgs %llu but %llu messages carried the rumor",
                 (unsigned long long)st->rumor_msgs, (unsigned long long)s->carried);
        note(c, t, why);
        c->carried_bad++;
    }
    if (s->bad_rc != 0) {
        note(c, t, "a handler returned an error");
        c->rc_bad++;
        s->bad_rc = 0;
    }
    c->rounds_bad += bad;
}

/* Runs s and its reference model in lockstep to termination (plus one more round, in which
 * nothing may carry the rumor), comparing every round. Returns the last round or 0. */
static uint32_t run_checked(sim *s, uint32_t max_rounds, check *c)
{
    ref r;
    if (ref_init(&r, s) < 0) {
        CU_FAIL("reference model: out of memory");
        return 0;
    }
    c->runs++;
    uint32_t end = 0;
    gb_round_stats st, rs;
    for (uint32_t t = 1; t <= max_rounds && end == 0; t++) {
        sim_round(s, t, &st);
        ref_round(&r, t, &rs);
        compare_round(s, &r, t, &st, &rs, c);
        if (st.active == 0 && rs.active == 0)
            end = t;
    }
    if (end == 0) {
        note(c, max_rounds, "did not terminate");
        c->unterminated++;
    } else {
        sim_round(s, end + 1, &st);
        ref_round(&r, end + 1, &rs);
        compare_round(s, &r, end + 1, &st, &rs, c);
        if (st.rumor_msgs != 0 || st.newly != 0 || st.active != 0 ||
            (!r.mc && r.mode == M_PUSH && s->contacts.len != 0)) {
            note(c, end + 1, "rumor traffic after termination");
            c->after_end_bad++;
        }
    }
    for (int i = 0; i < COV_COUNT; i++)
        c->cov[i] += r.cov[i];
    ref_free(&r);
    return end;
}

static void check_clean(const check *c)
{
    if (c->first[0] != '\0')
        fprintf(stderr, "\n  test_protocol_rumor: first difference: %s\n", c->first);
    CU_ASSERT_TRUE(c->runs > 0);
    CU_ASSERT_EQUAL(c->rounds_bad, 0);
    CU_ASSERT_EQUAL(c->carried_bad, 0);
    CU_ASSERT_EQUAL(c->rc_bad, 0);
    CU_ASSERT_EQUAL(c->unterminated, 0);
    CU_ASSERT_EQUAL(c->after_end_bad, 0);
}

/* ------------------------------------------------------------------ tests: parameters */

static int parse_rumor(gb_params *p, const char *spec, char *err)
{
    err[0] = '\0';
    return gb_params_parse(p, gb_protocol_rumor.params, spec, "protocol", "rumor", err);
}

/* A one-line error naming the offending text. */
static int one_line(const char *err, const char *word)
{
    return err[0] != '\0' && strchr(err, '\n') == NULL && strstr(err, word) != NULL;
}

static void test_registry(void)
{
    CU_ASSERT_PTR_EQUAL(gb_protocol_find("rumor"), &gb_protocol_rumor);
    CU_ASSERT_PTR_EQUAL(gb_protocol_find("median-counter"), &gb_protocol_median_counter);
    const gb_protocol_ops *ops[2] = {&gb_protocol_rumor, &gb_protocol_median_counter};
    for (int i = 0; i < 2; i++) {
        CU_ASSERT_TRUE(ops[i]->flags & GB_PROTO_COMMUTATIVE);
        CU_ASSERT_TRUE(ops[i]->flags & GB_PROTO_SELF_TERMINATING);
        CU_ASSERT_PTR_NOT_NULL(ops[i]->params);
        CU_ASSERT_PTR_NOT_NULL(ops[i]->on_reply);
        CU_ASSERT_PTR_NOT_NULL(ops[i]->help);
    }
}

static void test_rumor_params(void)
{
    gb_params p;
    char err[GB_ERRLEN];
    /* Defaults: push, feedback, counter, k=2, reset=1. */
    CU_ASSERT_EQUAL_FATAL(parse_rumor(&p, NULL, err), 0);
    CU_ASSERT_STRING_EQUAL(gb_params_str(&p, "mode"), "push");
    CU_ASSERT_STRING_EQUAL(gb_params_str(&p, "interest"), "feedback");
    CU_ASSERT_STRING_EQUAL(gb_params_str(&p, "stop"), "counter");
    CU_ASSERT_EQUAL(gb_params_int(&p, "k"), 2);
    CU_ASSERT_EQUAL(gb_params_int(&p, "reset"), 1);
    CU_ASSERT_FALSE(gb_params_given(&p, "mode"));
    char buf[256];
    gb_params_format(&p, buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "mode=push,interest=feedback,stop=counter,k=2,reset=1");
    CU_ASSERT_EQUAL(parse_rumor(&p, "", err), 0);
    CU_ASSERT_EQUAL(gb_params_int(&p, "k"), 2);

    /* Every choice is accepted. */
    CU_ASSERT_EQUAL(parse_rumor(&p, "mode=push-pull,interest=blind,stop=coin,k=255,reset=0",
                                err),
                    0);
    CU_ASSERT_STRING_EQUAL(gb_params_str(&p, "mode"), "push-pull");
    CU_ASSERT_STRING_EQUAL(gb_params_str(&p, "interest"), "blind");
    CU_ASSERT_STRING_EQUAL(gb_params_str(&p, "stop"), "coin");
    CU_ASSERT_EQUAL(gb_params_int(&p, "k"), 255);
    CU_ASSERT_EQUAL(gb_params_int(&p, "reset"), 0);
    CU_ASSERT_TRUE(gb_params_given(&p, "mode"));
    CU_ASSERT_EQUAL(parse_rumor(&p, "mode=pull,k=1", err), 0);
    CU_ASSERT_EQUAL(gb_params_int(&p, "k"), 1);

    /* Bad choices: rejected by the parser with one line naming the value. */
    static const struct {
        const char *spec, *word;
    } bad[] = {{"mode=shout", "shout"},   {"interest=x", "interest"}, {"stop=dice", "dice"},
               {"mode=Push", "Push"},     {"mode=push ", "mode"},     {"mode=pushpull", "pushpull"},
               {"stop=counter|coin", "stop"}, {"interest=", "interest"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = parse_rumor(&p, bad[i].spec, err);
        CU_ASSERT_EQUAL(rc, GB_EINVAL);
        CU_ASSERT_TRUE(one_line(err, bad[i].word));
    }
    /* k and reset out of range or malformed. */
    static const struct {
        const char *spec;
        int rc;
    } range[] = {{"k=0", GB_ERANGE},    {"k=256", GB_ERANGE}, {"k=-1", GB_ERANGE},
                 {"k=1000000", GB_ERANGE}, {"reset=2", GB_ERANGE}, {"reset=-1", GB_ERANGE},
                 {"k=two", GB_EINVAL},  {"k=2.5", GB_EINVAL},  {"k=", GB_EINVAL}};
    for (size_t i = 0; i < sizeof range / sizeof range[0]; i++) {
        CU_ASSERT_EQUAL(parse_rumor(&p, range[i].spec, err), range[i].rc);
        CU_ASSERT_TRUE(one_line(err, range[i].spec[0] == 'k' ? "'k'" : "'reset'"));
    }
    CU_ASSERT_EQUAL(parse_rumor(&p, "fanout=2", err), GB_ENOENT);
    CU_ASSERT_TRUE(one_line(err, "fanout"));
    CU_ASSERT_EQUAL(parse_rumor(&p, "k=2,k=3", err), GB_EINVAL);
    CU_ASSERT_TRUE(one_line(err, "'k'"));

    /* median-counter: both parameters default to "decide from n", range [1, 250]. */
    CU_ASSERT_EQUAL(gb_params_parse(&p, gb_protocol_median_counter.params, NULL, "protocol",
                                    "median-counter", err),
                    0);
    CU_ASSERT_FALSE(gb_params_has(&p, "ctr_max"));
    CU_ASSERT_FALSE(gb_params_has(&p, "c_rounds"));
    CU_ASSERT_EQUAL(gb_params_parse(&p, gb_protocol_median_counter.params, "ctr_max=0",
                                    "protocol", "median-counter", err),
                    GB_ERANGE);
    CU_ASSERT_TRUE(one_line(err, "ctr_max"));
    CU_ASSERT_EQUAL(gb_params_parse(&p, gb_protocol_median_counter.params, "c_rounds=251",
                                    "protocol", "median-counter", err),
                    GB_ERANGE);
    CU_ASSERT_TRUE(one_line(err, "c_rounds"));
    CU_ASSERT_EQUAL(gb_params_parse(&p, gb_protocol_median_counter.params,
                                    "ctr_max=3,c_rounds=250", "protocol", "median-counter",
                                    err),
                    0);
    CU_ASSERT_EQUAL(gb_params_int(&p, "ctr_max"), 3);
}

/* init() validates on its own what it relies on: a value the parser let through (a
 * descriptor without choices) and the fanout are rejected with one line. */
static void test_init_errors(void)
{
    static const gb_param_desc loose[] = {
        {.name = "mode", .type = GB_PARAM_STRING, .def = "push"},
        {.name = "interest", .type = GB_PARAM_STRING, .def = "feedback"},
        {.name = "stop", .type = GB_PARAM_STRING, .def = "counter"},
        {.name = "k", .type = GB_PARAM_INT, .def = "2", .min = 1, .max = 255},
        {.name = "reset", .type = GB_PARAM_INT, .def = "1", .min = 0, .max = 1},
        {.name = NULL}};
    static const struct {
        const char *spec, *word;
    } bad[] = {{"mode=shout", "shout"}, {"interest=x", "'x'"}, {"stop=dice", "dice"}};
    gb_topology *t = NULL;
    gb_params tp, p;
    char err[GB_ERRLEN] = "";
    CU_ASSERT_EQUAL_FATAL(gb_topology_create_spec("complete", 8, 1, &t, &tp, err), 0);
    gb_proto_env env = {.topo = t, .n = 8, .first = 0, .count = 8, .fanout = 1,
                        .payload = PAYLOAD, .seed = 1, .trial = 0, .source = 0, .params = &p};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CU_ASSERT_EQUAL_FATAL(gb_params_parse(&p, loose, bad[i].spec, "protocol", "rumor", err),
                              0);
        void *state = NULL;
        err[0] = '\0';
        CU_ASSERT_EQUAL(gb_protocol_rumor.init(&env, &state, err), GB_EINVAL);
        CU_ASSERT_TRUE(one_line(err, bad[i].word));
        CU_ASSERT_PTR_NULL(state);
    }
    const gb_protocol_ops *ops[2] = {&gb_protocol_rumor, &gb_protocol_median_counter};
    for (int i = 0; i < 2; i++) {
        CU_ASSERT_EQUAL_FATAL(gb_params_parse(&p, ops[i]->params, NULL, "protocol",
                                              ops[i]->name, err),
                              0);
        static const uint32_t fanouts[] = {0, GB_MAX_FANOUT + 1};
        for (int f = 0; f < 2; f++) {
            env.fanout = fanouts[f];
            void *state = NULL;
            err[0] = '\0';
            CU_ASSERT_EQUAL(ops[i]->init(&env, &state, err), GB_EINVAL);
            CU_ASSERT_TRUE(one_line(err, "fanout"));
        }
        env.fanout = 1;
        void *state = NULL;
        CU_ASSERT_EQUAL_FATAL(ops[i]->init(&env, &state, err), 0);
        ops[i]->fini(state);
        ops[i]->fini(NULL);
    }
    gb_topology_free(t);
}

/* ------------------------------------------------------------------ tests: rumor, push */

static const rec_msg *find_from(const rec_outbox *o, gb_node_t src)
{
    for (size_t i = 0; i < o->len; i++)
        if (o->v[i].m.src == src)
            return &o->v[i];
    return NULL;
}

/* Push, feedback, counter on K_3 from source 0, fanout 1, worked out by hand for 64 seeds:
 * round 1 is one push 0 -> p; in round 2 exactly 0 and p push (q, uninformed, does not),
 * a push that reaches a node that knew at the start of the round (0 or p) is answered by a
 * header-only KNEW; with k=1 its sender is removed at the end of round 2 (it still pushed in
 * round 2), with k=2 nobody is removed yet; in round 3 exactly the infective nodes push. */
static void test_push_tiny(void)
{
    int seen[2][2] = {{0, 0}, {0, 0}};
    for (uint32_t k = 1; k <= 2; k++)
        for (uint64_t seed = 1; seed <= 64; seed++) {
            sim s;
            CU_ASSERT_EQUAL_FATAL(sim_init(&s, &gb_protocol_rumor, k == 1 ? "k=1" : "k=2",
                                           "complete", 3, 1, seed, 0, 1, CANONICAL),
                                  0);
            gb_round_stats st;
            sim_round(&s, 1, &st);
            CU_ASSERT_EQUAL_FATAL(s.contacts.len, 1);
            const rec_msg *m = &s.contacts.v[0];
            CU_ASSERT_EQUAL(m->m.src, 0);
            CU_ASSERT_EQUAL(m->m.kind, R_PUSH);
            CU_ASSERT_EQUAL(m->m.arg, A_KNOWS | A_INF);
            CU_ASSERT_EQUAL(m->payload, PAYLOAD);
            CU_ASSERT_EQUAL(m->meta, 0);
            gb_node_t p = m->m.dst, q = 3 - p;
            CU_ASSERT_FATAL(p == 1 || p == 2);
            CU_ASSERT_EQUAL(s.replies.len, 0); /* p did not know: no reply */
            CU_ASSERT_EQUAL(st.newly, 1);
            CU_ASSERT_EQUAL(st.informed, 2);
            CU_ASSERT_EQUAL(st.active, 2);
            CU_ASSERT_EQUAL(st.duplicates, 0);
            CU_ASSERT_EQUAL(st.rumor_msgs, 1);
            CU_ASSERT_EQUAL(sim_inf(&s, p), 1);
            CU_ASSERT_EQUAL(sim_inf(&s, q), -1);

            sim_round(&s, 2, &st);
            CU_ASSERT_EQUAL_FATAL(s.contacts.len, 2);
            const rec_msg *m0 = find_from(&s.contacts, 0), *mp = find_from(&s.contacts, p);
            CU_ASSERT_FATAL(m0 != NULL && mp != NULL);
            CU_ASSERT_PTR_NULL(find_from(&s.contacts, q));
            CU_ASSERT_EQUAL(mp->m.arg, A_KNOWS | A_INF);
            CU_ASSERT_EQUAL(mp->payload, PAYLOAD);
            int hit0 = m0->m.dst == q, hitp = mp->m.dst == q;
            seen[hit0][hitp]++;
            CU_ASSERT_EQUAL(s.replies.len, (size_t)(!hit0 + !hitp));
            for (size_t i = 0; i < s.replies.len; i++) {
                const rec_msg *r = &s.replies.v[i];
                CU_ASSERT_EQUAL(r->m.kind, R_KNEW);
                CU_ASSERT_EQUAL(r->payload, 0);
                CU_ASSERT_EQUAL(r->meta, 0);
                /* from the knower that was pushed to, back to the pusher */
                const rec_msg *push = find_from(&s.contacts, r->m.dst);
                CU_ASSERT_FATAL(push != NULL);
                CU_ASSERT_EQUAL(push->m.dst, r->m.src);
                CU_ASSERT_NOT_EQUAL(r->m.src, q);
            }
            CU_ASSERT_EQUAL(st.newly, (uint64_t)(hit0 || hitp));
            CU_ASSERT_EQUAL(st.duplicates, 2 - st.newly);
            CU_ASSERT_EQUAL(st.rumor_msgs, 2);
            CU_ASSERT_EQUAL(sim_inf(&s, q), (hit0 || hitp) ? 2 : -1);
            int act0 = k == 2 || hit0, actp = k == 2 || hitp, actq = hit0 || hitp;
            CU_ASSERT_EQUAL(st.active, (uint64_t)(act0 + actp + actq));

            sim_round(&s, 3, &st);
            CU_ASSERT_EQUAL(s.contacts.len, (size_t)(act0 + actp + actq));
            CU_ASSERT_EQUAL(find_from(&s.contacts, 0) != NULL, act0);
            CU_ASSERT_EQUAL(find_from(&s.contacts, p) != NULL, actp);
            CU_ASSERT_EQUAL(find_from(&s.contacts, q) != NULL, actq);
            CU_ASSERT_EQUAL(st.rumor_msgs, s.contacts.len);
            sim_free(&s);
        }
    for (int a = 0; a < 2; a++)
        for (int b = 0; b < 2; b++)
            CU_ASSERT_TRUE(seen[a][b] > 0);
}

/* Push, feedback, counter, k=2, fanout 1, n = 4 and 6: each node's life read off the
 * outbox. A node pushes exactly in rounds inf+1, inf+2, ... while infective; a push is
 * unnecessary (U) iff its target knew at the start of the round, which a KNEW reply says;
 * reset=1: a necessary push (N) restarts the count, so the node stops after U U;
 * reset=0: after its second U whenever. Both cases must show U N U (reset matters). */
static void test_push_counter_history(void)
{
    for (int reset = 0; reset <= 1; reset++) {
        uint64_t unu = 0, double_necessary = 0;
        for (uint32_t n = 4; n <= 6; n += 2)
            for (uint64_t seed = 1; seed <= 40; seed++) {
                sim s;
                CU_ASSERT_EQUAL_FATAL(sim_init(&s, &gb_protocol_rumor,
                                               reset ? "k=2,reset=1" : "k=2,reset=0",
                                               "complete", n, 1, seed, seed % n, 1, CANONICAL),
                                      0);
                uint8_t cnt[6] = {0}, removed[6] = {0}, hist[6] = {0};
                uint32_t wrong = 0, end = 0;
                for (uint32_t t = 1; t <= 200 && end == 0; t++) {
                    gb_round_stats st;
                    sim_round(&s, t, &st);
                    uint32_t pushes[6] = {0}, knew[6] = {0}, hits[6] = {0};
                    for (size_t i = 0; i < s.contacts.len; i++) {
                        const rec_msg *m = &s.contacts.v[i];
                        pushes[m->m.src]++;
                        wrong += m->m.kind != R_PUSH || m->payload != PAYLOAD;
                        if (s.start_inf[m->m.dst] < 0)
                            hits[m->m.dst]++;
                    }
                    for (size_t i = 0; i < s.replies.len; i++) {
                        const rec_msg *m = &s.replies.v[i];
                        knew[m->m.dst]++;
                        wrong += m->m.kind != R_KNEW || m->payload != 0 ||
                                 s.start_inf[m->m.src] < 0;
                    }
                    uint64_t active = 0;
                    for (gb_node_t u = 0; u < n; u++) {
                        double_necessary += hits[u] >= 2;
                        int infective = s.start_inf[u] >= 0 && !removed[u];
                        wrong += pushes[u] != (infective ? 1u : 0u);
                        if (!infective)
                            continue;
                        const rec_msg *own = find_from(&s.contacts, u);
                        if (own == NULL)
                            continue;
                        int unnecessary = s.start_inf[own->m.dst] >= 0;
                        wrong += knew[u] != (unnecessary ? 1u : 0u);
                        hist[u] = (uint8_t)((hist[u] << 2 | (unnecessary ? 1 : 2)) & 0x3f);
                        if (reset && !unnecessary)
                            cnt[u] = 0;
                        else
                            cnt[u] = (uint8_t)(cnt[u] + unnecessary);
                        if (cnt[u] >= 2)
                            removed[u] = 1;
                        unu += hist[u] == (1 << 4 | 2 << 2 | 1); /* U N U */
                        active += !removed[u];
                    }
                    for (gb_node_t u = 0; u < n; u++)
                        if (s.start_inf[u] < 0 && sim_inf(&s, u) >= 0)
                            active++; /* informed this round: pushes from the next */
                    CU_ASSERT_EQUAL(st.active, active);
                    CU_ASSERT_EQUAL(st.rumor_msgs, s.contacts.len);
                    if (st.active == 0)
                        end = t;
                }
                CU_ASSERT_EQUAL(wrong, 0);
                CU_ASSERT_TRUE(end > 0);
                sim_free(&s);
            }
        CU_ASSERT_TRUE(unu > 0);
        CU_ASSERT_TRUE(double_necessary > 0); /* two pushes to one susceptible node */
    }
}

/* blind, counter: every push counts, so a node pushes in ceil(k / fanout) rounds, fanout
 * pushes each (k=1: exactly one push in its life), and then never again. */
static void test_blind_counter(void)
{
    /* k=1, fanout 1 is a single chain (each node informs at most one other). */
    static const struct {
        uint32_t k, fanout, pushes, min_informed;
    } cases[] = {{1, 1, 1, 2}, {1, 2, 2, 100}, {3, 1, 3, 100}, {3, 2, 4, 100}, {4, 2, 4, 100}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++)
        for (uint64_t seed = 1; seed <= 3; seed++) {
            char spec[64];
            snprintf(spec, sizeof spec, "interest=blind,stop=counter,k=%u", cases[c].k);
            sim s;
            CU_ASSERT_EQUAL_FATAL(sim_init(&s, &gb_protocol_rumor, spec, "complete", 200,
                                           cases[c].fanout, seed, 7, (uint32_t)seed, CANONICAL),
                                  0);
            uint32_t pushes[200] = {0}, wrong = 0, end = 0;
            for (uint32_t t = 1; t <= 500 && end == 0; t++) {
                gb_round_stats st;
                sim_round(&s, t, &st);
                for (size_t i = 0; i < s.contacts.len; i++)
                    pushes[s.contacts.v[i].m.src]++;
                wrong += s.replies.len != 0; /* blind: no feedback */
                CU_ASSERT_EQUAL(st.rumor_msgs, s.contacts.len);
                if (st.active == 0)
                    end = t;
            }
            CU_ASSERT_TRUE(end > 0);
            uint32_t informed = 0;
            for (gb_node_t u = 0; u < 200; u++) {
                informed += sim_inf(&s, u) >= 0;
                wrong += pushes[u] != (sim_inf(&s, u) >= 0 ? cases[c].pushes : 0);
            }
            CU_ASSERT_EQUAL(wrong, 0);
            CU_ASSERT_TRUE(informed >= cases[c].min_informed);
            sim_free(&s);
        }
}

/* ------------------------------------------------------------------ tests: coin */

/* Same seed, same run, message for message; another seed, another run. */
static void test_coin_determinism(void)
{
    static const char *const specs[] = {"stop=coin,k=3", "mode=push-pull,interest=blind,stop=coin"};
    for (size_t c = 0; c < 2; c++) {
        sim a, b, x;
        CU_ASSERT_EQUAL_FATAL(sim_init(&a, &gb_protocol_rumor, specs[c], "complete", 64, 2, 99,
                                       3, 1, CANONICAL),
                              0);
        CU_ASSERT_EQUAL_FATAL(sim_init(&b, &gb_protocol_rumor, specs[c], "complete", 64, 2, 99,
                                       3, 1, CANONICAL),
                              0);
        CU_ASSERT_EQUAL_FATAL(sim_init(&x, &gb_protocol_rumor, specs[c], "complete", 64, 2, 100,
                                       3, 1, CANONICAL),
                              0);
        uint32_t diff = 0, xdiff = 0;
        for (uint32_t t = 1; t <= 40; t++) {
            gb_round_stats sa, sb, sx;
            sim_round(&a, t, &sa);
            sim_round(&b, t, &sb);
            sim_round(&x, t, &sx);
            diff += memcmp(&sa, &sb, sizeof sa) != 0 || a.contacts.len != b.contacts.len ||
                    a.replies.len != b.replies.len;
            for (size_t i = 0; i < a.contacts.len && i < b.contacts.len; i++)
                diff += memcmp(&a.contacts.v[i], &b.contacts.v[i], sizeof(rec_msg)) != 0;
            for (size_t i = 0; i < a.replies.len && i < b.replies.len; i++)
                diff += memcmp(&a.replies.v[i], &b.replies.v[i], sizeof(rec_msg)) != 0;
            xdiff += sa.active != sx.active || sa.newly != sx.newly;
        }
        CU_ASSERT_EQUAL(diff, 0);
        CU_ASSERT_TRUE(xdiff > 0);
        for (gb_node_t u = 0; u < 64; u++)
            CU_ASSERT_EQUAL(sim_inf(&a, u), sim_inf(&b, u));
        sim_free(&a);
        sim_free(&b);
        sim_free(&x);
    }
}

/* interest=blind, stop=coin, k=4, push, fanout 1 on K_2000: each push removes its sender
 * with probability 1/4, independently, so the pushes of an informed node over its life are
 * geometric with mean 4 and variance (1 - p) / p^2 = 12. Over N informed nodes (5 seeds)
 * the mean lies within 5 sigma = 5 sqrt(12 / N) of 4. */
static void test_coin_mean(void)
{
    enum { N = 2000 };
    uint64_t pushes_total = 0, informed_total = 0;
    uint32_t *pushes = calloc(N, sizeof *pushes);
    CU_ASSERT_PTR_NOT_NULL_FATAL(pushes);
    for (uint64_t seed = 1; seed <= 5; seed++) {
        sim s;
        CU_ASSERT_EQUAL_FATAL(sim_init(&s, &gb_protocol_rumor, "interest=blind,stop=coin,k=4",
                                       "complete", N, 1, seed, 0, 1, CANONICAL),
                              0);
        memset(pushes, 0, N * sizeof *pushes);
        uint32_t end = 0, wrong = 0;
        for (uint32_t t = 1; t <= 1000 && end == 0; t++) {
            gb_round_stats st;
            sim_round(&s, t, &st);
            for (size_t i = 0; i < s.contacts.len; i++)
                pushes[s.contacts.v[i].m.src]++;
            wrong += st.rumor_msgs != s.contacts.len;
            if (st.active == 0)
                end = t;
        }
        CU_ASSERT_TRUE(end > 0);
        for (gb_node_t u = 0; u < N; u++) {
            int informed = sim_inf(&s, u) >= 0;
            wrong += informed ? pushes[u] == 0 : pushes[u] != 0;
            informed_total += (uint64_t)informed;
            pushes_total += pushes[u];
        }
        CU_ASSERT_EQUAL(wrong, 0);
        sim_free(&s);
    }
    free(pushes);
    CU_ASSERT_FATAL(informed_total > 5 * N / 2);
    double mean = (double)pushes_total / (double)informed_total;
    double bound = 5.0 * sqrt(12.0 / (double)informed_total);
    CU_ASSERT_TRUE(fabs(mean - 4.0) < bound);
    if (!(fabs(mean - 4.0) < bound))
        fprintf(stderr, "\n  coin: mean pushes %.4f over %llu nodes, bound 4 +- %.4f\n", mean,
                (unsigned long long)informed_total, bound);
}

/* ------------------------------------------------------------------ tests: pull, push-pull */

/* Pull (feedback; k=1 and the default k=2): every node sends fanout requests each round,
 * header only, flagged "knows" iff it knew at the start of the round; only infective nodes
 * (flag in their own request) answer, only requesters that lack the rumor, with the rumor;
 * with k=1 an infective node asked by a knower is removed at the end of that round, yet
 * answers the non-knowers of that round. */
static void test_pull_mode(void)
{
    enum { N = 16 };
    uint64_t same_round = 0, answers = 0;
    for (uint32_t k = 1; k <= 2; k++)
        for (uint32_t fanout = 1; fanout <= 2; fanout++)
            for (uint64_t seed = 1; seed <= 10; seed++) {
                char spec[64];
                snprintf(spec, sizeof spec, "mode=pull,k=%u", k);
                sim s;
                CU_ASSERT_EQUAL_FATAL(sim_init(&s, &gb_protocol_rumor, spec, "complete", N,
                                               fanout, seed, 0, 2, CANONICAL),
                                      0);
                uint32_t wrong = 0, end = 0;
                uint32_t flag[N] = {0}, prev_flag[N] = {0};
                uint8_t asked_by_knower[N], asked_by_other[N];
                for (uint32_t t = 1; t <= 300 && end == 0; t++) {
                    gb_round_stats st;
                    sim_round(&s, t, &st);
                    wrong += s.contacts.len != (size_t)N * fanout;
                    uint32_t sent[N] = {0};
                    memset(asked_by_knower, 0, sizeof asked_by_knower);
                    memset(asked_by_other, 0, sizeof asked_by_other);
                    for (size_t i = 0; i < s.contacts.len; i++) {
                        const rec_msg *m = &s.contacts.v[i];
                        sent[m->m.src]++;
                        flag[m->m.src] = m->m.arg;
                        wrong += m->m.kind != R_PULL || m->payload != 0;
                        wrong += !!(m->m.arg & A_KNOWS) != (s.start_inf[m->m.src] >= 0);
                        wrong += (m->m.arg & A_INF) && !(m->m.arg & A_KNOWS);
                    }
                    size_t expect_replies = 0;
                    for (size_t i = 0; i < s.contacts.len; i++) {
                        const rec_msg *m = &s.contacts.v[i];
                        if (!(flag[m->m.dst] & A_INF))
                            continue;
                        if (m->m.arg & A_KNOWS)
                            asked_by_knower[m->m.dst] = 1;
                        else {
                            asked_by_other[m->m.dst] = 1;
                            expect_replies++;
                        }
                    }
                    for (size_t i = 0; i < s.replies.len; i++) {
                        const rec_msg *m = &s.replies.v[i];
                        wrong += m->m.kind != R_PULL_REPLY || m->m.arg != A_RUMOR ||
                                 m->payload != PAYLOAD;
                        wrong += !(flag[m->m.src] & A_INF) || (flag[m->m.dst] & A_KNOWS);
                        wrong += sim_inf(&s, m->m.dst) != (int32_t)t;
                    }
                    wrong += s.replies.len != expect_replies;
                    answers += s.replies.len;
                    for (gb_node_t u = 0; u < N; u++) {
                        wrong += sent[u] != fanout;
                        /* k=1: infective in t+1 iff infective in t and not asked by a
                         * knower in t (checked when round t+1 is read) */
                        same_round += k == 1 && asked_by_knower[u] && asked_by_other[u];
                    }
                    if (t > 1 && k == 1)
                        for (gb_node_t u = 0; u < N; u++)
                            if (prev_flag[u] & A_INF)
                                wrong += !!(flag[u] & A_INF) != !(prev_flag[u] & 0x100u);
                    for (gb_node_t u = 0; u < N; u++)
                        prev_flag[u] = flag[u] | (asked_by_knower[u] ? 0x100u : 0);
                    wrong += st.rumor_msgs != s.replies.len;
                    if (st.active == 0)
                        end = t;
                }
                CU_ASSERT_EQUAL(wrong, 0);
                CU_ASSERT_TRUE(end > 0);
                sim_free(&s);
            }
    CU_ASSERT_TRUE(answers > 0);
    CU_ASSERT_TRUE(same_round > 0);
}

/* Push-pull (feedback, k = 1 and 2, fanout 1): one contact per node and round, carrying the
 * rumor iff its sender is infective; the contacted node v answers u with a reply that
 * carries the rumor iff v is infective and u lacks it, and the "already knew" flag iff u
 * pushed and v knew at the start of the round; no reply when neither holds. */
static void test_push_pull_mode(void)
{
    enum { N = 12 };
    uint64_t both = 0, knows_only = 0, rumor_only = 0;
    for (uint32_t k = 1; k <= 2; k++)
        for (uint64_t seed = 1; seed <= 15; seed++) {
            sim s;
            CU_ASSERT_EQUAL_FATAL(sim_init(&s, &gb_protocol_rumor,
                                           k == 1 ? "mode=push-pull,k=1" : "mode=push-pull",
                                           "complete", N, 1, seed, (gb_node_t)(seed % N), 3,
                                           REVERSED),
                                  0);
            uint32_t wrong = 0, end = 0;
            rec_outbox want;
            CU_ASSERT_EQUAL_FATAL(rec_init(&want, N), 0);
            for (uint32_t t = 1; t <= 300 && end == 0; t++) {
                gb_round_stats st;
                sim_round(&s, t, &st);
                uint32_t flag[N] = {0}, sent[N] = {0};
                wrong += s.contacts.len != N;
                for (size_t i = 0; i < s.contacts.len; i++) {
                    const rec_msg *m = &s.contacts.v[i];
                    flag[m->m.src] = m->m.arg;
                    sent[m->m.src]++;
                    wrong += m->m.kind != R_CONTACT;
                    wrong += m->payload != ((m->m.arg & A_INF) ? PAYLOAD : 0);
                    wrong += !!(m->m.arg & A_KNOWS) != (s.start_inf[m->m.src] >= 0);
                }
                for (gb_node_t u = 0; u < N; u++)
                    wrong += sent[u] != 1;
                rec_reset(&want);
                uint64_t carried = 0;
                for (size_t i = 0; i < s.contacts.len; i++) {
                    const gb_msg *m = &s.contacts.v[i].m;
                    uint32_t reply = 0;
                    if ((m->arg & A_INF) && (flag[m->dst] & A_KNOWS))
                        reply |= A_KNOWS;
                    if ((flag[m->dst] & A_INF) && !(m->arg & A_KNOWS))
                        reply |= A_RUMOR;
                    carried += (m->arg & A_INF) != 0;
                    if (reply == 0)
                        continue;
                    both += reply == (A_KNOWS | A_RUMOR);
                    knows_only += reply == A_KNOWS;
                    rumor_only += reply == A_RUMOR;
                    carried += (reply & A_RUMOR) != 0;
                    expect(&want, m->dst, m->src, R_CONTACT_REPLY, reply,
                           (reply & A_RUMOR) ? PAYLOAD : 0, 0);
                }
                char why[400];
                if (!same_msgs(&s.replies, &want, 0, why, sizeof why)) {
                    if (wrong == 0)
                        fprintf(stderr, "\n  push-pull round %u: %s\n", t, why);
                    wrong++;
                }
                wrong += st.rumor_msgs != carried;
                if (st.active == 0)
                    end = t;
            }
            rec_free(&want);
            CU_ASSERT_EQUAL(wrong, 0);
            CU_ASSERT_TRUE(end > 0);
            sim_free(&s);
        }
    /* A KNOWS-and-RUMOR reply is impossible: a pusher knows, so it gets no rumor back. */
    CU_ASSERT_EQUAL(both, 0);
    CU_ASSERT_TRUE(knows_only > 0);
    CU_ASSERT_TRUE(rumor_only > 0);
}

/* ------------------------------------------------------------------ tests: vs the model */

static void run_configs(const gb_protocol_ops *ops, const char *const *specs, size_t nspecs,
                        const uint32_t *sizes, size_t nsizes, uint64_t seeds, int check_dups,
                        check *c)
{
    static const enum order orders[] = {CANONICAL, REVERSED, EAGER, INLINE};
    unsigned variant = 0;
    for (size_t i = 0; i < nspecs; i++)
        for (size_t j = 0; j < nsizes; j++)
            for (uint32_t fanout = 1; fanout <= 2; fanout++)
                for (uint64_t seed = 1; seed <= seeds; seed++) {
                    uint32_t n = sizes[j];
                    uint32_t blocks = 1 + variant % (n < 4 ? n : 4);
                    enum order o = orders[(variant / 4) % 4];
                    variant++;
                    snprintf(c->label, sizeof c->label,
                             "%s '%s' n=%u fanout=%u seed=%llu blocks=%u order=%d", ops->name,
                             specs[i], n, fanout, (unsigned long long)seed, blocks, (int)o);
                    sim s;
                    CU_ASSERT_EQUAL_FATAL(sim_init(&s, ops, specs[i], "complete", n, fanout,
                                                   seed, (gb_node_t)((seed * 7) % n), blocks, o),
                                          0);
                    c->check_dups = check_dups;
                    run_checked(&s, 3000, c);
                    sim_free(&s);
                }
}

/* Every mode with feedback, blind push, blind pull / push-pull where reset cannot matter
 * (k=1, reset=0, coin), on n = 3, 4, 8, 64, fanout 1 and 2, every delivery order and 1-4
 * blocks: the model predicts every message, count and infection round. */
static void test_rumor_vs_model(void)
{
    static const char *const specs[] = {
        "mode=push",
        "mode=push,k=1",
        "mode=push,k=3",
        "mode=push,k=2,reset=0",
        "mode=push,k=4,reset=0",
        "mode=push,interest=blind,k=1",
        "mode=push,interest=blind,k=3",
        "mode=push,interest=blind,k=2,reset=0",
        "mode=push,stop=coin",
        "mode=push,interest=blind,stop=coin,k=3",
        "mode=pull",
        "mode=pull,k=1",
        "mode=pull,k=3,reset=0",
        "mode=pull,stop=coin,k=2",
        "mode=pull,interest=blind,k=1",
        "mode=pull,interest=blind,k=3,reset=0",
        "mode=pull,interest=blind,stop=coin,k=2",
        "mode=push-pull",
        "mode=push-pull,k=1",
        "mode=push-pull,k=3",
        "mode=push-pull,k=3,reset=0",
        "mode=push-pull,stop=coin,k=3",
        "mode=push-pull,interest=blind,k=1",
        "mode=push-pull,interest=blind,k=2,reset=0",
        "mode=push-pull,interest=blind,stop=coin,k=2",
    };
    static const uint32_t sizes[] = {3, 4, 8, 64};
    check c;
    memset(&c, 0, sizeof c);
    run_configs(&gb_protocol_rumor, specs, sizeof specs / sizeof specs[0], sizes, 4, 3, 1, &c);
    check_clean(&c);
    CU_ASSERT_TRUE(c.cov[COV_REMOVED] > 0);
    CU_ASSERT_TRUE(c.cov[COV_FEEDBACK] > 0);
    CU_ASSERT_TRUE(c.cov[COV_RESET] > 0);
    CU_ASSERT_TRUE(c.cov[COV_PULLED] > 0);
    CU_ASSERT_TRUE(c.cov[COV_SAME_ROUND] > 0);
}

/* interest=blind with stop=counter: "after every contact it made as a sender, necessary or
 * not", and reset is a feature of counter *with feedback* (rumor.c, and the reset param's
 * help "counter with feedback: 1 restarts the count after a necessary contact"). So with
 * blind, k=2 and the default reset=1 an infective node must lose interest after its second
 * counted contact in pull and push-pull too, whatever the contacts were. */
static void test_rumor_blind_no_reset(void)
{
    static const char *const specs[] = {
        "mode=pull,interest=blind,k=2",
        "mode=pull,interest=blind,k=3,reset=1",
        "mode=push-pull,interest=blind,k=2",
        "mode=push-pull,interest=blind,k=3,reset=1",
    };
    static const uint32_t sizes[] = {4, 16};
    check c;
    memset(&c, 0, sizeof c);
    run_configs(&gb_protocol_rumor, specs, sizeof specs / sizeof specs[0], sizes, 2, 3, 1, &c);
    check_clean(&c);

    /* The smallest case, by hand: pull, blind, k=2 on K_3, fanout 1. The source answers
     * every request it gets; each request counts; after two it must be removed. */
    uint32_t checked = 0, wrong = 0;
    for (uint64_t seed = 1; seed <= 64; seed++) {
        sim s;
        CU_ASSERT_EQUAL_FATAL(sim_init(&s, &gb_protocol_rumor, "mode=pull,interest=blind,k=2",
                                       "complete", 3, 1, seed, 0, 1, CANONICAL),
                              0);
        uint32_t counted = 0;
        for (uint32_t t = 1; t <= 100; t++) {
            gb_round_stats st;
            sim_round(&s, t, &st);
            const rec_msg *own = find_from(&s.contacts, 0);
            int infective = own != NULL && (own->m.arg & A_INF);
            if (!infective) {
                wrong += counted < 2; /* removed too early */
                break;
            }
            if (counted >= 2) {
                wrong++; /* still infective after two counted contacts */
                if (wrong == 1)
                    fprintf(stderr,
                            "\n  blind pull k=2 n=3 seed %llu: source still infective in "
                            "round %u after %u requests\n",
                            (unsigned long long)seed, t, counted);
                break;
            }
            for (size_t i = 0; i < s.contacts.len; i++)
                counted += s.contacts.v[i].m.dst == 0;
            checked++;
        }
        sim_free(&s);
    }
    CU_ASSERT_TRUE(checked > 0);
    CU_ASSERT_EQUAL(wrong, 0);
}

/* ------------------------------------------------------------------ tests: commutative */

/* Reversed, eager and inline delivery and splits into 2-4 blocks give, round by round, the same
 * counts, the same messages (content; seq of replies may differ) and the same infection
 * rounds as canonical delivery in one block. */
static void test_commutative(void)
{
    static const struct {
        const gb_protocol_ops *ops;
        const char *spec;
    } cfg[] = {{&gb_protocol_rumor, "mode=push"},
               {&gb_protocol_rumor, "mode=push,stop=coin,k=2"},
               {&gb_protocol_rumor, "mode=pull,k=1"},
               {&gb_protocol_rumor, "mode=pull,interest=blind,stop=coin,k=3"},
               {&gb_protocol_rumor, "mode=push-pull,k=2,reset=0"},
               {&gb_protocol_rumor, "mode=push-pull,interest=blind,k=2"},
               {&gb_protocol_median_counter, ""},
               {&gb_protocol_median_counter, "ctr_max=3,c_rounds=2"}};
    static const struct {
        enum order o;
        uint32_t blocks;
    } alt[] = {{REVERSED, 1}, {CANONICAL, 2}, {REVERSED, 3}, {EAGER, 4}, {EAGER, 1},
               {INLINE, 1}, {INLINE, 3}};
    enum { NALT = sizeof alt / sizeof alt[0] };
    uint32_t wrong = 0;
    for (size_t c = 0; c < sizeof cfg / sizeof cfg[0]; c++)
        for (uint32_t fanout = 1; fanout <= 3; fanout += 2) {
            int mc = cfg[c].ops == &gb_protocol_median_counter;
            sim ref_sim, a[NALT];
            CU_ASSERT_EQUAL_FATAL(sim_init(&ref_sim, cfg[c].ops, cfg[c].spec, "complete", 64,
                                           fanout, 31 + c, 5, 1, CANONICAL),
                                  0);
            for (int i = 0; i < NALT; i++)
                CU_ASSERT_EQUAL_FATAL(sim_init(&a[i], cfg[c].ops, cfg[c].spec, "complete", 64,
                                               fanout, 31 + c, 5, alt[i].blocks, alt[i].o),
                                      0);
            uint32_t end = 0;
            for (uint32_t t = 1; t <= 500 && end == 0; t++) {
                gb_round_stats sr, sx;
                sim_round(&ref_sim, t, &sr);
                for (int i = 0; i < NALT; i++) {
                    sim_round(&a[i], t, &sx);
                    char why[400];
                    int bad = sx.informed != sr.informed || sx.newly != sr.newly ||
                              sx.active != sr.active || sx.duplicates != sr.duplicates ||
                              sx.rumor_msgs != sr.rumor_msgs ||
                              !same_msgs(&a[i].contacts, &ref_sim.contacts, mc, why,
                                         sizeof why) ||
                              !same_msgs(&a[i].replies, &ref_sim.replies, mc, why, sizeof why);
                    if (bad && wrong == 0)
                        fprintf(stderr, "\n  commutative: %s '%s' variant %d round %u differs\n",
                                cfg[c].ops->name, cfg[c].spec, i, t);
                    wrong += bad;
                    wrong += a[i].bad_rc != 0;
                }
                if (sr.active == 0)
                    end = t;
            }
            CU_ASSERT_TRUE(end > 0);
            for (int i = 0; i < NALT; i++) {
                for (gb_node_t u = 0; u < 64; u++)
                    wrong += sim_inf(&a[i], u) != sim_inf(&ref_sim, u);
                sim_free(&a[i]);
            }
            sim_free(&ref_sim);
        }
    CU_ASSERT_EQUAL(wrong, 0);
}

/* ------------------------------------------------------------------ tests: median-counter */

/* Hand-driven median-counter on n = 8 (one block): crafted calls and answers, states read
 * back from each node's own call at the start of the next round. */
typedef struct mc_hand {
    sim s;
    uint32_t round;
    uint32_t bad;
} mc_hand;

/* State of node u at the start of the current round, as its call says (kind << 8 | ctr),
 * with the call's payload checked: the rumor iff B or C. */
static uint32_t mc_state(mc_hand *h, gb_node_t u)
{
    rec_reset(&h->s.contacts);
    if (h->s.ops->contact(h->s.state[0], h->round, u, &h->s.contacts.base) < 0 ||
        h->s.contacts.len != h->s.env[0].fanout) {
        h->bad++;
        return 0xffffffffu;
    }
    const rec_msg *m = &h->s.contacts.v[0];
    if (m->m.kind != MC_CALL || m->meta != 1 ||
        m->payload != (mc_spreading(KIND_OF(m->m.arg)) ? PAYLOAD : 0))
        h->bad++;
    uint32_t arg = m->m.arg;
    return KIND_OF(arg) == MC_D ? PACK(MC_D, 0) : arg;
}

/* Node u is called by a partner in state (kind, ctr); its answer must carry u's state. */
static void mc_called(mc_hand *h, gb_node_t u, uint32_t kind, uint32_t ctr)
{
    gb_node_t src = u == 7 ? 6 : 7;
    gb_msg m = {.src = src, .dst = u, .kind = MC_CALL, .seq = 0, .arg = PACK(kind, ctr)};
    rec_reset(&h->s.replies);
    if (h->s.ops->on_contact(h->s.state[0], h->round, &m, &h->s.replies.base) != 0 ||
        h->s.replies.len != 1)
        h->bad++;
    else {
        const rec_msg *a = &h->s.replies.v[0];
        if (a->m.kind != MC_ANSWER || a->m.src != u || a->m.dst != src || a->meta != 1)
            h->bad++;
    }
}

/* Node u gets an answer from a partner in state (kind, ctr). */
static void mc_answered(mc_hand *h, gb_node_t u, uint32_t kind, uint32_t ctr)
{
    gb_msg m = {.src = u == 7 ? 6 : 7, .dst = u, .kind = MC_ANSWER, .seq = 0,
                .arg = PACK(kind, ctr)};
    if (h->s.ops->on_reply(h->s.state[0], h->round, &m) != 0)
        h->bad++;
}

static void mc_end(mc_hand *h, gb_round_stats *st)
{
    h->s.ops->end_round(h->s.state[0], h->round, st);
    h->round++;
}

static void test_mc_hand(void)
{
    mc_hand h;
    memset(&h, 0, sizeof h);
    h.round = 1;
    CU_ASSERT_EQUAL_FATAL(sim_init(&h.s, &gb_protocol_median_counter, "ctr_max=4,c_rounds=2",
                                   "complete", 8, 1, 5, 0, 1, CANONICAL),
                          0);
    gb_round_stats st;
    /* Round 1. The source starts in B-1, the others in A (their calls carry nothing). */
    CU_ASSERT_EQUAL(mc_state(&h, 0), PACK(MC_B, 1));
    for (gb_node_t u = 1; u < 8; u++)
        CU_ASSERT_EQUAL(mc_state(&h, u), PACK(MC_A, 0));
    /* 0 (B-1): two ahead (B-1: m' >= m counts, B-2), one behind (A): 2 > 1, counter + 1.
     * Its answer carries the rumor and its start-of-round state. */
    mc_called(&h, 0, MC_B, 1);
    CU_ASSERT_EQUAL(h.s.replies.v[0].m.arg, PACK(MC_B, 1));
    CU_ASSERT_EQUAL(h.s.replies.v[0].payload, PAYLOAD);
    mc_called(&h, 0, MC_B, 2);
    mc_answered(&h, 0, MC_A, 0);
    /* 4 (A) hears from B partners only: B-1. */
    mc_called(&h, 4, MC_B, 1);
    CU_ASSERT_EQUAL(h.s.replies.v[0].payload, 0); /* an A answer carries nothing */
    mc_answered(&h, 4, MC_B, 3);
    /* 5 (A) hears from a B and a C partner: C-1. */
    mc_answered(&h, 5, MC_B, 3);
    mc_called(&h, 5, MC_C, 1);
    /* 6 (A) hears from D and A partners only: stays A (D does not carry the rumor). */
    mc_called(&h, 6, MC_D, 0);
    mc_answered(&h, 6, MC_A, 0);
    mc_end(&h, &st);
    CU_ASSERT_EQUAL(st.newly, 2);
    CU_ASSERT_EQUAL(st.informed, 3);
    CU_ASSERT_EQUAL(st.active, 3);
    CU_ASSERT_EQUAL(sim_inf(&h.s, 4), 1);
    CU_ASSERT_EQUAL(sim_inf(&h.s, 5), 1);
    CU_ASSERT_EQUAL(sim_inf(&h.s, 6), -1);
    CU_ASSERT_EQUAL(sim_inf(&h.s, 0), 0);

    /* Round 2. */
    CU_ASSERT_EQUAL(mc_state(&h, 0), PACK(MC_B, 2));
    CU_ASSERT_EQUAL(mc_state(&h, 4), PACK(MC_B, 1));
    CU_ASSERT_EQUAL(mc_state(&h, 5), PACK(MC_C, 1));
    CU_ASSERT_EQUAL(mc_state(&h, 6), PACK(MC_A, 0));
    /* 0 (B-2): B-1 behind, B-2 ahead: a tie, no increment. */
    mc_called(&h, 0, MC_B, 1);
    mc_answered(&h, 0, MC_B, 2);
    /* 4 (B-1): one ahead (D), none behind. */
    mc_called(&h, 4, MC_D, 0);
    /* 5 (C-1) hears from an A: C goes on regardless. */
    mc_called(&h, 5, MC_A, 0);
    CU_ASSERT_EQUAL(h.s.replies.v[0].m.arg, PACK(MC_C, 1));
    CU_ASSERT_EQUAL(h.s.replies.v[0].payload, PAYLOAD);
    mc_end(&h, &st);
    CU_ASSERT_EQUAL(st.newly, 0);
    CU_ASSERT_EQUAL(st.active, 3);

    /* Round 3. */
    CU_ASSERT_EQUAL(mc_state(&h, 0), PACK(MC_B, 2));
    CU_ASSERT_EQUAL(mc_state(&h, 4), PACK(MC_B, 2));
    CU_ASSERT_EQUAL(mc_state(&h, 5), PACK(MC_C, 2));
    /* 0 (B-2): ahead B-3 and D, behind A: 2 > 1. */
    mc_called(&h, 0, MC_B, 3);
    mc_called(&h, 0, MC_D, 0);
    mc_answered(&h, 0, MC_A, 0);
    /* 4 (B-2): behind A, A, ahead C-1: the C partner wins, C-1. */
    mc_called(&h, 4, MC_A, 0);
    mc_called(&h, 4, MC_A, 0);
    mc_answered(&h, 4, MC_C, 1);
    /* 5 (C-2), c_rounds = 2: D after this round. */
    mc_end(&h, &st);
    CU_ASSERT_EQUAL(st.active, 2);

    /* Round 4. */
    CU_ASSERT_EQUAL(mc_state(&h, 0), PACK(MC_B, 3));
    CU_ASSERT_EQUAL(mc_state(&h, 4), PACK(MC_C, 1));
    CU_ASSERT_EQUAL(mc_state(&h, 5), PACK(MC_D, 0)); /* its call carries no rumor */
    /* 0 (B-3): 1 ahead, 0 behind: counter 4 = ctr_max: C-1. */
    mc_answered(&h, 0, MC_B, 3);
    /* 5 (D) gets the rumor again: stays D, its answer carries nothing. */
    mc_called(&h, 5, MC_B, 2);
    CU_ASSERT_EQUAL(KIND_OF(h.s.replies.v[0].m.arg), MC_D);
    CU_ASSERT_EQUAL(h.s.replies.v[0].payload, 0);
    mc_end(&h, &st);
    CU_ASSERT_EQUAL(st.active, 2);

    /* Rounds 5-7: 0 in C-1, C-2, then D; 4 in C-2 then D. Nobody hears anything: a B node
     * with no partners keeps its counter (checked with a fresh node below). */
    CU_ASSERT_EQUAL(mc_state(&h, 0), PACK(MC_C, 1));
    CU_ASSERT_EQUAL(mc_state(&h, 4), PACK(MC_C, 2));
    mc_end(&h, &st);
    CU_ASSERT_EQUAL(st.active, 1);
    CU_ASSERT_EQUAL(mc_state(&h, 0), PACK(MC_C, 2));
    CU_ASSERT_EQUAL(mc_state(&h, 4), PACK(MC_D, 0));
    mc_end(&h, &st);
    CU_ASSERT_EQUAL(st.active, 0);
    CU_ASSERT_EQUAL(mc_state(&h, 0), PACK(MC_D, 0));
    CU_ASSERT_EQUAL(st.informed, 3);
    CU_ASSERT_EQUAL(h.bad, 0);
    sim_free(&h.s);
}

/* Rounds a fresh source spends in B (fed one "ahead" partner each round) and then in C,
 * for n and params: (ctr_max - 1, c_rounds). */
static void mc_phases(uint32_t n, const char *spec, uint32_t *b_rounds, uint32_t *c_rounds)
{
    mc_hand h;
    memset(&h, 0, sizeof h);
    h.round = 1;
    *b_rounds = *c_rounds = 0;
    CU_ASSERT_EQUAL_FATAL(sim_init(&h.s, &gb_protocol_median_counter, spec, "complete", n, 1,
                                   1, 0, 1, CANONICAL),
                          0);
    gb_round_stats st;
    /* A B node that hears nothing keeps its counter. */
    mc_end(&h, &st);
    CU_ASSERT_EQUAL(mc_state(&h, 0), PACK(MC_B, 1));
    for (uint32_t t = 0; t < 600; t++) {
        uint32_t s0 = mc_state(&h, 0);
        if (KIND_OF(s0) == MC_B) {
            CU_ASSERT_EQUAL(CTR_OF(s0), *b_rounds + 1);
            (*b_rounds)++;
            mc_answered(&h, 0, MC_D, 0);
        } else if (KIND_OF(s0) == MC_C) {
            CU_ASSERT_EQUAL(CTR_OF(s0), *c_rounds + 1);
            (*c_rounds)++;
        } else {
            break;
        }
        mc_end(&h, &st);
    }
    CU_ASSERT_EQUAL(KIND_OF(mc_state(&h, 0)), MC_D);
    CU_ASSERT_EQUAL(h.bad, 0);
    sim_free(&h.s);
}

/* ctr_max and c_rounds as given, and their defaults ceil(log2 log2 n) + 1. */
static void test_mc_params(void)
{
    static const struct {
        uint32_t n;
        const char *spec;
        uint32_t b, c;
    } cases[] = {{8, "ctr_max=2,c_rounds=1", 1, 1},
                 {8, "ctr_max=7,c_rounds=4", 6, 4},
                 {8, "c_rounds=3", 2, 3},           /* default ctr_max(8) = 2 + 1 */
                 {16, "", 2, 3},                    /* log2 log2 16 = 2 */
                 {17, "ctr_max=5", 4, 4},           /* ceil(log2 log2 17) = 3 */
                 {4096, "", 4, 5},                  /* ceil(log2 12) = 4 */
                 {65536, "", 4, 5},                 /* log2 log2 65536 = 4 */
                 {65537, "c_rounds=2", 5, 2}};      /* ceil(log2 16.00002) = 5 */
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint32_t b, c;
        mc_phases(cases[i].n, cases[i].spec, &b, &c);
        CU_ASSERT_EQUAL(b, cases[i].b);
        CU_ASSERT_EQUAL(c, cases[i].c);
    }
    CU_ASSERT_EQUAL(mc_default(16), 3);
    CU_ASSERT_EQUAL(mc_default(4096), 5);
}

/* Whole runs against the model: every node (A and D too) calls fanout peers each round and
 * is answered; only B and C calls and answers carry the rumor, and rumor_msgs counts just
 * those; the median rule, C partners, ctr_max and c_rounds as specified; the run ends. */
static void test_mc_vs_model(void)
{
    static const char *const specs[] = {"", "ctr_max=2", "ctr_max=3,c_rounds=1", "c_rounds=4",
                                        "ctr_max=6,c_rounds=2"};
    static const uint32_t sizes[] = {3, 8, 64, 300};
    check c;
    memset(&c, 0, sizeof c);
    run_configs(&gb_protocol_median_counter, specs, sizeof specs / sizeof specs[0], sizes, 4, 2,
                0, &c);
    check_clean(&c);
    CU_ASSERT_TRUE(c.cov[COV_MC_UP] > 0);
    CU_ASSERT_TRUE(c.cov[COV_MC_TIE] > 0);
    CU_ASSERT_TRUE(c.cov[COV_MC_CTR_TO_C] > 0);
    CU_ASSERT_TRUE(c.cov[COV_MC_PARTNER_TO_C] > 0);
    CU_ASSERT_TRUE(c.cov[COV_MC_A_TO_C] > 0);
    CU_ASSERT_TRUE(c.cov[COV_MC_TO_D] > 0);
}

/* n = 4096, defaults, fanout 1: the run stops by itself and informs every node (residue 0)
 * for several seeds. Traffic is O(n log log n): a node spreads for about ctr_max - 1 +
 * c_rounds = 9 rounds, its own call and on average one answer carrying the rumor, so about
 * 20 n (21.3 n observed); 30 n is a loose sanity bound. */
static void test_mc_residue(void)
{
    enum { N = 4096 };
    for (uint64_t seed = 1; seed <= 4; seed++) {
        sim s;
        CU_ASSERT_EQUAL_FATAL(sim_init(&s, &gb_protocol_median_counter, NULL, "complete", N, 1,
                                       seed, (gb_node_t)(seed * 1000), 1, CANONICAL),
                              0);
        uint64_t informed = 0, msgs = 0, calls = 0;
        uint32_t end = 0;
        for (uint32_t t = 1; t <= 200 && end == 0; t++) {
            gb_round_stats st;
            sim_round(&s, t, &st);
            calls += s.contacts.len != N || s.replies.len != N;
            CU_ASSERT_EQUAL(st.rumor_msgs, s.carried);
            informed = st.informed;
            msgs += st.rumor_msgs;
            if (st.active == 0)
                end = t;
        }
        CU_ASSERT_EQUAL(calls, 0);
        CU_ASSERT_TRUE(end > 0 && end < 100);
        CU_ASSERT_EQUAL(informed, N);
        CU_ASSERT_TRUE(msgs < 30ull * N);
        sim_free(&s);
    }
}

/* duplicates ("rumor deliveries to nodes that already had it"): every rumor-carrying call
 * or answer that reaches a node in B, C or D at the start of the round is one, and, as in
 * rumor and the push family, so is a second delivery to an A node in the same round
 * (duplicates = deliveries - newly). */
static void test_mc_duplicates(void)
{
    /* By hand on n = 8, source 0 in B-1. Round 1: node 0 is called by a B-1 partner; it
     * had the rumor: 1 duplicate. Round 2: node 3 (A) is called by one B partner and answered
     * by another: informed once, and the second delivery is a duplicate, as rumor and the
     * push family count it. */
    mc_hand h;
    memset(&h, 0, sizeof h);
    h.round = 1;
    CU_ASSERT_EQUAL_FATAL(sim_init(&h.s, &gb_protocol_median_counter, "", "complete", 8, 1, 5,
                                   0, 1, CANONICAL),
                          0);
    gb_round_stats hs;
    mc_called(&h, 0, MC_B, 1);
    mc_end(&h, &hs);
    CU_ASSERT_EQUAL(hs.duplicates, 1);
    mc_called(&h, 3, MC_B, 1);
    mc_answered(&h, 3, MC_B, 2);
    mc_end(&h, &hs);
    CU_ASSERT_EQUAL(hs.newly, 1);
    CU_ASSERT_EQUAL(hs.duplicates, 1);
    CU_ASSERT_EQUAL(h.bad, 0);
    sim_free(&h.s);

    uint64_t known = 0, reported = 0, family = 0, rounds_low = 0, rounds_family = 0;
    for (uint64_t seed = 1; seed <= 3; seed++) {
        sim s;
        CU_ASSERT_EQUAL_FATAL(sim_init(&s, &gb_protocol_median_counter, NULL, "complete", 64, 1,
                                       seed, 0, 2, CANONICAL),
                              0);
        ref r;
        CU_ASSERT_EQUAL_FATAL(ref_init(&r, &s), 0);
        for (uint32_t t = 1; t <= 100; t++) {
            gb_round_stats st, rs;
            sim_round(&s, t, &st);
            ref_round(&r, t, &rs);
            known += r.dup_known;
            family += rs.duplicates;
            reported += st.duplicates;
            rounds_low += st.duplicates < r.dup_known;
            rounds_family += st.duplicates != rs.duplicates;
            if (st.active == 0 && rs.active == 0)
                break;
        }
        ref_free(&r);
        sim_free(&s);
    }
    if (rounds_low || rounds_family)
        fprintf(stderr,
                "\n  median-counter duplicates: reported %llu, deliveries to B/C/D nodes %llu, "
                "deliveries - newly %llu\n",
                (unsigned long long)reported, (unsigned long long)known,
                (unsigned long long)family);
    CU_ASSERT_TRUE(known > 0);
    CU_ASSERT_EQUAL(rounds_low, 0);
    CU_ASSERT_EQUAL(rounds_family, 0);
}

/* ------------------------------------------------------------------ tests: bad input */

/* Unknown kinds, and kinds of the wrong phase or of the other protocol, are rejected with a
 * negative code, change nothing and send nothing; a failing send() is passed on. */
static void test_unknown_kinds(void)
{
    static const uint16_t unknown[] = {0,  GB_MSG_PUSH, GB_MSG_PULL_REQ, GB_MSG_PULL_REPLY, 9,
                                       16, 19,          22,              99,                0xffff};
    static const struct {
        const gb_protocol_ops *ops;
        const char *spec;
        uint16_t contact_kinds[3], reply_kinds[3]; /* the valid ones */
        uint16_t foreign[2];
    } cfg[] = {
        {&gb_protocol_rumor, "mode=push", {R_PUSH, R_PULL, R_CONTACT},
         {R_KNEW, R_PULL_REPLY, R_CONTACT_REPLY}, {MC_CALL, MC_ANSWER}},
        {&gb_protocol_rumor, "mode=push-pull,interest=blind", {R_PUSH, R_PULL, R_CONTACT},
         {R_KNEW, R_PULL_REPLY, R_CONTACT_REPLY}, {MC_CALL, MC_ANSWER}},
        {&gb_protocol_median_counter, "", {MC_CALL, MC_CALL, MC_CALL},
         {MC_ANSWER, MC_ANSWER, MC_ANSWER}, {R_PUSH, R_CONTACT_REPLY}},
    };
    for (size_t c = 0; c < sizeof cfg / sizeof cfg[0]; c++) {
        sim s;
        CU_ASSERT_EQUAL_FATAL(sim_init(&s, cfg[c].ops, cfg[c].spec, "complete", 8, 1, 1, 0, 1,
                                       CANONICAL),
                              0);
        rec_reset(&s.replies);
        void *state = s.state[0];
        uint16_t kinds[32];
        size_t nk = 0;
        for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++)
            kinds[nk++] = unknown[i];
        kinds[nk++] = cfg[c].foreign[0];
        kinds[nk++] = cfg[c].foreign[1];
        for (size_t i = 0; i < nk; i++)
            for (uint32_t arg = 0; arg <= PACK(MC_C, 1); arg += PACK(MC_C, 1)) {
                /* from the source (infective / B) to an uninformed node and back */
                gb_msg to3 = {.src = 0, .dst = 3, .kind = kinds[i], .seq = 0,
                              .arg = arg | A_KNOWS | A_INF | A_RUMOR};
                gb_msg to0 = {.src = 3, .dst = 0, .kind = kinds[i], .seq = 0, .arg = arg};
                CU_ASSERT_TRUE(cfg[c].ops->on_contact(state, 1, &to3, &s.replies.base) < 0);
                CU_ASSERT_TRUE(cfg[c].ops->on_contact(state, 1, &to0, &s.replies.base) < 0);
                CU_ASSERT_TRUE(cfg[c].ops->on_reply(state, 1, &to3) < 0);
                CU_ASSERT_TRUE(cfg[c].ops->on_reply(state, 1, &to0) < 0);
            }
        /* A reply kind in the contact phase, a contact kind as a reply. */
        for (int i = 0; i < 3; i++) {
            gb_msg m = {.src = 0, .dst = 3, .kind = cfg[c].reply_kinds[i], .seq = 0,
                        .arg = A_RUMOR | PACK(MC_B, 1)};
            CU_ASSERT_TRUE(cfg[c].ops->on_contact(state, 1, &m, &s.replies.base) < 0);
            m.kind = cfg[c].contact_kinds[i];
            CU_ASSERT_TRUE(cfg[c].ops->on_reply(state, 1, &m) < 0);
        }
        CU_ASSERT_EQUAL(s.replies.len, 0);
        gb_round_stats st;
        cfg[c].ops->end_round(state, 1, &st);
        CU_ASSERT_EQUAL(st.newly, 0);
        CU_ASSERT_EQUAL(st.informed, 1);
        CU_ASSERT_EQUAL(st.duplicates, 0);
        CU_ASSERT_EQUAL(st.rumor_msgs, 0);
        CU_ASSERT_EQUAL(st.active, 1);
        CU_ASSERT_EQUAL(sim_inf(&s, 3), -1);
        CU_ASSERT_EQUAL(sim_inf(&s, 0), 0);

        /* A failing send() is returned by contact() (the source always sends). */
        s.contacts.fail = 1;
        CU_ASSERT_EQUAL(cfg[c].ops->contact(state, 2, 0, &s.contacts.base), GB_ENOMEM);
        s.contacts.fail = 0;
        sim_free(&s);
    }
}

int gb_test_register_protocol_rumor(void)
{
    CU_pSuite s = CU_add_suite("protocol_rumor", NULL, NULL);
    if (s == NULL)
        return CU_get_error();
    if (CU_add_test(s, "registry and flags", test_registry) == NULL ||
        CU_add_test(s, "rumor: parameters", test_rumor_params) == NULL ||
        CU_add_test(s, "init rejects bad values and fanout", test_init_errors) == NULL ||
        CU_add_test(s, "push/feedback/counter on K_3 by hand", test_push_tiny) == NULL ||
        CU_add_test(s, "push/feedback/counter k=2: reset=0/1 histories",
                    test_push_counter_history) == NULL ||
        CU_add_test(s, "blind counter: ceil(k/fanout) rounds of pushes", test_blind_counter) ==
            NULL ||
        CU_add_test(s, "coin: same seed, same run", test_coin_determinism) == NULL ||
        CU_add_test(s, "coin: blind k=4 pushes per node ~ geometric(1/4)", test_coin_mean) ==
            NULL ||
        CU_add_test(s, "pull: requests, flags and answers", test_pull_mode) == NULL ||
        CU_add_test(s, "push-pull: contacts and replies", test_push_pull_mode) == NULL ||
        CU_add_test(s, "rumor: every mode against the model", test_rumor_vs_model) == NULL ||
        CU_add_test(s, "rumor: blind counter ignores reset (pull, push-pull)",
                    test_rumor_blind_no_reset) == NULL ||
        CU_add_test(s, "commutative: orders and blocks agree", test_commutative) == NULL ||
        CU_add_test(s, "median-counter: states by hand", test_mc_hand) == NULL ||
        CU_add_test(s, "median-counter: ctr_max, c_rounds and defaults", test_mc_params) ==
            NULL ||
        CU_add_test(s, "median-counter: whole runs against the model", test_mc_vs_model) ==
            NULL ||
        CU_add_test(s, "median-counter: n=4096 residue 0", test_mc_residue) == NULL ||
        CU_add_test(s, "median-counter: duplicates counted", test_mc_duplicates) == NULL ||
        CU_add_test(s, "unknown message kinds rejected", test_unknown_kinds) == NULL)
        return CU_get_error();
    return CUE_SUCCESS;
}
