/* fuzz_faults.c: libFuzzer target for gb_faults_parse (bench/faults.c), the parser of
 * --faults "SPEC".
 *
 * Input: the SPEC text (cut at the first NUL). Invariants checked (abort() on violation):
 *  - failure: GB_EINVAL or GB_ERANGE and one non-empty line in err;
 *  - success: the schedule is consistent (any == some fault set; probabilities and
 *    fractions in [0, 1]; loss 0 drops nothing, loss 1 sets loss_all; recovery after the
 *    crash; a partition with at least one group and from <= to; slow_every >= 1, since
 *    gb_faults_slow_skips divides by it; rounds within GB_FAULTS_MAX_ROUND);
 *  - gb_faults_format gives a SPEC that parses back to the same schedule;
 *  - for small n, gb_faults_count stays <= n and gb_faults_select marks exactly that many
 *    nodes, deterministically. */
#include "faults.h"
#include "fuzz_common.h"

static void check_sane(const gb_faults *f, const char *spec)
{
    FZ_CHECK(f->any == (f->has_loss || f->has_crash || f->has_partition || f->has_slow),
             "faults: '%s': any=%d does not match the fault flags", spec, f->any);
    if (f->has_loss) {
        FZ_CHECK(f->loss >= 0.0 && f->loss <= 1.0, "faults: '%s': loss=%g", spec, f->loss);
        FZ_CHECK(f->loss_all == (f->loss == 1.0), "faults: '%s': loss=%g but loss_all=%d", spec,
                 f->loss, f->loss_all);
        FZ_CHECK(f->loss > 0.0 || f->loss_thresh == 0, "faults: '%s': loss 0 but threshold %llu",
                 spec, (unsigned long long)f->loss_thresh);
    }
    if (f->has_crash) {
        FZ_CHECK(f->crash_frac >= 0.0 && f->crash_frac <= 1.0, "faults: '%s': crash fraction %g",
                 spec, f->crash_frac);
        FZ_CHECK(f->crash_at <= GB_FAULTS_MAX_ROUND, "faults: '%s': crash at round %u", spec,
                 f->crash_at);
        FZ_CHECK(f->crash_until == 0 || (f->crash_until > f->crash_at &&
                                         f->crash_until <= GB_FAULTS_MAX_ROUND + 1u),
                 "faults: '%s': crash %u..%u", spec, f->crash_at, f->crash_until);
    }
    if (f->has_partition) {
        FZ_CHECK(f->groups >= 1, "faults: '%s': %u groups", spec, f->groups);
        FZ_CHECK(f->part_from <= f->part_to && f->part_to <= GB_FAULTS_MAX_ROUND,
                 "faults: '%s': partition rounds %u..%u", spec, f->part_from, f->part_to);
    }
    if (f->has_slow) {
        FZ_CHECK(f->slow_frac >= 0.0 && f->slow_frac <= 1.0, "faults: '%s': slow fraction %g",
                 spec, f->slow_frac);
        FZ_CHECK(f->slow_every >= 1, "faults: '%s': slow every %u rounds (divides)", spec,
                 f->slow_every);
    }
}

static void check_same(const gb_faults *a, const gb_faults *b, const char *spec,
                       const char *text)
{
    int same = a->any == b->any && a->has_loss == b->has_loss &&
               a->has_crash == b->has_crash && a->has_partition == b->has_partition &&
               a->has_slow == b->has_slow;
    if (same && a->has_loss)
        same = a->loss == b->loss && a->loss_thresh == b->loss_thresh &&
               a->loss_all == b->loss_all;
    if (same && a->has_crash)
        same = a->crash_frac == b->crash_frac && a->crash_at == b->crash_at &&
               a->crash_until == b->crash_until;
    if (same && a->has_partition)
        same = a->groups == b->groups && a->part_from == b->part_from &&
               a->part_to == b->part_to;
    if (same && a->has_slow)
        same = a->slow_frac == b->slow_frac && a->slow_every == b->slow_every;
    FZ_CHECK(same, "faults: '%s' formats as '%s', which parses to a different schedule", spec,
             text);
}

static void check_select(const gb_faults *f, uint64_t n)
{
    uint8_t bits[16], again[16];
    double fracs[2] = {f->has_crash ? f->crash_frac : 0.0, f->has_slow ? f->slow_frac : 0.0};
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
        FZ_CHECK(rc == GB_EINVAL || rc == GB_ERANGE, "faults: undocumented return code %d (%s)",
                 rc, err);
        fz_check_err("gb_faults_parse", rc, err);
        free(spec);
        return 0;
    }
    FZ_CHECK(rc == 0, "faults: positive return code %d", rc);
    check_sane(&f, spec);

    char text[1024];
    int len = gb_faults_format(&f, text, sizeof text);
    FZ_CHECK(len > 0 && (size_t)len < sizeof text && strlen(text) == (size_t)len,
             "faults: format returned %d for '%s'", len, spec);
    char err2[GB_ERRLEN] = "";
    rc = gb_faults_parse(text, &g, err2);
    FZ_CHECK(rc == 0, "faults: '%s' formats as '%s', which does not parse: %s", spec, text,
             err2);
    check_same(&f, &g, spec, text);

    check_select(&f, 1 + (uint64_t)(size % 128));
    free(spec);
    return 0;
}
