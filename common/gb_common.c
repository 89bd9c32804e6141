/* gb_common.c: error strings and the error-message helper shared by every module. */
#include "gb_common.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

const char *gb_strerror(int code)
{
    switch (code) {
    case GB_OK: return "success";
    case GB_EINVAL: return "invalid argument";
    case GB_ENOMEM: return "out of memory";
    case GB_EIO: return "input/output error";
    case GB_ENOENT: return "no such name";
    case GB_ERANGE: return "value out of range";
    case GB_EFAIL: return "operation failed";
    case GB_EINTR: return "interrupted";
    default: return "unknown error";
    }
}

int gb_seterr(char *err, int code, const char *fmt, ...)
{
    if (err != NULL) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, GB_ERRLEN, fmt, ap);
        va_end(ap);
        /* Messages quote user text (specs, file lines): keep them one line whatever it holds. */
        for (char *p = err; *p != '\0'; p++)
            if ((unsigned char)*p < 0x20 || (unsigned char)*p == 0x7f)
                *p = '?';
    }
    return code;
}

void gb_block_range(uint64_t n, int p, int r, gb_node_t *first, uint32_t *count)
{
    uint64_t base = n / (uint64_t)p, rem = n % (uint64_t)p, ur = (uint64_t)r;
    *first = (gb_node_t)(ur * base + (ur < rem ? ur : rem));
    *count = (uint32_t)(base + (ur < rem ? 1 : 0));
}

int gb_block_owner(uint64_t n, int p, gb_node_t node)
{
    uint64_t base = n / (uint64_t)p, rem = n % (uint64_t)p;
    uint64_t big = rem * (base + 1);
    if (node < big)
        return (int)(node / (base + 1));
    return (int)(rem + (node - big) / base);
}

void *gb_zalloc_huge(size_t bytes)
{
    const size_t huge = (size_t)2 << 20;
    if (bytes < huge)
        return calloc(1, bytes ? bytes : 1);
    if (bytes > SIZE_MAX - huge)
        return NULL;
    size_t size = (bytes + huge - 1) / huge * huge; /* aligned_alloc wants a multiple */
    void *p = aligned_alloc(huge, size);
    if (p == NULL)
        return NULL;
#ifdef MADV_HUGEPAGE
    (void)madvise(p, size, MADV_HUGEPAGE); /* a hint: refused, the pages stay small */
#endif
    memset(p, 0, size);
    return p;
}
