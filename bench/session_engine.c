/* session_engine.c: the MPI net of the session core (session_engine.h). */
#include "session_engine.h"

#include <stdlib.h>
#include <string.h>

#include "gb_mpi.h"
#include "measure.h"
#include "transport.h"

struct gb_session_engine {
    gb_transport tr;
    unsigned phase;
    gb_session_core *core;
    double clock_offset; /* this rank's MPI_Wtime minus rank 0's */
    int have_offset;     /* clock_offset measured (at the first trial: runs are collective) */
};

static int mpi_exchange(void *ctx, gb_sbuf *out, const uint8_t **seg, size_t *seglen)
{
    gb_session_engine *e = ctx;
    gb_transport *t = &e->tr;
    /* Frames are whole 16-byte units: copy them into the transport's message buffers. */
    for (int r = 0; r < t->size; r++) {
        size_t units = out[r].len / sizeof(gb_msg);
        gb_msgbuf *b = &t->out[r];
        while (b->cap < units)
            if (gb_msgbuf_grow(b) < 0)
                return GB_ENOMEM;
        if (units > 0)
            memcpy(b->m, out[r].p, units * sizeof(gb_msg));
        b->len = units;
        out[r].len = 0;
    }
    int rc = gb_transport_exchange(t, e->phase++);
    if (rc < 0)
        return rc;
    for (int r = 0; r < t->size; r++) {
        seg[r] = (const uint8_t *)t->seg[r];
        seglen[r] = t->seglen[r] * sizeof(gb_msg);
    }
    return 0;
}

static int mpi_allreduce_u64(void *ctx, uint64_t *v, int count)
{
    gb_session_engine *e = ctx;
    GB_MPI(MPI_Allreduce(MPI_IN_PLACE, v, count, MPI_UINT64_T, MPI_SUM, e->tr.comm));
    return 0;
}

static int mpi_allreduce_dbl(void *ctx, double *v, int count, enum gb_metric_op op)
{
    gb_session_engine *e = ctx;
    MPI_Op mop = op == GB_METRIC_MIN ? MPI_MIN : op == GB_METRIC_MAX ? MPI_MAX : MPI_SUM;
    GB_MPI(MPI_Allreduce(MPI_IN_PLACE, v, count, MPI_DOUBLE, mop, e->tr.comm));
    return 0;
}

static double mpi_now(void *ctx)
{
    (void)ctx;
    return MPI_Wtime();
}

int gb_session_engine_create(const gb_session_cfg *cfg, enum gb_transport_kind kind,
                             const volatile int *stop, MPI_Comm comm, gb_session_engine **out,
                             char *err)
{
    *out = NULL;
    gb_session_engine *e = calloc(1, sizeof *e);
    if (e == NULL)
        return gb_seterr(err, GB_ENOMEM, "session engine: out of memory");
    int rc = gb_transport_init(&e->tr, kind, comm, err);
    if (rc < 0) {
        free(e);
        return rc;
    }
    gb_session_net net = {.nranks = e->tr.size, .rank = e->tr.rank,
                          .exchange = mpi_exchange, .allreduce_u64 = mpi_allreduce_u64,
                          .allreduce_dbl = mpi_allreduce_dbl, .now = mpi_now, .stop = stop,
                          .ctx = e};
    rc = gb_session_core_create(cfg, &net, &e->core, err);
    if (rc < 0) {
        gb_session_engine_free(e);
        return rc;
    }
    *out = e;
    return 0;
}

void gb_session_engine_free(gb_session_engine *e)
{
    if (e == NULL)
        return;
    gb_session_core_free(e->core);
    gb_transport_fini(&e->tr);
    free(e);
}

int gb_session_engine_run(gb_session_engine *e, uint32_t trial, gb_session_result *res,
                          double *wall_s, uint64_t *mpi_bytes, char *err)
{
    e->tr.bytes_sent = 0;
    e->tr.msgs_sent = 0;
    /* Every rank starts at one instant, as rumor trials do (a barrier's exit is skewed). */
    if (!e->have_offset) {
        e->clock_offset = gb_measure_clock_offset(e->tr.comm);
        e->have_offset = 1;
    }
    double t0 = gb_synchronised_start(e->tr.comm, e->clock_offset);
    int rc = gb_session_core_run(e->core, trial, res, err);
    double dt = MPI_Wtime() - t0;
    GB_MPI(MPI_Allreduce(&dt, wall_s, 1, MPI_DOUBLE, MPI_MAX, e->tr.comm));
    uint64_t b = e->tr.bytes_sent;
    GB_MPI(MPI_Allreduce(&b, mpi_bytes, 1, MPI_UINT64_T, MPI_SUM, e->tr.comm));
    return rc;
}
