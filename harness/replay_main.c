/* replay_main.c -- a main() for fuzz targets built without libFuzzer or AFL++.
 *
 * Runs LLVMFuzzerTestOneInput once per file named on the command line (a directory means each
 * regular file in it, sorted), each in an exact-size heap buffer so ASan and valgrind catch a
 * one-byte over-read.  Exit status: 0 when every input ran, 1 when an input could not be read
 * or no input was given; a finding aborts, as it would under a fuzzing engine. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
__attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv);

static int run_file(const char *path) {
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    size_t len = 0;
    long end;

    if (f == NULL) {
        fprintf(stderr, "replay: %s: cannot open\n", path);
        return -1;
    }
    if (fseek(f, 0, SEEK_END) != 0 || (end = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
        fprintf(stderr, "replay: %s: cannot size\n", path);
        fclose(f);
        return -1;
    }
    len = (size_t)end;
    buf = malloc(len > 0 ? len : 1);
    if (buf == NULL || fread(buf, 1, len, f) != len) {
        fprintf(stderr, "replay: %s: cannot read\n", path);
        free(buf);
        fclose(f);
        return -1;
    }
    fclose(f);
    LLVMFuzzerTestOneInput(len > 0 ? buf : NULL, len);
    free(buf);
    return 0;
}

static int cmp_names(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_dir(const char *dir, size_t *num_run) {
    DIR *d = opendir(dir);
    struct dirent *de;
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;

    if (d == NULL) {
        fprintf(stderr, "replay: %s: cannot open directory\n", dir);
        return -1;
    }
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.') {
            continue;
        }
        if (n == cap) {
            char **q = realloc(names, (cap = cap ? cap * 2 : 64) * sizeof(*names));
            if (q == NULL) {
                rc = -1;
                break;
            }
            names = q;
        }
        size_t need = strlen(dir) + strlen(de->d_name) + 2;
        if ((names[n] = malloc(need)) == NULL) {
            rc = -1;
            break;
        }
        snprintf(names[n++], need, "%s/%s", dir, de->d_name);
    }
    closedir(d);
    if (n > 0) {
        qsort(names, n, sizeof(*names), cmp_names);
    }
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        if (rc == 0 && stat(names[i], &st) == 0 && S_ISREG(st.st_mode)) {
            if (run_file(names[i]) < 0) {
                rc = -1;
            } else {
                (*num_run)++;
            }
        }
        free(names[i]);
    }
    free(names);
    return rc;
}

int main(int argc, char **argv) {
    size_t num_run = 0;
    int rc = 0;

    if (LLVMFuzzerInitialize != NULL) {
        LLVMFuzzerInitialize(&argc, &argv);
    }
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            fprintf(stderr, "replay: %s: no such file\n", argv[i]);
            rc = 1;
        } else if (S_ISDIR(st.st_mode)) {
            rc |= run_dir(argv[i], &num_run) < 0;
        } else if (run_file(argv[i]) < 0) {
            rc = 1;
        } else {
            num_run++;
        }
    }
    printf("replay: %zu inputs executed\n", num_run);
    if (num_run == 0) {
        fprintf(stderr, "replay: no input executed\n");
        return 1;
    }
    return rc;
}
