/* gb_common.h: project-wide types, error codes and small helpers.
 *
 * Contract: library code (common/, protocols/, topologies/, bench/ modules other than
 * the driver) returns 0 on success or one of the negative GB_E* codes below; only the
 * driver in bench/main.c decides to exit. No MPI here. */
#ifndef GB_COMMON_H
#define GB_COMMON_H

#include <stddef.h>
#include <stdint.h>

/* Node identifiers are 32-bit: up to 2^32-1 gossip nodes in one run. */
typedef uint32_t gb_node_t;
#define GB_NODE_MAX UINT32_MAX

/* Error codes (negative, so 0 means success and callers test "< 0"). */
#define GB_OK 0
#define GB_EINVAL (-1)  /* bad argument or parameter value */
#define GB_ENOMEM (-2)  /* allocation failed */
#define GB_EIO (-3)     /* file could not be read or written */
#define GB_ENOENT (-4)  /* unknown name (protocol, topology, parameter) */
#define GB_ERANGE (-5)  /* value out of the allowed range */
#define GB_EFAIL (-6)   /* a generator or algorithm failed (e.g. retries exhausted) */
#define GB_EINTR (-7)   /* interrupted by a signal (SIGINT, SIGTERM) */

/* Human-readable name of a GB_E* code; never NULL. */
const char *gb_strerror(int code);

/* Size of an error message buffer that every *_err parameter in the project accepts. */
#define GB_ERRLEN 256

/* printf-style write into err (may be NULL); always returns code, so that
 * `return gb_seterr(err, GB_EINVAL, "...")` reads naturally. */
int gb_seterr(char *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define GB_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* A non-negative double as uint64_t, saturating at UINT64_MAX (a plain cast of a value
 * beyond 2^64 is undefined behaviour); NaN and negatives give 0. For size estimates. */
static inline uint64_t gb_sat_u64(double x)
{
    if (!(x > 0.0))
        return 0;
    if (!(x < 18446744073709551616.0))
        return UINT64_MAX;
    return (uint64_t)x;
}

/* `bytes` of zeroed memory for a large array that is read and written at random places
 * (bitmaps over millions of nodes): from 2 MiB on it is aligned to 2 MiB and offered to
 * the kernel as transparent huge pages (Linux madvise, where available), which spares
 * most of the TLB misses of scattered accesses. Freed with free(); NULL when out of
 * memory. */
void *gb_zalloc_huge(size_t bytes);

/* Block placement of nodes 0..n-1 on p ranks (the first n % p ranks get one node more):
 * [first, first+count) of rank r, and the rank that owns a node. */
void gb_block_range(uint64_t n, int p, int r, gb_node_t *first, uint32_t *count);
int gb_block_owner(uint64_t n, int p, gb_node_t node);

#endif
