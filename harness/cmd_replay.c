/* cmd_replay.c -- `virtwire replay`: run conformance transcripts against a target.
 *
 *   virtwire replay --target URI [--provides F,...] [--features FILE] [--report json:FILE]
 *                   [--report junit:FILE] [--timeout-scale F] [-v] TRANSCRIPT|DIR...
 *
 * A DIR means every *.txn below it, sorted by path.  One line per case on stdout (with what
 * its observe steps saw below it; -v adds the trace and every sync's latency), a summary
 * last (INFORMATIONAL counted when there is any).  Exit status: 0 when no case FAILed or
 * ERRORed (INFORMATIONAL counts like PASS), 1 otherwise, 2 on a usage error (bad
 * option, unreadable argument, no transcript found).  VW_REPLAY_FD_CHECK=1 makes the runner
 * compare its own fd table before and after each case (a leak is ERROR). */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd.h"
#include "replay.h"
#include "report.h"
#include "transcript.h"
#include "transport.h"

#define VW_REPLAY_DEPTH_MAX 32     /* directory nesting followed below a DIR argument */

struct strs {
    char **v;
    size_t n;
};

static int strs_add(struct strs *s, const char *p, size_t len) {
    char **v = realloc(s->v, (s->n + 1) * sizeof(*v));
    char *d = malloc(len + 1);

    if (v == NULL || d == NULL) {
        free(d);
        if (v != NULL) {
            s->v = v;
        }
        return -1;
    }
    memcpy(d, p, len);
    d[len] = '\0';
    v[s->n++] = d;
    s->v = v;
    return 0;
}

static void strs_free(struct strs *s) {
    for (size_t i = 0; i < s->n; i++) {
        free(s->v[i]);
    }
    free(s->v);
    s->v = NULL;
    s->n = 0;
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* add_words splits |text| at commas, blanks and newlines ('#' to the end of a line is a
 * comment) into |out|. */
static int add_words(struct strs *out, const char *text) {
    const char *p = text;

    while (*p != '\0') {
        if (*p == '#') {
            p += strcspn(p, "\n");
            continue;
        }
        size_t n = strcspn(p, ", \t\r\n#");
        if (n > 0 && strs_add(out, p, n) != 0) {
            return -1;
        }
        p += n;
        if (*p != '\0' && *p != '#') {
            p++;
        }
    }
    return 0;
}

static int read_features(struct strs *out, const char *path) {
    FILE *f = fopen(path, "r");
    char line[4096];
    int r = 0;

    if (f == NULL) {
        fprintf(stderr, "virtwire replay: %s: %s\n", path, strerror(errno));
        return -1;
    }
    while (r == 0 && fgets(line, sizeof(line), f) != NULL) {
        r = add_words(out, line);
    }
    fclose(f);
    return r;
}

/* find_txn adds every *.txn below |dir| to |out|. */
static int find_txn(struct strs *out, const char *dir, int depth) {
    DIR *d;
    struct dirent *e;
    int r = 0;

    if (depth > VW_REPLAY_DEPTH_MAX || (d = opendir(dir)) == NULL) {
        fprintf(stderr, "virtwire replay: %s: %s\n", dir,
                depth > VW_REPLAY_DEPTH_MAX ? "nested too deep" : strerror(errno));
        return -1;
    }
    while (r == 0 && (e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        char path[4096];
        struct stat st;

        if (e->d_name[0] == '.') {
            continue;
        }
        if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >= sizeof(path)) {
            continue;
        }
        if (stat(path, &st) != 0) {
            continue;
        }
        if (S_ISDIR(st.st_mode)) {
            r = find_txn(out, path, depth + 1);
        } else if (S_ISREG(st.st_mode) && n > 4 && strcmp(e->d_name + n - 4, ".txn") == 0) {
            r = strs_add(out, path, strlen(path));
        }
    }
    closedir(d);
    return r;
}

static void replay_usage(FILE *f) {
    fputs("usage: virtwire replay --target URI [--provides FEATURE,...] [--features FILE]\n"
          "                       [--report json:FILE] [--report junit:FILE]\n"
          "                       [--timeout-scale F] [-v] TRANSCRIPT|DIR...\n"
          "  URI: unix:PATH, tcp:HOST:PORT, chardev:PATH\n"
          "  a case whose `requires` the target does not provide is SKIP; without --provides\n"
          "  or --features every case runs.  Exit: 0 nothing failed, 1 FAIL or ERROR, 2 usage\n",
          f);
}

/* print_indented writes |text| with every line indented by four spaces. */
static void print_indented(const char *text) {
    const char *p = text;

    while (p != NULL && *p != '\0') {
        size_t n = strcspn(p, "\n");
        printf("    %.*s\n", (int)n, p);
        p += n;
        if (*p == '\n') {
            p++;
        }
    }
}

/* case_id gives the file name without its directory and .txn (for unparsed transcripts). */
static void base_id(const char *path, char *buf, size_t len) {
    const char *b = strrchr(path, '/');
    size_t n;

    b = b != NULL ? b + 1 : path;
    n = strlen(b);
    if (n > 4 && strcmp(b + n - 4, ".txn") == 0) {
        n -= 4;
    }
    snprintf(buf, len, "%.*s", (int)n, b);
}

/* VW_REPLAY_OBS_SHOWN: the characters of an observation shown under a case line (-v: the
 * 4096 of the reports). */
#define VW_REPLAY_OBS_SHOWN 240u
#define VW_REPLAY_OBS_SHOWN_V 4096u

/* print_extras writes a case's observations (always) and syncs (-v) below its line. */
static void print_extras(const struct vw_replay_result *res, bool verbose) {
    static char text[VW_REPLAY_OBS_SHOWN_V + 1];

    for (size_t i = 0; i < res->num_obs; i++) {
        const struct vw_replay_obs *o = &res->obs[i];

        vw_replay_escape(o->data, o->data_len, text,
                         (verbose ? VW_REPLAY_OBS_SHOWN_V : VW_REPLAY_OBS_SHOWN) + 1);
        printf("    observed at line %u: %zu bytes: %s\n", o->line, o->bytes, text);
    }
    for (size_t i = 0; verbose && i < res->num_syncs; i++) {
        const struct vw_replay_sync *y = &res->syncs[i];
        char where[32];

        if (y->line == 0) {
            snprintf(where, sizeof(where), "the first connect");
        } else {
            snprintf(where, sizeof(where), "line %u", y->line);
        }
        printf("    %s sync at %s: %llu us, %llu bytes dropped, %u sent\n",
               y->implicit ? "implicit" : "explicit", where, y->us, y->dropped, y->sends);
    }
}

static int write_report(const char *spec, const struct vw_report_case *cases, size_t n) {
    bool json = strncmp(spec, "json:", 5) == 0;
    const char *path = strchr(spec, ':') + 1;
    FILE *f = fopen(path, "w");
    int r;

    if (f == NULL) {
        fprintf(stderr, "virtwire replay: %s: %s\n", path, strerror(errno));
        return -1;
    }
    r = json ? vw_report_json(f, cases, n) : vw_report_junit(f, cases, n);
    if (fclose(f) != 0 || r != 0) {
        fprintf(stderr, "virtwire replay: %s: write error\n", path);
        return -1;
    }
    return 0;
}

struct replay_run {
    struct strs files, provides, reports;
    struct vw_txn *txns;
    struct vw_replay_result *results;
    struct vw_report_case *cases;
    char (*ids)[256];
};

static int run_all(struct replay_run *rr, const struct vw_replay_opts *o) {
    unsigned t[VW_VERDICT_COUNT];
    size_t n = rr->files.n;

    rr->txns = calloc(n, sizeof(*rr->txns));
    rr->results = calloc(n, sizeof(*rr->results));
    rr->cases = calloc(n, sizeof(*rr->cases));
    rr->ids = calloc(n, sizeof(*rr->ids));
    if (rr->txns == NULL || rr->results == NULL || rr->cases == NULL || rr->ids == NULL) {
        fprintf(stderr, "virtwire replay: out of memory\n");
        return 1;
    }
    for (size_t i = 0; i < n; i++) {
        const char *file = rr->files.v[i];
        struct vw_replay_result *res = &rr->results[i];
        struct vw_txn *txn = &rr->txns[i];
        char err[512];

        if (vw_txn_load(txn, file, err, sizeof(err)) != 0) {
            res->verdict = VW_VERDICT_ERROR;
            snprintf(res->reason, sizeof(res->reason), "transcript: %.490s", err);
            base_id(file, rr->ids[i], sizeof(rr->ids[i]));
            rr->cases[i] = (struct vw_report_case){ rr->ids[i], file, "", res };
        } else {
            vw_replay_case(txn, o, res);
            rr->cases[i] = (struct vw_report_case){ txn->case_id, file, txn->protocol, res };
        }
        printf("%s  %s%s%s  (%u ms)", vw_verdict_name(res->verdict), rr->cases[i].protocol,
               rr->cases[i].protocol[0] != '\0' ? "/" : "", rr->cases[i].id, res->duration_ms);
        if (res->reason[0] != '\0') {
            printf("  %s", res->reason);
        }
        putchar('\n');
        print_indented(res->diff);
        print_extras(res, o->verbose);
        if (o->verbose) {
            print_indented(res->log);
        }
        fflush(stdout);
    }
    vw_report_totals(rr->cases, n, t);
    printf("%zu cases: %u pass, %u non-strict, %u fail, %u error, %u skip", n,
           t[VW_VERDICT_PASS], t[VW_VERDICT_NONSTRICT], t[VW_VERDICT_FAIL], t[VW_VERDICT_ERROR],
           t[VW_VERDICT_SKIP]);
    if (t[VW_VERDICT_INFORMATIONAL] > 0) {
        printf(", %u informational", t[VW_VERDICT_INFORMATIONAL]);
    }
    putchar('\n');
    int status = t[VW_VERDICT_FAIL] + t[VW_VERDICT_ERROR] > 0 ? 1 : 0;
    for (size_t i = 0; i < rr->reports.n; i++) {
        if (write_report(rr->reports.v[i], rr->cases, n) != 0) {
            status = 1;
        }
    }
    return status;
}

static void run_cleanup(struct replay_run *rr) {
    for (size_t i = 0; rr->txns != NULL && i < rr->files.n; i++) {
        vw_txn_cleanup(&rr->txns[i]);
    }
    for (size_t i = 0; rr->results != NULL && i < rr->files.n; i++) {
        vw_replay_result_cleanup(&rr->results[i]);
    }
    free(rr->txns);
    free(rr->results);
    free(rr->cases);
    free(rr->ids);
    strs_free(&rr->files);
    strs_free(&rr->provides);
    strs_free(&rr->reports);
}

/* parse_args fills |rr| and |o|; returns 0, or 2 on a usage error (-1: --help printed). */
static int parse_args(int argc, char **argv, struct replay_run *rr, struct vw_replay_opts *o) {
    bool have_features = false;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool has_arg = i + 1 < argc;

        if (strcmp(a, "--target") == 0 && has_arg) {
            o->target = argv[++i];
        } else if (strcmp(a, "--provides") == 0 && has_arg) {
            have_features = true;
            if (add_words(&rr->provides, argv[++i]) != 0) {
                return 2;
            }
        } else if (strcmp(a, "--features") == 0 && has_arg) {
            have_features = true;
            if (read_features(&rr->provides, argv[++i]) != 0) {
                return 2;
            }
        } else if (strcmp(a, "--report") == 0 && has_arg) {
            const char *r = argv[++i];
            if ((strncmp(r, "json:", 5) != 0 && strncmp(r, "junit:", 6) != 0)
                || strchr(r, ':')[1] == '\0') {
                fprintf(stderr, "virtwire replay: --report takes json:FILE or junit:FILE\n");
                return 2;
            }
            if (strs_add(&rr->reports, r, strlen(r)) != 0) {
                return 2;
            }
        } else if (strcmp(a, "--timeout-scale") == 0 && has_arg) {
            char *end;
            errno = 0;
            o->timeout_scale = strtod(argv[++i], &end);
            if (errno != 0 || *end != '\0' || !(o->timeout_scale > 0)
                || o->timeout_scale > 1000) {
                fprintf(stderr, "virtwire replay: --timeout-scale takes a number in (0, 1000]\n");
                return 2;
            }
        } else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
            o->verbose = true;
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            replay_usage(stdout);
            return -1;
        } else if (a[0] != '-') {
            struct stat st;
            size_t before = rr->files.n;

            if (stat(a, &st) != 0) {
                fprintf(stderr, "virtwire replay: %s: %s\n", a, strerror(errno));
                return 2;
            }
            if (S_ISDIR(st.st_mode)) {
                if (find_txn(&rr->files, a, 0) != 0) {
                    return 2;
                }
                if (rr->files.n > before) {
                    qsort(rr->files.v + before, rr->files.n - before, sizeof(char *), cmp_str);
                }
            } else if (strs_add(&rr->files, a, strlen(a)) != 0) {
                return 2;
            }
        } else {
            fprintf(stderr, "virtwire replay: unexpected argument '%s'\n", a);
            replay_usage(stderr);
            return 2;
        }
    }
    if (o->target == NULL) {
        fprintf(stderr, "virtwire replay: --target URI is required\n");
        replay_usage(stderr);
        return 2;
    }
    struct vw_transport_uri u;
    if (vw_transport_parse(o->target, &u) != 0) {
        fprintf(stderr, "virtwire replay: bad --target '%s' (unix:PATH, tcp:HOST:PORT, "
                "chardev:PATH)\n", o->target);
        return 2;
    }
    if (rr->files.n == 0) {
        fprintf(stderr, "virtwire replay: no transcript given or found\n");
        replay_usage(stderr);
        return 2;
    }
    o->provides = rr->provides.v;
    o->num_provides = rr->provides.n;
    o->provides_all = !have_features;
    return 0;
}

int vw_cmd_replay(int argc, char **argv) {
    struct replay_run rr = { 0 };
    struct vw_replay_opts o = { .timeout_scale = 1.0 };
    const char *fdc = getenv("VW_REPLAY_FD_CHECK");
    int r;

    o.fd_check = fdc != NULL && strcmp(fdc, "1") == 0;
    r = parse_args(argc, argv, &rr, &o);
    if (r == 0) {
        r = run_all(&rr, &o);
    } else if (r < 0) {
        r = 0;
    }
    run_cleanup(&rr);
    return r;
}
