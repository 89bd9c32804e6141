/* gb_mpi.h: the MPI check macro. Every MPI call in bench/ goes through GB_MPI(): on failure
 * it prints file:line and MPI_Error_string, then aborts the job (an MPI failure mid-run
 * leaves no consistent way to continue). MPI_COMM_WORLD is set to MPI_ERRORS_RETURN by
 * the driver so that the message is ours. */
#ifndef GB_MPI_H
#define GB_MPI_H

#include <mpi.h>
#include <stdio.h>

#define GB_MPI(call)                                                                       \
    do {                                                                                   \
        int gb_mpi_rc_ = (call);                                                           \
        if (gb_mpi_rc_ != MPI_SUCCESS) {                                                   \
            char gb_mpi_msg_[MPI_MAX_ERROR_STRING];                                        \
            int gb_mpi_len_ = 0;                                                           \
            MPI_Error_string(gb_mpi_rc_, gb_mpi_msg_, &gb_mpi_len_);                       \
            fprintf(stderr, "gossip-bench: %s:%d: %s failed: %s\n", __FILE__, __LINE__,    \
                    #call, gb_mpi_msg_);                                                   \
            MPI_Abort(MPI_COMM_WORLD, 1);                                                  \
        }                                                                                  \
    } while (0)

#endif
