/* measure.c: versions and placement. PAPI counters and software-defined events come with
 * the measurement issue; this file is where they plug in. */
#include "config.h"
#include "measure.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef HAVE_HWLOC
#include <hwloc.h>
#endif
#ifdef HAVE_PAPI
#include <papi.h>
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

json_t *gb_measure_versions(void)
{
    char mpi[256], buf[64];
    gb_measure_mpi_version(mpi, sizeof mpi);
    json_t *o = json_object();
    json_object_set_new(o, "gossipbench", json_string(PACKAGE_VERSION));
    json_object_set_new(o, "mpi_library", json_string(mpi));
#ifdef HAVE_HWLOC
    unsigned hv = hwloc_get_api_version();
    snprintf(buf, sizeof buf, "%u.%u.%u", hv >> 16, (hv >> 8) & 0xff, hv & 0xff);
    json_object_set_new(o, "hwloc", json_string(buf));
#else
    json_object_set_new(o, "hwloc", json_string("not built"));
#endif
#ifdef HAVE_PAPI
    snprintf(buf, sizeof buf, "%d.%d.%d.%d", PAPI_VERSION_MAJOR(PAPI_VER_CURRENT),
             PAPI_VERSION_MINOR(PAPI_VER_CURRENT), PAPI_VERSION_REVISION(PAPI_VER_CURRENT),
             PAPI_VERSION_INCREMENT(PAPI_VER_CURRENT));
    json_object_set_new(o, "papi", json_string(buf));
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

void gb_measure_rank_locality(MPI_Comm comm, int *host, int *numa, int *core)
{
    int rank, size;
    GB_MPI(MPI_Comm_rank(comm, &rank));
    GB_MPI(MPI_Comm_size(comm, &size));
    MPI_Comm node;
    GB_MPI(MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL, &node));
    /* The lowest world rank on a host names the host; dense numbering follows. */
    int leader = rank;
    GB_MPI(MPI_Allreduce(&rank, &leader, 1, MPI_INT, MPI_MIN, node));
    GB_MPI(MPI_Comm_free(&node));
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

void gb_measure_placement(MPI_Comm comm, gb_placement *p)
{
    memset(p, 0, sizeof *p);
    MPI_Comm node;
    int rank, on_host, host_rank;
    GB_MPI(MPI_Comm_rank(comm, &rank));
    GB_MPI(MPI_Comm_size(comm, &p->ranks));
    GB_MPI(MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL, &node));
    GB_MPI(MPI_Comm_size(node, &on_host));
    GB_MPI(MPI_Comm_rank(node, &host_rank));
    GB_MPI(MPI_Comm_free(&node));
    int leader = host_rank == 0;
    GB_MPI(MPI_Allreduce(&leader, &p->hosts, 1, MPI_INT, MPI_SUM, comm));
    GB_MPI(MPI_Allreduce(&on_host, &p->max_ranks_host, 1, MPI_INT, MPI_MAX, comm));
    host_cores(&p->cores_host, &p->pus_host);
    int over = p->cores_host > 0 && on_host > p->cores_host;
    GB_MPI(MPI_Allreduce(&over, &p->oversubscribed, 1, MPI_INT, MPI_MAX, comm));
    if (gethostname(p->host, sizeof p->host - 1) != 0)
        snprintf(p->host, sizeof p->host, "unknown");
}
