/* test_anti_entropy.c: the anti-entropy session protocol (protocols/anti_entropy.c) run by
 * the session core in one process, as tests/test_session.c runs its relay.
 *
 * What a run proves by itself: it converges (pending 0: every live replica's clock equals
 * the oracle's), the replica digests' MIN and MAX meet (byte-identical replicas), and for
 * the counters and lww-register the values equal what the update log implies
 * (verify_errors 0: no update lost). The tests check these for every type x method x mode,
 * after a partition heals and after an empty recovery; the byte and value counts of single
 * reconciliations against the number of differing keys; determinism; bad parameters; and
 * that malformed or truncated message bodies are refused without reading past their end. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <CUnit/CUnit.h>

#include "faults.h"
#include "gb_session.h"
#include "gb_topology.h"
#include "tests.h"

extern const gb_session_ops gb_session_anti_entropy; /* protocols/anti_entropy.c */

/* Metric indices (ae_metrics in anti_entropy.c). */
enum { M_SETTLE, M_UPDATES, M_SENT, M_OVER, M_USELESS, M_RUMOR, M_CONFLICTS, M_VERIFY,
       M_DMIN, M_DMAX, M_SMEAN, M_SMAX, M_GE1, M_GE4, M_GE16, M_GE64 };

typedef struct ae_run {
    int rc;
    char err[GB_ERRLEN];
    gb_session_result res;
    uint64_t pending_in[64], bytes_in[64]; /* per round, the first 64 */
} ae_run;

static void run_ae(uint64_t n, const char *spec, const char *faults, const char *topo,
                   uint32_t fanout, uint64_t seed, uint32_t max_rounds, ae_run *out)
{
    memset(out, 0, sizeof *out);
    const gb_session_ops *ops = &gb_session_anti_entropy;
    gb_params params;
    gb_faults f;
    gb_topology *t = NULL;
    out->rc = gb_params_parse(&params, ops->params, spec, "protocol", ops->name, out->err);
    if (out->rc == 0)
        out->rc = gb_faults_parse(faults, &f, out->err);
    if (out->rc == 0)
        out->rc = gb_topology_create_spec(topo, n, seed, &t, NULL, out->err);
    if (out->rc < 0)
        return;
    gb_session_cfg cfg = {.ops = ops, .params = &params, .topo = t, .n = n, .fanout = fanout,
                          .max_rounds = max_rounds, .seed = seed, .faults = &f};
    gb_session_net net;
    gb_session_net_local(&net);
    gb_session_core *c = NULL;
    out->rc = gb_session_core_create(&cfg, &net, &c, out->err);
    if (out->rc == 0)
        out->rc = gb_session_core_run(c, 1, &out->res, out->err);
    if (out->rc == 0)
        for (uint32_t r = 0; r < out->res.rounds && r < 64; r++)
            out->pending_in[r] = out->res.round_pending[r],
            out->bytes_in[r] = out->res.round_bytes[r];
    /* The series live in the core. */
    for (uint32_t i = 0; i < GB_SESSION_MAX_METRICS; i++)
        out->res.series[i] = NULL;
    out->res.round_messages = out->res.round_bytes = out->res.round_pending = NULL;
    out->res.round_s = NULL;
    gb_session_core_free(c);
    gb_topology_free(t);
}

static uint64_t total_bytes(const gb_session_result *r)
{
    return r->header_bytes + r->payload_bytes + r->meta_bytes;
}

/* Converged, identical, values right. */
static int settled(const ae_run *a)
{
    const double *m = a->res.metrics;
    return a->rc == 0 && a->res.converged && a->res.pending == 0 && m[M_VERIFY] == 0 &&
           m[M_DMIN] == m[M_DMAX] && isfinite(m[M_SETTLE]);
}

static void report(const char *what, const char *spec, const ae_run *a)
{
    if (!settled(a))
        fprintf(stderr, "\n  %s %s: rc %d (%s) converged %d rounds %u pending %llu verify %g "
                        "digests %g %g settle %g\n",
                what, spec, a->rc, a->err, a->res.converged, a->res.rounds,
                (unsigned long long)a->res.pending, a->res.metrics[M_VERIFY],
                a->res.metrics[M_DMIN], a->res.metrics[M_DMAX], a->res.metrics[M_SETTLE]);
}

static const char *const types[] = {"lww", "gcounter", "pncounter", "lww-register",
                                    "mv-register", "mv-register-dvv", "orset"};
static const char *const methods[] = {"full", "digest", "merkle"};
static const char *const modes[] = {"push", "pull", "push-pull"};

/* Every type x method x mode converges to the oracle with updates and initial
 * differences; also Merkle with whole-leaf streaming and several leaves per bucket. */
static void test_ae_converge_all(void)
{
    char spec[256];
    ae_run a;
    for (size_t t = 0; t < sizeof types / sizeof types[0]; t++)
        for (size_t me = 0; me < 3; me++)
            for (size_t mo = 0; mo < 3; mo++) {
                snprintf(spec, sizeof spec,
                         "keys=40,type=%s,method=%s,mode=%s,rate=3,updates_until=6,"
                         "initial_diff=5,merkle_fanout=3",
                         types[t], methods[me], modes[mo]);
                run_ae(7, spec, "none", "complete", 1, 3 + t, 300, &a);
                report("converge", spec, &a);
                CU_ASSERT_TRUE(settled(&a));
                CU_ASSERT_TRUE(a.res.metrics[M_UPDATES] >= 5);
                CU_ASSERT_TRUE(a.res.rounds > 6);
            }
    /* Merkle variants: coarse leaves, whole-leaf streaming, depth 0, fanout 2. */
    const char *variants[] = {"merkle_depth=1,leaf_digests=0", "merkle_depth=2,leaf_digests=1",
                              "merkle_depth=0,leaf_digests=0", "merkle_fanout=2,leaf_digests=0",
                              "merkle_depth=1,leaf_digests=0,mode=pull",
                              "merkle_depth=1,leaf_digests=0,mode=push"};
    for (size_t v = 0; v < sizeof variants / sizeof variants[0]; v++)
        for (size_t t = 0; t < sizeof types / sizeof types[0]; t++) {
            snprintf(spec, sizeof spec,
                     "keys=50,type=%s,method=merkle,rate=2,updates_until=4,initial_diff=3,%s",
                     types[t], variants[v]);
            run_ae(6, spec, "none", "ring", 2, 9, 300, &a);
            report("merkle", spec, &a);
            CU_ASSERT_TRUE(settled(&a));
        }
}

/* Two replicas, `d` differing keys, no updates, push: each of the two sessions of round 1
 * moves the d values one way, and everything is identical after round 1. */
static void reconcile(const char *method_spec, uint64_t keys, uint64_t d, ae_run *a)
{
    char spec[256];
    snprintf(spec, sizeof spec, "keys=%llu,type=gcounter,rate=0,updates_until=0,initial_diff=%llu,"
                                "mode=push,%s",
             (unsigned long long)keys, (unsigned long long)d, method_spec);
    run_ae(2, spec, "none", "complete", 1, 21, 10, a);
    report("reconcile", spec, a);
    CU_ASSERT_TRUE(settled(a));
    CU_ASSERT_EQUAL(a->res.rounds, 1);
    CU_ASSERT_DOUBLE_EQUAL(a->res.metrics[M_SETTLE], 1.0, 0.0);
}

static void test_ae_reconcile_counts(void)
{
    const uint64_t K = 1000;
    ae_run full, dig, mk, mk0, mkb;
    for (uint64_t d = 1; d <= 40; d *= 4) {
        reconcile("method=full", K, d, &full);
        reconcile("method=digest", K, d, &dig);
        reconcile("method=merkle", K, d, &mk);
        reconcile("method=merkle,leaf_digests=0", K, d, &mk0);
        reconcile("method=merkle,merkle_fanout=4,merkle_depth=2,leaf_digests=0", K, d, &mkb);
        /* full: every value both ways, all but the differing ones equal at the receiver. */
        CU_ASSERT_DOUBLE_EQUAL(full.res.metrics[M_SENT], 2.0 * K, 0.0);
        CU_ASSERT_DOUBLE_EQUAL(full.res.metrics[M_OVER], 2.0 * (K - d), 0.0);
        /* digest, and merkle with per-key digests or one key per leaf: exactly the
         * differing keys, nothing over-streamed. */
        CU_ASSERT_DOUBLE_EQUAL(dig.res.metrics[M_SENT], 2.0 * d, 0.0);
        CU_ASSERT_DOUBLE_EQUAL(mk.res.metrics[M_SENT], 2.0 * d, 0.0);
        CU_ASSERT_DOUBLE_EQUAL(mk0.res.metrics[M_SENT], 2.0 * d, 0.0);
        CU_ASSERT_DOUBLE_EQUAL(dig.res.metrics[M_OVER], 0.0, 0.0);
        CU_ASSERT_DOUBLE_EQUAL(mk.res.metrics[M_OVER], 0.0, 0.0);
        CU_ASSERT_DOUBLE_EQUAL(mk0.res.metrics[M_OVER], 0.0, 0.0);
        /* 16 leaves of 62-63 keys streamed whole: the rest of each bucket is over-streamed. */
        CU_ASSERT_TRUE(mkb.res.metrics[M_SENT] >= 2.0 * d);
        CU_ASSERT_DOUBLE_EQUAL(mkb.res.metrics[M_OVER], mkb.res.metrics[M_SENT] - 2.0 * d, 0.0);
        CU_ASSERT_TRUE(mkb.res.metrics[M_SENT] >= 2.0 * 62);
        /* Payload: the values moved; digest and merkle move the same values. */
        CU_ASSERT_EQUAL(dig.res.payload_bytes, mk.res.payload_bytes);
        CU_ASSERT_TRUE(full.res.payload_bytes > 10 * dig.res.payload_bytes);
        /* Few differences: merkle < digest < full in total bytes. */
        CU_ASSERT_TRUE(total_bytes(&mk.res) < total_bytes(&dig.res));
        CU_ASSERT_TRUE(total_bytes(&dig.res) < total_bytes(&full.res));
        /* In push mode half of the values sent are the older side's: useless. */
        CU_ASSERT_DOUBLE_EQUAL(dig.res.metrics[M_USELESS], (double)d, 0.0);
    }
    /* Merkle's metadata grows with d, not with K. */
    ae_run k3, k5;
    reconcile("method=merkle,merkle_fanout=4", 1000, 5, &k3);
    reconcile("method=merkle,merkle_fanout=4", 100000, 5, &k5);
    CU_ASSERT_TRUE(k5.res.meta_bytes < 2 * k3.res.meta_bytes);
    reconcile("method=digest", 100000, 5, &dig);
    CU_ASSERT_TRUE(dig.res.meta_bytes > 50 * k5.res.meta_bytes);
}

/* A partition with updates on both sides: after the heal everything converges, and for
 * the CRDT types no update is lost (the values check against the log). */
static void test_ae_partition_heal(void)
{
    char spec[256];
    ae_run a;
    for (size_t t = 0; t < sizeof types / sizeof types[0]; t++)
        for (size_t me = 0; me < 3; me++) {
            snprintf(spec, sizeof spec,
                     "keys=30,type=%s,method=%s,rate=4,updates_until=12,zipf=1.2", types[t],
                     methods[me]);
            run_ae(10, spec, "partition=2@2-12", "complete", 1, 40 + t, 300, &a);
            report("partition", spec, &a);
            CU_ASSERT_TRUE(settled(&a));
            CU_ASSERT_TRUE(a.res.rounds > 13);
            CU_ASSERT_TRUE(a.res.dropped > 0);
            /* Hot keys updated concurrently on both sides meet after the heal. */
            if (strcmp(types[t], "lww-register") != 0)
                CU_ASSERT_TRUE(a.res.metrics[M_CONFLICTS] > 0);
            /* Both halves diverge during the partition. */
            CU_ASSERT_TRUE(a.pending_in[11] > 0);
        }
}

/* Empty recovery: the replica restarts empty and catches up; crash with state too. */
static void test_ae_recovery(void)
{
    char spec[256];
    ae_run a;
    /* Updates end before an empty recovery's crash, so none lives only at a replica that
     * loses its state (such an update would be lost for good: the run would not converge). */
    const char *faults[] = {"crash=0.25@6-9:empty", "crash=0.25@4-7", "loss=0.2",
                            "crash=0.2@6-8:empty;loss=0.1"};
    for (size_t i = 0; i < sizeof faults / sizeof faults[0]; i++)
        for (size_t t = 0; t < sizeof types / sizeof types[0]; t++) {
            snprintf(spec, sizeof spec, "keys=25,type=%s,rate=2,updates_until=%d", types[t],
                     i == 0 || i == 3 ? 2 : 8);
            run_ae(8, spec, faults[i], "complete", 1, 60 + t, 400, &a);
            report(faults[i], spec, &a);
            CU_ASSERT_TRUE(settled(&a));
        }
    /* The recovered replicas (round 9) are refilled: values flow again after quiet rounds
     * in which only the Merkle roots were compared. */
    run_ae(8, "keys=25,type=orset,rate=2,updates_until=2", "crash=0.25@6-9:empty", "complete",
           1, 60, 400, &a);
    CU_ASSERT_TRUE(settled(&a));
    CU_ASSERT_EQUAL(a.pending_in[7], 0);
    CU_ASSERT_TRUE(a.bytes_in[8] > 4 * a.bytes_in[7]);
}

/* Same seed, same trial; another seed, other updates. Staleness and rumors show. */
static void test_ae_determinism_staleness(void)
{
    const char *spec = "keys=64,type=orset,method=merkle,rate=3,updates_until=15,zipf=0.8";
    ae_run a, b, c;
    run_ae(9, spec, "loss=0.1", "ring", 1, 5, 300, &a);
    run_ae(9, spec, "loss=0.1", "ring", 1, 5, 300, &b);
    run_ae(9, spec, "loss=0.1", "ring", 1, 6, 300, &c);
    CU_ASSERT_TRUE(settled(&a) && settled(&b) && settled(&c));
    CU_ASSERT_EQUAL(a.res.rounds, b.res.rounds);
    CU_ASSERT_EQUAL(a.res.messages, b.res.messages);
    CU_ASSERT_EQUAL(total_bytes(&a.res), total_bytes(&b.res));
    for (int k = 0; k < 16; k++)
        CU_ASSERT_TRUE(a.res.metrics[k] == b.res.metrics[k] ||
                       (isnan(a.res.metrics[k]) && isnan(b.res.metrics[k])));
    CU_ASSERT_TRUE(a.res.metrics[M_DMIN] != c.res.metrics[M_DMIN] ||
                   a.res.messages != c.res.messages);
    /* On a ring with push, updates take rounds to arrive: staleness is visible. */
    CU_ASSERT_TRUE(a.res.metrics[M_SMEAN] > 0);
    CU_ASSERT_TRUE(a.res.metrics[M_SMAX] >= 2);
    CU_ASSERT_TRUE(a.res.metrics[M_GE1] > 0 && a.res.metrics[M_GE1] <= 1);
    CU_ASSERT_TRUE(a.res.metrics[M_GE4] <= a.res.metrics[M_GE1]);
    /* Rumor mongering as well: values are pushed, and updates arrive sooner. */
    ae_run r;
    run_ae(9, "keys=64,type=orset,method=merkle,rate=3,updates_until=15,zipf=0.8,rumor=1,"
              "rumor_fanout=2,rumor_rounds=3",
           "loss=0.1", "ring", 1, 5, 300, &r);
    CU_ASSERT_TRUE(settled(&r));
    CU_ASSERT_TRUE(r.res.metrics[M_RUMOR] > 0);
    CU_ASSERT_TRUE(r.res.metrics[M_SMEAN] < a.res.metrics[M_SMEAN]);
}

static void test_ae_params(void)
{
    ae_run a;
    run_ae(4, "keys=10,initial_diff=11", "none", "complete", 1, 1, 10, &a);
    CU_ASSERT_EQUAL(a.rc, GB_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(a.err, "initial_diff"));
    run_ae(4, "keys=16777216", "none", "complete", 1, 1, 10, &a);
    CU_ASSERT_EQUAL(a.rc, GB_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(a.err, "2^25"));
    run_ae(4, "keys=100,merkle_fanout=256,merkle_depth=4", "none", "complete", 1, 1, 10, &a);
    CU_ASSERT_EQUAL(a.rc, GB_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(a.err, "leaves"));
    run_ae(4, "rate=100000,updates_until=1000", "none", "complete", 1, 1, 10, &a);
    CU_ASSERT_EQUAL(a.rc, GB_EINVAL);
    run_ae(4, "type=set", "none", "complete", 1, 1, 10, &a);
    CU_ASSERT_NOT_EQUAL(a.rc, 0);
    run_ae(4, "method=gossip", "none", "complete", 1, 1, 10, &a);
    CU_ASSERT_NOT_EQUAL(a.rc, 0);
}

/* ------------------------------------------------------------------ malformed bodies */

typedef struct rec_msg {
    gb_node_t src, dst;
    uint16_t kind;
    uint32_t len, meta;
    uint8_t *body;
} rec_msg;

typedef struct recorder {
    gb_soutbox base;
    rec_msg m[64];
    int n;
} recorder;

static int rec_send(gb_soutbox *ob, gb_node_t src, gb_node_t dst, uint16_t kind,
                    const void *body, uint32_t len, uint32_t meta)
{
    recorder *r = (recorder *)ob;
    if (r->n == 64)
        return 0;
    rec_msg *m = &r->m[r->n++];
    *m = (rec_msg){.src = src, .dst = dst, .kind = kind, .len = len, .meta = meta,
                   .body = malloc(len ? len : 1)};
    if (m->body != NULL && len > 0)
        memcpy(m->body, body, len);
    return 0;
}

static void rec_clear(recorder *r)
{
    for (int i = 0; i < r->n; i++)
        free(r->m[i].body);
    r->n = 0;
}

/* Delivers a copy of `len` bytes exactly (heap, so a read past the end shows under ASan or
 * valgrind). */
static int deliver_copy(const gb_session_ops *ops, void *st, gb_node_t src, gb_node_t dst,
                        uint16_t kind, const uint8_t *body, uint32_t len, recorder *out)
{
    uint8_t *copy = malloc(len ? len : 1);
    if (copy == NULL)
        return GB_ENOMEM;
    if (len > 0)
        memcpy(copy, body, len);
    gb_smsg m = {.src = src, .dst = dst, .kind = kind, .step = 1, .seq = 0, .len = len,
                 .meta = 0, .data = copy};
    int rc = ops->deliver(st, 1, &m, &out->base);
    free(copy);
    return rc;
}

static void test_ae_malformed(void)
{
    const gb_session_ops *ops = &gb_session_anti_entropy;
    const char *specs[] = {"keys=50,type=orset,method=full,mode=push-pull,initial_diff=10",
                           "keys=50,type=lww,method=digest,initial_diff=10",
                           "keys=50,type=gcounter,method=merkle,merkle_fanout=3,initial_diff=10",
                           "keys=50,type=mv-register,method=merkle,leaf_digests=0,mode=pull,"
                           "merkle_depth=2,initial_diff=10"};
    char err[GB_ERRLEN];
    gb_topology *t = NULL;
    CU_ASSERT_EQUAL_FATAL(gb_topology_create_spec("complete", 4, 1, &t, NULL, err), 0);
    for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++) {
        gb_params params;
        CU_ASSERT_EQUAL_FATAL(gb_params_parse(&params, ops->params, specs[i], "protocol",
                                              ops->name, err), 0);
        gb_session_env env = {.base = {.topo = t, .n = 4, .first = 0, .count = 4, .fanout = 1,
                                       .seed = 3, .trial = 0, .params = &params},
                              .max_rounds = 10, .is_up = NULL, .up_ctx = NULL};
        void *st = NULL;
        CU_ASSERT_EQUAL_FATAL(ops->init(&env, &st, err), 0);
        recorder a = {.base = {.send = rec_send}}, b = {.base = {.send = rec_send}};
        /* Collect real messages of every step by running the sessions of round 1 by hand. */
        for (gb_node_t v = 0; v < 4; v++)
            CU_ASSERT_EQUAL(ops->start(st, 1, v, &a.base), 0);
        for (int step = 0; step < 12 && a.n > 0; step++) {
            for (int j = 0; j < a.n; j++) {
                rec_msg *m = &a.m[j];
                /* Every truncation of a valid body, and corruptions of its count and keys. */
                for (uint32_t cut = 0; cut < m->len; cut += 1 + m->len / 40) {
                    int rc = deliver_copy(ops, st, m->src, m->dst, m->kind, m->body, cut, &b);
                    CU_ASSERT_TRUE(rc == 0 || rc == GB_EINVAL);
                }
                for (uint32_t at = 4; at + 4 <= m->len && at < 64; at += 4) {
                    uint8_t *c = malloc(m->len);
                    memcpy(c, m->body, m->len);
                    c[at] ^= 0x5a;
                    c[at + 3] ^= 0x80;
                    int rc = deliver_copy(ops, st, m->src, m->dst, m->kind, c, m->len, &b);
                    CU_ASSERT_TRUE(rc == 0 || rc == GB_EINVAL);
                    free(c);
                }
                rec_clear(&b);
                /* Then the genuine one, whose answers form the next step. */
                CU_ASSERT_EQUAL(deliver_copy(ops, st, m->src, m->dst, m->kind, m->body, m->len,
                                             &b), 0);
            }
            rec_clear(&a);
            a = b;
            b.n = 0;
        }
        rec_clear(&a);
        /* Unknown kinds, empty bodies, bad destinations. */
        uint8_t junk[64];
        for (int k = 0; k < 64; k++)
            junk[k] = (uint8_t)(k * 37 + 11);
        for (uint16_t kind = 0; kind < 12; kind++)
            for (uint32_t len = 0; len <= 64; len += 7) {
                int rc = deliver_copy(ops, st, 1, 2, kind, junk, len, &b);
                CU_ASSERT_TRUE(rc == 0 || rc == GB_EINVAL);
                rec_clear(&b);
            }
        ops->fini(st);
    }
    gb_topology_free(t);
}

int gb_test_register_anti_entropy(void)
{
    CU_pSuite s = CU_add_suite("anti_entropy", NULL, NULL);
    if (s == NULL ||
        CU_add_test(s, "every type x method x mode converges", test_ae_converge_all) == NULL ||
        CU_add_test(s, "values and bytes of one reconciliation", test_ae_reconcile_counts) == NULL ||
        CU_add_test(s, "partition heal loses no update", test_ae_partition_heal) == NULL ||
        CU_add_test(s, "crash, empty recovery, loss", test_ae_recovery) == NULL ||
        CU_add_test(s, "determinism, staleness, rumors", test_ae_determinism_staleness) == NULL ||
        CU_add_test(s, "parameters", test_ae_params) == NULL ||
        CU_add_test(s, "malformed bodies", test_ae_malformed) == NULL)
        return CU_get_error();
    return 0;
}
