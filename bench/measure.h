/* measure.h: versions and placement facts recorded with every run. Optional libraries
 * (hwloc, PAPI) sit behind this seam: without them the fields say "not built". */
#ifndef GB_MEASURE_H
#define GB_MEASURE_H

#include <jansson.h>
#include <mpi.h>

typedef struct gb_placement {
    int ranks;           /* ranks in the communicator */
    int hosts;           /* distinct shared-memory domains (hosts) */
    int max_ranks_host;  /* most ranks on one host */
    int cores_host;      /* cores on this rank's host (hwloc), 0 if unknown */
    int pus_host;        /* hardware threads on this rank's host, 0 if unknown */
    int oversubscribed;  /* 1 if some host runs more ranks than it has cores (any rank) */
    char host[256];      /* rank 0's host name */
} gb_placement;

/* Collective: this rank's host in numbers: how many ranks of comm share it (*on_host),
 * this rank's index among them (*local_rank) and the lowest rank of comm on it (*leader).
 * MPI_Comm_split_type(MPI_COMM_TYPE_SHARED) with a real MPI library; under SimGrid SMPI
 * the simulated host of every rank, gathered. */
void gb_measure_host_ranks(MPI_Comm comm, int *on_host, int *local_rank, int *leader);

/* Collective: gather placement facts. */
void gb_measure_placement(MPI_Comm comm, gb_placement *p);

/* Collective: where every rank runs, gathered on every rank into caller-owned arrays of
 * `ranks` entries: host index (dense, 0..hosts-1, numbered by the lowest rank on each host),
 * NUMA node of the rank's CPU binding (-1 when unbound, spread over several NUMA nodes or
 * unknown) and first core of the binding (-1 when unbound or unknown). */
void gb_measure_rank_locality(MPI_Comm comm, int *host, int *numa, int *core);

/* Collective: bind this rank to one core, chosen by its rank among the ranks of its host
 * (modulo the host's cores). Returns 0, or -1 when binding is not possible (no hwloc, or
 * the system refused); a refusal leaves the process unbound. */
int gb_measure_bind(MPI_Comm comm);

/* Collective: the machine and placement facts for the run record, built on rank 0 (NULL
 * elsewhere): {"hosts": [per host: name, packages, numa_nodes, cores, pus, l1d_bytes,
 * l2_bytes, l3_bytes], "ranks": [per rank: host, cpuset, numa, bound]}. *unbound receives
 * the number of ranks not bound to a proper subset of their host's PUs (every rank). */
json_t *gb_measure_machine(MPI_Comm comm, int *unbound);

/* Collective: MPI baselines for the same payload and communicator, OSU style: `warmup`
 * untimed then `iters` timed repetitions after a barrier, mean latency per operation, the
 * maximum over ranks. MPI_Bcast of `bytes` from `root`, and MPI_Allreduce (sum) of
 * max(1, bytes / 8) 64-bit integers. */
void gb_measure_baselines(MPI_Comm comm, size_t bytes, int root, int warmup, int iters,
                          double *bcast_s, double *allreduce_s);

/* Versions of gossipbench, the MPI library, hwloc, PAPI and the compiler as a JSON object
 * (new reference). */
json_t *gb_measure_versions(void);

/* This rank's host name: the simulated host's under SimGrid SMPI, else gethostname(). */
void gb_measure_hostname(char *buf, size_t len);

/* Built for SimGrid SMPI (GB_SMPI): the simulator's version, this rank's simulated host
 * (speed in flop/s, cores) and the SMPI model settings that SimGrid's C API reads back
 * ("config": smpi/iprobe, smpi/test, smpi/wtime, smpi/cpu-threshold, ...), as a new JSON
 * object; NULL in a real MPI build. */
json_t *gb_measure_simulation(void);

/* The MPI library's version string, first line only, in buf. */
void gb_measure_mpi_version(char *buf, size_t len);

#endif
