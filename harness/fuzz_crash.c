/* fuzz_crash.c -- crash signatures and single-input runs for `virtwire fuzz` (issue 7 point 1;
 * harness/fuzz_campaign.h).
 *
 * vw_fuzz_crash_signature turns a sanitizer or libFuzzer report into a de-duplication key: the
 * kind of the report and the functions of the top VW_SIG_FRAMES frames inside the project,
 * e.g. "heap-buffer-overflow READ in vw_xdr_get_u32 < vw_virnet_decode < LLVMFuzzerTestOneInput".
 * The report comes from an untrusted run, so the parser reads at most VW_SIG_REPORT_MAX bytes,
 * copies every token with a bound and replaces non-printable bytes.
 *
 * vw_fuzz_run_input runs one fuzz binary on one file with fatal, symbolized sanitizer reports
 * and returns its output; the child is killed and reaped on every path.
 *
 * vw_fuzz_file_crash files one de-duplicated crash of either engine in the crash dir, with the
 * small file helpers both engines share (vw_fuzz_path_fmt, vw_fuzz_copy_file, vw_fuzz_fail). */
#define _GNU_SOURCE     /* pipe2, close_range */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fuzz_campaign.h"

#define VW_SIG_FRAMES 3u                 /* project frames in a signature (issue 7 point 1) */
#define VW_SIG_REPORT_MAX (1u << 20)     /* bytes of a report parsed (vw_fuzz_run_input's cap) */
#define VW_SIG_TOKEN_MAX 160u            /* one function name or kind in a signature */
#define VW_RUN_OUTPUT_MAX (1u << 20)     /* output kept by vw_fuzz_run_input (fuzz_campaign.h) */
#define VW_RUN_GRACE_S 5u                /* beyond the timeout: symbolizing a report takes time */
#define VW_RUN_KILL_WAIT_MS 2000         /* after SIGKILL: the child is gone well before this */

/* The sanitizer settings of every run: reports are fatal (halt_on_error; UBSan reports
 * otherwise only print and fuzzing carries on, fuzz-toolchain.md §1 "Calibration"), carry a
 * symbolized stack (print_stacktrace) and end in the exit code libFuzzer treats as a crash. */
#define VW_FUZZ_ASAN_OPTIONS "halt_on_error=1:abort_on_error=0:symbolize=1:detect_leaks=1:" \
                             "handle_abort=1:handle_segv=1:allocator_may_return_null=0"
#define VW_FUZZ_UBSAN_OPTIONS "halt_on_error=1:abort_on_error=0:print_stacktrace=1:symbolize=1"

/* ---- signature ---- */

/* line_end returns the end of the line starting at |p| (at most |end|). */
static const char *line_end(const char *p, const char *end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));

    return nl != NULL ? nl : end;
}

/* find_in returns the first occurrence of |needle| in [p, end), or NULL. */
static const char *find_in(const char *p, const char *end, const char *needle) {
    size_t n = strlen(needle);

    while ((size_t)(end - p) >= n) {
        const char *q = memchr(p, needle[0], (size_t)(end - p) - n + 1);

        if (q == NULL) {
            return NULL;
        }
        if (memcmp(q, needle, n) == 0) {
            return q;
        }
        p = q + 1;
    }
    return NULL;
}

/* put_token appends [p, p+n) to |out| (capacity |cap|, NUL-terminated), at most
 * VW_SIG_TOKEN_MAX bytes, non-printable bytes as '?', trailing blanks and ':' dropped. */
static void put_token(char *out, size_t cap, const char *p, size_t n) {
    size_t len = strlen(out);

    while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == ':' || p[n - 1] == '\t' ||
                     p[n - 1] == '\r' || p[n - 1] == ',')) {
        n--;
    }
    if (n > VW_SIG_TOKEN_MAX) {
        n = VW_SIG_TOKEN_MAX;
    }
    for (size_t i = 0; i < n && len + 1 < cap; i++) {
        unsigned char c = (unsigned char)p[i];

        out[len++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    out[len] = '\0';
}

/* put_sep appends the separator |s| to |out| as is. */
static void put_sep(char *out, size_t cap, const char *s) {
    size_t len = strlen(out);

    for (; *s != '\0' && len + 1 < cap; s++) {
        out[len++] = *s;
    }
    out[len] = '\0';
}

/* text_until_number returns the length of [p, end) up to the first digit-run that starts a
 * word, a " on " (ASan: "... on address 0x...") or '(' -- the fixed part of a message. */
static size_t text_until_number(const char *p, const char *end) {
    size_t n = 0;

    while (p + n < end) {
        char c = p[n];

        if ((c >= '0' && c <= '9') && (n == 0 || p[n - 1] == ' ' || p[n - 1] == '\'')) {
            break;
        }
        if (c == '(' || ((size_t)(end - p) - n >= 4 && memcmp(p + n, " on ", 4) == 0)) {
            break;
        }
        n++;
    }
    return n;
}

enum vw_sig_marker { VW_SIG_SANITIZER, VW_SIG_UBSAN, VW_SIG_LIBFUZZER, VW_SIG_NMARKERS };

static const char *const sig_markers[VW_SIG_NMARKERS] = {
    [VW_SIG_SANITIZER] = "Sanitizer: ",      /* "ERROR: AddressSanitizer: KIND ..." */
    [VW_SIG_UBSAN] = "runtime error: ",      /* UBSan: "file:line:col: runtime error: MSG" */
    [VW_SIG_LIBFUZZER] = "ERROR: libFuzzer: ",
};

/* find_sanitizer_error finds "ERROR: <Name>Sanitizer: " in [p, end); |*kind| is set to the
 * text after it. */
static const char *find_sanitizer_error(const char *p, const char *end, const char **kind) {
    const char *q = p;

    while ((q = find_in(q, end, sig_markers[VW_SIG_SANITIZER])) != NULL) {
        const char *ls = q;

        while (ls > p && ls[-1] != '\n') {
            ls--;
        }
        if (find_in(ls, q, "ERROR: ") != NULL) {
            *kind = q + strlen(sig_markers[VW_SIG_SANITIZER]);
            return q;
        }
        q++;
    }
    return NULL;
}

/* sig_kind writes the report's kind into |out| and returns where its stack search starts, or
 * NULL when [p, end) has no report.  The earliest report wins: a UBSan error that halts is
 * followed by libFuzzer's "deadly signal" epilogue, which would hide it. */
static const char *sig_kind(const char *p, const char *end, char *out, size_t cap) {
    const char *asan_kind = NULL;
    const char *at[VW_SIG_NMARKERS];
    const char *first = NULL;
    int which = -1;

    at[VW_SIG_SANITIZER] = find_sanitizer_error(p, end, &asan_kind);
    at[VW_SIG_UBSAN] = find_in(p, end, sig_markers[VW_SIG_UBSAN]);
    at[VW_SIG_LIBFUZZER] = find_in(p, end, sig_markers[VW_SIG_LIBFUZZER]);
    for (int i = 0; i < VW_SIG_NMARKERS; i++) {
        if (at[i] != NULL && (first == NULL || at[i] < first)) {
            first = at[i];
            which = i;
        }
    }
    out[0] = '\0';
    if (which == VW_SIG_SANITIZER) {
        const char *le = line_end(asan_kind, end);
        size_t n = text_until_number(asan_kind, le);

        if (n >= 21 && memcmp(asan_kind, "detected memory leaks", 21) == 0) {
            put_token(out, cap, "leak", 4);         /* LeakSanitizer */
        } else if (n >= 4 && memcmp(asan_kind, "ABRT", 4) == 0) {
            put_token(out, cap, "abort", 5);        /* handle_abort=1: a failed CHECK/assert */
        } else {
            put_token(out, cap, asan_kind, n);
        }
        /* ASan's access line: "READ of size 4 at ..." or, for SEGV, "The signal is caused by
         * a WRITE memory access."; only within the next few lines of the report. */
        const char *win = le;
        for (int k = 0; k < 4 && win < end; k++) {
            win = line_end(win + 1, end);
        }
        const char *rd = find_in(le, win, "READ");
        const char *wr = find_in(le, win, "WRITE");
        if (rd != NULL && (wr == NULL || rd < wr)) {
            put_sep(out, cap, " READ");
        } else if (wr != NULL) {
            put_sep(out, cap, " WRITE");
        }
        return le;
    }
    if (which == VW_SIG_UBSAN) {
        const char *msg = at[VW_SIG_UBSAN] + strlen(sig_markers[VW_SIG_UBSAN]);
        const char *le = line_end(msg, end);

        put_sep(out, cap, "ubsan: ");
        put_token(out, cap, msg, text_until_number(msg, le));
        return le;
    }
    if (which == VW_SIG_LIBFUZZER) {
        const char *msg = at[VW_SIG_LIBFUZZER] + strlen(sig_markers[VW_SIG_LIBFUZZER]);
        const char *le = line_end(msg, end);
        size_t n = text_until_number(msg, le);

        /* "timeout after 10 seconds", "out-of-memory (malloc(...))", "deadly signal",
         * "fuzz target exited": the words before the numbers. */
        if (n >= 13 && memcmp(msg, "timeout after", 13) == 0) {
            n = 7;
        }
        put_token(out, cap, msg, n);
        return le;
    }
    return NULL;
}

/* frame_skipped: a frame in libc, libstdc++, the sanitizer runtime (compiler-rt) or libFuzzer
 * is not the project's; LLVMFuzzerTestOneInput is. */
static bool frame_skipped(const char *fn, size_t fn_len, const char *loc, size_t loc_len) {
    static const char *const fn_prefixes[] = {
        "__asan", "__sanitizer", "__interceptor_", "__ubsan", "__lsan", "__libc_", "fuzzer::",
        "std::", "__cxa", "_start", "__GI_", "__interception", "___interceptor_",
    };
    static const char *const loc_parts[] = {
        "libc.so", "libc-", "libstdc++", "compiler-rt/", "libclang_rt", "libgcc_s", "ld-linux",
        "/libFuzzer", "/sanitizer_common/", "libpthread",
    };

    for (size_t i = 0; i < sizeof(fn_prefixes) / sizeof(fn_prefixes[0]); i++) {
        size_t n = strlen(fn_prefixes[i]);

        if (fn_len >= n && memcmp(fn, fn_prefixes[i], n) == 0) {
            return true;
        }
    }
    for (size_t i = 0; i < sizeof(loc_parts) / sizeof(loc_parts[0]); i++) {
        if (find_in(loc, loc + loc_len, loc_parts[i]) != NULL) {
            return true;
        }
    }
    /* the libc allocator / string functions ASan intercepts appear under their own names */
    static const char *const libc_fns[] = { "malloc", "calloc", "realloc", "free", "memcpy",
                                            "memmove", "memset", "memcmp", "strlen", "abort",
                                            "raise", "main" };
    for (size_t i = 0; i < sizeof(libc_fns) / sizeof(libc_fns[0]); i++) {
        size_t n = strlen(libc_fns[i]);

        if (fn_len == n && memcmp(fn, libc_fns[i], n) == 0 && fn_len != 0) {
            /* main is the project's only in a replay build (harness/replay_main.c) */
            if (strcmp(libc_fns[i], "main") == 0 &&
                find_in(loc, loc + loc_len, "replay_main.c") != NULL) {
                return false;
            }
            return true;
        }
    }
    return false;
}

/* parse_frame reads "#N 0xADDR in FUNC LOCATION" or "#N 0xADDR (MODULE+0xOFF)" from the line
 * [p, le); returns its number or -1 when the line is not a frame, and sets the function and
 * location spans (the function is empty for an unsymbolized frame). */
static long parse_frame(const char *p, const char *le, const char **fn, size_t *fn_len,
                        const char **loc, size_t *loc_len) {
    long num = 0;
    int digits = 0;

    while (p < le && (*p == ' ' || *p == '\t')) {
        p++;
    }
    if (p >= le || *p != '#') {
        return -1;
    }
    p++;
    while (p < le && *p >= '0' && *p <= '9' && digits < 6) {
        num = num * 10 + (*p - '0');
        p++;
        digits++;
    }
    if (digits == 0 || p >= le || *p != ' ') {
        return -1;
    }
    while (p < le && *p == ' ') {
        p++;
    }
    if ((size_t)(le - p) < 2 || p[0] != '0' || p[1] != 'x') {
        return -1;
    }
    while (p < le && *p != ' ') {
        p++;
    }
    while (p < le && *p == ' ') {
        p++;
    }
    *fn = p;
    *fn_len = 0;
    if ((size_t)(le - p) > 3 && memcmp(p, "in ", 3) == 0) {
        p += 3;
        *fn = p;
        /* C++ names hold spaces inside (...): the function ends at the first '(' or space */
        while (p < le && *p != ' ' && *p != '(') {
            p++;
        }
        *fn_len = (size_t)(p - *fn);
    }
    /* the location is the rest of the line: FILE:LINE:COL or (MODULE+0xOFF), then maybe
     * "(BuildId: ...)" */
    while (p < le && *p == ' ') {
        p++;
    }
    *loc = p;
    *loc_len = (size_t)(le - p);
    return num;
}

/* sig_frames appends " in F1 < F2 < F3" (the top project frames of the first stack after
 * |p|) to |out|.  The stack ends at a repeated #0 (the next stack: "allocated by thread")
 * or a blank line after a frame. */
static void sig_frames(const char *p, const char *end, char *out, size_t cap) {
    unsigned kept = 0;
    long last = -1;

    while (p < end && kept < VW_SIG_FRAMES) {
        const char *ls = (*p == '\n') ? p + 1 : p;
        const char *le = line_end(ls, end);
        const char *fn, *loc;
        size_t fn_len, loc_len;
        long num = parse_frame(ls, le, &fn, &fn_len, &loc, &loc_len);

        if (num < 0) {
            if (last >= 0 && le == ls) {
                break;                  /* blank line: the stack is over */
            }
        } else {
            if (last >= 0 && num <= last) {
                break;                  /* numbering restarts: a second stack */
            }
            last = num;
            if (!frame_skipped(fn, fn_len, loc, loc_len)) {
                put_sep(out, cap, kept == 0 ? " in " : " < ");
                if (fn_len > 0) {
                    put_token(out, cap, fn, fn_len);
                } else {
                    /* unsymbolized: "(MODULE+0xOFF)", the module's base name and offset */
                    const char *le2 = loc + loc_len;
                    const char *b = memchr(loc, '(', loc_len);
                    const char *e2 = b != NULL ? memchr(b, ')', (size_t)(le2 - b)) : NULL;

                    if (b != NULL && e2 != NULL) {
                        const char *slash = e2;
                        while (slash > b && slash[-1] != '/' && slash[-1] != '(') {
                            slash--;
                        }
                        put_token(out, cap, slash, (size_t)(e2 - slash));
                    } else {
                        put_token(out, cap, "?", 1);
                    }
                }
                kept++;
            }
        }
        if (le >= end) {
            break;
        }
        p = le + 1;
    }
}

int vw_fuzz_crash_signature(const char *report, char *sig, size_t sig_len) {
    char buf[VW_FUZZ_SIG_MAX];
    const char *end, *stack;

    if (report == NULL || sig == NULL || sig_len == 0) {
        return -1;
    }
    end = report + strnlen(report, VW_SIG_REPORT_MAX);
    stack = sig_kind(report, end, buf, sizeof(buf));
    if (stack == NULL || buf[0] == '\0') {
        sig[0] = '\0';
        return -1;
    }
    sig_frames(stack, end, buf, sizeof(buf));
    snprintf(sig, sig_len, "%s", buf);
    return 0;
}

/* ---- running one input ---- */

static int64_t mono_ms(void) {
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* set_fatal_env sets NAME to the caller's value followed by |ours|: a later key overrides an
 * earlier one in sanitizer options, so the fatal settings win. */
static void set_fatal_env(const char *name, const char *ours) {
    const char *cur = getenv(name);
    char buf[2048];

    int n = (cur != NULL && cur[0] != '\0') ? snprintf(buf, sizeof(buf), "%s:%s", cur, ours) : -1;

    if (n > 0 && (size_t)n < sizeof(buf)) {
        setenv(name, buf, 1);
    } else {
        setenv(name, ours, 1);
    }
}

void vw_fuzz_sanitizer_env(void) {
    set_fatal_env("ASAN_OPTIONS", VW_FUZZ_ASAN_OPTIONS);
    set_fatal_env("UBSAN_OPTIONS", VW_FUZZ_UBSAN_OPTIONS);
}

/* exec_child runs in the forked child: output to |out_fd|, stdin from /dev/null, its own
 * process group (so a kill reaches anything it starts), no inherited fds. */
static void exec_child(const char *exe, const char *input, unsigned timeout_s, int out_fd) {
    char tflag[32];
    int devnull = open("/dev/null", O_RDONLY);

    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);   /* killed with us, even by SIGKILL */
    if (devnull >= 0) {
        dup2(devnull, 0);
    }
    dup2(out_fd, 1);
    dup2(out_fd, 2);
    closefrom(3);
    vw_fuzz_sanitizer_env();
    snprintf(tflag, sizeof(tflag), "-timeout=%u", timeout_s);
    execl(exe, exe, "-runs=1", tflag, input, (char *)NULL);
    dprintf(1, "virtwire: cannot run %s: %s\n", exe, strerror(errno));
    _exit(127);
}

/* kill_reap kills |pid|'s process group and reaps it. */
static void kill_reap(pid_t pid, int *wstatus) {
    int64_t deadline = mono_ms() + VW_RUN_KILL_WAIT_MS;

    kill(-pid, SIGKILL);
    kill(pid, SIGKILL);
    while (waitpid(pid, wstatus, 0) < 0 && errno == EINTR && mono_ms() < deadline) {
    }
}

int vw_fuzz_run_input(const char *exe, const char *input, unsigned timeout_s, char **output,
                      int *wstatus) {
    int fds[2];
    pid_t pid;
    char *buf;
    size_t len = 0;
    int64_t deadline;
    bool killed = false;

    if (exe == NULL || input == NULL || output == NULL || wstatus == NULL) {
        return -1;
    }
    *output = NULL;
    *wstatus = 0;
    if (access(exe, X_OK) != 0 || access(input, R_OK) != 0) {
        return -1;
    }
    if (timeout_s == 0) {
        timeout_s = 10;
    }
    buf = malloc(VW_RUN_OUTPUT_MAX + 1);
    if (buf == NULL) {
        return -1;
    }
    if (pipe2(fds, O_CLOEXEC) != 0) {
        free(buf);
        return -1;
    }
    pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        free(buf);
        return -1;
    }
    if (pid == 0) {
        close(fds[0]);
        exec_child(exe, input, timeout_s, fds[1]);
    }
    close(fds[1]);
    setpgid(pid, pid);          /* also from the parent: no race with the kill below */
    deadline = mono_ms() + (int64_t)(timeout_s + VW_RUN_GRACE_S) * 1000;
    for (;;) {
        int64_t left = deadline - mono_ms();
        struct pollfd pfd = { .fd = fds[0], .events = POLLIN };
        char chunk[8192];
        ssize_t n;

        if (left <= 0) {
            killed = true;      /* hung past libFuzzer's own -timeout: kill it */
            break;
        }
        int r = poll(&pfd, 1, (int)(left > 1000 ? 1000 : left));
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            continue;
        }
        n = read(fds[0], chunk, sizeof(chunk));
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
            continue;
        }
        if (n <= 0) {
            break;              /* EOF: every writer has closed */
        }
        size_t keep = (size_t)n;
        if (keep > VW_RUN_OUTPUT_MAX - len) {
            keep = VW_RUN_OUTPUT_MAX - len;     /* drain the rest, keep the first 1 MiB */
        }
        memcpy(buf + len, chunk, keep);
        len += keep;
    }
    close(fds[0]);
    if (killed) {
        kill_reap(pid, wstatus);
        const char *msg = "\nvirtwire: run killed after the timeout\n";
        size_t ml = strlen(msg);
        if (len + ml <= VW_RUN_OUTPUT_MAX) {
            memcpy(buf + len, msg, ml);
            len += ml;
        }
    } else {
        /* the pipe is closed: the child has exited or closed its output; make sure */
        int64_t wait_until = mono_ms() + (int64_t)VW_RUN_GRACE_S * 1000;
        pid_t w;

        while ((w = waitpid(pid, wstatus, WNOHANG)) == 0 && mono_ms() < wait_until) {
            struct timespec ts = { 0, 10 * 1000 * 1000 };
            nanosleep(&ts, NULL);
        }
        if (w == 0) {
            kill_reap(pid, wstatus);
        }
    }
    buf[len] = '\0';
    *output = buf;
    return 0;
}

/* ---- filing a crash ---- */

int vw_fuzz_path_fmt(char *out, size_t cap, const char *fmt, ...) {
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(out, cap, fmt, ap);
    va_end(ap);
    return (n < 0 || (size_t)n >= cap) ? -1 : 0;
}

int vw_fuzz_fail(struct vw_fuzz_result *out, const char *fmt, ...) {
    va_list ap;

    out->status = -1;
    va_start(ap, fmt);
    vsnprintf(out->why, sizeof(out->why), fmt, ap);
    va_end(ap);
    return -1;
}

/* sig_hash is FNV-1a 32 over the signature: the file name of a crash, one function for both
 * engines so that they file one bug under one name. */
static uint32_t sig_hash(const char *s) {
    uint32_t h = 2166136261u;

    for (; *s != '\0'; s++) {
        h = (h ^ (uint8_t)*s) * 16777619u;
    }
    return h;
}

/* trim_end cuts trailing blanks and the line end. */
static char *trim_end(char *s) {
    size_t n = strlen(s);

    while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' ' ||
                     s[n - 1] == '\t')) {
        s[--n] = '\0';
    }
    return s;
}

/* sig_known says whether |sig| is the first line of one of CRASHES/ *.sig. */
static bool sig_known(const char *crash_dir, const char *sig) {
    DIR *d = opendir(crash_dir);
    struct dirent *e;
    bool found = false;

    if (d == NULL) {
        return false;
    }
    while (!found && (e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name);
        char p[VW_FUZZ_PATH_MAX], line[VW_FUZZ_SIG_MAX + 2];
        FILE *f;

        if (l < 5 || strcmp(e->d_name + l - 4, ".sig") != 0 ||
            vw_fuzz_path_fmt(p, sizeof(p), "%s/%s", crash_dir, e->d_name) < 0 ||
            (f = fopen(p, "re")) == NULL) {
            continue;
        }
        if (fgets(line, sizeof(line), f) != NULL) {
            found = strcmp(trim_end(line), sig) == 0;
        }
        fclose(f);
    }
    closedir(d);
    return found;
}

/* write_all writes |len| bytes to |fd|.  Returns 0 or -1. */
static int write_all(int fd, const char *p, size_t len) {
    while (len > 0) {
        ssize_t n = write(fd, p, len);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* write_text writes |text| to |path| (created or truncated).  Returns 0 or -1. */
static int write_text(const char *path, const char *text) {
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int r;

    if (fd < 0) {
        return -1;
    }
    r = write_all(fd, text, strlen(text));
    return close(fd) != 0 ? -1 : r;
}

int vw_fuzz_copy_file(const char *src, const char *dst, uint64_t max) {
    int in = open(src, O_RDONLY | O_CLOEXEC);
    int out, r = 0;
    char buf[65536];
    uint64_t done = 0;

    if (in < 0) {
        return -1;
    }
    out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (out < 0) {
        close(in);
        return -1;
    }
    while (done < max) {
        size_t want = max - done < sizeof(buf) ? (size_t)(max - done) : sizeof(buf);
        ssize_t n = read(in, buf, want);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            r = n < 0 ? -1 : 0;
            break;
        }
        if (write_all(out, buf, (size_t)n) != 0) {
            r = -1;
            break;
        }
        done += (uint64_t)n;
    }
    close(in);
    return close(out) != 0 ? -1 : r;
}

/* append_reproduce adds the commands for one new crash to out->reproduce. */
static void append_reproduce(struct vw_fuzz_result *out, const char *target, const char *exe,
                             const char *input) {
    size_t len = strlen(out->reproduce);
    int n = snprintf(out->reproduce + len, sizeof(out->reproduce) - len,
                     "%svirtwire reproduce %s --target %s\n  (raw: %s %s)",
                     len > 0 ? "\n" : "", input, target, exe, input);

    if (n < 0 || (size_t)n >= sizeof(out->reproduce) - len) {
        out->reproduce[len] = '\0';     /* no room for one more: the first ones stay */
    }
}

int vw_fuzz_file_crash(const char *target, const char *exe, const char *input, const char *sig,
                       const char *report, const struct vw_fuzz_opts *opts,
                       struct vw_fuzz_result *out) {
    char base[VW_FUZZ_PATH_MAX], p_in[VW_FUZZ_PATH_MAX + 8], p_sig[VW_FUZZ_PATH_MAX + 8];
    char p_txt[VW_FUZZ_PATH_MAX + 8], line[VW_FUZZ_SIG_MAX + 2];

    out->crashes++;
    if (sig_known(opts->crash_dir, sig)) {
        if (!opts->quiet) {
            fprintf(stderr, "fuzz: %-24s known crash: %s\n", target, sig);
        }
        return 0;
    }
    out->new_crashes++;
    if (vw_fuzz_path_fmt(base, sizeof(base), "%s/%s-%08" PRIx32, opts->crash_dir, target,
                         sig_hash(sig)) == 0 &&
        vw_fuzz_path_fmt(p_in, sizeof(p_in), "%s.input", base) == 0 &&
        vw_fuzz_path_fmt(p_sig, sizeof(p_sig), "%s.sig", base) == 0 &&
        vw_fuzz_path_fmt(p_txt, sizeof(p_txt), "%s.txt", base) == 0 &&
        vw_fuzz_path_fmt(line, sizeof(line), "%s\n", sig) == 0 &&
        vw_fuzz_copy_file(input, p_in, UINT64_MAX) == 0 && write_text(p_sig, line) == 0) {
        if (report != NULL) {
            (void)write_text(p_txt, report);
        }
        append_reproduce(out, target, exe, p_in);
        if (!opts->quiet) {
            fprintf(stderr, "fuzz: %-24s NEW crash: %s\n", target, sig);
        }
        return 0;
    }
    append_reproduce(out, target, exe, input);     /* still new, but not filed: say where */
    fprintf(stderr, "fuzz: %s: cannot file the crash in %s: %s\n", target, opts->crash_dir,
            strerror(errno));
    return -1;
}
