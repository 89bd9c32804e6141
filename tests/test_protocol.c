/* test_protocol.c: push, pull and push-pull driven through their ops by a tiny
 * single-process engine written here, so that the protocols are checked against the round
 * semantics of DESIGN.md ("Rounds") and gb_protocol.h without the real engine or MPI.
 *
 * The harness ("sim") keeps one outbox for the contact phase and one for the reply phase.
 * Each records every message with its modelled payload and metadata bytes and sets seq per
 * sender and phase. A round is: contact() for every node in id order, on_contact() for each
 * contact message, on_reply() for each reply, end_round(). Delivery orders:
 *   CANONICAL  (sender id, seq), as the engine does for any protocol;
 *   REVERSED   the opposite order, allowed for GB_PROTO_COMMUTATIVE protocols;
 *   EAGER      each node's messages are delivered (and their replies too) right after its
 *              contact() call, before the next node's contact(): also allowed under
 *              GB_PROTO_COMMUTATIVE, and the harshest test of "decisions use start-of-round
 *              state", because later nodes see state already changed in this round.
 * The nodes may be split into several blocks, each with its own protocol state (as ranks
 * hold them); results must not depend on the split. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <CUnit/CUnit.h>

#include "gb_common.h"
#include "gb_params.h"
#include "gb_protocol.h"
#include "gb_topology.h"
#include "tests.h"

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
} rec_outbox;

static int rec_send(gb_outbox *ob, gb_msg *m, uint32_t payload_bytes, uint32_t meta_bytes)
{
    rec_outbox *o = (rec_outbox *)ob;
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

/* Sorts a phase's messages into canonical order (an empty outbox may have no array). */
static void rec_sort(rec_outbox *o)
{
    if (o->len > 1)
        qsort(o->v, o->len, sizeof *o->v, cmp_canonical);
}

/* ------------------------------------------------------------------ the tiny engine */

enum order { CANONICAL, REVERSED, EAGER };

#define MAX_BLOCKS 4

typedef struct sim {
    const gb_protocol_ops *ops;
    gb_topology *topo;
    uint32_t n, nblocks;
    gb_proto_env env[MAX_BLOCKS];
    void *state[MAX_BLOCKS];
    gb_params params; /* the protocol's defaults */
    enum order order;
    rec_outbox contacts, replies;
    rec_outbox log; /* every message of every round, in sending order */
    int32_t *start_inf; /* infection rounds at the start of the current round */
    uint8_t *has;       /* the harness's own view: node has received the rumor */
    uint64_t dups;      /* rumor deliveries to nodes that had it, this round */
    uint64_t bad_rc;    /* handler calls that returned an error */
    uint64_t late_senders; /* contact messages from nodes informed in this round */
    uint64_t bad_replies;  /* replies from nodes that did not know at the start */
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
    uint32_t b = sim_owner(s, u);
    return s->ops->infection_round(s->state[b], u);
}

static void sim_free(sim *s)
{
    for (uint32_t b = 0; b < s->nblocks; b++)
        if (s->state[b] != NULL)
            s->ops->fini(s->state[b]);
    gb_topology_free(s->topo);
    rec_free(&s->contacts);
    rec_free(&s->replies);
    rec_free(&s->log);
    free(s->start_inf);
    free(s->has);
    memset(s, 0, sizeof *s);
}

/* Builds the topology from spec and the protocol state split into nblocks blocks. */
static int sim_init(sim *s, const gb_protocol_ops *ops, const char *topo_spec, uint32_t n,
                    uint32_t fanout, uint64_t seed, gb_node_t source, uint32_t nblocks,
                    enum order order)
{
    memset(s, 0, sizeof *s);
    if (nblocks == 0 || nblocks > MAX_BLOCKS || source >= n)
        return GB_EINVAL;
    char err[GB_ERRLEN] = "";
    gb_params tp;
    int rc = gb_topology_create_spec(topo_spec, n, seed, &s->topo, &tp, err);
    if (rc < 0) {
        fprintf(stderr, "test_protocol: topology '%s': %s\n", topo_spec, err);
        return rc;
    }
    s->ops = ops;
    s->n = n;
    s->nblocks = nblocks;
    if (gb_params_parse(&s->params, ops->params, "", "protocol", ops->name, err) < 0) {
        fprintf(stderr, "test_protocol: params of '%s': %s\n", ops->name, err);
        gb_topology_free(s->topo);
        return GB_EINVAL;
    }
    s->order = order;
    if (rec_init(&s->contacts, n) < 0 || rec_init(&s->replies, n) < 0 ||
        rec_init(&s->log, n) < 0)
        goto nomem;
    s->start_inf = calloc(n, sizeof *s->start_inf);
    s->has = calloc(n, 1);
    if (s->start_inf == NULL || s->has == NULL)
        goto nomem;
    s->has[source] = 1;
    for (uint32_t b = 0; b < nblocks; b++) {
        uint32_t lo = (uint32_t)((uint64_t)n * b / nblocks);
        uint32_t hi = (uint32_t)((uint64_t)n * (b + 1) / nblocks);
        s->env[b] = (gb_proto_env){.topo = s->topo,
                                   .n = n,
                                   .first = lo,
                                   .count = hi - lo,
                                   .fanout = fanout,
                                   .payload = 100,
                                   .seed = seed,
                                   .trial = 0,
                                   .source = source,
                                   .params = &s->params};
        rc = ops->init(&s->env[b], &s->state[b], err);
        if (rc < 0) {
            fprintf(stderr, "test_protocol: init '%s': %s\n", ops->name, err);
            s->nblocks = b;
            sim_free(s);
            return rc;
        }
    }
    return 0;
nomem:
    sim_free(s);
    return GB_ENOMEM;
}

/* The harness's own count of rumor deliveries to nodes that already had it. */
static void count_rumor(sim *s, gb_node_t u)
{
    if (s->has[u])
        s->dups++;
    else
        s->has[u] = 1;
}

static void deliver_contact(sim *s, uint32_t round, const gb_msg *m)
{
    if (m->kind == GB_MSG_PUSH)
        count_rumor(s, m->dst);
    int rc = s->ops->on_contact(s->state[sim_owner(s, m->dst)], round, m, &s->replies.base);
    if (rc < 0)
        s->bad_rc++;
}

static void deliver_reply(sim *s, uint32_t round, const gb_msg *m)
{
    if (m->kind == GB_MSG_PULL_REPLY)
        count_rumor(s, m->dst);
    if (s->start_inf[m->src] < 0 || (uint32_t)s->start_inf[m->src] >= round)
        s->bad_replies++;
    int rc = s->ops->on_reply(s->state[sim_owner(s, m->dst)], round, m);
    if (rc < 0)
        s->bad_rc++;
}

/* Phase 1: snapshot start-of-round state and run contact() for every node. In EAGER order
 * each node's messages and their replies are delivered at once. */
static void sim_contact_phase(sim *s, uint32_t round)
{
    rec_reset(&s->contacts);
    rec_reset(&s->replies);
    s->dups = 0;
    for (gb_node_t u = 0; u < s->n; u++)
        s->start_inf[u] = sim_inf(s, u);
    for (gb_node_t u = 0; u < s->n; u++) {
        size_t c0 = s->contacts.len;
        int rc = s->ops->contact(s->state[sim_owner(s, u)], round, u, &s->contacts.base);
        if (rc < 0)
            s->bad_rc++;
        if (s->contacts.len > c0 && s->start_inf[u] < 0 && sim_inf(s, u) >= 0 &&
            s->contacts.v[c0].m.kind == GB_MSG_PUSH)
            s->late_senders++; /* pushed although informed only in this round */
        if (s->order == EAGER) {
            size_t r0 = s->replies.len;
            for (size_t i = c0; i < s->contacts.len; i++)
                deliver_contact(s, round, &s->contacts.v[i].m);
            for (size_t i = r0; i < s->replies.len; i++)
                deliver_reply(s, round, &s->replies.v[i].m);
        }
    }
}

/* Phase 2 and 3 (nothing left to do in EAGER order). */
static void sim_deliver(sim *s, uint32_t round)
{
    if (s->order == EAGER)
        return;
    rec_sort(&s->contacts);
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

/* Phase 4: commit every block, sum the counts, append the round's messages to the log. */
static void sim_end_round(sim *s, uint32_t round, gb_round_stats *st)
{
    memset(st, 0, sizeof *st);
    for (uint32_t b = 0; b < s->nblocks; b++) {
        gb_round_stats bs;
        memset(&bs, 0xff, sizeof bs);
        s->ops->end_round(s->state[b], round, &bs);
        st->informed += bs.informed;
        st->newly += bs.newly;
        st->active += bs.active;
        st->duplicates += bs.duplicates;
    }
    /* The log keeps sending order with canonical sequence numbers. */
    rec_outbox *phases[2] = {&s->contacts, &s->replies};
    for (int p = 0; p < 2; p++) {
        rec_outbox *o = phases[p];
        if (s->order != EAGER)
            rec_sort(o);
        for (size_t i = 0; i < o->len; i++) {
            gb_msg m = o->v[i].m;
            uint16_t seq = m.seq;
            if (rec_send(&s->log.base, &m, o->v[i].payload, o->v[i].meta) < 0)
                s->bad_rc++;
            s->log.v[s->log.len - 1].m.seq = seq; /* keep the phase's seq, not the log's */
        }
    }
}

static void sim_round(sim *s, uint32_t round, gb_round_stats *st)
{
    sim_contact_phase(s, round);
    sim_deliver(s, round);
    sim_end_round(s, round, st);
}

/* Runs until every node is informed or max_rounds; returns the rounds taken, or 0 when it
 * did not converge. Checks on the way that the counts are consistent. */
static uint32_t sim_run(sim *s, uint32_t max_rounds)
{
    uint64_t informed = 1;
    for (uint32_t t = 1; t <= max_rounds; t++) {
        gb_round_stats st;
        sim_round(s, t, &st);
        CU_ASSERT_EQUAL(st.informed, informed + st.newly);
        CU_ASSERT_EQUAL(st.duplicates, s->dups);
        informed = st.informed;
        if (informed == s->n)
            return t;
    }
    return 0;
}

static const gb_protocol_ops *const all_protocols[] = {&gb_protocol_push, &gb_protocol_pull,
                                                        &gb_protocol_push_pull};
#define NPROTO (sizeof all_protocols / sizeof all_protocols[0])

/* ------------------------------------------------------------------ tests */

static void test_registry(void)
{
    char err[GB_ERRLEN] = "";
    CU_ASSERT_EQUAL(gb_protocol_registry_check(err), 0);
    CU_ASSERT_PTR_EQUAL(gb_protocol_find("push"), &gb_protocol_push);
    CU_ASSERT_PTR_EQUAL(gb_protocol_find("pull"), &gb_protocol_pull);
    CU_ASSERT_PTR_EQUAL(gb_protocol_find("push-pull"), &gb_protocol_push_pull);
    CU_ASSERT_PTR_NULL(gb_protocol_find("no-such-protocol"));
    CU_ASSERT_PTR_NULL(gb_protocol_find(""));
    CU_ASSERT_PTR_NULL(gb_protocol_find("Push"));
    CU_ASSERT_PTR_NULL(gb_protocol_find("push "));
    /* Every table entry is found under its own name, and the three are in the table. */
    size_t count = 0;
    int seen[NPROTO] = {0};
    for (size_t i = 0; gb_protocol_table[i] != NULL; i++) {
        count++;
        CU_ASSERT_PTR_EQUAL(gb_protocol_find(gb_protocol_table[i]->name), gb_protocol_table[i]);
        for (size_t j = 0; j < NPROTO; j++)
            if (gb_protocol_table[i] == all_protocols[j])
                seen[j] = 1;
    }
    CU_ASSERT_TRUE(count >= NPROTO);
    for (size_t j = 0; j < NPROTO; j++) {
        CU_ASSERT_TRUE(seen[j]);
        /* The family only reads start-of-round state: it promises commutativity. */
        CU_ASSERT_TRUE(all_protocols[j]->flags & GB_PROTO_COMMUTATIVE);
        CU_ASSERT_FALSE(all_protocols[j]->flags & GB_PROTO_SELF_TERMINATING);
        CU_ASSERT_PTR_NOT_NULL(all_protocols[j]->on_reply);
    }
}

/* Push, n = 16, fanout 1, source 0: round 1 has exactly one message, from 0 to another
 * node, carrying the payload; after the round that node has infection round 1. In round 2
 * exactly the two nodes informed before round 2 push, one message each. */
static void test_push_first_rounds(void)
{
    sim s;
    CU_ASSERT_EQUAL_FATAL(sim_init(&s, &gb_protocol_push, "complete", 16, 1, 42, 0, 1,
                                   CANONICAL),
                          0);
    CU_ASSERT_EQUAL(sim_inf(&s, 0), 0);
    for (gb_node_t u = 1; u < 16; u++)
        CU_ASSERT_EQUAL(sim_inf(&s, u), -1);

    sim_contact_phase(&s, 1);
    CU_ASSERT_EQUAL_FATAL(s.contacts.len, 1);
    const rec_msg *r = &s.contacts.v[0];
    CU_ASSERT_EQUAL(r->m.kind, GB_MSG_PUSH);
    CU_ASSERT_EQUAL(r->m.src, 0);
    CU_ASSERT_NOT_EQUAL(r->m.dst, 0);
    CU_ASSERT_TRUE(r->m.dst < 16);
    CU_ASSERT_EQUAL(r->m.seq, 0);
    CU_ASSERT_EQUAL(r->payload, s.env[0].payload);
    CU_ASSERT_EQUAL(r->meta, 0);
    gb_node_t first = r->m.dst;

    sim_deliver(&s, 1);
    CU_ASSERT_EQUAL(s.replies.len, 0); /* push never answers */
    gb_round_stats st;
    sim_end_round(&s, 1, &st);
    CU_ASSERT_EQUAL(st.newly, 1);
    CU_ASSERT_EQUAL(st.informed, 2);
    CU_ASSERT_EQUAL(st.duplicates, 0);
    CU_ASSERT_EQUAL(st.active, 0);
    CU_ASSERT_EQUAL(sim_inf(&s, first), 1);
    CU_ASSERT_EQUAL(sim_inf(&s, 0), 0);
    for (gb_node_t u = 1; u < 16; u++)
        if (u != first)
            CU_ASSERT_EQUAL(sim_inf(&s, u), -1);

    sim_contact_phase(&s, 2);
    CU_ASSERT_EQUAL_FATAL(s.contacts.len, 2);
    int from0 = 0, from_first = 0;
    for (size_t i = 0; i < s.contacts.len; i++) {
        const gb_msg *m = &s.contacts.v[i].m;
        CU_ASSERT_EQUAL(m->kind, GB_MSG_PUSH);
        CU_ASSERT_NOT_EQUAL(m->src, m->dst);
        from0 += m->src == 0;
        from_first += m->src == first;
    }
    CU_ASSERT_EQUAL(from0, 1);
    CU_ASSERT_EQUAL(from_first, 1);
    sim_deliver(&s, 2);
    sim_end_round(&s, 2, &st);
    CU_ASSERT_TRUE(st.newly + st.duplicates == 2);
    CU_ASSERT_EQUAL(st.informed, 2 + st.newly);
    CU_ASSERT_EQUAL(st.duplicates, s.dups);
    sim_free(&s);
}

/* Over whole runs and all delivery orders: the senders of round t are exactly the nodes
 * informed before round t (push), never those informed in round t, even when deliveries
 * of round t reach them before their own contact() call (EAGER). */
static void test_push_senders(void)
{
    static const enum order orders[] = {CANONICAL, REVERSED, EAGER};
    for (size_t o = 0; o < 3; o++) {
        sim s;
        CU_ASSERT_EQUAL_FATAL(sim_init(&s, &gb_protocol_push, "complete", 64, 2, 7, 5, 1,
                                       orders[o]),
                              0);
        CU_ASSERT_EQUAL(sim_inf(&s, 5), 0);
        for (uint32_t t = 1; t <= 30; t++) {
            sim_contact_phase(&s, t);
            uint32_t *sent = calloc(64, sizeof *sent);
            CU_ASSERT_PTR_NOT_NULL_FATAL(sent);
            for (size_t i = 0; i < s.contacts.len; i++) {
                const rec_msg *r = &s.contacts.v[i];
                CU_ASSERT_EQUAL(r->m.kind, GB_MSG_PUSH);
                CU_ASSERT_EQUAL(r->payload, 100);
                sent[r->m.src]++;
            }
            unsigned wrong = 0;
            for (gb_node_t u = 0; u < 64; u++) {
                int knew = s.start_inf[u] >= 0 && (uint32_t)s.start_inf[u] < t;
                if (sent[u] != (knew ? 2u : 0u))
                    wrong++;
            }
            CU_ASSERT_EQUAL(wrong, 0);
            free(sent);
            sim_deliver(&s, t);
            gb_round_stats st;
            sim_end_round(&s, t, &st);
            /* Everyone informed this round has infection round t. */
            unsigned bad = 0;
            for (gb_node_t u = 0; u < 64; u++) {
                int32_t r = sim_inf(&s, u);
                if (s.start_inf[u] < 0 && r >= 0 && r != (int32_t)t)
                    bad++;
                if (s.start_inf[u] >= 0 && r != s.start_inf[u])
                    bad++;
            }
            CU_ASSERT_EQUAL(bad, 0);
        }
        CU_ASSERT_EQUAL(s.late_senders, 0);
        CU_ASSERT_EQUAL(s.bad_rc, 0);
        sim_free(&s);
    }
}

/* Pull: only uninformed nodes send PULL_REQ (n - 1 in round 1, no payload); a reply comes
 * only from a node that knew at the start of the round, carries the payload, goes back to
 * the requester, and the requester is informed in that round. */
static void test_pull_rounds(void)
{
    static const enum order orders[] = {CANONICAL, EAGER};
    for (size_t o = 0; o < 2; o++) {
        sim s;
        CU_ASSERT_EQUAL_FATAL(sim_init(&s, &gb_protocol_pull, "complete", 16, 1, 3, 0, 1,
                                       orders[o]),
                              0);
        sim_contact_phase(&s, 1);
        CU_ASSERT_EQUAL(s.contacts.len, 15);
        if (orders[o] == CANONICAL) { /* not yet delivered */
            for (size_t i = 0; i < s.contacts.len; i++) {
                const rec_msg *r = &s.contacts.v[i];
                CU_ASSERT_EQUAL(r->m.kind, GB_MSG_PULL_REQ);
                CU_ASSERT_NOT_EQUAL(r->m.src, 0);
                CU_ASSERT_EQUAL(r->m.src, (gb_node_t)(i + 1)); /* one each, in id order */
                CU_ASSERT_NOT_EQUAL(r->m.src, r->m.dst);
                CU_ASSERT_EQUAL(r->payload, 0);
                CU_ASSERT_EQUAL(r->m.seq, 0);
            }
        }
        sim_deliver(&s, 1);
        /* Replies exactly to the requests that reached node 0. */
        size_t asked0 = 0;
        for (size_t i = 0; i < s.contacts.len; i++)
            asked0 += s.contacts.v[i].m.dst == 0;
        CU_ASSERT_EQUAL(s.replies.len, asked0);
        gb_round_stats st;
        sim_end_round(&s, 1, &st);
        CU_ASSERT_EQUAL(st.newly, asked0);

        uint64_t informed = 1 + asked0;
        for (uint32_t t = 2; t <= 60 && informed < 16; t++) {
            sim_contact_phase(&s, t);
            size_t expect_req = 0;
            for (gb_node_t u = 0; u < 16; u++)
                expect_req += s.start_inf[u] < 0;
            CU_ASSERT_EQUAL(s.contacts.len, expect_req);
            unsigned wrong = 0;
            for (size_t i = 0; i < s.contacts.len; i++) {
                const gb_msg *m = &s.contacts.v[i].m;
                if (m->kind != GB_MSG_PULL_REQ || s.start_inf[m->src] >= 0)
                    wrong++;
            }
            CU_ASSERT_EQUAL(wrong, 0);
            sim_deliver(&s, t);
            /* Each reply answers a request whose target knew at the start of the round. */
            size_t answerable = 0;
            for (size_t i = 0; i < s.contacts.len; i++) {
                gb_node_t d = s.contacts.v[i].m.dst;
                answerable += s.start_inf[d] >= 0;
            }
            CU_ASSERT_EQUAL(s.replies.len, answerable);
            for (size_t i = 0; i < s.replies.len; i++) {
                const rec_msg *r = &s.replies.v[i];
                CU_ASSERT_EQUAL(r->m.kind, GB_MSG_PULL_REPLY);
                CU_ASSERT_EQUAL(r->payload, 100);
                CU_ASSERT_TRUE(s.start_inf[r->m.src] >= 0);
                CU_ASSERT_TRUE(s.start_inf[r->m.dst] < 0);
            }
            sim_end_round(&s, t, &st);
            for (size_t i = 0; i < s.replies.len; i++)
                CU_ASSERT_EQUAL(sim_inf(&s, s.replies.v[i].m.dst), (int32_t)t);
            /* With fanout 1 a requester gets at most one reply: newly = replies. */
            CU_ASSERT_EQUAL(st.newly, s.replies.len);
            CU_ASSERT_EQUAL(st.duplicates, 0);
            informed += st.newly;
            CU_ASSERT_EQUAL(st.informed, informed);
        }
        CU_ASSERT_EQUAL(informed, 16);
        CU_ASSERT_EQUAL(s.bad_replies, 0);
        CU_ASSERT_EQUAL(s.bad_rc, 0);
        sim_free(&s);
    }
}

/* Push-pull, fanout 1: every node sends exactly one message per round, informed ones PUSH
 * (with payload), the others PULL_REQ (without). */
static void test_push_pull_rounds(void)
{
    static const enum order orders[] = {CANONICAL, EAGER};
    for (size_t o = 0; o < 2; o++) {
        sim s;
        CU_ASSERT_EQUAL_FATAL(sim_init(&s, &gb_protocol_push_pull, "complete", 32, 1, 11, 3,
                                       1, orders[o]),
                              0);
        for (uint32_t t = 1; t <= 12; t++) {
            sim_contact_phase(&s, t);
            CU_ASSERT_EQUAL(s.contacts.len, 32);
            unsigned per[32] = {0}, wrong = 0;
            for (size_t i = 0; i < s.contacts.len; i++) {
                const rec_msg *r = &s.contacts.v[i];
                per[r->m.src]++;
                int knew = s.start_inf[r->m.src] >= 0;
                if (r->m.kind != (knew ? GB_MSG_PUSH : GB_MSG_PULL_REQ))
                    wrong++;
                if (r->payload != (knew ? 100u : 0u))
                    wrong++;
                if (r->m.src == r->m.dst)
                    wrong++;
            }
            CU_ASSERT_EQUAL(wrong, 0);
            for (gb_node_t u = 0; u < 32; u++)
                CU_ASSERT_EQUAL(per[u], 1);
            sim_deliver(&s, t);
            gb_round_stats st;
            sim_end_round(&s, t, &st);
            CU_ASSERT_EQUAL(st.duplicates, s.dups);
        }
        CU_ASSERT_EQUAL(s.bad_replies, 0);
        CU_ASSERT_EQUAL(s.bad_rc, 0);
        sim_free(&s);
    }
}

/* gb_pick_peers: `fanout` distinct peers, never the node itself, from its neighbourhood;
 * on the complete graph uniform over the other nodes (chi-square). */
static void test_pick_peers(void)
{
    char err[GB_ERRLEN] = "";
    gb_params tp;
    gb_topology *t = NULL;
    CU_ASSERT_EQUAL_FATAL(gb_topology_create_spec("complete", 50, 1, &t, &tp, err), 0);
    gb_proto_env env = {.topo = t, .n = 50, .first = 0, .count = 50, .fanout = 3,
                        .payload = 0, .seed = 99, .trial = 2, .source = 0, .params = NULL};
    unsigned bad = 0;
    gb_node_t out[GB_MAX_FANOUT];
    for (uint32_t round = 1; round <= 100; round++)
        for (gb_node_t u = 0; u < 50; u++) {
            if (gb_pick_peers(&env, round, u, out) != 3) {
                bad++;
                continue;
            }
            for (int i = 0; i < 3; i++) {
                if (out[i] == u || out[i] >= 50)
                    bad++;
                for (int j = 0; j < i; j++)
                    if (out[i] == out[j])
                        bad++;
            }
        }
    CU_ASSERT_EQUAL(bad, 0);

    /* Uniform: node 7's choices over 2000 rounds, 49 possible peers, 48 d.o.f.,
     * p = 0.001 critical value 84.04. */
    unsigned count[50] = {0};
    enum { R = 2000 };
    for (uint32_t round = 1; round <= R; round++) {
        uint32_t k = gb_pick_peers(&env, round, 7, out);
        for (uint32_t i = 0; i < k; i++)
            count[out[i]]++;
    }
    CU_ASSERT_EQUAL(count[7], 0);
    double expected = 3.0 * R / 49.0, chi2 = 0.0;
    for (gb_node_t v = 0; v < 50; v++) {
        if (v == 7)
            continue;
        double d = count[v] - expected;
        chi2 += d * d / expected;
    }
    CU_ASSERT_TRUE(chi2 < 84.04);

    /* Fanout 1 takes another path: still never the node itself, and uniform. */
    env.fanout = 1;
    memset(count, 0, sizeof count);
    bad = 0;
    for (uint32_t round = 1; round <= 4900; round++) {
        if (gb_pick_peers(&env, round, 7, out) != 1 || out[0] == 7 || out[0] >= 50)
            bad++;
        else
            count[out[0]]++;
    }
    CU_ASSERT_EQUAL(bad, 0);
    chi2 = 0.0;
    for (gb_node_t v = 0; v < 50; v++)
        if (v != 7)
            chi2 += (count[v] - 100.0) * (count[v] - 100.0) / 100.0;
    CU_ASSERT_TRUE(chi2 < 84.04);

    /* All 49 others when fanout = degree. */
    env.fanout = 49;
    CU_ASSERT_EQUAL(gb_pick_peers(&env, 1, 0, out), 49);
    uint8_t seen[50] = {0};
    for (int i = 0; i < 49; i++)
        seen[out[i] < 50 ? out[i] : 0]++;
    CU_ASSERT_EQUAL(seen[0], 0);
    for (int v = 1; v < 50; v++)
        CU_ASSERT_EQUAL(seen[v], 1);

    /* Deterministic in (seed, trial, round, node); the seed and trial matter. */
    env.fanout = 3;
    gb_node_t a[GB_MAX_FANOUT], b[GB_MAX_FANOUT];
    unsigned differ_seed = 0, differ_trial = 0, same = 0;
    for (gb_node_t u = 0; u < 50; u++) {
        gb_pick_peers(&env, 5, u, a);
        gb_pick_peers(&env, 5, u, b);
        same += memcmp(a, b, 3 * sizeof *a) == 0;
        gb_proto_env e2 = env;
        e2.seed++;
        gb_pick_peers(&e2, 5, u, b);
        differ_seed += memcmp(a, b, 3 * sizeof *a) != 0;
        e2 = env;
        e2.trial++;
        gb_pick_peers(&e2, 5, u, b);
        differ_trial += memcmp(a, b, 3 * sizeof *a) != 0;
    }
    CU_ASSERT_EQUAL(same, 50);
    CU_ASSERT_TRUE(differ_seed >= 40);
    CU_ASSERT_TRUE(differ_trial >= 40);
    gb_topology_free(t);

    /* Ring lattice k=2: degree 4, peers must be the neighbours u-2, u-1, u+1, u+2. */
    t = NULL;
    CU_ASSERT_EQUAL_FATAL(gb_topology_create_spec("ring:k=2", 20, 1, &t, &tp, err), 0);
    CU_ASSERT_EQUAL(gb_topology_degree(t, 0), 4);
    env.topo = t;
    env.n = 20;
    env.count = 20;
    bad = 0;
    unsigned hits[20][5];
    memset(hits, 0, sizeof hits);
    for (uint32_t round = 1; round <= 200; round++)
        for (gb_node_t u = 0; u < 20; u++) {
            env.fanout = 3;
            if (gb_pick_peers(&env, round, u, out) != 3) {
                bad++;
                continue;
            }
            for (int i = 0; i < 3; i++) {
                uint32_t d = (out[i] + 20 - u) % 20; /* 1, 2, 18, 19 are neighbours */
                if (!(d == 1 || d == 2 || d == 18 || d == 19))
                    bad++;
                else
                    hits[u][d <= 2 ? d - 1 : d - 16]++;
                for (int j = 0; j < i; j++)
                    if (out[i] == out[j])
                        bad++;
            }
            /* Fanout above the degree: all 4 neighbours, no more. */
            env.fanout = 5;
            if (gb_pick_peers(&env, round, u, out) != 4) {
                bad++;
                continue;
            }
            unsigned mask = 0;
            for (int i = 0; i < 4; i++) {
                uint32_t d = (out[i] + 20 - u) % 20;
                mask |= d == 1 ? 1u : d == 2 ? 2u : d == 18 ? 4u : d == 19 ? 8u : 16u;
            }
            if (mask != 15)
                bad++;
        }
    CU_ASSERT_EQUAL(bad, 0);
    /* Each neighbour is chosen (3 of 4 each time: about 150 of 200). */
    unsigned rare = 0;
    for (int u = 0; u < 20; u++)
        for (int k = 0; k < 4; k++)
            if (hits[u][k] < 110 || hits[u][k] > 190)
                rare++;
    CU_ASSERT_EQUAL(rare, 0);
    gb_topology_free(t);
}

/* All three protocols inform every node of K_64 well within 200 rounds (about 6 to 12), in
 * every delivery order and with the nodes split across blocks; the ring converges too. */
static void test_convergence(void)
{
    for (size_t p = 0; p < NPROTO; p++) {
        uint32_t rounds[3][3];
        for (uint32_t blocks = 1; blocks <= 3; blocks++)
            for (int o = CANONICAL; o <= EAGER; o++) {
                sim s;
                CU_ASSERT_EQUAL_FATAL(sim_init(&s, all_protocols[p], "complete", 64, 1, 2024,
                                               17, blocks, (enum order)o),
                                      0);
                uint32_t r = sim_run(&s, 200);
                rounds[blocks - 1][o] = r;
                CU_ASSERT_TRUE(r > 0 && r <= 200);
                /* Push at fanout 1 at most doubles the informed set per round, so it
                 * needs at least log2 64 = 6 rounds; the others need a few too. */
                CU_ASSERT_TRUE(r >= (all_protocols[p] == &gb_protocol_push ? 6u : 3u));
                unsigned never = 0;
                for (gb_node_t u = 0; u < 64; u++)
                    if (sim_inf(&s, u) < 0 || sim_inf(&s, u) > (int32_t)r)
                        never++;
                CU_ASSERT_EQUAL(never, 0);
                CU_ASSERT_EQUAL(sim_inf(&s, 17), 0);
                CU_ASSERT_EQUAL(s.bad_rc, 0);
                CU_ASSERT_EQUAL(s.bad_replies, 0);
                CU_ASSERT_EQUAL(s.late_senders, 0);
                sim_free(&s);
            }
        /* Rank count and delivery order do not change the outcome. */
        for (int b = 0; b < 3; b++)
            for (int o = 0; o < 3; o++)
                CU_ASSERT_EQUAL(rounds[b][o], rounds[0][0]);

        sim s;
        CU_ASSERT_EQUAL_FATAL(sim_init(&s, all_protocols[p], "ring:k=2", 64, 1, 5, 0, 1,
                                       CANONICAL),
                              0);
        uint32_t r = sim_run(&s, 200);
        CU_ASSERT_TRUE(r > 0);
        /* The rumor moves at most 2 hops a round: node 32 needs at least 16 rounds. */
        CU_ASSERT_TRUE(sim_inf(&s, 32) >= 16);
        sim_free(&s);
    }
}

/* The optional ops the fault layer uses: reset_node makes an informed node (the source too)
 * uninformed, and the informed count end_round reports follows; the rumor spreads to it
 * again. is_active agrees with end_round's active count. Split into 2 blocks. */
static void test_reset_and_active(void)
{
    static const gb_protocol_ops *const protos[] = {
        &gb_protocol_push, &gb_protocol_pull, &gb_protocol_push_pull, &gb_protocol_rumor,
        &gb_protocol_median_counter};
    for (size_t p = 0; p < GB_ARRAY_LEN(protos); p++) {
        const gb_protocol_ops *ops = protos[p];
        CU_ASSERT_PTR_NOT_NULL_FATAL(ops->reset_node);
        int self_term = (ops->flags & GB_PROTO_SELF_TERMINATING) != 0;
        CU_ASSERT_EQUAL(ops->is_active != NULL, self_term);
        sim s;
        CU_ASSERT_EQUAL_FATAL(sim_init(&s, ops, "complete", 64, 1, 77, 3, 2, CANONICAL), 0);
        gb_round_stats st = {0};
        uint32_t r = 1;
        for (; r <= 50 && st.informed < 10; r++) /* some nodes informed, not all */
            sim_round(&s, r, &st);
        unsigned informed = 0, active = 0;
        for (gb_node_t u = 0; u < 64; u++) {
            informed += sim_inf(&s, u) >= 0;
            if (ops->is_active != NULL)
                active += (unsigned)ops->is_active(s.state[sim_owner(&s, u)], u);
        }
        CU_ASSERT_EQUAL(st.informed, informed);
        if (self_term)
            CU_ASSERT_EQUAL(st.active, active);
        CU_ASSERT_TRUE(informed >= 10 && informed < 64);
        /* Forget at the source and at every other informed node of the second block. */
        unsigned reset = 0;
        for (gb_node_t u = 0; u < 64; u++)
            if (sim_inf(&s, u) >= 0 && (u == 3 || (u >= 32 && u % 2 == 0)) &&
                reset + 1 < informed) {
                ops->reset_node(s.state[sim_owner(&s, u)], u);
                CU_ASSERT_EQUAL(sim_inf(&s, u), -1);
                if (ops->is_active != NULL)
                    CU_ASSERT_FALSE(ops->is_active(s.state[sim_owner(&s, u)], u));
                reset++;
                s.has[u] = 0;
            }
        CU_ASSERT_TRUE(reset >= 1);
        sim_round(&s, r, &st);
        CU_ASSERT_EQUAL(st.informed, informed - reset + st.newly);
        /* Push, pull and push-pull inform every node again. */
        if (!self_term) {
            for (r++; r < 200 && st.informed < 64; r++)
                sim_round(&s, r, &st);
            CU_ASSERT_EQUAL(st.informed, 64);
        }
        CU_ASSERT_EQUAL(s.bad_rc, 0);
        sim_free(&s);
    }
}

/* The duplicates reported by end_round equal the rumor deliveries to nodes that already had
 * it, counted independently by the harness, round by round (sim_run checks each round). */
static void test_duplicates(void)
{
    for (size_t p = 0; p < NPROTO; p++) {
        sim s;
        CU_ASSERT_EQUAL_FATAL(sim_init(&s, all_protocols[p], "complete", 64, 3, 77, 0, 2,
                                       CANONICAL),
                              0);
        uint64_t total_rep = 0, total_harness = 0, total_newly = 0;
        for (uint32_t t = 1; t <= 25; t++) {
            gb_round_stats st;
            sim_round(&s, t, &st);
            CU_ASSERT_EQUAL(st.duplicates, s.dups);
            total_rep += st.duplicates;
            total_harness += s.dups;
            total_newly += st.newly;
        }
        CU_ASSERT_EQUAL(total_rep, total_harness);
        CU_ASSERT_EQUAL(total_newly, 63);
        /* After convergence every rumor delivery is a duplicate, so there are some; the
         * sum of rumor deliveries is newly + duplicates. */
        CU_ASSERT_TRUE(total_rep > 0);
        uint64_t deliveries = 0;
        for (size_t i = 0; i < s.log.len; i++) {
            uint16_t k = s.log.v[i].m.kind;
            deliveries += k == GB_MSG_PUSH || k == GB_MSG_PULL_REPLY;
        }
        CU_ASSERT_EQUAL(deliveries, total_newly + total_rep);
        sim_free(&s);
    }
}

static int same_log(const rec_outbox *a, const rec_outbox *b)
{
    if (a->len != b->len)
        return 0;
    for (size_t i = 0; i < a->len; i++) {
        const rec_msg *x = &a->v[i], *y = &b->v[i];
        if (x->m.src != y->m.src || x->m.dst != y->m.dst || x->m.kind != y->m.kind ||
            x->m.seq != y->m.seq || x->m.arg != y->m.arg || x->payload != y->payload ||
            x->meta != y->meta)
            return 0;
    }
    return 1;
}

/* Orders messages by content, ignoring seq (which depends on the delivery order of the
 * requests a node answers). */
static int cmp_content(const void *a, const void *b)
{
    const rec_msg *x = a, *y = b;
    if (x->m.src != y->m.src)
        return x->m.src < y->m.src ? -1 : 1;
    if (x->m.dst != y->m.dst)
        return x->m.dst < y->m.dst ? -1 : 1;
    if (x->m.kind != y->m.kind)
        return x->m.kind < y->m.kind ? -1 : 1;
    if (x->payload != y->payload)
        return x->payload < y->payload ? -1 : 1;
    return (x->m.arg > y->m.arg) - (x->m.arg < y->m.arg);
}

/* Whether two logs hold the same messages, whatever their order and sequence numbers. */
static int same_messages(const rec_outbox *a, const rec_outbox *b)
{
    if (a->len != b->len)
        return 0;
    if (a->len == 0)
        return 1;
    rec_msg *x = malloc(a->len * sizeof *x);
    rec_msg *y = malloc(b->len * sizeof *y);
    int same = 0;
    if (x != NULL && y != NULL) {
        memcpy(x, a->v, a->len * sizeof *x);
        memcpy(y, b->v, b->len * sizeof *y);
        qsort(x, a->len, sizeof *x, cmp_content);
        qsort(y, b->len, sizeof *y, cmp_content);
        same = 1;
        for (size_t i = 0; i < a->len && same; i++)
            same = cmp_content(&x[i], &y[i]) == 0 && x[i].meta == y[i].meta;
    }
    free(x);
    free(y);
    return same;
}

/* Same seed: identical message sequences; another seed: a different one. */
static void test_determinism(void)
{
    for (size_t p = 0; p < NPROTO; p++) {
        sim a, b, c;
        CU_ASSERT_EQUAL_FATAL(sim_init(&a, all_protocols[p], "complete", 64, 2, 1234, 9, 1,
                                       CANONICAL),
                              0);
        CU_ASSERT_EQUAL_FATAL(sim_init(&b, all_protocols[p], "complete", 64, 2, 1234, 9, 1,
                                       CANONICAL),
                              0);
        CU_ASSERT_EQUAL_FATAL(sim_init(&c, all_protocols[p], "complete", 64, 2, 1235, 9, 1,
                                       CANONICAL),
                              0);
        for (uint32_t t = 1; t <= 15; t++) {
            gb_round_stats sa, sb, sc;
            sim_round(&a, t, &sa);
            sim_round(&b, t, &sb);
            sim_round(&c, t, &sc);
            CU_ASSERT_EQUAL(sa.informed, sb.informed);
            CU_ASSERT_EQUAL(sa.duplicates, sb.duplicates);
        }
        CU_ASSERT_TRUE(a.log.len > 0);
        CU_ASSERT_TRUE(same_log(&a.log, &b.log));
        CU_ASSERT_FALSE(same_log(&a.log, &c.log));
        unsigned differ = 0;
        for (gb_node_t u = 0; u < 64; u++) {
            CU_ASSERT_EQUAL(sim_inf(&a, u), sim_inf(&b, u));
            differ += sim_inf(&a, u) != sim_inf(&c, u);
        }
        CU_ASSERT_TRUE(differ > 0);
        sim_free(&a);
        sim_free(&b);
        sim_free(&c);
    }
}

/* GB_PROTO_COMMUTATIVE: reversed and eager delivery, and a split into blocks, give the
 * same infection rounds for all nodes and the same per-round counts as canonical order. */
static void test_commutative(void)
{
    for (size_t p = 0; p < NPROTO; p++) {
        if (!(all_protocols[p]->flags & GB_PROTO_COMMUTATIVE))
            continue;
        for (uint32_t fanout = 1; fanout <= 3; fanout += 2) {
            sim ref, alt[3];
            CU_ASSERT_EQUAL_FATAL(sim_init(&ref, all_protocols[p], "complete", 64, fanout, 31,
                                           0, 1, CANONICAL),
                                  0);
            CU_ASSERT_EQUAL_FATAL(sim_init(&alt[0], all_protocols[p], "complete", 64, fanout,
                                           31, 0, 1, REVERSED),
                                  0);
            CU_ASSERT_EQUAL_FATAL(sim_init(&alt[1], all_protocols[p], "complete", 64, fanout,
                                           31, 0, 1, EAGER),
                                  0);
            CU_ASSERT_EQUAL_FATAL(sim_init(&alt[2], all_protocols[p], "complete", 64, fanout,
                                           31, 0, 4, REVERSED),
                                  0);
            for (uint32_t t = 1; t <= 12; t++) {
                gb_round_stats sr, sx;
                sim_round(&ref, t, &sr);
                for (int k = 0; k < 3; k++) {
                    sim_round(&alt[k], t, &sx);
                    CU_ASSERT_EQUAL(sx.informed, sr.informed);
                    CU_ASSERT_EQUAL(sx.newly, sr.newly);
                    CU_ASSERT_EQUAL(sx.duplicates, sr.duplicates);
                }
            }
            for (int k = 0; k < 3; k++) {
                unsigned differ = 0;
                for (gb_node_t u = 0; u < 64; u++)
                    differ += sim_inf(&ref, u) != sim_inf(&alt[k], u);
                CU_ASSERT_EQUAL(differ, 0);
                CU_ASSERT_EQUAL(alt[k].late_senders, 0);
                CU_ASSERT_EQUAL(alt[k].bad_replies, 0);
                CU_ASSERT_EQUAL(alt[k].bad_rc, 0);
                /* Every order sends the same messages (the order is the engine's
                 * business, the content is not). */
                CU_ASSERT_TRUE(same_messages(&ref.log, &alt[k].log));
                sim_free(&alt[k]);
            }
            sim_free(&ref);
        }
    }
}

/* Unknown message kinds are rejected with a negative code, change nothing, send nothing. */
static void test_unknown_kind(void)
{
    for (size_t p = 0; p < NPROTO; p++) {
        sim s;
        CU_ASSERT_EQUAL_FATAL(sim_init(&s, all_protocols[p], "complete", 8, 1, 1, 0, 1,
                                       CANONICAL),
                              0);
        rec_reset(&s.replies);
        static const uint16_t kinds[] = {0, 4, 99, 0xffff};
        for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
            gb_msg m = {.src = 0, .dst = 3, .kind = kinds[k], .seq = 0, .arg = 0};
            CU_ASSERT_TRUE(all_protocols[p]->on_contact(s.state[0], 1, &m,
                                                        &s.replies.base) < 0);
            CU_ASSERT_TRUE(all_protocols[p]->on_reply(s.state[0], 1, &m) < 0);
        }
        /* A reply kind in the contact phase, or a contact kind as a reply, is no better. */
        gb_msg r = {.src = 0, .dst = 3, .kind = GB_MSG_PULL_REPLY, .seq = 0, .arg = 0};
        CU_ASSERT_TRUE(all_protocols[p]->on_contact(s.state[0], 1, &r, &s.replies.base) < 0);
        r.kind = GB_MSG_PULL_REQ;
        CU_ASSERT_TRUE(all_protocols[p]->on_reply(s.state[0], 1, &r) < 0);
        CU_ASSERT_EQUAL(s.replies.len, 0);
        gb_round_stats st;
        all_protocols[p]->end_round(s.state[0], 1, &st);
        CU_ASSERT_EQUAL(st.newly, 0);
        CU_ASSERT_EQUAL(st.informed, 1);
        CU_ASSERT_EQUAL(st.duplicates, 0);
        CU_ASSERT_EQUAL(sim_inf(&s, 3), -1);
        sim_free(&s);
    }
}

/* gb_pick_peer_many draws the peer gb_pick_peers draws with fanout 1, on the complete
 * graph, a CSR overlay and an implicit one with a neighbour callback. */
static void test_pick_peer_many(void)
{
    const char *specs[] = {"complete", "random-regular:d=5", "torus:dims=6x7"};
    for (size_t k = 0; k < sizeof specs / sizeof specs[0]; k++) {
        char err[GB_ERRLEN] = "";
        gb_params tp;
        gb_topology *t = NULL;
        CU_ASSERT_EQUAL_FATAL(gb_topology_create_spec(specs[k], 42, 3, &t, &tp, err), 0);
        gb_proto_env env = {.topo = t, .n = 42, .first = 0, .count = 42, .fanout = 1,
                            .seed = 5, .trial = 1};
        gb_node_t nodes[42], many[42], one[GB_MAX_FANOUT];
        for (uint32_t i = 0; i < 42; i++)
            nodes[i] = 41 - i; /* any order */
        unsigned bad = 0;
        for (uint32_t round = 1; round <= 20; round++) {
            gb_pick_peer_many(&env, round, nodes, 42, many);
            for (uint32_t i = 0; i < 42; i++)
                bad += gb_pick_peers(&env, round, nodes[i], one) != 1 || one[0] != many[i];
        }
        CU_ASSERT_EQUAL(bad, 0);
        gb_topology_free(t);
    }
}

/* A second harness for contact_range(): nodes split into 2 blocks, each block's contact
 * phase in one contact_range() call, or in `chunks` calls on as many threads (env.threads),
 * with direct delivery; messages that leave a block are delivered afterwards through
 * on_contact / on_reply, as the engine does. */
typedef struct range_sim {
    const gb_protocol_ops *ops;
    gb_proto_env env[2];
    void *state[2];
    rec_outbox ob[2][4]; /* per block and chunk */
    rec_outbox replies;
    uint64_t direct, direct_payload; /* this round */
} range_sim;

static void range_round(range_sim *r, uint32_t round, uint32_t chunks, gb_round_stats *st)
{
    r->direct = r->direct_payload = 0;
    rec_reset(&r->replies);
    for (uint32_t b = 0; b < 2; b++) {
        const gb_proto_env *e = &r->env[b];
        int rc[4] = {0};
#ifdef _OPENMP
#pragma omp parallel for num_threads(chunks) schedule(static, 1)
#endif
        for (uint32_t c = 0; c < chunks; c++) {
            rec_outbox *o = &r->ob[b][c];
            rec_reset(o);
            memset(&o->base.direct_tally, 0, sizeof o->base.direct_tally);
            o->base.direct = 1;
            gb_node_t lo = e->first + (uint32_t)((uint64_t)e->count * c / chunks);
            gb_node_t hi = e->first + (uint32_t)((uint64_t)e->count * (c + 1) / chunks);
            gb_thread_slot = c; /* as the engine does */
            rc[c] = r->ops->contact_range(r->state[b], round, lo, hi, &o->base);
            gb_thread_slot = 0;
        }
        for (uint32_t c = 0; c < chunks; c++) /* CUnit's counters are not thread-safe */
            CU_ASSERT_EQUAL(rc[c], 0);
    }
    for (uint32_t b = 0; b < 2; b++)
        for (uint32_t c = 0; c < chunks; c++) {
            rec_outbox *o = &r->ob[b][c];
            r->direct += o->base.direct_tally.messages;
            r->direct_payload += o->base.direct_tally.payload_bytes;
            for (size_t i = 0; i < o->len; i++) {
                const gb_msg *m = &o->v[i].m;
                uint32_t to = m->dst >= r->env[1].first;
                CU_ASSERT_EQUAL(to, 1 - b); /* only messages that leave the block */
                CU_ASSERT_EQUAL(r->ops->on_contact(r->state[to], round, m, &r->replies.base), 0);
            }
        }
    for (size_t i = 0; i < r->replies.len; i++) {
        const gb_msg *m = &r->replies.v[i].m;
        CU_ASSERT_EQUAL(r->ops->on_reply(r->state[m->dst >= r->env[1].first], round, m), 0);
    }
    memset(st, 0, sizeof *st);
    for (uint32_t b = 0; b < 2; b++) {
        gb_round_stats bs;
        r->ops->end_round(r->state[b], round, &bs);
        st->informed += bs.informed;
        st->newly += bs.newly;
        st->duplicates += bs.duplicates;
        st->rumor_msgs += bs.rumor_msgs;
    }
}

/* contact_range with direct delivery, on one thread or on several, gives the same rounds,
 * counts, messages, bytes and infection rounds as contact() with every message delivered
 * (the sim harness, canonical order). */
static void test_contact_range(void)
{
    const char *specs[] = {"complete", "random-regular:d=6", "torus:dims=8x8"};
    const uint32_t fanouts[] = {1, 3};
    const uint32_t chunk_counts[] = {1, 3};
    unsigned bad = 0, runs = 0;
    for (size_t p = 0; p < NPROTO; p++)
        for (size_t k = 0; k < sizeof specs / sizeof specs[0]; k++)
            for (size_t f = 0; f < 2; f++)
                for (size_t c = 0; c < 2; c++) {
                    const gb_protocol_ops *ops = all_protocols[p];
                    uint32_t chunks = chunk_counts[c];
                    sim a;
                    CU_ASSERT_EQUAL_FATAL(sim_init(&a, ops, specs[k], 64, fanouts[f], 11, 5,
                                                   2, CANONICAL),
                                          0);
                    CU_ASSERT_PTR_NOT_NULL_FATAL(ops->contact_range);
                    range_sim r;
                    memset(&r, 0, sizeof r);
                    r.ops = ops;
                    char err[GB_ERRLEN] = "";
                    for (uint32_t b = 0; b < 2; b++) {
                        r.env[b] = a.env[b];
                        r.env[b].threads = chunks;
                        CU_ASSERT_EQUAL_FATAL(ops->init(&r.env[b], &r.state[b], err), 0);
                        for (uint32_t ch = 0; ch < 4; ch++)
                            CU_ASSERT_EQUAL_FATAL(rec_init(&r.ob[b][ch], 64), 0);
                    }
                    CU_ASSERT_EQUAL_FATAL(rec_init(&r.replies, 64), 0);
                    for (uint32_t round = 1; round <= 60; round++) {
                        gb_round_stats sa, sr;
                        sim_round(&a, round, &sa);
                        uint64_t msgs = a.contacts.len + a.replies.len, payload = 0;
                        for (size_t i = 0; i < a.contacts.len; i++)
                            payload += a.contacts.v[i].payload;
                        for (size_t i = 0; i < a.replies.len; i++)
                            payload += a.replies.v[i].payload;
                        range_round(&r, round, chunks, &sr);
                        uint64_t rmsgs = r.direct + r.replies.len, rpayload = r.direct_payload;
                        for (uint32_t b = 0; b < 2; b++)
                            for (uint32_t ch = 0; ch < chunks; ch++) {
                                rmsgs += r.ob[b][ch].len;
                                for (size_t i = 0; i < r.ob[b][ch].len; i++)
                                    rpayload += r.ob[b][ch].v[i].payload;
                            }
                        for (size_t i = 0; i < r.replies.len; i++)
                            rpayload += r.replies.v[i].payload;
                        bad += sa.informed != sr.informed || sa.newly != sr.newly ||
                               sa.duplicates != sr.duplicates || msgs != rmsgs ||
                               payload != rpayload;
                        if (sa.informed == 64)
                            break;
                    }
                    for (gb_node_t u = 0; u < 64; u++)
                        bad += sim_inf(&a, u) !=
                               ops->infection_round(r.state[u >= r.env[1].first], u);
                    for (uint32_t b = 0; b < 2; b++) {
                        ops->fini(r.state[b]);
                        for (uint32_t ch = 0; ch < 4; ch++)
                            rec_free(&r.ob[b][ch]);
                    }
                    rec_free(&r.replies);
                    sim_free(&a);
                    runs++;
                }
    CU_ASSERT_EQUAL(runs, NPROTO * 12);
    CU_ASSERT_EQUAL(bad, 0);
}

/* A block that does not hold the source starts with nothing informed; the block holding it
 * reports it. */
static void test_blocks(void)
{
    sim s;
    CU_ASSERT_EQUAL_FATAL(sim_init(&s, &gb_protocol_push, "complete", 16, 1, 1, 12, 2,
                                   CANONICAL),
                          0);
    CU_ASSERT_EQUAL(s.env[0].first, 0);
    CU_ASSERT_EQUAL(s.env[0].count, 8);
    CU_ASSERT_EQUAL(s.env[1].first, 8);
    gb_round_stats st;
    gb_protocol_push.end_round(s.state[0], 0, &st);
    CU_ASSERT_EQUAL(st.informed, 0);
    gb_protocol_push.end_round(s.state[1], 0, &st);
    CU_ASSERT_EQUAL(st.informed, 1);
    CU_ASSERT_EQUAL(gb_protocol_push.infection_round(s.state[1], 12), 0);
    CU_ASSERT_EQUAL(gb_protocol_push.infection_round(s.state[1], 8), -1);
    CU_ASSERT_EQUAL(gb_protocol_push.infection_round(s.state[0], 0), -1);
    sim_free(&s);
}

int gb_test_register_protocol(void)
{
    CU_pSuite s = CU_add_suite("protocol", NULL, NULL);
    if (s == NULL)
        return CU_get_error();
    if (CU_add_test(s, "registry check and lookup", test_registry) == NULL ||
        CU_add_test(s, "push: first rounds from source 0", test_push_first_rounds) == NULL ||
        CU_add_test(s, "push: senders are the start-of-round informed", test_push_senders) ==
            NULL ||
        CU_add_test(s, "pull: requests and replies", test_pull_rounds) == NULL ||
        CU_add_test(s, "push-pull: one message per node and round", test_push_pull_rounds) ==
            NULL ||
        CU_add_test(s, "gb_pick_peers: distinct neighbours", test_pick_peers) == NULL ||
        CU_add_test(s, "all protocols converge on n=64", test_convergence) == NULL ||
        CU_add_test(s, "duplicates counted", test_duplicates) == NULL ||
        CU_add_test(s, "reset_node and is_active", test_reset_and_active) == NULL ||
        CU_add_test(s, "same seed, same messages", test_determinism) == NULL ||
        CU_add_test(s, "commutative delivery", test_commutative) == NULL ||
        CU_add_test(s, "unknown message kind rejected", test_unknown_kind) == NULL ||
        CU_add_test(s, "local blocks and the source", test_blocks) == NULL ||
        CU_add_test(s, "gb_pick_peer_many: gb_pick_peers' choice", test_pick_peer_many) ==
            NULL ||
        CU_add_test(s, "contact_range: direct delivery and threads", test_contact_range) ==
            NULL)
        return CU_get_error();
    return CUE_SUCCESS;
}
