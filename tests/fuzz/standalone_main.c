/* standalone_main.c: a main() for the fuzz targets without libFuzzer, so that any C
 * compiler can build them and replay inputs (tests/test_fuzz_regress.sh).
 *
 * Usage: fuzz_TARGET FILE|DIR...  Each file (each regular file of a directory, not
 * recursive) is read whole and passed once to LLVMFuzzerTestOneInput. A crash or an
 * invariant violation aborts the process, so a non-zero exit status names the failure;
 * with GB_FUZZ_VERBOSE=1 each file is announced on stderr before it runs, so the last one
 * announced is the culprit. Exit status 0: every input ran; 2: a file could not be read. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int verbose;

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        perror(path);
        return 2;
    }
    size_t cap = 4096, len = 0;
    uint8_t *buf = malloc(cap);
    size_t got;
    while (buf != NULL && (got = fread(buf + len, 1, cap - len, f)) > 0) {
        len += got;
        if (len == cap) {
            uint8_t *nb = realloc(buf, cap * 2);
            if (nb == NULL) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
    }
    int bad = buf == NULL || ferror(f);
    fclose(f);
    if (bad) {
        fprintf(stderr, "%s: cannot read\n", path);
        free(buf);
        return 2;
    }
    if (verbose)
        fprintf(stderr, "running %s (%zu bytes)\n", path, len);
    /* An exact-size copy, so that AddressSanitizer catches reads past the input's end. */
    uint8_t *exact = malloc(len > 0 ? len : 1);
    if (exact == NULL)
        return 2;
    if (len > 0)
        memcpy(exact, buf, len);
    free(buf);
    LLVMFuzzerTestOneInput(exact, len);
    free(exact);
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_dir(const char *dir, int *count)
{
    DIR *d = opendir(dir);
    if (d == NULL) {
        perror(dir);
        return 2;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            char **nn = realloc(names, cap * sizeof *nn);
            if (nn == NULL)
                return 2;
            names = nn;
        }
        size_t len = strlen(dir) + strlen(e->d_name) + 2;
        names[n] = malloc(len);
        if (names[n] == NULL)
            return 2;
        snprintf(names[n], len, "%s/%s", dir, e->d_name);
        n++;
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp_str); /* a fixed order makes reruns comparable */
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        if (rc == 0 && stat(names[i], &st) == 0 && S_ISREG(st.st_mode)) {
            rc = run_file(names[i]);
            (*count)++;
        }
        free(names[i]);
    }
    free(names);
    return rc;
}

int main(int argc, char **argv)
{
    int count = 0;
    const char *v = getenv("GB_FUZZ_VERBOSE");
    verbose = v != NULL && v[0] == '1';
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            perror(argv[i]);
            return 2;
        }
        int rc = S_ISDIR(st.st_mode) ? run_dir(argv[i], &count) : (count++, run_file(argv[i]));
        if (rc != 0)
            return rc;
    }
    fprintf(stderr, "%s: %d inputs ran\n", argc > 0 ? argv[0] : "fuzz", count);
    return 0;
}
