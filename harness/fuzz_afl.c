/* fuzz_afl.c -- the AFL++ engine of `virtwire fuzz` (issue 7 point 4; harness/fuzz_campaign.h).
 *
 * For target T, a parallel campaign on one sync dir (anchors.md §3; fuzz-toolchain.md §2:
 * "-M m + -S s1 in parallel" scales linearly over the two cores):
 *
 *   afl-fuzz -i WORK/T/in -o WORK/T/sync -M main -V S -m none [-x CORPUS/T.dict]
 *            [-c CMPLOG/fuzzers/fuzz_T] -- AFL/fuzzers/fuzz_T
 *   afl-fuzz -i WORK/T/in -o WORK/T/sync -S sN   -V S -m none [-x CORPUS/T.dict] -- ...
 *
 * all started together, each in its own process group with its log in WORK/T/afl-NAME.log.
 * WORK/T/in is a scratch copy of CORPUS/T without empty files (afl-fuzz refuses them), or one
 * seed of 4 zero bytes when nothing is left.  After the campaign: the stats of every
 * instance's fuzzer_stats; `afl-cmin` over the instances' queues gives a minimised set whose
 * files with content not yet in CORPUS/T are the new inputs (copied there when merging); every
 * crash (sync/ * /crashes/id:*, the seeds afl-fuzz skipped as crashing, and the hangs that
 * reproduce) is re-run with the libFuzzer build's binary, de-duplicated by its sanitizer
 * signature and filed as CRASHES/T-HASH.{input,sig,txt} exactly as the libFuzzer engine does.
 *
 * Environment of every AFL++ process (measured here with afl++ 4.04c on 2 cores):
 *   AFL_NO_AFFINITY=1   a third afl-fuzz on this machine aborts with "No more free CPU cores"
 *                       without it (other campaigns share the cores);
 *   AFL_SKIP_CRASHES=1  a crashing seed is otherwise fatal ("Oops, the program crashed with one
 *                       of the test cases provided"); it is reported as a crash instead;
 *   AFL_ALLOW_TMP=1     afl-cmin refuses to run under /tmp without it (fuzz-toolchain.md §2);
 *   AFL_NO_UI, AFL_SKIP_CPUFREQ (no cpufreq here), AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES;
 *   ASAN_OPTIONS / UBSAN_OPTIONS unset: afl-fuzz sets its own (abort_on_error=1, symbolize=0)
 *   and refuses values without them.
 * afl-fuzz 4.04c does not always end the persistent-mode child of its cmplog fork server: seen
 * here left stopped (state T), adopted by init, holding three shm segments.  So the calling
 * process becomes a child subreaper (PR_SET_CHILD_SUBREAPER; `virtwire fuzz` calls this in a
 * worker process of its own) and kills and reaps every adopted fuzz_T or afl-* process. */
#define _GNU_SOURCE     /* closefrom, memmem */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fuzz_campaign.h"

#define VW_AFL_INSTANCES_MAX 16u         /* -M main + 15 -S: far beyond this machine's cores */
#define VW_AFL_GRACE_S 120u              /* beyond -V: start-up, dry run, calibration */
#define VW_AFL_TERM_WAIT_S 10u           /* SIGTERM (afl-fuzz removes its shm) .. SIGKILL */
#define VW_AFL_CMIN_S 600u               /* one afl-cmin run */
#define VW_AFL_CRASHES_MAX 64u           /* crash files re-run per target */
#define VW_AFL_HANGS_MAX 4u              /* hang files re-run per target (each may take 10 s) */
#define VW_AFL_RUN_TIMEOUT_S 10u         /* re-running one input (the libFuzzer engine's) */
#define VW_AFL_SEED_MAX (1u << 20)       /* afl-fuzz's MAX_FILE: larger seeds are cut */
#define VW_AFL_PROGRESS_S 10             /* between two progress lines */
#define VW_AFL_LOG_TAIL 8192u            /* end of an afl-fuzz log searched for its abort */
#define VW_AFL_CORPUS_MAX 1000000u       /* files hashed in CORPUS/T */
#define VW_AFL_ARGS_MAX 24u

/* ---- small helpers ---- */

static int64_t mono_ms(void) {
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms) {
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

    nanosleep(&ts, NULL);
}

static bool is_dir(const char *p) {
    struct stat sb;

    return stat(p, &sb) == 0 && S_ISDIR(sb.st_mode);
}

static int make_dir(const char *p) {
    return (mkdir(p, 0755) == 0 || errno == EEXIST) && is_dir(p) ? 0 : -1;
}

/* read_text returns up to |max| bytes from |off| (negative: that far from the end) of |path|,
 * malloc'd and NUL-terminated, or NULL. */
static char *read_text(const char *path, size_t max, long off) {
    FILE *f = fopen(path, "re");
    char *buf;
    size_t n;

    if (f == NULL) {
        return NULL;
    }
    if (off < 0 && fseek(f, off, SEEK_END) != 0) {
        rewind(f);                      /* shorter than |off|: the whole file */
    }
    buf = malloc(max + 1);
    if (buf != NULL) {
        n = fread(buf, 1, max, f);
        buf[n] = '\0';
    }
    fclose(f);
    return buf;
}

/* file_has says whether the file |path| contains |needle| (read in overlapping blocks). */
static bool file_has(const char *path, const char *needle) {
    size_t nl = strlen(needle), keep = 0, n;
    char buf[65536 + 64];
    FILE *f = fopen(path, "re");
    bool found = false;

    if (f == NULL || nl == 0 || nl > 64) {
        if (f != NULL) {
            fclose(f);
        }
        return false;
    }
    while (!found && (n = fread(buf + keep, 1, sizeof(buf) - keep, f)) > 0) {
        size_t len = keep + n;

        found = memmem(buf, len, needle, nl) != NULL;
        keep = len < nl ? len : nl - 1;
        memmove(buf, buf + len - keep, keep);
    }
    fclose(f);
    return found;
}

/* ---- directories ---- */

typedef int (*file_fn)(void *ctx, const char *dir, const char *name, const struct stat *sb);

/* each_file calls |fn| for every regular file of |dir| whose name does not start with '.'
 * (afl-fuzz keeps its own state in dot-directories); stops when |fn| returns non-zero. */
static int each_file(const char *dir, file_fn fn, void *ctx) {
    DIR *d = opendir(dir);
    struct dirent *e;
    int rc = 0;

    if (d == NULL) {
        return 0;
    }
    while (rc == 0 && (e = readdir(d)) != NULL) {
        char p[VW_FUZZ_PATH_MAX];
        struct stat sb;

        if (e->d_name[0] == '.' || vw_fuzz_path_fmt(p, sizeof(p), "%s/%s", dir, e->d_name) < 0 ||
            stat(p, &sb) != 0 || !S_ISREG(sb.st_mode)) {
            continue;
        }
        rc = fn(ctx, dir, e->d_name, &sb);
    }
    closedir(d);
    return rc;
}

static int count_one(void *ctx, const char *dir, const char *name, const struct stat *sb) {
    (void)dir;
    (void)sb;
    if (((uint64_t *)ctx)[1] == 0 || strncmp(name, "id:", 3) == 0) {
        ((uint64_t *)ctx)[0]++;
    }
    return 0;
}

/* count_files counts the regular files of |dir|; |ids_only|: only afl's "id:" entries. */
static uint64_t count_files(const char *dir, bool ids_only) {
    uint64_t ctx[2] = { 0, ids_only ? 1 : 0 };     /* count, "id:" entries only */

    each_file(dir, count_one, ctx);
    return ctx[0];
}

/* ---- AFL++ processes ---- */

struct afl_proc {
    pid_t pid;                  /* 0: not started or reaped */
    int ws;
    char name[16];              /* instance name: main, s1, ...; "cmin" */
};

/* afl_env prepares the environment of an AFL++ process (see the file comment). */
static void afl_env(void) {
    static const char *const on[] = {
        "AFL_NO_UI", "AFL_SKIP_CPUFREQ", "AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES",
        "AFL_NO_AFFINITY", "AFL_SKIP_CRASHES", "AFL_ALLOW_TMP",
    };

    for (size_t i = 0; i < sizeof(on) / sizeof(on[0]); i++) {
        setenv(on[i], "1", 1);
    }
    unsetenv("ASAN_OPTIONS");
    unsetenv("UBSAN_OPTIONS");
    unsetenv("MSAN_OPTIONS");
}

/* spawn starts |argv| (looked up in PATH) in its own process group, stdin /dev/null, stdout and
 * stderr to |log_path|, with no other inherited fd; it gets SIGTERM when we die (afl-fuzz then
 * stops cleanly and removes its shm).  Returns the pid, or -1. */
static pid_t spawn(char *const argv[], const char *log_path) {
    pid_t parent = getpid();
    int log_fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    pid_t pid;

    if (log_fd < 0) {
        return -1;
    }
    fflush(stderr);
    pid = fork();
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDONLY);

        setpgid(0, 0);
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() != parent) {
            _exit(127);
        }
        if (devnull >= 0) {
            dup2(devnull, 0);
        }
        dup2(log_fd, 1);
        dup2(log_fd, 2);
        closefrom(3);
        afl_env();
        execvp(argv[0], argv);
        dprintf(2, "virtwire: cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(log_fd);
    if (pid > 0) {
        setpgid(pid, pid);      /* also here: no race with a kill of the group */
    }
    return pid;
}

/* reap_one reaps |p| if it has exited; its process group is swept first (killed while the
 * zombie leader still holds the group id), so nothing it started outlives it.  Returns true
 * when |p| is reaped. */
static bool reap_one(struct afl_proc *p) {
    siginfo_t si;

    memset(&si, 0, sizeof(si));
    if (waitid(P_PID, (id_t)p->pid, &si, WEXITED | WNOHANG | WNOWAIT) != 0) {
        if (errno == ECHILD) {
            p->pid = 0;
        }
        return p->pid == 0;
    }
    if (si.si_pid != p->pid) {
        return false;
    }
    kill(-p->pid, SIGKILL);
    while (waitpid(p->pid, &p->ws, 0) < 0 && errno == EINTR) {
    }
    p->pid = 0;
    return true;
}

/* sweep_orphans kills and reaps the processes adopted by us (we are a child subreaper) whose
 * name is the fuzz binary's or an AFL++ tool's: what afl-fuzz's fork servers left behind.
 * Returns how many it found. */
static unsigned sweep_orphans(const char *exe) {
    const char *base = strrchr(exe, '/');
    char comm[16];
    DIR *d = opendir("/proc");
    struct dirent *e;
    unsigned found = 0;

    snprintf(comm, sizeof(comm), "%.15s", base != NULL ? base + 1 : exe);  /* TASK_COMM_LEN */
    if (d == NULL) {
        return 0;
    }
    while ((e = readdir(d)) != NULL) {
        char p[64], buf[512], *open_paren, *close_paren;
        long pid, ppid;
        FILE *f;
        size_t n;

        if (e->d_name[0] < '1' || e->d_name[0] > '9' ||
            vw_fuzz_path_fmt(p, sizeof(p), "/proc/%s/stat", e->d_name) < 0 ||
            (f = fopen(p, "re")) == NULL) {
            continue;
        }
        n = fread(buf, 1, sizeof(buf) - 1, f);
        fclose(f);
        buf[n] = '\0';
        /* "pid (comm) state ppid ...": comm may hold anything, so take the last ')' */
        open_paren = strchr(buf, '(');
        close_paren = strrchr(buf, ')');
        if (open_paren == NULL || close_paren == NULL || close_paren < open_paren ||
            sscanf(close_paren + 1, " %*c %ld", &ppid) != 1 || ppid != (long)getpid()) {
            continue;
        }
        *close_paren = '\0';
        pid = strtol(buf, NULL, 10);
        if (pid > 0 && (strcmp(open_paren + 1, comm) == 0 ||
                        strncmp(open_paren + 1, "afl-", 4) == 0)) {
            kill((pid_t)pid, SIGKILL);      /* also ends a stopped (T) process */
            while (waitpid((pid_t)pid, NULL, 0) < 0 && errno == EINTR) {
            }
            found++;
        }
    }
    closedir(d);
    return found;
}

struct progress {
    const char *target;
    const char *sync;           /* NULL: no progress lines */
    bool quiet;
    int64_t start, last;
};

/* print_progress prints the queue and crash file counts of the campaign so far. */
static void print_progress(struct progress *pr, bool force) {
    int64_t now = mono_ms();
    DIR *d;
    struct dirent *e;
    uint64_t queue = 0, crashes = 0;

    if (pr->quiet || pr->sync == NULL ||
        (!force && now - pr->last < (int64_t)VW_AFL_PROGRESS_S * 1000)) {
        return;
    }
    pr->last = now;
    if ((d = opendir(pr->sync)) == NULL) {
        return;
    }
    while ((e = readdir(d)) != NULL) {
        char p[VW_FUZZ_PATH_MAX];

        if (e->d_name[0] == '.') {
            continue;
        }
        if (vw_fuzz_path_fmt(p, sizeof(p), "%s/%s/queue", pr->sync, e->d_name) == 0) {
            queue += count_files(p, true);
        }
        if (vw_fuzz_path_fmt(p, sizeof(p), "%s/%s/crashes", pr->sync, e->d_name) == 0) {
            crashes += count_files(p, true);
        }
    }
    closedir(d);
    fprintf(stderr, "fuzz: %-24s afl %3" PRId64 " s: queue entries %" PRIu64
            ", crash files %" PRIu64 "\n", pr->target, (now - pr->start) / 1000, queue, crashes);
}

/* wait_all waits for |procs| until |limit_s| seconds from now, then sends SIGTERM (to the
 * process only, or to its whole group when |term_group|), then SIGKILL to the group after
 * VW_AFL_TERM_WAIT_S; every process is reaped before it returns. */
static void wait_all(struct afl_proc *procs, size_t n, unsigned limit_s, bool term_group,
                     struct progress *pr) {
    int64_t term_at = mono_ms() + (int64_t)limit_s * 1000, kill_at = INT64_MAX;

    for (;;) {
        size_t alive = 0;
        int64_t now;

        for (size_t i = 0; i < n; i++) {
            if (procs[i].pid > 0 && !reap_one(&procs[i])) {
                alive++;
            }
        }
        if (alive == 0) {
            return;
        }
        now = mono_ms();
        if (now >= kill_at) {
            for (size_t i = 0; i < n; i++) {
                if (procs[i].pid > 0) {
                    kill(-procs[i].pid, SIGKILL);
                    kill(procs[i].pid, SIGKILL);
                }
            }
        } else if (now >= term_at && kill_at == INT64_MAX) {
            for (size_t i = 0; i < n; i++) {
                if (procs[i].pid > 0) {
                    kill(term_group ? -procs[i].pid : procs[i].pid, SIGTERM);
                }
            }
            kill_at = now + (int64_t)VW_AFL_TERM_WAIT_S * 1000;
            if (pr != NULL && !pr->quiet) {
                fprintf(stderr, "fuzz: %-24s afl: still running past its time box: "
                        "stopped\n", pr->target);
            }
        }
        if (pr != NULL) {
            print_progress(pr, false);
        }
        sleep_ms(100);
    }
}

/* ---- stats ---- */

struct afl_stats {
    uint64_t execs, edges, corpus;
    double eps;
    unsigned instances;         /* fuzzer_stats files read */
};

/* stat_value returns the text after "KEY<spaces>: " in |stats|, or NULL. */
static const char *stat_value(const char *stats, const char *key) {
    size_t kl = strlen(key);

    for (const char *p = stats; p != NULL && *p != '\0';) {
        if (strncmp(p, key, kl) == 0 && (p[kl] == ' ' || p[kl] == ':')) {
            const char *c = strchr(p, ':');
            const char *nl = strchr(p, '\n');

            if (c != NULL && (nl == NULL || c < nl)) {
                return c + 1;
            }
        }
        p = strchr(p, '\n');
        p = p != NULL ? p + 1 : NULL;
    }
    return NULL;
}

static uint64_t stat_u64(const char *stats, const char *key) {
    const char *v = stat_value(stats, key);

    return v != NULL ? strtoull(v, NULL, 10) : 0;
}

/* read_stats adds WORK/T/sync/NAME/fuzzer_stats to |st|: execs and exec/s summed over the
 * instances, edges found and corpus count their maximum (the instances share their finds). */
static void read_stats(const char *sync, const char *name, struct afl_stats *st) {
    char p[VW_FUZZ_PATH_MAX];
    char *s;
    const char *v;

    if (vw_fuzz_path_fmt(p, sizeof(p), "%s/%s/fuzzer_stats", sync, name) < 0 ||
        (s = read_text(p, 65536, 0)) == NULL) {
        return;
    }
    if (stat_value(s, "execs_done") != NULL) {
        uint64_t edges = stat_u64(s, "edges_found"), corpus = stat_u64(s, "corpus_count");

        st->instances++;
        st->execs += stat_u64(s, "execs_done");
        if ((v = stat_value(s, "execs_per_sec")) != NULL) {
            st->eps += strtod(v, NULL);
        }
        st->edges = edges > st->edges ? edges : st->edges;
        st->corpus = corpus > st->corpus ? corpus : st->corpus;
    }
    free(s);
}

/* abort_reason copies afl-fuzz's "PROGRAM ABORT : ..." line (or the log's last line) from
 * |log| into |why|, colour codes removed. */
static void abort_reason(const char *log, char *why, size_t why_len) {
    char *text = read_text(log, VW_AFL_LOG_TAIL, -(long)VW_AFL_LOG_TAIL);
    const char *line = NULL, *p;
    size_t n = 0, o = 0;

    snprintf(why, why_len, "afl-fuzz did not run (see %.200s)", log);
    if (text == NULL) {
        return;
    }
    if ((p = strstr(text, "PROGRAM ABORT")) != NULL) {
        line = p;
    } else {
        for (p = text; *p != '\0'; p++) {
            if (*p != '\n' && (p == text || p[-1] == '\n')) {
                line = p;
            }
        }
    }
    if (line != NULL) {
        n = strcspn(line, "\n");
        o = (size_t)snprintf(why, why_len, "afl-fuzz: ");
        for (size_t i = 0; i < n && o + 1 < why_len; i++) {
            if (line[i] == '\033') {                /* ESC [ ... m */
                while (i < n && line[i] != 'm') {
                    i++;
                }
                continue;
            }
            why[o++] = line[i];
        }
        why[o] = '\0';
    }
    free(text);
}

/* ---- the corpus: content hashes ---- */

struct hashes {
    uint64_t *h;
    size_t n, cap;
};

/* content_hash is FNV-1a 64 over the content, mixed with the size. */
static int content_hash(const char *path, uint64_t *out) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    uint64_t h = 14695981039346656037ull, size = 0;
    unsigned char buf[65536];
    ssize_t n;

    if (fd < 0) {
        return -1;
    }
    while ((n = read(fd, buf, sizeof(buf))) != 0) {
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            close(fd);
            return -1;
        }
        for (ssize_t i = 0; i < n; i++) {
            h = (h ^ buf[i]) * 1099511628211ull;
        }
        size += (uint64_t)n;
    }
    close(fd);
    *out = h ^ (size * 0x9e3779b97f4a7c15ull);
    return 0;
}

static bool hashes_has(const struct hashes *hs, uint64_t h) {
    for (size_t i = 0; i < hs->n; i++) {
        if (hs->h[i] == h) {
            return true;
        }
    }
    return false;
}

static int hashes_add(struct hashes *hs, uint64_t h) {
    if (hs->n == hs->cap) {
        size_t cap = hs->cap == 0 ? 256 : hs->cap * 2;
        uint64_t *nh;

        if (cap > VW_AFL_CORPUS_MAX || (nh = realloc(hs->h, cap * sizeof(*nh))) == NULL) {
            return -1;
        }
        hs->h = nh;
        hs->cap = cap;
    }
    hs->h[hs->n++] = h;
    return 0;
}

static int hash_one(void *ctx, const char *dir, const char *name, const struct stat *sb) {
    char p[VW_FUZZ_PATH_MAX];
    uint64_t h;

    (void)sb;
    if (vw_fuzz_path_fmt(p, sizeof(p), "%s/%s", dir, name) == 0 && content_hash(p, &h) == 0 &&
        !hashes_has(ctx, h)) {
        return hashes_add(ctx, h);
    }
    return 0;
}

/* ---- seeds afl-fuzz found crashing ---- */

#define VW_AFL_BAD_SEEDS_MAX 64u         /* crashing seeds remembered per target */
#define VW_AFL_NAME_MAX 256u             /* a file name (NAME_MAX + 1) */

struct bad_seeds {
    char name[VW_AFL_BAD_SEEDS_MAX][VW_AFL_NAME_MAX];
    size_t n;
};

/* read_bad_seeds adds the seeds afl-fuzz skipped as crashing (AFL_SKIP_CRASHES) to |bs|: its
 * log says "Test case 'id:...,orig:NAME' results in a crash"; NAME is a file of WORK/T/in. */
static void read_bad_seeds(const char *log, struct bad_seeds *bs) {
    static const char key[] = "Test case '";
    char *text = read_text(log, 1u << 20, 0);

    if (text == NULL) {
        return;
    }
    for (char *p = text; bs->n < VW_AFL_BAD_SEEDS_MAX && (p = strstr(p, key)) != NULL;) {
        char *name = p + sizeof(key) - 1, *end = strchr(name, '\''), *orig;
        bool dup = false;

        if (end == NULL) {
            break;
        }
        *end = '\0';
        p = end + 1;
        orig = strstr(name, "orig:");
        if (strncmp(p, " results in a crash", 19) != 0 || orig == NULL ||
            strchr(orig + 5, '/') != NULL || strlen(orig + 5) >= VW_AFL_NAME_MAX) {
            continue;
        }
        for (size_t i = 0; i < bs->n; i++) {
            dup = dup || strcmp(bs->name[i], orig + 5) == 0;
        }
        if (!dup) {
            snprintf(bs->name[bs->n++], VW_AFL_NAME_MAX, "%s", orig + 5);
        }
    }
    free(text);
}

/* is_bad_seed says whether the queue entry |name| ("id:...,orig:NAME") is a crashing seed. */
static bool is_bad_seed(const struct bad_seeds *bs, const char *name) {
    const char *orig = strstr(name, "orig:");

    for (size_t i = 0; orig != NULL && i < bs->n; i++) {
        if (strcmp(orig + 5, bs->name[i]) == 0) {
            return true;
        }
    }
    return false;
}

/* ---- the campaign's input and the queues ---- */

struct seed_copy {
    const char *dst;
    uint64_t copied;
    int err;
};

/* copy_seed copies one non-empty seed into WORK/T/in (at most afl-fuzz's MAX_FILE). */
static int copy_seed(void *ctx, const char *dir, const char *name, const struct stat *sb) {
    struct seed_copy *c = ctx;
    char src[VW_FUZZ_PATH_MAX], dst[VW_FUZZ_PATH_MAX];

    if (sb->st_size == 0) {
        return 0;                       /* afl-fuzz rejects empty seeds */
    }
    if (vw_fuzz_path_fmt(src, sizeof(src), "%s/%s", dir, name) < 0 ||
        vw_fuzz_path_fmt(dst, sizeof(dst), "%s/%s", c->dst, name) < 0 ||
        vw_fuzz_copy_file(src, dst, VW_AFL_SEED_MAX) != 0) {
        c->err = errno;
        return 0;                       /* one unreadable seed does not stop the campaign */
    }
    c->copied++;
    return 0;
}

struct queue_link {
    const char *dst;
    const char *inst;
    const struct bad_seeds *bad;    /* left out: afl-cmin stops at a crashing input */
    uint64_t n;
};

/* link_queue_entry puts one queue entry into WORK/T/queues as INST_N (hard link, else copy). */
static int link_queue_entry(void *ctx, const char *dir, const char *name,
                            const struct stat *sb) {
    struct queue_link *q = ctx;
    char src[VW_FUZZ_PATH_MAX], dst[VW_FUZZ_PATH_MAX];

    if (strncmp(name, "id:", 3) != 0 || sb->st_size == 0 || is_bad_seed(q->bad, name) ||
        vw_fuzz_path_fmt(src, sizeof(src), "%s/%s", dir, name) < 0 ||
        vw_fuzz_path_fmt(dst, sizeof(dst), "%s/%s_%06" PRIu64, q->dst, q->inst, q->n) < 0) {
        return 0;
    }
    if (link(src, dst) == 0 || vw_fuzz_copy_file(src, dst, UINT64_MAX) == 0) {
        q->n++;
    }
    return 0;
}

struct merge_ctx {
    struct hashes *known;
    const char *corp;           /* NULL: count only */
    uint64_t added;
    bool failed;
};

/* merge_one counts (and with |corp| copies) one minimised input whose content is new. */
static int merge_one(void *ctx, const char *dir, const char *name, const struct stat *sb) {
    struct merge_ctx *m = ctx;
    char src[VW_FUZZ_PATH_MAX], dst[VW_FUZZ_PATH_MAX];
    uint64_t h;

    if (sb->st_size == 0 || vw_fuzz_path_fmt(src, sizeof(src), "%s/%s", dir, name) < 0 ||
        content_hash(src, &h) != 0 || hashes_has(m->known, h)) {
        return 0;
    }
    if (m->corp != NULL) {
        if (vw_fuzz_path_fmt(dst, sizeof(dst), "%s/afl-%016" PRIx64, m->corp, h) < 0 ||
            vw_fuzz_copy_file(src, dst, UINT64_MAX) != 0) {
            m->failed = true;
            return 0;
        }
    }
    if (hashes_add(m->known, h) == 0) {
        m->added++;
    }
    return 0;
}

/* ---- crashes ---- */

enum afl_find { AFL_FIND_CRASH, AFL_FIND_HANG, AFL_FIND_SEED };

struct crash_ctx {
    const char *target;
    const char *lf_exe;         /* the libFuzzer build's binary: reproduces every find */
    const struct vw_fuzz_opts *opts;
    struct vw_fuzz_result *out;
    char seen[VW_AFL_CRASHES_MAX][VW_FUZZ_SIG_MAX];
    unsigned num_seen, runs, hang_runs;
    int kind;                   /* enum afl_find of the directory being read */
};

/* check_find re-runs one AFL find with the libFuzzer binary and files it when its signature
 * is new.  A hang that does not time out again is no bug (afl-fuzz's -t is far tighter than
 * the libFuzzer engine's 10 s); a crash that does not reproduce is kept under afl's signal. */
static void check_find(struct crash_ctx *c, const char *in, const char *name) {
    char sig[VW_FUZZ_SIG_MAX];
    char *report = NULL;
    int ws = 0;

    if (c->runs >= VW_AFL_CRASHES_MAX ||
        (c->kind == AFL_FIND_HANG && c->hang_runs >= VW_AFL_HANGS_MAX)) {
        return;
    }
    c->runs++;
    c->hang_runs += c->kind == AFL_FIND_HANG ? 1u : 0u;
    if (vw_fuzz_run_input(c->lf_exe, in, VW_AFL_RUN_TIMEOUT_S, &report, &ws) != 0 ||
        vw_fuzz_crash_signature(report, sig, sizeof(sig)) != 0) {
        const char *s = strstr(name, "sig:");

        if (c->kind == AFL_FIND_HANG) {
            free(report);
            return;
        }
        if (s != NULL) {
            snprintf(sig, sizeof(sig), "afl signal %d (not reproduced)", atoi(s + 4));
        } else {
            snprintf(sig, sizeof(sig), "afl crashing seed (not reproduced)");
        }
    }
    for (unsigned i = 0; i < c->num_seen; i++) {
        if (strcmp(c->seen[i], sig) == 0) {
            free(report);
            return;
        }
    }
    snprintf(c->seen[c->num_seen++], VW_FUZZ_SIG_MAX, "%s", sig);
    (void)vw_fuzz_file_crash(c->target, c->lf_exe, in, sig, report, c->opts, c->out);
    free(report);
}

static int crash_file(void *ctx, const char *dir, const char *name, const struct stat *sb) {
    char p[VW_FUZZ_PATH_MAX];

    (void)sb;
    if (strncmp(name, "id:", 3) == 0 && vw_fuzz_path_fmt(p, sizeof(p), "%s/%s", dir, name) == 0) {
        check_find(ctx, p, name);
    }
    return 0;
}

/* crashing_seeds re-runs the seeds afl-fuzz skipped as crashing. */
static void crashing_seeds(struct crash_ctx *c, const struct bad_seeds *bs, const char *in_dir) {
    c->kind = AFL_FIND_SEED;
    for (size_t i = 0; i < bs->n; i++) {
        char path[VW_FUZZ_PATH_MAX];

        if (vw_fuzz_path_fmt(path, sizeof(path), "%s/%s", in_dir, bs->name[i]) == 0) {
            check_find(c, path, bs->name[i]);
        }
    }
}

/* ---- the campaign ---- */

struct afl_paths {
    char exe[VW_FUZZ_PATH_MAX], cmplog[VW_FUZZ_PATH_MAX], lf_exe[VW_FUZZ_PATH_MAX];
    char work_t[VW_FUZZ_PATH_MAX], in[VW_FUZZ_PATH_MAX], sync[VW_FUZZ_PATH_MAX];
    char queues[VW_FUZZ_PATH_MAX], min[VW_FUZZ_PATH_MAX], corp[VW_FUZZ_PATH_MAX];
    char dict[VW_FUZZ_PATH_MAX];
};

static int make_paths(const char *t, const struct vw_fuzz_opts *o, struct afl_paths *p) {
    int bad = 0;

    bad |= vw_fuzz_path_fmt(p->exe, sizeof(p->exe), "%s/fuzzers/fuzz_%s", o->afl_build, t);
    bad |= vw_fuzz_path_fmt(p->cmplog, sizeof(p->cmplog), "%s/fuzzers/fuzz_%s",
                            o->cmplog_build != NULL ? o->cmplog_build : "", t);
    bad |= vw_fuzz_path_fmt(p->lf_exe, sizeof(p->lf_exe), "%s/fuzzers/fuzz_%s",
                            o->build != NULL ? o->build : "", t);
    bad |= vw_fuzz_path_fmt(p->work_t, sizeof(p->work_t), "%s/%s", o->work, t);
    bad |= vw_fuzz_path_fmt(p->in, sizeof(p->in), "%s/in", p->work_t);
    bad |= vw_fuzz_path_fmt(p->sync, sizeof(p->sync), "%s/sync", p->work_t);
    bad |= vw_fuzz_path_fmt(p->queues, sizeof(p->queues), "%s/queues", p->work_t);
    bad |= vw_fuzz_path_fmt(p->min, sizeof(p->min), "%s/min", p->work_t);
    bad |= vw_fuzz_path_fmt(p->corp, sizeof(p->corp), "%s/%s", o->corpus_root, t);
    bad |= vw_fuzz_path_fmt(p->dict, sizeof(p->dict), "%s/%s.dict", o->corpus_root, t);
    return bad != 0 ? -1 : 0;
}

/* prepare_input fills WORK/T/in: the non-empty seeds of CORPUS/T, else 4 zero bytes. */
static int prepare_input(const struct afl_paths *p, uint64_t *num_seeds) {
    struct seed_copy c = { .dst = p->in };
    char zero[VW_FUZZ_PATH_MAX];

    if (make_dir(p->work_t) != 0 || make_dir(p->in) != 0) {
        return -1;
    }
    each_file(p->corp, copy_seed, &c);
    if (c.copied == 0) {
        int fd;

        if (vw_fuzz_path_fmt(zero, sizeof(zero), "%s/zero4", p->in) < 0 ||
            (fd = open(zero, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0) {
            return -1;
        }
        if (write(fd, "\0\0\0\0", 4) != 4) {
            close(fd);
            return -1;
        }
        close(fd);
    }
    *num_seeds = c.copied;
    return 0;
}

/* start_instances starts the -M main and jobs-1 -S instances; returns how many started. */
static size_t start_instances(const char *target, const struct vw_fuzz_opts *o,
                              const struct afl_paths *p, bool cmplog,
                              struct afl_proc procs[VW_AFL_INSTANCES_MAX]) {
    unsigned jobs = o->jobs == 0 ? 1 : (o->jobs > VW_AFL_INSTANCES_MAX ? VW_AFL_INSTANCES_MAX
                                                                       : o->jobs);
    bool have_dict = access(p->dict, R_OK) == 0;
    char secs[16];
    size_t started = 0;

    snprintf(secs, sizeof(secs), "%u", o->seconds == 0 ? 1u : o->seconds);
    for (unsigned i = 0; i < jobs; i++) {
        char *argv[VW_AFL_ARGS_MAX], log[VW_FUZZ_PATH_MAX];
        size_t argc = 0;
        struct afl_proc *pr = &procs[i];

        memset(pr, 0, sizeof(*pr));
        if (i == 0) {
            snprintf(pr->name, sizeof(pr->name), "main");
        } else {
            snprintf(pr->name, sizeof(pr->name), "s%u", i);
        }
        argv[argc++] = (char *)"afl-fuzz";
        argv[argc++] = (char *)"-i";
        argv[argc++] = (char *)p->in;
        argv[argc++] = (char *)"-o";
        argv[argc++] = (char *)p->sync;
        argv[argc++] = (char *)(i == 0 ? "-M" : "-S");
        argv[argc++] = pr->name;
        argv[argc++] = (char *)"-V";
        argv[argc++] = secs;
        argv[argc++] = (char *)"-m";          /* ASan reserves terabytes of address space */
        argv[argc++] = (char *)"none";
        if (have_dict) {
            argv[argc++] = (char *)"-x";
            argv[argc++] = (char *)p->dict;
        }
        if (i == 0 && cmplog) {
            argv[argc++] = (char *)"-c";
            argv[argc++] = (char *)p->cmplog;
        }
        argv[argc++] = (char *)"--";
        argv[argc++] = (char *)p->exe;
        argv[argc] = NULL;
        if (vw_fuzz_path_fmt(log, sizeof(log), "%s/afl-%s.log", p->work_t, pr->name) < 0 ||
            (pr->pid = spawn(argv, log)) < 0) {
            pr->pid = 0;
            continue;
        }
        started++;
        if (!o->quiet) {
            fprintf(stderr, "fuzz: %-24s afl-fuzz %s %s pid %ld%s\n", target,
                    i == 0 ? "-M" : "-S", pr->name, (long)pr->pid,
                    i == 0 && cmplog ? " (cmplog)" : "");
        }
    }
    return started;
}

/* minimise runs afl-cmin over the instances' queues into WORK/T/min; returns 0 when the
 * minimised set exists. */
static int minimise(const char *target, const struct vw_fuzz_opts *o,
                    const struct afl_paths *p, size_t num_inst,
                    const struct afl_proc procs[VW_AFL_INSTANCES_MAX],
                    const struct bad_seeds *bad) {
    struct afl_proc cmin;
    char log[VW_FUZZ_PATH_MAX];
    uint64_t entries = 0;
    char *argv[] = { (char *)"afl-cmin", (char *)"-i", (char *)p->queues, (char *)"-o",
                     (char *)p->min, (char *)"-m", (char *)"none", (char *)"--",
                     (char *)p->exe, NULL };

    if (make_dir(p->queues) != 0) {
        return -1;
    }
    for (size_t i = 0; i < num_inst; i++) {
        char q[VW_FUZZ_PATH_MAX];
        struct queue_link ql = { .dst = p->queues, .inst = procs[i].name, .bad = bad };

        if (vw_fuzz_path_fmt(q, sizeof(q), "%s/%s/queue", p->sync, procs[i].name) == 0) {
            each_file(q, link_queue_entry, &ql);
            entries += ql.n;
        }
    }
    if (entries == 0 || vw_fuzz_path_fmt(log, sizeof(log), "%s/afl-cmin.log", p->work_t) < 0) {
        return -1;
    }
    memset(&cmin, 0, sizeof(cmin));
    snprintf(cmin.name, sizeof(cmin.name), "cmin");
    if ((cmin.pid = spawn(argv, log)) < 0) {
        return -1;
    }
    wait_all(&cmin, 1, VW_AFL_CMIN_S, true, NULL);
    if (!WIFEXITED(cmin.ws) || WEXITSTATUS(cmin.ws) != 0 || !is_dir(p->min)) {
        fprintf(stderr, "fuzz: %s: afl-cmin failed (see %s): no input merged\n", target, log);
        return -1;
    }
    if (!o->quiet) {
        fprintf(stderr, "fuzz: %-24s afl-cmin: %" PRIu64 " queue entries -> %" PRIu64 "\n",
                target, entries, count_files(p->min, false));
    }
    return 0;
}

/* merge_inputs counts the minimised inputs whose content is not in CORPUS/T and, when
 * opts->merge, copies them there as afl-<hash>; sets new_inputs and corpus_size. */
static void merge_inputs(const char *target, const struct vw_fuzz_opts *o,
                         const struct afl_paths *p, bool have_min, struct afl_stats *st,
                         struct vw_fuzz_result *out) {
    struct hashes known = { 0 };
    struct merge_ctx m = { .known = &known };

    if (!have_min) {
        out->corpus_size = o->merge ? count_files(p->corp, false) : st->corpus;
        return;
    }
    if (each_file(p->corp, hash_one, &known) != 0) {
        fprintf(stderr, "fuzz: %s: cannot hash %s: no input merged\n", target, p->corp);
        out->corpus_size = count_files(p->corp, false);
        free(known.h);
        return;
    }
    if (o->merge) {
        if (make_dir(p->corp) != 0) {
            fprintf(stderr, "fuzz: %s: cannot create %s: %s\n", target, p->corp,
                    strerror(errno));
        } else {
            m.corp = p->corp;
        }
    }
    each_file(p->min, merge_one, &m);
    if (m.failed) {
        fprintf(stderr, "fuzz: %s: some inputs could not be copied to %s\n", target, p->corp);
    }
    out->new_inputs = m.added;
    out->corpus_size = m.corp != NULL ? count_files(p->corp, false)
                                      : count_files(p->min, false);
    free(known.h);
}

/* collect_crashes re-runs every crash of every instance (and the crashing seeds, and a few
 * hangs) with the libFuzzer binary; see check_find. */
static void collect_crashes(const char *target, const struct vw_fuzz_opts *o,
                            const struct afl_paths *p, size_t num_inst,
                            const struct afl_proc procs[VW_AFL_INSTANCES_MAX],
                            const struct bad_seeds *bad, struct vw_fuzz_result *out) {
    static struct crash_ctx c;     /* 32 KiB of signatures: not on the stack */
    char d[VW_FUZZ_PATH_MAX];

    memset(&c, 0, sizeof(c));
    c.target = target;
    c.lf_exe = p->lf_exe;
    c.opts = o;
    c.out = out;
    if (make_dir(o->crash_dir) != 0) {
        fprintf(stderr, "fuzz: %s: cannot create %s: %s\n", target, o->crash_dir,
                strerror(errno));
    }
    if (access(p->lf_exe, X_OK) != 0 && !o->quiet) {
        fprintf(stderr, "fuzz: %s: no libFuzzer binary %s: crashes are not reproduced\n",
                target, p->lf_exe);
    }
    for (size_t i = 0; i < num_inst; i++) {
        c.kind = AFL_FIND_CRASH;
        if (vw_fuzz_path_fmt(d, sizeof(d), "%s/%s/crashes", p->sync, procs[i].name) == 0) {
            each_file(d, crash_file, &c);
        }
    }
    crashing_seeds(&c, bad, p->in);
    for (size_t i = 0; i < num_inst; i++) {
        c.kind = AFL_FIND_HANG;
        if (vw_fuzz_path_fmt(d, sizeof(d), "%s/%s/hangs", p->sync, procs[i].name) == 0) {
            each_file(d, crash_file, &c);
        }
    }
}

int vw_fuzz_afl_campaign(const char *target, const struct vw_fuzz_opts *opts,
                         struct vw_fuzz_result *out) {
    static struct afl_paths p;
    static struct bad_seeds bad;        /* 16 KiB of names: not on the stack */
    struct afl_proc procs[VW_AFL_INSTANCES_MAX];
    struct afl_stats st = { 0 };
    struct progress pr = { .target = target, .quiet = opts->quiet };
    uint64_t num_seeds = 0;
    size_t started;
    bool cmplog, have_min;
    struct stat sb;

    memset(out, 0, sizeof(*out));
    memset(procs, 0, sizeof(procs));
    memset(&bad, 0, sizeof(bad));
    snprintf(out->target, sizeof(out->target), "%s", target);
    if (opts->afl_build == NULL || opts->work == NULL || opts->corpus_root == NULL ||
        opts->crash_dir == NULL) {
        return vw_fuzz_fail(out, "the AFL++ engine needs an AFL++ build (--afl-build)");
    }
    if (make_paths(target, opts, &p) != 0) {
        return vw_fuzz_fail(out, "path too long");
    }
    if (stat(p.exe, &sb) != 0 || !S_ISREG(sb.st_mode) || access(p.exe, X_OK) != 0) {
        return vw_fuzz_fail(out, "binary missing: %s", p.exe);
    }
    if (!file_has(p.exe, "__AFL_SHM_ID")) {
        return vw_fuzz_fail(out, "not an AFL++ binary (build with CC=afl-clang-fast "
                            "-Dfuzzing=afl): %s", p.exe);
    }
    cmplog = opts->cmplog_build != NULL && access(p.cmplog, X_OK) == 0;
    if (opts->cmplog_build != NULL && !cmplog && !opts->quiet) {
        fprintf(stderr, "fuzz: %-24s no cmplog binary %s: fuzzing without cmplog\n", target,
                p.cmplog);
    }
    if (prepare_input(&p, &num_seeds) != 0) {
        return vw_fuzz_fail(out, "cannot prepare the input dir %s: %s", p.in, strerror(errno));
    }
    if (!opts->quiet) {
        fprintf(stderr, "fuzz: %-24s started: afl++, %u s, %" PRIu64 " seed(s), %s\n", target,
                opts->seconds, num_seeds, p.exe);
    }
    prctl(PR_SET_CHILD_SUBREAPER, 1);   /* orphans of afl-fuzz come to us: sweep_orphans */
    started = start_instances(target, opts, &p, cmplog, procs);
    pr.sync = p.sync;
    pr.start = pr.last = mono_ms();
    wait_all(procs, VW_AFL_INSTANCES_MAX, opts->seconds + VW_AFL_GRACE_S, false, &pr);
    print_progress(&pr, true);
    if (sweep_orphans(p.exe) > 0 && !opts->quiet) {
        fprintf(stderr, "fuzz: %-24s afl-fuzz left processes behind: killed\n", target);
    }
    if (started == 0) {
        return vw_fuzz_fail(out, "cannot start afl-fuzz: %s", strerror(errno));
    }

    size_t num_inst = opts->jobs == 0 ? 1 : (opts->jobs > VW_AFL_INSTANCES_MAX
                                                 ? VW_AFL_INSTANCES_MAX : opts->jobs);
    for (size_t i = 0; i < num_inst; i++) {
        read_stats(p.sync, procs[i].name, &st);
    }
    out->execs = st.execs;
    out->execs_per_s = st.eps;
    out->features = st.edges;

    for (size_t i = 0; i < num_inst; i++) {
        char log[VW_FUZZ_PATH_MAX];

        if (vw_fuzz_path_fmt(log, sizeof(log), "%s/afl-%s.log", p.work_t, procs[i].name) == 0) {
            read_bad_seeds(log, &bad);
        }
    }
    have_min = st.instances > 0 && minimise(target, opts, &p, num_inst, procs, &bad) == 0;
    merge_inputs(target, opts, &p, have_min, &st, out);
    collect_crashes(target, opts, &p, num_inst, procs, &bad, out);
    sweep_orphans(p.exe);               /* afl-cmin's afl-showmap, late orphans */
    if (st.instances == 0 && out->crashes == 0) {
        char log[VW_FUZZ_PATH_MAX];

        if (vw_fuzz_path_fmt(log, sizeof(log), "%s/afl-main.log", p.work_t) == 0) {
            abort_reason(log, out->why, sizeof(out->why));
        }
        out->status = -1;
        return -1;
    }
    return 0;
}
