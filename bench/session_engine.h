/* session_engine.h: runs session protocols (gb_session.h) over MPI.
 *
 * The round logic is the MPI-free core (bench/session_core.c); this module gives it an MPI
 * net: frames travel through the rumor engine's transports (NBX or Alltoallv, whose
 * 16-byte units the frames are made of), reductions are MPI_Allreduce, time is MPI_Wtime.
 */
#ifndef GB_SESSION_ENGINE_H
#define GB_SESSION_ENGINE_H

#include <mpi.h>

#include "gb_session.h"
#include "options.h"

typedef struct gb_session_engine gb_session_engine;

/* Collective. kind AUTO: local on one rank, NBX otherwise. stop: see gb_session_net.
 * Returns 0, GB_EINVAL or GB_ENOMEM with err. */
int gb_session_engine_create(const gb_session_cfg *cfg, enum gb_transport_kind kind,
                             const volatile int *stop, MPI_Comm comm, gb_session_engine **out,
                             char *err);
void gb_session_engine_free(gb_session_engine *e);

/* One trial (collective): res as gb_session_core_run; wall_s is the trial's wall time (max
 * over ranks), mpi_bytes the bytes the transport moved between ranks (sum over ranks). */
int gb_session_engine_run(gb_session_engine *e, uint32_t trial, gb_session_result *res,
                          double *wall_s, uint64_t *mpi_bytes, char *err);

#endif
