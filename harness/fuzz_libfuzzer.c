/* fuzz_libfuzzer.c -- one time-boxed libFuzzer campaign of `virtwire fuzz` (issue 7 point 1;
 * harness/fuzz_campaign.h).
 *
 *   BUILD/fuzzers/fuzz_T -max_total_time=S -print_final_stats=1 -artifact_prefix=WORK/T/crashes/
 *       [the flags of CORPUS/T.options] WORK/T/corpus CORPUS/T
 *
 * libFuzzer writes new inputs into its first corpus directory, so WORK/T/corpus receives them
 * and the committed CORPUS/T is only read (anchors.md §3: the engine flags; the .options file
 * is OSS-Fuzz's INI format).  Its output goes to WORK/T/fuzz.log; status lines ("#N ... cov:
 * ft: corp: exec/s:") give the progress lines.  Afterwards `fuzz_T -merge=1 CORPUS/T
 * WORK/T/corpus` adds to the corpus only the inputs with new features, and every artifact
 * (crash-*, leak-*, timeout-*, oom-*) is re-run alone for its full report, de-duplicated by
 * signature and, when its signature is new, copied to CRASHES/T-HASH.{input,sig,txt}. */
#define _GNU_SOURCE     /* pipe2, closefrom */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
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

#define VW_LF_ARGS_MAX 24u               /* argv of one libFuzzer run */
#define VW_LF_OPTIONS_MAX 12u            /* flags taken from a .options file */
#define VW_LF_LINE_MAX 1024u             /* one output line parsed (longer ones are cut) */
#define VW_LF_GRACE_S 60u                /* beyond -max_total_time: loading and final stats */
#define VW_LF_MERGE_S 600u               /* a merge of the new inputs into the corpus */
#define VW_LF_PROGRESS_MS 5000           /* between two progress lines */
#define VW_LF_CRASHES_MAX 64u            /* artifacts re-run per target */
#define VW_LF_RUN_TIMEOUT_S 10u          /* re-running one artifact (the .options timeout) */

/* The status of the last libFuzzer line seen: "#N KIND cov: C ft: F corp: K/B exec/s: E". */
struct lf_status {
    uint64_t execs, cov, ft, corp, eps;
    bool seen;
    /* final stats (-print_final_stats=1): "stat::number_of_executed_units: N" */
    uint64_t final_execs, final_eps;
    bool final_seen;
};

struct lf_run {
    const char *target;
    bool quiet;
    int log_fd;
    int64_t last_progress;
    struct lf_status st;
};

static int64_t mono_ms(void) {
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* field_u64 reads the number after |key| in |line| ("ft: 123"), or leaves |*v|. */
static bool field_u64(const char *line, const char *key, uint64_t *v) {
    const char *p = strstr(line, key);
    char *end;
    unsigned long long x;

    if (p == NULL) {
        return false;
    }
    p += strlen(key);
    errno = 0;
    x = strtoull(p, &end, 10);
    if (end == p || errno != 0) {
        return false;
    }
    *v = x;
    return true;
}

/* parse_line updates |st| from one libFuzzer output line. */
static void parse_line(struct lf_status *st, const char *line) {
    if (line[0] == '#' && line[1] >= '0' && line[1] <= '9' && strstr(line, " cov: ") != NULL) {
        uint64_t n = 0;

        if (field_u64(line, "#", &n)) {
            st->execs = n;
        }
        field_u64(line, " cov: ", &st->cov);
        field_u64(line, " ft: ", &st->ft);
        field_u64(line, " corp: ", &st->corp);
        field_u64(line, " exec/s: ", &st->eps);
        st->seen = true;
    } else if (field_u64(line, "stat::number_of_executed_units: ", &st->final_execs)) {
        st->final_seen = true;
    } else {
        field_u64(line, "stat::average_exec_per_sec: ", &st->final_eps);
    }
}

static void progress(struct lf_run *r, bool force) {
    int64_t now = mono_ms();

    if (r->quiet || !r->st.seen || (!force && now - r->last_progress < VW_LF_PROGRESS_MS)) {
        return;
    }
    r->last_progress = now;
    fprintf(stderr, "fuzz: %-24s #%" PRIu64 " cov: %" PRIu64 " ft: %" PRIu64 " corp: %" PRIu64
            " exec/s: %" PRIu64 "\n", r->target, r->st.execs, r->st.cov, r->st.ft, r->st.corp,
            r->st.eps);
}

/* run_logged runs |argv| (stdout and stderr to |r->log_fd| and parsed line by line), kills
 * its process group after |limit_s| seconds and reaps it.  Returns its wait status, or -1
 * when it could not start. */
static int run_logged(char *const argv[], unsigned limit_s, struct lf_run *r) {
    int fds[2];
    pid_t pid;
    int ws = 0;
    char line[VW_LF_LINE_MAX];
    size_t line_len = 0;
    int64_t deadline = mono_ms() + (int64_t)limit_s * 1000;
    pid_t parent = getpid();

    if (pipe2(fds, O_CLOEXEC) != 0) {
        return -1;
    }
    pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDONLY);

        setpgid(0, 0);
        prctl(PR_SET_PDEATHSIG, SIGKILL);       /* gone with us, even after our SIGKILL */
        if (getppid() != parent) {
            _exit(127);
        }
        if (devnull >= 0) {
            dup2(devnull, 0);
        }
        dup2(fds[1], 1);
        dup2(fds[1], 2);
        closefrom(3);
        vw_fuzz_sanitizer_env();
        execv(argv[0], argv);
        dprintf(2, "virtwire: cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(fds[1]);
    setpgid(pid, pid);
    for (;;) {
        int64_t left = deadline - mono_ms();
        struct pollfd pfd = { .fd = fds[0], .events = POLLIN };
        char buf[8192];
        ssize_t n;

        if (left <= 0) {
            kill(-pid, SIGKILL);        /* over its time box: libFuzzer did not stop */
            kill(pid, SIGKILL);
            break;
        }
        int pr = poll(&pfd, 1, (int)(left > 1000 ? 1000 : left));
        progress(r, false);
        if (pr <= 0) {
            continue;
        }
        n = read(fds[0], buf, sizeof(buf));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break;
        }
        if (r->log_fd >= 0 && write(r->log_fd, buf, (size_t)n) != n) {
            close(r->log_fd);           /* disk full: stop logging, keep fuzzing */
            r->log_fd = -1;
        }
        for (ssize_t i = 0; i < n; i++) {
            if (buf[i] == '\n') {
                line[line_len] = '\0';
                parse_line(&r->st, line);
                line_len = 0;
            } else if (line_len + 1 < sizeof(line)) {
                line[line_len++] = buf[i];
            }
        }
    }
    close(fds[0]);
    while (waitpid(pid, &ws, 0) < 0) {
        if (errno != EINTR) {
            return -1;
        }
    }
    return ws;
}

/* ---- corpus and options ---- */

/* count_files counts the regular files in |dir| (0 when it does not exist). */
static uint64_t count_files(const char *dir) {
    DIR *d = opendir(dir);
    struct dirent *e;
    uint64_t n = 0;

    if (d == NULL) {
        return 0;
    }
    while ((e = readdir(d)) != NULL) {
        char p[VW_FUZZ_PATH_MAX];
        struct stat sb;

        if (e->d_name[0] == '.' ||
            vw_fuzz_path_fmt(p, sizeof(p), "%s/%s", dir, e->d_name) < 0) {
            continue;
        }
        if (stat(p, &sb) == 0 && S_ISREG(sb.st_mode)) {
            n++;
        }
    }
    closedir(d);
    return n;
}

static char *trim(char *s) {
    char *e;

    while (*s == ' ' || *s == '\t') {
        s++;
    }
    e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r')) {
        *--e = '\0';
    }
    return s;
}

/* read_options turns the [libfuzzer] section of CORPUS/T.options (OSS-Fuzz's INI format,
 * anchors.md §3) into "-key=value" flags; a dict is relative to the .options file.  Returns
 * the number of flags (malloc'd strings in |flags|). */
static size_t read_options(const char *corpus_root, const char *target,
                           char *flags[VW_LF_OPTIONS_MAX]) {
    char path[VW_FUZZ_PATH_MAX], line[512];
    FILE *f;
    bool in_section = false;
    size_t n = 0;

    if (vw_fuzz_path_fmt(path, sizeof(path), "%s/%s.options", corpus_root, target) < 0 ||
        (f = fopen(path, "re")) == NULL) {
        return 0;
    }
    while (n < VW_LF_OPTIONS_MAX && fgets(line, sizeof(line), f) != NULL) {
        char *s = trim(line), *eq, *key, *val, flag[VW_FUZZ_PATH_MAX + 64];

        if (s[0] == '[') {
            in_section = strcmp(s, "[libfuzzer]") == 0;
            continue;
        }
        if (!in_section || s[0] == '#' || s[0] == ';' || (eq = strchr(s, '=')) == NULL) {
            continue;
        }
        *eq = '\0';
        key = trim(s);
        val = trim(eq + 1);
        if (key[0] == '\0' || strspn(key, "abcdefghijklmnopqrstuvwxyz_0123456789") !=
            strlen(key)) {
            continue;                   /* only plain flag names reach the command line */
        }
        int r = (strcmp(key, "dict") == 0 && val[0] != '/')
                    ? vw_fuzz_path_fmt(flag, sizeof(flag), "-dict=%s/%s", corpus_root, val)
                    : vw_fuzz_path_fmt(flag, sizeof(flag), "-%s=%s", key, val);
        if (r == 0 && (flags[n] = strdup(flag)) != NULL) {
            n++;
        }
    }
    fclose(f);
    return n;
}

/* ---- crashes ---- */

static bool is_artifact(const char *name) {
    static const char *const prefixes[] = { "crash-", "leak-", "timeout-", "oom-" };

    for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
        if (strncmp(name, prefixes[i], strlen(prefixes[i])) == 0) {
            return true;
        }
    }
    return false;
}

/* read_log returns the campaign log (at most 1 MiB, malloc'd, NUL-terminated) or NULL. */
static char *read_log(const char *path) {
    FILE *f = fopen(path, "re");
    char *buf;
    size_t n;

    if (f == NULL) {
        return NULL;
    }
    buf = malloc((1u << 20) + 1);
    if (buf != NULL) {
        n = fread(buf, 1, 1u << 20, f);
        buf[n] = '\0';
    }
    fclose(f);
    return buf;
}

/* collect_crashes re-runs every artifact of WORK/T/crashes, de-duplicates by signature and
 * files the new ones in opts->crash_dir. */
static void collect_crashes(const char *target, const char *exe, const char *work_t,
                            const struct vw_fuzz_opts *opts, struct vw_fuzz_result *out) {
    char dir[VW_FUZZ_PATH_MAX], logp[VW_FUZZ_PATH_MAX];
    char seen[VW_LF_CRASHES_MAX][VW_FUZZ_SIG_MAX];
    unsigned num_seen = 0, runs = 0;
    DIR *d;
    struct dirent *e;

    if (vw_fuzz_path_fmt(dir, sizeof(dir), "%s/crashes", work_t) < 0 ||
        vw_fuzz_path_fmt(logp, sizeof(logp), "%s/fuzz.log", work_t) < 0 ||
        (d = opendir(dir)) == NULL) {
        return;
    }
    while ((e = readdir(d)) != NULL && runs < VW_LF_CRASHES_MAX) {
        char in[VW_FUZZ_PATH_MAX], sig[VW_FUZZ_SIG_MAX];
        char *report = NULL;
        int ws = 0;
        bool dup = false;

        if (!is_artifact(e->d_name) ||
            vw_fuzz_path_fmt(in, sizeof(in), "%s/%s", dir, e->d_name) < 0) {
            continue;
        }
        runs++;
        if (vw_fuzz_run_input(exe, in, VW_LF_RUN_TIMEOUT_S, &report, &ws) != 0 ||
            vw_fuzz_crash_signature(report, sig, sizeof(sig)) != 0) {
            /* not reproduced alone (flaky, or depends on the campaign's state): the report
             * of the campaign itself is the one there is */
            free(report);
            report = read_log(logp);
            if (vw_fuzz_crash_signature(report, sig, sizeof(sig)) != 0) {
                snprintf(sig, sizeof(sig), "%.*s (no report)",
                         (int)strcspn(e->d_name, "-"), e->d_name);
            }
        }
        for (unsigned i = 0; i < num_seen; i++) {
            dup = dup || strcmp(seen[i], sig) == 0;
        }
        if (dup) {
            free(report);
            continue;
        }
        memcpy(seen[num_seen++], sig, sizeof(sig));
        (void)vw_fuzz_file_crash(target, exe, in, sig, report, opts, out);
        free(report);
    }
    closedir(d);
}

/* ---- the campaign ---- */

/* looks_like_libfuzzer says whether |exe| holds libFuzzer's driver (its flag table names
 * -print_final_stats); a replay build (-Dfuzzing=none) does not. */
static bool looks_like_libfuzzer(const char *exe) {
    static const char needle[] = "print_final_stats";
    FILE *f = fopen(exe, "re");
    char buf[65536 + sizeof(needle)];
    size_t keep = 0, n;
    bool found = false;

    if (f == NULL) {
        return false;
    }
    while (!found && (n = fread(buf + keep, 1, sizeof(buf) - keep, f)) > 0) {
        size_t len = keep + n;

        found = memmem(buf, len, needle, sizeof(needle) - 1) != NULL;
        keep = len < sizeof(needle) ? len : sizeof(needle) - 1;
        memmove(buf, buf + len - keep, keep);
    }
    fclose(f);
    return found;
}

int vw_fuzz_libfuzzer_campaign(const char *target, const struct vw_fuzz_opts *opts,
                               struct vw_fuzz_result *out) {
    char exe[VW_FUZZ_PATH_MAX], work_t[VW_FUZZ_PATH_MAX], wcorp[VW_FUZZ_PATH_MAX];
    char wcrash[VW_FUZZ_PATH_MAX], logp[VW_FUZZ_PATH_MAX], corp[VW_FUZZ_PATH_MAX];
    char f_time[48], f_art[VW_FUZZ_PATH_MAX + 24];
    char *flags[VW_LF_OPTIONS_MAX];
    char *argv[VW_LF_ARGS_MAX];
    size_t nflags, argc = 0;
    struct lf_run run = { .target = target, .quiet = opts->quiet, .log_fd = -1 };
    struct stat sb;
    int ws;

    memset(out, 0, sizeof(*out));
    snprintf(out->target, sizeof(out->target), "%s", target);
    if (vw_fuzz_path_fmt(exe, sizeof(exe), "%s/fuzzers/fuzz_%s", opts->build, target) < 0 ||
        vw_fuzz_path_fmt(work_t, sizeof(work_t), "%s/%s", opts->work, target) < 0 ||
        vw_fuzz_path_fmt(wcorp, sizeof(wcorp), "%s/corpus", work_t) < 0 ||
        vw_fuzz_path_fmt(wcrash, sizeof(wcrash), "%s/crashes", work_t) < 0 ||
        vw_fuzz_path_fmt(logp, sizeof(logp), "%s/fuzz.log", work_t) < 0 ||
        vw_fuzz_path_fmt(corp, sizeof(corp), "%s/%s", opts->corpus_root, target) < 0) {
        return vw_fuzz_fail(out, "path too long");
    }
    if (stat(exe, &sb) != 0 || !S_ISREG(sb.st_mode) || access(exe, X_OK) != 0) {
        return vw_fuzz_fail(out, "binary missing: %s", exe);
    }
    if (!looks_like_libfuzzer(exe)) {
        return vw_fuzz_fail(out, "not a libFuzzer binary (build with -Dfuzzing=libfuzzer): %s",
                            exe);
    }
    if ((mkdir(work_t, 0755) != 0 && errno != EEXIST) || (mkdir(wcorp, 0755) != 0 &&
        errno != EEXIST) || (mkdir(wcrash, 0755) != 0 && errno != EEXIST)) {
        return vw_fuzz_fail(out, "cannot create the work dir %s", work_t);
    }
    snprintf(f_time, sizeof(f_time), "-max_total_time=%u", opts->seconds);
    snprintf(f_art, sizeof(f_art), "-artifact_prefix=%s/", wcrash);
    nflags = read_options(opts->corpus_root, target, flags);
    argv[argc++] = exe;
    argv[argc++] = f_time;
    argv[argc++] = (char *)"-print_final_stats=1";
    argv[argc++] = f_art;
    for (size_t i = 0; i < nflags; i++) {
        argv[argc++] = flags[i];
    }
    argv[argc++] = wcorp;
    if (stat(corp, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        argv[argc++] = corp;
    }
    argv[argc] = NULL;

    if (!opts->quiet) {
        fprintf(stderr, "fuzz: %-24s started: %u s, %s\n", target, opts->seconds, exe);
    }
    run.log_fd = open(logp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    run.last_progress = mono_ms();
    ws = run_logged(argv, opts->seconds + VW_LF_GRACE_S, &run);
    if (run.log_fd >= 0) {
        close(run.log_fd);
        run.log_fd = -1;
    }
    progress(&run, true);
    if (ws == -1) {
        for (size_t i = 0; i < nflags; i++) {
            free(flags[i]);
        }
        return vw_fuzz_fail(out, "cannot run %s", exe);
    }
    int fuzz_ws = ws;
    out->execs = run.st.final_seen ? run.st.final_execs : run.st.execs;
    out->execs_per_s = (double)(run.st.final_seen && run.st.final_eps > 0 ? run.st.final_eps
                                                                         : run.st.eps);
    out->features = run.st.ft;
    out->new_inputs = count_files(wcorp);
    out->corpus_size = run.st.corp;

    /* merge: only inputs that add features reach the committed corpus (libFuzzer -merge=1) */
    if (opts->merge && out->new_inputs > 0) {
        char f_merge[] = "-merge=1";
        char *margv[VW_LF_ARGS_MAX];
        size_t margc = 0;
        uint64_t before;
        struct lf_run mrun = { .target = target, .quiet = true, .log_fd = -1 };
        char mlog[VW_FUZZ_PATH_MAX];

        if ((mkdir(corp, 0755) != 0 && errno != EEXIST)) {
            fprintf(stderr, "fuzz: %s: cannot create %s: %s\n", target, corp, strerror(errno));
        }
        before = count_files(corp);
        margv[margc++] = exe;
        margv[margc++] = f_merge;
        for (size_t i = 0; i < nflags; i++) {
            margv[margc++] = flags[i];
        }
        margv[margc++] = corp;
        margv[margc++] = wcorp;
        margv[margc] = NULL;
        if (vw_fuzz_path_fmt(mlog, sizeof(mlog), "%s/merge.log", work_t) == 0) {
            mrun.log_fd = open(mlog, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        }
        ws = run_logged(margv, VW_LF_MERGE_S + opts->seconds, &mrun);
        if (mrun.log_fd >= 0) {
            close(mrun.log_fd);
        }
        if (ws == -1 || !WIFEXITED(ws) || WEXITSTATUS(ws) != 0) {
            fprintf(stderr, "fuzz: %s: the merge into %s failed (see %s)\n", target, corp,
                    mlog);
        }
        out->corpus_size = count_files(corp);
        out->new_inputs = out->corpus_size > before ? out->corpus_size - before : 0;
    } else if (opts->merge) {
        out->corpus_size = count_files(corp);
    }
    for (size_t i = 0; i < nflags; i++) {
        free(flags[i]);
    }
    collect_crashes(target, exe, work_t, opts, out);
    if (out->crashes == 0 && !(WIFEXITED(fuzz_ws) && WEXITSTATUS(fuzz_ws) == 0)) {
        /* no artifact, yet no clean end: a libFuzzer error, or killed past its time box */
        if (WIFEXITED(fuzz_ws)) {
            return vw_fuzz_fail(out, "the fuzzer exited with status %d and no artifact "
                                "(its log: --keep-work, WORK/%s/fuzz.log)",
                                WEXITSTATUS(fuzz_ws), target);
        }
        return vw_fuzz_fail(out, "the fuzzer was killed by signal %d",
                            WIFSIGNALED(fuzz_ws) ? WTERMSIG(fuzz_ws) : 0);
    }
    return 0;
}
