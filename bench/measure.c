/* measure.c: versions and placement. PAPI counters and software-defined events come with
 * the measurement issue; this file is where they plug in. */
#define _GNU_SOURCE /* sched_getaffinity, CPU_COUNT */
#include "config.h"
#include "measure.h"

#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifdef HAVE_HWLOC
#include <hwloc.h>
#endif
#ifdef HAVE_PAPI
#include <papi.h>
#endif
#ifdef GB_SMPI
#include <simgrid/host.h>
#include <simgrid/version.h>
#include <xbt/config.h>
#endif

#include "gb_mpi.h"

void gb_measure_mpi_version(char *buf, size_t len)
{
    char v[MPI_MAX_LIBRARY_VERSION_STRING];
    int vlen = 0;
    MPI_Get_library_version(v, &vlen);
    v[strcspn(v, "\n,")] = '\0';
    snprintf(buf, len, "%s", v);
}

void gb_measure_hostname(char *buf, size_t len)
{
#ifdef GB_SMPI
    /* The simulated host (the platform's name for it), not the machine running SimGrid. */
    snprintf(buf, len, "%s", sg_host_self_get_name());
#else
    if (len == 0)
        return;
    if (gethostname(buf, len - 1) != 0)
        snprintf(buf, len, "unknown");
    buf[len - 1] = '\0';
#endif
}

json_t *gb_measure_simulation(void)
{
#ifdef GB_SMPI
    int major = 0, minor = 0, patch = 0;
    sg_version_get(&major, &minor, &patch);
    char v[64];
    snprintf(v, sizeof v, "SimGrid %d.%d.%d", major, minor, patch);
    json_t *o = json_pack("{s:s,s:s,s:f,s:i}", "simulator", v, "clock",
                          "MPI_Wtime is simulated time", "host_speed_flops",
                          sg_host_get_speed(sg_host_self()), "host_cores",
                          sg_host_core_count(sg_host_self()));
    /* The model settings SimGrid's C API can read back (strings such as smpi/host-speed or
     * network/model cannot be: scripts/smpi-run records its whole command line). */
    static const char *const dbl[] = {"smpi/iprobe", "smpi/test", "smpi/wtime",
                                      "smpi/cpu-threshold", "smpi/iprobe-cpu-usage",
                                      "smpi/init"};
    static const char *const boo[] = {"smpi/simulate-computation", "smpi/grow-injected-times"};
    static const char *const itg[] = {"smpi/async-small-thresh", "smpi/send-is-detached-thresh"};
    json_t *cfg = json_object();
    for (size_t i = 0; i < sizeof dbl / sizeof *dbl; i++)
        json_object_set_new(cfg, dbl[i], json_real(sg_cfg_get_double(dbl[i])));
    for (size_t i = 0; i < sizeof boo / sizeof *boo; i++)
        json_object_set_new(cfg, boo[i], json_boolean(sg_cfg_get_boolean(boo[i])));
    for (size_t i = 0; i < sizeof itg / sizeof *itg; i++)
        json_object_set_new(cfg, itg[i], json_integer(sg_cfg_get_int(itg[i])));
    json_object_set_new(o, "config", cfg);
    return o;
#else
    return NULL;
#endif
}

json_t *gb_measure_versions(void)
{
    char mpi[256];
    gb_measure_mpi_version(mpi, sizeof mpi);
    json_t *o = json_object();
    json_object_set_new(o, "gossipbench", json_string(PACKAGE_VERSION));
    json_object_set_new(o, "mpi_library", json_string(mpi));
#ifdef HAVE_HWLOC
    /* hwloc reports its API version (2.8.0 for the 2.8 and 2.9 libraries, for instance). */
    char buf[64];
    unsigned hv = hwloc_get_api_version();
    snprintf(buf, sizeof buf, "%u.%u.%u", hv >> 16, (hv >> 8) & 0xff, hv & 0xff);
    json_object_set_new(o, "hwloc", json_string(buf));
#else
    json_object_set_new(o, "hwloc", json_string("not built"));
#endif
#ifdef HAVE_PAPI
    char pbuf[64];
    snprintf(pbuf, sizeof pbuf, "%d.%d.%d.%d", PAPI_VERSION_MAJOR(PAPI_VER_CURRENT),
             PAPI_VERSION_MINOR(PAPI_VER_CURRENT), PAPI_VERSION_REVISION(PAPI_VER_CURRENT),
             PAPI_VERSION_INCREMENT(PAPI_VER_CURRENT));
    json_object_set_new(o, "papi", json_string(pbuf));
#else
    json_object_set_new(o, "papi", json_string("not built"));
#endif
    json_object_set_new(o, "compiler", json_string("gcc " __VERSION__));
    return o;
}

static void host_cores(int *cores, int *pus)
{
    *cores = *pus = 0;
#ifdef HAVE_HWLOC
    hwloc_topology_t topo;
    if (hwloc_topology_init(&topo) == 0) {
        if (hwloc_topology_load(topo) == 0) {
            *cores = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_CORE);
            *pus = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PU);
        }
        hwloc_topology_destroy(topo);
    }
#elif defined(GB_SMPI)
    *cores = *pus = sg_host_core_count(sg_host_self()); /* the simulated host's */
#else
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    *cores = *pus = n > 0 ? (int)n : 0;
#endif
}

/* NUMA node and first core of this process's binding, -1 when not bound to one of them. */
static void own_binding(int *numa, int *core)
{
    *numa = *core = -1;
#ifdef HAVE_HWLOC
    hwloc_topology_t topo;
    if (hwloc_topology_init(&topo) != 0)
        return;
    hwloc_bitmap_t set = hwloc_bitmap_alloc();
    if (set != NULL && hwloc_topology_load(topo) == 0 &&
        hwloc_get_cpubind(topo, set, HWLOC_CPUBIND_PROCESS) == 0) {
        hwloc_const_bitmap_t all = hwloc_topology_get_topology_cpuset(topo);
        if (!hwloc_bitmap_isincluded(all, set)) { /* bound to less than the whole machine */
            hwloc_obj_t c = hwloc_get_next_obj_covering_cpuset_by_type(topo, set, HWLOC_OBJ_CORE,
                                                                        NULL);
            if (c == NULL) {
                int pu = hwloc_bitmap_first(set);
                hwloc_obj_t o = pu >= 0 ? hwloc_get_pu_obj_by_os_index(topo, (unsigned)pu) : NULL;
                c = o ? hwloc_get_ancestor_obj_by_type(topo, HWLOC_OBJ_CORE, o) : NULL;
            }
            if (c != NULL)
                *core = (int)c->logical_index;
            hwloc_nodeset_t ns = hwloc_bitmap_alloc();
            if (ns != NULL) {
                hwloc_cpuset_to_nodeset(topo, set, ns);
                if (hwloc_bitmap_weight(ns) == 1)
                    *numa = hwloc_bitmap_first(ns);
                hwloc_bitmap_free(ns);
            }
        }
    }
    hwloc_bitmap_free(set);
    hwloc_topology_destroy(topo);
#endif
}

void gb_measure_host_ranks(MPI_Comm comm, int *on_host, int *local_rank, int *leader)
{
    int rank, size;
    GB_MPI(MPI_Comm_rank(comm, &rank));
    GB_MPI(MPI_Comm_size(comm, &size));
#ifdef GB_SMPI
    /* The simulated host of every rank is known without creating a communicator (SMPI's
     * MPI_Comm_split funnels every rank's group through rank 0): its index in SimGrid's
     * host list, gathered with one MPI_Allgather. */
    sg_host_t *list = sg_host_list();
    size_t nh = sg_host_count();
    int me = -1;
    for (size_t i = 0; list != NULL && i < nh && me < 0; i++)
        if (list[i] == sg_host_self())
            me = (int)i;
    free(list);
    int *all = malloc((size_t)size * sizeof *all);
    if (all == NULL) {
        *on_host = 1, *local_rank = 0, *leader = rank;
        return;
    }
    GB_MPI(MPI_Allgather(&me, 1, MPI_INT, all, 1, MPI_INT, comm));
    *on_host = 0, *local_rank = 0, *leader = rank;
    for (int r = 0; r < size; r++) {
        if (all[r] != me)
            continue;
        if (*on_host == 0)
            *leader = r;
        if (r < rank)
            ++*local_rank;
        ++*on_host;
    }
    free(all);
#else
    MPI_Comm node;
    GB_MPI(MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL, &node));
    GB_MPI(MPI_Comm_size(node, on_host));
    GB_MPI(MPI_Comm_rank(node, local_rank));
    *leader = rank;
    GB_MPI(MPI_Allreduce(&rank, leader, 1, MPI_INT, MPI_MIN, node));
    GB_MPI(MPI_Comm_free(&node));
#endif
}

void gb_measure_rank_locality(MPI_Comm comm, int *host, int *numa, int *core)
{
    int rank, size;
    GB_MPI(MPI_Comm_rank(comm, &rank));
    GB_MPI(MPI_Comm_size(comm, &size));
    /* The lowest world rank on a host names the host; dense numbering follows. */
    int on_host, local, leader;
    gb_measure_host_ranks(comm, &on_host, &local, &leader);
    int mine[3] = {leader, -1, -1};
    own_binding(&mine[1], &mine[2]);
    int *all = malloc(3 * (size_t)size * sizeof *all);
    if (all == NULL) {
        for (int r = 0; r < size; r++) {
            host[r] = r;
            numa[r] = core[r] = -1;
        }
        return;
    }
    GB_MPI(MPI_Allgather(mine, 3, MPI_INT, all, 3, MPI_INT, comm));
    int hosts = 0;
    for (int r = 0; r < size; r++) {
        if (all[3 * r] == r)
            host[r] = hosts++; /* leaders come in rank order */
        else
            host[r] = host[all[3 * r]];
        numa[r] = all[3 * r + 1];
        core[r] = all[3 * r + 2];
    }
    free(all);
}

int gb_measure_affinity_cpus(void)
{
    cpu_set_t cpus;
    return sched_getaffinity(0, sizeof cpus, &cpus) == 0 ? CPU_COUNT(&cpus) : 0;
}

int gb_measure_auto_threads(MPI_Comm comm, const gb_placement *p)
{
    int mine = 1;
#ifndef GB_SMPI
    int cores = p->cores_host > 0 ? p->cores_host : p->pus_host;
    /* The binding bounds what a rank may use; an unbound rank shares the host's cores with
     * the other ranks there, so it takes its share of them, no more. */
    int bound = gb_measure_affinity_cpus();
    int share = cores > 0 && p->ranks_host > 0 ? cores / p->ranks_host : 1;
    mine = bound > 0 && bound < share ? bound : share;
    if (mine < 1)
        mine = 1;
#else
    (void)p;
#endif
    int least = 1;
    GB_MPI(MPI_Allreduce(&mine, &least, 1, MPI_INT, MPI_MIN, comm));
    return least;
}

void gb_measure_placement(MPI_Comm comm, gb_placement *p)
{
    memset(p, 0, sizeof *p);
    int on_host, host_rank, leader0;
    GB_MPI(MPI_Comm_size(comm, &p->ranks));
    gb_measure_host_ranks(comm, &on_host, &host_rank, &leader0);
    int leader = host_rank == 0;
    GB_MPI(MPI_Allreduce(&leader, &p->hosts, 1, MPI_INT, MPI_SUM, comm));
    GB_MPI(MPI_Allreduce(&on_host, &p->max_ranks_host, 1, MPI_INT, MPI_MAX, comm));
    p->ranks_host = on_host;
    host_cores(&p->cores_host, &p->pus_host);
    int over = p->cores_host > 0 && on_host > p->cores_host;
    GB_MPI(MPI_Allreduce(&over, &p->oversubscribed, 1, MPI_INT, MPI_MAX, comm));
    gb_measure_hostname(p->host, sizeof p->host);
}

int gb_measure_bind(MPI_Comm comm)
{
    int on_host, local = 0, leader, ok = -1;
    gb_measure_host_ranks(comm, &on_host, &local, &leader);
#ifdef HAVE_HWLOC
    hwloc_topology_t topo;
    if (hwloc_topology_init(&topo) == 0) {
        if (hwloc_topology_load(topo) == 0) {
            int cores = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_CORE);
            hwloc_obj_t core = cores > 0 ? hwloc_get_obj_by_type(topo, HWLOC_OBJ_CORE,
                                                                 (unsigned)(local % cores))
                                         : NULL;
            if (core != NULL && hwloc_set_cpubind(topo, core->cpuset, HWLOC_CPUBIND_PROCESS) == 0)
                ok = 0;
        }
        hwloc_topology_destroy(topo);
    }
#else
    (void)local;
#endif
    return ok;
}

/* One host's facts, as fixed-width integers for a gather. */
enum { HW_PACKAGES, HW_NUMA, HW_CORES, HW_PUS, HW_L1D, HW_L2, HW_L3, HW_FIELDS };
#define GB_CPUSET_LEN 128

static void host_facts(long long f[HW_FIELDS], char cpuset[GB_CPUSET_LEN], int *numa, int *bound)
{
    for (int i = 0; i < HW_FIELDS; i++)
        f[i] = -1;
    snprintf(cpuset, GB_CPUSET_LEN, "unknown");
    *numa = -1;
    *bound = 0;
#ifdef HAVE_HWLOC
    hwloc_topology_t topo;
    if (hwloc_topology_init(&topo) != 0)
        return;
    if (hwloc_topology_load(topo) == 0) {
        f[HW_PACKAGES] = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PACKAGE);
        f[HW_NUMA] = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_NUMANODE);
        f[HW_CORES] = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_CORE);
        f[HW_PUS] = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PU);
        hwloc_obj_type_t caches[3] = {HWLOC_OBJ_L1CACHE, HWLOC_OBJ_L2CACHE, HWLOC_OBJ_L3CACHE};
        for (int i = 0; i < 3; i++) {
            hwloc_obj_t c = hwloc_get_obj_by_type(topo, caches[i], 0);
            /* L1: the data cache (hwloc reports instruction caches as L1ICACHE). */
            if (c != NULL && c->attr != NULL)
                f[HW_L1D + i] = (long long)c->attr->cache.size;
        }
        hwloc_bitmap_t set = hwloc_bitmap_alloc();
        if (set != NULL && hwloc_get_cpubind(topo, set, HWLOC_CPUBIND_PROCESS) == 0) {
            char *str = NULL;
            if (hwloc_bitmap_list_asprintf(&str, set) >= 0 && str != NULL) {
                snprintf(cpuset, GB_CPUSET_LEN, "%s", str);
                free(str);
            }
            *bound = !hwloc_bitmap_isincluded(hwloc_topology_get_topology_cpuset(topo), set);
        }
        hwloc_bitmap_free(set);
    }
    hwloc_topology_destroy(topo);
#endif
#ifdef GB_SMPI
    /* A simulated rank runs on its simulated host's core: no binding to speak of. */
    snprintf(cpuset, GB_CPUSET_LEN, "simulated");
    *bound = 1;
#endif
    int core = -1;
    own_binding(numa, &core);
}

json_t *gb_measure_machine(MPI_Comm comm, int *unbound)
{
    int rank, size;
    GB_MPI(MPI_Comm_rank(comm, &rank));
    GB_MPI(MPI_Comm_size(comm, &size));
    long long f[HW_FIELDS];
    struct {
        char host[64];
        char cpuset[GB_CPUSET_LEN];
        int numa, bound;
    } mine, *all = NULL;
    memset(&mine, 0, sizeof mine);
    host_facts(f, mine.cpuset, &mine.numa, &mine.bound);
    gb_measure_hostname(mine.host, sizeof mine.host);
    long long *facts = NULL;
    if (rank == 0) {
        all = calloc((size_t)size, sizeof *all);
        facts = calloc((size_t)size * HW_FIELDS, sizeof *facts);
    }
    /* Fixed-size records gathered as bytes: host names and cpusets are short strings. */
    GB_MPI(MPI_Gather(&mine, (int)sizeof mine, MPI_BYTE, all, (int)sizeof mine, MPI_BYTE, 0,
                      comm));
    GB_MPI(MPI_Gather(f, HW_FIELDS, MPI_LONG_LONG, facts, HW_FIELDS, MPI_LONG_LONG, 0, comm));
    int local_unbound = !mine.bound, total = 0;
    GB_MPI(MPI_Allreduce(&local_unbound, &total, 1, MPI_INT, MPI_SUM, comm));
    *unbound = total;
    if (rank != 0)
        return NULL;
    if (all == NULL || facts == NULL) {
        free(all);
        free(facts);
        return json_pack("{s:s}", "error", "out of memory");
    }
    static const char *const names[HW_FIELDS] = {"packages", "numa_nodes", "cores", "pus",
                                                 "l1d_bytes", "l2_bytes", "l3_bytes"};
    json_t *hosts = json_array(), *ranks = json_array();
    for (int r = 0; r < size; r++) {
        int first = 1; /* one entry per host name, in rank order */
        for (int q = 0; q < r; q++)
            if (strncmp(all[q].host, all[r].host, sizeof all[r].host) == 0)
                first = 0;
        all[r].host[sizeof all[r].host - 1] = '\0';
        all[r].cpuset[GB_CPUSET_LEN - 1] = '\0';
        if (first) {
            json_t *h = json_pack("{s:s}", "host", all[r].host);
            for (int i = 0; i < HW_FIELDS; i++)
                json_object_set_new(h, names[i],
                                    facts[r * HW_FIELDS + i] >= 0
                                        ? json_integer(facts[r * HW_FIELDS + i]) : json_null());
            json_array_append_new(hosts, h);
        }
        json_array_append_new(ranks, json_pack("{s:i,s:s,s:s,s:i,s:b}", "rank", r, "host",
                                               all[r].host, "cpuset", all[r].cpuset, "numa",
                                               all[r].numa, "bound", all[r].bound));
    }
    free(all);
    free(facts);
    return json_pack("{s:o,s:o}", "hosts", hosts, "ranks", ranks);
}

/* Each rank's clock offset to rank 0 from ping-pongs with rank 0: the sample with the
 * shortest round trip, whose midpoint is the best estimate. Lets every rank start at the
 * same instant without trusting a barrier to release them together (a barrier's exit is
 * skewed by its own algorithm; open-mpi/ompi#11022). */
double gb_measure_clock_offset(MPI_Comm comm)
{
    int rank, size;
    GB_MPI(MPI_Comm_rank(comm, &rank));
    GB_MPI(MPI_Comm_size(comm, &size));
    double offset = 0.0;
#ifdef GB_SMPI
    /* Simulated ranks share the simulator's one clock: the offset is exactly 0. */
    (void)rank;
    (void)size;
    return offset;
#else
    enum { PINGS = 8 };
    for (int r = 1; r < size; r++) {
        double best_rtt = 1e30;
        for (int i = 0; i < PINGS; i++) {
            double t[2], dummy = 0.0;
            if (rank == 0) {
                /* t0 (send) and t1 (reply received), both on rank 0's clock. */
                t[0] = MPI_Wtime();
                GB_MPI(MPI_Send(&t[0], 1, MPI_DOUBLE, r, 300, comm));
                GB_MPI(MPI_Recv(&dummy, 1, MPI_DOUBLE, r, 301, comm, MPI_STATUS_IGNORE));
                t[1] = MPI_Wtime();
                GB_MPI(MPI_Send(t, 2, MPI_DOUBLE, r, 302, comm));
            } else if (rank == r) {
                GB_MPI(MPI_Recv(&t[0], 1, MPI_DOUBLE, 0, 300, comm, MPI_STATUS_IGNORE));
                double here = MPI_Wtime();
                GB_MPI(MPI_Send(&dummy, 1, MPI_DOUBLE, 0, 301, comm));
                GB_MPI(MPI_Recv(t, 2, MPI_DOUBLE, 0, 302, comm, MPI_STATUS_IGNORE));
                /* rank 0's clock read t0 + rtt/2 when this rank read `here`. */
                double rtt = t[1] - t[0];
                if (rtt < best_rtt) {
                    best_rtt = rtt;
                    offset = here - (t[0] + rtt / 2);
                }
            }
        }
    }
    return offset;
#endif
}

/* Waits until this rank's clock reads `local`; returns the time it read then. */
static double wait_until(double local)
{
    double now = MPI_Wtime();
#ifdef GB_SMPI
    /* Under SMPI a busy wait on MPI_Wtime would never end (a poll shorter than
     * smpi/cpu-threshold advances no simulated time): sleep in simulated time instead
     * (smpicc maps nanosleep to smpi_nanosleep). */
    if (now < local) {
        double dt = local - now;
        struct timespec ts = {.tv_sec = (time_t)dt,
                              .tv_nsec = (long)((dt - (double)(time_t)dt) * 1e9)};
        nanosleep(&ts, NULL);
        now = MPI_Wtime();
    }
#else
    while (now < local)
        now = MPI_Wtime();
#endif
    return now;
}

double gb_synchronised_start(MPI_Comm comm, double clock_offset)
{
    int rank, size;
    GB_MPI(MPI_Comm_rank(comm, &rank));
    GB_MPI(MPI_Comm_size(comm, &size));
    if (size == 1)
        return MPI_Wtime();
    double start = 0.0;
    if (rank == 0)
        start = MPI_Wtime() + 1e-3 + 1e-5 * size;
    GB_MPI(MPI_Bcast(&start, 1, MPI_DOUBLE, 0, comm));
    return wait_until(start + clock_offset);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

void gb_measure_baselines(MPI_Comm comm, size_t bytes, int root, int warmup, int iters,
                          gb_baselines *out)
{
    size_t words = bytes / 8 ? bytes / 8 : 1;
    char *buf = calloc(bytes ? bytes : 1, 1);
    uint64_t *in = calloc(words, sizeof *in), *out_w = calloc(words, sizeof *out_w);
    double *done = calloc((size_t)iters, sizeof *done),
           *last = calloc((size_t)iters, sizeof *last),
           *begin = calloc((size_t)iters, sizeof *begin);
    double t[2] = {0.0, 0.0};
    int ok = buf != NULL && in != NULL && out_w != NULL && done != NULL && last != NULL &&
             begin != NULL,
        all_ok = ok;
    memset(out, 0, sizeof *out);
    GB_MPI(MPI_Allreduce(&ok, &all_ok, 1, MPI_INT, MPI_MIN, comm));
    if (all_ok) {
        for (int i = 0; i < warmup; i++)
            GB_MPI(MPI_Bcast(buf, (int)bytes, MPI_BYTE, root, comm));
        GB_MPI(MPI_Barrier(comm));
        double t0 = MPI_Wtime();
        for (int i = 0; i < iters; i++)
            GB_MPI(MPI_Bcast(buf, (int)bytes, MPI_BYTE, root, comm));
        t[0] = (MPI_Wtime() - t0) / iters;
        /* One broadcast at a time, as a gossip trial starts: all ranks enter MPI_Bcast at
         * one instant; the time from the root's entry to the last rank's return, both on
         * rank 0's clock (a rank that starts late only makes the broadcast look slower). */
        int rank;
        GB_MPI(MPI_Comm_rank(comm, &rank));
        double offset = gb_measure_clock_offset(comm);
        for (int i = 0; i < iters; i++) {
            double start = gb_synchronised_start(comm, offset);
            GB_MPI(MPI_Bcast(buf, (int)bytes, MPI_BYTE, root, comm));
            done[i] = MPI_Wtime() - offset;
            begin[i] = start - offset;
        }
        GB_MPI(MPI_Allreduce(done, last, iters, MPI_DOUBLE, MPI_MAX, comm));
        GB_MPI(MPI_Bcast(begin, iters, MPI_DOUBLE, root, comm));
        for (int i = 0; i < iters; i++)
            last[i] -= begin[i];
        qsort(last, (size_t)iters, sizeof *last, cmp_double);
        out->bcast_latency_s = iters % 2 ? last[iters / 2]
                                         : 0.5 * (last[iters / 2 - 1] + last[iters / 2]);
        out->bcast_latency_min_s = last[0];
        for (int i = 0; i < warmup; i++)
            GB_MPI(MPI_Allreduce(in, out_w, (int)words, MPI_UINT64_T, MPI_SUM, comm));
        GB_MPI(MPI_Barrier(comm));
        t0 = MPI_Wtime();
        for (int i = 0; i < iters; i++)
            GB_MPI(MPI_Allreduce(in, out_w, (int)words, MPI_UINT64_T, MPI_SUM, comm));
        t[1] = (MPI_Wtime() - t0) / iters;
    }
    double g[2];
    GB_MPI(MPI_Allreduce(t, g, 2, MPI_DOUBLE, MPI_MAX, comm));
    out->bcast_s = g[0];
    out->allreduce_s = g[1];
    free(buf);
    free(in);
    free(out_w);
    free(done);
    free(last);
    free(begin);
}
