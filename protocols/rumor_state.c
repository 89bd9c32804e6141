/* rumor_state.c: the informed-round array and message handlers shared by the push / pull /
 * push-pull family. See rumor_state.h for why one array suffices. */
#include "rumor_state.h"

#include <stdlib.h>
#include <string.h>

int gb_rumor_init(const gb_proto_env *env, void **state, char *err)
{
    int frc = gb_check_fanout(env, err);
    if (frc < 0)
        return frc;
    gb_rumor_state *s = calloc(1, sizeof *s);
    if (s == NULL)
        return gb_seterr(err, GB_ENOMEM, "protocol state: out of memory");
    s->env = *env;
    s->threads = env->threads > 1 ? env->threads : 1;
    s->words = ((size_t)env->count + 63) / 64;
    /* Messages touch these at random places: huge pages where the system has them. */
    s->cur = gb_zalloc_huge(s->words * sizeof *s->cur);
    s->next = gb_zalloc_huge(s->words * sizeof *s->next);
    s->inf = gb_zalloc_huge((size_t)env->count * sizeof *s->inf);
    s->tally = aligned_alloc(64, s->threads * sizeof *s->tally);
    if (s->inf == NULL || s->cur == NULL || s->next == NULL || s->tally == NULL) {
        gb_rumor_fini(s);
        return gb_seterr(err, GB_ENOMEM, "protocol state for %u nodes: out of memory",
                         env->count);
    }
    memset(s->tally, 0, s->threads * sizeof *s->tally);
    for (uint32_t i = 0; i < env->count; i++)
        s->inf[i] = GB_NEVER;
    if (env->source >= env->first && env->source - env->first < env->count) {
        uint32_t i = env->source - env->first;
        s->inf[i] = 0;
        s->cur[i >> 6] |= 1ull << (i & 63);
        s->next[i >> 6] |= 1ull << (i & 63);
        s->informed = 1;
    }
    *state = s;
    return 0;
}

void gb_rumor_fini(void *state)
{
    gb_rumor_state *s = state;
    if (s == NULL)
        return;
    free(s->inf);
    free(s->cur);
    free(s->next);
    free(s->tally);
    free(s);
}

/* The calling thread's counters: slot 0 without threads, so that one thread never asks the
 * OpenMP runtime. */
static inline struct gb_rumor_tally *my_tally(gb_rumor_state *s)
{
    return &s->tally[s->threads > 1 ? gb_thread_index() : 0];
}

static inline int knows_bit(const gb_rumor_state *s, uint32_t i)
{
    return (int)((s->cur[i >> 6] >> (i & 63)) & 1u);
}

/* Marks local node i (index in the block) informed in `round`, or counts a duplicate
 * delivery. `shared`: other threads may set bits at the same time (an atomic fetch-or
 * decides which delivery informed the node). Callers pass a constant, so each use compiles
 * to one of the two versions. */
static inline void mark(gb_rumor_state *s, uint32_t i, uint32_t round,
                        struct gb_rumor_tally *t, int shared)
{
    uint64_t bit = 1ull << (i & 63), *w = &s->next[i >> 6];
    if (!shared) {
        if (*w & bit) {
            t->duplicates++;
        } else {
            *w |= bit;
            s->inf[i] = round;
            t->newly++;
        }
        return;
    }
    /* A plain look first: most late deliveries are duplicates, which then need no atomic
     * read-modify-write of a line other threads may be writing too. */
    if ((__atomic_load_n(w, __ATOMIC_RELAXED) & bit) ||
        (__atomic_fetch_or(w, bit, __ATOMIC_RELAXED) & bit)) {
        t->duplicates++;
    } else {
        s->inf[i] = round;
        t->newly++;
    }
}

int gb_rumor_contact_peers(gb_rumor_state *s, uint32_t round, gb_node_t node, uint16_t kind,
                           gb_outbox *ob)
{
    gb_node_t peers[GB_MAX_FANOUT];
    uint32_t k = gb_pick_peers(&s->env, round, node, peers);
    /* A push carries the rumor; a pull request is a bare header. */
    uint32_t payload = kind == GB_MSG_PUSH ? s->env.payload : 0;
    for (uint32_t i = 0; i < k; i++) {
        int rc = gb_send(ob, node, peers[i], kind, 0, payload, 0);
        if (rc < 0)
            return rc;
    }
    if (kind == GB_MSG_PUSH)
        my_tally(s)->rumor_msgs += k;
    return 0;
}

/* Messages gathered per batch of contact_range's direct path: peers are chosen for a batch
 * of nodes first, then the batch's targets are prefetched and its messages handled, so that
 * random-stream computations overlap and bitmap misses are waited for once per batch. */
enum { BATCH = 256 };
#ifndef PREFETCH
#define PREFETCH 1
#endif

/* Sets local node i's bit in next if it was clear: returns 1 if so (the caller then owns
 * writing inf[i]), 0 for a duplicate delivery (the counting is left to the caller).
 * `shared` as for mark(). */
static inline int flip(gb_rumor_state *s, uint32_t i, int shared)
{
    uint64_t bit = 1ull << (i & 63), *w = &s->next[i >> 6];
    if (!shared) {
        if (*w & bit)
            return 0;
        *w |= bit;
        return 1;
    }
    return !(__atomic_load_n(w, __ATOMIC_RELAXED) & bit) &&
           !(__atomic_fetch_or(w, bit, __ATOMIC_RELAXED) & bit);
}

/* The nodes of [u, hi) that contact peers in this round (`modes`), at most cap of them,
 * into act[] with whether each knows the rumor in kn[]; returns how many and advances *u
 * past the nodes looked at. Whole bitmap words at a time: push skips uninformed words and
 * pull informed ones without looking at each node. */
static inline uint32_t gather(const gb_rumor_state *s, gb_node_t *u, gb_node_t hi,
                              unsigned modes, uint32_t cap, gb_node_t *act, uint8_t *kn)
{
    uint32_t k = 0;
    gb_node_t v = *u;
    while (v < hi && k < cap) {
        uint32_t i = v - s->env.first, b0 = i & 63;
        uint32_t span = 64 - b0;
        if (span > hi - v)
            span = hi - v;
        if (span > cap - k)
            span = cap - k;
        uint64_t in = span == 64 ? ~0ull : (1ull << span) - 1;
        uint64_t knows = (s->cur[i >> 6] >> b0) & in;
        uint64_t acts = ((modes & GB_RUMOR_PUSH) ? knows : 0) |
                        ((modes & GB_RUMOR_PULL) ? ~knows & in : 0);
        while (acts != 0) {
            unsigned b = (unsigned)__builtin_ctzll(acts);
            acts &= acts - 1;
            act[k] = v + b;
            kn[k++] = (uint8_t)((knows >> b) & 1u);
        }
        v += span;
    }
    *u = v;
    return k;
}

/* One batch of contact_range's direct path: its messages (from[j] -> dst[j], a push when
 * pushes[j]) and the nodes it informed, whose inf[] entries are written one batch later
 * (after a prefetch), so that those scattered writes do not stall the loop either. */
typedef struct batch {
    gb_node_t act[BATCH], src[BATCH], dst[BATCH];
    uint8_t kn[BATCH], push[BATCH];
    const gb_node_t *from;
    const uint8_t *pushes;
    uint32_t k;
    uint32_t fresh[BATCH]; /* indices of the nodes informed, inf[] not yet written */
    uint32_t nfresh;
} batch;

/* Gathers the next nodes of [*u, hi), draws their peers and prefetches the bitmap words
 * their messages will touch: a push sets a bit of next, a pull request reads one of cur. */
static inline void fill_batch(gb_rumor_state *s, uint32_t round, gb_node_t *u, gb_node_t hi,
                              unsigned modes, int one, uint32_t cap, batch *b)
{
    uint32_t na = gather(s, u, hi, modes, cap, b->act, b->kn), k = 0;
    b->from = b->act;
    b->pushes = b->kn;
    if (one) {
        gb_pick_peer_many(&s->env, round, b->act, na, b->dst);
        k = na;
    } else {
        for (uint32_t a = 0; a < na; a++) {
            uint32_t m = gb_pick_peers(&s->env, round, b->act[a], &b->dst[k]);
            for (uint32_t j = 0; j < m; j++) {
                b->src[k + j] = b->act[a];
                b->push[k + j] = b->kn[a];
            }
            k += m;
        }
        b->from = b->src;
        b->pushes = b->push;
    }
    b->k = k;
    const gb_node_t first = s->env.first;
    const uint32_t count = s->env.count;
    for (uint32_t j = 0; PREFETCH && j < k; j++) {
        uint32_t d = b->dst[j] - first;
        if (d < count)
            __builtin_prefetch(b->pushes[j] ? (const void *)&s->next[d >> 6]
                                            : (const void *)&s->cur[d >> 6]);
    }
}

/* contact_range under direct delivery; `shared` as for mark(). Batches are pipelined: the
 * next batch's peers are drawn and its targets prefetched before this one is handled.
 * Counts are kept in locals and added to the tallies once per call. */
static inline int range_direct(gb_rumor_state *s, uint32_t round, gb_node_t lo, gb_node_t hi,
                               unsigned modes, gb_outbox *ob, int shared)
{
    const gb_node_t first = s->env.first;
    const uint32_t count = s->env.count, payload = s->env.payload;
    const uint32_t fanout = s->env.fanout;
    /* With one peer per node (every node has a neighbour) the peers of a whole batch are
     * drawn in one call; with more, a batch holds BATCH / fanout nodes. */
    const int one = fanout == 1 && s->env.topo->min_degree >= 1;
    const uint32_t cap = one ? BATCH : BATCH / fanout;
    batch bb[2], *b = &bb[0], *nb = &bb[1];
    uint64_t direct = 0;  /* messages handled here */
    uint64_t carried = 0; /* ... of them carrying the rumor (pushes and replies) */
    uint64_t sent_rumor = 0, newly = 0;
    int rc = 0;
    gb_node_t u = lo;
    nb->nfresh = 0;
    fill_batch(s, round, &u, hi, modes, one, cap, b);
    /* A batch may hold no message while nodes remain (nodes without neighbours). */
    while ((b->k > 0 || u < hi) && rc == 0) {
        nb->k = 0;
        uint32_t pending = nb->nfresh; /* the previous batch's informed nodes */
        if (u < hi)
            fill_batch(s, round, &u, hi, modes, one, cap, nb);
        uint32_t nf = 0;
        for (uint32_t j = 0; j < b->k; j++) {
            uint32_t d = b->dst[j] - first;
            if (d >= count) { /* another rank's node: through the engine */
                int push = b->pushes[j];
                rc = gb_send(ob, b->from[j], b->dst[j], push ? GB_MSG_PUSH : GB_MSG_PULL_REQ,
                             0, push ? payload : 0, 0);
                if (rc < 0)
                    break;
                sent_rumor += (uint64_t)push;
            } else if (b->pushes[j]) {
                direct++;
                carried++;
                if (flip(s, d, shared))
                    b->fresh[nf++] = d;
            } else if (direct++, knows_bit(s, d)) {
                /* The request, and the reply since the peer knew the rumor at the start
                 * of the round (gb_rumor_on_contact, gb_rumor_on_reply). */
                direct++;
                carried++;
                if (flip(s, b->from[j] - first, shared))
                    b->fresh[nf++] = b->from[j] - first;
            }
        }
        for (uint32_t j = 0; j < pending; j++)
            s->inf[nb->fresh[j]] = round;
        for (uint32_t j = 0; j < nf; j++)
            __builtin_prefetch(&s->inf[b->fresh[j]], 1);
        b->nfresh = nf;
        newly += nf;
        batch *t = b;
        b = nb;
        nb = t;
    }
    for (uint32_t j = 0; j < nb->nfresh; j++)
        s->inf[nb->fresh[j]] = round;
    struct gb_rumor_tally *t = my_tally(s);
    t->rumor_msgs += sent_rumor + carried;
    t->newly += newly;
    t->duplicates += carried - newly;
    ob->direct_tally.messages += direct;
    ob->direct_tally.payload_bytes += carried * payload;
    return rc;
}

int gb_rumor_contact_range(gb_rumor_state *s, uint32_t round, gb_node_t lo, gb_node_t hi,
                           unsigned modes, gb_outbox *ob)
{
    if (ob->direct)
        return s->threads > 1 ? range_direct(s, round, lo, hi, modes, ob, 1)
                              : range_direct(s, round, lo, hi, modes, ob, 0);
    for (gb_node_t u = lo; u < hi; u++) {
        int knows = knows_bit(s, u - s->env.first);
        if (!(modes & (knows ? GB_RUMOR_PUSH : GB_RUMOR_PULL)))
            continue;
        int rc = gb_rumor_contact_peers(s, round, u, knows ? GB_MSG_PUSH : GB_MSG_PULL_REQ, ob);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* Marks a local node informed in `round`, or counts a duplicate delivery. */
static void deliver_rumor(gb_rumor_state *s, gb_node_t u, uint32_t round)
{
    if (s->threads > 1)
        mark(s, u - s->env.first, round, my_tally(s), 1);
    else
        mark(s, u - s->env.first, round, &s->tally[0], 0);
}

int gb_rumor_on_contact(void *state, uint32_t round, const gb_msg *m, gb_outbox *ob)
{
    gb_rumor_state *s = state;
    switch (m->kind) {
    case GB_MSG_PUSH:
        deliver_rumor(s, m->dst, round);
        return 0;
    case GB_MSG_PULL_REQ:
        /* Only a node that knew the rumor at the start of the round answers; a node that
         * does not know it sends nothing back (the requester's timeout, not modelled). */
        if (gb_rumor_knows(s, m->dst)) {
            my_tally(s)->rumor_msgs++;
            return gb_send(ob, m->dst, m->src, GB_MSG_PULL_REPLY, 0, s->env.payload, 0);
        }
        return 0;
    default:
        return GB_EINVAL;
    }
}

int gb_rumor_on_reply(void *state, uint32_t round, const gb_msg *m)
{
    gb_rumor_state *s = state;
    if (m->kind != GB_MSG_PULL_REPLY)
        return GB_EINVAL;
    deliver_rumor(s, m->dst, round);
    return 0;
}

void gb_rumor_end_round(void *state, uint32_t round, gb_round_stats *st)
{
    gb_rumor_state *s = state;
    (void)round;
    memcpy(s->cur, s->next, s->words * sizeof *s->cur);
    uint64_t newly = 0, duplicates = 0, rumor_msgs = 0;
    for (uint32_t k = 0; k < s->threads; k++) {
        newly += s->tally[k].newly;
        duplicates += s->tally[k].duplicates;
        rumor_msgs += s->tally[k].rumor_msgs;
        s->tally[k].newly = s->tally[k].duplicates = s->tally[k].rumor_msgs = 0;
    }
    s->informed += newly;
    st->informed = s->informed;
    st->newly = newly;
    st->active = 0; /* push / pull / push-pull never stop by themselves */
    st->duplicates = duplicates;
    st->rumor_msgs = rumor_msgs;
}

void gb_rumor_reset_node(void *state, gb_node_t node)
{
    gb_rumor_state *s = state;
    uint32_t i = node - s->env.first;
    uint64_t bit = 1ull << (i & 63);
    /* Called between rounds, when cur == next: both lose the bit. */
    if (s->cur[i >> 6] & bit)
        s->informed--;
    s->cur[i >> 6] &= ~bit;
    s->next[i >> 6] &= ~bit;
    s->inf[i] = GB_NEVER;
}

int32_t gb_rumor_infection_round(const void *state, gb_node_t node)
{
    const gb_rumor_state *s = state;
    uint32_t r = s->inf[node - s->env.first];
    return r == GB_NEVER ? -1 : (int32_t)r;
}
