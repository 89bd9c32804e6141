/* transport.c: NBX and Alltoallv exchanges of one phase's messages (see transport.h). */
#include "config.h"
#include "transport.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "gb_mpi.h"

int gb_msgbuf_grow(gb_msgbuf *b)
{
    size_t cap = b->cap ? 2 * b->cap : 256;
    gb_msg *m = realloc(b->m, cap * sizeof *m);
    if (m == NULL)
        return GB_ENOMEM;
    b->m = m;
    b->cap = cap;
    return 0;
}

static int reserve(gb_msgbuf *b, size_t n)
{
    while (b->cap < n)
        if (gb_msgbuf_grow(b) < 0)
            return GB_ENOMEM;
    return 0;
}

int gb_transport_init(gb_transport *t, enum gb_transport_kind kind, MPI_Comm comm, char *err)
{
    memset(t, 0, sizeof *t);
    t->comm = comm;
    GB_MPI(MPI_Comm_rank(comm, &t->rank));
    GB_MPI(MPI_Comm_size(comm, &t->size));
    if (kind == GB_TRANSPORT_AUTO)
        kind = t->size == 1 ? GB_TRANSPORT_LOCAL : GB_TRANSPORT_NBX;
    if (kind == GB_TRANSPORT_LOCAL && t->size > 1)
        return gb_seterr(err, GB_EINVAL,
                         "--transport local runs in one process, but %d MPI ranks were started",
                         t->size);
    t->kind = kind;
    size_t p = (size_t)t->size;
    t->out = calloc(p, sizeof *t->out);
    t->in = calloc(p, sizeof *t->in);
    t->scount = calloc(4 * p, sizeof *t->scount);
    t->reqs = calloc(p, sizeof *t->reqs);
    t->seg = calloc(p, sizeof *t->seg);
    t->seglen = calloc(p, sizeof *t->seglen);
    if (t->out == NULL || t->in == NULL || t->scount == NULL || t->reqs == NULL ||
        t->seg == NULL || t->seglen == NULL) {
        gb_transport_fini(t);
        return gb_seterr(err, GB_ENOMEM, "transport for %d ranks: out of memory", t->size);
    }
    t->rcount = t->scount + p;
    t->sdispl = t->rcount + p;
    t->rdispl = t->sdispl + p;
    return 0;
}

void gb_transport_fini(gb_transport *t)
{
    for (int r = 0; t->out != NULL && r < t->size; r++)
        free(t->out[r].m);
    for (int r = 0; t->in != NULL && r < t->size; r++)
        free(t->in[r].m);
    free(t->out);
    free(t->in);
    free(t->scount);
    free(t->reqs);
    free(t->seg);
    free(t->seglen);
    free(t->log);
    free(t->sbuf.m);
    free(t->rbuf.m);
    memset(t, 0, sizeof *t);
}

/* The own rank's messages never touch MPI: swap them into in[rank]. */
static void keep_local(gb_transport *t)
{
    gb_msgbuf tmp = t->in[t->rank];
    t->in[t->rank] = t->out[t->rank];
    t->out[t->rank] = tmp;
    t->out[t->rank].len = 0;
}

/* Bytes of a buffer as an MPI count; messages beyond INT_MAX bytes per destination and
 * phase would need chunking, which a single round never reaches below ~10^8 nodes per rank. */
static int count_bytes(size_t len, int *out)
{
    size_t b = len * sizeof(gb_msg);
    if (b > (size_t)INT_MAX)
        return GB_ERANGE;
    *out = (int)b;
    return 0;
}

/* NBX's nonblocking barrier. With a real MPI library, MPI_Ibarrier. SimGrid SMPI 3.32's
 * MPI_Ibarrier is not a barrier: rank 0 posts its zero-byte sends to every rank at once
 * (colls::ibarrier in smpi_nbc_impl.cpp), so a rank's barrier completes as soon as it and
 * rank 0 have entered, NBX leaves with messages unreceived, and the run deadlocks. Under
 * SMPI the barrier is therefore a dissemination barrier (Hensgen, Finkel and Manber 1988:
 * in round k, a zero-byte message to rank + 2^k and one from rank - 2^k; ceil(log2 p)
 * rounds), the algorithm of Open MPI's own MPI_Ibarrier (coll/libnbc), so the simulated
 * cost stays that of a real NBX. Consecutive barriers cannot mix: round k of every
 * instance has its own peers, and MPI keeps messages from one peer in order. */
/* 1 when every request of reqs[0..n) is complete (completed ones become MPI_REQUEST_NULL).
 * Under SMPI, MPI_Testall charges smpi/test once per request, so one poll of NBX with 255
 * outstanding MPI_Issends cost 128 simulated microseconds, and MPI_Testany's charge grows
 * with every unsuccessful call whatever smpi/grow-injected-times says. So the requests are
 * tested one at a time, in order, stopping at the first incomplete one: a poll is charged
 * once, plus once per request it finds complete. */
static int all_done(int n, MPI_Request *reqs)
{
#ifdef GB_SMPI
    for (int i = 0; i < n; i++) {
        if (reqs[i] == MPI_REQUEST_NULL)
            continue;
        int flag = 0;
        GB_MPI(MPI_Test(&reqs[i], &flag, MPI_STATUS_IGNORE));
        if (!flag)
            return 0;
    }
    return 1;
#else
    int flag = 0;
    GB_MPI(MPI_Testall(n, reqs, &flag, MPI_STATUSES_IGNORE));
    return flag;
#endif
}

#ifdef GB_SMPI
#define GB_BARRIER_TAG 120
static char barrier_byte;

static void barrier_post(gb_transport *t)
{
    int to = (t->rank + t->barrier_dist) % t->size;
    int from = (t->rank - t->barrier_dist + t->size) % t->size;
    GB_MPI(MPI_Isend(&barrier_byte, 0, MPI_BYTE, to, GB_BARRIER_TAG, t->comm, &t->barrier[0]));
    GB_MPI(MPI_Irecv(&barrier_byte, 0, MPI_BYTE, from, GB_BARRIER_TAG, t->comm,
                     &t->barrier[1]));
}

static void barrier_start(gb_transport *t)
{
    t->barrier_dist = 1;
    barrier_post(t);
}

static int barrier_test(gb_transport *t)
{
    if (!all_done(2, t->barrier))
        return 0;
    t->barrier_dist *= 2;
    if (t->barrier_dist >= t->size)
        return 1;
    barrier_post(t);
    return 0;
}
#else
static void barrier_start(gb_transport *t)
{
    GB_MPI(MPI_Ibarrier(t->comm, &t->barrier[0]));
}

static int barrier_test(gb_transport *t)
{
    int done = 0;
    GB_MPI(MPI_Test(&t->barrier[0], &done, MPI_STATUS_IGNORE));
    return done;
}
#endif

static int exchange_nbx(gb_transport *t, int tag)
{
    int nreq = 0;
    for (int r = 0; r < t->size; r++) {
        t->in[r].len = r == t->rank ? t->in[r].len : 0;
        if (r == t->rank || t->out[r].len == 0)
            continue;
        int bytes;
        if (count_bytes(t->out[r].len, &bytes) < 0)
            return GB_ERANGE;
        GB_MPI(MPI_Issend(t->out[r].m, bytes, MPI_BYTE, r, tag, t->comm, &t->reqs[nreq++]));
        t->bytes_sent += (uint64_t)bytes;
        t->msgs_sent += t->out[r].len;
    }
    int barrier_active = 0, done = 0;
    while (!done) {
        int flag = 0;
        MPI_Status st;
        GB_MPI(MPI_Iprobe(MPI_ANY_SOURCE, tag, t->comm, &flag, &st));
        if (flag) {
            int bytes = 0;
            GB_MPI(MPI_Get_count(&st, MPI_BYTE, &bytes));
            gb_msgbuf *b = &t->in[st.MPI_SOURCE];
            if (reserve(b, (size_t)bytes / sizeof(gb_msg)) < 0)
                return GB_ENOMEM;
            GB_MPI(MPI_Recv(b->m, bytes, MPI_BYTE, st.MPI_SOURCE, tag, t->comm,
                            MPI_STATUS_IGNORE));
            b->len = (size_t)bytes / sizeof(gb_msg);
        }
        if (!barrier_active) {
            if (all_done(nreq, t->reqs)) {
                barrier_start(t);
                barrier_active = 1;
            }
        } else {
            done = barrier_test(t);
        }
    }
    for (int r = 0; r < t->size; r++)
        if (r != t->rank)
            t->out[r].len = 0;
    return 0;
}

static int exchange_alltoallv(gb_transport *t)
{
    int p = t->size;
    size_t total = 0;
    for (int r = 0; r < p; r++) {
        size_t len = r == t->rank ? 0 : t->out[r].len;
        if (count_bytes(len, &t->scount[r]) < 0)
            return GB_ERANGE;
        t->sdispl[r] = (int)(total * sizeof(gb_msg));
        total += len;
        if (total * sizeof(gb_msg) > (size_t)INT_MAX)
            return GB_ERANGE;
    }
    GB_MPI(MPI_Alltoall(t->scount, 1, MPI_INT, t->rcount, 1, MPI_INT, t->comm));
    size_t rtotal = 0;
    for (int r = 0; r < p; r++) {
        t->rdispl[r] = (int)rtotal;
        rtotal += (size_t)t->rcount[r];
        if (rtotal > (size_t)INT_MAX)
            return GB_ERANGE;
    }
    /* Pack into one contiguous send buffer, as a user of MPI_Alltoallv must: the copy is part
     * of this approach's cost. The buffers persist across phases. */
    if (reserve(&t->sbuf, total ? total : 1) < 0 ||
        reserve(&t->rbuf, rtotal / sizeof(gb_msg) ? rtotal / sizeof(gb_msg) : 1) < 0)
        return GB_ENOMEM;
    for (int r = 0; r < p; r++) {
        if (r == t->rank || t->out[r].len == 0)
            continue;
        memcpy((char *)t->sbuf.m + t->sdispl[r], t->out[r].m, t->out[r].len * sizeof(gb_msg));
        t->bytes_sent += (uint64_t)t->scount[r];
        t->msgs_sent += t->out[r].len;
        t->out[r].len = 0;
    }
    GB_MPI(MPI_Alltoallv(t->sbuf.m, t->scount, t->sdispl, MPI_BYTE, t->rbuf.m, t->rcount,
                         t->rdispl, MPI_BYTE, t->comm));
    for (int r = 0; r < p; r++) {
        if (r == t->rank)
            continue;
        t->seg[r] = (const gb_msg *)((const char *)t->rbuf.m + t->rdispl[r]);
        t->seglen[r] = (size_t)t->rcount[r] / sizeof(gb_msg);
    }
    return 0;
}

/* Records this exchange's per-rank send counts (before) or receive counts (after). */
static int log_counts(gb_transport *t, int after)
{
    size_t p = (size_t)t->size;
    if (!after) {
        if (t->log_len == t->log_cap) {
            size_t cap = t->log_cap ? 2 * t->log_cap : 64;
            uint32_t *l = realloc(t->log, cap * 2 * p * sizeof *l);
            if (l == NULL)
                return GB_ENOMEM;
            t->log = l;
            t->log_cap = cap;
        }
        uint32_t *e = t->log + t->log_len * 2 * p;
        for (size_t r = 0; r < p; r++)
            e[r] = (int)r == t->rank ? 0 : (uint32_t)t->out[r].len;
        return 0;
    }
    uint32_t *e = t->log + t->log_len * 2 * p + p;
    for (size_t r = 0; r < p; r++)
        e[r] = (int)r == t->rank ? 0 : (uint32_t)t->seglen[r];
    t->log_len++;
    return 0;
}

int gb_transport_exchange(gb_transport *t, unsigned phase)
{
    int logging = t->log_enabled && t->size > 1;
    if (logging && log_counts(t, 0) < 0)
        logging = 0, t->log_enabled = 0; /* no memory: the replay is skipped, not wrong */
    double t0 = MPI_Wtime();
    keep_local(t);
    int rc = 0;
    if (t->kind == GB_TRANSPORT_NBX)
        rc = exchange_nbx(t, 100 + (int)(phase & 1u));
    else if (t->kind == GB_TRANSPORT_ALLTOALLV)
        rc = exchange_alltoallv(t);
    if (t->kind != GB_TRANSPORT_ALLTOALLV)
        for (int r = 0; r < t->size; r++) {
            t->seg[r] = t->in[r].m;
            t->seglen[r] = t->in[r].len;
        }
    t->seg[t->rank] = t->in[t->rank].m;
    t->seglen[t->rank] = t->in[t->rank].len;
    t->exchange_s += MPI_Wtime() - t0;
    if (logging)
        log_counts(t, 1);
    return rc;
}
