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
    int ranks_host;      /* ranks on this rank's host */
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

/* CPUs this process may run on (its affinity mask), 0 when unknown. */
int gb_measure_affinity_cpus(void);

/* Collective: the thread count of --threads auto, the same on every rank: the least over
 * ranks of min(CPUs in the rank's affinity mask, cores of its host / ranks on that host),
 * from the placement `p` (gb_measure_placement), at least 1 (1 under SimGrid SMPI, whose
 * ranks share one simulating process). */
int gb_measure_auto_threads(MPI_Comm comm, const gb_placement *p);

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

/* MPI baselines for the gossip trials' payload (seconds). */
typedef struct {
    double bcast_s;             /* mean per MPI_Bcast over back-to-back repetitions */
    double bcast_latency_s;     /* one MPI_Bcast: common start to the last rank's return, median */
    double bcast_latency_min_s; /* the same, minimum over the repetitions */
    double allreduce_s;         /* mean per MPI_Allreduce over back-to-back repetitions */
} gb_baselines;

/* Collective: MPI baselines for the same payload and communicator. OSU style: `warmup`
 * untimed then `iters` timed back-to-back repetitions after a barrier, mean per operation,
 * the maximum over ranks, for MPI_Bcast of `bytes` from `root` and MPI_Allreduce (sum) of
 * max(1, bytes / 8) 64-bit integers. Back-to-back broadcasts overlap (a rank leaves one as
 * soon as its part is done), so that mean is below one broadcast's latency; the latency is
 * measured as a gossip trial is: `iters` broadcasts, each entered by every rank at one
 * instant (gb_synchronised_start), timed until the last rank returns from it on rank 0's
 * clock; median and minimum over the repetitions. */
void gb_measure_baselines(MPI_Comm comm, size_t bytes, int root, int warmup, int iters,
                          gb_baselines *out);

/* Collective: this rank's MPI_Wtime minus rank 0's (ping-pongs with rank 0; 0 under SMPI). */
double gb_measure_clock_offset(MPI_Comm comm);

/* Collective: every rank waits until one instant, about 1 ms from now plus 10 us per rank on
 * rank 0's clock, read through its own clock minus `clock_offset`; returns the local time
 * it started at. */
double gb_synchronised_start(MPI_Comm comm, double clock_offset);

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
