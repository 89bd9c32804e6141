/* transport.h: moves one phase's messages between ranks.
 *
 * The engine appends messages to per-destination-rank buffers, then calls exchange(),
 * after which the receive list holds, in source-rank order, every message sent to this
 * rank in this phase (with the own rank's buffer in its place, for canonical ordering).
 * Two implementations: NBX (Hoefler, Siebert, Lumsdaine, PPoPP 2010: MPI_Issend to each
 * destination that has messages, MPI_Iprobe for arrivals, MPI_Ibarrier once all sends are
 * matched), whose cost follows the messages sent; and MPI_Alltoall of counts followed by
 * MPI_Alltoallv, whose cost grows with the rank count. With one rank nothing is exchanged.
 */
#ifndef GB_TRANSPORT_H
#define GB_TRANSPORT_H

#include <mpi.h>
#include <stddef.h>
#include <stdint.h>

#include "gb_protocol.h"
#include "options.h"

typedef struct gb_msgbuf {
    gb_msg *m;
    size_t len, cap;
} gb_msgbuf;

/* Double the capacity (at least 256 messages); 0 or GB_ENOMEM. */
int gb_msgbuf_grow(gb_msgbuf *b);

/* Append one message; 0 or GB_ENOMEM. */
static inline int gb_msgbuf_push(gb_msgbuf *b, const gb_msg *m)
{
    if (b->len == b->cap) {
        if (gb_msgbuf_grow(b) < 0)
            return GB_ENOMEM;
    }
    b->m[b->len++] = *m;
    return 0;
}

typedef struct gb_transport {
    enum gb_transport_kind kind; /* LOCAL, NBX or ALLTOALLV (never AUTO) */
    MPI_Comm comm;
    int rank, size;
    gb_msgbuf *out;      /* out[r]: messages for rank r (own rank: kept local) */
    gb_msgbuf *in;       /* in[r]: received from rank r (NBX; in[rank] for all kinds) */
    gb_msgbuf sbuf, rbuf;/* Alltoallv's contiguous send and receive buffers */
    const gb_msg **seg;  /* after exchange(): seg[r][0..seglen[r]) came from rank r */
    size_t *seglen;
    int *scount, *rcount, *sdispl, *rdispl; /* alltoallv work arrays, in bytes */
    MPI_Request *reqs;
    MPI_Request barrier[2]; /* NBX's nonblocking barrier (transport.c) */
    int barrier_dist;       /* its current distance, for the dissemination barrier */
    uint64_t bytes_sent; /* bytes sent to other ranks since the last reset */
    uint64_t msgs_sent;  /* messages sent to other ranks since the last reset */
    double exchange_s;   /* time spent in exchange() since the last reset */
    /* Optional log of every exchange since the last reset: per exchange, `size` counts of
     * messages sent to each rank, then `size` counts received from each rank. */
    int log_enabled;
    uint32_t *log;
    size_t log_len, log_cap; /* in exchanges */
} gb_transport;

/* Create for the given kind (AUTO resolves to LOCAL on one rank, NBX otherwise).
 * LOCAL on more than one rank is an error. Returns 0, GB_EINVAL or GB_ENOMEM. */
int gb_transport_init(gb_transport *t, enum gb_transport_kind kind, MPI_Comm comm, char *err);
void gb_transport_fini(gb_transport *t);

/* Exchange the out[] buffers of every rank (collective over comm: every rank calls it once
 * per phase, in the same order). `phase` alternates the message tag between consecutive
 * exchanges. After it returns, seg[r][0..seglen[r]) holds what rank r sent here
 * (seg[rank] is this rank's own out[rank]), valid until the next exchange, and every out[]
 * is empty. Returns 0, GB_ENOMEM or GB_ERANGE (over 2 GiB for one destination). */
int gb_transport_exchange(gb_transport *t, unsigned phase);

#endif
