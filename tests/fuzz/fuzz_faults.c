/* fuzz_faults.c: libFuzzer target for gb_faults_parse (bench/faults.c), the parser of
 * --faults "SPEC".
 *
 * Input: the SPEC text (cut at the first NUL). Invariants checked (abort() on violation):
 *  - failure: GB_EINVAL, GB_ERANGE or GB_EIO ("@FILE") and one non-empty line in err;
 *  - success: the schedule is consistent (any == some fault set; probabilities and
 *    fractions in [0, 1]; loss 0 drops nothing, loss 1 sets loss_all; at most
 *    GB_FAULTS_MAX_EVENTS events, sorted by kind, each sampled one with its own set index;
 *    recovery after the crash, ":empty" only with a recovery; partitions with at least two
 *    groups, windows from <= to that do not overlap within a kind; slow_every >= 1, since
 *    gb_faults_slow_skips divides by it; rounds within GB_FAULTS_MAX_ROUND);
 *  - gb_faults_format gives a SPEC that parses back to the same schedule;
 *  - for small n, gb_faults_count stays <= n and gb_faults_select marks exactly that many
 *    nodes, deterministically; a node-state view over all n nodes runs 12 rounds with
 *    valid states and a matching UP count. */
#include "faults.h"
#include "fuzz_common.h"

static void check_sane(const gb_faults *f, const char *spec)
{
    FZ_CHECK(f->any == (f->has_loss || f->has_crossloss || f->has_slow || f->nevents > 0),
             "faults: '%s': any=%d does not match the fault flags", spec, f->any);
    FZ_CHECK(f->nevents <= GB_FAULTS_MAX_EVENTS, "faults: '%s': %u events", spec, f->nevents);
    if (f->has_loss) {
        FZ_CHECK(f->loss >= 0.0 && f->loss <= 1.0, "faults: '%s': loss=%g", spec, f->loss);
        FZ_CHECK(f->loss_all == (f->loss == 1.0), "faults: '%s': loss=%g but loss_all=%d", spec,
                 f->loss, f->loss_all);
        FZ_CHECK(f->loss > 0.0 || f->loss_thresh == 0, "faults: '%s': loss 0 but threshold %llu",
                 spec, (unsigned long long)f->loss_thresh);
    }
    if (f->has_crossloss)
        FZ_CHECK(f->crossloss > 0.0 && f->crossloss <= 1.0 && f->cross_groups >= 2,
                 "faults: '%s': crossloss=%g@%u", spec, f->crossloss, f->cross_groups);
    uint32_t sampled = 0;
    for (uint32_t i = 0; i < f->nevents; i++) {
        const gb_fault_event *e = &f->ev[i];
        FZ_CHECK(i == 0 || e->kind >= f->ev[i - 1].kind, "faults: '%s': events not sorted", spec);
        FZ_CHECK(e->frac >= 0.0 && e->frac <= 1.0 && e->join >= 0.0 && e->join <= 1.0,
                 "faults: '%s': event %u fraction %g/%g", spec, i, e->frac, e->join);
        FZ_CHECK(e->from >= 1 && e->from <= GB_FAULTS_MAX_ROUND && e->to <= GB_FAULTS_MAX_ROUND,
                 "faults: '%s': event %u rounds %u..%u", spec, i, e->from, e->to);
        switch (e->kind) {
        case GB_FAULT_CRASH:
            FZ_CHECK(e->to == 0 || e->to > e->from, "faults: '%s': crash %u..%u", spec, e->from,
                     e->to);
            FZ_CHECK(!e->empty || e->to != 0, "faults: '%s': empty recovery without recovery",
                     spec);
            FZ_CHECK(e->set == sampled++, "faults: '%s': set index", spec);
            break;
        case GB_FAULT_JOIN:
        case GB_FAULT_LEAVE:
            FZ_CHECK(e->set == sampled++, "faults: '%s': set index", spec);
            break;
        case GB_FAULT_PARTITION:
        case GB_FAULT_CHURN:
            FZ_CHECK(e->from <= e->to, "faults: '%s': window %u..%u", spec, e->from, e->to);
            FZ_CHECK(e->kind == GB_FAULT_CHURN || e->groups >= 2, "faults: '%s': %u groups",
                     spec, e->groups);
            for (uint32_t j = 0; j < i; j++)
                FZ_CHECK(f->ev[j].kind != e->kind || f->ev[j].to < e->from,
                         "faults: '%s': overlapping windows", spec);
            break;
        default: FZ_CHECK(0, "faults: '%s': event kind %u", spec, e->kind);
        }
    }
    FZ_CHECK(sampled == f->nsampled, "faults: '%s': %u sampled sets, nsampled %u", spec, sampled,
             f->nsampled);
    if (f->has_slow) {
        FZ_CHECK(f->slow_frac >= 0.0 && f->slow_frac <= 1.0, "faults: '%s': slow fraction %g",
                 spec, f->slow_frac);
        FZ_CHECK(f->slow_every >= 1, "faults: '%s': slow every %u rounds (divides)", spec,
                 f->slow_every);
    }
}

/* For small n, a view runs a few rounds: states stay valid and the UP count matches. */
static void check_view(const gb_faults *f, uint64_t n)
{
    if (gb_faults_check(f, n, NULL) < 0)
        return;
    gb_fault_view *v = NULL;
    FZ_CHECK(gb_fault_view_create(f, 7, n, 0, (uint32_t)n, &v) == 0, "faults: view create");
    gb_fault_view_start(v, 3);
    for (uint32_t r = 1; r <= 12; r++) {
        gb_fault_view_advance(v, r);
        uint64_t up = 0;
        for (gb_node_t u = 0; u < n; u++) {
            uint8_t st = gb_fault_view_state(v, u);
            FZ_CHECK(st <= GB_NODE_ABSENT, "faults: state %u", st);
            up += st == GB_NODE_UP;
            (void)gb_fault_view_drops(v, u, (gb_node_t)(n - 1 - u), u, r);
        }
        FZ_CHECK(up == gb_fault_view_up(v), "faults: up count %llu, view says %llu",
                 (unsigned long long)up, (unsigned long long)gb_fault_view_up(v));
    }
    gb_fault_view_free(v);
}

static void check_select(const gb_faults *f, uint64_t n)
{
    uint8_t bits[16], again[16];
    double fracs[2] = {f->nevents > 0 ? f->ev[0].frac : 0.0, f->has_slow ? f->slow_frac : 0.0};
    for (unsigned which = 0; which < 2; which++) {
        uint64_t k = gb_faults_count(fracs[which], n);
        FZ_CHECK(k <= n, "faults: count(%g, %llu) = %llu", fracs[which], (unsigned long long)n,
                 (unsigned long long)k);
        memset(bits, 0xa5, sizeof bits);
        gb_faults_select(7, 3, which, n, k, bits);
        uint64_t set = 0;
        for (uint64_t v = 0; v < n; v++)
            set += (uint64_t)gb_faults_bit(bits, v);
        FZ_CHECK(set == k, "faults: select marked %llu of %llu nodes, asked for %llu",
                 (unsigned long long)set, (unsigned long long)n, (unsigned long long)k);
        gb_faults_select(7, 3, which, n, k, again);
        FZ_CHECK(memcmp(bits, again, (size_t)((n + 7) / 8)) == 0,
                 "faults: select is not deterministic");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *spec = fz_strndup(data, size);
    gb_faults f, g;
    char err[GB_ERRLEN];
    memset(err, 'X', sizeof err);
    err[0] = '\0';
    int rc = gb_faults_parse(spec, &f, err);
    if (rc < 0) {
        FZ_CHECK(rc == GB_EINVAL || rc == GB_ERANGE || rc == GB_EIO,
                 "faults: undocumented return code %d (%s)",
                 rc, err);
        fz_check_err("gb_faults_parse", rc, err);
        free(spec);
        return 0;
    }
    FZ_CHECK(rc == 0, "faults: positive return code %d", rc);
    check_sane(&f, spec);

    char text[GB_FAULTS_TEXT_MAX];
    int len = gb_faults_format(&f, text, sizeof text);
    FZ_CHECK(len > 0 && (size_t)len < sizeof text && strlen(text) == (size_t)len,
             "faults: format returned %d for '%s'", len, spec);
    char err2[GB_ERRLEN] = "";
    rc = gb_faults_parse(text, &g, err2);
    FZ_CHECK(rc == 0, "faults: '%s' formats as '%s', which does not parse: %s", spec, text,
             err2);
    FZ_CHECK(gb_faults_equal(&f, &g), "faults: '%s' formats as '%s', which parses to a "
             "different schedule", spec, text);

    check_select(&f, 1 + (uint64_t)(size % 128));
    check_view(&f, 1 + (uint64_t)(size % 128));
    free(spec);
    return 0;
}
