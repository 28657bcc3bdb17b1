/* cmd_fuzz.c -- `virtwire fuzz`: time-boxed fuzzing campaigns over the project's fuzz targets,
 * new inputs merged into the corpus, crashes de-duplicated by sanitizer stack, a summary table
 * (issue 7 point 1; harness/fuzz_campaign.h).
 *
 *   virtwire fuzz [--all | --target T ...] [--time S] [--jobs N] [--engine libfuzzer|afl]
 *                 [--build DIR] [--afl-build DIR] [--cmplog-build DIR] [--corpus DIR]
 *                 [--crashes DIR] [--no-merge] [--keep-work] [-q]
 *   virtwire fuzz --signature REPORT...
 *
 * Targets are the executables BUILD/fuzzers/fuzz_* and the corpus directories CORPUS/<T>/ (a
 * target with a corpus but no binary is a row saying so); the negative canary runs only when
 * named.  BUILD defaults to the build directory this virtwire belongs to, CORPUS to the source
 * tree's corpus/fuzz (BUILD/meson-info/meson-info.json names it), CRASHES to ./fuzz-crashes,
 * the scratch directory (WORK) to $TMPDIR/vwfz.XXXXXX or /tmp/vwfz.XXXXXX.
 * With --jobs N, N targets are fuzzed at once (one worker process each).  --signature prints
 * the de-duplication key of each saved sanitizer report (one line each).
 * Exit status: 0 no new crash and every target ran; 1 a new crash, or a target could not run;
 * 2 usage error. */
#define _GNU_SOURCE     /* mkdtemp, nftw */
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fuzz_campaign.h"

#define VW_FUZZ_TARGETS_MAX 128u         /* fuzz targets in one run */
#define VW_FUZZ_TIME_MAX 604800u         /* a week per target */
#define VW_FUZZ_JOBS_MAX 64u
#define VW_FUZZ_TIME_DEFAULT 60u         /* issue 7 point 7: "for example 60 s per target" */
#define VW_FUZZ_REPORT_MAX (1u << 20)    /* a report read by --signature */

/* harness/fuzz_afl.c is linked in when it exists; until then engine afl says so. */
#pragma weak vw_fuzz_afl_campaign

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig) {
    stop_signal = sig;
}

static void fuzz_usage(FILE *f) {
    fputs("usage: virtwire fuzz [--all | --target T ...] [--time S] [--jobs N]\n"
          "                     [--engine libfuzzer|afl] [--build DIR] [--afl-build DIR]\n"
          "                     [--cmplog-build DIR] [--corpus DIR] [--crashes DIR]\n"
          "                     [--no-merge] [--keep-work] [-q]\n"
          "       virtwire fuzz --signature REPORT...\n"
          "Fuzzes each target for S seconds (default 60), merges new inputs into\n"
          "CORPUS/<target>/, files new crashes in CRASHES (default ./fuzz-crashes) and prints\n"
          "a table.  Exit 1 on a new crash or a target that could not run.\n",
          f);
}

static int parse_uint(const char *s, unsigned min, unsigned max, unsigned *out) {
    char *end;
    unsigned long v;

    if (s == NULL || *s < '0' || *s > '9') {
        return -1;
    }
    errno = 0;
    v = strtoul(s, &end, 10);
    if (*end != '\0' || errno != 0 || v < min || v > max) {
        return -1;
    }
    *out = (unsigned)v;
    return 0;
}

static bool is_dir(const char *p) {
    struct stat sb;

    return stat(p, &sb) == 0 && S_ISDIR(sb.st_mode);
}

/* valid_name: a target name is a file-name part, [a-z0-9_] (fuzzers/fuzz_<target>.c). */
static bool valid_name(const char *s) {
    size_t n = strlen(s);

    return n > 0 && n < 64 && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_") == n;
}

/* ---- --signature ---- */

static int print_signatures(int argc, char **argv) {
    int rc = 0;

    if (argc < 1) {
        fuzz_usage(stderr);
        return 2;
    }
    for (int i = 0; i < argc; i++) {
        FILE *f = fopen(argv[i], "re");
        char *buf = malloc(VW_FUZZ_REPORT_MAX + 1);
        char sig[VW_FUZZ_SIG_MAX];
        size_t n = 0;

        if (f == NULL || buf == NULL) {
            fprintf(stderr, "virtwire fuzz: cannot read %s: %s\n", argv[i], strerror(errno));
            if (f != NULL) {
                fclose(f);
            }
            free(buf);
            return 2;
        }
        n = fread(buf, 1, VW_FUZZ_REPORT_MAX, f);
        fclose(f);
        buf[n] = '\0';
        if (vw_fuzz_crash_signature(buf, sig, sizeof(sig)) == 0) {
            printf("%s\n", sig);
        } else {
            printf("(no report)\n");
            rc = 1;
        }
        free(buf);
    }
    return rc;
}

/* ---- paths ---- */

/* default_build: the build directory of this binary, dirname(dirname(/proc/self/exe)), when
 * it holds fuzzers/. */
static int default_build(char *out, size_t cap) {
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    char *slash;

    if (n <= 0) {
        return -1;
    }
    self[n] = '\0';
    for (int i = 0; i < 2; i++) {
        if ((slash = strrchr(self, '/')) == NULL) {
            return -1;
        }
        *slash = '\0';
    }
    if (snprintf(out, cap, "%s/fuzzers", self) >= (int)cap || !is_dir(out)) {
        return -1;
    }
    snprintf(out, cap, "%s", self);
    return 0;
}

/* default_corpus: SOURCE/corpus/fuzz, SOURCE from BUILD/meson-info/meson-info.json
 * ("directories": {"source": "..."}), else ./corpus/fuzz. */
static int default_corpus(const char *build, char *out, size_t cap) {
    char path[VW_FUZZ_PATH_MAX], buf[16384];
    FILE *f;
    size_t n = 0;
    const char *p;

    if (build != NULL && snprintf(path, sizeof(path), "%s/meson-info/meson-info.json", build) <
                             (int)sizeof(path) && (f = fopen(path, "re")) != NULL) {
        n = fread(buf, 1, sizeof(buf) - 1, f);
        fclose(f);
    }
    buf[n] = '\0';
    if ((p = strstr(buf, "\"source\": \"")) != NULL) {
        const char *s = p + strlen("\"source\": \"");
        size_t len = strcspn(s, "\"\\");

        if (snprintf(out, cap, "%.*s/corpus/fuzz", (int)len, s) < (int)cap && is_dir(out)) {
            return 0;
        }
    }
    if (is_dir("corpus/fuzz") && realpath("corpus/fuzz", path) != NULL) {
        snprintf(out, cap, "%s", path);
        return 0;
    }
    return -1;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* mkdir_p creates |dir| and its parents. */
static int mkdir_p(const char *dir) {
    char p[VW_FUZZ_PATH_MAX];

    if (snprintf(p, sizeof(p), "%s", dir) >= (int)sizeof(p)) {
        return -1;
    }
    for (char *s = p + 1; *s != '\0'; s++) {
        if (*s == '/') {
            *s = '\0';
            if (mkdir(p, 0755) != 0 && errno != EEXIST) {
                return -1;
            }
            *s = '/';
        }
    }
    return (mkdir(p, 0755) != 0 && errno != EEXIST) ? -1 : 0;
}

/* ---- targets ---- */

struct target_list {
    char name[VW_FUZZ_TARGETS_MAX][64];
    size_t n;
};

static bool list_has(const struct target_list *l, const char *name) {
    for (size_t i = 0; i < l->n; i++) {
        if (strcmp(l->name[i], name) == 0) {
            return true;
        }
    }
    return false;
}

static void list_add(struct target_list *l, const char *name) {
    if (l->n < VW_FUZZ_TARGETS_MAX && valid_name(name) && !list_has(l, name)) {
        snprintf(l->name[l->n++], sizeof(l->name[0]), "%s", name);
    }
}

static int cmp_name(const void *a, const void *b) {
    return strcmp(a, b);
}

/* known_targets: the executables BUILD/fuzzers/fuzz_* and the directories CORPUS/<T>/. */
static void known_targets(const char *build, const char *corpus, struct target_list *l) {
    char dir[VW_FUZZ_PATH_MAX];
    DIR *d;
    struct dirent *e;

    l->n = 0;
    if (build != NULL && snprintf(dir, sizeof(dir), "%s/fuzzers", build) < (int)sizeof(dir) &&
        (d = opendir(dir)) != NULL) {
        while ((e = readdir(d)) != NULL) {
            char p[VW_FUZZ_PATH_MAX + 256];
            struct stat sb;

            if (strncmp(e->d_name, "fuzz_", 5) != 0 ||
                snprintf(p, sizeof(p), "%s/%s", dir, e->d_name) >= (int)sizeof(p)) {
                continue;
            }
            if (stat(p, &sb) == 0 && S_ISREG(sb.st_mode) && access(p, X_OK) == 0) {
                list_add(l, e->d_name + 5);
            }
        }
        closedir(d);
    }
    if (corpus != NULL && (d = opendir(corpus)) != NULL) {
        while ((e = readdir(d)) != NULL) {
            char p[VW_FUZZ_PATH_MAX + 256];

            if (e->d_name[0] != '.' &&
                snprintf(p, sizeof(p), "%s/%s", corpus, e->d_name) < (int)sizeof(p) &&
                is_dir(p)) {
                list_add(l, e->d_name);
            }
        }
        closedir(d);
    }
    qsort(l->name, l->n, sizeof(l->name[0]), cmp_name);
}

/* ---- workers ---- */

struct worker {
    pid_t pid;
    int fd;                 /* the result comes back through this pipe */
    size_t row;
};

/* run_one is a worker process: one campaign, its result written to |fd|. */
static void run_one(const char *target, const struct vw_fuzz_opts *opts, int fd) {
    struct vw_fuzz_result r;
    const char *p = (const char *)&r;
    size_t left = sizeof(r);

    memset(&r, 0, sizeof(r));
    if (opts->engine == VW_FUZZ_AFL) {
        if (vw_fuzz_afl_campaign == NULL) {
            snprintf(r.target, sizeof(r.target), "%s", target);
            r.status = -1;
            snprintf(r.why, sizeof(r.why), "the AFL++ engine is not built into this virtwire");
        } else if (vw_fuzz_afl_campaign(target, opts, &r) != 0 && r.status == 0) {
            r.status = -1;
        }
    } else if (vw_fuzz_libfuzzer_campaign(target, opts, &r) != 0 && r.status == 0) {
        r.status = -1;
    }
    snprintf(r.target, sizeof(r.target), "%s", target);
    while (left > 0) {
        ssize_t n = write(fd, p, left);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break;
        }
        p += n;
        left -= (size_t)n;
    }
}

static int start_worker(const char *target, const struct vw_fuzz_opts *opts, size_t row,
                        struct worker *w) {
    int fds[2];
    pid_t parent = getpid();

    if (pipe(fds) != 0) {
        return -1;
    }
    fflush(stdout);
    fflush(stderr);
    w->pid = fork();
    if (w->pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (w->pid == 0) {
        close(fds[0]);
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        prctl(PR_SET_PDEATHSIG, SIGKILL);   /* gone with us, even after our SIGKILL */
        if (getppid() != parent) {
            _exit(1);
        }
        run_one(target, opts, fds[1]);
        fflush(stderr);
        _exit(0);
    }
    close(fds[1]);
    w->fd = fds[0];
    w->row = row;
    return 0;
}

/* finish_worker reads the result of a worker that has exited. */
static void finish_worker(struct worker *w, int ws, struct vw_fuzz_result *rows) {
    struct vw_fuzz_result r;
    size_t got = 0;

    while (got < sizeof(r)) {
        ssize_t n = read(w->fd, (char *)&r + got, sizeof(r) - got);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break;
        }
        got += (size_t)n;
    }
    close(w->fd);
    if (got == sizeof(r)) {
        r.target[sizeof(r.target) - 1] = '\0';
        r.why[sizeof(r.why) - 1] = '\0';
        r.reproduce[sizeof(r.reproduce) - 1] = '\0';
        rows[w->row] = r;
    } else {
        rows[w->row].status = -1;
        snprintf(rows[w->row].why, sizeof(rows[w->row].why), "the campaign %s %d",
                 WIFSIGNALED(ws) ? "was killed by signal" : "exited with status",
                 WIFSIGNALED(ws) ? WTERMSIG(ws) : WEXITSTATUS(ws));
    }
    w->pid = 0;
}

/* run_all fuzzes |targets|, |jobs| at a time; on SIGINT/SIGTERM the running campaigns are
 * killed (their fuzzers follow by PR_SET_PDEATHSIG) and the rest are not started. */
static void run_all(const struct target_list *targets, const struct vw_fuzz_opts *opts,
                    unsigned jobs, struct vw_fuzz_result *rows) {
    struct worker w[VW_FUZZ_JOBS_MAX];
    size_t next = 0, running = 0;
    bool killed = false;

    memset(w, 0, sizeof(w));
    for (;;) {
        while (!stop_signal && next < targets->n && running < jobs) {
            size_t slot = 0;

            while (w[slot].pid != 0) {
                slot++;
            }
            if (start_worker(targets->name[next], opts, next, &w[slot]) != 0) {
                rows[next].status = -1;
                snprintf(rows[next].why, sizeof(rows[next].why), "cannot fork: %s",
                         strerror(errno));
            } else {
                running++;
            }
            next++;
        }
        if (running == 0) {
            break;
        }
        if (stop_signal && !killed) {
            for (size_t i = 0; i < jobs; i++) {
                if (w[i].pid > 0) {
                    kill(w[i].pid, SIGKILL);
                }
            }
            killed = true;
        }
        int ws;
        pid_t pid = waitpid(-1, &ws, 0);
        if (pid < 0) {
            if (errno == EINTR) {
                continue;
            }
            break;                      /* ECHILD: nothing left */
        }
        for (size_t i = 0; i < jobs; i++) {
            if (w[i].pid == pid) {
                finish_worker(&w[i], ws, rows);
                running--;
            }
        }
    }
    for (; next < targets->n; next++) {
        rows[next].status = -1;
        snprintf(rows[next].why, sizeof(rows[next].why), "not run: interrupted");
    }
}

/* ---- main ---- */

struct fuzz_args {
    struct vw_fuzz_opts o;
    struct target_list named;
    bool all;
    unsigned jobs;
    const char *build, *corpus, *crashes;
};

/* parse_args fills |a|; returns 0, 2 (usage error) or 3 (--help). */
static int parse_args(int argc, char **argv, struct fuzz_args *a) {
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        bool takes = true;

        if (strcmp(o, "--help") == 0 || strcmp(o, "-h") == 0) {
            return 3;
        } else if (strcmp(o, "--all") == 0) {
            a->all = true;
            takes = false;
        } else if (strcmp(o, "--no-merge") == 0) {
            a->o.merge = false;
            takes = false;
        } else if (strcmp(o, "--keep-work") == 0) {
            a->o.keep_work = true;
            takes = false;
        } else if (strcmp(o, "-q") == 0 || strcmp(o, "--quiet") == 0) {
            a->o.quiet = true;
            takes = false;
        } else if (v == NULL) {
            fprintf(stderr, "virtwire fuzz: %s needs a value (or is unknown)\n", o);
            return 2;
        } else if (strcmp(o, "--target") == 0) {
            if (!valid_name(v) || a->named.n >= VW_FUZZ_TARGETS_MAX) {
                fprintf(stderr, "virtwire fuzz: bad target name '%s'\n", v);
                return 2;
            }
            list_add(&a->named, v);
        } else if (strcmp(o, "--time") == 0) {
            if (parse_uint(v, 1, VW_FUZZ_TIME_MAX, &a->o.seconds) != 0) {
                fprintf(stderr, "virtwire fuzz: --time wants 1..%u seconds\n", VW_FUZZ_TIME_MAX);
                return 2;
            }
        } else if (strcmp(o, "--jobs") == 0) {
            if (parse_uint(v, 1, VW_FUZZ_JOBS_MAX, &a->jobs) != 0) {
                fprintf(stderr, "virtwire fuzz: --jobs wants 1..%u\n", VW_FUZZ_JOBS_MAX);
                return 2;
            }
        } else if (strcmp(o, "--engine") == 0) {
            if (strcmp(v, "libfuzzer") == 0) {
                a->o.engine = VW_FUZZ_LIBFUZZER;
            } else if (strcmp(v, "afl") == 0) {
                a->o.engine = VW_FUZZ_AFL;
            } else {
                fprintf(stderr, "virtwire fuzz: --engine is libfuzzer or afl\n");
                return 2;
            }
        } else if (strcmp(o, "--build") == 0) {
            a->build = v;
        } else if (strcmp(o, "--afl-build") == 0) {
            a->o.afl_build = v;
        } else if (strcmp(o, "--cmplog-build") == 0) {
            a->o.cmplog_build = v;
        } else if (strcmp(o, "--corpus") == 0) {
            a->corpus = v;
        } else if (strcmp(o, "--crashes") == 0) {
            a->crashes = v;
        } else {
            fprintf(stderr, "virtwire fuzz: unknown option '%s'\n", o);
            return 2;
        }
        i += takes ? 1 : 0;
    }
    if (a->all && a->named.n > 0) {
        fprintf(stderr, "virtwire fuzz: --all and --target exclude each other\n");
        return 2;
    }
    return 0;
}

/* choose_targets fills |out| from --all / --target against the known targets; returns 0 or 2
 * (a named target is unknown). */
static int choose_targets(const struct fuzz_args *a, const struct target_list *known,
                          struct target_list *out) {
    out->n = 0;
    if (a->named.n == 0) {
        for (size_t i = 0; i < known->n; i++) {
            if (strcmp(known->name[i], "canary_negative") != 0) {   /* only when named */
                list_add(out, known->name[i]);
            }
        }
        return 0;
    }
    for (size_t i = 0; i < a->named.n; i++) {
        if (!list_has(known, a->named.name[i])) {
            fprintf(stderr, "virtwire fuzz: unknown target '%s' (none in %s/fuzzers or the "
                    "corpus)\n", a->named.name[i], a->build != NULL ? a->build : "BUILD");
            return 2;
        }
        list_add(out, a->named.name[i]);
    }
    return 0;
}

int vw_cmd_fuzz(int argc, char **argv) {
    static struct fuzz_args a;
    static struct target_list known, targets;
    static struct vw_fuzz_result rows[VW_FUZZ_TARGETS_MAX];
    char build[VW_FUZZ_PATH_MAX], corpus[VW_FUZZ_PATH_MAX], crashes[VW_FUZZ_PATH_MAX];
    char work[VW_FUZZ_PATH_MAX];
    const char *tmpdir = getenv("TMPDIR");
    int rc;

    if (argc >= 2 && strcmp(argv[1], "--signature") == 0) {
        return print_signatures(argc - 2, argv + 2);
    }
    memset(&a, 0, sizeof(a));
    a.o.merge = true;
    a.o.seconds = VW_FUZZ_TIME_DEFAULT;
    a.jobs = 1;
    rc = parse_args(argc, argv, &a);
    if (rc != 0) {
        fuzz_usage(rc == 3 ? stdout : stderr);
        return rc == 3 ? 0 : 2;
    }
    /* the build that holds the fuzz binaries (for engine afl, the AFL++ build lists them) */
    if (a.build != NULL) {
        snprintf(build, sizeof(build), "%s", a.build);
    } else if (default_build(build, sizeof(build)) != 0) {
        fprintf(stderr, "virtwire fuzz: this virtwire is not in a build with fuzzers/: "
                "give --build DIR\n");
        return 2;
    }
    a.build = build;
    if (a.corpus != NULL) {
        snprintf(corpus, sizeof(corpus), "%s", a.corpus);
    } else if (default_corpus(build, corpus, sizeof(corpus)) != 0) {
        fprintf(stderr, "virtwire fuzz: cannot find corpus/fuzz: give --corpus DIR\n");
        return 2;
    }
    if (!is_dir(corpus)) {
        fprintf(stderr, "virtwire fuzz: %s is not a directory\n", corpus);
        return 2;
    }
    if (a.o.engine == VW_FUZZ_AFL && a.o.afl_build == NULL) {
        fprintf(stderr, "virtwire fuzz: --engine afl needs --afl-build DIR\n");
        return 2;
    }
    known_targets(a.o.engine == VW_FUZZ_AFL ? a.o.afl_build : build, corpus, &known);
    if (a.named.n > 0 && !list_has(&known, "canary_negative")) {
        struct target_list canary = { .n = 0 };

        known_targets(build, NULL, &canary);    /* the canary has no corpus directory */
        if (list_has(&canary, "canary_negative")) {
            list_add(&known, "canary_negative");
        }
    }
    if (choose_targets(&a, &known, &targets) != 0) {
        return 2;
    }
    if (targets.n == 0) {
        fprintf(stderr, "virtwire fuzz: no fuzz target in %s/fuzzers or %s\n", build, corpus);
        return 2;
    }
    if (mkdir_p(a.crashes != NULL ? a.crashes : "fuzz-crashes") != 0 ||
        realpath(a.crashes != NULL ? a.crashes : "fuzz-crashes", crashes) == NULL) {
        fprintf(stderr, "virtwire fuzz: cannot create the crash directory: %s\n",
                strerror(errno));
        return 2;
    }
    /* the scratch dir: $TMPDIR (when short: paths below it stay short) or /tmp */
    if (tmpdir == NULL || tmpdir[0] != '/' || strlen(tmpdir) > 200) {
        tmpdir = "/tmp";
    }
    snprintf(work, sizeof(work), "%s/vwfz.XXXXXX", tmpdir);
    if (mkdtemp(work) == NULL) {
        fprintf(stderr, "virtwire fuzz: cannot create a work dir: %s\n", strerror(errno));
        return 2;
    }
    a.o.build = build;
    a.o.corpus_root = corpus;
    a.o.crash_dir = crashes;
    a.o.work = work;
    a.o.jobs = a.jobs;

    struct sigaction sa = { .sa_handler = on_signal };     /* no SA_RESTART: waitpid returns */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    if (!a.o.quiet) {
        fprintf(stderr, "fuzz: %zu target(s), %u s each, %u at once, engine %s, corpus %s\n",
                targets.n, a.o.seconds, a.jobs,
                a.o.engine == VW_FUZZ_AFL ? "afl" : "libfuzzer", corpus);
    }
    memset(rows, 0, sizeof(rows));
    for (size_t i = 0; i < targets.n; i++) {
        snprintf(rows[i].target, sizeof(rows[i].target), "%s", targets.name[i]);
    }
    /* AFL runs its instances per target (opts.jobs), so its targets go one at a time */
    run_all(&targets, &a.o, a.o.engine == VW_FUZZ_AFL ? 1u : a.jobs, rows);

    vw_fuzz_print_table(rows, targets.n);
    if (a.o.keep_work) {
        printf("work directory kept: %s\n", work);
    } else {
        nftw(work, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    }
    rc = 0;
    for (size_t i = 0; i < targets.n; i++) {
        if (rows[i].new_crashes > 0 || rows[i].status < 0) {
            rc = 1;
        }
    }
    if (stop_signal) {
        fprintf(stderr, "virtwire fuzz: interrupted by signal %d\n", (int)stop_signal);
        rc = 1;
    }
    return rc;
}
