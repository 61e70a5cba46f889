/*
 * replay.c: a main() for the fuzz targets outside libFuzzer. Runs every
 * file named on the command line, or found in a directory named there,
 * through LLVMFuzzerTestOneInput once, so the seed corpora run as tests in
 * the ordinary and the sanitizer builds. A finding aborts (the test fails);
 * otherwise it prints cmocka's summary line for scripts/test to count, one
 * test per input.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

/* Runs one file; returns 1 when it was read, 0 (with a message) when not. */
static int replay_file(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        return 0;
    }
    size_t cap = 4096, n = 0;
    uint8_t *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            uint8_t *more = realloc(buf, cap * 2);
            if (!more) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = more;
            cap *= 2;
        }
    }
    fclose(f);
    if (!buf) {
        fprintf(stderr, "%s: not enough memory\n", path);
        return 0;
    }
    LLVMFuzzerTestOneInput(buf, n);
    free(buf);
    return 1;
}

static int by_name(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Runs the regular files of a directory in name order; returns how many,
 * or -1 when one could not be read. */
static int replay_dir(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) {
        perror(dir);
        return -1;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    int ok = 1;
    while (ok && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue;
        size_t len = strlen(dir) + strlen(e->d_name) + 2;
        char *path = malloc(len);
        struct stat st;
        if (!path) {
            ok = 0;
            break;
        }
        snprintf(path, len, "%s/%s", dir, e->d_name);
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
            free(path);
            continue;
        }
        if (n == cap) {
            char **more = realloc(names, (cap ? cap * 2 : 64) * sizeof *names);
            if (!more) {
                free(path);
                ok = 0;
                break;
            }
            names = more;
            cap = cap ? cap * 2 : 64;
        }
        names[n++] = path;
    }
    closedir(d);
    if (names) qsort(names, n, sizeof *names, by_name);
    int count = 0;
    for (size_t i = 0; i < n; i++) {
        if (ok && replay_file(names[i])) count++;
        else ok = 0;
        free(names[i]);
    }
    free(names);
    return ok ? count : -1;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
        return 2;
    }
    LLVMFuzzerInitialize(&argc, &argv);
    int total = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        int n;
        if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) n = replay_dir(argv[i]);
        else n = replay_file(argv[i]) ? 1 : -1;
        if (n < 0) {
            printf("[  FAILED  ] 1 test(s), listed below:\n[  FAILED  ] %s\n", argv[i]);
            return 1;
        }
        total += n;
    }
    if (total == 0) {
        printf("[  FAILED  ] 1 test(s), listed below:\n[  FAILED  ] no inputs\n");
        return 1;
    }
    printf("replayed %d input(s)\n[  PASSED  ] %d test(s).\n", total, total);
    return 0;
}
